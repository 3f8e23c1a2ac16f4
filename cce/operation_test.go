package cce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// cloud answers a handle's requests from a script the test changes as it
// goes: the job's document, each cluster's nodes, and the migration's
// answer. Every request is recorded as "GET /path" in order.
type cloud struct {
	mu    sync.Mutex
	job   string
	nodes map[string][]Node // cluster ID to its nodes
	put   string
	fail  map[string]int // request line to the status it gets instead
	reqs  []string
}

func newCloud() *cloud {
	return &cloud{nodes: map[string][]Node{}, put: `{"apiVersion":"v3","kind":"MigrateNodesTask","status":{"jobID":"` + testJobID + `"}}`}
}

func (cl *cloud) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cl.mu.Lock()
	line := r.Method + " " + r.URL.Path
	cl.reqs = append(cl.reqs, line)
	status, body := http.StatusOK, ""
	base := "/api/v3/projects/" + testProject
	switch {
	case cl.fail[line] != 0:
		status, body = cl.fail[line], `{"errorCode":"CCE.01500001","errorMessage":"scripted failure"}`
	case r.Method == http.MethodGet && line == "GET "+base+"/jobs/"+testJobID:
		body = cl.job
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, base+"/clusters/") && strings.HasSuffix(r.URL.Path, "/nodes"):
		id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, base+"/clusters/"), "/nodes")
		b, _ := json.Marshal(NodeList{Kind: "List", APIVersion: "v3", Items: append([]Node{}, cl.nodes[id]...)})
		body = string(b)
	case r.Method == http.MethodPut:
		body = cl.put
	default:
		status, body = http.StatusNotFound, `{"errorCode":"CCE.01404001","errorMessage":"not found"}`
	}
	cl.mu.Unlock()
	replyJSON(status, body)(w, r)
}

// set replaces the job and the nodes of a cluster.
func (cl *cloud) set(job string, cluster string, nodes ...Node) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if job != "" {
		cl.job = job
	}
	if cluster != "" {
		cl.nodes[cluster] = nodes
	}
}

// sent returns the requests made since the last call.
func (cl *cloud) sent() []string {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	out := cl.reqs
	cl.reqs = nil
	return out
}

func (cl *cloud) client(t *testing.T, opts ...cloudmigrate.Option) *Client {
	t.Helper()
	f := newRawFake(t, cl.ServeHTTP)
	return f.client(append([]cloudmigrate.Option{cloudmigrate.WithRetry(0)}, opts...)...)
}

func node(uid, phase, jobID string) Node {
	return Node{Kind: "Node", Metadata: NodeMetadata{UID: uid, Name: "name-" + uid}, Status: NodeStatus{Phase: NodePhase(phase), JobID: jobID}}
}

// migrationJob is a job document with one sub-job per node.
func migrationJob(phase JobPhase, reason string, subs map[string]JobPhase, uids ...string) string {
	j := Job{Kind: "Job", Metadata: JobMetadata{UID: testJobID}, Status: JobStatus{Phase: phase, Reason: reason}}
	for _, u := range uids {
		sj := Job{Kind: "Job", Spec: JobSpec{ResourceID: u, ResourceName: "name-" + u}, Status: JobStatus{Phase: subs[u]}}
		if sj.Status.Phase == PhaseFailed {
			sj.Status.Reason = reason
		}
		j.Spec.SubJobs = append(j.Spec.SubJobs, sj)
	}
	b, _ := json.Marshal(j)
	return string(b)
}

const (
	jobPath = "GET /api/v3/projects/" + testProject + "/jobs/" + testJobID
	srcList = "GET /api/v3/projects/" + testProject + "/clusters/" + srcCluster + "/nodes"
	dstList = "GET /api/v3/projects/" + testProject + "/clusters/" + dstCluster + "/nodes"
	putLine = "PUT " + migratePath
)

func start(t *testing.T, c *Client, uids ...string) *jobs.Operation[*Job] {
	t.Helper()
	op, err := c.MigrateNodes(context.Background(), srcCluster, dstCluster, &MigrateNodesSpec{
		OS: "EulerOS 2.9", Login: &Login{SSHKey: "KeyPair-001"}, Nodes: Nodes(uids...),
	})
	if err != nil {
		t.Fatalf("MigrateNodes: %v", err)
	}
	return op
}

// sameLines fails unless got holds the lines of want, in any order (the
// two node lists of a start go out together).
func sameLines(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	g, w := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s sent %q, want %q", what, got, want)
	}
}

func poll(t *testing.T, op *jobs.Operation[*Job]) (jobs.Status, error) {
	t.Helper()
	return op.Poll(context.Background())
}

// A start reads both clusters, then sends the migration; each poll sends
// the job's GET, and the one that sees Success the target's node list
// too; after the end nothing more is sent.
func TestPollCosts(t *testing.T) {
	cl := newCloud()
	cl.set("", srcCluster, node("a", "Active", ""), node("b", "Active", ""))
	c := cl.client(t)
	op := start(t, c, "a", "b")
	sameLines(t, "MigrateNodes", cl.sent(), srcList, dstList, putLine)

	cl.set(migrationJob(PhaseRunning, "", map[string]JobPhase{"a": PhaseSuccess, "b": PhaseRunning}, "a", "b"), "")
	st, err := poll(t, op)
	if err != nil || st.State != jobs.Running || st.Word != "Running" || st.Progress != 50 {
		t.Fatalf("running poll: %+v, %v", st, err)
	}
	sameLines(t, "a poll of a running job", cl.sent(), jobPath)

	cl.set(migrationJob(PhaseSuccess, "", map[string]JobPhase{"a": PhaseSuccess, "b": PhaseSuccess}, "a", "b"),
		dstCluster, node("a", "Active", ""), node("b", "Active", ""))
	st, err = poll(t, op)
	if err != nil || st.State != jobs.Succeeded || st.Word != "Active" || st.Progress != 100 {
		t.Fatalf("final poll: %+v, %v", st, err)
	}
	sameLines(t, "the final poll", cl.sent(), jobPath, dstList)

	job, err := op.Result()
	if err != nil || job == nil || job.Status.Phase != PhaseSuccess {
		t.Fatalf("Result: %+v, %v", job, err)
	}
	if _, err := op.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := poll(t, op); err != nil {
		t.Fatal(err)
	}
	sameLines(t, "an ended handle", cl.sent())
}

// The job says Success, but a node is not in the target cluster: the
// handle fails, saying so.
func TestSuccessWithoutTheNodes(t *testing.T) {
	cl := newCloud()
	c := cl.client(t)
	op := start(t, c, "a", "b")
	cl.set(migrationJob(PhaseSuccess, "", nil, "a", "b"), dstCluster, node("a", "Active", ""))
	cl.sent()
	_, err := op.Wait(context.Background(), jobs.WithInterval(0, 0))
	var failed *jobs.FailedError
	if !errors.As(err, &failed) {
		t.Fatalf("Wait: %v, want a *jobs.FailedError", err)
	}
	if failed.Status.State != jobs.Failed || !strings.Contains(failed.Status.Message, "node b is not in cluster "+dstCluster+" although job "+testJobID+" succeeded") {
		t.Errorf("status %+v", failed.Status)
	}
	if j, ok := failed.Job.(*Job); !ok || j.Status.Phase != PhaseSuccess {
		t.Errorf("FailedError.Job = %#v", failed.Job)
	}
	if strings.Contains(failed.Status.Message, "node a") {
		t.Errorf("the message blames node a, which arrived: %s", failed.Status.Message)
	}
	sameLines(t, "the wait", cl.sent(), jobPath, dstList)
}

// After the job, the handle waits for every node to become Active in the
// target cluster, with one request per poll.
func TestWaitsForTheNodesToBecomeActive(t *testing.T) {
	cl := newCloud()
	c := cl.client(t)
	op := start(t, c, "a", "b")
	cl.sent()
	cl.set(migrationJob(PhaseSuccess, "", nil, "a", "b"), dstCluster, node("a", "Active", ""), node("b", "Installing", ""))
	st, err := poll(t, op)
	if err != nil || st.State != jobs.Running || st.Word != "Installing" || st.Progress != 50 ||
		!strings.Contains(st.Message, "b (name-b) (Installing)") {
		t.Fatalf("poll: %+v, %v", st, err)
	}
	cl.set("", dstCluster, node("a", "Active", ""), node("b", "Active", ""))
	st, err = poll(t, op)
	if err != nil || st.State != jobs.Succeeded {
		t.Fatalf("poll: %+v, %v", st, err)
	}
	sameLines(t, "two polls", cl.sent(), jobPath, dstList, dstList)
}

func TestBrokenNodeInTarget(t *testing.T) {
	for _, phase := range []string{"Abnormal", "Error", "Deleting"} {
		cl := newCloud()
		c := cl.client(t)
		op := start(t, c, "a", "b")
		cl.set(migrationJob(PhaseSuccess, "", nil, "a", "b"), dstCluster, node("a", phase, ""), node("b", "Installing", ""))
		// b is still on its way: wait for it before ending.
		if st, err := poll(t, op); err != nil || st.State != jobs.Running {
			t.Fatalf("%s: poll %+v, %v", phase, st, err)
		}
		cl.set("", dstCluster, node("a", phase, ""), node("b", "Active", ""))
		st, err := poll(t, op)
		if st.State != jobs.Failed || st.Word != phase || !strings.Contains(st.Message, "node a (name-a) is "+phase+" in cluster "+dstCluster) {
			t.Errorf("%s: %+v", phase, st)
		}
		var failed *jobs.FailedError
		if !errors.As(err, &failed) {
			t.Errorf("%s: err %v", phase, err)
		}
	}
}

// A failed job's error names each failed sub-job's node and reason.
func TestFailedJobReasons(t *testing.T) {
	cl := newCloud()
	c := cl.client(t)
	op := start(t, c, "a", "b", "c")
	const reason = "the node has only a system disk"
	cl.set(migrationJob(PhaseFailed, reason, map[string]JobPhase{"a": PhaseSuccess, "b": PhaseFailed, "c": PhaseFailed}, "a", "b", "c"), "")
	cl.sent()
	st, err := poll(t, op)
	want := "node b (name-b): " + reason + "; node c (name-c): " + reason
	if st.State != jobs.Failed || st.Message != want {
		t.Errorf("status %+v, want message %q", st, want)
	}
	var failed *jobs.FailedError
	if !errors.As(err, &failed) || failed.Status.Message != want || failed.Job.(*Job).Spec.SubJobs[1].Status.Phase != PhaseFailed {
		t.Errorf("err %v", err)
	}
	sameLines(t, "a poll of a failed job", cl.sent(), jobPath)

	// A job reason that no sub-job gives leads the message.
	j := Job{Status: JobStatus{Phase: PhaseFailed, Reason: "quota exceeded"}, Spec: JobSpec{SubJobs: []Job{
		{Spec: JobSpec{ResourceID: "x"}, Status: JobStatus{Phase: PhaseFailed, Reason: "disk"}},
		{Spec: JobSpec{SubJobs: []Job{{Spec: JobSpec{ResourceName: "deep"}, Status: JobStatus{Phase: PhaseFailed, Reason: "nested"}}}}},
	}}}
	if got := j.failureMessage(); got != "quota exceeded; node x: disk; node deep: nested" {
		t.Errorf("failureMessage = %q", got)
	}
	if got := (&Job{Status: JobStatus{Phase: PhaseFailed}}).failureMessage(); got != "" {
		t.Errorf("failureMessage of a bare job = %q", got)
	}
}

// A poll that cannot reach the service leaves the handle as it was.
func TestPollErrorKeepsTheHandle(t *testing.T) {
	cl := newCloud()
	c := cl.client(t)
	op := start(t, c, "a")
	cl.set(migrationJob(PhaseRunning, "", nil, "a"), "")
	if _, err := poll(t, op); err != nil {
		t.Fatal(err)
	}
	cl.mu.Lock()
	cl.fail = map[string]int{jobPath: 500}
	cl.mu.Unlock()
	st, err := poll(t, op)
	var apiErr *cloudmigrate.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 500 || op.Done() || st.Word != "Running" {
		t.Fatalf("poll: %+v, %v", st, err)
	}
	// The job succeeds, but the node list fails: the next poll lists
	// the nodes again without asking for the job.
	cl.mu.Lock()
	cl.fail = map[string]int{dstList: 500}
	cl.mu.Unlock()
	cl.set(migrationJob(PhaseSuccess, "", nil, "a"), dstCluster, node("a", "Active", ""))
	cl.sent()
	if _, err := poll(t, op); err == nil || op.Done() {
		t.Fatalf("poll with a failing node list: %v", err)
	}
	cl.mu.Lock()
	cl.fail = nil
	cl.mu.Unlock()
	if st, err := poll(t, op); err != nil || st.State != jobs.Succeeded {
		t.Fatalf("poll: %+v, %v", st, err)
	}
	sameLines(t, "three polls", cl.sent(), jobPath, dstList, dstList)
}

// A node Installing in the source cluster with a job is a move under
// way: MigrateNodes follows that job and sends no migration. Nodes of the
// spec that are idle are not part of the handle.
func TestAdoptByJob(t *testing.T) {
	const other = "8d1c1d4e-45ed-11ea-a3ff-0255ac100b05"
	cl := newCloud()
	cl.set("", srcCluster, node("a", "Installing", other), node("b", "Active", ""), node("c", "Installing", other))
	c := cl.client(t)
	op, err := c.MigrateNodes(context.Background(), srcCluster, dstCluster, &MigrateNodesSpec{
		OS: "EulerOS 2.9", Login: &Login{SSHKey: "k"}, Nodes: Nodes("a", "b", "c"),
	})
	var ipe *cloudmigrate.InProgressError
	if !errors.As(err, &ipe) || !errors.Is(err, cloudmigrate.ErrInProgress) {
		t.Fatalf("err %v, want an *InProgressError", err)
	}
	if ipe.Resource != "nodes a, c" || ipe.Evidence != "nodes a, c Installing in cluster "+srcCluster+" with job "+other {
		t.Errorf("error %+v", ipe)
	}
	tok := op.Token()
	if op.ID() != other || !reflect.DeepEqual(tok.Resources, []string{"a", "c"}) || tok.Source != srcCluster || tok.Target != dstCluster || !tok.Started.IsZero() {
		t.Errorf("token %+v", tok)
	}
	sameLines(t, "an adopting start", cl.sent(), srcList, dstList)
}

// Without a job to follow, an adopted handle watches the nodes: the
// target cluster, and the source cluster for those not there yet.
func TestAdoptWithoutJob(t *testing.T) {
	cl := newCloud()
	cl.set("", srcCluster, node("a", "Installing", ""), node("b", "Installing", ""))
	c := cl.client(t)
	op, err := c.MigrateNodes(context.Background(), srcCluster, dstCluster, &MigrateNodesSpec{
		OS: "EulerOS 2.9", Login: &Login{SSHKey: "k"}, Nodes: Nodes("a", "b"),
	})
	if !errors.Is(err, cloudmigrate.ErrInProgress) || op.ID() != "" {
		t.Fatalf("start: %v, job %q", err, op.ID())
	}
	cl.sent()
	st, err := poll(t, op)
	if err != nil || st.State != jobs.Running || st.Word != "Installing" {
		t.Fatalf("poll: %+v, %v", st, err)
	}
	sameLines(t, "a watching poll", cl.sent(), dstList, srcList)

	cl.set("", srcCluster, node("b", "Installing", ""))
	cl.set("", dstCluster, node("a", "Active", ""))
	if st, err := poll(t, op); err != nil || st.State != jobs.Running || st.Progress != 50 {
		t.Fatalf("poll: %+v, %v", st, err)
	}
	cl.sent()
	cl.set("", srcCluster)
	cl.set("", dstCluster, node("a", "Active", ""), node("b", "Active", ""))
	if st, err := poll(t, op); err != nil || st.State != jobs.Succeeded {
		t.Fatalf("poll: %+v, %v", st, err)
	}
	sameLines(t, "the last poll", cl.sent(), dstList)
	if job, err := op.Result(); job != nil || err != nil {
		t.Errorf("Result: %v, %v; want no job and no error", job, err)
	}
}

// Watching the nodes, a node left behind in another phase, or found
// nowhere, ends the handle Failed.
func TestWatchedNodesThatDidNotMove(t *testing.T) {
	cl := newCloud()
	cl.set("", srcCluster, node("a", "Installing", ""), node("b", "Installing", ""))
	c := cl.client(t)
	op, _ := c.MigrateNodes(context.Background(), srcCluster, dstCluster, &MigrateNodesSpec{
		OS: "EulerOS 2.9", Login: &Login{SSHKey: "k"}, Nodes: Nodes("a", "b"),
	})
	cl.set("", srcCluster, node("a", "Error", ""))
	st, err := poll(t, op)
	if st.State != jobs.Failed || err == nil ||
		st.Message != "node a (name-a) is still in cluster "+srcCluster+" (Error): it did not move; node b is in neither cluster "+srcCluster+" nor cluster "+dstCluster {
		t.Errorf("poll: %+v, %v", st, err)
	}
}

// Nodes that are all in the target cluster already: a finished handle,
// with nothing sent but the two reads.
func TestAdoptArrived(t *testing.T) {
	cl := newCloud()
	cl.set("", dstCluster, node("a", "Active", ""), node("b", "Active", ""), node("z", "Active", ""))
	c := cl.client(t)
	op, err := c.MigrateNodes(context.Background(), srcCluster, dstCluster, &MigrateNodesSpec{
		OS: "EulerOS 2.9", Login: &Login{SSHKey: "k"}, Nodes: Nodes("a", "b"),
	})
	var ipe *cloudmigrate.InProgressError
	if !errors.As(err, &ipe) || ipe.Evidence != "nodes a, b already in cluster "+dstCluster {
		t.Fatalf("err %v", err)
	}
	if !op.Done() || op.Status().State != jobs.Succeeded {
		t.Fatalf("handle done %v, status %+v", op.Done(), op.Status())
	}
	if _, err := op.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	sameLines(t, "an adopting start and a wait", cl.sent(), srcList, dstList)

	// Arrived but not yet Active: the handle goes on watching.
	cl.set("", dstCluster, node("a", "Active", ""), node("b", "Build", ""))
	op, err = c.MigrateNodes(context.Background(), srcCluster, dstCluster, &MigrateNodesSpec{
		OS: "EulerOS 2.9", Login: &Login{SSHKey: "k"}, Nodes: Nodes("a", "b"),
	})
	if !errors.Is(err, cloudmigrate.ErrInProgress) || op.Done() {
		t.Fatalf("err %v, done %v", err, op.Done())
	}
	cl.set("", dstCluster, node("a", "Active", ""), node("b", "Active", ""))
	if st, err := poll(t, op); err != nil || st.State != jobs.Succeeded {
		t.Fatalf("poll: %+v, %v", st, err)
	}
	// Arrived, but broken there: a finished, failed handle.
	cl.set("", dstCluster, node("a", "Abnormal", ""))
	op, err = c.MigrateNodes(context.Background(), srcCluster, dstCluster, &MigrateNodesSpec{
		OS: "EulerOS 2.9", Login: &Login{SSHKey: "k"}, Nodes: Nodes("a"),
	})
	if _, werr := op.Result(); !errors.Is(err, cloudmigrate.ErrInProgress) || !op.Done() || werr == nil {
		t.Fatalf("err %v, done %v, result error %v", err, op.Done(), werr)
	}
}

// Nodes partly arrived and partly idle, or a node being installed in the
// target cluster: the first is sent as asked, the second adopted.
func TestAdoptionEdges(t *testing.T) {
	cl := newCloud()
	cl.set("", srcCluster, node("b", "Active", ""))
	cl.set("", dstCluster, node("a", "Active", ""))
	c := cl.client(t)
	op := start(t, c, "a", "b")
	sameLines(t, "a start of nodes partly arrived", cl.sent(), srcList, dstList, putLine)
	if op.ID() != testJobID {
		t.Errorf("handle on %q", op.ID())
	}

	cl.set("", srcCluster, node("b", "Active", ""))
	cl.set("", dstCluster, node("a", "Installing", ""))
	op, err := c.MigrateNodes(context.Background(), srcCluster, dstCluster, &MigrateNodesSpec{
		OS: "EulerOS 2.9", Login: &Login{SSHKey: "k"}, Nodes: Nodes("a", "b"),
	})
	var ipe *cloudmigrate.InProgressError
	if !errors.As(err, &ipe) || ipe.Evidence != "node a Installing in cluster "+dstCluster || op.ID() != "" ||
		!reflect.DeepEqual(op.Token().Resources, []string{"a"}) {
		t.Fatalf("err %v, token %+v", err, op.Token())
	}
	sameLines(t, "an adopting start", cl.sent(), srcList, dstList)

	// Installing nodes naming different jobs: the nodes are watched.
	cl.set("", srcCluster, node("a", "Installing", "j1"), node("b", "Installing", "j2"))
	cl.set("", dstCluster)
	op, err = c.MigrateNodes(context.Background(), srcCluster, dstCluster, &MigrateNodesSpec{
		OS: "EulerOS 2.9", Login: &Login{SSHKey: "k"}, Nodes: Nodes("a", "b"),
	})
	if !errors.Is(err, cloudmigrate.ErrInProgress) || op.ID() != "" {
		t.Fatalf("err %v, job %q", err, op.ID())
	}
}

// A start whose reads fail sends no migration.
func TestAdoptionReadFails(t *testing.T) {
	for _, line := range []string{srcList, dstList} {
		cl := newCloud()
		cl.fail = map[string]int{line: 503}
		c := cl.client(t)
		op, err := c.MigrateNodes(context.Background(), srcCluster, dstCluster, &MigrateNodesSpec{
			OS: "EulerOS 2.9", Login: &Login{SSHKey: "k"}, Nodes: Nodes("a"),
		})
		var apiErr *cloudmigrate.Error
		if op != nil || !errors.As(err, &apiErr) || apiErr.StatusCode != 503 {
			t.Errorf("%s failing: %v, %v", line, op, err)
		}
		for _, r := range cl.sent() {
			if strings.HasPrefix(r, "PUT") {
				t.Errorf("%s failing: the migration was sent", line)
			}
		}
	}
}

// An answer without a usable job ID leaves a handle that watches the
// nodes.
func TestAnswerWithoutJob(t *testing.T) {
	for _, answer := range []string{`{}`, `{"status":{"jobID":"a/b"}}`} {
		cl := newCloud()
		cl.put = answer
		c := cl.client(t)
		op := start(t, c, "a")
		cl.sent()
		cl.set("", srcCluster, node("a", "Installing", ""))
		if op.ID() != "" {
			t.Errorf("%s: job %q", answer, op.ID())
		}
		if st, err := poll(t, op); err != nil || st.State != jobs.Running {
			t.Errorf("%s: poll %+v, %v", answer, st, err)
		}
		sameLines(t, "a watching poll", cl.sent(), dstList, srcList)
	}

	// A node still Active in the source cluster has not started yet,
	// for a while; after that it was left behind.
	cl := newCloud()
	cl.put = `{}`
	c := cl.client(t)
	op := start(t, c, "a")
	cl.set("", srcCluster, node("a", "Active", ""))
	st, err := poll(t, op)
	if err != nil || st.State != jobs.Running || !strings.Contains(st.Message, "not started yet") {
		t.Fatalf("poll soon after the start: %+v, %v", st, err)
	}
	tok := op.Token()
	tok.Started = time.Now().Add(-startGrace - time.Second)
	late, err := c.ResumeNodeMigration(tok.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if st, err := poll(t, late); st.State != jobs.Failed || err == nil || !strings.Contains(st.Message, "it did not move") {
		t.Errorf("poll long after the start: %+v, %v", st, err)
	}
}

func TestTokenOfAStart(t *testing.T) {
	cl := newCloud()
	c := cl.client(t)
	before := time.Now().Add(-time.Second)
	op := start(t, c, "a", "b")
	tok, err := jobs.ParseToken(mustToken(t, op))
	if err != nil {
		t.Fatal(err)
	}
	want := jobs.Token{
		Service: "cce", Kind: "migrate-nodes", Endpoint: c.Endpoint(), Project: testProject,
		Resources: []string{"a", "b"}, ID: testJobID, Source: srcCluster, Target: dstCluster, Started: tok.Started,
	}
	if !reflect.DeepEqual(tok, want) || tok.Started.Before(before) || tok.Started.After(time.Now()) {
		t.Errorf("token %+v\nwant %+v", tok, want)
	}
	// The handle's token does not change as it polls, and its Resources
	// cannot be changed through Token.
	op.Token().Resources[0] = "changed"
	if op.Token().Resources[0] != "a" {
		t.Error("Token shares its Resources")
	}
}

func mustToken(t *testing.T, op *jobs.Operation[*Job]) string {
	t.Helper()
	s, err := op.ResumeToken()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Resuming sends nothing; the first poll does, as for the handle it was
// taken from.
func TestResume(t *testing.T) {
	cl := newCloud()
	c := cl.client(t)
	op := start(t, c, "a")
	token := mustToken(t, op)
	cl.sent()
	resumed, err := c.ResumeNodeMigration(token)
	if err != nil {
		t.Fatal(err)
	}
	if got := cl.sent(); len(got) != 0 {
		t.Fatalf("resume sent %q", got)
	}
	if resumed.ID() != testJobID || !reflect.DeepEqual(resumed.Token(), op.Token()) {
		t.Errorf("resumed token %+v", resumed.Token())
	}
	cl.set(migrationJob(PhaseSuccess, "", nil, "a"), dstCluster, node("a", "Active", ""))
	if _, err := resumed.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	sameLines(t, "the resumed wait", cl.sent(), jobPath, dstList)

	// A client whose endpoint differs in case or a trailing slash only.
	same, err := NewClient(strings.ToUpper(c.Endpoint())+"/", testProject, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := same.ResumeNodeMigration(token); err != nil {
		t.Errorf("same endpoint, other spelling: %v", err)
	}
}

func TestResumeRefusesBadTokens(t *testing.T) {
	cl := newCloud()
	c := cl.client(t)
	good := jobs.Token{
		Service: "cce", Kind: "migrate-nodes", Endpoint: c.Endpoint(), Project: testProject,
		Resources: []string{"a"}, ID: testJobID, Source: srcCluster, Target: dstCluster,
	}
	edit := func(f func(t *jobs.Token)) string {
		t := good
		t.Resources = append([]string(nil), good.Resources...)
		f(&t)
		return t.Encode()
	}
	enc := good.Encode()
	many := make([]string, MaxNodesPerMigration+1)
	for i := range many {
		many[i] = "n" + strings.Repeat("x", i)
	}
	cases := map[string]string{
		"empty":            "",
		"not a token":      "hello",
		"truncated":        enc[:len(enc)-4],
		"tampered":         enc[:10] + string(rune(enc[10]^1)) + enc[11:],
		"newer version":    "cmop9" + enc[len("cmop1"):],
		"other service":    edit(func(t *jobs.Token) { t.Service = "ecs" }),
		"other endpoint":   edit(func(t *jobs.Token) { t.Endpoint = "https://cce.cn-north-1.myhuaweicloud.com" }),
		"other project":    edit(func(t *jobs.Token) { t.Project = "another" }),
		"other kind":       edit(func(t *jobs.Token) { t.Kind = "migrate-to-pool" }),
		"no nodes":         edit(func(t *jobs.Token) { t.Resources = nil }),
		"too many nodes":   edit(func(t *jobs.Token) { t.Resources = many }),
		"bad node":         edit(func(t *jobs.Token) { t.Resources = []string{"a/b"} }),
		"blank node":       edit(func(t *jobs.Token) { t.Resources = []string{"a", " "} }),
		"bad job":          edit(func(t *jobs.Token) { t.ID = "../jobs" }),
		"no target":        edit(func(t *jobs.Token) { t.Target = "" }),
		"bad source":       edit(func(t *jobs.Token) { t.Source = "a?b" }),
		"same clusters":    edit(func(t *jobs.Token) { t.Target = srcCluster }),
		"control in a job": edit(func(t *jobs.Token) { t.ID = "j\r\nX: 1" }),
	}
	for name, tok := range cases {
		op, err := c.ResumeNodeMigration(tok)
		var ve *cloudmigrate.ValidationError
		if op != nil || !errors.As(err, &ve) || ve.Field != "token" {
			t.Errorf("%s: %v, %v; want a ValidationError for the token", name, op, err)
		}
	}
	if got := cl.sent(); len(got) != 0 {
		t.Errorf("resumes sent %q", got)
	}
}

func TestHandleEdges(t *testing.T) {
	cl := newCloud()
	c := cl.client(t)
	op := start(t, c, "a")
	cl.sent()
	if err := op.Abort(context.Background()); !errors.Is(err, jobs.ErrCannotAbort) {
		t.Errorf("Abort: %v", err)
	}
	//lint:ignore SA1012 testing the nil check
	if _, err := op.Poll(nil); err == nil {
		t.Error("Poll(nil) gave no error")
	}
	//lint:ignore SA1012 testing the nil check
	_, err := c.MigrateNodes(nil, srcCluster, dstCluster, &MigrateNodesSpec{
		OS: "EulerOS 2.9", Login: &Login{SSHKey: "k"}, Nodes: Nodes("a"),
	})
	wantValidation(t, err, "ctx")
	if got := cl.sent(); len(got) != 0 {
		t.Errorf("sent %q", got)
	}
}

// The rule for IDs in paths applies to node UIDs: the handle's token must
// be one ResumeNodeMigration takes back.
func TestNodeUIDsFollowTheIDRule(t *testing.T) {
	cl := newCloud()
	c := cl.client(t)
	for _, uid := range []string{"a/b", "a b", "a%2F", "..", strings.Repeat("x", 256)} {
		_, err := c.MigrateNodes(context.Background(), srcCluster, dstCluster, &MigrateNodesSpec{
			OS: "EulerOS 2.9", Login: &Login{SSHKey: "k"}, Nodes: Nodes("ok", uid),
		})
		wantValidation(t, err, "spec.nodes[1].uid")
	}
	if got := cl.sent(); len(got) != 0 {
		t.Errorf("sent %q", got)
	}
	// The longest UIDs, 200 of them, make a token that resumes.
	uids := make([]string, MaxNodesPerMigration)
	for i := range uids {
		uids[i] = strings.Repeat(string(rune('a'+i%26)), 250) + fmt.Sprintf("%05d", i)
	}
	op := start(t, c, uids...)
	if _, err := c.ResumeNodeMigration(mustToken(t, op)); err != nil {
		t.Errorf("resuming a 200-node token of %d bytes: %v", len(mustToken(t, op)), err)
	}
}

// The reads before a start are the node lists of both clusters, with the
// SDK's headers; the migration itself goes out only when they show no
// move under way.
func TestStartReadsBothClustersFirst(t *testing.T) {
	f := newFake(t, replyJSON(200, `{"status":{"jobID":"`+testJobID+`"}}`))
	if _, err := f.client().MigrateNodes(context.Background(), srcCluster, dstCluster, goodSpec()); err != nil {
		t.Fatal(err)
	}
	reads := f.listReads()
	if len(reads) != 2 || f.count() != 1 {
		t.Fatalf("%d reads and %d other requests", len(reads), f.count())
	}
	paths := []string{reads[0].Path, reads[1].Path}
	slices.Sort(paths)
	for i, want := range []string{strings.TrimPrefix(srcList, "GET "), strings.TrimPrefix(dstList, "GET ")} {
		checkGET(t, seen{Method: reads[i].Method, Path: paths[i], Header: reads[i].Header}, want)
	}

	b, _ := json.Marshal(NodeList{Items: []Node{node("n2", "Installing", testJobID)}})
	f = newFake(t, replyJSON(200, `{"status":{"jobID":"other"}}`))
	f.setNodes(srcCluster, string(b))
	op, err := f.client().MigrateNodes(context.Background(), srcCluster, dstCluster, goodSpec())
	if !errors.Is(err, cloudmigrate.ErrInProgress) || op.ID() != testJobID || f.count() != 0 || len(f.listReads()) != 2 {
		t.Fatalf("adopting start: %v, job %q, %d other requests", err, op.ID(), f.count())
	}
}
