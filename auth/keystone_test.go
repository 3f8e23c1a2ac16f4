package auth

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/keystone/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeJSON(t testing.TB, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
	return v
}

// transcriptToken reads X-Subject-Token from the captured Keystone answer.
func transcriptToken(t testing.TB) string {
	t.Helper()
	raw := readFixture(t, "auth-password-user-name-unscoped-response-HTTP.txt")
	// The capture stops after the headers; end the header block.
	resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(strings.TrimRight(string(raw), "\r\n")+"\r\n\r\n")), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("transcript status %d", resp.StatusCode)
	}
	tok := resp.Header.Get("X-Subject-Token")
	if tok == "" {
		t.Fatal("transcript has no X-Subject-Token")
	}
	return tok
}

// fakeKeystone answers POST .../auth/tokens with body, a new token each
// time ("<prefix>-<n>"), and records what it got.
type fakeKeystone struct {
	*httptest.Server
	mu      sync.Mutex
	bodies  [][]byte
	paths   []string
	headers []http.Header
	calls   atomic.Int64
	delay   time.Duration
	answer  func(n int64, w http.ResponseWriter) // optional override
	body    []byte
	prefix  string
}

func newFakeKeystone(t testing.TB, body []byte) *fakeKeystone {
	f := &fakeKeystone{body: body, prefix: "tok"}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := f.calls.Add(1)
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.bodies = append(f.bodies, b)
		f.paths = append(f.paths, r.URL.Path)
		f.headers = append(f.headers, r.Header.Clone())
		f.mu.Unlock()
		if f.delay > 0 {
			time.Sleep(f.delay)
		}
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/v3/auth/tokens") {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		if f.answer != nil {
			f.answer(n, w)
			return
		}
		w.Header().Set("X-Subject-Token", fmt.Sprintf("%s-%d", f.prefix, n))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		w.Write(f.body)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeKeystone) lastBody() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.bodies[len(f.bodies)-1]
}

// tokenBody is a token answer with the given times and catalog.
func tokenBody(issued, expires time.Time, catalog []CatalogEntry) []byte {
	b, _ := json.Marshal(map[string]any{"token": map[string]any{
		"methods":    []string{"password"},
		"issued_at":  issued.UTC().Format("2006-01-02T15:04:05.000000Z"),
		"expires_at": expires.UTC().Format("2006-01-02T15:04:05.000000Z"),
		"project":    map[string]any{"id": "p1", "name": "demo", "domain": map[string]string{"id": "default", "name": "Default"}},
		"user":       map[string]any{"id": "u1", "name": "alice", "domain": map[string]string{"id": "default", "name": "Default"}},
		"catalog":    catalog,
	}})
	return b
}

func fixedClock(t time.Time) (func() time.Time, func(time.Duration)) {
	var mu sync.Mutex
	now := t
	return func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			return now
		}, func(d time.Duration) {
			mu.Lock()
			now = now.Add(d)
			mu.Unlock()
		}
}

func TestKeystoneRequestBodiesMatchFixtures(t *testing.T) {
	wantToken := transcriptToken(t)
	cases := []struct {
		name     string
		cred     KeystoneCredentials
		request  string // fixture with the expected request body
		response string // fixture answered
		project  string
		methods  []string
		appCred  string
	}{
		{
			name:     "password, user ID, project ID",
			cred:     KeystoneCredentials{UserID: "ee4dfb6e5540447cb3741905149d9b6e", Password: NewSecret("devstacker"), ProjectID: "a6944d763bf64ee6a275f1263fae0352"},
			request:  "project-id-password.json",
			response: "project-scoped-password.json",
			project:  "a6944d763bf64ee6a275f1263fae0352",
			methods:  []string{"password"},
		},
		{
			name: "password, project name and domain",
			cred: KeystoneCredentials{UserID: "ee4dfb6e5540447cb3741905149d9b6e", Password: NewSecret("devstacker"),
				ProjectName: "admin", ProjectDomainID: "default"},
			request:  "project-name-password.json",
			response: "project-scoped-password.json",
			project:  "a6944d763bf64ee6a275f1263fae0352",
			methods:  []string{"password"},
		},
		{
			name:     "token rescoped to a project",
			cred:     KeystoneCredentials{Token: NewSecret("'$OS_TOKEN'"), ProjectID: "a6944d763bf64ee6a275f1263fae0352"},
			request:  "project-id-token.json",
			response: "project-scoped-token.json",
			project:  "a6944d763bf64ee6a275f1263fae0352",
			methods:  []string{"token", "password"},
		},
		{
			name:     "application credential by ID",
			cred:     KeystoneCredentials{ApplicationCredentialID: "423f19a4ac1e4f48bbb4180756e6eb6c", ApplicationCredentialSecret: NewSecret("rEaqvJka48mpv")},
			request:  "auth-application-credential-id-request.json",
			response: "auth-application-credential-response.json",
			project:  "231c62fb0fbd485b995e8b060c3f0d98",
			methods:  []string{"application_credential"},
			appCred:  "423f19a4ac1e4f48bbb4180756e6eb6c",
		},
		{
			name: "application credential by name and user",
			cred: KeystoneCredentials{ApplicationCredentialName: "monitoring", ApplicationCredentialSecret: NewSecret("rEaqvJka48mpv"),
				UserID: "423f19a4ac1e4f48bbb4180756e6eb6c"},
			request:  "auth-application-credential-name-request.json",
			response: "auth-application-credential-response.json",
			project:  "231c62fb0fbd485b995e8b060c3f0d98",
			methods:  []string{"application_credential"},
			appCred:  "423f19a4ac1e4f48bbb4180756e6eb6c",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := readFixture(t, c.response)
			var times struct {
				Token struct {
					IssuedAt string `json:"issued_at"`
				} `json:"token"`
			}
			json.Unmarshal(resp, &times)
			issued, _ := time.Parse(time.RFC3339Nano, times.Token.IssuedAt)
			f := newFakeKeystone(t, resp)
			f.answer = func(_ int64, w http.ResponseWriter) {
				w.Header().Set("X-Subject-Token", wantToken)
				w.WriteHeader(http.StatusCreated)
				w.Write(resp)
			}
			k, err := NewKeystone(f.URL+"/v3", c.cred, WithClock(func() time.Time { return issued }))
			if err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequest("GET", "http://nova.example.com/servers", nil)
			if err := k.Authorize(context.Background(), req); err != nil {
				t.Fatal(err)
			}
			if got := req.Header.Get("X-Auth-Token"); got != wantToken {
				t.Fatalf("X-Auth-Token %q, want %q", got, wantToken)
			}
			if got, want := decodeJSON(t, f.lastBody()), decodeJSON(t, readFixture(t, c.request)); !reflect.DeepEqual(got, want) {
				t.Fatalf("request body\n got %s\nwant %s", f.lastBody(), readFixture(t, c.request))
			}
			h := f.headers[0]
			if h.Get("Content-Type") != "application/json" || !strings.Contains(h.Get("User-Agent"), "cloudmigrate") {
				t.Errorf("headers %v", h)
			}
			info, err := k.TokenInfo(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if info.ProjectID != c.project || !reflect.DeepEqual(info.Methods, c.methods) || info.ApplicationCredentialID != c.appCred {
				t.Errorf("token info %+v", info)
			}
			wantExpires := time.Date(2015, 11, 7, 2, 58, 43, 578887000, time.UTC)
			if c.appCred != "" {
				wantExpires = time.Date(2018, 1, 15, 22, 14, 5, 0, time.UTC)
			}
			if !info.ExpiresAt.Equal(wantExpires) || info.ExpiresAt.Sub(info.IssuedAt).Round(time.Second) != time.Hour {
				t.Errorf("times %v %v", info.IssuedAt, info.ExpiresAt)
			}
			if len(info.Roles) != 1 || info.UserDomainID != "default" || info.ProjectDomainName != "Default" {
				t.Errorf("token info %+v", info)
			}
			for _, iface := range []string{"", "public", "admin", "publicURL"} {
				u, err := k.Endpoint(context.Background(), "identity", "RegionOne", iface)
				if err != nil || u != "http://example.com/identity" {
					t.Errorf("Endpoint(identity, %q) = %q, %v", iface, u, err)
				}
			}
			if c.response == "project-scoped-password.json" {
				if _, err := k.Endpoint(context.Background(), "identity", "", "internal"); err != nil {
					t.Error(err)
				}
			}
			if _, err := k.Endpoint(context.Background(), "compute", "", ""); !errors.Is(err, ErrEndpointNotFound) ||
				!strings.Contains(err.Error(), "identity public RegionOne") {
				t.Errorf("compute lookup: %v", err)
			}
			if f.calls.Load() != 1 {
				t.Errorf("%d token requests, want 1", f.calls.Load())
			}
		})
	}
}

func TestKeystoneRequestBodiesOtherForms(t *testing.T) {
	cases := []struct {
		name string
		cred KeystoneCredentials
		want string
	}{
		{
			name: "user name and domain name, explicitly unscoped",
			cred: KeystoneCredentials{Username: "alice", UserDomainName: "Default", Password: NewSecret("pw"), Unscoped: true},
			want: `{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"alice","domain":{"name":"Default"},"password":"pw"}}},"scope":"unscoped"}}`,
		},
		{
			name: "default scope",
			cred: KeystoneCredentials{Username: "alice", UserDomainID: "default", Password: NewSecret("pw")},
			want: `{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"alice","domain":{"id":"default"},"password":"pw"}}}}}`,
		},
		{
			name: "domain scope by name",
			cred: KeystoneCredentials{UserID: "u", Password: NewSecret("pw"), DomainName: "acme"},
			want: `{"auth":{"identity":{"methods":["password"],"password":{"user":{"id":"u","password":"pw"}}},"scope":{"domain":{"name":"acme"}}}}`,
		},
		{
			name: "Huawei IAM: account as user domain, region project by name",
			cred: KeystoneCredentials{Username: "ops", UserDomainName: "acme-account", Password: NewSecret("pw"), ProjectName: "cn-north-4"},
			want: `{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"ops","domain":{"name":"acme-account"},"password":"pw"}}},"scope":{"project":{"name":"cn-north-4"}}}}`,
		},
		{
			name: "project name with domain name; ID wins over name",
			cred: KeystoneCredentials{UserID: "u", Username: "ignored", Password: NewSecret("pw"), ProjectName: "demo", ProjectDomainName: "Default", DomainID: ""},
			want: `{"auth":{"identity":{"methods":["password"],"password":{"user":{"id":"u","password":"pw"}}},"scope":{"project":{"name":"demo","domain":{"name":"Default"}}}}}`,
		},
		{
			name: "application credential by name and user name",
			cred: KeystoneCredentials{ApplicationCredentialName: "mon", ApplicationCredentialSecret: NewSecret("s"), Username: "alice", UserDomainID: "default"},
			want: `{"auth":{"identity":{"methods":["application_credential"],"application_credential":{"name":"mon","secret":"s","user":{"name":"alice","domain":{"id":"default"}}}}}}`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := c.cred.requestBody()
			if err != nil {
				t.Fatal(err)
			}
			if got, want := decodeJSON(t, b), decodeJSON(t, []byte(c.want)); !reflect.DeepEqual(got, want) {
				t.Fatalf("got  %s\nwant %s", b, c.want)
			}
		})
	}
}

func TestKeystoneAuthURLForms(t *testing.T) {
	f := newFakeKeystone(t, tokenBody(time.Now(), time.Now().Add(time.Hour), nil))
	for suffix, wantPath := range map[string]string{
		"":             "/v3/auth/tokens",
		"/":            "/v3/auth/tokens",
		"/v3":          "/v3/auth/tokens",
		"/v3/":         "/v3/auth/tokens",
		"/identity":    "/identity/v3/auth/tokens",
		"/identity/v3": "/identity/v3/auth/tokens",
	} {
		k, err := NewKeystone(f.URL+suffix, KeystoneCredentials{UserID: "u", Password: NewSecret("pw")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := k.TokenInfo(context.Background()); err != nil {
			t.Fatalf("%q: %v", suffix, err)
		}
		f.mu.Lock()
		got := f.paths[len(f.paths)-1]
		f.mu.Unlock()
		if got != wantPath {
			t.Errorf("auth URL %q: POST %s, want %s", suffix, got, wantPath)
		}
	}
	for _, bad := range []string{"", "keystone.example.com/v3", "ftp://h/v3", "http://user:secretpw@h/v3", "http://h/v2.0", "http://h/v3?x=1", "http://%zz"} {
		_, err := NewKeystone(bad, KeystoneCredentials{UserID: "u", Password: NewSecret("pw")})
		var ve *cloudmigrate.ValidationError
		if !errors.As(err, &ve) || ve.Field != "authURL" {
			t.Errorf("auth URL %q: %v", bad, err)
		}
		if err != nil && strings.Contains(err.Error(), "secretpw") {
			t.Errorf("error shows the password: %v", err)
		}
	}
}

func TestKeystoneCredentialValidation(t *testing.T) {
	cases := []struct {
		cred  KeystoneCredentials
		field string
	}{
		{KeystoneCredentials{}, "Password"},
		{KeystoneCredentials{UserID: "u"}, "Password"},
		{KeystoneCredentials{Password: NewSecret("p")}, "UserID"},
		{KeystoneCredentials{Username: "n", Password: NewSecret("p")}, "UserDomainName"},
		{KeystoneCredentials{UserID: "u", Password: NewSecret("p"), Token: NewSecret("t")}, "Password, Token"},
		{KeystoneCredentials{Password: NewSecret("p"), ApplicationCredentialID: "a", ApplicationCredentialSecret: NewSecret("s")}, "Password, ApplicationCredentialSecret"},
		{KeystoneCredentials{ApplicationCredentialID: "a"}, "ApplicationCredentialSecret"},
		{KeystoneCredentials{ApplicationCredentialSecret: NewSecret("s")}, "ApplicationCredentialID"},
		{KeystoneCredentials{ApplicationCredentialName: "a", ApplicationCredentialSecret: NewSecret("s")}, "UserID"},
		{KeystoneCredentials{ApplicationCredentialName: "a", ApplicationCredentialSecret: NewSecret("s"), Username: "n"}, "UserDomainName"},
		{KeystoneCredentials{ApplicationCredentialID: "a", ApplicationCredentialSecret: NewSecret("s"), ProjectName: "p"}, "ApplicationCredentialID, ProjectName"},
		{KeystoneCredentials{ApplicationCredentialID: "a", ApplicationCredentialSecret: NewSecret("s"), Unscoped: true}, "ApplicationCredentialID, Unscoped"},
		{KeystoneCredentials{UserID: "u", Password: NewSecret("p"), ProjectID: "x", DomainID: "d"}, "ProjectID, DomainID"},
		{KeystoneCredentials{Token: NewSecret("t"), DomainName: "d", Unscoped: true}, "DomainName, Unscoped"},
	}
	for _, c := range cases {
		_, err := NewKeystone("https://keystone.example.com/v3", c.cred)
		var ve *cloudmigrate.ValidationError
		if !errors.As(err, &ve) || ve.Field != c.field {
			t.Errorf("%v: got %v, want field %q", c.cred, err, c.field)
		}
	}
	for _, good := range []KeystoneCredentials{
		{UserID: "u", Password: NewSecret("p")},
		{Username: "n", UserDomainID: "d", Password: NewSecret("p"), ProjectID: "x"},
		{Token: NewSecret("t")},
		{Token: NewSecret("t"), Unscoped: true},
		{ApplicationCredentialID: "a", ApplicationCredentialSecret: NewSecret("s")},
	} {
		if err := good.Validate(); err != nil {
			t.Errorf("%v: %v", good, err)
		}
	}
	for _, o := range []KeystoneOption{WithHTTPClient(nil), WithRenewMargin(-time.Second), WithUserAgent("a\r\nb")} {
		if _, err := NewKeystone("https://k.example.com", KeystoneCredentials{UserID: "u", Password: NewSecret("p")}, o); err == nil {
			t.Error("bad option accepted")
		}
	}
}

func TestKeystoneEndpoint(t *testing.T) {
	catalog := []CatalogEntry{
		{Type: "compute", Name: "nova", Endpoints: []CatalogEndpoint{
			{Interface: "public", Region: "RegionOne", RegionID: "RegionOne", URL: "https://nova.r1.example.com/v2.1"},
			{Interface: "internal", Region: "RegionOne", RegionID: "RegionOne", URL: "http://nova.r1.internal:8774/v2.1"},
			{Interface: "public", Region: "RegionTwo", RegionID: "RegionTwo", URL: "https://nova.r2.example.com/v2.1"},
		}},
		{Type: "shared-file-system", Name: "manilav2", Endpoints: []CatalogEndpoint{
			{Interface: "public", Region: "RegionOne", RegionID: "RegionOne", URL: "https://manila.r1.example.com/v2"},
		}},
		{Type: "sharev2", Name: "manilav2-legacy", Endpoints: []CatalogEndpoint{
			{Interface: "public", Region: "RegionTwo", RegionID: "RegionTwo", URL: "https://manila.r2.example.com/v2/p1"},
		}},
		{Type: "share", Name: "manila", Endpoints: []CatalogEndpoint{
			{Interface: "public", Region: "RegionOne", RegionID: "RegionOne", URL: "https://manila.r1.example.com/v1"},
		}},
	}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	f := newFakeKeystone(t, tokenBody(now, now.Add(time.Hour), catalog))
	k, err := NewKeystone(f.URL, KeystoneCredentials{UserID: "u", Password: NewSecret("pw"), ProjectID: "p1"}, WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, c := range []struct {
		typ, region, iface, want string
	}{
		{ServiceTypeCompute, "RegionOne", "", "https://nova.r1.example.com/v2.1"},
		{ServiceTypeCompute, "RegionOne", "internal", "http://nova.r1.internal:8774/v2.1"},
		{ServiceTypeCompute, "RegionTwo", "public", "https://nova.r2.example.com/v2.1"},
		{ServiceTypeShare, "RegionOne", "", "https://manila.r1.example.com/v2"},    // only shared-file-system there
		{ServiceTypeShare, "RegionTwo", "", "https://manila.r2.example.com/v2/p1"}, // sharev2 comes first
		{"shared-file-system", "", "", "https://manila.r1.example.com/v2"},
		{"  sharev2 , shared-file-system", "RegionTwo", "PUBLIC", "https://manila.r2.example.com/v2/p1"},
	} {
		got, err := k.Endpoint(ctx, c.typ, c.region, c.iface)
		if err != nil || got != c.want {
			t.Errorf("Endpoint(%q, %q, %q) = %q, %v; want %q", c.typ, c.region, c.iface, got, err, c.want)
		}
	}
	// Ambiguous without a region.
	if _, err := k.Endpoint(ctx, ServiceTypeCompute, "", ""); !errors.Is(err, ErrEndpointNotFound) ||
		!strings.Contains(err.Error(), "RegionOne, RegionTwo") {
		t.Errorf("ambiguous region: %v", err)
	}
	// Not there.
	_, err = k.Endpoint(ctx, ServiceTypeCompute, "RegionThree", "")
	if !errors.Is(err, ErrEndpointNotFound) || !strings.Contains(err.Error(), "compute public RegionTwo") {
		t.Errorf("unknown region: %v", err)
	}
	if _, err := k.Endpoint(ctx, ServiceTypeCompute, "RegionTwo", "internal"); !errors.Is(err, ErrEndpointNotFound) {
		t.Errorf("no internal in RegionTwo: %v", err)
	}
	var ve *cloudmigrate.ValidationError
	if _, err := k.Endpoint(ctx, ServiceTypeCompute, "RegionOne", "private"); !errors.As(err, &ve) || ve.Field != "interface" {
		t.Errorf("bad interface: %v", err)
	}
	if _, err := k.Endpoint(ctx, " , ", "RegionOne", ""); !errors.As(err, &ve) || ve.Field != "serviceType" {
		t.Errorf("empty type: %v", err)
	}
	if n := f.calls.Load(); n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
	// TokenInfo returns a copy.
	info, _ := k.TokenInfo(ctx)
	info.Catalog[0].Endpoints[0].URL = "changed"
	if got, _ := k.Endpoint(ctx, ServiceTypeCompute, "RegionOne", ""); got != "https://nova.r1.example.com/v2.1" {
		t.Errorf("TokenInfo shares the catalog: %q", got)
	}
}

func TestKeystoneRenewSingleFlight(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	f := newFakeKeystone(t, tokenBody(now, now.Add(time.Hour), nil))
	f.delay = 20 * time.Millisecond
	k, err := NewKeystone(f.URL, KeystoneCredentials{UserID: "u", Password: NewSecret("pw"), ProjectID: "p1"}, WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const n = 100

	// 100 first uses at once: one token request.
	var wg sync.WaitGroup
	reqs := make([]*http.Request, n)
	errs := make([]error, n)
	for i := range reqs {
		reqs[i], _ = http.NewRequest("GET", "http://nova.example.com/servers", nil)
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = k.Authorize(ctx, reqs[i])
		}(i)
	}
	wg.Wait()
	for i := range reqs {
		if errs[i] != nil || reqs[i].Header.Get("X-Auth-Token") != "tok-1" {
			t.Fatalf("goroutine %d: %v, token %q", i, errs[i], reqs[i].Header.Get("X-Auth-Token"))
		}
	}
	if got := f.calls.Load(); got != 1 {
		t.Fatalf("%d token requests for %d concurrent first uses, want 1", got, n)
	}

	// 100 goroutines report the same rejected token: one renewal.
	rejected := reqs[0]
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			errs[i] = k.Renew(ctx, rejected)
		}(i)
	}
	close(start)
	wg.Wait()
	for i := range errs {
		if errs[i] != nil {
			t.Fatalf("Renew %d: %v", i, errs[i])
		}
	}
	if got := f.calls.Load(); got != 2 {
		t.Fatalf("%d token requests after %d concurrent renewals of one token, want 2", got, n)
	}
	req, _ := http.NewRequest("GET", "http://nova.example.com/servers", nil)
	if err := k.Authorize(ctx, req); err != nil || req.Header.Get("X-Auth-Token") != "tok-2" {
		t.Fatalf("after renewal: %v, %q", err, req.Header.Get("X-Auth-Token"))
	}
	// A late report about the old token costs nothing.
	if err := k.Renew(ctx, rejected); err != nil || f.calls.Load() != 2 {
		t.Fatalf("late Renew: %v, %d requests", err, f.calls.Load())
	}
	// A report about the current token renews it.
	if err := k.Renew(ctx, req); err != nil || f.calls.Load() != 3 {
		t.Fatalf("Renew of current token: %v, %d requests", err, f.calls.Load())
	}
}

func TestKeystoneRenewsBeforeExpiry(t *testing.T) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name     string
		life     time.Duration
		opts     []KeystoneOption
		noRenew  time.Duration // at this age the token is reused
		renewsAt time.Duration // at this age it is replaced
	}{
		{name: "default margin", life: time.Hour, noRenew: 54 * time.Minute, renewsAt: 55*time.Minute + time.Second},
		{name: "10 minute margin", life: time.Hour, opts: []KeystoneOption{WithRenewMargin(10 * time.Minute)}, noRenew: 49 * time.Minute, renewsAt: 50*time.Minute + time.Second},
		{name: "short token caps the margin at half its life", life: 4 * time.Minute, noRenew: time.Minute + 59*time.Second, renewsAt: 2*time.Minute + time.Second},
		{name: "24h IAM token", life: 24 * time.Hour, noRenew: 23*time.Hour + 54*time.Minute, renewsAt: 23*time.Hour + 56*time.Minute},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			now, advance := fixedClock(start)
			f := newFakeKeystone(t, nil)
			f.answer = func(n int64, w http.ResponseWriter) {
				w.Header().Set("X-Subject-Token", fmt.Sprint("tok-", n))
				w.WriteHeader(http.StatusCreated)
				w.Write(tokenBody(now(), now().Add(c.life), nil))
			}
			k, err := NewKeystone(f.URL, KeystoneCredentials{UserID: "u", Password: NewSecret("pw")}, append(c.opts, WithClock(now))...)
			if err != nil {
				t.Fatal(err)
			}
			token := func() string {
				req, _ := http.NewRequest("GET", "http://x/", nil)
				if err := k.Authorize(context.Background(), req); err != nil {
					t.Fatal(err)
				}
				return req.Header.Get("X-Auth-Token")
			}
			if got := token(); got != "tok-1" {
				t.Fatal(got)
			}
			advance(c.noRenew)
			if got := token(); got != "tok-1" {
				t.Fatalf("at %v: %s, want the cached token", c.noRenew, got)
			}
			advance(c.renewsAt - c.noRenew)
			if got := token(); got != "tok-2" {
				t.Fatalf("at %v: %s, want a new token", c.renewsAt, got)
			}
		})
	}
}

func TestKeystoneErrors(t *testing.T) {
	const password = "s3cr3t-passw0rd"
	f := newFakeKeystone(t, nil)
	f.answer = func(_ int64, w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Openstack-Request-Id", "req-f2f3f6ca")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}`)
	}
	now, advance := fixedClock(time.Now())
	k, err := NewKeystone(f.URL+"/v3", KeystoneCredentials{Username: "alice", UserDomainName: "Default", Password: NewSecret(password), ProjectID: "p"}, WithClock(now))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", "http://x/", nil)
	err = k.Authorize(context.Background(), req)
	var apiErr *cloudmigrate.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("got %T %v", err, err)
	}
	if apiErr.StatusCode != 401 || apiErr.Code != "Unauthorized" || apiErr.RequestID != "req-f2f3f6ca" ||
		apiErr.Method != "POST" || apiErr.URL != f.URL+"/v3/auth/tokens" || !strings.Contains(apiErr.Message, "requires authentication") {
		t.Fatalf("error %+v", apiErr)
	}
	if !cloudmigrate.IsUnauthorized(err) || strings.Contains(err.Error(), password) {
		t.Fatalf("error %v", err)
	}
	if req.Header.Get("X-Auth-Token") != "" {
		t.Fatal("token set after a failure")
	}
	// A failure is shared until the pause after it ends: the next use gets
	// it without a request, and asks again once the pause is over.
	if err := k.Authorize(context.Background(), req); !cloudmigrate.IsUnauthorized(err) || f.calls.Load() != 1 {
		t.Fatalf("during the pause: %v after %d requests", err, f.calls.Load())
	}
	advance(time.Minute)
	if err := k.Authorize(context.Background(), req); !cloudmigrate.IsUnauthorized(err) || f.calls.Load() != 2 {
		t.Fatalf("after the pause: %v after %d requests", err, f.calls.Load())
	}
	advance(time.Minute)

	// 201 without X-Subject-Token.
	f.answer = func(_ int64, w http.ResponseWriter) {
		w.WriteHeader(http.StatusCreated)
		w.Write(tokenBody(time.Now(), time.Now().Add(time.Hour), nil))
	}
	if err := k.Authorize(context.Background(), req); err == nil || !strings.Contains(err.Error(), "X-Subject-Token") {
		t.Fatalf("missing subject token: %v", err)
	}
	advance(time.Minute)
	// Garbage body.
	f.answer = func(_ int64, w http.ResponseWriter) {
		w.Header().Set("X-Subject-Token", "t")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "<html>")
	}
	if err := k.Authorize(context.Background(), req); err == nil || !strings.Contains(err.Error(), "decoding") {
		t.Fatalf("bad body: %v", err)
	}
	// A cancelled context comes back wrapped.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := k.Authorize(ctx, req); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestKeystoneWaiterSurvivesCancelledLeader(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	got1 := make(chan struct{})
	release := make(chan struct{})
	defer close(release)
	f := newFakeKeystone(t, nil)
	f.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := f.calls.Add(1)
		io.Copy(io.Discard, r.Body)
		if n == 1 {
			close(got1)
			select { // hang until the client gives up
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		w.Header().Set("X-Subject-Token", fmt.Sprint("tok-", n))
		w.WriteHeader(http.StatusCreated)
		w.Write(tokenBody(now, now.Add(time.Hour), nil))
	})
	k, err := NewKeystone(f.URL, KeystoneCredentials{UserID: "u", Password: NewSecret("pw")}, WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	leaderCtx, cancelLeader := context.WithCancel(context.Background())
	leaderErr := make(chan error, 1)
	go func() { _, err := k.TokenInfo(leaderCtx); leaderErr <- err }()
	<-got1
	waiterErr := make(chan error, 1)
	waiterReq, _ := http.NewRequest("GET", "http://x/", nil)
	go func() { waiterErr <- k.Authorize(context.Background(), waiterReq) }()
	time.Sleep(20 * time.Millisecond) // let the waiter join the request in flight
	cancelLeader()
	if err := <-leaderErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("leader: %v", err)
	}
	if err := <-waiterErr; err != nil {
		t.Fatalf("waiter: %v", err)
	}
	if got := waiterReq.Header.Get("X-Auth-Token"); got != "tok-2" {
		t.Fatalf("waiter token %q", got)
	}
}

func TestKeystoneUserAgentAndClient(t *testing.T) {
	now := time.Now()
	f := newFakeKeystone(t, tokenBody(now, now.Add(time.Hour), nil))
	hc := &http.Client{Transport: http.DefaultTransport}
	k, err := NewKeystone(f.URL, KeystoneCredentials{Token: NewSecret("tok")}, WithUserAgent("migrator/1.0"), WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.TokenInfo(context.Background()); err != nil {
		t.Fatal(err)
	}
	if ua := f.headers[0].Get("User-Agent"); ua != "migrator/1.0 cloudmigrate-go/"+cloudmigrate.Version {
		t.Fatalf("User-Agent %q", ua)
	}
}
