package nova

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"strings"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/rest"
)

// mv258 is the microversion from which instance actions are paged.
var mv258 = auth.MustParseMicroversion("2.58")

// Names nova gives the instance actions of the moves in this package (the
// Action field), and of the calls that change them.
const (
	ActionLiveMigration              = "live-migration"
	ActionMigrate                    = "migrate"
	ActionEvacuate                   = "evacuate"
	ActionResize                     = "resize"
	ActionRebuild                    = "rebuild"
	ActionConfirmResize              = "confirmResize"
	ActionRevertResize               = "revertResize"
	ActionLiveMigrationCancel        = "live_migration_cancel"
	ActionLiveMigrationForceComplete = "live_migration_force_complete"
)

// EventResultError and EventResultSuccess are the results nova records on
// an instance action event that has finished; an event still under way
// has none.
const (
	EventResultSuccess = "Success"
	EventResultError   = "Error"
)

// InstanceAction is nova's record of one request made on a server (a live
// migration, a cold migration, an evacuation, a confirm ...): who made it,
// when, its request ID and, from GetInstanceAction, the events the
// services that carried it out recorded. It is where nova keeps the reason
// a move failed.
//
// Fields nova sends as null are left at their zero value.
type InstanceAction struct {
	// Action names the request, such as ActionLiveMigration
	// ("live-migration"), ActionMigrate or ActionEvacuate.
	Action string `json:"action"`
	// InstanceUUID is the server's ID.
	InstanceUUID string `json:"instance_uuid"`
	// RequestID is the request ID of the API call, as its
	// X-Openstack-Request-Id header gave it: the ID GetInstanceAction
	// takes.
	RequestID string `json:"request_id"`
	// UserID and ProjectID name who made the request; "" for actions nova
	// started itself (nova-manage, periodic tasks).
	UserID    string `json:"user_id"`
	ProjectID string `json:"project_id"`
	// StartTime is when nova accepted the request (UTC).
	StartTime Time `json:"start_time"`
	// UpdatedAt is when the action last changed (microversion 2.58+); zero
	// before, or when it never did.
	UpdatedAt Time `json:"updated_at"`
	// Message is "Error" once an event of the action has failed, and ""
	// otherwise.
	Message string `json:"message"`
	// Events are the steps the services recorded, newest first. Only
	// GetInstanceAction returns them: by default to admins at every
	// microversion, and from 2.51 to the server's owner too (without
	// Traceback).
	Events []InstanceActionEvent `json:"events,omitempty"`
}

// InstanceActionEvent is one step of an instance action, such as
// "conductor_live_migrate_instance" or "compute_live_migration".
type InstanceActionEvent struct {
	// Event names the step: the service ("conductor", "compute") and the
	// method that ran it.
	Event string `json:"event"`
	// StartTime and FinishTime bound the step (UTC); FinishTime is zero
	// while it runs.
	StartTime  Time `json:"start_time"`
	FinishTime Time `json:"finish_time"`
	// Result is EventResultSuccess or EventResultError once the step has
	// finished, and "" while it runs.
	Result string `json:"result"`
	// Traceback is the Python traceback of a failed step, shown to admins
	// only.
	Traceback string `json:"traceback"`
	// Host is the compute or conductor host that ran the step (2.62+,
	// admins only).
	Host string `json:"host"`
	// HostID is an obfuscated ID of that host, the same as a server's
	// hostId (2.62+, every caller).
	HostID string `json:"hostId"`
	// Details is the error message of a failed step, such as "No valid
	// host was found." (2.84+, admins by default).
	Details string `json:"details"`
}

// Failed reports whether the step finished with an error.
func (e *InstanceActionEvent) Failed() bool { return strings.EqualFold(e.Result, EventResultError) }

// Reason says why a failed step failed: its Details (2.84+) or, when nova
// gives none, the last line of its Traceback (the exception and its
// message). It is "" for a step that did not fail or gives neither.
func (e *InstanceActionEvent) Reason() string {
	if !e.Failed() {
		return ""
	}
	if d := strings.TrimSpace(e.Details); d != "" {
		return d
	}
	lines := strings.Split(strings.TrimSpace(e.Traceback), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// Failure returns the first event of the action that failed, or nil.
func (a *InstanceAction) Failure() *InstanceActionEvent {
	for i := range a.Events {
		if a.Events[i].Failed() {
			return &a.Events[i]
		}
	}
	return nil
}

// ListInstanceActionsOptions filters and pages
// GET /servers/{server_id}/os-instance-actions. The zero value lists every
// action of the server. A field that needs a later microversion than the
// one in use is a *cloudmigrate.VersionError and nothing is sent.
type ListInstanceActionsOptions struct {
	// ChangesSince keeps the actions updated at or after this time
	// (2.58+). It is sent in RFC 3339.
	ChangesSince time.Time `url:"changes-since,omitempty"`
	// ChangesBefore keeps the actions updated at or before this time
	// (2.66+). It is sent in RFC 3339.
	ChangesBefore time.Time `url:"changes-before,omitempty"`
	// Limit is the page size (2.58+); nova caps it (1000 by default) and
	// zero leaves it to nova. The iterator fetches further pages as the
	// caller asks for more actions, whatever the limit.
	Limit int `url:"limit,omitempty"`
	// Marker starts the listing after the action with this request ID
	// (2.58+).
	Marker string `url:"marker,omitempty"`
}

type instanceActionsPage struct {
	Actions []InstanceAction `json:"instanceActions"`
	Links   []Link           `json:"links"`
}

func (p *instanceActionsPage) items() []InstanceAction { return p.Actions }

func (p *instanceActionsPage) next() string { return nextLink(p.Links) }

// ListInstanceActions lists the actions recorded on a server, newest
// first, without their events (GetInstanceAction has those). From
// microversion 2.58 nova pages the list; the iterator follows the "next"
// links, fetching a page only when the loop goes past the previous one,
// and stops when there is no further link. Breaking out of the loop sends
// nothing more. An error (a *cloudmigrate.ValidationError or
// *cloudmigrate.VersionError for a bad option, a *cloudmigrate.Error for
// a refused request, 404 for an unknown server) is yielded once and ends
// the sequence. From 2.21 the actions of a deleted server are listed too.
//
// GET /servers/{server_id}/os-instance-actions, microversion 2.1 or later
// (ChangesSince, Limit and Marker 2.58, ChangesBefore 2.66).
func (c *Client) ListInstanceActions(ctx context.Context, serverID string, opts *ListInstanceActionsOptions) iter.Seq2[InstanceAction, error] {
	return func(yield func(InstanceAction, error) bool) {
		var q ListInstanceActionsOptions
		if opts != nil {
			q = *opts
		}
		v, err := c.checkActionOptions(ctx, serverID, &q)
		if err != nil {
			yield(InstanceAction{}, err)
			return
		}
		listPages(ctx, c, "nova.ListInstanceActions", v, "/servers/{server_id}/os-instance-actions", []string{serverID}, &q, &q.Marker,
			func() listPage[InstanceAction] { return new(instanceActionsPage) },
			func(a InstanceAction) string { return a.RequestID }, yield)
	}
}

// checkActionOptions validates the server ID and q, and checks q against
// the microversion in use.
func (c *Client) checkActionOptions(ctx context.Context, serverID string, q *ListInstanceActionsOptions) (auth.Microversion, error) {
	if err := checkServer(serverID); err != nil {
		return auth.Microversion{}, err
	}
	if q.Limit < 0 {
		return auth.Microversion{}, cloudmigrate.Invalid("ListInstanceActionsOptions.Limit", "must not be negative, got %d", q.Limit)
	}
	if !q.ChangesSince.IsZero() && !q.ChangesBefore.IsZero() && q.ChangesSince.After(q.ChangesBefore) {
		return auth.Microversion{}, cloudmigrate.Invalid("ListInstanceActionsOptions.ChangesSince", "is after ChangesBefore")
	}
	v, err := c.require(ctx, "ListInstanceActions", anyMin, noMax)
	if err != nil {
		return v, err
	}
	checks := []struct {
		set     bool
		feature string
		min     auth.Microversion
	}{
		{!q.ChangesSince.IsZero(), "ListInstanceActionsOptions.ChangesSince", mv258},
		{q.Limit != 0, "ListInstanceActionsOptions.Limit", mv258},
		{q.Marker != "", "ListInstanceActionsOptions.Marker", mv258},
		{!q.ChangesBefore.IsZero(), "ListInstanceActionsOptions.ChangesBefore", mv266},
	}
	for _, ch := range checks {
		if ch.set {
			if err := c.need(ctx, v, ch.feature, ch.min, noMax); err != nil {
				return v, err
			}
		}
	}
	return v, nil
}

var errNoAction = errors.New("nova: the answer holds no instanceAction object")

type instanceActionBody struct {
	Action *InstanceAction `json:"instanceAction"`
}

// GetInstanceAction returns one action of a server with its events: the
// one made by the API request whose X-Openstack-Request-Id was requestID.
// Which event fields nova fills in depends on the microversion and the
// caller: Host from 2.62 and Details from 2.84 (admins by default),
// HostID from 2.62, Traceback for admins. A request ID nova has no action
// for is a 404: cloudmigrate.IsNotFound(err) holds.
//
// GET /servers/{server_id}/os-instance-actions/{request_id}, microversion
// 2.1 or later.
func (c *Client) GetInstanceAction(ctx context.Context, serverID, requestID string) (*InstanceAction, error) {
	if err := checkServer(serverID); err != nil {
		return nil, err
	}
	if err := rest.CheckID("request_id", requestID); err != nil {
		return nil, err
	}
	v, err := c.require(ctx, "GetInstanceAction", anyMin, noMax)
	if err != nil {
		return nil, err
	}
	return c.getInstanceAction(ctx, v, serverID, requestID)
}

func (c *Client) getInstanceAction(ctx context.Context, v auth.Microversion, serverID, requestID string) (*InstanceAction, error) {
	var out instanceActionBody
	if _, err := c.send(ctx, v, &rest.Request{
		Op:     "nova.GetInstanceAction",
		Method: http.MethodGet,
		Path:   "/servers/{server_id}/os-instance-actions/{request_id}",
		Params: []string{serverID, requestID},
		OK:     []int{http.StatusOK},
		Out:    &out,
	}); err != nil {
		return nil, err
	}
	if out.Action == nil {
		return nil, errNoAction
	}
	return out.Action, nil
}
