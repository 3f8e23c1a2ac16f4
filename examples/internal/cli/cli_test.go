package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

func TestExplain(t *testing.T) {
	failed := &jobs.FailedError{Status: jobs.Status{State: jobs.Failed, Word: "FAIL", Code: "Ecs.0319", Message: "no capacity"}}
	noCode := &jobs.FailedError{Status: jobs.Status{State: jobs.Failed, Word: "Failed", Message: "node broken"}}
	apiErr := &cloudmigrate.Error{StatusCode: 400, Code: "Ecs.0100", RequestID: "req-1", Message: "not stopped"}
	for err, want := range map[error]string{
		fmt.Errorf("waiting: %w", failed): "job ended FAIL: code Ecs.0319: no capacity",
		noCode:                            "job ended Failed: node broken",
		fmt.Errorf("start: %w", apiErr):   "refused with HTTP 400, code Ecs.0100, request ID req-1: not stopped",
		errors.New("plain"):               "plain",
	} {
		if got := Explain(err); got != want {
			t.Errorf("Explain(%v) = %q, want %q", err, got, want)
		}
	}
}

func TestProgressPrintsOnlyChanges(t *testing.T) {
	seq := []jobs.Status{
		{State: jobs.Running, Word: "", Progress: jobs.ProgressUnknown},
		{State: jobs.Running, Word: "RUNNING", Progress: 12},
		{State: jobs.Running, Word: "RUNNING", Progress: 15},
		{State: jobs.Running, Word: "RUNNING", Progress: 42},
		{State: jobs.Succeeded, Word: "SUCCESS", Progress: jobs.ProgressUnknown},
	}
	n := 0
	poll := func(context.Context) (jobs.Status, error) {
		n++
		return seq[n-1], nil
	}
	var out bytes.Buffer
	if _, err := jobs.WaitForJob(context.Background(), poll, jobs.WithInterval(0, 0), Progress(&out)); err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		"   [          ]    ? (starting)",
		"   [#         ]  12% RUNNING",
		"   [####      ]  42% RUNNING",
		"   [##########] 100% SUCCESS",
	}, "\n") + "\n"
	if out.String() != want {
		t.Errorf("printed\n%s\nwant\n%s", out.String(), want)
	}
}
