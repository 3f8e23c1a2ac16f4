package manila

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
)

const (
	shareSampleDir = "share-migration/"
	testShareID    = "406ea93b-32e9-4907-a117-148b3945749f"
)

func sharePath(id string) string { return "/v2/" + testProject + "/shares/" + id + "/action" }

func shareProgressPath(id string) string {
	return "/v2/" + testProject + "/shares/" + id + "/migration-progress"
}

// withoutShareID drops the share_id the api-ref samples put inside each
// action body; the service takes the share from the URL and ignores it.
func withoutShareID(v any) any {
	m := v.(map[string]any)
	for k, inner := range m {
		if im, ok := inner.(map[string]any); ok {
			delete(im, "share_id")
			if len(im) == 0 {
				m[k] = nil
			}
		}
	}
	return m
}

func shareSampleServer(t *testing.T) *fake {
	t.Helper()
	return newFake(t, startable(func(w http.ResponseWriter, r *http.Request, body []byte) {
		if r.Method == http.MethodGet && r.URL.Path == shareProgressPath(testShareID) {
			reply(w, 200, testdata(t, shareSampleDir+"share-migration-get-progress-response.json"))
			return
		}
		if r.Method != http.MethodPost || r.URL.Path != sharePath(testShareID) {
			reply(w, 404, []byte(`{"itemNotFound": {"code": 404, "message": "no such path"}}`))
			return
		}
		if actionName(t, body) == "migration_get_progress" {
			reply(w, 200, testdata(t, shareSampleDir+"share-migration-get-progress-response.json"))
			return
		}
		reply(w, 202, nil)
	}))
}

func oneSharePost(t *testing.T, f *fake, version string, experimental bool) recorded {
	t.Helper()
	reqs := f.withoutReads()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodPost || r.Path != sharePath(testShareID) {
		t.Fatalf("sent %s %s", r.Method, r.Path)
	}
	checkShareHeaders(t, r, version, experimental)
	return r
}

func TestStartShareMigrationSample(t *testing.T) {
	f := shareSampleServer(t)
	c := newPinned(t, f, "2.29")
	err := startShare(context.Background(), c, testShareID, &StartShareMigrationRequest{
		Host:                       "ubuntu@generic2#GENERIC2",
		Writable:                   true,
		PreserveMetadata:           true,
		Nondisruptive:              true,
		PreserveSnapshots:          true,
		ForceHostAssistedMigration: false,
		NewShareTypeID:             "foo_share_type_id",
		NewShareNetworkID:          "bar_share_network_id",
	})
	if err != nil {
		t.Fatal(err)
	}
	r := oneSharePost(t, f, "2.29", true)
	sameJSON(t, r.Body, withoutShareID(decodeAny(t, testdata(t, shareSampleDir+"share-migration-start-request.json"))))
}

func TestStartShareMigrationOmitsUnsetIDs(t *testing.T) {
	f := shareSampleServer(t)
	c := newPinned(t, f, "2.96")
	if err := startShare(context.Background(), c, testShareID, &StartShareMigrationRequest{Host: "h@b#p"}); err != nil {
		t.Fatal(err)
	}
	r := oneSharePost(t, f, "2.96", false) // no longer experimental
	sameJSON(t, r.Body, map[string]any{"migration_start": map[string]any{
		"host": "h@b#p", "writable": false, "preserve_metadata": false, "nondisruptive": false,
		"preserve_snapshots": false, "force_host_assisted_migration": false,
	}})
}

func TestStartShareMigrationAccepts200(t *testing.T) {
	f := newFake(t, startable(func(w http.ResponseWriter, r *http.Request, _ []byte) { reply(w, 200, nil) }))
	if err := startShare(context.Background(), newPinned(t, f, "2.29"), testShareID, &StartShareMigrationRequest{Host: "h@b#p"}); err != nil {
		t.Fatal(err)
	}
}

func TestShareMigrationActionSamples(t *testing.T) {
	for _, tc := range []struct {
		sample string
		run    func(*Client) error
	}{
		{"share-migration-complete-request.json", func(c *Client) error {
			return c.CompleteShareMigration(context.Background(), testShareID)
		}},
		{"share-migration-cancel-request.json", func(c *Client) error {
			return c.CancelShareMigration(context.Background(), testShareID)
		}},
	} {
		f := shareSampleServer(t)
		if err := tc.run(newPinned(t, f, "2.22")); err != nil {
			t.Fatalf("%s: %v", tc.sample, err)
		}
		r := oneSharePost(t, f, "2.22", true)
		sameJSON(t, r.Body, withoutShareID(decodeAny(t, testdata(t, shareSampleDir+tc.sample))))
	}
}

func TestGetShareMigrationProgressSample(t *testing.T) {
	for _, tc := range []struct {
		pinned       string
		experimental bool
	}{
		{"2.22", true},
		{"2.59", true},
		{"2.95", true},
		{"2.96", false},
		{"2.97", false}, // the last version that routes the action
	} {
		f := shareSampleServer(t)
		got, err := newPinned(t, f, tc.pinned).GetShareMigrationProgress(context.Background(), testShareID)
		if err != nil {
			t.Fatal(err)
		}
		r := oneSharePost(t, f, tc.pinned, tc.experimental)
		sameJSON(t, r.Body, withoutShareID(decodeAny(t, testdata(t, shareSampleDir+"share-migration-get-progress-request.json"))))
		if string(r.Body) != `{"migration_get_progress":null}` {
			t.Errorf("at %s: body %s", tc.pinned, r.Body)
		}
		if got.TotalProgress != 100 || got.TaskState != TaskStateMigrationDriverPhase1Done || got.Details != nil {
			t.Errorf("progress = %+v", got)
		}
	}
}

// TestGetShareMigrationProgressUsesGetFrom298 checks the request from
// 2.98 on: a GET of .../migration-progress without a body, neither the
// action nor the experimental header, and the answer decoded as before.
func TestGetShareMigrationProgressUsesGetFrom298(t *testing.T) {
	for _, v := range []string{"2.98", "2.99"} {
		f := shareSampleServer(t)
		got, err := newPinned(t, f, v).GetShareMigrationProgress(context.Background(), testShareID)
		if err != nil {
			t.Fatalf("at %s: %v", v, err)
		}
		reqs := f.requests()
		if len(reqs) != 1 {
			t.Fatalf("at %s: %d requests, want 1", v, len(reqs))
		}
		r := reqs[0]
		if r.Method != http.MethodGet || r.Path != shareProgressPath(testShareID) || len(r.Body) != 0 {
			t.Errorf("at %s: sent %s %s with body %q", v, r.Method, r.Path, r.Body)
		}
		if r.Header.Get("Content-Type") != "" {
			t.Errorf("at %s: Content-Type %q on a GET without body", v, r.Header.Get("Content-Type"))
		}
		checkShareHeaders(t, r, v, false)
		if got.TotalProgress != 100 || got.TaskState != TaskStateMigrationDriverPhase1Done {
			t.Errorf("at %s: progress = %+v", v, got)
		}
	}
}

// TestGetShareMigrationProgressFollowsNegotiation checks that the form
// follows the negotiated version: the action against a service whose
// newest version is 2.97, the GET against one at 2.98.
func TestGetShareMigrationProgressFollowsNegotiation(t *testing.T) {
	for _, tc := range []struct{ max, method, path string }{
		{"2.97", http.MethodPost, sharePath(testShareID)},
		{"2.98", http.MethodGet, shareProgressPath(testShareID)},
	} {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
			switch {
			case r.Method == http.MethodGet && r.URL.Path == "/v2/":
				reply(w, 200, versionDoc("2.0", tc.max))
			case r.Method == tc.method && r.URL.Path == tc.path:
				reply(w, 200, []byte(`{"total_progress": 40, "task_state": "migration_driver_in_progress", "details": {}}`))
			default:
				reply(w, 404, []byte(`{"itemNotFound": {"code": 404, "message": "The resource could not be found."}}`))
			}
		})
		got, err := newNegotiating(t, f).GetShareMigrationProgress(context.Background(), testShareID)
		if err != nil {
			t.Fatalf("service at %s: %v", tc.max, err)
		}
		if got.TotalProgress != 40 || got.TaskState != TaskStateMigrationDriverInProgress {
			t.Errorf("service at %s: progress = %+v", tc.max, got)
		}
		reqs := f.requests()
		last := reqs[len(reqs)-1]
		if len(reqs) != 2 || last.Method != tc.method || last.Path != tc.path {
			t.Errorf("service at %s: %d requests, last %s %s", tc.max, len(reqs), last.Method, last.Path)
		}
		checkShareHeaders(t, last, tc.max, false)
	}
}

func TestGetShareMigrationProgressDetails(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		reply(w, 200, []byte(`{"total_progress": "12", "task_state": "data_copying_in_progress",
			"details": {"bytes_copied": 1024, "current_file": "/a/b"}}`))
	})
	got, err := newPinned(t, f, "2.59").GetShareMigrationProgress(context.Background(), testShareID)
	if err != nil {
		t.Fatal(err)
	}
	if got.TotalProgress != 12 || got.TaskState != TaskStateDataCopyingInProgress ||
		got.Details["bytes_copied"] != float64(1024) || got.Details["current_file"] != "/a/b" {
		t.Errorf("progress = %+v", got)
	}
}

func TestShareMigrationVersions(t *testing.T) {
	f := shareSampleServer(t)
	start := func(c *Client) error {
		return startShare(context.Background(), c, testShareID, &StartShareMigrationRequest{Host: "h@b#p"})
	}
	for _, tc := range []struct {
		pinned, min string
		run         func(*Client) error
	}{
		{"2.28", "2.29", start},
		{"2.21", "2.22", func(c *Client) error { return c.CompleteShareMigration(context.Background(), testShareID) }},
		{"2.21", "2.22", func(c *Client) error { return c.CancelShareMigration(context.Background(), testShareID) }},
		{"2.0", "2.22", func(c *Client) error {
			_, err := c.GetShareMigrationProgress(context.Background(), testShareID)
			return err
		}},
	} {
		err := tc.run(newPinned(t, f, tc.pinned))
		var ve *cloudmigrate.VersionError
		if !errors.As(err, &ve) || ve.Min != tc.min || ve.InUse != tc.pinned {
			t.Errorf("at %s: err = %v, want a VersionError naming %s", tc.pinned, err, tc.min)
		}
	}
	if f.count() != 0 {
		t.Errorf("%d requests sent", f.count())
	}
}

func TestShareMigrationValidation(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		field string
		run   func(*Client) error
	}{
		{"shareID", func(c *Client) error { return c.CompleteShareMigration(ctx, "") }},
		{"shareID", func(c *Client) error { return c.CancelShareMigration(ctx, "a/b") }},
		{"shareID", func(c *Client) error { _, err := c.GetShareMigrationProgress(ctx, ".."); return err }},
		{"shareID", func(c *Client) error {
			return startShare(ctx, c, "", &StartShareMigrationRequest{Host: "h@b#p"})
		}},
		{"req", func(c *Client) error { return startShare(ctx, c, testShareID, nil) }},
		{"host", func(c *Client) error { return startShare(ctx, c, testShareID, &StartShareMigrationRequest{}) }},
		{"host", func(c *Client) error {
			return startShare(ctx, c, testShareID, &StartShareMigrationRequest{Host: "nohost"})
		}},
		{"host", func(c *Client) error {
			return startShare(ctx, c, testShareID, &StartShareMigrationRequest{Host: "h@#pool"})
		}},
		{"host", func(c *Client) error {
			return startShare(ctx, c, testShareID, &StartShareMigrationRequest{Host: "h@b#p\n"})
		}},
		{"new_share_type_id", func(c *Client) error {
			return startShare(ctx, c, testShareID, &StartShareMigrationRequest{Host: "h@b#p", NewShareTypeID: "a/b"})
		}},
		{"new_share_network_id", func(c *Client) error {
			return startShare(ctx, c, testShareID, &StartShareMigrationRequest{Host: "h@b#p", NewShareNetworkID: "."})
		}},
	}
	for i, tc := range cases {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { reply(w, 500, nil) })
		err := tc.run(newNegotiating(t, f))
		var ve *cloudmigrate.ValidationError
		if !errors.As(err, &ve) || ve.Field != tc.field {
			t.Errorf("case %d: err = %v, want a ValidationError for %s", i, err, tc.field)
		}
		if f.count() != 0 {
			t.Errorf("case %d: %d requests sent", i, f.count())
		}
	}
}

func TestShareMigrationActionsSentOnce(t *testing.T) {
	for name, run := range map[string]func(*Client) error{
		"start": func(c *Client) error {
			return startShare(context.Background(), c, testShareID, &StartShareMigrationRequest{Host: "h@b#p"})
		},
		"complete": func(c *Client) error { return c.CompleteShareMigration(context.Background(), testShareID) },
		"cancel":   func(c *Client) error { return c.CancelShareMigration(context.Background(), testShareID) },
	} {
		for _, mode := range []string{"500", "reset"} {
			f := newFake(t, startable(func(w http.ResponseWriter, r *http.Request, _ []byte) {
				if mode == "reset" {
					resetConn(w)
					return
				}
				reply(w, 500, []byte(`{"computeFault": {"code": 500, "message": "boom"}}`))
			}))
			if err := run(newPinned(t, f, "2.29")); err == nil {
				t.Errorf("%s with %s: no error", name, mode)
			}
			if n := len(f.withoutReads()); n != 1 {
				t.Errorf("%s with %s: sent %d times, want 1", name, mode, n)
			}
		}
	}
	// A share that does not exist.
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		reply(w, 404, []byte(`{"itemNotFound": {"code": 404, "message": "Share 406e not found."}}`))
	})
	err := newPinned(t, f, "2.29").CompleteShareMigration(context.Background(), testShareID)
	var apiErr *cloudmigrate.Error
	if !errors.As(err, &apiErr) || apiErr.Code != "itemNotFound" || apiErr.Message != "Share 406e not found." ||
		apiErr.RequestID != testRequestID {
		t.Errorf("err = %v", err)
	}
}
