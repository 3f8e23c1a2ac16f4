package ecs

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

func utc(s string) Time {
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return Time{v}
}

func TestGetJobSuccess(t *testing.T) {
	c, mt := newMockClient(t)
	var got captured
	mt.RegisterResponder(http.MethodGet, jobURL, jsonResponder(200, testdata(t, "job_success.json"), "req-job", capture(t, &got)))
	job, err := c.GetJob(context.Background(), testJob)
	if err != nil {
		t.Fatalf("GetJob: %v", err)
	}
	if got.method != http.MethodGet || got.path != "/v1/"+testProject+"/jobs/"+testJob {
		t.Errorf("request = %s %s", got.method, got.path)
	}
	if len(got.body) != 0 {
		t.Errorf("GET sent a body: %q", got.body)
	}
	if got.header.Get("X-Project-Id") != testProject {
		t.Errorf("X-Project-Id = %q", got.header.Get("X-Project-Id"))
	}
	want := &Job{
		ID:        testJob,
		Type:      "migrateServer",
		Status:    JobSuccess,
		BeginTime: utc("2024-06-21T08:15:02.117Z"),
		EndTime:   utc("2024-06-21T08:19:47.591Z"),
		Entities: JobEntities{
			ServerID:     testServer,
			SubJobsTotal: 1,
			SubJobs: []SubJob{{
				ID:        "ff80808288d41e1b018990260a7c686b",
				Type:      "migrateSingleServer",
				Status:    JobSuccess,
				BeginTime: utc("2024-06-21T08:15:03.020Z"),
				EndTime:   utc("2024-06-21T08:19:45.004Z"),
				Entities:  SubJobEntities{ServerID: testServer},
			}},
		},
	}
	if !reflect.DeepEqual(job, want) {
		t.Errorf("job =\n%+v\nwant\n%+v", job, want)
	}
}

func TestGetJobRunning(t *testing.T) {
	c, mt := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, jobURL, jsonResponder(200, testdata(t, "job_running.json"), "", nil))
	job, err := c.GetJob(context.Background(), testJob)
	if err != nil {
		t.Fatalf("GetJob: %v", err)
	}
	want := &Job{
		ID:        testJob,
		Type:      "migrateServer",
		Status:    JobRunning,
		BeginTime: utc("2024-06-21T08:15:02.117Z"),
		Entities: JobEntities{
			ServerID:     testServer,
			SubJobsTotal: 2,
			SubJobs: []SubJob{{
				ID:        "ff80808288d41e1b018990260a7c686b",
				Type:      "migrateSingleServer",
				Status:    JobSuccess,
				BeginTime: utc("2024-06-21T08:15:03.020Z"),
				EndTime:   utc("2024-06-21T08:17:10.250Z"),
				Entities:  SubJobEntities{ServerID: testServer},
			}, {
				ID:        "ff80808288d41e1b018990260b11686c",
				Type:      "migrateSingleServer",
				Status:    JobRunning,
				BeginTime: utc("2024-06-21T08:17:10.300Z"),
				Entities:  SubJobEntities{ServerID: "9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f"},
			}},
		},
	}
	if !reflect.DeepEqual(job, want) {
		t.Errorf("job =\n%+v\nwant\n%+v", job, want)
	}
	if !job.EndTime.IsZero() || !job.Entities.SubJobs[1].EndTime.IsZero() {
		t.Error(`end_time "" did not decode to a zero Time`)
	}
}

func TestGetJobFailed(t *testing.T) {
	c, mt := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, jobURL, jsonResponder(200, testdata(t, "job_failed.json"), "", nil))
	job, err := c.GetJob(context.Background(), testJob)
	if err != nil {
		t.Fatalf("GetJob: %v", err)
	}
	want := &Job{
		ID:        testJob,
		Type:      "migrateServer",
		Status:    JobFail,
		BeginTime: utc("2024-06-21T08:15:02.117Z"),
		EndTime:   utc("2024-06-21T08:15:09.480Z"),
		Entities: JobEntities{
			ServerID:     testServer,
			SubJobsTotal: 1,
			SubJobs: []SubJob{{
				ID:         "ff80808288d41e1b018990260a7c686b",
				Type:       "migrateSingleServer",
				Status:     JobFail,
				BeginTime:  utc("2024-06-21T08:15:03.020Z"),
				EndTime:    utc("2024-06-21T08:15:09.402Z"),
				ErrorCode:  CodeSameHost,
				FailReason: "the target dedicated host is the one the server is on",
				Entities: SubJobEntities{
					ServerID:         testServer,
					ErrorCodeMessage: "cold migration to the same dedicated host is not allowed",
				},
			}},
		},
	}
	if !reflect.DeepEqual(job, want) {
		t.Errorf("job =\n%+v\nwant\n%+v", job, want)
	}
}

// Null and missing fields decode to zero values without error, as long as
// the answer is a job at all.
func TestGetJobNullsAndAbsentFields(t *testing.T) {
	bodies := []string{
		`{"job_id":"` + testJob + `","job_type":null,"status":null,"begin_time":null,"end_time":null,"error_code":null,"fail_reason":null,"entities":null}`,
		`{"job_id":"` + testJob + `","status":"INIT","entities":{"server_id":null,"sub_jobs_total":null,"sub_jobs":null}}`,
		`{"job_id":"` + testJob + `","status":"INIT","entities":{"sub_jobs":[{"job_id":null,"status":null,"begin_time":null,"end_time":"","entities":null},{"entities":{"errorcode_message":null}}]}}`,
		`{"job_id":"` + testJob + `","status":"RUNNING","unknown_field":{"a":[1,2]},"entities":{"nic_id":"n1"}}`,
	}
	for _, body := range bodies {
		c, mt := newMockClient(t)
		mt.RegisterResponder(http.MethodGet, jobURL, jsonResponder(200, []byte(body), "", nil))
		job, err := c.GetJob(context.Background(), testJob)
		if err != nil {
			t.Errorf("GetJob(%s): %v", body, err)
			continue
		}
		if !job.BeginTime.IsZero() || !job.EndTime.IsZero() || job.ErrorCode != "" || job.FailReason != "" || job.Entities.ServerID != "" {
			t.Errorf("GetJob(%s) = %+v, want zero fields", body, job)
		}
		for _, s := range job.Entities.SubJobs {
			if s.ID != "" || s.Status != "" || !s.BeginTime.IsZero() || !s.EndTime.IsZero() || s.Entities != (SubJobEntities{}) {
				t.Errorf("GetJob(%s) sub-job = %+v, want zero fields", body, s)
			}
		}
	}
}

// An answer with neither job ID nor status is no job: an error naming the
// request, so that a wait ends instead of polling for ever.
func TestGetJobAnswerWithoutAJob(t *testing.T) {
	for _, body := range []string{`{}`, `{"job_id":null,"status":null}`, `{"error":{"code":"Ecs.0114","message":"gone"}}`} {
		c, mt := newMockClient(t)
		mt.RegisterResponder(http.MethodGet, jobURL, jsonResponder(200, []byte(body), "req-77", nil))
		job, err := c.GetJob(context.Background(), testJob)
		if job != nil || err == nil || !strings.Contains(err.Error(), "holds no job") || !strings.Contains(err.Error(), "req-77") {
			t.Errorf("GetJob(%s) = %+v, %v", body, job, err)
		}
	}
}

func TestGetJobValidation(t *testing.T) {
	for _, id := range []string{"", "a/b", "..", "job id", strings.Repeat("j", maxIDLen+1)} {
		c, mt := newMockClient(t)
		mt.RegisterNoResponder(httpmock.NewStringResponder(200, `{}`))
		job, err := c.GetJob(context.Background(), id)
		var ve *cloudmigrate.ValidationError
		if !errors.As(err, &ve) || ve.Field != "jobID" {
			t.Errorf("GetJob(%q) = %v, want ValidationError for jobID", id, err)
		}
		if job != nil {
			t.Errorf("GetJob(%q) job = %+v", id, job)
		}
		if n := mt.GetTotalCallCount(); n != 0 {
			t.Errorf("GetJob(%q) sent %d requests", id, n)
		}
	}
}

func TestGetJobNotFound(t *testing.T) {
	c, mt := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, jobURL, jsonResponder(404,
		[]byte(`{"error":{"code":"Ecs.0200","message":"job not found"}}`), "req-job-404", nil))
	_, err := c.GetJob(context.Background(), testJob)
	var apiErr *cloudmigrate.Error
	if !errors.As(err, &apiErr) || apiErr.Code != "Ecs.0200" || apiErr.Message != "job not found" || apiErr.RequestID != "req-job-404" || apiErr.Method != http.MethodGet {
		t.Fatalf("err = %#v", err)
	}
}

// A job query is read-only, so a passing 503 is retried.
func TestGetJobRetriesUnavailable(t *testing.T) {
	c, mt := newMockClient(t, cloudmigrate.WithRetryWait(time.Millisecond, 2*time.Millisecond))
	mt.RegisterResponder(http.MethodGet, jobURL,
		jsonResponder(503, []byte(`{"error":{"code":"Ecs.0000","message":"unavailable"}}`), "", nil).
			Then(jsonResponder(200, testdata(t, "job_success.json"), "", nil)))
	job, err := c.GetJob(context.Background(), testJob)
	if err != nil || job.Status != JobSuccess {
		t.Fatalf("GetJob = %+v, %v", job, err)
	}
	if n := mt.GetTotalCallCount(); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

// fastPoll makes WaitForJob poll with tiny intervals.
var fastPoll = jobs.WithInterval(time.Millisecond, 2*time.Millisecond)

func TestWaitForJobSucceeds(t *testing.T) {
	c, mt := newMockClient(t)
	initBody := []byte(`{"job_id":"` + testJob + `","job_type":"migrateServer","status":"INIT","begin_time":"","end_time":"","error_code":null,"fail_reason":null,"entities":{}}`)
	mt.RegisterResponder(http.MethodGet, jobURL,
		jsonResponder(200, initBody, "", nil).
			Then(jsonResponder(200, testdata(t, "job_running.json"), "", nil)).
			Then(jsonResponder(200, testdata(t, "job_success.json"), "", nil)))

	var seen []jobs.Status
	job, err := c.WaitForJob(context.Background(), testJob, fastPoll,
		jobs.WithProgress(func(s jobs.Status) { seen = append(seen, s) }))
	if err != nil {
		t.Fatalf("WaitForJob: %v", err)
	}
	if job == nil || job.Status != JobSuccess || job.ID != testJob || job.EndTime.IsZero() {
		t.Fatalf("job = %+v", job)
	}
	want := []jobs.Status{
		{State: jobs.Pending, Word: "INIT", Progress: jobs.ProgressUnknown},
		{State: jobs.Running, Word: "RUNNING", Progress: 50},
		{State: jobs.Succeeded, Word: "SUCCESS", Progress: 100},
	}
	if !reflect.DeepEqual(seen, want) {
		t.Errorf("progress callbacks =\n%+v\nwant\n%+v", seen, want)
	}
	if n := mt.GetTotalCallCount(); n != 3 {
		t.Errorf("%d polls, want 3", n)
	}
}

func TestWaitForJobFailedSubJob(t *testing.T) {
	c, mt := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, jobURL,
		jsonResponder(200, testdata(t, "job_running.json"), "", nil).
			Then(jsonResponder(200, testdata(t, "job_failed.json"), "", nil)))
	job, err := c.WaitForJob(context.Background(), testJob, fastPoll)
	var fe *jobs.FailedError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v (%T), want *jobs.FailedError", err, err)
	}
	wantSt := jobs.Status{
		State:    jobs.Failed,
		Word:     "FAIL",
		Progress: 100,
		Code:     CodeSameHost,
		Message:  "the target dedicated host is the one the server is on",
	}
	if fe.Status != wantSt {
		t.Errorf("Status = %+v, want %+v", fe.Status, wantSt)
	}
	typed, ok := fe.Job.(*Job)
	if !ok {
		t.Fatalf("FailedError.Job is %T, want *ecs.Job", fe.Job)
	}
	if typed != job {
		t.Error("FailedError.Job is not the job WaitForJob returned")
	}
	if typed.Status != JobFail || typed.Entities.SubJobs[0].ErrorCode != CodeSameHost {
		t.Errorf("job = %+v", typed)
	}
	if !strings.Contains(err.Error(), CodeSameHost) || !strings.Contains(err.Error(), "the one the server is on") {
		t.Errorf("error text %q lacks the code or reason", err)
	}
}

func TestWaitForJobFailedTopLevel(t *testing.T) {
	c, mt := newMockClient(t)
	body := `{"job_id":"` + testJob + `","status":"FAIL","error_code":"Ecs.0319","fail_reason":"insufficient resources on a single NUMA node",
		"entities":{"server_id":"` + testServer + `","sub_jobs_total":1,"sub_jobs":[{"status":"FAIL","error_code":"Ecs.9999","fail_reason":"sub reason"}]}}`
	mt.RegisterResponder(http.MethodGet, jobURL, jsonResponder(200, []byte(body), "", nil))
	_, err := c.WaitForJob(context.Background(), testJob, fastPoll)
	var fe *jobs.FailedError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v", err)
	}
	if fe.Status.Code != "Ecs.0319" || fe.Status.Message != "insufficient resources on a single NUMA node" {
		t.Errorf("Status = %+v: the job's own code and reason must win over the sub-job's", fe.Status)
	}
}

func TestWaitForJobUnknownWordKeepsWaiting(t *testing.T) {
	c, mt := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, jobURL,
		jsonResponder(200, []byte(`{"job_id":"`+testJob+`","status":"PAUSED"}`), "", nil).
			Then(jsonResponder(200, testdata(t, "job_success.json"), "", nil)))
	var seen []jobs.Status
	job, err := c.WaitForJob(context.Background(), testJob, fastPoll,
		jobs.WithProgress(func(s jobs.Status) { seen = append(seen, s) }))
	if err != nil || job.Status != JobSuccess {
		t.Fatalf("WaitForJob = %+v, %v", job, err)
	}
	if len(seen) != 2 || seen[0].State != jobs.Running || seen[0].Word != "PAUSED" {
		t.Errorf("statuses = %+v, want Running/PAUSED first", seen)
	}
}

func TestWaitForJobCancelled(t *testing.T) {
	c, mt := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, jobURL, jsonResponder(200, testdata(t, "job_running.json"), "", nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var polls atomic.Int32
	job, err := c.WaitForJob(ctx, testJob, fastPoll, jobs.WithProgress(func(jobs.Status) {
		if polls.Add(1) == 2 {
			cancel()
		}
	}))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if job == nil || job.Status != JobRunning {
		t.Errorf("job = %+v, want the last RUNNING job", job)
	}
	if n := mt.GetTotalCallCount(); n != 2 {
		t.Errorf("%d polls after cancelling on the 2nd, want 2", n)
	}
}

func TestWaitForJobDeadline(t *testing.T) {
	c, mt := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, jobURL, jsonResponder(200, testdata(t, "job_running.json"), "", nil))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err := c.WaitForJob(ctx, testJob, jobs.WithInterval(5*time.Millisecond, 10*time.Millisecond))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
}

func TestWaitForJobValidation(t *testing.T) {
	c, mt := newMockClient(t)
	mt.RegisterNoResponder(httpmock.NewStringResponder(200, `{}`))
	_, err := c.WaitForJob(context.Background(), "a/b", fastPoll)
	var ve *cloudmigrate.ValidationError
	if !errors.As(err, &ve) || ve.Field != "jobID" {
		t.Errorf("err = %v, want ValidationError for jobID", err)
	}
	_, err = c.WaitForJob(context.Background(), testJob, jobs.WithInterval(-1, 0))
	if !errors.As(err, &ve) {
		t.Errorf("bad option: err = %v, want ValidationError", err)
	}
	if n := mt.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests sent, want 0", n)
	}
}

// A job query refused with a final error ends the wait with that error.
func TestWaitForJobNotFound(t *testing.T) {
	c, mt := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, jobURL, jsonResponder(404,
		[]byte(`{"error":{"code":"Ecs.0200","message":"job not found"}}`), "req-gone", nil))
	_, err := c.WaitForJob(context.Background(), testJob, fastPoll)
	var apiErr *cloudmigrate.Error
	if !errors.As(err, &apiErr) || apiErr.Code != "Ecs.0200" || apiErr.RequestID != "req-gone" {
		t.Fatalf("err = %v", err)
	}
}

func TestJobStatusTranslation(t *testing.T) {
	cases := []struct {
		name string
		job  Job
		want jobs.Status
	}{
		{"init", Job{Status: JobInit}, jobs.Status{State: jobs.Pending, Word: "INIT", Progress: jobs.ProgressUnknown}},
		{"running, no sub-jobs", Job{Status: JobRunning}, jobs.Status{State: jobs.Running, Word: "RUNNING", Progress: jobs.ProgressUnknown}},
		{"empty word", Job{}, jobs.Status{State: jobs.Running, Progress: jobs.ProgressUnknown}},
		{"running, 1 of 3 finished", Job{Status: JobRunning, Entities: JobEntities{SubJobsTotal: 3, SubJobs: []SubJob{
			{Status: JobSuccess}, {Status: JobRunning}, {Status: JobInit}}}},
			jobs.Status{State: jobs.Running, Word: "RUNNING", Progress: 33}},
		{"failed sub-job counts as finished", Job{Status: JobRunning, Entities: JobEntities{SubJobsTotal: 4, SubJobs: []SubJob{
			{Status: JobSuccess}, {Status: JobFail, ErrorCode: "Ecs.0319", FailReason: "no room"}}}},
			jobs.Status{State: jobs.Running, Word: "RUNNING", Progress: 50, Code: "Ecs.0319", Message: "no room"}},
		{"total not listed yet", Job{Status: JobRunning, Entities: JobEntities{SubJobsTotal: 2}},
			jobs.Status{State: jobs.Running, Word: "RUNNING", Progress: 0}},
		{"more listed than total", Job{Status: JobSuccess, Entities: JobEntities{SubJobsTotal: 1, SubJobs: []SubJob{
			{Status: JobSuccess}, {Status: JobSuccess}}}},
			jobs.Status{State: jobs.Succeeded, Word: "SUCCESS", Progress: 100}},
		{"fail, top-level reason", Job{Status: JobFail, ErrorCode: "Ecs.0100", FailReason: "server not stopped"},
			jobs.Status{State: jobs.Failed, Word: "FAIL", Progress: jobs.ProgressUnknown, Code: "Ecs.0100", Message: "server not stopped"}},
		{"fail, sub-job errorcode_message", Job{Status: JobFail, Entities: JobEntities{SubJobsTotal: 2, SubJobs: []SubJob{
			{Status: JobSuccess},
			{Status: JobFail, ErrorCode: "Ecs.0221", Entities: SubJobEntities{ErrorCodeMessage: "same host"}}}}},
			jobs.Status{State: jobs.Failed, Word: "FAIL", Progress: 100, Code: "Ecs.0221", Message: "same host"}},
		{"fail, top code with sub-job reason", Job{Status: JobFail, ErrorCode: "Ecs.0002", Entities: JobEntities{SubJobs: []SubJob{
			{Status: JobFail, ErrorCode: "Ecs.0221", FailReason: "sub reason"}}}},
			jobs.Status{State: jobs.Failed, Word: "FAIL", Progress: jobs.ProgressUnknown, Code: "Ecs.0002", Message: "sub reason"}},
		{"fail, error on a sub-job not marked FAIL", Job{Status: JobFail, Entities: JobEntities{SubJobs: []SubJob{
			{Status: JobRunning, FailReason: "stuck"}}}},
			jobs.Status{State: jobs.Failed, Word: "FAIL", Progress: jobs.ProgressUnknown, Message: "stuck"}},
		{"unknown word", Job{Status: "ROLLBACK"}, jobs.Status{State: jobs.Running, Word: "ROLLBACK", Progress: jobs.ProgressUnknown}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := jobStatus(&tc.job); got != tc.want {
				t.Errorf("jobStatus = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestJobStatusTerminal(t *testing.T) {
	for s, want := range map[JobStatus]bool{JobInit: false, JobRunning: false, JobSuccess: true, JobFail: true, "OTHER": false} {
		if s.Terminal() != want {
			t.Errorf("%s.Terminal() = %v", s, !want)
		}
	}
}

// A Job encodes back to the service's shape, so fakes can serve it.
func TestJobRoundTrip(t *testing.T) {
	for _, name := range []string{"job_success.json", "job_running.json", "job_failed.json"} {
		var a, b Job
		if err := json.Unmarshal(testdata(t, name), &a); err != nil {
			t.Fatal(err)
		}
		out, err := json.Marshal(&a)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(out, &b); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: round trip changed the job:\n%+v\n%+v", name, a, b)
		}
	}
}
