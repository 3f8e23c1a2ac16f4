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
	return newFake(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		if r.Method != http.MethodPost || r.URL.Path != sharePath(testShareID) {
			reply(w, 404, []byte(`{"itemNotFound": {"code": 404, "message": "no such path"}}`))
			return
		}
		if actionName(t, body) == "migration_get_progress" {
			reply(w, 200, testdata(t, shareSampleDir+"share-migration-get-progress-response.json"))
			return
		}
		reply(w, 202, nil)
	})
}

func oneSharePost(t *testing.T, f *fake, version string, experimental bool) recorded {
	t.Helper()
	reqs := f.requests()
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
	err := c.StartShareMigration(context.Background(), testShareID, &StartShareMigrationRequest{
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
	if err := c.StartShareMigration(context.Background(), testShareID, &StartShareMigrationRequest{Host: "h@b#p"}); err != nil {
		t.Fatal(err)
	}
	r := oneSharePost(t, f, "2.96", false) // no longer experimental
	sameJSON(t, r.Body, map[string]any{"migration_start": map[string]any{
		"host": "h@b#p", "writable": false, "preserve_metadata": false, "nondisruptive": false,
		"preserve_snapshots": false, "force_host_assisted_migration": false,
	}})
}

func TestStartShareMigrationAccepts200(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { reply(w, 200, nil) })
	if err := newPinned(t, f, "2.29").StartShareMigration(context.Background(), testShareID, &StartShareMigrationRequest{Host: "h@b#p"}); err != nil {
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
		pinned, sent string
		experimental bool
	}{
		{"2.22", "2.22", true},
		{"2.59", "2.59", true},
		{"2.97", "2.97", false},
		{"2.99", "2.97", false}, // the action is routed up to 2.97 only
	} {
		f := shareSampleServer(t)
		got, err := newPinned(t, f, tc.pinned).GetShareMigrationProgress(context.Background(), testShareID)
		if err != nil {
			t.Fatal(err)
		}
		r := oneSharePost(t, f, tc.sent, tc.experimental)
		sameJSON(t, r.Body, withoutShareID(decodeAny(t, testdata(t, shareSampleDir+"share-migration-get-progress-request.json"))))
		if got.TotalProgress != 100 || got.TaskState != TaskStateMigrationDriverPhase1Done || got.Details != nil {
			t.Errorf("progress = %+v", got)
		}
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
		return c.StartShareMigration(context.Background(), testShareID, &StartShareMigrationRequest{Host: "h@b#p"})
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
			return c.StartShareMigration(ctx, "", &StartShareMigrationRequest{Host: "h@b#p"})
		}},
		{"req", func(c *Client) error { return c.StartShareMigration(ctx, testShareID, nil) }},
		{"host", func(c *Client) error { return c.StartShareMigration(ctx, testShareID, &StartShareMigrationRequest{}) }},
		{"host", func(c *Client) error {
			return c.StartShareMigration(ctx, testShareID, &StartShareMigrationRequest{Host: "nohost"})
		}},
		{"host", func(c *Client) error {
			return c.StartShareMigration(ctx, testShareID, &StartShareMigrationRequest{Host: "h@#pool"})
		}},
		{"host", func(c *Client) error {
			return c.StartShareMigration(ctx, testShareID, &StartShareMigrationRequest{Host: "h@b#p\n"})
		}},
		{"new_share_type_id", func(c *Client) error {
			return c.StartShareMigration(ctx, testShareID, &StartShareMigrationRequest{Host: "h@b#p", NewShareTypeID: "a/b"})
		}},
		{"new_share_network_id", func(c *Client) error {
			return c.StartShareMigration(ctx, testShareID, &StartShareMigrationRequest{Host: "h@b#p", NewShareNetworkID: "."})
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
			return c.StartShareMigration(context.Background(), testShareID, &StartShareMigrationRequest{Host: "h@b#p"})
		},
		"complete": func(c *Client) error { return c.CompleteShareMigration(context.Background(), testShareID) },
		"cancel":   func(c *Client) error { return c.CancelShareMigration(context.Background(), testShareID) },
	} {
		for _, mode := range []string{"500", "reset"} {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
				if mode == "reset" {
					resetConn(w)
					return
				}
				reply(w, 500, []byte(`{"computeFault": {"code": 500, "message": "boom"}}`))
			})
			if err := run(newPinned(t, f, "2.29")); err == nil {
				t.Errorf("%s with %s: no error", name, mode)
			}
			if f.count() != 1 {
				t.Errorf("%s with %s: sent %d times, want 1", name, mode, f.count())
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
