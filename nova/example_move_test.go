package nova_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/nova"
	"github.com/cloudmigrate/cloudmigrate/nova/novatest"
)

// exampleCloud starts the fake cloud of package novatest with three
// compute hosts and one running server on compute1, and a client for it.
func exampleCloud() (*novatest.Server, *nova.Client) {
	srv := novatest.NewServer()
	srv.AddHost("compute1", "compute2", "compute3")
	srv.AddServer(exServer, "compute1", novatest.StatusActive)
	c, err := nova.NewClient(srv.Endpoint(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	return srv, c
}

// fakeTime polls without pause and moves the fake's clock 15 seconds
// after each poll, so that a migration of several minutes ends at once. A
// real cloud does well with the default intervals (2 to 30 seconds).
func fakeTime(srv *novatest.Server) []jobs.Option {
	return []jobs.Option{
		jobs.WithInterval(time.Millisecond, time.Millisecond),
		jobs.WithProgress(func(jobs.Status) { srv.Clock().Advance(15 * time.Second) }),
	}
}

// Start a live migration and wait until the server is verified on its new
// host.
func ExampleClient_LiveMigrate() {
	srv, c := exampleCloud()
	defer srv.Close()
	ctx := context.Background()

	op, err := c.LiveMigrate(ctx, exServer, &nova.LiveMigrateOptions{Host: "compute2"})
	if err != nil {
		log.Fatal(err)
	}
	res, err := op.Wait(ctx, fakeTime(srv)...)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("migration", op.ID(), res.Migration.Status, "from", *res.Migration.SourceCompute)
	fmt.Println("server", res.Server.Status, "on", res.Server.Host)
	// Output:
	// migration 1 completed from compute1
	// server ACTIVE on compute2
}

// A migration that fails ends with a *jobs.FailedError carrying nova's
// reason, from the failed event of the start's instance action.
func ExampleClient_LiveMigrate_failure() {
	srv, c := exampleCloud()
	defer srv.Close()
	ctx := context.Background()
	srv.FailNextMigrationsWith(1, "the guest's memory changes faster than it can be copied")

	op, err := c.LiveMigrate(ctx, exServer, nil)
	if err != nil {
		log.Fatal(err)
	}
	_, err = op.Wait(ctx, fakeTime(srv)...)
	var failed *jobs.FailedError
	if errors.As(err, &failed) {
		fmt.Println(failed.Status.Word)
		fmt.Println(failed.Status.Message)
	}
	// Output:
	// failed
	// live migration 1 of server 4cfba335-03d8-49b2-8c52-e69043d1e8fe from compute1 (node compute1) to compute2 (node compute2): compute_live_migration on compute1: Migration error: the guest's memory changes faster than it can be copied
}

// Starting a move of a server that is already moving adopts the move in
// flight: no second start is sent.
func ExampleClient_LiveMigrate_adopt() {
	srv, c := exampleCloud()
	defer srv.Close()
	ctx := context.Background()

	first, err := c.LiveMigrate(ctx, exServer, nil)
	if err != nil {
		log.Fatal(err)
	}
	again, err := c.LiveMigrate(ctx, exServer, nil)
	fmt.Println(errors.Is(err, cloudmigrate.ErrInProgress), "- adopted migration", again.ID())

	// The first handle learns the migration's ID on its first poll.
	if _, err := first.Poll(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println(first.ID() == again.ID(), "- starts sent:", srv.Calls(novatest.OpLiveMigrate))
	// Output:
	// true - adopted migration 1
	// true - starts sent: 1
}

// A cold migration waits in VERIFY_RESIZE for a decision: the handle says
// so with ErrNeedsConfirmation, and follows the confirmation to the end.
func ExampleClient_Migrate() {
	srv, c := exampleCloud()
	defer srv.Close()
	ctx := context.Background()

	op, err := c.Migrate(ctx, exServer, &nova.MigrateOptions{Host: "compute3"})
	if err != nil {
		log.Fatal(err)
	}
	_, err = op.Wait(ctx, fakeTime(srv)...)
	if !errors.Is(err, nova.ErrNeedsConfirmation) {
		log.Fatal(err)
	}
	fmt.Println("finished; the server waits in VERIFY_RESIZE")
	// Keep the result (RevertMigration would move the server back).
	if err := c.ConfirmMigration(ctx, exServer); err != nil {
		log.Fatal(err)
	}
	res, err := op.Wait(ctx, fakeTime(srv)...)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("migration", res.Migration.ID, res.Migration.Status, "server on", res.Server.Host)
	// Output:
	// finished; the server waits in VERIFY_RESIZE
	// migration 1 confirmed server on compute3
}

// Evacuate a server whose host is down; nova rebuilds it elsewhere. From
// microversion 2.95 it arrives stopped.
func ExampleClient_Evacuate() {
	srv, c := exampleCloud()
	defer srv.Close()
	ctx := context.Background()
	srv.SetHostDown("compute1", true) // the host has failed

	op, err := c.Evacuate(ctx, exServer, &nova.EvacuateOptions{Host: "compute3"})
	if err != nil {
		log.Fatal(err)
	}
	res, err := op.Wait(ctx, fakeTime(srv)...)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Migration.MigrationType, res.Migration.Status, "server", res.Server.Status, "on", res.Server.Host)
	// Output: evacuation done server SHUTOFF on compute3
}

// Save a move's resume token, and follow the move from it later, in this
// process or another one.
func ExampleClient_ResumeMigration() {
	srv, c := exampleCloud()
	defer srv.Close()
	ctx := context.Background()

	op, err := c.LiveMigrate(ctx, exServer, nil)
	if err != nil {
		log.Fatal(err)
	}
	token, err := op.ResumeToken() // save it, in a file or a database
	if err != nil {
		log.Fatal(err)
	}

	resumed, err := c.ResumeMigration(token)
	if err != nil {
		log.Fatal(err)
	}
	res, err := resumed.Wait(ctx, fakeTime(srv)...)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Migration.Status, "on", res.Server.Host, "- starts sent:", srv.Calls(novatest.OpLiveMigrate))

	// A token for another endpoint is refused before anything is sent.
	other, _ := nova.NewClient("https://nova.other.example/v2.1", srv.Authorizer())
	_, err = other.ResumeMigration(token)
	var ve *cloudmigrate.ValidationError
	fmt.Println(errors.As(err, &ve), ve.Field)
	// Output:
	// completed on compute2 - starts sent: 1
	// true token
}

func ExampleClient_GetServer() {
	srv, c := exampleCloud()
	defer srv.Close()

	s, err := c.GetServer(context.Background(), exServer)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.ID, s.Status, s.Host, s.VMState, s.TaskState == "")
	// Output: 4cfba335-03d8-49b2-8c52-e69043d1e8fe ACTIVE compute1 active true
}

func ExampleClient_ListInstanceActions() {
	srv, c := exampleCloud()
	defer srv.Close()
	ctx := context.Background()

	op, err := c.LiveMigrate(ctx, exServer, nil)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := op.Wait(ctx, fakeTime(srv)...); err != nil {
		log.Fatal(err)
	}
	// Newest first: the live migration, then the server's creation.
	for a, err := range c.ListInstanceActions(ctx, exServer, &nova.ListInstanceActionsOptions{Limit: 10}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(a.Action, a.Message == "")
	}
	// Output:
	// live-migration true
	// create true
}

// Why a move failed: the failed event of its instance action, found by
// the request ID its handle keeps.
func ExampleClient_GetInstanceAction() {
	srv, c := exampleCloud()
	defer srv.Close()
	ctx := context.Background()
	srv.FailNextMigrations(1)

	op, err := c.Migrate(ctx, exServer, nil)
	if err != nil {
		log.Fatal(err)
	}
	res, _ := op.Wait(ctx, fakeTime(srv)...)

	a, err := c.GetInstanceAction(ctx, exServer, res.RequestID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(a.Action, a.Message)
	if ev := a.Failure(); ev != nil {
		fmt.Println(ev.Event, "on", ev.Host, "-", ev.Reason())
	}
	// Output:
	// migrate Error
	// compute_resize_instance on compute1 - Resize error: copying the disks of instance 4cfba335-03d8-49b2-8c52-e69043d1e8fe to compute2 failed
}
