package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/hashicorp/go-cleanhttp"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/internal/errparse"
	"github.com/cloudmigrate/cloudmigrate/internal/huawei/regions"
)

// EnvHuaweiIAMEndpoint is the variable the official Huawei Cloud SDKs
// read for the IAM endpoint their credentials talk to, for every region:
// IAMEndpoint returns its value when it is set.
const EnvHuaweiIAMEndpoint = "HUAWEICLOUD_SDK_IAM_ENDPOINT"

// DefaultIAMEndpoint is Huawei Cloud's global IAM endpoint. It answers for
// every region, including those IAMEndpoint does not know.
const DefaultIAMEndpoint = "https://iam.myhuaweicloud.com"

// ErrProjectNotFound is wrapped by the error LookupProjectID returns when
// IAM lists no project named after the region.
var ErrProjectNotFound = errors.New("auth: IAM lists no project named after the region")

// maxProjectsBody bounds the project list LookupProjectID reads.
const maxProjectsBody = 8 << 20

// IAMEndpoint returns the Huawei Cloud IAM endpoint of a region, for
// example "https://iam.cn-north-4.myhuaweicloud.com" for "cn-north-4", for
// LookupProjectID or for NewKeystone (which adds "/v3"). It knows every
// public region the official Huawei Cloud SDK lists for IAM.
//
// As in the official SDK, HUAWEICLOUD_SDK_IAM_ENDPOINT, when set, is the
// endpoint for every region (https:// is added when it has no scheme), and
// otherwise HUAWEICLOUD_SDK_REGION_IAM_<REGION> (the region ID in upper
// case with '_' for '-') overrides the table and adds regions it does not
// list.
//
// An unknown or malformed region is a *cloudmigrate.ValidationError for the
// field "region" that lists the known regions; DefaultIAMEndpoint serves
// the regions the table lacks.
func IAMEndpoint(region string) (string, error) {
	if err := regions.CheckRegion(region); err != nil {
		return "", err
	}
	if v := strings.TrimSpace(os.Getenv(EnvHuaweiIAMEndpoint)); v != "" {
		if !strings.Contains(v, "://") {
			v = "https://" + v
		}
		if _, verr := checkBaseURL(EnvHuaweiIAMEndpoint, v); verr != nil {
			return "", verr
		}
		return strings.TrimRight(v, "/"), nil
	}
	return regions.IAM.Endpoint(region)
}

// checkBaseURL parses an absolute http(s) URL without user information,
// query or fragment; field names it in the error.
func checkBaseURL(field, raw string) (*url.URL, *cloudmigrate.ValidationError) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, cloudmigrate.Invalid(field, "need an absolute http or https URL")
	}
	if u.User != nil {
		return nil, cloudmigrate.Invalid(field, "must not contain user information")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, cloudmigrate.Invalid(field, "must not have a query or fragment")
	}
	return u, nil
}

// iamProjects is the answer of GET /v3/projects (Huawei IAM
// KeystoneListProjects): only what LookupProjectID reads.
type iamProjects struct {
	Projects []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"projects"`
}

// LookupProjectID returns the ID of the project of a Huawei Cloud region,
// asking IAM at iamEndpoint (see IAMEndpoint and DefaultIAMEndpoint; a URL
// ending in "/v3" is accepted too) with GET /v3/projects?name={region}. On
// Huawei Cloud each region's project is named after the region, so this is
// how the official SDKs find the project when none is given. authz signs
// the request: an AK/SK signer (NewAKSK), or an IAM token authorizer.
//
// The request is made once, without retries, and its answer is not cached:
// look the ID up at start-up and keep it. Of opts, WithHTTPClient and
// WithUserAgent apply (IAM speaks the Keystone v3 API); the default client
// has a 60-second timeout.
//
// A malformed region, endpoint or a nil authz is a
// *cloudmigrate.ValidationError and nothing is sent. An error answer is a
// *cloudmigrate.Error; an answer listing no project of that name wraps
// ErrProjectNotFound, and one listing several names their IDs.
func LookupProjectID(ctx context.Context, iamEndpoint string, authz Authorizer, region string, opts ...KeystoneOption) (string, error) {
	if ctx == nil {
		return "", cloudmigrate.Invalid("ctx", "nil context")
	}
	if err := regions.CheckRegion(region); err != nil {
		return "", err
	}
	if authz == nil {
		return "", cloudmigrate.Invalid("authz", "must not be nil")
	}
	u, verr := checkBaseURL("iamEndpoint", iamEndpoint)
	if verr != nil {
		return "", verr
	}
	settings := &Keystone{&keystoneCore{ua: defaultUserAgent}}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o.applyKeystone(settings); err != nil {
			return "", err
		}
	}
	hc := settings.hc
	if hc == nil {
		hc = cleanhttp.DefaultPooledClient()
		hc.Timeout = defaultTokenTimeout
	}

	p := strings.TrimRight(u.Path, "/")
	if !strings.HasSuffix(p, "/v3") {
		p += "/v3"
	}
	u.Path, u.RawPath = p+"/projects", ""
	u.RawQuery = url.Values{"name": {region}}.Encode()
	target := u.String()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return "", fmt.Errorf("auth: IAM: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", settings.ua)
	if err := authz.Authorize(ctx, req); err != nil {
		return "", fmt.Errorf("auth: IAM: authorizing GET %s: %w", target, err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("auth: IAM: GET %s: %w", target, err)
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
	}()
	if resp.StatusCode != http.StatusOK {
		// The answer may quote the request: keep its credentials out.
		secrets := errparse.HeaderSecrets(req.Header)
		if sh, ok := authz.(SecretHolder); ok {
			for _, s := range sh.Secrets() {
				secrets = append(secrets, s.Reveal())
			}
		}
		return "", errparse.FromResponse(http.MethodGet, target, resp, 1, secrets...)
	}
	var body iamProjects
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxProjectsBody)).Decode(&body); err != nil {
		return "", fmt.Errorf("auth: IAM: GET %s: decoding the project list: %w", target, err)
	}
	var ids []string
	for _, pr := range body.Projects {
		if pr.Name == region {
			ids = append(ids, pr.ID)
		}
	}
	switch {
	case len(ids) == 0:
		return "", fmt.Errorf("%w: no project %q at %s: check the region, or give the project ID", ErrProjectNotFound, region, target)
	case len(ids) > 1:
		return "", fmt.Errorf("auth: IAM: %d projects are named %q (%s): give the project ID", len(ids), region, strings.Join(ids, ", "))
	}
	if !wellFormedProjectID(ids[0]) {
		return "", fmt.Errorf("auth: IAM: GET %s: the project %q has a malformed ID %q", target, region, ids[0])
	}
	return ids[0], nil
}

// wellFormedProjectID reports whether id can go into the paths of the
// service APIs: 1 to 64 ASCII letters, digits, '-' or '_' (IAM's are 32
// hexadecimal digits).
func wellFormedProjectID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '-' && c != '_' {
			return false
		}
	}
	return true
}
