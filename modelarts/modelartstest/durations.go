package modelartstest

import "time"

// Durations are how long a migration job stays in each stage, on the
// fake's clock; the job's phase is Running in both. WithDurations takes
// them whole: start from DefaultDurations and change what the test needs.
// None may be negative; a zero makes the stage pass at once.
type Durations struct {
	// Checking is how long the nodes show NodeChecking.
	Checking time.Duration
	// Creating is how long they then show NodeCreating before the job
	// ends.
	Creating time.Duration
}

// DefaultDurations are the durations a fake uses unless WithDurations says
// otherwise.
var DefaultDurations = Durations{Checking: DefaultCheckingDuration, Creating: DefaultCreatingDuration}

// WithDurations sets how long a migration job stays in each stage.
func WithDurations(d Durations) Option {
	return func(s *settings) { s.checkFor, s.createFor = d.Checking, d.Creating }
}
