// Command ecs-cold-migrate cold-migrates one Huawei Cloud ECS server to a
// dedicated host (-host), or from its dedicated host back to the public
// resource pool (no -host): it stops the server, migrates it, and starts it
// again, following each step's handle to its end.
//
// The server is started again only if it was running at first; -no-start
// leaves it stopped. -no-stop skips the stop, for a server you have
// stopped yourself (ECS refuses to migrate a running one). A server that
// is already moving is not moved twice: the program follows the move in
// flight.
//
// Without -server it runs against the SDK's in-process ECS fake, which it
// seeds with a running server on dedicated host deh-a:
//
//	go run ./examples/ecs-cold-migrate               # deh-a -> public pool
//	go run ./examples/ecs-cold-migrate -host deh-b   # deh-a -> deh-b
//	go run ./examples/ecs-cold-migrate -fake-fail    # see how a failed job reads
//
// Against the real cloud, set HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK,
// HUAWEICLOUD_SDK_PROJECT_ID and HUAWEICLOUD_SDK_REGION and name the server;
// nothing real is stopped or migrated unless -server is given:
//
//	go run ./examples/ecs-cold-migrate -server <server id> [-host <dedicated host id>] [-endpoint <url>] [-no-start]
//
// It exits with status 1 when a step fails, printing the service's error
// code and request ID or the job's failure reason, and 2 on bad flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/ecs"
	"github.com/cloudmigrate/cloudmigrate/ecs/ecstest"
	"github.com/cloudmigrate/cloudmigrate/examples/internal/cli"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

func main() { cli.Main("ecs-cold-migrate", run, explain) }

// plan is what the flags ask for.
type plan struct {
	server, host    string
	noStop, noStart bool
	stopType        ecs.StopType
	poll            []jobs.Option
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("ecs-cold-migrate", flag.ContinueOnError)
	var p plan
	fs.StringVar(&p.server, "server", "", "real cloud: ID of the server to migrate (without it the fake is used)")
	fs.StringVar(&p.host, "host", "", "dedicated host to move the server to (empty: back to the public pool)")
	fs.BoolVar(&p.noStop, "no-stop", false, "do not stop the server first (it must be stopped already)")
	fs.BoolVar(&p.noStart, "no-start", false, "leave the server stopped after the migration")
	hard := fs.Bool("hard", false, "stop the server at once (HARD) instead of shutting it down (SOFT)")
	endpoint := fs.String("endpoint", "", "real cloud: ECS endpoint (default: the region's)")
	fakeFail := fs.Bool("fake-fail", false, "fake only: make the migration job fail")
	timeout := fs.Duration("timeout", 30*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return cli.ErrUsage
	}
	if *hard {
		p.stopType = ecs.StopHard
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	if p.server == "" {
		if auth.HuaweiEnvPresent() {
			fmt.Fprintln(out, "Credentials found, but no -server: using the fake.")
		}
		return runFake(ctx, out, p, *fakeFail)
	}
	env, err := auth.HuaweiFromEnv()
	if err != nil {
		return err
	}
	if *endpoint == "" {
		if env.Region == "" {
			return errors.New("set HUAWEICLOUD_SDK_REGION or -endpoint")
		}
		if *endpoint, err = ecs.Endpoint(env.Region); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "Real cloud: %s, project %s\n", *endpoint, env.ProjectID)
	c, err := ecs.NewClient(*endpoint, env.ProjectID, env.AKSK)
	if err != nil {
		return err
	}
	return migrate(ctx, out, c, p)
}

// runFake seeds the ECS fake with a running server on deh-a and migrates
// it.
func runFake(ctx context.Context, out io.Writer, p plan, fail bool) error {
	p.server = "srv-web-1"
	srv := ecstest.NewServer(ecstest.WithRealTime(1200))
	defer srv.Close()
	srv.AddHost("deh-a", "deh-b")
	if p.host != "" {
		srv.AddHost(p.host)
	}
	srv.AddServer(ecstest.ServerInfo{ID: p.server, Status: ecstest.StatusActive, HostID: "deh-a"})
	if fail {
		srv.FailNextMigrations(1, "", "")
	}
	fmt.Fprintf(out, "Fake ECS at %s: server %s (running) on dedicated host deh-a\n", srv.URL(), p.server)
	c, err := ecs.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		return err
	}
	p.poll = []jobs.Option{jobs.WithInterval(20*time.Millisecond, 100*time.Millisecond)}
	return migrate(ctx, out, c, p)
}

// placeOf names where a server is.
func placeOf(host string) string {
	if host == "" {
		return "the public pool"
	}
	return "dedicated host " + host
}

// migrate stops the server (unless p.noStop), migrates it and starts it
// again (if it was running and not p.noStart).
func migrate(ctx context.Context, out io.Writer, c *ecs.Client, p plan) error {
	s, err := c.GetServer(ctx, p.server)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "1. %s is %s on %s\n", s.ID, s.Status, placeOf(s.DedicatedHostID()))
	wasRunning := s.Status == ecs.ServerActive
	wait := append([]jobs.Option{cli.Progress(out)}, p.poll...)

	switch {
	case p.noStop:
		fmt.Fprintln(out, "2. Not stopping it (-no-stop)")
	case s.Status == ecs.ServerShutoff:
		fmt.Fprintln(out, "2. Already stopped")
	default:
		fmt.Fprintf(out, "2. Stopping it\n")
		stop, err := c.StopServers(ctx, []string{p.server}, &ecs.StopServersOptions{Type: p.stopType})
		if err != nil {
			return err
		}
		if _, err := stop.Wait(ctx, wait...); err != nil {
			return fmt.Errorf("stopping %s: %w", p.server, err)
		}
	}

	fmt.Fprintf(out, "3. Cold-migrating it to %s\n", placeOf(p.host))
	start := time.Now()
	op, err := c.ColdMigrate(ctx, p.server, &ecs.ColdMigrateOptions{DedicatedHostID: p.host})
	switch {
	case errors.Is(err, cloudmigrate.ErrInProgress):
		fmt.Fprintf(out, "   %v\n", err)
	case err != nil:
		return err
	default:
		fmt.Fprintf(out, "   job %s accepted\n", op.ID())
	}
	if _, err := op.Wait(ctx, wait...); err != nil {
		return fmt.Errorf("migrating %s: %w", p.server, err)
	}
	fmt.Fprintf(out, "   moved in %s\n", time.Since(start).Round(time.Millisecond))

	switch {
	case p.noStart:
		fmt.Fprintln(out, "4. Leaving it stopped (-no-start)")
	case !wasRunning:
		fmt.Fprintln(out, "4. Leaving it stopped, as it was")
	default:
		fmt.Fprintln(out, "4. Starting it again")
		started, err := c.StartServers(ctx, []string{p.server})
		if err != nil {
			return err
		}
		if _, err := started.Wait(ctx, wait...); err != nil {
			return fmt.Errorf("starting %s: %w", p.server, err)
		}
	}
	if s, err = c.GetServer(ctx, p.server); err != nil {
		return err
	}
	fmt.Fprintf(out, "Done: %s is %s on %s.\n", s.ID, s.Status, placeOf(s.DedicatedHostID()))
	return nil
}

// explain says why the run failed, with what support needs to know.
func explain(err error) string {
	var apiErr *cloudmigrate.Error
	if errors.As(err, &apiErr) && apiErr.Code == ecs.CodeServerNotStopped {
		return cli.Explain(err) + " (stop the server first)"
	}
	return cli.Explain(err)
}
