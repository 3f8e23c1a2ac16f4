package jobs

import (
	"math/rand/v2"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
)

// Defaults used when no option says otherwise.
const (
	// DefaultMinInterval is the shortest wait between two polls.
	DefaultMinInterval = 2 * time.Second
	// DefaultMaxInterval is the longest wait between two polls.
	DefaultMaxInterval = 30 * time.Second
	// DefaultMaxPollErrors is how many transient poll errors in a row the
	// loop tolerates before it gives up.
	DefaultMaxPollErrors = 10
	// RetryAfterCap bounds a wait the service asks for through Retry-After
	// when it is longer than the maximum interval: such a wait is honoured
	// up to the larger of the maximum interval and RetryAfterCap, the
	// request pipeline's default limit.
	RetryAfterCap = 2 * time.Minute
)

// Option changes how WaitForJob and Wait poll. An option given a bad value
// makes the wait fail with a *cloudmigrate.ValidationError before the first
// poll. A nil Option is ignored.
type Option func(*settings)

// settings is the resolved configuration of one wait. Each call builds its
// own, so nothing is shared between concurrent waits.
type settings struct {
	initialDelay  time.Duration
	minInterval   time.Duration
	maxInterval   time.Duration
	maxPollErrors int
	progress      func(Status)

	// err is the first bad option value seen.
	err error

	// Test hooks, set only by this package's tests.
	randN  func(n int64) int64   // uniform in [0, n); default rand.Int64N
	onWait func(d time.Duration) // told every wait before it starts
}

func defaultSettings() settings {
	return settings{
		minInterval:   DefaultMinInterval,
		maxInterval:   DefaultMaxInterval,
		maxPollErrors: DefaultMaxPollErrors,
		randN:         rand.Int64N,
	}
}

func (s *settings) fail(err error) {
	if s.err == nil {
		s.err = err
	}
}

// WithInitialDelay waits d before the first poll (default 0: poll at once).
// Useful for jobs that are known not to finish for a while. A negative d is
// an error.
func WithInitialDelay(d time.Duration) Option {
	return func(s *settings) {
		if d < 0 {
			s.fail(cloudmigrate.Invalid("jobs.WithInitialDelay", "negative delay %v", d))
			return
		}
		s.initialDelay = d
	}
}

// WithInterval bounds the waits between polls (defaults DefaultMinInterval
// and DefaultMaxInterval). Waits grow exponentially with jitter: the n-th
// wait (from 0) is drawn uniformly between min·2ⁿ and min·2ⁿ⁺¹, with both
// ends limited to [min, max]. Every wait is therefore at least min and at
// most max, except when the service asks for a longer one (see
// RetryAfterCap).
//
// Both durations must be non-negative and min must not exceed max. A zero
// min is accepted only together with a zero max: WithInterval(0, 0) polls
// back to back, which is meant for tests against in-process fakes, never
// for real services.
func WithInterval(min, max time.Duration) Option {
	return func(s *settings) {
		switch {
		case min < 0 || max < 0:
			s.fail(cloudmigrate.Invalid("jobs.WithInterval", "negative interval (min %v, max %v)", min, max))
		case min > max:
			s.fail(cloudmigrate.Invalid("jobs.WithInterval", "min %v is greater than max %v", min, max))
		case min == 0 && max > 0:
			s.fail(cloudmigrate.Invalid("jobs.WithInterval", "min must be positive when max (%v) is", max))
		default:
			s.minInterval, s.maxInterval = min, max
		}
	}
}

// WithProgress calls fn with the status after every successful poll,
// including the last one. fn runs synchronously on the goroutine that
// called WaitForJob or Wait, before the next wait starts, so it needs no
// locking of its own but should return quickly. A nil fn removes the
// callback.
func WithProgress(fn func(Status)) Option {
	return func(s *settings) { s.progress = fn }
}

// WithMaxPollErrors sets how many transient poll errors in a row are
// tolerated (default DefaultMaxPollErrors). A successful poll resets the
// count. With n = 0 the first poll error of any kind ends the wait. A
// negative n is an error.
func WithMaxPollErrors(n int) Option {
	return func(s *settings) {
		if n < 0 {
			s.fail(cloudmigrate.Invalid("jobs.WithMaxPollErrors", "negative count %d", n))
			return
		}
		s.maxPollErrors = n
	}
}
