package nova

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/rest"
)

var errNoMigration = errors.New("nova: the answer holds no migration object")

// Migration is one nova migration record. The same type serves the three
// places nova returns one:
//
//   - GET /servers/{server_id}/migrations[/{migration_id}] (2.23+): the
//     in-progress live migrations of a server, with ServerUUID and the
//     memory and disk counters;
//   - GET /os-migrations (admin): every migration, cold and live, finished
//     or not, with InstanceUUID, MigrationType, the flavor IDs and Links.
//
// Fields that the answer at hand does not carry keep their zero value.
// Fields nova may send as null are pointers (nil for null) or a Time (zero
// for null).
type Migration struct {
	// ID is the migration's integer ID, the one used in URLs.
	ID int `json:"id"`
	// UUID is the migration's UUID (2.59+). It is the marker for paging
	// GET /os-migrations; it never appears in URLs.
	UUID string `json:"uuid,omitempty"`
	// ServerUUID is the migrating server's ID, as the per-server API
	// names it.
	ServerUUID string `json:"server_uuid,omitempty"`
	// InstanceUUID is the migrating server's ID, as GET /os-migrations
	// names it.
	InstanceUUID string `json:"instance_uuid,omitempty"`
	// Status is nova's status word for the migration, such as "running".
	Status MigrationStatus `json:"status"`
	// MigrationType is "live-migration", "migration" (cold), "resize" or
	// "evacuation". Only GET /os-migrations returns it (2.23+).
	MigrationType MigrationType `json:"migration_type,omitempty"`

	// SourceCompute is the source compute service's host name.
	SourceCompute *string `json:"source_compute"`
	// SourceNode is the source hypervisor node.
	SourceNode *string `json:"source_node"`
	// DestCompute is the destination compute service's host name.
	DestCompute *string `json:"dest_compute"`
	// DestHost is the destination host's IP address.
	DestHost *string `json:"dest_host"`
	// DestNode is the destination hypervisor node; nil if the
	// pre-checks failed.
	DestNode *string `json:"dest_node"`

	// MemoryTotalBytes, MemoryProcessedBytes and MemoryRemainingBytes
	// follow a live migration's memory copy. Only the per-server API
	// returns them, and they are nil until the hypervisor reports.
	MemoryTotalBytes     *int64 `json:"memory_total_bytes,omitempty"`
	MemoryProcessedBytes *int64 `json:"memory_processed_bytes,omitempty"`
	MemoryRemainingBytes *int64 `json:"memory_remaining_bytes,omitempty"`
	// DiskTotalBytes, DiskProcessedBytes and DiskRemainingBytes follow the
	// disk copy of a block live migration, the same way.
	DiskTotalBytes     *int64 `json:"disk_total_bytes,omitempty"`
	DiskProcessedBytes *int64 `json:"disk_processed_bytes,omitempty"`
	DiskRemainingBytes *int64 `json:"disk_remaining_bytes,omitempty"`

	// OldInstanceTypeID and NewInstanceTypeID are nova's internal flavor
	// database IDs (not flavor IDs) before and after; only
	// GET /os-migrations returns them.
	OldInstanceTypeID *int `json:"old_instance_type_id,omitempty"`
	NewInstanceTypeID *int `json:"new_instance_type_id,omitempty"`

	// UserID and ProjectID name who started the migration (2.80+); nil for
	// records older than the feature.
	UserID    *string `json:"user_id,omitempty"`
	ProjectID *string `json:"project_id,omitempty"`

	// CreatedAt is when the migration record was created (UTC).
	CreatedAt Time `json:"created_at"`
	// UpdatedAt is when it last changed (UTC); zero if never.
	UpdatedAt Time `json:"updated_at"`

	// Links points at the per-server resource of an in-progress live
	// migration (GET /os-migrations, 2.23+).
	Links []Link `json:"links,omitempty"`
}

// Link is a link in a nova answer.
type Link struct {
	// Href is the link's URL.
	Href string `json:"href"`
	// Rel says what it points to: "next" for the following page.
	Rel string `json:"rel"`
}

// Progress returns how far the memory copy of a live migration has got, in
// percent (0 to 100), or -1 (jobs.ProgressUnknown) when nova reports no
// memory counters. Before the memory copy starts (a block migration copies
// disks first), it reports the disk copy instead.
//
// The figure is (total - remaining) / total: the processed counter can grow
// past the total, because memory the guest changes is copied again.
func (m *Migration) Progress() int {
	if p := progress(m.MemoryTotalBytes, m.MemoryProcessedBytes, m.MemoryRemainingBytes); p >= 0 {
		return p
	}
	return progress(m.DiskTotalBytes, m.DiskProcessedBytes, m.DiskRemainingBytes)
}

func progress(total, processed, remaining *int64) int {
	if total == nil || *total <= 0 {
		return -1
	}
	var done int64
	switch {
	case remaining != nil:
		done = *total - *remaining
	case processed != nil:
		done = *processed
	default:
		return -1
	}
	p := float64(done) * 100 / float64(*total)
	switch {
	case p < 0:
		return 0
	case p > 100:
		return 100
	}
	return int(p)
}

// MigrationStatus is nova's status word for a migration. Nova keeps it as
// an open string: the constants below are the words it is known to use,
// and a record may carry others.
type MigrationStatus string

// Status words of live migrations: accepted -> queued -> preparing ->
// running -> post-migrating -> completed, or failed, error, cancelled.
const (
	StatusAccepted      MigrationStatus = "accepted"
	StatusQueued        MigrationStatus = "queued"
	StatusPreparing     MigrationStatus = "preparing"
	StatusRunning       MigrationStatus = "running"
	StatusPostMigrating MigrationStatus = "post-migrating"
	StatusCompleted     MigrationStatus = "completed"
	StatusFailed        MigrationStatus = "failed"
	StatusError         MigrationStatus = "error"
	StatusCancelled     MigrationStatus = "cancelled"
)

// Status words of cold migrations and resizes: pre-migrating -> migrating
// -> post-migrating -> finished (the server waits in VERIFY_RESIZE) ->
// confirming -> confirmed, or reverting -> reverted; or error, failed.
// Evacuations go accepted -> pre-migrating -> done -> completed.
const (
	StatusPreMigrating MigrationStatus = "pre-migrating"
	StatusMigrating    MigrationStatus = "migrating"
	StatusFinished     MigrationStatus = "finished"
	StatusConfirming   MigrationStatus = "confirming"
	StatusConfirmed    MigrationStatus = "confirmed"
	StatusReverting    MigrationStatus = "reverting"
	StatusReverted     MigrationStatus = "reverted"
	StatusDone         MigrationStatus = "done"
)

// Terminal reports whether nova has finished with the migration: confirmed,
// reverted, error, failed, completed, cancelled or done. A cold migration
// in "finished" is not terminal: it waits to be confirmed or reverted.
func (s MigrationStatus) Terminal() bool {
	switch s {
	case StatusConfirmed, StatusReverted, StatusError, StatusFailed,
		StatusCompleted, StatusCancelled, StatusDone:
		return true
	}
	return false
}

// Failed reports whether the migration ended in failure: "error" or
// "failed". A cancelled (aborted) migration is terminal but not failed.
func (s MigrationStatus) Failed() bool {
	return s == StatusError || s == StatusFailed
}

// InProgress reports whether the status is one of the four in which a live
// migration is listed under its server and can be aborted (queued,
// preparing, running, post-migrating).
func (s MigrationStatus) InProgress() bool {
	switch s {
	case StatusQueued, StatusPreparing, StatusRunning, StatusPostMigrating:
		return true
	}
	return false
}

// MigrationType is the kind of a migration in GET /os-migrations.
type MigrationType string

// The migration types nova records.
const (
	TypeLiveMigration MigrationType = "live-migration"
	TypeMigration     MigrationType = "migration"
	TypeResize        MigrationType = "resize"
	TypeEvacuation    MigrationType = "evacuation"
)

type migrationsBody struct {
	Migrations []Migration `json:"migrations"`
}

type migrationBody struct {
	Migration *Migration `json:"migration"`
}

// ListServerMigrations lists the in-progress live migrations of a server
// (status queued, preparing, running or post-migrating), with their
// memory and disk counters. Finished and cold migrations are not listed
// here; see ListMigrations.
//
// GET /servers/{server_id}/migrations, microversion 2.23 or later.
func (c *Client) ListServerMigrations(ctx context.Context, serverID string) ([]Migration, error) {
	if err := checkServer(serverID); err != nil {
		return nil, err
	}
	v, err := c.require(ctx, "ListServerMigrations", mv223, noMax)
	if err != nil {
		return nil, err
	}
	var out migrationsBody
	if _, err := c.send(ctx, v, &rest.Request{
		Op:     "nova.ListServerMigrations",
		Method: http.MethodGet,
		Path:   "/servers/{server_id}/migrations",
		Params: []string{serverID},
		OK:     []int{http.StatusOK},
		Out:    &out,
	}); err != nil {
		return nil, err
	}
	return out.Migrations, nil
}

// GetServerMigration returns one in-progress live migration of a server.
// Once the migration has ended (or for a cold migration) nova answers 404:
// cloudmigrate.IsNotFound(err) holds, and its final record is in
// ListMigrations.
//
// GET /servers/{server_id}/migrations/{migration_id}, microversion 2.23 or
// later.
func (c *Client) GetServerMigration(ctx context.Context, serverID string, migrationID int) (*Migration, error) {
	if err := checkServer(serverID); err != nil {
		return nil, err
	}
	if err := checkMigrationID(migrationID); err != nil {
		return nil, err
	}
	v, err := c.require(ctx, "GetServerMigration", mv223, noMax)
	if err != nil {
		return nil, err
	}
	return c.getServerMigration(ctx, v, serverID, migrationID)
}

func (c *Client) getServerMigration(ctx context.Context, v auth.Microversion, serverID string, migrationID int) (*Migration, error) {
	var out migrationBody
	if _, err := c.send(ctx, v, &rest.Request{
		Op:     "nova.GetServerMigration",
		Method: http.MethodGet,
		Path:   "/servers/{server_id}/migrations/{migration_id}",
		Params: []string{serverID, strconv.Itoa(migrationID)},
		OK:     []int{http.StatusOK},
		Out:    &out,
	}); err != nil {
		return nil, err
	}
	if out.Migration == nil {
		return nil, errNoMigration
	}
	return out.Migration, nil
}

var forceCompleteBody = []byte(`{"force_complete":null}`)

// ForceCompleteMigration asks nova to finish a running live migration now,
// by pausing the server (or switching to post-copy, where the hypervisor
// supports it) so the last memory can be copied. The migration must be in
// status "running" (otherwise 400) and the server active and migrating
// (otherwise 409). Nova answers 202 and works asynchronously: follow the
// migration with WaitForMigration. Not every hypervisor supports this.
//
// The request is sent once: it is not retried on 5xx or network errors
// after it may have reached the service.
//
// POST /servers/{server_id}/migrations/{migration_id}/action with
// {"force_complete": null}, microversion 2.22 or later.
func (c *Client) ForceCompleteMigration(ctx context.Context, serverID string, migrationID int) error {
	if err := checkServer(serverID); err != nil {
		return err
	}
	if err := checkMigrationID(migrationID); err != nil {
		return err
	}
	v, err := c.require(ctx, "ForceCompleteMigration", mv222, noMax)
	if err != nil {
		return err
	}
	_, err = c.send(ctx, v, &rest.Request{
		Op:     "nova.ForceCompleteMigration",
		Method: http.MethodPost,
		Path:   "/servers/{server_id}/migrations/{migration_id}/action",
		Params: []string{serverID, strconv.Itoa(migrationID)},
		Body:   forceCompleteBody,
		OK:     []int{http.StatusAccepted},
	})
	return err
}

// AbortMigration cancels an in-progress live migration; the server stays
// on its source host and the migration ends "cancelled". Microversions
// 2.24 to 2.64 allow it only in status "running"; from 2.65 also in
// "queued" and "preparing". Another status gives 400, a server that is not
// migrating 409. Nova answers 202 and works asynchronously. Not every
// hypervisor supports this.
//
// The request is sent once: it is not retried on 5xx or network errors
// after it may have reached the service.
//
// DELETE /servers/{server_id}/migrations/{migration_id}, microversion 2.24
// or later.
func (c *Client) AbortMigration(ctx context.Context, serverID string, migrationID int) error {
	if err := checkServer(serverID); err != nil {
		return err
	}
	if err := checkMigrationID(migrationID); err != nil {
		return err
	}
	v, err := c.require(ctx, "AbortMigration", mv224, noMax)
	if err != nil {
		return err
	}
	_, err = c.send(ctx, v, &rest.Request{
		Op:     "nova.AbortMigration",
		Method: http.MethodDelete,
		Path:   "/servers/{server_id}/migrations/{migration_id}",
		Params: []string{serverID, strconv.Itoa(migrationID)},
		OK:     []int{http.StatusAccepted},
	})
	return err
}

func checkServer(serverID string) error {
	return rest.CheckID("server_id", serverID)
}

func checkMigrationID(id int) error {
	if id <= 0 {
		return cloudmigrate.Invalid("migration_id", "must be a positive integer, got %d", id)
	}
	return nil
}
