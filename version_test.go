package cloudmigrate_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/ecs"
)

func TestVersionIsSemantic(t *testing.T) {
	if !regexp.MustCompile(`^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$`).MatchString(cloudmigrate.Version) {
		t.Fatalf("Version %q is not a semantic version", cloudmigrate.Version)
	}
}

// TestUserAgentCarriesVersion checks that both kinds of request the SDK
// sends, a service call through the pipeline and a Keystone token
// request, name the module's Version after the application's own product.
func TestUserAgentCarriesVersion(t *testing.T) {
	var (
		mu     sync.Mutex
		agents = map[string]string{}
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		agents[r.Method+" "+r.URL.Path] = r.Header.Get("User-Agent")
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/v3/auth/tokens":
			w.Header().Set("X-Subject-Token", "tok-1")
			w.WriteHeader(http.StatusCreated)
			expires := time.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04:05.000000Z")
			w.Write([]byte(`{"token":{"methods":["token"],"expires_at":"` + expires + `","catalog":[]}}`))
		case r.Method == http.MethodGet && r.URL.Path == "/v1/p1/jobs/j1":
			w.Write([]byte(`{"job_id":"j1","job_type":"migrateServer","status":"RUNNING"}`))
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()

	k, err := auth.NewKeystone(srv.URL+"/v3", auth.KeystoneCredentials{Token: auth.NewSecret("t0")}, auth.WithUserAgent("ops-bot/3"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := ecs.NewClient(srv.URL, "p1", k, cloudmigrate.WithUserAgent("ops-bot/3"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetJob(context.Background(), "j1"); err != nil {
		t.Fatal(err)
	}
	want := "ops-bot/3 cloudmigrate-go/" + cloudmigrate.Version
	for _, call := range []string{"POST /v3/auth/tokens", "GET /v1/p1/jobs/j1"} {
		got, seen := agents[call]
		switch {
		case !seen:
			t.Errorf("%s was not sent", call)
		case got != want:
			t.Errorf("%s: User-Agent %q, want %q", call, got, want)
		}
	}
}
