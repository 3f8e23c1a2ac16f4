package osapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/rest"
)

var (
	v21  = auth.MustParseMicroversion("2.1")
	v280 = auth.MustParseMicroversion("2.80")
	v2   = auth.MustParseMicroversion("2.0")
	v299 = auth.MustParseMicroversion("2.99")
)

// versionServer answers the version documents like nova (singular
// "version" under /v2.1/) or manila (a 300 list at /).
func versionServer(t *testing.T, handler func(w http.ResponseWriter, r *http.Request)) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		handler(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func newRest(t *testing.T, endpoint string) *rest.Client {
	t.Helper()
	rc, err := rest.New(endpoint, nil, []cloudmigrate.Option{cloudmigrate.WithRetry(0)})
	if err != nil {
		t.Fatal(err)
	}
	return rc
}

func TestNovaStyleDiscoveryClampsToTheSDK(t *testing.T) {
	srv, calls := versionServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/compute/v2.1/" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(`{"version": {"id": "v2.1", "status": "CURRENT", "version": "2.104", "min_version": "2.1"}}`))
	})
	n, err := NewNegotiator(newRest(t, srv.URL+"/compute/v2.1"), "compute", "", v21, v280)
	if err != nil {
		t.Fatal(err)
	}
	info, err := n.Version(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.InUse != v280 || info.ServerMax.String() != "2.104" || info.ServerMin != v21 {
		t.Errorf("info = %+v", info)
	}
	if _, err := n.Version(context.Background()); err != nil || calls.Load() != 1 {
		t.Errorf("second call: %v, %d requests", err, calls.Load())
	}
}

func TestManilaStyleDiscoveryFromTheRootList(t *testing.T) {
	srv, _ := versionServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r) // the versioned root is missing: fall back to /
			return
		}
		w.WriteHeader(http.StatusMultipleChoices)
		_, _ = w.Write([]byte(`{"versions": [{"id": "v1.0", "status": "DEPRECATED", "version": "", "min_version": ""},
			{"id": "v2.0", "status": "CURRENT", "version": "2.65", "min_version": "2.0"}]}`))
	})
	n, _ := NewNegotiator(newRest(t, srv.URL+"/v2/proj1"), "share", "", v2, v299)
	info, err := n.Version(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.InUse.String() != "2.65" {
		t.Errorf("in use %s, want the server's max 2.65", info.InUse)
	}
	_, err = n.Require(context.Background(), "share-server migration", auth.MustParseMicroversion("2.70"), auth.Microversion{})
	var ve *cloudmigrate.VersionError
	if !errors.As(err, &ve) || ve.Min != "2.70" || ve.InUse != "2.65" || ve.ServerMax != "2.65" || ve.ServerMin != "2.0" {
		t.Errorf("Require: %v", err)
	}
	if _, err := n.Require(context.Background(), "x", v2, auth.MustParseMicroversion("2.60")); err == nil {
		t.Error("a feature ending at 2.60 accepted at 2.65")
	}
}

func TestPinnedSkipsDiscoveryAndIsChecked(t *testing.T) {
	srv, calls := versionServer(t, func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	n, err := NewNegotiator(newRest(t, srv.URL+"/v2.1"), "compute", "2.65", v21, v280)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := n.Version(context.Background()); err != nil || info.InUse.String() != "2.65" || calls.Load() != 0 {
		t.Errorf("pinned: %+v %v, %d requests", info, err, calls.Load())
	}
	for _, bad := range []string{"2.81", "1.9", "latest", "2"} {
		if _, err := NewNegotiator(newRest(t, srv.URL), "compute", bad, v21, v280); err == nil {
			t.Errorf("pinned %q accepted", bad)
		}
	}
	p, err := n.Pinned("2.30")
	if err != nil {
		t.Fatal(err)
	}
	if info, _ := p.Version(context.Background()); info.InUse.String() != "2.30" {
		t.Errorf("Pinned copy: %s", info.InUse)
	}
}

func TestConcurrentFirstCallsDiscoverOnce(t *testing.T) {
	srv, calls := versionServer(t, func(w http.ResponseWriter, _ *http.Request) {
		time.Sleep(20 * time.Millisecond)
		_, _ = w.Write([]byte(`{"version": {"id": "v2.1", "status": "CURRENT", "version": "2.90", "min_version": "2.1"}}`))
	})
	n, _ := NewNegotiator(newRest(t, srv.URL+"/v2.1"), "compute", "", v21, v280)
	var wg sync.WaitGroup
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if info, err := n.Version(context.Background()); err != nil || info.InUse != v280 {
				t.Errorf("%+v %v", info, err)
			}
		}()
	}
	wg.Wait()
	if calls.Load() != 1 {
		t.Errorf("%d discovery requests, want 1", calls.Load())
	}
}

func TestWaiterWithCancelledContextReturnsAtOnce(t *testing.T) {
	release := make(chan struct{})
	srv, _ := versionServer(t, func(w http.ResponseWriter, _ *http.Request) {
		<-release
		_, _ = w.Write([]byte(`{"version": {"version": "2.90", "min_version": "2.1"}}`))
	})
	defer close(release)
	n, _ := NewNegotiator(newRest(t, srv.URL+"/v2.1"), "compute", "", v21, v280)
	go func() { _, _ = n.Version(context.Background()) }()
	time.Sleep(20 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := n.Version(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
		t.Errorf("err %v after %v", err, time.Since(start))
	}
}

func TestFailedDiscoveryIsNotCached(t *testing.T) {
	var fail atomic.Bool
	fail.Store(true)
	srv, _ := versionServer(t, func(w http.ResponseWriter, _ *http.Request) {
		if fail.Load() {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		_, _ = w.Write([]byte(`{"version": {"version": "2.70", "min_version": "2.1"}}`))
	})
	n, _ := NewNegotiator(newRest(t, srv.URL+"/v2.1"), "compute", "", v21, v280)
	if _, err := n.Version(context.Background()); err == nil {
		t.Fatal("500 accepted")
	}
	fail.Store(false)
	if info, err := n.Version(context.Background()); err != nil || info.InUse.String() != "2.70" {
		t.Errorf("after recovery: %+v %v", info, err)
	}
}

func TestNoMicroversionsMeansBase(t *testing.T) {
	srv, _ := versionServer(t, func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"version": {"id": "v2.0", "status": "CURRENT", "version": "", "min_version": ""}}`))
	})
	n, _ := NewNegotiator(newRest(t, srv.URL+"/v2"), "share", "", v2, v299)
	info, err := n.Version(context.Background())
	if err != nil || info.InUse != v2 {
		t.Errorf("%+v %v", info, err)
	}
	_, err = n.Require(context.Background(), "share-server migration", auth.MustParseMicroversion("2.57"), auth.Microversion{})
	var ve *cloudmigrate.VersionError
	if !errors.As(err, &ve) || ve.ServerMin != "" || ve.ServerMax != "" {
		t.Errorf("Require: %#v", err)
	}
}

func TestVersionFault(t *testing.T) {
	apiErr := &cloudmigrate.Error{StatusCode: 406, Code: "computeFault",
		Message: "Version 3.7 is not supported by the API. Minimum is 2.1 and maximum is 2.104."}
	err := VersionFault(apiErr, "compute", v280)
	var ve *cloudmigrate.VersionError
	if !errors.As(err, &ve) || ve.ServerMin != "2.1" || ve.ServerMax != "2.104" || ve.InUse != "2.80" || ve.Err != apiErr {
		t.Fatalf("%#v", err)
	}
	var back *cloudmigrate.Error
	if !errors.As(err, &back) {
		t.Error("the service's error is not reachable with errors.As")
	}
	other := &cloudmigrate.Error{StatusCode: 404}
	if VersionFault(other, "compute", v280) != error(other) {
		t.Error("a 404 was changed")
	}
}
