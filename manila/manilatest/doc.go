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
//	err := c.StartMigration(ctx, id, &manila.StartMigrationRequest{Host: "manila-share-2@netapp2"})
//	step := jobs.WithProgress(func(jobs.Status) { srv.Clock().Advance(time.Minute) })
//	p, err := c.WaitForMigrationPhase1(ctx, id, jobs.WithInterval(time.Millisecond, 5*time.Millisecond), step)
//	done, err := c.CompleteMigration(ctx, id)
//	p, err = c.WaitForMigrationComplete(ctx, id, ...)
//	dest, _ := srv.ShareServer(done.DestinationShareServerID) // dest.Host == "manila-share-2@netapp2"
//
// The second wait ends on the share server's task state: once the
// migration succeeds the source is inactive and, as in Manila, answers
// migration_get_progress with 400.
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
//     answers 300 with v1.0 (DEPRECATED) and v2.0 (CURRENT), GET
//     /share/v2/ 200 with v2.0 alone; v2.0 carries the microversion range,
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
//     exist (a destination before the driver starts, or after its
//     migration was cancelled).
//   - POST /share/v2[/{project_id}]/shares/{id}/action, the per-share
//     migration: migration_start (OpShareStart, 202), migration_get_progress
//     (OpShareProgress, 200), migration_complete (OpShareComplete, 202) and
//     migration_cancel (OpShareCancel, 202).
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
//   - a project ID in the URL equal to ProjectID (400), and a URL without
//     one only from microversion 2.60 (400);
//   - the action's own range, 2.57 and later for share servers, and
//     X-OpenStack-Manila-API-Experimental: True, else 404 itemNotFound.
//     The per-share actions need 2.22 (migration_start's four flags are
//     mandatory from 2.29), the experimental header below 2.96, and
//     migration_get_progress is not routed after 2.97.
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
// migration_check answers compatible, requested_capabilities (the request
// echoed, values as sent) and supported_capabilities. A destination the
// fake does not know, or one that changes nothing (the same back end and
// share network), is incompatible, with every supported capability null.
// Otherwise the destination's BackendCapabilities are reported and decide.
//
// migration_start refuses a move that changes nothing (409) and an unknown
// back end (404 itemNotFound, as Manila's service lookup answers), then
// starts the first phase. The task state goes migration_starting,
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
// under way (status StatusServerMigrating), as Manila does. Before the
// destination exists, the last two are "" (as Manila answers). Any other
// share server gets 400 badRequest ("Invalid share server: Migration
// progress of share server <id> cannot be obtained. The provided share
// server is not being migrated."): one never migrated, a destination,
// and the source once its migration has ended, cancelled, failed or
// succeeded. The end state is then read with GET share-servers/{id}
// (task_state migration_cancelled, migration_error or migration_success,
// status active or inactive), which is what the SDK's waits do. A source
// removed with RemoveShareServer after a successful migration answers 200
// again, with total_progress 100, the destination's ID and a null
// task_state, as Manila answers for a source that is gone.
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
// then migration_cancelled, the source is active again and the
// destination gone.
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
// # Where the fake differs from Manila
//
// Share servers hold no shares here, so the checks on them (replicas,
// share groups, snapshots, access rules) never refuse a migration; no
// share service is ever down (no 409 on progress), and the destination's
// driver supports cancelling and progress reports. The wording of messages
// the fake makes up itself (a URL without project ID, a bad boolean, an
// unknown action) is its own.
package manilatest
