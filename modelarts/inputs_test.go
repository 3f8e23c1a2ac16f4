package modelarts

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzJobInputsDecode checks the reading of a job's inputs, which decides
// whether a start adopts a running job: arbitrary bytes never panic, and a
// node name put in the inputs in any of the shapes a service may use (the
// request in a JSON string, an object, a list, the involved objects) is
// always found, whatever the name holds.
func FuzzJobInputsDecode(f *testing.F) {
	f.Add([]byte(`"{\"migrateNodeNames\":[\"n1\"]}"`), "os-node-created-zrxm7", uint8(0))
	f.Add([]byte(`{"nodes":[{"name":"a"}]}`), "a\"b\\c", uint8(1))
	f.Add([]byte(`"[1, 2"`), "名前", uint8(2))
	f.Add([]byte(`null`), "", uint8(3))
	f.Fuzz(func(t *testing.T, raw []byte, name string, shape uint8) {
		j := Job{Inputs: raw, InvolvedObjects: raw}
		in := j.inputs()
		if in.strings == nil {
			t.Fatal("no string set")
		}
		// Node names are text, and never blank (BatchMigrateNodes refuses
		// both).
		if !utf8.ValidString(name) || strings.TrimSpace(name) == "" {
			return
		}
		var inputs json.RawMessage
		switch shape % 4 {
		case 0: // the request, as a JSON string
			req, _ := json.Marshal(map[string]any{"migrateNodeNames": []string{name}, "toPoolName": "p"})
			inputs = mustJSON(t, string(req))
		case 1:
			inputs = mustJSON(t, map[string]any{"nodes": []any{map[string]string{"name": name}}})
		case 2:
			inputs = mustJSON(t, []string{"x", name})
		case 3:
			j = Job{InvolvedObjects: mustJSON(t, name)}
		}
		if shape%4 != 3 {
			j = Job{Inputs: inputs}
		}
		in = j.inputs()
		if !in.strings[name] || !in.said {
			t.Fatalf("shape %d: %q not found in %s (%v)", shape%4, name, inputs, in.strings)
		}
		if shape%4 == 0 && in.toPool != "p" {
			t.Fatalf("toPoolName = %q", in.toPool)
		}
	})
}

func mustJSON(t *testing.T, v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
