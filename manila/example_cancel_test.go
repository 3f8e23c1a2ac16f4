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

// Abandoning a share-server migration instead of completing it: check
// that the destination's driver can cancel, start phase 1, cancel while
// the migration waits for the switch-over, and wait for the end, which is
// a *jobs.FailedError in state jobs.Cancelled. The shares never moved: the
// source share server is active again on its back end. Once the migration
// is over, the service refuses another cancel with 400.
func Example_cancel() {
	srv := manilatest.NewServer()
	defer srv.Close()
	const id = "5bd7c5a8-5e83-4f4c-9a0e-5f2d3a1c7b60"
	srv.AddShareServer(id, "manila-share-1@netapp1")
	srv.AddBackend("manila-share-2@netapp2")

	ctx := context.Background()
	c, err := manila.NewClientFromKeystone(ctx, srv.Authorizer(), "", "")
	if err != nil {
		log.Fatal(err)
	}
	check, err := c.CheckMigration(ctx, id, &manila.CheckMigrationOptions{Host: "manila-share-2@netapp2", Writable: true})
	if err != nil {
		log.Fatal(err)
	}
	// The value is null when the destination is not compatible at all.
	canCancel := check.SupportedCapabilities.MigrationCancel
	fmt.Println("the driver can cancel:", canCancel != nil && *canCancel)
	if _, err := c.StartMigration(ctx, id, &manila.StartMigrationOptions{Host: "manila-share-2@netapp2", Writable: true}); err != nil {
		log.Fatal(err)
	}
	fast := jobs.WithInterval(time.Millisecond, 5*time.Millisecond)
	step := jobs.WithProgress(func(jobs.Status) { srv.Clock().Advance(time.Minute) })
	p, err := c.WaitForMigrationPhase1(ctx, id, fast, step)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("waiting for the switch-over:", p.TaskState)

	// The decision: abandon the move.
	if err := c.CancelMigration(ctx, id); err != nil {
		log.Fatal(err)
	}
	_, err = c.WaitForMigrationComplete(ctx, id, fast, step)
	var failed *jobs.FailedError
	if !errors.As(err, &failed) || failed.Status.State != jobs.Cancelled {
		log.Fatalf("the wait ended with %v", err)
	}
	fmt.Println("ended:", failed.Job.(*manila.MigrationProgress).TaskState)
	src, _ := srv.ShareServer(id)
	fmt.Println("the source:", src.Host, src.Status)

	err = c.CancelMigration(ctx, id)
	var apiErr *cloudmigrate.Error
	fmt.Println("cancel again:", errors.As(err, &apiErr) && apiErr.StatusCode == 400)
	// Output:
	// the driver can cancel: true
	// waiting for the switch-over: migration_driver_phase1_done
	// ended: migration_cancelled
	// the source: manila-share-1@netapp1 active
	// cancel again: true
}
