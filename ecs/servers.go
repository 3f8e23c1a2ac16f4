package ecs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"strconv"
	"strings"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/internal/rest"
)

// ServerStatus is the status ECS shows for a server, in capitals. ECS
// derives it from the server's VM state and task state (see
// Server.VMState and Server.TaskState).
type ServerStatus string

// The server statuses the ECS API reference lists.
const (
	// ServerActive is a running server.
	ServerActive ServerStatus = "ACTIVE"
	// ServerShutoff is a stopped server, the status a cold migration
	// needs.
	ServerShutoff ServerStatus = "SHUTOFF"
	// ServerBuild is a server being created.
	ServerBuild ServerStatus = "BUILD"
	// ServerReboot is a server being restarted.
	ServerReboot ServerStatus = "REBOOT"
	// ServerHardReboot is a server being forcibly restarted.
	ServerHardReboot ServerStatus = "HARD_REBOOT"
	// ServerRebuild is a server being rebuilt.
	ServerRebuild ServerStatus = "REBUILD"
	// ServerMigrating is a server being live-migrated.
	ServerMigrating ServerStatus = "MIGRATING"
	// ServerResize is a server whose flavor is being changed or that is
	// being cold-migrated: a stopped server shows it while its
	// task_state is one of the resize_ steps.
	ServerResize ServerStatus = "RESIZE"
	// ServerVerifyResize is a server whose resize or migration waits to be
	// confirmed.
	ServerVerifyResize ServerStatus = "VERIFY_RESIZE"
	// ServerRevertResize is a server whose resize is being rolled back.
	ServerRevertResize ServerStatus = "REVERT_RESIZE"
	// ServerError is a server an operation left broken; Server.Fault says
	// why.
	ServerError ServerStatus = "ERROR"
	// ServerDeleted is a deleted server.
	ServerDeleted ServerStatus = "DELETED"
	// ServerShelved is a shelved server that boots from an image.
	ServerShelved ServerStatus = "SHELVED"
	// ServerShelvedOffloaded is a shelved server that boots from a volume.
	ServerShelvedOffloaded ServerStatus = "SHELVED_OFFLOADED"
	// ServerUnknown is a server whose status ECS cannot tell.
	ServerUnknown ServerStatus = "UNKNOWN"
)

// PowerState is the power state of a server's guest
// (OS-EXT-STS:power_state).
type PowerState int

// The power states the ECS API reference lists.
const (
	// PowerNoState means the state is not known.
	PowerNoState PowerState = 0
	// PowerRunning is a guest that runs.
	PowerRunning PowerState = 1
	// PowerShutdown is a guest that is powered off.
	PowerShutdown PowerState = 4
)

// Server is an ECS server as GET /v1/{project_id}/cloudservers/{server_id}
// and GET /v1/{project_id}/cloudservers/detail describe it. Fields the
// service leaves out or sends as null keep their zero value.
//
// The user data given at creation (OS-EXT-SRV-ATTR:user_data) is left
// out on purpose: it often holds passwords or keys, and this type is
// printed and logged.
type Server struct {
	// ID is the server's ID, a UUID.
	ID string `json:"id"`
	// Name is the server's name.
	Name string `json:"name"`
	// Description is the server's description.
	Description string `json:"description"`
	// Status is the server's status (see the ServerStatus constants).
	Status ServerStatus `json:"status"`
	// TaskState names the operation under way on the server, such as
	// "powering-off" or "resize_migrating" (OS-EXT-STS:task_state); empty
	// when none is.
	TaskState string `json:"OS-EXT-STS:task_state"`
	// VMState is the server's stable state in lower case, such as
	// "active" or "stopped" (OS-EXT-STS:vm_state).
	VMState string `json:"OS-EXT-STS:vm_state"`
	// PowerState is the guest's power state (OS-EXT-STS:power_state).
	PowerState PowerState `json:"OS-EXT-STS:power_state"`
	// Progress is the progress of the operation under way, 0 to 100.
	Progress int `json:"progress"`
	// Locked tells whether the server is locked; a locked server cannot be
	// migrated.
	Locked bool `json:"locked"`
	// Fault says why the server is in ERROR; nil otherwise.
	Fault *ServerFault `json:"fault"`

	// SchedulerHints holds the server's placement, among which the
	// dedicated host it is on (see DedicatedHostID).
	SchedulerHints SchedulerHints `json:"os:scheduler_hints"`
	// AvailabilityZone is the availability zone the server is in
	// (OS-EXT-AZ:availability_zone).
	AvailabilityZone string `json:"OS-EXT-AZ:availability_zone"`
	// Host is the name of the compute host the server runs on
	// (OS-EXT-SRV-ATTR:host).
	Host string `json:"OS-EXT-SRV-ATTR:host"`
	// HostID is a hash of the host's ID (hostId): equal on servers that
	// share a host, and nothing more.
	HostID string `json:"hostId"`
	// HostStatus is the state of the compute service on the host: "UP",
	// "DOWN", "UNKNOWN", "MAINTENANCE", or "" when there is no host.
	HostStatus string `json:"host_status"`
	// HypervisorHostname is the name of the hypervisor the server runs on
	// (OS-EXT-SRV-ATTR:hypervisor_hostname).
	HypervisorHostname string `json:"OS-EXT-SRV-ATTR:hypervisor_hostname"`
	// InstanceName is the server's alias on the hypervisor
	// (OS-EXT-SRV-ATTR:instance_name).
	InstanceName string `json:"OS-EXT-SRV-ATTR:instance_name"`
	// Hostname is the guest's host name (OS-EXT-SRV-ATTR:hostname).
	Hostname string `json:"OS-EXT-SRV-ATTR:hostname"`
	// Hypervisor describes the hypervisor type, when ECS says.
	Hypervisor *Hypervisor `json:"hypervisor"`

	// Flavor is the server's flavor.
	Flavor ServerFlavor `json:"flavor"`
	// Image is the image the server was created from.
	Image ServerImage `json:"image"`
	// Addresses are the server's IP addresses by network (the key is the
	// network's ID or name).
	Addresses map[string][]ServerAddress `json:"addresses"`
	// SecurityGroups are the server's security groups.
	SecurityGroups []ServerSecurityGroup `json:"security_groups"`
	// VolumesAttached are the disks attached to the server
	// (os-extended-volumes:volumes_attached).
	VolumesAttached []VolumeAttachment `json:"os-extended-volumes:volumes_attached"`
	// KeyName is the key pair the server was created with.
	KeyName string `json:"key_name"`
	// Metadata holds the server's metadata: the fields ECS adds
	// (charging_mode, vpc_id, metering.*, os_type, ...) and the user's.
	Metadata map[string]string `json:"metadata"`
	// Tags are the server's tags, each "key=value" or "key".
	Tags []string `json:"tags"`
	// SysTags are the server's system tags, such as
	// _sys_enterprise_project_id.
	SysTags []SysTag `json:"sys_tags"`
	// EnterpriseProjectID is the enterprise project the server belongs to.
	EnterpriseProjectID string `json:"enterprise_project_id"`
	// TenantID is the project that owns the server.
	TenantID string `json:"tenant_id"`
	// UserID is the user who created the server.
	UserID string `json:"user_id"`

	// Created is when the server was created.
	Created Time `json:"created"`
	// Updated is when the server last changed (started, stopped, ...).
	Updated Time `json:"updated"`
	// LaunchedAt is when the server was started (OS-SRV-USG:launched_at).
	LaunchedAt Time `json:"OS-SRV-USG:launched_at"`
	// TerminatedAt is when the server was deleted
	// (OS-SRV-USG:terminated_at).
	TerminatedAt Time `json:"OS-SRV-USG:terminated_at"`
	// AutoTerminateTime is when the server is scheduled to be deleted.
	AutoTerminateTime Time `json:"auto_terminate_time"`

	// DiskConfig is "MANUAL" or "AUTO" (OS-DCF:diskConfig).
	DiskConfig string `json:"OS-DCF:diskConfig"`
	// ConfigDrive is the config drive setting.
	ConfigDrive string `json:"config_drive"`
	// AccessIPv4 and AccessIPv6 are reserved by ECS.
	AccessIPv4 string `json:"accessIPv4"`
	AccessIPv6 string `json:"accessIPv6"`
	// ReservationID identifies the batch the server was created in
	// (OS-EXT-SRV-ATTR:reservation_id).
	ReservationID string `json:"OS-EXT-SRV-ATTR:reservation_id"`
	// LaunchIndex is the server's place in the batch it was created in
	// (OS-EXT-SRV-ATTR:launch_index).
	LaunchIndex int `json:"OS-EXT-SRV-ATTR:launch_index"`
	// KernelID and RamdiskID are the kernel and ramdisk images of an AMI
	// image; empty otherwise.
	KernelID  string `json:"OS-EXT-SRV-ATTR:kernel_id"`
	RamdiskID string `json:"OS-EXT-SRV-ATTR:ramdisk_id"`
	// RootDeviceName is the device name of the system disk, such as
	// "/dev/vda" (OS-EXT-SRV-ATTR:root_device_name).
	RootDeviceName string `json:"OS-EXT-SRV-ATTR:root_device_name"`
	// CPUOptions are the server's custom CPU options, when set.
	CPUOptions *CPUOptions `json:"cpu_options"`
	// SecurityOptions are the server's secure boot options, when set.
	SecurityOptions *SecurityOptions `json:"security_options"`
}

// DedicatedHostID returns the ID of the dedicated host the server is on,
// or "" when it is in the public resource pool. ECS reports it in the
// server's os:scheduler_hints (dedicated_host_id, a list with one entry).
func (s *Server) DedicatedHostID() string {
	for _, id := range s.SchedulerHints.DedicatedHostID {
		if id != "" {
			return id
		}
	}
	return ""
}

// SchedulerHints is a server's os:scheduler_hints: its placement.
type SchedulerHints struct {
	// Group lists the server group the server belongs to.
	Group []string `json:"group,omitempty"`
	// Tenancy is "dedicated" for a server on a dedicated host and
	// "shared" (or absent) for one in the public pool.
	Tenancy []string `json:"tenancy,omitempty"`
	// DedicatedHostID lists the dedicated host the server is on.
	DedicatedHostID []string `json:"dedicated_host_id,omitempty"`
}

// ServerFault is why a server is in ERROR.
type ServerFault struct {
	// Code is the fault code, as ECS writes it (a number or a word).
	Code FaultCode `json:"code"`
	// Message is the fault message.
	Message string `json:"message"`
	// Details are the fault's details.
	Details string `json:"details"`
	// Created is when the fault happened.
	Created Time `json:"created"`
}

// FaultCode is the code of a server fault. ECS documents the field
// without its type; FaultCode takes a JSON number or string, and keeps
// the text of either.
type FaultCode string

// UnmarshalJSON decodes a JSON number or string; null or anything else
// leaves the code empty.
func (c *FaultCode) UnmarshalJSON(b []byte) error {
	*c = ""
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
	case b[0] == '"':
		var s string
		if json.Unmarshal(b, &s) == nil {
			*c = FaultCode(s)
		}
	case b[0] == '-' || b[0] >= '0' && b[0] <= '9':
		var n json.Number
		if json.Unmarshal(b, &n) == nil {
			*c = FaultCode(n.String())
		}
	}
	return nil
}

// ServerFlavor is the flavor of a server. ECS writes its figures as
// strings.
type ServerFlavor struct {
	// ID is the flavor's ID, such as "s6.large.2".
	ID string `json:"id"`
	// Name is the flavor's name.
	Name string `json:"name"`
	// Disk is the system disk size of the flavor ("0": no limit).
	Disk string `json:"disk"`
	// VCPUs is the number of vCPUs, as text.
	VCPUs string `json:"vcpus"`
	// RAM is the memory in MiB, as text.
	RAM string `json:"ram"`
	// GPUs are the flavor's GPU devices.
	GPUs []FlavorDevice `json:"gpus,omitempty"`
	// ASICAccelerators are the flavor's ASIC devices (asic_accelerators).
	ASICAccelerators []FlavorDevice `json:"asic_accelerators,omitempty"`
}

// FlavorDevice is a GPU or ASIC device of a flavor.
type FlavorDevice struct {
	// Name is the device's name.
	Name string `json:"name"`
	// Count is how many the flavor has.
	Count int `json:"count"`
	// MemoryMB is each device's memory in MB (memory_mb).
	MemoryMB int `json:"memory_mb"`
}

// ServerImage is the image of a server.
type ServerImage struct {
	// ID is the image's ID.
	ID string `json:"id"`
}

// ServerAddress is one IP address of a server.
type ServerAddress struct {
	// Version is "4" or "6".
	Version string `json:"version"`
	// Addr is the address.
	Addr string `json:"addr"`
	// Primary tells whether the address is on the primary NIC.
	Primary bool `json:"primary,omitempty"`
	// Type is "fixed" (private) or "floating" (OS-EXT-IPS:type).
	Type string `json:"OS-EXT-IPS:type"`
	// MACAddr is the NIC's MAC address (OS-EXT-IPS-MAC:mac_addr).
	MACAddr string `json:"OS-EXT-IPS-MAC:mac_addr"`
	// PortID is the ID of the port the address belongs to
	// (OS-EXT-IPS:port_id).
	PortID string `json:"OS-EXT-IPS:port_id"`
}

// ServerSecurityGroup is one security group of a server.
type ServerSecurityGroup struct {
	// ID is the security group's ID; ECS may leave it out.
	ID string `json:"id,omitempty"`
	// Name is the security group's name (or its ID).
	Name string `json:"name"`
}

// VolumeAttachment is one disk attached to a server.
type VolumeAttachment struct {
	// ID is the disk's ID.
	ID string `json:"id"`
	// Device is the device name, such as "/dev/vda".
	Device string `json:"device"`
	// BootIndex is "0" for the system disk.
	BootIndex string `json:"bootIndex"`
	// DeleteOnTermination is "true" when the disk goes with the server.
	DeleteOnTermination string `json:"delete_on_termination"`
}

// SysTag is one system tag of a server.
type SysTag struct {
	// Key is the tag's key, such as "_sys_enterprise_project_id".
	Key string `json:"key"`
	// Value is the tag's value.
	Value string `json:"value"`
}

// Hypervisor describes the hypervisor a server runs on.
type Hypervisor struct {
	// Type is the hypervisor type (hypervisor_type).
	Type string `json:"hypervisor_type,omitempty"`
	// CSDHypervisor is the hypervisor's CSD information
	// (csd_hypervisor).
	CSDHypervisor string `json:"csd_hypervisor,omitempty"`
}

// CPUOptions are a server's custom CPU options.
type CPUOptions struct {
	// ThreadsPerCore is 1 (hyper-threading off) or 2 (on), nil when not set
	// (hw:cpu_threads).
	ThreadsPerCore *int `json:"hw:cpu_threads"`
}

// SecurityOptions are a server's secure boot options.
type SecurityOptions struct {
	// SecureBootEnabled tells whether secure boot is on, nil when ECS
	// does not say.
	SecureBootEnabled *bool `json:"secure_boot_enabled,omitempty"`
	// TPMEnabled tells whether a TPM is on, nil when ECS does not say.
	TPMEnabled *bool `json:"tpm_enabled"`
}

// serverAnswer is the body of GET /v1/{project_id}/cloudservers/{server_id}.
type serverAnswer struct {
	Server *Server `json:"server"`
}

// GetServer returns the server serverID: its status, task state,
// dedicated host, flavor, availability zone and the rest of its details.
// It calls
//
//	GET /v1/{project_id}/cloudservers/{server_id}
//
// A serverID that cannot go into a path (see "IDs in URL paths" in
// [cloudmigrate]) is a *cloudmigrate.ValidationError and nothing is sent.
// Network errors, throttling and 502, 503 and 504 answers are retried; an
// unknown server is a *cloudmigrate.Error with status 404 and
// CodeServerNotFound.
func (c *Client) GetServer(ctx context.Context, serverID string) (*Server, error) {
	if err := checkID("serverID", serverID); err != nil {
		return nil, err
	}
	var ans serverAnswer
	res, err := c.rc.Do(ctx, &rest.Request{
		Op:     "ecs.GetServer",
		Method: http.MethodGet,
		Path:   "/v1/{project_id}/cloudservers/{server_id}",
		Params: []string{c.projectID, serverID},
		Out:    &ans,
	})
	if err != nil {
		return nil, err
	}
	if ans.Server == nil || ans.Server.ID == "" {
		// A 2xx whose body is no server (a proxy's page, say): a wait that
		// checks where the server is could not go on from it.
		return nil, fmt.Errorf("ecs: the answer for server %s (request %s) holds no server", serverID, res.RequestID)
	}
	return ans.Server, nil
}

// MaxListLimit is the largest page ListServers may ask for (the service's
// own limit).
const MaxListLimit = 1000

// defaultPageSize is the page size of the list when no limit is sent.
const defaultPageSize = 25

// MaxServerIDsPerList is how many server IDs ListServersOptions.ServerIDs
// may hold. The service advises at most 100 so that the URL stays short.
const MaxServerIDsPerList = 100

// ListServersOptions filters and pages GET /v1/{project_id}/cloudservers/detail.
// The zero value lists every server of the project. Fields left at their
// zero value are not sent.
//
// The API has no filter by dedicated host: list a host's servers with
// deh.Client.ListHostServers (package ecs/deh), or filter on
// Server.DedicatedHostID.
type ListServersOptions struct {
	// Name keeps the servers whose name matches it; ECS matches fuzzily,
	// and a "." matches any one character.
	Name string `url:"name,omitempty"`
	// Status keeps the servers in one status, such as ServerShutoff.
	Status ServerStatus `url:"status,omitempty"`
	// Flavor keeps the servers of one flavor ID, such as "s6.large.2".
	Flavor string `url:"flavor,omitempty"`
	// IP keeps the servers with a private IPv4 address that contains it.
	IP string `url:"ip,omitempty"`
	// IPEq keeps the servers with exactly this private IPv4 address
	// (ip_eq).
	IPEq string `url:"ip_eq,omitempty"`
	// Tags keeps the servers with a tag containing it.
	Tags string `url:"tags,omitempty"`
	// NotTags keeps the servers with no tag containing it (not-tags), such
	// as "__type_baremetal" to leave out bare-metal servers.
	NotTags string `url:"not-tags,omitempty"`
	// ReservationID keeps the servers created in one batch.
	ReservationID string `url:"reservation_id,omitempty"`
	// EnterpriseProjectID keeps the servers of one enterprise project
	// ("all_granted_eps": of every one the caller may see).
	EnterpriseProjectID string `url:"enterprise_project_id,omitempty"`
	// ServerIDs keeps the servers with these IDs, at most
	// MaxServerIDsPerList (server_id, comma-separated). When it is set the
	// service ignores every other filter, and an ID it does not know comes
	// back as a Server with only ID and Fault set.
	ServerIDs []string `url:"server_id,comma,omitempty"`
	// Limit is the page size, 1 to MaxListLimit; zero leaves it to the
	// service (25). The iterator fetches further pages as the caller asks
	// for more servers, whatever the limit.
	Limit int `url:"limit,omitempty"`
	// Offset is the page to start from, counting from 1 (the service's
	// offset is a page number, not a count of servers); zero starts at
	// the first page.
	Offset int `url:"offset,omitempty"`
}

func (o *ListServersOptions) check() error {
	switch {
	case o.Limit < 0 || o.Limit > MaxListLimit:
		return cloudmigrate.Invalid("ListServersOptions.Limit", "must be between 0 and %d, got %d", MaxListLimit, o.Limit)
	case o.Offset < 0:
		return cloudmigrate.Invalid("ListServersOptions.Offset", "must not be negative, got %d", o.Offset)
	case len(o.ServerIDs) > MaxServerIDsPerList:
		return cloudmigrate.Invalid("ListServersOptions.ServerIDs", "holds %d IDs, more than %d", len(o.ServerIDs), MaxServerIDsPerList)
	}
	for i, id := range o.ServerIDs {
		if err := checkListID("ListServersOptions.ServerIDs["+strconv.Itoa(i)+"]", id); err != nil {
			return err
		}
	}
	return nil
}

// checkListID is checkID for a server ID that may be sent in a
// comma-separated list (the server_id filter): it must not hold a comma
// either.
func checkListID(field, id string) error {
	if err := checkID(field, id); err != nil {
		return err
	}
	if strings.ContainsRune(id, ',') {
		return cloudmigrate.Invalid(field, "must not contain a comma")
	}
	return nil
}

// serversPage is the body of GET /v1/{project_id}/cloudservers/detail.
type serversPage struct {
	Count   int      `json:"count"`
	Servers []Server `json:"servers"`
}

// ListServers lists the project's servers with their details. It calls
//
//	GET /v1/{project_id}/cloudservers/detail
//
// with the filters of opts (nil lists every server). To find what to move
// off a dedicated host, list the host's servers with package ecs/deh, or
// filter these on Server.DedicatedHostID; to find stopped servers, set
// Status to ServerShutoff.
//
// ECS pages the list by page number (offset) and size (limit, 25 unless
// set), and gives the total (count). The iterator asks for the next page
// only when the loop goes past the previous one, and stops after the page
// that brings it to the total, or at an empty or short page; breaking out
// of the loop sends nothing more. Servers created or deleted while the
// loop runs can shift the pages, so a server may be seen twice or missed:
// the API offers no stable paging order.
//
// A bad option (a Limit outside 0 to MaxListLimit, a negative Offset, more
// than MaxServerIDsPerList IDs or one that breaks the path-ID rule) is a
// *cloudmigrate.ValidationError, yielded before anything is sent. A
// refused request is a *cloudmigrate.Error. An error is yielded once and
// ends the sequence. Reads are retried like GetServer's.
func (c *Client) ListServers(ctx context.Context, opts *ListServersOptions) iter.Seq2[Server, error] {
	return func(yield func(Server, error) bool) {
		var q ListServersOptions
		if opts != nil {
			q = *opts
			q.ServerIDs = append([]string(nil), opts.ServerIDs...)
		}
		if err := q.check(); err != nil {
			yield(Server{}, err)
			return
		}
		start := max(q.Offset, 1)
		size := q.Limit
		if size == 0 {
			size = defaultPageSize
		}
		seen := (start - 1) * size // servers on the pages skipped
		var firstOfLast string
		for page := start; ; page++ {
			q.Offset = page
			var p serversPage
			_, err := c.rc.Do(ctx, &rest.Request{
				Op:     "ecs.ListServers",
				Method: http.MethodGet,
				Path:   "/v1/{project_id}/cloudservers/detail",
				Params: []string{c.projectID},
				Query:  &q,
				Out:    &p,
			})
			if err != nil {
				yield(Server{}, err)
				return
			}
			if len(p.Servers) == 0 {
				return
			}
			if page > start && p.Servers[0].ID == firstOfLast {
				// The service ignored the page number and sent the same
				// page again: going on would never end.
				yield(Server{}, fmt.Errorf("ecs: GET /v1/%s/cloudservers/detail: page %d repeats page %d; stopping", c.projectID, page, page-1))
				return
			}
			firstOfLast = p.Servers[0].ID
			for i := range p.Servers {
				if !yield(p.Servers[i], nil) {
					return
				}
			}
			seen += len(p.Servers)
			if p.Count > 0 && seen >= p.Count || len(p.Servers) < size {
				return
			}
		}
	}
}
