package deh

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/jarcoal/httpmock"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
)

const (
	testEndpoint = "https://deh.cn-north-4.myhuaweicloud.com"
	testProject  = "9c53a566cb3443ab910cf0daebca90c4"
	testHost     = "d465d0ae-f859-4a83-a508-8db654c05e7e"

	hostsURL       = testEndpoint + "/v1.0/" + testProject + "/dedicated-hosts"
	hostURL        = hostsURL + "/" + testHost
	hostServersURL = hostURL + "/servers"
)

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
func testdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// answer responds with status and body as JSON, after handing the request
// to inspect (which may be nil).
func answer(status int, body []byte, inspect func(*http.Request)) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		if inspect != nil {
			inspect(req)
		}
		resp := httpmock.NewBytesResponse(status, body)
		resp.Header.Set("Content-Type", "application/json")
		resp.Header.Set("X-Request-Id", "req-deh")
		return resp, nil
	}
}
