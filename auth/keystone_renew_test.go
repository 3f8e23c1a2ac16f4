package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
)

// steeredKeystone is a fake Keystone that answers status (with
// Retry-After retryAfter, if set) until status is 201, and then issues
// tok-1, tok-2, ... valid for life from the test's clock.
type steeredKeystone struct {
	*fakeKeystone
	status     atomic.Int64
	retryAfter atomic.Value  // string
	slow       atomic.Int64  // how long each answer takes, in nanoseconds
	holdNext   atomic.Bool   // the next request gets no answer until release is closed
	held       chan struct{} // closed when that request has come
	release    chan struct{}
}

func newSteeredKeystone(t *testing.T, now func() time.Time, life time.Duration) *steeredKeystone {
	s := &steeredKeystone{fakeKeystone: newFakeKeystone(t, nil), held: make(chan struct{}), release: make(chan struct{})}
	s.status.Store(http.StatusCreated)
	s.retryAfter.Store("")
	var issued atomic.Int64
	s.answer = func(_ int64, w http.ResponseWriter) {
		if s.holdNext.CompareAndSwap(true, false) {
			close(s.held)
			<-s.release
			return
		}
		time.Sleep(time.Duration(s.slow.Load()))
		w.Header().Set("Content-Type", "application/json")
		if st := int(s.status.Load()); st != http.StatusCreated {
			if ra := s.retryAfter.Load().(string); ra != "" {
				w.Header().Set("Retry-After", ra)
			}
			w.WriteHeader(st)
			fmt.Fprintf(w, `{"error": {"code": %d, "title": %q, "message": "keystone is unwell"}}`, st, http.StatusText(st))
			return
		}
		w.Header().Set("X-Subject-Token", fmt.Sprint("tok-", issued.Add(1)))
		w.WriteHeader(http.StatusCreated)
		w.Write(tokenBody(now(), now().Add(life), nil))
	}
	return s
}

func (s *steeredKeystone) keystone(t *testing.T, now func() time.Time) *Keystone {
	t.Helper()
	k, err := NewKeystone(s.URL, KeystoneCredentials{UserID: "u1", Password: NewSecret("pw"), ProjectID: "p1"}, WithClock(now))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// authorize runs k.Authorize on a new request and returns its token.
func authorize(k *Keystone) (string, error) {
	req, _ := http.NewRequest(http.MethodGet, "https://nova.example.com/v2.1/servers", nil)
	err := k.Authorize(context.Background(), req)
	return req.Header.Get("X-Auth-Token"), err
}

// pauseOf returns the wait a token failure announces, and checks that it
// is Keystone's answer with status, typed.
func pauseOf(t *testing.T, err error, status int) time.Duration {
	t.Helper()
	var apiErr *cloudmigrate.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != status || apiErr.Method != http.MethodPost || !strings.HasSuffix(apiErr.URL, "/v3/auth/tokens") {
		t.Fatalf("error %v, want Keystone's %d as a *cloudmigrate.Error", err, status)
	}
	var hint interface{ RetryAfter() time.Duration }
	if !errors.As(err, &hint) {
		t.Fatalf("error %v does not say when Keystone is asked next", err)
	}
	return hint.RetryAfter()
}

// While token requests fail, the pause between them starts at 0.5 s and
// doubles (with up to a quarter of jitter) to at most 30 s; callers within
// a pause get the failure without a request; the first success ends the
// pauses, and the next failure starts again from 0.5 s.
func TestKeystonePausesBetweenFailedTokenRequests(t *testing.T) {
	now, advance := fixedClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	ks := newSteeredKeystone(t, now, time.Hour)
	ks.status.Store(http.StatusInternalServerError)
	k := ks.keystone(t, now)

	base := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second, 30 * time.Second}
	for i, want := range base {
		_, err := authorize(k)
		if got := ks.calls.Load(); got != int64(i+1) {
			t.Fatalf("failure %d: %d token requests, want %d", i+1, got, i+1)
		}
		pause := pauseOf(t, err, http.StatusInternalServerError)
		if hi := min(want+want/4, 30*time.Second); pause < want || pause > hi {
			t.Errorf("pause after failure %d: %v, want %v to %v", i+1, pause, want, hi)
		}
		// Within the pause: the same failure, no request.
		advance(pause - time.Millisecond)
		_, err = authorize(k)
		if left := pauseOf(t, err, http.StatusInternalServerError); left != time.Millisecond || ks.calls.Load() != int64(i+1) {
			t.Fatalf("within pause %d: %v left after %d token requests", i+1, left, ks.calls.Load())
		}
		advance(time.Millisecond)
	}

	// Keystone recovers: the next use gets a token at once.
	ks.status.Store(http.StatusCreated)
	if tok, err := authorize(k); err != nil || tok != "tok-1" {
		t.Fatalf("after recovery: %q, %v", tok, err)
	}
	// A new failure (the token refused, Keystone down again) starts from
	// the first pause.
	ks.status.Store(http.StatusServiceUnavailable)
	rejected, _ := http.NewRequest(http.MethodGet, "https://nova.example.com/", nil)
	rejected.Header.Set("X-Auth-Token", "tok-1")
	err := k.Renew(context.Background(), rejected)
	if pause := pauseOf(t, err, http.StatusServiceUnavailable); pause < 500*time.Millisecond || pause > 625*time.Millisecond {
		t.Errorf("pause after a success and a new failure: %v, want 0.5 s to 0.625 s", pause)
	}
}

// Keystone's Retry-After lengthens a pause, up to 30 s.
func TestKeystonePauseHonoursRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		retryAfter string
		min, max   time.Duration
	}{
		{"7", 7 * time.Second, 7 * time.Second},
		{"3600", 30 * time.Second, 30 * time.Second},
		{"0", 500 * time.Millisecond, 625 * time.Millisecond},
	} {
		t.Run(tc.retryAfter, func(t *testing.T) {
			now, _ := fixedClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
			ks := newSteeredKeystone(t, now, time.Hour)
			ks.status.Store(http.StatusServiceUnavailable)
			ks.retryAfter.Store(tc.retryAfter)
			_, err := authorize(ks.keystone(t, now))
			if pause := pauseOf(t, err, http.StatusServiceUnavailable); pause < tc.min || pause > tc.max {
				t.Errorf("Retry-After %s: pause %v, want %v to %v", tc.retryAfter, pause, tc.min, tc.max)
			}
		})
	}
}

// Many callers that need a token while Keystone fails cause one token
// request, and each gets Keystone's error.
func TestKeystoneShareOneFailureAmongCallers(t *testing.T) {
	now, _ := fixedClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	ks := newSteeredKeystone(t, now, time.Hour)
	ks.status.Store(http.StatusInternalServerError)
	ks.slow.Store(int64(20 * time.Millisecond))
	k := ks.keystone(t, now)
	const callers = 200
	var wg sync.WaitGroup
	errs := make([]error, callers)
	start := make(chan struct{})
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = authorize(k)
		}()
	}
	close(start)
	wg.Wait()
	if n := ks.calls.Load(); n != 1 {
		t.Errorf("%d token requests for %d callers, want 1", n, callers)
	}
	for i, err := range errs {
		pauseOf(t, err, http.StatusInternalServerError)
		if !strings.Contains(err.Error(), "next token request in") {
			t.Fatalf("caller %d: %v", i, err)
		}
	}
}

// A token due for renewal but not expired is still used while the
// renewal fails, without a request per use; once expired it is not.
func TestKeystoneKeepsAnUnexpiredTokenWhileRenewalFails(t *testing.T) {
	now, advance := fixedClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	ks := newSteeredKeystone(t, now, time.Hour)
	k := ks.keystone(t, now)
	if tok, err := authorize(k); err != nil || tok != "tok-1" {
		t.Fatalf("%q, %v", tok, err)
	}
	ks.status.Store(http.StatusBadGateway)
	advance(57 * time.Minute) // inside the 5 minute margin
	for i := range 3 {
		if tok, err := authorize(k); err != nil || tok != "tok-1" {
			t.Fatalf("use %d while renewal fails: %q, %v", i, tok, err)
		}
	}
	if n := ks.calls.Load(); n != 2 {
		t.Errorf("%d token requests, want 2: the first and one failed renewal", n)
	}
	advance(3 * time.Minute) // expired
	tok, err := authorize(k)
	if tok != "" {
		t.Fatalf("expired token %q used", tok)
	}
	pauseOf(t, err, http.StatusBadGateway)
}

// A token the service refused is not handed out again when its renewal
// fails: callers get the failure, and nothing is sent with it.
func TestKeystoneDropsARefusedTokenEvenIfRenewalFails(t *testing.T) {
	now, _ := fixedClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	ks := newSteeredKeystone(t, now, time.Hour)
	k := ks.keystone(t, now)
	tok, err := authorize(k)
	if err != nil {
		t.Fatal(err)
	}
	ks.status.Store(http.StatusInternalServerError)
	rejected, _ := http.NewRequest(http.MethodGet, "https://nova.example.com/", nil)
	rejected.Header.Set("X-Auth-Token", tok)
	pauseOf(t, k.Renew(context.Background(), rejected), http.StatusInternalServerError)
	got, err := authorize(k)
	if got != "" {
		t.Fatalf("refused token %q handed out again", got)
	}
	pauseOf(t, err, http.StatusInternalServerError)
	if _, err := k.TokenInfo(context.Background()); err == nil {
		t.Error("TokenInfo of a refused token")
	}
	if n := ks.calls.Load(); n != 2 {
		t.Errorf("%d token requests, want 2", n)
	}
}

// A token request abandoned by its caller (its context ended) says
// nothing about Keystone: it starts no pause, and the next caller asks.
func TestKeystoneAbandonedRequestStartsNoPause(t *testing.T) {
	now, _ := fixedClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	ks := newSteeredKeystone(t, now, time.Hour)
	k := ks.keystone(t, now)
	ks.holdNext.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { <-ks.held; cancel() }()
	if _, err := k.TokenInfo(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("TokenInfo: %v", err)
	}
	close(ks.release)
	if tok, err := authorize(k); err != nil || tok == "" {
		t.Fatalf("after an abandoned request: %q, %v", tok, err)
	}
	if n := ks.calls.Load(); n != 2 {
		t.Errorf("%d token requests, want 2", n)
	}
}
