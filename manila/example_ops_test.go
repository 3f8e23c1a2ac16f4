package manila_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/manila"
	"github.com/cloudmigrate/cloudmigrate/manila/manilatest"
)

// The examples below run against manilatest, the package's fake cloud:
// one share server with two shares on the back end manila-share-1@netapp1,
// another back end manila-share-2@netapp2, and a share of its own.
const (
	exServer = "5bd7c5a8-5e83-4f4c-9a0e-5f2d3a1c7b60"
	exShare  = "406ea93b-32e9-4907-a117-148b3945749f"
)

// exampleCloud starts the fake, and a client for it.
func exampleCloud() (*manilatest.Server, *manila.Client) {
	srv := manilatest.NewServer()
	srv.AddShareServer(exServer, "manila-share-1@netapp1")
	srv.AddServerShare("9f2c4d1e-5a6b-4c7d-8e9f-0a1b2c3d4e5f", exServer, "manila-share-1@netapp1#aggr1")
	srv.AddServerShare("9f2c4d1e-5a6b-4c7d-8e9f-0a1b2c3d4e60", exServer, "manila-share-1@netapp1#aggr2")
	srv.AddShare(exShare, "manila-share-1@netapp1#aggr1")
	srv.AddBackend("manila-share-2@netapp2")
	c, err := manila.NewClientFromKeystone(context.Background(), srv.Authorizer(), "", "")
	if err != nil {
		log.Fatal(err)
	}
	return srv, c
}

// advancing makes a wait move the fake's clock a minute after every poll
// and poll without delay; against a real cloud leave both out.
func advancing(srv *manilatest.Server) []jobs.Option {
	return []jobs.Option{
		jobs.WithInterval(time.Millisecond, time.Millisecond),
		jobs.WithProgress(func(jobs.Status) { srv.Clock().Advance(time.Minute) }),
	}
}

func ExampleClient_StartMigration() {
	srv, c := exampleCloud()
	defer srv.Close()
	ctx := context.Background()

	op, err := c.StartMigration(ctx, exServer, &manila.StartMigrationOptions{
		Host: "manila-share-2@netapp2", Writable: true, PreserveSnapshots: true,
	})
	if err != nil {
		log.Fatal(err)
	}
	// The wait ends when phase 1 is over and the destination share server
	// is on the back end asked for.
	dest, err := op.Wait(ctx, advancing(srv)...)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("phase 1 done:", op.Status().Word)
	fmt.Println("destination on", dest.Host, "taking over from", dest.SourceShareServerID == exServer)

	// Starting it again adopts the migration under way: no second start.
	_, err = c.StartMigration(ctx, exServer, &manila.StartMigrationOptions{Host: "manila-share-2@netapp2"})
	fmt.Println("adopted:", errors.Is(err, cloudmigrate.ErrInProgress), "starts sent:", srv.Calls(manilatest.OpStart))

	// Switch over, then wait for the end.
	if _, err := c.CompleteMigration(ctx, exServer); err != nil {
		log.Fatal(err)
	}
	p, err := c.WaitForMigrationComplete(ctx, exServer, advancing(srv)...)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.TaskState, p.DestinationShareServerID == dest.ID)
	// Output:
	// phase 1 done: migration_driver_phase1_done
	// destination on manila-share-2@netapp2 taking over from true
	// adopted: true starts sent: 1
	// migration_success true
}

func ExampleClient_ResumeMigration() {
	srv, c := exampleCloud()
	defer srv.Close()
	ctx := context.Background()

	op, err := c.StartMigration(ctx, exServer, &manila.StartMigrationOptions{Host: "manila-share-2@netapp2"})
	if err != nil {
		log.Fatal(err)
	}
	// Save the token (a file, a database row); it holds no secret.
	token, _ := op.ResumeToken()

	// Later, in another process: a client for the same endpoint rebuilds
	// the handle and goes on.
	later, _ := manila.NewClientFromKeystone(ctx, srv.Authorizer(), "", "")
	resumed, err := later.ResumeMigration(token)
	if err != nil {
		log.Fatal(err)
	}
	dest, err := resumed.Wait(ctx, advancing(srv)...)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("resumed to", dest.Host)

	// A token for something else is refused, sending nothing.
	_, err = later.ResumeMigration(token[:len(token)-4])
	var ve *cloudmigrate.ValidationError
	fmt.Println("damaged token refused:", errors.As(err, &ve) && ve.Field == "token")
	// Output:
	// resumed to manila-share-2@netapp2
	// damaged token refused: true
}

func ExampleClient_StartShareMigration() {
	srv, c := exampleCloud()
	defer srv.Close()
	ctx := context.Background()

	op, err := c.StartShareMigration(ctx, exShare, &manila.StartShareMigrationOptions{
		Host: "manila-share-2@netapp2#aggr9", Writable: true, PreserveMetadata: true,
	})
	if err != nil {
		log.Fatal(err)
	}
	share, err := op.Wait(ctx, advancing(srv)...)
	if err != nil {
		log.Fatal(err)
	}
	// Until the completion the share is served from where it was.
	fmt.Println(share.TaskState, "still on", share.Host)
	if err := c.CompleteShareMigration(ctx, exShare); err != nil {
		log.Fatal(err)
	}
	srv.Clock().Advance(time.Hour)
	share, _ = c.GetShare(ctx, exShare)
	fmt.Println(share.TaskState, "now on", share.Host)
	// Output:
	// migration_driver_phase1_done still on manila-share-1@netapp1#aggr1
	// migration_success now on manila-share-2@netapp2#aggr9
}

func ExampleClient_ResumeShareMigration() {
	srv, c := exampleCloud()
	defer srv.Close()
	ctx := context.Background()

	op, err := c.StartShareMigration(ctx, exShare, &manila.StartShareMigrationOptions{Host: "manila-share-2@netapp2#aggr9"})
	if err != nil {
		log.Fatal(err)
	}
	token, _ := op.ResumeToken()
	resumed, err := c.ResumeShareMigration(token)
	if err != nil {
		log.Fatal(err)
	}
	// One step, as a controller that must not block would make it.
	st, err := resumed.Poll(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(st.State, st.Word)
	// Output: pending migration_starting
}

func ExampleClient_ListShareServers() {
	srv, c := exampleCloud()
	defer srv.Close()

	servers, err := c.ListShareServers(context.Background(), &manila.ListShareServersOptions{Host: "manila-share-1@netapp1"})
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range servers {
		fmt.Println(s.ID, s.Status)
	}
	// Output: 5bd7c5a8-5e83-4f4c-9a0e-5f2d3a1c7b60 active
}

func ExampleClient_ListShares() {
	srv, c := exampleCloud()
	defer srv.Close()

	// The shares a migration of the share server moves.
	for s, err := range c.ListShares(context.Background(), &manila.ListSharesOptions{ShareServerID: exServer}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(s.ID, s.Host, s.Status)
	}
	// Output:
	// 9f2c4d1e-5a6b-4c7d-8e9f-0a1b2c3d4e5f manila-share-1@netapp1#aggr1 available
	// 9f2c4d1e-5a6b-4c7d-8e9f-0a1b2c3d4e60 manila-share-1@netapp1#aggr2 available
}

func ExampleClient_GetShare() {
	srv, c := exampleCloud()
	defer srv.Close()

	s, err := c.GetShare(context.Background(), exShare)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Host, s.Status, s.ShareProto, s.Size)
	// Output: manila-share-1@netapp1#aggr1 available NFS 1
}

func ExampleClient_ListServices() {
	srv, c := exampleCloud()
	defer srv.Close()

	list, err := c.ListServices(context.Background(), &manila.ListServicesOptions{Binary: manila.BinaryShare})
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range list {
		fmt.Println(s.Host, s.Status, s.State)
	}
	// Output:
	// manila-share-1@netapp1 enabled up
	// manila-share-2@netapp2 enabled up
}

func ExampleClient_DisableService() {
	srv, c := exampleCloud()
	defer srv.Close()
	ctx := context.Background()

	// Stop new shares and migrations landing on the back end to empty.
	s, err := c.DisableService(ctx, "manila-share-2@netapp2", manila.BinaryShare, "emptying for maintenance")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Host, s.Status, s.DisabledReason)

	_, err = c.StartMigration(ctx, exServer, &manila.StartMigrationOptions{Host: "manila-share-2@netapp2"})
	fmt.Println("migration to it refused:", cloudmigrate.IsNotFound(err))

	// An old service takes no reason: that fails before anything is sent.
	old, _ := c.WithMicroversion("2.82")
	_, err = old.DisableService(ctx, "manila-share-2@netapp2", "", "emptying")
	var ve *cloudmigrate.VersionError
	fmt.Println("a reason needs", errors.As(err, &ve) && ve.Min == manila.DisabledReasonMicroversion, ve.Min)
	// Output:
	// manila-share-2@netapp2 disabled emptying for maintenance
	// migration to it refused: true
	// a reason needs true 2.83
}

func ExampleClient_EnableService() {
	srv, c := exampleCloud()
	defer srv.Close()
	ctx := context.Background()

	if _, err := c.DisableService(ctx, "manila-share-2@netapp2", "", "emptying"); err != nil {
		log.Fatal(err)
	}
	s, err := c.EnableService(ctx, "manila-share-2@netapp2", "")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s %s %q\n", s.Host, s.Status, s.DisabledReason)
	// Output: manila-share-2@netapp2 enabled ""
}
