package modelarts

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/internal/rest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// What the resume tokens of this package carry.
const (
	tokenService     = "modelarts"
	kindBatchMigrate = "batch-migrate-nodes"
	// extraToCluster holds toClusterName for a move within one pool, where
	// the node's cluster label is the only sign that it moved.
	extraToCluster = "toCluster"
)

const (
	// maxPollRequests is the most requests one poll of a migration sends
	// (retries of the same request by the pipeline aside).
	maxPollRequests = 2
	// verifyPasses is how many complete listings of the target pool may
	// miss a node before the migration is declared failed, in case the
	// list lags behind the job.
	verifyPasses = 3
)

// nodeJobTypes are the job types the job list documents. They repair or
// restart nodes in place and never move them between pools.
var nodeJobTypes = map[string]bool{"replace-node": true, "reboot-node": true, "reset-nodes": true}

// migration follows one batch migration: its job, then the nodes in the
// target pool. Operation serializes the calls to it.
type migration struct {
	c         *Client
	tok       jobs.Token
	toCluster string
	wanted    map[string]bool

	// job polling
	byList    bool                // the by-ID route answered 404: use the job list
	byIDErr   *cloudmigrate.Error // that answer
	offset    int                 // next job-list offset while the job is not found
	prevFirst string              // first job of the previous job-list page
	job       *Job                // last job seen

	// verification
	verifying bool
	cont      string           // node-list continue token within a pass
	found     map[string]*Node // wanted nodes seen in this pass
	misses    int              // passes in a row that missed a node
}

func newMigration(c *Client, tok jobs.Token) *migration {
	m := &migration{c: c, tok: tok, toCluster: tok.Extra[extraToCluster], wanted: make(map[string]bool, len(tok.Resources))}
	for _, n := range tok.Resources {
		m.wanted[n] = true
	}
	return m
}

// migrationToken is the token of a migration of nodes from pool to target.
// toCluster is kept only for a move within one pool.
func (c *Client) migrationToken(pool, target, toCluster, jobID string, nodes []string, started time.Time) jobs.Token {
	t := jobs.Token{
		Service:   tokenService,
		Kind:      kindBatchMigrate,
		Endpoint:  c.Endpoint(),
		Project:   c.projectID,
		Resources: slices.Clone(nodes),
		ID:        jobID,
		Source:    pool,
		Target:    target,
	}
	if !started.IsZero() {
		t.Started = started.Truncate(time.Second).UTC()
	}
	if target == pool && toCluster != "" {
		t.Extra = map[string]string{extraToCluster: toCluster}
	}
	return t
}

// Token returns a copy of the migration's token.
func (m *migration) Token() jobs.Token {
	t := m.tok
	t.Resources = slices.Clone(t.Resources)
	t.Extra = maps.Clone(t.Extra)
	return t
}

// Step polls the migration once, sending at most maxPollRequests
// requests: the job while it runs, then pages of the target pool's nodes.
func (m *migration) Step(ctx context.Context) (jobs.Step[*Job], error) {
	budget := maxPollRequests
	if !m.verifying {
		if m.tok.ID == "" {
			m.verifying = true
		} else {
			job, used, err := m.pollJob(ctx, budget)
			if err != nil {
				return jobs.Step[*Job]{}, err
			}
			budget -= used
			if job == nil {
				return m.checking(fmt.Sprintf("looking for job %s in the job list of pool %s", m.tok.ID, m.tok.Source)), nil
			}
			m.job = job
			st := job.Status()
			switch st.State {
			case jobs.Succeeded:
				m.verifying = true
			case jobs.Failed, jobs.Cancelled:
				return jobs.Step[*Job]{Status: st, Value: job, Err: &jobs.FailedError{Status: st, Job: job}}, nil
			default:
				return jobs.Step[*Job]{Status: st, Value: job}, nil
			}
		}
	}
	for ; budget > 0; budget-- {
		step, err := m.verifyPage(ctx)
		if err != nil {
			return jobs.Step[*Job]{}, err
		}
		if step != nil {
			return *step, nil
		}
	}
	return m.checking(fmt.Sprintf("checking that node(s) %s are in pool %s", strings.Join(m.tok.Resources, ", "), m.tok.Target)), nil
}

// pollJob reads the job: by ID, or from the source pool's job list (the
// service's default window of 30 days, newest first, 500 a page) once the
// by-ID route has answered 404. It returns the job, or nil when it has
// not found it yet (a later page of the list may hold it), and how many
// requests it sent, at most budget. The list is not narrowed by the
// migration's start time: that time is the client's clock, not the
// service's.
func (m *migration) pollJob(ctx context.Context, budget int) (*Job, int, error) {
	used := 0
	if !m.byList {
		var j Job
		_, err := m.c.rc.Do(ctx, &rest.Request{
			Op:     "modelarts.GetJob",
			Method: http.MethodGet,
			Path:   "/v2/{project_id}/jobs/{job_id}",
			Params: []string{m.c.projectID, m.tok.ID},
			Out:    &j,
		})
		used++
		if err == nil {
			if j.ID == "" {
				j.ID = m.tok.ID
			}
			j.Source = JobFromGet
			return &j, used, nil
		}
		var apiErr *cloudmigrate.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound {
			return nil, used, err
		}
		m.byList, m.byIDErr = true, apiErr
		if used >= budget {
			return nil, used, nil
		}
	}
	q := url.Values{}
	q.Set("resource", "pools")
	q.Set("name", m.tok.Source)
	q.Set("limit", strconv.Itoa(maxJobPage))
	if m.offset > 0 {
		q.Set("offset", strconv.Itoa(m.offset))
	}
	page, err := m.c.jobPage(ctx, q)
	used++
	if err != nil {
		return nil, used, err
	}
	for _, j := range page.Items {
		if j != nil && j.ID == m.tok.ID {
			j.Source = JobFromList
			m.offset, m.prevFirst = 0, ""
			return j, used, nil
		}
	}
	first := ""
	if len(page.Items) > 0 {
		first = jobKey(page.Items[0])
	}
	if off := m.offset; off > 0 && first != "" && first == m.prevFirst {
		m.offset, m.prevFirst = 0, ""
		return nil, used, errors.New("modelarts: the job list returned the same page again for offset " + strconv.Itoa(off))
	}
	if len(page.Items) >= maxJobPage {
		m.offset += len(page.Items)
		m.prevFirst = first
		return nil, used, nil
	}
	listed := m.offset + len(page.Items)
	m.offset, m.prevFirst = 0, ""
	return nil, used, &JobNotFoundError{PoolName: m.tok.Source, JobID: m.tok.ID, Listed: listed, Err: m.byIDErr}
}

// verifyPage reads the next page of the target pool's nodes. At the end of
// a complete listing it returns the step that listing decides; before
// that, nil.
func (m *migration) verifyPage(ctx context.Context) (*jobs.Step[*Job], error) {
	q := url.Values{}
	q.Set("limit", strconv.Itoa(maxNodePage))
	if m.cont != "" {
		q.Set("continue", m.cont)
	}
	var page nodeList
	if _, err := m.c.rc.Do(ctx, &rest.Request{
		Op:     "modelarts.ListPoolNodes",
		Method: http.MethodGet,
		Path:   "/v2/{project_id}/pools/{pool_name}/nodes",
		Params: []string{m.c.projectID, m.tok.Target},
		Query:  q,
		Out:    &page,
	}); err != nil {
		return nil, err
	}
	if m.found == nil {
		m.found = make(map[string]*Node, len(m.wanted))
	}
	for _, n := range page.Items {
		if n != nil && m.wanted[n.Name()] {
			m.found[n.Name()] = n
		}
	}
	if next := page.Metadata.Continue; next != "" {
		if next == m.cont {
			m.cont, m.found = "", nil
			return nil, errors.New("modelarts: the node list returned the same continue token twice")
		}
		m.cont = next
		return nil, nil
	}
	found := m.found
	m.cont, m.found = "", nil
	step := m.judge(found)
	return &step, nil
}

// inCluster reports whether n is in the cluster a move within one pool
// asked for. A node without the cluster label, or a move to another pool,
// passes.
func (m *migration) inCluster(n *Node) bool {
	if m.toCluster == "" {
		return true
	}
	c, ok := n.Metadata.Labels[LabelCluster]
	return !ok || c == m.toCluster
}

// judge decides the migration from one complete listing of the target
// pool: every node there and Available is success; a node missing (for
// verifyPasses listings in a row after the job's success), Abnormal or
// Deleting is failure; a node still Creating or Checking means wait.
func (m *migration) judge(found map[string]*Node) jobs.Step[*Job] {
	where := "pool " + m.tok.Target
	if m.toCluster != "" {
		where += " (cluster " + m.toCluster + ")"
	}
	var missing, arriving, broken []string
	for _, name := range m.tok.Resources {
		n := found[name]
		if n == nil || !m.inCluster(n) {
			missing = append(missing, name)
			continue
		}
		switch n.Status.Phase {
		case NodeAvailable:
		case NodeAbnormal, NodeDeleting:
			broken = append(broken, name+" ("+string(n.Status.Phase)+")")
		default:
			arriving = append(arriving, name)
		}
	}
	if len(missing) > 0 {
		m.misses++
		// Without a job nothing says the move has ended: missing nodes
		// are still on their way.
		if m.tok.ID == "" || m.misses < verifyPasses {
			return m.checking(fmt.Sprintf("node(s) %s not listed in %s yet", strings.Join(missing, ", "), where))
		}
		return m.failed(fmt.Sprintf("%s, but node(s) %s are not in %s", m.claim(), strings.Join(missing, ", "), where))
	}
	m.misses = 0
	if len(broken) > 0 {
		return m.failed(fmt.Sprintf("%s, but node(s) %s arrived in %s unusable", m.claim(), strings.Join(broken, ", "), where))
	}
	if len(arriving) > 0 {
		return m.checking(fmt.Sprintf("node(s) %s in %s are not Available yet", strings.Join(arriving, ", "), where))
	}
	st := jobs.Status{State: jobs.Succeeded, Word: m.word(), Progress: 100}
	return jobs.Step[*Job]{Status: st, Value: m.job}
}

func (m *migration) word() string {
	if m.job == nil {
		return ""
	}
	return string(m.job.Phase)
}

// claim says what the service reported about the move.
func (m *migration) claim() string {
	if m.job == nil {
		return "the service named no job for the migration"
	}
	return "job " + m.job.ID + " reported " + string(m.job.Phase)
}

// checking is a step that is not the end: the move is under way or being
// confirmed.
func (m *migration) checking(msg string) jobs.Step[*Job] {
	return jobs.Step[*Job]{
		Status: jobs.Status{State: jobs.Running, Word: m.word(), Progress: jobs.ProgressUnknown, Message: msg},
		Value:  m.job,
	}
}

// failed ends the migration with a *jobs.FailedError carrying msg.
func (m *migration) failed(msg string) jobs.Step[*Job] {
	st := jobs.Status{State: jobs.Failed, Word: m.word(), Progress: jobs.ProgressUnknown, Message: msg}
	fe := &jobs.FailedError{Status: st}
	if m.job != nil {
		fe.Job = m.job
	}
	return jobs.Step[*Job]{Status: st, Value: m.job, Err: fe}
}

// ResumeNodeMigration rebuilds the handle of a batch migration from the
// text of its ResumeToken, in this process or another. It sends nothing;
// the handle's first Poll (or Wait) asks the service.
//
// The token must have been written by BatchMigrateNodes (or a handle
// resumed from one) for this client's endpoint and project. A token for
// another service, endpoint, project or kind of operation, and one that is
// empty, truncated, altered or of a newer format, is a
// *cloudmigrate.ValidationError for the field "token".
func (c *Client) ResumeNodeMigration(token string) (*jobs.Operation[*Job], error) {
	t, err := jobs.ParseToken(token)
	if err != nil {
		return nil, err
	}
	if err := t.Check(tokenService, c.Endpoint(), c.projectID, kindBatchMigrate); err != nil {
		return nil, err
	}
	bad := func(format string, args ...any) error { return cloudmigrate.Invalid("token", format, args...) }
	switch {
	case checkID("source", t.Source) != nil:
		return nil, bad("resume token has no valid source pool")
	case checkID("target", t.Target) != nil:
		return nil, bad("resume token has no valid target pool")
	case len(t.Resources) == 0:
		return nil, bad("resume token names no node")
	case t.ID != "" && checkID("id", t.ID) != nil:
		return nil, bad("resume token has a job ID that cannot be queried")
	}
	for _, n := range t.Resources {
		if strings.TrimSpace(n) == "" {
			return nil, bad("resume token names an empty node")
		}
	}
	return jobs.NewOperation[*Job](newMigration(c, t)), nil
}

// jobInputs is what a job's inputs and involved objects say, as far as a
// batch migration is concerned.
type jobInputs struct {
	// strings holds every string value in them: node names, pools,
	// clusters.
	strings map[string]bool
	// toPool and toCluster come from a batch-migrate request among them.
	toPool, toCluster string
	// said reports whether the job has inputs or involved objects at all.
	said bool
}

// inputs reads the job's inputs and involved objects. The service
// documents both as strings without saying what they hold; a string that
// holds JSON is read as JSON.
func (j *Job) inputs() jobInputs {
	in := jobInputs{strings: map[string]bool{}}
	for _, raw := range []json.RawMessage{j.Inputs, j.InvolvedObjects} {
		v := looseJSON(raw, in.strings)
		if v == nil {
			continue
		}
		in.said = true
		collectStrings(v, in.strings)
		if obj, ok := v.(map[string]any); ok {
			if s, ok := obj["toPoolName"].(string); ok && in.toPool == "" {
				in.toPool = s
			}
			if s, ok := obj["toClusterName"].(string); ok && in.toCluster == "" {
				in.toCluster = s
			}
		}
	}
	return in
}

// looseJSON decodes raw, and once more when it is a string holding a JSON
// object or array; such a string is added to set as it is, too. Empty
// values and null give nil.
func looseJSON(raw json.RawMessage, set map[string]bool) any {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	if s, ok := v.(string); ok {
		t := strings.TrimSpace(s)
		if t == "" {
			return nil
		}
		set[s] = true
		if t[0] == '{' || t[0] == '[' {
			var inner any
			if json.Unmarshal([]byte(t), &inner) == nil {
				return inner
			}
		}
	}
	return v
}

// collectStrings adds every string value under v to set.
func collectStrings(v any, set map[string]bool) {
	switch x := v.(type) {
	case string:
		set[x] = true
	case []any:
		for _, e := range x {
			collectStrings(e, set)
		}
	case map[string]any:
		for _, e := range x {
			collectStrings(e, set)
		}
	}
}

// moveInFlight looks, before a start is sent, for a migration of req's
// nodes already under way in pool. It returns the handle on it with the
// error saying so, or nil, nil when it finds none. See BatchMigrateNodes
// for what it reads.
func (c *Client) moveInFlight(ctx context.Context, pool string, req *BatchMigrateRequest) (*jobs.Operation[*Job], *cloudmigrate.InProgressError, error) {
	q, _, err := jobListQuery(pool, &ListPoolJobsOptions{PageSize: maxJobPage})
	if err != nil {
		return nil, nil, err
	}
	page, err := c.jobPage(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	var silent []*Job // running jobs that say nothing of what they work on
	for _, j := range page.Items {
		if j == nil || j.Status().State.Terminal() || checkID("jobId", j.ID) != nil {
			continue
		}
		in := j.inputs()
		var named []string
		for _, n := range req.MigrateNodeNames {
			if in.strings[n] {
				named = append(named, n)
			}
		}
		if len(named) > 0 {
			op, ipe := c.adopt(pool, req, j, in, named, "job "+j.ID+" "+string(j.Phase)+" names them")
			return op, ipe, nil
		}
		if !in.said && !nodeJobTypes[j.Type] {
			silent = append(silent, j)
		}
	}
	if len(silent) != 1 {
		return nil, nil, nil
	}
	var busy, phases []string
	for n, err := range c.ListPoolNodes(ctx, pool, &ListPoolNodesOptions{PageSize: maxNodePage}) {
		if err != nil {
			return nil, nil, err
		}
		if p := n.Status.Phase; (p == NodeChecking || p == NodeCreating) && slices.Contains(req.MigrateNodeNames, n.Name()) {
			busy = append(busy, n.Name())
			phases = append(phases, n.Name()+" "+string(p))
		}
	}
	if len(busy) == 0 {
		return nil, nil, nil
	}
	j := silent[0]
	op, ipe := c.adopt(pool, req, j, jobInputs{}, busy, "job "+j.ID+" "+string(j.Phase)+"; "+strings.Join(phases, ", "))
	return op, ipe, nil
}

// adopt returns the handle on job j, which moves nodes of pool, and the
// error that reports it.
func (c *Client) adopt(pool string, req *BatchMigrateRequest, j *Job, in jobInputs, nodes []string, evidence string) (*jobs.Operation[*Job], *cloudmigrate.InProgressError) {
	target := cmp.Or(in.toPool, req.ToPoolName, pool)
	toCluster := cmp.Or(in.toCluster, req.ToClusterName)
	tok := c.migrationToken(pool, target, toCluster, j.ID, nodes, j.StartTimestamp.Time())
	return jobs.NewOperation[*Job](newMigration(c, tok)), &cloudmigrate.InProgressError{
		Resource: "node(s) " + strings.Join(nodes, ", ") + " of pool " + pool,
		Evidence: evidence,
	}
}
