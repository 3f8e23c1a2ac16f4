package nova_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/cloudmigrate/cloudmigrate/nova"
	"github.com/cloudmigrate/cloudmigrate/nova/novatest"
)

// startCloud runs the fake cloud of package novatest with three compute
// hosts and returns a client for it that negotiates the microversion.
func startCloud() (*novatest.Server, *nova.Client) {
	srv := novatest.NewServer()
	srv.AddHost("compute-1", "compute-2", "compute-3")
	srv.AddServer("0c2a7e1b-5d3f-4e6a-9b8c-7d6e5f4a3b21", "compute-1", novatest.StatusActive)
	c, err := nova.NewClientFromKeystone(context.Background(), srv.Authorizer(), "", "")
	if err != nil {
		log.Fatal(err)
	}
	return srv, c
}

func ExampleClient_ListServices() {
	srv, c := startCloud()
	defer srv.Close()

	services, err := c.ListServices(context.Background(), &nova.ListServicesOptions{Binary: nova.BinaryCompute})
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range services {
		fmt.Println(s.Host, s.Binary, s.Zone, s.Status, s.State)
	}
	// Output:
	// compute-1 nova-compute nova enabled up
	// compute-2 nova-compute nova enabled up
	// compute-3 nova-compute nova enabled up
}

func ExampleClient_DisableService() {
	srv, c := startCloud()
	defer srv.Close()
	ctx := context.Background()

	// Before draining compute-1: no new server or migration lands there.
	s, err := c.DisableService(ctx, "compute-1", "maintenance: firmware update")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Host, s.Status, s.DisabledReason)

	// A host nova has no compute service on.
	_, err = c.DisableService(ctx, "compute-9", "maintenance")
	fmt.Println(errors.Is(err, nova.ErrServiceNotFound))
	// Output:
	// compute-1 disabled maintenance: firmware update
	// true
}

func ExampleClient_EnableService() {
	srv, c := startCloud()
	defer srv.Close()
	ctx := context.Background()

	if _, err := c.DisableService(ctx, "compute-1", "maintenance"); err != nil {
		log.Fatal(err)
	}
	// ... the host is drained and serviced ...
	s, err := c.EnableService(ctx, "compute-1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s %s reason=%q\n", s.Host, s.Status, s.DisabledReason)
	// Output: compute-1 enabled reason=""
}

func ExampleClient_ForceDownService() {
	srv, c := startCloud()
	defer srv.Close()
	ctx := context.Background()

	// compute-1 is fenced (powered off): mark it down now, so that its
	// servers can be evacuated without waiting for nova to notice.
	s, err := c.ForceDownService(ctx, "compute-1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Host, s.State, *s.ForcedDown)
	// Output: compute-1 down true
}

func ExampleClient_ClearForceDown() {
	srv, c := startCloud()
	defer srv.Close()
	ctx := context.Background()

	if _, err := c.ForceDownService(ctx, "compute-1"); err != nil {
		log.Fatal(err)
	}
	// The host is repaired and its compute service runs again.
	s, err := c.ClearForceDown(ctx, "compute-1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Host, s.State, *s.ForcedDown)
	// Output: compute-1 up false
}

func ExampleClient_UpdateService() {
	srv, c := startCloud()
	defer srv.Close()
	ctx := context.Background()

	// With the service's UUID from a listing (microversion 2.53 or
	// later), one request disables it and forces it down.
	list, err := c.ListServices(ctx, &nova.ListServicesOptions{Host: "compute-2", Binary: nova.BinaryCompute})
	if err != nil || len(list) != 1 {
		log.Fatal(list, err)
	}
	down := true
	s, err := c.UpdateService(ctx, list[0].ID, &nova.UpdateServiceOptions{
		Status:         nova.ServiceDisabled,
		DisabledReason: "power supply failed",
		ForcedDown:     &down,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Host, s.Status, s.State, s.DisabledReason)
	// Output: compute-2 disabled down power supply failed
}

func ExampleClient_ListHypervisors() {
	srv, c := startCloud()
	defer srv.Close()
	ctx := context.Background()

	if _, err := c.DisableService(ctx, "compute-2", "maintenance"); err != nil {
		log.Fatal(err)
	}
	for h, err := range c.ListHypervisors(ctx, &nova.ListHypervisorsOptions{WithServers: true}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(h.HypervisorHostname, h.State, h.Status, len(h.Servers), "servers")
	}

	// Up to microversion 2.87 nova also reports the resource figures;
	// from 2.88 they are in Placement and Resources is nil.
	old, err := c.WithMicroversion("2.87")
	if err != nil {
		log.Fatal(err)
	}
	for h, err := range old.ListHypervisors(ctx, &nova.ListHypervisorsOptions{HostnamePattern: "compute-1"}) {
		if err != nil {
			log.Fatal(err)
		}
		r := h.Resources
		fmt.Printf("%s: %d of %d vCPUs, %d of %d MiB used, %d servers\n",
			h.HypervisorHostname, r.VCPUsUsed, r.VCPUs, r.MemoryMBUsed, r.MemoryMB, *r.RunningVMs)
	}
	// Output:
	// compute-1 up enabled 1 servers
	// compute-2 up disabled 0 servers
	// compute-3 up enabled 0 servers
	// compute-1: 2 of 32 vCPUs, 4608 of 131072 MiB used, 1 servers
}

func ExampleClient_GetHypervisor() {
	srv, c := startCloud()
	defer srv.Close()
	ctx := context.Background()

	var id string
	for h, err := range c.ListHypervisors(ctx, &nova.ListHypervisorsOptions{HostnamePattern: "compute-1"}) {
		if err != nil {
			log.Fatal(err)
		}
		id = h.ID
	}
	h, err := c.GetHypervisor(ctx, id, &nova.GetHypervisorOptions{WithServers: true})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(h.HypervisorHostname, h.HypervisorType, h.Service.Host, h.Servers[0].UUID)
	// Output: compute-1 QEMU compute-1 0c2a7e1b-5d3f-4e6a-9b8c-7d6e5f4a3b21
}
