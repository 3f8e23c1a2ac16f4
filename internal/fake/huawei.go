package fake

import (
	"fmt"
	"strings"

	"github.com/cloudmigrate/cloudmigrate/auth"
)

// HuaweiAccount is the key pair a Huawei Cloud fake accepts and the one
// project it serves.
type HuaweiAccount struct {
	// AccessKey and SecretKey are the AK/SK pair requests are signed with.
	AccessKey, SecretKey string
	// ProjectID is the project in the paths and in X-Project-Id.
	ProjectID string
}

// Validate panics when the access key, secret key or project ID is empty,
// as a test set-up mistake. pkg names the fake package in the message
// ("ecstest: WithCredentials: ...").
func (a HuaweiAccount) Validate(pkg string) {
	if a.AccessKey == "" || a.SecretKey == "" || a.ProjectID == "" {
		panic(pkg + ": WithCredentials: access key, secret key and project ID must not be empty")
	}
}

// Authorizer returns an AK/SK signer for the account's key pair.
func (a HuaweiAccount) Authorizer() auth.Authorizer {
	return auth.NewAKSK(a.AccessKey, a.SecretKey)
}

// Authenticator returns the API gateway's check for the account: requests
// signed with its key pair and carrying its project in X-Project-Id.
// The SDK signs with the real clock, so the signature window is checked
// against real time, never the job clock.
func (a HuaweiAccount) Authenticator() *AKSKAuth {
	return &AKSKAuth{Keys: map[string]string{a.AccessKey: a.SecretKey}, Project: a.ProjectID}
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

// Start starts a server for cfg that checks the account's signatures
// (unless NoAuth) and runs its clock at Speed. An empty
// cfg.RequestIDHeader becomes X-Request-Id, where Huawei services send
// the request ID. Start panics when Speed is negative, naming pkg and
// WithRealTime, before any server is started.
func (o HuaweiOptions) Start(pkg string, cfg Config) *Server {
	if o.Speed < 0 {
		panic(fmt.Sprintf("%s: WithRealTime: negative speed %v", pkg, o.Speed))
	}
	if cfg.RequestIDHeader == "" {
		cfg.RequestIDHeader = "X-Request-Id"
	}
	if !o.NoAuth {
		cfg.Auth = o.Account.Authenticator()
	}
	s := New(cfg)
	if o.Speed > 0 {
		s.Clock().Run(o.Speed)
	}
	return s
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
