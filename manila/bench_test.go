package manila_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hashicorp/go-cleanhttp"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/benchkit"
	"github.com/cloudmigrate/cloudmigrate/manila"
)

// BenchmarkGetMigrationProgress and its ...Plain twin send the same
// migration_get_progress action to the same loopback server, once through
// the SDK and once with net/http and encoding/json alone, so their ratio in
// one run is what the SDK adds.

const (
	benchToken   = "gAAAAABbench-token"
	benchVersion = "2.57"
	benchAction  = "/v2/" + project + "/share-servers/" + serverID + "/action"
)

// benchProgressServer answers the share-server progress action, sent with
// the pinned microversion, with the api-ref sample, and anything else with
// 404, so both benchmarks can only pass by sending the same request.
func benchProgressServer(b *testing.B) *httptest.Server {
	reply := benchkit.Answer("", http.Header{
		"Content-Type":                   {"application/json"},
		"X-Openstack-Manila-Api-Version": {benchVersion},
		"X-Compute-Request-Id":           {"req-bench"},
	}, benchkit.Testdata(b, "share-server-migration/share-server-migration-get-progress-response.json"))
	return benchkit.Serve(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.RequestURI != benchAction ||
			r.Header.Get(auth.HeaderManilaAPIVersion) != benchVersion {
			http.NotFound(w, r)
			return
		}
		reply.ServeHTTP(w, r)
	}))
}

// BenchmarkGetMigrationProgress polls the progress of a share-server
// migration through the SDK with the microversion pinned, so nothing is
// discovered inside the loop.
func BenchmarkGetMigrationProgress(b *testing.B) {
	srv := benchProgressServer(b)
	c, err := manila.NewClient(srv.URL+"/v2/"+project, auth.StaticToken(benchToken),
		cloudmigrate.WithHTTPClient(cleanhttp.DefaultPooledClient()))
	if err != nil {
		b.Fatal(err)
	}
	if c, err = c.WithMicroversion(benchVersion); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, err := c.GetMigrationProgress(ctx, serverID)
		if err != nil || p.TotalProgress != 50 || p.DestinationShareServerID != destID {
			b.Fatal(p, err)
		}
	}
}

// BenchmarkGetMigrationProgressPlain is the same POST by hand: the same
// body, the same two microversion headers, the same result type.
func BenchmarkGetMigrationProgressPlain(b *testing.B) {
	srv := benchProgressServer(b)
	hc := cleanhttp.DefaultPooledClient()
	url := srv.URL + benchAction
	header := benchkit.Header("", benchToken, true)
	// The two headers of an experimental Manila call.
	header[auth.HeaderManilaAPIVersion] = []string{benchVersion}
	header[auth.HeaderManilaAPIExperimental] = []string{"True"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf, err := json.Marshal(map[string]any{"migration_get_progress": nil})
		if err != nil {
			b.Fatal(err)
		}
		var p manila.MigrationProgress
		benchkit.Do(b, hc, http.MethodPost, url, header, buf, &p)
		if p.TotalProgress != 50 || p.DestinationShareServerID != destID {
			b.Fatal(p)
		}
	}
}
