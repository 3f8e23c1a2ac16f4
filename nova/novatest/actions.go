package novatest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"time"

	"github.com/cloudmigrate/cloudmigrate/internal/fake"
)

// action is one server action the fake serves.
type action struct {
	name    string // the body's key
	op      string
	handler func(*Server) fake.Handler
}

var actions = []action{
	{"migrate", OpMigrate, func(s *Server) fake.Handler { return s.migrate }},
	{"os-migrateLive", OpLiveMigrate, func(s *Server) fake.Handler { return s.liveMigrate }},
	{"confirmResize", OpConfirmResize, func(s *Server) fake.Handler { return s.confirmResize }},
	{"revertResize", OpRevertResize, func(s *Server) fake.Handler { return s.revertResize }},
}

// dispatchHeader marks the fake's own requests to its action operations.
const dispatchHeader = "X-Novatest-Dispatch"

// serverAction serves POST /servers/{server_id}/action. It checks the
// token and the version, reads the action's name from the body and hands
// the request to that action's operation, so that each action has its own
// call count and faults.
func (s *Server) serverAction(r *fake.Request) fake.Response {
	if s.checkAuth {
		if f := s.tokens.Check(r.Request); f != nil {
			return s.Error(f.Status, f.Code, f.Message)
		}
	}
	c, resp, ok := s.begin(r, "")
	if !ok {
		return resp
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(r.Body, &body); err != nil || len(body) == 0 {
		return c.badRequest("Malformed request body")
	}
	keys := make([]string, 0, len(body))
	for k := range body {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for i := range actions {
			if actions[i].name == k {
				return s.forward(r, &actions[i])
			}
		}
	}
	return c.notFound("There is no such action: %s", keys[0])
}

// forward sends the request on to the action's own operation and relays
// its answer. A dropped connection there drops this one too.
func (s *Server) forward(r *fake.Request, a *action) fake.Response {
	u := s.URL() + internalPrefix + "/servers/" + url.PathEscape(r.PathValue("server_id")) + "/" + a.name
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, u, bytes.NewReader(r.Body))
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	req.Header = r.Header.Clone()
	req.Header.Set(dispatchHeader, s.dispatchKey)
	resp, err := s.dispatch.Do(req)
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	h := resp.Header.Clone()
	for _, k := range []string{"Content-Length", "Content-Type", "Date"} {
		h.Del(k)
	}
	out := fake.Response{Status: resp.StatusCode, Header: h}
	if len(data) > 0 {
		out.Body = json.RawMessage(data)
	}
	return out
}

// internal guards an action operation: only forward may call it.
func (s *Server) internal(h fake.Handler) fake.Handler {
	return func(r *fake.Request) fake.Response {
		if r.Header.Get(dispatchHeader) != s.dispatchKey {
			return s.Error(http.StatusNotFound, "", "The resource could not be found.")
		}
		return h(r)
	}
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
	raw, problem := actionBody(body, "os-migrateLive")
	if problem != "" {
		return a, problem
	}
	args, ok := object(raw)
	if !ok {
		return a, invalidInput("os-migrateLive", raw, fmt.Sprintf("%s is not of type 'object'", compact(raw)))
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
	s.newColdLocked(sv, dest, now)
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
		}
	} else if dest = s.pickHostLocked(sv.host); dest == nil && !async {
		return c.badRequest("No valid host was found. There are not enough hosts available.")
	}
	s.newLiveLocked(sv, dest, args.block, precheckFails, now)
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
	return c.ok(status, nil)
}
