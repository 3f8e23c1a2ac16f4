package modelartstest

import (
	"encoding/base64"
	"maps"
	"net/http"
	"strings"
	"time"

	"github.com/cloudmigrate/cloudmigrate/internal/fake"
	"github.com/cloudmigrate/cloudmigrate/modelarts"
)

// nodeBody is a node as the node list sends it.
type nodeBody struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name              string            `json:"name"`
		CreationTimestamp string            `json:"creationTimestamp"`
		Labels            map[string]string `json:"labels"`
		Annotations       map[string]string `json:"annotations,omitempty"`
	} `json:"metadata"`
	Spec struct {
		Flavor string `json:"flavor"`
	} `json:"spec"`
	Status struct {
		Phase     string `json:"phase"`
		PrivateIP string `json:"privateIp"`
	} `json:"status"`
}

// nodeListBody is one page of the node list.
type nodeListBody struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Continue           string `json:"continue,omitempty"`
		RemainingItemCount *int   `json:"remainingItemCount,omitempty"`
	} `json:"metadata"`
	Items []nodeBody `json:"items"`
}

// maxNodeLimit is the largest node page, and the page size when the
// request gives no limit (or 0).
const maxNodeLimit = 500

// continuePrefix starts every continue token before encoding; a token
// without it was not made here.
const continuePrefix = "after:"

// wire returns the node as the node list shows it at now. The labels are
// a copy.
func (n *node) wire(now time.Time) nodeBody {
	var b nodeBody
	b.APIVersion = "v2"
	b.Kind = "Node"
	b.Metadata.Name = n.name
	b.Metadata.CreationTimestamp = n.created.UTC().Format(time.RFC3339)
	b.Metadata.Labels = maps.Clone(n.labels)
	if !n.drained.IsZero() {
		b.Metadata.Annotations = map[string]string{modelarts.AnnotationDrain: drainInfo(n.drained)}
	}
	b.Spec.Flavor = n.flavor
	b.Status.Phase = string(n.phaseAt(now))
	b.Status.PrivateIP = n.ip
	return b
}

// listPoolNodes serves OpListPoolNodes: the pool's nodes sorted by name,
// limit at a time. metadata.continue is an opaque token naming the last
// node sent; the next page starts after it, so nodes that join or leave
// between pages do not shift the others.
func (s *Server) listPoolNodes(r *fake.Request) fake.Response {
	if resp, ok := s.checkProject(r); !ok {
		return resp
	}
	q := r.URL.Query()
	limit, ok := intParam(q.Get("limit"), maxNodeLimit)
	if !ok || limit < 0 || limit > maxNodeLimit {
		return s.badParameter("limit must be a number from 0 to %d", maxNodeLimit)
	}
	if limit == 0 {
		limit = maxNodeLimit
	}
	after := ""
	if tok := q.Get("continue"); tok != "" {
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		name, found := strings.CutPrefix(string(raw), continuePrefix)
		if err != nil || !found || name == "" {
			return s.badParameter("continue token %q is not valid", tok)
		}
		after = name
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	if s.pools[r.PathValue("pool_name")] == nil {
		return s.poolNotFound()
	}
	all := s.poolNodesLocked(r.PathValue("pool_name"))
	start := 0
	for start < len(all) && all[start].name <= after {
		start++
	}
	rest := all[start:]
	out := nodeListBody{APIVersion: "v2", Kind: "NodeList", Items: []nodeBody{}}
	page := rest
	if len(page) > limit {
		page = page[:limit]
	}
	for _, n := range page {
		out.Items = append(out.Items, n.wire(now))
	}
	if left := len(rest) - len(page); left > 0 {
		out.Metadata.Continue = base64.RawURLEncoding.EncodeToString([]byte(continuePrefix + page[len(page)-1].name))
		out.Metadata.RemainingItemCount = &left
	}
	return fake.JSON(http.StatusOK, out)
}
