package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/cloudmigrate/cloudmigrate/ecs/ecstest"
	"github.com/cloudmigrate/cloudmigrate/examples/internal/cli"
	"github.com/cloudmigrate/cloudmigrate/examples/internal/clitest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

func runFor(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return clitest.Run(t, run, args...)
}

func TestToDedicatedHost(t *testing.T) {
	out, err := runFor(t, "-host", "deh-b")
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	for _, want := range []string{"stopping it", "to dedicated host deh-b", "100% SUCCESS", "srv-web-1 on dedicated host deh-b."} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestToPublicPool(t *testing.T) {
	out, err := runFor(t)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if !strings.Contains(out, "srv-web-1 on the public pool.") {
		t.Errorf("server not in the public pool")
	}
}

func TestFailedJob(t *testing.T) {
	_, err := runFor(t, "-fake-fail")
	var failed *jobs.FailedError
	if !errors.As(err, &failed) {
		t.Fatalf("err = %v, want a *jobs.FailedError", err)
	}
	if msg := explain(err); !strings.Contains(msg, ecstest.CodeNoCapacity) {
		t.Errorf("explain = %q, want the job's code", msg)
	}
}

func TestRefused(t *testing.T) {
	_, err := runFor(t, "-host", "deh-a")
	if msg := explain(err); !strings.Contains(msg, "Ecs.0221") || !strings.Contains(msg, "request ID") {
		t.Errorf("explain = %q, want code and request ID", msg)
	}
}

func TestBadFlag(t *testing.T) {
	if _, err := runFor(t, "-no-such-flag"); !errors.Is(err, cli.ErrUsage) {
		t.Errorf("err = %v, want cli.ErrUsage", err)
	}
}
