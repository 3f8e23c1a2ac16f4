// Command nova-drain-host empties an OpenStack nova compute host: it lists
// the servers on the host (nova.ListServers with AllProjects and Host),
// live-migrates them away, at most -concurrency at a time, follows each
// migration to its end, prints a line per server and a summary, and lists
// the host again to show what is left.
//
// Without OpenStack credentials in the environment it runs on the fake
// (package novatest), which holds five servers on compute-1 and one on
// compute-2:
//
//	go run ./examples/nova-drain-host                  # drains compute-1 on the fake
//	go run ./examples/nova-drain-host -target compute-3 -concurrency 2
//	go run ./examples/nova-drain-host -servers vm-web-1,vm-db-1
//	go run ./examples/nova-drain-host -fake-fail 2     # see how failures read
//
// Against a real cloud, set the OS_* variables (OS_AUTH_URL, OS_USERNAME,
// OS_PASSWORD, OS_PROJECT_NAME, OS_USER_DOMAIN_NAME, ...) of an admin and
// name the host. Without -yes the program only lists the servers it would
// move and exits; nothing is migrated unless -yes is given:
//
//	go run ./examples/nova-drain-host -host <host>                 # lists, moves nothing
//	go run ./examples/nova-drain-host -host <host> -yes [-servers id1,id2] [-target <host>] [-concurrency 3]
//
// With credentials but no -host it still runs on the fake. -servers limits
// the run to some of the host's servers; an ID that is not on the host is
// an error before anything is migrated.
//
// Ctrl-C stops the waits at once and starts no further migration (those
// started go on in nova). It exits with status 1 if any server was not
// moved, printing nova's error code and request ID or the migration's final
// status, and 2 on bad flags.
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
		c, err := nova.NewClientFromKeystone(ctx, env.Keystone, env.Region, env.Interface)
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
		return drain(ctx, out, c, *host, *target, ids, *limit, cloudPoll...)
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
	err = drain(ctx, out, c, *host, *target, ids, *limit, jobs.WithInterval(20*time.Millisecond, 100*time.Millisecond))
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
			m, err := move(ctx, w, c, id, target, poll)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				lines[i], failed = "FAILED: "+explain(err), failed+1
			case deref(m.SourceCompute) != host:
				lines[i] = fmt.Sprintf("-> %s, but it was on %s, not %s", deref(m.DestCompute), deref(m.SourceCompute), host)
			default:
				lines[i] = fmt.Sprintf("-> %-10s in %s", deref(m.DestCompute), time.Since(start).Round(time.Millisecond))
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

// move live-migrates one server and waits until nova is done with it.
func move(ctx context.Context, out io.Writer, c *nova.Client, id, target string, poll []jobs.Option) (*nova.Migration, error) {
	before, err := newestMigration(ctx, c, id)
	if err != nil {
		return nil, err
	}
	if err := c.LiveMigrate(ctx, id, &nova.LiveMigrateOptions{Host: target}); err != nil {
		return nil, err
	}
	// Nova records the migration asynchronously: poll for a newer record.
	mid, err := jobs.Wait(ctx, func(ctx context.Context) (int, error) { return newestMigration(ctx, c, id) },
		func(mid int) jobs.Status {
			if mid > before {
				return jobs.Status{State: jobs.Succeeded}
			}
			return jobs.Status{State: jobs.Pending}
		}, poll...)
	if err != nil {
		return nil, fmt.Errorf("finding the migration record: %w", err)
	}
	fmt.Fprintf(out, "  %-12s migration %d started\n", id, mid)
	return c.WaitForMigration(ctx, id, mid, append(poll, progress(out, id))...)
}

// newestMigration returns the highest live-migration ID nova has recorded
// for the server, or 0.
func newestMigration(ctx context.Context, c *nova.Client, id string) (int, error) {
	newest := 0
	for m, err := range c.ListMigrations(ctx, &nova.ListMigrationsOptions{InstanceUUID: id, MigrationType: nova.TypeLiveMigration}) {
		if err != nil {
			return 0, err
		}
		newest = max(newest, m.ID)
	}
	return newest, nil
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

// progress prints a server's status when its word or quarter of the way
// changes.
func progress(out io.Writer, id string) jobs.Option {
	last := ""
	return jobs.WithProgress(func(s jobs.Status) {
		pct := "   ?"
		if s.Progress >= 0 {
			pct = fmt.Sprintf("%3d%%", s.Progress)
		}
		if key := fmt.Sprint(s.Word, s.Progress/25); key != last {
			last = key
			fmt.Fprintf(out, "  %-12s %s %s\n", id, pct, s.Word)
		}
	})
}

// explain says why a server was not moved, with what support needs to know.
func explain(err error) string {
	var failed *jobs.FailedError
	if errors.As(err, &failed) {
		return fmt.Sprintf("migration ended %s (nova keeps no reason: see the server's instance actions)", failed.Status.Word)
	}
	return cli.Explain(err)
}
