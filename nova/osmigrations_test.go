package nova_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/nova"
)

const (
	inst1 = "8600d31b-d1a1-4632-b2ff-45c2be1a70ff"
	inst2 = "9128d044-7b61-403e-b766-7547076ff6c1"
	self1 = "http://openstack.example.com/v2.1/6f70656e737461636b20342065766572/servers/8600d31b-d1a1-4632-b2ff-45c2be1a70ff/migrations/1"
	book1 = "http://openstack.example.com/6f70656e737461636b20342065766572/servers/8600d31b-d1a1-4632-b2ff-45c2be1a70ff/migrations/1"
)

func links1() []nova.Link {
	return []nova.Link{{Href: self1, Rel: "self"}, {Href: book1, Rel: "bookmark"}}
}

// hosts fills the host and node fields of the two host pairs the samples
// use: pair 1 is compute1/node1 -> compute2/1.2.3.4/node2, pair 2 is
// compute10/node10 -> compute20/5.6.7.8/node20.
func hosts(m nova.Migration, pair int) nova.Migration {
	if pair == 1 {
		m.SourceCompute, m.SourceNode = str("compute1"), str("node1")
		m.DestCompute, m.DestHost, m.DestNode = str("compute2"), str("1.2.3.4"), str("node2")
	} else {
		m.SourceCompute, m.SourceNode = str("compute10"), str("node10")
		m.DestCompute, m.DestHost, m.DestNode = str("compute20"), str("5.6.7.8"), str("node20")
	}
	return m
}

// baseRecords are the records of os-migrations/migrations-get.json (2.1).
func baseRecords(t testing.TB) []nova.Migration {
	return []nova.Migration{
		hosts(nova.Migration{ID: 1234, InstanceUUID: inst1, Status: nova.StatusDone,
			NewInstanceTypeID: num(2), OldInstanceTypeID: num(1),
			CreatedAt: at(t, "2012-10-29T13:42:02"), UpdatedAt: at(t, "2012-10-29T13:42:02")}, 1),
		hosts(nova.Migration{ID: 5678, InstanceUUID: inst2, Status: nova.StatusDone,
			NewInstanceTypeID: num(6), OldInstanceTypeID: num(5),
			CreatedAt: at(t, "2013-10-22T13:42:02"), UpdatedAt: at(t, "2013-10-22T13:42:02")}, 2),
	}
}

// v223Records are the records of os-migrations/v2.23/migrations-get.json.
func v223Records(t testing.TB) []nova.Migration {
	jan29, jan22 := at(t, "2016-01-29T13:42:02"), at(t, "2016-01-22T13:42:02")
	return []nova.Migration{
		hosts(nova.Migration{ID: 1, InstanceUUID: inst1, Status: nova.StatusRunning, MigrationType: nova.TypeLiveMigration,
			NewInstanceTypeID: num(2), OldInstanceTypeID: num(1), Links: links1(), CreatedAt: jan29, UpdatedAt: jan29}, 1),
		hosts(nova.Migration{ID: 2, InstanceUUID: inst1, Status: nova.StatusError, MigrationType: nova.TypeLiveMigration,
			NewInstanceTypeID: num(2), OldInstanceTypeID: num(1), CreatedAt: jan29, UpdatedAt: jan29}, 1),
		hosts(nova.Migration{ID: 3, InstanceUUID: inst2, Status: nova.StatusError, MigrationType: nova.TypeResize,
			NewInstanceTypeID: num(6), OldInstanceTypeID: num(5), CreatedAt: jan22, UpdatedAt: jan22}, 2),
		hosts(nova.Migration{ID: 4, InstanceUUID: inst2, Status: nova.StatusMigrating, MigrationType: nova.TypeResize,
			NewInstanceTypeID: num(6), OldInstanceTypeID: num(5), CreatedAt: jan22, UpdatedAt: jan22}, 2),
	}
}

// pagedRecords returns the records of the 2.59+ samples by ID (4, 3, 2,
// 1), with user and project from 2.80.
func pagedRecords(t testing.TB, mv string) map[int]nova.Migration {
	recs := map[int]nova.Migration{
		4: hosts(nova.Migration{ID: 4, UUID: "42341d4b-346a-40d0-83c6-5f4f6892b650", InstanceUUID: inst2,
			Status: nova.StatusMigrating, MigrationType: nova.TypeResize, NewInstanceTypeID: num(6), OldInstanceTypeID: num(5),
			CreatedAt: at(t, "2016-06-23T14:42:02"), UpdatedAt: at(t, "2016-06-23T14:42:02")}, 2),
		3: hosts(nova.Migration{ID: 3, UUID: "32341d4b-346a-40d0-83c6-5f4f6892b650", InstanceUUID: inst2,
			Status: nova.StatusError, MigrationType: nova.TypeResize, NewInstanceTypeID: num(6), OldInstanceTypeID: num(5),
			CreatedAt: at(t, "2016-06-23T13:42:02"), UpdatedAt: at(t, "2016-06-23T13:42:02")}, 2),
		2: hosts(nova.Migration{ID: 2, UUID: "22341d4b-346a-40d0-83c6-5f4f6892b650", InstanceUUID: inst1,
			Status: nova.StatusError, MigrationType: nova.TypeLiveMigration, NewInstanceTypeID: num(1), OldInstanceTypeID: num(1),
			CreatedAt: at(t, "2016-01-29T12:42:02"), UpdatedAt: at(t, "2016-01-29T12:42:02")}, 1),
		1: hosts(nova.Migration{ID: 1, UUID: "12341d4b-346a-40d0-83c6-5f4f6892b650", InstanceUUID: inst1,
			Status: nova.StatusRunning, MigrationType: nova.TypeLiveMigration, NewInstanceTypeID: num(1), OldInstanceTypeID: num(1),
			Links: links1(), CreatedAt: at(t, "2016-01-29T11:42:02"), UpdatedAt: at(t, "2016-01-29T11:42:02")}, 1),
	}
	if mv == "2.80" {
		for id, m := range recs {
			if id >= 3 {
				m.UserID, m.ProjectID = str("78348f0e-97ee-4d70-ad34-189692673ea2"), str("9842f0f7-1229-4355-afe7-15ebdbb8c3d8")
			} else {
				m.UserID, m.ProjectID = str("5c48ebaa-193f-4c5d-948a-f559cc92cd5e"), str("ef92ccff-00f3-46e4-b015-811110e36ee4")
			}
			recs[id] = m
		}
	}
	return recs
}

func pick(recs map[int]nova.Migration, ids ...int) []nova.Migration {
	out := make([]nova.Migration, len(ids))
	for i, id := range ids {
		out[i] = recs[id]
	}
	return out
}

// collect reads a listing to its end or to its first error.
func collect[T any](t testing.TB, seq iter.Seq2[T, error]) ([]T, error) {
	t.Helper()
	var out []T
	for m, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, m)
	}
	return out, nil
}

var (
	since  = time.Date(2016, 6, 23, 13, 42, 1, 0, time.UTC)
	before = time.Date(2016, 1, 29, 11, 42, 3, 0, time.UTC)
)

func TestListMigrationsSamples(t *testing.T) {
	type tc struct {
		sample, mv string
		opts       *nova.ListMigrationsOptions
		query      string
		want       []nova.Migration
	}
	cases := []tc{
		{"os-migrations/migrations-get.json", "2.1", nil, "", baseRecords(t)},
		{"os-migrations/v2.23/migrations-get.json", "2.23", &nova.ListMigrationsOptions{}, "", v223Records(t)},
	}
	for _, mv := range []string{"2.59", "2.66", "2.80"} {
		recs := pagedRecords(t, mv)
		dir := "os-migrations/v" + mv + "/"
		cases = append(cases,
			tc{dir + "migrations-get.json", mv, nil, "", pick(recs, 4, 3, 2, 1)},
			tc{dir + "migrations-get-with-changes-since.json", mv, &nova.ListMigrationsOptions{ChangesSince: since},
				"changes-since=2016-06-23T13%3A42%3A01Z", pick(recs, 4, 3)},
			tc{dir + "migrations-get-with-marker.json", mv, &nova.ListMigrationsOptions{Marker: "22341d4b-346a-40d0-83c6-5f4f6892b650"},
				"marker=22341d4b-346a-40d0-83c6-5f4f6892b650", pick(recs, 1)},
		)
		if mv != "2.59" {
			cases = append(cases, tc{dir + "migrations-get-with-changes-before.json", mv,
				&nova.ListMigrationsOptions{ChangesBefore: before}, "changes-before=2016-01-29T11%3A42%3A03Z", pick(recs, 1)})
		}
		if mv == "2.80" {
			cases = append(cases, tc{dir + "migrations-get-with-user-or-project-id.json", mv,
				&nova.ListMigrationsOptions{UserID: "5c48ebaa-193f-4c5d-948a-f559cc92cd5e", ProjectID: "ef92ccff-00f3-46e4-b015-811110e36ee4"},
				"project_id=ef92ccff-00f3-46e4-b015-811110e36ee4&user_id=5c48ebaa-193f-4c5d-948a-f559cc92cd5e", pick(recs, 2, 1)})
		}
	}
	for _, c := range cases {
		t.Run(c.sample, func(t *testing.T) {
			f := newFake(t)
			f.reply("GET", "/v2.1/os-migrations", 200, sample(t, c.sample))
			got, err := collect(t, f.client(c.mv).ListMigrations(context.Background(), c.opts))
			if err != nil {
				t.Fatal(err)
			}
			f.only().check(t, "GET", "/v2.1/os-migrations", c.query, c.mv)
			sameMigrations(t, got, c.want)
		})
	}
}

// The with-limit samples link to openstack.example.com, not to the
// endpoint: the iterator asks its own endpoint for the next page with the
// link's marker, and the with-marker sample (no link) ends the list.
func TestListMigrationsLimitSamplesForeignLink(t *testing.T) {
	for _, mv := range []string{"2.59", "2.66", "2.80"} {
		t.Run(mv, func(t *testing.T) {
			f := newFake(t)
			dir := "os-migrations/v" + mv + "/"
			f.on("GET", "/v2.1/os-migrations", func(w http.ResponseWriter, r *http.Request, _ []byte) {
				if r.URL.Query().Get("marker") == "" {
					writeJSON(w, 200, sample(t, dir+"migrations-get-with-limit.json"))
					return
				}
				writeJSON(w, 200, sample(t, dir+"migrations-get-with-marker.json"))
			})
			c := f.client(mv)
			got, err := collect(t, c.ListMigrations(context.Background(), &nova.ListMigrationsOptions{Limit: 1}))
			if err != nil {
				t.Fatal(err)
			}
			sameMigrations(t, got, pick(pagedRecords(t, mv), 4, 1))
			calls := f.recorded()
			if len(calls) != 2 {
				t.Fatalf("%d requests, want 2: %s", len(calls), describe(calls))
			}
			calls[0].check(t, "GET", "/v2.1/os-migrations", "limit=1", mv)
			calls[1].check(t, "GET", "/v2.1/os-migrations", "limit=1&marker=42341d4b-346a-40d0-83c6-5f4f6892b650", mv)

			// Stopping after the first item fetches nothing more.
			f2 := newFake(t)
			f2.reply("GET", "/v2.1/os-migrations", 200, sample(t, dir+"migrations-get-with-limit.json"))
			for m, err := range f2.client(mv).ListMigrations(context.Background(), &nova.ListMigrationsOptions{Limit: 1}) {
				if err != nil || m.ID != 4 {
					t.Fatalf("first item %d, %v", m.ID, err)
				}
				break
			}
			f2.only()
		})
	}
}

// page builds an os-migrations page of ids with an optional next link.
func page(ids []int, next string) []byte {
	s := `{"migrations": [`
	for i, id := range ids {
		if i > 0 {
			s += ","
		}
		s += fmt.Sprintf(`{"id": %d, "uuid": "uuid-%d", "instance_uuid": %q, "status": "completed",
			"migration_type": "live-migration", "created_at": "2020-01-01T00:00:%02d.000000", "updated_at": null,
			"source_compute": "a", "source_node": "a", "dest_compute": "b", "dest_host": "10.0.0.2", "dest_node": "b",
			"old_instance_type_id": 1, "new_instance_type_id": 1}`, id, id, inst1, id)
	}
	s += `]`
	if next != "" {
		s += `, "migrations_links": [{"href": "` + next + `", "rel": "next"}]`
	}
	return []byte(s + `}`)
}

func TestListMigrationsFollowsLinks(t *testing.T) {
	f := newFake(t)
	link := func(marker string) string {
		return f.endpoint() + "/os-migrations?instance_uuid=" + inst1 + "&limit=2&marker=" + marker
	}
	f.on("GET", "/v2.1/os-migrations", func(w http.ResponseWriter, r *http.Request, _ []byte) {
		switch r.URL.Query().Get("marker") {
		case "":
			writeJSON(w, 200, page([]int{9, 8}, link("uuid-8")))
		case "uuid-8":
			writeJSON(w, 200, page([]int{7, 6}, link("uuid-6")))
		case "uuid-6":
			writeJSON(w, 200, page([]int{5}, ""))
		default:
			writeJSON(w, 400, []byte(`{"badRequest": {"code": 400, "message": "Marker not found"}}`))
		}
	})
	c := f.client("2.80")
	opts := &nova.ListMigrationsOptions{InstanceUUID: inst1, Limit: 2}

	var ids []int
	for m, err := range c.ListMigrations(context.Background(), opts) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
		if m.Status != nova.StatusCompleted || m.DestHost == nil || *m.DestHost != "10.0.0.2" || !m.UpdatedAt.IsZero() {
			t.Errorf("record %d decoded as %+v", m.ID, m)
		}
		// Each page is fetched only when the loop gets past the last one.
		wantCalls := map[int]int{9: 1, 8: 1, 7: 2, 6: 2, 5: 3}[m.ID]
		if n := len(f.recorded()); n != wantCalls {
			t.Errorf("at item %d: %d requests made, want %d", m.ID, n, wantCalls)
		}
	}
	if fmt.Sprint(ids) != "[9 8 7 6 5]" {
		t.Errorf("ids %v", ids)
	}
	calls := f.recorded()
	if len(calls) != 3 {
		t.Fatalf("%d requests: %s", len(calls), describe(calls))
	}
	calls[0].check(t, "GET", "/v2.1/os-migrations", "instance_uuid="+inst1+"&limit=2", "2.80")
	u1, _ := url.Parse(link("uuid-8"))
	u2, _ := url.Parse(link("uuid-6"))
	calls[1].check(t, "GET", "/v2.1/os-migrations", u1.RawQuery, "2.80")
	calls[2].check(t, "GET", "/v2.1/os-migrations", u2.RawQuery, "2.80")

	// Stop after the second page's first item: the third page is not read.
	f.mu.Lock()
	f.calls = nil
	f.mu.Unlock()
	for m, err := range c.ListMigrations(context.Background(), opts) {
		if err != nil {
			t.Fatal(err)
		}
		if m.ID == 7 {
			break
		}
	}
	if n := len(f.recorded()); n != 2 {
		t.Errorf("%d requests after stopping on page 2, want 2", n)
	}
}

func TestListMigrationsPageError(t *testing.T) {
	f := newFake(t)
	f.on("GET", "/v2.1/os-migrations", func(w http.ResponseWriter, r *http.Request, _ []byte) {
		if r.URL.Query().Get("marker") == "" {
			writeJSON(w, 200, page([]int{3, 2}, f.endpoint()+"/os-migrations?limit=2&marker=uuid-2"))
			return
		}
		writeJSON(w, 403, []byte(`{"forbidden": {"code": 403, "message": "Policy doesn't allow os_compute_api:os-migrations:index to be performed."}}`))
	})
	var ids []int
	var errs []error
	for m, err := range f.client("2.80").ListMigrations(context.Background(), &nova.ListMigrationsOptions{Limit: 2}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, m.ID)
	}
	if fmt.Sprint(ids) != "[3 2]" || len(errs) != 1 {
		t.Fatalf("ids %v errs %v", ids, errs)
	}
	var apiErr *cloudmigrate.Error
	if !errors.As(errs[0], &apiErr) || apiErr.Code != "forbidden" || apiErr.RequestID != reqID {
		t.Errorf("err = %v", errs[0])
	}
}

func TestListMigrationsLinkLoopStops(t *testing.T) {
	f := newFake(t)
	// A broken service that links every page to itself.
	f.reply("GET", "/v2.1/os-migrations", 200, page([]int{1}, "http://127.0.0.1:1/v2.1/os-migrations?marker=uuid-1"))
	got, err := collect(t, f.client("2.80").ListMigrations(context.Background(), nil))
	if err == nil {
		t.Fatalf("got %d items and no error for a self-referencing link", len(got))
	}
	if !strings.Contains(err.Error(), "next link") {
		t.Errorf("err = %v", err)
	}
	if n := len(f.recorded()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}

	// The same on the endpoint's own host: the repeated link is not sent
	// a third time.
	f2 := newFake(t)
	f2.reply("GET", "/v2.1/os-migrations", 200, page([]int{1}, f2.endpoint()+"/os-migrations?marker=uuid-1"))
	_, err = collect(t, f2.client("2.80").ListMigrations(context.Background(), nil))
	if err == nil || !strings.Contains(err.Error(), "repeats") {
		t.Errorf("err = %v", err)
	}
	if n := len(f2.recorded()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestListMigrationsAllFilters(t *testing.T) {
	f := newFake(t)
	f.reply("GET", "/v2.1/os-migrations", 200, []byte(`{"migrations": []}`))
	hidden := false
	opts := &nova.ListMigrationsOptions{
		Host: "compute1", InstanceUUID: inst1, MigrationType: nova.TypeLiveMigration, SourceCompute: "compute0",
		Status: nova.StatusRunning, Hidden: &hidden, ChangesSince: time.Date(2024, 5, 1, 10, 0, 0, 0, time.FixedZone("x", 2*3600)),
		ChangesBefore: time.Date(2024, 5, 2, 0, 0, 0, 0, time.UTC), UserID: "u1", ProjectID: "p1", Limit: 50, Marker: "m-uuid",
	}
	got, err := collect(t, f.client("2.80").ListMigrations(context.Background(), opts))
	if err != nil || len(got) != 0 {
		t.Fatalf("%v %v", got, err)
	}
	c := f.only()
	q, _ := url.ParseQuery(c.Query)
	want := url.Values{
		"host": {"compute1"}, "instance_uuid": {inst1}, "migration_type": {"live-migration"}, "source_compute": {"compute0"},
		"status": {"running"}, "changes-since": {"2024-05-01T10:00:00+02:00"}, "changes-before": {"2024-05-02T00:00:00Z"},
		"user_id": {"u1"}, "project_id": {"p1"}, "limit": {"50"}, "marker": {"m-uuid"}, "hidden": {"0"},
	}
	if q.Encode() != want.Encode() {
		t.Errorf("query %s\nwant  %s", q.Encode(), want.Encode())
	}
	c.check(t, "GET", "/v2.1/os-migrations", c.Query, "2.80")
}

// Every microversion's query schema has hidden: it is sent as 1 or 0 from
// 2.1 on, and not at all when nil.
func TestListMigrationsHidden(t *testing.T) {
	yes, no := true, false
	for _, tc := range []struct {
		mv     string
		hidden *bool
		query  string
	}{
		{"2.1", &yes, "hidden=1"},
		{"2.1", &no, "hidden=0"},
		{"2.58", &yes, "hidden=1"},
		{"2.80", &no, "hidden=0"},
		{"2.80", nil, ""},
	} {
		f := newFake(t)
		f.reply("GET", "/v2.1/os-migrations", 200, []byte(`{"migrations": []}`))
		if _, err := collect(t, f.client(tc.mv).ListMigrations(context.Background(), &nova.ListMigrationsOptions{Hidden: tc.hidden})); err != nil {
			t.Fatalf("at %s: %v", tc.mv, err)
		}
		f.only().check(t, "GET", "/v2.1/os-migrations", tc.query, tc.mv)
	}
}

func TestListMigrationsFilterVersions(t *testing.T) {
	cases := []struct {
		name, mv, min string
		opts          nova.ListMigrationsOptions
	}{
		{"changes-since", "2.58", "2.59", nova.ListMigrationsOptions{ChangesSince: since}},
		{"limit", "2.58", "2.59", nova.ListMigrationsOptions{Limit: 5}},
		{"marker", "2.23", "2.59", nova.ListMigrationsOptions{Marker: "x"}},
		{"changes-before", "2.65", "2.66", nova.ListMigrationsOptions{ChangesBefore: before}},
		{"user", "2.79", "2.80", nova.ListMigrationsOptions{UserID: "u"}},
		{"project", "2.79", "2.80", nova.ListMigrationsOptions{ProjectID: "p"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			_, err := collect(t, f.client(tc.mv).ListMigrations(context.Background(), &tc.opts))
			ve := asVersion(t, err)
			if ve.Min != tc.min || ve.InUse != tc.mv {
				t.Errorf("VersionError = %+v", ve)
			}
			f.none()
		})
	}
	f := newFake(t)
	_, err := collect(t, f.client("2.80").ListMigrations(context.Background(), &nova.ListMigrationsOptions{Limit: -1}))
	asValidation(t, err, "Limit")
	_, err = collect(t, f.client("2.80").ListMigrations(context.Background(),
		&nova.ListMigrationsOptions{ChangesSince: since, ChangesBefore: before}))
	asValidation(t, err, "ChangesSince")
	f.none()
}

// A link on the endpoint's host but with another scheme or outside the
// endpoint's path is not followed as is (the token would go over plain
// HTTP, or to another service): the iterator asks its own endpoint with
// the link's marker instead.
func TestListMigrationsLinkOtherSchemeOrPath(t *testing.T) {
	for _, tc := range []struct{ name, link string }{
		{"scheme", "https://HOST/v2.1/os-migrations?limit=1&marker=uuid-2"},
		{"path", "http://HOST/compute/v2.1/os-migrations?limit=1&marker=uuid-2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			host := strings.TrimPrefix(f.srv.URL, "http://")
			f.on("GET", "/v2.1/os-migrations", func(w http.ResponseWriter, r *http.Request, _ []byte) {
				if r.URL.Query().Get("marker") == "" {
					writeJSON(w, 200, page([]int{3, 2}, strings.Replace(tc.link, "HOST", host, 1)))
					return
				}
				writeJSON(w, 200, page([]int{1}, ""))
			})
			got, err := collect(t, f.client("2.80").ListMigrations(context.Background(), &nova.ListMigrationsOptions{Limit: 1}))
			if err != nil || len(got) != 3 {
				t.Fatalf("%d items, %v", len(got), err)
			}
			calls := f.recorded()
			if len(calls) != 2 {
				t.Fatalf("requests: %s", describe(calls))
			}
			calls[1].check(t, "GET", "/v2.1/os-migrations", "limit=1&marker=uuid-2", "2.80")
		})
	}
}
