package cloudmigrate

import (
	"context"
	"net/http"
	"time"
)

// Observer watches every attempt of every request a client sends: the
// first try of a call, each retry and the replay after a renewed token.
// Set one with WithObserver; the contrib/otel module turns attempts into
// OpenTelemetry spans and metrics.
//
// StartAttempt is called before an attempt is authorized and sent, with
// the call's context. The context it returns is the attempt's: the
// request goes out with it (so an instrumented http.Client and the
// authorizer see a span the observer started), and nothing else of the
// call uses it. The function it returns, which may be nil, is called
// exactly once, when the attempt's answer has been read and decoded, or
// when the attempt failed. The pipeline makes no other call on an attempt.
//
// An Observer is called from every goroutine that uses the client, so it
// must be safe for concurrent use. It should return quickly: the attempt
// waits for it. It cannot change what is sent, except by adding headers
// to AttemptInfo.Header, and it never sees a credential: the headers it is
// shown are those of the request before it is authorized.
type Observer interface {
	// StartAttempt announces an attempt and returns the context to send
	// it with (nil: the call's) and the function that ends it (nil: none).
	StartAttempt(ctx context.Context, info AttemptInfo) (context.Context, func(AttemptResult))
}

// ObserverFunc makes an ordinary function an Observer.
type ObserverFunc func(ctx context.Context, info AttemptInfo) (context.Context, func(AttemptResult))

// StartAttempt calls f(ctx, info).
func (f ObserverFunc) StartAttempt(ctx context.Context, info AttemptInfo) (context.Context, func(AttemptResult)) {
	return f(ctx, info)
}

// AttemptInfo describes an attempt before it is sent.
type AttemptInfo struct {
	// Operation is the SDK operation whose request this is, as
	// "package.Method": "nova.LiveMigrate", "ecs.GetJob". Each page of a
	// list carries the list's name. A method that sends a request of
	// another operation names it after that one: ecs.ColdMigrate first
	// reads the server as ecs.GetServer, and an operation handle's Poll
	// reads its job as the package's GetJob. Version discovery is
	// nova.Microversion or manila.Microversion.
	Operation string
	// Method is the HTTP method.
	Method string
	// Path is the path template relative to the endpoint, with the IDs
	// left as placeholders: "/servers/{server_id}/action". A request that
	// follows a link from a previous answer (the next page of a list) has
	// the link's path, IDs included.
	Path string
	// URL is the absolute URL the attempt is sent to, IDs and query
	// included. It never holds credentials.
	URL string
	// Attempt numbers the requests of one call from 1, counting every
	// request that left the client, the replay after a renewed token
	// included: it is the number the call's Error.Attempts would have if
	// this attempt were the last. A try whose credentials could not be had
	// sends nothing, so the try after it has the same number.
	Attempt int
	// Retry says why this attempt is sent again; it is empty for the first
	// attempt of a call.
	Retry RetryReason
	// Header holds the headers of the request before it is authorized.
	// An observer may add headers to it, such as a W3C traceparent, which
	// the attempt then sends (and signs, where the request is signed).
	Header http.Header
}

// AttemptResult describes how an attempt ended.
type AttemptResult struct {
	// StatusCode is the HTTP status of the answer, or 0 when there was
	// none (the request could not be authorized or sent, or the
	// connection failed before an answer came).
	StatusCode int
	// RequestID is the service's ID for the request, taken from the
	// answer's headers, or empty.
	RequestID string
	// Duration runs from StartAttempt to the end of the attempt: the
	// answer read and decoded, or the failure.
	Duration time.Duration
	// Err is why the attempt failed: an *Error for an answer the
	// operation does not accept (a 429, a 5xx, a 404), else the network,
	// authorization or decoding failure. It is nil when the attempt got an
	// accepted answer and decoded it. When the credentials could not be
	// had, nothing was sent and Err wraps the authorizer's error; it then
	// has a method ErrorType() string that returns "credentials", the form
	// OpenTelemetry reads an error's type in. Whether the call tries again
	// is told by the next attempt's AttemptInfo.Retry.
	Err error
}

// RetryReason says why the pipeline sends a request again.
type RetryReason string

// The reasons a request is sent again. Which of them apply to a request
// is described at WithRetry.
const (
	// RetryThrottled: the service answered 429 or a throttling code.
	RetryThrottled RetryReason = "throttled"
	// RetryServerError: the service answered 502, 503 or 504 to a request
	// that is safe to repeat.
	RetryServerError RetryReason = "server_error"
	// RetryNetwork: the previous attempt got no answer, or its answer was
	// cut off while it was read; a request that is not safe to repeat is
	// sent again only when it provably never reached the service.
	RetryNetwork RetryReason = "network"
	// RetryTokenRenewed: the service answered 401, the token was renewed,
	// and the request is replayed once with the new one.
	RetryTokenRenewed RetryReason = "token_renewed"
	// RetryCredentials: the previous try could not get credentials (the
	// identity service failed for a while) and nothing was sent, or
	// renewing a token after a 401 failed for a while.
	RetryCredentials RetryReason = "credentials"
)
