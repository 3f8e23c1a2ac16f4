package modelartstest

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/cloudmigrate/cloudmigrate/internal/fake"
	"github.com/cloudmigrate/cloudmigrate/modelarts"
)

// pool is the fake's record of one resource pool.
type pool struct {
	name string
	// cluster is the cluster name migrations use for the pool: the pool's
	// own name for a dedicated pool, or the name SetPoolCluster gave.
	cluster string
	phase   modelarts.PoolPhase
	created time.Time
}

// node is the fake's record of one node.
type node struct {
	name    string
	pool    string
	flavor  string
	labels  map[string]string // LabelCluster among them
	created time.Time
	ip      string
	// phase is the node's phase when no migration is moving it.
	phase modelarts.NodePhase
	// job is the migration under way on the node, or nil.
	job *job
	// locked is whether the node's delete function is locked.
	locked bool
	// drained is when the node was drained in its current pool; zero if
	// it is not drained.
	drained time.Time
}

// Stages of a migration job's timeline. The first two are the phases the
// moving nodes show; the last is the job's final phase.
const (
	stageChecking = string(modelarts.NodeChecking)
	stageCreating = string(modelarts.NodeCreating)
)

// job is one batch migration.
type job struct {
	id, name  string
	from, to  string // source and target pools
	toCluster string
	nodes     []string
	flavor    string            // flavor in the target; "" keeps the node's
	nodePool  string            // resourceSpec.nodePool, if given
	labels    map[string]string // resourceSpec.labels, added at success

	start               time.Time
	checkFor, createFor time.Duration
	fail                bool
	message             string // failure reason when fail
	ghost               bool   // ends Success without moving the nodes
	inputs              string // the job's inputs as sent, "" for none
}

func (j *job) timeline() fake.Timeline {
	final := string(modelarts.JobSuccess)
	if j.fail {
		final = string(modelarts.JobFailed)
	}
	return fake.Timeline{Start: j.start, Steps: []fake.Step{
		{State: stageChecking, For: j.checkFor},
		{State: stageCreating, For: j.createFor},
		{State: final},
	}}
}

// end is when the job reaches its final phase.
func (j *job) end() time.Time { return j.start.Add(j.checkFor + j.createFor) }

// stateAt returns the job's phase at now (Running, Success or Failed) and
// the stage its nodes are in while it runs.
func (j *job) stateAt(now time.Time) (phase modelarts.JobPhase, stage string) {
	st, i, _ := j.timeline().At(now)
	if i == 2 {
		return modelarts.JobPhase(st), ""
	}
	return modelarts.JobRunning, st
}

// AddPool adds an empty resource pool. The pool is a dedicated pool: its
// cluster name (fromClusterName, toClusterName) is the pool's name until
// SetPoolCluster says otherwise. Adding a pool that exists does nothing.
// It panics on a name other than letters, digits, '-' and '_'.
func (s *Server) AddPool(name string) {
	if !validName(name) {
		panic(fmt.Sprintf("modelartstest: AddPool: bad pool name %q", name))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pools[name] == nil {
		s.pools[name] = &pool{name: name, cluster: name, phase: modelarts.PoolRunning, created: s.Clock().Now()}
	}
}

// SetPoolPhase sets the phase a pool shows in GetPool and ListPools, such
// as modelarts.PoolCreating (pools start Running). ListPools' status
// filter reads it: Creating and Waiting are "creating", CreationFailed is
// "failed", any other phase "created". It panics on an unknown pool or an
// empty phase.
func (s *Server) SetPoolPhase(poolName string, phase modelarts.PoolPhase) {
	if phase == "" {
		panic("modelartstest: SetPoolPhase: empty phase")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pools[poolName]
	if p == nil {
		panic(fmt.Sprintf("modelartstest: SetPoolPhase: no pool %q", poolName))
	}
	p.phase = phase
}

// NodeLocked reports whether a node's delete function is locked
// (LockNodes), and false for an unknown node.
func (s *Server) NodeLocked(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nodes[name]
	return n != nil && n.locked
}

// NodeDrained reports whether a node is drained in the pool it is in
// (DrainNodes), and false for an unknown node. A node that moves to
// another pool arrives undrained.
func (s *Server) NodeDrained(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked(s.Clock().Now())
	n := s.nodes[name]
	return n != nil && !n.drained.IsZero()
}

// SucceedNextWithoutMoving makes the next n migrations the fake accepts
// end with the job phase Success while their nodes stay where they were,
// Available in the source pool: a job that claims a move that did not
// happen, for testing clients that check where the nodes are.
func (s *Server) SucceedNextWithoutMoving(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ghosts += n
}

// SetPoolCluster gives the pool the cluster name of a lightweight cluster,
// such as "lite-cluster-1dc682c4-e04d-11ee-bda6-0255ac1001ba". Migrations
// must then name it in fromClusterName and toClusterName, and the pool's
// nodes carry it in the label modelarts.LabelCluster. It panics on an
// unknown pool or an empty cluster name.
func (s *Server) SetPoolCluster(poolName, cluster string) {
	if cluster == "" {
		panic("modelartstest: SetPoolCluster: empty cluster name")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked(s.Clock().Now())
	p := s.pools[poolName]
	if p == nil {
		panic(fmt.Sprintf("modelartstest: SetPoolCluster: no pool %q", poolName))
	}
	p.cluster = cluster
	for _, n := range s.nodes {
		if n.pool == poolName {
			n.labels[modelarts.LabelCluster] = cluster
		}
	}
}

// AddNode adds an Available node to a pool, with the given flavor (such as
// "modelarts.vm.2u4g"). Node names are unique across the server. It
// panics on an unknown pool, an empty name or flavor, or a name already in
// use.
func (s *Server) AddNode(poolName, name, flavor string) {
	if name == "" || flavor == "" {
		panic("modelartstest: AddNode: empty node name or flavor")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pools[poolName]
	if p == nil {
		panic(fmt.Sprintf("modelartstest: AddNode: no pool %q", poolName))
	}
	if s.nodes[name] != nil {
		panic(fmt.Sprintf("modelartstest: AddNode: node %q exists", name))
	}
	s.nodeSeq++
	s.nodes[name] = &node{
		name:   name,
		pool:   poolName,
		flavor: flavor,
		labels: map[string]string{
			modelarts.LabelCluster:    p.cluster,
			modelarts.LabelResourceID: fmt.Sprintf("res-%06d", s.nodeSeq),
		},
		created: s.Clock().Now(),
		ip:      fmt.Sprintf("192.168.%d.%d", s.nodeSeq/250, s.nodeSeq%250+2),
		phase:   modelarts.NodeAvailable,
	}
}

// SetNodePhase sets the phase of a node no migration is moving, for
// example modelarts.NodeAbnormal to see a migration of it refused with
// CodeNodeNotMigratable.
func (s *Server) SetNodePhase(name string, phase modelarts.NodePhase) error {
	switch phase {
	case modelarts.NodeAvailable, modelarts.NodeCreating, modelarts.NodeDeleting,
		modelarts.NodeAbnormal, modelarts.NodeChecking:
	default:
		return fmt.Errorf("modelartstest: SetNodePhase: unknown phase %q", phase)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked(s.Clock().Now())
	n := s.nodes[name]
	switch {
	case n == nil:
		return fmt.Errorf("modelartstest: SetNodePhase: no node %q", name)
	case n.job != nil:
		return fmt.Errorf("modelartstest: SetNodePhase: node %q is being migrated by job %s", name, n.job.id)
	}
	n.phase = phase
	return nil
}

// PoolNodes returns the nodes of a pool as the node list shows them at the
// fake's current time, sorted by name, or nil for an unknown pool. Nodes
// being migrated stay in their source pool, Checking and then Creating,
// until the job ends.
func (s *Server) PoolNodes(poolName string) []modelarts.Node {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	if s.pools[poolName] == nil {
		return nil
	}
	var out []modelarts.Node
	for _, n := range s.poolNodesLocked(poolName) {
		w := n.wire(now)
		out = append(out, modelarts.Node{
			APIVersion: w.APIVersion,
			Kind:       w.Kind,
			Metadata: modelarts.NodeMetadata{
				Name:              w.Metadata.Name,
				CreationTimestamp: w.Metadata.CreationTimestamp,
				Labels:            w.Metadata.Labels,
				Annotations:       w.Metadata.Annotations,
			},
			Spec:   modelarts.NodeSpec{Flavor: w.Spec.Flavor},
			Status: modelarts.NodeStatus{Phase: modelarts.NodePhase(w.Status.Phase), PrivateIP: w.Status.PrivateIP},
		})
	}
	return out
}

// Job returns a migration job as the by-ID query shows it at the fake's
// current time, and false for an unknown ID.
func (s *Server) Job(id string) (modelarts.Job, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	j := s.jobs[id]
	if j == nil {
		return modelarts.Job{}, false
	}
	w := j.wire(now)
	out := modelarts.Job{
		ID:             w.JobID,
		Name:           w.JobName,
		Type:           w.Type,
		Phase:          modelarts.JobPhase(w.Phase),
		Message:        w.Message,
		StartTimestamp: modelarts.Millis(w.StartTimestamp),
		EndTimestamp:   modelarts.Millis(w.EndTimestamp),
	}
	if w.Inputs != "" {
		out.Inputs, _ = json.Marshal(w.Inputs)
	}
	return out, true
}

// FailNextMigrations makes the next n migrations the fake accepts end with
// the job phase Failed and message as the job's message
// (DefaultFailureMessage when empty). The nodes of a failed job go back to
// Available in their source pool.
func (s *Server) FailNextMigrations(n int, message string) {
	if message == "" {
		message = DefaultFailureMessage
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures = append(s.failures, message)
	}
}

// poolNodesLocked returns the nodes of a pool sorted by name. The caller
// holds s.mu.
func (s *Server) poolNodesLocked(poolName string) []*node {
	var out []*node
	for _, n := range s.nodes {
		if n.pool == poolName {
			out = append(out, n)
		}
	}
	slices.SortFunc(out, func(a, b *node) int {
		switch {
		case a.name < b.name:
			return -1
		case a.name > b.name:
			return 1
		}
		return 0
	})
	return out
}

// phaseAt returns the node's phase at now: the stage of its migration
// while one runs, its own phase otherwise. The caller has settled ended
// jobs.
func (n *node) phaseAt(now time.Time) modelarts.NodePhase {
	if n.job != nil {
		if _, stage := n.job.stateAt(now); stage != "" {
			return modelarts.NodePhase(stage)
		}
	}
	return n.phase
}

// settleLocked applies the outcome of every job that has ended by now: a
// successful migration moves its nodes to the target pool and cluster,
// Available (undrained if the pool changed, still locked if they were); a
// failed one, or one made by SucceedNextWithoutMoving, leaves them where
// they were. The caller holds
// s.mu. The clock only moves forward, so an ended job stays ended and is
// settled once.
func (s *Server) settleLocked(now time.Time) {
	kept := s.pending[:0]
	for _, j := range s.pending {
		phase, _ := j.stateAt(now)
		if phase == modelarts.JobRunning {
			kept = append(kept, j)
			continue
		}
		for _, name := range j.nodes {
			n := s.nodes[name]
			if n == nil || n.job != j {
				continue
			}
			n.job = nil
			if phase != modelarts.JobSuccess || j.ghost {
				continue
			}
			if n.pool != j.to {
				n.drained = time.Time{}
			}
			n.pool = j.to
			n.labels[modelarts.LabelCluster] = j.toCluster
			if j.flavor != "" {
				n.flavor = j.flavor
			}
			if j.nodePool != "" {
				n.labels[modelarts.LabelNodePool] = j.nodePool
			}
			maps.Copy(n.labels, j.labels)
			n.phase = modelarts.NodeAvailable
		}
	}
	clear(s.pending[len(kept):])
	s.pending = kept
}

// newJobID returns a random version-4 UUID.
func newJobID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
