// Package otel turns the attempts that the cloudmigrate clients send into
// OpenTelemetry spans and metrics, following the semantic conventions for
// HTTP clients (schema 1.43.0).
//
// Give every client the same observer:
//
//	obs, err := cmotel.NewObserver() // the global tracer, meter and propagator
//	...
//	c, err := nova.NewClient(endpoint, authz, cloudmigrate.WithObserver(obs))
//
// Each attempt of each request becomes a client span, a child of the span
// in the operation's context, named "{method} {path template}", such as
// "POST /servers/{server_id}/action". A call that is retried (a 429, a
// 5xx, a lost connection) or replayed after a renewed token has one span
// per attempt, each with http.request.resend_count and the reason in
// cloudmigrate.retry_reason. The span's context is propagated to the
// service in the request's headers (W3C traceparent by default), and the
// authorizer and the http.Client run inside it.
//
// Span attributes: http.request.method, server.address, server.port,
// url.full (with any user information and the values of signature query
// parameters replaced by REDACTED), url.template, http.response.status_code,
// http.request.resend_count, error.type, cloudmigrate.operation (such as
// "nova.LiveMigrate"), cloudmigrate.retry_reason and cloudmigrate.request_id.
// A span ends in error when the attempt got no answer, an answer of 400 or
// more, or one that could not be decoded.
//
// Metric: http.client.request.duration, a histogram in seconds with the
// conventions' buckets, one measurement per attempt, with the span's
// attributes except url.full, the request ID and the retry reason, which
// would give it unbounded cardinality.
//
// This package is a module of its own, so that the SDK itself does not
// depend on OpenTelemetry.
package otel

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/semconv/v1.43.0/httpconv"
	"go.opentelemetry.io/otel/trace"

	"github.com/cloudmigrate/cloudmigrate"
)

// ScopeName is the instrumentation scope of the spans and metrics.
const ScopeName = "github.com/cloudmigrate/cloudmigrate/contrib/otel"

// The attributes this package adds to the conventions' own.
const (
	// OperationKey is the SDK operation, as "package.Method".
	OperationKey = attribute.Key("cloudmigrate.operation")
	// RetryReasonKey is why the attempt was sent again
	// (cloudmigrate.RetryReason); absent on a first attempt.
	RetryReasonKey = attribute.Key("cloudmigrate.retry_reason")
	// RequestIDKey is the service's ID for the request, when it answered
	// with one.
	RequestIDKey = attribute.Key("cloudmigrate.request_id")
)

// Observer is a cloudmigrate.Observer that records each attempt as a span
// and a measurement. It is safe for concurrent use; one Observer serves any
// number of clients.
type Observer struct {
	tracer     trace.Tracer
	duration   httpconv.ClientRequestDuration
	propagator propagation.TextMapPropagator
}

var _ cloudmigrate.Observer = (*Observer)(nil)

// Option configures NewObserver.
type Option func(*settings)

type settings struct {
	tp trace.TracerProvider
	mp metric.MeterProvider
	pr propagation.TextMapPropagator
}

// WithTracerProvider makes the spans with tp instead of the global
// provider (otel.GetTracerProvider).
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(s *settings) { s.tp = tp }
}

// WithMeterProvider records the metric with mp instead of the global
// provider (otel.GetMeterProvider).
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(s *settings) { s.mp = mp }
}

// WithPropagator writes the span's context into each request's headers
// with p instead of the global propagator (otel.GetTextMapPropagator).
// A propagation.NewCompositeTextMapPropagator() with no member sends none.
func WithPropagator(p propagation.TextMapPropagator) Option {
	return func(s *settings) { s.pr = p }
}

// NewObserver returns an observer that reports to the global OpenTelemetry
// providers, or to those the options name. It fails only when the meter
// refuses to create the duration histogram.
func NewObserver(opts ...Option) (*Observer, error) {
	var s settings
	for _, o := range opts {
		if o != nil {
			o(&s)
		}
	}
	if s.tp == nil {
		s.tp = otel.GetTracerProvider()
	}
	if s.mp == nil {
		s.mp = otel.GetMeterProvider()
	}
	if s.pr == nil {
		s.pr = otel.GetTextMapPropagator()
	}
	scope := []trace.TracerOption{trace.WithInstrumentationVersion(cloudmigrate.Version), trace.WithSchemaURL(semconv.SchemaURL)}
	meter := s.mp.Meter(ScopeName, metric.WithInstrumentationVersion(cloudmigrate.Version), metric.WithSchemaURL(semconv.SchemaURL))
	d, err := httpconv.NewClientRequestDuration(meter)
	if err != nil {
		return nil, err
	}
	return &Observer{tracer: s.tp.Tracer(ScopeName, scope...), duration: d, propagator: s.pr}, nil
}

// StartAttempt starts the attempt's client span and writes its context
// into the request's headers; the function it returns ends the span and
// records the attempt's duration.
func (o *Observer) StartAttempt(ctx context.Context, info cloudmigrate.AttemptInfo) (context.Context, func(cloudmigrate.AttemptResult)) {
	host, port, full, tmpl := describeURL(info.URL, info.Path)
	method := methodAttr(info.Method)
	common := []attribute.KeyValue{
		method,
		semconv.ServerAddress(host),
		semconv.ServerPort(port),
		semconv.URLTemplate(tmpl),
		OperationKey.String(info.Operation),
	}
	attrs := append(common[:len(common):len(common)], semconv.URLFull(full))
	if info.Attempt > 1 {
		attrs = append(attrs, semconv.HTTPRequestResendCount(info.Attempt-1))
	}
	if info.Retry != "" {
		attrs = append(attrs, RetryReasonKey.String(string(info.Retry)))
	}
	name := info.Method + " " + info.Path
	ctx, span := o.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	if info.Header != nil {
		o.propagator.Inject(ctx, propagation.HeaderCarrier(info.Header))
	}
	return ctx, func(res cloudmigrate.AttemptResult) {
		var end []attribute.KeyValue
		if res.StatusCode != 0 {
			end = append(end, semconv.HTTPResponseStatusCode(res.StatusCode))
		}
		if res.RequestID != "" {
			span.SetAttributes(RequestIDKey.String(res.RequestID))
		}
		if et := errorType(res); et != "" {
			end = append(end, semconv.ErrorTypeKey.String(et))
			msg := et
			if res.Err != nil {
				msg = res.Err.Error()
			}
			span.SetStatus(codes.Error, msg)
		}
		span.SetAttributes(end...)
		span.End()
		// Record adds the method, address and port itself.
		o.duration.Record(ctx, res.Duration.Seconds(), httpconv.RequestMethodAttr(method.Value.AsString()), host, port,
			append(common[3:len(common):len(common)], end...)...)
	}
}

// methodAttr is http.request.method: a method the conventions know, or
// _OTHER.
func methodAttr(m string) attribute.KeyValue {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return semconv.HTTPRequestMethodKey.String(m)
	}
	return semconv.HTTPRequestMethodOther
}

// sensitiveQuery are the query parameters whose values url.full never
// shows: those the conventions list, and OpenStack Swift's temporary URL
// signature.
var sensitiveQuery = map[string]bool{
	"X-Amz-Signature":      true,
	"X-Amz-Credential":     true,
	"X-Amz-Security-Token": true,
	"sig":                  true,
	"X-Goog-Signature":     true,
	"temp_url_sig":         true,
}

// describeURL returns the server's host and port, the URL with user
// information and sensitive query values replaced by REDACTED, and the
// absolute path template: the endpoint's own path followed by the
// request's template.
func describeURL(raw, tmpl string) (host string, port int, full, absTemplate string) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", 0, "", tmpl
	}
	host = u.Hostname()
	port, _ = strconv.Atoi(u.Port())
	if port == 0 {
		switch u.Scheme {
		case "https":
			port = 443
		case "http":
			port = 80
		}
	}
	if u.User != nil {
		u.User = url.UserPassword("REDACTED", "REDACTED")
	}
	if u.RawQuery != "" {
		u.RawQuery = redactQuery(u.RawQuery)
	}
	return host, port, u.String(), absolute(u.EscapedPath(), tmpl)
}

// redactQuery replaces the values of sensitive parameters, keeping the
// rest of the query as it was written.
func redactQuery(q string) string {
	parts := strings.Split(q, "&")
	changed := false
	for i, p := range parts {
		k, _, hasValue := strings.Cut(p, "=")
		if key, err := url.QueryUnescape(k); err == nil && sensitiveQuery[key] && hasValue {
			parts[i] = k + "=REDACTED"
			changed = true
		}
	}
	if !changed {
		return q
	}
	return strings.Join(parts, "&")
}

// absolute puts the endpoint's path in front of tmpl, a template relative
// to the endpoint: each placeholder fills one path segment, so what the
// URL's path has beyond the template's segments is the endpoint's.
func absolute(path, tmpl string) string {
	if !strings.HasPrefix(tmpl, "/") {
		return tmpl
	}
	useg := strings.Split(strings.TrimPrefix(path, "/"), "/")
	tseg := strings.Split(strings.TrimPrefix(tmpl, "/"), "/")
	if len(useg) <= len(tseg) {
		return tmpl
	}
	return "/" + strings.Join(useg[:len(useg)-len(tseg)], "/") + tmpl
}

// errorType is error.type for an attempt: the status code for an answer of
// 400 or more, "timeout" or "canceled" for an attempt its context ended,
// and otherwise the type of the error, or "" when the attempt succeeded.
func errorType(res cloudmigrate.AttemptResult) string {
	if res.StatusCode >= 400 {
		return strconv.Itoa(res.StatusCode)
	}
	err := res.Err
	if err == nil {
		return ""
	}
	var netErr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.As(err, &netErr) && netErr.Timeout():
		return "timeout"
	}
	// A url.Error only says which request failed; its cause is the type.
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		err = ue.Err
	}
	return semconv.ErrorType(err).Value.AsString()
}
