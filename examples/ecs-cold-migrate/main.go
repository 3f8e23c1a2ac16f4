// Command ecs-cold-migrate cold-migrates one stopped Huawei Cloud ECS server
// to a dedicated host (-host), or from its dedicated host back to the public
// resource pool (no -host), and follows the migration job to its end.
//
// Without -server it runs against the SDK's in-process ECS fake, which it
// seeds with a running server on dedicated host deh-a, stops it (the stop
// check a real run leaves to you) and migrates it:
//
//	go run ./examples/ecs-cold-migrate               # deh-a -> public pool
//	go run ./examples/ecs-cold-migrate -host deh-b   # deh-a -> deh-b
//	go run ./examples/ecs-cold-migrate -fake-fail    # see how a failed job reads
//
// Against the real cloud, set HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK,
// HUAWEICLOUD_SDK_PROJECT_ID and HUAWEICLOUD_SDK_REGION and name the server;
// nothing real is migrated unless -server is given. Stop the server first:
//
//	go run ./examples/ecs-cold-migrate -server <server id> [-host <dedicated host id>] [-endpoint <url>]
//
// It exits with status 1 when the migration fails, printing the service's
// error code and request ID or the job's failure reason, and 2 on bad flags.
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

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("ecs-cold-migrate", flag.ContinueOnError)
	server := fs.String("server", "", "real cloud: ID of the stopped server to migrate (without it the fake is used)")
	host := fs.String("host", "", "dedicated host to move the server to (empty: back to the public pool)")
	endpoint := fs.String("endpoint", "", "real cloud: ECS endpoint (default https://ecs.{region}.myhuaweicloud.com)")
	fakeFail := fs.Bool("fake-fail", false, "fake only: make the migration job fail")
	timeout := fs.Duration("timeout", 30*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return cli.ErrUsage
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	if *server == "" {
		if auth.HuaweiEnvPresent() {
			fmt.Fprintln(out, "Credentials found, but no -server: using the fake.")
		}
		return runFake(ctx, out, *host, *fakeFail)
	}
	env, err := auth.HuaweiFromEnv()
	if err != nil {
		return err
	}
	if *endpoint == "" {
		if env.Region == "" {
			return errors.New("set HUAWEICLOUD_SDK_REGION or -endpoint")
		}
		*endpoint = fmt.Sprintf("https://ecs.%s.myhuaweicloud.com", env.Region)
	}
	fmt.Fprintf(out, "Real cloud: %s, project %s\n", *endpoint, env.ProjectID)
	fmt.Fprintln(out, "1. Stop check: left to ECS, which refuses a running server (Ecs.0100)")
	c, err := ecs.NewClient(*endpoint, env.ProjectID, env.AKSK)
	if err != nil {
		return err
	}
	if err := migrate(ctx, out, c, *server, *host); err != nil {
		return err
	}
	fmt.Fprintln(out, "Done. Start the server again if it should run.")
	return nil
}

// runFake seeds the ECS fake with a running server on deh-a, stops it and
// migrates it.
func runFake(ctx context.Context, out io.Writer, host string, fail bool) error {
	const serverID = "srv-web-1"
	srv := ecstest.NewServer(ecstest.WithRealTime(1200))
	defer srv.Close()
	srv.AddHost("deh-a", "deh-b")
	if host != "" {
		srv.AddHost(host)
	}
	srv.AddServer(ecstest.ServerInfo{ID: serverID, Status: ecstest.StatusActive, HostID: "deh-a"})
	if fail {
		srv.FailNextMigrations(1, "", "")
	}
	fmt.Fprintf(out, "Fake ECS at %s: server %s on dedicated host deh-a\n", srv.URL(), serverID)

	fmt.Fprintln(out, "1. Stop check")
	if info, _ := srv.ServerState(serverID); info.Status != ecstest.StatusShutoff {
		fmt.Fprintf(out, "   %s is %s; stopping it\n", serverID, info.Status)
		if err := srv.StopServer(serverID); err != nil {
			return err
		}
	}
	c, err := ecs.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		return err
	}
	if err := migrate(ctx, out, c, serverID, host, jobs.WithInterval(20*time.Millisecond, 100*time.Millisecond)); err != nil {
		return err
	}
	where := "the public pool"
	if info, _ := srv.ServerState(serverID); info.HostID != "" {
		where = "dedicated host " + info.HostID
	}
	fmt.Fprintf(out, "Done. The fake shows %s on %s.\n", serverID, where)
	return nil
}

// migrate starts the cold migration and waits for its job.
func migrate(ctx context.Context, out io.Writer, c *ecs.Client, serverID, hostID string, poll ...jobs.Option) error {
	target := "the public pool"
	if hostID != "" {
		target = "dedicated host " + hostID
	}
	fmt.Fprintf(out, "2. Cold-migrating %s to %s\n", serverID, target)
	res, err := c.ColdMigrate(ctx, serverID, &ecs.ColdMigrateOptions{DedicatedHostID: hostID})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "   job %s accepted (request %s)\n", res.JobID, res.RequestID)
	fmt.Fprintln(out, "3. Waiting for the job")
	start := time.Now()
	job, err := c.WaitForJob(ctx, res.JobID, append(poll, cli.Progress(out))...)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "   job %s %s after %s\n", job.ID, job.Status, time.Since(start).Round(time.Millisecond))
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
