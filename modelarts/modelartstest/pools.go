package modelartstest

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/cloudmigrate/cloudmigrate/internal/fake"
	"github.com/cloudmigrate/cloudmigrate/modelarts"
)

// defaultWorkspace is the workspace every fake pool is in, the service's
// default.
const defaultWorkspace = "0"

// flavorCountBody is a node count per flavor, in spec.resources and in
// status.resources.
type flavorCountBody struct {
	Flavor   string `json:"flavor"`
	Count    int    `json:"count"`
	MaxCount int    `json:"maxCount,omitempty"`
}

// poolBody is a pool as GetPool and each item of ListPools send it, with
// the fields of the API reference's example.
type poolBody struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name              string            `json:"name"`
		CreationTimestamp string            `json:"creationTimestamp"`
		Labels            map[string]string `json:"labels"`
		Annotations       map[string]string `json:"annotations"`
	} `json:"metadata"`
	Spec struct {
		Type      string            `json:"type"`
		Scope     []string          `json:"scope"`
		Resources []flavorCountBody `json:"resources"`
	} `json:"spec"`
	Status struct {
		Phase     string      `json:"phase"`
		Root      string      `json:"root"`
		Scope     []scopeBody `json:"scope"`
		Resources struct {
			Creating  []flavorCountBody `json:"creating,omitempty"`
			Available []flavorCountBody `json:"available,omitempty"`
			Abnormal  []flavorCountBody `json:"abnormal,omitempty"`
			Deleting  []flavorCountBody `json:"deleting,omitempty"`
		} `json:"resources"`
	} `json:"status"`
}

type scopeBody struct {
	ScopeType string `json:"scopeType"`
	State     string `json:"state"`
}

// poolListBody is the answer of ListPools.
type poolListBody struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Items      []poolBody `json:"items"`
}

// counts turns a per-flavor tally into sorted counts, nil when empty.
func counts(tally map[string]int, withMax bool) []flavorCountBody {
	if len(tally) == 0 {
		return nil
	}
	out := make([]flavorCountBody, 0, len(tally))
	for f, n := range tally {
		c := flavorCountBody{Flavor: f, Count: n}
		if withMax {
			c.MaxCount = n
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b flavorCountBody) int { return strings.Compare(a.Flavor, b.Flavor) })
	return out
}

// wirePoolLocked returns the pool as the service shows it at now. Its node
// counts come from the nodes in it: spec.resources counts every node of
// each flavor, status.resources counts them by phase (Checking counts as
// creating). The caller holds s.mu and has settled ended jobs.
func (s *Server) wirePoolLocked(p *pool, now time.Time) poolBody {
	var b poolBody
	b.APIVersion, b.Kind = "v2", "Pool"
	b.Metadata.Name = p.name
	b.Metadata.CreationTimestamp = p.created.UTC().Format(time.RFC3339)
	b.Metadata.Labels = map[string]string{
		modelarts.LabelPoolDisplayName: p.name,
		modelarts.LabelWorkspaceID:     defaultWorkspace,
	}
	b.Metadata.Annotations = map[string]string{"os.modelarts/description": ""}
	b.Spec.Type = string(modelarts.PoolDedicated)
	b.Spec.Scope = []string{string(modelarts.ScopeTrain)}
	b.Status.Phase = string(p.phase)
	b.Status.Root = p.name
	b.Status.Scope = []scopeBody{{ScopeType: string(modelarts.ScopeTrain), State: "Enabled"}}
	all := map[string]int{}
	byPhase := map[modelarts.NodePhase]map[string]int{}
	for _, n := range s.poolNodesLocked(p.name) {
		all[n.flavor]++
		ph := n.phaseAt(now)
		if ph == modelarts.NodeChecking {
			ph = modelarts.NodeCreating
		}
		if byPhase[ph] == nil {
			byPhase[ph] = map[string]int{}
		}
		byPhase[ph][n.flavor]++
	}
	b.Spec.Resources = counts(all, true)
	if b.Spec.Resources == nil {
		b.Spec.Resources = []flavorCountBody{}
	}
	r := &b.Status.Resources
	r.Creating = counts(byPhase[modelarts.NodeCreating], true)
	r.Available = counts(byPhase[modelarts.NodeAvailable], true)
	r.Abnormal = counts(byPhase[modelarts.NodeAbnormal], true)
	r.Deleting = counts(byPhase[modelarts.NodeDeleting], true)
	return b
}

// listStatus is the status filter value a pool phase answers to.
func listStatus(p modelarts.PoolPhase) modelarts.PoolListStatus {
	switch p {
	case modelarts.PoolCreating, modelarts.PoolWaiting:
		return modelarts.PoolsCreating
	case modelarts.PoolCreationFailed:
		return modelarts.PoolsFailed
	}
	return modelarts.PoolsCreated
}

// selectorTerms parses a label selector of comma-separated key=value (or
// key==value) terms, all of which must hold.
func selectorTerms(selector string) (map[string]string, bool) {
	terms := map[string]string{}
	for _, term := range strings.Split(selector, ",") {
		k, v, found := strings.Cut(term, "=")
		v = strings.TrimPrefix(v, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !found || k == "" {
			return nil, false
		}
		terms[k] = v
	}
	return terms, true
}

// listPools serves OpListPools: the pools sorted by name, filtered by
// status (a pool that failed to be created is listed only when asked for
// with status=failed), workspaceId (every fake pool is in workspace "0"),
// labelSelector (key=value terms) and parent (the fake has no sub-pools).
func (s *Server) listPools(r *fake.Request) fake.Response {
	if resp, ok := s.checkProject(r); !ok {
		return resp
	}
	q := r.URL.Query()
	status := modelarts.PoolListStatus(q.Get("status"))
	switch status {
	case "", modelarts.PoolsCreated, modelarts.PoolsCreating, modelarts.PoolsFailed:
	default:
		return s.badParameter("status must be created, failed or creating")
	}
	var terms map[string]string
	if sel := q.Get("labelSelector"); sel != "" {
		var ok bool
		if terms, ok = selectorTerms(sel); !ok {
			return s.badParameter("labelSelector %q is not a list of key=value terms", sel)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	out := poolListBody{APIVersion: "v2", Kind: "PoolList", Items: []poolBody{}}
	if ws := q.Get("workspaceId"); (ws != "" && ws != defaultWorkspace) || q.Get("parent") != "" {
		return fake.JSON(http.StatusOK, out)
	}
	names := make([]string, 0, len(s.pools))
	for name := range s.pools {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		p := s.pools[name]
		ls := listStatus(p.phase)
		if (status == "" && ls == modelarts.PoolsFailed) || (status != "" && ls != status) {
			continue
		}
		b := s.wirePoolLocked(p, now)
		match := true
		for k, v := range terms {
			if b.Metadata.Labels[k] != v {
				match = false
			}
		}
		if match {
			out.Items = append(out.Items, b)
		}
	}
	return fake.JSON(http.StatusOK, out)
}

// getPool serves OpGetPool.
func (s *Server) getPool(r *fake.Request) fake.Response {
	if resp, ok := s.checkProject(r); !ok {
		return resp
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	p := s.pools[r.PathValue("pool_name")]
	if p == nil {
		return s.poolNotFound()
	}
	return fake.JSON(http.StatusOK, s.wirePoolLocked(p, now))
}
