package ccetest_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/cce"
	"github.com/cloudmigrate/cloudmigrate/cce/ccetest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

func TestMigrateWithKeyPair(t *testing.T) {
	srv, c := newEnv(t)
	ctx := ctxT(t)
	start := srv.Clock().Now()

	op, err := c.MigrateNodes(ctx, srcID, dstID, sshSpec(node1, node2))
	if err != nil {
		t.Fatalf("MigrateNodes: %v", err)
	}
	if op.ID() == "" {
		t.Fatal("no job ID")
	}
	if tok := op.Token(); tok.Service != "cce" || tok.Source != srcID || tok.Target != dstID ||
		!reflect.DeepEqual(tok.Resources, []string{node1, node2}) || tok.Endpoint != c.Endpoint() || tok.Project != srv.ProjectID() {
		t.Errorf("token %+v", tok)
	}

	// Accepted, not yet done: the nodes are still in the source cluster
	// and know their job.
	job, err := c.GetJob(ctx, op.ID())
	if err != nil {
		t.Fatalf("GetJob: %v", err)
	}
	if job.Kind != "Job" || job.APIVersion != "v3" || job.Metadata.UID != op.ID() {
		t.Errorf("job kind %q apiVersion %q uid %q", job.Kind, job.APIVersion, job.Metadata.UID)
	}
	if job.Status.Phase != cce.PhaseInitializing || len(job.Spec.SubJobs) != 2 {
		t.Fatalf("job phase %q with %d sub-jobs", job.Status.Phase, len(job.Spec.SubJobs))
	}
	if !job.Metadata.CreationTimestamp.Equal(start) || job.Metadata.CreationTimestamp.Raw() != "" {
		t.Errorf("creationTimestamp %v (raw %q), want %v", job.Metadata.CreationTimestamp, job.Metadata.CreationTimestamp.Raw(), start)
	}
	if job.Spec.Type != ccetest.JobTypeMigrateNodes || job.Spec.ClusterUID != srcID || job.Spec.ResourceID != srcID ||
		job.Spec.ResourceName != "cluster-a" || job.Spec.ExtendParam["targetClusterUID"] != dstID {
		t.Errorf("job spec %+v", job.Spec)
	}
	for i, sj := range job.Spec.SubJobs {
		uid, name := []string{node1, node2}[i], []string{"node-1", "node-2"}[i]
		if sj.Kind != "Job" || sj.Spec.Type != ccetest.SubJobTypeMigrateNode || sj.Spec.ResourceID != uid ||
			sj.Spec.ResourceName != name || sj.Spec.ClusterUID != srcID || sj.Status.Phase != cce.PhaseInitializing ||
			sj.Metadata.UID == "" || sj.Metadata.UID == job.Metadata.UID {
			t.Errorf("sub-job %d: %+v", i, sj)
		}
	}
	if got := srv.ClusterNodes(srcID); len(got) != 2 || got[0].MigrationJobID != op.ID() ||
		got[0].Phase != ccetest.PhaseInstalling || got[1].Phase != ccetest.PhaseInstalling {
		t.Errorf("source nodes after accept: %+v", got)
	}

	var seen []jobs.Status
	final, err := c.WaitForJob(ctx, op.ID(), stepping(srv, time.Minute, &seen)...)
	if err != nil {
		t.Fatalf("WaitForJob: %v", err)
	}
	if final.Status.Phase != cce.PhaseSuccess {
		t.Fatalf("final phase %q", final.Status.Phase)
	}
	// 10 s initializing, then the two sub-jobs end 150 s and 300 s later;
	// polls come a minute apart.
	var steps []string
	for _, s := range seen {
		steps = append(steps, fmt.Sprintf("%s:%d", s.Word, s.Progress))
	}
	wantSteps := "Initializing:0 Running:0 Running:0 Running:50 Running:50 Running:50 Success:100"
	if got := strings.Join(steps, " "); got != wantSteps {
		t.Errorf("statuses %s\nwant     %s", got, wantSteps)
	}
	end := start.Add(ccetest.DefaultInitDuration + ccetest.DefaultRunningDuration)
	if !final.Metadata.UpdateTimestamp.Equal(end) {
		t.Errorf("updateTimestamp %v, want %v", final.Metadata.UpdateTimestamp, end)
	}
	for _, sj := range final.Spec.SubJobs {
		if sj.Status.Phase != cce.PhaseSuccess || sj.Status.Reason != "" {
			t.Errorf("sub-job %s: %+v", sj.Spec.ResourceID, sj.Status)
		}
	}

	if got := listNodes(t, srv, dstID); !reflect.DeepEqual(got, []string{node1 + "=Active", node2 + "=Active"}) {
		t.Errorf("target nodes over HTTP: %v", got)
	}
	if got := listNodes(t, srv, srcID); len(got) != 0 {
		t.Errorf("source nodes over HTTP: %v", got)
	}
	n, ok := srv.Node(node2)
	if !ok || n.ClusterID != dstID || n.Phase != ccetest.PhaseActive || n.SSHKey != "KeyPair-001" || n.Username != "" || n.MigrationJobID != "" {
		t.Errorf("node 2: %+v", n)
	}
	if srv.CheckNodePassword(node2, "anything") {
		t.Error("CheckNodePassword true for a node with a key pair")
	}
	got, err := c.GetNode(ctx, dstID, node2)
	if err != nil {
		t.Fatal(err)
	}
	// CCE's default runtime for EulerOS 2.5, and the key pair of the
	// request.
	if got.Spec.OS != "EulerOS 2.5" || got.Spec.Runtime == nil || got.Spec.Runtime.Name != cce.RuntimeDocker ||
		got.Spec.Login == nil || got.Spec.Login.SSHKey != "KeyPair-001" || !got.InDefaultPool() {
		t.Errorf("node 2 over the API: %+v", got.Spec)
	}
	if calls := srv.Calls(ccetest.OpMigrateNodes); calls != 1 {
		t.Errorf("%d migrate calls", calls)
	}
}

func TestMigrateWithPassword(t *testing.T) {
	const plain = "Migr8-Node!pw"
	srv, c := newEnv(t)
	ctx := ctxT(t)

	up, err := cce.NewUserPassword("ops", plain)
	if err != nil {
		t.Fatal(err)
	}
	op, err := c.MigrateNodes(ctx, srcID, dstID, &cce.MigrateNodesSpec{
		OS:    "Huawei Cloud EulerOS 2.0",
		Login: &cce.Login{UserPassword: up},
		Nodes: cce.Nodes(node1),
	})
	if err != nil {
		t.Fatalf("MigrateNodes: %v", err)
	}
	if _, err := op.Wait(ctx, stepping(srv, time.Minute, nil)...); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	moved, err := c.GetNode(ctx, dstID, node1)
	if err != nil {
		t.Fatal(err)
	}
	if l := moved.Spec.Login; l == nil || l.UserPassword == nil || l.UserPassword.Password.Reveal() != "******" || l.UserPassword.Username != "ops" {
		t.Errorf("node's login %+v, want the account with the password masked", l)
	}
	if moved.Spec.Runtime == nil || moved.Spec.Runtime.Name != cce.RuntimeContainerd {
		t.Errorf("runtime %+v, want containerd for a non-EulerOS-2.5 OS", moved.Spec.Runtime)
	}
	n, _ := srv.Node(node1)
	if n.ClusterID != dstID || n.Username != "ops" || n.SSHKey != "" {
		t.Errorf("node after migration: %+v", n)
	}
	if !srv.CheckNodePassword(node1, plain) {
		t.Error("the fake does not find the password in the salted form sent")
	}
	if srv.CheckNodePassword(node1, plain+"x") || srv.CheckNodePassword(node2, plain) {
		t.Error("CheckNodePassword accepts a wrong password or node")
	}

	// A plain password in the spec is salted by MigrateNodes on the way.
	const plain2 = "An0ther:Secret"
	op, err = c.MigrateNodes(ctx, srcID, dstID, &cce.MigrateNodesSpec{
		OS:    "EulerOS 2.5",
		Login: &cce.Login{UserPassword: &cce.UserPassword{Password: auth.NewSecret(plain2)}},
		Nodes: cce.Nodes(node2),
	})
	if err != nil {
		t.Fatalf("MigrateNodes with a plain password: %v", err)
	}
	if _, err := c.WaitForJob(ctx, op.ID(), stepping(srv, time.Minute, nil)...); err != nil {
		t.Fatalf("WaitForJob: %v", err)
	}
	if n, _ := srv.Node(node2); n.Username != "root" || !srv.CheckNodePassword(node2, plain2) {
		t.Errorf("node 2 login %+v, password match %v", n, srv.CheckNodePassword(node2, plain2))
	}
}

// The API reference's request example, sent as it is, gets the answer of
// its response example (plus apiVersion, kind and a job ID of the fake's).
func TestSeedExample(t *testing.T) {
	srv, _ := newEnv(t)
	for _, name := range []string{"migrate_request_sshkey.json", "migrate_request_image.json"} {
		srv.AddNode(srcID, node1, "node-1")
		srv.AddNode(srcID, node2, "node-2")
		status, hdr, body := send(t, srv, http.MethodPut, migratePath(srv, srcID, dstID), readTestdata(t, name))
		if status != http.StatusOK {
			t.Fatalf("%s: status %d: %s", name, status, body)
		}
		if hdr.Get("X-Request-Id") == "" || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
			t.Errorf("%s: headers %v", name, hdr)
		}
		var got map[string]any
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		var want map[string]any
		if err := json.Unmarshal(readTestdata(t, "migrate_response.json"), &want); err != nil {
			t.Fatal(err)
		}
		jobID, _ := got["status"].(map[string]any)["jobID"].(string)
		if jobID == "" {
			t.Fatalf("%s: no status.jobID in %s", name, body)
		}
		want["status"] = map[string]any{"jobID": jobID}
		want["apiVersion"], want["kind"] = "v3", "MigrateNodesTask"
		if name == "migrate_request_image.json" {
			want["spec"].(map[string]any)["extendParam"] = map[string]any{"alpha.cce/NodeImageID": "cc697ad7-9563-11e8-8ea7-0255ac106311"}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: answer %s\nwant %v", name, body, want)
		}
	}
}

func TestMigrateRefusedBySDKAndFake(t *testing.T) {
	srv, c := newEnv(t)
	ctx := ctxT(t)
	uids := make([]string, 201)
	for i := range uids {
		uids[i] = fmt.Sprintf("node-%03d", i)
		srv.AddNode(srcID, uids[i], uids[i])
	}

	_, err := c.MigrateNodes(ctx, srcID, dstID, sshSpec(uids...))
	var ve *cloudmigrate.ValidationError
	if !errors.As(err, &ve) || ve.Field != "spec.nodes" {
		t.Fatalf("201 nodes: %v, want a ValidationError on spec.nodes", err)
	}
	if n := srv.Calls(ccetest.OpMigrateNodes); n != 0 {
		t.Fatalf("the SDK sent %d requests", n)
	}

	// Sent anyway, the fake refuses it as CCE does.
	body := map[string]any{"apiVersion": "v3", "kind": "MigrateNodesTask", "spec": sshSpec(uids...)}
	status, _, out := send(t, srv, http.MethodPut, migratePath(srv, srcID, dstID), body)
	if code, msg := errorBody(t, out); status != 400 || code != cce.CodeBadRequest || !strings.Contains(msg, "200") {
		t.Errorf("201 nodes raw: %d %s", status, out)
	}
	// 200 is fine.
	if _, err := c.MigrateNodes(ctx, srcID, dstID, sshSpec(uids[:200]...)); err != nil {
		t.Errorf("200 nodes: %v", err)
	}
}

// Rules the SDK cannot see: answered by the fake, reported by the SDK.
func TestMigrateConstraintsThroughSDK(t *testing.T) {
	srv, c := newEnv(t)
	ctx := ctxT(t)
	srv.AddNode(otherID, "node-c", "node-c")

	cases := []struct {
		name     string
		from, to string
		uids     []string
		status   int
		code     string
		method   string
	}{
		// MigrateNodes reads both clusters' nodes before it starts.
		{"unknown source cluster", "no-such-cluster", dstID, []string{node1}, 404, cce.CodeNotFound, http.MethodGet},
		{"unknown target cluster", srcID, "no-such-cluster", []string{node1}, 404, cce.CodeNotFound, http.MethodGet},
		{"unknown node", srcID, dstID, []string{node1, "no-such-node"}, 404, cce.CodeNotFound, http.MethodPut},
		{"node of another cluster", srcID, dstID, []string{"node-c"}, 404, cce.CodeNotFound, http.MethodPut},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.MigrateNodes(ctx, tc.from, tc.to, sshSpec(tc.uids...))
			e := apiError(t, err, tc.status, tc.code)
			if e.Message == "" || e.Method != tc.method {
				t.Errorf("error %+v", e)
			}
		})
	}
	if n := srv.Calls(ccetest.OpMigrateNodes); n != 2 {
		t.Errorf("%d migrations sent; the reads found the unknown clusters first", n)
	}
	if got := srv.ClusterNodes(srcID); len(got) != 2 || got[0].MigrationJobID != "" || got[1].MigrationJobID != "" {
		t.Errorf("refused requests changed the nodes: %+v", got)
	}

	// A node already being migrated cannot be migrated again: the SDK
	// adopts the move, and the fake refuses a request sent anyway.
	op, err := c.MigrateNodes(ctx, srcID, dstID, sshSpec(node1))
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.MigrateNodes(ctx, srcID, otherID, sshSpec(node2, node1))
	if !errors.Is(err, cloudmigrate.ErrInProgress) || again.ID() != op.ID() || !reflect.DeepEqual(again.Token().Resources, []string{node1}) {
		t.Fatalf("second start: %v, handle on %q over %q", err, again.ID(), again.Token().Resources)
	}
	if n := srv.Calls(ccetest.OpMigrateNodes); n != 3 {
		t.Errorf("%d migrations sent, want no new one", n)
	}
	body := map[string]any{"apiVersion": "v3", "kind": "MigrateNodesTask", "spec": sshSpec(node2, node1)}
	status, _, out := send(t, srv, http.MethodPut, migratePath(srv, srcID, otherID), body)
	if code, msg := errorBody(t, out); status != 400 || code != cce.CodeBadRequest || !strings.Contains(msg, op.ID()) {
		t.Errorf("raw second migration: %d %s", status, out)
	}
	if n, _ := srv.Node(node2); n.MigrationJobID != "" {
		t.Errorf("refused request started a migration of node 2: %+v", n)
	}

	_, err = c.GetJob(ctx, "no-such-job")
	apiError(t, err, 404, cce.CodeNotFound)
}

// Rules the SDK checks before sending: sent raw, the fake refuses them
// too.
func TestMigrateConstraintsRaw(t *testing.T) {
	srv, _ := newEnv(t)
	salted, err := cce.SaltPassword("Good-Pass1")
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.StdEncoding.EncodeToString
	spec := func(edit func(s map[string]any)) map[string]any {
		s := map[string]any{
			"os":    "EulerOS 2.5",
			"login": map[string]any{"sshKey": "KeyPair-001"},
			"nodes": []any{map[string]any{"uid": node1}},
		}
		if edit != nil {
			edit(s)
		}
		return map[string]any{"apiVersion": "v3", "kind": "MigrateNodesTask", "spec": s}
	}
	withPassword := func(pw string) map[string]any {
		return spec(func(s map[string]any) {
			s["login"] = map[string]any{"userPassword": map[string]any{"password": pw}}
		})
	}
	ext := func(e map[string]any) map[string]any {
		return spec(func(s map[string]any) { s["extendParam"] = e })
	}
	cases := []struct {
		name string
		to   string
		body any
	}{
		{"not JSON", dstID, []byte(`{"spec": `)},
		{"wrong field type", dstID, []byte(`{"spec": {"os": "EulerOS 2.5", "nodes": "node"}}`)},
		{"apiVersion v2", dstID, func() any { b := spec(nil); b["apiVersion"] = "v2"; return b }()},
		{"wrong kind", dstID, func() any { b := spec(nil); b["kind"] = "MigrateNodes"; return b }()},
		{"no spec", dstID, map[string]any{"apiVersion": "v3", "kind": "MigrateNodesTask"}},
		{"no os", dstID, spec(func(s map[string]any) { delete(s, "os") })},
		{"no nodes", dstID, spec(func(s map[string]any) { s["nodes"] = []any{} })},
		{"empty uid", dstID, spec(func(s map[string]any) { s["nodes"] = []any{map[string]any{"uid": ""}} })},
		{"repeated uid", dstID, spec(func(s map[string]any) {
			s["nodes"] = []any{map[string]any{"uid": node1}, map[string]any{"uid": node1}}
		})},
		{"no login", dstID, spec(func(s map[string]any) { delete(s, "login") })},
		{"empty login", dstID, spec(func(s map[string]any) { s["login"] = map[string]any{} })},
		{"both logins", dstID, spec(func(s map[string]any) {
			s["login"] = map[string]any{"sshKey": "k", "userPassword": map[string]any{"password": salted}}
		})},
		{"empty password", dstID, withPassword("")},
		{"plain password", dstID, withPassword("Good-Pass1")},
		{"Base64 of the plain password", dstID, withPassword(b64([]byte("Good-Pass1")))},
		{"crypt string not in Base64", dstID, withPassword(func() string { d, _ := base64.StdEncoding.DecodeString(salted); return string(d) }())},
		{"SHA-256 crypt", dstID, withPassword(b64([]byte("$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZF7KnsF9")))},
		{"truncated hash", dstID, withPassword(b64([]byte("$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMH")))},
		{"maxPods 8", dstID, ext(map[string]any{"maxPods": 8})},
		{"maxPods 257", dstID, ext(map[string]any{"maxPods": 257})},
		{"preInstall not Base64", dstID, ext(map[string]any{"alpha.cce/preInstall": "echo hi"})},
		{"scripts too long", dstID, ext(map[string]any{
			"alpha.cce/preInstall":  b64(make([]byte, 4000)),
			"alpha.cce/postInstall": b64(make([]byte, 4000)),
		})},
		{"unknown diskType", dstID, ext(map[string]any{"DockerLVMConfigOverride": "diskType=nvme;lvType=linear"})},
		{"unknown lvType", dstID, ext(map[string]any{"DockerLVMConfigOverride": "diskType=evs;lvType=mirror"})},
		{"unknown runtime", dstID, spec(func(s map[string]any) { s["runtime"] = map[string]any{"name": "rkt"} })},
		{"same cluster", srcID, spec(nil)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, hdr, out := send(t, srv, http.MethodPut, migratePath(srv, srcID, tc.to), tc.body)
			code, msg := errorBody(t, out)
			if status != http.StatusBadRequest || code != cce.CodeBadRequest || msg == "" {
				t.Errorf("answer %d %s", status, out)
			}
			if hdr.Get("X-Request-Id") == "" {
				t.Error("no X-Request-Id")
			}
		})
	}
	if n, _ := srv.Node(node1); n.MigrationJobID != "" || n.ClusterID != srcID {
		t.Errorf("a refused request started a migration: %+v", n)
	}

	// The same spec with valid values is accepted: the rules above are
	// what made the difference.
	ok := ext(map[string]any{
		"maxPods": 16, "DockerLVMConfigOverride": "dockerThinpool=vgpaas/90%VG;diskType=ssd;lvType=striped",
		"alpha.cce/preInstall": b64([]byte("echo pre")), "alpha.cce/postInstall": b64(make([]byte, 7000)),
	})
	ok["spec"].(map[string]any)["login"] = map[string]any{"userPassword": map[string]any{"password": salted}}
	ok["spec"].(map[string]any)["runtime"] = map[string]any{"name": "containerd"}
	if status, _, out := send(t, srv, http.MethodPut, migratePath(srv, srcID, dstID), ok); status != 200 {
		t.Errorf("valid request: %d %s", status, out)
	}

	// Content type and project.
	status, _, out := sendCT(t, srv, http.MethodPut, migratePath(srv, srcID, dstID), spec(nil), "text/plain")
	if code, _ := errorBody(t, out); status != 400 || code != cce.CodeBadRequest {
		t.Errorf("text/plain body: %d %s", status, out)
	}
	wrongProject := strings.Replace(migratePath(srv, srcID, dstID), srv.ProjectID(), "another-project", 1)
	status, _, out = send(t, srv, http.MethodPut, wrongProject, spec(nil))
	if code, _ := errorBody(t, out); status != 403 || code != cce.CodeForbidden {
		t.Errorf("other project: %d %s", status, out)
	}
}

func TestFailedMigration(t *testing.T) {
	const reason = "node yyyyyyyy has only a system disk"
	srv, c := newEnv(t)
	ctx := ctxT(t)
	srv.FailNextMigrations(1, reason)

	op, err := c.MigrateNodes(ctx, srcID, dstID, sshSpec(node1, node2))
	if err != nil {
		t.Fatal(err)
	}
	job, err := c.WaitForJob(ctx, op.ID(), stepping(srv, time.Minute, nil)...)
	var failed *jobs.FailedError
	if !errors.As(err, &failed) {
		t.Fatalf("WaitForJob: %v, want a *jobs.FailedError", err)
	}
	if failed.Status.State != jobs.Failed || failed.Status.Word != "Failed" || failed.Status.Message != reason {
		t.Errorf("failed status %+v", failed.Status)
	}
	fj, ok := failed.Job.(*cce.Job)
	if !ok || fj != job {
		t.Fatalf("FailedError.Job is %T, not the returned *cce.Job", failed.Job)
	}
	if fj.Status.Phase != cce.PhaseFailed || fj.Status.Reason != reason {
		t.Errorf("job status %+v", fj.Status)
	}
	sub := fj.Spec.SubJobs
	if len(sub) != 2 || sub[0].Status.Phase != cce.PhaseSuccess || sub[0].Status.Reason != "" ||
		sub[1].Status.Phase != cce.PhaseFailed || sub[1].Status.Reason != reason || sub[1].Spec.ResourceID != node2 {
		t.Errorf("sub-jobs %+v", sub)
	}
	// The first node made it; the failed one stays behind.
	if got := listNodes(t, srv, dstID); !reflect.DeepEqual(got, []string{node1 + "=Active"}) {
		t.Errorf("target nodes %v", got)
	}
	if got := listNodes(t, srv, srcID); !reflect.DeepEqual(got, []string{node2 + "=Error"}) {
		t.Errorf("source nodes %v", got)
	}

	// The failure was used up: trying the node again works.
	op, err = c.MigrateNodes(ctx, srcID, dstID, sshSpec(node2))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitForJob(ctx, op.ID(), stepping(srv, time.Minute, nil)...); err != nil {
		t.Fatalf("second attempt: %v", err)
	}
	if n, _ := srv.Node(node2); n.ClusterID != dstID || n.Phase != ccetest.PhaseActive {
		t.Errorf("node 2 after the second attempt: %+v", n)
	}
}

func TestFailNextMigrationsDefaultsAndCancel(t *testing.T) {
	srv, c := newEnv(t)
	ctx := ctxT(t)
	srv.FailNextMigrations(1, "")
	op, err := c.MigrateNodes(ctx, srcID, dstID, sshSpec(node1))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.WaitForJob(ctx, op.ID(), stepping(srv, time.Hour, nil)...)
	var failed *jobs.FailedError
	if !errors.As(err, &failed) || failed.Status.Message != ccetest.DefaultFailReason {
		t.Fatalf("WaitForJob: %v", err)
	}

	srv.FailNextMigrations(3, "x")
	srv.FailNextMigrations(0, "")
	op, err = c.MigrateNodes(ctx, srcID, dstID, sshSpec(node2))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitForJob(ctx, op.ID(), stepping(srv, time.Hour, nil)...); err != nil {
		t.Errorf("after cancelling the failures: %v", err)
	}
}

func TestDroppedMigrateHasNoEffect(t *testing.T) {
	srv, c := newEnv(t)
	ctx := ctxT(t)
	srv.DropNext(ccetest.OpMigrateNodes, 1)

	if _, err := c.MigrateNodes(ctx, srcID, dstID, sshSpec(node1)); err == nil {
		t.Fatal("MigrateNodes succeeded over a dropped connection")
	}
	if n := srv.Calls(ccetest.OpMigrateNodes); n != 1 {
		t.Fatalf("the migration was sent %d times, want exactly once", n)
	}
	srv.Clock().Advance(time.Hour)
	if n, _ := srv.Node(node1); n.ClusterID != srcID || n.MigrationJobID != "" || n.Phase != ccetest.PhaseActive {
		t.Errorf("node after the dropped request: %+v", n)
	}
	if got := listNodes(t, srv, dstID); len(got) != 0 {
		t.Errorf("target cluster has %v", got)
	}
}

func TestThrottlingAbsorbed(t *testing.T) {
	srv, c := newEnv(t)
	ctx := ctxT(t)
	srv.Throttle(ccetest.OpMigrateNodes, 2, 0)
	op, err := c.MigrateNodes(ctx, srcID, dstID, sshSpec(node1))
	if err != nil {
		t.Fatalf("MigrateNodes under throttling: %v", err)
	}
	if n := srv.Calls(ccetest.OpMigrateNodes); n != 3 {
		t.Errorf("%d calls, want 3", n)
	}
	if op.ID() == "" {
		t.Error("no job")
	}

	// Without retries the throttling answer surfaces with CCE's code.
	c0 := newClient(t, srv, cloudmigrate.WithRetry(0))
	srv.Throttle(ccetest.OpGetJob, 1, 2*time.Second)
	_, err = c0.GetJob(ctx, op.ID())
	e := apiError(t, err, http.StatusTooManyRequests, cce.CodeThrottled)
	if e.RetryAfter != 2*time.Second || !cloudmigrate.IsThrottled(err) {
		t.Errorf("throttle error %+v", e)
	}
}

func TestPollErrorsTolerated(t *testing.T) {
	srv, c := newEnv(t)
	ctx := ctxT(t)
	op, err := c.MigrateNodes(ctx, srcID, dstID, sshSpec(node1, node2))
	if err != nil {
		t.Fatal(err)
	}
	srv.FailNext(ccetest.OpGetJob, 3, http.StatusServiceUnavailable)
	job, err := c.WaitForJob(ctx, op.ID(), stepping(srv, 2*time.Minute, nil)...)
	if err != nil {
		t.Fatalf("WaitForJob: %v", err)
	}
	if job.Status.Phase != cce.PhaseSuccess {
		t.Errorf("phase %q", job.Status.Phase)
	}
	if n := srv.Calls(ccetest.OpGetJob); n < 4+3 {
		t.Errorf("%d polls; want the 3 failed ones and at least 4 answered", n)
	}
}

func TestCredentials(t *testing.T) {
	srv, _ := newEnv(t)
	ctx := ctxT(t)

	bad, err := cce.NewClient(srv.URL(), srv.ProjectID(), auth.NewAKSK(srv.AccessKey(), "wrong-secret"), cloudmigrate.WithRetry(0))
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.MigrateNodes(ctx, srcID, dstID, sshSpec(node1))
	apiError(t, err, http.StatusUnauthorized, ccetest.CodeBadSignature)

	unknown, _ := cce.NewClient(srv.URL(), srv.ProjectID(), auth.NewAKSK("UNKNOWNAK", srv.SecretKey()))
	_, err = unknown.GetJob(ctx, "job")
	apiError(t, err, http.StatusUnauthorized, ccetest.CodeBadSignature)

	// Another project: the signed X-Project-Id does not match.
	other, _ := cce.NewClient(srv.URL(), "another-project", srv.Authorizer())
	_, err = other.GetJob(ctx, "job")
	apiError(t, err, http.StatusUnauthorized, ccetest.CodeBadSignature)

	token, _ := cce.NewClient(srv.URL(), srv.ProjectID(), auth.StaticToken("tok"))
	_, err = token.GetJob(ctx, "job")
	apiError(t, err, http.StatusUnauthorized, ccetest.CodeBadSignature)

	if n, _ := srv.Node(node1); n.MigrationJobID != "" {
		t.Errorf("an unauthenticated request started a migration: %+v", n)
	}

	// Without auth, anything goes, except another project in the path.
	open := ccetest.NewServer(ccetest.WithoutAuth(), ccetest.WithCredentials("AK", "SK", "p-1"))
	defer open.Close()
	open.AddCluster("a", "a")
	open.AddCluster("b", "b")
	open.AddNode("a", "n", "n")
	oc, _ := cce.NewClient(open.URL(), "p-1", auth.StaticToken("anything"))
	if _, err := oc.MigrateNodes(ctx, "a", "b", sshSpec("n")); err != nil {
		t.Errorf("WithoutAuth: %v", err)
	}
	oc2, _ := cce.NewClient(open.URL(), "p-2", auth.StaticToken("anything"))
	_, err = oc2.GetJob(ctx, "job")
	apiError(t, err, http.StatusForbidden, cce.CodeForbidden)
	if open.ProjectID() != "p-1" || open.AccessKey() != "AK" || open.SecretKey() != "SK" {
		t.Error("WithCredentials not kept")
	}
}

func TestNodeAPIs(t *testing.T) {
	srv, c := newEnv(t)
	ctx := ctxT(t)
	base := "/api/v3/projects/" + srv.ProjectID() + "/clusters/"

	status, _, body := send(t, srv, http.MethodGet, base+srcID+"/nodes/"+node1, nil)
	var n struct {
		Kind     string         `json:"kind"`
		Metadata map[string]any `json:"metadata"`
		Status   map[string]any `json:"status"`
	}
	if err := json.Unmarshal(body, &n); status != 200 || err != nil {
		t.Fatalf("get node: %d %s", status, body)
	}
	if n.Kind != "Node" || n.Metadata["uid"] != node1 || n.Metadata["name"] != "node-1" || n.Status["phase"] != "Active" {
		t.Errorf("node %s", body)
	}
	for _, p := range []string{base + dstID + "/nodes/" + node1, base + "nope/nodes/" + node1, base + "nope/nodes", base + srcID + "/nodes/nope"} {
		status, _, body := send(t, srv, http.MethodGet, p, nil)
		if code, _ := errorBody(t, body); status != 404 || code != cce.CodeNotFound {
			t.Errorf("GET %s: %d %s", p, status, body)
		}
	}

	// Once its migration is accepted a node shows Installing and the
	// job's ID.
	op, err := c.MigrateNodes(ctx, srcID, dstID, sshSpec(node1))
	if err != nil {
		t.Fatal(err)
	}
	_, _, body = send(t, srv, http.MethodGet, base+srcID+"/nodes/"+node1, nil)
	if err := json.Unmarshal(body, &n); err != nil || n.Status["phase"] != "Installing" || n.Status["jobID"] != op.ID() {
		t.Errorf("node during migration: %s", body)
	}
	if got := listNodes(t, srv, srcID); !reflect.DeepEqual(got, []string{node1 + "=Installing", node2 + "=Active"}) {
		t.Errorf("source list during migration: %v", got)
	}
	if got := srv.Calls(ccetest.OpGetNode); got != 5 {
		t.Errorf("OpGetNode calls %d", got)
	}
}

func TestRealTimeClock(t *testing.T) {
	srv, c := newEnv(t, ccetest.WithRealTime(1000), ccetest.WithJobDurations(time.Second, 10*time.Second))
	ctx := ctxT(t)
	op, err := c.MigrateNodes(ctx, srcID, dstID, sshSpec(node1, node2))
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	job, err := c.WaitForJob(ctx, op.ID(), jobs.WithInterval(time.Millisecond, 5*time.Millisecond))
	if err != nil || job.Status.Phase != cce.PhaseSuccess {
		t.Fatalf("WaitForJob: %v", err)
	}
	if el := time.Since(began); el > 3*time.Second {
		t.Errorf("an 11 s job at 1000x took %v", el)
	}
	if got := srv.ClusterNodes(dstID); len(got) != 2 {
		t.Errorf("target nodes %+v", got)
	}
}

// Nodes replaced by AddNode while a job runs are no longer touched by it.
func TestAddNodeDetachesMigration(t *testing.T) {
	srv, c := newEnv(t)
	ctx := ctxT(t)
	op, err := c.MigrateNodes(ctx, srcID, dstID, sshSpec(node1, node2))
	if err != nil {
		t.Fatal(err)
	}
	srv.AddNode(otherID, node2, "node-2-again")
	if _, err := c.WaitForJob(ctx, op.ID(), stepping(srv, time.Minute, nil)...); err != nil {
		t.Fatal(err)
	}
	if n, _ := srv.Node(node2); n.ClusterID != otherID || n.Name != "node-2-again" || n.MigrationJobID != "" {
		t.Errorf("replaced node %+v", n)
	}
	if n, _ := srv.Node(node1); n.ClusterID != dstID {
		t.Errorf("node 1 %+v", n)
	}
	if srv.ClusterNodes("nope") != nil {
		t.Error("ClusterNodes of an unknown cluster is not nil")
	}
	if _, ok := srv.Node("nope"); ok {
		t.Error("Node of an unknown node found")
	}
}

func TestConcurrentMigrations(t *testing.T) {
	srv, c := newEnv(t, ccetest.WithJobDurations(0, time.Minute))
	ctx := ctxT(t)
	const n = 8
	for i := range n {
		srv.AddNode(srcID, fmt.Sprintf("c-%d", i), "c")
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			op, err := c.MigrateNodes(ctx, srcID, dstID, sshSpec(fmt.Sprintf("c-%d", i)))
			if err == nil {
				_, err = c.WaitForJob(ctx, op.ID(), stepping(srv, time.Minute, nil)...)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := srv.ClusterNodes(dstID); len(got) != n {
		t.Errorf("%d nodes arrived, want %d", len(got), n)
	}
}

func TestOptionPanics(t *testing.T) {
	for name, opt := range map[string]ccetest.Option{
		"empty key":        ccetest.WithCredentials("", "sk", "p"),
		"slash in project": ccetest.WithCredentials("ak", "sk", "a/b"),
		"negative init":    ccetest.WithJobDurations(-time.Second, 0),
		"negative speed":   ccetest.WithRealTime(-1),
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			ccetest.NewServer(opt).Close()
		}()
	}
	srv := ccetest.NewServer()
	defer srv.Close()
	for name, f := range map[string]func(){
		"empty cluster ID": func() { srv.AddCluster("", "x") },
		"unknown cluster":  func() { srv.AddNode("nope", "n", "n") },
		"slash in node ID": func() { srv.AddCluster("c", "c"); srv.AddNode("c", "a/b", "n") },
		"empty node ID":    func() { srv.AddNode("c", "", "n") },
		"slash in cluster": func() { srv.AddCluster("x/y", "x") },
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
}
