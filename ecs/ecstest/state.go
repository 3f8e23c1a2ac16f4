package ecstest

import (
	"fmt"
	"time"
)

// Server statuses the fake keeps. A cold migration needs StatusShutoff.
const (
	// StatusActive is a running server.
	StatusActive = "ACTIVE"
	// StatusShutoff is a stopped server.
	StatusShutoff = "SHUTOFF"
)

// ServerInfo describes a server of the fake, as AddServer takes it and
// ServerState reports it.
type ServerInfo struct {
	// ID is the server ID, such as a UUID. Required.
	ID string
	// Status is StatusActive or StatusShutoff; AddServer takes "" as
	// StatusShutoff.
	Status string
	// HostID is the dedicated host the server is on, or "" for the public
	// resource pool.
	HostID string
	// Locked is true when the server is locked; a locked server cannot be
	// migrated.
	Locked bool
	// MigrationJobID is the ID of the cold-migration job under way on the
	// server, or "" when none is. ServerState fills it; AddServer ignores
	// it.
	MigrationJobID string
}

// server is the fake's record of one server.
type server struct {
	id     string
	status string
	host   string
	locked bool
	active *job // migration job not yet ended, or nil
}

// AddHost adds dedicated hosts with the given IDs. Adding a host that
// exists does nothing. It panics on an empty ID.
func (s *Server) AddHost(ids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if id == "" {
			panic("ecstest: AddHost: empty host ID")
		}
		s.hosts[id] = true
	}
}

// AddServer adds a server, or replaces the one with the same ID (and then
// forgets any migration under way on it). A non-empty HostID the fake does
// not know is added as a dedicated host. It panics on an empty ID or a
// Status other than StatusActive, StatusShutoff or "".
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
	s.mu.Lock()
	defer s.mu.Unlock()
	if info.HostID != "" {
		s.hosts[info.HostID] = true
	}
	if old := s.servers[info.ID]; old != nil && old.active != nil {
		old.active.detached = true
	}
	s.servers[info.ID] = &server{id: info.ID, status: info.Status, host: info.HostID, locked: info.Locked}
}

// ServerState returns the server's current state, with the effect of every
// job that has ended by the fake's clock applied, and false when there is
// no such server.
func (s *Server) ServerState(id string) (ServerInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked(s.Clock().Now())
	sv := s.servers[id]
	if sv == nil {
		return ServerInfo{}, false
	}
	info := ServerInfo{ID: sv.id, Status: sv.status, HostID: sv.host, Locked: sv.locked}
	if sv.active != nil {
		info.MigrationJobID = sv.active.id
	}
	return info, true
}

// StopServer sets the server's status to StatusShutoff, as the ECS stop
// action does once it has finished.
func (s *Server) StopServer(id string) error { return s.setStatus(id, StatusShutoff) }

// StartServer sets the server's status to StatusActive. It fails while a
// migration of the server is under way.
func (s *Server) StartServer(id string) error { return s.setStatus(id, StatusActive) }

func (s *Server) setStatus(id, status string) error {
	return s.update(id, func(sv *server) error {
		if status == StatusActive && sv.active != nil {
			return fmt.Errorf("ecstest: server %s is being migrated by job %s", id, sv.active.id)
		}
		sv.status = status
		return nil
	})
}

// LockServer locks the server, so that cold migrations of it are refused
// with ecs.CodeServerLocked.
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

// settleLocked applies the outcome of every job that has ended by now: a
// successful migration moves its server to the target. The caller holds
// s.mu. Since the clock only moves forward, a job that has ended stays
// ended, and each is settled once.
func (s *Server) settleLocked(now time.Time) {
	kept := s.pending[:0]
	for _, j := range s.pending {
		st, _, _ := j.timeline().At(now)
		if st != jobSuccess && st != jobFail {
			kept = append(kept, j)
			continue
		}
		if j.detached {
			continue
		}
		sv := s.servers[j.serverID]
		if sv == nil || sv.active != j {
			continue
		}
		sv.active = nil
		if st == jobSuccess {
			sv.host = j.to
		}
	}
	clear(s.pending[len(kept):])
	s.pending = kept
}
