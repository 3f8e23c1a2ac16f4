package manila_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/manila"
	"github.com/cloudmigrate/cloudmigrate/manila/manilatest"
)

// sharesOn returns the IDs of the shares on a share server, and their
// hosts.
func sharesOn(t *testing.T, c *manila.Client, serverID string) ([]string, []string) {
	t.Helper()
	var ids, hosts []string
	for s, err := range c.ListShares(context.Background(), &manila.ListSharesOptions{ShareServerID: serverID}) {
		if err != nil {
			t.Fatal(err)
		}
		ids, hosts = append(ids, s.ID), append(hosts, s.Host)
	}
	slices.Sort(ids)
	slices.Sort(hosts)
	return ids, hosts
}

// TestDrainABackEnd empties a back end against the fake: its share
// service disabled with a reason (so no migration lands there), each of
// its share servers migrated to another back end with its shares, and
// the service enabled again.
func TestDrainABackEnd(t *testing.T) {
	const (
		backA, backB, backC = "manila-share-1@a", "manila-share-2@b", "manila-share-3@c"
		s1, s2, s3          = "1a1a1a1a-0000-4000-8000-000000000001", "1a1a1a1a-0000-4000-8000-000000000002", "1a1a1a1a-0000-4000-8000-000000000003"
	)
	srv := manilatest.NewServer()
	defer srv.Close()
	srv.AddShareServer(s1, backA)
	srv.AddShareServer(s2, backA)
	srv.AddShareServer(s3, backC)
	srv.AddBackend(backB)
	srv.AddServerShare("5a5a5a5a-0000-4000-8000-000000000001", s1, backA+"#p1")
	srv.AddServerShare("5a5a5a5a-0000-4000-8000-000000000002", s1, backA+"#p2")
	srv.AddServerShare("5a5a5a5a-0000-4000-8000-000000000003", s2, backA+"#p1")
	srv.AddShare("5a5a5a5a-0000-4000-8000-000000000004", backC+"#p1")
	c := opClient(t, srv)
	ctx := context.Background()

	disabled, err := c.DisableService(ctx, backA, "", "emptying a")
	if err != nil || disabled.Status != manila.ServiceDisabled || disabled.DisabledReason != "emptying a" {
		t.Fatalf("disable: %+v, %v", disabled, err)
	}
	list, err := c.ListServices(ctx, &manila.ListServicesOptions{Binary: manila.BinaryShare, Status: manila.ServiceDisabled})
	if err != nil || len(list) != 1 || list[0].Host != backA || list[0].DisabledReason != "emptying a" || list[0].State != manila.ServiceUp {
		t.Fatalf("disabled services: %+v, %v", list, err)
	}
	// Nothing moves to the disabled back end.
	_, err = c.StartMigration(ctx, s3, &manila.StartMigrationOptions{Host: backA})
	if !cloudmigrate.IsNotFound(err) {
		t.Errorf("a migration to the disabled back end: %v", err)
	}
	_, err = c.StartShareMigration(ctx, "5a5a5a5a-0000-4000-8000-000000000004", &manila.StartShareMigrationOptions{Host: backA + "#p1"})
	if !cloudmigrate.IsNotFound(err) {
		t.Errorf("a share migration to the disabled back end: %v", err)
	}
	if n := srv.Calls(manilatest.OpStart) + srv.Calls(manilatest.OpShareStart); n != 2 {
		t.Errorf("%d starts reached the fake", n)
	}

	servers, err := c.ListShareServers(ctx, &manila.ListShareServersOptions{Host: backA, Status: manila.ShareServerStatusActive})
	if err != nil || len(servers) != 2 || servers[0].ID != s1 || servers[1].ID != s2 {
		t.Fatalf("share servers of %s: %+v, %v", backA, servers, err)
	}
	step := jobs.WithProgress(func(jobs.Status) { srv.Clock().Advance(time.Minute) })
	fast := jobs.WithInterval(time.Millisecond, time.Millisecond)
	for _, sv := range servers {
		before, _ := sharesOn(t, c, sv.ID)
		op, err := c.StartMigration(ctx, sv.ID, &manila.StartMigrationOptions{Host: backB, Writable: true, PreserveSnapshots: true})
		if err != nil {
			t.Fatal(err)
		}
		srv.Clock().Advance(time.Minute)
		// While the share server moves, its shares say so.
		for s, err := range c.ListShares(ctx, &manila.ListSharesOptions{ShareServerID: sv.ID}) {
			if err != nil || s.Status != manila.ShareStatusServerMigrating {
				t.Errorf("share during the migration: %+v, %v", s, err)
			}
		}
		dest, err := op.Wait(ctx, fast, step)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.CompleteMigration(ctx, sv.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := c.WaitForMigrationComplete(ctx, sv.ID, fast, step); err != nil {
			t.Fatal(err)
		}
		after, hosts := sharesOn(t, c, dest.ID)
		if !slices.Equal(before, after) || len(after) == 0 {
			t.Errorf("%s's shares %v, on %s after the move %v", sv.ID, before, dest.ID, after)
		}
		for _, h := range hosts {
			if h != backB+"#p1" && h != backB+"#p2" {
				t.Errorf("a share on %s after the move", h)
			}
		}
		if left, _ := sharesOn(t, c, sv.ID); len(left) != 0 {
			t.Errorf("shares left on %s: %v", sv.ID, left)
		}
	}
	if left, err := c.ListShareServers(ctx, &manila.ListShareServersOptions{Host: backA, Status: manila.ShareServerStatusActive}); err != nil || len(left) != 0 {
		t.Errorf("active share servers left on %s: %+v, %v", backA, left, err)
	}
	enabled, err := c.EnableService(ctx, backA, manila.BinaryShare)
	if err != nil || enabled.Status != manila.ServiceEnabled {
		t.Fatalf("enable: %+v, %v", enabled, err)
	}
	if info, _ := srv.Service(backA, manilatest.BinaryShare); info.Disabled || info.DisabledReason != "" {
		t.Errorf("service after enabling %+v", info)
	}
}
