package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-cleanhttp"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/ecs"
	"github.com/cloudmigrate/cloudmigrate/ecs/ecstest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// loadStats is what a load run measured.
type loadStats struct {
	waits       int
	requests    int // job polls the fake received
	connections int // TCP connections the fake accepted, starts included
	// liveHeap is the heap growth, after a collection, with every wait in
	// flight, and peakHeap the highest heap seen while the waits ran,
	// both against the heap before the waits began: they include the
	// connections the waits opened. waitHeap is the live heap with every
	// wait in flight less the live heap once they have all ended, with
	// the connections still open: what the waits themselves hold.
	liveHeap, peakHeap, waitHeap uint64
	// stack is the growth of goroutine stacks with every wait in flight.
	stack   uint64
	elapsed time.Duration
}

// runLoad starts n cold migrations on one ECS fake, then waits for all of
// them at once, each on its own goroutine, through one client sending
// through hc. The jobs start at random points of the fake's clock, so
// they end at different times once the clock moves. Before it does, with
// every wait polling, runLoad measures the memory the waits hold.
func runLoad(t *testing.T, n int, hc *http.Client) loadStats {
	t.Helper()
	// Jobs are INIT for 2 s and RUNNING for 4 s of the fake's clock.
	srv := ecstest.NewServer(ecstest.WithDurations(ecstest.Durations{Init: 2 * time.Second, Running: 4 * time.Second, Action: ecstest.DefaultActionDuration}))
	defer srv.Close()
	srv.AddHost(ecsHostA, ecsHostB)
	// Room on the target for every server of the run (2 vCPUs and 4 GiB each).
	srv.AddDedicatedHost(ecstest.HostInfo{ID: ecsHostB, VCPUs: 2 * n, Memory: 4096 * n})
	baseGoroutines := runtime.NumGoroutine()
	c, err := ecs.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer(), fastRetry, cloudmigrate.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// Start the jobs from a few goroutines; each moves the fake's clock a
	// random 0 to 5 ms after every start, which spreads the jobs' start
	// times over about 2.5 s of the fake's clock, well within a job's 6 s.
	ids := make([]string, n)
	created := time.Now()
	{
		const workers = 8
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(1, uint64(w)))
				for i := w; i < n; i += workers {
					id := fmt.Sprintf("load-server-%04d", i)
					srv.AddServer(ecstest.ServerInfo{ID: id, Status: ecstest.StatusShutoff, HostID: ecsHostA})
					res, err := c.ColdMigrate(ctx, id, &ecs.ColdMigrateOptions{DedicatedHostID: ecsHostB})
					if err != nil {
						errs <- fmt.Errorf("start %d: %w", i, err)
						return
					}
					ids[i] = res.ID()
					srv.Clock().Advance(time.Duration(rng.IntN(6)) * time.Millisecond)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	}
	t.Logf("%d migrations started in %v", n, time.Since(created).Round(time.Millisecond))

	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	var (
		polledOnce atomic.Int64 // waits that have polled at least once
		ended      atomic.Int64 // waits that have returned
		failures   = make(chan error, n)
		wg         sync.WaitGroup
	)
	begin := time.Now()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer ended.Add(1)
			first := true
			job, err := c.WaitForJob(ctx, ids[i],
				jobs.WithInterval(20*time.Millisecond, 100*time.Millisecond),
				jobs.WithProgress(func(jobs.Status) {
					if first {
						first = false
						polledOnce.Add(1)
					}
				}))
			switch {
			case err != nil:
				failures <- fmt.Errorf("wait %d: %w", i, err)
			case job.Status != ecs.JobSuccess:
				failures <- fmt.Errorf("wait %d ended with %s", i, job.Status)
			}
		}()
	}

	// Every wait is in flight once each has polled: the clock stands
	// still, so none can end yet.
	if !eventually(30*time.Second, func() bool { return polledOnce.Load() == int64(n) }) {
		t.Fatalf("only %d of %d waits polled", polledOnce.Load(), n)
	}
	var during runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&during)
	if e := ended.Load(); e != 0 {
		t.Fatalf("%d waits ended before the clock moved", e)
	}

	// Sample the heap while the waits end, and move the fake's clock. It
	// moves 2 ms per poll the fake answers, so the jobs end after a set
	// number of polls however fast the machine is, and at least at a
	// quarter of real time, so that the last few waits, polling seldom,
	// end too.
	var peak atomic.Uint64
	peak.Store(during.HeapAlloc)
	stop := make(chan struct{})
	var bg sync.WaitGroup
	bg.Add(2)
	go func() {
		defer bg.Done()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				runtime.ReadMemStats(&ms)
				if ms.HeapAlloc > peak.Load() {
					peak.Store(ms.HeapAlloc)
				}
			}
		}
	}()
	go func() {
		defer bg.Done()
		const period = 5 * time.Millisecond
		tick := time.NewTicker(period)
		defer tick.Stop()
		seen := srv.Calls(ecstest.OpGetJob)
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				polls := srv.Calls(ecstest.OpGetJob)
				srv.Clock().Advance(period/4 + time.Duration(polls-seen)*2*time.Millisecond)
				seen = polls
			}
		}
	}()
	wg.Wait()
	elapsed := time.Since(begin)
	close(stop)
	bg.Wait()
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	close(failures)
	for err := range failures {
		t.Error(err)
	}
	for _, id := range ids[:10] {
		if j, ok := srv.Job(id); !ok || j.Status != ecs.JobSuccess {
			t.Errorf("job %s in the fake: %+v", id, j)
		}
	}

	st := loadStats{
		waits:       n,
		requests:    srv.Calls(ecstest.OpGetJob),
		connections: srv.Connections(),
		elapsed:     elapsed,
	}
	if during.HeapAlloc > before.HeapAlloc {
		st.liveHeap = during.HeapAlloc - before.HeapAlloc
	}
	if p := peak.Load(); p > before.HeapAlloc {
		st.peakHeap = p - before.HeapAlloc
	}
	if during.HeapAlloc > after.HeapAlloc {
		st.waitHeap = during.HeapAlloc - after.HeapAlloc
	}
	if during.StackInuse > before.StackInuse {
		st.stack = during.StackInuse - before.StackInuse
	}

	// Nothing the waits started may outlive them: once the idle
	// connections are closed, the goroutine count is back where it was
	// before the first request.
	hc.CloseIdleConnections()
	if !eventually(time.Second, func() bool { return runtime.NumGoroutine() <= baseGoroutines }) {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines a second after the waits, %d before:\n%s",
			runtime.NumGoroutine(), baseGoroutines, buf[:runtime.Stack(buf, true)])
	}
	return st
}

func (st loadStats) log(t *testing.T, what string) {
	t.Helper()
	t.Logf("%s: %d waits in %v; %d polls over %d connections (%.1f polls per connection)",
		what, st.waits, st.elapsed.Round(time.Millisecond), st.requests, st.connections,
		float64(st.requests)/float64(max(st.connections, 1)))
	per := func(v uint64) float64 { return float64(v) / 1024 / float64(st.waits) }
	t.Logf("%s: memory per waiting job: %.1f KiB of live heap for the wait itself, %.1f KiB with its share of the connections, %.1f KiB at the peak; %.1f KiB of goroutine stack",
		what, per(st.waitHeap), per(st.liveHeap), per(st.peakHeap), per(st.stack))
}

// A thousand concurrent waits on one client against one fake all end, over
// a pool of reused connections, and leave nothing running.
func TestThousandConcurrentWaits(t *testing.T) {
	// A thousand waits on one endpoint start with a thousand polls at
	// once. Left unbounded, a transport dials a connection for each and
	// can keep only its idle limit of them afterwards (the SDK's default
	// keeps 100), so bursts keep dialing. A client meant for that many
	// concurrent calls caps the connections per endpoint, and keeps as
	// many idle: requests beyond the cap queue for a free connection.
	hc := cleanhttp.DefaultPooledClient()
	tr := hc.Transport.(*http.Transport)
	tr.MaxConnsPerHost = 100
	tr.MaxIdleConnsPerHost = 100

	st := runLoad(t, 1000, hc)
	st.log(t, "100 connections")
	if st.requests < 3000 {
		t.Errorf("only %d polls; the load was meant to be at least 3000", st.requests)
	}
	if st.connections > 200 {
		t.Errorf("%d connections for %d polls and 1000 starts; want at most 200", st.connections, st.requests)
	}
}
