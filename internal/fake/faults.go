package fake

import (
	"net/http"
	"strconv"
	"time"
)

type faultKind int

const (
	kindThrottle faultKind = iota + 1
	kindStatus
	kindDrop
	kindSlow
)

type fault struct {
	kind       faultKind
	op         string // "" matches every operation
	left       int
	status     int
	code       string
	retryAfter time.Duration
	delay      time.Duration
}

// takeFault returns the first pending fault for op and uses it up. The
// caller holds s.mu.
func (s *Server) takeFault(op string) *fault {
	for i, f := range s.faults {
		if f.op != "" && f.op != op {
			continue
		}
		f.left--
		if f.left <= 0 {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		cp := *f
		return &cp
	}
	return nil
}

func (s *Server) add(f *fault) {
	if f.left <= 0 {
		return
	}
	s.mu.Lock()
	s.faults = append(s.faults, f)
	s.mu.Unlock()
}

// Throttle makes the next n calls of op ("" for any) answer 429 with the
// service's throttling code and Retry-After (whole seconds, omitted when
// zero).
func (s *Server) Throttle(op string, n int, retryAfter time.Duration) {
	s.add(&fault{kind: kindThrottle, op: op, left: n, status: http.StatusTooManyRequests, code: s.cfg.ThrottleCode, retryAfter: retryAfter})
}

// FailNext makes the next n calls of op answer status (a 5xx, say) in the
// service's error shape.
func (s *Server) FailNext(op string, n, status int) {
	s.add(&fault{kind: kindStatus, op: op, left: n, status: status, code: "Fake." + strconv.Itoa(status)})
}

// DropNext makes the next n calls of op lose their connection after the
// request was read, before any answer: the client cannot tell whether the
// request took effect (here it did not).
func (s *Server) DropNext(op string, n int) {
	s.add(&fault{kind: kindDrop, op: op, left: n})
}

// SlowNext delays the next n calls of op by d before they are answered
// normally.
func (s *Server) SlowNext(op string, n int, d time.Duration) {
	s.add(&fault{kind: kindSlow, op: op, left: n, delay: d})
}

// ClearFaults drops every pending fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

// fire applies f and reports whether the request has been answered.
func (s *Server) fire(f *fault, w http.ResponseWriter) bool {
	switch f.kind {
	case kindThrottle:
		if f.retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int((f.retryAfter+time.Second-1)/time.Second)))
		}
		s.write(w, s.Error(f.status, f.code, "request throttled, try again later"))
		return true
	case kindStatus:
		s.write(w, s.Error(f.status, f.code, "injected failure"))
		return true
	case kindDrop:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return true
			}
		}
		panic(http.ErrAbortHandler)
	case kindSlow:
		time.Sleep(f.delay)
	}
	return false
}
