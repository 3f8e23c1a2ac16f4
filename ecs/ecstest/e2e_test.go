package ecstest_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/ecs"
	"github.com/cloudmigrate/cloudmigrate/ecs/ecstest"
	"github.com/cloudmigrate/cloudmigrate/internal/fake/faketest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

const (
	serverA = "7a9e1c2b-3d4f-4a5b-8c6d-7e8f9a0b1c2d"
	serverB = "9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f"
	hostA   = "459a2b9d-804a-4745-ab19-a113bb1b4ddc"
	hostB   = "5c3e8f10-2b7d-4e91-a6c4-0d9f7e2a1b3c"
	noHost  = "0000aaaa-1111-4222-8333-444455556666"
)

// fastRetry keeps the SDK's retry waits tiny.
var fastRetry = cloudmigrate.WithRetryWait(time.Millisecond, 2*time.Millisecond)

// newFake starts a fake with two hosts and returns it with a client signed
// for it.
func newFake(t *testing.T, opts ...ecstest.Option) (*ecstest.Server, *ecs.Client) {
	t.Helper()
	srv := ecstest.NewServer(opts...)
	t.Cleanup(srv.Close)
	srv.AddHost(hostA, hostB)
	return srv, newClient(t, srv, srv.ProjectID(), srv.Authorizer())
}

func newClient(t *testing.T, srv *ecstest.Server, project string, authz auth.Authorizer, opts ...cloudmigrate.Option) *ecs.Client {
	t.Helper()
	c, err := ecs.NewClient(srv.URL(), project, authz, append([]cloudmigrate.Option{fastRetry}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// stepping returns wait options that poll quickly and move the fake's clock
// by step after every poll, and the list of status words seen.
func stepping(srv *ecstest.Server, step time.Duration) ([]jobs.Option, *[]jobs.Status) {
	return faketest.Stepping(srv.Clock(), step)
}

func mustState(t *testing.T, srv *ecstest.Server, id string) ecstest.ServerInfo {
	t.Helper()
	info, ok := srv.ServerState(id)
	if !ok {
		t.Fatalf("server %s missing", id)
	}
	return info
}

// apiError asserts err is a *cloudmigrate.Error with status and code and a
// request ID, and returns it.
func apiError(t *testing.T, err error, status int, code string) *cloudmigrate.Error {
	t.Helper()
	return faketest.APIError(t, err, status, code, "req-ecs-")
}

func TestMigrateBetweenHostsAndThePublicPool(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	srv.AddServer(ecstest.ServerInfo{ID: serverA, Status: ecstest.StatusShutoff})

	// Public pool -> host A.
	res, err := c.ColdMigrate(ctx, serverA, &ecs.ColdMigrateOptions{DedicatedHostID: hostA})
	if err != nil {
		t.Fatal(err)
	}
	if res.ID() == "" || res.Done() {
		t.Fatalf("handle %+v", res.Token())
	}
	if info := mustState(t, srv, serverA); info.HostID != "" || info.MigrationJobID != res.ID() {
		t.Fatalf("before the job ends: %+v", info)
	}
	opts, seen := stepping(srv, time.Minute)
	job, err := c.WaitForJob(ctx, res.ID(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	if job.Status != ecs.JobSuccess || job.ID != res.ID() || job.Entities.ServerID != serverA ||
		job.Entities.SubJobsTotal != 1 || len(job.Entities.SubJobs) != 1 || job.Entities.SubJobs[0].Status != ecs.JobSuccess ||
		job.BeginTime.IsZero() || job.EndTime.IsZero() || job.ErrorCode != "" || job.FailReason != "" {
		t.Errorf("final job %+v", job)
	}
	// Clock at 0, 1m, 2m, 3m; INIT lasts 5s and RUNNING 2m.
	var words []string
	var progress []int
	for _, st := range *seen {
		words = append(words, st.Word)
		progress = append(progress, st.Progress)
	}
	if got, want := words, []string{"INIT", "RUNNING", "RUNNING", "SUCCESS"}; !equal(got, want) {
		t.Errorf("words %v, want %v", got, want)
	}
	if got, want := progress, []int{jobs.ProgressUnknown, 0, 0, 100}; !equal(got, want) {
		t.Errorf("progress %v, want %v", got, want)
	}
	if info := mustState(t, srv, serverA); info.HostID != hostA || info.Status != ecstest.StatusShutoff || info.MigrationJobID != "" {
		t.Errorf("after the job: %+v", info)
	}

	// Host A -> host B.
	res, err = c.ColdMigrate(ctx, serverA, &ecs.ColdMigrateOptions{DedicatedHostID: hostB})
	if err != nil {
		t.Fatal(err)
	}
	opts, _ = stepping(srv, time.Minute)
	if _, err := c.WaitForJob(ctx, res.ID(), opts...); err != nil {
		t.Fatal(err)
	}
	if info := mustState(t, srv, serverA); info.HostID != hostB {
		t.Errorf("after DeH to DeH: %+v", info)
	}

	// Host B -> public pool (nil options send {"migrate": null}).
	res, err = c.ColdMigrate(ctx, serverA, nil)
	if err != nil {
		t.Fatal(err)
	}
	opts, _ = stepping(srv, time.Minute)
	if _, err := c.WaitForJob(ctx, res.ID(), opts...); err != nil {
		t.Fatal(err)
	}
	if info := mustState(t, srv, serverA); info.HostID != "" {
		t.Errorf("after DeH to public pool: %+v", info)
	}
	if ids := srv.JobIDs(); len(ids) != 3 || ids[2] != res.ID() {
		t.Errorf("jobs %v", ids)
	}
	if srv.Calls(ecstest.OpColdMigrate) != 3 {
		t.Errorf("ColdMigrate calls %d", srv.Calls(ecstest.OpColdMigrate))
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

func TestHostChangesOnlyWhenTheJobSucceeds(t *testing.T) {
	srv, c := newFake(t, ecstest.WithJobDurations(10*time.Second, time.Minute))
	srv.AddServer(ecstest.ServerInfo{ID: serverA, HostID: hostA})
	res, err := c.ColdMigrate(context.Background(), serverA, &ecs.ColdMigrateOptions{DedicatedHostID: hostB})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		advance time.Duration
		status  ecs.JobStatus
		host    string
	}{
		{0, ecs.JobInit, hostA},
		{10*time.Second - time.Millisecond, ecs.JobInit, hostA},
		{time.Millisecond, ecs.JobRunning, hostA},
		{time.Minute - time.Millisecond, ecs.JobRunning, hostA},
		{time.Millisecond, ecs.JobSuccess, hostB},
		{time.Hour, ecs.JobSuccess, hostB},
	}
	for i, s := range steps {
		srv.Clock().Advance(s.advance)
		job, err := c.GetJob(context.Background(), res.ID())
		if err != nil {
			t.Fatal(err)
		}
		if job.Status != s.status {
			t.Errorf("step %d: status %s, want %s", i, job.Status, s.status)
		}
		if info := mustState(t, srv, serverA); info.HostID != s.host {
			t.Errorf("step %d: host %s, want %s", i, info.HostID, s.host)
		}
		if fj, ok := srv.Job(res.ID()); !ok || fj.Status != s.status {
			t.Errorf("step %d: Job() = %+v, %v", i, fj, ok)
		}
	}
}

func TestRefusedMigrationsChangeNothing(t *testing.T) {
	cases := []struct {
		name   string
		server ecstest.ServerInfo
		target string
		status int
		code   string
	}{
		{"unknown server (found by the read before the start)", ecstest.ServerInfo{ID: serverB}, hostA, 404, ecs.CodeServerNotFound},
		{"running server", ecstest.ServerInfo{ID: serverA, Status: ecstest.StatusActive, HostID: hostA}, hostB, 400, ecs.CodeServerNotStopped},
		{"same host", ecstest.ServerInfo{ID: serverA, HostID: hostA}, hostA, 400, ecs.CodeSameHost},
		{"locked", ecstest.ServerInfo{ID: serverA, HostID: hostA, Locked: true}, hostB, 400, ecs.CodeServerLocked},
		{"unknown host", ecstest.ServerInfo{ID: serverA, HostID: hostA}, noHost, 400, ecstest.CodeInvalidParameter},
		{"public pool to public pool", ecstest.ServerInfo{ID: serverA}, "", 400, ecstest.CodeInvalidParameter},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, c := newFake(t)
			// The unknown-server case adds serverA and asks for serverB.
			seeded := tc.server
			if tc.code == ecs.CodeServerNotFound {
				seeded.ID = serverA
			}
			srv.AddServer(seeded)
			before := mustState(t, srv, serverA)
			_, err := c.ColdMigrate(context.Background(), tc.server.ID, &ecs.ColdMigrateOptions{DedicatedHostID: tc.target})
			apiError(t, err, tc.status, tc.code)
			if after := mustState(t, srv, serverA); after != before {
				t.Errorf("state changed: %+v -> %+v", before, after)
			}
			if ids := srv.JobIDs(); len(ids) != 0 {
				t.Errorf("jobs created: %v", ids)
			}
			want := 1 // refusals are not resent
			if tc.code == ecs.CodeServerNotFound {
				want = 0 // GetServer already said so
			}
			if n := srv.Calls(ecstest.OpColdMigrate); n != want {
				t.Errorf("calls %d, want %d", n, want)
			}
			if n := srv.Calls(ecstest.OpGetServer); n != 1 {
				t.Errorf("GetServer calls %d, want 1", n)
			}
		})
	}
}

func TestStopThenMigrateAndUnlock(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	srv.AddServer(ecstest.ServerInfo{ID: serverA, Status: ecstest.StatusActive, HostID: hostA, Locked: true})
	opts := &ecs.ColdMigrateOptions{DedicatedHostID: hostB}
	_, err := c.ColdMigrate(ctx, serverA, opts)
	apiError(t, err, 400, ecs.CodeServerLocked)
	if err := srv.UnlockServer(serverA); err != nil {
		t.Fatal(err)
	}
	_, err = c.ColdMigrate(ctx, serverA, opts)
	apiError(t, err, 400, ecs.CodeServerNotStopped)
	if err := srv.StopServer(serverA); err != nil {
		t.Fatal(err)
	}
	res, err := c.ColdMigrate(ctx, serverA, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.StartServer(serverA); err == nil {
		t.Error("StartServer during a migration succeeded")
	}
	srv.Clock().Advance(time.Hour)
	if err := srv.StartServer(serverA); err != nil {
		t.Fatal(err)
	}
	if info := mustState(t, srv, serverA); info.Status != ecstest.StatusActive || info.HostID != hostB {
		t.Errorf("state %+v", info)
	}
	if err := srv.LockServer(serverA); err != nil {
		t.Fatal(err)
	}
	if !mustState(t, srv, serverA).Locked {
		t.Error("LockServer did not lock")
	}
	if job, _ := srv.Job(res.ID()); job.Status != ecs.JobSuccess {
		t.Errorf("job %+v", job)
	}
	for _, f := range []func(string) error{srv.StopServer, srv.StartServer, srv.LockServer, srv.UnlockServer} {
		if f(serverB) == nil {
			t.Error("state change of an unknown server succeeded")
		}
	}
	if _, ok := srv.ServerState(serverB); ok {
		t.Error("ServerState of an unknown server")
	}
}

// A second start while the first job is still INIT cannot be seen on the
// server, so it is sent, and the service refuses it as busy.
func TestSecondMigrationWhileOneRunsIsBusy(t *testing.T) {
	srv := ecstest.NewServer()
	defer srv.Close()
	srv.AddServer(ecstest.ServerInfo{ID: serverA, HostID: hostA})
	srv.AddHost(hostB)
	c := newClient(t, srv, srv.ProjectID(), srv.Authorizer(), cloudmigrate.WithRetry(1))
	ctx := context.Background()
	first, err := c.ColdMigrate(ctx, serverA, &ecs.ColdMigrateOptions{DedicatedHostID: hostB})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ColdMigrate(ctx, serverA, nil)
	e := apiError(t, err, http.StatusNotImplemented, ecs.CodeBusy)
	if e.Attempts != 2 || srv.Calls(ecstest.OpColdMigrate) != 3 {
		t.Errorf("busy answer: %d attempts, %d calls; want 2 and 3", e.Attempts, srv.Calls(ecstest.OpColdMigrate))
	}
	srv.Clock().Advance(ecstest.DefaultInitDuration + ecstest.DefaultRunningDuration)
	second, err := c.ColdMigrate(ctx, serverA, nil)
	if err != nil {
		t.Fatal(err)
	}
	if second.ID() == first.ID() {
		t.Error("the same job ID twice")
	}
	if ids := srv.JobIDs(); len(ids) != 2 {
		t.Errorf("jobs %v", ids)
	}
}

func TestFailingJob(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	srv.AddServer(ecstest.ServerInfo{ID: serverA, HostID: hostA})
	const reason = "the target host has no room for the flavor"
	srv.FailNextMigrations(1, "Ecs.0319", reason)

	res, err := c.ColdMigrate(ctx, serverA, &ecs.ColdMigrateOptions{DedicatedHostID: hostB})
	if err != nil {
		t.Fatal(err)
	}
	opts, seen := stepping(srv, time.Minute)
	job, err := c.WaitForJob(ctx, res.ID(), opts...)
	var fe *jobs.FailedError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T), want *jobs.FailedError", err, err)
	}
	if fe.Status.State != jobs.Failed || fe.Status.Word != "FAIL" || fe.Status.Code != "Ecs.0319" || fe.Status.Message != reason {
		t.Errorf("status %+v", fe.Status)
	}
	fj, ok := fe.Job.(*ecs.Job)
	if !ok || fj != job {
		t.Fatalf("FailedError.Job = %T, want the returned *ecs.Job", fe.Job)
	}
	if job.Status != ecs.JobFail || job.ErrorCode != "Ecs.0319" || job.FailReason != reason || job.EndTime.IsZero() ||
		job.Code != ecstest.CodeSubJobFailed || job.Message != ecstest.SubJobFailedMessage {
		t.Errorf("job %+v", job)
	}
	sub := job.Entities.SubJobs[0]
	if sub.Status != ecs.JobFail || sub.ErrorCode != "Ecs.0319" || sub.FailReason != reason ||
		sub.Entities.ErrorCodeMessage != reason || sub.Entities.ServerID != serverA {
		t.Errorf("sub-job %+v", sub)
	}
	if last := (*seen)[len(*seen)-1]; last.Progress != 100 {
		t.Errorf("final progress %d", last.Progress)
	}
	if info := mustState(t, srv, serverA); info.HostID != hostA || info.MigrationJobID != "" {
		t.Errorf("a failed migration moved the server: %+v", info)
	}

	// The failure was used up: the next migration succeeds.
	res, err = c.ColdMigrate(ctx, serverA, &ecs.ColdMigrateOptions{DedicatedHostID: hostB})
	if err != nil {
		t.Fatal(err)
	}
	opts, _ = stepping(srv, time.Minute)
	if _, err := c.WaitForJob(ctx, res.ID(), opts...); err != nil {
		t.Fatal(err)
	}
	if info := mustState(t, srv, serverA); info.HostID != hostB {
		t.Errorf("after the retry: %+v", info)
	}
}

func TestFailNextMigrationsDefaultsAndCancel(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	srv.AddServer(ecstest.ServerInfo{ID: serverA, HostID: hostA})
	srv.AddServer(ecstest.ServerInfo{ID: serverB, HostID: hostA})
	srv.FailNextMigrations(2, "", "")
	srv.FailNextMigrations(0, "", "") // cancels both
	srv.FailNextMigrations(1, "", "")

	a, err := c.ColdMigrate(ctx, serverA, &ecs.ColdMigrateOptions{DedicatedHostID: hostB})
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.ColdMigrate(ctx, serverB, &ecs.ColdMigrateOptions{DedicatedHostID: hostB})
	if err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(time.Hour)
	ja, _ := c.GetJob(ctx, a.ID())
	jb, _ := c.GetJob(ctx, b.ID())
	if ja.Status != ecs.JobFail || ja.ErrorCode != ecstest.CodeNoCapacity || ja.FailReason == "" {
		t.Errorf("first job %+v", ja)
	}
	if jb.Status != ecs.JobSuccess {
		t.Errorf("second job %+v", jb)
	}
}

func TestDroppedMigrateIsSentOnceAndHasNoEffect(t *testing.T) {
	srv, c := newFake(t)
	srv.AddServer(ecstest.ServerInfo{ID: serverA, HostID: hostA})
	srv.DropNext(ecstest.OpColdMigrate, 1)
	_, err := c.ColdMigrate(context.Background(), serverA, &ecs.ColdMigrateOptions{DedicatedHostID: hostB})
	if err == nil {
		t.Fatal("a dropped connection gave no error")
	}
	var apiErr *cloudmigrate.Error
	if errors.As(err, &apiErr) {
		t.Errorf("dropped connection reported as a service answer: %v", err)
	}
	if n := srv.Calls(ecstest.OpColdMigrate); n != 1 {
		t.Errorf("ColdMigrate received %d times, want 1", n)
	}
	if ids := srv.JobIDs(); len(ids) != 0 {
		t.Errorf("jobs %v", ids)
	}
	if info := mustState(t, srv, serverA); info.HostID != hostA || info.MigrationJobID != "" {
		t.Errorf("state %+v", info)
	}
}

func TestThrottlingIsAbsorbed(t *testing.T) {
	srv, c := newFake(t)
	srv.AddServer(ecstest.ServerInfo{ID: serverA, HostID: hostA})
	srv.Throttle(ecstest.OpColdMigrate, 2, 0)
	res, err := c.ColdMigrate(context.Background(), serverA, &ecs.ColdMigrateOptions{DedicatedHostID: hostB})
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.Calls(ecstest.OpColdMigrate); n != 3 {
		t.Errorf("calls %d, want 3", n)
	}
	if ids := srv.JobIDs(); len(ids) != 1 || ids[0] != res.ID() {
		t.Errorf("jobs %v", ids)
	}
}

func TestThrottlingBeyondRetriesIsAPIGW0308(t *testing.T) {
	srv := ecstest.NewServer()
	defer srv.Close()
	c := newClient(t, srv, srv.ProjectID(), srv.Authorizer(), cloudmigrate.WithRetry(0))
	srv.Throttle(ecstest.OpGetJob, 1, 2*time.Second)
	_, err := c.GetJob(context.Background(), "ff80808290000000000000000000001")
	e := apiError(t, err, http.StatusTooManyRequests, ecstest.CodeThrottled)
	if !cloudmigrate.IsThrottled(err) || e.RetryAfter != 2*time.Second {
		t.Errorf("throttle error %+v", e)
	}
}

func TestPollErrorsAreTolerated(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	srv.AddServer(ecstest.ServerInfo{ID: serverA, HostID: hostA})
	res, err := c.ColdMigrate(ctx, serverA, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv.FailNext(ecstest.OpGetJob, 3, http.StatusServiceUnavailable)
	opts, seen := stepping(srv, time.Minute)
	job, err := c.WaitForJob(ctx, res.ID(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	if job.Status != ecs.JobSuccess {
		t.Errorf("job %+v", job)
	}
	if got, want := srv.Calls(ecstest.OpGetJob), len(*seen)+3; got != want {
		t.Errorf("GetJob calls %d, want %d (polls plus the 3 failures)", got, want)
	}
	if info := mustState(t, srv, serverA); info.HostID != "" {
		t.Errorf("state %+v", info)
	}
}

func TestUnknownJob(t *testing.T) {
	srv, c := newFake(t)
	_, err := c.GetJob(context.Background(), "ff80808290000000000000000000099")
	apiError(t, err, http.StatusNotFound, ecstest.CodeInvalidParameter)
	if !cloudmigrate.IsNotFound(err) {
		t.Error("IsNotFound false")
	}
	if _, ok := srv.Job("ff80808290000000000000000000099"); ok {
		t.Error("Job() found an unknown job")
	}
}

func TestBadCredentials(t *testing.T) {
	srv := ecstest.NewServer()
	defer srv.Close()
	srv.AddServer(ecstest.ServerInfo{ID: serverA, HostID: hostA})
	srv.AddHost(hostB)
	cases := []struct {
		name    string
		project string
		authz   auth.Authorizer
	}{
		{"wrong secret key", srv.ProjectID(), auth.NewAKSK(srv.AccessKey(), "not-the-secret-key")},
		{"unknown access key", srv.ProjectID(), auth.NewAKSK("UNKNOWNACCESSKEY0000", srv.SecretKey())},
		{"another project", "0123456789abcdef0123456789abcdef", srv.Authorizer()},
		{"not signed", srv.ProjectID(), nil},
		{"token instead of a signature", srv.ProjectID(), auth.StaticToken("some-token")},
		{"signed 20 minutes ago", srv.ProjectID(), auth.NewAKSK(srv.AccessKey(), srv.SecretKey(),
			auth.WithClock(func() time.Time { return time.Now().Add(-20 * time.Minute) }))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv.ResetCalls()
			c := newClient(t, srv, tc.project, tc.authz)
			_, err := c.ColdMigrate(context.Background(), serverA, &ecs.ColdMigrateOptions{DedicatedHostID: hostB})
			apiError(t, err, http.StatusUnauthorized, ecstest.CodeBadSignature)
			if !cloudmigrate.IsUnauthorized(err) {
				t.Error("IsUnauthorized false")
			}
			// The read before the start is refused; the start is not sent.
			if srv.Calls(ecstest.OpGetServer) != 1 || srv.Calls(ecstest.OpColdMigrate) != 0 || len(srv.JobIDs()) != 0 {
				t.Errorf("calls %v, jobs %v", srv.AllCalls(), srv.JobIDs())
			}
		})
	}
}

func TestSignatureWindowFollowsRealTimeNotTheJobClock(t *testing.T) {
	srv, c := newFake(t)
	srv.AddServer(ecstest.ServerInfo{ID: serverA, HostID: hostA})
	srv.Clock().Advance(72 * time.Hour)
	res, err := c.ColdMigrate(context.Background(), serverA, nil)
	if err != nil {
		t.Fatalf("after moving the job clock: %v", err)
	}
	srv.Clock().Advance(72 * time.Hour)
	if _, err := c.GetJob(context.Background(), res.ID()); err != nil {
		t.Fatal(err)
	}
}

func TestWithoutAuthAndOwnCredentials(t *testing.T) {
	open := ecstest.NewServer(ecstest.WithoutAuth())
	defer open.Close()
	open.AddServer(ecstest.ServerInfo{ID: serverA, HostID: hostA})
	c := newClient(t, open, open.ProjectID(), nil)
	if _, err := c.ColdMigrate(context.Background(), serverA, nil); err != nil {
		t.Fatal(err)
	}

	const ak, sk, project = "OWNACCESSKEY00000001", "own-secret-key-0000000000000000000000001", "00112233445566778899aabbccddeeff"
	own := ecstest.NewServer(ecstest.WithCredentials(ak, sk, project))
	defer own.Close()
	if own.AccessKey() != ak || own.SecretKey() != sk || own.ProjectID() != project {
		t.Fatalf("credentials %s %s %s", own.AccessKey(), own.SecretKey(), own.ProjectID())
	}
	own.AddServer(ecstest.ServerInfo{ID: serverA, HostID: hostA})
	c = newClient(t, own, project, auth.NewAKSK(ak, sk))
	if _, err := c.ColdMigrate(context.Background(), serverA, nil); err != nil {
		t.Fatal(err)
	}
	c = newClient(t, own, project, auth.NewAKSK(ecstest.DefaultAccessKey, ecstest.DefaultSecretKey))
	_, err := c.GetJob(context.Background(), own.JobIDs()[0])
	apiError(t, err, http.StatusUnauthorized, ecstest.CodeBadSignature)
}

func TestRealTimeClock(t *testing.T) {
	// 3 s of job time at 600x is 5 ms of real time.
	srv, c := newFake(t, ecstest.WithRealTime(600), ecstest.WithJobDurations(time.Second, 2*time.Second))
	srv.AddServer(ecstest.ServerInfo{ID: serverA, HostID: hostA})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := c.ColdMigrate(ctx, serverA, nil)
	if err != nil {
		t.Fatal(err)
	}
	job, err := c.WaitForJob(ctx, res.ID(), jobs.WithInterval(time.Millisecond, 2*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if job.Status != ecs.JobSuccess || mustState(t, srv, serverA).HostID != "" {
		t.Errorf("job %+v, state %+v", job, mustState(t, srv, serverA))
	}
}

func TestNewServerRejectsBadOptions(t *testing.T) {
	for name, opt := range map[string]ecstest.Option{
		"empty credentials": ecstest.WithCredentials("", "sk", "p"),
		"negative duration": ecstest.WithJobDurations(-time.Second, time.Second),
		"negative speed":    ecstest.WithRealTime(-1),
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			srv := ecstest.NewServer(opt)
			srv.Close()
		})
	}
}
