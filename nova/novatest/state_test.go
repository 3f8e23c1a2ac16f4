package novatest

import (
	"testing"
	"time"
)

// startLive starts a live migration of server "s" from host "a" to "b"
// directly in the state, and returns the fake, the migration and its start.
func startLive(t *testing.T, block bool, fail int) (*Server, *migration, time.Time) {
	t.Helper()
	s := NewServer()
	t.Cleanup(s.Close)
	s.AddHost("a", "b")
	s.AddServer("s", "a", StatusActive)
	s.FailNextMigrations(fail)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	return s, s.newLiveLocked(s.servers["s"], s.hosts["b"], block, false, now), now
}

func TestLiveTimeline(t *testing.T) {
	_, m, t0 := startLive(t, true, 0)
	for _, tc := range []struct {
		at       time.Duration
		status   string
		progress float64 // -1: no counters yet
	}{
		{0, statusQueued, -1},
		{1999 * time.Millisecond, statusQueued, -1},
		{2 * time.Second, statusPreparing, -1},
		{7 * time.Second, statusRunning, 0},
		{22 * time.Second, statusRunning, 0.25},
		{37 * time.Second, statusRunning, 0.5},
		{67 * time.Second, statusPostMigrating, 1},
		{72 * time.Second, statusCompleted, 1},
		{24 * time.Hour, statusCompleted, 1},
	} {
		now := t0.Add(tc.at)
		if got := m.statusAt(now); got != tc.status {
			t.Errorf("at %v: %s, want %s", tc.at, got, tc.status)
		}
		st, _, _ := m.timeline().At(now)
		if st != tc.status {
			t.Errorf("engine timeline at %v: %s", tc.at, st)
		}
		p, ok := m.progress(now)
		if tc.progress < 0 {
			if ok {
				t.Errorf("at %v: progress %v before running", tc.at, p)
			}
			if mem, disk := m.counters(now); mem[0] != nil || disk[0] != nil {
				t.Errorf("at %v: counters before running", tc.at)
			}
			continue
		}
		if !ok || p != tc.progress {
			t.Errorf("at %v: progress %v %v, want %v", tc.at, p, ok, tc.progress)
		}
	}
	mem, disk := m.counters(t0.Add(37 * time.Second))
	if *mem[0] != DefaultMemoryBytes || *mem[1] != DefaultMemoryBytes/2 || *mem[2] != DefaultMemoryBytes/2 ||
		*disk[0] != DefaultDiskBytes || *disk[1] != DefaultDiskBytes/2 || *disk[2] != DefaultDiskBytes/2 {
		t.Errorf("counters half way: mem %d/%d/%d disk %d/%d/%d", *mem[0], *mem[1], *mem[2], *disk[0], *disk[1], *disk[2])
	}
	if !m.inProgressLive(t0) || m.inProgressLive(t0.Add(72*time.Second)) {
		t.Error("in-progress window wrong")
	}
}

func TestUpdatedAt(t *testing.T) {
	s := NewServer()
	defer s.Close()
	s.AddHost("a", "b")
	s.AddServer("s", "a", StatusShutoff)
	s.mu.Lock()
	t0 := s.Clock().Now()
	m := s.newColdLocked(s.servers["s"], s.hosts["b"], t0)
	s.mu.Unlock()
	if u := m.updatedAt(t0.Add(time.Second)); !u.IsZero() {
		t.Errorf("updated while still in the first status: %v", u)
	}
	if u := m.updatedAt(t0.Add(10 * time.Second)); !u.Equal(t0.Add(5 * time.Second)) {
		t.Errorf("updated %v, want the start of migrating", u)
	}
	_, live, l0 := startLive(t, false, 0)
	if u := live.updatedAt(l0.Add(30 * time.Second)); !u.Equal(l0.Add(30 * time.Second)) {
		t.Errorf("running migration updated %v, want now", u)
	}
	if u := live.updatedAt(l0.Add(time.Hour)); !u.Equal(l0.Add(72 * time.Second)) {
		t.Errorf("completed migration updated %v", u)
	}
}

func TestSharedStorageCopiesNoDisk(t *testing.T) {
	_, m, t0 := startLive(t, false, 0)
	mem, disk := m.counters(t0.Add(37 * time.Second))
	if *mem[1] != DefaultMemoryBytes/2 || disk[0] != nil || disk[1] != nil || disk[2] != nil {
		t.Errorf("mem %d, disk %v/%v/%v", *mem[1], disk[0], disk[1], disk[2])
	}
	// At the start nothing is processed, at the end nothing remains:
	// those figures are null, as nova's schema allows no 0.
	if mem, _ := m.counters(t0.Add(7 * time.Second)); mem[0] == nil || mem[1] != nil || *mem[2] != DefaultMemoryBytes {
		t.Errorf("mem at the start of running %v/%v/%v", mem[0], mem[1], mem[2])
	}
	if mem, _ := m.counters(t0.Add(time.Hour)); *mem[1] != DefaultMemoryBytes || mem[2] != nil {
		t.Errorf("mem at the end %v/%v/%v", mem[0], mem[1], mem[2])
	}
}

func TestFailingLiveTimeline(t *testing.T) {
	s, m, t0 := startLive(t, true, 1)
	if m.statusAt(t0.Add(36*time.Second)) != statusRunning || m.statusAt(t0.Add(37*time.Second)) != statusFailed {
		t.Errorf("failure not at half the run")
	}
	if p, _ := m.progress(t0.Add(time.Hour)); p != 0.5 {
		t.Errorf("progress after the failure %v, want frozen at 0.5", p)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, left := s.takeFailureLocked(); left {
		t.Error("a planned failure is left after the failing migration")
	}
	s.settleLocked(t0.Add(time.Hour))
	if sv := s.servers["s"]; sv.mig != nil || sv.host.name != "a" || sv.status != StatusActive {
		t.Errorf("server after the failure: %+v", sv)
	}
}

func TestColdTimelineAndServerView(t *testing.T) {
	s := NewServer()
	defer s.Close()
	s.AddHost("a", "b")
	s.AddServer("s", "a", StatusShutoff)
	s.mu.Lock()
	defer s.mu.Unlock()
	t0 := s.Clock().Now()
	sv := s.servers["s"]
	m := s.newColdLocked(sv, s.hosts["b"], t0)
	for _, tc := range []struct {
		at                   time.Duration
		status, server, task string
		host                 string
	}{
		{0, statusPreMigrating, StatusResize, TaskResizePrep, "a"},
		{5 * time.Second, statusMigrating, StatusResize, TaskResizeMigrating, "a"},
		{35 * time.Second, statusPostMigrating, StatusResize, TaskResizeFinish, "a"},
		{40 * time.Second, statusFinished, StatusVerifyResize, "", "b"},
		{time.Hour, statusFinished, StatusVerifyResize, "", "b"},
	} {
		now := t0.Add(tc.at)
		s.settleLocked(now)
		info := sv.view(now)
		if m.statusAt(now) != tc.status || info.Status != tc.server || info.TaskState != tc.task || info.Host != tc.host || info.MigrationID != 1 {
			t.Errorf("at %v: %s, server %+v", tc.at, m.statusAt(now), info)
		}
	}
	if mem, disk := m.counters(t0.Add(time.Hour)); mem[0] != nil || disk[0] != nil {
		t.Error("a cold migration has byte counters")
	}
	// Confirming an hour later.
	now := t0.Add(time.Hour)
	m.cut(now, mark{statusConfirming, now}, mark{statusConfirmed, now.Add(2 * time.Second)})
	if m.statusAt(now) != statusConfirming || m.statusAt(now.Add(2*time.Second)) != statusConfirmed {
		t.Errorf("confirming: %s then %s", m.statusAt(now), m.statusAt(now.Add(2*time.Second)))
	}
	s.settleLocked(now.Add(2 * time.Second))
	if info := sv.view(now); sv.mig != nil || info.Status != StatusShutoff || info.Host != "b" {
		t.Errorf("after confirming: %+v", info)
	}
}

func TestPrecheckFailure(t *testing.T) {
	s := NewServer()
	defer s.Close()
	s.AddServer("s", "a", StatusActive)
	s.mu.Lock()
	defer s.mu.Unlock()
	t0 := s.Clock().Now()
	m := s.newLiveLocked(s.servers["s"], nil, true, false, t0)
	if m.statusAt(t0) != statusError || m.dest != nil || m.inProgressLive(t0) {
		t.Errorf("pre-check failure: %s", m.statusAt(t0))
	}
	rec := m.record(t0)
	if rec["dest_compute"] != nil || rec["dest_node"] != nil || rec["memory_total_bytes"] != nil {
		t.Errorf("record %v", rec)
	}
	s.settleLocked(t0)
	if s.servers["s"].mig != nil {
		t.Error("the server still migrates")
	}
}
