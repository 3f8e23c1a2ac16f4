package novatest

import (
	"fmt"
	"time"
)

// Server statuses, as nova shows them.
const (
	// StatusActive is a running server. Live and cold migrations start
	// from it.
	StatusActive = "ACTIVE"
	// StatusShutoff is a stopped server. Cold migrations start from it;
	// live migrations refuse it.
	StatusShutoff = "SHUTOFF"
	// StatusMigrating is a server under live migration.
	StatusMigrating = "MIGRATING"
	// StatusResize is a server under cold migration, before it is
	// finished.
	StatusResize = "RESIZE"
	// StatusVerifyResize is a server whose cold migration is finished and
	// waits to be confirmed or reverted. It is on the destination host.
	StatusVerifyResize = "VERIFY_RESIZE"
	// StatusRevertResize is a server whose cold migration is being
	// reverted.
	StatusRevertResize = "REVERT_RESIZE"
	// StatusRebuild is a server under evacuation, being rebuilt on its
	// new host.
	StatusRebuild = "REBUILD"
	// StatusError is a server an operation left broken, such as a failed
	// evacuation. Evacuations start from it too.
	StatusError = "ERROR"
)

// Task states a server shows while a migration works on it (nova's
// OS-EXT-STS:task_state); "" when none.
const (
	TaskMigrating       = "migrating"
	TaskResizePrep      = "resize_prep"
	TaskResizeMigrating = "resize_migrating"
	TaskResizeFinish    = "resize_finish"
	TaskResizeReverting = "resize_reverting"
	TaskRebuilding      = "rebuilding"
)

// Default sizes of a server, which the byte counters of its live
// migrations count up to.
const (
	DefaultMemoryBytes int64 = 4 << 30
	DefaultDiskBytes   int64 = 20 << 30
)

// ServerInfo is a server of the fake as ServerState reports it.
type ServerInfo struct {
	// ID is the server's UUID.
	ID string
	// Host is the compute host the server is on. During a live migration
	// it is the source; from the moment a cold migration is finished it
	// is the destination.
	Host string
	// Status is one of the Status constants.
	Status string
	// TaskState is one of the Task constants, or "".
	TaskState string
	// MigrationID is the migration under way on the server (a cold one
	// stays until it is confirmed or reverted), or 0.
	MigrationID int
}

// host is a compute host: its service host name, hypervisor node and the
// IP address nova reports as a migration's dest_host. down is set while
// its compute service is down (SetHostDown).
type host struct {
	name, node, ip string
	down           bool
	// svc is what the API sets on the host's compute service: disabled,
	// forced down (services.go).
	svc computeService
}

// server is the fake's record of one server. While mig is set, what the
// server shows comes from the migration's status.
type server struct {
	id       string
	host     *host
	status   string // ACTIVE or SHUTOFF when no migration is under way
	memory   int64
	disk     int64
	flavorID int
	mig      *migration
	// seq numbers servers in the order they were added; created and
	// updated are on the fake's clock (updated moves when a migration
	// ends).
	seq              int
	created, updated time.Time
	// fault is the fault nova shows on a server in ERROR.
	fault *serverFault
}

// serverFault is what nova records when an operation leaves a server in
// ERROR.
type serverFault struct {
	code             int
	message, details string
	created          time.Time
}

// AddHost adds compute hosts. Adding a host that exists does nothing. It
// panics on an empty name.
func (s *Server) AddHost(names ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range names {
		if n == "" {
			panic("novatest: AddHost: empty host name")
		}
		s.hostLocked(n)
	}
}

// hostLocked returns the host named n, adding it if needed. The caller
// holds s.mu.
func (s *Server) hostLocked(n string) *host {
	if h := s.hosts[n]; h != nil {
		return h
	}
	h := &host{name: n, node: n, ip: fmt.Sprintf("192.0.2.%d", 10+len(s.hostOrder))}
	s.hosts[n] = h
	s.hostOrder = append(s.hostOrder, h)
	return h
}

// Hosts returns the compute hosts' names in the order they were added.
func (s *Server) Hosts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.hostOrder))
	for i, h := range s.hostOrder {
		out[i] = h.name
	}
	return out
}

// AddServer adds a server on a compute host (added too if unknown), or
// replaces the one with the same ID; a migration under way on a replaced
// server goes on in the records but no longer moves it. status is
// StatusActive or StatusShutoff. The server has DefaultMemoryBytes of
// memory and DefaultDiskBytes of disk. Nova's server IDs are UUIDs, and
// its response schemas say so: give one, for answers that nova could have
// sent. It panics on an empty ID or host, or another status.
func (s *Server) AddServer(id, hostName, status string) {
	switch {
	case id == "":
		panic("novatest: AddServer: empty server ID")
	case hostName == "":
		panic("novatest: AddServer: empty host name")
	case status != StatusActive && status != StatusShutoff:
		panic(fmt.Sprintf("novatest: AddServer: status %q is neither %s nor %s", status, StatusActive, StatusShutoff))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.serverSeq++
	s.servers[id] = &server{
		id: id, host: s.hostLocked(hostName), status: status,
		memory: DefaultMemoryBytes, disk: DefaultDiskBytes, flavorID: 1,
		seq: s.serverSeq, created: now, updated: now,
	}
	s.recordCreateLocked(id, now)
}

// ServerState returns the server's state now, by the fake's clock, and
// false when there is no such server.
func (s *Server) ServerState(id string) (ServerInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	sv := s.servers[id]
	if sv == nil {
		return ServerInfo{}, false
	}
	return sv.view(now), true
}

// view says what the server shows at now: its own status, or the one its
// migration gives it. The caller holds s.mu and has settled the state.
func (sv *server) view(now time.Time) ServerInfo {
	info := ServerInfo{ID: sv.id, Host: sv.host.name, Status: sv.status}
	m := sv.mig
	if m == nil {
		return info
	}
	info.MigrationID = m.id
	switch st := m.statusAt(now); {
	case m.live:
		info.Status, info.TaskState = StatusMigrating, TaskMigrating
	case m.evac:
		info.Status, info.TaskState = StatusRebuild, TaskRebuilding
	case st == statusPreMigrating:
		info.Status, info.TaskState = StatusResize, TaskResizePrep
	case st == statusMigrating:
		info.Status, info.TaskState = StatusResize, TaskResizeMigrating
	case st == statusPostMigrating:
		info.Status, info.TaskState = StatusResize, TaskResizeFinish
	case st == statusFinished, st == statusConfirming:
		info.Status, info.Host = StatusVerifyResize, m.dest.name
	case st == statusReverting:
		info.Status, info.TaskState, info.Host = StatusRevertResize, TaskResizeReverting, m.dest.name
	}
	if m.stranded && m.dest != nil && info.Host == m.dest.name {
		info.Host = m.source.name
	}
	return info
}

// vmState is nova's vm_state behind a server's status, for error
// messages.
func vmState(status string) string {
	switch status {
	case StatusShutoff:
		return "stopped"
	case StatusVerifyResize, StatusRevertResize:
		return "resized"
	case StatusError:
		return "error"
	}
	return "active"
}

// invalidState is nova's message for an action the server's state does not
// allow.
func invalidState(action string, info ServerInfo) string {
	if info.TaskState != "" {
		return fmt.Sprintf("Cannot '%s' instance %s while it is in task_state %s", action, info.ID, info.TaskState)
	}
	return fmt.Sprintf("Cannot '%s' instance %s while it is in vm_state %s", action, info.ID, vmState(info.Status))
}

// settleLocked applies the outcome of every migration that has ended by
// now to its server: a completed live migration or a confirmed cold one
// leaves the server on the destination, anything else that ended leaves
// it on the source. The caller holds s.mu. The clock only moves forward,
// so an ended migration stays ended and is settled once.
func (s *Server) settleLocked(now time.Time) {
	for _, sv := range s.servers {
		m := sv.mig
		if m == nil {
			continue
		}
		switch st := m.statusAt(now); {
		case m.evac && (st == statusDone || st == statusCompleted):
			sv.host = m.landing()
			switch {
			case m.stopAfter:
				sv.status = StatusShutoff
			case m.prior == StatusError:
				sv.status = StatusActive
			}
			sv.fault = nil
		case m.evac && st == statusFailed:
			sv.status = StatusError
			sv.fault = &serverFault{code: 500, message: m.failure.message, details: m.failure.traceback(), created: m.endedAt()}
		case st == statusCompleted, st == statusConfirmed:
			sv.host = m.landing()
		case st == statusFailed, st == statusError, st == statusCancelled, st == statusReverted:
		default:
			continue
		}
		sv.updated = sv.updatedAt(now)
		sv.mig = nil
	}
}

// pickHostLocked returns the host the scheduler would choose for a server
// on from: the first other host that is up, in the order they were added;
// nil when there is none. The caller holds s.mu.
func (s *Server) pickHostLocked(from *host) *host {
	for _, h := range s.hostOrder {
		if h != from && h.schedulable() {
			return h
		}
	}
	return nil
}

// updatedAt is when the server's record last changed by now: when it was
// added, or the latest change of the migration under way on it.
func (sv *server) updatedAt(now time.Time) time.Time {
	u := sv.updated
	if m := sv.mig; m != nil {
		if m.created.After(u) {
			u = m.created
		}
		if mu := m.updatedAt(now); mu.After(u) {
			u = mu
		}
	}
	return u
}
