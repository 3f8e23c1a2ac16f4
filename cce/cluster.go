package cce

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/cloudmigrate/cloudmigrate/internal/rest"
)

// ClusterPhase is a cluster's status.phase.
type ClusterPhase string

// The phases CCE documents for a cluster.
const (
	// ClusterAvailable: the cluster is working normally.
	ClusterAvailable ClusterPhase = "Available"
	// ClusterUnavailable: the cluster is faulty and must be deleted by
	// hand.
	ClusterUnavailable ClusterPhase = "Unavailable"
	// ClusterScalingUp: the cluster is being scaled out.
	ClusterScalingUp ClusterPhase = "ScalingUp"
	// ClusterScalingDown: the cluster is being scaled in.
	ClusterScalingDown ClusterPhase = "ScalingDown"
	// ClusterCreating: the cluster is being created.
	ClusterCreating ClusterPhase = "Creating"
	// ClusterDeleting: the cluster is being deleted.
	ClusterDeleting ClusterPhase = "Deleting"
	// ClusterUpgrading: the cluster is being upgraded.
	ClusterUpgrading ClusterPhase = "Upgrading"
	// ClusterResizing: the cluster's flavor is being changed.
	ClusterResizing ClusterPhase = "Resizing"
	// ClusterRollingBack: an upgrade is being rolled back.
	ClusterRollingBack ClusterPhase = "RollingBack"
	// ClusterRollbackFailed: rolling back an upgrade failed.
	ClusterRollbackFailed ClusterPhase = "RollbackFailed"
	// ClusterHibernating: the cluster is going to sleep.
	ClusterHibernating ClusterPhase = "Hibernating"
	// ClusterHibernation: the cluster sleeps.
	ClusterHibernation ClusterPhase = "Hibernation"
	// ClusterAwaking: the cluster is waking up.
	ClusterAwaking ClusterPhase = "Awaking"
	// ClusterEmpty: the cluster has no resources (no longer used).
	ClusterEmpty ClusterPhase = "Empty"
	// ClusterError: the cluster's resources are faulty; try deleting it.
	ClusterError ClusterPhase = "Error"
)

// Cluster categories (ClusterSpec.Category). Nodes move only between
// clusters of the same category.
const (
	// CategoryCCE is a CCE standard cluster.
	CategoryCCE = "CCE"
	// CategoryTurbo is a CCE Turbo cluster.
	CategoryTurbo = "Turbo"
)

// Cluster is a CCE cluster, as GetCluster returns it.
type Cluster struct {
	// Kind is "Cluster".
	Kind string `json:"kind,omitempty"`
	// APIVersion is "v3".
	APIVersion string `json:"apiVersion,omitempty"`
	// Metadata names the cluster.
	Metadata ClusterMetadata `json:"metadata"`
	// Spec is how the cluster is set up: category, version, networks.
	Spec ClusterSpec `json:"spec"`
	// Status is the cluster's phase and endpoints.
	Status ClusterStatus `json:"status"`
}

// ClusterMetadata names a cluster.
type ClusterMetadata struct {
	// Name is the cluster's name.
	Name string `json:"name"`
	// UID is the cluster's ID.
	UID string `json:"uid,omitempty"`
	// Alias is the name the console shows (Name when none was set).
	Alias string `json:"alias,omitempty"`
	// Annotations are the cluster's annotations.
	Annotations map[string]string `json:"annotations,omitempty"`
	// Labels are the cluster's labels, set by CCE.
	Labels map[string]string `json:"labels,omitempty"`
	// CreationTimestamp is when the cluster was created.
	CreationTimestamp Time `json:"creationTimestamp"`
	// UpdateTimestamp is when the cluster last changed.
	UpdateTimestamp Time `json:"updateTimestamp"`
	// Timezone is the cluster's IANA time zone, such as "Asia/Shanghai".
	Timezone string `json:"timezone,omitempty"`
}

// ClusterSpec is how a cluster is set up. Of the documented fields it
// leaves out only spec.authentication.authenticatingProxy, which carries
// a private key.
type ClusterSpec struct {
	// Category is CategoryCCE or CategoryTurbo.
	Category string `json:"category,omitempty"`
	// AgencyName is the agency the cluster's components act with.
	AgencyName string `json:"agencyName,omitempty"`
	// Type is the control plane's architecture: "VirtualMachine" or
	// "ARM64".
	Type string `json:"type,omitempty"`
	// Flavor is the cluster flavor, such as "cce.s1.small".
	Flavor string `json:"flavor"`
	// Version is the Kubernetes version, such as "v1.28".
	Version string `json:"version,omitempty"`
	// PlatformVersion is CCE's build of that version, such as "cce.10.0".
	PlatformVersion string `json:"platformVersion,omitempty"`
	// LegacyVersion is the retired combined version string.
	LegacyVersion string `json:"legacyVersion,omitempty"`
	// Description is the user's description of the cluster.
	Description string `json:"description,omitempty"`
	// CustomSAN are extra names in the API server's certificate.
	CustomSAN []string `json:"customSan,omitempty"`
	// IPv6Enable is true for a cluster with IPv6; nodes do not move
	// between clusters with and without it.
	IPv6Enable bool `json:"ipv6enable,omitempty"`
	// OffloadCluster is true for a CCE Turbo cluster.
	OffloadCluster bool `json:"offloadCluster,omitempty"`
	// HostNetwork is the VPC and subnet of the nodes; nodes move only
	// between clusters of the same VPC.
	HostNetwork *HostNetwork `json:"hostNetwork,omitempty"`
	// ContainerNetwork is the pods' network model and CIDRs.
	ContainerNetwork *ContainerNetwork `json:"containerNetwork,omitempty"`
	// ENINetwork is the interface subnets of a CCE Turbo cluster.
	ENINetwork *ENINetwork `json:"eniNetwork,omitempty"`
	// ServiceNetwork is the services' CIDRs.
	ServiceNetwork *ServiceNetwork `json:"serviceNetwork,omitempty"`
	// Authentication is the cluster's authentication mode.
	Authentication *ClusterAuthentication `json:"authentication,omitempty"`
	// PublicAccess lists the CIDRs allowed to reach the API server.
	PublicAccess *PublicAccess `json:"publicAccess,omitempty"`
	// BillingMode is 0 for pay-per-use, 1 for yearly or monthly.
	BillingMode int `json:"billingMode,omitempty"`
	// Masters places the control-plane nodes.
	Masters []MasterSpec `json:"masters,omitempty"`
	// KubernetesSvcIPRange is the service CIDR (older form of
	// ServiceNetwork).
	KubernetesSvcIPRange string `json:"kubernetesSvcIpRange,omitempty"`
	// ClusterTags are the cluster's resource tags.
	ClusterTags []ResourceTag `json:"clusterTags,omitempty"`
	// KubeProxyMode is "iptables" or "ipvs".
	KubeProxyMode string `json:"kubeProxyMode,omitempty"`
	// AZ is the cluster's availability zone (being retired).
	AZ string `json:"az,omitempty"`
	// ExtendParam holds further settings of the cluster.
	ExtendParam *ClusterExtendParam `json:"extendParam,omitempty"`
	// SupportIstio is true when the cluster supports Istio.
	SupportIstio bool `json:"supportIstio,omitempty"`
	// EnableMasterVolumeEncryption is true when the control-plane disks
	// are encrypted.
	EnableMasterVolumeEncryption bool `json:"enableMasterVolumeEncryption,omitempty"`
	// EnableDistMgt is true when the cluster supports distributed cloud.
	EnableDistMgt bool `json:"enableDistMgt,omitempty"`
	// DeletionProtection is true when the cluster cannot be deleted.
	DeletionProtection bool `json:"deletionProtection,omitempty"`
	// ConfigurationsOverride is the components' configuration, kept as
	// CCE wrote it.
	ConfigurationsOverride json.RawMessage `json:"configurationsOverride,omitempty"`
	// ClusterOps is the cluster's operations settings (alarms), kept as
	// CCE wrote them.
	ClusterOps json.RawMessage `json:"clusterOps,omitempty"`
	// EnableAutopilot is true for an Autopilot cluster.
	EnableAutopilot bool `json:"enableAutopilot,omitempty"`
	// EnableAutoResizing is true when the cluster's flavor grows by
	// itself.
	EnableAutoResizing bool `json:"enableAutoResizing,omitempty"`
	// EncryptionConfig is how Kubernetes secrets are encrypted.
	EncryptionConfig *EncryptionConfig `json:"encryptionConfig,omitempty"`
}

// HostNetwork is the network of a cluster's nodes.
type HostNetwork struct {
	// VPC is the ID of the cluster's VPC.
	VPC string `json:"vpc"`
	// Subnet is the ID of the nodes' subnet.
	Subnet string `json:"subnet"`
	// SecurityGroup is the nodes' default security group.
	SecurityGroup string `json:"SecurityGroup,omitempty"`
	// ControlPlaneSecurityGroup is the control plane's security group.
	ControlPlaneSecurityGroup string `json:"controlPlaneSecurityGroup,omitempty"`
}

// ContainerNetwork is a cluster's pod network.
type ContainerNetwork struct {
	// Mode is "overlay_l2", "vpc-router" or "eni".
	Mode string `json:"mode"`
	// CIDR is the pod CIDR (the first of CIDRs).
	CIDR string `json:"cidr,omitempty"`
	// CIDRs are the pod CIDRs.
	CIDRs []ContainerCIDR `json:"cidrs,omitempty"`
	// EnableContainerCIDRsReservation is true when pod CIDRs are kept
	// reserved.
	EnableContainerCIDRsReservation bool `json:"enableContainerCIDRsReservation,omitempty"`
}

// ContainerCIDR is one pod CIDR.
type ContainerCIDR struct {
	// CIDR is the block, such as "172.16.0.0/16".
	CIDR string `json:"cidr"`
}

// ENINetwork is the interface subnets of a CCE Turbo cluster.
type ENINetwork struct {
	// ENISubnetID is the IPv4 subnet ID (older form of Subnets).
	ENISubnetID string `json:"eniSubnetId,omitempty"`
	// ENISubnetCIDR is that subnet's CIDR.
	ENISubnetCIDR string `json:"eniSubnetCIDR,omitempty"`
	// Subnets are the interface subnets.
	Subnets []NetworkSubnet `json:"subnets,omitempty"`
}

// NetworkSubnet names a subnet.
type NetworkSubnet struct {
	// SubnetID is the subnet's IPv4 subnet ID.
	SubnetID string `json:"subnetID"`
}

// ServiceNetwork is a cluster's service CIDRs.
type ServiceNetwork struct {
	// IPv4CIDR is the IPv4 service CIDR.
	IPv4CIDR string `json:"IPv4CIDR,omitempty"`
	// IPv6CIDR is the IPv6 service CIDR.
	IPv6CIDR string `json:"IPv6CIDR,omitempty"`
}

// ClusterAuthentication is a cluster's authentication mode.
type ClusterAuthentication struct {
	// Mode is "rbac" or "authenticating_proxy" ("x509" too in clusters
	// of Kubernetes 1.11 and earlier).
	Mode string `json:"mode,omitempty"`
}

// PublicAccess lists who may reach a cluster's API server.
type PublicAccess struct {
	// CIDRs are the allowed source blocks.
	CIDRs []string `json:"cidrs,omitempty"`
}

// MasterSpec places a control-plane node.
type MasterSpec struct {
	// AvailabilityZone is the node's zone.
	AvailabilityZone string `json:"availabilityZone,omitempty"`
	// Flavor is the node's flavor.
	Flavor string `json:"flavor,omitempty"`
	// FaultDomain is the node's fault domain.
	FaultDomain string `json:"faultDomain,omitempty"`
}

// ResourceTag is a resource tag.
type ResourceTag struct {
	// Key is the tag's key.
	Key string `json:"key,omitempty"`
	// Value is the tag's value.
	Value string `json:"value,omitempty"`
}

// ClusterExtendParam holds further settings of a cluster.
type ClusterExtendParam struct {
	// ClusterAZ is the control plane's zone, or "multi_az".
	ClusterAZ string `json:"clusterAZ,omitempty"`
	// DSSMasterVolumes is the control plane's dedicated storage.
	DSSMasterVolumes string `json:"dssMasterVolumes,omitempty"`
	// EnterpriseProjectID is the cluster's enterprise project.
	EnterpriseProjectID string `json:"enterpriseProjectId,omitempty"`
	// KubeProxyMode is the service forwarding mode (older form of
	// ClusterSpec.KubeProxyMode).
	KubeProxyMode string `json:"kubeProxyMode,omitempty"`
	// ClusterExternalIP is the API server's elastic IP.
	ClusterExternalIP string `json:"clusterExternalIP,omitempty"`
	// FixPoolMask is the mask of the fixed pod IP pool
	// (alpha.cce/fixPoolMask).
	FixPoolMask string `json:"alpha.cce/fixPoolMask,omitempty"`
	// DecMasterFlavor is the control plane's flavor in a dedicated cloud.
	DecMasterFlavor string `json:"decMasterFlavor,omitempty"`
	// DockerUmaskMode is the Docker umask mode ("secure" or "normal").
	DockerUmaskMode string `json:"dockerUmaskMode,omitempty"`
	// CPUManagerPolicy is the CPU manager policy
	// (kubernetes.io/cpuManagerPolicy).
	CPUManagerPolicy string `json:"kubernetes.io/cpuManagerPolicy,omitempty"`
	// OrderID is the order of a yearly or monthly cluster.
	OrderID string `json:"orderID,omitempty"`
	// PeriodType is "month" or "year".
	PeriodType string `json:"periodType,omitempty"`
	// PeriodNum is the number of periods bought.
	PeriodNum int `json:"periodNum,omitempty"`
	// IsAutoRenew is "true" when the subscription renews itself.
	IsAutoRenew string `json:"isAutoRenew,omitempty"`
	// IsAutoPay is "true" when the order is paid automatically.
	IsAutoPay string `json:"isAutoPay,omitempty"`
	// UpgradeFrom is the version the cluster was upgraded from.
	UpgradeFrom string `json:"upgradefrom,omitempty"`
}

// EncryptionConfig is how a cluster's Kubernetes secrets are encrypted.
type EncryptionConfig struct {
	// Mode is "Default" or "KMS".
	Mode string `json:"mode,omitempty"`
	// KMSKeyID is the KMS key of the KMS mode.
	KMSKeyID string `json:"kmsKeyID,omitempty"`
}

// ClusterStatus is where a cluster stands.
type ClusterStatus struct {
	// Phase is the cluster's phase.
	Phase ClusterPhase `json:"phase,omitempty"`
	// JobID is the job tied to the phase (a creation or a deletion).
	JobID string `json:"jobID,omitempty"`
	// Reason says why the cluster is not Available.
	Reason string `json:"reason,omitempty"`
	// Message details Reason.
	Message string `json:"message,omitempty"`
	// Endpoints are the API server's addresses.
	Endpoints []ClusterEndpoint `json:"endpoints,omitempty"`
	// IsLocked is true when billing has locked the cluster.
	IsLocked bool `json:"isLocked,omitempty"`
	// LockScene is why it is locked.
	LockScene string `json:"lockScene,omitempty"`
	// LockSource is what locked it.
	LockSource string `json:"lockSource,omitempty"`
	// LockSourceID is the ID of what locked it.
	LockSourceID string `json:"lockSourceId,omitempty"`
	// DeleteOption is what a deletion removes, in a deletion's answer.
	DeleteOption json.RawMessage `json:"deleteOption,omitempty"`
	// DeleteStatus is how far a deletion got, in a deletion's answer.
	DeleteStatus json.RawMessage `json:"deleteStatus,omitempty"`
}

// ClusterEndpoint is one address of a cluster's API server.
type ClusterEndpoint struct {
	// URL is the address.
	URL string `json:"url,omitempty"`
	// Type is "Internal" or "External".
	Type string `json:"type,omitempty"`
}

// GetCluster returns the cluster clusterID: its phase, category, version
// and networks, which decide whether nodes may move between two clusters
// (same VPC, same category, both with or both without IPv6).
//
//	GET /api/v3/projects/{project_id}/clusters/{cluster_id}
//
// The request is retried on network errors, throttling and 502/503/504.
func (c *Client) GetCluster(ctx context.Context, clusterID string) (*Cluster, error) {
	if err := rest.CheckID("clusterID", clusterID); err != nil {
		return nil, err
	}
	var out Cluster
	_, err := c.rc.Do(ctx, &rest.Request{
		Op:     "cce.GetCluster",
		Method: http.MethodGet,
		Path:   "/api/v3/projects/{project_id}/clusters/{cluster_id}",
		Params: []string{c.projectID, clusterID},
		Out:    &out,
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
