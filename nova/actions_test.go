package nova_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/nova"
)

const sampleHost = "01c0cadef72d47e28a672a76060d492c"

func TestLiveMigrateSamples(t *testing.T) {
	cases := []struct {
		sample, mv string
		opts       *nova.LiveMigrateOptions
	}{
		{"os-migrate-server/live-migrate-server.json", "2.1", &nova.LiveMigrateOptions{Host: sampleHost}},
		{"os-migrate-server/v2.25/live-migrate-server.json", "2.25", &nova.LiveMigrateOptions{Host: sampleHost}},
		{"os-migrate-server/v2.30/live-migrate-server.json", "2.30", &nova.LiveMigrateOptions{Host: sampleHost, Force: yes(false)}},
		{"os-migrate-server/v2.68/live-migrate-server.json", "2.68", &nova.LiveMigrateOptions{Host: sampleHost}},
		{"server-migrations/v2.22/live-migrate-server.json", "2.22", &nova.LiveMigrateOptions{Host: sampleHost}},
		{"server-migrations/v2.24/live-migrate-server.json", "2.24", &nova.LiveMigrateOptions{Host: sampleHost, BlockMigration: nova.BlockMigrationFalse}},
		{"server-migrations/v2.65/live-migrate-server.json", "2.65", nil},
		{"server-migrations/v2.80/live-migrate-server.json", "2.80", &nova.LiveMigrateOptions{}},
	}
	for _, tc := range cases {
		t.Run(tc.sample, func(t *testing.T) {
			f := newFake(t)
			f.idleServer(serverID)
			f.reply("POST", "/v2.1/servers/"+serverID+"/action", 202, nil)
			if _, err := f.client(tc.mv).LiveMigrate(context.Background(), serverID, tc.opts); err != nil {
				t.Fatal(err)
			}
			c := f.onlyPost()
			c.check(t, "POST", "/v2.1/servers/"+serverID+"/action", "", tc.mv)
			jsonEqual(t, c.Body, sample(t, tc.sample))
		})
	}
}

func TestLiveMigrateBodies(t *testing.T) {
	cases := []struct {
		name, mv string
		opts     nova.LiveMigrateOptions
		want     string
	}{
		{"legacy default", "2.1", nova.LiveMigrateOptions{},
			`{"os-migrateLive": {"host": null, "block_migration": false, "disk_over_commit": false}}`},
		{"legacy block true, overcommit", "2.24", nova.LiveMigrateOptions{Host: "c2", BlockMigration: nova.BlockMigrationTrue, DiskOverCommit: true},
			`{"os-migrateLive": {"host": "c2", "block_migration": true, "disk_over_commit": true}}`},
		{"auto explicit", "2.25", nova.LiveMigrateOptions{BlockMigration: nova.BlockMigrationAuto},
			`{"os-migrateLive": {"host": null, "block_migration": "auto"}}`},
		{"false at 2.25", "2.25", nova.LiveMigrateOptions{BlockMigration: nova.BlockMigrationFalse},
			`{"os-migrateLive": {"host": null, "block_migration": false}}`},
		{"true at 2.104", "2.104", nova.LiveMigrateOptions{Host: "compute-3.example.org", BlockMigration: nova.BlockMigrationTrue},
			`{"os-migrateLive": {"host": "compute-3.example.org", "block_migration": true}}`},
		{"force true at 2.67", "2.67", nova.LiveMigrateOptions{Host: "c2", Force: yes(true)},
			`{"os-migrateLive": {"host": "c2", "block_migration": "auto", "force": true}}`},
		{"no force sent at 2.30 when unset", "2.30", nova.LiveMigrateOptions{Host: "c2"},
			`{"os-migrateLive": {"host": "c2", "block_migration": "auto"}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.idleServer(serverID)
			f.reply("POST", "/v2.1/servers/"+serverID+"/action", 202, nil)
			if _, err := f.client(tc.mv).LiveMigrate(context.Background(), serverID, &tc.opts); err != nil {
				t.Fatal(err)
			}
			c := f.onlyPost()
			c.check(t, "POST", "/v2.1/servers/"+serverID+"/action", "", tc.mv)
			jsonEqual(t, c.Body, []byte(tc.want))
		})
	}
}

func TestLiveMigrateVersionRules(t *testing.T) {
	cases := []struct {
		name, mv, min, max string
		opts               nova.LiveMigrateOptions
	}{
		{"auto before 2.25", "2.24", "2.25", "", nova.LiveMigrateOptions{BlockMigration: nova.BlockMigrationAuto}},
		{"disk_over_commit from 2.25", "2.25", "", "2.24", nova.LiveMigrateOptions{DiskOverCommit: true}},
		{"force before 2.30", "2.29", "2.30", "2.67", nova.LiveMigrateOptions{Host: "h", Force: yes(true)}},
		{"force false before 2.30", "2.1", "2.30", "2.67", nova.LiveMigrateOptions{Force: yes(false)}},
		{"force from 2.68", "2.68", "2.30", "2.67", nova.LiveMigrateOptions{Host: "h", Force: yes(false)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			ve := asVersion(t, errOf(f.client(tc.mv).LiveMigrate(context.Background(), serverID, &tc.opts)))
			if ve.InUse != tc.mv || ve.Min != tc.min || ve.Max != tc.max || ve.Service != "compute" {
				t.Errorf("VersionError = %+v", ve)
			}
			f.none()
		})
	}
}

func TestLiveMigrateValidation(t *testing.T) {
	cases := []struct {
		name, field string
		server      string
		opts        nova.LiveMigrateOptions
	}{
		{"force without host", "Force", serverID, nova.LiveMigrateOptions{Force: yes(true)}},
		{"host with space", "Host", serverID, nova.LiveMigrateOptions{Host: "bad host"}},
		{"host too long", "Host", serverID, nova.LiveMigrateOptions{Host: string(make([]byte, 256))}},
		{"unknown block value", "BlockMigration", serverID, nova.LiveMigrateOptions{BlockMigration: 9}},
		{"empty server", "server_id", "", nova.LiveMigrateOptions{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			asValidation(t, errOf(f.client("2.80").LiveMigrate(context.Background(), tc.server, &tc.opts)), tc.field)
			f.none()
		})
	}
}

func TestMigrateSamples(t *testing.T) {
	cases := []struct {
		sample, mv string
		opts       *nova.MigrateOptions
	}{
		{"os-migrate-server/migrate-server.json", "2.1", nil},
		{"os-migrate-server/v2.56/migrate-server-null.json", "2.56", &nova.MigrateOptions{}},
		{"os-migrate-server/v2.56/migrate-server.json", "2.56", &nova.MigrateOptions{Host: "host1"}},
	}
	for _, tc := range cases {
		t.Run(tc.sample, func(t *testing.T) {
			f := newFake(t)
			f.idleServer(serverID)
			f.reply("POST", "/v2.1/servers/"+serverID+"/action", 202, nil)
			if _, err := f.client(tc.mv).Migrate(context.Background(), serverID, tc.opts); err != nil {
				t.Fatal(err)
			}
			c := f.onlyPost()
			c.check(t, "POST", "/v2.1/servers/"+serverID+"/action", "", tc.mv)
			jsonEqual(t, c.Body, sample(t, tc.sample))
		})
	}
}

func TestMigrateHostNeeds256(t *testing.T) {
	f := newFake(t)
	ve := asVersion(t, errOf(f.client("2.55").Migrate(context.Background(), serverID, &nova.MigrateOptions{Host: "host1"})))
	if ve.Min != "2.56" || ve.InUse != "2.55" {
		t.Errorf("VersionError = %+v", ve)
	}
	f.none()
	asValidation(t, errOf(f.client("2.80").Migrate(context.Background(), "", nil)), "server_id")
	f.none()
}

func TestServerActionsSentOnce(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		call func(*nova.Client) error
	}{
		{"migrate", func(c *nova.Client) error { return errOf(c.Migrate(ctx, serverID, nil)) }},
		{"live", func(c *nova.Client) error { return errOf(c.LiveMigrate(ctx, serverID, nil)) }},
		{"confirm", func(c *nova.Client) error { return c.ConfirmMigration(ctx, serverID) }},
		{"revert", func(c *nova.Client) error { return c.RevertMigration(ctx, serverID) }},
	}
	for _, tc := range cases {
		for _, status := range []int{500, 502, 503, 504} {
			f := newFake(t)
			f.idleServer(serverID)
			f.reply("POST", "/v2.1/servers/"+serverID+"/action", status,
				[]byte(`{"computeFault": {"code": 500, "message": "boom"}}`))
			err := tc.call(f.client("2.80", cloudmigrate.WithRetry(5)))
			var apiErr *cloudmigrate.Error
			if !errors.As(err, &apiErr) || apiErr.StatusCode != status || apiErr.Attempts != 1 {
				t.Errorf("%s %d: err = %v", tc.name, status, err)
			}
			if n := len(f.posts()); n != 1 {
				t.Errorf("%s %d: sent %d times, want once", tc.name, status, n)
			}
		}
	}
}

func TestConfirmAndRevert(t *testing.T) {
	f := newFake(t)
	f.on("POST", "/v2.1/servers/"+serverID+"/action", func(w http.ResponseWriter, _ *http.Request, body []byte) {
		if string(body) == `{"confirmResize":null}` {
			writeJSON(w, 204, nil)
			return
		}
		writeJSON(w, 202, nil)
	})
	c := f.client("2.80")
	if err := c.ConfirmMigration(context.Background(), serverID); err != nil {
		t.Fatal(err)
	}
	if err := c.RevertMigration(context.Background(), serverID); err != nil {
		t.Fatal(err)
	}
	calls := f.recorded()
	if len(calls) != 2 {
		t.Fatalf("%d requests", len(calls))
	}
	calls[0].check(t, "POST", "/v2.1/servers/"+serverID+"/action", "", "2.80")
	jsonEqual(t, calls[0].Body, []byte(`{"confirmResize": null}`))
	calls[1].check(t, "POST", "/v2.1/servers/"+serverID+"/action", "", "2.80")
	jsonEqual(t, calls[1].Body, []byte(`{"revertResize": null}`))
	asValidation(t, c.ConfirmMigration(context.Background(), ""), "server_id")
	asValidation(t, c.RevertMigration(context.Background(), "a/b"), "server_id")
	if len(f.recorded()) != 2 {
		t.Errorf("invalid calls were sent")
	}
}

func TestConfirmNotInVerifyResize(t *testing.T) {
	f := newFake(t)
	f.reply("POST", "/v2.1/servers/"+serverID+"/action", 409,
		[]byte(`{"conflictingRequest": {"code": 409, "message": "Cannot 'confirmResize' instance `+serverID+` while it is in vm_state active"}}`))
	err := f.client("2.80").ConfirmMigration(context.Background(), serverID)
	if !cloudmigrate.IsConflict(err) {
		t.Fatalf("err = %v", err)
	}
}

func TestBlockMigrationString(t *testing.T) {
	for b, want := range map[nova.BlockMigration]string{
		nova.BlockMigrationDefault: "default", nova.BlockMigrationAuto: "auto",
		nova.BlockMigrationTrue: "true", nova.BlockMigrationFalse: "false", 7: "BlockMigration(7)",
	} {
		if got := b.String(); got != want {
			t.Errorf("%d: %q, want %q", int(b), got, want)
		}
	}
}
