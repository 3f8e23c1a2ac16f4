package rest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
)

// guarded is a loopback service that refuses tok-1 with 401 once refuse is
// set and accepts every other token. It counts both kinds of answer.
type guarded struct {
	*httptest.Server
	refuse             atomic.Bool
	refused, completed atomic.Int64
}

func newGuarded(t *testing.T) *guarded {
	t.Helper()
	g := &guarded{}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		tok := r.Header.Get("X-Auth-Token")
		if tok == "" || (tok == "tok-1" && g.refuse.Load()) {
			g.refused.Add(1)
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}`)
			return
		}
		g.completed.Add(1)
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(g.Close)
	return g
}

// warm makes one call, so that the Keystone holds tok-1.
func warm(t *testing.T, c *Client) {
	t.Helper()
	if _, err := c.Do(context.Background(), &Request{Method: http.MethodGet, Path: "/servers"}); err != nil {
		t.Fatal(err)
	}
}

// 200 callers whose token the service refuses, against a healthy
// Keystone: one renewal for all of them, and each call succeeds.
func TestRejectedTokenRenewedOnceForManyCallers(t *testing.T) {
	const callers = 200
	ks := newTokenService(t, nil)
	svc := newGuarded(t)
	c, err := New(svc.URL, ks.keystone(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	warm(t, c)
	svc.refuse.Store(true)

	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, callers)
	var attempts atomic.Int64
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res, err := c.Do(context.Background(), &Request{Method: http.MethodGet, Path: "/servers"})
			if err != nil {
				errs <- err
				return
			}
			attempts.Add(int64(res.Attempts))
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(ks.requests()); n != 2 {
		t.Errorf("%d token requests, want 2: the first and one renewal", n)
	}
	// Every request the service saw is counted in some call's Attempts.
	if sent := svc.refused.Load() + svc.completed.Load() - 1; attempts.Load() != sent {
		t.Errorf("the calls count %d attempts, the service got %d requests", attempts.Load(), sent)
	}
	if n := svc.completed.Load() - 1; n != callers {
		t.Errorf("%d calls completed, want %d", n, callers)
	}
}

// 200 callers whose token the service refuses while Keystone answers 500
// for two seconds: token requests pause after each failure, so that no
// second of the outage sees more than 3 of them; every failed call returns
// Keystone's error, typed; nothing goes to the service without a token;
// and when Keystone is back, one token request serves every caller.
func TestRenewalWhileKeystoneFails(t *testing.T) {
	const (
		callers = 200
		outage  = 2 * time.Second
	)
	var downUntil atomic.Int64 // unix nanoseconds
	ks := newTokenService(t, func() bool { return time.Now().UnixNano() < downUntil.Load() })
	svc := newGuarded(t)
	c, err := New(svc.URL, ks.keystone(t), []cloudmigrate.Option{
		cloudmigrate.WithRetry(1),
		cloudmigrate.WithRetryWait(5*time.Millisecond, 10*time.Millisecond),
	})
	if err != nil {
		t.Fatal(err)
	}
	warm(t, c)
	refusedBefore := svc.refused.Load()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	began := time.Now()
	recovered := began.Add(outage)
	downUntil.Store(recovered.UnixNano())
	svc.refuse.Store(true)

	type outcome struct {
		calls  int
		failed []error
		err    error // the last call's, nil when it succeeded
	}
	outcomes := make([]outcome, callers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range outcomes {
		wg.Add(1)
		go func(o *outcome) {
			defer wg.Done()
			<-start
			for ctx.Err() == nil {
				o.calls++
				_, o.err = c.Do(ctx, &Request{Method: http.MethodGet, Path: "/servers"})
				if o.err == nil {
					return
				}
				o.failed = append(o.failed, o.err)
			}
		}(&outcomes[i])
	}
	close(start)
	wg.Wait()

	times := ks.requests()[1:] // the first made tok-1
	var during, after []time.Duration
	for _, at := range times {
		if at.Before(recovered) {
			during = append(during, at.Sub(began))
		} else {
			after = append(after, at.Sub(began))
		}
	}
	t.Logf("token requests during the %v outage at %v; after it at %v", outage, during, after)
	// No window of one second holds more than 3 token requests.
	for i, at := range during {
		n := 0
		for _, other := range during[i:] {
			if other-at < time.Second {
				n++
			}
		}
		if n > 3 {
			t.Errorf("%d token requests within a second of %v", n, at)
		}
	}
	if len(during) == 0 {
		t.Error("no token request during the outage")
	}
	if len(after) != 1 {
		t.Errorf("%d token requests after Keystone recovered, want 1", len(after))
	}

	maxCalls := 0
	for i, o := range outcomes {
		maxCalls = max(maxCalls, o.calls)
		if o.err != nil {
			t.Fatalf("caller %d never succeeded: %v", i, o.err)
		}
		if len(o.failed) == 0 {
			t.Errorf("caller %d saw no failure during the outage", i)
		}
		for _, err := range o.failed {
			var apiErr *cloudmigrate.Error
			if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusInternalServerError || apiErr.URL != ks.tokenURL() || apiErr.Method != http.MethodPost {
				t.Fatalf("caller %d: %v, want Keystone's 500 as a *cloudmigrate.Error", i, err)
			}
		}
	}
	// Each failed call waited out a pause: a caller cannot have made more
	// calls than there were pauses, plus its last.
	if maxCalls > len(during)+1 {
		t.Errorf("a caller made %d calls during %d pauses", maxCalls, len(during))
	}
	// The service refused at most each caller's first request, the ones
	// sent before the refused token was dropped, and then saw nothing until
	// each caller's last (accepted): without a token nothing is sent.
	if n := svc.refused.Load() - refusedBefore; n < 1 || n > callers {
		t.Errorf("the service refused %d requests, want 1 to %d", n, callers)
	}
	if n := svc.completed.Load() - 1; n != callers {
		t.Errorf("the service completed %d requests, want %d", n, callers)
	}
	t.Logf("each caller made at most %d calls; the service refused %d requests and completed %d",
		maxCalls, svc.refused.Load()-refusedBefore, svc.completed.Load()-1)
}

// Cancelling a call while it waits for Keystone's pause to end returns
// both the context's error and Keystone's.
func TestCancelWhileTokenRequestsPause(t *testing.T) {
	var down atomic.Bool
	ks := newTokenService(t, down.Load)
	svc := newGuarded(t)
	c, err := New(svc.URL, ks.keystone(t), []cloudmigrate.Option{
		cloudmigrate.WithRetryWait(time.Millisecond, 2*time.Millisecond),
	})
	if err != nil {
		t.Fatal(err)
	}
	warm(t, c)
	down.Store(true)
	svc.refuse.Store(true)
	// A first call fails the renewal, and each retry waits for the pause.
	for _, stop := range []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		want error
	}{
		{"cancelled", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(100*time.Millisecond, cancel)
			return ctx, cancel
		}, context.Canceled},
		{"deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 100*time.Millisecond)
		}, context.DeadlineExceeded},
	} {
		t.Run(stop.name, func(t *testing.T) {
			ctx, cancel := stop.ctx()
			defer cancel()
			tokensBefore := len(ks.requests())
			begin := time.Now()
			_, err := c.Do(ctx, &Request{Method: http.MethodGet, Path: "/servers"})
			took := time.Since(begin)
			var apiErr *cloudmigrate.Error
			if !errors.Is(err, stop.want) || !errors.As(err, &apiErr) || apiErr.StatusCode != 500 || apiErr.URL != ks.tokenURL() {
				t.Fatalf("Do: %v; want %v and Keystone's 500", err, stop.want)
			}
			if took > time.Second {
				t.Errorf("returned %v after the call began", took)
			}
			if n := len(ks.requests()) - tokensBefore; n > 1 {
				t.Errorf("%d token requests for one call within a pause", n)
			}
		})
	}
}

// A call that meets a pause waits until its end before it asks again,
// rather than spending its retries at once: with 2 retries of 1 ms and a
// first pause of at least 0.5 s, the call asks Keystone three times over
// 1.5 s or more, not within milliseconds.
func TestRetriesWaitForTheTokenPause(t *testing.T) {
	ks := newTokenService(t, func() bool { return true })
	c, err := New(newGuarded(t).URL, ks.keystone(t), []cloudmigrate.Option{
		cloudmigrate.WithRetry(2),
		cloudmigrate.WithRetryWait(time.Millisecond, time.Millisecond),
	})
	if err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	_, err = c.Do(context.Background(), &Request{Method: http.MethodGet, Path: "/servers"})
	took := time.Since(begin)
	var apiErr *cloudmigrate.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 500 {
		t.Fatalf("Do: %v", err)
	}
	// Three tries: at 0, after the first pause (0.5 s to 0.625 s), after
	// the second (1 s to 1.25 s).
	times := ks.requests()
	if len(times) != 3 {
		t.Fatalf("%d token requests for 3 tries, want 3", len(times))
	}
	for i, min := range []time.Duration{500 * time.Millisecond, time.Second} {
		if gap := times[i+1].Sub(times[i]); gap < min {
			t.Errorf("token request %d came %v after the one before, want at least %v", i+2, gap, min)
		}
	}
	if took < 1500*time.Millisecond {
		t.Errorf("the call gave up after %v", took)
	}
	if want := fmt.Sprintf("POST %s: 500", ks.tokenURL()); !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "next token request in") {
		t.Errorf("error %q does not say what failed and when Keystone is asked next", err)
	}
}
