package fake

import (
	"time"

	"github.com/cloudmigrate/cloudmigrate/fakeclock"
)

// Clock is the time jobs run on; the public fakes hand it to tests.
type Clock = fakeclock.Clock

// NewClock returns a stopped clock at a fixed start time.
func NewClock() *Clock { return fakeclock.New() }

// Step is one state of a timeline and how long it lasts.
type Step struct {
	// State is the service's word for the step.
	State string
	// For is how long the step lasts.
	For time.Duration
}

// Timeline walks through Steps from Start; the last step lasts for ever.
type Timeline struct {
	// Start is when the first step begins.
	Start time.Time
	// Steps follow one another in order.
	Steps []Step
}

// At returns the state at t, its index, and how far through the whole
// timeline t is, from 0 to 1 (1 once the last step is reached).
func (tl Timeline) At(t time.Time) (state string, index int, done float64) {
	if len(tl.Steps) == 0 {
		return "", -1, 1
	}
	elapsed := t.Sub(tl.Start)
	var total time.Duration
	for _, s := range tl.Steps[:len(tl.Steps)-1] {
		total += s.For
	}
	var acc time.Duration
	for i, s := range tl.Steps[:len(tl.Steps)-1] {
		if elapsed < acc+s.For {
			if total == 0 {
				return s.State, i, 0
			}
			if elapsed < 0 {
				elapsed = 0
			}
			return s.State, i, float64(elapsed) / float64(total)
		}
		acc += s.For
	}
	last := len(tl.Steps) - 1
	return tl.Steps[last].State, last, 1
}
