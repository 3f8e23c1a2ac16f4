package manila_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/rest/pathidtest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/manila"
)

const (
	pathShareServer = "5bd7c5a8-5e83-4f4c-9a0e-5f2d3a1c7b60"
	pathShare       = "406ea93b-32e9-4907-a117-148b3945749f"
	pathNetwork     = "c2f71561-85e2-4ccb-a91a-e44f9ff6f7ef"
)

// pathVersions is the version document the loopback server answers.
const pathVersions = `{"version": {"id": "v2.0", "status": "CURRENT", "version": "2.98", "min_version": "2.0"}}`

func pathClient(t *testing.T, endpoint string) *manila.Client {
	c, err := manila.NewClient(endpoint+"/v2/9a8b7c6d5e4f4a3b8c7d6e5f4a3b2c1d", auth.StaticToken("t"),
		cloudmigrate.WithRetryWait(time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func waitFast() []jobs.Option {
	return []jobs.Option{jobs.WithInitialDelay(0), jobs.WithInterval(time.Millisecond, time.Millisecond)}
}

var (
	serverParams = []string{"shareServerID"}
	shareParams  = []string{"shareID"}
)

// pathOps lists every Client method that puts an ID into a URL path.
var pathOps = []pathidtest.Op[*manila.Client]{
	{
		Method: "CheckMigration", Params: serverParams, Fields: serverParams, Valid: []string{pathShareServer},
		Call: func(ctx context.Context, c *manila.Client, ids []string) error {
			_, err := c.CheckMigration(ctx, ids[0], &manila.CheckMigrationRequest{Host: "host2@backend2", NewShareNetworkID: pathNetwork})
			return err
		},
	},
	{
		Method: "StartMigration", Params: serverParams, Fields: serverParams, Valid: []string{pathShareServer},
		Call: func(ctx context.Context, c *manila.Client, ids []string) error {
			_, err := c.StartMigration(ctx, ids[0], &manila.StartMigrationRequest{Host: "host2@backend2", NewShareNetworkID: pathNetwork})
			return err
		},
	},
	{
		Method: "CompleteMigration", Params: serverParams, Fields: serverParams, Valid: []string{pathShareServer},
		Call: func(ctx context.Context, c *manila.Client, ids []string) error {
			_, err := c.CompleteMigration(ctx, ids[0])
			return err
		},
	},
	{
		Method: "GetMigrationProgress", Params: serverParams, Fields: serverParams, Valid: []string{pathShareServer},
		Call: func(ctx context.Context, c *manila.Client, ids []string) error {
			_, err := c.GetMigrationProgress(ctx, ids[0])
			return err
		},
	},
	{
		Method: "CancelMigration", Params: serverParams, Fields: serverParams, Valid: []string{pathShareServer},
		Call: func(ctx context.Context, c *manila.Client, ids []string) error {
			return c.CancelMigration(ctx, ids[0])
		},
	},
	{
		Method: "ResetTaskState", Params: serverParams, Fields: serverParams, Valid: []string{pathShareServer},
		Call: func(ctx context.Context, c *manila.Client, ids []string) error {
			state := manila.TaskState("migration_error")
			return c.ResetTaskState(ctx, ids[0], &state)
		},
	},
	{
		Method: "GetShareServer", Params: serverParams, Fields: serverParams, Valid: []string{pathShareServer},
		Call: func(ctx context.Context, c *manila.Client, ids []string) error {
			_, err := c.GetShareServer(ctx, ids[0])
			return err
		},
	},
	{
		Method: "WaitForMigrationPhase1", Params: serverParams, Fields: serverParams, Valid: []string{pathShareServer},
		Call: func(ctx context.Context, c *manila.Client, ids []string) error {
			_, err := c.WaitForMigrationPhase1(ctx, ids[0], waitFast()...)
			return err
		},
	},
	{
		Method: "WaitForMigrationComplete", Params: serverParams, Fields: serverParams, Valid: []string{pathShareServer},
		Call: func(ctx context.Context, c *manila.Client, ids []string) error {
			_, err := c.WaitForMigrationComplete(ctx, ids[0], waitFast()...)
			return err
		},
	},
	{
		Method: "StartShareMigration", Params: shareParams, Fields: shareParams, Valid: []string{pathShare},
		Call: func(ctx context.Context, c *manila.Client, ids []string) error {
			_, err := c.StartShareMigration(ctx, ids[0], &manila.StartShareMigrationRequest{Host: "host2@backend2#pool2"})
			return err
		},
	},
	{
		Method: "CompleteShareMigration", Params: shareParams, Fields: shareParams, Valid: []string{pathShare},
		Call: func(ctx context.Context, c *manila.Client, ids []string) error {
			return c.CompleteShareMigration(ctx, ids[0])
		},
	},
	{
		Method: "CancelShareMigration", Params: shareParams, Fields: shareParams, Valid: []string{pathShare},
		Call: func(ctx context.Context, c *manila.Client, ids []string) error {
			return c.CancelShareMigration(ctx, ids[0])
		},
	},
	{
		Method: "GetShareMigrationProgress", Params: shareParams, Fields: shareParams, Valid: []string{pathShare},
		Call: func(ctx context.Context, c *manila.Client, ids []string) error {
			_, err := c.GetShareMigrationProgress(ctx, ids[0])
			return err
		},
	},
	{
		Method: "GetShare", Params: shareParams, Fields: shareParams, Valid: []string{pathShare},
		Call: func(ctx context.Context, c *manila.Client, ids []string) error {
			_, err := c.GetShare(ctx, ids[0])
			return err
		},
	},
}

// Every operation refuses every bad share or share-server ID before
// sending anything, version discovery included.
func TestPathIDsRefusedBeforeSending(t *testing.T) {
	pathidtest.Run(t, pathVersions, pathClient, pathOps)
}

// The table above lists every Client method that takes a string.
func TestPathIDTableComplete(t *testing.T) {
	pathidtest.CheckComplete(t, ".", pathOps, map[string]string{
		"WithMicroversion":     "takes a microversion, which goes into headers",
		"ResumeMigration":      "takes a resume token, which is parsed and checked, never sent; the ID in it is checked like a path ID",
		"ResumeShareMigration": "takes a resume token, which is parsed and checked, never sent; the ID in it is checked like a path ID",
		"DisableService":       "takes a host, a binary and a reason, which go into the body, checked for white space and control characters",
		"EnableService":        "takes a host and a binary, which go into the body, checked for white space and control characters",
	})
}

// Manila documents no pattern for the IDs in request bodies (its request
// schema for migration_start, manila/api/schemas/shares.py in
// openstack/manila at d28877849f29128ecb3b1b7c63435ba2aef1811d, types
// new_share_network_id and new_share_type_id as plain strings), so they
// are held to the path-ID rule: a bad one names its JSON field and nothing
// is sent.
func TestBodyIDsHeldToTheRule(t *testing.T) {
	ops := []struct {
		field string
		call  func(ctx context.Context, c *manila.Client, id string) error
	}{
		{"new_share_network_id", func(ctx context.Context, c *manila.Client, id string) error {
			_, err := c.CheckMigration(ctx, pathShareServer, &manila.CheckMigrationRequest{Host: "host2@backend2", NewShareNetworkID: id})
			return err
		}},
		{"new_share_network_id", func(ctx context.Context, c *manila.Client, id string) error {
			_, err := c.StartMigration(ctx, pathShareServer, &manila.StartMigrationRequest{Host: "host2@backend2", NewShareNetworkID: id})
			return err
		}},
		{"new_share_network_id", func(ctx context.Context, c *manila.Client, id string) error {
			_, err := c.StartShareMigration(ctx, pathShare, &manila.StartShareMigrationRequest{Host: "host2@backend2#pool2", NewShareNetworkID: id})
			return err
		}},
		{"new_share_type_id", func(ctx context.Context, c *manila.Client, id string) error {
			_, err := c.StartShareMigration(ctx, pathShare, &manila.StartShareMigrationRequest{Host: "host2@backend2#pool2", NewShareTypeID: id})
			return err
		}},
	}
	srv := pathidtest.NewServer(t, pathVersions)
	c := pathClient(t, srv.URL)
	for _, op := range ops {
		for _, b := range pathidtest.BadIDs() {
			if b.Value == "" {
				continue // an empty ID is no ID: the field is sent as null or left out
			}
			err := op.call(context.Background(), c, b.Value)
			var ve *cloudmigrate.ValidationError
			if !errors.As(err, &ve) || ve.Field != op.field {
				t.Errorf("%s %s %.40q: %v, want a ValidationError for %s", op.field, b.Class, b.Value, err, op.field)
			}
		}
	}
	if sent := srv.Requests(); len(sent) != 0 {
		t.Fatalf("bad body IDs sent %d requests: %q", len(sent), sent)
	}
}
