package auth

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
)

// Redacted is what a set Secret shows instead of its value, wherever it
// is rendered.
const Redacted = "REDACTED"

// Secret holds a credential: a password, a secret key, a security token,
// an application credential secret or a token. Every field of this module
// that carries one has this type.
//
// A Secret never shows its value. String, GoString, Format (every verb,
// %v %+v %#v %s %q %x %d ... and width flags alike), LogValue, MarshalJSON
// and MarshalText all give Redacted for a set secret and the empty string
// for an unset one, so output still tells whether a credential is
// configured. This holds at any depth: a Secret inside a struct, a slice,
// a map or a pointer renders the same way, and since the value sits behind
// a pointer, even an unexported field of type Secret printed with %v shows
// an address, never the value. Reveal is the one way to read it.
//
// UnmarshalJSON and UnmarshalText take the plain value (a JSON string, or
// null for unset), so configuration files decode into a Secret directly.
// Note that JSON written by MarshalJSON holds Redacted, not the value: it
// cannot be decoded back into the original credential.
//
// The zero value is an unset secret. Secrets are not comparable with ==;
// use Equal.
type Secret struct {
	_ [0]func() // forbids ==, which would compare pointers
	p *string
}

// NewSecret returns a Secret holding s; NewSecret("") is unset.
func NewSecret(s string) Secret {
	if s == "" {
		return Secret{}
	}
	return Secret{p: &s}
}

// Reveal returns the value, for putting it on the wire. Do not log or
// print what it returns.
func (s Secret) Reveal() string {
	if s.p == nil {
		return ""
	}
	return *s.p
}

// IsSet reports whether s holds a non-empty value.
func (s Secret) IsSet() bool { return s.p != nil && *s.p != "" }

// IsZero reports whether s is unset. It lets the omitzero option of
// encoding/json (Go 1.24 and later) leave out an unset secret.
func (s Secret) IsZero() bool { return !s.IsSet() }

// Equal reports whether s and t hold the same value, in time that does
// not depend on where they differ.
func (s Secret) Equal(t Secret) bool {
	return subtle.ConstantTimeCompare([]byte(s.Reveal()), []byte(t.Reveal())) == 1
}

// String returns Redacted for a set secret and "" for an unset one.
func (s Secret) String() string {
	if s.IsSet() {
		return Redacted
	}
	return ""
}

// GoString returns auth.Secret(REDACTED) for a set secret and auth.Secret{}
// for an unset one.
func (s Secret) GoString() string {
	if s.IsSet() {
		return "auth.Secret(" + Redacted + ")"
	}
	return "auth.Secret{}"
}

// Format writes what String returns for every verb (quoted for %q, and
// GoString for %#v), padded to the width, if any.
func (s Secret) Format(f fmt.State, verb rune) {
	out := s.String()
	switch {
	case verb == 'v' && f.Flag('#'):
		out = s.GoString()
	case verb == 'q':
		out = strconv.Quote(out)
	}
	if w, ok := f.Width(); ok && w > len(out) {
		pad := make([]byte, w-len(out))
		for i := range pad {
			pad[i] = ' '
		}
		if f.Flag('-') {
			out += string(pad)
		} else {
			out = string(pad) + out
		}
	}
	_, _ = f.Write([]byte(out))
}

// LogValue gives log/slog what String returns.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON encodes what String returns, as a JSON string.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// MarshalText returns what String returns.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// errSecretJSON is returned for JSON that is neither a string nor null. It
// says nothing about the value.
var errSecretJSON = errors.New("auth: a secret must be a JSON string")

// UnmarshalJSON sets s to the plain value of a JSON string; null leaves s
// unset.
func (s *Secret) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*s = Secret{}
		return nil
	}
	var v string
	if len(b) == 0 || b[0] != '"' || json.Unmarshal(b, &v) != nil {
		return errSecretJSON
	}
	*s = NewSecret(v)
	return nil
}

// UnmarshalText sets s to the plain value text.
func (s *Secret) UnmarshalText(text []byte) error {
	*s = NewSecret(string(text))
	return nil
}

// SecretHolder is implemented by authorizers that know credential values
// beyond the headers they set, such as a password or a secret key. Before
// any text from a service enters an error, the request pipeline removes
// the credentials the request was sent with: the values of its
// Authorization, X-Auth-Token and X-Security-Token headers (and the
// access key and signature inside Authorization), and every value
// Secrets returns. An Authorizer of your own can implement it to have its
// credentials removed too.
type SecretHolder interface {
	Secrets() []Secret
}
