package ecs

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/cloudmigrate/cloudmigrate/internal/rest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// JobStatus is the status word of an ECS job or sub-job.
type JobStatus string

// The job statuses ECS reports. JobSuccess and JobFail are final.
const (
	// JobInit means the job is being initialised and has not started.
	JobInit JobStatus = "INIT"
	// JobRunning means the job is under way.
	JobRunning JobStatus = "RUNNING"
	// JobSuccess means the job finished and did what was asked.
	JobSuccess JobStatus = "SUCCESS"
	// JobFail means the job finished without doing what was asked; the job's
	// ErrorCode and FailReason, or those of a failed sub-job, say why.
	JobFail JobStatus = "FAIL"
)

// Terminal reports whether s is final: JobSuccess or JobFail.
func (s JobStatus) Terminal() bool { return s == JobSuccess || s == JobFail }

// statusWords maps ECS job statuses to the states every waiter uses. A word
// missing from it counts as running.
var statusWords = jobs.Words{
	string(JobInit):    jobs.Pending,
	string(JobRunning): jobs.Running,
	string(JobSuccess): jobs.Succeeded,
	string(JobFail):    jobs.Failed,
}

// Job is an ECS asynchronous job, as GetJob returns it. Fields the service
// leaves out or sends as null keep their zero value.
type Job struct {
	// ID is the job ID (job_id).
	ID string `json:"job_id"`
	// Type names the kind of job (job_type), such as "createServer".
	Type string `json:"job_type"`
	// Status is the job's status: INIT, RUNNING, SUCCESS or FAIL.
	Status JobStatus `json:"status"`
	// BeginTime is when the job started (UTC).
	BeginTime Time `json:"begin_time"`
	// EndTime is when the job ended; it is zero while the job runs.
	EndTime Time `json:"end_time"`
	// ErrorCode is the service's error code, such as "Ecs.0221", when the
	// job failed.
	ErrorCode string `json:"error_code"`
	// FailReason says why the job failed.
	FailReason string `json:"fail_reason"`
	// Code is the error code ECS puts in the job body when the request
	// that queried the job ran into an error (code). It is empty otherwise;
	// a failure of the job itself is in ErrorCode.
	Code string `json:"code,omitempty"`
	// Message is the error message that goes with Code (message).
	Message string `json:"message,omitempty"`
	// Entities describes what the job works on and its sub-jobs.
	Entities JobEntities `json:"entities"`
}

// JobEntities is the "entities" object of a job.
type JobEntities struct {
	// ServerID is the ID of the server the job works on.
	ServerID string `json:"server_id"`
	// NICID is the ID of the network interface a NIC job works on
	// (nic_id). Server jobs, such as a cold migration, leave it empty.
	NICID string `json:"nic_id,omitempty"`
	// SubJobsTotal is how many sub-jobs the job has.
	SubJobsTotal int `json:"sub_jobs_total"`
	// SubJobs lists the sub-jobs.
	SubJobs []SubJob `json:"sub_jobs"`
}

// SubJob is one step of a job. It has the same fields as a Job, and its
// entities can carry an error message of their own.
type SubJob struct {
	// ID is the sub-job ID (job_id).
	ID string `json:"job_id"`
	// Type names the kind of sub-job (job_type).
	Type string `json:"job_type"`
	// Status is the sub-job's status: INIT, RUNNING, SUCCESS or FAIL.
	Status JobStatus `json:"status"`
	// BeginTime is when the sub-job started (UTC).
	BeginTime Time `json:"begin_time"`
	// EndTime is when the sub-job ended; it is zero while it runs.
	EndTime Time `json:"end_time"`
	// ErrorCode is the service's error code when the sub-job failed.
	ErrorCode string `json:"error_code"`
	// FailReason says why the sub-job failed.
	FailReason string `json:"fail_reason"`
	// Entities describes what the sub-job works on.
	Entities SubJobEntities `json:"entities"`
}

// SubJobEntities is the "entities" object of a sub-job.
type SubJobEntities struct {
	// ServerID is the ID of the server the sub-job works on.
	ServerID string `json:"server_id"`
	// NICID is the ID of the network interface a NIC sub-job works on
	// (nic_id); empty for server sub-jobs.
	NICID string `json:"nic_id,omitempty"`
	// ErrorCodeMessage is the message that goes with the sub-job's error
	// code (errorcode_message).
	ErrorCodeMessage string `json:"errorcode_message"`
}

// GetJob returns the current state of the ECS job jobID, such as the one
// a ColdMigrate, StopServers or StartServers handle follows (its ID). It
// calls
//
//	GET /v1/{project_id}/jobs/{job_id}
//
// A jobID that cannot go into a path (see "IDs in URL paths" in
// [cloudmigrate]) is a *cloudmigrate.ValidationError and nothing is sent.
// Network errors, throttling and 502, 503 and 504 answers are retried; any
// other refusal is a *cloudmigrate.Error.
func (c *Client) GetJob(ctx context.Context, jobID string) (*Job, error) {
	if err := checkID("jobID", jobID); err != nil {
		return nil, err
	}
	var job Job
	res, err := c.rc.Do(ctx, &rest.Request{
		Op:     "ecs.GetJob",
		Method: http.MethodGet,
		Path:   "/v1/{project_id}/jobs/{job_id}",
		Params: []string{c.projectID, jobID},
		Out:    &job,
	})
	if err != nil {
		return nil, err
	}
	if job.ID == "" && job.Status == "" {
		// A 2xx whose body is no job (an error document behind a proxy,
		// say): waiting on it would never end.
		if job.Code != "" || job.Message != "" {
			return nil, fmt.Errorf("ecs: the answer for job %s (request %s) holds no job: %s: %s",
				jobID, res.RequestID, job.Code, job.Message)
		}
		return nil, fmt.Errorf("ecs: the answer for job %s (request %s) holds no job", jobID, res.RequestID)
	}
	return &job, nil
}

// WaitForJob polls the ECS job jobID with GetJob until it ends, and returns
// the job as last seen. It follows the job alone: the handles ColdMigrate,
// StopServers and StartServers return also check that the servers are
// where and as asked, and are the way to follow those calls; WaitForJob
// is for a job ID obtained otherwise.
//
// When the job ends with SUCCESS it returns the job and nil. When it ends
// with FAIL it returns the job and a *jobs.FailedError whose Status.Code and
// Status.Message are the job's error_code and fail_reason (or, when the job
// itself has none, those of the failed sub-job, and failing those the job's
// code and message) and whose Job field is the same *Job. INIT is reported as jobs.Pending and RUNNING as jobs.Running; a
// status word this package does not know is reported as jobs.Running with
// the word, and waiting goes on.
//
// ECS reports no percentage. When the job has sub-jobs, the progress passed
// to a jobs.WithProgress callback is the share of sub-jobs that have
// finished; otherwise it is jobs.ProgressUnknown.
//
// The wait ends early, with an error that satisfies errors.Is against
// ctx.Err(), when ctx is cancelled or its deadline passes. Options such as
// jobs.WithInterval and jobs.WithProgress control the polling.
func (c *Client) WaitForJob(ctx context.Context, jobID string, opts ...jobs.Option) (*Job, error) {
	if err := checkID("jobID", jobID); err != nil {
		return nil, err
	}
	get := func(ctx context.Context) (*Job, error) { return c.GetJob(ctx, jobID) }
	return jobs.Wait(ctx, get, jobStatus, opts...)
}

// jobStatus translates a job into the status the waiting loop understands.
func jobStatus(j *Job) jobs.Status {
	st := statusWords.Status(string(j.Status))
	st.Progress = progressOf(j)
	st.Code, st.Message = failureOf(j)
	return st
}

// progressOf is the percentage of finished sub-jobs, or jobs.ProgressUnknown
// when the job has none.
func progressOf(j *Job) int {
	total := j.Entities.SubJobsTotal
	if total <= 0 {
		return jobs.ProgressUnknown
	}
	done := 0
	for i := range j.Entities.SubJobs {
		if j.Entities.SubJobs[i].Status.Terminal() {
			done++
		}
	}
	if done > total {
		done = total
	}
	return done * 100 / total
}

// failureOf returns the failure code and reason of j: its own when set,
// otherwise those of its failed sub-job, and failing those the job's code
// and message. A sub-job's reason falls back to its errorcode_message.
func failureOf(j *Job) (code, message string) {
	code, message = j.ErrorCode, j.FailReason
	if sub := failedSubJob(j); sub != nil {
		if code == "" {
			code = sub.ErrorCode
		}
		if message == "" {
			message = cmp.Or(sub.FailReason, sub.Entities.ErrorCodeMessage)
		}
	}
	return cmp.Or(code, j.Code), cmp.Or(message, j.Message)
}

// failedSubJob returns the first sub-job that failed, or failing that the
// first one that carries an error, or nil.
func failedSubJob(j *Job) *SubJob {
	var withError *SubJob
	for i := range j.Entities.SubJobs {
		s := &j.Entities.SubJobs[i]
		if s.Status == JobFail {
			return s
		}
		if withError == nil && (s.ErrorCode != "" || s.FailReason != "" || s.Entities.ErrorCodeMessage != "") {
			withError = s
		}
	}
	return withError
}

// Time is a time reported by ECS, such as a job's begin_time. It decodes
// the service's form "2016-04-25T20:04:47.591Z" and other RFC 3339 forms;
// JSON null, an empty string (a running job's end_time), a form it does
// not recognise or a time outside the years 0000 to 9999 in UTC leave it
// zero instead of failing the whole answer, so check IsZero before using
// it. It encodes back to the service's form, and a zero Time to "".
type Time struct {
	time.Time
}

// timeLayouts are the forms Time accepts, most likely first. Forms without
// a zone are taken as UTC.
var timeLayouts = [...]string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
}

// wireLayout is how ECS writes times: UTC with milliseconds.
const wireLayout = "2006-01-02T15:04:05.000Z07:00"

// UnmarshalJSON decodes a JSON string in one of the accepted forms. It never
// fails: anything else leaves t zero.
func (t *Time) UnmarshalJSON(b []byte) error {
	t.Time = time.Time{}
	b = bytes.TrimSpace(b)
	if len(b) < 2 || b[0] != '"' {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil || s == "" {
		return nil
	}
	for _, layout := range timeLayouts {
		if v, err := time.Parse(layout, s); err == nil {
			// An offset can push the instant out of the four-digit years
			// the wire form has room for; such a time could not be written
			// back, so it counts as unrecognised.
			if y := v.UTC().Year(); y >= 0 && y <= 9999 {
				t.Time = v
			}
			return nil
		}
	}
	return nil
}

// MarshalJSON encodes t as ECS writes times, "2016-04-25T20:04:47.591Z",
// and a zero t as "".
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte(`""`), nil
	}
	return []byte(`"` + t.UTC().Format(wireLayout) + `"`), nil
}
