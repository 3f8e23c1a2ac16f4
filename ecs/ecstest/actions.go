package ecstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/cloudmigrate/cloudmigrate/ecs"
	"github.com/cloudmigrate/cloudmigrate/internal/fake"
)

// maxBatch is how many servers the service takes in one batch action.
const maxBatch = 1000

// batchAction is a parsed batch stop or start.
type batchAction struct {
	kind     jobKind
	servers  []string
	stopType string
}

// parseAction reads a body of POST /v1/{project_id}/cloudservers/action
// that holds os-stop or os-start, or returns a problem to report.
func parseAction(body []byte) (a batchAction, problem string) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil || top == nil {
		return a, "the request body must be a JSON object"
	}
	stop, isStop := top["os-stop"]
	start, isStart := top["os-start"]
	if isStop == isStart {
		return a, "the body must hold exactly one of os-stop and os-start"
	}
	raw := start
	a.kind = kindStart
	if isStop {
		raw, a.kind = stop, kindStop
	}
	var act struct {
		Type    *string `json:"type"`
		Servers []struct {
			ID *string `json:"id"`
		} `json:"servers"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&act); err != nil || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return a, "the action must be an object with servers (a list of {\"id\": ...}) and, for os-stop, type"
	}
	switch {
	case act.Type != nil && a.kind == kindStart:
		return a, "os-start takes no type"
	case act.Type != nil && *act.Type != string(ecs.StopSoft) && *act.Type != string(ecs.StopHard):
		return a, fmt.Sprintf("type must be SOFT or HARD, not %q", *act.Type)
	case len(act.Servers) == 0:
		return a, "servers must list at least one server"
	}
	if act.Type != nil {
		a.stopType = *act.Type
	}
	seen := map[string]bool{}
	for i, sv := range act.Servers {
		if sv.ID == nil || *sv.ID == "" {
			return a, fmt.Sprintf("servers[%d] has no id", i)
		}
		if seen[*sv.ID] {
			return a, fmt.Sprintf("server %s is listed twice", *sv.ID)
		}
		seen[*sv.ID] = true
		a.servers = append(a.servers, *sv.ID)
	}
	return a, ""
}

// routeAction picks the operation a POST .../cloudservers/action is for,
// from the action its body names.
func (s *Server) routeAction(r *fake.Request) (string, fake.Handler, bool) {
	var top map[string]json.RawMessage
	_ = json.Unmarshal(r.Body, &top)
	_, stop := top["os-stop"]
	_, start := top["os-start"]
	switch {
	case stop && !start:
		return OpStopServers, s.serverAction, true
	case start && !stop:
		return OpStartServers, s.serverAction, true
	}
	return OpServerAction, s.serverAction, true
}

// serverAction serves POST /v1/{project_id}/cloudservers/action with
// os-stop or os-start. The request is refused, checked in this order,
// when the project is not ProjectID, the body is not a valid action,
// it lists more than 1000 servers (ecs.CodeTooManyServers), a server is
// unknown (ecs.CodeServerNotFound) or a job is under way on one
// (ecs.CodeBusy). Otherwise it is accepted with a job that has one
// sub-job per server; a sub-job fails with ecs.CodeServerLocked for a
// locked server and ecs.CodeServerNotStopped for a server not in the
// status the action starts from (ACTIVE for a stop, SHUTOFF for a start).
func (s *Server) serverAction(r *fake.Request) fake.Response {
	if resp, ok := s.checkProject(r); !ok {
		return resp
	}
	a, problem := parseAction(r.Body)
	if problem != "" {
		return s.Error(http.StatusBadRequest, CodeInvalidParameter, "Invalid request body: "+problem)
	}
	if len(a.servers) > maxBatch {
		return s.Error(http.StatusBadRequest, ecs.CodeTooManyServers,
			fmt.Sprintf("The number of servers (%d) exceeds the maximum allowed (%d).", len(a.servers), maxBatch))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	from, verb := StatusActive, "stopped"
	if a.kind == kindStart {
		from, verb = StatusShutoff, "started"
	}
	subs := make([]subJob, 0, len(a.servers))
	for _, id := range a.servers {
		sv := s.servers[id]
		switch {
		case sv == nil:
			return s.Error(http.StatusNotFound, ecs.CodeServerNotFound, fmt.Sprintf("Instance[%s] could not be found.", id))
		case sv.active != nil:
			return s.Error(http.StatusNotImplemented, ecs.CodeBusy,
				fmt.Sprintf("Other commands are being executed on server %s (job %s). Try again later.", id, sv.active.id))
		}
		sub := subJob{serverID: id}
		switch {
		case sv.locked:
			sub.failCode, sub.failReason = ecs.CodeServerLocked, fmt.Sprintf("Server %s is locked.", id)
		case sv.status != from:
			sub.failCode = ecs.CodeServerNotStopped
			sub.failReason = fmt.Sprintf("Server %s is in status %s and cannot be %s.", id, sv.status, verb)
		}
		subs = append(subs, sub)
	}
	j := s.newJobLocked(a.kind, subs, s.actionFor, now)
	return fake.JSON(http.StatusOK, jobAnswer{JobID: j.id})
}

// jobAnswer is the answer to an accepted batch action.
type jobAnswer struct {
	JobID string `json:"job_id"`
}
