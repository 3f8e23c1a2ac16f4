package manila

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
)

const (
	testProject   = "9a8b7c6d5e4f4a3b8c7d6e5f4a3b2c1d"
	testServerID  = "5bd7c5a8-5e83-4f4c-9a0e-5f2d3a1c7b60"
	testDestID    = "c2f71561-85e2-4ccb-a91a-e44f9ff6f7ef"
	testToken     = "test-token"
	testRequestID = "req-3c1d6f0a-8f7e-4b2a-9d4e-1a2b3c4d5e6f"
)

// recorded is one request the fake received.
type recorded struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
}

// fake is an httptest server that records every request and answers
// through handle.
type fake struct {
	srv    *httptest.Server
	mu     sync.Mutex
	reqs   []recorded
	handle func(w http.ResponseWriter, r *http.Request, body []byte)
}

func newFake(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, body []byte)) *fake {
	t.Helper()
	f := &fake{handle: handle}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, recorded{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body})
		f.mu.Unlock()
		f.handle(w, r, body)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

func (f *fake) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.reqs)
}

// posts returns the POST requests only (discovery GETs left out).
func (f *fake) posts() []recorded {
	var out []recorded
	for _, r := range f.requests() {
		if r.Method == http.MethodPost {
			out = append(out, r)
		}
	}
	return out
}

// endpoint is the catalog URL of the fake, with the project ID.
func (f *fake) endpoint() string { return f.srv.URL + "/v2/" + testProject }

// actionPath is the path a share-server action is posted to.
func actionPath(id string) string { return "/v2/" + testProject + "/share-servers/" + id + "/action" }

// fastRetries keeps retry waits short in tests.
var fastRetries = cloudmigrate.WithRetryWait(time.Millisecond, 2*time.Millisecond)

// newPinned returns a client for f pinned to version v.
func newPinned(t *testing.T, f *fake, v string, opts ...cloudmigrate.Option) *Client {
	t.Helper()
	all := append([]cloudmigrate.Option{fastRetries, cloudmigrate.WithMicroversion(v)}, opts...)
	c, err := NewClient(f.endpoint(), auth.StaticToken(testToken), all...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// newNegotiating returns a client for f that discovers the version.
func newNegotiating(t *testing.T, f *fake, opts ...cloudmigrate.Option) *Client {
	t.Helper()
	all := append([]cloudmigrate.Option{fastRetries}, opts...)
	c, err := NewClient(f.endpoint(), auth.StaticToken(testToken), all...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// testdata returns the bytes of a file under testdata/.
func testdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeAny(t testing.TB, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decoding %q: %v", b, err)
	}
	return v
}

// sampleBoolFlags are the keys whose values the api-ref samples write as
// strict boolean strings ("True", "False"). The service reads both forms
// the same way; the SDK sends JSON booleans, so the comparison turns the
// sample's strings into booleans, for these keys only.
var sampleBoolFlags = map[string]bool{
	"writable": true, "nondisruptive": true, "preserve_snapshots": true,
	"preserve_metadata": true, "force_host_assisted_migration": true,
}

// normalizeFlags replaces "True"/"False" strings under the flag keys by
// booleans, anywhere in v.
func normalizeFlags(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if s, ok := e.(string); ok && sampleBoolFlags[k] {
				switch s {
				case "True":
					out[k] = true
					continue
				case "False":
					out[k] = false
					continue
				}
			}
			out[k] = normalizeFlags(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalizeFlags(e)
		}
		return out
	}
	return v
}

// sameJSON fails unless got and want decode to the same value.
func sameJSON(t testing.TB, got []byte, want any) {
	t.Helper()
	g := decodeAny(t, got)
	if !reflect.DeepEqual(g, want) {
		gb, _ := json.Marshal(g)
		wb, _ := json.Marshal(want)
		t.Errorf("body sent:\n  %s\nwant:\n  %s", gb, wb)
	}
}

// checkShareHeaders asserts the version and experimental headers and the
// token on a request.
func checkShareHeaders(t testing.TB, r recorded, version string, experimental bool) {
	t.Helper()
	if got := r.Header.Values("X-Openstack-Manila-Api-Version"); len(got) != 1 || got[0] != version {
		t.Errorf("%s %s: X-OpenStack-Manila-API-Version = %q, want [%q]", r.Method, r.Path, got, version)
	}
	got := r.Header.Values("X-Openstack-Manila-Api-Experimental")
	switch {
	case experimental && (len(got) != 1 || got[0] != "True"):
		t.Errorf("%s %s: X-OpenStack-Manila-API-Experimental = %q, want [True]", r.Method, r.Path, got)
	case !experimental && len(got) != 0:
		t.Errorf("%s %s: X-OpenStack-Manila-API-Experimental = %q, want none", r.Method, r.Path, got)
	}
	if got := r.Header.Get("X-Auth-Token"); got != testToken {
		t.Errorf("%s %s: X-Auth-Token = %q", r.Method, r.Path, got)
	}
	if r.Method == http.MethodPost {
		if got := r.Header.Get("Content-Type"); got != "application/json" {
			t.Errorf("%s %s: Content-Type = %q", r.Method, r.Path, got)
		}
	}
	if r.Header.Get("OpenStack-API-Version") != "" {
		t.Errorf("%s %s: OpenStack-API-Version must not be sent to manila", r.Method, r.Path)
	}
}

// reply writes a JSON answer with a request ID and the version echo.
func reply(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("X-Openstack-Request-Id", testRequestID)
	if len(body) > 0 {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// resetConn drops the connection without an answer.
func resetConn(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("no hijacker")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(err)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// versionDoc returns a manila GET /v2/ document with the given range.
func versionDoc(min, max string) []byte {
	return []byte(`{"versions": [{"status": "CURRENT", "updated": "2015-08-27T11:33:21Z",
		"links": [{"href": "http://docs.openstack.org/", "type": "text/html", "rel": "describedby"}],
		"min_version": "` + min + `", "version": "` + max + `", "id": "v2.0"}]}`)
}

// actionName returns the single top-level key of an action body.
func actionName(t testing.TB, body []byte) string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil || len(m) != 1 {
		t.Fatalf("action body %q: want one top-level key", body)
	}
	for k := range m {
		return k
	}
	return ""
}

func contains(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// activeServerBody is GET share-servers/{id}'s answer for an active
// share server on manila-share-1@backend1 that was never migrated.
func activeServerBody(id string) []byte {
	return []byte(`{"share_server": {"id": "` + id + `", "project_id": "` + testProject + `", "status": "active",
		"host": "manila-share-1@backend1", "share_network_id": "n1", "share_network_name": "n1",
		"created_at": "2026-01-02T03:04:05.000000", "updated_at": null, "backend_details": {},
		"task_state": null, "source_share_server_id": null}}`)
}

// availableShareBody is GET shares/{id}'s answer for an available share in
// the pool manila-share-1@backend1#pool1 that was never migrated.
func availableShareBody(id string) []byte {
	return []byte(`{"share": {"id": "` + id + `", "status": "available", "size": 1, "share_proto": "NFS",
		"host": "manila-share-1@backend1#pool1", "task_state": null, "metadata": {}, "is_public": false,
		"created_at": "2026-01-02T03:04:05.000000"}}`)
}

// startable answers the reads StartMigration and StartShareMigration make
// before starting (GET of the share server testServerID and of the share
// testShareID) with an active share server and an available share, and
// passes every other request to handle.
func startable(handle func(w http.ResponseWriter, r *http.Request, body []byte)) func(w http.ResponseWriter, r *http.Request, body []byte) {
	return func(w http.ResponseWriter, r *http.Request, body []byte) {
		if r.Method == http.MethodGet {
			switch r.URL.Path {
			case "/v2/" + testProject + "/share-servers/" + testServerID:
				reply(w, http.StatusOK, activeServerBody(testServerID))
				return
			case "/v2/" + testProject + "/shares/" + testShareID:
				reply(w, http.StatusOK, availableShareBody(testShareID))
				return
			}
		}
		handle(w, r, body)
	}
}

// isRead reports whether r is one of the reads startable answers.
func isRead(r recorded) bool {
	return r.Method == http.MethodGet && (r.Path == "/v2/"+testProject+"/share-servers/"+testServerID ||
		r.Path == "/v2/"+testProject+"/shares/"+testShareID)
}

// withoutReads returns f's requests without the reads startable answers.
func (f *fake) withoutReads() []recorded {
	var out []recorded
	for _, r := range f.requests() {
		if !isRead(r) {
			out = append(out, r)
		}
	}
	return out
}

// startServer runs StartMigration and keeps its error.
func startServer(ctx context.Context, c *Client, id string, req *StartMigrationRequest) error {
	_, err := c.StartMigration(ctx, id, req)
	return err
}

// startShare runs StartShareMigration and keeps its error.
func startShare(ctx context.Context, c *Client, id string, req *StartShareMigrationRequest) error {
	_, err := c.StartShareMigration(ctx, id, req)
	return err
}
