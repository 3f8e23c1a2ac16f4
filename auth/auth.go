package auth

import (
	"context"
	"encoding/json"
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

// StaticToken returns an Authorizer that sends token as X-Auth-Token on
// every request. It cannot renew the token. The token is held as a Secret:
// printing, logging or encoding the authorizer never shows it.
func StaticToken(token string) Authorizer { return &staticToken{token: NewSecret(token)} }

type staticToken struct{ token Secret }

// Authorize sets X-Auth-Token.
func (t *staticToken) Authorize(_ context.Context, req *http.Request) error {
	req.Header.Set("X-Auth-Token", t.token.Reveal())
	return nil
}

// Secrets returns the token.
func (t *staticToken) Secrets() []Secret { return []Secret{t.token} }

// String hides the token.
func (t *staticToken) String() string { return "auth.StaticToken(" + t.token.String() + ")" }

// GoString hides the token from %#v.
func (t *staticToken) GoString() string { return t.String() }

// LogValue hides the token from slog.
func (t *staticToken) LogValue() slog.Value { return slog.StringValue(t.String()) }

// MarshalJSON hides the token from JSON.
func (t *staticToken) MarshalJSON() ([]byte, error) { return json.Marshal(t.String()) }
