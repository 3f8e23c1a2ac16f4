package fakeclock

import (
	"sync"
	"testing"
	"time"
)

func TestStoppedClockMovesOnlyByAdvance(t *testing.T) {
	c := New()
	if !c.Now().Equal(Start) {
		t.Fatalf("starts at %v", c.Now())
	}
	time.Sleep(2 * time.Millisecond)
	if !c.Now().Equal(Start) {
		t.Error("a stopped clock moved by itself")
	}
	c.Advance(90 * time.Second)
	if got := c.Now().Sub(Start); got != 90*time.Second {
		t.Errorf("after Advance: %v", got)
	}
}

func TestRunFollowsRealTimeMultiplied(t *testing.T) {
	c := New()
	real := time.Unix(0, 0)
	var mu sync.Mutex
	c.realNow = func() time.Time { mu.Lock(); defer mu.Unlock(); return real }
	step := func(d time.Duration) { mu.Lock(); real = real.Add(d); mu.Unlock() }

	c.Run(60)
	if c.Speed() != 60 {
		t.Errorf("Speed %v after Run(60)", c.Speed())
	}
	step(time.Second)
	if got := c.Now().Sub(Start); got != time.Minute {
		t.Errorf("1s at 60x: %v", got)
	}
	c.Advance(time.Hour) // adds to a running clock
	step(time.Second)
	if got := c.Now().Sub(Start); got != time.Hour+2*time.Minute {
		t.Errorf("after Advance while running: %v", got)
	}
	c.Run(0)
	step(time.Hour)
	if got := c.Now().Sub(Start); got != time.Hour+2*time.Minute {
		t.Errorf("stopped again, yet moved: %v", got)
	}
	c.Run(-5)
	if c.Speed() != 0 {
		t.Errorf("Speed %v after Run(-5)", c.Speed())
	}
	step(time.Second)
	if got := c.Now().Sub(Start); got != time.Hour+2*time.Minute {
		t.Errorf("a negative speed moved the clock: %v", got)
	}
}

func TestClockIsSafeForConcurrentUse(t *testing.T) {
	c := New()
	c.Run(1)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				c.Advance(time.Second)
				_ = c.Now()
			}
		}()
	}
	wg.Wait()
	if c.Now().Sub(Start) < 800*time.Second {
		t.Errorf("lost advances: %v", c.Now().Sub(Start))
	}
}
