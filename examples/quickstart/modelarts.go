package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
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
	return modelartsMove(ctx, out, c, "pool-train", "pool-infer", []string{"node-a", "node-b"}, "modelarts.vm.8u32g", fastPolls())
}

func modelartsReal(cfg *realConfig) flow {
	return flow{name: "modelarts", run: func(ctx context.Context, out *printer) (string, error) {
		env, err := auth.HuaweiFromEnv()
		if err != nil {
			return "", err
		}
		endpoint, err := huaweiEndpoint(cfg.modelartsEndpoint, "modelarts", env.Region)
		if err != nil {
			return "", err
		}
		c, err := modelarts.NewClient(endpoint, env.ProjectID, env.AKSK)
		if err != nil {
			return "", err
		}
		return modelartsMove(ctx, out, c, cfg.maPool, cfg.maToPool, splitList(cfg.maNodes), cfg.maFlavor, realPolls())
	}}
}

// modelartsMove shows the target pool's capacity, batch-migrates nodes
// between pools (or adopts the move already under way) and waits until
// they are Available in the target.
func modelartsMove(ctx context.Context, out *printer, c *modelarts.Client, from, to string, nodes []string, flavor string, poll []jobs.Option) (string, error) {
	before, err := c.GetPool(ctx, to)
	if err != nil {
		return "", err
	}
	out.step("%s is %s with %d nodes available", to, before.Status.Phase, before.Status.Resources.Available.Count(""))
	req := &modelarts.BatchMigrateOptions{
		MigrateNodeNames: nodes,
		FromClusterName:  from,
		ToClusterName:    to,
	}
	if to != from {
		req.ToPoolName = to
		req.ResourceSpec = &modelarts.MigrateResourceSpec{Flavor: flavor}
	}
	out.step("batch-migrating %v from %s to %s", nodes, from, to)
	op, err := c.BatchMigrateNodes(ctx, from, req)
	switch {
	case errors.Is(err, cloudmigrate.ErrInProgress):
		out.step("%v", err)
	case err != nil:
		return "", err
	}
	out.step("job %s; waiting until the nodes are Available in %s", op.ID(), to)
	job, err := op.Wait(ctx, withProgress(out, poll)...)
	if err != nil {
		return "", err
	}
	after, err := c.GetPool(ctx, to)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d nodes moved %s -> %s: job %s %s, %d available in the target (was %d)", len(op.Token().Resources), from, to,
		job.ID, job.Phase, after.Status.Resources.Available.Count(""), before.Status.Resources.Available.Count("")), nil
}
