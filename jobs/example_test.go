package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cloudmigrate/cloudmigrate/ecs"
	"github.com/cloudmigrate/cloudmigrate/ecs/ecstest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// A fake job that is queued, then half done, then finished. A real Poller
// calls a service, such as GET /v1/{project_id}/jobs/{job_id} on ECS.
func ExampleWaitForJob() {
	answers := []jobs.Status{
		{State: jobs.Pending, Word: "INIT", Progress: jobs.ProgressUnknown},
		{State: jobs.Running, Word: "RUNNING", Progress: 50},
		{State: jobs.Succeeded, Word: "SUCCESS", Progress: 100},
	}
	polls := 0
	poll := func(ctx context.Context) (jobs.Status, error) {
		s := answers[polls]
		polls++
		return s, nil
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	final, err := jobs.WaitForJob(ctx, poll,
		// Short intervals so the example runs quickly; real jobs do well
		// with the defaults (2s growing to 30s).
		jobs.WithInterval(time.Millisecond, 5*time.Millisecond),
		jobs.WithProgress(func(s jobs.Status) {
			if s.Progress == jobs.ProgressUnknown {
				fmt.Printf("%s (%s)\n", s.State, s.Word)
				return
			}
			fmt.Printf("%s (%s) %d%%\n", s.State, s.Word, s.Progress)
		}))
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println("done:", final.Word, "after", polls, "polls")
	// Output:
	// pending (INIT)
	// running (RUNNING) 50%
	// succeeded (SUCCESS) 100%
	// done: SUCCESS after 3 polls
}

// A job that fails: the service's word, code and reason come back in a
// *jobs.FailedError.
func ExampleFailedError() {
	poll := func(ctx context.Context) (jobs.Status, error) {
		return jobs.Status{
			State:    jobs.Failed,
			Word:     "FAIL",
			Progress: jobs.ProgressUnknown,
			Code:     "Ecs.0221",
			Message:  "the dedicated host has no capacity left",
		}, nil
	}

	_, err := jobs.WaitForJob(context.Background(), poll)
	var failed *jobs.FailedError
	if errors.As(err, &failed) {
		fmt.Println("code:", failed.Status.Code)
		fmt.Println("reason:", failed.Status.Message)
	}
	fmt.Println(err)
	// Output:
	// code: Ecs.0221
	// reason: the dedicated host has no capacity left
	// cloudmigrate: job failed (FAIL): Ecs.0221: the dedicated host has no capacity left
}

// migration stands in for a service's typed object, such as a Manila
// share-server migration.
type migration struct {
	ID       string
	Phase    string
	Progress int
}

// migrationWords is the service's vocabulary. Words not listed here are
// treated as Running.
var migrationWords = jobs.Words{
	"migration_starting":           jobs.Pending,
	"migration_in_progress":        jobs.Running,
	"migration_driver_in_progress": jobs.Running,
	"migration_driver_phase1_done": jobs.Succeeded,
	"migration_error":              jobs.Failed,
	"migration_cancelled":          jobs.Cancelled,
}

func (m *migration) status() jobs.Status {
	s := migrationWords.Status(m.Phase)
	s.Progress = m.Progress
	return s
}

// Wait returns the service's own object, here until a share-server
// migration finishes its first phase.
func ExampleWait() {
	phases := []*migration{
		{ID: "m-1", Phase: "migration_starting"},
		{ID: "m-1", Phase: "migration_driver_in_progress", Progress: 60},
		{ID: "m-1", Phase: "migration_driver_phase1_done", Progress: 100},
	}
	get := func(ctx context.Context) (*migration, error) {
		m := phases[0]
		phases = phases[1:]
		return m, nil
	}

	m, err := jobs.Wait(context.Background(), get, (*migration).status,
		jobs.WithInterval(time.Millisecond, 5*time.Millisecond))
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(m.ID, m.Phase, m.Progress)
	// Output:
	// m-1 migration_driver_phase1_done 100
}

// Every call that starts a move returns a *jobs.Operation. Here ECS stops
// a server, on the fake of package ecstest: Poll takes one step without
// waiting, for a controller that must not block; Wait polls to the end;
// the resume token lets another process take the handle over.
func Example() {
	srv := ecstest.NewServer()
	defer srv.Close()
	srv.AddHost("deh-a")
	srv.AddServer(ecstest.ServerInfo{ID: "web-1", Status: ecstest.StatusActive, HostID: "deh-a"})
	c, err := ecs.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()

	op, err := c.StopServers(ctx, []string{"web-1"}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	st, err := op.Poll(ctx)
	fmt.Println("after one poll:", st.State, st.Word, op.Done(), err)
	token, err := op.ResumeToken()
	fmt.Println("resume token:", token != "", err)

	job, err := op.Wait(ctx,
		jobs.WithInterval(time.Millisecond, time.Millisecond),
		jobs.WithProgress(func(jobs.Status) { srv.Clock().Advance(time.Minute) }))
	fmt.Println("ended:", job.Status, op.Done(), err)
	// Output:
	// after one poll: pending INIT false <nil>
	// resume token: true <nil>
	// ended: SUCCESS true <nil>
}
