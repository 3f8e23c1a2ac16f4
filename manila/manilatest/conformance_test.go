package manilatest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/manila/manilatest"
)

// Every answer the fake gives in these tests passes through a conformance
// transport, which checks it against the schema Manila's own views and
// controllers give for that request at that microversion (see
// testdata/schemas). TestEveryAnswerAtEveryMicroversion walks every
// answer at each microversion the fake serves; the e2e and wire tests
// send theirs through the same check.

// manilaFaults is Manila's fault name for each status
// (manila/api/openstack/wsgi.py, Fault._fault_names); any other status
// is a computeFault.
var manilaFaults = map[int]string{
	400: "badRequest", 401: "unauthorized", 403: "forbidden", 404: "itemNotFound", 405: "badMethod",
	409: "conflictingRequest", 413: "overLimit", 415: "badMediaType", 501: "notImplemented", 503: "serviceUnavailable",
}

// conformance is an http.RoundTripper that checks every answer against
// the schema of its request and records which schemas it checked at
// which microversion.
type conformance struct {
	t    testing.TB
	set  *schemaSet
	next http.RoundTripper

	mu      sync.Mutex
	checked map[string]bool // coverKey(answer, schema, version)
	answers int             // answers that conformed
}

func newConformance(t testing.TB) *conformance {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return &conformance{t: t, set: schemas(t), next: tr, checked: map[string]bool{}}
}

// client returns an HTTP client whose answers are checked.
func (c *conformance) client() *http.Client { return &http.Client{Transport: c} }

func coverKey(answer, schema string, v auth.Microversion) string {
	return answer + " " + schema + " " + v.String()
}

// RoundTrip sends req on and checks the answer before handing it back.
func (c *conformance) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	out := req
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		reqBody = b
		out = req.Clone(req.Context())
		out.Body = io.NopCloser(bytes.NewReader(b))
	}
	resp, err := c.next.RoundTrip(out)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if problems := c.check(req, reqBody, resp, body); len(problems) > 0 {
		c.t.Errorf("%s %s (version %q) answered %d %s:\n  %s", req.Method, req.URL.Path,
			req.Header.Get(auth.HeaderManilaAPIVersion), resp.StatusCode, body, strings.Join(problems, "\n  "))
	}
	return resp, nil
}

// check returns what is wrong with one answer.
func (c *conformance) check(req *http.Request, reqBody []byte, resp *http.Response, body []byte) []string {
	rel, ok := strings.CutPrefix(req.URL.Path, "/share")
	if !ok {
		return nil // Keystone's own answers are not Manila's
	}
	v, versionOK := base, true
	if raw := strings.TrimSpace(req.Header.Get(auth.HeaderManilaAPIVersion)); raw != "" {
		p, err := auth.ParseMicroversion(raw)
		v, versionOK = p, err == nil
	}
	answer := classify(req.Method, rel, reqBody)
	status := resp.StatusCode
	var problems []string
	switch {
	case status == http.StatusUnauthorized:
		answer = "keystone-error"
	case status == http.StatusNotFound && answer == "":
		answer = "route-not-found"
	case status >= 400:
		answer = "fault"
		problems = append(problems, faultName(status, body)...)
	case answer == "":
		return []string{"a success for a URL Manila has no route for"}
	case !versionOK:
		return []string{"a success for a malformed microversion"}
	}
	e, ok := c.set.lookup(answer, v)
	if !ok {
		return append(problems, fmt.Sprintf("Manila gives no %s answer at microversion %s", answer, v))
	}
	if e.Status != nil && *e.Status != status {
		problems = append(problems, fmt.Sprintf("status %d, Manila answers %s with %d", status, answer, *e.Status))
	}
	if status < 300 && !strings.HasPrefix(answer, "versions-") {
		if got := resp.Header.Get(auth.HeaderManilaAPIVersion); got != v.String() {
			problems = append(problems, fmt.Sprintf("%s = %q, want the version used, %s", auth.HeaderManilaAPIVersion, got, v))
		}
	}
	if len(body) > 0 && !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		problems = append(problems, fmt.Sprintf("Content-Type %q", resp.Header.Get("Content-Type")))
	}
	for _, p := range c.set.check(e, body) {
		problems = append(problems, e.Schema+": "+p)
	}
	if len(problems) == 0 && versionOK {
		c.mu.Lock()
		c.checked[coverKey(answer, e.Schema, v)] = true
		c.answers++
		c.mu.Unlock()
	}
	return problems
}

// faultName checks that a fault body is named as Manila names the
// status. A 429 is not Manila's own (its rate limit answers 413); the
// fake throttles as a proxy in front of it would, with the 413's
// overLimit.
func faultName(status int, body []byte) []string {
	var top map[string]map[string]any
	if err := json.Unmarshal(body, &top); err != nil || len(top) != 1 {
		return nil // the schema reports it
	}
	want := manilaFaults[status]
	if want == "" {
		want = "computeFault"
	}
	if status == http.StatusTooManyRequests {
		want = "overLimit"
	}
	var problems []string
	for name, f := range top {
		if name != want {
			problems = append(problems, fmt.Sprintf("fault %q for %d, Manila names it %q", name, status, want))
		}
		if code, _ := f["code"].(float64); int(code) != status {
			problems = append(problems, fmt.Sprintf("fault code %v for status %d", f["code"], status))
		}
		if _, has := f["retryAfter"]; has != (status == http.StatusRequestEntityTooLarge) {
			problems = append(problems, fmt.Sprintf("retryAfter present %v for status %d, Manila writes it for 413 only", has, status))
		}
	}
	return problems
}

// base is the microversion of a request without the version header.
var base = auth.MustParseMicroversion("2.0")

// classify names the answer a request to Manila (path relative to
// /share) gets when it succeeds, or "" for a URL Manila has no route
// for.
func classify(method, rel string, body []byte) string {
	switch {
	case method == http.MethodGet && rel == "/":
		return "versions-root"
	case method == http.MethodGet && rel == "/v2/":
		return "versions-v2"
	}
	rest, ok := strings.CutPrefix(rel, "/v2/")
	if !ok {
		return ""
	}
	seg := strings.Split(rest, "/")
	switch seg[0] {
	case "share-servers", "shares", "services", "os-services":
	default:
		if len(seg) > 1 {
			seg = seg[1:] // the project ID
		}
	}
	switch {
	case method == http.MethodGet && len(seg) == 2 && seg[0] == "shares" && seg[1] == "detail":
		return "share-list-detail"
	case method == http.MethodGet && len(seg) == 2 && seg[0] == "shares":
		return "share-show"
	case method == http.MethodGet && len(seg) == 3 && seg[0] == "shares" && seg[2] == "instances":
		return "share-instances"
	case method == http.MethodGet && len(seg) == 1 && seg[0] == "services":
		return "service-list"
	case method == http.MethodGet && len(seg) == 1 && seg[0] == "os-services":
		return "service-list-legacy"
	case method == http.MethodPut && len(seg) == 2 && seg[0] == "services":
		return "service-update"
	case method == http.MethodPut && len(seg) == 2 && seg[0] == "os-services":
		return "service-update-legacy"
	case method == http.MethodGet && len(seg) == 1 && seg[0] == "share-servers":
		return "share-server-list"
	case method == http.MethodGet && len(seg) == 2 && seg[0] == "share-servers":
		return "share-server-show"
	case method == http.MethodPost && len(seg) == 3 && seg[0] == "share-servers" && seg[2] == "action":
		return serverActions[actionOf(body)]
	case method == http.MethodPost && len(seg) == 3 && seg[0] == "shares" && seg[2] == "action":
		return shareActions[actionOf(body)]
	case method == http.MethodGet && len(seg) == 3 && seg[0] == "shares" && seg[2] == "migration-progress":
		return "share-migration-progress-get"
	}
	return ""
}

// The answers of the actions, by the action a body names.
var (
	serverActions = map[string]string{
		"migration_check":        "share-server-migration-check",
		"migration_start":        "share-server-migration-start",
		"migration_get_progress": "share-server-migration-progress",
		"migration_complete":     "share-server-migration-complete",
		"migration_cancel":       "share-server-migration-cancel",
		"reset_task_state":       "share-server-reset-task-state",
	}
	shareActions = map[string]string{
		"migration_start":        "share-migration-start",
		"migration_get_progress": "share-migration-progress-action",
		"migration_complete":     "share-migration-complete",
		"migration_cancel":       "share-migration-cancel",
	}
)

// actionOf returns the one key of an action body, or "".
func actionOf(body []byte) string {
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil || len(top) != 1 {
		return ""
	}
	for k := range top {
		return k
	}
	return ""
}

// TestConformanceCatchesDivergence proves the transport on answers that
// differ from Manila's: each must be reported.
func TestConformanceCatchesDivergence(t *testing.T) {
	set := schemas(t)
	c := &conformance{t: t, set: set, checked: map[string]bool{}}
	req := func(method, path, version string) *http.Request {
		r, _ := http.NewRequest(method, "http://fake"+path, nil)
		if version != "" {
			r.Header.Set(auth.HeaderManilaAPIVersion, version)
		}
		return r
	}
	resp := func(status int, version string) *http.Response {
		h := http.Header{"Content-Type": {"application/json"}}
		if version != "" {
			h.Set(auth.HeaderManilaAPIVersion, version)
		}
		return &http.Response{StatusCode: status, Header: h}
	}
	show := `{"share_server": {"id": "a", "project_id": "p", "updated_at": null, "status": "active", "host": "h@b",
		"share_network_name": "n", "share_network_id": "n", "created_at": "2026-01-02T03:04:05.000000", "backend_details": {}}}`
	progress := `{"migration_get_progress": null}`
	for _, tc := range []struct {
		name    string
		req     *http.Request
		reqBody string
		resp    *http.Response
		body    string
		want    string // a piece of the problem; "" for a conforming answer
	}{
		{"show at 2.0", req("GET", "/share/v2/p/share-servers/a", "2.0"), "", resp(200, "2.0"), show, ""},
		{"show at 2.57 without task_state", req("GET", "/share/v2/p/share-servers/a", "2.57"), "", resp(200, "2.57"), show, `missing required key "task_state"`},
		{"null share_network_name", req("GET", "/share/v2/p/share-servers/a", "2.0"), "", resp(200, "2.0"),
			strings.Replace(show, `"share_network_name": "n"`, `"share_network_name": null`, 1), "want type string"},
		{"timestamp with a zone", req("GET", "/share/v2/p/share-servers/a", "2.0"), "", resp(200, "2.0"),
			strings.Replace(show, `.000000"`, `Z"`, 1), "does not match"},
		{"no version echo", req("GET", "/share/v2/p/share-servers/a", "2.0"), "", resp(200, ""), show, "want the version used"},
		{"progress action at 2.98", req("POST", "/share/v2/p/shares/s/action", "2.98"), progress, resp(200, "2.98"),
			`{"total_progress": 1, "task_state": null, "details": {}}`, "no share-migration-progress-action answer at microversion 2.98"},
		{"GET progress at 2.97", req("GET", "/share/v2/p/shares/s/migration-progress", "2.97"), "", resp(200, "2.97"),
			`{"total_progress": 1, "task_state": null, "details": {}}`, "no share-migration-progress-get answer"},
		{"progress without details at 2.59", req("POST", "/share/v2/p/shares/s/action", "2.59"), progress, resp(200, "2.59"),
			`{"total_progress": 1, "task_state": null}`, `missing required key "details"`},
		{"details before 2.59", req("POST", "/share/v2/p/shares/s/action", "2.58"), progress, resp(200, "2.58"),
			`{"total_progress": 1, "task_state": null, "details": {}}`, `key "details" is not allowed`},
		{"fractional progress", req("POST", "/share/v2/p/share-servers/a/action", "2.57"), progress, resp(200, "2.57"),
			`{"total_progress": 50.0, "task_state": "", "destination_share_server_id": ""}`, "want type integer"},
		{"start with a body", req("POST", "/share/v2/p/share-servers/a/action", "2.57"), `{"migration_start": {}}`, resp(202, "2.57"),
			`{}`, "want type null"},
		{"start answered 200", req("POST", "/share/v2/p/share-servers/a/action", "2.57"), `{"migration_start": {}}`, resp(200, "2.57"),
			``, "Manila answers share-server-migration-start with 202"},
		{"fault named after another status", req("GET", "/share/v2/p/share-servers/a", "2.0"), "", resp(404, "2.0"),
			`{"badRequest": {"code": 404, "message": "m"}}`, `Manila names it "itemNotFound"`},
		{"fault code differs", req("GET", "/share/v2/p/share-servers/a", "2.0"), "", resp(404, "2.0"),
			`{"itemNotFound": {"code": 400, "message": "m"}}`, "fault code"},
		{"500 named", req("GET", "/share/v2/p/share-servers/a", "2.0"), "", resp(500, "2.0"),
			`{"serverError": {"code": 500, "message": "m"}}`, `Manila names it "computeFault"`},
		{"413 without retryAfter", req("GET", "/share/v2/p/share-servers/a", "2.0"), "", resp(413, "2.0"),
			`{"overLimit": {"code": 413, "message": "m"}}`, "retryAfter present false"},
		{"unknown route as a fault", req("GET", "/share/v2/p/nothing/here/at/all", "2.0"), "", resp(404, "2.0"),
			`{"itemNotFound": {"code": 404, "message": "m"}}`, "route-not-found.json"},
		{"share without task_state at 2.5", req("GET", "/share/v2/p/shares/s", "2.5"), "", resp(200, "2.5"),
			`{"share": {"id": "s", "size": 1, "availability_zone": null, "created_at": null, "status": "available", "name": null,
			"description": null, "project_id": "p", "snapshot_id": null, "share_network_id": null, "share_proto": "NFS",
			"export_location": null, "export_locations": [], "metadata": {}, "share_type": null, "volume_type": null,
			"links": [], "is_public": false, "snapshot_support": true}}`, `missing required key "task_state"`},
		{"share list item with an unknown key", req("GET", "/share/v2/p/shares/detail", "2.0"), "", resp(200, "2.0"),
			`{"shares": [{"id": "s", "size": 1, "availability_zone": null, "created_at": null, "status": "available", "name": null,
			"description": null, "project_id": "p", "snapshot_id": null, "share_network_id": null, "share_proto": "NFS",
			"export_location": null, "export_locations": [], "metadata": {}, "share_type": null, "volume_type": null,
			"links": [], "is_public": false, "task_state": null}]}`, `key "task_state" is not allowed`},
		{"instances at 2.2", req("GET", "/share/v2/p/shares/s/instances", "2.2"), "", resp(200, "2.2"),
			`{"share_instances": []}`, "no share-instances answer at microversion 2.2"},
		{"legacy services at 2.7", req("GET", "/share/v2/p/os-services", "2.7"), "", resp(200, "2.7"),
			`{"services": []}`, "no service-list-legacy answer at microversion 2.7"},
		{"a reason before 2.83", req("PUT", "/share/v2/p/services/disable", "2.82"), `{}`, resp(200, "2.82"),
			`{"host": "h@b", "binary": "manila-share", "status": "disabled", "disabled_reason": "r"}`, `key "disabled_reason" is not allowed`},
		{"an old release's update answer", req("PUT", "/share/v2/p/services/enable", "2.73"), `{}`, resp(200, "2.73"),
			`{"host": "h@b", "binary": "manila-share", "disabled": false}`, `missing required key "status"`},
		{"version document with v3", req("GET", "/share/v2/", ""), "", resp(200, ""),
			`{"versions": [{"id": "v3.0", "status": "CURRENT", "updated": "2015-08-27T11:33:21Z", "links": [], "min_version": "", "version": "", "media-types": []}]}`,
			"is not one of"},
	} {
		problems := c.check(tc.req, []byte(tc.reqBody), tc.resp, []byte(tc.body))
		joined := strings.Join(problems, "\n")
		switch {
		case tc.want == "" && len(problems) > 0:
			t.Errorf("%s: unexpected problems:\n%s", tc.name, joined)
		case tc.want != "" && !strings.Contains(joined, tc.want):
			t.Errorf("%s: problems %q, want one with %q", tc.name, joined, tc.want)
		}
	}
}

// Fixtures of the walk.
const (
	walkShare = "406ea93b-32e9-4907-a117-148b3945749f"
	walkPool1 = "ubuntu@generic1#GENERIC1"
	walkPool2 = "ubuntu@generic2#GENERIC2"
	weakHost  = "manila-share-3@weak"
	cancelID  = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	failID    = "1b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e"
	resetID   = "2c3d4e5f-6a7b-4c8d-8e9f-1a2b3c4d5e6f"
	drainID   = "3d4e5f6a-7b8c-4d9e-9f0a-2b3c4d5e6f7a"
	// serverShare is a share on the share server srcID.
	serverShare = "7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b"
)

// walker sends the walk's requests at one microversion.
type walker struct {
	t   *testing.T
	srv *manilatest.Server
	hc  *http.Client
	v   auth.Microversion
	tok string
}

// do sends one request with the version, experimental and token headers
// (and any in extra; an empty value drops a header) and returns the
// status and the decoded body.
func (w *walker) do(method, url, body string, extra ...string) (int, map[string]any) {
	w.t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("X-Auth-Token", w.tok)
	req.Header.Set(auth.HeaderManilaAPIVersion, w.v.String())
	req.Header.Set(auth.HeaderManilaAPIExperimental, "True")
	req.Header.Set("Accept", "application/json")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == "" {
			req.Header.Del(extra[i])
		} else {
			req.Header.Set(extra[i], extra[i+1])
		}
	}
	resp, err := w.hc.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var doc map[string]any
	_ = json.Unmarshal(b, &doc)
	return resp.StatusCode, doc
}

// expect sends a request and fails unless the status is want.
func (w *walker) expect(want int, method, url, body string, extra ...string) map[string]any {
	w.t.Helper()
	status, doc := w.do(method, url, body, extra...)
	if status != want {
		w.t.Errorf("at %s: %s %s %s: %d %v, want %d", w.v, method, url, body, status, doc, want)
	}
	return doc
}

// actionEither posts a share-server action where Manila's releases
// differ (or the fake may follow either): the answer must have one of the
// statuses, and conform to its schema whichever it is.
func (w *walker) actionEither(id, body string, statuses ...int) (int, map[string]any) {
	w.t.Helper()
	status, doc := w.do(http.MethodPost, w.serverURL(id)+"/action", body)
	for _, s := range statuses {
		if status == s {
			return status, doc
		}
	}
	w.t.Errorf("at %s: %s on %s: %d %v, want one of %v", w.v, body, id, status, doc, statuses)
	return status, doc
}

func (w *walker) at(minor string) bool { return w.v.AtLeast(auth.MustParseMicroversion(minor)) }

func (w *walker) serverURL(id string) string { return w.srv.ProjectEndpoint() + "/share-servers/" + id }

func (w *walker) action(id, body string, want int) map[string]any {
	w.t.Helper()
	return w.expect(want, http.MethodPost, w.serverURL(id)+"/action", body)
}

// looks reads a share server with GET: the show, the list filtered on
// its ID, and the shares on it.
func (w *walker) looks(id string) {
	w.t.Helper()
	w.expect(http.StatusOK, http.MethodGet, w.serverURL(id), "")
	doc := w.expect(http.StatusOK, http.MethodGet, w.srv.ProjectEndpoint()+"/share-servers?id="+id, "")
	if list, _ := doc["share_servers"].([]any); len(list) != 1 {
		w.t.Errorf("at %s: list filtered on %s: %v", w.v, id, doc)
	}
	w.expect(http.StatusOK, http.MethodGet, w.srv.ProjectEndpoint()+"/shares/detail?share_server_id="+id, "")
}

// shareLooks reads a share: the show and, from 2.3, its instances.
func (w *walker) shareLooks(id string) {
	w.t.Helper()
	w.expect(http.StatusOK, http.MethodGet, w.srv.ProjectEndpoint()+"/shares/"+id, "")
	instances := http.StatusNotFound
	if w.at("2.3") {
		instances = http.StatusOK
	}
	w.expect(instances, http.MethodGet, w.srv.ProjectEndpoint()+"/shares/"+id+"/instances", "")
}

func migrationBody(action, host string, flags string) string {
	return `{"` + action + `": {"host": "` + host + `", ` + flags + `, "new_share_network_id": null}}`
}

const defaultFlags = `"writable": true, "nondisruptive": false, "preserve_snapshots": true`

// TestEveryAnswerAtEveryMicroversion drives every answer the fake gives,
// at every microversion from 2.0 to 2.99, through the conformance check,
// then proves that each schema was met at each microversion it applies
// to.
func TestEveryAnswerAtEveryMicroversion(t *testing.T) {
	c := newConformance(t)
	versions := allVersions(manilatest.DefaultMinVersion, manilatest.DefaultMaxVersion)
	for _, v := range versions {
		walk(t, c, v)
	}
	// A cloud whose range ends at 2.91 or earlier still lists v1.0.
	old := manilatest.NewServer(manilatest.WithVersions("2.0", "2.91"))
	t.Cleanup(old.Close)
	w := &walker{t: t, srv: old, hc: c.client(), v: auth.MustParseMicroversion("2.91")}
	doc := w.expect(http.StatusMultipleChoices, http.MethodGet, old.URL()+"/share/", "")
	if list, _ := doc["versions"].([]any); len(list) != 2 {
		t.Errorf("versions up to 2.91: %v", doc)
	}

	var missing []string
	for _, e := range c.set.index {
		for _, v := range versions {
			if e.covers(v) && !c.checked[coverKey(e.Answer, e.Schema, v)] {
				missing = append(missing, coverKey(e.Answer, e.Schema, v))
			}
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d answers never checked, among them %v", len(missing), missing[:min(len(missing), 10)])
	}
	t.Logf("%d answers conformed: %d (answer, schema, microversion) cases over %d microversions",
		c.answers, len(c.checked), len(versions))
}

// walk sends, at microversion v, a request for every answer the fake
// gives: version documents, share-server reads, each share-server
// migration action through a success, a cancellation and a failure, the
// per-share migration, and the refusals.
func walk(t *testing.T, c *conformance, v auth.Microversion) {
	srv := manilatest.NewServer()
	defer srv.Close()
	for _, id := range []string{srcID, cancelID, failID, resetID, drainID} {
		srv.AddShareServer(id, srcHost)
	}
	srv.AddServerShare(serverShare, srcID, srcHost+"#pool1")
	srv.AddBackend(dstHost)
	srv.SetBackendCapabilities(weakHost, manilatest.BackendCapabilities{PreserveSnapshots: true})
	srv.AddShare(walkShare, walkPool1)
	srv.AddShare("host-assisted", walkPool1)
	srv.AddBackend("ubuntu@generic2")
	w := &walker{t: t, srv: srv, hc: c.client(), v: v, tok: token(t, srv)}

	// Version documents (the version header does not matter to them).
	versions := w.expect(http.StatusMultipleChoices, http.MethodGet, srv.URL()+"/share/", "")
	if list, _ := versions["versions"].([]any); len(list) != 1 {
		t.Errorf("GET /share/ of a 2.99 cloud lists %v, want v2.0 alone", versions)
	}
	w.expect(http.StatusOK, http.MethodGet, srv.URL()+"/share/v2/", "")

	// Share-server reads, and the refusals every request can get.
	w.looks(srcID)
	w.expect(http.StatusOK, http.MethodGet, srv.ProjectEndpoint()+"/share-servers", "")
	if doc := w.expect(http.StatusOK, http.MethodGet, srv.ProjectEndpoint()+"/share-servers?limit=1", ""); len(doc["share_servers"].([]any)) != 0 {
		t.Errorf("at %s: a filter Manila does not know matched %v", v, doc)
	}
	w.expect(http.StatusNotFound, http.MethodGet, w.serverURL(otherID), "")
	w.expect(http.StatusUnauthorized, http.MethodGet, w.serverURL(srcID), "", "X-Auth-Token", "")
	w.expect(http.StatusNotAcceptable, http.MethodGet, w.serverURL(srcID), "", auth.HeaderManilaAPIVersion, "2.100")
	w.expect(http.StatusBadRequest, http.MethodGet, w.serverURL(srcID), "", auth.HeaderManilaAPIVersion, "latest")
	w.expect(http.StatusNotFound, http.MethodGet, srv.ProjectEndpoint()+"/share-servers/"+srcID+"/nothing/here", "")
	w.expect(http.StatusNotFound, http.MethodDelete, w.serverURL(srcID)+"/action", "")
	if w.at("2.60") {
		w.expect(http.StatusOK, http.MethodGet, srv.Endpoint()+"/share-servers/"+srcID, "")
		w.expect(http.StatusOK, http.MethodGet, srv.Endpoint()+"/share-servers", "")
	}
	for _, status := range []int{500, 503, 413, 409, 403} {
		srv.FailNext(manilatest.OpGetShareServer, 1, status)
		w.expect(status, http.MethodGet, w.serverURL(srcID), "")
	}
	srv.Throttle(manilatest.OpGetShareServer, 1, time.Second)
	w.expect(http.StatusTooManyRequests, http.MethodGet, w.serverURL(srcID), "")

	walkServerMigration(w)
	walkShareMigration(w)
	walkShares(w)
	walkServices(w)
}

// walkShares reads the shares: the detailed list with its filters and
// pages, each share and its instances, and the refusals.
func walkShares(w *walker) {
	base := w.srv.ProjectEndpoint() + "/shares"
	w.expect(http.StatusOK, http.MethodGet, base+"/detail", "")
	if doc := w.expect(http.StatusOK, http.MethodGet, base+"/detail?limit=1", ""); doc["shares_links"] == nil {
		w.t.Errorf("at %s: a full page without a next link: %v", w.v, doc)
	}
	w.expect(http.StatusOK, http.MethodGet, base+"/detail?limit=2&offset=1&all_tenants=1", "")
	w.expect(http.StatusOK, http.MethodGet, base+"/detail?status=available&host="+walkPool2, "")
	w.expect(http.StatusBadRequest, http.MethodGet, base+"/detail?limit=x", "")
	w.expect(http.StatusBadRequest, http.MethodGet, base+"/detail?offset=-1", "")
	for _, id := range []string{walkShare, "host-assisted", serverShare} {
		w.shareLooks(id)
	}
	w.expect(http.StatusNotFound, http.MethodGet, base+"/nosuch", "")
	w.expect(http.StatusNotFound, http.MethodGet, base+"/nosuch/instances", "")
	if w.at("2.60") {
		w.expect(http.StatusOK, http.MethodGet, w.srv.Endpoint()+"/shares/detail", "")
		w.expect(http.StatusOK, http.MethodGet, w.srv.Endpoint()+"/shares/"+walkShare, "")
		want := http.StatusNotFound
		if w.at("2.3") {
			want = http.StatusOK
		}
		w.expect(want, http.MethodGet, w.srv.Endpoint()+"/shares/"+walkShare+"/instances", "")
	}
	w.srv.FailNext(manilatest.OpListShares, 1, http.StatusServiceUnavailable)
	w.expect(http.StatusServiceUnavailable, http.MethodGet, base+"/detail", "")
}

// walkServices lists, disables and enables services in the form the
// version routes (the other form is refused), and shows that a disabled
// back end takes no migration.
func walkServices(w *walker) {
	coll, other := "/services", "/os-services"
	if !w.at("2.7") {
		coll, other = other, coll
	}
	base := w.srv.ProjectEndpoint() + coll
	w.expect(http.StatusOK, http.MethodGet, base, "")
	w.expect(http.StatusNotFound, http.MethodGet, w.srv.ProjectEndpoint()+other, "")
	doc := w.expect(http.StatusOK, http.MethodGet, base+"?binary=manila-share&host="+dstHost, "")
	if list, _ := doc["services"].([]any); len(list) != 1 {
		w.t.Errorf("at %s: services of %s: %v", w.v, dstHost, doc)
	}
	if doc := w.expect(http.StatusOK, http.MethodGet, base+"?status=bogus", ""); len(doc["services"].([]any)) != 0 {
		w.t.Errorf("at %s: a bad status matched %v", w.v, doc)
	}
	if w.at("2.60") {
		w.expect(http.StatusOK, http.MethodGet, w.srv.Endpoint()+coll, "")
	}
	withReason := `{"host": "` + dstHost + `", "binary": "manila-share", "disabled_reason": "emptying it"}`
	plain := `{"host": "` + dstHost + `", "binary": "manila-share"}`
	if w.at("2.83") {
		w.expect(http.StatusOK, http.MethodPut, base+"/disable", withReason)
	} else {
		w.expect(http.StatusBadRequest, http.MethodPut, base+"/disable", withReason)
		w.expect(http.StatusOK, http.MethodPut, base+"/disable", plain)
	}
	w.expect(http.StatusOK, http.MethodGet, base+"?status=disabled", "")
	w.expect(http.StatusBadRequest, http.MethodPut, base+"/disable", `{"host": "`+dstHost+`"}`)
	w.expect(http.StatusNotFound, http.MethodPut, base+"/disable", `{"host": "nowhere@x", "binary": "manila-share"}`)
	w.expect(http.StatusNotFound, http.MethodPut, base+"/pause", plain)
	w.expect(http.StatusNotFound, http.MethodPut, w.srv.ProjectEndpoint()+other+"/disable", plain)
	// A disabled back end takes no migration.
	if w.at("2.57") {
		w.action(drainID, migrationBody("migration_check", dstHost, defaultFlags), http.StatusNotFound)
		w.action(drainID, migrationBody("migration_start", dstHost, defaultFlags), http.StatusNotFound)
	}
	w.expect(http.StatusOK, http.MethodPut, base+"/enable", plain)
	if w.at("2.57") {
		w.action(drainID, migrationBody("migration_check", dstHost, defaultFlags), http.StatusOK)
	}
	w.srv.Throttle(manilatest.OpDisableService, 1, time.Second)
	w.expect(http.StatusTooManyRequests, http.MethodPut, base+"/disable", plain)
}

// walkServerMigration drives the share-server actions.
func walkServerMigration(w *walker) {
	if !w.at("2.57") {
		w.action(srcID, migrationBody("migration_check", dstHost, defaultFlags), http.StatusNotFound)
		w.action(srcID, `{"migration_get_progress": null}`, http.StatusNotFound)
		return
	}
	progress := `{"migration_get_progress": null}`
	// Checks: refused, incompatible, with the flags as strings, compatible.
	w.action(srcID, `{"migration_check": {}}`, http.StatusBadRequest)
	w.action(srcID, migrationBody("migration_check", "manila-share-9@nowhere", defaultFlags), http.StatusNotFound)
	w.action(srcID, migrationBody("migration_check", srcHost, defaultFlags), http.StatusConflict)
	if doc := w.action(srcID, migrationBody("migration_check", weakHost, defaultFlags), http.StatusOK); doc["compatible"] != false {
		w.t.Errorf("at %s: check of a weak destination %v", w.v, doc)
	}
	w.action(srcID, migrationBody("migration_check", dstHost, `"writable": "True", "nondisruptive": 0, "preserve_snapshots": "False"`), http.StatusOK)
	w.action(srcID, migrationBody("migration_check", dstHost, defaultFlags), http.StatusOK)
	w.action(srcID, `{"migration_check": {"host": "`+dstHost+`", `+defaultFlags+`}}`, http.StatusInternalServerError)
	w.action(srcID, `{"migration_foo": null}`, http.StatusBadRequest)
	// An unknown share server: 400 from Manila (no destination found for
	// it), 404 from a share-server lookup.
	w.actionEither(otherID, progress, http.StatusBadRequest, http.StatusNotFound)
	w.action(srcID, progress, http.StatusBadRequest)
	w.action(srcID, `{"migration_complete": null}`, http.StatusBadRequest)
	w.action(srcID, `{"migration_cancel": null}`, http.StatusBadRequest)
	if !w.at("2.96") {
		w.expect(http.StatusNotFound, http.MethodPost, w.serverURL(srcID)+"/action", progress, auth.HeaderManilaAPIExperimental, "")
	}

	// A migration through success: the source, the destination and the
	// list at each task state.
	w.action(srcID, migrationBody("migration_start", dstHost, defaultFlags), http.StatusAccepted)
	w.action(srcID, migrationBody("migration_check", dstHost, defaultFlags), http.StatusConflict)
	dest := ""
	for i, step := range []time.Duration{0, 5 * time.Second, 5 * time.Second, 5*time.Minute + 10*time.Second, 10 * time.Minute} {
		w.srv.Clock().Advance(step)
		var doc map[string]any
		if i < 2 {
			// Before the destination exists, Manila releases answer 200
			// with empty strings or 400.
			_, doc = w.actionEither(srcID, progress, http.StatusOK, http.StatusBadRequest)
		} else {
			doc = w.action(srcID, progress, http.StatusOK)
		}
		w.looks(srcID)
		if id, _ := doc["destination_share_server_id"].(string); id != "" {
			dest = id
			w.looks(dest)
		}
	}
	if dest == "" {
		w.t.Fatalf("at %s: no destination", w.v)
	}
	w.action(dest, progress, http.StatusBadRequest)
	w.action(srcID, `{"migration_complete": null}`, http.StatusOK)
	w.action(srcID, progress, http.StatusOK)
	w.srv.Clock().Advance(time.Hour)
	// The inactive source answers 400 until Manila deletes it; then the
	// gone source's answer.
	if status, _ := w.actionEither(srcID, progress, http.StatusBadRequest, http.StatusOK); status == http.StatusBadRequest {
		w.looks(srcID)
	}
	w.looks(dest)
	w.srv.RemoveShareServer(srcID)
	w.action(srcID, progress, http.StatusOK)
	w.expect(http.StatusNotFound, http.MethodGet, w.serverURL(srcID), "")

	// A cancelled migration.
	w.action(cancelID, migrationBody("migration_start", dstHost, defaultFlags), http.StatusAccepted)
	w.srv.Clock().Advance(time.Minute)
	w.action(cancelID, `{"migration_cancel": null}`, http.StatusAccepted)
	w.action(cancelID, progress, http.StatusOK)
	w.srv.Clock().Advance(time.Hour)
	w.action(cancelID, progress, http.StatusBadRequest)
	w.looks(cancelID)

	// A failed migration.
	w.srv.FailNextMigrations(1)
	w.action(failID, migrationBody("migration_start", dstHost, defaultFlags), http.StatusAccepted)
	w.srv.Clock().Advance(time.Minute)
	failDest, _ := w.action(failID, progress, http.StatusOK)["destination_share_server_id"].(string)
	w.srv.Clock().Advance(time.Hour)
	w.looks(failID)
	w.looks(failDest)

	// reset_task_state.
	w.action(resetID, `{"reset_task_state": {"task_state": "migration_error"}}`, http.StatusAccepted)
	w.looks(resetID)
	w.action(resetID, `{"reset_task_state": {"task_state": "migration_driver_starting"}}`, http.StatusBadRequest)
	w.action(resetID, `{"reset_task_state": {"task_state": null}}`, http.StatusAccepted)
}

// walkShareMigration drives the per-share actions, the progress in the
// form the version routes (the other form is refused).
func walkShareMigration(w *walker) {
	url := w.srv.ProjectEndpoint() + "/shares/" + walkShare
	progress := func(want int) {
		w.t.Helper()
		action, get := want, http.StatusNotFound
		if w.at("2.98") {
			action, get = get, action
		}
		w.expect(action, http.MethodPost, url+"/action", `{"migration_get_progress": null}`)
		w.expect(get, http.MethodGet, url+"/migration-progress", "")
		if w.at("2.98") {
			w.expect(get, http.MethodGet, w.srv.Endpoint()+"/shares/"+walkShare+"/migration-progress", "")
		}
	}
	start := `{"migration_start": {"host": "` + walkPool2 + `", "writable": true, "preserve_metadata": true, "nondisruptive": false, "preserve_snapshots": true}}`
	switch {
	case !w.at("2.22"):
		w.expect(http.StatusNotFound, http.MethodPost, url+"/action", `{"migration_get_progress": null}`)
		w.expect(http.StatusNotFound, http.MethodPost, url+"/action", start)
		return
	case !w.at("2.29"):
		w.expect(http.StatusNotFound, http.MethodPost, url+"/action", start)
		progress(http.StatusBadRequest)
		w.expect(http.StatusBadRequest, http.MethodPost, url+"/action", `{"migration_complete": null}`)
		// Migrations started by a newer client are driven at v.
		other := w.srv.ProjectEndpoint() + "/shares/host-assisted/action"
		for _, u := range []string{url + "/action", other} {
			w.expect(http.StatusAccepted, http.MethodPost, u, start, auth.HeaderManilaAPIVersion, "2.29")
		}
		w.srv.Clock().Advance(time.Hour)
		progress(http.StatusOK)
		w.expect(http.StatusAccepted, http.MethodPost, url+"/action", `{"migration_complete": null}`)
		w.expect(http.StatusAccepted, http.MethodPost, other, `{"migration_cancel": null}`)
		return
	}
	progress(http.StatusBadRequest)
	w.expect(http.StatusBadRequest, http.MethodPost, url+"/action", `{"migration_start": {"host": "`+walkPool2+`"}}`)
	w.expect(http.StatusAccepted, http.MethodPost, url+"/action", start)
	w.expect(http.StatusBadRequest, http.MethodPost, url+"/action", `{"migration_complete": null}`)
	for _, step := range []time.Duration{0, 20*time.Second + 5*time.Minute, time.Hour} {
		w.srv.Clock().Advance(step)
		progress(http.StatusOK)
		w.shareLooks(walkShare)
	}
	w.expect(http.StatusAccepted, http.MethodPost, url+"/action", `{"migration_complete": null}`)
	w.srv.Clock().Advance(time.Hour)
	progress(http.StatusOK)
	w.expect(http.StatusNotFound, http.MethodPost, w.srv.ProjectEndpoint()+"/shares/nosuch/action", `{"migration_cancel": null}`)

	// Host-assisted, then cancelled.
	other := w.srv.ProjectEndpoint() + "/shares/host-assisted/action"
	w.expect(http.StatusAccepted, http.MethodPost, other, `{"migration_start": {"host": "`+walkPool2+`", "writable": false, `+
		`"preserve_metadata": false, "nondisruptive": false, "preserve_snapshots": false, "force_host_assisted_migration": true}}`)
	w.srv.Clock().Advance(time.Minute)
	w.expect(http.StatusAccepted, http.MethodPost, other, `{"migration_cancel": null}`)
}
