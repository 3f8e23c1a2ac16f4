// Command modelarts-rebalance moves nodes from one Huawei Cloud ModelArts
// dedicated resource pool to another: the nodes named with -nodes, or the
// first -count Available nodes of the source pool's node list. It waits for
// the migration job, then lists the target pool to confirm the nodes arrived.
// For dedicated pools the cluster names are the pool names, which is what
// this program sends.
//
// Without -from it runs against the SDK's in-process ModelArts fake, with
// four nodes in pool-train and an empty pool-infer:
//
//	go run ./examples/modelarts-rebalance                 # moves 2 nodes
//	go run ./examples/modelarts-rebalance -nodes node-c
//	go run ./examples/modelarts-rebalance -fake-fail      # see how a failure reads
//
// Against the real cloud, set HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK,
// HUAWEICLOUD_SDK_PROJECT_ID and HUAWEICLOUD_SDK_REGION and name the pools;
// nothing real is moved unless -from is given:
//
//	go run ./examples/modelarts-rebalance -from <pool> -to <pool> -flavor <flavor> (-nodes a,b | -count N) [-endpoint <url>]
//
// It exits with status 1 when the move fails, printing the service's error
// code and request ID or the job's failure message, and 2 on bad flags.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/examples/internal/cli"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/modelarts"
	"github.com/cloudmigrate/cloudmigrate/modelarts/modelartstest"
)

func main() { cli.Main("modelarts-rebalance", run, cli.Explain) }

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("modelarts-rebalance", flag.ContinueOnError)
	from := fs.String("from", "", "real cloud: source pool (without it the fake is used)")
	to := fs.String("to", "", "real cloud: target pool (required with -from)")
	flavor := fs.String("flavor", "", "resource flavor of the nodes in the target pool (required with -from)")
	nodeList := fs.String("nodes", "", "comma-separated names of the nodes to move")
	count := fs.Int("count", 0, "move this many Available nodes of the source pool (when -nodes is empty)")
	endpoint := fs.String("endpoint", "", "real cloud: ModelArts endpoint (default https://modelarts.{region}.myhuaweicloud.com)")
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

	if *from == "" {
		if auth.HuaweiEnvPresent() {
			fmt.Fprintln(out, "Credentials found, but no -from: using the fake.")
		}
		*from, *to, *flavor = "pool-train", "pool-infer", cmp.Or(*flavor, "modelarts.vm.8u32g")
		if len(nodes) == 0 && *count == 0 {
			*count = 2
		}
		srv := modelartstest.NewServer(modelartstest.WithRealTime(600))
		defer srv.Close()
		srv.AddPool(*from)
		srv.AddPool(*to)
		for _, n := range []string{"node-a", "node-b", "node-c", "node-d"} {
			srv.AddNode(*from, n, "modelarts.vm.8u32g")
		}
		if *fakeFail {
			srv.FailNextMigrations(1, "")
		}
		fmt.Fprintf(out, "Fake ModelArts at %s: node-a..node-d in %s, %s empty\n", srv.URL(), *from, *to)
		c, err := modelarts.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
		if err != nil {
			return err
		}
		return rebalance(ctx, out, c, *from, *to, *flavor, nodes, *count, jobs.WithInterval(20*time.Millisecond, 100*time.Millisecond))
	}

	if *to == "" || *flavor == "" || (len(nodes) == 0 && *count <= 0) {
		return errors.New("-from needs -to, -flavor, and -nodes or -count")
	}
	env, err := auth.HuaweiFromEnv()
	if err != nil {
		return err
	}
	if *endpoint == "" && env.Region == "" {
		return errors.New("set HUAWEICLOUD_SDK_REGION or -endpoint")
	}
	*endpoint = cmp.Or(*endpoint, fmt.Sprintf("https://modelarts.%s.myhuaweicloud.com", env.Region))
	fmt.Fprintf(out, "Real cloud: %s, project %s\n", *endpoint, env.ProjectID)
	c, err := modelarts.NewClient(*endpoint, env.ProjectID, env.AKSK)
	if err != nil {
		return err
	}
	return rebalance(ctx, out, c, *from, *to, *flavor, nodes, *count)
}

// rebalance picks the nodes if needed, moves them and checks the target.
func rebalance(ctx context.Context, out io.Writer, c *modelarts.Client, from, to, flavor string, nodes []string, count int, poll ...jobs.Option) error {
	if len(nodes) == 0 {
		fmt.Fprintf(out, "1. Picking %d Available nodes of %s\n", count, from)
		for n, err := range c.ListPoolNodes(ctx, from, nil) {
			if err != nil {
				return err
			}
			if n.Status.Phase == modelarts.NodeAvailable {
				nodes = append(nodes, n.Name())
			}
			if len(nodes) == count {
				break
			}
		}
		if len(nodes) < count {
			return fmt.Errorf("%s has only %d Available nodes", from, len(nodes))
		}
	} else {
		fmt.Fprintln(out, "1. Taking the nodes named with -nodes")
	}
	fmt.Fprintf(out, "2. Moving %s from %s to %s as %s\n", strings.Join(nodes, ", "), from, to, flavor)
	res, err := c.BatchMigrateNodes(ctx, from, &modelarts.BatchMigrateRequest{
		MigrateNodeNames: nodes,
		FromClusterName:  from,
		ToClusterName:    to,
		ToPoolName:       to,
		ResourceSpec:     &modelarts.MigrateResourceSpec{Flavor: flavor},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "   job %s accepted (request %s); waiting\n", res.JobID, res.RequestID)
	job, err := c.WaitForJob(ctx, from, res.JobID, append(poll, cli.Progress(out))...)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "3. Job %s %s; listing %s\n", job.ID, job.Phase, to)
	arrived := 0
	for n, err := range c.ListPoolNodes(ctx, to, nil) {
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "   %-12s %-10s %s\n", n.Name(), n.Status.Phase, n.Spec.Flavor)
		if slices.Contains(nodes, n.Name()) && n.Status.Phase == modelarts.NodeAvailable {
			arrived++
		}
	}
	if arrived < len(nodes) {
		return fmt.Errorf("only %d of %d moved nodes are Available in %s", arrived, len(nodes), to)
	}
	fmt.Fprintf(out, "Done. %d nodes moved %s -> %s, all Available.\n", arrived, from, to)
	return nil
}
