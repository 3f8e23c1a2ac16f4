package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/cloudmigrate/cloudmigrate/examples/internal/cli"
	"github.com/cloudmigrate/cloudmigrate/examples/internal/clitest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/modelarts/modelartstest"
)

func runFor(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return clitest.Run(t, run, args...)
}

func TestPickByCount(t *testing.T) {
	out, err := runFor(t)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	for _, want := range []string{"Moving node-a, node-b from pool-train to pool-infer", "100% Success",
		"node-a       Available", "node-b       Available", "Done. 2 nodes moved pool-train -> pool-infer"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestNamedNodes(t *testing.T) {
	out, err := runFor(t, "-nodes", "node-c,node-d", "-flavor", "modelarts.vm.2u8g")
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if !strings.Contains(out, "node-d       Available  modelarts.vm.2u8g") || strings.Contains(out, "node-a ") {
		t.Error("target pool is not node-c and node-d with the new flavor")
	}
}

func TestFailedJob(t *testing.T) {
	_, err := runFor(t, "-fake-fail")
	var failed *jobs.FailedError
	if !errors.As(err, &failed) {
		t.Fatalf("err = %v, want a *jobs.FailedError", err)
	}
	if msg := cli.Explain(err); !strings.Contains(msg, modelartstest.DefaultFailureMessage) {
		t.Errorf("explain = %q, want the job's message", msg)
	}
}

func TestRefused(t *testing.T) {
	_, err := runFor(t, "-count", "4") // the source pool must keep a node
	if msg := cli.Explain(err); !strings.Contains(msg, "code ModelArts.") || !strings.Contains(msg, "request ID ") {
		t.Errorf("explain = %q, want code and request ID", msg)
	}
}

func TestBadFlag(t *testing.T) {
	if _, err := runFor(t, "-count", "x"); !errors.Is(err, cli.ErrUsage) {
		t.Errorf("err = %v, want cli.ErrUsage", err)
	}
}
