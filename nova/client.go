package nova

import (
	"context"
	"net/http"
	"sync/atomic"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/osapi"
	"github.com/cloudmigrate/cloudmigrate/internal/rest"
)

// The range of compute microversions this package knows how to speak. A
// client negotiates the highest version in this range that the service also
// supports, or uses the one pinned with WithMicroversion.
const (
	// MinMicroversion is the base compute API version.
	MinMicroversion = "2.1"
	// MaxMicroversion is the newest compute microversion this package
	// understands.
	MaxMicroversion = "2.104"
)

// service is the name microversion errors give the compute API.
const service = "compute"

// Microversions at which the API used here changes.
var (
	mv21   = auth.MustParseMicroversion(MinMicroversion)
	mv222  = auth.MustParseMicroversion("2.22")
	mv223  = auth.MustParseMicroversion("2.23")
	mv224  = auth.MustParseMicroversion("2.24")
	mv225  = auth.MustParseMicroversion("2.25")
	mv230  = auth.MustParseMicroversion("2.30")
	mv256  = auth.MustParseMicroversion("2.56")
	mv259  = auth.MustParseMicroversion("2.59")
	mv266  = auth.MustParseMicroversion("2.66")
	mv267  = auth.MustParseMicroversion("2.67")
	mv280  = auth.MustParseMicroversion("2.80")
	mvMax  = auth.MustParseMicroversion(MaxMicroversion)
	noMax  auth.Microversion
	anyMin auth.Microversion
)

// Client calls the compute (nova) API of one OpenStack cloud. It is
// immutable and safe for concurrent use; WithMicroversion returns a copy.
type Client struct {
	rc  *rest.Client
	neg *osapi.Negotiator
	// hdr caches the version headers for the version in use, built on the
	// first request.
	hdr atomic.Pointer[versionHeader]
}

type versionHeader struct {
	v auth.Microversion
	h http.Header
}

// NewClient returns a client for the compute endpoint, taken from the
// service catalog as it is (for example
// "https://nova.example.com:8774/v2.1" or ".../v2.1/{project_id}").
//
// authz adds credentials to every request: auth.StaticToken for a token
// you already have, or a Keystone authorizer that renews its token. Options
// are the ones every client of this module takes; with
// cloudmigrate.WithMicroversion the client uses that microversion instead
// of negotiating one. Without it, the client reads the service's version
// document on its first call and uses the highest microversion both sides
// support (see MaxMicroversion).
func NewClient(endpoint string, authz auth.Authorizer, opts ...cloudmigrate.Option) (*Client, error) {
	if authz == nil {
		return nil, cloudmigrate.Invalid("authz", "must not be nil")
	}
	rc, err := rest.New(endpoint, authz, opts)
	if err != nil {
		return nil, err
	}
	neg, err := osapi.NewNegotiator(rc, service, rc.Config().Microversion, mv21, mvMax)
	if err != nil {
		return nil, err
	}
	return &Client{rc: rc, neg: neg}, nil
}

// NewClientFromKeystone returns a client for the compute endpoint that the
// Keystone token's service catalog lists (type "compute") for region and
// interface iface ("public" when empty; "internal", "admin"), and uses ks
// to authorize every request. An empty region is fine when the catalog
// offers compute in a single region. Getting the catalog authenticates
// once if ks has no token yet; an endpoint missing from the catalog gives
// an error wrapping auth.ErrEndpointNotFound.
func NewClientFromKeystone(ctx context.Context, ks *auth.Keystone, region, iface string, opts ...cloudmigrate.Option) (*Client, error) {
	if ctx == nil {
		return nil, cloudmigrate.Invalid("ctx", "nil context")
	}
	if ks == nil {
		return nil, cloudmigrate.Invalid("ks", "must not be nil")
	}
	endpoint, err := ks.Endpoint(ctx, auth.ServiceTypeCompute, region, iface)
	if err != nil {
		return nil, err
	}
	return NewClient(endpoint, ks, opts...)
}

// WithMicroversion returns a copy of c that sends microversion v ("2.65")
// on every request instead of the negotiated one, without asking the
// service for its range. c itself is unchanged. An empty v gives a copy
// that negotiates afresh. A v that does not parse or lies outside
// MinMicroversion..MaxMicroversion is a *cloudmigrate.ValidationError.
func (c *Client) WithMicroversion(v string) (*Client, error) {
	neg, err := c.neg.Pinned(v)
	if err != nil {
		return nil, err
	}
	return &Client{rc: c.rc, neg: neg}, nil
}

// VersionInfo tells which microversion a client sends.
type VersionInfo struct {
	// InUse is the microversion sent on every request.
	InUse auth.Microversion
	// ServerMin and ServerMax are the service's range as its version
	// document states it; both are zero when the version was pinned and the
	// service was never asked.
	ServerMin, ServerMax auth.Microversion
}

// Microversion returns the microversion the client sends, discovering it
// first if this is the client's first call (GET on the endpoint's version
// document).
func (c *Client) Microversion(ctx context.Context) (VersionInfo, error) {
	if ctx == nil {
		return VersionInfo{}, cloudmigrate.Invalid("ctx", "nil context")
	}
	info, err := c.neg.Version(ctx)
	if err != nil {
		return VersionInfo{}, err
	}
	return VersionInfo{InUse: info.InUse, ServerMin: info.ServerMin, ServerMax: info.ServerMax}, nil
}

// Endpoint returns the compute endpoint the client sends to.
func (c *Client) Endpoint() string { return c.rc.Endpoint() }

// require returns the version in use if it lies within [min, max] and a
// *cloudmigrate.VersionError naming feature otherwise. It sends nothing but
// the one-time discovery.
func (c *Client) require(ctx context.Context, feature string, min, max auth.Microversion) (auth.Microversion, error) {
	if ctx == nil {
		return auth.Microversion{}, cloudmigrate.Invalid("ctx", "nil context")
	}
	info, err := c.neg.Require(ctx, feature, min, max)
	if err != nil {
		return auth.Microversion{}, err
	}
	return info.InUse, nil
}

// need is require for a version the client already has: it checks v
// against [min, max] without asking the negotiator again.
func (c *Client) need(ctx context.Context, v auth.Microversion, feature string, min, max auth.Microversion) error {
	if (!min.IsZero() && v.Compare(min) < 0) || (!max.IsZero() && v.Compare(max) > 0) {
		_, err := c.neg.Require(ctx, feature, min, max)
		return err
	}
	return nil
}

// send performs r with the version headers of v and turns a 406 into a
// *cloudmigrate.VersionError.
func (c *Client) send(ctx context.Context, v auth.Microversion, r *rest.Request) (*rest.Response, error) {
	r.Header = c.headers(v)
	resp, err := c.rc.Do(ctx, r)
	if err != nil {
		return resp, osapi.VersionFault(err, service, v)
	}
	return resp, nil
}

// headers returns the (shared, never modified) header set that names
// microversion v.
func (c *Client) headers(v auth.Microversion) http.Header {
	if vh := c.hdr.Load(); vh != nil && vh.v.Compare(v) == 0 {
		return vh.h
	}
	h := make(http.Header, 2)
	auth.ComputeHeaders(h, v)
	c.hdr.Store(&versionHeader{v: v, h: h})
	return h
}
