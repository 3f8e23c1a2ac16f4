package modelarts

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"iter"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/internal/rest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// JobPhase is the state of a ModelArts pool job, in the service's words.
type JobPhase string

// The job phases the service documents. Other words may appear; they are
// treated as "still running".
const (
	// JobRunning means the job is under way.
	JobRunning JobPhase = "Running"
	// JobSuccess means the job finished and did what was asked.
	JobSuccess JobPhase = "Success"
	// JobFailed means the job finished without doing what was asked;
	// Job.Message says why.
	JobFailed JobPhase = "Failed"
)

// jobWords maps the phases to the states of package jobs; a phase not in
// the table counts as Running.
var jobWords = jobs.Words{
	string(JobRunning): jobs.Running,
	string(JobSuccess): jobs.Succeeded,
	string(JobFailed):  jobs.Failed,
}

// JobSource says which query produced a Job.
type JobSource string

// The queries GetJob can answer from.
const (
	// JobFromGet means the job came from GET /v2/{project_id}/jobs/{job_id}.
	JobFromGet JobSource = "get"
	// JobFromList means the job came from the pool's job list,
	// GET /v2/{project_id}/jobs?resource=pools&name={pool}.
	JobFromList JobSource = "list"
)

// Job is an asynchronous pool job, such as the one BatchMigrateNodes
// starts. Fields the service did not send are left zero.
type Job struct {
	// ID is the job ID (jobId on the wire).
	ID string `json:"jobId"`
	// Name is the job's name.
	Name string `json:"jobName,omitempty"`
	// Type is the kind of job, such as "reboot-node".
	Type string `json:"type,omitempty"`
	// Phase is where the job stands: Running, Success or Failed.
	Phase JobPhase `json:"phase"`
	// Message is the service's explanation when the job failed.
	Message string `json:"message,omitempty"`
	// Suspend reports whether the job is suspended.
	Suspend bool `json:"suspend,omitempty"`
	// StartTimestamp is when the service started working on the job.
	StartTimestamp Millis `json:"startTimestamp,omitempty"`
	// EndTimestamp is when the job ended; zero while it runs.
	EndTimestamp Millis `json:"endTimestamp,omitempty"`
	// InvolvedObjects describes the resources the job touches, such as the
	// pool. Documented as a string; kept as the JSON the service sent.
	InvolvedObjects json.RawMessage `json:"involvedObjects,omitempty"`
	// Inputs are the job's input parameters, kept as the JSON the service
	// sent.
	Inputs json.RawMessage `json:"inputs,omitempty"`
	// Conditions records the job's progress steps, kept as the JSON the
	// service sent.
	Conditions json.RawMessage `json:"conditions,omitempty"`
	// Source says which query produced this Job.
	Source JobSource `json:"-"`
	// Raw is the job object exactly as the service sent it, for fields
	// this type does not model. The by-ID query is not documented, so its
	// answer may carry more than the fields above.
	Raw json.RawMessage `json:"-"`
}

// jobWire is the decoding form of Job. It also accepts the snake_case ID
// the service uses elsewhere (job_id).
type jobWire struct {
	JobID           string          `json:"jobId"`
	JobIDSnake      string          `json:"job_id"`
	Name            string          `json:"jobName"`
	Type            string          `json:"type"`
	Phase           JobPhase        `json:"phase"`
	Message         string          `json:"message"`
	Suspend         bool            `json:"suspend"`
	StartTimestamp  Millis          `json:"startTimestamp"`
	EndTimestamp    Millis          `json:"endTimestamp"`
	InvolvedObjects json.RawMessage `json:"involvedObjects"`
	Inputs          json.RawMessage `json:"inputs"`
	Conditions      json.RawMessage `json:"conditions"`
}

// UnmarshalJSON decodes a job object and keeps a copy of it in Raw.
func (j *Job) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return nil
	}
	var w jobWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	id := w.JobID
	if id == "" {
		id = w.JobIDSnake
	}
	*j = Job{
		ID:              id,
		Name:            w.Name,
		Type:            w.Type,
		Phase:           w.Phase,
		Message:         w.Message,
		Suspend:         w.Suspend,
		StartTimestamp:  w.StartTimestamp,
		EndTimestamp:    w.EndTimestamp,
		InvolvedObjects: nullToNil(w.InvolvedObjects),
		Inputs:          nullToNil(w.Inputs),
		Conditions:      nullToNil(w.Conditions),
		Source:          j.Source,
		Raw:             append(json.RawMessage(nil), b...),
	}
	return nil
}

func nullToNil(r json.RawMessage) json.RawMessage {
	if bytes.Equal(r, []byte("null")) {
		return nil
	}
	return r
}

// Status translates the job for package jobs: the phase becomes the State
// (an unknown phase counts as Running) and Message the failure reason.
func (j *Job) Status() jobs.Status {
	st := jobWords.Status(string(j.Phase))
	st.Message = j.Message
	return st
}

// Millis is a point in time sent as milliseconds since the Unix epoch. It
// decodes from a JSON number, a number in a string, or null (zero).
type Millis int64

// Time returns the instant in UTC, or the zero time.Time for zero.
func (m Millis) Time() time.Time {
	if m == 0 {
		return time.Time{}
	}
	return time.UnixMilli(int64(m)).UTC()
}

// UnmarshalJSON accepts 1700000000000, 1.7e12, "1700000000000" and null.
func (m *Millis) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = []byte(s)
		if len(b) == 0 {
			*m = 0
			return nil
		}
	}
	if bytes.Equal(b, []byte("null")) {
		*m = 0
		return nil
	}
	if n, err := strconv.ParseInt(string(b), 10, 64); err == nil {
		*m = Millis(n)
		return nil
	}
	// 2^63 itself is out of range: float64(math.MaxInt64) rounds up to it.
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f >= 0x1p63 || f < math.MinInt64 {
		return errors.New("modelarts: timestamp " + strconv.Quote(string(b)) + " is not milliseconds since the epoch")
	}
	*m = Millis(f)
	return nil
}

// GetJob returns the job jobID, which works on the resource pool poolName.
//
// API: GET /v2/{project_id}/jobs/{job_id}, falling back to
// GET /v2/{project_id}/jobs?resource=pools&name={pool_name}
//
// ModelArts documents no query for one job. GetJob first asks the by-ID
// path other clients use and reads the job from its answer (Source
// JobFromGet). When that path answers 404, GetJob searches the pool's
// documented job list (Source JobFromList), page by page, for the job
// with that ID; a service without the by-ID path so costs two or more
// requests per call. When the list does not hold the job either, the error
// is a *JobNotFoundError, for which cloudmigrate.IsNotFound also holds.
// Any other refusal is returned as a *cloudmigrate.Error (an unknown pool
// in the fallback has the code CodePoolNotFound).
func (c *Client) GetJob(ctx context.Context, poolName, jobID string) (*Job, error) {
	if err := checkID("poolName", poolName); err != nil {
		return nil, err
	}
	if err := checkID("jobID", jobID); err != nil {
		return nil, err
	}
	var j Job
	_, err := c.rc.Do(ctx, &rest.Request{
		Op:     "modelarts.GetJob",
		Method: http.MethodGet,
		Path:   "/v2/{project_id}/jobs/{job_id}",
		Params: []string{c.projectID, jobID},
		Out:    &j,
	})
	if err == nil {
		if j.ID == "" {
			j.ID = jobID
		}
		j.Source = JobFromGet
		return &j, nil
	}
	var byID *cloudmigrate.Error
	if !errors.As(err, &byID) || byID.StatusCode != http.StatusNotFound {
		return nil, err
	}
	listed := 0
	for job, err := range c.ListPoolJobs(ctx, poolName, &ListPoolJobsOptions{PageSize: maxJobPage}) {
		if err != nil {
			return nil, err
		}
		listed++
		if job.ID == jobID {
			return job, nil
		}
	}
	return nil, &JobNotFoundError{PoolName: poolName, JobID: jobID, Listed: listed, Err: byID}
}

// WaitForJob polls the job jobID of the pool poolName (see GetJob) until
// it succeeds or fails, and returns the last Job seen.
//
// It returns nil error once the phase is Success. When the phase is Failed
// the error is a *jobs.FailedError whose Status.Message is the job's
// message and whose Job is the final *Job. Polling backs off between
// calls and rides out throttling and 5xx answers; opts tune it (see
// package jobs). When ctx ends, the error wraps ctx.Err(). Migrations take
// minutes: a context deadline of an hour or so is a sensible bound.
//
// WaitForJob follows the job alone and does not check where the nodes
// went; the handle BatchMigrateNodes returns (or ResumeNodeMigration
// rebuilds) does, and is the way to follow a move.
func (c *Client) WaitForJob(ctx context.Context, poolName, jobID string, opts ...jobs.Option) (*Job, error) {
	if err := checkID("poolName", poolName); err != nil {
		return nil, err
	}
	if err := checkID("jobID", jobID); err != nil {
		return nil, err
	}
	return jobs.Wait(ctx,
		func(ctx context.Context) (*Job, error) { return c.GetJob(ctx, poolName, jobID) },
		(*Job).Status,
		opts...)
}

// Job list paging: the service's default page is 100 jobs, its largest 500.
const (
	defaultJobPage = 100
	maxJobPage     = 500
)

// ListPoolJobsOptions narrows ListPoolJobs. The zero value lists the
// service's default window (the last 30 days).
type ListPoolJobsOptions struct {
	// Type keeps only jobs of this type. The documented values are
	// "replace-node", "reboot-node" and "reset-nodes"; whether migration
	// jobs have a type of their own is not documented.
	Type string
	// Since and Until bound the jobs' times; the zero time leaves a bound
	// out. They are sent as milliseconds since the epoch.
	Since, Until time.Time
	// PageSize is how many jobs each request asks for, 1 to 500; zero
	// means 100.
	PageSize int
}

type jobList struct {
	Count int    `json:"count"`
	Items []*Job `json:"items"`
}

// ListPoolJobs lists the jobs of the resource pool poolName, newest pages
// first as the service orders them.
//
// API: GET /v2/{project_id}/jobs?resource=pools&name={pool_name}&limit=&offset=
//
// The sequence asks for the next page (by offset) only when the caller
// iterates past the jobs it has, and ends at the first page shorter than
// the page size. An error is yielded once, and ends the sequence; bad
// arguments are a *cloudmigrate.ValidationError yielded before anything is
// sent.
func (c *Client) ListPoolJobs(ctx context.Context, poolName string, opts *ListPoolJobsOptions) iter.Seq2[*Job, error] {
	return func(yield func(*Job, error) bool) {
		q, limit, err := jobListQuery(poolName, opts)
		if err != nil {
			yield(nil, err)
			return
		}
		var prevFirst string
		for offset := 0; ; {
			if offset > 0 {
				q.Set("offset", strconv.Itoa(offset))
			}
			page, err := c.jobPage(ctx, q)
			if err != nil {
				yield(nil, err)
				return
			}
			if len(page.Items) == 0 {
				return
			}
			// A service that ignores offset would hand back the same page
			// forever: stop rather than loop.
			if first := jobKey(page.Items[0]); offset > 0 && first != "" && first == prevFirst {
				yield(nil, errors.New("modelarts: the job list returned the same page again for offset "+strconv.Itoa(offset)))
				return
			}
			prevFirst = jobKey(page.Items[0])
			for _, j := range page.Items {
				if j == nil {
					continue
				}
				j.Source = JobFromList
				if !yield(j, nil) {
					return
				}
			}
			if len(page.Items) < limit {
				return
			}
			offset += len(page.Items)
		}
	}
}

// jobPage reads one page of the job list with the query q (see
// jobListQuery), marking its jobs as listed.
func (c *Client) jobPage(ctx context.Context, q url.Values) (*jobList, error) {
	var page jobList
	if _, err := c.rc.Do(ctx, &rest.Request{
		Op:     "modelarts.ListPoolJobs",
		Method: http.MethodGet,
		Path:   "/v2/{project_id}/jobs",
		Params: []string{c.projectID},
		Query:  q,
		Out:    &page,
	}); err != nil {
		return nil, err
	}
	return &page, nil
}

func jobKey(j *Job) string {
	if j == nil {
		return ""
	}
	return j.ID
}

func jobListQuery(poolName string, opts *ListPoolJobsOptions) (url.Values, int, error) {
	if err := checkID("poolName", poolName); err != nil {
		return nil, 0, err
	}
	var o ListPoolJobsOptions
	if opts != nil {
		o = *opts
	}
	limit := o.PageSize
	switch {
	case limit == 0:
		limit = defaultJobPage
	case limit < 0 || limit > maxJobPage:
		return nil, 0, cloudmigrate.Invalid("limit", "page size %d is outside 1 to %d", limit, maxJobPage)
	}
	if !o.Since.IsZero() && !o.Until.IsZero() && o.Until.Before(o.Since) {
		return nil, 0, cloudmigrate.Invalid("until", "%v is before since %v", o.Until, o.Since)
	}
	q := url.Values{}
	q.Set("resource", "pools")
	q.Set("name", poolName)
	q.Set("limit", strconv.Itoa(limit))
	if o.Type != "" {
		q.Set("type", o.Type)
	}
	if !o.Since.IsZero() {
		q.Set("since", strconv.FormatInt(o.Since.UnixMilli(), 10))
	}
	if !o.Until.IsZero() {
		q.Set("until", strconv.FormatInt(o.Until.UnixMilli(), 10))
	}
	return q, limit, nil
}
