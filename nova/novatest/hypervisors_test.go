package novatest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/nova"
	"github.com/cloudmigrate/cloudmigrate/nova/novatest"
)

// TestHypervisorAnswersMatchSchemas lists and shows the hypervisors, up,
// down, disabled, with and without servers, paged and searched, at every
// microversion where nova's or tempest's schemas of the routes change, and
// checks each answer against every schema that applies.
func TestHypervisorAnswersMatchSchemas(t *testing.T) {
	cf := newConformance(t)
	srv := novatest.NewServer()
	defer srv.Close()
	rc := newRaw(srv)
	srv.AddHost(host1, host2, host3)
	srv.AddServer(serverA, host1, novatest.StatusActive)
	srv.AddServer(serverB, host1, novatest.StatusShutoff)
	srv.SetServiceDisabled(host2, true, "maintenance")
	srv.SetHostDown(host3, true)
	versions := unionVersions(cf.files, "hypervisors-detail", "hypervisors-show")
	if len(versions) < 9 {
		t.Fatalf("only %d microversions: %v", len(versions), versions)
	}
	for _, v := range versions {
		vs := v.String()
		get := func(path string) answer {
			t.Helper()
			a := rc.send(t, "GET", api+path, vs, nil)
			if a.status != 200 {
				t.Fatalf("GET %s at %s: %d %s", path, vs, a.status, a.raw)
			}
			return a
		}
		detail := func(query string) []any {
			t.Helper()
			body := cf.check("GET /os-hypervisors/detail"+query, "hypervisors-detail", v, get("/os-hypervisors/detail"+query))
			cf.record("hypervisors", body, "hypervisors", "[]")
			cf.record("hypervisors service", body, "hypervisors", "[]", "service")
			list, _ := body.(map[string]any)["hypervisors"].([]any)
			return list
		}
		all := detail("")
		if len(all) != 3 {
			t.Fatalf("%s: %d hypervisors", vs, len(all))
		}
		if v.AtLeast(auth.MustParseMicroversion("2.33")) {
			detail("?limit=1")
		}
		withServers := v.AtLeast(auth.MustParseMicroversion("2.53"))
		if withServers {
			detail("?with_servers=true")
			detail("?hypervisor_hostname_pattern=compute2&with_servers=1")
		}
		for _, h := range all {
			id := fmt.Sprint(h.(map[string]any)["id"])
			body := cf.check("GET /os-hypervisors/"+id, "hypervisors-show", v, get("/os-hypervisors/"+id))
			cf.record("hypervisors", body, "hypervisor")
			if withServers {
				body = cf.check("GET /os-hypervisors/"+id+"?with_servers=true", "hypervisors-show", v, get("/os-hypervisors/"+id+"?with_servers=true"))
				cf.record("hypervisors", body, "hypervisor")
			}
		}
	}
	for _, f := range cf.files {
		if strings.HasPrefix(f.route, "hypervisors-") && cf.used[f.path] == 0 {
			t.Errorf("%s (%s) was never checked", f.path, f.comment)
		}
	}
	cf.saw("hypervisors", "uptime", "null", "set")
	for _, f := range []string{"servers", "cpu_info", "vcpus", "host_ip", "hypervisor_version", "disk_available_least"} {
		cf.saw("hypervisors", f, "set")
	}
	cf.saw("hypervisors service", "disabled_reason", "null", "set")
}

// The fake's answers have the fields of nova's samples at each
// microversion: the figures up to 2.87 and uptime instead from 2.88.
func TestHypervisorAnswersMatchTheSamples(t *testing.T) {
	srv := novatest.NewServer()
	defer srv.Close()
	rc := newRaw(srv)
	srv.AddHost(host1)
	srv.AddServer(serverA, host1, novatest.StatusActive)
	for _, tc := range []struct{ mv, file, query string }{
		{"2.1", "hypervisors-detail-resp.json", ""},
		{"2.28", "v2.28/hypervisors-detail-resp.json", ""},
		{"2.53", "v2.53/hypervisors-detail-with-servers-resp.json", "?with_servers=true"},
		{"2.88", "v2.88/hypervisors-detail-with-servers-resp.json", "?with_servers=true"},
		{"2.88", "v2.88/hypervisors-detail-resp.json", ""},
	} {
		a := rc.send(t, "GET", api+"/os-hypervisors/detail"+tc.query, tc.mv, nil)
		list, _ := a.body["hypervisors"].([]any)
		if a.status != 200 || len(list) != 1 {
			t.Fatalf("%s: %d %s", tc.mv, a.status, a.raw)
		}
		want := sampleObject(t, "os-hypervisors/"+tc.file, "hypervisors")
		got := list[0].(map[string]any)
		if !equal(keys(got), keys(want)) {
			t.Errorf("%s %s: fields %v, want %v", tc.mv, tc.file, keys(got), keys(want))
		}
		if !equal(keys(got["service"].(map[string]any)), keys(want["service"].(map[string]any))) {
			t.Errorf("%s %s: service fields %v", tc.mv, tc.file, got["service"])
		}
		show := rc.send(t, "GET", api+"/os-hypervisors/"+fmt.Sprint(got["id"])+tc.query, tc.mv, nil)
		wantShow := sampleObject(t, "os-hypervisors/"+strings.Replace(tc.file, "detail", "show", 1), "hypervisor")
		if !equal(keys(show.body["hypervisor"].(map[string]any)), keys(wantShow)) {
			t.Errorf("%s show: fields %v, want %v", tc.mv, keys(show.body["hypervisor"].(map[string]any)), keys(wantShow))
		}
	}
}

// Through the SDK: the hypervisors' state and status follow their compute
// services, their figures the servers on them (up to 2.87; none from
// 2.88), and the searches and pages work as nova's do.
func TestHypervisorsFollowServices(t *testing.T) {
	ctx := context.Background()
	srv, c := newFake(t)
	srv.AddServer(serverB, host1, novatest.StatusShutoff)
	if _, err := c.DisableService(ctx, host2, "maintenance"); err != nil {
		t.Fatal(err)
	}
	srv.SetHostDown(host3, true)

	collect := func(c *nova.Client, o *nova.ListHypervisorsOptions) []nova.Hypervisor {
		t.Helper()
		var out []nova.Hypervisor
		for h, err := range c.ListHypervisors(ctx, o) {
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, h)
		}
		return out
	}
	old := pinned(t, c, "2.87")
	list := collect(old, &nova.ListHypervisorsOptions{WithServers: true})
	if len(list) != 3 {
		t.Fatalf("%d hypervisors", len(list))
	}
	h1, h2, h3 := list[0], list[1], list[2]
	if h1.State != nova.ServiceUp || h1.Status != nova.ServiceEnabled || h2.Status != nova.ServiceDisabled ||
		h2.Service.DisabledReason != "maintenance" || h3.State != nova.ServiceDown || h3.Status != nova.ServiceEnabled {
		t.Errorf("states: %+v / %+v / %+v", h1, h2, h3)
	}
	r := h1.Resources
	if r == nil || *r.RunningVMs != 2 || r.VCPUs != novatest.HostVCPUs || r.VCPUsUsed != 4 ||
		r.MemoryMBUsed != novatest.ReservedHostMemoryMB+2*int(novatest.DefaultMemoryBytes>>20) ||
		r.LocalGBUsed != 2*int(novatest.DefaultDiskBytes>>30) || *r.FreeDiskGB != novatest.HostDiskGB-r.LocalGBUsed ||
		*r.FreeRAMMB != novatest.HostMemoryMB-r.MemoryMBUsed || len(r.CPUInfo) == 0 {
		t.Errorf("figures of host1: %+v", r)
	}
	if len(h1.Servers) != 2 || len(h2.Servers) != 0 || h2.Resources == nil || *h2.Resources.RunningVMs != 0 {
		t.Errorf("servers: %v / %v", h1.Servers, h2.Servers)
	}
	if h1.Service.Host != host1 || h1.HypervisorHostname != host1 || h1.HypervisorType != novatest.HypervisorType ||
		h1.HypervisorVersion != novatest.HypervisorVersion || h1.HostIP == "" {
		t.Errorf("host1: %+v", h1)
	}

	// From 2.88 no figures, and an uptime for a host that is up.
	for _, h := range collect(c, nil) {
		if h.Resources != nil || (h.State == nova.ServiceUp) != (h.Uptime != "") {
			t.Errorf("at 2.104: %+v", h)
		}
	}

	// The figures follow a server that moves.
	srv.SetHostDown(host3, false)
	if err := errOf(c.LiveMigrate(ctx, serverA, &nova.LiveMigrateOptions{Host: host3})); err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(2 * time.Minute)
	byHost := map[string]*nova.HypervisorResources{}
	for _, h := range collect(old, nil) {
		byHost[h.Service.Host] = h.Resources
	}
	if *byHost[host1].RunningVMs != 1 || *byHost[host3].RunningVMs != 1 {
		t.Errorf("after the move: host1 runs %d, host3 %d", *byHost[host1].RunningVMs, *byHost[host3].RunningVMs)
	}

	// GetHypervisor by the ID of the version in use.
	hv := collect(c, nil)[1]
	got, err := c.GetHypervisor(ctx, hv.ID, nil)
	if err != nil || got.Service.Host != host2 || got.Status != nova.ServiceDisabled {
		t.Fatalf("GetHypervisor: %+v %v", got, err)
	}
	legacy := pinned(t, c, "2.52")
	if got, err = legacy.GetHypervisor(ctx, "2", nil); err != nil || got.ID != "2" || got.Service.ID != "4" || got.Service.Host != host2 {
		t.Fatalf("GetHypervisor at 2.52: %+v %v", got, err)
	}
	_, err = legacy.GetHypervisor(ctx, "9", nil)
	apiError(t, err, 404, novatest.FaultItemNotFound)

	// Searching: part of the name, in any case, '_' for any character.
	for pattern, want := range map[string]int{"compute": 3, "PUTE2": 1, "comp_te3": 1, "compute9": 0} {
		if n := len(collect(c, &nova.ListHypervisorsOptions{HostnamePattern: pattern})); n != want {
			t.Errorf("pattern %q: %d hypervisors, want %d", pattern, n, want)
		}
	}
	// Paging, one at a time, at both kinds of ID.
	for _, cl := range []*nova.Client{pinned(t, c, "2.33"), c} {
		srv.ResetCalls()
		if n := len(collect(cl, &nova.ListHypervisorsOptions{Limit: 1})); n != 3 {
			t.Errorf("paged: %d hypervisors", n)
		}
		if n := srv.Calls(novatest.OpListHypervisors); n != 4 {
			t.Errorf("paged: %d pages, want 4 (the last one empty)", n)
		}
	}
}

// Nova's errors for bad hypervisor queries and IDs.
func TestHypervisorErrors(t *testing.T) {
	srv := novatest.NewServer()
	defer srv.Close()
	rc := newRaw(srv)
	srv.AddHost(host1)
	cases := []struct {
		name, mv, path string
		status         int
		message        string
	}{
		{"pattern and limit", "2.53", "/os-hypervisors/detail?hypervisor_hostname_pattern=c&limit=1", 400, "The server could not comply with the request"},
		{"pattern and marker", "2.53", "/os-hypervisors/detail?hypervisor_hostname_pattern=c&marker=x", 400, "The server could not comply with the request"},
		{"no match", "2.53", "/os-hypervisors/detail?hypervisor_hostname_pattern=nothing", 404, "No hypervisor matching 'nothing' could be found."},
		{"bad pattern", "2.53", "/os-hypervisors/detail?hypervisor_hostname_pattern=a%25", 400, "does not match"},
		{"unknown parameter", "2.53", "/os-hypervisors/detail?host=compute1", 400, "('host' was unexpected)"},
		{"twice", "2.53", "/os-hypervisors/detail?limit=1&limit=2", 400, "is too long"},
		{"bad with_servers", "2.53", "/os-hypervisors/detail?with_servers=maybe", 400, "Invalid input for query parameters with_servers. Value: maybe. 'maybe' is not one of [True, 'True',"},
		{"twice, the message", "2.53", "/os-hypervisors/detail?limit=1&limit=2", 400, "Invalid input for query parameters limit. Value: ['1', '2']. ['1', '2'] is too long"},
		{"bad limit, the message", "2.33", "/os-hypervisors/detail?limit=-1", 400, "Invalid input for query parameters limit. Value: -1. '-1' does not match '^[0-9]*$'"},
		{"bad limit", "2.33", "/os-hypervisors/detail?limit=-1", 400, "does not match"},
		{"unknown marker", "2.33", "/os-hypervisors/detail?marker=99", 400, "marker [99] not found"},
		{"integer ID at 2.53", "2.53", "/os-hypervisors/1", 400, "Invalid uuid 1"},
		{"UUID at 2.52", "2.52", "/os-hypervisors/" + serverA, 404, "Hypervisor with ID '" + serverA + "' could not be found."},
		{"unknown UUID", "2.53", "/os-hypervisors/" + serverA, 404, "could not be found"},
		{"show query at 2.53", "2.53", "/os-hypervisors/00000000-0000-4000-8000-000000000000?limit=1", 400, "('limit' was unexpected)"},
	}
	for _, tc := range cases {
		a := rc.send(t, "GET", api+tc.path, tc.mv, nil)
		name := map[int]string{400: novatest.FaultBadRequest, 404: novatest.FaultItemNotFound}[tc.status]
		if msg := a.fault(t, tc.status, name); !strings.Contains(msg, tc.message) {
			t.Errorf("%s: message %q, want it to hold %q", tc.name, msg, tc.message)
		}
	}
	// Before 2.33 paging parameters are ignored, before 2.53 the others.
	for mv, query := range map[string]string{"2.32": "?limit=-1&marker=nothing", "2.52": "?hypervisor_hostname_pattern=zzz&with_servers=maybe"} {
		a := rc.send(t, "GET", api+"/os-hypervisors/detail"+query, mv, nil)
		if list, _ := a.body["hypervisors"].([]any); a.status != 200 || len(list) != 1 {
			t.Errorf("%s %s: %d %s", mv, query, a.status, a.raw)
		}
	}
}

// Faults injected on the hypervisor routes: reads are retried through
// throttling, 5xx and dropped connections.
func TestHypervisorRouteFaults(t *testing.T) {
	ctx := context.Background()
	srv, c := newFake(t)
	srv.Throttle(novatest.OpListHypervisors, 1, 0)
	srv.FailNext(novatest.OpListHypervisors, 1, 503)
	srv.DropNext(novatest.OpListHypervisors, 1)
	n := 0
	var id string
	for h, err := range c.ListHypervisors(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		id = h.ID
	}
	if n != 3 || srv.Calls(novatest.OpListHypervisors) != 4 {
		t.Errorf("%d hypervisors in %d requests", n, srv.Calls(novatest.OpListHypervisors))
	}
	srv.FailNext(novatest.OpGetHypervisor, 1, 500)
	_, err := c.GetHypervisor(ctx, id, nil)
	if e := apiError(t, err, 500, novatest.FaultComputeFault); e.Attempts != 1 {
		t.Errorf("a 500 on a read was repeated: %d attempts", e.Attempts)
	}
	srv.SlowNext(novatest.OpGetHypervisor, 1, 300*time.Millisecond)
	short, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel()
	if _, err := c.GetHypervisor(short, id, nil); err == nil {
		t.Error("a slow answer beat the deadline")
	}
	if h, err := c.GetHypervisor(ctx, id, nil); err != nil || h.ID != id {
		t.Errorf("after the faults: %+v %v", h, err)
	}
}
