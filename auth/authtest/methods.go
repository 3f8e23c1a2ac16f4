package authtest

import (
	"time"

	"github.com/cloudmigrate/cloudmigrate/fakeclock"
)

// The methods below are the fake engine's, declared here so that they are
// documented with the rest of Server.

// URL returns the base URL the token service listens on, without a trailing
// slash; AuthURL is the identity endpoint below it.
func (s *Server) URL() string { return s.Server.URL() }

// Close shuts the fake down and closes its connections. Call it when the
// test ends: defer srv.Close().
func (s *Server) Close() { s.Server.Close() }

// Clock returns the fake engine's clock. The token service does not read it:
// its tokens expire on real time (WithTokenTTL), and ExpireTokens ends them
// at once.
func (s *Server) Clock() *fakeclock.Clock { return s.Server.Clock() }

// Calls returns how many requests for op (OpIssueToken) the fake has
// received, those a fault answered included. A test asserts with it that a
// migration was started exactly once.
func (s *Server) Calls(op string) int { return s.Server.Calls(op) }

// AllCalls returns a copy of every operation's count, by operation name, for
// the operations that were called at least once.
func (s *Server) AllCalls() map[string]int { return s.Server.AllCalls() }

// ResetCalls sets every operation's count back to zero.
func (s *Server) ResetCalls() { s.Server.ResetCalls() }

// Connections returns how many TCP connections the fake has accepted since
// it started. A client that keeps its connections alive makes far fewer
// connections than requests.
func (s *Server) Connections() int { return s.Server.Connections() }

// Throttle makes the next n requests for op (OpIssueToken, or "" for any
// operation) answer 429 with the service's throttling code, and a
// Retry-After header of retryAfter in whole seconds when it is not zero. The
// fake does nothing else with them.
func (s *Server) Throttle(op string, n int, retryAfter time.Duration) {
	s.Server.Throttle(op, n, retryAfter)
}

// FailNext makes the next n requests for op (OpIssueToken) answer status, a
// 5xx say, in the service's error shape, without doing what they ask.
func (s *Server) FailNext(op string, n, status int) { s.Server.FailNext(op, n, status) }

// DropNext makes the next n requests for op (OpIssueToken) lose their
// connection once the fake has read them, before any answer, so that the
// client cannot tell whether they arrived. The fake does not do what they
// ask.
func (s *Server) DropNext(op string, n int) { s.Server.DropNext(op, n) }

// SlowNext holds the next n requests for op (OpIssueToken) for d, then
// answers them normally: a way to test timeouts and cancellation.
func (s *Server) SlowNext(op string, n int, d time.Duration) { s.Server.SlowNext(op, n, d) }

// ClearFaults drops every fault still pending from Throttle, FailNext,
// DropNext and SlowNext.
func (s *Server) ClearFaults() { s.Server.ClearFaults() }
