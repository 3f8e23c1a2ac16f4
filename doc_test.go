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

// TestEveryExportedNameIsDocumented walks the module's non-test Go files
// and fails for any exported type, function, method, constant or variable
// without a doc comment (a documented group counts for its members).
func TestEveryExportedNameIsDocumented(t *testing.T) {
	fset := token.NewFileSet()
	var missing []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == "testdata" || strings.HasPrefix(name, ".") && path != "." {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || strings.HasPrefix(path, "examples"+string(filepath.Separator)) {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		if f.Name.Name == "main" {
			return nil
		}
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if d.Name.IsExported() && d.Doc == nil && receiverExported(d) {
					missing = append(missing, fset.Position(d.Pos()).String()+" "+d.Name.Name)
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.TypeSpec:
						if s.Name.IsExported() && d.Doc == nil && s.Doc == nil {
							missing = append(missing, fset.Position(s.Pos()).String()+" "+s.Name.Name)
						}
						if st, ok := s.Type.(*ast.StructType); ok && s.Name.IsExported() {
							missing = append(missing, undocumentedFields(fset, s.Name.Name, st)...)
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.IsExported() && d.Doc == nil && s.Doc == nil && s.Comment == nil {
								missing = append(missing, fset.Position(n.Pos()).String()+" "+n.Name)
							}
						}
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range missing {
		t.Errorf("undocumented: %s", m)
	}
}

// undocumentedFields lists the exported fields of st that have neither a
// doc comment nor a line comment. A run of fields under one comment, with
// no blank line between them, counts as documented.
func undocumentedFields(fset *token.FileSet, typeName string, st *ast.StructType) []string {
	var out []string
	prevLine, prevDocumented := -10, false
	for _, f := range st.Fields.List {
		line := fset.Position(f.Pos()).Line
		documented := f.Doc != nil || f.Comment != nil || (line == prevLine+1 && prevDocumented)
		for _, n := range f.Names {
			if n.IsExported() && !documented {
				out = append(out, fset.Position(n.Pos()).String()+" "+typeName+"."+n.Name)
			}
		}
		prevLine, prevDocumented = fset.Position(f.End()).Line, documented
	}
	return out
}

// receiverExported reports whether a method's receiver type is exported
// (methods of unexported types do not show in the documentation).
func receiverExported(d *ast.FuncDecl) bool {
	if d.Recv == nil || len(d.Recv.List) == 0 {
		return true
	}
	typ := d.Recv.List[0].Type
	for {
		switch x := typ.(type) {
		case *ast.StarExpr:
			typ = x.X
		case *ast.IndexExpr:
			typ = x.X
		case *ast.IndexListExpr:
			typ = x.X
		case *ast.Ident:
			return x.IsExported()
		default:
			return true
		}
	}
}
