package manilatest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate/manila/manilatest"
)

// The wire tests speak HTTP to the fake directly, to check what the SDK
// cannot show: exact bodies, headers and refusals the SDK prevents.

const (
	sampleSource = "foohost1@backend1"
	sampleDest   = "foohost2@backend2"
)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decode(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
	return v
}

// token returns a valid token for srv.
func token(t *testing.T, srv *manilatest.Server) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL(), nil)
	if err := srv.Authorizer().Authorize(ctx, req); err != nil {
		t.Fatal(err)
	}
	return req.Header.Get("X-Auth-Token")
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

// send makes one request with the given headers (nil values are left
// out) and returns the answer, which must conform to Manila's schemas
// (see conformance_test.go).
func send(t *testing.T, method, url, body string, header map[string]string) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := newConformance(t).client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, b}
}

// headers are those of a well-formed share-server call at version v.
func headers(tok, v string) map[string]string {
	return map[string]string{
		"X-Auth-Token":                        tok,
		"X-OpenStack-Manila-API-Version":      v,
		"X-OpenStack-Manila-API-Experimental": "True",
		"Content-Type":                        "application/json",
	}
}

func actionURL(srv *manilatest.Server, id string) string {
	return srv.ProjectEndpoint() + "/share-servers/" + id + "/action"
}

// keys returns the sorted keys of a decoded JSON object.
func keys(v any) []string {
	var out []string
	for k := range v.(map[string]any) {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestVersionDocuments(t *testing.T) {
	srv := manilatest.NewServer(manilatest.WithVersions("2.3", "2.70"))
	t.Cleanup(srv.Close)

	a := send(t, http.MethodGet, srv.URL()+"/share/", "", nil)
	if a.status != http.StatusMultipleChoices {
		t.Fatalf("GET /share/: %d %s", a.status, a.body)
	}
	got := decode(t, a.body).(map[string]any)["versions"].([]any)
	sample := decode(t, readTestdata(t, "versions-index-response.json")).(map[string]any)["versions"].([]any)
	if len(got) != 2 {
		t.Fatalf("versions %v", got)
	}
	for i := range got {
		if !reflect.DeepEqual(keys(got[i]), keys(sample[i])) {
			t.Errorf("entry %d has fields %v, the sample %v", i, keys(got[i]), keys(sample[i]))
		}
	}
	v1, v2 := got[0].(map[string]any), got[1].(map[string]any)
	if v1["id"] != "v1.0" || v1["status"] != "DEPRECATED" || v1["version"] != "" || v1["min_version"] != "" {
		t.Errorf("v1 %v", v1)
	}
	if v2["id"] != "v2.0" || v2["status"] != "CURRENT" || v2["version"] != "2.70" || v2["min_version"] != "2.3" {
		t.Errorf("v2 %v", v2)
	}
	self := v2["links"].([]any)[1].(map[string]any)
	if self["rel"] != "self" || self["href"] != srv.URL()+"/share/v2/" {
		t.Errorf("self link %v", self)
	}

	a = send(t, http.MethodGet, srv.URL()+"/share/v2/", "", nil)
	if a.status != http.StatusOK {
		t.Fatalf("GET /share/v2/: %d %s", a.status, a.body)
	}
	got = decode(t, a.body).(map[string]any)["versions"].([]any)
	sample = decode(t, readTestdata(t, "versions-get-version-response.json")).(map[string]any)["versions"].([]any)
	if len(got) != 1 || !reflect.DeepEqual(keys(got[0]), keys(sample[0])) || got[0].(map[string]any)["version"] != "2.70" {
		t.Errorf("v2 document %s", a.body)
	}
	if srv.Calls(manilatest.OpVersions) != 2 || a.header.Get("X-Openstack-Request-Id") == "" {
		t.Errorf("calls %v, headers %v", srv.AllCalls(), a.header)
	}
}

func TestCheckAnswersLikeTheOfficialSample(t *testing.T) {
	srv := manilatest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddShareServer(srcID, sampleSource)
	srv.SetBackendCapabilities(sampleDest, manilatest.BackendCapabilities{Writable: true, PreserveSnapshots: true})

	a := send(t, http.MethodPost, actionURL(srv, srcID), string(readTestdata(t, "share-server-migration-check-compatibility-request.json")),
		headers(token(t, srv), "2.57"))
	if a.status != http.StatusOK {
		t.Fatalf("%d %s", a.status, a.body)
	}
	want := decode(t, readTestdata(t, "share-server-migration-check-compatibility-response.json"))
	if got := decode(t, a.body); !reflect.DeepEqual(got, want) {
		t.Errorf("answer %s\nwant the sample %v", a.body, want)
	}
	h := a.header
	if h.Get("X-OpenStack-Manila-API-Version") != "2.57" || h.Get("X-OpenStack-Manila-API-Experimental") != "True" ||
		h.Get("Vary") != "X-OpenStack-Manila-API-Version" || !strings.HasPrefix(h.Get("X-Openstack-Request-Id"), "req-manila-") ||
		h.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v", h)
	}
}

func TestStartSampleWithStringFlags(t *testing.T) {
	srv := manilatest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddShareServer(srcID, sampleSource)
	srv.AddBackend(sampleDest)
	// The projectless URL, from 2.60.
	a := send(t, http.MethodPost, srv.Endpoint()+"/share-servers/"+srcID+"/action",
		string(readTestdata(t, "share-server-migration-start-request.json")), headers(token(t, srv), "2.60"))
	if a.status != http.StatusAccepted || len(a.body) != 0 {
		t.Fatalf("%d %q", a.status, a.body)
	}
	info, _ := srv.ShareServer(srcID)
	if info.Status != manilatest.StatusServerMigrating || info.TaskState != "migration_starting" {
		t.Errorf("server %+v", info)
	}
	// Until the destination exists Manila has no progress to report.
	a = send(t, http.MethodPost, actionURL(srv, srcID), `{"migration_get_progress": null}`, headers(token(t, srv), "2.57"))
	if a.status != http.StatusBadRequest || !strings.Contains(string(a.body), "A destination share server wasn't found") {
		t.Errorf("progress %d %s", a.status, a.body)
	}
}

func TestRefusals(t *testing.T) {
	srv := manilatest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddShareServer(srcID, srcHost)
	srv.AddBackend(dstHost)
	tok := token(t, srv)
	check := `{"migration_check": {"host": "` + dstHost + `", "writable": true, "nondisruptive": false, "preserve_snapshots": true, "new_share_network_id": null}}`
	with := func(h map[string]string, k, v string) map[string]string {
		out := map[string]string{}
		for a, b := range h {
			out[a] = b
		}
		if v == "" {
			delete(out, k)
		} else {
			out[k] = v
		}
		return out
	}
	ok := headers(tok, "2.57")
	cases := []struct {
		name   string
		url    string
		body   string
		header map[string]string
		status int
		fault  string
		msg    string
	}{
		{"no experimental header", actionURL(srv, srcID), check, with(ok, "X-OpenStack-Manila-API-Experimental", ""), 404, "itemNotFound", "The resource could not be found."},
		{"experimental false", actionURL(srv, srcID), check, with(ok, "X-OpenStack-Manila-API-Experimental", "False"), 404, "itemNotFound", "The resource could not be found."},
		{"below 2.57", actionURL(srv, srcID), check, headers(tok, "2.56"), 404, "itemNotFound", "The resource could not be found."},
		{"no version header", actionURL(srv, srcID), check, with(ok, "X-OpenStack-Manila-API-Version", ""), 404, "itemNotFound", "The resource could not be found."},
		{"above the range", actionURL(srv, srcID), check, headers(tok, "2.100"), 406, "computeFault", "Version 2.100 is not supported by the API. Minimum is 2.0 and maximum is 2.99."},
		{"below the range", actionURL(srv, srcID), check, headers(tok, "1.5"), 406, "computeFault", "Minimum is 2.0 and maximum is 2.99."},
		{"latest", actionURL(srv, srcID), check, headers(tok, "latest"), 400, "badRequest", "Must be of format MajorNum.MinorNum."},
		{"another project", srv.Endpoint() + "/0000/share-servers/" + srcID + "/action", check, ok, 400, "badRequest", "Malformed request url"},
		{"no token", actionURL(srv, srcID), check, with(ok, "X-Auth-Token", ""), 401, "error", "requires authentication"},
		{"unknown server", actionURL(srv, otherID), check, ok, 404, "itemNotFound", "Share server " + otherID + " could not be found."},
		{"unknown action", actionURL(srv, srcID), `{"migration_foo": null}`, ok, 400, "badRequest", "There is no such action: migration_foo"},
		{"two actions", actionURL(srv, srcID), `{"migration_cancel": null, "migration_complete": null}`, ok, 400, "badRequest", "exactly one action"},
		{"malformed body", actionURL(srv, srcID), `{"migration_check":`, ok, 400, "badRequest", "Malformed request body"},
		{"empty check", actionURL(srv, srcID), `{"migration_check": {}}`, ok, 400, "badRequest", "Request is missing body."},
		{"missing flags", actionURL(srv, srcID), `{"migration_start": {"host": "` + dstHost + `", "writable": true}}`, ok, 400, "badRequest", "Must specify all mandatory parameters: nondisruptive, preserve_snapshots"},
		{"not a boolean", actionURL(srv, srcID), strings.Replace(check, `"writable": true`, `"writable": "maybe"`, 1), ok, 400, "badRequest", `Invalid value "maybe" for 'writable'`},
		{"pool", actionURL(srv, srcID), strings.Replace(check, dstHost, dstHost+"#pool1", 1), ok, 400, "badRequest", "The destination host can not contain pool information."},
		{"host not a string", actionURL(srv, srcID), strings.Replace(check, `"`+dstHost+`"`, `7`, 1), ok, 400, "badRequest", "non-empty string"},
		{"reset to a state the service sets", actionURL(srv, srcID), `{"reset_task_state": {"task_state": "migration_driver_starting"}}`, ok, 400, "badRequest", "Invalid task_state"},
		{"reset without body", actionURL(srv, srcID), `{"reset_task_state": null}`, ok, 400, "badRequest", "reset_task_state"},
	}
	for _, tc := range cases {
		a := send(t, http.MethodPost, tc.url, tc.body, tc.header)
		if a.status != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, a.status, a.body, tc.status)
			continue
		}
		var body map[string]map[string]any
		if err := json.Unmarshal(a.body, &body); err != nil || len(body) != 1 || body[tc.fault] == nil {
			t.Errorf("%s: body %s, want the fault %s", tc.name, a.body, tc.fault)
			continue
		}
		f := body[tc.fault]
		if f["code"] != float64(tc.status) || !strings.Contains(f["message"].(string), tc.msg) {
			t.Errorf("%s: fault %v, want a message with %q", tc.name, f, tc.msg)
		}
		if !strings.HasPrefix(a.header.Get("X-Openstack-Request-Id"), "req-manila-") {
			t.Errorf("%s: no request ID", tc.name)
		}
	}
	if info, _ := srv.ShareServer(srcID); info.Status != manilatest.StatusActive || info.TaskState != "" {
		t.Errorf("refusals changed the server: %+v", info)
	}
	if n := srv.Calls(manilatest.OpUnknownAction); n != 3 {
		t.Errorf("unknown actions counted %d", n)
	}
}

func TestThrottleAnswer(t *testing.T) {
	srv := manilatest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddShareServer(srcID, srcHost)
	srv.Throttle(manilatest.OpCancel, 1, 2*time.Second)
	a := send(t, http.MethodPost, actionURL(srv, srcID), `{"migration_cancel": null}`, headers(token(t, srv), "2.57"))
	if a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") != "2" {
		t.Fatalf("%d %v", a.status, a.header)
	}
	var body map[string]map[string]any
	if err := json.Unmarshal(a.body, &body); err != nil || body["overLimit"]["code"] != float64(429) {
		t.Errorf("body %s", a.body)
	}
	if srv.Calls(manilatest.OpCancel) != 1 || srv.Calls(manilatest.OpCheck) != 0 {
		t.Errorf("calls %v", srv.AllCalls())
	}
}

func TestShareSamples(t *testing.T) {
	const shareID = "406ea93b-32e9-4907-a117-148b3945749f"
	srv := manilatest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddShare(shareID, "ubuntu@generic1#GENERIC1")
	srv.AddBackend("ubuntu@generic2")
	srv.AddShareNetwork("bar_share_network_id")
	url := srv.ProjectEndpoint() + "/shares/" + shareID + "/action"
	tok := token(t, srv)

	a := send(t, http.MethodPost, url, string(readTestdata(t, "share-migration-start-request.json")), headers(tok, "2.29"))
	if a.status != http.StatusAccepted {
		t.Fatalf("start: %d %s", a.status, a.body)
	}
	srv.Clock().Advance(time.Hour)
	a = send(t, http.MethodPost, url, `{"migration_get_progress": null}`, headers(tok, "2.58"))
	want := decode(t, readTestdata(t, "share-migration-get-progress-response.json"))
	if a.status != http.StatusOK || !reflect.DeepEqual(decode(t, a.body), want) {
		t.Errorf("progress at 2.58: %d %s", a.status, a.body)
	}
	a = send(t, http.MethodPost, url, `{"migration_get_progress": null}`, headers(tok, "2.59"))
	if a.status != http.StatusOK || string(a.body) != `{"total_progress":100,"task_state":"migration_driver_phase1_done","details":{}}` {
		t.Errorf("progress at 2.59: %d %s", a.status, a.body)
	}
	// Stable from 2.96: no experimental header needed; the progress
	// action is gone after 2.97, replaced by a GET.
	stable := headers(tok, "2.96")
	delete(stable, "X-OpenStack-Manila-API-Experimental")
	if a = send(t, http.MethodPost, url, `{"migration_get_progress": null}`, stable); a.status != http.StatusOK {
		t.Errorf("progress at 2.96 without the experimental header: %d %s", a.status, a.body)
	}
	if a = send(t, http.MethodPost, url, `{"migration_get_progress": null}`, headers(tok, "2.98")); a.status != http.StatusNotFound {
		t.Errorf("progress at 2.98: %d %s", a.status, a.body)
	}
	get := srv.ProjectEndpoint() + "/shares/" + shareID + "/migration-progress"
	if a = send(t, http.MethodGet, get, "", headers(tok, "2.97")); a.status != http.StatusNotFound {
		t.Errorf("GET progress at 2.97: %d %s", a.status, a.body)
	}
	if a = send(t, http.MethodGet, get, "", stable); a.status != http.StatusNotFound {
		t.Errorf("GET progress at 2.96: %d %s", a.status, a.body)
	}
	for _, u := range []string{get, srv.Endpoint() + "/shares/" + shareID + "/migration-progress"} {
		a = send(t, http.MethodGet, u, "", headers(tok, "2.98"))
		if a.status != http.StatusOK || string(a.body) != `{"total_progress":100,"task_state":"migration_driver_phase1_done","details":{}}` {
			t.Errorf("GET %s at 2.98: %d %s", u, a.status, a.body)
		}
	}
	if n := srv.Calls(manilatest.OpShareProgressGet); n != 4 {
		t.Errorf("GET progress counted %d, want 4", n)
	}
	if a = send(t, http.MethodPost, url, `{"migration_complete": null}`, headers(tok, "2.95")); a.status != http.StatusAccepted {
		t.Errorf("complete: %d %s", a.status, a.body)
	}
	// migration_start is served from 2.29, with its flags mandatory.
	srv.AddShare("s2", "ubuntu@generic1#GENERIC1")
	url2 := srv.ProjectEndpoint() + "/shares/s2/action"
	body := `{"migration_start": {"host": "ubuntu@generic2#GENERIC2"}}`
	if a = send(t, http.MethodPost, url2, body, headers(tok, "2.29")); a.status != http.StatusBadRequest || !strings.Contains(string(a.body), "Must specify 'writable'") {
		t.Errorf("start without flags at 2.29: %d %s", a.status, a.body)
	}
	if a = send(t, http.MethodPost, url2, body, headers(tok, "2.28")); a.status != http.StatusNotFound {
		t.Errorf("start at 2.28: %d %s", a.status, a.body)
	}
}

// TestShareServerShowByVersion checks the fields of GET share-servers/{id}
// at each microversion that changes them, and that the call needs no
// experimental header.
func TestShareServerShowByVersion(t *testing.T) {
	srv := manilatest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddShareServer(srcID, srcHost)
	tok := token(t, srv)
	always := []string{"backend_details", "created_at", "host", "id", "project_id", "share_network_id",
		"share_network_name", "status", "updated_at"}
	for v, extra := range map[string][]string{
		"2.0":  nil,
		"2.49": {"identifier", "is_auto_deletable"},
		"2.51": {"identifier", "is_auto_deletable", "share_network_subnet_id"},
		"2.57": {"identifier", "is_auto_deletable", "share_network_subnet_id", "source_share_server_id", "task_state"},
		"2.63": {"identifier", "is_auto_deletable", "security_service_update_support", "share_network_subnet_id",
			"source_share_server_id", "task_state"},
		"2.70": {"identifier", "is_auto_deletable", "network_allocation_update_support", "security_service_update_support",
			"share_network_subnet_ids", "source_share_server_id", "task_state"},
		"2.90": {"encryption_key_ref", "identifier", "is_auto_deletable", "network_allocation_update_support",
			"security_service_update_support", "share_network_subnet_ids", "source_share_server_id", "task_state"},
	} {
		h := map[string]string{"X-Auth-Token": tok, "X-OpenStack-Manila-API-Version": v}
		a := send(t, http.MethodGet, srv.ProjectEndpoint()+"/share-servers/"+srcID, "", h)
		if a.status != http.StatusOK {
			t.Errorf("%s: %d %s", v, a.status, a.body)
			continue
		}
		top := decode(t, a.body).(map[string]any)
		if !reflect.DeepEqual(keys(top), []string{"share_server"}) {
			t.Errorf("%s: top-level keys %v", v, keys(top))
			continue
		}
		want := append(append([]string(nil), always...), extra...)
		sort.Strings(want)
		doc := top["share_server"].(map[string]any)
		if got := keys(doc); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: fields %v\nwant %v", v, got, want)
		}
		if doc["status"] != "active" || doc["id"] != srcID || doc["updated_at"] != nil {
			t.Errorf("%s: %v", v, doc)
		}
		if _, has := doc["task_state"]; has && doc["task_state"] != nil {
			t.Errorf("%s: task_state %v, want null", v, doc["task_state"])
		}
		if a.header.Get("X-OpenStack-Manila-API-Version") != v || a.header.Get("X-OpenStack-Manila-API-Experimental") != "" {
			t.Errorf("%s: headers %v", v, a.header)
		}
	}
	// Timestamps in Manila's form.
	a := send(t, http.MethodGet, srv.ProjectEndpoint()+"/share-servers/"+srcID, "", headers(tok, "2.57"))
	created, _ := decode(t, a.body).(map[string]any)["share_server"].(map[string]any)["created_at"].(string)
	if _, err := time.Parse("2006-01-02T15:04:05.000000", created); err != nil {
		t.Errorf("created_at %q: %v", created, err)
	}
	// Refusals: unknown server, no token, a version above the range. A URL
	// without project ID works at every version.
	for _, tc := range []struct {
		name   string
		url    string
		header map[string]string
		status int
	}{
		{"unknown", srv.ProjectEndpoint() + "/share-servers/" + otherID, headers(tok, "2.57"), 404},
		{"projectless 2.57", srv.Endpoint() + "/share-servers/" + srcID, headers(tok, "2.57"), 200},
		{"projectless 2.60", srv.Endpoint() + "/share-servers/" + srcID, headers(tok, "2.60"), 200},
		{"no token", srv.ProjectEndpoint() + "/share-servers/" + srcID, map[string]string{"X-OpenStack-Manila-API-Version": "2.57"}, 401},
		{"above the range", srv.ProjectEndpoint() + "/share-servers/" + srcID, headers(tok, "2.100"), 406},
	} {
		if a := send(t, http.MethodGet, tc.url, "", tc.header); a.status != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, a.status, a.body, tc.status)
		}
	}
	if n := srv.Calls(manilatest.OpGetShareServer); n != 13 {
		t.Errorf("show calls %d, want 13", n)
	}
}

// TestProgressAfterCancelIs400 checks Manila's answer to
// migration_get_progress on a source whose migration was cancelled, and
// the share server that tells the outcome instead.
func TestProgressAfterCancelIs400(t *testing.T) {
	srv := manilatest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddShareServer(srcID, srcHost)
	srv.AddBackend(dstHost)
	tok := token(t, srv)
	start := `{"migration_start": {"host": "` + dstHost + `", "writable": true, "nondisruptive": false, "preserve_snapshots": true}}`
	if a := send(t, http.MethodPost, actionURL(srv, srcID), start, headers(tok, "2.57")); a.status != http.StatusAccepted {
		t.Fatalf("start %d %s", a.status, a.body)
	}
	srv.Clock().Advance(time.Hour)
	if a := send(t, http.MethodPost, actionURL(srv, srcID), `{"migration_cancel": null}`, headers(tok, "2.57")); a.status != http.StatusAccepted {
		t.Fatalf("cancel %d %s", a.status, a.body)
	}
	// While cancelling, the source is still migrating.
	a := send(t, http.MethodPost, actionURL(srv, srcID), `{"migration_get_progress": null}`, headers(tok, "2.57"))
	if a.status != http.StatusOK || !strings.Contains(string(a.body), `"task_state":"migration_cancel_in_progress"`) {
		t.Errorf("while cancelling: %d %s", a.status, a.body)
	}
	srv.Clock().Advance(time.Hour)
	a = send(t, http.MethodPost, actionURL(srv, srcID), `{"migration_get_progress": null}`, headers(tok, "2.57"))
	want := `{"badRequest":{"code":400,"message":"Invalid share server: Migration progress of share server ` + srcID +
		` cannot be obtained. The provided share server is not being migrated."}}`
	if a.status != http.StatusBadRequest || string(a.body) != want {
		t.Errorf("after the cancellation: %d %s", a.status, a.body)
	}
	a = send(t, http.MethodGet, srv.ProjectEndpoint()+"/share-servers/"+srcID, "", headers(tok, "2.57"))
	doc := decode(t, a.body).(map[string]any)["share_server"].(map[string]any)
	if a.status != http.StatusOK || doc["status"] != "active" || doc["task_state"] != "migration_cancelled" ||
		doc["source_share_server_id"] != nil || doc["updated_at"] == nil {
		t.Errorf("share server after the cancellation: %d %v", a.status, doc)
	}
}
