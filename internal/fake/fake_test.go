package fake

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate/auth"
)

func newTestServer(t *testing.T, a Authenticator) *Server {
	t.Helper()
	s := New(Config{Name: "t", ThrottleCode: "T.429", Auth: a,
		ErrorBody: func(_ int, code, msg string) any { return map[string]string{"error_code": code, "error_msg": msg} }})
	t.Cleanup(s.Close)
	s.Handle("Echo", "POST /echo/{id}", func(r *Request) Response {
		return JSON(http.StatusOK, map[string]string{"id": r.PathValue("id"), "body": string(r.Body)})
	})
	return s
}

func post(t *testing.T, url, body string, h http.Header) (*http.Response, []byte, error) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, data, nil
}

func TestCountsAndAnswers(t *testing.T) {
	s := newTestServer(t, nil)
	resp, data, err := post(t, s.URL()+"/echo/a1", `{"x":1}`, nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatal(err, resp)
	}
	var got map[string]string
	_ = json.Unmarshal(data, &got)
	if got["id"] != "a1" || got["body"] != `{"x":1}` || resp.Header.Get("X-Request-Id") == "" {
		t.Errorf("answer %v, headers %v", got, resp.Header)
	}
	if s.Calls("Echo") != 1 || s.AllCalls()["Echo"] != 1 {
		t.Errorf("calls = %d", s.Calls("Echo"))
	}
	s.ResetCalls()
	if s.Calls("Echo") != 0 {
		t.Error("ResetCalls kept counts")
	}
}

func TestFaultsFireForTheirCountThenStop(t *testing.T) {
	s := newTestServer(t, nil)
	s.Throttle("Echo", 2, 3*time.Second)
	for i := 0; i < 2; i++ {
		resp, data, _ := post(t, s.URL()+"/echo/x", `{}`, nil)
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "3" || !bytes.Contains(data, []byte("T.429")) {
			t.Fatalf("throttle %d: %d %s %q", i, resp.StatusCode, data, resp.Header.Get("Retry-After"))
		}
	}
	s.FailNext("Other", 1, 500) // another operation: not this one
	s.FailNext("", 1, 503)
	resp, _, _ := post(t, s.URL()+"/echo/x", `{}`, nil)
	if resp.StatusCode != 503 {
		t.Errorf("any-op fault: %d", resp.StatusCode)
	}
	resp, _, _ = post(t, s.URL()+"/echo/x", `{}`, nil)
	if resp.StatusCode != 200 {
		t.Errorf("after faults: %d", resp.StatusCode)
	}
	if s.Calls("Echo") != 4 {
		t.Errorf("faulted calls must be counted: %d", s.Calls("Echo"))
	}
	s.DropNext("Echo", 1)
	if _, _, err := post(t, s.URL()+"/echo/x", `{}`, nil); err == nil {
		t.Error("dropped connection answered")
	}
	s.SlowNext("Echo", 1, 150*time.Millisecond)
	start := time.Now()
	resp, _, _ = post(t, s.URL()+"/echo/x", `{}`, nil)
	if resp.StatusCode != 200 || time.Since(start) < 150*time.Millisecond {
		t.Errorf("slow: %d after %v", resp.StatusCode, time.Since(start))
	}
	s.FailNext("Echo", 5, 500)
	s.ClearFaults()
	if resp, _, _ = post(t, s.URL()+"/echo/x", `{}`, nil); resp.StatusCode != 200 {
		t.Errorf("ClearFaults left a fault: %d", resp.StatusCode)
	}
}

func TestAKSKAuth(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	a := &AKSKAuth{Keys: map[string]auth.Secret{"AKEXAMPLE0001": auth.NewSecret("sk-1")}, Project: "p1", Now: func() time.Time { return now }}
	s := newTestServer(t, a)
	send := func(ak, sk, project string, at time.Time) int {
		req, _ := http.NewRequest(http.MethodPost, s.URL()+"/echo/x", strings.NewReader(`{"a":1}`))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(`{"a":1}`)), nil }
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Project-Id", project)
		signer := auth.NewAKSK(ak, sk, auth.WithClock(func() time.Time { return at }))
		if err := signer.Authorize(context.Background(), req); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := send("AKEXAMPLE0001", "sk-1", "p1", now); c != 200 {
		t.Errorf("good signature: %d", c)
	}
	for name, c := range map[string]int{
		"wrong sk":      send("AKEXAMPLE0001", "sk-2", "p1", now),
		"unknown ak":    send("AKEXAMPLE0009", "sk-1", "p1", now),
		"16 min old":    send("AKEXAMPLE0001", "sk-1", "p1", now.Add(-16*time.Minute)),
		"wrong project": send("AKEXAMPLE0001", "sk-1", "p2", now),
	} {
		if c != 401 {
			t.Errorf("%s: %d, want 401", name, c)
		}
	}
	if c := send("AKEXAMPLE0001", "sk-1", "p1", now.Add(-14*time.Minute)); c != 200 {
		t.Errorf("14 minutes old: %d", c)
	}
}

func TestIdentityIssuesTokensTheServerAccepts(t *testing.T) {
	tokens := &Tokens{}
	s := newTestServer(t, tokens)
	id := &Identity{Tokens: tokens, Users: map[string]auth.Secret{"admin": auth.NewSecret("pw")}, AppCreds: map[string]auth.Secret{"ac1": auth.NewSecret("sec")},
		ProjectID: "p1", Catalog: func(base string) []CatalogEntry {
			return []CatalogEntry{{Type: "compute", Name: "nova", URL: base + "/compute/v2.1"}}
		}}
	id.Mount(s, "/identity")
	body := `{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"name":"Default"},"password":"pw"}}}}}`
	resp, data, err := post(t, s.URL()+"/identity/v3/auth/tokens", body, nil)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("%v %v %s", err, resp.StatusCode, data)
	}
	tok := resp.Header.Get("X-Subject-Token")
	if !bytes.Contains(data, []byte(`"url":"`+s.URL()+`/compute/v2.1"`)) || !bytes.Contains(data, []byte("expires_at")) {
		t.Errorf("token body %s", data)
	}
	if resp, _, _ := post(t, s.URL()+"/echo/x", `{}`, nil); resp.StatusCode != 401 {
		t.Errorf("no token: %d", resp.StatusCode)
	}
	if resp, _, _ := post(t, s.URL()+"/echo/x", `{}`, http.Header{"X-Auth-Token": {tok}}); resp.StatusCode != 200 {
		t.Errorf("issued token: %d", resp.StatusCode)
	}
	tokens.ExpireAll()
	if resp, _, _ := post(t, s.URL()+"/echo/x", `{}`, http.Header{"X-Auth-Token": {tok}}); resp.StatusCode != 401 {
		t.Errorf("expired token: %d", resp.StatusCode)
	}
	bad := strings.Replace(body, `"pw"`, `"nope"`, 1)
	if resp, _, _ := post(t, s.URL()+"/identity/v3/auth/tokens", bad, nil); resp.StatusCode != 401 {
		t.Errorf("bad password: %d", resp.StatusCode)
	}
	ac := `{"auth":{"identity":{"methods":["application_credential"],"application_credential":{"id":"ac1","secret":"sec"}}}}`
	if resp, _, _ := post(t, s.URL()+"/identity/v3/auth/tokens", ac, nil); resp.StatusCode != 201 {
		t.Errorf("application credential: %d", resp.StatusCode)
	}
	if tokens.Issued() != 2 {
		t.Errorf("issued %d", tokens.Issued())
	}
}

func TestClockAndTimeline(t *testing.T) {
	c := NewClock()
	start := c.Now()
	tl := Timeline{Start: start, Steps: []Step{{"INIT", time.Second}, {"RUNNING", 3 * time.Second}, {"SUCCESS", 0}}}
	if st, i, f := tl.At(c.Now()); st != "INIT" || i != 0 || f != 0 {
		t.Errorf("at start: %s %d %v", st, i, f)
	}
	c.Advance(2 * time.Second)
	if st, i, f := tl.At(c.Now()); st != "RUNNING" || i != 1 || f != 0.5 {
		t.Errorf("at 2s: %s %d %v", st, i, f)
	}
	c.Advance(2 * time.Second)
	if st, _, f := tl.At(c.Now()); st != "SUCCESS" || f != 1 {
		t.Errorf("at 4s: %s %v", st, f)
	}
	if !c.Now().Equal(start.Add(4 * time.Second)) {
		t.Error("a stopped clock moved by itself")
	}
}

func TestHandleRouteCountsAndFaultsEachAction(t *testing.T) {
	s := newTestServer(t, nil)
	answer := func(name string) Handler {
		return func(*Request) Response { return JSON(http.StatusAccepted, map[string]string{"did": name}) }
	}
	s.HandleRoute("Unknown", "POST /servers/{id}/action", func(r *Request) (string, Handler, bool) {
		var body map[string]json.RawMessage
		if r.Decode(&body) != nil {
			return "", nil, false
		}
		for _, action := range []string{"migrate", "os-migrateLive"} {
			if _, ok := body[action]; ok {
				return action, answer(action), true
			}
		}
		return "", nil, false
	})
	s.FailNext("os-migrateLive", 1, 500)
	if resp, data, _ := post(t, s.URL()+"/servers/s1/action", `{"migrate": null}`, nil); resp.StatusCode != 202 || !bytes.Contains(data, []byte(`"migrate"`)) {
		t.Errorf("migrate: %d %s", resp.StatusCode, data)
	}
	if resp, _, _ := post(t, s.URL()+"/servers/s1/action", `{"os-migrateLive": {"host": null}}`, nil); resp.StatusCode != 500 {
		t.Errorf("the fault for os-migrateLive did not fire: %d", resp.StatusCode)
	}
	if resp, data, _ := post(t, s.URL()+"/servers/s1/action", `{"os-migrateLive": {"host": null}}`, nil); resp.StatusCode != 202 || !bytes.Contains(data, []byte("os-migrateLive")) {
		t.Errorf("live: %d %s", resp.StatusCode, data)
	}
	if resp, _, _ := post(t, s.URL()+"/servers/s1/action", `{"reboot": {}}`, nil); resp.StatusCode != 400 {
		t.Errorf("unknown action: %d", resp.StatusCode)
	}
	if s.Calls("migrate") != 1 || s.Calls("os-migrateLive") != 2 || s.Calls("Unknown") != 1 {
		t.Errorf("calls %v", s.AllCalls())
	}
}

func TestConnectionsCountsAcceptedConnections(t *testing.T) {
	s := newTestServer(t, nil)
	if n := s.Connections(); n != 0 {
		t.Fatalf("before any request: %d connections", n)
	}
	send := func(hc *http.Client) {
		t.Helper()
		resp, err := hc.Post(s.URL()+"/echo/c", "application/json", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}

	// A client that keeps its connection alive uses one for every request.
	keep := &http.Transport{}
	defer keep.CloseIdleConnections()
	for range 5 {
		send(&http.Client{Transport: keep})
	}
	if n := s.Connections(); n != 1 {
		t.Errorf("5 requests on a kept-alive connection: %d connections, want 1", n)
	}

	// Without keep-alive every request opens its own.
	for range 3 {
		send(&http.Client{Transport: &http.Transport{DisableKeepAlives: true}})
	}
	if n := s.Connections(); n != 4 {
		t.Errorf("3 more requests without keep-alive: %d connections, want 4", n)
	}

	// A dropped connection was accepted too.
	s.DropNext("Echo", 1)
	if _, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Post(s.URL()+"/echo/c", "application/json", strings.NewReader(`{}`)); err == nil {
		t.Error("dropped request answered")
	}
	if n := s.Connections(); n != 5 {
		t.Errorf("after a dropped connection: %d connections, want 5", n)
	}
	if s.Calls("Echo") != 9 {
		t.Errorf("calls %d, want 9", s.Calls("Echo"))
	}
}
