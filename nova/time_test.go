package nova_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate/nova"
)

func TestTimeUnmarshal(t *testing.T) {
	want := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Time
	}{
		{`"2015-01-01T00:00:00.000000"`, want},
		{`"2015-01-01T00:00:00"`, want},
		{`"2015-01-01 00:00:00.000000"`, want},
		{`"2015-01-01T00:00:00Z"`, want},
		{`"2015-01-01T00:00:00.000000Z"`, want},
		{`"2015-01-01T02:00:00+02:00"`, want},
		{`"2014-12-31T19:00:00.000000-05:00"`, want},
		{`"2016-01-29T13:42:02.123456"`, time.Date(2016, 1, 29, 13, 42, 2, 123456000, time.UTC)},
		{`null`, time.Time{}},
		{`""`, time.Time{}},
	}
	for _, tc := range cases {
		var got nova.Time
		if err := json.Unmarshal([]byte(tc.in), &got); err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if !got.Equal(tc.want) || (!got.IsZero() && got.Location() != time.UTC) {
			t.Errorf("%s: got %v (%v), want %v", tc.in, got.Time, got.Location(), tc.want)
		}
	}
	for _, bad := range []string{`"yesterday"`, `"2015-13-01T00:00:00"`, `12`, `"2015-01-01T00:00:00+25:00"`, `true`} {
		var got nova.Time
		if err := json.Unmarshal([]byte(bad), &got); err == nil {
			t.Errorf("%s: no error, got %v", bad, got)
		}
	}
}

func TestTimeMarshal(t *testing.T) {
	in := nova.Time{Time: time.Date(2016, 1, 29, 15, 42, 2, 5000, time.FixedZone("x", 2*3600))}
	b, err := json.Marshal(in)
	if err != nil || string(b) != `"2016-01-29T13:42:02.000005"` {
		t.Errorf("%s %v", b, err)
	}
	if in.String() != "2016-01-29T13:42:02.000005" {
		t.Errorf("String() = %q", in.String())
	}
	b, err = json.Marshal(nova.Time{})
	if err != nil || string(b) != `null` {
		t.Errorf("zero: %s %v", b, err)
	}
	if (nova.Time{}).String() != "" {
		t.Errorf("zero String not empty")
	}
}

func TestParseTime(t *testing.T) {
	got, err := nova.ParseTime("2012-10-29T13:42:02.000000")
	if err != nil || !got.Equal(time.Date(2012, 10, 29, 13, 42, 2, 0, time.UTC)) || got.Location() != time.UTC {
		t.Errorf("%v %v", got, err)
	}
	if _, err := nova.ParseTime("2012-10-29"); err == nil {
		t.Errorf("date without time accepted")
	}
	// Digits beyond the microsecond are dropped, so that the time formats
	// and parses back to itself; in the first microsecond of year 1 that
	// gives the zero Time, which stands for null.
	for in, want := range map[string]time.Time{
		"2016-01-29T13:42:02.123456789Z": time.Date(2016, 1, 29, 13, 42, 2, 123456000, time.UTC),
		"0001-01-01 00:00:00.0000001":    {},
	} {
		got, err := nova.ParseTime(in)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", in, got, err, want)
		}
		if back, err := nova.ParseTime(nova.Time{Time: got}.String()); err != nil || !back.Equal(got) {
			t.Errorf("%q: %v formats as %q, which parses to %v, %v", in, got, nova.Time{Time: got}.String(), back, err)
		}
	}
}
