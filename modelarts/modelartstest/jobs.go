package modelartstest

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/cloudmigrate/cloudmigrate/internal/fake"
	"github.com/cloudmigrate/cloudmigrate/modelarts"
)

// jobBody is a job as both job queries send it: the by-ID query as the
// whole answer, the list as each of its items.
type jobBody struct {
	JobID          string `json:"jobId"`
	JobName        string `json:"jobName"`
	Type           string `json:"type"`
	Phase          string `json:"phase"`
	Message        string `json:"message,omitempty"`
	Suspend        bool   `json:"suspend"`
	StartTimestamp int64  `json:"startTimestamp"`
	EndTimestamp   int64  `json:"endTimestamp,omitempty"`
	Inputs         string `json:"inputs,omitempty"`
}

// jobListBody is the answer of the job list.
type jobListBody struct {
	Count int       `json:"count"`
	Items []jobBody `json:"items"`
}

// Job list paging and window, as the service documents them.
const (
	defaultJobLimit = 100
	maxJobLimit     = 500
	defaultJobSince = 30 * 24 * time.Hour
)

// wire returns the job as the service shows it at now.
func (j *job) wire(now time.Time) jobBody {
	phase, _ := j.stateAt(now)
	b := jobBody{
		JobID:          j.id,
		JobName:        j.name,
		Type:           JobTypeMigrate,
		Phase:          string(phase),
		StartTimestamp: j.start.UnixMilli(),
		Inputs:         j.inputs,
	}
	if phase != modelarts.JobRunning {
		b.EndTimestamp = j.end().UnixMilli()
	}
	if phase == modelarts.JobFailed {
		b.Message = j.message
	}
	return b
}

// getJob serves OpGetJob.
func (s *Server) getJob(r *fake.Request) fake.Response {
	if resp, ok := s.checkProject(r); !ok {
		return resp
	}
	if s.noJobByID {
		return s.Error(http.StatusNotFound, CodeRouteNotFound,
			"The API does not exist or has not been published in the environment")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	j := s.jobs[r.PathValue("job_id")]
	if j == nil {
		return s.Error(http.StatusNotFound, CodeJobNotFound, "job not found")
	}
	return fake.JSON(http.StatusOK, j.wire(now))
}

// listJobs serves OpListJobs: the jobs that involve the pool "name" (as
// source or target), newest first, filtered by type and by start time
// (since/until in epoch milliseconds; since defaults to 30 days ago), paged
// by limit and offset. count is the number of matching jobs before paging.
func (s *Server) listJobs(r *fake.Request) fake.Response {
	if resp, ok := s.checkProject(r); !ok {
		return resp
	}
	q := r.URL.Query()
	if q.Get("resource") != "pools" {
		return s.badParameter("resource must be pools")
	}
	name := q.Get("name")
	if name == "" {
		return s.badParameter("name is required")
	}
	limit, ok := intParam(q.Get("limit"), defaultJobLimit)
	if !ok || limit < 1 || limit > maxJobLimit {
		return s.badParameter("limit must be a number from 1 to %d", maxJobLimit)
	}
	offset, ok := intParam(q.Get("offset"), 0)
	if !ok || offset < 0 {
		return s.badParameter("offset must be a non-negative number")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	if s.pools[name] == nil {
		return s.poolNotFound()
	}
	since, ok := int64Param(q.Get("since"), now.Add(-defaultJobSince).UnixMilli())
	if !ok {
		return s.badParameter("since must be milliseconds since the epoch")
	}
	until, ok := int64Param(q.Get("until"), -1)
	if !ok {
		return s.badParameter("until must be milliseconds since the epoch")
	}
	typ := q.Get("type")

	var match []*job
	for _, j := range s.jobList {
		start := j.start.UnixMilli()
		switch {
		case j.from != name && j.to != name,
			typ != "" && typ != JobTypeMigrate,
			start < since,
			until >= 0 && start > until:
			continue
		}
		match = append(match, j)
	}
	slices.Reverse(match) // newest first; jobList is in order of creation
	out := jobListBody{Count: len(match), Items: []jobBody{}}
	if offset < len(match) {
		page := match[offset:]
		if len(page) > limit {
			page = page[:limit]
		}
		for _, j := range page {
			out.Items = append(out.Items, j.wire(now))
		}
	}
	return fake.JSON(http.StatusOK, out)
}

func intParam(v string, def int) (int, bool) {
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil
}

func int64Param(v string, def int64) (int64, bool) {
	if v == "" {
		return def, true
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil
}
