package nova

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/rest"
)

// Microversions at which the compute service API changes.
var (
	// mvForcedDown adds forced_down to services and the force-down action.
	mvForcedDown = auth.MustParseMicroversion("2.11")
	// mvServiceByID names services and hypervisors by UUID, replaces the
	// PUT /os-services/{action} forms with PUT /os-services/{service_id},
	// and adds with_servers and hypervisor_hostname_pattern to the
	// hypervisor listings.
	mvServiceByID = auth.MustParseMicroversion("2.53")
)

// BinaryCompute is the binary of a compute service, the only kind of
// service nova lets the API enable, disable or force down.
const BinaryCompute = "nova-compute"

// ServiceStatus says whether the scheduler may place servers on a
// service's host: nova's "status" of a service, and of its hypervisors.
type ServiceStatus string

// Service statuses.
const (
	// ServiceEnabled is a service the scheduler considers.
	ServiceEnabled ServiceStatus = "enabled"
	// ServiceDisabled is a service the scheduler skips: no new server,
	// and no migration the scheduler places or checks, lands on its host.
	// Servers already there keep running.
	ServiceDisabled ServiceStatus = "disabled"
	// ServiceStatusUnknown is what nova shows, from microversion 2.69,
	// for a service in a cell it cannot reach. Such a record has only
	// Binary, Host and Status.
	ServiceStatusUnknown ServiceStatus = "UNKNOWN"
)

// ServiceState says whether a service is alive: nova's "state" of a
// service, and of its hypervisors.
type ServiceState string

// Service states.
const (
	// ServiceUp is a service whose heartbeats arrive and that is not
	// forced down.
	ServiceUp ServiceState = "up"
	// ServiceDown is a service whose heartbeats stopped for longer than
	// nova's service_down_time (60 seconds by default), or one forced
	// down. Only the servers of a host whose compute service is down can
	// be evacuated.
	ServiceDown ServiceState = "down"
)

// Service is a nova service as GET /os-services lists it: a compute
// service (BinaryCompute) on each compute host, and the control services
// (nova-scheduler, nova-conductor) on theirs. Fields nova leaves out or
// sends as null keep their zero value.
type Service struct {
	// ID is the service's ID: its UUID from microversion 2.53, and
	// before 2.53 its integer database ID written in decimal ("7"). The
	// two are not interchangeable; UpdateService takes the UUID. It is ""
	// in the records nova shows from 2.69 for a cell it cannot reach.
	ID string `json:"id,omitempty"`
	// Binary is the service's program, such as "nova-compute" or
	// "nova-scheduler".
	Binary string `json:"binary"`
	// Host is the host the service runs on; for a compute service, the
	// name servers and migrations give their host.
	Host string `json:"host"`
	// Zone is the availability zone of the service's host: the compute
	// hosts' zone (nova's default is "nova"), or "internal" for the
	// control services.
	Zone string `json:"zone,omitempty"`
	// Status says whether the scheduler uses the host (see the
	// ServiceStatus constants).
	Status ServiceStatus `json:"status,omitempty"`
	// State says whether the service is alive (see the ServiceState
	// constants).
	State ServiceState `json:"state,omitempty"`
	// DisabledReason is the reason given when the service was disabled;
	// "" when none was given or it is enabled.
	DisabledReason string `json:"disabled_reason,omitempty"`
	// ForcedDown tells whether an operator forced the service down
	// (microversion 2.11 and later); nil when nova does not say, as
	// before 2.11 and in the answers of the pre-2.53 enable and disable
	// requests.
	ForcedDown *bool `json:"forced_down,omitempty"`
	// UpdatedAt is when the service's record last changed, which for a
	// service that runs is its latest heartbeat (UTC); zero when nova
	// sends null or nothing.
	UpdatedAt Time `json:"updated_at"`
}

// UnmarshalJSON reads a service as nova sends it, with an integer ID
// (before 2.53) or a UUID.
func (s *Service) UnmarshalJSON(b []byte) error {
	type plain Service
	var w struct {
		plain
		ID wireID `json:"id"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*s = Service(w.plain)
	s.ID = string(w.ID)
	return nil
}

// wireID reads an ID that nova sends as a JSON integer in older
// microversions and as a string (a UUID) in newer ones, keeping the
// integer's decimal text; null is "".
type wireID string

func (id *wireID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*id = ""
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*id = wireID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return errors.New("nova: an ID must be a JSON string, integer or null")
	}
	if _, err := n.Int64(); err != nil {
		return fmt.Errorf("nova: the ID %s is not an integer", n)
	}
	*id = wireID(n.String())
	return nil
}

// isIntegerID reports whether id is a pre-2.53 integer ID: decimal digits
// only.
func isIntegerID(id string) bool {
	if id == "" {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}

// ErrServiceNotFound is wrapped by the error DisableService, EnableService,
// ForceDownService and ClearForceDown return when nova knows no compute
// service on the host: errors.Is(err, ErrServiceNotFound) holds at every
// microversion. Before 2.53 the error also wraps nova's 404 answer, so
// cloudmigrate.IsNotFound holds too; from 2.53 the SDK finds out itself,
// from the service listing, and sends no update.
var ErrServiceNotFound = errors.New("nova: no compute service on the host")

// serviceNotFound is the error for a host without a compute service.
type serviceNotFound struct {
	host  string
	cause error // nova's 404, before 2.53; nil otherwise
}

func (e *serviceNotFound) Error() string {
	if e.cause != nil {
		return fmt.Sprintf("nova: no compute service on host %q: %v", e.host, e.cause)
	}
	return fmt.Sprintf("nova: no compute service on host %q: GET /os-services lists none", e.host)
}

func (e *serviceNotFound) Unwrap() []error {
	if e.cause == nil {
		return []error{ErrServiceNotFound}
	}
	return []error{ErrServiceNotFound, e.cause}
}

// ListServicesOptions filters GET /os-services. The zero value lists every
// service. Fields left empty are not sent.
type ListServicesOptions struct {
	// Host keeps the services on this host, by exact name.
	Host string `url:"host,omitempty"`
	// Binary keeps the services of one binary, such as BinaryCompute.
	Binary string `url:"binary,omitempty"`
}

type servicesBody struct {
	Services []Service `json:"services"`
}

type serviceBody struct {
	Service *Service `json:"service"`
}

var errNoService = errors.New("nova: the answer holds no service object")

// ListServices lists nova's services with their status (enabled or
// disabled, with the reason), state (up or down) and, from microversion
// 2.11, whether they are forced down. It is an admin call by default. Nova
// does not page this list. The request is a read, retried on network
// errors, 429 and 502 to 504.
//
// From 2.53 a service's ID is its UUID, the one UpdateService takes;
// before, an integer. From 2.69 a service in a cell nova cannot reach is
// listed with Binary, Host and Status ServiceStatusUnknown only.
//
// GET /os-services, microversion 2.1 or later.
func (c *Client) ListServices(ctx context.Context, opts *ListServicesOptions) ([]Service, error) {
	var q ListServicesOptions
	if opts != nil {
		q = *opts
	}
	v, err := c.require(ctx, "ListServices", anyMin, noMax)
	if err != nil {
		return nil, err
	}
	return c.listServices(ctx, v, &q)
}

func (c *Client) listServices(ctx context.Context, v auth.Microversion, q *ListServicesOptions) ([]Service, error) {
	var out servicesBody
	if _, err := c.send(ctx, v, &rest.Request{
		Op:     "nova.ListServices",
		Method: http.MethodGet,
		Path:   "/os-services",
		Query:  q,
		OK:     []int{http.StatusOK},
		Out:    &out,
	}); err != nil {
		return nil, err
	}
	return out.Services, nil
}

// UpdateServiceOptions is the change UpdateService asks for. At least one
// of Status and ForcedDown must be set.
type UpdateServiceOptions struct {
	// Status enables (ServiceEnabled) or disables (ServiceDisabled) the
	// service; "" leaves it as it is.
	Status ServiceStatus
	// DisabledReason records why the service is disabled, up to 255
	// characters. It needs Status ServiceDisabled; empty records none
	// (and clears an earlier one).
	DisabledReason string
	// ForcedDown forces the service down (true) or clears that (false);
	// nil leaves it as it is.
	ForcedDown *bool
}

type updateServiceBody struct {
	Status         ServiceStatus `json:"status,omitempty"`
	DisabledReason string        `json:"disabled_reason,omitempty"`
	ForcedDown     *bool         `json:"forced_down,omitempty"`
}

// UpdateService changes a compute service by its UUID: enables or
// disables it (with a reason) and sets or clears forced_down, in one
// request. Nova answers the whole record, which UpdateService returns.
// Take the UUID from ListServices at microversion 2.53 or later; an
// integer ID (from an older microversion) is a
// *cloudmigrate.ValidationError. Nova updates only compute services
// (BinaryCompute); for another one it answers 400 badRequest. Clearing
// forced_down while evacuations from the host are still "done" (not yet
// cleaned up by the restarted compute service) is refused with 400.
//
// DisableService, EnableService, ForceDownService and ClearForceDown do
// the same from a host name, at every microversion.
//
// The request changes the service: it is sent once, and repeated only
// when it provably never reached nova (a failed connection) or nova
// throttled it (429).
//
// PUT /os-services/{service_id}, microversion 2.53 or later.
func (c *Client) UpdateService(ctx context.Context, serviceID string, opts *UpdateServiceOptions) (*Service, error) {
	if err := rest.CheckID("service_id", serviceID); err != nil {
		return nil, err
	}
	if opts == nil {
		return nil, cloudmigrate.Invalid("opts", "must not be nil: give Status, ForcedDown or both")
	}
	body, err := updateBody(opts)
	if err != nil {
		return nil, err
	}
	if isIntegerID(serviceID) {
		return nil, cloudmigrate.Invalid("service_id", "%q is an integer ID from a microversion before 2.53; UpdateService takes the service's UUID", serviceID)
	}
	v, err := c.require(ctx, "UpdateService", mvServiceByID, noMax)
	if err != nil {
		return nil, err
	}
	return c.putService(ctx, v, serviceID, body)
}

// updateBody checks o and returns the 2.53 body for it.
func updateBody(o *UpdateServiceOptions) (*updateServiceBody, error) {
	switch o.Status {
	case "", ServiceEnabled, ServiceDisabled:
	default:
		return nil, cloudmigrate.Invalid("UpdateServiceOptions.Status", "%q is neither %q nor %q", o.Status, ServiceEnabled, ServiceDisabled)
	}
	if o.Status == "" && o.ForcedDown == nil {
		return nil, cloudmigrate.Invalid("UpdateServiceOptions", "sets nothing: give Status, ForcedDown or both")
	}
	if o.DisabledReason != "" {
		if o.Status != ServiceDisabled {
			return nil, cloudmigrate.Invalid("UpdateServiceOptions.DisabledReason", "needs Status %q", ServiceDisabled)
		}
		if err := checkReason("UpdateServiceOptions.DisabledReason", o.DisabledReason); err != nil {
			return nil, err
		}
	}
	b := &updateServiceBody{Status: o.Status, DisabledReason: o.DisabledReason}
	if o.ForcedDown != nil {
		f := *o.ForcedDown
		b.ForcedDown = &f
	}
	return b, nil
}

// maxReason is the longest disabled reason nova accepts, in characters.
const maxReason = 255

func checkReason(field, reason string) error {
	if !utf8.ValidString(reason) {
		return cloudmigrate.Invalid(field, "is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(reason); n > maxReason {
		return cloudmigrate.Invalid(field, "is %d characters long; nova takes at most %d", n, maxReason)
	}
	return nil
}

func checkServiceHost(host string) error {
	if !hostPattern.MatchString(host) {
		return cloudmigrate.Invalid("host", "%q must be 1 to 255 letters, digits, '-', '.' or '_'", host)
	}
	return nil
}

// DisableService disables the compute service of host, so that the
// scheduler places no new server there and takes it as the destination of
// no migration it chooses or checks: the first step of draining a host.
// Servers already on the host keep running and can be moved away. A
// non-empty reason (up to 255 characters) is recorded and shown as the
// service's DisabledReason; an empty one records none. Disabling a
// disabled service replaces its reason.
//
// The request follows the microversion. Before 2.53 it is one request,
// PUT /os-services/disable-log-reason with host, binary and reason (or
// PUT /os-services/disable without a reason), and nova answers only host,
// binary, status and the reason, which is what the returned Service holds.
// From 2.53 nova names services by UUID: the call first lists the host's
// compute service (GET /os-services?host=...&binary=nova-compute, a read
// that is retried) and then sends PUT /os-services/{service_id} with
// {"status": "disabled", "disabled_reason": ...}, two requests, and
// returns the whole record nova answers. Use UpdateService to skip the
// listing when you have the UUID.
//
// A host without a compute service gives an error wrapping
// ErrServiceNotFound. The update is sent once, and repeated only when it
// provably never reached nova (a failed connection) or nova throttled it
// (429).
//
// PUT /os-services/disable-log-reason (2.1 to 2.52) or
// PUT /os-services/{service_id} (2.53 or later), microversion 2.1 or
// later.
func (c *Client) DisableService(ctx context.Context, host, reason string) (*Service, error) {
	if err := checkServiceHost(host); err != nil {
		return nil, err
	}
	if err := checkReason("reason", reason); err != nil {
		return nil, err
	}
	v, err := c.require(ctx, "DisableService", anyMin, noMax)
	if err != nil {
		return nil, err
	}
	if v.AtLeast(mvServiceByID) {
		return c.updateByHost(ctx, v, host, &updateServiceBody{Status: ServiceDisabled, DisabledReason: reason})
	}
	action, body := "disable", legacyServiceBody{Host: host, Binary: BinaryCompute}
	if reason != "" {
		action, body.DisabledReason = "disable-log-reason", reason
	}
	return c.legacyUpdate(ctx, v, host, action, &body)
}

// EnableService enables the compute service of host again, so that the
// scheduler considers it once more, and clears its disabled reason.
// Enabling an enabled service changes nothing.
//
// Like DisableService, it is one request before 2.53
// (PUT /os-services/enable with host and binary; nova answers host,
// binary and status) and two from 2.53 (the listing of the host's compute
// service, then PUT /os-services/{service_id} with
// {"status": "enabled"}; nova answers the whole record). A host without a
// compute service gives an error wrapping ErrServiceNotFound. The update
// is sent once, and repeated only when it provably never reached nova or
// nova throttled it.
//
// PUT /os-services/enable (2.1 to 2.52) or PUT /os-services/{service_id}
// (2.53 or later), microversion 2.1 or later.
func (c *Client) EnableService(ctx context.Context, host string) (*Service, error) {
	if err := checkServiceHost(host); err != nil {
		return nil, err
	}
	v, err := c.require(ctx, "EnableService", anyMin, noMax)
	if err != nil {
		return nil, err
	}
	if v.AtLeast(mvServiceByID) {
		return c.updateByHost(ctx, v, host, &updateServiceBody{Status: ServiceEnabled})
	}
	return c.legacyUpdate(ctx, v, host, "enable", &legacyServiceBody{Host: host, Binary: BinaryCompute})
}

// ForceDownService marks the compute service of host down at once,
// without waiting for its heartbeats to stop for service_down_time: its
// State and its hypervisors' become ServiceDown, which lets Evacuate move
// the host's servers elsewhere. Force a host down only when it is really
// dead or fenced (powered off, cut from storage and network): servers
// evacuated from a host that still runs them would run twice. The flag
// stays until ClearForceDown, whatever the heartbeats say.
//
// It needs microversion 2.11. Before 2.53 it is one request,
// PUT /os-services/force-down with host, binary and "forced_down": true
// (nova answers host, binary and forced_down); from 2.53 two: the listing
// of the host's compute service, then PUT /os-services/{service_id} with
// {"forced_down": true} (nova answers the whole record). A host without a
// compute service gives an error wrapping ErrServiceNotFound. The update
// is sent once, and repeated only when it provably never reached nova or
// nova throttled it.
//
// PUT /os-services/force-down (2.11 to 2.52) or
// PUT /os-services/{service_id} (2.53 or later), microversion 2.11 or
// later.
func (c *Client) ForceDownService(ctx context.Context, host string) (*Service, error) {
	return c.forceDown(ctx, "ForceDownService", host, true)
}

// ClearForceDown clears the forced-down flag of the compute service of
// host, once the host is repaired and its compute service runs again: its
// State follows its heartbeats again. Nova refuses it (400 badRequest)
// while evacuations from the host are in status "done", which the compute
// service turns into "completed" when it starts: restart it first.
//
// Requests, microversions and errors are those of ForceDownService, with
// "forced_down": false.
//
// PUT /os-services/force-down (2.11 to 2.52) or
// PUT /os-services/{service_id} (2.53 or later), microversion 2.11 or
// later.
func (c *Client) ClearForceDown(ctx context.Context, host string) (*Service, error) {
	return c.forceDown(ctx, "ClearForceDown", host, false)
}

func (c *Client) forceDown(ctx context.Context, feature, host string, down bool) (*Service, error) {
	if err := checkServiceHost(host); err != nil {
		return nil, err
	}
	v, err := c.require(ctx, feature, mvForcedDown, noMax)
	if err != nil {
		return nil, err
	}
	if v.AtLeast(mvServiceByID) {
		return c.updateByHost(ctx, v, host, &updateServiceBody{ForcedDown: &down})
	}
	return c.legacyUpdate(ctx, v, host, "force-down", &legacyServiceBody{Host: host, Binary: BinaryCompute, ForcedDown: &down})
}

// legacyServiceBody is the body of the pre-2.53 PUT /os-services/{action}.
// The forms, fields and versions of both kinds of update are those of
// nova/api/openstack/compute/services.py (ServiceController.update) and
// nova/api/openstack/compute/schemas/services.py (update, update_v211,
// update_v253) in openstack/nova at
// 00a030403f672b975364c855b7d25b40ef83e757.
type legacyServiceBody struct {
	Host           string `json:"host"`
	Binary         string `json:"binary"`
	DisabledReason string `json:"disabled_reason,omitempty"`
	ForcedDown     *bool  `json:"forced_down,omitempty"`
}

// legacyUpdate sends PUT /os-services/{action} (before 2.53). A 404 means
// nova found no such service on the host.
func (c *Client) legacyUpdate(ctx context.Context, v auth.Microversion, host, action string, body *legacyServiceBody) (*Service, error) {
	var out serviceBody
	_, err := c.send(ctx, v, &rest.Request{
		Op:     "nova.UpdateService",
		Method: http.MethodPut,
		Path:   "/os-services/{action}",
		Params: []string{action},
		Body:   body,
		OK:     []int{http.StatusOK},
		Out:    &out,
	})
	if err != nil {
		if cloudmigrate.IsNotFound(err) {
			return nil, &serviceNotFound{host: host, cause: err}
		}
		return nil, err
	}
	if out.Service == nil {
		return nil, errNoService
	}
	return out.Service, nil
}

// updateByHost finds the compute service of host and sends the 2.53 update
// to it.
func (c *Client) updateByHost(ctx context.Context, v auth.Microversion, host string, body *updateServiceBody) (*Service, error) {
	list, err := c.listServices(ctx, v, &ListServicesOptions{Host: host, Binary: BinaryCompute})
	if err != nil {
		return nil, fmt.Errorf("nova: finding the compute service of host %q: %w", host, err)
	}
	var found []Service
	for _, s := range list {
		// Nova filters by exact host and binary; keep only those in case
		// a proxy or an older nova did not.
		if s.Host == host && s.Binary == BinaryCompute {
			found = append(found, s)
		}
	}
	switch {
	case len(found) == 0:
		return nil, &serviceNotFound{host: host}
	case len(found) > 1:
		ids := make([]string, len(found))
		for i, s := range found {
			ids[i] = s.ID
		}
		return nil, fmt.Errorf("nova: %d compute services on host %q (IDs %s): give UpdateService the one to change",
			len(found), host, strings.Join(ids, ", "))
	case found[0].ID == "":
		return nil, fmt.Errorf("nova: the compute service of host %q is in a cell nova cannot reach now (status %s, no ID): try again later",
			host, found[0].Status)
	}
	id := found[0].ID
	if err := rest.CheckID("service_id", id); err != nil {
		return nil, fmt.Errorf("nova: the compute service of host %q has an ID that cannot go into a URL: %w", host, err)
	}
	return c.putService(ctx, v, id, body)
}

// putService sends PUT /os-services/{service_id} (2.53 or later).
func (c *Client) putService(ctx context.Context, v auth.Microversion, id string, body *updateServiceBody) (*Service, error) {
	var out serviceBody
	if _, err := c.send(ctx, v, &rest.Request{
		Op:     "nova.UpdateService",
		Method: http.MethodPut,
		Path:   "/os-services/{service_id}",
		Params: []string{id},
		Body:   body,
		OK:     []int{http.StatusOK},
		Out:    &out,
	}); err != nil {
		return nil, err
	}
	if out.Service == nil {
		return nil, errNoService
	}
	return out.Service, nil
}
