package ecs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// The servers of the reference's batch examples.
var exampleServers = []string{"616fb98f-46ca-475e-917e-2563e5a8cd19", "726fb98f-46ca-475e-917e-2563e5a8cd20"}

// StopServers and StartServers send the reference's example bodies byte
// for byte (once white space is removed) and follow the job they answer
// with.
func TestServerActionsSendTheDocumentedBodies(t *testing.T) {
	for _, tc := range []struct {
		name, request, response, kind string
		call                          func(c *Client) (*jobs.Operation[*Job], error)
	}{
		{"stop", "stop_request_official_example.json", "stop_response_official_example.json", kindStopServers,
			func(c *Client) (*jobs.Operation[*Job], error) {
				return c.StopServers(context.Background(), exampleServers, &StopServersOptions{Type: StopHard})
			}},
		{"start", "start_request_official_example.json", "start_response_official_example.json", kindStartServers,
			func(c *Client) (*jobs.Operation[*Job], error) {
				return c.StartServers(context.Background(), exampleServers)
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, mt := newMockClient(t)
			var got captured
			mt.RegisterResponder(http.MethodPost, actionURL, jsonResponder(200, testdata(t, tc.response), "req-act", capture(t, &got)))
			op, err := tc.call(c)
			if err != nil {
				t.Fatal(err)
			}
			if got.path != "/v1/"+testProject+"/cloudservers/action" || !strings.HasPrefix(got.header.Get("Content-Type"), "application/json") {
				t.Errorf("request %s %s", got.path, got.header)
			}
			if want := compact(t, testdata(t, tc.request)); !bytes.Equal(got.body, want) {
				t.Errorf("body %s\nwant %s", got.body, want)
			}
			var req ServerActionRequest
			if err := json.Unmarshal(got.body, &req); err != nil {
				t.Fatal(err)
			}
			tok := op.Token()
			if op.ID() != "ff808082889bd9690189061140c235fe" || tok.Kind != tc.kind || tok.Service != "ecs" ||
				strings.Join(tok.Resources, ",") != strings.Join(exampleServers, ",") || tok.Target != "" {
				t.Errorf("handle %+v", tok)
			}
			if mt.GetTotalCallCount() != 1 {
				t.Errorf("%d requests, want 1", mt.GetTotalCallCount())
			}
		})
	}
}

// Without a type the stop leaves it to the service: the key is not sent.
func TestStopServersDefaultType(t *testing.T) {
	for _, opts := range []*StopServersOptions{nil, {}, {Type: StopSoft}} {
		c, mt := newMockClient(t)
		var got captured
		mt.RegisterResponder(http.MethodPost, actionURL, jsonResponder(200, testdata(t, "stop_response_official_example.json"), "", capture(t, &got)))
		if _, err := c.StopServers(context.Background(), []string{testServer}, opts); err != nil {
			t.Fatal(err)
		}
		want := `{"os-stop":{"servers":[{"id":"` + testServer + `"}]}}`
		if opts != nil && opts.Type == StopSoft {
			want = `{"os-stop":{"type":"SOFT","servers":[{"id":"` + testServer + `"}]}}`
		}
		if string(got.body) != want {
			t.Errorf("%+v: body %s, want %s", opts, got.body, want)
		}
	}
}

func TestServerActionValidation(t *testing.T) {
	c, mt := newMockClient(t)
	many := make([]string, MaxServersPerAction+1)
	for i := range many {
		many[i] = fmt.Sprintf("s%03d", i)
	}
	ctx := context.Background()
	cases := []struct {
		name  string
		call  func() error
		field string
	}{
		{"no servers", func() error { _, err := c.StopServers(ctx, nil, nil); return err }, "serverIDs"},
		{"too many", func() error { _, err := c.StartServers(ctx, many); return err }, "serverIDs"},
		{"repeated", func() error { _, err := c.StopServers(ctx, []string{"a", "b", "a"}, nil); return err }, "serverIDs[2]"},
		{"bad type", func() error {
			_, err := c.StopServers(ctx, []string{"a"}, &StopServersOptions{Type: "soft"})
			return err
		}, "opts.Type"},
	}
	for _, tc := range cases {
		var ve *cloudmigrate.ValidationError
		if err := tc.call(); !errors.As(err, &ve) || ve.Field != tc.field {
			t.Errorf("%s: %v, want a ValidationError for %s", tc.name, err, tc.field)
		}
	}
	if n := mt.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// The largest batch a call takes, with IDs of the longest length the
// path-ID rule allows, still makes a resume token that parses and
// resumes.
func TestLargestBatchTokenResumes(t *testing.T) {
	c, _ := newMockClient(t)
	ids := make([]string, MaxServersPerAction)
	for i := range ids {
		ids[i] = fmt.Sprintf("%0*d", maxIDLen, i)
	}
	tok := jobs.Token{Service: "ecs", Kind: kindStartServers, Endpoint: testEndpoint, Project: testProject,
		Resources: ids, ID: strings.Repeat("f", maxIDLen), Started: time.Now()}
	text := tok.Encode()
	if len(text) > jobs.MaxTokenLen {
		t.Fatalf("token of %d bytes, more than %d", len(text), jobs.MaxTokenLen)
	}
	op, err := c.ResumeServerAction(text)
	if err != nil || len(op.Token().Resources) != MaxServersPerAction {
		t.Fatalf("resume: %v", err)
	}
}

// A batch action changes servers: a server error or a lost answer is not
// resent; a busy answer is (the request provably did nothing).
func TestServerActionRetries(t *testing.T) {
	fast := cloudmigrate.WithRetryWait(time.Millisecond, 2*time.Millisecond)
	c, mt := newMockClient(t, cloudmigrate.WithRetry(3), fast)
	mt.RegisterResponder(http.MethodPost, actionURL, jsonResponder(500, []byte(`{"error":{"code":"Ecs.0002","message":"x"}}`), "", nil))
	if _, err := c.StopServers(context.Background(), []string{testServer}, nil); err == nil {
		t.Fatal("no error")
	}
	mt.RegisterResponder(http.MethodPost, actionURL, httpmock.NewErrorResponder(io.ErrUnexpectedEOF))
	if _, err := c.StartServers(context.Background(), []string{testServer}); err == nil {
		t.Fatal("no error")
	}
	if n := mt.GetTotalCallCount(); n != 2 {
		t.Errorf("%d requests, want 2 (one per call)", n)
	}
	mt.ZeroCallCounters()
	mt.RegisterResponder(http.MethodPost, actionURL,
		jsonResponder(501, []byte(`{"error":{"code":"Ecs.0603","message":"busy"}}`), "", nil).
			Then(jsonResponder(200, testdata(t, "stop_response_official_example.json"), "", nil)))
	if _, err := c.StopServers(context.Background(), []string{testServer}, nil); err != nil {
		t.Fatal(err)
	}
	if n := mt.GetTotalCallCount(); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
	mt.RegisterResponder(http.MethodPost, actionURL, jsonResponder(200, []byte(`{"job_id": "a/b"}`), "req-odd", nil))
	if _, err := c.StopServers(context.Background(), []string{testServer}, nil); err == nil ||
		!strings.Contains(err.Error(), "req-odd") || errors.As(err, new(*cloudmigrate.ValidationError)) {
		t.Errorf("an unusable job_id: %v", err)
	}
}

// actionHandle returns the handle of a stop of servers whose job is
// answered by job and whose listing by list.
func actionHandle(t *testing.T, job, list []byte, servers ...string) (*jobs.Operation[*Job], *httpmock.MockTransport) {
	t.Helper()
	c, mt := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, jobURL, jsonResponder(200, job, "", nil))
	mt.RegisterResponder(http.MethodGet, detailURL, jsonResponder(200, list, "", func(r *http.Request) {
		want := "limit=" + fmt.Sprint(len(servers)) + "&offset=1&server_id=" + strings.Join(servers, ",")
		if r.URL.RawQuery != strings.ReplaceAll(want, ",", "%2C") {
			t.Errorf("listing query %s, want %s", r.URL.RawQuery, want)
		}
	}))
	tok := jobs.Token{Service: "ecs", Kind: kindStopServers, Endpoint: testEndpoint, Project: testProject, Resources: servers, ID: testJob}
	op, err := c.ResumeServerAction(tok.Encode())
	if err != nil {
		t.Fatal(err)
	}
	return op, mt
}

// listing is a server list answer of servers with the given status and
// task state.
func listing(t *testing.T, servers ...map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"count": len(servers), "servers": servers})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A stop whose job reports SUCCESS still fails when a server is not
// stopped, is in ERROR or is gone, and goes on while one is still
// stopping.
func TestStopVerification(t *testing.T) {
	success := testdata(t, "job_success.json")
	cases := []struct {
		name    string
		list    []byte
		state   jobs.State
		code    string
		message string
	}{
		{"stopped", listing(t, map[string]any{"id": testServer, "status": "SHUTOFF"}), jobs.Succeeded, "", ""},
		{"still stopping", listing(t, map[string]any{"id": testServer, "status": "ACTIVE", "OS-EXT-STS:task_state": "powering-off"}),
			jobs.Running, "", ""},
		{"not stopped", listing(t, map[string]any{"id": testServer, "status": "ACTIVE"}), jobs.Failed, "",
			"job " + testJob + " reported SUCCESS but server " + testServer + " is ACTIVE, not SHUTOFF"},
		{"in error", listing(t, map[string]any{"id": testServer, "status": "ERROR", "fault": map[string]any{"code": 500, "message": "host down"}}),
			jobs.Failed, "500", "job " + testJob + " reported SUCCESS but server " + testServer + " is in ERROR: host down"},
		{"gone (only id and fault)", listing(t, map[string]any{"id": testServer, "status": nil, "fault": map[string]any{"code": 404}}),
			jobs.Failed, CodeServerNotFound, "job " + testJob + " reported SUCCESS but server " + testServer + " no longer exists"},
		{"missing from the list", listing(t), jobs.Failed, CodeServerNotFound,
			"job " + testJob + " reported SUCCESS but server " + testServer + " no longer exists"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			op, mt := actionHandle(t, success, tc.list, testServer)
			st, err := op.Poll(context.Background())
			if st.State != tc.state {
				t.Fatalf("state %v (%v), want %v", st.State, err, tc.state)
			}
			calls := mt.GetCallCountInfo()
			if calls["GET "+jobURL] != 1 || calls["GET "+detailURL] != 1 {
				t.Errorf("calls %v", calls)
			}
			if tc.state != jobs.Failed {
				return
			}
			var failed *jobs.FailedError
			if !errors.As(err, &failed) || failed.Status.Code != tc.code || failed.Status.Message != tc.message || failed.Status.Word != "SUCCESS" {
				t.Errorf("err %v (%+v)", err, failed)
			}
		})
	}
}

// A server that is gone when a migration's job has ended is a failure,
// not a poll error, and a poll error (a 5xx) leaves the handle running.
func TestMigrationVerificationEdges(t *testing.T) {
	c, mt := newMockClient(t, cloudmigrate.WithRetry(0))
	mt.RegisterResponder(http.MethodGet, jobURL, jsonResponder(200, testdata(t, "job_success.json"), "", nil))
	mt.RegisterResponder(http.MethodGet, serverURL, jsonResponder(503, []byte(`{"error":{"code":"Ecs.0002","message":"x"}}`), "", nil).
		Then(jsonResponder(404, testdata(t, "error_server_not_found.json"), "", nil)))
	tok := jobs.Token{Service: "ecs", Kind: kindColdMigrate, Endpoint: testEndpoint, Project: testProject,
		Resources: []string{testServer}, ID: testJob, Target: testHost}
	op, err := c.ResumeColdMigration(tok.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := op.Poll(context.Background()); !cloudmigrate.IsNotFound(err) && err == nil {
		t.Fatal("a 503 of the read gave no poll error")
	}
	if op.Done() {
		t.Fatal("a poll error ended the handle")
	}
	_, err = op.Poll(context.Background())
	var failed *jobs.FailedError
	if !errors.As(err, &failed) || failed.Status.Code != CodeServerNotFound || !strings.Contains(failed.Status.Message, "no longer exists") {
		t.Errorf("gone server: %v", err)
	}
	// The job was read once: once it has reported SUCCESS, later polls
	// read only the server.
	if n := mt.GetCallCountInfo()["GET "+jobURL]; n != 1 {
		t.Errorf("job read %d times, want 1", n)
	}
}

// A nil context is refused before anything is sent, by every call that
// sends.
func TestNilContextRefused(t *testing.T) {
	c, mt := newMockClient(t)
	var ctx context.Context
	calls := map[string]func() error{
		"ColdMigrate":  func() error { _, err := c.ColdMigrate(ctx, testServer, nil); return err },
		"GetServer":    func() error { _, err := c.GetServer(ctx, testServer); return err },
		"StopServers":  func() error { _, err := c.StopServers(ctx, []string{testServer}, nil); return err },
		"StartServers": func() error { _, err := c.StartServers(ctx, []string{testServer}); return err },
		"ListServers": func() error {
			for _, err := range c.ListServers(ctx, nil) {
				return err
			}
			return nil
		},
	}
	for name, call := range calls {
		var ve *cloudmigrate.ValidationError
		if err := call(); !errors.As(err, &ve) || ve.Field != "ctx" {
			t.Errorf("%s(nil): %v, want a ValidationError for ctx", name, err)
		}
	}
	if n := mt.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}
