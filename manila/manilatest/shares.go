package manilatest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/cloudmigrate/cloudmigrate/internal/fake"
)

// Share statuses the fake reports.
const (
	// ShareStatusAvailable is a share in service.
	ShareStatusAvailable = "available"
	// ShareStatusMigrating is a share under migration.
	ShareStatusMigrating = "migrating"
)

// Version rules of the per-share migration actions: 2.22 or later,
// experimental below 2.96; migration_start with the body the SDK sends
// (four mandatory flags) from 2.29; migration_get_progress routed up to
// 2.97 only.
var (
	shareRule         = rule{min: shareMigrationMin, experimental: true, stable: shareStable}
	shareStartRule    = shareRule
	shareProgressRule = rule{min: shareMigrationMin, max: shareProgressMax, experimental: true, stable: shareStable}
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
}

// share is the fake's record of one share.
type share struct {
	id, host string
	mig      *migration // latest migration, or nil
	dest     string     // its destination pool
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
	if _, ok := s.backends[backend]; !ok {
		s.backends[backend] = DefaultCapabilities
	}
	s.shares[id] = &share{id: id, host: host}
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
	if sh.mig == nil {
		return info
	}
	info.TaskState = sh.mig.at(now).state
	switch sh.mig.settled(now) {
	case tsSuccess:
		info.Host = sh.dest
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

// shareStart serves the per-share migration_start (202). From 2.29 the
// flags writable, preserve_metadata, nondisruptive and preserve_snapshots
// are mandatory; force_host_assisted_migration may not be combined with
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
			if i < 4 && !c.version.Less(shareFlagsMin) {
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
	if _, known := s.backends[backendOf(host)]; !known {
		return s.Error(http.StatusNotFound, FaultNotFound, fmt.Sprintf("Service %s could not be found.", backendOf(host)))
	}
	_, typeChange := raw["new_share_type_id"]
	if host == info.Host && newNetwork == "" && !typeChange {
		return bad("Destination host %s must be different from the current host of share %s.", host, sh.id)
	}
	sh.host = info.Host // settle an earlier successful migration
	sh.mig = newMigration(now, phase1Steps(s.durations, s.takeFailureLocked(), false, hostAssisted))
	sh.dest = host
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

// shareProgress serves the per-share migration_get_progress (200); a
// share that was never migrated gets 400. From 2.59 the answer has a
// (here empty) details object.
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
