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

// contains checks that out holds each of want, in that order.
func contains(t *testing.T, out string, want ...string) {
	t.Helper()
	rest := out
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Errorf("output lacks %q (in order) in:\n%s", w, out)
			return
		}
		rest = rest[i+len(w):]
	}
}

// The whole flow: the running server is stopped, migrated and started
// again, each step followed to its end.
func TestToDedicatedHost(t *testing.T) {
	out, err := runFor(t, "-host", "deh-b")
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	contains(t, out,
		"srv-web-1 is ACTIVE on dedicated host deh-a",
		"2. Stopping it", "100% SUCCESS",
		"3. Cold-migrating it to dedicated host deh-b", "job ", "100% SUCCESS",
		"4. Starting it again", "100% SUCCESS",
		"Done: srv-web-1 is ACTIVE on dedicated host deh-b.")
}

func TestToPublicPool(t *testing.T) {
	out, err := runFor(t, "-hard")
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	contains(t, out, "to the public pool", "Done: srv-web-1 is ACTIVE on the public pool.")
}

func TestNoStart(t *testing.T) {
	out, err := runFor(t, "-host", "deh-b", "-no-start")
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	contains(t, out, "2. Stopping it", "4. Leaving it stopped (-no-start)", "Done: srv-web-1 is SHUTOFF on dedicated host deh-b.")
	if strings.Contains(out, "Starting it again") {
		t.Error("started despite -no-start")
	}
}

// Without the stop, ECS refuses to migrate the running server, and the
// failure says to stop it.
func TestNoStopOfARunningServer(t *testing.T) {
	out, err := runFor(t, "-host", "deh-b", "-no-stop")
	if err == nil {
		t.Fatalf("run succeeded:\n%s", out)
	}
	contains(t, out, "2. Not stopping it (-no-stop)")
	if msg := explain(err); !strings.Contains(msg, "Ecs.0100") || !strings.Contains(msg, "stop the server first") {
		t.Errorf("explain = %q", msg)
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
