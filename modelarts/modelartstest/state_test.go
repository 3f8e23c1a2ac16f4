package modelartstest

import (
	"regexp"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate/modelarts"
)

func TestJobTimeline(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, fail := range []bool{false, true} {
		j := &job{start: t0, checkFor: 10 * time.Second, createFor: 50 * time.Second, fail: fail}
		final := modelarts.JobSuccess
		if fail {
			final = modelarts.JobFailed
		}
		for _, tc := range []struct {
			at    time.Duration
			phase modelarts.JobPhase
			stage string
		}{
			{-time.Second, modelarts.JobRunning, stageChecking},
			{0, modelarts.JobRunning, stageChecking},
			{10*time.Second - time.Nanosecond, modelarts.JobRunning, stageChecking},
			{10 * time.Second, modelarts.JobRunning, stageCreating},
			{time.Minute - time.Nanosecond, modelarts.JobRunning, stageCreating},
			{time.Minute, final, ""},
			{24 * time.Hour, final, ""},
		} {
			phase, stage := j.stateAt(t0.Add(tc.at))
			if phase != tc.phase || stage != tc.stage {
				t.Errorf("fail=%v at %v: %s/%q, want %s/%q", fail, tc.at, phase, stage, tc.phase, tc.stage)
			}
		}
		if !j.end().Equal(t0.Add(time.Minute)) {
			t.Errorf("end = %v", j.end())
		}
		w := j.wire(t0.Add(time.Minute))
		if w.EndTimestamp != t0.Add(time.Minute).UnixMilli() || w.StartTimestamp != t0.UnixMilli() {
			t.Errorf("wire = %+v", w)
		}
		if w := j.wire(t0); w.EndTimestamp != 0 || w.Message != "" || w.Phase != "Running" {
			t.Errorf("running wire = %+v", w)
		}
	}
}

func TestZeroDurationJobEndsAtOnce(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	j := &job{start: t0}
	if phase, _ := j.stateAt(t0); phase != modelarts.JobSuccess {
		t.Errorf("phase = %s", phase)
	}
}

func TestSettleAppliesOnce(t *testing.T) {
	s := NewServer(WithJobDurations(time.Second, time.Second))
	defer s.Close()
	s.AddPool("a")
	s.AddPool("b")
	s.AddNode("a", "n1", "f1")
	s.AddNode("a", "n2", "f1")
	j := &job{id: "j", from: "a", to: "b", toCluster: "b", nodes: []string{"n1"}, flavor: "f2",
		start: s.Clock().Now(), checkFor: time.Second, createFor: time.Second}
	s.mu.Lock()
	s.nodes["n1"].job = j
	s.pending = append(s.pending, j)
	now := s.Clock().Now()
	s.settleLocked(now.Add(time.Second))
	if n := s.nodes["n1"]; n.pool != "a" || n.phaseAt(now.Add(time.Second)) != modelarts.NodeCreating || len(s.pending) != 1 {
		t.Errorf("before the end: pool %s, phase %s, pending %d", n.pool, n.phaseAt(now.Add(time.Second)), len(s.pending))
	}
	s.settleLocked(now.Add(2 * time.Second))
	n := s.nodes["n1"]
	if n.pool != "b" || n.flavor != "f2" || n.job != nil || n.labels[modelarts.LabelCluster] != "b" || len(s.pending) != 0 {
		t.Errorf("after the end: %+v, pending %d", n, len(s.pending))
	}
	// The job is settled once: a later settle leaves the node alone.
	n.pool = "a"
	s.settleLocked(now.Add(time.Hour))
	if n.pool != "a" {
		t.Error("settled twice")
	}
	s.mu.Unlock()
}

func TestJobIDsAreUUIDs(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 50 {
		id := newJobID()
		if !re.MatchString(id) || seen[id] {
			t.Fatalf("id %q (seen before: %v)", id, seen[id])
		}
		seen[id] = true
	}
}
