package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/examples/internal/cli"
	"github.com/cloudmigrate/cloudmigrate/examples/internal/clitest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

func runFor(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return clitest.Run(t, run, args...)
}

func wantAll(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q", w)
		}
	}
}

func TestComplete(t *testing.T) {
	out, err := runFor(t)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	wantAll(t, out, "compatible=true", "migration_driver_in_progress", "100% migration_driver_phase1_done",
		"share 9f2c4d1e-share-0001 (NFS, 1 GiB) on manila-share-1@netapp1#aggr1",
		"phase one done: share server d5e6f7a8-0000-4000-8000-000000000001 on manila-share-2@netapp2",
		"100% migration_success", "Done. migration_success: the 2 shares", "on manila-share-2@netapp2.")
	if strings.Contains(out, "disabling") {
		t.Error("disabled the source without -drain")
	}
}

// TestDrain disables the source back end's share service first and
// enables it again at the end, or leaves it disabled when asked.
func TestDrain(t *testing.T) {
	out, err := runFor(t, "-drain")
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	wantAll(t, out, "disabling the share service of manila-share-1@netapp1", "Done. migration_success",
		"share service of manila-share-1@netapp1 enabled again")
	if i, j := strings.Index(out, "disabling"), strings.Index(out, "2. Checking"); i < 0 || j < i {
		t.Error("the source was not disabled before the check")
	}
	out, err = runFor(t, "-drain", "-keep-disabled")
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if strings.Contains(out, "enabled again") {
		t.Error("-keep-disabled enabled the source again")
	}
}

// TestStopAfterPhaseOnePrintsAToken: the token printed names this cloud;
// another cloud (a new fake) refuses it before sending anything.
func TestStopAfterPhaseOnePrintsAToken(t *testing.T) {
	out, err := runFor(t, "-complete=false")
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	_, token, ok := strings.Cut(out, "resume token (for -resume): ")
	token = strings.TrimSpace(token)
	if !ok || !strings.HasPrefix(token, "cmop1.") {
		t.Fatalf("no token in %q", out)
	}
	_, err = runFor(t, "-resume", token)
	var ve *cloudmigrate.ValidationError
	if !errors.As(err, &ve) || ve.Field != "token" {
		t.Errorf("resuming on another cloud: %v", err)
	}
}

func TestCancel(t *testing.T) {
	out, err := runFor(t, "-cancel")
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	wantAll(t, out, "4. Cancelling", "migration_cancelled", "Migration cancelled")
}

func TestStopAfterPhaseOne(t *testing.T) {
	out, err := runFor(t, "-complete=false")
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	wantAll(t, out, "Phase one is over")
	if strings.Contains(out, "4. ") {
		t.Error("went past phase one")
	}
}

func TestFailedMigration(t *testing.T) {
	_, err := runFor(t, "-fake-fail")
	var failed *jobs.FailedError
	if !errors.As(err, &failed) {
		t.Fatalf("err = %v, want a *jobs.FailedError", err)
	}
	if msg := explain(err); msg != "migration ended in migration_error" {
		t.Errorf("explain = %q", msg)
	}
}

func TestIncompatible(t *testing.T) {
	_, err := runFor(t, "-nondisruptive") // the fake's back ends disrupt clients
	if err == nil || !strings.Contains(err.Error(), "cannot take") {
		t.Errorf("err = %v, want an incompatible destination", err)
	}
}

func TestBadHost(t *testing.T) {
	_, err := runFor(t, "-host", "nobackend")
	var ve *cloudmigrate.ValidationError
	if !errors.As(err, &ve) {
		t.Errorf("err = %v, want a *cloudmigrate.ValidationError", err)
	}
}

func TestBadFlag(t *testing.T) {
	if _, err := runFor(t, "-no-such-flag"); !errors.Is(err, cli.ErrUsage) {
		t.Errorf("err = %v, want cli.ErrUsage", err)
	}
}
