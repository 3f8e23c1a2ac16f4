// Package rest is the one request pipeline every service package uses. A
// service method says method, path, parameters, body and result; this
// package escapes the path, encodes the body once, authorizes every attempt,
// retries what is safe to retry, renews an expired token once, decodes the
// answer once and turns error bodies into *cloudmigrate.Error.
package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/google/go-querystring/query"
	"github.com/hashicorp/go-cleanhttp"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/config"
	"github.com/cloudmigrate/cloudmigrate/internal/errparse"
)

// Version is the SDK version sent in the User-Agent.
const Version = "0.1.0"

const sdkAgent = "cloudmigrate-go/" + Version

// Client sends requests to one service endpoint. It is immutable after New
// and safe for concurrent use.
type Client struct {
	base   string // endpoint without a trailing slash
	authz  auth.Authorizer
	hc     *http.Client
	cfg    config.Config
	ua     string
	header http.Header // sent with every request
}

// New returns a client for endpoint. The endpoint must be an absolute http
// or https URL; authz may be nil for endpoints that need no credentials.
func New(endpoint string, authz auth.Authorizer, opts []cloudmigrate.Option) (*Client, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, cloudmigrate.Invalid("endpoint", "%q is not an absolute http(s) URL", redactURL(endpoint))
	}
	if u.User != nil {
		return nil, cloudmigrate.Invalid("endpoint", "credentials in the URL are not allowed")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, cloudmigrate.Invalid("endpoint", "must have no query or fragment")
	}
	cfg := config.Defaults()
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	c := &Client{
		base:  strings.TrimRight(u.String(), "/"),
		authz: authz,
		hc:    cfg.HTTPClient,
		cfg:   cfg,
		ua:    sdkAgent,
	}
	if c.hc == nil {
		c.hc = defaultHTTPClient()
	}
	if cfg.UserAgent != "" {
		c.ua = cfg.UserAgent + " " + sdkAgent
	}
	c.header = cfg.Header.Clone()
	return c, nil
}

// idleConnsPerHost is how many idle connections to one endpoint the
// default HTTP client keeps for reuse. go-cleanhttp's pooled transport
// keeps only GOMAXPROCS+1: with more calls at once on one client (many
// waits polling together), most connections would be closed after their
// answer and a new one dialed for the next request.
const idleConnsPerHost = 100

// defaultHTTPClient returns go-cleanhttp's pooled client, keeping up to
// idleConnsPerHost idle connections per endpoint.
func defaultHTTPClient() *http.Client {
	hc := cleanhttp.DefaultPooledClient()
	if tr, ok := hc.Transport.(*http.Transport); ok {
		tr.MaxIdleConnsPerHost = idleConnsPerHost
		if tr.MaxIdleConns < idleConnsPerHost {
			tr.MaxIdleConns = idleConnsPerHost
		}
	}
	return hc
}

// Endpoint returns the base URL requests are resolved against.
func (c *Client) Endpoint() string { return c.base }

// Config returns the resolved settings (read-only by convention).
func (c *Client) Config() config.Config { return c.cfg }

// HTTPClient returns the HTTP client requests go through.
func (c *Client) HTTPClient() *http.Client { return c.hc }

// WithHeader returns a copy of c that also sends key: value on every request.
func (c *Client) WithHeader(key, value string) *Client {
	cp := *c
	cp.header = c.header.Clone()
	if cp.header == nil {
		cp.header = make(http.Header, 1)
	}
	cp.header.Set(key, value)
	return &cp
}

// WithEndpoint returns a copy of c that sends to another base URL (for
// example the unversioned root used for version discovery).
func (c *Client) WithEndpoint(endpoint string) *Client {
	cp := *c
	cp.base = strings.TrimRight(endpoint, "/")
	return &cp
}

// Request describes one call.
type Request struct {
	// Method is the HTTP method.
	Method string
	// Path is relative to the endpoint and may hold {name} placeholders,
	// filled in order from Params: "/v1/{project_id}/jobs/{job_id}".
	Path string
	// Params fills Path's placeholders. Each value is escaped; an empty
	// value, one containing "/", ".", or ".." is a *cloudmigrate.ValidationError
	// naming the placeholder.
	Params []string
	// URL, if set, is an absolute URL used instead of endpoint+Path (a
	// "next" link from a paged answer). It must be on the endpoint's host.
	URL string
	// Query is a url.Values or a struct with `url` tags (go-querystring).
	Query any
	// Body is encoded to JSON once; []byte and json.RawMessage are sent as is.
	Body any
	// Header adds per-request headers (microversions).
	Header http.Header
	// Idempotent marks a request other than GET or HEAD as safe to repeat
	// (a read-only POST). Anything else that is not GET or HEAD is treated
	// as one that may start, complete, abort or cancel a migration: it is
	// retried only when it provably did not reach the service (dial error)
	// or was refused by throttling (429).
	Idempotent bool
	// OK lists the accepted statuses; empty means any 2xx.
	OK []int
	// Out receives the decoded JSON answer; nil discards the body.
	Out any
}

// Response describes the service's successful answer.
type Response struct {
	// StatusCode and Header are the answer's.
	StatusCode int
	Header     http.Header
	// RequestID is the service's request ID.
	RequestID string
	// Attempts is how many times the request was sent.
	Attempts int
}

// Do sends r and decodes the answer into r.Out.
//
// A request safe to repeat (GET, HEAD or Idempotent) whose answer is cut
// off while its body is read (the connection closes or times out half
// way) is sent again, like one that got no answer at all; r.Out is
// cleared before the next attempt decodes into it.
func (c *Client) Do(ctx context.Context, r *Request) (*Response, error) {
	if ctx == nil {
		return nil, cloudmigrate.Invalid("ctx", "nil context")
	}
	target, err := c.target(r)
	if err != nil {
		return nil, err
	}
	body, err := encodeBody(r.Body)
	if err != nil {
		return nil, err
	}
	idempotent := r.Idempotent || r.Method == http.MethodGet || r.Method == http.MethodHead
	var (
		bo       *backoffState
		renewed  bool
		attempts int
	)
	for {
		attempts++
		resp, sent, err := c.attempt(ctx, r, target, body, attempts)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return nil, fmt.Errorf("cloudmigrate: %s %s: %w", r.Method, target.safe, ctxErr)
			}
			var ve *cloudmigrate.ValidationError
			if errors.As(err, &ve) {
				return nil, err
			}
			var retry bool
			var ae *authorizeError
			if errors.As(err, &ae) {
				// Nothing was sent: any request may try again, but only
				// if the credentials might come next time.
				retry = transient(ae.err)
			} else {
				retry = idempotent || isDialError(err)
			}
			if !retry || attempts > c.cfg.MaxRetries {
				return nil, fmt.Errorf("cloudmigrate: %s %s: %d attempt(s): %w", r.Method, target.safe, attempts, err)
			}
			if bo == nil {
				bo = newBackoff(&c.cfg)
			}
			if err := sleep(ctx, bo.next(0)); err != nil {
				return nil, fmt.Errorf("cloudmigrate: %s %s: %w", r.Method, target.safe, err)
			}
			continue
		}
		if ok(resp.StatusCode, r.OK) {
			out, lost, err := c.finish(resp, r.Out, attempts, target.safe, r.Method)
			if err == nil || !lost || !idempotent || attempts > c.cfg.MaxRetries || ctx.Err() != nil {
				return out, err
			}
			clearOut(r.Out)
			if bo == nil {
				bo = newBackoff(&c.cfg)
			}
			if err := sleep(ctx, bo.next(0)); err != nil {
				return nil, fmt.Errorf("cloudmigrate: %s %s: %w", r.Method, target.safe, err)
			}
			continue
		}
		apiErr := errparse.FromResponse(r.Method, target.safe, resp, attempts)
		drain(resp)
		// The service's wish is honoured up to the client's limit, here and
		// by whoever reads the error (a wait loop polling again).
		if apiErr.RetryAfter > c.cfg.RetryAfterCap {
			apiErr.RetryAfter = c.cfg.RetryAfterCap
		}
		if resp.StatusCode == http.StatusUnauthorized && !renewed {
			if rn, isRenewer := c.authz.(auth.Renewer); isRenewer {
				renewed = true
				if err := rn.Renew(ctx, sent); err != nil {
					return nil, fmt.Errorf("cloudmigrate: %s %s: renewing credentials after 401: %w", r.Method, target.safe, err)
				}
				attempts--
				continue
			}
		}
		throttled := resp.StatusCode == http.StatusTooManyRequests || cloudmigrate.IsThrottled(apiErr)
		retry := throttled || (idempotent && apiErr.Temporary())
		if !retry || attempts > c.cfg.MaxRetries {
			return nil, apiErr
		}
		if bo == nil {
			bo = newBackoff(&c.cfg)
		}
		if err := sleep(ctx, bo.next(apiErr.RetryAfter)); err != nil {
			return nil, fmt.Errorf("cloudmigrate: %s %s: %w", r.Method, target.safe, err)
		}
	}
}

// attempt sends r once. It returns the response (body open) or an error,
// and the request that was sent.
func (c *Client) attempt(ctx context.Context, r *Request, t *target, body []byte, n int) (*http.Response, *http.Request, error) {
	actx := ctx
	var cancel context.CancelFunc
	if c.cfg.Timeout > 0 {
		actx, cancel = context.WithTimeout(ctx, c.cfg.Timeout)
	}
	req, err := http.NewRequestWithContext(actx, r.Method, t.url, nil)
	if err != nil {
		if cancel != nil {
			cancel()
		}
		return nil, nil, cloudmigrate.Invalid("path", "cannot build the request URL")
	}
	if body != nil {
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		req.ContentLength = int64(len(body))
		req.Header["Content-Type"] = jsonType
	}
	req.Header["Accept"] = jsonType
	req.Header["User-Agent"] = []string{c.ua}
	for k, v := range c.header {
		req.Header[k] = v
	}
	for k, v := range r.Header {
		req.Header[k] = v
	}
	if c.authz != nil {
		if err := c.authz.Authorize(actx, req); err != nil {
			if cancel != nil {
				cancel()
			}
			return nil, req, &authorizeError{err: err}
		}
	}
	start := time.Now()
	resp, err := c.hc.Do(req)
	c.log(ctx, r.Method, t.path, resp, err, time.Since(start), n)
	if err != nil {
		if cancel != nil {
			cancel()
		}
		return nil, req, err
	}
	if cancel != nil {
		resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	}
	return resp, req, nil
}

var jsonType = []string{"application/json"}

// finish decodes a successful answer into out. On failure, lost reports
// whether reading the body failed (the connection closed, broke or timed
// out before the body's end), rather than the body, read whole, not
// decoding.
func (c *Client) finish(resp *http.Response, out any, attempts int, safeURL, method string) (res *Response, lost bool, err error) {
	defer resp.Body.Close()
	res = &Response{StatusCode: resp.StatusCode, Header: resp.Header, RequestID: errparse.RequestID(resp.Header), Attempts: attempts}
	if out == nil || resp.StatusCode == http.StatusNoContent || method == http.MethodHead {
		drain(resp)
		return res, false, nil
	}
	body := &bodyReader{r: resp.Body, left: MaxAnswer}
	if err := json.NewDecoder(body).Decode(out); err != nil {
		if errors.Is(err, io.EOF) {
			// An empty body decodes to nothing: the zero value stands.
			return res, false, nil
		}
		return res, body.err != nil, fmt.Errorf("cloudmigrate: %s %s: decoding the %d answer (request %s): %w",
			method, safeURL, resp.StatusCode, res.RequestID, err)
	}
	drain(resp)
	return res, false, nil
}

// MaxAnswer bounds the successful answers the pipeline decodes. The
// services' answers are a few kilobytes to a few megabytes (a page of
// migrations); a larger one is refused rather than held in memory.
const MaxAnswer = 64 << 20

// ErrAnswerTooLarge is wrapped by the error for an answer over MaxAnswer.
var ErrAnswerTooLarge = errors.New("answer larger than 64 MiB")

// bodyReader remembers the first failure reading a body, as opposed to
// its clean end, and stops at MaxAnswer bytes.
type bodyReader struct {
	r    io.Reader
	left int64
	err  error
}

func (b *bodyReader) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, ErrAnswerTooLarge
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	if err != nil && err != io.EOF && b.err == nil {
		b.err = err
	}
	return n, err
}

func (c *Client) log(ctx context.Context, method, path string, resp *http.Response, err error, d time.Duration, n int) {
	l := c.cfg.Logger
	if l == nil || !l.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", method),
		slog.String("path", path),
		slog.Duration("duration", d),
		slog.Int("attempt", n),
	}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode), slog.String("request_id", errparse.RequestID(resp.Header)))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	l.LogAttrs(ctx, slog.LevelDebug, "cloudmigrate request", attrs...)
}

type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

func ok(status int, accepted []int) bool {
	if len(accepted) == 0 {
		return status >= 200 && status < 300
	}
	for _, s := range accepted {
		if s == status {
			return true
		}
	}
	return false
}

// drain reads what is left of a body (bounded) so the connection can be
// reused, and closes it.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 256<<10))
	_ = resp.Body.Close()
}

func encodeBody(b any) ([]byte, error) {
	switch v := b.(type) {
	case nil:
		return nil, nil
	case []byte:
		return v, nil
	case json.RawMessage:
		return v, nil
	}
	out, err := json.Marshal(b)
	if err != nil {
		return nil, cloudmigrate.Invalid("body", "cannot encode as JSON: %v", err)
	}
	return out, nil
}

// clearOut sets what out points to back to its zero value, so that a new
// attempt does not decode over what a failed one left.
func clearOut(out any) {
	if v := reflect.ValueOf(out); v.Kind() == reflect.Pointer && !v.IsNil() {
		v.Elem().SetZero()
	}
}

// authorizeError is an Authorizer's failure: the request was not sent.
type authorizeError struct{ err error }

func (e *authorizeError) Error() string { return "authorizing: " + e.err.Error() }
func (e *authorizeError) Unwrap() error { return e.err }

// transient reports whether err may go away by itself: a service answer
// that says so (throttling, 5xx) or a network failure.
func transient(err error) bool {
	var apiErr *cloudmigrate.Error
	if errors.As(err, &apiErr) {
		return apiErr.Temporary() || apiErr.StatusCode >= 500
	}
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, io.ErrUnexpectedEOF)
}

// isDialError reports whether err proves the request never reached the
// service: the connection could not be made.
func isDialError(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// target is a request's resolved URL.
type target struct {
	url  string // what is sent
	safe string // for errors: the same, as credentials never appear in it
	path string // for logs: the path without the query
}

func (c *Client) target(r *Request) (*target, error) {
	if r.URL != "" {
		u, err := url.Parse(r.URL)
		if err != nil || !sameHost(c.base, u) {
			return nil, cloudmigrate.Invalid("url", "link %q is not on the endpoint's host", redactURL(r.URL))
		}
		return &target{url: u.String(), safe: u.String(), path: u.Path}, nil
	}
	path, err := expand(r.Path, r.Params)
	if err != nil {
		return nil, err
	}
	full := c.base + path
	t := &target{path: path}
	if r.Query != nil {
		q, err := encodeQuery(r.Query)
		if err != nil {
			return nil, err
		}
		if q != "" {
			full += "?" + q
		}
	}
	t.url, t.safe = full, full
	return t, nil
}

func sameHost(base string, u *url.URL) bool {
	b, err := url.Parse(base)
	return err == nil && u.IsAbs() && strings.EqualFold(b.Scheme, u.Scheme) && strings.EqualFold(b.Host, u.Host)
}

// encodeQuery encodes a query with keys sorted and spaces as %20 (never
// "+"), the form the Huawei signer and every service read the same way.
func encodeQuery(q any) (string, error) {
	var vals url.Values
	switch v := q.(type) {
	case url.Values:
		vals = v
	case string:
		return v, nil
	default:
		var err error
		if vals, err = query.Values(q); err != nil {
			return "", cloudmigrate.Invalid("query", "cannot encode: %v", err)
		}
	}
	// QueryEscape writes a literal "+" as %2B, so every "+" left is a space.
	return strings.ReplaceAll(vals.Encode(), "+", "%20"), nil
}

// expand fills {name} placeholders of path from params, escaping each.
func expand(path string, params []string) (string, error) {
	if strings.IndexByte(path, '{') < 0 {
		if len(params) != 0 {
			return "", cloudmigrate.Invalid("path", "%d parameters for a path with no placeholders", len(params))
		}
		return path, nil
	}
	var b strings.Builder
	b.Grow(len(path) + 64)
	i := 0
	for {
		open := strings.IndexByte(path, '{')
		if open < 0 {
			b.WriteString(path)
			break
		}
		end := strings.IndexByte(path[open:], '}')
		if end < 0 {
			return "", cloudmigrate.Invalid("path", "unclosed placeholder")
		}
		name := path[open+1 : open+end]
		if i >= len(params) {
			return "", cloudmigrate.Invalid(name, "missing path parameter")
		}
		v := params[i]
		i++
		if err := CheckID(name, v); err != nil {
			return "", err
		}
		b.WriteString(path[:open])
		b.WriteString(url.PathEscape(v))
		path = path[open+end+1:]
	}
	if i != len(params) {
		return "", cloudmigrate.Invalid("path", "%d parameters for %d placeholders", len(params), i)
	}
	return b.String(), nil
}

// CheckID validates a value that goes into a URL path: it must be
// non-empty, contain no "/", and not be "." or "..".
func CheckID(field, v string) error {
	switch {
	case v == "":
		return cloudmigrate.Invalid(field, "must not be empty")
	case v == "." || v == "..":
		return cloudmigrate.Invalid(field, "%q is not a valid path segment", v)
	case strings.IndexByte(v, '/') >= 0:
		return cloudmigrate.Invalid(field, "must not contain '/'")
	}
	return nil
}

func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "<unparsable URL>"
	}
	if u.User != nil {
		u.User = url.User("REDACTED")
	}
	return u.String()
}

// backoffState is a jittered exponential back-off between attempts.
type backoffState struct {
	b *backoff.ExponentialBackOff
}

func newBackoff(cfg *config.Config) *backoffState {
	b := backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(cfg.RetryMinWait),
		backoff.WithMaxInterval(cfg.RetryMaxWait),
		backoff.WithRandomizationFactor(0.5),
		backoff.WithMultiplier(2),
		backoff.WithMaxElapsedTime(0),
	)
	return &backoffState{b: b}
}

// next returns the wait before the next attempt: the current interval with
// ±50% jitter, at least floor (a capped Retry-After).
func (b *backoffState) next(floor time.Duration) time.Duration {
	d := b.b.NextBackOff()
	if d < floor {
		d = floor
	}
	return d
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
