package modelarts_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/modelarts"
)

const testJob = "66798666-6778-443f-9f8a-56c9ea6d719c"

var (
	jobURL  = base + "/jobs/" + testJob
	listURL = base + "/jobs"
)

// listJobJSON is one list item with every documented field.
const listJobJSON = `{
  "startTimestamp": 1718000000123,
  "endTimestamp": 1718000600456,
  "jobId": "` + testJob + `",
  "jobName": "migrate-nodes",
  "involvedObjects": "pool-9d3f",
  "inputs": {"nodes": ["os-node-created-zrxm7"]},
  "phase": "Failed",
  "suspend": false,
  "type": "migrate-node",
  "conditions": null,
  "message": "target pool lacks IP addresses"
}`

const routeNotFound = `{"error_code":"APIGW.0101","error_msg":"The API does not exist or has not been published in the environment"}`

func TestGetJobByID(t *testing.T) {
	c, mt := newMock(t)
	body := `{"jobId":"` + testJob + `","phase":"Running","type":"migrate","startTimestamp":1718000000123,"progress":{"done":1,"total":3}}`
	mt.RegisterResponder(http.MethodGet, jobURL, func(r *http.Request) (*http.Response, error) {
		checkHeaders(t, r)
		return jsonResponder(200, body, "req-job")(r)
	})
	mt.RegisterResponder(http.MethodGet, listURL, jsonResponder(500, `{}`, ""))
	j, err := c.GetJob(context.Background(), testPool, testJob)
	if err != nil {
		t.Fatal(err)
	}
	if j.ID != testJob || j.Phase != modelarts.JobRunning || j.Type != "migrate" || j.Source != modelarts.JobFromGet {
		t.Errorf("job = %+v", j)
	}
	if want := time.UnixMilli(1718000000123).UTC(); !j.StartTimestamp.Time().Equal(want) {
		t.Errorf("start = %v, want %v", j.StartTimestamp.Time(), want)
	}
	if !j.EndTimestamp.Time().IsZero() {
		t.Errorf("end = %v, want zero", j.EndTimestamp.Time())
	}
	sameJSON(t, "Raw", j.Raw, []byte(body))
	if n := mt.GetTotalCallCount(); n != 1 {
		t.Errorf("%d requests, want 1 (no list)", n)
	}
	st := j.Status()
	if st.State != jobs.Running || st.Word != "Running" || st.Progress != jobs.ProgressUnknown {
		t.Errorf("status = %+v", st)
	}
}

func TestGetJobByIDWithoutIDField(t *testing.T) {
	c, mt := newMock(t)
	mt.RegisterResponder(http.MethodGet, jobURL, jsonResponder(200, `{"phase":"Success"}`, ""))
	j, err := c.GetJob(context.Background(), testPool, testJob)
	if err != nil {
		t.Fatal(err)
	}
	if j.ID != testJob || j.Phase != modelarts.JobSuccess {
		t.Errorf("job = %+v", j)
	}
}

func TestGetJobByIDSnakeCaseID(t *testing.T) {
	c, mt := newMock(t)
	mt.RegisterResponder(http.MethodGet, jobURL, jsonResponder(200, `{"job_id":"other-id","phase":"Failed","message":"boom"}`, ""))
	j, err := c.GetJob(context.Background(), testPool, testJob)
	if err != nil {
		t.Fatal(err)
	}
	if j.ID != "other-id" || j.Message != "boom" {
		t.Errorf("job = %+v", j)
	}
}

func TestGetJobFallsBackToList(t *testing.T) {
	c, mt := newMock(t)
	mt.RegisterResponder(http.MethodGet, jobURL, jsonResponder(404, routeNotFound, "req-a"))
	mt.RegisterResponder(http.MethodGet, listURL, func(r *http.Request) (*http.Response, error) {
		checkHeaders(t, r)
		q := r.URL.Query()
		if q.Get("resource") != "pools" || q.Get("name") != testPool {
			t.Errorf("list query = %s, want resource=pools&name=%s", r.URL.RawQuery, testPool)
		}
		if q.Get("limit") != "500" || q.Has("offset") {
			t.Errorf("list query = %s, want limit=500 and no offset", r.URL.RawQuery)
		}
		return jsonResponder(200, `{"count":2,"items":[{"jobId":"someone-else","phase":"Success"},`+listJobJSON+`]}`, "")(r)
	})
	j, err := c.GetJob(context.Background(), testPool, testJob)
	if err != nil {
		t.Fatal(err)
	}
	if j.Source != modelarts.JobFromList {
		t.Errorf("Source = %q", j.Source)
	}
	if j.ID != testJob || j.Name != "migrate-nodes" || j.Type != "migrate-node" || j.Phase != modelarts.JobFailed ||
		j.Message != "target pool lacks IP addresses" || j.Suspend {
		t.Errorf("job = %+v", j)
	}
	if j.StartTimestamp != 1718000000123 || j.EndTimestamp != 1718000600456 {
		t.Errorf("timestamps = %d, %d", j.StartTimestamp, j.EndTimestamp)
	}
	if got := j.EndTimestamp.Time(); !got.Equal(time.Date(2024, 6, 10, 6, 23, 20, 456e6, time.UTC)) {
		t.Errorf("EndTimestamp.Time() = %v", got)
	}
	if string(j.InvolvedObjects) != `"pool-9d3f"` || string(j.Inputs) != `{"nodes": ["os-node-created-zrxm7"]}` || j.Conditions != nil {
		t.Errorf("raw fields = %s | %s | %s", j.InvolvedObjects, j.Inputs, j.Conditions)
	}
	sameJSON(t, "Raw", j.Raw, []byte(listJobJSON))
	info := mt.GetCallCountInfo()
	if info["GET "+jobURL] != 1 || info["GET "+listURL] != 1 {
		t.Errorf("calls = %v", info)
	}
	st := j.Status()
	if st.State != jobs.Failed || st.Message != "target pool lacks IP addresses" {
		t.Errorf("status = %+v", st)
	}
}

func TestGetJobNotInList(t *testing.T) {
	c, mt := newMock(t)
	mt.RegisterResponder(http.MethodGet, jobURL, jsonResponder(404, routeNotFound, "req-a"))
	mt.RegisterResponder(http.MethodGet, listURL, jsonResponder(200, `{"count":1,"items":[{"jobId":"someone-else","phase":"Success"}]}`, ""))
	j, err := c.GetJob(context.Background(), testPool, testJob)
	if j != nil {
		t.Errorf("job = %+v", j)
	}
	var nf *modelarts.JobNotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("error = %v (%T), want *JobNotFoundError", err, err)
	}
	if nf.JobID != testJob || nf.PoolName != testPool || nf.Listed != 1 {
		t.Errorf("JobNotFoundError = %+v", nf)
	}
	if !cloudmigrate.IsNotFound(err) {
		t.Error("IsNotFound = false")
	}
	apiErr := wantAPIError(t, err, 404, "APIGW.0101")
	if apiErr.RequestID != "req-a" {
		t.Errorf("RequestID = %q", apiErr.RequestID)
	}
	if !strings.Contains(err.Error(), testJob) || !strings.Contains(err.Error(), testPool) {
		t.Errorf("message %q names neither job nor pool", err)
	}
}

func TestGetJobOtherErrorsDoNotFallBack(t *testing.T) {
	c, mt := newMock(t)
	mt.RegisterResponder(http.MethodGet, jobURL, jsonResponder(403, `{"error_code":"ModelArts.0203","error_msg":"forbidden"}`, ""))
	mt.RegisterResponder(http.MethodGet, listURL, jsonResponder(200, `{"count":0,"items":[]}`, ""))
	_, err := c.GetJob(context.Background(), testPool, testJob)
	wantAPIError(t, err, 403, "ModelArts.0203")
	if n := mt.GetCallCountInfo()["GET "+listURL]; n != 0 {
		t.Errorf("list called %d times", n)
	}
}

func TestGetJobListError(t *testing.T) {
	c, mt := newMock(t)
	mt.RegisterResponder(http.MethodGet, jobURL, jsonResponder(404, routeNotFound, ""))
	mt.RegisterResponder(http.MethodGet, listURL, jsonResponder(404, string(readTestdata(t, "error_pool_not_found.json")), "req-list"))
	_, err := c.GetJob(context.Background(), testPool, testJob)
	apiErr := wantAPIError(t, err, 404, modelarts.CodePoolNotFound)
	if apiErr.RequestID != "req-list" {
		t.Errorf("RequestID = %q", apiErr.RequestID)
	}
	var nf *modelarts.JobNotFoundError
	if errors.As(err, &nf) {
		t.Error("an unknown pool must not read as an unknown job")
	}
}

func TestGetJobValidation(t *testing.T) {
	for _, tc := range []struct{ pool, job, field string }{
		{"", testJob, "poolName"},
		{"a/b", testJob, "poolName"},
		{testPool, "", "jobID"},
		{testPool, "..", "jobID"},
		{testPool, "a?b", "jobID"},
	} {
		c, mt := newMock(t)
		_, err := c.GetJob(context.Background(), tc.pool, tc.job)
		wantValidation(t, err, tc.field)
		_, err = c.WaitForJob(context.Background(), tc.pool, tc.job)
		wantValidation(t, err, tc.field)
		if n := mt.GetTotalCallCount(); n != 0 {
			t.Errorf("%d requests sent, want none", n)
		}
	}
}

// jobPages serves the job list in pages of size items from total jobs
// named job-0, job-1, ...
func jobPages(t *testing.T, total, size int) httpmock.Responder {
	return func(r *http.Request) (*http.Response, error) {
		q := r.URL.Query()
		if q.Get("limit") != strconv.Itoa(size) {
			t.Errorf("limit = %q, want %d", q.Get("limit"), size)
		}
		off := 0
		if q.Has("offset") {
			off, _ = strconv.Atoi(q.Get("offset"))
		}
		var items []string
		for i := off; i < total && i < off+size; i++ {
			items = append(items, fmt.Sprintf(`{"jobId":"job-%d","phase":"Success"}`, i))
		}
		return jsonResponder(200, fmt.Sprintf(`{"count":%d,"items":[%s]}`, total, strings.Join(items, ",")), "")(r)
	}
}

func TestListPoolJobsPaging(t *testing.T) {
	c, mt := newMock(t)
	var offsets []string
	pages := jobPages(t, 5, 2)
	mt.RegisterResponder(http.MethodGet, listURL, func(r *http.Request) (*http.Response, error) {
		q := r.URL.Query()
		offsets = append(offsets, q.Get("offset"))
		if q.Get("type") != "reboot-node" || q.Get("since") != "1718000000000" || q.Get("until") != "1718003600000" {
			t.Errorf("query = %s", r.URL.RawQuery)
		}
		return pages(r)
	})
	since := time.UnixMilli(1718000000000)
	opts := &modelarts.ListPoolJobsOptions{Type: "reboot-node", Since: since, Until: since.Add(time.Hour), PageSize: 2}
	var ids []string
	for j, err := range c.ListPoolJobs(context.Background(), testPool, opts) {
		if err != nil {
			t.Fatal(err)
		}
		if j.Source != modelarts.JobFromList {
			t.Errorf("Source = %q", j.Source)
		}
		ids = append(ids, j.ID)
	}
	if got := strings.Join(ids, ","); got != "job-0,job-1,job-2,job-3,job-4" {
		t.Errorf("ids = %s", got)
	}
	if got := strings.Join(offsets, ","); got != ",2,4" {
		t.Errorf("offsets = %q, want \",2,4\"", got)
	}
}

func TestListPoolJobsStopsEarly(t *testing.T) {
	c, mt := newMock(t)
	mt.RegisterResponder(http.MethodGet, listURL, jobPages(t, 5, 2))
	for j, err := range c.ListPoolJobs(context.Background(), testPool, &modelarts.ListPoolJobsOptions{PageSize: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		if j.ID == "job-1" {
			break
		}
	}
	if n := mt.GetTotalCallCount(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestListPoolJobsEndsOnFullLastPage(t *testing.T) {
	// Four jobs in pages of two: the third request finds nothing and ends.
	c, mt := newMock(t)
	mt.RegisterResponder(http.MethodGet, listURL, jobPages(t, 4, 2))
	n := 0
	for _, err := range c.ListPoolJobs(context.Background(), testPool, &modelarts.ListPoolJobsOptions{PageSize: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 4 || mt.GetTotalCallCount() != 3 {
		t.Errorf("%d jobs in %d requests, want 4 in 3", n, mt.GetTotalCallCount())
	}
}

func TestListPoolJobsRepeatedPage(t *testing.T) {
	c, mt := newMock(t)
	mt.RegisterResponder(http.MethodGet, listURL,
		jsonResponder(200, `{"count":9,"items":[{"jobId":"a"},{"jobId":"b"}]}`, ""))
	var err error
	n := 0
	for _, e := range c.ListPoolJobs(context.Background(), testPool, &modelarts.ListPoolJobsOptions{PageSize: 2}) {
		if e != nil {
			err = e
			break
		}
		n++
	}
	if err == nil || n != 2 || mt.GetTotalCallCount() != 2 {
		t.Errorf("err %v after %d jobs and %d requests", err, n, mt.GetTotalCallCount())
	}
}

func TestListPoolJobsValidation(t *testing.T) {
	since := time.Now()
	for _, tc := range []struct {
		name, pool string
		opts       *modelarts.ListPoolJobsOptions
		field      string
	}{
		{"empty pool", "", nil, "poolName"},
		{"negative page", testPool, &modelarts.ListPoolJobsOptions{PageSize: -1}, "limit"},
		{"page too large", testPool, &modelarts.ListPoolJobsOptions{PageSize: 501}, "limit"},
		{"until before since", testPool, &modelarts.ListPoolJobsOptions{Since: since, Until: since.Add(-time.Second)}, "until"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, mt := newMock(t)
			n := 0
			for j, err := range c.ListPoolJobs(context.Background(), tc.pool, tc.opts) {
				n++
				if j != nil {
					t.Error("got a job")
				}
				wantValidation(t, err, tc.field)
			}
			if n != 1 || mt.GetTotalCallCount() != 0 {
				t.Errorf("%d yields, %d requests; want 1 and 0", n, mt.GetTotalCallCount())
			}
		})
	}
}

// phases answers the by-ID query with the given phases in turn, repeating
// the last one.
func phases(list ...string) (httpmock.Responder, *atomic.Int32) {
	var n atomic.Int32
	return func(r *http.Request) (*http.Response, error) {
		i := int(n.Add(1)) - 1
		if i >= len(list) {
			i = len(list) - 1
		}
		msg := ""
		if list[i] == "Failed" {
			msg = "node os-node-created-zrxm7 cannot migrate"
		}
		return jsonResponder(200, `{"jobId":"`+testJob+`","phase":"`+list[i]+`","message":"`+msg+`"}`, "")(r)
	}, &n
}

func TestWaitForJobSuccess(t *testing.T) {
	c, mt := newMock(t)
	resp, polls := phases("Running", "Initializing", "Success")
	mt.RegisterResponder(http.MethodGet, jobURL, resp)
	var words []string
	j, err := c.WaitForJob(context.Background(), testPool, testJob,
		jobs.WithInterval(0, 0), jobs.WithProgress(func(s jobs.Status) { words = append(words, s.Word) }))
	if err != nil {
		t.Fatal(err)
	}
	if j.Phase != modelarts.JobSuccess || polls.Load() != 3 {
		t.Errorf("phase %q after %d polls", j.Phase, polls.Load())
	}
	if got := strings.Join(words, ","); got != "Running,Initializing,Success" {
		t.Errorf("progress words = %s", got)
	}
}

func TestWaitForJobFailed(t *testing.T) {
	c, mt := newMock(t)
	resp, _ := phases("Running", "Failed")
	mt.RegisterResponder(http.MethodGet, jobURL, resp)
	j, err := c.WaitForJob(context.Background(), testPool, testJob, jobs.WithInterval(0, 0))
	var fe *jobs.FailedError
	if !errors.As(err, &fe) {
		t.Fatalf("error = %v (%T), want *jobs.FailedError", err, err)
	}
	if fe.Status.State != jobs.Failed || fe.Status.Word != "Failed" || fe.Status.Message != "node os-node-created-zrxm7 cannot migrate" {
		t.Errorf("status = %+v", fe.Status)
	}
	fj, ok := fe.Job.(*modelarts.Job)
	if !ok || fj.Phase != modelarts.JobFailed || fj.ID != testJob || fj.Message != fe.Status.Message {
		t.Errorf("FailedError.Job = %#v", fe.Job)
	}
	if j != fj {
		t.Error("returned job is not the FailedError's job")
	}
	if !strings.Contains(err.Error(), "cannot migrate") {
		t.Errorf("message %q lacks the reason", err)
	}
}

func TestWaitForJobThroughList(t *testing.T) {
	c, mt := newMock(t)
	mt.RegisterResponder(http.MethodGet, jobURL, jsonResponder(404, routeNotFound, ""))
	var n atomic.Int32
	mt.RegisterResponder(http.MethodGet, listURL, func(r *http.Request) (*http.Response, error) {
		phase := "Running"
		if n.Add(1) >= 2 {
			phase = "Success"
		}
		return jsonResponder(200, `{"count":1,"items":[{"jobId":"`+testJob+`","phase":"`+phase+`"}]}`, "")(r)
	})
	j, err := c.WaitForJob(context.Background(), testPool, testJob, jobs.WithInterval(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if j.Phase != modelarts.JobSuccess || j.Source != modelarts.JobFromList || n.Load() != 2 {
		t.Errorf("job %+v after %d list calls", j, n.Load())
	}
}

func TestWaitForJobCancelled(t *testing.T) {
	c, mt := newMock(t)
	resp, polls := phases("Running")
	mt.RegisterResponder(http.MethodGet, jobURL, resp)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	j, err := c.WaitForJob(ctx, testPool, testJob,
		jobs.WithInterval(time.Millisecond, time.Millisecond),
		jobs.WithProgress(func(jobs.Status) {
			if polls.Load() == 3 {
				cancel()
			}
		}))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	if j == nil || j.Phase != modelarts.JobRunning {
		t.Errorf("last job = %+v", j)
	}
	if polls.Load() != 3 {
		t.Errorf("%d polls, want 3", polls.Load())
	}
}

func TestWaitForJobDeadline(t *testing.T) {
	c, mt := newMock(t)
	resp, _ := phases("Running")
	mt.RegisterResponder(http.MethodGet, jobURL, resp)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err := c.WaitForJob(ctx, testPool, testJob, jobs.WithInterval(5*time.Millisecond, 5*time.Millisecond))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want context.DeadlineExceeded", err)
	}
}

func TestJobStatusUnknownPhase(t *testing.T) {
	j := &modelarts.Job{Phase: "Suspending"}
	if st := j.Status(); st.State != jobs.Running || st.Word != "Suspending" {
		t.Errorf("status = %+v", st)
	}
	if st := (&modelarts.Job{Phase: modelarts.JobSuccess}).Status(); st.State != jobs.Succeeded {
		t.Errorf("status = %+v", st)
	}
}

func TestMillisDecoding(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want modelarts.Millis
		bad  bool
	}{
		{`1718000000123`, 1718000000123, false},
		{`1.718e12`, 1718000000000, false},
		{`"1718000000123"`, 1718000000123, false},
		{`""`, 0, false},
		{`null`, 0, false},
		{`"soon"`, 0, true},
		{`true`, 0, true},
	} {
		var m modelarts.Millis
		err := json.Unmarshal([]byte(tc.in), &m)
		if (err != nil) != tc.bad || m != tc.want {
			t.Errorf("%s: got %d, %v", tc.in, m, err)
		}
	}
	if !modelarts.Millis(0).Time().IsZero() {
		t.Error("zero Millis is not the zero time")
	}
}

func TestJobMarshalUsesWireNames(t *testing.T) {
	b, err := json.Marshal(&modelarts.Job{ID: "j", Phase: modelarts.JobRunning, StartTimestamp: 5, Source: modelarts.JobFromGet})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"jobId":"j","phase":"Running","startTimestamp":5}` {
		t.Errorf("got %s", b)
	}
}
