package ecstest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/ecs"
	"github.com/cloudmigrate/cloudmigrate/ecs/deh"
	"github.com/cloudmigrate/cloudmigrate/ecs/ecstest"
)

// exampleKeys returns the keys of the object under top in testdata/name.
func exampleKeys(t *testing.T, name, top string) []string {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(readTestdata(t, name), &doc); err != nil {
		t.Fatal(err)
	}
	obj := doc[top]
	if list, ok := obj.([]any); ok {
		obj = list[0]
	}
	return keys(obj.(map[string]any))
}

func serverPath(srv *ecstest.Server, id string) string {
	return "/v1/" + srv.ProjectID() + "/cloudservers/" + id
}

// The server detail has the keys of the reference's example (but the four
// the example shows beyond its field table), the task state null when no
// task runs, and the placement in os:scheduler_hints.
func TestWireServerDetail(t *testing.T) {
	srv := ecstest.NewServer(ecstest.WithJobDurations(0, time.Minute))
	defer srv.Close()
	srv.AddHost(hostB)
	srv.AddServer(ecstest.ServerInfo{ID: serverA, Name: "web-1", HostID: hostA, Flavor: "s6.2xlarge.4"})

	status, hdr, body := send(t, srv, http.MethodGet, serverPath(srv, serverA), nil)
	if status != http.StatusOK || hdr.Get("X-Request-Id") == "" {
		t.Fatalf("%d %v", status, body)
	}
	checkKeys(t, "answer", body, "server")
	s := body["server"].(map[string]any)
	want := slices.DeleteFunc(exampleKeys(t, "server_official_example.json", "server"), func(k string) bool {
		return k == "capacity_reservation_id" || k == "capacity_reservation_specification" || k == "enclave_options" || k == "spod_id"
	})
	want = append(want, "enterprise_project_id", "fault")
	checkKeys(t, "server", s, want...)
	hints := s["os:scheduler_hints"].(map[string]any)
	if s["status"] != "SHUTOFF" || s["OS-EXT-STS:task_state"] != nil || s["OS-EXT-STS:vm_state"] != "stopped" ||
		s["OS-EXT-STS:power_state"] != 4.0 || s["fault"] != nil || s["OS-EXT-SRV-ATTR:user_data"] != nil ||
		hints["dedicated_host_id"].([]any)[0] != hostA || hints["tenancy"].([]any)[0] != "dedicated" {
		t.Errorf("server %v", s)
	}
	flavor := s["flavor"].(map[string]any)
	if flavor["id"] != "s6.2xlarge.4" || flavor["vcpus"] != "8" || flavor["ram"] != "32768" {
		t.Errorf("flavor %v", flavor)
	}

	// While the migration runs: RESIZE with a task state; then settled on
	// the target, with an empty scheduler hint for the pool.
	if _, _, b := send(t, srv, http.MethodPost, migratePath(srv, serverA), []byte(`{"migrate": null}`)); b["job_id"] == nil {
		t.Fatal(b)
	}
	_, _, body = send(t, srv, http.MethodGet, serverPath(srv, serverA), nil)
	s = body["server"].(map[string]any)
	if s["status"] != "RESIZE" || s["OS-EXT-STS:task_state"] != ecstest.TaskResizeMigrating || s["OS-EXT-STS:vm_state"] != "stopped" {
		t.Errorf("migrating server %v %v", s["status"], s["OS-EXT-STS:task_state"])
	}
	srv.Clock().Advance(time.Minute)
	_, _, body = send(t, srv, http.MethodGet, serverPath(srv, serverA), nil)
	s = body["server"].(map[string]any)
	if s["status"] != "SHUTOFF" || s["OS-EXT-STS:task_state"] != nil || len(s["os:scheduler_hints"].(map[string]any)) != 0 {
		t.Errorf("migrated server %v", s)
	}

	status, _, body = send(t, srv, http.MethodGet, serverPath(srv, serverB), nil)
	if e, _ := body["error"].(map[string]any); status != http.StatusNotFound || e["code"] != ecs.CodeServerNotFound {
		t.Errorf("unknown server: %d %v", status, body)
	}
}

// The list filters by name (fuzzy, "." for any character), status and
// flavor, pages by limit and page number, counts every match, and lists
// an unknown ID of its server_id filter with only id and fault.
func TestWireServerList(t *testing.T) {
	srv := ecstest.NewServer()
	defer srv.Close()
	srv.AddServer(ecstest.ServerInfo{ID: "s1", Name: "web-1", Status: ecstest.StatusActive})
	srv.AddServer(ecstest.ServerInfo{ID: "s2", Name: "web-2"})
	srv.AddServer(ecstest.ServerInfo{ID: "s3", Name: "db-1", Flavor: "c6.large.4"})
	srv.AddServer(ecstest.ServerInfo{ID: "s4", Name: "web-3"})
	list := func(query string) (int, []string) {
		t.Helper()
		status, _, body := send(t, srv, http.MethodGet, "/v1/"+srv.ProjectID()+"/cloudservers/detail"+query, nil)
		if status != http.StatusOK {
			t.Fatalf("%s: %d %v", query, status, body)
		}
		var ids []string
		for _, s := range body["servers"].([]any) {
			ids = append(ids, s.(map[string]any)["id"].(string))
		}
		return int(body["count"].(float64)), ids
	}
	for query, want := range map[string][]string{
		"":                          {"s1", "s2", "s3", "s4"},
		"?name=web":                 {"s1", "s2", "s4"},
		"?name=w.b-.":               {"s1", "s2", "s4"},
		"?name=.1":                  {"s1", "s3"},
		"?status=SHUTOFF":           {"s2", "s3", "s4"},
		"?flavor=c6.large.4":        {"s3"},
		"?tags=x":                   nil,
		"?enterprise_project_id=0":  {"s1", "s2", "s3", "s4"},
		"?enterprise_project_id=e1": nil,
	} {
		if n, ids := list(query); n != len(want) || !slices.Equal(ids, want) {
			t.Errorf("%q: count %d, %v; want %v", query, n, ids, want)
		}
	}
	if n, ids := list("?status=SHUTOFF&limit=2&offset=2"); n != 3 || !slices.Equal(ids, []string{"s4"}) {
		t.Errorf("page 2: %d %v", n, ids)
	}
	if n, ids := list("?limit=2&offset=0"); n != 4 || !slices.Equal(ids, []string{"s1", "s2"}) {
		t.Errorf("offset 0: %d %v", n, ids)
	}

	_, _, body := send(t, srv, http.MethodGet, "/v1/"+srv.ProjectID()+"/cloudservers/detail?status=ACTIVE&server_id=s2,nope", nil)
	servers := body["servers"].([]any)
	if len(servers) != 2 || servers[0].(map[string]any)["id"] != "s2" {
		t.Fatalf("server_id filter %v", body)
	}
	missing := servers[1].(map[string]any)
	for k, v := range missing {
		if (k == "id" || k == "fault") == (v == nil) {
			t.Errorf("unknown ID: %s = %v", k, v)
		}
	}
	if missing["fault"].(map[string]any)["code"] != 404.0 {
		t.Errorf("unknown ID's fault %v", missing["fault"])
	}
	status, _, body := send(t, srv, http.MethodGet, "/v1/"+srv.ProjectID()+"/cloudservers/detail?limit=-1", nil)
	if status != http.StatusBadRequest {
		t.Errorf("limit -1: %d %v", status, body)
	}
}

func actionPath(srv *ecstest.Server) string { return "/v1/" + srv.ProjectID() + "/cloudservers/action" }

// The reference's stop and start bodies are accepted; bad bodies and
// batches are refused with the service's codes and start nothing.
func TestWireServerActions(t *testing.T) {
	srv := ecstest.NewServer()
	defer srv.Close()
	ids := []string{"616fb98f-46ca-475e-917e-2563e5a8cd19", "726fb98f-46ca-475e-917e-2563e5a8cd20"}
	for _, id := range ids {
		srv.AddServer(ecstest.ServerInfo{ID: id, Status: ecstest.StatusActive})
	}
	status, _, body := send(t, srv, http.MethodPost, actionPath(srv), readTestdata(t, "stop_request_official_example.json"))
	if status != http.StatusOK {
		t.Fatalf("stop: %d %v", status, body)
	}
	checkKeys(t, "stop answer", body, "job_id")
	job, _ := srv.Job(body["job_id"].(string))
	if job.Type != ecstest.JobTypeStop || job.Entities.ServerID != "" {
		t.Errorf("stop job %+v", job)
	}
	srv.Clock().Advance(time.Hour)
	status, _, body = send(t, srv, http.MethodPost, actionPath(srv), readTestdata(t, "start_request_official_example.json"))
	if status != http.StatusOK {
		t.Fatalf("start: %d %v", status, body)
	}
	_, _, jb := send(t, srv, http.MethodGet, jobPath(srv, body["job_id"].(string)), nil)
	if jb["job_type"] != ecstest.JobTypeStart || jb["status"] != "INIT" {
		t.Errorf("start job %v", jb)
	}
	if n := srv.Calls(ecstest.OpStopServers) + srv.Calls(ecstest.OpStartServers); n != 2 {
		t.Errorf("calls %v", srv.AllCalls())
	}

	var refs []string
	for i := range 1001 {
		refs = append(refs, `{"id": "x`+strconv.Itoa(i)+`"}`)
	}
	many := `{"os-stop": {"servers": [` + strings.Join(refs, ",") + `]}}`
	for b, code := range map[string]string{
		`{}`:                           ecstest.CodeInvalidParameter,
		`{"os-stop": {"servers": []}}`: ecstest.CodeInvalidParameter,
		`{"os-stop": {"servers": [{"id": "a"}], "x": 1}}`:       ecstest.CodeInvalidParameter,
		`{"os-stop": {"type": "soft", "servers": [{}]}}`:        ecstest.CodeInvalidParameter,
		`{"os-start": {"type": "SOFT", "servers": [{}]}}`:       ecstest.CodeInvalidParameter,
		`{"os-start": {"servers": [{"id": "a"}, {"id": "a"}]}}`: ecstest.CodeInvalidParameter,
		`{"os-stop": null, "os-start": null}`:                   ecstest.CodeInvalidParameter,
		`{"os-start": {"servers": [{"id": "nope"}]}}`:           ecs.CodeServerNotFound,
		many: ecs.CodeTooManyServers,
	} {
		jobsBefore := len(srv.JobIDs())
		status, _, body := send(t, srv, http.MethodPost, actionPath(srv), []byte(b))
		if e, _ := body["error"].(map[string]any); status/100 != 4 || e["code"] != code {
			t.Errorf("%.60s: %d %v, want %s", b, status, body, code)
		}
		if len(srv.JobIDs()) != jobsBefore {
			t.Errorf("%.60s started a job", b)
		}
	}
	if n := srv.Calls(ecstest.OpServerAction); n != 2 {
		t.Errorf("%d requests naming no single action, want 2", n)
	}
}

// The DeH answers have the keys of the reference's examples, and the
// servers and free capacity follow ECS's state.
func TestWireDedicatedHosts(t *testing.T) {
	srv := ecstest.NewServer(ecstest.WithJobDurations(0, time.Minute))
	defer srv.Close()
	srv.AddDedicatedHost(ecstest.HostInfo{ID: hostA, VCPUs: 16, Memory: 65536})
	srv.AddDedicatedHost(ecstest.HostInfo{ID: hostB, VCPUs: 16, Memory: 65536})
	srv.AddServer(ecstest.ServerInfo{ID: serverA, HostID: hostA, Flavor: "s6.xlarge.2"})
	base := "/v1.0/" + srv.ProjectID() + "/dedicated-hosts"

	_, _, body := send(t, srv, http.MethodGet, base, nil)
	checkKeys(t, "list", body, "dedicated_hosts", "total")
	hosts := body["dedicated_hosts"].([]any)
	want := append(exampleKeys(t, "hosts_official_example.json", "dedicated_hosts"), "tags", "sys_tags")
	checkKeys(t, "listed host", hosts[0].(map[string]any), want...)
	_, _, body = send(t, srv, http.MethodGet, base+"/"+hostA, nil)
	h := body["dedicated_host"].(map[string]any)
	checkKeys(t, "host", h, append(exampleKeys(t, "host_official_example.json", "dedicated_host"), "tags", "sys_tags")...)
	checkKeys(t, "host_properties", h["host_properties"].(map[string]any),
		keys(readObject(t, "host_official_example.json", "dedicated_host", "host_properties"))...)
	if h["available_vcpus"] != 12.0 || h["available_memory"] != 57344.0 || h["instance_total"] != 1.0 ||
		h["instance_uuids"].([]any)[0] != serverA {
		t.Errorf("host %v", h)
	}
	_, _, body = send(t, srv, http.MethodGet, base+"/"+hostA+"/servers", nil)
	servers := body["servers"].([]any)
	checkKeys(t, "host's server", servers[0].(map[string]any), exampleKeys(t, "host_servers_official_example.json", "servers")...)

	// A migration to B reserves B's room at once, and moves the server
	// from A's list to B's when it settles.
	send(t, srv, http.MethodPost, migratePath(srv, serverA), []byte(`{"migrate": {"dedicated_host_id": "`+hostB+`"}}`))
	if b, _ := srv.DedicatedHostState(hostB); b.AvailableVCPUs != 12 || len(b.ServerIDs) != 0 {
		t.Errorf("target while migrating: %+v", b)
	}
	if a, _ := srv.DedicatedHostState(hostA); a.AvailableVCPUs != 12 || len(a.ServerIDs) != 1 {
		t.Errorf("source while migrating: %+v", a)
	}
	srv.Clock().Advance(time.Minute)
	a, _ := srv.DedicatedHostState(hostA)
	b, _ := srv.DedicatedHostState(hostB)
	if a.AvailableVCPUs != 16 || len(a.ServerIDs) != 0 || b.AvailableVCPUs != 12 || !slices.Equal(b.ServerIDs, []string{serverA}) {
		t.Errorf("after: A %+v, B %+v", a, b)
	}
	for query, want := range map[string]int{
		"?instance_uuid=" + serverA: 1, "?state=available": 2, "?state=fault": 0, "?flavor=s6.large.2": 2,
		"?flavor=x1.large.2": 0, "?tags=k": 0, "?limit=1": 1, "?marker=" + hostA: 1,
	} {
		_, _, body := send(t, srv, http.MethodGet, base+query, nil)
		if n := len(body["dedicated_hosts"].([]any)); n != want {
			t.Errorf("%s: %d hosts, want %d", query, n, want)
		}
	}
	for path, wantStatus := range map[string]int{
		base + "?marker=nope": 400, base + "/nope": 404, base + "/nope/servers": 404, base + "/" + hostA + "/servers?marker=nope": 400,
	} {
		if status, _, body := send(t, srv, http.MethodGet, path, nil); status != wantStatus {
			t.Errorf("%s: %d %v, want %d", path, status, body, wantStatus)
		}
	}
	// A host in fault takes no migration.
	if err := srv.SetHostState(hostA, ecstest.HostFault); err != nil {
		t.Fatal(err)
	}
	status, _, body := send(t, srv, http.MethodPost, migratePath(srv, serverA), []byte(`{"migrate": {"dedicated_host_id": "`+hostA+`"}}`))
	if e, _ := body["error"].(map[string]any); status != 400 || e["code"] != ecstest.CodeInvalidParameter {
		t.Errorf("to a host in fault: %d %v", status, body)
	}
	if srv.SetHostState("nope", ecstest.HostFault) == nil || srv.SetHostState(hostA, "broken") == nil {
		t.Error("SetHostState accepted an unknown host or state")
	}
}

// readObject returns the object at a path of keys in testdata/name.
func readObject(t *testing.T, name string, path ...string) map[string]any {
	t.Helper()
	var v any
	if err := json.Unmarshal(readTestdata(t, name), &v); err != nil {
		t.Fatal(err)
	}
	for _, k := range path {
		v = v.(map[string]any)[k]
	}
	return v.(map[string]any)
}

// Every new route takes the engine's faults: a throttled or failed read
// is retried, a dropped stop is sent once and starts nothing, a slow
// answer runs into the caller's deadline.
func TestFaultsOnTheNewRoutes(t *testing.T) {
	srv, c := newFake(t)
	srv.AddServer(ecstest.ServerInfo{ID: serverA, Status: ecstest.StatusActive, HostID: hostA})
	hosts, err := deh.NewClient(srv.DedicatedHostURL(), srv.ProjectID(), srv.Authorizer(), fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	reads := []struct {
		op   string
		call func(ctx context.Context) error
	}{
		{ecstest.OpGetServer, func(ctx context.Context) error { _, err := c.GetServer(ctx, serverA); return err }},
		{ecstest.OpListServers, func(ctx context.Context) error {
			for _, err := range c.ListServers(ctx, nil) {
				return err
			}
			return nil
		}},
		{ecstest.OpListDedicatedHosts, func(ctx context.Context) error {
			for _, err := range hosts.ListHosts(ctx, nil) {
				return err
			}
			return nil
		}},
		{ecstest.OpGetDedicatedHost, func(ctx context.Context) error { _, err := hosts.GetHost(ctx, hostA); return err }},
		{ecstest.OpListHostServers, func(ctx context.Context) error {
			for _, err := range hosts.ListHostServers(ctx, hostA, nil) {
				return err
			}
			return nil
		}},
	}
	for _, r := range reads {
		srv.ResetCalls()
		srv.Throttle(r.op, 1, 0)
		srv.FailNext(r.op, 1, http.StatusServiceUnavailable)
		if err := r.call(ctx); err != nil {
			t.Errorf("%s: %v", r.op, err)
		}
		if n := srv.Calls(r.op); n != 3 {
			t.Errorf("%s: %d calls, want 3 (throttled, 503, answered)", r.op, n)
		}
		srv.SlowNext(r.op, 1, 200*time.Millisecond)
		short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		err := r.call(short)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s slowed: %v, want the deadline", r.op, err)
		}
	}
	srv.ClearFaults()

	for _, action := range []struct {
		op   string
		call func() error
	}{
		{ecstest.OpStopServers, func() error { _, err := c.StopServers(ctx, []string{serverA}, nil); return err }},
		{ecstest.OpStartServers, func() error { _, err := c.StartServers(ctx, []string{serverA}); return err }},
	} {
		srv.ResetCalls()
		srv.DropNext(action.op, 1)
		err := action.call()
		var apiErr *cloudmigrate.Error
		if err == nil || errors.As(err, &apiErr) {
			t.Errorf("%s dropped: %v", action.op, err)
		}
		srv.FailNext(action.op, 1, http.StatusInternalServerError)
		if err := action.call(); !errors.As(err, &apiErr) || apiErr.StatusCode != 500 || apiErr.Attempts != 1 {
			t.Errorf("%s failed: %v", action.op, err)
		}
		if n := srv.Calls(action.op); n != 2 {
			t.Errorf("%s: %d calls, want 2 (neither resent)", action.op, n)
		}
	}
	if n := len(srv.JobIDs()); n != 0 {
		t.Errorf("%d jobs from dropped or failed actions", n)
	}
}

// The fake's seeding helpers take the documented defaults and refuse
// set-up mistakes.
func TestSeedingDefaultsAndMistakes(t *testing.T) {
	srv := ecstest.NewServer()
	defer srv.Close()
	srv.AddServer(ecstest.ServerInfo{ID: serverA})
	info, _ := srv.ServerState(serverA)
	if info.Name != serverA || info.Flavor != ecstest.DefaultFlavor || info.AvailabilityZone != ecstest.DefaultAvailabilityZone {
		t.Errorf("server defaults %+v", info)
	}
	srv.AddHost(hostA)
	h, ok := srv.DedicatedHostState(hostA)
	if !ok || h.VCPUs != ecstest.DefaultHostVCPUs || h.Memory != ecstest.DefaultHostMemory || h.State != ecstest.HostAvailable ||
		h.HostType != ecstest.DefaultHostType || !slices.Contains(h.Flavors, "s6.large.2") || h.AvailableVCPUs != h.VCPUs {
		t.Errorf("host defaults %+v", h)
	}
	if d, ok := srv.ServerDetail(serverA); !ok || d.Flavor.VCPUs != "2" || d.Flavor.RAM != "4096" {
		t.Errorf("ServerDetail %+v", d)
	}
	if _, ok := srv.DedicatedHostState("nope"); ok {
		t.Error("an unknown host has a state")
	}
	for name, f := range map[string]func(){
		"bad flavor":         func() { srv.AddServer(ecstest.ServerInfo{ID: "x", Flavor: "large"}) },
		"bad flavor size":    func() { srv.AddServer(ecstest.ServerInfo{ID: "x", Flavor: "s6.huge.2"}) },
		"empty host":         func() { srv.AddDedicatedHost(ecstest.HostInfo{}) },
		"negative host size": func() { srv.AddDedicatedHost(ecstest.HostInfo{ID: "h", VCPUs: -1}) },
		"bad host state":     func() { srv.AddDedicatedHost(ecstest.HostInfo{ID: "h", State: "down"}) },
		"negative action":    func() { ecstest.NewServer(ecstest.WithActionDuration(-time.Second)).Close() },
		"negative settle":    func() { ecstest.NewServer(ecstest.WithSettleDelay(-time.Second)).Close() },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}
