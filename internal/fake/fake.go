// Package fake is the engine under the public in-process fakes
// (ecs/ecstest, nova/novatest, ...). It runs an httptest server, counts the
// calls each operation receives, checks credentials, injects faults on
// request, and keeps the clock that walks jobs through their states.
//
// A service fake registers its operations with Handle and keeps its own
// state; everything cross-cutting happens here, in this order, for every
// request: the call is counted, a pending fault for the operation fires (and
// ends the request unless it only slows it), the credentials are checked,
// and the handler answers.
package fake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
)

// ErrorBody builds a service's error document for a status, code and message.
type ErrorBody func(status int, code, message string) any

// Config describes the service a Server imitates.
type Config struct {
	// Name is used in request IDs ("req-ecs-000001").
	Name string
	// ErrorBody shapes the service's error answers.
	ErrorBody ErrorBody
	// ThrottleCode is the service's code for throttling (APIGW.0308,
	// CCE.02429001, overLimit ...).
	ThrottleCode string
	// RequestIDHeader is where the request ID is sent (X-Request-Id,
	// X-Openstack-Request-Id).
	RequestIDHeader string
	// Auth checks credentials; nil accepts every request.
	Auth Authenticator
}

// Authenticator checks a request's credentials. It returns nil to accept,
// or the failure to answer with.
type Authenticator interface {
	Check(r *http.Request) *Failure
}

// Failure is an error answer.
type Failure struct {
	// Status, Code and Message are the HTTP status and the service's
	// code and message.
	Status  int
	Code    string
	Message string
}

// Server is a running fake.
type Server struct {
	cfg   Config
	srv   *httptest.Server
	mux   *http.ServeMux
	clock *Clock
	seq   atomic.Int64
	conns atomic.Int64 // TCP connections accepted

	mu     sync.Mutex
	calls  map[string]int
	faults []*fault
}

// New starts a server for cfg.
func New(cfg Config) *Server {
	if cfg.RequestIDHeader == "" {
		cfg.RequestIDHeader = "X-Request-Id"
	}
	if cfg.ErrorBody == nil {
		cfg.ErrorBody = func(_ int, code, msg string) any { return map[string]string{"code": code, "message": msg} }
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), clock: NewClock(), calls: map[string]int{}}
	s.srv = httptest.NewUnstartedServer(s.mux)
	s.srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.srv.Start()
	return s
}

// URL returns the base URL of the server, without a trailing slash.
func (s *Server) URL() string { return s.srv.URL }

// Connections returns how many TCP connections the server has accepted
// since it started. A client that keeps its connections alive and reuses
// them makes far fewer connections than requests.
func (s *Server) Connections() int { return int(s.conns.Load()) }

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Clock returns the clock the server's jobs run on.
func (s *Server) Clock() *Clock { return s.clock }

// SetAuth replaces the credential check; nil accepts every request.
func (s *Server) SetAuth(a Authenticator) {
	s.mu.Lock()
	s.cfg.Auth = a
	s.mu.Unlock()
}

// Request is an incoming request with its body already read.
type Request struct {
	*http.Request
	// Body is the whole request body.
	Body []byte
}

// Decode decodes the JSON body into v.
func (r *Request) Decode(v any) error {
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	return dec.Decode(v)
}

// Response is a handler's answer.
type Response struct {
	// Status is the HTTP status.
	Status int
	Body   any // encoded as JSON; nil sends no body
	Header http.Header
}

// JSON is a Response with status and body.
func JSON(status int, body any) Response { return Response{Status: status, Body: body} }

// Handler answers one operation.
type Handler func(r *Request) Response

// Error returns an answer in the service's error shape.
func (s *Server) Error(status int, code, message string) Response {
	return Response{Status: status, Body: s.cfg.ErrorBody(status, code, message)}
}

// Handle registers op under pattern ("POST /v1/{project_id}/jobs/{job_id}",
// net/http ServeMux syntax).
func (s *Server) Handle(op, pattern string, h Handler) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, hr *http.Request) {
		s.serve(op, true, h, w, hr)
	})
}

// Route picks the operation a request is for and the handler that
// answers it, from anything in the request (the body names the action on
// OpenStack's ".../action" URLs). It returns ok false for a request it
// does not recognise, which is then counted and answered as unknownOp.
type Route func(r *Request) (op string, h Handler, ok bool)

// HandleRoute registers pattern with the operation chosen per request by
// route, so several operations that share one URL are counted, faulted
// and answered apart. Requests route does not recognise count as
// unknownOp and get 400 in the service's error shape.
func (s *Server) HandleRoute(unknownOp, pattern string, route Route) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, hr *http.Request) {
		body := readBody(hr)
		op, h, ok := route(&Request{Request: hr, Body: body})
		if !ok {
			op, h = unknownOp, func(*Request) Response {
				return s.Error(http.StatusBadRequest, "badRequest", "unknown action")
			}
		}
		s.serveBody(op, true, h, w, hr, body)
	})
}

// HandleOpen registers op like Handle, but without the credential check
// (token issuing, version documents).
func (s *Server) HandleOpen(op, pattern string, h Handler) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, hr *http.Request) {
		s.serve(op, false, h, w, hr)
	})
}

func readBody(hr *http.Request) []byte {
	body, _ := io.ReadAll(io.LimitReader(hr.Body, 8<<20))
	_ = hr.Body.Close()
	hr.Body = io.NopCloser(bytes.NewReader(body))
	return body
}

func (s *Server) serve(op string, checkAuth bool, h Handler, w http.ResponseWriter, hr *http.Request) {
	s.serveBody(op, checkAuth, h, w, hr, readBody(hr))
}

func (s *Server) serveBody(op string, checkAuth bool, h Handler, w http.ResponseWriter, hr *http.Request, body []byte) {
	rid := fmt.Sprintf("req-%s-%06d", s.cfg.Name, s.seq.Add(1))
	w.Header().Set(s.cfg.RequestIDHeader, rid)

	s.mu.Lock()
	s.calls[op]++
	f := s.takeFault(op)
	authn := s.cfg.Auth
	s.mu.Unlock()

	if f != nil {
		if done := s.fire(f, w); done {
			return
		}
	}
	if authn != nil && checkAuth {
		if fail := authn.Check(hr); fail != nil {
			s.write(w, s.Error(fail.Status, fail.Code, fail.Message))
			return
		}
	}
	hr.Body = io.NopCloser(bytes.NewReader(body))
	s.write(w, h(&Request{Request: hr, Body: body}))
}

func (s *Server) write(w http.ResponseWriter, r Response) {
	for k, v := range r.Header {
		w.Header()[k] = v
	}
	if r.Body == nil {
		w.WriteHeader(r.Status)
		return
	}
	data, err := json.Marshal(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(r.Status)
	_, _ = w.Write(data)
}

// Calls returns how many requests op received, faults included.
func (s *Server) Calls(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

// AllCalls returns a copy of every operation's count.
func (s *Server) AllCalls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.calls))
	for k, v := range s.calls {
		out[k] = v
	}
	return out
}

// ResetCalls sets every count to zero.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	s.calls = map[string]int{}
	s.mu.Unlock()
}
