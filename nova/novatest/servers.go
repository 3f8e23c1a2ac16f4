package novatest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cloudmigrate/cloudmigrate/internal/fake"
	"github.com/cloudmigrate/cloudmigrate/nova"
)

// serverTime is how nova writes a server's created and updated times.
const serverTime = "2006-01-02T15:04:05Z"

// Nova's power states, as OS-EXT-STS:power_state carries them.
const (
	powerRunning  = 1
	powerShutdown = 4
)

// serverFilter is the query of GET /servers/detail.
type serverFilter struct {
	allProjects bool
	host, node  string
	status      string
	name        *regexp.Regexp
	project     string
	since       time.Time
	limit       int
	marker      string
	hasMarker   bool
}

// parseServerQuery reads the query of GET /servers/detail. Parameters the
// fake does not know are ignored.
func parseServerQuery(c *call) (f serverFilter, problem string) {
	q := c.r.URL.Query()
	get := func(k string) (string, bool) {
		vs, ok := q[k]
		if !ok || len(vs) == 0 {
			return "", false
		}
		return vs[0], true
	}
	if v, ok := get("all_tenants"); ok {
		switch strings.ToLower(v) {
		case "0", "false", "off", "no":
		default:
			f.allProjects = true
		}
	}
	f.host, _ = get("host")
	f.node, _ = get("node")
	f.status, _ = get("status")
	f.project, _ = get("project_id")
	if v, ok := get("name"); ok && v != "" {
		re, err := regexp.Compile(v)
		if err != nil {
			return f, fmt.Sprintf("Invalid input for query parameters name. Value: %s. '%s' is not a valid regular expression", v, v)
		}
		f.name = re
	}
	if v, ok := get("changes-since"); ok {
		tm, err := nova.ParseTime(v)
		if err != nil || tm.IsZero() {
			return f, fmt.Sprintf("Invalid input for query parameters changes-since. Value: %s. '%s' is not a 'date-time'", v, v)
		}
		f.since = tm
	}
	f.limit = maxLimit
	if v, ok := get("limit"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return f, fmt.Sprintf("Invalid input for query parameters limit. Value: %s. '%s' does not match '^[0-9]*$'", v, v)
		}
		f.limit = min(n, maxLimit)
	}
	f.marker, f.hasMarker = get("marker")
	return f, ""
}

// match reports whether the server, showing info at now, passes the
// filter. Every server belongs to the fake's one project, which is the
// caller's, so the project only matters when a project_id is asked for
// with all_tenants.
func (s *Server) match(f *serverFilter, sv *server, info ServerInfo, now time.Time) bool {
	if f.allProjects && f.project != "" && f.project != s.projectID {
		return false
	}
	if f.host != "" && f.host != info.Host {
		return false
	}
	if f.node != "" && (s.hosts[info.Host] == nil || f.node != s.hosts[info.Host].node) {
		return false
	}
	if f.status != "" && !strings.EqualFold(f.status, info.Status) {
		return false
	}
	if f.name != nil && !f.name.MatchString(sv.id) {
		return false
	}
	if !f.since.IsZero() && sv.updatedAt(now).Before(f.since) {
		return false
	}
	return true
}

// newestServerFirst orders servers as nova does: created descending, then
// (here) the most recently added first.
func newestServerFirst(a, b *server) int {
	if c := b.created.Compare(a.created); c != 0 {
		return c
	}
	return b.seq - a.seq
}

// What the fake's servers are built from: one image and one flavor,
// whose memory and disk are DefaultMemoryBytes and DefaultDiskBytes.
const (
	// ImageID is the image every server of the fake was booted from.
	ImageID = "5c8b4e2a-1f3d-4a6b-9c7e-2d1f0a3b4c5d"
	// FlavorName is the name of the flavor every server of the fake has
	// (flavor ID "1").
	FlavorName  = "novatest.medium"
	flavorVCPUs = 2
)

// progressStatuses are the server statuses for which nova reports
// progress.
var progressStatuses = []string{"ACTIVE", "BUILD", "REBUILD", "RESIZE", "VERIFY_RESIZE", "MIGRATING"}

// serverDetail is a server as GET /servers/detail shows it to an admin at
// the request's version: every field nova's response schema for that
// version requires, the admin-only OS-EXT-SRV-ATTR ones, and the fields
// later microversions add. The caller holds s.mu.
func (s *Server) serverDetail(c *call, sv *server, info ServerInfo, now time.Time) map[string]any {
	node := info.Host
	if h := s.hosts[info.Host]; h != nil {
		node = h.node
	}
	var task any
	if info.TaskState != "" {
		task = info.TaskState
	}
	power, vm := powerRunning, vmState(info.Status)
	if sv.status == StatusShutoff {
		power = powerShutdown
		if vm == "active" {
			vm = "stopped"
		}
	}
	self := "/servers/" + url.PathEscape(sv.id)
	base := baseURL(c.r) + computePrefix
	bookmark := func(path string) []any {
		return []any{map[string]string{"href": base + path, "rel": "bookmark"}}
	}
	rec := map[string]any{
		"id":        sv.id,
		"name":      sv.id,
		"status":    info.Status,
		"tenant_id": s.projectID,
		"user_id":   userID,
		"created":   sv.created.UTC().Format(serverTime),
		"updated":   sv.updatedAt(now).UTC().Format(serverTime),
		"hostId":    hostID(s.projectID, info.Host),
		"image":     map[string]any{"id": ImageID, "links": bookmark("/images/" + ImageID)},
		"flavor":    map[string]any{"id": strconv.Itoa(sv.flavorID), "links": bookmark("/flavors/" + strconv.Itoa(sv.flavorID))},
		"addresses": map[string]any{"private": []any{map[string]any{
			"addr":                    fmt.Sprintf("10.0.%d.%d", sv.seq/250, sv.seq%250+2),
			"version":                 4,
			"OS-EXT-IPS:type":         "fixed",
			"OS-EXT-IPS-MAC:mac_addr": fmt.Sprintf("fa:16:3e:%02x:%02x:%02x", sv.seq>>16&0xff, sv.seq>>8&0xff, sv.seq&0xff),
		}}},
		"accessIPv4":                           "",
		"accessIPv6":                           "",
		"config_drive":                         "",
		"key_name":                             nil,
		"metadata":                             map[string]string{},
		"security_groups":                      []any{map[string]string{"name": "default"}},
		"os-extended-volumes:volumes_attached": []any{},
		"OS-DCF:diskConfig":                    "MANUAL",
		"OS-SRV-USG:launched_at":               isoTime(sv.created),
		"OS-SRV-USG:terminated_at":             nil,
		"OS-EXT-SRV-ATTR:host":                 info.Host,
		"OS-EXT-SRV-ATTR:hypervisor_hostname":  node,
		"OS-EXT-SRV-ATTR:instance_name":        fmt.Sprintf("instance-%08x", sv.seq),
		"OS-EXT-STS:task_state":                task,
		"OS-EXT-STS:vm_state":                  vm,
		"OS-EXT-STS:power_state":               power,
		"OS-EXT-AZ:availability_zone":          "nova",
		"links": []any{
			map[string]string{"href": base + "/v2.1" + self, "rel": "self"},
			map[string]string{"href": base + self, "rel": "bookmark"},
		},
	}
	if slices.Contains(progressStatuses, info.Status) {
		rec["progress"] = 0
		if m := sv.mig; m != nil && m.live {
			if f, ok := m.progress(now); ok {
				rec["progress"] = int(f * 100)
			}
		}
	}
	if c.atLeast("2.3") {
		rec["OS-EXT-SRV-ATTR:hostname"] = sv.id
		rec["OS-EXT-SRV-ATTR:reservation_id"] = fmt.Sprintf("r-%08x", sv.seq)
		rec["OS-EXT-SRV-ATTR:launch_index"] = 0
		rec["OS-EXT-SRV-ATTR:kernel_id"] = ""
		rec["OS-EXT-SRV-ATTR:ramdisk_id"] = ""
		rec["OS-EXT-SRV-ATTR:root_device_name"] = "/dev/vda"
		rec["OS-EXT-SRV-ATTR:user_data"] = nil
	}
	if c.atLeast("2.9") {
		rec["locked"] = false
	}
	if c.atLeast("2.16") {
		rec["host_status"] = "UP"
	}
	if c.atLeast("2.19") {
		rec["description"] = nil
	}
	if c.atLeast("2.26") {
		rec["tags"] = []any{}
	}
	if c.atLeast("2.47") {
		rec["flavor"] = map[string]any{
			"vcpus":         flavorVCPUs,
			"ram":           sv.memory >> 20,
			"disk":          sv.disk >> 30,
			"ephemeral":     0,
			"swap":          0,
			"original_name": FlavorName,
			"extra_specs":   map[string]string{},
		}
	}
	if c.atLeast("2.63") {
		rec["trusted_image_certificates"] = nil
	}
	if c.atLeast("2.73") {
		rec["locked_reason"] = nil
	}
	if c.atLeast("2.96") {
		rec["pinned_availability_zone"] = nil
	}
	if c.atLeast("2.98") {
		rec["image"].(map[string]any)["properties"] = map[string]string{}
	}
	if c.atLeast("2.100") {
		rec["scheduler_hints"] = map[string]any{}
	}
	addFault(rec, sv, info)
	return rec
}

// hostID is nova's hostId: the SHA-224 of the project ID and the host
// name, in hex, which tells a project's servers on the same host apart
// from others without naming the host; "" for a server on no host.
func hostID(projectID, host string) string {
	if host == "" {
		return ""
	}
	sum := sha256.Sum224([]byte(projectID + host))
	return hex.EncodeToString(sum[:])
}

// isoTime writes t in UTC as Python's isoformat does for nova's
// zone-less times: microseconds only when there are any.
func isoTime(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond()/1000 == 0 {
		return t.Format("2006-01-02T15:04:05")
	}
	return t.Format(wireTime)
}

// listServers serves GET /servers/detail: the servers the filter keeps,
// newest first, paged by limit and marker (a server's ID), with a "next"
// link in servers_links when a page is full.
func (s *Server) listServers(r *fake.Request) fake.Response {
	c, resp, ok := s.begin(r, "")
	if !ok {
		return resp
	}
	f, problem := parseServerQuery(c)
	if problem != "" {
		return c.badRequest("%s", problem)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	var list []*server
	views := map[*server]ServerInfo{}
	for _, sv := range s.servers {
		info := sv.view(now)
		if s.match(&f, sv, info, now) {
			list = append(list, sv)
			views[sv] = info
		}
	}
	var mark *server
	if f.hasMarker {
		if mark = s.servers[f.marker]; mark == nil {
			return c.badRequest("marker [%s] not found", f.marker)
		}
	}
	list, links := page(c, "/servers/detail", list, mark, newestServerFirst, f.limit, func(sv *server) string { return sv.id })
	body := map[string]any{}
	if links != nil {
		body["servers_links"] = links
	}
	out := make([]any, len(list))
	for i, sv := range list {
		out[i] = s.serverDetail(c, sv, views[sv], now)
	}
	body["servers"] = out
	return c.ok(http.StatusOK, body)
}
