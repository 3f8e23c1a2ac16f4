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
		"100% migration_success", "Done. migration_success", "on manila-share-2@netapp2.")
}

func TestCancel(t *testing.T) {
	out, err := runFor(t, "-cancel")
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	wantAll(t, out, "3. Cancelling", "migration_cancelled", "Migration cancelled")
}

func TestStopAfterPhaseOne(t *testing.T) {
	out, err := runFor(t, "-complete=false")
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	wantAll(t, out, "Phase one is over")
	if strings.Contains(out, "3. ") {
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
	_, err := runFor(t, "-host", "manila-share-1@netapp1") // where it already is
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
