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
// CompleteMigration or CancelMigration next.
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
// The service stops answering progress for a share server as soon as its
// migration is over (see GetMigrationProgress), so the end is usually
// seen as a 400; the wait then reads the share server (GetShareServer) and
// ends on its task state as described in WaitForMigrationComplete.
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
// a failure, inactive after a success). When a poll gets a 400, the wait
// reads the share server with GetShareServer. If the share server is no
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
// migrated has none), the wait ends with the original 400
// *cloudmigrate.Error. This also means that a wait started on a share
// server whose last migration already ended reports that ending.
//
// Once the source of a successful migration has been deleted, the
// service answers progress for its ID with total_progress 100 and the
// destination's ID, possibly with an empty task state; the wait reads
// such an answer as migration_success and returns it with that TaskState.
func (c *Client) WaitForMigrationComplete(ctx context.Context, shareServerID string, opts ...jobs.Option) (*MigrationProgress, error) {
	return c.waitServer(ctx, shareServerID, completeWords, opts)
}

func (c *Client) waitServer(ctx context.Context, id string, words jobs.Words, opts []jobs.Option) (*MigrationProgress, error) {
	if err := checkServerID(id); err != nil {
		return nil, err
	}
	var dest string // the destination seen on the latest poll that showed one
	get := func(ctx context.Context) (*MigrationProgress, error) {
		p, err := c.GetMigrationProgress(ctx, id)
		if err == nil {
			if p.DestinationShareServerID != "" {
				dest = p.DestinationShareServerID
			}
			return settledSource(p), nil
		}
		var apiErr *cloudmigrate.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest {
			return nil, err
		}
		sv, svErr := c.GetShareServer(ctx, id)
		if svErr != nil {
			return nil, err
		}
		if p := endedProgress(sv, dest); p != nil {
			return p, nil
		}
		return nil, err
	}
	return jobs.Wait(ctx, get, progressStatus(words), opts...)
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
