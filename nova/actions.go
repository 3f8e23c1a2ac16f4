package nova

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/rest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// MigrateOptions are the optional inputs of Migrate.
type MigrateOptions struct {
	// Host is the compute host to move the server to; the scheduler still
	// checks that it fits. Empty lets the scheduler choose. Setting it
	// needs microversion 2.56 or later. Up to 255 letters, digits, '-',
	// '.' and '_'.
	Host string
	// RecordTimeout bounds how long after the start the handle waits for
	// nova to record the migration while the server shows it under way,
	// before it ends with a *MigrationNotFoundError. Zero means
	// DefaultRecordTimeout; otherwise at least a second. It is kept in the
	// resume token.
	RecordTimeout time.Duration
}

type migrateBody struct {
	Migrate *migrateArgs `json:"migrate"`
}

type migrateArgs struct {
	Host string `json:"host"`
}

// Migrate starts a cold migration and returns its handle: nova stops the
// server if it runs, moves it to another host and leaves it in
// VERIFY_RESIZE, its migration in status "finished", until
// ConfirmMigration keeps it there or RevertMigration moves it back (or the
// cloud confirms it automatically, if configured to).
//
// Before sending, Migrate reads the server (GET /servers/{server_id}) and
// its newest migration record (GET /os-migrations?instance_uuid=, limit 1
// from 2.59): two requests, then the start itself. A server that already
// shows a move (a live or cold migration or an evacuation: its task state,
// VERIFY_RESIZE, its in-progress record) is not moved again: Migrate
// returns a handle on that move and a *cloudmigrate.InProgressError
// (errors.Is(err, cloudmigrate.ErrInProgress) holds), reading the server's
// instance actions (one more request) to learn the move's kind and request
// ID, and sends no start. A start nova refuses with 409 because a move
// began meanwhile is adopted the same way. What cannot be seen before
// sending: a resize or rebuild under way (nova then answers 409, which is
// returned), and a move that another client starts between the read and
// the start, which nova refuses.
//
// The handle (a *jobs.Operation[*MoveResult]) finds the migration record
// itself, which nova writes asynchronously: a record of type "migration"
// with a higher ID than any before the start. One Poll sends at most 3
// requests: GET /os-migrations (the record), then GET /servers/{server_id}
// when the migration has finished, or
// GET /servers/{server_id}/os-instance-actions/{request_id} when it failed
// (and, for an adopted move whose request ID is not known, the list of the
// server's instance actions); before the record is found, GET
// /os-migrations and GET /servers/{server_id}. While the server waits in
// VERIFY_RESIZE, Poll and Wait return a *NeedsConfirmationError
// (errors.Is(err, ErrNeedsConfirmation)) and the operation goes on; after
// ConfirmMigration, waiting again ends with success once the migration is
// "confirmed" and the server verified on another host than its source (the
// named Host, when one was given); after RevertMigration it ends with a
// *jobs.FailedError in State jobs.Cancelled. A migration that fails ends
// with a *jobs.FailedError whose message carries nova's reason from the
// instance action's failed event; one that nova reports done while the
// server has not moved ends with a *NotMovedError; one nova never records
// with a *MigrationNotFoundError. A cold migration cannot be aborted
// (Operation.Abort returns jobs.ErrCannotAbort).
//
// Without a host the body is {"migrate": null}; with one it is
// {"migrate": {"host": "..."}}, which needs microversion 2.56 (a lower one
// is a *cloudmigrate.VersionError and nothing is sent). Nova answers 202.
// The request is never repeated once it may have reached the service.
//
// POST /servers/{server_id}/action, microversion 2.1 or later (2.56 with a
// host).
func (c *Client) Migrate(ctx context.Context, serverID string, opts *MigrateOptions) (*jobs.Operation[*MoveResult], error) {
	if err := checkServer(serverID); err != nil {
		return nil, err
	}
	var o MigrateOptions
	if opts != nil {
		o = *opts
	}
	min := anyMin
	feature := "Migrate"
	if o.Host != "" {
		min, feature = mv256, "Migrate with MigrateOptions.Host"
		if !hostPattern.MatchString(o.Host) {
			return nil, cloudmigrate.Invalid("Host", "%q must be 1 to 255 letters, digits, '-', '.' or '_'", o.Host)
		}
	}
	if err := checkRecordTimeout("RecordTimeout", o.RecordTimeout); err != nil {
		return nil, err
	}
	v, err := c.require(ctx, feature, min, noMax)
	if err != nil {
		return nil, err
	}
	body := migrateBody{}
	if o.Host != "" {
		body.Migrate = &migrateArgs{Host: o.Host}
	}
	op, _, err := c.startMove(ctx, "nova.Migrate", v, moveStart{
		kind: TypeMigration, serverID: serverID, target: o.Host, body: body,
		status: http.StatusAccepted, timeout: o.RecordTimeout,
	})
	return op, err
}

// BlockMigration says whether a live migration copies the server's disks
// (block migration) or relies on storage both hosts share. The zero value,
// BlockMigrationDefault, lets the SDK pick what the microversion allows.
type BlockMigration int

const (
	// BlockMigrationDefault sends "auto" from microversion 2.25 and false
	// before.
	BlockMigrationDefault BlockMigration = iota
	// BlockMigrationAuto lets nova decide from the storage it sees
	// ("auto", microversion 2.25 or later).
	BlockMigrationAuto
	// BlockMigrationTrue copies the disks; the request fails if storage is
	// shared.
	BlockMigrationTrue
	// BlockMigrationFalse relies on shared storage; the request fails if
	// storage is not shared.
	BlockMigrationFalse
)

// String returns the value as sent: "auto", "true", "false", or "default".
func (b BlockMigration) String() string {
	switch b {
	case BlockMigrationDefault:
		return "default"
	case BlockMigrationAuto:
		return "auto"
	case BlockMigrationTrue:
		return "true"
	case BlockMigrationFalse:
		return "false"
	}
	return "BlockMigration(" + strconv.Itoa(int(b)) + ")"
}

// LiveMigrateOptions are the optional inputs of LiveMigrate. Which fields
// may be set depends on the microversion in use; a field set outside its
// range is a *cloudmigrate.VersionError and nothing is sent.
type LiveMigrateOptions struct {
	// Host is the compute host to move the server to. Empty lets the
	// scheduler choose (sent as "host": null). Up to 255 letters, digits,
	// '-', '.' and '_'.
	Host string
	// BlockMigration chooses between block and shared-storage migration.
	// BlockMigrationAuto needs microversion 2.25 or later.
	BlockMigration BlockMigration
	// DiskOverCommit lets the libvirt driver overcommit disk on the
	// destination. Microversions before 2.25 always send it (false unless
	// set); from 2.25 nova no longer accepts it, so setting it true there
	// is an error.
	DiskOverCommit bool
	// Force skips the scheduler's check of Host. It exists only from
	// microversion 2.30 to 2.67; nil sends nothing. Force true needs Host.
	Force *bool
	// RecordTimeout bounds how long after the start the handle waits for
	// nova to record the migration while the server shows it under way,
	// before it ends with a *MigrationNotFoundError. Zero means
	// DefaultRecordTimeout; otherwise at least a second. It is kept in the
	// resume token.
	RecordTimeout time.Duration
}

var (
	blockAuto  = json.RawMessage(`"auto"`)
	blockTrue  = json.RawMessage(`true`)
	blockFalse = json.RawMessage(`false`)
)

type liveMigrateBody struct {
	Live liveMigrateArgs `json:"os-migrateLive"`
}

type liveMigrateArgs struct {
	Host           *string         `json:"host"`
	BlockMigration json.RawMessage `json:"block_migration"`
	DiskOverCommit *bool           `json:"disk_over_commit,omitempty"`
	Force          *bool           `json:"force,omitempty"`
}

// hostPattern is nova's schema for the host of a cold or live migration
// (parameter_types.fqdn in nova/api/validation/parameter_types.py, which
// nova/api/openstack/compute/schemas/migrate_server.py uses for both;
// openstack/nova at 00a030403f672b975364c855b7d25b40ef83e757).
var hostPattern = regexp.MustCompile(`^[a-zA-Z0-9._-]{1,255}$`)

// LiveMigrate starts a live migration and returns its handle: the server
// keeps running while its memory (and, for a block migration, its disks)
// is copied to another host. Nova answers 202; from microversion 2.34 the
// pre-checks run afterwards, so a migration that cannot start ends in
// status "error" rather than failing here.
//
// Before sending, LiveMigrate reads the server and its newest migration
// record, two requests, and adopts a move already under way instead of
// starting another, as Migrate does (a handle on it and a
// *cloudmigrate.InProgressError; no start is sent).
//
// The handle (a *jobs.Operation[*MoveResult]) finds the migration record
// itself: from 2.23 under the server while it is in progress
// (GET /servers/{server_id}/migrations), else in /os-migrations, as a
// "live-migration" record with a higher ID than any before the start. Once
// it knows the migration's ID, one Poll sends at most 3 requests: GET
// /servers/{server_id}/migrations/{migration_id} while it is in progress
// (one request, with the memory and disk counters as Status.Progress);
// when nova stops listing it there, GET /os-migrations for the final
// record, then GET /servers/{server_id} to verify a completed migration,
// or GET /servers/{server_id}/os-instance-actions/{request_id} for a
// failed one's reason. Before the ID is known a Poll also sends at most 3
// (the per-server list, /os-migrations, the server). Wait succeeds only
// when the migration is "completed" and the server is verified on another
// host than its source (the named Host, when one was given); a failed
// migration ends with a *jobs.FailedError whose message carries nova's
// reason (the failed event of the start's instance action, with its
// details from 2.84, else the last line of its traceback); an aborted one
// with a *jobs.FailedError in State jobs.Cancelled; one that nova reports
// completed while the server has not moved with a *NotMovedError; one
// nova never records with a *MigrationNotFoundError. Operation.Abort
// cancels it (AbortMigration, 2.24+) once its ID is known;
// ForceCompleteMigration hurries it.
//
// The body follows the microversion in use: "host" is always sent (null
// when opts.Host is empty); "block_migration" is true or false before
// 2.25 and true, false or "auto" from 2.25 (default "auto"); before 2.25
// "disk_over_commit" is always sent; "force" only when opts.Force is set,
// which needs 2.30 to 2.67. The request is never repeated once it may have
// reached the service.
//
// POST /servers/{server_id}/action with {"os-migrateLive": {...}},
// microversion 2.1 or later.
func (c *Client) LiveMigrate(ctx context.Context, serverID string, opts *LiveMigrateOptions) (*jobs.Operation[*MoveResult], error) {
	if err := checkServer(serverID); err != nil {
		return nil, err
	}
	var o LiveMigrateOptions
	if opts != nil {
		o = *opts
	}
	if o.Host != "" && !hostPattern.MatchString(o.Host) {
		return nil, cloudmigrate.Invalid("Host", "%q must be 1 to 255 letters, digits, '-', '.' or '_'", o.Host)
	}
	if o.Force != nil && *o.Force && o.Host == "" {
		return nil, cloudmigrate.Invalid("Force", "forcing a live migration needs a Host")
	}
	if o.BlockMigration < BlockMigrationDefault || o.BlockMigration > BlockMigrationFalse {
		return nil, cloudmigrate.Invalid("BlockMigration", "unknown value %d", int(o.BlockMigration))
	}
	if err := checkRecordTimeout("RecordTimeout", o.RecordTimeout); err != nil {
		return nil, err
	}
	v, err := c.require(ctx, "LiveMigrate", anyMin, noMax)
	if err != nil {
		return nil, err
	}
	args, err := c.liveMigrateArgs(ctx, v, &o)
	if err != nil {
		return nil, err
	}
	op, _, err := c.startMove(ctx, "nova.LiveMigrate", v, moveStart{
		kind: TypeLiveMigration, serverID: serverID, target: o.Host, body: liveMigrateBody{Live: args},
		status: http.StatusAccepted, timeout: o.RecordTimeout,
	})
	return op, err
}

// liveMigrateArgs builds the os-migrateLive object for microversion v.
func (c *Client) liveMigrateArgs(ctx context.Context, v auth.Microversion, o *LiveMigrateOptions) (liveMigrateArgs, error) {
	var a liveMigrateArgs
	if o.Host != "" {
		h := o.Host
		a.Host = &h
	}
	legacy := v.Compare(mv225) < 0
	switch o.BlockMigration {
	case BlockMigrationDefault:
		if legacy {
			a.BlockMigration = blockFalse
		} else {
			a.BlockMigration = blockAuto
		}
	case BlockMigrationAuto:
		if err := c.need(ctx, v, `LiveMigrateOptions.BlockMigration "auto"`, mv225, noMax); err != nil {
			return a, err
		}
		a.BlockMigration = blockAuto
	case BlockMigrationTrue:
		a.BlockMigration = blockTrue
	case BlockMigrationFalse:
		a.BlockMigration = blockFalse
	}
	if legacy {
		d := o.DiskOverCommit
		a.DiskOverCommit = &d
	} else if o.DiskOverCommit {
		if err := c.need(ctx, v, "LiveMigrateOptions.DiskOverCommit", anyMin, mv224); err != nil {
			return a, err
		}
	}
	if o.Force != nil {
		if err := c.need(ctx, v, "LiveMigrateOptions.Force", mv230, mv267); err != nil {
			return a, err
		}
		f := *o.Force
		a.Force = &f
	}
	return a, nil
}

var (
	confirmBody = []byte(`{"confirmResize":null}`)
	revertBody  = []byte(`{"revertResize":null}`)
)

// ConfirmMigration confirms a finished cold migration (or resize): the
// server, in VERIFY_RESIZE with its migration in status "finished", stays
// on the new host and the source is cleaned up; the migration goes
// "confirming" then "confirmed". Nova answers 204. Wait on the migration's
// handle again to see it end. The request is never repeated once it may
// have reached the service.
//
// POST /servers/{server_id}/action with {"confirmResize": null},
// microversion 2.1 or later.
func (c *Client) ConfirmMigration(ctx context.Context, serverID string) error {
	if err := checkServer(serverID); err != nil {
		return err
	}
	v, err := c.require(ctx, "ConfirmMigration", anyMin, noMax)
	if err != nil {
		return err
	}
	return c.serverAction(ctx, "nova.ConfirmMigration", v, serverID, confirmBody, http.StatusNoContent)
}

// RevertMigration undoes a finished cold migration (or resize): the server,
// in VERIFY_RESIZE with its migration in status "finished", goes back to
// its source host; the migration goes "reverting" then "reverted". Nova
// answers 202 and works asynchronously; the migration's handle then ends
// with a *jobs.FailedError in State jobs.Cancelled. The request is never
// repeated once it may have reached the service.
//
// POST /servers/{server_id}/action with {"revertResize": null},
// microversion 2.1 or later.
func (c *Client) RevertMigration(ctx context.Context, serverID string) error {
	if err := checkServer(serverID); err != nil {
		return err
	}
	v, err := c.require(ctx, "RevertMigration", anyMin, noMax)
	if err != nil {
		return err
	}
	return c.serverAction(ctx, "nova.RevertMigration", v, serverID, revertBody, http.StatusAccepted)
}

// serverAction posts body to /servers/{server_id}/action. Every server
// action here changes a migration, so none is marked idempotent.
func (c *Client) serverAction(ctx context.Context, op string, v auth.Microversion, serverID string, body any, status int) error {
	_, err := c.send(ctx, v, &rest.Request{
		Op:     op,
		Method: http.MethodPost,
		Path:   "/servers/{server_id}/action",
		Params: []string{serverID},
		Body:   body,
		OK:     []int{status},
	})
	return err
}
