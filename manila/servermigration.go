package manila

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/rest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// shareServerAction is the one URL every share-server migration action is
// posted to, relative to the endpoint (which ends with "/v2" or
// "/v2/{project_id}"). The service routes "share-servers" with a hyphen.
const shareServerAction = "/share-servers/{share_server_id}/action"

// CheckMigrationOptions asks whether a share server can be migrated to Host
// with the given guarantees. Every field is sent; the three flags are
// required by the service, so their zero value false is a real answer
// ("not needed"), not "unset".
type CheckMigrationOptions struct {
	// Host is the destination back end as "host@backend", for example
	// "manila-share-2@netapp1". It must not name a pool ("#pool"): a share
	// server lives on a back end, not on a pool.
	Host string `json:"host"`
	// Writable asks that the shares stay writable during the first phase.
	Writable bool `json:"writable"`
	// Nondisruptive asks that clients are not disrupted and export
	// locations do not change.
	Nondisruptive bool `json:"nondisruptive"`
	// PreserveSnapshots asks that the shares' snapshots move along.
	PreserveSnapshots bool `json:"preserve_snapshots"`
	// NewShareNetworkID is the share network for the destination. Empty
	// keeps the current one (it is sent as null).
	NewShareNetworkID string `json:"new_share_network_id"`
}

// StartMigrationOptions starts the first phase of a share-server migration
// to Host. It has the same fields as CheckMigrationOptions, so a request
// checked with CheckMigration can be converted and started as is:
// (*manila.StartMigrationOptions)(checkOpts).
type StartMigrationOptions struct {
	// Host is the destination back end as "host@backend", without a pool.
	Host string `json:"host"`
	// Writable requires that the shares stay writable during the first
	// phase; if the driver cannot do that, the migration fails.
	Writable bool `json:"writable"`
	// Nondisruptive requires that clients are not disrupted and export
	// locations do not change; if the driver cannot do that, the migration
	// fails.
	Nondisruptive bool `json:"nondisruptive"`
	// PreserveSnapshots requires that the snapshots move along; if the
	// driver cannot do that, the migration fails.
	PreserveSnapshots bool `json:"preserve_snapshots"`
	// NewShareNetworkID is the share network for the destination. Empty
	// keeps the current one (it is sent as null). It must exist and be
	// active.
	NewShareNetworkID string `json:"new_share_network_id"`
}

// migrationParams is the body inside migration_check and migration_start.
type migrationParams struct {
	Host              string  `json:"host"`
	Writable          bool    `json:"writable"`
	Nondisruptive     bool    `json:"nondisruptive"`
	PreserveSnapshots bool    `json:"preserve_snapshots"`
	NewShareNetworkID *string `json:"new_share_network_id"`
}

func newMigrationParams(host string, writable, nondisruptive, preserve bool, network string) (*migrationParams, error) {
	if err := checkServerHost(host); err != nil {
		return nil, err
	}
	p := &migrationParams{Host: host, Writable: writable, Nondisruptive: nondisruptive, PreserveSnapshots: preserve}
	if network != "" {
		if err := checkBodyID("new_share_network_id", network); err != nil {
			return nil, err
		}
		p.NewShareNetworkID = &network
	}
	return p, nil
}

// checkServerHost validates a share-server destination: "host@backend",
// both parts present, no pool, no spaces or control characters.
func checkServerHost(host string) error {
	if host == "" {
		return cloudmigrate.Invalid("host", "must not be empty; give the destination as host@backend")
	}
	if strings.Contains(host, "#") {
		return cloudmigrate.Invalid("host", "%q names a pool; a share server moves to a back end, give host@backend without #pool", host)
	}
	if err := checkText("host", host); err != nil {
		return err
	}
	name, backend, ok := strings.Cut(host, "@")
	if !ok || name == "" || backend == "" || strings.Contains(backend, "@") {
		return cloudmigrate.Invalid("host", "%q is not of the form host@backend", host)
	}
	return nil
}

// checkBodyID validates an ID sent in a request body or a path. Manila
// documents no pattern for the IDs in its bodies, so they are held to the
// rule of path IDs, rest.CheckID.
func checkBodyID(field, v string) error { return rest.CheckID(field, v) }

func checkText(field, v string) error {
	for _, r := range v {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return cloudmigrate.Invalid(field, "%q contains white space or a control character", v)
		}
	}
	return nil
}

// MigrationCheck is the service's answer to CheckMigration.
type MigrationCheck struct {
	// Compatible reports whether the destination can take the share
	// server with the requested guarantees.
	Compatible bool `json:"compatible"`
	// RequestedCapabilities echoes what was asked.
	RequestedCapabilities RequestedCapabilities `json:"requested_capabilities"`
	// SupportedCapabilities is what the destination's driver can do.
	SupportedCapabilities SupportedCapabilities `json:"supported_capabilities"`
}

// RequestedCapabilities is the service's echo of a migration check request.
// The service repeats the values as they were sent, so a flag may arrive
// as a JSON boolean or as a string such as "True"; both decode here. A
// flag the service leaves null stays nil.
type RequestedCapabilities struct {
	// Writable is the requested writable flag.
	Writable *bool `json:"writable"`
	// Nondisruptive is the requested nondisruptive flag.
	Nondisruptive *bool `json:"nondisruptive"`
	// PreserveSnapshots is the requested preserve_snapshots flag.
	PreserveSnapshots *bool `json:"preserve_snapshots"`
	// ShareNetworkID is the requested new share network, "" when none was
	// given (the service sends null).
	ShareNetworkID string `json:"share_network_id"`
	// Host is the requested destination.
	Host string `json:"host"`
}

// UnmarshalJSON decodes the echo, accepting booleans given as JSON
// booleans or as strings ("True", "false", "1", "no", ...).
func (r *RequestedCapabilities) UnmarshalJSON(b []byte) error {
	var w struct {
		Writable          json.RawMessage `json:"writable"`
		Nondisruptive     json.RawMessage `json:"nondisruptive"`
		PreserveSnapshots json.RawMessage `json:"preserve_snapshots"`
		ShareNetworkID    *string         `json:"share_network_id"`
		Host              *string         `json:"host"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	var out RequestedCapabilities
	var err error
	if out.Writable, err = flexBool("writable", w.Writable); err != nil {
		return err
	}
	if out.Nondisruptive, err = flexBool("nondisruptive", w.Nondisruptive); err != nil {
		return err
	}
	if out.PreserveSnapshots, err = flexBool("preserve_snapshots", w.PreserveSnapshots); err != nil {
		return err
	}
	if w.ShareNetworkID != nil {
		out.ShareNetworkID = *w.ShareNetworkID
	}
	if w.Host != nil {
		out.Host = *w.Host
	}
	*r = out
	return nil
}

// SupportedCapabilities is the destination driver's answer to a migration
// check. A driver that cannot take the share server may answer null for
// any of these; such a flag stays nil.
type SupportedCapabilities struct {
	// Writable reports whether the shares can stay writable.
	Writable *bool `json:"writable"`
	// Nondisruptive reports whether the migration can be nondisruptive.
	Nondisruptive *bool `json:"nondisruptive"`
	// PreserveSnapshots reports whether snapshots can move along.
	PreserveSnapshots *bool `json:"preserve_snapshots"`
	// ShareNetworkID is the share network the destination would use, ""
	// when the service sent null.
	ShareNetworkID string `json:"share_network_id"`
	// MigrationCancel reports whether the migration could be cancelled
	// (CancelMigration) once started.
	MigrationCancel *bool `json:"migration_cancel"`
	// MigrationGetProgress reports whether the driver reports progress
	// (GetMigrationProgress).
	MigrationGetProgress *bool `json:"migration_get_progress"`
}

// UnmarshalJSON decodes the driver's answer, accepting null and booleans
// given as strings.
func (s *SupportedCapabilities) UnmarshalJSON(b []byte) error {
	var w struct {
		Writable             json.RawMessage `json:"writable"`
		Nondisruptive        json.RawMessage `json:"nondisruptive"`
		PreserveSnapshots    json.RawMessage `json:"preserve_snapshots"`
		ShareNetworkID       *string         `json:"share_network_id"`
		MigrationCancel      json.RawMessage `json:"migration_cancel"`
		MigrationGetProgress json.RawMessage `json:"migration_get_progress"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	var out SupportedCapabilities
	fields := []struct {
		name string
		raw  json.RawMessage
		dst  **bool
	}{
		{"writable", w.Writable, &out.Writable},
		{"nondisruptive", w.Nondisruptive, &out.Nondisruptive},
		{"preserve_snapshots", w.PreserveSnapshots, &out.PreserveSnapshots},
		{"migration_cancel", w.MigrationCancel, &out.MigrationCancel},
		{"migration_get_progress", w.MigrationGetProgress, &out.MigrationGetProgress},
	}
	for _, f := range fields {
		v, err := flexBool(f.name, f.raw)
		if err != nil {
			return err
		}
		*f.dst = v
	}
	if w.ShareNetworkID != nil {
		out.ShareNetworkID = *w.ShareNetworkID
	}
	*s = out
	return nil
}

// flexBool decodes a JSON boolean, a boolean string in the forms the
// service accepts, or null (nil).
func flexBool(name string, raw json.RawMessage) (*bool, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return nil, nil
	}
	var v bool
	switch s {
	case "true":
		v = true
	case "false":
	default:
		var str string
		if err := json.Unmarshal(raw, &str); err != nil {
			return nil, fmt.Errorf("manila: %s: %s is neither a boolean nor a string", name, s)
		}
		switch strings.ToLower(strings.TrimSpace(str)) {
		case "1", "t", "true", "on", "y", "yes":
			v = true
		case "0", "f", "false", "off", "n", "no":
		default:
			return nil, fmt.Errorf("manila: %s: %q is not a boolean", name, str)
		}
	}
	return &v, nil
}

// CheckMigration asks whether the share server shareServerID can be
// migrated as req describes, without changing anything.
//
// POST /v2/share-servers/{share_server_id}/action with
// {"migration_check": {...}}, microversion 2.57 or later, experimental.
// The service answers 200. The body always carries new_share_network_id
// (null when req.NewShareNetworkID is empty), as the service expects.
//
// Because nothing changes on the service, the request is retried on
// network errors, throttling and 502/503/504 like a GET.
func (c *Client) CheckMigration(ctx context.Context, shareServerID string, req *CheckMigrationOptions) (*MigrationCheck, error) {
	if err := checkServerID(shareServerID); err != nil {
		return nil, err
	}
	if req == nil {
		return nil, cloudmigrate.Invalid("req", "must not be nil")
	}
	p, err := newMigrationParams(req.Host, req.Writable, req.Nondisruptive, req.PreserveSnapshots, req.NewShareNetworkID)
	if err != nil {
		return nil, err
	}
	var out MigrationCheck
	_, err = c.do(ctx, c.serverCall("CheckMigration", shareServerID, map[string]any{"migration_check": p},
		200, true, &out))
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// StartMigration starts the first phase of migrating the share server
// shareServerID (and all its shares) to req.Host, and returns the handle
// that follows it: a *jobs.Operation[*ShareServer] whose Wait ends when
// the first phase is over and yields the destination share server. The
// data is copied while the shares stay available; call CompleteMigration
// (or CancelMigration) after the wait, then WaitForMigrationComplete.
//
// POST /v2/share-servers/{share_server_id}/action with
// {"migration_start": {...}}, microversion 2.57 or later, experimental.
// The service answers 202 with no body.
//
// # Adoption
//
// Before it starts anything, the call reads the share server
// (GET /v2/share-servers/{share_server_id}: one request). When it is
// already the source of a migration (status server_migrating, or a task
// state of a migration under way or at the end of its first phase), the
// call sends no start: it lists the share servers naming it as their
// source (GET /v2/share-servers?source_share_server_id=..., one more
// request) to learn the destination, and returns the handle on that
// migration together with a *cloudmigrate.InProgressError
// (errors.Is(err, cloudmigrate.ErrInProgress) holds) giving its task state
// and status. The handle then follows that migration, to the back end its
// destination share server is on (any back end, while the destination
// does not exist yet), whatever req.Host says. A read that fails is
// returned as is and nothing is started.
//
// The service sets the task state when it accepts a start, so every
// accepted migration is visible to that read. What it cannot see is a
// start sent by someone else between the read and this call's start;
// the service then refuses this one (409, the share server is no longer
// active), so a share server is never migrated twice. A migration that
// has ended (the source inactive or deleted after a success, active
// again after a cancellation or a failure) is not adopted: a new start is
// sent, which the service refuses for an inactive share server.
//
// # The handle
//
// One Poll sends at most 2 requests (each may be retried by the client on
// throttling or a 502/503/504): migration_get_progress on the source;
// when the service answers 400 (before the destination share server
// exists, and once the migration is over) a GET of the source; and, to
// confirm the end of the first phase, a GET of the destination share
// server (or the list of the source's destinations when its ID was never
// seen). The wait succeeds only when the task state is
// migration_driver_phase1_done, migration_completing or migration_success
// and the destination share server exists, names the source, is not in
// error or inactive, and is on req.Host's back end; otherwise it ends with
// a *jobs.FailedError saying which. A migration that ends in
// migration_error or migration_cancelled gives a *jobs.FailedError
// (State jobs.Failed or jobs.Cancelled) whose message has the share
// server's task state and status. As the service deletes the source soon
// after a successful migration, a poll that finds it gone asks its
// progress again on the next poll, when the service answers for the
// deleted source from the destination. Abort sends CancelMigration
// (accepted at migration_driver_in_progress and
// migration_driver_phase1_done); once the handle has ended at phase 1,
// call CancelMigration yourself. ResumeToken gives text for
// ResumeMigration.
//
// # Errors
//
// The start is sent once: it is repeated only if it provably never
// reached the service or the service throttled it (429). A 5xx or a
// broken connection is returned as is; calling StartMigration again then
// adopts the migration if the service started it.
func (c *Client) StartMigration(ctx context.Context, shareServerID string, req *StartMigrationOptions) (*jobs.Operation[*ShareServer], error) {
	if err := checkServerID(shareServerID); err != nil {
		return nil, err
	}
	if req == nil {
		return nil, cloudmigrate.Invalid("req", "must not be nil")
	}
	p, err := newMigrationParams(req.Host, req.Writable, req.Nondisruptive, req.PreserveSnapshots, req.NewShareNetworkID)
	if err != nil {
		return nil, err
	}
	if ctx == nil {
		return nil, cloudmigrate.Invalid("ctx", "nil context")
	}
	info, err := c.neg.Require(ctx, "StartMigration", serverMigMin, auth.Microversion{})
	if err != nil {
		return nil, err
	}
	sv, err := c.GetShareServer(ctx, shareServerID)
	if err != nil {
		return nil, err
	}
	if evidence, moving := serverMoving(sv); moving {
		return c.adoptServer(ctx, sv, evidence, info.InUse)
	}
	tok := c.serverToken(shareServerID, sv.Host, req.Host, "", info.InUse)
	if _, err := c.do(ctx, c.serverCall("StartMigration", shareServerID, map[string]any{"migration_start": p},
		202, false, nil)); err != nil {
		return nil, err
	}
	return jobs.NewOperation[*ShareServer](newServerMigration(c, tok)), nil
}

// MigrationCompletion is the service's answer to CompleteMigration.
type MigrationCompletion struct {
	// DestinationShareServerID is the ID of the share server created on
	// the destination back end, which takes over the shares.
	DestinationShareServerID string `json:"destination_share_server_id"`
}

// CompleteMigration starts the second phase of the migration of the share
// server shareServerID: final synchronisation and switch-over to the
// destination share server. Clients may be disrupted and may need to
// remount. The service accepts it only when the task state is
// migration_driver_phase1_done; follow it with WaitForMigrationComplete.
//
// POST /v2/share-servers/{share_server_id}/action with
// {"migration_complete": null}, microversion 2.57 or later, experimental.
// The service answers 200 with the destination share server's ID.
//
// The request is sent once, like StartMigration.
func (c *Client) CompleteMigration(ctx context.Context, shareServerID string) (*MigrationCompletion, error) {
	if err := checkServerID(shareServerID); err != nil {
		return nil, err
	}
	var out MigrationCompletion
	_, err := c.do(ctx, c.serverCall("CompleteMigration", shareServerID, nullAction("migration_complete"),
		200, false, &out))
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// MigrationProgress is where a share-server migration stands.
type MigrationProgress struct {
	// TotalProgress is the completion in percent, 0 to 100. The service
	// reports 0 while the migration starts and 100 from phase 1 done on
	// (and after success, cancellation or error); in between the driver
	// reports it.
	TotalProgress int `json:"total_progress"`
	// TaskState is the share server's task state. It is "" early in the
	// migration, before the destination share server exists.
	TaskState TaskState `json:"task_state"`
	// DestinationShareServerID is the ID of the destination share server,
	// "" before it exists.
	DestinationShareServerID string `json:"destination_share_server_id"`
	// ShareServer is set only on a progress the waits (WaitForMigrationPhase1,
	// WaitForMigrationComplete) made up from the share server itself,
	// because the service no longer reported progress for it: the share
	// server as GetShareServer read it. It is nil on every answer of
	// GetMigrationProgress, and it is not part of the JSON form.
	ShareServer *ShareServer `json:"-"`
}

// UnmarshalJSON decodes the progress answer. total_progress may come as an
// integer, a fraction (truncated) or a numeric string; null fields stay
// empty.
func (p *MigrationProgress) UnmarshalJSON(b []byte) error {
	var w struct {
		TotalProgress            json.RawMessage `json:"total_progress"`
		TaskState                *string         `json:"task_state"`
		DestinationShareServerID *string         `json:"destination_share_server_id"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	var out MigrationProgress
	n, err := flexPercent(w.TotalProgress)
	if err != nil {
		return err
	}
	out.TotalProgress = n
	if w.TaskState != nil {
		out.TaskState = TaskState(*w.TaskState)
	}
	if w.DestinationShareServerID != nil {
		out.DestinationShareServerID = *w.DestinationShareServerID
	}
	*p = out
	return nil
}

// flexPercent decodes a percentage given as a number or a numeric string;
// null and "" are 0. NaN, infinities and numbers beyond the range of int
// are errors.
func flexPercent(raw json.RawMessage) (int, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return 0, nil
	}
	if s[0] == '"' {
		var str string
		if err := json.Unmarshal(raw, &str); err != nil {
			return 0, err
		}
		s = strings.TrimSpace(str)
		if s == "" {
			return 0, nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("manila: total_progress: %s is not a number", s)
	}
	// Converting a float outside the range of int gives a value that
	// depends on the platform; refuse it rather than report nonsense.
	if f >= -float64(math.MinInt) || f < float64(math.MinInt) {
		return 0, fmt.Errorf("manila: total_progress: %s is out of range", s)
	}
	return int(f), nil
}

// GetMigrationProgress returns the progress of the migration of the share
// server shareServerID, as the service answers it.
//
// The service answers only while the share server is the source of a
// migration under way (status server_migrating) whose destination share
// server exists. Otherwise it answers 400 (a *cloudmigrate.Error):
//
//   - right after StartMigration, until the destination share server is
//     created (task states migration_starting and migration_in_progress):
//     "A destination share server wasn't found for source share server
//     ...";
//   - for an ID the service does not know, with the same message (it
//     looks for a migration from that ID);
//   - for any share server that is not migrating, which includes the
//     source once its migration has ended: a cancelled or failed migration
//     leaves it active, a successful one inactive until the service
//     deletes it, soon after.
//
// Read the state with GetShareServer then (WaitForMigrationPhase1 and
// WaitForMigrationComplete do that themselves). Once the source of a
// successful migration has been deleted, its ID answers again, with
// total_progress 100 and the destination's ID and task state
// (migration_success, or empty if an administrator cleared it). A share
// service that is down gives a 409.
//
// POST /v2/share-servers/{share_server_id}/action with
// {"migration_get_progress": null}, microversion 2.57 or later,
// experimental. The service answers 200.
//
// Because nothing changes on the service, the request is retried on
// network errors, throttling and 502/503/504 like a GET.
func (c *Client) GetMigrationProgress(ctx context.Context, shareServerID string) (*MigrationProgress, error) {
	if err := checkServerID(shareServerID); err != nil {
		return nil, err
	}
	var out MigrationProgress
	_, err := c.do(ctx, c.serverCall("GetMigrationProgress", shareServerID, nullAction("migration_get_progress"),
		200, true, &out))
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// CancelMigration cancels the migration of the share server shareServerID.
// The service accepts it only while the task state is
// migration_driver_in_progress or migration_driver_phase1_done, and only
// if the driver supports it (see SupportedCapabilities.MigrationCancel);
// the state then goes through migration_cancel_in_progress to
// migration_cancelled.
//
// POST /v2/share-servers/{share_server_id}/action with
// {"migration_cancel": null}, microversion 2.57 or later, experimental.
// The service answers 202 with no body.
//
// The request is sent once, like StartMigration.
func (c *Client) CancelMigration(ctx context.Context, shareServerID string) error {
	if err := checkServerID(shareServerID); err != nil {
		return err
	}
	_, err := c.do(ctx, c.serverCall("CancelMigration", shareServerID, nullAction("migration_cancel"),
		202, false, nil))
	return err
}

// ResetTaskState overwrites the task state of the share server
// shareServerID, an administrator's repair after a migration went wrong.
// state must be one of the states the service accepts (see
// TaskState.Resettable); nil clears the task state (null is sent).
//
// POST /v2/share-servers/{share_server_id}/action with
// {"reset_task_state": {"task_state": ...}}, microversion 2.57 or later,
// experimental. The service answers 202 with no body.
//
// The request is sent once, like StartMigration.
func (c *Client) ResetTaskState(ctx context.Context, shareServerID string, state *TaskState) error {
	if err := checkServerID(shareServerID); err != nil {
		return err
	}
	if state != nil && !state.Resettable() {
		return cloudmigrate.Invalid("task_state", "%q cannot be set; use one of %s, or nil to clear it",
			string(*state), strings.Join(resettableNames(), ", "))
	}
	body := map[string]any{"reset_task_state": map[string]*TaskState{"task_state": state}}
	_, err := c.do(ctx, c.serverCall("ResetTaskState", shareServerID, body, 202, false, nil))
	return err
}

// serverCall builds a share-server migration action call.
func (c *Client) serverCall(feature, id string, body any, status int, idempotent bool, out any) *call {
	return &call{
		feature:      feature,
		path:         shareServerAction,
		id:           id,
		min:          serverMigMin,
		experimental: true,
		body:         body,
		ok:           []int{status},
		idempotent:   idempotent,
		out:          out,
	}
}

// nullAction is an action body whose value is null: {"name": null}.
func nullAction(name string) map[string]any { return map[string]any{name: nil} }

func checkServerID(id string) error { return rest.CheckID("shareServerID", id) }
