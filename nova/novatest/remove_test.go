package novatest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/nova"
	"github.com/cloudmigrate/cloudmigrate/nova/novatest"
)

// TestRemoveServer deletes a server with two migrations: its records
// leave /os-migrations, as nova soft-deletes them with the server, while
// their UUIDs still page, and another server's records stay.
func TestRemoveServer(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	srv.AddServer(serverB, host1, novatest.StatusActive)
	for _, to := range []string{host2, host1} {
		if _, err := c.LiveMigrate(ctx, serverA, &nova.LiveMigrateOptions{Host: to}); err != nil {
			t.Fatal(err)
		}
		srv.Clock().Advance(time.Hour)
	}
	if _, err := c.LiveMigrate(ctx, serverB, &nova.LiveMigrateOptions{Host: host3}); err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(time.Hour)
	list := func(o nova.ListMigrationsOptions) ([]int, error) {
		var ids []int
		for m, err := range c.ListMigrations(ctx, &o) {
			if err != nil {
				return ids, err
			}
			ids = append(ids, m.ID)
		}
		return ids, nil
	}
	if ids, err := list(nova.ListMigrationsOptions{}); err != nil || fmt.Sprint(ids) != "[3 2 1]" {
		t.Fatalf("before: %v %v", ids, err)
	}
	first, _ := srv.Migration(2)

	if !srv.RemoveServer(serverA) || srv.RemoveServer(serverA) {
		t.Fatal("RemoveServer did not report the server once")
	}
	if ids, err := list(nova.ListMigrationsOptions{}); err != nil || fmt.Sprint(ids) != "[3]" {
		t.Errorf("after: %v %v", ids, err)
	}
	if ids, err := list(nova.ListMigrationsOptions{InstanceUUID: serverA}); err != nil || len(ids) != 0 {
		t.Errorf("the removed server's: %v %v", ids, err)
	}
	// The marker of a removed record pages from where it was.
	if ids, err := list(nova.ListMigrationsOptions{Marker: first.UUID}); err != nil || len(ids) != 0 {
		t.Errorf("after the removed marker: %v %v", ids, err)
	}
	if _, ok := srv.Migration(1); ok {
		t.Error("Migration shows a removed server's record")
	}
	if got := srv.Migrations(""); len(got) != 1 || got[0].ID != 3 {
		t.Errorf("Migrations %+v", got)
	}
	if _, ok := srv.ServerState(serverA); ok {
		t.Error("the removed server is still there")
	}
	if _, err := c.GetServer(ctx, serverA); !cloudmigrate.IsNotFound(err) {
		t.Errorf("GetServer of the removed server: %v", err)
	}
	if _, err := c.ListServerMigrations(ctx, serverA); !cloudmigrate.IsNotFound(err) {
		t.Errorf("ListServerMigrations of the removed server: %v", err)
	}
}

// A test of code that cleans up after a drain: nova forgets the
// migrations of a deleted server.
func ExampleServer_RemoveServer() {
	srv := novatest.NewServer()
	defer srv.Close()
	const id = "4cfba335-03d8-49b2-8c52-e69043d1e8fe"
	srv.AddHost("compute1", "compute2")
	srv.AddServer(id, "compute1", novatest.StatusActive)

	ctx := context.Background()
	c, err := nova.NewClientFromKeystone(ctx, srv.Authorizer(), "", "")
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := c.LiveMigrate(ctx, id, &nova.LiveMigrateOptions{Host: "compute2"}); err != nil {
		fmt.Println(err)
		return
	}
	srv.Clock().Advance(time.Hour)
	fmt.Println(len(srv.Migrations(id)), srv.RemoveServer(id), len(srv.Migrations(id)))
	// Output: 1 true 0
}
