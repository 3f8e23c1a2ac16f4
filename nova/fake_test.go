package nova_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/nova"
)

// call is one request the fake received (discovery excluded).
type call struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   []byte
}

type route struct {
	method, path string
	h            func(w http.ResponseWriter, r *http.Request, body []byte)
}

// fake is a scripted compute endpoint at <srv>/v2.1. GET /v2.1/ serves
// the version document (counted in discoveries); every other request is
// recorded and answered by the first matching route, or 404 itemNotFound.
type fake struct {
	t   testing.TB
	srv *httptest.Server

	mu          sync.Mutex
	calls       []*call
	routes      []route
	versionDoc  []byte
	discoveries int
}

const reqID = "req-3f1a2b4c-0000-4000-8000-000000000001"

func newFake(t testing.TB) *fake {
	t.Helper()
	f := &fake{t: t, versionDoc: sample(t, "versions/v21-version-get-resp.json")}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("X-Openstack-Request-Id", reqID)
	w.Header().Set("X-Compute-Request-Id", reqID)
	if r.Method == http.MethodGet && (r.URL.Path == "/v2.1/" || r.URL.Path == "/") {
		f.mu.Lock()
		f.discoveries++
		doc := f.versionDoc
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(doc)
		return
	}
	f.mu.Lock()
	f.calls = append(f.calls, &call{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body})
	var h func(http.ResponseWriter, *http.Request, []byte)
	for _, rt := range f.routes {
		if rt.method == r.Method && rt.path == r.URL.Path {
			h = rt.h
			break
		}
	}
	f.mu.Unlock()
	if h == nil {
		writeJSON(w, http.StatusNotFound, []byte(`{"itemNotFound": {"code": 404, "message": "no route in the test fake"}}`))
		return
	}
	h(w, r, body)
}

// on registers a handler for method and path (path below the server root,
// such as "/v2.1/servers/s1/migrations").
func (f *fake) on(method, path string, h func(w http.ResponseWriter, r *http.Request, body []byte)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.routes = append(f.routes, route{method, path, h})
}

// reply registers a fixed answer.
func (f *fake) reply(method, path string, status int, body []byte) {
	f.on(method, path, func(w http.ResponseWriter, _ *http.Request, _ []byte) { writeJSON(w, status, body) })
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	if body != nil {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (f *fake) recorded() []*call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*call(nil), f.calls...)
}

func (f *fake) discoveryCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.discoveries
}

func (f *fake) setVersionDoc(b []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.versionDoc = b
}

func (f *fake) endpoint() string { return f.srv.URL + "/v2.1" }

// client returns a client for the fake with fast retries. A non-empty mv
// pins the microversion.
func (f *fake) client(mv string, opts ...cloudmigrate.Option) *nova.Client {
	f.t.Helper()
	all := []cloudmigrate.Option{
		cloudmigrate.WithHTTPClient(f.srv.Client()),
		cloudmigrate.WithRetryWait(time.Millisecond, 2*time.Millisecond),
	}
	if mv != "" {
		all = append(all, cloudmigrate.WithMicroversion(mv))
	}
	c, err := nova.NewClient(f.endpoint(), auth.StaticToken("tok-123"), append(all, opts...)...)
	if err != nil {
		f.t.Fatalf("NewClient: %v", err)
	}
	return c
}

// only returns the single recorded call, failing otherwise.
func (f *fake) only() *call {
	f.t.Helper()
	calls := f.recorded()
	if len(calls) != 1 {
		f.t.Fatalf("got %d requests, want 1: %s", len(calls), describe(calls))
	}
	return calls[0]
}

func (f *fake) none() {
	f.t.Helper()
	if calls := f.recorded(); len(calls) != 0 {
		f.t.Fatalf("got %d requests, want none: %s", len(calls), describe(calls))
	}
}

func describe(calls []*call) string {
	var b bytes.Buffer
	for _, c := range calls {
		b.WriteString(c.Method + " " + c.Path)
		if c.Query != "" {
			b.WriteString("?" + c.Query)
		}
		b.WriteString("; ")
	}
	return b.String()
}

// check asserts method, path, query and the headers every request carries.
func (c *call) check(t testing.TB, method, path, query, mv string) {
	t.Helper()
	if c.Method != method || c.Path != path || c.Query != query {
		t.Errorf("request %s %s?%s, want %s %s?%s", c.Method, c.Path, c.Query, method, path, query)
	}
	for k, want := range map[string]string{
		"X-Auth-Token":                 "tok-123",
		"Openstack-Api-Version":        "compute " + mv,
		"X-Openstack-Nova-Api-Version": mv,
		"Accept":                       "application/json",
	} {
		if got := c.Header.Values(k); len(got) != 1 || got[0] != want {
			t.Errorf("%s %s: header %s = %q, want %q", method, path, k, got, want)
		}
	}
	if len(c.Body) > 0 {
		if got := c.Header.Get("Content-Type"); got != "application/json" {
			t.Errorf("Content-Type = %q", got)
		}
	} else if method == http.MethodPost {
		t.Errorf("POST %s sent no body", path)
	}
}

func sample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(name)))
	if err != nil {
		t.Fatalf("reading sample: %v", err)
	}
	return b
}

// jsonEqual compares two JSON documents by value.
func jsonEqual(t testing.TB, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("sent body is not JSON: %v: %s", err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("sample is not JSON: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("body sent:\n%s\nwant (by value):\n%s", got, want)
	}
}

func str(s string) *string { return &s }
func i64(v int64) *int64   { return &v }
func num(v int) *int       { return &v }
func yes(b bool) *bool     { return &b }

// at builds a UTC time from nova's zone-less form.
func at(t testing.TB, s string) nova.Time {
	t.Helper()
	v, err := time.Parse("2006-01-02T15:04:05", s)
	if err != nil {
		t.Fatal(err)
	}
	return nova.Time{Time: v.UTC()}
}

// sameMigrations compares decoded migrations field by field.
func sameMigrations(t testing.TB, got, want []nova.Migration) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d migrations, want %d:\n%s", len(got), len(want), show(got))
	}
	for i := range want {
		sameMigration(t, &got[i], &want[i])
	}
}

func sameMigration(t testing.TB, got, want *nova.Migration) {
	t.Helper()
	gv, wv := reflect.ValueOf(got).Elem(), reflect.ValueOf(want).Elem()
	for i := 0; i < gv.NumField(); i++ {
		name := gv.Type().Field(i).Name
		g, w := gv.Field(i).Interface(), wv.Field(i).Interface()
		if gt, ok := g.(nova.Time); ok {
			if !gt.Equal(w.(nova.Time).Time) || gt.Location() != time.UTC {
				t.Errorf("migration %d: %s = %v (%v), want %v", want.ID, name, gt, gt.Location(), w)
			}
			continue
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("migration %d: %s = %s, want %s", want.ID, name, showValue(g), showValue(w))
		}
	}
}

func showValue(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func show(ms []nova.Migration) string {
	b, _ := json.MarshalIndent(ms, "", "  ")
	return string(b)
}

// asValidation asserts err is a *cloudmigrate.ValidationError on field.
func asValidation(t testing.TB, err error, field string) {
	t.Helper()
	var ve *cloudmigrate.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T), want *cloudmigrate.ValidationError", err, err)
	}
	if ve.Field != field {
		t.Errorf("ValidationError.Field = %q, want %q (%v)", ve.Field, field, err)
	}
}

// asVersion asserts err is a *cloudmigrate.VersionError.
func asVersion(t testing.TB, err error) *cloudmigrate.VersionError {
	t.Helper()
	var ve *cloudmigrate.VersionError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T), want *cloudmigrate.VersionError", err, err)
	}
	return ve
}

// idleServer makes the fake answer the reads a start makes first: the
// server, ACTIVE on compute1 with no task, and its migration records, none.
func (f *fake) idleServer(id string) {
	f.reply("GET", "/v2.1/servers/"+id, 200, []byte(`{"server": {"id": "`+id+`", "status": "ACTIVE",
		"OS-EXT-SRV-ATTR:host": "compute1", "OS-EXT-STS:task_state": null, "OS-EXT-STS:vm_state": "active"}}`))
	f.reply("GET", "/v2.1/os-migrations", 200, []byte(`{"migrations": []}`))
}

// posts returns the POST requests recorded.
func (f *fake) posts() []*call {
	var out []*call
	for _, c := range f.recorded() {
		if c.Method == http.MethodPost {
			out = append(out, c)
		}
	}
	return out
}

// onlyPost returns the single POST recorded, failing otherwise.
func (f *fake) onlyPost() *call {
	f.t.Helper()
	p := f.posts()
	if len(p) != 1 {
		f.t.Fatalf("got %d POST requests, want 1: %s", len(p), describe(f.recorded()))
	}
	return p[0]
}

// errOf returns the error of a call that also returns a value, such as a
// start call and its operation handle.
func errOf[T any](_ T, err error) error { return err }
