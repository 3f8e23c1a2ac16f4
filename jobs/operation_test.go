package jobs

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
)

// opScript is a Stepper that plays a list of steps, one per poll.
type opScript struct {
	mu      sync.Mutex
	steps   []Step[string]
	errs    []error // poll errors, consumed before the steps
	calls   int
	tok     Token
	aborted int
}

func (s *opScript) Step(ctx context.Context) (Step[string], error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if len(s.errs) > 0 {
		err := s.errs[0]
		s.errs = s.errs[1:]
		return Step[string]{}, err
	}
	st := s.steps[0]
	if len(s.steps) > 1 {
		s.steps = s.steps[1:]
	}
	return st, nil
}

func (s *opScript) Token() Token { return s.tok }

type abortable struct{ *opScript }

func (a abortable) Abort(context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.aborted++
	return nil
}

func running(v string) Step[string] {
	return Step[string]{Status: Status{State: Running, Word: "running", Progress: 50}, Value: v}
}

func opFast() []Option { return []Option{WithInterval(time.Millisecond, time.Millisecond)} }

func TestOperationPollThenEnd(t *testing.T) {
	s := &opScript{steps: []Step[string]{running("a"), {Status: Status{State: Succeeded, Word: "done"}, Value: "b"}}}
	op := NewOperation[string](s)
	ctx := context.Background()
	if _, err := op.Result(); !errors.Is(err, ErrNotDone) {
		t.Fatalf("Result before the end: %v", err)
	}
	st, err := op.Poll(ctx)
	if err != nil || st.State != Running || op.Done() {
		t.Fatalf("first poll: %+v %v done=%v", st, err, op.Done())
	}
	if v, err := op.Result(); v != "a" || !errors.Is(err, ErrNotDone) {
		t.Fatalf("Result mid-way: %q %v", v, err)
	}
	st, err = op.Poll(ctx)
	if err != nil || st.State != Succeeded || !op.Done() {
		t.Fatalf("second poll: %+v %v", st, err)
	}
	for range 3 {
		if st, err := op.Poll(ctx); err != nil || st.State != Succeeded {
			t.Fatalf("poll after the end: %+v %v", st, err)
		}
		if v, err := op.Wait(ctx); v != "b" || err != nil {
			t.Fatalf("Wait after the end: %q %v", v, err)
		}
	}
	if s.calls != 2 {
		t.Errorf("%d steps made, want 2: a finished operation must send nothing", s.calls)
	}
}

func TestOperationWaitFailureCarriesStepError(t *testing.T) {
	reason := &FailedError{Status: Status{State: Failed, Word: "error", Message: "No valid host was found"}}
	s := &opScript{steps: []Step[string]{running("a"), running("a"), {Status: Status{State: Failed, Word: "error"}, Value: "z", Err: reason}}}
	op := NewOperation[string](s)
	v, err := op.Wait(context.Background(), opFast()...)
	if v != "z" || err != reason {
		t.Fatalf("Wait = %q, %v; want z and the step's error", v, err)
	}
	if _, err := op.Poll(context.Background()); err != reason {
		t.Errorf("Poll after a failure: %v", err)
	}
}

func TestOperationFailureWithoutStepError(t *testing.T) {
	s := &opScript{steps: []Step[string]{{Status: Status{State: Cancelled, Word: "cancelled"}, Value: "c"}}}
	_, err := NewOperation[string](s).Wait(context.Background(), opFast()...)
	var fe *FailedError
	if !errors.As(err, &fe) || fe.Status.State != Cancelled || fe.Job != "c" {
		t.Fatalf("err %v, want a *FailedError for the cancelled step holding its value", err)
	}
}

func TestOperationPollErrorLeavesItRunning(t *testing.T) {
	boom := errors.New("connection refused")
	s := &opScript{errs: []error{boom}, steps: []Step[string]{{Status: Status{State: Succeeded}, Value: "ok"}}}
	op := NewOperation[string](s)
	if _, err := op.Poll(context.Background()); err != boom || op.Done() {
		t.Fatalf("poll error: %v done=%v", err, op.Done())
	}
	if st, err := op.Poll(context.Background()); err != nil || st.State != Succeeded {
		t.Fatalf("poll after the error: %+v %v", st, err)
	}
}

func TestOperationWaitCancelled(t *testing.T) {
	s := &opScript{steps: []Step[string]{running("a")}}
	op := NewOperation[string](s)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	v, err := op.Wait(ctx, opFast()...)
	if !errors.Is(err, context.DeadlineExceeded) || v != "a" || op.Done() {
		t.Fatalf("Wait = %q, %v, done=%v; want the last value and the deadline", v, err, op.Done())
	}
}

func TestOperationNilAndBadUse(t *testing.T) {
	var op *Operation[string]
	var ve *cloudmigrate.ValidationError
	if _, err := op.Poll(context.Background()); !errors.As(err, &ve) {
		t.Errorf("nil Poll: %v", err)
	}
	if _, err := op.Wait(context.Background()); !errors.As(err, &ve) {
		t.Errorf("nil Wait: %v", err)
	}
	if _, err := op.Result(); !errors.As(err, &ve) {
		t.Errorf("nil Result: %v", err)
	}
	if _, err := op.ResumeToken(); !errors.As(err, &ve) {
		t.Errorf("nil ResumeToken: %v", err)
	}
	if err := op.Abort(context.Background()); !errors.As(err, &ve) {
		t.Errorf("nil Abort: %v", err)
	}
	if op.Done() || op.ID() != "" || op.Status() != (Status{}) {
		t.Error("nil Done/ID/Status not zero")
	}
	empty := NewOperation[string](nil)
	if _, err := empty.Poll(context.Background()); !errors.As(err, &ve) {
		t.Errorf("Poll without a stepper: %v", err)
	}
	s := &opScript{steps: []Step[string]{running("a")}}
	//lint:ignore SA1012 a nil context is what is tested
	if _, err := NewOperation[string](s).Poll(nil); !errors.As(err, &ve) || s.calls != 0 {
		t.Errorf("Poll(nil ctx): %v after %d steps", err, s.calls)
	}
}

func TestOperationTokenAndID(t *testing.T) {
	s := &opScript{steps: []Step[string]{running("a")}, tok: Token{Service: "nova", Kind: "live-migrate", Endpoint: "https://n", ID: "7"}}
	op := NewOperation[string](s)
	if op.ID() != "7" {
		t.Errorf("ID %q", op.ID())
	}
	text, err := op.ResumeToken()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseToken(text)
	if err != nil || back.ID != "7" || back.Service != "nova" {
		t.Fatalf("token %q parsed to %+v, %v", text, back, err)
	}
}

func TestOperationAbort(t *testing.T) {
	plain := NewOperation[string](&opScript{steps: []Step[string]{running("a")}})
	if err := plain.Abort(context.Background()); !errors.Is(err, ErrCannotAbort) {
		t.Errorf("Abort of a stepper without Abort: %v", err)
	}
	s := &opScript{steps: []Step[string]{running("a"), {Status: Status{State: Cancelled}}}}
	op := NewOperation[string](abortable{s})
	if err := op.Abort(context.Background()); err != nil || s.aborted != 1 {
		t.Fatalf("Abort: %v, %d aborts", err, s.aborted)
	}
	_, _ = op.Wait(context.Background(), opFast()...)
	if err := op.Abort(context.Background()); err != nil || s.aborted != 1 {
		t.Errorf("Abort after the end sent one: %v, %d aborts", err, s.aborted)
	}
}

func TestOperationConcurrentPolls(t *testing.T) {
	steps := make([]Step[string], 50)
	for i := range steps {
		steps[i] = running("r")
	}
	steps = append(steps, Step[string]{Status: Status{State: Succeeded}, Value: "done"})
	s := &opScript{steps: steps}
	op := NewOperation[string](s)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if v, err := op.Wait(context.Background(), opFast()...); v != "done" || err != nil {
				t.Errorf("Wait = %q, %v", v, err)
			}
		}()
	}
	wg.Wait()
	if s.calls != len(steps) {
		t.Errorf("%d steps for %d scripted: concurrent waits polled after the end", s.calls, len(steps))
	}
}

func TestFinishedOperation(t *testing.T) {
	s := &opScript{}
	op := NewFinishedOperation[string](s, Status{State: Succeeded, Word: "confirmed"}, "v", nil)
	if v, err := op.Wait(context.Background()); v != "v" || err != nil || !op.Done() {
		t.Fatalf("Wait = %q, %v", v, err)
	}
	if s.calls != 0 {
		t.Errorf("a finished operation polled")
	}
}

func TestInProgressError(t *testing.T) {
	err := error(&cloudmigrate.InProgressError{Resource: "server s1", Evidence: "task_state migrating"})
	if !errors.Is(err, cloudmigrate.ErrInProgress) {
		t.Error("errors.Is(ErrInProgress) does not hold")
	}
	if !strings.Contains(err.Error(), "server s1") || !strings.Contains(err.Error(), "task_state migrating") {
		t.Errorf("text %q", err)
	}
}
