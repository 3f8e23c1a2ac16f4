// Package ccetest is an in-process fake of Huawei Cloud Cloud Container
// Engine (CCE) for testing code that moves nodes between clusters with
// package cce. It speaks CCE's wire format over HTTP on a local address,
// keeps clusters, nodes and jobs, and runs migration jobs on a clock the
// test controls, so a whole migration takes milliseconds and no cloud.
//
// # Testing your automation
//
// Start a server, describe the clusters and nodes your code expects, and
// point a cce.Client at it:
//
//	srv := ccetest.NewServer()
//	defer srv.Close()
//	srv.AddCluster("cluster-a", "old")
//	srv.AddCluster("cluster-b", "new")
//	srv.AddNode("cluster-a", "node-1", "web-1")
//
//	c, err := cce.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
//
// The clock stands still until you move it. Step it from the progress
// callback of WaitForJob, with short poll intervals:
//
//	job, err := c.WaitForJob(ctx, task.JobID(),
//		jobs.WithInterval(time.Millisecond, 5*time.Millisecond),
//		jobs.WithProgress(func(jobs.Status) { srv.Clock().Advance(time.Minute) }))
//
// or let it run with real time, faster: NewServer(WithRealTime(600)). Then
// check the outcome with ClusterNodes, Node and CheckNodePassword, or over
// HTTP with the node APIs (OpListNodes, OpGetNode), which package cce does
// not wrap.
//
// # What the fake serves
//
//   - OpMigrateNodes, PUT /api/v3/projects/{project_id}/clusters/{cluster_id}/nodes/operation/migrateto/{target_cluster_id}:
//     answers 200 with the accepted task (the spec echoed, the runtime CCE
//     picked filled in, the password masked, status.jobID set).
//   - OpGetJob, GET /api/v3/projects/{project_id}/jobs/{job_id}: the job
//     with one sub-job per node.
//   - OpListNodes, GET /api/v3/projects/{project_id}/clusters/{cluster_id}/nodes:
//     {"kind": "List", "apiVersion": "v3", "items": [...]}, each item
//     {"kind": "Node", "metadata": {"uid", "name"}, "status": {"phase"}}.
//   - OpGetNode, GET /api/v3/projects/{project_id}/clusters/{cluster_id}/nodes/{node_id}:
//     one such node.
//
// # Jobs
//
// A migration job is Initializing for DefaultInitDuration, Running for
// DefaultRunningDuration (see WithJobDurations), then Success. Its
// sub-jobs, one per node in request order, are Initializing and Running
// with it and end one after another at even intervals, the last with the
// job; progress as package cce reports it therefore climbs in even steps.
// A node shows PhaseInstalling in its source cluster while its sub-job
// runs, and moves to the target cluster as PhaseActive, with the login of
// the request, when its sub-job succeeds. Times are written the way CCE
// writes them ("2026-01-02 03:04:05 +0000 UTC", Go's time.String form).
//
// FailNextMigrations makes jobs end Failed: the last sub-job fails, and it
// and the job carry the reason in status.reason; the node of that sub-job
// stays behind in PhaseError.
//
// # Constraints enforced
//
// Answers use CCE's error body {"errorCode", "errorMessage"} and the
// X-Request-Id header, so the SDK reports them as a *cloudmigrate.Error
// with Code, Message and RequestID:
//
//   - 404 cce.CodeNotFound: unknown source or target cluster, a node that
//     is not in the source cluster, an unknown job or node.
//   - 400 cce.CodeBadRequest: a body that is not JSON or not sent as
//     application/json; apiVersion other than "v3" or kind other than
//     "MigrateNodesTask" (both may be left out, as in the API reference's
//     examples); no spec or no spec.os; no nodes, more than 200, an empty
//     or repeated uid; maxPods outside 16 to 256; install scripts not
//     Base64 or longer than 10,240 characters together; an unknown
//     diskType, lvType or runtime; login missing, with neither or both of
//     sshKey and userPassword, or with a password that is not salted (the
//     standard Base64 of a "$6$" SHA-512 crypt string, the form the API
//     reference asks for; plain text is refused so that a client that
//     forgets to salt is caught); the same cluster as source and target; a
//     node already under migration.
//   - 403 cce.CodeForbidden: a project ID in the path other than ProjectID.
//   - 429 cce.CodeThrottled: sent by Throttle.
//
// The rules on the VPC, cluster kinds (Turbo or Standard, DeC, IPv6) and
// node disks that CCE applies are not modelled.
//
// # Credentials
//
// A request is accepted with either of the credentials Huawei Cloud's API
// gateway takes:
//
//   - An AK/SK signature (SDK-HMAC-SHA256) by the key pair of AccessKey
//     and SecretKey, with X-Sdk-Date within 15 minutes of the real time
//     and X-Project-Id set to ProjectID, as the SDK sends with Authorizer;
//     anything else gets 401 APIGW.0301 (CodeBadSignature) in the API
//     gateway's {"error_code", "error_msg"} form.
//   - An IAM token in X-Auth-Token. The fake serves Huawei IAM's token
//     endpoint beside the service: POST /v3/auth/tokens under IAMURL, in
//     the Keystone v3 form, answering 201 with the token in
//     X-Subject-Token. It accepts the user of IAMCredentials (it checks
//     the user name and password, not the user's domain nor the scope
//     asked for), and its tokens are scoped to ProjectID and last 24 hours
//     of real time. IAMAuthorizer returns a ready authorizer:
//     cce.NewClient(srv.URL(), srv.ProjectID(), srv.IAMAuthorizer()). A
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
// tokens).
//
// # Faults
//
// The embedded engine counts calls per operation (Calls) and injects
// faults before the credential check and the handler: Throttle (429 with
// CCE.02429001), FailNext (any status), DropNext (the connection closes
// after the request was read, with no effect on the fake's state) and
// SlowNext.
package ccetest
