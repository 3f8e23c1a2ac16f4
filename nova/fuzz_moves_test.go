package nova_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/nova"
)

func addSamples(f *testing.F, names ...string) {
	f.Helper()
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(name)))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzServerShowDecode decodes GET /servers/{id} answers, fault included:
// no panic, and what decodes re-encodes to itself.
func FuzzServerShowDecode(f *testing.F) {
	addSamples(f, "servers/server-get-resp.json", "servers/v2.71/server-get-resp.json",
		"servers/v2.100/server-get-resp.json", "servers/server-get-error-fault.json")
	f.Add([]byte(`{"server": {"fault": {"code": 500, "created": null, "message": null}}}`))
	f.Add([]byte(`{"server": {"fault": null, "status": "ERROR"}}`))
	f.Add([]byte(`{"server": null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var one struct {
			Server *nova.Server `json:"server"`
		}
		if json.Unmarshal(data, &one) != nil || one.Server == nil {
			return
		}
		s := one.Server
		checkNovaTime(t, "created", s.Created)
		if s.Fault != nil {
			checkNovaTime(t, "fault created", s.Fault.Created)
		}
		out, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		var back nova.Server
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("re-decoding %s: %v", out, err)
		}
		if again, _ := json.Marshal(&back); !bytes.Equal(again, out) {
			t.Fatalf("server re-encodes differently:\n%s\n%s", out, again)
		}
	})
}

// FuzzInstanceActionDecode decodes instance actions, one with its events
// or a page of them: no panic; times survive the round trip; Reason and
// Failure agree with the results.
func FuzzInstanceActionDecode(f *testing.F) {
	addSamples(f, "os-instance-actions/instance-action-get-resp.json",
		"os-instance-actions/instance-actions-list-resp.json",
		"os-instance-actions/v2.51/instance-action-get-non-admin-resp.json",
		"os-instance-actions/v2.58/instance-actions-list-with-limit-resp.json",
		"os-instance-actions/v2.62/instance-action-get-resp.json",
		"os-instance-actions/v2.84/instance-action-get-resp.json",
		"os-instance-actions/v2.84/instance-actions-list-with-marker-resp.json")
	f.Add([]byte(`{"instanceAction": {"events": [{"result": "Error", "traceback": "\n\n", "details": null},
		{"result": "error", "details": " x "}, {"finish_time": null, "result": null}]}}`))
	f.Add([]byte(`{"instanceActions": [{"user_id": null, "project_id": null, "message": "Error"}], "links": [{"rel": "next"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		check := func(a *nova.InstanceAction) {
			t.Helper()
			checkNovaTime(t, "start_time", a.StartTime)
			checkNovaTime(t, "updated_at", a.UpdatedAt)
			failed := false
			for i := range a.Events {
				e := &a.Events[i]
				checkNovaTime(t, "event start_time", e.StartTime)
				checkNovaTime(t, "event finish_time", e.FinishTime)
				if !e.Failed() && e.Reason() != "" {
					t.Fatalf("an event that did not fail gives the reason %q", e.Reason())
				}
				if r := e.Reason(); r != strings.TrimSpace(r) || strings.Contains(r, "\n") {
					t.Fatalf("reason %q is not one trimmed line", r)
				}
				failed = failed || e.Failed()
			}
			if (a.Failure() != nil) != failed {
				t.Fatalf("Failure %v with failed events %v", a.Failure(), failed)
			}
			out, err := json.Marshal(a)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			var back nova.InstanceAction
			if err := json.Unmarshal(out, &back); err != nil {
				t.Fatalf("re-decoding %s: %v", out, err)
			}
			if again, _ := json.Marshal(&back); !bytes.Equal(again, out) {
				t.Fatalf("action re-encodes differently:\n%s\n%s", out, again)
			}
		}
		var one struct {
			Action *nova.InstanceAction `json:"instanceAction"`
		}
		if json.Unmarshal(data, &one) == nil && one.Action != nil {
			check(one.Action)
		}
		var page struct {
			Actions []nova.InstanceAction `json:"instanceActions"`
			Links   []nova.Link           `json:"links"`
		}
		if json.Unmarshal(data, &page) == nil {
			for i := range page.Actions {
				check(&page.Actions[i])
			}
		}
	})
}

// FuzzEvacuateAnswerDecode decodes nova's answer to an evacuation before
// 2.14: the password lands in an auth.Secret and never shows when the
// result is printed or encoded.
func FuzzEvacuateAnswerDecode(f *testing.F) {
	addSamples(f, "os-evacuate/server-evacuate-resp.json", "os-evacuate/server-evacuate-find-host-resp.json")
	f.Add([]byte(`{"adminPass": null}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var out struct {
			AdminPass auth.Secret `json:"adminPass"`
		}
		if json.Unmarshal(data, &out) != nil || !out.AdminPass.IsSet() {
			return
		}
		// What the result prints and encodes must not depend on the
		// password: the same with another one of the same length.
		render := func(pw auth.Secret) string {
			res := nova.MoveResult{AdminPass: pw}
			enc, err := json.Marshal(res)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			return string(enc) + sprintAll(res) + sprintAll(&res)
		}
		pw := out.AdminPass.Reveal()
		if got, other := render(out.AdminPass), render(auth.NewSecret(strings.Repeat("x", len(pw)))); got != other {
			t.Fatalf("the password shows:\n%s\n%s", got, other)
		}
	})
}

// FuzzResumeMigration feeds ResumeMigration any text and any token: no
// panic, and what it refuses is a *cloudmigrate.ValidationError for
// "token".
func FuzzResumeMigration(f *testing.F) {
	c, err := nova.NewClient("https://nova.example.com:8774/v2.1", auth.StaticToken("t"), cloudmigrate.WithMicroversion("2.80"))
	if err != nil {
		f.Fatal(err)
	}
	good := jobs.Token{
		Service: "nova", Kind: "live-migration", Endpoint: c.Endpoint(), Resources: []string{serverID},
		ID: "7", Microversion: "2.80", Source: "compute1", Target: "compute2", Started: time.Unix(1767225600, 0),
		Extra: map[string]string{"after": "6", "req": "req-1", "wait": "60"},
	}
	f.Add(good.Encode(), "", "", "", "")
	f.Add(good.Encode(), "evacuation", "", "0", "-1")
	f.Add("", "migration", serverID, "x", "9")
	f.Fuzz(func(t *testing.T, raw, kind, server, id, after string) {
		check := func(tok string) {
			op, err := c.ResumeMigration(tok)
			if err != nil {
				var ve *cloudmigrate.ValidationError
				if !errors.As(err, &ve) || ve.Field != "token" || op != nil {
					t.Fatalf("ResumeMigration(%q) = %v, %v", tok, op, err)
				}
				return
			}
			if op == nil || op.Done() || op.Token().Service != "nova" {
				t.Fatalf("ResumeMigration(%q) gave %v", tok, op)
			}
			if again, err := c.ResumeMigration(op.Token().Encode()); err != nil || again.Token().Encode() != op.Token().Encode() {
				t.Fatalf("token %q does not survive a round trip: %v", tok, err)
			}
		}
		check(raw)
		tk := good
		tk.Extra = map[string]string{"after": after, "req": "req-1"}
		if kind != "" {
			tk.Kind = kind
		}
		if server != "" {
			tk.Resources = []string{server}
		}
		tk.ID = id
		check(tk.Encode())
	})
}

func sprintAll(v any) string { return fmt.Sprintf("%v %+v %#v", v, v, v) }
