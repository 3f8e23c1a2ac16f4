package novatest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/nova"
	"github.com/cloudmigrate/cloudmigrate/nova/novatest"
)

// checkAlso validates a against the schema files of route that apply at v
// (there must be some), for routes only one project has a schema of.
func (cf *conformance) checkAlso(what, route string, v auth.Microversion, a answer) {
	cf.t.Helper()
	n := 0
	body, err := decodeJSON(a.raw)
	if err != nil {
		cf.t.Fatalf("%s: %v", what, err)
	}
	for _, f := range cf.files {
		if f.route != route || !f.covers(v) {
			continue
		}
		n++
		cf.used[f.path]++
		if len(f.status) > 0 && !containsInt(f.status, a.status) {
			cf.t.Errorf("%s at %s: status %d, %s allows %v", what, v, a.status, f.path, f.status)
		}
		for _, e := range validate(f.body, body) {
			cf.t.Errorf("%s at %s: %s: %s", what, v, f.path, e)
		}
	}
	if n == 0 {
		cf.t.Fatalf("%s: no schema of %s at %s", what, route, v)
	}
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// unionVersions returns the microversions where any of routes' schemas
// change, in order.
func unionVersions(files []*schemaFile, routes ...string) []auth.Microversion {
	set := map[string]auth.Microversion{}
	for _, r := range routes {
		for _, v := range versionsFor(files, r) {
			set[v.String()] = v
		}
	}
	out := make([]auth.Microversion, 0, len(set))
	for _, v := range set {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Less(out[j]) })
	return out
}

// serviceID returns the ID GET /os-services gives host's compute service
// at v.
func serviceID(t *testing.T, rc *rawClient, host, v string) string {
	t.Helper()
	a := rc.send(t, "GET", api+"/os-services?binary=nova-compute&host="+host, v, nil)
	list, _ := a.body["services"].([]any)
	if a.status != 200 || len(list) != 1 {
		t.Fatalf("services of %s at %s: %d %s", host, v, a.status, a.raw)
	}
	return fmt.Sprint(list[0].(map[string]any)["id"])
}

// TestServiceAnswersMatchSchemas lists the services and updates one in
// every way the API allows (disable with and without a reason, enable,
// force down, clear), with services up, down, disabled and forced down,
// at every microversion where nova's or tempest's schemas of the routes
// change, and checks each answer against every schema that applies.
func TestServiceAnswersMatchSchemas(t *testing.T) {
	cf := newConformance(t)
	srv := novatest.NewServer()
	defer srv.Close()
	rc := newRaw(srv)
	srv.AddHost(host1, host2, host3)
	srv.AddServer(serverA, host1, novatest.StatusActive)
	srv.SetServiceDisabled(host2, true, "maintenance")
	srv.SetHostDown(host3, true)
	versions := unionVersions(cf.files, "services-index", "services-update")
	if len(versions) < 8 {
		t.Fatalf("only %d microversions: %v", len(versions), versions)
	}
	mv253 := auth.MustParseMicroversion("2.53")
	for _, v := range versions {
		vs := v.String()
		srv.Clock().Advance(time.Second)
		list := func(step string) {
			a := rc.send(t, "GET", api+"/os-services", vs, nil)
			if a.status != 200 {
				t.Fatalf("os-services at %s: %d %s", vs, a.status, a.raw)
			}
			body := cf.check(step+": GET /os-services", "services-index", v, a)
			cf.record("services-index", body, "services", "[]")
		}
		list("start")
		put := func(path, body, tempestRoute string) {
			t.Helper()
			a := rc.send(t, "PUT", api+"/os-services/"+path, vs, []byte(body))
			if a.status != 200 {
				t.Fatalf("PUT %s %s at %s: %d %s", path, body, vs, a.status, a.raw)
			}
			got := cf.check("PUT /os-services/"+path+" "+body, "services-update", v, a)
			if tempestRoute != "" {
				cf.checkAlso("PUT /os-services/"+path+" "+body, tempestRoute, v, a)
			}
			cf.record("services-update", got, "service")
		}
		if v.Less(mv253) {
			hb := `"host": "compute1", "binary": "nova-compute"`
			put("disable-log-reason", `{`+hb+`, "disabled_reason": "drain"}`, "services-disable-log-reason")
			list("disabled")
			put("disable", `{`+hb+`}`, "services-enable-disable")
			put("enable", `{`+hb+`}`, "services-enable-disable")
			if v.AtLeast(auth.MustParseMicroversion("2.11")) {
				put("force-down", `{`+hb+`, "forced_down": true}`, "services-force-down")
				list("forced down")
				put("force-down", `{`+hb+`, "forced_down": "False"}`, "services-force-down")
			}
		} else {
			id := serviceID(t, rc, host1, vs)
			put(id, `{"status": "disabled", "disabled_reason": "drain"}`, "")
			put(id, `{"status": "disabled"}`, "")
			list("disabled")
			put(id, `{"status": "enabled"}`, "")
			put(id, `{"forced_down": true}`, "")
			list("forced down")
			put(id, `{"status": "disabled", "disabled_reason": "dead", "forced_down": false}`, "")
			put(id, `{"status": "enabled"}`, "")
		}
	}

	for _, f := range cf.files {
		if strings.HasPrefix(f.route, "services-") && cf.used[f.path] == 0 {
			t.Errorf("%s (%s) was never checked", f.path, f.comment)
		}
	}
	for _, field := range []string{"disabled_reason", "updated_at"} {
		cf.saw("services-index", field, "null", "set")
	}
	for _, field := range []string{"forced_down", "zone", "state", "id"} {
		cf.saw("services-index", field, "set")
	}
	cf.saw("services-update", "disabled_reason", "null", "set")
	cf.saw("services-update", "forced_down", "set")
}

// The fake's answers have the fields of nova's samples, at each
// microversion, and it accepts nova's request samples.
func TestServiceAnswersMatchTheSamples(t *testing.T) {
	srv := novatest.NewServer()
	defer srv.Close()
	rc := newRaw(srv)
	srv.AddHost("host1", "host2")
	srv.SetServiceDisabled("host1", true, "test2")
	keysOf := func(a answer, key string) []string {
		t.Helper()
		switch v := a.body[key].(type) {
		case map[string]any:
			return keys(v)
		case []any:
			for _, e := range v {
				if o := e.(map[string]any); o["binary"] == "nova-compute" {
					return keys(o)
				}
			}
		}
		t.Fatalf("no %s in %s", key, a.raw)
		return nil
	}
	for _, tc := range []struct{ mv, dir string }{{"2.1", ""}, {"2.11", "v2.11/"}, {"2.53", "v2.53/"}} {
		a := rc.send(t, "GET", api+"/os-services", tc.mv, nil)
		if got, want := keysOf(a, "services"), keys(sampleObject(t, "os-services/"+tc.dir+"services-list-get-resp.json", "services")); !equal(got, want) {
			t.Errorf("%s: service fields %v, want %v", tc.mv, got, want)
		}
		path := func(action string) string {
			if tc.mv == "2.53" {
				return serviceID(t, rc, "host1", tc.mv)
			}
			return action
		}
		reqs := []struct{ file, action string }{
			{"service-disable-log-put", "disable-log-reason"}, {"service-disable-put", "disable"}, {"service-enable-put", "enable"},
		}
		if tc.mv != "2.1" {
			reqs = append(reqs, struct{ file, action string }{"service-force-down-put", "force-down"})
		}
		for _, r := range reqs {
			a := rc.send(t, "PUT", api+"/os-services/"+path(r.action), tc.mv, sample(t, "os-services/"+tc.dir+r.file+"-req.json"))
			if a.status != 200 {
				t.Fatalf("%s %s: %d %s", tc.mv, r.file, a.status, a.raw)
			}
			want := keys(sampleObject(t, "os-services/"+tc.dir+r.file+"-resp.json", "service"))
			if got := keysOf(a, "service"); !equal(got, want) {
				t.Errorf("%s %s: fields %v, want %v", tc.mv, r.file, got, want)
			}
		}
	}
}

// A disabled compute service takes no migration the scheduler places:
// without a host the scheduler skips it; named, it gets nova's error (at
// once before 2.34 for a live migration, as a migration in status "error"
// from 2.34 and for a cold one). A forced live migration still lands
// there. Enabled again, it takes them.
func TestDisabledServiceTakesNoMigrations(t *testing.T) {
	ctx := context.Background()
	srv, c := newFake(t)
	srv.AddServer(serverB, host1, novatest.StatusShutoff)
	srv.AddServer(serverC, host1, novatest.StatusActive)
	if _, err := c.DisableService(ctx, host2, "maintenance"); err != nil {
		t.Fatal(err)
	}
	if info, _ := srv.ComputeService(host2); !info.Disabled || info.DisabledReason != "maintenance" || info.Down {
		t.Fatalf("host2 service %+v", info)
	}

	// The scheduler takes host3, the next host, for both kinds.
	for _, start := range []func() error{
		func() error { return errOf(c.LiveMigrate(ctx, serverA, nil)) },
		func() error { return errOf(c.Migrate(ctx, serverB, nil)) },
	} {
		if err := start(); err != nil {
			t.Fatal(err)
		}
	}
	srv.Clock().Advance(2 * time.Minute)
	if a, b := state(t, srv, serverA), state(t, srv, serverB); a.Host != host3 || b.Host != host3 {
		t.Errorf("scheduled onto %s and %s, want %s for both", a.Host, b.Host, host3)
	}

	// Named: "error" without a destination, at once, as nova's
	// conductor records it before the scheduler refuses the host.
	checkRefused := func(what string, kind nova.MigrationType) {
		t.Helper()
		ms := srv.Migrations(serverC)
		if len(ms) == 0 {
			t.Fatalf("%s: no migration recorded", what)
		}
		m := ms[len(ms)-1]
		if m.Status != nova.StatusError || m.DestCompute != nil || m.MigrationType != kind {
			t.Errorf("%s: migration %+v", what, m)
		}
		if info := state(t, srv, serverC); info.Host != host1 || info.TaskState != "" {
			t.Errorf("%s: server %+v", what, info)
		}
	}
	// Before 2.34 the answer is nova's 400 too.
	_, err := pinned(t, c, "2.33").LiveMigrate(ctx, serverC, &nova.LiveMigrateOptions{Host: host2})
	apiError(t, err, 400, novatest.FaultBadRequest)
	if !strings.Contains(err.Error(), "No valid host was found.") {
		t.Errorf("live migration to a disabled host at 2.33: %v", err)
	}
	checkRefused("live at 2.33", nova.TypeLiveMigration)
	if err := errOf(pinned(t, c, "2.80").LiveMigrate(ctx, serverC, &nova.LiveMigrateOptions{Host: host2})); err != nil {
		t.Fatal(err)
	}
	checkRefused("live at 2.80", nova.TypeLiveMigration)
	if err := errOf(pinned(t, c, "2.56").Migrate(ctx, serverC, &nova.MigrateOptions{Host: host2})); err != nil {
		t.Fatal(err)
	}
	checkRefused("cold at 2.56", nova.TypeMigration)

	// Forced (2.30 to 2.67), the scheduler is bypassed.
	yes := true
	if err := errOf(pinned(t, c, "2.67").LiveMigrate(ctx, serverC, &nova.LiveMigrateOptions{Host: host2, Force: &yes})); err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(2 * time.Minute)
	if info := state(t, srv, serverC); info.Host != host2 {
		t.Errorf("forced live migration to a disabled host: server on %s", info.Host)
	}

	// Enabled again, the scheduler uses it.
	if _, err := c.EnableService(ctx, host2); err != nil {
		t.Fatal(err)
	}
	if err := errOf(c.LiveMigrate(ctx, serverA, &nova.LiveMigrateOptions{Host: host2})); err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(2 * time.Minute)
	if info := state(t, srv, serverA); info.Host != host2 {
		t.Errorf("after EnableService: server on %s", info.Host)
	}
	if n := srv.Calls(novatest.OpUpdateService); n != 2 {
		t.Errorf("Calls(OpUpdateService) = %d, want 2", n)
	}
}

// A service forced down shows down, with its hypervisor, makes its host's
// servers evacuable and its host no target; it cannot be cleared while
// an evacuation from it is "done", and can once the host's compute
// service has started again.
func TestForceDownAndEvacuate(t *testing.T) {
	ctx := context.Background()
	srv, c := newFake(t)
	// The host still runs: evacuating from it is refused.
	_, err := c.Evacuate(ctx, serverA, nil)
	apiError(t, err, 400, novatest.FaultBadRequest)

	for _, mv := range []string{"2.11", "2.53"} {
		s, err := pinned(t, c, mv).ForceDownService(ctx, host1)
		if err != nil || s.ForcedDown == nil || !*s.ForcedDown {
			t.Fatalf("%s: %+v %v", mv, s, err)
		}
	}
	if info, _ := srv.ComputeService(host1); !info.ForcedDown || !info.Down || info.Disabled {
		t.Fatalf("service %+v", info)
	}
	list, err := c.ListServices(ctx, &nova.ListServicesOptions{Host: host1, Binary: nova.BinaryCompute})
	if err != nil || len(list) != 1 || list[0].State != nova.ServiceDown || !*list[0].ForcedDown || list[0].Status != nova.ServiceEnabled {
		t.Fatalf("listing %+v %v", list, err)
	}
	var hv *nova.Hypervisor
	for h, err := range c.ListHypervisors(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if h.Service.Host == host1 {
			hv = &h
		}
	}
	if hv == nil || hv.State != nova.ServiceDown || hv.Status != nova.ServiceEnabled || hv.Uptime != "" {
		t.Fatalf("hypervisor of host1 %+v", hv)
	}

	// Its servers cannot be moved by migration: nova needs the source's
	// compute service up.
	_, err = pinned(t, c, "2.33").LiveMigrate(ctx, serverA, nil)
	apiError(t, err, 400, novatest.FaultBadRequest)
	if !strings.Contains(err.Error(), "Compute service of compute1 is unavailable at this time.") {
		t.Errorf("live migration off a forced-down host at 2.33: %v", err)
	}
	if err := errOf(c.LiveMigrate(ctx, serverA, nil)); err != nil {
		t.Fatal(err)
	}
	for _, m := range srv.Migrations(serverA) {
		if m.Status != nova.StatusError || m.DestCompute != nil {
			t.Errorf("live migration off a forced-down host: %+v", m)
		}
	}
	_, err = c.Migrate(ctx, serverA, nil)
	apiError(t, err, 409, novatest.FaultConflictingRequest)

	// No migration is scheduled onto it: a live migration from host2
	// named to host1 ends "error".
	srv.AddServer(serverB, host2, novatest.StatusActive)
	if err := errOf(c.LiveMigrate(ctx, serverB, &nova.LiveMigrateOptions{Host: host1})); err != nil {
		t.Fatal(err)
	}
	ms := srv.Migrations(serverB)
	if len(ms) != 1 || ms[0].Status != nova.StatusError {
		t.Fatalf("live migration to a forced-down host: %+v", ms)
	}

	op, err := c.Evacuate(ctx, serverA, &nova.EvacuateOptions{Host: host3})
	if err != nil {
		t.Fatal(err)
	}
	opts, _ := stepping(srv, 10*time.Second)
	if _, err := op.Wait(ctx, opts...); err != nil {
		t.Fatal(err)
	}
	if info := state(t, srv, serverA); info.Host != host3 {
		t.Fatalf("evacuated server on %s", info.Host)
	}

	// The evacuation is "done" until host1's compute service starts.
	for _, mv := range []string{"2.11", "2.53"} {
		_, err = pinned(t, c, mv).ClearForceDown(ctx, host1)
		apiError(t, err, 400, novatest.FaultBadRequest)
		if !strings.Contains(err.Error(), "`done` evacuation") {
			t.Errorf("%s: %v", mv, err)
		}
	}
	if info, _ := srv.ComputeService(host1); !info.ForcedDown {
		t.Fatal("a refused ClearForceDown changed the service")
	}
	srv.SetHostDown(host1, true)
	srv.SetHostDown(host1, false) // the host comes back: its compute service starts
	s, err := c.ClearForceDown(ctx, host1)
	if err != nil || *s.ForcedDown || s.State != nova.ServiceUp {
		t.Fatalf("ClearForceDown: %+v %v", s, err)
	}
}

// Nova's errors for bad service updates, at both forms.
func TestServiceUpdateErrors(t *testing.T) {
	srv := novatest.NewServer()
	defer srv.Close()
	rc := newRaw(srv)
	srv.AddHost(host1)
	hb := `"host": "compute1", "binary": "nova-compute"`
	id := serviceID(t, rc, host1, "2.53")
	scheduler := ""
	for _, s := range rc.send(t, "GET", api+"/os-services?binary=nova-scheduler", "2.53", nil).body["services"].([]any) {
		scheduler = s.(map[string]any)["id"].(string)
	}
	cases := []struct {
		name, mv, path, body string
		status               int
		message              string
	}{
		{"force-down before 2.11", "2.10", "force-down", `{` + hb + `}`, 404, "Unknown action"},
		{"forced_down before 2.11", "2.10", "force-down", `{` + hb + `, "forced_down": true}`, 400, "('forced_down' was unexpected)"},
		{"unknown action", "2.52", "reboot", `{` + hb + `}`, 404, "Unknown action"},
		{"no binary", "2.52", "enable", `{"host": "compute1"}`, 400, "'binary' is a required property"},
		{"bad host", "2.52", "enable", `{"host": "a b", "binary": "nova-compute"}`, 400, "does not match"},
		{"no reason", "2.52", "disable-log-reason", `{` + hb + `}`, 400, "Missing disabled reason field"},
		{"empty reason", "2.52", "disable-log-reason", `{` + hb + `, "disabled_reason": ""}`, 400, "is too short"},
		{"no forced_down", "2.52", "force-down", `{` + hb + `}`, 400, "Missing forced_down field"},
		{"scheduler", "2.52", "disable", `{"host": "controller", "binary": "nova-scheduler"}`, 400, "Updating a nova-scheduler service is not supported"},
		{"unknown host", "2.52", "disable", `{"host": "nohost", "binary": "nova-compute"}`, 404, "Host 'nohost' is not mapped to any cell"},
		{"action at 2.53", "2.53", "enable", `{"status": "enabled"}`, 400, "Invalid uuid enable"},
		{"old body at 2.53", "2.53", "enable", `{` + hb + `}`, 400, "('binary' was unexpected)"},
		{"not a UUID", "2.53", "7", `{"status": "enabled"}`, 400, "Invalid uuid 7"},
		{"unknown UUID", "2.53", "0f000000-0000-4000-8000-000000000000", `{"status": "enabled"}`, 404, "Service 0f000000-0000-4000-8000-000000000000 could not be found."},
		{"scheduler at 2.53", "2.53", scheduler, `{"status": "disabled"}`, 400, "Only nova-compute services can be updated"},
		{"nothing", "2.53", id, `{}`, 400, "No updates were requested"},
		{"reason only", "2.53", id, `{"disabled_reason": "x"}`, 400, "No updates were requested"},
		{"reason when enabling", "2.53", id, `{"status": "enabled", "disabled_reason": "x"}`, 400, "Specifying 'disabled_reason' with status 'enabled' is invalid."},
		{"bad status", "2.53", id, `{"status": "UNKNOWN"}`, 400, "is not one of ['enabled', 'disabled']"},
		{"bad forced_down", "2.53", id, `{"forced_down": "maybe"}`, 400, "forced_down"},
		{"UUID before 2.53", "2.52", id, `{` + hb + `}`, 404, "Unknown action"},
	}
	for _, tc := range cases {
		a := rc.send(t, "PUT", api+"/os-services/"+tc.path, tc.mv, []byte(tc.body))
		if msg := a.fault(t, tc.status, map[int]string{400: novatest.FaultBadRequest, 404: novatest.FaultItemNotFound}[tc.status]); !strings.Contains(msg, tc.message) {
			t.Errorf("%s: message %q, want it to hold %q", tc.name, msg, tc.message)
		}
	}
	if info, _ := srv.ComputeService(host1); info.Disabled || info.ForcedDown {
		t.Errorf("refused updates changed the service: %+v", info)
	}
	// Nova's words for values its schemas refuse.
	for body, want := range map[string]string{
		`{"status": 5}`:                                 "Invalid input for field/attribute status. Value: 5. 5 is not of type 'string'",
		`{"status": "UNKNOWN"}`:                         "Invalid input for field/attribute status. Value: UNKNOWN. 'UNKNOWN' is not one of ['enabled', 'disabled']",
		`{"forced_down": "maybe"}`:                      "Invalid input for field/attribute forced_down. Value: maybe. 'maybe' is not one of [True, 'True',",
		`{"status": "disabled", "disabled_reason": ""}`: "Invalid input for field/attribute disabled_reason. Value: . '' is too short",
		`[1]`: "[1] is not of type 'object'",
	} {
		if msg := rc.send(t, "PUT", api+"/os-services/"+id, "2.53", []byte(body)).fault(t, 400, novatest.FaultBadRequest); !strings.HasPrefix(msg, want) {
			t.Errorf("%s: %q, want %q", body, msg, want)
		}
	}
	if msg := rc.send(t, "PUT", api+"/os-services/enable", "2.52", []byte(`{"host": "a b", "binary": "nova-compute"}`)).fault(t, 400, novatest.FaultBadRequest); msg != "Invalid input for field/attribute host. Value: a b. 'a b' does not match '^[a-zA-Z0-9-._]*$'" {
		t.Errorf("bad host: %q", msg)
	}
	// A UUID in capitals names the service, as MySQL compares; without
	// its hyphens it passes nova's check but names nothing.
	if a := rc.send(t, "PUT", api+"/os-services/"+strings.ToUpper(id), "2.53", []byte(`{"status": "disabled"}`)); a.status != 200 {
		t.Errorf("UUID in capitals: %d %s", a.status, a.raw)
	}
	bare := strings.ReplaceAll(id, "-", "")
	rc.send(t, "PUT", api+"/os-services/"+bare, "2.53", []byte(`{"status": "enabled"}`)).fault(t, 404, novatest.FaultItemNotFound)

	// The listing: unknown parameters are ignored before 2.75, refused
	// from 2.75.
	if a := rc.send(t, "GET", api+"/os-services?zone=nova", "2.74", nil); a.status != 200 {
		t.Errorf("2.74: %d %s", a.status, a.raw)
	}
	if msg := rc.send(t, "GET", api+"/os-services?zone=nova", "2.75", nil).fault(t, 400, novatest.FaultBadRequest); msg != "Additional properties are not allowed ('zone' was unexpected)" {
		t.Errorf("unknown parameter at 2.75: %q", msg)
	}
}

// Faults injected on the service routes reach the SDK as nova's answers
// would; an update that failed or was dropped changed nothing and was sent
// once.
func TestServiceRouteFaults(t *testing.T) {
	ctx := context.Background()
	srv, c := newFake(t)

	srv.Throttle(novatest.OpListServices, 1, 0)
	if list, err := c.ListServices(ctx, nil); err != nil || len(list) != 5 {
		t.Fatalf("throttled listing: %d services, %v", len(list), err)
	}
	if n := srv.Calls(novatest.OpListServices); n != 2 {
		t.Errorf("throttled listing sent %d times, want 2", n)
	}

	for _, tc := range []struct {
		mv, op string
		fault  func(op string)
	}{
		{"2.52", novatest.OpDisableServiceLogReason, func(op string) { srv.FailNext(op, 1, 500) }},
		{"2.53", novatest.OpUpdateService, func(op string) { srv.FailNext(op, 1, 503) }},
		{"2.52", novatest.OpDisableServiceLogReason, func(op string) { srv.DropNext(op, 1) }},
		{"2.80", novatest.OpUpdateService, func(op string) { srv.DropNext(op, 1) }},
	} {
		srv.ResetCalls()
		tc.fault(tc.op)
		_, err := pinned(t, c, tc.mv).DisableService(ctx, host1, "maintenance")
		if err == nil {
			t.Fatalf("%s %s: no error", tc.mv, tc.op)
		}
		if n := srv.Calls(tc.op); n != 1 {
			t.Errorf("%s %s: sent %d times, want once", tc.mv, tc.op, n)
		}
		if info, _ := srv.ComputeService(host1); info.Disabled {
			t.Errorf("%s %s: a failed update disabled the service", tc.mv, tc.op)
		}
	}

	// A slow answer meets the caller's deadline.
	srv.SlowNext(novatest.OpListServices, 1, 300*time.Millisecond)
	short, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel()
	if _, err := c.ListServices(short, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow listing: %v", err)
	}

	// A throttled update is repeated (it never took effect), once.
	srv.ResetCalls()
	srv.Throttle(novatest.OpForceDownService, 1, 0)
	if _, err := pinned(t, c, "2.11").ForceDownService(ctx, host1); err != nil {
		t.Fatal(err)
	}
	if n := srv.Calls(novatest.OpForceDownService); n != 2 {
		t.Errorf("throttled force-down sent %d times, want 2", n)
	}
	var apiErr *cloudmigrate.Error
	srv.FailNext(novatest.OpEnableService, 1, http.StatusInternalServerError)
	if _, err := pinned(t, c, "2.1").EnableService(ctx, host1); !errors.As(err, &apiErr) || apiErr.Attempts != 1 {
		t.Errorf("enable with a 500: %v", err)
	}
}
