package ccetest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/cloudmigrate/cloudmigrate/cce"
	"github.com/cloudmigrate/cloudmigrate/internal/fake"
)

// wireNodeList is the answer of OpListNodes, in CCE's form.
type wireNodeList struct {
	Kind       string     `json:"kind"`
	APIVersion string     `json:"apiVersion"`
	Items      []wireNode `json:"items"`
}

// wireNode is one node, as OpGetNode answers and OpListNodes lists it,
// with the fields the fake keeps. Its types are the fake's own, so that a
// mistake in the SDK's JSON tags shows up as a missing value.
type wireNode struct {
	Kind       string         `json:"kind"`
	APIVersion string         `json:"apiVersion"`
	Metadata   wireNodeMeta   `json:"metadata"`
	Spec       wireNodeSpec   `json:"spec"`
	Status     wireNodeStatus `json:"status"`
}

type wireNodeMeta struct {
	UID               string            `json:"uid"`
	Name              string            `json:"name"`
	CreationTimestamp string            `json:"creationTimestamp"`
	UpdateTimestamp   string            `json:"updateTimestamp"`
	Annotations       map[string]string `json:"annotations"`
	OwnerReferences   *wireOwner        `json:"ownerReferences,omitempty"`
}

type wireOwner struct {
	NodePoolName string `json:"nodepoolName"`
	NodePoolID   string `json:"nodepoolID"`
}

type wireNodeSpec struct {
	Flavor      string       `json:"flavor"`
	AZ          string       `json:"az"`
	OS          string       `json:"os"`
	Login       *wireLogin   `json:"login,omitempty"`
	RootVolume  wireVolume   `json:"rootVolume"`
	DataVolumes []wireVolume `json:"dataVolumes"`
	Runtime     *runtimeSpec `json:"runtime,omitempty"`
	BillingMode int          `json:"billingMode"`
}

// wireLogin is a node's login as CCE shows it: the key pair, or the
// account of a password login with the password masked.
type wireLogin struct {
	SSHKey       string            `json:"sshKey,omitempty"`
	UserPassword *userPasswordSpec `json:"userPassword,omitempty"`
}

type wireVolume struct {
	Size       int    `json:"size"`
	VolumeType string `json:"volumetype"`
}

type wireNodeStatus struct {
	Phase string `json:"phase"`
	// JobID is the job working on the node: here, a migration under way.
	JobID     string `json:"jobID,omitempty"`
	ServerID  string `json:"serverId"`
	PrivateIP string `json:"privateIP"`
}

// Disks every node of the fake has.
const (
	rootVolumeGiB = 50
	dataVolumeGiB = 100
	volumeType    = "SAS"
)

// poolAnnotation is the kubernetes.io/node-pool.id of a node of the
// default pool, in the form of the API reference's examples.
func (n *node) poolAnnotation() string {
	if n.pool != "" {
		return n.pool
	}
	return n.cfg.AZ + "#" + n.cfg.Flavor + "#" + n.cfg.OS
}

func (s *Server) wireNode(n *node, now time.Time) wireNode {
	w := wireNode{
		Kind: "Node", APIVersion: "v3",
		Metadata: wireNodeMeta{
			UID: n.uid, Name: n.name,
			CreationTimestamp: cceTime(n.created), UpdateTimestamp: cceTime(n.updated),
			Annotations: map[string]string{cce.AnnotationNodePoolID: n.poolAnnotation()},
		},
		Spec: wireNodeSpec{
			Flavor: n.cfg.Flavor, AZ: n.cfg.AZ, OS: n.cfg.OS,
			RootVolume:  wireVolume{Size: rootVolumeGiB, VolumeType: volumeType},
			DataVolumes: []wireVolume{{Size: dataVolumeGiB, VolumeType: volumeType}},
			Runtime:     &runtimeSpec{Name: n.runtime},
		},
		Status: wireNodeStatus{
			Phase:     n.phaseAt(now),
			ServerID:  fmt.Sprintf("8a3b1f6e-0c2d-4e5f-9a7b-%012x", n.serial),
			PrivateIP: fmt.Sprintf("192.168.%d.%d", n.serial/250, 2+n.serial%250),
		},
	}
	if c := s.clusters[n.clusterID]; c != nil && n.pool != "" {
		if p := c.pools[n.pool]; p != nil {
			w.Metadata.OwnerReferences = &wireOwner{NodePoolName: p.name, NodePoolID: p.id}
		}
	}
	switch {
	case n.login.sshKey != "":
		w.Spec.Login = &wireLogin{SSHKey: n.login.sshKey}
	case n.login.username != "":
		w.Spec.Login = &wireLogin{UserPassword: &userPasswordSpec{Username: n.login.username, Password: maskedPassword}}
	}
	if n.active != nil && !s.hideNodeJobs {
		w.Status.JobID = n.active.id
	}
	return w
}

// listNodes serves OpListNodes.
func (s *Server) listNodes(r *fake.Request) fake.Response {
	if resp, ok := s.checkProject(r); !ok {
		return resp
	}
	id := r.PathValue("cluster_id")
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	if s.clusters[id] == nil {
		return s.notFound("cluster %s not found", id)
	}
	out := wireNodeList{Kind: "List", APIVersion: "v3", Items: []wireNode{}}
	for _, n := range s.clusterNodesLocked(id) {
		out.Items = append(out.Items, s.wireNode(n, now))
	}
	return fake.JSON(http.StatusOK, out)
}

// getNode serves OpGetNode.
func (s *Server) getNode(r *fake.Request) fake.Response {
	if resp, ok := s.checkProject(r); !ok {
		return resp
	}
	cid, uid := r.PathValue("cluster_id"), r.PathValue("node_id")
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	if s.clusters[cid] == nil {
		return s.notFound("cluster %s not found", cid)
	}
	n := s.nodes[uid]
	if n == nil || n.clusterID != cid {
		return s.notFound("node %s not found in cluster %s", uid, cid)
	}
	return fake.JSON(http.StatusOK, s.wireNode(n, now))
}

// wireCluster is a cluster as OpGetCluster answers it, with the fields the
// fake keeps.
type wireCluster struct {
	Kind       string            `json:"kind"`
	APIVersion string            `json:"apiVersion"`
	Metadata   wireClusterMeta   `json:"metadata"`
	Spec       wireClusterSpec   `json:"spec"`
	Status     wireClusterStatus `json:"status"`
}

type wireClusterMeta struct {
	Name              string `json:"name"`
	UID               string `json:"uid"`
	Alias             string `json:"alias"`
	CreationTimestamp string `json:"creationTimestamp"`
	UpdateTimestamp   string `json:"updateTimestamp"`
}

type wireClusterSpec struct {
	Category         string           `json:"category"`
	Type             string           `json:"type"`
	Flavor           string           `json:"flavor"`
	Version          string           `json:"version"`
	IPv6Enable       bool             `json:"ipv6enable"`
	HostNetwork      wireHostNetwork  `json:"hostNetwork"`
	ContainerNetwork wireContainerNet `json:"containerNetwork"`
	KubeProxyMode    string           `json:"kubeProxyMode"`
	BillingMode      int              `json:"billingMode"`
}

type wireHostNetwork struct {
	VPC    string `json:"vpc"`
	Subnet string `json:"subnet"`
}

type wireContainerNet struct {
	Mode string `json:"mode"`
	CIDR string `json:"cidr"`
}

type wireClusterStatus struct {
	Phase     string         `json:"phase"`
	Endpoints []wireEndpoint `json:"endpoints"`
}

type wireEndpoint struct {
	URL  string `json:"url"`
	Type string `json:"type"`
}

// getCluster serves OpGetCluster.
func (s *Server) getCluster(r *fake.Request) fake.Response {
	if resp, ok := s.checkProject(r); !ok {
		return resp
	}
	id := r.PathValue("cluster_id")
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.clusters[id]
	if c == nil {
		return s.notFound("cluster %s not found", id)
	}
	mode := "vpc-router"
	if c.cfg.Category == cce.CategoryTurbo {
		mode = "eni"
	}
	out := wireCluster{
		Kind: "Cluster", APIVersion: "v3",
		Metadata: wireClusterMeta{
			Name: cmp.Or(c.name, c.id), UID: c.id, Alias: cmp.Or(c.name, c.id),
			CreationTimestamp: cceTime(c.created), UpdateTimestamp: cceTime(c.created),
		},
		Spec: wireClusterSpec{
			Category: c.cfg.Category, Type: "VirtualMachine", Flavor: c.cfg.Flavor, Version: c.cfg.Version,
			IPv6Enable:       c.cfg.IPv6,
			HostNetwork:      wireHostNetwork{VPC: c.cfg.VPC, Subnet: c.cfg.Subnet},
			ContainerNetwork: wireContainerNet{Mode: mode, CIDR: "172.16.0.0/16"},
			KubeProxyMode:    "iptables",
		},
		Status: wireClusterStatus{Phase: c.cfg.Phase, Endpoints: []wireEndpoint{
			{URL: "https://192.168.0.10:5443", Type: "Internal"},
		}},
	}
	return fake.JSON(http.StatusOK, out)
}

// poolMigration is the body of OpMigrateToNodePool, in CCE's form.
type poolMigration struct {
	APIVersion *string `json:"apiVersion"`
	Kind       *string `json:"kind"`
	NodeList   []struct {
		NodeID string `json:"nodeID"`
	} `json:"nodeList"`
}

// migrateToNodePool serves OpMigrateToNodePool: every node moves, or none.
func (s *Server) migrateToNodePool(r *fake.Request) fake.Response {
	if resp, ok := s.checkProject(r); !ok {
		return resp
	}
	if ct := r.Header.Get("Content-Type"); !isJSON(ct) {
		return s.badRequest("Content-Type must be application/json, not %q", ct)
	}
	var body poolMigration
	if err := json.Unmarshal(r.Body, &body); err != nil {
		return s.badRequest("request body is not a valid node list: %v", err)
	}
	switch {
	case body.APIVersion != nil && *body.APIVersion != cce.NodePoolMigrationAPIVersion:
		return s.badRequest("apiVersion must be %q, not %q", cce.NodePoolMigrationAPIVersion, *body.APIVersion)
	case body.Kind != nil && *body.Kind != cce.NodePoolMigrationKind:
		return s.badRequest("kind must be %q, not %q", cce.NodePoolMigrationKind, *body.Kind)
	case len(body.NodeList) == 0:
		return s.badRequest("nodeList must list at least one node")
	case len(body.NodeList) > cce.MaxNodesPerPoolMigration:
		return s.badRequest("nodeList lists %d nodes; at most %d nodes can be migrated at a time", len(body.NodeList), cce.MaxNodesPerPoolMigration)
	}
	cid, pid := r.PathValue("cluster_id"), r.PathValue("nodepool_id")
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	c := s.clusters[cid]
	if c == nil {
		return s.notFound("cluster %s not found", cid)
	}
	pool := c.pools[pid]
	if pool == nil {
		return s.notFound("node pool %s not found in cluster %s", pid, cid)
	}
	nodes := make([]*node, 0, len(body.NodeList))
	seen := map[string]bool{}
	for _, item := range body.NodeList {
		n := s.nodes[item.NodeID]
		switch {
		case item.NodeID == "":
			return s.badRequest("nodeList has a node without nodeID")
		case seen[item.NodeID]:
			return s.badRequest("nodeList lists node %s twice", item.NodeID)
		case n == nil || n.clusterID != cid:
			return s.notFound("node %s not found in cluster %s", item.NodeID, cid)
		case n.active != nil:
			return s.badRequest("node %s is being migrated by job %s", n.uid, n.active.id)
		case n.pool != "":
			return s.badRequest("node %s is in node pool %s; only nodes of %s can be migrated", n.uid, n.pool, DefaultNodePoolID)
		case n.phaseAt(now) != PhaseActive:
			return s.badRequest("node %s is %s; only running (Active) nodes can be migrated", n.uid, n.phaseAt(now))
		case n.cfg != pool.template:
			return s.badRequest("node %s (%s, %s, %s) does not match node pool %s (%s, %s, %s)", n.uid,
				n.cfg.Flavor, n.cfg.AZ, n.cfg.OS, pool.id, pool.template.Flavor, pool.template.AZ, pool.template.OS)
		}
		seen[item.NodeID] = true
		nodes = append(nodes, n)
	}
	for _, n := range nodes {
		n.pool, n.updated = pool.id, now
	}
	return fake.Response{Status: http.StatusOK}
}
