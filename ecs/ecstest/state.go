package ecstest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Server statuses the fake keeps. A cold migration needs StatusShutoff.
const (
	// StatusActive is a running server.
	StatusActive = "ACTIVE"
	// StatusShutoff is a stopped server.
	StatusShutoff = "SHUTOFF"
	// StatusResize is a server being cold-migrated, from the moment its job
	// starts RUNNING until the server has settled on its new host.
	// ServerState reports it; AddServer does not take it.
	StatusResize = "RESIZE"
	// StatusError is a server a migration left broken (see
	// StrandNextMigrations). ServerState reports it; AddServer does not
	// take it.
	StatusError = "ERROR"
)

// Task states the fake shows in OS-EXT-STS:task_state, the words of the
// ECS API reference's status table.
const (
	// TaskResizeMigrating is shown while a cold-migration job runs.
	TaskResizeMigrating = "resize_migrating"
	// TaskResizeFinish is shown after a cold-migration job has reported
	// SUCCESS and before the server has settled (see WithSettleDelay).
	TaskResizeFinish = "resize_finish"
	// TaskPoweringOff is shown while a stop job runs.
	TaskPoweringOff = "powering-off"
	// TaskPoweringOn is shown while a start job runs.
	TaskPoweringOn = "powering-on"
)

// Defaults of a server or dedicated host added without them.
const (
	// DefaultFlavor is the flavor of a server added without one: 2 vCPUs
	// and 4 GiB.
	DefaultFlavor = "s6.large.2"
	// DefaultAvailabilityZone is the availability zone of servers and
	// hosts added without one.
	DefaultAvailabilityZone = "xx-fake-1a"
	// DefaultHostType and DefaultHostTypeName are the type of a dedicated
	// host added without one.
	DefaultHostType     = "s6"
	DefaultHostTypeName = "dedicated_general_purpose"
	// DefaultHostVCPUs and DefaultHostMemory are the size of a dedicated
	// host added without one: 72 vCPUs and 288 GiB (in MiB).
	DefaultHostVCPUs  = 72
	DefaultHostMemory = 294912
)

// Dedicated host states, as the DeH API writes them.
const (
	// HostAvailable is a host that takes servers.
	HostAvailable = "available"
	// HostFault is a host with a fault: cold migrations to it are refused.
	HostFault = "fault"
)

// ServerInfo describes a server of the fake, as AddServer takes it and
// ServerState reports it.
type ServerInfo struct {
	// ID is the server ID, such as a UUID. Required.
	ID string
	// Name is the server's name; AddServer takes "" as the ID.
	Name string
	// Status is StatusActive or StatusShutoff; AddServer takes "" as
	// StatusShutoff. ServerState also reports StatusResize and
	// StatusError.
	Status string
	// HostID is the dedicated host the server is on, or "" for the public
	// resource pool.
	HostID string
	// Flavor is the server's flavor ID, named as ECS names flavors
	// (family.size.ratio: "s6.large.2" has 2 vCPUs and 2 GiB per vCPU;
	// sizes are small and medium (1 vCPU), large (2), xlarge (4) and
	// Nxlarge (4N)); AddServer takes "" as DefaultFlavor.
	Flavor string
	// AvailabilityZone is the server's availability zone; AddServer takes
	// "" as DefaultAvailabilityZone.
	AvailabilityZone string
	// Locked is true when the server is locked; a locked server cannot be
	// migrated, stopped or started.
	Locked bool
	// TaskState is the task under way on the server, as GetServer shows
	// it (TaskResizeMigrating, TaskPoweringOff, ...), or "". ServerState
	// fills it; AddServer ignores it.
	TaskState string
	// MigrationJobID is the ID of the cold-migration job under way on the
	// server, or "" when none is. ServerState fills it; AddServer ignores
	// it.
	MigrationJobID string
	// JobID is the ID of the job under way on the server (a cold
	// migration, stop or start), or "". ServerState fills it; AddServer
	// ignores it.
	JobID string
	// Fault is the fault message of a server in StatusError. ServerState
	// fills it; AddServer ignores it.
	Fault string
}

// HostInfo describes a dedicated host of the fake, as AddDedicatedHost
// takes it and DedicatedHostState reports it.
type HostInfo struct {
	// ID is the host ID. Required.
	ID string
	// Name is the host's name; "" is taken as the ID.
	Name string
	// AvailabilityZone is the host's availability zone; "" is taken as
	// DefaultAvailabilityZone.
	AvailabilityZone string
	// HostType and HostTypeName are the host's type; "" is taken as
	// DefaultHostType and DefaultHostTypeName.
	HostType, HostTypeName string
	// VCPUs and Memory (MiB) are the host's size; zero is taken as
	// DefaultHostVCPUs and DefaultHostMemory.
	VCPUs, Memory int
	// State is HostAvailable or HostFault; "" is taken as HostAvailable.
	State string
	// Flavors are the flavors the host lists as placeable; nil is taken as
	// the host type's large, xlarge and 2xlarge flavors with 2 and 4 GiB
	// per vCPU. The fake does not refuse other flavors.
	Flavors []string
	// AvailableVCPUs and AvailableMemory are what is free on the host,
	// with the servers on it and those being migrated to it counted.
	// DedicatedHostState fills them; AddDedicatedHost ignores them.
	AvailableVCPUs, AvailableMemory int
	// ServerIDs are the servers on the host, sorted. DedicatedHostState
	// fills it; AddDedicatedHost ignores it.
	ServerIDs []string
}

// server is the fake's record of one server.
type server struct {
	id, name string
	status   string
	host     string
	flavor   string
	az       string
	locked   bool
	fault    string    // fault message while in StatusError
	created  time.Time // on the fake's clock
	updated  time.Time
	active   *job // job not yet settled (migration, stop or start), or nil
}

// host is the fake's record of one dedicated host.
type host struct {
	info      HostInfo
	allocated time.Time
}

// flavorSize returns the vCPUs and memory (MiB) of a flavor named
// family.size.ratio, or ok false for a name of another form.
func flavorSize(flavor string) (vcpus, memory int, ok bool) {
	parts := strings.Split(flavor, ".")
	if len(parts) != 3 || parts[0] == "" {
		return 0, 0, false
	}
	ratio, err := strconv.Atoi(parts[2])
	if err != nil || ratio <= 0 || ratio > 64 {
		return 0, 0, false
	}
	switch size := parts[1]; {
	case size == "small" || size == "medium":
		vcpus = 1
	case size == "large":
		vcpus = 2
	case size == "xlarge":
		vcpus = 4
	case strings.HasSuffix(size, "xlarge"):
		n, err := strconv.Atoi(strings.TrimSuffix(size, "xlarge"))
		if err != nil || n < 2 || n > 64 {
			return 0, 0, false
		}
		vcpus = 4 * n
	default:
		return 0, 0, false
	}
	return vcpus, vcpus * ratio * 1024, true
}

// AddHost adds dedicated hosts with the given IDs and the defaults of
// AddDedicatedHost. Adding a host that exists does nothing. It panics on
// an empty ID.
func (s *Server) AddHost(ids ...string) {
	for _, id := range ids {
		if id == "" {
			panic("ecstest: AddHost: empty host ID")
		}
		s.mu.Lock()
		_, ok := s.hosts[id]
		s.mu.Unlock()
		if !ok {
			s.AddDedicatedHost(HostInfo{ID: id})
		}
	}
}

// AddDedicatedHost adds a dedicated host, or replaces the one with the
// same ID (the servers on it stay). Empty fields take the defaults
// HostInfo names. It panics on an empty ID, a negative size or a State
// other than HostAvailable, HostFault or "".
func (s *Server) AddDedicatedHost(info HostInfo) {
	if info.ID == "" {
		panic("ecstest: AddDedicatedHost: empty host ID")
	}
	if info.VCPUs < 0 || info.Memory < 0 {
		panic(fmt.Sprintf("ecstest: AddDedicatedHost: negative size (%d vCPUs, %d MiB)", info.VCPUs, info.Memory))
	}
	switch info.State {
	case "":
		info.State = HostAvailable
	case HostAvailable, HostFault:
	default:
		panic(fmt.Sprintf("ecstest: AddDedicatedHost: state %q is neither %s nor %s", info.State, HostAvailable, HostFault))
	}
	if info.Name == "" {
		info.Name = info.ID
	}
	if info.AvailabilityZone == "" {
		info.AvailabilityZone = DefaultAvailabilityZone
	}
	if info.HostType == "" {
		info.HostType = DefaultHostType
	}
	if info.HostTypeName == "" {
		info.HostTypeName = DefaultHostTypeName
	}
	if info.VCPUs == 0 {
		info.VCPUs = DefaultHostVCPUs
	}
	if info.Memory == 0 {
		info.Memory = DefaultHostMemory
	}
	if info.Flavors == nil {
		for _, size := range []string{"large", "xlarge", "2xlarge"} {
			for _, ratio := range []string{"2", "4"} {
				info.Flavors = append(info.Flavors, info.HostType+"."+size+"."+ratio)
			}
		}
	} else {
		info.Flavors = slices.Clone(info.Flavors)
	}
	info.AvailableVCPUs, info.AvailableMemory, info.ServerIDs = 0, 0, nil
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hosts[info.ID] = &host{info: info, allocated: s.Clock().Now()}
}

// SetHostState sets a dedicated host's state to HostAvailable or
// HostFault. It fails for an unknown host or another state.
func (s *Server) SetHostState(id, state string) error {
	if state != HostAvailable && state != HostFault {
		return fmt.Errorf("ecstest: host state %q is neither %s nor %s", state, HostAvailable, HostFault)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.hosts[id]
	if h == nil {
		return fmt.Errorf("ecstest: no dedicated host %s", id)
	}
	h.info.State = state
	return nil
}

// DedicatedHostState returns the host as the DeH API shows it now: its
// settings, its free capacity and the servers on it, with every job that
// has settled by the fake's clock applied; false when there is no such
// host.
func (s *Server) DedicatedHostState(id string) (HostInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked(s.Clock().Now())
	h := s.hosts[id]
	if h == nil {
		return HostInfo{}, false
	}
	return s.hostInfoLocked(h), true
}

// hostInfoLocked is h with its free capacity and servers filled in. The
// caller holds s.mu and has settled the jobs.
func (s *Server) hostInfoLocked(h *host) HostInfo {
	info := h.info
	info.Flavors = slices.Clone(info.Flavors)
	usedCPU, usedMem := s.usedLocked(h.info.ID)
	info.AvailableVCPUs = max(info.VCPUs-usedCPU, 0)
	info.AvailableMemory = max(info.Memory-usedMem, 0)
	info.ServerIDs = s.serversOnLocked(h.info.ID)
	return info
}

// serversOnLocked returns the IDs of the servers settled on host, sorted.
func (s *Server) serversOnLocked(hostID string) []string {
	var ids []string
	for id, sv := range s.servers {
		if sv.host == hostID {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// usedLocked returns the vCPUs and memory taken on a host: by the servers
// on it and by those a migration job under way moves to it.
func (s *Server) usedLocked(hostID string) (vcpus, memory int) {
	for _, sv := range s.servers {
		incoming := sv.active != nil && sv.active.kind == kindMigrate && sv.active.to == hostID && !sv.active.failing()
		if sv.host == hostID || incoming {
			c, m, _ := flavorSize(sv.flavor)
			vcpus += c
			memory += m
		}
	}
	return vcpus, memory
}

// AddServer adds a server, or replaces the one with the same ID (and then
// forgets any job under way on it). A non-empty HostID the fake does not
// know is added as a dedicated host with AddHost's defaults. It panics on
// an empty ID, a Status other than StatusActive, StatusShutoff or "", or a
// Flavor not of the form family.size.ratio.
func (s *Server) AddServer(info ServerInfo) {
	if info.ID == "" {
		panic("ecstest: AddServer: empty server ID")
	}
	switch info.Status {
	case "":
		info.Status = StatusShutoff
	case StatusActive, StatusShutoff:
	default:
		panic(fmt.Sprintf("ecstest: AddServer: status %q is neither %s nor %s", info.Status, StatusActive, StatusShutoff))
	}
	if info.Flavor == "" {
		info.Flavor = DefaultFlavor
	}
	if _, _, ok := flavorSize(info.Flavor); !ok {
		panic(fmt.Sprintf("ecstest: AddServer: flavor %q is not of the form family.size.ratio, such as %s", info.Flavor, DefaultFlavor))
	}
	if info.Name == "" {
		info.Name = info.ID
	}
	if info.AvailabilityZone == "" {
		info.AvailabilityZone = DefaultAvailabilityZone
	}
	if info.HostID != "" {
		s.AddHost(info.HostID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	if old := s.servers[info.ID]; old == nil {
		s.serverOrder = append(s.serverOrder, info.ID)
	}
	s.servers[info.ID] = &server{
		id: info.ID, name: info.Name, status: info.Status, host: info.HostID, flavor: info.Flavor,
		az: info.AvailabilityZone, locked: info.Locked, created: now, updated: now,
	}
}

// ServerState returns the server's current state, with the effect of every
// job that has settled by the fake's clock applied, and false when there is
// no such server.
func (s *Server) ServerState(id string) (ServerInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	sv := s.servers[id]
	if sv == nil {
		return ServerInfo{}, false
	}
	status, task := s.liveStatusLocked(sv, now)
	info := ServerInfo{
		ID: sv.id, Name: sv.name, Status: status, HostID: sv.host, Flavor: sv.flavor,
		AvailabilityZone: sv.az, Locked: sv.locked, TaskState: task, Fault: sv.fault,
	}
	if sv.active != nil {
		info.JobID = sv.active.id
		if sv.active.kind == kindMigrate {
			info.MigrationJobID = sv.active.id
		}
	}
	return info, true
}

// liveStatusLocked returns the status and task state the server shows at
// now: a job under way changes what it shows from the moment the job
// leaves INIT until it settles.
func (s *Server) liveStatusLocked(sv *server, now time.Time) (status, task string) {
	j := sv.active
	if j == nil {
		return sv.status, ""
	}
	state, _, _ := j.timeline().At(now)
	if state == jobInit || j.subFor(sv.id).failCode != "" {
		return sv.status, ""
	}
	switch j.kind {
	case kindMigrate:
		if state == jobRunning {
			return StatusResize, TaskResizeMigrating
		}
		return StatusResize, TaskResizeFinish
	case kindStop:
		return sv.status, TaskPoweringOff
	default:
		return sv.status, TaskPoweringOn
	}
}

// StopServer sets the server's status to StatusShutoff at once, as the
// ECS stop action does once it has finished (the API's StopServers goes
// through a job). It fails while a job is under way on the server.
func (s *Server) StopServer(id string) error { return s.setStatus(id, StatusShutoff) }

// StartServer sets the server's status to StatusActive at once, as
// StopServer does for a stop. It fails while a job is under way on the
// server.
func (s *Server) StartServer(id string) error { return s.setStatus(id, StatusActive) }

func (s *Server) setStatus(id, status string) error {
	return s.update(id, func(sv *server) error {
		if sv.active != nil {
			return fmt.Errorf("ecstest: server %s is busy with job %s", id, sv.active.id)
		}
		sv.status, sv.fault = status, ""
		sv.updated = s.Clock().Now()
		return nil
	})
}

// LockServer locks the server, so that cold migrations of it are refused
// with ecs.CodeServerLocked and its stops and starts fail with it.
func (s *Server) LockServer(id string) error {
	return s.update(id, func(sv *server) error { sv.locked = true; return nil })
}

// UnlockServer unlocks the server.
func (s *Server) UnlockServer(id string) error {
	return s.update(id, func(sv *server) error { sv.locked = false; return nil })
}

// update applies f to the server id, after settling ended jobs.
func (s *Server) update(id string, f func(*server) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked(s.Clock().Now())
	sv := s.servers[id]
	if sv == nil {
		return fmt.Errorf("ecstest: no server %s", id)
	}
	return f(sv)
}

// settleLocked applies the outcome of every job that has settled by now:
// a successful migration moves its server to the target (or, stranded,
// leaves it where it was), a successful stop or start changes the status.
// The caller holds s.mu. Since the clock only moves forward, a job that
// has settled stays settled, and each is settled once.
func (s *Server) settleLocked(now time.Time) {
	kept := s.pending[:0]
	for _, j := range s.pending {
		if now.Before(j.settleAt()) {
			kept = append(kept, j)
			continue
		}
		for _, sub := range j.subs {
			sv := s.servers[sub.serverID]
			if sv == nil || sv.active != j {
				continue // replaced by AddServer while the job ran
			}
			sv.active = nil
			if sub.failCode != "" {
				continue
			}
			sv.updated = j.settleAt()
			switch j.kind {
			case kindMigrate:
				switch {
				case j.strandFault != "":
					sv.status, sv.fault = StatusError, j.strandFault
				case !j.strand:
					sv.host = j.to
				}
			case kindStop:
				sv.status = StatusShutoff
			case kindStart:
				sv.status = StatusActive
			}
		}
	}
	clear(s.pending[len(kept):])
	s.pending = kept
}
