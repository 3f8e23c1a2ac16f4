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

// ecsMigrate runs the flow against any ECS endpoint.
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
	opts := append([]jobs.Option{jobs.WithProgress(out.progress)}, poll...)
	job, err := c.WaitForJob(ctx, res.JobID, opts...)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("server %s moved to %s: job %s %s in %s", serverID, target, job.ID, job.Status, time.Since(start).Round(time.Millisecond)), nil
}

func ecsReal(cfg *realConfig) flow {
	return flow{name: "ecs", run: func(ctx context.Context, out *printer) (string, error) {
		env, err := auth.HuaweiFromEnv()
		if err != nil {
			return "", err
		}
		endpoint := cfg.ecsEndpoint
		if endpoint == "" {
			endpoint = fmt.Sprintf("https://ecs.%s.myhuaweicloud.com", env.Region)
		}
		c, err := ecs.NewClient(endpoint, env.ProjectID, env.AKSK)
		if err != nil {
			return "", err
		}
		return ecsMigrate(ctx, out, c, cfg.ecsServer, cfg.ecsHost, nil)
	}}
}

// fastPolls polls the fakes often, so the demo is quick.
func fastPolls() []jobs.Option {
	return []jobs.Option{jobs.WithInterval(20*time.Millisecond, 100*time.Millisecond)}
}
