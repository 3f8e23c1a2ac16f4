package e2e

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// maxCancelLatency is how soon after cancel a call must return.
const maxCancelLatency = 100 * time.Millisecond

// cancelWhen runs call with a cancellable context, cancels it once ready
// returns true (checked every millisecond), and returns the call's error
// and the time from cancel to the call's return.
func cancelWhen(t *testing.T, call func(ctx context.Context) error, ready func() bool) (time.Duration, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		err error
		at  time.Time
	}
	done := make(chan result, 1)
	go func() {
		err := call(ctx)
		done <- result{err, time.Now()}
	}()
	if !eventually(5*time.Second, ready) {
		t.Fatal("the call never reached the point to cancel at")
	}
	// Let the call settle into what it is doing.
	time.Sleep(20 * time.Millisecond)
	select {
	case r := <-done:
		t.Fatalf("the call returned before it was cancelled: %v", r.err)
	default:
	}
	at := time.Now()
	cancel()
	select {
	case r := <-done:
		return r.at.Sub(at), r.err
	case <-time.After(5 * time.Second):
		t.Fatal("the call did not return within 5s of cancel")
		return 0, nil
	}
}

// cancelCase sets up one attempt of a cancellation scenario: the call to
// make, when it is ready to be cancelled, and how long the call would
// take if it ignored the cancellation.
type cancelCase struct {
	call      func(ctx context.Context) error
	ready     func() bool
	otherwise time.Duration
}

// checkCancel runs the scenario setup makes and asserts that the call
// returns an error matching context.Canceled within maxCancelLatency of
// cancel. Returning late can also mean the test process was not given a
// CPU in time on a busy machine, so a late return is tried again, on a
// fresh setup, up to three times; a call that ignored the cancellation
// would be late every time, by far.
func checkCancel(t *testing.T, what string, setup func() cancelCase) {
	t.Helper()
	var (
		late      []time.Duration
		otherwise time.Duration
	)
	for range 3 {
		c := setup()
		otherwise = c.otherwise
		latency, err := cancelWhen(t, c.call, c.ready)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("%s: error %v does not match context.Canceled", what, err)
		}
		if latency <= maxCancelLatency {
			t.Logf("%s: returned %v after cancel", what, latency)
			return
		}
		late = append(late, latency)
	}
	if slices.Min(late) >= otherwise/2 {
		t.Errorf("%s: returned %v after cancel: the cancellation was not noticed", what, late)
		return
	}
	t.Errorf("%s: returned %v after cancel, want at most %v", what, late, maxCancelLatency)
}

// Cancelling the context while a call waits for a slow answer ends it at
// once: a wait whose poll hangs, or a migration-starting call.
func TestCancelDuringARequest(t *testing.T) {
	const slow = 600 * time.Millisecond
	eachServiceAtOnce(t, func(t *testing.T, build func(...cloudmigrate.Option) *target) {
		checkCancel(t, "wait, during a slow poll", func() cancelCase {
			tg := build()
			id, err := tg.start(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			tg.fake.SlowNext(tg.pollOp, 1, slow)
			return cancelCase{
				call: func(ctx context.Context) error {
					err := tg.wait(ctx, id, jobs.WithInterval(time.Millisecond, 2*time.Millisecond))
					if n := tg.fake.Calls(tg.pollOp); n != 1 {
						t.Errorf("%d polls, want 1", n)
					}
					return err
				},
				ready:     func() bool { return tg.fake.Calls(tg.pollOp) == 1 },
				otherwise: slow,
			}
		})
		checkCancel(t, "start, during a slow answer", func() cancelCase {
			tg := build()
			tg.fake.SlowNext(tg.startOp, 1, slow)
			return cancelCase{
				call: func(ctx context.Context) error {
					_, err := tg.start(ctx)
					if n := tg.fake.Calls(tg.startOp); n != 1 {
						t.Errorf("start reached the fake %d times, want 1", n)
					}
					return err
				},
				ready:     func() bool { return tg.fake.Calls(tg.startOp) == 1 },
				otherwise: slow,
			}
		})
	})
}

// Cancelling the context while the pipeline waits to retry a throttled
// request (the service asked for a minute) ends the call at once.
func TestCancelDuringARetryBackOff(t *testing.T) {
	eachServiceAtOnce(t, func(t *testing.T, build func(...cloudmigrate.Option) *target) {
		checkCancel(t, "poll, in the back-off after a 429", func() cancelCase {
			tg := build()
			id, err := tg.start(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			tg.fake.Throttle(tg.pollOp, 1, time.Minute)
			return cancelCase{
				call: func(ctx context.Context) error {
					err := tg.get(ctx, id)
					if n := tg.fake.Calls(tg.pollOp); n != 1 {
						t.Errorf("%d polls, want 1 (the retry must not happen)", n)
					}
					return err
				},
				ready:     func() bool { return tg.fake.Calls(tg.pollOp) == 1 },
				otherwise: time.Minute,
			}
		})
		checkCancel(t, "start, in the back-off after a 429", func() cancelCase {
			tg := build()
			tg.fake.Throttle(tg.startOp, 1, time.Minute)
			return cancelCase{
				call: func(ctx context.Context) error {
					_, err := tg.start(ctx)
					if tg.started() {
						t.Error("a cancelled, throttled start started a migration")
					}
					return err
				},
				ready:     func() bool { return tg.fake.Calls(tg.startOp) == 1 },
				otherwise: time.Minute,
			}
		})
	})
}

// Cancelling the context while a wait sleeps between two polls ends it at
// once.
func TestCancelBetweenPolls(t *testing.T) {
	eachServiceAtOnce(t, func(t *testing.T, build func(...cloudmigrate.Option) *target) {
		checkCancel(t, "wait, between polls", func() cancelCase {
			tg := build()
			id, err := tg.start(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			polled := make(chan struct{})
			return cancelCase{
				call: func(ctx context.Context) error {
					err := tg.wait(ctx, id,
						jobs.WithInterval(time.Hour, time.Hour),
						jobs.WithProgress(func(jobs.Status) { close(polled) }))
					if n := tg.fake.Calls(tg.pollOp); n != 1 {
						t.Errorf("%d polls, want 1", n)
					}
					return err
				},
				ready: func() bool {
					select {
					case <-polled:
						return true
					default:
						return false
					}
				},
				otherwise: time.Hour,
			}
		})
	})
}
