package nova_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/nova"
	"github.com/cloudmigrate/cloudmigrate/nova/novatest"
)

// nova's samples of GET /servers/{id}/os-instance-actions/{request_id}
// decode with every field, by microversion and caller.
func TestGetInstanceActionSamples(t *testing.T) {
	cases := []struct {
		sample, mv                          string
		host, hostID, traceback, hasDetails bool
	}{
		{"os-instance-actions/instance-action-get-resp.json", "2.1", false, false, true, false},
		{"os-instance-actions/v2.51/instance-action-get-non-admin-resp.json", "2.51", false, false, false, false},
		{"os-instance-actions/v2.62/instance-action-get-resp.json", "2.62", true, true, true, false},
		{"os-instance-actions/v2.84/instance-action-get-resp.json", "2.84", true, true, true, true},
		{"os-instance-actions/v2.84/instance-action-get-non-admin-resp.json", "2.84", false, true, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.sample, func(t *testing.T) {
			body := sample(t, tc.sample)
			var doc struct {
				InstanceAction struct {
					RequestID string           `json:"request_id"`
					Events    []map[string]any `json:"events"`
				} `json:"instanceAction"`
			}
			if err := json.Unmarshal(body, &doc); err != nil {
				t.Fatal(err)
			}
			rid := doc.InstanceAction.RequestID
			f := newFake(t)
			f.reply("GET", "/v2.1/servers/"+serverID+"/os-instance-actions/"+rid, 200, body)
			a, err := f.client(tc.mv).GetInstanceAction(context.Background(), serverID, rid)
			if err != nil {
				t.Fatal(err)
			}
			f.only().check(t, "GET", "/v2.1/servers/"+serverID+"/os-instance-actions/"+rid, "", tc.mv)
			if a.Action != "stop" || a.RequestID != rid || a.StartTime.IsZero() || a.Message != "" || a.ProjectID == "" ||
				a.UserID == "" || a.InstanceUUID == "" || len(a.Events) != 1 {
				t.Fatalf("action %+v", a)
			}
			e, raw := a.Events[0], doc.InstanceAction.Events[0]
			if e.Event != "compute_stop_instance" || e.Result != nova.EventResultSuccess || e.Failed() || e.Reason() != "" ||
				e.StartTime.IsZero() || e.FinishTime.IsZero() || e.FinishTime.Before(e.StartTime.Time) {
				t.Errorf("event %+v", e)
			}
			if (e.Host != "") != tc.host || (e.HostID != "") != tc.hostID {
				t.Errorf("event host %q hostId %q", e.Host, e.HostID)
			}
			_, hasTrace := raw["traceback"]
			_, hasDetails := raw["details"]
			if hasTrace != tc.traceback || hasDetails != tc.hasDetails || (e.Host != "" && e.Host != raw["host"]) {
				t.Errorf("sample fields %v", raw)
			}
			if a.Failure() != nil {
				t.Error("a successful action has a failure")
			}
		})
	}
}

func TestInstanceActionEventReason(t *testing.T) {
	for _, tc := range []struct {
		e    nova.InstanceActionEvent
		want string
	}{
		{nova.InstanceActionEvent{Result: "Error", Details: "No valid host was found. "}, "No valid host was found."},
		{nova.InstanceActionEvent{Result: "Error", Traceback: "Traceback (most recent call last):\n  File \"x\"\nnova.exception.NoValidHost: No valid host was found.\n\n"}, "nova.exception.NoValidHost: No valid host was found."},
		{nova.InstanceActionEvent{Result: "error", Details: "d", Traceback: "t"}, "d"},
		{nova.InstanceActionEvent{Result: "Error"}, ""},
		{nova.InstanceActionEvent{Result: "Success", Details: "d"}, ""},
		{nova.InstanceActionEvent{}, ""},
	} {
		if got := tc.e.Reason(); got != tc.want {
			t.Errorf("%+v: Reason %q, want %q", tc.e, got, tc.want)
		}
	}
	a := nova.InstanceAction{Events: []nova.InstanceActionEvent{{Event: "a", Result: "Success"}, {Event: "b", Result: "Error"}, {Event: "c", Result: "Error"}}}
	if f := a.Failure(); f == nil || f.Event != "b" {
		t.Errorf("Failure %+v", f)
	}
}

// The list samples decode, and paging follows the "links" of 2.58.
func TestListInstanceActionsSamples(t *testing.T) {
	f := newFake(t)
	path := "/v2.1/servers/" + serverID + "/os-instance-actions"
	f.on("GET", path, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		if r.URL.Query().Get("marker") == "" {
			page := strings.ReplaceAll(string(sample(t, "os-instance-actions/v2.84/instance-actions-list-with-limit-resp.json")),
				"http://openstack.example.com/v2.1/6f70656e737461636b20342065766572", f.endpoint())
			page = strings.ReplaceAll(page, "ca3d3be5-1a40-427f-9515-f5e181f479d0", serverID)
			writeJSON(w, 200, []byte(page))
			return
		}
		writeJSON(w, 200, sample(t, "os-instance-actions/v2.84/instance-actions-list-with-marker-resp.json"))
	})
	var got []nova.InstanceAction
	for a, err := range f.client("2.84").ListInstanceActions(context.Background(), serverID, &nova.ListInstanceActionsOptions{Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, a)
	}
	if len(got) != 2 || got[0].Action != "stop" || got[1].Action != "create" || got[0].UpdatedAt.IsZero() ||
		got[1].RequestID != "req-4510fb10-447f-4572-a64d-c2324547d86c" {
		t.Fatalf("actions %+v", got)
	}
	calls := f.recorded()
	if len(calls) != 2 {
		t.Fatalf("%s", describe(calls))
	}
	calls[0].check(t, "GET", path, "limit=1", "2.84")
	calls[1].check(t, "GET", path, "limit=1&marker=req-4dbefbb7-d743-4d42-b0a1-a79cbe256138", "2.84")

	// The base sample, without paging fields.
	f2 := newFake(t)
	f2.reply("GET", path, 200, sample(t, "os-instance-actions/instance-actions-list-resp.json"))
	n := 0
	for a, err := range f2.client("2.1").ListInstanceActions(context.Background(), serverID, nil) {
		if err != nil || a.RequestID == "" || a.StartTime.IsZero() || !a.UpdatedAt.IsZero() {
			t.Fatalf("%+v, %v", a, err)
		}
		n++
	}
	if n != 2 {
		t.Errorf("%d actions from the base sample", n)
	}
	f2.only().check(t, "GET", path, "", "2.1")
}

func TestListInstanceActionsOptions(t *testing.T) {
	ctx := context.Background()
	since := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	first := func(c *nova.Client, o *nova.ListInstanceActionsOptions) error {
		for _, err := range c.ListInstanceActions(ctx, serverID, o) {
			return err
		}
		return nil
	}
	f := newFake(t)
	f.reply("GET", "/v2.1/servers/"+serverID+"/os-instance-actions", 200, []byte(`{"instanceActions": []}`))
	if err := first(f.client("2.66"), &nova.ListInstanceActionsOptions{ChangesSince: since, ChangesBefore: since.Add(time.Hour), Limit: 5, Marker: "req-1"}); err != nil {
		t.Fatal(err)
	}
	f.only().check(t, "GET", "/v2.1/servers/"+serverID+"/os-instance-actions",
		"changes-before=2026-01-02T04%3A04%3A05Z&changes-since=2026-01-02T03%3A04%3A05Z&limit=5&marker=req-1", "2.66")

	f = newFake(t)
	for _, tc := range []struct {
		mv, min string
		o       nova.ListInstanceActionsOptions
	}{
		{"2.57", "2.58", nova.ListInstanceActionsOptions{Limit: 1}},
		{"2.57", "2.58", nova.ListInstanceActionsOptions{Marker: "req-1"}},
		{"2.57", "2.58", nova.ListInstanceActionsOptions{ChangesSince: since}},
		{"2.65", "2.66", nova.ListInstanceActionsOptions{ChangesBefore: since}},
	} {
		ve := asVersion(t, first(f.client(tc.mv), &tc.o))
		if ve.Min != tc.min || ve.InUse != tc.mv {
			t.Errorf("%+v: %+v", tc.o, ve)
		}
	}
	asValidation(t, first(f.client("2.80"), &nova.ListInstanceActionsOptions{Limit: -1}), "ListInstanceActionsOptions.Limit")
	asValidation(t, first(f.client("2.80"), &nova.ListInstanceActionsOptions{ChangesSince: since, ChangesBefore: since.Add(-time.Second)}), "ListInstanceActionsOptions.ChangesSince")
	asValidation(t, errOf(f.client("2.80").GetInstanceAction(ctx, serverID, "")), "request_id")
	f.none()
}

// Against the fake: the actions of every move, paged newest first, with
// their events as the microversion shows them.
func TestInstanceActionsOfMoves(t *testing.T) {
	srv, c := cloud(t, "")
	ctx := context.Background()
	srv.FailNextMigrations(1)
	op, err := c.LiveMigrate(ctx, serverID, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, _ := op.Wait(ctx, stepper(srv, 10*time.Second)...)
	op, err = c.Migrate(ctx, serverID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := op.Wait(ctx, stepper(srv, 10*time.Second)...); !errors.Is(err, nova.ErrNeedsConfirmation) {
		t.Fatal(err)
	}
	if err := c.ConfirmMigration(ctx, serverID); err != nil {
		t.Fatal(err)
	}
	var names []string
	for a, err := range c.ListInstanceActions(ctx, serverID, &nova.ListInstanceActionsOptions{Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, a.Action)
	}
	if strings.Join(names, " ") != "confirmResize migrate live-migration create" {
		t.Errorf("actions %v", names)
	}
	// Two full pages, each with a next link, then an empty one.
	if n := srv.Calls(novatest.OpListInstanceActions); n != 3 {
		t.Errorf("%d pages for 4 actions, 2 a page", n)
	}
	for mv, want := range map[string][3]bool{"2.61": {false, false, false}, "2.62": {true, true, false}, "2.84": {true, true, true}} {
		a, err := cloudClient(t, srv, mv).GetInstanceAction(ctx, serverID, res.RequestID)
		if err != nil {
			t.Fatal(err)
		}
		ev := a.Failure()
		if a.Action != nova.ActionLiveMigration || a.Message != "Error" || ev == nil || ev.Event != "compute_live_migration" ||
			(ev.Host == "compute1") != want[0] || (ev.HostID != "") != want[1] || (ev.Details != "") != want[2] || ev.Traceback == "" {
			t.Errorf("%s: %+v, failure %+v", mv, a, ev)
		}
	}
	_, err = c.GetInstanceAction(ctx, serverID, "req-unknown")
	if !cloudmigrate.IsNotFound(err) {
		t.Errorf("an unknown request ID: %v", err)
	}
}

func TestGetServerSamples(t *testing.T) {
	for _, tc := range []struct {
		sample, mv string
		admin      bool
	}{
		{"servers/server-get-resp.json", "2.1", true},
		{"servers/v2.71/server-get-resp.json", "2.71", true},
		{"servers/v2.100/server-get-resp.json", "2.100", false},
	} {
		f := newFake(t)
		f.reply("GET", "/v2.1/servers/"+serverID, 200, sample(t, tc.sample))
		s, err := f.client(tc.mv).GetServer(context.Background(), serverID)
		if err != nil {
			t.Fatal(err)
		}
		f.only().check(t, "GET", "/v2.1/servers/"+serverID, "", tc.mv)
		if s.ID == "" || s.Status != nova.ServerActive || (s.Host != "") != tc.admin || (s.HypervisorHostname == "fake-mini") != tc.admin ||
			s.VMState != "active" || s.PowerState != nova.PowerRunning || s.Created.IsZero() || s.Fault != nil {
			t.Errorf("%s: %+v", tc.sample, s)
		}
		if (s.Locked != nil) != (tc.mv != "2.1") {
			t.Errorf("%s: locked %v", tc.sample, s.Locked)
		}
	}
	f := newFake(t)
	f.reply("GET", "/v2.1/servers/"+serverID, 200, sample(t, "servers/server-get-error-fault.json"))
	s, err := f.client("2.80").GetServer(context.Background(), serverID)
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != nova.ServerError || s.Fault == nil || s.Fault.Code != 500 || !strings.HasPrefix(s.Fault.Message, "Build of instance") ||
		!strings.Contains(s.Fault.Details, "BuildAbortException") || s.Fault.Created.Format(time.RFC3339) != "2026-03-01T11:02:09Z" {
		t.Errorf("server in ERROR: %+v fault %+v", s, s.Fault)
	}
}

func TestGetServerAnswers(t *testing.T) {
	ctx := context.Background()
	f := newFake(t)
	f.reply("GET", "/v2.1/servers/"+serverID, 200, []byte(`{"servers": []}`))
	if s, err := f.client("2.80").GetServer(ctx, serverID); s != nil || err == nil || !strings.Contains(err.Error(), "no server object") {
		t.Errorf("an answer without a server: %v, %v", s, err)
	}
	srv, c := cloud(t, "")
	_, err := c.GetServer(ctx, otherServer)
	if !cloudmigrate.IsNotFound(err) {
		t.Errorf("unknown server: %v", err)
	}
	srv.Throttle(novatest.OpGetServer, 1, 0)
	if s, err := c.GetServer(ctx, serverID); err != nil || s.Host != "compute1" {
		t.Errorf("after a 429: %+v, %v", s, err)
	}
	if n := srv.Calls(novatest.OpGetServer); n != 3 {
		t.Errorf("%d GETs, want 3 (404, 429, retry)", n)
	}
	asValidation(t, errOf(c.GetServer(ctx, "a/b")), "server_id")
}

// The evacuate body follows the microversion: nova's samples of each, with
// onSharedStorage as a JSON boolean (the sample's "False" string is the
// same value to nova).
func TestEvacuateSamples(t *testing.T) {
	no := false
	pass := auth.NewSecret("MySecretPass")
	cases := []struct {
		sample, mv string
		opts       nova.EvacuateOptions
	}{
		{"os-evacuate/server-evacuate-req.json", "2.1", nova.EvacuateOptions{Host: "b419863b7d814906a68fb31703c0dbd6", AdminPass: pass, OnSharedStorage: &no}},
		{"os-evacuate/server-evacuate-find-host-req.json", "2.1", nova.EvacuateOptions{AdminPass: pass, OnSharedStorage: &no}},
		{"os-evacuate/v2.14/server-evacuate-req.json", "2.14", nova.EvacuateOptions{Host: "testHost", AdminPass: pass}},
		{"os-evacuate/v2.14/server-evacuate-find-host-req.json", "2.14", nova.EvacuateOptions{AdminPass: pass}},
		{"os-evacuate/v2.29/server-evacuate-req.json", "2.29", nova.EvacuateOptions{Host: "testHost", AdminPass: pass, Force: &no}},
		{"os-evacuate/v2.29/server-evacuate-find-host-req.json", "2.29", nova.EvacuateOptions{AdminPass: pass}},
		{"os-evacuate/v2.68/server-evacuate-req.json", "2.68", nova.EvacuateOptions{Host: "testHost", AdminPass: pass}},
		{"os-evacuate/v2.68/server-evacuate-find-host-req.json", "2.68", nova.EvacuateOptions{AdminPass: pass}},
		{"os-evacuate/v2.95/server-evacuate-req.json", "2.95", nova.EvacuateOptions{Host: "testHost"}},
		{"os-evacuate/v2.95/server-evacuate-find-host-req.json", "2.95", nova.EvacuateOptions{}},
	}
	for _, tc := range cases {
		t.Run(tc.sample, func(t *testing.T) {
			f := newFake(t)
			f.idleServer(serverID)
			answer := []byte(nil)
			if tc.mv == "2.1" {
				answer = sample(t, "os-evacuate/server-evacuate-resp.json")
			}
			f.reply("POST", "/v2.1/servers/"+serverID+"/action", 200, answer)
			op, err := f.client(tc.mv).Evacuate(context.Background(), serverID, &tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			c := f.onlyPost()
			c.check(t, "POST", "/v2.1/servers/"+serverID+"/action", "", tc.mv)
			want := strings.ReplaceAll(string(sample(t, tc.sample)), `"False"`, "false")
			jsonEqual(t, c.Body, []byte(want))
			if op.Token().Kind != "evacuation" || op.Token().Target != tc.opts.Host {
				t.Errorf("token %+v", op.Token())
			}
		})
	}
}

// The password of an evacuation is sent, kept out of errors even when nova
// quotes it back, and never in the resume token.
func TestEvacuatePasswordStaysSecret(t *testing.T) {
	const pw = "p@ss-Word-0123"
	f := newFake(t)
	f.idleServer(serverID)
	f.reply("POST", "/v2.1/servers/"+serverID+"/action", 400,
		[]byte(`{"badRequest": {"code": 400, "message": "Invalid input for field/attribute adminPass. Value: `+pw+`."}}`))
	_, err := f.client("2.94").Evacuate(context.Background(), serverID, &nova.EvacuateOptions{AdminPass: auth.NewSecret(pw)})
	var apiErr *cloudmigrate.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), pw) || strings.Contains(apiErr.Message, pw) {
		t.Errorf("the password shows in the error: %v", err)
	}
	if !strings.Contains(string(f.onlyPost().Body), `"adminPass":"`+pw+`"`) {
		t.Errorf("the password was not sent: %s", f.onlyPost().Body)
	}

	f = newFake(t)
	f.idleServer(serverID)
	f.reply("POST", "/v2.1/servers/"+serverID+"/action", 200, []byte(`{"adminPass": "`+pw+`"}`))
	no := false
	op, err := f.client("2.13").Evacuate(context.Background(), serverID, &nova.EvacuateOptions{OnSharedStorage: &no})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := op.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	res, _ := op.Result()
	if res == nil || res.AdminPass.Reveal() != pw || strings.Contains(fmt.Sprintf("%v %+v", res, *res), pw) {
		t.Errorf("the password nova returned: %+v", res)
	}
	tok, _ := op.ResumeToken()
	parsed, err := jobs.ParseToken(tok)
	if err != nil || strings.Contains(fmt.Sprintf("%+v", parsed), pw) {
		t.Errorf("the token holds the password: %+v, %v", parsed, err)
	}
	resumed, err := f.client("2.13").ResumeMigration(tok)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := resumed.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r, _ := resumed.Result(); r == nil || r.AdminPass.IsSet() {
		t.Errorf("a resumed handle has a password: %+v", r)
	}
}
