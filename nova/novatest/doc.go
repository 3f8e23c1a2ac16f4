// Package novatest is an in-process fake of an OpenStack cloud's Keystone
// and nova (compute) endpoints, limited to server migrations and the
// server listing that finds what to migrate, for testing code that uses
// package nova without a cloud.
//
// A Server listens on a local address and speaks the services' wire
// format: the same paths, JSON bodies, status codes, fault bodies and
// headers (X-Openstack-Request-Id, the microversion headers). It issues
// and checks Keystone tokens, serves nova's version documents, keeps
// compute hosts, servers and migrations, enforces nova's rules for each
// microversion, and walks every migration through nova's statuses on a
// clock the test controls.
//
// # Test your automation
//
//	srv := novatest.NewServer()
//	defer srv.Close()
//	srv.AddHost("compute1", "compute2")
//	srv.AddServer(serverID, "compute1", novatest.StatusActive)
//
//	c, _ := nova.NewClientFromKeystone(ctx, srv.Authorizer(), "", "")
//	err := c.LiveMigrate(ctx, serverID, &nova.LiveMigrateOptions{Host: "compute2"})
//	migs, _ := c.ListServerMigrations(ctx, serverID)
//	m, err := c.WaitForMigration(ctx, serverID, migs[0].ID,
//		jobs.WithInterval(time.Millisecond, 5*time.Millisecond),
//		jobs.WithProgress(func(jobs.Status) { srv.Clock().Advance(10 * time.Second) }))
//	info, _ := srv.ServerState(serverID) // info.Host == "compute2"
//
// Authorizer returns a Keystone authorizer for the fake's user; the token
// catalog lists compute at Endpoint, so nova.NewClientFromKeystone finds
// it, and nova.NewClient(srv.Endpoint(), srv.Authorizer()) works too.
//
// # Layout
//
// Everything is under URL():
//
//   - /identity/v3/auth/tokens: Keystone (OpIssueToken). Username and
//     Password, scoped to ProjectID (Credentials), get a token; the
//     catalog lists "compute" at Endpoint and "identity" at AuthURL, in
//     Region.
//   - GET /compute/ (OpListVersions) and GET /compute/v2.1/ (OpShowVersion):
//     the version documents, without authentication, stating the range of
//     WithVersions (default DefaultMinVersion to DefaultMaxVersion).
//   - /compute/v2.1: the compute API (Endpoint).
//
// # Operations
//
//   - POST /servers/{server_id}/action: "migrate" (OpMigrate, 202),
//     "os-migrateLive" (OpLiveMigrate, 202), "confirmResize"
//     (OpConfirmResize, 204), "revertResize" (OpRevertResize, 202). Each
//     action is counted and faulted under its own operation; a body that
//     names no known action is OpServerAction (404, or 400 when it is no
//     JSON object with a key).
//   - GET /servers/{server_id}/migrations (OpListServerMigrations, 2.23+)
//     and GET /servers/{server_id}/migrations/{migration_id}
//     (OpGetServerMigration, 2.23+): live migrations in status queued,
//     preparing, running or post-migrating, with the byte counters.
//   - POST /servers/{server_id}/migrations/{migration_id}/action with
//     {"force_complete": null} (OpForceComplete, 2.22+, 202).
//   - DELETE /servers/{server_id}/migrations/{migration_id} (OpAbort, 2.24+,
//     202).
//   - GET /os-migrations (OpListMigrations): every migration, with the
//     filters host, instance_uuid, migration_type, source_compute, status,
//     changes-since (2.59), changes-before (2.66), user_id and project_id
//     (2.80). From 2.59 the list is newest first and paged by limit and
//     marker (a migration's uuid); a full page carries a "next" link in
//     migrations_links.
//   - GET /servers/detail (OpListServers): every server, newest first
//     (the order AddServer saw them, later ones first, when added at the
//     same time), as an admin sees it: id, name (the fake's servers are
//     named by their ID), status, tenant_id (ProjectID), user_id
//     (UserID), created and updated, OS-EXT-SRV-ATTR:host and
//     hypervisor_hostname (the server's current host and its node,
//     which has the host's name), instance_name, OS-EXT-STS:task_state,
//     vm_state and power_state, OS-EXT-AZ:availability_zone ("nova") and,
//     from 2.9, locked (false). The filters are host, node, status (any
//     case), name (a Go regular expression searched in the name; one that
//     does not compile is 400 badRequest), changes-since, and all_tenants
//     with project_id. Every server belongs to ProjectID, the project the
//     fake's tokens are scoped to, so all_tenants changes nothing unless
//     project_id names another project (then nothing is listed). Other
//     parameters are ignored. The list is paged by limit and marker (a
//     server ID; an unknown one is 400 "marker [id] not found"); a full
//     page carries a "next" link in servers_links.
//
// # Microversions
//
// The compute API reads OpenStack-API-Version ("compute 2.80", which wins)
// or X-OpenStack-Nova-API-Version; no header means the minimum, "latest"
// the maximum. A malformed version gets 400 badRequest, one outside the
// range 406 computeFault ("Minimum is A and maximum is B."), one below an
// operation's minimum 404 itemNotFound, as nova answers. Answers repeat the
// version in both headers.
//
// Answers and request bodies follow the version. Migration records carry
// uuid from 2.59 and user_id and project_id from 2.80; /os-migrations adds
// migration_type and, on in-progress live migrations, links from 2.23. An
// os-migrateLive body needs host (a name or null) and block_migration
// (true or false, or "auto" from 2.25), plus disk_over_commit before 2.25;
// force is accepted only from 2.30 to 2.67; any other key is 400. From
// 2.34 the live-migration pre-checks run after the 202, so the source host
// as destination, or no other host, gives a migration in status "error"
// rather than a 400. "migrate" takes null, or from 2.56 {"host": ...}; the
// fake refuses a host before 2.56 with 400 (nova itself ignores it), so a
// host the cloud would ignore is noticed. Unknown query parameters of
// /os-migrations are 400 from 2.59, and any query on the per-server GETs
// from 2.102.
//
// # Migrations
//
// A migration's status is a function of the clock (see Timings and
// DefaultTimings): nothing runs in the background. The clock stands still
// unless the test moves it with Clock().Advance, or starts it with
// WithRealTime (or Clock().Run) at some multiple of real time.
//
// A live migration goes accepted (for Timings.Accepted, zero by default, so
// it is listed under its server at once), queued, preparing, running,
// post-migrating, completed. The server shows MIGRATING (task_state
// migrating) meanwhile, still on its source host in GET /servers/detail,
// and is ACTIVE on the destination once it is completed; the migration then leaves /servers/{id}/migrations but stays
// in /os-migrations. Its memory counters, and for a block migration
// (block_migration true or "auto": the fake's hosts share no storage) its
// disk counters, rise evenly while it runs; they are null before.
//
// force_complete needs the server under live migration (else 409
// conflictingRequest) and the migration running (else 400 badRequest, as
// nova answers); the copy then ends within Timings.ForceComplete. Abort
// needs the server under live migration (else 409) and the migration
// running, or from 2.65 also queued or preparing (else 400); an unknown
// migration is 404. An aborted migration is cancelled at once, its
// counters stop and the server stays on its source.
//
// A cold migration goes pre-migrating, migrating, post-migrating (the
// server shows RESIZE), then finished: the server waits in VERIFY_RESIZE on
// the destination. confirmResize makes it confirming, then confirmed, and
// gives the server back its status (ACTIVE or SHUTOFF) on the destination;
// revertResize makes it reverting (server REVERT_RESIZE), then reverted,
// with the server back on its source. Both need VERIFY_RESIZE (else 409).
//
// Starting a migration needs a known server (else 404), in ACTIVE (live)
// or ACTIVE or SHUTOFF (cold) with no task under way (else 409), and a
// known host when one is named (else 400). Without a host the scheduler
// takes the first other host, in the order AddHost saw them.
//
// FailNextMigrations makes migrations fail: a live one ends "failed"
// halfway through running, a cold one "error" halfway through migrating,
// and the server stays on its source.
//
// # Faults, credentials, errors
//
// Fault bodies are nova's {"<faultName>": {"code": ..., "message": ...}}
// (badRequest, itemNotFound, conflictingRequest, overLimit, computeFault,
// ...), and a 401 is Keystone's {"error": {"code": 401, "title":
// "Unauthorized", ...}}. The engine's faults apply to any operation:
// Throttle answers 429 overLimit with Retry-After and retryAfter, FailNext
// a status of your choice, DropNext closes the connection without the
// request taking effect, SlowNext delays the answer. Calls counts every
// request an operation received, faults included.
//
// Compute requests need a valid X-Auth-Token (WithoutAuth turns the check
// off). Each request is counted, meets its operation's pending fault, and
// then has its token, its microversion and its body checked, in that
// order. Tokens live for a day of real time, as the SDK's Keystone client
// expects; moving the migration clock never expires them. ExpireTokens
// does, so the next calls get 401 and a Keystone authorizer renews its
// token once; TokensIssued counts the tokens.
package novatest
