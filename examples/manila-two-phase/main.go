// Command manila-two-phase migrates an OpenStack Manila share server, with
// all its shares, to another back end in two phases: it lists the shares
// the share server holds, checks the destination, starts the data copy and
// follows it with the migration's handle until phase one is over and the
// destination share server is confirmed on the new back end, then
// completes the switch-over and waits for it (or, with -cancel, cancels the
// migration after phase one; with -complete=false it leaves it waiting and
// prints the handle's resume token, which -resume takes up again later).
// With -drain it first disables the share service of the source back end,
// so that no new share lands there while it is emptied, and enables it
// again at the end unless -keep-disabled is given.
//
// Without -share-server it runs against the SDK's in-process Keystone and
// Manila fake, with a share server holding two shares on
// manila-share-1@netapp1:
//
//	go run ./examples/manila-two-phase
//	go run ./examples/manila-two-phase -drain
//	go run ./examples/manila-two-phase -cancel
//	go run ./examples/manila-two-phase -fake-fail   # see how a failure reads
//
// Against a real cloud, set the usual OS_* variables (OS_AUTH_URL,
// OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME, OS_USER_DOMAIN_NAME, ...; an
// admin account) and name the share server and the destination; nothing real
// is migrated unless -share-server is given:
//
//	go run ./examples/manila-two-phase -share-server <id> -host <host@backend> [-drain] [-cancel | -complete=false]
//	go run ./examples/manila-two-phase -share-server <id> -resume <token>
//
// Starting a share server that is already migrating follows that migration
// instead of starting another. It exits with status 1 when a step fails,
// printing the service's error code and request ID or the final task state,
// and 2 on bad flags.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
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
	req := &manila.CheckMigrationOptions{}
	fs.BoolVar(&req.Writable, "writable", true, "keep the shares writable during phase one")
	fs.BoolVar(&req.PreserveSnapshots, "preserve-snapshots", true, "move the snapshots along")
	fs.BoolVar(&req.Nondisruptive, "nondisruptive", false, "require that clients are not disrupted")
	complete := fs.Bool("complete", true, "complete the migration after phase one")
	cancelIt := fs.Bool("cancel", false, "cancel the migration after phase one instead")
	drain := fs.Bool("drain", false, "disable the source back end's share service first, so no new share lands there")
	keepDisabled := fs.Bool("keep-disabled", false, "with -drain: leave the source back end disabled at the end")
	resume := fs.String("resume", "", "follow the migration of this resume token (printed by -complete=false) instead of starting one")
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
		srv.AddServerShare("9f2c4d1e-share-0001", *id, "manila-share-1@netapp1#aggr1")
		srv.AddServerShare("9f2c4d1e-share-0002", *id, "manila-share-1@netapp1#aggr2")
		srv.AddBackend("manila-share-2@netapp2")
		if *fakeFail {
			srv.FailNextMigrations(1)
		}
		fmt.Fprintf(out, "Fake Keystone + Manila at %s: share server %s on manila-share-1@netapp1\n", srv.URL(), *id)
		c, err = manila.NewClientFromKeystone(ctx, srv.Authorizer(), "", "")
		poll = append(poll, jobs.WithInterval(20*time.Millisecond, 100*time.Millisecond))
	} else {
		if req.Host == "" && *resume == "" {
			return errors.New("-share-server needs -host or -resume")
		}
		env, envErr := auth.KeystoneFromEnv()
		if envErr != nil {
			return envErr
		}
		c, err = manila.NewClientFromKeystone(ctx, env.Keystone, env.Region, env.Interface, env.ShareOptions()...)
	}
	if err != nil {
		return err
	}
	p := &plan{id: *id, req: req, complete: *complete, cancel: *cancelIt, drain: *drain, keepDisabled: *keepDisabled,
		resume: *resume, poll: poll}
	return migrate(ctx, out, c, p)
}

// plan is what the flags ask for.
type plan struct {
	id                  string
	req                 *manila.CheckMigrationOptions
	complete, cancel    bool
	drain, keepDisabled bool
	resume              string // a resume token, or ""
	poll                []jobs.Option
}

// migrate runs the two phases against any Manila endpoint.
func migrate(ctx context.Context, out io.Writer, c *manila.Client, p *plan) error {
	sv, err := c.GetShareServer(ctx, p.id)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "1. Share server %s on %s (%s) holds:\n", p.id, sv.Host, sv.Status)
	for s, err := range c.ListShares(ctx, &manila.ListSharesOptions{ShareServerID: p.id}) {
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "   share %s (%s, %d GiB) on %s\n", s.ID, s.ShareProto, s.Size, s.Host)
	}
	if p.drain {
		reason := "emptied by manila-two-phase"
		fmt.Fprintf(out, "   disabling the share service of %s: no new share lands there\n", sv.Host)
		if _, err := c.DisableService(ctx, sv.Host, manila.BinaryShare, reason); errors.As(err, new(*cloudmigrate.VersionError)) {
			// The service records a reason from microversion 2.83 on.
			_, err = c.DisableService(ctx, sv.Host, manila.BinaryShare, "")
			if err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		if !p.keepDisabled {
			defer func() {
				if _, err := c.EnableService(context.WithoutCancel(ctx), sv.Host, manila.BinaryShare); err != nil {
					fmt.Fprintf(out, "   could not enable the share service of %s again: %v\n", sv.Host, err)
					return
				}
				fmt.Fprintf(out, "   share service of %s enabled again\n", sv.Host)
			}()
		}
	}

	op, err := start(ctx, out, c, p)
	if err != nil {
		return err
	}
	opts := append(p.poll, cli.Progress(out))
	dest, err := op.Wait(ctx, opts...)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "   phase one done: share server %s on %s is ready to take over\n", dest.ID, dest.Host)
	switch {
	case p.cancel:
		fmt.Fprintln(out, "4. Cancelling after phase one")
		if err := c.CancelMigration(ctx, p.id); err != nil {
			return err
		}
		// Waiting for the end of a cancelled migration ends in a
		// FailedError whose state is Cancelled: here, the goal.
		_, err := c.WaitForMigrationComplete(ctx, p.id, opts...)
		var ended *jobs.FailedError
		switch {
		case err == nil:
			return fmt.Errorf("the migration of %s completed instead of cancelling", p.id)
		case !errors.As(err, &ended) || ended.Status.State != jobs.Cancelled:
			return err
		}
		fmt.Fprintf(out, "Done. Migration cancelled; %s stays where it was.\n", p.id)
	case !p.complete:
		token, err := op.ResumeToken()
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Done. Phase one is over; complete or cancel the migration of %s when ready.\n", p.id)
		fmt.Fprintf(out, "   resume token (for -resume): %s\n", token)
	default:
		fmt.Fprintln(out, "4. Completing (switch-over; clients may need to remount)")
		done, err := c.CompleteMigration(ctx, p.id)
		if err != nil {
			return err
		}
		final, err := c.WaitForMigrationComplete(ctx, p.id, opts...)
		if err != nil {
			return err
		}
		n := 0
		for _, err := range c.ListShares(ctx, &manila.ListSharesOptions{ShareServerID: done.DestinationShareServerID}) {
			if err != nil {
				return err
			}
			n++
		}
		fmt.Fprintf(out, "Done. %s: the %d shares now live on share server %s on %s.\n", final.TaskState, n, done.DestinationShareServerID, dest.Host)
	}
	return nil
}

// start checks the destination and starts phase one, or takes up the
// migration of a resume token or the one already under way, and returns
// its handle.
func start(ctx context.Context, out io.Writer, c *manila.Client, p *plan) (*jobs.Operation[*manila.ShareServer], error) {
	if p.resume != "" {
		fmt.Fprintln(out, "2. Taking up the migration of the resume token")
		op, err := c.ResumeMigration(p.resume)
		if err == nil && op.Token().Resources[0] != p.id {
			err = fmt.Errorf("the resume token is for share server %s, not %s", op.Token().Resources[0], p.id)
		}
		return op, err
	}
	fmt.Fprintf(out, "2. Checking whether %s can take share server %s\n", p.req.Host, p.id)
	check, err := c.CheckMigration(ctx, p.id, p.req)
	switch {
	case cloudmigrate.IsConflict(err):
		// A share server that is already migrating cannot be checked;
		// the start below follows that migration.
		fmt.Fprintf(out, "   cannot check: %v\n", err)
	case err != nil:
		return nil, err
	default:
		canCancel := check.SupportedCapabilities.MigrationCancel
		fmt.Fprintf(out, "   compatible=%v, cancel supported=%v\n", check.Compatible, canCancel != nil && *canCancel)
		if !check.Compatible {
			return nil, fmt.Errorf("%s cannot take the share server with the requested guarantees", p.req.Host)
		}
		if p.cancel && (canCancel == nil || !*canCancel) {
			return nil, fmt.Errorf("the driver of %s cannot cancel a migration; not starting", p.req.Host)
		}
	}
	fmt.Fprintln(out, "3. Starting phase one (data copy; the shares stay available)")
	op, err := c.StartMigration(ctx, p.id, (*manila.StartMigrationOptions)(p.req))
	if errors.Is(err, cloudmigrate.ErrInProgress) {
		fmt.Fprintf(out, "   already migrating; following that migration (%v)\n", err)
		return op, nil
	}
	return op, err
}

// explain says why the run failed, with what support needs to know.
func explain(err error) string {
	var failed *jobs.FailedError
	if errors.As(err, &failed) {
		return fmt.Sprintf("migration ended in %s", failed.Status.Word)
	}
	return cli.Explain(err)
}
