package modelarts

import (
	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/rest"
)

// maxIDLen bounds the project IDs, pool names and job IDs this package
// accepts. Project IDs are 32 hexadecimal digits, job IDs 36-character
// UUIDs and pool names look like "pool-9d3f-6f5da086876d4cd084d36f8bd3346036";
// the bound leaves room for other forms without letting arbitrary text in.
const maxIDLen = 64

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
// fragment or user information. The project ID must be non-empty and made
// of letters, digits, '-' and '_' (Huawei project IDs are 32 hexadecimal
// digits). Every request carries the header X-Project-Id with it, and an
// AK/SK authorizer (auth.NewAKSK) signs that header along with the rest.
//
// authz adds credentials to every request; it may be nil only for endpoints
// that need none, such as a local test server. A bad argument or option
// yields a *cloudmigrate.ValidationError or the option's error.
func NewClient(endpoint, projectID string, authz auth.Authorizer, opts ...cloudmigrate.Option) (*Client, error) {
	if err := checkID("projectID", projectID); err != nil {
		return nil, err
	}
	rc, err := rest.New(endpoint, authz, opts)
	if err != nil {
		return nil, err
	}
	return &Client{
		rc:        rc.WithHeader("X-Project-Id", projectID),
		projectID: projectID,
	}, nil
}

// ProjectID returns the project the client acts in.
func (c *Client) ProjectID() string { return c.projectID }

// Endpoint returns the base URL requests are sent to, without a trailing
// slash.
func (c *Client) Endpoint() string { return c.rc.Endpoint() }

// checkID reports whether v looks like a Huawei Cloud identifier or a
// ModelArts resource name: non-empty, at most maxIDLen bytes, and only ASCII
// letters, digits, '-' and '_'.
func checkID(field, v string) error {
	if v == "" {
		return cloudmigrate.Invalid(field, "must not be empty")
	}
	if len(v) > maxIDLen {
		return cloudmigrate.Invalid(field, "is %d bytes long; at most %d are allowed", len(v), maxIDLen)
	}
	for _, r := range v {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
		default:
			return cloudmigrate.Invalid(field, "%q has the character %q; only letters, digits, '-' and '_' are allowed", v, r)
		}
	}
	return nil
}
