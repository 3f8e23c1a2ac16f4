// Package modelartstest is an in-process fake of the Huawei Cloud ModelArts
// API that package modelarts calls: batch node migration between resource
// pools, the job queries, the pool list and details, the pool node list,
// and node lock, unlock and drain. Use it to test migration automation
// without a cloud account.
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
//	op, err := c.BatchMigrateNodes(ctx, "pool-src", req)
//	job, err := op.Wait(ctx,
//		jobs.WithInterval(time.Millisecond, 5*time.Millisecond),
//		jobs.WithProgress(func(jobs.Status) { srv.Clock().Advance(time.Minute) }))
//
// The handle's Wait already confirms that the nodes are Available in the
// target pool; look at the fake's state directly with PoolNodes, Job,
// NodeLocked and NodeDrained, and count the requests of each operation with
// Calls (a second BatchMigrateNodes of nodes already moving adopts the
// move: Calls(OpBatchMigrateNodes) stays 1).
//
// # What the fake models
//
// A pool has a name and a cluster name (the pool's own name for a dedicated
// pool; SetPoolCluster sets a lightweight cluster's). Nodes carry the
// cluster name in the label modelarts.LabelCluster, a flavor and a phase.
//
// An accepted migration answers 200 {"job_id": ...} and starts a job whose
// phase is Running for the two stages of Durations (30 s and 3 min by
// default): during the first the nodes show Checking, during the second
// Creating, both still in the source pool. At the end the job is Success
// and the nodes are in the target pool and cluster, Available, with the
// requested flavor (and resourceSpec.nodePool and labels, if given). A job
// made to fail with FailNextMigrations ends Failed with its message, and
// its nodes go back to Available in the source pool; one made by
// SucceedNextWithoutMoving ends Success with its nodes still in the
// source. Jobs appear in the by-ID query and in the job list of both
// pools, with start and end times in epoch milliseconds, and with inputs:
// a JSON string holding the request's migrateNodeNames, fromClusterName,
// toClusterName and toPoolName (the service documents the inputs field
// without its content; WithoutJobInputs leaves it out).
//
// A pool (GetPool, ListPools) is a dedicated pool in workspace "0" with
// the Train scope, phase Running unless SetPoolPhase says otherwise, and
// node counts taken from its nodes at the fake's current time:
// spec.resources counts each flavor's nodes, status.resources counts them
// as available, creating (Creating and Checking), abnormal and deleting.
// Nodes being migrated out are counted in the source until the job ends,
// then in the target. ListPools filters by status (Creating and Waiting
// pools are "creating", CreationFailed ones "failed" and listed only when
// asked for, others "created"), workspaceId, labelSelector (key=value
// terms) and parent (the fake has no sub-pools, so it lists none).
//
// LockNodes and UnlockNodes take actions ["delete"] only, and answer each
// node "success" or "failed": a node outside the pool fails, as does
// unlocking a node that is not locked. A lock stays with a node when it
// moves. DrainNodes marks up to 10 nodes drained (they carry the
// annotation modelarts.AnnotationDrain); it is refused for a node outside
// the pool (400 CodeBadRequest), a locked node (409 CodeNodeLocked), a
// node that is not Available or is being migrated (409
// CodeNodeNotDrainable), and when no Available, undrained node would stay
// in the pool (400 CodeTooFewNodes). Drained nodes can be migrated; they
// arrive in another pool undrained.
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
// Only ModelArts.50015001, ModelArts.0104 and ModelArts.50004000 are codes
// the service documents; the others are the fake's own (see the
// constants).
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
// The fake counts calls per operation (Calls(OpGetJob)) and
// injects faults on every route, each named by its Op constant: Throttle
// answers 429 with APIGW.0308, FailNext answers a status of your choice,
// DropNext closes the connection after reading the request (which then
// has no effect), and SlowNext delays the answer.
// WithoutJobByID makes the by-ID job query answer 404, as a service without
// that undocumented route would, so that clients fall back to the job list.
package modelartstest
