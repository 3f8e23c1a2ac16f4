package cce

import (
	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/huawei"
	"github.com/cloudmigrate/cloudmigrate/internal/rest"
)

// Client calls the CCE API of one region for one project. It is immutable
// once built and safe for concurrent use by many goroutines.
type Client struct {
	rc        *rest.Client
	projectID string
}

// NewClient returns a client for the CCE endpoint of a region, such as
// "https://cce.cn-north-4.myhuaweicloud.com", acting in the project
// projectID.
//
// authz adds the credentials to every request: auth.NewAKSK for AK/SK
// signing, or a token authorizer (which sends X-Auth-Token). The project ID
// is also sent as the X-Project-Id header on every request, where an AK/SK
// signature covers it. opts tune the HTTP client, retries, logging and
// timeouts.
//
// An endpoint that is not an absolute http(s) URL, or a project ID that
// cannot go into a path (see "IDs in URL paths" in [cloudmigrate]), gives a
// *cloudmigrate.ValidationError.
func NewClient(endpoint, projectID string, authz auth.Authorizer, opts ...cloudmigrate.Option) (*Client, error) {
	rc, err := huawei.NewPipeline(endpoint, projectID, authz, opts)
	if err != nil {
		return nil, err
	}
	return &Client{rc: rc, projectID: projectID}, nil
}

// ProjectID returns the project the client acts in.
func (c *Client) ProjectID() string { return c.projectID }

// Endpoint returns the base URL requests are sent to.
func (c *Client) Endpoint() string { return c.rc.Endpoint() }
