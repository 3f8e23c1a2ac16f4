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
// ConfigureCluster (category, version, VPC, IPv6, phase), ConfigureNode
// (flavor, zone, OS) and AddNodePool describe them further; everything
// left out takes the Default constants.
//
// The clock stands still until you move it. Step it from the progress
// callback of a wait, with short poll intervals:
//
//	op, err := c.MigrateNodes(ctx, "cluster-a", "cluster-b", spec)
//	job, err := op.Wait(ctx,
//		jobs.WithInterval(time.Millisecond, 5*time.Millisecond),
//		jobs.WithProgress(func(jobs.Status) { srv.Clock().Advance(time.Minute) }))
//
// or let it run with real time, faster: NewServer(WithRealTime(600)). Then
// check the outcome with ClusterNodes, Node and CheckNodePassword, or
// through the SDK with cce.Client.ListNodes and GetNode. Calls counts the
// requests of each operation, so a test can check that a start was sent
// once and what each poll cost.
//
// # What the fake serves
//
//   - OpMigrateNodes, PUT /api/v3/projects/{project_id}/clusters/{cluster_id}/nodes/operation/migrateto/{target_cluster_id}:
//     answers 200 with the accepted task (the spec echoed, the runtime CCE
//     picked filled in, the password masked, status.jobID set).
//   - OpGetJob, GET /api/v3/projects/{project_id}/jobs/{job_id}: the job
//     with one sub-job per node.
//   - OpListNodes, GET /api/v3/projects/{project_id}/clusters/{cluster_id}/nodes:
//     {"kind": "List", "apiVersion": "v3", "items": [...]}, in the order
//     the nodes joined the cluster, each node with metadata (uid, name,
//     times, the kubernetes.io/node-pool.id annotation, and ownerReferences
//     for a node of a custom pool), spec (flavor, az, os, login with a
//     password masked, disks, runtime) and status (phase, serverId,
//     privateIP, and jobID while a migration works on the node).
//   - OpGetNode, GET /api/v3/projects/{project_id}/clusters/{cluster_id}/nodes/{node_id}:
//     one such node.
//   - OpGetCluster, GET /api/v3/projects/{project_id}/clusters/{cluster_id}:
//     the cluster's metadata, spec (category, type, flavor, version,
//     ipv6enable, hostNetwork, containerNetwork) and status (phase,
//     endpoints), as ConfigureCluster set them.
//   - OpMigrateToNodePool, PUT /api/v3/projects/{project_id}/clusters/{cluster_id}/nodepools/{nodepool_id}/nodes/migrate:
//     moves nodes of the default pool into a pool of AddNodePool and
//     answers 200 with no body, or moves none.
//
// A node of the default pool carries kubernetes.io/node-pool.id in the
// "{az}#{flavor}#{os}" form of the API reference's examples; a node of a
// custom pool carries the pool's ID there and in
// metadata.ownerReferences.nodepoolID. The fake does not serve the node
// pool APIs themselves.
//
// # Jobs
//
// A migration job is Initializing for DefaultInitDuration, Running for
// DefaultRunningDuration (see WithDurations), then Success. Its
// sub-jobs, one per node in request order, are Initializing and Running
// with it and end one after another at even intervals, the last with the
// job; progress as package cce reports it therefore climbs in even steps.
// A node shows PhaseInstalling in its source cluster, with the job in
// status.jobID (unless WithoutNodeJobIDs), from the moment the migration
// is accepted until its sub-job ends; then it moves to the target
// cluster's default pool as PhaseActive, with the OS, runtime, login and
// system-disk key (NodeInfo.RootVolumeCMKID) of the request. Times are
// written the way CCE writes them ("2026-01-02 03:04:05 +0000 UTC", Go's
// time.String form).
//
// Each kind of failure a handle must report can be produced:
//
//   - FailNextMigrations makes jobs end Failed: the last sub-job fails,
//     and it and the job carry the reason in status.reason; the node of
//     that sub-job stays behind in PhaseError.
//   - MisreportNextMigrations makes jobs end Success while their nodes
//     stay in the source cluster, as if nothing had happened.
//   - SetNodePhase shows a node in any phase, such as Abnormal in the
//     target cluster after its move, or Installing there a while longer.
//
// # Constraints enforced
//
// Answers use CCE's error body {"errorCode", "errorMessage"} and the
// X-Request-Id header, so the SDK reports them as a *cloudmigrate.Error
// with Code, Message and RequestID:
//
//   - 404 cce.CodeNotFound: unknown source or target cluster, a node that
//     is not in the source cluster, an unknown job or node, an unknown
//     cluster, node pool or node of a pool migration.
//   - 400 cce.CodeBadRequest: a body that is not JSON or not sent as
//     application/json; apiVersion other than "v3" or kind other than
//     "MigrateNodesTask" (both may be left out, as in the API reference's
//     examples); no spec or no spec.os; no nodes, more than 200, an empty
//     or repeated uid; maxPods outside 16 to 256; install scripts not
//     Base64 or longer than 10,240 characters together; an unknown
//     diskType, lvType or runtime; a serverConfig.rootVolume.cmkID of only
//     white space (the fake's choice: the service checks the key itself);
//     a field of the wrong JSON type, such as a removeSSHKey that is not a
//     boolean; login missing, with neither or both of sshKey and
//     userPassword, with removeSSHKey true beside sshKey or
//     removeUserPassword true beside userPassword (CCE documents both
//     flags for node-pool updates and forbids those pairs), or with a
//     password that is not salted (the
//     standard Base64 of a "$6$" SHA-512 crypt string, the form the API
//     reference asks for; plain text is refused so that a client that
//     forgets to salt is caught); the same cluster as source and target;
//     clusters of different categories (CCE and Turbo), in different VPCs,
//     or one with IPv6 and one without (see ConfigureCluster); a node
//     already under migration. For a pool migration: apiVersion other than
//     "v3" or kind other than "List" (both may be left out), no nodes,
//     more than 50, an empty or repeated nodeID, a node under migration,
//     not Active, not in the default pool, or whose flavor, zone or OS
//     differs from the pool's template.
//   - 403 cce.CodeForbidden: a project ID in the path other than ProjectID.
//   - 429 cce.CodeThrottled: sent by Throttle.
//
// The rules on DeC clusters and node disks that CCE applies are not
// modelled, nor, for pool migrations, the subnet, enterprise project,
// server group, resource reservation and runtime.
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
// The fake counts calls per operation (Calls) and injects
// faults before the credential check and the handler: Throttle (429 with
// CCE.02429001), FailNext (any status), DropNext (the connection closes
// after the request was read, with no effect on the fake's state) and
// SlowNext.
package ccetest
