// Package jobs waits for asynchronous jobs. Every service in this module
// (ECS and CCE jobs, ModelArts pool jobs, Nova migrations, Manila
// share-server migrations) follows its work through the one loop here, so
// they all wait, back off, fail and stop the same way.
//
// # The loop
//
// WaitForJob calls a Poller until the Status it returns has a terminal
// State:
//
//   - Succeeded: the final Status is returned with a nil error.
//   - Failed or Cancelled: the final Status is returned with a *FailedError
//     that carries the service's word, failure code and message.
//   - Pending, Running, or any State the loop does not know: it waits and
//     polls again.
//
// It polls at once (or after WithInitialDelay), and returns as soon as a
// terminal State is seen, without a further wait. Between polls it waits
// with jittered exponential back-off: the first wait lies between the
// minimum interval and twice that, each later range is twice the one
// before, and no wait exceeds the maximum interval. The jitter keeps many
// waits started together from polling in step.
//
// Wait is the generic form for service wrappers: it polls for the service's
// own object, translates each one into a Status, and returns the last
// object together with the outcome.
//
// # Defaults
//
//   - No initial delay (WithInitialDelay).
//   - Waits between DefaultMinInterval (2s) and DefaultMaxInterval (30s)
//     (WithInterval).
//   - Up to DefaultMaxPollErrors (10) transient poll errors in a row
//     (WithMaxPollErrors).
//   - No progress callback (WithProgress).
//
// There is no overall time limit of its own: bound the wait with the
// context, for example context.WithTimeout.
//
// # Errors
//
// A poll error is transient when it is a *cloudmigrate.Error whose
// Temporary method reports true (throttling, 502, 503, 504) or whose status
// is 500 or above, or a network failure: a net.Error (which includes
// *url.Error and http.Client timeouts), io.ErrUnexpectedEOF, a reset,
// refused or aborted connection, or a per-request deadline that is not the
// caller's. Transient errors are retried with the same back-off as polls.
// When a *cloudmigrate.Error carries a RetryAfter longer than the computed
// wait, the loop waits that long instead, up to the larger of the maximum
// interval and RetryAfterCap (2 minutes, the request pipeline's default
// limit). After more than WithMaxPollErrors consecutive transient errors
// the last one is returned; a successful poll resets the count.
//
// Any other poll error (404, 401, a *cloudmigrate.ValidationError, a
// certificate that does not verify, an error of unknown kind) ends the wait
// at once. It is returned wrapped as "jobs: poll: ...", so errors.As and
// errors.Is reach the original.
//
// When ctx is done, while waiting or during a poll, the loop returns
// promptly with an error that wraps ctx.Err() (and the context's cause, if
// one was set) and names the last status word seen, for example
// "jobs: stopped waiting (last status RUNNING): context deadline exceeded".
// errors.Is(err, context.DeadlineExceeded) or errors.Is(err,
// context.Canceled) holds. The loop never turns a cancellation into
// success or into a nil error.
//
// Invalid input (a nil context, Poller or function, a negative duration, a
// minimum interval above the maximum) is reported as a
// *cloudmigrate.ValidationError before anything is polled.
//
// # Unknown status words
//
// Services add status words over time, and the documented lists are not
// always complete. A service wrapper maps every word it does not recognise
// to Running and puts the word itself in Status.Word (Words does this), so
// the loop keeps waiting and a progress callback can show what the service
// said. The alternatives are worse: failing on an unknown word would break
// working code the day a service adds a step, and treating it as success
// would report work as done that may not be. A job stuck in an unexpected
// word is bounded, like any other, by the caller's context.
//
// # Goroutines and concurrency
//
// The loop runs entirely on the caller's goroutine. It sleeps on a single
// timer that it stops before returning and starts no goroutine, so nothing
// outlives the call. Settings are built per call, so WaitForJob and Wait
// may be called from any number of goroutines at once. The Poller and the
// progress callback run on the caller's goroutine, one call at a time.
//
// # Writing a service wrapper
//
// A service package keeps a Words table for its vocabulary, translates its
// typed object into a Status, and hands both to Wait:
//
//	var jobWords = jobs.Words{
//		"INIT":    jobs.Pending,
//		"RUNNING": jobs.Running,
//		"SUCCESS": jobs.Succeeded,
//		"FAIL":    jobs.Failed,
//	}
//
//	func (j *Job) status() jobs.Status {
//		s := jobWords.Status(j.Status)
//		s.Code, s.Message = j.ErrorCode, j.FailReason
//		return s
//	}
//
//	// WaitForJob polls GET /v1/{project_id}/jobs/{job_id} until the job
//	// ends and returns its final record.
//	func (c *Client) WaitForJob(ctx context.Context, jobID string, opts ...jobs.Option) (*Job, error) {
//		get := func(ctx context.Context) (*Job, error) { return c.GetJob(ctx, jobID) }
//		return jobs.Wait(ctx, get, (*Job).status, opts...)
//	}
//
// A caller then writes:
//
//	job, err := c.WaitForJob(ctx, id, jobs.WithProgress(func(s jobs.Status) {
//		log.Printf("job %s: %s", id, s.Word)
//	}))
//	var failed *jobs.FailedError
//	if errors.As(err, &failed) {
//		log.Printf("job failed: %s %s", failed.Status.Code, failed.Status.Message)
//	}
package jobs
