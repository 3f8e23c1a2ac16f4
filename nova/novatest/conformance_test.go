package novatest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/nova"
	"github.com/cloudmigrate/cloudmigrate/nova/novatest"
)

// conformance checks raw answers of the fake against the schemas of
// testdata/schemas and records what it saw.
type conformance struct {
	t     *testing.T
	files []*schemaFile
	used  map[string]int // schema file path -> answers checked against it
	// seen records, per route, the value kinds each field of an answer
	// showed: "route field" -> {"null", "set"}.
	seen map[string]map[string]bool
}

func newConformance(t *testing.T) *conformance {
	return &conformance{t: t, files: loadSchemas(t), used: map[string]int{}, seen: map[string]map[string]bool{}}
}

// filesFor returns the schema files of route that apply at v; nova's own
// must be among them.
func (cf *conformance) filesFor(route string, v auth.Microversion) []*schemaFile {
	cf.t.Helper()
	var out []*schemaFile
	hasNova := false
	for _, f := range cf.files {
		if f.route == route && f.covers(v) {
			out = append(out, f)
			hasNova = hasNova || f.source != "tempest"
		}
	}
	if !hasNova {
		cf.t.Fatalf("no schema of nova's for %s at %s", route, v)
	}
	return out
}

// check validates one answer of route at microversion v (zero: the route
// is unversioned) against every schema that applies, and returns the
// decoded body. An empty body is JSON null, as nova's schemas for answers
// without a body say.
func (cf *conformance) check(what, route string, v auth.Microversion, a answer) any {
	cf.t.Helper()
	return cf.checkExcept(what, route, v, a, "")
}

// checkExcept is check, except that the top-level key skip (unless "") is
// left out of the body checked against tempest's schemas. Tempest's
// schema for GET /os-migrations has no migrations_links, which nova sends
// with a full page (tempest never asks for one): nova's schema checks
// that key.
func (cf *conformance) checkExcept(what, route string, v auth.Microversion, a answer, skip string) any {
	cf.t.Helper()
	body := any(nil)
	if len(a.raw) > 0 {
		var err error
		if body, err = decodeJSON(a.raw); err != nil {
			cf.t.Fatalf("%s: %v", what, err)
		}
	}
	for _, f := range cf.filesFor(route, v) {
		cf.used[f.path]++
		if len(f.status) > 0 && !slices.Contains(f.status, a.status) {
			cf.t.Errorf("%s at %s: status %d, %s allows %v", what, v, a.status, f.path, f.status)
		}
		checked := body
		if obj, isObj := body.(map[string]any); isObj && skip != "" && f.source == "tempest" {
			if _, has := obj[skip]; !has {
				cf.t.Errorf("%s at %s: no %s", what, v, skip)
			}
			trimmed := maps.Clone(obj)
			delete(trimmed, skip)
			checked = trimmed
		}
		for _, e := range validate(f.body, checked) {
			cf.t.Errorf("%s at %s: %s: %s", what, v, f.path, e)
		}
	}
	return body
}

// record notes the kinds of value the fields of the objects at path (a
// list of keys into body, "[]" for every element of an array) showed.
func (cf *conformance) record(route string, body any, path ...string) {
	var walk func(v any, path []string)
	walk = func(v any, path []string) {
		if len(path) == 0 {
			obj, _ := v.(map[string]any)
			for k, val := range obj {
				key := route + " " + k
				if cf.seen[key] == nil {
					cf.seen[key] = map[string]bool{}
				}
				if val == nil {
					cf.seen[key]["null"] = true
				} else {
					cf.seen[key]["set"] = true
				}
			}
			return
		}
		switch path[0] {
		case "[]":
			list, _ := v.([]any)
			for _, e := range list {
				walk(e, path[1:])
			}
		default:
			obj, _ := v.(map[string]any)
			walk(obj[path[0]], path[1:])
		}
	}
	walk(body, path)
}

// saw asserts that field of route was seen with each kind ("null", "set").
func (cf *conformance) saw(route, field string, kinds ...string) {
	cf.t.Helper()
	for _, k := range kinds {
		if !cf.seen[route+" "+field][k] {
			cf.t.Errorf("%s: %s was never %s", route, field, k)
		}
	}
}

// versionsFor returns the microversions at which a schema file of route
// starts or ends, together with the fake's range ends, from the route's
// first version on, in order: the versions on both sides of every change
// of the route's schemas.
func versionsFor(files []*schemaFile, route string) []auth.Microversion {
	var mine []*schemaFile
	first := auth.Microversion{}
	for _, f := range files {
		if f.route == route {
			mine = append(mine, f)
			if first.IsZero() || f.min.Less(first) {
				first = f.min
			}
		}
	}
	var out []auth.Microversion
	for _, v := range versionsToTest(mine) {
		if !v.Less(first) {
			out = append(out, v)
		}
	}
	return out
}

// versionsToTest returns every microversion at which some schema file
// starts or ends, together with the fake's range ends, in order.
func versionsToTest(files []*schemaFile) []auth.Microversion {
	set := map[string]auth.Microversion{}
	add := func(v auth.Microversion) {
		if !v.IsZero() {
			set[v.String()] = v
		}
	}
	add(auth.MustParseMicroversion(novatest.DefaultMinVersion))
	add(auth.MustParseMicroversion(novatest.DefaultMaxVersion))
	for _, f := range files {
		add(f.min)
		add(f.max)
	}
	out := make([]auth.Microversion, 0, len(set))
	for _, v := range set {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Less(out[j]) })
	return out
}

// Server IDs of the conformance scenario, one per kind of move.
const (
	cfBlock    = "0f000001-0000-4000-8000-000000000001" // live block migration
	cfShared   = "0f000002-0000-4000-8000-000000000002" // live, no disk copy
	cfCold     = "0f000003-0000-4000-8000-000000000003" // cold, then confirmed
	cfRevert   = "0f000004-0000-4000-8000-000000000004" // cold, then reverted
	cfAbort    = "0f000005-0000-4000-8000-000000000005" // live, aborted
	cfForce    = "0f000006-0000-4000-8000-000000000006" // live, force-completed
	cfFail     = "0f000007-0000-4000-8000-000000000007" // live, fails
	cfPrecheck = "0f000008-0000-4000-8000-000000000008" // live to its own host: error
	cfIdle     = "0f000009-0000-4000-8000-000000000009" // stopped, never moved
)

// TestAnswersMatchNovaSchemas drives the fake through every status of live
// and cold migrations (with and without a disk copy, failed, aborted,
// force-completed, confirmed, reverted, refused by the pre-checks) and, at
// each step, checks every answer of every route at every microversion
// where nova's or tempest's schemas change (and at the fake's range ends)
// against the schemas that apply there.
func TestAnswersMatchNovaSchemas(t *testing.T) {
	cf := newConformance(t)
	srv := novatest.NewServer()
	defer srv.Close()
	rc := newRaw(srv)
	srv.AddHost(host1, host2, host3)
	for _, id := range []string{cfBlock, cfShared, cfCold, cfRevert, cfAbort, cfForce, cfFail, cfPrecheck} {
		srv.AddServer(id, host1, novatest.StatusActive)
	}
	srv.AddServer(cfIdle, host2, novatest.StatusShutoff)
	if vs := versionsFor(cf.files, "servers-detail"); len(vs) < 20 {
		t.Fatalf("only %d microversions to test servers/detail at: %v", len(vs), vs)
	}

	action := func(id, body, version string, status int, route string) {
		t.Helper()
		a := rc.send(t, "POST", api+"/servers/"+id+"/action", version, []byte(body))
		if a.status != status {
			t.Fatalf("%s on %s: %d %s", body, id, a.status, a.raw)
		}
		cf.check(route+" "+id, route, auth.MustParseMicroversion(version), a)
	}
	live := func(id, host, block string) {
		h := "null"
		if host != "" {
			h = strconv.Quote(host)
		}
		action(id, `{"os-migrateLive": {"host": `+h+`, "block_migration": `+block+`}}`, "2.80", 202, "live-migrate-action")
	}
	live(cfBlock, host2, "true")
	live(cfShared, host3, "false")
	live(cfAbort, "", `"auto"`)
	live(cfForce, host2, `"auto"`)
	live(cfPrecheck, host1, `"auto"`)
	action(cfCold, `{"migrate": {"host": "compute3"}}`, "2.56", 202, "migrate-action")
	action(cfRevert, `{"migrate": null}`, "2.1", 202, "migrate-action")
	srv.FailNextMigrations(1)
	live(cfFail, "", "true")
	migrationOf := map[string]int{}
	for _, m := range srv.Migrations("") {
		migrationOf[m.InstanceUUID] = m.ID
	}

	// The statuses the answers showed, to prove the steps reach them all.
	migrationStatuses, serverStatuses := map[string]bool{}, map[string]bool{}
	collect := func(into map[string]bool, body any, key string) {
		list, _ := body.(map[string]any)[key].([]any)
		for _, e := range list {
			into[e.(map[string]any)["status"].(string)] = true
		}
	}
	snapshot := func(step string) {
		t.Helper()
		for _, v := range versionsFor(cf.files, "servers-detail") {
			vs := v.String()
			a := rc.send(t, "GET", api+"/servers/detail", vs, nil)
			if a.status != 200 {
				t.Fatalf("servers/detail at %s: %d %s", vs, a.status, a.raw)
			}
			body := cf.check(step+": GET /servers/detail", "servers-detail", v, a)
			sdkReadsServers(t, step+": servers/detail at "+vs, a.raw, body)
			collect(serverStatuses, body, "servers")
			cf.record("servers-detail", body, "servers", "[]")
			cf.record("servers-detail flavor", body, "servers", "[]", "flavor")
			cf.record("servers-detail image", body, "servers", "[]", "image")
		}
		for _, v := range versionsFor(cf.files, "os-migrations-index") {
			vs := v.String()
			a := rc.send(t, "GET", api+"/os-migrations", vs, nil)
			if a.status != 200 {
				t.Fatalf("os-migrations at %s: %d %s", vs, a.status, a.raw)
			}
			body := cf.check(step+": GET /os-migrations", "os-migrations-index", v, a)
			sdkReadsMigrations(t, step+": os-migrations at "+vs, a.raw, body, "migrations")
			collect(migrationStatuses, body, "migrations")
			cf.record("os-migrations", body, "migrations", "[]")
		}
		for _, v := range versionsFor(cf.files, "server-migrations-index") {
			vs := v.String()
			for id, mid := range migrationOf {
				a := rc.send(t, "GET", api+"/servers/"+id+"/migrations", vs, nil)
				if a.status != 200 {
					t.Fatalf("migrations of %s at %s: %d %s", id, vs, a.status, a.raw)
				}
				body := cf.check(step+": GET /servers/"+id+"/migrations", "server-migrations-index", v, a)
				sdkReadsMigrations(t, step+": migrations of "+id+" at "+vs, a.raw, body, "migrations")
				cf.record("server-migrations", body, "migrations", "[]")
				a = rc.send(t, "GET", fmt.Sprintf("%s/servers/%s/migrations/%d", api, id, mid), vs, nil)
				switch a.status {
				case 200:
					body := cf.check(step+": GET /servers/"+id+"/migrations/"+strconv.Itoa(mid), "server-migrations-show", v, a)
					sdkReadsMigrations(t, step+": migration of "+id+" at "+vs, a.raw, body, "migration")
					cf.record("server-migrations", body, "migration")
				case 404:
					a.fault(t, 404, novatest.FaultItemNotFound)
					cf.check("404 for a migration no longer in progress", "fault", auth.Microversion{}, a)
				default:
					t.Fatalf("migration %d of %s at %s: %d %s", mid, id, vs, a.status, a.raw)
				}
			}
		}
		for id := range migrationOf {
			checkServerAndActions(t, cf, rc, step, id)
		}
	}

	// Default timings: live migrations queue 2s, prepare 5s, run 60s,
	// post-migrate 5s; cold ones take 40s to "finished".
	steps := []struct {
		at   time.Duration // since the migrations started
		then func()
	}{
		{0, nil},               // queued, pre-migrating; the pre-check failed
		{3 * time.Second, nil}, // preparing
		{7 * time.Second, nil}, // running, nothing copied yet
		{27 * time.Second, func() { // running, part copied; one aborted, one forced
			a := rc.send(t, "DELETE", fmt.Sprintf("%s/servers/%s/migrations/%d", api, cfAbort, migrationOf[cfAbort]), "2.80", nil)
			if a.status != 202 {
				t.Fatalf("abort: %d %s", a.status, a.raw)
			}
			cf.check("abort", "abort-migration", auth.MustParseMicroversion("2.80"), a)
			a = rc.send(t, "POST", fmt.Sprintf("%s/servers/%s/migrations/%d/action", api, cfForce, migrationOf[cfForce]), "2.80", []byte(`{"force_complete": null}`))
			if a.status != 202 {
				t.Fatalf("force_complete: %d %s", a.status, a.raw)
			}
			cf.check("force_complete", "force-complete-action", auth.MustParseMicroversion("2.80"), a)
		}},
		{28 * time.Second, nil}, // the forced one copies its last bytes
		{38 * time.Second, nil}, // cold ones post-migrating; the doomed one failed
		{43 * time.Second, func() { // cold ones finished (VERIFY_RESIZE)
			action(cfCold, `{"confirmResize": null}`, "2.80", 204, "confirm-resize-action")
			action(cfRevert, `{"revertResize": null}`, "2.80", 202, "revert-resize-action")
		}},
		{44 * time.Second, nil}, // confirming, reverting
		{69 * time.Second, nil}, // all copied: post-migrating
		{75 * time.Second, nil}, // completed, confirmed, reverted
	}
	start := srv.Clock().Now()
	for i, st := range steps {
		srv.Clock().Advance(start.Add(st.at).Sub(srv.Clock().Now()))
		snapshot("step " + strconv.Itoa(i))
		if st.then != nil {
			st.then()
		}
	}

	// A live migration the scheduler finds no host for (a cloud of one
	// compute host) ends "error" with no destination at all.
	lone := novatest.NewServer()
	defer lone.Close()
	lone.AddServer(cfIdle, host1, novatest.StatusActive)
	lrc := newRaw(lone)
	if a := lrc.send(t, "POST", api+"/servers/"+cfIdle+"/action", "2.80", []byte(`{"os-migrateLive": {"host": null, "block_migration": "auto"}}`)); a.status != 202 {
		t.Fatalf("live migration without a host to go to: %d %s", a.status, a.raw)
	}
	for _, v := range versionsFor(cf.files, "os-migrations-index") {
		body := cf.check("os-migrations of a migration without destination", "os-migrations-index", v, lrc.send(t, "GET", api+"/os-migrations", v.String(), nil))
		cf.record("os-migrations", body, "migrations", "[]")
	}

	for _, st := range []string{"queued", "preparing", "running", "post-migrating", "completed", "failed", "error",
		"cancelled", "pre-migrating", "migrating", "finished", "confirming", "confirmed", "reverting", "reverted"} {
		if !migrationStatuses[st] {
			t.Errorf("no migration was ever %q: %v", st, migrationStatuses)
		}
	}
	for _, st := range []string{"ACTIVE", "SHUTOFF", "MIGRATING", "RESIZE", "VERIFY_RESIZE", "REVERT_RESIZE"} {
		if !serverStatuses[st] {
			t.Errorf("no server was ever %s: %v", st, serverStatuses)
		}
	}

	if a, b := versionsFor(cf.files, "server-migrations-index"), versionsFor(cf.files, "server-migrations-show"); fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("the show schemas change at %v, the index ones at %v: test both", b, a)
	}

	// Every schema file of the routes served was used.
	checks := 0
	for _, n := range cf.used {
		checks += n
	}
	t.Logf("%d checks of answers against %d schema files", checks, len(cf.used))
	for _, f := range cf.files {
		switch f.route {
		case "versions-index", "versions-show", "fault", "unauthorized":
			continue // TestErrorAndVersionAnswersMatchSchemas
		case "evacuate-action":
			continue // TestEvacuationAnswersMatchSchemas
		case "services-index", "services-update", "services-enable-disable", "services-disable-log-reason",
			"services-force-down", "hypervisors-detail", "hypervisors-show":
			continue // TestServiceAnswersMatchSchemas, TestHypervisorAnswersMatchSchemas
		}
		if cf.used[f.path] == 0 {
			t.Errorf("%s (%s) was never checked", f.path, f.comment)
		}
	}

	// Every field the schemas define showed up, with each kind of value it
	// takes, except fault (the fake's servers never fail).
	for _, f := range []string{"memory_total_bytes", "memory_processed_bytes", "memory_remaining_bytes",
		"disk_total_bytes", "disk_processed_bytes", "disk_remaining_bytes"} {
		cf.saw("server-migrations", f, "null", "set")
	}
	for _, f := range []string{"dest_host", "dest_node", "dest_compute"} {
		if f != "dest_host" {
			cf.saw("server-migrations", f, "set")
		}
		cf.saw("os-migrations", f, "null", "set")
	}
	// A live migration records no destination IP (only cold ones, and
	// NUMA-aware live migrations, which the fake has none of, do).
	cf.saw("server-migrations", "dest_host", "null")
	cf.saw("os-migrations", "updated_at", "null", "set")
	cf.saw("server-migrations", "updated_at", "set")
	for _, f := range []string{"links", "migration_type", "uuid", "user_id", "project_id", "old_instance_type_id", "new_instance_type_id"} {
		cf.saw("os-migrations", f, "set")
	}
	for _, f := range []string{"uuid", "user_id", "project_id", "server_uuid"} {
		cf.saw("server-migrations", f, "set")
	}
	novaDetail := map[string]bool{}
	for _, f := range cf.files {
		if f.source == "nova" && f.route == "servers-detail" {
			for name := range serverProperties(t, f) {
				novaDetail[name] = true
			}
		}
	}
	for name := range novaDetail {
		if name == "fault" {
			continue
		}
		if len(cf.seen["servers-detail "+name]) == 0 {
			t.Errorf("servers-detail: %s never appeared", name)
		}
	}
	cf.saw("servers-detail", "OS-EXT-STS:task_state", "null", "set")
	cf.saw("servers-detail", "progress", "set")
	for _, f := range []string{"id", "links", "vcpus", "ram", "disk", "ephemeral", "swap", "original_name", "extra_specs"} {
		cf.saw("servers-detail flavor", f, "set")
	}
	for _, f := range []string{"id", "links", "properties"} {
		cf.saw("servers-detail image", f, "set")
	}
}

// sdkReadsMigrations decodes raw (whose decoded form is body) the way
// package nova does, into nova.Migration, and checks that every figure
// and host the answer carries, null ones included, comes out as sent.
func sdkReadsMigrations(t *testing.T, what string, raw []byte, body any, key string) {
	t.Helper()
	var objs []any
	var got []nova.Migration
	if key == "migration" {
		var one struct{ Migration nova.Migration }
		if err := json.Unmarshal(raw, &one); err != nil {
			t.Fatalf("%s: nova.Migration does not read the answer: %v", what, err)
		}
		objs, got = []any{body.(map[string]any)["migration"]}, []nova.Migration{one.Migration}
	} else {
		var list struct{ Migrations []nova.Migration }
		if err := json.Unmarshal(raw, &list); err != nil {
			t.Fatalf("%s: nova.Migration does not read the answer: %v", what, err)
		}
		objs, got = body.(map[string]any)["migrations"].([]any), list.Migrations
	}
	if len(objs) != len(got) {
		t.Fatalf("%s: %d records decoded from %d", what, len(got), len(objs))
	}
	for i, o := range objs {
		rec, m := o.(map[string]any), got[i]
		ints := map[string]*int64{
			"memory_total_bytes": m.MemoryTotalBytes, "memory_processed_bytes": m.MemoryProcessedBytes,
			"memory_remaining_bytes": m.MemoryRemainingBytes, "disk_total_bytes": m.DiskTotalBytes,
			"disk_processed_bytes": m.DiskProcessedBytes, "disk_remaining_bytes": m.DiskRemainingBytes,
		}
		for k, p := range ints {
			sent, has := rec[k]
			switch {
			case !has || sent == nil:
				if p != nil {
					t.Errorf("%s: %s sent as %v, decoded %d", what, k, sent, *p)
				}
			case p == nil || sent.(json.Number).String() != strconv.FormatInt(*p, 10):
				t.Errorf("%s: %s sent as %v, decoded %v", what, k, sent, p)
			}
		}
		strs := map[string]*string{"source_compute": m.SourceCompute, "source_node": m.SourceNode,
			"dest_compute": m.DestCompute, "dest_host": m.DestHost, "dest_node": m.DestNode}
		for k, p := range strs {
			if sent := rec[k]; (sent == nil) != (p == nil) || (p != nil && sent != *p) {
				t.Errorf("%s: %s sent as %v, decoded %v", what, k, sent, p)
			}
		}
		if m.ID != intOf(rec["id"]) || string(m.Status) != rec["status"] {
			t.Errorf("%s: id/status %d %s from %v %v", what, m.ID, m.Status, rec["id"], rec["status"])
		}
		if (rec["updated_at"] == nil) != m.UpdatedAt.IsZero() || m.CreatedAt.IsZero() {
			t.Errorf("%s: times %v %v from %v %v", what, m.CreatedAt, m.UpdatedAt, rec["created_at"], rec["updated_at"])
		}
	}
}

// sdkReadsServers decodes raw the way package nova does, into nova.Server,
// and checks the fields a drain uses.
func sdkReadsServers(t *testing.T, what string, raw []byte, body any) {
	t.Helper()
	var list struct{ Servers []nova.Server }
	if err := json.Unmarshal(raw, &list); err != nil {
		t.Fatalf("%s: nova.Server does not read the answer: %v", what, err)
	}
	objs := body.(map[string]any)["servers"].([]any)
	if len(objs) != len(list.Servers) {
		t.Fatalf("%s: %d servers decoded from %d", what, len(list.Servers), len(objs))
	}
	for i, o := range objs {
		rec, sv := o.(map[string]any), list.Servers[i]
		task, _ := rec["OS-EXT-STS:task_state"].(string)
		_, hasLocked := rec["locked"]
		if sv.ID != rec["id"] || string(sv.Status) != rec["status"] || sv.Host != rec["OS-EXT-SRV-ATTR:host"] ||
			sv.TaskState != task || (sv.Locked != nil) != hasLocked || sv.Created.IsZero() ||
			int(sv.PowerState) != intOf(rec["OS-EXT-STS:power_state"]) {
			t.Errorf("%s: decoded %+v from %v", what, sv, rec)
		}
	}
}

// sendVersion sends a request whose microversion header is the raw text
// version, with a valid token.
func (rc *rawClient) sendVersion(t *testing.T, method, path, version string) answer {
	t.Helper()
	req, err := http.NewRequest(method, rc.srv.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-OpenStack-Nova-API-Version", version)
	if err := rc.ks.Authorize(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	return do(t, req)
}

// serverProperties returns the properties nova's servers/detail schema
// gives a server (the branch for servers of a cell that is up, from 2.69).
func serverProperties(t *testing.T, f *schemaFile) map[string]any {
	t.Helper()
	items := f.body.(map[string]any)["properties"].(map[string]any)["servers"].(map[string]any)["items"].(map[string]any)
	if branches, ok := items["oneOf"].([]any); ok {
		items = branches[0].(map[string]any)
	}
	return items["properties"].(map[string]any)
}

// TestErrorAndVersionAnswersMatchSchemas checks the version documents,
// every kind of fault the fake answers and paged lists against the
// schemas.
func TestErrorAndVersionAnswersMatchSchemas(t *testing.T) {
	cf := newConformance(t)
	srv := novatest.NewServer()
	defer srv.Close()
	rc := newRaw(srv)
	srv.AddHost(host1, host2)
	srv.AddServer(serverA, host1, novatest.StatusActive)
	srv.AddServer(serverB, host1, novatest.StatusActive)
	none := auth.Microversion{}

	req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/compute/", nil)
	cf.check("GET /compute/", "versions-index", none, do(t, req))
	req, _ = http.NewRequest(http.MethodGet, srv.URL()+api+"/", nil)
	cf.check("GET /compute/v2.1/", "versions-show", none, do(t, req))

	// Faults, one of each kind the fake answers.
	fault := func(what string, a answer, status int, name string) {
		t.Helper()
		a.fault(t, status, name)
		cf.check(what, "fault", none, a)
	}
	srvPath := api + "/servers/" + serverA
	fault("malformed version", rc.sendVersion(t, "GET", api+"/os-migrations", "2.x"), 400, novatest.FaultBadRequest)
	fault("version out of range", rc.sendVersion(t, "GET", api+"/os-migrations", "3.0"), 406, novatest.FaultComputeFault)
	fault("below the operation's minimum", rc.send(t, "GET", srvPath+"/migrations", "2.22", nil), 404, novatest.FaultItemNotFound)
	fault("unknown server", rc.send(t, "GET", api+"/servers/"+serverC+"/migrations", "2.80", nil), 404, novatest.FaultItemNotFound)
	fault("unknown query parameter", rc.send(t, "GET", api+"/os-migrations?foo=1", "2.80", nil), 400, novatest.FaultBadRequest)
	fault("unknown action", rc.send(t, "POST", srvPath+"/action", "2.80", []byte(`{"reboot": {"type": "SOFT"}}`)), 404, novatest.FaultItemNotFound)
	fault("bad body", rc.send(t, "POST", srvPath+"/action", "2.80", []byte(`{"os-migrateLive": {"host": null}}`)), 400, novatest.FaultBadRequest)
	fault("abort with nothing to abort", rc.send(t, "DELETE", srvPath+"/migrations/1", "2.80", nil), 409, novatest.FaultConflictingRequest)
	srv.Throttle(novatest.OpListMigrations, 1, 2*time.Second)
	a := rc.send(t, "GET", api+"/os-migrations", "2.80", nil)
	fault("throttled", a, 429, novatest.FaultOverLimit)
	if inner := a.body[novatest.FaultOverLimit].(map[string]any); inner["retryAfter"] != "2" {
		t.Errorf("retryAfter %v", inner["retryAfter"])
	}
	for _, tc := range []struct {
		status int
		name   string
	}{{403, "forbidden"}, {500, novatest.FaultComputeFault}, {501, "notImplemented"}, {503, "serviceUnavailable"}} {
		srv.FailNext(novatest.OpListMigrations, 1, tc.status)
		fault(fmt.Sprintf("injected %d", tc.status), rc.send(t, "GET", api+"/os-migrations", "2.80", nil), tc.status, tc.name)
	}
	req, _ = http.NewRequest(http.MethodGet, srv.URL()+api+"/os-migrations", nil)
	req.Header.Set("X-Auth-Token", "not-a-token")
	if a := do(t, req); a.status != 401 {
		t.Errorf("without a valid token: %d", a.status)
	} else {
		cf.check("401", "unauthorized", none, a)
	}

	// Paged lists carry their next links.
	if a := rc.send(t, "POST", srvPath+"/action", "2.80", []byte(`{"os-migrateLive": {"host": null, "block_migration": "auto"}}`)); a.status != 202 {
		t.Fatal(a.status)
	}
	if a := rc.send(t, "POST", api+"/servers/"+serverB+"/action", "2.80", []byte(`{"migrate": null}`)); a.status != 202 {
		t.Fatal(a.status)
	}
	for _, v := range versionsToTest(cf.files) {
		if v.Less(auth.MustParseMicroversion("2.59")) {
			continue
		}
		a := rc.send(t, "GET", api+"/os-migrations?limit=1", v.String(), nil)
		body := cf.checkExcept("os-migrations page", "os-migrations-index", v, a, "migrations_links")
		if _, ok := body.(map[string]any)["migrations_links"]; !ok {
			t.Errorf("os-migrations?limit=1 at %s: no migrations_links: %s", v, a.raw)
		}
		a = rc.send(t, "GET", api+"/servers/detail?limit=1", v.String(), nil)
		body = cf.check("servers/detail page", "servers-detail", v, a)
		if _, ok := body.(map[string]any)["servers_links"]; !ok {
			t.Errorf("servers/detail?limit=1 at %s: no servers_links: %s", v, a.raw)
		}
	}
	for _, route := range []string{"versions-index", "versions-show", "fault", "unauthorized"} {
		n := 0
		for _, f := range cf.files {
			if f.route == route {
				n += cf.used[f.path]
			}
		}
		if n == 0 {
			t.Errorf("no answer was checked against %s", route)
		}
	}
	if !strings.Contains(cf.files[0].comment, "commit") {
		t.Errorf("%s: $comment %q names no commit", cf.files[0].path, cf.files[0].comment)
	}
}
