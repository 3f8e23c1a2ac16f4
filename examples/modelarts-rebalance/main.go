// Command modelarts-rebalance moves nodes from one Huawei Cloud ModelArts
// dedicated resource pool to another: the nodes named with -nodes, or the
// first -count Available nodes of the source pool's node list. It shows
// both pools' node counts, drains the nodes so no new work lands on them,
// locks them against deletion while they move, starts the move (or adopts
// the one already under way), waits until the nodes are Available in the
// target pool, unlocks them and shows the counts again. For dedicated
// pools the cluster names are the pool names, which is what this program
// sends.
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
// -no-drain and -no-lock leave out those steps (the service documents no
// way to undo a drain). The program prints the move's resume token; a
// program of your own can pick the move up with
// modelarts.Client.ResumeNodeMigration. Running it again for nodes that
// are still moving adopts that move instead of starting another.
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

	"github.com/cloudmigrate/cloudmigrate"
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
	endpoint := fs.String("endpoint", "", "real cloud: ModelArts endpoint (default: the region's, from modelarts.Endpoint)")
	fakeFail := fs.Bool("fake-fail", false, "fake only: make the migration job fail")
	noDrain := fs.Bool("no-drain", false, "do not drain the nodes before they move")
	noLock := fs.Bool("no-lock", false, "do not lock the nodes against deletion while they move")
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
		steps := plan{from: *from, to: *to, flavor: *flavor, nodes: nodes, count: *count, drain: !*noDrain, lock: !*noLock,
			poll: []jobs.Option{jobs.WithInterval(20*time.Millisecond, 100*time.Millisecond)}}
		return steps.run(ctx, out, c)
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
	if *endpoint == "" {
		if *endpoint, err = modelarts.Endpoint(env.Region); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "Real cloud: %s, project %s\n", *endpoint, env.ProjectID)
	c, err := modelarts.NewClient(*endpoint, env.ProjectID, env.AKSK)
	if err != nil {
		return err
	}
	steps := plan{from: *from, to: *to, flavor: *flavor, nodes: nodes, count: *count, drain: !*noDrain, lock: !*noLock}
	return steps.run(ctx, out, c)
}

// plan is what one run does.
type plan struct {
	from, to, flavor string
	nodes            []string // empty: pick count Available nodes
	count            int
	drain, lock      bool
	poll             []jobs.Option
}

// run picks the nodes if needed, prepares them, moves them and checks the
// pools.
func (p *plan) run(ctx context.Context, out io.Writer, c *modelarts.Client) error {
	fmt.Fprintln(out, "1. Pools before the move")
	if err := showPools(ctx, out, c, p.from, p.to); err != nil {
		return err
	}
	source := map[string]*modelarts.Node{}
	var listed []string
	for n, err := range c.ListPoolNodes(ctx, p.from, nil) {
		if err != nil {
			return err
		}
		source[n.Name()] = n
		listed = append(listed, n.Name())
	}
	nodes := p.nodes
	if len(nodes) == 0 {
		fmt.Fprintf(out, "2. Picking %d Available nodes of %s\n", p.count, p.from)
		for _, name := range listed {
			if source[name].Status.Phase == modelarts.NodeAvailable && len(nodes) < p.count {
				nodes = append(nodes, name)
			}
		}
		if len(nodes) < p.count {
			return fmt.Errorf("%s has only %d Available nodes", p.from, len(nodes))
		}
	} else {
		fmt.Fprintln(out, "2. Taking the nodes named with -nodes")
	}

	if p.drain {
		// Only Available nodes can be drained; nodes already moving are
		// left as they are, and the start below adopts their move.
		var todo []string
		for _, name := range nodes {
			if n := source[name]; n != nil && n.Status.Phase == modelarts.NodeAvailable {
				if _, drained := n.DrainInfo(); !drained {
					todo = append(todo, name)
				}
			}
		}
		fmt.Fprintf(out, "3. Draining %s so no new work lands on them\n", listOrNone(todo))
		for batch := range slices.Chunk(todo, modelarts.MaxDrainNodes) {
			if err := c.DrainNodes(ctx, p.from, batch); err != nil {
				return err
			}
		}
	}
	if p.lock {
		fmt.Fprintf(out, "4. Locking %s against deletion while they move\n", strings.Join(nodes, ", "))
		if _, err := c.LockNodes(ctx, p.from, nodes); err != nil {
			return err
		}
	}

	fmt.Fprintf(out, "5. Moving %s from %s to %s as %s\n", strings.Join(nodes, ", "), p.from, p.to, p.flavor)
	op, err := c.BatchMigrateNodes(ctx, p.from, &modelarts.BatchMigrateOptions{
		MigrateNodeNames: nodes,
		FromClusterName:  p.from,
		ToClusterName:    p.to,
		ToPoolName:       p.to,
		ResourceSpec:     &modelarts.MigrateResourceSpec{Flavor: p.flavor},
	})
	switch {
	case errors.Is(err, cloudmigrate.ErrInProgress):
		fmt.Fprintf(out, "   %v\n", err)
		nodes = op.Token().Resources
	case err != nil:
		p.unlock(ctx, out, c, p.from, nodes)
		return err
	}
	token, err := op.ResumeToken()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "   job %s; resume token %s\n", op.ID(), token)
	job, err := op.Wait(ctx, append(p.poll, cli.Progress(out))...)
	if err != nil {
		var failed *jobs.FailedError
		if errors.As(err, &failed) {
			// The nodes did not move: they are back in the source pool.
			p.unlock(ctx, out, c, p.from, nodes)
		}
		return err
	}
	fmt.Fprintf(out, "6. Job %s %s; the nodes are Available in %s\n", job.ID, job.Phase, p.to)
	p.unlock(ctx, out, c, p.to, nodes)

	fmt.Fprintln(out, "7. Pools after the move")
	if err := showPools(ctx, out, c, p.from, p.to); err != nil {
		return err
	}
	for n, err := range c.ListPoolNodes(ctx, p.to, nil) {
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "   %-12s %-10s %s\n", n.Name(), n.Status.Phase, n.Spec.Flavor)
	}
	fmt.Fprintf(out, "Done. %d nodes moved %s -> %s, all Available.\n", len(nodes), p.from, p.to)
	return nil
}

// unlock unlocks nodes in pool when the plan locked them, saying so; a
// failure is printed, not returned, as the move's outcome matters more.
func (p *plan) unlock(ctx context.Context, out io.Writer, c *modelarts.Client, pool string, nodes []string) {
	if !p.lock {
		return
	}
	if _, err := c.UnlockNodes(ctx, pool, nodes); err != nil {
		fmt.Fprintf(out, "   unlocking %s in %s: %v\n", strings.Join(nodes, ", "), pool, err)
		return
	}
	fmt.Fprintf(out, "   unlocked %s in %s\n", strings.Join(nodes, ", "), pool)
}

// showPools prints each pool's phase and its Available nodes per flavor.
func showPools(ctx context.Context, out io.Writer, c *modelarts.Client, pools ...string) error {
	for _, name := range pools {
		pool, err := c.GetPool(ctx, name)
		if err != nil {
			return err
		}
		var flavors []string
		for _, fc := range pool.Status.Resources.Available {
			flavors = append(flavors, fmt.Sprintf("%d %s", fc.Count, fc.Flavor))
		}
		fmt.Fprintf(out, "   %-12s %-8s available: %s\n", pool.Name(), pool.Status.Phase, listOrNone(flavors))
	}
	return nil
}

func listOrNone(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	return strings.Join(items, ", ")
}
