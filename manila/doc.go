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
//	check, err := c.CheckMigration(ctx, id, &manila.CheckMigrationRequest{
//		Host: "manila-share-2@netapp1", Writable: true, PreserveSnapshots: true,
//	})
//	if !check.Compatible { ... }
//
//	// 2. Start phase 1 (data copy). The service answers at once.
//	err = c.StartMigration(ctx, id, &manila.StartMigrationRequest{
//		Host: "manila-share-2@netapp1", Writable: true, PreserveSnapshots: true,
//	})
//
//	// 3. Wait until phase 1 is done (task state migration_driver_phase1_done).
//	p, err := c.WaitForMigrationPhase1(ctx, id, jobs.WithProgress(func(s jobs.Status) {
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
// GetMigrationProgress reads the state while the migration runs
// (TotalProgress, TaskState, DestinationShareServerID), and ResetTaskState
// lets an administrator repair a stuck task state. TaskState names every
// state of the flow and says which ones are in progress, phase-one-done,
// terminal or failed. The service lets a migration be completed only at
// migration_driver_phase1_done, and cancelled only at
// migration_driver_in_progress or migration_driver_phase1_done. No share
// on the server may be replicated or in a share group.
//
// # The end of a migration
//
// The service reports progress only for the source of a migration under
// way. As soon as the migration is over, migration_get_progress on the
// source answers 400: after a cancellation or a failure the source is
// active again (task state migration_cancelled or migration_error), after
// a success it is inactive (migration_success). GetShareServer
// (GET /v2/share-servers/{share_server_id}) still shows that end state in
// ShareServer.TaskState and Status, and the waits read it: on a 400 they
// fetch the share server and end on its task state, returning a
// *MigrationProgress made up from it (TotalProgress 100, the destination
// seen on an earlier poll, ShareServer set). A 400 for a share server with
// no ended migration is returned as is. When the inactive source has been
// deleted, the service answers progress for its ID with 100 and the
// destination's ID; the waits read that as success too.
//
// StartShareMigration and its companions drive the older per-share
// migration the same way, one share at a time.
//
// # Requests
//
// Every share-server migration call is a POST to
// {endpoint}/share-servers/{share_server_id}/action (the service's path is
// hyphenated) with the action named in the body. The endpoint is the
// catalog URL as given, with or without the project ID (without it needs
// microversion 2.60; NewClientFromKeystone finds the endpoint for you).
//
// GetShareServer is a plain GET of {endpoint}/share-servers/{share_server_id}.
//
// CheckMigration and GetMigrationProgress change nothing, so the client
// retries them, like GetShareServer, on network errors, throttling and
// 502/503/504. StartMigration,
// CompleteMigration, CancelMigration and ResetTaskState are sent once:
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
//   - *jobs.FailedError from the waits: the migration ended in
//     migration_error or migration_cancelled; its Job field holds the final
//     *MigrationProgress (made up from the share server when the service
//     no longer reported progress; see above), and Status.State is
//     jobs.Failed or jobs.Cancelled.
//
// Context errors come back wrapped, so errors.Is(err,
// context.DeadlineExceeded) holds.
package manila
