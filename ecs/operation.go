package ecs

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// What the resume tokens of this package carry in jobs.Token.Service and
// jobs.Token.Kind.
const (
	tokenService     = "ecs"
	kindColdMigrate  = "cold-migrate"
	kindStopServers  = "stop-servers"
	kindStartServers = "start-servers"
)

// usableJobID reports whether id can go into the path of GetJob.
func usableJobID(id string) bool { return id != "" && checkID("job_id", id) == nil }

// moving reports whether s shows a move under way, and says what shows
// it. A cold migration of a stopped server shows status RESIZE with a
// resize_ task state; VERIFY_RESIZE and REVERT_RESIZE follow a resize
// or migration; MIGRATING and the task state "migrating" are a live
// migration.
func moving(s *Server) (bool, string) {
	switch s.Status {
	case ServerResize, ServerVerifyResize, ServerRevertResize, ServerMigrating:
	default:
		if !strings.HasPrefix(s.TaskState, "resize_") && s.TaskState != "migrating" {
			return false, ""
		}
	}
	evidence := "status " + string(s.Status)
	if s.TaskState != "" {
		evidence += ", task_state " + s.TaskState
	}
	return true, evidence
}

// serverWord is the word a poll shows for a server: its task state while
// one runs, else its status.
func serverWord(s *Server) string {
	if s.TaskState != "" {
		return s.TaskState
	}
	return string(s.Status)
}

// placeOf names where a server is, for messages.
func placeOf(host string) string {
	if host == "" {
		return "in the public resource pool"
	}
	return "on dedicated host " + host
}

// failedStep ends an operation with a *jobs.FailedError.
func failedStep(st jobs.Status, job *Job) jobs.Step[*Job] {
	st.State = jobs.Failed
	return jobs.Step[*Job]{Status: st, Value: job, Err: &jobs.FailedError{Status: st, Job: job}}
}

// cloneToken returns t with its own copy of Resources and Extra, so that
// a caller cannot change a stepper's token.
func cloneToken(t jobs.Token) jobs.Token {
	t.Resources = slices.Clone(t.Resources)
	t.Extra = maps.Clone(t.Extra)
	return t
}

// pollJob is the job part of a step: it reads the job and returns the
// step to report, or done when the job has succeeded and the resources
// are to be checked.
func pollJob(ctx context.Context, c *Client, jobID string) (step jobs.Step[*Job], done *Job, err error) {
	job, err := c.GetJob(ctx, jobID)
	if err != nil {
		return step, nil, err
	}
	st := jobStatus(job)
	switch st.State {
	case jobs.Succeeded:
		return step, job, nil
	case jobs.Failed, jobs.Cancelled:
		return jobs.Step[*Job]{Status: st, Value: job, Err: &jobs.FailedError{Status: st, Job: job}}, nil, nil
	}
	return jobs.Step[*Job]{Status: st, Value: job}, nil, nil
}

// migrationStepper follows a cold migration: its job while the job runs,
// then the server, until the server is where it was asked to go. A
// migration adopted from a server that was already moving has no job ID
// (ECS shows no server's jobs) and follows the server alone.
type migrationStepper struct {
	c   *Client
	tok jobs.Token // Resources[0] is the server, Target the host ("": the pool)
	job *Job       // the job once it has reported SUCCESS
}

func (s *migrationStepper) Token() jobs.Token { return cloneToken(s.tok) }

func (s *migrationStepper) Step(ctx context.Context) (jobs.Step[*Job], error) {
	if s.tok.ID != "" && s.job == nil {
		step, done, err := pollJob(ctx, s.c, s.tok.ID)
		if err != nil || done == nil {
			return step, err
		}
		s.job = done
	}
	serverID := s.tok.Resources[0]
	srv, err := s.c.GetServer(ctx, serverID)
	if cloudmigrate.IsNotFound(err) {
		return failedStep(jobs.Status{Word: s.word(nil), Progress: jobs.ProgressUnknown, Code: CodeServerNotFound,
			Message: fmt.Sprintf("server %s no longer exists", serverID)}, s.job), nil
	}
	if err != nil {
		return jobs.Step[*Job]{}, err
	}
	if inFlight, _ := moving(srv); inFlight {
		// The job has ended (or is not known) but the server has not
		// settled yet: ECS has been seen reporting SUCCESS early.
		return jobs.Step[*Job]{Status: jobs.Status{State: jobs.Running, Word: serverWord(srv), Progress: jobs.ProgressUnknown}, Value: s.job}, nil
	}
	what := "the migration in flight ended"
	if s.job != nil {
		what = "job " + s.job.ID + " reported SUCCESS"
	}
	if srv.Status == ServerError {
		return failedStep(faulted(jobs.Status{Word: s.word(srv), Progress: jobs.ProgressUnknown,
			Message: fmt.Sprintf("%s but server %s is in ERROR", what, serverID)}, srv), s.job), nil
	}
	if at := srv.DedicatedHostID(); at != s.tok.Target {
		return failedStep(jobs.Status{Word: s.word(srv), Progress: jobs.ProgressUnknown,
			Message: fmt.Sprintf("%s but server %s is %s, not %s", what, serverID, placeOf(at), placeOf(s.tok.Target))}, s.job), nil
	}
	st := jobs.Status{State: jobs.Succeeded, Word: string(srv.Status), Progress: 100}
	if s.job != nil {
		st = jobStatus(s.job)
	}
	return jobs.Step[*Job]{Status: st, Value: s.job}, nil
}

// word is the status word of a failure found once the job has ended: the
// job's (SUCCESS) when there is one, else the server's status.
func (s *migrationStepper) word(srv *Server) string {
	switch {
	case s.job != nil:
		return string(s.job.Status)
	case srv != nil:
		return string(srv.Status)
	}
	return ""
}

// faulted adds a server's fault, if it has one, to the status of a
// failure: its code, and its message after st's.
func faulted(st jobs.Status, srv *Server) jobs.Status {
	if srv.Fault != nil {
		st.Code = string(srv.Fault.Code)
		if srv.Fault.Message != "" {
			st.Message += ": " + srv.Fault.Message
		}
	}
	return st
}

// actionStepper follows a batch stop or start: its job, then the servers,
// until every one is SHUTOFF (stop) or ACTIVE (start) with no task under
// way.
type actionStepper struct {
	c   *Client
	tok jobs.Token // Resources are the servers, ID the job
	job *Job       // the job once it has reported SUCCESS
}

func (s *actionStepper) Token() jobs.Token { return cloneToken(s.tok) }

// want is the status the servers must reach.
func (s *actionStepper) want() ServerStatus {
	if s.tok.Kind == kindStopServers {
		return ServerShutoff
	}
	return ServerActive
}

func (s *actionStepper) Step(ctx context.Context) (jobs.Step[*Job], error) {
	if s.job == nil {
		step, done, err := pollJob(ctx, s.c, s.tok.ID)
		if err != nil || done == nil {
			return step, err
		}
		s.job = done
	}
	found := make(map[string]Server, len(s.tok.Resources))
	for chunk := range slices.Chunk(s.tok.Resources, MaxServerIDsPerList) {
		for srv, err := range s.c.ListServers(ctx, &ListServersOptions{ServerIDs: chunk, Limit: len(chunk)}) {
			if err != nil {
				return jobs.Step[*Job]{}, err
			}
			found[srv.ID] = srv
		}
	}
	want := s.want()
	settling := ""
	for _, id := range s.tok.Resources {
		srv, ok := found[id]
		switch {
		case !ok || srv.Status == "":
			return failedStep(jobs.Status{Word: string(s.job.Status), Progress: jobs.ProgressUnknown, Code: CodeServerNotFound,
				Message: fmt.Sprintf("job %s reported SUCCESS but server %s no longer exists", s.job.ID, id)}, s.job), nil
		case srv.TaskState != "":
			if settling == "" {
				settling = srv.TaskState
			}
		case srv.Status == ServerError:
			return failedStep(faulted(jobs.Status{Word: string(s.job.Status), Progress: jobs.ProgressUnknown,
				Message: fmt.Sprintf("job %s reported SUCCESS but server %s is in ERROR", s.job.ID, id)}, &srv), s.job), nil
		case srv.Status != want:
			return failedStep(jobs.Status{Word: string(s.job.Status), Progress: jobs.ProgressUnknown,
				Message: fmt.Sprintf("job %s reported SUCCESS but server %s is %s, not %s", s.job.ID, id, srv.Status, want)}, s.job), nil
		}
	}
	if settling != "" {
		return jobs.Step[*Job]{Status: jobs.Status{State: jobs.Running, Word: settling, Progress: jobs.ProgressUnknown}, Value: s.job}, nil
	}
	return jobs.Step[*Job]{Status: jobStatus(s.job), Value: s.job}, nil
}

// parseToken decodes token and checks that it is one of this client's
// operations of one of kinds. Every failure is a
// *cloudmigrate.ValidationError for the field "token".
func (c *Client) parseToken(token string, kinds ...string) (jobs.Token, error) {
	t, err := jobs.ParseToken(token)
	if err != nil {
		return t, err
	}
	if err := t.Check(tokenService, c.Endpoint(), c.projectID, kinds...); err != nil {
		return t, err
	}
	return t, nil
}

// tokenID checks an ID a token carries with the path-ID rule.
func tokenID(what, id string) error {
	if err := checkID(what, id); err != nil {
		return cloudmigrate.Invalid("token", "resume token holds a bad %s: %v", what, err)
	}
	return nil
}

// ResumeColdMigration rebuilds the handle of a cold migration from the
// text of its Operation.ResumeToken, in this process or another, so a
// program that stopped mid-migration follows it to the end instead of
// starting it again. It sends nothing: the first Poll or Wait does, and
// costs what a poll of ColdMigrate's handle costs.
//
// A token that is empty, truncated, altered or of a newer format, or that
// was written for another service, endpoint, project or kind of
// operation (such as StopServers'), or that holds an ID breaking the
// path-ID rule, is a *cloudmigrate.ValidationError for the field "token".
func (c *Client) ResumeColdMigration(token string) (*jobs.Operation[*Job], error) {
	t, err := c.parseToken(token, kindColdMigrate)
	if err != nil {
		return nil, err
	}
	if len(t.Resources) != 1 {
		return nil, cloudmigrate.Invalid("token", "resume token names %d servers, want 1", len(t.Resources))
	}
	if err := tokenID("server ID", t.Resources[0]); err != nil {
		return nil, err
	}
	if t.ID != "" {
		if err := tokenID("job ID", t.ID); err != nil {
			return nil, err
		}
	}
	if t.Target != "" {
		if err := tokenID("dedicated host ID", t.Target); err != nil {
			return nil, err
		}
	}
	return jobs.NewOperation[*Job](&migrationStepper{c: c, tok: t}), nil
}

// ResumeServerAction rebuilds the handle of a StopServers or StartServers
// call from the text of its Operation.ResumeToken, as ResumeColdMigration
// does for a migration. One method serves both actions: the token says
// which, and so which status the servers must reach. It sends nothing;
// a bad token is refused as by ResumeColdMigration (a cold migration's
// token included).
func (c *Client) ResumeServerAction(token string) (*jobs.Operation[*Job], error) {
	t, err := c.parseToken(token, kindStopServers, kindStartServers)
	if err != nil {
		return nil, err
	}
	if n := len(t.Resources); n == 0 || n > MaxServersPerAction {
		return nil, cloudmigrate.Invalid("token", "resume token names %d servers, want 1 to %d", n, MaxServersPerAction)
	}
	for _, id := range t.Resources {
		if err := checkListID("server ID", id); err != nil {
			return nil, cloudmigrate.Invalid("token", "resume token holds a bad server ID: %v", err)
		}
	}
	if err := tokenID("job ID", t.ID); err != nil {
		return nil, err
	}
	return jobs.NewOperation[*Job](&actionStepper{c: c, tok: t}), nil
}
