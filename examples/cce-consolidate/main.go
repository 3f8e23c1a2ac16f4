// Command cce-consolidate moves the nodes of one Huawei Cloud CCE cluster
// into another cluster of the same VPC, reinstalling them with the operating
// system -os and a login that is either a key pair (-ssh-key) or a password
// read from the environment variable CCE_NODE_PASSWORD (never a flag, never
// printed; it is salted before it is sent). It then waits for the migration
// job and prints each node's sub-job.
//
// Without -from it runs against the SDK's in-process CCE fake, moving every
// node of cluster-old (found with the fake's ClusterNodes) into cluster-new:
//
//	go run ./examples/cce-consolidate
//	CCE_NODE_PASSWORD='...' go run ./examples/cce-consolidate -nodes node-1
//	go run ./examples/cce-consolidate -fake-fail   # see how a failure reads
//
// Against the real cloud, set HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK,
// HUAWEICLOUD_SDK_PROJECT_ID and HUAWEICLOUD_SDK_REGION and name the clusters
// and nodes; nothing real is moved unless -from is given. Package cce has no
// call that lists a cluster's nodes, so -nodes (node IDs) is required there:
//
//	go run ./examples/cce-consolidate -from <cluster id> -to <cluster id> -nodes <id,id> -os 'EulerOS 2.9' -ssh-key <key pair> [-endpoint <url>]
//
// It exits with status 1 when the move fails, printing the service's error
// code and request ID or the job's failure reason, and 2 on bad flags.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/cce"
	"github.com/cloudmigrate/cloudmigrate/cce/ccetest"
	"github.com/cloudmigrate/cloudmigrate/examples/internal/cli"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

func main() { cli.Main("cce-consolidate", run, cli.Explain) }

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("cce-consolidate", flag.ContinueOnError)
	from := fs.String("from", "", "real cloud: source cluster ID (without it the fake is used)")
	to := fs.String("to", "", "real cloud: target cluster ID (required with -from)")
	nodeList := fs.String("nodes", "", "comma-separated IDs of the nodes to move (default on the fake: all)")
	osName := fs.String("os", "", `operating system for the nodes, such as "EulerOS 2.9" (required with -from)`)
	sshKey := fs.String("ssh-key", "", "key pair to log in with (otherwise the password in CCE_NODE_PASSWORD)")
	user := fs.String("user", "root", "login account for the password")
	endpoint := fs.String("endpoint", "", "real cloud: CCE endpoint (default https://cce.{region}.myhuaweicloud.com)")
	fakeFail := fs.Bool("fake-fail", false, "fake only: make the migration job fail")
	timeout := fs.Duration("timeout", time.Hour, "give up after this long")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return cli.ErrUsage
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	var nodes []string
	if *nodeList != "" {
		nodes = strings.Split(*nodeList, ",")
	}
	login := &cce.Login{SSHKey: *sshKey}
	if pw := os.Getenv("CCE_NODE_PASSWORD"); pw != "" {
		if *sshKey != "" {
			return errors.New("choose one login: -ssh-key or CCE_NODE_PASSWORD, not both")
		}
		up, err := cce.NewUserPassword(*user, pw)
		if err != nil {
			return err
		}
		login = &cce.Login{UserPassword: up}
	}

	if *from == "" {
		if auth.HuaweiEnvPresent() {
			fmt.Fprintln(out, "Credentials found, but no -from: using the fake.")
		}
		*from, *to, *osName = "cluster-old", "cluster-new", cmp.Or(*osName, "EulerOS 2.9")
		if login.SSHKey == "" && login.UserPassword == nil {
			login.SSHKey = "KeyPair-demo"
		}
		srv := ccetest.NewServer(ccetest.WithRealTime(1200))
		defer srv.Close()
		srv.AddCluster(*from, "legacy")
		srv.AddCluster(*to, "consolidated")
		for i := 1; i <= 3; i++ {
			srv.AddNode(*from, fmt.Sprintf("node-%d", i), fmt.Sprintf("worker-%d", i))
		}
		if *fakeFail {
			srv.FailNextMigrations(1, "")
		}
		if len(nodes) == 0 {
			for _, n := range srv.ClusterNodes(*from) {
				nodes = append(nodes, n.UID)
			}
		}
		fmt.Fprintf(out, "Fake CCE at %s: %d nodes in %s\n", srv.URL(), len(srv.ClusterNodes(*from)), *from)
		c, err := cce.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
		if err != nil {
			return err
		}
		if err := consolidate(ctx, out, c, *from, *to, *osName, login, nodes, jobs.WithInterval(20*time.Millisecond, 100*time.Millisecond)); err != nil {
			return err
		}
		for _, n := range srv.ClusterNodes(*to) {
			fmt.Fprintf(out, "   %s now: %s (%s) %s\n", *to, n.UID, n.Name, n.Phase)
		}
		return nil
	}

	if *to == "" || *osName == "" || len(nodes) == 0 || (login.SSHKey == "" && login.UserPassword == nil) {
		return errors.New("-from needs -to, -os, -nodes, and -ssh-key or CCE_NODE_PASSWORD")
	}
	env, err := auth.HuaweiFromEnv()
	if err != nil {
		return err
	}
	if *endpoint == "" && env.Region == "" {
		return errors.New("set HUAWEICLOUD_SDK_REGION or -endpoint")
	}
	*endpoint = cmp.Or(*endpoint, fmt.Sprintf("https://cce.%s.myhuaweicloud.com", env.Region))
	fmt.Fprintf(out, "Real cloud: %s, project %s\n", *endpoint, env.ProjectID)
	c, err := cce.NewClient(*endpoint, env.ProjectID, env.AKSK)
	if err != nil {
		return err
	}
	if err := consolidate(ctx, out, c, *from, *to, *osName, login, nodes); err != nil {
		return err
	}
	fmt.Fprintf(out, "Check that the nodes reach phase Active in %s before scheduling work on them.\n", *to)
	return nil
}

// consolidate starts the migration, waits for its job and prints the
// sub-job of each node.
func consolidate(ctx context.Context, out io.Writer, c *cce.Client, from, to, osName string, login *cce.Login, nodes []string, poll ...jobs.Option) error {
	how := "key pair " + login.SSHKey
	if login.UserPassword != nil {
		how = "a password for " + cmp.Or(login.UserPassword.Username, "root")
	}
	fmt.Fprintf(out, "1. Moving %s from %s to %s: %s, login by %s\n", strings.Join(nodes, ", "), from, to, osName, how)
	task, err := c.MigrateNodes(ctx, from, to, &cce.MigrateNodesSpec{OS: osName, Login: login, Nodes: cce.Nodes(nodes...)})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "2. Job %s accepted; waiting\n", task.JobID())
	job, err := c.WaitForJob(ctx, task.JobID(), append(poll, cli.Progress(out))...)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "3. Job %s %s\n", job.Metadata.UID, job.Status.Phase)
	for _, sub := range job.Spec.SubJobs {
		name := sub.Spec.ResourceID
		if sub.Spec.ResourceName != "" {
			name += " (" + sub.Spec.ResourceName + ")"
		}
		fmt.Fprintf(out, "   node %s: %s\n", name, sub.Status.Phase)
	}
	return nil
}
