package novatest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/cloudmigrate/cloudmigrate/internal/fake"
	"github.com/cloudmigrate/cloudmigrate/nova"
)

// maxLimit is nova's default [api]max_limit: the largest page of
// GET /os-migrations.
const maxLimit = 1000

// listView is a migration as GET /os-migrations shows it at the request's
// version: instance_uuid and the flavor IDs; migration_type from 2.23,
// with links for an in-progress live migration; uuid from 2.59; user_id
// and project_id from 2.80. The byte counters are never shown here.
func (c *call) listView(m *migration, now time.Time) map[string]any {
	rec := m.common(now)
	rec["instance_uuid"] = m.serverID
	rec["old_instance_type_id"] = m.flavorID
	rec["new_instance_type_id"] = m.flavorID
	if c.atLeast("2.23") {
		rec["migration_type"] = m.kind()
		if m.inProgressLive(now) {
			tail := fmt.Sprintf("/servers/%s/migrations/%d", url.PathEscape(m.serverID), m.id)
			base := baseURL(c.r) + computePrefix
			rec["links"] = []any{
				map[string]string{"href": base + "/v2.1" + tail, "rel": "self"},
				map[string]string{"href": base + tail, "rel": "bookmark"},
			}
		}
	}
	if c.atLeast("2.59") {
		rec["uuid"] = m.uuid
	}
	if c.atLeast("2.80") {
		rec["user_id"] = m.userID
		rec["project_id"] = m.projectID
	}
	return rec
}

// listFilter is the query of GET /os-migrations, as far as the request's
// version knows it.
type listFilter struct {
	host, instance, kind, source, status, user, project string
	since, before                                       time.Time
	limit                                               int
	marker                                              string
	hasMarker                                           bool
	// hidden is set when the query has hidden; onlyHidden when its value
	// asks for the hidden records (1, true, yes, on).
	hidden, onlyHidden bool
}

// parseListQuery reads the query of GET /os-migrations. Up to 2.58 any
// parameter is accepted and those the version does not know are ignored;
// from 2.59 an unknown one is 400. limit, marker and changes-since need
// 2.59, changes-before 2.66, user_id and project_id 2.80.
func parseListQuery(c *call) (f listFilter, problem string) {
	q := c.r.URL.Query()
	strict := c.atLeast("2.59")
	allowed := []string{"hidden", "host", "instance_uuid", "migration_type", "source_compute", "status"}
	if strict {
		allowed = append(allowed, "limit", "marker", "changes-since")
	}
	if c.atLeast("2.66") {
		allowed = append(allowed, "changes-before")
	}
	if c.atLeast("2.80") {
		allowed = append(allowed, "user_id", "project_id")
	}
	if strict {
		keys := make([]string, 0, len(q))
		for k := range q {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if !slices.Contains(allowed, k) {
				return f, fmt.Sprintf("Invalid input for query parameters %s. Value: %s. Additional properties are not allowed ('%s' was unexpected)", k, q.Get(k), k)
			}
		}
	}
	get := func(k string) (string, bool) {
		if !slices.Contains(allowed, k) {
			return "", false
		}
		vs, ok := q[k]
		if !ok || len(vs) == 0 {
			return "", false
		}
		return vs[0], true
	}
	f.host, _ = get("host")
	f.instance, _ = get("instance_uuid")
	f.kind, _ = get("migration_type")
	f.source, _ = get("source_compute")
	f.status, _ = get("status")
	f.user, _ = get("user_id")
	f.project, _ = get("project_id")
	f.marker, f.hasMarker = get("marker")
	if v, ok := get("hidden"); ok {
		f.hidden = true
		f.onlyHidden, _ = parseBool(json.RawMessage(strconv.Quote(v)))
	}
	f.limit = maxLimit
	if v, ok := get("limit"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return f, fmt.Sprintf("Invalid input for query parameters limit. Value: %s. '%s' does not match '^[0-9]*$'", v, v)
		}
		f.limit = min(n, maxLimit)
	}
	for _, t := range []struct {
		key string
		dst *time.Time
	}{{"changes-since", &f.since}, {"changes-before", &f.before}} {
		if v, ok := get(t.key); ok {
			tm, err := nova.ParseTime(v)
			if err != nil || tm.IsZero() {
				return f, fmt.Sprintf("Invalid input for query parameters %s. Value: %s. '%s' is not a 'date-time'", t.key, v, v)
			}
			*t.dst = tm
		}
	}
	if !f.since.IsZero() && !f.before.IsZero() && f.since.After(f.before) {
		return f, "The value of changes-since must be less than or equal to changes-before."
	}
	return f, ""
}

// match reports whether m passes the filter at now. No record has nova's
// hidden flag set (its API reference documents it as always 0), so
// hidden=1 matches none and any other value every one.
func (f *listFilter) match(m *migration, now time.Time) bool {
	if !m.visible(now) || (f.hidden && f.onlyHidden) {
		return false
	}
	eq := func(want, got string) bool { return want == "" || want == got }
	dest := ""
	if m.dest != nil {
		dest = m.dest.name
	}
	if f.host != "" && f.host != m.source.name && f.host != dest {
		return false
	}
	if !eq(f.instance, m.serverID) || !eq(f.kind, m.kind()) || !eq(f.source, m.source.name) ||
		!eq(f.status, m.statusAt(now)) || !eq(f.user, m.userID) || !eq(f.project, m.projectID) {
		return false
	}
	if !f.since.IsZero() || !f.before.IsZero() {
		u := m.updatedAt(now)
		if u.IsZero() || (!f.since.IsZero() && u.Before(f.since)) || (!f.before.IsZero() && u.After(f.before)) {
			return false
		}
	}
	return true
}

// newerFirst orders migrations as nova does from 2.59: created_at
// descending, then id descending.
func newerFirst(a, b *migration) int {
	if c := b.created.Compare(a.created); c != 0 {
		return c
	}
	return b.id - a.id
}

// page sorts list with order, keeps what comes after mark (when not nil)
// and at most limit records, and returns them with a "next" link to the
// same path and query with the marker of the last record when the page is
// full (nil otherwise), as nova's paged lists do.
func page[E any](c *call, path string, list []*E, mark *E, order func(a, b *E) int, limit int, id func(*E) string) ([]*E, []any) {
	slices.SortFunc(list, order)
	if mark != nil {
		list = slices.DeleteFunc(list, func(v *E) bool { return order(mark, v) >= 0 })
	}
	if len(list) > limit {
		list = list[:limit]
	}
	if limit == 0 || len(list) < limit {
		return list, nil
	}
	params := c.r.URL.Query()
	params.Set("marker", id(list[len(list)-1]))
	href := baseURL(c.r) + apiPrefix + path + "?" + params.Encode()
	return list, []any{map[string]string{"href": href, "rel": "next"}}
}

// listMigrations serves GET /os-migrations: every migration the filter
// keeps. From 2.59 the list is newest first and paged by limit and marker
// (a migration's uuid), with a "next" link in migrations_links when a page
// is full.
func (s *Server) listMigrations(r *fake.Request) fake.Response {
	c, resp, ok := s.begin(r, "")
	if !ok {
		return resp
	}
	f, problem := parseListQuery(c)
	if problem != "" {
		return c.badRequest("%s", problem)
	}
	paging := c.atLeast("2.59")

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	var list []*migration
	for _, m := range s.migrations {
		if f.match(m, now) {
			list = append(list, m)
		}
	}
	body := map[string]any{}
	if paging {
		var mark *migration
		if f.hasMarker {
			// Nova looks the marker up among deleted records too: the
			// migrations of a deleted server still page.
			i := slices.IndexFunc(s.migrations, func(m *migration) bool {
				return m.uuid == f.marker && (m.visible(now) || m.deleted && !m.lost && !now.Before(m.visibleAt))
			})
			if i < 0 {
				return c.badRequest("Marker %s could not be found.", f.marker)
			}
			mark = s.migrations[i]
		}
		var links []any
		list, links = page(c, "/os-migrations", list, mark, newerFirst, f.limit, func(m *migration) string { return m.uuid })
		if links != nil {
			body["migrations_links"] = links
		}
	}
	views := make([]any, len(list))
	for i, m := range list {
		views[i] = c.listView(m, now)
	}
	body["migrations"] = views
	return c.ok(http.StatusOK, body)
}
