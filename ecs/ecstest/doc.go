// Package ecstest is an in-process fake of the Huawei Cloud ECS API of
// cold migrations (with the server reads, stops and starts around them)
// and of the Dedicated Host (DeH) API, for testing code that uses packages
// ecs and ecs/deh without a cloud account.
//
// A Server listens on a local address and speaks the services' wire
// format: the same paths, JSON bodies, status codes, error bodies and
// X-Request-Id header. It checks AK/SK signatures (with the X-Project-Id
// header) or IAM tokens, which it issues itself, keeps servers, dedicated
// hosts and jobs in one consistent state, enforces the documented
// constraints, and walks each job through INIT, RUNNING and SUCCESS (or
// FAIL) on a clock the test controls.
//
// # Test your automation
//
//	srv := ecstest.NewServer()
//	defer srv.Close()
//	srv.AddHost(hostA, hostB)
//	srv.AddServer(ecstest.ServerInfo{ID: serverID, Status: ecstest.StatusShutoff, HostID: hostA})
//
//	c, _ := ecs.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
//	op, err := c.ColdMigrate(ctx, serverID, &ecs.ColdMigrateOptions{DedicatedHostID: hostB})
//	// ...
//	job, err := op.Wait(ctx,
//		jobs.WithInterval(time.Millisecond, 5*time.Millisecond),
//		jobs.WithProgress(func(jobs.Status) { srv.Clock().Advance(time.Minute) }))
//	// ...
//	info, _ := srv.ServerState(serverID) // info.HostID == hostB
//
// The clock stands still unless the test moves it with Clock().Advance, or
// starts it with WithRealTime (or Clock().Run) at some multiple of real
// time. Every job is INIT for DefaultInitDuration; a cold migration is
// then RUNNING for DefaultRunningDuration, a stop or start for
// DefaultActionDuration (see WithDurations),
// then SUCCESS or FAIL. The servers change when the job ends, or
// WithSettleDelay later for a migration. Job states are computed from the
// clock on every request, so nothing runs in the background.
//
// # One state for both APIs
//
// A server's status, task state and host, and a host's free capacity and
// servers, follow the jobs:
//
//   - During a cold migration's INIT the server shows nothing yet (status
//     SHUTOFF, no task state), as ECS shows no job of a server; from
//     RUNNING until it settles it shows StatusResize with
//     TaskResizeMigrating (TaskResizeFinish after the job has ended, within
//     the settle delay). It then shows SHUTOFF on the target, and the DeH
//     API lists it on the target host instead of the source. The target's
//     capacity is taken from the moment the migration is accepted.
//   - A stop shows TaskPoweringOff on the running server while its job
//     runs, then SHUTOFF; a start TaskPoweringOn, then ACTIVE.
//   - A server with a job under way (a migration, a stop or a start)
//     refuses another with 501 ecs.CodeBusy; StopServer and StartServer,
//     the test's own shortcuts, refuse it too.
//   - A running server cannot be cold-migrated (ecs.CodeServerNotStopped);
//     stopped, it can, and then started.
//
// # Operations
//
// Operation names are what Calls counts and what Throttle, FailNext,
// DropNext and SlowNext target:
//
//   - OpColdMigrate: POST /v1/{project_id}/cloudservers/{server_id}/migrate
//     with {"migrate": {"dedicated_host_id": "..."}}, or {"migrate": null}
//     for the public resource pool. An accepted request gets HTTP 200 and
//     {"job_id": "..."}.
//   - OpGetJob: GET /v1/{project_id}/jobs/{job_id}. The job has job_id,
//     job_type (JobTypeMigrate, JobTypeStop or JobTypeStart), status,
//     begin_time, end_time ("" until the job ends), error_code and
//     fail_reason (null unless it failed) and entities{server_id (for a
//     migration; a batch job names none), sub_jobs_total, sub_jobs}; a
//     failed job also has code and message (CodeSubJobFailed). The job has
//     one sub-job per server from the moment it starts RUNNING; an INIT job
//     has no sub_jobs yet. A failed migration carries its failure in the
//     job's error_code and fail_reason too; a failed batch job in its
//     failed sub-jobs only. Times look like "2016-04-25T20:04:47.591Z".
//   - OpGetServer: GET /v1/{project_id}/cloudservers/{server_id}, with
//     the fields of the ECS reference's example (the fake keeps no
//     networks, disks or tags: those fields are empty). The dedicated host
//     is in os:scheduler_hints, an empty object for the public pool; the
//     task state is null when no task runs; fault is set in StatusError.
//   - OpListServers: GET /v1/{project_id}/cloudservers/detail, in the
//     order the servers were added, limit (default 25, at most 1000) a
//     page, offset counting pages from 1, with the total in count. It
//     filters by name (a substring in which "." is any character), status,
//     flavor and server_id (comma-separated; it overrides the other
//     filters and lists an unknown ID with only id and fault set). The
//     fake's servers have no addresses, tags or batch reservations, so ip,
//     ip_eq, tags and reservation_id match none; all are in enterprise
//     project DefaultEnterpriseProjectID.
//   - OpStopServers and OpStartServers: POST /v1/{project_id}/cloudservers/action
//     with {"os-stop": {"type": ..., "servers": [{"id": ...}]}} or
//     {"os-start": {"servers": [...]}}, answered 200 {"job_id": "..."}. A
//     body that names neither (or both) counts as OpServerAction and is
//     refused.
//   - OpListDedicatedHosts: GET /v1.0/{project_id}/dedicated-hosts, with
//     total and the free capacity of each host; OpGetDedicatedHost:
//     GET /v1.0/{project_id}/dedicated-hosts/{dedicated_host_id}, with
//     instance_uuids; OpListHostServers:
//     GET /v1.0/{project_id}/dedicated-hosts/{dedicated_host_id}/servers.
//     They are paged by limit and marker in the order of IDs; a marker
//     that is not in the list gets 400. The host list filters by
//     dedicated_host_id, name, host_type, host_type_name, flavor (among
//     the host's Flavors), state, availability_zone, instance_uuid and
//     changes-since (hosts added since); the fake's hosts have no tags and
//     none is released, so tags and released_at match none. Pass
//     DedicatedHostURL (the same address) to deh.NewClient.
//
// # Constraints
//
// A cold migration is refused, with the service's error body
// {"error": {"code": "...", "message": "..."}}, checked in this order:
//
//   - The project in the path is not ProjectID: 400 CodeProjectMismatch.
//   - The body is not a JSON object, has no "migrate" key, or "migrate" is
//     neither null nor an object with only dedicated_host_id: 400
//     CodeInvalidParameter.
//   - Unknown server: 404 ecs.CodeServerNotFound.
//   - A job (migration, stop or start) is still under way on the server:
//     501 ecs.CodeBusy (the SDK resends such a request a few times, as
//     the service asks).
//   - Locked server (LockServer): 400 ecs.CodeServerLocked.
//   - Server not stopped: 400 ecs.CodeServerNotStopped. The service's
//     error table gives HTTP 400 for this code; the fake follows it.
//   - Unknown dedicated host, or one in HostFault: 400
//     CodeInvalidParameter.
//   - A move from the public pool to the public pool (the API serves
//     dedicated-host moves only): 400 CodeInvalidParameter.
//   - The server is already on the target host: 400 ecs.CodeSameHost.
//
// An accepted migration to a host without the vCPUs or memory its flavor
// needs ends FAIL with CodeNoCapacity and a reason giving both figures.
// Flavors are sized by their name (see ServerInfo.Flavor).
//
// A batch stop or start is refused for a body that is not a valid action
// (400 CodeInvalidParameter: no servers, a server listed twice, a type
// other than SOFT or HARD, or a type on a start), more than 1000 servers
// (400 ecs.CodeTooManyServers), an unknown server (404) or one with a job
// under way (501 ecs.CodeBusy). Otherwise it is accepted, and each
// server's sub-job fails on its own: with ecs.CodeServerLocked for a
// locked server, and with ecs.CodeServerNotStopped (the service's "status
// does not meet requirements") for a stop of a server that is not ACTIVE
// or a start of one that is not SHUTOFF. The service does not document
// this case; the fake follows the rule ECS applies to cold migrations.
//
// An unknown job ID gets 404 CodeInvalidParameter; the service documents
// no code of its own for it. An unknown dedicated host gets 404
// CodeDedicatedHostNotFound.
//
// # Failures on request
//
// FailNextMigrations makes the next migrations end FAIL with a given code
// and reason; the handle's Wait then returns a *jobs.FailedError carrying
// them. StrandNextMigrations makes the next migrations report SUCCESS
// while the server stays where it was (or is left in ERROR with a fault),
// so that a test sees the handle catch it. The engine's faults apply to
// any operation: Throttle answers 429 CodeThrottled in the API gateway's
// body {"error_code", "error_msg"}, FailNext answers a status of your
// choice, DropNext closes the connection without the request taking
// effect, SlowNext delays the answer. Calls counts every request an
// operation received, faults included: a test can check that a start was
// sent once.
//
// # Credentials
//
// A request is accepted with either of the credentials Huawei Cloud's API
// gateway takes:
//
//   - An AK/SK signature (SDK-HMAC-SHA256) by AccessKey and SecretKey,
//     with X-Project-Id: ProjectID, as the SDK sends with Authorizer; a
//     missing or wrong signature, an unknown key or another project is
//     refused with 401 CodeBadSignature. The 15-minute window of X-Sdk-Date
//     is checked against real time, since the SDK signs with the real
//     clock: moving the job clock never invalidates a signature.
//   - An IAM token in X-Auth-Token. The fake serves Huawei IAM's token
//     endpoint beside the service: POST /v3/auth/tokens under IAMURL, in
//     the Keystone v3 form, answering 201 with the token in
//     X-Subject-Token. It accepts the user of IAMCredentials (it checks
//     the user name and password, not the user's domain nor the scope
//     asked for), and its tokens are scoped to ProjectID and last 24 hours
//     of real time. IAMAuthorizer returns a ready authorizer:
//     ecs.NewClient(srv.URL(), srv.ProjectID(), srv.IAMAuthorizer()). A
//     request with a token needs no X-Project-Id; if it carries one, it
//     must be ProjectID, or it is refused with 401 CodeBadSignature as a
//     signed request would be (the fake's choice: the service does not
//     document this case). An expired token gets 401 APIGW.0307, a token
//     the fake never issued 401 CodeBadSignature.
//
// ExpireTokens expires every token issued so far, to test that your code
// renews its token (the SDK's authorizer does it once and replays the
// refused request); TokensIssued counts the tokens. Token requests are
// counted by Calls under "IssueToken", and a fault set for any operation
// ("") can hit them too.
//
// WithoutAuth turns both checks off (the token endpoint still issues
// tokens), and WithCredentials sets another key pair and project.
package ecstest
