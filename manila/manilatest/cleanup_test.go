package manilatest_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate/manila"
	"github.com/cloudmigrate/cloudmigrate/manila/manilatest"
)

// TestSourceDeletedAfterSuccess checks that the inactive source of a
// successful migration stays for Durations.Cleanup and is then gone, as
// Manila deletes it: GET answers 404 and the progress of its ID comes
// from the destination.
func TestSourceDeletedAfterSuccess(t *testing.T) {
	for _, cleanup := range []time.Duration{0, time.Minute} {
		srv, c := newFake(t, manilatest.WithDurations(manilatest.Durations{Cleanup: cleanup}))
		want := cleanup
		if want == 0 {
			want = manilatest.DefaultDurations.Cleanup
		}
		start(t, c, dstHost)
		srv.Clock().Advance(time.Hour)
		done, err := c.CompleteMigration(ctx, srcID)
		if err != nil {
			t.Fatal(err)
		}
		srv.Clock().Advance(manilatest.DefaultDurations.Completing)
		if info := state(t, srv, srcID); info.Status != manilatest.StatusInactive || info.TaskState != "migration_success" {
			t.Fatalf("%v: source at the success %+v", cleanup, info)
		}
		srv.Clock().Advance(want - time.Second)
		if s, err := c.GetShareServer(ctx, srcID); err != nil || s.Status != manila.ShareServerStatusInactive {
			t.Errorf("%v: source just before its deletion %+v %v", cleanup, s, err)
		}
		srv.Clock().Advance(time.Second)
		if info, ok := srv.ShareServer(srcID); ok {
			t.Errorf("%v: source still there: %+v", cleanup, info)
		}
		_, err = c.GetShareServer(ctx, srcID)
		apiError(t, err, http.StatusNotFound, manilatest.FaultNotFound)
		p, err := c.GetMigrationProgress(ctx, srcID)
		if err != nil || p.TotalProgress != 100 || p.TaskState != manila.TaskStateMigrationSuccess ||
			p.DestinationShareServerID != done.DestinationShareServerID {
			t.Errorf("%v: progress of the deleted source %+v %v", cleanup, p, err)
		}
		if dest := state(t, srv, done.DestinationShareServerID); dest.Status != manilatest.StatusActive || dest.SourceShareServerID != srcID {
			t.Errorf("%v: destination %+v", cleanup, dest)
		}
	}
}

// TestCancelledDestinationStays checks that the destination of a
// cancelled migration stays, inactive, as Manila keeps it.
func TestCancelledDestinationStays(t *testing.T) {
	srv, c := newFake(t)
	start(t, c, dstHost)
	srv.Clock().Advance(time.Hour)
	p, err := c.GetMigrationProgress(ctx, srcID)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CancelMigration(ctx, srcID); err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(24 * time.Hour)
	s, err := c.GetShareServer(ctx, p.DestinationShareServerID)
	if err != nil || s.Status != manila.ShareServerStatusInactive || s.TaskState != manila.TaskStateMigrationCancelled ||
		s.SourceShareServerID != srcID || s.Host != dstHost {
		t.Errorf("destination a day after the cancel %+v %v", s, err)
	}
	if info := state(t, srv, srcID); info.Status != manilatest.StatusActive || info.TaskState != "migration_cancelled" {
		t.Errorf("source %+v", info)
	}
}
