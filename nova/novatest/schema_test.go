package novatest_test

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/cloudmigrate/cloudmigrate/auth"
)

// This file holds a JSON Schema validator for the keywords that nova's and
// tempest's response schemas use (testdata/schemas), with the semantics of
// the validators those projects run: Draft 2020-12 with format assertions
// (nova), Draft 4 (tempest). A keyword it does not know makes validation
// fail, so a schema can never pass by being misunderstood.

// annotations are keywords that assert nothing.
var annotations = map[string]bool{"$comment": true, "default": true, "description": true, "title": true}

// formatsIgnored are formats neither project checks: tempest registers no
// checker for "name".
var formatsIgnored = map[string]bool{"name": true}

// jsonSchema is a decoded schema: a bool or an object.
type jsonSchema = any

// schemaFile is one file of testdata/schemas: the schema a project gives
// one route's answers for a range of microversions.
type schemaFile struct {
	path    string // below testdata/schemas
	source  string // "nova", "tempest" or another folder name
	route   string
	min     auth.Microversion // zero: any
	max     auth.Microversion // zero: no upper bound
	status  []int             // tempest files state the status codes
	body    jsonSchema
	comment string
}

// covers reports whether the file applies at microversion v.
func (f *schemaFile) covers(v auth.Microversion) bool {
	return (f.min.IsZero() || v.Compare(f.min) >= 0) && (f.max.IsZero() || v.Compare(f.max) <= 0)
}

// regexps caches the compiled patterns of the schemas.
var regexps sync.Map // string -> *regexp.Regexp or error

func compilePattern(p string) (*regexp.Regexp, error) {
	if v, ok := regexps.Load(p); ok {
		if re, isRE := v.(*regexp.Regexp); isRE {
			return re, nil
		}
		return nil, v.(error)
	}
	re, err := regexp.Compile(p)
	if err != nil {
		regexps.Store(p, err)
		return nil, err
	}
	regexps.Store(p, re)
	return re, nil
}

var (
	schemaOnce  sync.Once
	schemaFiles []*schemaFile
	schemaErr   error
)

// loadSchemas reads every schema file once. A file is named
// <route>.json (any version) or <route>.<min>-<max>.json (max may be
// empty: no upper bound).
func loadSchemas(t *testing.T) []*schemaFile {
	t.Helper()
	schemaOnce.Do(func() {
		paths, err := filepath.Glob(filepath.Join("testdata", "schemas", "*", "*.json"))
		if err != nil || len(paths) == 0 {
			schemaErr = fmt.Errorf("no schema files: %v", err)
			return
		}
		sort.Strings(paths)
		for _, p := range paths {
			f, err := readSchemaFile(p)
			if err != nil {
				schemaErr = err
				return
			}
			schemaFiles = append(schemaFiles, f)
		}
	})
	if schemaErr != nil {
		t.Fatal(schemaErr)
	}
	return schemaFiles
}

var schemaName = regexp.MustCompile(`^([a-z0-9-]+?)(?:\.(\d+\.\d+)-(\d+\.\d+)?)?\.json$`)

func readSchemaFile(p string) (*schemaFile, error) {
	raw, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	m := schemaName.FindStringSubmatch(filepath.Base(p))
	if m == nil {
		return nil, fmt.Errorf("%s: name is not <route>[.<min>-<max>].json", p)
	}
	f := &schemaFile{path: filepath.ToSlash(strings.TrimPrefix(p, filepath.Join("testdata", "schemas")+string(filepath.Separator))),
		source: filepath.Base(filepath.Dir(p)), route: m[1]}
	if m[2] != "" {
		f.min = auth.MustParseMicroversion(m[2])
	}
	if m[3] != "" {
		f.max = auth.MustParseMicroversion(m[3])
	}
	doc, err := decodeJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", p, err)
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: not a JSON object", p)
	}
	f.comment, _ = obj["$comment"].(string)
	if f.comment == "" {
		return nil, fmt.Errorf("%s: no $comment naming its source", p)
	}
	_, hasStatus := obj["status_code"]
	if body, isTempest := obj["response_body"]; isTempest || hasStatus {
		// A tempest file: {"status_code": [...], "response_body": schema}.
		// Without response_body tempest wants no body at all, which the
		// checks see as JSON null.
		if !isTempest {
			body = map[string]any{"type": "null"}
		}
		f.body = body
		codes, _ := obj["status_code"].([]any)
		for _, c := range codes {
			n, err := strconv.Atoi(c.(json.Number).String())
			if err != nil {
				return nil, fmt.Errorf("%s: status_code %v", p, c)
			}
			f.status = append(f.status, n)
		}
		return f, nil
	}
	f.body = doc
	return f, nil
}

// decodeJSON decodes with numbers kept as json.Number, so integers and
// floats stay apart.
func decodeJSON(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after the JSON value")
	}
	return v, nil
}

// validate checks instance against schema and returns every violation,
// each naming the JSON path where it is.
func validate(schema jsonSchema, instance any) []string {
	var v validator
	v.check(schema, instance, "$")
	return v.errs
}

type validator struct {
	errs []string
}

func (v *validator) fail(path, format string, args ...any) {
	v.errs = append(v.errs, path+": "+fmt.Sprintf(format, args...))
}

// sub validates in isolation (for oneOf and its kind) and returns the
// violations found.
func sub(schema jsonSchema, instance any, path string) []string {
	var w validator
	w.check(schema, instance, path)
	return w.errs
}

func (v *validator) check(schema jsonSchema, inst any, path string) {
	switch s := schema.(type) {
	case bool:
		if !s {
			v.fail(path, "no value is allowed here")
		}
		return
	case map[string]any:
		v.checkObject(s, inst, path)
	default:
		v.fail(path, "schema is neither an object nor a boolean: %T", schema)
	}
}

func (v *validator) checkObject(s map[string]any, inst any, path string) {
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		val := s[k]
		switch k {
		case "type":
			if !typeMatches(val, inst) {
				v.fail(path, "%s is not of type %v", kindOf(inst), val)
			}
		case "enum":
			list, _ := val.([]any)
			found := false
			for _, e := range list {
				if jsonEqual(e, inst) {
					found = true
					break
				}
			}
			if !found {
				v.fail(path, "%s is not one of %s", compactJSON(inst), compactJSON(val))
			}
		case "const":
			if !jsonEqual(val, inst) {
				v.fail(path, "%s is not %s", compactJSON(inst), compactJSON(val))
			}
		case "properties", "patternProperties", "additionalProperties":
			// Checked together below.
		case "required":
			obj, isObj := inst.(map[string]any)
			if !isObj {
				continue
			}
			for _, r := range val.([]any) {
				if _, ok := obj[r.(string)]; !ok {
					v.fail(path, "required property %q is missing", r)
				}
			}
		case "minProperties", "maxProperties":
			obj, isObj := inst.(map[string]any)
			if !isObj {
				continue
			}
			n := intOf(val)
			if (k == "minProperties" && len(obj) < n) || (k == "maxProperties" && len(obj) > n) {
				v.fail(path, "%d properties, %s is %d", len(obj), k, n)
			}
		case "items":
			arr, isArr := inst.([]any)
			if !isArr {
				continue
			}
			if _, tuple := val.([]any); tuple {
				v.fail(path, "tuple form of items is not supported")
				continue
			}
			for i, e := range arr {
				v.check(val, e, path+"["+strconv.Itoa(i)+"]")
			}
		case "minItems", "maxItems":
			arr, isArr := inst.([]any)
			if !isArr {
				continue
			}
			n := intOf(val)
			if (k == "minItems" && len(arr) < n) || (k == "maxItems" && len(arr) > n) {
				v.fail(path, "%d items, %s is %d", len(arr), k, n)
			}
		case "uniqueItems":
			arr, isArr := inst.([]any)
			if !isArr || val != true {
				continue
			}
			for i := range arr {
				for j := i + 1; j < len(arr); j++ {
					if jsonEqual(arr[i], arr[j]) {
						v.fail(path, "items %d and %d are equal", i, j)
					}
				}
			}
		case "minLength", "maxLength":
			str, isStr := inst.(string)
			if !isStr {
				continue
			}
			n, l := intOf(val), utf8.RuneCountInString(str)
			if (k == "minLength" && l < n) || (k == "maxLength" && l > n) {
				v.fail(path, "length %d, %s is %d", l, k, n)
			}
		case "pattern":
			str, isStr := inst.(string)
			if !isStr {
				continue
			}
			re, err := compilePattern(val.(string))
			if err != nil {
				v.fail(path, "pattern %q does not compile: %v", val, err)
			} else if !re.MatchString(str) {
				v.fail(path, "%q does not match %q", str, val)
			}
		case "format":
			if problem := checkFormat(val.(string), inst); problem != "" {
				v.fail(path, "%s", problem)
			}
		case "minimum", "maximum":
			n, isNum := inst.(json.Number)
			if !isNum {
				continue
			}
			c := compareNumbers(n, val.(json.Number))
			if (k == "minimum" && c < 0) || (k == "maximum" && c > 0) {
				v.fail(path, "%s is outside %s %s", n, k, val)
			}
		case "oneOf", "anyOf", "allOf":
			branches := val.([]any)
			matched := 0
			var why []string
			for i, b := range branches {
				errs := sub(b, inst, path)
				if len(errs) == 0 {
					matched++
				} else {
					why = append(why, fmt.Sprintf("branch %d: %s", i, strings.Join(errs, "; ")))
				}
			}
			switch {
			case k == "oneOf" && matched != 1:
				v.fail(path, "matches %d branches of oneOf, want exactly 1 (%s)", matched, strings.Join(why, " | "))
			case k == "anyOf" && matched == 0:
				v.fail(path, "matches no branch of anyOf (%s)", strings.Join(why, " | "))
			case k == "allOf" && matched != len(branches):
				v.fail(path, "fails allOf (%s)", strings.Join(why, " | "))
			}
		default:
			if !annotations[k] {
				v.fail(path, "schema keyword %q is not supported by this validator", k)
			}
		}
	}
	v.checkProperties(s, inst, path)
}

// checkProperties applies properties, patternProperties and
// additionalProperties to an object.
func (v *validator) checkProperties(s map[string]any, inst any, path string) {
	obj, isObj := inst.(map[string]any)
	if !isObj {
		return
	}
	props, _ := s["properties"].(map[string]any)
	patterns, _ := s["patternProperties"].(map[string]any)
	additional, hasAdditional := s["additionalProperties"]
	names := make([]string, 0, len(obj))
	for name := range obj {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		val, at := obj[name], path+"."+name
		known := false
		if ps, ok := props[name]; ok {
			known = true
			v.check(ps, val, at)
		}
		for pat, ps := range patterns {
			re, err := compilePattern(pat)
			if err != nil {
				v.fail(path, "patternProperties %q does not compile: %v", pat, err)
				continue
			}
			if re.MatchString(name) {
				known = true
				v.check(ps, val, at)
			}
		}
		if !known && hasAdditional {
			if additional == false {
				v.fail(path, "additional property %q is not allowed", name)
			} else {
				v.check(additional, val, at)
			}
		}
	}
}

// typeMatches reports whether inst is of the JSON Schema type t (a name or
// a list of names).
func typeMatches(t any, inst any) bool {
	switch t := t.(type) {
	case string:
		return isType(t, inst)
	case []any:
		for _, name := range t {
			if isType(name.(string), inst) {
				return true
			}
		}
	}
	return false
}

func isType(name string, inst any) bool {
	switch name {
	case "null":
		return inst == nil
	case "boolean":
		_, ok := inst.(bool)
		return ok
	case "string":
		_, ok := inst.(string)
		return ok
	case "object":
		_, ok := inst.(map[string]any)
		return ok
	case "array":
		_, ok := inst.([]any)
		return ok
	case "number":
		_, ok := inst.(json.Number)
		return ok
	case "integer":
		n, ok := inst.(json.Number)
		return ok && isInteger(n)
	}
	return false
}

// isInteger reports whether n has no fractional part, as JSON Schema counts
// integers (1.0 is one).
func isInteger(n json.Number) bool {
	if _, err := strconv.ParseInt(n.String(), 10, 64); err == nil {
		return true
	}
	r, ok := new(big.Rat).SetString(n.String())
	return ok && r.IsInt()
}

func kindOf(inst any) string {
	switch inst := inst.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return fmt.Sprintf("string %q", inst)
	case json.Number:
		return "number " + inst.String()
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", inst)
}

func compareNumbers(a, b json.Number) int {
	ia, errA := strconv.ParseInt(a.String(), 10, 64)
	ib, errB := strconv.ParseInt(b.String(), 10, 64)
	if errA == nil && errB == nil {
		return cmp.Compare(ia, ib)
	}
	ra, okA := new(big.Rat).SetString(a.String())
	rb, okB := new(big.Rat).SetString(b.String())
	if !okA || !okB {
		return math.MaxInt
	}
	return ra.Cmp(rb)
}

func intOf(v any) int {
	n, _ := strconv.Atoi(v.(json.Number).String())
	return n
}

// jsonEqual compares two decoded JSON values, numbers by value.
func jsonEqual(a, b any) bool {
	switch a := a.(type) {
	case json.Number:
		bn, ok := b.(json.Number)
		return ok && compareNumbers(a, bn) == 0
	case []any:
		bl, ok := b.([]any)
		if !ok || len(a) != len(bl) {
			return false
		}
		for i := range a {
			if !jsonEqual(a[i], bl[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		bm, ok := b.(map[string]any)
		if !ok || len(a) != len(bm) {
			return false
		}
		for k, av := range a {
			bv, ok := bm[k]
			if !ok || !jsonEqual(av, bv) {
				return false
			}
		}
		return true
	}
	return a == b
}

func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

var (
	// isoTime is what oslo's parse_isotime (the date-time check of both
	// projects) reads: a date, optionally a time with optional fraction,
	// optionally a zone.
	isoTime = regexp.MustCompile(`^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:[.,]\d+)?)?)?(Z|[+-]\d\d(?::?\d\d)?)?$`)
	macAddr = regexp.MustCompile(`^(?:[0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$`)
	hexOnly = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)
)

// checkFormat returns why s does not have format f, or "". As in both
// projects, a format constrains strings only.
func checkFormat(f string, inst any) string {
	s, isStr := inst.(string)
	if !isStr || formatsIgnored[f] {
		return ""
	}
	ok := false
	switch f {
	case "date-time", "iso8601-date-time":
		ok = validISOTime(s)
	case "uuid":
		// oslo's is_uuid_like: 32 hex digits once hyphens, braces and a
		// urn:uuid: prefix are dropped.
		t := strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(s), "urn:"), "uuid:")
		t = strings.ReplaceAll(strings.Trim(t, "{}"), "-", "")
		ok = hexOnly.MatchString(t)
	case "uri":
		u, err := url.Parse(s)
		ok = err == nil && u.Scheme != "" && u.Host != ""
	case "ipv4":
		a, err := netip.ParseAddr(s)
		ok = err == nil && a.Is4()
	case "ipv6":
		a, err := netip.ParseAddr(s)
		ok = err == nil && a.Is6() && a.Zone() == ""
	case "mac-address":
		ok = macAddr.MatchString(s)
	case "base64":
		_, err := base64.StdEncoding.DecodeString(s)
		ok = err == nil
	case "regex":
		_, err := regexp.Compile(s)
		ok = err == nil && s != ""
	default:
		return fmt.Sprintf("format %q is not supported by this validator", f)
	}
	if !ok {
		return fmt.Sprintf("%q is not a valid %s", s, f)
	}
	return ""
}

func validISOTime(s string) bool {
	m := isoTime.FindStringSubmatch(s)
	if m == nil {
		return false
	}
	num := func(i int) int {
		n, _ := strconv.Atoi(m[i])
		return n
	}
	if mo, d := num(2), num(3); mo < 1 || mo > 12 || d < 1 || d > 31 {
		return false
	}
	if m[4] != "" && (num(4) > 23 || num(5) > 59 || num(6) > 60) {
		return false
	}
	return true
}

func TestValidator(t *testing.T) {
	parse := func(s string) any {
		v, err := decodeJSON([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		schema, instance string
		ok               bool
	}{
		{`{"type": "integer"}`, `3`, true},
		{`{"type": "integer"}`, `3.0`, true},
		{`{"type": "integer"}`, `3.5`, false},
		{`{"type": ["integer", "null"]}`, `null`, true},
		{`{"type": ["integer", "null"]}`, `"3"`, false},
		{`{"type": ["integer", "null"], "minimum": 1}`, `0`, false},
		{`{"type": ["integer", "null"], "minimum": 1}`, `null`, true},
		{`{"type": ["integer", "null"], "minimum": 1}`, `1`, true},
		{`{"enum": [0, 1, null]}`, `1.0`, true},
		{`{"enum": [0, 1, null]}`, `false`, false},
		{`{"const": "next"}`, `"next"`, true},
		{`{"const": "next"}`, `"prev"`, false},
		{`{"required": ["a"], "properties": {"a": {"type": "string"}}, "additionalProperties": false}`, `{"a": "x"}`, true},
		{`{"required": ["a"]}`, `{}`, false},
		{`{"properties": {"a": {}}, "additionalProperties": false}`, `{"b": 1}`, false},
		{`{"patternProperties": {"^x-": {"type": "string"}}, "additionalProperties": false}`, `{"x-a": "1"}`, true},
		{`{"patternProperties": {"^x-": {"type": "string"}}, "additionalProperties": false}`, `{"x-a": 1}`, false},
		{`{"items": {"type": "string"}, "maxItems": 1}`, `["a", "b"]`, false},
		{`{"items": {"type": "string"}, "minItems": 1}`, `[]`, false},
		{`{"uniqueItems": true}`, `[1, 1.0]`, false},
		{`{"maxLength": 2}`, `"äö"`, true},
		{`{"maxLength": 2}`, `"äöü"`, false},
		{`{"pattern": "^[a-z]*$"}`, `"abc"`, true},
		{`{"pattern": "^[a-z]*$"}`, `"aBc"`, false},
		{`{"pattern": "^[a-z]*$"}`, `5`, true},
		{`{"oneOf": [{"type": "string", "const": ""}, {"type": "object"}]}`, `""`, true},
		{`{"oneOf": [{"type": "string"}, {"const": ""}]}`, `""`, false},
		{`{"anyOf": [{"type": "string"}, {"type": "null"}]}`, `3`, false},
		{`{"format": "uuid"}`, `"4cfba335-03d8-49b2-8c52-e69043d1e8fe"`, true},
		{`{"format": "uuid"}`, `"server-1"`, false},
		{`{"format": "date-time"}`, `"2015-01-01T00:00:00.000000"`, true},
		{`{"format": "date-time"}`, `"2015-01-01T00:00:00Z"`, true},
		{`{"format": "date-time"}`, `"2015-13-01T00:00:00Z"`, false},
		{`{"format": "date-time"}`, `"yesterday"`, false},
		{`{"format": "uri"}`, `"http://h/x"`, true},
		{`{"format": "uri"}`, `"/x"`, false},
		{`{"format": "ipv4"}`, `"192.0.2.1"`, true},
		{`{"format": "ipv4"}`, `"::1"`, false},
		{`{"format": "mac-address"}`, `"fa:16:3e:00:00:01"`, true},
		{`{"format": "date-time"}`, `null`, true},
		{`false`, `1`, false},
		{`{"$comment": "x", "default": 1}`, `1`, true},
		{`{"$ref": "#/x"}`, `1`, false},
		{`{"format": "hostname"}`, `"a"`, false},
	} {
		errs := validate(parse(tc.schema), parse(tc.instance))
		if (len(errs) == 0) != tc.ok {
			t.Errorf("%s against %s: errors %v, want ok=%v", tc.instance, tc.schema, errs, tc.ok)
		}
	}
}
