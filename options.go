package cloudmigrate

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/cloudmigrate/cloudmigrate/internal/config"
)

// Option configures a service client. Every NewClient in this module takes
// the same options. An option with a bad value makes NewClient fail.
type Option func(*config.Config) error

// WithHTTPClient sends requests through hc instead of the default pooled
// client (a go-cleanhttp client with keep-alive connection reuse).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config.Config) error {
		if hc == nil {
			return errors.New("cloudmigrate: WithHTTPClient: nil client")
		}
		c.HTTPClient = hc
		return nil
	}
}

// WithUserAgent puts ua in front of the SDK's own User-Agent product token.
func WithUserAgent(ua string) Option {
	return func(c *config.Config) error {
		c.UserAgent = ua
		return nil
	}
}

// WithRetry sets how many times a failed request may be sent again (0
// disables retries; the default is 4). Only requests that are safe to
// repeat are retried on errors and 5xx; a request that starts, completes,
// aborts or cancels a migration is retried only when it provably never
// reached the service or was throttled.
func WithRetry(max int) Option {
	return func(c *config.Config) error {
		if max < 0 {
			return errors.New("cloudmigrate: WithRetry: negative count")
		}
		c.MaxRetries = max
		return nil
	}
}

// WithRetryWait bounds the jittered exponential back-off between attempts
// (defaults 500ms and 30s). A Retry-After header from the service is
// honoured up to the limit set by WithRetryAfterLimit.
func WithRetryWait(min, max time.Duration) Option {
	return func(c *config.Config) error {
		if min <= 0 || max < min {
			return errors.New("cloudmigrate: WithRetryWait: need 0 < min <= max")
		}
		c.RetryMinWait, c.RetryMaxWait = min, max
		return nil
	}
}

// WithRetryAfterLimit caps how long a Retry-After answer from the service
// may make a retry wait (default 2 minutes). A service asking for more is
// retried after the limit.
func WithRetryAfterLimit(d time.Duration) Option {
	return func(c *config.Config) error {
		if d <= 0 {
			return errors.New("cloudmigrate: WithRetryAfterLimit: need a positive duration")
		}
		c.RetryAfterCap = d
		return nil
	}
}

// WithLogger sends one debug record per attempt to l: method, path,
// status, duration, attempt and request ID. Credentials never appear.
func WithLogger(l *slog.Logger) Option {
	return func(c *config.Config) error {
		c.Logger = l
		return nil
	}
}

// WithTimeout bounds each attempt of each request. The context passed to
// an operation still bounds the whole call, retries included.
func WithTimeout(d time.Duration) Option {
	return func(c *config.Config) error {
		if d < 0 {
			return errors.New("cloudmigrate: WithTimeout: negative duration")
		}
		c.Timeout = d
		return nil
	}
}

// WithHeader adds a header to every request, for example a tracing ID.
func WithHeader(key, value string) Option {
	return func(c *config.Config) error {
		if c.Header == nil {
			c.Header = make(http.Header)
		}
		c.Header.Add(key, value)
		return nil
	}
}

// WithMicroversion pins the OpenStack microversion ("2.80") instead of
// negotiating the highest one both the SDK and the service support. Huawei
// clients ignore it.
func WithMicroversion(v string) Option {
	return func(c *config.Config) error {
		c.Microversion = v
		return nil
	}
}
