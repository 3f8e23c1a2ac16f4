package ecs

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

// GetServer decodes the reference's example field by field.
func TestGetServerOfficialExample(t *testing.T) {
	c, mt := newMockClient(t)
	var got captured
	const id = "4f4b3dfa-eb70-47cf-a60a-998a53bd598a"
	mt.RegisterResponder(http.MethodGet, testEndpoint+"/v1/"+testProject+"/cloudservers/"+id,
		jsonResponder(200, testdata(t, "server_official_example.json"), "req-show", capture(t, &got)))
	s, err := c.GetServer(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if got.method != http.MethodGet || got.path != "/v1/"+testProject+"/cloudservers/"+id || len(got.body) != 0 {
		t.Errorf("request %s %s %q", got.method, got.path, got.body)
	}
	launched, _ := time.Parse(time.RFC3339Nano, "2018-09-13T07:04:09.197749Z")
	checks := []struct {
		name      string
		got, want any
	}{
		{"ID", s.ID, id},
		{"Name", s.Name, "ecs-2ecf"},
		{"Status", s.Status, ServerActive},
		{"TaskState", s.TaskState, ""},
		{"VMState", s.VMState, "active"},
		{"PowerState", s.PowerState, PowerRunning},
		{"Host", s.Host, "az21.dc1"},
		{"HostID", s.HostID, "c7145889b2e3202cd295ceddb1742ff8941b827b586861fd0acedf64"},
		{"HostStatus", s.HostStatus, "UP"},
		{"HypervisorHostname", s.HypervisorHostname, "nova003@74"},
		{"InstanceName", s.InstanceName, "instance-0015147f"},
		{"Hostname", s.Hostname, "ecs-2ecf"},
		{"AvailabilityZone", s.AvailabilityZone, "az1-dc1"},
		{"DedicatedHostID", s.DedicatedHostID(), ""},
		{"Flavor", s.Flavor, ServerFlavor{ID: "s3.large.1", Name: "s3.large.1", Disk: "0", VCPUs: "2", RAM: "1024",
			ASICAccelerators: []FlavorDevice{{Name: "asic_01", Count: 1, MemoryMB: 1024}}}},
		{"Image", s.Image.ID, "c71b64e7-4767-4406-afde-2c7c7ac2242c"},
		{"Addresses", s.Addresses["0431c5e5-bc94-4a44-8263-15da2a642435"], []ServerAddress{{Version: "4", Addr: "192.168.1.99", Primary: true,
			Type: "fixed", MACAddr: "fa:16:3e:df:18:6d", PortID: "23037c18-027a-44e5-b6b9-f8d8f113fe02"}}},
		{"SecurityGroups", s.SecurityGroups, []ServerSecurityGroup{{ID: "6505b5d1-7837-41eb-8a1c-869d4355baa3", Name: "sg-95ec"}}},
		{"VolumesAttached", s.VolumesAttached, []VolumeAttachment{{ID: "80c15cff-2473-4982-a816-d760cad6c42c", Device: "/dev/vda", BootIndex: "0", DeleteOnTermination: "false"}}},
		{"KeyName", s.KeyName, "KeyPair-d750"},
		{"Metadata", s.Metadata["charging_mode"] + "/" + s.Metadata["vpc_id"], "1/0431c5e5-bc94-4a44-8263-15da2a642435"},
		{"Tags", len(s.Tags), 0},
		{"SysTags", s.SysTags, []SysTag{{Key: "_sys_enterprise_project_id", Value: "0"}}},
		{"TenantID", s.TenantID, "ff2eb406effc455aba53174463eb9322"},
		{"UserID", s.UserID, "0bc5e11f91dd48849bb03b7c8a263b2c"},
		{"Created", s.Created.UTC().Format(time.RFC3339), "2018-09-13T07:03:44Z"},
		{"Updated", s.Updated.UTC().Format(time.RFC3339), "2018-09-13T07:06:51Z"},
		{"LaunchedAt", s.LaunchedAt.Time.Equal(launched), true},
		{"TerminatedAt", s.TerminatedAt.IsZero(), true},
		{"AutoTerminateTime", s.AutoTerminateTime.IsZero(), true},
		{"DiskConfig", s.DiskConfig, "MANUAL"},
		{"ReservationID", s.ReservationID, "r-nrd8b5c4"},
		{"LaunchIndex", s.LaunchIndex, 0},
		{"RootDeviceName", s.RootDeviceName, "/dev/vda"},
		{"Locked", s.Locked, false},
		{"Fault", s.Fault == nil, true},
		{"Hypervisor", s.Hypervisor == nil, true},
		{"CPUOptions", s.CPUOptions != nil && s.CPUOptions.ThreadsPerCore == nil, true},
		{"SecurityOptions", s.SecurityOptions != nil && s.SecurityOptions.TPMEnabled == nil, true},
	}
	for _, ck := range checks {
		if !reflect.DeepEqual(ck.got, ck.want) {
			t.Errorf("%s = %#v, want %#v", ck.name, ck.got, ck.want)
		}
	}
}

// notTyped are the keys of the reference's example that Server leaves out
// on purpose.
var notTyped = map[string]string{
	"OS-EXT-SRV-ATTR:user_data":          "may hold secrets",
	"capacity_reservation_id":            "in the example only, not in the field table",
	"capacity_reservation_specification": "in the example only, not in the field table",
	"enclave_options":                    "in the example only, not in the field table",
	"spod_id":                            "in the example only, not in the field table",
}

// jsonNames returns the JSON names of a struct type's fields.
func jsonNames(typ reflect.Type) map[string]bool {
	names := map[string]bool{}
	for i := range typ.NumField() {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		names[name] = true
	}
	return names
}

// Server has a field for every key of the reference's example but those
// left out on purpose, and no field the example lacks but for the
// documented optional ones.
func TestServerCoversTheExample(t *testing.T) {
	var doc map[string]map[string]any
	if err := json.Unmarshal(testdata(t, "server_official_example.json"), &doc); err != nil {
		t.Fatal(err)
	}
	names := jsonNames(reflect.TypeFor[Server]())
	for k := range doc["server"] {
		if _, skip := notTyped[k]; !names[k] && !skip {
			t.Errorf("the example's %q has no field in Server", k)
		}
	}
	// Documented, but absent from this example (enterprise projects, a
	// fault, the flavor's GPUs are optional).
	optional := map[string]bool{"enterprise_project_id": true, "fault": true}
	for k := range names {
		if _, ok := doc["server"][k]; !ok && !optional[k] {
			t.Errorf("Server's %q is not in the example", k)
		}
	}
}

// The user data of the list example (a script with a password hash)
// never reaches a decoded Server, its JSON or its %+v.
func TestServerLeavesUserDataOut(t *testing.T) {
	c, mt := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, detailURL, jsonResponder(200, testdata(t, "servers_detail_official_example.json"), "", nil))
	var all []Server
	for s, err := range c.ListServers(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, s)
	}
	out, err := json.Marshal(all)
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{string(out), fmt.Sprintf("%+v", all)} {
		if strings.Contains(text, "IyEvYmluL2Jhc2g") || strings.Contains(text, "user_data") {
			t.Errorf("user data leaked: %.200s", text)
		}
	}
}

// A stopped server on a dedicated host, and one being cold-migrated.
func TestGetServerOnADedicatedHost(t *testing.T) {
	c, mt := newMockClient(t)
	registerServer(t, mt, nil)
	s, err := c.GetServer(context.Background(), testServer)
	if err != nil {
		t.Fatal(err)
	}
	if s.DedicatedHostID() != testSource || s.Status != ServerShutoff || s.PowerState != PowerShutdown ||
		!reflect.DeepEqual(s.SchedulerHints.Tenancy, []string{"dedicated"}) {
		t.Errorf("server %+v", s)
	}
	if inFlight, _ := moving(s); inFlight {
		t.Error("a stopped server counts as moving")
	}

	mt.RegisterResponder(http.MethodGet, serverURL, jsonResponder(200, testdata(t, "server_resizing.json"), "", nil))
	s, err = c.GetServer(context.Background(), testServer)
	if err != nil {
		t.Fatal(err)
	}
	inFlight, evidence := moving(s)
	if !inFlight || evidence != "status RESIZE, task_state resize_migrating" || s.Progress != 40 {
		t.Errorf("resizing server: %v %q %+v", inFlight, evidence, s)
	}

	mt.RegisterResponder(http.MethodGet, serverURL, jsonResponder(200, testdata(t, "server_error.json"), "", nil))
	s, err = c.GetServer(context.Background(), testServer)
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != ServerError || s.Fault == nil || s.Fault.Code != "500" || s.Fault.Message != "disk copy to the target host failed" ||
		s.Fault.Details == "" || s.Fault.Created.IsZero() {
		t.Errorf("server in ERROR: %+v", s.Fault)
	}
}

// Every status and task state that means a move under way is seen as
// one; the others are not.
func TestMovingStates(t *testing.T) {
	for _, tc := range []struct {
		status ServerStatus
		task   string
		want   bool
	}{
		{ServerResize, "resize_prep", true},
		{ServerShutoff, "resize_migrating", true},
		{ServerVerifyResize, "", true},
		{ServerRevertResize, "resize_reverting", true},
		{ServerMigrating, "migrating", true},
		{ServerActive, "migrating", true},
		{ServerShutoff, "", false},
		{ServerActive, "powering-off", false},
		{ServerShutoff, "powering-on", false},
		{ServerError, "", false},
		{ServerRebuild, "rebuilding", false},
	} {
		if got, _ := moving(&Server{Status: tc.status, TaskState: tc.task}); got != tc.want {
			t.Errorf("%s/%s: moving %v, want %v", tc.status, tc.task, got, tc.want)
		}
	}
}

func TestFaultCode(t *testing.T) {
	for in, want := range map[string]FaultCode{
		`500`: "500", `"Ecs.0100"`: "Ecs.0100", `-1`: "-1", `null`: "", `true`: "", `{}`: "", `1e3`: "1e3",
	} {
		var f ServerFault
		if err := json.Unmarshal([]byte(`{"code": `+in+`}`), &f); err != nil || f.Code != want {
			t.Errorf("code %s: %q, %v; want %q", in, f.Code, err, want)
		}
	}
}

func TestGetServerRefusalsAndRetries(t *testing.T) {
	c, mt := newMockClient(t, cloudmigrate.WithRetryWait(time.Millisecond, 2*time.Millisecond))
	mt.RegisterResponder(http.MethodGet, serverURL, jsonResponder(404, testdata(t, "error_server_not_found.json"), "req-404", nil))
	_, err := c.GetServer(context.Background(), testServer)
	var apiErr *cloudmigrate.Error
	if !errors.As(err, &apiErr) || apiErr.Code != CodeServerNotFound || apiErr.Attempts != 1 || !cloudmigrate.IsNotFound(err) {
		t.Errorf("not found: %v", err)
	}

	mt.RegisterResponder(http.MethodGet, serverURL,
		jsonResponder(503, []byte(`{"error":{"code":"Ecs.0002","message":"busy"}}`), "", nil).
			Then(jsonResponder(200, testdata(t, "server_on_deh.json"), "", nil)))
	mt.ZeroCallCounters()
	if _, err := c.GetServer(context.Background(), testServer); err != nil {
		t.Fatal(err)
	}
	if n := mt.GetTotalCallCount(); n != 2 {
		t.Errorf("%d requests, want 2 (a read is retried)", n)
	}

	mt.RegisterResponder(http.MethodGet, serverURL, jsonResponder(200, []byte(`{"error_code":"X","error_msg":"y"}`), "req-empty", nil))
	if _, err := c.GetServer(context.Background(), testServer); err == nil || !strings.Contains(err.Error(), "req-empty") {
		t.Errorf("an answer without a server: %v", err)
	}
}

// The options become the documented query parameters, page by page.
func TestListServersQuery(t *testing.T) {
	c, mt := newMockClient(t)
	var queries []url.Values
	mt.RegisterResponder(http.MethodGet, detailURL, func(r *http.Request) (*http.Response, error) {
		queries = append(queries, r.URL.Query())
		return httpmock.NewStringResponse(200, `{"count": 0, "servers": []}`), nil
	})
	opts := &ListServersOptions{
		Name: "web.", Status: ServerShutoff, Flavor: "s6.large.2", IP: "192.168.", IPEq: "192.168.0.8",
		Tags: "env=prod", NotTags: "__type_baremetal", ReservationID: "r-1", EnterpriseProjectID: "0",
		Limit: 200, Offset: 3,
	}
	for _, err := range c.ListServers(context.Background(), opts) {
		t.Fatal(err)
	}
	want := url.Values{
		"name": {"web."}, "status": {"SHUTOFF"}, "flavor": {"s6.large.2"}, "ip": {"192.168."}, "ip_eq": {"192.168.0.8"},
		"tags": {"env=prod"}, "not-tags": {"__type_baremetal"}, "reservation_id": {"r-1"}, "enterprise_project_id": {"0"},
		"limit": {"200"}, "offset": {"3"},
	}
	if len(queries) != 1 || !reflect.DeepEqual(queries[0], want) {
		t.Errorf("queries %v, want [%v]", queries, want)
	}

	queries = nil
	ids := []string{testServer, "9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f"}
	for _, err := range c.ListServers(context.Background(), &ListServersOptions{ServerIDs: ids}) {
		t.Fatal(err)
	}
	if len(queries) != 1 || queries[0].Get("server_id") != strings.Join(ids, ",") || queries[0].Get("offset") != "1" {
		t.Errorf("queries %v", queries)
	}
	if opts.Offset != 3 {
		t.Error("ListServers changed the caller's options")
	}
}

// pagedServers answers the list from n servers named s0, s1, ..., with
// limit and offset as the service applies them, and records each offset
// asked for.
func pagedServers(n int, countField bool, offsets *[]string) httpmock.Responder {
	return func(r *http.Request) (*http.Response, error) {
		q := r.URL.Query()
		*offsets = append(*offsets, q.Get("offset"))
		limit, page := 25, 1
		fmt.Sscan(q.Get("limit"), &limit)
		fmt.Sscan(q.Get("offset"), &page)
		var servers []map[string]string
		for i := (page - 1) * limit; i < min(page*limit, n); i++ {
			servers = append(servers, map[string]string{"id": fmt.Sprintf("s%d", i), "status": "SHUTOFF"})
		}
		body := map[string]any{"servers": servers}
		if countField {
			body["count"] = n
		}
		return httpmock.NewJsonResponse(200, body)
	}
}

func TestListServersPaging(t *testing.T) {
	for _, tc := range []struct {
		name      string
		n, limit  int
		count     bool
		offsets   []string
		breakAt   int
		wantSeen  int
		wantPages int
	}{
		{"count ends it", 5, 2, true, []string{"1", "2", "3"}, -1, 5, 3},
		{"exact pages", 4, 2, true, []string{"1", "2"}, -1, 4, 2},
		{"no count: short page ends it", 5, 2, false, []string{"1", "2", "3"}, -1, 5, 3},
		{"no count: empty page ends it", 4, 2, false, []string{"1", "2", "3"}, -1, 4, 3},
		{"default page size", 30, 0, true, []string{"1", "2"}, -1, 30, 2},
		{"break stops sending", 9, 2, true, []string{"1", "2"}, 3, 4, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, mt := newMockClient(t)
			var offsets []string
			mt.RegisterResponder(http.MethodGet, detailURL, pagedServers(tc.n, tc.count, &offsets))
			seen := 0
			for s, err := range c.ListServers(context.Background(), &ListServersOptions{Limit: tc.limit}) {
				if err != nil {
					t.Fatal(err)
				}
				if s.ID != fmt.Sprintf("s%d", seen) {
					t.Fatalf("server %d is %s", seen, s.ID)
				}
				seen++
				if seen == tc.breakAt+1 {
					break
				}
			}
			if seen != tc.wantSeen || !reflect.DeepEqual(offsets, tc.offsets) {
				t.Errorf("saw %d servers over offsets %v; want %d over %v", seen, offsets, tc.wantSeen, tc.offsets)
			}
		})
	}
}

// A service that ignores the page number would make the loop endless:
// the iterator notices the repeated page and stops with an error.
func TestListServersStopsWhenAPageRepeats(t *testing.T) {
	c, mt := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, detailURL, httpmock.NewStringResponder(200,
		`{"count": 10, "servers": [{"id": "a", "status": "ACTIVE"}, {"id": "b", "status": "ACTIVE"}]}`))
	var last error
	n := 0
	for _, err := range c.ListServers(context.Background(), &ListServersOptions{Limit: 2}) {
		if err != nil {
			last = err
			break
		}
		n++
	}
	if n != 2 || last == nil || !strings.Contains(last.Error(), "repeats") || mt.GetTotalCallCount() != 2 {
		t.Errorf("%d servers, error %v, %d requests", n, last, mt.GetTotalCallCount())
	}
}

func TestListServersValidation(t *testing.T) {
	c, mt := newMockClient(t)
	tooMany := make([]string, MaxServerIDsPerList+1)
	for i := range tooMany {
		tooMany[i] = fmt.Sprintf("s%d", i)
	}
	for field, opts := range map[string]*ListServersOptions{
		"ListServersOptions.Limit":     {Limit: -1},
		"ListServersOptions.Limit ":    {Limit: MaxListLimit + 1},
		"ListServersOptions.Offset":    {Offset: -1},
		"ListServersOptions.ServerIDs": {ServerIDs: tooMany},
	} {
		var err error
		for _, e := range c.ListServers(context.Background(), opts) {
			err = e
		}
		var ve *cloudmigrate.ValidationError
		if !errors.As(err, &ve) || ve.Field != strings.TrimSpace(field) {
			t.Errorf("%+v: %v, want a ValidationError for %s", opts, err, field)
		}
	}
	if n := mt.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// The list's example decodes, and fits in the first page.
func TestListServersOfficialExample(t *testing.T) {
	c, mt := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, detailURL, jsonResponder(200, testdata(t, "servers_detail_official_example.json"), "", nil))
	var names []string
	for s, err := range c.ListServers(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, s.Name+"/"+string(s.Status))
	}
	if want := []string{"ecs-5e70/SHUTOFF", "ecs-f680/SHUTOFF", "ecs-3993/SHUTOFF", "ecs-1f30/ACTIVE"}; !reflect.DeepEqual(names, want) {
		t.Errorf("servers %v, want %v", names, want)
	}
	if n := mt.GetTotalCallCount(); n != 1 {
		t.Errorf("%d requests, want 1 (count 4 is reached)", n)
	}
}
