package manila

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// allTaskStates are the task states the package names.
var allTaskStates = []TaskState{
	"", TaskStateMigrationStarting, TaskStateMigrationInProgress, TaskStateMigrationDriverStarting,
	TaskStateMigrationDriverInProgress, TaskStateMigrationDriverPhase1Done, TaskStateMigrationCompleting,
	TaskStateMigrationSuccess, TaskStateMigrationCancelInProgress, TaskStateMigrationCancelled,
	TaskStateMigrationError, TaskStateDataCopyingStarting, TaskStateDataCopyingInProgress,
	TaskStateDataCopyingCompleting, TaskStateDataCopyingCompleted, TaskStateDataCopyingCancelled,
	TaskStateDataCopyingError,
}

// checkWaitStatus checks both wait tables against one progress answer.
func checkWaitStatus(t *testing.T, p *MigrationProgress) {
	t.Helper()
	s := p.TaskState
	for name, words := range map[string]jobs.Words{"phase1": phase1Words, "complete": completeWords} {
		st := progressStatus(words)(p)
		switch st.State {
		case jobs.Pending, jobs.Running, jobs.Succeeded, jobs.Failed, jobs.Cancelled:
		default:
			t.Fatalf("%s: task state %q gives State %v", name, s, st.State)
		}
		if st.Word != string(s) {
			t.Fatalf("%s: Word %q for task state %q", name, st.Word, s)
		}
		if st.Progress < 0 || st.Progress > 100 {
			t.Fatalf("%s: Progress %d from total_progress %d", name, st.Progress, p.TotalProgress)
		}
		if p.TotalProgress >= 0 && p.TotalProgress <= 100 && st.Progress != p.TotalProgress {
			t.Fatalf("%s: Progress %d from total_progress %d", name, st.Progress, p.TotalProgress)
		}
		if _, known := words[string(s)]; !known && st.State != jobs.Running {
			t.Fatalf("%s: unknown task state %q gives State %v", name, s, st.State)
		}
		if s == TaskStateMigrationError && st.State != jobs.Failed || s == TaskStateMigrationCancelled && st.State != jobs.Cancelled {
			t.Fatalf("%s: task state %q gives State %v", name, s, st.State)
		}
	}
	st := progressStatus(completeWords)(p)
	if s.Terminal() != st.State.Terminal() || s.InProgress() && st.State.Terminal() {
		t.Fatalf("complete: task state %q (terminal %v) gives State %v", s, s.Terminal(), st.State)
	}
	if st1 := progressStatus(phase1Words)(p); s.PhaseOneDone() && s == TaskStateMigrationDriverPhase1Done && st1.State != jobs.Succeeded {
		t.Fatalf("phase1: task state %q gives State %v", s, st1.State)
	}
}

// wantPercent is what total_progress must decode to, given as raw JSON:
// null, a blank string or a number (also in a string) truncated toward
// zero; ok is false for anything else, and for numbers that are not finite
// or do not fit an int.
func wantPercent(raw string) (int, bool) {
	text := strings.TrimSpace(raw)
	if text == "null" {
		return 0, true
	}
	if strings.HasPrefix(text, `"`) {
		if err := json.Unmarshal([]byte(text), &text); err != nil {
			return 0, false
		}
		if text = strings.TrimSpace(text); text == "" {
			return 0, true
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f >= -float64(math.MinInt) || f < float64(math.MinInt) {
		return 0, false
	}
	return int(math.Trunc(f)), true
}

// FuzzProgressDecode decodes progress answers whose total_progress is a
// fuzzed number, string or null, and whole fuzzed documents: no panic; a
// number decodes to its truncation and anything that is not a finite
// number is refused; the wait tables give a known State and a progress in
// 0..100.
func FuzzProgressDecode(f *testing.F) {
	for _, name := range []string{
		"share-server-migration/share-server-migration-get-progress-response.json",
		"share-migration/share-migration-get-progress-response.json",
	} {
		b := testdata(f, name)
		var w struct {
			TotalProgress json.RawMessage `json:"total_progress"`
			TaskState     string          `json:"task_state"`
		}
		if err := json.Unmarshal(b, &w); err != nil {
			f.Fatal(err)
		}
		f.Add(string(w.TotalProgress), uint8(0), w.TaskState, b)
		f.Add(string(w.TotalProgress), uint8(1), w.TaskState, b)
		f.Add("", uint8(2), w.TaskState, b)
		f.Add("", uint8(3), "", b)
	}
	for _, s := range []string{"37.9", "-3", "140", "1e300", "-1e300", "NaN", "+Inf", "0x1p-2", " 64 ", "lots", "9.3e18"} {
		f.Add(s, uint8(0), "migration_driver_in_progress", []byte(nil))
		f.Add(s, uint8(1), "x", []byte(nil))
	}
	f.Fuzz(func(t *testing.T, total string, kind uint8, state string, doc []byte) {
		var raw string // total_progress as sent, when it is one JSON value
		var body []byte
		quotedState, _ := json.Marshal(state)
		switch kind % 4 {
		case 0:
			if json.Valid([]byte(total)) {
				raw = total
			}
			body = []byte(`{"total_progress": ` + total + `, "task_state": ` + string(quotedState) + `}`)
		case 1:
			q, _ := json.Marshal(total)
			raw = string(q)
			body = []byte(`{"total_progress": ` + raw + `, "task_state": ` + string(quotedState) + `}`)
		case 2:
			raw = "null"
			body = []byte(`{"total_progress": null, "task_state": ` + string(quotedState) + `}`)
		default:
			body = doc
		}
		var p MigrationProgress
		err := json.Unmarshal(body, &p)
		var sp ShareMigrationProgress
		serr := json.Unmarshal(body, &sp)
		if (err == nil) != (serr == nil) && kind%4 != 3 {
			t.Fatalf("the two progress types disagree on %s: %v / %v", body, err, serr)
		}
		if raw != "" {
			want, ok := wantPercent(raw)
			if ok != (err == nil) {
				t.Fatalf("%s: error %v", body, err)
			}
			if ok && (p.TotalProgress != want || sp.TotalProgress != want) {
				t.Fatalf("%s: total_progress %d / %d, want %d", body, p.TotalProgress, sp.TotalProgress, want)
			}
			if ok {
				var ts string
				_ = json.Unmarshal(quotedState, &ts)
				if string(p.TaskState) != ts || string(sp.TaskState) != ts {
					t.Fatalf("%s: task state %q / %q", body, p.TaskState, sp.TaskState)
				}
			}
		}
		if err == nil {
			checkWaitStatus(t, &p)
		}
		if serr == nil {
			checkWaitStatus(t, &MigrationProgress{TotalProgress: sp.TotalProgress, TaskState: sp.TaskState})
		}
	})
}

// FuzzTaskState checks the TaskState helpers on any word: no panic, no
// state both in progress and terminal (or paused after phase 1), failure
// only for an error state, and Resettable only for states the package
// names.
func FuzzTaskState(f *testing.F) {
	for _, s := range allTaskStates {
		f.Add(string(s))
	}
	f.Add("MIGRATION_SUCCESS")
	f.Add("migration_success ")
	f.Fuzz(func(t *testing.T, word string) {
		s := TaskState(word)
		in, term, p1, failed, reset := s.InProgress(), s.Terminal(), s.PhaseOneDone(), s.Failed(), s.Resettable()
		if in && term || in && p1 || term && p1 {
			t.Fatalf("%q: in progress %v, terminal %v, phase 1 done %v", s, in, term, p1)
		}
		if failed && (in || p1) || failed && !strings.HasSuffix(word, "_error") {
			t.Fatalf("%q: failed, in progress %v, phase 1 done %v", s, in, p1)
		}
		known := false
		for _, k := range allTaskStates {
			known = known || k == s
		}
		if !known && (in || term || p1 || failed || reset) {
			t.Fatalf("unknown %q: in progress %v, terminal %v, phase 1 done %v, failed %v, resettable %v", s, in, term, p1, failed, reset)
		}
		if s.String() != word {
			t.Fatalf("String() = %q, want %q", s.String(), word)
		}
		if reset && (s == "" || s == TaskStateMigrationDriverStarting || strings.HasPrefix(word, "data_copying_")) {
			t.Fatalf("%q is resettable", s)
		}
		checkWaitStatus(t, &MigrationProgress{TaskState: s, TotalProgress: len(word) - 10})
	})
}

// TestFlexPercentRefusesNonsense: NaN, infinities and numbers beyond the
// range of int are refused instead of converting to a platform-dependent
// int; ordinary numbers still truncate.
func TestFlexPercentRefusesNonsense(t *testing.T) {
	for _, raw := range []string{`"NaN"`, `"+Inf"`, `"-infinity"`, `1e300`, `"-1e300"`, `9.3e18`, `1e400`} {
		if n, err := flexPercent(json.RawMessage(raw)); err == nil {
			t.Errorf("flexPercent(%s) = %d, want an error", raw, n)
		}
		var p MigrationProgress
		if err := json.Unmarshal([]byte(`{"total_progress": `+raw+`}`), &p); err == nil {
			t.Errorf("total_progress %s decoded to %d, want an error", raw, p.TotalProgress)
		}
	}
	for raw, want := range map[string]int{`37.9`: 37, `"-3.5"`: -3, `140`: 140, `" 64 "`: 64, `null`: 0, `""`: 0} {
		if n, err := flexPercent(json.RawMessage(raw)); err != nil || n != want {
			t.Errorf("flexPercent(%s) = %d, %v; want %d", raw, n, err, want)
		}
	}
}

// FuzzShareServerDecode decodes share-server answers: never a panic, the
// same bytes always give the same value, and an accepted timestamp is in
// UTC and reads back from its own zone-less form.
func FuzzShareServerDecode(f *testing.F) {
	for _, name := range []string{"share-server-show-response.json", "share-server-show-migrated-2.90.json"} {
		var doc struct {
			ShareServer json.RawMessage `json:"share_server"`
		}
		data, err := os.ReadFile(filepath.Join("testdata", "share-server", name))
		if err != nil || json.Unmarshal(data, &doc) != nil {
			f.Fatalf("seed %s: %v", name, err)
		}
		f.Add([]byte(doc.ShareServer))
	}
	for _, seed := range []string{
		`{"created_at": "2015-09-07 08:37:19", "updated_at": "2015-09-07T08:37:19+08:00", "backend_details": {"n": 1}}`,
		`{"created_at": "", "updated_at": null, "backend_details": null}`,
		`{"created_at": 17}`,
		`{"updated_at": "9999-12-31T23:59:59-01:00"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var a, b ShareServer
		errA, errB := json.Unmarshal(body, &a), json.Unmarshal(body, &b)
		if (errA == nil) != (errB == nil) || !reflect.DeepEqual(a, b) {
			t.Fatalf("two decodings differ: %v / %v", errA, errB)
		}
		if errA != nil {
			return
		}
		for _, v := range []time.Time{a.CreatedAt, a.UpdatedAt} {
			if v.IsZero() {
				continue
			}
			if v.Location() != time.UTC {
				t.Fatalf("%v is not in UTC", v)
			}
			raw, _ := json.Marshal(v.Format("2006-01-02T15:04:05.999999999"))
			back, err := parseTimestamp("t", raw)
			if y := v.Year(); y >= 0 && y <= 9999 && (err != nil || !back.Equal(v)) {
				t.Fatalf("%v does not read back from %s: %v, %v", v, raw, back, err)
			}
		}
	})
}

// checkUTC fails unless an accepted timestamp is in UTC and reads back
// from its own zone-less form.
func checkUTC(t *testing.T, times ...time.Time) {
	t.Helper()
	for _, v := range times {
		if v.IsZero() {
			continue
		}
		if v.Location() != time.UTC {
			t.Fatalf("%v is not in UTC", v)
		}
		raw, _ := json.Marshal(v.Format("2006-01-02T15:04:05.999999999"))
		back, err := parseTimestamp("t", raw)
		if y := v.Year(); y >= 0 && y <= 9999 && (err != nil || !back.Equal(v)) {
			t.Fatalf("%v does not read back from %s: %v, %v", v, raw, back, err)
		}
	}
}

// FuzzShareDecode decodes shares as GetShare and ListShares do: never a
// panic, the same bytes always give the same value, timestamps in UTC,
// and a decoded share encodes and decodes back to itself.
func FuzzShareDecode(f *testing.F) {
	var show struct {
		Share json.RawMessage `json:"share"`
	}
	var list struct {
		Shares []json.RawMessage `json:"shares"`
	}
	if json.Unmarshal(mustRead(f, "shares/share-show-response.json"), &show) != nil ||
		json.Unmarshal(mustRead(f, "shares/shares-list-detailed-response.json"), &list) != nil {
		f.Fatal("seeds do not decode")
	}
	f.Add([]byte(show.Share))
	for _, s := range list.Shares {
		f.Add([]byte(s))
	}
	for _, seed := range []string{
		`{"metadata": {"n": 1, "b": true, "x": null}, "created_at": "2015-09-16 18:19:50", "scheduled_to_be_deleted_at": "2026-01-01T00:00:00+02:00"}`,
		`{"metadata": null, "created_at": null, "task_state": null, "size": null}`,
		`{"created_at": 3}`, `{"size": "1"}`, `{"links": [{"href": 1}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var a, b Share
		errA, errB := json.Unmarshal(body, &a), json.Unmarshal(body, &b)
		if (errA == nil) != (errB == nil) || !reflect.DeepEqual(a, b) {
			t.Fatalf("two decodings differ: %v / %v", errA, errB)
		}
		if errA != nil {
			return
		}
		checkUTC(t, a.CreatedAt, a.ScheduledToBeDeletedAt)
		enc, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		var again Share
		if y := a.CreatedAt.Year(); y < 0 || y > 9999 {
			return // RFC 3339 cannot write it back
		}
		if y := a.ScheduledToBeDeletedAt.Year(); y < 0 || y > 9999 {
			return
		}
		if err := json.Unmarshal(enc, &again); err != nil || !reflect.DeepEqual(a, again) {
			t.Fatalf("round trip of %s: %v\n %+v\n %+v", enc, err, a, again)
		}
	})
}

// FuzzServiceDecode decodes services as ListServices, DisableService and
// EnableService do: never a panic, the same bytes always give the same
// value, a timestamp in UTC, and an answer with "disabled" but no status
// (releases before 2024.1) gives the status it means.
func FuzzServiceDecode(f *testing.F) {
	var list struct {
		Services []json.RawMessage `json:"services"`
	}
	if json.Unmarshal(mustRead(f, "services/services-list-response.json"), &list) != nil {
		f.Fatal("seed does not decode")
	}
	for _, s := range list.Services {
		f.Add([]byte(s))
	}
	for _, name := range []string{"service-disable-response.json", "service-enable-response.json", "service-disable-response-zed.json"} {
		f.Add(mustRead(f, "services/"+name))
	}
	for _, seed := range []string{
		`{"id": 3, "updated_at": null, "ensuring": null, "disabled_reason": null}`,
		`{"id": "3"}`, `{"disabled": "yes"}`, `{"status": "disabled", "disabled": false}`, `{"updated_at": "2015-09-07 13:03:57"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var a, b Service
		errA, errB := json.Unmarshal(body, &a), json.Unmarshal(body, &b)
		if (errA == nil) != (errB == nil) || !reflect.DeepEqual(a, b) {
			t.Fatalf("two decodings differ: %v / %v", errA, errB)
		}
		if errA != nil {
			return
		}
		checkUTC(t, a.UpdatedAt)
		var w struct {
			Status   *string `json:"status"`
			Disabled *bool   `json:"disabled"`
		}
		if json.Unmarshal(body, &w) == nil && (w.Status == nil || *w.Status == "") && w.Disabled != nil {
			want := ServiceEnabled
			if *w.Disabled {
				want = ServiceDisabled
			}
			if a.Status != want {
				t.Fatalf("disabled %v decoded to status %q", *w.Disabled, a.Status)
			}
		}
	})
}

// mustRead returns testdata/name, ending the fuzz target if it cannot be
// read.
func mustRead(f *testing.F, name string) []byte {
	f.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(name)))
	if err != nil {
		f.Fatal(err)
	}
	return b
}
