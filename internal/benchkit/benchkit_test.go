package benchkit_test

import (
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"net/http"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/cloudmigrate/cloudmigrate/internal/benchkit"
)

const importPath = "github.com/cloudmigrate/cloudmigrate/internal/benchkit"

func TestReplyAnswersOnlyTheWantedRequest(t *testing.T) {
	header := http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"req-1"}}
	srv := benchkit.Reply(t, "GET /v1/p/jobs/j?limit=2", header, []byte(`{"n":1}`))

	for _, tc := range []struct {
		method, uri string
		status      int
	}{
		{http.MethodGet, "/v1/p/jobs/j?limit=2", http.StatusOK},
		{http.MethodGet, "/v1/p/jobs/j", http.StatusNotFound},
		{http.MethodGet, "/v1/p/jobs/j?limit=3", http.StatusNotFound},
		{http.MethodPost, "/v1/p/jobs/j?limit=2", http.StatusNotFound},
	} {
		req, err := http.NewRequest(tc.method, srv.URL+tc.uri, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s: status %d, want %d", tc.method, tc.uri, resp.StatusCode, tc.status)
			continue
		}
		if tc.status != http.StatusOK {
			continue
		}
		if string(body) != `{"n":1}` {
			t.Errorf("body %q", body)
		}
		for k, v := range header {
			if got := resp.Header.Values(k); !reflect.DeepEqual(got, v) {
				t.Errorf("%s = %q, want %q", k, got, v)
			}
		}
	}
}

func TestReplyWithoutWantAcceptsEveryRequest(t *testing.T) {
	srv := benchkit.Reply(t, "", nil, []byte(`{}`))
	for _, uri := range []string{"/", "/a/b?c=d"} {
		resp, err := srv.Client().Post(srv.URL+uri, "application/json", strings.NewReader(`{"x":1}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("POST %s: status %d", uri, resp.StatusCode)
		}
	}
}

func TestHeader(t *testing.T) {
	got := benchkit.Header("p1", "tok", true)
	want := http.Header{
		"Accept":       {"application/json"},
		"User-Agent":   {benchkit.UserAgent},
		"X-Auth-Token": {"tok"},
		"X-Project-Id": {"p1"},
		"Content-Type": {"application/json"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Header(p1, tok, true) = %v, want %v", got, want)
	}
	delete(want, "X-Project-Id")
	delete(want, "Content-Type")
	if got := benchkit.Header("", "tok", false); !reflect.DeepEqual(got, want) {
		t.Errorf("Header(\"\", tok, false) = %v, want %v", got, want)
	}
}

func TestDoSendsHeadersAndBodyAndDecodes(t *testing.T) {
	var gotHeader http.Header
	var gotBody []byte
	srv := benchkit.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotHeader = r.Header.Clone()
		gotBody, _ = io.ReadAll(r.Body)
		if r.Method != http.MethodPut || r.RequestURI != "/v1/x" {
			http.NotFound(w, r)
			return
		}
		_, _ = io.WriteString(w, `{"job_id":"j-1"}`)
	}))

	header := benchkit.Header("p1", "tok", true)
	var out struct {
		JobID string `json:"job_id"`
	}
	benchkit.Do(t, srv.Client(), http.MethodPut, srv.URL+"/v1/x", header, []byte(`{"a":1}`), &out)
	if out.JobID != "j-1" {
		t.Errorf("job_id %q", out.JobID)
	}
	if string(gotBody) != `{"a":1}` {
		t.Errorf("body sent %q", gotBody)
	}
	for k, v := range header {
		if got := gotHeader.Values(k); !reflect.DeepEqual(got, v) {
			t.Errorf("%s sent %q, want %q", k, got, v)
		}
	}
}

func TestTestdata(t *testing.T) {
	if got := string(benchkit.Testdata(t, "sub/doc.json")); got != "{\"ok\":true}\n" {
		t.Errorf("Testdata = %q", got)
	}
}

// TestOnlyTestFilesImportBenchkit walks the module and fails for any
// non-test Go file that imports this package.
func TestOnlyTestFilesImportBenchkit(t *testing.T) {
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (name == "testdata" || strings.HasPrefix(name, ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == importPath {
				t.Errorf("%s imports %s; only _test.go files may", path, importPath)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
