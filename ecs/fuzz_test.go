package ecs

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// knownStates are the States a service wrapper may report.
var knownStates = map[jobs.State]bool{
	jobs.Pending: true, jobs.Running: true, jobs.Succeeded: true, jobs.Failed: true, jobs.Cancelled: true,
}

// checkTimeRoundTrip checks that a Time that decoded to an instant encodes
// to text that decodes to the same instant, cut to the millisecond the wire
// form keeps.
func checkTimeRoundTrip(t *testing.T, what string, v Time) {
	t.Helper()
	out, err := v.MarshalJSON()
	if err != nil {
		t.Fatalf("%s: MarshalJSON(%v): %v", what, v.Time, err)
	}
	if !json.Valid(out) {
		t.Fatalf("%s: MarshalJSON gives invalid JSON %s", what, out)
	}
	var back Time
	if err := back.UnmarshalJSON(out); err != nil {
		t.Fatalf("%s: UnmarshalJSON(%s): %v", what, out, err)
	}
	if v.IsZero() {
		if string(out) != `""` || !back.IsZero() {
			t.Fatalf("%s: zero Time encodes as %s and decodes to %v", what, out, back.Time)
		}
		return
	}
	if d := v.Sub(back.Time); back.IsZero() || d < 0 || d >= time.Millisecond {
		t.Fatalf("%s: %v encodes as %s, which decodes to %v", what, v.Time, out, back.Time)
	}
	if again, _ := back.MarshalJSON(); string(again) != string(out) {
		t.Fatalf("%s: %s re-encodes as %s", what, out, again)
	}
}

// FuzzJobDecode decodes arbitrary bytes as an ECS job and as a time. It
// must not panic; a decoded job must translate into a known State that
// matches its status word, with a progress in range and the failure code
// it carries; and every time must survive an encode/decode round trip.
func FuzzJobDecode(f *testing.F) {
	for _, name := range []string{"job_running.json", "job_failed.json", "job_success.json", "migrate_response.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`"2016-04-25T20:04:47.591Z"`, `"2024-06-21 08:15:02.117"`, `"2024-06-21T08:15:02+08:00"`,
		`""`, `null`, `1700000000`, `"9999-12-31T23:59:59.999-01:00"`, `"0000-01-01T00:30:00+01:00"`, `{"status": "CANCELLED", "entities": {"sub_jobs_total": -3}}`,
		`{"status": "FAIL", "entities": {"sub_jobs_total": 1, "sub_jobs": [{"status": "SUCCESS"}, {"status": "FAIL", "entities": {"errorcode_message": "m"}}]}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// The bytes as a time, and as the text of a JSON string.
		var tm Time
		if err := tm.UnmarshalJSON(data); err != nil {
			t.Fatalf("UnmarshalJSON(%q) failed: %v (it never should)", data, err)
		}
		checkTimeRoundTrip(t, "raw", tm)
		quoted, _ := json.Marshal(string(data))
		if err := tm.UnmarshalJSON(quoted); err != nil {
			t.Fatalf("UnmarshalJSON(%s) failed: %v", quoted, err)
		}
		checkTimeRoundTrip(t, "string", tm)

		var j Job
		if err := json.Unmarshal(data, &j); err != nil {
			return
		}
		st := jobStatus(&j)
		if !knownStates[st.State] {
			t.Fatalf("status %q gives State %v", j.Status, st.State)
		}
		if want, ok := statusWords[string(j.Status)]; ok && st.State != want || !ok && st.State != jobs.Running {
			t.Fatalf("status %q gives State %v", j.Status, st.State)
		}
		if st.Word != string(j.Status) {
			t.Fatalf("Word = %q, status %q", st.Word, j.Status)
		}
		if st.Progress != jobs.ProgressUnknown && (st.Progress < 0 || st.Progress > 100) {
			t.Fatalf("Progress = %d", st.Progress)
		}
		if (j.Entities.SubJobsTotal <= 0) != (st.Progress == jobs.ProgressUnknown) {
			t.Fatalf("Progress = %d with sub_jobs_total %d", st.Progress, j.Entities.SubJobsTotal)
		}
		if j.ErrorCode != "" && st.Code != j.ErrorCode || j.FailReason != "" && st.Message != j.FailReason {
			t.Fatalf("failure %q/%q reported as %q/%q", j.ErrorCode, j.FailReason, st.Code, st.Message)
		}
		if j.Status == JobFail && st.State != jobs.Failed || j.Status.Terminal() != st.State.Terminal() {
			t.Fatalf("status %q gives State %v", j.Status, st.State)
		}

		checkTimeRoundTrip(t, "begin_time", j.BeginTime)
		checkTimeRoundTrip(t, "end_time", j.EndTime)
		for i := range j.Entities.SubJobs {
			checkTimeRoundTrip(t, "sub_job begin_time", j.Entities.SubJobs[i].BeginTime)
			checkTimeRoundTrip(t, "sub_job end_time", j.Entities.SubJobs[i].EndTime)
		}

		// What the package encodes, it decodes to the same job.
		out, err := json.Marshal(&j)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		var back Job
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("re-decoding %s: %v", out, err)
		}
		if again, _ := json.Marshal(&back); string(again) != string(out) {
			t.Fatalf("job re-encodes differently:\n%s\n%s", out, again)
		}
	})
}

// TestTimeYearOutOfRange: an offset that moves a time out of the years
// 0000 to 9999 in UTC would encode to text that does not decode, so such a
// time decodes as unrecognised (zero).
func TestTimeYearOutOfRange(t *testing.T) {
	for _, s := range []string{`"9999-12-31T23:59:59.999-01:00"`, `"0000-01-01T00:30:00+01:00"`} {
		var v Time
		if err := v.UnmarshalJSON([]byte(s)); err != nil || !v.IsZero() {
			t.Errorf("%s decoded to %v, %v; want the zero Time", s, v.Time, err)
		}
	}
	for s, want := range map[string]string{
		`"9999-12-31T23:59:59.999+01:00"`: `"9999-12-31T22:59:59.999Z"`,
		`"0000-01-01T00:30:00-01:00"`:     `"0000-01-01T01:30:00.000Z"`,
	} {
		var v Time
		if err := v.UnmarshalJSON([]byte(s)); err != nil || v.IsZero() {
			t.Fatalf("%s: %v, %v", s, v.Time, err)
		}
		if out, err := v.MarshalJSON(); err != nil || string(out) != want {
			t.Errorf("%s encodes as %s, %v; want %s", s, out, err, want)
		}
	}
}
