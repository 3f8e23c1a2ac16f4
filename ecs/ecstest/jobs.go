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

// Job types the fake reports. The service does not document the types of
// these jobs; the names follow the pattern of its documented ones
// (createServer / createSingleServer).
const (
	// JobTypeMigrate is the job_type of a cold-migration job.
	JobTypeMigrate = "migrateServer"
	// SubJobTypeMigrate is the job_type of its per-server sub-job.
	SubJobTypeMigrate = "migrateSingleServer"
	// JobTypeStop is the job_type of a batch stop job.
	JobTypeStop = "batchStopServers"
	// SubJobTypeStop is the job_type of its per-server sub-jobs.
	SubJobTypeStop = "stopSingleServer"
	// JobTypeStart is the job_type of a batch start job.
	JobTypeStart = "batchStartServers"
	// SubJobTypeStart is the job_type of its per-server sub-jobs.
	SubJobTypeStart = "startSingleServer"
)

// defaultFailReason is the reason of a job made to fail without one.
const defaultFailReason = "not enough resources on a single NUMA node of the target to place the server"

// wireTime is how ECS writes times: UTC with milliseconds.
const wireTime = "2006-01-02T15:04:05.000Z"

// jobKind is what a job does.
type jobKind int

const (
	kindMigrate jobKind = iota
	kindStop
	kindStart
)

// subJob is one server's part of a job.
type subJob struct {
	id, serverID string
	// failCode and failReason are set when this part is to end FAIL.
	failCode, failReason string
}

// job is one asynchronous job. Its state is a function of the clock.
type job struct {
	id        string
	kind      jobKind
	subs      []subJob
	to        string // migrations: target host, "" for the public pool
	start     time.Time
	initFor   time.Duration
	runFor    time.Duration
	settleFor time.Duration // after the end, before the servers change
	// strand, on a migration, makes the job report SUCCESS while the
	// server stays where it was; strandFault also leaves it in ERROR.
	strand      bool
	strandFault string
}

// failing reports whether any part of the job is to end FAIL.
func (j *job) failing() bool {
	for _, sub := range j.subs {
		if sub.failCode != "" {
			return true
		}
	}
	return false
}

// subFor returns the part of the job for a server.
func (j *job) subFor(serverID string) subJob {
	for _, sub := range j.subs {
		if sub.serverID == serverID {
			return sub
		}
	}
	return subJob{}
}

// end is when the job reports its outcome.
func (j *job) end() time.Time { return j.start.Add(j.initFor + j.runFor) }

// settleAt is when the job's servers change.
func (j *job) settleAt() time.Time { return j.end().Add(j.settleFor) }

// timeline is the job's sequence of states: INIT, RUNNING, then SUCCESS
// or FAIL for good.
func (j *job) timeline() fake.Timeline {
	final := jobSuccess
	if j.failing() {
		final = jobFail
	}
	return fake.Timeline{Start: j.start, Steps: []fake.Step{
		{State: jobInit, For: j.initFor},
		{State: jobRunning, For: j.runFor},
		{State: final},
	}}
}

// types returns the job_type of the job and of its sub-jobs.
func (j *job) types() (string, string) {
	switch j.kind {
	case kindStop:
		return JobTypeStop, SubJobTypeStop
	case kindStart:
		return JobTypeStart, SubJobTypeStart
	}
	return JobTypeMigrate, SubJobTypeMigrate
}

// failure is what a migration made to fail by FailNextMigrations reports.
type failure struct {
	code, reason string
}

// FailNextMigrations makes the next n cold migrations the fake accepts end
// with a FAIL job instead of SUCCESS: the job's error_code and fail_reason
// are code and reason, and so are its sub-job's, whose
// entities.errorcode_message repeats reason; the job's code and message are
// CodeSubJobFailed and SubJobFailedMessage. The servers stay where they
// were. An empty code means CodeNoCapacity and an empty reason a message
// about NUMA resources, the failure the service documents for this API.
// Calls add up in order; n <= 0 cancels every pending failure.
func (s *Server) FailNextMigrations(n int, code, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures.Add(n, failure{code: cmp.Or(code, CodeNoCapacity), reason: cmp.Or(reason, defaultFailReason)})
}

// StrandNextMigrations makes the next n cold migrations the fake accepts
// report SUCCESS while the server stays where it was: the case a wait
// that trusts the job alone would get wrong. With a non-empty fault the
// server is also left in StatusError with that fault message (fault code
// 500). Calls add up in order; a migration due to fail
// (FailNextMigrations, or a target without room) uses none up. n <= 0
// cancels every pending one.
func (s *Server) StrandNextMigrations(n int, fault string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.strands.Add(n, fault)
}

// takeFailureLocked uses up one pending failure, if any. The caller holds
// s.mu.
func (s *Server) takeFailureLocked() (code, reason string) {
	f, _ := s.failures.Take()
	return f.code, f.reason
}

// newJobLocked records a job starting now on the servers of subs, which
// have their IDs filled in here. The caller holds s.mu and has checked
// that none of the servers is busy.
func (s *Server) newJobLocked(kind jobKind, subs []subJob, runFor time.Duration, now time.Time) *job {
	s.jobSeq++
	j := &job{
		id:      fmt.Sprintf("ff80808290%022x", s.jobSeq),
		kind:    kind,
		subs:    subs,
		start:   now,
		initFor: s.initFor,
		runFor:  runFor,
	}
	for i := range j.subs {
		s.subSeq++
		j.subs[i].id = fmt.Sprintf("ff80808291%022x", s.subSeq)
		if sv := s.servers[j.subs[i].serverID]; sv != nil {
			sv.active = j
		}
	}
	s.jobs[j.id] = j
	s.jobOrder = append(s.jobOrder, j.id)
	s.pending = append(s.pending, j)
	return j
}

// wireJob is a job as GET /v1/{project_id}/jobs/{job_id} returns it.
// error_code and fail_reason are null unless the job failed; end_time is
// "" until it has ended. code and message, which report an error met while
// querying the job, appear only on a failed job.
type wireJob struct {
	JobID      string       `json:"job_id"`
	JobType    string       `json:"job_type"`
	Status     string       `json:"status"`
	BeginTime  string       `json:"begin_time"`
	EndTime    string       `json:"end_time"`
	ErrorCode  *string      `json:"error_code"`
	FailReason *string      `json:"fail_reason"`
	Code       string       `json:"code,omitempty"`
	Message    string       `json:"message,omitempty"`
	Entities   wireEntities `json:"entities"`
}

// wireEntities is a job's "entities". The job is split into sub-jobs when
// it starts running, so an INIT job has neither sub_jobs_total nor
// sub_jobs. A migration names its server; a batch job, which works on
// several, names none.
type wireEntities struct {
	ServerID     string       `json:"server_id,omitempty"`
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

// view returns the job as it stands at now. A failed migration carries
// its failure in the job's own error_code and fail_reason as well as in
// its sub-job; a failed batch job carries it in the failed sub-jobs only.
func (j *job) view(now time.Time) wireJob {
	state, _, _ := j.timeline().At(now)
	jobType, subType := j.types()
	w := wireJob{
		JobID:     j.id,
		JobType:   jobType,
		Status:    state,
		BeginTime: j.start.UTC().Format(wireTime),
	}
	if j.kind == kindMigrate {
		w.Entities.ServerID = j.subs[0].serverID
	}
	if state == jobInit {
		return w
	}
	subStart := j.start.Add(j.initFor).UTC().Format(wireTime)
	end := ""
	if state != jobRunning {
		end = j.end().UTC().Format(wireTime)
		w.EndTime = end
	}
	for _, sub := range j.subs {
		ws := wireSubJob{
			JobID:     sub.id,
			JobType:   subType,
			Status:    state,
			BeginTime: subStart,
			EndTime:   end,
			Entities:  wireSubEntities{ServerID: sub.serverID},
		}
		if state != jobRunning {
			ws.Status = jobSuccess
			if sub.failCode != "" {
				code, reason := sub.failCode, sub.failReason
				ws.Status, ws.ErrorCode, ws.FailReason = jobFail, &code, &reason
				ws.Entities.ErrorCodeMessage = reason
				if j.kind == kindMigrate {
					w.ErrorCode, w.FailReason = &code, &reason
				}
			}
		}
		w.Entities.SubJobs = append(w.Entities.SubJobs, ws)
	}
	w.Entities.SubJobsTotal = len(j.subs)
	if state == jobFail {
		w.Code, w.Message = CodeSubJobFailed, SubJobFailedMessage
	}
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
	var out ecs.Job
	recode("a job", w, &out)
	return &out, true
}

// recode turns a wire value into the SDK's type through JSON, as a
// client would see it.
func recode(what string, in, out any) {
	data, err := json.Marshal(in)
	if err != nil {
		panic("ecstest: encoding " + what + ": " + err.Error())
	}
	if err := json.Unmarshal(data, out); err != nil {
		panic("ecstest: decoding " + what + ": " + err.Error())
	}
}

// JobIDs returns the IDs of every job the fake has created, oldest first.
func (s *Server) JobIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.jobOrder...)
}
