package nova_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/nova"
	"github.com/cloudmigrate/cloudmigrate/nova/novatest"
)

const otherServer = "9128d044-7b61-403e-b766-7547076ff6c1"

// cloud starts a novatest fake with three hosts and serverID running on
// compute1, and a client for it, pinned to mv when not empty.
func cloud(t *testing.T, mv string, opts ...novatest.Option) (*novatest.Server, *nova.Client) {
	t.Helper()
	srv := novatest.NewServer(opts...)
	t.Cleanup(srv.Close)
	srv.AddHost("compute1", "compute2", "compute3")
	srv.AddServer(serverID, "compute1", novatest.StatusActive)
	return srv, cloudClient(t, srv, mv)
}

func cloudClient(t *testing.T, srv *novatest.Server, mv string) *nova.Client {
	t.Helper()
	var o []cloudmigrate.Option
	if mv != "" {
		o = append(o, cloudmigrate.WithMicroversion(mv))
	}
	c, err := nova.NewClient(srv.Endpoint(), srv.Authorizer(), append(o, cloudmigrate.WithRetryWait(time.Millisecond, time.Millisecond))...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// computeCalls counts the compute requests the fake has received, leaving
// out tokens and version documents.
func computeCalls(srv *novatest.Server) int {
	n := 0
	for op, c := range srv.AllCalls() {
		switch op {
		case novatest.OpIssueToken, novatest.OpListVersions, novatest.OpShowVersion:
		default:
			n += c
		}
	}
	return n
}

// pollOut polls op until it ends or returns an error that is not a poll
// failure, moving the fake's clock by step after each poll, and returns
// the requests each poll sent. It fails the test if a poll sends more than
// three, or if the move takes more than 200 polls.
func pollOut(t *testing.T, srv *novatest.Server, op *jobs.Operation[*nova.MoveResult], step time.Duration) ([]int, error) {
	t.Helper()
	var costs []int
	for range 200 {
		before := computeCalls(srv)
		_, err := op.Poll(context.Background())
		n := computeCalls(srv) - before
		costs = append(costs, n)
		if n > 3 {
			t.Errorf("poll %d sent %d requests, want at most 3", len(costs), n)
		}
		if op.Done() || err != nil {
			return costs, err
		}
		srv.Clock().Advance(step)
	}
	t.Fatalf("no end after %d polls", len(costs))
	return costs, nil
}

// stepper is a wait option set that moves the fake's clock after each poll.
func stepper(srv *novatest.Server, step time.Duration) []jobs.Option {
	return []jobs.Option{
		jobs.WithInterval(time.Millisecond, time.Millisecond),
		jobs.WithProgress(func(jobs.Status) { srv.Clock().Advance(step) }),
	}
}

func TestLiveMigrationHandle(t *testing.T) {
	srv, c := cloud(t, "")
	ctx := context.Background()
	op, err := c.LiveMigrate(ctx, serverID, &nova.LiveMigrateOptions{Host: "compute2"})
	if err != nil {
		t.Fatal(err)
	}
	// Two reads, then the start.
	for opName, want := range map[string]int{novatest.OpGetServer: 1, novatest.OpListMigrations: 1, novatest.OpLiveMigrate: 1} {
		if n := srv.Calls(opName); n != want {
			t.Errorf("%s called %d times by the start, want %d", opName, n, want)
		}
	}
	if computeCalls(srv) != 3 {
		t.Errorf("the start sent %d requests: %v", computeCalls(srv), srv.AllCalls())
	}
	if op.ID() != "" || op.Status().State != 0 {
		t.Errorf("before the first poll: ID %q status %+v", op.ID(), op.Status())
	}
	costs, err := pollOut(t, srv, op, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	res, err := op.Result()
	if err != nil || res.Migration.Status != nova.StatusCompleted || res.Server.Host != "compute2" ||
		res.Server.Status != nova.ServerActive || op.ID() != "1" || res.RequestID == "" {
		t.Fatalf("result %+v, %v", res, err)
	}
	// The first poll found the migration under the server; each poll of
	// the running migration then read it alone; the last read the final
	// record and the server.
	if costs[0] != 1 || costs[len(costs)-1] != 3 {
		t.Errorf("poll costs %v", costs)
	}
	ones := 0
	for _, n := range costs[1 : len(costs)-1] {
		if n == 1 {
			ones++
		}
	}
	if ones < len(costs)-3 {
		t.Errorf("poll costs %v: polls of a running migration should send one request", costs)
	}
	if n := srv.Calls(novatest.OpLiveMigrate); n != 1 {
		t.Errorf("%d starts", n)
	}
	if info, _ := srv.ServerState(serverID); info.Host != "compute2" {
		t.Errorf("fake says the server is on %s", info.Host)
	}
	// Once ended, the handle sends nothing.
	before := computeCalls(srv)
	for range 3 {
		if _, err := op.Poll(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := op.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if computeCalls(srv) != before {
		t.Errorf("an ended handle sent requests")
	}
	tok := op.Token()
	if tok.Service != "nova" || tok.Kind != "live-migration" || tok.ID != "1" || tok.Source != "compute1" ||
		tok.Target != "compute2" || tok.Resources[0] != serverID || tok.Microversion != nova.MaxMicroversion || tok.Started.IsZero() {
		t.Errorf("token %+v", tok)
	}
}

func TestColdMigrationNeedsConfirmation(t *testing.T) {
	for _, decision := range []string{"confirm", "revert"} {
		t.Run(decision, func(t *testing.T) {
			srv, c := cloud(t, "2.80")
			ctx := context.Background()
			op, err := c.Migrate(ctx, serverID, &nova.MigrateOptions{Host: "compute3"})
			if err != nil {
				t.Fatal(err)
			}
			_, err = pollOut(t, srv, op, 10*time.Second)
			var nc *nova.NeedsConfirmationError
			if !errors.Is(err, nova.ErrNeedsConfirmation) || !errors.As(err, &nc) || op.Done() {
				t.Fatalf("at VERIFY_RESIZE: %v, done %v", err, op.Done())
			}
			if nc.Result.Server.Status != nova.ServerVerifyResize || nc.Result.Server.Host != "compute3" ||
				nc.Result.Migration.Status != nova.StatusFinished || !strings.Contains(err.Error(), "VERIFY_RESIZE on compute3") {
				t.Errorf("needs confirmation: %+v %+v: %v", nc.Result.Server, nc.Result.Migration, err)
			}
			// Waiting again says the same, without ending the operation.
			_, err = op.Wait(ctx, stepper(srv, time.Second)...)
			if !errors.Is(err, nova.ErrNeedsConfirmation) || op.Done() {
				t.Fatalf("Wait at VERIFY_RESIZE: %v", err)
			}
			if decision == "confirm" {
				if err := c.ConfirmMigration(ctx, serverID); err != nil {
					t.Fatal(err)
				}
				res, err := op.Wait(ctx, stepper(srv, time.Second)...)
				if err != nil || res.Migration.Status != nova.StatusConfirmed || res.Server.Host != "compute3" || res.Server.Status != nova.ServerActive {
					t.Fatalf("after confirming: %+v, %v", res, err)
				}
				return
			}
			if err := c.RevertMigration(ctx, serverID); err != nil {
				t.Fatal(err)
			}
			_, err = op.Wait(ctx, stepper(srv, 5*time.Second)...)
			var failed *jobs.FailedError
			if !errors.As(err, &failed) || failed.Status.State != jobs.Cancelled || failed.Status.Word != "reverted" ||
				!strings.Contains(failed.Status.Message, "reverted, the server went back to compute1") {
				t.Fatalf("after reverting: %v", err)
			}
			if res := failed.Job.(*nova.MoveResult); res.Migration.Status != nova.StatusReverted {
				t.Errorf("failed.Job %+v", res)
			}
		})
	}
}

func TestEvacuationHandle(t *testing.T) {
	for _, mv := range []string{"2.13", "2.94", "2.95"} {
		t.Run(mv, func(t *testing.T) {
			srv, c := cloud(t, mv)
			ctx := context.Background()
			srv.SetHostDown("compute1", true)
			opts := &nova.EvacuateOptions{}
			if mv == "2.13" {
				no := false
				opts.OnSharedStorage = &no
			}
			op, err := c.Evacuate(ctx, serverID, opts)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := pollOut(t, srv, op, 5*time.Second); err != nil {
				t.Fatal(err)
			}
			res, err := op.Result()
			want := nova.ServerActive
			if mv == "2.95" {
				want = nova.ServerShutoff
			}
			if err != nil || res.Migration.MigrationType != nova.TypeEvacuation || res.Migration.Status != nova.StatusDone ||
				res.Server.Host != "compute2" || res.Server.Status != want {
				t.Fatalf("result %+v %+v, %v", res.Migration, res.Server, err)
			}
			// nova returns the password it set before 2.14 only; it never
			// shows in what the result prints.
			if res.AdminPass.IsSet() != (mv == "2.13") {
				t.Errorf("AdminPass set %v at %s", res.AdminPass.IsSet(), mv)
			}
			if res.AdminPass.IsSet() && strings.Contains(fmt.Sprintf("%v %+v %#v", res, res, *res), res.AdminPass.Reveal()) {
				t.Errorf("the admin password shows in the result's text")
			}
			if n := srv.Calls(novatest.OpEvacuate); n != 1 {
				t.Errorf("%d evacuations sent", n)
			}
			if err := op.Abort(ctx); !errors.Is(err, jobs.ErrCannotAbort) && !op.Done() {
				t.Errorf("Abort of an evacuation: %v", err)
			}
		})
	}
}

// Each failure ends with nova's reason, from the failed event of the
// start's instance action: the event's details from 2.84, the last line of
// its traceback before.
func TestFailureReasons(t *testing.T) {
	cases := []struct {
		name, mv string
		start    func(ctx context.Context, srv *novatest.Server, c *nova.Client) (*jobs.Operation[*nova.MoveResult], error)
		word     string
		reason   string
	}{
		{"live, details", "2.104", func(ctx context.Context, srv *novatest.Server, c *nova.Client) (*jobs.Operation[*nova.MoveResult], error) {
			srv.FailNextMigrationsWith(1, "the guest dirties memory too fast")
			return c.LiveMigrate(ctx, serverID, nil)
		}, "failed", "compute_live_migration on compute1: Migration error: the guest dirties memory too fast"},
		{"live, traceback", "2.83", func(ctx context.Context, srv *novatest.Server, c *nova.Client) (*jobs.Operation[*nova.MoveResult], error) {
			srv.FailNextMigrationsWith(1, "the guest dirties memory too fast")
			return c.LiveMigrate(ctx, serverID, nil)
		}, "failed", "compute_live_migration on compute1: nova.exception.MigrationError: Migration error: the guest dirties memory too fast"},
		{"live, before 2.62", "2.61", func(ctx context.Context, srv *novatest.Server, c *nova.Client) (*jobs.Operation[*nova.MoveResult], error) {
			srv.FailNextMigrationsWith(1, "the guest dirties memory too fast")
			return c.LiveMigrate(ctx, serverID, nil)
		}, "failed", "compute_live_migration: nova.exception.MigrationError: Migration error: the guest dirties memory too fast"},
		{"live pre-check", "2.104", func(ctx context.Context, srv *novatest.Server, c *nova.Client) (*jobs.Operation[*nova.MoveResult], error) {
			return c.LiveMigrate(ctx, serverID, &nova.LiveMigrateOptions{Host: "compute1"})
		}, "error", "conductor_live_migrate_instance on controller: Unable to migrate instance (" + serverID + ") to current host (compute1)."},
		{"live, named host down", "2.104", func(ctx context.Context, srv *novatest.Server, c *nova.Client) (*jobs.Operation[*nova.MoveResult], error) {
			srv.SetHostDown("compute2", true)
			return c.LiveMigrate(ctx, serverID, &nova.LiveMigrateOptions{Host: "compute2"})
		}, "error", "conductor_live_migrate_instance on controller: No valid host was found. There are not enough hosts available."},
		{"live, forced to a host down", "2.67", func(ctx context.Context, srv *novatest.Server, c *nova.Client) (*jobs.Operation[*nova.MoveResult], error) {
			srv.SetHostDown("compute2", true)
			force := true
			return c.LiveMigrate(ctx, serverID, &nova.LiveMigrateOptions{Host: "compute2", Force: &force})
		}, "error", "conductor_live_migrate_instance on controller: nova.exception.ComputeServiceUnavailable: Compute service of compute2 is unavailable at this time."},
		{"cold", "2.104", func(ctx context.Context, srv *novatest.Server, c *nova.Client) (*jobs.Operation[*nova.MoveResult], error) {
			srv.FailNextMigrations(1)
			return c.Migrate(ctx, serverID, nil)
		}, "error", "compute_resize_instance on compute1: Resize error: copying the disks of instance " + serverID + " to compute2 failed"},
		{"evacuation", "2.104", func(ctx context.Context, srv *novatest.Server, c *nova.Client) (*jobs.Operation[*nova.MoveResult], error) {
			srv.SetHostDown("compute1", true)
			srv.FailNextMigrations(1)
			return c.Evacuate(ctx, serverID, &nova.EvacuateOptions{Host: "compute3"})
		}, "failed", "compute_rebuild_instance on compute3: Build of instance " + serverID + " aborted: rebuilding it on compute3 failed"},
		{"evacuation, no host", "2.104", func(ctx context.Context, srv *novatest.Server, c *nova.Client) (*jobs.Operation[*nova.MoveResult], error) {
			srv.SetHostDown("compute1", true)
			srv.SetHostDown("compute2", true)
			srv.SetHostDown("compute3", true)
			return c.Evacuate(ctx, serverID, nil)
		}, "error", "conductor_rebuild_server on controller: No valid host was found. There are not enough hosts available."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, c := cloud(t, tc.mv)
			op, err := tc.start(context.Background(), srv, c)
			if err != nil {
				t.Fatal(err)
			}
			_, err = pollOut(t, srv, op, 10*time.Second)
			var failed *jobs.FailedError
			if !errors.As(err, &failed) || failed.Status.State != jobs.Failed || failed.Status.Word != tc.word ||
				!strings.HasSuffix(failed.Status.Message, ": "+tc.reason) {
				t.Fatalf("err = %v\nwant a failure %q ending %q", err, tc.word, tc.reason)
			}
			res := failed.Job.(*nova.MoveResult)
			if res.Migration == nil || string(res.Migration.Status) != tc.word || !strings.HasPrefix(failed.Status.Message, res.Migration.Describe()) {
				t.Errorf("result %+v", res)
			}
			if v, e := op.Result(); e != err || v != res {
				t.Errorf("Result() = %v, %v", v, e)
			}
		})
	}
}

func TestLateRecordFound(t *testing.T) {
	srv, c := cloud(t, "", novatest.WithRecordDelay(30*time.Second))
	ctx := context.Background()
	op, err := c.Migrate(ctx, serverID, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := op.Poll(ctx)
	if err != nil || st.State != jobs.Pending || st.Word != "resize_prep" || op.ID() != "" {
		t.Fatalf("before the record: %+v %v, ID %q", st, err, op.ID())
	}
	early, _ := op.ResumeToken()
	srv.Clock().Advance(31 * time.Second)
	if _, err := op.Poll(ctx); err != nil || op.ID() != "1" {
		t.Fatalf("after the record appeared: %v, ID %q", err, op.ID())
	}
	late, _ := op.ResumeToken()
	if early == late {
		t.Error("the token did not change once the ID was known")
	}
	// A handle resumed from the early token finds the record itself.
	resumed, err := cloudClient(t, srv, "").ResumeMigration(early)
	if err != nil {
		t.Fatal(err)
	}
	if resumed.ID() != "" {
		t.Errorf("resumed ID %q", resumed.ID())
	}
	_, err = resumed.Wait(ctx, stepper(srv, 10*time.Second)...)
	if !errors.Is(err, nova.ErrNeedsConfirmation) || resumed.ID() != "1" {
		t.Fatalf("resumed: %v, ID %q", err, resumed.ID())
	}
	if n := srv.Calls(novatest.OpMigrate); n != 1 {
		t.Errorf("%d starts", n)
	}
}

func TestRecordNeverAppears(t *testing.T) {
	srv, c := cloud(t, "")
	ctx := context.Background()
	srv.LoseNextRecords(1)
	op, err := c.LiveMigrate(ctx, serverID, &nova.LiveMigrateOptions{RecordTimeout: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := op.ResumeToken()
	costs, err := pollOut(t, srv, op, 30*time.Second)
	var nf *nova.MigrationNotFoundError
	var failed *jobs.FailedError
	if !errors.As(err, &nf) || !errors.As(err, &failed) || nf.TaskState != "migrating" || nf.ServerID != serverID ||
		nf.Kind != nova.TypeLiveMigration || nf.Waited <= 2*time.Minute || nf.Waited > 3*time.Minute {
		t.Fatalf("err = %v (%+v)", err, nf)
	}
	if len(costs) != 6 || failed.Status.State != jobs.Failed {
		t.Errorf("ended after %d polls (%v), state %v", len(costs), costs, failed.Status.State)
	}
	if !strings.Contains(err.Error(), "no live migration record of server "+serverID+" appeared within 2m30s") {
		t.Errorf("message %q", err)
	}
	// The bound travels in the token.
	resumed, err := c.ResumeMigration(tok)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := resumed.Poll(ctx); !errors.As(err, &nf) {
		t.Errorf("resumed handle past its bound: %v", err)
	}
}

func TestNotMoved(t *testing.T) {
	t.Run("live", func(t *testing.T) {
		srv, c := cloud(t, "")
		srv.StrandNextMigrations(1)
		op, err := c.LiveMigrate(context.Background(), serverID, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = pollOut(t, srv, op, 10*time.Second)
		var nm *nova.NotMovedError
		var failed *jobs.FailedError
		if !errors.As(err, &nm) || !errors.As(err, &failed) || nm.Host != "compute1" || nm.Source != "compute1" ||
			nm.Migration.Status != nova.StatusCompleted || failed.Status.Word != "completed" ||
			!strings.Contains(err.Error(), "ended completed, but server "+serverID+" is still on compute1") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("cold", func(t *testing.T) {
		srv, c := cloud(t, "")
		srv.StrandNextMigrations(1)
		op, err := c.Migrate(context.Background(), serverID, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = pollOut(t, srv, op, 10*time.Second)
		var nm *nova.NotMovedError
		if !errors.As(err, &nm) || nm.Migration.Status != nova.StatusFinished || !op.Done() {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("not the named host", func(t *testing.T) {
		srv, c := cloud(t, "")
		op, err := c.LiveMigrate(context.Background(), serverID, &nova.LiveMigrateOptions{Host: "compute2"})
		if err != nil {
			t.Fatal(err)
		}
		// A token that says the move was to go to compute3.
		tok := op.Token()
		tok.Target = "compute3"
		resumed, err := c.ResumeMigration(tok.Encode())
		if err != nil {
			t.Fatal(err)
		}
		_, err = pollOut(t, srv, resumed, 10*time.Second)
		var nm *nova.NotMovedError
		if !errors.As(err, &nm) || nm.Host != "compute2" || nm.Target != "compute3" ||
			!strings.Contains(err.Error(), "is on compute2, not on compute3 as asked") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestAdoption(t *testing.T) {
	ctx := context.Background()
	t.Run("live migration in flight", func(t *testing.T) {
		srv, c := cloud(t, "")
		other := cloudClient(t, srv, "")
		first, err := other.LiveMigrate(ctx, serverID, &nova.LiveMigrateOptions{Host: "compute2"})
		if err != nil {
			t.Fatal(err)
		}
		srv.Clock().Advance(10 * time.Second)
		before := srv.AllCalls()
		op, err := c.LiveMigrate(ctx, serverID, &nova.LiveMigrateOptions{Host: "compute3"})
		var ipe *cloudmigrate.InProgressError
		if !errors.Is(err, cloudmigrate.ErrInProgress) || !errors.As(err, &ipe) || op == nil || op.ID() != "1" {
			t.Fatalf("adopting: %v, %v", op, err)
		}
		if !strings.Contains(ipe.Evidence, "task_state migrating") || !strings.Contains(ipe.Evidence, "live migration 1") ||
			!strings.Contains(ipe.Evidence, "it goes to compute2, not to compute3 as asked") || ipe.Resource != "server "+serverID {
			t.Errorf("evidence %+v", ipe)
		}
		after := srv.AllCalls()
		for opName, want := range map[string]int{novatest.OpGetServer: 1, novatest.OpListMigrations: 1, novatest.OpListInstanceActions: 1, novatest.OpLiveMigrate: 0} {
			if got := after[opName] - before[opName]; got != want {
				t.Errorf("adopting sent %d %s, want %d", got, opName, want)
			}
		}
		res, err := op.Wait(ctx, stepper(srv, 10*time.Second)...)
		if err != nil || res.Server.Host != "compute2" {
			t.Fatalf("adopted: %+v, %v", res, err)
		}
		if _, err := first.Poll(ctx); err != nil || !first.Done() {
			t.Errorf("the first handle: %v", err)
		}
		first.Token()
		if op.Token().Extra["req"] != first.Token().Extra["req"] || res.RequestID == "" {
			t.Errorf("request IDs: adopted %q, first %q", op.Token().Extra["req"], first.Token().Extra["req"])
		}
	})
	t.Run("cold migration before its record", func(t *testing.T) {
		srv, c := cloud(t, "", novatest.WithRecordDelay(time.Minute))
		first, err := cloudClient(t, srv, "").Migrate(ctx, serverID, nil)
		if err != nil {
			t.Fatal(err)
		}
		op, err := c.LiveMigrate(ctx, serverID, nil)
		var ipe *cloudmigrate.InProgressError
		if !errors.As(err, &ipe) || op.ID() != "" || op.Token().Kind != "migration" ||
			!strings.Contains(ipe.Evidence, "task_state resize_prep; a cold migration nova has not recorded yet") {
			t.Fatalf("adopting: %v", err)
		}
		if srv.Calls(novatest.OpLiveMigrate) != 0 {
			t.Error("a live migration was sent")
		}
		if _, err := op.Wait(ctx, stepper(srv, 10*time.Second)...); !errors.Is(err, nova.ErrNeedsConfirmation) || op.ID() != "1" {
			t.Fatalf("adopted: %v", err)
		}
		first.Poll(ctx)
		if first.ID() != op.ID() {
			t.Errorf("IDs %s and %s", first.ID(), op.ID())
		}
	})
	t.Run("waiting for confirmation", func(t *testing.T) {
		srv, c := cloud(t, "2.59")
		first, err := c.Migrate(ctx, serverID, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pollOut(t, srv, first, 10*time.Second); !errors.Is(err, nova.ErrNeedsConfirmation) {
			t.Fatal(err)
		}
		op, err := c.Migrate(ctx, serverID, nil)
		if !errors.Is(err, cloudmigrate.ErrInProgress) || !strings.Contains(err.Error(), "status VERIFY_RESIZE") || op.ID() != "1" {
			t.Fatalf("adopting: %v", err)
		}
		if _, err := op.Poll(ctx); !errors.Is(err, nova.ErrNeedsConfirmation) {
			t.Errorf("adopted: %v", err)
		}
		if n := srv.Calls(novatest.OpMigrate); n != 1 {
			t.Errorf("%d starts", n)
		}
	})
	t.Run("evacuation", func(t *testing.T) {
		srv, c := cloud(t, "")
		srv.SetHostDown("compute1", true)
		if _, err := c.Evacuate(ctx, serverID, nil); err != nil {
			t.Fatal(err)
		}
		op, err := c.Evacuate(ctx, serverID, nil)
		if !errors.Is(err, cloudmigrate.ErrInProgress) || op.Token().Kind != "evacuation" || op.ID() != "1" {
			t.Fatalf("adopting: %v", err)
		}
		if n := srv.Calls(novatest.OpEvacuate); n != 1 {
			t.Errorf("%d evacuations", n)
		}
	})
	t.Run("idle server", func(t *testing.T) {
		srv, c := cloud(t, "")
		if _, err := c.LiveMigrate(ctx, serverID, nil); err != nil {
			t.Fatal(err)
		}
		if n := srv.Calls(novatest.OpListInstanceActions); n != 0 {
			t.Errorf("a start on an idle server read its actions %d times", n)
		}
	})
}

func TestAbort(t *testing.T) {
	ctx := context.Background()
	srv, c := cloud(t, "", novatest.WithRecordDelay(20*time.Second))
	op, err := c.LiveMigrate(ctx, serverID, nil)
	if err != nil {
		t.Fatal(err)
	}
	before := computeCalls(srv)
	if err := op.Abort(ctx); err == nil || !strings.Contains(err.Error(), "cannot be aborted yet") {
		t.Errorf("Abort before the record: %v", err)
	}
	if computeCalls(srv) != before {
		t.Error("Abort before the record sent requests")
	}
	srv.Clock().Advance(25 * time.Second) // running
	if st, err := op.Poll(ctx); err != nil || st.Word != "running" {
		t.Fatalf("poll: %+v %v", st, err)
	}
	if err := op.Abort(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = op.Wait(ctx, stepper(srv, time.Second)...)
	var failed *jobs.FailedError
	if !errors.As(err, &failed) || failed.Status.State != jobs.Cancelled ||
		!strings.HasSuffix(failed.Status.Message, "aborted, the server stays on compute1") {
		t.Fatalf("after Abort: %v", err)
	}
	if err := op.Abort(ctx); err != nil {
		t.Errorf("Abort of an ended handle: %v", err)
	}

	srv2, c2 := cloud(t, "")
	cold, err := c2.Migrate(ctx, serverID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := cold.Abort(ctx); !errors.Is(err, jobs.ErrCannotAbort) {
		t.Errorf("Abort of a cold migration: %v", err)
	}
	if n := srv2.Calls(novatest.OpAbort); n != 0 {
		t.Errorf("%d aborts sent", n)
	}
}

// Polls, waits, tokens and aborts of one handle from several goroutines
// at once (run with -race).
func TestHandleConcurrency(t *testing.T) {
	srv, c := cloud(t, "", novatest.WithRealTime(600))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	op, err := c.LiveMigrate(ctx, serverID, nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				_, err := op.Wait(ctx, jobs.WithInterval(time.Millisecond, 5*time.Millisecond))
				errs <- err
				return
			}
			for !op.Done() && ctx.Err() == nil {
				if _, err := op.ResumeToken(); err != nil {
					errs <- err
					return
				}
				_, _ = op.Poll(ctx)
				_ = op.ID()
			}
			errs <- nil
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if res, err := op.Result(); err != nil || res.Server.Host != "compute2" {
		t.Errorf("result %+v, %v", res, err)
	}
	if n := srv.Calls(novatest.OpLiveMigrate); n != 1 {
		t.Errorf("%d starts", n)
	}
}

// A resume token is refused, with nothing sent, when it is not one of this
// client's moves or has been tampered with.
func TestResumeMigrationRefusesTokens(t *testing.T) {
	f := newFake(t)
	c := f.client("2.80")
	good := jobs.Token{
		Service: "nova", Kind: "live-migration", Endpoint: f.endpoint(), Resources: []string{serverID},
		ID: "7", Microversion: "2.80", Source: "compute1", Started: time.Unix(1767225600, 0).UTC(),
		Extra: map[string]string{"after": "6", "req": "req-3f1a2b4c-0000-4000-8000-000000000001"},
	}
	if _, err := c.ResumeMigration(good.Encode()); err != nil {
		t.Fatalf("a good token: %v", err)
	}
	with := func(change func(*jobs.Token)) string {
		tk := good
		tk.Resources = append([]string(nil), good.Resources...)
		tk.Extra = map[string]string{"after": "6", "req": "req-3f1a2b4c-0000-4000-8000-000000000001"}
		change(&tk)
		return tk.Encode()
	}
	enc := good.Encode()
	bad := map[string]string{
		"empty":            "",
		"truncated":        enc[:len(enc)-3],
		"tampered":         enc[:12] + string(enc[12]^1) + enc[13:],
		"newer version":    "cmop2" + enc[5:],
		"other service":    with(func(tk *jobs.Token) { tk.Service = "manila" }),
		"other endpoint":   with(func(tk *jobs.Token) { tk.Endpoint = "https://nova.elsewhere.example/v2.1" }),
		"other project":    with(func(tk *jobs.Token) { tk.Project = "p-2" }),
		"other kind":       with(func(tk *jobs.Token) { tk.Kind = "share-server-migration" }),
		"two servers":      with(func(tk *jobs.Token) { tk.Resources = []string{serverID, otherServer} }),
		"bad server":       with(func(tk *jobs.Token) { tk.Resources = []string{"a/b"} }),
		"zero ID":          with(func(tk *jobs.Token) { tk.ID = "0" }),
		"text ID":          with(func(tk *jobs.Token) { tk.ID = "seven" }),
		"padded ID":        with(func(tk *jobs.Token) { tk.ID = "07" }),
		"ID below base":    with(func(tk *jobs.Token) { tk.Extra["after"] = "7" }),
		"bad baseline":     with(func(tk *jobs.Token) { tk.Extra["after"] = "-1" }),
		"bad request ID":   with(func(tk *jobs.Token) { tk.Extra["req"] = "req 1" }),
		"bad wait":         with(func(tk *jobs.Token) { tk.Extra["wait"] = "0" }),
		"unknown field":    with(func(tk *jobs.Token) { tk.Extra["x"] = "1" }),
		"bad host":         with(func(tk *jobs.Token) { tk.Source = "compute 1" }),
		"no start":         with(func(tk *jobs.Token) { tk.Started = time.Time{} }),
		"not a token":      "hello",
		"a manila token":   with(func(tk *jobs.Token) { tk.Service = "manila"; tk.Kind = "share-server-migration" }),
		"wrong case kind":  with(func(tk *jobs.Token) { tk.Kind = "Live-Migration" }),
		"trailing garbage": enc + ".x",
	}
	for name, tok := range bad {
		op, err := c.ResumeMigration(tok)
		var ve *cloudmigrate.ValidationError
		if !errors.As(err, &ve) || ve.Field != "token" || op != nil {
			t.Errorf("%s: %v, %v; want a ValidationError for token", name, op, err)
		}
	}
	f.none()
	if n := f.discoveryCount(); n != 0 {
		t.Errorf("resuming asked for the version document %d times", n)
	}
}

// The start reads the server and its newest record, then sends the start:
// with limit 1 from 2.59, all of the server's records before.
func TestStartReadsBeforeSending(t *testing.T) {
	for mv, query := range map[string]string{"2.80": "instance_uuid=" + serverID + "&limit=1", "2.58": "instance_uuid=" + serverID} {
		f := newFake(t)
		f.idleServer(serverID)
		f.reply("POST", "/v2.1/servers/"+serverID+"/action", 202, nil)
		op, err := f.client(mv).LiveMigrate(context.Background(), serverID, nil)
		if err != nil || op == nil {
			t.Fatal(err)
		}
		calls := f.recorded()
		if len(calls) != 3 {
			t.Fatalf("%s: %s", mv, describe(calls))
		}
		calls[0].check(t, "GET", "/v2.1/servers/"+serverID, "", mv)
		calls[1].check(t, "GET", "/v2.1/os-migrations", query, mv)
		calls[2].check(t, "POST", "/v2.1/servers/"+serverID+"/action", "", mv)
		if tok := op.Token(); tok.Extra["req"] != reqID || tok.Source != "compute1" || tok.Extra["after"] != "0" {
			t.Errorf("%s: token %+v", mv, tok)
		}
	}
}

// A start nova refuses with 409 because another client's move began
// between the read and the start is adopted; one refused for another
// reason is returned as it came.
func TestConflictOnStart(t *testing.T) {
	idle := `{"server": {"id": "` + serverID + `", "status": "ACTIVE", "OS-EXT-SRV-ATTR:host": "compute1", "OS-EXT-STS:task_state": null}}`
	moving := `{"server": {"id": "` + serverID + `", "status": "MIGRATING", "OS-EXT-SRV-ATTR:host": "compute1", "OS-EXT-STS:task_state": "migrating"}}`
	conflict := []byte(`{"conflictingRequest": {"code": 409, "message": "Cannot 'os-migrateLive' instance while it is in task_state migrating"}}`)
	for _, raced := range []bool{true, false} {
		f := newFake(t)
		reads := 0
		f.on("GET", "/v2.1/servers/"+serverID, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
			reads++
			if reads > 1 && raced {
				writeJSON(w, 200, []byte(moving))
				return
			}
			writeJSON(w, 200, []byte(idle))
		})
		f.on("GET", "/v2.1/os-migrations", func(w http.ResponseWriter, _ *http.Request, _ []byte) {
			if reads > 1 && raced {
				writeJSON(w, 200, []byte(`{"migrations": [{"id": 4, "status": "queued", "migration_type": "live-migration",
					"instance_uuid": "`+serverID+`", "source_compute": "compute1", "dest_compute": "compute2",
					"created_at": "2026-01-02T03:04:05.000000", "updated_at": null}]}`))
				return
			}
			writeJSON(w, 200, []byte(`{"migrations": [{"id": 3, "status": "completed", "migration_type": "live-migration",
				"instance_uuid": "`+serverID+`", "source_compute": "compute2", "dest_compute": "compute1",
				"created_at": "2026-01-01T03:04:05.000000", "updated_at": null}]}`))
		})
		f.reply("GET", "/v2.1/servers/"+serverID+"/os-instance-actions", 200, []byte(`{"instanceActions": [
			{"action": "live-migration", "instance_uuid": "`+serverID+`", "request_id": "req-other", "user_id": "u",
			 "project_id": "p", "start_time": "2026-01-02T03:04:05.000000", "message": null}]}`))
		f.reply("POST", "/v2.1/servers/"+serverID+"/action", 409, conflict)
		op, err := f.client("2.80").LiveMigrate(context.Background(), serverID, nil)
		if len(f.posts()) != 1 {
			t.Errorf("raced %v: %d starts sent", raced, len(f.posts()))
		}
		if !raced {
			if op != nil || !cloudmigrate.IsConflict(err) {
				t.Errorf("a plain 409: %v, %v", op, err)
			}
			continue
		}
		if !errors.Is(err, cloudmigrate.ErrInProgress) || op.ID() != "4" || op.Token().Extra["req"] != "req-other" || op.Token().Extra["after"] != "3" {
			t.Errorf("a raced start: %v, token %+v", err, op.Token())
		}
	}
}

// A resize or a rebuild under way is not a move this package follows: the
// start is sent, and nova's 409 returned.
func TestNoAdoptionOfOtherOperations(t *testing.T) {
	for _, tc := range []struct{ task, status, action string }{
		{"resize_prep", "RESIZE", "resize"},
		{"rebuilding", "REBUILD", "rebuild"},
	} {
		f := newFake(t)
		f.reply("GET", "/v2.1/servers/"+serverID, 200, []byte(`{"server": {"id": "`+serverID+`", "status": "`+tc.status+`",
			"OS-EXT-SRV-ATTR:host": "compute1", "OS-EXT-STS:task_state": "`+tc.task+`"}}`))
		f.reply("GET", "/v2.1/os-migrations", 200, []byte(`{"migrations": []}`))
		f.reply("GET", "/v2.1/servers/"+serverID+"/os-instance-actions", 200, []byte(`{"instanceActions": [
			{"action": "`+tc.action+`", "instance_uuid": "`+serverID+`", "request_id": "req-x", "user_id": "u",
			 "project_id": "p", "start_time": "2026-01-02T03:04:05.000000", "message": null}]}`))
		f.reply("POST", "/v2.1/servers/"+serverID+"/action", 409,
			[]byte(`{"conflictingRequest": {"code": 409, "message": "Cannot 'migrate' instance while it is in task_state `+tc.task+`"}}`))
		op, err := f.client("2.80").Migrate(context.Background(), serverID, nil)
		if op != nil || !cloudmigrate.IsConflict(err) || len(f.posts()) != 1 {
			t.Errorf("%s: %v, %v, %d starts", tc.action, op, err, len(f.posts()))
		}
	}
}

// A move the server stops showing before nova recorded it ends with a
// *MigrationNotFoundError carrying the reason of its instance action.
func TestMoveEndedWithoutRecord(t *testing.T) {
	f := newFake(t)
	moving := true
	f.on("GET", "/v2.1/servers/"+serverID, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		task := "null"
		if moving {
			task = `"resize_prep"`
		}
		writeJSON(w, 200, []byte(`{"server": {"id": "`+serverID+`", "status": "ACTIVE", "OS-EXT-SRV-ATTR:host": "compute1", "OS-EXT-STS:task_state": `+task+`}}`))
	})
	f.reply("GET", "/v2.1/os-migrations", 200, []byte(`{"migrations": []}`))
	f.reply("POST", "/v2.1/servers/"+serverID+"/action", 202, nil)
	f.reply("GET", "/v2.1/servers/"+serverID+"/os-instance-actions/"+reqID, 200, []byte(`{"instanceAction": {
		"action": "migrate", "instance_uuid": "`+serverID+`", "request_id": "`+reqID+`", "user_id": "u", "project_id": "p",
		"start_time": "2026-01-02T03:04:05.000000", "updated_at": "2026-01-02T03:04:06.000000", "message": "Error",
		"events": [{"event": "conductor_migrate_server", "start_time": "2026-01-02T03:04:05.000000",
		 "finish_time": "2026-01-02T03:04:06.000000", "result": "Error", "traceback": "Traceback...\nnova.exception.NoValidHost: No valid host was found.",
		 "host": "controller", "hostId": "ab", "details": "No valid host was found. "}]}}`))
	c := f.client("2.104")
	ctx := context.Background()
	op, err := c.Migrate(ctx, serverID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := op.Poll(ctx); err != nil || st.State != jobs.Pending {
		t.Fatalf("first poll: %+v, %v", st, err)
	}
	moving = false
	for range 3 {
		_, err = op.Poll(ctx)
		if op.Done() {
			break
		}
	}
	var nf *nova.MigrationNotFoundError
	if !errors.As(err, &nf) || nf.TaskState != "" || nf.Reason != "conductor_migrate_server on controller: No valid host was found." ||
		!strings.Contains(err.Error(), "the cold migration of server "+serverID+" ended before nova recorded a migration: conductor_migrate_server") {
		t.Fatalf("err = %v", err)
	}
}

func TestStartValidation(t *testing.T) {
	f := newFake(t)
	ctx := context.Background()
	yes, no := true, false
	pw := auth.NewSecret("s3cret")
	for _, tc := range []struct {
		name, mv, field string
		call            func(*nova.Client) error
	}{
		{"record timeout negative", "2.80", "RecordTimeout", func(c *nova.Client) error {
			return errOf(c.LiveMigrate(ctx, serverID, &nova.LiveMigrateOptions{RecordTimeout: -time.Second}))
		}},
		{"record timeout under a second", "2.80", "RecordTimeout", func(c *nova.Client) error {
			return errOf(c.Migrate(ctx, serverID, &nova.MigrateOptions{RecordTimeout: time.Millisecond}))
		}},
		{"evacuate force without host", "2.29", "Force", func(c *nova.Client) error {
			return errOf(c.Evacuate(ctx, serverID, &nova.EvacuateOptions{Force: &yes}))
		}},
		{"evacuate bad host", "2.80", "Host", func(c *nova.Client) error {
			return errOf(c.Evacuate(ctx, serverID, &nova.EvacuateOptions{Host: "a b"}))
		}},
		{"evacuate without shared storage before 2.14", "2.13", "OnSharedStorage", func(c *nova.Client) error {
			return errOf(c.Evacuate(ctx, serverID, nil))
		}},
		{"evacuate password on shared storage", "2.13", "AdminPass", func(c *nova.Client) error {
			return errOf(c.Evacuate(ctx, serverID, &nova.EvacuateOptions{OnSharedStorage: &yes, AdminPass: pw}))
		}},
		{"evacuate record timeout", "2.80", "RecordTimeout", func(c *nova.Client) error {
			return errOf(c.Evacuate(ctx, serverID, &nova.EvacuateOptions{RecordTimeout: -1}))
		}},
		{"evacuate empty server", "2.80", "server_id", func(c *nova.Client) error {
			return errOf(c.Evacuate(ctx, "", &nova.EvacuateOptions{OnSharedStorage: &no}))
		}},
	} {
		asValidation(t, tc.call(f.client(tc.mv)), tc.field)
	}
	for _, tc := range []struct {
		name, mv, min, max string
		opts               nova.EvacuateOptions
	}{
		{"shared storage from 2.14", "2.14", "", "2.13", nova.EvacuateOptions{OnSharedStorage: &no}},
		{"force before 2.29", "2.28", "2.29", "2.67", nova.EvacuateOptions{Host: "h", Force: &no}},
		{"force from 2.68", "2.68", "2.29", "2.67", nova.EvacuateOptions{Host: "h", Force: &yes}},
	} {
		ve := asVersion(t, errOf(f.client(tc.mv).Evacuate(ctx, serverID, &tc.opts)))
		if ve.Min != tc.min || ve.Max != tc.max || ve.InUse != tc.mv {
			t.Errorf("%s: %+v", tc.name, ve)
		}
	}
	f.none()
}

// When the policy hides the server's instance actions, a task state that
// only a live migration sets is still adopted, without a request ID.
func TestAdoptWithoutInstanceActions(t *testing.T) {
	f := newFake(t)
	f.reply("GET", "/v2.1/servers/"+serverID, 200, []byte(`{"server": {"id": "`+serverID+`", "status": "MIGRATING",
		"OS-EXT-SRV-ATTR:host": "compute1", "OS-EXT-STS:task_state": "migrating"}}`))
	f.reply("GET", "/v2.1/os-migrations", 200, []byte(`{"migrations": [{"id": 3, "status": "completed", "migration_type": "live-migration",
		"instance_uuid": "`+serverID+`", "source_compute": "compute2", "dest_compute": "compute1",
		"created_at": "2026-01-01T03:04:05.000000", "updated_at": null}]}`))
	f.reply("GET", "/v2.1/servers/"+serverID+"/os-instance-actions", 403,
		[]byte(`{"forbidden": {"code": 403, "message": "Policy doesn't allow os_compute_api:os-instance-actions:list to be performed."}}`))
	op, err := f.client("2.80").LiveMigrate(context.Background(), serverID, nil)
	if !errors.Is(err, cloudmigrate.ErrInProgress) || op.ID() != "" || op.Token().Extra["after"] != "3" || op.Token().Extra["req"] != "" {
		t.Fatalf("%v, token %+v", err, op.Token())
	}
	if len(f.posts()) != 0 {
		t.Error("a start was sent")
	}
}
