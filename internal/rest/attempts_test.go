package rest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
)

// tokenService is a loopback Keystone that issues tok-1, tok-2, ... with
// an hour of life, or answers 500 while down says so. It records when each
// token request arrived.
type tokenService struct {
	*httptest.Server
	down func() bool // nil: always up

	mu    sync.Mutex
	times []time.Time
	n     int
}

func newTokenService(t *testing.T, down func() bool) *tokenService {
	t.Helper()
	ks := &tokenService{down: down}
	ks.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		now := time.Now()
		ks.mu.Lock()
		ks.times = append(ks.times, now)
		isDown := ks.down != nil && ks.down()
		if !isDown {
			ks.n++
		}
		n := ks.n
		ks.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Openstack-Request-Id", fmt.Sprintf("req-ks-%d", len(ks.times)))
		if isDown {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, `{"error": {"code": 500, "title": "Internal Server Error", "message": "An unexpected error prevented the server from fulfilling your request."}}`)
			return
		}
		w.Header().Set("X-Subject-Token", fmt.Sprint("tok-", n))
		w.WriteHeader(http.StatusCreated)
		stamp := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }
		_, _ = fmt.Fprintf(w, `{"token": {"methods": ["password"], "issued_at": %q, "expires_at": %q, "user": {"id": "u1", "name": "alice", "domain": {"id": "default", "name": "Default"}}, "project": {"id": "p1", "name": "demo", "domain": {"id": "default", "name": "Default"}}}}`,
			stamp(now), stamp(now.Add(time.Hour)))
	}))
	t.Cleanup(ks.Close)
	return ks
}

// requests returns when each token request arrived.
func (ks *tokenService) requests() []time.Time {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	return append([]time.Time(nil), ks.times...)
}

func (ks *tokenService) tokenURL() string { return ks.URL + "/v3/auth/tokens" }

func (ks *tokenService) keystone(t *testing.T) *auth.Keystone {
	t.Helper()
	k, err := auth.NewKeystone(ks.URL+"/v3", auth.KeystoneCredentials{UserID: "u1", Password: auth.NewSecret("pw"), ProjectID: "p1"})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// scripted is a loopback service answering request n (from 1) with
// statuses[n-1], and 200 {"ok":true} once the script is over. It counts
// the requests it receives.
type scripted struct {
	*httptest.Server
	calls atomic.Int64
}

func newScripted(t *testing.T, statuses ...int) *scripted {
	t.Helper()
	s := &scripted{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		n := int(s.calls.Add(1))
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", fmt.Sprint("req-", n))
		status := http.StatusOK
		if n <= len(statuses) {
			status = statuses[n-1]
		}
		switch status {
		case http.StatusOK, http.StatusAccepted:
			w.WriteHeader(status)
			_, _ = io.WriteString(w, `{"ok":true}`)
		case http.StatusTooManyRequests:
			w.WriteHeader(status)
			_, _ = io.WriteString(w, `{"error_code":"APIGW.0308","error_msg":"The request is throttled."}`)
		default:
			w.WriteHeader(status)
			_, _ = fmt.Fprintf(w, `{"error_code":"SVC.%d","error_msg":"answer %d"}`, status, n)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// Attempts counts every request that reached the HTTP client, the replay
// after a renewed token included, for a renewing token (Keystone) and for
// one that cannot renew (a static token); the replay is not counted
// against WithRetry.
func TestAttemptsCountEveryRequestSent(t *testing.T) {
	type want struct {
		status   int // of the error; 0 for success
		attempts int
		tokens   int // token requests, including the first
	}
	cases := []struct {
		name     string
		method   string
		statuses []int
		retries  int
		keystone want
		static   want
	}{
		{"401 then 200", http.MethodGet, []int{401, 200}, 4,
			want{0, 2, 2}, want{401, 1, 0}},
		{"401 then 200 for a POST", http.MethodPost, []int{401, 202}, 4,
			want{0, 2, 2}, want{401, 1, 0}},
		{"401 then 401", http.MethodGet, []int{401, 401, 200}, 4,
			want{401, 2, 2}, want{401, 1, 0}},
		{"401 then 500, not retried", http.MethodGet, []int{401, 500, 200}, 4,
			want{500, 2, 2}, want{401, 1, 0}},
		{"401 then 503 retried", http.MethodGet, []int{401, 503, 503, 200}, 4,
			want{0, 4, 2}, want{401, 1, 0}},
		{"503 then 401 then 503 retried", http.MethodGet, []int{503, 401, 503, 200}, 4,
			want{0, 4, 2}, want{401, 2, 0}},
		{"a 429 chain", http.MethodPost, []int{429, 429, 200}, 4,
			want{0, 3, 1}, want{0, 3, 0}},
		{"a 429 chain through a 401", http.MethodPost, []int{429, 401, 429, 202}, 4,
			want{0, 4, 2}, want{401, 2, 0}},
		{"a 429 chain past the retries", http.MethodPost, []int{429, 429, 429, 429}, 2,
			want{429, 3, 1}, want{429, 3, 0}},
		// The replay is on top of the retries: 1 + 2 retries + 1 replay.
		{"the replay does not use up a retry", http.MethodGet, []int{401, 503, 503, 503, 200}, 2,
			want{503, 4, 2}, want{401, 1, 0}},
	}
	for _, tc := range cases {
		for _, kind := range []string{"keystone", "static"} {
			t.Run(tc.name+"/"+kind, func(t *testing.T) {
				svc := newScripted(t, tc.statuses...)
				ks := newTokenService(t, nil)
				var authz auth.Authorizer = auth.StaticToken("static")
				w := tc.static
				if kind == "keystone" {
					authz, w = ks.keystone(t), tc.keystone
				}
				c, err := New(svc.URL, authz, []cloudmigrate.Option{
					cloudmigrate.WithRetry(tc.retries),
					cloudmigrate.WithRetryWait(time.Millisecond, 2*time.Millisecond),
				})
				if err != nil {
					t.Fatal(err)
				}
				var body any
				if tc.method == http.MethodPost {
					body = map[string]any{"migrate": nil}
				}
				res, err := c.Do(context.Background(), &Request{Method: tc.method, Path: "/servers/s1/action", Body: body, Out: new(map[string]any)})
				sent := int(svc.calls.Load())
				if sent != w.attempts {
					t.Errorf("the service got %d requests, want %d", sent, w.attempts)
				}
				if n := len(ks.requests()); n != w.tokens {
					t.Errorf("%d token requests, want %d", n, w.tokens)
				}
				if w.status == 0 {
					if err != nil {
						t.Fatalf("Do: %v", err)
					}
					if res.Attempts != sent {
						t.Errorf("Response.Attempts = %d, the service got %d requests", res.Attempts, sent)
					}
					return
				}
				var apiErr *cloudmigrate.Error
				if !errors.As(err, &apiErr) || apiErr.StatusCode != w.status {
					t.Fatalf("Do: %v, want a %d *cloudmigrate.Error", err, w.status)
				}
				if apiErr.Attempts != sent {
					t.Errorf("Error.Attempts = %d, the service got %d requests", apiErr.Attempts, sent)
				}
				if apiErr.RequestID != fmt.Sprint("req-", sent) {
					t.Errorf("RequestID %q is not the last answer's", apiErr.RequestID)
				}
				if sent > 1 && !strings.Contains(err.Error(), fmt.Sprintf("after %d attempts", sent)) {
					t.Errorf("the error text does not count %d attempts: %v", sent, err)
				}
			})
		}
	}
}

// flakyAuthz fails its first Authorize with a transient error: nothing is
// sent then.
type flakyAuthz struct{ calls atomic.Int64 }

func (a *flakyAuthz) Authorize(_ context.Context, req *http.Request) error {
	if a.calls.Add(1) == 1 {
		return &cloudmigrate.Error{StatusCode: http.StatusServiceUnavailable, Message: "identity service unavailable"}
	}
	req.Header.Set("X-Auth-Token", "t")
	return nil
}

// A try that failed before anything was sent uses up a retry but is not an
// attempt: Attempts counts requests, and so does the error text.
func TestAttemptsLeaveOutTriesThatSentNothing(t *testing.T) {
	svc := newScripted(t, 503, 200)
	az := &flakyAuthz{}
	c, err := New(svc.URL, az, []cloudmigrate.Option{cloudmigrate.WithRetryWait(time.Millisecond, 2*time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Do(context.Background(), &Request{Method: http.MethodGet, Path: "/x"})
	if err != nil || res.Attempts != 2 || svc.calls.Load() != 2 || az.calls.Load() != 3 {
		t.Fatalf("Do = %+v, %v: %d requests, %d authorizations; want 2 attempts, 2 requests, 3 authorizations",
			res, err, svc.calls.Load(), az.calls.Load())
	}

	svc = newScripted(t, 503, 503, 503)
	az = &flakyAuthz{}
	c, err = New(svc.URL, az, []cloudmigrate.Option{cloudmigrate.WithRetry(2), cloudmigrate.WithRetryWait(time.Millisecond, 2*time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Do(context.Background(), &Request{Method: http.MethodGet, Path: "/x"})
	var apiErr *cloudmigrate.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || apiErr.Attempts != 2 || svc.calls.Load() != 2 {
		t.Fatalf("Do: %v after %d requests; want a 503 after 2 attempts (one retry went to the authorizer)", err, svc.calls.Load())
	}
}
