// Package errparse turns an error answer of any of the services into a
// *cloudmigrate.Error. It understands every body shape the services use:
//
//	{"itemNotFound": {"code": 404, "message": "..."}}           nova, manila faults
//	{"error": {"code": "Ecs.0114", "message": "...", "details": [...]}}  ECS
//	{"error": {"code": 401, "title": "Unauthorized", "message": "..."}}  Keystone
//	{"error_code": "...", "error_msg": "..."}                    ModelArts, APIGW
//	{"errorCode": "...", "errorMessage": "..."}                  CCE
//	{"code": "...", "message": "..."}                            CCE
//
// and plain text.
//
// Servers and the gateways and proxies in front of them may echo the
// request in an error answer. FromResponse and Fill take the credential
// values the request was sent with (see HeaderSecrets) and replace them,
// in every form a server may quote them, with Redacted before any of the
// server's text enters the error.
package errparse

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cloudmigrate/cloudmigrate"
)

// MaxBody is how much of an error body is read.
const MaxBody = 64 << 10

// maxText bounds the message taken from a body that is not JSON.
const maxText = 512

// RequestID returns the service's request ID from the headers the services
// use, in order of preference.
func RequestID(h http.Header) string {
	for _, k := range [...]string{"X-Openstack-Request-Id", "X-Compute-Request-Id", "X-Request-Id"} {
		if v := h.Get(k); v != "" {
			return v
		}
	}
	return ""
}

// FromResponse reads up to MaxBody bytes of resp.Body (it does not close
// it) and returns the error it describes, with every one of secrets (the
// credentials the request carried) scrubbed from the text the server sent.
// rawURL must carry no credentials.
func FromResponse(method, rawURL string, resp *http.Response, attempts int, secrets ...string) *cloudmigrate.Error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, MaxBody))
	sc := newScrubber(secrets)
	e := &cloudmigrate.Error{
		StatusCode: resp.StatusCode,
		RequestID:  sc.string(RequestID(resp.Header)),
		Method:     method,
		URL:        rawURL,
		Attempts:   attempts,
	}
	fill(e, body, sc)
	if ra, ok := RetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
		e.RetryAfter = ra
	}
	return e
}

// RetryAfter parses a Retry-After value: delay seconds or an HTTP date.
func RetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > 1<<31 {
			n = 1 << 31
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// fields is the union of the flat shapes.
type fields struct {
	ErrorCode    json.RawMessage `json:"error_code"`
	ErrorMsg     string          `json:"error_msg"`
	ErrorCodeC   json.RawMessage `json:"errorCode"`
	ErrorMessage string          `json:"errorMessage"`
	Code         json.RawMessage `json:"code"`
	Message      string          `json:"message"`
	Title        string          `json:"title"`
	Details      json.RawMessage `json:"details"`
	RetryAfter   json.RawMessage `json:"retryAfter"`
	RequestID    string          `json:"request_id"`
}

func (f *fields) flat() bool {
	return f.ErrorCode != nil || f.ErrorMsg != "" || f.ErrorCodeC != nil || f.ErrorMessage != "" ||
		f.Code != nil || f.Message != ""
}

// Fill sets Code, Message, Details and RetryAfter of e from body, and
// RequestID when the headers had none but the body has one. Every one of
// secrets is scrubbed from what it takes from body.
func Fill(e *cloudmigrate.Error, body []byte, secrets ...string) {
	fill(e, body, newScrubber(secrets))
}

// fill scrubs body, parses it, and scrubs what it took from it once more
// in its decoded form (a JSON escape the scrubber does not know is gone
// once decoded).
func fill(e *cloudmigrate.Error, body []byte, sc *scrubber) {
	parse(e, sc.bytes(body))
	if sc == nil {
		return
	}
	e.Code = sc.string(e.Code)
	e.Message = sc.string(e.Message)
	e.RequestID = sc.string(e.RequestID)
	for i, d := range e.Details {
		e.Details[i] = sc.string(d)
	}
}

func parse(e *cloudmigrate.Error, body []byte) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return
	}
	if trimmed[0] != '{' {
		e.Message = text(trimmed)
		return
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &top); err != nil {
		e.Message = text(trimmed)
		return
	}
	var f fields
	_ = json.Unmarshal(trimmed, &f)
	if f.flat() {
		apply(e, &f, "")
		return
	}
	// A wrapper object: {"error": {...}} or {"<faultName>": {...}}.
	for name, raw := range top {
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 || raw[0] != '{' {
			continue
		}
		var inner fields
		if json.Unmarshal(raw, &inner) != nil || !inner.flat() {
			continue
		}
		fault := name
		if name == "error" {
			fault = inner.Title // Keystone names its error in "title"
		}
		apply(e, &inner, fault)
		return
	}
	e.Message = text(trimmed)
}

func apply(e *cloudmigrate.Error, f *fields, fault string) {
	code := firstNonEmpty(str(f.ErrorCode), str(f.ErrorCodeC))
	if c := str(f.Code); code == "" && c != "" && !isNumber(f.Code) {
		code = c
	}
	if code == "" {
		code = fault
	}
	e.Code = code
	e.Message = firstNonEmpty(f.ErrorMsg, f.ErrorMessage, f.Message)
	e.Details = details(f.Details)
	if e.RequestID == "" {
		e.RequestID = f.RequestID
	}
	if s := str(f.RetryAfter); s != "" {
		if d, ok := RetryAfter(s, time.Now()); ok {
			e.RetryAfter = d
		}
	}
}

// str returns a JSON string's value or a number's text.
func str(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	if isNumber(raw) {
		return string(raw)
	}
	return ""
}

func isNumber(raw json.RawMessage) bool {
	_, err := strconv.ParseFloat(string(raw), 64)
	return err == nil
}

func details(raw json.RawMessage) []string {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		if s := str(raw); s != "" {
			return []string{s}
		}
		return nil
	}
	var out []string
	for _, item := range list {
		if s := str(item); s != "" {
			out = append(out, s)
			continue
		}
		var f fields
		if json.Unmarshal(item, &f) == nil && f.flat() {
			code := firstNonEmpty(str(f.ErrorCode), str(f.ErrorCodeC), str(f.Code))
			msg := firstNonEmpty(f.ErrorMsg, f.ErrorMessage, f.Message)
			switch {
			case code != "" && msg != "":
				out = append(out, code+": "+msg)
			default:
				out = append(out, code+msg)
			}
		}
	}
	return out
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// text returns the start of a non-JSON body as valid UTF-8 on one line.
func text(b []byte) string {
	if len(b) > maxText {
		b = b[:maxText]
		for len(b) > 0 && !utf8.Valid(b) {
			b = b[:len(b)-1]
		}
	}
	s := strings.ToValidUTF8(string(b), "")
	return strings.Join(strings.Fields(s), " ")
}
