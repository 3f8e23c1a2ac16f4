package ecs

import (
	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/huawei/regions"
)

// Endpoint returns the ECS endpoint of a Huawei Cloud region, for example
// "https://ecs.cn-north-4.myhuaweicloud.com" for "cn-north-4". It knows
// every public region the official Huawei Cloud SDK lists for ECS.
//
// As in the official SDK, the environment variable
// HUAWEICLOUD_SDK_REGION_ECS_<REGION> (the region ID in upper case with
// '_' for '-', such as HUAWEICLOUD_SDK_REGION_ECS_CN_NORTH_4) overrides the
// table and adds regions it does not list; of a comma-separated list the
// first entry is used, and https:// is added when it has no scheme.
//
// An unknown or malformed region is a *cloudmigrate.ValidationError for the
// field "region" that lists the known regions.
func Endpoint(region string) (string, error) { return regions.ECS.Endpoint(region) }

// DedicatedHostEndpoint returns the endpoint of the Dedicated Host service
// (DeH) of a region, for example "https://deh.cn-north-4.myhuaweicloud.com",
// where the dedicated hosts a server can be migrated to are managed: the
// endpoint of package ecs/deh's client (deh.Endpoint is the same). It
// knows every public region the official SDK lists for DeH (fewer than for
// ECS); HUAWEICLOUD_SDK_REGION_DEH_<REGION> overrides it, as for Endpoint.
func DedicatedHostEndpoint(region string) (string, error) { return regions.DeH.Endpoint(region) }

// NewClientForRegion returns a client for the ECS endpoint of region (see
// Endpoint), acting in the project projectID; see NewClient for the other
// arguments. auth.LookupProjectID finds the project ID of a region when it
// is not known.
func NewClientForRegion(region, projectID string, authz auth.Authorizer, opts ...cloudmigrate.Option) (*Client, error) {
	endpoint, err := Endpoint(region)
	if err != nil {
		return nil, err
	}
	return NewClient(endpoint, projectID, authz, opts...)
}
