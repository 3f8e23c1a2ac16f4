package errparse

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cloudmigrate/cloudmigrate"
)

// FuzzFill feeds arbitrary bodies to the error parser: it must never panic,
// and what it extracts must be valid UTF-8 and bounded.
func FuzzFill(f *testing.F) {
	for _, seed := range []string{
		`{"itemNotFound": {"code": 404, "message": "Instance 9 could not be found."}}`,
		`{"overLimit": {"code": 413, "message": "Over limit", "retryAfter": "7"}}`,
		`{"error": {"code": "Ecs.0114", "message": "missing", "details": [{"code": "a", "message": "b"}, "c"]}}`,
		`{"error": {"code": 401, "title": "Unauthorized", "message": "auth"}}`,
		`{"error_code": "ModelArts.50015001", "error_msg": "pool not found", "request_id": "r"}`,
		`{"errorCode": "CCE.01404001", "errorMessage": "Cluster not found"}`,
		`{"code": "CCE.02429001", "message": "Too many requests"}`,
		`<html>502</html>`, ``, `{`, `[]`, `null`, `{"error": null}`, `{"a": {"code": {"x": 1}}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		e := &cloudmigrate.Error{}
		Fill(e, body)
		for _, s := range append([]string{e.Code, e.Message, e.RequestID}, e.Details...) {
			if !utf8.ValidString(s) && utf8.Valid(body) {
				t.Fatalf("invalid UTF-8 out of valid input: %q", s)
			}
		}
		if len(e.Message) > len(body) && len(e.Message) > maxText {
			t.Fatalf("message of %d bytes from a %d-byte body", len(e.Message), len(body))
		}
		if e.RetryAfter < 0 {
			t.Fatalf("negative RetryAfter %v", e.RetryAfter)
		}
		_ = e.Error()
	})
}

// FuzzRetryAfter checks the Retry-After parser never panics or goes negative.
func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"5", "0", "-1", "Sun, 22 Nov 2026 12:00:30 GMT", "99999999999999999999", " 7 "} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := RetryAfter(v, now)
		if d < 0 || (!ok && d != 0) {
			t.Fatalf("RetryAfter(%q) = %v, %v", v, d, ok)
		}
		if ok && strings.TrimSpace(v) == "" {
			t.Fatal("blank value accepted")
		}
	})
}
