package nova_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/nova"
)

// benchServer answers every request with the 2.80 migrations-index sample,
// the way nova does.
func benchServer(b *testing.B) *httptest.Server {
	body := sample(b, "server-migrations/v2.80/migrations-index.json")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h["Content-Type"] = []string{"application/json"}
		h["Openstack-Api-Version"] = []string{"compute 2.80"}
		h["X-Openstack-Nova-Api-Version"] = []string{"2.80"}
		h["X-Openstack-Request-Id"] = []string{reqID}
		_, _ = w.Write(body)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// BenchmarkListServerMigrations measures the SDK path: version check,
// headers, authorization, the request pipeline and decoding.
func BenchmarkListServerMigrations(b *testing.B) {
	srv := benchServer(b)
	c, err := nova.NewClient(srv.URL+"/v2.1", auth.StaticToken("tok-123"),
		cloudmigrate.WithHTTPClient(srv.Client()), cloudmigrate.WithMicroversion("2.80"))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		migs, err := c.ListServerMigrations(ctx, serverID)
		if err != nil || len(migs) != 1 || migs[0].ID != 1 {
			b.Fatalf("%v %v", migs, err)
		}
	}
}

// BenchmarkListServerMigrationsPlain is the same GET written by hand with
// net/http and encoding/json: same headers, same client, same target type.
func BenchmarkListServerMigrationsPlain(b *testing.B) {
	srv := benchServer(b)
	hc := srv.Client()
	url := srv.URL + "/v2.1/servers/" + serverID + "/migrations"
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", "cloudmigrate-go/0.1.0")
		req.Header.Set("OpenStack-API-Version", "compute 2.80")
		req.Header.Set("X-OpenStack-Nova-API-Version", "2.80")
		req.Header.Set("X-Auth-Token", "tok-123")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var out struct {
			Migrations []nova.Migration `json:"migrations"`
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || len(out.Migrations) != 1 || out.Migrations[0].ID != 1 {
			b.Fatalf("%d %v", resp.StatusCode, err)
		}
	}
}
