package auth

import (
	"context"
	"log/slog"
	"net/http"
)

// Authorizer adds credentials to an outgoing request. The pipeline calls it
// on every attempt, after the body and all other headers are final, so a
// signature covers exactly what is sent. Implementations must be safe for
// concurrent use.
type Authorizer interface {
	Authorize(ctx context.Context, req *http.Request) error
}

// Renewer is implemented by authorizers whose credentials can be renewed,
// such as Keystone tokens. When the service answers 401, the pipeline calls
// Renew once with the rejected request and then replays it once.
//
// Renew must be single-flight: many goroutines may report the same rejected
// credentials at the same time, and only one renewal may result. An
// implementation compares the credentials on rejected with its current ones
// and renews only if they are still the same.
type Renewer interface {
	Renew(ctx context.Context, rejected *http.Request) error
}

// StaticToken sends a fixed token as X-Auth-Token. It cannot renew itself.
// Its String, GoString and LogValue never show the token.
type StaticToken string

// Authorize sets X-Auth-Token.
func (t StaticToken) Authorize(_ context.Context, req *http.Request) error {
	req.Header.Set("X-Auth-Token", string(t))
	return nil
}

// String hides the token.
func (t StaticToken) String() string { return "auth.StaticToken(REDACTED)" }

// GoString hides the token from %#v.
func (t StaticToken) GoString() string { return t.String() }

// LogValue hides the token from slog.
func (t StaticToken) LogValue() slog.Value { return slog.StringValue(t.String()) }
