package manila

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
)

const sampleDir = "share-server-migration/"

// sampleServer answers every action with the api-ref sample for it, or
// with status alone when there is no response sample.
func sampleServer(t *testing.T) *fake {
	t.Helper()
	return newFake(t, startable(func(w http.ResponseWriter, r *http.Request, body []byte) {
		if r.Method != http.MethodPost || r.URL.Path != actionPath(testServerID) {
			reply(w, http.StatusNotFound, []byte(`{"itemNotFound": {"code": 404, "message": "no such path"}}`))
			return
		}
		switch actionName(t, body) {
		case "migration_check":
			reply(w, 200, testdata(t, sampleDir+"share-server-migration-check-compatibility-response.json"))
		case "migration_start", "migration_cancel", "reset_task_state":
			reply(w, 202, nil)
		case "migration_complete":
			reply(w, 200, testdata(t, sampleDir+"share-server-migration-complete-response.json"))
		case "migration_get_progress":
			reply(w, 200, testdata(t, sampleDir+"share-server-migration-get-progress-response.json"))
		default:
			reply(w, 400, []byte(`{"badRequest": {"code": 400, "message": "unknown action"}}`))
		}
	}))
}

// onePost returns the only request f received (besides the read of the
// share server a start makes first), a POST to the action URL with both
// manila headers at version.
func onePost(t *testing.T, f *fake, version string) recorded {
	t.Helper()
	reqs := f.withoutReads()
	if len(reqs) != 1 {
		t.Fatalf("%d requests sent, want 1: %+v", len(reqs), reqs)
	}
	r := reqs[0]
	if r.Method != http.MethodPost || r.Path != actionPath(testServerID) {
		t.Fatalf("sent %s %s, want POST %s", r.Method, r.Path, actionPath(testServerID))
	}
	checkShareHeaders(t, r, version, true)
	return r
}

func TestCheckMigrationSample(t *testing.T) {
	f := sampleServer(t)
	c := newPinned(t, f, "2.57")
	// The request sample, field by field.
	got, err := c.CheckMigration(context.Background(), testServerID, &CheckMigrationRequest{
		Host:              "foohost2@backend2",
		Writable:          true,
		Nondisruptive:     true,
		PreserveSnapshots: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	r := onePost(t, f, "2.57")
	want := normalizeFlags(decodeAny(t, testdata(t, sampleDir+"share-server-migration-check-compatibility-request.json")))
	sameJSON(t, r.Body, want)
	// new_share_network_id must be present as null, not left out.
	if !strings.Contains(string(r.Body), `"new_share_network_id":null`) {
		t.Errorf("body %s lacks an explicit null new_share_network_id", r.Body)
	}

	// The response sample, every field.
	if got.Compatible {
		t.Error("Compatible = true, want false")
	}
	rc := got.RequestedCapabilities
	if rc.Writable == nil || !*rc.Writable || rc.Nondisruptive == nil || !*rc.Nondisruptive ||
		rc.PreserveSnapshots == nil || !*rc.PreserveSnapshots {
		t.Errorf("requested flags = %v %v %v, want all true", rc.Writable, rc.Nondisruptive, rc.PreserveSnapshots)
	}
	if rc.ShareNetworkID != "" || rc.Host != "foohost2@backend2" {
		t.Errorf("requested = %+v", rc)
	}
	sc := got.SupportedCapabilities
	checks := []struct {
		name string
		got  *bool
		want bool
	}{
		{"writable", sc.Writable, true},
		{"nondisruptive", sc.Nondisruptive, false},
		{"preserve_snapshots", sc.PreserveSnapshots, true},
		{"migration_cancel", sc.MigrationCancel, true},
		{"migration_get_progress", sc.MigrationGetProgress, true},
	}
	for _, ch := range checks {
		if ch.got == nil || *ch.got != ch.want {
			t.Errorf("supported %s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
	if sc.ShareNetworkID != "1d04b755-649f-46a4-964c-be9f0395af13" {
		t.Errorf("supported share_network_id = %q", sc.ShareNetworkID)
	}
}

func TestCheckMigrationSendsNetworkID(t *testing.T) {
	f := sampleServer(t)
	c := newPinned(t, f, "2.57")
	_, err := c.CheckMigration(context.Background(), testServerID, &CheckMigrationRequest{
		Host: "h@b", NewShareNetworkID: "net-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	r := onePost(t, f, "2.57")
	sameJSON(t, r.Body, map[string]any{"migration_check": map[string]any{
		"host": "h@b", "writable": false, "nondisruptive": false, "preserve_snapshots": false,
		"new_share_network_id": "net-1",
	}})
}

func TestCheckMigrationNullCapabilities(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		reply(w, 200, []byte(`{"compatible": false,
			"requested_capabilities": {"writable": false, "nondisruptive": "no", "preserve_snapshots": true,
				"share_network_id": "net-9", "host": "h@b"},
			"supported_capabilities": {"writable": null, "nondisruptive": null, "preserve_snapshots": null,
				"share_network_id": null, "migration_cancel": null, "migration_get_progress": null}}`))
	})
	c := newPinned(t, f, "2.57")
	got, err := c.CheckMigration(context.Background(), testServerID, &CheckMigrationRequest{Host: "h@b"})
	if err != nil {
		t.Fatal(err)
	}
	rc := got.RequestedCapabilities
	if rc.Writable == nil || *rc.Writable || rc.Nondisruptive == nil || *rc.Nondisruptive ||
		rc.PreserveSnapshots == nil || !*rc.PreserveSnapshots || rc.ShareNetworkID != "net-9" || rc.Host != "h@b" {
		t.Errorf("requested = %+v", rc)
	}
	sc := got.SupportedCapabilities
	if sc.Writable != nil || sc.Nondisruptive != nil || sc.PreserveSnapshots != nil ||
		sc.MigrationCancel != nil || sc.MigrationGetProgress != nil || sc.ShareNetworkID != "" {
		t.Errorf("supported = %+v, want all unset", sc)
	}
}

func TestCheckMigrationBadFlag(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		reply(w, 200, []byte(`{"compatible": true, "requested_capabilities": {"writable": "maybe"}, "supported_capabilities": {}}`))
	})
	c := newPinned(t, f, "2.57")
	_, err := c.CheckMigration(context.Background(), testServerID, &CheckMigrationRequest{Host: "h@b"})
	if err == nil || !strings.Contains(err.Error(), "writable") {
		t.Fatalf("err = %v, want a decoding error naming writable", err)
	}
}

func TestStartMigrationSample(t *testing.T) {
	f := sampleServer(t)
	c := newPinned(t, f, "2.57")
	err := startServer(context.Background(), c, testServerID, &StartMigrationRequest{
		Host:              "foohost2@backend2",
		Writable:          true,
		Nondisruptive:     false,
		PreserveSnapshots: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	r := onePost(t, f, "2.57")
	want := normalizeFlags(decodeAny(t, testdata(t, sampleDir+"share-server-migration-start-request.json")))
	sameJSON(t, r.Body, want)
}

func TestStartMigrationFromCheckRequest(t *testing.T) {
	f := sampleServer(t)
	c := newPinned(t, f, "2.57")
	check := &CheckMigrationRequest{Host: "h@b", Writable: true, NewShareNetworkID: "n1"}
	if err := startServer(context.Background(), c, testServerID, (*StartMigrationRequest)(check)); err != nil {
		t.Fatal(err)
	}
	r := onePost(t, f, "2.57")
	sameJSON(t, r.Body, map[string]any{"migration_start": map[string]any{
		"host": "h@b", "writable": true, "nondisruptive": false, "preserve_snapshots": false,
		"new_share_network_id": "n1",
	}})
}

func TestCompleteMigrationSample(t *testing.T) {
	f := sampleServer(t)
	c := newPinned(t, f, "2.57")
	got, err := c.CompleteMigration(context.Background(), testServerID)
	if err != nil {
		t.Fatal(err)
	}
	r := onePost(t, f, "2.57")
	sameJSON(t, r.Body, decodeAny(t, testdata(t, sampleDir+"share-server-migration-complete-request.json")))
	if got.DestinationShareServerID != testDestID {
		t.Errorf("DestinationShareServerID = %q", got.DestinationShareServerID)
	}
}

func TestGetMigrationProgressSample(t *testing.T) {
	f := sampleServer(t)
	c := newPinned(t, f, "2.57")
	got, err := c.GetMigrationProgress(context.Background(), testServerID)
	if err != nil {
		t.Fatal(err)
	}
	r := onePost(t, f, "2.57")
	sameJSON(t, r.Body, decodeAny(t, testdata(t, sampleDir+"share-server-migration-get-progress-request.json")))
	want := MigrationProgress{TotalProgress: 50, TaskState: TaskStateMigrationDriverInProgress, DestinationShareServerID: testDestID}
	if *got != want {
		t.Errorf("progress = %+v, want %+v", *got, want)
	}
}

func TestGetMigrationProgressEarly(t *testing.T) {
	cases := map[string]MigrationProgress{
		`{"total_progress": 0, "task_state": "", "destination_share_server_id": ""}`:        {},
		`{"total_progress": null, "task_state": null, "destination_share_server_id": null}`: {},
		`{"total_progress": 37.9, "task_state": "migration_driver_in_progress", "destination_share_server_id": "d"}`: {
			TotalProgress: 37, TaskState: TaskStateMigrationDriverInProgress, DestinationShareServerID: "d"},
		`{"total_progress": "64", "task_state": "migration_driver_in_progress", "destination_share_server_id": "d"}`: {
			TotalProgress: 64, TaskState: TaskStateMigrationDriverInProgress, DestinationShareServerID: "d"},
	}
	for body, want := range cases {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { reply(w, 200, []byte(body)) })
		c := newPinned(t, f, "2.57")
		got, err := c.GetMigrationProgress(context.Background(), testServerID)
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if *got != want {
			t.Errorf("%s: got %+v, want %+v", body, *got, want)
		}
	}
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		reply(w, 200, []byte(`{"total_progress": "lots", "task_state": "x"}`))
	})
	if _, err := newPinned(t, f, "2.57").GetMigrationProgress(context.Background(), testServerID); err == nil {
		t.Error("a non-numeric total_progress decoded without error")
	}
}

func TestCancelMigrationSample(t *testing.T) {
	f := sampleServer(t)
	c := newPinned(t, f, "2.57")
	if err := c.CancelMigration(context.Background(), testServerID); err != nil {
		t.Fatal(err)
	}
	r := onePost(t, f, "2.57")
	sameJSON(t, r.Body, decodeAny(t, testdata(t, sampleDir+"share-server-migration-cancel-request.json")))
}

func TestResetTaskState(t *testing.T) {
	for _, tc := range []struct {
		state *TaskState
		want  any
	}{
		{nil, nil},
		{ptr(TaskStateMigrationError), "migration_error"},
		{ptr(TaskStateMigrationDriverPhase1Done), "migration_driver_phase1_done"},
	} {
		f := sampleServer(t)
		c := newPinned(t, f, "2.57")
		if err := c.ResetTaskState(context.Background(), testServerID, tc.state); err != nil {
			t.Fatal(err)
		}
		r := onePost(t, f, "2.57")
		sameJSON(t, r.Body, map[string]any{"reset_task_state": map[string]any{"task_state": tc.want}})
	}
}

func ptr[T any](v T) *T { return &v }

// TestExactSuccessCodes checks that each action accepts only the status
// the service really answers with.
func TestExactSuccessCodes(t *testing.T) {
	ops := map[string]struct {
		ok  int
		run func(*Client) error
	}{
		"CheckMigration": {200, func(c *Client) error {
			_, err := c.CheckMigration(context.Background(), testServerID, &CheckMigrationRequest{Host: "h@b"})
			return err
		}},
		"StartMigration": {202, func(c *Client) error {
			return startServer(context.Background(), c, testServerID, &StartMigrationRequest{Host: "h@b"})
		}},
		"CompleteMigration": {200, func(c *Client) error {
			_, err := c.CompleteMigration(context.Background(), testServerID)
			return err
		}},
		"GetMigrationProgress": {200, func(c *Client) error {
			_, err := c.GetMigrationProgress(context.Background(), testServerID)
			return err
		}},
		"CancelMigration": {202, func(c *Client) error { return c.CancelMigration(context.Background(), testServerID) }},
		"ResetTaskState":  {202, func(c *Client) error { return c.ResetTaskState(context.Background(), testServerID, nil) }},
	}
	for name, op := range ops {
		for _, status := range []int{200, 202, 204} {
			f := newFake(t, startable(func(w http.ResponseWriter, r *http.Request, _ []byte) { reply(w, status, []byte(`{}`)) }))
			err := op.run(newPinned(t, f, "2.57"))
			if status == op.ok {
				if err != nil {
					t.Errorf("%s answered %d: %v", name, status, err)
				}
				continue
			}
			var apiErr *cloudmigrate.Error
			if !errors.As(err, &apiErr) || apiErr.StatusCode != status {
				t.Errorf("%s answered %d: err = %v, want a *cloudmigrate.Error with that status", name, status, err)
			}
		}
	}
}

// allOps runs every share-server operation once against c.
func allOps() map[string]func(context.Context, *Client) error {
	return map[string]func(context.Context, *Client) error{
		"CheckMigration": func(ctx context.Context, c *Client) error {
			_, err := c.CheckMigration(ctx, testServerID, &CheckMigrationRequest{Host: "h@b"})
			return err
		},
		"StartMigration": func(ctx context.Context, c *Client) error {
			return startServer(ctx, c, testServerID, &StartMigrationRequest{Host: "h@b"})
		},
		"CompleteMigration": func(ctx context.Context, c *Client) error {
			_, err := c.CompleteMigration(ctx, testServerID)
			return err
		},
		"GetMigrationProgress": func(ctx context.Context, c *Client) error {
			_, err := c.GetMigrationProgress(ctx, testServerID)
			return err
		},
		"CancelMigration": func(ctx context.Context, c *Client) error { return c.CancelMigration(ctx, testServerID) },
		"ResetTaskState": func(ctx context.Context, c *Client) error {
			return c.ResetTaskState(ctx, testServerID, ptr(TaskStateMigrationCancelled))
		},
	}
}

func TestFaultBodies(t *testing.T) {
	faults := []struct {
		status  int
		body    string
		code    string
		message string
	}{
		{404, `{"itemNotFound": {"code": 404, "message": "Share server 5bd7 could not be found."}}`,
			"itemNotFound", "Share server 5bd7 could not be found."},
		{400, `{"badRequest": {"code": 400, "message": "The destination host can not contain pool information."}}`,
			"badRequest", "The destination host can not contain pool information."},
		{409, `{"conflictingRequest": {"code": 409, "message": "Share server is busy."}}`,
			"conflictingRequest", "Share server is busy."},
		{403, `{"forbidden": {"code": 403, "message": "Policy doesn't allow it."}}`,
			"forbidden", "Policy doesn't allow it."},
	}
	for name, op := range allOps() {
		for _, fl := range faults {
			f := newFake(t, startable(func(w http.ResponseWriter, r *http.Request, _ []byte) { reply(w, fl.status, []byte(fl.body)) }))
			err := op(context.Background(), newPinned(t, f, "2.57"))
			var apiErr *cloudmigrate.Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("%s %d: err = %v (%T), want *cloudmigrate.Error", name, fl.status, err, err)
			}
			if apiErr.StatusCode != fl.status || apiErr.Code != fl.code || apiErr.Message != fl.message ||
				apiErr.RequestID != testRequestID || apiErr.Method != http.MethodPost ||
				!strings.HasSuffix(apiErr.URL, actionPath(testServerID)) || apiErr.Attempts != 1 {
				t.Errorf("%s %d: error = %+v", name, fl.status, apiErr)
			}
			if fl.status == 404 && !cloudmigrate.IsNotFound(err) {
				t.Errorf("%s: IsNotFound = false", name)
			}
			if fl.status == 409 && !cloudmigrate.IsConflict(err) {
				t.Errorf("%s: IsConflict = false", name)
			}
			if n := len(f.withoutReads()); n != 1 {
				t.Errorf("%s %d: %d requests, want 1", name, fl.status, n)
			}
		}
	}
}

// TestMigrationActionsSentOnce checks that the actions that change state
// are never repeated after a 5xx or a broken connection.
func TestMigrationActionsSentOnce(t *testing.T) {
	ops := allOps()
	for _, name := range []string{"StartMigration", "CompleteMigration", "CancelMigration", "ResetTaskState"} {
		for _, mode := range []string{"500", "502", "503", "reset"} {
			f := newFake(t, startable(func(w http.ResponseWriter, r *http.Request, _ []byte) {
				switch mode {
				case "reset":
					resetConn(w)
				case "500":
					reply(w, 500, []byte(`{"computeFault": {"code": 500, "message": "boom"}}`))
				case "502":
					reply(w, 502, []byte(`bad gateway`))
				default:
					reply(w, 503, []byte(`{"serviceUnavailable": {"code": 503, "message": "down"}}`))
				}
			}))
			err := ops[name](context.Background(), newPinned(t, f, "2.57", cloudmigrate.WithRetry(4)))
			if err == nil {
				t.Errorf("%s with %s: no error", name, mode)
			}
			if n := len(f.withoutReads()); n != 1 {
				t.Errorf("%s with %s: sent %d times, want exactly 1", name, mode, n)
			}
		}
	}
}

// TestThrottledActionRetried checks that a 429 is retried even for the
// actions that change state: the service refused them.
func TestThrottledActionRetried(t *testing.T) {
	var n atomic.Int32
	f := newFake(t, startable(func(w http.ResponseWriter, r *http.Request, _ []byte) {
		if n.Add(1) == 1 {
			reply(w, 429, []byte(`{"overLimit": {"code": 429, "message": "slow down", "retryAfter": "0"}}`))
			return
		}
		reply(w, 202, nil)
	}))
	if err := startServer(context.Background(), newPinned(t, f, "2.57"), testServerID, &StartMigrationRequest{Host: "h@b"}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.withoutReads()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

// TestReadOnlyActionsRetried checks that check and progress, which change
// nothing, are retried like a GET.
func TestReadOnlyActionsRetried(t *testing.T) {
	ops := allOps()
	for _, name := range []string{"CheckMigration", "GetMigrationProgress"} {
		for _, mode := range []string{"503", "reset"} {
			var n atomic.Int32
			f := newFake(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
				if n.Add(1) == 1 {
					if mode == "reset" {
						resetConn(w)
					} else {
						reply(w, 503, []byte(`{"serviceUnavailable": {"code": 503, "message": "down"}}`))
					}
					return
				}
				if actionName(t, body) == "migration_check" {
					reply(w, 200, testdata(t, sampleDir+"share-server-migration-check-compatibility-response.json"))
				} else {
					reply(w, 200, testdata(t, sampleDir+"share-server-migration-get-progress-response.json"))
				}
			})
			if err := ops[name](context.Background(), newPinned(t, f, "2.57")); err != nil {
				t.Errorf("%s after %s: %v", name, mode, err)
			}
			if f.count() != 2 {
				t.Errorf("%s after %s: %d requests, want 2", name, mode, f.count())
			}
		}
	}
}

func TestValidation(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name  string
		field string
		run   func(*Client) error
	}{
		{"empty id", "shareServerID", func(c *Client) error { return c.CancelMigration(ctx, "") }},
		{"slash id", "shareServerID", func(c *Client) error { _, err := c.CompleteMigration(ctx, "a/b"); return err }},
		{"dot id", "shareServerID", func(c *Client) error { _, err := c.GetMigrationProgress(ctx, "."); return err }},
		{"dotdot id", "shareServerID", func(c *Client) error { return c.ResetTaskState(ctx, "..", nil) }},
		{"space id", "shareServerID", func(c *Client) error { return c.CancelMigration(ctx, "a b") }},
		{"check nil req", "req", func(c *Client) error { _, err := c.CheckMigration(ctx, testServerID, nil); return err }},
		{"start nil req", "req", func(c *Client) error { return startServer(ctx, c, testServerID, nil) }},
		{"start id", "shareServerID", func(c *Client) error {
			return startServer(ctx, c, "", &StartMigrationRequest{Host: "h@b"})
		}},
		{"check id", "shareServerID", func(c *Client) error {
			_, err := c.CheckMigration(ctx, "x/y", &CheckMigrationRequest{Host: "h@b"})
			return err
		}},
		{"empty host", "host", func(c *Client) error { return startServer(ctx, c, testServerID, &StartMigrationRequest{}) }},
		{"pool", "host", func(c *Client) error {
			return startServer(ctx, c, testServerID, &StartMigrationRequest{Host: "foohost2@backend2#pool1"})
		}},
		{"pool in check", "host", func(c *Client) error {
			_, err := c.CheckMigration(ctx, testServerID, &CheckMigrationRequest{Host: "h@b#p"})
			return err
		}},
		{"no backend", "host", func(c *Client) error {
			return startServer(ctx, c, testServerID, &StartMigrationRequest{Host: "foohost2"})
		}},
		{"empty host part", "host", func(c *Client) error {
			return startServer(ctx, c, testServerID, &StartMigrationRequest{Host: "@backend"})
		}},
		{"empty backend part", "host", func(c *Client) error {
			return startServer(ctx, c, testServerID, &StartMigrationRequest{Host: "host@"})
		}},
		{"two ats", "host", func(c *Client) error {
			return startServer(ctx, c, testServerID, &StartMigrationRequest{Host: "a@b@c"})
		}},
		{"space in host", "host", func(c *Client) error {
			return startServer(ctx, c, testServerID, &StartMigrationRequest{Host: "h @b"})
		}},
		{"bad network", "new_share_network_id", func(c *Client) error {
			return startServer(ctx, c, testServerID, &StartMigrationRequest{Host: "h@b", NewShareNetworkID: "a/b"})
		}},
		{"bad network in check", "new_share_network_id", func(c *Client) error {
			_, err := c.CheckMigration(ctx, testServerID, &CheckMigrationRequest{Host: "h@b", NewShareNetworkID: ".."})
			return err
		}},
		{"reset unknown", "task_state", func(c *Client) error { return c.ResetTaskState(ctx, testServerID, ptr(TaskState("bogus"))) }},
		{"reset empty", "task_state", func(c *Client) error { return c.ResetTaskState(ctx, testServerID, ptr(TaskState(""))) }},
		{"reset service-only state", "task_state", func(c *Client) error {
			return c.ResetTaskState(ctx, testServerID, ptr(TaskStateMigrationDriverStarting))
		}},
		{"nil ctx", "ctx", func(c *Client) error {
			//lint:ignore SA1012 testing the nil check
			return c.CancelMigration(nil, testServerID) //nolint:staticcheck
		}},
		{"wait phase1 id", "shareServerID", func(c *Client) error { _, err := c.WaitForMigrationPhase1(ctx, ""); return err }},
		{"wait complete id", "shareServerID", func(c *Client) error { _, err := c.WaitForMigrationComplete(ctx, "a/b"); return err }},
	}
	for _, tc := range cases {
		// A negotiating client: even discovery would count as sending.
		f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { reply(w, 500, nil) })
		err := tc.run(newNegotiating(t, f))
		var ve *cloudmigrate.ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("%s: err = %v (%T), want *cloudmigrate.ValidationError", tc.name, err, err)
			continue
		}
		if ve.Field != tc.field {
			t.Errorf("%s: Field = %q, want %q (%v)", tc.name, ve.Field, tc.field, ve)
		}
		if n := f.count(); n != 0 {
			t.Errorf("%s: %d requests sent, want none", tc.name, n)
		}
	}
}

func TestCheckServerHostAccepts(t *testing.T) {
	for _, h := range []string{"foohost2@backend2", "manila-share-2.example.org@netapp_1", "h@b"} {
		if err := checkServerHost(h); err != nil {
			t.Errorf("%q: %v", h, err)
		}
	}
}

// TestResultsRoundTrip: the typed results encode with the wire names and
// decode back to the same value.
func TestResultsRoundTrip(t *testing.T) {
	var check MigrationCheck
	if err := json.Unmarshal(testdata(t, sampleDir+"share-server-migration-check-compatibility-response.json"), &check); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(check)
	if err != nil {
		t.Fatal(err)
	}
	var again MigrationCheck
	if err := json.Unmarshal(b, &again); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(check, again) {
		t.Errorf("round trip changed %+v into %+v", check, again)
	}
	for _, key := range []string{`"requested_capabilities"`, `"supported_capabilities"`, `"migration_get_progress"`, `"share_network_id"`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("encoding %s lacks %s", b, key)
		}
	}
	p := MigrationProgress{TotalProgress: 50, TaskState: TaskStateMigrationDriverInProgress, DestinationShareServerID: testDestID}
	b, _ = json.Marshal(p)
	sameJSON(t, b, decodeAny(t, testdata(t, sampleDir+"share-server-migration-get-progress-response.json")))
}
