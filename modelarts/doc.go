// Package modelarts moves nodes between Huawei Cloud ModelArts resource
// pools and clusters, and follows the move to its end.
//
// # Flow
//
// A migration is three steps: start it, wait for its job, and check the
// nodes in the target pool.
//
//	c, err := modelarts.NewClient("https://modelarts.cn-north-4.myhuaweicloud.com",
//		projectID, auth.NewAKSK(ak, sk))
//	res, err := c.BatchMigrateNodes(ctx, "pool-source", &modelarts.BatchMigrateRequest{
//		MigrateNodeNames: []string{"os-node-created-zrxm7"},
//		FromClusterName:  "pool-source",
//		ToClusterName:    "pool-target",
//		ToPoolName:       "pool-target",
//		ResourceSpec:     &modelarts.MigrateResourceSpec{Flavor: "modelarts.vm.2u4g"},
//	})
//	job, err := c.WaitForJob(ctx, "pool-source", res.JobID)
//	for node, err := range c.ListPoolNodes(ctx, "pool-target", nil) {
//		// node.Status.Phase == modelarts.NodeAvailable once it has arrived
//	}
//
// Every request carries the project in the header X-Project-Id (signed
// along with the rest by an AK/SK authorizer).
//
// # Constraints
//
//   - Pools and clusters are named by metadata.name. For a dedicated pool
//     the cluster name is the pool name; in a lightweight cluster it is the
//     node label "os.modelarts.node/cluster" (LabelCluster).
//   - The source pool must have at least two nodes and the target enough
//     resources, such as IP addresses; the service refuses the call
//     otherwise.
//   - A move is cross-pool when ToPoolName names a pool other than the one
//     in the path. It then needs ResourceSpec, and ResourceSpec always
//     needs Flavor.
//   - Most of MigrateResourceSpec (disks, labels, taints, tags, network,
//     extra settings) only matters when the migration creates a node pool
//     in the target; labels, taints and network are refused for
//     non-privileged pools.
//   - BatchMigrateNodes checks the request against the documented rules
//     before sending it: required fields, the documented value lists (disk
//     and volume-group types, LVM modes, runtimes, update policies, taint
//     effects), sizes and counts, tag lengths and reserved prefixes, the
//     node pool name pattern, Base64 scripts. A violation is a
//     *cloudmigrate.ValidationError whose Field is the JSON path, such as
//     "resourceSpec.taints[0].effect", and nothing is sent.
//   - Starting a migration is never repeated on a 5xx answer or a broken
//     connection, only when the request provably did not leave or was
//     throttled. After such an error, look at the pool's jobs
//     (ListPoolJobs) and nodes before trying again.
//
// # Jobs
//
// ModelArts documents no query for a single job. GetJob (and so
// WaitForJob) first asks GET /v2/{project_id}/jobs/{job_id}, the path
// other clients poll, and reads its top-level phase. If the service
// answers 404 there, GetJob looks the job up in the pool's documented job
// list, GET /v2/{project_id}/jobs?resource=pools&name={pool}. Job.Source
// says which answered. A job found in neither place is a
// *JobNotFoundError, for which cloudmigrate.IsNotFound also holds; in
// that case the node list of the target pool is the remaining way to tell
// whether the nodes arrived.
//
// WaitForJob returns the final *Job. A Failed job is a *jobs.FailedError
// whose Status.Message is the job's message and whose Job is the *Job.
//
// # Errors
//
// A refused request is a *cloudmigrate.Error carrying the HTTP status, the
// service's error_code and error_msg (Code, Message) and the X-Request-Id
// (RequestID). CodePoolNotFound ("ModelArts.50015001") means an unknown
// pool; the API gateway's codes (CodeBadSignature, CodeTokenExpired,
// CodeThrottled) mean a signing, token or rate problem.
package modelarts
