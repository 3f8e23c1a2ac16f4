package novatest_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/nova"
	"github.com/cloudmigrate/cloudmigrate/nova/novatest"
)

func evacuateBody(body string) []byte { return []byte(`{"evacuate": ` + body + `}`) }

// The evacuate action follows nova's checks, in nova's order, and its
// schema for each microversion.
func TestEvacuateRules(t *testing.T) {
	srv, _ := newFake(t)
	rc := newRaw(srv)
	srv.AddServer(serverB, host1, novatest.StatusActive)
	path := api + "/servers/" + serverA + "/action"
	refused := func(what, version, body string, status int, name, msg string) {
		t.Helper()
		got := rc.send(t, "POST", path, version, evacuateBody(body)).fault(t, status, name)
		if !strings.Contains(got, msg) {
			t.Errorf("%s: message %q, want %q in it", what, got, msg)
		}
	}
	refused("host up", "2.80", `{}`, 400, novatest.FaultBadRequest, "Compute service of compute1 is still in use.")
	srv.SetHostDown(host1, true)
	if !srv.HostDown(host1) || srv.HostDown(host2) {
		t.Fatal("HostDown")
	}
	refused("no shared storage before 2.14", "2.13", `{"host": "compute2"}`, 400, novatest.FaultBadRequest, "'onSharedStorage' is a required property")
	refused("shared storage from 2.14", "2.14", `{"onSharedStorage": false}`, 400, novatest.FaultBadRequest, "'onSharedStorage' was unexpected")
	refused("force before 2.29", "2.28", `{"host": "compute2", "force": true}`, 400, novatest.FaultBadRequest, "'force' was unexpected")
	refused("force from 2.68", "2.68", `{"host": "compute2", "force": false}`, 400, novatest.FaultBadRequest, "'force' was unexpected")
	refused("unknown key", "2.80", `{"hots": "compute2"}`, 400, novatest.FaultBadRequest, "'hots' was unexpected")
	refused("bad host", "2.80", `{"host": "compute 2"}`, 400, novatest.FaultBadRequest, "host")
	refused("bad boolean", "2.1", `{"onSharedStorage": "maybe"}`, 400, novatest.FaultBadRequest, "onSharedStorage")
	refused("force without host", "2.29", `{"force": true}`, 400, novatest.FaultBadRequest, "Can't force to a non-provided destination")
	refused("password on shared storage", "2.1", `{"onSharedStorage": "True", "adminPass": "x"}`, 400, novatest.FaultBadRequest, "admin password can't be changed on existing disk")
	refused("unknown host", "2.80", `{"host": "compute9"}`, 404, novatest.FaultItemNotFound, "Compute host compute9 not found.")
	refused("own host", "2.80", `{"host": "compute1"}`, 400, novatest.FaultBadRequest, "The target host can't be the same one.")
	if a := rc.send(t, "POST", api+"/servers/"+serverC+"/action", "2.80", evacuateBody(`{}`)); a.status != 404 {
		t.Errorf("unknown server: %d", a.status)
	}
	if srv.Calls(novatest.OpEvacuate) != 13 || len(srv.Migrations("")) != 0 {
		t.Fatalf("calls %v, %d migrations", srv.AllCalls(), len(srv.Migrations("")))
	}

	// Before 2.14 nova answers the password, the one given or its own.
	a := rc.send(t, "POST", path, "2.13", evacuateBody(`{"onSharedStorage": "False", "adminPass": "given-1"}`))
	if a.status != 200 || a.body["adminPass"] != "given-1" {
		t.Fatalf("evacuate at 2.13: %d %s", a.status, a.raw)
	}
	refused("already rebuilding", "2.80", `{}`, 409, novatest.FaultConflictingRequest, "task_state rebuilding")
	b := rc.send(t, "POST", api+"/servers/"+serverB+"/action", "2.1", evacuateBody(`{"onSharedStorage": false}`))
	if pw, _ := b.body["adminPass"].(string); b.status != 200 || len(pw) != 12 {
		t.Fatalf("evacuate without a password at 2.1: %d %s", b.status, b.raw)
	}

	info := state(t, srv, serverA)
	if info.Status != novatest.StatusRebuild || info.TaskState != novatest.TaskRebuilding || info.Host != host1 {
		t.Errorf("during the evacuation: %+v", info)
	}
	srv.Clock().Advance(time.Minute)
	if info := state(t, srv, serverA); info.Status != novatest.StatusActive || info.Host != host2 || info.TaskState != "" {
		t.Errorf("after the evacuation: %+v", info)
	}
	m := srv.Migrations(serverA)
	if len(m) != 1 || m[0].MigrationType != nova.TypeEvacuation || m[0].Status != nova.StatusDone || str(m[0].DestCompute) != host2 {
		t.Fatalf("evacuation record %+v", m)
	}
	srv.SetHostDown(host1, false)
	if m, _ := srv.Migration(m[0].ID); m.Status != nova.StatusCompleted {
		t.Errorf("after the source came back: %s", m.Status)
	}
}

// From 2.95 an evacuated server arrives stopped; an ERROR server can be
// evacuated and arrives ACTIVE before 2.95.
func TestEvacuateTargetState(t *testing.T) {
	for version, want := range map[string]string{"2.94": novatest.StatusActive, "2.95": novatest.StatusShutoff} {
		srv, _ := newFake(t)
		srv.SetHostDown(host1, true)
		if a := newRaw(srv).send(t, "POST", api+"/servers/"+serverA+"/action", version, evacuateBody(`{}`)); a.status != 200 || len(a.raw) != 0 {
			t.Fatalf("%s: %d %s", version, a.status, a.raw)
		}
		srv.Clock().Advance(time.Minute)
		if info := state(t, srv, serverA); info.Status != want || info.Host != host2 {
			t.Errorf("%s: %+v", version, info)
		}
	}
	// A failed evacuation leaves the server in ERROR with a fault, and it
	// can be evacuated again.
	srv, c := newFake(t)
	srv.SetHostDown(host1, true)
	srv.FailNextMigrationsWith(1, "no image")
	if _, err := c.Evacuate(context.Background(), serverA, nil); err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(time.Minute)
	s, err := c.GetServer(context.Background(), serverA)
	if err != nil || s.Status != nova.ServerError || s.Fault == nil || s.Fault.Message != "no image" || s.Host != host1 ||
		!strings.Contains(s.Fault.Details, "nova.exception.BuildAbortException: no image") {
		t.Fatalf("after a failed evacuation: %+v %+v, %v", s, s.Fault, err)
	}
	op, err := c.Evacuate(context.Background(), serverA, &nova.EvacuateOptions{Host: host3})
	if err != nil {
		t.Fatal(err)
	}
	res, err := op.Wait(context.Background(), stepping2(srv)...)
	if err != nil || res.Server.Status != nova.ServerShutoff || res.Server.Host != host3 || res.Server.Fault != nil {
		t.Fatalf("second evacuation: %+v, %v", res, err)
	}
}

// Records written late are hidden from every listing until they appear;
// lost ones never do, while the server shows the move.
func TestLateAndLostRecords(t *testing.T) {
	srv, c := newFake(t, novatest.WithRecordDelay(20*time.Second))
	ctx := context.Background()
	srv.AddServer(serverB, host1, novatest.StatusActive)
	if _, err := c.LiveMigrate(ctx, serverA, &nova.LiveMigrateOptions{Host: host2}); err != nil {
		t.Fatal(err)
	}
	srv.LoseNextRecords(1)
	if _, err := c.Migrate(ctx, serverB, nil); err != nil {
		t.Fatal(err)
	}
	listed := func() int {
		n := 0
		for _, err := range c.ListMigrations(ctx, nil) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		return n
	}
	if n, ms := listed(), len(srv.Migrations("")); n != 0 || ms != 2 {
		t.Errorf("before the delay: %d listed of %d", n, ms)
	}
	if ms, err := c.ListServerMigrations(ctx, serverA); err != nil || len(ms) != 0 {
		t.Errorf("under the server before the delay: %v, %v", ms, err)
	}
	if _, err := c.GetServerMigration(ctx, serverA, 1); !cloudmigrate.IsNotFound(err) {
		t.Errorf("GET before the delay: %v", err)
	}
	if err := c.AbortMigration(ctx, serverA, 1); !cloudmigrate.IsNotFound(err) {
		t.Errorf("abort of a migration not recorded yet: %v", err)
	}
	if info := state(t, srv, serverA); info.Status != novatest.StatusMigrating {
		t.Errorf("server during the delay: %+v", info)
	}
	srv.Clock().Advance(20 * time.Second)
	if n := listed(); n != 1 {
		t.Errorf("after the delay: %d listed, want the live one only", n)
	}
	if ms, err := c.ListServerMigrations(ctx, serverA); err != nil || len(ms) != 1 || ms[0].Status != nova.StatusRunning {
		t.Errorf("under the server after the delay: %+v, %v", ms, err)
	}
	srv.Clock().Advance(time.Hour)
	if info := state(t, srv, serverB); info.Status != novatest.StatusResize || info.TaskState != novatest.TaskResizePrep {
		t.Errorf("server of the lost migration: %+v", info)
	}
	if n := listed(); n != 1 {
		t.Errorf("the lost record was listed")
	}
	if acts := srv.InstanceActions(serverB); len(acts) != 2 || !strings.HasPrefix(acts[1], "migrate req-") {
		t.Errorf("actions of the lost migration: %v", acts)
	}
}

func TestStrandedMigrations(t *testing.T) {
	srv, c := newFake(t)
	srv.StrandNextMigrations(1)
	if _, err := c.LiveMigrate(context.Background(), serverA, &nova.LiveMigrateOptions{Host: host2}); err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(5 * time.Minute)
	if m, _ := srv.Migration(1); m.Status != nova.StatusCompleted {
		t.Fatalf("status %s", m.Status)
	}
	if info := state(t, srv, serverA); info.Host != host1 || info.Status != novatest.StatusActive {
		t.Errorf("stranded server %+v", info)
	}
	// Only the planned number.
	if _, err := c.LiveMigrate(context.Background(), serverA, &nova.LiveMigrateOptions{Host: host2}); err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(5 * time.Minute)
	if info := state(t, srv, serverA); info.Host != host2 {
		t.Errorf("a second migration was stranded too: %+v", info)
	}
}

// The instance actions of a failed live migration: newest first, paged,
// filtered, their events following the migration, and the failure on the
// event that was running.
func TestInstanceActionsFollowMigrations(t *testing.T) {
	srv, _ := newFake(t)
	rc := newRaw(srv)
	srv.FailNextMigrationsWith(1, "guest paused")
	start := srv.Clock().Now()
	a := rc.send(t, "POST", api+"/servers/"+serverA+"/action", "2.84", []byte(`{"os-migrateLive": {"host": "compute2", "block_migration": "auto"}}`))
	if a.status != 202 {
		t.Fatal(a.status)
	}
	rid := a.header.Get("X-Openstack-Request-Id")
	show := func(version string) map[string]any {
		t.Helper()
		a := rc.send(t, "GET", api+"/servers/"+serverA+"/os-instance-actions/"+rid, version, nil)
		if a.status != 200 {
			t.Fatalf("%d %s", a.status, a.raw)
		}
		return a.body["instanceAction"].(map[string]any)
	}
	events := func(act map[string]any) map[string]map[string]any {
		out := map[string]map[string]any{}
		for _, e := range act["events"].([]any) {
			ev := e.(map[string]any)
			out[ev["event"].(string)] = ev
		}
		return out
	}
	act := show("2.84")
	ev := events(act)
	if act["action"] != "live-migration" || act["message"] != nil || len(ev) != 2 ||
		ev["conductor_live_migrate_instance"]["result"] != "Success" || ev["compute_check_can_live_migrate_destination"]["finish_time"] != nil {
		t.Fatalf("at the start: %v", act)
	}
	srv.Clock().Advance(time.Minute) // half way through running: failed
	act = show("2.84")
	ev = events(act)
	failed := ev["compute_live_migration"]
	if act["message"] != "Error" || failed["result"] != "Error" || failed["details"] != "Migration error: guest paused" ||
		failed["host"] != host1 || !strings.HasSuffix(failed["traceback"].(string), "nova.exception.MigrationError: Migration error: guest paused\n") {
		t.Fatalf("after the failure: %v", act)
	}
	if _, ok := ev["compute_post_live_migration_at_destination"]; ok {
		t.Error("an event after the failure")
	}
	// Older versions show fewer fields.
	if e := events(show("2.61"))["compute_live_migration"]; e["host"] != nil || e["hostId"] != nil || e["details"] != nil || e["traceback"] == nil {
		t.Errorf("at 2.61: %v", e)
	}
	if e := events(show("2.83"))["compute_live_migration"]; e["host"] != host1 || e["hostId"] == "" || e["details"] != nil {
		t.Errorf("at 2.83: %v", e)
	}

	// Newest first, paged by request ID.
	list := func(query, version string) answer {
		return rc.send(t, "GET", api+"/servers/"+serverA+"/os-instance-actions"+query, version, nil)
	}
	a = list("?limit=1", "2.84")
	acts := a.body["instanceActions"].([]any)
	links, _ := a.body["links"].([]any)
	if len(acts) != 1 || acts[0].(map[string]any)["request_id"] != rid || len(links) != 1 {
		t.Fatalf("first page %s", a.raw)
	}
	next, _ := url.Parse(links[0].(map[string]any)["href"].(string))
	a = list("?"+next.RawQuery, "2.84")
	if acts := a.body["instanceActions"].([]any); len(acts) != 1 || acts[0].(map[string]any)["action"] != "create" {
		t.Errorf("second page %s", a.raw)
	}
	since := url.QueryEscape(start.Add(30 * time.Second).Format(time.RFC3339))
	if acts := list("?changes-since="+since, "2.84").body["instanceActions"].([]any); len(acts) != 1 {
		t.Errorf("changes-since: %v", acts)
	}
	if acts := list("?changes-before="+since, "2.84").body["instanceActions"].([]any); len(acts) != 1 ||
		acts[0].(map[string]any)["action"] != "create" {
		t.Errorf("changes-before: %v", acts)
	}
	list("?marker=req-nope", "2.84").fault(t, 400, novatest.FaultBadRequest)
	list("?changes-before="+since, "2.65").fault(t, 400, novatest.FaultBadRequest)
	list("?foo=1", "2.58").fault(t, 400, novatest.FaultBadRequest)
	list("?limit=-1", "2.58").fault(t, 400, novatest.FaultBadRequest)
	if a := list("?foo=1&limit=1", "2.57"); a.status != 200 || len(a.body["instanceActions"].([]any)) != 2 || a.body["links"] != nil {
		t.Errorf("at 2.57 the query is ignored: %s", a.raw)
	}
	if a := rc.send(t, "GET", api+"/servers/"+serverA+"/os-instance-actions/"+rid+"?x=1", "2.102", nil); a.status != 400 {
		t.Errorf("a query on an action at 2.102: %d", a.status)
	}
	rc.send(t, "GET", api+"/servers/"+serverA+"/os-instance-actions/req-nope", "2.84", nil).fault(t, 404, novatest.FaultItemNotFound)
}

// Every route added for moves takes the engine's faults: throttling, a
// status, a dropped connection, a slow answer.
func TestFaultsOnMoveRoutes(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	srv.SetHostDown(host1, true)
	op, err := c.Evacuate(ctx, serverA, &nova.EvacuateOptions{Host: host2})
	if err != nil {
		t.Fatal(err)
	}
	res, err := op.Wait(ctx, stepping2(srv)...)
	if err != nil {
		t.Fatal(err)
	}
	calls := map[string]func() error{
		novatest.OpGetServer: func() error { _, err := c.GetServer(ctx, serverA); return err },
		novatest.OpListInstanceActions: func() error {
			for _, err := range c.ListInstanceActions(ctx, serverA, nil) {
				return err
			}
			return nil
		},
		novatest.OpGetInstanceAction: func() error { _, err := c.GetInstanceAction(ctx, serverA, res.RequestID); return err },
	}
	for op, call := range calls {
		srv.Throttle(op, 1, 0)
		srv.ResetCalls()
		if err := call(); err != nil || srv.Calls(op) != 2 {
			t.Errorf("%s after a 429: %v, %d calls", op, err, srv.Calls(op))
		}
		srv.FailNext(op, 1, http.StatusServiceUnavailable)
		srv.ResetCalls()
		if err := call(); err != nil || srv.Calls(op) != 2 {
			t.Errorf("%s after a 503: %v, %d calls", op, err, srv.Calls(op))
		}
		srv.DropNext(op, 1)
		srv.ResetCalls()
		if err := call(); err != nil || srv.Calls(op) != 2 {
			t.Errorf("%s after a dropped connection: %v, %d calls", op, err, srv.Calls(op))
		}
		srv.SlowNext(op, 1, 20*time.Millisecond)
		begin := time.Now()
		if err := call(); err != nil || time.Since(begin) < 20*time.Millisecond {
			t.Errorf("%s slowed: %v after %v", op, err, time.Since(begin))
		}
	}
	// The start itself: a 503 is not repeated, a dropped one neither.
	srv.AddServer(serverB, host1, novatest.StatusActive)
	for _, fault := range []func(){
		func() { srv.FailNext(novatest.OpEvacuate, 1, http.StatusServiceUnavailable) },
		func() { srv.DropNext(novatest.OpEvacuate, 1) },
	} {
		fault()
		srv.ResetCalls()
		_, err := c.Evacuate(ctx, serverB, nil)
		if err == nil || srv.Calls(novatest.OpEvacuate) != 1 {
			t.Errorf("a failed evacuation start: %v, sent %d times", err, srv.Calls(novatest.OpEvacuate))
		}
	}
	srv.Throttle(novatest.OpEvacuate, 1, 0)
	srv.ResetCalls()
	if _, err := c.Evacuate(ctx, serverB, nil); err != nil || srv.Calls(novatest.OpEvacuate) != 2 {
		t.Errorf("an evacuation after a 429: %v, %d calls", err, srv.Calls(novatest.OpEvacuate))
	}
	var apiErr *cloudmigrate.Error
	srv.FailNext(novatest.OpGetServer, 1, http.StatusForbidden)
	if _, err := c.GetServer(ctx, serverA); !errors.As(err, &apiErr) || apiErr.StatusCode != 403 || apiErr.Code != "forbidden" {
		t.Errorf("a 403: %v", err)
	}
}

// Answers carry a Date on the fake's clock.
func TestAnswersDatedOnTheFakeClock(t *testing.T) {
	srv, _ := newFake(t)
	srv.Clock().Advance(90 * time.Minute)
	a := newRaw(srv).send(t, "GET", api+"/servers/"+serverA, "2.80", nil)
	got, err := http.ParseTime(a.header.Get("Date"))
	if err != nil || !got.Equal(srv.Clock().Now().Truncate(time.Second)) {
		t.Errorf("Date %q, clock %v", a.header.Get("Date"), srv.Clock().Now())
	}
}

// stepping2 polls without pause and moves the clock 10 seconds a poll.
func stepping2(srv *novatest.Server) []jobs.Option {
	opts, _ := stepping(srv, 10*time.Second)
	return opts
}
