package modelartstest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/modelarts"
	"github.com/cloudmigrate/cloudmigrate/modelarts/modelartstest"
)

// counts is what the tests compare about a pool: nodes per flavor in
// spec.resources and available and creating in status.resources.
type counts struct {
	Spec, Available, Creating map[string]int
}

func poolCounts(t *testing.T, c *modelarts.Client, name string) counts {
	t.Helper()
	p, err := c.GetPool(context.Background(), name)
	if err != nil {
		t.Fatalf("GetPool(%s): %v", name, err)
	}
	out := counts{Spec: map[string]int{}, Available: map[string]int{}, Creating: map[string]int{}}
	for _, r := range p.Spec.Resources {
		out.Spec[r.Flavor] += r.Count
	}
	for _, fc := range p.Status.Resources.Available {
		out.Available[fc.Flavor] += fc.Count
	}
	for _, fc := range p.Status.Resources.Creating {
		out.Creating[fc.Flavor] += fc.Count
	}
	return out
}

// The pools' counts follow a migration: the moving nodes count as creating
// in the source until the job ends, then as available in the target with
// their new flavor.
func TestPoolCountsFollowAMigration(t *testing.T) {
	srv, c := newEnv(t)
	ctx := context.Background()
	want := func(spec, avail, creating map[string]int) counts { return counts{spec, avail, creating} }
	if got := poolCounts(t, c, srcPool); !reflect.DeepEqual(got, want(map[string]int{flavor: 3}, map[string]int{flavor: 3}, map[string]int{})) {
		t.Errorf("source before: %+v", got)
	}
	op, err := c.BatchMigrateNodes(ctx, srcPool, crossPool("node-1", "node-2"))
	if err != nil {
		t.Fatal(err)
	}
	if got := poolCounts(t, c, srcPool); !reflect.DeepEqual(got, want(map[string]int{flavor: 3}, map[string]int{flavor: 1}, map[string]int{flavor: 2})) {
		t.Errorf("source during: %+v", got)
	}
	if _, err := op.Wait(ctx, fast(srv, time.Minute, nil)...); err != nil {
		t.Fatal(err)
	}
	if got := poolCounts(t, c, srcPool); !reflect.DeepEqual(got, want(map[string]int{flavor: 1}, map[string]int{flavor: 1}, map[string]int{})) {
		t.Errorf("source after: %+v", got)
	}
	if got := poolCounts(t, c, dstPool); !reflect.DeepEqual(got, want(map[string]int{flavor: 1, bigFlav: 2},
		map[string]int{flavor: 1, bigFlav: 2}, map[string]int{})) {
		t.Errorf("target after: %+v", got)
	}
	// The list says the same as the details.
	pools, err := c.ListPools(ctx, nil)
	if err != nil || len(pools) != 2 || pools[0].Name() != dstPool || pools[1].Name() != srcPool {
		t.Fatalf("ListPools = %v, %v", pools, err)
	}
	if n := pools[0].Status.Resources.Available.Count(bigFlav); n != 2 {
		t.Errorf("listed target has %d %s available", n, bigFlav)
	}
}

func TestListPoolsFilters(t *testing.T) {
	srv, c := newEnv(t)
	ctx := context.Background()
	srv.AddPool("pool-new")
	srv.AddPool("pool-broken")
	srv.SetPoolPhase("pool-new", modelarts.PoolWaiting)
	srv.SetPoolPhase("pool-broken", modelarts.PoolCreationFailed)
	names := func(opts *modelarts.ListPoolsOptions) []string {
		t.Helper()
		pools, err := c.ListPools(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range pools {
			out = append(out, p.Name()+":"+string(p.Status.Phase))
		}
		return out
	}
	for _, tc := range []struct {
		opts *modelarts.ListPoolsOptions
		want []string
	}{
		{nil, []string{"pool-dst:Running", "pool-new:Waiting", "pool-src:Running"}},
		{&modelarts.ListPoolsOptions{Status: modelarts.PoolsCreated}, []string{"pool-dst:Running", "pool-src:Running"}},
		{&modelarts.ListPoolsOptions{Status: modelarts.PoolsCreating}, []string{"pool-new:Waiting"}},
		{&modelarts.ListPoolsOptions{Status: modelarts.PoolsFailed}, []string{"pool-broken:CreationFailed"}},
		{&modelarts.ListPoolsOptions{WorkspaceID: "0"}, []string{"pool-dst:Running", "pool-new:Waiting", "pool-src:Running"}},
		{&modelarts.ListPoolsOptions{WorkspaceID: "ws-7"}, nil},
		{&modelarts.ListPoolsOptions{LabelSelector: modelarts.LabelPoolDisplayName + "=pool-src"}, []string{"pool-src:Running"}},
		{&modelarts.ListPoolsOptions{Parent: srcPool}, nil},
	} {
		if got := names(tc.opts); !slices.Equal(got, tc.want) {
			t.Errorf("%+v: %v, want %v", tc.opts, got, tc.want)
		}
	}
	r := do(t, srv, srv.Authorizer(), http.MethodGet, projectPath(srv, "/pools?labelSelector=novalue"), nil)
	if st, code := errorOf(t, r); st != 400 || code != modelartstest.CodeParameterError {
		t.Errorf("bad selector: %d %s", st, code)
	}
	r = do(t, srv, srv.Authorizer(), http.MethodGet, projectPath(srv, "/pools?status=running"), nil)
	if st, code := errorOf(t, r); st != 400 || code != modelartstest.CodeParameterError {
		t.Errorf("bad status: %d %s", st, code)
	}
}

// The fake's pool has the keys of the API reference's example, at every
// level the example shows.
func TestPoolWire(t *testing.T) {
	srv, c := newEnv(t)
	var doc map[string]any
	if err := json.Unmarshal(readTestdata(t, "pool_show_response.json"), &doc); err != nil {
		t.Fatal(err)
	}
	r := do(t, srv, srv.Authorizer(), http.MethodGet, projectPath(srv, "/pools/"+srcPool), nil)
	var got map[string]any
	if err := json.Unmarshal(r.Body, &got); err != nil || r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	for _, path := range [][]string{{}, {"metadata"}, {"spec"}, {"status"}} {
		d, g := doc, got
		for _, k := range path {
			d, _ = d[k].(map[string]any)
			g, _ = g[k].(map[string]any)
		}
		// The fake leaves out the network of the example's pool.
		dk := slices.DeleteFunc(sortedKeys(d), func(k string) bool { return k == "network" })
		if gk := sortedKeys(g); !slices.Equal(gk, dk) {
			t.Errorf("%v keys = %v, want %v", path, gk, dk)
		}
	}
	// Decoded by the SDK, the fake's pool and the SDK's view agree.
	p, err := c.GetPool(context.Background(), srcPool)
	if err != nil || p.Kind != "Pool" || p.DisplayName() != srcPool || p.Metadata.Labels[modelarts.LabelWorkspaceID] != "0" ||
		p.Status.Root != srcPool || len(p.Status.Scope) != 1 || p.Status.Scope[0].ScopeType != modelarts.ScopeTrain {
		t.Errorf("pool %+v, %v", p, err)
	}
	r = do(t, srv, srv.Authorizer(), http.MethodGet, projectPath(srv, "/pools/pool-nope"), nil)
	if st, code := errorOf(t, r); st != 404 || code != modelarts.CodePoolNotFound {
		t.Errorf("unknown pool: %d %s", st, code)
	}
}

func TestLockAndUnlock(t *testing.T) {
	srv, c := newEnv(t)
	ctx := context.Background()
	res, err := c.LockNodes(ctx, srcPool, []string{"node-1", "node-x"})
	var nf *modelarts.NodesFailedError
	// node-x is in the other pool: it fails, node-1 is locked.
	if !errors.As(err, &nf) || !slices.Equal(nf.Nodes, []string{"node-x"}) || nf.Action != "lock" {
		t.Fatalf("lock: %v", err)
	}
	if !reflect.DeepEqual(res.Nodes, []modelarts.NodeResult{{Name: "node-1", Status: "success"}, {Name: "node-x", Status: "failed"}}) ||
		!strings.HasPrefix(res.RequestID, "req-modelarts-") {
		t.Errorf("lock result %+v", res)
	}
	if !srv.NodeLocked("node-1") || srv.NodeLocked("node-x") || srv.NodeLocked("nope") {
		t.Error("lock state wrong")
	}
	// Locking again changes nothing; unlocking an unlocked node fails.
	if _, err := c.LockNodes(ctx, srcPool, []string{"node-1"}); err != nil {
		t.Errorf("second lock: %v", err)
	}
	_, err = c.UnlockNodes(ctx, srcPool, []string{"node-1", "node-2"})
	if !errors.As(err, &nf) || !slices.Equal(nf.Nodes, []string{"node-2"}) || nf.Action != "unlock" {
		t.Fatalf("unlock: %v", err)
	}
	if srv.NodeLocked("node-1") {
		t.Error("node-1 still locked")
	}
	// A lock moves with its node.
	if _, err := c.LockNodes(ctx, srcPool, []string{"node-2"}); err != nil {
		t.Fatal(err)
	}
	op, err := c.BatchMigrateNodes(ctx, srcPool, crossPool("node-2"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := op.Wait(ctx, fast(srv, time.Minute, nil)...); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UnlockNodes(ctx, dstPool, []string{"node-2"}); err != nil {
		t.Errorf("unlock in the new pool: %v", err)
	}
}

func TestLockWire(t *testing.T) {
	srv, _ := newEnv(t)
	srv.AddNode(srcPool, "os-node-created-xzz78", flavor)
	a := srv.Authorizer()
	// The documented example request is accepted.
	r := do(t, srv, a, http.MethodPost, projectPath(srv, "/pools/"+srcPool+"/nodes/batch-lock"), readTestdata(t, "nodes_lock_request.json"))
	if r.Status != 200 || string(r.Body) != `{"nodes":[{"name":"os-node-created-xzz78","status":"success"}]}` {
		t.Errorf("documented request: %d %s", r.Status, r.Body)
	}
	for _, tc := range []struct {
		name, path, body string
		status           int
		code             string
	}{
		{"unknown pool", "/pools/pool-nope/nodes/batch-lock", `{"nodeNames":["node-1"],"actions":["delete"]}`, 404, modelarts.CodePoolNotFound},
		{"other action", "/pools/" + srcPool + "/nodes/batch-lock", `{"nodeNames":["node-1"],"actions":["reboot"]}`, 400, modelartstest.CodeParameterError},
		{"no action", "/pools/" + srcPool + "/nodes/batch-unlock", `{"nodeNames":["node-1"]}`, 400, modelartstest.CodeParameterError},
		{"no nodes", "/pools/" + srcPool + "/nodes/batch-lock", `{"nodeNames":[],"actions":["delete"]}`, 400, modelartstest.CodeParameterError},
		{"unknown field", "/pools/" + srcPool + "/nodes/batch-lock", `{"nodeNames":["node-1"],"actions":["delete"],"force":true}`, 400, modelartstest.CodeParameterError},
		{"twice", "/pools/" + srcPool + "/nodes/batch-unlock", `{"nodeNames":["node-1","node-1"],"actions":["delete"]}`, 400, modelartstest.CodeParameterError},
	} {
		r := do(t, srv, a, http.MethodPost, projectPath(srv, tc.path), []byte(tc.body))
		if st, code := errorOf(t, r); st != tc.status || code != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.name, st, code, tc.status, tc.code)
		}
	}
	if srv.NodeLocked("node-1") {
		t.Error("a refused request locked node-1")
	}
}

func TestDrain(t *testing.T) {
	srv, c := newEnv(t)
	ctx := context.Background()
	if err := c.DrainNodes(ctx, srcPool, []string{"node-1"}); err != nil {
		t.Fatal(err)
	}
	if !srv.NodeDrained("node-1") || srv.NodeDrained("node-2") {
		t.Fatal("drain state wrong")
	}
	drained := map[string]bool{}
	for n, err := range c.ListPoolNodes(ctx, srcPool, nil) {
		if err != nil {
			t.Fatal(err)
		}
		info, ok := n.DrainInfo()
		drained[n.Name()] = ok
		if ok && info != "drained at "+srv.Clock().Now().Format(time.RFC3339) {
			t.Errorf("drain info %q", info)
		}
	}
	if !reflect.DeepEqual(drained, map[string]bool{"node-1": true, "node-2": false, "node-3": false}) {
		t.Errorf("listed drain states %v", drained)
	}
	// Draining again is fine.
	if err := c.DrainNodes(ctx, srcPool, []string{"node-1"}); err != nil {
		t.Errorf("second drain: %v", err)
	}

	// Refusals, none of which changes anything.
	if _, err := c.LockNodes(ctx, srcPool, []string{"node-3"}); err != nil {
		t.Fatal(err)
	}
	err := c.DrainNodes(ctx, srcPool, []string{"node-2", "node-x"})
	apiErr := wantAPIError(t, err, 400, modelartstest.CodeBadRequest)
	var doc struct {
		Msg string `json:"error_msg"`
	}
	_ = json.Unmarshal(readTestdata(t, "error_drain_not_in_pool.json"), &doc)
	if apiErr.Message != doc.Msg {
		t.Errorf("message %q, want the documented %q", apiErr.Message, doc.Msg)
	}
	wantAPIError(t, c.DrainNodes(ctx, srcPool, []string{"node-3"}), 409, modelartstest.CodeNodeLocked)
	if _, err := c.UnlockNodes(ctx, srcPool, []string{"node-3"}); err != nil {
		t.Fatal(err)
	}
	// node-2 and node-3 are the nodes that still serve: one must stay.
	wantAPIError(t, c.DrainNodes(ctx, srcPool, []string{"node-2", "node-3"}), 400, modelartstest.CodeTooFewNodes)
	if srv.NodeDrained("node-2") || srv.NodeDrained("node-3") {
		t.Error("a refused drain drained a node")
	}
	// A node that is moving cannot be drained; a drained one can move, and
	// arrives undrained.
	op, err := c.BatchMigrateNodes(ctx, srcPool, crossPool("node-1", "node-2"))
	if err != nil {
		t.Fatal(err)
	}
	wantAPIError(t, c.DrainNodes(ctx, srcPool, []string{"node-2"}), 409, modelartstest.CodeNodeNotDrainable)
	if _, err := op.Wait(ctx, fast(srv, time.Minute, nil)...); err != nil {
		t.Fatal(err)
	}
	if srv.NodeDrained("node-1") {
		t.Error("node-1 arrived drained")
	}
	if err := srv.SetNodePhase("node-x", modelarts.NodeAbnormal); err != nil {
		t.Fatal(err)
	}
	wantAPIError(t, c.DrainNodes(ctx, dstPool, []string{"node-x"}), 409, modelartstest.CodeNodeNotDrainable)

	// The fake refuses eleven nodes and unknown fields on its own.
	var names []string
	for i := range 11 {
		names = append(names, fmt.Sprintf("%q", fmt.Sprintf("n%d", i)))
	}
	for _, body := range []string{`{"nodeNames":[` + strings.Join(names, ",") + `]}`, `{"nodeNames":["node-3"],"policy":"now"}`, `{}`} {
		r := do(t, srv, srv.Authorizer(), http.MethodPost, projectPath(srv, "/pools/"+srcPool+"/nodes/batch-drain"), []byte(body))
		if st, code := errorOf(t, r); st != 400 || code != modelartstest.CodeParameterError {
			t.Errorf("%s: %d %s", body, st, code)
		}
	}
}

// Every new route takes the engine's faults: reads ride out a throttled
// answer and a 503; state changes ride out a throttled answer but are not
// sent again after a 503 or a dropped connection.
func TestFaultsOnPoolAndNodeRoutes(t *testing.T) {
	type call func(ctx context.Context, c *modelarts.Client) error
	lock := func(ctx context.Context, c *modelarts.Client) error {
		_, err := c.LockNodes(ctx, srcPool, []string{"node-1"})
		return err
	}
	ops := []struct {
		op     string
		read   bool
		call   call
		locked bool // node-1 is locked first
	}{
		{modelartstest.OpListPools, true, func(ctx context.Context, c *modelarts.Client) error { _, err := c.ListPools(ctx, nil); return err }, false},
		{modelartstest.OpGetPool, true, func(ctx context.Context, c *modelarts.Client) error { _, err := c.GetPool(ctx, srcPool); return err }, false},
		{modelartstest.OpLockNodes, false, lock, false},
		{modelartstest.OpUnlockNodes, false, func(ctx context.Context, c *modelarts.Client) error {
			_, err := c.UnlockNodes(ctx, srcPool, []string{"node-1"})
			return err
		}, true},
		{modelartstest.OpDrainNodes, false, func(ctx context.Context, c *modelarts.Client) error {
			return c.DrainNodes(ctx, srcPool, []string{"node-1"})
		}, false},
	}
	for _, o := range ops {
		for _, fault := range []string{"throttle", "fail", "drop", "slow"} {
			t.Run(o.op+"/"+fault, func(t *testing.T) {
				srv, c := newEnv(t)
				ctx := context.Background()
				if o.locked {
					if err := lock(ctx, c); err != nil {
						t.Fatal(err)
					}
				}
				base := srv.Calls(o.op)
				switch fault {
				case "throttle":
					srv.Throttle(o.op, 1, 0)
					if err := o.call(ctx, c); err != nil || srv.Calls(o.op)-base != 2 {
						t.Errorf("throttled once: %v after %d calls, want success after 2", err, srv.Calls(o.op)-base)
					}
				case "fail", "drop":
					if fault == "fail" {
						srv.FailNext(o.op, 1, http.StatusServiceUnavailable)
					} else {
						srv.DropNext(o.op, 1)
					}
					err := o.call(ctx, c)
					want := 1 // a state change is sent once
					if o.read {
						want = 2
					}
					if n := srv.Calls(o.op) - base; n != want || (err == nil) != o.read {
						t.Errorf("%v after %d calls, want %d calls and success %v", err, n, want, o.read)
					}
					var apiErr *cloudmigrate.Error
					if fault == "fail" && !o.read && (!errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusServiceUnavailable) {
						t.Errorf("err = %v, want the 503", err)
					}
				case "slow":
					srv.SlowNext(o.op, 1, 300*time.Millisecond)
					cctx, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
					defer cancel()
					if err := o.call(cctx, newClient(t, srv, srv.Authorizer(), cloudmigrate.WithRetry(0))); !errors.Is(err, context.DeadlineExceeded) {
						t.Errorf("err = %v, want the deadline", err)
					}
				}
			})
		}
	}
}
