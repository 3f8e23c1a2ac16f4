package errparse

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
)

// secrets exercises every escape: quotes, backslash, HTML characters, a
// slash, spaces, "+", "=", "%", non-ASCII and a character above U+FFFF.
var scrubSecrets = []string{
	`pa"ss\word<&>/ +=%é😀-0001`,
	"plainTOKENvalue0123456789",
	"ak-FAKE0000ACCESS0001",
}

func jsonQuoted(s string, escapeHTML bool) string {
	return jsonEscape(s, escapeHTML)
}

// echoForms are the ways a server writes a secret into a body.
func echoForms(s string) map[string]string {
	return map[string]string{
		"raw":          s,
		"json":         jsonQuoted(s, true),
		"json no html": jsonQuoted(s, false),
		"json ascii":   asciiJSON(s),
		"json ASCII":   upperUnicodeEscapes(asciiJSON(s)),
		"json \\/":     strings.ReplaceAll(jsonQuoted(s, false), "/", `\/`),
		"query":        url.QueryEscape(s),
		"path":         url.PathEscape(s),
		"query %20":    strings.ReplaceAll(url.QueryEscape(s), "+", "%20"),
		"query lower":  lowerPercentHex(url.QueryEscape(s)),
		"html":         html.EscapeString(s),
	}
}

func leaks(e *cloudmigrate.Error, secrets []string) []string {
	js, _ := json.Marshal(e)
	out := []string{e.Error(), fmt.Sprintf("%+v", e), e.Message, e.Code, e.RequestID, strings.Join(e.Details, "\n"), string(js)}
	var found []string
	for _, s := range secrets {
		for name, form := range echoForms(s) {
			for _, o := range out {
				if strings.Contains(o, form) {
					found = append(found, name+" "+form+" in "+o)
				}
			}
		}
	}
	return found
}

func TestFillScrubsEveryEchoForm(t *testing.T) {
	for _, secret := range scrubSecrets {
		for name, form := range echoForms(secret) {
			bodies := map[string]string{
				"plain text":    "request rejected: Authorization=" + form + " was refused",
				"nova fault":    `{"badRequest": {"code": 400, "message": "invalid header ` + form + `"}}`,
				"huawei":        `{"error_code": "APIGW.0301", "error_msg": "canonical request: x-security-token:` + form + `"}`,
				"ecs details":   `{"error": {"code": "Ecs.0005", "message": "bad", "details": [{"code": "X", "message": "` + form + `"}, "` + form + `"]}}`,
				"keystone":      `{"error": {"code": 401, "title": "Unauthorized", "message": "password ` + form + ` is wrong"}}`,
				"cce":           `{"errorCode": "CCE.01400001", "errorMessage": "` + form + `"}`,
				"code":          `{"code": "` + form + `", "message": "m"}`,
				"broken JSON":   `{"message": "` + form + `", `,
				"unknown shape": `{"echo": ["` + form + `"]}`,
			}
			for shape, body := range bodies {
				e := &cloudmigrate.Error{StatusCode: 400}
				Fill(e, []byte(body), scrubSecrets...)
				if l := leaks(e, scrubSecrets); len(l) > 0 {
					t.Errorf("%s as %s in %s: %q", secret, name, shape, l)
				}
				if !strings.Contains(e.Error()+strings.Join(e.Details, " "), Redacted) {
					t.Errorf("%s as %s in %s: no %s in %q %q", secret, name, shape, Redacted, e.Error(), e.Details)
				}
			}
		}
	}
}

func TestFillScrubsSecretsInsideEscapedJSON(t *testing.T) {
	// A proxy quoting the request body, itself JSON, inside its message.
	inner, _ := json.Marshal(map[string]string{"password": scrubSecrets[0]})
	outer, _ := json.Marshal(map[string]any{"error": map[string]any{"code": "Proxy", "message": "upstream said: " + string(inner)}})
	e := &cloudmigrate.Error{}
	Fill(e, outer, scrubSecrets...)
	if l := leaks(e, scrubSecrets); len(l) > 0 || !strings.Contains(e.Message, Redacted) {
		t.Errorf("leaks %q; message %q", l, e.Message)
	}
}

func TestFillKeepsTheRestOfTheMessage(t *testing.T) {
	e := &cloudmigrate.Error{}
	Fill(e, []byte(`{"itemNotFound": {"code": 404, "message": "token plainTOKENvalue0123456789 has no server abc"}}`), scrubSecrets...)
	if e.Code != "itemNotFound" || e.Message != "token REDACTED has no server abc" {
		t.Errorf("code %q message %q", e.Code, e.Message)
	}
}

func TestFillScrubsBeforeCuttingText(t *testing.T) {
	// The secret straddles the 512-byte cut of a plain-text body: none of
	// it may remain.
	secret := scrubSecrets[1]
	body := strings.Repeat("x", maxText-10) + secret + strings.Repeat("y", 100)
	e := &cloudmigrate.Error{}
	Fill(e, []byte(body), secret)
	if strings.Contains(e.Message, secret[:6]) || !strings.Contains(e.Message, "x"+Redacted+"y") {
		t.Errorf("message ends %q", e.Message[maxText-20:])
	}
	// Collapsing white space must not break a secret holding some.
	spaced := "tok  with\tspaces 0001"
	Fill(e, []byte("bad: "+spaced+" end"), spaced)
	if e.Message != "bad: REDACTED end" {
		t.Errorf("message %q", e.Message)
	}
}

func TestScrubOverlapsAndShortValues(t *testing.T) {
	// Overlapping secrets are replaced as one span, leaving no tail.
	got := Scrub("x abcdefgh12345 y", "abcdefgh", "efgh12345")
	if got != "x REDACTED y" {
		t.Errorf("overlap: %q", got)
	}
	// A value shorter than MinSecretLen would match ordinary words.
	if got := Scrub("the tok is bad", "tok", "", "t"); got != "the tok is bad" {
		t.Errorf("short values scrubbed: %q", got)
	}
	if got := Scrub("a abcd b", "abcd"); got != "a REDACTED b" {
		t.Errorf("MinSecretLen value kept: %q", got)
	}
	if got := Scrub("nothing here"); got != "nothing here" {
		t.Errorf("no secrets: %q", got)
	}
}

func TestFromResponseScrubsHeadersAndBody(t *testing.T) {
	secret := scrubSecrets[1]
	resp := &http.Response{
		StatusCode: 403,
		Header:     http.Header{"X-Request-Id": {"req-" + secret}},
		Body:       io.NopCloser(strings.NewReader(`{"error_code": "E", "error_msg": "token ` + secret + `"}`)),
	}
	e := FromResponse("GET", "https://x.example.com/v1", resp, 1, secret)
	if l := leaks(e, []string{secret}); len(l) > 0 {
		t.Errorf("leaks %q", l)
	}
	if e.RequestID != "req-REDACTED" || e.Message != "token REDACTED" || e.Code != "E" {
		t.Errorf("error %+v", e)
	}
}

func TestHeaderSecrets(t *testing.T) {
	h := http.Header{}
	h.Set("Authorization", "SDK-HMAC-SHA256 Access=HPUAEXAMPLE0001, SignedHeaders=content-type;host;x-sdk-date, Signature=0a1b2c3d4e5f")
	h.Set("X-Security-Token", "sts-token-0001")
	h.Set("X-Auth-Token", "gAAAAtoken0001")
	h.Set("X-Subject-Token", "gAAAAsubject0001")
	h.Set("X-Service-Token", "gAAAAservice0001")
	h.Set("Proxy-Authorization", "Basic dXNlcjpwYXNzd29yZA==")
	h.Set("X-Project-Id", "project-0001")
	got := HeaderSecrets(h)
	for _, want := range []string{
		h.Get("Authorization"), "HPUAEXAMPLE0001", "0a1b2c3d4e5f", "sts-token-0001", "gAAAAtoken0001",
		"gAAAAsubject0001", "gAAAAservice0001", "Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA==",
	} {
		if !slices.Contains(got, want) {
			t.Errorf("HeaderSecrets lacks %q: %q", want, got)
		}
	}
	for _, not := range []string{"content-type;host;x-sdk-date", "project-0001", "SDK-HMAC-SHA256"} {
		if slices.Contains(got, not) {
			t.Errorf("HeaderSecrets has %q", not)
		}
	}
	for _, tok := range []string{"eyJhbGciOiJ.payload.sig", "opaque=token=0001"} {
		if got := HeaderSecrets(http.Header{"Authorization": {"Bearer " + tok}}); !slices.Contains(got, tok) {
			t.Errorf("bearer %s: %q", tok, got)
		}
	}
}

// BenchmarkFillScrubbed parses the largest error body read, quoting a
// request, with the credentials of a signed request and a Keystone
// password to scrub.
func BenchmarkFillScrubbed(b *testing.B) {
	secrets := append([]string{
		"SDK-HMAC-SHA256 Access=HPUAEXAMPLE0001, SignedHeaders=content-type;host;x-sdk-date, Signature=0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
		"0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9", "HPUAEXAMPLE0001",
	}, scrubSecrets...)
	msg := strings.Repeat("quoted request line "+scrubSecrets[1]+" ", MaxBody/48)
	body, _ := json.Marshal(map[string]any{"error": map[string]any{"code": "X", "message": msg}})
	body = body[:min(len(body), MaxBody)]
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		Fill(&cloudmigrate.Error{}, body, secrets...)
	}
}
