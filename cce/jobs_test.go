package cce

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

func mustTime(t *testing.T, s string) Time {
	t.Helper()
	v, err := ParseTime(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestGetJobDecodesEveryField(t *testing.T) {
	f := newFake(t, replyJSON(200, string(readTestdata(t, "job_running.json"))))
	job, err := f.client().GetJob(context.Background(), testJobID)
	if err != nil {
		t.Fatal(err)
	}
	r := f.only()
	if r.Method != http.MethodGet || r.Path != "/api/v3/projects/"+testProject+"/jobs/"+testJobID {
		t.Errorf("sent %s %s", r.Method, r.Path)
	}
	if r.Header.Get("X-Project-Id") != testProject || r.Header.Get("X-Auth-Token") != testToken {
		t.Errorf("headers %v", r.Header)
	}
	if len(r.Body) != 0 {
		t.Errorf("GET sent a body: %s", r.Body)
	}

	sub := func(uid, created, updated, resID, resName string, phase JobPhase) Job {
		return Job{
			Kind: "Job",
			Metadata: JobMetadata{UID: uid, CreationTimestamp: mustTime(t, created),
				UpdateTimestamp: mustTime(t, updated)},
			Spec:   JobSpec{Type: "MigrateNode", ClusterUID: srcCluster, ResourceID: resID, ResourceName: resName},
			Status: JobStatus{Phase: phase},
		}
	}
	want := &Job{
		Kind:       "Job",
		APIVersion: "v3",
		Metadata: JobMetadata{
			UID:               testJobID,
			CreationTimestamp: Time{Time: time.Date(2020, 2, 2, 8, 12, 40, 672772389, time.UTC)},
			UpdateTimestamp:   Time{Time: time.Date(2020, 2, 2, 8, 14, 3, 104120000, time.UTC)},
		},
		Spec: JobSpec{
			Type:         "MigrateNode",
			ClusterUID:   srcCluster,
			ResourceID:   srcCluster,
			ResourceName: "cluster-a",
			ExtendParam:  map[string]string{"targetClusterUID": dstCluster},
			SubJobs: []Job{
				sub("3a1f0c2e-9368-46f3-8f29-d1a95622a568", "2020-02-02 08:12:40.70311 +0000 UTC",
					"2020-02-02 08:13:55.2 +0000 UTC", "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", "node-1", PhaseSuccess),
				sub("4b2e1d3f-9368-46f3-8f29-d1a95622a568", "2020-02-02 08:12:40.70398 +0000 UTC",
					"2020-02-02 08:14:03.10412 +0000 UTC", "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy", "node-2", PhaseRunning),
			},
		},
		Status: JobStatus{Phase: PhaseRunning},
	}
	if !job.Metadata.CreationTimestamp.Equal(want.Metadata.CreationTimestamp.Time) ||
		!job.Metadata.UpdateTimestamp.Equal(want.Metadata.UpdateTimestamp.Time) {
		t.Errorf("times %v / %v", job.Metadata.CreationTimestamp, job.Metadata.UpdateTimestamp)
	}
	// Compare the rest with the times normalised to the same location.
	norm := func(j *Job) {
		var walk func(*Job)
		walk = func(j *Job) {
			j.Metadata.CreationTimestamp.Time = j.Metadata.CreationTimestamp.UTC()
			j.Metadata.UpdateTimestamp.Time = j.Metadata.UpdateTimestamp.UTC()
			for i := range j.Spec.SubJobs {
				walk(&j.Spec.SubJobs[i])
			}
		}
		walk(j)
	}
	norm(job)
	norm(want)
	if !reflect.DeepEqual(job, want) {
		t.Errorf("decoded\n%+v\nwant\n%+v", job, want)
	}
	st := job.Summary()
	if st.State != jobs.Running || st.Word != "Running" || st.Progress != 50 || st.Message != "" {
		t.Errorf("Summary = %+v", st)
	}
}

func TestJobRoundTrip(t *testing.T) {
	for _, name := range []string{"job_running.json", "job_failed.json"} {
		raw := readTestdata(t, name)
		var j Job
		if err := json.Unmarshal(raw, &j); err != nil {
			t.Fatal(err)
		}
		out, err := json.Marshal(&j)
		if err != nil {
			t.Fatal(err)
		}
		var back Job
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(j, back) {
			t.Errorf("%s: round trip changed the job:\n%s", name, out)
		}
	}
}

func TestJobFailedDecodes(t *testing.T) {
	var j Job
	if err := json.Unmarshal(readTestdata(t, "job_failed.json"), &j); err != nil {
		t.Fatal(err)
	}
	if j.Status.Phase != PhaseFailed || j.Status.Reason != "" || j.Spec.ResourceName != "" || len(j.Spec.SubJobs) != 2 {
		t.Fatalf("decoded %+v", j)
	}
	const reason = "reinstall of node yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy failed: image not found"
	if got := j.FailureReason(); got != reason {
		t.Errorf("FailureReason = %q", got)
	}
	st := j.Summary()
	if st.State != jobs.Failed || st.Word != "Failed" || st.Message != reason || st.Progress != 100 {
		t.Errorf("Summary = %+v", st)
	}
}

func TestJobSummary(t *testing.T) {
	withSubs := func(phase JobPhase, subs ...JobPhase) *Job {
		j := &Job{Status: JobStatus{Phase: phase}}
		for _, p := range subs {
			j.Spec.SubJobs = append(j.Spec.SubJobs, Job{Status: JobStatus{Phase: p}})
		}
		return j
	}
	cases := []struct {
		job      *Job
		state    jobs.State
		progress int
	}{
		{withSubs(PhaseInitializing), jobs.Pending, jobs.ProgressUnknown},
		{withSubs(PhaseRunning), jobs.Running, jobs.ProgressUnknown},
		{withSubs(PhaseRunning, PhaseInitializing, PhaseRunning, PhaseSuccess), jobs.Running, 33},
		{withSubs(PhaseRunning, PhaseSuccess, PhaseFailed, PhaseRunning, PhaseRunning), jobs.Running, 50},
		{withSubs(PhaseSuccess), jobs.Succeeded, 100},
		{withSubs(PhaseSuccess, PhaseSuccess), jobs.Succeeded, 100},
		{withSubs(PhaseFailed), jobs.Failed, jobs.ProgressUnknown},
		{withSubs("Pausing"), jobs.Running, jobs.ProgressUnknown},
		{withSubs(""), jobs.Running, jobs.ProgressUnknown},
	}
	for _, tc := range cases {
		st := tc.job.Summary()
		if st.State != tc.state || st.Progress != tc.progress || st.Word != string(tc.job.Status.Phase) {
			t.Errorf("%q with %d sub-jobs: %+v, want state %v progress %d", tc.job.Status.Phase, len(tc.job.Spec.SubJobs), st, tc.state, tc.progress)
		}
	}
	// The reason comes from the job first, then from the first failed
	// sub-job, searching nested sub-jobs.
	j := withSubs(PhaseFailed, PhaseSuccess, PhaseFailed, PhaseFailed)
	j.Spec.SubJobs[1].Spec.SubJobs = []Job{{Status: JobStatus{Phase: PhaseFailed, Reason: "nested"}}}
	j.Spec.SubJobs[2].Status.Reason = "second"
	if got := j.Summary().Message; got != "nested" {
		t.Errorf("reason = %q, want nested", got)
	}
	j.Status.Reason = "own"
	if got := j.Summary().Message; got != "own" {
		t.Errorf("reason = %q, want own", got)
	}
	if got := withSubs(PhaseRunning, PhaseFailed).Summary().Message; got != "" {
		t.Errorf("a running job has message %q", got)
	}
}

func TestTime(t *testing.T) {
	cases := []struct {
		in   string
		want time.Time
		out  string
	}{
		{"2020-02-02 08:12:40.672772389 +0000 UTC", time.Date(2020, 2, 2, 8, 12, 40, 672772389, time.UTC), "2020-02-02 08:12:40.672772389 +0000 UTC"},
		{"2020-02-02 08:12:40 +0000 UTC", time.Date(2020, 2, 2, 8, 12, 40, 0, time.UTC), "2020-02-02 08:12:40 +0000 UTC"},
		{"2020-02-02 16:12:40.5 +0800 CST", time.Date(2020, 2, 2, 8, 12, 40, 500000000, time.UTC), "2020-02-02 16:12:40.5 +0800 CST"},
		{"2020-02-02 08:12:40.672772389 +0000 UTC m=+3.001", time.Date(2020, 2, 2, 8, 12, 40, 672772389, time.UTC), "2020-02-02 08:12:40.672772389 +0000 UTC"},
		{"2020-02-02T08:12:40.672Z", time.Date(2020, 2, 2, 8, 12, 40, 672000000, time.UTC), "2020-02-02 08:12:40.672 +0000 UTC"},
		{"2020-02-02T16:12:40+08:00", time.Date(2020, 2, 2, 8, 12, 40, 0, time.UTC), "2020-02-02 16:12:40 +0800 +0800"},
	}
	for _, tc := range cases {
		var v Time
		if err := json.Unmarshal([]byte(`"`+tc.in+`"`), &v); err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		if !v.Equal(tc.want) || v.Raw() != "" {
			t.Errorf("%q parsed as %v (raw %q), want %v", tc.in, v.Time, v.Raw(), tc.want)
		}
		out, err := json.Marshal(v)
		if err != nil || string(out) != `"`+tc.out+`"` {
			t.Errorf("%q marshalled as %s (%v), want %q", tc.in, out, err, tc.out)
		}
		if p, err := ParseTime(tc.in); err != nil || !p.Equal(tc.want) {
			t.Errorf("ParseTime(%q) = %v, %v", tc.in, p, err)
		}
	}
	for _, in := range []string{`""`, `null`} {
		v := Time{Time: time.Now()}
		if err := json.Unmarshal([]byte(in), &v); err != nil || !v.IsZero() {
			t.Errorf("%s: %v %v", in, v, err)
		}
		if out, _ := json.Marshal(v); string(out) != `""` {
			t.Errorf("zero time marshalled as %s", out)
		}
	}
	// Unknown forms are kept, not fatal.
	for in, raw := range map[string]string{`"yesterday"`: "yesterday", `1580631160`: "1580631160"} {
		var v Time
		if err := json.Unmarshal([]byte(in), &v); err != nil {
			t.Errorf("%s: %v", in, err)
		}
		if !v.IsZero() || v.Raw() != raw || v.String() != raw {
			t.Errorf("%s: %v raw %q", in, v.Time, v.Raw())
		}
		if out, _ := json.Marshal(v); string(out) != `"`+raw+`"` {
			t.Errorf("%s marshalled as %s", in, out)
		}
	}
	// Kept text is valid UTF-8, as a decoded JSON string is, so that it
	// encodes and decodes back to itself.
	var odd Time
	if err := json.Unmarshal([]byte("[\"\x94\"]"), &odd); err != nil {
		t.Fatal(err)
	}
	if odd.Raw() != "[\"\uFFFD\"]" {
		t.Errorf("invalid UTF-8 kept as %q", odd.Raw())
	}
	out, _ := json.Marshal(odd)
	var back Time
	if err := json.Unmarshal(out, &back); err != nil || back.Raw() != odd.Raw() {
		t.Errorf("%s decoded to raw %q (%v), want %q", out, back.Raw(), err, odd.Raw())
	}
	if _, err := ParseTime("02/02/2020"); err == nil {
		t.Error("ParseTime accepted an unknown form")
	}
}

// sequence answers GET job with the documents in order, repeating the last.
func sequence(t *testing.T, docs ...string) http.HandlerFunc {
	var n atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		if i >= len(docs) {
			i = len(docs) - 1
		}
		if docs[i] == "503" {
			replyJSON(503, `{"errorCode":"CCE.01500001","errorMessage":"busy"}`)(w, r)
			return
		}
		replyJSON(200, docs[i])(w, r)
	}
}

func jobDoc(phase JobPhase, reason string, subs ...JobPhase) string {
	j := Job{Kind: "Job", Metadata: JobMetadata{UID: testJobID}, Status: JobStatus{Phase: phase, Reason: reason}}
	for _, p := range subs {
		j.Spec.SubJobs = append(j.Spec.SubJobs, Job{Kind: "Job", Status: JobStatus{Phase: p}})
	}
	b, _ := json.Marshal(j)
	return string(b)
}

func TestWaitForJobSuccess(t *testing.T) {
	f := newFake(t, sequence(t,
		jobDoc(PhaseInitializing, ""),
		"503",
		jobDoc(PhaseRunning, "", PhaseSuccess, PhaseRunning),
		jobDoc(PhaseSuccess, "", PhaseSuccess, PhaseSuccess),
	))
	var progress []int
	var words []string
	job, err := f.client(cloudmigrate.WithRetry(0)).WaitForJob(context.Background(), testJobID,
		jobs.WithInterval(0, 0),
		jobs.WithProgress(func(s jobs.Status) { progress = append(progress, s.Progress); words = append(words, s.Word) }))
	if err != nil {
		t.Fatal(err)
	}
	if job.Status.Phase != PhaseSuccess || len(job.Spec.SubJobs) != 2 {
		t.Errorf("final job %+v", job)
	}
	if !reflect.DeepEqual(progress, []int{jobs.ProgressUnknown, 50, 100}) {
		t.Errorf("progress %v", progress)
	}
	if !reflect.DeepEqual(words, []string{"Initializing", "Running", "Success"}) {
		t.Errorf("words %v", words)
	}
	if f.count() != 4 {
		t.Errorf("%d polls", f.count())
	}
	for _, r := range f.requests() {
		if r.Method != http.MethodGet || r.Path != "/api/v3/projects/"+testProject+"/jobs/"+testJobID {
			t.Errorf("polled %s %s", r.Method, r.Path)
		}
	}
}

func TestWaitForJobFailed(t *testing.T) {
	failed := string(readTestdata(t, "job_failed.json"))
	f := newFake(t, sequence(t, jobDoc(PhaseRunning, "", PhaseRunning, PhaseRunning), failed))
	job, err := f.client().WaitForJob(context.Background(), testJobID, jobs.WithInterval(0, 0))
	var fe *jobs.FailedError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v (%T), want *jobs.FailedError", err, err)
	}
	const reason = "reinstall of node yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy failed: image not found"
	if fe.Status.State != jobs.Failed || fe.Status.Word != "Failed" || fe.Status.Message != reason {
		t.Errorf("status %+v", fe.Status)
	}
	typed, ok := fe.Job.(*Job)
	if !ok || typed != job || typed.Status.Phase != PhaseFailed || typed.Metadata.UID != testJobID {
		t.Errorf("FailedError.Job = %#v, returned job %p", fe.Job, job)
	}
	if f.count() != 2 {
		t.Errorf("%d polls", f.count())
	}

	// The job's own reason wins over its sub-jobs'.
	f2 := newFake(t, sequence(t, jobDoc(PhaseFailed, "target cluster is not available", PhaseFailed)))
	_, err = f2.client().WaitForJob(context.Background(), testJobID, jobs.WithInterval(0, 0))
	if !errors.As(err, &fe) || fe.Status.Message != "target cluster is not available" {
		t.Errorf("err = %v", err)
	}
}

func TestWaitForJobCancel(t *testing.T) {
	f := newFake(t, sequence(t, jobDoc(PhaseRunning, "")))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	polls := 0
	job, err := f.client().WaitForJob(ctx, testJobID, jobs.WithInterval(time.Millisecond, time.Millisecond),
		jobs.WithProgress(func(jobs.Status) {
			polls++
			if polls == 3 {
				cancel()
			}
		}))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if job == nil || job.Status.Phase != PhaseRunning {
		t.Errorf("last job %+v", job)
	}
	if f.count() != 3 {
		t.Errorf("%d polls after cancel at the third", f.count())
	}
}

func TestWaitForJobNotFound(t *testing.T) {
	f := newFake(t, replyJSON(404, `{"errorCode":"CCE.01404001","errorMessage":"job not found"}`))
	_, err := f.client().WaitForJob(context.Background(), testJobID, jobs.WithInterval(0, 0))
	if !cloudmigrate.IsNotFound(err) {
		t.Fatalf("err = %v", err)
	}
	var apiErr *cloudmigrate.Error
	if !errors.As(err, &apiErr) || apiErr.Code != CodeNotFound {
		t.Errorf("err = %v", err)
	}
	if f.count() != 1 {
		t.Errorf("%d polls", f.count())
	}
}

func TestJobIDValidation(t *testing.T) {
	f := newFake(t, replyJSON(200, `{}`))
	c := f.client()
	for _, id := range []string{"", "..", "a/b"} {
		_, err := c.GetJob(context.Background(), id)
		wantValidation(t, err, "jobID")
		_, err = c.WaitForJob(context.Background(), id)
		wantValidation(t, err, "jobID")
	}
	if f.count() != 0 {
		t.Errorf("%d requests sent", f.count())
	}
}
