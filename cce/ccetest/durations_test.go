package ccetest

import (
	"testing"
	"time"
)

func TestWithDurationsSetsEveryPhase(t *testing.T) {
	var st settings
	WithDurations(Durations{Init: time.Second, Running: 2 * time.Second})(&st)
	if st.initFor != time.Second || st.runFor != 2*time.Second {
		t.Errorf("settings %v %v", st.initFor, st.runFor)
	}
	if DefaultDurations != (Durations{DefaultInitDuration, DefaultRunningDuration}) {
		t.Errorf("DefaultDurations %+v", DefaultDurations)
	}
	var old settings
	WithJobDurations(time.Second, 2*time.Second)(&old)
	if old.initFor != st.initFor || old.runFor != st.runFor {
		t.Errorf("WithJobDurations gives %v %v", old.initFor, old.runFor)
	}
}

func TestNegativeDurationPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	NewServer(WithDurations(Durations{Init: time.Second, Running: -time.Second})).Close()
}
