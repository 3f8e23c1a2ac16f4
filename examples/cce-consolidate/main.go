// Command cce-consolidate moves the nodes of one Huawei Cloud CCE cluster
// into another cluster of the same VPC, reinstalling them with the operating
// system -os and a login that is either a key pair (-ssh-key) or a password
// read from the environment variable CCE_NODE_PASSWORD (never a flag, never
// printed; it is salted before it is sent).
//
// It first checks that the two clusters can exchange nodes (GetCluster:
// both Available, same category, VPC and IPv6 setting) and lists the
// source cluster's nodes (ListNodes), moving all its Active nodes unless
// -nodes names some. It starts the migration and waits on its handle until
// every node is Active in the target cluster, printing progress, and
// finally, with -pool, moves the nodes from the target's default node pool
// into that custom pool (MigrateToNodePool). If the nodes are already
// moving, say because an earlier run was interrupted, it follows that move
// instead of starting another.
//
// Without -from it runs against the SDK's in-process CCE fake, moving the
// nodes of cluster-old into cluster-new, which has the node pool
// pool-workers:
//
//	go run ./examples/cce-consolidate
//	go run ./examples/cce-consolidate -pool pool-workers
//	CCE_NODE_PASSWORD='...' go run ./examples/cce-consolidate -nodes node-1
//	go run ./examples/cce-consolidate -fake-fail        # a failed job
//	go run ./examples/cce-consolidate -fake-misreport   # a job that succeeds without moving
//
// Against the real cloud, set HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK,
// HUAWEICLOUD_SDK_PROJECT_ID and HUAWEICLOUD_SDK_REGION and name the
// clusters; nothing real is moved unless -from is given. The program prints
// the move's resume token; after an interruption, -resume with that token
// follows the move again without starting anything:
//
//	go run ./examples/cce-consolidate -from <cluster id> -to <cluster id> -os 'EulerOS 2.9' -ssh-key <key pair> [-nodes <id,id>] [-pool <pool id>] [-endpoint <url>]
//	go run ./examples/cce-consolidate -from <cluster id> -to <cluster id> -resume <token> [-pool <pool id>]
//
// It exits with status 1 when the move fails, printing the service's error
// code and request ID or the reason the move failed, and 2 on bad flags.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/cce"
	"github.com/cloudmigrate/cloudmigrate/cce/ccetest"
	"github.com/cloudmigrate/cloudmigrate/examples/internal/cli"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

func main() { cli.Main("cce-consolidate", run, cli.Explain) }

// plan is what one run moves, and how.
type plan struct {
	from, to, osName, pool, resume string
	login                          *cce.Login
	nodes                          []string
	poll                           []jobs.Option
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("cce-consolidate", flag.ContinueOnError)
	from := fs.String("from", "", "real cloud: source cluster ID (without it the fake is used)")
	to := fs.String("to", "", "real cloud: target cluster ID (required with -from)")
	nodeList := fs.String("nodes", "", "comma-separated IDs of the nodes to move (default: every Active node of the source)")
	osName := fs.String("os", "", `operating system for the nodes, such as "EulerOS 2.9" (required with -from)`)
	sshKey := fs.String("ssh-key", "", "key pair to log in with (otherwise the password in CCE_NODE_PASSWORD)")
	user := fs.String("user", "root", "login account for the password")
	pool := fs.String("pool", "", "custom node pool of the target cluster to move the nodes into afterwards")
	resume := fs.String("resume", "", "real cloud: resume token of a move an earlier run started")
	endpoint := fs.String("endpoint", "", "real cloud: CCE endpoint (default: the region's, from cce.Endpoint)")
	fakeFail := fs.Bool("fake-fail", false, "fake only: make the migration job fail")
	fakeMisreport := fs.Bool("fake-misreport", false, "fake only: make the job report success without moving the nodes")
	timeout := fs.Duration("timeout", time.Hour, "give up after this long")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return cli.ErrUsage
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	p := &plan{from: *from, to: *to, osName: *osName, pool: *pool, resume: *resume}
	if *nodeList != "" {
		p.nodes = strings.Split(*nodeList, ",")
	}
	p.login = &cce.Login{SSHKey: *sshKey}
	if pw := os.Getenv("CCE_NODE_PASSWORD"); pw != "" {
		if *sshKey != "" {
			return errors.New("choose one login: -ssh-key or CCE_NODE_PASSWORD, not both")
		}
		up, err := cce.NewUserPassword(*user, pw)
		if err != nil {
			return err
		}
		p.login = &cce.Login{UserPassword: up}
	}

	if p.from == "" {
		if p.resume != "" {
			return errors.New("-resume follows a move on the real cloud: give -from and -to too")
		}
		if auth.HuaweiEnvPresent() {
			fmt.Fprintln(out, "Credentials found, but no -from: using the fake.")
		}
		p.from, p.to, p.osName = "cluster-old", "cluster-new", cmp.Or(p.osName, "EulerOS 2.9")
		if p.login.SSHKey == "" && p.login.UserPassword == nil {
			p.login.SSHKey = "KeyPair-demo"
		}
		srv := ccetest.NewServer(ccetest.WithRealTime(1200))
		defer srv.Close()
		srv.AddCluster(p.from, "legacy")
		srv.AddCluster(p.to, "consolidated")
		srv.AddNodePool(p.to, "pool-workers", "workers", ccetest.NodeConfig{OS: p.osName})
		for i := 1; i <= 3; i++ {
			srv.AddNode(p.from, fmt.Sprintf("node-%d", i), fmt.Sprintf("worker-%d", i))
		}
		if *fakeFail {
			srv.FailNextMigrations(1, "")
		}
		if *fakeMisreport {
			srv.MisreportNextMigrations(1)
		}
		fmt.Fprintf(out, "Fake CCE at %s\n", srv.URL())
		c, err := cce.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
		if err != nil {
			return err
		}
		p.poll = []jobs.Option{jobs.WithInterval(20*time.Millisecond, 100*time.Millisecond)}
		return consolidate(ctx, out, c, p)
	}

	if p.to == "" {
		return errors.New("-from needs -to")
	}
	if p.resume == "" && (p.osName == "" || (p.login.SSHKey == "" && p.login.UserPassword == nil)) {
		return errors.New("-from needs -os, and -ssh-key or CCE_NODE_PASSWORD (or -resume)")
	}
	env, err := auth.HuaweiFromEnv()
	if err != nil {
		return err
	}
	if *endpoint == "" && env.Region == "" {
		return errors.New("set HUAWEICLOUD_SDK_REGION or -endpoint")
	}
	if *endpoint == "" {
		if *endpoint, err = cce.Endpoint(env.Region); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "Real cloud: %s, project %s\n", *endpoint, env.ProjectID)
	c, err := cce.NewClient(*endpoint, env.ProjectID, env.AKSK)
	if err != nil {
		return err
	}
	return consolidate(ctx, out, c, p)
}

// consolidate checks the clusters, moves the nodes and waits until they are
// Active in the target cluster, then moves them into the pool if asked.
func consolidate(ctx context.Context, out io.Writer, c *cce.Client, p *plan) error {
	if err := checkClusters(ctx, out, c, p.from, p.to); err != nil {
		return err
	}
	var op *jobs.Operation[*cce.Job]
	var err error
	if p.resume != "" {
		if op, err = c.ResumeNodeMigration(p.resume); err != nil {
			return err
		}
		p.nodes = op.Token().Resources
		fmt.Fprintf(out, "2. Resuming the move of %s\n", strings.Join(p.nodes, ", "))
	} else {
		if len(p.nodes) == 0 {
			if p.nodes, err = activeNodes(ctx, out, c, p.from); err != nil {
				return err
			}
		}
		how := "key pair " + p.login.SSHKey
		if p.login.UserPassword != nil {
			how = "a password for " + cmp.Or(p.login.UserPassword.Username, "root")
		}
		fmt.Fprintf(out, "2. Moving %s from %s to %s: %s, login by %s\n", strings.Join(p.nodes, ", "), p.from, p.to, p.osName, how)
		op, err = c.MigrateNodes(ctx, p.from, p.to, &cce.MigrateNodesSpec{OS: p.osName, Login: p.login, Nodes: cce.Nodes(p.nodes...)})
		switch {
		case errors.Is(err, cloudmigrate.ErrInProgress):
			fmt.Fprintf(out, "   already under way, following it: %v\n", err)
			p.nodes = op.Token().Resources
		case err != nil:
			return err
		}
		if token, err := op.ResumeToken(); err == nil {
			fmt.Fprintf(out, "   job %s; to follow it again later: -resume %s\n", cmp.Or(op.ID(), "(not known)"), token)
		}
	}

	fmt.Fprintf(out, "3. Waiting until the nodes are Active in %s\n", p.to)
	job, err := op.Wait(ctx, append(p.poll, cli.Progress(out))...)
	if err != nil {
		return err
	}
	if job != nil {
		for _, sub := range job.Spec.SubJobs {
			fmt.Fprintf(out, "   sub-job for %s: %s\n", cmp.Or(sub.Spec.ResourceName, sub.Spec.ResourceID), sub.Status.Phase)
		}
	}
	if p.pool != "" {
		fmt.Fprintf(out, "4. Moving them into node pool %s\n", p.pool)
		if err := c.MigrateToNodePool(ctx, p.to, p.pool, p.nodes); err != nil {
			return err
		}
	}
	nodes, err := c.ListNodes(ctx, p.to)
	if err != nil {
		return err
	}
	for _, n := range nodes {
		if slices.Contains(p.nodes, n.Metadata.UID) {
			fmt.Fprintf(out, "   %s now: %s (%s) %s, %s, pool %s\n", p.to, n.Metadata.UID, n.Metadata.Name, n.Status.Phase, n.Spec.OS, poolName(&n))
		}
	}
	return nil
}

// checkClusters reads both clusters and refuses a pair that cannot
// exchange nodes.
func checkClusters(ctx context.Context, out io.Writer, c *cce.Client, from, to string) error {
	src, err := c.GetCluster(ctx, from)
	if err != nil {
		return err
	}
	dst, err := c.GetCluster(ctx, to)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "1. %s (%s, %s) -> %s (%s, %s)\n", src.Metadata.Name, src.Spec.Version, src.Status.Phase,
		dst.Metadata.Name, dst.Spec.Version, dst.Status.Phase)
	vpc := func(cl *cce.Cluster) string {
		if cl.Spec.HostNetwork == nil {
			return ""
		}
		return cl.Spec.HostNetwork.VPC
	}
	switch {
	case dst.Status.Phase != cce.ClusterAvailable:
		return fmt.Errorf("cluster %s is %s, not Available", to, dst.Status.Phase)
	case src.Spec.Category != dst.Spec.Category:
		return fmt.Errorf("clusters of categories %s and %s cannot exchange nodes", src.Spec.Category, dst.Spec.Category)
	case vpc(src) != vpc(dst):
		return fmt.Errorf("the clusters are in different VPCs (%s, %s)", vpc(src), vpc(dst))
	case src.Spec.IPv6Enable != dst.Spec.IPv6Enable:
		return errors.New("one cluster has IPv6 and the other not: they cannot exchange nodes")
	}
	return nil
}

// activeNodes lists the Active nodes of a cluster.
func activeNodes(ctx context.Context, out io.Writer, c *cce.Client, cluster string) ([]string, error) {
	nodes, err := c.ListNodes(ctx, cluster)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, n := range nodes {
		if n.Status.Phase != cce.NodePhaseActive {
			fmt.Fprintf(out, "   skipping %s (%s): %s\n", n.Metadata.UID, n.Metadata.Name, n.Status.Phase)
			continue
		}
		ids = append(ids, n.Metadata.UID)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("cluster %s has no Active node to move", cluster)
	}
	return ids, nil
}

func poolName(n *cce.Node) string {
	if n.InDefaultPool() {
		return cce.DefaultNodePoolID
	}
	return n.NodePoolID()
}
