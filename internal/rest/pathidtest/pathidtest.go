// Package pathidtest lets the tests of every service package check that no
// operation sends an ID the path-ID rule (rest.CheckID) refuses: the refused
// values by class, a loopback server that counts the requests it gets, a
// driver that runs each operation with each value, and a walk of the
// package's source that keeps the table of operations complete.
package pathidtest

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
)

// maxLen is rest.MaxIDLen (this package cannot import rest: rest's own
// tests import it).
const maxLen = 255

// Bad is a value the path-ID rule refuses.
type Bad struct {
	// Class names the reason, such as "percent" or "too long".
	Class string
	// Value is the value itself.
	Value string
}

// BadIDs returns values of every class the rule refuses, several per class.
func BadIDs() []Bad {
	return []Bad{
		{"empty", ""},
		{"white space only", " "},
		{"white space only", "   "},
		{"white space only", "\u00a0"},
		{"white space only", "\u3000\u2003"},
		{"white space inside", "a b"},
		{"white space inside", " 7a9e1c2b"},
		{"white space inside", "7a9e1c2b "},
		{"white space inside", "a\u2028b"},
		{"white space inside", "a\u00a0b"},
		{"C0 control", "\x00"},
		{"C0 control", "a\x00b"},
		{"C0 control", "a\tb"},
		{"C0 control", "a\nb"},
		{"C0 control", "id\r\nX-Injected: 1"},
		{"C0 control", "a\x1bb"},
		{"C0 control", "\x1f"},
		{"DEL", "a\x7fb"},
		{"C1 control", "a\u0080b"},
		{"C1 control", "a\u0085b"},
		{"C1 control", "a\u009fb"},
		{"slash", "/"},
		{"slash", "a/b"},
		{"slash", "../admin"},
		{"slash", "a/"},
		{"question mark", "?"},
		{"question mark", "a?b=c"},
		{"hash", "#"},
		{"hash", "a#frag"},
		{"percent", "%"},
		{"percent", "a%b"},
		{"percent", "a%2Fb"},
		{"percent", "%2e%2e"},
		{"percent", "a%00"},
		{"dot segment", "."},
		{"dot segment", ".."},
		{"invalid UTF-8", "\xff"},
		{"invalid UTF-8", "a\xc3"},
		{"invalid UTF-8", "\xc0\xaf"},     // an overlong '/'
		{"invalid UTF-8", "\xed\xa0\x80"}, // a UTF-16 surrogate
		{"invalid UTF-8", "\xf4\x90\x80\x80"},
		{"too long", strings.Repeat("a", maxLen+1)},
		{"too long", strings.Repeat("f", 4096)},
		{"too long", strings.Repeat("a", maxLen-1) + "é"}, // 256 bytes, 255 runes
		{"too long", strings.Repeat("a", maxLen-2) + "🚀"}, // 257 bytes, 254 runes
	}
}

// Op is one operation of a service's Client that takes IDs for a URL path.
type Op[C any] struct {
	// Method is the name of the Client method.
	Method string
	// Params names the method's string parameters, in the order of its
	// signature.
	Params []string
	// Fields is the ValidationError Field expected for each of Params.
	Fields []string
	// Valid is a good value for each of Params.
	Valid []string
	// Call runs the method on c with ids (in the order of Params) and
	// whatever else it needs, all valid, and returns its error: for an
	// iterator, the error of its first element.
	Call func(ctx context.Context, c C, ids []string) error
}

// Server is a loopback HTTP server that counts and records the requests
// it gets. It answers a version document (if it has one) to a GET of a
// path ending in "/", and 404 to anything else.
type Server struct {
	// URL is the server's base URL.
	URL string

	mu   sync.Mutex
	uris []string
}

// NewServer starts a Server that the test's cleanup closes. versionDoc,
// when not empty, is the JSON it answers to version discovery.
func NewServer(t testing.TB, versionDoc string) *Server {
	t.Helper()
	s := &Server{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.uris = append(s.uris, r.Method+" "+r.RequestURI)
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if versionDoc != "" && r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/") {
			_, _ = w.Write([]byte(versionDoc))
			return
		}
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"itemNotFound":{"code":404,"message":"not found"},"error_code":"Test.404","error_msg":"not found"}`))
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Requests returns the method and request URI of every request received,
// in order.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.uris)
}

// Run drives every op with every value of BadIDs in each of its
// parameters, the others valid, on a client newClient makes for a fresh
// Server (answering versionDoc). Each call must fail with a
// *cloudmigrate.ValidationError whose Field is the parameter's, and send
// nothing. Last, each op runs once with valid IDs and must then reach the
// server with each of them in a request URI: that shows the server sees
// what the client sends, so that the count of zero means something.
func Run[C any](t *testing.T, versionDoc string, newClient func(t *testing.T, endpoint string) C, ops []Op[C]) {
	t.Helper()
	if len(ops) == 0 {
		t.Fatal("no operations to drive")
	}
	bad := BadIDs()
	for _, op := range ops {
		t.Run(op.Method, func(t *testing.T) {
			if len(op.Params) == 0 || len(op.Fields) != len(op.Params) || len(op.Valid) != len(op.Params) || op.Call == nil {
				t.Fatalf("table entry %+v: Params, Fields and Valid must have the same non-zero length, and Call must be set", op)
			}
			srv := NewServer(t, versionDoc)
			c := newClient(t, srv.URL)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			for i, param := range op.Params {
				for _, b := range bad {
					ids := slices.Clone(op.Valid)
					ids[i] = b.Value
					err := op.Call(ctx, c, ids)
					var ve *cloudmigrate.ValidationError
					switch {
					case !errors.As(err, &ve):
						t.Errorf("%s with %s %s %.40q: err = %v (%T), want a *cloudmigrate.ValidationError", op.Method, param, b.Class, b.Value, err, err)
					case ve.Field != op.Fields[i]:
						t.Errorf("%s with %s %s %.40q: Field = %q, want %q (%v)", op.Method, param, b.Class, b.Value, ve.Field, op.Fields[i], err)
					}
					if sent := srv.Requests(); len(sent) != 0 {
						t.Fatalf("%s with %s %s %.40q sent %d requests: %q", op.Method, param, b.Class, b.Value, len(sent), sent)
					}
				}
			}
			_ = op.Call(ctx, c, op.Valid)
			sent := srv.Requests()
			if len(sent) == 0 {
				t.Fatalf("%s with valid IDs %q sent nothing, so a count of zero above proves nothing", op.Method, op.Valid)
			}
			for i, v := range op.Valid {
				if !slices.ContainsFunc(sent, func(u string) bool {
					return strings.Contains(u, url.PathEscape(v)) || strings.Contains(u, url.QueryEscape(v))
				}) {
					t.Errorf("%s with valid IDs sent %q, none of which holds %s %q", op.Method, sent, op.Params[i], v)
				}
			}
		})
	}
}

// StringMethods parses the package in dir (its non-test files) and
// returns, for every exported method of Client (or *Client) with at least
// one parameter of type string, the names of those parameters in order.
func StringMethods(t testing.TB, dir string) map[string][]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("reading %s: %v", dir, err)
	}
	fset := token.NewFileSet()
	out := map[string][]string{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("parsing %s: %v", name, err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || len(fd.Recv.List) != 1 || !fd.Name.IsExported() || !isClient(fd.Recv.List[0].Type) {
				continue
			}
			var names []string
			for _, p := range fd.Type.Params.List {
				if id, ok := p.Type.(*ast.Ident); ok && id.Name == "string" {
					if len(p.Names) == 0 {
						names = append(names, "_")
					}
					for _, n := range p.Names {
						names = append(names, n.Name)
					}
				}
			}
			if len(names) > 0 {
				out[fd.Name.Name] = names
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("found no Client method taking a string in %s", dir)
	}
	return out
}

func isClient(e ast.Expr) bool {
	if s, ok := e.(*ast.StarExpr); ok {
		e = s.X
	}
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "Client"
}

// CheckComplete fails the test unless ops lists every exported Client
// method of the package in dir that takes a string, with its string
// parameters as Params, except those in exempt (method name to the
// reason its strings never go into a path). Entries of ops or exempt that
// name no such method fail too, so the table cannot go stale.
func CheckComplete[C any](t *testing.T, dir string, ops []Op[C], exempt map[string]string) {
	t.Helper()
	methods := StringMethods(t, dir)
	listed := map[string]bool{}
	for _, op := range ops {
		if listed[op.Method] {
			t.Errorf("%s is listed twice", op.Method)
		}
		listed[op.Method] = true
		params, ok := methods[op.Method]
		switch {
		case !ok:
			t.Errorf("the table lists %s, which is not a Client method taking a string", op.Method)
		case !slices.Equal(params, op.Params):
			t.Errorf("the table gives %s the string parameters %q; its signature has %q", op.Method, op.Params, params)
		}
	}
	for m, why := range exempt {
		if _, ok := methods[m]; !ok {
			t.Errorf("%s is exempt (%s), but it is not a Client method taking a string", m, why)
		}
		if listed[m] {
			t.Errorf("%s is both listed and exempt", m)
		}
	}
	for m, params := range methods {
		if !listed[m] && exempt[m] == "" {
			t.Errorf("Client.%s takes %s string%s: add it to the table of path-ID operations, or exempt it with the reason",
				m, strings.Join(params, ", "), plural(len(params)))
		}
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
