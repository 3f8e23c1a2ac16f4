package deh

import (
	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/huawei"
	"github.com/cloudmigrate/cloudmigrate/internal/huawei/regions"
	"github.com/cloudmigrate/cloudmigrate/internal/rest"
)

// Client calls the Dedicated Host (DeH) API of one region for one
// project. It is immutable and safe for concurrent use by many
// goroutines.
type Client struct {
	rc        *rest.Client
	projectID string
}

// NewClient returns a client for the DeH endpoint of a region, such as
// "https://deh.cn-north-4.myhuaweicloud.com" (see Endpoint), acting in
// the project projectID. The arguments follow ecs.NewClient: the same
// endpoint rules, project ID check, X-Project-Id header, authorizer and
// options; the same AK/SK pair and project serve both services.
func NewClient(endpoint, projectID string, authz auth.Authorizer, opts ...cloudmigrate.Option) (*Client, error) {
	rc, err := huawei.NewPipeline(endpoint, projectID, authz, opts)
	if err != nil {
		return nil, err
	}
	return &Client{rc: rc, projectID: projectID}, nil
}

// Endpoint returns the DeH endpoint of a Huawei Cloud region, for example
// "https://deh.cn-north-4.myhuaweicloud.com" for "cn-north-4"; it is
// ecs.DedicatedHostEndpoint. It knows every public region the official
// Huawei Cloud SDK lists for DeH (fewer than for ECS), and
// HUAWEICLOUD_SDK_REGION_DEH_<REGION> overrides the table as
// ecs.Endpoint's variable does. An unknown or malformed region is a
// *cloudmigrate.ValidationError for the field "region".
func Endpoint(region string) (string, error) { return regions.DeH.Endpoint(region) }

// NewClientForRegion returns a client for the DeH endpoint of region (see
// Endpoint), acting in the project projectID; see NewClient for the other
// arguments.
func NewClientForRegion(region, projectID string, authz auth.Authorizer, opts ...cloudmigrate.Option) (*Client, error) {
	endpoint, err := Endpoint(region)
	if err != nil {
		return nil, err
	}
	return NewClient(endpoint, projectID, authz, opts...)
}

// ProjectID returns the project the client acts in.
func (c *Client) ProjectID() string { return c.projectID }

// Endpoint returns the base URL requests are sent to, without a trailing
// slash.
func (c *Client) Endpoint() string { return c.rc.Endpoint() }

// checkID is the check of every ID that goes into a path.
var checkID = rest.CheckID
