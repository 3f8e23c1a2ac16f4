package modelarts

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/internal/rest"
)

// NodeLockAction is a node function a lock disables.
type NodeLockAction string

// LockDelete is the one lockable function the service documents: deleting
// the node. LockNodes and UnlockNodes send it.
const LockDelete NodeLockAction = "delete"

// MaxDrainNodes is the most nodes one DrainNodes call takes, as the
// service documents.
const MaxDrainNodes = 10

// The outcomes a node can have in a NodeBatchResult.
const (
	// NodeResultSuccess means the node was locked or unlocked.
	NodeResultSuccess = "success"
	// NodeResultFailed means it was not.
	NodeResultFailed = "failed"
)

// NodeResult is the outcome of a batch call for one node.
type NodeResult struct {
	// Name is the node's metadata.name.
	Name string `json:"name"`
	// Status is NodeResultSuccess or NodeResultFailed.
	Status string `json:"status"`
}

// UnmarshalJSON decodes an outcome object {"name", "status"}, and also a
// bare node name, which the API reference's table describes ("names of
// nodes that are successfully updated") and which counts as a success.
func (r *NodeResult) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var name string
		if err := json.Unmarshal(b, &name); err != nil {
			return err
		}
		*r = NodeResult{Name: name, Status: NodeResultSuccess}
		return nil
	}
	type plain NodeResult
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*r = NodeResult(p)
	if r.Status == "" && r.Name != "" {
		// The documented example lists the nodes without a status.
		r.Status = NodeResultSuccess
	}
	return nil
}

// NodeBatchResult is the answer of LockNodes and UnlockNodes.
type NodeBatchResult struct {
	// Nodes lists each node the service acted on, with its outcome.
	Nodes []NodeResult `json:"nodes"`
	// RequestID is the service's request ID (X-Request-Id).
	RequestID string `json:"-"`
}

// Failed returns the names of the nodes whose outcome is not a success,
// and those of want the answer does not list at all.
func (r *NodeBatchResult) Failed(want []string) []string {
	seen := make(map[string]bool, len(r.Nodes))
	var out []string
	for _, n := range r.Nodes {
		seen[n.Name] = true
		if n.Status != NodeResultSuccess {
			out = append(out, n.Name)
		}
	}
	for _, name := range want {
		if !seen[name] {
			out = append(out, name)
		}
	}
	return out
}

// NodesFailedError is returned, together with the NodeBatchResult, when the
// service accepted a LockNodes or UnlockNodes call but reports that some of
// its nodes failed (or does not list them).
type NodesFailedError struct {
	// Action is "lock" or "unlock".
	Action string
	// PoolName is the pool of the nodes.
	PoolName string
	// Nodes are the nodes that failed.
	Nodes []string
}

// Error names the action, the pool and the nodes.
func (e *NodesFailedError) Error() string {
	return "modelarts: " + e.Action + " failed in pool " + e.PoolName + " for node(s) " + strings.Join(e.Nodes, ", ")
}

type lockBody struct {
	NodeNames []string         `json:"nodeNames"`
	Actions   []NodeLockAction `json:"actions"`
}

// LockNodes locks the delete function of nodes of the pool poolName: the
// console can no longer delete them, for example while they are drained
// and moved. A lock does not stop work being scheduled onto a node; see
// DrainNodes for that.
//
// API: POST /v2/{project_id}/pools/{pool_name}/nodes/batch-lock
//
// The body is {"nodeNames": nodeNames, "actions": ["delete"]}: "delete"
// (LockDelete) is the only function the service documents. nodeNames must
// list at least one node, each non-empty and once; otherwise the error is
// a *cloudmigrate.ValidationError and nothing is sent. The answer lists
// each node with its outcome; when some failed, the result is returned
// with a *NodesFailedError naming them. A refused call is a
// *cloudmigrate.Error (an unknown pool has the code CodePoolNotFound).
// The call changes state, so it is not sent again after a 5xx answer or
// a lost connection.
func (c *Client) LockNodes(ctx context.Context, poolName string, nodeNames []string) (*NodeBatchResult, error) {
	return c.lockCall(ctx, "modelarts.LockNodes", "lock", "/v2/{project_id}/pools/{pool_name}/nodes/batch-lock", poolName, nodeNames)
}

// UnlockNodes unlocks the delete function of nodes of the pool poolName
// locked by LockNodes.
//
// API: POST /v2/{project_id}/pools/{pool_name}/nodes/batch-unlock
//
// The body, the checks and the answer are those of LockNodes. The service
// documents unlocking a node that is not locked as an error; such a node
// is reported failed (a *NodesFailedError with the result).
func (c *Client) UnlockNodes(ctx context.Context, poolName string, nodeNames []string) (*NodeBatchResult, error) {
	return c.lockCall(ctx, "modelarts.UnlockNodes", "unlock", "/v2/{project_id}/pools/{pool_name}/nodes/batch-unlock", poolName, nodeNames)
}

func (c *Client) lockCall(ctx context.Context, op, action, path, poolName string, nodeNames []string) (*NodeBatchResult, error) {
	if err := checkID("poolName", poolName); err != nil {
		return nil, err
	}
	if err := checkNodeNames("nodeNames", nodeNames, 0); err != nil {
		return nil, err
	}
	var out NodeBatchResult
	resp, err := c.rc.Do(ctx, &rest.Request{
		Op:     op,
		Method: http.MethodPost,
		Path:   path,
		Params: []string{c.projectID, poolName},
		Body:   lockBody{NodeNames: nodeNames, Actions: []NodeLockAction{LockDelete}},
		Out:    &out,
	})
	if err != nil {
		return nil, err
	}
	out.RequestID = resp.RequestID
	if failed := out.Failed(nodeNames); len(failed) > 0 {
		return &out, &NodesFailedError{Action: action, PoolName: poolName, Nodes: failed}
	}
	return &out, nil
}

type drainBody struct {
	NodeNames []string `json:"nodeNames"`
}

// DrainNodes drains nodes of the pool poolName: they stop taking new work
// and release their resources as the work on them ends. Drain the nodes
// of a pool before moving them out of it with BatchMigrateNodes. A
// drained node carries the annotation AnnotationDrain (Node.DrainInfo).
//
// API: POST /v2/{project_id}/pools/{pool_name}/nodes/batch-drain
//
// nodeNames lists 1 to MaxDrainNodes (10) nodes, each non-empty and
// once; otherwise the error is a *cloudmigrate.ValidationError and nothing
// is sent. The service requires the nodes to be running and not locked
// (drain before LockNodes), and the pool to keep enough available nodes;
// a refusal is a *cloudmigrate.Error. The service documents no call that
// undoes a drain. The call changes state, so it is not sent again after a
// 5xx answer or a lost connection.
func (c *Client) DrainNodes(ctx context.Context, poolName string, nodeNames []string) error {
	if err := checkID("poolName", poolName); err != nil {
		return err
	}
	if err := checkNodeNames("nodeNames", nodeNames, MaxDrainNodes); err != nil {
		return err
	}
	_, err := c.rc.Do(ctx, &rest.Request{
		Op:     "modelarts.DrainNodes",
		Method: http.MethodPost,
		Path:   "/v2/{project_id}/pools/{pool_name}/nodes/batch-drain",
		Params: []string{c.projectID, poolName},
		Body:   drainBody{NodeNames: nodeNames},
	})
	return err
}

// checkNodeNames checks a list of node names for a request body: at least
// one, at most max (when max > 0), each non-blank and listed once.
func checkNodeNames(field string, names []string, max int) error {
	if len(names) == 0 {
		return cloudmigrate.Invalid(field, "at least one node name is required")
	}
	if max > 0 && len(names) > max {
		return cloudmigrate.Invalid(field, "%d node names; the service takes at most %d", len(names), max)
	}
	seen := make(map[string]int, len(names))
	for i, n := range names {
		f := index(field, i)
		if strings.TrimSpace(n) == "" {
			return cloudmigrate.Invalid(f, "must not be empty")
		}
		if j, dup := seen[n]; dup {
			return cloudmigrate.Invalid(f, "%q is already listed at index %d", n, j)
		}
		seen[n] = i
	}
	return nil
}
