package deh

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/cloudmigrate/cloudmigrate"
)

// exampleHost is the host of the reference's examples, as the list shows
// it (without instance_uuids).
func exampleHost() Host {
	allocated, _ := time.Parse(time.RFC3339, "2016-10-10T14:35:47Z")
	var caps []InstanceCapacity
	for _, size := range []string{"large", "xlarge", "2xlarge", "3xlarge", "6xlarge", "16xlarge"} {
		caps = append(caps, InstanceCapacity{Flavor: "c4." + size + ".4"})
	}
	h := Host{
		ID: testHost, Name: "DEH001", AutoPlacement: "off", AvailabilityZone: "eu-de-01", ProjectID: testProject,
		Properties: HostProperties{HostType: "c4", HostTypeName: "dedicated_general_purpose", VCPUs: 74, Cores: 22,
			Sockets: 2, Memory: 303104, AvailableInstanceCapacities: caps},
		State: StateAvailable, AvailableVCPUs: 20, AvailableMemory: 81920, InstanceTotal: 5,
	}
	h.AllocatedAt.Time = allocated
	return h
}

func TestListHostsOfficialExample(t *testing.T) {
	c, mt := newMockClient(t)
	var query url.Values
	mt.RegisterResponder(http.MethodGet, hostsURL, answer(200, testdata(t, "hosts_official_example.json"), func(r *http.Request) {
		query = r.URL.Query()
	}))
	var hosts []Host
	for h, err := range c.ListHosts(context.Background(), &ListHostsOptions{State: StateAvailable}) {
		if err != nil {
			t.Fatal(err)
		}
		hosts = append(hosts, h)
	}
	if len(hosts) != 1 || !reflect.DeepEqual(hosts[0], exampleHost()) {
		t.Fatalf("hosts %+v\nwant %+v", hosts, exampleHost())
	}
	if !reflect.DeepEqual(query, url.Values{"state": {"available"}}) {
		t.Errorf("query %v", query)
	}
	if n := mt.GetTotalCallCount(); n != 1 {
		t.Errorf("%d requests, want 1 (total 1 is reached)", n)
	}
	if !hosts[0].Fits(20, 81920) || hosts[0].Fits(21, 1) || hosts[0].Fits(1, 81921) {
		t.Error("Fits does not compare with the free capacity")
	}
	released := hosts[0]
	released.State = StateReleased
	if released.Fits(1, 1) {
		t.Error("a released host fits")
	}
}

func TestGetHostOfficialExample(t *testing.T) {
	c, mt := newMockClient(t)
	var path string
	mt.RegisterResponder(http.MethodGet, hostURL, answer(200, testdata(t, "host_official_example.json"), func(r *http.Request) {
		path = r.URL.EscapedPath()
	}))
	h, err := c.GetHost(context.Background(), testHost)
	if err != nil {
		t.Fatal(err)
	}
	want := exampleHost()
	want.InstanceUUIDs = []string{"erf5th66cb3443ab912ff0daebca3456", "23457h66cb3443ab912ff0daebcaer45"}
	if !reflect.DeepEqual(*h, want) || path != "/v1.0/"+testProject+"/dedicated-hosts/"+testHost {
		t.Errorf("host %+v (path %s)", h, path)
	}
}

func TestGetHostRefusals(t *testing.T) {
	c, mt := newMockClient(t, cloudmigrate.WithRetryWait(time.Millisecond, time.Millisecond))
	mt.RegisterResponder(http.MethodGet, hostURL, answer(404, []byte(`{"error":{"code":"DEH.0404","message":"no such host"}}`), nil))
	_, err := c.GetHost(context.Background(), testHost)
	if !cloudmigrate.IsNotFound(err) {
		t.Errorf("unknown host: %v", err)
	}
	mt.ZeroCallCounters()
	mt.RegisterResponder(http.MethodGet, hostURL, answer(503, []byte(`{}`), nil).Then(answer(200, []byte(`{"dedicated_host": {}}`), nil)))
	if _, err := c.GetHost(context.Background(), testHost); err == nil || !strings.Contains(err.Error(), "holds no host") {
		t.Errorf("an answer without a host: %v", err)
	}
	if n := mt.GetCallCountInfo()["GET "+hostURL]; n != 2 {
		t.Errorf("%d requests, want 2 (the 503 is retried)", n)
	}
}

// Every filter is sent under its documented name.
func TestListHostsQuery(t *testing.T) {
	c, mt := newMockClient(t)
	var query url.Values
	mt.RegisterResponder(http.MethodGet, hostsURL, answer(200, []byte(`{"dedicated_hosts": [], "total": 0}`), func(r *http.Request) {
		query = r.URL.Query()
	}))
	since := time.Date(2015, 8, 27, 9, 49, 58, 0, time.FixedZone("", -5*3600))
	opts := &ListHostsOptions{ID: "h1", Name: "n", HostType: "c4", HostTypeName: "dedicated_general_purpose", Flavor: "c4.large.4",
		State: StateFault, Tenant: "all", AvailabilityZone: "eu-de-01", Tags: "k=v", InstanceUUID: "s1", ReleasedAt: "2016-10-10T14:35:47Z",
		ChangesSince: since, Limit: 10, Marker: "h0"}
	for _, err := range c.ListHosts(context.Background(), opts) {
		t.Fatal(err)
	}
	want := url.Values{"dedicated_host_id": {"h1"}, "name": {"n"}, "host_type": {"c4"}, "host_type_name": {"dedicated_general_purpose"},
		"flavor": {"c4.large.4"}, "state": {"fault"}, "tenant": {"all"}, "availability_zone": {"eu-de-01"}, "tags": {"k=v"},
		"instance_uuid": {"s1"}, "released_at": {"2016-10-10T14:35:47Z"}, "changes-since": {"2015-08-27T09:49:58-05:00"},
		"limit": {"10"}, "marker": {"h0"}}
	if !reflect.DeepEqual(query, want) {
		t.Errorf("query %v\nwant  %v", query, want)
	}
}

// hostsByMarker answers the list from n hosts h0, h1, ..., by limit and
// marker, with the total when withTotal; markers records each marker.
func hostsByMarker(n int, withTotal bool, markers *[]string) httpmock.Responder {
	return func(r *http.Request) (*http.Response, error) {
		q := r.URL.Query()
		*markers = append(*markers, q.Get("marker"))
		start := 0
		if m := q.Get("marker"); m != "" {
			fmt.Sscanf(m, "h%d", &start)
			start++
		}
		limit := n
		fmt.Sscan(q.Get("limit"), &limit)
		var hosts []map[string]any
		for i := start; i < min(start+limit, n); i++ {
			hosts = append(hosts, map[string]any{"dedicated_host_id": fmt.Sprintf("h%d", i), "state": "available"})
		}
		body := map[string]any{"dedicated_hosts": hosts}
		if withTotal {
			body["total"] = n
		}
		return httpmock.NewJsonResponse(200, body)
	}
}

func TestListHostsPaging(t *testing.T) {
	for _, tc := range []struct {
		name    string
		n       int
		limit   int
		total   bool
		markers []string
	}{
		{"total ends it", 5, 2, true, []string{"", "h1", "h3"}},
		{"short page ends it", 5, 2, false, []string{"", "h1", "h3"}},
		{"empty page ends it", 4, 2, false, []string{"", "h1", "h3"}},
		{"no limit, total", 3, 0, true, []string{""}},
		{"no limit, no total", 3, 0, false, []string{"", "h2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, mt := newMockClient(t)
			var markers []string
			mt.RegisterResponder(http.MethodGet, hostsURL, hostsByMarker(tc.n, tc.total, &markers))
			seen := 0
			for h, err := range c.ListHosts(context.Background(), &ListHostsOptions{Limit: tc.limit}) {
				if err != nil {
					t.Fatal(err)
				}
				if h.ID != fmt.Sprintf("h%d", seen) {
					t.Fatalf("host %d is %s", seen, h.ID)
				}
				seen++
			}
			if seen != tc.n || !reflect.DeepEqual(markers, tc.markers) {
				t.Errorf("saw %d over markers %q; want %d over %q", seen, markers, tc.n, tc.markers)
			}
		})
	}
}

func TestListHostsStopsOnARepeatedMarker(t *testing.T) {
	c, mt := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, hostsURL, httpmock.NewStringResponder(200, `{"dedicated_hosts": [{"dedicated_host_id": "h0"}], "total": 9}`))
	var last error
	for _, err := range c.ListHosts(context.Background(), &ListHostsOptions{Limit: 1}) {
		last = err
	}
	if last == nil || !strings.Contains(last.Error(), "no new marker") || mt.GetTotalCallCount() != 2 {
		t.Errorf("error %v after %d requests", last, mt.GetTotalCallCount())
	}
}

func TestListValidation(t *testing.T) {
	c, mt := newMockClient(t)
	ctx := context.Background()
	var errHosts, errServers error
	for _, err := range c.ListHosts(ctx, &ListHostsOptions{Limit: -1}) {
		errHosts = err
	}
	for _, err := range c.ListHostServers(ctx, testHost, &ListHostServersOptions{Limit: -1}) {
		errServers = err
	}
	for field, err := range map[string]error{"ListHostsOptions.Limit": errHosts, "ListHostServersOptions.Limit": errServers} {
		var ve *cloudmigrate.ValidationError
		if !errors.As(err, &ve) || ve.Field != field {
			t.Errorf("%s: %v", field, err)
		}
	}
	if n := mt.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// Tags take the documented object and the key/value list, and never fail
// an answer.
func TestTagsDecode(t *testing.T) {
	for in, want := range map[string]Tags{
		`{"env": "prod"}`:                       {"env": "prod"},
		`[{"key": "env", "value": "prod"}, {}]`: {"env": "prod"},
		`null`:                                  nil,
		`{}`:                                    nil,
		`"x"`:                                   nil,
		`[1, 2]`:                                nil,
		`{"env": 1}`:                            nil,
	} {
		var h Host
		if err := json.Unmarshal([]byte(`{"tags": `+in+`}`), &h); err != nil || !reflect.DeepEqual(h.Tags, want) {
			t.Errorf("tags %s: %v, %v; want %v", in, h.Tags, err, want)
		}
	}
}
