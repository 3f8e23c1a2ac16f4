package manilatest_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/manila"
	"github.com/cloudmigrate/cloudmigrate/manila/manilatest"
)

// TestShareProgressFormByVersion drives GetShareMigrationProgress against
// the fake at the versions around 2.98: up to 2.97 the SDK posts the
// action, from 2.98 it GETs migration-progress, and a fake whose range
// ends at 2.97 is negotiated to the action.
func TestShareProgressFormByVersion(t *testing.T) {
	const shareID = "406ea93b-32e9-4907-a117-148b3945749f"
	for _, tc := range []struct {
		name         string
		max, pin     string
		action, get  int
		wantDetails  bool
		wantProgress int
	}{
		{"pinned 2.97", "", "2.97", 1, 0, true, 50},
		{"pinned 2.98", "", "2.98", 0, 1, true, 50},
		{"pinned 2.58", "", "2.58", 1, 0, false, 50},
		{"negotiated 2.97", "2.97", "", 1, 0, true, 50},
		{"negotiated 2.99", "", "", 0, 1, true, 50},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var opts []manilatest.Option
			if tc.max != "" {
				opts = append(opts, manilatest.WithVersions(manilatest.DefaultMinVersion, tc.max))
			}
			srv := manilatest.NewServer(opts...)
			t.Cleanup(srv.Close)
			srv.AddShare(shareID, "ubuntu@generic1#GENERIC1")
			srv.AddBackend("ubuntu@generic2")
			var copts []cloudmigrate.Option
			if tc.pin != "" {
				copts = append(copts, cloudmigrate.WithMicroversion(tc.pin))
			}
			c := newClient(t, srv.ProjectEndpoint(), srv.Authorizer(), copts...)
			_, err := c.StartShareMigration(ctx, shareID, &manila.StartShareMigrationOptions{Host: "ubuntu@generic2#GENERIC2"})
			if err != nil {
				t.Fatal(err)
			}
			srv.Clock().Advance(20*time.Second + 5*time.Minute)
			p, err := c.GetShareMigrationProgress(ctx, shareID)
			if err != nil {
				t.Fatal(err)
			}
			if p.TaskState != manila.TaskStateMigrationDriverInProgress || p.TotalProgress != tc.wantProgress ||
				(p.Details != nil) != tc.wantDetails {
				t.Errorf("progress %+v", p)
			}
			if a, g := srv.Calls(manilatest.OpShareProgress), srv.Calls(manilatest.OpShareProgressGet); a != tc.action || g != tc.get {
				t.Errorf("action %d, GET %d; want %d, %d", a, g, tc.action, tc.get)
			}
		})
	}
}

// TestShareProgressWrongFormIs404 checks the answer to each form outside
// its range: Manila's bare 404, in a fault body.
func TestShareProgressWrongFormIs404(t *testing.T) {
	const shareID = "406ea93b-32e9-4907-a117-148b3945749f"
	srv := manilatest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddShare(shareID, "ubuntu@generic1#GENERIC1")
	tok := token(t, srv)
	want := `{"itemNotFound":{"code":404,"message":"The resource could not be found."}}`
	for _, tc := range []struct {
		method, url, body, version string
	}{
		{http.MethodPost, srv.ProjectEndpoint() + "/shares/" + shareID + "/action", `{"migration_get_progress": null}`, "2.98"},
		{http.MethodPost, srv.ProjectEndpoint() + "/shares/" + shareID + "/action", `{"migration_get_progress": null}`, "2.99"},
		{http.MethodGet, srv.ProjectEndpoint() + "/shares/" + shareID + "/migration-progress", "", "2.97"},
		{http.MethodGet, srv.Endpoint() + "/shares/" + shareID + "/migration-progress", "", "2.60"},
		{http.MethodGet, srv.ProjectEndpoint() + "/shares/" + shareID + "/migration-progress", "", "2.22"},
	} {
		a := send(t, tc.method, tc.url, tc.body, headers(tok, tc.version))
		if a.status != http.StatusNotFound || string(a.body) != want {
			t.Errorf("%s %s at %s: %d %s", tc.method, tc.url, tc.version, a.status, a.body)
		}
		if a.header.Get("X-OpenStack-Manila-API-Version") != tc.version {
			t.Errorf("%s at %s: version header %q", tc.method, tc.version, a.header.Get("X-OpenStack-Manila-API-Version"))
		}
	}
	if n := srv.Calls(manilatest.OpShareProgress) + srv.Calls(manilatest.OpShareProgressGet); n != 5 {
		t.Errorf("counted %d progress requests, want 5", n)
	}
}

// TestUnknownRouteAnswersLikeManilasRouter checks the answer to a URL no
// route matches: webob's 404, not a fault.
func TestUnknownRouteAnswersLikeManilasRouter(t *testing.T) {
	srv := manilatest.NewServer()
	t.Cleanup(srv.Close)
	tok := token(t, srv)
	for _, tc := range []struct{ method, url string }{
		{http.MethodGet, srv.ProjectEndpoint() + "/share-servers/x/nothing"},
		{http.MethodPut, srv.ProjectEndpoint() + "/share-servers/x"},
		{http.MethodGet, srv.Endpoint() + "/nothing/here"},
		{http.MethodGet, srv.URL() + "/share/v9/"},
	} {
		a := send(t, tc.method, tc.url, "", headers(tok, "2.65"))
		if a.status != http.StatusNotFound ||
			string(a.body) != `{"code":"404 Not Found","message":"The resource could not be found.\u003cbr /\u003e\u003cbr /\u003e\n\n\n","title":"Not Found"}` {
			t.Errorf("%s %s: %d %s", tc.method, tc.url, a.status, a.body)
		}
	}
	if n := srv.Calls(manilatest.OpUnknownRoute); n != 4 {
		t.Errorf("unknown routes counted %d, want 4", n)
	}
}

// TestListShareServers checks the list: the summary view, the filters,
// and a filter Manila does not know.
func TestListShareServers(t *testing.T) {
	srv := manilatest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddShareServer(srcID, srcHost)
	srv.AddShareServer(otherID, dstHost)
	tok := token(t, srv)
	list := func(query, version string) []any {
		t.Helper()
		a := send(t, http.MethodGet, srv.ProjectEndpoint()+"/share-servers"+query, "", headers(tok, version))
		if a.status != http.StatusOK {
			t.Fatalf("list %s: %d %s", query, a.status, a.body)
		}
		return decode(t, a.body).(map[string]any)["share_servers"].([]any)
	}
	all := list("", "2.57")
	if len(all) != 2 {
		t.Fatalf("list %v", all)
	}
	first := all[0].(map[string]any)
	if _, has := first["created_at"]; has || first["id"] != srcID || first["share_network_name"] != manilatest.DefaultShareNetworkID {
		t.Errorf("summary view %v", first)
	}
	for query, want := range map[string]int{
		"?host=" + dstHost: 1, "?status=active": 2, "?status=inactive": 0, "?id=" + srcID + "&host=" + srcHost: 1,
		"?share_network_id=" + manilatest.DefaultShareNetworkID: 2, "?limit=1": 0,
	} {
		if got := list(query, "2.70"); len(got) != want {
			t.Errorf("list %s: %d share servers, want %d", query, len(got), want)
		}
	}
	if n := srv.Calls(manilatest.OpListShareServers); n != 7 {
		t.Errorf("lists counted %d, want 7", n)
	}
}
