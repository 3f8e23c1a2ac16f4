package cce_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/cce"
	"github.com/cloudmigrate/cloudmigrate/internal/benchkit"
)

// The two benchmarks below send the same 200-node migration to the same
// loopback server, once through the SDK and once by hand with net/http and
// encoding/json, so their ratio is the SDK's overhead.

const (
	benchProject = "0970dd7a1300f5672ff2c003c60ae115"
	benchSrc     = "6951bd5c-45ed-11ea-a3ff-0255ac100b05"
	benchDst     = "7a02c1d4-45ed-11ea-a3ff-0255ac100b05"
	benchToken   = "MIIbenchmark-token"
	benchJob     = "2ec9b78d-9368-46f3-8f29-d1a95622a568"
)

func benchUIDs() []string {
	uids := make([]string, 200)
	for i := range uids {
		uids[i] = fmt.Sprintf("%08x-45ed-11ea-a3ff-0255ac100b05", i)
	}
	return uids
}

// benchServer answers the two node lists MigrateNodes reads (both empty:
// nothing is moving) and the migration itself with the task CCE would
// echo for the 200 nodes.
func benchServer(b *testing.B) *httptest.Server {
	type node struct {
		UID string `json:"uid"`
	}
	nodes := make([]node, 0, 200)
	for _, u := range benchUIDs() {
		nodes = append(nodes, node{u})
	}
	reply, err := json.Marshal(map[string]any{
		"apiVersion": "v3",
		"kind":       "MigrateNodesTask",
		"spec": map[string]any{
			"os":      "EulerOS 2.5",
			"login":   map[string]string{"sshKey": "KeyPair-001"},
			"runtime": map[string]string{"name": "docker"},
			"nodes":   nodes,
		},
		"status": map[string]string{"jobID": benchJob},
	})
	if err != nil {
		b.Fatal(err)
	}
	header := http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"bench"}}
	empty := []byte(`{"kind":"List","apiVersion":"v3","items":[]}`)
	prefix := "/api/v3/projects/" + benchProject + "/clusters/"
	return benchkit.Serve(b, route{
		"GET " + prefix + benchSrc + "/nodes":                                 benchkit.Answer("", header, empty),
		"GET " + prefix + benchDst + "/nodes":                                 benchkit.Answer("", header, empty),
		"PUT " + prefix + benchSrc + "/nodes/operation/migrateto/" + benchDst: benchkit.Answer("", header, reply),
	})
}

// route answers each request line ("GET /path") with its handler, and
// anything else with 404.
type route map[string]http.Handler

func (rt route) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h := rt[r.Method+" "+r.RequestURI]; h != nil {
		h.ServeHTTP(w, r)
		return
	}
	http.NotFound(w, r)
}

func BenchmarkMigrateNodes200(b *testing.B) {
	srv := benchServer(b)
	c, err := cce.NewClient(srv.URL, benchProject, auth.StaticToken(benchToken),
		cloudmigrate.WithHTTPClient(srv.Client()))
	if err != nil {
		b.Fatal(err)
	}
	spec := &cce.MigrateNodesSpec{
		OS:    "EulerOS 2.5",
		Login: &cce.Login{SSHKey: "KeyPair-001"},
		Nodes: cce.Nodes(benchUIDs()...),
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		op, err := c.MigrateNodes(ctx, benchSrc, benchDst, spec)
		if err != nil {
			b.Fatal(err)
		}
		if op.ID() != benchJob || len(op.Token().Resources) != 200 {
			b.Fatalf("job %q, %d nodes", op.ID(), len(op.Token().Resources))
		}
	}
}

// Plain types for the hand-written baseline, independent of the SDK's.
type plainNode struct {
	UID string `json:"uid"`
}

type plainSpec struct {
	OS    string `json:"os"`
	Login *struct {
		SSHKey string `json:"sshKey,omitempty"`
	} `json:"login,omitempty"`
	Runtime *struct {
		Name string `json:"name,omitempty"`
	} `json:"runtime,omitempty"`
	Nodes []plainNode `json:"nodes"`
}

type plainTask struct {
	APIVersion string    `json:"apiVersion"`
	Kind       string    `json:"kind"`
	Spec       plainSpec `json:"spec"`
	Status     struct {
		JobID string `json:"jobID"`
	} `json:"status"`
}

// plainList is a node list, reduced to what the hand-written code reads.
type plainList struct {
	Items []struct {
		Metadata struct {
			UID string `json:"uid"`
		} `json:"metadata"`
		Status struct {
			Phase string `json:"phase"`
			JobID string `json:"jobID"`
		} `json:"status"`
	} `json:"items"`
}

// getJSON sends one GET and decodes its 200 answer, for the baselines'
// second goroutine, which may not end the benchmark itself.
func getJSON(hc *http.Client, url string, header http.Header, out any) error {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	err = json.NewDecoder(resp.Body).Decode(out)
	_, _ = io.Copy(io.Discard, resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("status %d", resp.StatusCode)
	}
	return err
}

func BenchmarkMigrateNodes200Plain(b *testing.B) {
	srv := benchServer(b)
	hc := srv.Client()
	clusters := srv.URL + "/api/v3/projects/" + benchProject + "/clusters/"
	url := clusters + benchSrc + "/nodes/operation/migrateto/" + benchDst
	body := plainTask{APIVersion: "v3", Kind: "MigrateNodesTask"}
	body.Spec.OS = "EulerOS 2.5"
	body.Spec.Login = &struct {
		SSHKey string `json:"sshKey,omitempty"`
	}{SSHKey: "KeyPair-001"}
	uids := benchUIDs()
	for _, u := range uids {
		body.Spec.Nodes = append(body.Spec.Nodes, plainNode{u})
	}
	// The SDK sends these headers on these requests; send the same.
	header := benchkit.Header(benchProject, benchToken, true)
	getHeader := benchkit.Header(benchProject, benchToken, false)
	req := struct {
		APIVersion string    `json:"apiVersion"`
		Kind       string    `json:"kind"`
		Spec       plainSpec `json:"spec"`
	}{body.APIVersion, body.Kind, body.Spec}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// Both clusters' nodes, read together, to see whether any of
		// the nodes is moving already.
		var src, dst plainList
		done := make(chan error, 1)
		go func() { done <- getJSON(hc, clusters+benchDst+"/nodes", getHeader, &dst) }()
		benchkit.Do(b, hc, http.MethodGet, clusters+benchSrc+"/nodes", getHeader, nil, &src)
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		moving := make(map[string]bool, len(src.Items)+len(dst.Items))
		for _, n := range src.Items {
			moving[n.Metadata.UID] = n.Status.Phase == "Installing"
		}
		for _, n := range dst.Items {
			moving[n.Metadata.UID] = true
		}
		for _, u := range uids {
			if moving[u] {
				b.Fatalf("node %s is moving", u)
			}
		}
		buf, err := json.Marshal(&req)
		if err != nil {
			b.Fatal(err)
		}
		var task plainTask
		benchkit.Do(b, hc, http.MethodPut, url, header, buf, &task)
		if task.Status.JobID != benchJob || len(task.Spec.Nodes) != 200 {
			b.Fatalf("job %q, %d nodes", task.Status.JobID, len(task.Spec.Nodes))
		}
	}
}
