package nova

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/rest"
)

// MigrateOptions are the optional inputs of Migrate.
type MigrateOptions struct {
	// Host is the compute host to move the server to; the scheduler still
	// checks that it fits. Empty lets the scheduler choose. Setting it
	// needs microversion 2.56 or later.
	Host string
}

type migrateBody struct {
	Migrate *migrateArgs `json:"migrate"`
}

type migrateArgs struct {
	Host string `json:"host"`
}

// Migrate starts a cold migration: nova stops the server if it runs, moves
// it to another host and leaves it in VERIFY_RESIZE, its migration in
// status "finished". Find the migration with ListMigrations (filter
// InstanceUUID and MigrationType TypeMigration), wait for it with
// WaitForMigration, then call ConfirmMigration or RevertMigration (or let
// the cloud confirm it automatically, if configured to).
//
// Without a host the body is {"migrate": null}; with one it is
// {"migrate": {"host": "..."}}, which needs microversion 2.56 (a lower one
// is a *cloudmigrate.VersionError and nothing is sent). Nova answers 202.
// The request is never repeated once it may have reached the service.
//
// POST /servers/{server_id}/action, microversion 2.1 or later (2.56 with a
// host).
func (c *Client) Migrate(ctx context.Context, serverID string, opts *MigrateOptions) error {
	if err := checkServer(serverID); err != nil {
		return err
	}
	var o MigrateOptions
	if opts != nil {
		o = *opts
	}
	min := anyMin
	feature := "Migrate"
	if o.Host != "" {
		min, feature = mv256, "Migrate with MigrateOptions.Host"
		if len(o.Host) > 255 {
			return cloudmigrate.Invalid("Host", "longer than 255 characters")
		}
	}
	v, err := c.require(ctx, feature, min, noMax)
	if err != nil {
		return err
	}
	body := migrateBody{}
	if o.Host != "" {
		body.Migrate = &migrateArgs{Host: o.Host}
	}
	return c.serverAction(ctx, v, serverID, body, http.StatusAccepted)
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

// hostPattern is nova's schema for the live-migration host.
var hostPattern = regexp.MustCompile(`^[a-zA-Z0-9._-]{1,255}$`)

// LiveMigrate starts a live migration: the server keeps running while its
// memory (and, for a block migration, its disks) is copied to another
// host. Nova answers 202; from microversion 2.34 the pre-checks run
// afterwards, so a migration that cannot start shows up as status
// "error" rather than as an error here. Follow it with
// ListServerMigrations, GetServerMigration or WaitForMigration; hurry it
// with ForceCompleteMigration or stop it with AbortMigration.
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
func (c *Client) LiveMigrate(ctx context.Context, serverID string, opts *LiveMigrateOptions) error {
	if err := checkServer(serverID); err != nil {
		return err
	}
	var o LiveMigrateOptions
	if opts != nil {
		o = *opts
	}
	if o.Host != "" && !hostPattern.MatchString(o.Host) {
		return cloudmigrate.Invalid("Host", "%q must be 1 to 255 letters, digits, '-', '.' or '_'", o.Host)
	}
	if o.Force != nil && *o.Force && o.Host == "" {
		return cloudmigrate.Invalid("Force", "forcing a live migration needs a Host")
	}
	if o.BlockMigration < BlockMigrationDefault || o.BlockMigration > BlockMigrationFalse {
		return cloudmigrate.Invalid("BlockMigration", "unknown value %d", int(o.BlockMigration))
	}
	v, err := c.require(ctx, "LiveMigrate", anyMin, noMax)
	if err != nil {
		return err
	}
	args, err := c.liveMigrateArgs(ctx, v, &o)
	if err != nil {
		return err
	}
	return c.serverAction(ctx, v, serverID, liveMigrateBody{Live: args}, http.StatusAccepted)
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
// "confirming" then "confirmed". Nova answers 204. The request is never
// repeated once it may have reached the service.
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
	return c.serverAction(ctx, v, serverID, confirmBody, http.StatusNoContent)
}

// RevertMigration undoes a finished cold migration (or resize): the server,
// in VERIFY_RESIZE with its migration in status "finished", goes back to
// its source host; the migration goes "reverting" then "reverted". Nova
// answers 202 and works asynchronously. The request is never repeated once
// it may have reached the service.
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
	return c.serverAction(ctx, v, serverID, revertBody, http.StatusAccepted)
}

// serverAction posts body to /servers/{server_id}/action. Every server
// action here changes a migration, so none is marked idempotent.
func (c *Client) serverAction(ctx context.Context, v auth.Microversion, serverID string, body any, status int) error {
	_, err := c.send(ctx, v, &rest.Request{
		Method: http.MethodPost,
		Path:   "/servers/{server_id}/action",
		Params: []string{serverID},
		Body:   body,
		OK:     []int{status},
	})
	return err
}
