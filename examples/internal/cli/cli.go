// Package cli holds what the example programs share: a main that handles
// Ctrl-C and exit codes, the progress bar, and a failure line that says
// what a support ticket needs.
package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// ErrUsage reports bad flags; the flag package has already said why.
var ErrUsage = errors.New("bad usage")

// Run is a program's body: it reads args, writes its steps to out and
// stops when ctx is done.
type Run func(ctx context.Context, args []string, out io.Writer) error

// Main runs run with a context that Ctrl-C or SIGTERM cancels, then exits:
// 0 on success, 2 on ErrUsage, 1 after printing "name: FAILED: " and
// explain(err) to standard error.
func Main(name string, run Run, explain func(error) string) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	switch {
	case errors.Is(err, ErrUsage):
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, name+": FAILED:", explain(err))
		os.Exit(1)
	}
}

// Progress prints a ten-step bar to out when the status word or the tenth
// of the way changes.
func Progress(out io.Writer) jobs.Option {
	last := ""
	return jobs.WithProgress(func(s jobs.Status) {
		bar := "[          ]    ?"
		switch p := min(s.Progress, 100); {
		case s.State == jobs.Succeeded:
			bar = "[##########] 100%"
		case p >= 0 && !s.State.Terminal():
			bar = fmt.Sprintf("[%-10s] %3d%%", strings.Repeat("#", p/10), p)
		}
		if key := s.Word + bar[:12]; key != last {
			last = key
			fmt.Fprintf(out, "   %s %s\n", bar, cmp.Or(s.Word, "(starting)"))
		}
	})
}

// Explain says why a run failed: a failed job's word, code and reason, or
// a refused request's status, code, request ID and message.
func Explain(err error) string {
	var failed *jobs.FailedError
	var apiErr *cloudmigrate.Error
	switch {
	case errors.As(err, &failed):
		s := "job ended " + failed.Status.Word
		if failed.Status.Code != "" {
			s += ": code " + failed.Status.Code
		}
		if failed.Status.Message != "" {
			s += ": " + failed.Status.Message
		}
		return s
	case errors.As(err, &apiErr):
		return fmt.Sprintf("refused with HTTP %d, code %s, request ID %s: %s",
			apiErr.StatusCode, apiErr.Code, apiErr.RequestID, apiErr.Message)
	}
	return err.Error()
}
