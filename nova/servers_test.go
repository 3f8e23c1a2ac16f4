package nova_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/nova"
)

const (
	web1  = "5a6f1b2c-3d4e-4f50-8a61-72839405a6b7"
	db1   = "6b7c2d3e-4f50-4a61-9b72-8394a5b6c7d8"
	proj1 = "6f70656e737461636b20342065766572"
)

// rfc builds a UTC time from RFC 3339.
func rfc(t testing.TB, s string) nova.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return nova.Time{Time: v.UTC()}
}

// sameServer compares two servers field by field, times by instant and
// zone.
func sameServer(t testing.TB, got, want nova.Server) {
	t.Helper()
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := 0; i < gv.NumField(); i++ {
		name := gv.Type().Field(i).Name
		g, w := gv.Field(i).Interface(), wv.Field(i).Interface()
		if gt, ok := g.(nova.Time); ok {
			if !gt.Equal(w.(nova.Time).Time) || (!gt.IsZero() && gt.Location() != time.UTC) {
				t.Errorf("server %s: %s = %v, want %v", want.ID, name, gt, w)
			}
			continue
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("server %s: %s = %s, want %s", want.ID, name, showValue(g), showValue(w))
		}
	}
}

func TestListServersSampleDecodes(t *testing.T) {
	f := newFake(t)
	f.on("GET", "/v2.1/servers/detail", func(w http.ResponseWriter, r *http.Request, _ []byte) {
		if r.URL.Query().Get("marker") == "" {
			writeJSON(w, 200, sample(t, "servers/servers-detail-page1.json"))
			return
		}
		writeJSON(w, 200, sample(t, "servers/servers-detail-page2.json"))
	})
	got, err := collect(t, f.client("2.80").ListServers(context.Background(),
		&nova.ListServersOptions{AllProjects: true, Host: "compute-07", Limit: 2}))
	if err != nil {
		t.Fatal(err)
	}
	want := []nova.Server{
		{ID: web1, Name: "web-1", Status: nova.ServerActive, TenantID: proj1, UserID: "fake",
			Created: rfc(t, "2017-02-14T19:23:59Z"), Updated: rfc(t, "2017-02-14T19:24:43Z"),
			Host: "compute-07", HypervisorHostname: "compute-07.rack3.example.net", InstanceName: "instance-0000002a",
			TaskState: "", VMState: "active", PowerState: nova.PowerRunning, AvailabilityZone: "az-east", Locked: yes(false)},
		{ID: db1, Name: "db-1", Status: nova.ServerMigrating, TenantID: proj1, UserID: "fake",
			Created: rfc(t, "2017-02-14T19:24:50Z"), Updated: rfc(t, "2017-02-14T19:31:12Z"),
			Host: "compute-07", HypervisorHostname: "compute-07.rack3.example.net", InstanceName: "instance-0000002b",
			TaskState: "migrating", VMState: "active", PowerState: nova.PowerRunning, AvailabilityZone: "az-east", Locked: yes(true)},
		{ID: "7c8d3e4f-5061-4b72-8c83-94a5b6c7d8e9", Name: "batch-1", Status: nova.ServerShutoff,
			TenantID: "0d1e2f3a4b5c4d6e8f708192a3b4c5d6", UserID: "5c48ebaa-193f-4c5d-948a-f559cc92cd5e",
			Created: rfc(t, "2017-02-14T19:26:10Z"), Updated: rfc(t, "2017-02-14T19:40:00Z"),
			Host: "compute-07", HypervisorHostname: "compute-07.rack3.example.net", InstanceName: "instance-0000002c",
			VMState: "stopped", PowerState: nova.PowerShutdown, AvailabilityZone: "az-east", Locked: yes(false)},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d servers, want %d", len(got), len(want))
	}
	for i := range want {
		sameServer(t, got[i], want[i])
	}
	// The sample's next link is on openstack.example.com: the second page
	// is asked of the endpoint with the link's marker.
	calls := f.recorded()
	if len(calls) != 2 {
		t.Fatalf("%d requests, want 2: %s", len(calls), describe(calls))
	}
	calls[0].check(t, "GET", "/v2.1/servers/detail", "all_tenants=1&host=compute-07&limit=2", "2.80")
	calls[1].check(t, "GET", "/v2.1/servers/detail", "all_tenants=1&host=compute-07&limit=2&marker="+db1, "2.80")
}

func TestListServersNulls(t *testing.T) {
	f := newFake(t)
	f.reply("GET", "/v2.1/servers/detail", 200, sample(t, "servers/servers-detail-nulls.json"))
	got, err := collect(t, f.client("2.1").ListServers(context.Background(), nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("got %d servers", len(got))
	}
	sameServer(t, got[0], nova.Server{ID: "8d9e4f50-6172-4c83-9d94-a5b6c7d8e9fa", Status: "BUILD"})
	f.only().check(t, "GET", "/v2.1/servers/detail", "", "2.1")
}

func TestListServersEveryOption(t *testing.T) {
	f := newFake(t)
	f.reply("GET", "/v2.1/servers/detail", 200, []byte(`{"servers": []}`))
	opts := &nova.ListServersOptions{
		AllProjects: true, Host: "compute-1", Node: "node-1.example", Status: nova.ServerVerifyResize,
		Name: "^web-[0-9]+$", ProjectID: "p1",
		ChangesSince: time.Date(2024, 5, 1, 10, 0, 0, 0, time.FixedZone("x", 2*3600)),
		Limit:        50, Marker: web1,
	}
	got, err := collect(t, f.client("2.1").ListServers(context.Background(), opts))
	if err != nil || len(got) != 0 {
		t.Fatalf("%v %v", got, err)
	}
	f.only().check(t, "GET", "/v2.1/servers/detail",
		"all_tenants=1&changes-since=2024-05-01T10%3A00%3A00%2B02%3A00&host=compute-1&limit=50&marker="+web1+
			"&name=%5Eweb-%5B0-9%5D%2B%24&node=node-1.example&project_id=p1&status=VERIFY_RESIZE", "2.1")
	if opts.Marker != web1 {
		t.Error("ListServers changed the caller's options")
	}

	// Zero values are not sent; AllProjects false is not all_tenants=0.
	f2 := newFake(t)
	f2.reply("GET", "/v2.1/servers/detail", 200, []byte(`{"servers": []}`))
	if _, err := collect(t, f2.client("2.1").ListServers(context.Background(), &nova.ListServersOptions{})); err != nil {
		t.Fatal(err)
	}
	f2.only().check(t, "GET", "/v2.1/servers/detail", "", "2.1")
}

// serversPage builds a servers/detail page of names with an optional next
// link.
func serversPage(names []string, next string) []byte {
	s := `{"servers": [`
	for i, n := range names {
		if i > 0 {
			s += ","
		}
		s += fmt.Sprintf(`{"id": "id-%s", "name": %q, "status": "ACTIVE", "OS-EXT-SRV-ATTR:host": "compute-1"}`, n, n)
	}
	s += `]`
	if next != "" {
		s += `, "servers_links": [{"href": "` + next + `", "rel": "next"}]`
	}
	return []byte(s + `}`)
}

func TestListServersPagesOnDemand(t *testing.T) {
	f := newFake(t)
	link := func(marker string) string {
		return f.endpoint() + "/servers/detail?all_tenants=1&host=compute-1&limit=2&marker=" + marker
	}
	f.on("GET", "/v2.1/servers/detail", func(w http.ResponseWriter, r *http.Request, _ []byte) {
		switch r.URL.Query().Get("marker") {
		case "":
			writeJSON(w, 200, serversPage([]string{"a", "b"}, link("id-b")))
		case "id-b":
			writeJSON(w, 200, serversPage([]string{"c", "d"}, link("id-d")))
		case "id-d":
			writeJSON(w, 200, serversPage([]string{"e"}, ""))
		default:
			writeJSON(w, 400, []byte(`{"badRequest": {"code": 400, "message": "marker not found"}}`))
		}
	})
	// After the n-th server, how many requests have been sent: a page is
	// fetched only when the loop goes past the previous one.
	wantCalls := []int{1, 1, 2, 2, 3}
	var names []string
	i := 0
	for s, err := range f.client("2.80").ListServers(context.Background(),
		&nova.ListServersOptions{AllProjects: true, Host: "compute-1", Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, s.Name)
		if n := len(f.recorded()); i < len(wantCalls) && n != wantCalls[i] {
			t.Errorf("after server %d: %d requests, want %d", i+1, n, wantCalls[i])
		}
		i++
	}
	if strings.Join(names, ",") != "a,b,c,d,e" {
		t.Fatalf("names %v", names)
	}
	calls := f.recorded()
	if len(calls) != 3 {
		t.Fatalf("%d requests, want 3: %s", len(calls), describe(calls))
	}
	calls[0].check(t, "GET", "/v2.1/servers/detail", "all_tenants=1&host=compute-1&limit=2", "2.80")
	calls[1].check(t, "GET", "/v2.1/servers/detail", "all_tenants=1&host=compute-1&limit=2&marker=id-b", "2.80")
	calls[2].check(t, "GET", "/v2.1/servers/detail", "all_tenants=1&host=compute-1&limit=2&marker=id-d", "2.80")
}

func TestListServersBreakSendsNothingMore(t *testing.T) {
	f := newFake(t)
	f.reply("GET", "/v2.1/servers/detail", 200, serversPage([]string{"a", "b"}, f.endpoint()+"/servers/detail?marker=id-b"))
	n := 0
	for s, err := range f.client("2.80").ListServers(context.Background(), nil) {
		if err != nil || s.Name != "a" {
			t.Fatalf("first server %q, %v", s.Name, err)
		}
		n++
		break
	}
	if n != 1 {
		t.Fatalf("%d servers", n)
	}
	f.only()

	// Breaking at the end of a page does not fetch the next one either.
	f2 := newFake(t)
	f2.reply("GET", "/v2.1/servers/detail", 200, serversPage([]string{"a", "b"}, f2.endpoint()+"/servers/detail?marker=id-b"))
	for s, err := range f2.client("2.80").ListServers(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		if s.Name == "b" {
			break
		}
	}
	f2.only()
}

// A next link on another host is never sent: the iterator asks its own
// endpoint for the page with the link's marker.
func TestListServersForeignLinkNotFollowed(t *testing.T) {
	f := newFake(t)
	var foreign []string
	other := newFake(t)
	other.on("GET", "/v2.1/servers/detail", func(w http.ResponseWriter, r *http.Request, _ []byte) {
		foreign = append(foreign, r.URL.String())
		writeJSON(w, 200, serversPage([]string{"stolen"}, ""))
	})
	f.on("GET", "/v2.1/servers/detail", func(w http.ResponseWriter, r *http.Request, _ []byte) {
		if r.URL.Query().Get("marker") == "" {
			writeJSON(w, 200, serversPage([]string{"a"}, other.endpoint()+"/servers/detail?limit=1&marker=id-a"))
			return
		}
		writeJSON(w, 200, serversPage([]string{"b"}, ""))
	})
	got, err := collect(t, f.client("2.80").ListServers(context.Background(), &nova.ListServersOptions{Limit: 1}))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "a" || got[1].Name != "b" {
		t.Fatalf("got %v", got)
	}
	if len(foreign) != 0 || len(other.recorded()) != 0 {
		t.Errorf("requests sent to the other host: %v", foreign)
	}
	calls := f.recorded()
	if len(calls) != 2 {
		t.Fatalf("%d requests, want 2: %s", len(calls), describe(calls))
	}
	calls[1].check(t, "GET", "/v2.1/servers/detail", "limit=1&marker=id-a", "2.80")

	// An off-host link that gives no new marker ends the list with an
	// error instead of asking for the same page again.
	f2 := newFake(t)
	f2.reply("GET", "/v2.1/servers/detail", 200, []byte(`{"servers": [{"id": ""}], "servers_links": [{"href": "http://elsewhere.example/v2.1/servers/detail", "rel": "next"}]}`))
	_, err = collect(t, f2.client("2.80").ListServers(context.Background(), nil))
	if err == nil || !strings.Contains(err.Error(), "another host") || !strings.Contains(err.Error(), "/servers/detail") {
		t.Errorf("err = %v", err)
	}
	f2.only()
}

func TestListServersLinkLoopStops(t *testing.T) {
	f := newFake(t)
	f.reply("GET", "/v2.1/servers/detail", 200, serversPage([]string{"a"}, f.endpoint()+"/servers/detail?marker=id-a"))
	got, err := collect(t, f.client("2.80").ListServers(context.Background(), nil))
	if err == nil || !strings.Contains(err.Error(), "repeats") {
		t.Fatalf("got %d servers, err %v", len(got), err)
	}
	if n := len(f.recorded()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestListServersValidation(t *testing.T) {
	f := newFake(t)
	_, err := collect(t, f.client("2.80").ListServers(context.Background(), &nova.ListServersOptions{Limit: -1}))
	asValidation(t, err, "ListServersOptions.Limit")
	//lint:ignore SA1012 checking the nil-context guard
	_, err = collect(t, f.client("2.80").ListServers(nil, nil))
	asValidation(t, err, "ctx")
	f.none()
	if n := f.discoveryCount(); n != 0 {
		t.Errorf("%d discoveries", n)
	}
}

func TestListServersForbidden(t *testing.T) {
	f := newFake(t)
	f.reply("GET", "/v2.1/servers/detail", 403,
		[]byte(`{"forbidden": {"code": 403, "message": "Policy doesn't allow os_compute_api:servers:detail:get_all_tenants to be performed."}}`))
	var errs []error
	n := 0
	for _, err := range f.client("2.80").ListServers(context.Background(), &nova.ListServersOptions{AllProjects: true}) {
		n++
		if err != nil {
			errs = append(errs, err)
		}
	}
	if n != 1 || len(errs) != 1 {
		t.Fatalf("%d items, errors %v", n, errs)
	}
	var apiErr *cloudmigrate.Error
	if !errors.As(errs[0], &apiErr) {
		t.Fatalf("err = %v (%T)", errs[0], errs[0])
	}
	if apiErr.StatusCode != 403 || apiErr.Code != "forbidden" || apiErr.RequestID != reqID ||
		apiErr.Message != "Policy doesn't allow os_compute_api:servers:detail:get_all_tenants to be performed." {
		t.Errorf("error = %+v", apiErr)
	}
	f.only().check(t, "GET", "/v2.1/servers/detail", "all_tenants=1", "2.80")
}

func TestServerTimeReadsZoneZ(t *testing.T) {
	var tm nova.Time
	if err := tm.UnmarshalJSON([]byte(`"2017-02-14T19:23:59Z"`)); err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2017, 2, 14, 19, 23, 59, 0, time.UTC); !tm.Equal(want) || tm.Location() != time.UTC {
		t.Errorf("got %v", tm)
	}
}
