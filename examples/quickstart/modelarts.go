package main

import (
	"context"
	"fmt"

	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/modelarts"
	"github.com/cloudmigrate/cloudmigrate/modelarts/modelartstest"
)

// modelartsFake moves two training nodes from one resource pool to
// another on the ModelArts fake, then lists the target pool.
func modelartsFake(ctx context.Context, out *printer) (string, error) {
	srv := modelartstest.NewServer(modelartstest.WithRealTime(600))
	defer srv.Close()
	srv.AddPool("pool-train")
	srv.AddPool("pool-infer")
	for _, n := range []string{"node-a", "node-b", "node-c"} {
		srv.AddNode("pool-train", n, "modelarts.vm.8u32g")
	}
	out.step("fake ModelArts at %s; pool-train has node-a, node-b, node-c", srv.URL())

	c, err := modelarts.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		return "", err
	}
	req := &modelarts.BatchMigrateRequest{
		MigrateNodeNames: []string{"node-a", "node-b"},
		FromClusterName:  "pool-train",
		ToClusterName:    "pool-infer",
		ToPoolName:       "pool-infer",
		ResourceSpec:     &modelarts.MigrateResourceSpec{Flavor: "modelarts.vm.8u32g"},
	}
	out.step("batch-migrating node-a, node-b to pool-infer")
	res, err := c.BatchMigrateNodes(ctx, "pool-train", req)
	if err != nil {
		return "", err
	}
	out.step("job %s accepted; waiting", res.JobID)
	opts := append([]jobs.Option{jobs.WithProgress(out.progress)}, fastPolls()...)
	job, err := c.WaitForJob(ctx, "pool-train", res.JobID, opts...)
	if err != nil {
		return "", err
	}
	available := 0
	for node, err := range c.ListPoolNodes(ctx, "pool-infer", nil) {
		if err != nil {
			return "", err
		}
		out.step("pool-infer: %s %s", node.Name(), node.Status.Phase)
		if node.Status.Phase == modelarts.NodeAvailable {
			available++
		}
	}
	return fmt.Sprintf("2 nodes moved pool-train -> pool-infer: job %s %s, %d available in the target", job.ID, job.Phase, available), nil
}
