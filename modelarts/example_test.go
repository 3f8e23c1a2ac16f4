package modelarts_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/modelarts"
	"github.com/cloudmigrate/cloudmigrate/modelarts/modelartstest"
)

const exampleProject = "0123456789abcdef0123456789abcdef"

// newExampleServer stands in for ModelArts in the examples. It knows the
// pools "pool-source" and "pool-target", starts job "job-ok" (which
// succeeds on the second poll) for any migration, keeps job "job-bad"
// failed, lists both jobs for "pool-source", and lists the target pool's
// nodes in two pages.
func newExampleServer() *httptest.Server {
	var mu sync.Mutex
	polls := map[string]int{}
	prefix := "/v2/" + exampleProject
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "req-0001")
		path := strings.TrimPrefix(r.URL.Path, prefix)
		switch {
		case r.Method == http.MethodPost && path == "/pools/pool-source/nodes/batch-migrate":
			fmt.Fprint(w, `{"job_id":"job-ok"}`)
		case r.Method == http.MethodGet && path == "/jobs/job-ok":
			mu.Lock()
			polls["job-ok"]++
			n := polls["job-ok"]
			mu.Unlock()
			phase := "Running"
			if n >= 2 {
				phase = "Success"
			}
			fmt.Fprintf(w, `{"jobId":"job-ok","type":"migrate","phase":%q}`, phase)
		case r.Method == http.MethodGet && path == "/jobs/job-bad":
			fmt.Fprint(w, `{"jobId":"job-bad","phase":"Failed","message":"target pool has no free IP addresses"}`)
		case r.Method == http.MethodGet && path == "/jobs" && r.URL.Query().Get("name") == "pool-source":
			fmt.Fprint(w, `{"count":2,"items":[
				{"jobId":"job-ok","type":"migrate","phase":"Success","startTimestamp":1718000000000,"endTimestamp":1718000600000},
				{"jobId":"job-bad","type":"migrate","phase":"Failed","message":"target pool has no free IP addresses"}]}`)
		case r.Method == http.MethodGet && path == "/pools/pool-target/nodes":
			if r.URL.Query().Get("continue") == "" {
				fmt.Fprint(w, `{"kind":"NodeList","metadata":{"continue":"page-2"},"items":[
					{"metadata":{"name":"os-node-a"},"spec":{"flavor":"modelarts.vm.2u4g"},"status":{"phase":"Available"}}]}`)
				return
			}
			fmt.Fprint(w, `{"kind":"NodeList","metadata":{},"items":[
				{"metadata":{"name":"os-node-b"},"spec":{"flavor":"modelarts.vm.2u4g"},"status":{"phase":"Creating"}}]}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"error_code":"ModelArts.50015001","error_msg":"pool not found"}`)
		}
	}))
}

func exampleClient(endpoint string) *modelarts.Client {
	c, err := modelarts.NewClient(endpoint, exampleProject, auth.StaticToken("example-token"))
	if err != nil {
		log.Fatal(err)
	}
	return c
}

// newExampleFake starts the SDK's ModelArts fake with pool-train (node-a
// to node-d, flavor modelarts.vm.8u32g) and an empty pool-infer, and
// returns it with a client.
func newExampleFake() (*modelartstest.Server, *modelarts.Client) {
	srv := modelartstest.NewServer()
	srv.AddPool("pool-train")
	srv.AddPool("pool-infer")
	for _, n := range []string{"node-a", "node-b", "node-c", "node-d"} {
		srv.AddNode("pool-train", n, "modelarts.vm.8u32g")
	}
	c, err := modelarts.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	return srv, c
}

// moveToInfer is the request that moves nodes from pool-train to
// pool-infer.
func moveToInfer(nodes ...string) *modelarts.BatchMigrateOptions {
	return &modelarts.BatchMigrateOptions{
		MigrateNodeNames: nodes,
		FromClusterName:  "pool-train",
		ToClusterName:    "pool-infer",
		ToPoolName:       "pool-infer",
		// A move into another pool needs the nodes' flavor there.
		ResourceSpec: &modelarts.MigrateResourceSpec{Flavor: "modelarts.vm.8u32g"},
	}
}

func ExampleClient_BatchMigrateNodes() {
	srv, c := newExampleFake()
	defer srv.Close()
	ctx := context.Background()

	op, err := c.BatchMigrateNodes(ctx, "pool-train", moveToInfer("node-a", "node-b"))
	if err != nil {
		log.Fatal(err)
	}
	// Wait follows the job, then confirms the nodes are Available in
	// pool-infer. The fake's clock moves only when told to: advance it a
	// minute per poll. Real migrations take minutes, so keep the default
	// intervals there.
	job, err := op.Wait(ctx,
		jobs.WithInterval(time.Millisecond, 5*time.Millisecond),
		jobs.WithProgress(func(s jobs.Status) {
			fmt.Println(s.State, s.Word)
			srv.Clock().Advance(time.Minute)
		}))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("job", job.Phase, "after", job.EndTimestamp.Time().Sub(job.StartTimestamp.Time()))
	for _, n := range srv.PoolNodes("pool-infer") {
		fmt.Println(n.Name(), n.Status.Phase)
	}
	// Output:
	// running Running
	// running Running
	// running Running
	// running Running
	// succeeded Success
	// job Success after 3m30s
	// node-a Available
	// node-b Available
}

// A second start of nodes that are already moving adopts the move in
// flight instead of starting another.
func ExampleClient_BatchMigrateNodes_adopt() {
	srv, c := newExampleFake()
	defer srv.Close()
	ctx := context.Background()

	first, err := c.BatchMigrateNodes(ctx, "pool-train", moveToInfer("node-a"))
	if err != nil {
		log.Fatal(err)
	}
	// A program that lost the handle (it crashed, say) asks again.
	again, err := c.BatchMigrateNodes(ctx, "pool-train", moveToInfer("node-a"))
	var inProgress *cloudmigrate.InProgressError
	if errors.As(err, &inProgress) {
		fmt.Println("in progress:", errors.Is(err, cloudmigrate.ErrInProgress), inProgress.Resource)
	}
	fmt.Println("same job:", again.ID() == first.ID())
	fmt.Println("starts sent:", srv.Calls(modelartstest.OpBatchMigrateNodes))
	// Output:
	// in progress: true node(s) node-a of pool pool-train
	// same job: true
	// starts sent: 1
}

// A job that fails ends the wait with the service's reason.
func ExampleClient_BatchMigrateNodes_failed() {
	srv, c := newExampleFake()
	defer srv.Close()
	srv.FailNextMigrations(1, "no free IP addresses in the destination subnet")
	ctx := context.Background()

	op, err := c.BatchMigrateNodes(ctx, "pool-train", moveToInfer("node-a"))
	if err != nil {
		log.Fatal(err)
	}
	srv.Clock().Advance(time.Hour)
	_, err = op.Wait(ctx)
	var failed *jobs.FailedError
	if errors.As(err, &failed) {
		fmt.Println(failed.Status.State, failed.Status.Word+":", failed.Status.Message)
	}
	// Output: failed Failed: no free IP addresses in the destination subnet
}

// Save the handle's token, and pick the migration up again later, in this
// process or another.
func ExampleClient_ResumeNodeMigration() {
	srv, c := newExampleFake()
	defer srv.Close()
	ctx := context.Background()

	op, err := c.BatchMigrateNodes(ctx, "pool-train", moveToInfer("node-c"))
	if err != nil {
		log.Fatal(err)
	}
	token, err := op.ResumeToken()
	if err != nil {
		log.Fatal(err)
	}
	// ... the program stops; the token is all it kept. Later:
	c2, err := modelarts.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	resumed, err := c2.ResumeNodeMigration(token)
	if err != nil {
		log.Fatal(err)
	}
	srv.Clock().Advance(time.Hour)
	st, err := resumed.Poll(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resumed.ID() == op.ID(), st.State, resumed.Done())

	// A token that was changed is refused, and nothing is sent.
	_, err = c2.ResumeNodeMigration(token[:len(token)-2] + "xx")
	var ve *cloudmigrate.ValidationError
	fmt.Println(errors.As(err, &ve), ve.Field)
	// Output:
	// true succeeded true
	// true token
}

func ExampleClient_BatchMigrateNodes_errors() {
	srv := newExampleServer()
	defer srv.Close()
	c := exampleClient(srv.URL)

	_, err := c.BatchMigrateNodes(context.Background(), "pool-missing", &modelarts.BatchMigrateOptions{
		MigrateNodeNames: []string{"os-node-a"},
		FromClusterName:  "pool-missing",
		ToClusterName:    "pool-target",
	})
	var apiErr *cloudmigrate.Error
	if errors.As(err, &apiErr) && apiErr.Code == modelarts.CodePoolNotFound {
		fmt.Println(apiErr.StatusCode, apiErr.Code, apiErr.Message, apiErr.RequestID)
	}

	// Bad input is refused before anything is sent.
	_, err = c.BatchMigrateNodes(context.Background(), "pool-source", &modelarts.BatchMigrateOptions{
		MigrateNodeNames: []string{"os-node-a"},
		FromClusterName:  "pool-source",
		ToClusterName:    "pool-target",
		ToPoolName:       "pool-target",
		ResourceSpec:     &modelarts.MigrateResourceSpec{},
	})
	var ve *cloudmigrate.ValidationError
	if errors.As(err, &ve) {
		fmt.Println("invalid:", ve.Field)
	}
	// Output:
	// 404 ModelArts.50015001 pool not found req-0001
	// invalid: resourceSpec.flavor
}

func ExampleClient_GetPool() {
	srv, c := newExampleFake()
	defer srv.Close()
	ctx := context.Background()

	for _, name := range []string{"pool-train", "pool-infer"} {
		pool, err := c.GetPool(ctx, name)
		if err != nil {
			log.Fatal(err)
		}
		available := pool.Status.Resources.Available
		fmt.Println(pool.Name(), pool.Status.Phase, available.Count("modelarts.vm.8u32g"), "available")
	}
	// Output:
	// pool-train Running 4 available
	// pool-infer Running 0 available
}

func ExampleClient_ListPools() {
	srv, c := newExampleFake()
	defer srv.Close()
	srv.SetPoolPhase("pool-infer", modelarts.PoolCreating)

	pools, err := c.ListPools(context.Background(), &modelarts.ListPoolsOptions{Status: modelarts.PoolsCreated})
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range pools {
		for _, r := range p.Spec.Resources {
			fmt.Println(p.Name(), p.Spec.Type, r.Flavor, r.Count)
		}
	}
	// Output: pool-train Dedicate modelarts.vm.8u32g 4
}

// Drain nodes before they leave, so no new work lands on them.
func ExampleClient_DrainNodes() {
	srv, c := newExampleFake()
	defer srv.Close()
	ctx := context.Background()

	if err := c.DrainNodes(ctx, "pool-train", []string{"node-a", "node-b"}); err != nil {
		log.Fatal(err)
	}
	for n, err := range c.ListPoolNodes(ctx, "pool-train", nil) {
		if err != nil {
			log.Fatal(err)
		}
		_, drained := n.DrainInfo()
		fmt.Println(n.Name(), drained)
	}
	// Output:
	// node-a true
	// node-b true
	// node-c false
	// node-d false
}

// Lock nodes against deletion from the console while they move, and
// unlock them afterwards.
func ExampleClient_LockNodes() {
	srv, c := newExampleFake()
	defer srv.Close()
	ctx := context.Background()

	res, err := c.LockNodes(ctx, "pool-train", []string{"node-a", "node-b"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Nodes, srv.NodeLocked("node-a"))

	// node-c is not locked: unlocking it fails for that node only.
	res, err = c.UnlockNodes(ctx, "pool-train", []string{"node-a", "node-c"})
	var nf *modelarts.NodesFailedError
	if errors.As(err, &nf) {
		fmt.Println("failed:", nf.Nodes)
	}
	fmt.Println(res.Nodes, srv.NodeLocked("node-a"))
	// Output:
	// [{node-a success} {node-b success}] true
	// failed: [node-c]
	// [{node-a success} {node-c failed}] false
}

func ExampleClient_UnlockNodes() {
	srv, c := newExampleFake()
	defer srv.Close()
	ctx := context.Background()

	if _, err := c.LockNodes(ctx, "pool-train", []string{"node-d"}); err != nil {
		log.Fatal(err)
	}
	res, err := c.UnlockNodes(ctx, "pool-train", []string{"node-d"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Failed([]string{"node-d"}), srv.NodeLocked("node-d"))
	// Output: [] false
}

func ExampleClient_GetJob() {
	srv := newExampleServer()
	defer srv.Close()
	c := exampleClient(srv.URL)

	job, err := c.GetJob(context.Background(), "pool-source", "job-ok")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(job.ID, job.Phase, job.Source)
	// Output: job-ok Running get
}

func ExampleClient_WaitForJob() {
	srv := newExampleServer()
	defer srv.Close()
	c := exampleClient(srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()

	// Short intervals suit this local stand-in only; real migrations take
	// minutes, so keep the defaults there.
	job, err := c.WaitForJob(ctx, "pool-source", "job-ok",
		jobs.WithInterval(time.Millisecond, 10*time.Millisecond),
		jobs.WithProgress(func(s jobs.Status) { fmt.Println("phase:", s.Word) }))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("done:", job.ID, job.Phase)
	// Output:
	// phase: Running
	// phase: Success
	// done: job-ok Success
}

func ExampleClient_WaitForJob_failed() {
	srv := newExampleServer()
	defer srv.Close()
	c := exampleClient(srv.URL)

	_, err := c.WaitForJob(context.Background(), "pool-source", "job-bad",
		jobs.WithInterval(time.Millisecond, 10*time.Millisecond))
	var fe *jobs.FailedError
	if errors.As(err, &fe) {
		job := fe.Job.(*modelarts.Job)
		fmt.Println("state:", fe.Status.State)
		fmt.Println("reason:", fe.Status.Message)
		fmt.Println("job:", job.ID, job.Phase)
	}
	// Output:
	// state: failed
	// reason: target pool has no free IP addresses
	// job: job-bad Failed
}

func ExampleClient_ListPoolNodes() {
	srv := newExampleServer()
	defer srv.Close()
	c := exampleClient(srv.URL)

	// After the job succeeds, confirm the nodes arrived in the target pool.
	for node, err := range c.ListPoolNodes(context.Background(), "pool-target", nil) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(node.Name(), node.Spec.Flavor, node.Status.Phase, node.Status.Phase == modelarts.NodeAvailable)
	}
	// Output:
	// os-node-a modelarts.vm.2u4g Available true
	// os-node-b modelarts.vm.2u4g Creating false
}

func ExampleClient_ListPoolJobs() {
	srv := newExampleServer()
	defer srv.Close()
	c := exampleClient(srv.URL)

	for job, err := range c.ListPoolJobs(context.Background(), "pool-source", nil) {
		if err != nil {
			log.Fatal(err)
		}
		took := job.EndTimestamp.Time().Sub(job.StartTimestamp.Time())
		fmt.Println(job.ID, job.Phase, job.Message, took)
	}
	// Output:
	// job-ok Success  10m0s
	// job-bad Failed target pool has no free IP addresses 0s
}

// Move two nodes from one resource pool to another and wait until they
// are Available there, against the fake of package modelartstest (see
// newExampleFake), whose clock the wait moves a minute after every poll.
func Example() {
	srv, c := newExampleFake()
	defer srv.Close()
	ctx := context.Background()

	op, err := c.BatchMigrateNodes(ctx, "pool-train", moveToInfer("node-a", "node-b"))
	if err != nil {
		log.Fatal(err)
	}
	job, err := op.Wait(ctx,
		jobs.WithInterval(time.Millisecond, time.Millisecond),
		jobs.WithProgress(func(jobs.Status) { srv.Clock().Advance(time.Minute) }))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("job", job.Phase)
	for _, n := range srv.PoolNodes("pool-infer") {
		fmt.Println(n.Name(), n.Status.Phase)
	}
	fmt.Println("left in pool-train:", len(srv.PoolNodes("pool-train")))
	// Output:
	// job Success
	// node-a Available
	// node-b Available
	// left in pool-train: 2
}
