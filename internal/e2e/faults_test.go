package e2e

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// A throttling storm shorter than the retry budget is absorbed, on the
// call that starts a migration as on a poll, and the migration starts
// once.
func TestThrottlingWithinTheRetryBudgetIsAbsorbed(t *testing.T) {
	eachService(t, func(t *testing.T, build func(...cloudmigrate.Option) *target) {
		tg := build(cloudmigrate.WithRetry(4))
		ctx := context.Background()

		tg.fake.Throttle(tg.startOp, 4, 0)
		id, err := tg.start(ctx)
		if err != nil {
			t.Fatalf("start under 4 throttled answers: %v", err)
		}
		if n := tg.fake.Calls(tg.startOp); n != 5 {
			t.Errorf("start reached the fake %d times, want 4 refused + 1 accepted", n)
		}
		if !tg.started() {
			t.Error("the fake shows no migration after the accepted start")
		}

		tg.fake.Throttle(tg.pollOp, 3, 0)
		before := tg.fake.Calls(tg.pollOp)
		if err := tg.get(ctx, id); err != nil {
			t.Fatalf("poll under 3 throttled answers: %v", err)
		}
		if n := tg.fake.Calls(tg.pollOp) - before; n != 4 {
			t.Errorf("poll reached the fake %d times, want 4", n)
		}
	})
}

// A storm longer than the retry budget ends a call in the service's
// throttling error, with its code, request ID and the number of attempts,
// and nothing starts; a wait polls on through it.
func TestThrottlingBeyondTheRetryBudgetIsTheServiceError(t *testing.T) {
	eachService(t, func(t *testing.T, build func(...cloudmigrate.Option) *target) {
		tg := build(cloudmigrate.WithRetry(2))
		ctx := context.Background()

		tg.fake.Throttle(tg.startOp, 10, 0)
		_, err := tg.start(ctx)
		e := apiError(t, err, http.StatusTooManyRequests, tg.throttleCode, tg.reqIDPrefix)
		if e.Attempts != 3 || !cloudmigrate.IsThrottled(err) || !e.Temporary() {
			t.Errorf("attempts %d, throttled %v, temporary %v; want 3, true, true", e.Attempts, cloudmigrate.IsThrottled(err), e.Temporary())
		}
		if n := tg.fake.Calls(tg.startOp); n != 3 {
			t.Errorf("start reached the fake %d times, want 3 (1 + 2 retries)", n)
		}
		if tg.started() {
			t.Error("a refused start left a migration behind")
		}

		tg.fake.ClearFaults()
		id, err := tg.start(ctx)
		if err != nil {
			t.Fatal(err)
		}
		tg.fake.Throttle(tg.pollOp, 10, 0)
		err = tg.get(ctx, id)
		if e := apiError(t, err, http.StatusTooManyRequests, tg.throttleCode, tg.reqIDPrefix); e.Attempts != 3 {
			t.Errorf("poll attempts %d, want 3", e.Attempts)
		}
		if n := tg.fake.Calls(tg.pollOp); n != 3 {
			t.Errorf("poll reached the fake %d times, want 3", n)
		}

		// A wait rides out the rest of the storm (7 more 429s): each poll
		// that fails after its retries is a transient error to the waiting
		// loop, which polls again.
		opts, polls := tg.stepping()
		if err := tg.wait(ctx, id, opts...); err != nil {
			t.Fatalf("wait through the storm: %v", err)
		}
		if n := tg.fake.Calls(tg.pollOp); n != 3+7+*polls {
			t.Errorf("poll reached the fake %d times, want 3 + 7 throttled + %d answered", n, *polls)
		}
		if !tg.finished() {
			t.Error("the wait ended before the fake's migration did")
		}
	})
}

// Bursts of 5xx answers while a wait polls are ridden out: 503s by the
// pipeline's retries within one poll, 500s by the waiting loop, which
// polls again.
func TestServerErrorsDuringTheWaitAreTolerated(t *testing.T) {
	eachService(t, func(t *testing.T, build func(...cloudmigrate.Option) *target) {
		tg := build()
		ctx := context.Background()
		id, err := tg.start(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// Three 503s at the first poll, and two 500s and a 502 after the
		// second.
		tg.fake.FailNext(tg.pollOp, 3, http.StatusServiceUnavailable)
		answered := 0
		opts, polls := tg.stepping(func(jobs.Status) {
			answered++
			if answered == 2 {
				tg.fake.FailNext(tg.pollOp, 2, http.StatusInternalServerError)
				tg.fake.FailNext(tg.pollOp, 1, http.StatusBadGateway)
			}
		})
		if err := tg.wait(ctx, id, opts...); err != nil {
			t.Fatalf("wait: %v", err)
		}
		if !tg.finished() {
			t.Error("the wait ended but the fake's migration has not reached its stage")
		}
		if *polls < 3 {
			t.Errorf("only %d answered polls", *polls)
		}
		// Every answered poll moved the clock once; the 6 failures are on
		// top.
		if n := tg.fake.Calls(tg.pollOp); n != *polls+6 {
			t.Errorf("%d polls reached the fake, want %d answered + 6 failed", n, *polls)
		}
		if n := tg.fake.Calls(tg.startOp); n != 1 {
			t.Errorf("start reached the fake %d times", n)
		}
	})
}

// A migration-starting call whose connection drops after the request was
// read returns an error, is not sent again, and (the fake guarantees the
// request had no effect) nothing started. The next call works.
func TestDroppedStartIsSentOnceAndStartsNothing(t *testing.T) {
	eachService(t, func(t *testing.T, build func(...cloudmigrate.Option) *target) {
		tg := build()
		ctx := context.Background()
		tg.fake.DropNext(tg.startOp, 1)
		_, err := tg.start(ctx)
		notAPIError(t, err)
		if n := tg.fake.Calls(tg.startOp); n != 1 {
			t.Errorf("start reached the fake %d times, want exactly 1", n)
		}
		if tg.started() {
			t.Error("the fake shows a migration after a dropped start")
		}
		if _, err := tg.start(ctx); err != nil {
			t.Fatalf("start after the drop: %v", err)
		}
		if n := tg.fake.Calls(tg.startOp); n != 2 || !tg.started() {
			t.Errorf("after a second start: %d calls, started %v", n, tg.started())
		}
	})
}

// A gateway error (which a read would retry) on a migration-starting call
// is returned at once with the service's request ID: the call may have
// taken effect, so it is not repeated.
func TestServerErrorOnStartIsNotRetried(t *testing.T) {
	eachService(t, func(t *testing.T, build func(...cloudmigrate.Option) *target) {
		tg := build(cloudmigrate.WithRetry(4))
		for _, status := range []int{http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout} {
			before := tg.fake.Calls(tg.startOp)
			tg.fake.FailNext(tg.startOp, 1, status)
			_, err := tg.start(context.Background())
			var e *cloudmigrate.Error
			if !errors.As(err, &e) {
				t.Fatalf("%d: error %v is not a *cloudmigrate.Error", status, err)
			}
			if e.StatusCode != status || e.Attempts != 1 || e.RequestID == "" || e.Code == "" {
				t.Errorf("%d: got %+v", status, e)
			}
			if n := tg.fake.Calls(tg.startOp) - before; n != 1 {
				t.Errorf("%d: start reached the fake %d times, want 1", status, n)
			}
		}
		if tg.started() {
			t.Error("the injected errors started a migration")
		}
	})
}

// An answer slower than the per-request timeout: a poll is tried again
// and ends fine; a start is not (it may have taken effect — and in the
// fake, which answers slow requests in full, it does).
func TestSlowAnswersBeyondTheRequestTimeout(t *testing.T) {
	// Generous margins: the machine running the tests may be busy, and a
	// normal answer must never hit the timeout.
	const timeout, slow = 700 * time.Millisecond, 2 * time.Second
	eachServiceAtOnce(t, func(t *testing.T, build func(...cloudmigrate.Option) *target) {
		ctx := context.Background()

		// A slow poll.
		tg := build(cloudmigrate.WithTimeout(timeout))
		id, err := tg.start(ctx)
		if err != nil {
			t.Fatal(err)
		}
		tg.fake.SlowNext(tg.pollOp, 1, slow)
		begin := time.Now()
		if err := tg.get(ctx, id); err != nil {
			t.Fatalf("slow poll: %v", err)
		}
		if d := time.Since(begin); d < timeout || d > slow+time.Second {
			t.Errorf("slow poll took %v; want the timeout (%v) then a quick retry", d, timeout)
		}
		if n := tg.fake.Calls(tg.pollOp); n != 2 {
			t.Errorf("poll reached the fake %d times, want 2", n)
		}

		// A slow start.
		tg = build(cloudmigrate.WithTimeout(timeout))
		tg.fake.SlowNext(tg.startOp, 1, slow)
		begin = time.Now()
		_, err = tg.start(ctx)
		notAPIError(t, err)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("slow start: %v, want a deadline error", err)
		}
		if d := time.Since(begin); d < timeout || d > slow {
			t.Errorf("slow start returned after %v, want about %v", d, timeout)
		}
		if n := tg.fake.Calls(tg.startOp); n != 1 {
			t.Errorf("start reached the fake %d times, want exactly 1", n)
		}
		// The service finished the request after the client gave up: this
		// is why a timed-out start must never be sent again.
		if !eventually(2*slow, tg.started) {
			t.Error("the slow start never took effect in the fake")
		}
		if n := tg.fake.Calls(tg.startOp); n != 1 {
			t.Errorf("start reached the fake %d times, want exactly 1", n)
		}
	})
}

// A Keystone token that expires in the middle of a wait is renewed once,
// and the wait ends as if nothing happened.
func TestTokenExpiringDuringTheWaitIsRenewedOnce(t *testing.T) {
	for _, b := range []struct {
		name  string
		build func(*testing.T, ...cloudmigrate.Option) *target
	}{{"nova", newNova}, {"manila", newManila}} {
		t.Run(b.name, func(t *testing.T) {
			tg := b.build(t)
			ctx := context.Background()
			id, err := tg.start(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n := tg.tokens(); n != 1 {
				t.Fatalf("%d tokens before the wait, want 1", n)
			}
			seen := 0
			opts, polls := tg.stepping(func(jobs.Status) {
				seen++
				if seen == 2 {
					tg.expire()
				}
			})
			if err := tg.wait(ctx, id, opts...); err != nil {
				t.Fatalf("wait: %v", err)
			}
			if !tg.finished() {
				t.Error("the wait ended before the fake's migration did")
			}
			if n := tg.tokens(); n != 2 {
				t.Errorf("%d tokens after the wait, want 2 (one renewal)", n)
			}
			if *polls < 3 {
				t.Errorf("only %d polls", *polls)
			}
		})
	}
}
