package novatest

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/cloudmigrate/cloudmigrate/internal/fake"
)

// serverView is a migration as GET /servers/{server_id}/migrations[/{id}]
// shows it at the request's version: with server_uuid and the byte
// counters, the uuid from 2.59, user_id and project_id from 2.80.
func (c *call) serverView(m *migration, now time.Time) map[string]any {
	rec := m.common(now)
	rec["server_uuid"] = m.serverID
	m.addCounters(rec, now)
	if c.atLeast("2.59") {
		rec["uuid"] = m.uuid
	}
	if c.atLeast("2.80") {
		rec["user_id"] = m.userID
		rec["project_id"] = m.projectID
	}
	return rec
}

// noQuery refuses a query string from 2.102, where nova's schemas forbid
// unknown query parameters on these GETs.
func (c *call) noQuery() (fake.Response, bool) {
	q := c.r.URL.Query()
	if len(q) == 0 || !c.atLeast("2.102") {
		return fake.Response{}, true
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return c.badRequest("Invalid input for query parameters %s. Additional properties are not allowed ('%s' was unexpected)", keys[0], keys[0]), false
}

// listServerMigrations serves GET /servers/{server_id}/migrations (2.23+):
// the server's live migrations in status queued, preparing, running or
// post-migrating.
func (s *Server) listServerMigrations(r *fake.Request) fake.Response {
	c, resp, ok := s.begin(r, "2.23")
	if !ok {
		return resp
	}
	if resp, ok := c.noQuery(); !ok {
		return resp
	}
	id := r.PathValue("server_id")
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	if s.servers[id] == nil {
		return c.notFound("Instance %s could not be found.", id)
	}
	list := []any{}
	for _, m := range s.migrations {
		if m.serverID == id && m.inProgressLive(now) && m.visible(now) {
			list = append(list, c.serverView(m, now))
		}
	}
	return c.ok(http.StatusOK, map[string]any{"migrations": list})
}

// getServerMigration serves GET /servers/{server_id}/migrations/{id}
// (2.23+): 404 unless the migration is an in-progress live migration of
// the server.
func (s *Server) getServerMigration(r *fake.Request) fake.Response {
	c, resp, ok := s.begin(r, "2.23")
	if !ok {
		return resp
	}
	if resp, ok := c.noQuery(); !ok {
		return resp
	}
	id, mid := r.PathValue("server_id"), r.PathValue("migration_id")
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	if s.servers[id] == nil {
		return c.notFound("Instance %s could not be found.", id)
	}
	m := s.serverMigrationLocked(id, mid)
	if m == nil || !m.inProgressLive(now) || !m.visible(now) {
		return c.notFound("In-progress live migration %s is not found for server %s.", mid, id)
	}
	return c.ok(http.StatusOK, map[string]any{"migration": c.serverView(m, now)})
}

// serverMigrationLocked returns the migration named by the path's
// migration_id if it belongs to the server, or nil.
func (s *Server) serverMigrationLocked(serverID, mid string) *migration {
	n, err := strconv.Atoi(mid)
	if err != nil {
		return nil
	}
	m := s.migrationLocked(n)
	if m == nil || m.serverID != serverID || !m.visible(s.Clock().Now()) {
		return nil
	}
	return m
}

// forceComplete serves POST /servers/{server_id}/migrations/{id}/action
// with {"force_complete": null} (2.22+). The server must be under live
// migration (else 409) and the migration running (else 400); it then ends
// its copy within Durations.ForceComplete.
func (s *Server) forceComplete(r *fake.Request) fake.Response {
	c, resp, ok := s.begin(r, "2.22")
	if !ok {
		return resp
	}
	top, isObj := object(r.Body)
	switch {
	case !isObj || len(top) == 0:
		return c.badRequest("Malformed request body")
	case top["force_complete"] == nil:
		return c.notFound("There is no such action: %s", onlyKeys(top))
	}
	if k := onlyKeys(top, "force_complete"); k != "" {
		return c.badRequest("Invalid input for request body. Additional properties are not allowed ('%s' was unexpected)", k)
	}
	if raw := top["force_complete"]; !isNull(raw) {
		return c.badRequest("%s", invalidInput("force_complete", raw, fmt.Sprintf("%s is not of type 'null'", compact(raw))))
	}
	id, mid := r.PathValue("server_id"), r.PathValue("migration_id")

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	sv := s.servers[id]
	if sv == nil {
		return c.notFound("Instance %s could not be found.", id)
	}
	if info := sv.view(now); info.TaskState != TaskMigrating {
		return c.conflict("%s", invalidState("force_complete", info))
	}
	m := s.serverMigrationLocked(id, mid)
	if m == nil {
		return c.badRequest("Migration %s not found for instance %s", mid, id)
	}
	if st := m.statusAt(now); st != statusRunning {
		return c.badRequest("Migration %d state of instance %s is %s. Cannot force complete while the migration is in this state.", m.id, id, st)
	}
	if !m.doomed {
		p, _ := m.progress(now)
		end := now.Add(s.timings.ForceComplete)
		if end.After(m.t1) {
			end = m.t1
		}
		m.prog0, m.t0, m.t1 = p, now, end
		m.cut(now, mark{statusPostMigrating, end}, mark{statusCompleted, end.Add(s.timings.PostMigrating)})
	}
	s.recordActionLocked(c.rid, "live_migration_force_complete", sv.id, nil, now,
		fixedEvent{name: "compute_live_migration_force_complete", host: m.source.name, start: now, finish: now})
	return c.ok(http.StatusAccepted, nil)
}

// abort serves DELETE /servers/{server_id}/migrations/{id} (2.24+). The
// server must be under live migration (else 409), the migration one of
// its own (else 404) and running, or from 2.65 also queued or preparing
// (else 400). The migration is cancelled at once and the server stays on
// its source host.
func (s *Server) abort(r *fake.Request) fake.Response {
	c, resp, ok := s.begin(r, "2.24")
	if !ok {
		return resp
	}
	id, mid := r.PathValue("server_id"), r.PathValue("migration_id")

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	sv := s.servers[id]
	if sv == nil {
		return c.notFound("Instance %s could not be found.", id)
	}
	if info := sv.view(now); info.TaskState != TaskMigrating {
		return c.conflict("%s", invalidState("abort live migration", info))
	}
	m := s.serverMigrationLocked(id, mid)
	if m == nil {
		return c.notFound("Migration %s not found for instance %s", mid, id)
	}
	st := m.statusAt(now)
	allowed := st == statusRunning
	if c.atLeast("2.65") {
		allowed = allowed || st == statusQueued || st == statusPreparing
	}
	if !allowed {
		return c.badRequest("Migration %d state of instance %s is %s. Cannot abort live migration while the migration is in this state.", m.id, id, st)
	}
	m.frozen = now
	m.cut(now, mark{statusCancelled, now})
	s.recordActionLocked(c.rid, "live_migration_cancel", sv.id, nil, now,
		fixedEvent{name: "compute_live_migration_abort", host: m.source.name, start: now, finish: now})
	return c.ok(http.StatusAccepted, nil)
}
