package ecstest

import (
	"testing"
	"time"
)

func TestParseMigrate(t *testing.T) {
	cases := []struct {
		body    string
		host    string
		problem bool
	}{
		{`{"migrate": {"dedicated_host_id": "h1"}}`, "h1", false},
		{`{"migrate": null}`, "", false},
		{`{"migrate": {}}`, "", false},
		{`{"migrate": {"dedicated_host_id": ""}}`, "", false},
		{`{"migrate": null, "other": 1}`, "", false},
		{`{}`, "", true},
		{``, "", true},
		{`null`, "", true},
		{`"migrate"`, "", true},
		{`{"migrate": []}`, "", true},
		{`{"migrate": "h1"}`, "", true},
		{`{"migrate": {"dedicated_host_id": null, "x": 1}}`, "", true},
		{`{"migrate": {"dedicated_host_id": true}}`, "", true},
	}
	for _, tc := range cases {
		host, problem := parseMigrate([]byte(tc.body))
		if host != tc.host || (problem != "") != tc.problem {
			t.Errorf("%s: host %q, problem %q", tc.body, host, problem)
		}
	}
}

func TestJobTimeline(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 123_000_000, time.UTC)
	j := &job{id: "j", subs: []subJob{{id: "s", serverID: "srv"}}, start: t0, initFor: 5 * time.Second, runFor: 2 * time.Minute}
	cases := []struct {
		at      time.Duration
		status  string
		subJobs int
		end     string
	}{
		{0, jobInit, 0, ""},
		{5*time.Second - time.Nanosecond, jobInit, 0, ""},
		{5 * time.Second, jobRunning, 1, ""},
		{125*time.Second - time.Nanosecond, jobRunning, 1, ""},
		{125 * time.Second, jobSuccess, 1, "2026-01-02T03:06:10.123Z"},
		{100 * time.Hour, jobSuccess, 1, "2026-01-02T03:06:10.123Z"},
	}
	for _, tc := range cases {
		w := j.view(t0.Add(tc.at))
		if w.Status != tc.status || len(w.Entities.SubJobs) != tc.subJobs || w.Entities.SubJobsTotal != tc.subJobs ||
			w.EndTime != tc.end || w.BeginTime != "2026-01-02T03:04:05.123Z" {
			t.Errorf("at %v: %+v", tc.at, w)
		}
		if tc.subJobs == 1 {
			sub := w.Entities.SubJobs[0]
			if sub.Status != tc.status || sub.BeginTime != "2026-01-02T03:04:10.123Z" || sub.EndTime != tc.end || sub.JobID != "s" {
				t.Errorf("at %v: sub-job %+v", tc.at, sub)
			}
		}
		if w.ErrorCode != nil || w.FailReason != nil {
			t.Errorf("at %v: error fields set on a successful job", tc.at)
		}
	}

	j.subs[0].failCode, j.subs[0].failReason = "Ecs.0319", "no room"
	if w := j.view(t0.Add(time.Minute)); w.Status != jobRunning || w.ErrorCode != nil {
		t.Errorf("a failing job shows its failure early: %+v", w)
	}
	w := j.view(t0.Add(125 * time.Second))
	sub := w.Entities.SubJobs[0]
	if w.Status != jobFail || *w.ErrorCode != "Ecs.0319" || *w.FailReason != "no room" ||
		sub.Status != jobFail || *sub.ErrorCode != "Ecs.0319" || sub.Entities.ErrorCodeMessage != "no room" {
		t.Errorf("failed job %+v", w)
	}

	// Zero durations: the job has ended as soon as it exists.
	z := &job{start: t0, subs: []subJob{{serverID: "srv"}}}
	if w := z.view(t0); w.Status != jobSuccess || w.EndTime != "2026-01-02T03:04:05.123Z" {
		t.Errorf("instant job %+v", w)
	}
}

func TestFailureQueue(t *testing.T) {
	s := &Server{}
	s.FailNextMigrations(2, "A", "a")
	s.FailNextMigrations(1, "", "")
	var got []string
	for range 4 {
		code, reason := s.takeFailureLocked()
		got = append(got, code+"/"+reason)
	}
	want := []string{"A/a", "A/a", CodeNoCapacity + "/" + defaultFailReason, "/"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("failure %d: %q, want %q", i, got[i], want[i])
		}
	}
}

func TestSettlingAndReplacedServers(t *testing.T) {
	s := NewServer(WithJobDurations(0, time.Minute))
	defer s.Close()
	s.AddServer(ServerInfo{ID: "a", HostID: "h1"})
	s.AddServer(ServerInfo{ID: "b", HostID: "h1"})
	s.AddHost("h2")
	s.mu.Lock()
	now := s.Clock().Now()
	ja := s.newJobLocked(kindMigrate, []subJob{{serverID: "a"}}, time.Minute, now)
	ja.to = "h2"
	jb := s.newJobLocked(kindMigrate, []subJob{{serverID: "b"}}, time.Minute, now)
	jb.to = "h2"
	s.mu.Unlock()

	// Replacing a server mid-migration detaches its job.
	s.AddServer(ServerInfo{ID: "a", HostID: "h1", Status: StatusActive})
	s.Clock().Advance(time.Minute)
	if info, _ := s.ServerState("a"); info.HostID != "h1" || info.MigrationJobID != "" || info.Status != StatusActive {
		t.Errorf("replaced server %+v", info)
	}
	if info, _ := s.ServerState("b"); info.HostID != "h2" {
		t.Errorf("migrated server %+v", info)
	}
	if j, ok := s.Job(ja.id); !ok || j.Status != "SUCCESS" {
		t.Errorf("detached job %+v", j)
	}
	s.mu.Lock()
	left := len(s.pending)
	s.mu.Unlock()
	if left != 0 {
		t.Errorf("%d jobs still pending", left)
	}
}

func TestSeedingPanics(t *testing.T) {
	s := NewServer()
	defer s.Close()
	for name, f := range map[string]func(){
		"empty server ID": func() { s.AddServer(ServerInfo{}) },
		"bad status":      func() { s.AddServer(ServerInfo{ID: "x", Status: "STOPPED"}) },
		"empty host ID":   func() { s.AddHost("h", "") },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
	s.AddServer(ServerInfo{ID: "x"})
	if info, ok := s.ServerState("x"); !ok || info.Status != StatusShutoff || info.HostID != "" {
		t.Errorf("defaults %+v", info)
	}
}
