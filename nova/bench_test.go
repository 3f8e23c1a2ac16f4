package nova_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/benchkit"
	"github.com/cloudmigrate/cloudmigrate/nova"
)

// benchServer answers every request with the 2.80 migrations-index sample,
// the way nova does.
func benchServer(b *testing.B) *httptest.Server {
	return benchkit.Reply(b, "", http.Header{
		"Content-Type":                 {"application/json"},
		"Openstack-Api-Version":        {"compute 2.80"},
		"X-Openstack-Nova-Api-Version": {"2.80"},
		"X-Openstack-Request-Id":       {reqID},
	}, sample(b, "server-migrations/v2.80/migrations-index.json"))
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
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := benchkit.NewRequest(b, http.MethodGet, url, nil, nil)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", benchkit.UserAgent)
		req.Header.Set("OpenStack-API-Version", "compute 2.80")
		req.Header.Set("X-OpenStack-Nova-API-Version", "2.80")
		req.Header.Set("X-Auth-Token", "tok-123")
		var out struct {
			Migrations []nova.Migration `json:"migrations"`
		}
		benchkit.Send(b, hc, req, &out)
		if len(out.Migrations) != 1 || out.Migrations[0].ID != 1 {
			b.Fatal(out)
		}
	}
}
