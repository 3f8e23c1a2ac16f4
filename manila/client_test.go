package manila

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
)

// keystoneServer issues one token whose catalog lists manila under
// shareType (with endpoint url) next to nova.
func keystoneServer(t *testing.T, shareType, url string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v3/auth/tokens" {
			http.NotFound(w, r)
			return
		}
		calls.Add(1)
		w.Header().Set("X-Subject-Token", "ks-token")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"token": {"methods": ["password"], "expires_at": "2099-01-01T00:00:00.000000Z",
			"issued_at": "2026-01-01T00:00:00.000000Z",
			"user": {"id": "u1", "name": "admin", "domain": {"id": "default", "name": "Default"}},
			"project": {"id": "` + testProject + `", "name": "admin", "domain": {"id": "default", "name": "Default"}},
			"roles": [{"id": "r1", "name": "admin"}],
			"catalog": [
				{"type": "compute", "name": "nova", "id": "c1", "endpoints": [
					{"id": "e1", "interface": "public", "region": "RegionOne", "region_id": "RegionOne", "url": "https://nova.example.com/v2.1"}]},
				{"type": "` + shareType + `", "name": "manilav2", "id": "s1", "endpoints": [
					{"id": "e2", "interface": "public", "region": "RegionOne", "region_id": "RegionOne", "url": "` + url + `"},
					{"id": "e3", "interface": "internal", "region": "RegionOne", "region_id": "RegionOne", "url": "http://10.0.0.1:8786/v2/` + testProject + `"}]}
			]}}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func TestNewClientFromKeystone(t *testing.T) {
	for _, typ := range []string{"sharev2", "shared-file-system"} {
		f := sampleServer(t)
		ks, calls := keystoneServer(t, typ, f.endpoint())
		k, err := auth.NewKeystone(ks.URL+"/v3", auth.KeystoneCredentials{
			UserID: "u1", Password: auth.NewSecret("secret"), ProjectID: testProject,
		})
		if err != nil {
			t.Fatal(err)
		}
		c, err := NewClientFromKeystone(context.Background(), k, "RegionOne", "", cloudmigrate.WithMicroversion("2.57"))
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		if c.Endpoint() != f.endpoint() {
			t.Errorf("%s: endpoint %q, want %q", typ, c.Endpoint(), f.endpoint())
		}
		if err := c.CancelMigration(context.Background(), testServerID); err != nil {
			t.Fatal(err)
		}
		r := f.requests()[0]
		if r.Header.Get("X-Auth-Token") != "ks-token" || r.Path != actionPath(testServerID) {
			t.Errorf("%s: sent %s with token %q", typ, r.Path, r.Header.Get("X-Auth-Token"))
		}
		if calls.Load() != 1 {
			t.Errorf("%s: %d token requests, want 1", typ, calls.Load())
		}
	}
}

func TestNewClientFromKeystoneNoManila(t *testing.T) {
	ks, _ := keystoneServer(t, "volumev3", "https://cinder.example.com/v3")
	k, err := auth.NewKeystone(ks.URL, auth.KeystoneCredentials{UserID: "u1", Password: auth.NewSecret("secret"), ProjectID: testProject})
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewClientFromKeystone(context.Background(), k, "", "public")
	if !errors.Is(err, auth.ErrEndpointNotFound) || !strings.Contains(err.Error(), "sharev2") {
		t.Errorf("err = %v, want ErrEndpointNotFound naming sharev2", err)
	}
	//lint:ignore SA1012 testing the nil check
	if _, err := NewClientFromKeystone(nil, k, "", ""); err == nil { //nolint:staticcheck
		t.Error("nil ctx accepted")
	}
	if _, err := NewClientFromKeystone(context.Background(), nil, "", ""); err == nil {
		t.Error("nil Keystone accepted")
	}
}

func TestMicroversionNilContext(t *testing.T) {
	f := sampleServer(t)
	//lint:ignore SA1012 testing the nil check
	if _, err := newNegotiating(t, f).Microversion(nil); err == nil { //nolint:staticcheck
		t.Error("nil ctx accepted")
	}
}
