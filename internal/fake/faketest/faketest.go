// Package faketest holds the checks that every Huawei fake (ecstest,
// ccetest, modelartstest) runs on its IAM token endpoint.
package faketest

import (
	"context"
	"net/http"
	"testing"

	"github.com/cloudmigrate/cloudmigrate/auth"
)

// IAMServer is the part of a Huawei fake that serves IAM tokens.
type IAMServer interface {
	URL() string
	IAMURL() string
	IAMCredentials() auth.KeystoneCredentials
	IAMAuthorizer() *auth.Keystone
	TokensIssued() int
}

// TokenOf returns the token ks sends, fetching it first if needed.
func TokenOf(t testing.TB, ks *auth.Keystone) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://token.invalid/", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ks.Authorize(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	return req.Header.Get("X-Auth-Token")
}

// CheckIAMCredentials checks a fresh srv that serves project: its IAM URL
// is URL()+"/v3", its credentials are a complete password login scoped to
// project, and the authorizer it hands out gets exactly one token, scoped
// to project.
func CheckIAMCredentials(t testing.TB, srv IAMServer, project string) {
	t.Helper()
	if got, want := srv.IAMURL(), srv.URL()+"/v3"; got != want {
		t.Errorf("IAMURL %q, want %q", got, want)
	}
	cred := srv.IAMCredentials()
	if cred.Username == "" || cred.UserDomainName == "" || cred.Password == "" || cred.ProjectID != project ||
		cred.Method() != "password" || cred.Validate() != nil {
		t.Errorf("IAMCredentials %v", cred)
	}
	info, err := srv.IAMAuthorizer().TokenInfo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.ProjectID != project {
		t.Errorf("token scoped to %q, want %s", info.ProjectID, project)
	}
	if n := srv.TokensIssued(); n != 1 {
		t.Errorf("TokensIssued %d, want 1", n)
	}
}
