package cce_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/cce"
	"github.com/cloudmigrate/cloudmigrate/cce/ccetest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// fakeCCE stands in for the CCE endpoint in the examples of jobs and
// errors. Job "job-ok" runs once and then succeeds; job "job-bad" fails;
// every cluster has no nodes; cluster "locked" answers 429 CCE.01429002
// to every migration. The examples of moves use package ccetest, which
// keeps clusters and nodes.
func fakeCCE() *httptest.Server {
	var mu sync.Mutex
	polls := map[string]int{}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "f3a1c9d2")
		switch {
		case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/nodes"):
			// No node is moving: MigrateNodes may start.
			fmt.Fprint(w, `{"kind":"List","apiVersion":"v3","items":[]}`)
		case r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/clusters/locked/"):
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"errorCode":"CCE.01429002","errorMessage":"the cluster is locked by another request"}`)
		case r.Method == http.MethodPut:
			fmt.Fprint(w, `{"apiVersion":"v3","kind":"MigrateNodesTask",
				"spec":{"os":"EulerOS 2.5","login":{"sshKey":"KeyPair-001"},"runtime":{"name":"docker"},
				"nodes":[{"uid":"node-1"},{"uid":"node-2"}]},"status":{"jobID":"job-ok"}}`)
		case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/jobs/job-ok"):
			mu.Lock()
			polls["job-ok"]++
			n := polls["job-ok"]
			mu.Unlock()
			phase := "Running"
			if n > 1 {
				phase = "Success"
			}
			fmt.Fprintf(w, `{"kind":"Job","apiVersion":"v3",
				"metadata":{"uid":"job-ok","creationTimestamp":"2020-02-02 08:12:40.672772389 +0000 UTC",
				"updateTimestamp":"2020-02-02 08:15:02.1 +0000 UTC"},
				"spec":{"type":"MigrateNode","clusterUID":"cluster-a","resourceID":"cluster-a",
				"subJobs":[{"kind":"Job","status":{"phase":"Success"}},{"kind":"Job","status":{"phase":%q}}]},
				"status":{"phase":%q,"reason":""}}`, phase, phase)
		case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/jobs/job-bad"):
			fmt.Fprint(w, `{"kind":"Job","metadata":{"uid":"job-bad"},
				"spec":{"type":"MigrateNode","subJobs":[{"kind":"Job","spec":{"resourceID":"node-2"},
				"status":{"phase":"Failed","reason":"node-2 has only a system disk"}}]},
				"status":{"phase":"Failed","reason":""}}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"errorCode":"CCE.01404001","errorMessage":"not found"}`)
		}
	}))
}

// fakeCloud starts the in-process CCE of package ccetest with two
// clusters, three nodes in cluster-a and a node pool in cluster-b, and a
// client for it. In real use the client is
// cce.NewClient("https://cce.cn-north-4.myhuaweicloud.com", projectID, auth.NewAKSK(ak, sk)).
func fakeCloud() (*ccetest.Server, *cce.Client) {
	srv := ccetest.NewServer()
	srv.AddCluster("cluster-a", "legacy")
	srv.AddCluster("cluster-b", "consolidated")
	for i := 1; i <= 3; i++ {
		srv.AddNode("cluster-a", fmt.Sprintf("node-%d", i), fmt.Sprintf("web-%d", i))
	}
	srv.AddNodePool("cluster-b", "pool-web", "web", ccetest.NodeConfig{})
	c, err := cce.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	return srv, c
}

// fastPolls polls every few milliseconds and moves the fake's clock a
// minute after each poll; against CCE keep the defaults (2 s growing to
// 30 s) or poll every 10 to 30 seconds.
func fastPolls(srv *ccetest.Server) []jobs.Option {
	return []jobs.Option{
		jobs.WithInterval(time.Millisecond, 5*time.Millisecond),
		jobs.WithProgress(func(jobs.Status) { srv.Clock().Advance(time.Minute) }),
	}
}

// Move two nodes to another cluster and wait until they are Active there.
func Example() {
	srv, c := fakeCloud()
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	op, err := c.MigrateNodes(ctx, "cluster-a", "cluster-b", &cce.MigrateNodesSpec{
		OS:    "EulerOS 2.9",
		Login: &cce.Login{SSHKey: "KeyPair-001"},
		Nodes: cce.Nodes("node-1", "node-2"),
	})
	if err != nil {
		log.Fatal(err)
	}
	// Save op.ResumeToken() to pick the move up again after a restart.
	job, err := op.Wait(ctx, fastPolls(srv)...)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("job", job.Status.Phase)
	nodes, err := c.ListNodes(ctx, "cluster-b")
	if err != nil {
		log.Fatal(err)
	}
	for _, n := range nodes {
		fmt.Println(n.Metadata.Name, n.Status.Phase, n.Spec.OS)
	}
	// Output:
	// job Success
	// web-1 Active EulerOS 2.9
	// web-2 Active EulerOS 2.9
}

// Poll the handle from a control loop that must not block: one poll sends
// at most two requests.
func ExampleClient_MigrateNodes() {
	srv, c := fakeCloud()
	defer srv.Close()
	ctx := context.Background()

	op, err := c.MigrateNodes(ctx, "cluster-a", "cluster-b", &cce.MigrateNodesSpec{
		OS: "EulerOS 2.9",
		ExtendParam: &cce.MigrateNodeExtendParam{
			MaxPods:     110,
			PostInstall: base64.StdEncoding.EncodeToString([]byte("echo migrated > /tmp/marker")),
		},
		Login:   &cce.Login{SSHKey: "KeyPair-001"},
		Runtime: &cce.Runtime{Name: cce.RuntimeContainerd},
		Nodes:   cce.Nodes("node-1", "node-2", "node-3"),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("job:", op.ID())
	for !op.Done() {
		st, err := op.Poll(ctx)
		if err != nil && !op.Done() {
			log.Fatal(err) // the poll itself failed; try again later
		}
		fmt.Printf("%s %s %d%%\n", st.State, st.Word, st.Progress)
		srv.Clock().Advance(2 * time.Minute) // time passes between polls
	}
	// Output:
	// job: 2ec9b78d-0000-46f3-8f29-000000000001
	// pending Initializing 0%
	// running Running 33%
	// running Running 66%
	// succeeded Active 100%
}

// Starting a move of nodes that are already moving adopts the move in
// flight instead of starting another.
func ExampleClient_MigrateNodes_adopt() {
	srv, c := fakeCloud()
	defer srv.Close()
	ctx := context.Background()
	spec := &cce.MigrateNodesSpec{OS: "EulerOS 2.9", Login: &cce.Login{SSHKey: "KeyPair-001"}, Nodes: cce.Nodes("node-1")}

	first, err := c.MigrateNodes(ctx, "cluster-a", "cluster-b", spec)
	if err != nil {
		log.Fatal(err)
	}
	srv.Clock().Advance(time.Minute) // the node is being reinstalled

	// A second start, say after a crash that lost the first handle.
	again, err := c.MigrateNodes(ctx, "cluster-a", "cluster-b", spec)
	fmt.Println(errors.Is(err, cloudmigrate.ErrInProgress), again.ID() == first.ID())
	fmt.Println(err)
	fmt.Println("migrations sent:", srv.Calls(ccetest.OpMigrateNodes))
	// Output:
	// true true
	// cloudmigrate: a move of node node-1 is already in progress (node node-1 Installing in cluster cluster-a with job 2ec9b78d-0000-46f3-8f29-000000000001); adopted it instead of starting another
	// migrations sent: 1
}

// A failed migration says which node's sub-job failed, and why.
func ExampleClient_MigrateNodes_failed() {
	srv, c := fakeCloud()
	defer srv.Close()
	srv.FailNextMigrations(1, "the image of the target OS is not available")
	ctx := context.Background()

	op, err := c.MigrateNodes(ctx, "cluster-a", "cluster-b", &cce.MigrateNodesSpec{
		OS: "EulerOS 2.9", Login: &cce.Login{SSHKey: "KeyPair-001"}, Nodes: cce.Nodes("node-1", "node-2"),
	})
	if err != nil {
		log.Fatal(err)
	}
	_, err = op.Wait(ctx, fastPolls(srv)...)
	var failed *jobs.FailedError
	if errors.As(err, &failed) {
		fmt.Println(failed.Status.Word)
		fmt.Println(failed.Status.Message)
	}
	// Output:
	// Failed
	// node node-2 (web-2): the image of the target OS is not available
}

// Save the handle's token, and resume the move from it in another
// process: the new handle sends nothing until it is polled.
func ExampleClient_ResumeNodeMigration() {
	srv, c := fakeCloud()
	defer srv.Close()
	ctx := context.Background()

	op, err := c.MigrateNodes(ctx, "cluster-a", "cluster-b", &cce.MigrateNodesSpec{
		OS: "EulerOS 2.9", Login: &cce.Login{SSHKey: "KeyPair-001"}, Nodes: cce.Nodes("node-3"),
	})
	if err != nil {
		log.Fatal(err)
	}
	token, err := op.ResumeToken() // compact text, no secret: store it anywhere
	if err != nil {
		log.Fatal(err)
	}

	// Later, perhaps in another process, with a client of the same
	// endpoint and project:
	resumed, err := c.ResumeNodeMigration(token)
	if err != nil {
		log.Fatal(err)
	}
	job, err := resumed.Wait(ctx, fastPolls(srv)...)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resumed.ID() == op.ID(), job.Status.Phase)

	_, err = c.ResumeNodeMigration(token[:len(token)-3])
	fmt.Println(err)
	// Output:
	// true Success
	// cloudmigrate: invalid token: resume token is truncated or damaged
}

// Check that two clusters can exchange nodes before moving any.
func ExampleClient_GetCluster() {
	srv, c := fakeCloud()
	defer srv.Close()
	ctx := context.Background()

	from, err := c.GetCluster(ctx, "cluster-a")
	if err != nil {
		log.Fatal(err)
	}
	to, err := c.GetCluster(ctx, "cluster-b")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(from.Metadata.Name, "->", to.Metadata.Name, to.Status.Phase, to.Spec.Version)
	fmt.Println("same kind:", from.Spec.Category == to.Spec.Category,
		"same VPC:", from.Spec.HostNetwork.VPC == to.Spec.HostNetwork.VPC,
		"same IPv6:", from.Spec.IPv6Enable == to.Spec.IPv6Enable)
	// Output:
	// legacy -> consolidated Available v1.28
	// same kind: true same VPC: true same IPv6: true
}

func ExampleClient_ListNodes() {
	srv, c := fakeCloud()
	defer srv.Close()

	nodes, err := c.ListNodes(context.Background(), "cluster-a")
	if err != nil {
		log.Fatal(err)
	}
	for _, n := range nodes {
		fmt.Println(n.Metadata.UID, n.Metadata.Name, n.Status.Phase, n.Spec.Flavor, n.Spec.AZ, n.InDefaultPool())
	}
	// Output:
	// node-1 web-1 Active c7.large.2 xx-fake-1a true
	// node-2 web-2 Active c7.large.2 xx-fake-1a true
	// node-3 web-3 Active c7.large.2 xx-fake-1a true
}

func ExampleClient_GetNode() {
	srv, c := fakeCloud()
	defer srv.Close()
	ctx := context.Background()

	n, err := c.GetNode(ctx, "cluster-a", "node-2")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n.Metadata.Name, n.Status.Phase, n.Spec.OS, n.Spec.Runtime.Name, n.NodePoolID())

	_, err = c.GetNode(ctx, "cluster-b", "node-2")
	var apiErr *cloudmigrate.Error
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Code == cce.CodeNotFound)
	}
	// Output:
	// web-2 Active EulerOS 2.9 containerd xx-fake-1a#c7.large.2#EulerOS 2.9
	// 404 true
}

// Move nodes that arrived in a cluster's default pool into one of its
// custom node pools.
func ExampleClient_MigrateToNodePool() {
	srv, c := fakeCloud()
	defer srv.Close()
	ctx := context.Background()

	op, err := c.MigrateNodes(ctx, "cluster-a", "cluster-b", &cce.MigrateNodesSpec{
		OS: "EulerOS 2.9", Login: &cce.Login{SSHKey: "KeyPair-001"}, Nodes: cce.Nodes("node-1"),
	})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := op.Wait(ctx, fastPolls(srv)...); err != nil {
		log.Fatal(err)
	}
	if err := c.MigrateToNodePool(ctx, "cluster-b", "pool-web", []string{"node-1"}); err != nil {
		log.Fatal(err)
	}
	n, err := c.GetNode(ctx, "cluster-b", "node-1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n.NodePoolID(), n.InDefaultPool())
	// Output: pool-web false
}

// Invalid input is refused before anything is sent, naming the JSON path.
func ExampleClient_MigrateNodes_validation() {
	c, _ := cce.NewClient("https://cce.cn-north-4.myhuaweicloud.com", "0970dd7a1300f5672ff2c003c60ae115", nil)

	_, err := c.MigrateNodes(context.Background(), "cluster-a", "cluster-b", &cce.MigrateNodesSpec{
		OS:    "EulerOS 2.5",
		Login: &cce.Login{SSHKey: "KeyPair-001"},
		Nodes: cce.Nodes("node-1", "node-2", "node-1"),
	})
	var ve *cloudmigrate.ValidationError
	if errors.As(err, &ve) {
		fmt.Println(ve.Field)
	}
	// Output: spec.nodes[2].uid
}

// Errors from the service carry CCE's code, message and request ID.
func ExampleClient_MigrateNodes_serviceError() {
	srv := fakeCCE()
	defer srv.Close()
	c, _ := cce.NewClient(srv.URL, "0970dd7a1300f5672ff2c003c60ae115", auth.StaticToken("token"),
		cloudmigrate.WithRetry(0))

	_, err := c.MigrateNodes(context.Background(), "locked", "cluster-b", &cce.MigrateNodesSpec{
		OS:    "EulerOS 2.5",
		Login: &cce.Login{SSHKey: "KeyPair-001"},
		Nodes: cce.Nodes("node-1"),
	})
	var apiErr *cloudmigrate.Error
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Code == cce.CodeResourceLocked, apiErr.RequestID)
		fmt.Println(apiErr.Message)
	}
	// Output:
	// 429 true f3a1c9d2
	// the cluster is locked by another request
}

// A plain password can go straight into the spec: MigrateNodes checks it
// and sends it salted. NewUserPassword does the same up front.
func ExampleNewUserPassword() {
	_, err := cce.NewUserPassword("root", "Root#2024")
	fmt.Println(err)

	up, err := cce.NewUserPassword("root", "Migrate#2024")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(up.Username, up) // the password never prints
	// Output:
	// cloudmigrate: invalid password: must not contain the username
	// root {Username:root Password:REDACTED}
}

func ExampleCheckPassword() {
	for _, p := range []string{"Migrate#2024", "short1!", "alllowercase", "Xtoor#2024"} {
		fmt.Printf("%-14s %v\n", p, cce.CheckPassword("", p))
	}
	// Output:
	// Migrate#2024   <nil>
	// short1!        cloudmigrate: invalid password: must be 8 to 26 characters long, or a value from SaltPassword (got 7 characters)
	// alllowercase   cloudmigrate: invalid password: must use at least three of: upper-case letters, lower-case letters, digits, special characters (!@$%^-_=+[{}]:,./?~#*)
	// Xtoor#2024     cloudmigrate: invalid password: must not contain the username reversed
}

// SaltPassword's result is Base64 of a "$6$" crypt string with a random
// 16-character salt, so only its shape is predictable.
func ExampleSaltPassword() {
	salted, err := cce.SaltPassword("Migrate#2024")
	if err != nil {
		log.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(salted)
	parts := strings.Split(string(raw), "$")
	fmt.Printf("scheme %s, salt %d chars, hash %d chars\n", parts[1], len(parts[2]), len(parts[3]))
	// Output: scheme 6, salt 16 chars, hash 86 chars
}

func ExampleClient_GetJob() {
	srv := fakeCCE()
	defer srv.Close()
	c, _ := cce.NewClient(srv.URL, "0970dd7a1300f5672ff2c003c60ae115", auth.StaticToken("token"))

	job, err := c.GetJob(context.Background(), "job-ok")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(job.Spec.Type, job.Status.Phase, job.Summary().Progress)
	fmt.Println(job.Metadata.CreationTimestamp.UTC().Format(time.RFC3339Nano))
	// Output:
	// MigrateNode Running 50
	// 2020-02-02T08:12:40.672772389Z
}

func ExampleClient_WaitForJob() {
	srv := fakeCCE()
	defer srv.Close()
	c, _ := cce.NewClient(srv.URL, "0970dd7a1300f5672ff2c003c60ae115", auth.StaticToken("token"))

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	job, err := c.WaitForJob(ctx, "job-ok",
		jobs.WithInterval(time.Millisecond, 5*time.Millisecond), // seconds against CCE
		jobs.WithProgress(func(s jobs.Status) { fmt.Printf("%s %d%%\n", s.Word, s.Progress) }))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("done:", job.Status.Phase)
	// Output:
	// Running 50%
	// Success 100%
	// done: Success
}

// A failed job gives a *jobs.FailedError with the reason and the final job.
func ExampleClient_WaitForJob_failed() {
	srv := fakeCCE()
	defer srv.Close()
	c, _ := cce.NewClient(srv.URL, "0970dd7a1300f5672ff2c003c60ae115", auth.StaticToken("token"))

	_, err := c.WaitForJob(context.Background(), "job-bad", jobs.WithInterval(time.Millisecond, 5*time.Millisecond))
	var failed *jobs.FailedError
	if errors.As(err, &failed) {
		fmt.Println(failed.Status.Message)
		job := failed.Job.(*cce.Job)
		for _, sj := range job.Spec.SubJobs {
			fmt.Println(sj.Spec.ResourceID, sj.Status.Phase)
		}
	}
	// Output:
	// node-2 has only a system disk
	// node-2 Failed
}

func ExampleDockerLVMConfig() {
	cfg := cce.DockerLVMConfig{
		DockerThinpool: "vgpaas/90%VG",
		KubernetesLV:   "vgpaas/10%VG",
		DiskType:       cce.DiskTypeEVS,
		LVType:         cce.LVTypeLinear,
	}
	param := &cce.MigrateNodeExtendParam{DockerLVMConfigOverride: cfg.String()}
	fmt.Println(param.DockerLVMConfigOverride)
	// Output: dockerThinpool=vgpaas/90%VG;kubernetesLV=vgpaas/10%VG;diskType=evs;lvType=linear
}
