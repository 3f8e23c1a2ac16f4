package ccetest

import "time"

// Durations are how long a migration job stays in each phase, on the
// fake's clock. WithDurations takes them whole: start from
// DefaultDurations and change what the test needs. None may be negative;
// a zero makes the phase pass at once.
type Durations struct {
	// Init is how long a job stays Initializing.
	Init time.Duration
	// Running is how long it then stays Running before it ends. Its
	// sub-jobs, one per node, end one after another at even intervals
	// over this time, the last one together with the job.
	Running time.Duration
}

// DefaultDurations are the durations a fake uses unless WithDurations says
// otherwise.
var DefaultDurations = Durations{Init: DefaultInitDuration, Running: DefaultRunningDuration}

// WithDurations sets how long a migration job stays in each phase.
func WithDurations(d Durations) Option {
	return func(s *settings) { s.initFor, s.runFor = d.Init, d.Running }
}
