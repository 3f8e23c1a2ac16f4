package main

import (
	"context"
	"fmt"

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
	out.step("fake Keystone + Nova at %s; server %s running on compute1", srv.URL(), serverID[:8])

	c, err := nova.NewClientFromKeystone(ctx, srv.Authorizer(), "", "")
	if err != nil {
		return "", err
	}
	mv, err := c.Microversion(ctx)
	if err != nil {
		return "", err
	}
	out.step("endpoint %s from the catalog; microversion %s negotiated (service max %s)", c.Endpoint(), mv.InUse, mv.ServerMax)

	out.step("live-migrating to compute2 (block_migration auto)")
	if err := c.LiveMigrate(ctx, serverID, &nova.LiveMigrateOptions{Host: "compute2"}); err != nil {
		return "", err
	}
	migs, err := c.ListServerMigrations(ctx, serverID)
	if err != nil {
		return "", err
	}
	if len(migs) == 0 {
		return "", fmt.Errorf("no in-progress migration listed for %s", serverID)
	}
	m := migs[0]
	out.step("migration %d is %s; following it", m.ID, m.Status)
	opts := append([]jobs.Option{jobs.WithProgress(out.progress)}, fastPolls()...)
	final, err := c.WaitForMigration(ctx, serverID, m.ID, opts...)
	if err != nil {
		return "", err
	}
	info, _ := srv.ServerState(serverID)
	return fmt.Sprintf("server %s live-migrated compute1 -> %s: migration %d %s", serverID[:8], info.Host, final.ID, final.Status), nil
}
