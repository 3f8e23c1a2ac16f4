package modelarts_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/modelarts"
)

const (
	testEndpoint = "https://modelarts.cn-north-4.example.test"
	testProject  = "0123456789abcdef0123456789abcdef"
	testPool     = "pool-9d3f-6f5da086876d4cd084d36f8bd3346036"
	testToken    = "test-token"
)

// base is the URL prefix of every project-scoped path.
const base = testEndpoint + "/v2/" + testProject

// newMock returns a client whose requests go to a fresh httpmock transport.
func newMock(t *testing.T) (*modelarts.Client, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	c, err := modelarts.NewClient(testEndpoint, testProject, auth.StaticToken(testToken),
		cloudmigrate.WithHTTPClient(&http.Client{Transport: mt}),
		cloudmigrate.WithRetryWait(time.Millisecond, 2*time.Millisecond))
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	// BatchMigrateNodes reads the source pool's jobs before it starts a
	// move: by default the list is empty. Tests of the job list register
	// their own answer in its place.
	mt.RegisterResponder(http.MethodGet, base+"/jobs", jsonResponder(200, `{"count":0,"items":[]}`, ""))
	return c, mt
}

// calls returns how many requests mt answered for method and url (without
// its query).
func calls(mt *httpmock.MockTransport, method, url string) int {
	n := 0
	for k, v := range mt.GetCallCountInfo() {
		if m, u, _ := strings.Cut(k, " "); m == method && strings.SplitN(u, "?", 2)[0] == url {
			n += v
		}
	}
	return n
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// generic decodes JSON into maps, slices and float64s for comparison.
func generic(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
	return v
}

// sameJSON fails the test unless a and b hold the same JSON value.
func sameJSON(t *testing.T, what string, got, want []byte) {
	t.Helper()
	g, w := generic(t, got), generic(t, want)
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s differs\n got: %s\nwant: %s", what, got, want)
	}
}

// jsonResponder answers with status, body and a request ID header.
func jsonResponder(status int, body string, requestID string) httpmock.Responder {
	return func(*http.Request) (*http.Response, error) {
		r := httpmock.NewStringResponse(status, body)
		r.Header.Set("Content-Type", "application/json")
		if requestID != "" {
			r.Header.Set("X-Request-Id", requestID)
		}
		return r, nil
	}
}

// wantValidation fails the test unless err is a *cloudmigrate.ValidationError
// for field.
func wantValidation(t *testing.T, err error, field string) {
	t.Helper()
	var ve *cloudmigrate.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error = %v (%T), want *cloudmigrate.ValidationError for %q", err, err, field)
	}
	if ve.Field != field {
		t.Errorf("ValidationError.Field = %q, want %q (problem: %s)", ve.Field, field, ve.Problem)
	}
}

// wantAPIError fails the test unless err is a *cloudmigrate.Error with the
// given status and code, and returns it.
func wantAPIError(t *testing.T, err error, status int, code string) *cloudmigrate.Error {
	t.Helper()
	var apiErr *cloudmigrate.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("error = %v (%T), want *cloudmigrate.Error", err, err)
	}
	if apiErr.StatusCode != status || apiErr.Code != code {
		t.Errorf("error status/code = %d %q, want %d %q", apiErr.StatusCode, apiErr.Code, status, code)
	}
	return apiErr
}

// checkHeaders asserts the headers every request must carry.
func checkHeaders(t *testing.T, r *http.Request) {
	t.Helper()
	if got := r.Header.Get("X-Project-Id"); got != testProject {
		t.Errorf("X-Project-Id = %q, want %q", got, testProject)
	}
	if got := r.Header.Get("X-Auth-Token"); got != testToken {
		t.Errorf("X-Auth-Token = %q, want %q", got, testToken)
	}
}
