package novatest

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/cloudmigrate/cloudmigrate/internal/fake"
	"github.com/cloudmigrate/cloudmigrate/nova"
)

// Migration status words, as nova writes them.
const (
	statusAccepted      = string(nova.StatusAccepted)
	statusQueued        = string(nova.StatusQueued)
	statusPreparing     = string(nova.StatusPreparing)
	statusRunning       = string(nova.StatusRunning)
	statusPostMigrating = string(nova.StatusPostMigrating)
	statusCompleted     = string(nova.StatusCompleted)
	statusFailed        = string(nova.StatusFailed)
	statusError         = string(nova.StatusError)
	statusCancelled     = string(nova.StatusCancelled)
	statusPreMigrating  = string(nova.StatusPreMigrating)
	statusMigrating     = string(nova.StatusMigrating)
	statusFinished      = string(nova.StatusFinished)
	statusConfirming    = string(nova.StatusConfirming)
	statusConfirmed     = string(nova.StatusConfirmed)
	statusReverting     = string(nova.StatusReverting)
	statusReverted      = string(nova.StatusReverted)
)

// Migration types, as nova writes them.
const (
	typeLive = string(nova.TypeLiveMigration)
	typeCold = string(nova.TypeMigration)
	typeEvac = string(nova.TypeEvacuation)
)

// statusDone is an evacuation's status once the server runs on its new
// host, until the old host's compute service comes back.
const statusDone = string(nova.StatusDone)

// wireTime is how nova writes a migration's times: UTC, microseconds, no
// zone. Nova keeps them in DATETIME columns, which MySQL and MariaDB (the
// databases nova is deployed on) store in whole seconds, so the
// microseconds are always zero: the fake keeps its migration times in
// whole seconds too (see dbTime).
const wireTime = "2006-01-02T15:04:05.000000"

// dbTime is t as nova's database stores it: whole seconds.
func dbTime(t time.Time) time.Time { return t.Truncate(time.Second) }

// Durations say how long migrations stay in each status, in the fake's
// clock. A zero duration skips the status. The last status of each path
// (completed, finished, confirmed, reverted) lasts for ever. WithDurations
// takes them whole: start from DefaultDurations and change what the test
// needs.
type Durations struct {
	// Accepted, Queued, Preparing, Running and PostMigrating are the
	// statuses of a live migration before it is completed. Its byte
	// counters rise evenly through Running.
	Accepted, Queued, Preparing, Running, PostMigrating time.Duration
	// ForceComplete is how long a running live migration still runs once
	// force-completed (it is never made longer than it would have been).
	ForceComplete time.Duration
	// PreMigrating, Migrating and ColdPostMigrating are the statuses of a
	// cold migration before it is finished.
	PreMigrating, Migrating, ColdPostMigrating time.Duration
	// Confirming and Reverting last from a confirmResize or revertResize
	// until the migration is confirmed or reverted.
	Confirming, Reverting time.Duration
	// EvacuationAccepted and Rebuilding are the statuses of an evacuation
	// before it is done: "accepted" while the conductor schedules it,
	// "pre-migrating" while the destination rebuilds the server.
	EvacuationAccepted, Rebuilding time.Duration
}

// DefaultDurations are the durations a Server uses unless WithDurations
// says otherwise. A live migration is queued at once (so it is listed
// under its server as soon as LiveMigrate returns), prepares for 5
// seconds, runs for a minute and is completed 5 seconds later. A cold
// migration is finished after 40 seconds.
var DefaultDurations = Durations{
	Accepted:          0,
	Queued:            2 * time.Second,
	Preparing:         5 * time.Second,
	Running:           time.Minute,
	PostMigrating:     5 * time.Second,
	ForceComplete:     2 * time.Second,
	PreMigrating:      5 * time.Second,
	Migrating:         30 * time.Second,
	ColdPostMigrating: 5 * time.Second,
	Confirming:        2 * time.Second,
	Reverting:         10 * time.Second,

	EvacuationAccepted: 2 * time.Second,
	Rebuilding:         30 * time.Second,
}

// Timings is the former name of Durations.
//
// Deprecated: use Durations, the name every fake gives its timings.
type Timings = Durations

// DefaultTimings returns DefaultDurations.
//
// Deprecated: use DefaultDurations.
func DefaultTimings() Timings { return DefaultDurations }

func (t *Durations) check() error {
	for _, d := range []time.Duration{t.Accepted, t.Queued, t.Preparing, t.Running, t.PostMigrating,
		t.ForceComplete, t.PreMigrating, t.Migrating, t.ColdPostMigrating, t.Confirming, t.Reverting,
		t.EvacuationAccepted, t.Rebuilding} {
		if d < 0 {
			return errors.New("negative duration")
		}
	}
	return nil
}

// mark is the moment a migration enters a status.
type mark struct {
	status string
	at     time.Time
}

// migration is one migration record. Its status is a pure function of the
// clock: marks says when it enters each status, and actions on it
// (force-complete, abort, confirm, revert) rewrite the marks from the
// moment they happen.
type migration struct {
	id       int
	uuid     string
	serverID string
	live     bool
	source   *host
	dest     *host // nil when no destination was chosen
	destNode bool  // false when the pre-checks failed before one was set
	created  time.Time
	marks    []mark

	// Byte counters of a live migration: they rise from prog0 at t0 to
	// the totals at t1, from the moment running starts, and stop at
	// frozen (a failure or abort) if set.
	block               bool
	memTotal, diskTotal int64
	runStart, t0, t1    time.Time
	prog0               float64
	frozen              time.Time
	// doomed is set for a migration made to fail by FailNextMigrations.
	doomed            bool
	flavorID          int
	userID, projectID string
	// deleted is set when the server was removed: nova soft-deletes a
	// server's migration records with it.
	deleted bool

	// evac marks an evacuation (live is false then); stopAfter one that
	// leaves the server stopped (2.95+), from a server whose status was
	// prior.
	evac      bool
	stopAfter bool
	prior     string
	// The record is listed from visibleAt on (WithRecordDelay), and never
	// when lost (LoseNextRecords).
	visibleAt time.Time
	lost      bool
	// stranded marks a migration that ends as if it succeeded while its
	// server stays on the source (StrandNextMigrations).
	stranded bool
	// failure says why a migration that fails does: nova's exception
	// class and message, as the failed instance action event records
	// them.
	failure failure
}

// failure is the error a failed migration's instance action event
// records.
type failure struct {
	exception, message string
}

// timeline returns the marks as the engine's timeline.
func (m *migration) timeline() fake.Timeline {
	tl := fake.Timeline{Start: m.marks[0].at, Steps: make([]fake.Step, len(m.marks))}
	for i, mk := range m.marks {
		tl.Steps[i].State = mk.status
		if i+1 < len(m.marks) {
			tl.Steps[i].For = m.marks[i+1].at.Sub(mk.at)
		}
	}
	return tl
}

// statusAt returns the migration's status at now.
func (m *migration) statusAt(now time.Time) string {
	st, _, _ := m.timeline().At(now)
	return st
}

// updatedAt is when the migration last changed by now: the start of its
// current status (now itself while it runs, as nova saves the counters on
// every progress report), or the zero time if it has not changed since it
// was created.
func (m *migration) updatedAt(now time.Time) time.Time {
	_, i, _ := m.timeline().At(now)
	if m.marks[i].status == statusRunning {
		return dbTime(now)
	}
	if i <= 0 {
		return time.Time{}
	}
	return dbTime(m.marks[i].at)
}

// cut drops the marks after now and appends the given ones.
func (m *migration) cut(now time.Time, next ...mark) {
	keep := m.marks[:0:0]
	for _, mk := range m.marks {
		if !mk.at.After(now) {
			keep = append(keep, mk)
		}
	}
	m.marks = append(keep, next...)
}

// progress returns how much of the copy is done at now (0 to 1), and false
// before the copy started.
func (m *migration) progress(now time.Time) (float64, bool) {
	if !m.live || m.runStart.IsZero() {
		return 0, false
	}
	t := now
	if !m.frozen.IsZero() && m.frozen.Before(t) {
		t = m.frozen
	}
	if t.Before(m.runStart) {
		return 0, false
	}
	if !t.Before(m.t1) {
		return 1, true
	}
	span := m.t1.Sub(m.t0)
	if span <= 0 || t.Before(m.t0) {
		return m.prog0, true
	}
	return m.prog0 + (1-m.prog0)*float64(t.Sub(m.t0))/float64(span), true
}

// counters returns the memory and disk counters at now: total, processed
// and remaining. Nova's schema allows each to be null or at least 1: all
// are nil before the copy starts (and for cold migrations), the disk ones
// stay nil for a migration that copies no disk (not a block migration),
// and a figure that is 0 (nothing processed yet, nothing remaining) is nil
// too.
func (m *migration) counters(now time.Time) (mem, disk [3]*int64) {
	f, ok := m.progress(now)
	if !ok {
		return mem, disk
	}
	fill := func(total int64) [3]*int64 {
		done := int64(math.Round(f * float64(total)))
		rest := total - done
		return [3]*int64{positive(total), positive(done), positive(rest)}
	}
	mem = fill(m.memTotal)
	if m.block {
		disk = fill(m.diskTotal)
	}
	return mem, disk
}

// positive returns &n for n of at least 1, and nil otherwise.
func positive(n int64) *int64 {
	if n < 1 {
		return nil
	}
	return &n
}

// inProgressLive reports whether the migration is a live migration nova
// lists under its server at now.
func (m *migration) inProgressLive(now time.Time) bool {
	if !m.live {
		return false
	}
	switch m.statusAt(now) {
	case statusQueued, statusPreparing, statusRunning, statusPostMigrating:
		return true
	}
	return false
}

// newLiveLocked records a live migration starting now. A nil dest, or
// precheckFails, makes it end "error" right after "accepted", as nova's
// asynchronous pre-checks do (2.34 and later). The caller holds s.mu.
func (s *Server) newLiveLocked(sv *server, dest *host, block, precheckFails bool, now time.Time) *migration {
	m := s.newMigrationLocked(sv, true, dest, now)
	m.block = block
	t := s.timings
	at := now
	add := func(status string, d time.Duration) {
		m.marks = append(m.marks, mark{status, at})
		at = at.Add(d)
	}
	add(statusAccepted, t.Accepted)
	if s.loseLocked(m) {
		return m
	}
	if dest == nil || precheckFails {
		m.destNode = false
		switch {
		case dest == nil:
			m.failure = failure{"nova.exception.NoValidHost", "No valid host was found. There are not enough hosts available."}
		case dest == sv.host:
			m.failure = failure{"nova.exception.UnableToMigrateToSelf", fmt.Sprintf("Unable to migrate instance (%s) to current host (%s).", sv.id, dest.name)}
		default:
			m.failure = failure{"nova.exception.ComputeServiceUnavailable", fmt.Sprintf("Compute service of %s is unavailable at this time.", dest.name)}
		}
		add(statusError, 0)
		return m
	}
	add(statusQueued, t.Queued)
	add(statusPreparing, t.Preparing)
	m.runStart, m.t0, m.t1 = at, at, at.Add(t.Running)
	if reason, ok := s.takeFailureLocked(); ok {
		m.doomed = true
		m.failure = failure{"nova.exception.MigrationError", "Migration error: " + cmp.Or(reason,
			"the hypervisor aborted the live migration of instance "+sv.id+" to "+dest.name)}
		add(statusRunning, t.Running/2)
		m.frozen = at
		add(statusFailed, 0)
		return m
	}
	s.strandLocked(m)
	add(statusRunning, t.Running)
	add(statusPostMigrating, t.PostMigrating)
	add(statusCompleted, 0)
	return m
}

// newColdLocked records a cold migration to dest starting now. The caller
// holds s.mu.
func (s *Server) newColdLocked(sv *server, dest *host, now time.Time) *migration {
	m := s.newMigrationLocked(sv, false, dest, now)
	t := s.timings
	at := now
	add := func(status string, d time.Duration) {
		m.marks = append(m.marks, mark{status, at})
		at = at.Add(d)
	}
	add(statusPreMigrating, t.PreMigrating)
	if s.loseLocked(m) {
		return m
	}
	if reason, ok := s.takeFailureLocked(); ok {
		m.doomed = true
		m.failure = failure{"nova.exception.ResizeError", "Resize error: " + cmp.Or(reason,
			"copying the disks of instance "+sv.id+" to "+dest.name+" failed")}
		add(statusMigrating, t.Migrating/2)
		add(statusError, 0)
		return m
	}
	s.strandLocked(m)
	add(statusMigrating, t.Migrating)
	add(statusPostMigrating, t.ColdPostMigrating)
	add(statusFinished, 0)
	return m
}

func (s *Server) newMigrationLocked(sv *server, live bool, dest *host, now time.Time) *migration {
	m := &migration{
		id:        len(s.migrations) + 1,
		uuid:      newUUID(),
		serverID:  sv.id,
		live:      live,
		source:    sv.host,
		dest:      dest,
		destNode:  dest != nil,
		created:   dbTime(now),
		memTotal:  sv.memory,
		diskTotal: sv.disk,
		flavorID:  sv.flavorID,
		userID:    userID,
		projectID: s.projectID,
	}
	if s.recordDelay > 0 {
		m.visibleAt = now.Add(s.recordDelay)
	}
	s.migrations = append(s.migrations, m)
	sv.mig = m
	return m
}

// FailNextMigrations makes the next n migrations the fake accepts fail: a
// live migration runs halfway and ends "failed" (nova's word when the
// hypervisor gives up), a cold one ends "error" halfway through
// "migrating", an evacuation ends "failed" halfway through its rebuild
// (the server is then in ERROR, with a fault). The servers stay where they
// were. Each failure has a reason, which the failed event of the
// migration's instance action records (details from 2.84, and a
// traceback), as nova does: package nova's handles put it in their
// *jobs.FailedError. Calls add up; n <= 0 cancels every pending failure.
func (s *Server) FailNextMigrations(n int) {
	s.FailNextMigrationsWith(n, "")
}

// FailNextMigrationsWith is FailNextMigrations with the reason the failed
// event records ("" for the fake's own, which names the server and the
// hosts).
func (s *Server) FailNextMigrationsWith(n int, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext.Add(n, reason)
}

func (s *Server) takeFailureLocked() (string, bool) {
	return s.failNext.Take()
}

// migrationLocked returns the migration with integer ID id, or nil.
func (s *Server) migrationLocked(id int) *migration {
	if id < 1 || id > len(s.migrations) {
		return nil
	}
	return s.migrations[id-1]
}

// Migration returns the migration with integer ID id as it stands now,
// with every field nova keeps (both ServerUUID and InstanceUUID, the
// migration type, the byte counters, the UUID, user and project), and
// false when there is no such migration.
func (s *Server) Migration(id int) (*nova.Migration, bool) {
	s.mu.Lock()
	m := s.migrationLocked(id)
	if m != nil && m.deleted {
		m = nil
	}
	var rec map[string]any
	if m != nil {
		rec = m.record(s.Clock().Now())
	}
	s.mu.Unlock()
	if m == nil {
		return nil, false
	}
	return decode(rec), true
}

// Migrations returns the migrations of a server ("" for every server) as
// they stand now, oldest first, like Migration. Like Migration, it reports
// records the API does not list yet (WithRecordDelay) or never will
// (LoseNextRecords).
func (s *Server) Migrations(serverID string) []nova.Migration {
	s.mu.Lock()
	now := s.Clock().Now()
	var recs []map[string]any
	for _, m := range s.migrations {
		if (serverID == "" || m.serverID == serverID) && !m.deleted {
			recs = append(recs, m.record(now))
		}
	}
	s.mu.Unlock()
	out := make([]nova.Migration, len(recs))
	for i, r := range recs {
		out[i] = *decode(r)
	}
	return out
}

func decode(rec map[string]any) *nova.Migration {
	data, err := json.Marshal(rec)
	if err != nil {
		panic("novatest: encoding a migration: " + err.Error())
	}
	var out nova.Migration
	if err := json.Unmarshal(data, &out); err != nil {
		panic("novatest: decoding a migration: " + err.Error())
	}
	return &out
}

// record is every field of the migration at now.
func (m *migration) record(now time.Time) map[string]any {
	rec := m.common(now)
	rec["server_uuid"] = m.serverID
	rec["instance_uuid"] = m.serverID
	rec["migration_type"] = m.kind()
	rec["uuid"] = m.uuid
	rec["old_instance_type_id"] = m.flavorID
	rec["new_instance_type_id"] = m.flavorID
	rec["user_id"] = m.userID
	rec["project_id"] = m.projectID
	m.addCounters(rec, now)
	return rec
}

func (m *migration) kind() string {
	switch {
	case m.live:
		return typeLive
	case m.evac:
		return typeEvac
	}
	return typeCold
}

// common holds the fields every migration view has.
func (m *migration) common(now time.Time) map[string]any {
	rec := map[string]any{
		"id":             m.id,
		"status":         m.statusAt(now),
		"created_at":     m.created.UTC().Format(wireTime),
		"updated_at":     nil,
		"source_compute": m.source.name,
		"source_node":    m.source.node,
		"dest_compute":   nil,
		"dest_host":      nil,
		"dest_node":      nil,
	}
	if u := m.updatedAt(now); !u.IsZero() {
		rec["updated_at"] = u.UTC().Format(wireTime)
	}
	if m.dest != nil {
		rec["dest_compute"] = m.dest.name
		if m.destNode {
			// The destination records its IP address when it claims
			// resources for the move, which a cold migration does and a
			// live migration of a server without NUMA topology does not.
			if !m.live {
				rec["dest_host"] = m.dest.ip
			}
			rec["dest_node"] = m.dest.node
		}
	}
	return rec
}

func (m *migration) addCounters(rec map[string]any, now time.Time) {
	mem, disk := m.counters(now)
	for i, k := range [3]string{"total", "processed", "remaining"} {
		rec["memory_"+k+"_bytes"] = ptrValue(mem[i])
		rec["disk_"+k+"_bytes"] = ptrValue(disk[i])
	}
}

func ptrValue(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}
