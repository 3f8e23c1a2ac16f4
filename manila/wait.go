package manila

import (
	"context"

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
func (c *Client) WaitForMigrationComplete(ctx context.Context, shareServerID string, opts ...jobs.Option) (*MigrationProgress, error) {
	return c.waitServer(ctx, shareServerID, completeWords, opts)
}

func (c *Client) waitServer(ctx context.Context, id string, words jobs.Words, opts []jobs.Option) (*MigrationProgress, error) {
	if err := checkServerID(id); err != nil {
		return nil, err
	}
	get := func(ctx context.Context) (*MigrationProgress, error) { return c.GetMigrationProgress(ctx, id) }
	return jobs.Wait(ctx, get, progressStatus(words), opts...)
}
