package fake

import (
	"sync"
	"time"
)

// Clock is the time jobs run on. It starts stopped (time moves only by
// Advance) unless Run sets a speed; with a speed, it also moves with real
// time, multiplied.
type Clock struct {
	mu      sync.Mutex
	base    time.Time // fake time at anchor
	anchor  time.Time // real time when base was taken
	speed   float64   // 0: stopped
	realNow func() time.Time
}

// NewClock returns a stopped clock at a fixed start time.
func NewClock() *Clock {
	return &Clock{base: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), realNow: time.Now}
}

// Now returns the fake time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked()
}

func (c *Clock) nowLocked() time.Time {
	if c.speed == 0 {
		return c.base
	}
	return c.base.Add(time.Duration(float64(c.realNow().Sub(c.anchor)) * c.speed))
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.base = c.nowLocked().Add(d)
	c.anchor = c.realNow()
	c.mu.Unlock()
}

// Run lets the clock move with real time at speed (1: real time, 60: a
// minute a second); 0 stops it.
func (c *Clock) Run(speed float64) {
	c.mu.Lock()
	c.base = c.nowLocked()
	c.anchor = c.realNow()
	if speed < 0 {
		speed = 0
	}
	c.speed = speed
	c.mu.Unlock()
}

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
