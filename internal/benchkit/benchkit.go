// Package benchkit holds what the benchmarks of the service packages share:
// a loopback server that answers one request with a canned JSON document, a
// testdata reader, the header set the SDK sends, and the request written by
// hand with net/http and encoding/json that every ...Plain baseline makes.
//
// Only _test.go files import it. NewRequest, Send and Do are the measured
// code of those baselines, so they do what a loop written out in the
// benchmark would do and nothing more: headers are shared, not copied, and
// tb.Helper is called only on the way to a failure, as it walks the stack.
package benchkit

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
)

// UserAgent is the User-Agent the SDK sends; the baselines send the same.
const UserAgent = "cloudmigrate-go/" + cloudmigrate.Version

// Serve starts a loopback server running h and closes it when tb's test or
// benchmark run ends.
func Serve(tb testing.TB, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv
}

// Answer returns a handler that reads each request body to the end, then
// answers body with status 200 and the headers in header when the request's
// method and request URI (query included) are want, as in
// "GET /v1/p/jobs/j", and 404 otherwise. An empty want accepts every
// request. Matching the whole request line means an SDK benchmark and its
// hand-written twin can only pass by sending the same request.
func Answer(want string, header http.Header, body []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if want != "" && r.Method+" "+r.RequestURI != want {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		for k, v := range header {
			// Each answer gets its own values, as when a handler writes
			// them out, so the server's share of the allocations does not
			// depend on how the headers were handed over.
			h[k] = append([]string(nil), v...)
		}
		_, _ = w.Write(body)
	})
}

// Reply starts a loopback server that answers as Answer(want, header, body)
// does, closed when tb's test or benchmark run ends.
func Reply(tb testing.TB, want string, header http.Header, body []byte) *httptest.Server {
	return Serve(tb, Answer(want, header, body))
}

// Testdata returns the contents of testdata/name in the package under test
// (name is slash-separated), ending the test if the file cannot be read.
func Testdata(tb testing.TB, name string) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(name)))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// Header returns the headers the SDK sends with a static token: Accept,
// User-Agent and X-Auth-Token, X-Project-Id when project is not empty, and
// Content-Type when the request has a body. The map is new on every call,
// so a caller may add its service's own headers.
func Header(project, token string, withBody bool) http.Header {
	h := http.Header{
		"Accept":       {"application/json"},
		"User-Agent":   {UserAgent},
		"X-Auth-Token": {token},
	}
	if project != "" {
		h["X-Project-Id"] = []string{project}
	}
	if withBody {
		h["Content-Type"] = []string{"application/json"}
	}
	return h
}

// NewRequest makes a request with a background context and body as its
// content (nil for none), and puts the entries of header on it, sharing
// their value slices. It ends the benchmark if the request cannot be made.
func NewRequest(tb testing.TB, method, url string, header http.Header, body []byte) *http.Request {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, url, rd)
	if err != nil {
		tb.Helper()
		tb.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	return req
}

// Send sends req with hc, decodes the answer into out, reads the rest of
// the body and closes it. It ends the benchmark unless the request was sent,
// the status is 200 and the answer decoded.
func Send(tb testing.TB, hc *http.Client, req *http.Request, out any) {
	resp, err := hc.Do(req)
	if err != nil {
		tb.Helper()
		tb.Fatal(err)
	}
	err = json.NewDecoder(resp.Body).Decode(out)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		tb.Helper()
		tb.Fatalf("status %d: %v", resp.StatusCode, err)
	}
}

// Do is Send(tb, hc, NewRequest(tb, method, url, header, body), out): one
// request by hand, its 200 answer decoded into out.
func Do(tb testing.TB, hc *http.Client, method, url string, header http.Header, body []byte, out any) {
	Send(tb, hc, NewRequest(tb, method, url, header, body), out)
}
