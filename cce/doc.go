// Package cce moves nodes between Kubernetes clusters of Huawei Cloud
// Cloud Container Engine (CCE) and follows the job that does it.
//
// # Flow
//
// Build a client for the region's endpoint and your project:
//
//	c, err := cce.NewClient("https://cce.cn-north-4.myhuaweicloud.com", projectID,
//		auth.NewAKSK(ak, sk))
//
// Start the migration with [Client.MigrateNodes]. CCE answers at once with
// the accepted task; the work happens in a job whose ID is
// [MigrateNodesTask.JobID]:
//
//	task, err := c.MigrateNodes(ctx, sourceClusterID, targetClusterID, &cce.MigrateNodesSpec{
//		OS:    "EulerOS 2.5",
//		Login: &cce.Login{SSHKey: "KeyPair-001"},
//		Nodes: cce.Nodes(nodeIDs...),
//	})
//
// Wait for the job with [Client.WaitForJob], or poll it yourself with
// [Client.GetJob]. A job may be split into sub-jobs; progress is then the
// share of finished sub-jobs. A failed job gives a *jobs.FailedError whose
// Status.Message is CCE's reason and whose Job is the final *Job, so you
// can see which node's sub-job failed:
//
//	job, err := c.WaitForJob(ctx, task.JobID())
//	var failed *jobs.FailedError
//	if errors.As(err, &failed) {
//		log.Printf("migration failed: %s", failed.Status.Message)
//	}
//
// Then confirm the nodes in the target cluster. Success means the job is
// over, not that every node is ready for work: check each node in the
// target cluster until its status.phase is "Active", with the CCE node API
// (GET /api/v3/projects/{project_id}/clusters/{target_cluster_id}/nodes/{node_id}),
// which this package does not wrap.
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
// nodes per call, each with a distinct non-empty uid; spec.os and
// spec.login required; exactly one of sshKey and userPassword; maxPods 16
// to 256; pre- and post-install scripts Base64-encoded and at most 10,240
// characters together; diskType evs, hdd or ssd and lvType linear or
// striped in DockerLVMConfigOverride; runtime docker or containerd.
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
// password never appears in errors, logs or %v output.
//
// # Errors and retries
//
// Every answer outside 2xx is a *cloudmigrate.Error with CCE's code (see
// [CodeThrottled], [CodeResourceLocked] and the other Code constants), its
// message and the X-Request-Id, whichever of CCE's error body shapes the
// service used. MigrateNodes starts a migration, so the SDK repeats it only
// when it provably never reached CCE (a failed connection) or was refused
// by throttling (HTTP 429, including CCE.02429001 and CCE.01429002). After
// a timeout or a 5xx the migration may have started: look for the job or
// the nodes before calling again. GetJob is retried on network errors,
// throttling and 502/503/504, and WaitForJob rides out transient poll
// errors with back-off.
//
// Every request carries the X-Project-Id header; with AK/SK signing it is
// part of the signature.
package cce
