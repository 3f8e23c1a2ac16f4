// Package modelarts moves nodes between Huawei Cloud ModelArts resource
// pools and clusters, and follows the move to its end.
//
// # Flow
//
// A move is a handle: BatchMigrateNodes starts it (or adopts the one
// already under way) and returns a *jobs.Operation[*Job]; Wait follows the
// job and then confirms that the nodes are Available in the target pool.
//
//	c, err := modelarts.NewClient("https://modelarts.cn-north-4.myhuaweicloud.com",
//		projectID, auth.NewAKSK(ak, sk))
//	pool, err := c.GetPool(ctx, "pool-target") // phase, nodes per flavor
//	err = c.DrainNodes(ctx, "pool-source", []string{"os-node-created-zrxm7"})
//	op, err := c.BatchMigrateNodes(ctx, "pool-source", &modelarts.BatchMigrateOptions{
//		MigrateNodeNames: []string{"os-node-created-zrxm7"},
//		FromClusterName:  "pool-source",
//		ToClusterName:    "pool-target",
//		ToPoolName:       "pool-target",
//		ResourceSpec:     &modelarts.MigrateResourceSpec{Flavor: "modelarts.vm.2u4g"},
//	})
//	if errors.Is(err, cloudmigrate.ErrInProgress) {
//		// already moving: op follows the job in flight
//	} else if err != nil {
//		return err
//	}
//	token, _ := op.ResumeToken() // save it; c.ResumeNodeMigration(token) picks it up again
//	job, err := op.Wait(ctx)
//
// A controller that must not block calls op.Poll instead of Wait: one
// poll sends at most two requests. WaitForJob still waits for a job by ID,
// without confirming where the nodes went; the handle is the way to follow
// a move.
//
// Every request carries the project in the header X-Project-Id (signed
// along with the rest by an AK/SK authorizer).
//
// # What a start can detect
//
// BatchMigrateNodes reads the source pool's job list before sending
// anything. A running job whose inputs name one of the nodes is adopted
// instead of starting a second move; so is the single running job that
// says nothing of what it moves while the requested nodes are Checking or
// Creating. ModelArts documents neither the content of a job's inputs nor
// a job type for migrations, so a move whose job does not name its nodes
// (with other jobs running beside it), one started through another pool,
// or one already finished is not detected; the service itself refuses
// nodes that are busy or gone. See BatchMigrateNodes.
//
// # Before a move
//
// ListPools and GetPool give each pool's phase and its node counts per
// flavor (Status.Resources.Available.Count(flavor)). DrainNodes stops new
// work landing on nodes before they leave (the service's "batch drain";
// it documents no way back). LockNodes and UnlockNodes lock and unlock
// the nodes' delete function, the only lockable function the service
// documents: a lock keeps the console from deleting a node but does not
// stop scheduling onto it, and a locked node cannot be drained.
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
//     throttled. After such an error, calling BatchMigrateNodes again
//     adopts the move if the service started it and its job names the
//     nodes; ListPoolJobs and ListPoolNodes show the rest.
//
// # Jobs
//
// ModelArts documents no query for a single job. GetJob (and so
// WaitForJob and the handle) first asks GET /v2/{project_id}/jobs/{job_id},
// the path other clients poll, and reads its top-level phase. If the
// service answers 404 there, GetJob looks the job up in the pool's
// documented job list, GET /v2/{project_id}/jobs?resource=pools&name={pool}.
// Job.Source says which answered. A job found in neither place is a
// *JobNotFoundError, for which cloudmigrate.IsNotFound also holds; in
// that case the node list of the target pool is the remaining way to tell
// whether the nodes arrived.
//
// A Failed job is a *jobs.FailedError whose Status.Message is the job's
// message and whose Job is the *Job.
//
// # Errors
//
// A refused request is a *cloudmigrate.Error carrying the HTTP status, the
// service's error_code and error_msg (Code, Message) and the X-Request-Id
// (RequestID). CodePoolNotFound ("ModelArts.50015001") means an unknown
// pool; the API gateway's codes (CodeBadSignature, CodeTokenExpired,
// CodeThrottled) mean a signing, token or rate problem.
package modelarts
