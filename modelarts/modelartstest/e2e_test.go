package modelartstest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/modelarts"
	"github.com/cloudmigrate/cloudmigrate/modelarts/modelartstest"
)

func TestMigrateWaitAndList(t *testing.T) {
	srv, c := newEnv(t)
	ctx := context.Background()
	start := srv.Clock().Now()

	op, err := c.BatchMigrateNodes(ctx, srcPool, crossPool("node-1", "node-2"))
	if err != nil {
		t.Fatal(err)
	}
	if op.ID() == "" {
		t.Fatalf("token = %+v", op.Token())
	}
	// Until the job ends the nodes stay in the source pool, Checking.
	sameStates(t, "source right after the call", listed(t, c, srcPool, nil), []nodeState{
		{"node-1", flavor, "Checking", srcPool},
		{"node-2", flavor, "Checking", srcPool},
		{"node-3", flavor, "Available", srcPool},
	})

	var words []string
	job, err := c.WaitForJob(ctx, srcPool, op.ID(), fast(srv, time.Minute, &words)...)
	if err != nil {
		t.Fatal(err)
	}
	// Polls at 0, 1, 2 and 3 minutes see Running; the job ends at 3.5.
	if want := []string{"Running", "Running", "Running", "Running", "Success"}; !slices.Equal(words, want) {
		t.Errorf("phases seen = %v, want %v", words, want)
	}
	if job.ID != op.ID() || job.Phase != modelarts.JobSuccess || job.Source != modelarts.JobFromGet ||
		job.Type != modelartstest.JobTypeMigrate || job.Message != "" {
		t.Errorf("job = %+v", job)
	}
	if got, want := job.StartTimestamp.Time(), start; !got.Equal(want) {
		t.Errorf("start = %v, want %v", got, want)
	}
	if got, want := job.EndTimestamp.Time(), start.Add(jobSteps); !got.Equal(want) {
		t.Errorf("end = %v, want %v", got, want)
	}

	sameStates(t, "target after the job", listed(t, c, dstPool, nil), []nodeState{
		{"node-1", bigFlav, "Available", dstPool},
		{"node-2", bigFlav, "Available", dstPool},
		{"node-x", flavor, "Available", dstPool},
	})
	sameStates(t, "source after the job", listed(t, c, srcPool, nil), []nodeState{
		{"node-3", flavor, "Available", srcPool},
	})
	sameStates(t, "PoolNodes agrees with the list", states(srv.PoolNodes(dstPool)), listed(t, c, dstPool, nil))
	if n := srv.Calls(modelartstest.OpBatchMigrateNodes); n != 1 {
		t.Errorf("batch-migrate calls = %d, want 1", n)
	}
	if n := srv.Calls(modelartstest.OpListJobs); n != 1 {
		t.Errorf("job list calls = %d, want 1 (the look before the start; the by-ID route answers the polls)", n)
	}
	if n := srv.Calls(modelartstest.OpGetJob); n != len(words) {
		t.Errorf("job polls = %d, want %d", n, len(words))
	}
}

func TestNodePhasesFollowTheClock(t *testing.T) {
	srv, c := newEnv(t, modelartstest.WithJobDurations(10*time.Second, 20*time.Second))
	op, err := c.BatchMigrateNodes(context.Background(), srcPool, crossPool("node-1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		advance  time.Duration
		job      modelarts.JobPhase
		src, dst []string // names and phases, "name:phase"
	}{
		{0, modelarts.JobRunning, []string{"node-1:Checking", "node-2:Available", "node-3:Available"}, []string{"node-x:Available"}},
		{9 * time.Second, modelarts.JobRunning, []string{"node-1:Checking", "node-2:Available", "node-3:Available"}, []string{"node-x:Available"}},
		{time.Second, modelarts.JobRunning, []string{"node-1:Creating", "node-2:Available", "node-3:Available"}, []string{"node-x:Available"}},
		{19 * time.Second, modelarts.JobRunning, []string{"node-1:Creating", "node-2:Available", "node-3:Available"}, []string{"node-x:Available"}},
		{time.Second, modelarts.JobSuccess, []string{"node-2:Available", "node-3:Available"}, []string{"node-1:Available", "node-x:Available"}},
		{time.Hour, modelarts.JobSuccess, []string{"node-2:Available", "node-3:Available"}, []string{"node-1:Available", "node-x:Available"}},
	} {
		srv.Clock().Advance(step.advance)
		at := srv.Clock().Now()
		j, ok := srv.Job(op.ID())
		if !ok || j.Phase != step.job {
			t.Errorf("at %v: job = %+v, %v; want phase %s", at, j, ok, step.job)
		}
		got, err := c.GetJob(context.Background(), srcPool, op.ID())
		if err != nil || got.Phase != step.job {
			t.Errorf("at %v: GetJob = %+v, %v", at, got, err)
		}
		for pool, want := range map[string][]string{srcPool: step.src, dstPool: step.dst} {
			var have []string
			for _, n := range listed(t, c, pool, nil) {
				have = append(have, n.Name+":"+n.Phase)
			}
			if !slices.Equal(have, want) {
				t.Errorf("at %v: %s lists %v, want %v", at, pool, have, want)
			}
		}
	}
}

func TestFallbackToJobList(t *testing.T) {
	srv, c := newEnv(t, modelartstest.WithoutJobByID())
	ctx := context.Background()
	op, err := c.BatchMigrateNodes(ctx, srcPool, crossPool("node-2"))
	if err != nil {
		t.Fatal(err)
	}
	var words []string
	job, err := c.WaitForJob(ctx, srcPool, op.ID(), fast(srv, 2*time.Minute, &words)...)
	if err != nil {
		t.Fatal(err)
	}
	if job.Source != modelarts.JobFromList || job.Phase != modelarts.JobSuccess || job.ID != op.ID() {
		t.Errorf("job = %+v", job)
	}
	polls := len(words)
	if polls != 3 {
		t.Errorf("phases seen = %v, want two Running and Success", words)
	}
	if n := srv.Calls(modelartstest.OpGetJob); n != polls {
		t.Errorf("by-ID calls = %d, want %d (each poll tries it first)", n, polls)
	}
	if n := srv.Calls(modelartstest.OpListJobs); n != polls+1 {
		t.Errorf("list calls = %d, want %d (one look before the start, one per poll)", n, polls+1)
	}
	// The by-ID route answers like an unpublished API.
	r := do(t, srv, srv.Authorizer(), http.MethodGet, projectPath(srv, "/jobs/"+op.ID()), nil)
	if st, code := errorOf(t, r); st != 404 || code != modelartstest.CodeRouteNotFound {
		t.Errorf("by-ID answer = %d %s", st, code)
	}
	// The job is listed for the target pool too.
	found := false
	for j, err := range c.ListPoolJobs(ctx, dstPool, nil) {
		if err != nil {
			t.Fatal(err)
		}
		found = found || j.ID == op.ID()
	}
	if !found {
		t.Error("the target pool's job list lacks the job")
	}
}

func TestUnknownPool(t *testing.T) {
	srv, c := newEnv(t)
	ctx := context.Background()
	want := readTestdata(t, "error_pool_not_found.json")

	_, err := c.BatchMigrateNodes(ctx, "pool-nope", &modelarts.BatchMigrateOptions{
		MigrateNodeNames: []string{"node-1"}, FromClusterName: "pool-nope", ToClusterName: dstPool,
	})
	apiErr := wantAPIError(t, err, 404, modelarts.CodePoolNotFound)
	if apiErr.Message != "pool not found" {
		t.Errorf("message = %q", apiErr.Message)
	}
	req := crossPool("node-1")
	req.ToPoolName, req.ToClusterName = "pool-nope", "pool-nope"
	_, err = c.BatchMigrateNodes(ctx, srcPool, req)
	wantAPIError(t, err, 404, modelarts.CodePoolNotFound)

	for _, err := range c.ListPoolNodes(ctx, "pool-nope", nil) {
		wantAPIError(t, err, 404, modelarts.CodePoolNotFound)
	}
	for _, err := range c.ListPoolJobs(ctx, "pool-nope", nil) {
		wantAPIError(t, err, 404, modelarts.CodePoolNotFound)
	}
	// The body is the documented one, key for key.
	r := do(t, srv, srv.Authorizer(), http.MethodPost, projectPath(srv, "/pools/pool-nope/nodes/batch-migrate"),
		readTestdata(t, "batch_migrate_request.json"))
	var got, doc any
	_ = json.Unmarshal(r.Body, &got)
	_ = json.Unmarshal(want, &doc)
	if r.Status != 404 || !reflect.DeepEqual(got, doc) {
		t.Errorf("answer = %d %s, want 404 %s", r.Status, r.Body, want)
	}
	if r.Header.Get("X-Request-Id") == "" {
		t.Error("no X-Request-Id")
	}
	unchanged(t, srv)
}

func TestMigrationConstraints(t *testing.T) {
	for _, tc := range []struct {
		name   string
		setup  func(*modelartstest.Server)
		pool   string
		req    *modelarts.BatchMigrateOptions
		status int
		code   string
		msg    string // part of the message, when the code is shared
	}{
		{
			name: "node of another pool", pool: srcPool, req: crossPool("node-1", "node-x"),
			status: 404, code: modelartstest.CodeNodeNotFound,
		},
		{
			name: "unknown node", pool: srcPool, req: crossPool("node-9"),
			status: 404, code: modelartstest.CodeNodeNotFound,
		},
		{
			name: "pool with one node", pool: dstPool,
			req: &modelarts.BatchMigrateOptions{
				MigrateNodeNames: []string{"node-x"}, FromClusterName: dstPool, ToClusterName: srcPool,
				ToPoolName: srcPool, ResourceSpec: &modelarts.MigrateResourceSpec{Flavor: flavor},
			},
			status: 400, code: modelartstest.CodeTooFewNodes, msg: "has 1 node(s)",
		},
		{
			name: "every node of the pool", pool: srcPool, req: crossPool("node-1", "node-2", "node-3"),
			status: 400, code: modelartstest.CodeTooFewNodes, msg: "without nodes",
		},
		{
			name: "last staying node", pool: srcPool, req: crossPool("node-3"),
			setup: func(srv *modelartstest.Server) {
				migrate(srv, "node-1", "node-2")
			},
			status: 400, code: modelartstest.CodeTooFewNodes,
		},
		{
			name: "abnormal node", pool: srcPool, req: crossPool("node-2"),
			setup: func(srv *modelartstest.Server) {
				if err := srv.SetNodePhase("node-2", modelarts.NodeAbnormal); err != nil {
					panic(err)
				}
			},
			status: 409, code: modelartstest.CodeNodeNotMigratable,
		},
		{
			name: "wrong source cluster", pool: srcPool,
			req: func() *modelarts.BatchMigrateOptions {
				r := crossPool("node-1")
				r.FromClusterName = "lite-cluster-other"
				return r
			}(),
			status: 400, code: modelartstest.CodeParameterError,
		},
		{
			name: "wrong target cluster", pool: srcPool,
			req: func() *modelarts.BatchMigrateOptions {
				r := crossPool("node-1")
				r.ToClusterName = "lite-cluster-other"
				return r
			}(),
			status: 400, code: modelartstest.CodeParameterError,
		},
		{
			name: "same pool and cluster", pool: srcPool,
			req: &modelarts.BatchMigrateOptions{
				MigrateNodeNames: []string{"node-1"}, FromClusterName: srcPool, ToClusterName: srcPool,
			},
			status: 400, code: modelartstest.CodeParameterError,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, c := newEnv(t)
			if tc.setup != nil {
				tc.setup(srv)
			}
			before := map[string][]nodeState{srcPool: states(srv.PoolNodes(srcPool)), dstPool: states(srv.PoolNodes(dstPool))}
			jobsBefore := countJobs(t, c, srcPool)
			calls := srv.Calls(modelartstest.OpBatchMigrateNodes)

			_, err := c.BatchMigrateNodes(context.Background(), tc.pool, tc.req)
			apiErr := wantAPIError(t, err, tc.status, tc.code)
			if !strings.Contains(apiErr.Message, tc.msg) {
				t.Errorf("message %q lacks %q", apiErr.Message, tc.msg)
			}
			if n := srv.Calls(modelartstest.OpBatchMigrateNodes) - calls; n != 1 {
				t.Errorf("sent %d times, want once", n)
			}
			for pool, want := range before {
				sameStates(t, pool+" after the refusal", states(srv.PoolNodes(pool)), want)
			}
			if n := countJobs(t, c, srcPool); n != jobsBefore {
				t.Errorf("jobs = %d, want %d", n, jobsBefore)
			}
		})
	}
}

// migrate starts a migration of names from pool-src to pool-dst on srv,
// signed like any client, and panics if it is refused.
func migrate(srv *modelartstest.Server, names ...string) string {
	c, err := modelarts.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		panic(err)
	}
	op, err := c.BatchMigrateNodes(context.Background(), srcPool, crossPool(names...))
	if err != nil {
		panic(err)
	}
	return op.ID()
}

func countJobs(t *testing.T, c *modelarts.Client, pool string) int {
	t.Helper()
	n := 0
	for _, err := range c.ListPoolJobs(context.Background(), pool, nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	return n
}

// TestRawBodies sends bodies the SDK would refuse, as a user bypassing it
// could, and the documented example.
func TestRawBodies(t *testing.T) {
	srv, _ := newEnv(t)
	path := projectPath(srv, "/pools/"+srcPool+"/nodes/batch-migrate")
	for _, tc := range []struct {
		name, body string
	}{
		{"cross-pool without resourceSpec", `{"migrateNodeNames":["node-1"],"fromClusterName":"pool-src","toClusterName":"pool-dst","toPoolName":"pool-dst"}`},
		{"cross-pool without flavor", `{"migrateNodeNames":["node-1"],"fromClusterName":"pool-src","toClusterName":"pool-dst","toPoolName":"pool-dst","resourceSpec":{"nodePool":"np"}}`},
		{"blank flavor", `{"migrateNodeNames":["node-1"],"fromClusterName":"pool-src","toClusterName":"pool-dst","toPoolName":"pool-dst","resourceSpec":{"flavor":" "}}`},
		{"no node names", `{"fromClusterName":"pool-src","toClusterName":"pool-dst","toPoolName":"pool-dst","resourceSpec":{"flavor":"f"}}`},
		{"repeated node", `{"migrateNodeNames":["node-1","node-1"],"fromClusterName":"pool-src","toClusterName":"pool-dst","toPoolName":"pool-dst","resourceSpec":{"flavor":"f"}}`},
		{"empty node name", `{"migrateNodeNames":[""],"fromClusterName":"pool-src","toClusterName":"pool-dst","toPoolName":"pool-dst","resourceSpec":{"flavor":"f"}}`},
		{"no fromClusterName", `{"migrateNodeNames":["node-1"],"toClusterName":"pool-dst","toPoolName":"pool-dst","resourceSpec":{"flavor":"f"}}`},
		{"no toClusterName", `{"migrateNodeNames":["node-1"],"fromClusterName":"pool-src","toPoolName":"pool-dst","resourceSpec":{"flavor":"f"}}`},
		{"blank toPoolName", `{"migrateNodeNames":["node-1"],"fromClusterName":"pool-src","toClusterName":"pool-dst","toPoolName":" ","resourceSpec":{"flavor":"f"}}`},
		{"snake_case names", `{"migrate_node_names":["node-1"],"from_cluster_name":"pool-src","to_cluster_name":"pool-dst","to_pool_name":"pool-dst","resource_spec":{"flavor":"f"}}`},
		{"unknown spec field", `{"migrateNodeNames":["node-1"],"fromClusterName":"pool-src","toClusterName":"pool-dst","toPoolName":"pool-dst","resourceSpec":{"flavor":"f","flavour":"g"}}`},
		{"not JSON", `migrate please`},
		{"two documents", `{"migrateNodeNames":["node-1"],"fromClusterName":"pool-src","toClusterName":"pool-dst","toPoolName":"pool-dst","resourceSpec":{"flavor":"f"}} {}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, srv, srv.Authorizer(), http.MethodPost, path, []byte(tc.body))
			if st, code := errorOf(t, r); st != 400 || code != modelartstest.CodeParameterError {
				t.Errorf("answer = %d %s: %s", st, code, r.Body)
			}
		})
	}
	if n := countJobs(t, newClient(t, srv, srv.Authorizer()), srcPool); n != 0 {
		t.Errorf("%d jobs started", n)
	}
	unchanged(t, srv)

	// The same-pool form needs no resourceSpec; it changes the cluster.
	r := do(t, srv, srv.Authorizer(), http.MethodPost, path,
		[]byte(`{"migrateNodeNames":["node-1"],"fromClusterName":"pool-src","toClusterName":"lite-cluster-2"}`))
	if r.Status != 200 {
		t.Fatalf("same-pool move: %d %s", r.Status, r.Body)
	}
	srv.Clock().Advance(jobSteps)
	if got := states(srv.PoolNodes(srcPool))[0]; got != (nodeState{"node-1", flavor, "Available", "lite-cluster-2"}) {
		t.Errorf("node-1 after a same-pool move = %+v", got)
	}
}

func TestSeedExampleAccepted(t *testing.T) {
	srv := modelartstest.NewServer()
	defer srv.Close()
	const (
		from   = "pool-a1b2"
		to     = "pool-9d3f-6f5da086876d4cd084d36f8bd3346036"
		fromCl = "lite-cluster-1dc682c4-e04d-11ee-bda6-0255ac1001ba"
		toCl   = "lite-cluster-d3a65087-38e4-11ef-a12c-0255ac100b03"
	)
	srv.AddPool(from)
	srv.AddPool(to)
	srv.SetPoolCluster(from, fromCl)
	srv.SetPoolCluster(to, toCl)
	srv.AddNode(from, "os-node-created-zrxm7", "modelarts.vm.4u8g")
	srv.AddNode(from, "os-node-created-k2p9q", "modelarts.vm.4u8g")

	r := do(t, srv, srv.Authorizer(), http.MethodPost, projectPath(srv, "/pools/"+from+"/nodes/batch-migrate"),
		readTestdata(t, "batch_migrate_request.json"))
	if r.Status != http.StatusOK {
		t.Fatalf("answer = %d %s", r.Status, r.Body)
	}
	var got, doc map[string]any
	if err := json.Unmarshal(r.Body, &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(readTestdata(t, "batch_migrate_response.json"), &doc); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sortedKeys(got), sortedKeys(doc)) {
		t.Errorf("answer keys = %v, want %v", sortedKeys(got), sortedKeys(doc))
	}
	id, _ := got["job_id"].(string)
	if len(id) != 36 || strings.Count(id, "-") != 4 {
		t.Errorf("job_id = %q, want a UUID like the documented one", id)
	}
	if r.Header.Get("X-Request-Id") == "" || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("headers = %v", r.Header)
	}
	srv.Clock().Advance(jobSteps)
	nodes := srv.PoolNodes(to)
	if len(nodes) != 1 || nodes[0].Name() != "os-node-created-zrxm7" || nodes[0].Spec.Flavor != "modelarts.vm.2u4g" ||
		nodes[0].Metadata.Labels[modelarts.LabelCluster] != toCl || nodes[0].Status.Phase != modelarts.NodeAvailable {
		t.Errorf("target pool = %+v", nodes)
	}
}

func TestFailedJob(t *testing.T) {
	srv, c := newEnv(t)
	ctx := context.Background()
	const reason = "subnet of the destination cluster has no free IP addresses"
	srv.FailNextMigrations(1, reason)

	op, err := c.BatchMigrateNodes(ctx, srcPool, crossPool("node-1", "node-2"))
	if err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(time.Minute)
	sameStates(t, "source while failing", states(srv.PoolNodes(srcPool)), []nodeState{
		{"node-1", flavor, "Creating", srcPool},
		{"node-2", flavor, "Creating", srcPool},
		{"node-3", flavor, "Available", srcPool},
	})
	job, err := c.WaitForJob(ctx, srcPool, op.ID(), fast(srv, time.Minute, nil)...)
	var fe *jobs.FailedError
	if !errors.As(err, &fe) {
		t.Fatalf("error = %v (%T), want *jobs.FailedError", err, err)
	}
	if fe.Status.State != jobs.Failed || fe.Status.Word != "Failed" || fe.Status.Message != reason {
		t.Errorf("status = %+v", fe.Status)
	}
	typed, ok := fe.Job.(*modelarts.Job)
	if !ok || typed.ID != op.ID() || typed.Message != reason || typed.EndTimestamp == 0 {
		t.Errorf("FailedError.Job = %#v", fe.Job)
	}
	if job == nil || job.Phase != modelarts.JobFailed {
		t.Errorf("returned job = %+v", job)
	}
	unchanged(t, srv)

	// The knob is used up: the next migration succeeds, and the default
	// message applies to jobs failed without one.
	op2, err := c.BatchMigrateNodes(ctx, srcPool, crossPool("node-1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitForJob(ctx, srcPool, op2.ID(), fast(srv, time.Minute, nil)...); err != nil {
		t.Fatalf("second migration: %v", err)
	}
	srv.FailNextMigrations(1, "")
	op3, err := c.BatchMigrateNodes(ctx, srcPool, crossPool("node-2"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.WaitForJob(ctx, srcPool, op3.ID(), fast(srv, time.Minute, nil)...)
	if !errors.As(err, &fe) || fe.Status.Message != modelartstest.DefaultFailureMessage {
		t.Errorf("third migration: %v", err)
	}
}

func TestDroppedMigrateHasNoEffect(t *testing.T) {
	srv, c := newEnv(t)
	srv.DropNext(modelartstest.OpBatchMigrateNodes, 1)
	_, err := c.BatchMigrateNodes(context.Background(), srcPool, crossPool("node-1"))
	if err == nil {
		t.Fatal("no error")
	}
	var apiErr *cloudmigrate.Error
	if errors.As(err, &apiErr) {
		t.Errorf("error = %v, want a transport error", err)
	}
	if n := srv.Calls(modelartstest.OpBatchMigrateNodes); n != 1 {
		t.Errorf("calls = %d, want exactly 1 (a migration is never resent after a lost answer)", n)
	}
	unchanged(t, srv)
	if n := countJobs(t, c, srcPool); n != 0 {
		t.Errorf("jobs = %d", n)
	}
}

func TestThrottling(t *testing.T) {
	srv, c := newEnv(t)
	ctx := context.Background()
	srv.Throttle(modelartstest.OpBatchMigrateNodes, 2, 0)
	srv.Throttle(modelartstest.OpGetJob, 2, 0)
	srv.Throttle(modelartstest.OpListPoolNodes, 1, 0)
	op, err := c.BatchMigrateNodes(ctx, srcPool, crossPool("node-1"))
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.Calls(modelartstest.OpBatchMigrateNodes); n != 3 {
		t.Errorf("batch-migrate calls = %d, want 3", n)
	}
	if _, err := c.WaitForJob(ctx, srcPool, op.ID(), fast(srv, time.Minute, nil)...); err != nil {
		t.Fatal(err)
	}
	if got := listed(t, c, dstPool, nil); len(got) != 2 {
		t.Errorf("target = %+v", got)
	}

	// When throttling outlasts the retries, the error says so and nothing
	// happened.
	srv2, _ := newEnv(t)
	c2 := newClient(t, srv2, srv2.Authorizer(), cloudmigrate.WithRetry(1))
	srv2.Throttle(modelartstest.OpBatchMigrateNodes, 5, 0)
	_, err = c2.BatchMigrateNodes(ctx, srcPool, crossPool("node-1"))
	wantAPIError(t, err, 429, modelartstest.CodeThrottled)
	if !cloudmigrate.IsThrottled(err) {
		t.Error("IsThrottled is false")
	}
	if n := srv2.Calls(modelartstest.OpBatchMigrateNodes); n != 2 {
		t.Errorf("calls = %d, want 2", n)
	}
	unchanged(t, srv2)
}

func TestServerErrorsOnPolls(t *testing.T) {
	srv, _ := newEnv(t)
	c := newClient(t, srv, srv.Authorizer(), cloudmigrate.WithRetry(0))
	ctx := context.Background()
	op, err := c.BatchMigrateNodes(ctx, srcPool, crossPool("node-1"))
	if err != nil {
		t.Fatal(err)
	}
	srv.FailNext(modelartstest.OpGetJob, 2, http.StatusServiceUnavailable)
	var words []string
	job, err := c.WaitForJob(ctx, srcPool, op.ID(), fast(srv, 2*time.Minute, &words)...)
	if err != nil || job.Phase != modelarts.JobSuccess {
		t.Fatalf("WaitForJob = %+v, %v", job, err)
	}
	if n := srv.Calls(modelartstest.OpGetJob); n != len(words)+2 {
		t.Errorf("polls = %d, want %d good + 2 failed", n, len(words))
	}
}

func TestCredentials(t *testing.T) {
	srv, _ := newEnv(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		authz   auth.Authorizer
		project string
	}{
		{"wrong secret key", auth.NewAKSK(srv.AccessKey(), "not-the-secret"), srv.ProjectID()},
		{"unknown access key", auth.NewAKSK("UNKNOWNACCESSKEY0001", srv.SecretKey()), srv.ProjectID()},
		{"other project", srv.Authorizer(), "0000000000000000000000000000beef"},
		{"token instead of a signature", auth.StaticToken("tok"), srv.ProjectID()},
		{"signature from an hour ago", auth.NewAKSK(srv.AccessKey(), srv.SecretKey(),
			auth.WithClock(func() time.Time { return time.Now().Add(-time.Hour) })), srv.ProjectID()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := modelarts.NewClient(srv.URL(), tc.project, tc.authz)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.BatchMigrateNodes(ctx, srcPool, crossPool("node-1"))
			wantAPIError(t, err, 401, modelartstest.CodeBadSignature)
			if !cloudmigrate.IsUnauthorized(err) {
				t.Error("IsUnauthorized is false")
			}
		})
	}
	unchanged(t, srv)

	// WithoutAuth lets anything in, but the path's project still counts.
	open, _ := newEnv(t, modelartstest.WithoutAuth())
	c := newClient(t, open, auth.StaticToken("anything"))
	if _, err := c.BatchMigrateNodes(ctx, srcPool, crossPool("node-1")); err != nil {
		t.Errorf("WithoutAuth: %v", err)
	}
	other, err := modelarts.NewClient(open.URL(), "0000000000000000000000000000beef", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range other.ListPoolNodes(ctx, srcPool, nil) {
		wantAPIError(t, err, 400, modelartstest.CodeParameterError)
	}
}

func TestWithCredentials(t *testing.T) {
	srv := modelartstest.NewServer(modelartstest.WithCredentials("MYACCESSKEY000000001", "my-secret", "proj-1"))
	defer srv.Close()
	srv.AddPool(srcPool)
	if srv.AccessKey() != "MYACCESSKEY000000001" || srv.SecretKey() != "my-secret" || srv.ProjectID() != "proj-1" {
		t.Fatalf("credentials = %s %s %s", srv.AccessKey(), srv.SecretKey(), srv.ProjectID())
	}
	c := newClient(t, srv, srv.Authorizer())
	for _, err := range c.ListPoolNodes(context.Background(), srcPool, nil) {
		t.Fatalf("empty pool: %v", err)
	}
	if n := srv.Calls(modelartstest.OpListPoolNodes); n != 1 {
		t.Errorf("calls = %d", n)
	}
}

func TestNodePaging(t *testing.T) {
	srv, c := newEnv(t)
	srv.AddPool("pool-big")
	for _, n := range []string{"n-g", "n-b", "n-e", "n-a", "n-f", "n-c", "n-d"} {
		srv.AddNode("pool-big", n, flavor)
	}
	want := []string{"n-a", "n-b", "n-c", "n-d", "n-e", "n-f", "n-g"}
	var got []string
	for _, n := range listed(t, c, "pool-big", &modelarts.ListPoolNodesOptions{PageSize: 3}) {
		got = append(got, n.Name)
	}
	if !slices.Equal(got, want) {
		t.Errorf("names = %v, want %v", got, want)
	}
	if n := srv.Calls(modelartstest.OpListPoolNodes); n != 3 {
		t.Errorf("pages = %d, want 3", n)
	}
	// Without a limit the whole pool fits one page.
	srv.ResetCalls()
	if n := len(listed(t, c, "pool-big", nil)); n != 7 {
		t.Errorf("listed %d", n)
	}
	if n := srv.Calls(modelartstest.OpListPoolNodes); n != 1 {
		t.Errorf("pages = %d, want 1", n)
	}
	// Stopping early fetches no more pages.
	srv.ResetCalls()
	for range c.ListPoolNodes(context.Background(), "pool-big", &modelarts.ListPoolNodesOptions{PageSize: 2}) {
		break
	}
	if n := srv.Calls(modelartstest.OpListPoolNodes); n != 1 {
		t.Errorf("pages after break = %d, want 1", n)
	}
}

func TestNodeListWire(t *testing.T) {
	srv, _ := newEnv(t)
	a := srv.Authorizer()
	path := projectPath(srv, "/pools/"+srcPool+"/nodes")

	r := do(t, srv, a, http.MethodGet, path+"?limit=2", nil)
	if r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	var page struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Continue           string `json:"continue"`
			RemainingItemCount *int   `json:"remainingItemCount"`
		} `json:"metadata"`
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal(r.Body, &page); err != nil {
		t.Fatal(err)
	}
	if page.APIVersion != "v2" || page.Kind != "NodeList" || len(page.Items) != 2 || page.Metadata.Continue == "" ||
		page.Metadata.RemainingItemCount == nil || *page.Metadata.RemainingItemCount != 1 {
		t.Fatalf("first page = %s", r.Body)
	}
	item := page.Items[0]
	if keys := sortedKeys(item); !slices.Equal(keys, []string{"apiVersion", "kind", "metadata", "spec", "status"}) {
		t.Errorf("node keys = %v", keys)
	}
	status := item["status"].(map[string]any)
	meta := item["metadata"].(map[string]any)
	labels := meta["labels"].(map[string]any)
	if status["phase"] != "Available" || status["privateIp"] == "" || meta["name"] != "node-1" ||
		meta["creationTimestamp"] != "2026-01-02T03:04:05Z" || labels[modelarts.LabelCluster] != srcPool ||
		item["spec"].(map[string]any)["flavor"] != flavor {
		t.Errorf("node = %v", item)
	}

	r = do(t, srv, a, http.MethodGet, path+"?limit=2&continue="+page.Metadata.Continue, nil)
	page.Metadata.Continue, page.Metadata.RemainingItemCount = "", nil
	if err := json.Unmarshal(r.Body, &page); err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 || page.Metadata.Continue != "" || page.Metadata.RemainingItemCount != nil ||
		strings.Contains(string(r.Body), "continue") {
		t.Errorf("last page = %s", r.Body)
	}

	for _, q := range []string{"?limit=501", "?limit=-1", "?limit=x", "?continue=bm9wZQ", "?continue=!!!"} {
		r := do(t, srv, a, http.MethodGet, path+q, nil)
		if st, code := errorOf(t, r); st != 400 || code != modelartstest.CodeParameterError {
			t.Errorf("%s: %d %s", q, st, code)
		}
	}
	r = do(t, srv, a, http.MethodGet, path+"?limit=0", nil)
	if err := json.Unmarshal(r.Body, &page); err != nil || len(page.Items) != 3 {
		t.Errorf("limit=0: %s", r.Body)
	}
}

func TestJobWire(t *testing.T) {
	srv, c := newEnv(t)
	a := srv.Authorizer()
	srv.FailNextMigrations(1, "no room")
	failing := migrate(srv, "node-1")
	srv.Clock().Advance(time.Second)
	ok := migrate(srv, "node-2")

	wantKeys := []string{"inputs", "jobId", "jobName", "phase", "startTimestamp", "suspend", "type"}
	r := do(t, srv, a, http.MethodGet, projectPath(srv, "/jobs/"+ok), nil)
	var running map[string]any
	if err := json.Unmarshal(r.Body, &running); err != nil || r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if keys := sortedKeys(running); !slices.Equal(keys, wantKeys) {
		t.Errorf("running job keys = %v, want %v", keys, wantKeys)
	}
	if running["jobId"] != ok || running["phase"] != "Running" || running["type"] != modelartstest.JobTypeMigrate ||
		running["suspend"] != false || running["startTimestamp"] != float64(srv.Clock().Now().UnixMilli()) {
		t.Errorf("running job = %s", r.Body)
	}
	// The inputs are a JSON string holding the request's names.
	var inputs map[string]any
	if s, isString := running["inputs"].(string); !isString || json.Unmarshal([]byte(s), &inputs) != nil {
		t.Errorf("inputs = %#v, want a JSON string", running["inputs"])
	}
	if !reflect.DeepEqual(inputs, map[string]any{"migrateNodeNames": []any{"node-2"}, "fromClusterName": srcPool,
		"toClusterName": dstPool, "toPoolName": dstPool}) {
		t.Errorf("inputs = %v", inputs)
	}

	srv.Clock().Advance(jobSteps)
	r = do(t, srv, a, http.MethodGet, projectPath(srv, "/jobs/"+failing), nil)
	var failed map[string]any
	_ = json.Unmarshal(r.Body, &failed)
	if keys := sortedKeys(failed); !slices.Equal(keys, []string{"endTimestamp", "inputs", "jobId", "jobName", "message", "phase", "startTimestamp", "suspend", "type"}) {
		t.Errorf("failed job keys = %v", keys)
	}
	start := failed["startTimestamp"].(float64)
	if failed["phase"] != "Failed" || failed["message"] != "no room" || failed["endTimestamp"] != start+float64(jobSteps.Milliseconds()) {
		t.Errorf("failed job = %s", r.Body)
	}

	r = do(t, srv, a, http.MethodGet, projectPath(srv, "/jobs?resource=pools&name="+srcPool), nil)
	var list struct {
		Count int              `json:"count"`
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal(r.Body, &list); err != nil || r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if list.Count != 2 || len(list.Items) != 2 || list.Items[0]["jobId"] != ok || list.Items[1]["jobId"] != failing ||
		list.Items[0]["phase"] != "Success" || list.Items[1]["message"] != "no room" {
		t.Errorf("list = %s", r.Body)
	}

	r = do(t, srv, a, http.MethodGet, projectPath(srv, "/jobs/"+ok+"x"), nil)
	if st, code := errorOf(t, r); st != 404 || code != modelartstest.CodeJobNotFound {
		t.Errorf("unknown job: %d %s", st, code)
	}
	for _, q := range []string{"", "?resource=pools", "?resource=nodes&name=" + srcPool, "?resource=pools&name=" + srcPool + "&limit=0",
		"?resource=pools&name=" + srcPool + "&limit=501", "?resource=pools&name=" + srcPool + "&offset=-1",
		"?resource=pools&name=" + srcPool + "&since=yesterday", "?resource=pools&name=" + srcPool + "&until=x"} {
		r := do(t, srv, a, http.MethodGet, projectPath(srv, "/jobs"+q), nil)
		if st, code := errorOf(t, r); st != 400 || code != modelartstest.CodeParameterError {
			t.Errorf("%q: %d %s", q, st, code)
		}
	}

	// The SDK reads the same jobs.
	j, err := c.GetJob(context.Background(), srcPool, failing)
	if err != nil || j.Phase != modelarts.JobFailed || j.Message != "no room" || j.Name == "" {
		t.Errorf("GetJob = %+v, %v", j, err)
	}
	if sj, found := srv.Job(failing); !found || sj.Phase != modelarts.JobFailed || sj.Message != "no room" ||
		sj.EndTimestamp != j.EndTimestamp || sj.StartTimestamp != j.StartTimestamp {
		t.Errorf("Job = %+v", sj)
	}
	if _, found := srv.Job("nope"); found {
		t.Error("Job(nope) found")
	}
}

func TestJobListPagingAndFilters(t *testing.T) {
	srv, c := newEnv(t)
	ctx := context.Background()
	srv.AddPool("pool-many")
	for i := range 6 {
		srv.AddNode("pool-many", string(rune('a'+i))+"-node", flavor)
	}
	var ids []string
	for i := range 5 {
		op, err := c.BatchMigrateNodes(ctx, "pool-many", &modelarts.BatchMigrateOptions{
			MigrateNodeNames: []string{string(rune('a'+i)) + "-node"},
			FromClusterName:  "pool-many", ToClusterName: dstPool, ToPoolName: dstPool,
			ResourceSpec: &modelarts.MigrateResourceSpec{Flavor: flavor},
		})
		if err != nil {
			t.Fatalf("migration %d: %v", i, err)
		}
		ids = append(ids, op.ID())
		srv.Clock().Advance(time.Minute)
	}
	list := func(opts *modelarts.ListPoolJobsOptions) []string {
		t.Helper()
		var out []string
		for j, err := range c.ListPoolJobs(ctx, "pool-many", opts) {
			if err != nil {
				t.Fatal(err)
			}
			if j.Type != modelartstest.JobTypeMigrate || j.StartTimestamp == 0 {
				t.Errorf("job = %+v", j)
			}
			out = append(out, j.ID)
		}
		return out
	}
	newestFirst := slices.Clone(ids)
	slices.Reverse(newestFirst)

	srv.ResetCalls()
	if got := list(&modelarts.ListPoolJobsOptions{PageSize: 2}); !slices.Equal(got, newestFirst) {
		t.Errorf("paged list = %v, want %v", got, newestFirst)
	}
	if n := srv.Calls(modelartstest.OpListJobs); n != 3 {
		t.Errorf("pages = %d, want 3", n)
	}
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if got := list(&modelarts.ListPoolJobsOptions{Since: t0.Add(time.Minute), Until: t0.Add(3 * time.Minute)}); !slices.Equal(got, newestFirst[1:4]) {
		t.Errorf("since/until = %v, want %v", got, newestFirst[1:4])
	}
	if got := list(&modelarts.ListPoolJobsOptions{Type: "reboot-node"}); len(got) != 0 {
		t.Errorf("reboot-node jobs = %v", got)
	}
	if got := list(&modelarts.ListPoolJobsOptions{Type: modelartstest.JobTypeMigrate}); len(got) != 5 {
		t.Errorf("migrate jobs = %v", got)
	}
	// The default window is the last 30 days.
	srv.Clock().Advance(31 * 24 * time.Hour)
	if got := list(nil); len(got) != 0 {
		t.Errorf("after 31 days = %v", got)
	}
}

func TestGetUnknownJob(t *testing.T) {
	_, c := newEnv(t)
	_, err := c.GetJob(context.Background(), srcPool, "00000000-0000-4000-8000-000000000000")
	var nf *modelarts.JobNotFoundError
	if !errors.As(err, &nf) || nf.Err == nil || nf.Err.Code != modelartstest.CodeJobNotFound {
		t.Fatalf("error = %v (%T)", err, err)
	}
	if !cloudmigrate.IsNotFound(err) {
		t.Error("IsNotFound is false")
	}
}

func TestUnknownRoute(t *testing.T) {
	srv, _ := newEnv(t)
	for _, tc := range []struct{ method, path string }{
		{http.MethodGet, projectPath(srv, "/pools/"+srcPool+"/workloads")},
		{http.MethodDelete, projectPath(srv, "/pools/"+srcPool+"/nodes")},
		{http.MethodGet, "/v1/whatever"},
	} {
		r := do(t, srv, nil, tc.method, tc.path, nil)
		if st, code := errorOf(t, r); st != 404 || code != modelartstest.CodeRouteNotFound {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, st, code)
		}
	}
	if n := srv.Calls(modelartstest.OpUnknownRoute); n != 3 {
		t.Errorf("unknown-route calls = %d", n)
	}
}

func TestRealTimeClock(t *testing.T) {
	srv, c := newEnv(t, modelartstest.WithRealTime(1000), modelartstest.WithJobDurations(10*time.Second, 20*time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	op, err := c.BatchMigrateNodes(ctx, srcPool, crossPool("node-3"))
	if err != nil {
		t.Fatal(err)
	}
	job, err := c.WaitForJob(ctx, srcPool, op.ID(), jobs.WithInterval(5*time.Millisecond, 10*time.Millisecond))
	if err != nil || job.Phase != modelarts.JobSuccess {
		t.Fatalf("WaitForJob = %+v, %v", job, err)
	}
	if j, _ := srv.Job(op.ID()); j.Phase != modelarts.JobSuccess {
		t.Errorf("Job = %+v", j)
	}
	if got := listed(t, c, dstPool, nil); len(got) != 2 || got[0].Name != "node-3" || got[0].Phase != "Available" {
		t.Errorf("target = %+v", got)
	}
}

func TestMigrationLabels(t *testing.T) {
	srv, c := newEnv(t)
	req := crossPool("node-1")
	req.ResourceSpec.NodePool = "np-train"
	req.ResourceSpec.Labels = map[string]string{"team": "vision"}
	op, err := c.BatchMigrateNodes(context.Background(), srcPool, req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitForJob(context.Background(), srcPool, op.ID(), fast(srv, time.Hour, nil)...); err != nil {
		t.Fatal(err)
	}
	n := srv.PoolNodes(dstPool)[0]
	if n.Name() != "node-1" || n.Metadata.Labels["team"] != "vision" || n.Metadata.Labels[modelarts.LabelNodePool] != "np-train" ||
		n.Metadata.Labels[modelarts.LabelResourceID] == "" {
		t.Errorf("node = %+v", n)
	}
	// PoolNodes hands out copies.
	n.Metadata.Labels["team"] = "changed"
	if srv.PoolNodes(dstPool)[0].Metadata.Labels["team"] != "vision" {
		t.Error("PoolNodes shares its label maps")
	}
}

func TestSeedMistakesPanic(t *testing.T) {
	srv := modelartstest.NewServer()
	defer srv.Close()
	srv.AddPool("p")
	srv.AddNode("p", "n", flavor)
	for name, f := range map[string]func(){
		"empty credentials":  func() { modelartstest.NewServer(modelartstest.WithCredentials("", "s", "p")) },
		"bad project":        func() { modelartstest.NewServer(modelartstest.WithCredentials("a", "s", "p/q")) },
		"negative duration":  func() { modelartstest.NewServer(modelartstest.WithJobDurations(-time.Second, 0)) },
		"negative speed":     func() { modelartstest.NewServer(modelartstest.WithRealTime(-1)) },
		"bad pool name":      func() { srv.AddPool("a/b") },
		"node of no pool":    func() { srv.AddNode("nope", "m", flavor) },
		"duplicate node":     func() { srv.AddNode("p", "n", flavor) },
		"node without flav":  func() { srv.AddNode("p", "m", "") },
		"cluster of no pool": func() { srv.SetPoolCluster("nope", "c") },
		"empty cluster":      func() { srv.SetPoolCluster("p", "") },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		})
	}
	if err := srv.SetNodePhase("n", "Sleeping"); err == nil {
		t.Error("unknown phase accepted")
	}
	if err := srv.SetNodePhase("nope", modelarts.NodeAbnormal); err == nil {
		t.Error("unknown node accepted")
	}
	if srv.PoolNodes("nope") != nil {
		t.Error("PoolNodes of an unknown pool is not nil")
	}
}

func TestSetNodePhaseDuringMigration(t *testing.T) {
	srv, _ := newEnv(t)
	migrate(srv, "node-1")
	if err := srv.SetNodePhase("node-1", modelarts.NodeAbnormal); err == nil {
		t.Error("phase of a moving node changed")
	}
	if err := srv.SetNodePhase("node-2", modelarts.NodeDeleting); err != nil {
		t.Fatal(err)
	}
	if got := states(srv.PoolNodes(srcPool))[1]; got.Phase != "Deleting" {
		t.Errorf("node-2 = %+v", got)
	}
}

func TestConcurrentUse(t *testing.T) {
	srv, c := newEnv(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				for _, err := range c.ListPoolNodes(ctx, srcPool, &modelarts.ListPoolNodesOptions{PageSize: 1}) {
					if err != nil {
						t.Error(err)
						return
					}
				}
				srv.PoolNodes(dstPool)
				if i == 0 {
					srv.Clock().Advance(time.Minute)
				}
			}
		}()
	}
	op, err := c.BatchMigrateNodes(ctx, srcPool, crossPool("node-1"))
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitForJob(ctx, srcPool, op.ID(), fast(srv, time.Hour, nil)...); err != nil {
		t.Fatal(err)
	}
}
