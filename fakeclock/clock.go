// Package fakeclock is the clock the in-process fakes (ecstest, ccetest,
// modelartstest, novatest, manilatest) run their jobs and migrations on.
// A test gets a fake's clock with its Clock method and moves time itself:
//
//	srv := ecstest.NewServer()
//	...
//	srv.Clock().Advance(time.Minute) // the job moves on a minute's worth
//
// A clock starts stopped at 2026-01-02T03:04:05Z, so that a test that
// never advances it sees nothing move. Run makes it follow real time,
// multiplied, for programs such as the examples that wait like a user
// would.
package fakeclock

import (
	"sync"
	"time"
)

// Start is the time every clock starts at.
var Start = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// Clock is a fake time. It stands still (only Advance moves it) unless Run
// gives it a speed; then it also moves with real time, multiplied. It is
// safe for concurrent use.
type Clock struct {
	mu      sync.Mutex
	base    time.Time // fake time at anchor
	anchor  time.Time // real time when base was taken
	speed   float64   // 0: stopped
	realNow func() time.Time
}

// New returns a stopped clock at Start.
func New() *Clock {
	return &Clock{base: Start, realNow: time.Now}
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

// Advance moves the clock forward by d. Whatever the fake's jobs would
// have done in that time is done: their next answer shows it.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.base = c.nowLocked().Add(d)
	c.anchor = c.realNow()
	c.mu.Unlock()
}

// Speed is the speed Run set: 0 while the clock stands still.
func (c *Clock) Speed() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.speed
}

// Run lets the clock move with real time at speed (1: real time, 60: a
// minute a second); 0 stops it again. A negative speed counts as 0.
// Advance still adds to it.
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
