package rest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-cleanhttp"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
)

// observed is one attempt as an observer saw it.
type observed struct {
	info   cloudmigrate.AttemptInfo
	result cloudmigrate.AttemptResult
	ends   int // how many times the end function was called
}

// attemptKey marks the context an observer returns.
type attemptKey struct{}

// recorder is an Observer that keeps every attempt, returns a context
// holding the attempt's position, and adds an X-Trace header naming it.
type recorder struct {
	mu       sync.Mutex
	attempts []*observed
}

func (o *recorder) StartAttempt(ctx context.Context, info cloudmigrate.AttemptInfo) (context.Context, func(cloudmigrate.AttemptResult)) {
	o.mu.Lock()
	a := &observed{info: info}
	o.attempts = append(o.attempts, a)
	n := len(o.attempts)
	o.mu.Unlock()
	info.Header.Set("X-Trace", fmt.Sprint("try-", n))
	return context.WithValue(ctx, attemptKey{}, n), func(r cloudmigrate.AttemptResult) {
		o.mu.Lock()
		defer o.mu.Unlock()
		a.result = r
		a.ends++
	}
}

func (o *recorder) seen() []observed {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]observed, len(o.attempts))
	for i, a := range o.attempts {
		out[i] = *a
	}
	return out
}

// ctxAuthz sets a token and records, per try, the attempt context's mark
// and whether X-Trace was already there: the authorizer runs inside the
// observer's attempt. fail makes try n (from 1) fail with err instead.
type ctxAuthz struct {
	mu    sync.Mutex
	marks []any
	trace []string
	fail  map[int]error
	token string
}

func (a *ctxAuthz) Authorize(ctx context.Context, req *http.Request) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.marks = append(a.marks, ctx.Value(attemptKey{}))
	a.trace = append(a.trace, req.Header.Get("X-Trace"))
	if err := a.fail[len(a.marks)]; err != nil {
		return err
	}
	tok := a.token
	if tok == "" {
		tok = "tok"
	}
	req.Header.Set("X-Auth-Token", tok)
	return nil
}

// renewingAuthz is a ctxAuthz whose token "old" becomes "new" on Renew.
type renewingAuthz struct {
	ctxAuthz
	renewals atomic.Int32
}

func (a *renewingAuthz) Renew(context.Context, *http.Request) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.renewals.Add(1)
	a.token = "new"
	return nil
}

// plannedService answers request n (from 1) as plan[n-1] says and 200
// {"ok":true} after the plan: a status, or 0 to close the connection
// without an answer. It refuses the token "old" with 401, and records each
// request's X-Trace header.
type plannedService struct {
	*httptest.Server
	mu     sync.Mutex
	traces []string
	paths  []string
}

func newPlannedService(t *testing.T, plan ...int) *plannedService {
	t.Helper()
	s := &plannedService{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		s.mu.Lock()
		s.traces = append(s.traces, r.Header.Get("X-Trace"))
		s.paths = append(s.paths, r.URL.RequestURI())
		n := len(s.traces)
		s.mu.Unlock()
		status := http.StatusOK
		if n <= len(plan) {
			status = plan[n-1]
		}
		if r.Header.Get("X-Auth-Token") == "old" {
			status = http.StatusUnauthorized
		}
		if status == 0 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", fmt.Sprint("req-", n))
		switch status {
		case http.StatusOK:
			w.WriteHeader(status)
			_, _ = io.WriteString(w, `{"ok":true}`)
		case http.StatusTooManyRequests:
			w.WriteHeader(status)
			_, _ = io.WriteString(w, `{"error_code":"APIGW.0308","error_msg":"The request is throttled."}`)
		case http.StatusUnauthorized:
			w.WriteHeader(status)
			_, _ = io.WriteString(w, `{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}`)
		default:
			w.WriteHeader(status)
			_, _ = fmt.Fprintf(w, `{"error_code":"SVC.%d","error_msg":"answer %d"}`, status, n)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *plannedService) seen() (traces, paths []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.traces...), append([]string(nil), s.paths...)
}

// wantAttempt is what one observed attempt must show.
type wantAttempt struct {
	attempt int
	retry   cloudmigrate.RetryReason
	status  int    // of the result; 0 for none
	errCode string // the *cloudmigrate.Error's Code; "" for no *Error
	failed  bool   // the result carries an error
}

func checkAttempts(t *testing.T, got []observed, want []wantAttempt) {
	t.Helper()
	if len(got) != len(want) {
		for i, g := range got {
			t.Logf("attempt %d: %+v %+v", i+1, g.info, g.result)
		}
		t.Fatalf("observed %d attempts, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.ends != 1 {
			t.Errorf("try %d: end called %d times, want once", i+1, g.ends)
		}
		if g.info.Attempt != w.attempt || g.info.Retry != w.retry {
			t.Errorf("try %d: Attempt %d Retry %q, want %d %q", i+1, g.info.Attempt, g.info.Retry, w.attempt, w.retry)
		}
		if g.result.StatusCode != w.status {
			t.Errorf("try %d: status %d, want %d", i+1, g.result.StatusCode, w.status)
		}
		if (g.result.Err != nil) != w.failed {
			t.Errorf("try %d: Err %v, want failed=%v", i+1, g.result.Err, w.failed)
		}
		var apiErr *cloudmigrate.Error
		if w.errCode != "" && (!errors.As(g.result.Err, &apiErr) || apiErr.Code != w.errCode || apiErr.StatusCode != w.status) {
			t.Errorf("try %d: Err %v, want an *Error %d %s", i+1, g.result.Err, w.status, w.errCode)
		}
		if w.status != 0 && g.result.RequestID == "" {
			t.Errorf("try %d: no request ID", i+1)
		}
		if g.result.Duration <= 0 {
			t.Errorf("try %d: duration %v", i+1, g.result.Duration)
		}
	}
}

func observedClient(t *testing.T, srv *httptest.Server, authz auth.Authorizer, o cloudmigrate.Observer) *Client {
	t.Helper()
	c, err := New(srv.URL+"/v1", authz, []cloudmigrate.Option{
		cloudmigrate.WithRetryWait(time.Millisecond, 2*time.Millisecond),
		cloudmigrate.WithObserver(o),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A read answered 429, then 503, then 200: three attempts, numbered 1 to
// 3, the second sent again because it was throttled and the third because
// of the 5xx. Each is described with the operation, the path template and
// the full URL, is sent with the observer's context and headers, and is
// ended once with its status, request ID and error.
func TestObserverSeesEveryAttemptOfARetriedCall(t *testing.T) {
	srv := newPlannedService(t, http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusOK)
	o := &recorder{}
	az := &ctxAuthz{}
	c := observedClient(t, srv.Server, az, o)

	var out struct{ OK bool }
	res, err := c.Do(context.Background(), &Request{
		Op:     "svc.GetThing",
		Method: http.MethodGet,
		Path:   "/projects/{project_id}/things/{thing_id}",
		Params: []string{"p1", "t1"},
		Query:  url.Values{"limit": {"5"}},
		Out:    &out,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !out.OK || res.Attempts != 3 {
		t.Fatalf("out %+v, %d attempts", out, res.Attempts)
	}
	got := o.seen()
	checkAttempts(t, got, []wantAttempt{
		{attempt: 1, status: 429, errCode: "APIGW.0308", failed: true},
		{attempt: 2, retry: cloudmigrate.RetryThrottled, status: 503, errCode: "SVC.503", failed: true},
		{attempt: 3, retry: cloudmigrate.RetryServerError, status: 200},
	})
	wantURL := srv.URL + "/v1/projects/p1/things/t1?limit=5"
	for i, g := range got {
		if g.info.Operation != "svc.GetThing" || g.info.Method != http.MethodGet ||
			g.info.Path != "/projects/{project_id}/things/{thing_id}" || g.info.URL != wantURL {
			t.Errorf("try %d: %+v", i+1, g.info)
		}
		if want := fmt.Sprint("req-", i+1); g.result.RequestID != want {
			t.Errorf("try %d: request ID %q, want %q", i+1, g.result.RequestID, want)
		}
		// The observer keeps the headers it was shown; the credentials
		// went into the request's own copy.
		if g.info.Header.Get("X-Auth-Token") != "" || g.info.Header.Get("Accept") != "application/json" {
			t.Errorf("try %d: observer was shown headers %v", i+1, g.info.Header)
		}
	}
	traces, _ := srv.seen()
	if strings.Join(traces, ",") != "try-1,try-2,try-3" {
		t.Errorf("service saw X-Trace %q", traces)
	}
	if fmt.Sprint(az.marks) != "[1 2 3]" || strings.Join(az.trace, ",") != "try-1,try-2,try-3" {
		t.Errorf("authorizer saw contexts %v and X-Trace %q: want the observer's", az.marks, az.trace)
	}
}

// A 401 with a renewable token: the first attempt ends with the 401, the
// replay is attempt 2, sent again because the token was renewed.
func TestObserverSeesTheReplayAfterARenewedToken(t *testing.T) {
	srv := newPlannedService(t)
	o := &recorder{}
	az := &renewingAuthz{ctxAuthz: ctxAuthz{token: "old"}}
	c := observedClient(t, srv.Server, az, o)

	res, err := c.Do(context.Background(), &Request{Op: "svc.Start", Method: http.MethodPost, Path: "/things", Body: map[string]int{"n": 1}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Attempts != 2 || az.renewals.Load() != 1 {
		t.Fatalf("%d attempts, %d renewals", res.Attempts, az.renewals.Load())
	}
	checkAttempts(t, o.seen(), []wantAttempt{
		{attempt: 1, status: 401, errCode: "Unauthorized", failed: true},
		{attempt: 2, retry: cloudmigrate.RetryTokenRenewed, status: 200},
	})
}

// A try whose credentials cannot be had sends nothing: it is observed with
// its failure and no status, and the try after it, sent again for the
// credentials, keeps its number. A read that loses its connection is sent
// again for the network.
func TestObserverSeesCredentialAndNetworkRetries(t *testing.T) {
	srv := newPlannedService(t, 0)
	o := &recorder{}
	keystoneDown := &cloudmigrate.Error{StatusCode: http.StatusServiceUnavailable, Code: "ks.down", Message: "identity service unavailable"}
	az := &ctxAuthz{fail: map[int]error{1: keystoneDown}}
	c := observedClient(t, srv.Server, az, o)

	res, err := c.Do(context.Background(), &Request{Op: "svc.List", Method: http.MethodGet, Path: "/things"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Attempts != 2 {
		t.Fatalf("%d attempts, want 2", res.Attempts)
	}
	got := o.seen()
	checkAttempts(t, got, []wantAttempt{
		{attempt: 1, failed: true},
		{attempt: 1, retry: cloudmigrate.RetryCredentials, failed: true},
		{attempt: 2, retry: cloudmigrate.RetryNetwork, status: 200},
	})
	if !errors.Is(got[0].result.Err, keystoneDown) {
		t.Errorf("first try's error %v does not wrap the authorizer's", got[0].result.Err)
	}
	if traces, _ := srv.seen(); len(traces) != 2 {
		t.Errorf("service got %d requests, want 2", len(traces))
	}
}

// A request that may start a migration and gets a 503 is not sent again:
// one attempt, ended with the 503.
func TestObserverSeesAnUnrepeatedStart(t *testing.T) {
	srv := newPlannedService(t, http.StatusServiceUnavailable)
	o := &recorder{}
	c := observedClient(t, srv.Server, &ctxAuthz{}, o)
	_, err := c.Do(context.Background(), &Request{Op: "svc.Migrate", Method: http.MethodPost, Path: "/things/{id}/migrate", Params: []string{"t1"}, Body: map[string]int{}})
	var apiErr *cloudmigrate.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 {
		t.Fatalf("err %v, want the 503", err)
	}
	checkAttempts(t, o.seen(), []wantAttempt{{attempt: 1, status: 503, errCode: "SVC.503", failed: true}})
}

// An observer may return a nil context and a nil end function: the
// attempt goes out with the call's context and nothing is called after.
func TestObserverMayReturnNothing(t *testing.T) {
	srv := newPlannedService(t, http.StatusServiceUnavailable)
	var starts atomic.Int32
	o := cloudmigrate.ObserverFunc(func(context.Context, cloudmigrate.AttemptInfo) (context.Context, func(cloudmigrate.AttemptResult)) {
		starts.Add(1)
		return nil, nil
	})
	c := observedClient(t, srv.Server, &ctxAuthz{}, o)
	if _, err := c.Do(context.Background(), &Request{Method: http.MethodGet, Path: "/things"}); err != nil {
		t.Fatal(err)
	}
	if starts.Load() != 2 {
		t.Errorf("%d starts, want 2", starts.Load())
	}
}

// WithObserver(nil) removes an observer set before it, and a nil
// ObserverFunc counts as none.
func TestWithObserverNilRemoves(t *testing.T) {
	o := &recorder{}
	var nilFunc cloudmigrate.ObserverFunc
	for name, opts := range map[string][]cloudmigrate.Option{
		"nil":        {cloudmigrate.WithObserver(o), cloudmigrate.WithObserver(nil)},
		"nil func":   {cloudmigrate.WithObserver(nilFunc)},
		"replaced":   {cloudmigrate.WithObserver(nilFunc), cloudmigrate.WithObserver(o)},
		"never sent": nil,
	} {
		c, err := New("https://svc.example.com", nil, opts)
		if err != nil {
			t.Fatal(err)
		}
		want := name == "replaced"
		if (c.obs != nil) != want {
			t.Errorf("%s: observer set = %v, want %v", name, c.obs != nil, want)
		}
	}
}

// BenchmarkPipelineGetObserved is BenchmarkPipelineGet with an observer
// that does nothing but return: the cost of observing an attempt.
func BenchmarkPipelineGetObserved(b *testing.B) {
	srv := benchServer(b)
	end := func(cloudmigrate.AttemptResult) {}
	o := cloudmigrate.ObserverFunc(func(ctx context.Context, _ cloudmigrate.AttemptInfo) (context.Context, func(cloudmigrate.AttemptResult)) {
		return ctx, end
	})
	c, err := New(srv.URL, auth.StaticToken("t"), []cloudmigrate.Option{cloudmigrate.WithHTTPClient(cleanhttp.DefaultPooledClient()), cloudmigrate.WithObserver(o)})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var job benchJob
		if _, err := c.Do(ctx, &Request{Op: "bench.GetJob", Method: http.MethodGet, Path: "/v1/{project_id}/jobs/{job_id}", Params: []string{"p1", "j1"}, Out: &job}); err != nil {
			b.Fatal(err)
		}
	}
}
