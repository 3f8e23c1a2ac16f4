package e2e

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate/cce"
	"github.com/cloudmigrate/cloudmigrate/cce/ccetest"
	"github.com/cloudmigrate/cloudmigrate/ecs"
	"github.com/cloudmigrate/cloudmigrate/ecs/ecstest"
	"github.com/cloudmigrate/cloudmigrate/internal/fake"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/modelarts"
	"github.com/cloudmigrate/cloudmigrate/modelarts/modelartstest"
)

// iamBuilders makes a fresh target of every Huawei Cloud service whose
// client is authorized by an IAM token from the fake's own IAM endpoint
// instead of an AK/SK signature. Their tokens and expire are set.
var iamBuilders = []struct {
	name  string
	build func(t *testing.T) *target
}{
	{"ecs", newECSWithIAM},
	{"cce", newCCEWithIAM},
	{"modelarts", newModelArtsWithIAM},
}

func eachIAMService(t *testing.T, f func(t *testing.T, tg *target)) {
	t.Helper()
	for _, b := range iamBuilders {
		t.Run(b.name, func(t *testing.T) { f(t, b.build(t)) })
	}
}

func newECSWithIAM(t *testing.T) *target {
	t.Helper()
	srv := ecstest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddHost(ecsHostA, ecsHostB)
	srv.AddServer(ecstest.ServerInfo{ID: ecsServer, Status: ecstest.StatusShutoff, HostID: ecsHostA})
	c, err := ecs.NewClient(srv.URL(), srv.ProjectID(), srv.IAMAuthorizer(), fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	return &target{
		name: "ecs", fake: srv,
		startOp: ecstest.OpColdMigrate, pollOp: ecstest.OpGetJob,
		start: func(ctx context.Context) (string, error) {
			res, err := c.ColdMigrate(ctx, ecsServer, &ecs.ColdMigrateOptions{DedicatedHostID: ecsHostB})
			if err != nil {
				return "", err
			}
			return res.ID(), nil
		},
		get: func(ctx context.Context, id string) error { _, err := c.GetJob(ctx, id); return err },
		wait: func(ctx context.Context, id string, o ...jobs.Option) error {
			_, err := c.WaitForJob(ctx, id, o...)
			return err
		},
		finished: func() bool { info, _ := srv.ServerState(ecsServer); return info.HostID == ecsHostB },
		step:     time.Minute,
		tokens:   srv.TokensIssued,
		expire:   srv.ExpireTokens,
	}
}

func newCCEWithIAM(t *testing.T) *target {
	t.Helper()
	srv := ccetest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddCluster(cceSource, "old")
	srv.AddCluster(cceTarget, "new")
	srv.AddNode(cceSource, cceNode, "web-1")
	c, err := cce.NewClient(srv.URL(), srv.ProjectID(), srv.IAMAuthorizer(), fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	return &target{
		name: "cce", fake: srv,
		startOp: ccetest.OpMigrateNodes, pollOp: ccetest.OpGetJob,
		start: func(ctx context.Context) (string, error) {
			op, err := c.MigrateNodes(ctx, cceSource, cceTarget, &cce.MigrateNodesSpec{
				OS:    "EulerOS 2.5",
				Login: &cce.Login{SSHKey: "KeyPair-001"},
				Nodes: cce.Nodes(cceNode),
			})
			if err != nil {
				return "", err
			}
			return op.ID(), nil
		},
		get: func(ctx context.Context, id string) error { _, err := c.GetJob(ctx, id); return err },
		wait: func(ctx context.Context, id string, o ...jobs.Option) error {
			_, err := c.WaitForJob(ctx, id, o...)
			return err
		},
		finished: func() bool { n, _ := srv.Node(cceNode); return n.ClusterID == cceTarget },
		step:     2 * time.Minute,
		tokens:   srv.TokensIssued,
		expire:   srv.ExpireTokens,
	}
}

func newModelArtsWithIAM(t *testing.T) *target {
	t.Helper()
	srv := modelartstest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddPool(maSource)
	srv.AddPool(maTarget)
	for _, n := range []string{"node-1", "node-2", "node-3"} {
		srv.AddNode(maSource, n, maFlavor)
	}
	c, err := modelarts.NewClient(srv.URL(), srv.ProjectID(), srv.IAMAuthorizer(), fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	return &target{
		name: "modelarts", fake: srv,
		startOp: modelartstest.OpBatchMigrateNodes, pollOp: modelartstest.OpGetJob,
		start: func(ctx context.Context) (string, error) {
			op, err := c.BatchMigrateNodes(ctx, maSource, &modelarts.BatchMigrateOptions{
				MigrateNodeNames: []string{"node-1"},
				FromClusterName:  maSource,
				ToClusterName:    maTarget,
				ToPoolName:       maTarget,
				ResourceSpec:     &modelarts.MigrateResourceSpec{Flavor: maFlavor},
			})
			if err != nil {
				return "", err
			}
			return op.ID(), nil
		},
		get: func(ctx context.Context, id string) error { _, err := c.GetJob(ctx, maSource, id); return err },
		wait: func(ctx context.Context, id string, o ...jobs.Option) error {
			_, err := c.WaitForJob(ctx, maSource, id, o...)
			return err
		},
		finished: func() bool {
			for _, n := range srv.PoolNodes(maTarget) {
				if n.Name() == "node-1" {
					return true
				}
			}
			return false
		},
		step:   time.Minute,
		tokens: srv.TokensIssued,
		expire: srv.ExpireTokens,
	}
}

// An IAM token that expires in the middle of a wait on a Huawei Cloud
// service is renewed once, the refused poll is replayed, and the wait
// ends as if nothing happened; the migration was started once.
func TestIAMTokenExpiringDuringTheWaitIsRenewedOnce(t *testing.T) {
	eachIAMService(t, func(t *testing.T, tg *target) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		id, err := tg.start(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n := tg.tokens(); n != 1 {
			t.Fatalf("%d tokens before the wait, want 1", n)
		}
		seen, atExpiry := 0, -1
		opts, polls := tg.stepping(func(jobs.Status) {
			seen++
			if seen == 2 {
				atExpiry = tg.tokens()
				tg.expire()
			}
		})
		pollsBefore := tg.fake.Calls(tg.pollOp)
		if err := tg.wait(ctx, id, opts...); err != nil {
			t.Fatalf("wait: %v", err)
		}
		if !tg.finished() {
			t.Error("the wait ended before the fake's migration did")
		}
		if atExpiry != 1 {
			t.Fatalf("the token never expired during the wait (%d polls)", *polls)
		}
		if n := tg.tokens() - atExpiry; n != 1 {
			t.Errorf("%d tokens issued after the expiry, want 1", n)
		}
		if n := tg.fake.Calls(fake.OpIssueToken); n != 2 {
			t.Errorf("%d token requests, want 2", n)
		}
		if *polls < 3 {
			t.Errorf("only %d polls answered", *polls)
		}
		// Every answered poll, and the one the expired token had refused.
		if n := tg.fake.Calls(tg.pollOp) - pollsBefore; n != *polls+1 {
			t.Errorf("%d polls reached the fake, want %d answered + 1 refused", n, *polls)
		}
		if n := tg.fake.Calls(tg.startOp); n != 1 {
			t.Errorf("the migration was started %d times, want once", n)
		}
	})
}

// A hundred goroutines poll through one client, and so one IAM
// authorizer. When the token expires while their calls are in flight,
// exactly one new token is fetched and every call succeeds.
func TestSharedIAMAuthorizerRenewsOnce(t *testing.T) {
	const workers = 100
	eachIAMService(t, func(t *testing.T, tg *target) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		id, err := tg.start(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := tg.get(ctx, id); err != nil {
			t.Fatal(err)
		}
		if n := tg.tokens(); n != 1 {
			t.Fatalf("%d tokens before the workers, want 1", n)
		}

		var (
			wg    sync.WaitGroup
			stop  atomic.Bool
			fails atomic.Int64
			first = make(chan error, 1)
		)
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for !stop.Load() {
					if err := tg.get(ctx, id); err != nil {
						if fails.Add(1) == 1 {
							first <- err
						}
						return
					}
				}
			}()
		}
		calls := func() int { return tg.fake.Calls(tg.pollOp) }
		// Expire the token once every worker is polling, and stop them
		// once each has had the time for a couple of calls with the new
		// one.
		base := calls()
		if !eventually(10*time.Second, func() bool { return calls()-base >= workers }) {
			stop.Store(true)
			wg.Wait()
			t.Fatalf("the workers made only %d calls", calls()-base)
		}
		tg.expire()
		mark := calls()
		ok := eventually(10*time.Second, func() bool { return calls()-mark >= 3*workers || fails.Load() > 0 })
		stop.Store(true)
		wg.Wait()
		if n := fails.Load(); n > 0 {
			t.Fatalf("%d workers failed, the first with: %v", n, <-first)
		}
		if !ok {
			t.Fatalf("only %d calls after the expiry", calls()-mark)
		}
		if n := tg.tokens(); n != 2 {
			t.Errorf("%d tokens issued, want 2 (one renewal)", n)
		}
		if n := tg.fake.Calls(fake.OpIssueToken); n != 2 {
			t.Errorf("%d token requests, want 2", n)
		}
		if n := tg.fake.Calls(tg.startOp); n != 1 {
			t.Errorf("the migration was started %d times, want once", n)
		}
	})
}
