package modelarts

import (
	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/huawei/regions"
)

// Endpoint returns the ModelArts endpoint of a Huawei Cloud region, for
// example "https://modelarts.cn-north-4.myhuaweicloud.com" for "cn-north-4"
// and "https://modelarts.ap-southeast-1.myhuaweicloud.cn" for
// "ap-southeast-1". It knows every public region the official Huawei Cloud
// SDK lists for ModelArts.
//
// As in the official SDK, the environment variable
// HUAWEICLOUD_SDK_REGION_MODELARTS_<REGION> (the region ID in upper case
// with '_' for '-', such as HUAWEICLOUD_SDK_REGION_MODELARTS_CN_NORTH_4)
// overrides the table and adds regions it does not list; of a
// comma-separated list the first entry is used, and https:// is added when
// it has no scheme.
//
// An unknown or malformed region is a *cloudmigrate.ValidationError for the
// field "region" that lists the known regions.
func Endpoint(region string) (string, error) { return regions.ModelArts.Endpoint(region) }

// NewClientForRegion returns a client for the ModelArts endpoint of region
// (see Endpoint), acting in the project projectID; see NewClient for the
// other arguments. auth.LookupProjectID finds the project ID of a region
// when it is not known.
func NewClientForRegion(region, projectID string, authz auth.Authorizer, opts ...cloudmigrate.Option) (*Client, error) {
	endpoint, err := Endpoint(region)
	if err != nil {
		return nil, err
	}
	return NewClient(endpoint, projectID, authz, opts...)
}
