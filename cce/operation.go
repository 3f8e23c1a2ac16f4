package cce

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/internal/rest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// What a resume token of this package names.
const (
	tokenService = "cce"
	// kindNodeMigration is the Kind of a MigrateNodes token.
	kindNodeMigration = "migrate-nodes"
)

// nodeMigration follows one move of nodes to another cluster: the job
// while it runs (when its ID is known), then the nodes in the target
// cluster until each is Active. Without a job ID it follows the nodes
// alone, in the target cluster and, for those not there yet, in the
// source cluster. jobs.Operation makes its steps one at a time.
type nodeMigration struct {
	c   *Client
	tok jobs.Token
	// job is the job's last answer once it reported Success; from then
	// on a step only looks at the nodes.
	job *Job
}

// startGrace is how long after a start without a job ID a node still
// Active in the source cluster counts as not started yet rather than as
// left behind.
const startGrace = 10 * time.Minute

// justStarted reports whether the handle comes from a start this package
// sent without learning its job, less than startGrace ago.
func (m *nodeMigration) justStarted() bool {
	if m.tok.ID != "" || m.tok.Started.IsZero() {
		return false
	}
	return time.Since(m.tok.Started) < startGrace
}

// Token returns the resume token's fields; Resources is a copy.
func (m *nodeMigration) Token() jobs.Token {
	t := m.tok
	t.Resources = slices.Clone(t.Resources)
	return t
}

// Step polls the move once: GET the job while it runs, then (in the same
// step when the job has just succeeded) list the target cluster's nodes,
// and, without a job, the source cluster's for nodes not in the target
// yet. It never sends more than two requests.
func (m *nodeMigration) Step(ctx context.Context) (jobs.Step[*Job], error) {
	if m.tok.ID != "" && m.job == nil {
		job, err := m.c.GetJob(ctx, m.tok.ID)
		if err != nil {
			return jobs.Step[*Job]{}, err
		}
		st := job.Summary()
		switch {
		case st.State == jobs.Succeeded:
			m.job = job
		case st.State.Terminal():
			st.Message = job.failureMessage()
			return jobs.Step[*Job]{Status: st, Value: job, Err: &jobs.FailedError{Status: st, Job: job}}, nil
		default:
			return jobs.Step[*Job]{Status: st, Value: job}, nil
		}
	}
	target, err := m.c.nodeStates(ctx, m.tok.Target)
	if err != nil {
		return jobs.Step[*Job]{}, err
	}
	a := m.assess(target, nil)
	if a.needSource {
		source, err := m.c.nodeStates(ctx, m.tok.Source)
		if err != nil {
			return jobs.Step[*Job]{}, err
		}
		a = m.assess(target, source)
	}
	return m.step(a), nil
}

// nodeState is the part of a node a start and a poll look at.
type nodeState struct {
	uid, name string
	phase     NodePhase
	jobID     string
}

// nodeStateList is a node list decoded only as far as nodeState needs,
// which keeps a poll of a large cluster cheap.
type nodeStateList struct {
	Items []struct {
		Metadata struct {
			UID  string `json:"uid"`
			Name string `json:"name"`
		} `json:"metadata"`
		Status struct {
			Phase NodePhase `json:"phase"`
			JobID string    `json:"jobID"`
		} `json:"status"`
	} `json:"items"`
}

// nodeStates lists the nodes of cluster clusterID as ListNodes does (the
// same request, retried the same way), indexed by ID.
func (c *Client) nodeStates(ctx context.Context, clusterID string) (map[string]*nodeState, error) {
	if err := rest.CheckID("clusterID", clusterID); err != nil {
		return nil, err
	}
	var out nodeStateList
	_, err := c.rc.Do(ctx, &rest.Request{
		Op:     "cce.ListNodes",
		Method: http.MethodGet,
		Path:   "/api/v3/projects/{project_id}/clusters/{cluster_id}/nodes",
		Params: []string{c.projectID, clusterID},
		Out:    &out,
	})
	if err != nil {
		return nil, err
	}
	idx := make(map[string]*nodeState, len(out.Items))
	for _, it := range out.Items {
		idx[it.Metadata.UID] = &nodeState{uid: it.Metadata.UID, name: it.Metadata.Name, phase: it.Status.Phase, jobID: it.Status.JobID}
	}
	return idx, nil
}

// arrival is what one look at the clusters found of the nodes.
type arrival struct {
	active     int
	waiting    []string // nodes on their way, with their phase
	word       string   // the phase of the first node waiting or failed
	failed     []string // why nodes did not arrive
	needSource bool     // a node is in neither list read yet
}

// assess judges every node of the move from the target cluster's nodes
// and, when read, the source cluster's (nil otherwise).
func (m *nodeMigration) assess(target, source map[string]*nodeState) arrival {
	var a arrival
	note := func(word string) {
		if a.word == "" {
			a.word = word
		}
	}
	src, dst := m.tok.Source, m.tok.Target
	for _, uid := range m.tok.Resources {
		if n := target[uid]; n != nil {
			switch p := n.phase; {
			case p == NodePhaseActive:
				a.active++
			case p.Broken():
				note(string(p))
				a.failed = append(a.failed, fmt.Sprintf("node %s is %s in cluster %s", nodeName(n), phaseText(p), dst))
			default:
				note(string(p))
				a.waiting = append(a.waiting, fmt.Sprintf("%s (%s)", nodeName(n), phaseText(p)))
			}
			continue
		}
		if m.job != nil {
			note(string(m.job.Status.Phase))
			a.failed = append(a.failed, fmt.Sprintf("node %s is not in cluster %s although job %s succeeded", uid, dst, m.job.Metadata.UID))
			continue
		}
		if source == nil {
			a.needSource = true
			continue
		}
		n := source[uid]
		switch {
		case n == nil:
			a.failed = append(a.failed, fmt.Sprintf("node %s is in neither cluster %s nor cluster %s", uid, src, dst))
		case n.phase == NodePhaseInstalling || n.phase == NodePhaseBuild:
			note(string(n.phase))
			a.waiting = append(a.waiting, fmt.Sprintf("%s (%s in cluster %s)", nodeName(n), n.phase, src))
		case n.phase == NodePhaseActive && m.justStarted():
			note(string(n.phase))
			a.waiting = append(a.waiting, fmt.Sprintf("%s (Active in cluster %s, not started yet)", nodeName(n), src))
		default:
			note(string(n.phase))
			a.failed = append(a.failed, fmt.Sprintf("node %s is still in cluster %s (%s): it did not move", nodeName(n), src, phaseText(n.phase)))
		}
	}
	return a
}

// step turns an arrival into the operation's step: running while any node
// is on its way, then failed if any node did not arrive, succeeded when
// every node is Active in the target cluster.
func (m *nodeMigration) step(a arrival) jobs.Step[*Job] {
	n := len(m.tok.Resources)
	st := jobs.Status{State: jobs.Running, Word: a.word, Progress: a.active * 100 / max(n, 1)}
	switch {
	case len(a.waiting) > 0 || a.needSource:
		st.Message = "waiting for " + listNames(a.waiting) + " to become Active in cluster " + m.tok.Target
		if st.Progress == 100 {
			st.Progress = 99
		}
		return jobs.Step[*Job]{Status: st, Value: m.job}
	case len(a.failed) > 0:
		st.State = jobs.Failed
		st.Message = strings.Join(a.failed, "; ")
		fe := &jobs.FailedError{Status: st}
		if m.job != nil {
			fe.Job = m.job
		}
		return jobs.Step[*Job]{Status: st, Value: m.job, Err: fe}
	}
	st.State, st.Word = jobs.Succeeded, string(NodePhaseActive)
	return jobs.Step[*Job]{Status: st, Value: m.job}
}

// indexNodes indexes the states of nodes by ID.
func indexNodes(nodes []Node) map[string]*nodeState {
	idx := make(map[string]*nodeState, len(nodes))
	for _, n := range nodes {
		idx[n.Metadata.UID] = &nodeState{uid: n.Metadata.UID, name: n.Metadata.Name, phase: n.Status.Phase, jobID: n.Status.JobID}
	}
	return idx
}

// nodeName names a node for messages: its ID, and its name when it has
// one.
func nodeName(n *nodeState) string {
	if n.name == "" || n.name == n.uid {
		return n.uid
	}
	return n.uid + " (" + n.name + ")"
}

func phaseText(p NodePhase) string {
	if p == "" {
		return "without a phase"
	}
	return string(p)
}

// maxListed bounds how many items a message lists.
const maxListed = 5

// listNames joins up to maxListed items and counts the rest.
func listNames(items []string) string {
	if len(items) <= maxListed {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:maxListed], ", ") + " and " + strconv.Itoa(len(items)-maxListed) + " more"
}

// describeNodes names a set of nodes: "node a" or "nodes a, b".
func describeNodes(uids []string) string {
	if len(uids) == 1 {
		return "node " + uids[0]
	}
	return "nodes " + listNames(uids)
}

// failureMessage says why a finished job failed: each failed sub-job's
// reason with the node it worked on, e.g. "node 5c1e… (web-2): the image
// of the target OS is not available", led by the job's own reason when no
// sub-job gives the same one.
func (j *Job) failureMessage() string {
	var (
		parts   []string
		reasons = map[string]bool{}
		walk    func(subs []Job)
	)
	walk = func(subs []Job) {
		for i := range subs {
			sj := &subs[i]
			if r := sj.Status.Reason; sj.Status.Phase == PhaseFailed && r != "" {
				what := sj.Spec.ResourceID
				if name := sj.Spec.ResourceName; name != "" && name != what {
					if what == "" {
						what = name
					} else {
						what += " (" + name + ")"
					}
				}
				reasons[r] = true
				if what != "" {
					r = "node " + what + ": " + r
				}
				if !slices.Contains(parts, r) {
					parts = append(parts, r)
				}
			}
			walk(sj.Spec.SubJobs)
		}
	}
	walk(j.Spec.SubJobs)
	if r := j.Status.Reason; r != "" && !reasons[r] {
		parts = append([]string{r}, parts...)
	}
	if len(parts) == 0 {
		return j.FailureReason()
	}
	return strings.Join(parts, "; ")
}

// adoptNodeMigration reads the nodes of both clusters (two GETs sent
// together) and, when some of uids are already on their way or all of
// them have arrived, returns a handle on that move with an
// *cloudmigrate.InProgressError. It returns (nil, nil) when nothing is
// under way and the move may start.
func (c *Client) adoptNodeMigration(ctx context.Context, source, target string, uids []string) (*jobs.Operation[*Job], error) {
	var (
		wg     sync.WaitGroup
		dst    map[string]*nodeState
		dstErr error
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		dst, dstErr = c.nodeStates(ctx, target)
	}()
	src, srcErr := c.nodeStates(ctx, source)
	wg.Wait()
	if srcErr != nil {
		return nil, srcErr
	}
	if dstErr != nil {
		return nil, dstErr
	}

	var (
		moving                     []string // the nodes the handle follows
		inSource, inTarget, landed []string
		jobID                      string
		oneJob                     = true
	)
	for _, uid := range uids {
		if n := dst[uid]; n != nil {
			moving = append(moving, uid)
			if n.phase == NodePhaseInstalling {
				inTarget = append(inTarget, uid)
			} else {
				landed = append(landed, uid)
			}
			continue
		}
		n := src[uid]
		if n == nil || n.phase != NodePhaseInstalling {
			continue
		}
		moving = append(moving, uid)
		inSource = append(inSource, uid)
		switch id := n.jobID; {
		case id == "" || (jobID != "" && id != jobID):
			oneJob = false
		default:
			jobID = id
		}
	}
	installing := len(inSource)+len(inTarget) > 0
	if !installing && len(landed) < len(uids) {
		return nil, nil
	}
	if !oneJob || len(inSource) == 0 || rest.CheckID("jobID", jobID) != nil {
		jobID = ""
	}

	var evidence []string
	if len(inSource) > 0 {
		e := describeNodes(inSource) + " Installing in cluster " + source
		if jobID != "" {
			e += " with job " + jobID
		}
		evidence = append(evidence, e)
	}
	if len(inTarget) > 0 {
		evidence = append(evidence, describeNodes(inTarget)+" Installing in cluster "+target)
	}
	if len(landed) > 0 {
		evidence = append(evidence, describeNodes(landed)+" already in cluster "+target)
	}
	m := &nodeMigration{c: c, tok: c.nodeMigrationToken(source, target, moving, jobID)}
	inProgress := &cloudmigrate.InProgressError{Resource: describeNodes(moving), Evidence: strings.Join(evidence, "; ")}
	if installing {
		return jobs.NewOperation[*Job](m), inProgress
	}
	// Every node is in the target cluster: judge them from the list just
	// read, and follow those that are not Active yet.
	s := m.step(m.assess(dst, nil))
	if s.Status.State.Terminal() {
		return jobs.NewFinishedOperation[*Job](m, s.Status, nil, s.Err), inProgress
	}
	return jobs.NewOperation[*Job](m), inProgress
}

// nodeMigrationToken is the resume token of a move of nodes from source to
// target, by job jobID ("" when it is not known).
func (c *Client) nodeMigrationToken(source, target string, nodes []string, jobID string) jobs.Token {
	return jobs.Token{
		Service:   tokenService,
		Kind:      kindNodeMigration,
		Endpoint:  c.Endpoint(),
		Project:   c.projectID,
		Resources: nodes,
		ID:        jobID,
		Source:    source,
		Target:    target,
	}
}

// ResumeNodeMigration rebuilds the handle of a MigrateNodes move from its
// resume token (Operation.ResumeToken), in this process or another. It
// sends nothing; the handle's first Poll or Wait does, at the cost
// MigrateNodes documents.
//
// A token this client cannot follow is a *cloudmigrate.ValidationError for
// the field "token", and nothing is sent: one that is empty, truncated,
// altered, of a newer format, or not a token at all; one written for
// another service, another endpoint or project than the client's, or
// another kind of operation; one whose clusters, job or nodes are not IDs
// this package can address.
func (c *Client) ResumeNodeMigration(token string) (*jobs.Operation[*Job], error) {
	t, err := jobs.ParseToken(token)
	if err != nil {
		return nil, err
	}
	if err := t.Check(tokenService, c.Endpoint(), c.projectID, kindNodeMigration); err != nil {
		return nil, err
	}
	switch n := len(t.Resources); {
	case n == 0:
		return nil, cloudmigrate.Invalid("token", "resume token names no nodes")
	case n > MaxNodesPerMigration:
		return nil, cloudmigrate.Invalid("token", "resume token names %d nodes; a migration moves at most %d", n, MaxNodesPerMigration)
	}
	checks := []struct{ what, v string }{{"source cluster", t.Source}, {"target cluster", t.Target}}
	if t.ID != "" {
		checks = append(checks, struct{ what, v string }{"job", t.ID})
	}
	for _, uid := range t.Resources {
		checks = append(checks, struct{ what, v string }{"node", uid})
	}
	for _, ch := range checks {
		if err := rest.CheckID("token", ch.v); err != nil {
			var ve *cloudmigrate.ValidationError
			errors.As(err, &ve)
			return nil, cloudmigrate.Invalid("token", "resume token's %s %.80q is not a usable ID: it %s", ch.what, ch.v, ve.Problem)
		}
	}
	if t.Source == t.Target {
		return nil, cloudmigrate.Invalid("token", "resume token names the same cluster as source and target")
	}
	return jobs.NewOperation[*Job](&nodeMigration{c: c, tok: t}), nil
}
