// Package nova moves servers between hosts with the OpenStack Compute
// (nova) API: it lists the servers on a host, live-migrates,
// cold-migrates and evacuates them and follows each move to its verified
// end, hurries or stops a live migration, confirms or reverts a cold one,
// shows a server and its instance actions (where nova keeps the reason a
// move failed), lists the cloud's migration records, and disables, enables
// or forces down compute services and lists the hypervisors, so that a
// drain needs nothing else.
//
// # Client
//
// A Client talks to one compute endpoint, given as the service catalog
// lists it (type "compute"):
//
//	c, err := nova.NewClient("https://nova.example.com:8774/v2.1", auth.StaticToken(token))
//
// NewClientFromKeystone finds the endpoint in a Keystone token's catalog
// instead. A Client is immutable and safe for concurrent use.
//
// # Moves are operations
//
// LiveMigrate, Migrate (cold) and Evacuate each return a
// *jobs.Operation[*MoveResult]: a handle on the move, which is the way to
// follow it.
//
//	op, err := c.LiveMigrate(ctx, serverID, &nova.LiveMigrateOptions{Host: "compute2"})
//	if errors.Is(err, cloudmigrate.ErrInProgress) {
//		// The server was already moving: op follows that move.
//	} else if err != nil {
//		return err
//	}
//	token, _ := op.ResumeToken() // save it: ResumeMigration rebuilds op later
//	res, err := op.Wait(ctx)     // res.Server.Host is where the server is now
//
// Nova answers a start before it has recorded the migration, so the handle
// finds the record itself: among the server's migrations of the move's
// kind, one with a higher ID than any the server had when the move started
// (the start reads the newest first). A record that appears late is waited
// for; one that has not appeared RecordTimeout after the start while the
// server still shows the move ends the operation with a
// *MigrationNotFoundError, as does a move the server stops showing before
// any record appeared (with the reason from its instance action).
//
// Poll makes one step, sending at most 3 requests once the migration's ID
// is known (and at most 3 before): one while a live migration runs (its
// record under the server, with the memory and disk counters), one while a
// cold migration or an evacuation runs (its record in /os-migrations), and
// at the end the final record plus the server, to verify where it is, or
// plus the instance action, for the failure's reason. Wait polls until the
// end, with the jobs package's back-off and options. An operation
// succeeds only when nova reports the move done ("completed", "confirmed",
// "done") and GET /servers/{server_id} shows the server on another host
// than its source, and on the host asked for when one was named; otherwise
// it ends with a *NotMovedError. Verifying needs an admin's view of the
// server: nova shows hosts to admins only.
//
// A cold migration stops in VERIFY_RESIZE on its new host: its handle then
// returns a *NeedsConfirmationError (errors.Is(err, ErrNeedsConfirmation))
// from Poll and Wait without ending. Call ConfirmMigration (or
// RevertMigration) and wait on the same handle again: it ends with success
// once the migration is "confirmed", or with a *jobs.FailedError in State
// jobs.Cancelled once it is "reverted".
//
// A failed move ends with a *jobs.FailedError whose Status.Word is nova's
// status ("error", "failed") and whose Status.Message names the
// migration, its server and hosts and nova's reason: the failed event of
// the start request's instance action (the request ID MoveResult.RequestID
// keeps), with its details from microversion 2.84 and the last line of its
// traceback before. An aborted live migration (Operation.Abort, 2.24+)
// ends with a *jobs.FailedError in State jobs.Cancelled; cold migrations
// and evacuations cannot be aborted (jobs.ErrCannotAbort).
//
// # Adopting a move under way
//
// Before it sends anything, each start reads the server (GET
// /servers/{server_id}) and its newest migration record (GET
// /os-migrations?instance_uuid=, limit 1 from 2.59): two requests, then
// the start. A server that already shows a live migration, a cold
// migration or an evacuation is not moved again: the call returns a
// handle on that move with a *cloudmigrate.InProgressError
// (errors.Is(err, cloudmigrate.ErrInProgress)) saying what showed it, and
// sends no start, whichever of the three calls it is.
//
// What is seen before sending: the server's task state (nova sets it when
// it accepts a move: "migrating", "resize_prep" and the other resize
// states, "rebuilding"), a server waiting in VERIFY_RESIZE, and the
// newest migration record, which gives the move's ID when nova has
// written it. When the server shows a move, the server's instance actions
// (one more request) tell a cold migration from a resize and an
// evacuation from a rebuild, and give the request ID of the move. What is
// not seen: a resize or rebuild under way is not a move this package
// follows, so the start is sent and nova's 409 returned; a move another
// client starts between the read and the start makes nova answer 409 too,
// after which the server is read again and that move adopted; and a
// migration record left "queued" or "accepted" by a move nova lost, while
// the server shows no task, is not adopted.
//
// # Resuming
//
// Operation.ResumeToken gives compact text (no secret: IDs, hosts, the
// microversion, the start time and the start's request ID) from which
// ResumeMigration, on a client of the same endpoint, rebuilds the handle in
// this process or another, so that a program that stopped follows the move
// it started instead of starting another. A token taken before nova wrote
// the record holds no migration ID; the resumed handle finds it, so save
// the token again after a poll.
//
// # Draining a host
//
// Emptying a compute host before maintenance:
//
//  1. DisableService (PUT /os-services/..., admin), with a reason, makes
//     the scheduler skip the host while it is emptied: no new server, and
//     no migration the scheduler places, lands on it.
//  2. ListServers with AllProjects and Host (GET /servers/detail, admin)
//     finds the servers nova has placed on the host, of every project;
//     Server.Status tells which can go live (ACTIVE, PAUSED) and which need
//     a cold migration (SHUTOFF).
//  3. LiveMigrate or Migrate moves each one, a few at a time, and the
//     handles' Wait follows each to its verified end.
//  4. Listing the host again shows what is left; EnableService puts the
//     host back in service after the maintenance.
//
// A host that is down cannot be drained: Evacuate rebuilds its servers
// elsewhere (the host's compute service must be down). ForceDownService
// marks a host that is known dead (fenced) down at once, instead of
// waiting for nova to miss its heartbeats; ClearForceDown undoes it once
// the host runs again.
//
// # Following and steering a live migration
//
// While a live migration is queued, preparing, running or post-migrating,
// ListServerMigrations and GetServerMigration (2.23+) show it under the
// server with its memory and disk byte counters (Migration.Progress). If
// it does not converge (a busy guest keeps dirtying memory),
// ForceCompleteMigration makes nova finish it (status "running" only), and
// AbortMigration cancels it (status "running", or from 2.65 also "queued"
// and "preparing"). WaitForMigration still waits for a migration whose ID
// is known, without verifying where the server went; the handles do more.
//
// # Servers and instance actions
//
// GetServer (GET /servers/{server_id}) shows one server as ListServers
// does, with its fault when it is in ERROR. ListInstanceActions lists the
// requests made on a server, newest first (paged from 2.58), and
// GetInstanceAction shows one with its events: which service ran each
// step, when, with what result, and for a failed step the error (Details
// from 2.84, Traceback for admins).
//
// # Compute services and hypervisors
//
// ListServices (GET /os-services) lists nova's services: a compute service
// (BinaryCompute) per compute host, with its status (enabled or disabled,
// and the reason), its state (up or down) and whether it is forced down
// (2.11). DisableService, EnableService, ForceDownService and ClearForceDown
// take the host's name and send the request the microversion has: before
// 2.53 PUT /os-services/{disable,disable-log-reason,enable,force-down} with
// the host and binary in the body (one request); from 2.53
// PUT /os-services/{service_id}, after listing the host's compute service
// for its UUID (two requests). UpdateService takes the UUID itself (2.53)
// and can change the status and forced_down at once.
//
// ListHypervisors (GET /os-hypervisors/detail) and GetHypervisor
// (GET /os-hypervisors/{hypervisor_id}) show the compute nodes, whose state
// and status are those of their compute service, with the servers on them
// on request (2.53), searched by hostname (2.53) and paged (2.33). Their
// resource figures (CPUs, memory, disk and their use) exist up to 2.87
// only: from 2.88 capacity lives in the Placement service, which this
// package does not call, and Hypervisor.Resources is nil. IDs are integers
// before 2.53 and UUIDs from 2.53, for services and hypervisors alike.
//
// # Listing
//
// ListServers (GET /servers/detail) lists servers with their host, status
// and task state, and ListMigrations (GET /os-migrations, admin by
// default) lists migrations of every kind, finished ones included. Both
// return an iter.Seq2 that follows nova's "next" links, fetching a page
// only when the loop needs it. Migration records there name the server
// InstanceUUID, while the per-server API says ServerUUID; Migration
// carries both fields. Nova's migration timestamps carry no zone and mean
// UTC; Time reads them (and null) as UTC.
//
// # Microversions
//
// Nova changes its API by microversion. Unless one is pinned with
// cloudmigrate.WithMicroversion or Client.WithMicroversion, the client
// reads the service's version document once, on its first call, and uses
// the highest version both nova and this package support (MaxMicroversion).
// Every request sends it in both OpenStack-API-Version ("compute 2.104")
// and X-OpenStack-Nova-API-Version.
//
// Each operation checks its minimum before sending: listing and showing a
// server's migrations need 2.23, force-complete 2.22, abort 2.24, a host
// for Migrate 2.56, paging instance actions 2.58, forcing a service down
// 2.11, UpdateService 2.53, paging hypervisors 2.33, searching them and
// listing their servers 2.53. Request bodies follow
// the version too: LiveMigrate sends block_migration "auto" by default
// from 2.25, disk_over_commit only before 2.25, force only from 2.30 to
// 2.67; Evacuate sends onSharedStorage only before 2.14 and force only
// from 2.29 to 2.67. An operation or field the
// version in use lacks fails with a *cloudmigrate.VersionError naming both
// versions, and nothing is sent. A service that refuses the version
// outright (406) gives a *cloudmigrate.VersionError too, with the range it
// stated.
//
// # Errors
//
//   - *cloudmigrate.ValidationError: bad input, caught before sending (an
//     empty server ID, a migration ID below 1, a malformed host).
//   - *cloudmigrate.VersionError: see above.
//   - *cloudmigrate.Error: any other answer outside 2xx. Code is nova's
//     fault name ("itemNotFound", "badRequest", "conflictingRequest",
//     "forbidden", "overLimit", "computeFault"), Message its text and
//     RequestID the X-Openstack-Request-Id header. cloudmigrate.IsNotFound
//     and cloudmigrate.IsConflict test the common cases. Nova also answers
//     404 when an operation needs a higher microversion than the endpoint
//     supports.
//   - *jobs.FailedError from an operation's Wait when a move fails or is
//     cancelled, with nova's reason from the instance action; from
//     WaitForMigration, which reads only the record, the error names the
//     migration, its server, source and destination instead
//     ("cloudmigrate: job failed (error): live migration 7 of server ...
//     from compute1 (node compute1) to compute2 (node compute2)").
//   - *NeedsConfirmationError, *NotMovedError, *MigrationNotFoundError and
//     *cloudmigrate.InProgressError from the moves' starts and handles, as
//     described above.
//
// Requests that start, complete, abort, confirm or revert a migration,
// evacuate a server or update a compute service, are sent once: they are repeated only when they
// provably never reached nova (a failed connection) or nova throttled them
// (429). Reads are retried on network errors, 429 and 502 to 504.
package nova
