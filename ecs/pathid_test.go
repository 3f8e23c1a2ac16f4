package ecs_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/ecs"
	"github.com/cloudmigrate/cloudmigrate/internal/rest/pathidtest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

const (
	pathServer = "7a9e1c2b-3d4f-4a5b-8c6d-7e8f9a0b1c2d"
	pathJob    = "ff80808288d41e1b018990260955686a"
)

// pathOps lists every Client method that puts an ID into a URL path.
var pathOps = []pathidtest.Op[*ecs.Client]{
	{
		Method: "ColdMigrate", Params: []string{"serverID"}, Fields: []string{"serverID"}, Valid: []string{pathServer},
		Call: func(ctx context.Context, c *ecs.Client, ids []string) error {
			_, err := c.ColdMigrate(ctx, ids[0], &ecs.ColdMigrateOptions{DedicatedHostID: "459a2b9d-804a-4745-ab19-a113bb1b4ddc"})
			return err
		},
	},
	{
		Method: "GetJob", Params: []string{"jobID"}, Fields: []string{"jobID"}, Valid: []string{pathJob},
		Call: func(ctx context.Context, c *ecs.Client, ids []string) error {
			_, err := c.GetJob(ctx, ids[0])
			return err
		},
	},
	{
		Method: "GetServer", Params: []string{"serverID"}, Fields: []string{"serverID"}, Valid: []string{pathServer},
		Call: func(ctx context.Context, c *ecs.Client, ids []string) error {
			_, err := c.GetServer(ctx, ids[0])
			return err
		},
	},
	{
		Method: "WaitForJob", Params: []string{"jobID"}, Fields: []string{"jobID"}, Valid: []string{pathJob},
		Call: func(ctx context.Context, c *ecs.Client, ids []string) error {
			_, err := c.WaitForJob(ctx, ids[0], jobs.WithInitialDelay(0), jobs.WithInterval(time.Millisecond, time.Millisecond))
			return err
		},
	},
}

// Every operation refuses every bad path ID before sending anything.
func TestPathIDsRefusedBeforeSending(t *testing.T) {
	pathidtest.Run(t, "", func(t *testing.T, endpoint string) *ecs.Client {
		c, err := ecs.NewClient(endpoint, "0a1b2c3d4e5f60718293a4b5c6d7e8f9", auth.StaticToken("t"),
			cloudmigrate.WithRetryWait(time.Millisecond, time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}, pathOps)
}

// The table above lists every Client method that takes a string.
func TestPathIDTableComplete(t *testing.T) {
	pathidtest.CheckComplete(t, ".", pathOps, map[string]string{
		"ResumeColdMigration": "takes a resume token, not a path ID; the IDs it holds are held to the rule (TestResumeChecksTheTokensIDs)",
		"ResumeServerAction":  "takes a resume token, not a path ID; the IDs it holds are held to the rule (TestResumeChecksTheTokensIDs)",
	})
}

// The server IDs of a batch action and of the server_id filter go into a
// body or a query; they are held to the same rule, under their own field
// names, and to having no comma (they are sent comma-separated when the
// handle checks them). Nothing is sent.
func TestServerIDListsHeldToTheRule(t *testing.T) {
	srv := pathidtest.NewServer(t, "")
	c, err := ecs.NewClient(srv.URL, "0a1b2c3d4e5f60718293a4b5c6d7e8f9", auth.StaticToken("t"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	bad := append(pathidtest.BadIDs(), pathidtest.Bad{Class: "comma", Value: "a,b"})
	for _, b := range bad {
		ids := []string{pathServer, b.Value}
		_, errStop := c.StopServers(ctx, ids, nil)
		_, errStart := c.StartServers(ctx, ids)
		var errList error
		for _, err := range c.ListServers(ctx, &ecs.ListServersOptions{ServerIDs: ids}) {
			errList = err
			break
		}
		for field, err := range map[string]error{"serverIDs[1]": errStop, "serverIDs[1] ": errStart, "ListServersOptions.ServerIDs[1]": errList} {
			var ve *cloudmigrate.ValidationError
			if !errors.As(err, &ve) || ve.Field != strings.TrimSpace(field) {
				t.Errorf("%s %.40q: %v, want a ValidationError for %s", b.Class, b.Value, err, field)
			}
		}
	}
	if sent := srv.Requests(); len(sent) != 0 {
		t.Fatalf("bad server IDs sent %d requests: %q", len(sent), sent)
	}
}

// The dedicated host ID of ColdMigrate goes into the body; it is held to
// the same rule, under its own field name, and nothing is sent.
func TestDedicatedHostIDHeldToTheRule(t *testing.T) {
	srv := pathidtest.NewServer(t, "")
	c, err := ecs.NewClient(srv.URL, "0a1b2c3d4e5f60718293a4b5c6d7e8f9", auth.StaticToken("t"))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range pathidtest.BadIDs() {
		if b.Value == "" {
			continue // no host: {"migrate": null}
		}
		_, err := c.ColdMigrate(context.Background(), pathServer, &ecs.ColdMigrateOptions{DedicatedHostID: b.Value})
		var ve *cloudmigrate.ValidationError
		if !errors.As(err, &ve) || ve.Field != "opts.DedicatedHostID" {
			t.Errorf("%s %.40q: %v, want a ValidationError for opts.DedicatedHostID", b.Class, b.Value, err)
		}
	}
	if sent := srv.Requests(); len(sent) != 0 {
		t.Fatalf("bad host IDs sent %d requests: %q", len(sent), sent)
	}
}
