package e2e

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/cce"
	"github.com/cloudmigrate/cloudmigrate/cce/ccetest"
	"github.com/cloudmigrate/cloudmigrate/ecs"
	"github.com/cloudmigrate/cloudmigrate/ecs/ecstest"
	"github.com/cloudmigrate/cloudmigrate/internal/fake"
	"github.com/cloudmigrate/cloudmigrate/internal/fake/faketest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/manila"
	"github.com/cloudmigrate/cloudmigrate/manila/manilatest"
	"github.com/cloudmigrate/cloudmigrate/modelarts"
	"github.com/cloudmigrate/cloudmigrate/modelarts/modelartstest"
	"github.com/cloudmigrate/cloudmigrate/nova"
	"github.com/cloudmigrate/cloudmigrate/nova/novatest"
)

// Resources the targets seed their fakes with.
const (
	ecsServer = "7a9e1c2b-3d4f-4a5b-8c6d-7e8f9a0b1c2d"
	ecsHostA  = "459a2b9d-804a-4745-ab19-a113bb1b4ddc"
	ecsHostB  = "5c3e8f10-2b7d-4e91-a6c4-0d9f7e2a1b3c"

	cceSource = "cluster-source"
	cceTarget = "cluster-target"
	cceNode   = "node-0001"

	maSource = "pool-src"
	maTarget = "pool-dst"
	maFlavor = "modelarts.vm.2u4g"

	novaServer = "4cfba335-03d8-49b2-8c52-e69043d1e8fe"
	novaHost1  = "compute1"
	novaHost2  = "compute2"

	manilaServer = "5bd7c5a8-5e83-4f4c-9a0e-5f2d3a1c7b60"
	manilaSrc    = "manila-share-1@netapp1"
	manilaDst    = "manila-share-2@netapp2"
)

// fastRetry keeps the pipeline's back-off between attempts tiny, so tests
// that exercise retries stay fast. Every client built here gets it first;
// the options a test passes come after it and win.
var fastRetry = cloudmigrate.WithRetryWait(time.Millisecond, 2*time.Millisecond)

// injector is the fault and bookkeeping surface every public fake shares
// through the embedded engine.
type injector interface {
	Throttle(op string, n int, retryAfter time.Duration)
	FailNext(op string, n, status int)
	DropNext(op string, n int)
	SlowNext(op string, n int, d time.Duration)
	ClearFaults()
	Calls(op string) int
	Clock() *fake.Clock
}

// target is one service with its fake and an SDK client, reduced to what
// the cross-service tests need: start a migration, poll it once, wait for
// it, and read the fake's state.
type target struct {
	name string
	fake injector
	// throttleCode is the service's code on a 429; reqIDPrefix starts
	// every request ID the fake sends.
	throttleCode, reqIDPrefix string
	// startOp names the call that starts a migration, pollOp the call a
	// wait repeats.
	startOp, pollOp string
	// start starts one migration and returns what get and wait need to
	// follow it.
	start func(ctx context.Context) (string, error)
	// get polls the migration once.
	get func(ctx context.Context, handle string) error
	// wait waits for the first stage of the migration to end.
	wait func(ctx context.Context, handle string, opts ...jobs.Option) error
	// started reports whether the fake's state shows a migration begun,
	// finished whether it shows the waited-for stage reached.
	started, finished func() bool
	// step is how far a poll moves the fake's clock in stepping waits, so
	// that a wait ends after a handful of polls.
	step time.Duration
	// tokens and expire are set for the OpenStack fakes: how many
	// Keystone tokens were issued, and expiring them all.
	tokens func() int
	expire func()
}

// stepping returns wait options that poll every millisecond or two and
// move the target's clock by its step after each poll, and a counter of
// the polls that answered.
func (tg *target) stepping(extra ...func(jobs.Status)) ([]jobs.Option, *int) {
	polls := new(int)
	return []jobs.Option{
		jobs.WithInterval(time.Millisecond, 2*time.Millisecond),
		jobs.WithProgress(func(st jobs.Status) {
			*polls++
			for _, f := range extra {
				f(st)
			}
			tg.fake.Clock().Advance(tg.step)
		}),
	}, polls
}

// builders makes a fresh target of every service, seeded so that start
// succeeds once.
var builders = []struct {
	name  string
	build func(t *testing.T, opts ...cloudmigrate.Option) *target
}{
	{"ecs", newECS},
	{"cce", newCCE},
	{"modelarts", newModelArts},
	{"nova", newNova},
	{"manila", newManila},
}

// eachService runs f in a subtest per service, each with a fresh target.
func eachService(t *testing.T, f func(t *testing.T, build func(...cloudmigrate.Option) *target)) {
	t.Helper()
	runServices(t, false, f)
}

// eachServiceAtOnce is eachService with the subtests running at the same
// time, for tests that mostly wait on slow answers. The subtests are
// started from goroutines rather than marked parallel, so that
// -test.parallel (GOMAXPROCS by default) does not queue them.
func eachServiceAtOnce(t *testing.T, f func(t *testing.T, build func(...cloudmigrate.Option) *target)) {
	t.Helper()
	runServices(t, true, f)
}

func runServices(t *testing.T, atOnce bool, f func(t *testing.T, build func(...cloudmigrate.Option) *target)) {
	t.Helper()
	var wg sync.WaitGroup
	for _, b := range builders {
		run := func() {
			t.Run(b.name, func(t *testing.T) {
				f(t, func(opts ...cloudmigrate.Option) *target { return b.build(t, opts...) })
			})
		}
		if !atOnce {
			run()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			run()
		}()
	}
	wg.Wait()
}

func clientOpts(opts []cloudmigrate.Option) []cloudmigrate.Option {
	return append([]cloudmigrate.Option{fastRetry}, opts...)
}

func newECS(t *testing.T, opts ...cloudmigrate.Option) *target {
	t.Helper()
	srv := ecstest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddHost(ecsHostA, ecsHostB)
	srv.AddServer(ecstest.ServerInfo{ID: ecsServer, Status: ecstest.StatusShutoff, HostID: ecsHostA})
	c, err := ecs.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer(), clientOpts(opts)...)
	if err != nil {
		t.Fatal(err)
	}
	state := func() ecstest.ServerInfo {
		info, ok := srv.ServerState(ecsServer)
		if !ok {
			t.Error("ecs: server missing from the fake")
		}
		return info
	}
	return &target{
		name: "ecs", fake: srv,
		throttleCode: ecstest.CodeThrottled, reqIDPrefix: "req-ecs-",
		startOp: ecstest.OpColdMigrate, pollOp: ecstest.OpGetJob,
		start: func(ctx context.Context) (string, error) {
			res, err := c.ColdMigrate(ctx, ecsServer, &ecs.ColdMigrateOptions{DedicatedHostID: ecsHostB})
			if err != nil {
				return "", err
			}
			return res.ID(), nil
		},
		get: func(ctx context.Context, id string) error { _, err := c.GetJob(ctx, id); return err },
		wait: func(ctx context.Context, id string, o ...jobs.Option) error {
			_, err := c.WaitForJob(ctx, id, o...)
			return err
		},
		started:  func() bool { return len(srv.JobIDs()) > 0 || state().MigrationJobID != "" },
		finished: func() bool { return state().HostID == ecsHostB },
		step:     time.Minute,
	}
}

func newCCE(t *testing.T, opts ...cloudmigrate.Option) *target {
	t.Helper()
	srv := ccetest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddCluster(cceSource, "old")
	srv.AddCluster(cceTarget, "new")
	srv.AddNode(cceSource, cceNode, "web-1")
	c, err := cce.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer(), clientOpts(opts)...)
	if err != nil {
		t.Fatal(err)
	}
	node := func() ccetest.NodeInfo {
		info, ok := srv.Node(cceNode)
		if !ok {
			t.Error("cce: node missing from the fake")
		}
		return info
	}
	return &target{
		name: "cce", fake: srv,
		throttleCode: cce.CodeThrottled, reqIDPrefix: "req-cce-",
		startOp: ccetest.OpMigrateNodes, pollOp: ccetest.OpGetJob,
		start: func(ctx context.Context) (string, error) {
			op, err := c.MigrateNodes(ctx, cceSource, cceTarget, &cce.MigrateNodesSpec{
				OS:    "EulerOS 2.5",
				Login: &cce.Login{SSHKey: "KeyPair-001"},
				Nodes: cce.Nodes(cceNode),
			})
			if err != nil {
				return "", err
			}
			return op.ID(), nil
		},
		get: func(ctx context.Context, id string) error { _, err := c.GetJob(ctx, id); return err },
		wait: func(ctx context.Context, id string, o ...jobs.Option) error {
			_, err := c.WaitForJob(ctx, id, o...)
			return err
		},
		started: func() bool {
			n := node()
			return n.MigrationJobID != "" || n.ClusterID != cceSource
		},
		finished: func() bool { return node().ClusterID == cceTarget },
		step:     2 * time.Minute,
	}
}

func newModelArts(t *testing.T, opts ...cloudmigrate.Option) *target {
	t.Helper()
	srv := modelartstest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddPool(maSource)
	srv.AddPool(maTarget)
	for _, n := range []string{"node-1", "node-2", "node-3"} {
		srv.AddNode(maSource, n, maFlavor)
	}
	c, err := modelarts.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer(), clientOpts(opts)...)
	if err != nil {
		t.Fatal(err)
	}
	inPool := func(pool string, phase modelarts.NodePhase) bool {
		for _, n := range srv.PoolNodes(pool) {
			if n.Name() == "node-1" && (phase == "" || n.Status.Phase == phase) {
				return true
			}
		}
		return false
	}
	return &target{
		name: "modelarts", fake: srv,
		throttleCode: modelartstest.CodeThrottled, reqIDPrefix: "req-modelarts-",
		startOp: modelartstest.OpBatchMigrateNodes, pollOp: modelartstest.OpGetJob,
		start: func(ctx context.Context) (string, error) {
			op, err := c.BatchMigrateNodes(ctx, maSource, &modelarts.BatchMigrateOptions{
				MigrateNodeNames: []string{"node-1"},
				FromClusterName:  maSource,
				ToClusterName:    maTarget,
				ToPoolName:       maTarget,
				ResourceSpec:     &modelarts.MigrateResourceSpec{Flavor: maFlavor},
			})
			if err != nil {
				return "", err
			}
			return op.ID(), nil
		},
		get: func(ctx context.Context, id string) error { _, err := c.GetJob(ctx, maSource, id); return err },
		wait: func(ctx context.Context, id string, o ...jobs.Option) error {
			_, err := c.WaitForJob(ctx, maSource, id, o...)
			return err
		},
		started:  func() bool { return !inPool(maSource, modelarts.NodeAvailable) },
		finished: func() bool { return inPool(maTarget, "") },
		step:     time.Minute,
	}
}

// newNovaFake starts a nova fake with novaServer running on novaHost1 and
// returns it with a client that authenticates through its Keystone.
func newNovaFake(t *testing.T, opts ...cloudmigrate.Option) (*novatest.Server, *nova.Client) {
	t.Helper()
	srv := novatest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddHost(novaHost1, novaHost2, "compute3")
	srv.AddServer(novaServer, novaHost1, novatest.StatusActive)
	c, err := nova.NewClient(srv.Endpoint(), srv.Authorizer(), clientOpts(opts)...)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func novaState(t *testing.T, srv *novatest.Server) novatest.ServerInfo {
	t.Helper()
	info, ok := srv.ServerState(novaServer)
	if !ok {
		t.Error("nova: server missing from the fake")
	}
	return info
}

func newNova(t *testing.T, opts ...cloudmigrate.Option) *target {
	t.Helper()
	srv, c := newNovaFake(t, opts...)
	return &target{
		name: "nova", fake: srv,
		throttleCode: novatest.FaultOverLimit, reqIDPrefix: "req-",
		startOp: novatest.OpLiveMigrate, pollOp: novatest.OpGetServerMigration,
		start: func(ctx context.Context) (string, error) {
			if _, err := c.LiveMigrate(ctx, novaServer, &nova.LiveMigrateOptions{Host: novaHost2}); err != nil {
				return "", err
			}
			ms := srv.Migrations(novaServer)
			if len(ms) != 1 {
				return "", errors.New("nova: the fake holds " + strconv.Itoa(len(ms)) + " migrations, want 1")
			}
			return strconv.Itoa(ms[0].ID), nil
		},
		get: func(ctx context.Context, id string) error {
			n, _ := strconv.Atoi(id)
			_, err := c.GetServerMigration(ctx, novaServer, n)
			return err
		},
		wait: func(ctx context.Context, id string, o ...jobs.Option) error {
			n, _ := strconv.Atoi(id)
			_, err := c.WaitForMigration(ctx, novaServer, n, o...)
			return err
		},
		started:  func() bool { return len(srv.Migrations(novaServer)) > 0 || novaState(t, srv).MigrationID != 0 },
		finished: func() bool { return novaState(t, srv).Host == novaHost2 },
		step:     15 * time.Second,
		tokens:   srv.TokensIssued,
		expire:   srv.ExpireTokens,
	}
}

// newManilaFake starts a manila fake with manilaServer on manilaSrc and the
// back end manilaDst, and returns it with a client that authenticates
// through its Keystone.
func newManilaFake(t *testing.T, opts ...cloudmigrate.Option) (*manilatest.Server, *manila.Client) {
	t.Helper()
	srv := manilatest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddShareServer(manilaServer, manilaSrc)
	srv.AddBackend(manilaDst)
	c, err := manila.NewClient(srv.Endpoint(), srv.Authorizer(), clientOpts(opts)...)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func manilaState(t *testing.T, srv *manilatest.Server) manilatest.ShareServerInfo {
	t.Helper()
	info, ok := srv.ShareServer(manilaServer)
	if !ok {
		t.Error("manila: share server missing from the fake")
	}
	return info
}

var manilaStart = &manila.StartMigrationOptions{Host: manilaDst, Writable: true, PreserveSnapshots: true}

func newManila(t *testing.T, opts ...cloudmigrate.Option) *target {
	t.Helper()
	srv, c := newManilaFake(t, opts...)
	return &target{
		name: "manila", fake: srv,
		throttleCode: manilatest.FaultOverLimit, reqIDPrefix: "req-manila-",
		startOp: manilatest.OpStart, pollOp: manilatest.OpProgress,
		start: func(ctx context.Context) (string, error) {
			if _, err := c.StartMigration(ctx, manilaServer, manilaStart); err != nil {
				return "", err
			}
			// Manila reports progress (get) once the destination share
			// server exists, from migration_driver_starting on.
			srv.Clock().Advance(manilatest.DefaultDurations.Starting + manilatest.DefaultDurations.InProgress)
			return manilaServer, nil
		},
		get: func(ctx context.Context, id string) error { _, err := c.GetMigrationProgress(ctx, id); return err },
		wait: func(ctx context.Context, id string, o ...jobs.Option) error {
			_, err := c.WaitForMigrationPhase1(ctx, id, o...)
			return err
		},
		started: func() bool {
			info := manilaState(t, srv)
			return info.TaskState != "" || info.Status != manilatest.StatusActive
		},
		finished: func() bool {
			return manilaState(t, srv).TaskState == string(manila.TaskStateMigrationDriverPhase1Done)
		},
		step:   2 * time.Minute,
		tokens: srv.TokensIssued,
		expire: srv.ExpireTokens,
	}
}

// apiError asserts that err is a *cloudmigrate.Error with the given status
// and code whose request ID starts with prefix, and returns it.
func apiError(t *testing.T, err error, status int, code, prefix string) *cloudmigrate.Error {
	t.Helper()
	return faketest.APIError(t, err, status, code, prefix)
}

// notAPIError asserts that err is an error that did not come from an
// answer of the service.
func notAPIError(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	var e *cloudmigrate.Error
	if errors.As(err, &e) {
		t.Errorf("a transport failure became a service answer: %v", err)
	}
}

// eventually polls cond every millisecond until it holds or d passes.
func eventually(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
}
