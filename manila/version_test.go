package manila

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
)

// discoveryServer answers GET /v2/ with v2doc (if non-nil, else 404), GET
// / with 300 and the index sample, and share-server actions with 202/200.
func discoveryServer(t *testing.T, v2doc []byte) *fake {
	t.Helper()
	return newFake(t, startable(func(w http.ResponseWriter, r *http.Request, body []byte) {
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/v2/":
			if v2doc == nil {
				reply(w, 404, []byte(`{"itemNotFound": {"code": 404, "message": "not here"}}`))
				return
			}
			reply(w, 200, v2doc)
		case r.Method == http.MethodGet && r.URL.Path == "/":
			// Manila's unversioned root answers 300 Multiple Choices.
			reply(w, http.StatusMultipleChoices, testdata(t, "versions/versions-index-response.json"))
		case r.Method == http.MethodPost:
			switch actionName(t, body) {
			case "migration_check":
				reply(w, 200, testdata(t, sampleDir+"share-server-migration-check-compatibility-response.json"))
			case "migration_complete":
				reply(w, 200, testdata(t, sampleDir+"share-server-migration-complete-response.json"))
			case "migration_get_progress":
				reply(w, 200, testdata(t, sampleDir+"share-server-migration-get-progress-response.json"))
			default:
				reply(w, 202, nil)
			}
		default:
			reply(w, 404, nil)
		}
	}))
}

// TestSampleVersionTooLow: the api-ref version documents say 2.15, below
// the 2.57 share-server migration needs. Every operation must fail with a
// VersionError naming both versions, after the discovery and nothing else.
func TestSampleVersionTooLow(t *testing.T) {
	for _, v2doc := range [][]byte{testdata(t, "versions/versions-get-version-response.json"), nil} {
		for name, op := range allOps() {
			f := discoveryServer(t, v2doc)
			c := newNegotiating(t, f)
			err := op(context.Background(), c)
			var ve *cloudmigrate.VersionError
			if !errors.As(err, &ve) {
				t.Fatalf("%s: err = %v (%T), want *cloudmigrate.VersionError", name, err, err)
			}
			if ve.Service != "share" || ve.Feature != name || ve.Min != "2.57" || ve.InUse != "2.15" ||
				ve.ServerMin != "2.0" || ve.ServerMax != "2.15" {
				t.Errorf("%s: VersionError = %+v", name, ve)
			}
			if msg := err.Error(); !contains(msg, "2.57", "2.15", name) {
				t.Errorf("%s: message %q does not name both versions", name, msg)
			}
			if len(f.posts()) != 0 {
				t.Errorf("%s: %d POSTs sent, want none", name, len(f.posts()))
			}
			reqs := f.requests()
			wantPaths := []string{"/v2/"}
			if v2doc == nil {
				// /v2/ failed: the unversioned root's 300 answer is read.
				wantPaths = []string{"/v2/", "/"}
			}
			if len(reqs) != len(wantPaths) {
				t.Fatalf("%s: requests %+v, want GETs of %v", name, reqs, wantPaths)
			}
			for i, p := range wantPaths {
				if reqs[i].Method != http.MethodGet || reqs[i].Path != p {
					t.Errorf("%s: request %d = %s %s, want GET %s", name, i, reqs[i].Method, reqs[i].Path, p)
				}
				if reqs[i].Header.Get("X-Auth-Token") != testToken {
					t.Errorf("%s: discovery without the token", name)
				}
			}
		}
	}
}

func TestNegotiatedVersion(t *testing.T) {
	for _, tc := range []struct{ serverMin, serverMax, want string }{
		{"2.0", "2.99", "2.99"},
		{"2.0", "2.65", "2.65"},
		{"2.0", "2.57", "2.57"},
		{"2.0", "2.120", "2.99"}, // a newer service: the SDK's maximum
	} {
		for name, op := range allOps() {
			f := discoveryServer(t, versionDoc(tc.serverMin, tc.serverMax))
			c := newNegotiating(t, f)
			if err := op(context.Background(), c); err != nil {
				t.Fatalf("%s with %s: %v", name, tc.serverMax, err)
			}
			posts := f.posts()
			if len(posts) != 1 {
				t.Fatalf("%s: %d POSTs", name, len(posts))
			}
			checkShareHeaders(t, posts[0], tc.want, true)
			if got, err := c.Microversion(context.Background()); err != nil || got.InUse.String() != tc.want {
				t.Errorf("Microversion() = %q, %v; want %q", got, err, tc.want)
			}
		}
	}
}

// TestDiscoveryOnce: concurrent first calls share one discovery.
func TestDiscoveryOnce(t *testing.T) {
	f := discoveryServer(t, versionDoc("2.0", "2.99"))
	c := newNegotiating(t, f)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.GetMigrationProgress(context.Background(), testServerID)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	gets := 0
	for _, r := range f.requests() {
		if r.Method == http.MethodGet {
			gets++
		}
	}
	if gets != 1 || len(f.posts()) != 16 {
		t.Errorf("%d discoveries and %d POSTs, want 1 and 16", gets, len(f.posts()))
	}
}

func TestPinnedSkipsDiscovery(t *testing.T) {
	f := discoveryServer(t, versionDoc("2.0", "2.99"))
	c := newPinned(t, f, "2.60")
	if err := c.CancelMigration(context.Background(), testServerID); err != nil {
		t.Fatal(err)
	}
	r := onePost(t, f, "2.60")
	_ = r
	if got, err := c.Microversion(context.Background()); err != nil || got.InUse.String() != "2.60" {
		t.Errorf("Microversion() = %q, %v", got, err)
	}
	if f.count() != 1 {
		t.Errorf("Microversion() of a pinned client sent a request")
	}
}

func TestPinnedBelowMinimum(t *testing.T) {
	f := discoveryServer(t, versionDoc("2.0", "2.99"))
	c := newPinned(t, f, "2.56")
	for name, op := range allOps() {
		err := op(context.Background(), c)
		var ve *cloudmigrate.VersionError
		if !errors.As(err, &ve) || ve.Min != "2.57" || ve.InUse != "2.56" || ve.ServerMax != "" {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if f.count() != 0 {
		t.Errorf("%d requests sent, want none", f.count())
	}
}

func TestClientWithMicroversion(t *testing.T) {
	f := discoveryServer(t, versionDoc("2.0", "2.65"))
	base := newNegotiating(t, f)
	pinned, err := base.WithMicroversion("2.58")
	if err != nil {
		t.Fatal(err)
	}
	if err := pinned.CancelMigration(context.Background(), testServerID); err != nil {
		t.Fatal(err)
	}
	onePost(t, f, "2.58")
	// The original still negotiates.
	if err := base.CancelMigration(context.Background(), testServerID); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 3 || reqs[1].Method != http.MethodGet {
		t.Fatalf("requests = %+v", reqs)
	}
	checkShareHeaders(t, reqs[2], "2.65", true)

	for _, bad := range []string{"abc", "1.0", "2.100", "3.0", "2", "latest"} {
		_, err := base.WithMicroversion(bad)
		var ve *cloudmigrate.ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("WithMicroversion(%q): err = %v, want ValidationError", bad, err)
		}
		_, err = NewClient(f.endpoint(), auth.StaticToken(testToken), cloudmigrate.WithMicroversion(bad))
		if !errors.As(err, &ve) {
			t.Errorf("NewClient with %q: err = %v, want ValidationError", bad, err)
		}
	}
}

// TestVersionRefused: a 406 becomes a VersionError with the service's
// range and answer.
func TestVersionRefused(t *testing.T) {
	for name, op := range allOps() {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
			reply(w, 406, []byte(`{"computeFault": {"code": 406, "message": "Version 2.99 is not supported by the API. Minimum is 2.0 and maximum is 2.65."}}`))
		})
		err := op(context.Background(), newPinned(t, f, "2.99"))
		var ve *cloudmigrate.VersionError
		if !errors.As(err, &ve) {
			t.Fatalf("%s: err = %v (%T)", name, err, err)
		}
		if ve.Service != "share" || ve.InUse != "2.99" || ve.ServerMin != "2.0" || ve.ServerMax != "2.65" ||
			ve.Err == nil || ve.Err.StatusCode != 406 || ve.Err.RequestID != testRequestID {
			t.Errorf("%s: VersionError = %+v", name, ve)
		}
		var apiErr *cloudmigrate.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 406 {
			t.Errorf("%s: the 406 answer is not reachable with errors.As", name)
		}
		if f.count() != 1 {
			t.Errorf("%s: %d requests, want 1", name, f.count())
		}
	}
}

func TestDiscoveryFailure(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		reply(w, 401, []byte(`{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}`))
	})
	c := newNegotiating(t, f, cloudmigrate.WithRetry(0))
	err := c.CancelMigration(context.Background(), testServerID)
	var apiErr *cloudmigrate.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 {
		t.Fatalf("err = %v", err)
	}
	if len(f.posts()) != 0 {
		t.Errorf("a POST was sent after discovery failed")
	}
}

func TestProjectlessEndpoint(t *testing.T) {
	// A service older than 2.60 has no routes without the project ID: a
	// client that negotiated with it refuses every operation after the
	// discovery.
	old := discoveryServer(t, versionDoc("2.0", "2.59"))
	for _, ep := range []string{old.srv.URL + "/v2", old.srv.URL + "/v2/"} {
		c, err := NewClient(ep, auth.StaticToken(testToken))
		if err != nil {
			t.Fatal(err)
		}
		for name, op := range allOps() {
			err := op(context.Background(), c)
			var ve *cloudmigrate.VersionError
			if !errors.As(err, &ve) || ve.Min != "2.60" || ve.InUse != "2.59" || ve.ServerMax != "2.59" ||
				!strings.Contains(ve.Feature, "project ID") {
				t.Errorf("%s on %s of a 2.59 service: err = %v", name, ep, err)
			}
		}
	}
	if n := len(old.posts()); n != 0 {
		t.Fatalf("%d actions sent to a service without project-less routes, want none", n)
	}

	// A service of 2.60 or later routes URLs without the project ID at
	// every microversion: a client pinned below 2.60 sends.
	f := discoveryServer(t, versionDoc("2.0", "2.99"))
	for _, v := range []string{"2.57", "2.59"} {
		low, err := NewClient(f.srv.URL+"/v2", auth.StaticToken(testToken), cloudmigrate.WithMicroversion(v))
		if err != nil {
			t.Fatal(err)
		}
		if err := low.CancelMigration(context.Background(), testServerID); err != nil {
			t.Fatalf("pinned %s: %v", v, err)
		}
		reqs := f.requests()
		if r := reqs[len(reqs)-1]; r.Path != "/v2/share-servers/"+testServerID+"/action" {
			t.Fatalf("pinned %s: request %+v", v, r)
		} else {
			checkShareHeaders(t, r, v, true)
		}
	}
	f = discoveryServer(t, versionDoc("2.0", "2.99"))
	// Negotiated: 2.99 allows the project-less URL.
	c, err := NewClient(f.srv.URL+"/v2", auth.StaticToken(testToken))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CancelMigration(context.Background(), testServerID); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 2 || reqs[0].Path != "/v2/" || reqs[1].Path != "/v2/share-servers/"+testServerID+"/action" {
		t.Fatalf("requests = %+v", reqs)
	}
	checkShareHeaders(t, reqs[1], "2.99", true)
}

func TestEndpointTrailingSlash(t *testing.T) {
	f := sampleServer(t)
	c, err := NewClient(f.endpoint()+"/", auth.StaticToken(testToken), cloudmigrate.WithMicroversion("2.57"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Endpoint() != f.endpoint() {
		t.Errorf("Endpoint() = %q", c.Endpoint())
	}
	if err := c.CancelMigration(context.Background(), testServerID); err != nil {
		t.Fatal(err)
	}
	onePost(t, f, "2.57")
}

func TestNewClientErrors(t *testing.T) {
	for _, ep := range []string{"", "manila.example.com/v2", "ftp://x/v2", "https://u:p@x/v2", "https://x/v2?a=b"} {
		_, err := NewClient(ep, auth.StaticToken(testToken))
		var ve *cloudmigrate.ValidationError
		if !errors.As(err, &ve) || ve.Field != "endpoint" {
			t.Errorf("NewClient(%q): err = %v", ep, err)
		}
	}
	if _, err := NewClient("https://x/v2", nil, cloudmigrate.WithRetry(-1)); err == nil {
		t.Error("a bad option was accepted")
	}
}

func TestEndsAtVersion(t *testing.T) {
	for ep, want := range map[string]bool{
		"https://x:8786/v2":                true,
		"https://x:8786/v2/":               true,
		"https://x/share/v2":               true,
		"https://x:8786/v2/" + testProject: false,
		"https://x:8786":                   false,
		"https://x:8786/v2/abc/":           false,
	} {
		if got := endsAtVersion(ep); got != want {
			t.Errorf("endsAtVersion(%q) = %v, want %v", ep, got, want)
		}
	}
}
