package manila

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
)

// mockEndpoint is the catalog URL the httpmock tests use.
const mockEndpoint = "https://manila.example.com:8786/v2/" + testProject

// mockServerURL is the share-server resource of id under mockEndpoint.
func mockServerURL(id string) string { return mockEndpoint + "/share-servers/" + id }

// mockActionURL is the action URL of share server id under mockEndpoint.
func mockActionURL(id string) string { return mockServerURL(id) + "/action" }

// seen records the requests an httpmock responder received.
type seen struct {
	mu   sync.Mutex
	reqs []recorded
}

func (s *seen) add(r *http.Request) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = append(s.reqs, recorded{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
}

func (s *seen) all() []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recorded(nil), s.reqs...)
}

// count returns how many requests used method.
func (s *seen) count(method string) int {
	n := 0
	for _, r := range s.all() {
		if r.Method == method {
			n++
		}
	}
	return n
}

// answer builds an httpmock answer with the request ID header.
func answer(status int, body string) *http.Response {
	resp := httpmock.NewStringResponse(status, body)
	resp.Header.Set("X-Openstack-Request-Id", testRequestID)
	if body != "" {
		resp.Header.Set("Content-Type", "application/json")
	}
	return resp
}

// mockClient returns a client for mockEndpoint pinned to version, sending
// through mt.
func mockClient(t *testing.T, mt *httpmock.MockTransport, endpoint, version string) *Client {
	t.Helper()
	c, err := NewClient(endpoint, auth.StaticToken(testToken),
		cloudmigrate.WithHTTPClient(&http.Client{Transport: mt}), cloudmigrate.WithMicroversion(version), fastRetries)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// serveShareServer answers GET of share server id with body (status 200)
// and records the requests.
func serveShareServer(mt *httpmock.MockTransport, id string, status int, body string) *seen {
	var s seen
	mt.RegisterResponder(http.MethodGet, mockServerURL(id), func(r *http.Request) (*http.Response, error) {
		s.add(r)
		return answer(status, body), nil
	})
	return &s
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// checkGet asserts the request is a plain GET of share server id at
// version: no body, no experimental header.
func checkGet(t *testing.T, r recorded, id, version string) {
	t.Helper()
	if r.Method != http.MethodGet || r.Path != "/v2/"+testProject+"/share-servers/"+id {
		t.Errorf("sent %s %s", r.Method, r.Path)
	}
	if len(r.Body) != 0 || r.Header.Get("Content-Type") != "" {
		t.Errorf("a GET carried a body %q (Content-Type %q)", r.Body, r.Header.Get("Content-Type"))
	}
	checkShareHeaders(t, r, version, false)
}

func TestGetShareServerOfficialSample(t *testing.T) {
	const id = "ba11930a-bf1a-4aa7-bae4-a8dfbaa3cc73"
	mt := httpmock.NewMockTransport()
	s := serveShareServer(mt, id, 200, string(testdata(t, "share-server/share-server-show-response.json")))
	got, err := mockClient(t, mt, mockEndpoint, "2.57").GetShareServer(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	want := &ShareServer{
		ID:               id,
		ProjectID:        "16e1ab15c35a457e9c2b2aa189f544e1",
		Status:           ShareServerStatusActive,
		Host:             "manila2@generic1",
		ShareNetworkID:   "713df749-aac0-4a54-af52-10f6c991e80c",
		ShareNetworkName: "net_my",
		CreatedAt:        utc("2015-09-07T08:37:19Z"),
		UpdatedAt:        utc("2015-09-07T08:52:15Z"),
		BackendDetails: map[string]string{
			"username":        "manila",
			"router_id":       "4b62ce91-56c5-45c1-b0ef-8cbbe5dd34f4",
			"pk_path":         "/opt/stack/.ssh/id_rsa",
			"subnet_id":       "16e99ad6-5191-461c-9f34-ac84a39c3adb",
			"ip":              "10.254.0.3",
			"instance_id":     "75f2f282-af65-49ba-a7b1-525705b1bf1a",
			"public_address":  "10.254.0.3",
			"service_port_id": "8ff21760-961e-4b83-a032-03fd559bb1d3",
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decoded\n  %+v\nwant\n  %+v", got, want)
	}
	reqs := s.all()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	checkGet(t, reqs[0], id, "2.57")
}

func TestGetShareServerEveryField(t *testing.T) {
	mt := httpmock.NewMockTransport()
	s := serveShareServer(mt, testDestID, 200, string(testdata(t, "share-server/share-server-show-migrated-2.90.json")))
	got, err := mockClient(t, mt, mockEndpoint, "2.90").GetShareServer(context.Background(), testDestID)
	if err != nil {
		t.Fatal(err)
	}
	want := &ShareServer{
		ID:               testDestID,
		ProjectID:        testProject,
		Status:           ShareServerStatusActive,
		Host:             "manila-share-2@netapp1",
		ShareNetworkID:   "1d04b755-649f-46a4-964c-be9f0395af13",
		ShareNetworkName: "tenant-net",
		CreatedAt:        utc("2025-03-04T10:20:30Z"),
		UpdatedAt:        utc("2025-03-04T11:45:02.123456Z"),
		BackendDetails: map[string]string{
			"vserver_name": "os_c2f71561-85e2-4ccb-a91a-e44f9ff6f7ef",
			"ports":        "2",
			"ipv6":         "false",
			"note":         "",
		},
		IsAutoDeletable:                ptr(false),
		Identifier:                     "os_c2f71561-85e2-4ccb-a91a-e44f9ff6f7ef",
		ShareNetworkSubnetIDs:          []string{"3c2f4a5b-6d7e-4f80-9a1b-2c3d4e5f6a7b", "7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b"},
		TaskState:                      TaskStateMigrationSuccess,
		SourceShareServerID:            testServerID,
		SecurityServiceUpdateSupport:   ptr(true),
		NetworkAllocationUpdateSupport: ptr(true),
		EncryptionKeyRef:               "https://barbican.example.com:9311/v1/secrets/4d3c2b1a-0f9e-4d8c-b7a6-5f4e3d2c1b0a",
	}
	if !reflect.DeepEqual(got, want) {
		gb, _ := json.Marshal(got)
		wb, _ := json.Marshal(want)
		t.Errorf("decoded\n  %s\nwant\n  %s", gb, wb)
	}
	if got.UpdatedAt.Location() != time.UTC || got.UpdatedAt.Nanosecond() != 123456000 {
		t.Errorf("updated_at %v", got.UpdatedAt)
	}
	checkGet(t, s.all()[0], testDestID, "2.90")
}

// TestGetShareServerNullsAndOlderFields: an answer of microversions 2.51 to
// 2.69 (one subnet ID) with every nullable field null.
func TestGetShareServerNullsAndOlderFields(t *testing.T) {
	body := `{"share_server": {"id": "` + testServerID + `", "project_id": "` + testProject + `",
		"updated_at": null, "status": "server_migrating", "host": "manila-share-1@netapp1",
		"share_network_name": null, "share_network_id": "1d04b755-649f-46a4-964c-be9f0395af13",
		"created_at": "2025-03-04 10:20:30", "backend_details": null,
		"is_auto_deletable": null, "identifier": null,
		"share_network_subnet_id": "3c2f4a5b-6d7e-4f80-9a1b-2c3d4e5f6a7b",
		"task_state": null, "source_share_server_id": null, "security_service_update_support": null,
		"encryption_key_ref": null}}`
	mt := httpmock.NewMockTransport()
	serveShareServer(mt, testServerID, 200, body)
	got, err := mockClient(t, mt, mockEndpoint, "2.63").GetShareServer(context.Background(), testServerID)
	if err != nil {
		t.Fatal(err)
	}
	want := &ShareServer{
		ID:                   testServerID,
		ProjectID:            testProject,
		Status:               ShareServerStatusServerMigrating,
		Host:                 "manila-share-1@netapp1",
		ShareNetworkID:       "1d04b755-649f-46a4-964c-be9f0395af13",
		CreatedAt:            utc("2025-03-04T10:20:30Z"),
		ShareNetworkSubnetID: "3c2f4a5b-6d7e-4f80-9a1b-2c3d4e5f6a7b",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decoded\n  %+v\nwant\n  %+v", got, want)
	}
}

func TestGetShareServerTimestamps(t *testing.T) {
	for raw, want := range map[string]time.Time{
		`"2015-09-07T08:37:19.000000"`:       utc("2015-09-07T08:37:19Z"),
		`"2015-09-07T08:37:19"`:              utc("2015-09-07T08:37:19Z"),
		`"2015-09-07 08:37:19.5"`:            utc("2015-09-07T08:37:19.5Z"),
		`"2015-09-07T08:37:19Z"`:             utc("2015-09-07T08:37:19Z"),
		`"2015-09-07T10:37:19.25+02:00"`:     utc("2015-09-07T08:37:19.25Z"),
		`""`:                                 {},
		`null`:                               {},
		`"2015-09-07T08:37:19.123456789Z"`:   utc("2015-09-07T08:37:19.123456789Z"),
		`"2015-09-07T08:37:19.000000-05:00"`: utc("2015-09-07T13:37:19Z"),
	} {
		var s ShareServer
		if err := json.Unmarshal([]byte(`{"created_at": `+raw+`}`), &s); err != nil {
			t.Errorf("%s: %v", raw, err)
			continue
		}
		if !s.CreatedAt.Equal(want) || (!want.IsZero() && s.CreatedAt.Location() != time.UTC) {
			t.Errorf("%s: %v, want %v", raw, s.CreatedAt, want)
		}
	}
	for _, raw := range []string{`"yesterday"`, `12`, `"2015-13-07T08:37:19"`, `{}`} {
		var s ShareServer
		if err := json.Unmarshal([]byte(`{"updated_at": `+raw+`}`), &s); err == nil || !strings.Contains(err.Error(), "updated_at") {
			t.Errorf("%s: err = %v, want one naming updated_at", raw, err)
		}
	}
}

// TestShareServerRoundTrip: a share server encodes with the wire names and
// decodes back to the same value.
func TestShareServerRoundTrip(t *testing.T) {
	var s ShareServer
	if err := json.Unmarshal(testdata(t, "share-server/share-server-show-migrated-2.90.json"), &struct {
		S *ShareServer `json:"share_server"`
	}{&s}); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var again ShareServer
	if err := json.Unmarshal(b, &again); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s, again) {
		t.Errorf("round trip changed\n  %+v\ninto\n  %+v", s, again)
	}
	for _, key := range []string{`"task_state":"migration_success"`, `"source_share_server_id"`, `"backend_details"`, `"encryption_key_ref"`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("encoding %s lacks %s", b, key)
		}
	}
}

func TestGetShareServerErrors(t *testing.T) {
	ctx := context.Background()
	// A documented 404.
	mt := httpmock.NewMockTransport()
	s := serveShareServer(mt, testServerID, 404,
		`{"itemNotFound": {"code": 404, "message": "Share server `+testServerID+` could not be found."}}`)
	_, err := mockClient(t, mt, mockEndpoint, "2.57").GetShareServer(ctx, testServerID)
	var apiErr *cloudmigrate.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || apiErr.Code != "itemNotFound" ||
		apiErr.Message != "Share server "+testServerID+" could not be found." || apiErr.RequestID != testRequestID ||
		apiErr.Method != http.MethodGet || !cloudmigrate.IsNotFound(err) {
		t.Errorf("err = %v (%+v)", err, apiErr)
	}
	if len(s.all()) != 1 {
		t.Errorf("%d requests for a 404, want 1", len(s.all()))
	}

	// A 200 without the share_server object.
	mt = httpmock.NewMockTransport()
	serveShareServer(mt, testServerID, 200, `{"share_servers": []}`)
	if _, err := mockClient(t, mt, mockEndpoint, "2.57").GetShareServer(ctx, testServerID); !errors.Is(err, errNoShareServer) {
		t.Errorf("missing object: err = %v", err)
	}
	// An undecodable answer.
	mt = httpmock.NewMockTransport()
	serveShareServer(mt, testServerID, 200, `{"share_server": {"created_at": "soon"}}`)
	if _, err := mockClient(t, mt, mockEndpoint, "2.57").GetShareServer(ctx, testServerID); err == nil ||
		!strings.Contains(err.Error(), "created_at") {
		t.Errorf("bad timestamp: err = %v", err)
	}

	// A GET is retried after a 503.
	mt = httpmock.NewMockTransport()
	var calls int
	mt.RegisterResponder(http.MethodGet, mockServerURL(testServerID), func(*http.Request) (*http.Response, error) {
		calls++
		if calls == 1 {
			return answer(503, `{"serviceUnavailable": {"code": 503, "message": "down"}}`), nil
		}
		return answer(200, string(testdata(t, "share-server/share-server-show-response.json"))), nil
	})
	if _, err := mockClient(t, mt, mockEndpoint, "2.57").GetShareServer(ctx, testServerID); err != nil || calls != 2 {
		t.Errorf("after a 503: %v, %d calls", err, calls)
	}
}

func TestGetShareServerValidation(t *testing.T) {
	for _, id := range []string{"", "a/b", ".", "..", "a b"} {
		mt := httpmock.NewMockTransport()
		_, err := mockClient(t, mt, mockEndpoint, "2.57").GetShareServer(context.Background(), id)
		var ve *cloudmigrate.ValidationError
		if !errors.As(err, &ve) || ve.Field != "shareServerID" {
			t.Errorf("%q: err = %v", id, err)
		}
		if n := mt.GetTotalCallCount(); n != 0 {
			t.Errorf("%q: %d requests sent", id, n)
		}
	}
	mt := httpmock.NewMockTransport()
	//lint:ignore SA1012 testing the nil check
	_, err := mockClient(t, mt, mockEndpoint, "2.57").GetShareServer(nil, testServerID) //nolint:staticcheck
	var ve *cloudmigrate.ValidationError
	if !errors.As(err, &ve) || ve.Field != "ctx" || mt.GetTotalCallCount() != 0 {
		t.Errorf("nil ctx: %v", err)
	}
}

func TestGetShareServerProjectlessEndpoint(t *testing.T) {
	const endpoint = "https://manila.example.com:8786/v2"
	mt := httpmock.NewMockTransport()
	var s seen
	mt.RegisterResponder(http.MethodGet, endpoint+"/share-servers/"+testServerID, func(r *http.Request) (*http.Response, error) {
		s.add(r)
		return answer(200, `{"share_server": {"id": "`+testServerID+`", "status": "active", "task_state": "migration_cancelled"}}`), nil
	})
	// A pinned client does not know the service's range and sends at any
	// version: services of 2.60 and later route the URL for all of them.
	for i, v := range []string{"2.57", "2.60"} {
		got, err := mockClient(t, mt, endpoint, v).GetShareServer(context.Background(), testServerID)
		if err != nil || got.TaskState != TaskStateMigrationCancelled || got.Status != ShareServerStatusActive {
			t.Fatalf("%s: got %+v, %v", v, got, err)
		}
		if r := s.all()[i]; r.Path != "/v2/share-servers/"+testServerID || r.Header.Get("X-Openstack-Manila-Api-Version") != v ||
			r.Header.Get("X-Openstack-Manila-Api-Experimental") != "" {
			t.Errorf("%s: request %s %v", v, r.Path, r.Header)
		}
	}
}
