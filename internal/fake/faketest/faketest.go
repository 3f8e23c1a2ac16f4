// Package faketest holds what the tests of the fakes share: the checks
// every Huawei fake (ecstest, ccetest, modelartstest) runs on its IAM token
// endpoint, the check of an error answer, and wait options that drive a
// fake's clock.
package faketest

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/fake"
	"github.com/cloudmigrate/cloudmigrate/jobs"
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
	if cred.Username == "" || cred.UserDomainName == "" || !cred.Password.IsSet() || cred.ProjectID != project ||
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

// APIError asserts that err is a *cloudmigrate.Error with status and code,
// a message, and a request ID that starts with idPrefix and goes on after
// it, and returns it.
func APIError(t testing.TB, err error, status int, code, idPrefix string) *cloudmigrate.Error {
	t.Helper()
	var e *cloudmigrate.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *cloudmigrate.Error", err, err)
	}
	if e.StatusCode != status || e.Code != code {
		t.Errorf("got %d %q (%s), want %d %q", e.StatusCode, e.Code, e.Message, status, code)
	}
	if !strings.HasPrefix(e.RequestID, idPrefix) || len(e.RequestID) <= len(idPrefix) {
		t.Errorf("request ID %q, want one starting with %q", e.RequestID, idPrefix)
	}
	if e.Message == "" {
		t.Errorf("error without a message: %+v", e)
	}
	return e
}

// Stepping returns wait options that poll every 1 to 2 ms and move clock
// by step after every poll, and the statuses seen so far.
func Stepping(clock *fake.Clock, step time.Duration) ([]jobs.Option, *[]jobs.Status) {
	var seen []jobs.Status
	return []jobs.Option{
		jobs.WithInterval(time.Millisecond, 2*time.Millisecond),
		jobs.WithProgress(func(st jobs.Status) {
			seen = append(seen, st)
			clock.Advance(step)
		}),
	}, &seen
}
