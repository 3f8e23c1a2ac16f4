package modelartstest_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/modelarts"
	"github.com/cloudmigrate/cloudmigrate/modelarts/modelartstest"
)

// total is the number of requests the fake has answered, all operations
// together.
func total(srv *modelartstest.Server) int {
	n := 0
	for _, c := range srv.AllCalls() {
		n += c
	}
	return n
}

// pollCounting polls op once and returns its status, the requests the
// fake received for it, per operation, and its error.
func pollCounting(t *testing.T, srv *modelartstest.Server, op *jobs.Operation[*modelarts.Job]) (jobs.Status, map[string]int, error) {
	t.Helper()
	before := srv.AllCalls()
	st, err := op.Poll(context.Background())
	diff := map[string]int{}
	for k, v := range srv.AllCalls() {
		if d := v - before[k]; d != 0 {
			diff[k] = d
		}
	}
	return st, diff, err
}

// The requests of every poll, against the fake: one job query while the
// job runs, the job and one page of the target pool at the end.
func TestRequestsPerPoll(t *testing.T) {
	srv, c := newEnv(t)
	op, err := c.BatchMigrateNodes(context.Background(), srcPool, crossPool("node-1", "node-2"))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct {
		state jobs.State
		calls map[string]int
	}{
		{jobs.Running, map[string]int{modelartstest.OpGetJob: 1}},
		{jobs.Running, map[string]int{modelartstest.OpGetJob: 1}},
		{jobs.Succeeded, map[string]int{modelartstest.OpGetJob: 1, modelartstest.OpListPoolNodes: 1}},
	} {
		st, calls, err := pollCounting(t, srv, op)
		if err != nil || st.State != want.state || !reflect.DeepEqual(calls, want.calls) {
			t.Fatalf("poll %d: %+v %v, requests %v; want %v with %v", i+1, st, err, calls, want.state, want.calls)
		}
		srv.Clock().Advance(2 * time.Minute)
	}
	sameStates(t, "pool-dst", states(srv.PoolNodes(dstPool)), []nodeState{
		{"node-1", bigFlav, "Available", dstPool}, {"node-2", bigFlav, "Available", dstPool}, {"node-x", flavor, "Available", dstPool},
	})
}

// Without the by-ID route, the first poll costs two requests and the
// others one (the job list), two at the end.
func TestRequestsPerPollThroughTheJobList(t *testing.T) {
	srv, c := newEnv(t, modelartstest.WithoutJobByID())
	op, err := c.BatchMigrateNodes(context.Background(), srcPool, crossPool("node-1"))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []map[string]int{
		{modelartstest.OpGetJob: 1, modelartstest.OpListJobs: 1},
		{modelartstest.OpListJobs: 1},
		{modelartstest.OpListJobs: 1, modelartstest.OpListPoolNodes: 1},
	} {
		st, calls, err := pollCounting(t, srv, op)
		if err != nil || !reflect.DeepEqual(calls, want) {
			t.Fatalf("poll %d: %+v %v, requests %v; want %v", i+1, st, err, calls, want)
		}
		srv.Clock().Advance(2 * time.Minute)
	}
	if !op.Done() {
		t.Fatal("not done")
	}
	if job, err := op.Result(); err != nil || job.Source != modelarts.JobFromList {
		t.Errorf("result %+v, %v", job, err)
	}
}

// A second start of moving nodes adopts the move: no second start
// reaches the fake, and the adopted handle finishes the move.
func TestSecondStartAdopts(t *testing.T) {
	srv, c := newEnv(t)
	ctx := context.Background()
	first, err := c.BatchMigrateNodes(ctx, srcPool, crossPool("node-1", "node-2"))
	if err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(time.Minute)
	// Another client, asking for node-2 and node-3: node-2 is moving.
	c2 := newClient(t, srv, srv.Authorizer())
	again, err := c2.BatchMigrateNodes(ctx, srcPool, crossPool("node-2", "node-3"))
	var ipe *cloudmigrate.InProgressError
	if !errors.As(err, &ipe) || !errors.Is(err, cloudmigrate.ErrInProgress) {
		t.Fatalf("err = %v", err)
	}
	if ipe.Resource != "node(s) node-2 of pool "+srcPool || !strings.Contains(ipe.Evidence, first.ID()) {
		t.Errorf("in progress: %+v", ipe)
	}
	if again.ID() != first.ID() || !reflect.DeepEqual(again.Token().Resources, []string{"node-2"}) ||
		again.Token().Target != dstPool {
		t.Errorf("adopted token %+v", again.Token())
	}
	if n := srv.Calls(modelartstest.OpBatchMigrateNodes); n != 1 {
		t.Fatalf("%d starts reached the fake, want 1", n)
	}
	job, err := again.Wait(ctx, fast(srv, time.Minute, nil)...)
	if err != nil || job.ID != first.ID() {
		t.Fatalf("adopted wait: %+v, %v", job, err)
	}
	// The original handle ends the same way.
	if _, err := first.Wait(ctx, fast(srv, time.Minute, nil)...); err != nil {
		t.Fatal(err)
	}
	// Once the move is over nothing is adopted: node-3 starts a job of its
	// own... but the pool would be left without a node, which the fake
	// refuses with the service's code.
	_, err = c.BatchMigrateNodes(ctx, srcPool, crossPool("node-3"))
	wantAPIError(t, err, http.StatusBadRequest, modelartstest.CodeTooFewNodes)
	if n := srv.Calls(modelartstest.OpBatchMigrateNodes); n != 2 {
		t.Errorf("%d starts, want 2", n)
	}
}

// Jobs without inputs: the nodes' phases show the move, and one running
// job is adopted. With two such jobs nothing can be told, and the start
// goes to the fake, which refuses the busy node.
func TestAdoptionWithoutJobInputs(t *testing.T) {
	srv, c := newEnv(t, modelartstest.WithoutJobInputs())
	srv.AddNode(srcPool, "node-4", flavor)
	ctx := context.Background()
	first, err := c.BatchMigrateNodes(ctx, srcPool, crossPool("node-1"))
	if err != nil {
		t.Fatal(err)
	}
	lists, nodes := srv.Calls(modelartstest.OpListJobs), srv.Calls(modelartstest.OpListPoolNodes)
	again, err := c.BatchMigrateNodes(ctx, srcPool, crossPool("node-1"))
	var ipe *cloudmigrate.InProgressError
	if !errors.As(err, &ipe) || again.ID() != first.ID() || ipe.Evidence != "job "+first.ID()+" Running; node-1 Checking" {
		t.Fatalf("second start: %v, %+v", err, again)
	}
	if srv.Calls(modelartstest.OpListJobs)-lists != 1 || srv.Calls(modelartstest.OpListPoolNodes)-nodes != 1 {
		t.Errorf("the look cost %d job-list and %d node-list reads, want 1 and 1",
			srv.Calls(modelartstest.OpListJobs)-lists, srv.Calls(modelartstest.OpListPoolNodes)-nodes)
	}

	if _, err := c.BatchMigrateNodes(ctx, srcPool, crossPool("node-2")); err != nil {
		t.Fatal(err)
	}
	_, err = c.BatchMigrateNodes(ctx, srcPool, crossPool("node-1"))
	wantAPIError(t, err, http.StatusConflict, modelartstest.CodeNodeNotMigratable)
	if n := srv.Calls(modelartstest.OpBatchMigrateNodes); n != 3 {
		t.Errorf("%d starts, want 3", n)
	}
}

// The fake refuses a second start of a moving node on its own (a client
// that does not look first).
func TestFakeRefusesMovingNode(t *testing.T) {
	srv, _ := newEnv(t)
	migrate(srv, "node-1")
	r := do(t, srv, srv.Authorizer(), http.MethodPost, projectPath(srv, "/pools/"+srcPool+"/nodes/batch-migrate"),
		[]byte(`{"migrateNodeNames":["node-1"],"fromClusterName":"pool-src","toClusterName":"pool-dst","toPoolName":"pool-dst","resourceSpec":{"flavor":"f"}}`))
	if st, code := errorOf(t, r); st != http.StatusConflict || code != modelartstest.CodeNodeNotMigratable {
		t.Errorf("answer %d %s", st, code)
	}
}

func TestWaitReportsTheJobsReason(t *testing.T) {
	srv, c := newEnv(t)
	srv.FailNextMigrations(1, "no free IP addresses")
	op, err := c.BatchMigrateNodes(context.Background(), srcPool, crossPool("node-1"))
	if err != nil {
		t.Fatal(err)
	}
	job, err := op.Wait(context.Background(), fast(srv, time.Minute, nil)...)
	var fe *jobs.FailedError
	if !errors.As(err, &fe) || fe.Status.Message != "no free IP addresses" || fe.Status.Word != "Failed" {
		t.Fatalf("err = %v", err)
	}
	if job == nil || fe.Job.(*modelarts.Job).ID != op.ID() {
		t.Errorf("job %+v, failure's job %+v", job, fe.Job)
	}
	if n := srv.Calls(modelartstest.OpListPoolNodes); n != 0 {
		t.Errorf("%d node lists for a failed job", n)
	}
	unchanged(t, srv)
}

// A job that reports Success while its nodes did not move ends in a
// FailedError that says so, after three listings of the target.
func TestSuccessThatDidNotMove(t *testing.T) {
	srv, c := newEnv(t)
	srv.SucceedNextWithoutMoving(1)
	op, err := c.BatchMigrateNodes(context.Background(), srcPool, crossPool("node-1", "node-2"))
	if err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(time.Hour)
	job, err := op.Wait(context.Background(), fast(srv, time.Minute, nil)...)
	var fe *jobs.FailedError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v", err)
	}
	want := "job " + op.ID() + " reported Success, but node(s) node-1, node-2 are not in pool " + dstPool
	if fe.Status.Message != want || fe.Status.State != jobs.Failed || job.Phase != modelarts.JobSuccess {
		t.Errorf("status %+v, job %+v; want message %q", fe.Status, job, want)
	}
	if n := srv.Calls(modelartstest.OpListPoolNodes); n != 3 {
		t.Errorf("%d listings of the target, want 3", n)
	}
	unchanged(t, srv)
}

// A move within one pool, between the clusters of a lightweight pool, is
// confirmed by the nodes' cluster label.
func TestMoveWithinAPool(t *testing.T) {
	srv, c := newEnv(t)
	ctx := context.Background()
	req := &modelarts.BatchMigrateOptions{MigrateNodeNames: []string{"node-1"}, FromClusterName: srcPool, ToClusterName: "lite-cluster-b"}
	op, err := c.BatchMigrateNodes(ctx, srcPool, req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := op.Wait(ctx, fast(srv, time.Minute, nil)...); err != nil {
		t.Fatal(err)
	}
	srv.SucceedNextWithoutMoving(1)
	req.MigrateNodeNames = []string{"node-2"}
	op, err = c.BatchMigrateNodes(ctx, srcPool, req)
	if err != nil {
		t.Fatal(err)
	}
	_, err = op.Wait(ctx, fast(srv, time.Minute, nil)...)
	if err == nil || !strings.Contains(err.Error(), "node(s) node-2 are not in pool pool-src (cluster lite-cluster-b)") {
		t.Errorf("err = %v", err)
	}
}

// Nodes that arrive not yet Available keep the move running; one that
// arrives Abnormal fails it.
func TestArrivingNodes(t *testing.T) {
	srv, c := newEnv(t)
	ctx := context.Background()
	op, err := c.BatchMigrateNodes(ctx, srcPool, crossPool("node-1", "node-2"))
	if err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(time.Hour)
	if err := srv.SetNodePhase("node-2", modelarts.NodeCreating); err != nil {
		t.Fatal(err)
	}
	st, err := op.Poll(ctx)
	if err != nil || st.State != jobs.Running || st.Word != "Success" || !strings.Contains(st.Message, "node-2 in pool pool-dst are not Available yet") {
		t.Fatalf("poll: %+v %v", st, err)
	}
	if err := srv.SetNodePhase("node-2", modelarts.NodeAbnormal); err != nil {
		t.Fatal(err)
	}
	_, err = op.Poll(ctx)
	if err == nil || !strings.Contains(err.Error(), "node-2 (Abnormal) arrived in pool pool-dst unusable") {
		t.Errorf("err = %v", err)
	}
}

// A token saved in one client resumes in another, which starts nothing.
func TestResumeElsewhere(t *testing.T) {
	srv, c := newEnv(t)
	ctx := context.Background()
	op, err := c.BatchMigrateNodes(ctx, srcPool, crossPool("node-3"))
	if err != nil {
		t.Fatal(err)
	}
	token, err := op.ResumeToken()
	if err != nil {
		t.Fatal(err)
	}
	if len(token) > 300 {
		t.Errorf("token of %d bytes: %s", len(token), token)
	}
	c2 := newClient(t, srv, srv.IAMAuthorizer())
	before := total(srv)
	resumed, err := c2.ResumeNodeMigration(token)
	if err != nil {
		t.Fatal(err)
	}
	if n := total(srv) - before; n != 0 {
		t.Errorf("resume sent %d requests", n)
	}
	job, err := resumed.Wait(ctx, fast(srv, time.Minute, nil)...)
	if err != nil || job.ID != op.ID() {
		t.Fatalf("wait: %+v %v", job, err)
	}
	if n := srv.Calls(modelartstest.OpBatchMigrateNodes); n != 1 {
		t.Errorf("%d starts", n)
	}
	// A client of another project refuses the token, sending nothing.
	other := modelartstest.NewServer(modelartstest.WithCredentials("AK2", "SK2", "0123456789abcdef0123456789abcdef"))
	defer other.Close()
	c3 := newClient(t, other, other.Authorizer())
	if _, err := c3.ResumeNodeMigration(token); err == nil {
		t.Error("another endpoint and project took the token")
	}
	if n := total(other); n != 0 {
		t.Errorf("%d requests to the other fake", n)
	}
}

// Faults on the routes a poll uses: a 503 or a throttled answer is ridden
// out by Wait.
func TestWaitRidesOutPollFaults(t *testing.T) {
	srv, _ := newEnv(t)
	c := newClient(t, srv, srv.Authorizer(), cloudmigrate.WithRetry(0))
	ctx := context.Background()
	op, err := c.BatchMigrateNodes(ctx, srcPool, crossPool("node-1"))
	if err != nil {
		t.Fatal(err)
	}
	srv.FailNext(modelartstest.OpGetJob, 1, http.StatusServiceUnavailable)
	srv.FailNext(modelartstest.OpListPoolNodes, 1, http.StatusBadGateway)
	srv.Throttle(modelartstest.OpListPoolNodes, 1, 0)
	if _, err := op.Wait(ctx, fast(srv, 2*time.Minute, nil)...); err != nil {
		t.Fatal(err)
	}
	if n := srv.Calls(modelartstest.OpListPoolNodes); n != 3 {
		t.Errorf("%d node lists, want 2 refused and 1 good", n)
	}
}
