package ccetest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate/cce"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// A four-node job walks Initializing (10 s) and Running (400 s); its
// sub-jobs end 100 s apart, each moving its node, and the progress package
// cce derives climbs by 25.
func TestJobTimeline(t *testing.T) {
	srv := NewServer(WithoutAuth(), WithJobDurations(10*time.Second, 400*time.Second))
	defer srv.Close()
	srv.AddCluster("a", "cluster-a")
	srv.AddCluster("b", "cluster-b")
	uids := []string{"n0", "n1", "n2", "n3"}
	for _, u := range uids {
		srv.AddNode("a", u, "name-"+u)
	}
	start := srv.Clock().Now()
	srv.mu.Lock()
	var nodes []*node
	for _, u := range uids {
		nodes = append(nodes, srv.nodes[u])
	}
	j := srv.newJobLocked(srv.clusters["a"], srv.clusters["b"], nodes, nodeLogin{sshKey: "k"}, start)
	srv.mu.Unlock()

	cases := []struct {
		at       time.Duration
		phase    string
		progress int
		subs     string // sub-job phases, first letters
		updated  time.Duration
		inA      string // nodes of cluster a with phases
		inB      string
	}{
		{0, "Initializing", 0, "IIII", 0, "n0:Installing n1:Installing n2:Installing n3:Installing", ""},
		{9 * time.Second, "Initializing", 0, "IIII", 0, "n0:Installing n1:Installing n2:Installing n3:Installing", ""},
		{10 * time.Second, "Running", 0, "RRRR", 10 * time.Second, "n0:Installing n1:Installing n2:Installing n3:Installing", ""},
		{109 * time.Second, "Running", 0, "RRRR", 10 * time.Second, "n0:Installing n1:Installing n2:Installing n3:Installing", ""},
		{110 * time.Second, "Running", 25, "SRRR", 10 * time.Second, "n1:Installing n2:Installing n3:Installing", "n0:Active"},
		{250 * time.Second, "Running", 50, "SSRR", 10 * time.Second, "n2:Installing n3:Installing", "n0:Active n1:Active"},
		{310 * time.Second, "Running", 75, "SSSR", 10 * time.Second, "n3:Installing", "n0:Active n1:Active n2:Active"},
		{410 * time.Second, "Success", 100, "SSSS", 410 * time.Second, "", "n0:Active n1:Active n2:Active n3:Active"},
		{time.Hour, "Success", 100, "SSSS", 410 * time.Second, "", "n0:Active n1:Active n2:Active n3:Active"},
	}
	for _, tc := range cases {
		srv.Clock().Advance(start.Add(tc.at).Sub(srv.Clock().Now()))
		now := srv.Clock().Now()
		data, err := json.Marshal(j.wire(now))
		if err != nil {
			t.Fatal(err)
		}
		var job cce.Job
		if err := json.Unmarshal(data, &job); err != nil {
			t.Fatal(err)
		}
		st := job.Summary()
		subs := ""
		for _, sj := range job.Spec.SubJobs {
			subs += string(sj.Status.Phase)[:1]
		}
		if st.Word != tc.phase || st.Progress != tc.progress || subs != tc.subs {
			t.Errorf("at %v: %s %d%% %s, want %s %d%% %s", tc.at, st.Word, st.Progress, subs, tc.phase, tc.progress, tc.subs)
		}
		if want := start.Add(tc.updated); !job.Metadata.UpdateTimestamp.Equal(want) {
			t.Errorf("at %v: updateTimestamp %v, want %v", tc.at, job.Metadata.UpdateTimestamp, want)
		}
		if got := listed(srv.ClusterNodes("a")); got != tc.inA {
			t.Errorf("at %v: cluster a has %q, want %q", tc.at, got, tc.inA)
		}
		if got := listed(srv.ClusterNodes("b")); got != tc.inB {
			t.Errorf("at %v: cluster b has %q, want %q", tc.at, got, tc.inB)
		}
		if st.State == jobs.Succeeded && len(srv.pending) != 0 {
			t.Errorf("at %v: %d jobs still pending", tc.at, len(srv.pending))
		}
	}
}

func listed(ns []NodeInfo) string {
	var parts []string
	for _, n := range ns {
		parts = append(parts, n.UID+":"+n.Phase)
	}
	return strings.Join(parts, " ")
}

// Timestamps are written in CCE's form, which package cce reads back
// exactly, fractions included.
func TestWireTime(t *testing.T) {
	at := time.Date(2020, 2, 2, 8, 12, 40, 672772389, time.UTC)
	if got := cceTime(at); got != "2020-02-02 08:12:40.672772389 +0000 UTC" {
		t.Errorf("cceTime = %q", got)
	}
	if got := cceTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("CST", 8*3600))); got != "2026-01-01 19:04:05 +0000 UTC" {
		t.Errorf("cceTime = %q", got)
	}
	back, err := cce.ParseTime(cceTime(at))
	if err != nil || !back.Equal(at) {
		t.Errorf("ParseTime(%q) = %v, %v", cceTime(at), back, err)
	}
}

// A job of one node with no running time ends as soon as it starts
// running; one failed by FailNextMigrations fails only its last sub-job.
func TestSubTimelineEdges(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	j := &job{start: start, initFor: time.Second, nodes: make([]jobNode, 3), runFor: 10 * time.Nanosecond, failReason: "r"}
	var got []string
	for i := range j.nodes {
		ph, _, _ := j.subTimeline(i).At(start.Add(time.Hour))
		got = append(got, ph)
	}
	if fmt.Sprint(got) != "[Success Success Failed]" {
		t.Errorf("final sub-job phases %v", got)
	}
	if ph, _, _ := j.timeline().At(start.Add(time.Second + 10)); ph != jobFailed {
		t.Errorf("job phase %s", ph)
	}
	zero := &job{start: start, nodes: make([]jobNode, 1)}
	if ph, _, _ := zero.subTimeline(0).At(start); ph != jobSuccess {
		t.Errorf("zero-length job sub-job phase %s", ph)
	}
}
