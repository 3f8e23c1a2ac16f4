package manilatest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/manila"
	"github.com/cloudmigrate/cloudmigrate/manila/manilatest"
)

// A user's test of a two-phase share-server migration, run against the
// fake instead of a cloud. The fake's clock stands still; the wait moves
// it a minute after every poll.
func Example() {
	srv := manilatest.NewServer()
	defer srv.Close()
	const id = "5bd7c5a8-5e83-4f4c-9a0e-5f2d3a1c7b60"
	srv.AddShareServer(id, "manila-share-1@netapp1")
	srv.AddBackend("manila-share-2@netapp2")

	ctx := context.Background()
	c, err := manila.NewClientFromKeystone(ctx, srv.Authorizer(), "", "")
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = c.StartMigration(ctx, id, &manila.StartMigrationOptions{
		Host: "manila-share-2@netapp2", Writable: true, PreserveSnapshots: true,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fast := jobs.WithInterval(time.Millisecond, 5*time.Millisecond)
	step := jobs.WithProgress(func(jobs.Status) { srv.Clock().Advance(time.Minute) })
	p, err := c.WaitForMigrationPhase1(ctx, id, fast, step)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.TaskState, p.TotalProgress)

	done, err := c.CompleteMigration(ctx, id)
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err = c.WaitForMigrationComplete(ctx, id, fast, step)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.TaskState, p.DestinationShareServerID == done.DestinationShareServerID)

	// Manila deletes the source share server soon after a success.
	dest, _ := srv.ShareServer(done.DestinationShareServerID)
	_, srcExists := srv.ShareServer(id)
	fmt.Println(dest.Host, dest.Status, srcExists)
	// Output:
	// migration_driver_phase1_done 100
	// migration_success true
	// manila-share-2@netapp2 active false
}

// A migration the fake is told to fail: the wait ends with a
// *jobs.FailedError holding the final progress.
func ExampleServer_FailNextMigrations() {
	srv := manilatest.NewServer(manilatest.WithRealTime(100000))
	defer srv.Close()
	const id = "5bd7c5a8-5e83-4f4c-9a0e-5f2d3a1c7b60"
	srv.AddShareServer(id, "manila-share-1@netapp1")
	srv.AddBackend("manila-share-2@netapp2")
	srv.FailNextMigrations(1)

	ctx := context.Background()
	c, _ := manila.NewClient(srv.Endpoint(), srv.Authorizer())
	_, _ = c.StartMigration(ctx, id, &manila.StartMigrationOptions{Host: "manila-share-2@netapp2"})
	_, err := c.WaitForMigrationPhase1(ctx, id, jobs.WithInterval(time.Millisecond, 5*time.Millisecond))

	var failed *jobs.FailedError
	if errors.As(err, &failed) {
		fmt.Println(failed.Status.State, failed.Job.(*manila.MigrationProgress).TaskState)
	}
	info, _ := srv.ShareServer(id)
	fmt.Println(info.Status)
	// Output:
	// failed migration_error
	// active
}

// A cloud too old for share-server migration: the client refuses before
// sending the action.
func ExampleWithVersions() {
	srv := manilatest.NewServer(manilatest.WithVersions("2.0", "2.55"))
	defer srv.Close()
	srv.AddShareServer("5bd7c5a8-5e83-4f4c-9a0e-5f2d3a1c7b60", "manila-share-1@netapp1")

	c, _ := manila.NewClient(srv.ProjectEndpoint(), srv.Authorizer())
	_, err := c.GetMigrationProgress(context.Background(), "5bd7c5a8-5e83-4f4c-9a0e-5f2d3a1c7b60")

	var ve *cloudmigrate.VersionError
	fmt.Println(errors.As(err, &ve), ve.Min, ve.InUse, srv.Calls(manilatest.OpProgress))
	// Output:
	// true 2.57 2.55 0
}
