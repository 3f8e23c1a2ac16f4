package stacke2e

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/nova"
)

// TestNovaListMigrations gives one server three migrations (a completed
// live migration, a confirmed cold one, an aborted live one) and lists
// them through every filter of GET /os-migrations, page by page, and once
// the server is deleted.
func TestNovaListMigrations(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		ctx := tg.ctxFor(t)
		a, b := tg.hosts[0], tg.hosts[1]
		sid := tg.res.bootServer(t, a)
		raw := rawFor(t, tg)

		// 1: live a -> b, completed.
		if err := liveMigrate(ctx, tg.nova, sid, &nova.LiveMigrateOptions{Host: b}); err != nil {
			t.Fatal(err)
		}
		live := newMigration(t, tg, tg.nova, sid, 0)
		if _, err := tg.nova.WaitForMigration(ctx, sid, live.ID, tg.poll); err != nil {
			t.Fatal(err)
		}
		waitServer(t, tg, sid, nova.ServerActive, b)
		// 2: cold b -> a, confirmed.
		if err := coldMigrate(ctx, tg.nova, sid, &nova.MigrateOptions{Host: a}); err != nil {
			t.Fatal(err)
		}
		cold := newMigration(t, tg, tg.nova, sid, live.ID)
		if _, err := tg.nova.WaitForMigration(ctx, sid, cold.ID, tg.poll); err != nil {
			t.Fatal(err)
		}
		if err := tg.nova.ConfirmMigration(ctx, sid); err != nil {
			t.Fatal(err)
		}
		waitStatus(t, tg, sid, cold.ID, nova.StatusConfirmed)
		waitServer(t, tg, sid, nova.ServerActive, a)
		// 3: live a -> b, aborted.
		if err := liveMigrate(ctx, tg.nova, sid, &nova.LiveMigrateOptions{Host: b}); err != nil {
			t.Fatal(err)
		}
		aborted := waitRunning(t, tg, sid)
		if err := tg.nova.AbortMigration(ctx, sid, aborted.ID); err != nil {
			t.Fatal(err)
		}
		var failed *jobs.FailedError
		if _, err := tg.nova.WaitForMigration(ctx, sid, aborted.ID, tg.poll); !errors.As(err, &failed) {
			t.Fatalf("wait after abort: %v", err)
		}
		waitServer(t, tg, sid, nova.ServerActive, a)

		all := migrationsOf(t, ctx, tg.nova, nova.ListMigrationsOptions{InstanceUUID: sid})
		ids := func(ms []nova.Migration) []int {
			out := []int{}
			for _, m := range ms {
				out = append(out, m.ID)
			}
			return out
		}
		// Newest first (2.59 and later).
		if got, want := ids(all), []int{aborted.ID, cold.ID, live.ID}; !slices.Equal(got, want) {
			t.Fatalf("migrations %v, want %v", got, want)
		}
		byID := map[int]nova.Migration{}
		for _, m := range all {
			byID[m.ID] = m
			if m.InstanceUUID != sid || m.UUID == "" || deref(m.UserID) != raw.userID || deref(m.ProjectID) != raw.projectID ||
				m.OldInstanceTypeID == nil || m.NewInstanceTypeID == nil || m.CreatedAt.IsZero() || m.UpdatedAt.IsZero() {
				t.Errorf("record %+v", m)
			}
			// Nova's database keeps whole seconds.
			if m.CreatedAt.Nanosecond() != 0 || m.UpdatedAt.Nanosecond() != 0 {
				t.Errorf("migration %d: times %v and %v have fractions of a second", m.ID, m.CreatedAt, m.UpdatedAt)
			}
		}
		if m := byID[live.ID]; m.Status != nova.StatusCompleted || m.MigrationType != nova.TypeLiveMigration {
			t.Errorf("live migration %+v", m)
		}
		if m := byID[cold.ID]; m.Status != nova.StatusConfirmed || m.MigrationType != nova.TypeMigration ||
			deref(m.SourceCompute) != b || deref(m.DestCompute) != a {
			t.Errorf("cold migration %+v", m)
		}
		if m := byID[aborted.ID]; m.Status != nova.StatusCancelled || m.MigrationType != nova.TypeLiveMigration {
			t.Errorf("aborted migration %+v", m)
		}

		// Every filter, each against the records above.
		updated := func(id int) time.Time { return byID[id].UpdatedAt.Time }
		mid := updated(cold.ID)
		yes, no := true, false
		var since, before []int
		for _, m := range all {
			if !m.UpdatedAt.Before(mid) {
				since = append(since, m.ID)
			}
			if !m.UpdatedAt.After(mid) {
				before = append(before, m.ID)
			}
		}
		for _, f := range []struct {
			name string
			opts nova.ListMigrationsOptions
			want []int
		}{
			{"host a", nova.ListMigrationsOptions{Host: a}, ids(all)},
			{"source b", nova.ListMigrationsOptions{SourceCompute: b}, []int{cold.ID}},
			{"source a", nova.ListMigrationsOptions{SourceCompute: a}, []int{aborted.ID, live.ID}},
			{"live", nova.ListMigrationsOptions{MigrationType: nova.TypeLiveMigration}, []int{aborted.ID, live.ID}},
			{"cold", nova.ListMigrationsOptions{MigrationType: nova.TypeMigration}, []int{cold.ID}},
			{"resize", nova.ListMigrationsOptions{MigrationType: nova.TypeResize}, []int{}},
			{"completed", nova.ListMigrationsOptions{Status: nova.StatusCompleted}, []int{live.ID}},
			{"cancelled", nova.ListMigrationsOptions{Status: nova.StatusCancelled}, []int{aborted.ID}},
			{"confirmed", nova.ListMigrationsOptions{Status: nova.StatusConfirmed}, []int{cold.ID}},
			{"changes-since", nova.ListMigrationsOptions{ChangesSince: mid}, since},
			{"changes-before", nova.ListMigrationsOptions{ChangesBefore: mid}, before},
			{"since and before", nova.ListMigrationsOptions{ChangesSince: mid, ChangesBefore: mid}, intersect(since, before)},
			{"user", nova.ListMigrationsOptions{UserID: raw.userID}, ids(all)},
			{"another user", nova.ListMigrationsOptions{UserID: newUUID()}, []int{}},
			{"project", nova.ListMigrationsOptions{ProjectID: raw.projectID}, ids(all)},
			{"another project", nova.ListMigrationsOptions{ProjectID: strings.ReplaceAll(newUUID(), "-", "")}, []int{}},
			{"not hidden", nova.ListMigrationsOptions{Hidden: &no}, ids(all)},
			{"hidden", nova.ListMigrationsOptions{Hidden: &yes}, []int{}},
		} {
			f.opts.InstanceUUID = sid
			if got := ids(migrationsOf(t, ctx, tg.nova, f.opts)); !slices.Equal(got, f.want) {
				t.Errorf("%s: %v, want %v", f.name, got, f.want)
			}
		}
		// Without a server filter, another server's migrations are not
		// ours; ours are all there.
		var every []int
		for _, m := range migrationsOf(t, ctx, tg.nova, nova.ListMigrationsOptions{Host: b, Status: nova.StatusCompleted}) {
			every = append(every, m.ID)
		}
		if !slices.Contains(every, live.ID) {
			t.Errorf("completed on %s: %v, want %d among them", b, every, live.ID)
		}

		// Paging: one record a page, then a marker.
		opt, cnt := counting()
		pc := tg.novaAt(t, "", opt)
		paged := ids(migrationsOf(t, ctx, pc, nova.ListMigrationsOptions{InstanceUUID: sid, Limit: 1}))
		if !slices.Equal(paged, ids(all)) {
			t.Errorf("paged %v, want %v", paged, ids(all))
		}
		var lists []string
		for _, r := range cnt.requests() {
			if strings.Contains(r, "/os-migrations") {
				lists = append(lists, r)
			}
		}
		if len(lists) != len(all)+1 || !strings.Contains(lists[1], "marker="+byID[aborted.ID].UUID) {
			t.Errorf("%d page requests for %d records: %v", len(lists), len(all), lists)
		}
		after := ids(migrationsOf(t, ctx, tg.nova, nova.ListMigrationsOptions{InstanceUUID: sid, Marker: byID[aborted.ID].UUID}))
		if !slices.Equal(after, []int{cold.ID, live.ID}) {
			t.Errorf("after the newest: %v", after)
		}
		two := ids(migrationsOf(t, ctx, tg.nova, nova.ListMigrationsOptions{InstanceUUID: sid, Limit: 2, Marker: byID[aborted.ID].UUID}))
		if !slices.Equal(two, []int{cold.ID, live.ID}) {
			t.Errorf("two a page after the newest: %v", two)
		}

		// Nova deletes a server's migration records with the server.
		tg.res.deleteServer(t, sid)
		if gone := migrationsOf(t, ctx, tg.nova, nova.ListMigrationsOptions{InstanceUUID: sid}); len(gone) != 0 {
			t.Errorf("migrations of the deleted server: %v", ids(gone))
		}
		// Nova's marker lookup reads deleted records: the UUID of a
		// deleted server's migration still pages, from where it was.
		for _, m := range migrationsOf(t, ctx, tg.nova, nova.ListMigrationsOptions{Marker: byID[aborted.ID].UUID, Limit: 5}) {
			if m.ID >= aborted.ID || m.InstanceUUID == sid {
				t.Errorf("after the marker of deleted migration %d: migration %d of %s", aborted.ID, m.ID, m.InstanceUUID)
			}
		}
		for _, err := range tg.nova.ListMigrations(ctx, &nova.ListMigrationsOptions{Marker: newUUID()}) {
			if e := wantStatus(t, "an unknown marker", err, http.StatusBadRequest, "badRequest"); e != nil &&
				!strings.Contains(e.Message, "could not be found") {
				t.Errorf("message %q", e.Message)
			}
			break
		}
	})
}

func intersect(a, b []int) []int {
	out := []int{}
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}
