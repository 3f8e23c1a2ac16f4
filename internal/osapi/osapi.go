// Package osapi holds what the OpenStack service packages share: version
// discovery and microversion negotiation, and turning a 406 into a
// *cloudmigrate.VersionError.
package osapi

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/rest"
)

// Info is the outcome of negotiation.
type Info struct {
	// InUse is the microversion the client sends.
	InUse auth.Microversion
	// ServerMin and ServerMax are the service's range; zero when the
	// version was pinned and never discovered.
	ServerMin, ServerMax auth.Microversion
}

// Negotiator finds, once and lazily, the microversion a client uses: the
// pinned one, or the highest that both the SDK and the service support. It
// is safe for concurrent use; a failed discovery is not cached.
type Negotiator struct {
	rc      *rest.Client
	service string // "compute" or "share", for errors
	sdkMin  auth.Microversion
	sdkMax  auth.Microversion
	pinned  auth.Microversion

	mu       sync.Mutex
	done     bool
	info     Info
	inflight chan struct{} // closed when the discovery under way ends
}

// NewNegotiator returns a negotiator for the service behind rc. pinned is
// the user's WithMicroversion value ("" to negotiate); it must lie within
// [sdkMin, sdkMax].
func NewNegotiator(rc *rest.Client, service, pinned string, sdkMin, sdkMax auth.Microversion) (*Negotiator, error) {
	n := &Negotiator{rc: rc, service: service, sdkMin: sdkMin, sdkMax: sdkMax}
	if pinned != "" {
		v, err := auth.ParseMicroversion(pinned)
		if err != nil {
			return nil, cloudmigrate.Invalid("microversion", "%v", err)
		}
		if v.Compare(sdkMin) < 0 || v.Compare(sdkMax) > 0 {
			return nil, cloudmigrate.Invalid("microversion", "%s is outside the range this SDK supports for %s (%s to %s)",
				v, service, sdkMin, sdkMax)
		}
		n.pinned = v
		n.done = true
		n.info = Info{InUse: v}
	}
	return n, nil
}

// Pinned returns a negotiator fixed at v, sharing nothing with n.
func (n *Negotiator) Pinned(v string) (*Negotiator, error) {
	return NewNegotiator(n.rc, n.service, v, n.sdkMin, n.sdkMax)
}

// Version returns the microversion in use, discovering it on first use.
// Concurrent first callers share one discovery request; a caller whose
// context ends while waiting for it returns at once.
func (n *Negotiator) Version(ctx context.Context) (Info, error) {
	for {
		n.mu.Lock()
		if n.done {
			info := n.info
			n.mu.Unlock()
			return info, nil
		}
		if wait := n.inflight; wait != nil {
			n.mu.Unlock()
			select {
			case <-wait:
				continue // done now, or failed: try again
			case <-ctx.Done():
				return Info{}, ctx.Err()
			}
		}
		n.inflight = make(chan struct{})
		n.mu.Unlock()

		info, err := n.discover(ctx)
		n.mu.Lock()
		if err == nil {
			n.info, n.done = info, true
		}
		close(n.inflight)
		n.inflight = nil
		n.mu.Unlock()
		return info, err
	}
}

func (n *Negotiator) discover(ctx context.Context) (Info, error) {
	min, max, err := Discover(ctx, n.rc, discoveryOps[n.service])
	if err != nil {
		return Info{}, err
	}
	info := Info{ServerMin: min, ServerMax: max}
	switch {
	case max.IsZero():
		// The service has no microversions: only the base version works.
		info.InUse = n.sdkMin
	case max.Compare(n.sdkMax) < 0:
		info.InUse = max
	default:
		info.InUse = n.sdkMax
	}
	if !max.IsZero() && info.InUse.Compare(n.sdkMin) < 0 || !min.IsZero() && info.InUse.Compare(min) < 0 {
		return Info{}, &cloudmigrate.VersionError{Service: n.service, Feature: "this SDK",
			Min: n.sdkMin.String(), Max: n.sdkMax.String(), InUse: info.InUse.String(),
			ServerMin: str(min), ServerMax: str(max)}
	}
	return info, nil
}

// str prints v, or "" for the zero version.
func str(v auth.Microversion) string {
	if v.IsZero() {
		return ""
	}
	return v.String()
}

// Require returns the version in use if it lies within [min, max] (a zero
// bound is open); otherwise a *cloudmigrate.VersionError naming feature
// and both versions. Nothing is sent to the service but the one-time
// discovery.
func (n *Negotiator) Require(ctx context.Context, feature string, min, max auth.Microversion) (Info, error) {
	info, err := n.Version(ctx)
	if err != nil {
		return info, err
	}
	if (!min.IsZero() && info.InUse.Compare(min) < 0) || (!max.IsZero() && info.InUse.Compare(max) > 0) {
		ve := &cloudmigrate.VersionError{Service: n.service, Feature: feature, InUse: info.InUse.String()}
		if !min.IsZero() {
			ve.Min = min.String()
		}
		if !max.IsZero() {
			ve.Max = max.String()
		}
		ve.ServerMin, ve.ServerMax = str(info.ServerMin), str(info.ServerMax)
		return info, ve
	}
	return info, nil
}

// VersionFault turns a 406 answer into a *cloudmigrate.VersionError that
// keeps the service's error and the range it states, and returns any other
// error unchanged.
func VersionFault(err error, service string, inUse auth.Microversion) error {
	var apiErr *cloudmigrate.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotAcceptable {
		return err
	}
	ve := &cloudmigrate.VersionError{Service: service, InUse: inUse.String(), Err: apiErr}
	if m := rangeRE.FindStringSubmatch(apiErr.Message); m != nil {
		ve.ServerMin, ve.ServerMax = m[1], m[2]
	}
	return ve
}

var rangeRE = regexp.MustCompile(`[Mm]inimum is (\d+\.\d+) and maximum is (\d+\.\d+)`)

var versionSeg = regexp.MustCompile(`^v\d+(\.\d+)?$`)

type versionDoc struct {
	ID         string `json:"id"`
	Status     string `json:"status"`
	Version    string `json:"version"`
	MinVersion string `json:"min_version"`
}

type versionsBody struct {
	Version  *versionDoc  `json:"version"`
	Versions []versionDoc `json:"versions"`
}

// discoveryOps names, for the observer, the operation a negotiator's
// version discovery belongs to, by service.
var discoveryOps = map[string]string{"compute": "nova.Microversion", "share": "manila.Microversion"}

// Discover reads the service's version document and returns its
// microversion range (both zero when the service has none). It asks the
// versioned root of the endpoint ("/v2.1/", "/v2/") and, failing that, the
// unversioned root. op names the operation for the observer.
func Discover(ctx context.Context, rc *rest.Client, op string) (min, max auth.Microversion, err error) {
	endpoint := rc.Endpoint()
	u, perr := url.Parse(endpoint)
	if perr != nil {
		return min, max, cloudmigrate.Invalid("endpoint", "cannot parse")
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	verID := ""
	var roots []string
	for i, s := range segs {
		if versionSeg.MatchString(s) {
			verID = s
			v := *u
			v.Path = "/" + strings.Join(segs[:i+1], "/") + "/"
			roots = append(roots, v.String())
			r := *u
			r.Path = "/" + strings.Join(segs[:i], "/")
			roots = append(roots, strings.TrimRight(r.String(), "/")+"/")
			break
		}
	}
	if len(roots) == 0 {
		roots = []string{strings.TrimRight(endpoint, "/") + "/"}
	}
	var lastErr error
	for _, root := range roots {
		var body versionsBody
		_, err := rc.WithEndpoint(root).Do(ctx, &rest.Request{Op: op, Method: http.MethodGet, Path: "/", OK: []int{200, 300}, Out: &body})
		if err != nil {
			lastErr = err
			if ctx.Err() != nil {
				break
			}
			continue
		}
		doc := pick(body, verID)
		if doc == nil {
			lastErr = errors.New("osapi: the version document lists no current version")
			continue
		}
		if doc.Version == "" {
			return min, max, nil
		}
		if max, err = auth.ParseMicroversion(doc.Version); err != nil {
			return min, max, err
		}
		if doc.MinVersion != "" {
			if min, err = auth.ParseMicroversion(doc.MinVersion); err != nil {
				return min, max, err
			}
		}
		return min, max, nil
	}
	return min, max, lastErr
}

// pick chooses the document describing verID, else the CURRENT one.
func pick(b versionsBody, verID string) *versionDoc {
	if b.Version != nil {
		return b.Version
	}
	var current *versionDoc
	for i := range b.Versions {
		d := &b.Versions[i]
		if verID != "" && (d.ID == verID || d.ID == verID+".0") {
			return d
		}
		if d.Status == "CURRENT" && current == nil {
			current = d
		}
	}
	return current
}
