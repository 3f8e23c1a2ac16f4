package errparse

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
)

func TestFillEveryShape(t *testing.T) {
	cases := []struct {
		name, body        string
		code, msg         string
		details           []string
		retryAfter        time.Duration
		requestIDFromBody string
	}{
		{"nova fault", `{"itemNotFound": {"code": 404, "message": "Instance 9 could not be found."}}`,
			"itemNotFound", "Instance 9 could not be found.", nil, 0, ""},
		{"nova overLimit", `{"overLimit": {"code": 413, "message": "Over limit", "retryAfter": "7"}}`,
			"overLimit", "Over limit", nil, 7 * time.Second, ""},
		{"manila computeFault", `{"computeFault": {"code": 406, "message": "Version 3.7 is not supported by the API. Minimum is 2.0 and maximum is 2.99."}}`,
			"computeFault", "Version 3.7 is not supported by the API. Minimum is 2.0 and maximum is 2.99.", nil, 0, ""},
		{"ecs nested", `{"error": {"code": "Ecs.0114", "message": "The ECS does not exist.", "details": [{"code": "Ecs.0114", "message": "server 1 missing"}]}}`,
			"Ecs.0114", "The ECS does not exist.", []string{"Ecs.0114: server 1 missing"}, 0, ""},
		{"keystone", `{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}`,
			"Unauthorized", "The request you have made requires authentication.", nil, 0, ""},
		{"modelarts", `{"error_code": "ModelArts.50015001", "error_msg": "pool not found", "request_id": "body-rid"}`,
			"ModelArts.50015001", "pool not found", nil, 0, "body-rid"},
		{"apigw", `{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: verify aksk signature fail","request_id":"r1"}`,
			"APIGW.0301", "Incorrect IAM authentication information: verify aksk signature fail", nil, 0, "r1"},
		{"cce camel", `{"errorCode": "CCE.01404001", "errorMessage": "Cluster not found"}`,
			"CCE.01404001", "Cluster not found", nil, 0, ""},
		{"cce code/message", `{"code": "CCE.02429001", "message": "Too many requests"}`,
			"CCE.02429001", "Too many requests", nil, 0, ""},
		{"plain text", "<html>\n  502   Bad Gateway\n</html>", "", "<html> 502 Bad Gateway </html>", nil, 0, ""},
		{"json but unknown", `{"foo": 1}`, "", `{"foo": 1}`, nil, 0, ""},
		{"empty", ``, "", "", nil, 0, ""},
		{"json array", `[1,2]`, "", "[1,2]", nil, 0, ""},
		{"string details", `{"error": {"code": "Ecs.0100", "message": "not stopped", "details": ["a", "b"]}}`,
			"Ecs.0100", "not stopped", []string{"a", "b"}, 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := &cloudmigrate.Error{}
			Fill(e, []byte(tc.body))
			if e.Code != tc.code || e.Message != tc.msg || !reflect.DeepEqual(e.Details, tc.details) ||
				e.RetryAfter != tc.retryAfter || e.RequestID != tc.requestIDFromBody {
				t.Errorf("got code %q msg %q details %q retry %v rid %q", e.Code, e.Message, e.Details, e.RetryAfter, e.RequestID)
			}
		})
	}
}

func TestTextIsBounded(t *testing.T) {
	e := &cloudmigrate.Error{}
	Fill(e, []byte(strings.Repeat("é", 1000)))
	if len(e.Message) > maxText {
		t.Errorf("message is %d bytes", len(e.Message))
	}
	if !strings.HasPrefix(e.Message, "éé") || strings.ContainsRune(e.Message, '\uFFFD') {
		t.Errorf("cut inside a rune: %q", e.Message[len(e.Message)-4:])
	}
}

func TestFromResponseReadsAtMost64KiB(t *testing.T) {
	big := `{"error_code":"X","error_msg":"` + strings.Repeat("a", 200<<10) + `"}`
	r := &http.Response{StatusCode: 500, Header: http.Header{"X-Request-Id": {"rid"}}, Body: readCloser{strings.NewReader(big)}}
	e := FromResponse("GET", "https://x/y", r, 2)
	if e.RequestID != "rid" || e.Attempts != 2 || e.StatusCode != 500 || e.Method != "GET" || e.URL != "https://x/y" {
		t.Errorf("%+v", e)
	}
	// The body was cut at 64 KiB, so it is not valid JSON: the text path applies, bounded.
	if len(e.Message) > maxText {
		t.Errorf("message %d bytes", len(e.Message))
	}
}

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"5":                             5 * time.Second,
		" 0 ":                           0,
		"Sun, 22 Nov 2026 12:00:30 GMT": 30 * time.Second,
		"Sun, 22 Nov 2026 11:00:00 GMT": 0,
	} {
		got, ok := RetryAfter(in, now)
		if !ok || got != want {
			t.Errorf("RetryAfter(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "-1", "soon", "1.5"} {
		if _, ok := RetryAfter(in, now); ok {
			t.Errorf("RetryAfter(%q) accepted", in)
		}
	}
}

func TestRequestIDOrder(t *testing.T) {
	h := http.Header{}
	h.Set("X-Request-Id", "c")
	h.Set("X-Compute-Request-Id", "b")
	if RequestID(h) != "b" {
		t.Error("X-Compute-Request-Id should win over X-Request-Id")
	}
	h.Set("X-Openstack-Request-Id", "a")
	if RequestID(h) != "a" {
		t.Error("X-Openstack-Request-Id should win")
	}
}
