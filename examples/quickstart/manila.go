package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/manila"
	"github.com/cloudmigrate/cloudmigrate/manila/manilatest"
)

// manilaFake moves a share server to another back end in two phases on
// the Manila fake.
func manilaFake(ctx context.Context, out *printer) (string, error) {
	srv := manilatest.NewServer(manilatest.WithRealTime(300))
	defer srv.Close()
	const (
		serverID = "5d3c4e8a-share-srv-0001"
		from     = "manila-share-1@netapp1"
		to       = "manila-share-2@netapp2"
	)
	srv.AddShareServer(serverID, from)
	srv.AddBackend(to)
	out.step("fake Keystone + Manila at %s; share server on %s", srv.URL(), from)

	c, err := manila.NewClientFromKeystone(ctx, srv.Authorizer(), "", "")
	if err != nil {
		return "", err
	}
	return manilaTwoPhase(ctx, out, c, serverID, to, fastPolls())
}

func manilaReal(cfg *realConfig) flow {
	return flow{name: "manila", run: func(ctx context.Context, out *printer) (string, error) {
		env, err := auth.KeystoneFromEnv()
		if err != nil {
			return "", err
		}
		c, err := manila.NewClientFromKeystone(ctx, env.Keystone, env.Region, env.Interface, env.ShareOptions()...)
		if err != nil {
			return "", err
		}
		return manilaTwoPhase(ctx, out, c, cfg.manilaServer, cfg.manilaHost, realPolls())
	}}
}

// manilaTwoPhase checks, starts, waits for phase one, completes and waits
// for the end.
func manilaTwoPhase(ctx context.Context, out *printer, c *manila.Client, serverID, to string, poll []jobs.Option) (string, error) {
	mv, err := c.Microversion(ctx)
	if err != nil {
		return "", err
	}
	out.step("endpoint %s; microversion %s in use", c.Endpoint(), mv.InUse)

	check, err := c.CheckMigration(ctx, serverID, &manila.CheckMigrationOptions{Host: to, Writable: true, PreserveSnapshots: true})
	if err != nil {
		return "", err
	}
	out.step("check against %s: compatible=%v", to, check.Compatible)
	if !check.Compatible {
		return "", fmt.Errorf("back end %s is not compatible", to)
	}
	op, err := c.StartMigration(ctx, serverID, &manila.StartMigrationOptions{Host: to, Writable: true, PreserveSnapshots: true})
	switch {
	case errors.Is(err, cloudmigrate.ErrInProgress):
		out.step("already migrating, following that migration: %v", err)
	case err != nil:
		return "", err
	default:
		out.step("phase one started; waiting for migration_driver_phase1_done")
	}
	// The handle's wait ends when phase one is over and the destination
	// share server is on the back end asked for.
	dest, err := op.Wait(ctx, withProgress(out, poll)...)
	if err != nil {
		return "", err
	}
	out.step("phase one done: share server %s on %s takes over", dest.ID, dest.Host)
	done, err := c.CompleteMigration(ctx, serverID)
	if err != nil {
		return "", err
	}
	out.step("phase two: completing onto share server %s", done.DestinationShareServerID)
	final, err := c.WaitForMigrationComplete(ctx, serverID, withProgress(out, poll)...)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("share server %s moved to %s (%s), now %s", serverID, to, final.TaskState, done.DestinationShareServerID), nil
}
