package ecs_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/go-cleanhttp"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/ecs"
	"github.com/cloudmigrate/cloudmigrate/internal/benchkit"
	"github.com/cloudmigrate/cloudmigrate/jobs"
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
	benchServerPath  = "/v1/" + benchProject + "/cloudservers/" + benchServerID
	benchActionPath  = "/v1/" + benchProject + "/cloudservers/action"
	benchDetailPath  = "/v1/" + benchProject + "/cloudservers/detail?limit=1&offset=1&server_id=" + benchServerID
)

// routes answers each "METHOD request-URI" in answers with its body (and
// 404 anything else), counting the requests it serves.
type routes struct {
	answers map[string][]byte
	n       atomic.Int64
}

func (rt *routes) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt.n.Add(1)
	key := r.Method + " " + r.RequestURI
	body, ok := rt.answers[key]
	if !ok {
		http.NotFound(w, r)
		return
	}
	benchkit.Answer(key, benchAnswer, body).ServeHTTP(w, r)
}

// serve starts a loopback server for answers and returns it with its
// routes.
func serve(b *testing.B, answers map[string][]byte) (*httptest.Server, *routes) {
	rt := &routes{answers: answers}
	return benchkit.Serve(b, rt), rt
}

// reportRequests reports the requests rt served per iteration.
func reportRequests(b *testing.B, rt *routes) {
	b.ReportMetric(float64(rt.n.Load())/float64(b.N), "req/poll")
}

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
// the SDK: validation, the read of the server that comes first, body
// encoding, headers, authorization, the pipeline and decoding of the
// {"job_id": ...} answer into a handle.
func BenchmarkColdMigrate(b *testing.B) {
	srv, _ := serve(b, map[string][]byte{
		"GET " + benchServerPath:   benchkit.Testdata(b, "server_on_deh.json"),
		"POST " + benchMigratePath: benchkit.Testdata(b, "migrate_response.json"),
	})
	c := benchClient(b, srv)
	opts := &ecs.ColdMigrateOptions{DedicatedHostID: benchHost}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		op, err := c.ColdMigrate(ctx, benchServerID, opts)
		if err != nil || op.ID() != benchJobID {
			b.Fatal(op, err)
		}
	}
}

// BenchmarkColdMigratePlain is BenchmarkColdMigrate by hand: the same GET
// and POST, headers and body, decoded into the same types.
func BenchmarkColdMigratePlain(b *testing.B) {
	srv, _ := serve(b, map[string][]byte{
		"GET " + benchServerPath:   benchkit.Testdata(b, "server_on_deh.json"),
		"POST " + benchMigratePath: benchkit.Testdata(b, "migrate_response.json"),
	})
	hc := cleanhttp.DefaultPooledClient()
	getHeader := benchkit.Header(benchProject, benchToken, false)
	postHeader := benchkit.Header(benchProject, benchToken, true)
	body := ecs.ColdMigrateRequest{Migrate: &ecs.MigrateTarget{DedicatedHostID: benchHost}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var got struct{ Server ecs.Server }
		benchkit.Do(b, hc, http.MethodGet, srv.URL+benchServerPath, getHeader, nil, &got)
		if got.Server.Status != ecs.ServerShutoff {
			b.Fatal(got.Server.Status)
		}
		buf, err := json.Marshal(&body)
		if err != nil {
			b.Fatal(err)
		}
		var res struct {
			JobID string `json:"job_id"`
		}
		benchkit.Do(b, hc, http.MethodPost, srv.URL+benchMigratePath, postHeader, buf, &res)
		if res.JobID != benchJobID {
			b.Fatal(res)
		}
	}
}

// migrationToken is the resume token of a migration of benchServerID to
// the host the server of testdata/server_on_deh.json is on, so that a poll
// after the job's SUCCESS finds it there.
func migrationToken(b *testing.B, c *ecs.Client) string {
	t := jobs.Token{Service: "ecs", Kind: "cold-migrate", Endpoint: c.Endpoint(), Project: benchProject,
		Resources: []string{benchServerID}, ID: benchJobID, Target: "6f5da086-876d-4cd0-84d3-6f8bd3346036"}
	return t.Encode()
}

// BenchmarkPollColdMigrate makes the costliest poll of a cold migration's
// handle: the job has ended with SUCCESS (testdata/job_success.json) and
// the server is read to check that it arrived. Each iteration rebuilds
// the handle from its token (which sends nothing) and polls it once.
func BenchmarkPollColdMigrate(b *testing.B) {
	srv, rt := serve(b, map[string][]byte{
		"GET " + benchJobPath:    benchkit.Testdata(b, "job_success.json"),
		"GET " + benchServerPath: benchkit.Testdata(b, "server_on_deh.json"),
	})
	c := benchClient(b, srv)
	tok := migrationToken(b, c)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		op, err := c.ResumeColdMigration(tok)
		if err != nil {
			b.Fatal(err)
		}
		if st, err := op.Poll(ctx); err != nil || st.State != jobs.Succeeded {
			b.Fatal(st, err)
		}
	}
	b.StopTimer()
	reportRequests(b, rt)
}

// BenchmarkPollColdMigratePlain is that poll by hand: the same two GETs,
// decoded into the same types, and the same checks.
func BenchmarkPollColdMigratePlain(b *testing.B) {
	srv, rt := serve(b, map[string][]byte{
		"GET " + benchJobPath:    benchkit.Testdata(b, "job_success.json"),
		"GET " + benchServerPath: benchkit.Testdata(b, "server_on_deh.json"),
	})
	hc := cleanhttp.DefaultPooledClient()
	header := benchkit.Header(benchProject, benchToken, false)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var job ecs.Job
		benchkit.Do(b, hc, http.MethodGet, srv.URL+benchJobPath, header, nil, &job)
		if job.Status != ecs.JobSuccess {
			b.Fatal(job.Status)
		}
		var got struct{ Server ecs.Server }
		benchkit.Do(b, hc, http.MethodGet, srv.URL+benchServerPath, header, nil, &got)
		if got.Server.DedicatedHostID() != "6f5da086-876d-4cd0-84d3-6f8bd3346036" || got.Server.TaskState != "" {
			b.Fatal(got.Server.SchedulerHints)
		}
	}
	b.StopTimer()
	reportRequests(b, rt)
}

// stopAnswers are a stop job that has ended with SUCCESS and the listing
// of its one server, stopped.
func stopAnswers(b *testing.B) map[string][]byte {
	var doc map[string]map[string]any
	if err := json.Unmarshal(benchkit.Testdata(b, "server_on_deh.json"), &doc); err != nil {
		b.Fatal(err)
	}
	list, err := json.Marshal(map[string]any{"count": 1, "servers": []any{doc["server"]}})
	if err != nil {
		b.Fatal(err)
	}
	return map[string][]byte{
		"GET " + benchJobPath:    benchkit.Testdata(b, "job_success.json"),
		"GET " + benchDetailPath: list,
	}
}

// BenchmarkPollStopServers makes the costliest poll of a StopServers
// handle: the job has ended with SUCCESS and the servers are listed to
// check that they are SHUTOFF. Each iteration rebuilds the handle from its
// token and polls it once.
func BenchmarkPollStopServers(b *testing.B) {
	srv, rt := serve(b, stopAnswers(b))
	c := benchClient(b, srv)
	tok := jobs.Token{Service: "ecs", Kind: "stop-servers", Endpoint: c.Endpoint(), Project: benchProject,
		Resources: []string{benchServerID}, ID: benchJobID}.Encode()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		op, err := c.ResumeServerAction(tok)
		if err != nil {
			b.Fatal(err)
		}
		if st, err := op.Poll(ctx); err != nil || st.State != jobs.Succeeded {
			b.Fatal(st, err)
		}
	}
	b.StopTimer()
	reportRequests(b, rt)
}

// BenchmarkPollStopServersPlain is that poll by hand: the job, then the
// listing by server_id, decoded into the same types, and the same checks.
func BenchmarkPollStopServersPlain(b *testing.B) {
	srv, rt := serve(b, stopAnswers(b))
	hc := cleanhttp.DefaultPooledClient()
	header := benchkit.Header(benchProject, benchToken, false)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var job ecs.Job
		benchkit.Do(b, hc, http.MethodGet, srv.URL+benchJobPath, header, nil, &job)
		if job.Status != ecs.JobSuccess {
			b.Fatal(job.Status)
		}
		var page struct {
			Count   int          `json:"count"`
			Servers []ecs.Server `json:"servers"`
		}
		benchkit.Do(b, hc, http.MethodGet, srv.URL+benchDetailPath, header, nil, &page)
		if len(page.Servers) != 1 || page.Servers[0].ID != benchServerID || page.Servers[0].Status != ecs.ServerShutoff {
			b.Fatal(page)
		}
	}
	b.StopTimer()
	reportRequests(b, rt)
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
