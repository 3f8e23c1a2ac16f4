package nova_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/nova"
)

const serverID = "4cfba335-03d8-49b2-8c52-e69043d1e8fe"

// serverMigration is the record in every server-migrations sample, with
// the fields of the given microversion.
func serverMigration(t testing.TB, mv string) nova.Migration {
	m := nova.Migration{
		ID:                   1,
		ServerUUID:           serverID,
		Status:               nova.StatusRunning,
		SourceCompute:        str("compute1"),
		SourceNode:           str("node1"),
		DestCompute:          str("compute2"),
		DestHost:             str("1.2.3.4"),
		DestNode:             str("node2"),
		MemoryTotalBytes:     i64(123456),
		MemoryProcessedBytes: i64(12345),
		MemoryRemainingBytes: i64(111111),
		DiskTotalBytes:       i64(234567),
		DiskProcessedBytes:   i64(23456),
		DiskRemainingBytes:   i64(211111),
		CreatedAt:            at(t, "2016-01-29T13:42:02"),
		UpdatedAt:            at(t, "2016-01-29T13:42:02"),
	}
	if mv == "2.59" || mv == "2.80" {
		m.UUID = "12341d4b-346a-40d0-83c6-5f4f6892b650"
	}
	if mv == "2.80" {
		m.UserID = str("8dbaa0f0-ab95-4ffe-8cb4-9c89d2ac9d24")
		m.ProjectID = str("5f705771-3aa9-4f4c-8660-0d9522ffdbea")
	}
	return m
}

func TestListServerMigrationsSamples(t *testing.T) {
	for _, mv := range []string{"2.23", "2.59", "2.80"} {
		t.Run(mv, func(t *testing.T) {
			f := newFake(t)
			f.reply("GET", "/v2.1/servers/"+serverID+"/migrations", 200, sample(t, "server-migrations/v"+mv+"/migrations-index.json"))
			got, err := f.client(mv).ListServerMigrations(context.Background(), serverID)
			if err != nil {
				t.Fatal(err)
			}
			f.only().check(t, "GET", "/v2.1/servers/"+serverID+"/migrations", "", mv)
			sameMigrations(t, got, []nova.Migration{serverMigration(t, mv)})
			if f.discoveryCount() != 0 {
				t.Errorf("pinned client discovered the version %d times", f.discoveryCount())
			}
		})
	}
}

func TestGetServerMigrationSamples(t *testing.T) {
	for _, mv := range []string{"2.23", "2.59", "2.80"} {
		t.Run(mv, func(t *testing.T) {
			f := newFake(t)
			f.reply("GET", "/v2.1/servers/"+serverID+"/migrations/1", 200, sample(t, "server-migrations/v"+mv+"/migrations-get.json"))
			got, err := f.client(mv).GetServerMigration(context.Background(), serverID, 1)
			if err != nil {
				t.Fatal(err)
			}
			f.only().check(t, "GET", "/v2.1/servers/"+serverID+"/migrations/1", "", mv)
			want := serverMigration(t, mv)
			sameMigration(t, got, &want)
			if p := got.Progress(); p != 9 {
				t.Errorf("Progress() = %d, want 9 (111111 of 123456 bytes left)", p)
			}
		})
	}
}

func TestGetServerMigrationNotFound(t *testing.T) {
	f := newFake(t)
	f.reply("GET", "/v2.1/servers/"+serverID+"/migrations/7", 404,
		[]byte(`{"itemNotFound": {"code": 404, "message": "In-progress live migration 7 is not found for server `+serverID+`."}}`))
	_, err := f.client("2.80").GetServerMigration(context.Background(), serverID, 7)
	if !cloudmigrate.IsNotFound(err) {
		t.Fatalf("err = %v, want a 404", err)
	}
	var apiErr *cloudmigrate.Error
	errors.As(err, &apiErr)
	if apiErr.Code != "itemNotFound" || apiErr.Message != "In-progress live migration 7 is not found for server "+serverID+"." ||
		apiErr.RequestID != reqID || apiErr.Method != "GET" || apiErr.Attempts != 1 {
		t.Errorf("error = %+v", apiErr)
	}
}

func TestForceCompleteMigrationSample(t *testing.T) {
	for _, mv := range []string{"2.22", "2.80", "2.104"} {
		t.Run(mv, func(t *testing.T) {
			f := newFake(t)
			f.reply("POST", "/v2.1/servers/"+serverID+"/migrations/1/action", 202, nil)
			if err := f.client(mv).ForceCompleteMigration(context.Background(), serverID, 1); err != nil {
				t.Fatal(err)
			}
			c := f.only()
			c.check(t, "POST", "/v2.1/servers/"+serverID+"/migrations/1/action", "", mv)
			jsonEqual(t, c.Body, sample(t, "server-migrations/v2.22/force_complete.json"))
			if string(c.Body) != `{"force_complete":null}` {
				t.Errorf("body = %s", c.Body)
			}
		})
	}
}

func TestForceCompleteSentOnceOn500(t *testing.T) {
	f := newFake(t)
	f.reply("POST", "/v2.1/servers/"+serverID+"/migrations/1/action", 500,
		[]byte(`{"computeFault": {"code": 500, "message": "Unexpected API Error."}}`))
	err := f.client("2.80", cloudmigrate.WithRetry(4)).ForceCompleteMigration(context.Background(), serverID, 1)
	var apiErr *cloudmigrate.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 500 || apiErr.Code != "computeFault" || apiErr.Attempts != 1 {
		t.Fatalf("err = %v", err)
	}
	f.only()
}

func TestForceCompleteConflict(t *testing.T) {
	f := newFake(t)
	f.reply("POST", "/v2.1/servers/"+serverID+"/migrations/3/action", 409,
		[]byte(`{"conflictingRequest": {"code": 409, "message": "Cannot 'force_complete' instance while it is in vm_state stopped"}}`))
	err := f.client("2.80").ForceCompleteMigration(context.Background(), serverID, 3)
	if !cloudmigrate.IsConflict(err) {
		t.Fatalf("err = %v, want a 409", err)
	}
	var apiErr *cloudmigrate.Error
	errors.As(err, &apiErr)
	if apiErr.Code != "conflictingRequest" || apiErr.RequestID != reqID {
		t.Errorf("error = %+v", apiErr)
	}
}

func TestAbortMigration(t *testing.T) {
	for _, mv := range []string{"2.24", "2.65", "2.104"} {
		t.Run(mv, func(t *testing.T) {
			f := newFake(t)
			f.reply("DELETE", "/v2.1/servers/"+serverID+"/migrations/12", 202, nil)
			if err := f.client(mv).AbortMigration(context.Background(), serverID, 12); err != nil {
				t.Fatal(err)
			}
			c := f.only()
			c.check(t, "DELETE", "/v2.1/servers/"+serverID+"/migrations/12", "", mv)
			if len(c.Body) != 0 {
				t.Errorf("DELETE sent a body: %s", c.Body)
			}
		})
	}
}

func TestAbortSentOnceOn503(t *testing.T) {
	f := newFake(t)
	f.reply("DELETE", "/v2.1/servers/"+serverID+"/migrations/12", 503,
		[]byte(`{"serviceUnavailable": {"code": 503, "message": "try later"}}`))
	err := f.client("2.80", cloudmigrate.WithRetry(3)).AbortMigration(context.Background(), serverID, 12)
	var apiErr *cloudmigrate.Error
	if !errors.As(err, &apiErr) || apiErr.Code != "serviceUnavailable" || apiErr.Attempts != 1 {
		t.Fatalf("err = %v", err)
	}
	f.only()
}

func TestListServerMigrationsRetriesReads(t *testing.T) {
	f := newFake(t)
	var n atomic.Int32
	f.on("GET", "/v2.1/servers/"+serverID+"/migrations", func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		if n.Add(1) == 1 {
			writeJSON(w, 503, []byte(`{"serviceUnavailable": {"code": 503, "message": "busy"}}`))
			return
		}
		writeJSON(w, 200, sample(t, "server-migrations/v2.80/migrations-index.json"))
	})
	got, err := f.client("2.80").ListServerMigrations(context.Background(), serverID)
	if err != nil || len(got) != 1 {
		t.Fatalf("got %v, %v", got, err)
	}
	if len(f.recorded()) != 2 {
		t.Errorf("%d requests, want 2", len(f.recorded()))
	}
}

func TestServerMigrationMinimumVersions(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name, mv, min string
		call          func(*nova.Client) error
	}{
		{"list", "2.22", "2.23", func(c *nova.Client) error { _, err := c.ListServerMigrations(ctx, serverID); return err }},
		{"get", "2.22", "2.23", func(c *nova.Client) error { _, err := c.GetServerMigration(ctx, serverID, 1); return err }},
		{"force", "2.21", "2.22", func(c *nova.Client) error { return c.ForceCompleteMigration(ctx, serverID, 1) }},
		{"abort", "2.23", "2.24", func(c *nova.Client) error { return c.AbortMigration(ctx, serverID, 1) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			ve := asVersion(t, tc.call(f.client(tc.mv)))
			if ve.Service != "compute" || ve.Min != tc.min || ve.InUse != tc.mv || ve.Feature == "" || ve.Err != nil {
				t.Errorf("VersionError = %+v", ve)
			}
			f.none()
		})
	}
}

func TestServerMigrationVersionNamesServerRange(t *testing.T) {
	f := newFake(t)
	f.setVersionDoc([]byte(`{"version": {"id": "v2.1", "status": "CURRENT", "version": "2.21", "min_version": "2.1"}}`))
	err := f.client("").AbortMigration(context.Background(), serverID, 1)
	ve := asVersion(t, err)
	if ve.InUse != "2.21" || ve.Min != "2.24" || ve.ServerMin != "2.1" || ve.ServerMax != "2.21" {
		t.Errorf("VersionError = %+v", ve)
	}
	f.none()
}

func TestServerMigrationValidation(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name, field string
		call        func(*nova.Client) error
	}{
		{"list empty server", "server_id", func(c *nova.Client) error { _, err := c.ListServerMigrations(ctx, ""); return err }},
		{"list slash", "server_id", func(c *nova.Client) error { _, err := c.ListServerMigrations(ctx, "a/b"); return err }},
		{"get dotdot", "server_id", func(c *nova.Client) error { _, err := c.GetServerMigration(ctx, "..", 1); return err }},
		{"get zero id", "migration_id", func(c *nova.Client) error { _, err := c.GetServerMigration(ctx, serverID, 0); return err }},
		{"force negative id", "migration_id", func(c *nova.Client) error { return c.ForceCompleteMigration(ctx, serverID, -4) }},
		{"force empty server", "server_id", func(c *nova.Client) error { return c.ForceCompleteMigration(ctx, "", 1) }},
		{"abort zero id", "migration_id", func(c *nova.Client) error { return c.AbortMigration(ctx, serverID, 0) }},
		{"abort dot", "server_id", func(c *nova.Client) error { return c.AbortMigration(ctx, ".", 1) }},
		{"wait zero id", "migration_id", func(c *nova.Client) error { _, err := c.WaitForMigration(ctx, serverID, 0); return err }},
		{"wait empty server", "server_id", func(c *nova.Client) error { _, err := c.WaitForMigration(ctx, "", 1); return err }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			asValidation(t, tc.call(f.client("2.80")), tc.field)
			// A negotiating client does not even discover the version.
			asValidation(t, tc.call(f.client("")), tc.field)
			f.none()
			if n := f.discoveryCount(); n != 0 {
				t.Errorf("%d discoveries for invalid input", n)
			}
		})
	}
}

func TestNilContext(t *testing.T) {
	f := newFake(t)
	//lint:ignore SA1012 checking the nil-context guard
	_, err := f.client("2.80").ListServerMigrations(nil, serverID)
	asValidation(t, err, "ctx")
	f.none()
}

func TestNullableFields(t *testing.T) {
	body := []byte(`{"migration": {"created_at": "2016-01-29T13:42:02.000000", "updated_at": null,
		"dest_compute": null, "dest_host": null, "dest_node": null, "source_compute": null, "source_node": null,
		"id": 5, "server_uuid": "` + serverID + `", "status": "queued",
		"memory_total_bytes": null, "memory_processed_bytes": null, "memory_remaining_bytes": null,
		"disk_total_bytes": null, "disk_processed_bytes": null, "disk_remaining_bytes": null,
		"uuid": "9e1c0a34-2b4f-4e43-9b0d-0c8d4ce0d1aa", "user_id": null, "project_id": null}}`)
	f := newFake(t)
	f.reply("GET", "/v2.1/servers/"+serverID+"/migrations/5", 200, body)
	got, err := f.client("2.80").GetServerMigration(context.Background(), serverID, 5)
	if err != nil {
		t.Fatal(err)
	}
	want := nova.Migration{ID: 5, ServerUUID: serverID, Status: nova.StatusQueued,
		UUID: "9e1c0a34-2b4f-4e43-9b0d-0c8d4ce0d1aa", CreatedAt: at(t, "2016-01-29T13:42:02")}
	sameMigration(t, got, &want)
	if !got.UpdatedAt.IsZero() {
		t.Errorf("UpdatedAt = %v, want zero for null", got.UpdatedAt)
	}
	if p := got.Progress(); p != jobs.ProgressUnknown {
		t.Errorf("Progress() = %d, want unknown", p)
	}
}

func TestStatusHelpers(t *testing.T) {
	cases := []struct {
		s                   nova.MigrationStatus
		terminal, failed, p bool
	}{
		{nova.StatusAccepted, false, false, false},
		{nova.StatusQueued, false, false, true},
		{nova.StatusPreparing, false, false, true},
		{nova.StatusRunning, false, false, true},
		{nova.StatusPostMigrating, false, false, true},
		{nova.StatusCompleted, true, false, false},
		{nova.StatusFailed, true, true, false},
		{nova.StatusError, true, true, false},
		{nova.StatusCancelled, true, false, false},
		{nova.StatusPreMigrating, false, false, false},
		{nova.StatusMigrating, false, false, false},
		{nova.StatusFinished, false, false, false},
		{nova.StatusConfirming, false, false, false},
		{nova.StatusConfirmed, true, false, false},
		{nova.StatusReverting, false, false, false},
		{nova.StatusReverted, true, false, false},
		{nova.StatusDone, true, false, false},
		{"some-new-word", false, false, false},
	}
	for _, tc := range cases {
		if tc.s.Terminal() != tc.terminal || tc.s.Failed() != tc.failed || tc.s.InProgress() != tc.p {
			t.Errorf("%q: Terminal %v Failed %v InProgress %v, want %v %v %v",
				tc.s, tc.s.Terminal(), tc.s.Failed(), tc.s.InProgress(), tc.terminal, tc.failed, tc.p)
		}
	}
	words := map[nova.MigrationStatus]string{
		nova.StatusAccepted: "accepted", nova.StatusQueued: "queued", nova.StatusPreparing: "preparing",
		nova.StatusRunning: "running", nova.StatusPostMigrating: "post-migrating", nova.StatusCompleted: "completed",
		nova.StatusFailed: "failed", nova.StatusError: "error", nova.StatusCancelled: "cancelled",
		nova.StatusPreMigrating: "pre-migrating", nova.StatusMigrating: "migrating", nova.StatusFinished: "finished",
		nova.StatusConfirming: "confirming", nova.StatusConfirmed: "confirmed", nova.StatusReverting: "reverting",
		nova.StatusReverted: "reverted", nova.StatusDone: "done",
	}
	for s, w := range words {
		if string(s) != w {
			t.Errorf("constant %q, want %q", s, w)
		}
	}
}

func TestProgress(t *testing.T) {
	cases := []struct {
		name string
		m    nova.Migration
		want int
	}{
		{"none", nova.Migration{}, -1},
		{"memory remaining", nova.Migration{MemoryTotalBytes: i64(1000), MemoryRemainingBytes: i64(250), MemoryProcessedBytes: i64(900)}, 75},
		{"memory processed only", nova.Migration{MemoryTotalBytes: i64(1000), MemoryProcessedBytes: i64(400)}, 40},
		{"processed past total", nova.Migration{MemoryTotalBytes: i64(1000), MemoryProcessedBytes: i64(2500)}, 100},
		{"remaining above total", nova.Migration{MemoryTotalBytes: i64(1000), MemoryRemainingBytes: i64(1200)}, 0},
		{"zero total falls back to disk", nova.Migration{MemoryTotalBytes: i64(0), DiskTotalBytes: i64(200), DiskRemainingBytes: i64(50)}, 75},
		{"disk only", nova.Migration{DiskTotalBytes: i64(200), DiskProcessedBytes: i64(20)}, 10},
		{"total without counters", nova.Migration{MemoryTotalBytes: i64(10)}, -1},
		{"huge counters", nova.Migration{MemoryTotalBytes: i64(1 << 62), MemoryRemainingBytes: i64(1 << 61)}, 50},
	}
	for _, tc := range cases {
		if got := tc.m.Progress(); got != tc.want {
			t.Errorf("%s: Progress() = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestMigrationJSONRoundTrip(t *testing.T) {
	in := sample(t, "server-migrations/v2.80/migrations-get.json")
	var wrap struct {
		Migration nova.Migration `json:"migration"`
	}
	if err := json.Unmarshal(in, &wrap); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(map[string]any{"migration": wrap.Migration})
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, out, in)
}
