package manilatest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/cloudmigrate/cloudmigrate/manila/manilatest"
)

// TestProjectlessRoutes checks the routes without a project ID: Manila
// added them, for every microversion, in the release that introduced
// 2.60, so a fake whose maximum is 2.60 or later serves them at 2.0 and
// 2.57 alike, and one whose maximum is older has no such route.
func TestProjectlessRoutes(t *testing.T) {
	const id = "0b7c8e7e-6f4e-4d53-9d3a-9a6c0b2d1e5f"
	check := `{"migration_check": {"host": "manila-share-2@netapp2", "writable": false, "nondisruptive": false, "preserve_snapshots": false, "new_share_network_id": null}}`
	for _, tc := range []struct {
		max    string
		status int
	}{{"2.73", http.StatusOK}, {"2.60", http.StatusOK}, {"2.59", http.StatusNotFound}} {
		srv := manilatest.NewServer(manilatest.WithVersions("2.0", tc.max))
		srv.AddShareServer(id, "manila-share-1@netapp1")
		srv.AddBackend("manila-share-2@netapp2")
		tok := token(t, srv)
		for _, v := range []string{"2.0", "2.57"} {
			a := send(t, http.MethodGet, srv.Endpoint()+"/share-servers/"+id, "", headers(tok, v))
			if a.status != tc.status {
				t.Errorf("max %s, GET at %s: %d %s, want %d", tc.max, v, a.status, a.body, tc.status)
			}
			if tc.status == http.StatusNotFound && !strings.Contains(string(a.body), `"itemNotFound"`) {
				t.Errorf("max %s: body %s", tc.max, a.body)
			}
		}
		a := send(t, http.MethodPost, srv.Endpoint()+"/share-servers/"+id+"/action", check, headers(tok, "2.57"))
		if a.status != tc.status {
			t.Errorf("max %s, migration_check at 2.57: %d %s, want %d", tc.max, a.status, a.body, tc.status)
		}
		// The URL with the project ID works whatever the range.
		if a := send(t, http.MethodGet, srv.ProjectEndpoint()+"/share-servers/"+id, "", headers(tok, "2.57")); a.status != http.StatusOK {
			t.Errorf("max %s, with project ID: %d %s", tc.max, a.status, a.body)
		}
		srv.Close()
	}
}
