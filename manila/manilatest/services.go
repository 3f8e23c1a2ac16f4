package manilatest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/fake"
)

// Binaries of the services the fake lists.
const (
	// BinaryShare is the share service of a back end.
	BinaryShare = "manila-share"
	// BinaryScheduler is the scheduler.
	BinaryScheduler = "manila-scheduler"
	// BinaryData is the data service.
	BinaryData = "manila-data"
)

// ControllerHost is the host of the fake's scheduler and data services.
const ControllerHost = "manila-controller"

// DefaultZone is the availability zone of every service of the fake.
const DefaultZone = "nova"

// reportInterval is how often Manila's services report; updated_at is
// the last report before now.
const reportInterval = 10 * time.Second

// Version rules of the services API: /os-services up to 2.6, /services
// from 2.7 on.
var (
	legacyServicesRule = rule{max: auth.MustParseMicroversion("2.6")}
	servicesRule       = rule{min: auth.MustParseMicroversion("2.7")}
	disabledReasonMin  = auth.MustParseMicroversion("2.83")
	ensuringMin        = auth.MustParseMicroversion("2.86")
	ensuringFilterMin  = auth.MustParseMicroversion("2.93")
)

// ServiceInfo describes a service of the fake, as Service reports it.
type ServiceInfo struct {
	// ID is the service's ID, as Manila numbers them.
	ID int
	// Host is the host it runs on: the back end "host@backend" for a
	// share service, ControllerHost for the others.
	Host string
	// Binary is BinaryShare, BinaryScheduler or BinaryData.
	Binary string
	// Disabled reports whether the service is disabled.
	Disabled bool
	// DisabledReason is the reason given when it was disabled.
	DisabledReason string
}

// service is the fake's record of one service.
type service struct {
	id             int
	host, binary   string
	disabled       bool
	disabledReason string
}

func (sv *service) info() ServiceInfo {
	return ServiceInfo{ID: sv.id, Host: sv.host, Binary: sv.binary, Disabled: sv.disabled, DisabledReason: sv.disabledReason}
}

// addServiceLocked adds the service binary on host unless it exists. The
// caller holds s.mu.
func (s *Server) addServiceLocked(host, binary string) {
	if s.serviceLocked(host, binary) != nil {
		return
	}
	s.services = append(s.services, &service{id: len(s.services) + 1, host: host, binary: binary})
}

// serviceLocked returns the service binary on host, or nil. The caller
// holds s.mu.
func (s *Server) serviceLocked(host, binary string) *service {
	for _, sv := range s.services {
		if sv.host == host && sv.binary == binary {
			return sv
		}
	}
	return nil
}

// backendUsableLocked reports whether the back end host exists and its
// share service is enabled: what Manila's lookup of a migration's
// destination requires. The caller holds s.mu.
func (s *Server) backendUsableLocked(host string) bool {
	if _, known := s.backends[host]; !known {
		return false
	}
	sv := s.serviceLocked(host, BinaryShare)
	return sv != nil && !sv.disabled
}

// Service returns the service binary of host, and false when there is
// none. Every back end has a share service (BinaryShare, on the back end's
// name); the scheduler and the data service run on ControllerHost.
func (s *Server) Service(host, binary string) (ServiceInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sv := s.serviceLocked(host, binary)
	if sv == nil {
		return ServiceInfo{}, false
	}
	return sv.info(), true
}

// registerServices serves the services API under both URL forms.
func (s *Server) registerServices() {
	for _, prefix := range []string{sharePath + "/v2", sharePath + "/v2/{project_id}"} {
		for _, r := range []struct {
			coll string
			ru   rule
		}{{"/os-services", legacyServicesRule}, {"/services", servicesRule}} {
			ru := r.ru
			s.Handle(OpListServices, "GET "+prefix+r.coll, func(req *fake.Request) fake.Response { return s.listServices(req, ru) })
			s.HandleRoute(OpUnknownRoute, "PUT "+prefix+r.coll+"/{action}", func(req *fake.Request) (string, fake.Handler, bool) {
				h := func(req *fake.Request) fake.Response { return s.updateService(req, ru) }
				switch req.PathValue("action") {
				case "disable":
					return OpDisableService, h, true
				case "enable":
					return OpEnableService, h, true
				}
				return OpUnknownRoute, h, true
			})
		}
	}
}

// serviceView is a service as Manila's detailed view shows it at v.
func serviceView(sv *service, now time.Time, v auth.Microversion) map[string]any {
	status := "enabled"
	if sv.disabled {
		status = "disabled"
	}
	doc := map[string]any{
		"id":         sv.id,
		"binary":     sv.binary,
		"host":       sv.host,
		"zone":       DefaultZone,
		"status":     status,
		"state":      "up",
		"updated_at": timestamp(now.Truncate(reportInterval)),
	}
	if v.AtLeast(disabledReasonMin) {
		doc["disabled_reason"] = nullIfEmpty(sv.disabledReason)
	}
	if v.AtLeast(ensuringMin) {
		doc["ensuring"] = false
	}
	return doc
}

// listServices serves GET .../services (2.7 on) and .../os-services (up
// to 2.6): every service, filtered as Manila filters them: host, binary,
// zone, state and status match exactly (a status other than enabled or
// disabled, or an unknown zone, matches nothing), ensuring from 2.93
// (true or false, anything else matches nothing), and any other
// parameter is ignored.
func (s *Server) listServices(r *fake.Request, ru rule) fake.Response {
	c, resp, ok := s.admit(r, ru, "")
	if !ok {
		return resp
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	q := r.URL.Query()
	list := []map[string]any{}
	if st := q.Get("status"); st != "" && st != "enabled" && st != "disabled" {
		return c.reply(fake.JSON(http.StatusOK, map[string]any{"services": list}))
	}
	ensuring, filterEnsuring := false, false
	if raw := q.Get("ensuring"); raw != "" && c.version.AtLeast(ensuringFilterMin) {
		b, ok := parseBool(raw)
		if !ok {
			return c.reply(fake.JSON(http.StatusOK, map[string]any{"services": list}))
		}
		ensuring, filterEnsuring = b, true
	}
	for _, sv := range s.services {
		status := "enabled"
		if sv.disabled {
			status = "disabled"
		}
		fields := map[string]string{"host": sv.host, "binary": sv.binary, "zone": DefaultZone, "state": "up", "status": status}
		match := !(filterEnsuring && ensuring)
		for k, have := range fields {
			if v := q.Get(k); v != "" && v != have {
				match = false
			}
		}
		if match {
			list = append(list, serviceView(sv, now, c.version))
		}
	}
	return c.reply(fake.JSON(http.StatusOK, map[string]any{"services": list}))
}

// updateService serves PUT .../services/{enable,disable} (and the
// /os-services form up to 2.6) as Manila does: an unknown action is 404;
// a disabled_reason below 2.83 is 400, one of only white space or longer
// than 255 characters 400; a body without host or binary 400; a host and
// binary without a service 404. The answer, 200, is Manila's summary:
// host, binary and status, with disabled_reason from 2.83 and ensuring
// (always null there) from 2.86.
func (s *Server) updateService(r *fake.Request, ru rule) fake.Response {
	c, resp, ok := s.admit(r, ru, "")
	if !ok {
		return resp
	}
	action := r.PathValue("action")
	if action != "enable" && action != "disable" {
		return c.reply(s.Error(http.StatusNotFound, FaultNotFound, fmt.Sprintf("Unknown action '%s'", action)))
	}
	bad := func(msg string) fake.Response { return c.reply(s.Error(http.StatusBadRequest, FaultBadRequest, msg)) }
	var body map[string]json.RawMessage
	if err := json.Unmarshal(r.Body, &body); err != nil {
		return bad("Malformed request body")
	}
	reason := ""
	if action == "disable" {
		if raw, given := body["disabled_reason"]; given {
			var v string
			if json.Unmarshal(raw, &v) != nil && string(raw) != "null" {
				return bad("Disabled reason contains invalid characters or is too long")
			}
			if v != "" && c.version.Less(disabledReasonMin) {
				return bad("'disabled_reason' option is not supported by this microversion. " +
					"Use 2.83 or greater microversion to be able to set 'disabled_reason'.")
			}
			if v != "" {
				reason = strings.TrimSpace(v)
				if reason == "" || utf8.RuneCountInString(reason) > 255 {
					return bad("Disabled reason contains invalid characters or is too long")
				}
			}
		}
	}
	var host, binary string
	if json.Unmarshal(body["host"], &host) != nil || json.Unmarshal(body["binary"], &binary) != nil {
		return bad("The server could not comply with the request since it is either malformed or otherwise incorrect.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sv := s.serviceLocked(host, binary)
	if sv == nil {
		return c.reply(s.Error(http.StatusNotFound, FaultNotFound, fmt.Sprintf("Could not find binary %s on host %s.", binary, host)))
	}
	out := map[string]any{"host": host, "binary": binary}
	if action == "disable" {
		sv.disabled = true
		if reason != "" {
			sv.disabledReason = reason
		}
		out["status"] = "disabled"
	} else {
		sv.disabled = false
		if c.version.AtLeast(disabledReasonMin) {
			sv.disabledReason = ""
		}
		out["status"] = "enabled"
	}
	if c.version.AtLeast(disabledReasonMin) {
		out["disabled_reason"] = nullIfEmpty(reason)
	}
	if c.version.AtLeast(ensuringMin) {
		out["ensuring"] = nil
	}
	return c.reply(fake.JSON(http.StatusOK, out))
}
