package rest

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
)

// stopper ends a call's context after 50 ms, by cancelling it or by its
// deadline, and names the error that must come back.
type stopper struct {
	name string
	ctx  func() (context.Context, context.CancelFunc)
	want error
}

var stoppers = []stopper{
	{"cancelled", func() (context.Context, context.CancelFunc) {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		return ctx, cancel
	}, context.Canceled},
	{"deadline", func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.Background(), 50*time.Millisecond)
	}, context.DeadlineExceeded},
}

// Ending the context while the pipeline waits to try again returns an
// error that is both the context's and the failure being retried: a 429
// whose Retry-After is being waited out (for a read and for a request that
// starts a migration), a 5xx of a read in back-off.
func TestStoppedWhileWaitingKeepsTheAnswer(t *testing.T) {
	cases := []struct {
		name   string
		method string
		status int
		header http.Header
		opts   []cloudmigrate.Option
	}{
		{"429 Retry-After, GET", http.MethodGet, http.StatusTooManyRequests, http.Header{"Retry-After": {"30"}}, nil},
		{"429 Retry-After, POST", http.MethodPost, http.StatusTooManyRequests, http.Header{"Retry-After": {"30"}}, nil},
		{"429 back-off", http.MethodPost, http.StatusTooManyRequests, nil,
			[]cloudmigrate.Option{cloudmigrate.WithRetryWait(10*time.Second, 20*time.Second)}},
		{"503 back-off, GET", http.MethodGet, http.StatusServiceUnavailable, nil,
			[]cloudmigrate.Option{cloudmigrate.WithRetryWait(10*time.Second, 20*time.Second)}},
		{"502 back-off, DELETE", http.MethodDelete, http.StatusBadGateway, nil,
			[]cloudmigrate.Option{cloudmigrate.WithRetryWait(10*time.Second, 20*time.Second)}},
	}
	for _, tc := range cases {
		for _, st := range stoppers {
			t.Run(tc.name+"/"+st.name, func(t *testing.T) {
				var calls atomic.Int64
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					_, _ = io.Copy(io.Discard, r.Body)
					calls.Add(1)
					for k, v := range tc.header {
						w.Header()[k] = v
					}
					w.Header().Set("X-Request-Id", "req-wait")
					w.WriteHeader(tc.status)
					_, _ = io.WriteString(w, `{"error_code":"APIGW.0308","error_msg":"slow down"}`)
				}))
				defer srv.Close()
				c, err := New(srv.URL, nil, tc.opts)
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := st.ctx()
				defer cancel()
				begin := time.Now()
				_, err = c.Do(ctx, &Request{Method: tc.method, Path: "/servers/s1/action", Body: map[string]any{"migrate": nil}})
				took := time.Since(begin)
				var apiErr *cloudmigrate.Error
				if !errors.Is(err, st.want) || !errors.As(err, &apiErr) {
					t.Fatalf("Do: %v; want both %v and the %d answer", err, st.want, tc.status)
				}
				if apiErr.StatusCode != tc.status || apiErr.RequestID != "req-wait" || apiErr.Attempts != 1 || calls.Load() != 1 {
					t.Errorf("the answer: %+v after %d requests", apiErr, calls.Load())
				}
				if took > time.Second {
					t.Errorf("returned %v after the call began", took)
				}
			})
		}
	}
}

// The same when the context ends during the try after a 429 (the server
// holds the second request): the 429 is still in the error.
func TestStoppedDuringTheRetryKeepsTheAnswer(t *testing.T) {
	for _, st := range stoppers {
		t.Run(st.name, func(t *testing.T) {
			var calls atomic.Int64
			release := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) > 1 {
					select {
					case <-r.Context().Done():
					case <-release:
					}
					return
				}
				w.WriteHeader(http.StatusTooManyRequests)
			}))
			defer srv.Close()
			defer close(release)
			c, err := New(srv.URL, nil, []cloudmigrate.Option{cloudmigrate.WithRetryWait(time.Millisecond, 2*time.Millisecond)})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := st.ctx()
			defer cancel()
			_, err = c.Do(ctx, &Request{Method: http.MethodGet, Path: "/x"})
			var apiErr *cloudmigrate.Error
			if !errors.Is(err, st.want) || !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusTooManyRequests || calls.Load() != 2 {
				t.Fatalf("Do: %v after %d requests; want %v and the 429", err, calls.Load(), st.want)
			}
		})
	}
}

// The same while waiting to retry a read that got no answer: the network
// error stays reachable, and the error counts the attempt.
func TestStoppedWhileWaitingAfterANetworkError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: every dial is refused
	for _, st := range stoppers {
		t.Run(st.name, func(t *testing.T) {
			c, err := New("http://"+addr, nil, []cloudmigrate.Option{cloudmigrate.WithRetryWait(10*time.Second, 20*time.Second)})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := st.ctx()
			defer cancel()
			_, err = c.Do(ctx, &Request{Method: http.MethodGet, Path: "/x"})
			var opErr *net.OpError
			if !errors.Is(err, st.want) || !errors.As(err, &opErr) || opErr.Op != "dial" {
				t.Fatalf("Do: %v; want %v and the dial error", err, st.want)
			}
			if want := "1 attempt: "; !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not count the attempt", err)
			}
		})
	}
}

// A context that ends with no failure to retry yet gives the context's
// error alone, wrapped with the request.
func TestStoppedBeforeAnyAnswer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer srv.Close()
	c, err := New(srv.URL, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = c.Do(ctx, &Request{Method: http.MethodGet, Path: "/x"})
	var apiErr *cloudmigrate.Error
	if !errors.Is(err, context.DeadlineExceeded) || errors.As(err, &apiErr) || !strings.Contains(err.Error(), "GET "+srv.URL+"/x") {
		t.Fatalf("Do: %v", err)
	}
}
