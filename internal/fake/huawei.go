package fake

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/cloudmigrate/cloudmigrate/auth"
)

// The IAM user a Huawei Cloud fake accepts when HuaweiAccount.IAMUser
// leaves a field empty. The values are invented and work nowhere else.
const (
	DefaultIAMUserName     = "fake-migration-operator"
	DefaultIAMUserPassword = "Fake-IAM-Passw0rd-0001"
	DefaultIAMUserDomain   = "fake-account"
)

// HuaweiRegion is the region the Huawei Cloud fakes pretend to serve. On
// Huawei Cloud a region's default project is named after the region, so
// it is the project name the fakes' IAM tokens carry.
const HuaweiRegion = "xx-fake-1"

// OpIssueToken is the operation Identity counts token requests under
// (POST /v3/auth/tokens on a Huawei Cloud fake).
const OpIssueToken = "IssueToken"

// HuaweiIAMUser is the IAM user, with its password and the account
// (domain) it belongs to, whose token requests a Huawei Cloud fake's IAM
// endpoint accepts.
type HuaweiIAMUser struct {
	// Name is the user's name.
	Name string
	// Password is the user's password.
	Password auth.Secret
	// Domain is the name of the account the user belongs to, sent as the
	// user's domain.
	Domain string
}

// HuaweiAccount is the key pair a Huawei Cloud fake accepts, the IAM user
// it issues tokens to, and the one project it serves.
type HuaweiAccount struct {
	// AccessKey and SecretKey are the AK/SK pair requests are signed with.
	AccessKey string
	// SecretKey is the secret key that goes with AccessKey.
	SecretKey auth.Secret
	// ProjectID is the project in the paths and in X-Project-Id, and the
	// project IAM tokens are scoped to.
	ProjectID string
	// IAMUser is the user that may ask for tokens; empty fields take the
	// DefaultIAMUserName, DefaultIAMUserPassword and DefaultIAMUserDomain
	// values (see IAM).
	IAMUser HuaweiIAMUser
}

// IAM returns IAMUser with every empty field set to its default.
func (a HuaweiAccount) IAM() HuaweiIAMUser {
	u := a.IAMUser
	if u.Name == "" {
		u.Name = DefaultIAMUserName
	}
	if !u.Password.IsSet() {
		u.Password = auth.NewSecret(DefaultIAMUserPassword)
	}
	if u.Domain == "" {
		u.Domain = DefaultIAMUserDomain
	}
	return u
}

// Validate panics when the access key, secret key or project ID is empty,
// as a test set-up mistake. pkg names the fake package in the message
// ("ecstest: WithCredentials: ...").
func (a HuaweiAccount) Validate(pkg string) {
	if a.AccessKey == "" || !a.SecretKey.IsSet() || a.ProjectID == "" {
		panic(pkg + ": WithCredentials: access key, secret key and project ID must not be empty")
	}
}

// Authorizer returns an AK/SK signer for the account's key pair.
func (a HuaweiAccount) Authorizer() auth.Authorizer {
	return auth.NewAKSK(a.AccessKey, a.SecretKey.Reveal())
}

// Authenticator returns the API gateway's check for the account: requests
// signed with its key pair and carrying its project in X-Project-Id.
// The SDK signs with the real clock, so the signature window is checked
// against real time, never the job clock.
func (a HuaweiAccount) Authenticator() *AKSKAuth {
	return &AKSKAuth{Keys: map[string]auth.Secret{a.AccessKey: a.SecretKey}, Project: a.ProjectID}
}

// HuaweiOptions holds the settings every Huawei Cloud fake takes from its
// options: the account (WithCredentials), whether to skip the credential
// check (WithoutAuth) and the clock's speed (WithRealTime).
type HuaweiOptions struct {
	// Account is the key pair and project the fake accepts.
	Account HuaweiAccount
	// NoAuth accepts requests whatever their signature and X-Project-Id.
	NoAuth bool
	// Speed, when above zero, runs the clock with real time multiplied by
	// it; zero leaves the clock stopped.
	Speed float64
}

// Start starts a server for cfg that runs its clock at Speed and serves,
// besides the service, Huawei IAM's token endpoint at the root
// (POST /v3/auth/tokens, counted as OpIssueToken, open without
// credentials) for the account's IAM user, and IAM's project list
// (GET /v3/projects, counted as OpListProjects: the account's project,
// named HuaweiRegion). Unless NoAuth, the service's
// operations accept a request signed with the account's key pair (see
// Authenticator) or one carrying an IAM token (see HuaweiServer). An empty
// cfg.RequestIDHeader becomes X-Request-Id, where Huawei services send the
// request ID. Start panics when Speed is negative, naming pkg and
// WithRealTime, before any server is started.
func (o HuaweiOptions) Start(pkg string, cfg Config) *HuaweiServer {
	if o.Speed < 0 {
		panic(fmt.Sprintf("%s: WithRealTime: negative speed %v", pkg, o.Speed))
	}
	if cfg.RequestIDHeader == "" {
		cfg.RequestIDHeader = "X-Request-Id"
	}
	// Tokens live on real time, like the SDK's authorizer that decides
	// when to renew them: moving the job clock never expires a token.
	tokens := &Tokens{}
	if !o.NoAuth {
		cfg.Auth = &huaweiGateway{aksk: o.Account.Authenticator(), tokens: tokens, project: o.Account.ProjectID}
	}
	s := New(cfg)
	if o.Speed > 0 {
		s.Clock().Run(o.Speed)
	}
	user := o.Account.IAM()
	(&Identity{
		Tokens:      tokens,
		Users:       map[string]auth.Secret{user.Name: user.Password},
		ProjectID:   o.Account.ProjectID,
		ProjectName: HuaweiRegion,
	}).Mount(s, "")
	mountProjects(s, o.Account, tokens, o.NoAuth)
	return &HuaweiServer{Server: s, pkg: pkg, account: o.Account, tokens: tokens}
}

// HuaweiServer is a started Huawei Cloud fake: the engine serving the
// service, and the IAM token endpoint beside it.
//
// Tokens are scoped to the account's project and last 24 hours of real
// time (the job clock never expires them; ExpireTokens does). The token
// endpoint checks the user's name and password; the user's domain and the
// scope asked for are not checked. A service request with X-Auth-Token is
// refused with 401 in the API gateway's form: APIGW.0307 when the token
// has expired, APIGW.0301 when the fake never issued it, and APIGW.0301
// when it carries an X-Project-Id other than the account's project, as a
// signed request would be. A request with a token needs no X-Project-Id.
// A request with neither a signature nor a token gets the AK/SK check's
// 401 APIGW.0301.
type HuaweiServer struct {
	*Server

	pkg     string
	account HuaweiAccount
	tokens  *Tokens
}

// Tokens returns the tokens the IAM endpoint issues and the service
// accepts.
func (h *HuaweiServer) Tokens() *Tokens { return h.tokens }

// IAMURL returns the IAM endpoint's v3 URL ("<URL>/v3"), for
// auth.NewKeystone.
func (h *HuaweiServer) IAMURL() string { return h.URL() + "/v3" }

// IAMCredentials returns the credentials the IAM endpoint accepts: the
// account's IAM user by name and domain, with its password, scoped to the
// account's project by ID.
func (h *HuaweiServer) IAMCredentials() auth.KeystoneCredentials {
	u := h.account.IAM()
	return auth.KeystoneCredentials{
		Username: u.Name, UserDomainName: u.Domain, Password: u.Password,
		ProjectID: h.account.ProjectID,
	}
}

// IAMAuthorizer returns a new token authorizer for IAMURL and
// IAMCredentials, with its own token cache. It panics, naming the fake's
// package, only if auth.NewKeystone refuses them, which valid account
// settings rule out.
func (h *HuaweiServer) IAMAuthorizer() *auth.Keystone {
	ks, err := auth.NewKeystone(h.IAMURL(), h.IAMCredentials())
	if err != nil {
		panic(h.pkg + ": IAMAuthorizer: " + err.Error())
	}
	return ks
}

// ExpireTokens makes every token issued so far invalid, as if its time had
// run out on IAM's side.
func (h *HuaweiServer) ExpireTokens() { h.tokens.ExpireAll() }

// TokensIssued returns how many tokens the IAM endpoint has issued.
func (h *HuaweiServer) TokensIssued() int { return h.tokens.Issued() }

// huaweiGateway is the API gateway's credential check: a request passes
// with the account's AK/SK signature or with a valid IAM token.
type huaweiGateway struct {
	aksk    *AKSKAuth
	tokens  *Tokens
	project string
}

// Check implements Authenticator. A request without X-Auth-Token gets the
// AK/SK check's answer; one with it, the token check's.
func (g *huaweiGateway) Check(r *http.Request) *Failure {
	fail := g.aksk.Check(r)
	if fail == nil {
		return nil
	}
	tok := r.Header.Get("X-Auth-Token")
	if tok == "" {
		return fail
	}
	exp, known := tokenExpiry(g.tokens, tok)
	switch {
	case !known:
		return &Failure{Status: http.StatusUnauthorized, Code: "APIGW.0301", Message: "Incorrect IAM authentication information: decrypt token fail"}
	case !g.tokens.now().Before(exp):
		return &Failure{Status: http.StatusUnauthorized, Code: "APIGW.0307", Message: "The token must be updated."}
	}
	if p := r.Header.Get("X-Project-Id"); p != "" && p != g.project {
		return &Failure{Status: http.StatusUnauthorized, Code: "APIGW.0301", Message: "Incorrect IAM authentication information: project id mismatch"}
	}
	return nil
}

// tokenExpiry returns when tok expires and whether t issued it.
func tokenExpiry(t *Tokens, tok string) (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	exp, ok := t.tokens[sha256.Sum256([]byte(tok))]
	return exp, ok
}

// GatewayError is the error document of Huawei Cloud's API gateway
// (codes APIGW.xxxx), which some services (ModelArts) also use for their
// own codes.
type GatewayError struct {
	// ErrorCode is the code, such as APIGW.0301.
	ErrorCode string `json:"error_code"`
	// ErrorMsg is the message that goes with it.
	ErrorMsg string `json:"error_msg"`
}

// GatewayErrorBody is an ErrorBody that answers every code in the API
// gateway's form.
func GatewayErrorBody(_ int, code, message string) any {
	return GatewayError{ErrorCode: code, ErrorMsg: message}
}

// BehindGateway returns an ErrorBody that answers the API gateway's own
// codes (those starting "APIGW.") in the gateway's form and every other
// code with service, the form of the service behind the gateway.
func BehindGateway(service ErrorBody) ErrorBody {
	return func(status int, code, message string) any {
		if strings.HasPrefix(code, "APIGW.") {
			return GatewayErrorBody(status, code, message)
		}
		return service(status, code, message)
	}
}

// ApplyOptions calls each non-nil option on s, in order.
func ApplyOptions[S any, O ~func(*S)](s *S, opts []O) {
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
}
