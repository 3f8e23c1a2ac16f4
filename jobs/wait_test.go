package jobs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
)

// step is one scripted poll answer.
type step struct {
	st  Status
	err error
}

func ok(state State, word string) step {
	return step{st: Status{State: state, Word: word, Progress: ProgressUnknown}}
}

func fail(err error) step { return step{err: err} }

// script is a Poller that answers with steps in order and fails the test
// if polled past the end. It is used by one wait at a time.
type script struct {
	t     testing.TB
	steps []step
	polls int
	times []time.Time
}

func newScript(t testing.TB, steps ...step) *script { return &script{t: t, steps: steps} }

func (s *script) poll(ctx context.Context) (Status, error) {
	s.times = append(s.times, time.Now())
	if s.polls >= len(s.steps) {
		s.t.Errorf("polled %d times, script has %d steps", s.polls+1, len(s.steps))
		return Status{}, errors.New("script exhausted")
	}
	st := s.steps[s.polls]
	s.polls++
	return st.st, st.err
}

// repeat returns n copies of st.
func repeat(n int, st step) []step {
	out := make([]step, n)
	for i := range out {
		out[i] = st
	}
	return out
}

// withHooks installs the test hooks: a jitter source and a recorder of
// every wait the loop starts.
func withHooks(randN func(int64) int64, onWait func(time.Duration)) Option {
	return func(s *settings) {
		if randN != nil {
			s.randN = randN
		}
		s.onWait = onWait
	}
}

// recordWaits returns an option that appends every wait to *waits.
func recordWaits(waits *[]time.Duration) Option {
	return withHooks(nil, func(d time.Duration) { *waits = append(*waits, d) })
}

var fast = WithInterval(time.Millisecond, time.Millisecond)

func apiErr(status int) *cloudmigrate.Error {
	return &cloudmigrate.Error{StatusCode: status, Method: "GET", URL: "https://ecs.example/v1/p/jobs/j"}
}

func TestStateStringAndTerminal(t *testing.T) {
	tests := []struct {
		s        State
		name     string
		terminal bool
	}{
		{Pending, "pending", false},
		{Running, "running", false},
		{Succeeded, "succeeded", true},
		{Failed, "failed", true},
		{Cancelled, "cancelled", true},
		{State(0), "State(0)", false},
		{State(42), "State(42)", false},
	}
	for _, tt := range tests {
		if got := tt.s.String(); got != tt.name {
			t.Errorf("State(%d).String() = %q, want %q", int(tt.s), got, tt.name)
		}
		if got := tt.s.Terminal(); got != tt.terminal {
			t.Errorf("%v.Terminal() = %v, want %v", tt.s, got, tt.terminal)
		}
	}
}

func TestWordsMapsUnknownToRunning(t *testing.T) {
	w := Words{"INIT": Pending, "SUCCESS": Succeeded, "FAIL": Failed}
	if got := w.State("SUCCESS"); got != Succeeded {
		t.Errorf("State(SUCCESS) = %v", got)
	}
	if got := w.State("BRAND_NEW_STEP"); got != Running {
		t.Errorf("State(unknown) = %v, want running", got)
	}
	got := w.Status("BRAND_NEW_STEP")
	want := Status{State: Running, Word: "BRAND_NEW_STEP", Progress: ProgressUnknown}
	if got != want {
		t.Errorf("Status(unknown) = %+v, want %+v", got, want)
	}
}

func TestSucceededReturnsFinalStatus(t *testing.T) {
	final := Status{State: Succeeded, Word: "SUCCESS", Progress: 100}
	s := newScript(t,
		ok(Pending, "INIT"),
		step{st: Status{State: Running, Word: "RUNNING", Progress: 50}},
		step{st: final},
	)
	var waits []time.Duration
	got, err := WaitForJob(context.Background(), s.poll, fast, recordWaits(&waits))
	if err != nil {
		t.Fatalf("err = %v", err)
	}
	if got != final {
		t.Errorf("status = %+v, want %+v", got, final)
	}
	if s.polls != 3 {
		t.Errorf("polls = %d, want 3", s.polls)
	}
	// One wait between each pair of polls and none after the last.
	if len(waits) != 2 {
		t.Errorf("waits = %v, want 2 of them", waits)
	}
}

func TestTerminalStopsWithoutWaiting(t *testing.T) {
	for _, state := range []State{Succeeded, Failed, Cancelled} {
		t.Run(state.String(), func(t *testing.T) {
			s := newScript(t, ok(state, "END"))
			var waits []time.Duration
			start := time.Now()
			_, err := WaitForJob(context.Background(), s.poll,
				WithInterval(time.Hour, time.Hour), recordWaits(&waits))
			if d := time.Since(start); d > time.Second {
				t.Errorf("took %v after a terminal first poll", d)
			}
			if (err == nil) != (state == Succeeded) {
				t.Errorf("err = %v", err)
			}
			if len(waits) != 0 || s.polls != 1 {
				t.Errorf("waits = %v, polls = %d; want none and 1", waits, s.polls)
			}
		})
	}
}

func TestFailedError(t *testing.T) {
	tests := []struct {
		name string
		st   Status
		want string
	}{
		{"full", Status{State: Failed, Word: "FAIL", Code: "Ecs.0221", Message: "reason"},
			"cloudmigrate: job failed (FAIL): Ecs.0221: reason"},
		{"cancelled", Status{State: Cancelled, Word: "migration_cancelled"},
			"cloudmigrate: job cancelled (migration_cancelled)"},
		{"no word", Status{State: Failed, Code: "CCE.01500001", Message: "node not ready"},
			"cloudmigrate: job failed: CCE.01500001: node not ready"},
		{"message only", Status{State: Failed, Word: "Failed", Message: "pool busy"},
			"cloudmigrate: job failed (Failed): pool busy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScript(t, ok(Running, "RUNNING"), step{st: tt.st})
			got, err := WaitForJob(context.Background(), s.poll, fast)
			fe, isPtr := err.(*FailedError)
			if !isPtr {
				t.Fatalf("err = %T %v, want *FailedError", err, err)
			}
			var viaAs *FailedError
			if !errors.As(err, &viaAs) || viaAs != fe {
				t.Errorf("errors.As did not find the *FailedError")
			}
			if fe.Status != tt.st || got != tt.st {
				t.Errorf("FailedError.Status = %+v, returned %+v, want %+v", fe.Status, got, tt.st)
			}
			if fe.Job != nil {
				t.Errorf("Job = %v, want nil from WaitForJob", fe.Job)
			}
			if err.Error() != tt.want {
				t.Errorf("Error() = %q, want %q", err.Error(), tt.want)
			}
		})
	}
}

func TestBackoffSequence(t *testing.T) {
	maxRand := func(n int64) int64 { return n - 1 }
	zeroRand := func(int64) int64 { return 0 }
	draw := func(b backoff, n int) []time.Duration {
		out := make([]time.Duration, n)
		for i := range out {
			out[i] = b.next()
		}
		return out
	}
	s := time.Second
	tests := []struct {
		name     string
		min, max time.Duration
		randN    func(int64) int64
		want     []time.Duration
	}{
		{"upper ends double up to max", s, 8 * s, maxRand, []time.Duration{2 * s, 4 * s, 8 * s, 8 * s, 8 * s}},
		{"lower ends start at min", s, 8 * s, zeroRand, []time.Duration{s, 2 * s, 4 * s, 4 * s, 4 * s}},
		{"max not a power of two", s, 5 * s, maxRand, []time.Duration{2 * s, 4 * s, 5 * s, 5 * s}},
		{"min equals max", 3 * s, 3 * s, maxRand, []time.Duration{3 * s, 3 * s, 3 * s}},
		{"zero intervals", 0, 0, maxRand, []time.Duration{0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := draw(newBackoff(tt.min, tt.max, tt.randN), len(tt.want))
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("waits = %v, want %v", got, tt.want)
			}
		})
	}

	t.Run("real jitter stays in range", func(t *testing.T) {
		min, max := time.Second, 30*time.Second
		firsts := map[time.Duration]bool{}
		for range 500 {
			b := newBackoff(min, max, defaultSettings().randN)
			hi := 2 * min
			for n := range 8 {
				d := b.next()
				lo := hi / 2
				if d < lo || d > hi || d < min || d > max {
					t.Fatalf("wait %d = %v, want in [%v, %v] within [%v, %v]", n, d, lo, hi, min, max)
				}
				if n == 0 {
					firsts[d] = true
				}
				hi = time.Duration(math.Min(float64(2*hi), float64(max)))
			}
		}
		if len(firsts) < 100 {
			t.Errorf("only %d distinct first waits in 500 runs: no jitter?", len(firsts))
		}
	})

	t.Run("no overflow", func(t *testing.T) {
		b := newBackoff(time.Nanosecond, math.MaxInt64, defaultSettings().randN)
		for range 200 {
			if d := b.next(); d < time.Nanosecond {
				t.Fatalf("wait %v overflowed", d)
			}
		}
	})
}

func TestLoopWaitsWithinBounds(t *testing.T) {
	const min, max = time.Millisecond, 3 * time.Millisecond
	s := newScript(t, append(repeat(20, ok(Running, "RUNNING")), ok(Succeeded, "SUCCESS"))...)
	var waits []time.Duration
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := WaitForJob(ctx, s.poll, WithInterval(min, max), recordWaits(&waits)); err != nil {
		t.Fatal(err)
	}
	if len(waits) != 20 {
		t.Fatalf("%d waits, want 20", len(waits))
	}
	for i, d := range waits {
		if d < min || d > max {
			t.Errorf("wait %d = %v, outside [%v, %v]", i, d, min, max)
		}
	}
	// Real time: polls never come closer together than min.
	for i := 1; i < len(s.times); i++ {
		if gap := s.times[i].Sub(s.times[i-1]); gap < min {
			t.Errorf("gap %d = %v, shorter than min %v", i, gap, min)
		}
	}
}

func TestDoesNotBusyLoop(t *testing.T) {
	const min, max = 2 * time.Millisecond, 4 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	polls := 0
	poll := func(context.Context) (Status, error) {
		polls++
		return Status{State: Running, Word: "RUNNING"}, nil
	}
	_, err := WaitForJob(ctx, poll, WithInterval(min, max))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	// 100 ms at no less than 2 ms apart is at most 51 polls; a busy loop
	// makes thousands.
	if polls > 51 || polls < 2 {
		t.Errorf("%d polls in 100ms with interval [%v, %v]", polls, min, max)
	}
}

func TestTransientErrorsAreRetried(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{"503", apiErr(503)},
		{"502", apiErr(502)},
		{"504", apiErr(504)},
		{"500", apiErr(500)},
		{"429", apiErr(429)},
		{"throttle code on 400", &cloudmigrate.Error{StatusCode: 400, Code: "APIGW.0308"}},
		{"wrapped 503", fmt.Errorf("cloudmigrate: GET /jobs/1: 5 attempt(s): %w", apiErr(503))},
		{"dial refused", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}},
		{"url EOF", &url.Error{Op: "Get", URL: "https://ecs.example", Err: io.EOF}},
		{"unexpected EOF", fmt.Errorf("decoding the 200 answer: %w", io.ErrUnexpectedEOF)},
		{"reset", fmt.Errorf("read: %w", syscall.ECONNRESET)},
		{"refused", syscall.ECONNREFUSED},
		{"per-request timeout", &url.Error{Op: "Get", URL: "https://ecs.example", Err: context.DeadlineExceeded}},
		{"bare per-request timeout", fmt.Errorf("attempt 1: %w", context.DeadlineExceeded)},
		{"dns timeout", &net.DNSError{Err: "i/o timeout", Name: "ecs.example", IsTimeout: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScript(t, fail(tt.err), fail(tt.err), ok(Succeeded, "SUCCESS"))
			var waits []time.Duration
			_, err := WaitForJob(context.Background(), s.poll, fast, WithMaxPollErrors(2), recordWaits(&waits))
			if err != nil {
				t.Fatalf("err = %v, want the errors tolerated", err)
			}
			if s.polls != 3 {
				t.Errorf("polls = %d, want 3", s.polls)
			}
			// Errors are retried after a wait, never at once.
			if len(waits) != 2 {
				t.Errorf("waits = %v, want one before each retry", waits)
			}
		})
	}
}

func TestPermanentErrorsEndAtOnce(t *testing.T) {
	verr := &cloudmigrate.VersionError{Service: "compute", InUse: "2.99", Err: apiErr(406)}
	tests := []struct {
		name string
		err  error
	}{
		{"404", apiErr(404)},
		{"401", apiErr(401)},
		{"403", apiErr(403)},
		{"400", &cloudmigrate.Error{StatusCode: 400, Code: "Ecs.0005"}},
		{"409", apiErr(409)},
		{"validation", cloudmigrate.Invalid("jobID", "empty")},
		{"version 406", verr},
		{"unknown", errors.New("boom")},
		{"cancelled by someone else", &url.Error{Op: "Get", URL: "https://ecs.example", Err: context.Canceled}},
		{"unknown authority", &url.Error{Op: "Get", URL: "https://ecs.example", Err: x509.UnknownAuthorityError{}}},
		{"tls verify", &url.Error{Op: "Get", URL: "https://ecs.example", Err: &tls.CertificateVerificationError{Err: errors.New("bad")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScript(t, ok(Running, "RUNNING"), fail(tt.err))
			got, err := WaitForJob(context.Background(), s.poll, fast)
			if err == nil {
				t.Fatal("err = nil")
			}
			if s.polls != 2 {
				t.Errorf("polls = %d, want 2 (no retry)", s.polls)
			}
			if !strings.HasPrefix(err.Error(), "jobs: poll: ") {
				t.Errorf("err = %q, want the jobs: poll: prefix", err)
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("errors.Is(err, original) = false for %v", err)
			}
			if got.Word != "RUNNING" {
				t.Errorf("returned status %+v, want the last one seen", got)
			}
		})
	}
	// errors.As reaches the typed errors through the wrapping.
	_, err := WaitForJob(context.Background(), newScript(t, fail(apiErr(404))).poll, fast)
	var ae *cloudmigrate.Error
	if !errors.As(err, &ae) || ae.StatusCode != 404 || !cloudmigrate.IsNotFound(err) {
		t.Errorf("errors.As(*cloudmigrate.Error) failed on %v", err)
	}
	_, err = WaitForJob(context.Background(), newScript(t, fail(cloudmigrate.Invalid("x", "y"))).poll, fast)
	var ve *cloudmigrate.ValidationError
	if !errors.As(err, &ve) {
		t.Errorf("errors.As(*ValidationError) failed on %v", err)
	}
}

func TestMaxPollErrors(t *testing.T) {
	for _, n := range []int{0, 1, 3} {
		t.Run(fmt.Sprintf("n=%d tolerated", n), func(t *testing.T) {
			s := newScript(t, append(repeat(n, fail(apiErr(503))), ok(Succeeded, "SUCCESS"))...)
			if _, err := WaitForJob(context.Background(), s.poll, fast, WithMaxPollErrors(n)); err != nil {
				t.Errorf("err = %v after %d errors, want nil", err, n)
			}
		})
		t.Run(fmt.Sprintf("n=%d exceeded", n), func(t *testing.T) {
			s := newScript(t, repeat(n+1, fail(apiErr(503)))...)
			_, err := WaitForJob(context.Background(), s.poll, fast, WithMaxPollErrors(n))
			if err == nil {
				t.Fatal("err = nil")
			}
			if s.polls != n+1 {
				t.Errorf("polls = %d, want %d", s.polls, n+1)
			}
			var ae *cloudmigrate.Error
			if !errors.As(err, &ae) || ae.StatusCode != 503 {
				t.Errorf("errors.As failed on %v", err)
			}
			if !strings.HasPrefix(err.Error(), "jobs: poll: ") {
				t.Errorf("err = %q", err)
			}
		})
	}
	t.Run("default is 10", func(t *testing.T) {
		s := newScript(t, repeat(11, fail(apiErr(503)))...)
		_, err := WaitForJob(context.Background(), s.poll, fast)
		if err == nil || s.polls != 11 {
			t.Errorf("polls = %d, err = %v; want to give up on the 11th", s.polls, err)
		}
	})
}

func TestSuccessResetsErrorCount(t *testing.T) {
	e := fail(apiErr(503))
	s := newScript(t, e, e, ok(Running, "RUNNING"), e, e, ok(Running, "RUNNING"), e, e, ok(Succeeded, "SUCCESS"))
	if _, err := WaitForJob(context.Background(), s.poll, fast, WithMaxPollErrors(2)); err != nil {
		t.Fatalf("err = %v: the count did not reset after a success", err)
	}
	if s.polls != 9 {
		t.Errorf("polls = %d, want 9", s.polls)
	}
}

func TestRetryAfter(t *testing.T) {
	throttled := func(ra time.Duration) error {
		e := apiErr(429)
		e.RetryAfter = ra
		return e
	}
	t.Run("longer than the interval is honoured", func(t *testing.T) {
		s := newScript(t, fail(throttled(40*time.Millisecond)), ok(Succeeded, "SUCCESS"))
		var waits []time.Duration
		start := time.Now()
		if _, err := WaitForJob(context.Background(), s.poll, WithInterval(time.Millisecond, 2*time.Millisecond), recordWaits(&waits)); err != nil {
			t.Fatal(err)
		}
		if len(waits) != 1 || waits[0] != 40*time.Millisecond {
			t.Errorf("waits = %v, want [40ms]", waits)
		}
		if d := time.Since(start); d < 40*time.Millisecond {
			t.Errorf("returned after %v, before the Retry-After", d)
		}
	})
	t.Run("shorter than the interval changes nothing", func(t *testing.T) {
		s := newScript(t, fail(throttled(time.Nanosecond)), ok(Succeeded, "SUCCESS"))
		var waits []time.Duration
		if _, err := WaitForJob(context.Background(), s.poll, WithInterval(5*time.Millisecond, 5*time.Millisecond), recordWaits(&waits)); err != nil {
			t.Fatal(err)
		}
		if len(waits) != 1 || waits[0] != 5*time.Millisecond {
			t.Errorf("waits = %v, want [5ms]", waits)
		}
	})
	capped := func(t *testing.T, min, max, ra, want time.Duration) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		s := newScript(t, fail(throttled(ra)))
		var waits []time.Duration
		_, err := WaitForJob(ctx, s.poll, WithInterval(min, max),
			withHooks(nil, func(d time.Duration) { waits = append(waits, d); cancel() }))
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v", err)
		}
		if len(waits) != 1 || waits[0] != want {
			t.Errorf("waits = %v, want [%v]", waits, want)
		}
	}
	t.Run("capped at RetryAfterCap", func(t *testing.T) {
		capped(t, time.Millisecond, 2*time.Millisecond, time.Hour, RetryAfterCap)
	})
	t.Run("capped at a max interval above RetryAfterCap", func(t *testing.T) {
		capped(t, time.Second, 5*time.Minute, time.Hour, 5*time.Minute)
	})
}

func TestCancelWhileSleeping(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := newScript(t, ok(Running, "RUNNING"))
	var cancelled time.Time
	timer := time.AfterFunc(20*time.Millisecond, func() { cancelled = time.Now(); cancel() })
	defer timer.Stop()
	got, err := WaitForJob(ctx, s.poll, WithInterval(time.Hour, time.Hour))
	returned := time.Now()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := returned.Sub(cancelled); d > 100*time.Millisecond {
		t.Errorf("returned %v after the cancel", d)
	}
	if want := "jobs: stopped waiting (last status RUNNING): context canceled"; err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
	if got.Word != "RUNNING" {
		t.Errorf("status = %+v, want the last one seen", got)
	}
}

func TestDeadlineWhileSleeping(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	s := newScript(t, ok(Pending, "INIT"))
	start := time.Now()
	_, err := WaitForJob(ctx, s.poll, WithInterval(time.Hour, time.Hour))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 130*time.Millisecond {
		t.Errorf("returned after %v with a 30ms deadline", d)
	}
	if !strings.Contains(err.Error(), "INIT") {
		t.Errorf("err = %q, want the last word in it", err)
	}
}

func TestCancelInsidePoll(t *testing.T) {
	for _, tt := range []struct {
		name string
		want error
		ctx  func() (context.Context, context.CancelFunc)
	}{
		{"cancel", context.Canceled, func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(20*time.Millisecond, cancel)
			return ctx, cancel
		}},
		// The poll's url.Error wraps DeadlineExceeded, which from a live
		// context would be transient; from the caller's own it must stop.
		{"deadline", context.DeadlineExceeded, func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 20*time.Millisecond)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := tt.ctx()
			defer cancel()
			polls := 0
			poll := func(ctx context.Context) (Status, error) {
				polls++
				if polls == 1 {
					return Status{State: Running, Word: "migration_driver_in_progress"}, nil
				}
				<-ctx.Done()
				return Status{}, &url.Error{Op: "Get", URL: "https://manila.example", Err: ctx.Err()}
			}
			start := time.Now()
			_, err := WaitForJob(ctx, poll, fast)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if d := time.Since(start); d > 120*time.Millisecond {
				t.Errorf("returned after %v", d)
			}
			if polls != 2 {
				t.Errorf("polls = %d, want 2 (no retry after the cancel)", polls)
			}
			if !strings.Contains(err.Error(), "last status migration_driver_in_progress") {
				t.Errorf("err = %q", err)
			}
		})
	}
}

func TestCancelledBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := newScript(t)
	_, err := WaitForJob(ctx, s.poll, fast)
	if !errors.Is(err, context.Canceled) || s.polls != 0 {
		t.Errorf("err = %v, polls = %d; want Canceled and no poll", err, s.polls)
	}
	if want := "jobs: stopped waiting (before the first status): context canceled"; err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
}

func TestCancelCauseIsWrapped(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	cause := errors.New("draining host compute-7 aborted")
	cancel(cause)
	_, err := WaitForJob(ctx, newScript(t).poll, fast)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, cause) {
		t.Errorf("err = %v, want both context.Canceled and the cause", err)
	}
}

func TestInitialDelay(t *testing.T) {
	t.Run("waits before the first poll", func(t *testing.T) {
		s := newScript(t, ok(Succeeded, "SUCCESS"))
		var waits []time.Duration
		start := time.Now()
		if _, err := WaitForJob(context.Background(), s.poll, WithInitialDelay(30*time.Millisecond), fast, recordWaits(&waits)); err != nil {
			t.Fatal(err)
		}
		if d := s.times[0].Sub(start); d < 30*time.Millisecond {
			t.Errorf("first poll after %v, want at least 30ms", d)
		}
		if len(waits) != 1 || waits[0] != 30*time.Millisecond {
			t.Errorf("waits = %v, want [30ms]", waits)
		}
	})
	t.Run("cancellable", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		s := newScript(t)
		start := time.Now()
		_, err := WaitForJob(ctx, s.poll, WithInitialDelay(time.Hour))
		if !errors.Is(err, context.DeadlineExceeded) || s.polls != 0 {
			t.Errorf("err = %v, polls = %d", err, s.polls)
		}
		if d := time.Since(start); d > 120*time.Millisecond {
			t.Errorf("returned after %v", d)
		}
	})
}

func TestInvalidInput(t *testing.T) {
	var nilCtx context.Context
	bg := context.Background()
	tests := []struct {
		name  string
		ctx   context.Context
		nilFn bool
		opt   Option
		field string
	}{
		{"nil ctx", nilCtx, false, nil, "ctx"},
		{"nil poller", bg, true, nil, "poll"},
		{"negative initial delay", bg, false, WithInitialDelay(-time.Second), "jobs.WithInitialDelay"},
		{"negative min", bg, false, WithInterval(-time.Second, time.Second), "jobs.WithInterval"},
		{"negative max", bg, false, WithInterval(0, -time.Second), "jobs.WithInterval"},
		{"min above max", bg, false, WithInterval(2*time.Second, time.Second), "jobs.WithInterval"},
		{"zero min with positive max", bg, false, WithInterval(0, time.Second), "jobs.WithInterval"},
		{"negative max poll errors", bg, false, WithMaxPollErrors(-1), "jobs.WithMaxPollErrors"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScript(t)
			var poll Poller = s.poll
			if tt.nilFn {
				poll = nil
			}
			_, err := WaitForJob(tt.ctx, poll, tt.opt)
			var ve *cloudmigrate.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %T %v, want *cloudmigrate.ValidationError", err, err)
			}
			if ve.Field != tt.field {
				t.Errorf("Field = %q, want %q (%v)", ve.Field, tt.field, err)
			}
			if s.polls != 0 {
				t.Errorf("polled %d times despite bad input", s.polls)
			}
		})
	}

	t.Run("Wait", func(t *testing.T) {
		get := func(context.Context) (int, error) { t.Error("polled"); return 0, nil }
		status := func(int) Status { return Status{State: Succeeded} }
		for _, tt := range []struct {
			name   string
			ctx    context.Context
			get    func(context.Context) (int, error)
			status func(int) Status
			field  string
		}{
			{"nil ctx", nilCtx, get, status, "ctx"},
			{"nil get", bg, nil, status, "get"},
			{"nil status", bg, get, nil, "status"},
		} {
			_, err := Wait(tt.ctx, tt.get, tt.status, fast)
			var ve *cloudmigrate.ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.field {
				t.Errorf("%s: err = %v, want a ValidationError for %q", tt.name, err, tt.field)
			}
		}
	})

	t.Run("accepted edge values", func(t *testing.T) {
		for _, opts := range [][]Option{
			{WithInterval(0, 0)},
			{WithInterval(time.Millisecond, time.Millisecond)},
			{WithMaxPollErrors(0), WithInitialDelay(0)},
			{nil, WithProgress(nil)},
		} {
			s := newScript(t, ok(Running, "RUNNING"), ok(Succeeded, "SUCCESS"))
			if _, err := WaitForJob(bg, s.poll, append(opts, fast)...); err != nil {
				t.Errorf("err = %v", err)
			}
		}
	})
}

// goid returns the current goroutine's ID, parsed from its stack header.
func goid() int {
	var buf [64]byte
	n := runtime.Stack(buf[:], false)
	f := strings.Fields(string(buf[:n]))
	id, _ := strconv.Atoi(f[1])
	return id
}

func TestProgress(t *testing.T) {
	e := fail(apiErr(503))
	s := newScript(t,
		ok(Pending, "INIT"),
		e,
		step{st: Status{State: Running, Word: "RUNNING", Progress: 40}},
		step{st: Status{State: Running, Word: "RUNNING", Progress: 80}},
		ok(Succeeded, "SUCCESS"),
	)
	me := goid()
	var seen []Status
	successes := 0
	poll := func(ctx context.Context) (Status, error) {
		// The callback for the previous success ran before this poll.
		if len(seen) != successes {
			t.Errorf("poll %d: %d callbacks for %d successful polls", s.polls+1, len(seen), successes)
		}
		st, err := s.poll(ctx)
		if err == nil {
			successes++
		}
		return st, err
	}
	progress := func(st Status) {
		if g := goid(); g != me {
			t.Errorf("callback on goroutine %d, caller is %d", g, me)
		}
		seen = append(seen, st)
	}
	if _, err := WaitForJob(context.Background(), poll, fast, WithProgress(progress)); err != nil {
		t.Fatal(err)
	}
	var want []Status
	for _, st := range s.steps {
		if st.err == nil {
			want = append(want, st.st)
		}
	}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("callbacks = %v, want %v (every success, the last included, no errors)", seen, want)
	}
}

func TestUnknownStatesKeepWaiting(t *testing.T) {
	words := Words{"INIT": Pending, "RUNNING": Running, "SUCCESS": Succeeded, "FAIL": Failed}
	answers := []string{"INIT", "QUEUED_FOR_HOST", "RUNNING", "SUCCESS"}
	n := 0
	get := func(context.Context) (string, error) { n++; return answers[n-1], nil }
	var seen []Status
	got, err := Wait(context.Background(), get, words.Status, fast, WithProgress(func(s Status) { seen = append(seen, s) }))
	if err != nil || got != "SUCCESS" {
		t.Fatalf("got %q, %v", got, err)
	}
	if seen[1].State != Running || seen[1].Word != "QUEUED_FOR_HOST" {
		t.Errorf("unknown word reported as %+v, want running with the word kept", seen[1])
	}

	// States outside the defined ones are not terminal either.
	s := newScript(t, ok(State(0), ""), ok(State(99), "?"), ok(Succeeded, "SUCCESS"))
	if _, err := WaitForJob(context.Background(), s.poll, fast); err != nil || s.polls != 3 {
		t.Errorf("err = %v, polls = %d", err, s.polls)
	}
}

type fakeJob struct {
	ID     string
	Status string
	Reason string
}

func fakeJobStatus(j *fakeJob) Status {
	s := Words{"RUNNING": Running, "SUCCESS": Succeeded, "FAIL": Failed}.Status(j.Status)
	s.Message = j.Reason
	return s
}

func TestWaitReturnsTypedObject(t *testing.T) {
	run := func(steps ...any) func(context.Context) (*fakeJob, error) {
		i := 0
		return func(context.Context) (*fakeJob, error) {
			s := steps[i]
			i++
			if err, isErr := s.(error); isErr {
				return nil, err
			}
			return s.(*fakeJob), nil
		}
	}
	r1 := &fakeJob{ID: "j", Status: "RUNNING"}
	t.Run("success", func(t *testing.T) {
		done := &fakeJob{ID: "j", Status: "SUCCESS"}
		got, err := Wait(context.Background(), run(r1, done), fakeJobStatus, fast)
		if err != nil || got != done {
			t.Errorf("got %+v, %v; want the final object", got, err)
		}
	})
	t.Run("failure", func(t *testing.T) {
		failed := &fakeJob{ID: "j", Status: "FAIL", Reason: "no capacity"}
		got, err := Wait(context.Background(), run(r1, failed), fakeJobStatus, fast)
		var fe *FailedError
		if !errors.As(err, &fe) {
			t.Fatalf("err = %v, want *FailedError", err)
		}
		if got != failed || fe.Job != any(failed) {
			t.Errorf("returned %+v, Job %+v; want both the final object", got, fe.Job)
		}
		if fe.Status.Message != "no capacity" {
			t.Errorf("Status = %+v", fe.Status)
		}
	})
	t.Run("poll error after successes", func(t *testing.T) {
		got, err := Wait(context.Background(), run(r1, apiErr(404)), fakeJobStatus, fast)
		if !cloudmigrate.IsNotFound(err) || got != r1 {
			t.Errorf("got %+v, %v; want the last object and the 404", got, err)
		}
	})
	t.Run("poll error first", func(t *testing.T) {
		got, err := Wait(context.Background(), run(apiErr(404)), fakeJobStatus, fast)
		if err == nil || got != nil {
			t.Errorf("got %+v, %v; want nil and an error", got, err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		got, err := Wait(ctx, run(r1, r1), fakeJobStatus, fast,
			WithProgress(func(Status) { cancel() }))
		if !errors.Is(err, context.Canceled) || got != r1 {
			t.Errorf("got %+v, %v; want the last object and Canceled", got, err)
		}
	})
}

func TestConcurrentWaits(t *testing.T) {
	const n = 200
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			running := i % 5
			final := ok(Succeeded, "SUCCESS")
			if i%7 == 0 {
				final = step{st: Status{State: Failed, Word: "FAIL", Code: "E" + strconv.Itoa(i)}}
			}
			steps := append(repeat(running, ok(Running, "RUNNING")), final)
			if i%3 == 0 {
				steps = append([]step{fail(apiErr(503))}, steps...)
			}
			s := newScript(t, steps...)
			progress := 0
			st, err := WaitForJob(context.Background(), s.poll,
				WithInterval(100*time.Microsecond, time.Millisecond),
				WithProgress(func(Status) { progress++ }))
			switch {
			case s.polls != len(steps):
				errs <- fmt.Errorf("wait %d: %d polls, want %d", i, s.polls, len(steps))
			case progress != running+1:
				errs <- fmt.Errorf("wait %d: %d callbacks, want %d", i, progress, running+1)
			case i%7 == 0:
				var fe *FailedError
				if !errors.As(err, &fe) || fe.Status.Code != "E"+strconv.Itoa(i) {
					errs <- fmt.Errorf("wait %d: err = %v", i, err)
				}
			case err != nil || st.State != Succeeded:
				errs <- fmt.Errorf("wait %d: %+v, %v", i, st, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestNoGoroutineOutlivesTheCall(t *testing.T) {
	settle := func(limit int) int {
		var g int
		for range 200 {
			if g = runtime.NumGoroutine(); g <= limit {
				return g
			}
			runtime.Gosched()
			time.Sleep(5 * time.Millisecond)
		}
		return g
	}
	before := runtime.NumGoroutine()
	for i := range 100 {
		switch i % 4 {
		case 0: // success after some polls
			s := newScript(t, ok(Running, "R"), ok(Running, "R"), ok(Succeeded, "S"))
			_, _ = WaitForJob(context.Background(), s.poll, fast)
		case 1: // deadline while sleeping a long interval
			ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
			_, _ = WaitForJob(ctx, newScript(t, ok(Running, "R")).poll, WithInterval(time.Hour, time.Hour))
			cancel()
		case 2: // permanent error
			_, _ = WaitForJob(context.Background(), newScript(t, fail(apiErr(404))).poll, fast)
		case 3: // failed job through Wait
			ctx, cancel := context.WithCancel(context.Background())
			s := newScript(t, fail(apiErr(503)), ok(Failed, "FAIL"))
			_, _ = Wait(ctx, s.poll, func(s Status) Status { return s }, fast)
			cancel()
		}
	}
	if after := settle(before); after > before {
		buf := make([]byte, 1<<16)
		t.Errorf("goroutines: %d before, %d after\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
}
