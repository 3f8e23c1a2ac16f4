package manilatest

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate/internal/fake"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

type point struct {
	at       time.Duration
	state    string
	progress int
	dest     bool
}

func checkPoints(t *testing.T, name string, m *migration, points []point) {
	t.Helper()
	for _, p := range points {
		o := m.at(t0.Add(p.at))
		if o.state != p.state || o.progress != p.progress || o.destinationExists != p.dest {
			t.Errorf("%s at %v: %+v, want %+v", name, p.at, o, p)
		}
	}
}

func TestPhaseOneTimeline(t *testing.T) {
	d := DefaultDurations
	m := newMigration(t0, phase1Steps(d, false, false, false))
	checkPoints(t, "success", m, []point{
		{0, tsStarting, 0, false},
		{4 * time.Second, tsStarting, 0, false},
		{5 * time.Second, tsInProgress, 0, false},
		{10 * time.Second, tsDriverStarting, 0, true},
		{20 * time.Second, tsDriverInProgress, 0, true},
		{20*time.Second + time.Minute, tsDriverInProgress, 10, true},
		{20*time.Second + 9*time.Minute + 59*time.Second, tsDriverInProgress, 99, true},
		{20*time.Second + 10*time.Minute, tsPhase1Done, 100, true},
		{1000 * time.Hour, tsPhase1Done, 100, true},
	})
	failed := newMigration(t0, phase1Steps(d, true, false, false))
	checkPoints(t, "failed", failed, []point{
		{20*time.Second + 4*time.Minute, tsDriverInProgress, 80, true},
		{20*time.Second + 5*time.Minute, tsError, 100, true},
	})
	rejected := newMigration(t0, phase1Steps(d, false, true, false))
	checkPoints(t, "rejected", rejected, []point{
		{9 * time.Second, tsInProgress, 0, false},
		{10 * time.Second, tsError, 100, false},
		{time.Hour, tsError, 100, false},
	})
	assisted := newMigration(t0, phase1Steps(d, false, false, true))
	checkPoints(t, "host-assisted", assisted, []point{
		{15 * time.Second, tsCopyStarting, 0, true},
		{20*time.Second + 2*time.Minute, tsCopyInProgress, 20, true},
		{time.Hour, tsCopyCompleted, 100, true},
	})
	assistedFail := newMigration(t0, phase1Steps(d, true, false, true))
	checkPoints(t, "host-assisted failure", assistedFail, []point{{time.Hour, tsCopyError, 100, true}})
}

func TestLaterSegments(t *testing.T) {
	d := DefaultDurations
	m := newMigration(t0, phase1Steps(d, false, false, false))
	done := t0.Add(time.Hour)
	m.add(segComplete, done, phaseSteps(tsCompleting, d.Completing, tsSuccess)...)
	checkPoints(t, "complete", m, []point{
		{time.Hour, tsCompleting, 100, true},
		{time.Hour + 29*time.Second, tsCompleting, 100, true},
		{time.Hour + 30*time.Second, tsSuccess, 100, true},
	})
	if got := m.settled(done.Add(10 * time.Second)); got != tsCompleting {
		t.Errorf("settled while completing: %s", got)
	}
	if got := m.settled(done.Add(time.Minute)); got != tsSuccess {
		t.Errorf("settled after success: %s", got)
	}

	// A reset freezes the state and the status: the timeline it
	// interrupted is judged at the moment of the reset.
	r := newMigration(t0, phase1Steps(d, false, false, false))
	r.add(segReset, t0.Add(time.Minute), phaseSteps(tsError, 0)...)
	checkPoints(t, "reset", r, []point{{time.Hour, tsError, 100, true}})
	if got := r.settled(t0.Add(time.Hour)); got != tsDriverInProgress {
		t.Errorf("settled after a reset: %s", got)
	}
	// A reset before the driver started: no destination, ever.
	early := newMigration(t0, phase1Steps(d, false, false, false))
	early.add(segReset, t0.Add(time.Second), phaseSteps(tsPhase1Done, 0)...)
	checkPoints(t, "early reset", early, []point{{time.Hour, tsPhase1Done, 100, false}})
	// Cancel.
	c := newMigration(t0, phase1Steps(d, false, false, false))
	c.add(segCancel, t0.Add(2*time.Minute), phaseSteps(tsCancelInProgress, d.Cancelling, tsCancelled)...)
	checkPoints(t, "cancel", c, []point{
		{2 * time.Minute, tsCancelInProgress, 100, true},
		{3 * time.Minute, tsCancelled, 100, true},
	})
}

// phaseSteps builds steps from a state, its duration and the final state.
func phaseSteps(first string, d time.Duration, rest ...string) []fake.Step {
	steps := []fake.Step{{State: first, For: d}}
	for _, s := range rest {
		steps = append(steps, fake.Step{State: s})
	}
	return steps
}

func TestDurationDefaults(t *testing.T) {
	d, err := Durations{DriverInProgress: time.Minute}.withDefaults()
	want := DefaultDurations
	want.DriverInProgress = time.Minute
	if err != nil || d != want {
		t.Errorf("%+v %v", d, err)
	}
	if _, err := (Durations{Completing: -time.Second}).withDefaults(); err == nil {
		t.Error("negative duration accepted")
	}
}

func TestErrorBodies(t *testing.T) {
	for _, tc := range []struct {
		status int
		code   string
		want   string
	}{
		{503, "Fake.503", `{"serviceUnavailable":{"code":503,"message":"m"}}`},
		{500, "Fake.500", `{"computeFault":{"code":500,"message":"m"}}`},
		{429, FaultOverLimit, `{"overLimit":{"code":429,"message":"m"}}`},
		{404, FaultNotFound, `{"itemNotFound":{"code":404,"message":"m"}}`},
		{406, FaultNotAcceptable, `{"computeFault":{"code":406,"message":"m"}}`},
		{401, "Unauthorized", `{"error":{"code":401,"message":"m","title":"Unauthorized"}}`},
	} {
		got, _ := json.Marshal(errorBody(tc.status, tc.code, "m"))
		if string(got) != tc.want {
			t.Errorf("%d %s: %s, want %s", tc.status, tc.code, got, tc.want)
		}
	}
}

func TestActionNames(t *testing.T) {
	for body, want := range map[string]string{
		`{"migration_start": {"host": "a@b"}}`: "migration_start",
		`{"migration_cancel": null}`:           "migration_cancel",
		`{"a": 1, "b": 2}`:                     actionSuffix,
		`{}`:                                   actionSuffix,
		`[1]`:                                  actionSuffix,
		`not json`:                             actionSuffix,
		``:                                     actionSuffix,
	} {
		if got := actionName([]byte(body)); got != want {
			t.Errorf("%q: %q, want %q", body, got, want)
		}
	}
}

func TestBooleans(t *testing.T) {
	for raw, want := range map[string][2]bool{
		`true`: {true, true}, `false`: {false, true}, `1`: {true, true}, `0`: {false, true},
		`"True"`: {true, true}, `"no"`: {false, true}, `"on"`: {true, true},
		`"maybe"`: {false, false}, `null`: {false, false}, `2`: {false, false}, `{}`: {false, false},
	} {
		v, ok := jsonBool(json.RawMessage(raw))
		if [2]bool{v, ok} != want {
			t.Errorf("%s: %v %v", raw, v, ok)
		}
	}
}

func TestShareServerViews(t *testing.T) {
	s := &Server{servers: map[string]*shareServer{}, durations: DefaultDurations}
	src := &shareServer{id: "src", host: "a@b", network: "n", status: StatusActive}
	m := newMigration(t0, phase1Steps(DefaultDurations, false, false, false))
	dest := &shareServer{id: s.newServerIDLocked(), host: "c@d", network: "n", created: m, source: src}
	src.mig, src.dest = m, dest
	if _, ok := dest.view(t0); ok {
		t.Error("the destination exists before the driver starts")
	}
	got, ok := dest.view(t0.Add(time.Minute))
	want := ShareServerInfo{ID: dest.id, Host: "c@d", Status: StatusServerMigratingTo, TaskState: tsDriverInProgress,
		ShareNetworkID: "n", SourceShareServerID: "src"}
	if !ok || !reflect.DeepEqual(got, want) {
		t.Errorf("destination %+v", got)
	}
	got, _ = src.view(t0.Add(time.Minute))
	want = ShareServerInfo{ID: "src", Host: "a@b", Status: StatusServerMigrating, TaskState: tsDriverInProgress,
		ShareNetworkID: "n", DestinationShareServerID: dest.id}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("source %+v", got)
	}
	if dest.id != "d5e6f7a8-0000-4000-8000-000000000001" {
		t.Errorf("destination ID %s", dest.id)
	}
}
