package modelarts

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/internal/rest"
)

// PoolPhase is the state of a resource pool (Pool.Status.Phase).
type PoolPhase string

// The pool phases the service documents.
const (
	// PoolCreating means the pool is being created.
	PoolCreating PoolPhase = "Creating"
	// PoolRunning means the pool is in service.
	PoolRunning PoolPhase = "Running"
	// PoolAbnormal means the pool is not working properly.
	PoolAbnormal PoolPhase = "Abnormal"
	// PoolDeleting means the pool is being deleted.
	PoolDeleting PoolPhase = "Deleting"
	// PoolError means an error occurred in the pool.
	PoolError PoolPhase = "Error"
	// PoolCreationFailed means creating the pool failed.
	PoolCreationFailed PoolPhase = "CreationFailed"
	// PoolScalingFailed means growing the pool failed.
	PoolScalingFailed PoolPhase = "ScalingFailed"
	// PoolWaiting means the pool waits to be created, usually for an
	// unpaid order or an unapproved request.
	PoolWaiting PoolPhase = "Waiting"
)

// PoolType is the kind of a resource pool (Pool.Spec.Type).
type PoolType string

// The pool types the service documents.
const (
	// PoolDedicated is a physical pool with its own network, custom
	// drivers and job types ("Dedicate" on the wire).
	PoolDedicated PoolType = "Dedicate"
	// PoolLogical is a logical pool: no network of its own, but faster to
	// create and resize.
	PoolLogical PoolType = "Logical"
)

// Labels ModelArts puts on a pool (Pool.Metadata.Labels).
const (
	// LabelPoolDisplayName is the pool's display name, the name a user
	// gave it; metadata.name is the generated ID paths take.
	LabelPoolDisplayName = "os.modelarts/name"
	// LabelWorkspaceID is the workspace the pool belongs to ("0" by
	// default).
	LabelWorkspaceID = "os.modelarts/workspace.id"
	// LabelPoolResourceID is the resource ID the pool is billed under.
	LabelPoolResourceID = "os.modelarts/resource.id"
)

// Pool is a ModelArts resource pool (a dedicated pool or a lightweight
// cluster), as ListPools and GetPool return it. Fields the service did not
// send are left zero.
type Pool struct {
	// APIVersion is the resource version, "v2".
	APIVersion string `json:"apiVersion,omitempty"`
	// Kind is "Pool".
	Kind string `json:"kind,omitempty"`
	// Metadata names and labels the pool.
	Metadata PoolMetadata `json:"metadata"`
	// Spec is what the pool was asked to be: its type, job scopes and
	// resource flavors with their node counts.
	Spec PoolSpec `json:"spec"`
	// Status is what the pool is: its phase and how many nodes of each
	// flavor are available, being created, abnormal or being deleted.
	Status PoolStatus `json:"status"`
}

// Name returns Metadata.Name, the pool ID that paths (and so every call of
// this package taking a poolName) use.
func (p *Pool) Name() string { return p.Metadata.Name }

// DisplayName returns the name the user gave the pool (the label
// LabelPoolDisplayName), or "" when the service sent none.
func (p *Pool) DisplayName() string { return p.Metadata.Labels[LabelPoolDisplayName] }

// PoolMetadata names and labels a pool.
type PoolMetadata struct {
	// Name is the generated pool ID, such as
	// "pool-9d3f-6f5da086876d4cd084d36f8bd3346036".
	Name string `json:"name"`
	// CreationTimestamp is when the pool was created, as the service wrote
	// it ("2025-11-01T03:49:41Z").
	CreationTimestamp string `json:"creationTimestamp,omitempty"`
	// Labels are the pool's labels; see LabelPoolDisplayName and the
	// other LabelPool constants for keys the service documents.
	Labels map[string]string `json:"labels,omitempty"`
	// Annotations are the pool's annotations (description, billing mode,
	// tags, scheduler settings), as the service sent them.
	Annotations map[string]string `json:"annotations,omitempty"`
}

// JobScope is a kind of work a pool runs.
type JobScope string

// The job scopes the service documents.
const (
	// ScopeTrain is training jobs.
	ScopeTrain JobScope = "Train"
	// ScopeInfer is inference services.
	ScopeInfer JobScope = "Infer"
	// ScopeNotebook is notebook (development environment) jobs.
	ScopeNotebook JobScope = "Notebook"
)

// PoolSpec is what a pool was asked to be.
type PoolSpec struct {
	// Type is the pool type, such as PoolDedicated.
	Type PoolType `json:"type,omitempty"`
	// Scope lists the kinds of work the pool accepts.
	Scope []JobScope `json:"scope,omitempty"`
	// Resources lists the pool's resource flavors with how many nodes of
	// each it should have.
	Resources []PoolResource `json:"resources,omitempty"`
	// Network is the network of a physical pool.
	Network *PoolNetwork `json:"network,omitempty"`
	// ContainerNetwork is the Kubernetes container network.
	ContainerNetwork *PoolContainerNetwork `json:"containerNetwork,omitempty"`
	// KubernetesSvcIPRange is the CIDR of the Kubernetes service network.
	KubernetesSvcIPRange string `json:"kubernetesSvcIpRange,omitempty"`
	// Masters describes the pool's master nodes.
	Masters []PoolMaster `json:"masters,omitempty"`
	// ClusterFlavor is the cluster flavor of a standard pool.
	ClusterFlavor string `json:"clusterFlavor,omitempty"`
	// JobFlavors lists the job flavors the pool supports, by name.
	JobFlavors []string `json:"jobFlavors,omitempty"`
	// Driver is the pool's GPU and NPU driver setting.
	Driver *PoolDriver `json:"driver,omitempty"`
	// ControlMode holds the pool's restrictions as bit flags (see the
	// ControlMode constants); zero means unrestricted.
	ControlMode ControlMode `json:"controlMode,omitempty"`
}

// poolSpecWire decodes PoolSpec, taking the container network from either
// spelling the references use ("containerNetwork" in the API reference,
// "containernetwork" in the official SDK).
type poolSpecWire struct {
	plainPoolSpec
	ContainerNetworkLower *PoolContainerNetwork `json:"containernetwork"`
}

type plainPoolSpec PoolSpec

// UnmarshalJSON decodes a pool spec.
func (s *PoolSpec) UnmarshalJSON(b []byte) error {
	var w poolSpecWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*s = PoolSpec(w.plainPoolSpec)
	if s.ContainerNetwork == nil {
		s.ContainerNetwork = w.ContainerNetworkLower
	}
	return nil
}

// ControlMode is a set of restrictions on a pool, as bit flags that add
// up (9 is ControlPeriodicLocked and ControlFrozen).
type ControlMode int

// The restriction flags the service documents.
const (
	// ControlPeriodicLocked: the change to a yearly/monthly plan is
	// restricted.
	ControlPeriodicLocked ControlMode = 1
	// ControlResizeLocked: changing the flavor is restricted.
	ControlResizeLocked ControlMode = 2
	// ControlServiceLocked: the service is restricted.
	ControlServiceLocked ControlMode = 4
	// ControlFrozen: the pool is frozen.
	ControlFrozen ControlMode = 8
	// ControlPoliceFrozen: the pool is frozen for legal reasons and cannot
	// be unsubscribed.
	ControlPoliceFrozen ControlMode = 16
)

// Has reports whether all the flags of f are set in m.
func (m ControlMode) Has(f ControlMode) bool { return m&f == f }

// PoolResource is one resource flavor of a pool with how many nodes of it
// the pool should have, and how those nodes are set up.
type PoolResource struct {
	// Flavor is the resource flavor, such as "modelarts.vm.gpu.tnt004".
	Flavor string `json:"flavor"`
	// Count is how many nodes of the flavor the pool is guaranteed.
	Count int `json:"count"`
	// MaxCount is the elastic count; equal to Count in a physical pool.
	MaxCount int `json:"maxCount,omitempty"`
	// AZs spreads Count over availability zones.
	AZs []AZCount `json:"azs,omitempty"`
	// NodePool is the node pool the nodes belong to, such as "nodePool-1".
	NodePool string `json:"nodePool,omitempty"`
	// Taints are the Kubernetes taints of the nodes.
	Taints []Taint `json:"taints,omitempty"`
	// Labels are the Kubernetes labels of the nodes.
	Labels map[string]string `json:"labels,omitempty"`
	// Tags are the resource tags of the nodes.
	Tags []UserTag `json:"tags,omitempty"`
	// Network is the network of the nodes.
	Network *NodeNetwork `json:"network,omitempty"`
	// ExtendParams holds further settings of the nodes.
	ExtendParams *ResourceExtendParams `json:"extendParams,omitempty"`
	// CreatingStep is the batch creation of supernodes or racks.
	CreatingStep *CreatingStep `json:"creatingStep,omitempty"`
	// RootVolume is the system disk of the nodes.
	RootVolume *NodeVolume `json:"rootVolume,omitempty"`
	// DataVolumes are the data disks of the nodes.
	DataVolumes []NodeVolume `json:"dataVolumes,omitempty"`
	// VolumeGroupConfigs are the advanced disk settings of the nodes.
	VolumeGroupConfigs []VolumeGroupConfig `json:"volumeGroupConfigs,omitempty"`
	// OS describes the nodes' operating system, kept as the JSON the
	// service sent.
	OS json.RawMessage `json:"os,omitempty"`
}

// AZCount is a number of nodes in one availability zone.
type AZCount struct {
	// AZ is the availability zone.
	AZ string `json:"az"`
	// Count is how many nodes are (or are to be) there.
	Count int `json:"count"`
}

// PoolNetwork is the network of a physical pool.
type PoolNetwork struct {
	// Name is the network's metadata.name.
	Name string `json:"name"`
}

// PoolContainerNetwork is the Kubernetes container network of a pool.
type PoolContainerNetwork struct {
	// Mode is the container network model: "overlay_l2", "vpc-router" or
	// "eni".
	Mode string `json:"mode,omitempty"`
	// CIDR is the container network segment (overlay_l2 and vpc-router
	// only).
	CIDR string `json:"cidr,omitempty"`
}

// PoolMaster is a master node setting of a pool.
type PoolMaster struct {
	// AZ is the availability zone of the master node.
	AZ string `json:"az,omitempty"`
}

// PoolDriver is the driver setting of a pool.
type PoolDriver struct {
	// GPUVersion is the GPU driver version, such as "440.33".
	GPUVersion string `json:"gpuVersion,omitempty"`
	// NPUVersion is the NPU driver version.
	NPUVersion string `json:"npuVersion,omitempty"`
	// UpdateStrategy is "force" (upgrade at once, which may disturb running
	// jobs) or "idle" (upgrade a node when no job runs on it).
	UpdateStrategy string `json:"updateStrategy,omitempty"`
}

// PoolStatus is what a pool is.
type PoolStatus struct {
	// Phase is where the pool stands, such as PoolRunning.
	Phase PoolPhase `json:"phase"`
	// Message explains the phase.
	Message string `json:"message,omitempty"`
	// Resources counts the pool's nodes per flavor in each state.
	Resources PoolResourceStatus `json:"resources"`
	// Scope is the state of each kind of work the pool accepts.
	Scope []PoolScopeStatus `json:"scope,omitempty"`
	// Driver is the state of the GPU and NPU drivers.
	Driver *PoolDriverStatuses `json:"driver,omitempty"`
	// Parent is the parent pool of a logical pool; empty for a physical
	// pool.
	Parent string `json:"parent,omitempty"`
	// Root is the root pool; for a physical pool, its own name.
	Root string `json:"root,omitempty"`
	// Clusters describes the pool's clusters, kept as the JSON the service
	// sent: the official SDK lists the field (name, clusterFlavor, type,
	// version, plugins) but the API reference does not.
	Clusters json.RawMessage `json:"clusters,omitempty"`
}

// PoolResourceStatus counts a pool's nodes per flavor in each state. A
// node migrated into the pool is counted once it is Available.
type PoolResourceStatus struct {
	// Creating counts nodes being created.
	Creating FlavorCounts `json:"creating,omitempty"`
	// Available counts nodes ready for work.
	Available FlavorCounts `json:"available,omitempty"`
	// Abnormal counts nodes that are not working properly.
	Abnormal FlavorCounts `json:"abnormal,omitempty"`
	// Deleting counts nodes being deleted.
	Deleting FlavorCounts `json:"deleting,omitempty"`
}

// FlavorCounts lists node counts per flavor.
type FlavorCounts []FlavorCount

// Count returns the number of nodes of flavor, or of every flavor when
// flavor is "".
func (fc FlavorCounts) Count(flavor string) int {
	n := 0
	for _, c := range fc {
		if flavor == "" || c.Flavor == flavor {
			n += c.Count
		}
	}
	return n
}

// UnmarshalJSON decodes an array of counts, and also a single count
// object (the official SDK models each state as one object, the API
// reference as an array) or null.
func (fc *FlavorCounts) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*fc = nil
		return nil
	case len(b) > 0 && b[0] == '{':
		var one FlavorCount
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*fc = FlavorCounts{one}
		return nil
	}
	var list []FlavorCount
	if err := json.Unmarshal(b, &list); err != nil {
		return err
	}
	*fc = list
	return nil
}

// FlavorCount is the number of nodes of one flavor in one state.
type FlavorCount struct {
	// Flavor is the resource flavor.
	Flavor string `json:"flavor"`
	// Count is how many nodes of the flavor are in the state.
	Count int `json:"count"`
	// MaxCount is the elastic count; equal to Count in a physical pool.
	MaxCount int `json:"maxCount,omitempty"`
	// AZs spreads Count over availability zones.
	AZs []AZCount `json:"azs,omitempty"`
	// NodePool is the node pool the nodes belong to.
	NodePool string `json:"nodePool,omitempty"`
	// CreatingStep is the batch creation the nodes came from.
	CreatingStep *CreatingStep `json:"creatingStep,omitempty"`
}

// PoolScopeStatus is the state of one kind of work in a pool.
type PoolScopeStatus struct {
	// ScopeType is the kind of work, such as ScopeTrain.
	ScopeType JobScope `json:"scopeType"`
	// State is "Enabling", "Enabled", "EnableFailed", "Disabling" or
	// "Disabled".
	State string `json:"state"`
	// Plugins are the states of the plug-ins the work needs.
	Plugins []PoolPluginPhase `json:"plugins,omitempty"`
	// Message says why enabling or disabling failed.
	Message string `json:"message,omitempty"`
}

// PoolPluginPhase is the state of one plug-in.
type PoolPluginPhase struct {
	// Name is the plug-in type.
	Name string `json:"name"`
	// Phase is "Pending", "Running", "Updating", "Abnormal" or "Deleting".
	Phase string `json:"phase"`
}

// PoolDriverStatuses holds the state of a pool's drivers.
type PoolDriverStatuses struct {
	// GPU is the GPU driver.
	GPU *PoolDriverStatus `json:"gpu,omitempty"`
	// NPU is the NPU driver.
	NPU *PoolDriverStatus `json:"npu,omitempty"`
}

// PoolDriverStatus is the state of one driver.
type PoolDriverStatus struct {
	// Version is the driver version in use.
	Version string `json:"version,omitempty"`
	// State is "Creating", "Upgrading", "Running" or "Abnormal".
	State string `json:"state,omitempty"`
}

// PoolListStatus selects pools by how their creation went, for
// ListPoolsOptions.Status.
type PoolListStatus string

// The values the service documents for the status filter.
const (
	// PoolsCreated selects pools created successfully.
	PoolsCreated PoolListStatus = "created"
	// PoolsCreating selects pools being created.
	PoolsCreating PoolListStatus = "creating"
	// PoolsFailed selects pools whose creation failed; the service keeps
	// them for three days.
	PoolsFailed PoolListStatus = "failed"
)

// ListPoolsOptions narrows ListPools. A nil *ListPoolsOptions is the same
// as the zero value: the pools of the default workspace that are created
// or being created.
type ListPoolsOptions struct {
	// WorkspaceID selects a workspace (workspaceId); empty means the
	// service's default, "0".
	WorkspaceID string
	// LabelSelector keeps pools whose labels match (labelSelector), in the
	// service's selector syntax.
	LabelSelector string
	// Status keeps pools in one creation state; empty lists the pools
	// that are created or being created.
	Status PoolListStatus
	// Parent lists the logical sub-pools of the named pool.
	Parent string
}

type poolList struct {
	APIVersion string  `json:"apiVersion"`
	Kind       string  `json:"kind"`
	Items      []*Pool `json:"items"`
}

// ListPools lists the project's resource pools, with their phase and node
// counts per flavor.
//
// API: GET /v2/{project_id}/pools?workspaceId=&labelSelector=&status=&parent=
//
// The service answers the whole list at once. A Status outside the
// documented values is a *cloudmigrate.ValidationError, and nothing is
// sent. The call is a read and is retried on throttling, 5xx answers and
// network errors.
func (c *Client) ListPools(ctx context.Context, opts *ListPoolsOptions) ([]*Pool, error) {
	q := url.Values{}
	if opts != nil {
		switch opts.Status {
		case "", PoolsCreated, PoolsCreating, PoolsFailed:
		default:
			return nil, cloudmigrate.Invalid("status", "%q is not one of %q, %q, %q", opts.Status, PoolsCreated, PoolsCreating, PoolsFailed)
		}
		for k, v := range map[string]string{
			"workspaceId": opts.WorkspaceID, "labelSelector": opts.LabelSelector,
			"status": string(opts.Status), "parent": opts.Parent,
		} {
			if v != "" {
				q.Set(k, v)
			}
		}
	}
	var list poolList
	if _, err := c.rc.Do(ctx, &rest.Request{
		Op:     "modelarts.ListPools",
		Method: http.MethodGet,
		Path:   "/v2/{project_id}/pools",
		Params: []string{c.projectID},
		Query:  q,
		Out:    &list,
	}); err != nil {
		return nil, err
	}
	out := list.Items[:0]
	for _, p := range list.Items {
		if p != nil {
			out = append(out, p)
		}
	}
	return out, nil
}

// GetPool returns the resource pool poolName (its metadata.name), with its
// phase and node counts per flavor.
//
// API: GET /v2/{project_id}/pools/{pool_name}
//
// An unknown pool is a *cloudmigrate.Error with the code CodePoolNotFound.
// The call is a read and is retried on throttling, 5xx answers and network
// errors.
func (c *Client) GetPool(ctx context.Context, poolName string) (*Pool, error) {
	if err := checkID("poolName", poolName); err != nil {
		return nil, err
	}
	var p Pool
	if _, err := c.rc.Do(ctx, &rest.Request{
		Op:     "modelarts.GetPool",
		Method: http.MethodGet,
		Path:   "/v2/{project_id}/pools/{pool_name}",
		Params: []string{c.projectID, poolName},
		Out:    &p,
	}); err != nil {
		return nil, err
	}
	return &p, nil
}
