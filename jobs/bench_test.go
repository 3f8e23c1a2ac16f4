package jobs_test

import (
	"context"
	"testing"

	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// pollsPerJob is how many polls each benchmarked wait makes: Running
// pollsPerJob-1 times, then Succeeded.
const pollsPerJob = 100

// countingPoller returns a Poller that reports Running until its n-th
// call, which reports Succeeded.
func countingPoller(n int) jobs.Poller {
	calls := 0
	return func(context.Context) (jobs.Status, error) {
		calls++
		if calls < n {
			return jobs.Status{State: jobs.Running, Word: "RUNNING", Progress: jobs.ProgressUnknown}, nil
		}
		return jobs.Status{State: jobs.Succeeded, Word: "SUCCESS", Progress: 100}, nil
	}
}

func reportPerPoll(b *testing.B) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*pollsPerJob), "ns/poll")
}

// BenchmarkWaitForJobOverhead measures what the loop adds per poll, with
// waiting switched off (WithInterval(0, 0)) so only the bookkeeping is
// timed: context checks, status handling, option set-up spread over the
// polls. Compare its ns/poll with BenchmarkPlainLoop in the same run.
func BenchmarkWaitForJobOverhead(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	noWait := jobs.WithInterval(0, 0)
	b.ReportAllocs()
	for range b.N {
		st, err := jobs.WaitForJob(ctx, countingPoller(pollsPerJob), noWait)
		if err != nil || st.State != jobs.Succeeded {
			b.Fatal(st, err)
		}
	}
	reportPerPoll(b)
}

// BenchmarkPlainLoop is the baseline: a hand-written loop around the same
// poller, checking the context and the state and nothing else.
func BenchmarkPlainLoop(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.ReportAllocs()
	for range b.N {
		poll := countingPoller(pollsPerJob)
		var (
			st  jobs.Status
			err error
		)
		for {
			if err = ctx.Err(); err != nil {
				break
			}
			if st, err = poll(ctx); err != nil || st.State.Terminal() {
				break
			}
		}
		if err != nil || st.State != jobs.Succeeded {
			b.Fatal(st, err)
		}
	}
	reportPerPoll(b)
}
