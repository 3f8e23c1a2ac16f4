package ecstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/cloudmigrate/cloudmigrate/ecs"
	"github.com/cloudmigrate/cloudmigrate/internal/fake"
)

// migrateResponse is the answer to an accepted cold migration.
type migrateResponse struct {
	JobID string `json:"job_id"`
}

// parseMigrate reads a cold-migrate body and returns the target host ("" for
// the public pool), or a problem to report. The "migrate" key is required;
// its value is null or an object whose only field is dedicated_host_id. An
// object without that field, or with it empty, also means the public pool.
func parseMigrate(body []byte) (host, problem string) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil || top == nil {
		return "", "the request body must be a JSON object"
	}
	raw, ok := top["migrate"]
	if !ok {
		return "", "migrate is required"
	}
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return "", ""
	}
	var target struct {
		DedicatedHostID *string `json:"dedicated_host_id"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&target); err != nil {
		return "", "migrate must be null or an object with the only field dedicated_host_id (a string)"
	}
	if target.DedicatedHostID == nil {
		return "", ""
	}
	return *target.DedicatedHostID, ""
}

// coldMigrate serves POST /v1/{project_id}/cloudservers/{server_id}/migrate.
// The checks run in this order: project, body, server exists, no job
// under way, not locked, stopped, target host exists and is available, a
// dedicated host is involved, not the same host. An accepted migration
// whose target lacks the room for the server's flavor ends FAIL with
// CodeNoCapacity.
func (s *Server) coldMigrate(r *fake.Request) fake.Response {
	if resp, ok := s.checkProject(r); !ok {
		return resp
	}
	target, problem := parseMigrate(r.Body)
	if problem != "" {
		return s.Error(http.StatusBadRequest, CodeInvalidParameter, "Invalid request body: "+problem)
	}
	id := r.PathValue("server_id")

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	sv := s.servers[id]
	var h *host
	if target != "" {
		h = s.hosts[target]
	}
	switch {
	case sv == nil:
		return s.Error(http.StatusNotFound, ecs.CodeServerNotFound, fmt.Sprintf("Instance[%s] could not be found.", id))
	case sv.active != nil:
		return s.Error(http.StatusNotImplemented, ecs.CodeBusy,
			fmt.Sprintf("Other commands are being executed on server %s (job %s). Try again later.", id, sv.active.id))
	case sv.locked:
		return s.Error(http.StatusBadRequest, ecs.CodeServerLocked, fmt.Sprintf("Server %s is locked.", id))
	case sv.status != StatusShutoff:
		return s.Error(http.StatusBadRequest, ecs.CodeServerNotStopped,
			fmt.Sprintf("Server %s is in status %s; only a stopped server can be cold migrated.", id, sv.status))
	case target != "" && h == nil:
		return s.Error(http.StatusBadRequest, CodeInvalidParameter, fmt.Sprintf("Dedicated host %s does not exist.", target))
	case h != nil && h.info.State != HostAvailable:
		return s.Error(http.StatusBadRequest, CodeInvalidParameter,
			fmt.Sprintf("Dedicated host %s is in state %s and takes no servers.", target, h.info.State))
	case target == "" && sv.host == "":
		return s.Error(http.StatusBadRequest, CodeInvalidParameter,
			fmt.Sprintf("Server %s is in the public resource pool; cold migration needs a dedicated host as source or target.", id))
	case target == sv.host:
		return s.Error(http.StatusBadRequest, ecs.CodeSameHost,
			fmt.Sprintf("Server %s is already on dedicated host %s.", id, target))
	}
	sub := subJob{serverID: id}
	sub.failCode, sub.failReason = s.takeFailureLocked()
	if sub.failCode == "" && h != nil {
		cpu, mem, _ := flavorSize(sv.flavor)
		free := s.hostInfoLocked(h)
		if free.AvailableVCPUs < cpu || free.AvailableMemory < mem {
			sub.failCode = CodeNoCapacity
			sub.failReason = fmt.Sprintf("dedicated host %s has %d vCPUs and %d MiB free; flavor %s needs %d vCPUs and %d MiB",
				target, free.AvailableVCPUs, free.AvailableMemory, sv.flavor, cpu, mem)
		}
	}
	j := s.newJobLocked(kindMigrate, []subJob{sub}, s.runFor, now)
	j.to = target
	if sub.failCode == "" {
		j.settleFor = s.settleFor
		if fault, ok := s.strands.Take(); ok {
			j.strand, j.strandFault = true, fault
		}
	}
	return fake.JSON(http.StatusOK, migrateResponse{JobID: j.id})
}
