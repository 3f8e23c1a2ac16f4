package cce_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/cce"
	"github.com/cloudmigrate/cloudmigrate/internal/benchkit"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// The two benchmarks below make the costliest poll of a 200-node
// migration: the job answers Success, and the target cluster lists every
// node Active. The SDK resumes the handle from its token and polls it
// once; the baseline makes the same two requests by hand and checks the
// same things. Each reports the requests it sent per poll.

// pollServer answers the job and the target cluster's nodes, and counts
// the requests.
func pollServer(b *testing.B) (*httptest.Server, *atomic.Int64) {
	uids := benchUIDs()
	subs := make([]map[string]any, len(uids))
	items := make([]map[string]any, len(uids))
	for i, u := range uids {
		subs[i] = map[string]any{
			"kind": "Job", "apiVersion": "v3",
			"metadata": map[string]string{"uid": u + "-job", "creationTimestamp": "2026-01-02 03:04:05 +0000 UTC"},
			"spec":     map[string]string{"type": "MigrateNode", "clusterUID": benchSrc, "resourceID": u},
			"status":   map[string]string{"phase": "Success"},
		}
		items[i] = map[string]any{
			"kind": "Node", "apiVersion": "v3",
			"metadata": map[string]any{"uid": u, "name": "worker-" + u[:8],
				"annotations": map[string]string{"kubernetes.io/node-pool.id": "xx-fake-1a#c7.large.2#EulerOS 2.9"}},
			"spec":   map[string]any{"flavor": "c7.large.2", "az": "xx-fake-1a", "os": "EulerOS 2.9"},
			"status": map[string]string{"phase": "Active", "serverId": "server-" + u, "privateIP": "192.168.0.2"},
		}
	}
	job, err := json.Marshal(map[string]any{
		"kind": "Job", "apiVersion": "v3",
		"metadata": map[string]string{"uid": benchJob, "creationTimestamp": "2026-01-02 03:04:05 +0000 UTC"},
		"spec":     map[string]any{"type": "MigrateNodes", "clusterUID": benchSrc, "resourceID": benchSrc, "subJobs": subs},
		"status":   map[string]string{"phase": "Success"},
	})
	if err != nil {
		b.Fatal(err)
	}
	nodes, err := json.Marshal(map[string]any{"kind": "List", "apiVersion": "v3", "items": items})
	if err != nil {
		b.Fatal(err)
	}
	header := http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"bench"}}
	rt := route{
		"GET /api/v3/projects/" + benchProject + "/jobs/" + benchJob:                benchkit.Answer("", header, job),
		"GET /api/v3/projects/" + benchProject + "/clusters/" + benchDst + "/nodes": benchkit.Answer("", header, nodes),
	}
	var n atomic.Int64
	return benchkit.Serve(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		rt.ServeHTTP(w, r)
	})), &n
}

func BenchmarkPollMigrateNodes(b *testing.B) {
	srv, sent := pollServer(b)
	c, err := cce.NewClient(srv.URL, benchProject, auth.StaticToken(benchToken), cloudmigrate.WithHTTPClient(srv.Client()))
	if err != nil {
		b.Fatal(err)
	}
	tok := jobs.Token{
		Service: "cce", Kind: "migrate-nodes", Endpoint: c.Endpoint(), Project: benchProject,
		Resources: benchUIDs(), ID: benchJob, Source: benchSrc, Target: benchDst,
	}.Encode()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		op, err := c.ResumeNodeMigration(tok)
		if err != nil {
			b.Fatal(err)
		}
		st, err := op.Poll(ctx)
		if err != nil || st.State != jobs.Succeeded {
			b.Fatalf("poll: %v, %v", st, err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(sent.Load())/float64(b.N), "req/poll")
}

// plainJob is a job, reduced to what the hand-written code reads.
type plainJob struct {
	Status struct {
		Phase  string `json:"phase"`
		Reason string `json:"reason"`
	} `json:"status"`
}

func BenchmarkPollMigrateNodesPlain(b *testing.B) {
	srv, sent := pollServer(b)
	hc := srv.Client()
	header := benchkit.Header(benchProject, benchToken, false)
	jobURL := srv.URL + "/api/v3/projects/" + benchProject + "/jobs/" + benchJob
	nodesURL := srv.URL + "/api/v3/projects/" + benchProject + "/clusters/" + benchDst + "/nodes"
	uids := benchUIDs()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var job plainJob
		benchkit.Do(b, hc, http.MethodGet, jobURL, header, nil, &job)
		if job.Status.Phase != "Success" {
			b.Fatalf("job %s", job.Status.Phase)
		}
		var list plainList
		benchkit.Do(b, hc, http.MethodGet, nodesURL, header, nil, &list)
		active := make(map[string]bool, len(list.Items))
		for _, n := range list.Items {
			active[n.Metadata.UID] = n.Status.Phase == "Active"
		}
		for _, u := range uids {
			if !active[u] {
				b.Fatalf("node %s not Active in the target cluster", u)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(sent.Load())/float64(b.N), "req/poll")
}

// BenchmarkNodeMigrationToken writes and reads back the resume token of a
// 200-node migration, the largest a migration makes with CCE's UUIDs.
func BenchmarkNodeMigrationToken(b *testing.B) {
	tok := jobs.Token{
		Service: "cce", Kind: "migrate-nodes", Endpoint: "https://cce.cn-north-4.myhuaweicloud.com", Project: benchProject,
		Resources: benchUIDs(), ID: benchJob, Source: benchSrc, Target: benchDst,
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := tok.Encode()
		back, err := jobs.ParseToken(s)
		if err != nil || len(back.Resources) != 200 {
			b.Fatalf("%d nodes, %v", len(back.Resources), err)
		}
		if i == 0 {
			b.ReportMetric(float64(len(s)), "token-bytes")
		}
	}
}
