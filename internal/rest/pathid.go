package rest

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cloudmigrate/cloudmigrate"
)

// MaxIDLen is the longest value, in bytes, that CheckID accepts. None of
// the services documents a lower bound for the IDs and names they take in
// a path: server, share, share server, cluster and job IDs are UUIDs or 32
// hexadecimal digits, and ModelArts pool names are generated names such
// as "pool-9d3f-6f5da086876d4cd084d36f8bd3346036".
const MaxIDLen = 255

// CheckID validates v, a value that goes into one segment of a URL path
// (an ID, or a name used as one), before anything is sent. It refuses a
// value that
//
//   - is empty, or holds white space anywhere (so one that is only white
//     space too);
//   - holds a control character: C0 (U+0000 to U+001F), DEL (U+007F) or
//     C1 (U+0080 to U+009F);
//   - holds '/', '?', '#' or '%', which end or change a path segment, or
//     which the service would decode;
//   - is exactly "." or "..";
//   - is not valid UTF-8;
//   - is longer than MaxIDLen bytes.
//
// The error is a *cloudmigrate.ValidationError whose Field is field. A
// value CheckID accepts stays a single path segment once escaped with
// url.PathEscape, and unescapes back to itself.
func CheckID(field, v string) error {
	switch {
	case v == "":
		return cloudmigrate.Invalid(field, "must not be empty")
	case len(v) > MaxIDLen:
		return cloudmigrate.Invalid(field, "is %d bytes long; at most %d are allowed", len(v), MaxIDLen)
	case v == "." || v == "..":
		return cloudmigrate.Invalid(field, "%q is not a valid path segment", v)
	case strings.TrimFunc(v, unicode.IsSpace) == "":
		return cloudmigrate.Invalid(field, "must not be only white space")
	}
	for i := 0; i < len(v); {
		if b := v[i]; b < utf8.RuneSelf {
			switch {
			case b < 0x20 || b == 0x7f:
				return cloudmigrate.Invalid(field, "holds the control character %q at byte %d", rune(b), i)
			case b == ' ':
				return cloudmigrate.Invalid(field, "holds white space at byte %d", i)
			case b == '/' || b == '?' || b == '#' || b == '%':
				return cloudmigrate.Invalid(field, "holds %q at byte %d; an ID in a URL path cannot hold '/', '?', '#' or '%%'", rune(b), i)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(v[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return cloudmigrate.Invalid(field, "is not valid UTF-8 (byte %d is %#02x)", i, v[i])
		case r <= 0x9f:
			return cloudmigrate.Invalid(field, "holds the control character %U at byte %d", r, i)
		case unicode.IsSpace(r):
			return cloudmigrate.Invalid(field, "holds the white space character %U at byte %d", r, i)
		}
		i += size
	}
	return nil
}
