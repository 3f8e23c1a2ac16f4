package fake

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate/auth"
)

var testAccount = HuaweiAccount{AccessKey: "AKHUAWEI0001", SecretKey: auth.NewSecret("sk-huawei-1"), ProjectID: "proj-1"}

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
		"no access key": {SecretKey: auth.NewSecret("sk"), ProjectID: "p"},
		"no secret key": {AccessKey: "ak", ProjectID: "p"},
		"no project":    {AccessKey: "ak", SecretKey: auth.NewSecret("sk")},
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
	if len(a.Keys) != 1 || a.Keys["AKHUAWEI0001"].Reveal() != "sk-huawei-1" || a.Project != "proj-1" || a.Now != nil {
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
	return startHuaweiIAM(t, o, cfg).Server
}

func clockSpeed(c *Clock) float64 { return c.Speed() }

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

// startHuaweiIAM is startHuawei returning the whole Huawei server, IAM
// included.
func startHuaweiIAM(t *testing.T, o HuaweiOptions, cfg Config) *HuaweiServer {
	t.Helper()
	s := o.Start("xtest", cfg)
	t.Cleanup(s.Close)
	s.Handle("Echo", "POST /v1/{project_id}/echo", func(r *Request) Response {
		return JSON(http.StatusOK, map[string]string{"project": r.PathValue("project_id")})
	})
	return s
}

// send makes a request to s with the given headers and JSON body and
// returns the status, the answer's headers and the decoded body.
func send(t *testing.T, s *HuaweiServer, method, path string, header map[string]string, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, out
}

// passwordBody is an IAM token request for user, scoped to the project
// with ID project.
func passwordBody(user HuaweiIAMUser, project string) string {
	data, _ := json.Marshal(map[string]any{"auth": map[string]any{
		"identity": map[string]any{
			"methods": []string{"password"},
			"password": map[string]any{"user": map[string]any{
				"name": user.Name, "password": user.Password.Reveal(), "domain": map[string]string{"name": user.Domain},
			}},
		},
		"scope": map[string]any{"project": map[string]string{"id": project}},
	}})
	return string(data)
}

// issue asks s's IAM endpoint for a token for user and returns it.
func issue(t *testing.T, s *HuaweiServer, user HuaweiIAMUser) string {
	t.Helper()
	status, h, body := send(t, s, http.MethodPost, "/v3/auth/tokens", nil, passwordBody(user, "proj-1"))
	tok := h.Get("X-Subject-Token")
	if status != http.StatusCreated || tok == "" {
		t.Fatalf("token request: %d, token %q, body %v", status, tok, body)
	}
	return tok
}

func TestHuaweiAccountIAMDefaults(t *testing.T) {
	want := HuaweiIAMUser{Name: DefaultIAMUserName, Password: auth.NewSecret(DefaultIAMUserPassword), Domain: DefaultIAMUserDomain}
	if got := testAccount.IAM(); !reflect.DeepEqual(got, want) {
		t.Errorf("defaults: %+v, want %+v", got, want)
	}
	a := testAccount
	a.IAMUser = HuaweiIAMUser{Name: "ops"}
	want.Name = "ops"
	if got := a.IAM(); !reflect.DeepEqual(got, want) {
		t.Errorf("name set: %+v, want %+v", got, want)
	}
	a.IAMUser = HuaweiIAMUser{Name: "ops", Password: auth.NewSecret("pw"), Domain: "acme"}
	if got := a.IAM(); !reflect.DeepEqual(got, a.IAMUser) {
		t.Errorf("all set: %+v, want %+v", got, a.IAMUser)
	}
}

func TestHuaweiIAMIssuesTokens(t *testing.T) {
	s := startHuaweiIAM(t, HuaweiOptions{Account: testAccount}, Config{Name: "xsvc", ErrorBody: BehindGateway(serviceBody)})
	user := testAccount.IAM()

	status, h, body := send(t, s, http.MethodPost, "/v3/auth/tokens", nil, passwordBody(user, "proj-1"))
	if status != http.StatusCreated || h.Get("X-Subject-Token") == "" {
		t.Fatalf("token request: %d %v %v", status, h, body)
	}
	if !strings.HasPrefix(h.Get("X-Request-Id"), "req-xsvc-") {
		t.Errorf("X-Request-Id %q", h.Get("X-Request-Id"))
	}
	tok, _ := body["token"].(map[string]any)
	project, _ := tok["project"].(map[string]any)
	if project["id"] != "proj-1" || project["name"] != HuaweiRegion {
		t.Errorf("token project %v, want proj-1 named %s", project, HuaweiRegion)
	}
	if !s.Tokens().Valid(h.Get("X-Subject-Token")) {
		t.Error("the issued token is not valid")
	}

	for name, u := range map[string]HuaweiIAMUser{
		"wrong password": {Name: user.Name, Password: auth.NewSecret("nope"), Domain: user.Domain},
		"unknown user":   {Name: "someone", Password: user.Password, Domain: user.Domain},
	} {
		status, h, body := send(t, s, http.MethodPost, "/v3/auth/tokens", nil, passwordBody(u, "proj-1"))
		if status != http.StatusUnauthorized || h.Get("X-Subject-Token") != "" {
			t.Errorf("%s: %d %v", name, status, body)
		}
	}
	if n := s.TokensIssued(); n != 1 {
		t.Errorf("%d tokens issued, want 1", n)
	}
	if n := s.Calls(OpIssueToken); n != 3 {
		t.Errorf("%d token requests counted, want 3", n)
	}
}

func TestHuaweiIAMCustomUser(t *testing.T) {
	a := testAccount
	a.IAMUser = HuaweiIAMUser{Name: "ops", Password: auth.NewSecret("ops-pw"), Domain: "acme"}
	s := startHuaweiIAM(t, HuaweiOptions{Account: a}, Config{Name: "xsvc"})
	want := auth.KeystoneCredentials{Username: "ops", UserDomainName: "acme", Password: auth.NewSecret("ops-pw"), ProjectID: "proj-1"}
	if got := s.IAMCredentials(); !reflect.DeepEqual(got, want) {
		t.Errorf("credentials %v, want %v", got, want)
	}
	issue(t, s, a.IAMUser)
	if status, _, _ := send(t, s, http.MethodPost, "/v3/auth/tokens", nil, passwordBody(testAccount.IAM(), "proj-1")); status != http.StatusUnauthorized {
		t.Errorf("the default user got %d, want 401", status)
	}
}

func TestHuaweiGatewayAcceptsTokens(t *testing.T) {
	s := startHuaweiIAM(t, HuaweiOptions{Account: testAccount}, Config{Name: "xsvc", ErrorBody: BehindGateway(serviceBody)})
	tok := issue(t, s, testAccount.IAM())

	// The AK/SK check's own answer to a request with no credentials.
	bare, _ := http.NewRequest(http.MethodPost, s.URL()+"/v1/proj-1/echo", nil)
	bare.Header.Set("X-Project-Id", "proj-1")
	unsigned := testAccount.Authenticator().Check(bare)
	if unsigned == nil {
		t.Fatal("the AK/SK check accepted an unsigned request")
	}

	signed := func(h map[string]string) map[string]string {
		req, _ := http.NewRequest(http.MethodPost, s.URL()+"/v1/proj-1/echo", strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/json")
		for k, v := range h {
			req.Header.Set(k, v)
		}
		if err := testAccount.Authorizer().Authorize(context.Background(), req); err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for k := range req.Header {
			out[k] = req.Header.Get(k)
		}
		return out
	}

	type want struct {
		status  int
		code    string
		message string
	}
	ok := want{status: http.StatusOK}
	for _, c := range []struct {
		name   string
		header map[string]string
		want   want
	}{
		{"token with the project", map[string]string{"X-Auth-Token": tok, "X-Project-Id": "proj-1"}, ok},
		{"token without X-Project-Id", map[string]string{"X-Auth-Token": tok}, ok},
		{"token with another project", map[string]string{"X-Auth-Token": tok, "X-Project-Id": "proj-2"},
			want{http.StatusUnauthorized, "APIGW.0301", "Incorrect IAM authentication information: project id mismatch"}},
		{"unknown token", map[string]string{"X-Auth-Token": "gAAAAnotissuedhere", "X-Project-Id": "proj-1"},
			want{http.StatusUnauthorized, "APIGW.0301", "Incorrect IAM authentication information: decrypt token fail"}},
		{"neither", map[string]string{"X-Project-Id": "proj-1"},
			want{http.StatusUnauthorized, unsigned.Code, unsigned.Message}},
		{"signed", signed(map[string]string{"X-Project-Id": "proj-1"}), ok},
		{"signed, with an unknown token", signed(map[string]string{"X-Project-Id": "proj-1", "X-Auth-Token": "gAAAAnotissuedhere"}), ok},
	} {
		status, _, body := send(t, s, http.MethodPost, "/v1/proj-1/echo", c.header, `{}`)
		switch {
		case c.want.status == http.StatusOK:
			if status != http.StatusOK || body["project"] != "proj-1" {
				t.Errorf("%s: %d %v, want 200", c.name, status, body)
			}
		case status != c.want.status || body["error_code"] != c.want.code || body["error_msg"] != c.want.message || len(body) != 2:
			t.Errorf("%s: %d %v, want %d %s %q in the gateway's form", c.name, status, body, c.want.status, c.want.code, c.want.message)
		}
	}

	s.ExpireTokens()
	status, _, body := send(t, s, http.MethodPost, "/v1/proj-1/echo", map[string]string{"X-Auth-Token": tok}, `{}`)
	if status != http.StatusUnauthorized || body["error_code"] != "APIGW.0307" || body["error_msg"] != "The token must be updated." {
		t.Errorf("expired token: %d %v, want 401 APIGW.0307", status, body)
	}
	// Expiry applies to the tokens issued so far only.
	fresh := issue(t, s, testAccount.IAM())
	if status, _, body := send(t, s, http.MethodPost, "/v1/proj-1/echo", map[string]string{"X-Auth-Token": fresh}, `{}`); status != http.StatusOK {
		t.Errorf("token issued after the expiry: %d %v", status, body)
	}
	if n := s.TokensIssued(); n != 2 {
		t.Errorf("%d tokens issued, want 2", n)
	}
}

func TestHuaweiIAMAuthorizer(t *testing.T) {
	s := startHuaweiIAM(t, HuaweiOptions{Account: testAccount}, Config{Name: "xsvc", ErrorBody: BehindGateway(serviceBody)})
	if got, want := s.IAMURL(), s.URL()+"/v3"; got != want {
		t.Errorf("IAMURL %q, want %q", got, want)
	}
	user := testAccount.IAM()
	want := auth.KeystoneCredentials{Username: user.Name, UserDomainName: user.Domain, Password: user.Password, ProjectID: "proj-1"}
	if got := s.IAMCredentials(); !reflect.DeepEqual(got, want) {
		t.Errorf("IAMCredentials %v, want %v", got, want)
	}

	ks := s.IAMAuthorizer()
	ctx := context.Background()
	info, err := ks.TokenInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.ProjectID != "proj-1" || info.ProjectName != HuaweiRegion || !info.ExpiresAt.After(time.Now().Add(23*time.Hour)) {
		t.Errorf("token info %+v", info)
	}
	if status, body, _ := huaweiCall(t, s.Server, ks, "proj-1"); status != http.StatusOK {
		t.Errorf("authorized call: %d %v", status, body)
	}

	// An expired token is refused until the authorizer renews it.
	s.ExpireTokens()
	if status, body, _ := huaweiCall(t, s.Server, ks, "proj-1"); status != http.StatusUnauthorized || body["error_code"] != "APIGW.0307" {
		t.Errorf("expired token: %d %v", status, body)
	}
	if err := ks.Renew(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if status, body, _ := huaweiCall(t, s.Server, ks, "proj-1"); status != http.StatusOK {
		t.Errorf("after renewal: %d %v", status, body)
	}
	if n := s.TokensIssued(); n != 2 {
		t.Errorf("%d tokens issued, want 2", n)
	}
	// Each authorizer has its own cache.
	if _, err := s.IAMAuthorizer().TokenInfo(ctx); err != nil {
		t.Fatal(err)
	}
	if n := s.TokensIssued(); n != 3 {
		t.Errorf("%d tokens issued after a second authorizer, want 3", n)
	}
}

func TestHuaweiIAMWithoutAuth(t *testing.T) {
	s := startHuaweiIAM(t, HuaweiOptions{Account: testAccount, NoAuth: true}, Config{Name: "xsvc"})
	if status, body, _ := huaweiCall(t, s.Server, s.IAMAuthorizer(), "proj-1"); status != http.StatusOK {
		t.Errorf("token under NoAuth: %d %v", status, body)
	}
	if n := s.TokensIssued(); n != 1 {
		t.Errorf("%d tokens issued, want 1", n)
	}
	s.ExpireTokens()
	if status, body, _ := huaweiCall(t, s.Server, s.IAMAuthorizer(), "other"); status != http.StatusOK {
		t.Errorf("NoAuth checks nothing: %d %v", status, body)
	}
}
