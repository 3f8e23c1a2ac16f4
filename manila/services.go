package manila

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
)

// The binaries of the Shared File Systems services.
const (
	// BinaryShare is the share service: one per back end, with the host
	// "host@backend". Disabling it stops the scheduler from placing new
	// shares and share servers there, and stops migrations to it.
	BinaryShare = "manila-share"
	// BinaryScheduler is the scheduler service.
	BinaryScheduler = "manila-scheduler"
	// BinaryData is the data service, which copies the data of
	// host-assisted share migrations.
	BinaryData = "manila-data"
)

// ServiceStatus says whether the scheduler may use a service.
type ServiceStatus string

// Service statuses.
const (
	// ServiceEnabled is a service the scheduler uses.
	ServiceEnabled ServiceStatus = "enabled"
	// ServiceDisabled is a service the scheduler skips: no new share or
	// share server is placed on its back end, and no share or share
	// server can be migrated to it. What is already there stays and can
	// be moved away.
	ServiceDisabled ServiceStatus = "disabled"
)

// ServiceState says whether a service is alive.
type ServiceState string

// Service states.
const (
	// ServiceUp is a service whose reports arrive.
	ServiceUp ServiceState = "up"
	// ServiceDown is a service whose reports stopped arriving.
	ServiceDown ServiceState = "down"
	// ServiceStopped is a service that was stopped cleanly (reported by
	// releases from 2023.1 on).
	ServiceStopped ServiceState = "stopped"
)

// Microversions of the services API.
const (
	// ServicesMicroversion is the first microversion that names the API
	// /services; below it the same calls are under /os-services.
	ServicesMicroversion = "2.7"
	// DisabledReasonMicroversion is the first microversion that takes a
	// reason with DisableService and shows Service.DisabledReason.
	DisabledReasonMicroversion = "2.83"
	// EnsuringMicroversion is the first microversion that shows
	// Service.Ensuring.
	EnsuringMicroversion = "2.86"
)

var (
	servicesMin       = auth.MustParseMicroversion(ServicesMicroversion)
	legacyServicesMax = auth.MustParseMicroversion("2.6")
	disabledReasonMin = auth.MustParseMicroversion(DisabledReasonMicroversion)
)

// maxReasonLen is the longest disabled reason the service stores, in
// characters.
const maxReasonLen = 255

// Service is one Shared File Systems service: a share service of a back
// end, the scheduler or the data service.
//
// ListServices fills in every field the microversion has. DisableService
// and EnableService return what the service answers for an update: Host,
// Binary, Status and, from 2.83, DisabledReason.
type Service struct {
	// ID is the service's ID.
	ID int `json:"id"`
	// Binary is BinaryShare, BinaryScheduler or BinaryData.
	Binary string `json:"binary"`
	// Host is the host the service runs on; for a share service
	// "host@backend", the name share servers and shares carry (without
	// their "#pool").
	Host string `json:"host"`
	// Zone is the service's availability zone.
	Zone string `json:"zone"`
	// Status is ServiceEnabled or ServiceDisabled.
	Status ServiceStatus `json:"status"`
	// State is ServiceUp, ServiceDown or ServiceStopped.
	State ServiceState `json:"state"`
	// UpdatedAt is when the service last reported (UTC).
	UpdatedAt time.Time `json:"updated_at"`
	// DisabledReason is why the service was disabled, "" when it is
	// enabled or no reason was given (microversion 2.83 and later).
	DisabledReason string `json:"disabled_reason"`
	// Ensuring reports whether the service is ensuring its shares
	// (microversion 2.86 and later; nil before).
	Ensuring *bool `json:"ensuring"`
}

// UnmarshalJSON decodes a service, reading the service's timestamps and
// the update answer of releases before 2024.1, which say
// "disabled": true or false instead of the status.
func (s *Service) UnmarshalJSON(b []byte) error {
	// plain has Service's fields without this method; the fields declared
	// beside it take over their JSON names.
	type plain Service
	var w struct {
		plain
		UpdatedAt json.RawMessage `json:"updated_at"`
		Disabled  *bool           `json:"disabled"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	out := Service(w.plain)
	var err error
	if out.UpdatedAt, err = parseTimestamp("updated_at", w.UpdatedAt); err != nil {
		return err
	}
	if out.Status == "" && w.Disabled != nil {
		out.Status = ServiceEnabled
		if *w.Disabled {
			out.Status = ServiceDisabled
		}
	}
	*s = out
	return nil
}

// ListServicesOptions filters ListServices. Fields left at their zero
// value are not sent; each one the service matches exactly.
type ListServicesOptions struct {
	// Host keeps the services of one host ("host@backend" for a share
	// service).
	Host string
	// Binary keeps one kind of service, such as BinaryShare.
	Binary string
	// Zone keeps the services of one availability zone.
	Zone string
	// Status keeps the enabled or the disabled services.
	Status ServiceStatus
	// State keeps the services that are up, down or stopped.
	State ServiceState
}

func (o *ListServicesOptions) query() (url.Values, error) {
	q := url.Values{}
	if o == nil {
		return q, nil
	}
	if o.Status != "" && o.Status != ServiceEnabled && o.Status != ServiceDisabled {
		return nil, cloudmigrate.Invalid("ListServicesOptions.Status", "%q is neither enabled nor disabled", string(o.Status))
	}
	for _, f := range []struct{ field, key, v string }{
		{"ListServicesOptions.Host", "host", o.Host},
		{"ListServicesOptions.Binary", "binary", o.Binary},
		{"ListServicesOptions.Zone", "zone", o.Zone},
		{"ListServicesOptions.Status", "status", string(o.Status)},
		{"ListServicesOptions.State", "state", string(o.State)},
	} {
		if f.v == "" {
			continue
		}
		if err := checkFilter(f.field, f.v); err != nil {
			return nil, err
		}
		q.Set(f.key, f.v)
	}
	return q, nil
}

// servicesPath returns the services collection at version v: /services
// from 2.7 on, /os-services below.
func servicesPath(v auth.Microversion) string {
	if v.AtLeast(servicesMin) {
		return "/services"
	}
	return "/os-services"
}

// servicesCall returns a call of the services API for the version in use,
// with the range of the path it picks.
func (c *Client) servicesCall(ctx context.Context, feature, method, leaf string) (*call, error) {
	if ctx == nil {
		return nil, cloudmigrate.Invalid("ctx", "nil context")
	}
	info, err := c.neg.Version(ctx)
	if err != nil {
		return nil, err
	}
	cl := &call{feature: feature, method: method, path: servicesPath(info.InUse) + leaf, ok: []int{http.StatusOK}}
	if info.InUse.AtLeast(servicesMin) {
		cl.min = servicesMin
	} else {
		cl.max = legacyServicesMax
	}
	return cl, nil
}

// ListServices lists the Shared File Systems services with their status
// (enabled or disabled) and state (up, down or stopped), filtered by
// opts. The share services of the back ends are those with Binary
// BinaryShare; their Host is the back end's "host@backend".
//
// GET /v2/services (microversion 2.7 or later) or GET /v2/os-services
// (2.0 to 2.6), chosen by the version in use; administrators only. The
// service answers 200 with {"services": [...]}, not paged. A Status other
// than enabled or disabled is a *cloudmigrate.ValidationError (the service
// would answer an empty list). Like every GET it is retried on network
// errors, throttling and 502/503/504.
func (c *Client) ListServices(ctx context.Context, opts *ListServicesOptions) ([]Service, error) {
	q, err := opts.query()
	if err != nil {
		return nil, err
	}
	cl, err := c.servicesCall(ctx, "ListServices", http.MethodGet, "")
	if err != nil {
		return nil, err
	}
	var out struct {
		Services []Service `json:"services"`
	}
	cl.query, cl.out = q, &out
	if _, err := c.do(ctx, cl); err != nil {
		return nil, err
	}
	return out.Services, nil
}

// serviceUpdate is the body of PUT .../services/{enable,disable}.
type serviceUpdate struct {
	Host           string `json:"host"`
	Binary         string `json:"binary"`
	DisabledReason string `json:"disabled_reason,omitempty"`
}

// checkServiceArgs validates the host and binary of a service update;
// binary "" is BinaryShare.
func checkServiceArgs(host, binary string) (string, error) {
	if host == "" {
		return "", cloudmigrate.Invalid("host", "must not be empty; give the service's host, \"host@backend\" for a share service")
	}
	if err := checkFilter("host", host); err != nil {
		return "", err
	}
	if binary == "" {
		return BinaryShare, nil
	}
	if err := checkFilter("binary", binary); err != nil {
		return "", err
	}
	return binary, nil
}

// DisableService disables the service binary of host, BinaryShare when
// binary is "": the scheduler then places no new share or share server on
// that back end, and the service refuses to migrate a share or share
// server to it (migration_check and migration_start answer 404 "Service
// ... could not be found"). Shares and share servers already there stay
// in service and can be migrated away: the first step of emptying a back
// end. Disabling a disabled service changes nothing but its reason.
//
// A non-empty reason (at most 255 characters, not only white space; the
// service trims it) is recorded and shown as Service.DisabledReason. The
// service takes one from microversion 2.83 (DisabledReasonMicroversion)
// on: below it, a reason is a *cloudmigrate.VersionError and the update is
// not sent. Without a reason any version works.
//
// PUT /v2/services/disable (microversion 2.7 or later) or
// PUT /v2/os-services/disable (2.0 to 2.6) with {"host", "binary",
// "disabled_reason"}; administrators only. The service answers 200 with
// the host, binary and status (and the reason from 2.83); that is what
// the returned Service holds. A host without such a service is a 404
// *cloudmigrate.Error ("Could not find binary manila-share on host ...").
// The update is sent once, and repeated only when it provably never
// reached the service (a failed connection) or the service throttled it
// (429).
func (c *Client) DisableService(ctx context.Context, host, binary, reason string) (*Service, error) {
	binary, err := checkServiceArgs(host, binary)
	if err != nil {
		return nil, err
	}
	if reason != "" {
		trimmed := strings.TrimSpace(reason)
		switch {
		case trimmed == "":
			return nil, cloudmigrate.Invalid("reason", "must not be only white space")
		case utf8.RuneCountInString(trimmed) > maxReasonLen:
			return nil, cloudmigrate.Invalid("reason", "is %d characters long; at most %d are allowed", utf8.RuneCountInString(trimmed), maxReasonLen)
		case !utf8.ValidString(reason) || strings.ContainsFunc(reason, isControl):
			return nil, cloudmigrate.Invalid("reason", "contains a control character or invalid UTF-8")
		}
	}
	cl, err := c.servicesCall(ctx, "DisableService", http.MethodPut, "/disable")
	if err != nil {
		return nil, err
	}
	if reason != "" {
		if _, err := c.neg.Require(ctx, "DisableService with a reason", disabledReasonMin, auth.Microversion{}); err != nil {
			return nil, err
		}
	}
	return c.updateService(ctx, cl, &serviceUpdate{Host: host, Binary: binary, DisabledReason: reason})
}

// isControl reports control characters other than ordinary spacing.
func isControl(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f || r >= 0x80 && r < 0xa0 }

// EnableService enables the service binary of host again (BinaryShare
// when binary is ""), so that the scheduler uses its back end once more,
// and clears its disabled reason (from microversion 2.83). Enabling an
// enabled service changes nothing.
//
// PUT /v2/services/enable (microversion 2.7 or later) or
// PUT /v2/os-services/enable (2.0 to 2.6) with {"host", "binary"};
// administrators only. The service answers 200 with the host, binary and
// status, which the returned Service holds. A host without such a service
// is a 404 *cloudmigrate.Error. The update is sent once, like
// DisableService.
func (c *Client) EnableService(ctx context.Context, host, binary string) (*Service, error) {
	binary, err := checkServiceArgs(host, binary)
	if err != nil {
		return nil, err
	}
	cl, err := c.servicesCall(ctx, "EnableService", http.MethodPut, "/enable")
	if err != nil {
		return nil, err
	}
	return c.updateService(ctx, cl, &serviceUpdate{Host: host, Binary: binary})
}

// updateService sends an enable or disable and decodes the answer.
func (c *Client) updateService(ctx context.Context, cl *call, body *serviceUpdate) (*Service, error) {
	var s Service
	cl.body, cl.out = body, &s
	if _, err := c.do(ctx, cl); err != nil {
		return nil, err
	}
	return &s, nil
}
