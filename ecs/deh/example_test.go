package deh_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/ecs"
	"github.com/cloudmigrate/cloudmigrate/ecs/deh"
	"github.com/cloudmigrate/cloudmigrate/ecs/ecstest"
)

// The examples run against the fake of package ecstest, which serves the
// DeH API beside ECS's. Against the real service, use Endpoint and an
// AK/SK signer:
//
//	authz := auth.NewAKSK(os.Getenv("HUAWEICLOUD_SDK_AK"), os.Getenv("HUAWEICLOUD_SDK_SK"))
//	c, err := deh.NewClientForRegion("cn-north-4", projectID, authz)

// Pick an available host with room for a server of 4 vCPUs and 8 GiB.
func ExampleClient_ListHosts() {
	srv := ecstest.NewServer()
	defer srv.Close()
	srv.AddDedicatedHost(ecstest.HostInfo{ID: "deh-a", VCPUs: 8, Memory: 16384})
	srv.AddDedicatedHost(ecstest.HostInfo{ID: "deh-b", VCPUs: 16, Memory: 65536})
	srv.AddDedicatedHost(ecstest.HostInfo{ID: "deh-c", VCPUs: 16, Memory: 65536, State: ecstest.HostFault})
	srv.AddServer(ecstest.ServerInfo{ID: "web-1", HostID: "deh-a", Flavor: "s6.xlarge.2"})

	c, err := deh.NewClient(srv.DedicatedHostURL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	for h, err := range c.ListHosts(context.Background(), &deh.ListHostsOptions{State: deh.StateAvailable}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s: %d vCPUs and %d MiB free, %d servers, fits: %v\n",
			h.ID, h.AvailableVCPUs, h.AvailableMemory, h.InstanceTotal, h.Fits(4, 8192))
	}
	// Output:
	// deh-a: 4 vCPUs and 8192 MiB free, 1 servers, fits: true
	// deh-b: 16 vCPUs and 65536 MiB free, 0 servers, fits: true
}

func ExampleClient_GetHost() {
	srv := ecstest.NewServer()
	defer srv.Close()
	srv.AddDedicatedHost(ecstest.HostInfo{ID: "deh-a", Name: "rack-7", HostType: "c6", VCPUs: 64, Memory: 262144})
	srv.AddServer(ecstest.ServerInfo{ID: "web-1", HostID: "deh-a", Flavor: "c6.2xlarge.4"})

	c, err := deh.NewClient(srv.DedicatedHostURL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	h, err := c.GetHost(context.Background(), "deh-a")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(h.Name, h.State, h.Properties.HostType, h.Properties.VCPUs, h.AvailableVCPUs, h.InstanceUUIDs)
	// Output:
	// rack-7 available c6 64 56 [web-1]
}

// Drain a dedicated host: list its servers, then cold-migrate each stopped
// one to another host; the hosts' lists follow the servers as they move.
// The list is read to the end before anything moves: a marker whose
// server has left the host is refused.
func ExampleClient_ListHostServers() {
	srv := ecstest.NewServer()
	defer srv.Close()
	srv.AddHost("deh-a", "deh-b")
	srv.AddServer(ecstest.ServerInfo{ID: "web-1", HostID: "deh-a"})
	srv.AddServer(ecstest.ServerInfo{ID: "web-2", HostID: "deh-a"})
	ctx := context.Background()

	hosts, err := deh.NewClient(srv.DedicatedHostURL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	servers, err := ecs.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	var drain []deh.HostServer
	for s, err := range hosts.ListHostServers(ctx, "deh-a", nil) {
		if err != nil {
			log.Fatal(err)
		}
		drain = append(drain, s)
	}
	for _, s := range drain {
		fmt.Println("moving", s.ID, s.Status)
		op, err := servers.ColdMigrate(ctx, s.ID, &ecs.ColdMigrateOptions{DedicatedHostID: "deh-b"})
		if err != nil {
			log.Fatal(err)
		}
		srv.Clock().Advance(time.Hour)
		if _, err := op.Wait(ctx); err != nil {
			log.Fatal(err)
		}
	}
	for s, err := range hosts.ListHostServers(ctx, "deh-b", nil) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("on deh-b:", s.ID)
	}
	// Output:
	// moving web-1 SHUTOFF
	// moving web-2 SHUTOFF
	// on deh-b: web-1
	// on deh-b: web-2
}

func ExampleEndpoint() {
	endpoint, err := deh.Endpoint("ap-southeast-3")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(endpoint)
	// Output: https://deh.ap-southeast-3.myhuaweicloud.com
}

func ExampleNewClientForRegion() {
	authz := auth.NewAKSK("HPUAEXAMPLEAKID00001", "example-secret-key")
	c, err := deh.NewClientForRegion("cn-north-4", "0a1b2c3d4e5f60718293a4b5c6d7e8f9", authz)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Endpoint(), c.ProjectID())
	// Output: https://deh.cn-north-4.myhuaweicloud.com 0a1b2c3d4e5f60718293a4b5c6d7e8f9
}

func ExampleNewClient() {
	srv := ecstest.NewServer()
	defer srv.Close()
	// The same key pair and project serve ECS and DeH; on Huawei Cloud the
	// endpoints differ (see Endpoint), on the fake they are one address.
	c, err := deh.NewClient(srv.DedicatedHostURL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	n := 0
	for _, err := range c.ListHosts(context.Background(), nil) {
		if err != nil {
			log.Fatal(err)
		}
		n++
	}
	fmt.Println(c.ProjectID() == srv.ProjectID(), n)
	// Output: true 0
}

// Find a dedicated host with room for a server of 4 vCPUs and 8 GiB, and
// list what already runs there, against the fake of package ecstest.
func Example() {
	srv := ecstest.NewServer()
	defer srv.Close()
	srv.AddDedicatedHost(ecstest.HostInfo{ID: "deh-a", VCPUs: 4, Memory: 8192})
	srv.AddDedicatedHost(ecstest.HostInfo{ID: "deh-b", VCPUs: 16, Memory: 65536})
	srv.AddServer(ecstest.ServerInfo{ID: "web-1", HostID: "deh-a", Flavor: "s6.xlarge.2"})
	srv.AddServer(ecstest.ServerInfo{ID: "db-1", HostID: "deh-b", Flavor: "s6.xlarge.2"})

	c, err := deh.NewClient(srv.DedicatedHostURL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	for h, err := range c.ListHosts(ctx, &deh.ListHostsOptions{State: deh.StateAvailable}) {
		if err != nil {
			log.Fatal(err)
		}
		if !h.Fits(4, 8192) {
			fmt.Println(h.ID, "is full")
			continue
		}
		for s, err := range c.ListHostServers(ctx, h.ID, nil) {
			if err != nil {
				log.Fatal(err)
			}
			fmt.Println(h.ID, "has room; runs", s.ID)
		}
	}
	// Output:
	// deh-a is full
	// deh-b has room; runs db-1
}
