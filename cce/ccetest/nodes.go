package ccetest

import (
	"net/http"
	"time"

	"github.com/cloudmigrate/cloudmigrate/internal/fake"
)

// wireNodeList is the answer of OpListNodes, in CCE's form. The fake fills
// only the fields it keeps.
type wireNodeList struct {
	Kind       string     `json:"kind"`
	APIVersion string     `json:"apiVersion"`
	Items      []wireNode `json:"items"`
}

// wireNode is one node, as OpGetNode answers and OpListNodes lists it.
type wireNode struct {
	Kind       string         `json:"kind"`
	APIVersion string         `json:"apiVersion"`
	Metadata   wireNodeMeta   `json:"metadata"`
	Status     wireNodeStatus `json:"status"`
}

type wireNodeMeta struct {
	UID  string `json:"uid"`
	Name string `json:"name"`
}

type wireNodeStatus struct {
	Phase string `json:"phase"`
	// JobID is the job working on the node: here, a migration under way.
	JobID string `json:"jobID,omitempty"`
}

func (n *node) wire(now time.Time) wireNode {
	w := wireNode{
		Kind: "Node", APIVersion: "v3",
		Metadata: wireNodeMeta{UID: n.uid, Name: n.name},
		Status:   wireNodeStatus{Phase: n.phaseAt(now)},
	}
	if n.active != nil {
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
		out.Items = append(out.Items, n.wire(now))
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
	return fake.JSON(http.StatusOK, n.wire(now))
}
