// Package manila migrates OpenStack Shared File Systems (Manila) share
// servers, and with them every share and snapshot they hold, from one
// storage back end to another.
//
// # The two-phase flow
//
// A share-server migration is driven by an administrator in two phases.
// The first copies the data while the shares stay available; it can take
// hours. The second switches the shares over to the new share server and
// may briefly disrupt clients. Between the two the migration waits for a
// decision, so the switch-over can happen in a maintenance window:
//
//	c, err := manila.NewClient(endpoint, authz)
//	id := "5bd7c5a8-..." // the share server to move
//
//	// 1. Ask whether the destination can take it, and with which guarantees.
//	check, err := c.CheckMigration(ctx, id, &manila.CheckMigrationOptions{
//		Host: "manila-share-2@netapp1", Writable: true, PreserveSnapshots: true,
//	})
//	if !check.Compatible { ... }
//
//	// 2. Start phase 1 (data copy). The service answers at once; the call
//	//    returns the migration's handle.
//	op, err := c.StartMigration(ctx, id, &manila.StartMigrationOptions{
//		Host: "manila-share-2@netapp1", Writable: true, PreserveSnapshots: true,
//	})
//
//	// 3. Wait until phase 1 is done (task state migration_driver_phase1_done)
//	//    and the destination share server is on the back end asked for.
//	dest, err := op.Wait(ctx, jobs.WithProgress(func(s jobs.Status) {
//		log.Printf("%s %d%%", s.Word, s.Progress)
//	}))
//
//	// 4. Complete (switch over) ... or CancelMigration to abandon it.
//	done, err := c.CompleteMigration(ctx, id)
//
//	// 5. Wait for migration_success; the shares now live on
//	//    done.DestinationShareServerID.
//	p, err = c.WaitForMigrationComplete(ctx, id)
//
// # Operation handles
//
// StartMigration and StartShareMigration return a *jobs.Operation, the
// handle that follows the move to the end of its first phase: Poll makes
// one step (at most two requests) and never waits, for controllers that
// must not block; Wait polls until the end and succeeds only once the
// move is confirmed (for a share server, the destination share server on
// the back end asked for; for a share, its copy on the pool asked for, or
// the share there after a completion); a failed or cancelled migration is
// a *jobs.FailedError whose message has the task state and status; Abort
// cancels it. ResumeToken gives compact text, without secrets, from which
// ResumeMigration or ResumeShareMigration rebuild the handle in another
// process. The handle is the way to follow a migration;
// WaitForMigrationPhase1 and WaitForMigrationComplete remain, as waits on
// the progress records, and WaitForMigrationComplete follows the second
// phase after CompleteMigration.
//
// Starting a share server or a share that is already migrating adopts the
// migration in flight: the call reads the resource first (one GET), and
// when its status or task state shows a migration under way or waiting at
// the end of phase 1, returns the handle on it with a
// *cloudmigrate.InProgressError (errors.Is(err, cloudmigrate.ErrInProgress)
// holds) and sends no start. The service sets the task state when it
// accepts a start, so every accepted migration is seen; what the read
// cannot see is a start sent by someone else in the moment between the
// read and this call's start, and the service refuses that second start
// (the share server is no longer active, the share is busy). A migration
// that has ended is not adopted.
//
// # Emptying a back end
//
// Before a back end is emptied, DisableService stops the scheduler from
// placing new shares and share servers on it (with a reason from
// microversion 2.83); the service then also refuses to migrate anything
// to it. ListShareServers with Host lists its share servers, ListShares
// with ShareServerID the shares each one holds; each share server is then
// migrated as above, and EnableService puts the back end back in service.
// ListServices shows the services with their status and state.
//
// GetMigrationProgress reads the state while the migration runs
// (TotalProgress, TaskState, DestinationShareServerID), and ResetTaskState
// lets an administrator repair a stuck task state. TaskState names every
// state of the flow and says which ones are in progress, phase-one-done,
// terminal or failed. The service lets a migration be completed only at
// migration_driver_phase1_done, and cancelled only at
// migration_driver_in_progress or migration_driver_phase1_done. No share
// on the server may be replicated or in a share group.
//
// # Cancelling a migration
//
// The decision between the phases can also be to abandon the move. A
// migration can be cancelled while its data is copied (task state
// migration_driver_in_progress) or once phase 1 is done and it waits for
// the switch-over (migration_driver_phase1_done), and only when the
// destination's driver supports it: CheckMigration says so in
// SupportedCapabilities.MigrationCancel. In any other state the service
// answers 400, and nothing changes.
//
//	// 1. Before starting: can the destination's driver cancel?
//	check, err := c.CheckMigration(ctx, id, opts)
//	canCancel := check.SupportedCapabilities.MigrationCancel != nil && *check.SupportedCapabilities.MigrationCancel
//
//	// 2. Cancel. The service answers 202 at once; the task state goes
//	//    migration_cancel_in_progress, then migration_cancelled.
//	err = c.CancelMigration(ctx, id)
//
//	// 3. Wait for the end. A cancelled migration ends the wait with a
//	//    *jobs.FailedError whose Status.State is jobs.Cancelled.
//	_, err = c.WaitForMigrationComplete(ctx, id)
//	var failed *jobs.FailedError
//	if errors.As(err, &failed) && failed.Status.State == jobs.Cancelled {
//		p := failed.Job.(*manila.MigrationProgress) // TaskState migration_cancelled
//	}
//
// Nothing was switched over: the shares stay on the source share server,
// whose status is active again, and no switch-over disrupted clients. Like the
// other actions that change a migration, CancelMigration is sent once;
// after a 5xx or a lost connection, read the progress (GetMigrationProgress
// or GetShareServer) before sending it again. Example (cancel) runs the
// whole flow on the fake. CancelShareMigration cancels a per-share
// migration (see below) the same way; GetShareMigrationProgress then shows
// the share's task state.
//
// # The end of a migration
//
// The service reports progress only for the source of a migration under
// way. As soon as the migration is over, migration_get_progress on the
// source answers 400: after a cancellation or a failure the source is
// active again (task state migration_cancelled or migration_error), after
// a success it is inactive (migration_success) and deleted soon after.
// GetShareServer (GET /v2/share-servers/{share_server_id}) still shows
// that end state in ShareServer.TaskState and Status, and the waits read
// it: on a 400 they fetch the share server and end on its task state,
// returning a *MigrationProgress made up from it (TotalProgress 100, the
// destination seen on an earlier poll, ShareServer set). Once the source
// of a successful migration has been deleted, the service answers
// progress for its ID with 100 and the destination's ID and task state;
// the waits read that as success too.
//
// The service answers 400 at the start as well, until it has created the
// destination share server. The waits read the share server then too,
// and go on while it is migrating (status server_migrating), so a wait can
// follow StartMigration at once. A 400 for a share server that is neither
// migrating nor at the end of a migration is returned as is.
//
// StartShareMigration and its companions drive the older per-share
// migration the same way, one share at a time. They are posted to
// {endpoint}/shares/{share_id}/action, except GetShareMigrationProgress
// from microversion 2.98 on, which is a GET of
// {endpoint}/shares/{share_id}/migration-progress: the service routes the
// action only up to 2.97 and the GET only from 2.98, and the client uses
// whichever the version in use allows.
//
// # Requests
//
// Every share-server migration call is a POST to
// {endpoint}/share-servers/{share_server_id}/action (the service's path is
// hyphenated) with the action named in the body. The endpoint is the
// catalog URL as given, with or without the project ID (without it, the
// service must be of the release that introduced microversion 2.60 or
// later, which routes such URLs at every microversion; NewClientFromKeystone
// finds the endpoint for you).
//
// GetShareServer is a plain GET of {endpoint}/share-servers/{share_server_id},
// ListShareServers of {endpoint}/share-servers; GetShare and ListShares
// read {endpoint}/shares/{share_id} and {endpoint}/shares/detail.
// ListServices, DisableService and EnableService use {endpoint}/services
// (GET, PUT .../disable, PUT .../enable) from microversion 2.7 on and
// {endpoint}/os-services below it.
//
// CheckMigration and GetMigrationProgress change nothing, so the client
// retries them, like GetShareServer and every other GET, on network
// errors, throttling and 502/503/504. StartMigration, StartShareMigration,
// CompleteMigration, CancelMigration, ResetTaskState, DisableService and
// EnableService are sent once:
// they are repeated only if the connection could not be made at all or the
// service answered 429. After a 5xx or a dropped connection, read the
// progress before trying again.
//
// # Microversions and the experimental header
//
// Share-server migration exists from microversion 2.57 on, and Manila
// still marks it experimental: every call carries
// X-OpenStack-Manila-API-Version (the version in use) and
// X-OpenStack-Manila-API-Experimental: True. Without the latter the
// service answers 404. GetShareServer is not experimental and sends only
// the version; the share server's TaskState and SourceShareServerID come
// from 2.57 on.
//
// By default the client negotiates the version on first use, once: it
// reads the service's version document and takes the highest version both
// the service and this package (MaxMicroversion) support.
// cloudmigrate.WithMicroversion or Client.WithMicroversion pins a version
// instead, and nothing is discovered. An operation whose minimum is above
// the version in use fails before anything is sent, with a
// *cloudmigrate.VersionError naming the operation, the version it needs,
// the version in use and, when known, the service's range. A version the
// service refuses (HTTP 406) is also reported as a *cloudmigrate.VersionError,
// wrapping the service's answer.
//
// # Errors
//
//   - *cloudmigrate.ValidationError: bad input caught before sending (an
//     empty or malformed share-server ID, a destination that is not
//     host@backend or names a pool, a task state the service does not
//     accept). Field names the argument or JSON field.
//   - *cloudmigrate.VersionError: see above.
//   - *cloudmigrate.Error: any other answer outside the expected status,
//     with the service's fault name as Code ("itemNotFound", "badRequest",
//     "conflictingRequest"), its Message and the X-Openstack-Request-Id as
//     RequestID. cloudmigrate.IsNotFound and IsConflict test for the usual
//     ones. The service answers 400 to a migration it cannot start or an
//     action in the wrong state, and 409 when the share service is down or
//     the share server is busy.
//   - *cloudmigrate.InProgressError from StartMigration and
//     StartShareMigration, together with the handle of the migration
//     already under way (see above).
//   - *jobs.FailedError from the handles: the migration ended in
//     migration_error or migration_cancelled, or reported the end of a
//     phase without the resource where it was asked to go; Status.Message
//     says which, Job holds the last *ShareServer or *Share read.
//   - *jobs.FailedError from the waits: the migration ended in
//     migration_error or migration_cancelled; its Job field holds the final
//     *MigrationProgress (made up from the share server when the service
//     no longer reported progress; see above), and Status.State is
//     jobs.Failed or jobs.Cancelled.
//
// Context errors come back wrapped, so errors.Is(err,
// context.DeadlineExceeded) holds.
package manila
