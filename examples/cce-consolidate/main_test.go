package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/cce/ccetest"
	"github.com/cloudmigrate/cloudmigrate/examples/internal/cli"
	"github.com/cloudmigrate/cloudmigrate/examples/internal/clitest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

func runFor(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return clitest.Run(t, run, args...)
}

func TestAllNodesWithKeyPair(t *testing.T) {
	t.Setenv("CCE_NODE_PASSWORD", "")
	out, err := runFor(t, "-ssh-key", "KeyPair-ops")
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	for _, want := range []string{"1. legacy (v1.28, Available) -> consolidated (v1.28, Available)",
		"Moving node-1, node-2, node-3 from cluster-old to cluster-new", "login by key pair KeyPair-ops",
		"-resume cmop1.", "100% Active", "sub-job for worker-3: Success",
		"cluster-new now: node-1 (worker-1) Active, EulerOS 2.9, pool DefaultPool", "cluster-new now: node-3 (worker-3) Active"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestPasswordFromEnv(t *testing.T) {
	const pw = "Migrate#2026-secret"
	t.Setenv("CCE_NODE_PASSWORD", pw)
	out, err := runFor(t, "-nodes", "node-2")
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if !strings.Contains(out, "login by a password for root") || !strings.Contains(out, "cluster-new now: node-2 (worker-2) Active") ||
		strings.Contains(out, "node-1") {
		t.Error("node-2 not moved alone with a password login")
	}
	if strings.Contains(out, pw) {
		t.Error("the password was printed")
	}
}

func TestWeakPassword(t *testing.T) {
	t.Setenv("CCE_NODE_PASSWORD", "abc123xyz")
	_, err := runFor(t)
	var ve *cloudmigrate.ValidationError
	if !errors.As(err, &ve) || strings.Contains(err.Error(), "abc123xyz") {
		t.Errorf("err = %v, want a *cloudmigrate.ValidationError without the password", err)
	}
}

func TestFailedJob(t *testing.T) {
	t.Setenv("CCE_NODE_PASSWORD", "")
	_, err := runFor(t, "-fake-fail")
	var failed *jobs.FailedError
	if !errors.As(err, &failed) {
		t.Fatalf("err = %v, want a *jobs.FailedError", err)
	}
	if msg := cli.Explain(err); !strings.Contains(msg, ccetest.DefaultFailReason) {
		t.Errorf("explain = %q, want the job's reason", msg)
	}
}

func TestRefused(t *testing.T) {
	t.Setenv("CCE_NODE_PASSWORD", "")
	_, err := runFor(t, "-nodes", "node-9")
	if msg := cli.Explain(err); !strings.Contains(msg, "code CCE.") || !strings.Contains(msg, "request ID ") {
		t.Errorf("explain = %q, want code and request ID", msg)
	}
}

func TestBothLogins(t *testing.T) {
	t.Setenv("CCE_NODE_PASSWORD", "Migrate#2026-secret")
	if _, err := runFor(t, "-ssh-key", "k"); err == nil || !strings.Contains(err.Error(), "choose one") {
		t.Errorf("err = %v, want a refusal of two logins", err)
	}
}

func TestIntoANodePool(t *testing.T) {
	t.Setenv("CCE_NODE_PASSWORD", "")
	out, err := runFor(t, "-nodes", "node-1,node-3", "-pool", "pool-workers")
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	for _, want := range []string{"4. Moving them into node pool pool-workers",
		"cluster-new now: node-1 (worker-1) Active, EulerOS 2.9, pool pool-workers",
		"cluster-new now: node-3 (worker-3) Active, EulerOS 2.9, pool pool-workers"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

// A pool the nodes do not fit: CCE's refusal, after the move itself.
func TestIntoAnUnknownPool(t *testing.T) {
	t.Setenv("CCE_NODE_PASSWORD", "")
	out, err := runFor(t, "-pool", "pool-nope")
	if msg := cli.Explain(err); !strings.Contains(msg, "HTTP 404") || !strings.Contains(out, "100% Active") {
		t.Errorf("explain = %q", msg)
	}
}

// A job that reports success for nodes that did not move fails the run,
// naming the nodes.
func TestMisreportedJob(t *testing.T) {
	t.Setenv("CCE_NODE_PASSWORD", "")
	_, err := runFor(t, "-fake-misreport", "-nodes", "node-2")
	var failed *jobs.FailedError
	if !errors.As(err, &failed) || !strings.Contains(cli.Explain(err), "node node-2 is not in cluster cluster-new") {
		t.Fatalf("err = %v, want a *jobs.FailedError naming node-2", err)
	}
}

func TestResumeNeedsTheRealCloud(t *testing.T) {
	t.Setenv("CCE_NODE_PASSWORD", "")
	if _, err := runFor(t, "-resume", "cmop1.x.y"); err == nil || !strings.Contains(err.Error(), "-from") {
		t.Errorf("err = %v", err)
	}
}
