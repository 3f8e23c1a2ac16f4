package ccetest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/cce"
	"github.com/cloudmigrate/cloudmigrate/cce/ccetest"
	"github.com/cloudmigrate/cloudmigrate/internal/fake/faketest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// IDs from the API reference's examples.
const (
	srcID   = "6951bd5c-45ed-11ea-a3ff-0255ac100b05"
	dstID   = "7a02c1d4-45ed-11ea-a3ff-0255ac100b05"
	otherID = "8b13d2e5-45ed-11ea-a3ff-0255ac100b05"
	node1   = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
	node2   = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
)

// newEnv starts a fake with clusters src ("cluster-a", holding node1 and
// node2), dst ("cluster-b") and other ("cluster-c"), and a client for it
// with fast retries.
func newEnv(t *testing.T, opts ...ccetest.Option) (*ccetest.Server, *cce.Client) {
	t.Helper()
	srv := ccetest.NewServer(opts...)
	t.Cleanup(srv.Close)
	srv.AddCluster(srcID, "cluster-a")
	srv.AddCluster(dstID, "cluster-b")
	srv.AddCluster(otherID, "cluster-c")
	srv.AddNode(srcID, node1, "node-1")
	srv.AddNode(srcID, node2, "node-2")
	return srv, newClient(t, srv)
}

func newClient(t *testing.T, srv *ccetest.Server, opts ...cloudmigrate.Option) *cce.Client {
	t.Helper()
	all := append([]cloudmigrate.Option{cloudmigrate.WithRetryWait(time.Millisecond, 2*time.Millisecond)}, opts...)
	c, err := cce.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer(), all...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// stepping returns WaitForJob options that poll quickly and move the
// fake's clock by d after every poll, recording the statuses seen.
func stepping(srv *ccetest.Server, d time.Duration, seen *[]jobs.Status) []jobs.Option {
	return []jobs.Option{
		jobs.WithInterval(time.Millisecond, 5*time.Millisecond),
		jobs.WithProgress(func(s jobs.Status) {
			if seen != nil {
				*seen = append(*seen, s)
			}
			srv.Clock().Advance(d)
		}),
	}
}

func sshSpec(uids ...string) *cce.MigrateNodesSpec {
	return &cce.MigrateNodesSpec{OS: "EulerOS 2.5", Login: &cce.Login{SSHKey: "KeyPair-001"}, Nodes: cce.Nodes(uids...)}
}

// apiError asserts err is a *cloudmigrate.Error with status and code and a
// request ID.
func apiError(t *testing.T, err error, status int, code string) *cloudmigrate.Error {
	t.Helper()
	return faketest.APIError(t, err, status, code, "req-cce-")
}

// send makes a signed request to the fake without the SDK, for what the
// SDK refuses to send. body may be nil, []byte or a value to encode.
func send(t *testing.T, srv *ccetest.Server, method, path string, body any) (int, http.Header, []byte) {
	t.Helper()
	return sendCT(t, srv, method, path, body, "application/json")
}

func sendCT(t *testing.T, srv *ccetest.Server, method, path string, body any, contentType string) (int, http.Header, []byte) {
	t.Helper()
	var data []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		data = b
	default:
		var err error
		if data, err = json.Marshal(b); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequestWithContext(ctxT(t), method, srv.URL()+path, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("X-Project-Id", srv.ProjectID())
	if err := srv.Authorizer().Authorize(req.Context(), req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, out
}

func migratePath(srv *ccetest.Server, from, to string) string {
	return "/api/v3/projects/" + srv.ProjectID() + "/clusters/" + from + "/nodes/operation/migrateto/" + to
}

func nodesPath(srv *ccetest.Server, cluster string) string {
	return "/api/v3/projects/" + srv.ProjectID() + "/clusters/" + cluster + "/nodes"
}

// nodeList is the answer of the CCE node list API.
type nodeList struct {
	Kind       string `json:"kind"`
	APIVersion string `json:"apiVersion"`
	Items      []struct {
		Kind     string `json:"kind"`
		Metadata struct {
			UID  string `json:"uid"`
			Name string `json:"name"`
		} `json:"metadata"`
		Status struct {
			Phase string `json:"phase"`
			JobID string `json:"jobID"`
		} `json:"status"`
	} `json:"items"`
}

// listNodes fetches a cluster's nodes over HTTP and returns "uid=phase"
// entries.
func listNodes(t *testing.T, srv *ccetest.Server, cluster string) []string {
	t.Helper()
	status, _, body := send(t, srv, http.MethodGet, nodesPath(srv, cluster), nil)
	if status != http.StatusOK {
		t.Fatalf("list nodes of %s: %d %s", cluster, status, body)
	}
	var l nodeList
	if err := json.Unmarshal(body, &l); err != nil {
		t.Fatal(err)
	}
	if l.Kind != "List" || l.APIVersion != "v3" {
		t.Errorf("list kind %q apiVersion %q", l.Kind, l.APIVersion)
	}
	out := []string{}
	for _, it := range l.Items {
		if it.Kind != "Node" {
			t.Errorf("item kind %q", it.Kind)
		}
		out = append(out, it.Metadata.UID+"="+it.Status.Phase)
	}
	return out
}

// errorBody decodes a CCE error answer.
func errorBody(t *testing.T, body []byte) (code, msg string) {
	t.Helper()
	var e struct {
		ErrorCode    string `json:"errorCode"`
		ErrorMessage string `json:"errorMessage"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body %s: %v", body, err)
	}
	return e.ErrorCode, e.ErrorMessage
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
