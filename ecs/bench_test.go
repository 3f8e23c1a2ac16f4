package ecs_test

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
	"github.com/cloudmigrate/cloudmigrate/ecs"
)

// Each SDK benchmark below has a ...Plain twin that sends the same request
// to the same loopback server with net/http and encoding/json alone, so the
// ratio of the two in one run is what the SDK adds.

const (
	benchProject  = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	benchServerID = "7a9e1c2b-3d4f-4a5b-8c6d-7e8f9a0b1c2d"
	benchHost     = "6f5da086-876d-4cd0-84d3-6f8bd3346036"
	benchJobID    = "ff80808288d41e1b018990260955686a"
	benchToken    = "MIIbench-token"

	benchMigratePath = "/v1/" + benchProject + "/cloudservers/" + benchServerID + "/migrate"
	benchJobPath     = "/v1/" + benchProject + "/jobs/" + benchJobID
)

// benchReply starts a loopback server that drains each request and answers
// body with status 200, as ECS does, when the method and request URI are
// want ("GET /v1/..."), and 404 otherwise, so an SDK and a hand-written
// benchmark can only pass by sending the same request.
func benchReply(b *testing.B, want string, body []byte) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.Method+" "+r.RequestURI != want {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h["Content-Type"] = []string{"application/json;charset=UTF-8"}
		h["X-Request-Id"] = []string{"bench-request"}
		_, _ = w.Write(body)
	}))
	b.Cleanup(srv.Close)
	return srv
}

func benchTestdata(b *testing.B, name string) []byte {
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func benchClient(b *testing.B, srv *httptest.Server) *ecs.Client {
	c, err := ecs.NewClient(srv.URL, benchProject, auth.StaticToken(benchToken),
		cloudmigrate.WithHTTPClient(cleanhttp.DefaultPooledClient()))
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// benchHeader is what the SDK sends with every request of these benchmarks.
func benchHeader(withBody bool) http.Header {
	h := http.Header{
		"Accept":       {"application/json"},
		"User-Agent":   {"cloudmigrate-go/0.1.0"},
		"X-Project-Id": {benchProject},
		"X-Auth-Token": {benchToken},
	}
	if withBody {
		h["Content-Type"] = []string{"application/json"}
	}
	return h
}

// benchDo sends one request by hand and decodes a 200 answer into out.
func benchDo(b *testing.B, hc *http.Client, method, url string, header http.Header, body []byte, out any) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, url, rd)
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
	err = json.NewDecoder(resp.Body).Decode(out)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("status %d: %v", resp.StatusCode, err)
	}
}

// BenchmarkColdMigrate starts a cold migration to a dedicated host through
// the SDK: validation, body encoding, headers, authorization, the pipeline
// and decoding of the {"job_id": ...} answer.
func BenchmarkColdMigrate(b *testing.B) {
	srv := benchReply(b, "POST "+benchMigratePath, benchTestdata(b, "migrate_response.json"))
	c := benchClient(b, srv)
	opts := &ecs.ColdMigrateOptions{DedicatedHostID: benchHost}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := c.ColdMigrate(ctx, benchServerID, opts)
		if err != nil || res.JobID != benchJobID {
			b.Fatal(res, err)
		}
	}
}

// BenchmarkColdMigratePlain is BenchmarkColdMigrate by hand: the same
// POST, headers and body, decoded into the same result type.
func BenchmarkColdMigratePlain(b *testing.B) {
	srv := benchReply(b, "POST "+benchMigratePath, benchTestdata(b, "migrate_response.json"))
	hc := cleanhttp.DefaultPooledClient()
	url := srv.URL + benchMigratePath
	header := benchHeader(true)
	body := ecs.ColdMigrateRequest{Migrate: &ecs.MigrateTarget{DedicatedHostID: benchHost}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf, err := json.Marshal(&body)
		if err != nil {
			b.Fatal(err)
		}
		var res ecs.ColdMigrateResult
		benchDo(b, hc, http.MethodPost, url, header, buf, &res)
		if res.JobID != benchJobID {
			b.Fatal(res)
		}
	}
}

// BenchmarkGetJob reads a running job with two sub-jobs
// (testdata/job_running.json) through the SDK.
func BenchmarkGetJob(b *testing.B) {
	srv := benchReply(b, "GET "+benchJobPath, benchTestdata(b, "job_running.json"))
	c := benchClient(b, srv)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		job, err := c.GetJob(ctx, benchJobID)
		if err != nil || job.Status != ecs.JobRunning || len(job.Entities.SubJobs) != 2 {
			b.Fatal(job, err)
		}
	}
}

// BenchmarkGetJobPlain is BenchmarkGetJob by hand, decoding into the same
// ecs.Job type (so both pay for its time parsing).
func BenchmarkGetJobPlain(b *testing.B) {
	srv := benchReply(b, "GET "+benchJobPath, benchTestdata(b, "job_running.json"))
	hc := cleanhttp.DefaultPooledClient()
	url := srv.URL + benchJobPath
	header := benchHeader(false)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var job ecs.Job
		benchDo(b, hc, http.MethodGet, url, header, nil, &job)
		if job.Status != ecs.JobRunning || len(job.Entities.SubJobs) != 2 {
			b.Fatal(job)
		}
	}
}
