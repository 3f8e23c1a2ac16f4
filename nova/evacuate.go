package nova

import (
	"context"
	"net/http"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// Microversions at which evacuation changes.
var (
	mv213 = auth.MustParseMicroversion("2.13")
	mv214 = auth.MustParseMicroversion("2.14")
	mv229 = auth.MustParseMicroversion("2.29")
)

// EvacuateOptions are the optional inputs of Evacuate. Which fields may be
// set depends on the microversion in use; a field set outside its range is
// a *cloudmigrate.VersionError and nothing is sent.
type EvacuateOptions struct {
	// Host is the compute host to rebuild the server on. Empty lets the
	// scheduler choose. Up to 255 letters, digits, '-', '.' and '_'.
	Host string
	// AdminPass is the administrative password to set on the rebuilt
	// server. Unset, nova generates one; before microversion 2.14 it
	// returns it, in MoveResult.AdminPass. It is sent in the body and
	// scrubbed from any error answer; it never appears in logs or errors.
	AdminPass auth.Secret
	// OnSharedStorage says whether the server's disks are on storage both
	// hosts share (kept) or not (rebuilt from the image). Microversions
	// before 2.14 require it, and do not allow AdminPass with true; from
	// 2.14 nova detects it itself and the field must be nil.
	OnSharedStorage *bool
	// Force skips the scheduler's check of Host. It exists only from
	// microversion 2.29 to 2.67; nil sends nothing. Force true needs Host.
	Force *bool
	// RecordTimeout bounds how long after the start the handle waits for
	// the evacuation's migration record while the server shows it under
	// way, before it ends with a *MigrationNotFoundError. Zero means
	// DefaultRecordTimeout; otherwise at least a second. It is kept in the
	// resume token.
	RecordTimeout time.Duration
}

type evacuateBody struct {
	Evacuate evacuateArgs `json:"evacuate"`
}

type evacuateArgs struct {
	Host            string `json:"host,omitempty"`
	AdminPass       string `json:"adminPass,omitempty"`
	OnSharedStorage *bool  `json:"onSharedStorage,omitempty"`
	Force           *bool  `json:"force,omitempty"`
}

// evacuateAnswer is nova's answer before 2.14, when it has one.
type evacuateAnswer struct {
	AdminPass auth.Secret `json:"adminPass"`
}

// Evacuate rebuilds a server whose compute host is down on another host,
// and returns the handle of the move: nova records it as a migration of
// type "evacuation" (accepted, pre-migrating, then "done" once the server
// runs on the new host, and "completed" once the old host's compute
// service comes back and cleans up). The source host's compute service
// must be down (nova answers 400 otherwise), the server ACTIVE, SHUTOFF or
// ERROR with no task under way (else 409). From microversion 2.95 the
// server arrives stopped (SHUTOFF) whatever its state before; earlier it
// keeps it.
//
// Before sending, Evacuate reads the server and its newest migration
// record (two requests) and adopts a move already under way instead of
// starting another, as Migrate does. The handle finds the "evacuation"
// record itself, and one Poll sends at most 3 requests, as Migrate's:
// GET /os-migrations, then GET /servers/{server_id} to verify a "done" or
// "completed" evacuation (the server is on another host than its source:
// the named Host, when one was given) or the instance action for a failed
// one's reason. A failed evacuation (status "failed" or "error"; the
// server is usually left in ERROR with a fault) ends with a
// *jobs.FailedError carrying nova's reason. An evacuation cannot be
// aborted.
//
// The body follows the microversion: "host" when Host is set;
// "onSharedStorage" (required) before 2.14; "adminPass" when AdminPass is
// set; "force" only when Force is set, which needs 2.29 to 2.67. Nova
// answers 200, with {"adminPass": ...} before 2.14 when the cloud returns
// passwords. The request is never repeated once it may have reached the
// service.
//
// POST /servers/{server_id}/action with {"evacuate": {...}}, microversion
// 2.1 or later.
func (c *Client) Evacuate(ctx context.Context, serverID string, opts *EvacuateOptions) (*jobs.Operation[*MoveResult], error) {
	if err := checkServer(serverID); err != nil {
		return nil, err
	}
	var o EvacuateOptions
	if opts != nil {
		o = *opts
	}
	if o.Host != "" && !hostPattern.MatchString(o.Host) {
		return nil, cloudmigrate.Invalid("Host", "%q must be 1 to 255 letters, digits, '-', '.' or '_'", o.Host)
	}
	if o.Force != nil && *o.Force && o.Host == "" {
		return nil, cloudmigrate.Invalid("Force", "forcing an evacuation needs a Host")
	}
	if err := checkRecordTimeout("RecordTimeout", o.RecordTimeout); err != nil {
		return nil, err
	}
	v, err := c.require(ctx, "Evacuate", anyMin, noMax)
	if err != nil {
		return nil, err
	}
	args := evacuateArgs{Host: o.Host, AdminPass: o.AdminPass.Reveal()}
	if v.Compare(mv214) < 0 {
		if o.OnSharedStorage == nil {
			return nil, cloudmigrate.Invalid("OnSharedStorage", "is required before compute microversion 2.14 (the client uses %s)", v)
		}
		if *o.OnSharedStorage && o.AdminPass.IsSet() {
			return nil, cloudmigrate.Invalid("AdminPass", "cannot be set when OnSharedStorage is true: nova keeps the existing disk")
		}
		shared := *o.OnSharedStorage
		args.OnSharedStorage = &shared
	} else if o.OnSharedStorage != nil {
		if err := c.need(ctx, v, "EvacuateOptions.OnSharedStorage", anyMin, mv213); err != nil {
			return nil, err
		}
	}
	if o.Force != nil {
		if err := c.need(ctx, v, "EvacuateOptions.Force", mv229, mv267); err != nil {
			return nil, err
		}
		f := *o.Force
		args.Force = &f
	}
	var out evacuateAnswer
	s := moveStart{
		kind: TypeEvacuation, serverID: serverID, target: o.Host, body: evacuateBody{Evacuate: args},
		status: http.StatusOK, timeout: o.RecordTimeout,
	}
	if o.AdminPass.IsSet() {
		s.secrets = []auth.Secret{o.AdminPass}
	}
	if v.Compare(mv214) < 0 {
		s.out = &out
	}
	op, m, err := c.startMove(ctx, "nova.Evacuate", v, s)
	if m != nil && err == nil {
		m.adminPass = o.AdminPass
		if out.AdminPass.IsSet() {
			m.adminPass = out.AdminPass
		}
	}
	return op, err
}
