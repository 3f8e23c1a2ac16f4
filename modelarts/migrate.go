package modelarts

import (
	"cmp"
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/internal/rest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// BatchMigrateOptions is the body of a batch migration: which nodes move,
// between which clusters, and, for a move into another resource pool, what
// the nodes look like there. Wire names are camelCase, as the service
// spells them.
type BatchMigrateOptions struct {
	// MigrateNodeNames lists the nodes to move, by their metadata.name (for
	// example "os-node-created-zrxm7"). The service documents the field as
	// optional, but a batch migration moves named nodes, so this package
	// requires at least one name, each non-empty and listed once.
	MigrateNodeNames []string `json:"migrateNodeNames,omitempty"`
	// FromClusterName is the cluster the nodes leave (required). For a
	// dedicated resource pool it is the pool's metadata.name; for a
	// lightweight cluster it is the value of the node label
	// "os.modelarts.node/cluster" (LabelCluster).
	FromClusterName string `json:"fromClusterName"`
	// ToClusterName is the cluster the nodes join (required), named the
	// same way as FromClusterName.
	ToClusterName string `json:"toClusterName"`
	// ToPoolName is the metadata.name of the resource pool the nodes join.
	// Leave it empty to stay in the pool named in the path. When it names
	// another pool the move is a cross-pool migration and ResourceSpec,
	// with its Flavor, is required.
	ToPoolName string `json:"toPoolName,omitempty"`
	// ResourceSpec configures the nodes in the target pool. Required for a
	// cross-pool migration; optional otherwise.
	ResourceSpec *MigrateResourceSpec `json:"resourceSpec,omitempty"`
}

// MigrateResourceSpec describes the moved nodes in the target resource pool.
// Apart from Flavor, CreatingStep and NodePool, its fields only matter when
// the migration creates a new node pool in the target.
type MigrateResourceSpec struct {
	// Flavor is the resource flavor of the nodes in the target pool, such
	// as "modelarts.vm.2u4g". Required whenever ResourceSpec is sent, and
	// so for every cross-pool migration.
	Flavor string `json:"flavor"`
	// CreatingStep gives the step of a supernode. Set it when a whole
	// cabinet or supernode moves.
	CreatingStep *CreatingStep `json:"creatingStep,omitempty"`
	// NodePool is the node pool in the target that receives the nodes.
	NodePool string `json:"nodePool,omitempty"`
	// RootVolume is the system disk of a node pool the migration creates.
	RootVolume *RootVolume `json:"rootVolume,omitempty"`
	// DataVolumes are the data disks of a node pool the migration creates.
	DataVolumes []DataVolumeItem `json:"dataVolumes,omitempty"`
	// VolumeGroupConfigs are the advanced disk settings of a node pool the
	// migration creates. The service requires them when custom data disks
	// are used.
	VolumeGroupConfigs []VolumeGroupConfig `json:"volumeGroupConfigs,omitempty"`
	// Labels are Kubernetes labels for the nodes of a new node pool. Not
	// allowed for non-privileged pools (the service refuses them).
	Labels map[string]string `json:"labels,omitempty"`
	// Taints are Kubernetes taints for the nodes of a new node pool, to keep
	// workloads away. Not allowed for non-privileged pools.
	Taints []Taint `json:"taints,omitempty"`
	// Tags are resource tags for a new node pool.
	Tags []UserTag `json:"tags,omitempty"`
	// Network is the network of a new node pool. Not allowed for
	// non-privileged pools.
	Network *NodeNetwork `json:"network,omitempty"`
	// ExtendParams holds further settings of a new node pool, such as the
	// container image space (DockerBaseSize).
	ExtendParams *ResourceExtendParams `json:"extendParams,omitempty"`
}

// CreatingStepType is how nodes are created in batches.
type CreatingStepType string

// The creating-step types the service documents.
const (
	// CreatingStepHyperInstance creates nodes as a supernode.
	CreatingStepHyperInstance CreatingStepType = "hyperinstance"
)

// CreatingStep is the step information needed when a whole cabinet or
// supernode migrates.
type CreatingStep struct {
	// Step is the step of the supernode; only steps listed in the flavor's
	// details are accepted by the service. Zero leaves it out; a negative
	// value is refused.
	Step int `json:"step,omitempty"`
	// Type is the batch creation type; CreatingStepHyperInstance is the
	// only documented value.
	Type CreatingStepType `json:"type,omitempty"`
}

// VolumeType is the kind of cloud disk.
type VolumeType string

// The disk types the service documents.
const (
	// VolumeSSD is an ultra-high I/O disk.
	VolumeSSD VolumeType = "SSD"
	// VolumeGPSSD is a general-purpose SSD.
	VolumeGPSSD VolumeType = "GPSSD"
	// VolumeSAS is a high I/O disk.
	VolumeSAS VolumeType = "SAS"
)

// RootVolume is the system disk of the nodes of a new node pool.
type RootVolume struct {
	// VolumeType is the disk type (required).
	VolumeType VolumeType `json:"volumeType"`
	// Size is the disk size in GiB (required, positive). The service
	// carries it as a JSON string ("100"); the conversion is done here.
	Size int `json:"size,string"`
}

// DataVolumeItem is one kind of data disk of the nodes of a new node pool.
type DataVolumeItem struct {
	// VolumeType is the disk type (required).
	VolumeType VolumeType `json:"volumeType"`
	// Size is the size of each disk in GiB (required, positive), sent as a
	// JSON string like RootVolume.Size.
	Size int `json:"size,string"`
	// Count is how many such disks each node gets. Zero leaves it out (the
	// service then attaches one); a negative value is refused.
	Count int `json:"count,omitempty"`
	// ExtendParams says which disk group the disks belong to (required).
	ExtendParams VolumeExtendParams `json:"extendParams"`
}

// VolumeGroup names a disk group, which decides what a data disk is used
// for. Use the constants, or UserVolumeGroup for disks mounted on a path.
type VolumeGroup string

// The disk groups the service documents.
const (
	// VolumeGroupContainer ("vgpaas") holds the container disk.
	VolumeGroupContainer VolumeGroup = "vgpaas"
	// VolumeGroupDefault ("default") is a common data disk mounted the
	// default way.
	VolumeGroupDefault VolumeGroup = "default"
	// VolumeGroupLocalPersistent is a common data disk used as a persistent
	// local storage volume.
	VolumeGroupLocalPersistent VolumeGroup = "vg-everest-localvolume-persistent"
	// VolumeGroupLocalEphemeral is a common data disk used as a temporary
	// local storage volume.
	VolumeGroupLocalEphemeral VolumeGroup = "vg-everest-localvolume-ephemeral"
)

// UserVolumeGroup returns the group of common data disks mounted on a path
// of their own: "vguser1", "vguser2" and so on, one number per path. n must
// be positive for the name to be accepted.
func UserVolumeGroup(n int) VolumeGroup {
	return VolumeGroup("vguser" + strconv.Itoa(n))
}

// VolumeExtendParams is the custom configuration of a data disk.
type VolumeExtendParams struct {
	// VolumeGroup is the disk group the disk joins (required).
	VolumeGroup VolumeGroup `json:"volumeGroup"`
}

// StorageType says where a disk group's storage comes from.
type StorageType string

// The storage types the service documents.
const (
	// StorageVolume is cloud disks; it is the default when DataVolumes are
	// given.
	StorageVolume StorageType = "volume"
	// StorageLocal is local disks; it must be named when local disks are
	// used.
	StorageLocal StorageType = "local"
)

// VolumeGroupConfig is the advanced configuration of one disk group.
type VolumeGroupConfig struct {
	// VolumeGroup is the disk group configured here (required); it refers
	// to a group used in DataVolumes.
	VolumeGroup VolumeGroup `json:"volumeGroup"`
	// DockerThinPool is the percentage (1 to 100) of the data disks given
	// to containers. Only allowed for VolumeGroupContainer. Zero leaves it
	// out.
	DockerThinPool int `json:"dockerThinPool,omitempty"`
	// LvmConfig is the LVM setup of the group.
	LvmConfig *LvmConfig `json:"lvmConfig,omitempty"`
	// Types lists the storage types of the group.
	Types []StorageType `json:"types,omitempty"`
}

// LvType is the LVM write mode.
type LvType string

// The LVM write modes the service documents.
const (
	// LvLinear writes to the disks one after the other.
	LvLinear LvType = "linear"
	// LvStriped stripes writes across several disks for speed.
	LvStriped LvType = "striped"
)

// LvmConfig is the LVM configuration of a disk group.
type LvmConfig struct {
	// LvType is the write mode (required).
	LvType LvType `json:"lvType"`
	// Path is where the disks are mounted: an absolute path made of
	// letters, digits, '.', '-', '_' and '/'. It only takes effect for user
	// groups (UserVolumeGroup).
	Path string `json:"path,omitempty"`
}

// TaintEffect is what a taint does to pods that do not tolerate it. The
// seed does not list the values; these are the three Kubernetes defines,
// and the only ones this package accepts.
type TaintEffect string

// The Kubernetes taint effects.
const (
	// TaintNoSchedule keeps new pods off the node.
	TaintNoSchedule TaintEffect = "NoSchedule"
	// TaintPreferNoSchedule makes the scheduler avoid the node when it can.
	TaintPreferNoSchedule TaintEffect = "PreferNoSchedule"
	// TaintNoExecute also evicts pods already running on the node.
	TaintNoExecute TaintEffect = "NoExecute"
)

// Taint is a Kubernetes taint put on the nodes of a new node pool.
type Taint struct {
	// Key is the taint key (required).
	Key string `json:"key"`
	// Value is the taint value; empty leaves it out.
	Value string `json:"value,omitempty"`
	// Effect is what the taint does (required).
	Effect TaintEffect `json:"effect"`
}

// Tag limits: ModelArts resource-pool tags have keys of 1 to 128 and values
// of 0 to 255 characters.
const (
	maxTagKeyLen   = 128
	maxTagValueLen = 255
)

// UserTag is a resource tag of a new node pool.
type UserTag struct {
	// Key is the tag key: 1 to 128 characters, not starting with "CCE-" or
	// "__type_baremetal" (those prefixes are reserved).
	Key string `json:"key"`
	// Value is the tag value: 0 to 255 characters. It is always sent, even
	// when empty.
	Value string `json:"value"`
}

// NodeNetwork is the network of a node pool's nodes.
type NodeNetwork struct {
	// VPC is the VPC ID.
	VPC string `json:"vpc,omitempty"`
	// Subnet is the subnet ID.
	Subnet string `json:"subnet,omitempty"`
	// SecurityGroups are security group IDs.
	SecurityGroups []string `json:"securityGroups,omitempty"`
}

// ContainerRuntime is the container runtime of the nodes.
type ContainerRuntime string

// The container runtimes the service documents.
const (
	// RuntimeDocker is the Docker engine.
	RuntimeDocker ContainerRuntime = "docker"
	// RuntimeContainerd is containerd, the runtime under Docker, used on
	// its own.
	RuntimeContainerd ContainerRuntime = "containerd"
)

// ExistingNodesPolicy says whether a change of labels, taints or tags also
// applies to the nodes a node pool already has.
type ExistingNodesPolicy string

// The policies the service documents. Leaving the field empty means
// PolicyRefresh.
const (
	// PolicyRefresh updates the existing nodes too.
	PolicyRefresh ExistingNodesPolicy = "refresh"
	// PolicyIgnore leaves the existing nodes as they are.
	PolicyIgnore ExistingNodesPolicy = "ignore"
)

// DockerBaseSizeUnlimited is the DockerBaseSize that puts no limit on a
// node's container image space.
const DockerBaseSizeUnlimited = "0"

// ResourceExtendParams holds further settings of a new node pool. Every
// field is optional and left out when empty.
type ResourceExtendParams struct {
	// DockerBaseSize is the container image space of a node, in GiB, as a
	// decimal string: "50" to "500", or DockerBaseSizeUnlimited ("0"). The
	// container data disk size may lower the real upper bound.
	DockerBaseSize string `json:"dockerBaseSize,omitempty"`
	// PostInstall is a script run after the node is installed, Base64
	// encoded (standard alphabet, with padding).
	PostInstall string `json:"postInstall,omitempty"`
	// Runtime is the container runtime.
	Runtime ContainerRuntime `json:"runtime,omitempty"`
	// LabelPolicyOnExistingNodes says whether Kubernetes label changes
	// reach existing nodes.
	LabelPolicyOnExistingNodes ExistingNodesPolicy `json:"labelPolicyOnExistingNodes,omitempty"`
	// TaintPolicyOnExistingNodes says whether taint changes reach existing
	// nodes.
	TaintPolicyOnExistingNodes ExistingNodesPolicy `json:"taintPolicyOnExistingNodes,omitempty"`
	// TagPolicyOnExistingNodes says whether resource tag changes reach
	// existing nodes.
	TagPolicyOnExistingNodes ExistingNodesPolicy `json:"tagPolicyOnExistingNodes,omitempty"`
	// XParameterPlaneSubnet is the subnet ID carrying parameter-plane
	// traffic between physical clusters. It must differ from the node and
	// container subnets.
	XParameterPlaneSubnet string `json:"XParameterPlaneSubnet,omitempty"`
	// NodePoolName names the node pool: 2 to 50 lowercase letters, digits
	// and '-', starting with a letter, not ending with '-' or "-default".
	NodePoolName string `json:"nodePoolName,omitempty"`
}

// migrateAnswer is the service's answer to a batch migration.
type migrateAnswer struct {
	JobID string `json:"job_id"`
}

// BatchMigrateNodes moves nodes of the resource pool poolName to another
// cluster, in the same pool or in another one, and returns a handle on
// the move: a *jobs.Operation[*Job] whose Wait returns the final Job.
//
// API: POST /v2/{project_id}/pools/{pool_name}/nodes/batch-migrate
//
// poolName is the source pool's metadata.name. The request is checked
// before anything is sent (see BatchMigrateOptions and its parts for the
// rules); a problem is a *cloudmigrate.ValidationError naming the JSON path
// of the field, such as "resourceSpec.dataVolumes[0].size".
//
// # Adoption
//
// Before it starts anything, the call reads the source pool's job list
// (GET /v2/{project_id}/jobs?resource=pools&name={pool_name}&limit=500:
// one request). When a job that is still running names one of the nodes
// in its inputs or involved objects, the move is already under way: the
// call sends no start and returns the handle on that job together with a
// *cloudmigrate.InProgressError (errors.Is(err, cloudmigrate.ErrInProgress)
// holds) naming the nodes and the job. The handle then follows the nodes
// the job names, to the pool its inputs give (else the one asked for).
// When exactly one running job says nothing of what it works on and is
// not of a node-repair type (replace-node, reboot-node, reset-nodes), the
// call also reads the source pool's nodes (one request per 500 nodes):
// nodes of the request that are Checking or Creating there are taken as
// moved by that job, which is adopted the same way. If a read fails, its
// error is returned and nothing is started.
//
// ModelArts documents neither what a job's inputs hold nor a job type for
// migrations, so what can be detected is limited to this: a move whose
// job names its nodes (the fake writes the request into the job's
// inputs), or a move the nodes' phases show while a single unnamed job
// runs. A move of the nodes started from another pool's path, one whose
// job is not among the pool's 500 newest jobs of the last 30 days, or one
// that has already finished (the nodes are in the target; the service
// then refuses the start, as they are not in the source) is not detected.
//
// # The handle
//
// One Poll sends at most 2 requests (each may be retried by the client on
// throttling or a 5xx answer): GET /v2/{project_id}/jobs/{job_id} while
// the job runs (after a 404 there, a page of the source pool's job list,
// as GetJob does), then, once the job reports
// Success, GET /v2/{project_id}/pools/{target}/nodes with limit=500, page
// by page. The move succeeds only when every node is listed in the target
// pool, in the requested cluster for a move within one pool, and
// Available; nodes still Creating or Checking keep it running. A job that
// ends Failed gives a *jobs.FailedError whose Status.Message is the job's
// message. A job that reports Success while a node is missing from the
// target (three complete listings in a row) or arrived Abnormal or
// Deleting gives a *jobs.FailedError saying which nodes and where. If the
// service names no job, the handle follows the nodes alone. The move
// cannot be aborted (Abort returns jobs.ErrCannotAbort). ResumeToken
// gives text for ResumeNodeMigration.
//
// # Errors
//
// The source pool must keep at least one node and the target needs enough
// resources (IP addresses among them); otherwise the service refuses the
// call. A refusal is a *cloudmigrate.Error; an unknown pool has the code
// CodePoolNotFound.
//
// The call starts a migration, so the start is never sent twice unless it
// provably did not reach the service or was throttled: a 5xx answer or a
// lost connection is returned as is. Calling BatchMigrateNodes again with
// the same nodes then adopts the move if the service started it.
func (c *Client) BatchMigrateNodes(ctx context.Context, poolName string, req *BatchMigrateOptions) (*jobs.Operation[*Job], error) {
	if err := checkID("poolName", poolName); err != nil {
		return nil, err
	}
	if req == nil {
		return nil, cloudmigrate.Invalid("req", "must not be nil")
	}
	if err := req.validate(poolName); err != nil {
		return nil, err
	}
	op, inProgress, err := c.moveInFlight(ctx, poolName, req)
	switch {
	case err != nil:
		return nil, err
	case op != nil:
		return op, inProgress
	}
	started := time.Now()
	var out migrateAnswer
	if _, err := c.rc.Do(ctx, &rest.Request{
		Op:     "modelarts.BatchMigrateNodes",
		Method: http.MethodPost,
		Path:   "/v2/{project_id}/pools/{pool_name}/nodes/batch-migrate",
		Params: []string{c.projectID, poolName},
		Body:   req,
		Out:    &out,
	}); err != nil {
		return nil, err
	}
	jobID := out.JobID
	if checkID("job_id", jobID) != nil {
		// No job to query: the handle follows the nodes alone.
		jobID = ""
	}
	target := cmp.Or(req.ToPoolName, poolName)
	tok := c.migrationToken(poolName, target, req.ToClusterName, jobID, req.MigrateNodeNames, started)
	return jobs.NewOperation[*Job](newMigration(c, tok)), nil
}
