package ecstest

import (
	"testing"
	"time"
)

func TestWithDurationsSetsEveryState(t *testing.T) {
	var st settings
	WithDurations(Durations{Init: time.Second, Running: 2 * time.Second, Action: 3 * time.Second})(&st)
	if st.initFor != time.Second || st.runFor != 2*time.Second || st.actionFor != 3*time.Second {
		t.Errorf("settings %v %v %v", st.initFor, st.runFor, st.actionFor)
	}
	if DefaultDurations != (Durations{DefaultInitDuration, DefaultRunningDuration, DefaultActionDuration}) {
		t.Errorf("DefaultDurations %+v", DefaultDurations)
	}
}

// The former options still set the same settings.
func TestDeprecatedTimingOptionsStillWork(t *testing.T) {
	var old, now settings
	WithJobDurations(time.Second, 2*time.Second)(&old)
	WithActionDuration(3 * time.Second)(&old)
	WithDurations(Durations{Init: time.Second, Running: 2 * time.Second, Action: 3 * time.Second})(&now)
	if old.initFor != now.initFor || old.runFor != now.runFor || old.actionFor != now.actionFor {
		t.Errorf("deprecated options give %v %v %v, WithDurations %v %v %v",
			old.initFor, old.runFor, old.actionFor, now.initFor, now.runFor, now.actionFor)
	}
}

func TestNegativeDurationPanics(t *testing.T) {
	for name, d := range map[string]Durations{
		"init":    {Init: -time.Second, Running: time.Second, Action: time.Second},
		"running": {Running: -time.Second, Action: time.Second},
		"action":  {Running: time.Second, Action: -time.Second},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			NewServer(WithDurations(d)).Close()
		}()
	}
}
