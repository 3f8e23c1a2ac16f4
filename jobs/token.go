package jobs

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
)

// TokenVersion is the version of the resume token format this package
// writes. Tokens of a newer version are refused by ParseToken, so a token
// written by a later release is never misread by an older one.
const TokenVersion = 1

// tokenPrefix starts every token; the digit after it is the version.
const tokenPrefix = "cmop"

// MaxTokenLen bounds the length of a token ParseToken accepts. It leaves
// room for the largest operation a service takes, such as a CCE migration
// of 200 nodes named by IDs of up to 255 bytes each (about 70 KiB); a
// token of 200 node UUIDs takes about 10 KiB.
const MaxTokenLen = 128 << 10

// sumLen is how many bytes of the payload's SHA-256 a token carries.
const sumLen = 8

// Token is what a service needs to find one operation again: the decoded
// form of a resume token. It holds identifiers only, never a credential.
//
// Service packages fill it in when a move starts and check it when a
// client resumes one (see Token.Check); users normally handle only its
// string form, from Operation.ResumeToken.
type Token struct {
	// Service names the service package: "ecs", "cce", "modelarts",
	// "nova" or "manila".
	Service string
	// Kind names the kind of operation within the service, such as
	// "live-migrate" or "share-server-migration".
	Kind string
	// Endpoint is the service endpoint the operation was started on.
	Endpoint string
	// Project is the project the operation belongs to (empty for OpenStack
	// clients whose endpoint carries no project).
	Project string
	// Resources are the IDs of the resources being moved: a server, a
	// share server, a pool's nodes.
	Resources []string
	// ID is the job or migration ID, once known.
	ID string
	// Microversion is the OpenStack microversion the operation was started
	// with.
	Microversion string
	// Source is where the resources were when the move started (a host, a
	// cluster, a pool), when known.
	Source string
	// Target is where the move was asked to go; empty when the service
	// chooses.
	Target string
	// Started is when the move was started, to the second.
	Started time.Time
	// Extra holds service-specific identifiers (a pool name, a share ID).
	Extra map[string]string
}

// Field tags of a token's payload. Each field is written as its tag, its
// length as a uvarint and its bytes; Started is a varint of Unix seconds.
// Resources and Extra repeat their tags, in order.
const (
	tagService byte = iota + 1
	tagKind
	tagEndpoint
	tagProject
	tagResource
	tagID
	tagMicroversion
	tagSource
	tagTarget
	tagStarted
	tagExtraKey
	tagExtraValue
)

func putField(b []byte, tag byte, v string) []byte {
	if v == "" {
		return b
	}
	b = append(b, tag)
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

func (t Token) payload() []byte {
	n := len(t.Service) + len(t.Kind) + len(t.Endpoint) + len(t.Project) + len(t.ID) +
		len(t.Microversion) + len(t.Source) + len(t.Target) + 40
	for _, r := range t.Resources {
		n += len(r) + 3
	}
	for k, v := range t.Extra {
		n += len(k) + len(v) + 6
	}
	b := make([]byte, 0, n)
	b = putField(b, tagService, t.Service)
	b = putField(b, tagKind, t.Kind)
	b = putField(b, tagEndpoint, t.Endpoint)
	b = putField(b, tagProject, t.Project)
	for _, r := range t.Resources {
		b = append(b, tagResource)
		b = binary.AppendUvarint(b, uint64(len(r)))
		b = append(b, r...)
	}
	b = putField(b, tagID, t.ID)
	b = putField(b, tagMicroversion, t.Microversion)
	b = putField(b, tagSource, t.Source)
	b = putField(b, tagTarget, t.Target)
	if !t.Started.IsZero() {
		b = append(b, tagStarted)
		b = binary.AppendVarint(b, t.Started.Unix())
	}
	if len(t.Extra) > 0 {
		keys := make([]string, 0, len(t.Extra))
		for k := range t.Extra {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			for _, f := range [2]struct {
				tag byte
				v   string
			}{{tagExtraKey, k}, {tagExtraValue, t.Extra[k]}} {
				b = append(b, f.tag)
				b = binary.AppendUvarint(b, uint64(len(f.v)))
				b = append(b, f.v...)
			}
		}
	}
	return b
}

// Encode returns the token as compact, URL-safe text: "cmop1.", the
// base64url payload, ".", and a base64url checksum of the payload.
func (t Token) Encode() string {
	payload := t.payload()
	sum := sha256.Sum256(payload)
	enc := base64.RawURLEncoding
	out := make([]byte, 0, len(tokenPrefix)+3+enc.EncodedLen(len(payload))+enc.EncodedLen(sumLen))
	out = append(out, tokenPrefix...)
	out = strconv.AppendInt(out, TokenVersion, 10)
	out = append(out, '.')
	out = enc.AppendEncode(out, payload)
	out = append(out, '.')
	out = enc.AppendEncode(out, sum[:sumLen])
	return string(out)
}

// String returns the encoded token.
func (t Token) String() string { return t.Encode() }

func badToken(format string, args ...any) *cloudmigrate.ValidationError {
	return cloudmigrate.Invalid("token", format, args...)
}

// ParseToken decodes a resume token written by Token.Encode. A token that
// is empty, too long, truncated, altered (its checksum does not match), of
// a newer version than TokenVersion, or missing its service, kind or
// endpoint is a *cloudmigrate.ValidationError naming the field "token".
//
// The checksum detects damage and hand edits; it is not a signature. A
// client resuming a token still checks that it names the client's own
// service, endpoint and project (Token.Check), so a forged token can only
// point a client at operations it could have started itself.
func ParseToken(s string) (Token, error) {
	var t Token
	switch {
	case s == "":
		return t, badToken("empty resume token")
	case len(s) > MaxTokenLen:
		return t, badToken("resume token of %d bytes is longer than %d", len(s), MaxTokenLen)
	case !strings.HasPrefix(s, tokenPrefix):
		return t, badToken("not a cloudmigrate resume token")
	}
	rest := s[len(tokenPrefix):]
	dot := strings.IndexByte(rest, '.')
	if dot <= 0 {
		return t, badToken("resume token is truncated")
	}
	v, err := strconv.Atoi(rest[:dot])
	if err != nil || v <= 0 || rest[0] == '0' || rest[0] == '+' {
		return t, badToken("resume token has no valid version")
	}
	if v > TokenVersion {
		return t, badToken("resume token version %d is newer than this SDK reads (%d)", v, TokenVersion)
	}
	rest = rest[dot+1:]
	dot = strings.IndexByte(rest, '.')
	if dot < 0 {
		return t, badToken("resume token is truncated")
	}
	enc := base64.RawURLEncoding
	payload, err := enc.DecodeString(rest[:dot])
	if err != nil {
		return t, badToken("resume token is damaged")
	}
	sum, err := enc.DecodeString(rest[dot+1:])
	if err != nil || len(sum) != sumLen {
		return t, badToken("resume token is truncated or damaged")
	}
	want := sha256.Sum256(payload)
	if string(want[:sumLen]) != string(sum) {
		return t, badToken("resume token was altered: its checksum does not match")
	}
	if t, err = decodePayload(payload); err != nil {
		return Token{}, err
	}
	switch {
	case t.Service == "":
		return Token{}, badToken("resume token names no service")
	case t.Kind == "":
		return Token{}, badToken("resume token names no operation kind")
	case t.Endpoint == "":
		return Token{}, badToken("resume token names no endpoint")
	}
	return t, nil
}

// decodePayload reads the fields written by Token.payload.
func decodePayload(p []byte) (Token, error) {
	var (
		t       Token
		lastTag byte
		key     string
		haveKey bool
	)
	for len(p) > 0 {
		tag := p[0]
		p = p[1:]
		repeatable := tag == tagResource || tag == tagExtraKey || tag == tagExtraValue
		if tag < lastTag || (tag == lastTag && !repeatable) {
			if !(tag == tagExtraKey && lastTag == tagExtraValue) {
				return Token{}, badToken("resume token is damaged: fields out of order")
			}
		}
		lastTag = tag
		if tag == tagStarted {
			v, n := binary.Varint(p)
			if n <= 0 {
				return Token{}, badToken("resume token is damaged")
			}
			t.Started = time.Unix(v, 0).UTC()
			p = p[n:]
			continue
		}
		l, n := binary.Uvarint(p)
		if n <= 0 || l > uint64(len(p)-n) {
			return Token{}, badToken("resume token is damaged")
		}
		v := string(p[n : n+int(l)])
		p = p[n+int(l):]
		switch tag {
		case tagService:
			t.Service = v
		case tagKind:
			t.Kind = v
		case tagEndpoint:
			t.Endpoint = v
		case tagProject:
			t.Project = v
		case tagResource:
			t.Resources = append(t.Resources, v)
		case tagID:
			t.ID = v
		case tagMicroversion:
			t.Microversion = v
		case tagSource:
			t.Source = v
		case tagTarget:
			t.Target = v
		case tagExtraKey:
			if haveKey {
				return Token{}, badToken("resume token is damaged")
			}
			key, haveKey = v, true
		case tagExtraValue:
			if !haveKey {
				return Token{}, badToken("resume token is damaged")
			}
			if t.Extra == nil {
				t.Extra = make(map[string]string, 2)
			}
			if _, dup := t.Extra[key]; dup {
				return Token{}, badToken("resume token is damaged")
			}
			t.Extra[key] = v
			haveKey = false
		default:
			return Token{}, badToken("resume token has a field this SDK does not know")
		}
	}
	if haveKey {
		return Token{}, badToken("resume token is damaged")
	}
	return t, nil
}

// Check reports, as a *cloudmigrate.ValidationError, whether t was written
// for another service, endpoint or project than the ones given, or for an
// operation kind not in kinds (when kinds is not empty). Endpoints are
// compared without a trailing slash and with the scheme and host in lower
// case.
func (t Token) Check(service, endpoint, project string, kinds ...string) error {
	if t.Service != service {
		return badToken("resume token is for service %q, not %q", t.Service, service)
	}
	if normEndpoint(t.Endpoint) != normEndpoint(endpoint) {
		return badToken("resume token is for endpoint %q, not %q", t.Endpoint, endpoint)
	}
	if t.Project != project {
		return badToken("resume token is for project %q, not %q", t.Project, project)
	}
	if len(kinds) > 0 {
		for _, k := range kinds {
			if t.Kind == k {
				return nil
			}
		}
		return badToken("resume token is for a %q operation, not %s", t.Kind, strings.Join(kinds, " or "))
	}
	return nil
}

// normEndpoint lower-cases the scheme and host of u and drops trailing
// slashes, leaving the path as it is.
func normEndpoint(u string) string {
	u = strings.TrimRight(u, "/")
	i := strings.Index(u, "://")
	if i < 0 {
		return u
	}
	j := strings.IndexByte(u[i+3:], '/')
	if j < 0 {
		return strings.ToLower(u)
	}
	j += i + 3
	return strings.ToLower(u[:j]) + u[j:]
}
