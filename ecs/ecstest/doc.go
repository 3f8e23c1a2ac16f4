// Package ecstest is an in-process fake of the Huawei Cloud ECS cold
// migration API, for testing code that uses package ecs without a cloud
// account.
//
// A Server listens on a local address and speaks the service's wire
// format: the same paths, JSON bodies, status codes, error bodies and
// X-Request-Id header. It checks AK/SK signatures (with the X-Project-Id
// header) or IAM tokens, which it issues itself, keeps servers, dedicated hosts and jobs, enforces the documented
// constraints, and walks each migration job through INIT, RUNNING and
// SUCCESS (or FAIL) on a clock the test controls.
//
// # Test your automation
//
//	srv := ecstest.NewServer()
//	defer srv.Close()
//	srv.AddHost(hostA, hostB)
//	srv.AddServer(ecstest.ServerInfo{ID: serverID, Status: ecstest.StatusShutoff, HostID: hostA})
//
//	c, _ := ecs.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
//	res, err := c.ColdMigrate(ctx, serverID, &ecs.ColdMigrateOptions{DedicatedHostID: hostB})
//	// ...
//	job, err := c.WaitForJob(ctx, res.JobID,
//		jobs.WithInterval(time.Millisecond, 5*time.Millisecond),
//		jobs.WithProgress(func(jobs.Status) { srv.Clock().Advance(time.Minute) }))
//	// ...
//	info, _ := srv.ServerState(serverID) // info.HostID == hostB
//
// The clock stands still unless the test moves it with Clock().Advance, or
// starts it with WithRealTime (or Clock().Run) at some multiple of real
// time. A job is INIT for DefaultInitDuration, RUNNING for
// DefaultRunningDuration (see WithJobDurations), then SUCCESS; the server's
// host changes at that moment. Job states are computed from the clock on
// every request, so nothing runs in the background.
//
// # Operations
//
//   - OpColdMigrate: POST /v1/{project_id}/cloudservers/{server_id}/migrate
//     with {"migrate": {"dedicated_host_id": "..."}}, or {"migrate": null}
//     for the public resource pool. An accepted request gets HTTP 200 and
//     {"job_id": "..."}.
//   - OpGetJob: GET /v1/{project_id}/jobs/{job_id}. The job has job_id,
//     job_type (JobTypeMigrate), status, begin_time, end_time (""
//     until the job ends), error_code and fail_reason (null unless it
//     failed) and entities{server_id, sub_jobs_total, sub_jobs}. The job
//     has one sub-job, for its server, from the moment it starts RUNNING;
//     an INIT job has no sub_jobs yet. Times look like
//     "2016-04-25T20:04:47.591Z".
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
//   - A migration of the server is still under way: 501 ecs.CodeBusy (the
//     SDK resends such a request a few times, as the service asks).
//   - Locked server (LockServer): 400 ecs.CodeServerLocked.
//   - Server not stopped: 400 ecs.CodeServerNotStopped. The service's
//     error table gives HTTP 400 for this code; the fake follows it.
//   - Unknown dedicated host: 400 CodeInvalidParameter.
//   - A move from the public pool to the public pool (the API serves
//     dedicated-host moves only): 400 CodeInvalidParameter.
//   - The server is already on the target host: 400 ecs.CodeSameHost.
//
// An unknown job ID gets 404 CodeInvalidParameter; the service documents
// no code of its own for it.
//
// # Failures on request
//
// FailNextMigrations makes the next migrations end FAIL with a given code
// and reason; WaitForJob then returns a *jobs.FailedError carrying them.
// The engine's faults apply to any operation: Throttle answers 429
// CodeThrottled in the API gateway's body {"error_code", "error_msg"},
// FailNext answers a status of your choice, DropNext closes the connection
// without the request taking effect, SlowNext delays the answer. Calls
// counts every request an operation received, faults included.
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
