package nova

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"iter"
	"net/http"
	"strconv"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/rest"
)

// mvHypervisorPaging adds limit, marker and hypervisors_links to the
// hypervisor listings. The fields and versions of this file are those of
// nova/api/openstack/compute/hypervisors.py and its schemas module
// nova/api/openstack/compute/schemas/hypervisors.py in openstack/nova at
// 00a030403f672b975364c855b7d25b40ef83e757.
var mvHypervisorPaging = auth.MustParseMicroversion("2.33")

// Hypervisor is a compute node (a hypervisor) as
// GET /os-hypervisors/detail and GET /os-hypervisors/{hypervisor_id}
// describe it. State and Status are those of the compute service it
// belongs to: a disabled service's hypervisors are disabled, a service
// that is down (or forced down) has hypervisors that are down.
//
// The resource figures (CPUs, memory, disk and their use) are in Resources
// up to microversion 2.87 only. Microversion 2.88 removed them from this
// API: capacity and usage then live in the Placement service (its
// resource providers, inventories and usages), which this package does
// not call, and Resources is nil. The SDK never computes or fills in
// figures nova did not send.
type Hypervisor struct {
	// ID is the hypervisor's ID, the one GetHypervisor takes: its UUID
	// from microversion 2.53, its integer database ID written in decimal
	// ("1") before.
	ID string `json:"id"`
	// HypervisorHostname is the node's name as the hypervisor reports it,
	// the name migrations give as their source and destination node. It
	// often differs from the compute service's host name
	// (Service.Host), for example by a domain suffix.
	HypervisorHostname string `json:"hypervisor_hostname"`
	// State is the compute service's state: ServiceUp or ServiceDown.
	State ServiceState `json:"state"`
	// Status is the compute service's status: ServiceEnabled or
	// ServiceDisabled.
	Status ServiceStatus `json:"status"`
	// HypervisorType is the kind of hypervisor, such as "QEMU" or
	// "ironic".
	HypervisorType string `json:"hypervisor_type"`
	// HypervisorVersion is the hypervisor's version as nova encodes it,
	// major*1000000 + minor*1000 + micro (8002000 for QEMU 8.2.0). Nova's
	// response schema allows a string too: one holding an integer is read
	// as that integer, any other leaves 0.
	HypervisorVersion int64 `json:"hypervisor_version"`
	// HostIP is the IP address of the node's host; "" when nova sends
	// null.
	HostIP string `json:"host_ip"`
	// Service names the compute service the node belongs to.
	Service HypervisorService `json:"service"`
	// Servers are the servers on the node's host, when they were asked
	// for with WithServers (microversion 2.53 and later). Nova leaves the
	// field out when there are none before 2.75, and sends an empty list
	// from 2.75; both give nil here.
	Servers []HypervisorServer `json:"servers,omitempty"`
	// Uptime is the output of "uptime" on the host as the libvirt driver
	// reports it (microversion 2.88 and later; earlier versions had a
	// separate call); "" when nova sends null, as other drivers always do.
	Uptime string `json:"uptime,omitempty"`
	// Resources are the node's figures up to microversion 2.87, and nil
	// from 2.88, which removed them.
	Resources *HypervisorResources `json:"resources,omitempty"`
}

// HypervisorService is the compute service a hypervisor belongs to.
type HypervisorService struct {
	// ID is the service's ID, as Service.ID: its UUID from microversion
	// 2.53, an integer in decimal before.
	ID string `json:"id"`
	// Host is the compute service's host name, the one servers and
	// migrations name and DisableService takes.
	Host string `json:"host"`
	// DisabledReason is why the service was disabled; "" when no reason
	// was given or it is enabled.
	DisabledReason string `json:"disabled_reason,omitempty"`
}

// UnmarshalJSON reads the service with an integer ID (before 2.53) or a
// UUID.
func (s *HypervisorService) UnmarshalJSON(b []byte) error {
	type plain HypervisorService
	var w struct {
		plain
		ID wireID `json:"id"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*s = HypervisorService(w.plain)
	s.ID = string(w.ID)
	return nil
}

// HypervisorServer is a server on a hypervisor's host.
type HypervisorServer struct {
	// Name is the server's name.
	Name string `json:"name"`
	// UUID is the server's ID.
	UUID string `json:"uuid"`
}

// HypervisorResources are a hypervisor's resource figures, as nova sent
// them up to microversion 2.87. Fields nova may send as null are
// pointers.
type HypervisorResources struct {
	// VCPUs is the number of physical CPUs (threads) of the node, and
	// VCPUsUsed the number of virtual CPUs of its servers.
	VCPUs     int `json:"vcpus"`
	VCPUsUsed int `json:"vcpus_used"`
	// MemoryMB is the node's memory in MiB, and MemoryMBUsed what its
	// servers and the host's reserve take.
	MemoryMB     int `json:"memory_mb"`
	MemoryMBUsed int `json:"memory_mb_used"`
	// LocalGB is the node's local disk in GiB, and LocalGBUsed what its
	// servers take.
	LocalGB     int `json:"local_gb"`
	LocalGBUsed int `json:"local_gb_used"`
	// FreeRAMMB and FreeDiskGB are what is left, before overcommit.
	FreeRAMMB  *int `json:"free_ram_mb"`
	FreeDiskGB *int `json:"free_disk_gb"`
	// DiskAvailableLeast is the disk really free in GiB; it can be
	// negative when disk is overcommitted.
	DiskAvailableLeast *int `json:"disk_available_least"`
	// CurrentWorkload is the number of tasks (builds, migrations, ...)
	// under way on the node.
	CurrentWorkload *int `json:"current_workload"`
	// RunningVMs is the number of servers on the node.
	RunningVMs *int `json:"running_vms"`
	// CPUInfo is the driver's description of the host's CPU as a JSON
	// object (arch, model, vendor, features, topology). Nova sends it as
	// an object from microversion 2.28 and as a string holding the JSON
	// before; such a string is unwrapped. Nil when nova sends nothing.
	CPUInfo json.RawMessage `json:"cpu_info,omitempty"`
}

// resourceKeys are the fields whose presence makes the figures of a
// hypervisor (nova sends all of them up to 2.87 and none from 2.88).
var resourceKeys = []string{"vcpus", "vcpus_used", "memory_mb", "memory_mb_used", "local_gb", "local_gb_used",
	"free_ram_mb", "free_disk_gb", "disk_available_least", "current_workload", "running_vms", "cpu_info"}

// UnmarshalJSON reads a hypervisor as nova sends it at any microversion:
// an integer or UUID ID, a version that is an integer or a string, the
// figures at the top level (gathered into Resources when present) and
// cpu_info as an object or a string.
func (h *Hypervisor) UnmarshalJSON(b []byte) error {
	type plain Hypervisor
	var w struct {
		plain
		ID                wireID          `json:"id"`
		HypervisorVersion json.RawMessage `json:"hypervisor_version"`
		// Resources are never nested on the wire; a "resources" key is
		// ignored.
		Resources json.RawMessage `json:"resources"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*h = Hypervisor(w.plain)
	h.ID = string(w.ID)
	h.HypervisorVersion = hypervisorVersion(w.HypervisorVersion)
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil {
		return err
	}
	has := false
	for _, k := range resourceKeys {
		if _, ok := keys[k]; ok {
			has = true
			break
		}
	}
	if !has {
		return nil
	}
	var r HypervisorResources
	if err := json.Unmarshal(b, &r); err != nil {
		return err
	}
	r.CPUInfo = cpuInfo(keys["cpu_info"])
	h.Resources = &r
	return nil
}

// MarshalJSON writes the hypervisor in nova's shape: the figures of
// Resources at the top level, as nova sends them up to 2.87, and none when
// Resources is nil.
func (h Hypervisor) MarshalJSON() ([]byte, error) {
	type plain Hypervisor
	p := plain(h)
	p.Resources = nil
	top, err := json.Marshal(p)
	if err != nil || h.Resources == nil {
		return top, err
	}
	res, err := json.Marshal(h.Resources)
	if err != nil {
		return nil, err
	}
	// Both are non-empty JSON objects (neither type has only omitempty
	// fields) with distinct keys: join them.
	out := make([]byte, 0, len(top)+len(res))
	out = append(out, top[:len(top)-1]...)
	out = append(out, ',')
	return append(out, res[1:]...), nil
}

// hypervisorVersion reads hypervisor_version: an integer, or a string
// holding one; anything else is 0.
func hypervisorVersion(raw json.RawMessage) int64 {
	var n int64
	if json.Unmarshal(raw, &n) == nil {
		return n
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if v, err := strconv.ParseInt(s, 10, 64); err == nil {
			return v
		}
	}
	return 0
}

// cpuInfo returns cpu_info as a JSON object: as sent from 2.28, or
// unwrapped from the string nova sent before. A string that holds no
// JSON object is kept as the JSON string; null or nothing is nil.
func cpuInfo(raw json.RawMessage) json.RawMessage {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		inner := bytes.TrimSpace([]byte(s))
		if len(inner) > 0 && inner[0] == '{' && json.Valid(inner) {
			return json.RawMessage(inner)
		}
	}
	return append(json.RawMessage(nil), raw...)
}

// ListHypervisorsOptions filters and pages GET /os-hypervisors/detail. The
// zero value lists every hypervisor. Fields left at their zero value are
// not sent; a field the microversion in use lacks is a
// *cloudmigrate.VersionError and nothing is sent.
type ListHypervisorsOptions struct {
	// HostnamePattern keeps the hypervisors whose hypervisor hostname
	// contains it (microversion 2.53 and later). Nova matches it in SQL
	// as LIKE '%pattern%': with MySQL's usual collation case does not
	// matter, and '_' matches any one character, so compare
	// HypervisorHostname yourself for an exact match. Up to 255
	// letters, digits, '-', '.' and '_'. It cannot be combined with Limit
	// or Marker: nova does not page such a listing. A pattern nothing
	// matches is an empty listing (nova answers 404, which the iterator
	// turns into the end of the sequence).
	HostnamePattern string `url:"hypervisor_hostname_pattern,omitempty"`
	// WithServers adds the servers on each hypervisor's host
	// (Hypervisor.Servers; microversion 2.53 and later).
	WithServers bool `url:"with_servers,omitempty"`
	// Limit is the page size (microversion 2.33 and later); nova caps it
	// (1000 by default) and zero leaves it to nova. The iterator fetches
	// further pages as the caller asks for more hypervisors, whatever the
	// limit.
	Limit int `url:"limit,omitempty"`
	// Marker starts the listing after the hypervisor with this ID
	// (microversion 2.33 and later): its UUID from 2.53, its integer ID
	// before.
	Marker string `url:"marker,omitempty"`
}

type hypervisorsPage struct {
	Hypervisors []Hypervisor `json:"hypervisors"`
	Links       []Link       `json:"hypervisors_links"`
}

func (p *hypervisorsPage) items() []Hypervisor { return p.Hypervisors }

func (p *hypervisorsPage) next() string { return nextLink(p.Links) }

// ListHypervisors lists the compute nodes with their details: hostname,
// state and status (those of their compute service), type, version, host
// IP, their compute service and, up to microversion 2.87, their resource
// figures (see Hypervisor). It is an admin call by default.
//
// From 2.33 nova pages the list; the iterator follows the "next" links of
// hypervisors_links, fetching a page only when the loop goes past the
// previous one, and stops when there is no further link; breaking out of
// the loop sends nothing more. An error (a *cloudmigrate.ValidationError
// for bad options, a *cloudmigrate.VersionError for an option the
// microversion lacks, a *cloudmigrate.Error for a refused request) is
// yielded once and ends the sequence. Each page is a read, retried on
// network errors, 429 and 502 to 504.
//
// GET /os-hypervisors/detail, microversion 2.1 or later (Limit and Marker
// 2.33, HostnamePattern and WithServers 2.53).
func (c *Client) ListHypervisors(ctx context.Context, opts *ListHypervisorsOptions) iter.Seq2[Hypervisor, error] {
	return func(yield func(Hypervisor, error) bool) {
		var q ListHypervisorsOptions
		if opts != nil {
			q = *opts
		}
		v, err := c.checkHypervisorOptions(ctx, &q)
		if err != nil {
			yield(Hypervisor{}, err)
			return
		}
		searching := q.HostnamePattern != ""
		listPages(ctx, c, "nova.ListHypervisors", v, "/os-hypervisors/detail", nil, &q, &q.Marker,
			func() listPage[Hypervisor] { return new(hypervisorsPage) },
			func(h Hypervisor) string { return h.ID },
			func(h Hypervisor, err error) bool {
				if err != nil && searching && cloudmigrate.IsNotFound(err) {
					// "No hypervisor matching '...' could be found."
					return false
				}
				return yield(h, err)
			})
	}
}

// checkHypervisorOptions validates q and checks it against the
// microversion in use.
func (c *Client) checkHypervisorOptions(ctx context.Context, q *ListHypervisorsOptions) (auth.Microversion, error) {
	var none auth.Microversion
	if q.Limit < 0 {
		return none, cloudmigrate.Invalid("ListHypervisorsOptions.Limit", "must not be negative, got %d", q.Limit)
	}
	if q.HostnamePattern != "" {
		if !hostPattern.MatchString(q.HostnamePattern) {
			return none, cloudmigrate.Invalid("ListHypervisorsOptions.HostnamePattern", "%q must be 1 to 255 letters, digits, '-', '.' or '_'", q.HostnamePattern)
		}
		if q.Limit != 0 || q.Marker != "" {
			return none, cloudmigrate.Invalid("ListHypervisorsOptions.HostnamePattern", "cannot be combined with Limit or Marker: nova does not page a search by hostname")
		}
	}
	v, err := c.require(ctx, "ListHypervisors", anyMin, noMax)
	if err != nil {
		return v, err
	}
	checks := []struct {
		set     bool
		feature string
		min     auth.Microversion
	}{
		{q.Limit != 0, "ListHypervisorsOptions.Limit", mvHypervisorPaging},
		{q.Marker != "", "ListHypervisorsOptions.Marker", mvHypervisorPaging},
		{q.HostnamePattern != "", "ListHypervisorsOptions.HostnamePattern", mvServiceByID},
		{q.WithServers, "ListHypervisorsOptions.WithServers", mvServiceByID},
	}
	for _, ch := range checks {
		if ch.set {
			if err := c.need(ctx, v, ch.feature, ch.min, noMax); err != nil {
				return v, err
			}
		}
	}
	return v, nil
}

// GetHypervisorOptions are the optional inputs of GetHypervisor.
type GetHypervisorOptions struct {
	// WithServers adds the servers on the hypervisor's host
	// (Hypervisor.Servers; microversion 2.53 and later).
	WithServers bool `url:"with_servers,omitempty"`
}

type hypervisorBody struct {
	Hypervisor *Hypervisor `json:"hypervisor"`
}

var errNoHypervisor = errors.New("nova: the answer holds no hypervisor object")

// GetHypervisor returns one hypervisor with its details, as
// ListHypervisors gives them. hypervisorID is the ID a listing at the same
// side of microversion 2.53 gave: a UUID from 2.53, an integer ID before;
// the other kind is a *cloudmigrate.ValidationError, as nova would refuse
// it (400 or 404). An unknown hypervisor is a 404: cloudmigrate.IsNotFound
// holds. The request is a read, retried on network errors, 429 and 502 to
// 504.
//
// GET /os-hypervisors/{hypervisor_id}, microversion 2.1 or later
// (WithServers 2.53).
func (c *Client) GetHypervisor(ctx context.Context, hypervisorID string, opts *GetHypervisorOptions) (*Hypervisor, error) {
	if err := rest.CheckID("hypervisor_id", hypervisorID); err != nil {
		return nil, err
	}
	var q GetHypervisorOptions
	if opts != nil {
		q = *opts
	}
	v, err := c.require(ctx, "GetHypervisor", anyMin, noMax)
	if err != nil {
		return nil, err
	}
	byUUID := v.AtLeast(mvServiceByID)
	switch {
	case byUUID && isIntegerID(hypervisorID):
		return nil, cloudmigrate.Invalid("hypervisor_id", "%q is an integer ID from a microversion before 2.53; at %s nova takes the hypervisor's UUID", hypervisorID, v)
	case !byUUID && !isIntegerID(hypervisorID):
		return nil, cloudmigrate.Invalid("hypervisor_id", "%q is not an integer ID; before microversion 2.53 nova names hypervisors by integer (%s in use)", hypervisorID, v)
	}
	if q.WithServers {
		if err := c.need(ctx, v, "GetHypervisorOptions.WithServers", mvServiceByID, noMax); err != nil {
			return nil, err
		}
	}
	var out hypervisorBody
	if _, err := c.send(ctx, v, &rest.Request{
		Op:     "nova.GetHypervisor",
		Method: http.MethodGet,
		Path:   "/os-hypervisors/{hypervisor_id}",
		Params: []string{hypervisorID},
		Query:  &q,
		OK:     []int{http.StatusOK},
		Out:    &out,
	}); err != nil {
		return nil, err
	}
	if out.Hypervisor == nil {
		return nil, errNoHypervisor
	}
	return out.Hypervisor, nil
}
