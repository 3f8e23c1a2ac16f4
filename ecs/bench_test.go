package ecs_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hashicorp/go-cleanhttp"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/ecs"
	"github.com/cloudmigrate/cloudmigrate/internal/benchkit"
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

// benchAnswer is the header ECS answers with.
var benchAnswer = http.Header{
	"Content-Type": {"application/json;charset=UTF-8"},
	"X-Request-Id": {"bench-request"},
}

func benchClient(b *testing.B, srv *httptest.Server) *ecs.Client {
	c, err := ecs.NewClient(srv.URL, benchProject, auth.StaticToken(benchToken),
		cloudmigrate.WithHTTPClient(cleanhttp.DefaultPooledClient()))
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkColdMigrate starts a cold migration to a dedicated host through
// the SDK: validation, body encoding, headers, authorization, the pipeline
// and decoding of the {"job_id": ...} answer.
func BenchmarkColdMigrate(b *testing.B) {
	srv := benchkit.Reply(b, "POST "+benchMigratePath, benchAnswer, benchkit.Testdata(b, "migrate_response.json"))
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
	srv := benchkit.Reply(b, "POST "+benchMigratePath, benchAnswer, benchkit.Testdata(b, "migrate_response.json"))
	hc := cleanhttp.DefaultPooledClient()
	url := srv.URL + benchMigratePath
	header := benchkit.Header(benchProject, benchToken, true)
	body := ecs.ColdMigrateRequest{Migrate: &ecs.MigrateTarget{DedicatedHostID: benchHost}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf, err := json.Marshal(&body)
		if err != nil {
			b.Fatal(err)
		}
		var res ecs.ColdMigrateResult
		benchkit.Do(b, hc, http.MethodPost, url, header, buf, &res)
		if res.JobID != benchJobID {
			b.Fatal(res)
		}
	}
}

// BenchmarkGetJob reads a running job with two sub-jobs
// (testdata/job_running.json) through the SDK.
func BenchmarkGetJob(b *testing.B) {
	srv := benchkit.Reply(b, "GET "+benchJobPath, benchAnswer, benchkit.Testdata(b, "job_running.json"))
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
	srv := benchkit.Reply(b, "GET "+benchJobPath, benchAnswer, benchkit.Testdata(b, "job_running.json"))
	hc := cleanhttp.DefaultPooledClient()
	url := srv.URL + benchJobPath
	header := benchkit.Header(benchProject, benchToken, false)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var job ecs.Job
		benchkit.Do(b, hc, http.MethodGet, url, header, nil, &job)
		if job.Status != ecs.JobRunning || len(job.Entities.SubJobs) != 2 {
			b.Fatal(job)
		}
	}
}
