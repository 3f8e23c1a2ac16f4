package ecs

import (
	"context"
	"fmt"
	"net/http"

	"github.com/cloudmigrate/cloudmigrate/internal/rest"
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

// ColdMigrateResult is the service's answer to a cold-migrate call.
type ColdMigrateResult struct {
	// JobID identifies the asynchronous job doing the migration. Follow it
	// with GetJob or WaitForJob: the migration is finished only when the
	// job's status is SUCCESS.
	JobID string `json:"job_id"`

	// RequestID is the service's request ID (X-Request-Id) of the call that
	// started the job; quote it when asking Huawei Cloud support about it.
	RequestID string `json:"-"`
}

// ColdMigrate starts the cold migration of the server serverID to the
// dedicated host opts.DedicatedHostID, or to the public resource pool when
// opts is nil or names no host. It calls
//
//	POST /v1/{project_id}/cloudservers/{server_id}/migrate
//
// and returns as soon as the service has accepted the request: the result
// carries the ID of the job doing the work, which WaitForJob follows to the
// end. The server must be stopped first (CodeServerNotStopped otherwise)
// and must involve a dedicated host, as source or target.
//
// serverID and a non-empty opts.DedicatedHostID must be IDs (letters,
// digits, '-' and '_'); a bad one is a *cloudmigrate.ValidationError and
// nothing is sent. The call starts a migration, so it is not repeated after
// a server error or a lost answer: it is sent again only when it provably
// never reached the service or the service asked the caller to slow down
// (HTTP 429, or CodeBusy). A refusal is a *cloudmigrate.Error whose Code is
// one of the Code constants of this package or another "Ecs.xxxx" code.
func (c *Client) ColdMigrate(ctx context.Context, serverID string, opts *ColdMigrateOptions) (*ColdMigrateResult, error) {
	if err := checkID("serverID", serverID); err != nil {
		return nil, err
	}
	body := ColdMigrateRequest{}
	if opts != nil && opts.DedicatedHostID != "" {
		if err := checkID("opts.DedicatedHostID", opts.DedicatedHostID); err != nil {
			return nil, err
		}
		body.Migrate = &MigrateTarget{DedicatedHostID: opts.DedicatedHostID}
	}
	var res ColdMigrateResult
	resp, err := c.rc.Do(ctx, &rest.Request{
		Method: http.MethodPost,
		Path:   "/v1/{project_id}/cloudservers/{server_id}/migrate",
		Params: []string{c.projectID, serverID},
		Body:   &body,
		Out:    &res,
	})
	if err != nil {
		return nil, err
	}
	res.RequestID = resp.RequestID
	if res.JobID == "" {
		return nil, fmt.Errorf("ecs: cold migration of server %s was accepted with status %d but the answer has no job_id (request %s)",
			serverID, resp.StatusCode, resp.RequestID)
	}
	return &res, nil
}
