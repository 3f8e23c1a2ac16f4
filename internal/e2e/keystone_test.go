package e2e

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate/nova/novatest"
)

// A hundred goroutines share one client, and so one Keystone authorizer.
// When the token expires, whether between calls or while calls are in
// flight, exactly one new token is fetched and every call succeeds.
func TestSharedKeystoneAuthorizerRenewsOnce(t *testing.T) {
	const workers = 100
	srv, c := newNovaFake(t)
	ctx := context.Background()
	if _, err := c.ListServerMigrations(ctx, novaServer); err != nil {
		t.Fatal(err)
	}
	if n := srv.TokensIssued(); n != 1 {
		t.Fatalf("%d tokens after the first call, want 1", n)
	}

	// run starts the workers together, each making calls calls; once the
	// fake has received trigger of them, it calls during (if not nil).
	run := func(calls int, trigger int, during func()) {
		t.Helper()
		var (
			wg    sync.WaitGroup
			start = make(chan struct{})
			fail  atomic.Int64
			first = make(chan error, 1)
		)
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for range calls {
					if _, err := c.ListServerMigrations(ctx, novaServer); err != nil {
						if fail.Add(1) == 1 {
							first <- err
						}
						return
					}
				}
			}()
		}
		base := srv.Calls(novatest.OpListServerMigrations)
		close(start)
		if during != nil {
			if !eventually(10*time.Second, func() bool { return srv.Calls(novatest.OpListServerMigrations)-base >= trigger }) {
				t.Fatalf("the workers never made %d calls", trigger)
			}
			during()
		}
		wg.Wait()
		if n := fail.Load(); n > 0 {
			t.Fatalf("%d workers failed, the first with: %v", n, <-first)
		}
	}

	// Expired between calls: the first 401s of all workers lead to one
	// renewal.
	srv.ExpireTokens()
	run(1, 0, nil)
	if n := srv.TokensIssued(); n != 2 {
		t.Errorf("%d tokens after expiry between calls, want 2", n)
	}

	// Expired while calls are in flight.
	run(4, workers*2, srv.ExpireTokens)
	if n := srv.TokensIssued(); n != 3 {
		t.Errorf("%d tokens after expiry during calls, want 3", n)
	}
	if n := srv.Calls(novatest.OpIssueToken); n != 3 {
		t.Errorf("%d token requests, want 3", n)
	}
	// Each worker call is one request, plus one replay for each call
	// refused with the expired token.
	calls := srv.Calls(novatest.OpListServerMigrations)
	if min := 1 + workers*(1+4); calls < min || calls > min+2*workers {
		t.Errorf("%d calls, want %d plus at most one replay per worker and expiry", calls, min)
	}
	t.Logf("%d list calls for %d worker calls", calls, workers*5)
}
