package ecs

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/internal/rest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// ColdMigrateOptions chooses where a cold migration goes. A nil
// *ColdMigrateOptions, or one with an empty DedicatedHostID, moves the
// server to the public resource pool.
type ColdMigrateOptions struct {
	// DedicatedHostID is the ID of the dedicated host (DeH) to move the
	// server to. Set it to move a server from the public pool to a DeH or
	// from one DeH to another; leave it empty to move a server from its DeH
	// back to the public pool. Moving a server to the host it is already on
	// fails with CodeSameHost.
	DedicatedHostID string
}

// ColdMigrateRequest is the JSON body of the cold-migrate call. ColdMigrate
// builds it from ColdMigrateOptions; it is exported so that tests and fakes
// can decode what a client sent.
type ColdMigrateRequest struct {
	// Migrate says where the server goes. The key is always present; its
	// value is JSON null when the server moves to the public resource pool.
	Migrate *MigrateTarget `json:"migrate"`
}

// MigrateTarget is the "migrate" object of a cold-migrate request.
type MigrateTarget struct {
	// DedicatedHostID is the ID of the dedicated host the server moves to.
	// It is the object's only field.
	DedicatedHostID string `json:"dedicated_host_id,omitempty"`
}

// ColdMigrate starts the cold migration of the server serverID to the
// dedicated host opts.DedicatedHostID, or to the public resource pool when
// opts is nil or names no host, and returns a handle on it. It calls
//
//	GET  /v1/{project_id}/cloudservers/{server_id}
//	POST /v1/{project_id}/cloudservers/{server_id}/migrate
//
// The first request reads the server; the second starts the migration and
// returns as soon as the service accepts it, with the ID of the job doing
// the work. The server must be stopped first (StopServers; the service
// refuses a running one with CodeServerNotStopped) and must involve a
// dedicated host, as source or target.
//
// The handle is a *jobs.Operation[*Job]. One Poll costs one request
// (GET /v1/{project_id}/jobs/{job_id}) while the job runs, and two once
// it has ended with SUCCESS (the job, then GetServer); after that, one per
// poll until the server has settled. Wait ends with nil only when the job
// reports SUCCESS and the server, no longer resizing, is on the target
// host (or, for the pool, on none). A failed job is a *jobs.FailedError
// carrying the failed sub-job's error_code and fail_reason (the job's own
// code and message when no sub-job has one) and the final *Job; a job
// that reports SUCCESS while the server is elsewhere, in ERROR or gone is
// a *jobs.FailedError saying so. ECS cannot cancel a migration job, so
// Abort returns jobs.ErrCannotAbort. Save ResumeToken to follow the
// migration from another process with ResumeColdMigration.
//
// # A migration already under way
//
// When the server read first shows a move under way (status RESIZE,
// VERIFY_RESIZE, REVERT_RESIZE or MIGRATING, or a resize_ or migrating
// task state), ColdMigrate sends no migration: it returns a handle that
// follows that move, together with a *cloudmigrate.InProgressError
// (errors.Is(err, cloudmigrate.ErrInProgress) holds) whose Evidence is
// what the server showed. ECS does not say which job moves a server, so
// such a handle has no job ID: each poll reads the server (one request),
// its Wait succeeds when the server has settled on the target asked for
// here, and its result *Job is nil.
//
// What cannot be seen beforehand: a migration accepted moments ago whose
// job has not touched the server yet (the server still shows SHUTOFF).
// The service then refuses the second start with CodeBusy, which the
// client resends a few times before returning it; nothing is started
// twice.
//
// # Input and retries
//
// serverID and a non-empty opts.DedicatedHostID must pass the ID check
// (see "IDs in URL paths" in [cloudmigrate]); a bad one is a
// *cloudmigrate.ValidationError and nothing is sent. The migration request
// is not repeated after a server error or a lost answer: it is sent again
// only when it provably never reached the service or the service asked
// the caller to slow down (HTTP 429, or CodeBusy). A refusal, of the read
// or the start, is a *cloudmigrate.Error whose Code is one of the Code
// constants of this package or another "Ecs.xxxx" code.
func (c *Client) ColdMigrate(ctx context.Context, serverID string, opts *ColdMigrateOptions) (*jobs.Operation[*Job], error) {
	if err := checkID("serverID", serverID); err != nil {
		return nil, err
	}
	body := ColdMigrateRequest{}
	target := ""
	if opts != nil && opts.DedicatedHostID != "" {
		if err := checkID("opts.DedicatedHostID", opts.DedicatedHostID); err != nil {
			return nil, err
		}
		target = opts.DedicatedHostID
		body.Migrate = &MigrateTarget{DedicatedHostID: target}
	}
	if ctx == nil {
		return nil, cloudmigrate.Invalid("ctx", "nil context")
	}
	srv, err := c.GetServer(ctx, serverID)
	if err != nil {
		return nil, err
	}
	tok := jobs.Token{
		Service:   tokenService,
		Kind:      kindColdMigrate,
		Endpoint:  c.Endpoint(),
		Project:   c.projectID,
		Resources: []string{serverID},
		Source:    srv.DedicatedHostID(),
		Target:    target,
		Started:   time.Now().UTC().Truncate(time.Second),
	}
	if inFlight, evidence := moving(srv); inFlight {
		op := jobs.NewOperation[*Job](&migrationStepper{c: c, tok: tok})
		return op, &cloudmigrate.InProgressError{Resource: "server " + serverID, Evidence: evidence}
	}
	var res jobAnswer
	resp, err := c.rc.Do(ctx, &rest.Request{
		Op:     "ecs.ColdMigrate",
		Method: http.MethodPost,
		Path:   "/v1/{project_id}/cloudservers/{server_id}/migrate",
		Params: []string{c.projectID, serverID},
		Body:   &body,
		Out:    &res,
	})
	if err != nil {
		return nil, err
	}
	if err := answeredJobID(res.JobID, resp); err != nil {
		return nil, fmt.Errorf("ecs: cold migration of server %s %w", serverID, err)
	}
	tok.ID = res.JobID
	return jobs.NewOperation[*Job](&migrationStepper{c: c, tok: tok}), nil
}
