// Package clitest runs an example program's body in a test.
package clitest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate/examples/internal/cli"
)

// Run calls run with args and a 10-second deadline, logs what it printed
// and returns that output with run's error.
func Run(t testing.TB, run cli.Run, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out strings.Builder
	err := run(ctx, args, &out)
	t.Log("\n" + out.String())
	return out.String(), err
}
