package novatest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/fake/faketest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/nova"
	"github.com/cloudmigrate/cloudmigrate/nova/novatest"
)

const (
	serverA = "4cfba335-03d8-49b2-8c52-e69043d1e8fe"
	serverB = "9128d044-7b61-403e-b766-7547076ff6c1"
	serverC = "8600d31b-d1a1-4632-b2ff-45c2be1a70ff"
	host1   = "compute1"
	host2   = "compute2"
	host3   = "compute3"
)

// fastRetry keeps the SDK's retry waits tiny.
var fastRetry = cloudmigrate.WithRetryWait(time.Millisecond, 2*time.Millisecond)

// newFake starts a fake with three hosts and serverA running on host1, and
// returns it with a client that found the endpoint in the Keystone
// catalog.
func newFake(t *testing.T, opts ...novatest.Option) (*novatest.Server, *nova.Client) {
	t.Helper()
	srv := novatest.NewServer(opts...)
	t.Cleanup(srv.Close)
	srv.AddHost(host1, host2, host3)
	srv.AddServer(serverA, host1, novatest.StatusActive)
	c, err := nova.NewClientFromKeystone(context.Background(), srv.Authorizer(), "", "", fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// pinned returns a copy of c that sends microversion v.
func pinned(t *testing.T, c *nova.Client, v string) *nova.Client {
	t.Helper()
	p, err := c.WithMicroversion(v)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// stepping returns wait options that poll quickly and move the fake's clock
// by step after every poll, and the statuses seen.
func stepping(srv *novatest.Server, step time.Duration) ([]jobs.Option, *[]jobs.Status) {
	return faketest.Stepping(srv.Clock(), step)
}

func words(seen []jobs.Status) []string {
	var out []string
	for _, st := range seen {
		if len(out) == 0 || out[len(out)-1] != st.Word {
			out = append(out, st.Word)
		}
	}
	return out
}

func state(t *testing.T, srv *novatest.Server, id string) novatest.ServerInfo {
	t.Helper()
	info, ok := srv.ServerState(id)
	if !ok {
		t.Fatalf("server %s missing", id)
	}
	return info
}

func record(t *testing.T, srv *novatest.Server, id int) *nova.Migration {
	t.Helper()
	m, ok := srv.Migration(id)
	if !ok {
		t.Fatalf("migration %d missing", id)
	}
	return m
}

// only returns the single in-progress live migration of the server.
func only(t *testing.T, c *nova.Client, serverID string) nova.Migration {
	t.Helper()
	ms, err := c.ListServerMigrations(context.Background(), serverID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 {
		t.Fatalf("%d migrations in progress, want 1: %+v", len(ms), ms)
	}
	return ms[0]
}

// apiError asserts err is a *cloudmigrate.Error with status and code, a
// message and a request ID, and returns it.
func apiError(t *testing.T, err error, status int, code string) *cloudmigrate.Error {
	t.Helper()
	return faketest.APIError(t, err, status, code, "req-")
}

func str(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// answer is a raw HTTP answer of the fake.
type answer struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

// rawClient sends hand-made requests to the fake with a valid token.
type rawClient struct {
	srv *novatest.Server
	ks  *auth.Keystone
}

func newRaw(srv *novatest.Server) *rawClient { return &rawClient{srv: srv, ks: srv.Authorizer()} }

// send makes a raw request: path is below the server's URL, version ""
// sends no version header, body nil sends none.
func (rc *rawClient) send(t *testing.T, method, path, version string, body []byte) answer {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, rc.srv.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if version != "" {
		auth.ComputeHeaders(req.Header, auth.MustParseMicroversion(version))
	}
	if err := rc.ks.Authorize(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) answer {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &a.body); err != nil {
			t.Fatalf("%s %s: answer is not a JSON object: %v: %s", req.Method, req.URL.Path, err, raw)
		}
	}
	return a
}

// fault asserts a nova fault body {"<name>": {"code": status, "message"}}
// and returns the message.
func (a answer) fault(t *testing.T, status int, name string) string {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d: %s", a.status, status, a.raw)
	}
	if len(a.body) != 1 {
		t.Fatalf("fault body has %d keys, want 1: %s", len(a.body), a.raw)
	}
	inner, ok := a.body[name].(map[string]any)
	if !ok {
		t.Fatalf("fault body has no %q object: %s", name, a.raw)
	}
	if code, _ := inner["code"].(float64); int(code) != status {
		t.Errorf("fault code %v, want %d", inner["code"], status)
	}
	msg, _ := inner["message"].(string)
	if msg == "" {
		t.Errorf("fault without message: %s", a.raw)
	}
	if a.header.Get("X-Openstack-Request-Id") == "" {
		t.Errorf("no X-Openstack-Request-Id")
	}
	return msg
}

func sample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sampleObject decodes a sample and returns the object under key, or the
// first element when it is a list.
func sampleObject(t *testing.T, name, key string) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(sample(t, name), &doc); err != nil {
		t.Fatal(err)
	}
	switch v := doc[key].(type) {
	case map[string]any:
		return v
	case []any:
		return v[0].(map[string]any)
	}
	t.Fatalf("%s has no %q", name, key)
	return nil
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// errOf returns the error of a call that also returns a value, such as a
// start call and its operation handle.
func errOf[T any](_ T, err error) error { return err }
