package ccetest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/cloudmigrate/cloudmigrate/cce"
	"github.com/cloudmigrate/cloudmigrate/cce/ccetest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// A test of migration code against the fake: move two nodes, wait on the
// handle while stepping the fake's clock, and check where the nodes ended
// up. The last status is the nodes' phase in the target cluster: the wait
// ends when they are all Active there.
func Example() {
	srv := ccetest.NewServer()
	defer srv.Close()
	srv.AddCluster("cluster-a", "old")
	srv.AddCluster("cluster-b", "new")
	srv.AddNode("cluster-a", "node-1", "web-1")
	srv.AddNode("cluster-a", "node-2", "web-2")

	c, err := cce.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	login, err := cce.NewUserPassword("", "Migr8-Node!pw") // salted here
	if err != nil {
		log.Fatal(err)
	}
	op, err := c.MigrateNodes(ctx, "cluster-a", "cluster-b", &cce.MigrateNodesSpec{
		OS:    "EulerOS 2.5",
		Login: &cce.Login{UserPassword: login},
		Nodes: cce.Nodes("node-1", "node-2"),
	})
	if err != nil {
		log.Fatal(err)
	}

	last := ""
	_, err = op.Wait(ctx,
		jobs.WithInterval(time.Millisecond, 5*time.Millisecond),
		jobs.WithProgress(func(s jobs.Status) {
			if line := fmt.Sprintf("%s %d%%", s.Word, s.Progress); line != last {
				fmt.Println(line)
				last = line
			}
			srv.Clock().Advance(time.Minute) // a minute passes between polls
		}))
	if err != nil {
		log.Fatal(err)
	}
	for _, n := range srv.ClusterNodes("cluster-b") {
		fmt.Println(n.Name, n.Phase)
	}
	fmt.Println("password set:", srv.CheckNodePassword("node-1", "Migr8-Node!pw"))
	// Output:
	// Initializing 0%
	// Running 0%
	// Running 50%
	// Active 100%
	// web-1 Active
	// web-2 Active
	// password set: true
}

// Make the next migration fail, to test how your code handles a failed
// job: the error carries CCE's reason and the final job.
func ExampleServer_FailNextMigrations() {
	srv := ccetest.NewServer(ccetest.WithDurations(ccetest.Durations{Init: time.Second, Running: time.Minute}))
	defer srv.Close()
	srv.AddCluster("cluster-a", "old")
	srv.AddCluster("cluster-b", "new")
	srv.AddNode("cluster-a", "node-1", "web-1")
	srv.AddNode("cluster-a", "node-2", "web-2")
	srv.FailNextMigrations(1, "node-2 has only a system disk")

	c, err := cce.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	op, err := c.MigrateNodes(ctx, "cluster-a", "cluster-b", &cce.MigrateNodesSpec{
		OS:    "EulerOS 2.5",
		Login: &cce.Login{SSHKey: "KeyPair-001"},
		Nodes: cce.Nodes("node-1", "node-2"),
	})
	if err != nil {
		log.Fatal(err)
	}
	srv.Clock().Advance(time.Hour) // long enough for the job to end

	_, err = op.Wait(ctx)
	var failed *jobs.FailedError
	if errors.As(err, &failed) {
		fmt.Println("migration failed:", failed.Status.Message)
		for _, sj := range failed.Job.(*cce.Job).Spec.SubJobs {
			fmt.Println(sj.Spec.ResourceName, sj.Status.Phase)
		}
	}
	for _, id := range []string{"cluster-a", "cluster-b"} {
		for _, n := range srv.ClusterNodes(id) {
			fmt.Println(id, n.Name, n.Phase)
		}
	}
	// Output:
	// migration failed: node node-2 (web-2): node-2 has only a system disk
	// web-1 Success
	// web-2 Failed
	// cluster-a web-2 Error
	// cluster-b web-1 Active
}

// A connection lost after the request was sent: the SDK does not repeat a
// call that starts a migration, and the fake shows it was sent once.
func ExampleServer_DropNext() {
	srv := ccetest.NewServer()
	defer srv.Close()
	srv.AddCluster("cluster-a", "old")
	srv.AddCluster("cluster-b", "new")
	srv.AddNode("cluster-a", "node-1", "web-1")
	srv.DropNext(ccetest.OpMigrateNodes, 1)

	c, err := cce.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.MigrateNodes(context.Background(), "cluster-a", "cluster-b", &cce.MigrateNodesSpec{
		OS:    "EulerOS 2.5",
		Login: &cce.Login{SSHKey: "KeyPair-001"},
		Nodes: cce.Nodes("node-1"),
	})
	fmt.Println("error:", err != nil)
	fmt.Println("requests sent:", srv.Calls(ccetest.OpMigrateNodes))
	n, _ := srv.Node("node-1")
	fmt.Println("node-1 is in", n.ClusterID, "with migration job", fmt.Sprintf("%q", n.MigrationJobID))
	// Output:
	// error: true
	// requests sent: 1
	// node-1 is in cluster-a with migration job ""
}
