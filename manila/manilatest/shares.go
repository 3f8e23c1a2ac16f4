package manilatest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/cloudmigrate/cloudmigrate/internal/fake"
)

// Share statuses the fake reports.
const (
	// ShareStatusAvailable is a share in service.
	ShareStatusAvailable = "available"
	// ShareStatusMigrating is a share under a per-share migration.
	ShareStatusMigrating = "migrating"
	// ShareStatusServerMigrating is a share whose share server is being
	// migrated.
	ShareStatusServerMigrating = "server_migrating"
)

// Version rules of the per-share migration actions: 2.22 or later
// (migration_start 2.29 or later), experimental below 2.96;
// migration_get_progress routed up to 2.97 only, and its GET form from
// 2.98 on.
var (
	shareRule            = rule{min: shareMigrationMin, experimental: true, stable: shareStable}
	shareStartRule       = rule{min: shareStartMin, experimental: true, stable: shareStable}
	shareProgressRule    = rule{min: shareMigrationMin, max: shareProgressMax, experimental: true, stable: shareStable}
	shareProgressGetRule = rule{min: shareProgressGet}
)

// ShareInfo describes a share of the fake, as Share reports it.
type ShareInfo struct {
	// ID is the share's ID.
	ID string
	// Host is the pool the share lives in, "host@backend#pool"; it
	// changes when a migration succeeds.
	Host string
	// Status is ShareStatusAvailable or ShareStatusMigrating.
	Status string
	// TaskState is the migration task state, "" when the share was never
	// migrated.
	TaskState string
	// ShareServerID is the share server holding the share, "" for a share
	// added without one (AddShare). It follows the share server's
	// migrations: once one succeeds, the share is on the destination
	// share server (and its back end).
	ShareServerID string
}

// share is the fake's record of one share.
type share struct {
	id, host string
	mig      *migration // latest per-share migration, or nil
	dest     string     // its destination pool
	// server is the share server the share was put on, nil for none; a
	// successful migration of it moves the share along.
	server *shareServer
	// instance is the ID of the share's instance; destInstance that of
	// the copy a per-share migration makes.
	instance, destInstance string
	created                time.Time
}

// backendOf returns the "host@backend" part of a pool name.
func backendOf(pool string) string {
	b, _, _ := strings.Cut(pool, "#")
	return b
}

// AddShare adds an available share in the pool host ("host@backend#pool"),
// or replaces the one with the same ID. The back end is added too. It
// panics on an empty ID or a host that is not host@backend#pool.
func (s *Server) AddShare(id, host string) {
	if id == "" {
		panic("manilatest: AddShare: empty ID")
	}
	backend, pool, ok := strings.Cut(host, "#")
	if !ok || pool == "" {
		panic(fmt.Sprintf("manilatest: AddShare: %q is not of the form host@backend#pool", host))
	}
	checkHost("AddShare", backend)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addBackendLocked(backend)
	s.shares[id] = &share{id: id, host: host, instance: s.newInstanceIDLocked(), created: s.Clock().Now()}
}

// AddServerShare adds an available share on the share server
// shareServerID, in the pool host ("host@backend#pool") of the share
// server's back end, or replaces the share with the same ID. A migration
// of the share server moves the share to the destination share server
// and its back end (the same pool name there). It panics on an empty ID,
// an unknown share server, or a pool of another back end.
func (s *Server) AddServerShare(id, shareServerID, host string) {
	if id == "" {
		panic("manilatest: AddServerShare: empty ID")
	}
	backend, pool, ok := strings.Cut(host, "#")
	if !ok || pool == "" {
		panic(fmt.Sprintf("manilatest: AddServerShare: %q is not of the form host@backend#pool", host))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sv := s.servers[shareServerID]
	if sv == nil {
		panic(fmt.Sprintf("manilatest: AddServerShare: no share server %q", shareServerID))
	}
	if sv.host != backend {
		panic(fmt.Sprintf("manilatest: AddServerShare: pool %q is not on share server %s's back end %s", host, shareServerID, sv.host))
	}
	s.shares[id] = &share{id: id, host: host, server: sv, instance: s.newInstanceIDLocked(), created: s.Clock().Now()}
}

// newInstanceIDLocked returns a new share-instance ID. The caller holds
// s.mu.
func (s *Server) newInstanceIDLocked() string {
	s.idSeq++
	return fmt.Sprintf("e6f7a8b9-0000-4000-8000-%012x", s.idSeq)
}

// currentServer returns the share server holding sh at now, following
// the successful migrations of the one it was put on, and whether a
// migration of that share server is under way.
func (sh *share) currentServer(now time.Time) (*shareServer, bool) {
	sv := sh.server
	for sv != nil && sv.mig != nil && sv.dest != nil {
		switch sv.mig.settled(now) {
		case tsSuccess:
			sv = sv.dest
			continue
		case tsCancelled, tsError:
			return sv, false
		}
		return sv, true
	}
	return sv, false
}

// Share returns the share's current state, and false when there is no
// such share.
func (s *Server) Share(id string) (ShareInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sh := s.shares[id]
	if sh == nil {
		return ShareInfo{}, false
	}
	return sh.view(s.Clock().Now()), true
}

// view returns the share as it stands at now.
func (sh *share) view(now time.Time) ShareInfo {
	info := ShareInfo{ID: sh.id, Host: sh.host, Status: ShareStatusAvailable}
	if sv, migrating := sh.currentServer(now); sv != nil {
		info.ShareServerID = sv.id
		_, pool, _ := strings.Cut(sh.host, "#")
		info.Host = sv.host + "#" + pool
		if migrating {
			info.Status = ShareStatusServerMigrating
		}
	}
	if sh.mig == nil {
		return info
	}
	info.TaskState = sh.mig.at(now).state
	switch sh.mig.settled(now) {
	case tsSuccess:
		// The copy on the destination pool is the share now; the fake
		// gives it no share server.
		info.Host, info.ShareServerID = sh.dest, ""
	case tsCancelled, tsError, tsCopyError:
	default:
		info.Status = ShareStatusMigrating
	}
	return info
}

// shareAction admits a per-share action under ru, then runs h.
func (s *Server) shareAction(ru rule, h func(*call) fake.Response) fake.Handler {
	return func(r *fake.Request) fake.Response {
		c, resp, ok := s.admit(r, ru, "share_id")
		if !ok {
			return resp
		}
		return c.reply(h(c))
	}
}

func shareNotFound(id string) string { return fmt.Sprintf("Share %s could not be found.", id) }

func invalidShare(format string, args ...any) string {
	return "Invalid share: " + fmt.Sprintf(format, args...)
}

// shareStart serves the per-share migration_start (202). The flags
// writable, preserve_metadata, nondisruptive and preserve_snapshots are
// mandatory; force_host_assisted_migration may not be combined with
// any of them set. The destination is a pool of a known back end, other
// than the share's own. The migration runs like a share server's;
// host-assisted, it goes through the data_copying_* states instead of the
// driver's.
func (s *Server) shareStart(c *call) fake.Response {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	sh := s.shares[c.id]
	if sh == nil {
		return s.Error(http.StatusNotFound, FaultNotFound, shareNotFound(c.id))
	}
	bad := func(format string, args ...any) fake.Response {
		return s.Error(http.StatusBadRequest, FaultBadRequest, fmt.Sprintf(format, args...))
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(c.Body, &top); err != nil {
		return bad("Malformed request body")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(top["migration_start"], &raw); err != nil || len(raw) == 0 {
		return bad("Request is missing body.")
	}
	var host string
	if err := json.Unmarshal(raw["host"], &host); err != nil || host == "" {
		return bad("Must specify 'host'.")
	}
	flags := map[string]bool{}
	names := []string{"writable", "preserve_metadata", "nondisruptive", "preserve_snapshots", "force_host_assisted_migration"}
	for i, name := range names {
		v, present := raw[name]
		if !present || bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			if i < 4 {
				return bad("Must specify '%s'.", name)
			}
			continue
		}
		b, ok := jsonBool(v)
		if !ok {
			return bad("Invalid value %s for '%s': it must be a boolean.", bytes.TrimSpace(v), name)
		}
		flags[name] = b
	}
	hostAssisted := flags["force_host_assisted_migration"]
	if hostAssisted && (flags["writable"] || flags["preserve_metadata"] || flags["nondisruptive"] || flags["preserve_snapshots"]) {
		return bad("Invalid parameter combination: force_host_assisted_migration cannot be combined with writable, " +
			"preserve_metadata, nondisruptive or preserve_snapshots set to True.")
	}
	newNetwork := ""
	if n, ok := raw["new_share_network_id"]; ok && !bytes.Equal(bytes.TrimSpace(n), []byte("null")) {
		if json.Unmarshal(n, &newNetwork) != nil {
			return bad("new_share_network_id must be a string or null.")
		}
		if newNetwork != "" && !s.networks[newNetwork] {
			return bad("Share network %s not found.", newNetwork)
		}
	}
	info := sh.view(now)
	if info.Status != ShareStatusAvailable {
		return bad("Share %s is busy as part of an active task: %s.", sh.id, info.TaskState)
	}
	if !s.backendUsableLocked(backendOf(host)) {
		// Manila looks the destination up among the enabled share
		// services: an unknown or a disabled one is not found.
		return s.Error(http.StatusNotFound, FaultNotFound, fmt.Sprintf("Service %s could not be found.", backendOf(host)))
	}
	_, typeChange := raw["new_share_type_id"]
	if host == info.Host && newNetwork == "" && !typeChange {
		return bad("Destination host %s must be different from the current host of share %s.", host, sh.id)
	}
	// Settle what moved the share so far: its share server's migrations
	// and an earlier per-share migration.
	sh.host = info.Host
	sh.server = s.servers[info.ShareServerID]
	if sh.mig != nil && sh.mig.settled(now) == tsSuccess {
		sh.instance = sh.destInstance
	}
	sh.mig = newMigration(now, phase1Steps(s.durations, s.takeFailureLocked(), false, hostAssisted))
	sh.dest, sh.destInstance = host, s.newInstanceIDLocked()
	return fake.Response{Status: http.StatusAccepted}
}

// shareComplete serves the per-share migration_complete (202), accepted
// at migration_driver_phase1_done or data_copying_completed.
func (s *Server) shareComplete(c *call) fake.Response {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	sh := s.shares[c.id]
	if sh == nil {
		return s.Error(http.StatusNotFound, FaultNotFound, shareNotFound(c.id))
	}
	if st := sh.view(now).TaskState; st != tsPhase1Done && st != tsCopyCompleted {
		return s.Error(http.StatusBadRequest, FaultBadRequest, invalidShare("First migration phase of share %s not completed yet.", sh.id))
	}
	sh.mig.add(segComplete, now, fake.Step{State: tsCompleting, For: s.durations.Completing}, fake.Step{State: tsSuccess})
	return fake.Response{Status: http.StatusAccepted}
}

// shareCancel serves the per-share migration_cancel (202), accepted while
// the driver or the data service copies and when the first phase is done.
func (s *Server) shareCancel(c *call) fake.Response {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	sh := s.shares[c.id]
	if sh == nil {
		return s.Error(http.StatusNotFound, FaultNotFound, shareNotFound(c.id))
	}
	switch sh.view(now).TaskState {
	case tsDriverInProgress, tsPhase1Done, tsCopyInProgress, tsCopyCompleted:
	default:
		return s.Error(http.StatusBadRequest, FaultBadRequest, invalidShare("Migration of share %s cannot be cancelled at this moment.", sh.id))
	}
	sh.mig.add(segCancel, now, fake.Step{State: tsCancelInProgress, For: s.durations.Cancelling}, fake.Step{State: tsCancelled})
	return fake.Response{Status: http.StatusAccepted}
}

// shareProgress is the answer to the per-share migration_get_progress.
type shareProgress struct {
	TotalProgress int             `json:"total_progress"`
	TaskState     string          `json:"task_state"`
	Details       json.RawMessage `json:"details,omitempty"`
}

// shareProgress serves the per-share migration_get_progress action and,
// from 2.98, GET .../migration-progress (200); a share that was never
// migrated gets 400. From 2.59 the answer has a (here empty) details
// object.
func (s *Server) shareProgress(c *call) fake.Response {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	sh := s.shares[c.id]
	if sh == nil {
		return s.Error(http.StatusNotFound, FaultNotFound, shareNotFound(c.id))
	}
	if sh.mig == nil {
		return s.Error(http.StatusBadRequest, FaultBadRequest, invalidShare("Migration progress of share %s cannot be obtained at this moment.", sh.id))
	}
	o := sh.mig.at(now)
	out := shareProgress{TotalProgress: o.progress, TaskState: o.state}
	if c.version.AtLeast(shareDetailsMin) {
		out.Details = json.RawMessage("{}")
	}
	return fake.JSON(http.StatusOK, out)
}

// busyShareLocked returns Manila's refusal of a share-server migration
// when a share on sv is not available (under a per-share migration, say),
// or "". The caller holds s.mu.
func (s *Server) busyShareLocked(sv *shareServer, now time.Time) string {
	for _, id := range s.sortedShareIDsLocked() {
		info := s.shares[id].view(now)
		if info.ShareServerID == sv.id && info.Status != ShareStatusAvailable {
			return invalidServer("Share %s status must be available, but current status is: %s.", id, info.Status)
		}
	}
	return ""
}

// sortedShareIDsLocked returns the IDs of the shares in order. The
// caller holds s.mu.
func (s *Server) sortedShareIDsLocked() []string {
	ids := make([]string, 0, len(s.shares))
	for id := range s.shares {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
