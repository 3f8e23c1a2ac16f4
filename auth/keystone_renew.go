package auth

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
)

// Pauses between token requests while they fail: the first failure holds
// the next request back for renewPauseMin, each further one in a row
// doubles the pause up to renewPauseMax, and a success ends it. A jitter of
// up to a quarter is added so that many processes whose requests failed
// together do not ask again together.
const (
	renewPauseMin = 500 * time.Millisecond
	renewPauseMax = 30 * time.Second
)

// ksFailure is the last token request's failure, shared with every caller
// until the next request may be made.
type ksFailure struct {
	err   error
	until time.Time
}

// renewPausedError is a failed token request as a caller sees it: the
// failure itself, and how long Keystone will not be asked again.
type renewPausedError struct {
	err  error
	wait time.Duration
}

func (e *renewPausedError) Error() string {
	return e.err.Error() + " (auth: keystone: next token request in " + roundWait(e.wait) + ")"
}

func (e *renewPausedError) Unwrap() error { return e.err }

// RetryAfter is how long until the next token request may be made: trying
// again sooner only gets the same failure.
func (e *renewPausedError) RetryAfter() time.Duration { return e.wait }

func roundWait(d time.Duration) string {
	if d < time.Second {
		return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
	}
	return d.Round(100 * time.Millisecond).String()
}

// paused returns f as seen at now.
func (f *ksFailure) paused(now time.Time) error {
	return &renewPausedError{err: f.err, wait: f.until.Sub(now)}
}

// renewPause is the pause after the n-th token request failed in a row
// with err: the back-off, or longer if Keystone asked for it with a
// Retry-After, never more than renewPauseMax.
func renewPause(n int, err error) time.Duration {
	d := renewPauseMin << min(n-1, 8)
	d += rand.N(d/4 + 1)
	var apiErr *cloudmigrate.Error
	if errors.As(err, &apiErr) && apiErr.RetryAfter > d {
		d = apiErr.RetryAfter
	}
	return min(d, renewPauseMax)
}

// expired reports whether t can no longer be used at all.
func expired(t *ksToken, now time.Time) bool {
	exp := t.info.ExpiresAt
	return !exp.IsZero() && !now.Before(exp)
}

// token returns a usable token. With force it replaces the current token
// if that is the one rejected (or rejected is empty).
//
// One token request is made at a time; callers that need a token while it
// is in flight wait for its result. A failed request is shared, as a
// *renewPausedError, with the callers that come before the pause after it
// ends; a token that is due for renewal but not expired is still handed
// out meanwhile.
func (k *Keystone) token(ctx context.Context, rejected string, force bool) (*ksToken, error) {
	if k == nil || k.keystoneCore == nil {
		return nil, errors.New("auth: Keystone used without NewKeystone")
	}
	for {
		k.mu.Lock()
		t := k.tok
		if t != nil && force && (rejected == "" || t.id == rejected) {
			// The service refused it: no caller is to send it again. A
			// token that comes while this call waits is not refused.
			rejected = t.id
			k.tok, t = nil, nil
		}
		if t != nil && k.fresh(t) {
			k.mu.Unlock()
			return t, nil
		}
		if c := k.inflight; c != nil {
			k.mu.Unlock()
			select {
			case <-c.done:
			case <-ctx.Done():
				return nil, fmt.Errorf("auth: keystone: waiting for a token: %w", ctx.Err())
			}
			if c.err == nil {
				return c.tok, nil
			}
			// The request failed, and its failure is now shared, or the
			// goroutine that made it gave up, and another may be made.
			continue
		}
		now := k.now()
		if f := k.failure; f != nil && now.Before(f.until) {
			k.mu.Unlock()
			if t != nil && !expired(t, now) {
				return t, nil
			}
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("auth: keystone: %w", err)
			}
			return nil, f.paused(now)
		}
		c := &ksCall{done: make(chan struct{})}
		k.inflight = c
		k.mu.Unlock()
		nt, err := k.lead(ctx, c)
		if err != nil && t != nil && ctx.Err() == nil && !expired(t, k.now()) {
			return t, nil
		}
		return nt, err
	}
}

// lead makes the token request of c and publishes its result: a new token
// ends any pause; a failure, unless the goroutine that asked gave up,
// starts or lengthens one.
func (k *Keystone) lead(ctx context.Context, c *ksCall) (t *ksToken, err error) {
	defer func() {
		k.mu.Lock()
		if err == nil && t == nil {
			err = errors.New("auth: keystone: token request failed")
		}
		switch {
		case err == nil:
			k.tok, k.failure, k.failures = t, nil, 0
		case ctx.Err() != nil:
			// The goroutine that asked gave up: its failure says nothing
			// about Keystone, and a waiter may ask again.
		default:
			k.failures++
			now := k.now()
			f := &ksFailure{err: err, until: now.Add(renewPause(k.failures, err))}
			k.failure = f
			err = f.paused(now)
		}
		c.tok, c.err = t, err
		k.inflight = nil
		k.mu.Unlock()
		close(c.done)
	}()
	return k.fetch(ctx)
}
