package ecs

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/internal/rest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// StopType says how StopServers stops servers.
type StopType string

// The stop types of the os-stop action.
const (
	// StopSoft shuts the guest down normally; it is the service's default.
	StopSoft StopType = "SOFT"
	// StopHard powers the server off at once, like pulling the plug.
	StopHard StopType = "HARD"
)

// MaxServersPerAction is how many servers one StopServers or StartServers
// call takes. The service accepts up to 1,000 servers a minute; this
// package keeps a call to 100 so that the handle checks them all with one
// listing per poll and its resume token stays short. Split larger sets
// into several calls.
const MaxServersPerAction = 100

// StopServersOptions are the optional settings of StopServers. A nil
// *StopServersOptions stops servers the service's default way (StopSoft).
type StopServersOptions struct {
	// Type is StopSoft or StopHard; empty leaves it to the service
	// (StopSoft).
	Type StopType
}

// ServerActionRequest is the JSON body of the batch server actions
// (POST /v1/{project_id}/cloudservers/action). StopServers and
// StartServers build it; it is exported so that tests and fakes can
// decode what a client sent. Exactly one of its fields is set.
type ServerActionRequest struct {
	// Stop is the os-stop action.
	Stop *StopAction `json:"os-stop,omitempty"`
	// Start is the os-start action.
	Start *StartAction `json:"os-start,omitempty"`
}

// StopAction is the "os-stop" object of a batch stop.
type StopAction struct {
	// Type is SOFT or HARD; left out, the service stops softly.
	Type StopType `json:"type,omitempty"`
	// Servers are the servers to stop.
	Servers []ServerRef `json:"servers"`
}

// StartAction is the "os-start" object of a batch start.
type StartAction struct {
	// Servers are the servers to start.
	Servers []ServerRef `json:"servers"`
}

// ServerRef names one server of a batch action.
type ServerRef struct {
	// ID is the server's ID.
	ID string `json:"id"`
}

// jobAnswer is the answer to a call that starts a job.
type jobAnswer struct {
	JobID string `json:"job_id"`
}

// StopServers stops the servers serverIDs, as a cold migration needs. It
// calls
//
//	POST /v1/{project_id}/cloudservers/action   {"os-stop": {"type": ..., "servers": [{"id": ...}]}}
//
// and returns a handle on the ECS job doing the work as soon as the
// service accepts the request (one request). The handle's Wait ends with
// nil only when the job reports SUCCESS and every server is SHUTOFF with no
// task under way; a server that is not is a *jobs.FailedError naming it,
// and a failed job is a *jobs.FailedError carrying the failed sub-job's
// code and reason (the job's own code and message when no sub-job has
// one). One Poll costs one request (GET /v1/{project_id}/jobs/{job_id})
// while the job runs, and two once it has ended with SUCCESS (the job,
// then one GET /v1/{project_id}/cloudservers/detail for the servers);
// after that, one per poll until the servers have settled. The service
// cannot cancel the job, so Abort returns jobs.ErrCannotAbort.
//
// serverIDs must hold 1 to MaxServersPerAction distinct IDs, each passing
// the path-ID rule (see "IDs in URL paths" in [cloudmigrate]), and
// opts.Type must be empty, StopSoft or StopHard; otherwise the error is a
// *cloudmigrate.ValidationError and nothing is sent. The call changes
// servers, so it is not repeated after a server error or a lost answer
// (see ColdMigrate). A refusal is a *cloudmigrate.Error: CodeServerNotFound
// for an unknown server, CodeTooManyServers for too large a batch, or
// CodeBusy while another operation runs on one of them.
//
// Stopping a server that is already stopped is left to the service to
// judge; check Server.Status with GetServer or ListServers first to stop
// only the running ones.
func (c *Client) StopServers(ctx context.Context, serverIDs []string, opts *StopServersOptions) (*jobs.Operation[*Job], error) {
	var stop StopAction
	if opts != nil {
		switch opts.Type {
		case "", StopSoft, StopHard:
			stop.Type = opts.Type
		default:
			return nil, cloudmigrate.Invalid("opts.Type", "must be %q or %q, got %q", StopSoft, StopHard, opts.Type)
		}
	}
	refs, err := serverRefs(serverIDs)
	if err != nil {
		return nil, err
	}
	stop.Servers = refs
	return c.serverAction(ctx, "ecs.StopServers", kindStopServers, serverIDs, &ServerActionRequest{Stop: &stop})
}

// StartServers starts the servers serverIDs, such as after a cold
// migration. It calls
//
//	POST /v1/{project_id}/cloudservers/action   {"os-start": {"servers": [{"id": ...}]}}
//
// and returns a handle on the ECS job doing the work, as StopServers does.
// The handle's Wait ends with nil only when the job reports SUCCESS and
// every server is ACTIVE with no task under way. A Poll costs what one of
// StopServers' handle costs; the rules on serverIDs, retries and errors
// are StopServers' too.
func (c *Client) StartServers(ctx context.Context, serverIDs []string) (*jobs.Operation[*Job], error) {
	refs, err := serverRefs(serverIDs)
	if err != nil {
		return nil, err
	}
	return c.serverAction(ctx, "ecs.StartServers", kindStartServers, serverIDs, &ServerActionRequest{Start: &StartAction{Servers: refs}})
}

// serverRefs checks a batch's server IDs and returns them as the body
// lists them.
func serverRefs(ids []string) ([]ServerRef, error) {
	switch {
	case len(ids) == 0:
		return nil, cloudmigrate.Invalid("serverIDs", "no server given")
	case len(ids) > MaxServersPerAction:
		return nil, cloudmigrate.Invalid("serverIDs", "holds %d servers, more than %d a call", len(ids), MaxServersPerAction)
	}
	refs := make([]ServerRef, len(ids))
	first := make(map[string]int, len(ids))
	for i, id := range ids {
		field := "serverIDs[" + strconv.Itoa(i) + "]"
		if err := checkListID(field, id); err != nil {
			return nil, err
		}
		if j, dup := first[id]; dup {
			return nil, cloudmigrate.Invalid(field, "repeats serverIDs[%d] (%s)", j, id)
		}
		first[id] = i
		refs[i] = ServerRef{ID: id}
	}
	return refs, nil
}

// serverAction sends a batch action and returns the handle on its job.
func (c *Client) serverAction(ctx context.Context, op, kind string, ids []string, body *ServerActionRequest) (*jobs.Operation[*Job], error) {
	tok := jobs.Token{
		Service:   tokenService,
		Kind:      kind,
		Endpoint:  c.Endpoint(),
		Project:   c.projectID,
		Resources: append([]string(nil), ids...),
		Started:   time.Now().UTC().Truncate(time.Second),
	}
	var ans jobAnswer
	res, err := c.rc.Do(ctx, &rest.Request{
		Op:     op,
		Method: http.MethodPost,
		Path:   "/v1/{project_id}/cloudservers/action",
		Params: []string{c.projectID},
		Body:   body,
		Out:    &ans,
	})
	if err != nil {
		return nil, err
	}
	if err := answeredJobID(ans.JobID, res); err != nil {
		return nil, fmt.Errorf("ecs: %s of %d servers %w", actionName(kind), len(ids), err)
	}
	tok.ID = ans.JobID
	return jobs.NewOperation[*Job](&actionStepper{c: c, tok: tok}), nil
}

// answeredJobID checks the job ID the answer to an accepted call carries.
// When there is none, or one that cannot go into GetJob's path, it returns
// an error whose text goes after the call's name ("ecs: cold migration of
// server x " + err).
func answeredJobID(id string, res *rest.Response) error {
	switch {
	case id == "":
		return fmt.Errorf("was accepted with status %d but the answer has no job_id (request %s)", res.StatusCode, res.RequestID)
	case !usableJobID(id):
		return fmt.Errorf("was accepted with status %d but the answer's job_id %q cannot be followed (request %s)", res.StatusCode, id, res.RequestID)
	}
	return nil
}

// actionName names a batch action in messages.
func actionName(kind string) string {
	if kind == kindStopServers {
		return "the stop"
	}
	return "the start"
}
