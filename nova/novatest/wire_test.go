package novatest_test

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate/nova/novatest"
)

const api = "/compute/v2.1"

func TestVersionDocuments(t *testing.T) {
	srv := novatest.NewServer(novatest.WithVersions("2.5", "2.90"))
	defer srv.Close()

	// No token needed.
	req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/compute/", nil)
	list := do(t, req)
	if list.status != 200 {
		t.Fatalf("GET /compute/: %d %s", list.status, list.raw)
	}
	versions, _ := list.body["versions"].([]any)
	if len(versions) != 2 {
		t.Fatalf("versions %s", list.raw)
	}
	want := sampleObject(t, "versions/versions-get-resp.json", "versions")
	v21 := versions[1].(map[string]any)
	if got := keys(v21); !equal(got, keys(want)) {
		t.Errorf("version entry keys %v, want %v", got, keys(want))
	}
	if v21["id"] != "v2.1" || v21["status"] != "CURRENT" || v21["version"] != "2.90" || v21["min_version"] != "2.5" {
		t.Errorf("v2.1 entry %v", v21)
	}
	if v20 := versions[0].(map[string]any); v20["version"] != "" || v20["status"] != "DEPRECATED" {
		t.Errorf("v2.0 entry %v", v20)
	}

	req, _ = http.NewRequest(http.MethodGet, srv.URL()+api+"/", nil)
	one := do(t, req)
	doc, _ := one.body["version"].(map[string]any)
	if one.status != 200 || doc == nil {
		t.Fatalf("GET %s/: %d %s", api, one.status, one.raw)
	}
	if got, want := keys(doc), keys(sampleObject(t, "versions/v21-version-get-resp.json", "version")); !equal(got, want) {
		t.Errorf("version document keys %v, want %v", got, want)
	}
	links := doc["links"].([]any)
	if self := links[0].(map[string]any); self["href"] != srv.URL()+api+"/" || self["rel"] != "self" {
		t.Errorf("self link %v", self)
	}
	if doc["version"] != "2.90" || doc["min_version"] != "2.5" {
		t.Errorf("range %v..%v", doc["min_version"], doc["version"])
	}
	if srv.Calls(novatest.OpListVersions) != 1 || srv.Calls(novatest.OpShowVersion) != 1 {
		t.Errorf("calls %v", srv.AllCalls())
	}
}

func TestMicroversionHeaders(t *testing.T) {
	srv := novatest.NewServer(novatest.WithVersions("2.1", "2.90"))
	defer srv.Close()
	rc := newRaw(srv)
	get := func(h map[string]string) answer {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL()+api+"/os-migrations", nil)
		for k, v := range h {
			req.Header.Set(k, v)
		}
		if err := rc.ks.Authorize(context.Background(), req); err != nil {
			t.Fatal(err)
		}
		return do(t, req)
	}
	for _, tc := range []struct {
		name   string
		header map[string]string
		want   string
	}{
		{"none means the minimum", nil, "2.1"},
		{"new form", map[string]string{"OpenStack-API-Version": "compute 2.60"}, "2.60"},
		{"new form among others", map[string]string{"OpenStack-API-Version": "placement 1.2, compute 2.61"}, "2.61"},
		{"legacy form", map[string]string{"X-OpenStack-Nova-API-Version": "2.30"}, "2.30"},
		{"new form wins", map[string]string{"OpenStack-API-Version": "compute 2.60", "X-OpenStack-Nova-API-Version": "2.30"}, "2.60"},
		{"latest", map[string]string{"X-OpenStack-Nova-API-Version": "latest"}, "2.90"},
	} {
		a := get(tc.header)
		if a.status != 200 || a.header.Get("OpenStack-API-Version") != "compute "+tc.want ||
			a.header.Get("X-OpenStack-Nova-API-Version") != tc.want || !strings.Contains(a.header.Get("Vary"), "OpenStack-API-Version") {
			t.Errorf("%s: %d, headers %v", tc.name, a.status, a.header)
		}
		if rid := a.header.Get("X-Openstack-Request-Id"); !strings.HasPrefix(rid, "req-") || a.header.Get("X-Compute-Request-Id") != rid {
			t.Errorf("%s: request IDs %q %q", tc.name, rid, a.header.Get("X-Compute-Request-Id"))
		}
	}

	a := get(map[string]string{"X-OpenStack-Nova-API-Version": "3.0"})
	if msg := a.fault(t, 406, novatest.FaultComputeFault); msg != "Version 3.0 is not supported by the API. Minimum is 2.1 and maximum is 2.90." {
		t.Errorf("406 message %q", msg)
	}
	a = get(map[string]string{"OpenStack-API-Version": "compute 2.91"})
	a.fault(t, 406, novatest.FaultComputeFault)
	a = get(map[string]string{"X-OpenStack-Nova-API-Version": "2.x"})
	if msg := a.fault(t, 400, novatest.FaultBadRequest); !strings.Contains(msg, "MajorNum.MinorNum") {
		t.Errorf("400 message %q", msg)
	}

	// Below an operation's minimum nova answers 404.
	srv.AddServer(serverA, host1, novatest.StatusActive)
	for _, tc := range []struct{ method, path, below, at string }{
		{"GET", api + "/servers/" + serverA + "/migrations", "2.22", "2.23"},
		{"GET", api + "/servers/" + serverA + "/migrations/1", "2.22", "2.23"},
		{"POST", api + "/servers/" + serverA + "/migrations/1/action", "2.21", "2.22"},
		{"DELETE", api + "/servers/" + serverA + "/migrations/1", "2.23", "2.24"},
	} {
		var body []byte
		if tc.method == "POST" {
			body = sample(t, "server-migrations/v2.22/force_complete.json")
		}
		a := rc.send(t, tc.method, tc.path, tc.below, body)
		if msg := a.fault(t, 404, novatest.FaultItemNotFound); msg != "The resource could not be found." {
			t.Errorf("%s %s at %s: %q", tc.method, tc.path, tc.below, msg)
		}
		// At the minimum the operation exists (and answers for itself).
		if a := rc.send(t, tc.method, tc.path, tc.at, body); a.status == 404 && strings.Contains(string(a.raw), "The resource could not be found.") {
			t.Errorf("%s %s at %s: %s", tc.method, tc.path, tc.at, a.raw)
		}
	}
}

func TestRequestSamplesAreAccepted(t *testing.T) {
	srv := novatest.NewServer()
	defer srv.Close()
	rc := newRaw(srv)
	srv.AddHost("compute1", "01c0cadef72d47e28a672a76060d492c", "host1")
	for i, tc := range []struct{ file, version string }{
		{"os-migrate-server/live-migrate-server.json", "2.1"},
		{"os-migrate-server/v2.25/live-migrate-server.json", "2.25"},
		{"os-migrate-server/v2.30/live-migrate-server.json", "2.30"},
		{"os-migrate-server/v2.68/live-migrate-server.json", "2.68"},
		{"server-migrations/v2.22/live-migrate-server.json", "2.22"},
		{"server-migrations/v2.24/live-migrate-server.json", "2.24"},
		{"server-migrations/v2.65/live-migrate-server.json", "2.65"},
		{"server-migrations/v2.80/live-migrate-server.json", "2.80"},
		{"os-migrate-server/migrate-server.json", "2.1"},
		{"os-migrate-server/v2.56/migrate-server.json", "2.56"},
		{"os-migrate-server/v2.56/migrate-server-null.json", "2.56"},
	} {
		id := "0a1b2c3d-0000-4000-8000-00000000000" + string(rune('a'+i))
		srv.AddServer(id, "compute1", novatest.StatusActive)
		a := rc.send(t, "POST", api+"/servers/"+id+"/action", tc.version, sample(t, tc.file))
		if a.status != 202 || len(a.raw) != 0 {
			t.Errorf("%s at %s: %d %s", tc.file, tc.version, a.status, a.raw)
			continue
		}
		if info, _ := srv.ServerState(id); info.MigrationID == 0 {
			t.Errorf("%s: no migration started", tc.file)
		}
	}

	// force_complete on a running live migration.
	srv.Clock().Advance(10 * time.Second)
	a := rc.send(t, "POST", api+"/servers/0a1b2c3d-0000-4000-8000-00000000000a/migrations/1/action", "2.22",
		sample(t, "server-migrations/v2.22/force_complete.json"))
	if a.status != 202 || len(a.raw) != 0 {
		t.Errorf("force_complete sample: %d %s", a.status, a.raw)
	}
}

func TestRequestBodiesFollowTheVersion(t *testing.T) {
	srv := novatest.NewServer()
	defer srv.Close()
	rc := newRaw(srv)
	srv.AddHost(host1, host2)
	live := func(args string) []byte { return []byte(`{"os-migrateLive": ` + args + `}`) }
	cases := []struct {
		name    string
		version string
		body    []byte
		status  int
	}{
		{"legacy body", "2.24", live(`{"host": null, "block_migration": false, "disk_over_commit": false}`), 202},
		{"string booleans", "2.24", live(`{"host": "compute2", "block_migration": "True", "disk_over_commit": "no"}`), 202},
		{"auto before 2.25", "2.24", live(`{"host": null, "block_migration": "auto", "disk_over_commit": false}`), 400},
		{"no disk_over_commit before 2.25", "2.24", live(`{"host": null, "block_migration": false}`), 400},
		{"disk_over_commit from 2.25", "2.25", live(`{"host": null, "block_migration": "auto", "disk_over_commit": false}`), 400},
		{"force before 2.30", "2.29", live(`{"host": "compute2", "block_migration": "auto", "force": false}`), 400},
		{"force at 2.30", "2.30", live(`{"host": "compute2", "block_migration": "auto", "force": true}`), 202},
		{"force at 2.67", "2.67", live(`{"host": "compute2", "block_migration": "auto", "force": false}`), 202},
		{"force from 2.68", "2.68", live(`{"host": "compute2", "block_migration": "auto", "force": false}`), 400},
		{"force without host", "2.30", live(`{"host": null, "block_migration": "auto", "force": true}`), 400},
		{"host key missing", "2.80", live(`{"block_migration": "auto"}`), 400},
		{"block_migration missing", "2.80", live(`{"host": null}`), 400},
		{"bad host", "2.80", live(`{"host": "compute 2", "block_migration": "auto"}`), 400},
		{"bad block_migration", "2.80", live(`{"host": null, "block_migration": "maybe"}`), 400},
		{"unknown key", "2.80", live(`{"host": null, "block_migration": "auto", "zone": "a"}`), 400},
		{"not an object", "2.80", live(`"compute2"`), 400},
		{"extra action key", "2.80", []byte(`{"os-migrateLive": {"host": null, "block_migration": "auto"}, "x": 1}`), 400},
		{"migrate null", "2.1", []byte(`{"migrate": null}`), 202},
		{"migrate host before 2.56", "2.55", []byte(`{"migrate": {"host": "compute2"}}`), 400},
		{"migrate host at 2.56", "2.56", []byte(`{"migrate": {"host": "compute2"}}`), 202},
		{"migrate empty object", "2.56", []byte(`{"migrate": {}}`), 202},
		{"migrate unknown key", "2.56", []byte(`{"migrate": {"host": "compute2", "flavor": "m1"}}`), 400},
		{"migrate not an object", "2.56", []byte(`{"migrate": "compute2"}`), 400},
		{"confirmResize with a value", "2.80", []byte(`{"confirmResize": {}}`), 400},
		{"revertResize with a value", "2.80", []byte(`{"revertResize": true}`), 400},
	}
	for i, tc := range cases {
		id := "1b2c3d4e-0000-4000-8000-0000000000" + string(rune('a'+i/26)) + string(rune('a'+i%26))
		srv.AddServer(id, host1, novatest.StatusActive)
		a := rc.send(t, "POST", api+"/servers/"+id+"/action", tc.version, tc.body)
		if a.status != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, a.status, a.raw, tc.status)
			continue
		}
		if tc.status == 400 {
			a.fault(t, 400, novatest.FaultBadRequest)
			if info, _ := srv.ServerState(id); info.MigrationID != 0 {
				t.Errorf("%s: a refused body started a migration", tc.name)
			}
		}
	}
}

func TestServerActionDispatch(t *testing.T) {
	srv := novatest.NewServer()
	defer srv.Close()
	rc := newRaw(srv)
	srv.AddServer(serverA, host1, novatest.StatusActive)
	path := api + "/servers/" + serverA + "/action"

	a := rc.send(t, "POST", path, "2.80", []byte(`{"reboot": {"type": "SOFT"}}`))
	if msg := a.fault(t, 404, novatest.FaultItemNotFound); !strings.Contains(msg, "no such action: reboot") {
		t.Errorf("message %q", msg)
	}
	rc.send(t, "POST", path, "2.80", []byte(`{not json`)).fault(t, 400, novatest.FaultBadRequest)
	rc.send(t, "POST", path, "2.80", []byte(`{}`)).fault(t, 400, novatest.FaultBadRequest)
	// A known action is counted as itself, even when refused.
	rc.send(t, "POST", path, "3.0", []byte(`{"migrate": null}`)).fault(t, 406, novatest.FaultComputeFault)
	if srv.Calls(novatest.OpServerAction) != 3 || srv.Calls(novatest.OpMigrate) != 1 {
		t.Errorf("calls %v", srv.AllCalls())
	}
	// The token is checked before the version and the body.
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+path, strings.NewReader(`{"migrate": {"host": 1}}`))
	req.Header.Set("OpenStack-API-Version", "compute 3.0")
	if a := do(t, req); a.status != 401 {
		t.Errorf("without a token: %d %s", a.status, a.raw)
	}
	if info, _ := srv.ServerState(serverA); info.MigrationID != 0 || srv.Calls(novatest.OpMigrate) != 2 {
		t.Errorf("an unauthenticated action: server %+v, calls %v", info, srv.AllCalls())
	}
	// Each action has its own operation, for counts and faults: the faults
	// on OpLiveMigrate and OpServerAction wait for those.
	srv.FailNext(novatest.OpLiveMigrate, 1, 503)
	srv.FailNext(novatest.OpServerAction, 1, 503)
	srv.FailNext(novatest.OpMigrate, 1, 500)
	a = rc.send(t, "POST", path, "2.80", []byte(`{"migrate": null}`))
	a.fault(t, 500, novatest.FaultComputeFault)
	srv.AddHost(host2)
	if a := rc.send(t, "POST", path, "2.80", []byte(`{"migrate": null}`)); a.status != 202 {
		t.Fatalf("migrate: %d %s", a.status, a.raw)
	}
	srv.Clock().Advance(time.Minute)
	if a := rc.send(t, "POST", path, "2.80", []byte(`{"confirmResize": null}`)); a.status != 204 {
		t.Fatalf("confirm: %d %s", a.status, a.raw)
	}
	want := map[string]int{novatest.OpIssueToken: 1, novatest.OpServerAction: 3, novatest.OpMigrate: 4, novatest.OpConfirmResize: 1}
	if got := srv.AllCalls(); !maps.Equal(got, want) {
		t.Errorf("calls %v, want %v", got, want)
	}
	rc.send(t, "POST", path, "2.80", []byte(`{"os-migrateLive": null}`)).fault(t, 503, "serviceUnavailable")
	rc.send(t, "POST", path, "2.80", []byte(`{"reboot": null}`)).fault(t, 503, "serviceUnavailable")
}

func TestForceCompleteBodies(t *testing.T) {
	srv := novatest.NewServer()
	defer srv.Close()
	rc := newRaw(srv)
	srv.AddHost(host1, host2)
	srv.AddServer(serverA, host1, novatest.StatusActive)
	if a := rc.send(t, "POST", api+"/servers/"+serverA+"/action", "2.80", []byte(`{"os-migrateLive": {"host": null, "block_migration": "auto"}}`)); a.status != 202 {
		t.Fatal(a.status)
	}
	srv.Clock().Advance(10 * time.Second)
	path := api + "/servers/" + serverA + "/migrations/1/action"
	rc.send(t, "POST", path, "2.80", []byte(`{"force_complete": {}}`)).fault(t, 400, novatest.FaultBadRequest)
	rc.send(t, "POST", path, "2.80", []byte(`{"force_complete": null, "x": 1}`)).fault(t, 400, novatest.FaultBadRequest)
	rc.send(t, "POST", path, "2.80", []byte(`{"finish": null}`)).fault(t, 404, novatest.FaultItemNotFound)
	rc.send(t, "POST", api+"/servers/"+serverA+"/migrations/7/action", "2.80", []byte(`{"force_complete": null}`)).fault(t, 400, novatest.FaultBadRequest)
	rc.send(t, "POST", api+"/servers/"+serverA+"/migrations/x/action", "2.80", []byte(`{"force_complete": null}`)).fault(t, 400, novatest.FaultBadRequest)
	if a := rc.send(t, "POST", path, "2.80", []byte(`{"force_complete": null}`)); a.status != 202 {
		t.Errorf("force_complete: %d %s", a.status, a.raw)
	}
	rc.send(t, "DELETE", api+"/servers/nope/migrations/1", "2.80", nil).fault(t, 404, novatest.FaultItemNotFound)
	rc.send(t, "GET", api+"/servers/nope/migrations", "2.80", nil).fault(t, 404, novatest.FaultItemNotFound)
	rc.send(t, "GET", api+"/servers/"+serverA+"/migrations/x", "2.80", nil).fault(t, 404, novatest.FaultItemNotFound)
}

func TestAnswersMatchTheSamples(t *testing.T) {
	srv := novatest.NewServer()
	defer srv.Close()
	rc := newRaw(srv)
	srv.AddHost(host1, host2)
	srv.AddServer(serverA, host1, novatest.StatusActive)
	if a := rc.send(t, "POST", api+"/servers/"+serverA+"/action", "2.80", []byte(`{"os-migrateLive": {"host": null, "block_migration": "auto"}}`)); a.status != 202 {
		t.Fatal(a.status)
	}
	srv.Clock().Advance(20 * time.Second)

	zoneless := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$`)
	check := func(what string, got, want map[string]any) {
		t.Helper()
		if g, w := keys(got), keys(want); !equal(g, w) {
			t.Errorf("%s: fields %v, want %v", what, g, w)
		}
		for _, k := range []string{"created_at", "updated_at"} {
			if s, _ := got[k].(string); !zoneless.MatchString(s) {
				t.Errorf("%s: %s = %v", what, k, got[k])
			}
		}
		if id, _ := got["id"].(float64); id != 1 {
			t.Errorf("%s: id %v", what, got["id"])
		}
	}
	for _, v := range []string{"2.23", "2.59", "2.80"} {
		a := rc.send(t, "GET", api+"/servers/"+serverA+"/migrations/1", v, nil)
		got, _ := a.body["migration"].(map[string]any)
		check("show at "+v, got, sampleObject(t, "server-migrations/v"+v+"/migrations-get.json", "migration"))
		if got["status"] != "running" || got["server_uuid"] != serverA {
			t.Errorf("show at %s: %v", v, got)
		}
	}
	a := rc.send(t, "GET", api+"/servers/"+serverA+"/migrations", "2.80", nil)
	list, _ := a.body["migrations"].([]any)
	if len(list) != 1 {
		t.Fatalf("index %s", a.raw)
	}
	check("index at 2.80", list[0].(map[string]any), sampleObject(t, "server-migrations/v2.80/migrations-index.json", "migrations"))

	// /os-migrations: in-progress live migrations have links from 2.23, as
	// the first record of the 2.23 sample (later samples start with
	// records that carry none).
	for _, tc := range []struct{ version, file string }{
		{"2.1", "os-migrations/migrations-get.json"},
		{"2.23", "os-migrations/v2.23/migrations-get.json"},
		{"2.59", "os-migrations/v2.59/migrations-get.json"},
		{"2.80", "os-migrations/v2.80/migrations-get.json"},
	} {
		a := rc.send(t, "GET", api+"/os-migrations", tc.version, nil)
		list, _ := a.body["migrations"].([]any)
		if len(list) != 1 || len(a.body) != 1 {
			t.Fatalf("os-migrations at %s: %s", tc.version, a.raw)
		}
		want := sampleObject(t, tc.file, "migrations")
		if tc.version != "2.1" {
			want["links"] = true
		}
		check("os-migrations at "+tc.version, list[0].(map[string]any), want)
	}

	// A full page links to the next one, keeping the query.
	a = rc.send(t, "GET", api+"/os-migrations?limit=1&status=running", "2.80", nil)
	links, _ := a.body["migrations_links"].([]any)
	wantLinks := sampleObject(t, "os-migrations/v2.80/migrations-get-with-limit.json", "migrations_links")
	if len(links) != 1 || !equal(keys(links[0].(map[string]any)), keys(wantLinks)) {
		t.Fatalf("links %s", a.raw)
	}
	next := links[0].(map[string]any)
	u, err := url.Parse(next["href"].(string))
	if err != nil || next["rel"] != "next" || u.Path != api+"/os-migrations" || u.Host != strings.TrimPrefix(srv.URL(), "http://") {
		t.Errorf("next link %v", next)
	}
	if q := u.Query(); q.Get("limit") != "1" || q.Get("status") != "running" || q.Get("marker") == "" {
		t.Errorf("next link query %v", q)
	}
	a = rc.send(t, "GET", u.RequestURI(), "2.80", nil)
	if list, _ := a.body["migrations"].([]any); a.status != 200 || len(list) != 0 || a.body["migrations_links"] != nil {
		t.Errorf("page after the last: %d %s", a.status, a.raw)
	}
}

func TestQueryChecks(t *testing.T) {
	srv := novatest.NewServer()
	defer srv.Close()
	rc := newRaw(srv)
	srv.AddServer(serverA, host1, novatest.StatusActive)
	for _, tc := range []struct {
		path, version string
		status        int
	}{
		{"/os-migrations?foo=1", "2.58", 200},
		{"/os-migrations?foo=1", "2.59", 400},
		{"/os-migrations?limit=-1", "2.59", 400},
		{"/os-migrations?limit=ten", "2.59", 400},
		{"/os-migrations?marker=0000", "2.59", 400},
		{"/os-migrations?marker=0000", "2.58", 200},
		{"/os-migrations?changes-since=yesterday", "2.59", 400},
		{"/os-migrations?changes-since=2026-01-01T00:00:00Z", "2.59", 200},
		{"/os-migrations?changes-before=2026-01-01T00:00:00", "2.65", 400},
		{"/os-migrations?changes-before=2026-01-01T00:00:00", "2.66", 200},
		{"/os-migrations?changes-since=2026-02-01T00:00:00Z&changes-before=2026-01-01T00:00:00Z", "2.66", 400},
		{"/os-migrations?user_id=u-1", "2.79", 400},
		{"/os-migrations?user_id=u-1&project_id=p", "2.80", 200},
		{"/servers/" + serverA + "/migrations?foo=1", "2.101", 200},
		{"/servers/" + serverA + "/migrations?foo=1", "2.102", 400},
		{"/servers/" + serverA + "/migrations/1?foo=1", "2.102", 400},
	} {
		a := rc.send(t, "GET", api+tc.path, tc.version, nil)
		if a.status != tc.status {
			t.Errorf("%s at %s: %d %s, want %d", tc.path, tc.version, a.status, a.raw, tc.status)
		} else if tc.status == 400 {
			a.fault(t, 400, novatest.FaultBadRequest)
		}
	}
}

func TestErrorBodies(t *testing.T) {
	srv := novatest.NewServer()
	defer srv.Close()
	rc := newRaw(srv)
	srv.AddServer(serverA, host1, novatest.StatusActive)
	path := api + "/servers/" + serverA + "/migrations"

	// 401 comes from Keystone's middleware, in its own shape.
	req, _ := http.NewRequest(http.MethodGet, srv.URL()+path, nil)
	req.Header.Set("X-Auth-Token", "gAAAAexpired")
	a := do(t, req)
	inner, _ := a.body["error"].(map[string]any)
	if a.status != 401 || inner["title"] != "Unauthorized" || inner["code"] != float64(401) || inner["message"] == "" {
		t.Errorf("401 answer %s", a.raw)
	}

	srv.Throttle(novatest.OpListServerMigrations, 1, 2500*time.Millisecond)
	a = rc.send(t, "GET", path, "2.80", nil)
	a.fault(t, 429, novatest.FaultOverLimit)
	if a.header.Get("Retry-After") != "3" || a.body["overLimit"].(map[string]any)["retryAfter"] != "3" {
		t.Errorf("throttle answer %v %s", a.header, a.raw)
	}
	srv.Throttle(novatest.OpListServerMigrations, 1, 0)
	a = rc.send(t, "GET", path, "2.80", nil)
	a.fault(t, 429, novatest.FaultOverLimit)
	if _, has := a.body["overLimit"].(map[string]any)["retryAfter"]; has || a.header.Get("Retry-After") != "" {
		t.Errorf("throttle without a delay %v %s", a.header, a.raw)
	}

	srv.FailNext(novatest.OpListServerMigrations, 1, 503)
	rc.send(t, "GET", path, "2.80", nil).fault(t, 503, "serviceUnavailable")
	srv.FailNext(novatest.OpListServerMigrations, 1, 502)
	rc.send(t, "GET", path, "2.80", nil).fault(t, 502, novatest.FaultComputeFault)
	srv.FailNext("", 1, 403)
	rc.send(t, "GET", path, "2.80", nil).fault(t, 403, "forbidden")
	srv.ClearFaults()
	if a := rc.send(t, "GET", path, "2.80", nil); a.status != 200 {
		t.Errorf("after ClearFaults: %d", a.status)
	}
}
