package ecstest

import "time"

// Durations are how long the fake's jobs stay in each state, on the
// fake's clock. WithDurations takes them whole: start from
// DefaultDurations and change what the test needs. None may be negative;
// a zero makes the state pass at once.
type Durations struct {
	// Init is how long every job stays INIT.
	Init time.Duration
	// Running is how long a cold-migration job then stays RUNNING before
	// it ends.
	Running time.Duration
	// Action is how long a stop or start job then stays RUNNING before it
	// ends.
	Action time.Duration
}

// DefaultDurations are the durations a fake uses unless WithDurations says
// otherwise.
var DefaultDurations = Durations{Init: DefaultInitDuration, Running: DefaultRunningDuration, Action: DefaultActionDuration}

// WithDurations sets how long the fake's jobs stay in each state.
func WithDurations(d Durations) Option {
	return func(s *settings) { s.initFor, s.runFor, s.actionFor = d.Init, d.Running, d.Action }
}
