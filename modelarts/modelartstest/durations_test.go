package modelartstest

import (
	"testing"
	"time"
)

func TestWithDurationsSetsEveryStage(t *testing.T) {
	var st settings
	WithDurations(Durations{Checking: time.Second, Creating: 2 * time.Second})(&st)
	if st.checkFor != time.Second || st.createFor != 2*time.Second {
		t.Errorf("settings %v %v", st.checkFor, st.createFor)
	}
	if DefaultDurations != (Durations{DefaultCheckingDuration, DefaultCreatingDuration}) {
		t.Errorf("DefaultDurations %+v", DefaultDurations)
	}
	var old settings
	WithJobDurations(time.Second, 2*time.Second)(&old)
	if old.checkFor != st.checkFor || old.createFor != st.createFor {
		t.Errorf("WithJobDurations gives %v %v", old.checkFor, old.createFor)
	}
}

func TestNegativeDurationPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	NewServer(WithDurations(Durations{Checking: -time.Second})).Close()
}
