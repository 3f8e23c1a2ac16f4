package ccetest

import (
	"fmt"
	"slices"
	"time"
)

// Node phases the fake reports, as CCE writes them in a node's
// status.phase.
const (
	// PhaseActive is a node that is ready for work. AddNode adds nodes in
	// this phase, and a node that moved to its target cluster gets it.
	PhaseActive = "Active"
	// PhaseInstalling is a node whose operating system is being
	// reinstalled: the fake shows it while the node's migration sub-job
	// runs. The node is still listed in its source cluster.
	PhaseInstalling = "Installing"
	// PhaseError is a node whose migration sub-job failed. It stays in its
	// source cluster and can be migrated again.
	PhaseError = "Error"
)

// NodeInfo describes a node of the fake, as ClusterNodes and Node report
// it.
type NodeInfo struct {
	// UID is the node's ID.
	UID string
	// Name is the node's name.
	Name string
	// ClusterID is the cluster the node belongs to.
	ClusterID string
	// Phase is the node's status.phase: PhaseActive, PhaseInstalling or
	// PhaseError.
	Phase string
	// MigrationJobID is the ID of the migration job under way on the node,
	// or "" when none is.
	MigrationJobID string
	// SSHKey is the key pair the last successful migration installed, or
	// "" when it installed a password or no migration has succeeded.
	SSHKey string
	// Username is the login account the last successful migration set up
	// with a password ("root" when the request gave none), or "".
	Username string
}

// cluster is the fake's record of one cluster.
type cluster struct {
	id, name string
}

// node is the fake's record of one node.
type node struct {
	uid, name string
	clusterID string
	phase     string
	seq       int // orders the nodes of a cluster: when the node joined it
	active    *job
	sub       int // index of the node's sub-job in active
	login     nodeLogin
}

// nodeLogin is the login a successful migration installed on a node.
type nodeLogin struct {
	sshKey   string
	username string
	crypt    string // SHA-512 crypt string of the password, decoded
}

// AddCluster adds a cluster, or renames the one with the same ID. It panics
// on an empty ID or one containing "/".
func (s *Server) AddCluster(id, name string) {
	mustID("AddCluster", "cluster", id)
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.clusters[id]; c != nil {
		c.name = name
		return
	}
	s.clusters[id] = &cluster{id: id, name: name}
}

// AddNode adds a node in phase PhaseActive to the cluster clusterID. A node
// with the same uid anywhere is replaced (and a migration under way on it
// no longer affects it). It panics on an empty uid, one containing "/", or
// a cluster the server does not have.
func (s *Server) AddNode(clusterID, uid, name string) {
	mustID("AddNode", "node", uid)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.clusters[clusterID] == nil {
		panic(fmt.Sprintf("ccetest: AddNode: no cluster %q; call AddCluster first", clusterID))
	}
	s.nodeSeq++
	s.nodes[uid] = &node{uid: uid, name: name, clusterID: clusterID, phase: PhaseActive, seq: s.nodeSeq}
}

func mustID(fn, what, id string) {
	if id == "" {
		panic(fmt.Sprintf("ccetest: %s: empty %s ID", fn, what))
	}
	for _, c := range id {
		if c == '/' {
			panic(fmt.Sprintf("ccetest: %s: %s ID %q contains '/'", fn, what, id))
		}
	}
}

// ClusterNodes returns the nodes of cluster id, in the order they joined
// it, with the effect of every sub-job that has ended by the fake's clock
// applied. It returns nil for a cluster the server does not have.
func (s *Server) ClusterNodes(id string) []NodeInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	if s.clusters[id] == nil {
		return nil
	}
	list := s.clusterNodesLocked(id)
	out := make([]NodeInfo, len(list))
	for i, n := range list {
		out[i] = n.info(now)
	}
	return out
}

// Node returns the node uid as it stands by the fake's clock, and false
// when there is no such node.
func (s *Server) Node(uid string) (NodeInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	n := s.nodes[uid]
	if n == nil {
		return NodeInfo{}, false
	}
	return n.info(now), true
}

// clusterNodesLocked returns the nodes of cluster id in joining order. The
// caller holds s.mu and has settled the jobs.
func (s *Server) clusterNodesLocked(id string) []*node {
	var list []*node
	for _, n := range s.nodes {
		if n.clusterID == id {
			list = append(list, n)
		}
	}
	slices.SortFunc(list, func(a, b *node) int { return a.seq - b.seq })
	return list
}

// phaseAt returns the node's phase at now: PhaseInstalling while its
// migration sub-job runs, its recorded phase otherwise.
func (n *node) phaseAt(now time.Time) string {
	if n.active != nil {
		if st, _, _ := n.active.subTimeline(n.sub).At(now); st == jobRunning {
			return PhaseInstalling
		}
	}
	return n.phase
}

func (n *node) info(now time.Time) NodeInfo {
	info := NodeInfo{
		UID: n.uid, Name: n.name, ClusterID: n.clusterID, Phase: n.phaseAt(now),
		SSHKey: n.login.sshKey, Username: n.login.username,
	}
	if n.active != nil {
		info.MigrationJobID = n.active.id
	}
	return info
}

// CheckNodePassword reports whether plain is the password the last
// successful migration of node uid set up, by checking it against the
// salted form (SHA-512 crypt) the request carried. It is false for an
// unknown node and for a node that got a key pair or no login yet.
func (s *Server) CheckNodePassword(uid, plain string) bool {
	s.mu.Lock()
	n := s.nodes[uid]
	var stored string
	if n != nil {
		s.settleLocked(s.Clock().Now())
		stored = n.login.crypt
	}
	s.mu.Unlock()
	if stored == "" {
		return false
	}
	return cryptMatches(stored, plain)
}

// settleLocked applies the outcome of every sub-job that has ended by now:
// a successful one moves its node to the target cluster as PhaseActive,
// with the login of the migration; a failed one leaves the node in its
// cluster as PhaseError. The caller holds s.mu. Since the clock only moves
// forward, a sub-job that has ended stays ended, and each is applied once.
func (s *Server) settleLocked(now time.Time) {
	kept := s.pending[:0]
	for _, j := range s.pending {
		left := 0
		for i := range j.nodes {
			if j.applied[i] {
				continue
			}
			st, _, _ := j.subTimeline(i).At(now)
			if st != jobSuccess && st != jobFailed {
				left++
				continue
			}
			j.applied[i] = true
			n := s.nodes[j.nodes[i].uid]
			if n == nil || n.active != j {
				continue // replaced by AddNode while the job ran
			}
			n.active = nil
			if st == jobFailed {
				n.phase = PhaseError
				continue
			}
			s.nodeSeq++
			n.clusterID, n.seq, n.phase, n.login = j.target, s.nodeSeq, PhaseActive, j.login
		}
		if left > 0 {
			kept = append(kept, j)
		}
	}
	clear(s.pending[len(kept):])
	s.pending = kept
}
