package novatest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"time"

	"github.com/cloudmigrate/cloudmigrate/internal/fake"
)

// routeAction picks the operation of a POST /servers/{server_id}/action
// request from its body: the first key, in sorted order, that names an
// action the fake serves. A body that names none, or is no JSON object,
// is OpServerAction, answered by noAction as nova answers it.
func (s *Server) routeAction(r *fake.Request) (string, fake.Handler, bool) {
	var body map[string]json.RawMessage
	if json.Unmarshal(r.Body, &body) == nil {
		for _, k := range slices.Sorted(maps.Keys(body)) {
			switch k {
			case "migrate":
				return OpMigrate, s.migrate, true
			case "os-migrateLive":
				return OpLiveMigrate, s.liveMigrate, true
			case "evacuate":
				return OpEvacuate, s.evacuate, true
			case "confirmResize":
				return OpConfirmResize, s.confirmResize, true
			case "revertResize":
				return OpRevertResize, s.revertResize, true
			}
		}
	}
	return OpServerAction, s.noAction, true
}

// noAction answers an action request whose body names no known action,
// after the version check: 400 for a body that is not a JSON object with
// a key, else 404 for the unknown action.
func (s *Server) noAction(r *fake.Request) fake.Response {
	c, resp, ok := s.begin(r, "")
	if !ok {
		return resp
	}
	var body map[string]json.RawMessage
	if json.Unmarshal(r.Body, &body) != nil || len(body) == 0 {
		return c.badRequest("Malformed request body")
	}
	return c.notFound("There is no such action: %s", slices.Sorted(maps.Keys(body))[0])
}

// hostPattern is nova's schema for a host name in migration requests.
var hostPattern = regexp.MustCompile(`^[a-zA-Z0-9._-]{1,255}$`)

// nova's boolean parameter: JSON true/false or one of these strings.
var (
	trueWords  = []string{"True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes"}
	falseWords = []string{"False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No", "no"}
)

// parseBool reads nova's boolean parameter.
func parseBool(raw json.RawMessage) (value, ok bool) {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b, true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return false, false
	}
	switch {
	case slices.Contains(trueWords, s):
		return true, true
	case slices.Contains(falseWords, s):
		return false, true
	}
	return false, false
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

// object decodes raw as a JSON object; ok is false for anything else.
func object(raw json.RawMessage) (map[string]json.RawMessage, bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil || m == nil {
		return nil, false
	}
	return m, true
}

// onlyKeys returns the first key of m (in sorted order) that allowed does
// not list, or "".
func onlyKeys(m map[string]json.RawMessage, allowed ...string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.Contains(allowed, k) {
			return k
		}
	}
	return ""
}

// invalidInput is nova's message for a body its schema refuses.
func invalidInput(field string, value json.RawMessage, problem string) string {
	return fmt.Sprintf("Invalid input for field/attribute %s. Value: %s. %s", field, compact(value), problem)
}

func compact(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}

// actionBody checks the top level of an action body: an object whose only
// key is name. It returns the value of name.
func actionBody(body []byte, name string) (json.RawMessage, string) {
	top, ok := object(body)
	if !ok {
		return nil, "Malformed request body"
	}
	if k := onlyKeys(top, name); k != "" {
		return nil, fmt.Sprintf("Invalid input for request body. Additional properties are not allowed ('%s' was unexpected)", k)
	}
	return top[name], ""
}

// actionObject is actionBody for an action whose value must be an
// object: it returns the object's fields and the raw value.
func actionObject(body []byte, name string) (map[string]json.RawMessage, json.RawMessage, string) {
	raw, problem := actionBody(body, name)
	if problem != "" {
		return nil, nil, problem
	}
	args, ok := object(raw)
	if !ok {
		return nil, nil, invalidInput(name, raw, fmt.Sprintf("%s is not of type 'object'", compact(raw)))
	}
	return args, raw, ""
}

// hostValue checks a host field: null (returned as "") or a host name.
func hostValue(field string, raw json.RawMessage) (string, string) {
	if isNull(raw) {
		return "", ""
	}
	var h string
	if json.Unmarshal(raw, &h) != nil || !hostPattern.MatchString(h) {
		return "", invalidInput(field, raw, "It must be null or 1 to 255 letters, digits, '-', '.' or '_'")
	}
	return h, ""
}

// parseMigrate checks a "migrate" body and returns the target host, ""
// for the scheduler's choice. Before 2.56 the value must be null; from
// 2.56 it may be an object whose only field is host.
func parseMigrate(body []byte, hostAllowed bool) (target, problem string) {
	raw, problem := actionBody(body, "migrate")
	if problem != "" {
		return "", problem
	}
	if isNull(raw) {
		return "", ""
	}
	if !hostAllowed {
		return "", invalidInput("migrate", raw, fmt.Sprintf("%s is not of type 'null'", compact(raw)))
	}
	args, ok := object(raw)
	if !ok {
		return "", invalidInput("migrate", raw, fmt.Sprintf("%s is not of type 'object', 'null'", compact(raw)))
	}
	if k := onlyKeys(args, "host"); k != "" {
		return "", invalidInput("migrate", raw, fmt.Sprintf("Additional properties are not allowed ('%s' was unexpected)", k))
	}
	if h, ok := args["host"]; ok {
		return hostValue("host", h)
	}
	return "", ""
}

// liveArgs is an accepted os-migrateLive body.
type liveArgs struct {
	host  string // "" for the scheduler's choice
	block bool   // true or "auto": the fake's hosts share no storage
	force bool
}

// parseLiveMigrate checks an "os-migrateLive" body against nova's schema
// for the request's version: host and block_migration always required;
// disk_over_commit required before 2.25 and refused from 2.25;
// block_migration "auto" from 2.25; force only from 2.30 to 2.67.
func parseLiveMigrate(c *call, body []byte) (liveArgs, string) {
	var a liveArgs
	args, raw, problem := actionObject(body, "os-migrateLive")
	if problem != "" {
		return a, problem
	}
	legacy := !c.atLeast("2.25")
	allowed := []string{"host", "block_migration"}
	required := []string{"block_migration", "host"}
	if legacy {
		allowed = append(allowed, "disk_over_commit")
		required = []string{"block_migration", "disk_over_commit", "host"}
	}
	if c.atLeast("2.30") && !c.atLeast("2.68") {
		allowed = append(allowed, "force")
	}
	if k := onlyKeys(args, allowed...); k != "" {
		return a, invalidInput("os-migrateLive", raw, fmt.Sprintf("Additional properties are not allowed ('%s' was unexpected)", k))
	}
	for _, k := range required {
		if _, ok := args[k]; !ok {
			return a, invalidInput("os-migrateLive", raw, fmt.Sprintf("'%s' is a required property", k))
		}
	}
	if a.host, problem = hostValue("host", args["host"]); problem != "" {
		return a, problem
	}
	bm := args["block_migration"]
	var word string
	if b, ok := parseBool(bm); ok {
		a.block = b
	} else if !legacy && json.Unmarshal(bm, &word) == nil && word == "auto" {
		a.block = true
	} else {
		return a, invalidInput("block_migration", bm, fmt.Sprintf("%s is not a valid value", compact(bm)))
	}
	if d, ok := args["disk_over_commit"]; ok {
		if _, ok := parseBool(d); !ok {
			return a, invalidInput("disk_over_commit", d, fmt.Sprintf("%s is not a valid boolean", compact(d)))
		}
	}
	if f, ok := args["force"]; ok {
		if a.force, ok = parseBool(f); !ok {
			return a, invalidInput("force", f, fmt.Sprintf("%s is not a valid boolean", compact(f)))
		}
		if a.force && a.host == "" {
			return a, "Can't force to a non-provided destination"
		}
	}
	return a, ""
}

// migrate serves the "migrate" action: a cold migration to a named host
// (2.56 and later) or to the first other host.
func (s *Server) migrate(r *fake.Request) fake.Response {
	c, resp, ok := s.begin(r, "")
	if !ok {
		return resp
	}
	target, problem := parseMigrate(r.Body, c.atLeast("2.56"))
	if problem != "" {
		return c.badRequest("%s", problem)
	}
	id := r.PathValue("server_id")

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	sv := s.servers[id]
	if sv == nil {
		return c.notFound("Instance %s could not be found.", id)
	}
	info := sv.view(now)
	if info.TaskState != "" || (info.Status != StatusActive && info.Status != StatusShutoff) {
		return c.conflict("%s", invalidState("migrate", info))
	}
	if sv.host.isDown() {
		// Nova needs the server's compute service up (disabled is fine).
		return c.conflict("Service is unavailable at this time.")
	}
	var dest *host
	if target != "" {
		if dest = s.hosts[target]; dest == nil {
			return c.badRequest("Compute host %s could not be found.", target)
		}
		if dest == sv.host {
			return c.badRequest("Cannot migrate to the host where the server exists.")
		}
	} else if dest = s.pickHostLocked(sv.host); dest == nil {
		return c.badRequest("No valid host was found. There are not enough hosts available.")
	}
	var m *migration
	if dest.schedulable() {
		m = s.newColdLocked(sv, dest, now)
	} else {
		m = s.newUnscheduledColdLocked(sv, now)
	}
	s.recordActionLocked(c.rid, "migrate", sv.id, m, now)
	return c.ok(http.StatusAccepted, nil)
}

// liveMigrate serves the "os-migrateLive" action. Before 2.34 the
// pre-checks answer at once (400 for the source host as destination, or
// when no other host exists); from 2.34 they run after the 202 and the
// migration ends "error".
func (s *Server) liveMigrate(r *fake.Request) fake.Response {
	c, resp, ok := s.begin(r, "")
	if !ok {
		return resp
	}
	args, problem := parseLiveMigrate(c, r.Body)
	if problem != "" {
		return c.badRequest("%s", problem)
	}
	id := r.PathValue("server_id")

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	sv := s.servers[id]
	if sv == nil {
		return c.notFound("Instance %s could not be found.", id)
	}
	info := sv.view(now)
	if info.TaskState != "" || info.Status != StatusActive {
		return c.conflict("%s", invalidState("os-migrateLive", info))
	}
	async := c.atLeast("2.34")
	var dest *host
	precheckFails := false
	if args.host != "" {
		if dest = s.hosts[args.host]; dest == nil {
			return c.badRequest("Compute host %s could not be found.", args.host)
		}
		if dest == sv.host {
			if !async {
				return c.badRequest("Unable to migrate instance (%s) to current host (%s).", id, dest.name)
			}
			precheckFails = true
		} else if scheduled := !args.force && c.atLeast("2.30"); scheduled && !dest.schedulable() {
			// Unless the move is forced (or older than 2.30, when naming
			// a host forced it), nova's scheduler checks the named host,
			// and a disabled or down compute service passes no filter.
			return s.refuseLiveLocked(c, sv, args.block, "nova.exception.NoValidHost", noValidHost(dest), now)
		} else if dest.isDown() {
			if !async {
				return c.badRequest("Compute service of %s is unavailable at this time.", dest.name)
			}
			precheckFails = true
		}
	} else if dest = s.pickHostLocked(sv.host); dest == nil && !async {
		return c.badRequest("No valid host was found. There are not enough hosts available.")
	}
	if sv.host.isDown() {
		// Nova's conductor needs the source's compute service up.
		return s.refuseLiveLocked(c, sv, args.block, "nova.exception.ComputeServiceUnavailable",
			fmt.Sprintf("Compute service of %s is unavailable at this time.", sv.host.name), now)
	}
	m := s.newLiveLocked(sv, dest, args.block, precheckFails, now)
	s.recordActionLocked(c.rid, "live-migration", sv.id, m, now)
	return c.ok(http.StatusAccepted, nil)
}

// confirmResize serves the "confirmResize" action: the server must wait in
// VERIFY_RESIZE with its migration "finished".
func (s *Server) confirmResize(r *fake.Request) fake.Response {
	return s.resizeDecision(r, "confirmResize", statusConfirming, statusConfirmed, s.timings.Confirming, http.StatusNoContent)
}

// revertResize serves the "revertResize" action, like confirmResize.
func (s *Server) revertResize(r *fake.Request) fake.Response {
	return s.resizeDecision(r, "revertResize", statusReverting, statusReverted, s.timings.Reverting, http.StatusAccepted)
}

func (s *Server) resizeDecision(r *fake.Request, name, during, final string, d time.Duration, status int) fake.Response {
	c, resp, ok := s.begin(r, "")
	if !ok {
		return resp
	}
	raw, problem := actionBody(r.Body, name)
	if problem != "" {
		return c.badRequest("%s", problem)
	}
	if !isNull(raw) {
		return c.badRequest("%s", invalidInput(name, raw, fmt.Sprintf("%s is not of type 'null'", compact(raw))))
	}
	id := r.PathValue("server_id")

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	sv := s.servers[id]
	if sv == nil {
		return c.notFound("Instance %s could not be found.", id)
	}
	info := sv.view(now)
	if info.Status != StatusVerifyResize {
		return c.conflict("%s", invalidState(name, info))
	}
	m := sv.mig
	if m.statusAt(now) != statusFinished {
		return c.badRequest("Instance has not been resized.")
	}
	m.cut(now, mark{during, now}, mark{final, now.Add(d)})
	if name == "confirmResize" {
		s.recordActionLocked(c.rid, name, sv.id, nil, now,
			fixedEvent{name: "compute_confirm_resize", host: m.source.name, start: now, finish: now.Add(d)})
	} else {
		s.recordActionLocked(c.rid, name, sv.id, nil, now,
			fixedEvent{name: "compute_revert_resize", host: m.dest.name, start: now, finish: now.Add(d / 2)},
			fixedEvent{name: "compute_finish_revert_resize", host: m.source.name, start: now.Add(d / 2), finish: now.Add(d)})
	}
	return c.ok(status, nil)
}
