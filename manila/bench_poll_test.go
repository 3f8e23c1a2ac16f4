package manila_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-cleanhttp"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/benchkit"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/manila"
)

// The BenchmarkPoll... benchmarks make the dearest poll of a migration
// handle, the one that confirms the end of the first phase, and their
// ...Plain twins send the same requests with net/http and encoding/json
// to the same loopback server in the same run. Both report the requests
// one poll sent (req/poll).

const (
	benchPollVersion = "2.99"
	benchDestHost    = "manila-share-2@netapp1"
	benchDestPool    = "manila-share-2@netapp1#aggr1"
	benchServerURI   = "/v2/" + project + "/share-servers/" + destID
	benchShareURI    = "/v2/" + project + "/shares/" + shareID
	benchInstURI     = benchShareURI + "/instances"
)

var benchAnswerHeader = http.Header{
	"Content-Type":                   {"application/json"},
	"X-Openstack-Manila-Api-Version": {benchPollVersion},
	"X-Openstack-Request-Id":         {"req-bench"},
}

// countRequests counts every request h gets in n.
func countRequests(h http.Handler, n *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h.ServeHTTP(w, r)
	})
}

// benchPollServer answers what the confirming polls ask: the progress of
// serverID at phase 1 done, the destination share server on
// benchDestHost, the share shareID at phase 1 done and its instances,
// the copy on benchDestPool.
func benchPollServer(b *testing.B, n *atomic.Int64) *httptest.Server {
	mux := http.NewServeMux()
	mux.Handle("POST "+benchAction, benchkit.Answer("POST "+benchAction, benchAnswerHeader,
		[]byte(`{"total_progress": 100, "task_state": "migration_driver_phase1_done", "destination_share_server_id": "`+destID+`"}`)))
	mux.Handle("GET "+benchServerURI, benchkit.Answer("GET "+benchServerURI, benchAnswerHeader,
		[]byte(`{"share_server": {"id": "`+destID+`", "project_id": "`+project+`", "status": "server_migrating_to",
		"host": "`+benchDestHost+`", "share_network_id": "n1", "share_network_name": "n1",
		"created_at": "2025-03-04T10:20:30.000000", "updated_at": null, "backend_details": {},
		"task_state": "migration_driver_phase1_done", "source_share_server_id": "`+serverID+`"}}`)))
	mux.Handle("GET "+benchShareURI, benchkit.Answer("GET "+benchShareURI, benchAnswerHeader,
		[]byte(`{"share": {"id": "`+shareID+`", "status": "migrating", "size": 1, "share_proto": "NFS",
		"host": "manila-share-1@netapp1#aggr0", "task_state": "migration_driver_phase1_done", "metadata": {},
		"created_at": "2025-03-04T10:20:30.000000", "is_public": false}}`)))
	mux.Handle("GET "+benchInstURI, benchkit.Answer("GET "+benchInstURI, benchAnswerHeader,
		[]byte(`{"share_instances": [
		{"id": "i1", "share_id": "`+shareID+`", "host": "manila-share-1@netapp1#aggr0", "status": "migrating", "share_server_id": null},
		{"id": "i2", "share_id": "`+shareID+`", "host": "`+benchDestPool+`", "status": "migrating_to", "share_server_id": null}]}`)))
	return benchkit.Serve(b, countRequests(mux, n))
}

func benchPollClient(b *testing.B, srv *httptest.Server) *manila.Client {
	c, err := manila.NewClient(srv.URL+"/v2/"+project, auth.StaticToken(benchToken),
		cloudmigrate.WithHTTPClient(cleanhttp.DefaultPooledClient()), cloudmigrate.WithMicroversion(benchPollVersion))
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkPollStartMigration resumes a share-server migration handle and
// polls it once: the progress, then the destination share server.
func BenchmarkPollStartMigration(b *testing.B) {
	var n atomic.Int64
	srv := benchPollServer(b, &n)
	c := benchPollClient(b, srv)
	token := jobs.Token{Service: "manila", Kind: "share-server-migration", Endpoint: c.Endpoint(),
		Resources: []string{serverID}, Target: benchDestHost, Started: time.Unix(1718000000, 0)}.Encode()
	ctx := context.Background()
	b.ReportAllocs()
	n.Store(0)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		op, err := c.ResumeMigration(token)
		if err != nil {
			b.Fatal(err)
		}
		if st, err := op.Poll(ctx); err != nil || st.State != jobs.Succeeded {
			b.Fatal(st, err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(n.Load())/float64(b.N), "req/poll")
}

// BenchmarkPollStartMigrationPlain is the same poll by hand: the progress
// action, the GET of the destination it names, its host checked.
func BenchmarkPollStartMigrationPlain(b *testing.B) {
	var n atomic.Int64
	srv := benchPollServer(b, &n)
	hc := cleanhttp.DefaultPooledClient()
	post := benchkit.Header("", benchToken, true)
	post[auth.HeaderManilaAPIVersion] = []string{benchPollVersion}
	post[auth.HeaderManilaAPIExperimental] = []string{"True"}
	get := benchkit.Header("", benchToken, false)
	get[auth.HeaderManilaAPIVersion] = []string{benchPollVersion}
	b.ReportAllocs()
	n.Store(0)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		body, err := json.Marshal(map[string]any{"migration_get_progress": nil})
		if err != nil {
			b.Fatal(err)
		}
		var p manila.MigrationProgress
		benchkit.Do(b, hc, http.MethodPost, srv.URL+benchAction, post, body, &p)
		if !p.TaskState.PhaseOneDone() || p.DestinationShareServerID != destID {
			b.Fatal(p)
		}
		var d struct {
			ShareServer manila.ShareServer `json:"share_server"`
		}
		benchkit.Do(b, hc, http.MethodGet, srv.URL+benchServerURI, get, nil, &d)
		if d.ShareServer.Host != benchDestHost || d.ShareServer.SourceShareServerID != serverID {
			b.Fatal(d.ShareServer)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(n.Load())/float64(b.N), "req/poll")
}

// BenchmarkPollStartShareMigration resumes a per-share migration handle
// and polls it once: the share, then its instances.
func BenchmarkPollStartShareMigration(b *testing.B) {
	var n atomic.Int64
	srv := benchPollServer(b, &n)
	c := benchPollClient(b, srv)
	token := jobs.Token{Service: "manila", Kind: "share-migration", Endpoint: c.Endpoint(),
		Resources: []string{shareID}, Target: benchDestPool, Started: time.Unix(1718000000, 0)}.Encode()
	ctx := context.Background()
	b.ReportAllocs()
	n.Store(0)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		op, err := c.ResumeShareMigration(token)
		if err != nil {
			b.Fatal(err)
		}
		if st, err := op.Poll(ctx); err != nil || st.State != jobs.Succeeded {
			b.Fatal(st, err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(n.Load())/float64(b.N), "req/poll")
}

// BenchmarkPollStartShareMigrationPlain is the same poll by hand.
func BenchmarkPollStartShareMigrationPlain(b *testing.B) {
	var n atomic.Int64
	srv := benchPollServer(b, &n)
	hc := cleanhttp.DefaultPooledClient()
	get := benchkit.Header("", benchToken, false)
	get[auth.HeaderManilaAPIVersion] = []string{benchPollVersion}
	b.ReportAllocs()
	n.Store(0)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var s struct {
			Share manila.Share `json:"share"`
		}
		benchkit.Do(b, hc, http.MethodGet, srv.URL+benchShareURI, get, nil, &s)
		if !s.Share.TaskState.PhaseOneDone() {
			b.Fatal(s.Share)
		}
		var insts struct {
			Instances []struct {
				Host   string `json:"host"`
				Status string `json:"status"`
			} `json:"share_instances"`
		}
		benchkit.Do(b, hc, http.MethodGet, srv.URL+benchInstURI, get, nil, &insts)
		found := false
		for _, in := range insts.Instances {
			found = found || (in.Status == "migrating_to" && in.Host == benchDestPool)
		}
		if !found {
			b.Fatal(insts)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(n.Load())/float64(b.N), "req/poll")
}

// BenchmarkResumeMigration parses and checks a share-server migration's
// resume token, destination included, as ResumeMigration does; it sends
// nothing.
func BenchmarkResumeMigration(b *testing.B) {
	c, err := manila.NewClient("https://manila.example.com:8786/v2/"+project, auth.StaticToken(benchToken))
	if err != nil {
		b.Fatal(err)
	}
	token := jobs.Token{Service: "manila", Kind: "share-server-migration", Endpoint: c.Endpoint(),
		Resources: []string{serverID}, Source: "manila-share-1@netapp1", Target: benchDestHost, Microversion: "2.99",
		Started: time.Unix(1718000000, 0), Extra: map[string]string{"destination": destID}}.Encode()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.ResumeMigration(token); err != nil {
			b.Fatal(err)
		}
	}
}
