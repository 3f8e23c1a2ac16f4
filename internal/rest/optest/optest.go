// Package optest lets the tests of every service package check that each
// request the package builds names its operation for the observer: every
// rest.Request composite literal in the package's source sets Op to
// "<package>.<Name>", where Name is an exported function or method of the
// package, the one the literal is written in when that is exported.
package optest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Site is one rest.Request literal and the operation it names.
type Site struct {
	// Pos is the literal's file:line.
	Pos string
	// Func is the function or method the literal is written in.
	Func string
	// Op is the operation named, once resolved.
	Op string
}

// Check walks the non-test Go files of the package in dir, whose name is
// pkg, and fails t for every rest.Request literal whose Op is missing,
// misnamed or not a compile-time name. Op may be a string literal, a
// package-level string constant, a constant string plus one of the
// following, a parameter of the enclosing function (every call of the
// function must then pass such a value, checked against the caller), or
// a field of a parameter (every composite literal of the parameter's
// struct type must then set the field to such a value, checked against
// the function the literal is written in). It returns the sites it
// checked.
func Check(t *testing.T, dir, pkg string) []Site {
	t.Helper()
	sites, problems, err := Inspect(dir, pkg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
	if len(sites) == 0 && len(problems) == 0 {
		t.Fatalf("no rest.Request literal found in %s", dir)
	}
	return sites
}

// Inspect is Check's walk: it returns the sites that name a right
// operation and a sentence for each that does not.
func Inspect(dir, pkg string) (sites []Site, problems []string, err error) {
	w, err := newWalk(dir, pkg)
	if err != nil {
		return nil, nil, err
	}
	for _, fd := range w.funcs {
		if fd.Body == nil {
			continue
		}
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			lit, ok := n.(*ast.CompositeLit)
			if !ok || !isRestRequest(lit.Type) {
				return true
			}
			val := opValue(lit)
			if val == nil {
				w.fail("%s: rest.Request in %s does not set Op", w.pos(lit), funcName(fd))
				return true
			}
			for _, r := range w.resolve(val, fd, "", 0) {
				w.checkName(r.pos, r.in, r.value)
				sites = append(sites, Site{Pos: r.pos, Func: funcName(r.in), Op: r.value})
			}
			return true
		})
	}
	return sites, w.problems, nil
}

type walk struct {
	problems []string
	pkg      string
	fset     *token.FileSet
	funcs    []*ast.FuncDecl
	exported map[string]bool   // names an Op may use after "pkg."
	consts   map[string]string // package-level string constants
}

func (w *walk) fail(format string, args ...any) {
	w.problems = append(w.problems, fmt.Sprintf(format, args...))
}

func newWalk(dir, pkg string) (*walk, error) {
	w := &walk{pkg: pkg, fset: token.NewFileSet(), exported: map[string]bool{}, consts: map[string]string{}}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(w.fset, filepath.Join(dir, name), nil, 0)
		if err != nil {
			return nil, err
		}
		if f.Name.Name != pkg {
			return nil, fmt.Errorf("%s is package %s, want %s", name, f.Name.Name, pkg)
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				w.funcs = append(w.funcs, d)
				if isExportedFunc(d) {
					w.exported[d.Name.Name] = true
				}
			case *ast.GenDecl:
				if d.Tok != token.CONST {
					continue
				}
				for _, s := range d.Specs {
					vs := s.(*ast.ValueSpec)
					for i, n := range vs.Names {
						if i < len(vs.Values) {
							if v, ok := stringLit(vs.Values[i]); ok {
								w.consts[n.Name] = v
							}
						}
					}
				}
			}
		}
	}
	return w, nil
}

func (w *walk) pos(n ast.Node) string {
	p := w.fset.Position(n.Pos())
	return filepath.Base(p.Filename) + ":" + strconv.Itoa(p.Line)
}

// constant resolves e to a string when it is a literal or a constant.
func (w *walk) constant(e ast.Expr) (string, bool) {
	if v, ok := stringLit(e); ok {
		return v, true
	}
	if id, ok := e.(*ast.Ident); ok {
		v, ok := w.consts[id.Name]
		return v, ok
	}
	return "", false
}

// checkName checks op against the package's exported names and, when in
// is exported, against in's own name.
func (w *walk) checkName(pos string, in *ast.FuncDecl, op string) {
	name, ok := strings.CutPrefix(op, w.pkg+".")
	switch {
	case !ok:
		w.fail("%s: Op %q does not start with %q", pos, op, w.pkg+".")
	case !w.exported[name]:
		w.fail("%s: Op %q names no exported function or method of %s", pos, op, w.pkg)
	case isExportedFunc(in) && name != in.Name.Name:
		w.fail("%s: Op %q in %s, want %q", pos, op, funcName(in), w.pkg+"."+in.Name.Name)
	}
}

// resolved is one value an Op expression takes, where it is written.
type resolved struct {
	pos   string
	in    *ast.FuncDecl
	value string
}

// maxDepth bounds how many functions an Op is followed through.
const maxDepth = 4

// resolve finds the values e, written in fd, takes: a string literal, a
// string constant, prefix + e where e is one of those, a parameter of fd
// (followed to every call of fd), or a field of a parameter of fd
// (followed to every composite literal of the parameter's type).
func (w *walk) resolve(e ast.Expr, fd *ast.FuncDecl, prefix string, depth int) []resolved {
	pos := w.pos(e)
	if v, ok := w.constant(e); ok {
		return []resolved{{pos: pos, in: fd, value: prefix + v}}
	}
	if depth >= maxDepth {
		w.fail("%s: Op in %s is passed through too many functions", pos, funcName(fd))
		return nil
	}
	switch x := e.(type) {
	case *ast.BinaryExpr:
		if left, ok := w.constant(x.X); ok && x.Op == token.ADD {
			return w.resolve(x.Y, fd, prefix+left, depth)
		}
	case *ast.Ident:
		if idx := paramIndex(fd, x.Name); idx >= 0 {
			var out []resolved
			for _, c := range w.callsOf(fd.Name.Name, idx) {
				out = append(out, w.resolve(c.arg, c.in, prefix, depth+1)...)
			}
			return out
		}
	case *ast.SelectorExpr:
		if id, ok := x.X.(*ast.Ident); ok {
			if typ := paramType(fd, id.Name); typ != "" {
				return w.fieldValues(typ, x.Sel.Name, prefix, depth+1)
			}
		}
	}
	w.fail("%s: Op in %s is neither a string literal, a constant nor a parameter", pos, funcName(fd))
	return nil
}

// fieldValues resolves field in every composite literal of the struct
// type typ; a literal that leaves the field out is a problem.
func (w *walk) fieldValues(typ, field, prefix string, depth int) []resolved {
	var out []resolved
	found := false
	for _, fd := range w.funcs {
		if fd.Body == nil {
			continue
		}
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			lit, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			if id, ok := lit.Type.(*ast.Ident); !ok || id.Name != typ {
				return true
			}
			found = true
			v := keyValue(lit, field)
			if v == nil {
				w.fail("%s: %s literal in %s does not set %s", w.pos(lit), typ, funcName(fd), field)
				return true
			}
			out = append(out, w.resolve(v, fd, prefix, depth)...)
			return true
		})
	}
	if !found {
		w.fail("no %s literal sets the %s the Op is taken from", typ, field)
	}
	return out
}

type call struct {
	pos string
	in  *ast.FuncDecl
	arg ast.Expr
}

// callsOf finds every call of the function or method name and its
// argument idx. A function whose Op comes from a parameter must be called.
func (w *walk) callsOf(name string, idx int) []call {
	var out []call
	for _, fd := range w.funcs {
		if fd.Body == nil {
			continue
		}
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			c, ok := n.(*ast.CallExpr)
			if !ok || calleeName(c.Fun) != name || idx >= len(c.Args) {
				return true
			}
			out = append(out, call{pos: w.pos(c), in: fd, arg: c.Args[idx]})
			return true
		})
	}
	if len(out) == 0 {
		w.fail("%s takes its Op as a parameter but is never called", name)
	}
	return out
}

func calleeName(e ast.Expr) string {
	switch f := e.(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		return f.Sel.Name
	}
	return ""
}

func isRestRequest(e ast.Expr) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	x, ok := sel.X.(*ast.Ident)
	return ok && x.Name == "rest" && sel.Sel.Name == "Request"
}

func opValue(lit *ast.CompositeLit) ast.Expr { return keyValue(lit, "Op") }

func keyValue(lit *ast.CompositeLit, key string) ast.Expr {
	for _, el := range lit.Elts {
		kv, ok := el.(*ast.KeyValueExpr)
		if !ok {
			continue
		}
		if k, ok := kv.Key.(*ast.Ident); ok && k.Name == key {
			return kv.Value
		}
	}
	return nil
}

// paramType is the name of the type (or pointed-to type) of fd's
// parameter name, or "".
func paramType(fd *ast.FuncDecl, name string) string {
	for _, f := range fd.Type.Params.List {
		for _, n := range f.Names {
			if n.Name != name {
				continue
			}
			t := f.Type
			if st, ok := t.(*ast.StarExpr); ok {
				t = st.X
			}
			if id, ok := t.(*ast.Ident); ok {
				return id.Name
			}
			return ""
		}
	}
	return ""
}

func stringLit(e ast.Expr) (string, bool) {
	bl, ok := e.(*ast.BasicLit)
	if !ok || bl.Kind != token.STRING {
		return "", false
	}
	v, err := strconv.Unquote(bl.Value)
	return v, err == nil
}

// paramIndex is the position of the parameter name in the call's
// arguments (the receiver not counted), or -1.
func paramIndex(fd *ast.FuncDecl, name string) int {
	i := 0
	for _, f := range fd.Type.Params.List {
		if len(f.Names) == 0 {
			i++
			continue
		}
		for _, n := range f.Names {
			if n.Name == name {
				return i
			}
			i++
		}
	}
	return -1
}

// isExportedFunc reports whether fd is an exported function, or an
// exported method of an exported type.
func isExportedFunc(fd *ast.FuncDecl) bool {
	if !fd.Name.IsExported() {
		return false
	}
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return true
	}
	return ast.IsExported(recvType(fd))
}

func recvType(fd *ast.FuncDecl) string {
	t := fd.Recv.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
		case *ast.IndexExpr:
			t = x.X
		case *ast.IndexListExpr:
			t = x.X
		case *ast.Ident:
			return x.Name
		default:
			return ""
		}
	}
}

func funcName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	return recvType(fd) + "." + fd.Name.Name
}

// Ops returns the distinct operations of sites, sorted.
func Ops(sites []Site) []string {
	var out []string
	for _, s := range sites {
		out = append(out, s.Op)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
