package cloudmigrate

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/cloudmigrate/cloudmigrate/internal/config"
)

// Option configures a service client. Every NewClient in this module takes
// the same options; make them with the With functions of this package. An
// option with a bad value makes NewClient fail. A nil Option is ignored.
type Option interface {
	// isOption keeps Option to the values this package makes.
	isOption()
}

// option is every Option of this package: a function that writes its
// setting into the client's configuration.
type option func(*config.Config) error

func (option) isOption() {}

// ApplyConfig writes the setting into c; the request pipeline calls it
// through config.Applier.
func (o option) ApplyConfig(c *config.Config) error { return o(c) }

// WithHTTPClient sends requests through hc instead of the default pooled
// client (a go-cleanhttp client with keep-alive connection reuse).
func WithHTTPClient(hc *http.Client) Option {
	return option(func(c *config.Config) error {
		if hc == nil {
			return errors.New("cloudmigrate: WithHTTPClient: nil client")
		}
		c.HTTPClient = hc
		return nil
	})
}

// WithUserAgent puts ua in front of the SDK's own User-Agent product token.
func WithUserAgent(ua string) Option {
	return option(func(c *config.Config) error {
		c.UserAgent = ua
		return nil
	})
}

// WithRetry sets how many times a failed request may be sent again (0
// disables retries; the default is 4). Only requests that are safe to
// repeat are retried on errors and 5xx; a request that starts, completes,
// aborts or cancels a migration is retried only when it provably never
// reached the service or was throttled.
//
// A try whose credentials could not be had (a Keystone that fails) uses up
// a retry without sending anything. The one replay after a 401 with a
// renewed token does not use one up, so a call sends at most max+2
// requests; Error.Attempts counts each of them, the replay included.
//
// When the context ends while a call waits to try again (a Retry-After or
// a back-off) or during that try, the error wraps both the context's error
// and the failure being retried: errors.Is(err, context.Canceled) and
// errors.As(err, &apiErr) both hold, the latter with the 429 or 5xx.
func WithRetry(max int) Option {
	return option(func(c *config.Config) error {
		if max < 0 {
			return errors.New("cloudmigrate: WithRetry: negative count")
		}
		c.MaxRetries = max
		return nil
	})
}

// WithRetryWait bounds the jittered exponential back-off between attempts
// (defaults 500ms and 30s). A Retry-After header from the service is
// honoured up to the limit set by WithRetryAfterLimit.
func WithRetryWait(min, max time.Duration) Option {
	return option(func(c *config.Config) error {
		if min <= 0 || max < min {
			return errors.New("cloudmigrate: WithRetryWait: need 0 < min <= max")
		}
		c.RetryMinWait, c.RetryMaxWait = min, max
		return nil
	})
}

// WithRetryAfterLimit caps how long a Retry-After answer from the service
// may make a retry wait (default 2 minutes). A service asking for more is
// retried after the limit.
func WithRetryAfterLimit(d time.Duration) Option {
	return option(func(c *config.Config) error {
		if d <= 0 {
			return errors.New("cloudmigrate: WithRetryAfterLimit: need a positive duration")
		}
		c.RetryAfterCap = d
		return nil
	})
}

// WithLogger sends one debug record per attempt to l: method, path,
// status, duration, attempt and request ID. Credentials never appear.
func WithLogger(l *slog.Logger) Option {
	return option(func(c *config.Config) error {
		c.Logger = l
		return nil
	})
}

// WithTimeout bounds each attempt of each request. The context passed to
// an operation still bounds the whole call, retries included.
func WithTimeout(d time.Duration) Option {
	return option(func(c *config.Config) error {
		if d < 0 {
			return errors.New("cloudmigrate: WithTimeout: negative duration")
		}
		c.Timeout = d
		return nil
	})
}

// WithHeader adds a header to every request, for example a tracing ID.
func WithHeader(key, value string) Option {
	return option(func(c *config.Config) error {
		if c.Header == nil {
			c.Header = make(http.Header)
		}
		c.Header.Add(key, value)
		return nil
	})
}

// WithMicroversion pins the OpenStack microversion ("2.80") instead of
// negotiating the highest one both the SDK and the service support. Huawei
// clients ignore it.
func WithMicroversion(v string) Option {
	return option(func(c *config.Config) error {
		c.Microversion = v
		return nil
	})
}

// WithObserver has o see every attempt of every request the client sends:
// its operation, method, path template, attempt number and why it is a
// retry, and then its status, request ID, duration and error (see
// Observer). o may wrap each attempt in a span: the context it returns is
// the one the attempt is sent with. A later WithObserver replaces an
// earlier one; WithObserver(nil) removes it. Without an observer the
// pipeline does no work for it.
func WithObserver(o Observer) Option {
	return option(func(c *config.Config) error {
		if f, isFunc := o.(ObserverFunc); o == nil || (isFunc && f == nil) {
			c.Observer = nil
			return nil
		}
		c.Observer = o
		return nil
	})
}
