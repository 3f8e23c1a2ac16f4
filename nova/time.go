package nova

import (
	"bytes"
	"errors"
	"time"

	"github.com/cloudmigrate/cloudmigrate/internal/osapi"
)

// Time is a timestamp as nova writes it. Nova's migration records carry no
// zone ("2016-01-29T13:42:02.000000") and mean UTC; Time reads those, the
// same with a zone or "Z" (converted to UTC), and JSON null (the zero Time,
// for a record never updated). It embeds time.Time, so all its methods
// apply: t.IsZero() reports a null.
type Time struct {
	time.Time
}

// novaLayout is nova's own form: microseconds, no zone.
const novaLayout = "2006-01-02T15:04:05.000000"

// UnmarshalJSON reads a JSON string in nova's zone-less form or in RFC
// 3339, or null.
func (t *Time) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		t.Time = time.Time{}
		return nil
	}
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return errors.New("nova: a timestamp must be a JSON string or null")
	}
	v, err := ParseTime(string(b[1 : len(b)-1]))
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}

// MarshalJSON writes the time the way nova does: UTC, microseconds, no
// zone. The zero Time is written as null.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	b := make([]byte, 0, len(novaLayout)+2)
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, novaLayout)
	return append(b, '"'), nil
}

// String formats the time like MarshalJSON, without quotes; "" for the
// zero Time.
func (t Time) String() string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(novaLayout)
}

// ParseTime reads a timestamp as nova sends it: "2016-01-29T13:42:02.000000"
// (no zone: UTC), with or without fractional seconds, with "T" or a space
// between date and time, or in RFC 3339 with a zone. The result is in UTC,
// and must fall in the years 0000 to 9999 there. Digits beyond the
// microsecond are dropped, as nova keeps none, so that the result formats
// and parses back to itself. An empty string gives the zero time.
func ParseTime(s string) (time.Time, error) {
	t, ok := osapi.ParseTime(s)
	if !ok {
		return time.Time{}, errors.New("nova: cannot read timestamp " + quote(s))
	}
	return t.Truncate(time.Microsecond), nil
}

func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return `"` + s + `"`
}
