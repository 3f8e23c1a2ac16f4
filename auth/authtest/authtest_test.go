package authtest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/auth/authtest"
	"github.com/cloudmigrate/cloudmigrate/internal/rest"
)

func TestTokenAndCatalog(t *testing.T) {
	ks := authtest.NewServer(authtest.WithCatalog(authtest.Service{Type: "compute", URL: "https://nova.example.com/v2.1"}))
	defer ks.Close()
	authz, err := ks.Authorizer()
	if err != nil {
		t.Fatal(err)
	}
	url, err := authz.Endpoint(context.Background(), auth.ServiceTypeCompute, "", "")
	if err != nil || url != "https://nova.example.com/v2.1" {
		t.Fatalf("endpoint %q, %v", url, err)
	}
	req, _ := http.NewRequest(http.MethodGet, "https://nova.example.com/v2.1/servers", nil)
	if err := authz.Authorize(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if !ks.Accepts(req) || ks.TokensIssued() != 1 || ks.Calls(authtest.OpIssueToken) != 1 {
		t.Errorf("accepts %v, issued %d", ks.Accepts(req), ks.TokensIssued())
	}
	ks.ExpireTokens()
	if ks.Accepts(req) {
		t.Error("expired token accepted")
	}
}

func TestWrongPasswordIsAKeystoneError(t *testing.T) {
	ks := authtest.NewServer()
	defer ks.Close()
	cred := ks.Credentials()
	cred.Password = auth.NewSecret("wrong")
	authz, err := auth.NewKeystone(ks.AuthURL(), cred)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, "https://x.example.com/", nil)
	err = authz.Authorize(context.Background(), req)
	var apiErr *cloudmigrate.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.Code != "Unauthorized" || apiErr.RequestID == "" {
		t.Fatalf("err = %#v", err)
	}
}

func TestApplicationCredential(t *testing.T) {
	ks := authtest.NewServer(authtest.WithApplicationCredential("ac-1", "s3cret"))
	defer ks.Close()
	authz, err := auth.NewKeystone(ks.AuthURL(), auth.KeystoneCredentials{ApplicationCredentialID: "ac-1", ApplicationCredentialSecret: auth.NewSecret("s3cret")})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, "https://x.example.com/", nil)
	if err := authz.Authorize(context.Background(), req); err != nil || !ks.Accepts(req) {
		t.Fatalf("%v", err)
	}
}

// A service guarded by the fake's tokens: 100 goroutines meet an expired
// token at once and the pipeline renews it exactly once.
func TestOneRenewalForManyGoroutines(t *testing.T) {
	ks := authtest.NewServer()
	defer ks.Close()
	var served atomic.Int32
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !ks.Accepts(r) {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error": {"code": 401, "title": "Unauthorized", "message": "expired"}}`)
			return
		}
		served.Add(1)
		fmt.Fprint(w, `{}`)
	}))
	defer svc.Close()
	authz, _ := ks.Authorizer()
	rc, err := rest.New(svc.URL, authz, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rc.Do(context.Background(), &rest.Request{Method: "GET", Path: "/x"}); err != nil {
		t.Fatal(err)
	}
	ks.ExpireTokens()
	var wg sync.WaitGroup
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := rc.Do(context.Background(), &rest.Request{Method: "GET", Path: "/x"}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if ks.TokensIssued() != 2 {
		t.Errorf("%d tokens issued, want the first and exactly one renewal", ks.TokensIssued())
	}
	if served.Load() != 101 {
		t.Errorf("served %d", served.Load())
	}
}

func ExampleNewServer() {
	ks := authtest.NewServer(authtest.WithCatalog(authtest.Service{Type: "compute", URL: "https://nova.example.com/v2.1"}))
	defer ks.Close()

	authz, err := auth.NewKeystone(ks.AuthURL(), ks.Credentials())
	if err != nil {
		panic(err)
	}
	endpoint, err := authz.Endpoint(context.Background(), auth.ServiceTypeCompute, authtest.DefaultRegion, auth.InterfacePublic)
	fmt.Println(endpoint, err)
	fmt.Println("tokens issued:", ks.TokensIssued())
	// Output:
	// https://nova.example.com/v2.1 <nil>
	// tokens issued: 1
}
