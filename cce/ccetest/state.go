package ccetest

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/cloudmigrate/cloudmigrate/cce"
)

// Node phases the fake reports, as CCE writes them in a node's
// status.phase.
const (
	// PhaseActive is a node that is ready for work. AddNode adds nodes in
	// this phase, and a node that moved to its target cluster gets it.
	PhaseActive = "Active"
	// PhaseInstalling is a node whose operating system is being
	// reinstalled: the fake shows it from the moment a migration of the
	// node is accepted until the node's sub-job ends. The node is still
	// listed in its source cluster.
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
	// Phase is the node's status.phase: PhaseActive, PhaseInstalling,
	// PhaseError, or a phase SetNodePhase set.
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
	// RootVolumeCMKID is the key the last successful migration encrypted
	// the system disk with (serverConfig.rootVolume.cmkID), or "" when the
	// disk is not encrypted.
	RootVolumeCMKID string
	// Flavor, AZ and OS are the node's flavor, availability zone and
	// operating system (the last one a migration installed).
	Flavor, AZ, OS string
	// Runtime is the node's container runtime: the one a migration asked
	// for or CCE's default for the OS.
	Runtime string
	// NodePoolID is the node pool the node is in: DefaultNodePoolID, or
	// the ID of a pool of AddNodePool it moved into.
	NodePoolID string
}

// Defaults of the clusters, node pools and nodes the fake adds.
const (
	// DefaultClusterVersion is a cluster's Kubernetes version.
	DefaultClusterVersion = "v1.28"
	// DefaultClusterFlavor is a cluster's flavor.
	DefaultClusterFlavor = "cce.s2.small"
	// DefaultVPC and DefaultSubnet are the VPC and subnet of a cluster's
	// nodes.
	DefaultVPC    = "3305eb40-2707-4940-921c-9f335f84a2ca"
	DefaultSubnet = "4e7b4f44-9b30-4f7a-9c3e-2ab0f5b2d1f6"
	// DefaultNodeFlavor, DefaultNodeAZ and DefaultNodeOS are a node's (and
	// a node pool template's) flavor, availability zone and OS.
	DefaultNodeFlavor = "c7.large.2"
	DefaultNodeAZ     = "xx-fake-1a"
	DefaultNodeOS     = "EulerOS 2.9"
	// DefaultNodePoolID is the ID the fake reports for a cluster's default
	// node pool in NodeInfo (cce.DefaultNodePoolID). On the wire a node of
	// the default pool carries the annotation kubernetes.io/node-pool.id
	// in the "{az}#{flavor}#{os}" form of the API reference's examples.
	DefaultNodePoolID = cce.DefaultNodePoolID
)

// ClusterConfig is the set-up of a cluster, for ConfigureCluster. Empty
// fields take the defaults.
type ClusterConfig struct {
	// Category is cce.CategoryCCE (the default) or cce.CategoryTurbo.
	Category string
	// Version is the Kubernetes version (DefaultClusterVersion).
	Version string
	// Flavor is the cluster flavor (DefaultClusterFlavor).
	Flavor string
	// VPC and Subnet are the nodes' network (DefaultVPC, DefaultSubnet).
	VPC, Subnet string
	// IPv6 turns IPv6 on.
	IPv6 bool
	// Phase is status.phase (cce.ClusterAvailable).
	Phase string
}

// NodeConfig is the set-up of a node, for ConfigureNode, or of a node
// pool's template, for AddNodePool. Empty fields take the defaults
// (DefaultNodeFlavor, DefaultNodeAZ, DefaultNodeOS).
type NodeConfig struct {
	// Flavor is the node's flavor (spec.flavor), such as "c7.large.2".
	Flavor string
	// AZ is the node's availability zone (spec.az).
	AZ string
	// OS is the node's operating system (spec.os).
	OS string
}

func (c NodeConfig) withDefaults() NodeConfig {
	c.Flavor = cmp.Or(c.Flavor, DefaultNodeFlavor)
	c.AZ = cmp.Or(c.AZ, DefaultNodeAZ)
	c.OS = cmp.Or(c.OS, DefaultNodeOS)
	return c
}

// cluster is the fake's record of one cluster.
type cluster struct {
	id, name string
	cfg      ClusterConfig // with defaults filled in
	created  time.Time
	pools    map[string]*nodePool
}

// nodePool is the fake's record of a custom node pool.
type nodePool struct {
	id, name string
	template NodeConfig
}

func (c ClusterConfig) withDefaults() ClusterConfig {
	c.Category = cmp.Or(c.Category, cce.CategoryCCE)
	c.Version = cmp.Or(c.Version, DefaultClusterVersion)
	c.Flavor = cmp.Or(c.Flavor, DefaultClusterFlavor)
	c.VPC = cmp.Or(c.VPC, DefaultVPC)
	c.Subnet = cmp.Or(c.Subnet, DefaultSubnet)
	c.Phase = cmp.Or(c.Phase, string(cce.ClusterAvailable))
	return c
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
	cmkID     string
	cfg       NodeConfig // flavor, zone and OS, defaults filled in
	runtime   string
	pool      string // the custom pool the node is in; "" for the default pool
	created   time.Time
	updated   time.Time
	serial    int // gives the node its server ID and address
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
	s.clusters[id] = &cluster{id: id, name: name, cfg: ClusterConfig{}.withDefaults(), created: s.Clock().Now(), pools: map[string]*nodePool{}}
}

// ConfigureCluster sets up cluster id as cfg says, empty fields taking
// the defaults. The category, VPC and IPv6 setting decide whether nodes
// may move between two clusters; the phase is what GetCluster shows. It
// panics on a cluster the server does not have.
func (s *Server) ConfigureCluster(id string, cfg ClusterConfig) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.mustCluster("ConfigureCluster", id)
	c.cfg = cfg.withDefaults()
}

// AddNodePool adds a custom node pool to cluster clusterID, or replaces
// the one with the same ID there, whose nodes then count as its nodes.
// template gives the flavor, zone and OS of its nodes: OpMigrateToNodePool
// takes only nodes that match it. It panics on an empty pool ID, one
// containing "/" or DefaultNodePoolID, or a cluster the server does not
// have.
func (s *Server) AddNodePool(clusterID, poolID, name string, template NodeConfig) {
	mustID("AddNodePool", "node pool", poolID)
	if poolID == DefaultNodePoolID {
		panic("ccetest: AddNodePool: " + DefaultNodePoolID + " is the default pool")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.mustCluster("AddNodePool", clusterID)
	c.pools[poolID] = &nodePool{id: poolID, name: name, template: template.withDefaults()}
}

// ConfigureNode sets the flavor, zone and OS of node uid, empty fields
// taking the defaults. It panics on a node the server does not have.
func (s *Server) ConfigureNode(uid string, cfg NodeConfig) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked(s.Clock().Now())
	s.mustNode("ConfigureNode", uid).cfg = cfg.withDefaults()
}

// SetNodePhase makes node uid show phase in status.phase, such as
// cce.NodePhaseAbnormal, until a migration changes it (while its sub-job
// runs the node still shows PhaseInstalling). It panics on a node the
// server does not have.
func (s *Server) SetNodePhase(uid, phase string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	n := s.mustNode("SetNodePhase", uid)
	n.phase, n.updated = phase, now
}

func (s *Server) mustCluster(fn, id string) *cluster {
	c := s.clusters[id]
	if c == nil {
		panic(fmt.Sprintf("ccetest: %s: no cluster %q; call AddCluster first", fn, id))
	}
	return c
}

func (s *Server) mustNode(fn, uid string) *node {
	n := s.nodes[uid]
	if n == nil {
		panic(fmt.Sprintf("ccetest: %s: no node %q; call AddNode first", fn, uid))
	}
	return n
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
	cfg := NodeConfig{}.withDefaults()
	now := s.Clock().Now()
	s.nodes[uid] = &node{
		uid: uid, name: name, clusterID: clusterID, phase: PhaseActive, seq: s.nodeSeq,
		cfg: cfg, runtime: defaultRuntime(cfg.OS), created: now, updated: now, serial: s.nodeSeq,
	}
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

// phaseAt returns the node's phase at now: PhaseInstalling from the
// moment a migration is accepted until its sub-job ends, its recorded
// phase otherwise.
func (n *node) phaseAt(now time.Time) string {
	if n.active != nil {
		if st, _, _ := n.active.subTimeline(n.sub).At(now); st == jobInitializing || st == jobRunning {
			return PhaseInstalling
		}
	}
	return n.phase
}

func (n *node) info(now time.Time) NodeInfo {
	info := NodeInfo{
		UID: n.uid, Name: n.name, ClusterID: n.clusterID, Phase: n.phaseAt(now),
		SSHKey: n.login.sshKey, Username: n.login.username, RootVolumeCMKID: n.cmkID,
		Flavor: n.cfg.Flavor, AZ: n.cfg.AZ, OS: n.cfg.OS, Runtime: n.runtime,
		NodePoolID: cmp.Or(n.pool, DefaultNodePoolID),
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
			n.updated = stepStart(j.subTimeline(i), 2)
			switch {
			case st == jobFailed:
				n.phase = PhaseError
				continue
			case j.misreport:
				// The job reports Success, but the node stays behind.
				n.phase = PhaseActive
				continue
			}
			s.nodeSeq++
			n.clusterID, n.seq, n.phase, n.login, n.cmkID = j.target, s.nodeSeq, PhaseActive, j.login, j.cmkID
			n.cfg.OS, n.runtime, n.pool = j.os, j.runtime, ""
		}
		if left > 0 {
			kept = append(kept, j)
		}
	}
	clear(s.pending[len(kept):])
	s.pending = kept
}
