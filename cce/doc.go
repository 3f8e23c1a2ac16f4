// Package cce moves nodes between Kubernetes clusters of Huawei Cloud
// Cloud Container Engine (CCE), and into a cluster's node pools, and
// follows each move to its end.
//
// # Flow
//
// Build a client for the region and your project:
//
//	c, err := cce.NewClientForRegion("cn-north-4", projectID, auth.NewAKSK(ak, sk))
//
// Look before moving: [Client.GetCluster] shows whether two clusters can
// exchange nodes (same VPC, same category, both with or both without
// IPv6), and [Client.ListNodes] and [Client.GetNode] show each node's
// phase, flavor, availability zone and node pool ([Node.NodePoolID]).
//
// Start the migration with [Client.MigrateNodes]. It returns a handle on
// the move, a *jobs.Operation[*Job], the same kind of handle every start
// call of this module returns:
//
//	op, err := c.MigrateNodes(ctx, sourceClusterID, targetClusterID, &cce.MigrateNodesSpec{
//		OS:    "EulerOS 2.9",
//		Login: &cce.Login{SSHKey: "KeyPair-001"},
//		Nodes: cce.Nodes(nodeIDs...),
//	})
//	token, _ := op.ResumeToken() // save it to resume after a restart
//	job, err := op.Wait(ctx)
//	var failed *jobs.FailedError
//	if errors.As(err, &failed) {
//		log.Printf("migration failed: %s", failed.Status.Message)
//	}
//
// The handle is the way to follow a migration. Wait returns nil only when
// CCE's job succeeded and every node is listed Active in the target
// cluster; a failure's Status.Message names each failed sub-job's node and
// CCE's reason, or the nodes that did not arrive. Poll makes one step for
// control loops that must not block, at most two requests: the job, and
// once it has succeeded the target cluster's nodes. The token rebuilds the
// handle in another process with [Client.ResumeNodeMigration], sending
// nothing until it is polled. CCE has no way to stop a migration, so Abort
// returns jobs.ErrCannotAbort. [Client.WaitForJob] and [Client.GetJob]
// remain for following a job by its ID alone, without checking the nodes.
//
// # A move already under way
//
// Before it starts, MigrateNodes lists the nodes of both clusters (two
// GETs, sent together). If some of the nodes are Installing in either
// cluster, or all of them are in the target cluster already, it sends no
// migration: it returns a handle on the move it found and an
// *cloudmigrate.InProgressError (errors.Is(err, cloudmigrate.ErrInProgress)
// holds) saying what it saw. So a program that lost a handle, or crashed
// before saving its token, can call MigrateNodes again safely.
//
// What can be detected before sending: nodes Installing in the source
// cluster (followed by their job when they all name the same one in
// status.jobID, which CCE documents for creation and deletion jobs;
// otherwise by watching the nodes), nodes Installing in the target
// cluster, and nodes that have all arrived. What cannot: a migration CCE
// has accepted whose nodes do not show Installing yet; where a move found
// under way is going (the handle checks that the nodes reach the target
// asked for); and whether a node Installing for another reason, such as
// being accepted into its cluster, is moving at all.
//
// # Node pools
//
// A migration puts the nodes into the target cluster's default node pool.
// [Client.MigrateToNodePool] then moves nodes of a cluster's default pool
// into one of its custom pools, in place: CCE neither resets nor restarts
// them. Its answer, HTTP 200 without a body, is the whole outcome: the API
// reference documents no job for it, so there is no handle to follow, and
// Node.NodePoolID shows the result. It takes only running nodes
// whose VPC, subnet, enterprise project, server group, flavor, zone,
// resource reservation, runtime and OS match the pool.
//
// # Constraints
//
// CCE moves nodes only between clusters in the same VPC and project, and
// only into the target cluster's default node pool. It refuses moves
// between CCE Turbo and CCE Standard clusters, between DeC and non-DeC
// clusters, and between clusters with and without IPv6; nodes with only a
// system disk and physical (BMS) nodes of CCE Turbo clusters cannot move.
// The nodes' operating system is reinstalled: spec.os names it (with its
// version), and a custom image (alpha.cce/NodeImageID) must carry that OS.
//
// The SDK checks what it can before sending and reports a
// *cloudmigrate.ValidationError naming the JSON path at fault: 1 to 200
// nodes per call, each with a distinct ID that passes the rule for IDs in
// URL paths; spec.os and spec.login required; exactly one of sshKey and
// userPassword; maxPods 16 to 256; pre- and post-install scripts
// Base64-encoded and at most 10,240 characters together; diskType evs,
// hdd or ssd and lvType linear or striped in DockerLVMConfigOverride;
// runtime docker or containerd; 1 to 50 distinct nodes per
// MigrateToNodePool call.
//
// # Passwords
//
// CCE wants a node password salted: the SHA-512 crypt(3) string
// ("$6$salt$hash") of the password, Base64-encoded. Put the plain password
// in [UserPassword].Password and MigrateNodes checks it against the CCE
// rules (8 to 26 characters; three of upper case, lower case, digits and
// the specials !@$%^-_=+[{}]:,./?~#*; not containing the username or the
// username reversed) and sends the salted form, leaving your spec as it
// was. [NewUserPassword] does the same once, up front, and [SaltPassword]
// salts without checking. A value already salted is sent unchanged. The
// password never appears in errors, logs, %v output or resume tokens.
//
// # Errors and retries
//
// Every answer outside 2xx is a *cloudmigrate.Error with CCE's code (see
// [CodeThrottled], [CodeResourceLocked] and the other Code constants), its
// message and the X-Request-Id, whichever of CCE's error body shapes the
// service used. MigrateNodes and MigrateToNodePool change clusters, so the
// SDK repeats them only when they provably never reached CCE (a failed
// connection) or were refused by throttling (HTTP 429, including
// CCE.02429001 and CCE.01429002). After a timeout or a 5xx a migration may
// have started: call MigrateNodes again, which finds it by its nodes. The
// reads (GetCluster, ListNodes, GetNode, GetJob) are retried on network
// errors, throttling and 502/503/504, and waits ride out transient poll
// errors with back-off.
//
// Every request carries the X-Project-Id header; with AK/SK signing it is
// part of the signature.
package cce
