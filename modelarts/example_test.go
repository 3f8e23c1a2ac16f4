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

func ExampleClient_BatchMigrateNodes() {
	srv := newExampleServer()
	defer srv.Close()
	c := exampleClient(srv.URL)

	res, err := c.BatchMigrateNodes(context.Background(), "pool-source", &modelarts.BatchMigrateRequest{
		MigrateNodeNames: []string{"os-node-a", "os-node-b"},
		FromClusterName:  "pool-source",
		ToClusterName:    "pool-target",
		ToPoolName:       "pool-target",
		// A move into another pool needs the nodes' flavor there.
		ResourceSpec: &modelarts.MigrateResourceSpec{Flavor: "modelarts.vm.2u4g"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("job:", res.JobID, "request:", res.RequestID)
	// Output: job: job-ok request: req-0001
}

func ExampleClient_BatchMigrateNodes_errors() {
	srv := newExampleServer()
	defer srv.Close()
	c := exampleClient(srv.URL)

	_, err := c.BatchMigrateNodes(context.Background(), "pool-missing", &modelarts.BatchMigrateRequest{
		MigrateNodeNames: []string{"os-node-a"},
		FromClusterName:  "pool-missing",
		ToClusterName:    "pool-target",
	})
	var apiErr *cloudmigrate.Error
	if errors.As(err, &apiErr) && apiErr.Code == modelarts.CodePoolNotFound {
		fmt.Println(apiErr.StatusCode, apiErr.Code, apiErr.Message, apiErr.RequestID)
	}

	// Bad input is refused before anything is sent.
	_, err = c.BatchMigrateNodes(context.Background(), "pool-source", &modelarts.BatchMigrateRequest{
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
