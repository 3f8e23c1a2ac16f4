package modelarts_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-cleanhttp"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/benchkit"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/modelarts"
)

// Each SDK benchmark below has a ...Plain twin that sends the same request
// to the same loopback server with net/http and encoding/json alone, so the
// ratio of the two in one run is what the SDK adds.

const (
	benchPool    = "pool-9d3f-6f5da086876d4cd084d36f8bd3346036"
	benchJob     = "66798666-6778-443f-9f8a-56c9ea6d719c"
	benchToken   = "MIIbench-token"
	benchPageLen = 100

	benchMigratePath = "/v2/" + testProject + "/pools/" + benchPool + "/nodes/batch-migrate"
	benchNodesURI    = "/v2/" + testProject + "/pools/" + benchPool + "/nodes?limit=100"
	// benchJobsURI is the look at the source pool's jobs that comes before
	// every start.
	benchJobsURI = "/v2/" + testProject + "/jobs?limit=500&name=" + benchPool + "&resource=pools"

	benchTarget      = "pool-target-0000"
	benchJobURI      = "/v2/" + testProject + "/jobs/" + benchJob
	benchTargetNodes = "/v2/" + testProject + "/pools/" + benchTarget + "/nodes?limit=500"
)

// benchNoJobs is the job list of a pool where nothing runs.
var benchNoJobs = []byte(`{"count":0,"items":[]}`)

// countRequests wraps h so that every request it receives is counted in n.
func countRequests(h http.Handler, n *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h.ServeHTTP(w, r)
	})
}

// benchMigrateServer answers the look at the source pool's jobs and the
// start of the seed's migration.
func benchMigrateServer(b *testing.B) *httptest.Server {
	mux := http.NewServeMux()
	mux.Handle("GET /v2/{project}/jobs", benchkit.Answer("GET "+benchJobsURI, benchAnswer, benchNoJobs))
	mux.Handle("POST "+benchMigratePath, benchkit.Answer("POST "+benchMigratePath, benchAnswer,
		benchkit.Testdata(b, "batch_migrate_response.json")))
	return benchkit.Serve(b, mux)
}

// benchAnswer is the header ModelArts answers with.
var benchAnswer = http.Header{
	"Content-Type": {"application/json"},
	"X-Request-Id": {"bench-request"},
}

// benchSeedRequest is the seed's example request (testdata/batch_migrate_request.json).
func benchSeedRequest(b *testing.B) *modelarts.BatchMigrateOptions {
	var req modelarts.BatchMigrateOptions
	if err := json.Unmarshal(benchkit.Testdata(b, "batch_migrate_request.json"), &req); err != nil {
		b.Fatal(err)
	}
	return &req
}

// benchNodePage is one page of benchPageLen nodes of the documented shape,
// with no continue token.
func benchNodePage() []byte {
	var sb strings.Builder
	sb.WriteString(`{"apiVersion":"v2","kind":"NodeList","metadata":{"continue":"","remainingItemCount":0},"items":[`)
	for i := range benchPageLen {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(nodeJSON(fmt.Sprintf("os-node-created-%05d", i), "Available"))
	}
	sb.WriteString(`]}`)
	return []byte(sb.String())
}

func benchClient(b *testing.B, srv *httptest.Server) *modelarts.Client {
	c, err := modelarts.NewClient(srv.URL, testProject, auth.StaticToken(benchToken),
		cloudmigrate.WithHTTPClient(cleanhttp.DefaultPooledClient()))
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkBatchMigrateNodes starts the seed's cross-pool migration
// through the SDK: request validation, the look at the source pool's jobs
// (one GET), encoding, headers, the pipeline, decoding of the job ID and
// the handle.
func BenchmarkBatchMigrateNodes(b *testing.B) {
	srv := benchMigrateServer(b)
	c := benchClient(b, srv)
	req := benchSeedRequest(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		op, err := c.BatchMigrateNodes(ctx, benchPool, req)
		if err != nil || op.ID() != benchJob {
			b.Fatal(op, err)
		}
	}
}

// BenchmarkBatchMigrateNodesPlain is BenchmarkBatchMigrateNodes by hand:
// the same GET of the pool's jobs, decoded and searched for a running
// job, then the same request value marshalled and posted with the same
// headers.
func BenchmarkBatchMigrateNodesPlain(b *testing.B) {
	srv := benchMigrateServer(b)
	hc := cleanhttp.DefaultPooledClient()
	jobsURL, url := srv.URL+benchJobsURI, srv.URL+benchMigratePath
	getHeader := benchkit.Header(testProject, benchToken, false)
	header := benchkit.Header(testProject, benchToken, true)
	req := benchSeedRequest(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var list struct {
			Items []*modelarts.Job `json:"items"`
		}
		benchkit.Do(b, hc, http.MethodGet, jobsURL, getHeader, nil, &list)
		for _, j := range list.Items {
			if j != nil && j.Phase == modelarts.JobRunning {
				b.Fatal("a job is running")
			}
		}
		buf, err := json.Marshal(req)
		if err != nil {
			b.Fatal(err)
		}
		var res struct {
			JobID string `json:"job_id"`
		}
		benchkit.Do(b, hc, http.MethodPost, url, header, buf, &res)
		if res.JobID != benchJob {
			b.Fatal(res)
		}
	}
}

// benchMovedNodes are the nodes the poll benchmarks find in the target
// pool; benchNodePage lists them among its 100.
var benchMovedNodes = []string{"os-node-created-00007", "os-node-created-00042"}

// benchPollServer answers the final poll of a migration: the job by ID
// (Success) and one page of the target pool's nodes. Every request it
// gets is counted in n.
func benchPollServer(b *testing.B, n *atomic.Int64) *httptest.Server {
	mux := http.NewServeMux()
	mux.Handle("GET "+benchJobURI, benchkit.Answer("GET "+benchJobURI, benchAnswer,
		[]byte(`{"jobId":"`+benchJob+`","type":"migrate-node","phase":"Success","startTimestamp":1718000000000,"endTimestamp":1718000210000}`)))
	mux.Handle("GET /v2/{project}/pools/{pool}/nodes", benchkit.Answer("GET "+benchTargetNodes, benchAnswer, benchNodePage()))
	return benchkit.Serve(b, countRequests(mux, n))
}

// benchPollToken is the resume token of a migration of benchMovedNodes
// from benchPool to benchTarget by job benchJob.
func benchPollToken(b *testing.B, c *modelarts.Client) string {
	tok := jobs.Token{
		Service: "modelarts", Kind: "batch-migrate-nodes", Endpoint: c.Endpoint(), Project: c.ProjectID(),
		Resources: benchMovedNodes, ID: benchJob, Source: benchPool, Target: benchTarget,
		Started: time.Unix(1718000000, 0),
	}
	return tok.Encode()
}

// BenchmarkPollBatchMigrateNodes resumes a migration handle and polls it
// once: the poll that finds the job succeeded and confirms the nodes in
// the target pool, the dearest a poll gets (GET of the job, GET of a page
// of 100 nodes). It reports the requests each poll sent (req/poll).
func BenchmarkPollBatchMigrateNodes(b *testing.B) {
	var n atomic.Int64
	srv := benchPollServer(b, &n)
	c := benchClient(b, srv)
	token := benchPollToken(b, c)
	ctx := context.Background()
	b.ReportAllocs()
	n.Store(0)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		op, err := c.ResumeNodeMigration(token)
		if err != nil {
			b.Fatal(err)
		}
		st, err := op.Poll(ctx)
		if err != nil || st.State != jobs.Succeeded {
			b.Fatal(st, err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(n.Load())/float64(b.N), "req/poll")
}

// BenchmarkPollBatchMigrateNodesPlain is BenchmarkPollBatchMigrateNodes by
// hand: the same two GETs, the job's phase checked, the page searched for
// the moved nodes, Available.
func BenchmarkPollBatchMigrateNodesPlain(b *testing.B) {
	var n atomic.Int64
	srv := benchPollServer(b, &n)
	hc := cleanhttp.DefaultPooledClient()
	jobURL, nodesURL := srv.URL+benchJobURI, srv.URL+benchTargetNodes
	header := benchkit.Header(testProject, benchToken, false)
	b.ReportAllocs()
	n.Store(0)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var job modelarts.Job
		benchkit.Do(b, hc, http.MethodGet, jobURL, header, nil, &job)
		if job.Phase != modelarts.JobSuccess {
			b.Fatal(job.Phase)
		}
		var page struct {
			Metadata struct {
				Continue string `json:"continue"`
			} `json:"metadata"`
			Items []*modelarts.Node `json:"items"`
		}
		benchkit.Do(b, hc, http.MethodGet, nodesURL, header, nil, &page)
		arrived := 0
		for _, node := range page.Items {
			if node != nil && slices.Contains(benchMovedNodes, node.Name()) && node.Status.Phase == modelarts.NodeAvailable {
				arrived++
			}
		}
		if arrived != len(benchMovedNodes) || page.Metadata.Continue != "" {
			b.Fatalf("%d nodes arrived", arrived)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(n.Load())/float64(b.N), "req/poll")
}

// BenchmarkListPoolNodes lists one page of 100 nodes through the SDK
// iterator, consuming every node.
func BenchmarkListPoolNodes(b *testing.B) {
	srv := benchkit.Reply(b, "GET "+benchNodesURI, benchAnswer, benchNodePage())
	c := benchClient(b, srv)
	opts := &modelarts.ListPoolNodesOptions{PageSize: benchPageLen}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := 0
		for node, err := range c.ListPoolNodes(ctx, benchPool, opts) {
			if err != nil {
				b.Fatal(err)
			}
			if node.Status.Phase == modelarts.NodeAvailable {
				n++
			}
		}
		if n != benchPageLen {
			b.Fatalf("%d nodes", n)
		}
	}
}

// BenchmarkListPoolNodesPlain is BenchmarkListPoolNodes by hand: the same
// GET with ?limit=100, decoded into a page of the same *modelarts.Node.
func BenchmarkListPoolNodesPlain(b *testing.B) {
	srv := benchkit.Reply(b, "GET "+benchNodesURI, benchAnswer, benchNodePage())
	hc := cleanhttp.DefaultPooledClient()
	url := srv.URL + benchNodesURI
	header := benchkit.Header(testProject, benchToken, false)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var page struct {
			Metadata struct {
				Continue string `json:"continue"`
			} `json:"metadata"`
			Items []*modelarts.Node `json:"items"`
		}
		benchkit.Do(b, hc, http.MethodGet, url, header, nil, &page)
		n := 0
		for _, node := range page.Items {
			if node != nil && node.Status.Phase == modelarts.NodeAvailable {
				n++
			}
		}
		if n != benchPageLen || page.Metadata.Continue != "" {
			b.Fatalf("%d nodes", n)
		}
	}
}

// BenchmarkResumeNodeMigration parses and checks a migration's resume
// token and builds the handle, sending nothing.
func BenchmarkResumeNodeMigration(b *testing.B) {
	c, err := modelarts.NewClient("https://modelarts.cn-north-4.myhuaweicloud.com", testProject, auth.StaticToken(benchToken))
	if err != nil {
		b.Fatal(err)
	}
	token := benchPollToken(b, c)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.ResumeNodeMigration(token); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMigrationResumeToken encodes a migration handle's resume token.
func BenchmarkMigrationResumeToken(b *testing.B) {
	c, err := modelarts.NewClient("https://modelarts.cn-north-4.myhuaweicloud.com", testProject, auth.StaticToken(benchToken))
	if err != nil {
		b.Fatal(err)
	}
	op, err := c.ResumeNodeMigration(benchPollToken(b, c))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := op.ResumeToken(); err != nil {
			b.Fatal(err)
		}
	}
}
