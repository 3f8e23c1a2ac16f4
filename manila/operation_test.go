package manila_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/manila"
	"github.com/cloudmigrate/cloudmigrate/manila/manilatest"
)

const (
	opSource  = "5bd7c5a8-5e83-4f4c-9a0e-5f2d3a1c7b60"
	opShare   = "406ea93b-32e9-4907-a117-148b3945749f"
	opSrcHost = "manila-share-1@netapp1"
	opDstHost = "manila-share-2@netapp2"
	opSrcPool = "manila-share-1@netapp1#pool1"
	opDstPool = "manila-share-2@netapp2#pool2"
)

// opFake starts a fake with the share server opSource on opSrcHost, the
// share opShare in opSrcPool and the back end opDstHost, and a client for
// it.
func opFake(t *testing.T) (*manilatest.Server, *manila.Client) {
	t.Helper()
	srv := manilatest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddShareServer(opSource, opSrcHost)
	srv.AddShare(opShare, opSrcPool)
	srv.AddBackend(opDstHost)
	return srv, opClient(t, srv)
}

func opClient(t *testing.T, srv *manilatest.Server) *manila.Client {
	t.Helper()
	c, err := manila.NewClient(srv.Endpoint(), srv.Authorizer(), cloudmigrate.WithRetryWait(time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// manilaCalls counts the requests the fake's Manila received, Keystone
// and version discovery left out.
func manilaCalls(srv *manilatest.Server) int {
	n := 0
	for op, c := range srv.AllCalls() {
		if op != manilatest.OpIssueToken && op != manilatest.OpVersions {
			n += c
		}
	}
	return n
}

// pollAll polls op until it ends, moving the fake's clock by step after
// each poll, and fails if a poll sends more than two requests. It returns
// the statuses seen and the final error.
func pollAll(t *testing.T, srv *manilatest.Server, op interface {
	Poll(context.Context) (jobs.Status, error)
	Done() bool
}, step time.Duration) ([]jobs.Status, error) {
	t.Helper()
	var seen []jobs.Status
	for i := 0; i < 200; i++ {
		before := manilaCalls(srv)
		st, err := op.Poll(context.Background())
		if n := manilaCalls(srv) - before; n > 2 || n < 1 {
			t.Fatalf("poll %d (%s) sent %d requests, want 1 or 2", i, st.Word, n)
		}
		seen = append(seen, st)
		if op.Done() {
			return seen, err
		}
		if err != nil {
			t.Fatalf("poll %d: %v", i, err)
		}
		srv.Clock().Advance(step)
	}
	t.Fatal("the operation never ended")
	return nil, nil
}

func words(seen []jobs.Status) string {
	var w []string
	for _, s := range seen {
		w = append(w, s.Word)
	}
	return strings.Join(w, " ")
}

// TestServerMigrationHandle follows a share-server migration from its
// start to the end of phase 1, two requests a poll at most, and ends with
// the destination share server verified on the back end asked for.
func TestServerMigrationHandle(t *testing.T) {
	srv, c := opFake(t)
	op, err := c.StartMigration(context.Background(), opSource, &manila.StartMigrationOptions{Host: opDstHost, Writable: true, PreserveSnapshots: true})
	if err != nil {
		t.Fatal(err)
	}
	tok := op.Token()
	if tok.Service != "manila" || tok.Kind != "share-server-migration" || len(tok.Resources) != 1 || tok.Resources[0] != opSource ||
		tok.Source != opSrcHost || tok.Target != opDstHost || tok.Started.IsZero() || tok.Microversion != manila.MaxMicroversion ||
		tok.Extra["destination"] != "" || op.ID() != "" {
		t.Errorf("token after the start %+v", tok)
	}
	seen, err := pollAll(t, srv, op, 5*time.Second)
	if err != nil {
		t.Fatalf("%v after %s", err, words(seen))
	}
	if w := words(seen); !strings.HasPrefix(w, "migration_starting migration_in_progress migration_driver_starting") ||
		!strings.HasSuffix(w, "migration_driver_in_progress migration_driver_phase1_done") {
		t.Errorf("task states seen: %s", w)
	}
	dest, err := op.Result()
	if err != nil || dest == nil {
		t.Fatalf("result %v, %v", dest, err)
	}
	info, _ := srv.ShareServer(dest.ID)
	if dest.Host != opDstHost || dest.SourceShareServerID != opSource || dest.Status != manila.ShareServerStatusServerMigratingTo ||
		info.Host != opDstHost || info.SourceShareServerID != opSource {
		t.Errorf("destination %+v, fake %+v", dest, info)
	}
	if got := op.Token().Extra["destination"]; got != dest.ID {
		t.Errorf("token names destination %q, want %q", got, dest.ID)
	}
	if st := op.Status(); st.State != jobs.Succeeded || st.Progress != 100 {
		t.Errorf("final status %+v", st)
	}
	if n := srv.Calls(manilatest.OpStart); n != 1 {
		t.Errorf("%d starts", n)
	}
	// Once ended, the handle sends nothing.
	before := manilaCalls(srv)
	if _, err := op.Poll(context.Background()); err != nil || manilaCalls(srv) != before {
		t.Errorf("poll after the end: %v, %d requests", err, manilaCalls(srv)-before)
	}
}

// TestServerMigrationWaitAndResume: a handle resumed in another client
// from the token taken right after the start waits to the end of phase 1;
// after the completion, a handle resumed from the token the first one
// wrote succeeds on the deleted source's answer, confirming the
// destination.
func TestServerMigrationWaitAndResume(t *testing.T) {
	srv, c := opFake(t)
	op, err := c.StartMigration(context.Background(), opSource, &manila.StartMigrationOptions{Host: opDstHost})
	if err != nil {
		t.Fatal(err)
	}
	token, err := op.ResumeToken()
	if err != nil {
		t.Fatal(err)
	}
	other := opClient(t, srv)
	resumed, err := other.ResumeMigration(token)
	if err != nil {
		t.Fatal(err)
	}
	step := jobs.WithProgress(func(jobs.Status) { srv.Clock().Advance(time.Minute) })
	dest, err := resumed.Wait(context.Background(), jobs.WithInterval(time.Millisecond, time.Millisecond), step)
	if err != nil || dest.Host != opDstHost {
		t.Fatalf("resumed wait: %+v, %v", dest, err)
	}
	if _, err := c.CompleteMigration(context.Background(), opSource); err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(time.Hour) // success, and the source deleted
	if _, ok := srv.ShareServer(opSource); ok {
		t.Fatal("the fake kept the source")
	}
	again, err := other.ResumeMigration(resumed.Token().Encode())
	if err != nil {
		t.Fatal(err)
	}
	st, err := again.Poll(context.Background())
	if err != nil || st.State != jobs.Succeeded || st.Word != string(manila.TaskStateMigrationSuccess) {
		t.Fatalf("poll after success: %+v, %v", st, err)
	}
	final, _ := again.Result()
	if final.ID != dest.ID || final.Status != manila.ShareServerStatusActive || final.Host != opDstHost {
		t.Errorf("final destination %+v", final)
	}
}

// TestServerMigrationSucceededSourceLookedUp: a handle resumed after the
// success without the destination's ID finds it by listing the share
// servers naming the source, whether the inactive source is still there
// or already deleted.
func TestServerMigrationSucceededSourceLookedUp(t *testing.T) {
	for _, deleted := range []bool{false, true} {
		srv, c := opFake(t)
		op, err := c.StartMigration(context.Background(), opSource, &manila.StartMigrationOptions{Host: opDstHost})
		if err != nil {
			t.Fatal(err)
		}
		token, _ := op.ResumeToken() // no destination yet
		srv.Clock().Advance(time.Hour)
		if _, err := c.CompleteMigration(context.Background(), opSource); err != nil {
			t.Fatal(err)
		}
		srv.Clock().Advance(time.Minute)
		if deleted {
			srv.RemoveShareServer(opSource)
		}
		resumed, err := c.ResumeMigration(token)
		if err != nil {
			t.Fatal(err)
		}
		seen, err := pollAll(t, srv, resumed, time.Second)
		if err != nil {
			t.Fatalf("deleted %v: %v after %s", deleted, err, words(seen))
		}
		dest, _ := resumed.Result()
		if dest.Host != opDstHost || dest.SourceShareServerID != opSource {
			t.Errorf("deleted %v: destination %+v", deleted, dest)
		}
	}
}

// TestServerMigrationAdoption: starting a share server that is migrating
// adopts the migration, at every stage, with the evidence, and sends no
// second start; the adopted handle learns the destination when it exists
// and ends like the first.
func TestServerMigrationAdoption(t *testing.T) {
	for _, after := range []time.Duration{0, time.Minute, time.Hour} {
		srv, c := opFake(t)
		if _, err := c.StartMigration(context.Background(), opSource, &manila.StartMigrationOptions{Host: opDstHost}); err != nil {
			t.Fatal(err)
		}
		srv.Clock().Advance(after)
		op, err := c.StartMigration(context.Background(), opSource, &manila.StartMigrationOptions{Host: "manila-share-9@elsewhere"})
		var ipe *cloudmigrate.InProgressError
		if !errors.Is(err, cloudmigrate.ErrInProgress) || !errors.As(err, &ipe) || op == nil {
			t.Fatalf("after %v: %v, %v", after, op, err)
		}
		if !strings.Contains(ipe.Resource, opSource) || !strings.Contains(ipe.Evidence, "task_state migration_") ||
			!strings.Contains(ipe.Evidence, "server_migrating") {
			t.Errorf("after %v: %+v", after, ipe)
		}
		tok := op.Token()
		if after == 0 && (tok.Target != "" || tok.Extra["destination"] != "") {
			t.Errorf("adopted before the destination exists: %+v", tok)
		}
		if after > 0 && (tok.Target != opDstHost || tok.Extra["destination"] == "" || !strings.Contains(ipe.Evidence, opDstHost)) {
			t.Errorf("after %v: adopted %+v, %+v", after, tok, ipe)
		}
		if n := srv.Calls(manilatest.OpStart); n != 1 {
			t.Errorf("after %v: %d starts", after, n)
		}
		if _, err := pollAll(t, srv, op, time.Minute); err != nil {
			t.Errorf("after %v: adopted handle %v", after, err)
		}
		if dest, _ := op.Result(); dest == nil || dest.Host != opDstHost {
			t.Errorf("after %v: adopted result %+v", after, dest)
		}
	}
}

// TestServerMigrationFailures: each way a migration ends badly gives a
// *jobs.FailedError with the task state and the share server's status.
func TestServerMigrationFailures(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(*manilatest.Server)
		req   manila.StartMigrationOptions
		abort time.Duration // abort after this long; 0: never
		state jobs.State
		words []string
	}{
		{"driver error", func(s *manilatest.Server) { s.FailNextMigrations(1) }, manila.StartMigrationOptions{Host: opDstHost},
			0, jobs.Failed, []string{"migration_error", "status active", "destination share server"}},
		{"guarantee refused", func(s *manilatest.Server) {}, manila.StartMigrationOptions{Host: opDstHost, Nondisruptive: true},
			0, jobs.Failed, []string{"migration_error", "status active"}},
		{"aborted", func(s *manilatest.Server) {}, manila.StartMigrationOptions{Host: opDstHost},
			time.Minute, jobs.Cancelled, []string{"migration_cancelled", "status active"}},
	} {
		srv, c := opFake(t)
		tc.setup(srv)
		op, err := c.StartMigration(context.Background(), opSource, &tc.req)
		if err != nil {
			t.Fatal(err)
		}
		if tc.abort > 0 {
			srv.Clock().Advance(tc.abort)
			if err := op.Abort(context.Background()); err != nil {
				t.Fatalf("%s: abort %v", tc.name, err)
			}
			if n := srv.Calls(manilatest.OpCancel); n != 1 {
				t.Errorf("%s: %d cancels", tc.name, n)
			}
		}
		_, err = pollAll(t, srv, op, time.Minute)
		var fe *jobs.FailedError
		if !errors.As(err, &fe) || fe.Status.State != tc.state {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for _, w := range tc.words {
			if !strings.Contains(fe.Status.Message, w) {
				t.Errorf("%s: reason %q lacks %q", tc.name, fe.Status.Message, w)
			}
		}
	}
}

// TestServerMigrationNotMigrating: a handle on a share server that is
// not migrating (its migration state was cleared by an administrator)
// ends Failed, saying so.
func TestServerMigrationNotMigrating(t *testing.T) {
	srv, c := opFake(t)
	srv.AddShareServer("0e8f0a7e-1111-4222-8333-444455556666", opSrcHost)
	op, err := c.StartMigration(context.Background(), opSource, &manila.StartMigrationOptions{Host: opDstHost})
	if err != nil {
		t.Fatal(err)
	}
	tok := op.Token()
	tok.Resources = []string{"0e8f0a7e-1111-4222-8333-444455556666"}
	other, err := c.ResumeMigration(tok.Encode())
	if err != nil {
		t.Fatal(err)
	}
	_, err = pollAll(t, srv, other, time.Second)
	var fe *jobs.FailedError
	if !errors.As(err, &fe) || !strings.Contains(fe.Status.Message, "is not being migrated (status active, task state none)") {
		t.Errorf("%v", err)
	}
}

// TestShareMigrationHandle follows a per-share migration to the end of
// phase 1, where the copy on the pool asked for is confirmed, then, after
// the completion, a resumed handle confirms the share's new host.
func TestShareMigrationHandle(t *testing.T) {
	srv, c := opFake(t)
	op, err := c.StartShareMigration(context.Background(), opShare, &manila.StartShareMigrationOptions{Host: opDstPool, Writable: true, PreserveMetadata: true})
	if err != nil {
		t.Fatal(err)
	}
	if tok := op.Token(); tok.Kind != "share-migration" || tok.Source != opSrcPool || tok.Target != opDstPool || tok.Resources[0] != opShare {
		t.Errorf("token %+v", tok)
	}
	seen, err := pollAll(t, srv, op, 30*time.Second)
	if err != nil {
		t.Fatalf("%v after %s", err, words(seen))
	}
	if w := words(seen); !strings.HasSuffix(w, "migration_driver_in_progress migration_driver_phase1_done") {
		t.Errorf("task states %s", w)
	}
	var progressed bool
	for _, s := range seen {
		if s.Word == "migration_driver_in_progress" && s.Progress > 0 && s.Progress < 100 {
			progressed = true
		}
	}
	if !progressed {
		t.Errorf("no copy progress among %+v", seen)
	}
	sh, _ := op.Result()
	if sh.Host != opSrcPool || sh.Status != manila.ShareStatusMigrating {
		t.Errorf("share at phase 1 %+v", sh)
	}
	if err := c.CompleteShareMigration(context.Background(), opShare); err != nil {
		t.Fatal(err)
	}
	resumed, err := c.ResumeShareMigration(op.Token().Encode())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pollAll(t, srv, resumed, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if sh, _ := resumed.Result(); sh.Host != opDstPool || sh.TaskState != manila.TaskStateMigrationSuccess {
		t.Errorf("share after completion %+v", sh)
	}
	if n := srv.Calls(manilatest.OpShareStart); n != 1 {
		t.Errorf("%d starts", n)
	}
}

// TestShareMigrationAdoptionAndFailures: a second start adopts; a failed
// copy and an abort end with the share's task state and status.
func TestShareMigrationAdoptionAndFailures(t *testing.T) {
	srv, c := opFake(t)
	if _, err := c.StartShareMigration(context.Background(), opShare, &manila.StartShareMigrationOptions{Host: opDstPool}); err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(time.Minute)
	op, err := c.StartShareMigration(context.Background(), opShare, &manila.StartShareMigrationOptions{Host: "manila-share-9@x#y"})
	var ipe *cloudmigrate.InProgressError
	if !errors.As(err, &ipe) || op == nil || !strings.Contains(ipe.Evidence, "copy on "+opDstPool) || op.Token().Target != opDstPool {
		t.Fatalf("adoption %v %v", op, err)
	}
	if err := op.Abort(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, err = pollAll(t, srv, op, time.Minute)
	var fe *jobs.FailedError
	if !errors.As(err, &fe) || fe.Status.State != jobs.Cancelled || !strings.Contains(fe.Status.Message, "migration_cancelled") {
		t.Errorf("aborted: %v", err)
	}
	if n := srv.Calls(manilatest.OpShareStart); n != 1 {
		t.Errorf("%d starts", n)
	}

	srv.FailNextMigrations(1)
	op, err = c.StartShareMigration(context.Background(), opShare, &manila.StartShareMigrationOptions{Host: opDstPool})
	if err != nil {
		t.Fatal(err)
	}
	_, err = pollAll(t, srv, op, time.Minute)
	if !errors.As(err, &fe) || fe.Status.State != jobs.Failed || !strings.Contains(fe.Status.Message, "migration_error, status available") {
		t.Errorf("failed copy: %v", err)
	}
}

// TestResumeRefusesOtherTokens: tokens of another service, endpoint or
// kind, and damaged ones, are refused as *cloudmigrate.ValidationError
// for "token", sending nothing.
func TestResumeRefusesOtherTokens(t *testing.T) {
	srv, c := opFake(t)
	op, err := c.StartMigration(context.Background(), opSource, &manila.StartMigrationOptions{Host: opDstHost})
	if err != nil {
		t.Fatal(err)
	}
	good := op.Token()
	shareTok := good
	shareTok.Kind = "share-migration"
	shareTok.Target = opDstPool
	mod := func(f func(*jobs.Token)) string {
		t := good
		t.Resources = append([]string(nil), good.Resources...)
		t.Extra = map[string]string{}
		f(&t)
		return t.Encode()
	}
	enc := good.Encode()
	before := manilaCalls(srv)
	for name, tok := range map[string]string{
		"empty":           "",
		"truncated":       enc[:len(enc)-3],
		"tampered":        enc[:10] + "A" + enc[11:],
		"newer":           "cmop9" + enc[5:],
		"other service":   mod(func(t *jobs.Token) { t.Service = "nova" }),
		"other endpoint":  mod(func(t *jobs.Token) { t.Endpoint = "https://manila.example.com/v2" }),
		"with a project":  mod(func(t *jobs.Token) { t.Project = "p1" }),
		"other kind":      shareTok.Encode(),
		"two resources":   mod(func(t *jobs.Token) { t.Resources = append(t.Resources, opShare) }),
		"bad resource":    mod(func(t *jobs.Token) { t.Resources = []string{"a/b"} }),
		"migration ID":    mod(func(t *jobs.Token) { t.ID = "42" }),
		"bad target":      mod(func(t *jobs.Token) { t.Target = "h@b#pool" }),
		"bad destination": mod(func(t *jobs.Token) { t.Extra["destination"] = "../x" }),
		"unknown extra":   mod(func(t *jobs.Token) { t.Extra["since"] = "1" }),
		"bad version":     mod(func(t *jobs.Token) { t.Microversion = "two" }),
	} {
		_, err := c.ResumeMigration(tok)
		var ve *cloudmigrate.ValidationError
		if !errors.As(err, &ve) || ve.Field != "token" {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := c.ResumeShareMigration(enc); err == nil {
		t.Error("a share-server token resumed as a share migration")
	}
	if _, err := c.ResumeMigration(enc); err != nil {
		t.Errorf("the good token: %v", err)
	}
	if n := manilaCalls(srv) - before; n != 0 {
		t.Errorf("resuming sent %d requests", n)
	}
}
