package nova_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/nova"
)

func TestNewClientValidation(t *testing.T) {
	cases := []struct {
		name, endpoint, field string
		authz                 auth.Authorizer
		opts                  []cloudmigrate.Option
	}{
		{"nil authz", "https://nova.example.com/v2.1", "authz", nil, nil},
		{"relative endpoint", "nova.example.com/v2.1", "endpoint", auth.StaticToken("t"), nil},
		{"ftp endpoint", "ftp://nova.example.com/v2.1", "endpoint", auth.StaticToken("t"), nil},
		{"bad microversion", "https://nova.example.com/v2.1", "microversion", auth.StaticToken("t"),
			[]cloudmigrate.Option{cloudmigrate.WithMicroversion("two")}},
		{"microversion above the SDK", "https://nova.example.com/v2.1", "microversion", auth.StaticToken("t"),
			[]cloudmigrate.Option{cloudmigrate.WithMicroversion("2.105")}},
		{"microversion below the SDK", "https://nova.example.com/v2.1", "microversion", auth.StaticToken("t"),
			[]cloudmigrate.Option{cloudmigrate.WithMicroversion("1.9")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := nova.NewClient(tc.endpoint, tc.authz, tc.opts...)
			if c != nil {
				t.Errorf("got a client")
			}
			asValidation(t, err, tc.field)
		})
	}
}

func TestNegotiationWithVersionSample(t *testing.T) {
	f := newFake(t)
	f.reply("GET", "/v2.1/servers/"+serverID+"/migrations", 200, sample(t, "server-migrations/v2.80/migrations-index.json"))
	c := f.client("")
	info, err := c.Microversion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.InUse.String() != "2.104" || info.ServerMin.String() != "2.1" || info.ServerMax.String() != "2.104" {
		t.Errorf("info = %v %v %v", info.InUse, info.ServerMin, info.ServerMax)
	}
	if _, err := c.ListServerMigrations(context.Background(), serverID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListServerMigrations(context.Background(), serverID); err != nil {
		t.Fatal(err)
	}
	for _, call := range f.recorded() {
		call.check(t, "GET", "/v2.1/servers/"+serverID+"/migrations", "", "2.104")
	}
	if n := f.discoveryCount(); n != 1 {
		t.Errorf("%d discoveries, want 1", n)
	}
}

func TestNegotiationFromUnversionedRoot(t *testing.T) {
	// An endpoint without a version segment: discovery reads GET / and
	// picks the CURRENT entry of the versions list.
	var discover, list atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			discover.Add(1)
			writeJSON(w, 200, sample(t, "versions/versions-get-resp.json"))
		case "/servers/" + serverID + "/migrations":
			list.Add(1)
			if got := r.Header.Get("OpenStack-API-Version"); got != "compute 2.104" {
				t.Errorf("version header %q", got)
			}
			writeJSON(w, 200, []byte(`{"migrations": []}`))
		default:
			writeJSON(w, 404, nil)
		}
	}))
	defer srv.Close()
	c, err := nova.NewClient(srv.URL, auth.StaticToken("t"), cloudmigrate.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.ListServerMigrations(context.Background(), serverID)
	if err != nil || len(got) != 0 {
		t.Fatalf("got %v, %v", got, err)
	}
	if discover.Load() != 1 || list.Load() != 1 {
		t.Errorf("discover %d, list %d", discover.Load(), list.Load())
	}
}

func TestNegotiationLowerServerMax(t *testing.T) {
	f := newFake(t)
	f.setVersionDoc([]byte(`{"version": {"id": "v2.1", "status": "CURRENT", "version": "2.60", "min_version": "2.1",
		"links": [{"href": "http://openstack.example.com/v2.1/", "rel": "self"}]}}`))
	f.reply("DELETE", "/v2.1/servers/"+serverID+"/migrations/3", 202, nil)
	c := f.client("")
	if err := c.AbortMigration(context.Background(), serverID, 3); err != nil {
		t.Fatal(err)
	}
	f.only().check(t, "DELETE", "/v2.1/servers/"+serverID+"/migrations/3", "", "2.60")
	info, err := c.Microversion(context.Background())
	if err != nil || info.InUse.String() != "2.60" || info.ServerMax.String() != "2.60" {
		t.Errorf("info %+v, %v", info, err)
	}
}

func TestNegotiationServerWithoutMicroversions(t *testing.T) {
	f := newFake(t)
	f.setVersionDoc(sample(t, "versions/v2-version-get-resp.json"))
	c := f.client("")
	info, err := c.Microversion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.InUse.String() != "2.1" {
		t.Errorf("InUse = %v, want the base 2.1", info.InUse)
	}
	_, err = c.ListServerMigrations(context.Background(), serverID)
	ve := asVersion(t, err)
	if ve.InUse != "2.1" || ve.Min != "2.23" {
		t.Errorf("VersionError = %+v", ve)
	}
	f.none()
}

func TestPinnedSkipsDiscovery(t *testing.T) {
	f := newFake(t)
	f.reply("GET", "/v2.1/servers/"+serverID+"/migrations", 200, []byte(`{"migrations": []}`))
	c := f.client("2.65")
	for i := 0; i < 3; i++ {
		if _, err := c.ListServerMigrations(context.Background(), serverID); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.discoveryCount(); n != 0 {
		t.Errorf("%d discoveries with a pinned version, want 0", n)
	}
	calls := f.recorded()
	if len(calls) != 3 {
		t.Fatalf("%d requests, want 3", len(calls))
	}
	for _, call := range calls {
		call.check(t, "GET", "/v2.1/servers/"+serverID+"/migrations", "", "2.65")
	}
	info, err := c.Microversion(context.Background())
	if err != nil || info.InUse.String() != "2.65" || !info.ServerMax.IsZero() {
		t.Errorf("info %+v, %v", info, err)
	}
}

func TestClientWithMicroversion(t *testing.T) {
	f := newFake(t)
	f.reply("GET", "/v2.1/servers/"+serverID+"/migrations", 200, []byte(`{"migrations": []}`))
	base := f.client("")
	pinned, err := base.WithMicroversion("2.65")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pinned.ListServerMigrations(context.Background(), serverID); err != nil {
		t.Fatal(err)
	}
	if f.discoveryCount() != 0 {
		t.Errorf("the pinned copy discovered")
	}
	if _, err := base.ListServerMigrations(context.Background(), serverID); err != nil {
		t.Fatal(err)
	}
	calls := f.recorded()
	calls[0].check(t, "GET", "/v2.1/servers/"+serverID+"/migrations", "", "2.65")
	calls[1].check(t, "GET", "/v2.1/servers/"+serverID+"/migrations", "", "2.104")
	if f.discoveryCount() != 1 {
		t.Errorf("%d discoveries, want 1 for the unpinned client", f.discoveryCount())
	}
	for _, bad := range []string{"", "2.105", "x"} {
		c, err := base.WithMicroversion(bad)
		if bad == "" {
			// An empty version means "negotiate" again: allowed.
			if err != nil || c == nil {
				t.Errorf("WithMicroversion(%q) = %v, %v", bad, c, err)
			}
			continue
		}
		if c != nil {
			t.Errorf("WithMicroversion(%q) returned a client", bad)
		}
		asValidation(t, err, "microversion")
	}
}

func TestConcurrentFirstCallsDiscoverOnce(t *testing.T) {
	f := newFake(t)
	f.reply("GET", "/v2.1/servers/"+serverID+"/migrations", 200, []byte(`{"migrations": []}`))
	c := f.client("")
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.ListServerMigrations(context.Background(), serverID)
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
	if n := f.discoveryCount(); n != 1 {
		t.Errorf("%d discovery requests, want 1", n)
	}
	if n := len(f.recorded()); n != 100 {
		t.Errorf("%d requests, want 100", n)
	}
	for _, call := range f.recorded() {
		call.check(t, "GET", "/v2.1/servers/"+serverID+"/migrations", "", "2.104")
	}
}

func TestDiscoveryFailureIsNotCached(t *testing.T) {
	var mu sync.Mutex
	fail := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case (r.URL.Path == "/v2.1/" || r.URL.Path == "/") && fail:
			writeJSON(w, 401, []byte(`{"error": {"code": 401, "title": "Unauthorized", "message": "nope"}}`))
		case r.URL.Path == "/v2.1/" || r.URL.Path == "/":
			writeJSON(w, 200, sample(t, "versions/v21-version-get-resp.json"))
		default:
			writeJSON(w, 200, []byte(`{"migrations": []}`))
		}
	}))
	defer srv.Close()
	c, err := nova.NewClient(srv.URL+"/v2.1", auth.StaticToken("t"), cloudmigrate.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListServerMigrations(context.Background(), serverID); !cloudmigrate.IsUnauthorized(err) {
		t.Fatalf("err = %v, want the 401", err)
	}
	mu.Lock()
	fail = false
	mu.Unlock()
	if _, err := c.ListServerMigrations(context.Background(), serverID); err != nil {
		t.Fatalf("second call: %v", err)
	}
}

func TestVersionRefused406(t *testing.T) {
	f := newFake(t)
	f.reply("GET", "/v2.1/servers/"+serverID+"/migrations", 406,
		[]byte(`{"computeFault": {"code": 406, "message": "Version 3.7 is not supported by the API. Minimum is 2.1 and maximum is 2.104."}}`))
	_, err := f.client("2.80").ListServerMigrations(context.Background(), serverID)
	ve := asVersion(t, err)
	if ve.Service != "compute" || ve.InUse != "2.80" || ve.ServerMin != "2.1" || ve.ServerMax != "2.104" {
		t.Errorf("VersionError = %+v", ve)
	}
	if ve.Err == nil || ve.Err.StatusCode != 406 || ve.Err.Code != "computeFault" || ve.Err.RequestID != reqID {
		t.Errorf("VersionError.Err = %+v", ve.Err)
	}
	var apiErr *cloudmigrate.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 406 {
		t.Errorf("errors.As(*cloudmigrate.Error) failed on %v", err)
	}
}

func TestFaultBodies(t *testing.T) {
	cases := []struct {
		status          int
		fault, message  string
		notFound, confl bool
	}{
		{400, "badRequest", "Invalid input for field/attribute host.", false, false},
		{403, "forbidden", "Policy doesn't allow os_compute_api:servers:migrations:index to be performed.", false, false},
		{404, "itemNotFound", "Instance " + serverID + " could not be found.", true, false},
		{409, "conflictingRequest", "Cannot 'live-migrate' instance while it is in task_state migrating", false, true},
		{500, "computeFault", "Unexpected API Error.", false, false},
	}
	for _, tc := range cases {
		t.Run(tc.fault, func(t *testing.T) {
			f := newFake(t)
			f.idleServer(serverID)
			f.reply("POST", "/v2.1/servers/"+serverID+"/action", tc.status,
				[]byte(`{"`+tc.fault+`": {"code": `+strconv.Itoa(tc.status)+`, "message": "`+tc.message+`"}}`))
			_, err := f.client("2.80").LiveMigrate(context.Background(), serverID, nil)
			var apiErr *cloudmigrate.Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v (%T)", err, err)
			}
			if apiErr.StatusCode != tc.status || apiErr.Code != tc.fault || apiErr.Message != tc.message ||
				apiErr.RequestID != reqID || apiErr.Method != "POST" || apiErr.Attempts != 1 {
				t.Errorf("error = %+v", apiErr)
			}
			if cloudmigrate.IsNotFound(err) != tc.notFound || cloudmigrate.IsConflict(err) != tc.confl {
				t.Errorf("IsNotFound %v IsConflict %v", cloudmigrate.IsNotFound(err), cloudmigrate.IsConflict(err))
			}
			f.onlyPost()
		})
	}
}

func TestOverLimitRetryAfter(t *testing.T) {
	f := newFake(t)
	var n atomic.Int32
	f.on("GET", "/v2.1/servers/"+serverID+"/migrations", func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		if n.Add(1) == 1 {
			writeJSON(w, 429, []byte(`{"overLimit": {"code": 429, "message": "This request was rate-limited.", "retryAfter": "0"}}`))
			return
		}
		writeJSON(w, 200, []byte(`{"migrations": []}`))
	})
	if _, err := f.client("2.80").ListServerMigrations(context.Background(), serverID); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 2 {
		t.Errorf("%d attempts, want 2", n.Load())
	}
}

func TestNewClientFromKeystone(t *testing.T) {
	f := newFake(t)
	f.reply("GET", "/v2.1/servers/"+serverID+"/migrations", 200, []byte(`{"migrations": []}`))
	var tokens atomic.Int32
	ks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "POST" || r.URL.Path != "/v3/auth/tokens" {
			writeJSON(w, 404, nil)
			return
		}
		tokens.Add(1)
		w.Header().Set("X-Subject-Token", "tok-123")
		writeJSON(w, 201, []byte(`{"token": {"methods": ["password"], "expires_at": "2099-01-01T00:00:00.000000Z",
			"issued_at": "2024-01-01T00:00:00.000000Z", "project": {"id": "p1", "name": "demo", "domain": {"id": "default"}},
			"catalog": [
			  {"type": "identity", "id": "1", "endpoints": [{"id": "a", "interface": "public", "region": "RegionOne", "region_id": "RegionOne", "url": "https://keystone.example.com/v3"}]},
			  {"type": "compute", "id": "2", "name": "nova", "endpoints": [
			    {"id": "b", "interface": "public", "region": "RegionOne", "region_id": "RegionOne", "url": "`+f.endpoint()+`"},
			    {"id": "c", "interface": "internal", "region": "RegionOne", "region_id": "RegionOne", "url": "http://10.0.0.1:8774/v2.1"}]}
			]}}`))
	}))
	defer ks.Close()
	k, err := auth.NewKeystone(ks.URL+"/v3", auth.KeystoneCredentials{UserID: "u1", Password: auth.NewSecret("secret"), ProjectID: "p1"},
		auth.WithHTTPClient(ks.Client()))
	if err != nil {
		t.Fatal(err)
	}
	c, err := nova.NewClientFromKeystone(context.Background(), k, "RegionOne", "public",
		cloudmigrate.WithHTTPClient(f.srv.Client()), cloudmigrate.WithMicroversion("2.80"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Endpoint() != f.endpoint() {
		t.Errorf("endpoint %q, want %q", c.Endpoint(), f.endpoint())
	}
	if _, err := c.ListServerMigrations(context.Background(), serverID); err != nil {
		t.Fatal(err)
	}
	f.only().check(t, "GET", "/v2.1/servers/"+serverID+"/migrations", "", "2.80")
	if tokens.Load() != 1 {
		t.Errorf("%d token requests, want 1", tokens.Load())
	}

	_, err = nova.NewClientFromKeystone(context.Background(), k, "RegionTwo", "public")
	if !errors.Is(err, auth.ErrEndpointNotFound) {
		t.Errorf("err = %v, want auth.ErrEndpointNotFound", err)
	}
	_, err = nova.NewClientFromKeystone(context.Background(), nil, "", "")
	asValidation(t, err, "ks")
}
