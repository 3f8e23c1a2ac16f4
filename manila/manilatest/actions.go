package manilatest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/fake"
	"github.com/cloudmigrate/cloudmigrate/manila"
)

// serverRule is the version rule of every share-server migration action:
// 2.57 or later, always experimental.
var serverRule = rule{min: serverMigrationMin, experimental: true}

// registerActions serves the share-server and per-share actions under both
// URL forms, with and without the project ID. route has appended the
// action's name to the path.
func (s *Server) registerActions() {
	for _, prefix := range []string{sharePath + "/v2", sharePath + "/v2/{project_id}"} {
		sv := "POST " + prefix + "/share-servers/{share_server_id}/action/"
		s.Handle(OpCheck, sv+"migration_check", s.serverAction(s.locked(s.check)))
		s.Handle(OpStart, sv+"migration_start", s.serverAction(s.locked(s.start)))
		s.Handle(OpComplete, sv+"migration_complete", s.serverAction(s.locked(s.complete)))
		s.Handle(OpProgress, sv+"migration_get_progress", s.serverAction(s.progress))
		s.Handle(OpCancel, sv+"migration_cancel", s.serverAction(s.locked(s.cancel)))
		s.Handle(OpResetTaskState, sv+"reset_task_state", s.serverAction(s.locked(s.resetTaskState)))
		s.Handle(OpUnknownAction, sv+"{action}", s.unknownAction)

		sh := "POST " + prefix + "/shares/{share_id}/action/"
		s.Handle(OpShareStart, sh+"migration_start", s.shareAction(shareStartRule, s.shareStart))
		s.Handle(OpShareComplete, sh+"migration_complete", s.shareAction(shareRule, s.shareComplete))
		s.Handle(OpShareProgress, sh+"migration_get_progress", s.shareAction(shareProgressRule, s.shareProgress))
		s.Handle(OpShareCancel, sh+"migration_cancel", s.shareAction(shareRule, s.shareCancel))
		s.Handle(OpUnknownAction, sh+"{action}", s.unknownAction)
	}
	unknownRoute := func(*fake.Request) fake.Response { return routeNotFound() }
	progressGet := s.shareAction(shareProgressGetRule, s.shareProgress)
	v2 := "GET " + sharePath + "/v2"
	s.Handle(OpGetShareServer, v2+"/{project_id}/share-servers/{share_server_id}", s.getShareServer)
	s.Handle(OpListShareServers, v2+"/share-servers", s.listShareServers)
	s.Handle(OpShareProgressGet, v2+"/{project_id}/shares/{share_id}/migration-progress", progressGet)
	// A URL without the project ID has as many segments as another one
	// with it ("share-servers/{id}" and "{project_id}/share-servers"), so
	// one pattern takes both and the route tells them apart.
	s.HandleRoute(OpUnknownRoute, v2+"/{first}/{second}", func(r *fake.Request) (string, fake.Handler, bool) {
		first, second := r.PathValue("first"), r.PathValue("second")
		switch {
		case second == "share-servers":
			r.SetPathValue("project_id", first)
			return OpListShareServers, s.listShareServers, true
		case first == "share-servers":
			r.SetPathValue("share_server_id", second)
			return OpGetShareServer, s.getShareServer, true
		case first == "shares" && second == "detail":
			return OpListShares, s.listShares, true
		case first == "shares":
			r.SetPathValue("share_id", second)
			return OpGetShare, s.getShare, true
		}
		return OpUnknownRoute, unknownRoute, true
	})
	s.HandleRoute(OpUnknownRoute, v2+"/{first}/{id}/{leaf}", func(r *fake.Request) (string, fake.Handler, bool) {
		first, id, leaf := r.PathValue("first"), r.PathValue("id"), r.PathValue("leaf")
		switch {
		case first == "shares" && leaf == "migration-progress":
			r.SetPathValue("share_id", id)
			return OpShareProgressGet, progressGet, true
		case first == "shares" && leaf == "instances":
			r.SetPathValue("share_id", id)
			return OpListShareInstances, s.listShareInstances, true
		case id == "shares" && leaf == "detail":
			r.SetPathValue("project_id", first)
			return OpListShares, s.listShares, true
		case id == "shares":
			r.SetPathValue("project_id", first)
			r.SetPathValue("share_id", leaf)
			return OpGetShare, s.getShare, true
		}
		return OpUnknownRoute, unknownRoute, true
	})
	s.Handle(OpUnknownRoute, sharePath+"/{path...}", unknownRoute)
}

// routeNotFound is Manila's answer to a URL none of its routes match:
// not a fault, but the router's bare 404 as webob writes it for a client
// that accepts JSON.
func routeNotFound() fake.Response {
	return fake.JSON(http.StatusNotFound, map[string]string{
		"code":    "404 Not Found",
		"title":   "Not Found",
		"message": resourceNotFound + "<br /><br />\n\n\n",
	})
}

// serverAction admits a share-server action, then runs h.
func (s *Server) serverAction(h func(*call) fake.Response) fake.Handler {
	return func(r *fake.Request) fake.Response {
		c, resp, ok := s.admit(r, serverRule, "share_server_id")
		if !ok {
			return resp
		}
		return c.reply(h(c))
	}
}

// unknownAction answers an action body that names no action the fake
// serves.
func (s *Server) unknownAction(r *fake.Request) fake.Response {
	name := actionName(r.Body)
	if name == actionSuffix {
		var top map[string]json.RawMessage
		if json.Unmarshal(r.Body, &top) != nil {
			return s.Error(http.StatusBadRequest, FaultBadRequest, "Malformed request body")
		}
		return s.Error(http.StatusBadRequest, FaultBadRequest, "The action body must name exactly one action")
	}
	return s.Error(http.StatusBadRequest, FaultBadRequest, "There is no such action: "+name)
}

// Messages of Manila's share-server errors.
func serverNotFound(id string) string { return fmt.Sprintf("Share server %s could not be found.", id) }

func invalidServer(format string, args ...any) string {
	return "Invalid share server: " + fmt.Sprintf(format, args...)
}

// migrationParams is a decoded migration_check or migration_start body.
type migrationParams struct {
	host                                       string
	writable, nondisruptive, preserveSnapshots bool
	newNetwork                                 string
	raw                                        map[string]json.RawMessage
}

// parseMigration reads the {"<key>": {...}} body of migration_check or
// migration_start as Manila does: the four mandatory fields present, the
// flags booleans (or strict boolean strings), the host a string without a
// pool, and a new share network, if any, known. It returns the problem to
// answer 400 with.
func (s *Server) parseMigration(body []byte, key string) (*migrationParams, string) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return nil, "Malformed request body"
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(top[key], &raw); err != nil || len(raw) == 0 {
		return nil, "Request is missing body."
	}
	p := &migrationParams{raw: raw}
	var missing []string
	for _, k := range []string{"writable", "nondisruptive", "preserve_snapshots", "host"} {
		if _, ok := raw[k]; !ok {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return nil, "Must specify all mandatory parameters: " + strings.Join(missing, ", ")
	}
	flags := []struct {
		name string
		dst  *bool
	}{{"writable", &p.writable}, {"nondisruptive", &p.nondisruptive}, {"preserve_snapshots", &p.preserveSnapshots}}
	for _, f := range flags {
		v, ok := jsonBool(raw[f.name])
		if !ok {
			return nil, fmt.Sprintf("Invalid value %s for '%s': it must be a boolean.", bytes.TrimSpace(raw[f.name]), f.name)
		}
		*f.dst = v
	}
	if err := json.Unmarshal(raw["host"], &p.host); err != nil || p.host == "" {
		return nil, "The destination host must be a non-empty string."
	}
	if strings.Contains(p.host, "#") {
		return nil, "The destination host can not contain pool information."
	}
	if n, ok := raw["new_share_network_id"]; ok && !bytes.Equal(bytes.TrimSpace(n), []byte("null")) {
		if err := json.Unmarshal(n, &p.newNetwork); err != nil {
			return nil, "new_share_network_id must be a string or null."
		}
		if p.newNetwork != "" && !s.networks[p.newNetwork] {
			return nil, fmt.Sprintf("Share network %s not found.", p.newNetwork)
		}
	}
	return p, ""
}

// jsonBool reads a JSON boolean, 0 or 1, or a boolean string.
func jsonBool(raw json.RawMessage) (bool, bool) {
	switch strings.TrimSpace(string(raw)) {
	case "true", "1":
		return true, true
	case "false", "0":
		return false, true
	}
	var str string
	if json.Unmarshal(raw, &str) != nil {
		return false, false
	}
	return parseBool(str)
}

// requestedCapabilities echoes a check request, values as sent.
type requestedCapabilities struct {
	Writable          json.RawMessage `json:"writable"`
	Nondisruptive     json.RawMessage `json:"nondisruptive"`
	PreserveSnapshots json.RawMessage `json:"preserve_snapshots"`
	ShareNetworkID    json.RawMessage `json:"share_network_id"`
	Host              json.RawMessage `json:"host"`
}

// supportedCapabilities is the destination driver's answer; all null when
// there is no driver to ask.
type supportedCapabilities struct {
	Writable             *bool   `json:"writable"`
	Nondisruptive        *bool   `json:"nondisruptive"`
	PreserveSnapshots    *bool   `json:"preserve_snapshots"`
	ShareNetworkID       *string `json:"share_network_id"`
	MigrationCancel      *bool   `json:"migration_cancel"`
	MigrationGetProgress *bool   `json:"migration_get_progress"`
}

type checkResponse struct {
	Compatible            bool                  `json:"compatible"`
	RequestedCapabilities requestedCapabilities `json:"requested_capabilities"`
	SupportedCapabilities supportedCapabilities `json:"supported_capabilities"`
}

func ptr[T any](v T) *T { return &v }

// serverHandler answers an action on an existing share server, with the
// server's lock held, the server as it stands at now.
type serverHandler func(c *call, sv *shareServer, info ShareServerInfo, now time.Time) fake.Response

// locked takes the lock, reads the clock and looks the share server up
// (404 when it does not exist) before h runs.
func (s *Server) locked(h serverHandler) func(*call) fake.Response {
	return func(c *call) fake.Response {
		s.mu.Lock()
		defer s.mu.Unlock()
		now := s.Clock().Now()
		sv, info, ok := s.lookupLocked(c.id, now)
		if !ok {
			return s.Error(http.StatusNotFound, FaultNotFound, serverNotFound(c.id))
		}
		return h(c, sv, info, now)
	}
}

// check serves migration_check (200). It refuses what migration_start
// refuses before the move begins, in Manila's order: a bad body (400), a
// share server that is not active (409), a move that changes nothing
// (409) and an unknown destination back end (404). Otherwise the
// destination's capabilities decide whether the move is compatible. A
// body without new_share_network_id passes every check and then fails
// with 500, as Manila's view of the answer reads that key unconditionally.
func (s *Server) check(c *call, sv *shareServer, info ShareServerInfo, now time.Time) fake.Response {
	p, refusal, ok := s.parseForMove(c, sv, info, "migration_check")
	if !ok {
		return refusal
	}
	if _, sent := p.raw["new_share_network_id"]; !sent {
		// No fault name: errorBody names a 500 computeFault, as Manila does.
		return s.Error(http.StatusInternalServerError, "",
			"The server has either erred or is incapable of performing the requested operation.")
	}
	out := checkResponse{RequestedCapabilities: requestedCapabilities{
		Writable:          p.raw["writable"],
		Nondisruptive:     p.raw["nondisruptive"],
		PreserveSnapshots: p.raw["preserve_snapshots"],
		ShareNetworkID:    p.raw["new_share_network_id"],
		Host:              p.raw["host"],
	}}
	caps := s.backends[p.host]
	network := sv.network
	if p.newNetwork != "" {
		network = p.newNetwork
	}
	out.Compatible = caps.covers(p.writable, p.nondisruptive, p.preserveSnapshots)
	out.SupportedCapabilities = supportedCapabilities{
		Writable:             ptr(caps.Writable),
		Nondisruptive:        ptr(caps.Nondisruptive),
		PreserveSnapshots:    ptr(caps.PreserveSnapshots),
		ShareNetworkID:       &network,
		MigrationCancel:      ptr(true),
		MigrationGetProgress: ptr(true),
	}
	return fake.JSON(http.StatusOK, out)
}

// sameDestination reports whether a migration would change nothing: the
// same back end and the same share network.
func sameDestination(sv *shareServer, p *migrationParams) bool {
	return p.host == sv.host && (p.newNetwork == "" || p.newNetwork == sv.network)
}

// parseForActive reads a check or start body (400 when it is wrong) for a
// share server that must be active (409 otherwise).
func (s *Server) parseForActive(c *call, info ShareServerInfo, action string) (*migrationParams, fake.Response, bool) {
	p, problem := s.parseMigration(c.Body, action)
	if problem != "" {
		return nil, s.Error(http.StatusBadRequest, FaultBadRequest, problem), false
	}
	if info.Status != StatusActive {
		return nil, s.Error(http.StatusConflict, FaultConflict, notActive(info)), false
	}
	return p, fake.Response{}, true
}

func notActive(info ShareServerInfo) string {
	return invalidServer("Share server %s status must be active, but current status is: %s.", info.ID, info.Status)
}

// parseForMove reads a check or start body and refuses the move as
// Manila does before either begins: a bad body (400), a share server
// that is not active (409), a move that changes nothing (409), a
// destination back end that does not exist or whose share service is
// disabled (404, as Manila's lookup of enabled services answers) and a
// share on the share server that is not available (409).
func (s *Server) parseForMove(c *call, sv *shareServer, info ShareServerInfo, action string) (*migrationParams, fake.Response, bool) {
	p, refusal, ok := s.parseForActive(c, info, action)
	if !ok {
		return nil, refusal, false
	}
	if sameDestination(sv, p) {
		return nil, s.Error(http.StatusConflict, FaultConflict, invalidServer("There is no difference between source and "+
			"destination backends and between source and destination share networks. Share server migration will not proceed.")), false
	}
	if !s.backendUsableLocked(p.host) {
		// Manila looks the destination up among the enabled share
		// services: an unknown or a disabled one is not found.
		return nil, s.Error(http.StatusNotFound, FaultNotFound, fmt.Sprintf("Service %s could not be found.", p.host)), false
	}
	if busy := s.busyShareLocked(sv, s.Clock().Now()); busy != "" {
		return nil, s.Error(http.StatusConflict, FaultConflict, busy), false
	}
	return p, fake.Response{}, true
}

// start serves migration_start (202, no body) once parseForMove accepts
// it. The migration then runs on the clock; one that asks for guarantees
// the destination lacks ends in migration_error before the driver
// starts.
func (s *Server) start(c *call, sv *shareServer, info ShareServerInfo, now time.Time) fake.Response {
	p, refusal, ok := s.parseForMove(c, sv, info, "migration_start")
	if !ok {
		return refusal
	}
	caps := s.backends[p.host]
	rejected := !caps.covers(p.writable, p.nondisruptive, p.preserveSnapshots)
	failed := !rejected && s.takeFailureLocked()
	mig := newMigration(now, phase1Steps(s.durations, failed, rejected, false))
	mig.cleanup = s.durations.Cleanup
	network := sv.network
	if p.newNetwork != "" {
		network = p.newNetwork
	}
	dest := &shareServer{id: s.newServerIDLocked(), host: p.host, network: network, created: mig, source: sv}
	s.servers[dest.id] = dest
	sv.mig, sv.dest = mig, dest
	return fake.Response{Status: http.StatusAccepted}
}

// migrationCompletion is the answer to migration_complete.
type migrationCompletion struct {
	DestinationShareServerID string `json:"destination_share_server_id"`
}

// complete serves migration_complete (200 with the destination's ID),
// accepted only at migration_driver_phase1_done.
func (s *Server) complete(c *call, sv *shareServer, info ShareServerInfo, now time.Time) fake.Response {
	if info.Status != StatusServerMigrating {
		return s.Error(http.StatusBadRequest, FaultBadRequest, invalidServer("Share server %s is not migrating", c.id))
	}
	if info.TaskState != tsPhase1Done {
		return s.Error(http.StatusBadRequest, FaultBadRequest, invalidServer(
			"The first phase of migration has to finish to request the completion of server %s's migration.", c.id))
	}
	sv.mig.add(segComplete, now, fake.Step{State: tsCompleting, For: s.durations.Completing}, fake.Step{State: tsSuccess})
	return fake.JSON(http.StatusOK, migrationCompletion{DestinationShareServerID: sv.dest.id})
}

// cancel serves migration_cancel (202), accepted only at
// migration_driver_in_progress or migration_driver_phase1_done.
func (s *Server) cancel(c *call, sv *shareServer, info ShareServerInfo, now time.Time) fake.Response {
	if info.Status != StatusServerMigrating {
		return s.Error(http.StatusBadRequest, FaultBadRequest, invalidServer(
			"Migration of share server %s cannot be cancelled because the provided share server is not being migrated.", c.id))
	}
	if info.TaskState != tsDriverInProgress && info.TaskState != tsPhase1Done {
		return s.Error(http.StatusBadRequest, FaultBadRequest, invalidServer(
			"Migration of share server %s can be cancelled only after the driver already started the migration, "+
				"or when the first phase of the migration gets completed.", c.id))
	}
	sv.mig.add(segCancel, now, fake.Step{State: tsCancelInProgress, For: s.durations.Cancelling}, fake.Step{State: tsCancelled})
	return fake.Response{Status: http.StatusAccepted}
}

// migrationProgress is the answer to migration_get_progress.
type migrationProgress struct {
	TotalProgress            int    `json:"total_progress"`
	TaskState                string `json:"task_state"`
	DestinationShareServerID string `json:"destination_share_server_id"`
}

// progressLocked returns the progress answer for a migration at now.
// Before the destination exists, Manila reports empty strings, unless the
// migration already ended (or an administrator set the state).
func progressLocked(sv *shareServer, o outcome) migrationProgress {
	out := migrationProgress{TotalProgress: o.progress}
	switch {
	case o.destinationExists:
		out.TaskState, out.DestinationShareServerID = o.state, sv.dest.id
	case o.kind != segPhase1 || ending(o.state):
		out.TaskState = o.state
	}
	return out
}

// goneSourceProgress is Manila's progress answer for the source of a
// successful migration that no longer exists: the destination's task
// state (migration_success unless an administrator reset it; null when
// reset to none).
type goneSourceProgress struct {
	TotalProgress            int     `json:"total_progress"`
	TaskState                *string `json:"task_state"`
	DestinationShareServerID string  `json:"destination_share_server_id"`
}

// destinationNotFound is Manila's message when it looks for the
// destination of a share server and finds none: for a share server it
// does not know (which it takes for the deleted source of a migration),
// and for the source of a migration whose destination does not exist yet.
func destinationNotFound(id string) string {
	return invalidServer("A destination share server wasn't found for source share server %s.", id)
}

// progress serves migration_get_progress (200). Like Manila, it answers
// only for the source of a migration under way (status server_migrating):
// any other share server gets 400, among them the source once the
// migration has ended (active after a cancellation or a failure, inactive
// after a success), and the source of a migration under way before its
// destination exists. A source that was deleted after a successful
// migration answers with 100 and the destination's ID; an ID Manila does
// not know gets 400 too, as Manila looks for a migration from it.
func (s *Server) progress(c *call) fake.Response {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	sv, info, ok := s.lookupLocked(c.id, now)
	if !ok {
		if dest := s.successorLocked(c.id, now); dest != nil {
			out := goneSourceProgress{TotalProgress: 100, DestinationShareServerID: dest.id}
			if info, _ := dest.view(now); info.TaskState != "" {
				out.TaskState = &info.TaskState
			}
			return fake.JSON(http.StatusOK, out)
		}
		return s.Error(http.StatusBadRequest, FaultBadRequest, destinationNotFound(c.id))
	}
	if info.Status != StatusServerMigrating {
		return s.Error(http.StatusBadRequest, FaultBadRequest, invalidServer(
			"Migration progress of share server %s cannot be obtained. The provided share server is not being migrated.", c.id))
	}
	o := sv.mig.at(now)
	if !o.destinationExists {
		return s.Error(http.StatusBadRequest, FaultBadRequest, destinationNotFound(c.id))
	}
	return fake.JSON(http.StatusOK, progressLocked(sv, o))
}

// Microversions that add fields to the share-server resource.
var (
	autoDeletableMin = auth.MustParseMicroversion("2.49")
	subnetIDMin      = auth.MustParseMicroversion("2.51")
	subnetIDsMin     = auth.MustParseMicroversion("2.70")
	secServiceMin    = auth.MustParseMicroversion("2.63")
	encryptionKeyMin = auth.MustParseMicroversion("2.90")
	showRule         = rule{min: base}
)

// timestamp writes a time as Manila does (UTC, microseconds, no zone), or
// null for the zero time.
func timestamp(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000")
}

// nullIfEmpty returns nil (JSON null) for "".
func nullIfEmpty(v string) any {
	if v == "" {
		return nil
	}
	return v
}

// getShareServer serves GET .../share-servers/{id} (200, any
// microversion, not experimental) with Manila's fields for the version
// asked: task_state and source_share_server_id from 2.57 on. A share
// server that does not exist (yet, or any more) gets 404.
func (s *Server) getShareServer(r *fake.Request) fake.Response {
	c, resp, ok := s.admit(r, showRule, "share_server_id")
	if !ok {
		return resp
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	sv, info, ok := s.lookupLocked(c.id, now)
	if !ok {
		return c.reply(s.Error(http.StatusNotFound, FaultNotFound, serverNotFound(c.id)))
	}
	return c.reply(fake.JSON(http.StatusOK, map[string]any{"share_server": s.serverView(sv, info, now, c.version, true)}))
}

// listShareServers serves GET .../share-servers (200, any microversion):
// every share server that exists, in Manila's summary view (no
// created_at, no backend_details), filtered on the query parameters as
// Manila's database filter does: each one an exact match, and a
// parameter it does not know matches nothing.
func (s *Server) listShareServers(r *fake.Request) fake.Response {
	c, resp, ok := s.admit(r, showRule, "")
	if !ok {
		return resp
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	ids := make([]string, 0, len(s.servers))
	for id := range s.servers {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	list := []map[string]any{}
	for _, id := range ids {
		sv, info, ok := s.lookupLocked(id, now)
		if !ok {
			continue
		}
		if s.matchesLocked(info, r.URL.Query()) {
			list = append(list, s.serverView(sv, info, now, c.version, false))
		}
	}
	return c.reply(fake.JSON(http.StatusOK, map[string]any{"share_servers": list}))
}

// matchesLocked reports whether a share server passes the list filters.
func (s *Server) matchesLocked(info ShareServerInfo, q url.Values) bool {
	fields := map[string]string{
		"id": info.ID, "host": info.Host, "status": info.Status, "task_state": info.TaskState,
		"source_share_server_id": info.SourceShareServerID, "identifier": info.ID,
		"share_network_id": info.ShareNetworkID, "share_network": info.ShareNetworkID, "project_id": s.projectID,
	}
	for k, vs := range q {
		have, known := fields[k]
		if !known {
			return false
		}
		for _, v := range vs {
			if v != have {
				return false
			}
		}
	}
	return true
}

// serverView is a share server as Manila shows it at version v: the
// detailed view of GET share-servers/{id}, or the summary of the list.
func (s *Server) serverView(sv *shareServer, info ShareServerInfo, now time.Time, v auth.Microversion, detailed bool) map[string]any {
	created, updated := sv.times(now)
	doc := map[string]any{
		"id":               info.ID,
		"project_id":       s.projectID,
		"status":           info.Status,
		"host":             info.Host,
		"share_network_id": info.ShareNetworkID,
		// Manila writes the network's name, or its ID when it has none;
		// the fake's networks have no names.
		"share_network_name": info.ShareNetworkID,
		"updated_at":         timestamp(updated),
	}
	if detailed {
		doc["created_at"] = timestamp(created)
		doc["backend_details"] = map[string]string{}
	}
	if v.AtLeast(autoDeletableMin) {
		doc["is_auto_deletable"] = true
		doc["identifier"] = info.ID
	}
	if v.AtLeast(subnetIDMin) && v.Less(subnetIDsMin) {
		doc["share_network_subnet_id"] = nil
	}
	if v.AtLeast(serverMigrationMin) {
		doc["task_state"] = nullIfEmpty(info.TaskState)
		doc["source_share_server_id"] = nullIfEmpty(info.SourceShareServerID)
	}
	if v.AtLeast(secServiceMin) {
		doc["security_service_update_support"] = false
	}
	if v.AtLeast(subnetIDsMin) {
		doc["share_network_subnet_ids"] = []string{}
		doc["network_allocation_update_support"] = false
	}
	if v.AtLeast(encryptionKeyMin) {
		doc["encryption_key_ref"] = nil
	}
	return doc
}

// resetTaskState serves reset_task_state (202). The value must be one of
// the share-server task states Manila accepts, or null (also when the
// field is missing), which clears it. A migration under way stops moving.
func (s *Server) resetTaskState(c *call, sv *shareServer, _ ShareServerInfo, now time.Time) fake.Response {
	var body struct {
		Reset *struct {
			TaskState *string `json:"task_state"`
		} `json:"reset_task_state"`
	}
	if err := json.Unmarshal(c.Body, &body); err != nil || body.Reset == nil {
		return s.Error(http.StatusBadRequest, FaultBadRequest, "Must specify 'reset_task_state' with a task_state.")
	}
	state := ""
	if v := body.Reset.TaskState; v != nil {
		if !manila.TaskState(*v).Resettable() {
			return s.Error(http.StatusBadRequest, FaultBadRequest,
				fmt.Sprintf("Invalid task_state %q: it must be a share server task state or null.", *v))
		}
		state = *v
	}
	if sv.mig != nil {
		sv.mig.add(segReset, now, fake.Step{State: state})
	} else {
		sv.taskState, sv.resetAt = state, now
	}
	return fake.Response{Status: http.StatusAccepted}
}
