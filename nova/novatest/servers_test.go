package novatest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate/nova"
	"github.com/cloudmigrate/cloudmigrate/nova/novatest"
)

// listed returns the IDs ListServers yields with opts, failing on an
// error.
func listed(t *testing.T, c *nova.Client, opts *nova.ListServersOptions) []string {
	t.Helper()
	var ids []string
	for s, err := range c.ListServers(context.Background(), opts) {
		if err != nil {
			t.Fatalf("ListServers(%+v): %v", opts, err)
		}
		ids = append(ids, s.ID)
	}
	return ids
}

// details returns the servers ListServers yields with opts, by ID.
func details(t *testing.T, c *nova.Client, opts *nova.ListServersOptions) map[string]nova.Server {
	t.Helper()
	out := map[string]nova.Server{}
	for s, err := range c.ListServers(context.Background(), opts) {
		if err != nil {
			t.Fatalf("ListServers(%+v): %v", opts, err)
		}
		out[s.ID] = s
	}
	return out
}

func TestListServersFilters(t *testing.T) {
	srv, c := newFake(t)
	srv.Clock().Advance(time.Minute)
	srv.AddServer(serverB, host2, novatest.StatusShutoff)
	srv.Clock().Advance(time.Minute)
	srv.AddServer(serverC, host1, novatest.StatusActive)

	cases := []struct {
		name string
		opts *nova.ListServersOptions
		want []string
	}{
		{"all, newest first", nil, []string{serverC, serverB, serverA}},
		{"all projects", &nova.ListServersOptions{AllProjects: true}, []string{serverC, serverB, serverA}},
		{"host", &nova.ListServersOptions{AllProjects: true, Host: host1}, []string{serverC, serverA}},
		{"node", &nova.ListServersOptions{AllProjects: true, Node: host2}, []string{serverB}},
		{"host without servers", &nova.ListServersOptions{AllProjects: true, Host: host3}, nil},
		{"unknown host", &nova.ListServersOptions{AllProjects: true, Host: "nowhere"}, nil},
		{"status", &nova.ListServersOptions{Status: nova.ServerShutoff}, []string{serverB}},
		{"status in lower case", &nova.ListServersOptions{Status: "active"}, []string{serverC, serverA}},
		{"name regexp", &nova.ListServersOptions{Name: "^(4cfb|8600)"}, []string{serverC, serverA}},
		{"name part", &nova.ListServersOptions{Name: "7b61"}, []string{serverB}},
		{"own project", &nova.ListServersOptions{AllProjects: true, ProjectID: srv.ProjectID()}, []string{serverC, serverB, serverA}},
		{"other project", &nova.ListServersOptions{AllProjects: true, ProjectID: "someone-else"}, nil},
		{"changes since", &nova.ListServersOptions{ChangesSince: srv.Clock().Now().Add(-90 * time.Second)}, []string{serverC, serverB}},
		{"host and status", &nova.ListServersOptions{AllProjects: true, Host: host1, Status: nova.ServerShutoff}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := listed(t, c, tc.opts); !equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	if n := srv.Calls(novatest.OpListServers); n != len(cases) {
		t.Errorf("Calls(OpListServers) = %d, want %d", n, len(cases))
	}
}

func TestListServersFields(t *testing.T) {
	srv, c := newFake(t)
	srv.AddServer(serverB, host2, novatest.StatusShutoff)
	got := details(t, c, &nova.ListServersOptions{AllProjects: true})
	a, b := got[serverA], got[serverB]
	if a.Name != serverA || a.Status != nova.ServerActive || a.TenantID != srv.ProjectID() || a.UserID != srv.UserID() ||
		a.Host != host1 || a.HypervisorHostname != host1 || a.InstanceName == "" || a.TaskState != "" ||
		a.VMState != "active" || a.PowerState != nova.PowerRunning || a.AvailabilityZone != "nova" ||
		a.Locked == nil || *a.Locked || a.Created.IsZero() || !a.Created.Equal(srv.Clock().Now().Truncate(time.Second)) ||
		a.Updated.Before(a.Created.Time) {
		t.Errorf("server A = %+v", a)
	}
	if b.Status != nova.ServerShutoff || b.VMState != "stopped" || b.PowerState != nova.PowerShutdown || b.Host != host2 {
		t.Errorf("server B = %+v", b)
	}
	if a.InstanceName == b.InstanceName {
		t.Errorf("both servers are %s on the hypervisor", a.InstanceName)
	}
	// Before 2.9 nova does not say whether a server is locked.
	if old := details(t, pinned(t, c, "2.8"), nil)[serverA]; old.Locked != nil {
		t.Errorf("locked sent at 2.8: %v", *old.Locked)
	}
}

func TestListServersPaging(t *testing.T) {
	srv, c := newFake(t)
	ids := []string{serverA}
	for i := range 4 {
		srv.Clock().Advance(time.Second)
		id := "vm-" + string(rune('b'+i))
		srv.AddServer(id, host1, novatest.StatusActive)
		ids = append([]string{id}, ids...)
	}
	srv.ResetCalls()
	got := listed(t, c, &nova.ListServersOptions{AllProjects: true, Host: host1, Limit: 2})
	if !equal(got, ids) {
		t.Fatalf("got %v, want %v", got, ids)
	}
	// Pages of 2, 2 and 1: the last one is not full and carries no link.
	if n := srv.Calls(novatest.OpListServers); n != 3 {
		t.Errorf("Calls(OpListServers) = %d, want 3", n)
	}

	// A full last page links to an empty one.
	srv.ResetCalls()
	if got := listed(t, c, &nova.ListServersOptions{Limit: 5}); len(got) != 5 {
		t.Fatalf("got %v", got)
	}
	if n := srv.Calls(novatest.OpListServers); n != 2 {
		t.Errorf("Calls(OpListServers) = %d, want 2", n)
	}

	// The marker starts after that server; the link keeps the filters.
	raw := newRaw(srv)
	a := raw.send(t, "GET", "/compute/v2.1/servers/detail?host="+host1+"&limit=1&marker=vm-e", "2.80", nil)
	if a.status != 200 {
		t.Fatalf("status %d: %s", a.status, a.raw)
	}
	list := a.body["servers"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["id"] != "vm-d" {
		t.Fatalf("servers %v", list)
	}
	links := a.body["servers_links"].([]any)
	href := links[0].(map[string]any)["href"].(string)
	if want := srv.Endpoint() + "/servers/detail?host=" + host1 + "&limit=1&marker=vm-d"; href != want {
		t.Errorf("next link %s, want %s", href, want)
	}
}

func TestListServersBadQueries(t *testing.T) {
	srv, c := newFake(t)
	raw := newRaw(srv)
	msg := raw.send(t, "GET", "/compute/v2.1/servers/detail?marker=no-such-server", "2.80", nil).fault(t, 400, novatest.FaultBadRequest)
	if msg != "marker [no-such-server] not found" {
		t.Errorf("message %q", msg)
	}
	msg = raw.send(t, "GET", "/compute/v2.1/servers/detail?name=web-(", "2.80", nil).fault(t, 400, novatest.FaultBadRequest)
	if !strings.Contains(msg, "name") {
		t.Errorf("message %q", msg)
	}
	raw.send(t, "GET", "/compute/v2.1/servers/detail?limit=-1", "2.80", nil).fault(t, 400, novatest.FaultBadRequest)

	// Through the SDK, the same is a *cloudmigrate.Error.
	for _, err := range c.ListServers(context.Background(), &nova.ListServersOptions{Name: "(("}) {
		apiError(t, err, 400, novatest.FaultBadRequest)
	}
}

func TestListServersFollowsMigrations(t *testing.T) {
	srv, c := newFake(t)
	srv.AddServer(serverB, host1, novatest.StatusShutoff)
	ctx := context.Background()

	if _, err := c.LiveMigrate(ctx, serverA, &nova.LiveMigrateOptions{Host: host2}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Migrate(ctx, serverB, &nova.MigrateOptions{Host: host3}); err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(time.Second)
	during := details(t, c, &nova.ListServersOptions{AllProjects: true, Host: host1})
	if a := during[serverA]; a.Status != nova.ServerMigrating || a.TaskState != novatest.TaskMigrating || a.Host != host1 {
		t.Errorf("during the live migration: %+v", a)
	}
	if b := during[serverB]; b.Status != nova.ServerResize || b.TaskState == "" || b.Host != host1 {
		t.Errorf("during the cold migration: %+v", b)
	}

	srv.Clock().Advance(24 * time.Hour)
	if got := listed(t, c, &nova.ListServersOptions{AllProjects: true, Host: host1}); len(got) != 0 {
		t.Errorf("still on %s: %v", host1, got)
	}
	a := details(t, c, &nova.ListServersOptions{AllProjects: true, Host: host2})[serverA]
	if a.Status != nova.ServerActive || a.TaskState != "" || a.Host != host2 || a.HypervisorHostname != host2 {
		t.Errorf("after the live migration: %+v", a)
	}
	if !a.Updated.After(a.Created.Time) {
		t.Errorf("updated %v not after created %v", a.Updated, a.Created)
	}
	b := details(t, c, &nova.ListServersOptions{AllProjects: true, Status: nova.ServerVerifyResize})[serverB]
	if b.Host != host3 || b.VMState != "resized" || b.PowerState != nova.PowerShutdown {
		t.Errorf("after the cold migration: %+v", b)
	}
}
