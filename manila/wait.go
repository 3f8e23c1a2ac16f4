package manila

import (
	"context"
	"errors"
	"net/http"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// phase1Words reduces task states to job states for a wait that ends when
// phase 1 is over. States past phase 1 on the successful path count as
// success too: someone else already completed the migration.
var phase1Words = jobs.Words{
	"":                                         jobs.Pending,
	string(TaskStateMigrationStarting):         jobs.Pending,
	string(TaskStateMigrationInProgress):       jobs.Running,
	string(TaskStateMigrationDriverStarting):   jobs.Running,
	string(TaskStateMigrationDriverInProgress): jobs.Running,
	string(TaskStateMigrationDriverPhase1Done): jobs.Succeeded,
	string(TaskStateMigrationCompleting):       jobs.Succeeded,
	string(TaskStateMigrationSuccess):          jobs.Succeeded,
	string(TaskStateMigrationCancelInProgress): jobs.Running,
	string(TaskStateMigrationCancelled):        jobs.Cancelled,
	string(TaskStateMigrationError):            jobs.Failed,
}

// completeWords reduces task states to job states for a wait that ends
// when the whole migration is over.
var completeWords = jobs.Words{
	"":                                         jobs.Pending,
	string(TaskStateMigrationStarting):         jobs.Pending,
	string(TaskStateMigrationInProgress):       jobs.Running,
	string(TaskStateMigrationDriverStarting):   jobs.Running,
	string(TaskStateMigrationDriverInProgress): jobs.Running,
	string(TaskStateMigrationDriverPhase1Done): jobs.Running,
	string(TaskStateMigrationCompleting):       jobs.Running,
	string(TaskStateMigrationSuccess):          jobs.Succeeded,
	string(TaskStateMigrationCancelInProgress): jobs.Running,
	string(TaskStateMigrationCancelled):        jobs.Cancelled,
	string(TaskStateMigrationError):            jobs.Failed,
}

func progressStatus(words jobs.Words) func(*MigrationProgress) jobs.Status {
	return func(p *MigrationProgress) jobs.Status {
		st := words.Status(string(p.TaskState))
		st.Progress = min(max(p.TotalProgress, 0), 100)
		if p.ShareServer != nil && p.ShareServer.Status != "" {
			st.Message = "share server " + p.ShareServer.ID + " is " + p.ShareServer.Status
		}
		return st
	}
}

// WaitForMigrationPhase1 polls GetMigrationProgress until the first phase
// of the share server's migration is over (task state
// migration_driver_phase1_done) and returns the last progress. Call
// CompleteMigration or CancelMigration next. The handle StartMigration
// returns (or ResumeMigration rebuilds) waits for the same end and also
// confirms the destination share server; this wait reads the progress
// records only.
//
// If the migration is found already past phase 1 on the successful path
// (migration_completing or migration_success, because it was completed
// elsewhere), the wait ends successfully too; the returned TaskState says
// which. A migration that ends in migration_error or migration_cancelled
// gives a *jobs.FailedError whose Job is the final *MigrationProgress. A
// task state this package does not know is treated as still running, and
// reported as the Word of the jobs.Status given to a jobs.WithProgress
// callback, whose Progress is TotalProgress.
//
// Right after StartMigration the service answers progress with 400 until
// the destination share server exists (see GetMigrationProgress). On such
// a 400 the wait reads the share server (GetShareServer): while its status
// is server_migrating and its task state is not an end state, the wait
// goes on, reporting that task state (migration_starting,
// migration_in_progress) with TotalProgress 0, so a wait may start at once
// after StartMigration. The service also stops answering progress for a
// share server as soon as its migration is over, so the end is usually
// seen as a 400; the wait then ends on the share server's task state as
// described in WaitForMigrationComplete.
//
// Polling follows the jobs package: back-off between polls, transient
// errors tolerated, and the wait bounded by ctx. Use jobs.WithInterval and
// jobs.WithProgress to tune and observe it.
func (c *Client) WaitForMigrationPhase1(ctx context.Context, shareServerID string, opts ...jobs.Option) (*MigrationProgress, error) {
	return c.waitServer(ctx, shareServerID, phase1Words, opts)
}

// WaitForMigrationComplete polls GetMigrationProgress until the share
// server's migration succeeds (task state migration_success) and returns
// the last progress, whose DestinationShareServerID names the share server
// now serving the shares. Call it after CompleteMigration: before that the
// migration rests at migration_driver_phase1_done and the wait goes on
// until ctx ends.
//
// A migration that ends in migration_error or migration_cancelled gives a
// *jobs.FailedError whose Job is the final *MigrationProgress. Unknown task
// states keep the wait going and are reported as in
// WaitForMigrationPhase1.
//
// # When progress is no longer reported
//
// Once a migration is over the service answers migration_get_progress for
// the source with 400 (the source is active again after a cancellation or
// a failure; after a success it is inactive, then deleted soon after).
// When a poll gets a 400, the wait reads the share server with
// GetShareServer. If the share server is no
// longer migrating (its status is not server_migrating) and its task state
// is migration_success, migration_cancelled or migration_error, the wait
// ends on that state as if the progress had reported it: success, or a
// *jobs.FailedError with State jobs.Cancelled or jobs.Failed whose Message
// names the share server's status. The *MigrationProgress returned (and
// held in the FailedError's Job) is then made up from the share server:
// TaskState is its task state, TotalProgress is 100 (what the service
// reports for these states), DestinationShareServerID is the destination
// seen on an earlier poll of the same wait ("" if none showed it), and
// ShareServer holds the share server read. If reading the share server
// fails, or it shows no such end state (a share server that was never
// migrated has none) and is not a migration under way either (see
// WaitForMigrationPhase1), the wait ends with the original 400
// *cloudmigrate.Error. This also means that a wait started on a share
// server whose last migration already ended reports that ending.
//
// Once the source of a successful migration has been deleted, the
// service answers progress for its ID with total_progress 100 and the
// destination's ID and task state (migration_success); the wait returns
// that answer. If the task state is empty (an administrator cleared it),
// the wait reads the answer as migration_success and returns it with that
// TaskState. When the source is deleted between a poll's 400 and the read
// of the share server (a 404), the wait asks for the progress once more
// and goes by that answer.
func (c *Client) WaitForMigrationComplete(ctx context.Context, shareServerID string, opts ...jobs.Option) (*MigrationProgress, error) {
	return c.waitServer(ctx, shareServerID, completeWords, opts)
}

func (c *Client) waitServer(ctx context.Context, id string, words jobs.Words, opts []jobs.Option) (*MigrationProgress, error) {
	if err := checkServerID(id); err != nil {
		return nil, err
	}
	var dest string // the destination seen on the latest poll that showed one
	progress := func(ctx context.Context) (*MigrationProgress, error) {
		p, err := c.GetMigrationProgress(ctx, id)
		if err != nil {
			return nil, err
		}
		if p.DestinationShareServerID != "" {
			dest = p.DestinationShareServerID
		}
		return settledSource(p), nil
	}
	get := func(ctx context.Context) (*MigrationProgress, error) {
		p, err := progress(ctx)
		var apiErr *cloudmigrate.Error
		if err == nil || !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest {
			return p, err
		}
		sv, svErr := c.GetShareServer(ctx, id)
		if cloudmigrate.IsNotFound(svErr) {
			// The source was deleted between the two calls, as the
			// service does soon after a successful migration: its ID
			// answers progress again, from the destination.
			if p, again := progress(ctx); again == nil {
				return p, nil
			}
		}
		if svErr != nil {
			return nil, err
		}
		if p := endedProgress(sv, dest); p != nil {
			return p, nil
		}
		if p := startingProgress(sv, dest); p != nil {
			return p, nil
		}
		return nil, err
	}
	return jobs.Wait(ctx, get, progressStatus(words), opts...)
}

// startingProgress makes up the progress of a migration under way whose
// progress the service does not report yet: the source sv is migrating
// (status server_migrating) but the destination share server does not
// exist yet, or the driver has no figure at this moment, and the service
// answers 400. It returns sv's task state with the progress the service
// gives such a state (0 before phase 1 is done, 100 from then on), dest
// and sv itself, or nil when sv is not migrating or its migration is over.
func startingProgress(sv *ShareServer, dest string) *MigrationProgress {
	if sv.Status != ShareServerStatusServerMigrating || sv.TaskState.Terminal() {
		return nil
	}
	p := &MigrationProgress{TaskState: sv.TaskState, DestinationShareServerID: dest, ShareServer: sv}
	switch sv.TaskState {
	case TaskStateMigrationDriverPhase1Done, TaskStateMigrationCompleting, TaskStateMigrationCancelInProgress:
		p.TotalProgress = 100
	}
	return p
}

// settledSource reads the answer the service gives for the deleted source
// of a successful migration: 100, the destination's ID and no task state.
// It returns such an answer with TaskState migration_success, and any
// other p as is.
func settledSource(p *MigrationProgress) *MigrationProgress {
	if p.TaskState == "" && p.DestinationShareServerID != "" && p.TotalProgress >= 100 {
		cp := *p
		cp.TaskState = TaskStateMigrationSuccess
		return &cp
	}
	return p
}

// endedProgress makes up the progress of a migration that is over from its
// source share server sv: its end task state with 100 percent and dest.
// It returns nil when sv shows no ended migration.
func endedProgress(sv *ShareServer, dest string) *MigrationProgress {
	switch sv.TaskState {
	case TaskStateMigrationSuccess, TaskStateMigrationCancelled, TaskStateMigrationError:
	default:
		return nil
	}
	if sv.Status == ShareServerStatusServerMigrating {
		return nil
	}
	return &MigrationProgress{TotalProgress: 100, TaskState: sv.TaskState, DestinationShareServerID: dest, ShareServer: sv}
}
