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
	"strconv"
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

// sdkAgent is the SDK's product token in the User-Agent.
const sdkAgent = "cloudmigrate-go/" + cloudmigrate.Version

// Client sends requests to one service endpoint. It is immutable after New
// and safe for concurrent use.
type Client struct {
	base   string // endpoint without a trailing slash
	authz  auth.Authorizer
	hc     *http.Client
	cfg    config.Config
	ua     string
	header http.Header           // sent with every request
	obs    cloudmigrate.Observer // nil: attempts are not observed
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
		if err := config.Apply(&cfg, o); err != nil {
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
	c.obs, _ = cfg.Observer.(cloudmigrate.Observer)
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
	// Op names the SDK operation the request belongs to, as
	// "package.Method" ("nova.LiveMigrate"), for the observer.
	Op string
	// Method is the HTTP method.
	Method string
	// Path is relative to the endpoint and may hold {name} placeholders,
	// filled in order from Params: "/v1/{project_id}/jobs/{job_id}".
	Path string
	// Params fills Path's placeholders. Each value must pass CheckID (else
	// a *cloudmigrate.ValidationError naming the placeholder, and nothing is
	// sent) and is escaped with url.PathEscape.
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
	// Secrets are credentials the body carries, such as a password. They
	// are scrubbed from error answers, with the credentials in the
	// request's headers and those the Authorizer holds.
	Secrets []auth.Secret
}

// Response describes the service's successful answer.
type Response struct {
	// StatusCode and Header are the answer's.
	StatusCode int
	Header     http.Header
	// RequestID is the service's request ID.
	RequestID string
	// Attempts is how many times the request was sent, the replay after a
	// renewed token included (see Do).
	Attempts int
}

// Do sends r and decodes the answer into r.Out.
//
// A request safe to repeat (GET, HEAD or Idempotent) whose answer is cut
// off while its body is read (the connection closes or times out half
// way) is sent again, like one that got no answer at all; r.Out is
// cleared before the next attempt decodes into it.
//
// Attempts, in the Response and in a *cloudmigrate.Error, counts every
// request handed to the HTTP client, the replay after a renewed token
// included. Config.MaxRetries bounds the tries after the first, not
// counting that one replay: a call sends at most MaxRetries+2 requests.
//
// When ctx ends while the pipeline waits to try again (a Retry-After, a
// back-off) or during the next try, the error wraps both ctx.Err() and the
// failure that was being retried.
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
		bo      *backoffState
		renewed bool
		tries   int   // counted against MaxRetries: all but the replay after a renewal
		sent    int   // requests handed to the HTTP client
		last    error // the failure being retried, for the caller if ctx ends
	)
	var why cloudmigrate.RetryReason // why the next try is sent, for the observer
	// stop is the error for a call whose context ended.
	stop := func() error {
		if last == nil {
			return fmt.Errorf("cloudmigrate: %s %s: %w", r.Method, target.safe, ctx.Err())
		}
		return fmt.Errorf("%w; retry abandoned: %w", last, ctx.Err())
	}
	// wait sleeps before the next try, at least floor.
	wait := func(floor time.Duration) error {
		if bo == nil {
			bo = newBackoff(&c.cfg)
		}
		if sleep(ctx, bo.next(floor)) != nil {
			return stop()
		}
		return nil
	}
	for {
		tries++
		resp, req, sp, err := c.attempt(ctx, r, target, body, sent+1, why)
		if err != nil {
			sp.done(0, "", err)
			var ve *cloudmigrate.ValidationError
			if errors.As(err, &ve) {
				return nil, err
			}
			var ae *authorizeError
			authFailed := errors.As(err, &ae)
			if !authFailed {
				sent++
			}
			if ctx.Err() != nil {
				return nil, stop()
			}
			var retry bool
			var floor time.Duration
			if authFailed {
				// Nothing was sent: any request may try again, but only
				// if the credentials might come next time, and not before
				// the authorizer says they might.
				retry = transient(ae.err)
				floor = c.retryAfter(ae.err)
				why = cloudmigrate.RetryCredentials
			} else {
				retry = idempotent || isDialError(err)
				why = cloudmigrate.RetryNetwork
			}
			err = c.failed(r, target, sent, err)
			if !retry || tries > c.cfg.MaxRetries {
				return nil, err
			}
			last = err
			if err := wait(floor); err != nil {
				return nil, err
			}
			continue
		}
		sent++
		if ok(resp.StatusCode, r.OK) {
			out, lost, err := c.finish(resp, r.Out, sent, target.safe, r.Method)
			sp.done(resp.StatusCode, out.RequestID, err)
			if err == nil || !lost || !idempotent || tries > c.cfg.MaxRetries {
				return out, err
			}
			if ctx.Err() != nil {
				return nil, stop()
			}
			clearOut(r.Out)
			last = err
			why = cloudmigrate.RetryNetwork
			if err := wait(0); err != nil {
				return nil, err
			}
			continue
		}
		apiErr := errparse.FromResponse(r.Method, target.safe, resp, sent, requestSecrets(req, c.authz, r.Secrets)...)
		drain(resp)
		// The service's wish is honoured up to the client's limit, here and
		// by whoever reads the error (a wait loop polling again).
		if apiErr.RetryAfter > c.cfg.RetryAfterCap {
			apiErr.RetryAfter = c.cfg.RetryAfterCap
		}
		sp.done(resp.StatusCode, apiErr.RequestID, apiErr)
		if resp.StatusCode == http.StatusUnauthorized && !renewed {
			if rn, isRenewer := c.authz.(auth.Renewer); isRenewer {
				renewed = true
				if err := rn.Renew(ctx, req); err != nil {
					if ctx.Err() != nil {
						last = apiErr
						return nil, stop()
					}
					err = fmt.Errorf("cloudmigrate: %s %s: renewing credentials after a 401 (%s): %w",
						r.Method, target.safe, attemptsText(sent), err)
					// The service refused the request, so it may be sent
					// again once the credentials can be had.
					if !transient(err) || tries > c.cfg.MaxRetries {
						return nil, err
					}
					last = err
					why = cloudmigrate.RetryCredentials
					if err := wait(c.retryAfter(err)); err != nil {
						return nil, err
					}
					continue
				}
				tries-- // the replay is not a retry
				why = cloudmigrate.RetryTokenRenewed
				continue
			}
		}
		throttled := resp.StatusCode == http.StatusTooManyRequests || cloudmigrate.IsThrottled(apiErr)
		retry := throttled || (idempotent && apiErr.Temporary())
		if !retry || tries > c.cfg.MaxRetries {
			return nil, apiErr
		}
		last = apiErr
		why = cloudmigrate.RetryServerError
		if throttled {
			why = cloudmigrate.RetryThrottled
		}
		if err := wait(apiErr.RetryAfter); err != nil {
			return nil, err
		}
	}
}

// failed is the error for a try that got no answer: the request could not
// be authorized, or the exchange failed.
func (c *Client) failed(r *Request, t *target, sent int, err error) error {
	if sent == 0 {
		return fmt.Errorf("cloudmigrate: %s %s: %w", r.Method, t.safe, err)
	}
	return fmt.Errorf("cloudmigrate: %s %s: %s: %w", r.Method, t.safe, attemptsText(sent), err)
}

func attemptsText(n int) string {
	if n == 1 {
		return "1 attempt"
	}
	return strconv.Itoa(n) + " attempts"
}

// retryAfter is how long err says to wait before trying again, up to the
// client's limit: an authorizer's own hint (a Keystone pausing its token
// requests after a failure), else the service's Retry-After.
func (c *Client) retryAfter(err error) time.Duration {
	var d time.Duration
	var hint interface{ RetryAfter() time.Duration }
	var apiErr *cloudmigrate.Error
	switch {
	case errors.As(err, &hint):
		d = hint.RetryAfter()
	case errors.As(err, &apiErr):
		d = apiErr.RetryAfter
	}
	return min(d, c.cfg.RetryAfterCap)
}

// attempt sends r once. It returns the response (body open) or an error,
// and the request that was sent.
//
// With an observer, the attempt is announced before its headers are
// authorized, with why it is sent (empty for the first), and goes out with
// the context the observer returns; the caller ends the attempt through
// the returned span once its answer is handled. Without one, the span is
// inert and nothing is done for it.
func (c *Client) attempt(ctx context.Context, r *Request, t *target, body []byte, n int, why cloudmigrate.RetryReason) (*http.Response, *http.Request, attemptSpan, error) {
	var (
		sp  attemptSpan
		hdr http.Header
	)
	if c.obs != nil {
		shown := make(http.Header, 3+len(c.header)+len(r.Header))
		c.setHeaders(shown, r, body != nil)
		ctx, sp = c.startAttempt(ctx, r, t, n, why, shown)
		// The observer may keep what it was shown: the credentials go
		// into a copy, with the headers the observer added.
		hdr = shown.Clone()
	}
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
		return nil, nil, sp, cloudmigrate.Invalid("path", "cannot build the request URL")
	}
	if body != nil {
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		req.ContentLength = int64(len(body))
	}
	if hdr != nil {
		req.Header = hdr
	} else {
		c.setHeaders(req.Header, r, body != nil)
	}
	if c.authz != nil {
		if err := c.authz.Authorize(actx, req); err != nil {
			if cancel != nil {
				cancel()
			}
			return nil, req, sp, &authorizeError{err: err}
		}
	}
	start := time.Now()
	resp, err := c.hc.Do(req)
	c.log(ctx, r.Method, t.path, resp, err, time.Since(start), n)
	if err != nil {
		if cancel != nil {
			cancel()
		}
		return nil, req, sp, err
	}
	if cancel != nil {
		resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	}
	return resp, req, sp, nil
}

// setHeaders writes the headers every attempt of r carries into h, before
// the authorizer adds credentials.
func (c *Client) setHeaders(h http.Header, r *Request, hasBody bool) {
	if hasBody {
		h["Content-Type"] = jsonType
	}
	h["Accept"] = jsonType
	h["User-Agent"] = []string{c.ua}
	for k, v := range c.header {
		h[k] = v
	}
	for k, v := range r.Header {
		h[k] = v
	}
}

// attemptSpan is an observed attempt, or nothing when the client has no
// observer.
type attemptSpan struct {
	end   func(cloudmigrate.AttemptResult)
	start time.Time
}

// startAttempt announces attempt n of r to the observer and returns the
// context the attempt is sent with.
func (c *Client) startAttempt(ctx context.Context, r *Request, t *target, n int, why cloudmigrate.RetryReason, h http.Header) (context.Context, attemptSpan) {
	start := time.Now()
	octx, end := c.obs.StartAttempt(ctx, cloudmigrate.AttemptInfo{
		Operation: r.Op,
		Method:    r.Method,
		Path:      t.template,
		URL:       t.safe,
		Attempt:   n,
		Retry:     why,
		Header:    h,
	})
	if octx == nil {
		octx = ctx
	}
	return octx, attemptSpan{end: end, start: start}
}

// done ends the attempt for the observer. It does nothing for an attempt
// that is not observed, or on a second call.
func (s *attemptSpan) done(status int, requestID string, err error) {
	if s.end == nil {
		return
	}
	end := s.end
	s.end = nil
	end(cloudmigrate.AttemptResult{StatusCode: status, RequestID: requestID, Duration: time.Since(s.start), Err: err})
}

var jsonType = []string{"application/json"}

// finish decodes a successful answer into out. On failure, lost reports
// whether reading the body failed (the connection closed, broke or timed
// out before the body's end), rather than the body, read whole, not
// decoding, or being over MaxAnswer.
func (c *Client) finish(resp *http.Response, out any, attempts int, safeURL, method string) (res *Response, lost bool, err error) {
	defer resp.Body.Close()
	res = &Response{StatusCode: resp.StatusCode, Header: resp.Header, RequestID: errparse.RequestID(resp.Header), Attempts: attempts}
	if out == nil || resp.StatusCode == http.StatusNoContent || method == http.MethodHead {
		drain(resp)
		return res, false, nil
	}
	data, lost, err := readAnswer(resp.Body, resp.ContentLength, MaxAnswer)
	if err != nil {
		return res, lost, fmt.Errorf("cloudmigrate: %s %s: reading the %d answer (request %s): %w",
			method, safeURL, resp.StatusCode, res.RequestID, err)
	}
	if err := decodeAnswer(data, out); err != nil {
		return res, false, fmt.Errorf("cloudmigrate: %s %s: decoding the %d answer (request %s): %w",
			method, safeURL, resp.StatusCode, res.RequestID, err)
	}
	drain(resp)
	return res, false, nil
}

// MaxAnswer bounds the successful answers the pipeline decodes. The
// services' answers are a few kilobytes to a few megabytes (a page of
// migrations); a larger one is refused rather than held in memory: at once
// when its Content-Length says so, else once MaxAnswer bytes have come and
// more follow. Refusing an answer holds at most MaxAnswer bytes of it.
const MaxAnswer = 64 << 20

// ErrAnswerTooLarge is wrapped by the error for an answer over MaxAnswer.
var ErrAnswerTooLarge = errors.New("answer larger than 64 MiB")

// Chunk sizes of an answer of unknown length: the first fits the usual
// answer, the next ones double up to answerChunkMax. Past answerChunkMax
// bytes, reading also looks for the end of the answer's JSON value.
const (
	answerChunkMin = 4 << 10
	answerChunkMax = 1 << 20
)

// readAnswer reads a successful answer's body whole, refusing one over
// limit bytes (ErrAnswerTooLarge). A declared length is read into one
// buffer of that size. An unknown length is read in chunks, so that what
// is held never exceeds what arrived by more than the last chunk and no
// buffer is copied into a larger one on the way; the chunks are joined
// once the end is reached within the limit. A long answer of unknown
// length is read only up to the end of its first JSON value: what follows
// is ignored, as json.Decoder would. lost reports that reading failed
// before the end, as opposed to the answer being too large.
func readAnswer(body io.Reader, length, limit int64) (data []byte, lost bool, err error) {
	if length > limit {
		return nil, false, ErrAnswerTooLarge
	}
	if length > 0 {
		data = make([]byte, length)
		n, err := fill(body, data)
		switch {
		case n == len(data):
			return data, false, nil
		case err == io.EOF:
			return nil, true, io.ErrUnexpectedEOF
		}
		return nil, true, err
	}
	var (
		chunks  [][]byte
		total   int64
		size    int64 = answerChunkMin
		scan    valueScan
		scanned int // chunks the scan has seen
	)
read:
	for {
		// Reading one byte past the limit tells an answer that is too
		// large from one that is exactly limit bytes.
		if total > limit {
			return nil, false, ErrAnswerTooLarge
		}
		buf := make([]byte, min(size, limit+1-total))
		n, err := fill(body, buf)
		if n > 0 {
			chunks = append(chunks, buf[:n])
			total += int64(n)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, true, err
		}
		for ; total > answerChunkMax && scanned < len(chunks); scanned++ {
			if end := scan.feed(chunks[scanned]); end >= 0 {
				total -= int64(len(chunks[scanned]) - end)
				chunks[scanned] = chunks[scanned][:end]
				chunks = chunks[:scanned+1]
				break read
			}
		}
		size = min(2*size, answerChunkMax)
	}
	switch {
	case total > limit:
		return nil, false, ErrAnswerTooLarge
	case len(chunks) == 0:
		return nil, false, nil
	case len(chunks) == 1:
		return chunks[0], false, nil
	}
	data = make([]byte, 0, total)
	for _, c := range chunks {
		data = append(data, c...)
	}
	return data, false, nil
}

// fill reads from r until buf is full, r ends (io.EOF) or fails.
func fill(r io.Reader, buf []byte) (n int, err error) {
	for n < len(buf) && err == nil {
		var m int
		m, err = r.Read(buf[n:])
		n += m
	}
	if n == len(buf) && err != io.EOF {
		err = nil
	}
	return n, err
}

// decodeAnswer decodes a whole answer into out. A body of white space only
// leaves out as it is; one whose JSON stops before its end is
// io.ErrUnexpectedEOF; what follows the first JSON value is ignored, as
// json.Decoder would.
func decodeAnswer(data []byte, out any) error {
	if onlySpace(data) {
		return nil
	}
	err := json.Unmarshal(data, out)
	var syntax *json.SyntaxError
	if !errors.As(err, &syntax) {
		return err
	}
	if syntax.Offset == int64(len(data)) && syntax.Error() == jsonEndOfInput {
		return io.ErrUnexpectedEOF
	}
	// Unmarshal checks the whole document before it stores anything, so
	// out is untouched and may receive the first value alone.
	var scan valueScan
	if end := scan.feed(data); end > 0 && end < len(data) {
		return json.Unmarshal(data[:end], out)
	}
	return err
}

// valueScan finds where the first JSON value of a stream ends, fed one
// piece of the stream after another. It does not check the JSON (decoding
// does that); it only follows strings and nesting.
type valueScan struct {
	depth   int
	started bool // the value's first byte has been seen
	bare    bool // the value is a number or literal: only the stream's end ends it
	inStr   bool
	escaped bool // the byte before was a backslash in a string
}

// feed scans p, the stream's next piece, and returns the length of its
// prefix that ends the value, or -1 if the value goes on past p.
func (s *valueScan) feed(p []byte) int {
	if s.bare {
		return -1
	}
	for i, c := range p {
		if s.inStr {
			switch {
			case s.escaped:
				s.escaped = false
			case c == '\\':
				s.escaped = true
			case c == '"':
				s.inStr = false
				if s.depth == 0 {
					return i + 1
				}
			}
			continue
		}
		switch c {
		case ' ', '\t', '\n', '\r':
		case '"':
			s.inStr, s.started = true, true
		case '{', '[':
			s.depth++
			s.started = true
		case '}', ']':
			if s.depth--; s.depth <= 0 {
				return i + 1
			}
		default:
			if !s.started {
				s.bare = true
				return -1
			}
		}
	}
	return -1
}

// jsonEndOfInput is encoding/json's message for a document that ends
// before its value is complete.
var jsonEndOfInput = func() string {
	var v any
	if err := json.Unmarshal([]byte("{"), &v); err != nil {
		return err.Error()
	}
	return ""
}()

// onlySpace reports whether b is empty or holds only JSON white space.
func onlySpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
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

// ErrorType classifies the failure for an observer (see
// cloudmigrate.AttemptResult.Err).
func (e *authorizeError) ErrorType() string { return "credentials" }

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
	url      string // what is sent
	safe     string // for errors: the same, as credentials never appear in it
	path     string // for logs: the path without the query
	template string // for the observer: the path with its placeholders
}

func (c *Client) target(r *Request) (*target, error) {
	if r.URL != "" {
		u, err := url.Parse(r.URL)
		if err != nil || !sameHost(c.base, u) {
			return nil, cloudmigrate.Invalid("url", "link %q is not on the endpoint's host", redactURL(r.URL))
		}
		return &target{url: u.String(), safe: u.String(), path: u.Path, template: u.Path}, nil
	}
	path, err := expand(r.Path, r.Params)
	if err != nil {
		return nil, err
	}
	full := c.base + path
	t := &target{path: path, template: r.Path}
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
