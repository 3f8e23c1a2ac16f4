package novatest

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cloudmigrate/cloudmigrate/internal/fake"
	"github.com/cloudmigrate/cloudmigrate/nova"
)

// conductorHost is the host of the fake's nova-conductor, which records
// the conductor's instance action events.
const conductorHost = "controller"

// action is one instance action: nova's record of a request made on a
// server. The events of an action that started a migration follow the
// migration's marks, so they are computed when asked for; other actions
// carry theirs.
type action struct {
	seq       int
	name      string
	serverID  string
	requestID string
	start     time.Time
	mig       *migration
	events    []fixedEvent
}

// fixedEvent is an event with set times; it runs until finish (zero:
// never finishes).
type fixedEvent struct {
	name, host    string
	start, finish time.Time
}

// eventSpec is an event of a migration's action: it starts when the
// migration enters status from and finishes when it enters status to, or
// when the migration ends otherwise (an Error when it fails then).
type eventSpec struct {
	name string
	on   func(m *migration) string // the host that records it
	from string
	to   string
}

func onConductor(*migration) string { return conductorHost }
func onSource(m *migration) string  { return m.source.name }
func onDest(m *migration) string {
	if m.dest == nil {
		return ""
	}
	return m.dest.name
}

// The events nova's services record for each kind of move (event names
// from nova's wrap_instance_event and EventReporter uses).
var (
	liveEvents = []eventSpec{
		{"conductor_live_migrate_instance", onConductor, statusAccepted, statusQueued},
		{"compute_check_can_live_migrate_destination", onDest, statusQueued, statusPreparing},
		{"compute_pre_live_migration", onDest, statusPreparing, statusRunning},
		{"compute_live_migration", onSource, statusRunning, statusPostMigrating},
		{"compute_post_live_migration_at_destination", onDest, statusPostMigrating, statusCompleted},
	}
	coldEvents = []eventSpec{
		{"conductor_migrate_server", onConductor, statusPreMigrating, statusMigrating},
		{"compute_prep_resize", onDest, statusPreMigrating, statusMigrating},
		{"compute_resize_instance", onSource, statusMigrating, statusPostMigrating},
		{"compute_finish_resize", onDest, statusPostMigrating, statusFinished},
	}
	evacEvents = []eventSpec{
		{"conductor_rebuild_server", onConductor, statusAccepted, statusPreMigrating},
		{"compute_rebuild_instance", onDest, statusPreMigrating, statusDone},
	}
)

// eventView is an event as the API shows it.
type eventView struct {
	name, host     string
	start, finish  time.Time
	result         string // "" while it runs
	details, trace string
}

// firstMark returns when m first entered status, as of now.
func (m *migration) firstMark(status string, now time.Time) (int, bool) {
	for i, mk := range m.marks {
		if mk.at.After(now) {
			break
		}
		if mk.status == status {
			return i, true
		}
	}
	return 0, false
}

// endedAt is when the migration reached its final status.
func (m *migration) endedAt() time.Time { return m.marks[len(m.marks)-1].at }

// traceback is the traceback nova records with a failure.
func (f failure) traceback() string {
	if f.message == "" {
		return ""
	}
	return "Traceback (most recent call last):\n" +
		"  File \"/usr/lib/python3/dist-packages/nova/compute/utils.py\", line 1458, in decorated_function\n" +
		"    return function(self, context, *args, **kwargs)\n" +
		f.exception + ": " + f.message + "\n"
}

// events returns the events of an action at now, newest first, as nova
// lists them.
func (a *action) eventsAt(now time.Time) []eventView {
	var out []eventView
	for _, e := range a.events {
		if e.start.After(now) {
			continue
		}
		v := eventView{name: e.name, host: e.host, start: e.start}
		if !e.finish.IsZero() && !e.finish.After(now) {
			v.finish, v.result = e.finish, nova.EventResultSuccess
		}
		out = append(out, v)
	}
	if m := a.mig; m != nil {
		out = append(out, m.eventsAt(now)...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].start.After(out[j].start) })
	return out
}

// eventsAt returns the events of the migration's own action at now.
func (m *migration) eventsAt(now time.Time) []eventView {
	specs := coldEvents
	switch {
	case m.live:
		specs = liveEvents
	case m.evac:
		specs = evacEvents
	}
	var out []eventView
	for _, sp := range specs {
		i, ok := m.firstMark(sp.from, now)
		if !ok {
			continue
		}
		v := eventView{name: sp.name, host: sp.on(m), start: m.marks[i].at}
		for _, mk := range m.marks[i+1:] {
			if mk.at.After(now) {
				break
			}
			if mk.status == sp.to || isEnd(mk.status) {
				v.finish, v.result = mk.at, nova.EventResultSuccess
				if mk.status == statusFailed || mk.status == statusError {
					v.result, v.details, v.trace = nova.EventResultError, m.failure.message, m.failure.traceback()
				}
				break
			}
		}
		out = append(out, v)
	}
	return out
}

// isEnd reports whether a migration in status st has stopped moving.
func isEnd(st string) bool {
	switch st {
	case statusFailed, statusError, statusCancelled:
		return true
	}
	return false
}

// recordActionLocked records an instance action made by the request rid,
// starting mig (or nil) and carrying events. The caller holds s.mu.
func (s *Server) recordActionLocked(rid, name, serverID string, mig *migration, now time.Time, events ...fixedEvent) {
	s.actions = append(s.actions, &action{
		seq: len(s.actions) + 1, name: name, serverID: serverID, requestID: rid,
		start: dbTime(now), mig: mig, events: events,
	})
}

// recordCreateLocked records the "create" action of a server the fake
// was given. The caller holds s.mu.
func (s *Server) recordCreateLocked(serverID string, now time.Time) {
	s.recordActionLocked("req-"+newUUID(), "create", serverID, nil, now,
		fixedEvent{name: "compute__do_build_and_run_instance", host: s.servers[serverID].host.name, start: now, finish: now})
}

// updatedAt is when an action last changed by now: its newest event's
// start or finish, or the zero time before any event.
func (a *action) updatedAt(events []eventView) time.Time {
	var u time.Time
	for _, e := range events {
		for _, t := range []time.Time{e.start, e.finish} {
			if t.After(u) {
				u = t
			}
		}
	}
	return u
}

// actionView is an action as GET /servers/{server_id}/os-instance-actions
// shows it at the request's version: updated_at from 2.58.
func (c *call) actionView(a *action, events []eventView) map[string]any {
	message := any(nil)
	for _, e := range events {
		if e.result == nova.EventResultError {
			message = "Error"
		}
	}
	rec := map[string]any{
		"action":        a.name,
		"instance_uuid": a.serverID,
		"request_id":    a.requestID,
		"user_id":       userID,
		"project_id":    c.s.projectID,
		"start_time":    isoTime(a.start),
		"message":       message,
	}
	if c.atLeast("2.58") {
		rec["updated_at"] = nil
		if u := a.updatedAt(events); !u.IsZero() {
			rec["updated_at"] = isoTime(u)
		}
	}
	return rec
}

// eventViews are the events as GET .../os-instance-actions/{request_id}
// shows them to an admin: the traceback at every version, host and hostId
// from 2.62, details from 2.84.
func (c *call) eventViews(events []eventView) []any {
	out := make([]any, len(events))
	for i, e := range events {
		v := map[string]any{
			"event":       e.name,
			"start_time":  isoTime(e.start),
			"finish_time": nil,
			"result":      nil,
			"traceback":   nil,
		}
		if !e.finish.IsZero() {
			v["finish_time"], v["result"] = isoTime(e.finish), e.result
		}
		if e.trace != "" {
			v["traceback"] = e.trace
		}
		if c.atLeast("2.62") {
			v["host"] = e.host
			v["hostId"] = hostID(c.s.projectID, e.host)
		}
		if c.atLeast("2.84") {
			v["details"] = nil
			if e.details != "" {
				v["details"] = e.details
			}
		}
		out[i] = v
	}
	return out
}

// actionFilter is the query of GET /servers/{server_id}/os-instance-actions
// from 2.58.
type actionFilter struct {
	since, before time.Time
	limit         int
	marker        string
	hasMarker     bool
}

// parseActionQuery reads the query of the action list. Before 2.58 nova
// takes any parameter and uses none; from 2.58 it knows limit, marker and
// changes-since, from 2.66 changes-before, and refuses others.
func parseActionQuery(c *call) (f actionFilter, problem string) {
	f.limit = maxLimit
	if !c.atLeast("2.58") {
		return f, ""
	}
	q := c.r.URL.Query()
	allowed := []string{"limit", "marker", "changes-since"}
	if c.atLeast("2.66") {
		allowed = append(allowed, "changes-before")
	}
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
	if vs, ok := q["limit"]; ok && len(vs) > 0 {
		n, err := strconv.Atoi(vs[0])
		if err != nil || n < 0 {
			return f, fmt.Sprintf("Invalid input for query parameters limit. Value: %s. '%s' does not match '^[0-9]*$'", vs[0], vs[0])
		}
		f.limit = min(n, maxLimit)
	}
	if vs, ok := q["marker"]; ok && len(vs) > 0 {
		f.marker, f.hasMarker = vs[0], true
	}
	for _, t := range []struct {
		key string
		dst *time.Time
	}{{"changes-since", &f.since}, {"changes-before", &f.before}} {
		if vs, ok := q[t.key]; ok && len(vs) > 0 {
			tm, err := nova.ParseTime(vs[0])
			if err != nil || tm.IsZero() {
				return f, fmt.Sprintf("Invalid input for query parameters %s. Value: %s. '%s' is not a 'date-time'", t.key, vs[0], vs[0])
			}
			*t.dst = tm
		}
	}
	if !f.since.IsZero() && !f.before.IsZero() && f.before.Before(f.since) {
		return f, "The value of changes-since must be less than or equal to changes-before."
	}
	return f, ""
}

// newerAction orders actions as nova does: start descending, then the
// later recorded first.
func newerAction(a, b *action) int {
	if c := b.start.Compare(a.start); c != 0 {
		return c
	}
	return b.seq - a.seq
}

// listInstanceActions serves GET /servers/{server_id}/os-instance-actions:
// the server's actions, newest first; from 2.58 filtered by changes-since
// (and from 2.66 changes-before) on updated_at and paged by limit and
// marker (a request ID), with a "next" link in links when a page is full.
func (s *Server) listInstanceActions(r *fake.Request) fake.Response {
	c, resp, ok := s.begin(r, "")
	if !ok {
		return resp
	}
	f, problem := parseActionQuery(c)
	if problem != "" {
		return c.badRequest("%s", problem)
	}
	id := r.PathValue("server_id")

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	if s.servers[id] == nil {
		return c.notFound("Instance %s could not be found.", id)
	}
	var list []*action
	events := map[*action][]eventView{}
	var mark *action
	for _, a := range s.actions {
		if a.serverID != id || a.start.After(now) {
			continue
		}
		if f.hasMarker && a.requestID == f.marker {
			mark = a
		}
		ev := a.eventsAt(now)
		if u := a.updatedAt(ev); !f.since.IsZero() || !f.before.IsZero() {
			if u.IsZero() || (!f.since.IsZero() && u.Before(f.since)) || (!f.before.IsZero() && u.After(f.before)) {
				continue
			}
		}
		list = append(list, a)
		events[a] = ev
	}
	if f.hasMarker && mark == nil {
		return c.badRequest("Marker %s could not be found.", f.marker)
	}
	body := map[string]any{}
	if c.atLeast("2.58") {
		var links []any
		list, links = page(c, "/servers/"+url.PathEscape(id)+"/os-instance-actions", list, mark, newerAction, f.limit, func(a *action) string { return a.requestID })
		if links != nil {
			body["links"] = links
		}
	} else {
		slices.SortFunc(list, newerAction)
	}
	views := make([]any, len(list))
	for i, a := range list {
		views[i] = c.actionView(a, events[a])
	}
	body["instanceActions"] = views
	return c.ok(http.StatusOK, body)
}

// getInstanceAction serves GET /servers/{server_id}/os-instance-actions/
// {request_id}: the action with its events, 404 for an unknown one.
func (s *Server) getInstanceAction(r *fake.Request) fake.Response {
	c, resp, ok := s.begin(r, "")
	if !ok {
		return resp
	}
	if resp, ok := c.noQuery(); !ok {
		return resp
	}
	id, rid := r.PathValue("server_id"), r.PathValue("request_id")
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	if s.servers[id] == nil {
		return c.notFound("Instance %s could not be found.", id)
	}
	var found *action
	for _, a := range s.actions {
		if a.serverID == id && a.requestID == rid && !a.start.After(now) {
			if found == nil || newerAction(a, found) < 0 {
				found = a
			}
		}
	}
	if found == nil {
		return c.notFound("Action %s not found", rid)
	}
	events := found.eventsAt(now)
	rec := c.actionView(found, events)
	rec["events"] = c.eventViews(events)
	return c.ok(http.StatusOK, map[string]any{"instanceAction": rec})
}

// InstanceActions returns the names and request IDs of a server's
// instance actions, oldest first, as "name request-id" lines: a summary
// for tests that check which requests reached the fake.
func (s *Server) InstanceActions(serverID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, a := range s.actions {
		if a.serverID == serverID {
			out = append(out, strings.Join([]string{a.name, a.requestID}, " "))
		}
	}
	return out
}
