package fake

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/cloudmigrate/cloudmigrate/auth"
)

var testAccount = HuaweiAccount{AccessKey: "AKHUAWEI0001", SecretKey: "sk-huawei-1", ProjectID: "proj-1"}

// panicMessage runs f and returns what it panicked with, or "" if it did
// not panic.
func panicMessage(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

func TestHuaweiAccountValidate(t *testing.T) {
	const want = "xtest: WithCredentials: access key, secret key and project ID must not be empty"
	for name, a := range map[string]HuaweiAccount{
		"no access key": {SecretKey: "sk", ProjectID: "p"},
		"no secret key": {AccessKey: "ak", ProjectID: "p"},
		"no project":    {AccessKey: "ak", SecretKey: "sk"},
		"nothing":       {},
	} {
		if got := panicMessage(func() { a.Validate("xtest") }); got != want {
			t.Errorf("%s: panic %q, want %q", name, got, want)
		}
	}
	if got := panicMessage(func() { testAccount.Validate("xtest") }); got != "" {
		t.Errorf("complete account: panic %q", got)
	}
}

func TestHuaweiAccountAuthenticator(t *testing.T) {
	a := testAccount.Authenticator()
	if !reflect.DeepEqual(a.Keys, map[string]string{"AKHUAWEI0001": "sk-huawei-1"}) || a.Project != "proj-1" || a.Now != nil {
		t.Errorf("authenticator %+v", a)
	}
}

// huaweiCall sends POST /v1/{project}/echo to s, signed by signer (nil:
// unsigned) with X-Project-Id header project, and returns the status and
// the decoded body.
func huaweiCall(t *testing.T, s *Server, signer auth.Authorizer, project string) (int, map[string]string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL()+"/v1/"+project+"/echo", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Project-Id", project)
	if signer != nil {
		if err := signer.Authorize(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body, resp.Header
}

func startHuawei(t *testing.T, o HuaweiOptions, cfg Config) *Server {
	t.Helper()
	s := o.Start("xtest", cfg)
	t.Cleanup(s.Close)
	s.Handle("Echo", "POST /v1/{project_id}/echo", func(r *Request) Response {
		return JSON(http.StatusOK, map[string]string{"project": r.PathValue("project_id")})
	})
	return s
}

func clockSpeed(c *Clock) float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.speed
}

func serviceBody(status int, code, message string) any {
	return map[string]string{"status": fmt.Sprint(status), "svc_code": code, "svc_message": message}
}

func TestHuaweiOptionsStartChecksSignatures(t *testing.T) {
	s := startHuawei(t, HuaweiOptions{Account: testAccount}, Config{Name: "xsvc", ErrorBody: BehindGateway(serviceBody)})

	status, body, h := huaweiCall(t, s, testAccount.Authorizer(), "proj-1")
	if status != http.StatusOK || body["project"] != "proj-1" {
		t.Errorf("signed by the account: %d %v", status, body)
	}
	if rid := h.Get("X-Request-Id"); !strings.HasPrefix(rid, "req-xsvc-") {
		t.Errorf("X-Request-Id %q", rid)
	}

	for name, c := range map[string]struct {
		signer  auth.Authorizer
		project string
	}{
		"unsigned":      {nil, "proj-1"},
		"other key":     {auth.NewAKSK("AKOTHER", "sk-huawei-1"), "proj-1"},
		"wrong secret":  {auth.NewAKSK("AKHUAWEI0001", "sk-wrong"), "proj-1"},
		"other project": {testAccount.Authorizer(), "proj-2"},
	} {
		status, body, _ := huaweiCall(t, s, c.signer, c.project)
		if status != http.StatusUnauthorized || body["error_code"] != "APIGW.0301" || body["error_msg"] == "" || len(body) != 2 {
			t.Errorf("%s: %d %v, want 401 in the gateway's form", name, status, body)
		}
	}
	if n := s.Calls("Echo"); n != 5 {
		t.Errorf("calls %d", n)
	}
	if speed := clockSpeed(s.Clock()); speed != 0 {
		t.Errorf("clock runs at %v without Speed", speed)
	}
}

func TestHuaweiOptionsStartWithoutAuth(t *testing.T) {
	s := startHuawei(t, HuaweiOptions{Account: testAccount, NoAuth: true}, Config{Name: "xsvc", RequestIDHeader: "X-Trace"})
	status, body, h := huaweiCall(t, s, nil, "anything")
	if status != http.StatusOK || body["project"] != "anything" {
		t.Errorf("unsigned under NoAuth: %d %v", status, body)
	}
	if h.Get("X-Trace") == "" || h.Get("X-Request-Id") != "" {
		t.Errorf("request ID header not the configured one: %v", h)
	}
}

func TestHuaweiOptionsStartRunsTheClock(t *testing.T) {
	s := startHuawei(t, HuaweiOptions{Account: testAccount, Speed: 60}, Config{Name: "xsvc"})
	if speed := clockSpeed(s.Clock()); speed != 60 {
		t.Errorf("clock speed %v, want 60", speed)
	}
}

func TestHuaweiOptionsStartRefusesNegativeSpeed(t *testing.T) {
	const want = "xtest: WithRealTime: negative speed -0.5"
	got := panicMessage(func() {
		s := HuaweiOptions{Account: testAccount, Speed: -0.5}.Start("xtest", Config{Name: "xsvc"})
		s.Close()
	})
	if got != want {
		t.Errorf("panic %q, want %q", got, want)
	}
}

func TestGatewayErrorBodies(t *testing.T) {
	encode := func(v any) string {
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	const gateway = `{"error_code":"APIGW.0308","error_msg":"slow down"}`
	if got := encode(GatewayErrorBody(429, "APIGW.0308", "slow down")); got != gateway {
		t.Errorf("GatewayErrorBody: %s", got)
	}
	if got := encode(GatewayErrorBody(400, "ModelArts.0104", "bad")); got != `{"error_code":"ModelArts.0104","error_msg":"bad"}` {
		t.Errorf("GatewayErrorBody, service code: %s", got)
	}

	body := BehindGateway(serviceBody)
	if got := encode(body(429, "APIGW.0308", "slow down")); got != gateway {
		t.Errorf("BehindGateway, gateway code: %s", got)
	}
	want := `{"status":"404","svc_code":"Ecs.0114","svc_message":"no such server"}`
	if got := encode(body(404, "Ecs.0114", "no such server")); got != want {
		t.Errorf("BehindGateway, service code: %s, want %s", got, want)
	}
	// Only the prefix "APIGW." marks a gateway code.
	for _, code := range []string{"XAPIGW.0301", "APIGW0301", "apigw.0301"} {
		if got := encode(body(400, code, "m")); !strings.Contains(got, `"svc_code"`) {
			t.Errorf("BehindGateway, look-alike code %s: %s", code, got)
		}
	}
}

type testSettings struct{ seen []string }

type testOption func(*testSettings)

func TestApplyOptions(t *testing.T) {
	var st testSettings
	add := func(v string) testOption { return func(s *testSettings) { s.seen = append(s.seen, v) } }
	ApplyOptions(&st, []testOption{add("a"), nil, add("b")})
	if !reflect.DeepEqual(st.seen, []string{"a", "b"}) {
		t.Errorf("applied %v", st.seen)
	}
	ApplyOptions(&st, []testOption(nil))
	if len(st.seen) != 2 {
		t.Errorf("no options changed settings: %v", st.seen)
	}
}
