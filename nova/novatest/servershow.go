package novatest

import (
	"net/http"
	"time"

	"github.com/cloudmigrate/cloudmigrate/internal/fake"
)

// addFault completes a server's view with what an ERROR or an evacuation
// shows: the vm_state "error" under a rebuild, and the fault nova recorded
// on a server in ERROR (code, message, created, and for admins details).
func addFault(rec map[string]any, sv *server, info ServerInfo) {
	if info.Status == StatusRebuild && sv.status == StatusError {
		rec["OS-EXT-STS:vm_state"] = "error"
	}
	if info.Status != StatusError || sv.fault == nil {
		return
	}
	rec["fault"] = map[string]any{
		"code":    sv.fault.code,
		"message": sv.fault.message,
		"details": sv.fault.details,
		"created": sv.fault.created.UTC().Format(time.RFC3339),
	}
}

// getServer serves GET /servers/{server_id}: the server as GET
// /servers/detail shows it, plus server_groups (the groups it is in:
// none) from 2.71, as nova's show view adds them. An unknown server is
// 404.
func (s *Server) getServer(r *fake.Request) fake.Response {
	c, resp, ok := s.begin(r, "")
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
	sv := s.servers[id]
	if sv == nil {
		return c.notFound("Instance %s could not be found.", id)
	}
	rec := s.serverDetail(c, sv, sv.view(now), now)
	if c.atLeast("2.71") {
		rec["server_groups"] = []any{}
	}
	return c.ok(http.StatusOK, map[string]any{"server": rec})
}
