package otel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/ecs"
	"github.com/cloudmigrate/cloudmigrate/nova"
	"github.com/cloudmigrate/cloudmigrate/nova/novatest"
)

// telemetry is an SDK tracer and meter whose output the test reads.
type telemetry struct {
	spans  *tracetest.SpanRecorder
	tp     *sdktrace.TracerProvider
	reader *sdkmetric.ManualReader
	obs    *Observer
}

func newTelemetry(t *testing.T) *telemetry {
	t.Helper()
	tel := &telemetry{spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	tel.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tel.spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(tel.reader))
	obs, err := NewObserver(WithTracerProvider(tel.tp), WithMeterProvider(mp), WithPropagator(propagation.TraceContext{}))
	if err != nil {
		t.Fatal(err)
	}
	tel.obs = obs
	t.Cleanup(func() {
		_ = tel.tp.Shutdown(context.Background())
		_ = mp.Shutdown(context.Background())
	})
	return tel
}

// attempts returns the ended client spans, in the order they started.
func (tel *telemetry) attempts() []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range tel.spans.Ended() {
		if s.SpanKind() == trace.SpanKindClient {
			out = append(out, s)
		}
	}
	return out
}

// durations collects the http.client.request.duration histogram.
func (tel *telemetry) durations(t *testing.T) (metricdata.Metrics, bool) {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := tel.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != ScopeName {
			continue
		}
		for _, m := range sm.Metrics {
			if m.Name == "http.client.request.duration" {
				return m, true
			}
		}
	}
	return metricdata.Metrics{}, false
}

func has(a map[attribute.Key]attribute.Value, k attribute.Key) bool {
	_, ok := a[k]
	return ok
}

func attrs(kvs []attribute.KeyValue) map[attribute.Key]attribute.Value {
	m := make(map[attribute.Key]attribute.Value, len(kvs))
	for _, kv := range kvs {
		m[kv.Key] = kv.Value
	}
	return m
}

// scriptedECS is a loopback ECS job endpoint answering request n (from 1)
// with statuses[n-1], then 200 with a job. It records each request's
// traceparent header.
type scriptedECS struct {
	*httptest.Server
	mu      sync.Mutex
	parents []string
}

func newScriptedECS(t *testing.T, statuses ...int) *scriptedECS {
	t.Helper()
	s := &scriptedECS{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		s.mu.Lock()
		s.parents = append(s.parents, r.Header.Get("Traceparent"))
		n := len(s.parents)
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", fmt.Sprint("req-", n))
		status := http.StatusOK
		if n <= len(statuses) {
			status = statuses[n-1]
		}
		w.WriteHeader(status)
		switch status {
		case http.StatusOK:
			_, _ = io.WriteString(w, `{"job_id":"j1","job_type":"migrateServer","status":"RUNNING"}`)
		case http.StatusTooManyRequests:
			_, _ = io.WriteString(w, `{"error_code":"APIGW.0308","error_msg":"The request is throttled."}`)
		default:
			_, _ = fmt.Fprintf(w, `{"error":{"code":"Ecs.0000","message":"answer %d"}}`, n)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// A GET answered 429, 503, then 200 gives three client spans under the
// caller's span, one per attempt, each with the conventions' attributes
// and its own context sent to the service; the first two end in error.
func TestSpanForEveryAttemptOfARetriedCall(t *testing.T) {
	tel := newTelemetry(t)
	srv := newScriptedECS(t, http.StatusTooManyRequests, http.StatusServiceUnavailable)
	c, err := ecs.NewClient(srv.URL, "p1", auth.StaticToken("t0"),
		cloudmigrate.WithObserver(tel.obs), cloudmigrate.WithRetryWait(time.Millisecond, 2*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ctx, parent := tel.tp.Tracer("test").Start(context.Background(), "drain host")
	job, err := c.GetJob(ctx, "j1")
	parent.End()
	if err != nil {
		t.Fatal(err)
	}
	if job.ID != "j1" {
		t.Fatalf("job %+v", job)
	}

	spans := tel.attempts()
	if len(spans) != 3 {
		t.Fatalf("%d client spans, want 3", len(spans))
	}
	u, _ := url.Parse(srv.URL)
	port, _ := strconv.Atoi(u.Port())
	want := []struct {
		status int
		resend int64 // 0: absent
		reason string
		errTyp string
	}{
		{429, 0, "", "429"},
		{503, 1, "throttled", "503"},
		{200, 2, "server_error", ""},
	}
	for i, s := range spans {
		w := want[i]
		a := attrs(s.Attributes())
		if s.Name() != "GET /v1/{project_id}/jobs/{job_id}" {
			t.Errorf("span %d: name %q", i, s.Name())
		}
		if s.Parent().SpanID() != parent.SpanContext().SpanID() || s.SpanContext().TraceID() != parent.SpanContext().TraceID() {
			t.Errorf("span %d is not a child of the caller's span", i)
		}
		checks := map[attribute.Key]any{
			"http.request.method":       "GET",
			"server.address":            "127.0.0.1",
			"server.port":               int64(port),
			"url.full":                  srv.URL + "/v1/p1/jobs/j1",
			"url.template":              "/v1/{project_id}/jobs/{job_id}",
			"http.response.status_code": int64(w.status),
			"cloudmigrate.operation":    "ecs.GetJob",
			"cloudmigrate.request_id":   fmt.Sprint("req-", i+1),
		}
		if w.resend != 0 {
			checks["http.request.resend_count"] = w.resend
			checks["cloudmigrate.retry_reason"] = w.reason
		}
		if w.errTyp != "" {
			checks["error.type"] = w.errTyp
		}
		for k, v := range checks {
			if got, ok := a[k]; !ok || got.AsInterface() != v {
				t.Errorf("span %d: %s = %v, want %v", i, k, got.AsInterface(), v)
			}
		}
		for _, k := range []attribute.Key{"http.request.resend_count", "cloudmigrate.retry_reason", "error.type"} {
			if _, ok := a[k]; ok && checks[k] == nil {
				t.Errorf("span %d has %s = %v", i, k, a[k].AsInterface())
			}
		}
		if wantErr := w.errTyp != ""; (s.Status().Code == codes.Error) != wantErr {
			t.Errorf("span %d: status %v, want error=%v", i, s.Status(), wantErr)
		}
	}

	srv.mu.Lock()
	parents := append([]string(nil), srv.parents...)
	srv.mu.Unlock()
	for i, s := range spans {
		sc := s.SpanContext()
		if want := "00-" + sc.TraceID().String() + "-" + sc.SpanID().String() + "-01"; parents[i] != want {
			t.Errorf("request %d carried traceparent %q, want %q", i+1, parents[i], want)
		}
	}

	m, ok := tel.durations(t)
	if !ok {
		t.Fatal("no http.client.request.duration")
	}
	if m.Unit != "s" {
		t.Errorf("unit %q", m.Unit)
	}
	h, ok := m.Data.(metricdata.Histogram[float64])
	if !ok {
		t.Fatalf("data %T", m.Data)
	}
	counts := map[string]uint64{}
	for _, dp := range h.DataPoints {
		set := dp.Attributes
		st, _ := set.Value("http.response.status_code")
		op, _ := set.Value("cloudmigrate.operation")
		method, _ := set.Value("http.request.method")
		tmpl, _ := set.Value("url.template")
		if op.AsString() != "ecs.GetJob" || method.AsString() != "GET" || tmpl.AsString() != "/v1/{project_id}/jobs/{job_id}" {
			t.Errorf("data point %v", set.ToSlice())
		}
		for _, k := range []attribute.Key{"url.full", "cloudmigrate.request_id", "cloudmigrate.retry_reason"} {
			if set.HasValue(k) {
				t.Errorf("data point has %s", k)
			}
		}
		if dp.Sum <= 0 {
			t.Errorf("data point %v: sum %v", set.ToSlice(), dp.Sum)
		}
		counts[strconv.FormatInt(st.AsInt64(), 10)] += dp.Count
	}
	if fmt.Sprint(counts) != "map[200:1 429:1 503:1]" {
		t.Errorf("measurements by status %v, want one each of 429, 503, 200", counts)
	}
}

// A Keystone token that nova refuses is renewed and the request replayed:
// a span for the 401 and one for the replay, with resend count 1 and
// reason token_renewed. The endpoint's own path (the fake's /v2.1) leads
// url.template.
func TestSpanForTheReplayAfterARenewedToken(t *testing.T) {
	tel := newTelemetry(t)
	srv := novatest.NewServer()
	defer srv.Close()
	srv.AddHost("compute1")
	srv.AddServer("vm-1", "compute1", novatest.StatusActive)
	c, err := nova.NewClient(srv.Endpoint(), srv.Authorizer(), cloudmigrate.WithObserver(tel.obs))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.ListServerMigrations(ctx, "vm-1"); err != nil {
		t.Fatal(err)
	}
	before := len(tel.attempts())
	srv.ExpireTokens()
	if _, err := c.ListServerMigrations(ctx, "vm-1"); err != nil {
		t.Fatal(err)
	}
	spans := tel.attempts()[before:]
	if len(spans) != 2 {
		t.Fatalf("%d spans for the call, want 2", len(spans))
	}
	first, replay := attrs(spans[0].Attributes()), attrs(spans[1].Attributes())
	if first["http.response.status_code"].AsInt64() != 401 || first["error.type"].AsString() != "401" {
		t.Errorf("first span %v", spans[0].Attributes())
	}
	if replay["http.response.status_code"].AsInt64() != 200 || replay["http.request.resend_count"].AsInt64() != 1 ||
		replay["cloudmigrate.retry_reason"].AsString() != "token_renewed" || has(replay, "error.type") {
		t.Errorf("replay span %v", spans[1].Attributes())
	}
	for _, s := range spans {
		a := attrs(s.Attributes())
		if s.Name() != "GET /servers/{server_id}/migrations" || a["cloudmigrate.operation"].AsString() != "nova.ListServerMigrations" {
			t.Errorf("span %q, operation %q", s.Name(), a["cloudmigrate.operation"].AsString())
		}
		if tmpl := a["url.template"].AsString(); !strings.HasSuffix(tmpl, "/servers/{server_id}/migrations") || tmpl == "/servers/{server_id}/migrations" {
			t.Errorf("url.template %q lacks the endpoint's path", tmpl)
		}
	}
}

// A try whose credentials cannot be had sends nothing: its span has no
// status and error.type "credentials"; the next try is its retry.
func TestSpanForATryWithoutCredentials(t *testing.T) {
	tel := newTelemetry(t)
	srv := newScriptedECS(t)
	authz := &failOnce{err: &cloudmigrate.Error{StatusCode: 503, Code: "down", Message: "identity service unavailable"}}
	c, err := ecs.NewClient(srv.URL, "p1", authz,
		cloudmigrate.WithObserver(tel.obs), cloudmigrate.WithRetryWait(time.Millisecond, 2*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetJob(context.Background(), "j1"); err != nil {
		t.Fatal(err)
	}
	spans := tel.attempts()
	if len(spans) != 2 {
		t.Fatalf("%d spans, want 2", len(spans))
	}
	a := attrs(spans[0].Attributes())
	if a["error.type"].AsString() != "credentials" || has(a, "http.response.status_code") || spans[0].Status().Code != codes.Error {
		t.Errorf("first span %v %v", spans[0].Attributes(), spans[0].Status())
	}
	b := attrs(spans[1].Attributes())
	if b["cloudmigrate.retry_reason"].AsString() != "credentials" || has(b, "http.request.resend_count") {
		t.Errorf("second span %v: a retry of a try that sent nothing is no resend", spans[1].Attributes())
	}
}

type failOnce struct {
	mu    sync.Mutex
	err   error
	tried bool
}

func (a *failOnce) Authorize(_ context.Context, req *http.Request) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.tried {
		a.tried = true
		return a.err
	}
	req.Header.Set("X-Auth-Token", "t1")
	return nil
}

func TestDescribeURL(t *testing.T) {
	cases := []struct {
		raw, tmpl          string
		host               string
		port               int
		full, absoluteTmpl string
	}{
		{"https://nova.example.com/v2.1/servers/vm-1/action", "/servers/{server_id}/action",
			"nova.example.com", 443, "https://nova.example.com/v2.1/servers/vm-1/action", "/v2.1/servers/{server_id}/action"},
		{"http://10.0.0.5:8786/v2/p1/share-servers/s1/action?limit=5", "/share-servers/{share_server_id}/action",
			"10.0.0.5", 8786, "http://10.0.0.5:8786/v2/p1/share-servers/s1/action?limit=5", "/v2/p1/share-servers/{share_server_id}/action"},
		{"https://u:p@obj.example.com/v1/a/c/o?temp_url_sig=abc&temp_url_expires=1&sig=x&X-Amz-Signature=y", "/v1/a/c/o",
			"obj.example.com", 443, "https://REDACTED:REDACTED@obj.example.com/v1/a/c/o?temp_url_sig=REDACTED&temp_url_expires=1&sig=REDACTED&X-Amz-Signature=REDACTED", "/v1/a/c/o"},
		{"https://nova.example.com/v2.1/", "/", "nova.example.com", 443, "https://nova.example.com/v2.1/", "/v2.1/"},
		{"http://[::1]:9000/os-migrations?marker=m1", "/os-migrations/detail", "::1", 9000, "http://[::1]:9000/os-migrations?marker=m1", "/os-migrations/detail"},
	}
	for _, c := range cases {
		host, port, full, tmpl := describeURL(c.raw, c.tmpl)
		if host != c.host || port != c.port || full != c.full || tmpl != c.absoluteTmpl {
			t.Errorf("describeURL(%q, %q) = %q %d %q %q, want %q %d %q %q", c.raw, c.tmpl, host, port, full, tmpl, c.host, c.port, c.full, c.absoluteTmpl)
		}
	}
}

func TestErrorType(t *testing.T) {
	cases := []struct {
		res  cloudmigrate.AttemptResult
		want string
	}{
		{cloudmigrate.AttemptResult{StatusCode: 200}, ""},
		{cloudmigrate.AttemptResult{StatusCode: 404, Err: &cloudmigrate.Error{StatusCode: 404}}, "404"},
		{cloudmigrate.AttemptResult{Err: fmt.Errorf("attempt: %w", context.DeadlineExceeded)}, "timeout"},
		{cloudmigrate.AttemptResult{Err: context.Canceled}, "canceled"},
		{cloudmigrate.AttemptResult{Err: &url.Error{Op: "Get", URL: "http://x", Err: io.ErrUnexpectedEOF}}, "*errors.errorString"},
		{cloudmigrate.AttemptResult{StatusCode: 200, Err: errors.New("decoding")}, "*errors.errorString"},
	}
	for _, c := range cases {
		if got := errorType(c.res); got != c.want {
			t.Errorf("errorType(%+v) = %q, want %q", c.res, got, c.want)
		}
	}
}

func TestUnknownMethodIsOther(t *testing.T) {
	if got := methodAttr("PURGE").Value.AsString(); got != "_OTHER" {
		t.Errorf("PURGE gives %q", got)
	}
	if got := methodAttr("DELETE").Value.AsString(); got != "DELETE" {
		t.Errorf("DELETE gives %q", got)
	}
}
