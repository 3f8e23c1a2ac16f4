package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/ecs"
	"github.com/cloudmigrate/cloudmigrate/ecs/ecstest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// ecsFake stops a running server, cold-migrates it from one dedicated host
// to another and starts it again, on the ECS fake.
func ecsFake(ctx context.Context, out *printer) (string, error) {
	srv := ecstest.NewServer(ecstest.WithRealTime(1200))
	defer srv.Close()
	srv.AddHost("deh-a", "deh-b")
	srv.AddServer(ecstest.ServerInfo{ID: "srv-web-1", Status: ecstest.StatusActive, HostID: "deh-a"})
	out.step("fake ECS at %s; server srv-web-1 (running) on dedicated host deh-a", srv.URL())

	c, err := ecs.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		return "", err
	}
	return ecsMigrate(ctx, out, c, "srv-web-1", "deh-b", true, fastPolls())
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
		// A real server is never stopped by the quickstart: ECS refuses
		// to migrate it unless it is stopped already.
		return ecsMigrate(ctx, out, c, cfg.ecsServer, cfg.ecsHost, false, realPolls())
	}}
}

// ecsMigrate cold-migrates the server through the handles the SDK
// returns. With stopStart, a running server is stopped first and started
// again after.
func ecsMigrate(ctx context.Context, out *printer, c *ecs.Client, serverID, hostID string, stopStart bool, poll []jobs.Option) (string, error) {
	target := "the public pool"
	if hostID != "" {
		target = "dedicated host " + hostID
	}
	s, err := c.GetServer(ctx, serverID)
	if err != nil {
		return "", err
	}
	running := stopStart && s.Status == ecs.ServerActive
	if running {
		out.step("stopping %s", serverID)
		stop, err := c.StopServers(ctx, []string{serverID}, nil)
		if err != nil {
			return "", err
		}
		if _, err := stop.Wait(ctx, withProgress(out, poll)...); err != nil {
			return "", err
		}
	}
	out.step("cold-migrating %s to %s", serverID, target)
	start := time.Now()
	op, err := c.ColdMigrate(ctx, serverID, &ecs.ColdMigrateOptions{DedicatedHostID: hostID})
	switch {
	case errors.Is(err, cloudmigrate.ErrInProgress):
		out.step("already moving: following the move in flight")
	case err != nil:
		return "", err
	default:
		out.step("job %s accepted; waiting", op.ID())
	}
	if _, err := op.Wait(ctx, withProgress(out, poll)...); err != nil {
		return "", err
	}
	took := time.Since(start).Round(time.Millisecond)
	if running {
		out.step("starting %s again", serverID)
		started, err := c.StartServers(ctx, []string{serverID})
		if err != nil {
			return "", err
		}
		if _, err := started.Wait(ctx, withProgress(out, poll)...); err != nil {
			return "", err
		}
	}
	if s, err = c.GetServer(ctx, serverID); err != nil {
		return "", err
	}
	now := "the public pool"
	if h := s.DedicatedHostID(); h != "" {
		now = "dedicated host " + h
	}
	return fmt.Sprintf("server %s moved to %s in %s; now %s on %s", serverID, target, took, s.Status, now), nil
}
