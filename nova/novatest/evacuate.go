package novatest

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/cloudmigrate/cloudmigrate/internal/fake"
)

// SetHostDown marks the compute service of a host down (down true), as
// nova's service group sees a host that stopped reporting, or up again.
// Servers on a host that is down can be evacuated, and the scheduler
// places nothing on it. When a host comes back up, the evacuations of its
// servers that are "done" become "completed", as nova's compute service
// does when it starts and cleans up after them. It panics for a host the
// fake does not have.
func (s *Server) SetHostDown(name string, down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.hosts[name]
	if h == nil {
		panic(fmt.Sprintf("novatest: SetHostDown: no host %q", name))
	}
	if h.down == down {
		return
	}
	h.down = down
	if down {
		return
	}
	now := s.Clock().Now()
	s.settleLocked(now)
	for _, m := range s.migrations {
		if m.evac && m.source == h && m.statusAt(now) == statusDone {
			m.cut(now, mark{statusCompleted, now})
		}
	}
}

// HostDown reports whether the host's compute service is down.
func (s *Server) HostDown(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.hosts[name]
	return h != nil && h.isDown()
}

// evacArgs is an accepted "evacuate" body.
type evacArgs struct {
	host      string // "" for the scheduler's choice
	adminPass string
	hasPass   bool
	shared    bool
	force     bool
}

// parseEvacuate checks an "evacuate" body against nova's schema for the
// request's version (nova/api/openstack/compute/schemas/evacuate.py):
// host and adminPass at every version; onSharedStorage required before
// 2.14 and refused from 2.14; force from 2.29 to 2.67; nothing else.
func parseEvacuate(c *call, body []byte) (evacArgs, string) {
	var a evacArgs
	args, raw, problem := actionObject(body, "evacuate")
	if problem != "" {
		return a, problem
	}
	legacy := !c.atLeast("2.14")
	allowed := []string{"host", "adminPass"}
	if legacy {
		allowed = append(allowed, "onSharedStorage")
	}
	if c.atLeast("2.29") && !c.atLeast("2.68") {
		allowed = append(allowed, "force")
	}
	if k := onlyKeys(args, allowed...); k != "" {
		return a, invalidInput("evacuate", raw, fmt.Sprintf("Additional properties are not allowed ('%s' was unexpected)", k))
	}
	if _, ok := args["onSharedStorage"]; legacy && !ok {
		return a, invalidInput("evacuate", raw, "'onSharedStorage' is a required property")
	}
	if h, ok := args["host"]; ok {
		if json.Unmarshal(h, &a.host) != nil || !hostPattern.MatchString(a.host) {
			return a, invalidInput("host", h, "It must be 1 to 255 letters, digits, '-', '.' or '_'")
		}
	}
	if p, ok := args["adminPass"]; ok {
		if json.Unmarshal(p, &a.adminPass) != nil {
			return a, invalidInput("adminPass", p, fmt.Sprintf("%s is not of type 'string'", compact(p)))
		}
		a.hasPass = true
	}
	if v, ok := args["onSharedStorage"]; ok {
		if a.shared, ok = parseBool(v); !ok {
			return a, invalidInput("onSharedStorage", v, fmt.Sprintf("%s is not a valid boolean", compact(v)))
		}
	}
	if v, ok := args["force"]; ok {
		if a.force, ok = parseBool(v); !ok {
			return a, invalidInput("force", v, fmt.Sprintf("%s is not a valid boolean", compact(v)))
		}
	}
	return a, ""
}

// evacuate serves the "evacuate" action, with nova's checks in nova's
// order: the body, the server (404), force without a host (400), a
// password on shared storage before 2.14 (400), the named host (404), the
// server's own host (400), the server's state (409), and its host's
// compute service, which must be down (400). Nova answers 200, with the
// admin password before 2.14.
func (s *Server) evacuate(r *fake.Request) fake.Response {
	c, resp, ok := s.begin(r, "")
	if !ok {
		return resp
	}
	args, problem := parseEvacuate(c, r.Body)
	if problem != "" {
		return c.badRequest("%s", problem)
	}
	id := r.PathValue("server_id")

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	sv := s.servers[id]
	if sv == nil {
		return c.notFound("Instance %s could not be found.", id)
	}
	if args.force && args.host == "" {
		return c.badRequest("Can't force to a non-provided destination")
	}
	legacy := !c.atLeast("2.14")
	if legacy && args.hasPass && args.shared {
		return c.badRequest("admin password can't be changed on existing disk")
	}
	var dest *host
	if args.host != "" {
		if dest = s.hosts[args.host]; dest == nil {
			return c.notFound("Compute host %s not found.", args.host)
		}
		if dest == sv.host {
			return c.badRequest("The target host can't be the same one.")
		}
	}
	info := sv.view(now)
	if info.TaskState != "" || (info.Status != StatusActive && info.Status != StatusShutoff && info.Status != StatusError) {
		return c.conflict("%s", invalidState("evacuate", info))
	}
	if !sv.host.isDown() {
		return c.badRequest("Compute service of %s is still in use.", sv.host.name)
	}
	if dest == nil {
		dest = s.pickHostLocked(sv.host)
	}
	m := s.newEvacuationLocked(sv, dest, args.force, c.atLeast("2.95"), now)
	s.recordActionLocked(c.rid, "evacuate", sv.id, m, now)
	if !legacy {
		return c.ok(http.StatusOK, nil)
	}
	pass := args.adminPass
	if !args.hasPass {
		pass = newPassword()
	}
	return c.ok(http.StatusOK, map[string]any{"adminPass": pass})
}

// newEvacuationLocked records an evacuation of sv to dest starting now: it
// is accepted, pre-migrating while the server is rebuilt, then done. A nil
// dest, or one the scheduler refuses (down or disabled; only down when the
// evacuation is forced), makes it end "error" after "accepted", as nova's
// scheduler does when no host fits. The caller holds s.mu.
func (s *Server) newEvacuationLocked(sv *server, dest *host, forced, stop bool, now time.Time) *migration {
	m := s.newMigrationLocked(sv, false, dest, now)
	m.evac, m.stopAfter, m.prior = true, stop, sv.status
	t := s.timings
	at := now
	add := func(status string, d time.Duration) {
		m.marks = append(m.marks, mark{status, at})
		at = at.Add(d)
	}
	add(statusAccepted, t.EvacuationAccepted)
	if s.loseLocked(m) {
		return m
	}
	if dest == nil || dest.isDown() || (!forced && !dest.schedulable()) {
		m.destNode = false
		m.failure = failure{"nova.exception.NoValidHost", "No valid host was found. There are not enough hosts available."}
		add(statusError, 0)
		return m
	}
	if reason, ok := s.takeFailureLocked(); ok {
		m.doomed = true
		if reason == "" {
			reason = fmt.Sprintf("Build of instance %s aborted: rebuilding it on %s failed", sv.id, dest.name)
		}
		m.failure = failure{"nova.exception.BuildAbortException", reason}
		add(statusPreMigrating, t.Rebuilding/2)
		add(statusFailed, 0)
		return m
	}
	s.strandLocked(m)
	add(statusPreMigrating, t.Rebuilding)
	add(statusDone, 0)
	return m
}

// newPassword returns a password such as nova generates for a rebuilt
// server (utils.generate_password: 12 characters).
func newPassword() string {
	const symbols = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	var b [12]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = symbols[int(b[i])%len(symbols)]
	}
	return string(b[:])
}
