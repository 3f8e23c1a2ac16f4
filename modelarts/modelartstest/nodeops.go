package modelartstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/cloudmigrate/cloudmigrate/internal/fake"
	"github.com/cloudmigrate/cloudmigrate/modelarts"
)

// lockBody is the body of batch-lock and batch-unlock.
type lockBody struct {
	NodeNames []string `json:"nodeNames"`
	Actions   []string `json:"actions"`
}

// nodeResultBody is one node of the lock and unlock answers.
type nodeResultBody struct {
	Name   string `json:"name"`
	Status string `json:"status"`
}

// nodeResultsBody is the answer of batch-lock and batch-unlock.
type nodeResultsBody struct {
	Nodes []nodeResultBody `json:"nodes"`
}

// drainBody is the body of batch-drain.
type drainBody struct {
	NodeNames []string `json:"nodeNames"`
}

// maxDrain is the most nodes one drain takes, as the service documents.
const maxDrain = 10

// decodeStrict decodes a body that must be one JSON object with only the
// fields of v.
func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("more than one JSON value")
	}
	return nil
}

// checkNames refuses an empty list, an empty name and a name listed twice.
func (s *Server) checkNames(names []string) (fake.Response, bool) {
	if len(names) == 0 {
		return s.badParameter("nodeNames: at least one node name is required"), false
	}
	seen := map[string]bool{}
	for _, n := range names {
		if strings.TrimSpace(n) == "" {
			return s.badParameter("nodeNames: empty node name"), false
		}
		if seen[n] {
			return s.badParameter("nodeNames: node %s is listed twice", n), false
		}
		seen[n] = true
	}
	return fake.Response{}, true
}

func (s *Server) lockNodes(r *fake.Request) fake.Response   { return s.setLocks(r, true) }
func (s *Server) unlockNodes(r *fake.Request) fake.Response { return s.setLocks(r, false) }

// setLocks serves OpLockNodes and OpUnlockNodes. actions must be exactly
// ["delete"], the one lockable function the service documents. Each node
// is reported "success" or "failed": a node not in the pool fails, and so
// does unlocking a node that is not locked (the service documents that
// as an error). Locking a locked node succeeds and changes nothing.
func (s *Server) setLocks(r *fake.Request, lock bool) fake.Response {
	if resp, ok := s.checkProject(r); !ok {
		return resp
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked(s.Clock().Now())
	poolName := r.PathValue("pool_name")
	if s.pools[poolName] == nil {
		return s.poolNotFound()
	}
	var body lockBody
	if err := decodeStrict(r.Body, &body); err != nil {
		return s.badParameter("request body: %v", err)
	}
	if resp, ok := s.checkNames(body.NodeNames); !ok {
		return resp
	}
	if !slices.Equal(body.Actions, []string{string(modelarts.LockDelete)}) {
		return s.badParameter("actions must be [\"delete\"]")
	}
	out := nodeResultsBody{Nodes: []nodeResultBody{}}
	for _, name := range body.NodeNames {
		n := s.nodes[name]
		status := modelarts.NodeResultSuccess
		switch {
		case n == nil || n.pool != poolName:
			status = modelarts.NodeResultFailed
		case !lock && !n.locked:
			status = modelarts.NodeResultFailed
		default:
			n.locked = lock
		}
		out.Nodes = append(out.Nodes, nodeResultBody{Name: name, Status: status})
	}
	return fake.JSON(http.StatusOK, out)
}

// drainInfo is the text the fake puts in a drained node's annotation
// modelarts.AnnotationDrain; the service does not document its form.
func drainInfo(at time.Time) string {
	return "drained at " + at.UTC().Format(time.RFC3339)
}

// drainNodes serves OpDrainNodes. The request is all or nothing; it is
// refused when a node is not in the pool (400 CodeBadRequest, the
// service's documented example), is locked (409 CodeNodeLocked), is not
// Available or is being migrated (409 CodeNodeNotDrainable), or when the
// pool would be left without an Available node that is not drained or
// leaving (400 CodeTooFewNodes). Draining a drained node changes nothing.
func (s *Server) drainNodes(r *fake.Request) fake.Response {
	if resp, ok := s.checkProject(r); !ok {
		return resp
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	poolName := r.PathValue("pool_name")
	if s.pools[poolName] == nil {
		return s.poolNotFound()
	}
	var body drainBody
	if err := decodeStrict(r.Body, &body); err != nil {
		return s.badParameter("request body: %v", err)
	}
	if resp, ok := s.checkNames(body.NodeNames); !ok {
		return resp
	}
	if len(body.NodeNames) > maxDrain {
		return s.badParameter("nodeNames: %d nodes; at most %d can be drained at once", len(body.NodeNames), maxDrain)
	}
	draining := map[string]bool{}
	for _, name := range body.NodeNames {
		n := s.nodes[name]
		switch {
		case n == nil || n.pool != poolName:
			return s.Error(http.StatusBadRequest, CodeBadRequest, "Bad request. node cannot be drained because it is not in pool")
		case n.locked:
			return s.Error(http.StatusConflict, CodeNodeLocked, fmt.Sprintf("node %s is locked; unlock it before draining", name))
		case n.job != nil:
			return s.Error(http.StatusConflict, CodeNodeNotDrainable, fmt.Sprintf("node %s is being migrated by job %s", name, n.job.id))
		case n.phase != modelarts.NodeAvailable:
			return s.Error(http.StatusConflict, CodeNodeNotDrainable, fmt.Sprintf("node %s is %s; only Available nodes can be drained", name, n.phase))
		}
		draining[name] = true
	}
	serving := 0
	for _, n := range s.poolNodesLocked(poolName) {
		if !draining[n.name] && n.drained.IsZero() && n.job == nil && n.phase == modelarts.NodeAvailable {
			serving++
		}
	}
	if serving == 0 {
		return s.Error(http.StatusBadRequest, CodeTooFewNodes, fmt.Sprintf(
			"draining these nodes would leave resource pool %s without an available node", poolName))
	}
	for name := range draining {
		if n := s.nodes[name]; n.drained.IsZero() {
			n.drained = now
		}
	}
	return fake.JSON(http.StatusOK, struct{}{})
}
