package main

import (
	"context"
	"fmt"
	"time"

	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/ecs"
	"github.com/cloudmigrate/cloudmigrate/ecs/ecstest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// ecsFake cold-migrates a stopped server from one dedicated host to another
// on the ECS fake.
func ecsFake(ctx context.Context, out *printer) (string, error) {
	srv := ecstest.NewServer(ecstest.WithRealTime(1200))
	defer srv.Close()
	srv.AddHost("deh-a", "deh-b")
	srv.AddServer(ecstest.ServerInfo{ID: "srv-web-1", Status: ecstest.StatusShutoff, HostID: "deh-a"})
	out.step("fake ECS at %s; server srv-web-1 (stopped) on dedicated host deh-a", srv.URL())

	c, err := ecs.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		return "", err
	}
	return ecsMigrate(ctx, out, c, "srv-web-1", "deh-b", fastPolls())
}

func ecsReal(cfg *realConfig) flow {
	return flow{name: "ecs", run: func(ctx context.Context, out *printer) (string, error) {
		env, err := auth.HuaweiFromEnv()
		if err != nil {
			return "", err
		}
		endpoint, err := huaweiEndpoint(cfg.ecsEndpoint, "ecs", env.Region)
		if err != nil {
			return "", err
		}
		c, err := ecs.NewClient(endpoint, env.ProjectID, env.AKSK)
		if err != nil {
			return "", err
		}
		return ecsMigrate(ctx, out, c, cfg.ecsServer, cfg.ecsHost, realPolls())
	}}
}

// ecsMigrate starts the cold migration and waits for its job.
func ecsMigrate(ctx context.Context, out *printer, c *ecs.Client, serverID, hostID string, poll []jobs.Option) (string, error) {
	target := "the public pool"
	if hostID != "" {
		target = "dedicated host " + hostID
	}
	out.step("cold-migrating %s to %s", serverID, target)
	res, err := c.ColdMigrate(ctx, serverID, &ecs.ColdMigrateOptions{DedicatedHostID: hostID})
	if err != nil {
		return "", err
	}
	out.step("job %s accepted; waiting", res.JobID)
	start := time.Now()
	job, err := c.WaitForJob(ctx, res.JobID, withProgress(out, poll)...)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("server %s moved to %s: job %s %s in %s", serverID, target, job.ID, job.Status, time.Since(start).Round(time.Millisecond)), nil
}
