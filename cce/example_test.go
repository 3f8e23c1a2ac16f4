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
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// fakeCCE stands in for the CCE endpoint in these examples. Job "job-ok"
// runs once and then succeeds; job "job-bad" fails; cluster "locked"
// answers 429 CCE.01429002 to every migration.
func fakeCCE() *httptest.Server {
	var mu sync.Mutex
	polls := map[string]int{}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "f3a1c9d2")
		switch {
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

// Move two nodes to another cluster and wait until CCE has finished.
func Example() {
	srv := fakeCCE() // https://cce.cn-north-4.myhuaweicloud.com in real use
	defer srv.Close()

	authz := auth.StaticToken("token") // or auth.NewAKSK(ak, sk)
	c, err := cce.NewClient(srv.URL, "0970dd7a1300f5672ff2c003c60ae115", authz)
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	task, err := c.MigrateNodes(ctx, "cluster-a", "cluster-b", &cce.MigrateNodesSpec{
		OS:    "EulerOS 2.5",
		Login: &cce.Login{SSHKey: "KeyPair-001"},
		Nodes: cce.Nodes("node-1", "node-2"),
	})
	if err != nil {
		log.Fatal(err)
	}
	// Short poll intervals suit the in-process server; against CCE keep
	// the defaults or poll every 10 to 30 seconds.
	job, err := c.WaitForJob(ctx, task.JobID(), jobs.WithInterval(time.Millisecond, 5*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(job.Metadata.UID, job.Status.Phase)
	// Output: job-ok Success
}

func ExampleClient_MigrateNodes() {
	srv := fakeCCE()
	defer srv.Close()
	c, _ := cce.NewClient(srv.URL, "0970dd7a1300f5672ff2c003c60ae115", auth.StaticToken("token"))

	task, err := c.MigrateNodes(context.Background(), "cluster-a", "cluster-b", &cce.MigrateNodesSpec{
		OS: "EulerOS 2.5",
		ExtendParam: &cce.MigrateNodeExtendParam{
			MaxPods:     110,
			PostInstall: base64.StdEncoding.EncodeToString([]byte("echo migrated > /tmp/marker")),
		},
		Login:   &cce.Login{SSHKey: "KeyPair-001"},
		Runtime: &cce.Runtime{Name: cce.RuntimeDocker},
		Nodes:   cce.Nodes("node-1", "node-2"),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("job:", task.JobID())
	fmt.Println("nodes:", len(task.Spec.Nodes), "runtime:", task.Spec.Runtime.Name)
	// Output:
	// job: job-ok
	// nodes: 2 runtime: docker
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
