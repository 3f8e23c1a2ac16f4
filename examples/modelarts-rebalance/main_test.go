package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate/examples/internal/cli"
	"github.com/cloudmigrate/cloudmigrate/examples/internal/clitest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/modelarts"
	"github.com/cloudmigrate/cloudmigrate/modelarts/modelartstest"
)

func runFor(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return clitest.Run(t, run, args...)
}

func wantLines(t *testing.T, out string, lines ...string) {
	t.Helper()
	for _, want := range lines {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestPickByCount(t *testing.T) {
	out, err := runFor(t)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	wantLines(t, out,
		"pool-train   Running  available: 4 modelarts.vm.8u32g",
		"pool-infer   Running  available: none",
		"3. Draining node-a, node-b so no new work lands on them",
		"4. Locking node-a, node-b against deletion",
		"Moving node-a, node-b from pool-train to pool-infer", "resume token cmop1.", "100% Success",
		"unlocked node-a, node-b in pool-infer",
		"pool-train   Running  available: 2 modelarts.vm.8u32g",
		"pool-infer   Running  available: 2 modelarts.vm.8u32g",
		"node-a       Available", "node-b       Available", "Done. 2 nodes moved pool-train -> pool-infer")
}

func TestNamedNodes(t *testing.T) {
	out, err := runFor(t, "-nodes", "node-c,node-d", "-flavor", "modelarts.vm.2u8g")
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if !strings.Contains(out, "node-d       Available  modelarts.vm.2u8g") || strings.Contains(out, "node-a ") {
		t.Error("target pool is not node-c and node-d with the new flavor")
	}
	wantLines(t, out, "pool-infer   Running  available: 2 modelarts.vm.2u8g")
}

func TestWithoutDrainAndLock(t *testing.T) {
	out, err := runFor(t, "-no-drain", "-no-lock", "-count", "1")
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	for _, absent := range []string{"Draining", "Locking", "unlocked"} {
		if strings.Contains(out, absent) {
			t.Errorf("output has %q", absent)
		}
	}
	wantLines(t, out, "Done. 1 nodes moved")
}

func TestFailedJob(t *testing.T) {
	out, err := runFor(t, "-fake-fail")
	var failed *jobs.FailedError
	if !errors.As(err, &failed) {
		t.Fatalf("err = %v, want a *jobs.FailedError", err)
	}
	if msg := cli.Explain(err); !strings.Contains(msg, modelartstest.DefaultFailureMessage) {
		t.Errorf("explain = %q, want the job's message", msg)
	}
	// The nodes stayed in the source pool and are unlocked there.
	wantLines(t, out, "unlocked node-a, node-b in pool-train")
}

func TestRefused(t *testing.T) {
	out, err := runFor(t, "-count", "4", "-no-drain") // the source pool must keep a node
	if msg := cli.Explain(err); !strings.Contains(msg, "code ModelArts.") || !strings.Contains(msg, "request ID ") {
		t.Errorf("explain = %q, want code and request ID", msg)
	}
	wantLines(t, out, "unlocked node-a, node-b, node-c, node-d in pool-train")
}

// Draining every node of the pool is refused before anything moves.
func TestDrainRefused(t *testing.T) {
	out, err := runFor(t, "-count", "4")
	if msg := cli.Explain(err); !strings.Contains(msg, "code "+modelartstest.CodeTooFewNodes) {
		t.Errorf("explain = %q", msg)
	}
	if strings.Contains(out, "Moving") {
		t.Error("the move was started")
	}
}

// A move already under way (a run that was interrupted, say) is adopted:
// the run follows it and starts nothing.
func TestAdoptsAMoveInFlight(t *testing.T) {
	srv := modelartstest.NewServer(modelartstest.WithRealTime(600))
	defer srv.Close()
	srv.AddPool("pool-a")
	srv.AddPool("pool-b")
	for _, n := range []string{"n1", "n2", "n3"} {
		srv.AddNode("pool-a", n, "f1")
	}
	c, err := modelarts.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p := plan{from: "pool-a", to: "pool-b", flavor: "f1", nodes: []string{"n1"}, drain: true, lock: true,
		poll: []jobs.Option{jobs.WithInterval(10*time.Millisecond, 50*time.Millisecond)}}
	first, err := c.BatchMigrateNodes(ctx, "pool-a", &modelarts.BatchMigrateOptions{MigrateNodeNames: []string{"n1"},
		FromClusterName: "pool-a", ToClusterName: "pool-b", ToPoolName: "pool-b", ResourceSpec: &modelarts.MigrateResourceSpec{Flavor: "f1"}})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := p.run(ctx, &out, c); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	t.Log(out.String())
	wantLines(t, out.String(), "3. Draining none", "already in progress", "job "+first.ID(), "Done. 1 nodes moved")
	if n := srv.Calls(modelartstest.OpBatchMigrateNodes); n != 1 {
		t.Errorf("%d starts", n)
	}
}

func TestBadFlag(t *testing.T) {
	if _, err := runFor(t, "-count", "x"); !errors.Is(err, cli.ErrUsage) {
		t.Errorf("err = %v, want cli.ErrUsage", err)
	}
}
