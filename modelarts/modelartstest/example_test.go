package modelartstest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
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
	res, err := c.BatchMigrateNodes(ctx, "pool-src", &modelarts.BatchMigrateRequest{
		MigrateNodeNames: []string{"node-a", "node-b"},
		FromClusterName:  "pool-src",
		ToClusterName:    "pool-dst",
		ToPoolName:       "pool-dst",
		ResourceSpec:     &modelarts.MigrateResourceSpec{Flavor: "modelarts.vm.8u32g"},
	})
	if err != nil {
		log.Fatal(err)
	}
	job, err := c.WaitForJob(ctx, "pool-src", res.JobID,
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
	// Output:
	// job is Running
	// job is Running
	// job is Success
	// took 3m30s
	// node-a modelarts.vm.8u32g Available
	// node-b modelarts.vm.8u32g Available
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
	req := &modelarts.BatchMigrateRequest{
		MigrateNodeNames: []string{"node-a"},
		FromClusterName:  "pool-src",
		ToClusterName:    "pool-dst",
		ToPoolName:       "pool-dst",
		ResourceSpec:     &modelarts.MigrateResourceSpec{Flavor: "modelarts.vm.2u4g"},
	}
	res, err := c.BatchMigrateNodes(ctx, "pool-src", req)
	if err != nil {
		log.Fatal(err)
	}
	srv.Clock().Advance(time.Hour)
	_, err = c.WaitForJob(ctx, "pool-src", res.JobID)
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
