package jobs

import (
	"context"
	"strconv"
	"strings"
)

// State is where a job stands, reduced to the five states every service's
// vocabulary fits into. The zero value is not a valid State; the loop treats
// it, like any value it does not know, as not finished.
type State int

// The states a job can be in. Succeeded, Failed and Cancelled are terminal:
// once a poll reports one of them, waiting stops.
const (
	// Pending means the service accepted the job but has not started it
	// (ECS "INIT", CCE "Initializing", Nova "queued").
	Pending State = iota + 1
	// Running means the job is under way. Words a service wrapper does not
	// recognise are reported as Running too, so waiting goes on.
	Running
	// Succeeded means the job finished and did what was asked.
	Succeeded
	// Failed means the job finished without doing what was asked.
	Failed
	// Cancelled means the job was stopped before it finished, by a user or
	// by the service.
	Cancelled
)

// String returns the state in lower case ("running"), or "State(n)" for a
// value outside the defined ones.
func (s State) String() string {
	switch s {
	case Pending:
		return "pending"
	case Running:
		return "running"
	case Succeeded:
		return "succeeded"
	case Failed:
		return "failed"
	case Cancelled:
		return "cancelled"
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// Terminal reports whether s is final: Succeeded, Failed or Cancelled.
func (s State) Terminal() bool {
	return s == Succeeded || s == Failed || s == Cancelled
}

// ProgressUnknown is the Progress of a Status whose service reports no
// percentage.
const ProgressUnknown = -1

// Status is one observation of a job, as a service wrapper translates it
// from the service's own answer.
type Status struct {
	// State is the service's status reduced to one of the five States.
	State State
	// Word is the service's own status word, unchanged: "RUNNING",
	// "Initializing", "migration_driver_in_progress".
	Word string
	// Progress is the completion in percent, 0 to 100, or ProgressUnknown
	// when the service does not say.
	Progress int
	// Code is the service's failure code ("Ecs.0221"), if it gave one.
	Code string
	// Message is the service's failure reason or message, if it gave one.
	Message string
}

// word names the status for messages: the service's word when there is
// one, the State otherwise.
func (s Status) word() string {
	if s.Word != "" {
		return s.Word
	}
	return s.State.String()
}

// Poller fetches the current status of one job. It is called once per poll
// on the goroutine that called WaitForJob, and must return promptly when
// ctx is done (every service call in this module does).
type Poller func(ctx context.Context) (Status, error)

// Words maps a service's status words to States. Service packages keep one
// table per job type and translate every answer through it, so a word the
// table lacks is handled the same way everywhere: as Running.
type Words map[string]State

// State returns the State for word, or Running when the table does not
// have it.
func (w Words) State(word string) State {
	if s, ok := w[word]; ok {
		return s
	}
	return Running
}

// Status returns a Status carrying word and its State, with Progress set to
// ProgressUnknown. The caller fills in Progress, Code and Message when the
// service provides them.
func (w Words) Status(word string) Status {
	return Status{State: w.State(word), Word: word, Progress: ProgressUnknown}
}

// FailedError is the error WaitForJob and Wait return when a job ends Failed
// or Cancelled. It is always returned as a pointer; find it with errors.As.
type FailedError struct {
	// Status is the final status, with the service's word, failure code and
	// message.
	Status Status
	// Job is the service's own final object, such as an *ecs.Job, when the
	// error comes from Wait; it is nil when it comes from WaitForJob.
	Job any
}

// Error reads like "cloudmigrate: job failed (FAIL): Ecs.0221: reason",
// leaving out the parts the service did not provide.
func (e *FailedError) Error() string {
	var b strings.Builder
	b.WriteString("cloudmigrate: job ")
	if e.Status.State == Cancelled {
		b.WriteString("cancelled")
	} else {
		b.WriteString("failed")
	}
	if e.Status.Word != "" {
		b.WriteString(" (")
		b.WriteString(e.Status.Word)
		b.WriteByte(')')
	}
	if e.Status.Code != "" {
		b.WriteString(": ")
		b.WriteString(e.Status.Code)
	}
	if e.Status.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Status.Message)
	}
	return b.String()
}
