package ecs

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
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

// FuzzServerDecode decodes arbitrary bytes as the answers of GetServer,
// ListServers and the calls that start a job. It must not panic; a decoded
// server must give a dedicated host that is one of its hints, a move
// verdict that agrees with its status and task state, and a fault code
// that is what the JSON held; and what the package encodes, it decodes to
// the same server.
func FuzzServerDecode(f *testing.F) {
	for _, name := range []string{
		"server_official_example.json", "server_on_deh.json", "server_resizing.json", "server_error.json",
		"servers_detail_official_example.json", "stop_response_official_example.json",
	} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`{"server": {"id": "x", "os:scheduler_hints": {"dedicated_host_id": ["", "h"]}, "fault": {"code": "1e999"}}}`,
		`{"server": {"status": "RESIZE", "OS-EXT-STS:task_state": null}}`, `{"server": null}`, `{"count": -1, "servers": [{}]}`,
		`{"servers": [{"id": "a", "fault": {"code": 404}, "status": null}]}`, `{"job_id": 7}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var ans serverAnswer
		if json.Unmarshal(data, &ans) == nil && ans.Server != nil {
			checkServer(t, ans.Server)
		}
		var page serversPage
		if json.Unmarshal(data, &page) == nil {
			for i := range page.Servers {
				checkServer(t, &page.Servers[i])
			}
		}
		var job jobAnswer
		if json.Unmarshal(data, &job) == nil && usableJobID(job.JobID) != (job.JobID != "" && checkID("job_id", job.JobID) == nil) {
			t.Fatalf("usableJobID(%q) disagrees with the path-ID rule", job.JobID)
		}
	})
}

// checkServer checks what the package derives from a decoded server.
func checkServer(t *testing.T, s *Server) {
	t.Helper()
	if h := s.DedicatedHostID(); h != "" && !slices.Contains(s.SchedulerHints.DedicatedHostID, h) {
		t.Fatalf("DedicatedHostID %q is not among %q", h, s.SchedulerHints.DedicatedHostID)
	} else if h == "" && slices.ContainsFunc(s.SchedulerHints.DedicatedHostID, func(v string) bool { return v != "" }) {
		t.Fatalf("DedicatedHostID empty with hints %q", s.SchedulerHints.DedicatedHostID)
	}
	inFlight, evidence := moving(s)
	want := strings.HasPrefix(s.TaskState, "resize_") || s.TaskState == "migrating"
	switch s.Status {
	case ServerResize, ServerVerifyResize, ServerRevertResize, ServerMigrating:
		want = true
	}
	if inFlight != want || inFlight != (evidence != "") {
		t.Fatalf("moving(%q, %q) = %v, %q", s.Status, s.TaskState, inFlight, evidence)
	}
	if s.Fault != nil && strings.ContainsAny(string(s.Fault.Code), "{[") {
		t.Fatalf("fault code %q holds JSON", s.Fault.Code)
	}
	out, err := json.Marshal(s)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	var back Server
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatalf("re-decoding %s: %v", out, err)
	}
	if again, _ := json.Marshal(&back); string(again) != string(out) {
		t.Fatalf("server re-encodes differently:\n%s\n%s", out, again)
	}
	checkTimeRoundTrip(t, "created", s.Created)
	checkTimeRoundTrip(t, "launched_at", s.LaunchedAt)
}
