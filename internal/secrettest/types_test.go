package secrettest

import (
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// modulePath is the module's import path.
const modulePath = "github.com/cloudmigrate/cloudmigrate"

var updateTypes = flag.Bool("update-types", false, "rewrite "+tableFile+" from the exported types the source declares")

// tableFile holds exportedTypes: every exported type of every package of
// the module, the example programs and their helpers under examples/
// aside (programs export nothing a user can hold). Generic types are
// instantiated with auth.Secret, so a type parameter carries a credential
// too. TestEveryExportedTypeIsListed keeps the list complete (with
// -update-types it rewrites the file), and TestNoRenderingShowsASecret
// checks every type in it.
const tableFile = "types_table_test.go"

// typeKey names t as the source declares it: import path, dot, name
// without type arguments.
func typeKey(t reflect.Type) string {
	name, _, _ := strings.Cut(t.Name(), "[")
	return t.PkgPath() + "." + name
}

// moduleRoot finds the directory holding go.mod, above the test's own.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
}

// declared is an exported type found in the source.
type declared struct {
	file    string // where it is declared, from the module root
	pkgPath string // its package's import path
	pkgName string // its package's name
	listing string // its entry in exportedTypes
}

// declaredTypes parses the module's source and returns the exported type
// declarations of every non-main package, as typeKey names them.
func declaredTypes(t *testing.T) map[string]declared {
	t.Helper()
	root := moduleRoot(t)
	out := map[string]declared{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			name := d.Name()
			if rel != "." && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || rel == "examples") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil && rel != "." {
				return filepath.SkipDir // a nested module (contrib/...) is not this module's
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		if f.Name.Name == "main" {
			return nil
		}
		pkg := modulePath
		if dir := filepath.ToSlash(filepath.Dir(rel)); dir != "." {
			pkg += "/" + dir
		}
		for _, decl := range f.Decls {
			g, ok := decl.(*ast.GenDecl)
			if !ok || g.Tok != token.TYPE {
				continue
			}
			for _, spec := range g.Specs {
				// An alias (type A = B) names a type listed under its own name.
				if ts := spec.(*ast.TypeSpec); ts.Name.IsExported() && !ts.Assign.IsValid() {
					name := f.Name.Name + "." + ts.Name.Name
					if ts.TypeParams != nil {
						name += "[auth.Secret]"
					}
					out[pkg+"."+ts.Name.Name] = declared{
						file: filepath.ToSlash(rel), pkgPath: pkg, pkgName: f.Name.Name,
						listing: "reflect.TypeFor[" + name + "](),",
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestEveryExportedTypeIsListed(t *testing.T) {
	declared := declaredTypes(t)
	if len(declared) < 100 {
		t.Fatalf("found only %d exported types: is the walk looking at the module?", len(declared))
	}
	if *updateTypes {
		writeTable(t, declared)
		return
	}
	listed := map[string]bool{}
	for _, typ := range exportedTypes {
		k := typeKey(typ)
		if listed[k] {
			t.Errorf("%s is listed twice", k)
		}
		listed[k] = true
		if _, ok := declared[k]; !ok {
			t.Errorf("%s is listed but not declared in the source", k)
		}
	}
	var missing []string
	for k, d := range declared {
		if !listed[k] {
			missing = append(missing, k+" (declared in "+d.file+") is not in exportedTypes, so its renderings "+
				"are not checked: add "+d.listing)
		}
	}
	slices.Sort(missing)
	for _, m := range missing {
		t.Error("exported type " + m)
	}
	if len(missing) > 0 {
		t.Log("go test ./internal/secrettest -run TestEveryExportedTypeIsListed -update-types rewrites " + tableFile)
	}
}

// writeTable rewrites tableFile to list the declared types.
func writeTable(t *testing.T, types map[string]declared) {
	t.Helper()
	imports := map[string]string{modulePath + "/auth": "auth"}
	var entries []string
	for _, d := range types {
		imports[d.pkgPath] = d.pkgName
		entries = append(entries, d.listing)
	}
	slices.Sort(entries)
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by go test ./internal/secrettest -run TestEveryExportedTypeIsListed -update-types; DO NOT EDIT.\n\n")
	fmt.Fprintf(&b, "package secrettest\n\nimport (\n\t\"reflect\"\n\n")
	for _, path := range slices.Sorted(maps.Keys(imports)) {
		if name := imports[path]; name != path[strings.LastIndex(path, "/")+1:] {
			fmt.Fprintf(&b, "\t%s %q\n", name, path)
		} else {
			fmt.Fprintf(&b, "\t%q\n", path)
		}
	}
	fmt.Fprintf(&b, ")\n\n// exportedTypes lists every exported type of the module's packages; see\n"+
		"// tableFile in types_test.go.\nvar exportedTypes = []reflect.Type{\n")
	for _, e := range entries {
		fmt.Fprintf(&b, "\t%s\n", e)
	}
	fmt.Fprintf(&b, "}\n")
	src, err := format.Source(b.Bytes())
	if err != nil {
		t.Fatalf("formatting %s: %v", tableFile, err)
	}
	if err := os.WriteFile(tableFile, src, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s: %d types", tableFile, len(entries))
}
