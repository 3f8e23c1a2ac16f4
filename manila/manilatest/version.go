package manilatest

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/fake"
)

// Microversions the fake's rules refer to.
var (
	base               = auth.MustParseMicroversion("2.0")
	serverMigrationMin = auth.MustParseMicroversion("2.57")
	projectlessMin     = auth.MustParseMicroversion("2.60")
	shareMigrationMin  = auth.MustParseMicroversion("2.22")
	shareStartMin      = auth.MustParseMicroversion("2.29")
	shareDetailsMin    = auth.MustParseMicroversion("2.59")
	shareStable        = auth.MustParseMicroversion("2.96")
	shareProgressMax   = auth.MustParseMicroversion("2.97")
	shareProgressGet   = auth.MustParseMicroversion("2.98")
	// lastWithV1 is the newest microversion of a Manila release that
	// still listed the v1 API (2025.2); the releases after it dropped it.
	lastWithV1 = auth.MustParseMicroversion("2.91")
)

// versionDoc is one entry of a version document.
type versionDoc struct {
	ID         string      `json:"id"`
	Status     string      `json:"status"`
	Updated    string      `json:"updated"`
	Links      []link      `json:"links"`
	MinVersion string      `json:"min_version"`
	Version    string      `json:"version"`
	MediaTypes []mediaType `json:"media-types"`
}

type link struct {
	Href string `json:"href"`
	Type string `json:"type,omitempty"`
	Rel  string `json:"rel"`
}

type mediaType struct {
	Base string `json:"base"`
	Type string `json:"type"`
}

type versionList struct {
	Versions []versionDoc `json:"versions"`
}

func (s *Server) versionDoc(r *fake.Request, id, status, min, max string) versionDoc {
	major := strings.TrimSuffix(id, ".0")
	return versionDoc{
		ID:      id,
		Status:  status,
		Updated: "2015-08-27T11:33:21Z",
		Links: []link{
			{Href: "http://docs.openstack.org/", Type: "text/html", Rel: "describedby"},
			{Href: "http://" + r.Host + sharePath + "/" + major + "/", Rel: "self"},
		},
		MinVersion: min,
		Version:    max,
		MediaTypes: []mediaType{{Base: "application/json", Type: "application/vnd.openstack.share+json;version=1"}},
	}
}

// registerVersions serves the version documents, which need no token:
// GET /share/ answers 300 Multiple Choices with every API version (v1.0,
// deprecated, only for a microversion range of a release that still had
// it, up to 2.91), and GET /share/v2/ answers 200 with a list holding
// v2.0 only.
func (s *Server) registerVersions() {
	v2 := func(r *fake.Request) versionDoc {
		return s.versionDoc(r, "v2.0", "CURRENT", s.minV.String(), s.maxV.String())
	}
	s.HandleOpen(OpVersions, "GET "+sharePath+"/{$}", func(r *fake.Request) fake.Response {
		all := []versionDoc{v2(r)}
		if !lastWithV1.Less(s.maxV) {
			all = append([]versionDoc{s.versionDoc(r, "v1.0", "DEPRECATED", "", "")}, all...)
		}
		return fake.JSON(http.StatusMultipleChoices, versionList{Versions: all})
	})
	s.HandleOpen(OpVersions, "GET "+sharePath+"/v2/{$}", func(r *fake.Request) fake.Response {
		return fake.JSON(http.StatusOK, versionList{Versions: []versionDoc{v2(r)}})
	})
}

// resourceNotFound is the message of Manila's bare 404: a method outside
// its microversion range, or without the experimental header it needs.
const resourceNotFound = "The resource could not be found."

// rule is the version range of one action.
type rule struct {
	min, max auth.Microversion // zero max: open
	// experimental actions need X-OpenStack-Manila-API-Experimental: True
	// below stable (always when stable is zero).
	experimental bool
	stable       auth.Microversion
}

// call is an accepted action request.
type call struct {
	*fake.Request
	version auth.Microversion
	id      string // the share server or share in the path
	header  http.Header
}

// reply adds the version headers of c to resp.
func (c *call) reply(resp fake.Response) fake.Response {
	if resp.Header == nil {
		resp.Header = http.Header{}
	}
	for k, v := range c.header {
		resp.Header[k] = v
	}
	return resp
}

// admit checks what Manila checks before an action runs, in its order: a
// route for a URL without project ID only on a service of 2.60 or later
// (404 otherwise, at any version: Manila 12.0 added those routes for every
// microversion), a well-formed version (400), within the service's range
// (406), the project in the URL (400), the action's own range (404) and
// the experimental header (404). idParam names the path wildcard of the
// resource.
func (s *Server) admit(r *fake.Request, ru rule, idParam string) (*call, fake.Response, bool) {
	if r.PathValue("project_id") == "" && s.maxV.Less(projectlessMin) {
		return nil, s.Error(http.StatusNotFound, FaultNotFound, resourceNotFound), false
	}
	v := base
	raw := strings.TrimSpace(r.Header.Get(auth.HeaderManilaAPIVersion))
	if raw != "" {
		p, err := auth.ParseMicroversion(raw)
		if err != nil {
			return nil, s.Error(http.StatusBadRequest, FaultBadRequest,
				fmt.Sprintf("API Version String %s is of invalid format. Must be of format MajorNum.MinorNum.", raw)), false
		}
		v = p
	}
	if v.Less(s.minV) || s.maxV.Less(v) {
		return nil, s.Error(http.StatusNotAcceptable, FaultNotAcceptable,
			fmt.Sprintf("Version %s is not supported by the API. Minimum is %s and maximum is %s.", v, s.minV, s.maxV)), false
	}
	experimental := isTrue(r.Header.Get(auth.HeaderManilaAPIExperimental))
	c := &call{Request: r, version: v, id: r.PathValue(idParam), header: http.Header{
		auth.HeaderManilaAPIVersion: {v.String()},
		"Vary":                      {auth.HeaderManilaAPIVersion},
	}}
	if experimental {
		c.header.Set(auth.HeaderManilaAPIExperimental, "True")
	}
	if p := r.PathValue("project_id"); p != "" && p != s.projectID {
		return nil, c.reply(s.Error(http.StatusBadRequest, FaultBadRequest, "Malformed request url")), false
	}
	outside := v.Less(ru.min) || (!ru.max.IsZero() && ru.max.Less(v))
	needsFlag := ru.experimental && (ru.stable.IsZero() || v.Less(ru.stable))
	if outside || (needsFlag && !experimental) {
		// Manila hides the method as if it did not exist.
		return nil, c.reply(s.Error(http.StatusNotFound, FaultNotFound, resourceNotFound)), false
	}
	return c, fake.Response{}, true
}

// isTrue reads a boolean header or field the way Manila does (strict).
func isTrue(v string) bool {
	b, ok := parseBool(v)
	return ok && b
}

// parseBool accepts the strings Manila takes as booleans.
func parseBool(v string) (value, ok bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "t", "true", "on", "y", "yes":
		return true, true
	case "0", "f", "false", "off", "n", "no":
		return false, true
	}
	return false, false
}
