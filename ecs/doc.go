// Package ecs cold-migrates Huawei Cloud Elastic Cloud Servers (ECS)
// between dedicated hosts (DeH) and the public resource pool, stops and
// starts them around the move, and follows the asynchronous jobs that do
// the work. Package ecs/deh reads the dedicated hosts themselves: their
// state, free capacity and servers.
//
// # Flow
//
// A cold migration moves a stopped server. Every call that starts work
// returns a handle, a *jobs.Operation[*Job]:
//
//  1. Client.StopServers stops the server; its handle's Wait returns when
//     the job has succeeded and the server is SHUTOFF.
//  2. Client.ColdMigrate moves it to a dedicated host, or to the public
//     pool when no host is named; its handle's Wait returns when the job
//     has succeeded and the server is on the target.
//  3. Client.StartServers starts it again, if it should run.
//
// For example:
//
//	authz := auth.NewAKSK(os.Getenv("HUAWEICLOUD_SDK_AK"), os.Getenv("HUAWEICLOUD_SDK_SK"))
//	c, err := ecs.NewClient("https://ecs.cn-north-4.myhuaweicloud.com", projectID, authz)
//	if err != nil { ... }
//	stop, err := c.StopServers(ctx, []string{serverID}, nil)
//	if err != nil { ... }
//	if _, err := stop.Wait(ctx); err != nil { ... }
//	op, err := c.ColdMigrate(ctx, serverID, &ecs.ColdMigrateOptions{DedicatedHostID: hostID})
//	if err != nil { ... }
//	token, err := op.ResumeToken() // save it to follow the move from another process
//	job, err := op.Wait(ctx, jobs.WithProgress(func(s jobs.Status) {
//		log.Printf("migration %s: %s", op.ID(), s.Word)
//	}))
//
// The handle is the way to follow a move: Poll makes one step (for
// controllers that must not block), Wait polls to the end, ResumeToken
// gives text from which ResumeColdMigration (or ResumeServerAction, for a
// stop or start) rebuilds the handle in another process. WaitForJob stays
// for a job ID obtained elsewhere; it follows the job alone and checks no
// server.
//
// The three moves ColdMigrate supports are: from one dedicated host to
// another, from a dedicated host to the public pool, and from the public
// pool to a dedicated host. GetServer shows where a server is
// (Server.DedicatedHostID) and what it is doing (Status, TaskState);
// ListServers finds servers by status, flavor, name or ID.
//
// # What a handle checks, and what a poll costs
//
//   - ColdMigrate: one request a poll while the job runs (the job), two
//     when it has ended with SUCCESS (the job, then the server), then one
//     (the server) until the server has settled. Wait succeeds only when
//     the server, no longer resizing, is on the target host (or on none,
//     for the pool): ECS has been seen reporting SUCCESS early.
//   - StopServers, StartServers: one request a poll while the job runs,
//     two at its end (the job, then one listing of at most
//     MaxServersPerAction servers by ID), then one until no server has a
//     task under way. Wait succeeds only when every server is SHUTOFF, or
//     ACTIVE.
//
// A failed job ends the wait with a *jobs.FailedError whose Status.Code
// and Status.Message are the failed sub-job's error_code and fail_reason
// (or the job's own, then the job's code and message) and whose Job is
// the final *Job. A job that reports SUCCESS while a server is elsewhere,
// in another status, in ERROR (then Code and Message are its fault's) or
// gone is a *jobs.FailedError too, with the job's word SUCCESS and a
// message that says so. ECS cannot cancel these jobs: Abort returns
// jobs.ErrCannotAbort.
//
// # Adopting a move already under way
//
// ColdMigrate reads the server first (one request). When the server shows
// a move under way (status RESIZE, VERIFY_RESIZE, REVERT_RESIZE or
// MIGRATING, or a resize_ or migrating task state), it sends no second
// migration and returns a handle on the move in flight with a
// *cloudmigrate.InProgressError (errors.Is(err, cloudmigrate.ErrInProgress)
// holds). ECS does not tell which job moves a server, so that handle
// follows the server alone and has no job. What cannot be seen: a
// migration accepted moments ago whose job has not touched the server yet;
// the service refuses the second start with CodeBusy, so nothing is
// started twice.
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
//     as a failed job, not as a refused request. Check the target's free
//     capacity with package ecs/deh first.
//
// # Requests
//
// Every request carries X-Project-Id with the client's project ID. With
// auth.NewAKSK the request is signed (SDK-HMAC-SHA256) including that
// header; the service refuses a signature dated more than 15 minutes off,
// so keep the clock in sync.
//
// ColdMigrate, StopServers and StartServers change servers, so they are
// never repeated after a server error or a lost answer, only when they
// provably did not reach the service or the service asked to slow down
// (HTTP 429 or CodeBusy). The reads (GetServer, ListServers, GetJob, and so
// every poll) retry network errors, throttling and 502, 503 and 504.
//
// # Errors
//
//   - *cloudmigrate.ValidationError: a bad argument (an empty or malformed
//     server, host, job or project ID, a bad endpoint, a bad resume
//     token), caught before anything is sent.
//   - *cloudmigrate.Error: the service refused the call. Code holds the
//     service's code ("Ecs.0114", or "APIGW.0301" for a bad signature),
//     Message its explanation and RequestID the X-Request-Id to quote to
//     support. The Code constants of this package name the codes a cold
//     migration is likely to meet.
//   - *cloudmigrate.InProgressError: ColdMigrate adopted a move already
//     under way (the handle is returned with it).
//   - *jobs.FailedError: a job ended with FAIL, or reported SUCCESS while
//     the servers were not where or as asked.
//   - An error matching context.Canceled or context.DeadlineExceeded with
//     errors.Is when the context ends first.
package ecs
