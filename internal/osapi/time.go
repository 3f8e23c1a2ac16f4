package osapi

import "time"

// ParseTime reads a timestamp as nova and manila write it:
// "2016-01-29T13:42:02.000000" (no zone: UTC), with or without fractional
// seconds, with "T" or a space between date and time, or RFC 3339 with a
// zone. The result is in UTC and within the years 0000 to 9999, the ones
// the zone-less form can write back. An empty string gives the zero time.
// ok is false when s is none of these.
func ParseTime(s string) (t time.Time, ok bool) {
	if s == "" {
		return time.Time{}, true
	}
	if len(s) > 10 && s[10] == ' ' {
		s = s[:10] + "T" + s[11:]
	}
	if hasZone(s) {
		v, err := time.Parse(time.RFC3339Nano, s)
		if y := v.UTC().Year(); err != nil || y < 0 || y > 9999 {
			return time.Time{}, false
		}
		return v.UTC(), true
	}
	// A layout without fractional seconds also accepts them when parsing.
	v, err := time.Parse("2006-01-02T15:04:05", s)
	return v, err == nil
}

// hasZone reports whether the time part of s ends in Z or a ±hh:mm offset.
func hasZone(s string) bool {
	if len(s) <= 19 {
		return false
	}
	tail := s[19:]
	if tail[len(tail)-1] == 'Z' {
		return true
	}
	for i := 0; i < len(tail); i++ {
		if tail[i] == '+' || tail[i] == '-' {
			return true
		}
	}
	return false
}
