package modelarts_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hashicorp/go-cleanhttp"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/benchkit"
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
)

// benchAnswer is the header ModelArts answers with.
var benchAnswer = http.Header{
	"Content-Type": {"application/json"},
	"X-Request-Id": {"bench-request"},
}

// benchSeedRequest is the seed's example request (testdata/batch_migrate_request.json).
func benchSeedRequest(b *testing.B) *modelarts.BatchMigrateRequest {
	var req modelarts.BatchMigrateRequest
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

// BenchmarkBatchMigrateNodes sends the seed's cross-pool migration through
// the SDK: request validation, encoding, headers, the pipeline and
// decoding of the job ID.
func BenchmarkBatchMigrateNodes(b *testing.B) {
	srv := benchkit.Reply(b, "POST "+benchMigratePath, benchAnswer, benchkit.Testdata(b, "batch_migrate_response.json"))
	c := benchClient(b, srv)
	req := benchSeedRequest(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := c.BatchMigrateNodes(ctx, benchPool, req)
		if err != nil || res.JobID != benchJob {
			b.Fatal(res, err)
		}
	}
}

// BenchmarkBatchMigrateNodesPlain is BenchmarkBatchMigrateNodes by hand:
// the same request value marshalled, the same headers, the same result
// type.
func BenchmarkBatchMigrateNodesPlain(b *testing.B) {
	srv := benchkit.Reply(b, "POST "+benchMigratePath, benchAnswer, benchkit.Testdata(b, "batch_migrate_response.json"))
	hc := cleanhttp.DefaultPooledClient()
	url := srv.URL + benchMigratePath
	header := benchkit.Header(testProject, benchToken, true)
	req := benchSeedRequest(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf, err := json.Marshal(req)
		if err != nil {
			b.Fatal(err)
		}
		var res modelarts.BatchMigrateResult
		benchkit.Do(b, hc, http.MethodPost, url, header, buf, &res)
		if res.JobID != benchJob {
			b.Fatal(res)
		}
	}
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
