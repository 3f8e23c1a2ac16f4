package stacke2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/nova"
)

// serverOf returns the server as GET /servers/detail shows it to an
// admin, and false when it is not listed.
func serverOf(t *testing.T, tg *target, c *nova.Client, id string) (nova.Server, bool) {
	t.Helper()
	for s, err := range c.ListServers(tg.ctxFor(t), &nova.ListServersOptions{AllProjects: true}) {
		if err != nil {
			t.Fatalf("ListServers: %v", err)
		}
		if s.ID == id {
			return s, true
		}
	}
	return nova.Server{}, false
}

// waitServer waits until the server shows status on host with no task
// under way.
func waitServer(t *testing.T, tg *target, id string, status nova.ServerStatus, host string) nova.Server {
	t.Helper()
	var s nova.Server
	tg.eventually(t, fmt.Sprintf("server %s %s on %s", id, status, host), func() string {
		var ok bool
		if s, ok = serverOf(t, tg, tg.nova, id); !ok {
			return "not listed"
		}
		if s.Status == status && s.Host == host && s.TaskState == "" {
			return ""
		}
		return fmt.Sprintf("%s/%q on %s", s.Status, s.TaskState, s.Host)
	})
	return s
}

// migrationsOf returns the server's migrations from GET /os-migrations,
// as c lists them.
func migrationsOf(t *testing.T, ctx context.Context, c *nova.Client, opts nova.ListMigrationsOptions) []nova.Migration {
	t.Helper()
	var out []nova.Migration
	for m, err := range c.ListMigrations(ctx, &opts) {
		if err != nil {
			t.Fatalf("ListMigrations %+v: %v", opts, err)
		}
		out = append(out, m)
	}
	return out
}

// newMigration returns the server's migration with the highest ID above
// after, waiting for nova to record it.
func newMigration(t *testing.T, tg *target, c *nova.Client, sid string, after int) nova.Migration {
	t.Helper()
	var found nova.Migration
	tg.eventually(t, "a new migration of "+sid, func() string {
		for _, m := range migrationsOf(t, tg.ctxFor(t), c, nova.ListMigrationsOptions{InstanceUUID: sid}) {
			if m.ID > after && m.ID > found.ID {
				found = m
			}
		}
		if found.ID == 0 {
			return "none"
		}
		return ""
	})
	return found
}

// waitRunning waits until the server's live migration is listed under it
// in status running, and returns it.
func waitRunning(t *testing.T, tg *target, sid string) nova.Migration {
	t.Helper()
	var got nova.Migration
	tg.eventually(t, "a running live migration of "+sid, func() string {
		ms, err := tg.nova.ListServerMigrations(tg.ctxFor(t), sid)
		if err != nil {
			t.Fatalf("ListServerMigrations: %v", err)
		}
		var words []string
		for _, m := range ms {
			if m.Status == nova.StatusRunning {
				got = m
				return ""
			}
			words = append(words, string(m.Status))
		}
		return fmt.Sprintf("%v", words)
	})
	return got
}

// checkCounters checks what the byte counters say: either nova reports
// none (the fake virt driver reports none) and Progress is unknown, or
// they are consistent and Progress lies in 0..100.
func checkCounters(t *testing.T, m *nova.Migration) {
	t.Helper()
	if m.MemoryTotalBytes == nil && m.DiskTotalBytes == nil {
		if p := m.Progress(); p != jobs.ProgressUnknown {
			t.Errorf("migration %d without counters: progress %d, want unknown", m.ID, p)
		}
		return
	}
	if p := m.Progress(); p < 0 || p > 100 {
		t.Errorf("migration %d: progress %d from %v/%v/%v", m.ID, p, m.MemoryTotalBytes, m.MemoryProcessedBytes, m.MemoryRemainingBytes)
	}
	if m.MemoryTotalBytes != nil && m.MemoryRemainingBytes != nil && *m.MemoryRemainingBytes > *m.MemoryTotalBytes {
		t.Errorf("migration %d: %d bytes remaining of %d", m.ID, *m.MemoryRemainingBytes, *m.MemoryTotalBytes)
	}
}

// other returns the compute host that is not h.
func (tg *target) other(h string) string {
	if h == tg.hosts[0] {
		return tg.hosts[1]
	}
	return tg.hosts[0]
}

func TestNovaListServers(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		ctx := tg.ctxFor(t)
		a := tg.res.bootServer(t, tg.hosts[0])
		b := tg.res.bootServer(t, tg.hosts[0])
		elsewhere := tg.res.bootServer(t, tg.hosts[1])
		raw := rawFor(t, tg)

		list := func(c *nova.Client, o nova.ListServersOptions) []nova.Server {
			var out []nova.Server
			for s, err := range c.ListServers(ctx, &o) {
				if err != nil {
					t.Fatalf("ListServers %+v: %v", o, err)
				}
				out = append(out, s)
			}
			return out
		}
		ids := func(ss []nova.Server) []string {
			var out []string
			for _, s := range ss {
				out = append(out, s.ID)
			}
			return out
		}
		onHost := list(tg.nova, nova.ListServersOptions{AllProjects: true, Host: tg.hosts[0]})
		got := ids(onHost)
		if !slices.Contains(got, a) || !slices.Contains(got, b) || slices.Contains(got, elsewhere) {
			t.Fatalf("servers on %s: %v; want %s and %s, not %s", tg.hosts[0], got, a, b, elsewhere)
		}
		for _, s := range onHost {
			if s.ID != a && s.ID != b {
				continue
			}
			if s.Status != nova.ServerActive || s.Host != tg.hosts[0] || s.HypervisorHostname != tg.hosts[0] ||
				s.TaskState != "" || s.VMState != "active" || s.PowerState != nova.PowerRunning ||
				s.TenantID != raw.projectID || s.UserID != raw.userID || s.Locked == nil || *s.Locked ||
				s.Created.IsZero() || s.Updated.Before(s.Created.Time) || s.InstanceName == "" || s.Name == "" {
				t.Errorf("server %+v", s)
			}
		}

		// One server by its ID, as the list shows it.
		for _, s := range onHost {
			if s.ID != a {
				continue
			}
			got, err := tg.nova.GetServer(ctx, a)
			if err != nil || got.ID != a || got.Name != s.Name || got.Status != s.Status || got.Host != s.Host ||
				got.HypervisorHostname != s.HypervisorHostname || got.InstanceName != s.InstanceName || !got.Created.Equal(s.Created.Time) {
				t.Errorf("GetServer %+v, %v; listed %+v", got, err, s)
			}
		}
		_, err := tg.nova.GetServer(ctx, newUUID())
		wantStatus(t, "GetServer of an unknown server", err, http.StatusNotFound, "itemNotFound")

		// Paging, one server a page: one request per page plus the last,
		// empty one; breaking off sends nothing more.
		opt, cnt := counting()
		paged := ids(list(tg.novaAt(t, "", opt), nova.ListServersOptions{AllProjects: true, Host: tg.hosts[0], Limit: 1}))
		if !slices.Equal(paged, got) {
			t.Errorf("paged %v, unpaged %v", paged, got)
		}
		if pages := len(cnt.requests()) - 1; pages != len(paged)+1 { // the version document
			t.Errorf("%d list requests for %d servers: %v", pages, len(paged), cnt.requests())
		}
		opt, cnt = counting()
		for _, err := range tg.novaAt(t, "", opt).ListServers(ctx, &nova.ListServersOptions{AllProjects: true, Limit: 1}) {
			if err != nil {
				t.Fatal(err)
			}
			break
		}
		if n := len(cnt.requests()); n != 2 {
			t.Errorf("a loop broken at the first server sent %d requests: %v", n, cnt.requests())
		}

		// Filters.
		var name string
		for _, s := range onHost {
			if s.ID == a {
				name = s.Name
			}
		}
		if got := ids(list(tg.nova, nova.ListServersOptions{AllProjects: true, Name: "^" + name + "$"})); !slices.Equal(got, []string{a}) {
			t.Errorf("name %q: %v", name, got)
		}
		if got := ids(list(tg.nova, nova.ListServersOptions{AllProjects: true, Host: tg.hosts[1], Status: nova.ServerActive})); !slices.Contains(got, elsewhere) {
			t.Errorf("active on %s: %v", tg.hosts[1], got)
		}
		if got := ids(list(tg.nova, nova.ListServersOptions{AllProjects: true, Host: tg.hosts[0], Status: nova.ServerShutoff})); slices.Contains(got, a) {
			t.Errorf("shut off on %s: %v", tg.hosts[0], got)
		}
		if got := ids(list(tg.nova, nova.ListServersOptions{AllProjects: true, Node: tg.hosts[1]})); !slices.Contains(got, elsewhere) || slices.Contains(got, a) {
			t.Errorf("node %s: %v", tg.hosts[1], got)
		}

		// A deleted server leaves the list.
		tg.res.deleteServer(t, b)
		if got := ids(list(tg.nova, nova.ListServersOptions{AllProjects: true, Host: tg.hosts[0]})); slices.Contains(got, b) {
			t.Errorf("deleted server %s still listed: %v", b, got)
		}
	})
}

// liveShape is one live-migration request as a microversion shapes it.
type liveShape struct {
	version string // "" negotiates
	opts    nova.LiveMigrateOptions
	to      bool // name the destination host
}

// TestNovaLiveMigrateShapes live-migrates one server back and forth with
// every body the SDK sends, from 2.1 to the newest version, and waits for
// each migration to complete.
func TestNovaLiveMigrateShapes(t *testing.T) {
	yes, no := true, false
	shapes := []liveShape{
		{"2.1", nova.LiveMigrateOptions{}, true},
		{"2.1", nova.LiveMigrateOptions{}, false},
		{"2.1", nova.LiveMigrateOptions{BlockMigration: nova.BlockMigrationTrue, DiskOverCommit: true}, true},
		{"2.24", nova.LiveMigrateOptions{BlockMigration: nova.BlockMigrationFalse}, true},
		{"2.25", nova.LiveMigrateOptions{}, true},
		{"2.25", nova.LiveMigrateOptions{BlockMigration: nova.BlockMigrationTrue}, false},
		{"2.30", nova.LiveMigrateOptions{Force: &yes}, true},
		{"2.30", nova.LiveMigrateOptions{Force: &no, BlockMigration: nova.BlockMigrationAuto}, true},
		{"2.67", nova.LiveMigrateOptions{BlockMigration: nova.BlockMigrationFalse}, false},
		{"2.68", nova.LiveMigrateOptions{BlockMigration: nova.BlockMigrationAuto}, true},
		{"", nova.LiveMigrateOptions{}, false},
	}
	eachTarget(t, func(t *testing.T, tg *target) {
		ctx := tg.ctxFor(t)
		from := tg.hosts[0]
		sid := tg.res.bootServer(t, from)
		last := 0
		for _, sh := range shapes {
			name := fmt.Sprintf("%s %+v host=%v", sh.version, sh.opts, sh.to)
			c := tg.novaAt(t, sh.version)
			to := tg.other(from)
			o := sh.opts
			if sh.to {
				o.Host = to
			}
			if err := liveMigrate(ctx, c, sid, &o); err != nil {
				t.Fatalf("%s: LiveMigrate: %v", name, err)
			}
			m := newMigration(t, tg, c, sid, last)
			last = m.ID
			final, err := c.WaitForMigration(ctx, sid, m.ID, tg.poll)
			if err != nil {
				t.Fatalf("%s: WaitForMigration: %v", name, err)
			}
			if final.Status != nova.StatusCompleted || final.ID != m.ID || deref(final.SourceCompute) != from || deref(final.DestCompute) != to {
				t.Errorf("%s: final %+v", name, final)
			}
			waitServer(t, tg, sid, nova.ServerActive, to)
			from = to
		}
	})
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// TestNovaForceComplete lists and shows a running live migration, then
// force-completes it and waits for it to complete.
func TestNovaForceComplete(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		ctx := tg.ctxFor(t)
		from, to := tg.hosts[0], tg.hosts[1]
		sid := tg.res.bootServer(t, from)
		raw := rawFor(t, tg)
		if err := liveMigrate(ctx, tg.nova, sid, &nova.LiveMigrateOptions{Host: to}); err != nil {
			t.Fatal(err)
		}
		m := waitRunning(t, tg, sid)
		if m.ServerUUID != sid || deref(m.SourceCompute) != from || deref(m.DestCompute) != to || deref(m.DestNode) != to ||
			deref(m.SourceNode) != from || m.UUID == "" || deref(m.UserID) != raw.userID || deref(m.ProjectID) != raw.projectID ||
			m.CreatedAt.IsZero() || m.MigrationType != "" {
			t.Errorf("in-progress migration %+v", m)
		}
		// Nova records the destination's IP address only when the
		// destination claims resources for the move: cold migrations
		// (and NUMA-aware live migrations).
		if m.DestHost != nil {
			t.Errorf("live migration with dest_host %q", *m.DestHost)
		}
		checkCounters(t, &m)
		if s, _ := serverOf(t, tg, tg.nova, sid); s.Status != nova.ServerMigrating || s.TaskState != "migrating" || s.Host != from {
			t.Errorf("server during the migration: %+v", s)
		}
		got, err := tg.nova.GetServerMigration(ctx, sid, m.ID)
		if err != nil || got.ID != m.ID || got.UUID != m.UUID || !got.Status.InProgress() {
			t.Fatalf("GetServerMigration: %+v, %v", got, err)
		}
		checkCounters(t, got)
		listed := migrationsOf(t, ctx, tg.nova, nova.ListMigrationsOptions{InstanceUUID: sid})
		if len(listed) != 1 || listed[0].ID != m.ID || listed[0].MigrationType != nova.TypeLiveMigration ||
			listed[0].InstanceUUID != sid || !listed[0].Status.InProgress() || len(listed[0].Links) == 0 {
			t.Errorf("/os-migrations during the migration: %+v", listed)
		}

		if err := tg.nova.ForceCompleteMigration(ctx, sid, m.ID); err != nil {
			t.Fatal(err)
		}
		final, err := tg.nova.WaitForMigration(ctx, sid, m.ID, tg.poll)
		if err != nil || final.Status != nova.StatusCompleted {
			t.Fatalf("after force-complete: %+v, %v", final, err)
		}
		waitServer(t, tg, sid, nova.ServerActive, to)
		_, err = tg.nova.GetServerMigration(ctx, sid, m.ID)
		wantStatus(t, "GetServerMigration of a completed migration", err, http.StatusNotFound, "itemNotFound")
		if done := migrationsOf(t, ctx, tg.nova, nova.ListMigrationsOptions{InstanceUUID: sid}); len(done) != 1 ||
			done[0].Status != nova.StatusCompleted || len(done[0].Links) != 0 || done[0].UpdatedAt.Before(done[0].CreatedAt.Time) {
			t.Errorf("/os-migrations after the migration: %+v", done)
		}
	})
}

// TestNovaAbort aborts a running live migration and waits for its
// cancelled end.
func TestNovaAbort(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		ctx := tg.ctxFor(t)
		from, to := tg.hosts[0], tg.hosts[1]
		sid := tg.res.bootServer(t, from)
		if err := liveMigrate(ctx, tg.nova, sid, &nova.LiveMigrateOptions{Host: to}); err != nil {
			t.Fatal(err)
		}
		m := waitRunning(t, tg, sid)
		if err := tg.nova.AbortMigration(ctx, sid, m.ID); err != nil {
			t.Fatal(err)
		}
		var words []string
		final, err := tg.nova.WaitForMigration(ctx, sid, m.ID, tg.poll, jobs.WithProgress(func(s jobs.Status) {
			words = append(words, s.Word)
		}))
		var failed *jobs.FailedError
		if !errors.As(err, &failed) || failed.Status.State != jobs.Cancelled || final == nil || final.Status != nova.StatusCancelled {
			t.Fatalf("wait after abort: %+v, %v (polls %v)", final, err, words)
		}
		if job, ok := failed.Job.(*nova.Migration); !ok || job.ID != m.ID {
			t.Errorf("FailedError.Job %#v", failed.Job)
		}
		waitServer(t, tg, sid, nova.ServerActive, from)
		err = tg.nova.AbortMigration(ctx, sid, m.ID)
		wantStatus(t, "abort of a cancelled migration", err, http.StatusConflict, "conflictingRequest")
	})
}

// TestNovaColdMigrate cold-migrates a server to a named host and
// confirms, then back without a host and reverts.
func TestNovaColdMigrate(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		ctx := tg.ctxFor(t)
		a, b := tg.hosts[0], tg.hosts[1]
		sid := tg.res.bootServer(t, a)

		err := coldMigrate(ctx, tg.novaAt(t, "2.55"), sid, &nova.MigrateOptions{Host: b})
		wantVersionError(t, "Migrate with a host at 2.55", err, "2.56", "", "2.55")
		err = coldMigrate(ctx, tg.novaAt(t, "2.56"), sid, &nova.MigrateOptions{Host: a})
		if e := wantStatus(t, "Migrate to the server's own host", err, http.StatusBadRequest, "badRequest"); e != nil &&
			!strings.Contains(e.Message, "Cannot migrate to the host where the server exists") {
			t.Errorf("message %q", e.Message)
		}
		err = coldMigrate(ctx, tg.novaAt(t, "2.56"), sid, &nova.MigrateOptions{Host: "no-such-host"})
		if e := wantStatus(t, "Migrate to an unknown host", err, http.StatusBadRequest, "badRequest"); e != nil &&
			!strings.Contains(e.Message, "no-such-host could not be found") {
			t.Errorf("message %q", e.Message)
		}
		wantStatus(t, "confirm without a migration", tg.nova.ConfirmMigration(ctx, sid), http.StatusConflict, "conflictingRequest")
		wantStatus(t, "revert without a migration", tg.nova.RevertMigration(ctx, sid), http.StatusConflict, "conflictingRequest")

		// To b, named, then confirmed.
		if err := coldMigrate(ctx, tg.novaAt(t, "2.56"), sid, &nova.MigrateOptions{Host: b}); err != nil {
			t.Fatal(err)
		}
		m := newMigration(t, tg, tg.nova, sid, 0)
		fin, err := tg.nova.WaitForMigration(ctx, sid, m.ID, tg.poll)
		if err != nil || fin.Status != nova.StatusFinished || fin.MigrationType != nova.TypeMigration ||
			deref(fin.SourceCompute) != a || deref(fin.DestCompute) != b || deref(fin.DestNode) != b || fin.DestHost == nil {
			t.Fatalf("cold migration: %+v, %v", fin, err)
		}
		if s, _ := serverOf(t, tg, tg.nova, sid); s.Status != nova.ServerVerifyResize || s.Host != b {
			t.Errorf("server after the cold migration: %+v", s)
		}
		if _, err := tg.nova.GetServerMigration(ctx, sid, m.ID); !cloudmigrate.IsNotFound(err) {
			t.Errorf("a cold migration under its server: %v, want a 404", err)
		}
		if err := tg.nova.ConfirmMigration(ctx, sid); err != nil {
			t.Fatal(err)
		}
		waitStatus(t, tg, sid, m.ID, nova.StatusConfirmed)
		waitServer(t, tg, sid, nova.ServerActive, b)

		// Back without a host (the body {"migrate": null}), then reverted.
		if err := coldMigrate(ctx, tg.novaAt(t, "2.1"), sid, nil); err != nil {
			t.Fatal(err)
		}
		m2 := newMigration(t, tg, tg.nova, sid, m.ID)
		fin, err = tg.novaAt(t, "2.1").WaitForMigration(ctx, sid, m2.ID, tg.poll)
		if err != nil || fin.Status != nova.StatusFinished || deref(fin.DestCompute) != a {
			t.Fatalf("second cold migration: %+v, %v", fin, err)
		}
		if err := tg.nova.RevertMigration(ctx, sid); err != nil {
			t.Fatal(err)
		}
		waitStatus(t, tg, sid, m2.ID, nova.StatusReverted)
		_, err = tg.nova.WaitForMigration(ctx, sid, m2.ID, tg.poll)
		var failed *jobs.FailedError
		if !errors.As(err, &failed) || failed.Status.State != jobs.Cancelled || failed.Status.Word != string(nova.StatusReverted) {
			t.Errorf("wait on a reverted migration: %v", err)
		}
		waitServer(t, tg, sid, nova.ServerActive, b)
	})
}

// waitStatus waits until /os-migrations shows the migration in status.
func waitStatus(t *testing.T, tg *target, sid string, id int, status nova.MigrationStatus) {
	t.Helper()
	tg.eventually(t, fmt.Sprintf("migration %d %s", id, status), func() string {
		for _, m := range migrationsOf(t, tg.ctxFor(t), tg.nova, nova.ListMigrationsOptions{InstanceUUID: sid}) {
			if m.ID == id {
				if m.Status == status {
					return ""
				}
				return string(m.Status)
			}
		}
		return "not listed"
	})
}

// TestNovaErrors checks nova's error answers as the SDK decodes them.
func TestNovaErrors(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		ctx := tg.ctxFor(t)
		sid := tg.res.bootServer(t, tg.hosts[0])
		unknown := newUUID()

		_, err := tg.nova.ListServerMigrations(ctx, unknown)
		wantStatus(t, "migrations of an unknown server", err, http.StatusNotFound, "itemNotFound")
		_, err = tg.nova.GetServerMigration(ctx, sid, 999999)
		if e := wantStatus(t, "an unknown migration", err, http.StatusNotFound, "itemNotFound"); e != nil &&
			!strings.Contains(e.Message, "In-progress live migration 999999 is not found for server "+sid) {
			t.Errorf("message %q", e.Message)
		}
		wantStatus(t, "live migration of an unknown server", liveMigrate(ctx, tg.nova, unknown, nil), http.StatusNotFound, "itemNotFound")
		err = liveMigrate(ctx, tg.nova, sid, &nova.LiveMigrateOptions{Host: "no-such-host"})
		if e := wantStatus(t, "live migration to an unknown host", err, http.StatusBadRequest, "badRequest"); e != nil &&
			!strings.Contains(e.Message, "Compute host no-such-host could not be found") {
			t.Errorf("message %q", e.Message)
		}
		err = tg.nova.ForceCompleteMigration(ctx, sid, 1)
		if e := wantStatus(t, "force-complete of an idle server", err, http.StatusConflict, "conflictingRequest"); e != nil &&
			!strings.Contains(e.Message, "force_complete") {
			t.Errorf("message %q", e.Message)
		}
		err = tg.nova.ConfirmMigration(ctx, sid)
		if e := wantStatus(t, "confirm of an active server", err, http.StatusConflict, "conflictingRequest"); e != nil &&
			!strings.Contains(e.Message, "vm_state active") {
			t.Errorf("message %q", e.Message)
		}
		for _, err := range tg.nova.ListMigrations(ctx, &nova.ListMigrationsOptions{Marker: newUUID()}) {
			if e := wantStatus(t, "an unknown marker", err, http.StatusBadRequest, "badRequest"); e != nil &&
				!strings.Contains(e.Message, "could not be found") {
				t.Errorf("message %q", e.Message)
			}
			break
		}
		// Bad input is refused before anything is sent.
		opt, cnt := counting()
		c := tg.novaAt(t, "2.80", opt)
		for _, err := range []error{
			liveMigrate(ctx, c, "", nil),
			liveMigrate(ctx, c, sid, &nova.LiveMigrateOptions{Host: "bad host"}),
			c.AbortMigration(ctx, sid, 0),
			coldMigrate(ctx, c, "a/b", nil),
		} {
			var ve *cloudmigrate.ValidationError
			if !errors.As(err, &ve) || ve.Field == "" {
				t.Errorf("bad input: %v, want a ValidationError naming the field", err)
			}
		}
		if n := len(cnt.requests()); n != 0 {
			t.Errorf("bad input sent %v", cnt.requests())
		}
	})
}

// liveMigrate starts a live migration and drops the operation handle: the
// tests follow the migration with the calls they check.
func liveMigrate(ctx context.Context, c *nova.Client, sid string, o *nova.LiveMigrateOptions) error {
	_, err := c.LiveMigrate(ctx, sid, o)
	return err
}

// coldMigrate starts a cold migration and drops the operation handle.
func coldMigrate(ctx context.Context, c *nova.Client, sid string, o *nova.MigrateOptions) error {
	_, err := c.Migrate(ctx, sid, o)
	return err
}

// TestNovaInstanceActions reads nova's record of a live migration: the
// action under the server, and its events.
func TestNovaInstanceActions(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		ctx := tg.ctxFor(t)
		from, to := tg.hosts[0], tg.hosts[1]
		sid := tg.res.bootServer(t, from)
		raw := rawFor(t, tg)
		if err := liveMigrate(ctx, tg.nova, sid, &nova.LiveMigrateOptions{Host: to}); err != nil {
			t.Fatal(err)
		}
		m := newMigration(t, tg, tg.nova, sid, 0)
		if _, err := tg.nova.WaitForMigration(ctx, sid, m.ID, tg.poll); err != nil {
			t.Fatal(err)
		}
		var live *nova.InstanceAction
		for a, err := range tg.nova.ListInstanceActions(ctx, sid, nil) {
			if err != nil {
				t.Fatal(err)
			}
			if a.Action == nova.ActionLiveMigration {
				live = &a
				break
			}
		}
		if live == nil {
			t.Fatalf("no %s action on %s", nova.ActionLiveMigration, sid)
		}
		if live.InstanceUUID != sid || !strings.HasPrefix(live.RequestID, "req-") || live.UserID != raw.userID ||
			live.ProjectID != raw.projectID || live.StartTime.IsZero() || live.Message != "" || len(live.Events) != 0 {
			t.Errorf("listed action %+v", live)
		}
		got, err := tg.nova.GetInstanceAction(ctx, sid, live.RequestID)
		if err != nil || got.RequestID != live.RequestID || got.Action != nova.ActionLiveMigration || len(got.Events) == 0 || got.Failure() != nil {
			t.Fatalf("GetInstanceAction: %+v, %v", got, err)
		}
		for _, e := range got.Events {
			if e.Event == "" || e.Result != nova.EventResultSuccess || e.StartTime.IsZero() || e.FinishTime.Before(e.StartTime.Time) {
				t.Errorf("event %+v", e)
			}
		}
		_, err = tg.nova.GetInstanceAction(ctx, sid, "req-"+newUUID())
		wantStatus(t, "an unknown action", err, http.StatusNotFound, "itemNotFound")
	})
}
