package manila_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/go-cleanhttp"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
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

// benchProgressServer answers the share-server progress action with the
// api-ref sample, and anything else with 404, so both benchmarks can only
// pass by sending the same request.
func benchProgressServer(b *testing.B) *httptest.Server {
	body, err := os.ReadFile(filepath.Join("testdata", "share-server-migration", "share-server-migration-get-progress-response.json"))
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.Method != http.MethodPost || r.RequestURI != benchAction ||
			r.Header.Get(auth.HeaderManilaAPIVersion) != benchVersion {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h["Content-Type"] = []string{"application/json"}
		h["X-Openstack-Manila-Api-Version"] = []string{benchVersion}
		h["X-Compute-Request-Id"] = []string{"req-bench"}
		_, _ = w.Write(body)
	}))
	b.Cleanup(srv.Close)
	return srv
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
	header := http.Header{
		"Content-Type": {"application/json"},
		"Accept":       {"application/json"},
		"User-Agent":   {"cloudmigrate-go/0.1.0"},
		"X-Auth-Token": {benchToken},
		// The two headers of an experimental Manila call.
		auth.HeaderManilaAPIVersion:      {benchVersion},
		auth.HeaderManilaAPIExperimental: {"True"},
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf, err := json.Marshal(map[string]any{"migration_get_progress": nil})
		if err != nil {
			b.Fatal(err)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(buf))
		if err != nil {
			b.Fatal(err)
		}
		for k, v := range header {
			req.Header[k] = v
		}
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var p manila.MigrationProgress
		err = json.NewDecoder(resp.Body).Decode(&p)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || p.TotalProgress != 50 || p.DestinationShareServerID != destID {
			b.Fatalf("status %d: %v %v", resp.StatusCode, p, err)
		}
	}
}
