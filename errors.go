package cloudmigrate

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Error is returned for every answer outside 2xx. It carries what a support
// ticket needs: the HTTP status, the service's own error code and message, the
// request ID and how many attempts were made.
//
// Check for it with errors.As:
//
//	var apiErr *cloudmigrate.Error
//	if errors.As(err, &apiErr) {
//		log.Print(apiErr.StatusCode, apiErr.Code, apiErr.RequestID)
//	}
type Error struct {
	// StatusCode is the HTTP status of the last attempt.
	StatusCode int
	// Code is the service's error code, such as "Ecs.0114",
	// "ModelArts.50015001", "CCE.01404001", "APIGW.0301", or for OpenStack
	// the fault name ("itemNotFound", "badRequest"). Empty when the body had
	// none.
	Code string
	// Message is the service's human-readable explanation, or the start of
	// the body when it was not JSON.
	Message string
	// Details holds any further explanations the service listed.
	Details []string
	// RequestID is the service's request ID from X-Openstack-Request-Id,
	// X-Compute-Request-Id or X-Request-Id.
	RequestID string
	// Method and URL identify the request. The URL has no credentials in it.
	Method string
	URL    string
	// Attempts is how many times the request was sent: every request
	// handed to the HTTP client, the first, each retry and the replay after
	// a renewed token alike. A try that sent nothing (the credentials could
	// not be had) is not counted.
	Attempts int
	// RetryAfter is the wait the service asked for (Retry-After header or a
	// retryAfter field), zero when it asked for none.
	RetryAfter time.Duration
}

// Error describes the answer on one line: method, URL, status, the
// service's code and message, request ID and attempts.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("cloudmigrate: ")
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(e.URL)
	fmt.Fprintf(&b, ": %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.Code != "" {
		b.WriteString(": ")
		b.WriteString(e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.RequestID != "" {
		b.WriteString(" (request ")
		b.WriteString(e.RequestID)
		b.WriteByte(')')
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	return b.String()
}

// Temporary reports whether trying the same request later may succeed:
// throttling (429 or a throttling code) and 502, 503, 504.
func (e *Error) Temporary() bool {
	switch e.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return isThrottleCode(e.Code)
}

// throttleCodes are service codes that mean "slow down" whatever the status.
var throttleCodes = map[string]bool{
	"APIGW.0308":   true,
	"CCE.02429001": true,
	"CCE.01429002": true,
	"Ecs.0603":     true,
	"overLimit":    true,
}

func isThrottleCode(code string) bool { return throttleCodes[code] }

// ValidationError reports input that the SDK refused before sending
// anything: a missing or malformed argument or field.
type ValidationError struct {
	// Field names the argument or JSON field at fault, such as "serverID"
	// or "spec.nodes[3].uid".
	Field string
	// Problem says what is wrong with it.
	Problem string
}

// Error names the field and the problem.
func (e *ValidationError) Error() string {
	if e.Field == "" {
		return "cloudmigrate: invalid input: " + e.Problem
	}
	return "cloudmigrate: invalid " + e.Field + ": " + e.Problem
}

// Invalid returns a *ValidationError for field.
func Invalid(field, format string, args ...any) *ValidationError {
	if len(args) == 0 {
		return &ValidationError{Field: field, Problem: format}
	}
	return &ValidationError{Field: field, Problem: fmt.Sprintf(format, args...)}
}

// VersionError reports an OpenStack microversion problem: an operation or
// field that needs a version other than the one in use (caught before
// sending), or a version the service refused (HTTP 406).
type VersionError struct {
	// Service is the API: "compute" or "share".
	Service string
	// Feature names the operation or field that needs another version.
	Feature string
	// Min and Max bound the versions Feature works with; either may be empty.
	Min, Max string
	// InUse is the version the client sent or would send.
	InUse string
	// ServerMin and ServerMax are the service's range, when known.
	ServerMin, ServerMax string
	// Err is the service's answer when it refused the version.
	Err *Error
}

// Error names the feature, the versions it needs and the version in use.
func (e *VersionError) Error() string {
	var b strings.Builder
	b.WriteString("cloudmigrate: ")
	if e.Feature != "" {
		b.WriteString(e.Feature)
		b.WriteString(" needs ")
		b.WriteString(e.Service)
		b.WriteString(" microversion ")
		switch {
		case e.Min != "" && e.Max != "":
			b.WriteString(e.Min + " to " + e.Max)
		case e.Max != "":
			b.WriteString("at most " + e.Max)
		default:
			b.WriteString(e.Min + " or later")
		}
		b.WriteString(", but the client uses " + e.InUse)
	} else {
		b.WriteString("the service refused " + e.Service + " microversion " + e.InUse)
	}
	if e.ServerMin != "" || e.ServerMax != "" {
		b.WriteString(" (the service supports " + e.ServerMin + " to " + e.ServerMax + ")")
	}
	return b.String()
}

// Unwrap returns the service's answer, if any.
func (e *VersionError) Unwrap() error {
	if e.Err == nil {
		return nil
	}
	return e.Err
}

func statusOf(err error) (int, string, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e.StatusCode, e.Code, true
	}
	return 0, "", false
}

// IsNotFound reports whether err is a service answer of 404 Not Found.
func IsNotFound(err error) bool {
	s, _, ok := statusOf(err)
	return ok && s == http.StatusNotFound
}

// IsConflict reports whether err is a service answer of 409 Conflict.
func IsConflict(err error) bool {
	s, _, ok := statusOf(err)
	return ok && s == http.StatusConflict
}

// IsThrottled reports whether the service asked the caller to slow down:
// HTTP 429, or a throttling code such as APIGW.0308 or CCE.02429001.
func IsThrottled(err error) bool {
	s, code, ok := statusOf(err)
	return ok && (s == http.StatusTooManyRequests || isThrottleCode(code))
}

// IsUnauthorized reports whether the service refused the credentials (401).
func IsUnauthorized(err error) bool {
	s, _, ok := statusOf(err)
	return ok && s == http.StatusUnauthorized
}

// ErrInProgress is reported when a call that starts a move finds the
// resource already moving: instead of starting a second move, the call
// returns a handle on the one in flight together with an error for which
// errors.Is(err, ErrInProgress) holds. The error's text says what showed
// the move (a task state, a job, a migration record).
var ErrInProgress = errors.New("cloudmigrate: a move of this resource is already in progress")

// InProgressError is the error a start call returns with the handle of a
// move it adopted. errors.Is(err, ErrInProgress) holds for it.
type InProgressError struct {
	// Resource names what is already moving: "server 3f2a…", "nodes n1, n2".
	Resource string
	// Evidence says what showed the move, in the service's words:
	// "task_state migrating", "migration 42 running", "job 8a1… RUNNING".
	Evidence string
}

// Error reads like "cloudmigrate: a move of server x is already in
// progress (task_state migrating); adopted it instead of starting another".
func (e *InProgressError) Error() string {
	s := "cloudmigrate: a move of " + e.Resource + " is already in progress"
	if e.Evidence != "" {
		s += " (" + e.Evidence + ")"
	}
	return s + "; adopted it instead of starting another"
}

// Is reports whether target is ErrInProgress.
func (e *InProgressError) Is(target error) bool { return target == ErrInProgress }
