package e2e

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate/manila/manilatest"
	"github.com/cloudmigrate/cloudmigrate/nova/novatest"
)

// Two hundred goroutines share one client of an OpenStack service when its
// token expires and Keystone fails its next three token requests: token
// requests pause after each failure (no second sees more than 3 of them),
// then one succeeds, and with the default retries every call succeeds,
// without a request per caller to Keystone or to the service.
func TestKeystoneFailingWhileTokensExpire(t *testing.T) {
	const (
		callers  = 200
		failures = 3
	)
	type service struct {
		name  string
		fake  injector
		issue string // the fake's token operation
		op    string // the operation the callers make
		call  func(ctx context.Context) error
		renew func()
	}
	services := []func(t *testing.T) service{
		func(t *testing.T) service {
			srv, c := newNovaFake(t)
			return service{"nova", srv, novatest.OpIssueToken, novatest.OpListServerMigrations,
				func(ctx context.Context) error { _, err := c.ListServerMigrations(ctx, novaServer); return err },
				srv.ExpireTokens}
		},
		func(t *testing.T) service {
			srv, c := newManilaFake(t)
			return service{"manila", srv, manilatest.OpIssueToken, manilatest.OpGetShareServer,
				func(ctx context.Context) error { _, err := c.GetShareServer(ctx, manilaServer); return err },
				srv.ExpireTokens}
		},
	}
	for _, mk := range services {
		svc := mk(t)
		t.Run(svc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := svc.call(ctx); err != nil {
				t.Fatal(err)
			}
			tokensBefore := svc.fake.Calls(svc.issue)
			svc.renew()
			svc.fake.FailNext(svc.issue, failures, http.StatusInternalServerError)

			// Note when each token request arrives.
			var (
				mu    sync.Mutex
				times []time.Duration
			)
			began := time.Now()
			stopWatch := make(chan struct{})
			watched := make(chan struct{})
			go func() {
				defer close(watched)
				seen := tokensBefore
				for {
					if n := svc.fake.Calls(svc.issue); n > seen {
						mu.Lock()
						for ; seen < n; seen++ {
							times = append(times, time.Since(began))
						}
						mu.Unlock()
					}
					select {
					case <-stopWatch:
						return
					case <-time.After(2 * time.Millisecond):
					}
				}
			}()

			var wg sync.WaitGroup
			var failed atomic.Int64
			firstErr := make(chan error, 1)
			for range callers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := svc.call(ctx); err != nil && failed.Add(1) == 1 {
						firstErr <- err
					}
				}()
			}
			wg.Wait()
			close(stopWatch)
			<-watched
			t.Logf("token requests at %v; all %d calls done after %v", times, callers, time.Since(began).Round(time.Millisecond))
			if n := failed.Load(); n > 0 {
				t.Fatalf("%d calls failed, the first with: %v", n, <-firstErr)
			}
			if n := svc.fake.Calls(svc.issue) - tokensBefore; n != failures+1 {
				t.Errorf("%d token requests, want %d failed and 1 that succeeded", n, failures)
			}
			for i, at := range times {
				n := 0
				for _, other := range times[i:] {
					if other-at < time.Second {
						n++
					}
				}
				if n > 3 {
					t.Errorf("%d token requests within a second of %v", n, at)
				}
			}
			// Each caller sent at most one request with the expired token
			// and one with the new one.
			if n := svc.fake.Calls(svc.op); n > 1+2*callers {
				t.Errorf("the service got %d requests for %d calls", n, callers)
			}
		})
	}
}
