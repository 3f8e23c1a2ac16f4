package novatest

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/fake"
)

// versionUpdated is the "updated" date nova gives its v2.1 API.
const versionUpdated = "2013-07-23T11:33:21Z"

// v20Updated is the "updated" date of the deprecated v2.0 API.
const v20Updated = "2025-07-04T12:00:00Z"

func baseURL(r *fake.Request) string { return "http://" + r.Host }

// listVersions serves GET /compute/: every API version, without
// authentication, as nova's root does.
func (s *Server) listVersions(r *fake.Request) fake.Response {
	base := baseURL(r) + computePrefix
	return fake.JSON(http.StatusOK, map[string]any{"versions": []any{
		map[string]any{
			"id":          "v2.0",
			"links":       []any{map[string]string{"href": base + "/v2/", "rel": "self"}},
			"status":      "DEPRECATED",
			"version":     "",
			"min_version": "",
			"updated":     v20Updated,
		},
		map[string]any{
			"id":          "v2.1",
			"links":       []any{map[string]string{"href": base + "/v2.1/", "rel": "self"}},
			"status":      "CURRENT",
			"version":     s.maxV.String(),
			"min_version": s.minV.String(),
			"updated":     versionUpdated,
		},
	}})
}

// showVersion serves GET /compute/v2.1/: the v2.1 document, with the
// microversion range.
func (s *Server) showVersion(r *fake.Request) fake.Response {
	base := baseURL(r) + computePrefix
	return fake.JSON(http.StatusOK, map[string]any{"version": map[string]any{
		"id": "v2.1",
		"links": []any{
			map[string]string{"href": base + "/v2.1/", "rel": "self"},
			map[string]string{"href": "http://docs.openstack.org/", "rel": "describedby", "type": "text/html"},
		},
		"media-types": []any{map[string]string{
			"base": "application/json",
			"type": "application/vnd.openstack.compute+json;version=2.1",
		}},
		"status":      "CURRENT",
		"version":     s.maxV.String(),
		"min_version": s.minV.String(),
		"updated":     versionUpdated,
	}})
}

// requestedVersion reads the compute microversion a request asks for:
// "OpenStack-API-Version: compute X.Y" wins over
// "X-OpenStack-Nova-API-Version: X.Y"; neither means the minimum, and
// "latest" the maximum. It returns the raw text too, for messages.
func (s *Server) requestedVersion(h http.Header) (v auth.Microversion, raw string, err error) {
	raw = ""
	for _, line := range h.Values(auth.HeaderOpenStackAPIVersion) {
		for _, item := range strings.Split(line, ",") {
			f := strings.Fields(item)
			if len(f) == 2 && strings.EqualFold(f[0], "compute") {
				raw = f[1]
			}
		}
	}
	if raw == "" {
		raw = strings.TrimSpace(h.Get(auth.HeaderNovaAPIVersion))
	}
	switch {
	case raw == "":
		return s.minV, s.minV.String(), nil
	case strings.EqualFold(raw, "latest"):
		return s.maxV, raw, nil
	}
	v, err = auth.ParseMicroversion(raw)
	return v, raw, err
}

// call is what every compute handler starts from: the microversion the
// request asks for, checked against the fake's range and the operation's
// minimum.
type call struct {
	s   *Server
	r   *fake.Request
	v   auth.Microversion
	rid string
}

// begin checks the request's microversion: malformed is 400, outside the
// fake's range 406 computeFault (with the range in the message), below
// min 404 as nova answers for a method the version lacks. On failure the
// answer is returned and ok is false.
func (s *Server) begin(r *fake.Request, min string) (c *call, resp fake.Response, ok bool) {
	c = &call{s: s, r: r, rid: "req-" + newUUID()}
	v, raw, err := s.requestedVersion(r.Header)
	if err != nil {
		return c, c.fail(http.StatusBadRequest, fmt.Sprintf("API Version String %s is of invalid format. Must be of format MajorNum.MinorNum.", raw)), false
	}
	if v.Compare(s.minV) < 0 || v.Compare(s.maxV) > 0 {
		return c, c.fail(http.StatusNotAcceptable, fmt.Sprintf("Version %s is not supported by the API. Minimum is %s and maximum is %s.", v, s.minV, s.maxV)), false
	}
	c.v = v
	if min != "" && v.Less(auth.MustParseMicroversion(min)) {
		return c, c.fail(http.StatusNotFound, "The resource could not be found."), false
	}
	return c, fake.Response{}, true
}

// atLeast reports whether the request's version is min or later.
func (c *call) atLeast(min string) bool { return c.v.AtLeast(auth.MustParseMicroversion(min)) }

// headers returns the headers of every compute answer: the request ID
// (both of nova's names) and, once the version is known, the version in
// both header forms.
func (c *call) headers() http.Header {
	h := http.Header{
		"X-Openstack-Request-Id": {c.rid},
		"X-Compute-Request-Id":   {c.rid},
		// The Date of nova's answers is on the clock its records' times
		// are on: the fake's.
		"Date": {c.s.Clock().Now().UTC().Format(http.TimeFormat)},
	}
	if !c.v.IsZero() {
		h.Set(auth.HeaderOpenStackAPIVersion, "compute "+c.v.String())
		h.Set(auth.HeaderNovaAPIVersion, c.v.String())
		h.Set("Vary", auth.HeaderOpenStackAPIVersion+", "+auth.HeaderNovaAPIVersion)
	}
	return h
}

// ok answers status with body (nil: no body).
func (c *call) ok(status int, body any) fake.Response {
	return fake.Response{Status: status, Body: body, Header: c.headers()}
}

// fail answers a nova fault.
func (c *call) fail(status int, message string) fake.Response {
	resp := c.s.Error(status, "", message)
	resp.Header = c.headers()
	return resp
}

func (c *call) badRequest(format string, args ...any) fake.Response {
	return c.fail(http.StatusBadRequest, fmt.Sprintf(format, args...))
}

func (c *call) notFound(format string, args ...any) fake.Response {
	return c.fail(http.StatusNotFound, fmt.Sprintf(format, args...))
}

func (c *call) conflict(format string, args ...any) fake.Response {
	return c.fail(http.StatusConflict, fmt.Sprintf(format, args...))
}
