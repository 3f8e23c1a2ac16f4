package novatest

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/cloudmigrate/cloudmigrate/internal/fake"
)

// Operation names of the compute service and hypervisor routes, as counted
// by Calls and targeted by Throttle, FailNext, DropNext and SlowNext.
//
// Before microversion 2.53 nova updates a service with
// PUT /os-services/{action}; the fake counts each action under its own
// operation. From 2.53 the path names the service's UUID (OpUpdateService).
const (
	// OpListServices is GET /compute/v2.1/os-services.
	OpListServices = "ListServices"
	// OpUpdateService is PUT /compute/v2.1/os-services/{service_id}
	// (2.53+), and any PUT /os-services/{x} whose x names no action.
	OpUpdateService = "UpdateService"
	// OpEnableService is PUT /compute/v2.1/os-services/enable (before
	// 2.53).
	OpEnableService = "EnableService"
	// OpDisableService is PUT /compute/v2.1/os-services/disable (before
	// 2.53).
	OpDisableService = "DisableService"
	// OpDisableServiceLogReason is
	// PUT /compute/v2.1/os-services/disable-log-reason (before 2.53).
	OpDisableServiceLogReason = "DisableServiceLogReason"
	// OpForceDownService is PUT /compute/v2.1/os-services/force-down
	// (2.11 to 2.52).
	OpForceDownService = "ForceDownService"
	// OpListHypervisors is GET /compute/v2.1/os-hypervisors/detail.
	OpListHypervisors = "ListHypervisors"
	// OpGetHypervisor is GET /compute/v2.1/os-hypervisors/{hypervisor_id}.
	OpGetHypervisor = "GetHypervisor"
)

// ControllerHost is the host of the fake's control services,
// nova-conductor and nova-scheduler, which GET /os-services lists before
// the compute services (in zone "internal", always up and enabled). Nova
// updates only compute services: changing these is 400 badRequest.
const ControllerHost = "controller"

// binaryCompute is the binary of every compute service.
const binaryCompute = "nova-compute"

// controlBinaries are the services on ControllerHost, in the order of
// their IDs (1 and 2), which is the order a control host starts them in.
var controlBinaries = []string{"nova-conductor", "nova-scheduler"}

// computeService is what the API (or a helper) set on the compute service
// of a host. The routes below follow ServiceController in
// nova/api/openstack/compute/services.py, its schemas in
// nova/api/openstack/compute/schemas/services.py and the scheduling rules of
// nova/conductor/tasks/live_migrate.py and nova/conductor/manager.py
// (_cold_migrate), openstack/nova at
// 00a030403f672b975364c855b7d25b40ef83e757.
type computeService struct {
	disabled   bool
	reason     string // "" for none
	forcedDown bool
	changed    time.Time // the latest change; zero if none
}

// isDown reports whether nova's service group sees the host's compute
// service down: its heartbeats stopped (SetHostDown) or it is forced down.
func (h *host) isDown() bool { return h.down || h.svc.forcedDown }

// schedulable reports whether nova's scheduler would place a server or a
// migration on the host: its compute service is up and enabled.
func (h *host) schedulable() bool { return !h.isDown() && !h.svc.disabled }

// ServiceInfo is the compute service of a host as ComputeService reports
// it.
type ServiceInfo struct {
	// Host is the service's host.
	Host string
	// Disabled tells whether the service is disabled, and DisabledReason
	// why ("" for no reason).
	Disabled       bool
	DisabledReason string
	// ForcedDown tells whether the service is forced down.
	ForcedDown bool
	// Down tells whether nova shows the service's state "down": forced
	// down, or its heartbeats stopped (SetHostDown).
	Down bool
}

// ComputeService returns the state of the compute service of host, and
// false when the fake has no such host.
func (s *Server) ComputeService(host string) (ServiceInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.hosts[host]
	if h == nil {
		return ServiceInfo{}, false
	}
	return ServiceInfo{
		Host: h.name, Disabled: h.svc.disabled, DisabledReason: h.svc.reason,
		ForcedDown: h.svc.forcedDown, Down: h.isDown(),
	}, true
}

// SetServiceDisabled disables (with reason, which may be "") or enables
// the compute service of host, as PUT /os-services would, for setting a
// test up. It panics for a host the fake does not have.
func (s *Server) SetServiceDisabled(host string, disabled bool, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.mustHostLocked("SetServiceDisabled", host)
	if !disabled {
		reason = ""
	}
	h.svc.disabled, h.svc.reason, h.svc.changed = disabled, reason, s.Clock().Now()
}

// SetServiceForcedDown forces the compute service of host down, or clears
// that, as PUT /os-services would (without the check of evacuations that
// nova makes before clearing it). It panics for a host the fake does not
// have.
func (s *Server) SetServiceForcedDown(host string, down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.mustHostLocked("SetServiceForcedDown", host)
	h.svc.forcedDown, h.svc.changed = down, s.Clock().Now()
}

func (s *Server) mustHostLocked(op, name string) *host {
	h := s.hosts[name]
	if h == nil {
		panic(fmt.Sprintf("novatest: %s: no host %q", op, name))
	}
	return h
}

func (s *Server) serviceRoutes() {
	s.Handle(OpListServices, "GET "+apiPrefix+"/os-services", s.listServices)
	s.HandleRoute(OpUpdateService, "PUT "+apiPrefix+"/os-services/{service_id}", s.routeService)
	s.Handle(OpListHypervisors, "GET "+apiPrefix+"/os-hypervisors/detail", s.listHypervisors)
	s.Handle(OpGetHypervisor, "GET "+apiPrefix+"/os-hypervisors/{hypervisor_id}", s.getHypervisor)
}

// nameUUID returns a UUID (version 5 layout) derived from parts, so that a
// host's service and hypervisor keep their UUIDs for the fake's life.
func nameUUID(parts ...string) string {
	sum := sha1.Sum([]byte("novatest\x00" + strings.Join(parts, "\x00")))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// uuidKey is how nova's uuidutils.is_uuid_like compares UUIDs: without
// "urn:", "uuid:", braces and hyphens, in lower case. It returns "" for a
// value that is no UUID.
func uuidKey(v string) string {
	v = strings.ToLower(v)
	for _, cut := range []string{"urn:", "uuid:", "{", "}", "-"} {
		v = strings.ReplaceAll(v, cut, "")
	}
	if len(v) != 32 {
		return ""
	}
	if _, err := hex.DecodeString(v); err != nil {
		return ""
	}
	return v
}

// sameUUID reports whether id names the record whose UUID is uuid, as
// nova's database lookup does: the same text, in any case (MySQL's
// collation), hyphens included. (A UUID without its hyphens passes nova's
// check but names nothing.)
func sameUUID(uuid, id string) bool { return strings.EqualFold(uuid, id) }

// svcRecord is one service GET /os-services lists.
type svcRecord struct {
	binary, host, zone string
	id                 int
	uuid               string
	h                  *host // nil for a control service
}

// servicesLocked returns every service: the control services, then the
// compute service of each host in the order AddHost saw them. The caller
// holds s.mu.
func (s *Server) servicesLocked() []svcRecord {
	out := make([]svcRecord, 0, len(controlBinaries)+len(s.hostOrder))
	for i, b := range controlBinaries {
		out = append(out, svcRecord{binary: b, host: ControllerHost, zone: "internal", id: i + 1,
			uuid: nameUUID("service", b, ControllerHost)})
	}
	for i, h := range s.hostOrder {
		out = append(out, svcRecord{binary: binaryCompute, host: h.name, zone: "nova", id: len(controlBinaries) + i + 1,
			uuid: nameUUID("service", binaryCompute, h.name), h: h})
	}
	return out
}

// state, status, reason and updated are what nova shows of the service at
// now. A control service runs and is enabled; a compute service's updated
// time is its latest heartbeat (now, while it is not SetHostDown) or else
// its latest change (null if none).
func (r *svcRecord) view(c *call, now time.Time) map[string]any {
	state, status := "up", "enabled"
	var reason, updated any
	updated = dbTime(now).UTC().Format(wireTime)
	forced := false
	if h := r.h; h != nil {
		if h.isDown() {
			state = "down"
		}
		if h.svc.disabled {
			status = "disabled"
		}
		if h.svc.reason != "" {
			reason = h.svc.reason
		}
		forced = h.svc.forcedDown
		if h.down {
			updated = nil
			if !h.svc.changed.IsZero() {
				updated = dbTime(h.svc.changed).UTC().Format(wireTime)
			}
		}
	}
	rec := map[string]any{
		"binary":          r.binary,
		"host":            r.host,
		"zone":            r.zone,
		"state":           state,
		"status":          status,
		"updated_at":      updated,
		"disabled_reason": reason,
		"id":              r.id,
	}
	if c.atLeast("2.53") {
		rec["id"] = r.uuid
	}
	if c.atLeast("2.11") {
		rec["forced_down"] = forced
	}
	return rec
}

// lastParam returns the last value of a query parameter, as webob's
// request.GET[key] does.
func lastParam(q url.Values, k string) (string, bool) {
	vs, ok := q[k]
	if !ok || len(vs) == 0 {
		return "", false
	}
	return vs[len(vs)-1], true
}

// onlyParams returns nova's message for the first query parameter (in
// sorted order) that allowed does not list, or "". The query schema's
// error is at its top level, so nova gives jsonschema's message alone.
func onlyParams(q url.Values, allowed ...string) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.Contains(allowed, k) {
			return fmt.Sprintf("Additional properties are not allowed ('%s' was unexpected)", k)
		}
	}
	return ""
}

// pyBooleans is how nova's messages print the values of its boolean
// parameter type.
const pyBooleans = "[True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', " +
	"False, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no']"

// pyValue renders a JSON value as nova's messages print it: as Python's
// str (after "Value:") and repr (in jsonschema's message).
func pyValue(raw json.RawMessage) (str, repr string) {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		c := compact(raw)
		return c, c
	}
	switch x := v.(type) {
	case string:
		return x, "'" + x + "'"
	case bool:
		if x {
			return "True", "True"
		}
		return "False", "False"
	case nil:
		return "None", "None"
	}
	c := compact(raw)
	return c, c
}

// fieldProblem is nova's message for a body field its schema refuses:
// problem holds %s for the value's repr.
func fieldProblem(field string, raw json.RawMessage, problem string) string {
	str, repr := pyValue(raw)
	return fmt.Sprintf("Invalid input for field/attribute %s. Value: %s. ", field, str) + fmt.Sprintf(problem, repr)
}

// listServices serves GET /os-services: every service, filtered by exact
// host and binary. Unknown query parameters are ignored before 2.75 and
// 400 from 2.75.
func (s *Server) listServices(r *fake.Request) fake.Response {
	c, resp, ok := s.begin(r, "")
	if !ok {
		return resp
	}
	q := r.URL.Query()
	if c.atLeast("2.75") {
		if problem := onlyParams(q, "host", "binary"); problem != "" {
			return c.badRequest("%s", problem)
		}
	}
	host, _ := lastParam(q, "host")
	binary, _ := lastParam(q, "binary")

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	out := []any{}
	for _, rec := range s.servicesLocked() {
		if (host == "" || rec.host == host) && (binary == "" || rec.binary == binary) {
			out = append(out, rec.view(c, now))
		}
	}
	return c.ok(http.StatusOK, map[string]any{"services": out})
}

// routeService picks the operation of a PUT /os-services/{x}: one of the
// pre-2.53 actions, or the 2.53 update of the service x.
func (s *Server) routeService(r *fake.Request) (string, fake.Handler, bool) {
	switch action := r.PathValue("service_id"); action {
	case "enable":
		return OpEnableService, s.legacyService(action), true
	case "disable":
		return OpDisableService, s.legacyService(action), true
	case "disable-log-reason":
		return OpDisableServiceLogReason, s.legacyService(action), true
	case "force-down":
		return OpForceDownService, s.legacyService(action), true
	}
	return OpUpdateService, s.updateService, true
}

// legacyBody is an accepted body of a pre-2.53 service update.
type legacyBody struct {
	host, binary        string
	reason              string
	hasReason, hasForce bool
	forced              bool
}

// stringField checks a string field of 1 to 255 characters that, when
// fqdn is set, matches nova's host pattern.
func stringField(field string, raw json.RawMessage, fqdn bool) (string, string) {
	var v string
	if json.Unmarshal(raw, &v) != nil {
		return "", fieldProblem(field, raw, "%s is not of type 'string'")
	}
	switch n := len([]rune(v)); {
	case n < 1:
		return "", fieldProblem(field, raw, "%s is too short")
	case n > 255:
		return "", fieldProblem(field, raw, "%s is too long")
	}
	if fqdn && !hostPattern.MatchString(v) {
		return "", fieldProblem(field, raw, "%s does not match '^[a-zA-Z0-9-._]*$'")
	}
	return v, ""
}

// parseLegacyService checks a body against nova's schema of the pre-2.53
// update (services.py update and, from 2.11, update_v211): host and binary
// required, disabled_reason, and forced_down from 2.11; nothing else.
func parseLegacyService(c *call, body []byte) (legacyBody, string) {
	var b legacyBody
	top, ok := object(body)
	if !ok {
		return b, fmt.Sprintf("%s is not of type 'object'", compact(body))
	}
	allowed := []string{"host", "binary", "disabled_reason"}
	if c.atLeast("2.11") {
		allowed = append(allowed, "forced_down")
	}
	if k := onlyKeys(top, allowed...); k != "" {
		return b, fmt.Sprintf("Additional properties are not allowed ('%s' was unexpected)", k)
	}
	for _, k := range []string{"host", "binary"} {
		if _, ok := top[k]; !ok {
			return b, fmt.Sprintf("'%s' is a required property", k)
		}
	}
	var problem string
	if b.host, problem = stringField("host", top["host"], true); problem != "" {
		return b, problem
	}
	if b.binary, problem = stringField("binary", top["binary"], false); problem != "" {
		return b, problem
	}
	if raw, ok := top["disabled_reason"]; ok {
		if b.reason, problem = stringField("disabled_reason", raw, false); problem != "" {
			return b, problem
		}
		b.hasReason = true
	}
	if raw, ok := top["forced_down"]; ok {
		if b.forced, ok = parseBool(raw); !ok {
			return b, fieldProblem("forced_down", raw, "%s is not one of "+pyBooleans)
		}
		b.hasForce = true
	}
	return b, ""
}

// notCompute is nova's message for an update of a service that is not a
// compute service.
func notCompute(binary string) string {
	return fmt.Sprintf("Updating a %s service is not supported. Only nova-compute services can be updated.", binary)
}

// doneEvacuationLocked reports whether an evacuation from h is still
// "done", which nova's compute service turns "completed" when it starts
// again. The caller holds s.mu.
func (s *Server) doneEvacuationLocked(h *host, now time.Time) bool {
	for _, m := range s.migrations {
		if m.evac && !m.deleted && m.source == h && m.statusAt(now) == statusDone {
			return true
		}
	}
	return false
}

func forceUpRefused(host string) string {
	return fmt.Sprintf("Unable to force up host %s as `done` evacuation migration records remain associated with the host. "+
		"Ensure the compute service has been restarted, allowing these records to move to `completed` before retrying this request.", host)
}

// legacyService serves PUT /os-services/{action} before 2.53, with nova's
// checks in nova's order: the body's schema, the action (404 for
// force-down before 2.11), the action's own field, the evacuations of a
// host being forced up, the binary (400 unless nova-compute) and the host
// (404). From 2.53 the path names a service, which action does not (400).
func (s *Server) legacyService(action string) fake.Handler {
	return func(r *fake.Request) fake.Response {
		c, resp, ok := s.begin(r, "")
		if !ok {
			return resp
		}
		if c.atLeast("2.53") {
			if _, problem := parseServiceUpdate(r.Body); problem != "" {
				return c.badRequest("%s", problem)
			}
			return c.badRequest("Invalid uuid %s", action)
		}
		b, problem := parseLegacyService(c, r.Body)
		if problem != "" {
			return c.badRequest("%s", problem)
		}
		if action == "force-down" && !c.atLeast("2.11") {
			return c.notFound("Unknown action")
		}

		s.mu.Lock()
		defer s.mu.Unlock()
		now := s.Clock().Now()
		s.settleLocked(now)
		out := map[string]any{"host": b.host, "binary": b.binary}
		var apply func(h *host)
		switch action {
		case "enable":
			out["status"] = "enabled"
			apply = func(h *host) { h.svc.disabled, h.svc.reason = false, "" }
		case "disable":
			out["status"] = "disabled"
			apply = func(h *host) { h.svc.disabled, h.svc.reason = true, "" }
		case "disable-log-reason":
			if !b.hasReason {
				return c.badRequest("Missing disabled reason field")
			}
			out["status"], out["disabled_reason"] = "disabled", b.reason
			apply = func(h *host) { h.svc.disabled, h.svc.reason = true, b.reason }
		case "force-down":
			if !b.hasForce {
				return c.badRequest("Missing forced_down field")
			}
			if b.binary == binaryCompute && !b.forced {
				if h := s.hosts[b.host]; h != nil && s.doneEvacuationLocked(h, now) {
					return c.badRequest("%s", forceUpRefused(b.host))
				}
			}
			out["forced_down"] = b.forced
			apply = func(h *host) { h.svc.forcedDown = b.forced }
		}
		if b.binary != binaryCompute {
			return c.badRequest("%s", notCompute(b.binary))
		}
		h := s.hosts[b.host]
		if h == nil {
			return c.notFound("Host '%s' is not mapped to any cell", b.host)
		}
		apply(h)
		h.svc.changed = now
		return c.ok(http.StatusOK, map[string]any{"service": out})
	}
}

// serviceUpdate is an accepted body of the 2.53 update.
type serviceUpdate struct {
	status           string // "" when not given
	reason           string
	hasReason        bool
	forced, hasForce bool
}

// parseServiceUpdate checks a body against nova's schema update_v253:
// status ("enabled" or "disabled"), disabled_reason (1 to 255
// characters) and forced_down (nova's boolean), all optional; nothing
// else.
func parseServiceUpdate(body []byte) (serviceUpdate, string) {
	var u serviceUpdate
	top, ok := object(body)
	if !ok {
		return u, fmt.Sprintf("%s is not of type 'object'", compact(body))
	}
	if k := onlyKeys(top, "status", "disabled_reason", "forced_down"); k != "" {
		return u, fmt.Sprintf("Additional properties are not allowed ('%s' was unexpected)", k)
	}
	if raw, ok := top["status"]; ok {
		if json.Unmarshal(raw, &u.status) != nil {
			return u, fieldProblem("status", raw, "%s is not of type 'string'")
		}
		if u.status != "enabled" && u.status != "disabled" {
			return u, fieldProblem("status", raw, "%s is not one of ['enabled', 'disabled']")
		}
	}
	if raw, ok := top["disabled_reason"]; ok {
		var problem string
		if u.reason, problem = stringField("disabled_reason", raw, false); problem != "" {
			return u, problem
		}
		u.hasReason = true
	}
	if raw, ok := top["forced_down"]; ok {
		if u.forced, ok = parseBool(raw); !ok {
			return u, fieldProblem("forced_down", raw, "%s is not one of "+pyBooleans)
		}
		u.hasForce = true
	}
	return u, ""
}

// updateService serves PUT /os-services/{service_id} from 2.53, with
// nova's checks in nova's order: the body's schema, the UUID (400), the
// service (404), the binary (400), a reason with status "enabled" (400),
// the evacuations of a host being forced up (400) and an update that
// changes nothing (400). Before 2.53 the path names an action: the body
// is checked against the pre-2.53 schema, then the action is unknown
// (404).
func (s *Server) updateService(r *fake.Request) fake.Response {
	c, resp, ok := s.begin(r, "")
	if !ok {
		return resp
	}
	if !c.atLeast("2.53") {
		if _, problem := parseLegacyService(c, r.Body); problem != "" {
			return c.badRequest("%s", problem)
		}
		return c.notFound("Unknown action")
	}
	u, problem := parseServiceUpdate(r.Body)
	if problem != "" {
		return c.badRequest("%s", problem)
	}
	id := r.PathValue("service_id")
	if uuidKey(id) == "" {
		return c.badRequest("Invalid uuid %s", id)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	var rec *svcRecord
	all := s.servicesLocked()
	for i := range all {
		if sameUUID(all[i].uuid, id) {
			rec = &all[i]
		}
	}
	switch {
	case rec == nil:
		return c.notFound("Service %s could not be found.", id)
	case rec.binary != binaryCompute:
		return c.badRequest("%s", notCompute(rec.binary))
	case u.status == "enabled" && u.hasReason:
		return c.badRequest("Specifying 'disabled_reason' with status 'enabled' is invalid.")
	case u.hasForce && !u.forced && s.doneEvacuationLocked(rec.h, now):
		return c.badRequest("%s", forceUpRefused(rec.host))
	case u.status == "" && !u.hasForce:
		return c.badRequest("No updates were requested. Fields 'status' or 'forced_down' should be specified.")
	}
	h := rec.h
	switch u.status {
	case "enabled":
		h.svc.disabled, h.svc.reason = false, ""
	case "disabled":
		h.svc.disabled, h.svc.reason = true, u.reason
	}
	if u.hasForce {
		h.svc.forcedDown = u.forced
	}
	h.svc.changed = now
	return c.ok(http.StatusOK, map[string]any{"service": rec.view(c, now)})
}

// newUnscheduledColdLocked records a cold migration to a named host whose
// compute service is disabled or down. Nova has answered 202 by then: its
// conductor creates the record (pre-migrating), the scheduler finds the
// host fails its filters, and the record ends "error" without a
// destination, the server still on its host. The caller holds s.mu.
func (s *Server) newUnscheduledColdLocked(sv *server, now time.Time) *migration {
	m := s.newMigrationLocked(sv, false, nil, now)
	m.marks = append(m.marks, mark{statusPreMigrating, now}, mark{statusError, now})
	m.failure = failure{exception: "nova.exception.NoValidHost", message: "No valid host was found. No valid host found for cold migrate"}
	return m
}

// refuseLiveLocked records a live migration that nova's conductor fails
// before it starts, for reason (nova's exception and message): the
// scheduler refused the named host, or the source's compute service is
// down. Nova has written the migration record and the instance action by
// then, so the migration ends "error" without a destination whatever the
// version; the answer is 400 with the reason before 2.34, when the
// conductor's checks ran within the request, and 202 from 2.34. The caller
// holds s.mu.
func (s *Server) refuseLiveLocked(c *call, sv *server, block bool, exception, reason string, now time.Time) fake.Response {
	m := s.newLiveLocked(sv, nil, block, false, now)
	m.failure = failure{exception: exception, message: reason}
	s.recordActionLocked(c.rid, "live-migration", sv.id, m, now)
	if !c.atLeast("2.34") {
		return c.badRequest("%s", reason)
	}
	return c.ok(http.StatusAccepted, nil)
}

// noValidHost is the message of nova's scheduler when it refuses the named
// host h. A disabled compute service is left out by Placement already
// (nova's COMPUTE_STATUS_DISABLED pre-filter), so the scheduler gets no
// candidate and gives no reason; a service that is down passes Placement
// and fails the ComputeFilter, leaving too few hosts.
func noValidHost(h *host) string {
	if h.svc.disabled {
		return "No valid host was found. "
	}
	return "No valid host was found. There are not enough hosts available."
}
