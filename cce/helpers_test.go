package cce

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
)

const (
	testProject = "0970dd7a1300f5672ff2c003c60ae115"
	testToken   = "test-token-value"
	srcCluster  = "6951bd5c-45ed-11ea-a3ff-0255ac100b05"
	dstCluster  = "7a02c1d4-45ed-11ea-a3ff-0255ac100b05"
	testJobID   = "2ec9b78d-9368-46f3-8f29-d1a95622a568"
)

// seen is one request as the test server received it.
type seen struct {
	Method  string
	Path    string // escaped path as sent
	Query   string
	Header  http.Header
	Body    []byte
	Counter int
}

// fake is an httptest server that records every request and answers with
// reply.
//
// A fake from newFake answers the node lists MigrateNodes reads before it
// starts (GET .../clusters/{cluster_id}/nodes) by itself, with the list
// setNodes gave for the cluster or an empty one, and keeps those reads
// apart: requests, count and only see the other requests, reads sees
// these. A fake from newRawFake hands every request to reply.
type fake struct {
	t     *testing.T
	srv   *httptest.Server
	mu    sync.Mutex
	reqs  []seen
	lists map[string]string // cluster ID to its node list, for newFake
	reads []seen
}

func newFake(t *testing.T, reply http.HandlerFunc) *fake {
	t.Helper()
	f := &fake{t: t, lists: map[string]string{}}
	f.start(reply)
	return f
}

func newRawFake(t *testing.T, reply http.HandlerFunc) *fake {
	t.Helper()
	f := &fake{t: t}
	f.start(reply)
	return f
}

// nodeListPath matches the path of a cluster's node list.
var nodeListPath = regexp.MustCompile(`^/api/v3/projects/[^/]+/clusters/([^/]+)/nodes$`)

func (f *fake) start(reply http.HandlerFunc) {
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		req := seen{
			Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery,
			Header: r.Header.Clone(), Body: body,
		}
		if m := nodeListPath.FindStringSubmatch(r.URL.Path); f.lists != nil && r.Method == http.MethodGet && m != nil {
			req.Counter = len(f.reads) + 1
			f.reads = append(f.reads, req)
			list, ok := f.lists[m[1]]
			f.mu.Unlock()
			if !ok {
				list = `{"kind":"List","apiVersion":"v3","items":[]}`
			}
			replyJSON(http.StatusOK, list)(w, r)
			return
		}
		req.Counter = len(f.reqs) + 1
		f.reqs = append(f.reqs, req)
		f.mu.Unlock()
		reply(w, r)
	}))
	f.t.Cleanup(f.srv.Close)
}

// setNodes makes a fake from newFake list body as the nodes of cluster.
func (f *fake) setNodes(cluster, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lists[cluster] = body
}

// listReads returns the node-list reads a fake from newFake answered.
func (f *fake) listReads() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.reads...)
}

// client returns a token-authorized client for the fake with fast retries.
func (f *fake) client(opts ...cloudmigrate.Option) *Client {
	f.t.Helper()
	all := append([]cloudmigrate.Option{cloudmigrate.WithRetryWait(time.Millisecond, 2*time.Millisecond)}, opts...)
	c, err := NewClient(f.srv.URL, testProject, auth.StaticToken(testToken), all...)
	if err != nil {
		f.t.Fatalf("NewClient: %v", err)
	}
	return c
}

func (f *fake) requests() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.reqs...)
}

func (f *fake) count() int { return len(f.requests()) }

// only returns the single request received, failing if there was not
// exactly one.
func (f *fake) only() seen {
	f.t.Helper()
	r := f.requests()
	if len(r) != 1 {
		f.t.Fatalf("server got %d requests, want 1", len(r))
	}
	return r[0]
}

// replyJSON answers status with body.
func replyJSON(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "req-"+r.Method)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeAny(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
	return v
}

// sameJSON fails unless got and want decode to equal values.
func sameJSON(t *testing.T, got, want []byte) {
	t.Helper()
	g, w := decodeAny(t, got), decodeAny(t, want)
	if !reflect.DeepEqual(g, w) {
		t.Errorf("JSON differs\n got: %s\nwant: %s", got, want)
	}
}

// wantValidation fails unless err is a *cloudmigrate.ValidationError for
// field.
func wantValidation(t *testing.T, err error, field string) {
	t.Helper()
	var ve *cloudmigrate.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v (%T), want *cloudmigrate.ValidationError for %s", err, err, field)
	}
	if ve.Field != field {
		t.Fatalf("ValidationError.Field = %q, want %q (problem: %s)", ve.Field, field, ve.Problem)
	}
}
