package ecstest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/ecs"
	"github.com/cloudmigrate/cloudmigrate/ecs/deh"
	"github.com/cloudmigrate/cloudmigrate/ecs/ecstest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// A user test of a cold migration from one dedicated host to another. The
// fake's clock moves a minute after every poll, so the job runs its course
// at once.
func Example() {
	const (
		serverID = "7a9e1c2b-3d4f-4a5b-8c6d-7e8f9a0b1c2d"
		hostA    = "459a2b9d-804a-4745-ab19-a113bb1b4ddc"
		hostB    = "5c3e8f10-2b7d-4e91-a6c4-0d9f7e2a1b3c"
	)
	srv := ecstest.NewServer()
	defer srv.Close()
	srv.AddHost(hostB)
	srv.AddServer(ecstest.ServerInfo{ID: serverID, Status: ecstest.StatusShutoff, HostID: hostA})

	c, err := ecs.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	op, err := c.ColdMigrate(ctx, serverID, &ecs.ColdMigrateOptions{DedicatedHostID: hostB})
	if err != nil {
		log.Fatal(err)
	}
	last := ""
	job, err := op.Wait(ctx,
		jobs.WithInterval(time.Millisecond, time.Millisecond),
		jobs.WithProgress(func(st jobs.Status) {
			if st.Word != last {
				fmt.Println("job:", st.Word)
				last = st.Word
			}
			srv.Clock().Advance(time.Minute)
		}))
	if err != nil {
		log.Fatal(err)
	}
	info, _ := srv.ServerState(serverID)
	fmt.Println("sub-jobs:", job.Entities.SubJobsTotal)
	fmt.Println("on host B:", info.HostID == hostB)
	// Output:
	// job: INIT
	// job: RUNNING
	// job: SUCCESS
	// sub-jobs: 1
	// on host B: true
}

// Constraints are enforced with the service's codes: a running server is
// refused, and nothing changes.
func ExampleServer_StopServer() {
	const (
		serverID = "7a9e1c2b-3d4f-4a5b-8c6d-7e8f9a0b1c2d"
		hostA    = "459a2b9d-804a-4745-ab19-a113bb1b4ddc"
	)
	srv := ecstest.NewServer()
	defer srv.Close()
	srv.AddServer(ecstest.ServerInfo{ID: serverID, Status: ecstest.StatusActive, HostID: hostA})
	c, err := ecs.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}

	_, err = c.ColdMigrate(context.Background(), serverID, nil)
	var apiErr *cloudmigrate.Error
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Code == ecs.CodeServerNotStopped)
	}

	if err := srv.StopServer(serverID); err != nil {
		log.Fatal(err)
	}
	_, err = c.ColdMigrate(context.Background(), serverID, nil)
	fmt.Println("after stopping:", err)
	// Output:
	// 400 true
	// after stopping: <nil>
}

// A job made to fail reaches the caller as a *jobs.FailedError with the
// service's code and reason.
func ExampleServer_FailNextMigrations() {
	const (
		serverID = "7a9e1c2b-3d4f-4a5b-8c6d-7e8f9a0b1c2d"
		hostA    = "459a2b9d-804a-4745-ab19-a113bb1b4ddc"
	)
	srv := ecstest.NewServer(ecstest.WithRealTime(3600))
	defer srv.Close()
	srv.AddServer(ecstest.ServerInfo{ID: serverID, HostID: hostA})
	srv.FailNextMigrations(1, "Ecs.0319", "not enough resources on the target")

	c, err := ecs.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	op, err := c.ColdMigrate(ctx, serverID, nil)
	if err != nil {
		log.Fatal(err)
	}
	_, err = op.Wait(ctx, jobs.WithInterval(10*time.Millisecond, 20*time.Millisecond))
	var failed *jobs.FailedError
	if errors.As(err, &failed) {
		fmt.Println(failed.Status.Code, "-", failed.Status.Message)
	}
	info, _ := srv.ServerState(serverID)
	fmt.Println("still on host A:", info.HostID == hostA)
	// Output:
	// Ecs.0319 - not enough resources on the target
	// still on host A: true
}

// A job that reports SUCCESS while the server stayed where it was: the
// handle checks the server and says so.
func ExampleServer_StrandNextMigrations() {
	const (
		serverID = "7a9e1c2b-3d4f-4a5b-8c6d-7e8f9a0b1c2d"
		hostA    = "459a2b9d-804a-4745-ab19-a113bb1b4ddc"
		hostB    = "5c3e8f10-2b7d-4e91-a6c4-0d9f7e2a1b3c"
	)
	srv := ecstest.NewServer()
	defer srv.Close()
	srv.AddHost(hostB)
	srv.AddServer(ecstest.ServerInfo{ID: serverID, HostID: hostA})
	srv.StrandNextMigrations(1, "")

	c, err := ecs.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	op, err := c.ColdMigrate(ctx, serverID, &ecs.ColdMigrateOptions{DedicatedHostID: hostB})
	if err != nil {
		log.Fatal(err)
	}
	srv.Clock().Advance(time.Hour)
	_, err = op.Wait(ctx)
	var failed *jobs.FailedError
	if errors.As(err, &failed) {
		fmt.Println(failed.Status.Word, failed.Status.State)
	}
	// Output:
	// SUCCESS failed
}

// The fake serves the DeH API on the same address, in step with its
// servers: a server that moved is listed on its new host.
func ExampleServer_DedicatedHostURL() {
	const (
		serverID = "7a9e1c2b-3d4f-4a5b-8c6d-7e8f9a0b1c2d"
		hostA    = "459a2b9d-804a-4745-ab19-a113bb1b4ddc"
		hostB    = "5c3e8f10-2b7d-4e91-a6c4-0d9f7e2a1b3c"
	)
	srv := ecstest.NewServer()
	defer srv.Close()
	srv.AddDedicatedHost(ecstest.HostInfo{ID: hostB, Name: "deh-b", VCPUs: 16, Memory: 65536})
	srv.AddServer(ecstest.ServerInfo{ID: serverID, HostID: hostA, Flavor: "s6.xlarge.2"})

	servers, err := ecs.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	hosts, err := deh.NewClient(srv.DedicatedHostURL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	op, err := servers.ColdMigrate(ctx, serverID, &ecs.ColdMigrateOptions{DedicatedHostID: hostB})
	if err != nil {
		log.Fatal(err)
	}
	srv.Clock().Advance(time.Hour)
	if _, err := op.Wait(ctx); err != nil {
		log.Fatal(err)
	}
	h, err := hosts.GetHost(ctx, hostB)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(h.Name, h.InstanceUUIDs, h.AvailableVCPUs, h.AvailableMemory)
	// Output:
	// deh-b [7a9e1c2b-3d4f-4a5b-8c6d-7e8f9a0b1c2d] 12 57344
}

// A dedicated host's free capacity follows the servers on it, and those
// being migrated to it.
func ExampleServer_AddDedicatedHost() {
	srv := ecstest.NewServer()
	defer srv.Close()
	srv.AddDedicatedHost(ecstest.HostInfo{ID: "deh-a", HostType: "c6", VCPUs: 32, Memory: 131072})
	srv.AddServer(ecstest.ServerInfo{ID: "db-1", HostID: "deh-a", Flavor: "c6.4xlarge.4"})
	srv.AddServer(ecstest.ServerInfo{ID: "db-2", HostID: "deh-a", Flavor: "c6.large.2"})

	h, _ := srv.DedicatedHostState("deh-a")
	fmt.Println(h.AvailableVCPUs, h.AvailableMemory, h.ServerIDs)
	// Output:
	// 14 61440 [db-1 db-2]
}

// With a settle delay a server keeps showing RESIZE for a while after its
// job reports SUCCESS; the handle waits for it to settle.
func ExampleWithSettleDelay() {
	const serverID = "7a9e1c2b-3d4f-4a5b-8c6d-7e8f9a0b1c2d"
	d := ecstest.DefaultDurations
	d.Init, d.Running = 0, time.Minute
	srv := ecstest.NewServer(ecstest.WithDurations(d), ecstest.WithSettleDelay(time.Minute))
	defer srv.Close()
	srv.AddHost("deh-b")
	srv.AddServer(ecstest.ServerInfo{ID: serverID, HostID: "deh-a"})
	c, err := ecs.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	op, err := c.ColdMigrate(ctx, serverID, &ecs.ColdMigrateOptions{DedicatedHostID: "deh-b"})
	if err != nil {
		log.Fatal(err)
	}
	srv.Clock().Advance(time.Minute)
	job, _ := srv.Job(op.ID())
	st, _ := op.Poll(ctx)
	fmt.Println("job:", job.Status, "handle:", st.State, st.Word)
	srv.Clock().Advance(time.Minute)
	st, _ = op.Poll(ctx)
	fmt.Println("handle:", st.State)
	// Output:
	// job: SUCCESS handle: running resize_finish
	// handle: succeeded
}
