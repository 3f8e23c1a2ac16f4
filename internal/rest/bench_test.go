package rest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hashicorp/go-cleanhttp"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/benchkit"
)

// benchJob is a 2 KiB job document shaped like the services' answers.
type benchJob struct {
	JobID     string `json:"job_id"`
	JobType   string `json:"job_type"`
	Status    string `json:"status"`
	BeginTime string `json:"begin_time"`
	EndTime   string `json:"end_time"`
	Entities  struct {
		ServerID     string `json:"server_id"`
		SubJobsTotal int    `json:"sub_jobs_total"`
		SubJobs      []struct {
			JobID    string `json:"job_id"`
			Status   string `json:"status"`
			Entities struct {
				ServerID string `json:"server_id"`
			} `json:"entities"`
		} `json:"sub_jobs"`
	} `json:"entities"`
}

func benchBody() []byte {
	var b strings.Builder
	b.WriteString(`{"job_id":"ff80808288d41e1b018990260955686a","job_type":"migrateServer","status":"RUNNING","begin_time":"2026-11-22T10:00:00.000Z","end_time":"","entities":{"server_id":"0b8ef3b8-5e0b-4b9b-8d1a-0b0b6a1b2c3d","sub_jobs_total":14,"sub_jobs":[`)
	for i := 0; i < 14; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"job_id":"ff80808288d41e1b01899026095568%02d","status":"RUNNING","entities":{"server_id":"0b8ef3b8-5e0b-4b9b-8d1a-0b0b6a1b2c%02d"}}`, i, i)
	}
	b.WriteString(`]}}`)
	return []byte(b.String())
}

func benchServer(b *testing.B) *httptest.Server {
	body := benchBody()
	if len(body) < 1900 || len(body) > 2200 {
		b.Fatalf("body is %d bytes, want about 2 KiB", len(body))
	}
	return benchkit.Reply(b, "", http.Header{"Content-Type": {"application/json"}}, body)
}

// BenchmarkPipelineGet is a GET through the SDK pipeline decoding 2 KiB.
func BenchmarkPipelineGet(b *testing.B) {
	srv := benchServer(b)
	c, err := New(srv.URL, auth.StaticToken("t"), []cloudmigrate.Option{cloudmigrate.WithHTTPClient(cleanhttp.DefaultPooledClient())})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var job benchJob
		if _, err := c.Do(ctx, &Request{Method: http.MethodGet, Path: "/v1/{project_id}/jobs/{job_id}", Params: []string{"p1", "j1"}, Out: &job}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPlainGet is the same request written by hand with net/http and
// encoding/json: the baseline the pipeline is compared with.
func BenchmarkPlainGet(b *testing.B) {
	srv := benchServer(b)
	hc := cleanhttp.DefaultPooledClient()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := benchkit.NewRequest(b, http.MethodGet, srv.URL+"/v1/p1/jobs/j1", nil, nil)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", "bench")
		req.Header.Set("X-Auth-Token", "t")
		var job benchJob
		benchkit.Send(b, hc, req, &job)
	}
}
