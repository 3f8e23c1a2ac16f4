package nova

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// migrationWords maps nova's status words to job states for waiting.
// "finished" counts as success: a cold migration stops there, in
// VERIFY_RESIZE, until it is confirmed or reverted. "reverted" means the
// move was undone, which a wait reports as cancelled. Words not listed
// (new ones included) mean the migration is still under way.
var migrationWords = jobs.Words{
	string(StatusAccepted):      jobs.Pending,
	string(StatusQueued):        jobs.Pending,
	string(StatusPreparing):     jobs.Running,
	string(StatusRunning):       jobs.Running,
	string(StatusPostMigrating): jobs.Running,
	string(StatusPreMigrating):  jobs.Running,
	string(StatusMigrating):     jobs.Running,
	string(StatusConfirming):    jobs.Running,
	string(StatusReverting):     jobs.Running,
	string(StatusCompleted):     jobs.Succeeded,
	string(StatusFinished):      jobs.Succeeded,
	string(StatusConfirmed):     jobs.Succeeded,
	string(StatusDone):          jobs.Succeeded,
	string(StatusFailed):        jobs.Failed,
	string(StatusError):         jobs.Failed,
	string(StatusCancelled):     jobs.Cancelled,
	string(StatusReverted):      jobs.Cancelled,
}

// JobStatus translates the migration into the jobs package's terms, as
// WaitForMigration sees it: its State, nova's word, and the progress of
// the memory (or disk) copy when nova reports one (100 once it succeeded).
//
// Nova keeps no failure reason on a migration, so when the migration
// failed or was cancelled the Message says which one it was instead (see
// Describe), and a *jobs.FailedError reads like "cloudmigrate: job failed
// (error): live migration 7 of server 4cfb... from compute1 (node
// compute1) to compute2 (node compute2)".
func (m *Migration) JobStatus() jobs.Status {
	s := migrationWords.Status(string(m.Status))
	s.Progress = m.Progress()
	switch s.State {
	case jobs.Succeeded:
		s.Progress = 100
	case jobs.Failed, jobs.Cancelled:
		s.Message = m.Describe()
	}
	return s
}

// migrationKinds names the migration types in messages.
var migrationKinds = map[MigrationType]string{
	TypeLiveMigration: "live migration",
	TypeMigration:     "cold migration",
	TypeResize:        "resize",
	TypeEvacuation:    "evacuation",
}

// Describe names the migration for messages: its kind (when the record
// says), its ID, the server, and where it goes from and to, as in
// "live migration 7 of server 4cfb... from compute1 (node compute1) to
// compute2 (node compute2)". Parts the record does not carry are left out;
// a destination nova never chose reads "to no destination".
func (m *Migration) Describe() string {
	var b strings.Builder
	kind := migrationKinds[m.MigrationType]
	switch {
	case kind != "":
	case m.MigrationType != "":
		kind = string(m.MigrationType) + " migration"
	default:
		kind = "migration"
	}
	b.WriteString(kind)
	b.WriteByte(' ')
	b.WriteString(strconv.Itoa(m.ID))
	server := m.ServerUUID
	if server == "" {
		server = m.InstanceUUID
	}
	if server != "" {
		b.WriteString(" of server ")
		b.WriteString(server)
	}
	if from := place(m.SourceCompute, m.SourceNode); from != "" {
		b.WriteString(" from ")
		b.WriteString(from)
	}
	b.WriteString(" to ")
	if to := place(m.DestCompute, m.DestNode); to != "" {
		b.WriteString(to)
	} else {
		b.WriteString("no destination")
	}
	return b.String()
}

// place names a compute host and its hypervisor node: "compute1 (node
// compute1)", "compute1", "node n1", or "" when nova names neither.
func place(host, node *string) string {
	h, n := deref(host), deref(node)
	switch {
	case h != "" && n != "":
		return h + " (node " + n + ")"
	case h != "":
		return h
	case n != "":
		return "node " + n
	}
	return ""
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// WaitForMigration waits until a migration of the server ends and returns
// its final record. The handles that LiveMigrate, Migrate and Evacuate
// return are the way to follow a move: they find the migration, verify
// where the server went and carry nova's reason for a failure.
// WaitForMigration is for a migration known only by its ID; it reads the
// record alone.
//
// While the migration is an in-progress live migration it is polled with
// GET /servers/{server_id}/migrations/{migration_id} (microversion 2.23 or
// later), whose memory and disk counters give the progress reported to a
// jobs.WithProgress callback. When nova no longer lists it there (404: it
// ended, or it is a cold migration), or below microversion 2.23, the
// record is read from GET /os-migrations?instance_uuid={server_id}
// instead, which keeps finished migrations. A live migration found there
// still in progress (it was only "accepted" at first) is polled under its
// server again.
//
// The wait ends with:
//   - success for "completed", "confirmed", "done", and for "finished": a
//     cold migration stops there, with the server in VERIFY_RESIZE, and the
//     caller then calls ConfirmMigration or RevertMigration;
//   - a *jobs.FailedError for "error" or "failed" (State jobs.Failed) and
//     for "cancelled" (an aborted live migration) or "reverted" (State
//     jobs.Cancelled); its Job field holds the final *Migration. Nova keeps
//     no failure reason on the migration, so the error's Status.Message
//     names the migration instead (Migration.Describe: its kind and ID,
//     the server, the source and destination hosts and nodes); for the
//     reason, look at the server's fault or its instance actions;
//   - an error wrapping ctx.Err() when ctx ends first.
//
// Any other status word keeps the wait going. Transient poll errors
// (throttling, 5xx, network) are retried with back-off; the options are
// those of the jobs package (intervals, progress callback, error budget).
func (c *Client) WaitForMigration(ctx context.Context, serverID string, migrationID int, opts ...jobs.Option) (*Migration, error) {
	if err := checkServer(serverID); err != nil {
		return nil, err
	}
	if err := checkMigrationID(migrationID); err != nil {
		return nil, err
	}
	v, err := c.require(ctx, "WaitForMigration", anyMin, noMax)
	if err != nil {
		return nil, err
	}
	// Below 2.23 there is no per-server view: use the admin list at once.
	listed := v.Compare(mv223) >= 0
	get := func(ctx context.Context) (*Migration, error) {
		if listed {
			m, err := c.getServerMigration(ctx, v, serverID, migrationID)
			if err == nil {
				return m, nil
			}
			if !cloudmigrate.IsNotFound(err) {
				return nil, err
			}
			listed = false
		}
		m, err := c.findMigration(ctx, v, serverID, migrationID)
		if err == nil && v.Compare(mv223) >= 0 && m.MigrationType == TypeLiveMigration && m.Status.InProgress() {
			// A live migration that was not yet (or, oddly, no longer)
			// listed under its server: go back there for its counters.
			listed = true
		}
		return m, err
	}
	return jobs.Wait(ctx, get, (*Migration).JobStatus, opts...)
}

// findMigration reads the record of migration id of a server from
// GET /os-migrations.
func (c *Client) findMigration(ctx context.Context, v auth.Microversion, serverID string, id int) (*Migration, error) {
	for m, err := range c.ListMigrations(ctx, &ListMigrationsOptions{InstanceUUID: serverID}) {
		if err != nil {
			return nil, err
		}
		if m.ID == id {
			return &m, nil
		}
	}
	return nil, fmt.Errorf("nova: migration %d of server %s is neither in progress nor in /os-migrations (compute %s)", id, serverID, v)
}
