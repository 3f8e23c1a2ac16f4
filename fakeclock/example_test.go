package fakeclock_test

import (
	"fmt"
	"time"

	"github.com/cloudmigrate/cloudmigrate/fakeclock"
)

// A clock stands still until it is moved.
func Example() {
	c := fakeclock.New()
	fmt.Println(c.Now().Format(time.RFC3339))
	c.Advance(90 * time.Second)
	fmt.Println(c.Now().Format(time.RFC3339))
	// Output:
	// 2026-01-02T03:04:05Z
	// 2026-01-02T03:05:35Z
}
