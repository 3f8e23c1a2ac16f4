package novatest_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/cloudmigrate/cloudmigrate/nova"
	"github.com/cloudmigrate/cloudmigrate/nova/novatest"
)

// A user test of a drain step: the code under test disables the host's
// compute service before moving servers off it; the fake shows what it
// did, and the scheduler no longer picks the host.
func ExampleServer_ComputeService() {
	srv := novatest.NewServer()
	defer srv.Close()
	srv.AddHost("compute1", "compute2", "compute3")
	srv.AddServer(exServer, "compute1", novatest.StatusActive)
	ctx := context.Background()
	c, err := nova.NewClientFromKeystone(ctx, srv.Authorizer(), "", "")
	if err != nil {
		log.Fatal(err)
	}

	// The code under test.
	if _, err := c.DisableService(ctx, "compute2", "maintenance"); err != nil {
		log.Fatal(err)
	}
	if _, err := c.LiveMigrate(ctx, exServer, nil); err != nil {
		log.Fatal(err)
	}

	info, _ := srv.ComputeService("compute2")
	fmt.Println("compute2 disabled:", info.Disabled, info.DisabledReason)
	srv.Clock().Advance(5 * time.Minute)
	server, _ := srv.ServerState(exServer)
	fmt.Println("server on", server.Host)
	fmt.Println("service updates:", srv.Calls(novatest.OpUpdateService))
	// Output:
	// compute2 disabled: true maintenance
	// server on compute3
	// service updates: 1
}

// Setting a test up with a host whose compute service was forced down,
// as an operator does for a host that died: its hypervisor shows down, and
// its servers can be evacuated.
func ExampleServer_SetServiceForcedDown() {
	srv := novatest.NewServer()
	defer srv.Close()
	srv.AddHost("compute1", "compute2")
	srv.SetServiceForcedDown("compute1", true)
	ctx := context.Background()
	c, err := nova.NewClientFromKeystone(ctx, srv.Authorizer(), "", "")
	if err != nil {
		log.Fatal(err)
	}
	for h, err := range c.ListHypervisors(ctx, nil) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(h.HypervisorHostname, h.State, h.Status)
	}
	// Output:
	// compute1 down enabled
	// compute2 up enabled
}

// A test of code that must cope with a disabled target: nova accepts a
// cold migration named to it, and its scheduler then fails it.
func ExampleServer_SetServiceDisabled() {
	srv := novatest.NewServer()
	defer srv.Close()
	srv.AddHost("compute1", "compute2")
	srv.AddServer(exServer, "compute1", novatest.StatusActive)
	srv.SetServiceDisabled("compute2", true, "maintenance")
	ctx := context.Background()
	c, err := nova.NewClientFromKeystone(ctx, srv.Authorizer(), "", "")
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.Migrate(ctx, exServer, &nova.MigrateOptions{Host: "compute2"})
	fmt.Println("start:", err)
	for _, m := range srv.Migrations(exServer) {
		fmt.Println("migration:", m.Status, "to", m.DestCompute)
	}
	// Output:
	// start: <nil>
	// migration: error to <nil>
}
