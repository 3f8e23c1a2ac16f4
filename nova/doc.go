// Package nova moves servers between hosts with the OpenStack Compute
// (nova) API: it lists the servers on a host, starts live and cold
// migrations, follows them, hurries or stops a live migration, confirms or
// reverts a cold one, and lists the cloud's migration records.
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
// # Draining a host
//
// Emptying a compute host before maintenance is three steps:
//
//  1. ListServers with AllProjects and Host (GET /servers/detail, admin)
//     finds the servers nova has placed on the host, of every project.
//  2. LiveMigrate moves each one (see below), a few at a time; Server.Status
//     tells which can go live (ACTIVE, PAUSED) and which need a cold
//     migration (SHUTOFF).
//  3. WaitForMigration follows each migration to its end. Listing the host
//     again shows what is left.
//
// # Live migration
//
// A live migration moves a running server:
//
//  1. LiveMigrate starts it (POST /servers/{id}/action, os-migrateLive).
//     Nova answers 202 at once; from microversion 2.34 even the pre-checks
//     run afterwards.
//  2. ListServerMigrations finds it: while it is queued, preparing, running
//     or post-migrating it is listed under the server, with its integer ID
//     and the memory and disk byte counters (Migration.Progress).
//  3. If it does not converge (a busy guest keeps dirtying memory),
//     ForceCompleteMigration makes nova finish it (status "running" only),
//     and AbortMigration cancels it (status "running", or from 2.65 also
//     "queued" and "preparing").
//  4. WaitForMigration polls until it ends and returns its final record:
//     "completed" is success, "error" or "failed" a *jobs.FailedError,
//     "cancelled" (aborted) a *jobs.FailedError in State jobs.Cancelled.
//
// # Cold migration
//
// A cold migration moves a server by stopping it (if it runs), copying it
// and starting it on the new host:
//
//  1. Migrate starts it (POST /servers/{id}/action, {"migrate": null}, or
//     with a host from microversion 2.56).
//  2. ListMigrations with InstanceUUID and MigrationType TypeMigration
//     finds its record (cold migrations are never listed under the
//     server).
//  3. WaitForMigration returns when it reaches "finished": the server is
//     then in VERIFY_RESIZE on the new host.
//  4. ConfirmMigration keeps the result; RevertMigration moves the server
//     back.
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
// for Migrate 2.56. Request bodies follow the version too: LiveMigrate
// sends block_migration "auto" by default from 2.25, disk_over_commit only
// before 2.25, force only from 2.30 to 2.67. An operation or field the
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
//   - *jobs.FailedError from WaitForMigration when a migration fails or is
//     cancelled.
//
// Requests that start, complete, abort, confirm or revert a migration are
// sent once: they are repeated only when they provably never reached nova
// (a failed connection) or nova throttled them (429). Reads are retried on
// network errors, 429 and 502 to 504.
package nova
