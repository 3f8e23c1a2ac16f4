package modelartstest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/fake/faketest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/modelarts"
	"github.com/cloudmigrate/cloudmigrate/modelarts/modelartstest"
)

const (
	srcPool  = "pool-src"
	dstPool  = "pool-dst"
	flavor   = "modelarts.vm.2u4g"
	bigFlav  = "modelarts.vm.8u32g"
	jobSteps = modelartstest.DefaultCheckingDuration + modelartstest.DefaultCreatingDuration
)

// newEnv starts a fake with pool-src (node-1, node-2, node-3) and pool-dst
// (node-x), and a client for it that retries quickly.
func newEnv(t *testing.T, opts ...modelartstest.Option) (*modelartstest.Server, *modelarts.Client) {
	t.Helper()
	srv := modelartstest.NewServer(opts...)
	t.Cleanup(srv.Close)
	srv.AddPool(srcPool)
	srv.AddPool(dstPool)
	for _, n := range []string{"node-1", "node-2", "node-3"} {
		srv.AddNode(srcPool, n, flavor)
	}
	srv.AddNode(dstPool, "node-x", flavor)
	return srv, newClient(t, srv, srv.Authorizer())
}

func newClient(t *testing.T, srv *modelartstest.Server, authz auth.Authorizer, opts ...cloudmigrate.Option) *modelarts.Client {
	t.Helper()
	opts = append([]cloudmigrate.Option{cloudmigrate.WithRetryWait(time.Millisecond, 2*time.Millisecond)}, opts...)
	c, err := modelarts.NewClient(srv.URL(), srv.ProjectID(), authz, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// crossPool is a valid request moving names from pool-src to pool-dst.
func crossPool(names ...string) *modelarts.BatchMigrateOptions {
	return &modelarts.BatchMigrateOptions{
		MigrateNodeNames: names,
		FromClusterName:  srcPool,
		ToClusterName:    dstPool,
		ToPoolName:       dstPool,
		ResourceSpec:     &modelarts.MigrateResourceSpec{Flavor: bigFlav},
	}
}

// fast polls quickly; step advances the fake clock after every poll.
func fast(srv *modelartstest.Server, step time.Duration, seen *[]string) []jobs.Option {
	return []jobs.Option{
		jobs.WithInterval(time.Millisecond, 5*time.Millisecond),
		jobs.WithProgress(func(s jobs.Status) {
			if seen != nil {
				*seen = append(*seen, s.Word)
			}
			srv.Clock().Advance(step)
		}),
	}
}

// nodeState is what the tests compare about a node.
type nodeState struct {
	Name, Flavor, Phase, Cluster string
}

func states(nodes []modelarts.Node) []nodeState {
	out := []nodeState{}
	for _, n := range nodes {
		out = append(out, nodeState{n.Name(), n.Spec.Flavor, string(n.Status.Phase), n.Metadata.Labels[modelarts.LabelCluster]})
	}
	return out
}

func listed(t *testing.T, c *modelarts.Client, pool string, opts *modelarts.ListPoolNodesOptions) []nodeState {
	t.Helper()
	var nodes []modelarts.Node
	for n, err := range c.ListPoolNodes(context.Background(), pool, opts) {
		if err != nil {
			t.Fatalf("ListPoolNodes(%s): %v", pool, err)
		}
		nodes = append(nodes, *n)
	}
	return states(nodes)
}

func sameStates(t *testing.T, what string, got, want []nodeState) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

// initial is the node state newEnv sets up.
func initial() (src, dst []nodeState) {
	return []nodeState{
			{"node-1", flavor, "Available", srcPool},
			{"node-2", flavor, "Available", srcPool},
			{"node-3", flavor, "Available", srcPool},
		}, []nodeState{
			{"node-x", flavor, "Available", dstPool},
		}
}

// unchanged fails the test unless the fake still holds newEnv's nodes.
func unchanged(t *testing.T, srv *modelartstest.Server) {
	t.Helper()
	src, dst := initial()
	sameStates(t, "pool-src", states(srv.PoolNodes(srcPool)), src)
	sameStates(t, "pool-dst", states(srv.PoolNodes(dstPool)), dst)
}

func wantAPIError(t *testing.T, err error, status int, code string) *cloudmigrate.Error {
	t.Helper()
	return faketest.APIError(t, err, status, code, "req-modelarts-")
}

// rawResponse is an answer to a request sent without the SDK.
type rawResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

// do sends a request signed by authz (nil: unsigned) with the server's
// X-Project-Id, bypassing the SDK's checks.
func do(t *testing.T, srv *modelartstest.Server, authz auth.Authorizer, method, path string, body []byte) rawResponse {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("X-Project-Id", srv.ProjectID())
	if authz != nil {
		if err := authz.Authorize(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return rawResponse{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// errorOf decodes an error answer and checks its shape: exactly the keys
// error_code and error_msg.
func errorOf(t *testing.T, r rawResponse) (status int, code string) {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("error body %s: %v", r.Body, err)
	}
	if keys := sortedKeys(m); !slices.Equal(keys, []string{"error_code", "error_msg"}) {
		t.Errorf("error body keys = %v, want error_code, error_msg (%s)", keys, r.Body)
	}
	code, _ = m["error_code"].(string)
	return r.Status, code
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func projectPath(srv *modelartstest.Server, rest string) string {
	return "/v2/" + srv.ProjectID() + rest
}
