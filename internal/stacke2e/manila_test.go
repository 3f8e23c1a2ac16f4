package stacke2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/manila"
)

// otherBackend returns the share back end that is not b.
func (tg *target) otherBackend(b string) string {
	if b == tg.backends[0] {
		return tg.backends[1]
	}
	return tg.backends[0]
}

// otherPool returns the pool of the back end that does not hold pool p.
func (tg *target) otherPool(p string) string {
	if p == tg.pools[0] {
		return tg.pools[1]
	}
	return tg.pools[0]
}

// words records the status words a wait reports.
func words(into *[]string) jobs.Option {
	return jobs.WithProgress(func(s jobs.Status) { *into = append(*into, s.Word) })
}

// TestManilaServerMigration checks, starts, waits for, completes and
// waits for the end of a share-server migration, waiting right after the
// start, when manila has no destination share server yet.
func TestManilaServerMigration(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		ctx := tg.ctxFor(t)
		c := tg.manila
		id, backend := tg.res.newShareServer(t)
		dest := tg.otherBackend(backend)
		src, err := c.GetShareServer(ctx, id)
		if err != nil {
			t.Fatal(err)
		}

		check, err := c.CheckMigration(ctx, id, &manila.CheckMigrationOptions{Host: dest, Writable: true, PreserveSnapshots: true})
		if err != nil {
			t.Fatal(err)
		}
		req, sup := check.RequestedCapabilities, check.SupportedCapabilities
		if !check.Compatible || req.Host != dest || !isTrue(req.Writable) || isTrue(req.Nondisruptive) || !isTrue(req.PreserveSnapshots) ||
			!isTrue(sup.Writable) || isTrue(sup.Nondisruptive) || sup.Nondisruptive == nil || !isTrue(sup.PreserveSnapshots) ||
			!isTrue(sup.MigrationCancel) || !isTrue(sup.MigrationGetProgress) || sup.ShareNetworkID != src.ShareNetworkID {
			t.Errorf("check %+v", check)
		}

		if err := startMigration(ctx, c, id, &manila.StartMigrationOptions{Host: dest, Writable: true, PreserveSnapshots: true}); err != nil {
			t.Fatal(err)
		}
		var seen []string
		p, err := c.WaitForMigrationPhase1(ctx, id, tg.poll, words(&seen))
		if err != nil {
			t.Fatalf("WaitForMigrationPhase1 right after the start: %v (polls %v)", err, seen)
		}
		if p.TaskState != manila.TaskStateMigrationDriverPhase1Done || p.TotalProgress != 100 || p.DestinationShareServerID == "" {
			t.Fatalf("phase 1 %+v", p)
		}
		destID := p.DestinationShareServerID
		if s, err := c.GetShareServer(ctx, id); err != nil || s.Status != manila.ShareServerStatusServerMigrating ||
			s.TaskState != manila.TaskStateMigrationDriverPhase1Done {
			t.Errorf("source at phase 1 done: %+v, %v", s, err)
		}
		if s, err := c.GetShareServer(ctx, destID); err != nil || s.Status != manila.ShareServerStatusServerMigratingTo ||
			s.SourceShareServerID != id || s.Host != dest || s.ShareNetworkID != src.ShareNetworkID {
			t.Errorf("destination at phase 1 done: %+v, %v", s, err)
		}
		if got, err := c.GetMigrationProgress(ctx, id); err != nil || got.TotalProgress != 100 ||
			got.TaskState != manila.TaskStateMigrationDriverPhase1Done || got.DestinationShareServerID != destID {
			t.Errorf("progress at phase 1 done: %+v, %v", got, err)
		}
		// Phase 1 lasts until it is completed or cancelled.
		if p, err := c.WaitForMigrationPhase1(ctx, id, tg.poll); err != nil || p.DestinationShareServerID != destID {
			t.Errorf("second wait: %+v, %v", p, err)
		}

		done, err := c.CompleteMigration(ctx, id)
		if err != nil || done.DestinationShareServerID != destID {
			t.Fatalf("complete: %+v, %v", done, err)
		}
		seen = nil
		end, err := c.WaitForMigrationComplete(ctx, id, tg.poll, words(&seen))
		if err != nil || end.TaskState != manila.TaskStateMigrationSuccess || end.DestinationShareServerID != destID || end.TotalProgress != 100 {
			t.Fatalf("WaitForMigrationComplete: %+v, %v (polls %v)", end, err, seen)
		}
		if s, err := c.GetShareServer(ctx, destID); err != nil || s.Status != manila.ShareServerStatusActive ||
			s.TaskState != manila.TaskStateMigrationSuccess || s.Host != dest || s.SourceShareServerID != id {
			t.Errorf("destination after success: %+v, %v", s, err)
		}
		// Manila deletes the source soon after; its ID then answers
		// progress with the destination's.
		tg.eventually(t, "the source share server deleted", func() string {
			s, err := c.GetShareServer(ctx, id)
			if cloudmigrate.IsNotFound(err) {
				return ""
			}
			if err != nil {
				t.Fatal(err)
			}
			return s.Status
		})
		if got, err := c.GetMigrationProgress(ctx, id); err != nil || got.TotalProgress != 100 ||
			got.DestinationShareServerID != destID || got.TaskState != manila.TaskStateMigrationSuccess {
			t.Errorf("progress of the deleted source: %+v, %v", got, err)
		}
		if end, err := c.WaitForMigrationComplete(ctx, id, tg.poll); err != nil || end.TaskState != manila.TaskStateMigrationSuccess ||
			end.DestinationShareServerID != destID {
			t.Errorf("wait on the deleted source: %+v, %v", end, err)
		}
	})
}

func isTrue(b *bool) bool { return b != nil && *b }

// TestManilaCancel starts a share-server migration, cancels it once
// phase 1 is done and waits for the cancelled end.
func TestManilaCancel(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		ctx := tg.ctxFor(t)
		c := tg.manila
		id, backend := tg.res.newShareServer(t)
		if err := startMigration(ctx, c, id, &manila.StartMigrationOptions{Host: tg.otherBackend(backend)}); err != nil {
			t.Fatal(err)
		}
		p, err := c.WaitForMigrationPhase1(ctx, id, tg.poll)
		if err != nil {
			t.Fatal(err)
		}
		destID := p.DestinationShareServerID
		if err := c.CancelMigration(ctx, id); err != nil {
			t.Fatal(err)
		}
		var seen []string
		end, err := c.WaitForMigrationComplete(ctx, id, tg.poll, words(&seen))
		var failed *jobs.FailedError
		if !errors.As(err, &failed) || failed.Status.State != jobs.Cancelled || end == nil ||
			end.TaskState != manila.TaskStateMigrationCancelled {
			t.Fatalf("wait after cancel: %+v, %v (polls %v)", end, err, seen)
		}
		if s, err := c.GetShareServer(ctx, id); err != nil || s.Status != manila.ShareServerStatusActive ||
			s.TaskState != manila.TaskStateMigrationCancelled || s.Host != backend {
			t.Errorf("source after cancel: %+v, %v", s, err)
		}
		// Manila keeps the destination of a cancelled migration, inactive
		// (it would delete it only with delete_share_server_with_last_share).
		tg.eventually(t, "the destination share server inactive", func() string {
			s, err := c.GetShareServer(ctx, destID)
			if err != nil {
				t.Fatal(err)
			}
			if s.Status == manila.ShareServerStatusInactive && s.TaskState == manila.TaskStateMigrationCancelled && s.SourceShareServerID == id {
				return ""
			}
			return s.Status + "/" + string(s.TaskState)
		})
		_, err = c.GetMigrationProgress(ctx, id)
		if e := wantStatus(t, "progress after cancel", err, http.StatusBadRequest, "badRequest"); e != nil &&
			!strings.Contains(e.Message, "is not being migrated") {
			t.Errorf("message %q", e.Message)
		}
		wantStatus(t, "a second cancel", c.CancelMigration(ctx, id), http.StatusBadRequest, "badRequest")
	})
}

// TestManilaErrors checks manila's refusals as the SDK decodes them.
func TestManilaErrors(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		ctx := tg.ctxFor(t)
		c := tg.manila
		unknown := newUUID()
		_, err := c.GetShareServer(ctx, unknown)
		if e := wantStatus(t, "an unknown share server", err, http.StatusNotFound, "itemNotFound"); e != nil &&
			e.Message != fmt.Sprintf("Share server %s could not be found.", unknown) {
			t.Errorf("message %q", e.Message)
		}
		_, err = c.GetMigrationProgress(ctx, unknown)
		if e := wantStatus(t, "progress of an unknown share server", err, http.StatusBadRequest, "badRequest"); e != nil &&
			e.Message != fmt.Sprintf("Invalid share server: A destination share server wasn't found for source share server %s.", unknown) {
			t.Errorf("message %q", e.Message)
		}
		err = startMigration(ctx, c, unknown, &manila.StartMigrationOptions{Host: tg.backends[1]})
		wantStatus(t, "start of an unknown share server", err, http.StatusNotFound, "itemNotFound")

		id, backend := tg.res.newShareServer(t)
		_, err = c.GetMigrationProgress(ctx, id)
		if e := wantStatus(t, "progress of a share server never migrated", err, http.StatusBadRequest, "badRequest"); e != nil &&
			!strings.Contains(e.Message, "is not being migrated") {
			t.Errorf("message %q", e.Message)
		}
		_, err = c.CompleteMigration(ctx, id)
		wantStatus(t, "complete without a migration", err, http.StatusBadRequest, "badRequest")
		wantStatus(t, "cancel without a migration", c.CancelMigration(ctx, id), http.StatusBadRequest, "badRequest")
		_, err = c.WaitForMigrationPhase1(ctx, id, tg.poll)
		wantStatus(t, "wait without a migration", err, http.StatusBadRequest, "badRequest")

		// Bad input is refused before anything is sent.
		opt, cnt := counting()
		bc := tg.manilaAt(t, "", opt)
		for _, err := range []error{
			startMigration(ctx, bc, id, &manila.StartMigrationOptions{Host: tg.pools[1]}),
			startMigration(ctx, bc, id, &manila.StartMigrationOptions{Host: "no-backend"}),
			startMigration(ctx, bc, "", &manila.StartMigrationOptions{Host: tg.backends[1]}),
			bc.CancelMigration(ctx, "a/b"),
		} {
			var ve *cloudmigrate.ValidationError
			if !errors.As(err, &ve) || ve.Field == "" {
				t.Errorf("bad input: %v, want a ValidationError naming the field", err)
			}
		}
		if n := len(cnt.requests()); n != 0 {
			t.Errorf("bad input sent %v", cnt.requests())
		}
		_ = backend
	})
}

// TestManilaShareMigration moves one share to the other back end's pool
// with the per-share, driver-assisted migration (the dummy driver
// implements it).
func TestManilaShareMigration(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		ctx := tg.ctxFor(t)
		c := tg.manila
		id, pool := tg.res.newShare(t)
		dest := tg.otherPool(pool)
		err := startShareMigration(ctx, c, id, &manila.StartShareMigrationOptions{
			Host: dest, Writable: true, PreserveMetadata: true, PreserveSnapshots: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		var last *manila.ShareMigrationProgress
		tg.eventually(t, "share "+id+" at phase 1 done", func() string {
			p, err := c.GetShareMigrationProgress(ctx, id)
			if err != nil {
				// Manila answers 400 until the driver has begun.
				var apiErr *cloudmigrate.Error
				if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusBadRequest {
					return apiErr.Message
				}
				t.Fatal(err)
			}
			last = p
			if p.TaskState == manila.TaskStateMigrationDriverPhase1Done {
				return ""
			}
			if p.TaskState.Failed() {
				t.Fatalf("share migration failed: %+v", p)
			}
			return string(p.TaskState)
		})
		if last.TotalProgress != 100 {
			t.Errorf("progress at phase 1 done: %+v", last)
		}
		if s, ok := tg.res.share(t, id); !ok || s.Status != "migrating" || s.Host != pool {
			t.Errorf("share at phase 1 done: %+v", s)
		}
		if err := c.CompleteShareMigration(ctx, id); err != nil {
			t.Fatal(err)
		}
		tg.eventually(t, "share "+id+" on "+dest, func() string {
			s, ok := tg.res.share(t, id)
			if !ok {
				t.Fatalf("share %s gone", id)
			}
			if s.Status == "available" && s.Host == dest && s.TaskState == string(manila.TaskStateMigrationSuccess) {
				return ""
			}
			return fmt.Sprintf("%s/%s on %s", s.Status, s.TaskState, s.Host)
		})
	})
}

// startMigration starts a share-server migration and drops the operation
// handle: the tests follow the migration with the calls they check.
func startMigration(ctx context.Context, c *manila.Client, id string, o *manila.StartMigrationOptions) error {
	_, err := c.StartMigration(ctx, id, o)
	return err
}

// startShareMigration starts a per-share migration and drops the handle.
func startShareMigration(ctx context.Context, c *manila.Client, id string, o *manila.StartShareMigrationOptions) error {
	_, err := c.StartShareMigration(ctx, id, o)
	return err
}
