package novatest

import (
	"testing"
	"time"
)

// WithDurations and the former WithTimings set the same durations.
func TestWithDurationsAndTheFormerName(t *testing.T) {
	d := DefaultDurations
	d.Running = 7 * time.Second
	var st, old settings
	WithDurations(d)(&st)
	WithTimings(d)(&old)
	if st.timings == nil || *st.timings != d || old.timings == nil || *old.timings != d {
		t.Errorf("WithDurations %+v, WithTimings %+v, want %+v", st.timings, old.timings, d)
	}
	if DefaultTimings() != DefaultDurations {
		t.Error("DefaultTimings differs from DefaultDurations")
	}
	srv := NewServer(WithDurations(d))
	defer srv.Close()
	if srv.timings != d {
		t.Errorf("server runs on %+v", srv.timings)
	}
}
