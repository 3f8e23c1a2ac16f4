package ecstest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/cloudmigrate/cloudmigrate/ecs"
	"github.com/cloudmigrate/cloudmigrate/internal/fake"
)

// Job status words, as ECS writes them.
const (
	jobInit    = string(ecs.JobInit)
	jobRunning = string(ecs.JobRunning)
	jobSuccess = string(ecs.JobSuccess)
	jobFail    = string(ecs.JobFail)
)

// Job types the fake reports. The service does not document the type of a
// cold-migration job; these names follow the pattern of its documented
// ones (createServer / createSingleServer).
const (
	// JobTypeMigrate is the job_type of a cold-migration job.
	JobTypeMigrate = "migrateServer"
	// SubJobTypeMigrate is the job_type of its per-server sub-job.
	SubJobTypeMigrate = "migrateSingleServer"
)

// defaultFailReason is the reason of a job made to fail without one.
const defaultFailReason = "not enough resources on a single NUMA node of the target to place the server"

// wireTime is how ECS writes times: UTC with milliseconds.
const wireTime = "2006-01-02T15:04:05.000Z"

// job is one cold-migration job. Its state is a function of the clock.
type job struct {
	id, subID string
	serverID  string
	to        string // target host, "" for the public pool
	start     time.Time
	initFor   time.Duration
	runFor    time.Duration
	// failCode and failReason are set when the job is to end FAIL.
	failCode, failReason string
	// detached is set when the server was replaced by AddServer while the
	// job ran: the job still ends, but changes nothing.
	detached bool
}

// timeline is the job's sequence of states: INIT, RUNNING, then SUCCESS
// or FAIL for good.
func (j *job) timeline() fake.Timeline {
	final := jobSuccess
	if j.failCode != "" {
		final = jobFail
	}
	return fake.Timeline{Start: j.start, Steps: []fake.Step{
		{State: jobInit, For: j.initFor},
		{State: jobRunning, For: j.runFor},
		{State: final},
	}}
}

// failure is what a job made to fail by FailNextMigrations reports.
type failure struct {
	code, reason string
}

// FailNextMigrations makes the next n cold migrations the fake accepts end
// with a FAIL job instead of SUCCESS: the job's error_code and fail_reason
// are code and reason, and so are its sub-job's, whose
// entities.errorcode_message repeats reason. The servers stay where they
// were. An empty code means CodeNoCapacity and an empty reason a message
// about NUMA resources, the failure the service documents for this API.
// Calls add up in order; n <= 0 cancels every pending failure.
func (s *Server) FailNextMigrations(n int, code, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures.Add(n, failure{code: cmp.Or(code, CodeNoCapacity), reason: cmp.Or(reason, defaultFailReason)})
}

// takeFailureLocked uses up one pending failure, if any. The caller holds
// s.mu.
func (s *Server) takeFailureLocked() (code, reason string) {
	f, _ := s.failures.Take()
	return f.code, f.reason
}

// newJobLocked records a migration job starting now. The caller holds s.mu.
func (s *Server) newJobLocked(sv *server, to string, now time.Time) *job {
	s.jobSeq++
	j := &job{
		id:       fmt.Sprintf("ff80808290%022x", s.jobSeq),
		subID:    fmt.Sprintf("ff80808291%022x", s.jobSeq),
		serverID: sv.id,
		to:       to,
		start:    now,
		initFor:  s.initFor,
		runFor:   s.runFor,
	}
	j.failCode, j.failReason = s.takeFailureLocked()
	s.jobs[j.id] = j
	s.jobOrder = append(s.jobOrder, j.id)
	s.pending = append(s.pending, j)
	sv.active = j
	return j
}

// wireJob is a job as GET /v1/{project_id}/jobs/{job_id} returns it.
// error_code and fail_reason are null unless the job failed; end_time is
// "" until it has ended.
type wireJob struct {
	JobID      string       `json:"job_id"`
	JobType    string       `json:"job_type"`
	Status     string       `json:"status"`
	BeginTime  string       `json:"begin_time"`
	EndTime    string       `json:"end_time"`
	ErrorCode  *string      `json:"error_code"`
	FailReason *string      `json:"fail_reason"`
	Entities   wireEntities `json:"entities"`
}

// wireEntities is a job's "entities". The job is split into sub-jobs when
// it starts running, so an INIT job has neither sub_jobs_total nor
// sub_jobs.
type wireEntities struct {
	ServerID     string       `json:"server_id"`
	SubJobsTotal int          `json:"sub_jobs_total,omitempty"`
	SubJobs      []wireSubJob `json:"sub_jobs,omitempty"`
}

type wireSubJob struct {
	JobID      string          `json:"job_id"`
	JobType    string          `json:"job_type"`
	Status     string          `json:"status"`
	BeginTime  string          `json:"begin_time"`
	EndTime    string          `json:"end_time"`
	ErrorCode  *string         `json:"error_code"`
	FailReason *string         `json:"fail_reason"`
	Entities   wireSubEntities `json:"entities"`
}

type wireSubEntities struct {
	ServerID         string `json:"server_id"`
	ErrorCodeMessage string `json:"errorcode_message,omitempty"`
}

// view returns the job as it stands at now.
func (j *job) view(now time.Time) wireJob {
	state, _, _ := j.timeline().At(now)
	w := wireJob{
		JobID:     j.id,
		JobType:   JobTypeMigrate,
		Status:    state,
		BeginTime: j.start.UTC().Format(wireTime),
		Entities:  wireEntities{ServerID: j.serverID},
	}
	if state == jobInit {
		return w
	}
	subStart := j.start.Add(j.initFor)
	sub := wireSubJob{
		JobID:     j.subID,
		JobType:   SubJobTypeMigrate,
		Status:    state,
		BeginTime: subStart.UTC().Format(wireTime),
		Entities:  wireSubEntities{ServerID: j.serverID},
	}
	if state != jobRunning {
		end := subStart.Add(j.runFor).UTC().Format(wireTime)
		w.EndTime, sub.EndTime = end, end
	}
	if state == jobFail {
		code, reason := j.failCode, j.failReason
		w.ErrorCode, w.FailReason = &code, &reason
		sub.ErrorCode, sub.FailReason = &code, &reason
		sub.Entities.ErrorCodeMessage = reason
	}
	w.Entities.SubJobsTotal = 1
	w.Entities.SubJobs = []wireSubJob{sub}
	return w
}

// getJob serves GET /v1/{project_id}/jobs/{job_id}.
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
		return s.Error(http.StatusNotFound, CodeInvalidParameter, fmt.Sprintf("job %s does not exist in this project", id))
	}
	return fake.JSON(http.StatusOK, j.view(now))
}

// Job returns the job as GetJob would report it now, decoded into the SDK's
// type, and false when there is no such job.
func (s *Server) Job(id string) (*ecs.Job, bool) {
	s.mu.Lock()
	j := s.jobs[id]
	var w wireJob
	if j != nil {
		w = j.view(s.Clock().Now())
	}
	s.mu.Unlock()
	if j == nil {
		return nil, false
	}
	data, err := json.Marshal(w)
	if err != nil {
		panic("ecstest: encoding a job: " + err.Error())
	}
	var out ecs.Job
	if err := json.Unmarshal(data, &out); err != nil {
		panic("ecstest: decoding a job: " + err.Error())
	}
	return &out, true
}

// JobIDs returns the IDs of every job the fake has created, oldest first.
func (s *Server) JobIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.jobOrder...)
}
