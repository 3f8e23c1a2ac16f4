package modelartstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/cloudmigrate/cloudmigrate/internal/fake"
	"github.com/cloudmigrate/cloudmigrate/modelarts"
)

// migrateBody is the batch-migrate request body, with the wire names of
// the API reference. Fields the fake does not act on are kept raw, so that
// a body with a field the API does not define can be refused.
type migrateBody struct {
	MigrateNodeNames []string          `json:"migrateNodeNames"`
	FromClusterName  string            `json:"fromClusterName"`
	ToClusterName    string            `json:"toClusterName"`
	ToPoolName       *string           `json:"toPoolName"`
	ResourceSpec     *resourceSpecBody `json:"resourceSpec"`
}

type resourceSpecBody struct {
	Flavor             *string           `json:"flavor"`
	CreatingStep       json.RawMessage   `json:"creatingStep"`
	NodePool           string            `json:"nodePool"`
	RootVolume         json.RawMessage   `json:"rootVolume"`
	DataVolumes        json.RawMessage   `json:"dataVolumes"`
	VolumeGroupConfigs json.RawMessage   `json:"volumeGroupConfigs"`
	Labels             map[string]string `json:"labels"`
	Taints             json.RawMessage   `json:"taints"`
	Tags               json.RawMessage   `json:"tags"`
	Network            json.RawMessage   `json:"network"`
	ExtendParams       json.RawMessage   `json:"extendParams"`
}

// jobInputs is what a migration job's inputs hold: the request's node
// names, cluster names and target pool.
type jobInputs struct {
	MigrateNodeNames []string `json:"migrateNodeNames"`
	FromClusterName  string   `json:"fromClusterName"`
	ToClusterName    string   `json:"toClusterName"`
	ToPoolName       string   `json:"toPoolName"`
}

// migrateAnswer is the 200 answer of a batch migration.
type migrateAnswer struct {
	JobID string `json:"job_id"`
}

// batchMigrate serves OpBatchMigrateNodes. The checks run in this order:
// project, source pool (404), body, node names and cluster names, target
// pool (404), flavor for a cross-pool move, size of the source pool, each
// node (404 not in the pool, 400 wrong cluster, 409 not Available), target
// cluster, and whether a node would be left in the source pool.
func (s *Server) batchMigrate(r *fake.Request) fake.Response {
	if resp, ok := s.checkProject(r); !ok {
		return resp
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)

	fromPool := s.pools[r.PathValue("pool_name")]
	if fromPool == nil {
		return s.poolNotFound()
	}
	var body migrateBody
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		return s.badParameter("request body: %v", err)
	}
	if dec.More() {
		return s.badParameter("request body: more than one JSON value")
	}
	if len(body.MigrateNodeNames) == 0 {
		return s.badParameter("migrateNodeNames: at least one node name is required")
	}
	seen := map[string]bool{}
	for _, name := range body.MigrateNodeNames {
		if strings.TrimSpace(name) == "" {
			return s.badParameter("migrateNodeNames: empty node name")
		}
		if seen[name] {
			return s.badParameter("migrateNodeNames: node %s is listed twice", name)
		}
		seen[name] = true
	}
	if strings.TrimSpace(body.FromClusterName) == "" {
		return s.badParameter("fromClusterName is required")
	}
	if strings.TrimSpace(body.ToClusterName) == "" {
		return s.badParameter("toClusterName is required")
	}

	toPool := fromPool
	if body.ToPoolName != nil {
		if strings.TrimSpace(*body.ToPoolName) == "" {
			return s.badParameter("toPoolName must not be blank")
		}
		toPool = s.pools[*body.ToPoolName]
		if toPool == nil {
			return s.poolNotFound()
		}
	}
	crossPool := toPool != fromPool
	spec := body.ResourceSpec
	switch {
	case spec == nil && crossPool:
		return s.badParameter("resourceSpec is required to migrate nodes to another resource pool")
	case spec != nil && (spec.Flavor == nil || strings.TrimSpace(*spec.Flavor) == ""):
		return s.badParameter("resourceSpec.flavor is required")
	}

	inPool := s.poolNodesLocked(fromPool.name)
	if len(inPool) < 2 {
		return s.Error(http.StatusBadRequest, CodeTooFewNodes, fmt.Sprintf(
			"resource pool %s has %d node(s); at least 2 are required to migrate nodes", fromPool.name, len(inPool)))
	}
	for _, name := range body.MigrateNodeNames {
		n := s.nodes[name]
		if n == nil || n.pool != fromPool.name {
			return s.Error(http.StatusNotFound, CodeNodeNotFound,
				fmt.Sprintf("node %s not found in resource pool %s", name, fromPool.name))
		}
		if c := n.labels[modelarts.LabelCluster]; c != body.FromClusterName {
			return s.badParameter("node %s is in cluster %s, not in fromClusterName %s", name, c, body.FromClusterName)
		}
		if n.job != nil {
			return s.Error(http.StatusConflict, CodeNodeNotMigratable,
				fmt.Sprintf("node %s is being migrated by job %s", name, n.job.id))
		}
		if n.phase != modelarts.NodeAvailable {
			return s.Error(http.StatusConflict, CodeNodeNotMigratable,
				fmt.Sprintf("node %s is %s; only Available nodes can be migrated", name, n.phase))
		}
	}
	if crossPool {
		if body.ToClusterName != toPool.cluster {
			return s.badParameter("toClusterName %s is not the cluster of resource pool %s (%s)",
				body.ToClusterName, toPool.name, toPool.cluster)
		}
	} else if body.ToClusterName == body.FromClusterName {
		return s.badParameter("toClusterName is the same as fromClusterName (%s) and toPoolName the same pool: nothing to migrate", body.FromClusterName)
	}
	staying := 0
	for _, n := range inPool {
		if !seen[n.name] && n.job == nil {
			staying++
		}
	}
	if staying == 0 {
		return s.Error(http.StatusBadRequest, CodeTooFewNodes, fmt.Sprintf(
			"migrating these nodes would leave resource pool %s without nodes", fromPool.name))
	}

	j := &job{
		id:        newJobID(),
		from:      fromPool.name,
		to:        toPool.name,
		toCluster: body.ToClusterName,
		nodes:     append([]string(nil), body.MigrateNodeNames...),
		start:     now,
		checkFor:  s.checkFor,
		createFor: s.createFor,
	}
	j.name = "batch-migrate-" + j.id[:8]
	if spec != nil {
		j.flavor = *spec.Flavor
		j.nodePool = spec.NodePool
		if len(spec.Labels) > 0 {
			j.labels = make(map[string]string, len(spec.Labels))
			for k, v := range spec.Labels {
				j.labels[k] = v
			}
		}
	}
	if len(s.failures) > 0 {
		j.fail, j.message = true, s.failures[0]
		s.failures = s.failures[1:]
	} else if s.ghosts > 0 {
		j.ghost = true
		s.ghosts--
	}
	if !s.noInputs {
		in, _ := json.Marshal(jobInputs{
			MigrateNodeNames: j.nodes,
			FromClusterName:  body.FromClusterName,
			ToClusterName:    body.ToClusterName,
			ToPoolName:       toPool.name,
		})
		j.inputs = string(in)
	}
	for _, name := range j.nodes {
		s.nodes[name].job = j
	}
	s.jobs[j.id] = j
	s.jobList = append(s.jobList, j)
	s.pending = append(s.pending, j)
	return fake.JSON(http.StatusOK, migrateAnswer{JobID: j.id})
}

func (s *Server) poolNotFound() fake.Response {
	return s.Error(http.StatusNotFound, modelarts.CodePoolNotFound, "pool not found")
}

func (s *Server) badParameter(format string, args ...any) fake.Response {
	return s.Error(http.StatusBadRequest, CodeParameterError, "Parameter error: "+fmt.Sprintf(format, args...))
}
