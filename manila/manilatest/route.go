package manilatest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Manila posts every action of a resource to one URL and names the action
// in the body, while the engine counts calls and injects faults by route.
// So requests reach the engine through route, a thin front: it reads an
// action's body, appends the action's name to the path, and passes the
// request on unchanged otherwise. The engine then sees one route per
// action (".../action/migration_start") and counts, faults, checks the
// token and answers exactly as for any other operation. Everything the
// engine sends back, a dropped connection included, reaches the client as
// is.

// actionSuffix is the path element route adds for a body that names no
// single action.
const actionSuffix = "_"

// route forwards one request to the engine.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		drop(w)
		return
	}
	path := r.URL.EscapedPath()
	if r.Method == http.MethodPost && strings.HasPrefix(path, sharePath+"/") && strings.HasSuffix(path, "/action") {
		path += "/" + url.PathEscape(actionName(body))
	}
	target := s.Server.URL() + path
	if r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	out, err := http.NewRequestWithContext(r.Context(), r.Method, target, bytes.NewReader(body))
	if err != nil {
		drop(w)
		return
	}
	out.Header = r.Header.Clone()
	out.Host = r.Host // the identity catalog points at the address the client used
	resp, err := s.fwd.Do(out)
	if err != nil {
		drop(w) // the engine dropped the connection, or the client left
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

// actionName returns the one key of an action body, or actionSuffix when
// the body is not a JSON object with exactly one key.
func actionName(body []byte) string {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil || len(top) != 1 {
		return actionSuffix
	}
	for k := range top {
		if k == "" {
			return actionSuffix
		}
		return k
	}
	return actionSuffix
}

// drop closes the client's connection without an answer.
func drop(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}
