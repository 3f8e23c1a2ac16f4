package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-cleanhttp"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/internal/errparse"
)

// Catalog service types of the OpenStack services this module talks to,
// for Keystone.Endpoint. A value may list alternatives separated by
// commas; they are tried in order.
const (
	// ServiceTypeCompute is Nova.
	ServiceTypeCompute = "compute"
	// ServiceTypeShare is Manila v2: clouds register it as "sharev2" or as
	// the official "shared-file-system".
	ServiceTypeShare = "sharev2,shared-file-system"
)

// Interfaces of a catalog endpoint.
const (
	InterfacePublic   = "public"
	InterfaceInternal = "internal"
	InterfaceAdmin    = "admin"
)

// DefaultRenewMargin is how long before expires_at a Keystone token is
// replaced.
const DefaultRenewMargin = 5 * time.Minute

// defaultTokenTimeout bounds a token request made with the default HTTP
// client.
const defaultTokenTimeout = 60 * time.Second

// defaultUserAgent is the SDK's product token, the same as the service
// clients send.
const defaultUserAgent = "cloudmigrate-go/" + cloudmigrate.Version

// ErrEndpointNotFound is wrapped by the error Keystone.Endpoint returns
// when the catalog has no matching endpoint.
var ErrEndpointNotFound = errors.New("auth: no matching endpoint in the service catalog")

// KeystoneCredentials says how to authenticate to Keystone v3 (OpenStack)
// or Huawei Cloud IAM, and which scope to ask for.
//
// Exactly one method must be chosen:
//
//   - Password: Password with UserID, or with Username plus UserDomainID or
//     UserDomainName.
//   - Application credential: ApplicationCredentialSecret with
//     ApplicationCredentialID, or with ApplicationCredentialName plus the
//     owning user (UserID, or Username plus a user domain). The credential
//     carries its own scope, so no scope field may be set.
//   - Token: an existing Token, optionally rescoped. A token cannot be
//     renewed once it expires.
//
// Scope (password and token methods) is at most one of: a project by
// ProjectID, a project by ProjectName (OpenStack Keystone also needs
// ProjectDomainID or ProjectDomainName; Huawei IAM accepts the name, which
// is the region ID such as "cn-north-4", alone), a domain by DomainID or
// DomainName, or Unscoped. With none of them Keystone picks the user's
// default project, if any.
//
// When both an ID and a name are given, the ID is sent and the name is
// ignored.
//
// Password, ApplicationCredentialSecret and Token are Secrets: String,
// GoString, LogValue and MarshalJSON never show them (a set one reads
// REDACTED), while decoding JSON accepts their plain values.
type KeystoneCredentials struct {
	// UserID identifies the user by ID; Username by name, together with
	// the user's domain (UserDomainID or UserDomainName).
	UserID         string `json:",omitempty"`
	Username       string `json:",omitempty"`
	UserDomainID   string `json:",omitempty"`
	UserDomainName string `json:",omitempty"`
	// Password selects the password method.
	Password Secret `json:",omitzero"`

	// ApplicationCredentialID or ApplicationCredentialName (with the
	// owning user) and ApplicationCredentialSecret select the application
	// credential method.
	ApplicationCredentialID     string `json:",omitempty"`
	ApplicationCredentialName   string `json:",omitempty"`
	ApplicationCredentialSecret Secret `json:",omitzero"`

	// Token selects the token method: an existing token, rescoped if a
	// scope is set.
	Token Secret `json:",omitzero"`

	// ProjectID, or ProjectName with ProjectDomainID or ProjectDomainName,
	// scope the token to a project.
	ProjectID         string `json:",omitempty"`
	ProjectName       string `json:",omitempty"`
	ProjectDomainID   string `json:",omitempty"`
	ProjectDomainName string `json:",omitempty"`
	// DomainID or DomainName scope the token to a domain.
	DomainID   string `json:",omitempty"`
	DomainName string `json:",omitempty"`
	// Unscoped asks explicitly for a token without scope.
	Unscoped bool `json:",omitempty"`
}

// Method returns the authentication method the credentials select:
// "password", "application_credential", "token", or "" when none or
// several are set.
func (c KeystoneCredentials) Method() string {
	m := c.methods()
	if len(m) != 1 {
		return ""
	}
	return m[0]
}

func (c KeystoneCredentials) methods() []string {
	var m []string
	if c.Password.IsSet() {
		m = append(m, "password")
	}
	if c.ApplicationCredentialID != "" || c.ApplicationCredentialName != "" || c.ApplicationCredentialSecret.IsSet() {
		m = append(m, "application_credential")
	}
	if c.Token.IsSet() {
		m = append(m, "token")
	}
	return m
}

// invalid builds a validation error naming one or more credential fields.
func invalid(problem string, fields ...string) *cloudmigrate.ValidationError {
	return &cloudmigrate.ValidationError{Field: strings.Join(fields, ", "), Problem: problem}
}

// Validate reports the first problem with c as a
// *cloudmigrate.ValidationError whose Field names the struct fields at
// fault.
func (c KeystoneCredentials) Validate() error {
	if err := c.validate(); err != nil {
		return err
	}
	return nil
}

func (c KeystoneCredentials) validate() *cloudmigrate.ValidationError {
	methodField := map[string]string{
		"password":               "Password",
		"application_credential": "ApplicationCredentialSecret",
		"token":                  "Token",
	}
	m := c.methods()
	switch len(m) {
	case 0:
		return invalid("set Password, ApplicationCredentialSecret or Token", "Password")
	case 1:
	default:
		var f []string
		for _, x := range m {
			f = append(f, methodField[x])
		}
		return invalid("choose one authentication method", f...)
	}
	var scopes []string
	if c.ProjectID != "" || c.ProjectName != "" {
		scopes = append(scopes, firstSet(c.ProjectID, "ProjectID", "ProjectName"))
	}
	if c.DomainID != "" || c.DomainName != "" {
		scopes = append(scopes, firstSet(c.DomainID, "DomainID", "DomainName"))
	}
	if c.Unscoped {
		scopes = append(scopes, "Unscoped")
	}
	userOK := func() *cloudmigrate.ValidationError {
		switch {
		case c.UserID != "":
			return nil
		case c.Username == "":
			return invalid("required: a user ID or a user name", "UserID")
		case c.UserDomainID == "" && c.UserDomainName == "":
			return invalid("required with Username", "UserDomainName")
		}
		return nil
	}
	switch m[0] {
	case "password":
		if err := userOK(); err != nil {
			return err
		}
	case "application_credential":
		if !c.ApplicationCredentialSecret.IsSet() {
			return invalid("required with an application credential", "ApplicationCredentialSecret")
		}
		if c.ApplicationCredentialID == "" {
			if c.ApplicationCredentialName == "" {
				return invalid("required: an application credential ID or name", "ApplicationCredentialID")
			}
			if err := userOK(); err != nil {
				return err
			}
		}
		if len(scopes) > 0 {
			return invalid("an application credential carries its own scope; set no scope with it",
				append([]string{firstSet(c.ApplicationCredentialID, "ApplicationCredentialID", "ApplicationCredentialName")}, scopes...)...)
		}
	}
	if len(scopes) > 1 {
		return invalid("choose one scope", scopes...)
	}
	return nil
}

// firstSet returns a if v is set, else b: the name of the field in use.
func firstSet(v, a, b string) string {
	if v != "" {
		return a
	}
	return b
}

// String shows the non-secret fields; secrets appear as REDACTED.
func (c KeystoneCredentials) String() string {
	var b strings.Builder
	b.WriteString("auth.KeystoneCredentials{")
	first := true
	add := func(k, v string) {
		if v == "" {
			return
		}
		if !first {
			b.WriteString(", ")
		}
		first = false
		b.WriteString(k)
		b.WriteString(": ")
		b.WriteString(v)
	}
	add("Method", c.Method())
	add("UserID", c.UserID)
	add("Username", c.Username)
	add("UserDomainID", c.UserDomainID)
	add("UserDomainName", c.UserDomainName)
	add("Password", c.Password.String())
	add("ApplicationCredentialID", c.ApplicationCredentialID)
	add("ApplicationCredentialName", c.ApplicationCredentialName)
	add("ApplicationCredentialSecret", c.ApplicationCredentialSecret.String())
	add("Token", c.Token.String())
	add("ProjectID", c.ProjectID)
	add("ProjectName", c.ProjectName)
	add("ProjectDomainID", c.ProjectDomainID)
	add("ProjectDomainName", c.ProjectDomainName)
	add("DomainID", c.DomainID)
	add("DomainName", c.DomainName)
	if c.Unscoped {
		add("Unscoped", "true")
	}
	b.WriteByte('}')
	return b.String()
}

// GoString is String, for %#v.
func (c KeystoneCredentials) GoString() string { return c.String() }

// LogValue shows the non-secret fields only.
func (c KeystoneCredentials) LogValue() slog.Value {
	var attrs []slog.Attr
	add := func(k, v string) {
		if v != "" {
			attrs = append(attrs, slog.String(k, v))
		}
	}
	add("method", c.Method())
	add("user_id", c.UserID)
	add("username", c.Username)
	add("user_domain_id", c.UserDomainID)
	add("user_domain_name", c.UserDomainName)
	add("application_credential_id", c.ApplicationCredentialID)
	add("application_credential_name", c.ApplicationCredentialName)
	add("project_id", c.ProjectID)
	add("project_name", c.ProjectName)
	add("project_domain_id", c.ProjectDomainID)
	add("project_domain_name", c.ProjectDomainName)
	add("domain_id", c.DomainID)
	add("domain_name", c.DomainName)
	if c.Unscoped {
		attrs = append(attrs, slog.Bool("unscoped", true))
	}
	return slog.GroupValue(attrs...)
}

// Wire form of POST /v3/auth/tokens.
type ksRequest struct {
	Auth ksAuth `json:"auth"`
}

type ksAuth struct {
	Identity ksIdentity `json:"identity"`
	Scope    any        `json:"scope,omitempty"`
}

type ksIdentity struct {
	Methods  []string     `json:"methods"`
	Password *ksPassword  `json:"password,omitempty"`
	Token    *ksTokenRef  `json:"token,omitempty"`
	AppCred  *ksAppCredID `json:"application_credential,omitempty"`
}

type ksPassword struct {
	User ksUser `json:"user"`
}

type ksUser struct {
	ID       string `json:"id,omitempty"`
	Name     string `json:"name,omitempty"`
	Domain   *ksRef `json:"domain,omitempty"`
	Password string `json:"password,omitempty"`
}

type ksRef struct {
	ID     string `json:"id,omitempty"`
	Name   string `json:"name,omitempty"`
	Domain *ksRef `json:"domain,omitempty"`
}

type ksTokenRef struct {
	ID string `json:"id"`
}

type ksAppCredID struct {
	ID     string  `json:"id,omitempty"`
	Name   string  `json:"name,omitempty"`
	Secret string  `json:"secret"`
	User   *ksUser `json:"user,omitempty"`
}

type ksScope struct {
	Project *ksRef `json:"project,omitempty"`
	Domain  *ksRef `json:"domain,omitempty"`
}

// ref returns {id} when id is set, else {name, domain} (domain may be nil).
func ref(id, name string, domain *ksRef) *ksRef {
	if id != "" {
		return &ksRef{ID: id}
	}
	return &ksRef{Name: name, Domain: domain}
}

func domainRef(id, name string) *ksRef {
	if id == "" && name == "" {
		return nil
	}
	return ref(id, name, nil)
}

func (c KeystoneCredentials) user() ksUser {
	if c.UserID != "" {
		return ksUser{ID: c.UserID}
	}
	return ksUser{Name: c.Username, Domain: domainRef(c.UserDomainID, c.UserDomainName)}
}

// requestBody builds the JSON body of the token request.
func (c KeystoneCredentials) requestBody() ([]byte, error) {
	var r ksRequest
	id := &r.Auth.Identity
	switch c.Method() {
	case "password":
		u := c.user()
		u.Password = c.Password.Reveal()
		id.Methods = []string{"password"}
		id.Password = &ksPassword{User: u}
	case "application_credential":
		id.Methods = []string{"application_credential"}
		ac := &ksAppCredID{Secret: c.ApplicationCredentialSecret.Reveal()}
		if c.ApplicationCredentialID != "" {
			ac.ID = c.ApplicationCredentialID
		} else {
			u := c.user()
			ac.Name, ac.User = c.ApplicationCredentialName, &u
		}
		id.AppCred = ac
	case "token":
		id.Methods = []string{"token"}
		id.Token = &ksTokenRef{ID: c.Token.Reveal()}
	}
	switch {
	case c.ProjectID != "" || c.ProjectName != "":
		r.Auth.Scope = ksScope{Project: ref(c.ProjectID, c.ProjectName, domainRef(c.ProjectDomainID, c.ProjectDomainName))}
	case c.DomainID != "" || c.DomainName != "":
		r.Auth.Scope = ksScope{Domain: ref(c.DomainID, c.DomainName, nil)}
	case c.Unscoped:
		r.Auth.Scope = "unscoped"
	}
	return json.Marshal(r)
}

// CatalogEntry is one service of the catalog that comes with a token.
type CatalogEntry struct {
	// Type is the service type, such as "compute" or "sharev2".
	Type string `json:"type"`
	// Name is the service's name in this cloud, such as "nova".
	Name string `json:"name"`
	// ID is the service's ID in the catalog.
	ID string `json:"id"`
	// Endpoints are the service's URLs by region and interface.
	Endpoints []CatalogEndpoint `json:"endpoints"`
}

// CatalogEndpoint is one URL of a catalog service.
type CatalogEndpoint struct {
	// ID is the endpoint's ID in the catalog.
	ID string `json:"id"`
	// Interface is "public", "internal" or "admin".
	Interface string `json:"interface"`
	// Region and RegionID name the region the endpoint serves.
	Region   string `json:"region"`
	RegionID string `json:"region_id"`
	// URL is the service's base URL.
	URL string `json:"url"`
}

// TokenInfo describes the current token, without the token itself.
type TokenInfo struct {
	// ExpiresAt and IssuedAt come from the token body; ExpiresAt is zero
	// when the service gave none.
	ExpiresAt, IssuedAt time.Time
	// Methods are the authentication methods the token records.
	Methods []string
	// UserID, UserName and the user's domain.
	UserID, UserName, UserDomainID, UserDomainName string
	// ProjectID, ProjectName and the project's domain, for a project
	// scoped token.
	ProjectID, ProjectName, ProjectDomainID, ProjectDomainName string
	// DomainID and DomainName, for a domain scoped token.
	DomainID, DomainName string
	// Roles are the names of the roles granted on the scope.
	Roles []string
	// ApplicationCredentialID is set for application credential tokens.
	ApplicationCredentialID string
	// Catalog lists the services and their endpoints (empty for unscoped
	// tokens).
	Catalog []CatalogEntry
}

type ksIDName struct {
	ID     string    `json:"id"`
	Name   string    `json:"name"`
	Domain *ksIDName `json:"domain"`
}

type ksResponse struct {
	Token struct {
		ExpiresAt string         `json:"expires_at"`
		IssuedAt  string         `json:"issued_at"`
		Methods   []string       `json:"methods"`
		User      *ksIDName      `json:"user"`
		Project   *ksIDName      `json:"project"`
		Domain    *ksIDName      `json:"domain"`
		Roles     []ksIDName     `json:"roles"`
		Catalog   []CatalogEntry `json:"catalog"`
		AppCred   *ksIDName      `json:"application_credential"`
	} `json:"token"`
}

// parseKeystoneTime reads Keystone's "2015-11-07T02:58:43.578887Z"; a
// value without a zone is taken as UTC.
func parseKeystoneTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Parse("2006-01-02T15:04:05.999999999", s)
}

func (r *ksResponse) info() (*TokenInfo, error) {
	t := &r.Token
	info := &TokenInfo{Methods: t.Methods, Catalog: t.Catalog}
	var err error
	if info.ExpiresAt, err = parseKeystoneTime(t.ExpiresAt); err != nil {
		return nil, errors.New("auth: keystone: malformed expires_at " + t.ExpiresAt)
	}
	if info.IssuedAt, err = parseKeystoneTime(t.IssuedAt); err != nil {
		return nil, errors.New("auth: keystone: malformed issued_at " + t.IssuedAt)
	}
	if u := t.User; u != nil {
		info.UserID, info.UserName = u.ID, u.Name
		if u.Domain != nil {
			info.UserDomainID, info.UserDomainName = u.Domain.ID, u.Domain.Name
		}
	}
	if p := t.Project; p != nil {
		info.ProjectID, info.ProjectName = p.ID, p.Name
		if p.Domain != nil {
			info.ProjectDomainID, info.ProjectDomainName = p.Domain.ID, p.Domain.Name
		}
	}
	if d := t.Domain; d != nil {
		info.DomainID, info.DomainName = d.ID, d.Name
	}
	for _, role := range t.Roles {
		info.Roles = append(info.Roles, role.Name)
	}
	if t.AppCred != nil {
		info.ApplicationCredentialID = t.AppCred.ID
	}
	return info, nil
}

func (ti *TokenInfo) clone() *TokenInfo {
	c := *ti
	c.Methods = slices.Clone(ti.Methods)
	c.Roles = slices.Clone(ti.Roles)
	c.Catalog = slices.Clone(ti.Catalog)
	for i := range c.Catalog {
		c.Catalog[i].Endpoints = slices.Clone(c.Catalog[i].Endpoints)
	}
	return &c
}

// Keystone authorizes requests with a Keystone v3 token (OpenStack
// Keystone or Huawei Cloud IAM), sent as X-Auth-Token. It fetches the
// token on first use, caches it, replaces it shortly before it expires
// (see WithRenewMargin) and, as a Renewer, when a service rejects it. It
// is safe for concurrent use. Create it with NewKeystone or
// KeystoneFromEnv.
//
// It makes one token request at a time, however many goroutines share it:
// those that need a token while a request is in flight wait for its
// result. When a token request fails (Keystone answers an error or cannot
// be reached), the next one waits: 0.5 s after the first failure, twice as
// long after each further one in a row (plus up to a quarter more, at
// random), at most 30 s, and at least as long as Keystone's Retry-After
// asks within that limit. Until then every caller gets the failure at once,
// without a request: an error that wraps Keystone's answer as a
// *cloudmigrate.Error (errors.As finds it) and says when Keystone will
// next be asked; the service clients wait that long before they try again.
// The first token that comes ends the pause. Meanwhile a token that is due
// for renewal but has not expired is still used; one a service refused is
// not. A token request abandoned by its caller (its context ended) starts
// no pause.
//
// Its String, GoString and LogValue never show the password, secret or
// token.
type Keystone struct {
	// The state sits behind a pointer so that even printing a copied
	// value with %v shows an address, not the credentials.
	*keystoneCore
}

type keystoneCore struct {
	authURL  string
	tokenURL string
	cred     KeystoneCredentials
	body     []byte
	hc       *http.Client
	now      func() time.Time
	margin   time.Duration
	ua       string

	mu       sync.Mutex
	tok      *ksToken
	inflight *ksCall
	failure  *ksFailure // the last token request's, while requests pause
	failures int        // token requests failed in a row
}

type ksToken struct {
	id      string
	info    *TokenInfo
	fetched time.Time
}

// ksCall is one token request that other goroutines may wait for.
type ksCall struct {
	done chan struct{}
	tok  *ksToken
	err  error
}

// KeystoneOption configures NewKeystone.
type KeystoneOption interface {
	applyKeystone(*Keystone) error
}

type keystoneOptionFunc func(*Keystone) error

func (f keystoneOptionFunc) applyKeystone(k *Keystone) error { return f(k) }

func (c ClockOption) applyKeystone(k *Keystone) error {
	if c != nil {
		k.now = c
	}
	return nil
}

// WithHTTPClient sends token requests through hc instead of the default,
// a pooled go-cleanhttp client with a 60-second timeout.
func WithHTTPClient(hc *http.Client) KeystoneOption {
	return keystoneOptionFunc(func(k *Keystone) error {
		if hc == nil {
			return cloudmigrate.Invalid("WithHTTPClient", "nil client")
		}
		k.hc = hc
		return nil
	})
}

// WithRenewMargin sets how long before its expiry a token is replaced
// (default DefaultRenewMargin). The margin used never exceeds half the
// token's lifetime, so short-lived tokens are still reused.
func WithRenewMargin(d time.Duration) KeystoneOption {
	return keystoneOptionFunc(func(k *Keystone) error {
		if d < 0 {
			return cloudmigrate.Invalid("WithRenewMargin", "negative duration")
		}
		k.margin = d
		return nil
	})
}

// WithUserAgent puts ua in front of the SDK's own User-Agent product
// token on token requests.
func WithUserAgent(ua string) KeystoneOption {
	return keystoneOptionFunc(func(k *Keystone) error {
		if strings.ContainsAny(ua, "\r\n") {
			return cloudmigrate.Invalid("WithUserAgent", "contains a line break")
		}
		if ua != "" {
			k.ua = ua + " " + defaultUserAgent
		}
		return nil
	})
}

// tokenURLFor returns {authURL}/v3/auth/tokens, or {authURL}/auth/tokens
// when authURL already ends in /v3.
func tokenURLFor(authURL string) (string, *cloudmigrate.ValidationError) {
	u, err := url.Parse(authURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", cloudmigrate.Invalid("authURL", "need an absolute http or https URL")
	}
	if u.User != nil {
		return "", cloudmigrate.Invalid("authURL", "must not contain user information")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", cloudmigrate.Invalid("authURL", "must not have a query or fragment")
	}
	p := strings.TrimRight(u.Path, "/")
	switch {
	case strings.HasSuffix(p, "/v3"):
		p += "/auth/tokens"
	case strings.HasSuffix(p, "/v2.0") || strings.HasSuffix(p, "/v2"):
		return "", cloudmigrate.Invalid("authURL", "Keystone v2 is not supported; use the v3 URL")
	default:
		p += "/v3/auth/tokens"
	}
	u.Path, u.RawPath = p, ""
	return u.String(), nil
}

// NewKeystone returns a token authorizer for the Keystone v3 (or Huawei
// IAM) endpoint authURL, such as "https://keystone.example.com:5000/v3" or
// "https://iam.myhuaweicloud.com/v3"; "/v3" is added when missing. It
// checks its inputs and returns a *cloudmigrate.ValidationError naming the
// field at fault, but sends nothing until first use.
func NewKeystone(authURL string, cred KeystoneCredentials, opts ...KeystoneOption) (*Keystone, error) {
	tokenURL, verr := tokenURLFor(authURL)
	if verr != nil {
		return nil, verr
	}
	if verr := cred.validate(); verr != nil {
		return nil, verr
	}
	body, err := cred.requestBody()
	if err != nil {
		return nil, err
	}
	k := &Keystone{&keystoneCore{
		authURL:  authURL,
		tokenURL: tokenURL,
		cred:     cred,
		body:     body,
		now:      time.Now,
		margin:   DefaultRenewMargin,
		ua:       defaultUserAgent,
	}}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o.applyKeystone(k); err != nil {
			return nil, err
		}
	}
	if k.hc == nil {
		k.hc = cleanhttp.DefaultPooledClient()
		k.hc.Timeout = defaultTokenTimeout
	}
	return k, nil
}

// Authorize sets X-Auth-Token, fetching or renewing the token first when
// needed.
func (k *Keystone) Authorize(ctx context.Context, req *http.Request) error {
	t, err := k.token(ctx, "", false)
	if err != nil {
		return err
	}
	if req.Header == nil {
		req.Header = make(http.Header)
	}
	req.Header.Set("X-Auth-Token", t.id)
	return nil
}

// Renew replaces the token that rejected carried (its X-Auth-Token). It is
// single-flight: when many goroutines report the same rejected token at
// once, one token request is made and all of them get its result; a
// report about a token that has already been replaced costs nothing. With
// a nil rejected request, or one without X-Auth-Token, the current token
// is replaced. The refused token is not handed out again, even if the
// renewal fails; while token requests pause after a failure, Renew returns
// that failure without a request.
func (k *Keystone) Renew(ctx context.Context, rejected *http.Request) error {
	rej := ""
	if rejected != nil {
		rej = rejected.Header.Get("X-Auth-Token")
	}
	_, err := k.token(ctx, rej, true)
	return err
}

// TokenInfo returns what the current token says about the user, scope and
// catalog, authenticating first when needed. The result is a copy.
func (k *Keystone) TokenInfo(ctx context.Context) (*TokenInfo, error) {
	t, err := k.token(ctx, "", false)
	if err != nil {
		return nil, err
	}
	return t.info.clone(), nil
}

// fresh reports whether t can still be used for a while.
func (k *Keystone) fresh(t *ksToken) bool {
	exp := t.info.ExpiresAt
	if exp.IsZero() {
		return true
	}
	margin := k.margin
	if life := exp.Sub(t.fetched); margin > life/2 {
		margin = life / 2
	}
	return k.now().Add(margin).Before(exp)
}

// fetch makes one POST /v3/auth/tokens.
func (k *Keystone) fetch(ctx context.Context) (*ksToken, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, k.tokenURL, bytes.NewReader(k.body))
	if err != nil {
		return nil, fmt.Errorf("auth: keystone: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", k.ua)
	resp, err := k.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("auth: keystone: token request: %w", err)
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
	}()
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return nil, errparse.FromResponse(http.MethodPost, k.tokenURL, resp, 1, k.credentialValues()...)
	}
	id := resp.Header.Get("X-Subject-Token")
	if id == "" {
		return nil, errors.New("auth: keystone: POST " + k.tokenURL + ": answer has no X-Subject-Token header")
	}
	var body ksResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, 32<<20)).Decode(&body); err != nil {
		return nil, fmt.Errorf("auth: keystone: POST %s: decoding the token: %w", k.tokenURL, err)
	}
	info, err := body.info()
	if err != nil {
		return nil, errors.New(errparse.Scrub(err.Error(), append(k.credentialValues(), id)...))
	}
	return &ksToken{id: id, info: info, fetched: k.now()}, nil
}

// credentialValues lists what the token request carries: the password,
// application credential secret or token of the credentials.
func (k *Keystone) credentialValues() []string {
	return []string{k.cred.Password.Reveal(), k.cred.ApplicationCredentialSecret.Reveal(), k.cred.Token.Reveal()}
}

// Secrets returns the password, application credential secret or token of
// the credentials, and the current token, for the request pipeline to
// remove from error messages (see SecretHolder).
func (k *Keystone) Secrets() []Secret {
	if k == nil || k.keystoneCore == nil {
		return nil
	}
	out := []Secret{k.cred.Password, k.cred.ApplicationCredentialSecret, k.cred.Token}
	k.mu.Lock()
	if k.tok != nil {
		out = append(out, NewSecret(k.tok.id))
	}
	k.mu.Unlock()
	return out
}

// Endpoint returns the URL of a service from the token's catalog,
// authenticating first when needed.
//
// serviceType is a catalog type such as "compute", or several types
// separated by commas, tried in order (ServiceTypeShare is
// "sharev2,shared-file-system"). region matches an endpoint's region_id or
// region; "" accepts any region, but then the catalog must not offer the
// service in more than one region. iface is "public" (the default when
// ""), "internal" or "admin"; the old forms "publicURL" and so on are
// accepted. The URL is returned as the catalog gives it.
//
// When nothing matches, the error wraps ErrEndpointNotFound and lists what
// the catalog offers.
func (k *Keystone) Endpoint(ctx context.Context, serviceType, region, iface string) (string, error) {
	iface, verr := normalizeInterface(iface)
	if verr != nil {
		return "", verr
	}
	var types []string
	for _, s := range strings.Split(serviceType, ",") {
		if s = strings.TrimSpace(s); s != "" {
			types = append(types, s)
		}
	}
	if len(types) == 0 {
		return "", cloudmigrate.Invalid("serviceType", "empty")
	}
	t, err := k.token(ctx, "", false)
	if err != nil {
		return "", err
	}
	return findEndpoint(t.info.Catalog, types, region, iface)
}

func normalizeInterface(iface string) (string, *cloudmigrate.ValidationError) {
	s := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(iface)), "url")
	switch s {
	case "":
		return InterfacePublic, nil
	case InterfacePublic, InterfaceInternal, InterfaceAdmin:
		return s, nil
	}
	return "", cloudmigrate.Invalid("interface", "want public, internal or admin")
}

func findEndpoint(catalog []CatalogEntry, types []string, region, iface string) (string, error) {
	for _, typ := range types {
		var urls, regions []string
		for _, e := range catalog {
			if e.Type != typ {
				continue
			}
			for _, ep := range e.Endpoints {
				if ep.Interface != iface {
					continue
				}
				if region != "" && ep.RegionID != region && ep.Region != region {
					continue
				}
				urls = append(urls, ep.URL)
				r := ep.RegionID
				if r == "" {
					r = ep.Region
				}
				if !slices.Contains(regions, r) {
					regions = append(regions, r)
				}
			}
		}
		if len(urls) == 0 {
			continue
		}
		if region == "" && len(regions) > 1 {
			return "", fmt.Errorf("%w: %s (%s) is offered in several regions (%s); name one",
				ErrEndpointNotFound, typ, iface, strings.Join(regions, ", "))
		}
		return urls[0], nil
	}
	// Say what there is, to make a wrong type, region or interface obvious.
	var offers []string
	for _, e := range catalog {
		for _, ep := range e.Endpoints {
			r := ep.RegionID
			if r == "" {
				r = ep.Region
			}
			o := e.Type + " " + ep.Interface + " " + r
			if !slices.Contains(offers, o) {
				offers = append(offers, o)
			}
		}
	}
	has := "the catalog is empty (is the token unscoped?)"
	if len(offers) > 0 {
		has = "the catalog has: " + strings.Join(offers, "; ")
	}
	want := strings.Join(types, " or ") + " " + iface
	if region != "" {
		want += " in " + region
	}
	return "", fmt.Errorf("%w: want %s; %s", ErrEndpointNotFound, want, has)
}

// String shows the auth URL and the non-secret credential fields.
func (k Keystone) String() string {
	if k.keystoneCore == nil {
		return "auth.Keystone(nil)"
	}
	return "auth.Keystone{AuthURL: " + k.authURL + ", Credentials: " + k.cred.String() + "}"
}

// GoString is String, for %#v.
func (k Keystone) GoString() string { return k.String() }

// LogValue shows the auth URL and the non-secret credential fields.
func (k Keystone) LogValue() slog.Value {
	if k.keystoneCore == nil {
		return slog.StringValue("auth.Keystone(nil)")
	}
	return slog.GroupValue(slog.String("auth_url", k.authURL), slog.Attr{Key: "credentials", Value: k.cred.LogValue()})
}
