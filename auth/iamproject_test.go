package auth_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/ecs"
	"github.com/cloudmigrate/cloudmigrate/ecs/ecstest"
	"github.com/cloudmigrate/cloudmigrate/internal/fake"
	"github.com/cloudmigrate/cloudmigrate/internal/huawei/regions"
)

func TestLookupProjectIDOnTheFake(t *testing.T) {
	srv := ecstest.NewServer()
	defer srv.Close()
	ctx := context.Background()

	for _, c := range []struct {
		name     string
		endpoint string
		authz    auth.Authorizer
	}{
		{"AK/SK, root URL", srv.URL(), srv.Authorizer()},
		{"AK/SK, v3 URL", srv.URL() + "/v3/", srv.Authorizer()},
		{"IAM token", srv.IAMURL(), srv.IAMAuthorizer()},
	} {
		id, err := auth.LookupProjectID(ctx, c.endpoint, c.authz, fake.HuaweiRegion)
		if err != nil || id != srv.ProjectID() {
			t.Errorf("%s: %q, %v; want %q", c.name, id, err, srv.ProjectID())
		}
	}
	if n := srv.Calls(fake.OpListProjects); n != 3 {
		t.Errorf("%d project lists, want 3", n)
	}

	// The ID found is the one the service accepts.
	id, err := auth.LookupProjectID(ctx, srv.URL(), srv.Authorizer(), fake.HuaweiRegion)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ecs.NewClient(srv.URL(), id, srv.Authorizer())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetJob(ctx, "ff80808288d41e1b018a4d2e1f4c0001"); !cloudmigrate.IsNotFound(err) {
		t.Fatalf("GetJob with the ID found: %v", err)
	}

	_, err = auth.LookupProjectID(ctx, srv.URL(), srv.Authorizer(), "cn-north-4")
	if !errors.Is(err, auth.ErrProjectNotFound) || !strings.Contains(err.Error(), `"cn-north-4"`) {
		t.Errorf("other region: %v", err)
	}

	_, err = auth.LookupProjectID(ctx, srv.URL(), auth.NewAKSK(srv.AccessKey(), "not-the-secret-key"), fake.HuaweiRegion)
	var apiErr *cloudmigrate.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized || apiErr.Code != "APIGW.0301" {
		t.Errorf("wrong key: %v", err)
	}
}

// iamStub is a loopback IAM that records the requests it gets and
// answers with answer.
type iamStub struct {
	*httptest.Server
	mu     sync.Mutex
	reqs   []*http.Request
	answer func(w http.ResponseWriter, r *http.Request)
}

func newIAMStub(t *testing.T, answer func(w http.ResponseWriter, r *http.Request)) *iamStub {
	s := &iamStub{answer: answer}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.reqs = append(s.reqs, r.Clone(context.Background()))
		s.mu.Unlock()
		s.answer(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *iamStub) requests() []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*http.Request(nil), s.reqs...)
}

func projectsAnswer(body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	}
}

const (
	stubAK = "HPUAEXAMPLEAKID00001"
	stubSK = "stub-secret-key-0123456789"
)

func TestLookupProjectIDRequest(t *testing.T) {
	iam := newIAMStub(t, projectsAnswer(`{"links": {"self": "x", "previous": null, "next": null}, "projects": [
		{"id": "11112222333344445555666677778888", "name": "cn-north-4_sub", "enabled": true},
		{"id": "0a1b2c3d4e5f60718293a4b5c6d7e8f9", "name": "cn-north-4", "enabled": true, "is_domain": false}]}`))
	id, err := auth.LookupProjectID(context.Background(), iam.URL+"/iam/", auth.NewAKSK(stubAK, stubSK), "cn-north-4",
		auth.WithUserAgent("migrator/1.2"))
	if err != nil || id != "0a1b2c3d4e5f60718293a4b5c6d7e8f9" {
		t.Fatalf("%q, %v", id, err)
	}
	reqs := iam.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodGet || r.URL.Path != "/iam/v3/projects" || r.URL.RawQuery != "name=cn-north-4" {
		t.Errorf("request %s %s", r.Method, r.URL)
	}
	if a := r.Header.Get("Authorization"); !strings.HasPrefix(a, "SDK-HMAC-SHA256 Access="+stubAK+",") {
		t.Errorf("Authorization %q", a)
	}
	if r.Header.Get("X-Sdk-Date") == "" || r.Header.Get("X-Project-Id") != "" {
		t.Errorf("headers %v", r.Header)
	}
	if ua := r.Header.Get("User-Agent"); !strings.HasPrefix(ua, "migrator/1.2 ") {
		t.Errorf("User-Agent %q", ua)
	}
	// The signature covers exactly what was sent.
	v := &auth.AKSKVerifier{SecretKey: func(ak string) (string, bool) { return stubSK, ak == stubAK }}
	if _, err := v.Verify(r); err != nil {
		t.Errorf("signature: %v", err)
	}
}

func TestLookupProjectIDAnswers(t *testing.T) {
	for _, c := range []struct {
		name   string
		answer func(http.ResponseWriter, *http.Request)
		check  func(t *testing.T, err error)
	}{
		{"none", projectsAnswer(`{"projects": []}`), func(t *testing.T, err error) {
			if !errors.Is(err, auth.ErrProjectNotFound) {
				t.Error(err)
			}
		}},
		{"only a sub-project", projectsAnswer(`{"projects": [{"id": "1111", "name": "cn-north-4_sub"}]}`), func(t *testing.T, err error) {
			if !errors.Is(err, auth.ErrProjectNotFound) {
				t.Error(err)
			}
		}},
		{"two", projectsAnswer(`{"projects": [{"id": "aaaa1111", "name": "cn-north-4"}, {"id": "bbbb2222", "name": "cn-north-4"}]}`), func(t *testing.T, err error) {
			if err == nil || errors.Is(err, auth.ErrProjectNotFound) || !strings.Contains(err.Error(), "aaaa1111, bbbb2222") {
				t.Error(err)
			}
		}},
		{"malformed ID", projectsAnswer(`{"projects": [{"id": "../x", "name": "cn-north-4"}]}`), func(t *testing.T, err error) {
			if err == nil || !strings.Contains(err.Error(), "malformed ID") {
				t.Error(err)
			}
		}},
		{"not JSON", projectsAnswer(`<html>`), func(t *testing.T, err error) {
			if err == nil || !strings.Contains(err.Error(), "decoding") {
				t.Error(err)
			}
		}},
		{"refused, quoting the request", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Request-Id", "req-iam-1")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `{"error_code": "IAM.0002", "error_msg": "no permission for %s"}`, r.Header.Get("Authorization"))
		}, func(t *testing.T, err error) {
			var apiErr *cloudmigrate.Error
			if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusForbidden || apiErr.Code != "IAM.0002" ||
				apiErr.RequestID != "req-iam-1" || apiErr.Method != http.MethodGet {
				t.Fatal(err)
			}
			if strings.Contains(err.Error(), "Signature=") || strings.Contains(err.Error(), stubSK) {
				t.Errorf("error quotes the credentials: %v", err)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			iam := newIAMStub(t, c.answer)
			_, err := auth.LookupProjectID(context.Background(), iam.URL, auth.NewAKSK(stubAK, stubSK), "cn-north-4")
			c.check(t, err)
		})
	}
}

func TestLookupProjectIDRefusesBadInput(t *testing.T) {
	iam := newIAMStub(t, projectsAnswer(`{"projects": []}`))
	authz := auth.NewAKSK(stubAK, stubSK)
	ctx := context.Background()
	for _, c := range []struct {
		name     string
		ctx      context.Context
		endpoint string
		authz    auth.Authorizer
		region   string
		field    string
	}{
		{"nil context", nil, iam.URL, authz, "cn-north-4", "ctx"},
		{"empty region", ctx, iam.URL, authz, "", "region"},
		{"malformed region", ctx, iam.URL, authz, "cn-north-4&name=x", "region"},
		{"nil authorizer", ctx, iam.URL, nil, "cn-north-4", "authz"},
		{"no scheme", ctx, strings.TrimPrefix(iam.URL, "http://"), authz, "cn-north-4", "iamEndpoint"},
		{"query", ctx, iam.URL + "/?x=1", authz, "cn-north-4", "iamEndpoint"},
		{"user", ctx, strings.Replace(iam.URL, "http://", "http://u:p@", 1), authz, "cn-north-4", "iamEndpoint"},
	} {
		_, err := auth.LookupProjectID(c.ctx, c.endpoint, c.authz, c.region)
		var ve *cloudmigrate.ValidationError
		if !errors.As(err, &ve) || ve.Field != c.field {
			t.Errorf("%s: %v, want a ValidationError for %s", c.name, err, c.field)
		}
	}
	if n := len(iam.requests()); n != 0 {
		t.Errorf("%d requests sent for bad input", n)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := auth.LookupProjectID(cancelled, iam.URL, authz, "cn-north-4"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestIAMEndpoint(t *testing.T) {
	for _, r := range regions.IAM.Regions() {
		got, err := auth.IAMEndpoint(r)
		if err != nil || !strings.HasPrefix(got, "https://iam."+r+".myhuaweicloud.") {
			t.Errorf("%s: %q, %v", r, got, err)
		}
	}
	if got, _ := auth.IAMEndpoint("eu-west-101"); got != "https://iam.eu-west-101.myhuaweicloud.eu" {
		t.Errorf("eu-west-101: %q", got)
	}
	_, err := auth.IAMEndpoint("cn-south-4") // ECS and CCE serve it; the IAM list has no endpoint there
	var ve *cloudmigrate.ValidationError
	if !errors.As(err, &ve) || ve.Field != "region" || !strings.Contains(ve.Problem, "cn-north-4") {
		t.Errorf("unknown region: %v", err)
	}

	t.Setenv("HUAWEICLOUD_SDK_REGION_IAM_CN_SOUTH_4", "https://iam.cn-south-4.example.com")
	if got, err := auth.IAMEndpoint("cn-south-4"); err != nil || got != "https://iam.cn-south-4.example.com" {
		t.Errorf("region override: %q, %v", got, err)
	}
	t.Setenv(auth.EnvHuaweiIAMEndpoint, "iam.internal.example.com/")
	for _, r := range []string{"cn-north-4", "xx-private-1"} {
		if got, err := auth.IAMEndpoint(r); err != nil || got != "https://iam.internal.example.com" {
			t.Errorf("%s with %s: %q, %v", r, auth.EnvHuaweiIAMEndpoint, got, err)
		}
	}
	if _, err := auth.IAMEndpoint("CN-NORTH-4"); !errors.As(err, &ve) || ve.Field != "region" {
		t.Errorf("malformed region with %s: %v", auth.EnvHuaweiIAMEndpoint, err)
	}
	t.Setenv(auth.EnvHuaweiIAMEndpoint, "https://iam.example.com/?a=b")
	if _, err := auth.IAMEndpoint("cn-north-4"); !errors.As(err, &ve) || ve.Field != auth.EnvHuaweiIAMEndpoint {
		t.Errorf("malformed %s: %v", auth.EnvHuaweiIAMEndpoint, err)
	}
}

func ExampleIAMEndpoint() {
	endpoint, err := auth.IAMEndpoint("cn-north-4")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(endpoint)
	// Output: https://iam.cn-north-4.myhuaweicloud.com
}

func ExampleLookupProjectID() {
	// The fake serves IAM beside ECS, for the one region it pretends to
	// serve. On Huawei Cloud, region is yours (such as "cn-north-4"), the
	// endpoint auth.IAMEndpoint(region) and authz your AK/SK signer.
	srv := ecstest.NewServer()
	defer srv.Close()
	iamEndpoint, region, authz := srv.URL(), "xx-fake-1", srv.Authorizer()

	projectID, err := auth.LookupProjectID(context.Background(), iamEndpoint, authz, region)
	if err != nil {
		log.Fatal(err)
	}
	c, err := ecs.NewClient(srv.URL(), projectID, authz)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.ProjectID() == srv.ProjectID())
	// Output: true
}
