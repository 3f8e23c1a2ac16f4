package cce

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/cloudmigrate/cloudmigrate/internal/rest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// JobPhase is where a CCE job stands.
type JobPhase string

// The phases of a CCE job. A job finishes only after all its sub-jobs have.
const (
	// PhaseInitializing: the job is accepted and being prepared.
	PhaseInitializing JobPhase = "Initializing"
	// PhaseRunning: the job is under way.
	PhaseRunning JobPhase = "Running"
	// PhaseSuccess: the job finished and did what was asked.
	PhaseSuccess JobPhase = "Success"
	// PhaseFailed: the job finished without doing what was asked;
	// JobStatus.Reason says why.
	PhaseFailed JobPhase = "Failed"
)

// Finished reports whether the phase is final (Success or Failed).
func (p JobPhase) Finished() bool { return p == PhaseSuccess || p == PhaseFailed }

// Job is a CCE job: an asynchronous task such as a node migration, with
// the sub-jobs it is made of.
type Job struct {
	// Kind is "Job".
	Kind string `json:"kind"`
	// APIVersion is "v3".
	APIVersion string `json:"apiVersion,omitempty"`
	// Metadata identifies the job and tells when it was created and last
	// updated.
	Metadata JobMetadata `json:"metadata"`
	// Spec says what the job works on.
	Spec JobSpec `json:"spec"`
	// Status is the job's phase and, on failure, the reason.
	Status JobStatus `json:"status"`
}

// JobMetadata identifies a job.
type JobMetadata struct {
	// UID is the job's ID.
	UID string `json:"uid"`
	// CreationTimestamp is when the job was created.
	CreationTimestamp Time `json:"creationTimestamp"`
	// UpdateTimestamp is when the job last changed.
	UpdateTimestamp Time `json:"updateTimestamp"`
}

// JobSpec says what a job works on.
type JobSpec struct {
	// Type is the kind of work, such as "MigrateNode" or "CreateNode".
	Type string `json:"type"`
	// ClusterUID is the ID of the cluster the job works in.
	ClusterUID string `json:"clusterUID"`
	// ResourceID is the ID of the resource the job works on, such as a
	// node.
	ResourceID string `json:"resourceID"`
	// ResourceName is the name of that resource, when it has one.
	ResourceName string `json:"resourceName,omitempty"`
	// ExtendParam holds further details some job types report.
	ExtendParam map[string]string `json:"extendParam,omitempty"`
	// SubJobs are the jobs this one is made of, each with its own phase.
	SubJobs []Job `json:"subJobs,omitempty"`
}

// JobStatus is a job's phase and failure reason.
type JobStatus struct {
	// Phase is the job's phase.
	Phase JobPhase `json:"phase"`
	// Reason explains a failure; usually empty otherwise.
	Reason string `json:"reason,omitempty"`
}

// GetJob returns the job jobID, with its sub-jobs.
//
//	GET /api/v3/projects/{project_id}/jobs/{job_id}
//
// The request is retried on network errors, throttling and 502/503/504.
func (c *Client) GetJob(ctx context.Context, jobID string) (*Job, error) {
	if err := rest.CheckID("jobID", jobID); err != nil {
		return nil, err
	}
	var out Job
	_, err := c.rc.Do(ctx, &rest.Request{
		Op:     "cce.GetJob",
		Method: http.MethodGet,
		Path:   "/api/v3/projects/{project_id}/jobs/{job_id}",
		Params: []string{c.projectID, jobID},
		Out:    &out,
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// WaitForJob polls GetJob until the job jobID finishes and returns it. It
// follows a job by its ID alone; to follow a migration, wait on the handle
// MigrateNodes returns, which also checks that the nodes arrived.
//
// On PhaseSuccess it returns the job and nil. On PhaseFailed it returns the
// job and a *jobs.FailedError whose Status.Message is the job's reason (or,
// when the job gives none, the reason of its first failed sub-job) and
// whose Job is the final *Job. Progress reported through jobs.WithProgress
// is the share of finished sub-jobs, 100 on success, and
// jobs.ProgressUnknown while a job without sub-jobs runs. Phases this
// package does not know count as running.
//
// Throttling, 5xx and network errors while polling are retried with
// back-off; see package jobs for the options (poll intervals, initial
// delay, error budget). A migration of many nodes takes many minutes, so
// bound the wait with ctx; when ctx ends, the error wraps ctx.Err().
func (c *Client) WaitForJob(ctx context.Context, jobID string, opts ...jobs.Option) (*Job, error) {
	if err := rest.CheckID("jobID", jobID); err != nil {
		return nil, err
	}
	return jobs.Wait(ctx, func(ctx context.Context) (*Job, error) {
		return c.GetJob(ctx, jobID)
	}, (*Job).Summary, opts...)
}

var phaseStates = jobs.Words{
	string(PhaseInitializing): jobs.Pending,
	string(PhaseRunning):      jobs.Running,
	string(PhaseSuccess):      jobs.Succeeded,
	string(PhaseFailed):       jobs.Failed,
}

// Summary translates the job into the service-neutral jobs.Status that
// package jobs works with: the state, the phase word, progress and, for a
// failed job, its reason.
func (j *Job) Summary() jobs.Status {
	st := phaseStates.Status(string(j.Status.Phase))
	switch {
	case j.Status.Phase == PhaseSuccess:
		st.Progress = 100
	case len(j.Spec.SubJobs) > 0:
		done := 0
		for i := range j.Spec.SubJobs {
			if j.Spec.SubJobs[i].Status.Phase.Finished() {
				done++
			}
		}
		st.Progress = done * 100 / len(j.Spec.SubJobs)
	}
	if st.State == jobs.Failed {
		st.Message = j.FailureReason()
	}
	return st
}

// FailureReason returns why the job failed: its own reason, or else the
// reason of its first failed sub-job (searched depth first). It is empty
// when neither gives one.
func (j *Job) FailureReason() string {
	if j.Status.Reason != "" {
		return j.Status.Reason
	}
	for i := range j.Spec.SubJobs {
		sj := &j.Spec.SubJobs[i]
		if sj.Status.Phase != PhaseFailed {
			continue
		}
		if r := sj.FailureReason(); r != "" {
			return r
		}
	}
	return ""
}

// Time is a timestamp as CCE writes it, in Go's time.String form:
// "2020-02-02 08:12:40.672772389 +0000 UTC". It also accepts RFC 3339, and
// the empty string or null (the zero Time). A value in any other form
// decodes to the zero Time and keeps its text, which Raw returns and
// MarshalJSON writes back, so an unexpected format never fails a poll.
type Time struct {
	time.Time
	raw string
}

// cceTimeLayout is how CCE writes times; parsing also accepts them without
// the fractional seconds.
const cceTimeLayout = "2006-01-02 15:04:05.999999999 -0700 MST"

// cceOffsetLayout is cceTimeLayout without the zone name.
const cceOffsetLayout = "2006-01-02 15:04:05.999999999 -0700"

// ParseTime reads a timestamp in CCE's form or RFC 3339, and what String
// writes for a time without a zone name ("... +0800 +0800"). The empty
// string gives the zero Time.
func ParseTime(s string) (Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Time{}, nil
	}
	// time.String appends the monotonic clock reading, " m=+1.23"; drop it.
	if i := strings.Index(s, " m="); i >= 0 {
		s = s[:i]
	}
	if t, err := time.Parse(cceTimeLayout, s); err == nil {
		return Time{Time: t}, nil
	}
	// A zone without a name, as RFC 3339 input gives, is written by String
	// as its offset twice ("+0800 +0800"); read that form back too.
	if i := strings.LastIndexByte(s, ' '); i > 0 {
		if zone := s[i+1:]; zone != "" && (zone[0] == '+' || zone[0] == '-') && strings.HasSuffix(s[:i], " "+zone) {
			if t, err := time.Parse(cceOffsetLayout, s[:i]); err == nil {
				return Time{Time: t}, nil
			}
		}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return Time{}, err
	}
	return Time{Time: t}, nil
}

// UnmarshalJSON decodes a JSON string in any form ParseTime accepts, or
// null.
func (t *Time) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*t = Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		// Not a JSON string: keep the text rather than fail the whole
		// document, made valid UTF-8 as a decoded JSON string would be.
		*t = Time{raw: strings.ToValidUTF8(string(b), "\uFFFD")}
		return nil
	}
	v, err := ParseTime(s)
	if err != nil {
		*t = Time{raw: s}
		return nil
	}
	*t = v
	return nil
}

// MarshalJSON writes the time in CCE's form, "" for the zero Time, or the
// original text of a value that could not be parsed.
func (t Time) MarshalJSON() ([]byte, error) {
	return json.Marshal(t.String())
}

// String returns the time in CCE's form, "" for the zero Time, or the
// original text of a value that could not be parsed.
func (t Time) String() string {
	if t.Time.IsZero() {
		return t.raw
	}
	return t.Time.Format(cceTimeLayout)
}

// Raw returns the text of a timestamp that could not be parsed, and "" for
// one that could.
func (t Time) Raw() string { return t.raw }
