package ecs_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/ecs"
	"github.com/cloudmigrate/cloudmigrate/ecs/ecstest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

const (
	opServer  = "7a9e1c2b-3d4f-4a5b-8c6d-7e8f9a0b1c2d"
	opServer2 = "9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f"
	opHostA   = "459a2b9d-804a-4745-ab19-a113bb1b4ddc"
	opHostB   = "5c3e8f10-2b7d-4e91-a6c4-0d9f7e2a1b3c"
)

// opFake starts a fake with hosts A and B and a stopped server on A, and
// returns it with a client.
func opFake(t *testing.T, opts ...ecstest.Option) (*ecstest.Server, *ecs.Client) {
	t.Helper()
	srv := ecstest.NewServer(opts...)
	t.Cleanup(srv.Close)
	srv.AddHost(opHostA, opHostB)
	srv.AddServer(ecstest.ServerInfo{ID: opServer, HostID: opHostA})
	c, err := ecs.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer(),
		cloudmigrate.WithRetryWait(time.Millisecond, 2*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// calls returns the fake's count of each operation since the last call,
// and resets them.
func calls(srv *ecstest.Server) map[string]int {
	m := srv.AllCalls()
	srv.ResetCalls()
	return m
}

// sameCalls reports whether got and want hold the same counts, zero
// counts left out.
func sameCalls(got, want map[string]int) bool {
	for k, v := range got {
		if v != want[k] {
			return false
		}
	}
	for k, v := range want {
		if v != got[k] {
			return false
		}
	}
	return true
}

// poll polls op once and checks its state and what the poll sent.
func poll(t *testing.T, srv *ecstest.Server, op *jobs.Operation[*ecs.Job], state jobs.State, want map[string]int) jobs.Status {
	t.Helper()
	st, err := op.Poll(context.Background())
	if st.State != state {
		t.Fatalf("poll: %+v, %v; want state %v", st, err, state)
	}
	if state == jobs.Succeeded && err != nil {
		t.Fatalf("poll: %v", err)
	}
	if got := calls(srv); !sameCalls(got, want) {
		t.Errorf("poll in state %v sent %v, want %v", state, got, want)
	}
	return st
}

var (
	jobOnly    = map[string]int{ecstest.OpGetJob: 1}
	jobServer  = map[string]int{ecstest.OpGetJob: 1, ecstest.OpGetServer: 1}
	serverOnly = map[string]int{ecstest.OpGetServer: 1}
	jobList    = map[string]int{ecstest.OpGetJob: 1, ecstest.OpListServers: 1}
	nothing    = map[string]int{}
)

// One poll of a cold migration's handle costs one request while the job
// runs and two at its end, and nothing once the handle has ended; the
// handle succeeds only with the server on the target.
func TestColdMigrateRequestsPerPoll(t *testing.T) {
	srv, c := opFake(t, ecstest.WithDurations(ecstest.Durations{Init: 10 * time.Second, Running: time.Minute, Action: ecstest.DefaultActionDuration}))
	ctx := context.Background()
	op, err := c.ColdMigrate(ctx, opServer, &ecs.ColdMigrateOptions{DedicatedHostID: opHostB})
	if err != nil {
		t.Fatal(err)
	}
	if got := calls(srv); !sameCalls(got, map[string]int{ecstest.OpGetServer: 1, ecstest.OpColdMigrate: 1}) {
		t.Errorf("start sent %v", got)
	}
	if st := poll(t, srv, op, jobs.Pending, jobOnly); st.Word != "INIT" {
		t.Errorf("word %q", st.Word)
	}
	srv.Clock().Advance(10 * time.Second)
	poll(t, srv, op, jobs.Running, jobOnly)
	srv.Clock().Advance(time.Minute)
	st := poll(t, srv, op, jobs.Succeeded, jobServer)
	if st.Word != "SUCCESS" || st.Progress != 100 {
		t.Errorf("final status %+v", st)
	}
	for range 2 {
		poll(t, srv, op, jobs.Succeeded, nothing)
	}
	job, err := op.Wait(ctx)
	if err != nil || job == nil || job.ID != op.ID() || job.Status != ecs.JobSuccess {
		t.Fatalf("Wait after the end: %+v, %v", job, err)
	}
	if got := calls(srv); len(got) != 0 {
		t.Errorf("Wait after the end sent %v", got)
	}
	if s, _ := srv.ServerState(opServer); s.HostID != opHostB {
		t.Errorf("server %+v", s)
	}
	if err := op.Abort(ctx); !errors.Is(err, jobs.ErrCannotAbort) {
		t.Errorf("Abort: %v, want jobs.ErrCannotAbort", err)
	}
}

// A job that reports SUCCESS before the server has settled: the handle
// keeps polling the server alone (one request a poll) until it has.
func TestColdMigrateWaitsForTheServerToSettle(t *testing.T) {
	srv, c := opFake(t, ecstest.WithDurations(ecstest.Durations{Running: time.Minute, Action: ecstest.DefaultActionDuration}), ecstest.WithSettleDelay(time.Minute))
	op, err := c.ColdMigrate(context.Background(), opServer, &ecs.ColdMigrateOptions{DedicatedHostID: opHostB})
	if err != nil {
		t.Fatal(err)
	}
	calls(srv)
	srv.Clock().Advance(time.Minute)
	if st := poll(t, srv, op, jobs.Running, jobServer); st.Word != ecstest.TaskResizeFinish {
		t.Errorf("word %q, want the server's task state", st.Word)
	}
	if _, v := op.Result(); v == nil || !errors.Is(v, jobs.ErrNotDone) {
		t.Errorf("Result before the end: %v", v)
	}
	poll(t, srv, op, jobs.Running, serverOnly)
	srv.Clock().Advance(time.Minute)
	poll(t, srv, op, jobs.Succeeded, serverOnly)
	if job, err := op.Result(); err != nil || job.Status != ecs.JobSuccess {
		t.Errorf("Result %+v, %v", job, err)
	}
}

// A job that reports SUCCESS while the server stayed where it was is a
// failure that says where the server is.
func TestColdMigrateSuccessWithoutArrivalFails(t *testing.T) {
	srv, c := opFake(t)
	srv.StrandNextMigrations(1, "")
	ctx := context.Background()
	op, err := c.ColdMigrate(ctx, opServer, &ecs.ColdMigrateOptions{DedicatedHostID: opHostB})
	if err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(time.Hour)
	job, err := op.Wait(ctx)
	var failed *jobs.FailedError
	if !errors.As(err, &failed) {
		t.Fatalf("Wait: %v, want a *jobs.FailedError", err)
	}
	want := "job " + op.ID() + " reported SUCCESS but server " + opServer + " is on dedicated host " + opHostA +
		", not on dedicated host " + opHostB
	if failed.Status.State != jobs.Failed || failed.Status.Word != "SUCCESS" || failed.Status.Message != want {
		t.Errorf("status %+v\nwant message %q", failed.Status, want)
	}
	if failed.Job != job || job == nil || job.Status != ecs.JobSuccess {
		t.Errorf("FailedError.Job %v, result %+v", failed.Job, job)
	}

	// Left in ERROR: the server's fault is the reason.
	srv.StrandNextMigrations(1, "disk copy failed")
	op, err = c.ColdMigrate(ctx, opServer, &ecs.ColdMigrateOptions{DedicatedHostID: opHostB})
	if err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(time.Hour)
	_, err = op.Wait(ctx)
	want = "job " + op.ID() + " reported SUCCESS but server " + opServer + " is in ERROR: disk copy failed"
	if !errors.As(err, &failed) || failed.Status.Code != "500" || failed.Status.Word != "SUCCESS" || failed.Status.Message != want {
		t.Errorf("ERROR server: %v (%+v)", err, failed)
	}
}

// A failed job's reason is the failed sub-job's, and a target without
// room fails the job with the capacity code.
func TestColdMigrateFailureReasons(t *testing.T) {
	srv, c := opFake(t)
	ctx := context.Background()
	srv.FailNextMigrations(1, "Ecs.0319", "no NUMA node has room")
	op, err := c.ColdMigrate(ctx, opServer, &ecs.ColdMigrateOptions{DedicatedHostID: opHostB})
	if err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(time.Hour)
	job, err := op.Wait(ctx)
	var failed *jobs.FailedError
	if !errors.As(err, &failed) || failed.Status.Word != "FAIL" || failed.Status.Code != "Ecs.0319" ||
		failed.Status.Message != "no NUMA node has room" || failed.Job != job {
		t.Fatalf("Wait: %v (%+v)", err, failed)
	}
	if got := calls(srv)[ecstest.OpGetServer]; got != 1 {
		t.Errorf("GetServer calls %d, want 1 (the read before the start only)", got)
	}

	srv.AddDedicatedHost(ecstest.HostInfo{ID: "deh-small", VCPUs: 1, Memory: 2048})
	op, err = c.ColdMigrate(ctx, opServer, &ecs.ColdMigrateOptions{DedicatedHostID: "deh-small"})
	if err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(time.Hour)
	_, err = op.Wait(ctx)
	if !errors.As(err, &failed) || failed.Status.Code != ecstest.CodeNoCapacity ||
		!strings.Contains(failed.Status.Message, "deh-small has 1 vCPUs and 2048 MiB free") {
		t.Fatalf("capacity: %v (%+v)", err, failed)
	}
	if s, _ := srv.ServerState(opServer); s.HostID != opHostA {
		t.Errorf("server moved: %+v", s)
	}
}

// A start of a server that is already moving sends no start: it returns
// a handle that follows the move from the server alone, and
// ErrInProgress.
func TestColdMigrateAdoptsTheMoveInFlight(t *testing.T) {
	srv, c := opFake(t)
	ctx := context.Background()
	first, err := c.ColdMigrate(ctx, opServer, &ecs.ColdMigrateOptions{DedicatedHostID: opHostB})
	if err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(time.Minute) // RUNNING: the server shows RESIZE
	calls(srv)

	op, err := c.ColdMigrate(ctx, opServer, &ecs.ColdMigrateOptions{DedicatedHostID: opHostB})
	var inProgress *cloudmigrate.InProgressError
	if !errors.Is(err, cloudmigrate.ErrInProgress) || !errors.As(err, &inProgress) || op == nil {
		t.Fatalf("second start: %v, %v", op, err)
	}
	if inProgress.Resource != "server "+opServer || inProgress.Evidence != "status RESIZE, task_state resize_migrating" {
		t.Errorf("InProgressError %+v", inProgress)
	}
	if got := calls(srv); !sameCalls(got, serverOnly) {
		t.Errorf("the adopting start sent %v, want only the read", got)
	}
	if op.ID() != "" {
		t.Errorf("adopted handle has job ID %q; ECS does not tell it", op.ID())
	}
	tok := op.Token()
	if tok.Kind != "cold-migrate" || tok.Target != opHostB || tok.Source != opHostA {
		t.Errorf("token %+v", tok)
	}
	poll(t, srv, op, jobs.Running, serverOnly)
	srv.Clock().Advance(time.Hour)
	st := poll(t, srv, op, jobs.Succeeded, serverOnly)
	if st.Word != ecstest.StatusShutoff {
		t.Errorf("word %q", st.Word)
	}
	if job, err := op.Result(); job != nil || err != nil {
		t.Errorf("adopted result %+v, %v; want no job and no error", job, err)
	}
	if n := len(srv.JobIDs()); n != 1 {
		t.Errorf("%d jobs, want 1", n)
	}
	if job, err := first.Wait(ctx); err != nil || job.Status != ecs.JobSuccess {
		t.Errorf("first handle: %+v, %v", job, err)
	}
}

// An adopted move that ends elsewhere than asked is a failure saying so.
func TestAdoptedMoveThatEndsElsewhereFails(t *testing.T) {
	srv, c := opFake(t)
	ctx := context.Background()
	if _, err := c.ColdMigrate(ctx, opServer, &ecs.ColdMigrateOptions{DedicatedHostID: opHostB}); err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(time.Minute)
	op, err := c.ColdMigrate(ctx, opServer, nil) // asks for the pool
	if !errors.Is(err, cloudmigrate.ErrInProgress) {
		t.Fatal(err)
	}
	srv.Clock().Advance(time.Hour)
	_, err = op.Wait(ctx)
	var failed *jobs.FailedError
	want := "the migration in flight ended but server " + opServer + " is on dedicated host " + opHostB +
		", not in the public resource pool"
	if !errors.As(err, &failed) || failed.Status.Message != want {
		t.Errorf("Wait: %v, want %q", err, want)
	}
}

// A handle rebuilt from a token in a new client follows the migration to
// its end; the resume itself sends nothing, and no second start is ever
// sent.
func TestResumeColdMigration(t *testing.T) {
	srv, c := opFake(t)
	ctx := context.Background()
	op, err := c.ColdMigrate(ctx, opServer, &ecs.ColdMigrateOptions{DedicatedHostID: opHostB})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := op.ResumeToken()
	if err != nil || !strings.HasPrefix(tok, "cmop1.") {
		t.Fatalf("token %q, %v", tok, err)
	}
	calls(srv)
	later, err := ecs.NewClient(srv.URL()+"/", srv.ProjectID(), srv.Authorizer())
	if err != nil {
		t.Fatal(err)
	}
	resumed, err := later.ResumeColdMigration(tok)
	if err != nil {
		t.Fatal(err)
	}
	if got := calls(srv); len(got) != 0 {
		t.Errorf("resume sent %v", got)
	}
	if resumed.ID() != op.ID() || resumed.Token().Target != opHostB {
		t.Errorf("resumed %+v", resumed.Token())
	}
	opts, _ := stepping(srv)
	job, err := resumed.Wait(ctx, opts...)
	if err != nil || job.ID != op.ID() {
		t.Fatalf("Wait: %+v, %v", job, err)
	}
	if n := srv.Calls(ecstest.OpColdMigrate); n != 0 {
		t.Errorf("%d starts sent after the resume", n)
	}
	// The token of an adopted move (no job ID) resumes too.
	if _, err := c.ColdMigrate(ctx, opServer, &ecs.ColdMigrateOptions{DedicatedHostID: opHostA}); err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(time.Minute)
	adopted, err := c.ColdMigrate(ctx, opServer, &ecs.ColdMigrateOptions{DedicatedHostID: opHostA})
	if !errors.Is(err, cloudmigrate.ErrInProgress) {
		t.Fatal(err)
	}
	tok, _ = adopted.ResumeToken()
	again, err := later.ResumeColdMigration(tok)
	if err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(time.Hour)
	if job, err := again.Wait(ctx); err != nil || job != nil {
		t.Errorf("adopted, resumed: %+v, %v", job, err)
	}
}

// stepping returns wait options that poll fast and move the fake's clock a
// minute after every poll.
func stepping(srv *ecstest.Server) ([]jobs.Option, *[]jobs.Status) {
	var seen []jobs.Status
	return []jobs.Option{
		jobs.WithInterval(time.Millisecond, 2*time.Millisecond),
		jobs.WithProgress(func(st jobs.Status) {
			seen = append(seen, st)
			srv.Clock().Advance(time.Minute)
		}),
	}, &seen
}

// Stop, then start: each handle costs one request a poll while its job
// runs and two at the end (the job, then one listing of the servers), and
// succeeds only with every server in the status asked for.
func TestStopAndStartRequestsPerPoll(t *testing.T) {
	srv, c := opFake(t, ecstest.WithDurations(ecstest.Durations{Running: time.Minute, Action: time.Minute}))
	srv.AddServer(ecstest.ServerInfo{ID: opServer, Status: ecstest.StatusActive, HostID: opHostA})
	srv.AddServer(ecstest.ServerInfo{ID: opServer2, Status: ecstest.StatusActive})
	ctx := context.Background()
	ids := []string{opServer, opServer2}
	stop, err := c.StopServers(ctx, ids, &ecs.StopServersOptions{Type: ecs.StopHard})
	if err != nil {
		t.Fatal(err)
	}
	if got := calls(srv); !sameCalls(got, map[string]int{ecstest.OpStopServers: 1}) {
		t.Errorf("stop sent %v", got)
	}
	tok := stop.Token()
	if tok.Kind != "stop-servers" || len(tok.Resources) != 2 || tok.ID == "" || tok.ID != stop.ID() {
		t.Errorf("token %+v", tok)
	}
	poll(t, srv, stop, jobs.Running, jobOnly)
	if s, _ := srv.ServerState(opServer); s.TaskState != ecstest.TaskPoweringOff || s.Status != ecstest.StatusActive {
		t.Errorf("while stopping: %+v", s)
	}
	srv.Clock().Advance(time.Minute)
	poll(t, srv, stop, jobs.Succeeded, jobList)
	poll(t, srv, stop, jobs.Succeeded, nothing)
	for _, id := range ids {
		if s, _ := srv.ServerState(id); s.Status != ecstest.StatusShutoff || s.TaskState != "" {
			t.Errorf("after the stop: %+v", s)
		}
	}

	start, err := c.StartServers(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	calls(srv)
	poll(t, srv, start, jobs.Running, jobOnly)
	srv.Clock().Advance(time.Minute)
	job := start.Token()
	poll(t, srv, start, jobs.Succeeded, jobList)
	if j, _ := srv.Job(job.ID); j.Type != ecstest.JobTypeStart || j.Entities.SubJobsTotal != 2 {
		t.Errorf("start job %+v", j)
	}
	for _, id := range ids {
		if s, _ := srv.ServerState(id); s.Status != ecstest.StatusActive {
			t.Errorf("after the start: %+v", s)
		}
	}
}

// A stop of a server that is not running fails its sub-job; the handle's
// error carries the sub-job's code and reason, and the other server is
// stopped all the same.
func TestStopServersSubJobFailure(t *testing.T) {
	srv, c := opFake(t) // opServer is SHUTOFF
	srv.AddServer(ecstest.ServerInfo{ID: opServer2, Status: ecstest.StatusActive})
	ctx := context.Background()
	op, err := c.StopServers(ctx, []string{opServer2, opServer}, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(time.Hour)
	job, err := op.Wait(ctx)
	var failed *jobs.FailedError
	if !errors.As(err, &failed) {
		t.Fatalf("Wait: %v", err)
	}
	if failed.Status.Word != "FAIL" || failed.Status.Code != ecs.CodeServerNotStopped ||
		failed.Status.Message != "Server "+opServer+" is in status SHUTOFF and cannot be stopped." {
		t.Errorf("status %+v", failed.Status)
	}
	if job.ErrorCode != "" || job.Code != ecstest.CodeSubJobFailed || len(job.Entities.SubJobs) != 2 {
		t.Errorf("job %+v", job)
	}
	if s, _ := srv.ServerState(opServer2); s.Status != ecstest.StatusShutoff {
		t.Errorf("the running server was not stopped: %+v", s)
	}
}

// The fake keeps the states consistent: a running server cannot be
// migrated; stopped, it can; a server busy with a migration cannot be
// started until the migration has settled, and then can.
func TestStopMigrateStartOnTheFake(t *testing.T) {
	srv, c := opFake(t)
	srv.AddServer(ecstest.ServerInfo{ID: opServer, Status: ecstest.StatusActive, HostID: opHostA})
	ctx := context.Background()
	opts, _ := stepping(srv)
	target := &ecs.ColdMigrateOptions{DedicatedHostID: opHostB}
	_, err := c.ColdMigrate(ctx, opServer, target)
	var apiErr *cloudmigrate.Error
	if !errors.As(err, &apiErr) || apiErr.Code != ecs.CodeServerNotStopped {
		t.Fatalf("migrating a running server: %v", err)
	}
	stop, err := c.StopServers(ctx, []string{opServer}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stop.Wait(ctx, opts...); err != nil {
		t.Fatal(err)
	}
	op, err := c.ColdMigrate(ctx, opServer, target)
	if err != nil {
		t.Fatal(err)
	}
	busy, err := ecs.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer(), cloudmigrate.WithRetry(0))
	if err != nil {
		t.Fatal(err)
	}
	_, err = busy.StartServers(ctx, []string{opServer})
	if !errors.As(err, &apiErr) || apiErr.Code != ecs.CodeBusy {
		t.Fatalf("starting a server being migrated: %v", err)
	}
	if _, err := op.Wait(ctx, opts...); err != nil {
		t.Fatal(err)
	}
	start, err := c.StartServers(ctx, []string{opServer})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := start.Wait(ctx, opts...); err != nil {
		t.Fatal(err)
	}
	s, err := c.GetServer(ctx, opServer)
	if err != nil || s.Status != ecs.ServerActive || s.DedicatedHostID() != opHostB {
		t.Errorf("server %+v, %v", s, err)
	}
	if n := srv.Calls(ecstest.OpStartServers); n != 2 {
		t.Errorf("%d start requests, want 2 (the busy one, not resent, and the accepted one)", n)
	}
}

// A resume token that is damaged, of a newer format, or written for
// another service, endpoint, project or kind of operation is refused with
// a *cloudmigrate.ValidationError for "token", and nothing is sent.
func TestResumeRefusesForeignAndDamagedTokens(t *testing.T) {
	srv, c := opFake(t)
	ctx := context.Background()
	op, err := c.ColdMigrate(ctx, opServer, &ecs.ColdMigrateOptions{DedicatedHostID: opHostB})
	if err != nil {
		t.Fatal(err)
	}
	good := op.Token()
	srv.AddServer(ecstest.ServerInfo{ID: opServer2, Status: ecstest.StatusActive})
	stop, err := c.StopServers(ctx, []string{opServer2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	stopTok, _ := stop.ResumeToken()
	migTok, _ := op.ResumeToken()
	calls(srv)

	with := func(f func(*jobs.Token)) string {
		t := good
		t.Resources = append([]string(nil), good.Resources...)
		f(&t)
		return t.Encode()
	}
	flip := []byte(migTok)
	flip[10] ^= 0x01
	bad := map[string]string{
		"empty":          "",
		"truncated":      migTok[:len(migTok)-3],
		"altered":        string(flip),
		"newer version":  "cmop2" + migTok[len("cmop1"):],
		"other service":  with(func(t *jobs.Token) { t.Service = "nova" }),
		"other endpoint": with(func(t *jobs.Token) { t.Endpoint = "https://ecs.cn-north-4.myhuaweicloud.com" }),
		"other project":  with(func(t *jobs.Token) { t.Project = "00112233445566778899aabbccddeeff" }),
		"stop token":     stopTok,
		"two servers":    with(func(t *jobs.Token) { t.Resources = append(t.Resources, opServer2) }),
		"no server":      with(func(t *jobs.Token) { t.Resources = nil }),
	}
	for name, tok := range bad {
		if _, err := c.ResumeColdMigration(tok); !isTokenError(err) {
			t.Errorf("ResumeColdMigration with %s token: %v, want a ValidationError for token", name, err)
		}
	}
	for name, tok := range map[string]string{"migration token": migTok, "altered": string(flip), "empty": ""} {
		if _, err := c.ResumeServerAction(tok); !isTokenError(err) {
			t.Errorf("ResumeServerAction with %s: %v, want a ValidationError for token", name, err)
		}
	}
	if got := calls(srv); len(got) != 0 {
		t.Errorf("refused resumes sent %v", got)
	}
}

// The IDs a token carries go into paths and queries: they are held to the
// path-ID rule when it is resumed, before anything is sent.
func TestResumeChecksTheTokensIDs(t *testing.T) {
	srv, c := opFake(t)
	base := jobs.Token{Service: "ecs", Endpoint: c.Endpoint(), Project: c.ProjectID(), Resources: []string{opServer}, ID: "ff8080829000000000000000000000001"}
	mig, act := base, base
	mig.Kind, act.Kind = "cold-migrate", "stop-servers"
	cases := map[string]struct {
		resume func(string) (*jobs.Operation[*ecs.Job], error)
		tok    jobs.Token
	}{
		"server with a slash":   {c.ResumeColdMigration, with(mig, func(t *jobs.Token) { t.Resources = []string{"a/b"} })},
		"job ID of dots":        {c.ResumeColdMigration, with(mig, func(t *jobs.Token) { t.ID = ".." })},
		"target with a query":   {c.ResumeColdMigration, with(mig, func(t *jobs.Token) { t.Target = "h?x=1" })},
		"action server, space":  {c.ResumeServerAction, with(act, func(t *jobs.Token) { t.Resources = []string{opServer, "a b"} })},
		"action server, comma":  {c.ResumeServerAction, with(act, func(t *jobs.Token) { t.Resources = []string{"a,b"} })},
		"action without job ID": {c.ResumeServerAction, with(act, func(t *jobs.Token) { t.ID = "" })},
		"action, 101 servers": {c.ResumeServerAction, with(act, func(t *jobs.Token) {
			t.Resources = make([]string, 101)
			for i := range t.Resources {
				t.Resources[i] = "s" + strings.Repeat("0", 3) + string(rune('a'+i%26)) + string(rune('a'+i/26))
			}
		})},
	}
	for name, tc := range cases {
		if _, err := tc.resume(tc.tok.Encode()); !isTokenError(err) {
			t.Errorf("%s: %v, want a ValidationError for token", name, err)
		}
	}
	if got := calls(srv); len(got) != 0 {
		t.Errorf("refused resumes sent %v", got)
	}
	// The same token with good IDs resumes.
	if _, err := c.ResumeColdMigration(mig.Encode()); err != nil {
		t.Errorf("good token: %v", err)
	}
}

func with(t jobs.Token, f func(*jobs.Token)) jobs.Token {
	t.Resources = append([]string(nil), t.Resources...)
	f(&t)
	return t
}

func isTokenError(err error) bool {
	var ve *cloudmigrate.ValidationError
	return errors.As(err, &ve) && ve.Field == "token"
}
