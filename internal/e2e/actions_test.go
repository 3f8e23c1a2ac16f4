package e2e

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/manila"
	"github.com/cloudmigrate/cloudmigrate/manila/manilatest"
	"github.com/cloudmigrate/cloudmigrate/nova"
	"github.com/cloudmigrate/cloudmigrate/nova/novatest"
)

// actionCase is one call that starts, completes, aborts or cancels a
// migration, with what must hold in the fake before and after it.
type actionCase struct {
	name string
	op   string
	// prepare brings the fake to a state where the call is accepted.
	prepare func(t *testing.T)
	// call makes the call.
	call func(ctx context.Context) error
	// unchanged asserts that the fake's state is as prepare left it.
	unchanged func(t *testing.T)
	// applied asserts that the call took effect.
	applied func(t *testing.T)
}

// checkActionExactlyOnce drives c through three rounds on fresh fakes made
// by setup: a dropped connection (error, one request, no effect), a 503
// (the service's error, one request, no effect), and a clean call (one
// request, effect).
func checkActionExactlyOnce(t *testing.T, setup func(t *testing.T) (injector, actionCase), reqIDPrefix string) {
	t.Helper()
	ctx := context.Background()

	t.Run("dropped", func(t *testing.T) {
		f, c := setup(t)
		c.prepare(t)
		f.DropNext(c.op, 1)
		notAPIError(t, c.call(ctx))
		if n := f.Calls(c.op); n != 1 {
			t.Errorf("%s reached the fake %d times, want exactly 1", c.op, n)
		}
		c.unchanged(t)
	})
	t.Run("503", func(t *testing.T) {
		f, c := setup(t)
		c.prepare(t)
		f.FailNext(c.op, 1, http.StatusServiceUnavailable)
		err := c.call(ctx)
		var e *cloudmigrate.Error
		if !errors.As(err, &e) {
			t.Fatalf("error %v is not a *cloudmigrate.Error", err)
		}
		if e.StatusCode != http.StatusServiceUnavailable || e.Code != "serviceUnavailable" || e.Attempts != 1 || len(e.RequestID) <= len(reqIDPrefix) {
			t.Errorf("error %+v", e)
		}
		if n := f.Calls(c.op); n != 1 {
			t.Errorf("%s reached the fake %d times, want exactly 1", c.op, n)
		}
		c.unchanged(t)
	})
	t.Run("clean", func(t *testing.T) {
		f, c := setup(t)
		c.prepare(t)
		if err := c.call(ctx); err != nil {
			t.Fatal(err)
		}
		if n := f.Calls(c.op); n != 1 {
			t.Errorf("%s reached the fake %d times, want exactly 1", c.op, n)
		}
		c.applied(t)
	})
}

// Every nova call that starts, completes, aborts, confirms or reverts a
// migration reaches nova exactly once, and a lost or failed one changes
// nothing.
func TestNovaMigrationCallsAreSentExactlyOnce(t *testing.T) {
	ctx := context.Background()
	mustNoErr := func(t *testing.T, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	migration := func(t *testing.T, srv *novatest.Server) *nova.Migration {
		t.Helper()
		ms := srv.Migrations(novaServer)
		if len(ms) != 1 {
			t.Fatalf("%d migrations in the fake, want 1", len(ms))
		}
		return &ms[0]
	}
	status := func(t *testing.T, srv *novatest.Server, want nova.MigrationStatus) {
		t.Helper()
		if m := migration(t, srv); m.Status != want {
			t.Errorf("migration status %s, want %s", m.Status, want)
		}
	}
	// coldFinished cold-migrates the server and moves the clock until the
	// migration is finished, waiting for a confirmation.
	coldFinished := func(t *testing.T, srv *novatest.Server, c *nova.Client) {
		_, err := c.Migrate(ctx, novaServer, &nova.MigrateOptions{Host: novaHost2})
		mustNoErr(t, err)
		srv.Clock().Advance(time.Minute)
		status(t, srv, nova.StatusFinished)
	}
	// liveRunning live-migrates the server and moves the clock into the
	// copy (running lasts a minute).
	liveRunning := func(t *testing.T, srv *novatest.Server, c *nova.Client) {
		_, err := c.LiveMigrate(ctx, novaServer, &nova.LiveMigrateOptions{Host: novaHost2})
		mustNoErr(t, err)
		srv.Clock().Advance(20 * time.Second)
		status(t, srv, nova.StatusRunning)
	}
	cases := []func(t *testing.T, srv *novatest.Server, c *nova.Client) actionCase{
		func(t *testing.T, srv *novatest.Server, c *nova.Client) actionCase {
			return actionCase{
				name: "Migrate", op: novatest.OpMigrate,
				prepare: func(t *testing.T) {},
				call: func(ctx context.Context) error {
					_, err := c.Migrate(ctx, novaServer, nil)
					return err
				},
				unchanged: func(t *testing.T) {
					if ms := srv.Migrations(novaServer); len(ms) != 0 {
						t.Errorf("%d migrations started", len(ms))
					}
					if info := novaState(t, srv); info.Status != novatest.StatusActive || info.MigrationID != 0 {
						t.Errorf("server %+v", info)
					}
				},
				applied: func(t *testing.T) { status(t, srv, nova.StatusPreMigrating) },
			}
		},
		func(t *testing.T, srv *novatest.Server, c *nova.Client) actionCase {
			return actionCase{
				name: "LiveMigrate", op: novatest.OpLiveMigrate,
				prepare: func(t *testing.T) {},
				call: func(ctx context.Context) error {
					_, err := c.LiveMigrate(ctx, novaServer, &nova.LiveMigrateOptions{Host: novaHost2})
					return err
				},
				unchanged: func(t *testing.T) {
					if ms := srv.Migrations(novaServer); len(ms) != 0 {
						t.Errorf("%d migrations started", len(ms))
					}
					if info := novaState(t, srv); info.Status != novatest.StatusActive || info.MigrationID != 0 {
						t.Errorf("server %+v", info)
					}
				},
				applied: func(t *testing.T) { status(t, srv, nova.StatusQueued) },
			}
		},
		func(t *testing.T, srv *novatest.Server, c *nova.Client) actionCase {
			return actionCase{
				name: "ConfirmMigration", op: novatest.OpConfirmResize,
				prepare: func(t *testing.T) { coldFinished(t, srv, c) },
				call:    func(ctx context.Context) error { return c.ConfirmMigration(ctx, novaServer) },
				unchanged: func(t *testing.T) {
					srv.Clock().Advance(time.Minute)
					status(t, srv, nova.StatusFinished)
					if info := novaState(t, srv); info.Status != novatest.StatusVerifyResize {
						t.Errorf("server %+v", info)
					}
				},
				applied: func(t *testing.T) {
					srv.Clock().Advance(time.Minute)
					status(t, srv, nova.StatusConfirmed)
				},
			}
		},
		func(t *testing.T, srv *novatest.Server, c *nova.Client) actionCase {
			return actionCase{
				name: "RevertMigration", op: novatest.OpRevertResize,
				prepare: func(t *testing.T) { coldFinished(t, srv, c) },
				call:    func(ctx context.Context) error { return c.RevertMigration(ctx, novaServer) },
				unchanged: func(t *testing.T) {
					srv.Clock().Advance(time.Minute)
					status(t, srv, nova.StatusFinished)
				},
				applied: func(t *testing.T) {
					srv.Clock().Advance(time.Minute)
					status(t, srv, nova.StatusReverted)
					if info := novaState(t, srv); info.Host != novaHost1 {
						t.Errorf("server not back on its source: %+v", info)
					}
				},
			}
		},
		func(t *testing.T, srv *novatest.Server, c *nova.Client) actionCase {
			return actionCase{
				name: "ForceCompleteMigration", op: novatest.OpForceComplete,
				prepare: func(t *testing.T) { liveRunning(t, srv, c) },
				call: func(ctx context.Context) error {
					return c.ForceCompleteMigration(ctx, novaServer, migration(t, srv).ID)
				},
				// Forced, the copy would end within 2 s; left alone it runs
				// for a minute.
				unchanged: func(t *testing.T) {
					srv.Clock().Advance(10 * time.Second)
					status(t, srv, nova.StatusRunning)
				},
				applied: func(t *testing.T) {
					srv.Clock().Advance(3 * time.Second)
					status(t, srv, nova.StatusPostMigrating)
				},
			}
		},
		func(t *testing.T, srv *novatest.Server, c *nova.Client) actionCase {
			return actionCase{
				name: "AbortMigration", op: novatest.OpAbort,
				prepare: func(t *testing.T) { liveRunning(t, srv, c) },
				call: func(ctx context.Context) error {
					return c.AbortMigration(ctx, novaServer, migration(t, srv).ID)
				},
				unchanged: func(t *testing.T) { status(t, srv, nova.StatusRunning) },
				applied:   func(t *testing.T) { status(t, srv, nova.StatusCancelled) },
			}
		},
	}
	for _, mk := range cases {
		name := mk(t, nil, nil).name
		t.Run(name, func(t *testing.T) {
			checkActionExactlyOnce(t, func(t *testing.T) (injector, actionCase) {
				srv, c := newNovaFake(t)
				return srv, mk(t, srv, c)
			}, "req-")
		})
	}
}

// Every manila call that starts, completes or cancels a migration (of a
// share server or of a share), or resets its task state, reaches manila
// exactly once, and a lost or failed one changes nothing.
func TestManilaMigrationCallsAreSentExactlyOnce(t *testing.T) {
	const (
		shareID  = "406ea93b-32e9-4907-a117-148b3945749f"
		srcPool  = "ubuntu@generic1#GENERIC1"
		destPool = "ubuntu@generic2#GENERIC2"
	)
	ctx := context.Background()
	task := func(t *testing.T, srv *manilatest.Server, want manila.TaskState) {
		t.Helper()
		if info := manilaState(t, srv); info.TaskState != string(want) {
			t.Errorf("share server task state %q, want %q (%+v)", info.TaskState, want, info)
		}
	}
	shareTask := func(t *testing.T, srv *manilatest.Server, want manila.TaskState) {
		t.Helper()
		info, ok := srv.Share(shareID)
		if !ok || info.TaskState != string(want) {
			t.Errorf("share %+v, want task state %q", info, want)
		}
	}
	started := func(t *testing.T, srv *manilatest.Server, c *manila.Client, advance time.Duration) {
		t.Helper()
		if _, err := c.StartMigration(ctx, manilaServer, manilaStart); err != nil {
			t.Fatal(err)
		}
		srv.Clock().Advance(advance)
	}
	shareReq := &manila.StartShareMigrationOptions{Host: destPool, Writable: true, PreserveMetadata: true, PreserveSnapshots: true}
	shareStarted := func(t *testing.T, srv *manilatest.Server, c *manila.Client, advance time.Duration) {
		t.Helper()
		if _, err := c.StartShareMigration(ctx, shareID, shareReq); err != nil {
			t.Fatal(err)
		}
		srv.Clock().Advance(advance)
	}
	const (
		intoCopy  = 2 * time.Minute // migration_driver_in_progress
		copyDone  = time.Hour       // migration_driver_phase1_done
		noOutcome = time.Hour       // long enough for any started action to end
	)
	cases := []func(t *testing.T, srv *manilatest.Server, c *manila.Client) actionCase{
		func(t *testing.T, srv *manilatest.Server, c *manila.Client) actionCase {
			return actionCase{
				name: "StartMigration", op: manilatest.OpStart,
				prepare: func(t *testing.T) {},
				call: func(ctx context.Context) error {
					_, err := c.StartMigration(ctx, manilaServer, manilaStart)
					return err
				},
				unchanged: func(t *testing.T) {
					if info := manilaState(t, srv); info.Status != manilatest.StatusActive || info.TaskState != "" {
						t.Errorf("share server %+v", info)
					}
				},
				applied: func(t *testing.T) { task(t, srv, manila.TaskStateMigrationStarting) },
			}
		},
		func(t *testing.T, srv *manilatest.Server, c *manila.Client) actionCase {
			return actionCase{
				name: "CompleteMigration", op: manilatest.OpComplete,
				prepare: func(t *testing.T) { started(t, srv, c, copyDone) },
				call: func(ctx context.Context) error {
					_, err := c.CompleteMigration(ctx, manilaServer)
					return err
				},
				unchanged: func(t *testing.T) {
					srv.Clock().Advance(noOutcome)
					task(t, srv, manila.TaskStateMigrationDriverPhase1Done)
				},
				applied: func(t *testing.T) {
					// Past migration_completing, and before the fake deletes
					// the successful source (DefaultDurations.Cleanup).
					srv.Clock().Advance(manilatest.DefaultDurations.Completing + time.Second)
					task(t, srv, manila.TaskStateMigrationSuccess)
				},
			}
		},
		func(t *testing.T, srv *manilatest.Server, c *manila.Client) actionCase {
			return actionCase{
				name: "CancelMigration", op: manilatest.OpCancel,
				prepare: func(t *testing.T) { started(t, srv, c, intoCopy) },
				call:    func(ctx context.Context) error { return c.CancelMigration(ctx, manilaServer) },
				unchanged: func(t *testing.T) {
					srv.Clock().Advance(noOutcome)
					task(t, srv, manila.TaskStateMigrationDriverPhase1Done)
				},
				applied: func(t *testing.T) {
					srv.Clock().Advance(noOutcome)
					task(t, srv, manila.TaskStateMigrationCancelled)
				},
			}
		},
		func(t *testing.T, srv *manilatest.Server, c *manila.Client) actionCase {
			errState := manila.TaskStateMigrationError
			return actionCase{
				name: "ResetTaskState", op: manilatest.OpResetTaskState,
				prepare: func(t *testing.T) { started(t, srv, c, copyDone) },
				call:    func(ctx context.Context) error { return c.ResetTaskState(ctx, manilaServer, &errState) },
				unchanged: func(t *testing.T) {
					task(t, srv, manila.TaskStateMigrationDriverPhase1Done)
				},
				applied: func(t *testing.T) { task(t, srv, manila.TaskStateMigrationError) },
			}
		},
		func(t *testing.T, srv *manilatest.Server, c *manila.Client) actionCase {
			return actionCase{
				name: "StartShareMigration", op: manilatest.OpShareStart,
				prepare: func(t *testing.T) {},
				call: func(ctx context.Context) error {
					_, err := c.StartShareMigration(ctx, shareID, shareReq)
					return err
				},
				unchanged: func(t *testing.T) {
					if info, _ := srv.Share(shareID); info.Status != manilatest.ShareStatusAvailable || info.TaskState != "" {
						t.Errorf("share %+v", info)
					}
				},
				applied: func(t *testing.T) { shareTask(t, srv, manila.TaskStateMigrationStarting) },
			}
		},
		func(t *testing.T, srv *manilatest.Server, c *manila.Client) actionCase {
			return actionCase{
				name: "CompleteShareMigration", op: manilatest.OpShareComplete,
				prepare: func(t *testing.T) { shareStarted(t, srv, c, copyDone) },
				call:    func(ctx context.Context) error { return c.CompleteShareMigration(ctx, shareID) },
				unchanged: func(t *testing.T) {
					srv.Clock().Advance(noOutcome)
					shareTask(t, srv, manila.TaskStateMigrationDriverPhase1Done)
				},
				applied: func(t *testing.T) {
					srv.Clock().Advance(noOutcome)
					shareTask(t, srv, manila.TaskStateMigrationSuccess)
					if info, _ := srv.Share(shareID); info.Host != destPool {
						t.Errorf("share not moved: %+v", info)
					}
				},
			}
		},
		func(t *testing.T, srv *manilatest.Server, c *manila.Client) actionCase {
			return actionCase{
				name: "CancelShareMigration", op: manilatest.OpShareCancel,
				prepare: func(t *testing.T) { shareStarted(t, srv, c, intoCopy) },
				call:    func(ctx context.Context) error { return c.CancelShareMigration(ctx, shareID) },
				unchanged: func(t *testing.T) {
					srv.Clock().Advance(noOutcome)
					shareTask(t, srv, manila.TaskStateMigrationDriverPhase1Done)
				},
				applied: func(t *testing.T) {
					srv.Clock().Advance(noOutcome)
					shareTask(t, srv, manila.TaskStateMigrationCancelled)
					if info, _ := srv.Share(shareID); info.Host != srcPool {
						t.Errorf("share moved: %+v", info)
					}
				},
			}
		},
	}
	for _, mk := range cases {
		name := mk(t, nil, nil).name
		t.Run(name, func(t *testing.T) {
			checkActionExactlyOnce(t, func(t *testing.T) (injector, actionCase) {
				srv, c := newManilaFake(t)
				srv.AddShare(shareID, srcPool)
				srv.AddBackend(backendOf(destPool))
				return srv, mk(t, srv, c)
			}, "req-manila-")
		})
	}
}

// backendOf returns the "host@backend" part of a pool name.
func backendOf(pool string) string {
	b, _, _ := strings.Cut(pool, "#")
	return b
}
