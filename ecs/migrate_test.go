package ecs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/cloudmigrate/cloudmigrate"
)

// captured records what a mock received.
type captured struct {
	method, path string
	header       http.Header
	body         []byte
}

func capture(t *testing.T, into *captured) func(*http.Request) {
	return func(r *http.Request) {
		into.method, into.path, into.header = r.Method, r.URL.EscapedPath(), r.Header.Clone()
		if r.Body != nil {
			b, err := io.ReadAll(r.Body)
			if err != nil {
				t.Errorf("reading body: %v", err)
			}
			into.body = b
		}
	}
}

func TestColdMigrateToDedicatedHost(t *testing.T) {
	c, mt := newMockClient(t)
	registerServer(t, mt, nil)
	var got captured
	mt.RegisterResponder(http.MethodPost, migrateURL,
		jsonResponder(200, testdata(t, "migrate_response.json"), "req-migrate-1", capture(t, &got)))

	res, err := c.ColdMigrate(context.Background(), testServer, &ColdMigrateOptions{DedicatedHostID: testHost})
	if err != nil {
		t.Fatalf("ColdMigrate: %v", err)
	}
	if got.method != http.MethodPost {
		t.Errorf("method = %s", got.method)
	}
	if want := "/v1/" + testProject + "/cloudservers/" + testServer + "/migrate"; got.path != want {
		t.Errorf("path = %s, want %s", got.path, want)
	}
	if ct := got.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q", ct)
	}

	// The body is the seed's example request, field for field and byte for
	// byte once white space is removed.
	want := testdata(t, "migrate_request_dedicated_host.json")
	if !reflect.DeepEqual(decodeAny(t, got.body), decodeAny(t, want)) {
		t.Errorf("body = %s, want %s", got.body, want)
	}
	if !bytes.Equal(got.body, compact(t, want)) {
		t.Errorf("body bytes = %s, want %s", got.body, compact(t, want))
	}
	var req ColdMigrateRequest
	if err := json.Unmarshal(got.body, &req); err != nil {
		t.Fatal(err)
	}
	if req.Migrate == nil || req.Migrate.DedicatedHostID != testHost {
		t.Errorf("decoded request = %+v", req)
	}

	// The seed's example response: the handle follows its job.
	if res.ID() != "ff80808288d41e1b018990260955686a" || res.Done() {
		t.Errorf("handle ID %q, done %v", res.ID(), res.Done())
	}
	tok := res.Token()
	if tok.Service != "ecs" || tok.Kind != "cold-migrate" || tok.Endpoint != testEndpoint || tok.Project != testProject ||
		len(tok.Resources) != 1 || tok.Resources[0] != testServer || tok.Source != testSource || tok.Target != testHost ||
		tok.Started.IsZero() || time.Since(tok.Started) > time.Minute {
		t.Errorf("token %+v", tok)
	}
	// One read of the server, then the start.
	calls := mt.GetCallCountInfo()
	if calls["GET "+serverURL] != 1 || calls["POST "+migrateURL] != 1 || mt.GetTotalCallCount() != 2 {
		t.Errorf("calls %v", calls)
	}
}

func TestColdMigrateToPublicPool(t *testing.T) {
	for name, opts := range map[string]*ColdMigrateOptions{
		"nil options":   nil,
		"empty host ID": {},
	} {
		t.Run(name, func(t *testing.T) {
			c, mt := newMockClient(t)
			registerServer(t, mt, nil)
			var got captured
			mt.RegisterResponder(http.MethodPost, migrateURL,
				jsonResponder(200, testdata(t, "migrate_response.json"), "", capture(t, &got)))
			res, err := c.ColdMigrate(context.Background(), testServer, opts)
			if err != nil {
				t.Fatalf("ColdMigrate: %v", err)
			}
			// Exactly {"migrate":null}: the key is required, its value null.
			if string(got.body) != `{"migrate":null}` {
				t.Errorf("body = %s, want {\"migrate\":null}", got.body)
			}
			if !reflect.DeepEqual(decodeAny(t, got.body), decodeAny(t, testdata(t, "migrate_request_public_pool.json"))) {
				t.Errorf("body = %s differs from testdata", got.body)
			}
			if res.ID() != testJob || res.Token().Target != "" || res.Token().Source != testSource {
				t.Errorf("handle %+v", res.Token())
			}
		})
	}
}

func TestColdMigrateValidation(t *testing.T) {
	cases := []struct {
		name     string
		serverID string
		opts     *ColdMigrateOptions
		field    string
	}{
		{"empty server", "", nil, "serverID"},
		{"server with slash", "a/b", nil, "serverID"},
		{"server dot", ".", nil, "serverID"},
		{"server dot-dot", "..", nil, "serverID"},
		{"server with space", "abc def", nil, "serverID"},
		{"server with query", "abc?x=1", nil, "serverID"},
		{"server too long", strings.Repeat("a", maxIDLen+1), nil, "serverID"},
		{"server not UTF-8", "serv\xe9r", nil, "serverID"},
		{"host blank", testServer, &ColdMigrateOptions{DedicatedHostID: " "}, "opts.DedicatedHostID"},
		{"host with slash", testServer, &ColdMigrateOptions{DedicatedHostID: "../x"}, "opts.DedicatedHostID"},
		{"host with percent", testServer, &ColdMigrateOptions{DedicatedHostID: "a%2Fb"}, "opts.DedicatedHostID"},
		{"host too long", testServer, &ColdMigrateOptions{DedicatedHostID: strings.Repeat("h", maxIDLen+1)}, "opts.DedicatedHostID"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, mt := newMockClient(t)
			mt.RegisterNoResponder(httpmock.NewStringResponder(200, `{"job_id":"x"}`))
			res, err := c.ColdMigrate(context.Background(), tc.serverID, tc.opts)
			var ve *cloudmigrate.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v (%T), want *cloudmigrate.ValidationError", err, err)
			}
			if ve.Field != tc.field {
				t.Errorf("Field = %q, want %q", ve.Field, tc.field)
			}
			if res != nil {
				t.Errorf("result = %+v, want nil", res)
			}
			if n := mt.GetTotalCallCount(); n != 0 {
				t.Errorf("%d requests sent, want 0", n)
			}
		})
	}
}

// An unknown server is found by the read that comes first; no start is
// sent.
func TestColdMigrateNotFound(t *testing.T) {
	c, mt := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, serverURL,
		jsonResponder(404, testdata(t, "error_server_not_found.json"), "req-404-abc", nil))
	res, err := c.ColdMigrate(context.Background(), testServer, &ColdMigrateOptions{DedicatedHostID: testHost})
	if res != nil {
		t.Errorf("result = %+v, want nil", res)
	}
	var apiErr *cloudmigrate.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v (%T), want *cloudmigrate.Error", err, err)
	}
	if apiErr.StatusCode != 404 || apiErr.Code != CodeServerNotFound || apiErr.RequestID != "req-404-abc" {
		t.Errorf("error = %+v", apiErr)
	}
	if want := "Instance[" + testServer + "] could not be found."; apiErr.Message != want {
		t.Errorf("Message = %q, want %q", apiErr.Message, want)
	}
	if len(apiErr.Details) != 1 || !strings.HasPrefix(apiErr.Details[0], "Ecs.0114: ") {
		t.Errorf("Details = %q", apiErr.Details)
	}
	if apiErr.Method != http.MethodGet || apiErr.URL != serverURL || apiErr.Attempts != 1 {
		t.Errorf("Method/URL/Attempts = %s %s %d", apiErr.Method, apiErr.URL, apiErr.Attempts)
	}
	if !cloudmigrate.IsNotFound(err) {
		t.Error("IsNotFound = false")
	}
	if n := mt.GetTotalCallCount(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// Each documented refusal reaches the caller with its code, after a single
// attempt.
func TestColdMigrateDocumentedCodes(t *testing.T) {
	cases := []struct {
		status int
		code   string
	}{
		{400, CodeServerNotStopped},
		{400, CodeSameHost},
		{404, CodeServerNotFound},
		{400, CodeServerLocked},
	}
	for _, tc := range cases {
		t.Run(tc.code, func(t *testing.T) {
			c, mt := newMockClient(t)
			registerServer(t, mt, nil)
			body := `{"error":{"code":"` + tc.code + `","message":"refused"}}`
			mt.RegisterResponder(http.MethodPost, migrateURL, jsonResponder(tc.status, []byte(body), "req-"+tc.code, nil))
			_, err := c.ColdMigrate(context.Background(), testServer, nil)
			var apiErr *cloudmigrate.Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v", err)
			}
			if apiErr.Code != tc.code || apiErr.StatusCode != tc.status || apiErr.Message != "refused" || apiErr.RequestID != "req-"+tc.code {
				t.Errorf("error = %+v", apiErr)
			}
			if n := mt.GetCallCountInfo()["POST "+migrateURL]; n != 1 {
				t.Errorf("%d starts, want 1", n)
			}
		})
	}
}

// A migration start answered with a server error may have started the
// migration, so it is never sent again.
func TestColdMigrateServerErrorSentOnce(t *testing.T) {
	for _, status := range []int{500, 502, 503, 504} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			c, mt := newMockClient(t, cloudmigrate.WithRetry(4), cloudmigrate.WithRetryWait(time.Millisecond, 2*time.Millisecond))
			registerServer(t, mt, nil)
			mt.RegisterResponder(http.MethodPost, migrateURL,
				jsonResponder(status, []byte(`{"error":{"code":"Ecs.0002","message":"task submission failed"}}`), "req-5xx", nil))
			_, err := c.ColdMigrate(context.Background(), testServer, &ColdMigrateOptions{DedicatedHostID: testHost})
			var apiErr *cloudmigrate.Error
			if !errors.As(err, &apiErr) || apiErr.StatusCode != status || apiErr.Attempts != 1 {
				t.Fatalf("err = %#v", err)
			}
			if n := mt.GetCallCountInfo()["POST "+migrateURL]; n != 1 {
				t.Errorf("POST sent %d times, want exactly 1", n)
			}
		})
	}
}

// A connection lost after the request was written is not retried either.
func TestColdMigrateLostAnswerSentOnce(t *testing.T) {
	c, mt := newMockClient(t, cloudmigrate.WithRetry(4), cloudmigrate.WithRetryWait(time.Millisecond, 2*time.Millisecond))
	registerServer(t, mt, nil)
	mt.RegisterResponder(http.MethodPost, migrateURL, httpmock.NewErrorResponder(io.ErrUnexpectedEOF))
	if _, err := c.ColdMigrate(context.Background(), testServer, nil); err == nil {
		t.Fatal("ColdMigrate succeeded")
	}
	if n := mt.GetCallCountInfo()["POST "+migrateURL]; n != 1 {
		t.Errorf("POST sent %d times, want exactly 1", n)
	}
}

// Ecs.0603 (busy) says the request was refused before anything started,
// so the pipeline resends it like a throttled request.
func TestColdMigrateBusyRetried(t *testing.T) {
	c, mt := newMockClient(t, cloudmigrate.WithRetry(2), cloudmigrate.WithRetryWait(time.Millisecond, 2*time.Millisecond))
	registerServer(t, mt, nil)
	busy := jsonResponder(501, []byte(`{"error":{"code":"Ecs.0603","message":"other commands are running"}}`), "req-busy", nil)
	mt.RegisterResponder(http.MethodPost, migrateURL,
		busy.Then(jsonResponder(200, testdata(t, "migrate_response.json"), "req-ok", nil)))
	res, err := c.ColdMigrate(context.Background(), testServer, nil)
	if err != nil {
		t.Fatalf("ColdMigrate: %v", err)
	}
	if res.ID() != testJob {
		t.Errorf("handle ID %q", res.ID())
	}
	if n := mt.GetCallCountInfo()["POST "+migrateURL]; n != 2 {
		t.Errorf("%d starts, want 2", n)
	}

	// When the service stays busy, the caller gets CodeBusy.
	c, mt = newMockClient(t, cloudmigrate.WithRetry(1), cloudmigrate.WithRetryWait(time.Millisecond, 2*time.Millisecond))
	registerServer(t, mt, nil)
	mt.RegisterResponder(http.MethodPost, migrateURL, busy)
	_, err = c.ColdMigrate(context.Background(), testServer, nil)
	var apiErr *cloudmigrate.Error
	if !errors.As(err, &apiErr) || apiErr.Code != CodeBusy || apiErr.StatusCode != 501 || apiErr.Attempts != 2 {
		t.Fatalf("err = %#v", err)
	}
	if !cloudmigrate.IsThrottled(err) {
		t.Error("IsThrottled = false for CodeBusy")
	}
}

func TestColdMigrateAnswerWithoutJobID(t *testing.T) {
	c, mt := newMockClient(t)
	registerServer(t, mt, nil)
	mt.RegisterResponder(http.MethodPost, migrateURL, jsonResponder(200, []byte(`{"job_id":null}`), "req-empty", nil))
	res, err := c.ColdMigrate(context.Background(), testServer, nil)
	if err == nil || res != nil {
		t.Fatalf("ColdMigrate = %+v, %v; want an error", res, err)
	}
	if !strings.Contains(err.Error(), "job_id") || !strings.Contains(err.Error(), "req-empty") {
		t.Errorf("error %q does not name the missing job_id and the request", err)
	}
}

func TestColdMigrateCancelledContext(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Write(testdata(t, "migrate_response.json"))
	}))
	defer srv.Close()
	c, err := NewClient(srv.URL, testProject, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.ColdMigrate(ctx, testServer, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("server saw %d requests, want 0", n)
	}
}
