package modelarts

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"strconv"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/internal/rest"
)

// NodePhase is the state of a node in a resource pool.
type NodePhase string

// The node phases the service documents.
const (
	// NodeAvailable means the node is ready for work. A migrated node has
	// arrived once it shows up in the target with this phase.
	NodeAvailable NodePhase = "Available"
	// NodeCreating means the node is being created.
	NodeCreating NodePhase = "Creating"
	// NodeDeleting means the node is being deleted.
	NodeDeleting NodePhase = "Deleting"
	// NodeAbnormal means the node is unhealthy.
	NodeAbnormal NodePhase = "Abnormal"
	// NodeChecking means the node is running its self-check.
	NodeChecking NodePhase = "Checking"
)

// Labels ModelArts puts on the nodes of a pool (Node.Metadata.Labels).
const (
	// LabelCluster names the cluster of a node in a lightweight cluster;
	// use its value as FromClusterName or ToClusterName.
	LabelCluster = "os.modelarts.node/cluster"
	// LabelNodePool is the node pool the node belongs to.
	LabelNodePool = "os.modelarts.node/nodepool"
	// LabelNodePoolName is the user-facing name of that node pool.
	LabelNodePoolName = "os.modelarts.node/nodepoolname"
	// LabelBatchUID identifies the batch the node was created in.
	LabelBatchUID = "os.modelarts.node/batch.uid"
	// LabelResourceID is the node's resource ID.
	LabelResourceID = "os.modelarts/resource.id"
)

// AnnotationDrain is the node annotation (Node.Metadata.Annotations) that
// holds a node's drain information once DrainNodes has drained it; see
// Node.DrainInfo.
const AnnotationDrain = "os.modelarts.node/drain"

// Node is one node of a resource pool, as ListPoolNodes returns it. Fields
// the service did not send are left zero.
type Node struct {
	// APIVersion is the resource version, "v2".
	APIVersion string `json:"apiVersion,omitempty"`
	// Kind is "Node".
	Kind string `json:"kind,omitempty"`
	// Metadata names and labels the node.
	Metadata NodeMetadata `json:"metadata"`
	// Spec is the node's configuration.
	Spec NodeSpec `json:"spec"`
	// Status is the node's current state.
	Status NodeStatus `json:"status"`
}

// Name returns Metadata.Name, the name BatchMigrateOptions.MigrateNodeNames
// takes.
func (n *Node) Name() string { return n.Metadata.Name }

// DrainInfo returns the node's drain information (the annotation
// AnnotationDrain) and whether the node has it, that is whether it has
// been drained and takes no new work. The service documents the
// annotation as "node drainage information" without saying what its text
// holds, so the text is returned as the service wrote it.
func (n *Node) DrainInfo() (info string, drained bool) {
	info, drained = n.Metadata.Annotations[AnnotationDrain]
	return info, drained
}

// NodeMetadata names and labels a node.
type NodeMetadata struct {
	// Name is the node name, such as "os-node-created-zrxm7".
	Name string `json:"name"`
	// CreationTimestamp is when the node was created, as the service
	// writes it.
	CreationTimestamp string `json:"creationTimestamp,omitempty"`
	// Labels are the node's Kubernetes labels; see LabelCluster and the
	// other Label constants for the keys ModelArts sets.
	Labels map[string]string `json:"labels,omitempty"`
	// Annotations are the node's Kubernetes annotations.
	Annotations map[string]string `json:"annotations,omitempty"`
}

// NodeSpec is a node's configuration.
type NodeSpec struct {
	// Flavor is the node's resource flavor.
	Flavor string `json:"flavor"`
	// OS describes the node's operating system, kept as the JSON the
	// service sent.
	OS json.RawMessage `json:"os,omitempty"`
	// HostNetwork is the node's network.
	HostNetwork *NodeNetwork `json:"hostNetwork,omitempty"`
	// RootVolume is the node's system disk.
	RootVolume *NodeVolume `json:"rootVolume,omitempty"`
	// DataVolumes are the node's data disks.
	DataVolumes []NodeVolume `json:"dataVolumes,omitempty"`
	// ExtendParams holds further settings of the node.
	ExtendParams *ResourceExtendParams `json:"extendParams,omitempty"`
}

// NodeVolume is a disk as the service describes it in an answer: a disk of
// a listed node, or of the nodes of a pool's resource flavor.
type NodeVolume struct {
	// VolumeType is the disk type, such as VolumeSSD.
	VolumeType VolumeType `json:"volumeType"`
	// Size is the disk size in GiB, as the service wrote it.
	Size Quantity `json:"size"`
	// Count is how many such disks the node has (the service's default is
	// one). It decodes from a JSON number or a number in a string.
	Count int `json:"count,omitempty"`
	// ExtendParams says which disk group a data disk belongs to, when the
	// service gives it.
	ExtendParams *VolumeExtendParams `json:"extendParams,omitempty"`
}

// UnmarshalJSON decodes a disk, accepting its count as a JSON number or as
// a number in a string (the official SDK models the count of a pool's data
// disks as a string).
func (v *NodeVolume) UnmarshalJSON(b []byte) error {
	type plain NodeVolume
	var w struct {
		plain
		Count json.RawMessage `json:"count"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	n, err := decodeCount(w.Count)
	if err != nil {
		return err
	}
	*v = NodeVolume(w.plain)
	v.Count = n
	return nil
}

// decodeCount reads a count sent as a JSON number, a number in a string,
// an empty string or null (zero).
func decodeCount(raw json.RawMessage) (int, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return 0, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, err
		}
		if s == "" {
			return 0, nil
		}
		raw = []byte(s)
	}
	n, err := strconv.Atoi(string(raw))
	if err != nil {
		return 0, errors.New("modelarts: count " + strconv.Quote(string(raw)) + " is not a whole number")
	}
	return n, nil
}

// NodeTaint is a Kubernetes taint on a listed node.
type NodeTaint struct {
	// Key is the taint key.
	Key string `json:"key"`
	// Value is the taint value.
	Value string `json:"value,omitempty"`
	// Effect is what the taint does to pods that do not tolerate it.
	Effect TaintEffect `json:"effect"`
	// TimeAdded is when the taint was added, as the service wrote it.
	TimeAdded string `json:"timeAdded,omitempty"`
}

// NodeStatus is a node's current state.
type NodeStatus struct {
	// Phase is where the node stands.
	Phase NodePhase `json:"phase"`
	// AZ is the availability zone of the node.
	AZ string `json:"az,omitempty"`
	// PrivateIP is the node's IP address.
	PrivateIP string `json:"privateIp,omitempty"`
	// Resources is the node's capacity, by resource name ("cpu", "memory"
	// in Gi, "nvidia.com/gpu", "huawei.com/ascend-snt9" ...).
	Resources map[string]Quantity `json:"resources,omitempty"`
	// AvailableResources is the part of that capacity still free.
	AvailableResources map[string]Quantity `json:"availableResources,omitempty"`
	// Taints are the node's Kubernetes taints.
	Taints []NodeTaint `json:"taints,omitempty"`
}

// Quantity is an amount the service writes as a string ("8", "32Gi") or,
// at times, as a bare number; both decode to its text.
type Quantity string

// UnmarshalJSON accepts a JSON string, a number or null.
func (q *Quantity) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || bytes.Equal(b, []byte("null")):
		*q = ""
		return nil
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*q = Quantity(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return errors.New("modelarts: quantity " + string(b) + " is neither a string nor a number")
	}
	*q = Quantity(n.String())
	return nil
}

// Node list paging: the service accepts pages of up to 500 nodes.
const maxNodePage = 500

// ListPoolNodesOptions narrows ListPoolNodes. A nil *ListPoolNodesOptions
// is the same as the zero value.
type ListPoolNodesOptions struct {
	// PageSize is how many nodes each request asks for (limit), 1 to 500;
	// zero lets the service choose (it sends up to 500).
	PageSize int
}

type nodeList struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Continue           string `json:"continue"`
		RemainingItemCount *int   `json:"remainingItemCount"`
	} `json:"metadata"`
	Items []*Node `json:"items"`
}

// ListPoolNodes lists the nodes of the resource pool poolName. After a
// migration, use it on the target pool to confirm the nodes arrived with
// phase NodeAvailable.
//
// API: GET /v2/{project_id}/pools/{pool_name}/nodes?limit=&continue=
//
// The service pages the list: each answer's metadata.continue is the token
// for the next page, and an empty token ends the list. The sequence
// fetches the next page only when the caller iterates past the nodes it
// has. An error is yielded once and ends the sequence; bad arguments are a
// *cloudmigrate.ValidationError yielded before anything is sent. An unknown
// pool is a *cloudmigrate.Error with the code CodePoolNotFound.
func (c *Client) ListPoolNodes(ctx context.Context, poolName string, opts *ListPoolNodesOptions) iter.Seq2[*Node, error] {
	return func(yield func(*Node, error) bool) {
		if err := checkID("poolName", poolName); err != nil {
			yield(nil, err)
			return
		}
		q := url.Values{}
		if opts != nil && opts.PageSize != 0 {
			if opts.PageSize < 0 || opts.PageSize > maxNodePage {
				yield(nil, cloudmigrate.Invalid("limit", "page size %d is outside 1 to %d", opts.PageSize, maxNodePage))
				return
			}
			q.Set("limit", strconv.Itoa(opts.PageSize))
		}
		token := ""
		for {
			if token != "" {
				q.Set("continue", token)
			}
			var page nodeList
			if _, err := c.rc.Do(ctx, &rest.Request{
				Op:     "modelarts.ListPoolNodes",
				Method: http.MethodGet,
				Path:   "/v2/{project_id}/pools/{pool_name}/nodes",
				Params: []string{c.projectID, poolName},
				Query:  q,
				Out:    &page,
			}); err != nil {
				yield(nil, err)
				return
			}
			for _, n := range page.Items {
				if n == nil {
					continue
				}
				if !yield(n, nil) {
					return
				}
			}
			next := page.Metadata.Continue
			if next == "" {
				return
			}
			if next == token {
				yield(nil, errors.New("modelarts: the node list returned the same continue token twice"))
				return
			}
			token = next
		}
	}
}
