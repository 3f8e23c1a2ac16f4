// Package huawei holds what the Huawei Cloud service packages share: the
// project-scoped pipeline.
package huawei

import (
	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/rest"
)

// NewPipeline returns the request pipeline for a project-scoped Huawei
// Cloud service: every request carries X-Project-Id, which the AK/SK
// signer signs with the rest. projectID goes into every path, so it is
// checked with rest.CheckID.
func NewPipeline(endpoint, projectID string, authz auth.Authorizer, opts []cloudmigrate.Option) (*rest.Client, error) {
	if err := rest.CheckID("projectID", projectID); err != nil {
		return nil, err
	}
	rc, err := rest.New(endpoint, authz, opts)
	if err != nil {
		return nil, err
	}
	return rc.WithHeader("X-Project-Id", projectID), nil
}
