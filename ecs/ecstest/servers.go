package ecstest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/cloudmigrate/cloudmigrate/ecs"
	"github.com/cloudmigrate/cloudmigrate/internal/fake"
)

// Server details the fake shows for every server; it keeps no networks,
// disks, tags or key pairs.
const (
	// DefaultImageID is the image every server of the fake was created
	// from.
	DefaultImageID = "1ce5800a-e487-4c1b-b264-3353a39e2b4b"
	// DefaultUserID is the user who created every server of the fake.
	DefaultUserID = "bb7f23e27e7e46f3aaceb5f53a158bdc"
	// DefaultEnterpriseProjectID is the enterprise project of every
	// server: "0", Huawei Cloud's default one.
	DefaultEnterpriseProjectID = "0"
)

// apiTime is how ECS writes a server's created and updated times.
const apiTime = "2006-01-02T15:04:05Z"

// launchTime is how ECS writes OS-SRV-USG:launched_at: microseconds, no
// zone.
const launchTime = "2006-01-02T15:04:05.000000"

// wireServer is a server as GET /v1/{project_id}/cloudservers/{server_id}
// returns it, with the fields of the ECS API reference's example.
type wireServer struct {
	ID                  string                `json:"id"`
	Name                string                `json:"name"`
	Description         string                `json:"description"`
	Status              string                `json:"status"`
	TaskState           *string               `json:"OS-EXT-STS:task_state"`
	VMState             string                `json:"OS-EXT-STS:vm_state"`
	PowerState          int                   `json:"OS-EXT-STS:power_state"`
	Progress            int                   `json:"progress"`
	Locked              bool                  `json:"locked"`
	Fault               *wireFault            `json:"fault"`
	SchedulerHints      wireHints             `json:"os:scheduler_hints"`
	AvailabilityZone    string                `json:"OS-EXT-AZ:availability_zone"`
	Host                string                `json:"OS-EXT-SRV-ATTR:host"`
	HostID              string                `json:"hostId"`
	HostStatus          string                `json:"host_status"`
	HypervisorHostname  string                `json:"OS-EXT-SRV-ATTR:hypervisor_hostname"`
	InstanceName        string                `json:"OS-EXT-SRV-ATTR:instance_name"`
	Hostname            string                `json:"OS-EXT-SRV-ATTR:hostname"`
	Hypervisor          *struct{}             `json:"hypervisor"`
	Flavor              wireFlavor            `json:"flavor"`
	Image               wireImage             `json:"image"`
	Addresses           map[string][]struct{} `json:"addresses"`
	SecurityGroups      []struct{}            `json:"security_groups"`
	VolumesAttached     []struct{}            `json:"os-extended-volumes:volumes_attached"`
	KeyName             string                `json:"key_name"`
	Metadata            map[string]string     `json:"metadata"`
	Tags                []string              `json:"tags"`
	SysTags             []map[string]string   `json:"sys_tags"`
	EnterpriseProjectID string                `json:"enterprise_project_id"`
	TenantID            string                `json:"tenant_id"`
	UserID              string                `json:"user_id"`
	Created             string                `json:"created"`
	Updated             string                `json:"updated"`
	LaunchedAt          string                `json:"OS-SRV-USG:launched_at"`
	TerminatedAt        *string               `json:"OS-SRV-USG:terminated_at"`
	AutoTerminateTime   string                `json:"auto_terminate_time"`
	DiskConfig          string                `json:"OS-DCF:diskConfig"`
	ConfigDrive         string                `json:"config_drive"`
	AccessIPv4          string                `json:"accessIPv4"`
	AccessIPv6          string                `json:"accessIPv6"`
	ReservationID       string                `json:"OS-EXT-SRV-ATTR:reservation_id"`
	LaunchIndex         int                   `json:"OS-EXT-SRV-ATTR:launch_index"`
	KernelID            string                `json:"OS-EXT-SRV-ATTR:kernel_id"`
	RamdiskID           string                `json:"OS-EXT-SRV-ATTR:ramdisk_id"`
	RootDeviceName      string                `json:"OS-EXT-SRV-ATTR:root_device_name"`
	UserData            *string               `json:"OS-EXT-SRV-ATTR:user_data"`
	CPUOptions          map[string]*int       `json:"cpu_options"`
	SecurityOptions     map[string]*bool      `json:"security_options"`
}

type wireImage struct {
	ID string `json:"id"`
}

type wireFault struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Details string `json:"details,omitempty"`
	Created string `json:"created"`
}

type wireHints struct {
	Tenancy         []string `json:"tenancy,omitempty"`
	DedicatedHostID []string `json:"dedicated_host_id,omitempty"`
}

type wireFlavor struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Disk  string `json:"disk"`
	VCPUs string `json:"vcpus"`
	RAM   string `json:"ram"`
}

// vmState is the OS-EXT-STS:vm_state and power state that go with a
// status.
func vmState(status string) (string, int) {
	switch status {
	case StatusActive:
		return "active", 1
	case StatusError:
		return "error", 0
	}
	return "stopped", 4
}

// hash is a hex SHA-224 of s, the form of ECS's hostId.
func hash(s string) string {
	h := sha256.Sum224([]byte(s))
	return hex.EncodeToString(h[:])
}

// wireServerLocked returns the server as the API shows it at now. The
// caller holds s.mu and has settled the jobs.
func (s *Server) wireServerLocked(sv *server, now time.Time) wireServer {
	status, task := s.liveStatusLocked(sv, now)
	vm, power := vmState(status)
	cpu, mem, _ := flavorSize(sv.flavor)
	place := "shared-pool"
	hints := wireHints{}
	if sv.host != "" {
		place = "dedicated-" + sv.host
		hints = wireHints{Tenancy: []string{"dedicated"}, DedicatedHostID: []string{sv.host}}
	}
	w := wireServer{
		ID: sv.id, Name: sv.name, Status: status, VMState: vm, PowerState: power, Locked: sv.locked,
		SchedulerHints: hints, AvailabilityZone: sv.az,
		Host: place, HostID: hash(place), HostStatus: "UP", HypervisorHostname: "nova001@" + place,
		InstanceName: "instance-" + hash(sv.id)[:8], Hostname: sv.name,
		Flavor: wireFlavor{ID: sv.flavor, Name: sv.flavor, Disk: "0", VCPUs: strconv.Itoa(cpu), RAM: strconv.Itoa(mem)},
		Image:  wireImage{DefaultImageID}, Addresses: map[string][]struct{}{},
		SecurityGroups: []struct{}{}, VolumesAttached: []struct{}{},
		Metadata:            map[string]string{"charging_mode": "0", "os_type": "Linux", "metering.resourcespeccode": sv.flavor + ".linux"},
		Tags:                []string{},
		SysTags:             []map[string]string{{"key": "_sys_enterprise_project_id", "value": DefaultEnterpriseProjectID}},
		EnterpriseProjectID: DefaultEnterpriseProjectID, TenantID: s.account.ProjectID, UserID: DefaultUserID,
		Created: sv.created.UTC().Format(apiTime), Updated: sv.updated.UTC().Format(apiTime),
		LaunchedAt: sv.created.UTC().Format(launchTime), DiskConfig: "MANUAL",
		ReservationID: "r-" + hash(sv.id)[:8], RootDeviceName: "/dev/vda",
		CPUOptions: map[string]*int{"hw:cpu_threads": nil}, SecurityOptions: map[string]*bool{"tpm_enabled": nil},
	}
	if task != "" {
		w.TaskState = &task
	}
	if status == StatusError {
		w.Fault = &wireFault{Code: 500, Message: sv.fault, Created: sv.updated.UTC().Format(apiTime)}
	}
	return w
}

// getServer serves GET /v1/{project_id}/cloudservers/{server_id}.
func (s *Server) getServer(r *fake.Request) fake.Response {
	if resp, ok := s.checkProject(r); !ok {
		return resp
	}
	id := r.PathValue("server_id")
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	sv := s.servers[id]
	if sv == nil {
		return s.Error(http.StatusNotFound, ecs.CodeServerNotFound, fmt.Sprintf("Instance[%s] could not be found.", id))
	}
	return fake.JSON(http.StatusOK, map[string]any{"server": s.wireServerLocked(sv, now)})
}

// ServerDetail returns the server as GetServer would report it now, decoded
// into the SDK's type, and false when there is no such server.
func (s *Server) ServerDetail(id string) (*ecs.Server, bool) {
	s.mu.Lock()
	now := s.Clock().Now()
	s.settleLocked(now)
	sv := s.servers[id]
	var w wireServer
	if sv != nil {
		w = s.wireServerLocked(sv, now)
	}
	s.mu.Unlock()
	if sv == nil {
		return nil, false
	}
	var out ecs.Server
	recode("a server", w, &out)
	return &out, true
}

// missingServer is how the list shows an ID of its server_id filter that
// names no server: every field null but id and fault.
func missingServer(id string, now time.Time) map[string]any {
	keys := serverKeys()
	m := make(map[string]any, len(keys))
	for _, k := range keys {
		m[k] = nil
	}
	m["id"] = id
	m["fault"] = wireFault{Code: 404, Message: fmt.Sprintf("Instance[%s] could not be found.", id), Created: now.UTC().Format(apiTime)}
	return m
}

// serverKeys returns the JSON keys of a wire server.
func serverKeys() []string {
	data, _ := json.Marshal(wireServer{})
	var m map[string]json.RawMessage
	_ = json.Unmarshal(data, &m)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// nameMatcher returns the name filter as the service applies it: a
// substring match in which "." stands for any character but a line break.
func nameMatcher(name string) *regexp.Regexp {
	var b strings.Builder
	for _, r := range name {
		if r == '.' {
			b.WriteString(`[^\n\r]`)
		} else {
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	return regexp.MustCompile(b.String())
}

// intParam reads a non-negative integer query parameter, with def when it
// is absent.
func intParam(q url.Values, key string, def int) (int, bool) {
	v := q.Get(key)
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n >= 0
}

// listServers serves GET /v1/{project_id}/cloudservers/detail. It applies
// the filters name (fuzzy, "." for any character), status, flavor and
// server_id (which, as the service documents, overrides every other
// filter and lists an unknown ID with only id and fault). The fake's
// servers have no IP addresses, tags or batch reservations, so ip, ip_eq,
// tags and reservation_id match none and not-tags all; they all belong to
// enterprise project DefaultEnterpriseProjectID ("all_granted_eps" also
// matches it). Servers are listed in the order they were added, limit
// (default 25, at most 1000) a page, offset counting pages from 1 (0
// meaning 1), with the total in count.
func (s *Server) listServers(r *fake.Request) fake.Response {
	if resp, ok := s.checkProject(r); !ok {
		return resp
	}
	q := r.URL.Query()
	limit, okLimit := intParam(q, "limit", 25)
	page, okOffset := intParam(q, "offset", 1)
	if !okLimit || !okOffset || limit == 0 {
		return s.Error(http.StatusBadRequest, CodeInvalidParameter, "Invalid limit or offset: limit must be a positive integer and offset a non-negative one.")
	}
	limit = min(limit, 1000)
	page = max(page, 1)

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	var all []any
	if ids := q.Get("server_id"); ids != "" {
		for _, id := range strings.Split(ids, ",") {
			if sv := s.servers[id]; sv != nil {
				all = append(all, s.wireServerLocked(sv, now))
			} else {
				all = append(all, missingServer(id, now))
			}
		}
	} else {
		var name *regexp.Regexp
		if v := q.Get("name"); v != "" {
			name = nameMatcher(v)
		}
		ep := q.Get("enterprise_project_id")
		none := q.Get("ip") != "" || q.Get("ip_eq") != "" || q.Get("tags") != "" || q.Get("reservation_id") != "" ||
			ep != "" && ep != DefaultEnterpriseProjectID && ep != "all_granted_eps"
		for _, id := range s.serverOrder {
			sv := s.servers[id]
			if none || sv == nil {
				continue
			}
			w := s.wireServerLocked(sv, now)
			if name != nil && !name.MatchString(w.Name) ||
				q.Get("status") != "" && q.Get("status") != w.Status ||
				q.Get("flavor") != "" && q.Get("flavor") != w.Flavor.ID {
				continue
			}
			all = append(all, w)
		}
	}
	from := min((page-1)*limit, len(all))
	to := min(from+limit, len(all))
	return fake.JSON(http.StatusOK, map[string]any{"count": len(all), "servers": append([]any{}, all[from:to]...)})
}
