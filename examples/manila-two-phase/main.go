// Command manila-two-phase migrates an OpenStack Manila share server, with
// all its shares, to another back end in two phases: it checks the
// destination, starts the data copy, waits for phase one to finish, then
// completes the switch-over and waits for it (or, with -cancel, cancels the
// migration after phase one; with -complete=false it leaves it waiting).
//
// Without -share-server it runs against the SDK's in-process Keystone and
// Manila fake, with a share server on manila-share-1@netapp1:
//
//	go run ./examples/manila-two-phase
//	go run ./examples/manila-two-phase -cancel
//	go run ./examples/manila-two-phase -fake-fail   # see how a failure reads
//
// Against a real cloud, set the usual OS_* variables (OS_AUTH_URL,
// OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME, OS_USER_DOMAIN_NAME, ...; an
// admin account) and name the share server and the destination; nothing real
// is migrated unless -share-server is given:
//
//	go run ./examples/manila-two-phase -share-server <id> -host <host@backend> [-cancel | -complete=false]
//
// It exits with status 1 when a step fails, printing the service's error
// code and request ID or the final task state, and 2 on bad flags.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/examples/internal/cli"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/manila"
	"github.com/cloudmigrate/cloudmigrate/manila/manilatest"
)

func main() { cli.Main("manila-two-phase", run, explain) }

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("manila-two-phase", flag.ContinueOnError)
	id := fs.String("share-server", "", "real cloud: ID of the share server to migrate (without it the fake is used)")
	host := fs.String("host", "", "destination back end, host@backend (required with -share-server; the fake has manila-share-2@netapp2)")
	req := &manila.CheckMigrationRequest{}
	fs.BoolVar(&req.Writable, "writable", true, "keep the shares writable during phase one")
	fs.BoolVar(&req.PreserveSnapshots, "preserve-snapshots", true, "move the snapshots along")
	fs.BoolVar(&req.Nondisruptive, "nondisruptive", false, "require that clients are not disrupted")
	complete := fs.Bool("complete", true, "complete the migration after phase one")
	cancelIt := fs.Bool("cancel", false, "cancel the migration after phase one instead")
	fakeFail := fs.Bool("fake-fail", false, "fake only: make the migration fail during the copy")
	timeout := fs.Duration("timeout", 6*time.Hour, "give up after this long")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return cli.ErrUsage
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req.Host = *host
	var poll []jobs.Option

	var c *manila.Client
	var err error
	if *id == "" {
		if auth.KeystoneEnvPresent() {
			fmt.Fprintln(out, "Credentials found, but no -share-server: using the fake.")
		}
		*id, req.Host = "5d3c4e8a-share-srv-0001", cmp.Or(req.Host, "manila-share-2@netapp2")
		srv := manilatest.NewServer(manilatest.WithRealTime(1500))
		defer srv.Close()
		srv.AddShareServer(*id, "manila-share-1@netapp1")
		srv.AddBackend("manila-share-2@netapp2")
		if *fakeFail {
			srv.FailNextMigrations(1)
		}
		fmt.Fprintf(out, "Fake Keystone + Manila at %s: share server %s on manila-share-1@netapp1\n", srv.URL(), *id)
		c, err = manila.NewClientFromKeystone(ctx, srv.Authorizer(), "", "")
		poll = append(poll, jobs.WithInterval(20*time.Millisecond, 100*time.Millisecond))
	} else {
		if req.Host == "" {
			return errors.New("-share-server needs -host")
		}
		env, envErr := auth.KeystoneFromEnv()
		if envErr != nil {
			return envErr
		}
		c, err = manila.NewClientFromKeystone(ctx, env.Keystone, env.Region, env.Interface)
	}
	if err != nil {
		return err
	}
	return migrate(ctx, out, c, *id, req, *complete, *cancelIt, poll)
}

// migrate runs the two phases against any Manila endpoint.
func migrate(ctx context.Context, out io.Writer, c *manila.Client, id string, req *manila.CheckMigrationRequest, complete, cancelIt bool, poll []jobs.Option) error {
	fmt.Fprintf(out, "1. Checking whether %s can take share server %s\n", req.Host, id)
	check, err := c.CheckMigration(ctx, id, req)
	if err != nil {
		return err
	}
	canCancel := check.SupportedCapabilities.MigrationCancel
	fmt.Fprintf(out, "   compatible=%v, cancel supported=%v\n", check.Compatible, canCancel != nil && *canCancel)
	if !check.Compatible {
		return fmt.Errorf("%s cannot take the share server with the requested guarantees", req.Host)
	}
	if cancelIt && (canCancel == nil || !*canCancel) {
		return fmt.Errorf("the driver of %s cannot cancel a migration; not starting", req.Host)
	}
	fmt.Fprintln(out, "2. Starting phase one (data copy; the shares stay available)")
	if err := c.StartMigration(ctx, id, (*manila.StartMigrationRequest)(req)); err != nil {
		return err
	}
	opts := append(poll, cli.Progress(out))
	if _, err := c.WaitForMigrationPhase1(ctx, id, opts...); err != nil {
		return err
	}
	switch {
	case cancelIt:
		fmt.Fprintln(out, "3. Cancelling after phase one")
		if err := c.CancelMigration(ctx, id); err != nil {
			return err
		}
		// Waiting for the end of a cancelled migration ends in a
		// FailedError whose state is Cancelled: here, the goal.
		_, err := c.WaitForMigrationComplete(ctx, id, opts...)
		var ended *jobs.FailedError
		switch {
		case err == nil:
			return fmt.Errorf("the migration of %s completed instead of cancelling", id)
		case !errors.As(err, &ended) || ended.Status.State != jobs.Cancelled:
			return err
		}
		fmt.Fprintf(out, "Done. Migration cancelled; %s stays where it was.\n", id)
	case !complete:
		fmt.Fprintf(out, "Done. Phase one is over; complete or cancel the migration of %s when ready.\n", id)
	default:
		fmt.Fprintln(out, "3. Completing (switch-over; clients may need to remount)")
		done, err := c.CompleteMigration(ctx, id)
		if err != nil {
			return err
		}
		final, err := c.WaitForMigrationComplete(ctx, id, opts...)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Done. %s: the shares now live on share server %s on %s.\n", final.TaskState, done.DestinationShareServerID, req.Host)
	}
	return nil
}

// explain says why the run failed, with what support needs to know.
func explain(err error) string {
	var failed *jobs.FailedError
	if errors.As(err, &failed) {
		return fmt.Sprintf("migration ended in %s", failed.Status.Word)
	}
	return cli.Explain(err)
}
