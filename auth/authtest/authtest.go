// Package authtest is an in-process fake of a Keystone v3 (or Huawei IAM)
// token service, for testing code that authenticates with auth.Keystone
// without a cloud.
//
// The server answers POST /identity/v3/auth/tokens for a configured user
// or application credential with 201, the token in X-Subject-Token, its
// expiry and a catalog; it refuses anything else with Keystone's 401 body.
// Tokens it issued can be checked (Valid, or as the Check of a service you
// fake yourself) and expired on demand, to test renewal:
//
//	ks := authtest.NewServer(authtest.WithCatalog(authtest.Service{Type: "compute", URL: computeURL}))
//	defer ks.Close()
//	authz, _ := auth.NewKeystone(ks.AuthURL(), ks.Credentials())
//	...
//	ks.ExpireTokens() // the next request with the old token gets 401; auth.Keystone renews once
//
// The SDK's OpenStack fakes (nova/novatest, manila/manilatest) carry the
// same token service on their own server.
package authtest

import (
	"net/http"
	"time"

	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/fake"
)

// Defaults of the configured account.
const (
	DefaultUsername  = "admin"
	DefaultPassword  = "fake-password"
	DefaultProjectID = "8f7d5e1c2b3a4d5e6f708192a3b4c5d6"
	DefaultProject   = "migration-tests"
	DefaultRegion    = "RegionOne"
)

// OpIssueToken names the token operation, for Calls and the fault methods.
const OpIssueToken = "IssueToken"

// Service is one catalog entry the token answer lists.
type Service struct {
	Type   string // "compute", "sharev2", ...
	Name   string // defaults to Type
	URL    string
	Region string // defaults to DefaultRegion
}

// Server is a running token service. Like every fake, it counts calls
// (Calls, AllCalls) and injects faults on request (Throttle, FailNext,
// DropNext, SlowNext, ClearFaults).
type Server struct {
	*fake.Server
	tokens  *fake.Tokens
	users   map[string]auth.Secret
	appCred map[string]auth.Secret
	catalog []Service
}

// Option configures NewServer.
type Option func(*Server)

// WithUser adds an account that may authenticate with a password.
func WithUser(name, password string) Option {
	return func(s *Server) { s.users[name] = auth.NewSecret(password) }
}

// WithApplicationCredential adds an application credential (ID and secret).
func WithApplicationCredential(id, secret string) Option {
	return func(s *Server) { s.appCred[id] = auth.NewSecret(secret) }
}

// WithTokenTTL sets how long issued tokens live (default 24h).
func WithTokenTTL(d time.Duration) Option {
	return func(s *Server) { s.tokens.TTL = d }
}

// WithCatalog sets the services the token answer lists.
func WithCatalog(services ...Service) Option {
	return func(s *Server) { s.catalog = append(s.catalog, services...) }
}

// NewServer starts a token service with the default account
// (DefaultUsername / DefaultPassword) and any options.
func NewServer(opts ...Option) *Server {
	s := &Server{
		tokens:  &fake.Tokens{},
		users:   map[string]auth.Secret{DefaultUsername: auth.NewSecret(DefaultPassword)},
		appCred: map[string]auth.Secret{},
	}
	for _, o := range opts {
		o(s)
	}
	s.Server = fake.New(fake.Config{
		Name:            "keystone",
		RequestIDHeader: "X-Openstack-Request-Id",
		ThrottleCode:    "Too Many Requests",
		ErrorBody: func(status int, code, msg string) any {
			return map[string]any{"error": map[string]any{"code": status, "title": code, "message": msg}}
		},
	})
	id := &fake.Identity{
		Tokens: s.tokens, Users: s.users, AppCreds: s.appCred,
		ProjectID: DefaultProjectID, ProjectName: DefaultProject,
		Catalog: func(string) []fake.CatalogEntry {
			out := make([]fake.CatalogEntry, 0, len(s.catalog))
			for _, c := range s.catalog {
				name := c.Name
				if name == "" {
					name = c.Type
				}
				region := c.Region
				if region == "" {
					region = DefaultRegion
				}
				out = append(out, fake.CatalogEntry{Type: c.Type, Name: name, URL: c.URL, Region: region})
			}
			return out
		},
	}
	id.Mount(s.Server, "/identity")
	return s
}

// AuthURL is the identity endpoint to give auth.NewKeystone.
func (s *Server) AuthURL() string { return s.URL() + "/identity/v3" }

// Credentials returns password credentials of the default account, scoped
// to the default project.
func (s *Server) Credentials() auth.KeystoneCredentials {
	return auth.KeystoneCredentials{
		Username: DefaultUsername, UserDomainName: "Default", Password: auth.NewSecret(DefaultPassword),
		ProjectID: DefaultProjectID,
	}
}

// Authorizer returns a Keystone authorizer for the default account.
func (s *Server) Authorizer() (*auth.Keystone, error) {
	return auth.NewKeystone(s.AuthURL(), s.Credentials())
}

// ExpireTokens makes every token issued so far invalid.
func (s *Server) ExpireTokens() { s.tokens.ExpireAll() }

// TokensIssued returns how many tokens the server has issued.
func (s *Server) TokensIssued() int { return s.tokens.Issued() }

// Valid reports whether token was issued here and has not expired.
func (s *Server) Valid(token string) bool { return s.tokens.Valid(token) }

// Accepts reports whether r carries a valid X-Auth-Token: the check a
// hand-written fake service can apply to every request.
func (s *Server) Accepts(r *http.Request) bool { return s.tokens.Check(r) == nil }
