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
// Keystone catalog, starts the migration and waits for it. The fake's clock
// moves ten seconds after every poll, so the minute-long copy shows its
// progress and ends at once.
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
	if err := c.LiveMigrate(ctx, exServer, &nova.LiveMigrateOptions{Host: "compute2"}); err != nil {
		log.Fatal(err)
	}
	migs, err := c.ListServerMigrations(ctx, exServer)
	if err != nil {
		log.Fatal(err)
	}
	last := ""
	var progress []int
	m, err := c.WaitForMigration(ctx, exServer, migs[0].ID,
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
	fmt.Println("final:", m.Status, "to", *m.DestCompute)
	info, _ := srv.ServerState(exServer)
	fmt.Println("server:", info.Status, "on", info.Host)
	// Output:
	// migration: queued
	// migration: running
	// migration: post-migrating
	// migration: completed
	// progress: [5 21 38 55 71 88]
	// final: completed to compute2
	// server: ACTIVE on compute2
}

// A cold migration ends with the server in VERIFY_RESIZE on the new host;
// confirming it leaves the server there.
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
	if err := c.Migrate(ctx, exServer, &nova.MigrateOptions{Host: "compute3"}); err != nil {
		log.Fatal(err)
	}
	var id int
	for m, err := range c.ListMigrations(ctx, &nova.ListMigrationsOptions{InstanceUUID: exServer, MigrationType: nova.TypeMigration}) {
		if err != nil {
			log.Fatal(err)
		}
		id = m.ID
	}
	m, err := c.WaitForMigration(ctx, exServer, id,
		jobs.WithInterval(time.Millisecond, time.Millisecond),
		jobs.WithProgress(func(jobs.Status) { srv.Clock().Advance(10 * time.Second) }))
	if err != nil {
		log.Fatal(err)
	}
	info, _ := srv.ServerState(exServer)
	fmt.Println(m.Status, "-", info.Status, "on", info.Host)

	if err := c.ConfirmMigration(ctx, exServer); err != nil {
		log.Fatal(err)
	}
	srv.Clock().Advance(novatest.DefaultTimings().Confirming)
	info, _ = srv.ServerState(exServer)
	final, _ := srv.Migration(id)
	fmt.Println(final.Status, "-", info.Status, "on", info.Host)
	// Output:
	// finished - VERIFY_RESIZE on compute3
	// confirmed - SHUTOFF on compute3
}

// A migration made to fail ends the wait with a *jobs.FailedError holding
// the final record; the server stays where it was.
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
	if err := c.LiveMigrate(ctx, exServer, nil); err != nil {
		log.Fatal(err)
	}
	_, err = c.WaitForMigration(ctx, exServer, 1, jobs.WithInterval(5*time.Millisecond, 10*time.Millisecond))
	var failed *jobs.FailedError
	if errors.As(err, &failed) {
		m := failed.Job.(*nova.Migration)
		fmt.Println(failed.Status.State, m.Status)
	}
	info, _ := srv.ServerState(exServer)
	fmt.Println("still on", info.Host)
	// Output:
	// failed failed
	// still on compute1
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
