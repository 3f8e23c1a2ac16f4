package manilatest

import (
	"fmt"
	"strings"
	"time"
)

// Share-server statuses the fake reports, as Manila writes them.
const (
	// StatusActive is a share server in service. Only an active share
	// server can be migrated.
	StatusActive = "active"
	// StatusServerMigrating is the source of a migration under way.
	StatusServerMigrating = "server_migrating"
	// StatusServerMigratingTo is the destination of a migration under way.
	StatusServerMigratingTo = "server_migrating_to"
	// StatusInactive is the source after a successful migration.
	StatusInactive = "inactive"
	// StatusError is the destination of a migration that failed.
	StatusError = "error"
)

// BackendCapabilities is what a destination back end's driver can
// guarantee during a share-server migration. migration_check reports it
// as supported_capabilities, and a migration that asks for more than its
// destination offers ends in migration_error, as with a real driver.
type BackendCapabilities struct {
	// Writable: the shares can stay writable during the first phase.
	Writable bool
	// Nondisruptive: clients are not disrupted and export locations stay.
	Nondisruptive bool
	// PreserveSnapshots: the shares' snapshots move along.
	PreserveSnapshots bool
}

// DefaultCapabilities are those of a back end added by AddBackend: the
// shares stay writable and keep their snapshots, but clients are
// disrupted at the switch-over.
var DefaultCapabilities = BackendCapabilities{Writable: true, Nondisruptive: false, PreserveSnapshots: true}

// covers reports whether c offers everything asked for.
func (c BackendCapabilities) covers(writable, nondisruptive, preserveSnapshots bool) bool {
	return (!writable || c.Writable) && (!nondisruptive || c.Nondisruptive) && (!preserveSnapshots || c.PreserveSnapshots)
}

// ShareServerInfo describes a share server of the fake, as ShareServer
// reports it.
type ShareServerInfo struct {
	// ID is the share server's ID.
	ID string
	// Host is its back end, "host@backend". A migration does not change
	// it: the destination is a new share server on the destination back
	// end (DestinationShareServerID).
	Host string
	// Status is StatusActive, StatusServerMigrating,
	// StatusServerMigratingTo, StatusInactive or StatusError.
	Status string
	// TaskState is the migration task state, "" when none was ever set.
	TaskState string
	// ShareNetworkID is the share network the server belongs to.
	ShareNetworkID string
	// SourceShareServerID is set on a destination share server: the
	// server it takes over from.
	SourceShareServerID string
	// DestinationShareServerID is set on the source of a migration once
	// the destination share server exists (from
	// migration_driver_starting on).
	DestinationShareServerID string
}

// shareServer is the fake's record of one share server.
type shareServer struct {
	id, host, network string
	// status and taskState hold while no migration governs them.
	status, taskState string

	mig  *migration   // the latest migration of this server, as source
	dest *shareServer // that migration's destination

	created *migration   // for a destination: the migration that made it
	source  *shareServer // for a destination: its source

	// addedAt is when AddShareServer added it (zero for a destination);
	// resetAt when reset_task_state last changed it outside a migration.
	addedAt, resetAt time.Time
}

// checkHost validates a back-end name "host@backend" without a pool.
func checkHost(fn, host string) {
	name, backend, ok := strings.Cut(host, "@")
	if !ok || name == "" || backend == "" || strings.ContainsAny(host, "# \t\r\n") {
		panic(fmt.Sprintf("manilatest: %s: %q is not of the form host@backend", fn, host))
	}
}

// AddBackend adds a back end (a manila-share service) that share servers
// can be migrated to, such as "manila-share-2@netapp1", with
// DefaultCapabilities. Adding one that exists keeps its capabilities. It
// panics on a name that is not host@backend.
//
// Every back end has an enabled share service (BinaryShare on host),
// which the services API lists, disables and enables.
func (s *Server) AddBackend(host string) {
	checkHost("AddBackend", host)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addBackendLocked(host)
}

// addBackendLocked adds the back end host, with DefaultCapabilities and
// a share service, unless it exists. The caller holds s.mu.
func (s *Server) addBackendLocked(host string) {
	if _, ok := s.backends[host]; !ok {
		s.backends[host] = DefaultCapabilities
	}
	s.addServiceLocked(host, BinaryShare)
}

// SetBackendCapabilities sets what the back end host can guarantee,
// adding it if needed. It panics on a name that is not host@backend.
func (s *Server) SetBackendCapabilities(host string, c BackendCapabilities) {
	checkHost("SetBackendCapabilities", host)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.backends[host] = c
	s.addServiceLocked(host, BinaryShare)
}

// AddShareNetwork adds share networks that migrations may move share
// servers to (new_share_network_id). DefaultShareNetworkID always exists.
// It panics on an empty ID.
func (s *Server) AddShareNetwork(ids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if id == "" {
			panic("manilatest: AddShareNetwork: empty ID")
		}
		s.networks[id] = true
	}
}

// AddShareServer adds an active share server on the back end host
// ("host@backend"), in DefaultShareNetworkID, or replaces the one with the
// same ID (forgetting its migrations). The back end is added too. It
// panics on an empty ID or a host that is not host@backend.
func (s *Server) AddShareServer(id, host string) {
	if id == "" {
		panic("manilatest: AddShareServer: empty ID")
	}
	checkHost("AddShareServer", host)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addBackendLocked(host)
	s.servers[id] = &shareServer{id: id, host: host, network: DefaultShareNetworkID, status: StatusActive, addedAt: s.Clock().Now()}
}

// RemoveShareServer deletes a share server from the fake and reports
// whether it existed. The fake deletes the inactive source of a successful
// migration by itself (Durations.Cleanup after the success, as Manila
// does); RemoveShareServer does it at once, or for any share server. From
// then on GET answers 404 for its ID, while migration_get_progress answers
// for it as Manila does for the source of a successful migration that is
// gone: 200 with total_progress 100, the destination's ID and its
// task_state (migration_success).
func (s *Server) RemoveShareServer(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.servers[id]
	delete(s.servers, id)
	return ok
}

// successorLocked returns the destination that took over successfully
// from the share server id, which is gone, or nil. The caller holds s.mu.
func (s *Server) successorLocked(id string, now time.Time) *shareServer {
	for _, sv := range s.servers {
		if sv.source == nil || sv.source.id != id || sv.created == nil || sv.created.settled(now) != tsSuccess {
			continue
		}
		if info, ok := sv.view(now); ok && info.Status == StatusActive {
			return sv
		}
	}
	return nil
}

// times returns when the share server was created and last changed at
// now; a zero time means never (null on the wire).
func (sv *shareServer) times(now time.Time) (created, updated time.Time) {
	created, updated = sv.addedAt, sv.resetAt
	if sv.created != nil {
		// A destination is created when its migration's driver starts.
		first := sv.created.segs[0].tl
		created = stepStart(first, destinationFromStep)
		updated = sv.created.changedAt(now)
	}
	if sv.mig != nil {
		updated = sv.mig.changedAt(now)
	}
	return created, updated
}

// ShareServer returns the share server's current state, and false when
// there is no such share server (a destination appears once the driver
// starts; the source of a successful migration disappears
// Durations.Cleanup after the success; see also RemoveShareServer).
func (s *Server) ShareServer(id string) (ShareServerInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sv := s.servers[id]
	if sv == nil {
		return ShareServerInfo{}, false
	}
	return sv.view(s.Clock().Now())
}

// lookupLocked returns a share server that exists at now. The caller
// holds s.mu.
func (s *Server) lookupLocked(id string, now time.Time) (*shareServer, ShareServerInfo, bool) {
	sv := s.servers[id]
	if sv == nil {
		return nil, ShareServerInfo{}, false
	}
	info, ok := sv.view(now)
	return sv, info, ok
}

// view returns the share server as it stands at now, and whether it
// exists.
func (sv *shareServer) view(now time.Time) (ShareServerInfo, bool) {
	info := ShareServerInfo{ID: sv.id, Host: sv.host, Status: sv.status, TaskState: sv.taskState, ShareNetworkID: sv.network}
	if sv.source != nil {
		info.SourceShareServerID = sv.source.id
	}
	switch {
	case sv.mig != nil:
		if sv.mig.gone(now) {
			return ShareServerInfo{}, false
		}
		o := sv.mig.at(now)
		info.TaskState = o.state
		switch sv.mig.settled(now) {
		case tsSuccess:
			info.Status = StatusInactive
		case tsCancelled, tsError:
			info.Status = StatusActive
		default:
			info.Status = StatusServerMigrating
		}
		if o.destinationExists {
			info.DestinationShareServerID = sv.dest.id
		}
	case sv.created != nil:
		o := sv.created.at(now)
		if !o.destinationExists {
			return ShareServerInfo{}, false
		}
		info.TaskState = o.state
		switch sv.created.settled(now) {
		case tsSuccess:
			info.Status = StatusActive
		case tsCancelled:
			// Manila marks the destination of a cancelled migration
			// inactive and keeps it (it deletes it only with
			// delete_share_server_with_last_share, off by default).
			info.Status = StatusInactive
		case tsError:
			info.Status = StatusError
		default:
			info.Status = StatusServerMigratingTo
		}
	}
	return info, true
}

// newServerIDLocked returns a new share-server ID. The caller holds s.mu.
func (s *Server) newServerIDLocked() string {
	for {
		s.serverSeq++
		id := fmt.Sprintf("d5e6f7a8-0000-4000-8000-%012x", s.serverSeq)
		if s.servers[id] == nil {
			return id
		}
	}
}
