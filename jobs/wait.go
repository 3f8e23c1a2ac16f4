package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
)

// WaitForJob polls until the job reaches a terminal State and returns the
// final Status.
//
// It returns nil when the job Succeeded and a *FailedError when it Failed
// or was Cancelled. Transient poll errors are retried with back-off (see
// WithMaxPollErrors); any other poll error ends the wait at once, wrapped
// as "jobs: poll: ..." so errors.As still reaches the original. When ctx is
// done the error wraps ctx.Err(), so errors.Is(err, context.Canceled) or
// errors.Is(err, context.DeadlineExceeded) holds. A nil ctx or poll, or a
// bad option, gives a *cloudmigrate.ValidationError without polling.
//
// Whatever the outcome, the Status returned is the last one seen (the zero
// Status if no poll succeeded). WaitForJob starts no goroutine and keeps no
// state between calls, so any number of waits may run concurrently.
func WaitForJob(ctx context.Context, poll Poller, opts ...Option) (Status, error) {
	if poll == nil {
		return Status{}, cloudmigrate.Invalid("poll", "nil Poller")
	}
	return loop(ctx, poll, opts)
}

// Wait is WaitForJob for service wrappers that return their own typed
// object: get fetches the object and status translates it into a Status.
//
// Wait returns the object from the last successful poll, whatever the
// outcome: on success with a nil error, on a failed or cancelled job
// together with a *FailedError whose Job field holds the same object, and
// on any other error together with that error (the zero T when no poll
// succeeded).
func Wait[T any](ctx context.Context, get func(context.Context) (T, error), status func(T) Status, opts ...Option) (T, error) {
	var last T
	if get == nil {
		return last, cloudmigrate.Invalid("get", "nil function")
	}
	if status == nil {
		return last, cloudmigrate.Invalid("status", "nil function")
	}
	poll := func(ctx context.Context) (Status, error) {
		v, err := get(ctx)
		if err != nil {
			return Status{}, err
		}
		last = v
		return status(v), nil
	}
	_, err := loop(ctx, poll, opts)
	// loop returns a *FailedError unwrapped, so a plain assertion finds it.
	if fe, isFailed := err.(*FailedError); isFailed {
		fe.Job = last
	}
	return last, err
}

// loop is the waiting loop behind WaitForJob and Wait. Whatever the
// outcome, it returns the last Status seen.
func loop(ctx context.Context, poll Poller, opts []Option) (Status, error) {
	var (
		last Status
		seen bool
	)
	if ctx == nil {
		return last, cloudmigrate.Invalid("ctx", "nil context")
	}
	s := defaultSettings()
	for _, o := range opts {
		if o != nil {
			o(&s)
		}
	}
	if s.err != nil {
		return last, s.err
	}

	var sl sleeper
	defer sl.stop()
	b := newBackoff(s.minInterval, s.maxInterval, s.randN)
	errs := 0
	wait := s.initialDelay
	for {
		if !sl.sleep(ctx, wait, s.onWait) {
			return last, stopped(ctx, last, seen)
		}
		st, err := poll(ctx)
		if err != nil {
			if ctx.Err() != nil {
				// The poll failed because the wait was cancelled (or the
				// two happened together): report the cancellation.
				return last, stopped(ctx, last, seen)
			}
			if !transient(err) {
				return last, fmt.Errorf("jobs: poll: %w", err)
			}
			errs++
			if errs > s.maxPollErrors {
				return last, fmt.Errorf("jobs: poll: giving up after %d consecutive errors: %w", errs, err)
			}
			wait = b.next()
			if ra := retryAfter(err); ra > wait {
				wait = min(ra, max(s.maxInterval, RetryAfterCap))
			}
			continue
		}
		errs = 0
		last, seen = st, true
		if s.progress != nil {
			s.progress(st)
		}
		switch st.State {
		case Succeeded:
			return st, nil
		case Failed, Cancelled:
			return st, &FailedError{Status: st}
		}
		wait = b.next()
	}
}

// stopped builds the error for a wait that ended because ctx is done. It
// wraps ctx.Err() and, when it says more, the context's cause.
func stopped(ctx context.Context, last Status, seen bool) error {
	where := "before the first status"
	if seen {
		where = "last status " + last.word()
	}
	err := ctx.Err()
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, err) {
		return fmt.Errorf("jobs: stopped waiting (%s): %w: %w", where, err, cause)
	}
	return fmt.Errorf("jobs: stopped waiting (%s): %w", where, err)
}

// backoff produces the jittered, exponentially growing waits between polls.
type backoff struct {
	min, max time.Duration
	hi       time.Duration // upper end of the next wait
	randN    func(int64) int64
}

func newBackoff(min, max time.Duration, randN func(int64) int64) backoff {
	b := backoff{min: min, max: max, hi: min, randN: randN}
	b.grow()
	return b
}

// grow doubles hi, limited to max, without overflowing.
func (b *backoff) grow() {
	if b.hi > b.max/2 {
		b.hi = b.max
	} else {
		b.hi *= 2
	}
}

// next returns a wait drawn uniformly from [max(min, hi/2), hi] and moves
// the range up for the following one.
func (b *backoff) next() time.Duration {
	hi := b.hi
	lo := max(hi/2, b.min)
	d := lo
	if hi > lo {
		d += time.Duration(b.randN(int64(hi-lo) + 1))
	}
	b.grow()
	return d
}

// sleeper waits on one reusable timer. The timer is only ever reset after
// it fired and its value was received, so it behaves the same under the
// old and new time.Timer channel semantics.
type sleeper struct {
	t *time.Timer
}

// sleep waits d, or less if ctx is done first. It reports whether the wait
// ran to its end with ctx still live. A zero d only checks ctx.
func (sl *sleeper) sleep(ctx context.Context, d time.Duration, onWait func(time.Duration)) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	if onWait != nil {
		onWait(d)
	}
	if sl.t == nil {
		sl.t = time.NewTimer(d)
	} else {
		sl.t.Reset(d)
	}
	select {
	case <-sl.t.C:
		return ctx.Err() == nil
	case <-ctx.Done():
		sl.t.Stop()
		return false
	}
}

func (sl *sleeper) stop() {
	if sl.t != nil {
		sl.t.Stop()
	}
}
