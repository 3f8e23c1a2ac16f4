package novatest_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/nova"
	"github.com/cloudmigrate/cloudmigrate/nova/novatest"
)

func TestLiveMigrationWithProgress(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	start := srv.Clock().Now()

	if _, err := c.LiveMigrate(ctx, serverA, &nova.LiveMigrateOptions{Host: host2}); err != nil {
		t.Fatal(err)
	}
	m := only(t, c, serverA)
	if m.ID != 1 || m.Status != nova.StatusQueued || m.ServerUUID != serverA || m.UUID == "" ||
		str(m.SourceCompute) != host1 || str(m.SourceNode) != host1 ||
		str(m.DestCompute) != host2 || str(m.DestNode) != host2 || m.DestHost != nil ||
		m.MemoryTotalBytes != nil || m.DiskTotalBytes != nil || m.Progress() != jobs.ProgressUnknown ||
		str(m.UserID) != srv.UserID() || str(m.ProjectID) != srv.ProjectID() || !m.CreatedAt.Equal(start) {
		t.Errorf("queued migration %+v", m)
	}
	if info := state(t, srv, serverA); info.Status != novatest.StatusMigrating || info.TaskState != novatest.TaskMigrating ||
		info.Host != host1 || info.MigrationID != 1 {
		t.Errorf("server during the migration: %+v", info)
	}

	opts, seen := stepping(srv, 5*time.Second)
	final, err := c.WaitForMigration(ctx, serverA, m.ID, opts...)
	if err != nil {
		t.Fatal(err)
	}
	// The last poll found it gone from the server's list and read it from
	// /os-migrations.
	if final.ID != 1 || final.Status != nova.StatusCompleted || final.MigrationType != nova.TypeLiveMigration ||
		final.InstanceUUID != serverA || str(final.DestCompute) != host2 || final.UUID != m.UUID {
		t.Errorf("final record %+v", final)
	}
	want := []string{"queued", "preparing", "running", "post-migrating", "completed"}
	if got := words(*seen); !equal(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
	var running []int
	for _, st := range *seen {
		if st.Word == "running" {
			running = append(running, st.Progress)
		}
	}
	if len(running) < 10 {
		t.Fatalf("only %d polls while running: %v", len(running), running)
	}
	for i := 1; i < len(running); i++ {
		if running[i] <= running[i-1] {
			t.Errorf("progress does not rise: %v", running)
			break
		}
	}
	if running[0] < 0 || running[len(running)-1] > 100 || running[len(running)-1] < 90 {
		t.Errorf("progress while running: %v", running)
	}

	if info := state(t, srv, serverA); info.Host != host2 || info.Status != novatest.StatusActive ||
		info.TaskState != "" || info.MigrationID != 0 {
		t.Errorf("server after the migration: %+v", info)
	}
	if ms, err := c.ListServerMigrations(ctx, serverA); err != nil || len(ms) != 0 {
		t.Errorf("in progress after completion: %v, %v", ms, err)
	}
	_, err = c.GetServerMigration(ctx, serverA, m.ID)
	apiError(t, err, 404, novatest.FaultItemNotFound)

	var listed []nova.Migration
	for rec, err := range c.ListMigrations(ctx, &nova.ListMigrationsOptions{InstanceUUID: serverA}) {
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, rec)
	}
	if len(listed) != 1 || listed[0].Status != nova.StatusCompleted || listed[0].Links != nil {
		t.Errorf("os-migrations after completion: %+v", listed)
	}
	rec := record(t, srv, 1)
	// Nothing remains: nova's schema allows null or at least 1, never 0.
	if rec.MemoryRemainingBytes != nil || *rec.MemoryProcessedBytes != novatest.DefaultMemoryBytes ||
		*rec.DiskProcessedBytes != novatest.DefaultDiskBytes || rec.DiskRemainingBytes != nil {
		t.Errorf("counters of the completed migration: %+v", rec)
	}
	if n := srv.Calls(novatest.OpLiveMigrate); n != 1 {
		t.Errorf("LiveMigrate calls %d", n)
	}
}

func TestLiveMigrateSchedulerAndBlockMigration(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	srv.AddServer(serverB, host2, novatest.StatusActive)

	// No host: the scheduler picks the first other host. A block
	// migration ("auto" by default) copies the disk as well.
	if _, err := c.LiveMigrate(ctx, serverA, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.LiveMigrate(ctx, serverB, &nova.LiveMigrateOptions{BlockMigration: nova.BlockMigrationFalse}); err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(37 * time.Second) // half way through running
	a, err := c.GetServerMigration(ctx, serverA, 1)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.GetServerMigration(ctx, serverB, 2)
	if err != nil {
		t.Fatal(err)
	}
	if str(a.DestCompute) != host2 || str(b.DestCompute) != host1 {
		t.Errorf("scheduler chose %s and %s", str(a.DestCompute), str(b.DestCompute))
	}
	if a.Status != nova.StatusRunning || a.Progress() != 50 || *a.DiskTotalBytes != novatest.DefaultDiskBytes ||
		*a.DiskProcessedBytes != novatest.DefaultDiskBytes/2 || *a.MemoryRemainingBytes != novatest.DefaultMemoryBytes/2 {
		t.Errorf("block migration half way: %+v", a)
	}
	// No disk to copy: the disk counters are null (never 0).
	if b.Progress() != 50 || b.DiskTotalBytes != nil || b.DiskProcessedBytes != nil || b.DiskRemainingBytes != nil {
		t.Errorf("shared-storage migration half way: %+v", b)
	}
}

func TestForceComplete(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	if _, err := c.LiveMigrate(ctx, serverA, &nova.LiveMigrateOptions{Host: host3}); err != nil {
		t.Fatal(err)
	}
	m := only(t, c, serverA)

	// Still queued: nova wants "running".
	err := c.ForceCompleteMigration(ctx, serverA, m.ID)
	if e := apiError(t, err, 400, novatest.FaultBadRequest); !strings.Contains(e.Message, "queued") {
		t.Errorf("message %q", e.Message)
	}

	srv.Clock().Advance(13 * time.Second) // 6s of a 60s run
	before, err := c.GetServerMigration(ctx, serverA, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if before.Status != nova.StatusRunning || before.Progress() != 10 {
		t.Fatalf("before forcing: %s %d%%", before.Status, before.Progress())
	}
	if err := c.ForceCompleteMigration(ctx, serverA, m.ID); err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(time.Second)
	mid, err := c.GetServerMigration(ctx, serverA, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if mid.Status != nova.StatusRunning || mid.Progress() != 55 {
		t.Errorf("a second after forcing: %s %d%%", mid.Status, mid.Progress())
	}
	srv.Clock().Advance(time.Second)
	post, err := c.GetServerMigration(ctx, serverA, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if post.Status != nova.StatusPostMigrating || post.Progress() != 100 {
		t.Errorf("two seconds after forcing: %s %d%%", post.Status, post.Progress())
	}
	opts, _ := stepping(srv, time.Second)
	final, err := c.WaitForMigration(ctx, serverA, m.ID, opts...)
	if err != nil || final.Status != nova.StatusCompleted {
		t.Fatalf("wait: %v, %+v", err, final)
	}
	if info := state(t, srv, serverA); info.Host != host3 || info.Status != novatest.StatusActive {
		t.Errorf("server %+v", info)
	}
	// The server no longer migrates.
	err = c.ForceCompleteMigration(ctx, serverA, m.ID)
	apiError(t, err, 409, novatest.FaultConflictingRequest)
	if n := srv.Calls(novatest.OpForceComplete); n != 3 {
		t.Errorf("ForceComplete calls %d, want 3", n)
	}
}

func TestAbortRunning(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	if _, err := c.LiveMigrate(ctx, serverA, &nova.LiveMigrateOptions{Host: host2}); err != nil {
		t.Fatal(err)
	}
	m := only(t, c, serverA)
	srv.Clock().Advance(22 * time.Second) // a quarter of the run
	if err := c.AbortMigration(ctx, serverA, m.ID); err != nil {
		t.Fatal(err)
	}
	rec := record(t, srv, m.ID)
	if rec.Status != nova.StatusCancelled || rec.Progress() != 25 {
		t.Errorf("aborted: %s %d%%", rec.Status, rec.Progress())
	}
	srv.Clock().Advance(time.Minute)
	if later := record(t, srv, m.ID); later.Status != nova.StatusCancelled || *later.MemoryProcessedBytes != *rec.MemoryProcessedBytes {
		t.Errorf("counters moved after the abort: %+v", later)
	}

	opts, _ := stepping(srv, time.Second)
	final, err := c.WaitForMigration(ctx, serverA, m.ID, opts...)
	var failed *jobs.FailedError
	if !errors.As(err, &failed) {
		t.Fatalf("wait returned %v, want *jobs.FailedError", err)
	}
	job, ok := failed.Job.(*nova.Migration)
	if failed.Status.State != jobs.Cancelled || failed.Status.Word != "cancelled" || !ok ||
		job.Status != nova.StatusCancelled || final != job {
		t.Errorf("failed error %+v, job %+v", failed, failed.Job)
	}
	if info := state(t, srv, serverA); info.Host != host1 || info.Status != novatest.StatusActive || info.MigrationID != 0 {
		t.Errorf("server after the abort %+v", info)
	}
	err = c.AbortMigration(ctx, serverA, m.ID)
	apiError(t, err, 409, novatest.FaultConflictingRequest)
}

func TestAbortQueuedNeeds265(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	if _, err := c.LiveMigrate(ctx, serverA, nil); err != nil {
		t.Fatal(err)
	}
	m := only(t, c, serverA)

	err := pinned(t, c, "2.64").AbortMigration(ctx, serverA, m.ID)
	if e := apiError(t, err, 400, novatest.FaultBadRequest); !strings.Contains(e.Message, "is queued") {
		t.Errorf("message %q", e.Message)
	}
	if rec := record(t, srv, m.ID); rec.Status != nova.StatusQueued {
		t.Fatalf("refused abort changed the migration: %s", rec.Status)
	}
	// An unknown migration of a migrating server.
	err = pinned(t, c, "2.65").AbortMigration(ctx, serverA, 99)
	apiError(t, err, 404, novatest.FaultItemNotFound)

	if err := pinned(t, c, "2.65").AbortMigration(ctx, serverA, m.ID); err != nil {
		t.Fatal(err)
	}
	if rec := record(t, srv, m.ID); rec.Status != nova.StatusCancelled || rec.MemoryTotalBytes != nil {
		t.Errorf("aborted while queued: %+v", rec)
	}
	if info := state(t, srv, serverA); info.Host != host1 || info.Status != novatest.StatusActive {
		t.Errorf("server %+v", info)
	}

	// Preparing, the same way.
	if _, err := c.LiveMigrate(ctx, serverA, nil); err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(3 * time.Second)
	if rec := record(t, srv, 2); rec.Status != nova.StatusPreparing {
		t.Fatalf("status %s, want preparing", rec.Status)
	}
	err = pinned(t, c, "2.64").AbortMigration(ctx, serverA, 2)
	apiError(t, err, 400, novatest.FaultBadRequest)
	if err := c.AbortMigration(ctx, serverA, 2); err != nil {
		t.Fatal(err)
	}
}

// findCold returns the cold migration of the server from /os-migrations.
func findCold(t *testing.T, c *nova.Client, serverID string) nova.Migration {
	t.Helper()
	var found []nova.Migration
	for m, err := range c.ListMigrations(context.Background(), &nova.ListMigrationsOptions{
		InstanceUUID: serverID, MigrationType: nova.TypeMigration}) {
		if err != nil {
			t.Fatal(err)
		}
		found = append(found, m)
	}
	if len(found) != 1 {
		t.Fatalf("%d cold migrations, want 1: %+v", len(found), found)
	}
	return found[0]
}

func TestColdMigrateAndConfirm(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	if _, err := c.Migrate(ctx, serverA, &nova.MigrateOptions{Host: host3}); err != nil {
		t.Fatal(err)
	}
	if info := state(t, srv, serverA); info.Status != novatest.StatusResize || info.TaskState != novatest.TaskResizePrep {
		t.Errorf("server just after Migrate: %+v", info)
	}
	m := findCold(t, c, serverA)
	if m.Status != nova.StatusPreMigrating || str(m.DestCompute) != host3 || m.Links != nil || m.UUID == "" ||
		m.UpdatedAt.IsZero() != true || *m.OldInstanceTypeID != *m.NewInstanceTypeID {
		t.Errorf("cold migration record %+v", m)
	}
	// Never listed under the server.
	if ms, err := c.ListServerMigrations(ctx, serverA); err != nil || len(ms) != 0 {
		t.Errorf("cold migration listed under the server: %v %v", ms, err)
	}

	opts, seen := stepping(srv, 5*time.Second)
	final, err := c.WaitForMigration(ctx, serverA, m.ID, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if final.Status != nova.StatusFinished {
		t.Errorf("final status %s", final.Status)
	}
	if got, want := words(*seen), []string{"pre-migrating", "migrating", "post-migrating", "finished"}; !equal(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
	if info := state(t, srv, serverA); info.Status != novatest.StatusVerifyResize || info.Host != host3 || info.MigrationID != m.ID {
		t.Errorf("server waiting for confirmation: %+v", info)
	}
	// A second migration must wait: nova refuses it, and the SDK adopts
	// the cold migration waiting for confirmation instead of sending it.
	msg := newRaw(srv).send(t, "POST", api+"/servers/"+serverA+"/action", "2.80",
		[]byte(`{"os-migrateLive": {"host": null, "block_migration": "auto"}}`)).fault(t, 409, novatest.FaultConflictingRequest)
	if !strings.Contains(msg, "vm_state resized") {
		t.Errorf("message %q", msg)
	}
	lives := srv.Calls(novatest.OpLiveMigrate)
	op, err := c.LiveMigrate(ctx, serverA, nil)
	if !errors.Is(err, cloudmigrate.ErrInProgress) || op.ID() != strconv.Itoa(m.ID) || op.Token().Kind != string(nova.TypeMigration) {
		t.Errorf("LiveMigrate in VERIFY_RESIZE: %v, %v", op.Token(), err)
	}
	if n := srv.Calls(novatest.OpLiveMigrate); n != lives {
		t.Errorf("the adopting call sent a live migration")
	}

	if err := c.ConfirmMigration(ctx, serverA); err != nil {
		t.Fatal(err)
	}
	if rec := record(t, srv, m.ID); rec.Status != nova.StatusConfirming {
		t.Errorf("status right after confirming: %s", rec.Status)
	}
	err = c.ConfirmMigration(ctx, serverA)
	apiError(t, err, 400, novatest.FaultBadRequest)
	srv.Clock().Advance(2 * time.Second)
	if rec := record(t, srv, m.ID); rec.Status != nova.StatusConfirmed {
		t.Errorf("status after confirming: %s", rec.Status)
	}
	if info := state(t, srv, serverA); info.Status != novatest.StatusActive || info.Host != host3 || info.MigrationID != 0 {
		t.Errorf("server after confirming: %+v", info)
	}
	err = c.ConfirmMigration(ctx, serverA)
	apiError(t, err, 409, novatest.FaultConflictingRequest)
	if srv.Calls(novatest.OpMigrate) != 1 || srv.Calls(novatest.OpConfirmResize) != 3 {
		t.Errorf("calls %v", srv.AllCalls())
	}
}

func TestColdMigrateAndRevert(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	srv.AddServer(serverB, host1, novatest.StatusShutoff)
	_, err := c.LiveMigrate(ctx, serverB, nil)
	apiError(t, err, 409, novatest.FaultConflictingRequest)

	if _, err := c.Migrate(ctx, serverB, nil); err != nil {
		t.Fatal(err)
	}
	m := findCold(t, c, serverB)
	srv.Clock().Advance(40 * time.Second)
	if info := state(t, srv, serverB); info.Status != novatest.StatusVerifyResize || info.Host != host2 {
		t.Fatalf("server %+v", info)
	}
	if err := c.RevertMigration(ctx, serverB); err != nil {
		t.Fatal(err)
	}
	if info := state(t, srv, serverB); info.Status != novatest.StatusRevertResize || info.TaskState != novatest.TaskResizeReverting {
		t.Errorf("server while reverting: %+v", info)
	}
	opts, _ := stepping(srv, 5*time.Second)
	_, err = c.WaitForMigration(ctx, serverB, m.ID, opts...)
	var failed *jobs.FailedError
	if !errors.As(err, &failed) || failed.Status.State != jobs.Cancelled || failed.Status.Word != "reverted" {
		t.Fatalf("wait after revert: %v", err)
	}
	if info := state(t, srv, serverB); info.Status != novatest.StatusShutoff || info.Host != host1 || info.MigrationID != 0 {
		t.Errorf("server after reverting: %+v", info)
	}
	err = c.RevertMigration(ctx, serverB)
	apiError(t, err, 409, novatest.FaultConflictingRequest)
}

func TestMigrateRefusals(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	apiError(t, errOf(c.Migrate(ctx, "no-such-server", nil)), 404, novatest.FaultItemNotFound)
	apiError(t, errOf(c.Migrate(ctx, serverA, &nova.MigrateOptions{Host: "compute9"})), 400, novatest.FaultBadRequest)
	apiError(t, errOf(c.Migrate(ctx, serverA, &nova.MigrateOptions{Host: host1})), 400, novatest.FaultBadRequest)

	lonely := novatest.NewServer()
	defer lonely.Close()
	lonely.AddServer(serverA, host1, novatest.StatusActive)
	lc, err := nova.NewClientFromKeystone(ctx, lonely.Authorizer(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	e := apiError(t, errOf(lc.Migrate(ctx, serverA, nil)), 400, novatest.FaultBadRequest)
	if !strings.Contains(e.Message, "No valid host") {
		t.Errorf("message %q", e.Message)
	}
	if len(srv.Migrations("")) != 0 || len(lonely.Migrations("")) != 0 {
		t.Error("a refused migration left a record")
	}
}

func TestLiveMigrateRefusals(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	apiError(t, errOf(c.LiveMigrate(ctx, "no-such-server", nil)), 404, novatest.FaultItemNotFound)
	apiError(t, errOf(c.LiveMigrate(ctx, serverA, &nova.LiveMigrateOptions{Host: "compute9"})), 400, novatest.FaultBadRequest)

	// The source as destination: refused at once before 2.34, an "error"
	// migration from 2.34, when the pre-checks run after the answer.
	e := apiError(t, errOf(pinned(t, c, "2.33").LiveMigrate(ctx, serverA, &nova.LiveMigrateOptions{Host: host1})), 400, novatest.FaultBadRequest)
	if !strings.Contains(e.Message, "current host") {
		t.Errorf("message %q", e.Message)
	}
	if len(srv.Migrations("")) != 0 {
		t.Fatal("a refused migration left a record")
	}
	if _, err := pinned(t, c, "2.34").LiveMigrate(ctx, serverA, &nova.LiveMigrateOptions{Host: host1}); err != nil {
		t.Fatal(err)
	}
	rec := record(t, srv, 1)
	if rec.Status != nova.StatusError || str(rec.DestCompute) != host1 || rec.DestNode != nil || rec.DestHost != nil {
		t.Errorf("pre-check failure %+v", rec)
	}
	if info := state(t, srv, serverA); info.Status != novatest.StatusActive || info.Host != host1 {
		t.Errorf("server %+v", info)
	}

	// Already migrating.
	if _, err := c.LiveMigrate(ctx, serverA, nil); err != nil {
		t.Fatal(err)
	}
	msg := newRaw(srv).send(t, "POST", api+"/servers/"+serverA+"/action", "2.80",
		[]byte(`{"os-migrateLive": {"host": null, "block_migration": "auto"}}`)).fault(t, 409, novatest.FaultConflictingRequest)
	if !strings.Contains(msg, "task_state migrating") {
		t.Errorf("message %q", msg)
	}
	if _, err := c.LiveMigrate(ctx, serverA, nil); !errors.Is(err, cloudmigrate.ErrInProgress) {
		t.Errorf("a second live migration: %v, want it adopted", err)
	}

	// No other host.
	lonely := novatest.NewServer()
	defer lonely.Close()
	lonely.AddServer(serverA, host1, novatest.StatusActive)
	lc, err := nova.NewClientFromKeystone(ctx, lonely.Authorizer(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	apiError(t, errOf(pinned(t, lc, "2.33").LiveMigrate(ctx, serverA, nil)), 400, novatest.FaultBadRequest)
	if _, err := lc.LiveMigrate(ctx, serverA, nil); err != nil {
		t.Fatal(err)
	}
	if rec := record(t, lonely, 1); rec.Status != nova.StatusError || rec.DestCompute != nil {
		t.Errorf("no valid host %+v", rec)
	}

	// Force skips nothing the fake checks, but is accepted in its range.
	force := true
	if _, err := pinned(t, lc, "2.30").LiveMigrate(ctx, serverA, &nova.LiveMigrateOptions{Host: "compute9", Force: &force}); err == nil {
		t.Error("forced live migration to an unknown host accepted")
	}
}

func TestFailNextMigrations(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	srv.AddServer(serverB, host1, novatest.StatusShutoff)
	srv.FailNextMigrations(2)

	if _, err := c.LiveMigrate(ctx, serverA, nil); err != nil {
		t.Fatal(err)
	}
	opts, seen := stepping(srv, 5*time.Second)
	_, err := c.WaitForMigration(ctx, serverA, 1, opts...)
	var failed *jobs.FailedError
	if !errors.As(err, &failed) || failed.Status.State != jobs.Failed || failed.Status.Word != "failed" {
		t.Fatalf("live wait: %v", err)
	}
	if job, ok := failed.Job.(*nova.Migration); !ok || job.Status != nova.StatusFailed || job.ID != 1 {
		t.Errorf("job %+v", failed.Job)
	}
	if got := words(*seen); !equal(got, []string{"queued", "preparing", "running", "failed"}) {
		t.Errorf("statuses %v", got)
	}
	// The error names what failed, as nova keeps no reason.
	if want := "cloudmigrate: job failed (failed): live migration 1 of server " + serverA +
		" from compute1 (node compute1) to compute2 (node compute2)"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if info := state(t, srv, serverA); info.Host != host1 || info.Status != novatest.StatusActive {
		t.Errorf("server after a failed live migration: %+v", info)
	}

	if _, err := c.Migrate(ctx, serverB, nil); err != nil {
		t.Fatal(err)
	}
	opts, _ = stepping(srv, 5*time.Second)
	_, err = c.WaitForMigration(ctx, serverB, 2, opts...)
	if !errors.As(err, &failed) || failed.Status.State != jobs.Failed || failed.Status.Word != "error" {
		t.Fatalf("cold wait: %v", err)
	}
	if want := "cloudmigrate: job failed (error): cold migration 2 of server " + serverB +
		" from compute1 (node compute1) to compute2 (node compute2)"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if info := state(t, srv, serverB); info.Host != host1 || info.Status != novatest.StatusShutoff {
		t.Errorf("server after a failed cold migration: %+v", info)
	}

	// Both failures are used up.
	if _, err := c.LiveMigrate(ctx, serverA, nil); err != nil {
		t.Fatal(err)
	}
	opts, _ = stepping(srv, 10*time.Second)
	if m, err := c.WaitForMigration(ctx, serverA, 3, opts...); err != nil || m.Status != nova.StatusCompleted {
		t.Fatalf("third migration: %v %+v", err, m)
	}
	srv.FailNextMigrations(5)
	srv.FailNextMigrations(0)
	if _, err := c.LiveMigrate(ctx, serverA, nil); err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(2 * time.Minute)
	if rec := record(t, srv, 4); rec.Status != nova.StatusCompleted {
		t.Errorf("after cancelling the failures: %s", rec.Status)
	}
}

func TestVersionRangeWithoutServerMigrations(t *testing.T) {
	srv, c := newFake(t, novatest.WithVersions("2.1", "2.20"))
	ctx := context.Background()
	info, err := c.Microversion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.InUse.String() != "2.20" || info.ServerMin.String() != "2.1" || info.ServerMax.String() != "2.20" {
		t.Errorf("negotiated %+v", info)
	}
	_, err = c.ListServerMigrations(ctx, serverA)
	var ve *cloudmigrate.VersionError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T), want *cloudmigrate.VersionError", err, err)
	}
	if ve.Feature != "ListServerMigrations" || ve.Min != "2.23" || ve.InUse != "2.20" || ve.ServerMax != "2.20" {
		t.Errorf("version error %+v", ve)
	}
	if n := srv.Calls(novatest.OpListServerMigrations); n != 0 {
		t.Errorf("ListServerMigrations reached the fake %d times", n)
	}

	// Live migration still works there, with the old body, and the wait
	// reads /os-migrations.
	if _, err := c.LiveMigrate(ctx, serverA, &nova.LiveMigrateOptions{Host: host2}); err != nil {
		t.Fatal(err)
	}
	opts, _ := stepping(srv, 10*time.Second)
	m, err := c.WaitForMigration(ctx, serverA, 1, opts...)
	if err != nil || m.Status != nova.StatusCompleted || m.MigrationType != "" || m.UUID != "" {
		t.Fatalf("wait at 2.20: %v %+v", err, m)
	}
	if srv.Calls(novatest.OpGetServerMigration) != 0 || srv.Calls(novatest.OpListMigrations) == 0 {
		t.Errorf("calls %v", srv.AllCalls())
	}
}

func TestVersionOutsideTheRange(t *testing.T) {
	srv, c := newFake(t, novatest.WithVersions("2.1", "2.60"))
	_, err := pinned(t, c, "2.80").ListServerMigrations(context.Background(), serverA)
	var ve *cloudmigrate.VersionError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T), want *cloudmigrate.VersionError", err, err)
	}
	if ve.ServerMin != "2.1" || ve.ServerMax != "2.60" || ve.InUse != "2.80" {
		t.Errorf("version error %+v", ve)
	}
	apiError(t, err, 406, novatest.FaultComputeFault)
	if n := srv.Calls(novatest.OpListServerMigrations); n != 1 {
		t.Errorf("calls %d", n)
	}
}

func TestListMigrationsPaging(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	ids := []string{serverA, serverB, serverC, "0a1b2c3d-0000-4000-8000-000000000004", "0a1b2c3d-0000-4000-8000-000000000005"}
	for _, id := range ids[1:] {
		srv.AddServer(id, host1, novatest.StatusActive)
	}
	for _, id := range ids {
		if _, err := c.LiveMigrate(ctx, id, nil); err != nil {
			t.Fatal(err)
		}
		srv.Clock().Advance(time.Second)
	}
	srv.ResetCalls()
	var got []int
	for m, err := range c.ListMigrations(ctx, &nova.ListMigrationsOptions{Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, m.ID)
	}
	if want := []int{5, 4, 3, 2, 1}; len(got) != 5 || got[0] != 5 || got[4] != 1 {
		t.Errorf("listed %v, want %v", got, want)
	}
	if n := srv.Calls(novatest.OpListMigrations); n != 3 {
		t.Errorf("%d pages fetched, want 3", n)
	}

	// Stopping early fetches only what was needed.
	srv.ResetCalls()
	for range c.ListMigrations(ctx, &nova.ListMigrationsOptions{Limit: 2}) {
		break
	}
	if n := srv.Calls(novatest.OpListMigrations); n != 1 {
		t.Errorf("%d pages fetched for one item", n)
	}

	// A marker starts after that migration.
	marker := record(t, srv, 4).UUID
	got = got[:0]
	for m, err := range c.ListMigrations(ctx, &nova.ListMigrationsOptions{Marker: marker}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, m.ID)
	}
	if len(got) != 3 || got[0] != 3 || got[2] != 1 {
		t.Errorf("after the marker: %v", got)
	}

	// Paging needs 2.59; the SDK does not even ask below.
	srv.ResetCalls()
	for _, err := range pinned(t, c, "2.58").ListMigrations(ctx, &nova.ListMigrationsOptions{Limit: 2}) {
		var ve *cloudmigrate.VersionError
		if !errors.As(err, &ve) {
			t.Errorf("error %v", err)
		}
	}
	if n := srv.Calls(novatest.OpListMigrations); n != 0 {
		t.Errorf("calls %d", n)
	}
	// Below 2.59 the list is oldest first and not paged.
	got = got[:0]
	for m, err := range pinned(t, c, "2.58").ListMigrations(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, m.ID)
	}
	if len(got) != 5 || got[0] != 1 || got[4] != 5 {
		t.Errorf("at 2.58: %v", got)
	}
}

func TestListMigrationsFilters(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	srv.AddServer(serverB, host2, novatest.StatusShutoff)
	if _, err := c.LiveMigrate(ctx, serverA, &nova.LiveMigrateOptions{Host: host2}); err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(2 * time.Minute)
	mark := srv.Clock().Now()
	if _, err := c.Migrate(ctx, serverB, &nova.MigrateOptions{Host: host3}); err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(time.Minute)
	yes, no := true, false

	ids := func(o *nova.ListMigrationsOptions) []int {
		t.Helper()
		var out []int
		for m, err := range c.ListMigrations(ctx, o) {
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, m.ID)
		}
		return out
	}
	cases := []struct {
		name string
		opts nova.ListMigrationsOptions
		want []int
	}{
		{"all", nova.ListMigrationsOptions{}, []int{2, 1}},
		{"host as destination", nova.ListMigrationsOptions{Host: host3}, []int{2}},
		{"host as source or destination", nova.ListMigrationsOptions{Host: host2}, []int{2, 1}},
		{"source", nova.ListMigrationsOptions{SourceCompute: host1}, []int{1}},
		{"status", nova.ListMigrationsOptions{Status: nova.StatusCompleted}, []int{1}},
		{"type", nova.ListMigrationsOptions{MigrationType: nova.TypeMigration}, []int{2}},
		{"instance", nova.ListMigrationsOptions{InstanceUUID: serverA}, []int{1}},
		{"changes-since", nova.ListMigrationsOptions{ChangesSince: mark.Add(time.Second)}, []int{2}},
		{"changes-before", nova.ListMigrationsOptions{ChangesBefore: mark}, []int{1}},
		{"user", nova.ListMigrationsOptions{UserID: srv.UserID()}, []int{2, 1}},
		{"other user", nova.ListMigrationsOptions{UserID: "someone-else"}, nil},
		{"project", nova.ListMigrationsOptions{ProjectID: srv.ProjectID()}, []int{2, 1}},
		{"not hidden", nova.ListMigrationsOptions{Hidden: &no}, []int{2, 1}},
		{"hidden", nova.ListMigrationsOptions{Hidden: &yes}, nil},
		{"hidden and status", nova.ListMigrationsOptions{Hidden: &no, Status: nova.StatusCompleted}, []int{1}},
	}
	for _, tc := range cases {
		if got := ids(&tc.opts); len(got) != len(tc.want) || (len(got) > 0 && (got[0] != tc.want[0] || got[len(got)-1] != tc.want[len(tc.want)-1])) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	// Each start read the server's newest record once before sending.
	if n := srv.Calls(novatest.OpListMigrations); n != len(cases)+2 {
		t.Errorf("Calls(OpListMigrations) = %d, want %d", n, len(cases)+2)
	}

	// hidden is in every version's query schema, so it filters before
	// 2.59 too.
	for _, v := range []string{"2.1", "2.58"} {
		old := pinned(t, c, v)
		var got []int
		for m, err := range old.ListMigrations(ctx, &nova.ListMigrationsOptions{Hidden: &yes}) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, m.ID)
		}
		if len(got) != 0 {
			t.Errorf("hidden=1 at %s: %v", v, got)
		}
	}
}

func TestFieldsFollowTheVersion(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	if _, err := c.LiveMigrate(ctx, serverA, nil); err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(10 * time.Second)
	first := func(v string) nova.Migration {
		t.Helper()
		for m, err := range pinned(t, c, v).ListMigrations(ctx, nil) {
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		t.Fatal("no migration")
		return nova.Migration{}
	}
	if m := first("2.22"); m.MigrationType != "" || m.Links != nil || m.UUID != "" || m.UserID != nil {
		t.Errorf("os-migrations at 2.22: %+v", m)
	}
	if m := first("2.23"); m.MigrationType != nova.TypeLiveMigration || len(m.Links) != 2 || m.UUID != "" {
		t.Errorf("os-migrations at 2.23: %+v", m)
	} else if want := srv.Endpoint() + "/servers/" + serverA + "/migrations/1"; m.Links[0].Href != want || m.Links[0].Rel != "self" {
		t.Errorf("link %+v, want %s", m.Links[0], want)
	}
	if m := first("2.59"); m.UUID == "" || m.UserID != nil {
		t.Errorf("os-migrations at 2.59: %+v", m)
	}
	if m := first("2.80"); str(m.UserID) != srv.UserID() || str(m.ProjectID) != srv.ProjectID() {
		t.Errorf("os-migrations at 2.80: %+v", m)
	}
	for _, tc := range []struct {
		v          string
		uuid, user bool
	}{{"2.23", false, false}, {"2.58", false, false}, {"2.59", true, false}, {"2.79", true, false}, {"2.80", true, true}} {
		m, err := pinned(t, c, tc.v).GetServerMigration(ctx, serverA, 1)
		if err != nil {
			t.Fatal(err)
		}
		if (m.UUID != "") != tc.uuid || (m.UserID != nil) != tc.user || m.ServerUUID != serverA || m.MemoryTotalBytes == nil {
			t.Errorf("server migration at %s: %+v", tc.v, m)
		}
	}
}

func TestDroppedLiveMigrateStartsNothing(t *testing.T) {
	srv, c := newFake(t)
	srv.DropNext(novatest.OpLiveMigrate, 1)
	_, err := c.LiveMigrate(context.Background(), serverA, &nova.LiveMigrateOptions{Host: host2})
	if err == nil {
		t.Fatal("LiveMigrate succeeded over a dropped connection")
	}
	var apiErr *cloudmigrate.Error
	if errors.As(err, &apiErr) {
		t.Fatalf("a dropped connection gave a service error: %v", err)
	}
	if n := srv.Calls(novatest.OpLiveMigrate); n != 1 {
		t.Errorf("LiveMigrate sent %d times, want exactly 1", n)
	}
	if n := srv.Calls(novatest.OpServerAction); n != 0 {
		t.Errorf("counted under OpServerAction %d times", n)
	}
	if ms := srv.Migrations(""); len(ms) != 0 {
		t.Errorf("a dropped request started %d migrations", len(ms))
	}
	if info := state(t, srv, serverA); info.Status != novatest.StatusActive || info.MigrationID != 0 {
		t.Errorf("server %+v", info)
	}
	// The fault is used up.
	if _, err := c.LiveMigrate(context.Background(), serverA, nil); err != nil {
		t.Fatal(err)
	}
}

func TestThrottlingIsAbsorbed(t *testing.T) {
	srv, c := newFake(t)
	srv.Throttle(novatest.OpLiveMigrate, 2, 0)
	if _, err := c.LiveMigrate(context.Background(), serverA, nil); err != nil {
		t.Fatal(err)
	}
	if n := srv.Calls(novatest.OpLiveMigrate); n != 3 {
		t.Errorf("calls %d, want 3", n)
	}
	if n := len(srv.Migrations(serverA)); n != 1 {
		t.Errorf("%d migrations started", n)
	}
	// Beyond the retries, the caller sees overLimit.
	srv.Throttle(novatest.OpListServerMigrations, 100, 0)
	_, err := c.ListServerMigrations(context.Background(), serverA)
	apiError(t, err, 429, novatest.FaultOverLimit)
	if !cloudmigrate.IsThrottled(err) {
		t.Error("IsThrottled false")
	}
}

func TestPollErrorsAreTolerated(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	if _, err := c.LiveMigrate(ctx, serverA, nil); err != nil {
		t.Fatal(err)
	}
	srv.FailNext(novatest.OpGetServerMigration, 2, 503)
	srv.FailNext(novatest.OpListMigrations, 1, 500)
	opts, _ := stepping(srv, 10*time.Second)
	m, err := c.WaitForMigration(ctx, serverA, 1, opts...)
	if err != nil || m.Status != nova.StatusCompleted {
		t.Fatalf("wait: %v %+v", err, m)
	}
}

func TestTokenExpiresDuringWait(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	if _, err := c.LiveMigrate(ctx, serverA, nil); err != nil {
		t.Fatal(err)
	}
	before := srv.TokensIssued()
	polls := 0
	m, err := c.WaitForMigration(ctx, serverA, 1,
		jobs.WithInterval(time.Millisecond, 2*time.Millisecond),
		jobs.WithProgress(func(jobs.Status) {
			polls++
			if polls == 3 {
				srv.ExpireTokens()
			}
			srv.Clock().Advance(10 * time.Second)
		}))
	if err != nil || m.Status != nova.StatusCompleted {
		t.Fatalf("wait: %v %+v", err, m)
	}
	if before != 1 || srv.TokensIssued() != before+1 {
		t.Errorf("tokens issued %d then %d, want 1 then 2", before, srv.TokensIssued())
	}
}

func TestConcurrentCallsRenewOnce(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	if _, err := c.ListServerMigrations(ctx, serverA); err != nil {
		t.Fatal(err)
	}
	if n := srv.TokensIssued(); n != 1 {
		t.Fatalf("tokens issued %d", n)
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 300)
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for range 3 {
				if _, err := c.ListServerMigrations(ctx, serverA); err != nil {
					errs <- err
				}
			}
		}()
	}
	srv.ExpireTokens()
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := srv.TokensIssued(); n != 2 {
		t.Errorf("tokens issued %d, want 2 (one renewal)", n)
	}
	if n := srv.Calls(novatest.OpListServerMigrations); n < 301 {
		t.Errorf("calls %d", n)
	}
}

func TestBadCredentials(t *testing.T) {
	srv, _ := newFake(t)
	ctx := context.Background()
	c, err := nova.NewClient(srv.Endpoint(), auth.StaticToken("gAAAAnot-a-token"), fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListServerMigrations(ctx, serverA)
	apiError(t, err, 401, novatest.CodeUnauthorized)
	apiError(t, errOf(c.LiveMigrate(ctx, serverA, nil)), 401, novatest.CodeUnauthorized)
	// The start reads the server first, which is refused: nothing started.
	if n, g := srv.Calls(novatest.OpLiveMigrate), srv.Calls(novatest.OpGetServer); n != 0 || g != 1 || len(srv.Migrations("")) != 0 {
		t.Errorf("an unauthorized action: %d starts, %d reads, %d migrations", n, g, len(srv.Migrations("")))
	}

	cred := srv.Credentials()
	cred.Password = auth.NewSecret("wrong")
	ks, err := auth.NewKeystone(srv.AuthURL(), cred)
	if err != nil {
		t.Fatal(err)
	}
	_, err = nova.NewClientFromKeystone(ctx, ks, "", "")
	apiError(t, err, 401, "Unauthorized")
}

func TestWithoutAuthAndRealTime(t *testing.T) {
	srv := novatest.NewServer(novatest.WithoutAuth(), novatest.WithRealTime(600))
	defer srv.Close()
	srv.AddHost(host1, host2)
	srv.AddServer(serverA, host1, novatest.StatusActive)
	c, err := nova.NewClient(srv.Endpoint(), auth.StaticToken("anything"), fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.LiveMigrate(ctx, serverA, nil); err != nil {
		t.Fatal(err)
	}
	// 72 s of migration at 600x take about 120 ms.
	m, err := c.WaitForMigration(ctx, serverA, 1, jobs.WithInterval(5*time.Millisecond, 20*time.Millisecond))
	if err != nil || m.Status != nova.StatusCompleted {
		t.Fatalf("wait: %v %+v", err, m)
	}
}

func TestTimings(t *testing.T) {
	tm := novatest.DefaultTimings()
	tm.Queued, tm.Preparing, tm.Running, tm.PostMigrating = 0, 0, 10*time.Second, 0
	srv, c := newFake(t, novatest.WithTimings(tm))
	ctx := context.Background()
	if _, err := c.LiveMigrate(ctx, serverA, nil); err != nil {
		t.Fatal(err)
	}
	if m := only(t, c, serverA); m.Status != nova.StatusRunning || m.Progress() != 0 {
		t.Errorf("at once: %s %d", m.Status, m.Progress())
	}
	srv.Clock().Advance(10 * time.Second)
	if rec := record(t, srv, 1); rec.Status != nova.StatusCompleted {
		t.Errorf("after 10s: %s", rec.Status)
	}
}

func TestOptionsPanicOnMistakes(t *testing.T) {
	bad := func(name string, opts ...novatest.Option) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s: no panic", name)
			}
		}()
		novatest.NewServer(opts...).Close()
	}
	bad("versions reversed", novatest.WithVersions("2.90", "2.1"))
	bad("malformed version", novatest.WithVersions("2", "2.90"))
	bad("empty password", novatest.WithCredentials("u", "", "p"))
	bad("negative speed", novatest.WithRealTime(-1))
	tm := novatest.DefaultTimings()
	tm.Running = -time.Second
	bad("negative timing", novatest.WithTimings(tm))

	srv := novatest.NewServer()
	defer srv.Close()
	for name, f := range map[string]func(){
		"empty host":   func() { srv.AddHost("") },
		"empty server": func() { srv.AddServer("", host1, novatest.StatusActive) },
		"bad status":   func() { srv.AddServer(serverA, host1, novatest.StatusMigrating) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
	srv.AddServer(serverA, "compute7", novatest.StatusShutoff)
	if hosts := srv.Hosts(); len(hosts) != 1 || hosts[0] != "compute7" {
		t.Errorf("hosts %v", hosts)
	}
	if _, ok := srv.ServerState("nope"); ok {
		t.Error("unknown server found")
	}
	if _, ok := srv.Migration(1); ok {
		t.Error("unknown migration found")
	}
}

func TestCustomCredentials(t *testing.T) {
	srv := novatest.NewServer(novatest.WithCredentials("ops", "s3cret", "p-42"))
	defer srv.Close()
	if srv.Username() != "ops" || srv.Password() != "s3cret" || srv.ProjectID() != "p-42" {
		t.Fatalf("accessors %s %s %s", srv.Username(), srv.Password(), srv.ProjectID())
	}
	if srv.AuthURL() != srv.URL()+"/identity/v3" || srv.Endpoint() != srv.URL()+"/compute/v2.1" {
		t.Errorf("URLs %s %s", srv.AuthURL(), srv.Endpoint())
	}
	ctx := context.Background()
	ks := srv.Authorizer()
	c, err := nova.NewClientFromKeystone(ctx, ks, novatest.Region, "public")
	if err != nil {
		t.Fatal(err)
	}
	if c.Endpoint() != srv.Endpoint() {
		t.Errorf("catalog endpoint %s", c.Endpoint())
	}
	info, err := ks.TokenInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.ProjectID != "p-42" {
		t.Errorf("token project %s", info.ProjectID)
	}
}
