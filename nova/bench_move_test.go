package nova_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/benchkit"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/nova"
)

// The poll benchmarks follow a move nova reports under way, through its
// handle (the SDK) and by hand (net/http and encoding/json making the same
// request into the same type), against a loopback server that answers
// only that request. Each reports req/poll, the requests one poll sent.

var benchHeader = http.Header{
	"Content-Type":                 {"application/json"},
	"Openstack-Api-Version":        {"compute 2.80"},
	"X-Openstack-Nova-Api-Version": {"2.80"},
	"X-Openstack-Request-Id":       {reqID},
}

// countingServer serves benchkit.Answer(want, benchHeader, body) and
// counts the requests.
func countingServer(b *testing.B, want string, body []byte) (string, *http.Client, *atomic.Int64) {
	var n atomic.Int64
	h := benchkit.Answer(want, benchHeader, body)
	srv := benchkit.Serve(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h.ServeHTTP(w, r)
	}))
	return srv.URL, srv.Client(), &n
}

// benchHandle rebuilds the handle of a move of kind whose migration ID is
// known, as a resumed program would.
func benchHandle(b *testing.B, endpoint string, hc *http.Client, kind, server string) *jobs.Operation[*nova.MoveResult] {
	c, err := nova.NewClient(endpoint+"/v2.1", auth.StaticToken("tok-123"),
		cloudmigrate.WithHTTPClient(hc), cloudmigrate.WithMicroversion("2.80"))
	if err != nil {
		b.Fatal(err)
	}
	tok := jobs.Token{
		Service: "nova", Kind: kind, Endpoint: c.Endpoint(), Resources: []string{server},
		ID: map[string]string{"live-migration": "1", "migration": "4"}[kind], Microversion: "2.80",
		Source: "compute1", Started: time.Unix(1767225600, 0), Extra: map[string]string{"after": "0"},
	}
	op, err := c.ResumeMigration(tok.Encode())
	if err != nil {
		b.Fatal(err)
	}
	return op
}

func reportPolls(b *testing.B, n *atomic.Int64) {
	b.ReportMetric(float64(n.Load())/float64(b.N), "req/poll")
}

// BenchmarkPollLiveMigration polls a running live migration: one GET of
// the migration under its server per poll.
func BenchmarkPollLiveMigration(b *testing.B) {
	path := "/v2.1/servers/" + serverID + "/migrations/1"
	endpoint, hc, n := countingServer(b, "GET "+path, sample(b, "server-migrations/v2.80/migrations-get.json"))
	op := benchHandle(b, endpoint, hc, "live-migration", serverID)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	n.Store(0)
	for i := 0; i < b.N; i++ {
		st, err := op.Poll(ctx)
		if err != nil || st.State != jobs.Running || st.Progress != 9 {
			b.Fatalf("%+v %v", st, err)
		}
	}
	reportPolls(b, n)
}

// BenchmarkPollLiveMigrationPlain is the same GET by hand.
func BenchmarkPollLiveMigrationPlain(b *testing.B) {
	path := "/v2.1/servers/" + serverID + "/migrations/1"
	endpoint, hc, n := countingServer(b, "GET "+path, sample(b, "server-migrations/v2.80/migrations-get.json"))
	b.ReportAllocs()
	b.ResetTimer()
	n.Store(0)
	for i := 0; i < b.N; i++ {
		var out struct {
			Migration *nova.Migration `json:"migration"`
		}
		benchkit.Do(b, hc, http.MethodGet, endpoint+path, benchPlainHeader(), nil, &out)
		if out.Migration == nil || out.Migration.Status != nova.StatusRunning {
			b.Fatal(out)
		}
	}
	reportPolls(b, n)
}

func benchPlainHeader() http.Header {
	h := benchkit.Header("", "tok-123", false)
	h.Set("OpenStack-API-Version", "compute 2.80")
	h.Set("X-OpenStack-Nova-API-Version", "2.80")
	return h
}

// coldRecords is an /os-migrations answer with one cold migration under
// way, taken from the first record of nova's 2.80 sample.
func coldRecords(b *testing.B) []byte {
	var doc struct {
		Migrations []map[string]any `json:"migrations"`
	}
	if err := json.Unmarshal(sample(b, "os-migrations/v2.80/migrations-get.json"), &doc); err != nil || len(doc.Migrations) == 0 {
		b.Fatal(err)
	}
	rec := doc.Migrations[0]
	rec["migration_type"] = "migration"
	out, err := json.Marshal(map[string]any{"migrations": []any{rec}})
	if err != nil {
		b.Fatal(err)
	}
	return out
}

func coldQuery() string {
	return url.Values{"instance_uuid": {otherServer}, "migration_type": {"migration"}, "limit": {"10"}}.Encode()
}

// BenchmarkPollColdMigration polls a cold migration under way: one GET of
// /os-migrations, filtered by the server and kind, per poll.
func BenchmarkPollColdMigration(b *testing.B) {
	endpoint, hc, n := countingServer(b, "GET /v2.1/os-migrations?"+coldQuery(), coldRecords(b))
	op := benchHandle(b, endpoint, hc, "migration", otherServer)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	n.Store(0)
	for i := 0; i < b.N; i++ {
		st, err := op.Poll(ctx)
		if err != nil || st.State != jobs.Running || st.Word != "migrating" {
			b.Fatalf("%+v %v", st, err)
		}
	}
	reportPolls(b, n)
}

// BenchmarkPollColdMigrationPlain is the same GET by hand.
func BenchmarkPollColdMigrationPlain(b *testing.B) {
	endpoint, hc, n := countingServer(b, "GET /v2.1/os-migrations?"+coldQuery(), coldRecords(b))
	target := endpoint + "/v2.1/os-migrations?" + coldQuery()
	b.ReportAllocs()
	b.ResetTimer()
	n.Store(0)
	for i := 0; i < b.N; i++ {
		var out struct {
			Migrations []nova.Migration `json:"migrations"`
		}
		benchkit.Do(b, hc, http.MethodGet, target, benchPlainHeader(), nil, &out)
		if len(out.Migrations) != 1 || out.Migrations[0].ID != 4 {
			b.Fatal(out)
		}
	}
	reportPolls(b, n)
}

// BenchmarkMoveResumeToken measures ResumeToken of a live migration's
// handle: the token's fields and their encoding.
func BenchmarkMoveResumeToken(b *testing.B) {
	endpoint, hc, _ := countingServer(b, "", nil)
	op := benchHandle(b, endpoint, hc, "live-migration", serverID)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if tok, err := op.ResumeToken(); err != nil || len(tok) < 100 {
			b.Fatal(tok, err)
		}
	}
}

// BenchmarkResumeMigration measures ResumeMigration: parsing and checking
// a token and rebuilding the handle, which sends nothing.
func BenchmarkResumeMigration(b *testing.B) {
	endpoint, hc, n := countingServer(b, "", nil)
	op := benchHandle(b, endpoint, hc, "live-migration", serverID)
	tok, err := op.ResumeToken()
	if err != nil {
		b.Fatal(err)
	}
	c, err := nova.NewClient(endpoint+"/v2.1", auth.StaticToken("tok-123"), cloudmigrate.WithHTTPClient(hc), cloudmigrate.WithMicroversion("2.80"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if op, err := c.ResumeMigration(tok); err != nil || op.ID() != "1" {
			b.Fatal(err)
		}
	}
	if n.Load() != 0 {
		b.Fatalf("resuming sent %d requests", n.Load())
	}
}
