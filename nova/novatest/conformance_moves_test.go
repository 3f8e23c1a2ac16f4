package novatest_test

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/nova"
	"github.com/cloudmigrate/cloudmigrate/nova/novatest"
)

// checkServerAndActions checks GET /servers/{id}, the server's instance
// actions and each action with its events, at every microversion where
// their schemas change, and that package nova reads them as sent.
func checkServerAndActions(t *testing.T, cf *conformance, rc *rawClient, step, id string) {
	t.Helper()
	for _, v := range versionsFor(cf.files, "servers-show") {
		vs := v.String()
		a := rc.send(t, "GET", api+"/servers/"+id, vs, nil)
		if a.status != 200 {
			t.Fatalf("%s: GET /servers/%s at %s: %d %s", step, id, vs, a.status, a.raw)
		}
		body := cf.check(step+": GET /servers/"+id, "servers-show", v, a)
		sdkReadsServer(t, step+": server "+id+" at "+vs, a.raw, body)
		cf.record("servers-show", body, "server")
	}
	var requests []string
	for _, v := range versionsFor(cf.files, "instance-actions-index") {
		vs := v.String()
		a := rc.send(t, "GET", api+"/servers/"+id+"/os-instance-actions", vs, nil)
		if a.status != 200 {
			t.Fatalf("%s: actions of %s at %s: %d %s", step, id, vs, a.status, a.raw)
		}
		body := cf.check(step+": GET /servers/"+id+"/os-instance-actions", "instance-actions-index", v, a)
		cf.record("instance-actions", body, "instanceActions", "[]")
		requests = requests[:0]
		for _, e := range body.(map[string]any)["instanceActions"].([]any) {
			requests = append(requests, e.(map[string]any)["request_id"].(string))
		}
		sdkReadsActions(t, step+": actions of "+id+" at "+vs, a.raw, len(requests))
	}
	if len(requests) == 0 {
		t.Fatalf("%s: server %s has no instance action", step, id)
	}
	for _, v := range versionsFor(cf.files, "instance-actions-show") {
		vs := v.String()
		for _, rid := range requests {
			a := rc.send(t, "GET", api+"/servers/"+id+"/os-instance-actions/"+url.PathEscape(rid), vs, nil)
			if a.status != 200 {
				t.Fatalf("%s: action %s of %s at %s: %d %s", step, rid, id, vs, a.status, a.raw)
			}
			body := cf.check(step+": GET /servers/"+id+"/os-instance-actions/"+rid, "instance-actions-show", v, a)
			sdkReadsAction(t, step+": action "+rid+" at "+vs, a.raw, body)
			cf.record("instance-action", body, "instanceAction")
			cf.record("instance-action events", body, "instanceAction", "events", "[]")
		}
	}
}

// sdkReadsServer decodes a GET /servers/{id} answer into nova.Server and
// checks the fields a move reads.
func sdkReadsServer(t *testing.T, what string, raw []byte, body any) {
	t.Helper()
	var one struct{ Server nova.Server }
	if err := json.Unmarshal(raw, &one); err != nil {
		t.Fatalf("%s: nova.Server does not read the answer: %v", what, err)
	}
	rec, sv := body.(map[string]any)["server"].(map[string]any), one.Server
	task, _ := rec["OS-EXT-STS:task_state"].(string)
	if sv.ID != rec["id"] || string(sv.Status) != rec["status"] || sv.Host != rec["OS-EXT-SRV-ATTR:host"] ||
		sv.TaskState != task || sv.VMState != rec["OS-EXT-STS:vm_state"] || sv.Updated.IsZero() {
		t.Errorf("%s: decoded %+v from %v", what, sv, rec)
	}
	f, hasFault := rec["fault"].(map[string]any)
	switch {
	case hasFault != (sv.Fault != nil):
		t.Errorf("%s: fault %v decoded as %+v", what, rec["fault"], sv.Fault)
	case hasFault && (sv.Fault.Message != f["message"] || sv.Fault.Code != intOf(f["code"]) || sv.Fault.Created.IsZero() || sv.Fault.Details != f["details"]):
		t.Errorf("%s: fault %v decoded as %+v", what, f, sv.Fault)
	}
}

// sdkReadsActions decodes an action list the way package nova does.
func sdkReadsActions(t *testing.T, what string, raw []byte, n int) {
	t.Helper()
	var page struct {
		Actions []nova.InstanceAction `json:"instanceActions"`
	}
	if err := json.Unmarshal(raw, &page); err != nil || len(page.Actions) != n {
		t.Fatalf("%s: nova.InstanceAction reads %d of %d actions: %v", what, len(page.Actions), n, err)
	}
	for _, a := range page.Actions {
		if a.Action == "" || a.RequestID == "" || a.StartTime.IsZero() || a.InstanceUUID == "" {
			t.Errorf("%s: decoded %+v", what, a)
		}
	}
}

// sdkReadsAction decodes one action with its events into
// nova.InstanceAction and checks every event field as sent.
func sdkReadsAction(t *testing.T, what string, raw []byte, body any) {
	t.Helper()
	var one struct {
		Action nova.InstanceAction `json:"instanceAction"`
	}
	if err := json.Unmarshal(raw, &one); err != nil {
		t.Fatalf("%s: nova.InstanceAction does not read the answer: %v", what, err)
	}
	rec := body.(map[string]any)["instanceAction"].(map[string]any)
	events, _ := rec["events"].([]any)
	a := one.Action
	if a.RequestID != rec["request_id"] || a.Action != rec["action"] || len(a.Events) != len(events) ||
		(rec["message"] == nil) != (a.Message == "") || (rec["updated_at"] == nil) != a.UpdatedAt.IsZero() {
		t.Fatalf("%s: decoded %+v from %v", what, a, rec)
	}
	for i, e := range events {
		ev, got := e.(map[string]any), a.Events[i]
		str := func(k string) string { s, _ := ev[k].(string); return s }
		if got.Event != str("event") || got.Result != str("result") || got.Host != str("host") ||
			got.HostID != str("hostId") || got.Details != str("details") || got.Traceback != str("traceback") ||
			(ev["finish_time"] == nil) != got.FinishTime.IsZero() || got.StartTime.IsZero() {
			t.Errorf("%s: event %v decoded as %+v", what, ev, got)
		}
		if got.Failed() && got.Reason() == "" {
			t.Errorf("%s: failed event %+v gives no reason", what, got)
		}
	}
}

// Server IDs of the evacuation scenario.
const (
	evOK     = "0e000001-0000-4000-8000-000000000001" // evacuated, done, then completed
	evFail   = "0e000002-0000-4000-8000-000000000002" // the rebuild fails: ERROR with a fault
	evNoHost = "0e000003-0000-4000-8000-000000000003" // no host is up: error
	evLate   = "0e000004-0000-4000-8000-000000000004" // stopped, forced to a host
)

// TestEvacuationAnswersMatchSchemas evacuates servers at every
// microversion where the evacuate schemas change (each answer checked
// against nova's and tempest's), drives evacuations that succeed, fail
// (the server in ERROR with a fault), find no host and are recorded late,
// and checks the servers, their instance actions and every event against
// the schemas at each step, with each field nova's schemas define
// appearing, with each kind of value it takes.
func TestEvacuationAnswersMatchSchemas(t *testing.T) {
	cf := newConformance(t)
	// Every record appears 10 seconds after its evacuation starts.
	srv := novatest.NewServer(novatest.WithRecordDelay(10 * time.Second))
	defer srv.Close()
	rc := newRaw(srv)
	srv.AddHost(host1, host2, host3)

	// One evacuation per version where the evacuate schemas change.
	versions := versionsFor(cf.files, "evacuate-action")
	if len(versions) < 3 {
		t.Fatalf("evacuate-action changes at %v only", versions)
	}
	for i := range versions {
		id := "0e0000ff-0000-4000-8000-0000000000" + strconv.Itoa(10+i)
		srv.AddServer(id, host1, novatest.StatusActive)
	}
	srv.SetHostDown(host1, true)
	for i, v := range versions {
		id := "0e0000ff-0000-4000-8000-0000000000" + strconv.Itoa(10+i)
		body := `{"evacuate": {"host": "compute2"}}`
		if v.Less(auth.MustParseMicroversion("2.14")) {
			body = `{"evacuate": {"host": "compute2", "onSharedStorage": "False"}}`
		}
		a := rc.send(t, "POST", api+"/servers/"+id+"/action", v.String(), []byte(body))
		if a.status != 200 {
			t.Fatalf("evacuate at %s: %d %s", v, a.status, a.raw)
		}
		got := cf.check("evacuate at "+v.String(), "evacuate-action", v, a)
		obj, _ := got.(map[string]any)
		pass, _ := obj["adminPass"].(string)
		if legacy := v.Less(auth.MustParseMicroversion("2.14")); legacy != (pass != "") {
			t.Errorf("evacuate at %s answered %s", v, a.raw)
		}
	}

	for _, id := range []string{evOK, evFail, evNoHost} {
		srv.AddServer(id, host3, novatest.StatusActive)
	}
	srv.AddServer(evLate, host3, novatest.StatusShutoff)
	srv.SetHostDown(host3, true)
	evac := func(id, version, body string) {
		t.Helper()
		if a := rc.send(t, "POST", api+"/servers/"+id+"/action", version, []byte(body)); a.status != 200 {
			t.Fatalf("evacuate %s: %d %s", id, a.status, a.raw)
		}
	}
	evac(evOK, "2.94", `{"evacuate": {"host": "compute2", "adminPass": "p4ss"}}`)
	srv.FailNextMigrations(1)
	evac(evFail, "2.95", `{"evacuate": {}}`)
	srv.SetHostDown(host2, true)
	evac(evNoHost, "2.68", `{"evacuate": {}}`)
	srv.SetHostDown(host2, false)
	evac(evLate, "2.29", `{"evacuate": {"host": "compute2", "force": false}}`)

	steps := []time.Duration{0, 5 * time.Second, 20 * time.Second, 40 * time.Second}
	start := srv.Clock().Now()
	for i, at := range steps {
		srv.Clock().Advance(start.Add(at).Sub(srv.Clock().Now()))
		step := "evacuation step " + strconv.Itoa(i)
		for _, id := range []string{evOK, evFail, evNoHost, evLate} {
			checkServerAndActions(t, cf, rc, step, id)
		}
		for _, v := range versionsFor(cf.files, "os-migrations-index") {
			a := rc.send(t, "GET", api+"/os-migrations?migration_type=evacuation", v.String(), nil)
			body := cf.check(step+": evacuations", "os-migrations-index", v, a)
			sdkReadsMigrations(t, step+": evacuations at "+v.String(), a.raw, body, "migrations")
			cf.record("os-migrations evacuation", body, "migrations", "[]")
		}
	}
	// The source comes back: the done evacuations are completed.
	srv.SetHostDown(host3, false)
	checkServerAndActions(t, cf, rc, "host back up", evOK)
	if m, _ := srv.Migration(srv.Migrations(evOK)[0].ID); m.Status != nova.StatusCompleted {
		t.Errorf("evacuation after its source came back: %s", m.Status)
	}

	// Paged action lists carry their next links.
	for _, v := range versionsFor(cf.files, "instance-actions-index") {
		if v.Less(auth.MustParseMicroversion("2.58")) {
			continue
		}
		a := rc.send(t, "GET", api+"/servers/"+evOK+"/os-instance-actions?limit=1", v.String(), nil)
		body := cf.check("actions page", "instance-actions-index", v, a)
		if _, ok := body.(map[string]any)["links"]; !ok {
			t.Errorf("os-instance-actions?limit=1 at %s: no links: %s", v, a.raw)
		}
	}
	// Faults of the new routes.
	none := auth.Microversion{}
	for what, a := range map[string]answer{
		"unknown action":          rc.send(t, "GET", api+"/servers/"+evOK+"/os-instance-actions/req-nope", "2.84", nil),
		"actions of no server":    rc.send(t, "GET", api+"/servers/"+serverC+"/os-instance-actions", "2.84", nil),
		"no server":               rc.send(t, "GET", api+"/servers/"+serverC, "2.84", nil),
		"evacuate to no host":     rc.send(t, "POST", api+"/servers/"+evOK+"/action", "2.84", []byte(`{"evacuate": {"host": "nowhere"}}`)),
		"actions bad marker":      rc.send(t, "GET", api+"/servers/"+evOK+"/os-instance-actions?marker=req-nope", "2.84", nil),
		"actions unknown filter":  rc.send(t, "GET", api+"/servers/"+evOK+"/os-instance-actions?foo=1", "2.84", nil),
		"evacuate from a host up": rc.send(t, "POST", api+"/servers/"+evOK+"/action", "2.84", []byte(`{"evacuate": {}}`)),
	} {
		if a.status < 400 {
			t.Errorf("%s: %d %s", what, a.status, a.raw)
			continue
		}
		cf.check(what, "fault", none, a)
	}

	for _, f := range cf.files {
		switch f.route {
		case "evacuate-action", "servers-show", "instance-actions-index", "instance-actions-show":
			if cf.used[f.path] == 0 {
				t.Errorf("%s (%s) was never checked", f.path, f.comment)
			}
		}
	}
	cf.saw("servers-show", "fault", "set")
	cf.saw("servers-show", "OS-EXT-STS:task_state", "null", "set")
	cf.saw("instance-actions", "message", "null", "set")
	cf.saw("instance-actions", "updated_at", "set")
	cf.saw("instance-action", "message", "null", "set")
	for _, f := range []string{"finish_time", "result", "traceback", "details"} {
		cf.saw("instance-action events", f, "null", "set")
	}
	for _, f := range []string{"event", "start_time", "host", "hostId"} {
		cf.saw("instance-action events", f, "set")
	}
	cf.saw("os-migrations evacuation", "dest_compute", "set")
	cf.saw("os-migrations evacuation", "dest_node", "null", "set")
	statuses := map[string]bool{}
	for _, m := range srv.Migrations("") {
		if m.MigrationType == nova.TypeEvacuation {
			statuses[string(m.Status)] = true
		}
	}
	for _, st := range []string{"completed", "failed", "error", "done"} {
		if !statuses[st] {
			t.Errorf("no evacuation ended %q: %v", st, statuses)
		}
	}
	if !strings.Contains(strings.Join(srv.InstanceActions(evFail), ","), "evacuate") {
		t.Errorf("actions of the failed evacuation: %v", srv.InstanceActions(evFail))
	}
}
