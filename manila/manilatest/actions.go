package manilatest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
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
		s.Handle(OpGetShareServer, "GET "+prefix+"/share-servers/{share_server_id}", s.getShareServer)

		sh := "POST " + prefix + "/shares/{share_id}/action/"
		s.Handle(OpShareStart, sh+"migration_start", s.shareAction(shareStartRule, s.shareStart))
		s.Handle(OpShareComplete, sh+"migration_complete", s.shareAction(shareRule, s.shareComplete))
		s.Handle(OpShareProgress, sh+"migration_get_progress", s.shareAction(shareProgressRule, s.shareProgress))
		s.Handle(OpShareCancel, sh+"migration_cancel", s.shareAction(shareRule, s.shareCancel))
		s.Handle(OpUnknownAction, sh+"{action}", s.unknownAction)
	}
	s.Handle(OpUnknownRoute, sharePath+"/{path...}", func(*fake.Request) fake.Response {
		return s.Error(http.StatusNotFound, FaultNotFound, "The resource could not be found.")
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

// nullIfAbsent returns raw, or JSON null when it is missing.
func nullIfAbsent(raw json.RawMessage) json.RawMessage {
	if len(bytes.TrimSpace(raw)) == 0 {
		return json.RawMessage("null")
	}
	return raw
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

// check serves migration_check (200). A destination the fake does not
// know, or one that changes nothing (same back end, same share network),
// is incompatible with every supported capability null; otherwise the
// back end's capabilities decide.
func (s *Server) check(c *call, sv *shareServer, info ShareServerInfo, now time.Time) fake.Response {
	p, refusal, ok := s.parseForActive(c, info, "migration_check")
	if !ok {
		return refusal
	}
	out := checkResponse{RequestedCapabilities: requestedCapabilities{
		Writable:          p.raw["writable"],
		Nondisruptive:     p.raw["nondisruptive"],
		PreserveSnapshots: p.raw["preserve_snapshots"],
		ShareNetworkID:    nullIfAbsent(p.raw["new_share_network_id"]),
		Host:              p.raw["host"],
	}}
	caps, known := s.backends[p.host]
	if known && !sameDestination(sv, p) {
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

// start serves migration_start (202, no body). After the body checks
// (400), the server must be active (409), the move must change something
// (409) and the destination back end must exist (404, as Manila's
// service lookup answers). The migration then runs on the clock; one that
// asks for guarantees the destination lacks ends in migration_error
// before the driver starts.
func (s *Server) start(c *call, sv *shareServer, info ShareServerInfo, now time.Time) fake.Response {
	p, refusal, ok := s.parseForActive(c, info, "migration_start")
	if !ok {
		return refusal
	}
	if sameDestination(sv, p) {
		return s.Error(http.StatusConflict, FaultConflict, invalidServer("There is no difference between source and "+
			"destination backends and between source and destination share networks. Share server migration will not proceed."))
	}
	caps, known := s.backends[p.host]
	if !known {
		return s.Error(http.StatusNotFound, FaultNotFound, fmt.Sprintf("Service %s could not be found.", p.host))
	}
	rejected := !caps.covers(p.writable, p.nondisruptive, p.preserveSnapshots)
	failed := !rejected && s.takeFailureLocked()
	mig := newMigration(now, phase1Steps(s.durations, failed, rejected, false))
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
// successful migration that no longer exists: no task state.
type goneSourceProgress struct {
	TotalProgress            int     `json:"total_progress"`
	TaskState                *string `json:"task_state"`
	DestinationShareServerID string  `json:"destination_share_server_id"`
}

// progress serves migration_get_progress (200). Like Manila, it answers
// only for the source of a migration under way (status server_migrating):
// any other share server gets 400, among them the source once the
// migration has ended (active after a cancellation or a failure, inactive
// after a success). A source that was removed after a successful
// migration answers with 100 and the destination's ID.
func (s *Server) progress(c *call) fake.Response {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	sv, info, ok := s.lookupLocked(c.id, now)
	if !ok {
		if dest := s.successorLocked(c.id, now); dest != nil {
			return fake.JSON(http.StatusOK, goneSourceProgress{TotalProgress: 100, DestinationShareServerID: dest.id})
		}
		return s.Error(http.StatusNotFound, FaultNotFound, serverNotFound(c.id))
	}
	if info.Status != StatusServerMigrating {
		return s.Error(http.StatusBadRequest, FaultBadRequest, invalidServer(
			"Migration progress of share server %s cannot be obtained. The provided share server is not being migrated.", c.id))
	}
	return fake.JSON(http.StatusOK, progressLocked(sv, sv.mig.at(now)))
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
	created, updated := sv.times(now)
	doc := map[string]any{
		"id":                 info.ID,
		"project_id":         s.projectID,
		"status":             info.Status,
		"host":               info.Host,
		"share_network_id":   info.ShareNetworkID,
		"share_network_name": nil,
		"created_at":         timestamp(created),
		"updated_at":         timestamp(updated),
		"backend_details":    map[string]string{},
	}
	v := c.version
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
	return c.reply(fake.JSON(http.StatusOK, map[string]any{"share_server": doc}))
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
