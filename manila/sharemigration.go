package manila

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// shareAction is the URL the per-share migration actions are posted to.
const shareAction = "/shares/{share_id}/action"

// Microversions of the per-share migration.
const (
	// ShareMigrationMicroversion is the first microversion with the
	// current per-share migration actions (complete, cancel, progress).
	ShareMigrationMicroversion = "2.22"
	// ShareMigrationStartMicroversion is the first microversion of the
	// migration_start body this package sends, where preserve_metadata,
	// preserve_snapshots, writable and nondisruptive are all required.
	ShareMigrationStartMicroversion = "2.29"
	// ShareMigrationStableMicroversion is the microversion from which the
	// per-share migration is no longer experimental.
	ShareMigrationStableMicroversion = "2.96"
	// ShareMigrationProgressGetMicroversion is the first microversion
	// that reads a share's migration progress with
	// GET /v2/shares/{share_id}/migration-progress; the service routes the
	// migration_get_progress action up to the microversion before it only.
	ShareMigrationProgressGetMicroversion = "2.98"
)

// shareProgress is the URL of a share's migration progress from
// ShareMigrationProgressGetMicroversion on.
const shareProgress = "/shares/{share_id}/migration-progress"

var (
	shareMigMin      = auth.MustParseMicroversion(ShareMigrationMicroversion)
	shareMigStartMin = auth.MustParseMicroversion(ShareMigrationStartMicroversion)
	shareMigStable   = auth.MustParseMicroversion(ShareMigrationStableMicroversion)
	shareProgressGet = auth.MustParseMicroversion(ShareMigrationProgressGetMicroversion)
)

// StartShareMigrationOptions starts the first phase of migrating one share
// to another pool. The four guarantee flags are required by the service,
// so their zero value false is a real answer.
type StartShareMigrationOptions struct {
	// Host is the destination pool as "host@backend#pool".
	Host string `json:"host"`
	// Writable requires that the share stays writable during the first
	// phase.
	Writable bool `json:"writable"`
	// PreserveMetadata requires that file metadata (ownership, times,
	// permissions) is preserved.
	PreserveMetadata bool `json:"preserve_metadata"`
	// Nondisruptive requires that clients are not disrupted.
	Nondisruptive bool `json:"nondisruptive"`
	// PreserveSnapshots requires that the share's snapshots move along.
	PreserveSnapshots bool `json:"preserve_snapshots"`
	// ForceHostAssistedMigration skips the driver's own migration and has
	// the data service copy the files. It cannot be combined with any of
	// the four guarantees above.
	ForceHostAssistedMigration bool `json:"force_host_assisted_migration"`
	// NewShareTypeID changes the share's type; empty keeps it.
	NewShareTypeID string `json:"new_share_type_id,omitempty"`
	// NewShareNetworkID changes the share's network; empty keeps it.
	NewShareNetworkID string `json:"new_share_network_id,omitempty"`
}

// ShareMigrationProgress is where a per-share migration stands.
type ShareMigrationProgress struct {
	// TotalProgress is the completion in percent, 0 to 100.
	TotalProgress int `json:"total_progress"`
	// TaskState is the share's task state, for example
	// migration_driver_in_progress or data_copying_in_progress.
	TaskState TaskState `json:"task_state"`
	// Details holds driver-specific progress information (microversion
	// 2.59 and later; nil before, or when the driver gives none).
	Details map[string]any `json:"details,omitempty"`
}

// UnmarshalJSON decodes the progress answer, tolerating null fields and a
// total_progress given as a fraction or a string.
func (p *ShareMigrationProgress) UnmarshalJSON(b []byte) error {
	var w struct {
		TotalProgress json.RawMessage `json:"total_progress"`
		TaskState     *string         `json:"task_state"`
		Details       map[string]any  `json:"details"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	n, err := flexPercent(w.TotalProgress)
	if err != nil {
		return err
	}
	out := ShareMigrationProgress{TotalProgress: n, Details: w.Details}
	if w.TaskState != nil {
		out.TaskState = TaskState(*w.TaskState)
	}
	*p = out
	return nil
}

// StartShareMigration starts migrating the share shareID to req.Host, a
// pool ("host@backend#pool"), and returns the handle that follows it: a
// *jobs.Operation[*Share] whose Wait ends when the first phase is over
// (task state migration_driver_phase1_done, or data_copying_completed for
// a host-assisted migration) and yields the share. Call
// CompleteShareMigration (or CancelShareMigration) after the wait.
//
// POST /v2/shares/{share_id}/action with {"migration_start": {...}},
// microversion 2.29 or later; experimental (the experimental header is
// sent) below 2.96. The service answers 202, or 200 when it passes on a
// different code of its own; both are success.
//
// # Adoption
//
// Before it starts anything, the call reads the share
// (GET /v2/shares/{share_id}: one request). When it is already migrating
// (status migrating, or a task state of a migration under way or at the
// end of its first phase), the call sends no start: it reads the share's
// instances (GET /v2/shares/{share_id}/instances, one more request) to
// learn the pool the copy goes to, and returns the handle on that
// migration together with a *cloudmigrate.InProgressError
// (errors.Is(err, cloudmigrate.ErrInProgress) holds) giving its task state
// and status. The handle then follows that migration, to the pool of its
// copy (any pool, while the copy does not exist yet), whatever req.Host
// says. A read that fails is returned as is and nothing is started. As
// for share servers, the service sets the task state when it accepts a
// start and refuses to start a second migration of a busy share, so what
// the read cannot see (a start sent by someone else after it) is refused
// by the service; a migration that has ended is not adopted.
//
// # The handle
//
// One Poll sends at most 2 requests (each may be retried by the client on
// throttling or a 502/503/504): GET /v2/shares/{share_id}; while the data
// is copied, the share's migration progress (GetShareMigrationProgress,
// for the percentage; a 400 "cannot be obtained at this moment" is taken
// as no figure); and, to confirm the end of the first phase, the share's
// instances. The wait succeeds at the end of the first phase only when one
// of the share's instances is the copy (status migrating_to) on req.Host,
// and after a completion (migration_success) only when the share's host
// is req.Host; otherwise it ends with a *jobs.FailedError saying where the
// share is. Host and instances are shown to administrators only. A
// migration that ends in migration_error (or data_copying_error) or is
// cancelled gives a *jobs.FailedError (State jobs.Failed or
// jobs.Cancelled) whose message has the share's task state and status.
// Abort sends CancelShareMigration. ResumeToken gives text for
// ResumeShareMigration.
//
// # Errors
//
// The start is sent once: it is repeated only if it provably never
// reached the service or the service throttled it (429). A 5xx or a
// broken connection is returned as is; calling StartShareMigration again
// then adopts the migration if the service started it.
func (c *Client) StartShareMigration(ctx context.Context, shareID string, req *StartShareMigrationOptions) (*jobs.Operation[*Share], error) {
	if err := checkShareID(shareID); err != nil {
		return nil, err
	}
	if req == nil {
		return nil, cloudmigrate.Invalid("req", "must not be nil")
	}
	if err := checkShareHost(req.Host); err != nil {
		return nil, err
	}
	if req.NewShareTypeID != "" {
		if err := checkBodyID("new_share_type_id", req.NewShareTypeID); err != nil {
			return nil, err
		}
	}
	if req.NewShareNetworkID != "" {
		if err := checkBodyID("new_share_network_id", req.NewShareNetworkID); err != nil {
			return nil, err
		}
	}
	if ctx == nil {
		return nil, cloudmigrate.Invalid("ctx", "nil context")
	}
	info, err := c.neg.Require(ctx, "StartShareMigration", shareMigStartMin, auth.Microversion{})
	if err != nil {
		return nil, err
	}
	sh, err := c.GetShare(ctx, shareID)
	if err != nil {
		return nil, err
	}
	if evidence, moving := shareMoving(sh); moving {
		return c.adoptShare(ctx, sh, evidence, info.InUse)
	}
	tok := c.shareToken(shareID, sh.Host, req.Host, info.InUse)
	cl := c.shareCall("StartShareMigration", shareID, map[string]any{"migration_start": req}, false, nil)
	cl.min = shareMigStartMin
	cl.ok = []int{202, 200}
	if _, err := c.do(ctx, cl); err != nil {
		return nil, err
	}
	return jobs.NewOperation[*Share](&shareMigration{c: c, tok: tok}), nil
}

// CompleteShareMigration starts the second phase of the migration of the
// share shareID: the switch-over to the destination. The service accepts it
// only once the first phase is done.
//
// POST /v2/shares/{share_id}/action with {"migration_complete": null},
// microversion 2.22 or later; experimental below 2.96. The service answers
// 202 with no body. The request is sent once, like StartShareMigration.
func (c *Client) CompleteShareMigration(ctx context.Context, shareID string) error {
	if err := checkShareID(shareID); err != nil {
		return err
	}
	_, err := c.do(ctx, c.shareCall("CompleteShareMigration", shareID, nullAction("migration_complete"), false, nil))
	return err
}

// CancelShareMigration cancels the migration of the share shareID.
//
// POST /v2/shares/{share_id}/action with {"migration_cancel": null},
// microversion 2.22 or later; experimental below 2.96. The service answers
// 202 with no body. The request is sent once, like StartShareMigration.
func (c *Client) CancelShareMigration(ctx context.Context, shareID string) error {
	if err := checkShareID(shareID); err != nil {
		return err
	}
	_, err := c.do(ctx, c.shareCall("CancelShareMigration", shareID, nullAction("migration_cancel"), false, nil))
	return err
}

// GetShareMigrationProgress returns the progress of the migration of the
// share shareID.
//
// From microversion 2.98 (ShareMigrationProgressGetMicroversion) this is
// GET /v2/shares/{share_id}/migration-progress. Below it, it is
// POST /v2/shares/{share_id}/action with {"migration_get_progress": null},
// microversion 2.22 or later, experimental below 2.96. The client picks
// the form of the microversion in use; each form is served only in its
// own range. The service answers 200. Like a GET, the request is retried
// on network errors, throttling and 502/503/504.
func (c *Client) GetShareMigrationProgress(ctx context.Context, shareID string) (*ShareMigrationProgress, error) {
	if err := checkShareID(shareID); err != nil {
		return nil, err
	}
	if ctx == nil {
		return nil, cloudmigrate.Invalid("ctx", "nil context")
	}
	info, err := c.neg.Version(ctx)
	if err != nil {
		return nil, err
	}
	var out ShareMigrationProgress
	cl := c.shareCall("GetShareMigrationProgress", shareID, nullAction("migration_get_progress"), true, &out)
	if info.InUse.AtLeast(shareProgressGet) {
		cl.method, cl.path, cl.body = http.MethodGet, shareProgress, nil
	}
	cl.ok = []int{200}
	if _, err := c.do(ctx, cl); err != nil {
		return nil, err
	}
	return &out, nil
}

// shareCall builds a per-share migration action call answered with 202.
func (c *Client) shareCall(feature, id string, body any, idempotent bool, out any) *call {
	return &call{
		feature:      feature,
		path:         shareAction,
		id:           id,
		min:          shareMigMin,
		experimental: true,
		stable:       shareMigStable,
		body:         body,
		ok:           []int{202},
		idempotent:   idempotent,
		out:          out,
	}
}

func checkShareID(id string) error { return checkBodyID("shareID", id) }

// checkShareHost validates a per-share destination: "host@backend#pool",
// with no spaces or control characters.
func checkShareHost(host string) error {
	if host == "" {
		return cloudmigrate.Invalid("host", "must not be empty; give the destination as host@backend#pool")
	}
	if err := checkText("host", host); err != nil {
		return err
	}
	name, rest, ok := strings.Cut(host, "@")
	if !ok || name == "" || rest == "" || strings.HasPrefix(rest, "#") {
		return cloudmigrate.Invalid("host", "%q is not of the form host@backend#pool", host)
	}
	return nil
}
