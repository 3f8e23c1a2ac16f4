// Package regions is the one table of Huawei Cloud regional endpoints: for
// ECS, CCE, ModelArts, IAM and the Dedicated Host service (DeH), every
// public region the official Huawei Cloud Go SDK lists, with the endpoint it
// gives. The service packages and auth resolve region IDs through it.
//
// As in the official SDK, an environment variable
// HUAWEICLOUD_SDK_REGION_<SERVICE>_<REGION> (the region ID in upper case,
// '-' replaced by '_', for example HUAWEICLOUD_SDK_REGION_ECS_CN_NORTH_4)
// overrides the table, and adds regions it does not list.
package regions

import (
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/cloudmigrate/cloudmigrate"
)

// EnvPrefix starts the name of the variables that override an endpoint.
const EnvPrefix = "HUAWEICLOUD_SDK_REGION"

// maxRegionLen bounds a region ID; the longest listed is 16 bytes.
const maxRegionLen = 64

// Service is the endpoint table of one Huawei Cloud service.
type Service struct {
	// Name is the service as the override variables spell it: ECS, CCE,
	// MODELARTS, IAM or DEH.
	Name string
	// title names the service in errors.
	title string
	// endpoints maps a region ID to the service's endpoint there.
	endpoints map[string]string
}

// Regions returns the region IDs of the table, sorted.
func (s *Service) Regions() []string {
	ids := make([]string, 0, len(s.endpoints))
	for id := range s.endpoints {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// EnvVar returns the variable that overrides the endpoint of s in region.
func (s *Service) EnvVar(region string) string {
	return EnvPrefix + "_" + s.Name + "_" + strings.ToUpper(strings.ReplaceAll(region, "-", "_"))
}

// Endpoint returns the endpoint of s in region: the value of EnvVar(region)
// when it is set, else the table's. A region ID that is malformed, or
// neither listed nor overridden, is a *cloudmigrate.ValidationError for
// the field "region" that lists the known regions; a malformed override is
// one naming the variable.
func (s *Service) Endpoint(region string) (string, error) {
	return s.endpoint(region, os.LookupEnv)
}

func (s *Service) endpoint(region string, lookup func(string) (string, bool)) (string, error) {
	if err := CheckRegion(region); err != nil {
		return "", err
	}
	name := s.EnvVar(region)
	if v, ok := lookup(name); ok && strings.TrimSpace(v) != "" {
		return overrideEndpoint(name, v)
	}
	if ep, ok := s.endpoints[region]; ok {
		return ep, nil
	}
	return "", cloudmigrate.Invalid("region", "%s has no endpoint in %q; known regions: %s (or set %s to the endpoint)",
		s.title, region, strings.Join(s.Regions(), ", "), name)
}

// CheckRegion reports whether region has the form of a region ID such as
// "cn-north-4", as a *cloudmigrate.ValidationError for the field "region"
// when it does not. It does not say whether the region exists.
func CheckRegion(region string) error {
	switch {
	case region == "":
		return cloudmigrate.Invalid("region", "must not be empty: give a region ID such as cn-north-4")
	case !validRegion(region):
		return cloudmigrate.Invalid("region", "%q is not a region ID such as cn-north-4 (lower-case letters, digits and '-')", region)
	}
	return nil
}

// validRegion reports whether r has the form of a region ID: lower-case
// letters, digits and inner '-', starting with a letter.
func validRegion(r string) bool {
	if r == "" || len(r) > maxRegionLen || r[0] < 'a' || r[0] > 'z' || r[len(r)-1] == '-' {
		return false
	}
	for i := 0; i < len(r); i++ {
		c := r[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// overrideEndpoint reads the value of an override variable the way the
// official SDK does: a comma-separated list whose first entry is used, with
// https:// added when it has no scheme.
func overrideEndpoint(name, v string) (string, error) {
	first, _, _ := strings.Cut(v, ",")
	first = strings.TrimSpace(first)
	if !strings.Contains(first, "://") {
		first = "https://" + first
	}
	u, err := url.Parse(first)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", cloudmigrate.Invalid(name, "want an http(s) URL with a host and no user, query or fragment")
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// ECS lists the endpoints of ECS: huaweicloud/huaweicloud-sdk-go-v3
// services/ecs/v2/region/region.go at commit 1cd70eb6f730ea721771a6ec8d96352bbb801787.
var ECS = &Service{
	Name:  "ECS",
	title: "ECS",
	endpoints: map[string]string{
		"ae-ad-1":          "https://ecs.ae-ad-1.myhuaweicloud.com",
		"af-north-1":       "https://ecs.af-north-1.myhuaweicloud.com",
		"af-south-1":       "https://ecs.af-south-1.myhuaweicloud.com",
		"ap-southeast-1":   "https://ecs.ap-southeast-1.myhuaweicloud.com",
		"ap-southeast-2":   "https://ecs.ap-southeast-2.myhuaweicloud.com",
		"ap-southeast-3":   "https://ecs.ap-southeast-3.myhuaweicloud.com",
		"ap-southeast-4":   "https://ecs.ap-southeast-4.myhuaweicloud.com",
		"ap-southeast-5":   "https://ecs.ap-southeast-5.myhuaweicloud.com",
		"cn-east-2":        "https://ecs.cn-east-2.myhuaweicloud.com",
		"cn-east-3":        "https://ecs.cn-east-3.myhuaweicloud.com",
		"cn-east-4":        "https://ecs.cn-east-4.myhuaweicloud.com",
		"cn-east-5":        "https://ecs.cn-east-5.myhuaweicloud.com",
		"cn-north-1":       "https://ecs.cn-north-1.myhuaweicloud.com",
		"cn-north-11":      "https://ecs.cn-north-11.myhuaweicloud.com",
		"cn-north-12":      "https://ecs.cn-north-12.myhuaweicloud.com",
		"cn-north-2":       "https://ecs.cn-north-2.myhuaweicloud.com",
		"cn-north-4":       "https://ecs.cn-north-4.myhuaweicloud.com",
		"cn-north-9":       "https://ecs.cn-north-9.myhuaweicloud.com",
		"cn-south-1":       "https://ecs.cn-south-1.myhuaweicloud.com",
		"cn-south-2":       "https://ecs.cn-south-2.myhuaweicloud.com",
		"cn-south-4":       "https://ecs.cn-south-4.myhuaweicloud.com",
		"cn-southwest-2":   "https://ecs.cn-southwest-2.myhuaweicloud.com",
		"cn-southwest-3":   "https://ecs.cn-southwest-3.myhuaweicloud.com",
		"eu-west-0":        "https://ecs.eu-west-0.myhuaweicloud.com",
		"eu-west-101":      "https://ecs.eu-west-101.myhuaweicloud.com",
		"la-north-2":       "https://ecs.la-north-2.myhuaweicloud.com",
		"la-south-2":       "https://ecs.la-south-2.myhuaweicloud.com",
		"me-east-1":        "https://ecs.me-east-1.myhuaweicloud.com",
		"my-kualalumpur-1": "https://ecs.my-kualalumpur-1.myhuaweicloud.com",
		"na-mexico-1":      "https://ecs.na-mexico-1.myhuaweicloud.com",
		"ru-moscow-1":      "https://ecs.ru-moscow-1.myhuaweicloud.com",
		"sa-brazil-1":      "https://ecs.sa-brazil-1.myhuaweicloud.com",
		"tr-west-1":        "https://ecs.tr-west-1.myhuaweicloud.com",
	},
}

// CCE lists the endpoints of CCE: huaweicloud/huaweicloud-sdk-go-v3
// services/cce/v3/region/region.go at commit 1cd70eb6f730ea721771a6ec8d96352bbb801787.
var CCE = &Service{
	Name:  "CCE",
	title: "CCE",
	endpoints: map[string]string{
		"ae-ad-1":          "https://cce.ae-ad-1.myhuaweicloud.com",
		"af-north-1":       "https://cce.af-north-1.myhuaweicloud.com",
		"af-south-1":       "https://cce.af-south-1.myhuaweicloud.com",
		"ap-southeast-1":   "https://cce.ap-southeast-1.myhuaweicloud.com",
		"ap-southeast-2":   "https://cce.ap-southeast-2.myhuaweicloud.com",
		"ap-southeast-3":   "https://cce.ap-southeast-3.myhuaweicloud.com",
		"ap-southeast-4":   "https://cce.ap-southeast-4.myhuaweicloud.com",
		"ap-southeast-5":   "https://cce.ap-southeast-5.myhuaweicloud.com",
		"cn-east-2":        "https://cce.cn-east-2.myhuaweicloud.com",
		"cn-east-3":        "https://cce.cn-east-3.myhuaweicloud.com",
		"cn-east-4":        "https://cce.cn-east-4.myhuaweicloud.com",
		"cn-east-5":        "https://cce.cn-east-5.myhuaweicloud.com",
		"cn-north-1":       "https://cce.cn-north-1.myhuaweicloud.com",
		"cn-north-11":      "https://cce.cn-north-11.myhuaweicloud.com",
		"cn-north-12":      "https://cce.cn-north-12.myhuaweicloud.com",
		"cn-north-2":       "https://cce.cn-north-2.myhuaweicloud.com",
		"cn-north-4":       "https://cce.cn-north-4.myhuaweicloud.com",
		"cn-north-9":       "https://cce.cn-north-9.myhuaweicloud.com",
		"cn-south-1":       "https://cce.cn-south-1.myhuaweicloud.com",
		"cn-south-2":       "https://cce.cn-south-2.myhuaweicloud.com",
		"cn-south-4":       "https://cce.cn-south-4.myhuaweicloud.com",
		"cn-southwest-2":   "https://cce.cn-southwest-2.myhuaweicloud.com",
		"eu-west-0":        "https://cce.eu-west-0.myhuaweicloud.com",
		"eu-west-101":      "https://cce.eu-west-101.myhuaweicloud.eu",
		"la-north-2":       "https://cce.la-north-2.myhuaweicloud.com",
		"la-south-2":       "https://cce.la-south-2.myhuaweicloud.com",
		"me-east-1":        "https://cce.me-east-1.myhuaweicloud.com",
		"my-kualalumpur-1": "https://cce.my-kualalumpur-1.myhuaweicloud.com",
		"na-mexico-1":      "https://cce.na-mexico-1.myhuaweicloud.com",
		"ru-moscow-1":      "https://cce.ru-moscow-1.myhuaweicloud.com",
		"ru-northwest-2":   "https://cce.ru-northwest-2.myhuaweicloud.com",
		"sa-brazil-1":      "https://cce.sa-brazil-1.myhuaweicloud.com",
		"tr-west-1":        "https://cce.tr-west-1.myhuaweicloud.com",
	},
}

// ModelArts lists the endpoints of ModelArts: huaweicloud/huaweicloud-sdk-go-v3
// services/modelarts/v1/region/region.go at commit 79d2f4aa7c73f0719043ed3251aa68290a75a7c6.
var ModelArts = &Service{
	Name:  "MODELARTS",
	title: "ModelArts",
	endpoints: map[string]string{
		"af-north-1":     "https://modelarts.af-north-1.myhuaweicloud.com",
		"af-south-1":     "https://modelarts.af-south-1.myhuaweicloud.com",
		"ap-southeast-1": "https://modelarts.ap-southeast-1.myhuaweicloud.cn",
		"ap-southeast-2": "https://modelarts.ap-southeast-2.myhuaweicloud.com",
		"ap-southeast-3": "https://modelarts.ap-southeast-3.myhuaweicloud.com",
		"ap-southeast-4": "https://modelarts.ap-southeast-4.myhuaweicloud.com",
		"cn-east-3":      "https://modelarts.cn-east-3.myhuaweicloud.com",
		"cn-east-4":      "https://modelarts.cn-east-4.myhuaweicloud.com",
		"cn-north-1":     "https://modelarts.cn-north-1.myhuaweicloud.com",
		"cn-north-11":    "https://modelarts.cn-north-11.myhuaweicloud.com",
		"cn-north-12":    "https://modelarts.cn-north-12.myhuaweicloud.com",
		"cn-north-2":     "https://modelarts.cn-north-2.myhuaweicloud.com",
		"cn-north-4":     "https://modelarts.cn-north-4.myhuaweicloud.com",
		"cn-north-9":     "https://modelarts.cn-north-9.myhuaweicloud.com",
		"cn-south-1":     "https://modelarts.cn-south-1.myhuaweicloud.com",
		"cn-southwest-2": "https://modelarts.cn-southwest-2.myhuaweicloud.com",
		"cn-southwest-3": "https://modelarts.cn-southwest-3.myhuaweicloud.com",
		"la-north-2":     "https://modelarts.la-north-2.myhuaweicloud.com",
		"la-south-2":     "https://modelarts.la-south-2.myhuaweicloud.com",
		"me-east-1":      "https://modelarts.me-east-1.myhuaweicloud.com",
		"sa-brazil-1":    "https://modelarts.sa-brazil-1.myhuaweicloud.com",
		"tr-west-1":      "https://modelarts.tr-west-1.myhuaweicloud.com",
	},
}

// IAM lists the endpoints of IAM: huaweicloud/huaweicloud-sdk-go-v3
// services/iam/v3/region/region.go at commit 1cd70eb6f730ea721771a6ec8d96352bbb801787.
var IAM = &Service{
	Name:  "IAM",
	title: "IAM",
	endpoints: map[string]string{
		"ae-ad-1":          "https://iam.ae-ad-1.myhuaweicloud.com",
		"af-south-1":       "https://iam.af-south-1.myhuaweicloud.com",
		"ap-southeast-1":   "https://iam.ap-southeast-1.myhuaweicloud.com",
		"ap-southeast-2":   "https://iam.ap-southeast-2.myhuaweicloud.com",
		"ap-southeast-3":   "https://iam.ap-southeast-3.myhuaweicloud.com",
		"ap-southeast-4":   "https://iam.ap-southeast-4.myhuaweicloud.com",
		"cn-east-2":        "https://iam.cn-east-2.myhuaweicloud.com",
		"cn-east-3":        "https://iam.cn-east-3.myhuaweicloud.com",
		"cn-east-4":        "https://iam.cn-east-4.myhuaweicloud.com",
		"cn-east-5":        "https://iam.cn-east-5.myhuaweicloud.com",
		"cn-north-1":       "https://iam.cn-north-1.myhuaweicloud.com",
		"cn-north-12":      "https://iam.cn-north-12.myhuaweicloud.com",
		"cn-north-2":       "https://iam.cn-north-2.myhuaweicloud.com",
		"cn-north-4":       "https://iam.cn-north-4.myhuaweicloud.com",
		"cn-north-9":       "https://iam.cn-north-9.myhuaweicloud.com",
		"cn-south-1":       "https://iam.cn-south-1.myhuaweicloud.com",
		"cn-south-2":       "https://iam.cn-south-2.myhuaweicloud.com",
		"cn-southwest-2":   "https://iam.cn-southwest-2.myhuaweicloud.com",
		"eu-west-0":        "https://iam.eu-west-0.myhuaweicloud.com",
		"eu-west-101":      "https://iam.eu-west-101.myhuaweicloud.eu",
		"la-north-2":       "https://iam.la-north-2.myhuaweicloud.com",
		"la-south-2":       "https://iam.la-south-2.myhuaweicloud.com",
		"me-east-1":        "https://iam.me-east-1.myhuaweicloud.com",
		"my-kualalumpur-1": "https://iam.my-kualalumpur-1.myhuaweicloud.com",
		"na-mexico-1":      "https://iam.na-mexico-1.myhuaweicloud.com",
		"ru-moscow-1":      "https://iam.ru-moscow-1.myhuaweicloud.com",
		"sa-brazil-1":      "https://iam.sa-brazil-1.myhuaweicloud.com",
		"tr-west-1":        "https://iam.tr-west-1.myhuaweicloud.com",
	},
}

// DeH lists the endpoints of the Dedicated Host service (DeH): huaweicloud/huaweicloud-sdk-go-v3
// services/deh/v1/region/region.go at commit 1cd70eb6f730ea721771a6ec8d96352bbb801787.
var DeH = &Service{
	Name:  "DEH",
	title: "the Dedicated Host service (DeH)",
	endpoints: map[string]string{
		"ap-southeast-1":   "https://deh.ap-southeast-1.myhuaweicloud.com",
		"ap-southeast-2":   "https://deh.ap-southeast-2.myhuaweicloud.com",
		"ap-southeast-3":   "https://deh.ap-southeast-3.myhuaweicloud.com",
		"cn-east-2":        "https://deh.cn-east-2.myhuaweicloud.com",
		"cn-east-3":        "https://deh.cn-east-3.myhuaweicloud.com",
		"cn-north-1":       "https://deh.cn-north-1.myhuaweicloud.com",
		"cn-north-2":       "https://deh.cn-north-2.myhuaweicloud.com",
		"cn-north-4":       "https://deh.cn-north-4.myhuaweicloud.com",
		"cn-south-1":       "https://deh.cn-south-1.myhuaweicloud.com",
		"cn-southwest-2":   "https://deh.cn-southwest-2.myhuaweicloud.com",
		"my-kualalumpur-1": "https://deh.my-kualalumpur-1.myhuaweicloud.com",
		"sa-brazil-1":      "https://deh.sa-brazil-1.myhuaweicloud.com",
	},
}
