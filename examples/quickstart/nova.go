package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/nova"
	"github.com/cloudmigrate/cloudmigrate/nova/novatest"
)

// novaFake live-migrates a running server to another hypervisor on the
// nova fake, following the migration's memory copy to the end.
func novaFake(ctx context.Context, out *printer) (string, error) {
	srv := novatest.NewServer(novatest.WithRealTime(60))
	defer srv.Close()
	const serverID = "9e5c7a9b-0f5d-4f53-9c3a-4d1f0e0a1b2c"
	srv.AddHost("compute1", "compute2")
	srv.AddServer(serverID, "compute1", novatest.StatusActive)
	out.step("fake Keystone + Nova at %s; server %s running on compute1", srv.URL(), serverID)

	c, err := nova.NewClientFromKeystone(ctx, srv.Authorizer(), "", "")
	if err != nil {
		return "", err
	}
	return novaLiveMigrate(ctx, out, c, serverID, "compute2", fastPolls())
}

func novaReal(cfg *realConfig) flow {
	return flow{name: "nova", run: func(ctx context.Context, out *printer) (string, error) {
		env, err := auth.KeystoneFromEnv()
		if err != nil {
			return "", err
		}
		c, err := nova.NewClientFromKeystone(ctx, env.Keystone, env.Region, env.Interface, env.ComputeOptions()...)
		if err != nil {
			return "", err
		}
		return novaLiveMigrate(ctx, out, c, cfg.novaServer, cfg.novaHost, realPolls())
	}}
}

// novaLiveMigrate starts a live migration and follows its handle to the
// end, which nova reports and the SDK verifies: the server is on another
// host.
func novaLiveMigrate(ctx context.Context, out *printer, c *nova.Client, serverID, host string, poll []jobs.Option) (string, error) {
	mv, err := c.Microversion(ctx)
	if err != nil {
		return "", err
	}
	out.step("endpoint %s from the catalog; microversion %s in use (service max %s)", c.Endpoint(), mv.InUse, mv.ServerMax)
	target := host
	if target == "" {
		target = "a host the scheduler picks"
	}
	out.step("live-migrating %s to %s", serverID, target)
	op, err := c.LiveMigrate(ctx, serverID, &nova.LiveMigrateOptions{Host: host})
	switch {
	case errors.Is(err, cloudmigrate.ErrInProgress):
		out.step("the server was already moving: following that move instead (%v)", err)
	case err != nil:
		return "", err
	}
	token, err := op.ResumeToken()
	if err != nil {
		return "", err
	}
	out.step("resume token %s... (%d bytes): ResumeMigration follows the move from it", token[:min(len(token), 24)], len(token))
	res, err := op.Wait(ctx, withProgress(out, poll)...)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("server %s live-migrated to %s: migration %s %s", serverID, res.Server.Host, op.ID(), res.Migration.Status), nil
}
