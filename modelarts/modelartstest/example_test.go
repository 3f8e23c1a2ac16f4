package modelartstest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/modelarts"
	"github.com/cloudmigrate/cloudmigrate/modelarts/modelartstest"
)

// A user test: move two nodes to another pool, wait for the job while
// stepping the fake's clock, and check the target pool.
func Example() {
	srv := modelartstest.NewServer()
	defer srv.Close()
	srv.AddPool("pool-src")
	srv.AddPool("pool-dst")
	for _, name := range []string{"node-a", "node-b", "node-c"} {
		srv.AddNode("pool-src", name, "modelarts.vm.2u4g")
	}

	c, err := modelarts.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	op, err := c.BatchMigrateNodes(ctx, "pool-src", &modelarts.BatchMigrateOptions{
		MigrateNodeNames: []string{"node-a", "node-b"},
		FromClusterName:  "pool-src",
		ToClusterName:    "pool-dst",
		ToPoolName:       "pool-dst",
		ResourceSpec:     &modelarts.MigrateResourceSpec{Flavor: "modelarts.vm.8u32g"},
	})
	if err != nil {
		log.Fatal(err)
	}
	// Wait follows the job and confirms the nodes in pool-dst.
	job, err := op.Wait(ctx,
		jobs.WithInterval(time.Millisecond, 5*time.Millisecond),
		jobs.WithProgress(func(s jobs.Status) {
			fmt.Println("job is", s.Word)
			srv.Clock().Advance(2 * time.Minute)
		}))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("took", job.EndTimestamp.Time().Sub(job.StartTimestamp.Time()))
	for node, err := range c.ListPoolNodes(ctx, "pool-dst", nil) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(node.Name(), node.Spec.Flavor, node.Status.Phase)
	}
	pool, err := c.GetPool(ctx, "pool-dst")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("pool-dst available:", pool.Status.Resources.Available.Count(""))
	// Output:
	// job is Running
	// job is Running
	// job is Success
	// took 3m30s
	// node-a modelarts.vm.8u32g Available
	// node-b modelarts.vm.8u32g Available
	// pool-dst available: 2
}

// Make the next migration fail and see the service's reason, and a
// refused call's error code.
func ExampleServer_FailNextMigrations() {
	srv := modelartstest.NewServer()
	defer srv.Close()
	srv.AddPool("pool-src")
	srv.AddPool("pool-dst")
	srv.AddNode("pool-src", "node-a", "modelarts.vm.2u4g")
	srv.AddNode("pool-src", "node-b", "modelarts.vm.2u4g")
	srv.FailNextMigrations(1, "no free IP addresses in the destination subnet")

	c, err := modelarts.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	req := &modelarts.BatchMigrateOptions{
		MigrateNodeNames: []string{"node-a"},
		FromClusterName:  "pool-src",
		ToClusterName:    "pool-dst",
		ToPoolName:       "pool-dst",
		ResourceSpec:     &modelarts.MigrateResourceSpec{Flavor: "modelarts.vm.2u4g"},
	}
	op, err := c.BatchMigrateNodes(ctx, "pool-src", req)
	if err != nil {
		log.Fatal(err)
	}
	srv.Clock().Advance(time.Hour)
	_, err = op.Wait(ctx)
	var failed *jobs.FailedError
	if errors.As(err, &failed) {
		fmt.Println(failed.Status.Word+":", failed.Status.Message)
	}

	// Moving both nodes would leave pool-src empty: the fake refuses.
	req.MigrateNodeNames = []string{"node-a", "node-b"}
	_, err = c.BatchMigrateNodes(ctx, "pool-src", req)
	var apiErr *cloudmigrate.Error
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Code == modelartstest.CodeTooFewNodes)
	}
	// Output:
	// Failed: no free IP addresses in the destination subnet
	// 400 true
}

// A job that reports Success while its nodes stayed where they were: the
// handle's wait checks the target pool and says what is missing.
func ExampleServer_SucceedNextWithoutMoving() {
	srv := modelartstest.NewServer()
	defer srv.Close()
	srv.AddPool("pool-src")
	srv.AddPool("pool-dst")
	srv.AddNode("pool-src", "node-a", "modelarts.vm.2u4g")
	srv.AddNode("pool-src", "node-b", "modelarts.vm.2u4g")
	srv.SucceedNextWithoutMoving(1)

	c, err := modelarts.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	op, err := c.BatchMigrateNodes(ctx, "pool-src", &modelarts.BatchMigrateOptions{
		MigrateNodeNames: []string{"node-a"},
		FromClusterName:  "pool-src",
		ToClusterName:    "pool-dst",
		ToPoolName:       "pool-dst",
		ResourceSpec:     &modelarts.MigrateResourceSpec{Flavor: "modelarts.vm.2u4g"},
	})
	if err != nil {
		log.Fatal(err)
	}
	srv.Clock().Advance(time.Hour)
	job, err := op.Wait(ctx, jobs.WithInterval(time.Millisecond, time.Millisecond))
	var failed *jobs.FailedError
	if errors.As(err, &failed) {
		fmt.Println("job:", job.Phase)
		fmt.Println(strings.TrimPrefix(failed.Status.Message, "job "+job.ID+" "))
	}
	// Output:
	// job: Success
	// reported Success, but node(s) node-a are not in pool pool-dst
}

// Without job inputs the fake's job list does not say which nodes a job
// moves; a second start still adopts the move, from the nodes' phases.
func ExampleWithoutJobInputs() {
	srv := modelartstest.NewServer(modelartstest.WithoutJobInputs())
	defer srv.Close()
	srv.AddPool("pool-src")
	srv.AddPool("pool-dst")
	for _, n := range []string{"node-a", "node-b", "node-c"} {
		srv.AddNode("pool-src", n, "modelarts.vm.2u4g")
	}
	c, err := modelarts.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	req := &modelarts.BatchMigrateOptions{
		MigrateNodeNames: []string{"node-a"},
		FromClusterName:  "pool-src",
		ToClusterName:    "pool-dst",
		ToPoolName:       "pool-dst",
		ResourceSpec:     &modelarts.MigrateResourceSpec{Flavor: "modelarts.vm.2u4g"},
	}
	if _, err := c.BatchMigrateNodes(ctx, "pool-src", req); err != nil {
		log.Fatal(err)
	}
	_, err = c.BatchMigrateNodes(ctx, "pool-src", req)
	var inProgress *cloudmigrate.InProgressError
	if errors.As(err, &inProgress) {
		fmt.Println(strings.Contains(inProgress.Evidence, "node-a Checking"))
	}
	fmt.Println("starts:", srv.Calls(modelartstest.OpBatchMigrateNodes))
	// Output:
	// true
	// starts: 1
}

// Drain and lock nodes before a move; the fake keeps both states.
func ExampleServer_NodeDrained() {
	srv := modelartstest.NewServer()
	defer srv.Close()
	srv.AddPool("pool-src")
	for _, n := range []string{"node-a", "node-b"} {
		srv.AddNode("pool-src", n, "modelarts.vm.2u4g")
	}
	c, err := modelarts.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if err := c.DrainNodes(ctx, "pool-src", []string{"node-a"}); err != nil {
		log.Fatal(err)
	}
	if _, err := c.LockNodes(ctx, "pool-src", []string{"node-b"}); err != nil {
		log.Fatal(err)
	}
	fmt.Println(srv.NodeDrained("node-a"), srv.NodeLocked("node-b"))

	// A locked node cannot be drained.
	err = c.DrainNodes(ctx, "pool-src", []string{"node-b"})
	var apiErr *cloudmigrate.Error
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Code == modelartstest.CodeNodeLocked)
	}
	// Output:
	// true true
	// 409 true
}

// A pool being created is listed with status "creating".
func ExampleServer_SetPoolPhase() {
	srv := modelartstest.NewServer()
	defer srv.Close()
	srv.AddPool("pool-a")
	srv.AddPool("pool-b")
	srv.SetPoolPhase("pool-b", modelarts.PoolCreating)
	c, err := modelarts.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	pools, err := c.ListPools(context.Background(), &modelarts.ListPoolsOptions{Status: modelarts.PoolsCreating})
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range pools {
		fmt.Println(p.Name(), p.Status.Phase)
	}
	// Output: pool-b Creating
}
