package manilatest_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/fake/faketest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/manila"
	"github.com/cloudmigrate/cloudmigrate/manila/manilatest"
)

const (
	srcID    = "5bd7c5a8-5e83-4f4c-9a0e-5f2d3a1c7b60"
	otherID  = "8e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b"
	srcHost  = "manila-share-1@netapp1"
	dstHost  = "manila-share-2@netapp2"
	network2 = "b5c6d7e8-f9a0-4b1c-8d2e-3f4a5b6c7d8e"
)

var ctx = context.Background()

// fastRetry keeps the SDK's retry waits tiny.
var fastRetry = cloudmigrate.WithRetryWait(time.Millisecond, 2*time.Millisecond)

// newFake starts a fake with one share server on srcHost and the back end
// dstHost, and returns it with a client that authenticates through its
// Keystone.
func newFake(t *testing.T, opts ...manilatest.Option) (*manilatest.Server, *manila.Client) {
	t.Helper()
	srv := manilatest.NewServer(opts...)
	t.Cleanup(srv.Close)
	srv.AddShareServer(srcID, srcHost)
	srv.AddBackend(dstHost)
	return srv, newClient(t, srv.Endpoint(), srv.Authorizer())
}

// newClient returns a client whose every answer is checked against
// Manila's schemas (see conformance_test.go).
func newClient(t *testing.T, endpoint string, authz auth.Authorizer, opts ...cloudmigrate.Option) *manila.Client {
	t.Helper()
	checked := cloudmigrate.WithHTTPClient(newConformance(t).client())
	c, err := manila.NewClient(endpoint, authz, append([]cloudmigrate.Option{fastRetry, checked}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// stepping returns wait options that poll quickly and move the fake's
// clock by step after every poll, and the statuses seen.
func stepping(srv *manilatest.Server, step time.Duration) ([]jobs.Option, *[]jobs.Status) {
	return faketest.Stepping(srv.Clock(), step)
}

func state(t *testing.T, srv *manilatest.Server, id string) manilatest.ShareServerInfo {
	t.Helper()
	info, ok := srv.ShareServer(id)
	if !ok {
		t.Fatalf("share server %s missing", id)
	}
	return info
}

// apiError asserts err is a *cloudmigrate.Error with status and code, a
// message and a request ID, and returns it.
func apiError(t *testing.T, err error, status int, code string) *cloudmigrate.Error {
	t.Helper()
	return faketest.APIError(t, err, status, code, "req-manila-")
}

func start(t *testing.T, c *manila.Client, host string) {
	t.Helper()
	_, err := c.StartMigration(ctx, srcID, &manila.StartMigrationOptions{Host: host, Writable: true, PreserveSnapshots: true})
	if err != nil {
		t.Fatal(err)
	}
}

func TestTwoPhaseMigration(t *testing.T) {
	// The source of the successful migration stays (inactive) for a day
	// before it is deleted, so that the test can read it.
	srv, c := newFake(t, manilatest.WithDurations(manilatest.Durations{Cleanup: 24 * time.Hour}))
	check, err := c.CheckMigration(ctx, srcID, &manila.CheckMigrationOptions{Host: dstHost, Writable: true, PreserveSnapshots: true})
	if err != nil {
		t.Fatal(err)
	}
	sc := check.SupportedCapabilities
	if !check.Compatible || check.RequestedCapabilities.Host != dstHost || *check.RequestedCapabilities.Writable != true ||
		*check.RequestedCapabilities.Nondisruptive != false || check.RequestedCapabilities.ShareNetworkID != "" ||
		*sc.Writable != true || *sc.Nondisruptive != false || *sc.PreserveSnapshots != true ||
		*sc.MigrationCancel != true || *sc.MigrationGetProgress != true || sc.ShareNetworkID != manilatest.DefaultShareNetworkID {
		t.Fatalf("check %+v", check)
	}
	if info := state(t, srv, srcID); info.Status != manilatest.StatusActive || info.TaskState != "" {
		t.Fatalf("checking changed the server: %+v", info)
	}

	start(t, c, dstHost)
	if info := state(t, srv, srcID); info.Status != manilatest.StatusServerMigrating ||
		info.TaskState != "migration_starting" || info.DestinationShareServerID != "" {
		t.Fatalf("after start: %+v", info)
	}
	opts, seen := stepping(srv, time.Minute)
	p, err := c.WaitForMigrationPhase1(ctx, srcID, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if p.TaskState != manila.TaskStateMigrationDriverPhase1Done || p.TotalProgress != 100 || p.DestinationShareServerID == "" {
		t.Fatalf("phase 1 end %+v", p)
	}
	// Clock at 0, 1m, ... 11m: 20s of start-up, then 10 minutes of copy.
	var words []string
	var progress []int
	for _, st := range *seen {
		words = append(words, st.Word)
		progress = append(progress, st.Progress)
	}
	// The first poll comes before the destination exists: Manila answers
	// 400 and the wait reads the share server's task state instead.
	wantWords := []string{"migration_starting", "migration_driver_in_progress", "migration_driver_in_progress", "migration_driver_in_progress",
		"migration_driver_in_progress", "migration_driver_in_progress", "migration_driver_in_progress",
		"migration_driver_in_progress", "migration_driver_in_progress", "migration_driver_in_progress",
		"migration_driver_in_progress", "migration_driver_phase1_done"}
	wantProgress := []int{0, 6, 16, 26, 36, 46, 56, 66, 76, 86, 96, 100}
	if !equal(words, wantWords) || !equal(progress, wantProgress) {
		t.Errorf("words %v\nprogress %v", words, progress)
	}
	destID := p.DestinationShareServerID
	if dest := state(t, srv, destID); dest.Status != manilatest.StatusServerMigratingTo || dest.Host != dstHost ||
		dest.SourceShareServerID != srcID || dest.TaskState != "migration_driver_phase1_done" ||
		dest.ShareNetworkID != manilatest.DefaultShareNetworkID {
		t.Errorf("destination at phase 1 done: %+v", dest)
	}
	// Phase 1 done lasts until the migration is completed.
	srv.Clock().Advance(24 * time.Hour)

	done, err := c.CompleteMigration(ctx, srcID)
	if err != nil {
		t.Fatal(err)
	}
	if done.DestinationShareServerID != destID {
		t.Fatalf("complete %+v, want %s", done, destID)
	}
	opts, seen = stepping(srv, 20*time.Second)
	p, err = c.WaitForMigrationComplete(ctx, srcID, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if p.TaskState != manila.TaskStateMigrationSuccess || p.TotalProgress != 100 || p.DestinationShareServerID != destID {
		t.Fatalf("final %+v", p)
	}
	if n := len(*seen); n != 3 || (*seen)[0].Word != "migration_completing" {
		t.Errorf("completion polls %+v", *seen)
	}
	// The last poll met the inactive source (400); the wait took the end
	// from the share server (as the first poll of phase 1 did, after the
	// read StartMigration makes before it starts).
	if p.ShareServer == nil || p.ShareServer.Status != manila.ShareServerStatusInactive ||
		srv.Calls(manilatest.OpGetShareServer) != 3 {
		t.Errorf("end not read from the share server: %+v, %d reads", p.ShareServer, srv.Calls(manilatest.OpGetShareServer))
	}
	src, dest := state(t, srv, srcID), state(t, srv, destID)
	if src.Status != manilatest.StatusInactive || src.Host != srcHost || src.TaskState != "migration_success" ||
		src.DestinationShareServerID != destID {
		t.Errorf("source after success %+v", src)
	}
	if dest.Status != manilatest.StatusActive || dest.Host != dstHost || dest.TaskState != "migration_success" {
		t.Errorf("destination after success %+v", dest)
	}
	// The inactive source no longer answers progress; the share servers
	// tell the outcome.
	_, err = c.GetMigrationProgress(ctx, srcID)
	if e := apiError(t, err, http.StatusBadRequest, manilatest.FaultBadRequest); !strings.Contains(e.Message, "is not being migrated") {
		t.Errorf("message %q", e.Message)
	}
	if s, err := c.GetShareServer(ctx, srcID); err != nil || s.Status != manila.ShareServerStatusInactive ||
		s.TaskState != manila.TaskStateMigrationSuccess || s.SourceShareServerID != "" || s.Host != srcHost {
		t.Errorf("source share server %+v %v", s, err)
	}
	if s, err := c.GetShareServer(ctx, destID); err != nil || s.Status != manila.ShareServerStatusActive ||
		s.TaskState != manila.TaskStateMigrationSuccess || s.SourceShareServerID != srcID || s.Host != dstHost {
		t.Errorf("destination share server %+v %v", s, err)
	}
	// An inactive source cannot move again; the destination can.
	_, err = c.StartMigration(ctx, srcID, &manila.StartMigrationOptions{Host: "manila-share-3@netapp3"})
	apiError(t, err, http.StatusConflict, manilatest.FaultConflict)
	srv.AddBackend(srcHost)
	if _, err := c.StartMigration(ctx, destID, &manila.StartMigrationOptions{Host: srcHost}); err != nil {
		t.Errorf("migrating the destination back: %v", err)
	}
	if got := srv.Calls(manilatest.OpStart); got != 3 {
		t.Errorf("start calls %d", got)
	}
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestProgressBeforeTheDestination checks the progress of a migration
// through phase 1: Manila answers 400 until the destination share server
// exists (migration_driver_starting), then reports it.
func TestProgressBeforeTheDestination(t *testing.T) {
	srv, c := newFake(t)
	start(t, c, dstHost)
	var moved time.Duration
	for _, at := range []time.Duration{0, 7 * time.Second} {
		srv.Clock().Advance(at - moved)
		moved = at
		_, err := c.GetMigrationProgress(ctx, srcID)
		e := apiError(t, err, http.StatusBadRequest, manilatest.FaultBadRequest)
		if want := "Invalid share server: A destination share server wasn't found for source share server " + srcID + "."; e.Message != want {
			t.Errorf("at %v: %q, want %q", at, e.Message, want)
		}
	}
	for _, tc := range []struct {
		at       time.Duration
		state    manila.TaskState
		progress int
		dest     bool
	}{
		{12 * time.Second, manila.TaskStateMigrationDriverStarting, 0, true},
		{20*time.Second + 5*time.Minute, manila.TaskStateMigrationDriverInProgress, 50, true},
		{20*time.Second + 10*time.Minute, manila.TaskStateMigrationDriverPhase1Done, 100, true},
	} {
		srv.Clock().Advance(tc.at - moved)
		moved = tc.at
		p, err := c.GetMigrationProgress(ctx, srcID)
		if err != nil {
			t.Fatal(err)
		}
		if p.TaskState != tc.state || p.TotalProgress != tc.progress || (p.DestinationShareServerID != "") != tc.dest {
			t.Errorf("at %v: %+v", tc.at, p)
		}
	}
}

func TestCompleteBeforePhase1IsRefused(t *testing.T) {
	srv, c := newFake(t)
	_, err := c.CompleteMigration(ctx, srcID)
	e := apiError(t, err, http.StatusBadRequest, manilatest.FaultBadRequest)
	if !strings.Contains(e.Message, "is not migrating") {
		t.Errorf("message %q", e.Message)
	}
	start(t, c, dstHost)
	srv.Clock().Advance(time.Minute) // copying
	_, err = c.CompleteMigration(ctx, srcID)
	e = apiError(t, err, http.StatusBadRequest, manilatest.FaultBadRequest)
	if !strings.Contains(e.Message, "first phase of migration has to finish") {
		t.Errorf("message %q", e.Message)
	}
	if info := state(t, srv, srcID); info.TaskState != "migration_driver_in_progress" {
		t.Errorf("a refused completion changed the state: %+v", info)
	}
	if srv.Calls(manilatest.OpComplete) != 2 {
		t.Errorf("complete calls %d", srv.Calls(manilatest.OpComplete))
	}
}

func TestCancelFlow(t *testing.T) {
	srv, c := newFake(t)
	err := c.CancelMigration(ctx, srcID)
	apiError(t, err, http.StatusBadRequest, manilatest.FaultBadRequest)
	start(t, c, dstHost)
	// Too early: the driver has not started.
	err = c.CancelMigration(ctx, srcID)
	e := apiError(t, err, http.StatusBadRequest, manilatest.FaultBadRequest)
	if !strings.Contains(e.Message, "can be cancelled only after the driver already started") {
		t.Errorf("message %q", e.Message)
	}
	srv.Clock().Advance(2 * time.Minute)
	p, _ := c.GetMigrationProgress(ctx, srcID)
	destID := p.DestinationShareServerID
	if err := c.CancelMigration(ctx, srcID); err != nil {
		t.Fatal(err)
	}
	opts, seen := stepping(srv, 20*time.Second)
	p, err = c.WaitForMigrationComplete(ctx, srcID, opts...)
	var fe *jobs.FailedError
	if !errors.As(err, &fe) || fe.Status.State != jobs.Cancelled {
		t.Fatalf("wait after cancel: %v", err)
	}
	job, ok := fe.Job.(*manila.MigrationProgress)
	if !ok || job.TaskState != manila.TaskStateMigrationCancelled || job != p || job.TotalProgress != 100 ||
		job.DestinationShareServerID != destID {
		t.Errorf("failed job %#v, returned %+v", fe.Job, p)
	}
	if (*seen)[0].Word != "migration_cancel_in_progress" {
		t.Errorf("polls %+v", *seen)
	}
	// The cancelled source is active again and answers progress with 400:
	// the wait ended on the share server's task state (the other read is
	// StartMigration's, before it starts).
	if job.ShareServer == nil || job.ShareServer.Status != manila.ShareServerStatusActive ||
		fe.Status.Message != "share server "+srcID+" is active" || srv.Calls(manilatest.OpGetShareServer) != 2 {
		t.Errorf("end not read from the share server: %+v, %+v", job.ShareServer, fe.Status)
	}
	_, err = c.GetMigrationProgress(ctx, srcID)
	if e := apiError(t, err, http.StatusBadRequest, manilatest.FaultBadRequest); !strings.Contains(e.Message, "is not being migrated") {
		t.Errorf("message %q", e.Message)
	}
	if info := state(t, srv, srcID); info.Status != manilatest.StatusActive || info.TaskState != "migration_cancelled" {
		t.Errorf("source after cancel %+v", info)
	}
	if info := state(t, srv, destID); info.Status != manilatest.StatusInactive || info.TaskState != "migration_cancelled" {
		t.Errorf("destination after cancel %+v", info)
	}
	// Cancelled is final: neither complete nor cancel is accepted, a new
	// migration is.
	_, err = c.CompleteMigration(ctx, srcID)
	apiError(t, err, http.StatusBadRequest, manilatest.FaultBadRequest)
	start(t, c, dstHost)
}

func TestCancelAtPhase1Done(t *testing.T) {
	srv, c := newFake(t)
	start(t, c, dstHost)
	srv.Clock().Advance(time.Hour)
	if err := c.CancelMigration(ctx, srcID); err != nil {
		t.Fatal(err)
	}
	p, _ := c.GetMigrationProgress(ctx, srcID)
	if p.TaskState != manila.TaskStateMigrationCancelInProgress || p.TotalProgress != 100 {
		t.Errorf("progress %+v", p)
	}
	_, err := c.WaitForMigrationPhase1(ctx, srcID, jobs.WithInterval(time.Millisecond, 2*time.Millisecond),
		jobs.WithProgress(func(jobs.Status) { srv.Clock().Advance(time.Minute) }))
	var fe *jobs.FailedError
	if !errors.As(err, &fe) || fe.Status.State != jobs.Cancelled {
		t.Errorf("phase-1 wait after cancel: %v", err)
	}
}

func TestFailedMigration(t *testing.T) {
	srv, c := newFake(t)
	srv.FailNextMigrations(1)
	start(t, c, dstHost)
	opts, _ := stepping(srv, time.Minute)
	_, err := c.WaitForMigrationPhase1(ctx, srcID, opts...)
	var fe *jobs.FailedError
	if !errors.As(err, &fe) || fe.Status.State != jobs.Failed || fe.Status.Word != "migration_error" {
		t.Fatalf("wait: %v", err)
	}
	job := fe.Job.(*manila.MigrationProgress)
	if job.TaskState != manila.TaskStateMigrationError || job.TotalProgress != 100 || job.DestinationShareServerID == "" {
		t.Errorf("final progress %+v", job)
	}
	// The failed source is active again and answers progress with 400:
	// the wait ended on the share server's task state (and read it once
	// before, when the destination did not exist yet; StartMigration read
	// it before it started).
	if job.ShareServer == nil || job.ShareServer.Status != manila.ShareServerStatusActive ||
		job.ShareServer.TaskState != manila.TaskStateMigrationError || srv.Calls(manilatest.OpGetShareServer) != 3 {
		t.Errorf("end not read from the share server: %+v", job.ShareServer)
	}
	_, err = c.GetMigrationProgress(ctx, srcID)
	apiError(t, err, http.StatusBadRequest, manilatest.FaultBadRequest)
	if info := state(t, srv, srcID); info.Status != manilatest.StatusActive || info.TaskState != "migration_error" {
		t.Errorf("source %+v", info)
	}
	if dest := state(t, srv, job.DestinationShareServerID); dest.Status != manilatest.StatusError {
		t.Errorf("destination %+v", dest)
	}
	if d, err := c.GetShareServer(ctx, job.DestinationShareServerID); err != nil || d.Status != manila.ShareServerStatusError ||
		d.TaskState != manila.TaskStateMigrationError || d.SourceShareServerID != srcID {
		t.Errorf("destination share server %+v %v", d, err)
	}
	// Only one migration was made to fail.
	start(t, c, dstHost)
	opts, _ = stepping(srv, time.Minute)
	if _, err := c.WaitForMigrationPhase1(ctx, srcID, opts...); err != nil {
		t.Errorf("second migration: %v", err)
	}
}

func TestGuaranteesTheDestinationLacksEndInError(t *testing.T) {
	srv, c := newFake(t)
	req := manila.CheckMigrationOptions{Host: dstHost, Nondisruptive: true}
	check, err := c.CheckMigration(ctx, srcID, &req)
	if err != nil || check.Compatible || *check.SupportedCapabilities.Nondisruptive {
		t.Fatalf("check %+v %v", check, err)
	}
	if _, err := c.StartMigration(ctx, srcID, (*manila.StartMigrationOptions)(&req)); err != nil {
		t.Fatal(err)
	}
	opts, _ := stepping(srv, 5*time.Second)
	_, err = c.WaitForMigrationPhase1(ctx, srcID, opts...)
	var fe *jobs.FailedError
	if !errors.As(err, &fe) || fe.Job.(*manila.MigrationProgress).TaskState != manila.TaskStateMigrationError {
		t.Fatalf("wait: %v", err)
	}
	if fe.Job.(*manila.MigrationProgress).DestinationShareServerID != "" {
		t.Error("a destination was reported although the driver never started")
	}
	// With a back end that can, the same request is fine.
	srv.SetBackendCapabilities(dstHost, manilatest.BackendCapabilities{Nondisruptive: true})
	check, err = c.CheckMigration(ctx, srcID, &req)
	if err != nil || !check.Compatible {
		t.Errorf("check with a capable back end %+v %v", check, err)
	}
}

// TestCheckRefusesWhatStartRefuses checks that migration_check refuses,
// as Manila's shared checks do, a move that changes nothing (409) and an
// unknown destination (404), and answers an incompatible destination with
// its capabilities.
func TestCheckRefusesWhatStartRefuses(t *testing.T) {
	srv, c := newFake(t)
	srv.AddShareNetwork(network2)
	for name, tc := range map[string]struct {
		req    manila.CheckMigrationOptions
		status int
		code   string
	}{
		"unknown back end": {manila.CheckMigrationOptions{Host: "manila-share-9@nowhere"}, 404, manilatest.FaultNotFound},
		"same back end":    {manila.CheckMigrationOptions{Host: srcHost}, 409, manilatest.FaultConflict},
		"same network":     {manila.CheckMigrationOptions{Host: srcHost, NewShareNetworkID: manilatest.DefaultShareNetworkID}, 409, manilatest.FaultConflict},
	} {
		_, err := c.CheckMigration(ctx, srcID, &tc.req)
		if e := apiError(t, err, tc.status, tc.code); tc.status == 409 && !strings.Contains(e.Message, "no difference") {
			t.Errorf("%s: message %q", name, e.Message)
		}
	}
	// A destination that cannot give a guarantee asked for.
	srv.SetBackendCapabilities(dstHost, manilatest.BackendCapabilities{Writable: false, PreserveSnapshots: true})
	check, err := c.CheckMigration(ctx, srcID, &manila.CheckMigrationOptions{Host: dstHost, Writable: true})
	if err != nil {
		t.Fatal(err)
	}
	sc := check.SupportedCapabilities
	if check.Compatible || sc.Writable == nil || *sc.Writable || sc.ShareNetworkID != manilatest.DefaultShareNetworkID ||
		sc.MigrationCancel == nil || !*sc.MigrationCancel {
		t.Errorf("incompatible destination: %+v", check)
	}
	// The same back end with another network is a real move.
	check, err = c.CheckMigration(ctx, srcID, &manila.CheckMigrationOptions{Host: srcHost, NewShareNetworkID: network2})
	if err != nil || !check.Compatible || check.SupportedCapabilities.ShareNetworkID != network2 ||
		check.RequestedCapabilities.ShareNetworkID != network2 {
		t.Errorf("new network: %+v %v", check, err)
	}
	if info := state(t, srv, srcID); info.Status != manilatest.StatusActive || info.TaskState != "" {
		t.Errorf("checks changed the server: %+v", info)
	}
}

func TestStartConstraints(t *testing.T) {
	srv, c := newFake(t)
	srv.AddShareNetwork(network2)
	cases := []struct {
		name   string
		id     string
		req    manila.StartMigrationOptions
		status int
		code   string
		msg    string
	}{
		{"unknown server", otherID, manila.StartMigrationOptions{Host: dstHost}, 404, manilatest.FaultNotFound, "could not be found"},
		{"same back end and network", srcID, manila.StartMigrationOptions{Host: srcHost}, 409, manilatest.FaultConflict, "no difference"},
		{"unknown back end", srcID, manila.StartMigrationOptions{Host: "manila-share-9@nowhere"}, 404, manilatest.FaultNotFound, "Service"},
		{"unknown network", srcID, manila.StartMigrationOptions{Host: dstHost, NewShareNetworkID: otherID}, 400, manilatest.FaultBadRequest, "not found"},
	}
	for _, tc := range cases {
		_, err := c.StartMigration(ctx, tc.id, &tc.req)
		e := apiError(t, err, tc.status, tc.code)
		if !strings.Contains(e.Message, tc.msg) {
			t.Errorf("%s: message %q", tc.name, e.Message)
		}
	}
	if info := state(t, srv, srcID); info.Status != manilatest.StatusActive || info.TaskState != "" {
		t.Fatalf("refused starts changed the server: %+v", info)
	}
	// The same back end with a new network is accepted.
	if _, err := c.StartMigration(ctx, srcID, &manila.StartMigrationOptions{Host: srcHost, NewShareNetworkID: network2}); err != nil {
		t.Fatal(err)
	}
	// A migrating server is not started again: StartMigration adopts the
	// migration under way and sends no start. It cannot be checked either.
	starts := srv.Calls(manilatest.OpStart)
	op, err := c.StartMigration(ctx, srcID, &manila.StartMigrationOptions{Host: dstHost})
	var ipe *cloudmigrate.InProgressError
	if !errors.Is(err, cloudmigrate.ErrInProgress) || !errors.As(err, &ipe) || op == nil ||
		!strings.Contains(ipe.Evidence, "server_migrating") || srv.Calls(manilatest.OpStart) != starts {
		t.Errorf("second start: %v %v, %d starts", op, err, srv.Calls(manilatest.OpStart)-starts)
	}
	_, err = c.CheckMigration(ctx, srcID, &manila.CheckMigrationOptions{Host: dstHost})
	apiError(t, err, http.StatusConflict, manilatest.FaultConflict)
	srv.Clock().Advance(time.Minute)
	p, _ := c.GetMigrationProgress(ctx, srcID)
	if dest := state(t, srv, p.DestinationShareServerID); dest.ShareNetworkID != network2 || dest.Host != srcHost {
		t.Errorf("destination %+v", dest)
	}
}

func TestProgressOfAServerNotMigrating(t *testing.T) {
	_, c := newFake(t)
	_, err := c.GetMigrationProgress(ctx, srcID)
	apiError(t, err, http.StatusBadRequest, manilatest.FaultBadRequest)
	// An unknown ID is 400 too: Manila looks for a migration from it.
	_, err = c.GetMigrationProgress(ctx, otherID)
	if e := apiError(t, err, http.StatusBadRequest, manilatest.FaultBadRequest); !strings.Contains(e.Message, "A destination share server wasn't found") {
		t.Errorf("message %q", e.Message)
	}
}

func TestVersionRangeBelowServerMigration(t *testing.T) {
	srv := manilatest.NewServer(manilatest.WithVersions("2.0", "2.56"))
	t.Cleanup(srv.Close)
	srv.AddShareServer(srcID, srcHost)
	srv.AddBackend(dstHost)
	c := newClient(t, srv.ProjectEndpoint(), srv.Authorizer())
	_, err := c.StartMigration(ctx, srcID, &manila.StartMigrationOptions{Host: dstHost})
	var ve *cloudmigrate.VersionError
	if !errors.As(err, &ve) || ve.Min != "2.57" || ve.InUse != "2.56" || ve.ServerMin != "2.0" || ve.ServerMax != "2.56" {
		t.Fatalf("error %v", err)
	}
	if srv.Calls(manilatest.OpStart) != 0 || srv.Calls(manilatest.OpVersions) != 1 {
		t.Errorf("calls %v", srv.AllCalls())
	}
	if info := state(t, srv, srcID); info.Status != manilatest.StatusActive {
		t.Errorf("server %+v", info)
	}
}

func TestServiceRefusesAVersionAbove(t *testing.T) {
	srv := manilatest.NewServer(manilatest.WithVersions("2.0", "2.80"))
	t.Cleanup(srv.Close)
	srv.AddShareServer(srcID, srcHost)
	c := newClient(t, srv.ProjectEndpoint(), srv.Authorizer(), cloudmigrate.WithMicroversion("2.90"))
	_, err := c.GetMigrationProgress(ctx, srcID)
	var ve *cloudmigrate.VersionError
	if !errors.As(err, &ve) || ve.ServerMin != "2.0" || ve.ServerMax != "2.80" || ve.InUse != "2.90" || ve.Err == nil ||
		ve.Err.StatusCode != http.StatusNotAcceptable || ve.Err.Code != manilatest.FaultNotAcceptable {
		t.Fatalf("error %v", err)
	}
	if srv.Calls(manilatest.OpProgress) != 1 {
		t.Errorf("calls %v", srv.AllCalls())
	}
}

func TestNegotiatedVersionAndEndpointForms(t *testing.T) {
	srv := manilatest.NewServer(manilatest.WithVersions("2.0", "2.70"))
	t.Cleanup(srv.Close)
	srv.AddShareServer(srcID, srcHost)
	srv.AddBackend(dstHost)
	// Without the project ID in the URL (2.60 and later).
	c := newClient(t, srv.Endpoint(), srv.Authorizer())
	if v, err := c.Microversion(ctx); err != nil || v.InUse.String() != "2.70" {
		t.Fatalf("negotiated %q %v", v, err)
	}
	if _, err := c.CheckMigration(ctx, srcID, &manila.CheckMigrationOptions{Host: dstHost}); err != nil {
		t.Fatal(err)
	}
	// With it, at the first version of share-server migration.
	c = newClient(t, srv.ProjectEndpoint(), srv.Authorizer(), cloudmigrate.WithMicroversion("2.57"))
	if _, err := c.CheckMigration(ctx, srcID, &manila.CheckMigrationOptions{Host: dstHost}); err != nil {
		t.Fatal(err)
	}
	if srv.Calls(manilatest.OpCheck) != 2 {
		t.Errorf("calls %v", srv.AllCalls())
	}
}

func TestDroppedStartHasNoEffect(t *testing.T) {
	srv, c := newFake(t)
	srv.DropNext(manilatest.OpStart, 1)
	_, err := c.StartMigration(ctx, srcID, &manila.StartMigrationOptions{Host: dstHost})
	if err == nil {
		t.Fatal("a dropped start succeeded")
	}
	var e *cloudmigrate.Error
	if errors.As(err, &e) {
		t.Errorf("a dropped connection became a service answer: %v", err)
	}
	if got := srv.Calls(manilatest.OpStart); got != 1 {
		t.Errorf("start sent %d times", got)
	}
	if info := state(t, srv, srcID); info.Status != manilatest.StatusActive || info.TaskState != "" {
		t.Errorf("server %+v", info)
	}
	_, err = c.GetMigrationProgress(ctx, srcID)
	apiError(t, err, http.StatusBadRequest, manilatest.FaultBadRequest)
}

func TestTokenExpiryDuringWait(t *testing.T) {
	srv, c := newFake(t)
	start(t, c, dstHost)
	issued := srv.TokensIssued()
	polls := 0
	p, err := c.WaitForMigrationPhase1(ctx, srcID, jobs.WithInterval(time.Millisecond, 2*time.Millisecond),
		jobs.WithProgress(func(jobs.Status) {
			polls++
			if polls == 2 {
				srv.ExpireTokens()
			}
			srv.Clock().Advance(2 * time.Minute)
		}))
	if err != nil || p.TaskState != manila.TaskStateMigrationDriverPhase1Done {
		t.Fatalf("wait: %+v %v", p, err)
	}
	if got := srv.TokensIssued() - issued; got != 1 {
		t.Errorf("%d new tokens, want 1", got)
	}
	if srv.Calls(manilatest.OpIssueToken) != issued+1 {
		t.Errorf("token requests %d", srv.Calls(manilatest.OpIssueToken))
	}
}

func TestNewClientFromKeystone(t *testing.T) {
	srv, _ := newFake(t)
	ks := srv.Authorizer()
	c, err := manila.NewClientFromKeystone(ctx, ks, manilatest.DefaultRegion, "public", fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	if c.Endpoint() != srv.Endpoint() {
		t.Errorf("endpoint %s, want %s", c.Endpoint(), srv.Endpoint())
	}
	if _, err := c.CheckMigration(ctx, srcID, &manila.CheckMigrationOptions{Host: dstHost}); err != nil {
		t.Fatal(err)
	}
	info, err := ks.TokenInfo(ctx)
	if err != nil || info.ProjectID != srv.ProjectID() {
		t.Errorf("token %+v %v", info, err)
	}
	if srv.TokensIssued() != 1 {
		t.Errorf("tokens issued %d", srv.TokensIssued())
	}
	// Both catalog types lead to the same URL.
	for _, typ := range []string{"sharev2", "shared-file-system"} {
		if ep, err := ks.Endpoint(ctx, typ, "", ""); err != nil || ep != srv.Endpoint() {
			t.Errorf("%s: %q %v", typ, ep, err)
		}
	}
	if _, err := manila.NewClientFromKeystone(ctx, ks, "RegionTwo", "", fastRetry); !errors.Is(err, auth.ErrEndpointNotFound) {
		t.Errorf("unknown region: %v", err)
	}
}

func TestThrottlingIsAbsorbed(t *testing.T) {
	srv, c := newFake(t)
	srv.Throttle(manilatest.OpStart, 1, 0)
	start(t, c, dstHost)
	if srv.Calls(manilatest.OpStart) != 2 {
		t.Errorf("start calls %d", srv.Calls(manilatest.OpStart))
	}
	srv.Clock().Advance(15 * time.Second) // the destination exists
	srv.Throttle(manilatest.OpProgress, 2, 0)
	if _, err := c.GetMigrationProgress(ctx, srcID); err != nil {
		t.Fatal(err)
	}
	if srv.Calls(manilatest.OpProgress) != 3 {
		t.Errorf("progress calls %d", srv.Calls(manilatest.OpProgress))
	}
	// Throttling that outlasts the retries ends in overLimit.
	srv.Throttle(manilatest.OpCheck, 10, 0)
	_, err := c.CheckMigration(ctx, otherID, &manila.CheckMigrationOptions{Host: dstHost})
	e := apiError(t, err, http.StatusTooManyRequests, manilatest.FaultOverLimit)
	if !cloudmigrate.IsThrottled(e) {
		t.Error("not reported as throttling")
	}
}

func TestServerErrorsOnPollsAreTolerated(t *testing.T) {
	srv, c := newFake(t)
	start(t, c, dstHost)
	srv.FailNext(manilatest.OpProgress, 5, http.StatusInternalServerError)
	opts, _ := stepping(srv, 3*time.Minute)
	if _, err := c.WaitForMigrationPhase1(ctx, srcID, opts...); err != nil {
		t.Fatal(err)
	}
	// A 5xx on a start is returned at once.
	srv.FailNext(manilatest.OpComplete, 1, http.StatusServiceUnavailable)
	_, err := c.CompleteMigration(ctx, srcID)
	apiError(t, err, http.StatusServiceUnavailable, "serviceUnavailable")
	if srv.Calls(manilatest.OpComplete) != 1 {
		t.Errorf("complete calls %d", srv.Calls(manilatest.OpComplete))
	}
}

func TestBadCredentials(t *testing.T) {
	srv, _ := newFake(t)
	c := newClient(t, srv.Endpoint(), auth.StaticToken("gAAAAnot-a-token"), cloudmigrate.WithMicroversion("2.70"))
	_, err := c.GetMigrationProgress(ctx, srcID)
	apiError(t, err, http.StatusUnauthorized, "Unauthorized")

	ks, err := auth.NewKeystone(srv.AuthURL(), auth.KeystoneCredentials{
		Username: srv.Username(), UserDomainName: "Default", Password: auth.NewSecret("wrong"), ProjectID: srv.ProjectID(),
	})
	if err != nil {
		t.Fatal(err)
	}
	c = newClient(t, srv.Endpoint(), ks)
	_, err = c.GetMigrationProgress(ctx, srcID)
	if !cloudmigrate.IsUnauthorized(err) {
		t.Errorf("wrong password: %v", err)
	}
	if srv.Calls(manilatest.OpProgress) != 1 || srv.TokensIssued() != 0 {
		t.Errorf("calls %v, tokens %d", srv.AllCalls(), srv.TokensIssued())
	}
}

func TestWithoutAuthAndCredentials(t *testing.T) {
	srv := manilatest.NewServer(manilatest.WithoutAuth(), manilatest.WithCredentials("ops", "s3cret", "0123456789abcdef0123456789abcdef"))
	t.Cleanup(srv.Close)
	srv.AddShareServer(srcID, srcHost)
	srv.AddBackend(dstHost)
	c := newClient(t, srv.ProjectEndpoint(), nil, cloudmigrate.WithMicroversion("2.57"))
	if _, err := c.CheckMigration(ctx, srcID, &manila.CheckMigrationOptions{Host: dstHost}); err != nil {
		t.Fatal(err)
	}
	if srv.Username() != "ops" || srv.Password() != "s3cret" || !strings.HasSuffix(srv.ProjectEndpoint(), "/0123456789abcdef0123456789abcdef") {
		t.Errorf("credentials %s %s %s", srv.Username(), srv.Password(), srv.ProjectEndpoint())
	}
	if _, err := srv.Authorizer().TokenInfo(ctx); err != nil {
		t.Errorf("Keystone with other credentials: %v", err)
	}
}

func TestResetTaskState(t *testing.T) {
	srv, c := newFake(t)
	// Without a migration, the value is simply stored.
	st := manila.TaskStateMigrationError
	if err := c.ResetTaskState(ctx, srcID, &st); err != nil {
		t.Fatal(err)
	}
	if info := state(t, srv, srcID); info.TaskState != "migration_error" || info.Status != manilatest.StatusActive {
		t.Errorf("after reset %+v", info)
	}
	if s, err := c.GetShareServer(ctx, srcID); err != nil || s.TaskState != manila.TaskStateMigrationError || s.UpdatedAt.IsZero() {
		t.Errorf("share server after reset %+v %v", s, err)
	}
	if err := c.ResetTaskState(ctx, srcID, nil); err != nil {
		t.Fatal(err)
	}
	if info := state(t, srv, srcID); info.TaskState != "" {
		t.Errorf("after clearing %+v", info)
	}
	// During a migration, the state stays where it is put.
	start(t, c, dstHost)
	srv.Clock().Advance(2 * time.Minute)
	if err := c.ResetTaskState(ctx, srcID, &st); err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(time.Hour)
	p, err := c.GetMigrationProgress(ctx, srcID)
	if err != nil || p.TaskState != manila.TaskStateMigrationError || p.TotalProgress != 100 {
		t.Errorf("progress after reset %+v %v", p, err)
	}
	if info := state(t, srv, srcID); info.Status != manilatest.StatusServerMigrating {
		t.Errorf("reset changed the status: %+v", info)
	}
	_, err = c.WaitForMigrationComplete(ctx, srcID, jobs.WithInterval(time.Millisecond, 2*time.Millisecond))
	var fe *jobs.FailedError
	if !errors.As(err, &fe) {
		t.Errorf("wait after reset to error: %v", err)
	}
	// Setting phase 1 done lets an administrator complete it.
	done := manila.TaskStateMigrationDriverPhase1Done
	if err := c.ResetTaskState(ctx, srcID, &done); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CompleteMigration(ctx, srcID); err != nil {
		t.Fatal(err)
	}
	if srv.Calls(manilatest.OpResetTaskState) != 4 {
		t.Errorf("reset calls %d", srv.Calls(manilatest.OpResetTaskState))
	}
}

func TestRealTimeClock(t *testing.T) {
	srv, c := newFake(t, manilatest.WithRealTime(200000), manilatest.WithDurations(manilatest.Durations{DriverInProgress: time.Minute}))
	start(t, c, dstHost)
	wait := jobs.WithInterval(time.Millisecond, 2*time.Millisecond)
	if _, err := c.WaitForMigrationPhase1(ctx, srcID, wait); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CompleteMigration(ctx, srcID); err != nil {
		t.Fatal(err)
	}
	if p, err := c.WaitForMigrationComplete(ctx, srcID, wait); err != nil || p.TaskState != manila.TaskStateMigrationSuccess {
		t.Fatalf("%+v %v", p, err)
	}
	// Manila deletes the inactive source soon after.
	if info, ok := srv.ShareServer(srcID); ok {
		t.Errorf("source still there: %+v", info)
	}
}

func TestShareMigration(t *testing.T) {
	const shareID = "406ea93b-32e9-4907-a117-148b3945749f"
	srv, c := newFake(t)
	srv.AddShare(shareID, "ubuntu@generic1#GENERIC1")
	srv.AddBackend("ubuntu@generic2")
	_, err := c.GetShareMigrationProgress(ctx, shareID)
	apiError(t, err, http.StatusBadRequest, manilatest.FaultBadRequest)

	req := &manila.StartShareMigrationOptions{Host: "ubuntu@generic2#GENERIC2", Writable: true, PreserveMetadata: true, PreserveSnapshots: true}
	if _, err := c.StartShareMigration(ctx, shareID, req); err != nil {
		t.Fatal(err)
	}
	if info, _ := srv.Share(shareID); info.Status != manilatest.ShareStatusMigrating || info.TaskState != "migration_starting" {
		t.Errorf("share %+v", info)
	}
	// Started again, the migration under way is adopted: no second start.
	if op, err := c.StartShareMigration(ctx, shareID, req); !errors.Is(err, cloudmigrate.ErrInProgress) || op == nil ||
		srv.Calls(manilatest.OpShareStart) != 1 {
		t.Errorf("second start: %v %v, %d starts", op, err, srv.Calls(manilatest.OpShareStart))
	}
	err = c.CompleteShareMigration(ctx, shareID)
	apiError(t, err, http.StatusBadRequest, manilatest.FaultBadRequest)

	srv.Clock().Advance(20*time.Second + 5*time.Minute)
	p, err := c.GetShareMigrationProgress(ctx, shareID)
	if err != nil || p.TaskState != manila.TaskStateMigrationDriverInProgress || p.TotalProgress != 50 || p.Details == nil {
		t.Fatalf("progress %+v %v", p, err)
	}
	srv.Clock().Advance(time.Hour)
	if err := c.CompleteShareMigration(ctx, shareID); err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(time.Minute)
	p, err = c.GetShareMigrationProgress(ctx, shareID)
	if err != nil || p.TaskState != manila.TaskStateMigrationSuccess || p.TotalProgress != 100 {
		t.Errorf("progress %+v %v", p, err)
	}
	if info, _ := srv.Share(shareID); info.Host != "ubuntu@generic2#GENERIC2" || info.Status != manilatest.ShareStatusAvailable {
		t.Errorf("share after success %+v", info)
	}
	// At 2.99 the progress is read with GET, never with the action; the
	// share was started once.
	calls := map[string]int{manilatest.OpShareStart: 1, manilatest.OpShareComplete: 2, manilatest.OpShareProgressGet: 3, manilatest.OpShareProgress: 0}
	for op, n := range calls {
		if srv.Calls(op) != n {
			t.Errorf("%s: %d calls", op, srv.Calls(op))
		}
	}
}

func TestShareMigrationHostAssistedAndCancel(t *testing.T) {
	const shareID = "406ea93b-32e9-4907-a117-148b3945749f"
	srv, c := newFake(t)
	srv.AddShare(shareID, "ubuntu@generic1#GENERIC1")
	srv.AddBackend("ubuntu@generic2")
	bad := &manila.StartShareMigrationOptions{Host: "ubuntu@generic2#P", ForceHostAssistedMigration: true, Writable: true}
	_, err := c.StartShareMigration(ctx, shareID, bad)
	apiError(t, err, http.StatusBadRequest, manilatest.FaultBadRequest)
	_, err = c.StartShareMigration(ctx, shareID, &manila.StartShareMigrationOptions{Host: "ubuntu@generic1#GENERIC1"})
	apiError(t, err, http.StatusBadRequest, manilatest.FaultBadRequest)
	_, err = c.StartShareMigration(ctx, shareID, &manila.StartShareMigrationOptions{Host: "elsewhere@x#y"})
	apiError(t, err, http.StatusNotFound, manilatest.FaultNotFound)

	if _, err := c.StartShareMigration(ctx, shareID, &manila.StartShareMigrationOptions{Host: "ubuntu@generic2#P", ForceHostAssistedMigration: true}); err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(15 * time.Second)
	p, _ := c.GetShareMigrationProgress(ctx, shareID)
	if p.TaskState != manila.TaskStateDataCopyingStarting {
		t.Errorf("progress %+v", p)
	}
	err = c.CancelShareMigration(ctx, shareID)
	apiError(t, err, http.StatusBadRequest, manilatest.FaultBadRequest)
	srv.Clock().Advance(time.Hour)
	if p, _ := c.GetShareMigrationProgress(ctx, shareID); p.TaskState != manila.TaskStateDataCopyingCompleted || p.TotalProgress != 100 {
		t.Errorf("progress %+v", p)
	}
	if err := c.CancelShareMigration(ctx, shareID); err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(time.Hour)
	if info, _ := srv.Share(shareID); info.TaskState != "migration_cancelled" || info.Host != "ubuntu@generic1#GENERIC1" ||
		info.Status != manilatest.ShareStatusAvailable {
		t.Errorf("share after cancel %+v", info)
	}
	if srv.Calls(manilatest.OpShareCancel) != 2 {
		t.Errorf("cancel calls %d", srv.Calls(manilatest.OpShareCancel))
	}
}

func TestRemovedSourceAfterSuccess(t *testing.T) {
	srv, c := newFake(t)
	start(t, c, dstHost)
	srv.Clock().Advance(time.Hour)
	done, err := c.CompleteMigration(ctx, srcID)
	if err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(time.Hour)
	if !srv.RemoveShareServer(srcID) || srv.RemoveShareServer(srcID) {
		t.Fatal("RemoveShareServer did not report the share server once")
	}
	_, err = c.GetShareServer(ctx, srcID)
	apiError(t, err, http.StatusNotFound, manilatest.FaultNotFound)
	// Manila finds the destination of the gone source's successful
	// migration: 100, its ID and its task state.
	p, err := c.GetMigrationProgress(ctx, srcID)
	if err != nil || p.TotalProgress != 100 || p.TaskState != manila.TaskStateMigrationSuccess ||
		p.DestinationShareServerID != done.DestinationShareServerID {
		t.Fatalf("progress of the removed source %+v %v", p, err)
	}
	// A wait reads that answer as the success it is.
	for name, wait := range map[string]func(context.Context, string, ...jobs.Option) (*manila.MigrationProgress, error){
		"phase1": c.WaitForMigrationPhase1, "complete": c.WaitForMigrationComplete,
	} {
		p, err = wait(ctx, srcID, jobs.WithInterval(time.Millisecond, 2*time.Millisecond))
		if err != nil || p.TaskState != manila.TaskStateMigrationSuccess || p.DestinationShareServerID != done.DestinationShareServerID {
			t.Errorf("%s: %+v %v", name, p, err)
		}
	}
	if srv.Calls(manilatest.OpGetShareServer) != 2 {
		t.Errorf("share-server reads %d, want only StartMigration's and the test's own", srv.Calls(manilatest.OpGetShareServer))
	}
	// A removed share server with no such successor is unknown: Manila
	// finds no migration from it.
	srv.AddShareServer(otherID, srcHost)
	srv.RemoveShareServer(otherID)
	_, err = c.GetMigrationProgress(ctx, otherID)
	apiError(t, err, http.StatusBadRequest, manilatest.FaultBadRequest)
}

func TestGetShareServerThroughAMigration(t *testing.T) {
	srv, c := newFake(t)
	added := srv.Clock().Now().UTC()
	s, err := c.GetShareServer(ctx, srcID)
	if err != nil {
		t.Fatal(err)
	}
	if s.ID != srcID || s.ProjectID != srv.ProjectID() || s.Status != manila.ShareServerStatusActive || s.Host != srcHost ||
		s.ShareNetworkID != manilatest.DefaultShareNetworkID || s.TaskState != "" || s.SourceShareServerID != "" ||
		!s.CreatedAt.Equal(added.Truncate(time.Microsecond)) || !s.UpdatedAt.IsZero() || s.Identifier != srcID ||
		s.IsAutoDeletable == nil || s.SecurityServiceUpdateSupport == nil || s.NetworkAllocationUpdateSupport == nil {
		t.Errorf("before the migration %+v", s)
	}
	start(t, c, dstHost)
	startedAt := srv.Clock().Now().UTC()
	srv.Clock().Advance(time.Second)
	if s, _ = c.GetShareServer(ctx, srcID); s.Status != manila.ShareServerStatusServerMigrating ||
		s.TaskState != manila.TaskStateMigrationStarting || !s.UpdatedAt.Equal(startedAt.Truncate(time.Microsecond)) {
		t.Errorf("after start %+v", s)
	}
	srv.Clock().Advance(time.Minute) // copying
	p, err := c.GetMigrationProgress(ctx, srcID)
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.GetShareServer(ctx, p.DestinationShareServerID)
	if err != nil || d.Status != manila.ShareServerStatusServerMigratingTo || d.Host != dstHost || d.SourceShareServerID != srcID ||
		d.TaskState != manila.TaskStateMigrationDriverInProgress ||
		!d.CreatedAt.Equal(startedAt.Add(10*time.Second).Truncate(time.Microsecond)) {
		t.Errorf("destination while copying %+v %v", d, err)
	}
	// The destination answers progress with 400 like any share server
	// that is not a migrating source.
	_, err = c.GetMigrationProgress(ctx, p.DestinationShareServerID)
	apiError(t, err, http.StatusBadRequest, manilatest.FaultBadRequest)
	_, err = c.GetShareServer(ctx, otherID)
	apiError(t, err, http.StatusNotFound, manilatest.FaultNotFound)
	// The test's four reads and StartMigration's own.
	if srv.Calls(manilatest.OpGetShareServer) != 5 {
		t.Errorf("reads %d", srv.Calls(manilatest.OpGetShareServer))
	}
}
