package main

import (
	"context"
	"strings"
	"testing"
	"time"
)

func runFor(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out strings.Builder
	err := run(ctx, args, &out)
	t.Log("\n" + out.String())
	return out.String(), err
}

func TestDrain(t *testing.T) {
	out, err := runFor(t, "-target", "compute-3", "-concurrency", "2")
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	for _, want := range []string{"Draining compute-1", "5 servers, at most 2 at a time", "100% completed",
		"vm-web-1     -> compute-3", "vm-batch-1   -> compute-3", "5 of 5 servers moved off compute-1.",
		"0 servers left on compute-1."} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(out, "vm-other-1") {
		t.Error("moved a server of another host")
	}
}

func TestSchedulerChooses(t *testing.T) {
	out, err := runFor(t, "-host", "compute-2")
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if !strings.Contains(out, "vm-other-1   -> compute-1") || !strings.Contains(out, "1 of 1 servers moved") {
		t.Error("vm-other-1 not moved off compute-2")
	}
}

func TestFailures(t *testing.T) {
	out, err := runFor(t, "-fake-fail", "2")
	if err == nil || err.Error() != "2 of 5 servers are still on compute-1" {
		t.Fatalf("err = %v", err)
	}
	if strings.Count(out, "FAILED: migration ended failed") != 2 || !strings.Contains(out, "3 of 5 servers moved") {
		t.Error("summary does not show two failed migrations")
	}
}

// cancelOnStart cancels the run as soon as the first migration has started,
// as Ctrl-C would.
type cancelOnStart struct {
	strings.Builder
	cancel context.CancelFunc
}

func (w *cancelOnStart) Write(p []byte) (int, error) {
	if strings.Contains(string(p), "started") {
		w.cancel()
	}
	return w.Builder.Write(p)
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &cancelOnStart{cancel: cancel}
	start := time.Now()
	err := run(ctx, []string{"-concurrency", "1"}, out)
	t.Log("\n" + out.String())
	if err == nil || time.Since(start) > time.Second {
		t.Fatalf("err = %v after %s, want a prompt failure", err, time.Since(start))
	}
	for _, want := range []string{"vm-web-1     FAILED: jobs: stopped waiting", "vm-batch-1   FAILED: not started: context canceled", "0 of 5 servers moved"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestTargetIsHost(t *testing.T) {
	if _, err := runFor(t, "-target", "compute-1"); err == nil {
		t.Error("draining a host onto itself was accepted")
	}
}

func TestRefused(t *testing.T) {
	out, err := runFor(t, "-target", "nowhere", "-concurrency", "1")
	if err == nil || !strings.Contains(out, "code badRequest, request ID req-") {
		t.Errorf("err = %v; want nova's code and request ID in the summary", err)
	}
}
