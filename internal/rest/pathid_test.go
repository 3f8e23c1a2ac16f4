package rest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/rest/pathidtest"
)

// TestCheckIDRefuses runs the rule on one or more values of every class
// it refuses, and checks the error names the field.
func TestCheckIDRefuses(t *testing.T) {
	cases := pathidtest.BadIDs()
	classes := map[string]bool{}
	for _, c := range cases {
		classes[c.Class] = true
		err := CheckID("serverID", c.Value)
		var ve *cloudmigrate.ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("%s: CheckID(%q) = %v, want a *cloudmigrate.ValidationError", c.Class, c.Value, err)
			continue
		}
		if ve.Field != "serverID" || ve.Problem == "" {
			t.Errorf("%s: CheckID(%q) = %+v, want Field serverID and a problem", c.Class, c.Value, ve)
		}
		if len(ve.Error()) > 200 {
			t.Errorf("%s: the message is %d bytes long; it must not echo a long value: %.80s...", c.Class, len(ve.Error()), ve.Error())
		}
	}
	for _, want := range []string{
		"empty", "white space only", "white space inside", "C0 control", "DEL", "C1 control",
		"slash", "question mark", "hash", "percent", "dot segment", "invalid UTF-8", "too long",
	} {
		if !classes[want] {
			t.Errorf("pathidtest.BadIDs has no value of the class %q", want)
		}
	}
}

// TestCheckIDProblems pins what the error says for each class, so that a
// value is refused for the right reason.
func TestCheckIDProblems(t *testing.T) {
	for _, tc := range []struct{ v, want string }{
		{"", "must not be empty"},
		{" \u00a0\u3000", "only white space"},
		{"a b", "white space at byte 1"},
		{"a\u2028b", "U+2028 at byte 1"},
		{"a\x00b", `control character '\x00' at byte 1`},
		{"ab\x7f", `control character '\x7f' at byte 2`},
		{"a\u0085", "control character U+0085 at byte 1"},
		{"a/b", `'/' at byte 1`},
		{"a?b", `'?' at byte 1`},
		{"a#b", `'#' at byte 1`},
		{"a%2Fb", `'%' at byte 1`},
		{".", `"." is not a valid path segment`},
		{"..", `".." is not a valid path segment`},
		{"ab\xff", "not valid UTF-8 (byte 2 is 0xff)"},
		{strings.Repeat("a", 4096), "4096 bytes long; at most 255"},
	} {
		err := CheckID("id", tc.v)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("CheckID(%.20q) = %v, want a message with %q", tc.v, err, tc.want)
		}
	}
}

func TestCheckIDAccepts(t *testing.T) {
	for _, v := range []string{
		"7a9e1c2b-3d4f-4a5b-8c6d-7e8f9a0b1c2d", // UUID
		"7A9E1C2B-3D4F-4A5B-8C6D-7E8F9A0B1C2D",
		"ff80808288d41e1b018990260955686a", // Huawei 32-hex ID
		"pool-9d3f-6f5da086876d4cd084d36f8bd3346036",
		"srv_1", "a.b", "-", "_", "a..b", "...", ".a", "a.", "x",
		"host@backend", "a+b", "a:b", "a=b", "a&b", "a;b", "~user",
		"nœud-é", "节点", "🚀",
		strings.Repeat("a", MaxIDLen),
		strings.Repeat("a", MaxIDLen-2) + "é", // 255 bytes, ending in a two-byte rune
		strings.Repeat("a", MaxIDLen-3) + "节", // 255 bytes, ending in a three-byte rune
		strings.Repeat("a", MaxIDLen-4) + "🚀", // 255 bytes, ending in a four-byte rune
		"\ufffd",                              // the replacement character, validly encoded
	} {
		if err := CheckID("id", v); err != nil {
			t.Errorf("CheckID(%.40q) = %v, want nil", v, err)
		}
	}
}

// TestCheckIDLengthBoundary checks the bound in bytes, with runes of every
// width straddling it.
func TestCheckIDLengthBoundary(t *testing.T) {
	for _, r := range []string{"a", "é", "节", "🚀"} {
		w := len(r)
		fit := strings.Repeat("a", MaxIDLen-w) + r
		over := strings.Repeat("a", MaxIDLen-w+1) + r
		if len(fit) != MaxIDLen || len(over) != MaxIDLen+1 {
			t.Fatalf("bad fixture for %q: %d and %d bytes", r, len(fit), len(over))
		}
		if err := CheckID("id", fit); err != nil {
			t.Errorf("%d bytes ending in %q: %v", len(fit), r, err)
		}
		if err := CheckID("id", over); err == nil || !strings.Contains(err.Error(), "256 bytes long") {
			t.Errorf("%d bytes ending in %q: %v, want too long", len(over), r, err)
		}
	}
}

// Every path placeholder goes through the rule, naming the placeholder,
// and nothing reaches the server; a good ID is sent escaped.
func TestExpandAppliesCheckID(t *testing.T) {
	var (
		n    atomic.Int64
		mu   sync.Mutex
		path string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		mu.Lock()
		path = r.URL.EscapedPath()
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	c, err := New(srv.URL, auth.StaticToken("t"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range pathidtest.BadIDs() {
		_, err := c.Do(context.Background(), &Request{
			Method: http.MethodGet,
			Path:   "/v1/{project_id}/jobs/{job_id}",
			Params: []string{"p1", b.Value},
		})
		var ve *cloudmigrate.ValidationError
		if !errors.As(err, &ve) || ve.Field != "job_id" {
			t.Errorf("%s %.20q: %v, want a ValidationError for job_id", b.Class, b.Value, err)
		}
	}
	if got := n.Load(); got != 0 {
		t.Fatalf("%d requests reached the server", got)
	}
	if _, err := c.Do(context.Background(), &Request{
		Method: http.MethodGet, Path: "/v1/{project_id}/jobs/{job_id}", Params: []string{"p1", "a@b:é+c"},
	}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if n.Load() != 1 || path != "/v1/p1/jobs/a@b:%C3%A9+c" {
		t.Errorf("sent %d requests, last path %q", n.Load(), path)
	}
}

// refusedByRule is the rule written out rune by rune, independently of
// CheckID, for the fuzz target to compare against.
func refusedByRule(v string) bool {
	if v == "" || v == "." || v == ".." || len(v) > MaxIDLen || !utf8.ValidString(v) {
		return true
	}
	for _, r := range v {
		if unicode.IsControl(r) || unicode.IsSpace(r) || strings.ContainsRune("/?#%", r) {
			return true
		}
	}
	return false
}

// FuzzCheckID checks CheckID against the rule written out independently:
// it never accepts a value with a byte or rune the rule forbids, never
// refuses one the rule allows, and an accepted value escapes to a single
// path segment that unescapes back to itself.
func FuzzCheckID(f *testing.F) {
	for _, b := range pathidtest.BadIDs() {
		f.Add(b.Value)
	}
	for _, s := range []string{
		"7a9e1c2b-3d4f-4a5b-8c6d-7e8f9a0b1c2d", "ff80808288d41e1b018990260955686a", "a.b", "...",
		"节点", "a+b", "\ufffd", strings.Repeat("a", MaxIDLen-1) + "é",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		err := CheckID("id", v)
		refused := refusedByRule(v)
		if err == nil && refused {
			t.Fatalf("CheckID accepted %q, which the rule refuses", v)
		}
		if err != nil && !refused {
			t.Fatalf("CheckID refused %q, which the rule allows: %v", v, err)
		}
		if err != nil {
			var ve *cloudmigrate.ValidationError
			if !errors.As(err, &ve) || ve.Field != "id" {
				t.Fatalf("CheckID(%q) = %v (%T), want a *cloudmigrate.ValidationError for id", v, err, err)
			}
			return
		}
		for i := 0; i < len(v); i++ {
			if b := v[i]; b < 0x20 || b == 0x7f || b == ' ' || b == '/' || b == '?' || b == '#' || b == '%' {
				t.Fatalf("CheckID accepted %q with the byte %#02x at %d", v, b, i)
			}
		}
		esc := url.PathEscape(v)
		if strings.ContainsAny(esc, "/?# \x7f") || esc == "." || esc == ".." {
			t.Fatalf("PathEscape(%q) = %q is not one plain segment", v, esc)
		}
		back, err := url.PathUnescape(esc)
		if err != nil || back != v {
			t.Fatalf("PathUnescape(PathEscape(%q)) = %q, %v", v, back, err)
		}
		u, err := url.Parse("https://h.example/v1/" + esc + "/x")
		if err != nil || u.Path != "/v1/"+v+"/x" || u.RawQuery != "" || u.Fragment != "" {
			t.Fatalf("a URL with %q parses as path %q, query %q, fragment %q, %v", esc, u.Path, u.RawQuery, u.Fragment, err)
		}
	})
}
