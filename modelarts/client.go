package modelarts

import (
	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/huawei"
	"github.com/cloudmigrate/cloudmigrate/internal/rest"
)

// Client calls the ModelArts API of one region for one project. It is
// immutable and safe for concurrent use by many goroutines.
type Client struct {
	rc        *rest.Client
	projectID string
}

// NewClient returns a client for the ModelArts endpoint of a region, such as
// "https://modelarts.cn-north-4.myhuaweicloud.com", acting in the project
// projectID.
//
// The endpoint must be an absolute http or https URL with no query,
// fragment or user information. The project ID (32 hexadecimal digits on
// Huawei Cloud) goes into every path and must pass the check every path ID
// does (see "IDs in URL paths" in [cloudmigrate]). Every request carries
// the header X-Project-Id with it, and an AK/SK authorizer (auth.NewAKSK)
// signs that header along with the rest.
//
// authz adds credentials to every request; it may be nil only for endpoints
// that need none, such as a local test server. A bad argument or option
// yields a *cloudmigrate.ValidationError or the option's error.
func NewClient(endpoint, projectID string, authz auth.Authorizer, opts ...cloudmigrate.Option) (*Client, error) {
	rc, err := huawei.NewPipeline(endpoint, projectID, authz, opts)
	if err != nil {
		return nil, err
	}
	return &Client{rc: rc, projectID: projectID}, nil
}

// ProjectID returns the project the client acts in.
func (c *Client) ProjectID() string { return c.projectID }

// Endpoint returns the base URL requests are sent to, without a trailing
// slash.
func (c *Client) Endpoint() string { return c.rc.Endpoint() }

// checkID is the check of every ID or name that goes into a path.
var checkID = rest.CheckID
