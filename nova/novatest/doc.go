// Package novatest is an in-process fake of an OpenStack cloud's Keystone
// and nova (compute) endpoints, limited to moving servers (live and cold
// migrations, evacuations), the servers and their instance actions, and
// what finds what to move, for testing code that uses package nova
// without a cloud.
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
//	op, err := c.LiveMigrate(ctx, serverID, &nova.LiveMigrateOptions{Host: "compute2"})
//	res, err := op.Wait(ctx,
//		jobs.WithInterval(time.Millisecond, 5*time.Millisecond),
//		jobs.WithProgress(func(jobs.Status) { srv.Clock().Advance(10 * time.Second) }))
//	// res.Server.Host == "compute2"; srv.Calls(novatest.OpLiveMigrate) == 1
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
//     "os-migrateLive" (OpLiveMigrate, 202), "evacuate" (OpEvacuate, 200),
//     "confirmResize" (OpConfirmResize, 204), "revertResize"
//     (OpRevertResize, 202). Each action is counted and faulted under its
//     own operation; a body that names no known action is OpServerAction
//     (404, or 400 when it is no JSON object with a key).
//   - GET /servers/{server_id} (OpGetServer): the server as
//     GET /servers/detail shows it, plus server_groups (none) from 2.71,
//     and for a server in ERROR its fault.
//   - GET /servers/{server_id}/os-instance-actions (OpListInstanceActions)
//     and GET /servers/{server_id}/os-instance-actions/{request_id}
//     (OpGetInstanceAction): the instance action of every request that
//     created or moved the server (its request_id is the request's
//     X-Openstack-Request-Id), newest first, with limit, marker (a request
//     ID) and changes-since from 2.58 and changes-before from 2.66 (other
//     parameters 400 from 2.58), a "next" link in links for a full page;
//     and one action with its events, as an admin sees them: traceback at
//     every version, host and hostId from 2.62, details from 2.84.
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
//     hidden (no record is hidden: 1 lists none), changes-since (2.59),
//     changes-before (2.66), user_id and project_id (2.80). From 2.59 the
//     list is newest first and paged by limit and marker (a migration's
//     uuid); a full page carries a "next" link in migrations_links.
//   - GET /servers/detail (OpListServers): every server, newest first
//     (the order AddServer saw them, later ones first, when added at the
//     same time), as an admin sees it, with every field nova's response
//     schema of the request's version requires: id, name (the fake's
//     servers are named by their ID), status, tenant_id (ProjectID),
//     user_id (UserID), created and updated, hostId, image (ImageID),
//     flavor (ID "1"; from 2.47 its figures, named FlavorName, with the
//     server's memory and disk), addresses (one fixed IPv4 address on
//     "private"), security_groups, metadata, links, accessIPv4/v6,
//     config_drive, key_name, OS-DCF:diskConfig, OS-SRV-USG:launched_at
//     and terminated_at, os-extended-volumes:volumes_attached (none),
//     progress (for the statuses nova reports it for; the memory copy's
//     while MIGRATING), OS-EXT-SRV-ATTR:host and hypervisor_hostname (the
//     server's current host and its node, which has the host's name),
//     instance_name, OS-EXT-STS:task_state, vm_state and power_state,
//     OS-EXT-AZ:availability_zone ("nova"); from 2.3 the other
//     OS-EXT-SRV-ATTR fields, from 2.9 locked (false), 2.16 host_status
//     ("UP"), 2.19 description, 2.26 tags, 2.63
//     trusted_image_certificates, 2.73 locked_reason, 2.96
//     pinned_availability_zone (all null or empty), 2.98 the image's
//     properties, 2.100 scheduler_hints. The answers validate against
//     nova's and tempest's response schemas. The filters are host, node,
//     status (any case), name (a Go regular expression searched in the
//     name; one that does not compile is 400 badRequest), changes-since,
//     and all_tenants with project_id. Every server belongs to ProjectID,
//     the project the fake's tokens are scoped to, so all_tenants changes
//     nothing unless project_id names another project (then nothing is
//     listed). Other parameters are ignored. The list is paged by limit and marker (a
//     server ID; an unknown one is 400 "marker [id] not found"); a full
//     page carries a "next" link in servers_links.
//   - GET /os-services (OpListServices): the control services of
//     ControllerHost, then a compute service per host, filtered by host and
//     binary (other parameters ignored before 2.75, 400 from 2.75), with
//     integer IDs before 2.53 and UUIDs from 2.53, forced_down from 2.11.
//   - PUT /os-services/{action} before 2.53: enable (OpEnableService),
//     disable (OpDisableService), disable-log-reason
//     (OpDisableServiceLogReason) and, from 2.11, force-down
//     (OpForceDownService), with host and binary in the body; nova's short
//     answers. PUT /os-services/{service_id} from 2.53 (OpUpdateService):
//     status, disabled_reason and forced_down by the service's UUID; the
//     whole record.
//   - GET /os-hypervisors/detail (OpListHypervisors) and
//     GET /os-hypervisors/{hypervisor_id} (OpGetHypervisor): a compute node
//     per host, named like the host, with integer IDs before 2.53 and UUIDs
//     from 2.53; the figures up to 2.87 (see Compute services and
//     hypervisors), uptime from 2.88; limit and marker from 2.33;
//     hypervisor_hostname_pattern and with_servers from 2.53.
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
// Migration records are written as nova on MySQL or MariaDB writes them:
// created_at and updated_at in whole seconds, and dest_host null for a live
// migration (only a cold migration's destination records its IP address).
// RemoveServer deletes a server with its migration records, which then
// leave /os-migrations, as nova's server deletion does.
//
// # Migrations
//
// A migration's status is a function of the clock (see Durations and
// DefaultDurations): nothing runs in the background. The clock stands still
// unless the test moves it with Clock().Advance, or starts it with
// WithRealTime (or Clock().Run) at some multiple of real time.
//
// A live migration goes accepted (for Durations.Accepted, zero by default, so
// it is listed under its server at once), queued, preparing, running,
// post-migrating, completed. The server shows MIGRATING (task_state
// migrating) meanwhile, still on its source host in GET /servers/detail,
// and is ACTIVE on the destination once it is completed; the migration
// then leaves /servers/{id}/migrations but stays in /os-migrations. Its
// memory counters, and for a block migration (block_migration true or
// "auto": the fake's hosts share no storage) its disk counters, rise
// evenly while it runs. Nova's response schema allows each counter to be
// null or at least 1, never 0: they are null before the copy starts, the
// disk counters stay null for a migration that copies no disk, and a
// figure that would be 0 (nothing processed yet, nothing left) is null.
//
// force_complete needs the server under live migration (else 409
// conflictingRequest) and the migration running (else 400 badRequest, as
// nova answers); the copy then ends within Durations.ForceComplete. Abort
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
// takes the first other host whose compute service is up and enabled, in
// the order AddHost saw them.
//
// An evacuation ("evacuate"; see SetHostDown) needs the server's host to
// be down (else 400 "Compute service of ... is still in use."), the server
// ACTIVE, SHUTOFF or ERROR with no task (else 409), a known host when one
// is named (else 404) and not its own (400); the body follows nova's
// schema of the version (onSharedStorage required before 2.14, force from
// 2.29 to 2.67). Its migration goes accepted (Durations.EvacuationAccepted),
// pre-migrating (Durations.Rebuilding; the server shows REBUILD, task_state
// rebuilding), then done, with the server on the destination (SHUTOFF
// from 2.95, else as it was; ERROR becomes ACTIVE); it becomes completed
// when its source host comes back up. Without a host the scheduler takes
// the first other host that is up; when there is none the evacuation ends
// "error". Before 2.14 nova's answer carries the admin password, the one
// given or a generated one.
//
// Each migration's instance action records the events nova's conductor
// and compute services record for that kind of move, each starting and
// finishing with the migration's statuses, and a failure on the event
// that was running, with nova's exception in details and traceback.
//
// FailNextMigrations makes migrations fail: a live one ends "failed"
// halfway through running, a cold one "error" halfway through migrating,
// an evacuation "failed" halfway through its rebuild (the server is then
// in ERROR with a fault), and the server stays on its source.
// FailNextMigrationsWith gives the failure's reason. A live migration whose
// pre-checks fail (its own host, no other host, a host down) ends "error"
// with the pre-check's reason.
//
// WithRecordDelay makes migration records appear late, as a busy conductor
// writes them, and LoseNextRecords makes them never appear while the
// server shows its task state for ever; StrandNextMigrations makes
// migrations end as if they succeeded while the server stays on its
// source. Migration and Migrations report every migration, hidden ones
// included. Answers carry a Date on the fake's clock, the clock of the
// records' times.
//
// # Compute services and hypervisors
//
// Every host has a compute service, which the API (or SetServiceDisabled
// and SetServiceForcedDown) disables, enables and forces down, and
// ComputeService reports. Its state is "down" while it is forced down or
// its heartbeats stopped (SetHostDown), and its hypervisor's state and
// status are the service's. A disabled or down service takes no migration
// the scheduler places: without a host the scheduler skips it; named, the
// migration is recorded and ends "error" at once, without a destination,
// with the scheduler's "No valid host was found." (for a live migration
// before 2.34 the answer is that 400, from 2.34 and for a cold migration
// 202), unless a live migration is forced (force true from 2.30 to 2.67,
// or any named host before 2.30), which only a down service refuses. A
// host that is down moves none of its servers by migration (a live
// migration is recorded and ends "error", "Compute service of ... is
// unavailable at this time.", 400 before 2.34; a cold one is 409), but
// they can be evacuated. Clearing forced_down while an
// evacuation from the host is "done" is 400, as nova refuses it until the
// host's compute service has started again (SetHostDown(host, false) after
// it was down marks such evacuations "completed"). Updating a control
// service is 400, an unknown host 404.
//
// Up to 2.87 each hypervisor has HostVCPUs CPUs, HostMemoryMB of memory and
// HostDiskGB of disk; its servers (those whose host it is: the source
// during a live migration, the destination once a cold one has finished)
// use 2 vCPUs, their memory and disk each, and ReservedHostMemoryMB is
// counted as used. The hostname pattern matches as nova's SQL LIKE does:
// anywhere in the name, in any case, '_' for any one character; nothing
// matched is 404.
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
