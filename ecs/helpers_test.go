package ecs

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/jarcoal/httpmock"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
)

const (
	testEndpoint = "https://ecs.cn-north-4.myhuaweicloud.com"
	testProject  = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	testServer   = "7a9e1c2b-3d4f-4a5b-8c6d-7e8f9a0b1c2d"
	testHost     = "459a2b9d-804a-4745-ab19-a113bb1b4ddc"
	testJob      = "ff80808288d41e1b018990260955686a"
	// testSource is the dedicated host of testdata/server_on_deh.json.
	testSource = "6f5da086-876d-4cd0-84d3-6f8bd3346036"

	migrateURL = testEndpoint + "/v1/" + testProject + "/cloudservers/" + testServer + "/migrate"
	jobURL     = testEndpoint + "/v1/" + testProject + "/jobs/" + testJob
	serverURL  = testEndpoint + "/v1/" + testProject + "/cloudservers/" + testServer
	detailURL  = testEndpoint + "/v1/" + testProject + "/cloudservers/detail"
	actionURL  = testEndpoint + "/v1/" + testProject + "/cloudservers/action"
)

// serverBody returns testdata/name (a {"server": ...} answer) with edit
// applied to the server object, if edit is not nil.
func serverBody(t *testing.T, name string, edit func(m map[string]any)) []byte {
	t.Helper()
	var doc map[string]map[string]any
	if err := json.Unmarshal(testdata(t, name), &doc); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(doc["server"])
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// registerServer answers GET serverURL with testdata/server_on_deh.json
// (a stopped server on testSource), edited by edit.
func registerServer(t *testing.T, mt *httpmock.MockTransport, edit func(map[string]any)) {
	t.Helper()
	mt.RegisterResponder(http.MethodGet, serverURL, jsonResponder(200, serverBody(t, "server_on_deh.json", edit), "req-server", nil))
}

// newMockClient returns a client whose requests go to a fresh httpmock
// transport, authorized with a static token.
func newMockClient(t *testing.T, opts ...cloudmigrate.Option) (*Client, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	all := append([]cloudmigrate.Option{cloudmigrate.WithHTTPClient(&http.Client{Transport: mt})}, opts...)
	c, err := NewClient(testEndpoint, testProject, auth.StaticToken("test-token"), all...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c, mt
}

// testdata returns the bytes of a file in testdata/.
func testdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// jsonResponder answers with status, body and a request ID, after handing
// the request to inspect (which may be nil).
func jsonResponder(status int, body []byte, requestID string, inspect func(*http.Request)) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		if inspect != nil {
			inspect(req)
		}
		resp := httpmock.NewBytesResponse(status, body)
		resp.Header.Set("Content-Type", "application/json")
		if requestID != "" {
			resp.Header.Set("X-Request-Id", requestID)
		}
		return resp, nil
	}
}

// decodeAny decodes JSON into generic values for field-by-field comparison.
func decodeAny(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decoding %q: %v", b, err)
	}
	return v
}

// compact returns b with insignificant white space removed.
func compact(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
