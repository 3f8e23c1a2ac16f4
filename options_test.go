package cloudmigrate_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/ecs"
)

// isInternal reports whether an import path is an internal package.
func isInternal(path string) bool {
	return strings.Contains(path, "/internal/") || strings.HasSuffix(path, "/internal")
}

// internalRefs returns the references to internal packages in the
// expression e, such as "config.Config", given the file's imports by name.
func internalRefs(e ast.Node, imports map[string]string) []string {
	var out []string
	ast.Inspect(e, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if id, ok := sel.X.(*ast.Ident); ok && isInternal(imports[id.Name]) {
			out = append(out, id.Name+"."+sel.Sel.Name)
		}
		return true
	})
	return out
}

// exportedLeaks parses the non-test Go files of the package in dir and
// returns every place where an exported declaration names a type of an
// internal package: parameters and results of exported functions and of
// exported methods of exported types, exported types themselves (exported
// struct fields, and every method of an interface, since reflection shows
// unexported ones too), and the types of exported variables and constants.
func exportedLeaks(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var leaks []string
	report := func(what string, refs []string) {
		for _, r := range refs {
			leaks = append(leaks, what+" mentions "+r)
		}
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, dir+"/"+name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		imports := map[string]string{}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			local := path[strings.LastIndex(path, "/")+1:]
			if imp.Name != nil {
				local = imp.Name.Name
			}
			imports[local] = path
		}
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() {
					continue
				}
				if d.Recv != nil {
					recv := d.Recv.List[0].Type
					if star, ok := recv.(*ast.StarExpr); ok {
						recv = star.X
					}
					if id, ok := recv.(*ast.Ident); ok && !id.IsExported() {
						continue // hidden behind an unexported type
					}
				}
				report(name+": func "+d.Name.Name, internalRefs(d.Type, imports))
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.TypeSpec:
						if !s.Name.IsExported() {
							continue
						}
						what := name + ": type " + s.Name.Name
						switch ty := s.Type.(type) {
						case *ast.StructType:
							for _, fld := range ty.Fields.List {
								exported := len(fld.Names) == 0 // embedded
								for _, n := range fld.Names {
									exported = exported || n.IsExported()
								}
								if exported {
									report(what, internalRefs(fld.Type, imports))
								}
							}
						default:
							report(what, internalRefs(s.Type, imports))
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.IsExported() && s.Type != nil {
								report(name+": "+n.Name, internalRefs(s.Type, imports))
							}
						}
					}
				}
			}
		}
	}
	return leaks
}

// TestPublicAPIShowsNothingInternal checks that the exported API of package
// cloudmigrate, Option first among it, names no type of an internal
// package, so that go doc shows users only what they can use.
func TestPublicAPIShowsNothingInternal(t *testing.T) {
	if leaks := exportedLeaks(t, "."); len(leaks) > 0 {
		t.Errorf("exported declarations name internal types:\n%s", strings.Join(leaks, "\n"))
	}

	// Reflection sees every method of an interface, unexported ones too.
	typ := reflect.TypeOf((*cloudmigrate.Option)(nil)).Elem()
	if typ.Kind() != reflect.Interface {
		t.Fatalf("Option is a %v, want an interface", typ.Kind())
	}
	for i := 0; i < typ.NumMethod(); i++ {
		m := typ.Method(i)
		if m.IsExported() {
			t.Errorf("Option has exported method %s: users could implement it", m.Name)
		}
		ft := m.Type
		for j := 0; j < ft.NumIn(); j++ {
			if p := elemPkgPath(ft.In(j)); isInternal(p) {
				t.Errorf("Option.%s takes a type of %s", m.Name, p)
			}
		}
		for j := 0; j < ft.NumOut(); j++ {
			if p := elemPkgPath(ft.Out(j)); isInternal(p) {
				t.Errorf("Option.%s returns a type of %s", m.Name, p)
			}
		}
	}
}

// elemPkgPath is the package of t, looking through pointers, slices,
// arrays, maps and channels.
func elemPkgPath(t reflect.Type) string {
	for {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Chan:
			t = t.Elem()
		case reflect.Map:
			if p := elemPkgPath(t.Key()); p != "" {
				return p
			}
			t = t.Elem()
		default:
			return t.PkgPath()
		}
	}
}

// The leak check finds an internal type in the form Option used to have.
func TestExportedLeaksSeesFuncTypes(t *testing.T) {
	dir := t.TempDir()
	src := "package p\n\nimport \"example.com/m/internal/config\"\n\n" +
		"// Option configures.\ntype Option func(*config.Config) error\n\n" +
		"type hidden func(*config.Config) error\n\n" +
		"// Apply applies.\nfunc (hidden) Apply(*config.Config) {}\n"
	if err := os.WriteFile(dir+"/p.go", []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	leaks := exportedLeaks(t, dir)
	if len(leaks) != 1 || !strings.Contains(leaks[0], "type Option mentions config.Config") {
		t.Errorf("leaks %q, want the one of type Option", leaks)
	}
}

// Every With function still configures a client, nil options are
// skipped, and a value that only embeds Option is refused rather than
// applied or panicking.
func TestOptionsApply(t *testing.T) {
	type embedded struct{ cloudmigrate.Option }
	authz := auth.StaticToken("t")
	const endpoint, project = "https://ecs.example.com", "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	ok := []cloudmigrate.Option{
		nil,
		cloudmigrate.WithUserAgent("app/1"),
		cloudmigrate.WithRetry(0),
		cloudmigrate.WithRetryWait(1, 2),
		cloudmigrate.WithRetryAfterLimit(1),
		cloudmigrate.WithTimeout(0),
		cloudmigrate.WithHeader("X-Trace", "1"),
		cloudmigrate.WithMicroversion("2.1"),
		cloudmigrate.WithLogger(nil),
	}
	if _, err := ecs.NewClient(endpoint, project, authz, ok...); err != nil {
		t.Fatalf("NewClient with valid options: %v", err)
	}
	for name, o := range map[string]cloudmigrate.Option{
		"negative retry": cloudmigrate.WithRetry(-1),
		"nil client":     cloudmigrate.WithHTTPClient(nil),
		"embedded":       embedded{cloudmigrate.WithRetry(1)},
		"embedded nil":   embedded{},
	} {
		if _, err := ecs.NewClient(endpoint, project, authz, o); err == nil {
			t.Errorf("%s: NewClient accepted the option", name)
		}
	}
}
