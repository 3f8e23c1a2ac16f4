package auth

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
)

// Microversion is an OpenStack API microversion such as 2.80. The zero
// value means "none": no version header is sent and the service uses its
// base version.
type Microversion struct {
	// Major and Minor are the two numbers of "2.80".
	Major, Minor int
}

// ParseMicroversion reads "X.Y" strictly, as Nova and Manila do: X is a
// positive number, Y a non-negative one, both in plain decimal without
// leading zeros, signs or spaces. "latest" is refused: the SDK always
// names a version.
func ParseMicroversion(s string) (Microversion, error) {
	majorText, minorText, ok := strings.Cut(s, ".")
	if !ok {
		return Microversion{}, microversionError(s)
	}
	major, ok1 := parseVersionNumber(majorText)
	minor, ok2 := parseVersionNumber(minorText)
	if !ok1 || !ok2 || major == 0 {
		return Microversion{}, microversionError(s)
	}
	return Microversion{Major: major, Minor: minor}, nil
}

func microversionError(s string) error {
	return errors.New("auth: malformed microversion " + strconv.Quote(s) + ": want MAJOR.MINOR such as 2.80")
}

// parseVersionNumber accepts "0" or digits not starting with 0, up to 9
// of them.
func parseVersionNumber(s string) (int, bool) {
	if s == "" || len(s) > 9 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// MustParseMicroversion is ParseMicroversion for constants; it panics on
// a malformed value.
func MustParseMicroversion(s string) Microversion {
	v, err := ParseMicroversion(s)
	if err != nil {
		panic(err)
	}
	return v
}

// String returns "X.Y" ("0.0" for the zero value).
func (v Microversion) String() string {
	return strconv.Itoa(v.Major) + "." + strconv.Itoa(v.Minor)
}

// IsZero reports whether v is the zero value (no version).
func (v Microversion) IsZero() bool { return v == Microversion{} }

// Compare returns -1, 0 or +1 as v is lower than, equal to or higher than o.
func (v Microversion) Compare(o Microversion) int {
	switch {
	case v.Major != o.Major:
		if v.Major < o.Major {
			return -1
		}
		return 1
	case v.Minor < o.Minor:
		return -1
	case v.Minor > o.Minor:
		return 1
	}
	return 0
}

// Less reports whether v is lower than o.
func (v Microversion) Less(o Microversion) bool { return v.Compare(o) < 0 }

// AtLeast reports whether v is o or higher.
func (v Microversion) AtLeast(o Microversion) bool { return v.Compare(o) >= 0 }

// MarshalText returns String, so a Microversion encodes as "2.80".
func (v Microversion) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText parses with ParseMicroversion.
func (v *Microversion) UnmarshalText(b []byte) error {
	p, err := ParseMicroversion(string(b))
	if err != nil {
		return err
	}
	*v = p
	return nil
}

// Header names of the OpenStack microversion headers.
const (
	HeaderOpenStackAPIVersion   = "OpenStack-API-Version"
	HeaderNovaAPIVersion        = "X-OpenStack-Nova-API-Version"
	HeaderManilaAPIVersion      = "X-OpenStack-Manila-API-Version"
	HeaderManilaAPIExperimental = "X-OpenStack-Manila-API-Experimental"
)

// ComputeHeaders sets the Nova microversion in both forms Nova reads:
// "OpenStack-API-Version: compute 2.80" (2.27 and later) and
// "X-OpenStack-Nova-API-Version: 2.80". A zero v removes both, which means
// the base version 2.1.
func ComputeHeaders(h http.Header, v Microversion) {
	if v.IsZero() {
		h.Del(HeaderOpenStackAPIVersion)
		h.Del(HeaderNovaAPIVersion)
		return
	}
	s := v.String()
	h.Set(HeaderOpenStackAPIVersion, "compute "+s)
	h.Set(HeaderNovaAPIVersion, s)
}

// ShareHeaders sets the Manila microversion header
// "X-OpenStack-Manila-API-Version: 2.57" (the only form Manila reads) and,
// when experimental is true, "X-OpenStack-Manila-API-Experimental: True",
// which share-server migration needs; when false it removes that header.
// A zero v removes the version header, which means the base version 2.0.
func ShareHeaders(h http.Header, v Microversion, experimental bool) {
	if v.IsZero() {
		h.Del(HeaderManilaAPIVersion)
	} else {
		h.Set(HeaderManilaAPIVersion, v.String())
	}
	if experimental {
		h.Set(HeaderManilaAPIExperimental, "True")
	} else {
		h.Del(HeaderManilaAPIExperimental)
	}
}
