package ecstest

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/cloudmigrate/cloudmigrate/internal/fake"
)

// wireHost is a dedicated host as the DeH API returns it.
type wireHost struct {
	ID               string            `json:"dedicated_host_id"`
	Name             string            `json:"name"`
	AutoPlacement    string            `json:"auto_placement"`
	AvailabilityZone string            `json:"availability_zone"`
	ProjectID        string            `json:"project_id"`
	Properties       wireHostProps     `json:"host_properties"`
	State            string            `json:"state"`
	AvailableVCPUs   int               `json:"available_vcpus"`
	AvailableMemory  int               `json:"available_memory"`
	AllocatedAt      string            `json:"allocated_at"`
	ReleasedAt       string            `json:"released_at"`
	InstanceTotal    int               `json:"instance_total"`
	InstanceUUIDs    []string          `json:"instance_uuids,omitempty"`
	Tags             map[string]string `json:"tags"`
	SysTags          map[string]string `json:"sys_tags"`
}

type wireHostProps struct {
	HostType     string              `json:"host_type"`
	HostTypeName string              `json:"host_type_name"`
	VCPUs        int                 `json:"vcpus"`
	Cores        int                 `json:"cores"`
	Sockets      int                 `json:"sockets"`
	Memory       int                 `json:"memory"`
	Capacities   []map[string]string `json:"available_instance_capacities"`
}

// wireHostServer is a server as the DeH API lists it on a host.
type wireHostServer struct {
	ID        string                `json:"id"`
	Name      string                `json:"name"`
	Status    string                `json:"status"`
	TaskState string                `json:"task_state"`
	Flavor    wireImage             `json:"flavor"`
	Image     wireImage             `json:"image"`
	Metadata  map[string]string     `json:"metadata"`
	Addresses map[string][]struct{} `json:"addresses"`
	TenantID  string                `json:"tenant_id"`
	UserID    string                `json:"user_id"`
	Created   string                `json:"created"`
	Updated   string                `json:"updated"`
}

// wireHostLocked returns a host as the DeH API shows it; withServers adds
// instance_uuids, which only the single-host answer carries. The caller
// holds s.mu and has settled the jobs.
func (s *Server) wireHostLocked(h *host, withServers bool) wireHost {
	info := s.hostInfoLocked(h)
	caps := make([]map[string]string, len(info.Flavors))
	for i, f := range info.Flavors {
		caps[i] = map[string]string{"flavor": f}
	}
	w := wireHost{
		ID: info.ID, Name: info.Name, AutoPlacement: "off", AvailabilityZone: info.AvailabilityZone,
		ProjectID: s.account.ProjectID, State: info.State,
		Properties: wireHostProps{
			HostType: info.HostType, HostTypeName: info.HostTypeName, VCPUs: info.VCPUs,
			Cores: max(info.VCPUs/2, 1), Sockets: 2, Memory: info.Memory, Capacities: caps,
		},
		AvailableVCPUs: info.AvailableVCPUs, AvailableMemory: info.AvailableMemory,
		AllocatedAt: h.allocated.UTC().Format(apiTime), InstanceTotal: len(info.ServerIDs),
		Tags: map[string]string{}, SysTags: map[string]string{},
	}
	if withServers {
		w.InstanceUUIDs = append([]string{}, info.ServerIDs...)
	}
	return w
}

// sortedHostIDs returns the hosts' IDs in the order the DeH list pages
// them.
func (s *Server) sortedHostIDs() []string {
	ids := make([]string, 0, len(s.hosts))
	for id := range s.hosts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// page cuts ids to the page after marker of at most limit entries (0: no
// limit); ok is false for a marker that is not in ids.
func page(ids []string, marker string, limit int) ([]string, bool) {
	if marker != "" {
		i := slices.Index(ids, marker)
		if i < 0 {
			return nil, false
		}
		ids = ids[i+1:]
	}
	if limit > 0 && len(ids) > limit {
		ids = ids[:limit]
	}
	return ids, true
}

// listHosts serves GET /v1.0/{project_id}/dedicated-hosts with the
// filters dedicated_host_id, name, host_type, host_type_name, flavor
// (among the host's placeable flavors), state, availability_zone,
// instance_uuid and changes-since (hosts allocated at or after it). The
// fake's hosts have no tags and none is released, so tags and released_at
// match none; tenant matches all for "all" or the project, none
// otherwise. Hosts are paged by limit and marker in the order of their
// IDs, and total counts those that match.
func (s *Server) listHosts(r *fake.Request) fake.Response {
	if resp, ok := s.checkProject(r); !ok {
		return resp
	}
	q := r.URL.Query()
	limit, ok := intParam(q, "limit", 0)
	if !ok {
		return s.Error(http.StatusBadRequest, CodeInvalidParameter, "Invalid limit: it must be a non-negative integer.")
	}
	var since time.Time
	if v := q.Get("changes-since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return s.Error(http.StatusBadRequest, CodeInvalidParameter, "Invalid changes-since: "+v)
		}
		since = t
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked(s.Clock().Now())
	tenant := q.Get("tenant")
	none := q.Get("tags") != "" || q.Get("released_at") != "" || tenant != "" && tenant != "all" && tenant != s.account.ProjectID
	var match []string
	for _, id := range s.sortedHostIDs() {
		h := s.hosts[id]
		info := s.hostInfoLocked(h)
		if none ||
			q.Get("dedicated_host_id") != "" && q.Get("dedicated_host_id") != id ||
			q.Get("name") != "" && q.Get("name") != info.Name ||
			q.Get("host_type") != "" && q.Get("host_type") != info.HostType ||
			q.Get("host_type_name") != "" && q.Get("host_type_name") != info.HostTypeName ||
			q.Get("flavor") != "" && !slices.Contains(info.Flavors, q.Get("flavor")) ||
			q.Get("state") != "" && q.Get("state") != info.State ||
			q.Get("availability_zone") != "" && q.Get("availability_zone") != info.AvailabilityZone ||
			q.Get("instance_uuid") != "" && !slices.Contains(info.ServerIDs, q.Get("instance_uuid")) ||
			!since.IsZero() && h.allocated.Before(since) {
			continue
		}
		match = append(match, id)
	}
	ids, ok := page(match, q.Get("marker"), limit)
	if !ok {
		return s.Error(http.StatusBadRequest, CodeInvalidParameter, fmt.Sprintf("Invalid marker %s.", q.Get("marker")))
	}
	hosts := make([]wireHost, 0, len(ids))
	for _, id := range ids {
		hosts = append(hosts, s.wireHostLocked(s.hosts[id], false))
	}
	return fake.JSON(http.StatusOK, map[string]any{"dedicated_hosts": hosts, "total": len(match)})
}

// getHost serves GET /v1.0/{project_id}/dedicated-hosts/{dedicated_host_id}.
func (s *Server) getHost(r *fake.Request) fake.Response {
	if resp, ok := s.checkProject(r); !ok {
		return resp
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked(s.Clock().Now())
	h := s.hosts[r.PathValue("dedicated_host_id")]
	if h == nil {
		return s.hostNotFound(r.PathValue("dedicated_host_id"))
	}
	return fake.JSON(http.StatusOK, map[string]any{"dedicated_host": s.wireHostLocked(h, true)})
}

// hostNotFound is the answer about an unknown host.
func (s *Server) hostNotFound(id string) fake.Response {
	return s.Error(http.StatusNotFound, CodeDedicatedHostNotFound, fmt.Sprintf("Dedicated host %s could not be found.", id))
}

// listHostServers serves
// GET /v1.0/{project_id}/dedicated-hosts/{dedicated_host_id}/servers: the
// servers settled on the host (a server being migrated is listed on its
// source until it settles on the target), paged by limit and marker in
// the order of their IDs.
func (s *Server) listHostServers(r *fake.Request) fake.Response {
	if resp, ok := s.checkProject(r); !ok {
		return resp
	}
	q := r.URL.Query()
	limit, ok := intParam(q, "limit", 0)
	if !ok {
		return s.Error(http.StatusBadRequest, CodeInvalidParameter, "Invalid limit: it must be a non-negative integer.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	hostID := r.PathValue("dedicated_host_id")
	if s.hosts[hostID] == nil {
		return s.hostNotFound(hostID)
	}
	ids, ok := page(s.serversOnLocked(hostID), q.Get("marker"), limit)
	if !ok {
		return s.Error(http.StatusBadRequest, CodeInvalidParameter, fmt.Sprintf("Invalid marker %s.", q.Get("marker")))
	}
	out := make([]wireHostServer, 0, len(ids))
	for _, id := range ids {
		sv := s.servers[id]
		w := s.wireServerLocked(sv, now)
		task := ""
		if w.TaskState != nil {
			task = *w.TaskState
		}
		out = append(out, wireHostServer{
			ID: sv.id, Name: sv.name, Status: w.Status, TaskState: task,
			Flavor: wireImage{sv.flavor}, Image: wireImage{DefaultImageID},
			Metadata:  map[string]string{"os_type": w.Metadata["os_type"]},
			Addresses: map[string][]struct{}{}, TenantID: s.account.ProjectID, UserID: DefaultUserID,
			Created: w.Created, Updated: w.Updated,
		})
	}
	return fake.JSON(http.StatusOK, map[string]any{"servers": out})
}
