package cce

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/internal/rest"
)

// NodePhase is a node's status.phase: where the node's life cycle in CCE
// and its Kubernetes node stand together.
type NodePhase string

// The phases CCE documents for a node.
const (
	// NodePhaseBuild: the server under the node is being created.
	NodePhaseBuild NodePhase = "Build"
	// NodePhaseInstalling: CCE is installing the node's software, as it
	// does when a node is accepted into a cluster or reinstalled by a
	// migration.
	NodePhaseInstalling NodePhase = "Installing"
	// NodePhaseUpgrading: the node is being upgraded.
	NodePhaseUpgrading NodePhase = "Upgrading"
	// NodePhaseActive: the node is ready for work.
	NodePhaseActive NodePhase = "Active"
	// NodePhaseAbnormal: the node is not available.
	NodePhaseAbnormal NodePhase = "Abnormal"
	// NodePhaseDeleting: the node is being deleted.
	NodePhaseDeleting NodePhase = "Deleting"
	// NodePhaseError: the node is faulty.
	NodePhaseError NodePhase = "Error"
)

// Broken reports whether the phase is one a node does not leave by itself
// on the way to Active: Abnormal, Error or Deleting.
func (p NodePhase) Broken() bool {
	return p == NodePhaseAbnormal || p == NodePhaseError || p == NodePhaseDeleting
}

// Node-pool identifiers.
const (
	// AnnotationNodePoolID is the annotation in which CCE names a node's
	// node pool (metadata.annotations).
	AnnotationNodePoolID = "kubernetes.io/node-pool.id"
	// DefaultNodePoolID is how CCE names a cluster's default node pool
	// where it takes a node-pool ID.
	DefaultNodePoolID = "DefaultPool"
)

// Node is a node of a CCE cluster, as GetNode and ListNodes return it.
type Node struct {
	// Kind is "Node".
	Kind string `json:"kind,omitempty"`
	// APIVersion is "v3".
	APIVersion string `json:"apiVersion,omitempty"`
	// Metadata names the node and holds its labels and annotations.
	Metadata NodeMetadata `json:"metadata"`
	// Spec is how the node is set up: flavor, zone, OS, disks, login.
	Spec NodeSpec `json:"spec"`
	// Status is where the node stands: its phase, server and addresses.
	Status NodeStatus `json:"status"`
}

// NodePoolID returns the ID of the node pool the node belongs to:
// metadata.ownerReferences.nodepoolID when CCE sets it, otherwise the
// kubernetes.io/node-pool.id annotation, otherwise "". For a node of the
// default pool the annotation may read "DefaultPool" or, as in the API
// reference's examples of nodes created outside any pool,
// "{az}#{flavor}#{os}"; see InDefaultPool.
func (n *Node) NodePoolID() string {
	if n == nil {
		return ""
	}
	if o := n.Metadata.OwnerReferences; o != nil && o.NodePoolID != "" {
		return o.NodePoolID
	}
	return n.Metadata.Annotations[AnnotationNodePoolID]
}

// InDefaultPool reports whether the node is in its cluster's default node
// pool: its NodePoolID is empty, DefaultNodePoolID, or of the
// "{az}#{flavor}#{os}" form CCE gives nodes that no custom pool owns.
func (n *Node) InDefaultPool() bool {
	id := n.NodePoolID()
	return id == "" || id == DefaultNodePoolID || strings.Contains(id, "#")
}

// NodeMetadata names a node.
type NodeMetadata struct {
	// Name is the node's name.
	Name string `json:"name,omitempty"`
	// UID is the node's ID.
	UID string `json:"uid,omitempty"`
	// Labels are CCE's own labels of the node (not its Kubernetes
	// labels).
	Labels map[string]string `json:"labels,omitempty"`
	// Annotations are CCE's own annotations of the node, among them
	// AnnotationNodePoolID.
	Annotations map[string]string `json:"annotations,omitempty"`
	// CreationTimestamp is when the node was created.
	CreationTimestamp Time `json:"creationTimestamp"`
	// UpdateTimestamp is when the node last changed.
	UpdateTimestamp Time `json:"updateTimestamp"`
	// OwnerReferences names the node pool (or hyper node) that owns the
	// node, when one does.
	OwnerReferences *NodeOwnerReferences `json:"ownerReferences,omitempty"`
}

// NodeOwnerReferences names what owns a node.
type NodeOwnerReferences struct {
	// NodePoolName is the name of the node's node pool.
	NodePoolName string `json:"nodepoolName,omitempty"`
	// NodePoolID is the ID of the node's node pool.
	NodePoolID string `json:"nodepoolID,omitempty"`
	// HyperNodeName is the name of the hyper node the node belongs to.
	HyperNodeName string `json:"hyperNodeName,omitempty"`
	// HyperNodeID is the ID of that hyper node.
	HyperNodeID string `json:"hyperNodeID,omitempty"`
}

// NodeSpec is how a node is set up.
type NodeSpec struct {
	// Flavor is the server flavor, such as "c7.large.2".
	Flavor string `json:"flavor,omitempty"`
	// AZ is the availability zone, such as "cn-north-4a".
	AZ string `json:"az,omitempty"`
	// OS is the operating system, such as "EulerOS 2.9".
	OS string `json:"os,omitempty"`
	// Login is how to log in to the node; a password is masked.
	Login *Login `json:"login,omitempty"`
	// RootVolume is the system disk.
	RootVolume *Volume `json:"rootVolume,omitempty"`
	// DataVolumes are the data disks.
	DataVolumes []Volume `json:"dataVolumes,omitempty"`
	// Storage is the node's disk initialisation (storageSelectors and
	// storageGroups), kept as CCE wrote it.
	Storage json.RawMessage `json:"storage,omitempty"`
	// PublicIP is the node's elastic IP set-up.
	PublicIP *NodePublicIP `json:"publicIP,omitempty"`
	// NodeNicSpec is the node's network interfaces.
	NodeNicSpec *NodeNicSpec `json:"nodeNicSpec,omitempty"`
	// Count is how many nodes a creation asked for.
	Count int `json:"count,omitempty"`
	// BillingMode is 0 for pay-per-use, 1 for yearly or monthly.
	BillingMode int `json:"billingMode,omitempty"`
	// Taints are the Kubernetes taints the node was created with.
	Taints []Taint `json:"taints,omitempty"`
	// WaitPostInstallFinish is true when pods are scheduled onto the node
	// only after its post-install script finished.
	WaitPostInstallFinish bool `json:"waitPostInstallFinish,omitempty"`
	// K8sTags are the Kubernetes labels the node was created with.
	K8sTags map[string]string `json:"k8sTags,omitempty"`
	// ECSGroupID is the ECS server group of the node.
	ECSGroupID string `json:"ecsGroupId,omitempty"`
	// FaultDomain is the server's fault domain.
	FaultDomain string `json:"faultDomain,omitempty"`
	// DedicatedHostID is the dedicated host the node runs on.
	DedicatedHostID string `json:"dedicatedHostId,omitempty"`
	// OffloadNode is true for a node of a CCE Turbo cluster.
	OffloadNode bool `json:"offloadNode,omitempty"`
	// IsStatic is true for a node accepted into the cluster rather than
	// created by it.
	IsStatic bool `json:"isStatic,omitempty"`
	// UserTags are the server's resource tags.
	UserTags []UserTag `json:"userTags,omitempty"`
	// Runtime is the container runtime.
	Runtime *Runtime `json:"runtime,omitempty"`
	// InitializedConditions are the custom initialisation marks.
	InitializedConditions []string `json:"initializedConditions,omitempty"`
	// ExtendParam holds further settings of the node.
	ExtendParam *NodeExtendParam `json:"extendParam,omitempty"`
	// HostnameConfig says how the node's Kubernetes name is formed.
	HostnameConfig *HostnameConfig `json:"hostnameConfig,omitempty"`
	// ServerEnterpriseProjectID is the server's enterprise project.
	ServerEnterpriseProjectID string `json:"serverEnterpriseProjectID,omitempty"`
	// Partition is where the node runs: "center" or an edge site's zone.
	Partition string `json:"partition,omitempty"`
	// NodeNameTemplate is the prefix and suffix of generated node names.
	NodeNameTemplate *NodeNameTemplate `json:"nodeNameTemplate,omitempty"`
}

// Volume is a disk of a node.
type Volume struct {
	// Size is the size in GiB.
	Size int `json:"size"`
	// VolumeType is the disk type, such as "SAS", "SSD" or "GPSSD".
	VolumeType string `json:"volumetype"`
	// IOPS is the provisioned IOPS of a GPSSD2 or ESSD2 disk.
	IOPS int `json:"iops,omitempty"`
	// Throughput is the provisioned throughput in MiB/s of a GPSSD2 disk.
	Throughput int `json:"throughput,omitempty"`
	// ExtendParam holds further settings of the disk.
	ExtendParam map[string]any `json:"extendParam,omitempty"`
	// ClusterID is the storage pool (DSS) the disk comes from.
	ClusterID string `json:"cluster_id,omitempty"`
	// ClusterType is the kind of that storage pool ("dss").
	ClusterType string `json:"cluster_type,omitempty"`
	// Passthrough is true for a SCSI disk (hw:passthrough).
	Passthrough bool `json:"hw:passthrough,omitempty"`
	// Metadata holds the disk's encryption settings.
	Metadata *VolumeMetadata `json:"metadata,omitempty"`
}

// VolumeMetadata holds a disk's encryption settings.
type VolumeMetadata struct {
	// SystemEncrypted is "1" for an encrypted disk, "0" otherwise.
	SystemEncrypted string `json:"__system__encrypted,omitempty"`
	// SystemCMKID is the ID of the key that encrypts the disk.
	SystemCMKID string `json:"__system__cmkid,omitempty"`
}

// NodePublicIP is a node's elastic IP set-up.
type NodePublicIP struct {
	// IDs are existing elastic IPs bound to the node.
	IDs []string `json:"ids,omitempty"`
	// Count is how many elastic IPs to create.
	Count int `json:"count,omitempty"`
	// EIP describes elastic IPs to create.
	EIP *NodeEIP `json:"eip,omitempty"`
	// IPType is the elastic IP type.
	IPType string `json:"iptype,omitempty"`
	// Bandwidth is the elastic IP's bandwidth.
	Bandwidth *NodeBandwidth `json:"bandwidth,omitempty"`
}

// NodeEIP describes elastic IPs created for a node.
type NodeEIP struct {
	// IPType is the elastic IP type, such as "5_bgp".
	IPType string `json:"iptype,omitempty"`
	// Bandwidth is the elastic IP's bandwidth.
	Bandwidth *NodeBandwidth `json:"bandwidth,omitempty"`
}

// NodeBandwidth is an elastic IP's bandwidth.
type NodeBandwidth struct {
	// ChargeMode is "traffic" or "bandwidth".
	ChargeMode string `json:"chargemode,omitempty"`
	// Size is the bandwidth in Mbit/s.
	Size int `json:"size,omitempty"`
	// ShareType is "PER" (dedicated) or "WHOLE" (shared).
	ShareType string `json:"sharetype,omitempty"`
}

// NodeNicSpec is a node's network interfaces.
type NodeNicSpec struct {
	// PrimaryNic is the primary interface.
	PrimaryNic *NicSpec `json:"primaryNic,omitempty"`
	// ExtNics are the extension interfaces.
	ExtNics []NicSpec `json:"extNics,omitempty"`
}

// NicSpec is one network interface of a node.
type NicSpec struct {
	// SubnetID is the ID of the interface's subnet.
	SubnetID string `json:"subnetId,omitempty"`
	// FixedIPs are the interface's fixed addresses.
	FixedIPs []string `json:"fixedIps,omitempty"`
	// IPBlock is the CIDR block addresses are taken from.
	IPBlock string `json:"ipBlock,omitempty"`
	// SubnetList lists the subnets of a node pool's interfaces.
	SubnetList []string `json:"subnetList,omitempty"`
}

// Taint is a Kubernetes taint of a node.
type Taint struct {
	// Key is the taint's key.
	Key string `json:"key"`
	// Value is the taint's value.
	Value string `json:"value,omitempty"`
	// Effect is "NoSchedule", "PreferNoSchedule" or "NoExecute".
	Effect string `json:"effect"`
}

// UserTag is a resource tag of a node's server.
type UserTag struct {
	// Key is the tag's key.
	Key string `json:"key,omitempty"`
	// Value is the tag's value.
	Value string `json:"value,omitempty"`
}

// HostnameConfig says how a node's Kubernetes name is formed.
type HostnameConfig struct {
	// Type is "privateIp" or "cceNodeName".
	Type string `json:"type"`
}

// NodeNameTemplate is the prefix and suffix of generated node names.
type NodeNameTemplate struct {
	// NodeNamePrefix starts every generated name.
	NodeNamePrefix string `json:"nodeNamePrefix,omitempty"`
	// NodeNameSuffix ends every generated name.
	NodeNameSuffix string `json:"nodeNameSuffix,omitempty"`
}

// NodeExtendParam holds further settings of a node.
type NodeExtendParam struct {
	// ECSPerformanceType is the server flavor's performance type
	// (ecs:performancetype).
	ECSPerformanceType string `json:"ecs:performancetype,omitempty"`
	// OrderID is the order of a yearly or monthly node.
	OrderID string `json:"orderID,omitempty"`
	// ProductID is the product of a yearly or monthly node.
	ProductID string `json:"productID,omitempty"`
	// MaxPods caps the pods the node may run.
	MaxPods int `json:"maxPods,omitempty"`
	// PeriodType is "month" or "year" for a yearly or monthly node.
	PeriodType string `json:"periodType,omitempty"`
	// PeriodNum is the number of periods bought.
	PeriodNum int `json:"periodNum,omitempty"`
	// IsAutoRenew is "true" when the subscription renews itself.
	IsAutoRenew string `json:"isAutoRenew,omitempty"`
	// IsAutoPay is "true" when the order is paid automatically.
	IsAutoPay string `json:"isAutoPay,omitempty"`
	// DockerLVMConfigOverride is the container data disk layout (see
	// DockerLVMConfig).
	DockerLVMConfigOverride string `json:"DockerLVMConfigOverride,omitempty"`
	// DockerBaseSize is the container base size in GiB (Device Mapper).
	DockerBaseSize int `json:"dockerBaseSize,omitempty"`
	// ContainerBaseSize is the container base size in GiB.
	ContainerBaseSize int `json:"containerBaseSize,omitempty"`
	// OffloadNode is "true" for a node of a CCE Turbo cluster.
	OffloadNode string `json:"offloadNode,omitempty"`
	// PublicKey is the public key of the node's key pair.
	PublicKey string `json:"publicKey,omitempty"`
	// PreInstall is the Base64 pre-install script.
	PreInstall string `json:"alpha.cce/preInstall,omitempty"`
	// PostInstall is the Base64 post-install script.
	PostInstall string `json:"alpha.cce/postInstall,omitempty"`
	// NodeImageID is the custom image the node was installed from.
	NodeImageID string `json:"alpha.cce/NodeImageID,omitempty"`
	// NicMultiqueue is the interfaces' queue settings.
	NicMultiqueue string `json:"nicMultiqueue,omitempty"`
	// NicThreshold is the interfaces' pre-binding thresholds.
	NicThreshold string `json:"nicThreshold,omitempty"`
	// ChargingMode is the node's charging mode.
	ChargingMode int `json:"chargingMode,omitempty"`
	// MarketType is "spot" for a spot-priced node.
	MarketType string `json:"marketType,omitempty"`
	// SpotPrice is the highest price paid for a spot node.
	SpotPrice string `json:"spotPrice,omitempty"`
	// AgencyName is the agency the node's server acts with.
	AgencyName string `json:"agency_name,omitempty"`
	// KubeReservedMem is the memory reserved for Kubernetes, in MiB.
	KubeReservedMem int `json:"kubeReservedMem,omitempty"`
	// SystemReservedMem is the memory reserved for the system, in MiB.
	SystemReservedMem int `json:"systemReservedMem,omitempty"`
	// KubeReservedCPU is the CPU reserved for Kubernetes, in millicores.
	KubeReservedCPU int `json:"kubeReservedCpu,omitempty"`
	// SystemReservedCPU is the CPU reserved for the system, in millicores.
	SystemReservedCPU int `json:"systemReservedCpu,omitempty"`
	// KubeReservedPID is the process IDs reserved for Kubernetes.
	KubeReservedPID int `json:"kubeReservedPid,omitempty"`
	// SystemReservedPID is the process IDs reserved for the system.
	SystemReservedPID int `json:"systemReservedPid,omitempty"`
	// KubeReservedStorage is the storage reserved for Kubernetes, in MiB.
	KubeReservedStorage int `json:"kubeReservedStorage,omitempty"`
	// SystemReservedStorage is the storage reserved for the system, in
	// MiB.
	SystemReservedStorage int `json:"systemReservedStorage,omitempty"`
	// SecurityReinforcementType is "null" or "cybersecurity".
	SecurityReinforcementType string `json:"securityReinforcementType,omitempty"`
	// ServerMetadataHTTPTokens is the server metadata endpoint's token
	// policy ("optional" or "required").
	ServerMetadataHTTPTokens string `json:"serverMetadataHttpTokens,omitempty"`
}

// NodeStatus is where a node stands.
type NodeStatus struct {
	// Phase is the node's phase.
	Phase NodePhase `json:"phase,omitempty"`
	// LastProbeTime is when CCE last checked the node; a check older than
	// five minutes says little.
	LastProbeTime Time `json:"lastProbeTime"`
	// JobID is the job that creates or deletes the node, when one runs.
	JobID string `json:"jobID,omitempty"`
	// ServerID is the ID of the ECS or BMS server under the node.
	ServerID string `json:"serverId,omitempty"`
	// PrivateIP is the primary interface's private IPv4 address.
	PrivateIP string `json:"privateIP,omitempty"`
	// PrivateIPv6IP is the primary interface's private IPv6 address.
	PrivateIPv6IP string `json:"privateIPv6IP,omitempty"`
	// PublicIP is the node's elastic IP address.
	PublicIP string `json:"publicIP,omitempty"`
	// DeleteStatus counts the resources a deletion handled.
	DeleteStatus *NodeDeleteStatus `json:"deleteStatus,omitempty"`
	// ConfigurationUpToDate is false when the node's OS or runtime no
	// longer matches its node pool's template; nil when CCE does not say.
	ConfigurationUpToDate *bool `json:"configurationUpToDate,omitempty"`
}

// NodeDeleteStatus counts the resources a node deletion handled.
type NodeDeleteStatus struct {
	// PreviousTotal is the number of resources before the deletion.
	PreviousTotal int `json:"previous_total,omitempty"`
	// CurrentTotal is the number of resources now.
	CurrentTotal int `json:"current_total,omitempty"`
	// Updated is the number of resources updated.
	Updated int `json:"updated,omitempty"`
	// Added is the number of resources added.
	Added int `json:"added,omitempty"`
	// Deleted is the number of resources deleted.
	Deleted int `json:"deleted,omitempty"`
}

// NodeList is the answer of ListNodes.
type NodeList struct {
	// Kind is "List".
	Kind string `json:"kind,omitempty"`
	// APIVersion is "v3".
	APIVersion string `json:"apiVersion,omitempty"`
	// Items are the cluster's nodes.
	Items []Node `json:"items"`
}

// ListNodes returns every node of cluster clusterID, with its phase,
// flavor, availability zone and node pool (Node.NodePoolID).
//
//	GET /api/v3/projects/{project_id}/clusters/{cluster_id}/nodes
//
// CCE answers with the whole list at once; it does not page. The request
// is retried on network errors, throttling and 502/503/504.
func (c *Client) ListNodes(ctx context.Context, clusterID string) ([]Node, error) {
	if err := rest.CheckID("clusterID", clusterID); err != nil {
		return nil, err
	}
	var out NodeList
	_, err := c.rc.Do(ctx, &rest.Request{
		Op:     "cce.ListNodes",
		Method: http.MethodGet,
		Path:   "/api/v3/projects/{project_id}/clusters/{cluster_id}/nodes",
		Params: []string{c.projectID, clusterID},
		Out:    &out,
	})
	if err != nil {
		return nil, err
	}
	return out.Items, nil
}

// GetNode returns the node nodeID of cluster clusterID. A node that is not
// in that cluster (CCE answers 404, CodeNotFound) is a *cloudmigrate.Error.
//
//	GET /api/v3/projects/{project_id}/clusters/{cluster_id}/nodes/{node_id}
//
// The request is retried on network errors, throttling and 502/503/504.
func (c *Client) GetNode(ctx context.Context, clusterID, nodeID string) (*Node, error) {
	if err := rest.CheckID("clusterID", clusterID); err != nil {
		return nil, err
	}
	if err := rest.CheckID("nodeID", nodeID); err != nil {
		return nil, err
	}
	var out Node
	_, err := c.rc.Do(ctx, &rest.Request{
		Op:     "cce.GetNode",
		Method: http.MethodGet,
		Path:   "/api/v3/projects/{project_id}/clusters/{cluster_id}/nodes/{node_id}",
		Params: []string{c.projectID, clusterID, nodeID},
		Out:    &out,
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// MaxNodesPerPoolMigration is the largest number of nodes one
// MigrateToNodePool call may move.
const MaxNodesPerPoolMigration = 50

// Fixed values of the migrate-to-node-pool document.
const (
	// NodePoolMigrationAPIVersion is its apiVersion.
	NodePoolMigrationAPIVersion = "v3"
	// NodePoolMigrationKind is its kind.
	NodePoolMigrationKind = "List"
)

// poolMigrationRequest is the body of MigrateToNodePool.
type poolMigrationRequest struct {
	APIVersion string          `json:"apiVersion"`
	Kind       string          `json:"kind"`
	NodeList   []poolMigration `json:"nodeList"`
}

type poolMigration struct {
	NodeID string `json:"nodeID"`
}

// MigrateToNodePool moves nodes of the default node pool of cluster
// clusterID into its custom node pool nodePoolID. The nodes stay where
// they are, with their OS, login and password: CCE neither resets nor
// restarts them. It returns when CCE has accepted the move (HTTP 200, no
// body); ListNodes or GetNode then show the pool in Node.NodePoolID.
//
//	PUT /api/v3/projects/{project_id}/clusters/{cluster_id}/nodepools/{nodepool_id}/nodes/migrate
//
// CCE moves only running (Active) nodes of the default pool, and only
// nodes with the pool's VPC, subnet, enterprise project, server group,
// flavor, availability zone, resource reservation, container runtime and
// OS; the service checks these. The node takes the pool's resource tags,
// Kubernetes labels and taints (the pool's win on conflict) and its
// security group; it loses its accepted-node mark, so scaling the pool in
// later deletes its server.
//
// Before sending anything it checks nodeIDs and returns a
// *cloudmigrate.ValidationError naming the JSON path at fault: 1 to 50
// nodes, each with a distinct, non-empty ID in UTF-8. The request changes
// the cluster, so it is repeated only when it provably never reached the
// service or was refused by throttling.
func (c *Client) MigrateToNodePool(ctx context.Context, clusterID, nodePoolID string, nodeIDs []string) error {
	if err := rest.CheckID("clusterID", clusterID); err != nil {
		return err
	}
	if err := rest.CheckID("nodePoolID", nodePoolID); err != nil {
		return err
	}
	body, err := poolMigrationBody(nodeIDs)
	if err != nil {
		return err
	}
	_, err = c.rc.Do(ctx, &rest.Request{
		Op:     "cce.MigrateToNodePool",
		Method: http.MethodPut,
		Path:   "/api/v3/projects/{project_id}/clusters/{cluster_id}/nodepools/{nodepool_id}/nodes/migrate",
		Params: []string{c.projectID, clusterID, nodePoolID},
		Body:   body,
	})
	return err
}

func poolMigrationBody(nodeIDs []string) (*poolMigrationRequest, error) {
	switch {
	case len(nodeIDs) == 0:
		return nil, cloudmigrate.Invalid("nodeList", "must list at least one node")
	case len(nodeIDs) > MaxNodesPerPoolMigration:
		return nil, cloudmigrate.Invalid("nodeList", "lists %d nodes; at most %d can move in one call", len(nodeIDs), MaxNodesPerPoolMigration)
	}
	body := &poolMigrationRequest{APIVersion: NodePoolMigrationAPIVersion, Kind: NodePoolMigrationKind, NodeList: make([]poolMigration, len(nodeIDs))}
	seen := make(map[string]int, len(nodeIDs))
	for i, id := range nodeIDs {
		field := "nodeList[" + strconv.Itoa(i) + "].nodeID"
		switch j, dup := seen[id]; {
		case strings.TrimSpace(id) == "":
			return nil, cloudmigrate.Invalid(field, "must not be empty")
		case !utf8.ValidString(id):
			return nil, cloudmigrate.Invalid(field, "is not valid UTF-8")
		case dup:
			return nil, cloudmigrate.Invalid(field, "repeats node %q of nodeList[%d]", id, j)
		}
		seen[id] = i
		body.NodeList[i].NodeID = id
	}
	return body, nil
}
