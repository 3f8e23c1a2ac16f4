package ecs

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// The job sample of the ECS API reference decodes in full: nothing it
// holds is dropped, and the null error fields stay empty.
func TestGetJobOfficialExample(t *testing.T) {
	const id = "2c9eb2c5544cbf6101544f0602af2b4f"
	c, mt := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, testEndpoint+"/v1/"+testProject+"/jobs/"+id,
		jsonResponder(200, testdata(t, "job_official_example.json"), "", nil))
	job, err := c.GetJob(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	want := &Job{
		ID:        id,
		Type:      "createServer",
		Status:    JobSuccess,
		BeginTime: utc("2016-04-25T20:04:34.604Z"),
		EndTime:   utc("2016-04-25T20:08:41.593Z"),
		Entities: JobEntities{
			SubJobsTotal: 1,
			SubJobs: []SubJob{{
				ID:        "2c9eb2c5544cbf6101544f0635672b60",
				Type:      "createSingleServer",
				Status:    JobSuccess,
				BeginTime: utc("2016-04-25T20:04:47.591Z"),
				EndTime:   utc("2016-04-25T20:08:21.328Z"),
				Entities:  SubJobEntities{ServerID: "bae51750-0089-41a1-9b18-5c777978ff6d"},
			}},
		},
	}
	if !reflect.DeepEqual(job, want) {
		t.Errorf("job =\n%+v\nwant\n%+v", job, want)
	}
	assertEncodesLike(t, "job_official_example.json", job)
}

// A NIC job names its network interface in entities.nic_id, at the top
// and in each sub-job.
func TestGetJobNICEntities(t *testing.T) {
	const id = "ff80808288d41e1b0189902a1c2d6870"
	const nic = "d9a8b7c6-5e4f-4a3b-9c2d-1e0f9a8b7c6d"
	c, mt := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, testEndpoint+"/v1/"+testProject+"/jobs/"+id,
		jsonResponder(200, testdata(t, "job_nic.json"), "", nil))
	job, err := c.GetJob(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if job.Entities.NICID != nic || job.Entities.ServerID != "" {
		t.Errorf("entities %+v", job.Entities)
	}
	if len(job.Entities.SubJobs) != 1 || job.Entities.SubJobs[0].Entities != (SubJobEntities{NICID: nic}) {
		t.Errorf("sub-jobs %+v", job.Entities.SubJobs)
	}
	assertEncodesLike(t, "job_nic.json", job)
}

// code and message, which ECS sets when querying the job ran into an
// error, are decoded, and a failed job that carries no error of its own
// or of a sub-job is reported with them.
func TestJobQueryErrorFields(t *testing.T) {
	c, mt := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, jobURL, jsonResponder(200, testdata(t, "job_query_error.json"), "", nil))
	job, err := c.GetJob(context.Background(), testJob)
	if err != nil {
		t.Fatal(err)
	}
	if job.Code != "Common.0021" || job.Message != "Subjob fails." || job.ErrorCode != "" || job.FailReason != "" {
		t.Errorf("job %+v", job)
	}
	assertEncodesLike(t, "job_query_error.json", job)

	_, err = c.WaitForJob(context.Background(), testJob, fastPoll)
	var fe *jobs.FailedError
	if !errors.As(err, &fe) {
		t.Fatalf("WaitForJob error %v (%T), want *jobs.FailedError", err, err)
	}
	if fe.Status.Code != "Common.0021" || fe.Status.Message != "Subjob fails." {
		t.Errorf("status %+v", fe.Status)
	}
}

// The job's own error_code and fail_reason, and then those of a failed
// sub-job, come before code and message.
func TestJobFailureOrder(t *testing.T) {
	query := func(j Job) Job { j.Code, j.Message = "Common.0021", "Subjob fails."; return j }
	cases := []struct {
		name          string
		job           Job
		code, message string
	}{
		{"own error first", query(Job{Status: JobFail, ErrorCode: "Ecs.0319", FailReason: "no room"}), "Ecs.0319", "no room"},
		{"then the sub-job's", query(Job{Status: JobFail, Entities: JobEntities{SubJobs: []SubJob{
			{Status: JobFail, ErrorCode: "Ecs.0221", Entities: SubJobEntities{ErrorCodeMessage: "same host"}}}}}), "Ecs.0221", "same host"},
		{"each part falls back on its own", query(Job{Status: JobFail, ErrorCode: "Ecs.0319"}), "Ecs.0319", "Subjob fails."},
		{"then the query's", query(Job{Status: JobFail}), "Common.0021", "Subjob fails."},
		{"nothing at all", Job{Status: JobFail}, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := jobStatus(&tc.job)
			if st.Code != tc.code || st.Message != tc.message {
				t.Errorf("code %q, message %q; want %q, %q", st.Code, st.Message, tc.code, tc.message)
			}
		})
	}
}

// A 2xx body that is no job but carries code and message is an error that
// shows them.
func TestGetJobAnswerWithOnlyQueryError(t *testing.T) {
	c, mt := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, jobURL,
		jsonResponder(200, []byte(`{"code":"Common.0011","message":"Failed to query system tasks."}`), "req-88", nil))
	job, err := c.GetJob(context.Background(), testJob)
	if job != nil || err == nil {
		t.Fatalf("GetJob = %+v, %v", job, err)
	}
	for _, want := range []string{"holds no job", "req-88", "Common.0011", "Failed to query system tasks."} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

// assertEncodesLike checks that job encodes to the fields of the fixture
// name, apart from null values and the empty end_time of a running job,
// which the encoding leaves as "".
func assertEncodesLike(t *testing.T, name string, job *Job) {
	t.Helper()
	out, err := json.Marshal(job)
	if err != nil {
		t.Fatal(err)
	}
	want := dropNulls(decodeAny(t, testdata(t, name)))
	got := dropNulls(decodeAny(t, out))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: encoded\n%v\nwant\n%v", name, got, want)
	}
}

// dropNulls removes null and "" members from every object of v.
func dropNulls(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if e == nil || e == "" {
				delete(x, k)
				continue
			}
			x[k] = dropNulls(e)
		}
	case []any:
		for i := range x {
			x[i] = dropNulls(x[i])
		}
	}
	return v
}
