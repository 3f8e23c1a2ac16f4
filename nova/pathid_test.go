package nova_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/rest/pathidtest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/nova"
)

const pathServer = "7a9e1c2b-3d4f-4a5b-8c6d-7e8f9a0b1c2d"

// pathVersions is the version document the loopback server answers.
const pathVersions = `{"version": {"id": "v2.1", "status": "CURRENT", "version": "2.104", "min_version": "2.1"}}`

func pathClient(t *testing.T, endpoint string) *nova.Client {
	c, err := nova.NewClient(endpoint+"/v2.1", auth.StaticToken("t"), cloudmigrate.WithRetryWait(time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// pathOps lists every Client method that puts an ID into a URL path.
var pathOps = []pathidtest.Op[*nova.Client]{
	{
		Method: "Migrate", Params: []string{"serverID"}, Fields: []string{"server_id"}, Valid: []string{pathServer},
		Call: func(ctx context.Context, c *nova.Client, ids []string) error {
			_, err := c.Migrate(ctx, ids[0], &nova.MigrateOptions{Host: "compute-2"})
			return err
		},
	},
	{
		Method: "LiveMigrate", Params: []string{"serverID"}, Fields: []string{"server_id"}, Valid: []string{pathServer},
		Call: func(ctx context.Context, c *nova.Client, ids []string) error {
			_, err := c.LiveMigrate(ctx, ids[0], &nova.LiveMigrateOptions{Host: "compute-2"})
			return err
		},
	},
	{
		Method: "Evacuate", Params: []string{"serverID"}, Fields: []string{"server_id"}, Valid: []string{pathServer},
		Call: func(ctx context.Context, c *nova.Client, ids []string) error {
			_, err := c.Evacuate(ctx, ids[0], &nova.EvacuateOptions{Host: "compute-2"})
			return err
		},
	},
	{
		Method: "GetServer", Params: []string{"serverID"}, Fields: []string{"server_id"}, Valid: []string{pathServer},
		Call: func(ctx context.Context, c *nova.Client, ids []string) error {
			_, err := c.GetServer(ctx, ids[0])
			return err
		},
	},
	{
		Method: "ListInstanceActions", Params: []string{"serverID"}, Fields: []string{"server_id"}, Valid: []string{pathServer},
		Call: func(ctx context.Context, c *nova.Client, ids []string) error {
			for _, err := range c.ListInstanceActions(ctx, ids[0], &nova.ListInstanceActionsOptions{Limit: 5}) {
				return err
			}
			return nil
		},
	},
	{
		Method: "GetInstanceAction", Params: []string{"serverID", "requestID"}, Fields: []string{"server_id", "request_id"},
		Valid: []string{pathServer, "req-3f1a2b4c-0000-4000-8000-000000000001"},
		Call: func(ctx context.Context, c *nova.Client, ids []string) error {
			_, err := c.GetInstanceAction(ctx, ids[0], ids[1])
			return err
		},
	},
	{
		Method: "ConfirmMigration", Params: []string{"serverID"}, Fields: []string{"server_id"}, Valid: []string{pathServer},
		Call: func(ctx context.Context, c *nova.Client, ids []string) error {
			return c.ConfirmMigration(ctx, ids[0])
		},
	},
	{
		Method: "RevertMigration", Params: []string{"serverID"}, Fields: []string{"server_id"}, Valid: []string{pathServer},
		Call: func(ctx context.Context, c *nova.Client, ids []string) error {
			return c.RevertMigration(ctx, ids[0])
		},
	},
	{
		Method: "ListServerMigrations", Params: []string{"serverID"}, Fields: []string{"server_id"}, Valid: []string{pathServer},
		Call: func(ctx context.Context, c *nova.Client, ids []string) error {
			_, err := c.ListServerMigrations(ctx, ids[0])
			return err
		},
	},
	{
		Method: "GetServerMigration", Params: []string{"serverID"}, Fields: []string{"server_id"}, Valid: []string{pathServer},
		Call: func(ctx context.Context, c *nova.Client, ids []string) error {
			_, err := c.GetServerMigration(ctx, ids[0], 7)
			return err
		},
	},
	{
		Method: "ForceCompleteMigration", Params: []string{"serverID"}, Fields: []string{"server_id"}, Valid: []string{pathServer},
		Call: func(ctx context.Context, c *nova.Client, ids []string) error {
			return c.ForceCompleteMigration(ctx, ids[0], 7)
		},
	},
	{
		Method: "AbortMigration", Params: []string{"serverID"}, Fields: []string{"server_id"}, Valid: []string{pathServer},
		Call: func(ctx context.Context, c *nova.Client, ids []string) error {
			return c.AbortMigration(ctx, ids[0], 7)
		},
	},
	{
		Method: "WaitForMigration", Params: []string{"serverID"}, Fields: []string{"server_id"}, Valid: []string{pathServer},
		Call: func(ctx context.Context, c *nova.Client, ids []string) error {
			_, err := c.WaitForMigration(ctx, ids[0], 7, jobs.WithInitialDelay(0), jobs.WithInterval(time.Millisecond, time.Millisecond))
			return err
		},
	},
	{
		Method: "UpdateService", Params: []string{"serviceID"}, Fields: []string{"service_id"}, Valid: []string{pathServer},
		Call: func(ctx context.Context, c *nova.Client, ids []string) error {
			_, err := c.UpdateService(ctx, ids[0], &nova.UpdateServiceOptions{Status: nova.ServiceEnabled})
			return err
		},
	},
	{
		Method: "GetHypervisor", Params: []string{"hypervisorID"}, Fields: []string{"hypervisor_id"}, Valid: []string{pathServer},
		Call: func(ctx context.Context, c *nova.Client, ids []string) error {
			_, err := c.GetHypervisor(ctx, ids[0], nil)
			return err
		},
	},
}

// Every operation refuses every bad server ID before sending anything,
// version discovery included.
func TestPathIDsRefusedBeforeSending(t *testing.T) {
	pathidtest.Run(t, pathVersions, pathClient, pathOps)
}

// The table above lists every Client method that takes a string.
func TestPathIDTableComplete(t *testing.T) {
	pathidtest.CheckComplete(t, ".", pathOps, map[string]string{
		"WithMicroversion": "takes a microversion, which goes into headers",
		"ResumeMigration":  "takes a resume token, which is parsed and checked, never sent",
		"DisableService":   "takes a host (body or query, held to nova's host pattern) and a reason (body)",
		"EnableService":    "takes a host, which goes into the body or the query, held to nova's host pattern",
		"ForceDownService": "takes a host, which goes into the body or the query, held to nova's host pattern",
		"ClearForceDown":   "takes a host, which goes into the body or the query, held to nova's host pattern",
	})
}

// Migrate, LiveMigrate and Evacuate hold the host to nova's schema for it
// (^[a-zA-Z0-9-._]*$, 1 to 255 characters) before sending anything, and
// send a host that fits it as given.
func TestMigrationHostPattern(t *testing.T) {
	ops := map[string]func(ctx context.Context, c *nova.Client, host string) error{
		"Migrate": func(ctx context.Context, c *nova.Client, host string) error {
			_, err := c.Migrate(ctx, pathServer, &nova.MigrateOptions{Host: host})
			return err
		},
		"LiveMigrate": func(ctx context.Context, c *nova.Client, host string) error {
			_, err := c.LiveMigrate(ctx, pathServer, &nova.LiveMigrateOptions{Host: host})
			return err
		},
		"Evacuate": func(ctx context.Context, c *nova.Client, host string) error {
			_, err := c.Evacuate(ctx, pathServer, &nova.EvacuateOptions{Host: host})
			return err
		},
	}
	bad := []string{
		"compute 1", " compute1", "compute1\n", "compute/1", "compute@1", "host:8774", "compute%31",
		"compute#1", "cömpute", "compute\x00", "\xff", strings.Repeat("h", 256),
	}
	good := []string{"compute-1", "compute-1.example.org", "host_1", "a", "-._", "01c0cadef72d47e28a672a76060d492c", strings.Repeat("h", 255)}
	for name, op := range ops {
		t.Run(name, func(t *testing.T) {
			srv := pathidtest.NewServer(t, pathVersions)
			c := pathClient(t, srv.URL)
			for _, h := range bad {
				err := op(context.Background(), c, h)
				var ve *cloudmigrate.ValidationError
				if !errors.As(err, &ve) || ve.Field != "Host" {
					t.Errorf("%s with host %.40q: %v, want a ValidationError for Host", name, h, err)
				}
			}
			if sent := srv.Requests(); len(sent) != 0 {
				t.Fatalf("bad hosts sent %d requests: %q", len(sent), sent)
			}
			for _, h := range good {
				before := len(srv.Requests())
				err := op(context.Background(), c, h)
				var ve *cloudmigrate.ValidationError
				if errors.As(err, &ve) {
					t.Errorf("%s with host %.40q refused: %v", name, h, err)
				}
				if len(srv.Requests()) == before {
					t.Errorf("%s with host %.40q sent nothing", name, h)
				}
			}
		})
	}
}

// Filter and marker values go into the query string, not the path: they
// are not held to the path-ID rule, but every reserved character in them is
// escaped, so that the service reads back exactly the value given and no
// parameter of the caller's making.
func TestQueryValuesEscaped(t *testing.T) {
	hostile := "a&b=c#d?e/f%g h+i;j\u00e9"
	srv := pathidtest.NewServer(t, pathVersions)
	c := pathClient(t, srv.URL)
	ctx := context.Background()
	for range c.ListMigrations(ctx, &nova.ListMigrationsOptions{
		Host: hostile, InstanceUUID: hostile, SourceCompute: hostile, MigrationType: nova.MigrationType(hostile),
		Status: nova.MigrationStatus(hostile), UserID: hostile, ProjectID: hostile, Marker: hostile,
	}) {
		break
	}
	for range c.ListServers(ctx, &nova.ListServersOptions{Host: hostile, Node: hostile, Name: hostile, ProjectID: hostile}) {
		break
	}
	for range c.ListInstanceActions(ctx, pathServer, &nova.ListInstanceActionsOptions{Marker: hostile}) {
		break
	}
	want := map[string][]string{
		"/v2.1/os-migrations":  {"host", "instance_uuid", "source_compute", "migration_type", "status", "user_id", "project_id", "marker"},
		"/v2.1/servers/detail": {"host", "node", "name", "project_id"},
		"/v2.1/servers/" + pathServer + "/os-instance-actions": {"marker"},
	}
	for _, sent := range srv.Requests() {
		u, err := url.ParseRequestURI(strings.TrimPrefix(sent, "GET "))
		if err != nil {
			t.Fatalf("%q: %v", sent, err)
		}
		keys, ok := want[u.Path]
		if !ok {
			continue
		}
		delete(want, u.Path)
		q := u.Query()
		if len(q) != len(keys) || u.Fragment != "" {
			t.Errorf("%s sent the parameters %q, want exactly %q", u.Path, q, keys)
		}
		for _, k := range keys {
			if got := q[k]; len(got) != 1 || got[0] != hostile {
				t.Errorf("%s: %s = %q, want [%q] (query %q)", u.Path, k, got, hostile, u.RawQuery)
			}
		}
	}
	for path := range want {
		t.Errorf("nothing was sent to %s", path)
	}
}
