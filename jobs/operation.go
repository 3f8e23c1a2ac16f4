package jobs

import (
	"context"
	"errors"
	"sync"

	"github.com/cloudmigrate/cloudmigrate"
)

// ErrNotDone is returned by Operation.Result while the operation has not
// reached its end.
var ErrNotDone = errors.New("jobs: operation has not finished")

// Step is what one poll of an operation found.
type Step[T any] struct {
	// Status is the operation's status as this poll saw it.
	Status Status
	// Value is the service's object as this poll saw it: the job, the
	// migration record, the share server.
	Value T
	// Err, when Status is terminal and not Succeeded, is the error the
	// operation ends with: a *FailedError carrying the service's reason,
	// or saying that the resource did not arrive where it was asked to go.
	Err error
}

// Stepper is the service side of an Operation. Service packages implement
// it for each kind of move; users meet it only through Operation.
type Stepper[T any] interface {
	// Step polls the operation once. An error is a failure of the poll
	// itself (the service could not be asked), not of the operation; a
	// finished operation is reported through Step's Status and Err.
	// When Status is Succeeded the step has verified that the resource
	// is where it was asked to go.
	Step(ctx context.Context) (Step[T], error)
	// Token returns what is needed to find the operation again. It may
	// change as the operation learns more (a migration ID found late).
	Token() Token
}

// Operation is a handle on one started move: a migration, a job, a
// two-phase share-server migration. Every call in this module that starts
// a move returns one.
//
// Poll makes one step and never waits beyond its requests, for
// controllers that must not block; Wait polls until the end. ResumeToken
// gives compact text from which a client of the same service, endpoint and
// project rebuilds the handle in another process (each service client has
// a Resume method). An operation succeeds only when the service reports
// the move finished and the resource is where it was asked to go.
//
// An Operation is safe for concurrent use; concurrent polls are made one
// after the other. Once it has ended, Poll, Wait and Result return the
// final outcome at once, sending nothing. Every method of a nil *Operation
// returns a *cloudmigrate.ValidationError (or the zero value) instead of
// panicking.
type Operation[T any] struct {
	mu    sync.Mutex
	step  Stepper[T]
	last  Status
	value T
	seen  bool
	done  bool
	err   error
}

// NewOperation returns an Operation driven by s. It is meant for service
// packages; a nil s gives an Operation whose every call fails with a
// *cloudmigrate.ValidationError.
func NewOperation[T any](s Stepper[T]) *Operation[T] {
	return &Operation[T]{step: s}
}

// NewFinishedOperation returns an Operation that has already ended with
// the given status, value and error, such as one adopted from a service
// that reports the move completed.
func NewFinishedOperation[T any](s Stepper[T], st Status, v T, err error) *Operation[T] {
	return &Operation[T]{step: s, last: st, value: v, seen: true, done: true, err: err}
}

var errNilOperation = cloudmigrate.Invalid("operation", "nil *jobs.Operation")

func (o *Operation[T]) check() error {
	if o == nil {
		return errNilOperation
	}
	if o.step == nil {
		return cloudmigrate.Invalid("operation", "operation has no service behind it")
	}
	return nil
}

// Poll makes one step of the operation and returns its status. The
// requests one poll sends are documented on each call that returns an
// Operation. A poll error (the service could not be asked) is returned as
// it came and leaves the operation unchanged; when the step finds the
// operation ended, Poll returns the final Status together with the
// operation's error (nil when it succeeded), and later calls return the
// same without sending anything.
func (o *Operation[T]) Poll(ctx context.Context) (Status, error) {
	if err := o.check(); err != nil {
		return Status{}, err
	}
	if ctx == nil {
		return Status{}, cloudmigrate.Invalid("ctx", "nil context")
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.done {
		return o.last, o.err
	}
	st, err := o.step.Step(ctx)
	if err != nil {
		return o.last, err
	}
	o.last, o.value, o.seen = st.Status, st.Value, true
	if st.Status.State.Terminal() {
		o.done = true
		if st.Status.State != Succeeded {
			o.err = st.Err
			if o.err == nil {
				o.err = &FailedError{Status: st.Status, Job: st.Value}
			}
		}
	}
	return o.last, o.err
}

// Done reports whether the operation has ended (succeeded, failed or been
// cancelled). It sends nothing.
func (o *Operation[T]) Done() bool {
	if o == nil {
		return false
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.done
}

// Status returns the last status seen, without polling (the zero Status
// before the first poll).
func (o *Operation[T]) Status() Status {
	if o == nil {
		return Status{}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.last
}

// Result returns the service's final object and the operation's error once
// it has ended, and ErrNotDone (with the last object seen) before that. It
// sends nothing.
func (o *Operation[T]) Result() (T, error) {
	if err := o.check(); err != nil {
		var zero T
		return zero, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.done {
		return o.value, ErrNotDone
	}
	return o.value, o.err
}

// Wait polls until the operation ends and returns the service's final
// object. It returns nil when the move succeeded (and was verified), a
// *FailedError carrying the service's reason when it failed, was cancelled
// or did not arrive where it was asked to go, and, when ctx is done, an
// error wrapping ctx.Err() (the operation goes on at the service; resume
// it later or wait again). The options are those of WaitForJob.
func (o *Operation[T]) Wait(ctx context.Context, opts ...Option) (T, error) {
	if err := o.check(); err != nil {
		var zero T
		return zero, err
	}
	if o.Done() {
		return o.Result()
	}
	poll := func(ctx context.Context) (Status, error) {
		st, err := o.Poll(ctx)
		if err != nil && o.Done() {
			// The operation ended badly: show the loop a terminal status
			// so it stops, and return the operation's own error below.
			return st, nil
		}
		return st, err
	}
	_, err := loop(ctx, poll, opts)
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.done {
		return o.value, o.err
	}
	return o.value, err
}

// ResumeToken returns compact, URL-safe text from which the service's
// client rebuilds this handle, in this process or another. It holds no
// secret. It is worth saving again after a poll: a token taken before the
// service's migration record was found does not carry its ID, and a resume
// then finds it again.
func (o *Operation[T]) ResumeToken() (string, error) {
	if err := o.check(); err != nil {
		return "", err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.step.Token().Encode(), nil
}

// Aborter is implemented by Steppers whose moves the service can stop
// (nova's live-migration abort, manila's migration cancel).
type Aborter interface {
	Abort(ctx context.Context) error
}

// ErrCannotAbort is returned by Operation.Abort for a kind of move the
// service offers no way to stop.
var ErrCannotAbort = errors.New("jobs: this kind of operation cannot be aborted")

// Abort asks the service to stop the move, sending one request, and
// returns without waiting: poll or wait to see it end (usually Cancelled).
// It returns ErrCannotAbort, sending nothing, for a move the service
// cannot stop, and nil at once for an operation that has already ended.
func (o *Operation[T]) Abort(ctx context.Context) error {
	if err := o.check(); err != nil {
		return err
	}
	if ctx == nil {
		return cloudmigrate.Invalid("ctx", "nil context")
	}
	a, ok := o.step.(Aborter)
	if !ok {
		return ErrCannotAbort
	}
	if o.Done() {
		return nil
	}
	return a.Abort(ctx)
}

// Token returns the decoded form of ResumeToken.
func (o *Operation[T]) Token() Token {
	if o.check() != nil {
		return Token{}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.step.Token()
}

// ID returns the service's job or migration ID, or "" while it is not
// known yet.
func (o *Operation[T]) ID() string { return o.Token().ID }
