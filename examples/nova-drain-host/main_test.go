package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate/examples/internal/clitest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/nova"
	"github.com/cloudmigrate/cloudmigrate/nova/novatest"
)

// noCloud hides any OpenStack credentials of the environment, so that
// the program runs on its own fake.
func noCloud(t *testing.T) {
	t.Helper()
	for _, k := range []string{"OS_CLOUD", "OS_AUTH_URL", "OS_PASSWORD", "OS_TOKEN", "OS_APPLICATION_CREDENTIAL_SECRET"} {
		t.Setenv(k, "")
	}
}

func runFor(t *testing.T, args ...string) (string, error) {
	t.Helper()
	noCloud(t)
	return clitest.Run(t, run, args...)
}

func TestDrain(t *testing.T) {
	out, err := runFor(t, "-target", "compute-3", "-concurrency", "2")
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	for _, want := range []string{"Nova lists 5 servers on compute-1:", "Draining compute-1", "5 servers, at most 2 at a time",
		"100% completed", "vm-web-1     -> compute-3", "vm-batch-1   -> compute-3", "5 of 5 servers moved off compute-1.",
		"Nova lists 0 servers left on compute-1."} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(out, "vm-other-1") {
		t.Error("moved a server of another host")
	}
}

func TestSchedulerChooses(t *testing.T) {
	out, err := runFor(t, "-host", "compute-2")
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if !strings.Contains(out, "vm-other-1   -> compute-1") || !strings.Contains(out, "1 of 1 servers moved") {
		t.Error("vm-other-1 not moved off compute-2")
	}
}

func TestFailures(t *testing.T) {
	out, err := runFor(t, "-fake-fail", "2")
	if err == nil || err.Error() != "2 of 5 servers are still on compute-1" {
		t.Fatalf("err = %v", err)
	}
	if strings.Count(out, "FAILED: migration ended failed") != 2 || !strings.Contains(out, "3 of 5 servers moved") {
		t.Error("summary does not show two failed migrations")
	}
	// Each failure carries nova's reason, from the move's instance action.
	if strings.Count(out, ": compute_live_migration on compute-1: Migration error: ") != 2 {
		t.Error("the failures do not say why")
	}
}

// cancelOnStart cancels the run as soon as the first migration has started,
// as Ctrl-C would.
type cancelOnStart struct {
	strings.Builder
	cancel context.CancelFunc
}

func (w *cancelOnStart) Write(p []byte) (int, error) {
	if strings.Contains(string(p), "started") {
		w.cancel()
	}
	return w.Builder.Write(p)
}

func TestCancelled(t *testing.T) {
	noCloud(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &cancelOnStart{cancel: cancel}
	start := time.Now()
	err := run(ctx, []string{"-concurrency", "1"}, out)
	t.Log("\n" + out.String())
	if err == nil || time.Since(start) > time.Second {
		t.Fatalf("err = %v after %s, want a prompt failure", err, time.Since(start))
	}
	// Nova lists the newest server first: vm-batch-1 goes first.
	for _, want := range []string{"vm-batch-1   FAILED: jobs: stopped waiting", "vm-web-1     FAILED: not started: context canceled", "0 of 5 servers moved"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestTargetIsHost(t *testing.T) {
	if _, err := runFor(t, "-target", "compute-1"); err == nil {
		t.Error("draining a host onto itself was accepted")
	}
}

func TestRefused(t *testing.T) {
	out, err := runFor(t, "-target", "nowhere", "-concurrency", "1")
	if err == nil || !strings.Contains(out, "code badRequest, request ID req-") {
		t.Errorf("err = %v; want nova's code and request ID in the summary", err)
	}
}

func TestSubset(t *testing.T) {
	out, err := runFor(t, "-servers", "vm-web-1, vm-db-1", "-target", "compute-3")
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	for _, want := range []string{"Moving only vm-web-1, vm-db-1.", "vm-web-1     -> compute-3", "vm-db-1      -> compute-3",
		"2 of 2 servers moved off compute-1.", "Nova lists 3 servers left on compute-1."} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(out, "vm-web-2     ->") {
		t.Error("moved a server outside -servers")
	}
}

func TestUnknownServerInSubset(t *testing.T) {
	out, err := runFor(t, "-servers", "vm-web-1,vm-other-1")
	if err == nil || !strings.Contains(err.Error(), "vm-other-1 is not on compute-1") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(out, "Draining") || strings.Contains(out, "started") {
		t.Error("migrated although -servers names a server of another host")
	}
	if _, err := runFor(t, "-servers", "vm-web-1,vm-web-1"); err == nil {
		t.Error("a repeated ID was accepted")
	}
}

// cloud starts a fake and points the OS_* variables at it, so that the
// program takes it for a real cloud.
func cloud(t *testing.T) *novatest.Server {
	t.Helper()
	srv := novatest.NewServer(novatest.WithRealTime(600))
	t.Cleanup(srv.Close)
	srv.AddHost("compute-1", "compute-2", "compute-3")
	for _, id := range []string{"vm-a", "vm-b", "vm-c"} {
		srv.AddServer(id, "compute-1", novatest.StatusActive)
	}
	srv.AddServer("vm-z", "compute-2", novatest.StatusActive)
	for k, v := range map[string]string{
		"OS_AUTH_URL": srv.AuthURL(), "OS_USERNAME": srv.Username(), "OS_PASSWORD": srv.Password(),
		"OS_USER_DOMAIN_NAME": "Default", "OS_PROJECT_ID": srv.ProjectID(),
		"OS_TOKEN": "", "OS_APPLICATION_CREDENTIAL_SECRET": "", "OS_PROJECT_NAME": "", "OS_REGION_NAME": "",
	} {
		t.Setenv(k, v)
	}
	old := cloudPoll
	cloudPoll = []jobs.Option{jobs.WithInterval(5*time.Millisecond, 20*time.Millisecond)}
	t.Cleanup(func() { cloudPoll = old })
	return srv
}

func runOnCloud(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return clitest.Run(t, run, args...)
}

func TestCloudListsWithoutYes(t *testing.T) {
	srv := cloud(t)
	out, err := runOnCloud(t, "-host", "compute-1")
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	for _, want := range []string{"Nova lists 3 servers on compute-1:", "vm-a", "vm-c", "Nothing migrated: run again with -yes"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(out, "Fake Keystone") || strings.Contains(out, "vm-z") {
		t.Error("did not list the cloud's compute-1")
	}
	if n := srv.Calls(novatest.OpLiveMigrate); n != 0 {
		t.Errorf("%d live migrations started without -yes", n)
	}
	if n := srv.Calls(novatest.OpListServers); n != 1 {
		t.Errorf("Calls(ListServers) = %d, want 1", n)
	}
}

func TestCloudDrainsWithYes(t *testing.T) {
	srv := cloud(t)
	out, err := runOnCloud(t, "-host", "compute-1", "-yes", "-target", "compute-3", "-servers", "vm-a,vm-b")
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if !strings.Contains(out, "2 of 2 servers moved off compute-1.") {
		t.Error("summary does not show two moved servers")
	}
	if n := srv.Calls(novatest.OpLiveMigrate); n != 2 {
		t.Errorf("%d live migrations, want 2", n)
	}
	for id, want := range map[string]string{"vm-a": "compute-3", "vm-b": "compute-3", "vm-c": "compute-1"} {
		if info, _ := srv.ServerState(id); info.Host != want {
			t.Errorf("%s on %s, want %s", id, info.Host, want)
		}
	}
}

func TestCloudUnknownServer(t *testing.T) {
	srv := cloud(t)
	_, err := runOnCloud(t, "-host", "compute-1", "-yes", "-servers", "vm-a,vm-z")
	if err == nil || !strings.Contains(err.Error(), "vm-z is not on compute-1") {
		t.Fatalf("err = %v", err)
	}
	if n := srv.Calls(novatest.OpLiveMigrate); n != 0 {
		t.Errorf("%d live migrations started", n)
	}
}

func TestCloudWithoutHostUsesTheFake(t *testing.T) {
	srv := cloud(t)
	out, err := runOnCloud(t, "-yes")
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if !strings.Contains(out, "Credentials found, but no -host: using the fake.") {
		t.Error("no notice that the fake is used")
	}
	if n := len(srv.AllCalls()); n != 0 {
		t.Errorf("the cloud got requests: %v", srv.AllCalls())
	}
}

// A server that is already moving is not moved again: the drain follows
// the move in flight.
func TestCloudAdoptsAMoveInFlight(t *testing.T) {
	srv := cloud(t)
	c, err := nova.NewClient(srv.Endpoint(), srv.Authorizer())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.LiveMigrate(context.Background(), "vm-a", &nova.LiveMigrateOptions{Host: "compute-2"}); err != nil {
		t.Fatal(err)
	}
	out, err := runOnCloud(t, "-host", "compute-1", "-yes", "-servers", "vm-a,vm-b", "-target", "compute-3")
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	for _, want := range []string{"vm-a         already moving, following that move", "vm-a         -> compute-2",
		"vm-b         -> compute-3", "2 of 2 servers moved off compute-1."} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if n := srv.Calls(novatest.OpLiveMigrate); n != 2 {
		t.Errorf("%d live migrations started, want 2 (one before the run, one by it)", n)
	}
}

// The drain disables the host's compute service, with the reason, before
// it moves anything, and leaves it disabled unless -reenable is given.
func TestCloudDisablesTheHostFirst(t *testing.T) {
	srv := cloud(t)
	out, err := runOnCloud(t, "-host", "compute-1", "-yes", "-servers", "vm-a", "-reason", "firmware update")
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	disabled := strings.Index(out, `Disabled the compute service of compute-1 (reason "firmware update")`)
	started := strings.Index(out, "vm-a         live migration started")
	if disabled < 0 || started < 0 || disabled > started {
		t.Errorf("the service was not disabled before the first migration:\n%s", out)
	}
	info, _ := srv.ComputeService("compute-1")
	if !info.Disabled || info.DisabledReason != "firmware update" || !strings.Contains(out, "stays disabled") {
		t.Errorf("compute-1's service after the drain: %+v", info)
	}
	if n := srv.Calls(novatest.OpUpdateService); n != 1 {
		t.Errorf("%d service updates, want 1", n)
	}
}

// With -reenable the service is enabled again at the end, also when some
// servers could not be moved.
func TestCloudReenables(t *testing.T) {
	srv := cloud(t)
	srv.FailNextMigrations(1)
	out, err := runOnCloud(t, "-host", "compute-1", "-yes", "-servers", "vm-a,vm-b", "-target", "compute-3", "-reenable")
	if err == nil || err.Error() != "1 of 2 servers are still on compute-1" {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(out, "Enabled the compute service of compute-1 again.") {
		t.Errorf("no re-enabling in the output:\n%s", out)
	}
	if info, _ := srv.ComputeService("compute-1"); info.Disabled || info.DisabledReason != "" {
		t.Errorf("compute-1's service after the drain: %+v", info)
	}
	if n := srv.Calls(novatest.OpUpdateService); n != 2 {
		t.Errorf("%d service updates, want 2 (disable, enable)", n)
	}
}

// Without -yes nothing is disabled; a service that cannot be disabled
// stops the drain before any migration.
func TestCloudServiceNotDisabled(t *testing.T) {
	srv := cloud(t)
	if _, err := runOnCloud(t, "-host", "compute-1"); err != nil {
		t.Fatal(err)
	}
	if n := srv.Calls(novatest.OpUpdateService) + srv.Calls(novatest.OpListServices); n != 0 {
		t.Errorf("%d service requests without -yes", n)
	}
	srv.FailNext(novatest.OpUpdateService, 1, 403)
	_, err := runOnCloud(t, "-host", "compute-1", "-yes")
	if err == nil || !strings.Contains(err.Error(), "disabling the compute service of compute-1 (nothing was migrated)") {
		t.Fatalf("err = %v", err)
	}
	if n := srv.Calls(novatest.OpLiveMigrate); n != 0 {
		t.Errorf("%d live migrations after the service could not be disabled", n)
	}
}

// On the fake, -reenable works too, and the scheduler (no -target) never
// takes the host being drained.
func TestReenableOnTheFake(t *testing.T) {
	out, err := runFor(t, "-reenable")
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	for _, want := range []string{"Disabled the compute service of compute-1", "5 of 5 servers moved off compute-1.",
		"Enabled the compute service of compute-1 again.", "Nova lists 0 servers left on compute-1."} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}
