// Package manilatest is an in-process fake of an OpenStack cloud's Shared
// File Systems (Manila) share-server migration API, with the Keystone
// token endpoint in front of it, for testing code that uses package
// manila without a cloud.
//
// A Server listens on a local address and speaks the services' wire
// format: the same paths, JSON bodies, status codes, fault bodies,
// microversion and X-Openstack-Request-Id headers. It issues and checks
// Keystone tokens, keeps share servers, back ends, share networks and
// shares, enforces Manila's rules, and walks each migration through
// Manila's task states on a clock the test controls.
//
// # Test your automation
//
//	srv := manilatest.NewServer()
//	defer srv.Close()
//	srv.AddShareServer(id, "manila-share-1@netapp1")
//	srv.AddBackend("manila-share-2@netapp2")
//
//	c, _ := manila.NewClientFromKeystone(ctx, srv.Authorizer(), "", "")
//	// or: manila.NewClient(srv.Endpoint(), srv.Authorizer())
//	op, err := c.StartMigration(ctx, id, &manila.StartMigrationOptions{Host: "manila-share-2@netapp2"})
//	step := jobs.WithProgress(func(jobs.Status) { srv.Clock().Advance(time.Minute) })
//	dest, err := op.Wait(ctx, jobs.WithInterval(time.Millisecond, 5*time.Millisecond), step)
//	done, err := c.CompleteMigration(ctx, id) // done.DestinationShareServerID == dest.ID
//	p, err = c.WaitForMigrationComplete(ctx, id, ...)
//	dest, _ := srv.ShareServer(done.DestinationShareServerID) // dest.Host == "manila-share-2@netapp2"
//
// The second wait ends on the share server's task state: once the
// migration succeeds the source is inactive and, as in Manila, answers
// migration_get_progress with 400, until Manila deletes it soon after
// (Durations.Cleanup); from then on its ID answers progress from the
// destination.
//
// The clock stands still unless the test moves it with Clock().Advance, or
// starts it with WithRealTime (or Clock().Run) at some multiple of real
// time. States are computed from the clock on every request, so nothing
// runs in the background.
//
// # What is served
//
// One address (URL) serves:
//
//   - Keystone v3 under /identity: POST /identity/v3/auth/tokens
//     (OpIssueToken) takes the password of Username in domain "Default"
//     and answers 201 with the token in X-Subject-Token and a catalog
//     whose "sharev2" and "shared-file-system" entries (region
//     DefaultRegion, interface public) point at Endpoint. AuthURL is the
//     URL to give auth.NewKeystone; Authorizer returns one ready made.
//   - The version documents (OpVersions, no token needed): GET /share/
//     answers 300 with v2.0 (CURRENT), preceded by v1.0 (DEPRECATED) when
//     the range ends at 2.91 or earlier, as Manila releases up to 2025.2
//     list it; GET /share/v2/ 200 with v2.0 alone; v2.0 carries the microversion range,
//     DefaultMinVersion to DefaultMaxVersion unless WithVersions says
//     otherwise.
//   - POST /share/v2/share-servers/{id}/action, and the same under
//     /share/v2/{project_id}/, with the body naming the action:
//     migration_check (OpCheck, 200), migration_start (OpStart, 202),
//     migration_get_progress (OpProgress, 200), migration_complete
//     (OpComplete, 200), migration_cancel (OpCancel, 202) and
//     reset_task_state (OpResetTaskState, 202).
//   - GET /share/v2/share-servers/{id}, and the same under
//     /share/v2/{project_id}/ (OpGetShareServer, 200): the share server in
//     {"share_server": {...}} with Manila's fields for the microversion
//     asked (task_state and source_share_server_id from 2.57 on, null when
//     unset; created_at and updated_at in Manila's zone-less form). It is
//     not experimental, and answers 404 for a share server that does not
//     exist (a destination before the driver starts, or the source of a
//     successful migration once Manila has deleted it).
//   - GET /share/v2/share-servers, and the same under
//     /share/v2/{project_id}/ (OpListShareServers, 200): every share
//     server in {"share_servers": [...]}, in Manila's summary view (the
//     show's fields without created_at and backend_details), filtered by
//     exact match on the query parameters id, host, status, task_state,
//     source_share_server_id, identifier, share_network_id, share_network
//     and project_id; any other parameter matches nothing, as in Manila.
//   - POST /share/v2[/{project_id}]/shares/{id}/action, the per-share
//     migration: migration_start (OpShareStart, 202), migration_get_progress
//     (OpShareProgress, 200), migration_complete (OpShareComplete, 202) and
//     migration_cancel (OpShareCancel, 202); and from microversion 2.98
//     GET /share/v2[/{project_id}]/shares/{id}/migration-progress
//     (OpShareProgressGet, 200), the same answer as the action's.
//   - GET /share/v2[/{project_id}]/shares/detail (OpListShares, 200):
//     the shares in Manila's detailed view for the microversion asked, as
//     an administrator sees them (host and share_server_id included),
//     newest first, filtered by exact match on share_server_id, host,
//     status, share_network_id and project_id (other filters Manila knows
//     are accepted and change nothing), paged with limit (at most 1000, as
//     Manila's osapi_max_limit) and offset, with a "next" link in
//     shares_links when a page is as long as the limit asked for.
//   - GET /share/v2[/{project_id}]/shares/{id} (OpGetShare, 200), the same
//     view in {"share": {...}}; 404 for an unknown share.
//   - GET /share/v2[/{project_id}]/shares/{id}/instances
//     (OpListShareInstances, 200, microversion 2.3 and later): the share's
//     instances; during a per-share migration the source (migrating) and,
//     from migration_driver_starting on, the copy on the destination pool
//     (migrating_to).
//   - GET /share/v2[/{project_id}]/services from microversion 2.7, and
//     .../os-services up to 2.6 (OpListServices, 200): the scheduler and
//     the data service on ControllerHost and one share service per back
//     end, filtered by host, binary, zone, state and status (a status
//     other than enabled or disabled, or an unknown zone, matches nothing)
//     and from 2.93 by ensuring; disabled_reason from 2.83, ensuring from
//     2.86.
//   - PUT /share/v2[/{project_id}]/services/disable and .../enable (and
//     the /os-services forms up to 2.6; OpDisableService, OpEnableService,
//     200) with {"host", "binary"} and, for disable from 2.83,
//     "disabled_reason" (below 2.83 a reason is 400; one of white space
//     only or longer than 255 characters is 400); an unknown service is
//     404, another action 404. The answer is Manila's since 2024.1: host,
//     binary, status, and disabled_reason from 2.83 and ensuring (null)
//     from 2.86.
//
// Each action has its own operation name, so Calls, Throttle, FailNext,
// DropNext and SlowNext work per action although all share one URL.
//
// # Checks, in Manila's order
//
// Every action request needs a valid X-Auth-Token (401, in Keystone's body
// {"error": {"code", "title", "message"}}, which makes the SDK's Keystone
// authorizer fetch a new token once; ExpireTokens forces that), then:
//
//   - X-OpenStack-Manila-API-Version well formed (400 badRequest; no
//     header means 2.0) and within the fake's range (406, body
//     {"computeFault": {"code": 406, "message": "Version X is not supported
//     by the API. Minimum is A and maximum is B."}});
//   - a project ID in the URL equal to ProjectID (400). A URL without one
//     is routed at every microversion when the fake's maximum (WithVersions)
//     is 2.60 or later, as in Manila from the release that introduced 2.60;
//     with an older maximum there is no such route (404 itemNotFound, before
//     any other check);
//   - the action's own range, 2.57 and later for share servers, and
//     X-OpenStack-Manila-API-Experimental: True, else 404 itemNotFound.
//     The per-share actions need 2.22 (migration_start 2.29, with its
//     four flags mandatory) and the experimental header below 2.96;
//     the migration_get_progress action is not routed after 2.97, and
//     its replacement GET .../shares/{id}/migration-progress not before
//     2.98.
//
// Answers carry X-OpenStack-Manila-API-Version (the version used), Vary
// and, for experimental requests, the experimental header. Errors have
// Manila's body {"<fault>": {"code": N, "message": "..."}} with the fault
// names FaultBadRequest, FaultNotFound, FaultConflict, FaultOverLimit and
// FaultNotAcceptable (computeFault); every answer has an
// X-Openstack-Request-Id.
//
// # Share-server migrations
//
// migration_check and migration_start need host, writable, nondisruptive
// and preserve_snapshots (400 "Must specify all mandatory parameters"),
// flags that are booleans or boolean strings such as "True" (400), a host
// "host@backend" without "#pool" (400) and, when new_share_network_id is
// given, a known share network (400; see AddShareNetwork). The share
// server must exist (404) and be active (409 conflictingRequest).
//
// Both then refuse, as Manila's checks shared by the two do, a move that
// changes nothing (the same back end and share network: 409), an
// unknown back end or one whose share service is disabled (404
// itemNotFound, as Manila's lookup of enabled services answers), and a
// share server with a share that is not available (409).
//
// migration_check answers compatible, requested_capabilities (the request
// echoed, values as sent) and supported_capabilities: the destination's
// BackendCapabilities, which decide compatible. A check without
// new_share_network_id (null is fine) fails with 500 computeFault, as in
// Manila, whose view of the answer needs that key.
//
// migration_start starts the first phase. The task state goes migration_starting,
// migration_in_progress, migration_driver_starting,
// migration_driver_in_progress (the data copy, during which
// total_progress rises from 0 to 100) and migration_driver_phase1_done,
// where it stays; see Durations for how long each lasts. The source's
// status is StatusServerMigrating; the destination share server, a new ID
// on the destination back end, exists from migration_driver_starting on
// with status StatusServerMigratingTo.
//
// migration_get_progress answers total_progress, task_state and
// destination_share_server_id, and only for the source of a migration
// under way (status StatusServerMigrating) once its destination exists,
// as Manila does. Before the destination exists (migration_starting and
// migration_in_progress), and for an ID the fake does not know, the answer
// is 400 badRequest ("Invalid share server: A destination share server
// wasn't found for source share server <id>."), as Manila looks for the
// destination first; the SDK's waits then read the share server and keep
// waiting while it is migrating. Any other share server gets 400
// badRequest ("Invalid share server: Migration
// progress of share server <id> cannot be obtained. The provided share
// server is not being migrated."): one never migrated, a destination,
// and the source once its migration has ended, cancelled, failed or
// succeeded. The end state is then read with GET share-servers/{id}
// (task_state migration_cancelled, migration_error or migration_success,
// status active or inactive), which is what the SDK's waits do. The source
// of a successful migration is deleted Durations.Cleanup after the
// success (or at once with RemoveShareServer); its ID then answers 200
// again, with total_progress 100, the destination's ID and task state
// (migration_success), as Manila answers for a source that is gone.
//
// migration_complete is accepted only at migration_driver_phase1_done
// (else 400 badRequest, "Invalid share server: The first phase of
// migration has to finish ...") and answers the destination's ID; the
// state goes migration_completing, then migration_success: the destination
// is StatusActive on the new back end and the source StatusInactive.
//
// migration_cancel is accepted only at migration_driver_in_progress or
// migration_driver_phase1_done (else 400); the state goes
// migration_cancel_in_progress (the source still StatusServerMigrating),
// then migration_cancelled: the source is active again and the
// destination StatusInactive, with task state migration_cancelled (Manila
// keeps it unless delete_share_server_with_last_share is set).
//
// reset_task_state takes one of the share-server task states Manila
// accepts, or null; the state then stays where it is put, while the
// status is left alone (so a source under way keeps answering progress,
// and a share server that is not migrating keeps answering 400).
//
// A migration that asks for a guarantee the destination lacks (writable,
// nondisruptive or preserve_snapshots) ends in migration_error before the
// driver starts, as a real driver's compatibility check makes it.
// FailNextMigrations makes the next migrations end in migration_error half
// way through the copy, the source active again and the destination
// StatusError; the SDK's waits then get a 400 for the source's progress,
// read the share server and return a *jobs.FailedError.
//
// # Faults
//
// The engine's faults apply to every operation: Throttle answers 429 with
// FaultOverLimit and Retry-After, FailNext answers a status of your choice
// (in Manila's body, the fault named after the status), DropNext closes
// the connection without the request taking effect, SlowNext delays the
// answer. Calls counts every request an operation received, faults and
// refused credentials included.
//
// # Shares, services and disabled back ends
//
// AddServerShare puts a share on a share server; a successful migration
// of the share server moves the share to the destination share server and
// its back end (the pool name kept), and while the share server migrates
// its shares are server_migrating. A share-server migration is refused
// (409) while a share on it is not available, as Manila refuses it. A
// share moved by a per-share migration leaves its share server; the fake
// gives the copy none.
//
// Every back end has a share service. Disabling it through the services
// API makes the back end unusable as a destination, as Manila's lookup of
// enabled share services does: migration_check and migration_start of a
// share server, and the per-share migration_start, to a disabled back end
// answer 404 "Service <host> could not be found.", the answer for an
// unknown back end. The fake creates share servers only as migration
// destinations (it has no share creation), so a disabled back end gets no
// new share server either. Share servers and shares already there stay
// and can be migrated away.
//
// # Where the fake differs from Manila
//
// The fake does not refuse the migration of a share server without shares
// (Manila does), and the checks on shares (replicas, share groups,
// snapshots, access rules) never refuse a migration; no share service is
// ever down (no 409 on progress, every service's state is up), and the
// destination's driver supports cancelling and progress reports. Every
// share is in the fake's one project, of size 1, NFS, of the share type
// DefaultShareTypeID. The services API answers as Manila releases from
// 2024.1 on do; older releases answer an update with "disabled" instead of
// the status. The wording of messages
// the fake makes up itself (a URL without project ID, a bad boolean, an
// unknown action) is its own.
package manilatest
