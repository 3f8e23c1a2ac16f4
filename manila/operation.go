package manila

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/rest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// What the resume tokens of this package carry.
const (
	tokenService        = "manila"
	kindServerMigration = "share-server-migration"
	kindShareMigration  = "share-migration"
	// extraDestination holds the ID of a share-server migration's
	// destination share server, once a poll has seen it.
	extraDestination = "destination"
)

// isBadRequest reports whether err is the service's 400.
func isBadRequest(err error) bool {
	var apiErr *cloudmigrate.Error
	return errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusBadRequest
}

// backendOf returns the "host@backend" part of a host, without "#pool".
func backendOf(host string) string {
	b, _, _ := strings.Cut(host, "#")
	return b
}

// startedNow is the start time a token records: now, to the second.
func startedNow() time.Time { return time.Now().UTC().Truncate(time.Second) }

// serverMoving reports whether sv is the source of a migration under way
// or waiting at the end of its first phase, and what shows it.
func serverMoving(sv *ShareServer) (string, bool) {
	evidence := "status " + sv.Status
	if sv.TaskState != "" {
		evidence = "task_state " + string(sv.TaskState) + ", " + evidence
	}
	if sv.TaskState.Terminal() {
		return evidence, false
	}
	return evidence, sv.Status == ShareServerStatusServerMigrating || sv.TaskState.InProgress() || sv.TaskState.PhaseOneDone()
}

// serverMigration follows one share-server migration to the end of its
// first phase (or beyond). Operation serializes the calls to it.
type serverMigration struct {
	c   *Client
	tok jobs.Token

	dest    string       // the destination share server's ID, once seen
	settled bool         // the source showed migration_success: only the destination is left to confirm
	gone    bool         // the last poll found the source deleted
	last    *ShareServer // the destination as last read
}

func newServerMigration(c *Client, tok jobs.Token) *serverMigration {
	return &serverMigration{c: c, tok: tok, dest: tok.Extra[extraDestination]}
}

func (m *serverMigration) source() string { return m.tok.Resources[0] }

// Token returns the migration's token, with the destination once known.
func (m *serverMigration) Token() jobs.Token {
	t := m.tok
	t.Resources = slices.Clone(t.Resources)
	t.Extra = maps.Clone(t.Extra)
	if m.dest != "" {
		if t.Extra == nil {
			t.Extra = map[string]string{}
		}
		t.Extra[extraDestination] = m.dest
	}
	return t
}

// Abort cancels the migration: CancelMigration, one request.
func (m *serverMigration) Abort(ctx context.Context) error {
	return m.c.CancelMigration(ctx, m.source())
}

// learn records the destination a progress answer names.
func (m *serverMigration) learn(dest string) {
	if dest != "" && rest.CheckID("destination_share_server_id", dest) == nil {
		m.dest = dest
	}
}

// Step polls the migration once, sending at most two requests; see
// StartMigration.
func (m *serverMigration) Step(ctx context.Context) (jobs.Step[*ShareServer], error) {
	if m.settled {
		return m.confirm(ctx, TaskStateMigrationSuccess)
	}
	p, err := m.c.GetMigrationProgress(ctx, m.source())
	if err == nil {
		m.gone = false
		m.learn(p.DestinationShareServerID)
		return m.fromProgress(ctx, settledSource(p))
	}
	if !isBadRequest(err) {
		return jobs.Step[*ShareServer]{}, err
	}
	// The service reports no progress: before the destination exists, and
	// once the migration is over. The source's own state tells which.
	sv, svErr := m.c.GetShareServer(ctx, m.source())
	switch {
	case cloudmigrate.IsNotFound(svErr):
		if m.gone {
			// Twice gone, and no destination answers for it: nothing
			// says where the share server went.
			return jobs.Step[*ShareServer]{}, err
		}
		// The service deletes the source soon after a success; its ID
		// then answers progress from the destination.
		m.gone = true
		return m.running("", jobs.ProgressUnknown, "share server "+m.source()+" does not exist (any more); asking its successor"), nil
	case svErr != nil:
		return jobs.Step[*ShareServer]{}, svErr
	}
	m.gone = false
	if p := endedProgress(sv, m.dest); p != nil {
		switch p.TaskState {
		case TaskStateMigrationSuccess:
			m.settled = true
			return m.running(TaskStateMigrationSuccess, 100, "share server "+m.source()+" is "+sv.Status+"; confirming the destination"), nil
		case TaskStateMigrationCancelled:
			return m.ended(jobs.Cancelled, sv.TaskState, m.reason(sv)), nil
		default:
			return m.ended(jobs.Failed, sv.TaskState, m.reason(sv)), nil
		}
	}
	if p := startingProgress(sv, m.dest); p != nil {
		return m.running(p.TaskState, p.TotalProgress, "share server "+m.source()+" is "+sv.Status), nil
	}
	task := string(sv.TaskState)
	if task == "" {
		task = "none"
	}
	return m.ended(jobs.Failed, sv.TaskState, fmt.Sprintf("share server %s is not being migrated (status %s, task state %s)",
		m.source(), sv.Status, task)), nil
}

// reason is a failure reason from the source's task state and status.
func (m *serverMigration) reason(sv *ShareServer) string {
	s := fmt.Sprintf("share server %s: task state %s, status %s", sv.ID, sv.TaskState, sv.Status)
	if m.dest != "" {
		s += "; destination share server " + m.dest
	}
	return s
}

// fromProgress decides a step from a progress answer.
func (m *serverMigration) fromProgress(ctx context.Context, p *MigrationProgress) (jobs.Step[*ShareServer], error) {
	st := phase1Words.Status(string(p.TaskState))
	st.Progress = min(max(p.TotalProgress, 0), 100)
	switch st.State {
	case jobs.Succeeded:
		return m.confirm(ctx, p.TaskState)
	case jobs.Failed, jobs.Cancelled:
		// Reported only for a source that is gone (the answer comes from
		// the destination): its status says more.
		msg := fmt.Sprintf("share server %s: task state %s", m.source(), p.TaskState)
		if m.dest != "" {
			if d, err := m.c.GetShareServer(ctx, m.dest); err == nil {
				m.last = d
				msg += fmt.Sprintf("; destination share server %s is %s", d.ID, d.Status)
			}
		}
		return m.ended(st.State, p.TaskState, msg), nil
	}
	msg := "share server " + m.source()
	if m.dest != "" {
		msg += " to share server " + m.dest
	}
	step := m.running(p.TaskState, st.Progress, msg)
	return step, nil
}

// confirm reads the destination share server and checks that it is on
// the back end asked for: one request (a GET of the destination, or the
// list of the source's destinations when its ID is not known).
func (m *serverMigration) confirm(ctx context.Context, word TaskState) (jobs.Step[*ShareServer], error) {
	var dst *ShareServer
	if m.dest != "" {
		d, err := m.c.GetShareServer(ctx, m.dest)
		switch {
		case cloudmigrate.IsNotFound(err):
			return m.ended(jobs.Failed, word, fmt.Sprintf("share server %s reports %s, but its destination share server %s does not exist",
				m.source(), word, m.dest)), nil
		case err != nil:
			return jobs.Step[*ShareServer]{}, err
		}
		dst = d
	} else {
		list, err := m.c.ListShareServers(ctx, &ListShareServersOptions{SourceShareServerID: m.source()})
		if err != nil {
			return jobs.Step[*ShareServer]{}, err
		}
		dst = pickDestination(list)
		if dst == nil {
			return m.ended(jobs.Failed, word, fmt.Sprintf("share server %s reports %s, but no share server names it as its source",
				m.source(), word)), nil
		}
		m.learn(dst.ID)
	}
	m.last = dst
	switch {
	case dst.SourceShareServerID != "" && dst.SourceShareServerID != m.source():
		return m.ended(jobs.Failed, word, fmt.Sprintf("share server %s reports %s, but share server %s is the destination of %s, not of it",
			m.source(), word, dst.ID, dst.SourceShareServerID)), nil
	case m.tok.Target != "" && backendOf(dst.Host) != m.tok.Target:
		return m.ended(jobs.Failed, word, fmt.Sprintf("share server %s reports %s, but its destination share server %s is on %s, not %s",
			m.source(), word, dst.ID, dst.Host, m.tok.Target)), nil
	case dst.Status == ShareServerStatusError || dst.Status == ShareServerStatusInactive:
		return m.ended(jobs.Failed, word, fmt.Sprintf("share server %s reports %s, but its destination share server %s is %s",
			m.source(), word, dst.ID, dst.Status)), nil
	}
	st := jobs.Status{State: jobs.Succeeded, Word: string(word), Progress: 100,
		Message: "share server " + dst.ID + " on " + dst.Host + " takes over from share server " + m.source()}
	return jobs.Step[*ShareServer]{Status: st, Value: dst}, nil
}

// pickDestination returns, of the share servers naming a source, the one
// a migration under way or completed has: server_migrating_to, or active.
func pickDestination(list []ShareServer) *ShareServer {
	for _, want := range []string{ShareServerStatusServerMigratingTo, ShareServerStatusActive} {
		for i := range list {
			if list[i].Status == want {
				return &list[i]
			}
		}
	}
	return nil
}

// running is a step that is not the end.
func (m *serverMigration) running(word TaskState, progress int, msg string) jobs.Step[*ShareServer] {
	st := phase1Words.Status(string(word))
	if st.State.Terminal() {
		st.State = jobs.Running
	}
	st.Progress, st.Message = min(max(progress, 0), 100), msg
	if progress < 0 {
		st.Progress = jobs.ProgressUnknown
	}
	return jobs.Step[*ShareServer]{Status: st, Value: m.last}
}

// ended ends the migration in state (Failed or Cancelled) with msg.
func (m *serverMigration) ended(state jobs.State, word TaskState, msg string) jobs.Step[*ShareServer] {
	st := jobs.Status{State: state, Word: string(word), Progress: jobs.ProgressUnknown, Message: msg}
	fe := &jobs.FailedError{Status: st}
	if m.last != nil {
		fe.Job = m.last
	}
	return jobs.Step[*ShareServer]{Status: st, Value: m.last, Err: fe}
}

// shareMoving reports whether sh is under a migration, and what shows
// it.
func shareMoving(sh *Share) (string, bool) {
	evidence := "status " + sh.Status
	if sh.TaskState != "" {
		evidence = "task_state " + string(sh.TaskState) + ", " + evidence
	}
	if sh.TaskState.Terminal() || sh.TaskState.Failed() || sh.TaskState == TaskStateDataCopyingCancelled {
		return evidence, false
	}
	return evidence, sh.Status == ShareStatusMigrating || sh.TaskState.InProgress() || sh.TaskState.PhaseOneDone()
}

// shareMigration follows one per-share migration to the end of its first
// phase (or beyond). Operation serializes the calls to it.
type shareMigration struct {
	c    *Client
	tok  jobs.Token
	last *Share
}

func (m *shareMigration) share() string { return m.tok.Resources[0] }

// Token returns a copy of the migration's token.
func (m *shareMigration) Token() jobs.Token {
	t := m.tok
	t.Resources = slices.Clone(t.Resources)
	t.Extra = maps.Clone(t.Extra)
	return t
}

// Abort cancels the migration: CancelShareMigration, one request.
func (m *shareMigration) Abort(ctx context.Context) error {
	return m.c.CancelShareMigration(ctx, m.share())
}

// Step polls the migration once, sending at most two requests; see
// StartShareMigration.
func (m *shareMigration) Step(ctx context.Context) (jobs.Step[*Share], error) {
	sh, err := m.c.GetShare(ctx, m.share())
	if err != nil {
		return jobs.Step[*Share]{}, err
	}
	m.last = sh
	ts := sh.TaskState
	switch {
	case ts == TaskStateMigrationDriverInProgress || ts == TaskStateDataCopyingInProgress:
		progress := jobs.ProgressUnknown
		p, err := m.c.GetShareMigrationProgress(ctx, m.share())
		switch {
		case err == nil:
			progress = min(max(p.TotalProgress, 0), 100)
		case !isBadRequest(err):
			// The service cannot say "at this moment" (400); anything
			// else is a failed poll.
			return jobs.Step[*Share]{}, err
		}
		return m.running(ts, progress, "share "+sh.ID+" is copied to "+m.where()), nil
	case ts.PhaseOneDone():
		return m.confirmCopy(ctx, sh)
	case ts == TaskStateMigrationSuccess:
		switch {
		case sh.Host == "":
			return m.ended(jobs.Failed, ts, "share "+sh.ID+" reports "+string(ts)+", but the service shows no host to confirm it (administrator credentials are needed)"), nil
		case m.tok.Target != "" && sh.Host != m.tok.Target:
			return m.ended(jobs.Failed, ts, fmt.Sprintf("share %s reports %s, but it is on %s, not %s", sh.ID, ts, sh.Host, m.tok.Target)), nil
		case m.tok.Target == "" && sh.Host == m.tok.Source:
			return m.ended(jobs.Failed, ts, fmt.Sprintf("share %s reports %s, but it is still on %s", sh.ID, ts, sh.Host)), nil
		}
		st := jobs.Status{State: jobs.Succeeded, Word: string(ts), Progress: 100, Message: "share " + sh.ID + " is on " + sh.Host}
		return jobs.Step[*Share]{Status: st, Value: sh}, nil
	case ts.Failed():
		return m.ended(jobs.Failed, ts, fmt.Sprintf("share %s: task state %s, status %s", sh.ID, ts, sh.Status)), nil
	case ts == TaskStateMigrationCancelled || ts == TaskStateDataCopyingCancelled:
		return m.ended(jobs.Cancelled, ts, fmt.Sprintf("share %s: task state %s, status %s", sh.ID, ts, sh.Status)), nil
	case ts == "" && sh.Status != ShareStatusMigrating:
		return m.ended(jobs.Failed, ts, fmt.Sprintf("share %s is not being migrated (status %s, task state none)", sh.ID, sh.Status)), nil
	}
	progress := jobs.ProgressUnknown
	if ts == TaskStateMigrationStarting || ts == TaskStateMigrationInProgress || ts == TaskStateMigrationDriverStarting || ts == TaskStateDataCopyingStarting {
		progress = 0
	}
	return m.running(ts, progress, "share "+sh.ID+" to "+m.where()), nil
}

// where names the destination for messages.
func (m *shareMigration) where() string {
	if m.tok.Target == "" {
		return "its destination"
	}
	return m.tok.Target
}

// confirmCopy checks, at the end of the first phase, that the share has a
// copy on the pool asked for: one request, the share's instances.
func (m *shareMigration) confirmCopy(ctx context.Context, sh *Share) (jobs.Step[*Share], error) {
	insts, err := m.c.shareInstances(ctx, "StartShareMigration", sh.ID)
	if err != nil {
		return jobs.Step[*Share]{}, err
	}
	var seen []string
	for _, in := range insts {
		seen = append(seen, in.Host+" ("+in.Status+")")
		if in.Status != instanceMigratingTo {
			continue
		}
		if m.tok.Target != "" && in.Host != m.tok.Target {
			continue
		}
		st := jobs.Status{State: jobs.Succeeded, Word: string(sh.TaskState), Progress: 100,
			Message: "share " + sh.ID + " is copied to " + in.Host + "; complete the migration to switch over"}
		return jobs.Step[*Share]{Status: st, Value: sh}, nil
	}
	if len(seen) == 0 {
		seen = []string{"none"}
	}
	return m.ended(jobs.Failed, sh.TaskState, fmt.Sprintf("share %s reports %s, but none of its instances is a copy on %s (instances: %s)",
		sh.ID, sh.TaskState, m.where(), strings.Join(seen, ", "))), nil
}

// running is a step that is not the end.
func (m *shareMigration) running(word TaskState, progress int, msg string) jobs.Step[*Share] {
	st := jobs.Status{State: jobs.Running, Word: string(word), Progress: progress, Message: msg}
	if word == TaskStateMigrationStarting {
		st.State = jobs.Pending
	}
	return jobs.Step[*Share]{Status: st, Value: m.last}
}

// ended ends the migration in state (Failed or Cancelled) with msg.
func (m *shareMigration) ended(state jobs.State, word TaskState, msg string) jobs.Step[*Share] {
	st := jobs.Status{State: state, Word: string(word), Progress: jobs.ProgressUnknown, Message: msg}
	fe := &jobs.FailedError{Status: st}
	if m.last != nil {
		fe.Job = m.last
	}
	return jobs.Step[*Share]{Status: st, Value: m.last, Err: fe}
}

// checkResumeToken parses a token of this package for kind and checks
// what every kind carries: one resource with a valid ID, no job ID, a
// valid microversion and only the extras allowed.
func (c *Client) checkResumeToken(token, kind string, extras ...string) (jobs.Token, error) {
	t, err := jobs.ParseToken(token)
	if err != nil {
		return jobs.Token{}, err
	}
	if err := t.Check(tokenService, c.Endpoint(), "", kind); err != nil {
		return jobs.Token{}, err
	}
	bad := func(format string, args ...any) error { return cloudmigrate.Invalid("token", format, args...) }
	switch {
	case len(t.Resources) != 1:
		return jobs.Token{}, bad("resume token names %d resources, not one", len(t.Resources))
	case rest.CheckID("token", t.Resources[0]) != nil:
		return jobs.Token{}, bad("resume token names an invalid ID")
	case t.ID != "":
		return jobs.Token{}, bad("resume token has a migration ID, which manila migrations do not have")
	case t.Source != "" && checkText("token", t.Source) != nil:
		return jobs.Token{}, bad("resume token names an invalid source host")
	}
	if t.Microversion != "" {
		if _, err := auth.ParseMicroversion(t.Microversion); err != nil {
			return jobs.Token{}, bad("resume token has an invalid microversion")
		}
	}
	for k, v := range t.Extra {
		if !slices.Contains(extras, k) {
			return jobs.Token{}, bad("resume token has a field this SDK does not know")
		}
		if rest.CheckID("token", v) != nil {
			return jobs.Token{}, bad("resume token has an invalid %s", k)
		}
	}
	return t, nil
}

// ResumeMigration rebuilds the handle of a share-server migration from
// the text of its ResumeToken, in this process or another. It sends
// nothing; the handle's first Poll (or Wait) asks the service, as
// StartMigration describes.
//
// The token must have been written by StartMigration (or a handle resumed
// from one) for this client's endpoint. A token for another service,
// endpoint or kind of operation (a per-share migration's belongs to
// ResumeShareMigration), and one that is empty, truncated, altered or of
// a newer format, is a *cloudmigrate.ValidationError for the field
// "token".
func (c *Client) ResumeMigration(token string) (*jobs.Operation[*ShareServer], error) {
	t, err := c.checkResumeToken(token, kindServerMigration, extraDestination)
	if err != nil {
		return nil, err
	}
	if t.Target != "" && checkServerHost(t.Target) != nil {
		return nil, cloudmigrate.Invalid("token", "resume token names an invalid destination back end")
	}
	return jobs.NewOperation[*ShareServer](newServerMigration(c, t)), nil
}

// ResumeShareMigration rebuilds the handle of a per-share migration from
// the text of its ResumeToken, in this process or another. It sends
// nothing; the handle's first Poll (or Wait) asks the service, as
// StartShareMigration describes.
//
// The token must have been written by StartShareMigration (or a handle
// resumed from one) for this client's endpoint. A token for another
// service, endpoint or kind of operation, and one that is empty,
// truncated, altered or of a newer format, is a
// *cloudmigrate.ValidationError for the field "token".
func (c *Client) ResumeShareMigration(token string) (*jobs.Operation[*Share], error) {
	t, err := c.checkResumeToken(token, kindShareMigration)
	if err != nil {
		return nil, err
	}
	if t.Target != "" && checkShareHost(t.Target) != nil {
		return nil, cloudmigrate.Invalid("token", "resume token names an invalid destination pool")
	}
	return jobs.NewOperation[*Share](&shareMigration{c: c, tok: t}), nil
}

// serverToken is the token of a migration of the share server id from
// the back end source to target ("" when the service's migration in
// flight was adopted before its destination existed).
func (c *Client) serverToken(id, source, target, dest string, version auth.Microversion) jobs.Token {
	t := jobs.Token{
		Service:   tokenService,
		Kind:      kindServerMigration,
		Endpoint:  c.Endpoint(),
		Resources: []string{id},
		Source:    source,
		Target:    target,
		Started:   startedNow(),
	}
	if !version.IsZero() {
		t.Microversion = version.String()
	}
	if dest != "" {
		t.Extra = map[string]string{extraDestination: dest}
	}
	return t
}

// shareToken is the token of a migration of the share id from the pool
// source to target.
func (c *Client) shareToken(id, source, target string, version auth.Microversion) jobs.Token {
	t := jobs.Token{
		Service:   tokenService,
		Kind:      kindShareMigration,
		Endpoint:  c.Endpoint(),
		Resources: []string{id},
		Source:    source,
		Target:    target,
		Started:   startedNow(),
	}
	if !version.IsZero() {
		t.Microversion = version.String()
	}
	return t
}

// adoptServer returns the handle on the migration of sv found under way,
// and the error that reports it. It lists the share servers that name sv
// as their source (one request) to learn the destination, when it
// exists.
func (c *Client) adoptServer(ctx context.Context, sv *ShareServer, evidence string, version auth.Microversion) (*jobs.Operation[*ShareServer], error) {
	list, err := c.ListShareServers(ctx, &ListShareServersOptions{SourceShareServerID: sv.ID})
	if err != nil {
		return nil, err
	}
	var target, dest string
	for _, d := range list {
		if d.Status == ShareServerStatusServerMigratingTo && rest.CheckID("id", d.ID) == nil {
			target, dest = backendOf(d.Host), d.ID
			evidence += "; destination share server " + d.ID + " on " + d.Host
			break
		}
	}
	if target != "" && checkServerHost(target) != nil {
		target = ""
	}
	op := jobs.NewOperation[*ShareServer](newServerMigration(c, c.serverToken(sv.ID, sv.Host, target, dest, version)))
	return op, &cloudmigrate.InProgressError{Resource: "share server " + sv.ID, Evidence: evidence}
}

// adoptShare returns the handle on the migration of sh found under way,
// and the error that reports it. It reads the share's instances (one
// request) to learn the destination pool, when the copy exists.
func (c *Client) adoptShare(ctx context.Context, sh *Share, evidence string, version auth.Microversion) (*jobs.Operation[*Share], error) {
	insts, err := c.shareInstances(ctx, "StartShareMigration", sh.ID)
	if err != nil {
		return nil, err
	}
	target := ""
	for _, in := range insts {
		if in.Status == instanceMigratingTo && checkShareHost(in.Host) == nil {
			target = in.Host
			evidence += "; copy on " + in.Host
			break
		}
	}
	op := jobs.NewOperation[*Share](&shareMigration{c: c, tok: c.shareToken(sh.ID, sh.Host, target, version)})
	return op, &cloudmigrate.InProgressError{Resource: "share " + sh.ID, Evidence: evidence}
}
