package secrettest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/cce"
	"github.com/cloudmigrate/cloudmigrate/ecs"
	"github.com/cloudmigrate/cloudmigrate/manila"
	"github.com/cloudmigrate/cloudmigrate/modelarts"
	"github.com/cloudmigrate/cloudmigrate/nova"
)

// The credentials the clients send. They hold characters that JSON, URLs
// and HTML escape, so that every form of them is tried.
const (
	echoAK        = "ECHOACCESSKEY0000001"
	echoSK        = "echoSecretKey0000000000000000000000001"
	echoSTS       = "echoSTS+token/0001=="
	echoStatic    = "echoStaticToken0001"
	echoIssued    = "gAAAAechoIssuedToken0001"
	echoPassword  = `echo"Pass\word<&>/é-0001`
	echoAppSecret = "echo app+secret/0001="
	echoOSToken   = "gAAAAechoOSToken0001"
	echoCCEPass   = "Echo/Pw+9:é&0001"
	echoProject   = "0123456789abcdef0123456789abcdef"
)

// echoShape writes an error body that quotes echo, the request as the
// server received it.
type echoShape struct {
	name  string
	ctype string
	body  func(echo string) string
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// pythonJSON quotes s as Python's json.dumps does: non-ASCII as \uXXXX.
func pythonJSON(s string) string {
	var b strings.Builder
	for _, r := range jsonString(s) {
		switch {
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		case r > 0xFFFF:
			r -= 0x10000
			fmt.Fprintf(&b, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

// echoShapes are the error documents of every service and gateway the
// module talks to, and the forms a proxy may quote a request in.
var echoShapes = []echoShape{
	{"nova/manila fault", "application/json", func(e string) string {
		return `{"badRequest": {"code": 400, "message": ` + jsonString(e) + `}}`
	}},
	{"nova fault, Python escapes", "application/json", func(e string) string {
		return `{"itemNotFound": {"code": 404, "message": ` + pythonJSON(e) + `}}`
	}},
	{"ECS error with details", "application/json", func(e string) string {
		return `{"error": {"code": "Ecs.0005", "message": ` + jsonString(e) + `, "details": [{"code": "Ecs.0001", "message": ` + jsonString(e) + `}, ` + jsonString(e) + `]}}`
	}},
	{"Huawei error_code/error_msg", "application/json", func(e string) string {
		return `{"error_code": "APIGW.0301", "error_msg": ` + jsonString(e) + `, "request_id": "req-echo"}`
	}},
	{"CCE errorCode/errorMessage", "application/json", func(e string) string {
		return `{"errorCode": "CCE.01400001", "errorMessage": ` + jsonString(e) + `}`
	}},
	{"code/message", "application/json", func(e string) string {
		return `{"code": "CCE.01400013", "message": ` + jsonString(e) + `}`
	}},
	{"Keystone error", "application/json", func(e string) string {
		return `{"error": {"code": 400, "title": "Bad Request", "message": ` + jsonString(e) + `}}`
	}},
	{"URL-encoded in a message", "application/json", func(e string) string {
		return `{"error": {"code": "Proxy.0001", "message": ` + jsonString("rejected "+url.QueryEscape(e)) + `}}`
	}},
	{"unknown JSON", "application/json", func(e string) string {
		return `{"echo": ` + jsonString(e) + `}`
	}},
	{"plain text", "text/plain", func(e string) string { return "Bad request: " + e }},
	{"HTML page", "text/html", func(e string) string {
		return "<html><body><h1>400 Bad Request</h1><pre>" + html.EscapeString(e) + "</pre></body></html>"
	}},
}

// echoServer answers every request with an error quoting it in shape, and
// records what credentials it received. Unless echoTokens, a Keystone/IAM
// token request gets a token (echoIssued) and a catalog of this server.
type echoServer struct {
	*httptest.Server
	shape      echoShape
	echoTokens bool

	mu       sync.Mutex
	received []string // header values and bodies the clients sent
}

func newEchoServer(t *testing.T, shape echoShape, echoTokens bool) *echoServer {
	t.Helper()
	s := &echoServer{shape: shape, echoTokens: echoTokens}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *echoServer) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var echo strings.Builder
	fmt.Fprintf(&echo, "%s %s\n", r.Method, r.URL.RequestURI())
	echo.Write(body)
	echo.WriteString("\n\n")
	for _, k := range slices.Sorted(maps.Keys(r.Header)) {
		fmt.Fprintf(&echo, "%s: %s\n", k, strings.Join(r.Header[k], ", "))
	}
	s.mu.Lock()
	for _, k := range []string{"Authorization", "X-Auth-Token", "X-Security-Token"} {
		s.received = append(s.received, r.Header.Values(k)...)
	}
	s.received = append(s.received, string(body))
	s.mu.Unlock()

	status := http.StatusBadRequest
	if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/clusters/") && strings.HasSuffix(r.URL.Path, "/nodes") {
		// cce.MigrateNodes lists the clusters' nodes before it starts:
		// none is moving, so the migration, with its password, is sent.
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"kind":"List","apiVersion":"v3","items":[]}`)
		return
	}
	if strings.HasSuffix(r.URL.Path, "/v3/auth/tokens") {
		if !s.echoTokens {
			w.Header().Set("X-Subject-Token", echoIssued)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintf(w, `{"token": {"expires_at": "2099-01-01T00:00:00.000000Z", "methods": ["password"],
				"project": {"id": %q, "name": "cn-north-4"},
				"catalog": [{"type": "compute", "name": "nova", "endpoints": [{"interface": "public", "region_id": "RegionOne", "url": %q}]},
				            {"type": "sharev2", "name": "manilav2", "endpoints": [{"interface": "public", "region_id": "RegionOne", "url": %q}]}]}}`,
				echoProject, s.URL+"/compute/v2.1", s.URL+"/share/v2/"+echoProject)
			return
		}
		status = http.StatusUnauthorized
	}
	w.Header().Set("Content-Type", s.shape.ctype)
	w.Header().Set("X-Request-Id", "req-echo-1")
	w.WriteHeader(status)
	io.WriteString(w, s.shape.body(echo.String()))
}

// credentials returns every credential the server received, and the
// parts of them that are credentials on their own: the signature and the
// salted password.
func (s *echoServer) credentials() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, v := range s.received {
		if _, sig, ok := strings.Cut(v, "Signature="); ok {
			out = append(out, v, sig)
			continue
		}
		var migrate struct {
			Spec struct {
				Login struct {
					UserPassword struct {
						Password string `json:"password"`
					} `json:"userPassword"`
				} `json:"login"`
			} `json:"spec"`
		}
		if json.Unmarshal([]byte(v), &migrate) == nil && migrate.Spec.Login.UserPassword.Password != "" {
			out = append(out, migrate.Spec.Login.UserPassword.Password)
			continue
		}
		if strings.HasPrefix(v, "{") || v == "" {
			continue // a body; its credentials are listed by themselves
		}
		out = append(out, v)
	}
	return out
}

// credentialForms returns c as sent, JSON-escaped (once, and twice as in
// a quoted JSON body) and URL-escaped.
func credentialForms(c string) []string {
	j := strings.Trim(jsonString(c), `"`)
	jj := strings.Trim(jsonString(j), `"`)
	return []string{c, j, jj, url.QueryEscape(c), url.PathEscape(c), url.QueryEscape(j)}
}

// assertScrubbed fails unless err is a service error none of whose
// renderings shows any of creds, and which shows that the echo was
// scrubbed (REDACTED in its text).
func assertScrubbed(t *testing.T, what string, err error, creds []string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error from a server that answers only errors", what)
		return
	}
	texts := map[string]string{
		"Error()": err.Error(), "%v": fmt.Sprintf("%v", err), "%+v": fmt.Sprintf("%+v", err), "%#v": fmt.Sprintf("%#v", err),
	}
	var apiErr *cloudmigrate.Error
	if !errors.As(err, &apiErr) {
		t.Errorf("%s: not a *cloudmigrate.Error: %v", what, err)
		return
	}
	js, jerr := json.Marshal(apiErr)
	if jerr != nil {
		t.Fatal(jerr)
	}
	texts["Message"], texts["Code"], texts["RequestID"] = apiErr.Message, apiErr.Code, apiErr.RequestID
	texts["Details"], texts["JSON"] = strings.Join(apiErr.Details, "\n"), string(js)
	for how, text := range texts {
		for _, c := range creds {
			for _, form := range credentialForms(c) {
				if len(form) >= 4 && strings.Contains(text, form) {
					t.Errorf("%s: %s shows credential %q: %s", what, how, form, text)
				}
			}
		}
	}
	if !strings.Contains(err.Error(), "REDACTED") {
		t.Errorf("%s: the echoed request did not reach the error, or was not scrubbed: %v", what, err)
	}
}

var fixed = []string{echoAK, echoSK, echoSTS, echoStatic, echoIssued, echoPassword, echoAppSecret, echoOSToken, echoCCEPass}

// echoClient is one way to call one service.
type echoClient struct {
	name string
	call func(ctx context.Context, srv *echoServer, authz auth.Authorizer) error
}

func options(srv *echoServer) []cloudmigrate.Option {
	return []cloudmigrate.Option{cloudmigrate.WithRetry(0), cloudmigrate.WithHTTPClient(srv.Client())}
}

var huaweiCalls = []echoClient{
	{"ecs GetJob", func(ctx context.Context, srv *echoServer, a auth.Authorizer) error {
		c, err := ecs.NewClient(srv.URL, echoProject, a, options(srv)...)
		if err != nil {
			return err
		}
		_, err = c.GetJob(ctx, "ff80808288d41e1b018990260a7c686a")
		return err
	}},
	{"cce GetJob", func(ctx context.Context, srv *echoServer, a auth.Authorizer) error {
		c, err := cce.NewClient(srv.URL, echoProject, a, options(srv)...)
		if err != nil {
			return err
		}
		_, err = c.GetJob(ctx, "2ec9b78d-9368-46f3-8f29-d1a95622a568")
		return err
	}},
	{"cce MigrateNodes with a plain password", func(ctx context.Context, srv *echoServer, a auth.Authorizer) error {
		c, err := cce.NewClient(srv.URL, echoProject, a, options(srv)...)
		if err != nil {
			return err
		}
		_, err = c.MigrateNodes(ctx, "src-cluster", "dst-cluster", &cce.MigrateNodesSpec{
			OS:    "EulerOS 2.9",
			Login: &cce.Login{UserPassword: &cce.UserPassword{Username: "root", Password: auth.NewSecret(echoCCEPass)}},
			Nodes: cce.Nodes("node-1"),
		})
		return err
	}},
	{"IAM LookupProjectID", func(ctx context.Context, srv *echoServer, a auth.Authorizer) error {
		_, err := auth.LookupProjectID(ctx, srv.URL+"/v3", a, "cn-north-4", auth.WithHTTPClient(srv.Client()))
		return err
	}},
	{"modelarts GetJob", func(ctx context.Context, srv *echoServer, a auth.Authorizer) error {
		c, err := modelarts.NewClient(srv.URL, echoProject, a, options(srv)...)
		if err != nil {
			return err
		}
		_, err = c.GetJob(ctx, "pool-1", "job-1")
		return err
	}},
}

var openstackCalls = []echoClient{
	{"nova ListServerMigrations", func(ctx context.Context, srv *echoServer, a auth.Authorizer) error {
		c, err := nova.NewClient(srv.URL+"/compute/v2.1", a, append(options(srv), cloudmigrate.WithMicroversion("2.80"))...)
		if err != nil {
			return err
		}
		_, err = c.ListServerMigrations(ctx, "4f8ba7a4-6e74-4b7c-9b5c-6f0bd7a4c0a1")
		return err
	}},
	{"nova Migrate", func(ctx context.Context, srv *echoServer, a auth.Authorizer) error {
		c, err := nova.NewClient(srv.URL+"/compute/v2.1", a, append(options(srv), cloudmigrate.WithMicroversion("2.80"))...)
		if err != nil {
			return err
		}
		_, err = c.Migrate(ctx, "4f8ba7a4-6e74-4b7c-9b5c-6f0bd7a4c0a1", &nova.MigrateOptions{Host: "compute-2"})
		return err
	}},
	{"nova version negotiation", func(ctx context.Context, srv *echoServer, a auth.Authorizer) error {
		c, err := nova.NewClient(srv.URL+"/compute/v2.1", a, options(srv)...)
		if err != nil {
			return err
		}
		_, err = c.Microversion(ctx)
		return err
	}},
	{"manila GetShareServer", func(ctx context.Context, srv *echoServer, a auth.Authorizer) error {
		c, err := manila.NewClient(srv.URL+"/share/v2/"+echoProject, a, append(options(srv), cloudmigrate.WithMicroversion("2.70"))...)
		if err != nil {
			return err
		}
		_, err = c.GetShareServer(ctx, "5d3c4e8a-0001")
		return err
	}},
	{"manila version negotiation", func(ctx context.Context, srv *echoServer, a auth.Authorizer) error {
		c, err := manila.NewClient(srv.URL+"/share/v2/"+echoProject, a, options(srv)...)
		if err != nil {
			return err
		}
		_, err = c.Microversion(ctx)
		return err
	}},
}

// authorizers returns the ways to authenticate to srv: for Huawei Cloud
// an AK/SK signer with a security token, an IAM token and a static token;
// for OpenStack Keystone by password, application credential and token,
// and a static token.
func authorizers(t *testing.T, srv *echoServer, huawei bool) map[string]auth.Authorizer {
	t.Helper()
	keystone := func(c auth.KeystoneCredentials) auth.Authorizer {
		k, err := auth.NewKeystone(srv.URL+"/v3", c, auth.WithHTTPClient(srv.Client()))
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	if huawei {
		return map[string]auth.Authorizer{
			"AK/SK": auth.NewAKSK(echoAK, echoSK, auth.WithSecurityToken(echoSTS)),
			"IAM password": keystone(auth.KeystoneCredentials{
				Username: "ops", UserDomainName: "acme", Password: auth.NewSecret(echoPassword), ProjectName: "cn-north-4",
			}),
			"static token": auth.StaticToken(echoStatic),
		}
	}
	return map[string]auth.Authorizer{
		"Keystone password": keystone(auth.KeystoneCredentials{
			Username: "admin", UserDomainName: "Default", Password: auth.NewSecret(echoPassword), ProjectID: echoProject,
		}),
		"Keystone application credential": keystone(auth.KeystoneCredentials{
			ApplicationCredentialID: "ac-1", ApplicationCredentialSecret: auth.NewSecret(echoAppSecret),
		}),
		"Keystone token": keystone(auth.KeystoneCredentials{Token: auth.NewSecret(echoOSToken), ProjectID: echoProject}),
		"static token":   auth.StaticToken(echoStatic),
	}
}

// TestEchoedCredentialsNeverReachErrors sends every service call with every
// kind of credential to a server that quotes the whole request (headers
// and body) back in each error shape, and checks that no credential shows
// in the error. With echoTokens the Keystone/IAM token request is answered
// with the quote too, so the token request's own error is checked.
func TestEchoedCredentialsNeverReachErrors(t *testing.T) {
	ctx := context.Background()
	calls := 0
	for _, shape := range echoShapes {
		for _, echoTokens := range []bool{false, true} {
			for _, huawei := range []bool{true, false} {
				srv := newEchoServer(t, shape, echoTokens)
				clients := openstackCalls
				if huawei {
					clients = huaweiCalls
				}
				for authName, authz := range authorizers(t, srv, huawei) {
					if echoTokens && strings.HasPrefix(authName, "static") || echoTokens && authName == "AK/SK" {
						continue // no token request to echo
					}
					for _, c := range clients {
						what := fmt.Sprintf("%s, %s, token errors %v, %s", shape.name, c.name, echoTokens, authName)
						err := c.call(ctx, srv, authz)
						assertScrubbed(t, what, err, append(srv.credentials(), fixed...))
						calls++
					}
				}
			}
		}
	}
	t.Logf("%d calls checked", calls)
}

// TestEchoedKeystoneErrorsFromTheCatalog checks the errors of finding a
// service in the catalog (NewClientFromKeystone) when the token request
// is answered with the echo.
func TestEchoedKeystoneErrorsFromTheCatalog(t *testing.T) {
	ctx := context.Background()
	for _, shape := range echoShapes {
		srv := newEchoServer(t, shape, true)
		for name, authz := range authorizers(t, srv, false) {
			ks, ok := authz.(*auth.Keystone)
			if !ok {
				continue
			}
			_, err := nova.NewClientFromKeystone(ctx, ks, "RegionOne", "public", options(srv)...)
			assertScrubbed(t, shape.name+", nova from the catalog, "+name, err, append(srv.credentials(), fixed...))
			_, err = manila.NewClientFromKeystone(ctx, ks, "RegionOne", "public", options(srv)...)
			assertScrubbed(t, shape.name+", manila from the catalog, "+name, err, append(srv.credentials(), fixed...))
		}
	}
}
