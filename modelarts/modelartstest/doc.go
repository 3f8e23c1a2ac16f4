// Package modelartstest is an in-process fake of the Huawei Cloud ModelArts
// API that package modelarts calls: batch node migration between resource
// pools, the job queries and the pool node list. Use it to test migration
// automation without a cloud account.
//
// # Test your automation
//
// Start a server, seed pools and nodes, and point a modelarts client at
// it with the credentials it accepts:
//
//	srv := modelartstest.NewServer()
//	defer srv.Close()
//	srv.AddPool("pool-src")
//	srv.AddPool("pool-dst")
//	srv.AddNode("pool-src", "node-a", "modelarts.vm.2u4g")
//	srv.AddNode("pool-src", "node-b", "modelarts.vm.2u4g")
//	c, err := modelarts.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
//
// Migrations are jobs on the fake's clock, which stands still unless the
// test moves it (srv.Clock().Advance) or starts it (WithRealTime). A
// convenient way to wait is to advance the clock from the progress
// callback, with short poll intervals:
//
//	job, err := c.WaitForJob(ctx, "pool-src", res.JobID,
//		jobs.WithInterval(time.Millisecond, 5*time.Millisecond),
//		jobs.WithProgress(func(jobs.Status) { srv.Clock().Advance(time.Minute) }))
//
// Then read the target pool through c.ListPoolNodes, or look at the fake's
// state directly with PoolNodes and Job.
//
// # What the fake models
//
// A pool has a name and a cluster name (the pool's own name for a dedicated
// pool; SetPoolCluster sets a lightweight cluster's). Nodes carry the
// cluster name in the label modelarts.LabelCluster, a flavor and a phase.
//
// An accepted migration answers 200 {"job_id": ...} and starts a job whose
// phase is Running for WithJobDurations' two stages (30 s and 3 min by
// default): during the first the nodes show Checking, during the second
// Creating, both still in the source pool. At the end the job is Success
// and the nodes are in the target pool and cluster, Available, with the
// requested flavor (and resourceSpec.nodePool and labels, if given). A job
// made to fail with FailNextMigrations ends Failed with its message, and
// its nodes go back to Available in the source pool. Jobs appear in the
// by-ID query and in the job list of both pools, with start and end times
// in epoch milliseconds.
//
// The node list pages with limit (0 to 500, default 500) and an opaque
// metadata.continue token, and gives metadata.remainingItemCount while more
// pages follow. The job list takes resource=pools, name, type, since,
// until, limit (1 to 500, default 100) and offset, newest jobs first.
//
// # Constraints and errors
//
// Errors use the service's body {"error_code", "error_msg"} and every
// answer carries X-Request-Id. In the order they are checked, a migration
// is refused when:
//
//   - the pool in the path is unknown: 404 ModelArts.50015001
//     (modelarts.CodePoolNotFound);
//   - the body is not JSON or has fields the API does not define,
//     migrateNodeNames is empty or repeats a name, or a cluster name is
//     missing: 400 CodeParameterError;
//   - toPoolName names an unknown pool: 404 ModelArts.50015001;
//   - a cross-pool move has no resourceSpec, or resourceSpec has no
//     flavor: 400 CodeParameterError;
//   - the source pool has fewer than two nodes: 400 CodeTooFewNodes;
//   - a listed node is not in the source pool: 404 CodeNodeNotFound; it is
//     not in fromClusterName: 400 CodeParameterError; it is already being
//     migrated or is not Available: 409 CodeNodeNotMigratable;
//   - toClusterName is not the target pool's cluster (cross-pool), or is
//     fromClusterName (same pool): 400 CodeParameterError;
//   - no node would stay in the source pool: 400 CodeTooFewNodes.
//
// Only ModelArts.50015001 and ModelArts.0104 are codes the service
// documents; the others are the fake's own (see the constants).
//
// # Credentials
//
// A request is accepted with either of the credentials Huawei Cloud's API
// gateway takes (the gateway routes first: a path the fake does not serve
// gets 404 CodeRouteNotFound whatever the credentials):
//
//   - An AK/SK signature by the server's key pair (AccessKey, SecretKey,
//     or Authorizer) within 15 minutes of real time, with X-Project-Id
//     equal to ProjectID; otherwise the answer is 401 APIGW.0301
//     (CodeBadSignature).
//   - An IAM token in X-Auth-Token. The fake serves Huawei IAM's token
//     endpoint beside the service: POST /v3/auth/tokens under IAMURL, in
//     the Keystone v3 form, answering 201 with the token in
//     X-Subject-Token. It accepts the user of IAMCredentials (it checks
//     the user name and password, not the user's domain nor the scope
//     asked for), and its tokens are scoped to ProjectID and last 24 hours
//     of real time. IAMAuthorizer returns a ready authorizer:
//     modelarts.NewClient(srv.URL(), srv.ProjectID(), srv.IAMAuthorizer()). A
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
// The embedded engine counts calls per operation (Calls(OpGetJob)) and
// injects faults: Throttle answers 429 with APIGW.0308, FailNext answers a
// status of your choice, DropNext closes the connection after reading the
// request (which then has no effect), and SlowNext delays the answer.
// WithoutJobByID makes the by-ID job query answer 404, as a service without
// that undocumented route would, so that clients fall back to the job list.
package modelartstest
