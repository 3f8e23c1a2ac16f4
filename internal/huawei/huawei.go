// Package huawei holds what the Huawei Cloud service packages share: the
// project-scoped pipeline and the check of IDs and resource names.
package huawei

import (
	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/rest"
)

// MaxIDLen bounds the IDs and names CheckID accepts. Project IDs are 32
// hexadecimal digits, job IDs 36-character UUIDs, and names such as
// "pool-9d3f-6f5da086876d4cd084d36f8bd3346036" fit too; the bound leaves
// room for other forms without letting arbitrary text through.
const MaxIDLen = 64

// NewPipeline returns the request pipeline for a project-scoped Huawei
// Cloud service: every request carries X-Project-Id, which the AK/SK
// signer signs with the rest. projectID is checked with CheckID.
func NewPipeline(endpoint, projectID string, authz auth.Authorizer, opts []cloudmigrate.Option) (*rest.Client, error) {
	if err := CheckID("projectID", projectID); err != nil {
		return nil, err
	}
	rc, err := rest.New(endpoint, authz, opts)
	if err != nil {
		return nil, err
	}
	return rc.WithHeader("X-Project-Id", projectID), nil
}

// CheckID reports whether v looks like a Huawei Cloud ID or resource name:
// non-empty, at most MaxIDLen bytes, and only ASCII letters, digits, '-'
// and '_'. The error is a *cloudmigrate.ValidationError naming field.
func CheckID(field, v string) error {
	if v == "" {
		return cloudmigrate.Invalid(field, "must not be empty")
	}
	if len(v) > MaxIDLen {
		return cloudmigrate.Invalid(field, "is %d bytes long; at most %d are allowed", len(v), MaxIDLen)
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
