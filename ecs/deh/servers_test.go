package deh

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/cloudmigrate/cloudmigrate/ecs"
)

func TestListHostServersOfficialExample(t *testing.T) {
	c, mt := newMockClient(t)
	var path, query string
	record := func(r *http.Request) { path, query = r.URL.EscapedPath(), r.URL.RawQuery }
	mt.RegisterResponder(http.MethodGet, hostServersURL, answer(200, testdata(t, "host_servers_official_example.json"), record).
		Then(answer(200, []byte(`{"servers": []}`), record)))
	var got []HostServer
	for s, err := range c.ListHostServers(context.Background(), testHost, nil) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, s)
	}
	created, _ := time.Parse(time.RFC3339, "2012-09-07T16:56:37Z")
	want := HostServer{
		ID: "05184ba3-00ba-4fbc-b7a2-03b62b884931", Name: "new-server-test", Status: ecs.ServerActive,
		Flavor: HostServerFlavor{ID: "1"}, Image: HostServerImage{ID: "1ce5800a-e487-4c1b-b264-3353a39e2b4b"},
		Metadata: HostServerMetadata{OSType: "Linux"},
		Addresses: map[string][]HostServerAddress{"68269e6e-4a27-441b-8029-35373ad50bd9": {{
			Addr: "192.168.0.3", Version: 4, Type: "fixed", MACAddr: "fa:16:3e:1b:35:78"}}},
		TenantID: "a90b2728805d4240a72cc2eeb4e1244d", UserID: "fake",
	}
	want.Created.Time, want.Updated.Time = created, created
	if len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Errorf("servers %+v\nwant %+v", got, want)
	}
	// Without a limit the list is read until a page comes back empty.
	if path != "/v1.0/"+testProject+"/dedicated-hosts/"+testHost+"/servers" || query != "marker=05184ba3-00ba-4fbc-b7a2-03b62b884931" {
		t.Errorf("last request %s?%s", path, query)
	}
	if n := mt.GetTotalCallCount(); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestListHostServersPaging(t *testing.T) {
	c, mt := newMockClient(t)
	var markers []string
	mt.RegisterResponder(http.MethodGet, hostServersURL, func(r *http.Request) (*http.Response, error) {
		q := r.URL.Query()
		markers = append(markers, q.Get("marker"))
		start := 0
		if m := q.Get("marker"); m != "" {
			fmt.Sscanf(m, "s%d", &start)
			start++
		}
		var servers []map[string]string
		for i := start; i < min(start+2, 5); i++ {
			servers = append(servers, map[string]string{"id": fmt.Sprintf("s%d", i), "status": "SHUTOFF"})
		}
		return httpmock.NewJsonResponse(200, map[string]any{"servers": servers})
	})
	n := 0
	for s, err := range c.ListHostServers(context.Background(), testHost, &ListHostServersOptions{Limit: 2}) {
		if err != nil || s.ID != fmt.Sprintf("s%d", n) {
			t.Fatalf("%+v, %v", s, err)
		}
		n++
		if n == 4 {
			break
		}
	}
	if !reflect.DeepEqual(markers, []string{"", "s1"}) {
		t.Errorf("markers %q", markers)
	}
}
