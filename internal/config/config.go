// Package config holds the settings that the public cloudmigrate.Option
// values write and the request pipeline reads.
package config

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// Config is the resolved set of client settings.
type Config struct {
	// HTTPClient sends every request. Nil means a pooled go-cleanhttp client.
	HTTPClient *http.Client
	// UserAgent is sent as User-Agent; an SDK product token is appended.
	UserAgent string
	// MaxRetries is how many times a retryable request is sent again.
	MaxRetries int
	// RetryMinWait and RetryMaxWait bound the back-off between attempts.
	RetryMinWait time.Duration
	RetryMaxWait time.Duration
	// RetryAfterCap bounds how long a Retry-After header may make us wait.
	RetryAfterCap time.Duration
	// Logger receives one debug record per attempt. Nil discards.
	Logger *slog.Logger
	// Timeout bounds one attempt (0: none beyond the context).
	Timeout time.Duration
	// Header is sent with every request.
	Header http.Header
	// Microversion pins the OpenStack microversion ("" means negotiate).
	Microversion string
	// Observer, a cloudmigrate.Observer, sees every attempt. Nil: none.
	// It is held as any because the root package imports this one.
	Observer any
}

// Applier is implemented by every cloudmigrate.Option. The public Option
// type shows no method of this package, so the request pipeline applies
// options through this interface.
type Applier interface {
	// ApplyConfig writes the option's setting into c, or reports why the
	// option's value is refused.
	ApplyConfig(c *Config) error
}

// Apply applies o to c. An o that is not an Applier (a value of a type
// that embeds cloudmigrate.Option instead of one the With functions made)
// is refused.
func Apply(c *Config, o any) error {
	a, ok := o.(Applier)
	if !ok {
		return fmt.Errorf("cloudmigrate: option of type %T was not made by a cloudmigrate.With function", o)
	}
	return a.ApplyConfig(c)
}

// Defaults returns the settings a client starts from.
func Defaults() Config {
	return Config{
		MaxRetries:    4,
		RetryMinWait:  500 * time.Millisecond,
		RetryMaxWait:  30 * time.Second,
		RetryAfterCap: 2 * time.Minute,
	}
}
