package manilatest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/cloudmigrate/cloudmigrate/auth"
)

// The files under testdata/schemas describe Manila's answers in JSON
// Schema (see the README there for where each comes from). This file
// holds the small validator the tests check the fake's answers with. It
// supports the keywords those files use and refuses every other one, so
// that a schema never asks for a check the validator would silently skip.

// schemaDir holds the schemas and their index.
var schemaDir = filepath.Join("testdata", "schemas")

// indexEntry says which schema describes one kind of answer at which
// microversions.
type indexEntry struct {
	// Answer names the kind of answer ("share-server-show").
	Answer string `json:"answer"`
	// Status is the HTTP status of the answer; null for an error body,
	// which any status from 400 on may carry.
	Status *int `json:"status"`
	// Min and Max bound the microversions the schema applies to; null is
	// open.
	Min *string `json:"min"`
	Max *string `json:"max"`
	// Schema is the file name under schemaDir.
	Schema string `json:"schema"`
}

// covers reports whether v lies within the entry's range.
func (e indexEntry) covers(v auth.Microversion) bool {
	if e.Min != nil && v.Less(auth.MustParseMicroversion(*e.Min)) {
		return false
	}
	return e.Max == nil || !auth.MustParseMicroversion(*e.Max).Less(v)
}

// schemaSet is the loaded index and schemas.
type schemaSet struct {
	index []indexEntry
	docs  map[string]any // file name -> decoded schema
}

var (
	loadOnce   sync.Once
	loadedSet  *schemaSet
	loadFailed error
)

// schemas loads testdata/schemas once.
func schemas(t testing.TB) *schemaSet {
	t.Helper()
	loadOnce.Do(func() { loadedSet, loadFailed = loadSchemas(schemaDir) })
	if loadFailed != nil {
		t.Fatal(loadFailed)
	}
	return loadedSet
}

func loadSchemas(dir string) (*schemaSet, error) {
	b, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		return nil, err
	}
	set := &schemaSet{docs: map[string]any{}}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&set.index); err != nil {
		return nil, fmt.Errorf("index.json: %w", err)
	}
	for _, e := range set.index {
		if e.Answer == "" || e.Schema == "" {
			return nil, fmt.Errorf("index.json: incomplete entry %+v", e)
		}
		for _, v := range []*string{e.Min, e.Max} {
			if v != nil {
				if _, err := auth.ParseMicroversion(*v); err != nil {
					return nil, fmt.Errorf("index.json: %s: %w", e.Answer, err)
				}
			}
		}
		if _, ok := set.docs[e.Schema]; ok {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(dir, e.Schema))
		if err != nil {
			return nil, err
		}
		doc, err := decodeJSON(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Schema, err)
		}
		set.docs[e.Schema] = doc
	}
	return set, nil
}

// decodeJSON decodes one JSON value, numbers as json.Number so that
// integers can be told from other numbers.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("more than one JSON value")
	}
	return v, nil
}

// lookup returns the entry for an answer at version v, or false when the
// index has none: an answer Manila does not give at that version.
func (s *schemaSet) lookup(answer string, v auth.Microversion) (indexEntry, bool) {
	for _, e := range s.index {
		if e.Answer == answer && e.covers(v) {
			return e, true
		}
	}
	return indexEntry{}, false
}

// check validates body (empty means no body: JSON null) against the
// schema of entry e and returns the problems found.
func (s *schemaSet) check(e indexEntry, body []byte) []string {
	var v any
	if len(bytes.TrimSpace(body)) > 0 {
		var err error
		if v, err = decodeJSON(body); err != nil {
			return []string{"body is not JSON: " + err.Error()}
		}
	}
	root := s.docs[e.Schema]
	var problems []string
	validate(root, root, v, "$", &problems)
	return problems
}

// keywords are the JSON Schema keywords the validator implements.
var keywords = map[string]bool{
	"$comment": true, "definitions": true, "$ref": true, "type": true, "enum": true, "oneOf": true,
	"properties": true, "required": true, "additionalProperties": true, "minProperties": true, "maxProperties": true,
	"items": true, "minItems": true, "maxItems": true, "minLength": true, "pattern": true, "minimum": true, "maximum": true,
}

// patterns caches compiled patterns.
var patterns sync.Map

// validate checks v against schema node (root resolves "$ref"), appending
// one line per problem, each naming the JSON path, to problems.
func validate(root, node, v any, path string, problems *[]string) {
	bad := func(format string, args ...any) {
		*problems = append(*problems, path+": "+fmt.Sprintf(format, args...))
	}
	sc, ok := node.(map[string]any)
	if !ok {
		bad("schema is not an object: %v", node)
		return
	}
	for k := range sc {
		if !keywords[k] {
			bad("schema keyword %q is not supported by this validator", k)
		}
	}
	if ref, ok := sc["$ref"]; ok {
		target, err := resolve(root, ref)
		if err != nil {
			bad("%v", err)
			return
		}
		validate(root, target, v, path, problems)
		return
	}
	if t, ok := sc["type"]; ok && !hasType(t, v) {
		bad("%s is %s, want type %v", show(v), typeName(v), t)
		return
	}
	if enum, ok := sc["enum"].([]any); ok && !inEnum(enum, v) {
		bad("%s is not one of %v", show(v), enum)
	}
	if alts, ok := sc["oneOf"].([]any); ok {
		matched := 0
		var why []string
		for i, alt := range alts {
			var p []string
			validate(root, alt, v, path, &p)
			if len(p) == 0 {
				matched++
			} else {
				why = append(why, fmt.Sprintf("alternative %d: %s", i, strings.Join(p, "; ")))
			}
		}
		if matched != 1 {
			bad("matches %d of the oneOf alternatives, want exactly 1 (%s)", matched, strings.Join(why, " | "))
		}
	}
	switch x := v.(type) {
	case map[string]any:
		validateObject(root, sc, x, path, problems)
	case []any:
		if n, ok := number(sc["minItems"]); ok && float64(len(x)) < n {
			bad("%d items, want at least %v", len(x), n)
		}
		if n, ok := number(sc["maxItems"]); ok && float64(len(x)) > n {
			bad("%d items, want at most %v", len(x), n)
		}
		if items, ok := sc["items"]; ok {
			for i, e := range x {
				validate(root, items, e, fmt.Sprintf("%s[%d]", path, i), problems)
			}
		}
	case string:
		if n, ok := number(sc["minLength"]); ok && float64(utf8.RuneCountInString(x)) < n {
			bad("%q is shorter than %v", x, n)
		}
		if p, ok := sc["pattern"].(string); ok {
			re, err := compiled(p)
			if err != nil {
				bad("bad pattern %q: %v", p, err)
			} else if !re.MatchString(x) {
				bad("%q does not match %q", x, p)
			}
		}
	case json.Number:
		f, _ := x.Float64()
		if n, ok := number(sc["minimum"]); ok && f < n {
			bad("%s is below the minimum %v", x, n)
		}
		if n, ok := number(sc["maximum"]); ok && f > n {
			bad("%s is above the maximum %v", x, n)
		}
	}
}

func validateObject(root any, sc map[string]any, x map[string]any, path string, problems *[]string) {
	bad := func(format string, args ...any) {
		*problems = append(*problems, path+": "+fmt.Sprintf(format, args...))
	}
	props, _ := sc["properties"].(map[string]any)
	if req, ok := sc["required"].([]any); ok {
		for _, k := range req {
			if _, has := x[k.(string)]; !has {
				bad("missing required key %q", k)
			}
		}
	}
	if n, ok := number(sc["minProperties"]); ok && float64(len(x)) < n {
		bad("%d keys, want at least %v", len(x), n)
	}
	if n, ok := number(sc["maxProperties"]); ok && float64(len(x)) > n {
		bad("%d keys %v, want at most %v", len(x), sortedKeys(x), n)
	}
	for _, k := range sortedKeys(x) {
		sub := path + "." + k
		if p, ok := props[k]; ok {
			validate(root, p, x[k], sub, problems)
			continue
		}
		switch extra := sc["additionalProperties"].(type) {
		case bool:
			if !extra {
				bad("key %q is not allowed", k)
			}
		case map[string]any:
			validate(root, extra, x[k], sub, problems)
		}
	}
}

// resolve follows a local reference "#/definitions/name".
func resolve(root, ref any) (any, error) {
	s, _ := ref.(string)
	name, ok := strings.CutPrefix(s, "#/definitions/")
	if !ok || strings.Contains(name, "/") {
		return nil, fmt.Errorf("unsupported $ref %v", ref)
	}
	defs, _ := root.(map[string]any)["definitions"].(map[string]any)
	target, ok := defs[name]
	if !ok {
		return nil, fmt.Errorf("$ref %s: no such definition", s)
	}
	return target, nil
}

func compiled(p string) (*regexp.Regexp, error) {
	if re, ok := patterns.Load(p); ok {
		return re.(*regexp.Regexp), nil
	}
	re, err := regexp.Compile(p)
	if err != nil {
		return nil, err
	}
	patterns.Store(p, re)
	return re, nil
}

// hasType reports whether v is of the JSON Schema type t (a name or a
// list of names).
func hasType(t, v any) bool {
	names, ok := t.([]any)
	if !ok {
		names = []any{t}
	}
	for _, n := range names {
		switch n {
		case typeName(v):
			return true
		case "number":
			if _, ok := v.(json.Number); ok {
				return true
			}
		}
	}
	return false
}

// typeName is the JSON Schema type of a decoded value. A number is an
// integer only when written without fraction or exponent: 50.0 is not
// what Manila writes for total_progress.
func typeName(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		if strings.ContainsAny(string(x), ".eE") {
			return "number"
		}
		return "integer"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func inEnum(enum []any, v any) bool {
	for _, e := range enum {
		if reflect.DeepEqual(e, v) {
			return true
		}
	}
	return false
}

func number(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	return f, err == nil
}

func show(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 80 {
		return string(b[:80]) + "..."
	}
	return string(b)
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestValidator proves the validator on answers that must pass and must
// fail, one keyword at a time, so that a validation that passes means
// something.
func TestValidator(t *testing.T) {
	schema := `{
		"type": "object",
		"properties": {
			"n": {"type": "integer", "minimum": 0, "maximum": 100},
			"s": {"type": ["string", "null"], "pattern": "^a+$", "minLength": 2},
			"e": {"enum": ["x", null]},
			"l": {"type": "array", "minItems": 1, "maxItems": 2, "items": {"$ref": "#/definitions/item"}},
			"o": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
			"m": {"type": "object", "additionalProperties": {"type": "boolean"}, "minProperties": 1, "maxProperties": 1},
			"any": {}
		},
		"required": ["n"],
		"additionalProperties": false,
		"definitions": {"item": {"type": "object", "properties": {"k": {"type": "string"}}, "required": ["k"], "additionalProperties": false}}
	}`
	root, err := decodeJSON([]byte(schema))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		value string
		fails string // "" for a value that must pass; else a piece of the problem
	}{
		{`{"n": 0}`, ""},
		{`{"n": 100, "s": "aa", "e": null, "l": [{"k": "v"}], "o": 7, "m": {"x": true}, "any": [1, "two"]}`, ""},
		{`{"n": 5, "s": null}`, ""},
		{`{}`, `missing required key "n"`},
		{`{"n": 50.0}`, "want type integer"},
		{`{"n": 1e2}`, "want type integer"},
		{`{"n": "5"}`, "want type integer"},
		{`{"n": -1}`, "below the minimum"},
		{`{"n": 101}`, "above the maximum"},
		{`{"n": 1, "s": "ab"}`, "does not match"},
		{`{"n": 1, "s": "a"}`, "shorter than"},
		{`{"n": 1, "s": 3}`, "want type"},
		{`{"n": 1, "e": "y"}`, "is not one of"},
		{`{"n": 1, "l": []}`, "want at least 1"},
		{`{"n": 1, "l": [{"k": "a"}, {"k": "b"}, {"k": "c"}]}`, "want at most 2"},
		{`{"n": 1, "l": [{"k": 1}]}`, "$.l[0].k"},
		{`{"n": 1, "l": [{"k": "a", "z": 1}]}`, `key "z" is not allowed`},
		{`{"n": 1, "o": true}`, "matches 0 of the oneOf"},
		{`{"n": 1, "m": {"x": 1}}`, "$.m.x"},
		{`{"n": 1, "m": {}}`, "want at least 1"},
		{`{"n": 1, "m": {"x": true, "y": false}}`, "want at most 1"},
		{`{"n": 1, "extra": true}`, `key "extra" is not allowed`},
		{`null`, "want type object"},
	} {
		v, err := decodeJSON([]byte(tc.value))
		if err != nil {
			t.Fatal(err)
		}
		var problems []string
		validate(root, root, v, "$", &problems)
		switch {
		case tc.fails == "" && len(problems) > 0:
			t.Errorf("%s: unexpected problems %v", tc.value, problems)
		case tc.fails != "" && !strings.Contains(strings.Join(problems, "\n"), tc.fails):
			t.Errorf("%s: problems %v, want one with %q", tc.value, problems, tc.fails)
		}
	}
	// A schema with a keyword the validator does not implement, or an
	// unknown reference, is itself a failure.
	for _, bad := range []string{`{"format": "uuid"}`, `{"$ref": "#/definitions/nowhere"}`, `{"$ref": "other.json"}`} {
		sc, _ := decodeJSON([]byte(bad))
		var problems []string
		validate(sc, sc, "x", "$", &problems)
		if len(problems) == 0 {
			t.Errorf("schema %s was accepted", bad)
		}
	}
	// Two overlapping oneOf alternatives both matching is a failure.
	sc, _ := decodeJSON([]byte(`{"oneOf": [{"type": "string"}, {"pattern": "^x$"}]}`))
	var problems []string
	validate(sc, sc, "x", "$", &problems)
	if len(problems) == 0 {
		t.Error("a value matching two oneOf alternatives was accepted")
	}
}

// TestSchemaFiles checks the index and every schema file: each one loads,
// is used by the index, and holds only keywords the validator implements
// (checked by validating a value against every subschema).
func TestSchemaFiles(t *testing.T) {
	set := schemas(t)
	files, err := filepath.Glob(filepath.Join(schemaDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		if name == "index.json" {
			continue
		}
		doc, ok := set.docs[name]
		if !ok {
			t.Errorf("%s is not used by index.json", name)
			continue
		}
		walkSchemas(doc, func(sc map[string]any) {
			for k := range sc {
				if !keywords[k] {
					t.Errorf("%s: keyword %q is not supported", name, k)
				}
			}
			if ref, ok := sc["$ref"]; ok {
				if _, err := resolve(doc, ref); err != nil {
					t.Errorf("%s: %v", name, err)
				}
			}
			if p, ok := sc["pattern"].(string); ok {
				if _, err := compiled(p); err != nil {
					t.Errorf("%s: %v", name, err)
				}
			}
		})
	}
	// Within one answer the ranges do not overlap.
	for i, a := range set.index {
		for _, b := range set.index[i+1:] {
			if a.Answer != b.Answer {
				continue
			}
			for _, v := range allVersions("2.0", "2.99") {
				if a.covers(v) && b.covers(v) {
					t.Errorf("%s: %s and %s both cover %s", a.Answer, a.Schema, b.Schema, v)
					break
				}
			}
		}
	}
}

// walkSchemas calls f on every subschema of doc.
func walkSchemas(node any, f func(map[string]any)) {
	sc, ok := node.(map[string]any)
	if !ok {
		return
	}
	f(sc)
	for _, k := range []string{"properties", "definitions"} {
		if m, ok := sc[k].(map[string]any); ok {
			for _, sub := range m {
				walkSchemas(sub, f)
			}
		}
	}
	for _, k := range []string{"items", "additionalProperties"} {
		walkSchemas(sc[k], f)
	}
	if alts, ok := sc["oneOf"].([]any); ok {
		for _, a := range alts {
			walkSchemas(a, f)
		}
	}
}

// allVersions returns every microversion from lo to hi.
func allVersions(lo, hi string) []auth.Microversion {
	a, b := auth.MustParseMicroversion(lo), auth.MustParseMicroversion(hi)
	var out []auth.Microversion
	for m := a.Minor; m <= b.Minor; m++ {
		out = append(out, auth.MustParseMicroversion(fmt.Sprintf("%d.%d", a.Major, m)))
	}
	return out
}
