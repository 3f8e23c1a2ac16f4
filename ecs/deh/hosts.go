package deh

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/ecs"
	"github.com/cloudmigrate/cloudmigrate/internal/rest"
)

// State is the state of a dedicated host.
type State string

// The host states the DeH API reference lists.
const (
	// StateAvailable is a host that can take servers.
	StateAvailable State = "available"
	// StateFault is a host with a fault; it takes no servers.
	StateFault State = "fault"
	// StateReleased is a host that has been given back.
	StateReleased State = "released"
)

// Host is a dedicated host as GET /v1.0/{project_id}/dedicated-hosts and
// GET /v1.0/{project_id}/dedicated-hosts/{dedicated_host_id} describe it.
// Fields the service leaves out or sends as null keep their zero value.
type Host struct {
	// ID is the host's ID (dedicated_host_id): the value of
	// ecs.ColdMigrateOptions.DedicatedHostID.
	ID string `json:"dedicated_host_id"`
	// Name is the host's name.
	Name string `json:"name"`
	// AutoPlacement is "on" when servers created without a host ID may be
	// placed on this host, "off" otherwise.
	AutoPlacement string `json:"auto_placement"`
	// AvailabilityZone is the availability zone the host is in.
	AvailabilityZone string `json:"availability_zone"`
	// ProjectID is the project that owns the host.
	ProjectID string `json:"project_id"`
	// Properties describes the host's hardware and the flavors it places.
	Properties HostProperties `json:"host_properties"`
	// State is the host's state (see the State constants).
	State State `json:"state"`
	// AvailableVCPUs is how many vCPUs are free on the host.
	AvailableVCPUs int `json:"available_vcpus"`
	// AvailableMemory is how much memory is free on the host, in MiB.
	AvailableMemory int `json:"available_memory"`
	// InstanceTotal is how many servers are on the host.
	InstanceTotal int `json:"instance_total"`
	// InstanceUUIDs are the IDs of the servers on the host. GetHost fills
	// it; ListHosts does not (the list leaves it out).
	InstanceUUIDs []string `json:"instance_uuids"`
	// AllocatedAt is when the host was allocated.
	AllocatedAt ecs.Time `json:"allocated_at"`
	// ReleasedAt is when the host was released; zero while it is not.
	ReleasedAt ecs.Time `json:"released_at"`
	// Tags are the host's tags.
	Tags Tags `json:"tags"`
	// SysTags are the host's system tags.
	SysTags Tags `json:"sys_tags"`
}

// Fits reports whether a server with vcpus vCPUs and memoryMiB MiB of
// memory fits in what the host has free, and the host is available. It
// does not check the flavor against Properties.AvailableInstanceCapacities,
// nor NUMA placement, which can still make a migration fail.
func (h *Host) Fits(vcpus, memoryMiB int) bool {
	return h.State == StateAvailable && h.AvailableVCPUs >= vcpus && h.AvailableMemory >= memoryMiB
}

// HostProperties is a host's host_properties.
type HostProperties struct {
	// HostType is the host type, such as "s6" or "c6".
	HostType string `json:"host_type"`
	// HostTypeName is the name of the host type.
	HostTypeName string `json:"host_type_name"`
	// VCPUs is how many vCPUs the host has in all.
	VCPUs int `json:"vcpus"`
	// Cores is how many physical cores the host has.
	Cores int `json:"cores"`
	// Sockets is how many physical sockets the host has.
	Sockets int `json:"sockets"`
	// Memory is the host's physical memory, in MiB.
	Memory int `json:"memory"`
	// AvailableInstanceCapacities lists the flavors of the servers the
	// host can place.
	AvailableInstanceCapacities []InstanceCapacity `json:"available_instance_capacities"`
}

// InstanceCapacity is one flavor a host can place.
type InstanceCapacity struct {
	// Flavor is the flavor's ID, such as "s6.large.2".
	Flavor string `json:"flavor"`
}

// Tags are a host's tags, by key. The reference documents them as an
// object of strings and the official SDK leaves their type open; Tags
// also takes a list of {"key", "value"} objects, and null.
type Tags map[string]string

// UnmarshalJSON decodes an object of strings or a list of key/value
// objects, dropping any tag with an empty key. Anything else leaves the
// tags empty instead of failing the whole answer.
func (t *Tags) UnmarshalJSON(b []byte) error {
	*t = nil
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case '{':
		var m map[string]string
		if json.Unmarshal(b, &m) != nil {
			return nil
		}
		delete(m, "") // a tag has a key; an empty one is dropped, as in the list form
		if len(m) > 0 {
			*t = m
		}
	case '[':
		var list []struct {
			Key   string `json:"key"`
			Value string `json:"value"`
		}
		if json.Unmarshal(b, &list) != nil {
			return nil
		}
		for _, kv := range list {
			if kv.Key == "" {
				continue
			}
			if *t == nil {
				*t = make(Tags, len(list))
			}
			(*t)[kv.Key] = kv.Value
		}
	}
	return nil
}

// ListHostsOptions filters and pages GET /v1.0/{project_id}/dedicated-hosts.
// The zero value lists every host of the project. Fields left at their
// zero value are not sent.
type ListHostsOptions struct {
	// ID keeps the host with this ID (dedicated_host_id).
	ID string `url:"dedicated_host_id,omitempty"`
	// Name keeps the hosts with this name.
	Name string `url:"name,omitempty"`
	// HostType keeps the hosts of one type, such as "s6".
	HostType string `url:"host_type,omitempty"`
	// HostTypeName keeps the hosts of one type name.
	HostTypeName string `url:"host_type_name,omitempty"`
	// Flavor keeps the hosts that can place servers of this flavor ID.
	Flavor string `url:"flavor,omitempty"`
	// State keeps the hosts in one state, such as StateAvailable.
	State State `url:"state,omitempty"`
	// Tenant is a project ID or "all"; only DeH administrators may set it.
	Tenant string `url:"tenant,omitempty"`
	// AvailabilityZone keeps the hosts of one availability zone.
	AvailabilityZone string `url:"availability_zone,omitempty"`
	// Tags keeps the hosts with this tag.
	Tags string `url:"tags,omitempty"`
	// InstanceUUID keeps the host the server with this ID is on
	// (instance_uuid).
	InstanceUUID string `url:"instance_uuid,omitempty"`
	// ReleasedAt keeps the hosts released at this time (released_at), in
	// the service's own form.
	ReleasedAt string `url:"released_at,omitempty"`
	// ChangesSince keeps the hosts whose state changed at or after this
	// time, recently released ones included; it is sent in RFC 3339.
	ChangesSince time.Time `url:"changes-since,omitempty"`
	// Limit is the page size; zero leaves it to the service. The iterator
	// fetches further pages as the caller asks for more hosts, whatever
	// the limit.
	Limit int `url:"limit,omitempty"`
	// Marker starts the list after the host with this ID.
	Marker string `url:"marker,omitempty"`
}

// hostsPage is the body of GET /v1.0/{project_id}/dedicated-hosts.
type hostsPage struct {
	Hosts []Host `json:"dedicated_hosts"`
	Total int    `json:"total"`
}

// ListHosts lists the project's dedicated hosts with their state and free
// capacity. It calls
//
//	GET /v1.0/{project_id}/dedicated-hosts
//
// with the filters of opts (nil lists every host). To choose where to
// cold-migrate a server, set State to StateAvailable (and Flavor to the
// server's flavor) and compare AvailableVCPUs and AvailableMemory with
// the flavor's size, or use Host.Fits.
//
// The service pages the list by limit and marker (the ID of the last host
// of the previous page) and gives the number of hosts that match
// (total). The iterator asks for the next page only when the loop goes
// past the previous one and stops at an empty page, a page shorter than
// Limit, or when it has seen the total; breaking out of the loop sends
// nothing more. A negative Limit is a *cloudmigrate.ValidationError,
// yielded before anything is sent; a refused request is a
// *cloudmigrate.Error. An error is yielded once and ends the sequence.
// Reads are retried on network errors, throttling and 502, 503 and 504.
func (c *Client) ListHosts(ctx context.Context, opts *ListHostsOptions) iter.Seq2[Host, error] {
	return func(yield func(Host, error) bool) {
		var q ListHostsOptions
		if opts != nil {
			q = *opts
		}
		if q.Limit < 0 {
			yield(Host{}, cloudmigrate.Invalid("ListHostsOptions.Limit", "must not be negative, got %d", q.Limit))
			return
		}
		seen := 0
		for {
			var p hostsPage
			if _, err := c.rc.Do(ctx, &rest.Request{
				Op:     "deh.ListHosts",
				Method: http.MethodGet,
				Path:   "/v1.0/{project_id}/dedicated-hosts",
				Params: []string{c.projectID},
				Query:  &q,
				Out:    &p,
			}); err != nil {
				yield(Host{}, err)
				return
			}
			for i := range p.Hosts {
				if !yield(p.Hosts[i], nil) {
					return
				}
			}
			seen += len(p.Hosts)
			if len(p.Hosts) == 0 || q.Limit > 0 && len(p.Hosts) < q.Limit || p.Total > 0 && seen >= p.Total {
				return
			}
			next := p.Hosts[len(p.Hosts)-1].ID
			if next == "" || next == q.Marker {
				yield(Host{}, fmt.Errorf("deh: GET /v1.0/%s/dedicated-hosts: the page gives no new marker; stopping", c.projectID))
				return
			}
			q.Marker = next
		}
	}
}

// hostAnswer is the body of GET /v1.0/{project_id}/dedicated-hosts/{id}.
type hostAnswer struct {
	Host *Host `json:"dedicated_host"`
}

// GetHost returns the dedicated host hostID, with the IDs of the servers
// on it (Host.InstanceUUIDs). It calls
//
//	GET /v1.0/{project_id}/dedicated-hosts/{dedicated_host_id}
//
// A hostID that cannot go into a path (see "IDs in URL paths" in
// [cloudmigrate]) is a *cloudmigrate.ValidationError and nothing is sent.
// Reads are retried as ListHosts' are; an unknown host is a
// *cloudmigrate.Error with status 404.
func (c *Client) GetHost(ctx context.Context, hostID string) (*Host, error) {
	if err := checkID("hostID", hostID); err != nil {
		return nil, err
	}
	var ans hostAnswer
	res, err := c.rc.Do(ctx, &rest.Request{
		Op:     "deh.GetHost",
		Method: http.MethodGet,
		Path:   "/v1.0/{project_id}/dedicated-hosts/{dedicated_host_id}",
		Params: []string{c.projectID, hostID},
		Out:    &ans,
	})
	if err != nil {
		return nil, err
	}
	if ans.Host == nil || ans.Host.ID == "" {
		return nil, fmt.Errorf("deh: the answer for dedicated host %s (request %s) holds no host", hostID, res.RequestID)
	}
	return ans.Host, nil
}
