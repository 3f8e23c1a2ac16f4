package ccetest_test

import (
	"errors"
	"maps"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/cce"
	"github.com/cloudmigrate/cloudmigrate/cce/ccetest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// total counts every call the fake received.
func total(srv *ccetest.Server) int {
	n := 0
	for _, v := range srv.AllCalls() {
		n += v
	}
	return n
}

// A handle polled to the end against the fake: no poll sends more than
// two requests, the start goes out once, and the nodes end Active in the
// target cluster.
func TestRequestsPerPoll(t *testing.T) {
	srv, c := newEnv(t)
	ctx := ctxT(t)
	op, err := c.MigrateNodes(ctx, srcID, dstID, sshSpec(node1, node2))
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.AllCalls(); got[ccetest.OpListNodes] != 2 || got[ccetest.OpMigrateNodes] != 1 || len(got) != 2 {
		t.Fatalf("calls of the start %v", got)
	}
	polls, most := 0, 0
	for !op.Done() {
		before := total(srv)
		if _, err := op.Poll(ctx); err != nil && !op.Done() {
			t.Fatal(err)
		}
		most = max(most, total(srv)-before)
		polls++
		srv.Clock().Advance(time.Minute)
	}
	// Initializing at 0, Running at 1 to 5 minutes, Success at 6.
	if most != 2 || polls != 7 {
		t.Errorf("%d polls, at most %d requests in one; want 7 and 2", polls, most)
	}
	if _, err := op.Result(); err != nil {
		t.Fatal(err)
	}
	calls := srv.AllCalls()
	if calls[ccetest.OpMigrateNodes] != 1 || calls[ccetest.OpGetJob] != polls || calls[ccetest.OpListNodes] != 3 {
		t.Errorf("calls %v", calls)
	}
	for _, uid := range []string{node1, node2} {
		if n, _ := srv.Node(uid); n.ClusterID != dstID || n.Phase != ccetest.PhaseActive {
			t.Errorf("%s: %+v", uid, n)
		}
	}
}

// A job that says Success for nodes that stayed behind: the handle fails,
// naming them.
func TestMisreportedMigration(t *testing.T) {
	srv, c := newEnv(t)
	ctx := ctxT(t)
	srv.MisreportNextMigrations(1)
	op, err := c.MigrateNodes(ctx, srcID, dstID, sshSpec(node1, node2))
	if err != nil {
		t.Fatal(err)
	}
	job, err := op.Wait(ctx, stepping(srv, time.Minute, nil)...)
	var failed *jobs.FailedError
	if !errors.As(err, &failed) || job == nil || job.Status.Phase != cce.PhaseSuccess {
		t.Fatalf("Wait: %v with job %+v, want a *jobs.FailedError over a successful job", err, job)
	}
	for _, uid := range []string{node1, node2} {
		if !strings.Contains(failed.Status.Message, "node "+uid+" is not in cluster "+dstID) {
			t.Errorf("message %q does not name %s", failed.Status.Message, uid)
		}
	}
	if got := srv.ClusterNodes(srcID); len(got) != 2 || got[0].Phase != ccetest.PhaseActive {
		t.Errorf("source nodes %+v", got)
	}
	// Used up: the next migration moves its node.
	op, err = c.MigrateNodes(ctx, srcID, dstID, sshSpec(node1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := op.Wait(ctx, stepping(srv, time.Minute, nil)...); err != nil {
		t.Errorf("after the misreport: %v", err)
	}
	srv.MisreportNextMigrations(2)
	srv.MisreportNextMigrations(0)
	op, err = c.MigrateNodes(ctx, srcID, dstID, sshSpec(node2))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := op.Wait(ctx, stepping(srv, time.Minute, nil)...); err != nil {
		t.Errorf("after cancelling the misreports: %v", err)
	}
}

// A failed job: the handle's error names the node of the failed sub-job
// and CCE's reason, and the node that moved is in the target cluster.
func TestFailedMigrationThroughTheHandle(t *testing.T) {
	const reason = "failed to reinstall the node"
	srv, c := newEnv(t)
	ctx := ctxT(t)
	srv.FailNextMigrations(1, reason)
	op, err := c.MigrateNodes(ctx, srcID, dstID, sshSpec(node1, node2))
	if err != nil {
		t.Fatal(err)
	}
	_, err = op.Wait(ctx, stepping(srv, time.Minute, nil)...)
	var failed *jobs.FailedError
	if !errors.As(err, &failed) || failed.Status.Word != "Failed" || failed.Status.Message != "node "+node2+" (node-2): "+reason {
		t.Fatalf("Wait: %v", err)
	}
	if calls := srv.Calls(ccetest.OpListNodes); calls != 2 {
		t.Errorf("%d node lists: a failed job needs no check of the nodes", calls)
	}
}

// The answer to a start was lost: starting again adopts the move by the
// nodes' job, and sends no second migration.
func TestAdoptAfterALostAnswer(t *testing.T) {
	srv, c := newEnv(t)
	ctx := ctxT(t)
	body := map[string]any{"apiVersion": "v3", "kind": "MigrateNodesTask", "spec": sshSpec(node1, node2)}
	if status, _, out := send(t, srv, http.MethodPut, migratePath(srv, srcID, dstID), body); status != 200 {
		t.Fatalf("first start: %d %s", status, out)
	}
	srv.Clock().Advance(time.Minute)
	op, err := c.MigrateNodes(ctx, srcID, dstID, sshSpec(node1, node2))
	var ipe *cloudmigrate.InProgressError
	if !errors.As(err, &ipe) || op == nil {
		t.Fatalf("second start: %v", err)
	}
	n, _ := srv.Node(node1)
	if op.ID() != n.MigrationJobID || !strings.Contains(ipe.Evidence, "with job "+n.MigrationJobID) {
		t.Errorf("adopted %q (%v), the nodes' job is %q", op.ID(), ipe, n.MigrationJobID)
	}
	if _, err := op.Wait(ctx, stepping(srv, time.Minute, nil)...); err != nil {
		t.Fatal(err)
	}
	if calls := srv.Calls(ccetest.OpMigrateNodes); calls != 1 {
		t.Errorf("%d migrations received, want the first only", calls)
	}
	// Once the nodes are there, a start is a finished handle.
	op, err = c.MigrateNodes(ctx, srcID, dstID, sshSpec(node2, node1))
	if !errors.Is(err, cloudmigrate.ErrInProgress) || !op.Done() || op.Status().State != jobs.Succeeded {
		t.Errorf("start of arrived nodes: %v, done %v", err, op.Done())
	}
}

// A service that does not show the migration job on its nodes: the
// adopted handle follows the nodes themselves, to success or failure.
func TestAdoptWithoutNodeJobIDs(t *testing.T) {
	srv, c := newEnv(t, ccetest.WithoutNodeJobIDs())
	ctx := ctxT(t)
	first, err := c.MigrateNodes(ctx, srcID, dstID, sshSpec(node1))
	if err != nil {
		t.Fatal(err)
	}
	op, err := c.MigrateNodes(ctx, srcID, dstID, sshSpec(node1))
	if !errors.Is(err, cloudmigrate.ErrInProgress) || op.ID() != "" || first.ID() == "" {
		t.Fatalf("adopt: %v, handle on %q", err, op.ID())
	}
	before := srv.Calls(ccetest.OpListNodes)
	if _, err := op.Wait(ctx, stepping(srv, time.Minute, nil)...); err != nil {
		t.Fatal(err)
	}
	if srv.Calls(ccetest.OpGetJob) != 0 || srv.Calls(ccetest.OpListNodes) == before {
		t.Errorf("calls %v", srv.AllCalls())
	}

	// The same for a failing migration: the node stays behind in Error.
	srv.FailNextMigrations(1, "")
	if _, err := c.MigrateNodes(ctx, srcID, dstID, sshSpec(node2)); err != nil {
		t.Fatal(err)
	}
	op, err = c.MigrateNodes(ctx, srcID, dstID, sshSpec(node2))
	if !errors.Is(err, cloudmigrate.ErrInProgress) {
		t.Fatal(err)
	}
	_, err = op.Wait(ctx, stepping(srv, time.Minute, nil)...)
	var failed *jobs.FailedError
	if !errors.As(err, &failed) || !strings.Contains(failed.Status.Message, "node "+node2+" (node-2) is still in cluster "+srcID+" (Error)") {
		t.Errorf("Wait: %v", err)
	}
}

// A handle rebuilt from its token by another client finishes the move;
// the start is never sent again.
func TestResumeOnAnotherClient(t *testing.T) {
	srv, c := newEnv(t)
	ctx := ctxT(t)
	op, err := c.MigrateNodes(ctx, srcID, dstID, sshSpec(node1, node2))
	if err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(2 * time.Minute)
	if _, err := op.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	token, err := op.ResumeToken()
	if err != nil {
		t.Fatal(err)
	}
	other := newClient(t, srv)
	calls := srv.AllCalls()
	resumed, err := other.ResumeNodeMigration(token)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(srv.AllCalls(), calls) {
		t.Fatalf("resume sent requests: %v -> %v", calls, srv.AllCalls())
	}
	job, err := resumed.Wait(ctx, stepping(srv, time.Minute, nil)...)
	if err != nil || job.Metadata.UID != op.ID() {
		t.Fatalf("Wait: %v, job %+v", err, job)
	}
	if srv.Calls(ccetest.OpMigrateNodes) != 1 {
		t.Errorf("calls %v", srv.AllCalls())
	}
	// A client of another project refuses the token.
	p, _ := cce.NewClient(srv.URL(), "another-project", srv.Authorizer())
	if _, err := p.ResumeNodeMigration(token); err == nil {
		t.Error("another project resumed the token")
	}
}

// A node that arrives before it is ready: the handle waits for Active.
func TestWaitForActive(t *testing.T) {
	srv, c := newEnv(t)
	ctx := ctxT(t)
	op, err := c.MigrateNodes(ctx, srcID, dstID, sshSpec(node1))
	if err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(time.Hour)
	srv.SetNodePhase(node1, string(cce.NodePhaseInstalling))
	st, err := op.Poll(ctx)
	if err != nil || st.State != jobs.Running || st.Word != "Installing" {
		t.Fatalf("poll: %+v, %v", st, err)
	}
	srv.SetNodePhase(node1, string(cce.NodePhaseAbnormal))
	st, err = op.Poll(ctx)
	if st.State != jobs.Failed || !strings.Contains(st.Message, "is Abnormal in cluster "+dstID) || err == nil {
		t.Errorf("poll: %+v, %v", st, err)
	}
}

// The cluster as GetCluster reads it, and the cluster rules the fake
// applies to migrations.
func TestClusters(t *testing.T) {
	srv, c := newEnv(t)
	ctx := ctxT(t)
	got, err := c.GetCluster(ctx, dstID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Kind != "Cluster" || got.Metadata.UID != dstID || got.Metadata.Name != "cluster-b" || got.Spec.Category != cce.CategoryCCE ||
		got.Spec.Version != ccetest.DefaultClusterVersion || got.Spec.Flavor != ccetest.DefaultClusterFlavor ||
		got.Spec.HostNetwork.VPC != ccetest.DefaultVPC || got.Spec.HostNetwork.Subnet != ccetest.DefaultSubnet ||
		got.Status.Phase != cce.ClusterAvailable || got.Spec.IPv6Enable || got.Metadata.CreationTimestamp.IsZero() {
		t.Errorf("cluster %+v", got)
	}
	_, err = c.GetCluster(ctx, "no-such-cluster")
	apiError(t, err, 404, cce.CodeNotFound)

	srv.ConfigureCluster(otherID, ccetest.ClusterConfig{Category: cce.CategoryTurbo, Phase: string(cce.ClusterHibernation), IPv6: true})
	if got, err := c.GetCluster(ctx, otherID); err != nil || got.Spec.Category != cce.CategoryTurbo || got.Status.Phase != cce.ClusterHibernation ||
		!got.Spec.IPv6Enable || got.Spec.ContainerNetwork.Mode != "eni" {
		t.Errorf("configured cluster %+v, %v", got, err)
	}
	for name, cfg := range map[string]ccetest.ClusterConfig{
		"Turbo":     {Category: cce.CategoryTurbo},
		"other VPC": {VPC: "0b5e8c7d-1a2b-4c3d-8e9f-0a1b2c3d4e5f"},
		"IPv6":      {IPv6: true},
	} {
		srv.ConfigureCluster(otherID, cfg)
		_, err := c.MigrateNodes(ctx, srcID, otherID, sshSpec(node1))
		apiError(t, err, 400, cce.CodeBadRequest)
		if n, _ := srv.Node(node1); n.MigrationJobID != "" {
			t.Errorf("%s: the refused migration started", name)
		}
	}
	srv.ConfigureCluster(otherID, ccetest.ClusterConfig{})
	if _, err := c.MigrateNodes(ctx, srcID, otherID, sshSpec(node1)); err != nil {
		t.Errorf("after the defaults: %v", err)
	}
}

// Nodes as ListNodes and GetNode read them, with their pool, before and
// after a migration and a move into a custom pool.
func TestNodesAndPools(t *testing.T) {
	srv, c := newEnv(t)
	ctx := ctxT(t)
	srv.ConfigureNode(node2, ccetest.NodeConfig{Flavor: "c7.xlarge.2", AZ: "xx-fake-1b"})
	srv.AddNodePool(dstID, "pool-web", "web", ccetest.NodeConfig{})
	srv.AddNodePool(dstID, "pool-big", "big", ccetest.NodeConfig{Flavor: "c7.xlarge.2"})

	nodes, err := c.ListNodes(ctx, srcID)
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) != 2 || nodes[0].Metadata.UID != node1 || nodes[1].Spec.Flavor != "c7.xlarge.2" || nodes[1].Spec.AZ != "xx-fake-1b" ||
		nodes[0].Spec.OS != ccetest.DefaultNodeOS || nodes[0].NodePoolID() != "xx-fake-1a#c7.large.2#EulerOS 2.9" || !nodes[0].InDefaultPool() ||
		nodes[0].Status.ServerID == "" || nodes[0].Status.PrivateIP == "" || nodes[0].Spec.RootVolume == nil || len(nodes[0].Spec.DataVolumes) != 1 {
		t.Fatalf("nodes %+v", nodes)
	}
	if nodes, err := c.ListNodes(ctx, dstID); err != nil || len(nodes) != 0 {
		t.Errorf("target nodes %+v, %v", nodes, err)
	}
	_, err = c.ListNodes(ctx, "no-such-cluster")
	apiError(t, err, 404, cce.CodeNotFound)

	op, err := c.MigrateNodes(ctx, srcID, dstID, sshSpec(node1, node2))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := op.Wait(ctx, stepping(srv, time.Minute, nil)...); err != nil {
		t.Fatal(err)
	}
	n, err := c.GetNode(ctx, dstID, node1)
	if err != nil || n.Spec.OS != "EulerOS 2.5" || !n.InDefaultPool() || n.Status.Phase != cce.NodePhaseActive {
		t.Fatalf("moved node %+v, %v", n, err)
	}
	// Into pools whose template each node matches, and not into one it
	// does not.
	err = c.MigrateToNodePool(ctx, dstID, "pool-web", []string{node1, node2})
	apiError(t, err, 400, cce.CodeBadRequest)
	if n, _ := srv.Node(node1); n.NodePoolID != ccetest.DefaultNodePoolID {
		t.Errorf("a refused move moved node 1: %+v", n)
	}
	srv.ConfigureNode(node1, ccetest.NodeConfig{OS: "EulerOS 2.5"})
	srv.AddNodePool(dstID, "pool-web", "web", ccetest.NodeConfig{OS: "EulerOS 2.5"})
	if err := c.MigrateToNodePool(ctx, dstID, "pool-web", []string{node1}); err != nil {
		t.Fatal(err)
	}
	n, err = c.GetNode(ctx, dstID, node1)
	if err != nil || n.NodePoolID() != "pool-web" || n.InDefaultPool() || n.Metadata.OwnerReferences.NodePoolName != "web" {
		t.Errorf("node in a pool %+v, %v", n.Metadata, err)
	}
	if info, _ := srv.Node(node1); info.NodePoolID != "pool-web" {
		t.Errorf("NodeInfo %+v", info)
	}
	// Only nodes of the default pool move.
	err = c.MigrateToNodePool(ctx, dstID, "pool-web", []string{node1})
	apiError(t, err, 400, cce.CodeBadRequest)
	for name, call := range map[string]func() error{
		"unknown pool":    func() error { return c.MigrateToNodePool(ctx, dstID, "no-such-pool", []string{node2}) },
		"unknown cluster": func() error { return c.MigrateToNodePool(ctx, "no-such-cluster", "pool-web", []string{node2}) },
		"node elsewhere":  func() error { return c.MigrateToNodePool(ctx, srcID, "pool-web", []string{node2}) },
	} {
		if e := apiError(t, call(), 404, cce.CodeNotFound); e.Message == "" {
			t.Errorf("%s: %+v", name, e)
		}
	}
	// A node that is not Active does not move.
	srv.SetNodePhase(node2, string(cce.NodePhaseAbnormal))
	apiError(t, c.MigrateToNodePool(ctx, dstID, "pool-big", []string{node2}), 400, cce.CodeBadRequest)
	srv.SetNodePhase(node2, string(cce.NodePhaseActive))
	srv.ConfigureNode(node2, ccetest.NodeConfig{Flavor: "c7.xlarge.2"})
	if err := c.MigrateToNodePool(ctx, dstID, "pool-big", []string{node2}); err != nil {
		t.Errorf("node 2 into pool-big: %v", err)
	}
	if calls := srv.Calls(ccetest.OpMigrateToNodePool); calls != 8 {
		t.Errorf("%d pool migrations received", calls)
	}
}

// The fake's own checks of the pool-migration document, sent raw.
func TestMigrateToNodePoolRaw(t *testing.T) {
	srv, _ := newEnv(t)
	srv.AddNodePool(srcID, "pool-web", "web", ccetest.NodeConfig{})
	path := "/api/v3/projects/" + srv.ProjectID() + "/clusters/" + srcID + "/nodepools/pool-web/nodes/migrate"
	item := func(id string) map[string]string { return map[string]string{"nodeID": id} }
	many := make([]map[string]string, 51)
	for i := range many {
		many[i] = item(node1)
	}
	for name, body := range map[string]any{
		"wrong kind":     map[string]any{"apiVersion": "v3", "kind": "NodeList", "nodeList": []any{item(node1)}},
		"wrong version":  map[string]any{"apiVersion": "v2", "kind": "List", "nodeList": []any{item(node1)}},
		"no nodes":       map[string]any{"apiVersion": "v3", "kind": "List", "nodeList": []any{}},
		"too many nodes": map[string]any{"apiVersion": "v3", "kind": "List", "nodeList": many},
		"repeated node":  map[string]any{"nodeList": []any{item(node1), item(node1)}},
		"empty node ID":  map[string]any{"nodeList": []any{item("")}},
		"not JSON":       []byte("nodeList"),
	} {
		status, _, out := send(t, srv, http.MethodPut, path, body)
		if code, _ := errorBody(t, out); status != 400 || code != cce.CodeBadRequest {
			t.Errorf("%s: %d %s", name, status, out)
		}
	}
	status, _, out := send(t, srv, http.MethodPut, path, readTestdataReplace(t, "migrate_to_nodepool_request.json", node1, node2))
	if status != 200 || len(out) != 0 {
		t.Errorf("the reference's document: %d %s", status, out)
	}
	for _, uid := range []string{node1, node2} {
		if n, _ := srv.Node(uid); n.NodePoolID != "pool-web" {
			t.Errorf("%s: %+v", uid, n)
		}
	}
}

// readTestdataReplace reads a test file with its two node IDs replaced.
func readTestdataReplace(t *testing.T, name, a, b string) []byte {
	t.Helper()
	s := string(readTestdata(t, name))
	s = strings.Replace(s, "4d1ecb2c-229a-11e8-9c75-0255ac100ceb", a, 1)
	s = strings.Replace(s, "5e2fdc3d-229a-11e8-9c75-0255ac100ceb", b, 1)
	return []byte(s)
}

// Every fault works on the new routes, and a dropped pool migration has
// no effect.
func TestFaultsOnNewRoutes(t *testing.T) {
	srv, c := newEnv(t)
	ctx := ctxT(t)
	srv.AddNodePool(srcID, "pool-web", "web", ccetest.NodeConfig{})

	srv.Throttle(ccetest.OpGetCluster, 2, 0)
	if _, err := c.GetCluster(ctx, srcID); err != nil || srv.Calls(ccetest.OpGetCluster) != 3 {
		t.Errorf("GetCluster under throttling: %v after %d calls", err, srv.Calls(ccetest.OpGetCluster))
	}
	srv.FailNext(ccetest.OpGetNode, 1, http.StatusServiceUnavailable)
	if _, err := c.GetNode(ctx, srcID, node1); err != nil || srv.Calls(ccetest.OpGetNode) != 2 {
		t.Errorf("GetNode after a 503: %v after %d calls", err, srv.Calls(ccetest.OpGetNode))
	}
	srv.SlowNext(ccetest.OpListNodes, 1, 50*time.Millisecond)
	began := time.Now()
	if _, err := c.ListNodes(ctx, srcID); err != nil || time.Since(began) < 50*time.Millisecond {
		t.Errorf("slow ListNodes: %v in %v", err, time.Since(began))
	}
	srv.DropNext(ccetest.OpMigrateToNodePool, 1)
	if err := c.MigrateToNodePool(ctx, srcID, "pool-web", []string{node1}); err == nil {
		t.Error("a dropped pool migration succeeded")
	}
	if n, _ := srv.Node(node1); n.NodePoolID != ccetest.DefaultNodePoolID || srv.Calls(ccetest.OpMigrateToNodePool) != 1 {
		t.Errorf("after the drop: %+v, %d calls", n, srv.Calls(ccetest.OpMigrateToNodePool))
	}
	srv.Throttle(ccetest.OpMigrateToNodePool, 1, 0)
	if err := c.MigrateToNodePool(ctx, srcID, "pool-web", []string{node1}); err != nil || srv.Calls(ccetest.OpMigrateToNodePool) != 3 {
		t.Errorf("throttled pool migration: %v, %d calls", err, srv.Calls(ccetest.OpMigrateToNodePool))
	}

	// A poll whose node list is throttled rides it out in Wait.
	op, err := c.MigrateNodes(ctx, srcID, dstID, sshSpec(node2))
	if err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(time.Hour)
	srv.FailNext(ccetest.OpListNodes, 1, http.StatusBadGateway)
	if _, err := op.Wait(ctx, jobs.WithInterval(time.Millisecond, time.Millisecond)); err != nil {
		t.Errorf("Wait through a 502: %v", err)
	}
}

func TestNewSetupPanics(t *testing.T) {
	srv := ccetest.NewServer()
	defer srv.Close()
	srv.AddCluster("c", "c")
	for name, f := range map[string]func(){
		"configure unknown cluster": func() { srv.ConfigureCluster("nope", ccetest.ClusterConfig{}) },
		"pool in unknown cluster":   func() { srv.AddNodePool("nope", "p", "p", ccetest.NodeConfig{}) },
		"empty pool ID":             func() { srv.AddNodePool("c", "", "p", ccetest.NodeConfig{}) },
		"default pool ID":           func() { srv.AddNodePool("c", ccetest.DefaultNodePoolID, "p", ccetest.NodeConfig{}) },
		"configure unknown node":    func() { srv.ConfigureNode("nope", ccetest.NodeConfig{}) },
		"phase of unknown node":     func() { srv.SetNodePhase("nope", "Active") },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
	srv.AddNode("c", "n", "n")
	if n, _ := srv.Node("n"); !reflect.DeepEqual([]string{n.Flavor, n.AZ, n.OS, n.Runtime, n.NodePoolID},
		[]string{ccetest.DefaultNodeFlavor, ccetest.DefaultNodeAZ, ccetest.DefaultNodeOS, cce.RuntimeContainerd, ccetest.DefaultNodePoolID}) {
		t.Errorf("defaults %+v", n)
	}
}
