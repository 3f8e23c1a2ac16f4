// Command nova-drain-host empties an OpenStack nova compute host: it lists
// the servers on the host (nova.ListServers with AllProjects and Host),
// disables the host's compute service with a reason (nova.DisableService)
// so that the scheduler places nothing new there, live-migrates the
// servers away, at most -concurrency at a time, follows each migration's
// handle until nova reports it done and the server is seen on another
// host, prints a line per server and a summary, and lists the host again
// to show what is left. A server that is already moving is not moved
// again: its move in flight is followed instead.
//
// Without OpenStack credentials in the environment it runs on the fake
// (package novatest), which holds five servers on compute-1 and one on
// compute-2:
//
//	go run ./examples/nova-drain-host                  # drains compute-1 on the fake
//	go run ./examples/nova-drain-host -target compute-3 -concurrency 2
//	go run ./examples/nova-drain-host -servers vm-web-1,vm-db-1
//	go run ./examples/nova-drain-host -fake-fail 2     # see how failures read
//	go run ./examples/nova-drain-host -reenable        # enable compute-1 again at the end
//
// Against a real cloud, set the OS_* variables (OS_AUTH_URL, OS_USERNAME,
// OS_PASSWORD, OS_PROJECT_NAME, OS_USER_DOMAIN_NAME, ...) of an admin and
// name the host. Without -yes the program only lists the servers it would
// move and exits; nothing is migrated unless -yes is given:
//
//	go run ./examples/nova-drain-host -host <host>                 # lists, moves nothing
//	go run ./examples/nova-drain-host -host <host> -yes [-servers id1,id2] [-target <host>] [-concurrency 3]
//
// The compute service stays disabled at the end, for the maintenance to
// follow; -reenable enables it again once the drain is over (also when
// some servers could not be moved, or the run was stopped), and -reason
// sets the reason nova records. Nothing is disabled without -yes.
//
// With credentials but no -host it still runs on the fake. -servers limits
// the run to some of the host's servers; an ID that is not on the host is
// an error before anything is migrated.
//
// Ctrl-C stops the waits at once and starts no further migration (those
// started go on in nova). It exits with status 1 if any server was not
// moved, printing nova's error code and request ID, or the migration's
// final status with nova's reason, and 2 on bad flags.
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
	"sync"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/examples/internal/cli"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/nova"
	"github.com/cloudmigrate/cloudmigrate/nova/novatest"
)

func main() { cli.Main("nova-drain-host", run, explain) }

// cloudPoll holds extra wait options for runs against a cloud; tests set
// it to poll a fake quickly.
var cloudPoll []jobs.Option

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("nova-drain-host", flag.ContinueOnError)
	host := fs.String("host", "", "compute host to drain (required on a real cloud; compute-1 on the fake)")
	serverList := fs.String("servers", "", "comma-separated IDs: move only these of the host's servers")
	yes := fs.Bool("yes", false, "real cloud: really migrate (without it the servers are only listed)")
	target := fs.String("target", "", "compute host to move the servers to (empty: the scheduler chooses)")
	limit := fs.Int("concurrency", 3, "live migrations in flight at most")
	fakeFail := fs.Int("fake-fail", 0, "fake only: make this many migrations fail")
	reason := fs.String("reason", "nova-drain-host: maintenance", "reason recorded when disabling the host's compute service")
	reenable := fs.Bool("reenable", false, "enable the host's compute service again at the end")
	timeout := fs.Duration("timeout", 2*time.Hour, "give up after this long")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return cli.ErrUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(0))
		return cli.ErrUsage
	}
	subset, err := parseIDs(*serverList)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	if auth.KeystoneEnvPresent() && *host != "" {
		if *limit < 1 || *target == *host {
			return errors.New("-concurrency must be at least 1 and -target must differ from -host")
		}
		env, err := auth.KeystoneFromEnv()
		if err != nil {
			return err
		}
		c, err := nova.NewClientFromKeystone(ctx, env.Keystone, env.Region, env.Interface, env.ComputeOptions()...)
		if err != nil {
			return err
		}
		ids, err := findServers(ctx, out, c, *host, subset)
		if err != nil {
			return err
		}
		if !*yes {
			fmt.Fprintf(out, "Nothing migrated: run again with -yes to move these %d servers off %s.\n", len(ids), *host)
			return nil
		}
		return drainHost(ctx, out, c, *host, *target, ids, *limit, serviceSteps{*reason, *reenable}, cloudPoll...)
	}

	if auth.KeystoneEnvPresent() {
		fmt.Fprintln(out, "Credentials found, but no -host: using the fake.")
	}
	*host = cmp.Or(*host, "compute-1")
	if *limit < 1 || *target == *host {
		return errors.New("-concurrency must be at least 1 and -target must differ from -host")
	}
	srv := novatest.NewServer(novatest.WithRealTime(600))
	defer srv.Close()
	srv.AddHost("compute-1", "compute-2", "compute-3", *host)
	for _, id := range []string{"vm-web-1", "vm-web-2", "vm-db-1", "vm-cache-1", "vm-batch-1"} {
		srv.AddServer(id, "compute-1", novatest.StatusActive)
	}
	srv.AddServer("vm-other-1", "compute-2", novatest.StatusActive)
	srv.FailNextMigrations(*fakeFail)
	fmt.Fprintf(out, "Fake Keystone + nova at %s: hosts %s\n", srv.URL(), strings.Join(srv.Hosts(), ", "))
	c, err := nova.NewClientFromKeystone(ctx, srv.Authorizer(), "", "")
	if err != nil {
		return err
	}
	ids, err := findServers(ctx, out, c, *host, subset)
	if err != nil {
		return err
	}
	err = drainHost(ctx, out, c, *host, *target, ids, *limit, serviceSteps{*reason, *reenable},
		jobs.WithInterval(20*time.Millisecond, 100*time.Millisecond))
	left, lerr := onHost(ctx, c, *host)
	if lerr != nil {
		return errors.Join(err, lerr)
	}
	fmt.Fprintf(out, "Nova lists %d servers left on %s.\n", len(left), *host)
	return err
}

// parseIDs splits a comma-separated list of server IDs, dropping blanks;
// an ID given twice is an error.
func parseIDs(list string) ([]string, error) {
	var ids []string
	for _, id := range strings.Split(list, ",") {
		id = strings.TrimSpace(id)
		if id == "" {
			continue
		}
		if slices.Contains(ids, id) {
			return nil, fmt.Errorf("-servers names %s twice", id)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// onHost returns the servers nova places on host, of every project.
func onHost(ctx context.Context, c *nova.Client, host string) ([]nova.Server, error) {
	var list []nova.Server
	for s, err := range c.ListServers(ctx, &nova.ListServersOptions{AllProjects: true, Host: host}) {
		if err != nil {
			return nil, fmt.Errorf("listing the servers on %s: %w", host, err)
		}
		list = append(list, s)
	}
	return list, nil
}

// findServers lists the servers on host and returns the IDs to move: all
// of them, or those of subset, which must all be on the host.
func findServers(ctx context.Context, out io.Writer, c *nova.Client, host string, subset []string) ([]string, error) {
	list, err := onHost(ctx, c, host)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "Nova lists %d servers on %s:\n", len(list), host)
	ids := make([]string, 0, len(list))
	for _, s := range list {
		fmt.Fprintf(out, "  %-12s %-16s %-10s project %s\n", s.ID, s.Name, s.Status, s.TenantID)
		ids = append(ids, s.ID)
	}
	if len(subset) == 0 {
		return ids, nil
	}
	for _, id := range subset {
		if !slices.Contains(ids, id) {
			return nil, fmt.Errorf("server %s is not on %s: nothing was migrated", id, host)
		}
	}
	fmt.Fprintf(out, "Moving only %s.\n", strings.Join(subset, ", "))
	return subset, nil
}

// serviceSteps says what to do with the host's compute service around the
// drain.
type serviceSteps struct {
	reason   string // recorded when disabling it ("" records none)
	reenable bool   // enable it again at the end
}

// drainHost disables the compute service of host, so that the scheduler
// places no new server or migration there while it is emptied, drains the
// host, and enables the service again at the end when asked: also after
// failures or a cancellation, with a context of its own. Nothing is
// migrated when the service cannot be disabled.
func drainHost(ctx context.Context, out io.Writer, c *nova.Client, host, target string, ids []string, limit int,
	svc serviceSteps, poll ...jobs.Option) error {
	s, err := c.DisableService(ctx, host, svc.reason)
	if err != nil {
		return fmt.Errorf("disabling the compute service of %s (nothing was migrated): %w", host, err)
	}
	fmt.Fprintf(out, "Disabled the compute service of %s (reason %q): the scheduler places nothing new there.\n", s.Host, svc.reason)
	err = drain(ctx, out, c, host, target, ids, limit, poll...)
	if !svc.reenable {
		fmt.Fprintf(out, "The compute service of %s stays disabled (-reenable enables it at the end).\n", host)
		return err
	}
	ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if _, eerr := c.EnableService(ectx, host); eerr != nil {
		return errors.Join(err, fmt.Errorf("enabling the compute service of %s again: %w", host, eerr))
	}
	fmt.Fprintf(out, "Enabled the compute service of %s again.\n", host)
	return err
}

// drain moves the servers off host with at most limit migrations in flight.
func drain(ctx context.Context, out io.Writer, c *nova.Client, host, target string, ids []string, limit int, poll ...jobs.Option) error {
	mv, err := c.Microversion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Draining %s (compute API %s): %d servers, at most %d at a time\n", host, mv.InUse, len(ids), limit)
	w := &syncWriter{w: out}
	lines := make([]string, len(ids))
	failed := 0
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i, id := range ids {
		select {
		case <-ctx.Done():
		case sem <- struct{}{}:
			if ctx.Err() != nil {
				<-sem
			}
		}
		if ctx.Err() != nil {
			mu.Lock()
			lines[i], failed = fmt.Sprintf("FAILED: not started: %v", ctx.Err()), failed+1
			mu.Unlock()
			continue
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			start := time.Now()
			res, err := move(ctx, w, c, id, target, poll)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				lines[i], failed = "FAILED: "+explain(err), failed+1
			case deref(res.Migration.SourceCompute) != host:
				lines[i] = fmt.Sprintf("-> %s, but it was on %s, not %s", res.Server.Host, deref(res.Migration.SourceCompute), host)
			default:
				lines[i] = fmt.Sprintf("-> %-10s in %s", res.Server.Host, time.Since(start).Round(time.Millisecond))
			}
		}()
	}
	wg.Wait()

	fmt.Fprintf(out, "Summary for %s:\n", host)
	for i, line := range lines {
		fmt.Fprintf(out, "  %-12s %s\n", ids[i], line)
	}
	fmt.Fprintf(out, "%d of %d servers moved off %s.\n", len(ids)-failed, len(ids), host)
	if failed > 0 {
		return fmt.Errorf("%d of %d servers are still on %s", failed, len(ids), host)
	}
	return nil
}

// move live-migrates one server, or adopts the move it is already in, and
// waits on the handle until the server is verified on another host.
func move(ctx context.Context, out io.Writer, c *nova.Client, id, target string, poll []jobs.Option) (*nova.MoveResult, error) {
	op, err := c.LiveMigrate(ctx, id, &nova.LiveMigrateOptions{Host: target})
	switch {
	case errors.Is(err, cloudmigrate.ErrInProgress):
		fmt.Fprintf(out, "  %-12s already moving, following that move: %v\n", id, err)
	case err != nil:
		return nil, err
	default:
		fmt.Fprintf(out, "  %-12s live migration started\n", id)
	}
	return op.Wait(ctx, append(poll, progress(out, id, op))...)
}

func deref(s *string) string {
	if s == nil {
		return "?"
	}
	return *s
}

// syncWriter lets the migrations print from several goroutines.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// progress prints a server's status, with its migration's ID once nova
// has recorded it, when its word or quarter of the way changes.
func progress(out io.Writer, id string, op *jobs.Operation[*nova.MoveResult]) jobs.Option {
	last := ""
	return jobs.WithProgress(func(s jobs.Status) {
		pct := "   ?"
		if s.Progress >= 0 {
			pct = fmt.Sprintf("%3d%%", s.Progress)
		}
		if key := fmt.Sprint(s.Word, s.Progress/25); key != last {
			last = key
			mig := "migration not recorded yet"
			if op.ID() != "" {
				mig = "migration " + op.ID()
			}
			fmt.Fprintf(out, "  %-12s %s %-16s %s\n", id, pct, s.Word, mig)
		}
	})
}

// explain says why a server was not moved, with what support needs to
// know: nova's reason from the move's instance action, or nova's error
// code and request ID.
func explain(err error) string {
	var failed *jobs.FailedError
	if errors.As(err, &failed) {
		return fmt.Sprintf("migration ended %s: %s", failed.Status.Word, failed.Status.Message)
	}
	return cli.Explain(err)
}
