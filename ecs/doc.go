// Package ecs cold-migrates Huawei Cloud Elastic Cloud Servers (ECS)
// between dedicated hosts (DeH) and the public resource pool, and follows
// the asynchronous jobs that do the work.
//
// # Flow
//
// A cold migration moves a stopped server. The whole flow is:
//
//  1. Stop the server (ECS "batch stop" action, or the console) and wait
//     until its status is SHUTOFF.
//  2. Call Client.ColdMigrate with the target dedicated host, or with no
//     host to move the server back to the public pool. It returns a job ID
//     as soon as the service accepts the request.
//  3. Call Client.WaitForJob with that ID. It polls Client.GetJob until the
//     job ends and returns the final *Job; a failed job comes back as a
//     *jobs.FailedError carrying the service's code and reason.
//  4. Start the server again if it should run.
//
// For example:
//
//	authz := auth.NewAKSK(os.Getenv("HUAWEICLOUD_SDK_AK"), os.Getenv("HUAWEICLOUD_SDK_SK"))
//	c, err := ecs.NewClient("https://ecs.cn-north-4.myhuaweicloud.com", projectID, authz)
//	if err != nil { ... }
//	res, err := c.ColdMigrate(ctx, serverID, &ecs.ColdMigrateOptions{DedicatedHostID: hostID})
//	if err != nil { ... }
//	job, err := c.WaitForJob(ctx, res.JobID, jobs.WithProgress(func(s jobs.Status) {
//		log.Printf("migration %s: %s", res.JobID, s.Word)
//	}))
//
// The three moves ColdMigrate supports are: from one dedicated host to
// another, from a dedicated host to the public pool, and from the public
// pool to a dedicated host.
//
// # Constraints
//
//   - The API serves dedicated-host scenarios only: the server must be on a
//     dedicated host, or be moved to one.
//   - The server must be stopped (CodeServerNotStopped otherwise) and not
//     locked (CodeServerLocked).
//   - Moving a server to the host it is on is refused (CodeSameHost).
//   - The limits of the underlying native cold migration also apply. Some
//     editions of the service documentation also require the server to be
//     billed pay-per-use.
//   - A server that is not allowed to span NUMA nodes can fail to migrate
//     when no single NUMA node on the target has room for it; that shows up
//     as a failed job, not as a refused request.
//   - Job success means the move is done. Some Huawei clients double-check
//     the server's host afterwards, because jobs have been seen reporting
//     SUCCESS slightly early.
//
// # Requests
//
// Every request carries X-Project-Id with the client's project ID. With
// auth.NewAKSK the request is signed (SDK-HMAC-SHA256) including that
// header; the service refuses a signature dated more than 15 minutes off,
// so keep the clock in sync.
//
// ColdMigrate starts a migration, so it is never repeated after a server
// error or a lost answer, only when it provably did not reach the service
// or the service asked to slow down (HTTP 429 or CodeBusy). GetJob, and so
// WaitForJob, retry network errors, throttling and 502, 503 and 504.
//
// # Errors
//
//   - *cloudmigrate.ValidationError: a bad argument (an empty or malformed
//     server, host, job or project ID, a bad endpoint), caught before
//     anything is sent.
//   - *cloudmigrate.Error: the service refused the call. Code holds the
//     service's code ("Ecs.0114", or "APIGW.0301" for a bad signature),
//     Message its explanation and RequestID the X-Request-Id to quote to
//     support. The Code constants of this package name the codes a cold
//     migration is likely to meet.
//   - *jobs.FailedError: the job ended with FAIL. Status.Code and
//     Status.Message carry the job's error code and reason, and Job the
//     final *Job.
//   - An error matching context.Canceled or context.DeadlineExceeded with
//     errors.Is when the context ends first.
package ecs
