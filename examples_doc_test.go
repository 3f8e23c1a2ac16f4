package cloudmigrate_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryPackageStartsWithARunnableExample checks that every public
// package of the module, the nested modules under contrib/ included, has
// a package-level Example with an Output comment, so that its overview on
// pkg.go.dev starts with an example go test runs.
func TestEveryPackageStartsWithARunnableExample(t *testing.T) {
	pkgs := map[string]bool{} // directory -> has a runnable Example
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != "." && (name == "testdata" || name == "internal" || name == "examples" || strings.HasPrefix(name, ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") {
			return nil
		}
		dir := filepath.Dir(path)
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		if !strings.HasSuffix(name, "_test.go") {
			if f.Name.Name != "main" {
				pkgs[dir] = pkgs[dir] || false
			}
			return nil
		}
		for _, decl := range f.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || fd.Name.Name != "Example" || fd.Recv != nil {
				continue
			}
			for _, c := range f.Comments {
				if c.Pos() > fd.Body.Lbrace && c.End() < fd.Body.Rbrace && strings.Contains(c.Text(), "Output:") {
					pkgs[dir] = true
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) < 10 {
		t.Fatalf("found only %d packages: %v", len(pkgs), pkgs)
	}
	for dir, ok := range pkgs {
		if !ok {
			t.Errorf("package %s has no Example() with an Output comment", dir)
		}
	}
}
