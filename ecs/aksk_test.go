package ecs

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
)

// Access and secret key of the shared signing vectors
// (shared/fixtures/huawei-signing/vectors.json; invented credentials).
const (
	vectorAK = "HPUAEXAMPLEAKID00001"
	vectorSK = "ExAmPlEsEcReTkEy0000000000000000000000001"
)

// With a real AK/SK signer every request is signed, and X-Project-Id is
// among the signed headers.
func TestAKSKSignsProjectHeader(t *testing.T) {
	now := time.Date(2025, 3, 15, 8, 15, 32, 0, time.UTC)
	signer := auth.NewAKSK(vectorAK, vectorSK, auth.WithClock(func() time.Time { return now }))
	verifier := &auth.AKSKVerifier{
		SecretKey: func(ak string) (string, bool) { return vectorSK, ak == vectorAK },
		Now:       func() time.Time { return now },
	}

	mt := httpmock.NewMockTransport()
	c, err := NewClient(testEndpoint, testProject, signer, cloudmigrate.WithHTTPClient(&http.Client{Transport: mt}))
	if err != nil {
		t.Fatal(err)
	}

	var checked int
	check := func(req *http.Request) {
		checked++
		authz := req.Header.Get("Authorization")
		if !strings.HasPrefix(authz, "SDK-HMAC-SHA256 Access="+vectorAK+", SignedHeaders=") {
			t.Errorf("%s: Authorization = %q", req.Method, authz)
		}
		if got := req.Header.Get("X-Sdk-Date"); got != "20250315T081532Z" {
			t.Errorf("%s: X-Sdk-Date = %q", req.Method, got)
		}
		signed := ""
		if _, rest, ok := strings.Cut(authz, "SignedHeaders="); ok {
			signed, _, _ = strings.Cut(rest, ",")
		}
		names := strings.Split(signed, ";")
		if !contains(names, "x-project-id") || !contains(names, "x-sdk-date") {
			t.Errorf("%s: SignedHeaders = %q, want x-project-id and x-sdk-date among them", req.Method, signed)
		}
		if req.Header.Get("X-Auth-Token") != "" {
			t.Errorf("%s: AK/SK request also carries X-Auth-Token", req.Method)
		}
		if ak, err := verifier.Verify(req); err != nil || ak != vectorAK {
			t.Errorf("%s: signature does not verify: %v", req.Method, err)
		}
		// Another project ID would break the signature: the header is covered.
		forged := req.Clone(req.Context())
		forged.Header.Set("X-Project-Id", "ffffffffffffffffffffffffffffffff")
		if req.GetBody != nil {
			forged.Body, _ = req.GetBody()
		}
		if _, err := verifier.Verify(forged); !errors.Is(err, auth.ErrSignatureMismatch) {
			t.Errorf("%s: changing X-Project-Id after signing: err = %v, want ErrSignatureMismatch", req.Method, err)
		}
	}
	mt.RegisterResponder(http.MethodPost, migrateURL, jsonResponder(200, testdata(t, "migrate_response.json"), "", check))
	mt.RegisterResponder(http.MethodGet, jobURL, jsonResponder(200, testdata(t, "job_success.json"), "", check))
	mt.RegisterResponder(http.MethodGet, serverURL, jsonResponder(200, testdata(t, "server_on_deh.json"), "", check))

	ctx := context.Background()
	if _, err := c.ColdMigrate(ctx, testServer, &ColdMigrateOptions{DedicatedHostID: testHost}); err != nil {
		t.Fatalf("ColdMigrate: %v", err)
	}
	if _, err := c.ColdMigrate(ctx, testServer, nil); err != nil {
		t.Fatalf("ColdMigrate: %v", err)
	}
	if _, err := c.GetJob(ctx, testJob); err != nil {
		t.Fatalf("GetJob: %v", err)
	}
	// Two reads of the server, two starts, one job.
	if checked != 5 {
		t.Errorf("checked %d requests, want 5", checked)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
