package novatest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cloudmigrate/cloudmigrate/internal/fake"
)

// The figures of every compute host of the fake, as GET /os-hypervisors
// shows them up to microversion 2.87 (2.88 removed them; the fake then
// omits them, as nova does).
const (
	// HostVCPUs is the number of CPUs (threads) of each host: 2 sockets
	// of 8 cores with 2 threads.
	HostVCPUs = 32
	// HostMemoryMB is each host's memory in MiB.
	HostMemoryMB = 128 * 1024
	// HostDiskGB is each host's local disk in GiB.
	HostDiskGB = 1000
	// ReservedHostMemoryMB is the memory each host keeps for itself
	// (nova's reserved_host_memory_mb default), counted as used.
	ReservedHostMemoryMB = 512
	// HypervisorType is the hypervisor_type of every host.
	HypervisorType = "QEMU"
	// HypervisorVersion is the hypervisor_version of every host: QEMU
	// 8.2.0 as nova encodes it.
	HypervisorVersion = 8002000
)

// cpuInfo is the libvirt driver's cpu_info of every host. The routes below
// follow HypervisorsController in nova/api/openstack/compute/hypervisors.py
// and nova/api/openstack/compute/schemas/hypervisors.py, openstack/nova at
// 00a030403f672b975364c855b7d25b40ef83e757.
var cpuInfo = map[string]any{
	"arch":     "x86_64",
	"model":    "Cascadelake-Server",
	"vendor":   "Intel",
	"features": []string{"avx512f", "pge", "clflush", "vmx"},
	"topology": map[string]int{"sockets": 2, "cores": 8, "threads": 2},
}

// hostIndexLocked returns the position of h among the hosts, from 0. The
// caller holds s.mu.
func (s *Server) hostIndexLocked(h *host) int {
	for i, o := range s.hostOrder {
		if o == h {
			return i
		}
	}
	return -1
}

func hypervisorUUID(h *host) string { return nameUUID("hypervisor", h.node) }

// onHostLocked returns the servers on h at now, by the host they show:
// the source during a live migration, the destination once a cold one has
// finished. The caller holds s.mu and has settled the state.
func (s *Server) onHostLocked(h *host, now time.Time) []*server {
	var out []*server
	for _, sv := range s.servers {
		if sv.view(now).Host == h.name {
			out = append(out, sv)
		}
	}
	return out
}

// hypervisorView is the host's compute node as GET /os-hypervisors/detail
// and GET /os-hypervisors/{id} show it at the request's version: the
// integer IDs before 2.53 and the UUIDs from 2.53; the figures, with
// cpu_info as a string before 2.28 and an object from 2.28, up to 2.87;
// uptime from 2.88 (null while the host is down); the servers when asked
// for (an empty list from 2.75). The caller holds s.mu and has settled the
// state.
func (s *Server) hypervisorView(c *call, h *host, withServers bool, now time.Time) map[string]any {
	i := s.hostIndexLocked(h)
	state, status := "up", "enabled"
	if h.isDown() {
		state = "down"
	}
	if h.svc.disabled {
		status = "disabled"
	}
	var reason any
	if h.svc.reason != "" {
		reason = h.svc.reason
	}
	svc := map[string]any{"id": len(controlBinaries) + i + 1, "host": h.name, "disabled_reason": reason}
	rec := map[string]any{
		"id":                  i + 1,
		"hypervisor_hostname": h.node,
		"state":               state,
		"status":              status,
		"hypervisor_type":     HypervisorType,
		"hypervisor_version":  HypervisorVersion,
		"host_ip":             h.ip,
		"service":             svc,
	}
	if c.atLeast("2.53") {
		rec["id"] = hypervisorUUID(h)
		svc["id"] = nameUUID("service", binaryCompute, h.name)
	}
	servers := s.onHostLocked(h, now)
	slices.SortFunc(servers, newestServerFirst)
	if !c.atLeast("2.88") {
		vcpus, memMB, diskGB, busy := 0, int64(ReservedHostMemoryMB), int64(0), 0
		for _, sv := range servers {
			vcpus += flavorVCPUs
			memMB += sv.memory >> 20
			diskGB += sv.disk >> 30
			if sv.view(now).TaskState != "" {
				busy++
			}
		}
		rec["vcpus"], rec["vcpus_used"] = HostVCPUs, vcpus
		rec["memory_mb"], rec["memory_mb_used"] = HostMemoryMB, memMB
		rec["local_gb"], rec["local_gb_used"] = HostDiskGB, diskGB
		rec["free_ram_mb"] = HostMemoryMB - memMB
		rec["free_disk_gb"] = HostDiskGB - diskGB
		rec["disk_available_least"] = HostDiskGB - diskGB
		rec["running_vms"] = len(servers)
		rec["current_workload"] = busy
		if c.atLeast("2.28") {
			rec["cpu_info"] = cpuInfo
		} else {
			text, _ := json.Marshal(cpuInfo)
			rec["cpu_info"] = string(text)
		}
	} else {
		var uptime any
		if !h.isDown() {
			uptime = fmt.Sprintf(" %s up 42 days,  3:14,  1 user,  load average: %d.00, 0.50, 0.25",
				now.UTC().Format("15:04:05"), len(servers))
		}
		rec["uptime"] = uptime
	}
	if withServers {
		if len(servers) > 0 {
			list := make([]any, len(servers))
			for j, sv := range servers {
				list[j] = map[string]string{"name": sv.id, "uuid": sv.id}
			}
			rec["servers"] = list
		} else if c.atLeast("2.75") {
			rec["servers"] = []any{}
		}
	}
	return rec
}

// like reports whether name matches pattern as SQL's LIKE '%pattern%'
// does under MySQL's usual case-insensitive collation: pattern anywhere
// in name, '_' standing for any one character. (Nova's schema keeps '%'
// out of the pattern.)
func like(name, pattern string) bool {
	n, p := []rune(strings.ToLower(name)), []rune(strings.ToLower(pattern))
	for start := 0; start+len(p) <= len(n); start++ {
		ok := true
		for k, r := range p {
			if r != '_' && r != n[start+k] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// hypervisorQuery is the query of GET /os-hypervisors/detail.
type hypervisorQuery struct {
	pattern     string
	hasPattern  bool
	withServers bool
	paging      bool // 2.33 and later
	limit       int
	hasLimit    bool
	marker      string
	hasMarker   bool
}

// single returns the one value of k, or nova's message when it has more
// (single_param: at most one item).
func single(vs []string, k string) (string, string) {
	if len(vs) > 1 {
		list := "['" + strings.Join(vs, "', '") + "']"
		return "", fmt.Sprintf("Invalid input for query parameters %s. Value: %s. %s is too long", k, list, list)
	}
	return vs[0], ""
}

// parseWithServers reads nova's boolean with_servers.
func parseWithServers(v string) (bool, string) {
	b, ok := parseBool(json.RawMessage(strconv.Quote(v)))
	if !ok {
		return false, fmt.Sprintf("Invalid input for query parameters with_servers. Value: %s. '%s' is not one of %s", v, v, pyBooleans)
	}
	return b, ""
}

// parseHypervisorQuery reads the query of GET /os-hypervisors/detail by
// the request's version: before 2.33 everything is ignored; from 2.33
// limit (a non-negative integer) and marker; from 2.53 also
// hypervisor_hostname_pattern (nova's host pattern) and with_servers
// (nova's boolean), each at most once, and nothing else.
func parseHypervisorQuery(c *call) (q hypervisorQuery, problem string) {
	params := c.r.URL.Query()
	q.limit = maxLimit
	if !c.atLeast("2.33") {
		return q, ""
	}
	q.paging = true
	strict := c.atLeast("2.53")
	if strict {
		if problem := onlyParams(params, "limit", "marker", "hypervisor_hostname_pattern", "with_servers"); problem != "" {
			return q, problem
		}
	}
	get := func(k string) (string, bool, string) {
		vs, ok := params[k]
		if !ok || len(vs) == 0 {
			return "", false, ""
		}
		if strict {
			v, problem := single(vs, k)
			return v, true, problem
		}
		return vs[len(vs)-1], true, ""
	}
	v, ok, problem := get("limit")
	if problem != "" {
		return q, problem
	}
	if ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return q, fmt.Sprintf("Invalid input for query parameters limit. Value: %s. '%s' does not match '^[0-9]*$'", v, v)
		}
		q.limit, q.hasLimit = min(n, maxLimit), true
	}
	if q.marker, q.hasMarker, problem = get("marker"); problem != "" {
		return q, problem
	}
	if !strict {
		return q, ""
	}
	if q.pattern, q.hasPattern, problem = get("hypervisor_hostname_pattern"); problem != "" {
		return q, problem
	}
	if q.hasPattern && !hostPattern.MatchString(q.pattern) {
		return q, fmt.Sprintf("Invalid input for query parameters hypervisor_hostname_pattern. Value: %s. '%s' does not match '^[a-zA-Z0-9-._]*$'", q.pattern, q.pattern)
	}
	if w, ok, problem := get("with_servers"); problem != "" {
		return q, problem
	} else if ok {
		if q.withServers, problem = parseWithServers(w); problem != "" {
			return q, problem
		}
	}
	return q, ""
}

// listHypervisors serves GET /os-hypervisors/detail: every host's compute
// node in the order AddHost saw them, paged from 2.33 by limit and marker
// (the node's integer ID, or from 2.53 its UUID) with a "next" link in
// hypervisors_links when a page is full; from 2.53 filtered by
// hypervisor_hostname_pattern (404 when nothing matches, 400 together
// with limit or marker, and never paged).
func (s *Server) listHypervisors(r *fake.Request) fake.Response {
	c, resp, ok := s.begin(r, "")
	if !ok {
		return resp
	}
	q, problem := parseHypervisorQuery(c)
	if problem != "" {
		return c.badRequest("%s", problem)
	}
	if q.hasPattern && (q.hasLimit || q.hasMarker) {
		// Nova means to say that paging a search is not supported, but
		// passes its text where webob does not show it: the answer has
		// webob's generic message.
		return c.badRequest("The server could not comply with the request since it is either malformed or otherwise incorrect.")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	list := append([]*host(nil), s.hostOrder...)
	idOf := func(h *host) string {
		if c.atLeast("2.53") {
			return hypervisorUUID(h)
		}
		return strconv.Itoa(s.hostIndexLocked(h) + 1)
	}
	body := map[string]any{}
	switch {
	case q.hasPattern:
		var kept []*host
		for _, h := range list {
			if like(h.node, q.pattern) {
				kept = append(kept, h)
			}
		}
		if len(kept) == 0 {
			return c.notFound("No hypervisor matching '%s' could be found.", q.pattern)
		}
		list = kept
	case q.paging:
		var mark *host
		if q.hasMarker {
			for _, h := range list {
				if idOf(h) == q.marker || (c.atLeast("2.53") && sameUUID(idOf(h), q.marker)) {
					mark = h
				}
			}
			if mark == nil {
				return c.badRequest("marker [%s] not found", q.marker)
			}
		}
		order := func(a, b *host) int { return s.hostIndexLocked(a) - s.hostIndexLocked(b) }
		var links []any
		list, links = page(c, "/os-hypervisors/detail", list, mark, order, q.limit, idOf)
		if links != nil {
			body["hypervisors_links"] = links
		}
	}
	out := make([]any, len(list))
	for i, h := range list {
		out[i] = s.hypervisorView(c, h, q.withServers, now)
	}
	body["hypervisors"] = out
	return c.ok(http.StatusOK, body)
}

// getHypervisor serves GET /os-hypervisors/{hypervisor_id}: from 2.53 by
// UUID (another ID is 400) with the query parameter with_servers alone;
// before 2.53 by integer ID (another ID is 404), any query ignored. An
// unknown hypervisor is 404.
func (s *Server) getHypervisor(r *fake.Request) fake.Response {
	c, resp, ok := s.begin(r, "")
	if !ok {
		return resp
	}
	id := r.PathValue("hypervisor_id")
	withServers := false
	byUUID := c.atLeast("2.53")
	if byUUID {
		params := c.r.URL.Query()
		if problem := onlyParams(params, "with_servers"); problem != "" {
			return c.badRequest("%s", problem)
		}
		if vs, ok := params["with_servers"]; ok && len(vs) > 0 {
			v, problem := single(vs, "with_servers")
			if problem == "" {
				withServers, problem = parseWithServers(v)
			}
			if problem != "" {
				return c.badRequest("%s", problem)
			}
		}
	}
	notFound := func() fake.Response { return c.notFound("Hypervisor with ID '%s' could not be found.", id) }
	if byUUID && uuidKey(id) == "" {
		return c.badRequest("Invalid uuid %s", id)
	}
	n, err := strconv.Atoi(id)
	if !byUUID && (err != nil || n < 0) {
		return notFound()
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	var h *host
	for i, o := range s.hostOrder {
		if (byUUID && sameUUID(hypervisorUUID(o), id)) || (!byUUID && i+1 == n) {
			h = o
		}
	}
	if h == nil {
		return notFound()
	}
	return c.ok(http.StatusOK, map[string]any{"hypervisor": s.hypervisorView(c, h, withServers, now)})
}
