package ccetest

import (
	"cmp"
	"fmt"
	"time"

	"github.com/cloudmigrate/cloudmigrate/cce"
	"github.com/cloudmigrate/cloudmigrate/internal/fake"
)

// Job phases, as CCE writes them.
const (
	jobInitializing = string(cce.PhaseInitializing)
	jobRunning      = string(cce.PhaseRunning)
	jobSuccess      = string(cce.PhaseSuccess)
	jobFailed       = string(cce.PhaseFailed)
)

// Job types the fake reports in spec.type. CCE does not document the type
// of a migration job; these names follow its naming of other job types.
const (
	// JobTypeMigrateNodes is the type of a migration job.
	JobTypeMigrateNodes = "MigrateNodes"
	// SubJobTypeMigrateNode is the type of its sub-jobs, one per node.
	SubJobTypeMigrateNode = "MigrateNode"
)

// DefaultFailReason is the reason of a job made to fail by
// FailNextMigrations without one.
const DefaultFailReason = "failed to reinstall the operating system of the node: the image of the target OS is not available"

// wireTime is how CCE writes times: Go's time.String form, in UTC.
const wireTime = "2006-01-02 15:04:05.999999999 -0700 MST"

// job is one migration job. Its phase, and each sub-job's, is a function
// of the clock.
type job struct {
	id             string
	source, target string // cluster IDs
	sourceName     string
	nodes          []jobNode
	start          time.Time
	initFor        time.Duration
	runFor         time.Duration
	login          nodeLogin
	cmkID          string // the system-disk key the request named
	os, runtime    string // what the nodes are reinstalled with
	// misreport makes the job end Success while its nodes stay in the
	// source cluster (MisreportNextMigrations).
	misreport bool
	// failReason is set when the job is to end Failed: its last sub-job
	// fails with this reason, the others succeed.
	failReason string
	// applied records which sub-jobs' outcomes reached their nodes.
	applied []bool
}

// jobNode is a node a job migrates, with its sub-job's ID.
type jobNode struct {
	uid, name, subID string
}

// timeline is the job's sequence of phases: Initializing, Running, then
// Success or Failed for good.
func (j *job) timeline() fake.Timeline {
	final := jobSuccess
	if j.failReason != "" {
		final = jobFailed
	}
	return fake.Timeline{Start: j.start, Steps: []fake.Step{
		{State: jobInitializing, For: j.initFor},
		{State: jobRunning, For: j.runFor},
		{State: final},
	}}
}

// subTimeline is the phases of sub-job i: Initializing with the job, then
// Running until its share of the running time is over. Sub-job i of n ends
// after (i+1)/n of the job's running time, so the last one ends with the
// job.
func (j *job) subTimeline(i int) fake.Timeline {
	final := jobSuccess
	if j.failReason != "" && i == len(j.nodes)-1 {
		final = jobFailed
	}
	n := int64(len(j.nodes))
	run := time.Duration(int64(j.runFor) / n * int64(i+1))
	if i == len(j.nodes)-1 {
		run = j.runFor
	}
	return fake.Timeline{Start: j.start, Steps: []fake.Step{
		{State: jobInitializing, For: j.initFor},
		{State: jobRunning, For: run},
		{State: final},
	}}
}

// stepStart returns when step idx of tl began.
func stepStart(tl fake.Timeline, idx int) time.Time {
	t := tl.Start
	for _, st := range tl.Steps[:idx] {
		t = t.Add(st.For)
	}
	return t
}

// FailNextMigrations makes the next n migrations the fake accepts end with
// a Failed job instead of Success: the job's last sub-job fails, and both
// it and the job carry reason in status.reason. The other sub-jobs succeed
// and their nodes move; the node of the failed sub-job stays in the source
// cluster in PhaseError. An empty reason means DefaultFailReason. Calls add
// up in order; n <= 0 cancels every pending failure.
func (s *Server) FailNextMigrations(n int, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures.Add(n, cmp.Or(reason, DefaultFailReason))
}

// MisreportNextMigrations makes the next n migrations the fake accepts
// misreport their outcome: the job and every sub-job end Success, but the
// nodes stay in the source cluster, Active, as if nothing had happened, so
// that a wait which trusts the job alone is caught. It applies to
// migrations that FailNextMigrations does not make fail. Calls add up;
// n <= 0 cancels every pending one.
func (s *Server) MisreportNextMigrations(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n <= 0 {
		s.misreports = 0
		return
	}
	s.misreports += n
}

// takeFailureLocked uses up one pending failure, if any. The caller holds
// s.mu.
func (s *Server) takeFailureLocked() string {
	reason, _ := s.failures.Take()
	return reason
}

// jobUID makes a UUID-shaped ID: part 0 for a job, i+1 for its sub-job i.
func jobUID(seq, part int) string {
	return fmt.Sprintf("2ec9b78d-%04x-46f3-8f29-%012x", part, seq)
}

// newJobLocked records a migration job starting now and marks its nodes
// as under migration. The caller holds s.mu.
func (s *Server) newJobLocked(src, dst *cluster, nodes []*node, login nodeLogin, now time.Time) *job {
	s.jobSeq++
	j := &job{
		id:         jobUID(s.jobSeq, 0),
		source:     src.id,
		target:     dst.id,
		sourceName: src.name,
		start:      now,
		initFor:    s.initFor,
		runFor:     s.runFor,
		login:      login,
		failReason: s.takeFailureLocked(),
		applied:    make([]bool, len(nodes)),
	}
	if j.failReason == "" && s.misreports > 0 {
		s.misreports--
		j.misreport = true
	}
	for i, n := range nodes {
		j.nodes = append(j.nodes, jobNode{uid: n.uid, name: n.name, subID: jobUID(s.jobSeq, i+1)})
		n.active, n.sub = j, i
	}
	s.jobs[j.id] = j
	s.pending = append(s.pending, j)
	return j
}

// wireJob is a job as GET /api/v3/projects/{project_id}/jobs/{job_id}
// returns it; sub-jobs have the same form.
type wireJob struct {
	Kind       string        `json:"kind"`
	APIVersion string        `json:"apiVersion"`
	Metadata   wireJobMeta   `json:"metadata"`
	Spec       wireJobSpec   `json:"spec"`
	Status     wireJobStatus `json:"status"`
}

type wireJobMeta struct {
	UID               string `json:"uid"`
	CreationTimestamp string `json:"creationTimestamp"`
	UpdateTimestamp   string `json:"updateTimestamp"`
}

type wireJobSpec struct {
	Type         string            `json:"type"`
	ClusterUID   string            `json:"clusterUID"`
	ResourceID   string            `json:"resourceID"`
	ResourceName string            `json:"resourceName,omitempty"`
	ExtendParam  map[string]string `json:"extendParam,omitempty"`
	SubJobs      []wireJob         `json:"subJobs,omitempty"`
}

type wireJobStatus struct {
	Phase  string `json:"phase"`
	Reason string `json:"reason"`
}

// cceTime writes t the way CCE does.
func cceTime(t time.Time) string { return t.UTC().Format(wireTime) }

// wire returns the job as the service shows it at now.
func (j *job) wire(now time.Time) wireJob {
	tl := j.timeline()
	phase, idx, _ := tl.At(now)
	w := wireJob{
		Kind: "Job", APIVersion: "v3",
		Metadata: wireJobMeta{UID: j.id, CreationTimestamp: cceTime(j.start), UpdateTimestamp: cceTime(stepStart(tl, idx))},
		Spec: wireJobSpec{
			Type: JobTypeMigrateNodes, ClusterUID: j.source, ResourceID: j.source, ResourceName: j.sourceName,
			ExtendParam: map[string]string{"targetClusterUID": j.target},
		},
		Status: wireJobStatus{Phase: phase},
	}
	if phase == jobFailed {
		w.Status.Reason = j.failReason
	}
	for i, n := range j.nodes {
		stl := j.subTimeline(i)
		sp, sidx, _ := stl.At(now)
		sub := wireJob{
			Kind: "Job", APIVersion: "v3",
			Metadata: wireJobMeta{UID: n.subID, CreationTimestamp: cceTime(j.start), UpdateTimestamp: cceTime(stepStart(stl, sidx))},
			Spec:     wireJobSpec{Type: SubJobTypeMigrateNode, ClusterUID: j.source, ResourceID: n.uid, ResourceName: n.name},
			Status:   wireJobStatus{Phase: sp},
		}
		if sp == jobFailed {
			sub.Status.Reason = j.failReason
		}
		w.Spec.SubJobs = append(w.Spec.SubJobs, sub)
	}
	return w
}

// getJob serves OpGetJob.
func (s *Server) getJob(r *fake.Request) fake.Response {
	if resp, ok := s.checkProject(r); !ok {
		return resp
	}
	id := r.PathValue("job_id")
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	j := s.jobs[id]
	if j == nil {
		return s.notFound("job %s not found", id)
	}
	return fake.JSON(200, j.wire(now))
}
