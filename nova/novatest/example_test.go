package novatest_test

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

const exServer = "4cfba335-03d8-49b2-8c52-e69043d1e8fe"

// A user test of a live migration: the client finds nova in the fake's
// Keystone catalog, starts the migration and waits on its handle, which
// finds nova's record itself and checks where the server went. The fake's
// clock moves ten seconds after every poll, so the minute-long copy shows
// its progress and ends at once.
func Example() {
	srv := novatest.NewServer()
	defer srv.Close()
	srv.AddHost("compute1", "compute2")
	srv.AddServer(exServer, "compute1", novatest.StatusActive)

	ctx := context.Background()
	c, err := nova.NewClientFromKeystone(ctx, srv.Authorizer(), "", "")
	if err != nil {
		log.Fatal(err)
	}
	op, err := c.LiveMigrate(ctx, exServer, &nova.LiveMigrateOptions{Host: "compute2"})
	if err != nil {
		log.Fatal(err)
	}
	last := ""
	var progress []int
	res, err := op.Wait(ctx,
		jobs.WithInterval(time.Millisecond, time.Millisecond),
		jobs.WithProgress(func(st jobs.Status) {
			if st.Word != last {
				fmt.Println("migration:", st.Word)
				last = st.Word
			}
			if st.Word == "running" {
				progress = append(progress, st.Progress)
			}
			srv.Clock().Advance(10 * time.Second)
		}))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("progress:", progress)
	fmt.Println("final:", res.Migration.Status, "to", *res.Migration.DestCompute)
	fmt.Println("server:", res.Server.Status, "on", res.Server.Host)
	fmt.Println("starts sent:", srv.Calls(novatest.OpLiveMigrate))
	// Output:
	// migration: queued
	// migration: running
	// migration: post-migrating
	// migration: completed
	// progress: [5 21 38 55 71 88]
	// final: completed to compute2
	// server: ACTIVE on compute2
	// starts sent: 1
}

// A cold migration stops with the server in VERIFY_RESIZE on the new
// host; once confirmed, the same handle ends with the server there.
func Example_coldMigration() {
	srv := novatest.NewServer()
	defer srv.Close()
	srv.AddHost("compute1", "compute2", "compute3")
	srv.AddServer(exServer, "compute1", novatest.StatusShutoff)

	ctx := context.Background()
	c, err := nova.NewClient(srv.Endpoint(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	op, err := c.Migrate(ctx, exServer, &nova.MigrateOptions{Host: "compute3"})
	if err != nil {
		log.Fatal(err)
	}
	poll := []jobs.Option{
		jobs.WithInterval(time.Millisecond, time.Millisecond),
		jobs.WithProgress(func(jobs.Status) { srv.Clock().Advance(10 * time.Second) }),
	}
	_, err = op.Wait(ctx, poll...)
	var nc *nova.NeedsConfirmationError
	if errors.As(err, &nc) {
		fmt.Println(nc.Result.Migration.Status, "-", nc.Result.Server.Status, "on", nc.Result.Server.Host)
	}
	if err := c.ConfirmMigration(ctx, exServer); err != nil {
		log.Fatal(err)
	}
	res, err := op.Wait(ctx, poll...)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Migration.Status, "-", res.Server.Status, "on", res.Server.Host)
	// Output:
	// finished - VERIFY_RESIZE on compute3
	// confirmed - SHUTOFF on compute3
}

// A migration made to fail ends the wait with a *jobs.FailedError carrying
// the reason nova recorded on the instance action; the server stays where
// it was.
func ExampleServer_FailNextMigrations() {
	srv := novatest.NewServer(novatest.WithRealTime(3600))
	defer srv.Close()
	srv.AddHost("compute1", "compute2")
	srv.AddServer(exServer, "compute1", novatest.StatusActive)
	srv.FailNextMigrations(1)

	ctx := context.Background()
	c, err := nova.NewClientFromKeystone(ctx, srv.Authorizer(), "", "")
	if err != nil {
		log.Fatal(err)
	}
	op, err := c.LiveMigrate(ctx, exServer, nil)
	if err != nil {
		log.Fatal(err)
	}
	_, err = op.Wait(ctx, jobs.WithInterval(5*time.Millisecond, 10*time.Millisecond))
	var failed *jobs.FailedError
	if errors.As(err, &failed) {
		res := failed.Job.(*nova.MoveResult)
		fmt.Println(failed.Status.State, res.Migration.Status)
		fmt.Println(err)
	}
	info, _ := srv.ServerState(exServer)
	fmt.Println("still on", info.Host)
	// Output:
	// failed failed
	// cloudmigrate: job failed (failed): live migration 1 of server 4cfba335-03d8-49b2-8c52-e69043d1e8fe from compute1 (node compute1) to compute2 (node compute2): compute_live_migration on compute1: Migration error: the hypervisor aborted the live migration of instance 4cfba335-03d8-49b2-8c52-e69043d1e8fe to compute2
	// still on compute1
}

// A conductor that writes migration records late: the handle waits for
// the record, and finds it once it appears.
func ExampleWithRecordDelay() {
	srv := novatest.NewServer(novatest.WithRecordDelay(30 * time.Second))
	defer srv.Close()
	srv.AddHost("compute1", "compute2")
	srv.AddServer(exServer, "compute1", novatest.StatusActive)
	ctx := context.Background()
	c, err := nova.NewClient(srv.Endpoint(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	op, err := c.LiveMigrate(ctx, exServer, nil)
	if err != nil {
		log.Fatal(err)
	}
	st, _ := op.Poll(ctx)
	fmt.Printf("%s, %s, migration ID %q\n", st.State, st.Word, op.ID())
	srv.Clock().Advance(30 * time.Second)
	st, _ = op.Poll(ctx)
	fmt.Printf("%s, %s, migration ID %q\n", st.State, st.Word, op.ID())
	// Output:
	// pending, migrating, migration ID ""
	// running, running, migration ID "1"
}

// A migration nova never records ends its handle with a
// *nova.MigrationNotFoundError once RecordTimeout has passed.
func ExampleServer_LoseNextRecords() {
	srv := novatest.NewServer()
	defer srv.Close()
	srv.AddHost("compute1", "compute2")
	srv.AddServer(exServer, "compute1", novatest.StatusActive)
	srv.LoseNextRecords(1)
	ctx := context.Background()
	c, err := nova.NewClient(srv.Endpoint(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	op, err := c.LiveMigrate(ctx, exServer, &nova.LiveMigrateOptions{RecordTimeout: time.Minute})
	if err != nil {
		log.Fatal(err)
	}
	_, err = op.Wait(ctx, jobs.WithInterval(time.Millisecond, time.Millisecond),
		jobs.WithProgress(func(jobs.Status) { srv.Clock().Advance(20 * time.Second) }))
	var nf *nova.MigrationNotFoundError
	fmt.Println(errors.As(err, &nf), nf.TaskState)
	// Output: true migrating
}

// A migration that says it succeeded while the server did not move: the
// handle checks where the server is and says so.
func ExampleServer_StrandNextMigrations() {
	srv := novatest.NewServer()
	defer srv.Close()
	srv.AddHost("compute1", "compute2")
	srv.AddServer(exServer, "compute1", novatest.StatusActive)
	srv.StrandNextMigrations(1)
	ctx := context.Background()
	c, err := nova.NewClient(srv.Endpoint(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	op, err := c.LiveMigrate(ctx, exServer, nil)
	if err != nil {
		log.Fatal(err)
	}
	_, err = op.Wait(ctx, jobs.WithInterval(time.Millisecond, time.Millisecond),
		jobs.WithProgress(func(jobs.Status) { srv.Clock().Advance(20 * time.Second) }))
	var nm *nova.NotMovedError
	if errors.As(err, &nm) {
		fmt.Println(nm.Migration.Status, "but on", nm.Host)
	}
	// Output: completed but on compute1
}

// Evacuation needs the server's host down; the fake's instance actions
// record the request.
func ExampleServer_SetHostDown() {
	srv := novatest.NewServer()
	defer srv.Close()
	srv.AddHost("compute1", "compute2")
	srv.AddServer(exServer, "compute1", novatest.StatusActive)
	ctx := context.Background()
	c, err := nova.NewClient(srv.Endpoint(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.Evacuate(ctx, exServer, nil)
	var apiErr *cloudmigrate.Error
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Message)
	}

	srv.SetHostDown("compute1", true)
	op, err := c.Evacuate(ctx, exServer, nil)
	if err != nil {
		log.Fatal(err)
	}
	res, err := op.Wait(ctx, jobs.WithInterval(time.Millisecond, time.Millisecond),
		jobs.WithProgress(func(jobs.Status) { srv.Clock().Advance(20 * time.Second) }))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Migration.Status, "on", res.Server.Host, "-", len(srv.InstanceActions(exServer)), "instance actions")
	srv.SetHostDown("compute1", false) // the old host comes back and cleans up
	m, _ := srv.Migration(res.Migration.ID)
	fmt.Println(m.Status)
	// Output:
	// 400 Compute service of compute1 is still in use.
	// done on compute2 - 2 instance actions
	// completed
}

// A cloud whose nova is older than an operation: the SDK refuses before
// sending anything.
func ExampleWithVersions() {
	srv := novatest.NewServer(novatest.WithVersions("2.1", "2.20"))
	defer srv.Close()
	srv.AddServer(exServer, "compute1", novatest.StatusActive)

	c, err := nova.NewClientFromKeystone(context.Background(), srv.Authorizer(), "", "")
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.ListServerMigrations(context.Background(), exServer)
	var ve *cloudmigrate.VersionError
	if errors.As(err, &ve) {
		fmt.Println(ve.Feature, "needs", ve.Min, "but the cloud stops at", ve.ServerMax)
	}
	fmt.Println("requests sent:", srv.Calls(novatest.OpListServerMigrations))
	// Output:
	// ListServerMigrations needs 2.23 but the cloud stops at 2.20
	// requests sent: 0
}

// An expired token is renewed once and the call goes through.
func ExampleServer_ExpireTokens() {
	srv := novatest.NewServer()
	defer srv.Close()
	srv.AddServer(exServer, "compute1", novatest.StatusActive)
	ctx := context.Background()
	c, err := nova.NewClientFromKeystone(ctx, srv.Authorizer(), "", "")
	if err != nil {
		log.Fatal(err)
	}
	srv.ExpireTokens()
	_, err = c.ListServerMigrations(ctx, exServer)
	fmt.Println(err, "- tokens issued:", srv.TokensIssued())
	// Output: <nil> - tokens issued: 2
}
