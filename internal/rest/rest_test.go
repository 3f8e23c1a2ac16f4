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
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
)

const base = "https://svc.example.com/v1"

// newMock returns a client whose requests go to a fresh mock transport.
func newMock(t *testing.T, authz auth.Authorizer, opts ...cloudmigrate.Option) (*Client, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	opts = append([]cloudmigrate.Option{
		cloudmigrate.WithHTTPClient(&http.Client{Transport: mt}),
		cloudmigrate.WithRetryWait(time.Millisecond, 4*time.Millisecond),
	}, opts...)
	c, err := New(base, authz, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c, mt
}

func TestNewRejectsBadEndpoints(t *testing.T) {
	for _, ep := range []string{"", "ecs.example.com", "ftp://x/", "https://", "https://user:pw@x.example.com", "https://x/?a=b"} {
		_, err := New(ep, nil, nil)
		var ve *cloudmigrate.ValidationError
		if !errors.As(err, &ve) || ve.Field != "endpoint" {
			t.Errorf("New(%q) = %v, want ValidationError on endpoint", ep, err)
		}
		if strings.Contains(fmt.Sprint(err), "pw") {
			t.Errorf("error leaks the URL password: %v", err)
		}
	}
}

func TestPathParamsEscapedAndValidated(t *testing.T) {
	c, mt := newMock(t, nil)
	var got string
	mt.RegisterResponder("GET", `=~.*`, func(r *http.Request) (*http.Response, error) {
		got = r.Method + " " + r.URL.String()
		return httpmock.NewStringResponse(200, ``), nil
	})
	_, err := c.Do(context.Background(), &Request{Method: "GET", Path: "/pools/{pool}/nodes/{node}", Params: []string{"pool.a", "n:1@é"}, Out: nil})
	if err != nil {
		t.Fatal(err)
	}
	if want := "GET " + base + "/pools/pool.a/nodes/n:1@%C3%A9"; got != want {
		t.Errorf("sent %q, want %q", got, want)
	}
	for _, bad := range []string{"", "a/b", ".", ".."} {
		mt.ZeroCallCounters()
		_, err := c.Do(context.Background(), &Request{Method: "POST", Path: "/servers/{server_id}/action", Params: []string{bad}})
		var ve *cloudmigrate.ValidationError
		if !errors.As(err, &ve) || ve.Field != "server_id" {
			t.Errorf("param %q: err = %v, want ValidationError for server_id", bad, err)
		}
		if n := mt.GetTotalCallCount(); n != 0 {
			t.Errorf("param %q: %d requests sent, want 0", bad, n)
		}
	}
	if _, err := c.Do(context.Background(), &Request{Method: "GET", Path: "/a/{x}/{y}", Params: []string{"1"}}); err == nil {
		t.Error("missing parameter accepted")
	}
	if _, err := c.Do(context.Background(), &Request{Method: "GET", Path: "/a/{x}", Params: []string{"1", "2"}}); err == nil {
		t.Error("extra parameter accepted")
	}
}

func TestQueryFromStructAndValues(t *testing.T) {
	c, mt := newMock(t, nil)
	var gotQuery string
	mt.RegisterResponder("GET", base+"/jobs", func(r *http.Request) (*http.Response, error) {
		gotQuery = r.URL.RawQuery
		return httpmock.NewStringResponse(200, `{}`), nil
	})
	type q struct {
		Resource string `url:"resource"`
		Name     string `url:"name,omitempty"`
		Limit    int    `url:"limit,omitempty"`
	}
	if _, err := c.Do(context.Background(), &Request{Method: "GET", Path: "/jobs", Query: q{Resource: "pools", Name: "pool a+b"}}); err != nil {
		t.Fatal(err)
	}
	if gotQuery != "name=pool%20a%2Bb&resource=pools" {
		t.Errorf("query = %q", gotQuery)
	}
}

// bodyRecorder records each attempt's body and headers.
type bodyRecorder struct {
	mu      sync.Mutex
	bodies  []string
	headers []http.Header
}

func (b *bodyRecorder) record(r *http.Request) {
	data, _ := io.ReadAll(r.Body)
	b.mu.Lock()
	b.bodies = append(b.bodies, string(data))
	b.headers = append(b.headers, r.Header.Clone())
	b.mu.Unlock()
}

// bodyReadingAuthz reads the body through GetBody as a signer does.
type bodyReadingAuthz struct{ seen []string }

func (a *bodyReadingAuthz) Authorize(_ context.Context, req *http.Request) error {
	rc, err := req.GetBody()
	if err != nil {
		return err
	}
	data, _ := io.ReadAll(rc)
	a.seen = append(a.seen, string(data))
	req.Header.Set("Authorization", "sig-"+fmt.Sprint(len(a.seen)))
	return nil
}

func TestBodyEncodedOnceReplayedOnRetryAndSignerSeesIt(t *testing.T) {
	az := &bodyReadingAuthz{}
	c, mt := newMock(t, az)
	rec := &bodyRecorder{}
	n := 0
	mt.RegisterResponder("POST", base+"/check", func(r *http.Request) (*http.Response, error) {
		rec.record(r)
		n++
		if n < 3 {
			return httpmock.NewStringResponse(503, `{"code":"x","message":"busy"}`), nil
		}
		return httpmock.NewStringResponse(200, `{"compatible":true}`), nil
	})
	var out struct {
		Compatible bool `json:"compatible"`
	}
	body := map[string]any{"migration_check": map[string]any{"host": "h@b", "new_share_network_id": nil}}
	res, err := c.Do(context.Background(), &Request{Method: "POST", Path: "/check", Body: body, Idempotent: true, Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"migration_check":{"host":"h@b","new_share_network_id":null}}`
	if len(rec.bodies) != 3 || res.Attempts != 3 || !out.Compatible {
		t.Fatalf("attempts = %d (%d bodies), out = %+v", res.Attempts, len(rec.bodies), out)
	}
	for i, b := range rec.bodies {
		if b != want {
			t.Errorf("attempt %d body %q, want %q (no trailing newline)", i+1, b, want)
		}
		if az.seen[i] != want {
			t.Errorf("signer saw %q on attempt %d", az.seen[i], i+1)
		}
		if got := rec.headers[i].Get("Authorization"); got != fmt.Sprintf("sig-%d", i+1) {
			t.Errorf("attempt %d not re-authorized: %q", i+1, got)
		}
		if rec.headers[i].Get("Content-Type") != "application/json" {
			t.Errorf("attempt %d content type %q", i+1, rec.headers[i].Get("Content-Type"))
		}
	}
}

func TestIdempotentRetriesOnTransientStatuses(t *testing.T) {
	for _, status := range []int{429, 502, 503, 504} {
		c, mt := newMock(t, nil)
		n := 0
		mt.RegisterResponder("GET", base+"/jobs/1", func(*http.Request) (*http.Response, error) {
			n++
			if n == 1 {
				return httpmock.NewStringResponse(status, ``), nil
			}
			return httpmock.NewStringResponse(200, `{"status":"RUNNING"}`), nil
		})
		if _, err := c.Do(context.Background(), &Request{Method: "GET", Path: "/jobs/1"}); err != nil {
			t.Errorf("status %d: %v", status, err)
		}
		if n != 2 {
			t.Errorf("status %d: %d calls, want 2", status, n)
		}
	}
}

func TestRetriesStopAtTheLimit(t *testing.T) {
	c, mt := newMock(t, nil, cloudmigrate.WithRetry(2))
	mt.RegisterResponder("GET", base+"/x", httpmock.NewStringResponder(503, `{"error_code":"APIGW.0101","error_msg":"down"}`).HeaderSet(http.Header{"X-Request-Id": {"r-9"}}))
	_, err := c.Do(context.Background(), &Request{Method: "GET", Path: "/x"})
	var apiErr *cloudmigrate.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v", err)
	}
	if apiErr.Attempts != 3 || mt.GetTotalCallCount() != 3 || apiErr.RequestID != "r-9" || apiErr.Code != "APIGW.0101" {
		t.Errorf("got %+v after %d calls", apiErr, mt.GetTotalCallCount())
	}
}

func TestMigrationRequestsAreNeverRepeatedAfterTheyMayHaveArrived(t *testing.T) {
	cases := map[string]httpmock.Responder{
		"500":        httpmock.NewStringResponder(500, `{"error":{"code":"Ecs.0000","message":"boom"}}`),
		"502":        httpmock.NewStringResponder(502, `bad gateway`),
		"503":        httpmock.NewStringResponder(503, ``),
		"reset":      httpmock.NewErrorResponder(&net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}),
		"eof":        httpmock.NewErrorResponder(io.ErrUnexpectedEOF),
		"connfailed": httpmock.ConnectionFailure,
	}
	for name, responder := range cases {
		for _, method := range []string{"POST", "PUT", "DELETE"} {
			c, mt := newMock(t, nil)
			mt.RegisterResponder(method, base+"/servers/s1/action", responder)
			_, err := c.Do(context.Background(), &Request{Method: method, Path: "/servers/{id}/action", Params: []string{"s1"}, Body: map[string]any{"migrate": nil}})
			if err == nil {
				t.Errorf("%s %s: no error", name, method)
			}
			if n := mt.GetTotalCallCount(); n != 1 {
				t.Errorf("%s %s: sent %d times, want exactly 1", name, method, n)
			}
		}
	}
}

func TestMigrationRequestsRetriedWhenProvablyNotProcessed(t *testing.T) {
	cases := map[string]httpmock.Responder{
		"dial": httpmock.NewErrorResponder(&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}),
		"429":  httpmock.NewStringResponder(429, `{"error_code":"APIGW.0308","error_msg":"throttled"}`),
		"code": httpmock.NewStringResponder(403, `{"error_code":"APIGW.0308","error_msg":"throttled"}`),
	}
	for name, first := range cases {
		c, mt := newMock(t, nil)
		n := 0
		mt.RegisterResponder("POST", base+"/migrate", func(r *http.Request) (*http.Response, error) {
			n++
			if n == 1 {
				return first(r)
			}
			return httpmock.NewStringResponse(202, `{"job_id":"j1"}`), nil
		})
		var out struct {
			JobID string `json:"job_id"`
		}
		if _, err := c.Do(context.Background(), &Request{Method: "POST", Path: "/migrate", Body: map[string]any{"migrate": nil}, Out: &out}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if n != 2 || out.JobID != "j1" {
			t.Errorf("%s: %d calls, job %q", name, n, out.JobID)
		}
	}
}

func TestIdempotentRetriesOnNetworkErrors(t *testing.T) {
	c, mt := newMock(t, nil)
	n := 0
	mt.RegisterResponder("GET", base+"/x", func(*http.Request) (*http.Response, error) {
		n++
		if n == 1 {
			return nil, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
		}
		return httpmock.NewStringResponse(200, `{}`), nil
	})
	if _, err := c.Do(context.Background(), &Request{Method: "GET", Path: "/x"}); err != nil || n != 2 {
		t.Fatalf("err %v after %d calls", err, n)
	}
}

func TestRetryAfterHonouredAndCapped(t *testing.T) {
	c, mt := newMock(t, nil)
	n := 0
	mt.RegisterResponder("GET", base+"/x", func(*http.Request) (*http.Response, error) {
		n++
		if n == 1 {
			r := httpmock.NewStringResponse(429, ``)
			r.Header.Set("Retry-After", "1")
			return r, nil
		}
		return httpmock.NewStringResponse(200, `{}`), nil
	})
	start := time.Now()
	if _, err := c.Do(context.Background(), &Request{Method: "GET", Path: "/x"}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("retried after %v, want >= 1s as Retry-After said", d)
	}

	c, mt = newMock(t, nil, cloudmigrate.WithRetryAfterLimit(20*time.Millisecond))
	n = 0
	mt.RegisterResponder("GET", base+"/x", func(*http.Request) (*http.Response, error) {
		n++
		if n == 1 {
			r := httpmock.NewStringResponse(503, ``)
			r.Header.Set("Retry-After", "86400")
			return r, nil
		}
		return httpmock.NewStringResponse(200, `{}`), nil
	})
	start = time.Now()
	if _, err := c.Do(context.Background(), &Request{Method: "GET", Path: "/x"}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("a day's Retry-After was not capped: waited %v", d)
	}
}

func TestCancelDuringBackoffReturnsPromptly(t *testing.T) {
	c, mt := newMock(t, nil, cloudmigrate.WithRetryWait(10*time.Second, 20*time.Second))
	mt.RegisterResponder("GET", base+"/x", httpmock.NewStringResponder(503, ``))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(30*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.Do(ctx, &Request{Method: "GET", Path: "/x"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("took %v to notice cancellation", d)
	}
}

// renewingToken is a token authorizer whose token the mock accepts only
// after one renewal; it counts renewals.
type renewingToken struct {
	mu       sync.Mutex
	token    string
	renewals atomic.Int32
}

func (a *renewingToken) Authorize(_ context.Context, req *http.Request) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	req.Header.Set("X-Auth-Token", a.token)
	return nil
}

func (a *renewingToken) Renew(_ context.Context, rejected *http.Request) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if rejected.Header.Get("X-Auth-Token") != a.token {
		return nil // someone else renewed already
	}
	time.Sleep(5 * time.Millisecond) // the token request
	a.renewals.Add(1)
	a.token = fmt.Sprintf("token-%d", a.renewals.Load())
	return nil
}

func TestUnauthorizedRenewsOnceAcrossGoroutines(t *testing.T) {
	az := &renewingToken{token: "expired"}
	c, mt := newMock(t, az)
	var served atomic.Int32
	mt.RegisterResponder("GET", base+"/x", func(r *http.Request) (*http.Response, error) {
		if r.Header.Get("X-Auth-Token") == "expired" {
			return httpmock.NewStringResponse(401, `{"error":{"code":401,"title":"Unauthorized","message":"expired"}}`), nil
		}
		served.Add(1)
		return httpmock.NewStringResponse(200, `{}`), nil
	})
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Do(context.Background(), &Request{Method: "GET", Path: "/x"}); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := az.renewals.Load(); n != 1 {
		t.Errorf("%d renewals, want exactly 1", n)
	}
	if served.Load() != 100 {
		t.Errorf("%d requests served after renewal, want 100", served.Load())
	}
}

func TestUnauthorizedTwiceGivesUp(t *testing.T) {
	az := &renewingToken{token: "expired"}
	c, mt := newMock(t, az)
	mt.RegisterResponder("POST", base+"/x", httpmock.NewStringResponder(401, `{"error_code":"APIGW.0307","error_msg":"token expired"}`))
	_, err := c.Do(context.Background(), &Request{Method: "POST", Path: "/x", Body: map[string]any{}})
	if !cloudmigrate.IsUnauthorized(err) {
		t.Fatalf("err = %v", err)
	}
	if n := mt.GetTotalCallCount(); n != 2 {
		t.Errorf("%d calls, want the first and one replay", n)
	}
	if az.renewals.Load() != 1 {
		t.Errorf("renewals = %d", az.renewals.Load())
	}
}

func TestStaticTokenIsNotRenewed(t *testing.T) {
	c, mt := newMock(t, auth.StaticToken("t"))
	mt.RegisterResponder("GET", base+"/x", httpmock.NewStringResponder(401, ``))
	_, err := c.Do(context.Background(), &Request{Method: "GET", Path: "/x"})
	if !cloudmigrate.IsUnauthorized(err) || mt.GetTotalCallCount() != 1 {
		t.Fatalf("err = %v after %d calls", err, mt.GetTotalCallCount())
	}
}

func TestRequestIDHeaders(t *testing.T) {
	for _, h := range []string{"X-Openstack-Request-Id", "X-Compute-Request-Id", "X-Request-Id"} {
		c, mt := newMock(t, nil)
		mt.RegisterResponder("GET", base+"/x", httpmock.NewStringResponder(404, `{"itemNotFound":{"code":404,"message":"gone"}}`).HeaderSet(http.Header{h: {"req-" + h}}))
		_, err := c.Do(context.Background(), &Request{Method: "GET", Path: "/x"})
		var apiErr *cloudmigrate.Error
		if !errors.As(err, &apiErr) || apiErr.RequestID != "req-"+h || apiErr.Code != "itemNotFound" || apiErr.Message != "gone" {
			t.Errorf("%s: %+v", h, apiErr)
		}
		if !cloudmigrate.IsNotFound(err) {
			t.Errorf("%s: IsNotFound false", h)
		}
	}
}

func TestAcceptedStatusesAndDecode(t *testing.T) {
	c, mt := newMock(t, nil)
	mt.RegisterResponder("POST", base+"/a", httpmock.NewStringResponder(200, `{"x":1}`))
	_, err := c.Do(context.Background(), &Request{Method: "POST", Path: "/a", OK: []int{202}})
	var apiErr *cloudmigrate.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 200 {
		t.Errorf("200 where 202 expected: %v", err)
	}
	mt.RegisterResponder("GET", base+"/bad", httpmock.NewStringResponder(200, `{"x":`))
	var out map[string]int
	if _, err := c.Do(context.Background(), &Request{Method: "GET", Path: "/bad", Out: &out}); err == nil {
		t.Error("truncated JSON accepted")
	}
	mt.RegisterResponder("GET", base+"/empty", httpmock.NewStringResponder(200, ``))
	if _, err := c.Do(context.Background(), &Request{Method: "GET", Path: "/empty", Out: &out}); err != nil {
		t.Errorf("empty body: %v", err)
	}
}

func TestPerAttemptTimeout(t *testing.T) {
	c, mt := newMock(t, nil, cloudmigrate.WithTimeout(20*time.Millisecond), cloudmigrate.WithRetry(1))
	mt.RegisterResponder("GET", base+"/slow", func(r *http.Request) (*http.Response, error) {
		select {
		case <-r.Context().Done():
			return nil, r.Context().Err()
		case <-time.After(5 * time.Second):
			return httpmock.NewStringResponse(200, `{}`), nil
		}
	})
	start := time.Now()
	_, err := c.Do(context.Background(), &Request{Method: "GET", Path: "/slow"})
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v", err)
	}
	if mt.GetTotalCallCount() != 2 || time.Since(start) > 2*time.Second {
		t.Errorf("%d calls in %v", mt.GetTotalCallCount(), time.Since(start))
	}
}

func TestLinkMustStayOnEndpointHost(t *testing.T) {
	c, mt := newMock(t, nil)
	mt.RegisterResponder("GET", "https://svc.example.com/v1/os-migrations?marker=m", httpmock.NewStringResponder(200, `{}`))
	if _, err := c.Do(context.Background(), &Request{Method: "GET", URL: "https://svc.example.com/v1/os-migrations?marker=m"}); err != nil {
		t.Fatal(err)
	}
	for _, link := range []string{"https://evil.example.net/steal", "http://svc.example.com/v1/os-migrations?marker=m"} {
		_, err := c.Do(context.Background(), &Request{Method: "GET", URL: link})
		var ve *cloudmigrate.ValidationError
		if !errors.As(err, &ve) || mt.GetTotalCallCount() != 1 {
			t.Errorf("link %s: %v", link, err)
		}
	}
}

// secretAuthz puts secrets where a careless pipeline would leak them.
type secretAuthz struct{}

const (
	secretToken = "tok-SECRET-0123456789"
	secretSig   = "Signature=deadbeefSECRET"
)

func (secretAuthz) Authorize(_ context.Context, req *http.Request) error {
	req.Header.Set("X-Auth-Token", secretToken)
	req.Header.Set("Authorization", "SDK-HMAC-SHA256 Access=AKEXAMPLE, SignedHeaders=x-sdk-date, "+secretSig)
	return nil
}

func TestLogsOneRecordPerAttemptWithoutSecrets(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, mt := newMock(t, secretAuthz{}, cloudmigrate.WithLogger(logger))
	n := 0
	mt.RegisterResponder("GET", base+"/x", func(*http.Request) (*http.Response, error) {
		n++
		if n == 1 {
			return httpmock.NewStringResponse(503, ``), nil
		}
		r := httpmock.NewStringResponse(200, `{}`)
		r.Header.Set("X-Request-Id", "req-77")
		return r, nil
	})
	mt.RegisterResponder("POST", base+"/y", httpmock.NewStringResponder(400, `{"error_code":"E1","error_msg":"bad"}`))
	if _, err := c.Do(context.Background(), &Request{Method: "GET", Path: "/x"}); err != nil {
		t.Fatal(err)
	}
	_, err := c.Do(context.Background(), &Request{Method: "POST", Path: "/y", Body: map[string]string{"password": "pw-SECRET"}})
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d log records, want 3 (one per attempt):\n%s", len(lines), buf.String())
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[1]), &rec); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"method", "path", "status", "duration", "attempt", "request_id"} {
		if _, ok := rec[k]; !ok {
			t.Errorf("log record lacks %q: %s", k, lines[1])
		}
	}
	if rec["attempt"] != float64(2) || rec["request_id"] != "req-77" {
		t.Errorf("record: %v", rec)
	}
	all := buf.String() + err.Error() + fmt.Sprintf("%v %+v %#v", err, err, c)
	for _, s := range []string{"SECRET"} {
		if strings.Contains(all, s) {
			t.Errorf("secret %q leaked into logs, errors or %%v output:\n%s", s, all)
		}
	}
}

func TestNoLoggerNoWork(t *testing.T) {
	c, mt := newMock(t, nil)
	mt.RegisterResponder("GET", base+"/x", httpmock.NewStringResponder(200, `{}`))
	if _, err := c.Do(context.Background(), &Request{Method: "GET", Path: "/x"}); err != nil {
		t.Fatal(err)
	}
}

func TestWithHeaderCopies(t *testing.T) {
	c, mt := newMock(t, nil, cloudmigrate.WithHeader("X-Trace", "t1"), cloudmigrate.WithUserAgent("ops-bot/2"))
	scoped := c.WithHeader("X-Project-Id", "p1")
	var got http.Header
	mt.RegisterResponder("GET", base+"/x", func(r *http.Request) (*http.Response, error) {
		got = r.Header.Clone()
		return httpmock.NewStringResponse(200, `{}`), nil
	})
	if _, err := scoped.Do(context.Background(), &Request{Method: "GET", Path: "/x", Header: http.Header{"X-Openstack-Nova-Api-Version": {"2.80"}}}); err != nil {
		t.Fatal(err)
	}
	if got.Get("X-Project-Id") != "p1" || got.Get("X-Trace") != "t1" || got.Get("X-Openstack-Nova-Api-Version") != "2.80" {
		t.Errorf("headers: %v", got)
	}
	if ua := got.Get("User-Agent"); ua != "ops-bot/2 cloudmigrate-go/"+cloudmigrate.Version {
		t.Errorf("User-Agent %q", ua)
	}
	if _, err := c.Do(context.Background(), &Request{Method: "GET", Path: "/x"}); err != nil {
		t.Fatal(err)
	}
	if got.Get("X-Project-Id") != "" {
		t.Error("WithHeader changed the original client")
	}
}

// The default client keeps a connection idle for each of many concurrent
// calls, so that waves of concurrent requests reuse the same connections
// instead of dialing anew for most requests.
func TestDefaultClientReusesConnectionsUnderConcurrency(t *testing.T) {
	const width, waves = 20, 8
	var (
		conns   atomic.Int64
		mu      sync.Mutex
		arrived int
		release = make(chan struct{})
	)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Hold every request of a wave until the whole wave is in flight,
		// so that each wave needs width connections at once.
		mu.Lock()
		arrived++
		if arrived%width == 0 {
			close(release)
			release = make(chan struct{})
			mu.Unlock()
		} else {
			wait := release
			mu.Unlock()
			select {
			case <-wait:
			case <-time.After(5 * time.Second):
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	c, err := New(srv.URL, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.HTTPClient().CloseIdleConnections()
	for wave := range waves {
		var wg sync.WaitGroup
		errs := make(chan error, width)
		for range width {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var out struct{ OK bool }
				if _, err := c.Do(context.Background(), &Request{Method: http.MethodGet, Path: "/x", Out: &out}); err != nil || !out.OK {
					errs <- fmt.Errorf("wave %d: %v %v", wave, out, err)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	}
	// Each wave needs width connections; kept idle, they serve the next
	// waves. A transport keeping only GOMAXPROCS+1 idle would dial about
	// width-GOMAXPROCS-1 new ones per wave (over 100 here).
	if n := conns.Load(); n > 2*width {
		t.Errorf("%d connections for %d waves of %d concurrent requests; want at most %d", n, waves, width, 2*width)
	}
	if tr, ok := c.HTTPClient().Transport.(*http.Transport); !ok || tr.MaxIdleConnsPerHost != idleConnsPerHost {
		t.Errorf("default transport keeps %d idle connections per host, want %d", tr.MaxIdleConnsPerHost, idleConnsPerHost)
	}
}

// An answer cut off while its body is read is a network failure: a request
// safe to repeat is sent again, one that may start a migration is not, and
// a body that arrived whole but does not decode (malformed, or JSON that
// stops early within a complete answer) is not a reason to retry.
func TestAnswerCutOffHalfWay(t *testing.T) {
	const whole = `{"job_id":"j-1","status":"RUNNING"}`
	// serve answers request n (from 1) with what script says: "cut" sends
	// the headers and half the body, then closes the connection; "stall"
	// sends half and waits; "bad" sends JSON that does not parse; "short"
	// sends a complete answer whose JSON stops half way; anything else
	// sends the whole body.
	serve := func(t *testing.T, script func(n int) string) (*httptest.Server, *atomic.Int64) {
		var n atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			switch script(int(n.Add(1))) {
			case "cut":
				w.Header().Set("Content-Length", fmt.Sprint(len(whole)))
				_, _ = io.WriteString(w, whole[:len(whole)/2])
			case "stall":
				w.Header().Set("Content-Length", fmt.Sprint(len(whole)))
				_, _ = io.WriteString(w, whole[:len(whole)/2])
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
				case <-time.After(5 * time.Second):
				}
			case "bad":
				_, _ = io.WriteString(w, `{"job_id": nope}`)
			case "short":
				_, _ = io.WriteString(w, whole[:len(whole)/2])
			default:
				_, _ = io.WriteString(w, whole)
			}
		}))
		t.Cleanup(srv.Close)
		return srv, &n
	}
	type job struct {
		ID     string `json:"job_id"`
		Status string `json:"status"`
	}
	client := func(t *testing.T, url string, opts ...cloudmigrate.Option) *Client {
		opts = append([]cloudmigrate.Option{cloudmigrate.WithRetryWait(time.Millisecond, 2*time.Millisecond)}, opts...)
		c, err := New(url, nil, opts)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ctx := context.Background()

	t.Run("GET is sent again", func(t *testing.T) {
		srv, n := serve(t, func(n int) string {
			if n <= 2 {
				return "cut"
			}
			return "whole"
		})
		out := job{ID: "left over"}
		res, err := client(t, srv.URL).Do(ctx, &Request{Method: http.MethodGet, Path: "/jobs/j-1", Out: &out})
		if err != nil || res.Attempts != 3 || n.Load() != 3 || out != (job{"j-1", "RUNNING"}) {
			t.Errorf("Do = %+v, %v after %d requests; out %+v", res, err, n.Load(), out)
		}
	})
	t.Run("GET timed out half way is sent again", func(t *testing.T) {
		srv, n := serve(t, func(n int) string {
			if n == 1 {
				return "stall"
			}
			return "whole"
		})
		var out job
		res, err := client(t, srv.URL, cloudmigrate.WithTimeout(200*time.Millisecond)).
			Do(ctx, &Request{Method: http.MethodGet, Path: "/jobs/j-1", Out: &out})
		if err != nil || res.Attempts != 2 || n.Load() != 2 || out.Status != "RUNNING" {
			t.Errorf("Do = %+v, %v after %d requests", res, err, n.Load())
		}
	})
	t.Run("GET gives up after the retries", func(t *testing.T) {
		srv, n := serve(t, func(int) string { return "cut" })
		var out job
		_, err := client(t, srv.URL, cloudmigrate.WithRetry(2)).Do(ctx, &Request{Method: http.MethodGet, Path: "/jobs/j-1", Out: &out})
		if !errors.Is(err, io.ErrUnexpectedEOF) || n.Load() != 3 {
			t.Errorf("Do: %v after %d requests, want io.ErrUnexpectedEOF after 3", err, n.Load())
		}
	})
	t.Run("POST is not", func(t *testing.T) {
		srv, n := serve(t, func(int) string { return "cut" })
		var out job
		_, err := client(t, srv.URL).Do(ctx, &Request{Method: http.MethodPost, Path: "/servers/s1/migrate", Body: map[string]any{"migrate": nil}, Out: &out})
		if !errors.Is(err, io.ErrUnexpectedEOF) || n.Load() != 1 {
			t.Errorf("Do: %v after %d requests, want io.ErrUnexpectedEOF after exactly 1", err, n.Load())
		}
	})
	t.Run("a body that does not parse is not", func(t *testing.T) {
		srv, n := serve(t, func(int) string { return "bad" })
		var out job
		_, err := client(t, srv.URL).Do(ctx, &Request{Method: http.MethodGet, Path: "/jobs/j-1", Out: &out})
		var syntax *json.SyntaxError
		if !errors.As(err, &syntax) || n.Load() != 1 {
			t.Errorf("Do: %v after %d requests, want a syntax error after 1", err, n.Load())
		}
	})
	t.Run("a complete answer with short JSON is not", func(t *testing.T) {
		srv, n := serve(t, func(int) string { return "short" })
		var out job
		_, err := client(t, srv.URL).Do(ctx, &Request{Method: http.MethodGet, Path: "/jobs/j-1", Out: &out})
		if !errors.Is(err, io.ErrUnexpectedEOF) || n.Load() != 1 {
			t.Errorf("Do: %v after %d requests, want io.ErrUnexpectedEOF after 1", err, n.Load())
		}
	})
}

// endless yields 'a' for ever.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

func TestAnswerOverTheLimitIsRefusedNotRetried(t *testing.T) {
	c, mt := newMock(t, nil)
	mt.RegisterResponder("GET", base+"/huge", func(*http.Request) (*http.Response, error) {
		body := io.MultiReader(strings.NewReader(`{"a":"`), endless{})
		return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(body)}, nil
	})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var out map[string]string
	_, err := c.Do(context.Background(), &Request{Method: "GET", Path: "/huge", Out: &out})
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrAnswerTooLarge) {
		t.Fatalf("err = %v", err)
	}
	if mt.GetTotalCallCount() != 1 {
		t.Errorf("%d calls: a too-large answer must not be asked for again", mt.GetTotalCallCount())
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 8*MaxAnswer {
		t.Errorf("allocated %d MiB for a %d MiB limit", grew>>20, MaxAnswer>>20)
	}
}

func TestRetryAfterInTheErrorIsCapped(t *testing.T) {
	c, mt := newMock(t, nil, cloudmigrate.WithRetry(0), cloudmigrate.WithRetryAfterLimit(3*time.Second))
	mt.RegisterResponder("GET", base+"/x", httpmock.NewStringResponder(429, ``).HeaderSet(http.Header{"Retry-After": {"86400"}}))
	_, err := c.Do(context.Background(), &Request{Method: "GET", Path: "/x"})
	var apiErr *cloudmigrate.Error
	if !errors.As(err, &apiErr) || apiErr.RetryAfter != 3*time.Second {
		t.Fatalf("err = %#v", err)
	}
}

// failingAuthz fails a set number of times with err, then succeeds.
type failingAuthz struct {
	err   error
	fails int
	calls int
}

func (a *failingAuthz) Authorize(_ context.Context, req *http.Request) error {
	a.calls++
	if a.calls <= a.fails {
		return a.err
	}
	req.Header.Set("X-Auth-Token", "t")
	return nil
}

func TestAuthorizerFailures(t *testing.T) {
	refused := &cloudmigrate.Error{StatusCode: 401, Code: "Unauthorized", Message: "bad password"}
	down := &cloudmigrate.Error{StatusCode: 503, Message: "keystone down"}
	cases := []struct {
		name     string
		method   string
		err      error
		wantSent int
		wantErr  bool
		calls    int
	}{
		{"refused credentials end a GET at once", "GET", refused, 0, true, 1},
		{"refused credentials end a POST at once", "POST", refused, 0, true, 1},
		{"an identity service down is retried for a GET", "GET", down, 1, false, 2},
		{"and for a POST too: nothing was sent", "POST", down, 1, false, 2},
		{"a network failure is retried", "POST", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, 1, false, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			az := &failingAuthz{err: tc.err, fails: 1}
			c, mt := newMock(t, az)
			mt.RegisterResponder(tc.method, base+"/x", httpmock.NewStringResponder(202, `{}`))
			_, err := c.Do(context.Background(), &Request{Method: tc.method, Path: "/x", Body: map[string]any{}})
			if (err != nil) != tc.wantErr || mt.GetTotalCallCount() != tc.wantSent || az.calls != tc.calls {
				t.Fatalf("err %v, %d sent, %d authorize calls", err, mt.GetTotalCallCount(), az.calls)
			}
			if tc.wantErr && !cloudmigrate.IsUnauthorized(err) {
				t.Errorf("the authorizer's error is not reachable: %v", err)
			}
		})
	}
}

// A real AK/SK signer through the pipeline: neither the secret key nor the
// signature shows in the debug log, an error or the client's %v.
func TestAKSKSecretsStayOutOfLogsAndErrors(t *testing.T) {
	const ak, sk = "HPUAEXAMPLEAK0001", "SK-SECRET-do-not-print-0123456789"
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	signer := auth.NewAKSK(ak, sk)
	c, mt := newMock(t, signer, cloudmigrate.WithLogger(logger))
	var signature string
	mt.RegisterResponder("POST", base+"/x", func(r *http.Request) (*http.Response, error) {
		h := r.Header.Get("Authorization")
		signature = h[strings.LastIndex(h, "Signature=")+len("Signature="):]
		return httpmock.NewStringResponse(401, `{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: verify aksk signature fail"}`), nil
	})
	_, err := c.Do(context.Background(), &Request{Method: "POST", Path: "/x", Body: map[string]string{"a": "b"}})
	if err == nil || len(signature) != 64 {
		t.Fatalf("err %v, signature %q", err, signature)
	}
	all := buf.String() + err.Error() + fmt.Sprintf("%v %+v %#v %v %+v %#v", err, err, err, c, c, signer)
	for _, secret := range []string{sk, signature} {
		if strings.Contains(all, secret) {
			t.Errorf("%q leaked:\n%s", secret, all)
		}
	}
	if !strings.Contains(buf.String(), "status=401") {
		t.Errorf("no debug record of the attempt:\n%s", buf.String())
	}
}
