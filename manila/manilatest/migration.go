package manilatest

import (
	"time"

	"github.com/cloudmigrate/cloudmigrate/internal/fake"
	"github.com/cloudmigrate/cloudmigrate/manila"
)

// Task states, as Manila writes them.
const (
	tsStarting         = string(manila.TaskStateMigrationStarting)
	tsInProgress       = string(manila.TaskStateMigrationInProgress)
	tsDriverStarting   = string(manila.TaskStateMigrationDriverStarting)
	tsDriverInProgress = string(manila.TaskStateMigrationDriverInProgress)
	tsPhase1Done       = string(manila.TaskStateMigrationDriverPhase1Done)
	tsCompleting       = string(manila.TaskStateMigrationCompleting)
	tsSuccess          = string(manila.TaskStateMigrationSuccess)
	tsCancelInProgress = string(manila.TaskStateMigrationCancelInProgress)
	tsCancelled        = string(manila.TaskStateMigrationCancelled)
	tsError            = string(manila.TaskStateMigrationError)
	tsCopyStarting     = string(manila.TaskStateDataCopyingStarting)
	tsCopyInProgress   = string(manila.TaskStateDataCopyingInProgress)
	tsCopyCompleted    = string(manila.TaskStateDataCopyingCompleted)
	tsCopyError        = string(manila.TaskStateDataCopyingError)
)

// destinationFromStep is the index of migration_driver_starting in the
// first phase's steps: Manila creates the destination share server then.
const destinationFromStep = 2

// segKind says what started a segment of a migration's history.
type segKind int

const (
	segPhase1   segKind = iota // migration_start
	segComplete                // migration_complete
	segCancel                  // migration_cancel
	segReset                   // reset_task_state: the state stays put
)

// segment is one stretch of a migration's history: a timeline started by
// an action. The last segment is the current one.
type segment struct {
	kind segKind
	tl   fake.Timeline
}

// migration is the history of one migration, share server or share. Its
// task state is a function of the clock: each action appends a timeline
// starting at the moment it was accepted, and the state is the current
// timeline's position.
type migration struct {
	segs []segment
	// cleanup is how long the source of a share-server migration stays
	// once the migration succeeded, before Manila deletes it; zero keeps
	// it (a share's migration leaves no source behind).
	cleanup time.Duration
}

// gone reports whether, at now, Manila has deleted the source of this
// migration: cleanup after it succeeded.
func (m *migration) gone(now time.Time) bool {
	if m.cleanup <= 0 || m.settled(now) != tsSuccess {
		return false
	}
	for i := len(m.segs) - 1; i >= 0; i-- {
		if m.segs[i].kind == segComplete {
			_, idx, _ := m.segs[i].tl.At(now)
			return !now.Before(stepStart(m.segs[i].tl, idx).Add(m.cleanup))
		}
	}
	return false
}

// outcome is where a migration stands at some moment.
type outcome struct {
	state string
	kind  segKind // the segment the state comes from
	// progress is total_progress as Manila reports it.
	progress int
	// destinationExists is true once the driver has been asked to start,
	// which is when Manila creates the destination share server.
	destinationExists bool
}

// phase1Steps returns the first phase's timeline steps. failed ends the
// copy in migration_error; rejected ends before the driver starts (the
// destination could not give the requested guarantees); hostAssisted uses
// the data service's states of a per-share migration.
func phase1Steps(d Durations, failed, rejected, hostAssisted bool) []fake.Step {
	starting, inProgress, done, fail := tsDriverStarting, tsDriverInProgress, tsPhase1Done, tsError
	if hostAssisted {
		starting, inProgress, done, fail = tsCopyStarting, tsCopyInProgress, tsCopyCompleted, tsCopyError
	}
	if rejected {
		return []fake.Step{{State: tsStarting, For: d.Starting}, {State: tsInProgress, For: d.InProgress}, {State: tsError}}
	}
	last, copyFor := done, d.DriverInProgress
	if failed {
		// A failing copy breaks off half way.
		last, copyFor = fail, d.DriverInProgress/2
	}
	return []fake.Step{
		{State: tsStarting, For: d.Starting},
		{State: tsInProgress, For: d.InProgress},
		{State: starting, For: d.DriverStarting},
		{State: inProgress, For: copyFor},
		{State: last},
	}
}

// newMigration starts a migration at now.
func newMigration(now time.Time, steps []fake.Step) *migration {
	return &migration{segs: []segment{{kind: segPhase1, tl: fake.Timeline{Start: now, Steps: steps}}}}
}

// add appends a segment starting at now.
func (m *migration) add(kind segKind, now time.Time, steps ...fake.Step) {
	m.segs = append(m.segs, segment{kind: kind, tl: fake.Timeline{Start: now, Steps: steps}})
}

// at returns the migration's outcome at now.
func (m *migration) at(now time.Time) outcome {
	last := m.segs[len(m.segs)-1]
	state, idx, _ := last.tl.At(now)
	o := outcome{state: state, kind: last.kind, progress: progressOf(state)}
	if last.kind == segPhase1 && (state == tsDriverInProgress || state == tsCopyInProgress) {
		o.progress = int(100 * stepFraction(last.tl, idx, now))
	}
	// The destination exists once the first phase reached the driver,
	// judged when the first phase ended (or now, if it still runs).
	first := m.segs[0]
	until := now
	if len(m.segs) > 1 {
		until = m.segs[1].tl.Start
	}
	_, i, _ := first.tl.At(until)
	o.destinationExists = i >= destinationFromStep && first.tl.Steps[destinationFromStep].State != tsError
	return o
}

// settled returns the state of the last segment that moves by itself (not
// a reset), judged when the next segment began or now: what the share
// server's status follows.
func (m *migration) settled(now time.Time) string {
	for i := len(m.segs) - 1; i >= 0; i-- {
		if m.segs[i].kind == segReset {
			continue
		}
		until := now
		if i+1 < len(m.segs) {
			until = m.segs[i+1].tl.Start
		}
		st, _, _ := m.segs[i].tl.At(until)
		return st
	}
	return ""
}

// progressOf is Manila's total_progress for a task state outside the
// data copy: 0 while starting, 100 from phase 1 done on.
func progressOf(state string) int {
	switch state {
	case "", tsStarting, tsInProgress, tsDriverStarting, tsDriverInProgress, tsCopyStarting, tsCopyInProgress:
		return 0
	}
	return 100
}

// stepFraction returns how far now is through step idx of tl, 0 to 1.
func stepFraction(tl fake.Timeline, idx int, now time.Time) float64 {
	var start time.Duration
	for _, s := range tl.Steps[:idx] {
		start += s.For
	}
	d := tl.Steps[idx].For
	if d <= 0 {
		return 1
	}
	f := float64(now.Sub(tl.Start)-start) / float64(d)
	return min(max(f, 0), 1)
}

// ending reports whether a task state ends a migration.
func ending(state string) bool {
	switch state {
	case tsSuccess, tsCancelled, tsError, tsCopyError:
		return true
	}
	return false
}

// changedAt returns when the migration's task state last changed, as
// seen at now.
func (m *migration) changedAt(now time.Time) time.Time {
	last := m.segs[len(m.segs)-1].tl
	_, idx, _ := last.At(now)
	return stepStart(last, idx)
}

// stepStart returns when step idx of tl begins.
func stepStart(tl fake.Timeline, idx int) time.Time {
	t := tl.Start
	for _, st := range tl.Steps[:max(min(idx, len(tl.Steps)), 0)] {
		t = t.Add(st.For)
	}
	return t
}
