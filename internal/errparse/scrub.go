package errparse

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// Redacted replaces each credential found in text from a server.
const Redacted = "REDACTED"

// MinSecretLen is the length, in bytes, below which a value is not
// scrubbed: a shorter one would match ordinary words of a message, and a
// credential that short protects nothing anyway.
const MinSecretLen = 4

// credentialHeaders are the request headers whose values are credentials.
var credentialHeaders = [...]string{
	"Authorization",
	"Proxy-Authorization",
	"X-Auth-Token",
	"X-Subject-Token",
	"X-Service-Token",
	"X-Security-Token",
}

// HeaderSecrets returns the credential values h carries: the values of
// Authorization, Proxy-Authorization, X-Auth-Token, X-Subject-Token,
// X-Service-Token and X-Security-Token, and the parts of an Authorization
// value that are credentials on their own: every "key=value" value except
// SignedHeaders' (the access key and signature of SDK-HMAC-SHA256), and
// the credentials after a scheme such as "Bearer" or "Basic".
func HeaderSecrets(h http.Header) []string {
	var out []string
	for _, name := range credentialHeaders {
		for _, v := range h.Values(name) {
			out = append(out, v)
			if name == "Authorization" || name == "Proxy-Authorization" {
				out = append(out, authorizationParts(v)...)
			}
		}
	}
	return out
}

// authorizationParts returns what follows the scheme of an Authorization
// value ("Bearer <token>", "Basic <credentials>"), and the value of each
// of its comma-separated key=value parameters but SignedHeaders (the
// access key and signature of SDK-HMAC-SHA256).
func authorizationParts(v string) []string {
	_, rest, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok {
		return nil
	}
	rest = strings.TrimSpace(rest)
	out := []string{rest}
	for _, part := range strings.Split(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || strings.EqualFold(strings.TrimSpace(k), "SignedHeaders") {
			continue
		}
		out = append(out, strings.Trim(strings.TrimSpace(val), `"`))
	}
	return out
}

// scrubber finds credentials, in the forms a server may echo them, and
// replaces them with Redacted.
type scrubber struct {
	needles [][]byte // longest first
}

// newScrubber returns a scrubber for secrets, or nil when none of them is
// long enough to scrub.
func newScrubber(secrets []string) *scrubber {
	seen := map[string]bool{}
	var needles [][]byte
	for _, s := range secrets {
		if len(s) < MinSecretLen {
			continue
		}
		for _, form := range encodings(s) {
			if len(form) >= MinSecretLen && !seen[form] {
				seen[form] = true
				needles = append(needles, []byte(form))
			}
		}
	}
	if len(needles) == 0 {
		return nil
	}
	slices.SortFunc(needles, func(a, b []byte) int { return len(b) - len(a) })
	return &scrubber{needles: needles}
}

// encodings returns s and the forms it takes when a server quotes it: in
// JSON (as Go, Python and PHP escape strings, and escaped twice, as when a
// JSON request body is quoted in a JSON string), in a URL or query, in
// HTML, and each JSON form in turn URL- or HTML-escaped (a proxy quoting a
// JSON request body in a query string or a web page).
func encodings(s string) []string {
	base := []string{s}
	addJSON := func(f string) {
		base = append(base, f)
		if strings.Contains(f, "/") {
			base = append(base, strings.ReplaceAll(f, "/", `\/`))
		}
	}
	for _, j := range []string{jsonEscape(s, true), jsonEscape(s, false)} {
		addJSON(j)
		// A JSON document quoted in a JSON string: escaped twice.
		addJSON(jsonEscape(j, true))
		addJSON(jsonEscape(j, false))
	}
	ascii := asciiJSON(s)
	addJSON(ascii)
	addJSON(upperUnicodeEscapes(ascii))
	addJSON(asciiJSON(ascii))
	var forms []string
	for _, b := range base {
		forms = append(forms, b, html.EscapeString(b))
		for _, u := range []string{url.QueryEscape(b), url.PathEscape(b), strings.ReplaceAll(url.QueryEscape(b), "+", "%20")} {
			forms = append(forms, u, lowerPercentHex(u))
		}
	}
	return forms
}

// jsonEscape returns s as encoding/json writes it, without the quotes.
func jsonEscape(s string, escapeHTML bool) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(escapeHTML)
	_ = enc.Encode(s)
	out := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	return string(out[1 : len(out)-1])
}

// asciiJSON returns s as Python's json.dumps writes it by default: every
// character outside ASCII as \uXXXX (a surrogate pair above U+FFFF).
func asciiJSON(s string) string {
	var b strings.Builder
	for _, r := range jsonEscape(s, false) {
		switch {
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		case r > 0xFFFF:
			r -= 0x10000
			fmt.Fprintf(&b, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

// upperUnicodeEscapes writes the hex digits of every \uXXXX in upper case.
func upperUnicodeEscapes(s string) string {
	b := []byte(s)
	for i := 0; i+1 < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		if b[i+1] == 'u' && i+6 <= len(b) {
			copy(b[i+2:i+6], bytes.ToUpper(b[i+2:i+6]))
			i += 5
		} else {
			i++ // an escaped character, such as \\ before a literal u
		}
	}
	return string(b)
}

// lowerPercentHex writes the hex digits of every %XX in lower case.
func lowerPercentHex(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			copy(b[i+1:i+3], bytes.ToLower(b[i+1:i+3]))
			i += 2
		}
	}
	return string(b)
}

// bytes returns b with every occurrence of a needle replaced by Redacted.
// Occurrences that overlap or touch are replaced as one.
func (s *scrubber) bytes(b []byte) []byte {
	if s == nil || len(b) == 0 {
		return b
	}
	var spans [][2]int
	for _, n := range s.needles {
		for i := 0; i+len(n) <= len(b); {
			j := bytes.Index(b[i:], n)
			if j < 0 {
				break
			}
			spans = append(spans, [2]int{i + j, i + j + len(n)})
			i += j + 1
		}
	}
	if len(spans) == 0 {
		return b
	}
	slices.SortFunc(spans, func(x, y [2]int) int { return x[0] - y[0] })
	out := make([]byte, 0, len(b))
	last := 0
	for i := 0; i < len(spans); {
		start, end := spans[i][0], spans[i][1]
		for i++; i < len(spans) && spans[i][0] <= end; i++ {
			end = max(end, spans[i][1])
		}
		out = append(out, b[last:start]...)
		out = append(out, Redacted...)
		last = end
	}
	return append(out, b[last:]...)
}

func (s *scrubber) string(v string) string {
	if s == nil || v == "" {
		return v
	}
	return string(s.bytes([]byte(v)))
}

// Scrub returns text with every occurrence of each of secrets, in the forms
// a server may echo it (as is, JSON-escaped, URL-escaped, HTML-escaped),
// replaced by Redacted. Secrets shorter than MinSecretLen are left alone.
func Scrub(text string, secrets ...string) string {
	return newScrubber(secrets).string(text)
}
