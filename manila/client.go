package manila

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/osapi"
	"github.com/cloudmigrate/cloudmigrate/internal/rest"
)

// Microversion bounds of this package.
const (
	// MinMicroversion is the lowest Shared File Systems microversion the
	// client can be pinned to.
	MinMicroversion = "2.0"
	// MaxMicroversion is the highest microversion the client negotiates:
	// the newest one the Shared File Systems API defines at the time of
	// writing. A service reporting a higher maximum is spoken to at this
	// version.
	MaxMicroversion = "2.99"
	// ServerMigrationMicroversion is the first microversion with
	// share-server migration.
	ServerMigrationMicroversion = "2.57"
	// ProjectlessMicroversion is the microversion that announced URLs
	// without the project ID after "/v2". The routes came with the
	// service release that introduced it (Manila 12.0, Wallaby), for every
	// microversion: a service whose maximum is this version or later
	// serves such URLs at any version in use, 2.0 included, and an older
	// service serves none.
	ProjectlessMicroversion = "2.60"
)

var (
	sdkMin         = auth.MustParseMicroversion(MinMicroversion)
	sdkMax         = auth.MustParseMicroversion(MaxMicroversion)
	serverMigMin   = auth.MustParseMicroversion(ServerMigrationMicroversion)
	projectlessMin = auth.MustParseMicroversion(ProjectlessMicroversion)
)

// service names the API in version errors.
const service = "share"

// Client calls the Shared File Systems (Manila) v2 API of one endpoint. It
// is immutable and safe for concurrent use by many goroutines; the
// microversion is negotiated once and shared by all of them.
type Client struct {
	rc          *rest.Client
	neg         *osapi.Negotiator
	projectless bool // the endpoint ends at "/v2": no project ID in the URL
}

// NewClient returns a client for endpoint, the Shared File Systems v2 URL
// exactly as the service catalog lists it under the type "sharev2" (or
// "shared-file-system"), for example
//
//	https://manila.example.com:8786/v2/9a8b7c6d5e4f4a3b8c7d6e5f4a3b2c1d
//	https://manila.example.com:8786/v2
//
// Operation paths are appended to it: "/share-servers/{id}/action",
// "/share-servers/{id}", "/shares/{id}/action" and (from microversion 2.98)
// "/shares/{id}/migration-progress". Older clouds list the endpoint with the project ID
// at the end; newer ones may list it without. An endpoint without a project
// ID works with every microversion on a service whose maximum is 2.60 or
// later (ProjectlessMicroversion), since that release added the routes
// without the project ID for all versions. When the client has read the
// service's version document and its maximum is below 2.60, every
// operation on an endpoint that ends at "/v2" fails with a
// *cloudmigrate.VersionError before sending; a client with a pinned
// version does not ask, and sends.
//
// By default the client negotiates the microversion on first use: it reads
// the service's version document once and uses the highest version that
// both the service and this package (MaxMicroversion) support. The option
// cloudmigrate.WithMicroversion("2.57") pins it instead, and then nothing
// is discovered; a pinned value outside MinMicroversion to MaxMicroversion
// makes NewClient fail.
//
// authz adds credentials to every request, typically a Keystone token
// (auth.StaticToken or a Keystone authorizer); it may be nil only for
// endpoints that need none, such as a local test server. A bad endpoint or
// option yields a *cloudmigrate.ValidationError or the option's error.
func NewClient(endpoint string, authz auth.Authorizer, opts ...cloudmigrate.Option) (*Client, error) {
	rc, err := rest.New(endpoint, authz, opts)
	if err != nil {
		return nil, err
	}
	neg, err := osapi.NewNegotiator(rc, service, rc.Config().Microversion, sdkMin, sdkMax)
	if err != nil {
		return nil, err
	}
	return &Client{rc: rc, neg: neg, projectless: endsAtVersion(rc.Endpoint())}, nil
}

// NewClientFromKeystone looks the Shared File Systems v2 endpoint up in the
// service catalog of ks's token, under the type "sharev2" and, failing
// that, "shared-file-system", and returns a client for it that authorizes
// with ks. region picks the catalog region ("" accepts the only one);
// iface is "public" (the default when ""), "internal" or "admin". The
// first call authenticates to Keystone if ks has no token yet.
//
// When the catalog has no such endpoint, the error wraps
// auth.ErrEndpointNotFound. opts are those of NewClient.
func NewClientFromKeystone(ctx context.Context, ks *auth.Keystone, region, iface string, opts ...cloudmigrate.Option) (*Client, error) {
	if ctx == nil {
		return nil, cloudmigrate.Invalid("ctx", "nil context")
	}
	if ks == nil {
		return nil, cloudmigrate.Invalid("ks", "nil Keystone authorizer")
	}
	endpoint, err := ks.Endpoint(ctx, auth.ServiceTypeShare, region, iface)
	if err != nil {
		return nil, err
	}
	return NewClient(endpoint, ks, opts...)
}

var versionSegment = regexp.MustCompile(`^v\d+(\.\d+)?$`)

// endsAtVersion reports whether the endpoint's path ends with a version
// segment ("/v2"), which means it carries no project ID.
func endsAtVersion(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	path := strings.Trim(u.Path, "/")
	return versionSegment.MatchString(path[strings.LastIndexByte(path, '/')+1:])
}

// Endpoint returns the base URL requests are sent to, without a trailing
// slash.
func (c *Client) Endpoint() string { return c.rc.Endpoint() }

// WithMicroversion returns a copy of c pinned to microversion v ("2.57"),
// which sends v on every request and discovers nothing. c itself is not
// changed. v must be a valid microversion between MinMicroversion and
// MaxMicroversion, otherwise the error is a *cloudmigrate.ValidationError.
func (c *Client) WithMicroversion(v string) (*Client, error) {
	neg, err := c.neg.Pinned(v)
	if err != nil {
		return nil, err
	}
	cp := *c
	cp.neg = neg
	return &cp, nil
}

// VersionInfo says which microversion a client uses and what the service
// offers.
type VersionInfo struct {
	// InUse is the microversion sent on every request.
	InUse auth.Microversion
	// ServerMin and ServerMax are the service's range as its version
	// document states it; both are zero when the version was pinned and the
	// service was never asked.
	ServerMin, ServerMax auth.Microversion
}

// Microversion returns the microversion the client sends, negotiating it
// first if that has not happened yet (one GET of the version document).
// When the service cannot be asked, the error is that of the request.
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

// call describes one action request.
type call struct {
	feature      string            // operation name for version errors
	method       string            // HTTP method; "" is POST
	path         string            // relative to the endpoint, with one {id} placeholder or none
	id           string            // fills the placeholder
	min, max     auth.Microversion // the operation's range; zero is open
	experimental bool              // send X-OpenStack-Manila-API-Experimental
	stable       auth.Microversion // if set, the API is experimental only below it
	body         any
	query        url.Values // the query string, if any
	ok           []int
	idempotent   bool
	out          any
}

// do checks the version, then sends the call with the version headers
// (and the experimental header when the call is experimental at the
// version sent).
// Version refusals (406) come back as *cloudmigrate.VersionError, every
// other answer outside cl.ok as *cloudmigrate.Error.
func (c *Client) do(ctx context.Context, cl *call) (*rest.Response, error) {
	if ctx == nil {
		return nil, cloudmigrate.Invalid("ctx", "nil context")
	}
	info, err := c.neg.Require(ctx, cl.feature, cl.min, cl.max)
	if err != nil {
		return nil, err
	}
	// The routes without a project ID exist from the release of 2.60 on,
	// at every microversion: only a service known to be older lacks them.
	if c.projectless && !info.ServerMax.IsZero() && info.ServerMax.Less(projectlessMin) {
		return nil, &cloudmigrate.VersionError{
			Service:   service,
			Feature:   "an endpoint without a project ID (" + c.rc.Endpoint() + ")",
			Min:       ProjectlessMicroversion,
			InUse:     info.InUse.String(),
			ServerMin: info.ServerMin.String(),
			ServerMax: info.ServerMax.String(),
		}
	}
	send := info.InUse
	experimental := cl.experimental && (cl.stable.IsZero() || send.Less(cl.stable))
	h := make(http.Header, 2)
	auth.ShareHeaders(h, send, experimental)
	method := cl.method
	if method == "" {
		method = http.MethodPost
	}
	var params []string
	if strings.Contains(cl.path, "{") {
		params = []string{cl.id}
	}
	var query any
	if len(cl.query) > 0 {
		query = cl.query
	}
	resp, err := c.rc.Do(ctx, &rest.Request{
		Op:         "manila." + cl.feature,
		Method:     method,
		Path:       cl.path,
		Params:     params,
		Query:      query,
		Body:       cl.body,
		Header:     h,
		Idempotent: cl.idempotent,
		OK:         cl.ok,
		Out:        cl.out,
	})
	if err != nil {
		return nil, osapi.VersionFault(err, service, send)
	}
	return resp, nil
}
