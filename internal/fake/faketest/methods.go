package faketest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cloudmigrate/cloudmigrate/internal/fake"
)

// EngineMethods returns the methods of the fake engine that a user can
// call on a public fake's Server: every exported method of *fake.Server
// whose signature names no type of an internal package (those wire the
// fake up and cannot be used from outside the module).
func EngineMethods() []string {
	var out []string
	t := reflect.TypeOf((*fake.Server)(nil))
	for i := 0; i < t.NumMethod(); i++ {
		m := t.Method(i)
		if !namesInternal(m.Type, map[reflect.Type]bool{}) {
			out = append(out, m.Name)
		}
	}
	return out
}

// namesInternal reports whether t is, or is built from, a named type of
// an internal package. The receiver counts too, so it is skipped.
func namesInternal(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	if strings.Contains(t.PkgPath()+"/", "/internal/") && t != reflect.TypeOf((*fake.Server)(nil)).Elem() {
		return true
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Chan:
		return namesInternal(t.Elem(), seen)
	case reflect.Map:
		return namesInternal(t.Key(), seen) || namesInternal(t.Elem(), seen)
	case reflect.Func:
		for i := 0; i < t.NumIn(); i++ {
			if namesInternal(t.In(i), seen) {
				return true
			}
		}
		for i := 0; i < t.NumOut(); i++ {
			if namesInternal(t.Out(i), seen) {
				return true
			}
		}
	}
	return false
}

// DeclaredMethods parses the non-test Go files in dir and returns the
// methods declared on its type Server (or *Server), each with whether it
// has a doc comment.
func DeclaredMethods(t *testing.T, dir string) map[string]bool {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	fset := token.NewFileSet()
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || len(fd.Recv.List) == 0 {
				continue
			}
			rt := fd.Recv.List[0].Type
			if st, ok := rt.(*ast.StarExpr); ok {
				rt = st.X
			}
			if id, ok := rt.(*ast.Ident); ok && id.Name == "Server" {
				out[fd.Name.Name] = fd.Doc != nil && strings.TrimSpace(fd.Doc.Text()) != ""
			}
		}
	}
	return out
}

// CheckEngineMethodsDeclared fails t unless the public fake in dir
// declares, with a doc comment, every method of EngineMethods: a method
// only promoted from the embedded engine would be missing from go doc of
// the fake's package.
func CheckEngineMethodsDeclared(t *testing.T, dir string) {
	t.Helper()
	want := EngineMethods()
	if !slices.Contains(want, "Throttle") || !slices.Contains(want, "Clock") {
		t.Fatalf("the engine's user-callable methods %v lack Throttle or Clock", want)
	}
	declared := DeclaredMethods(t, dir)
	for _, m := range want {
		documented, ok := declared[m]
		switch {
		case !ok:
			t.Errorf("Server does not declare %s: go doc does not show it", m)
		case !documented:
			t.Errorf("Server.%s has no doc comment", m)
		}
	}
}
