package ecs_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/ecs"
	"github.com/cloudmigrate/cloudmigrate/ecs/ecstest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// The examples talk to a local stand-in for the ECS endpoint. Against the
// real service, use "https://ecs.<region>.myhuaweicloud.com" and an AK/SK
// signer:
//
//	authz := auth.NewAKSK(os.Getenv("HUAWEICLOUD_SDK_AK"), os.Getenv("HUAWEICLOUD_SDK_SK"))
const (
	projectID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	serverID  = "7a9e1c2b-3d4f-4a5b-8c6d-7e8f9a0b1c2d"
	hostID    = "459a2b9d-804a-4745-ab19-a113bb1b4ddc"
	jobID     = "ff80808288d41e1b018990260955686a"
)

// printBody is a stand-in ECS endpoint: it answers the read of the server
// with a stopped server on a dedicated host, and prints the body of the
// migration request and answers it with a job ID.
func printBody(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		fmt.Fprintf(w, `{"server": {"id": %q, "status": "SHUTOFF", "OS-EXT-STS:task_state": null,
			"os:scheduler_hints": {"tenancy": ["dedicated"], "dedicated_host_id": ["6f5da086-876d-4cd0-84d3-6f8bd3346036"]}}}`, serverID)
		return
	}
	b, _ := io.ReadAll(r.Body)
	fmt.Printf("%s %s\n%s\n", r.Method, r.URL.Path, b)
	fmt.Fprintf(w, `{"job_id": %q}`, jobID)
}

func ExampleNewClient() {
	const ak, sk = "HPUAEXAMPLEAKID00001", "ExAmPlEsEcReTkEy0000000000000000000000001"
	// The stand-in checks the signature the way the API gateway does.
	verifier := &auth.AKSKVerifier{SecretKey: func(k string) (string, bool) { return sk, k == ak }}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := verifier.Verify(r)
		fmt.Println("project:", r.Header.Get("X-Project-Id"), "signature ok:", err == nil)
		fmt.Fprint(w, `{"job_id": "ff80808288d41e1b018990260955686a", "status": "SUCCESS"}`)
	}))
	defer srv.Close()

	c, err := ecs.NewClient(srv.URL, projectID, auth.NewAKSK(ak, sk),
		cloudmigrate.WithRetry(5), cloudmigrate.WithTimeout(30*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	job, err := c.GetJob(context.Background(), jobID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(job.Status)
	// Output:
	// project: 0a1b2c3d4e5f60718293a4b5c6d7e8f9 signature ok: true
	// SUCCESS
}

// Stop a server, cold-migrate it to another dedicated host, and start it
// again, each step a handle waited on. The example runs against the fake
// of package ecstest, whose clock moves a minute after every poll.
func ExampleClient_ColdMigrate() {
	srv := ecstest.NewServer()
	defer srv.Close()
	srv.AddHost(hostID)
	srv.AddServer(ecstest.ServerInfo{ID: serverID, Status: ecstest.StatusActive, HostID: "deh-a"})
	c, err := ecs.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	wait := []jobs.Option{
		jobs.WithInterval(time.Millisecond, time.Millisecond),
		jobs.WithProgress(func(jobs.Status) { srv.Clock().Advance(time.Minute) }),
	}

	stop, err := c.StopServers(ctx, []string{serverID}, nil)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := stop.Wait(ctx, wait...); err != nil {
		log.Fatal(err)
	}
	op, err := c.ColdMigrate(ctx, serverID, &ecs.ColdMigrateOptions{DedicatedHostID: hostID})
	if err != nil {
		log.Fatal(err)
	}
	job, err := op.Wait(ctx, wait...)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("migration job", job.Status)
	start, err := c.StartServers(ctx, []string{serverID})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := start.Wait(ctx, wait...); err != nil {
		log.Fatal(err)
	}
	s, err := c.GetServer(ctx, serverID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Status, "on", s.DedicatedHostID())
	// Output:
	// migration job SUCCESS
	// ACTIVE on 459a2b9d-804a-4745-ab19-a113bb1b4ddc
}

// The wire form of a move back to the public pool, against a stand-in
// endpoint that prints what it receives: no host gives {"migrate": null}.
func ExampleClient_ColdMigrate_publicPool() {
	srv := httptest.NewServer(http.HandlerFunc(printBody))
	defer srv.Close()

	c, err := ecs.NewClient(srv.URL, projectID, auth.StaticToken("example-token"))
	if err != nil {
		log.Fatal(err)
	}
	op, err := c.ColdMigrate(context.Background(), serverID, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("job:", op.ID())
	// Output:
	// POST /v1/0a1b2c3d4e5f60718293a4b5c6d7e8f9/cloudservers/7a9e1c2b-3d4f-4a5b-8c6d-7e8f9a0b1c2d/migrate
	// {"migrate":null}
	// job: ff80808288d41e1b018990260955686a
}

// A running server is refused with the service's code.
func ExampleClient_ColdMigrate_serverNotStopped() {
	srv := ecstest.NewServer()
	defer srv.Close()
	srv.AddHost(hostID)
	srv.AddServer(ecstest.ServerInfo{ID: serverID, Status: ecstest.StatusActive, HostID: "deh-a"})
	c, err := ecs.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.ColdMigrate(context.Background(), serverID, &ecs.ColdMigrateOptions{DedicatedHostID: hostID})
	var apiErr *cloudmigrate.Error
	if errors.As(err, &apiErr) && apiErr.Code == ecs.CodeServerNotStopped {
		fmt.Println("stop the server first:", apiErr.StatusCode, apiErr.Code)
	}
	// Output:
	// stop the server first: 400 Ecs.0100
}

// A second start of a server that is already moving sends nothing: it
// returns a handle on the move in flight and an error that says so.
func ExampleClient_ColdMigrate_inProgress() {
	srv := ecstest.NewServer()
	defer srv.Close()
	srv.AddHost(hostID)
	srv.AddServer(ecstest.ServerInfo{ID: serverID, HostID: "deh-a"})
	c, err := ecs.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.ColdMigrate(ctx, serverID, &ecs.ColdMigrateOptions{DedicatedHostID: hostID}); err != nil {
		log.Fatal(err)
	}
	srv.Clock().Advance(time.Minute) // the job is RUNNING: the server shows RESIZE

	op, err := c.ColdMigrate(ctx, serverID, &ecs.ColdMigrateOptions{DedicatedHostID: hostID})
	fmt.Println(errors.Is(err, cloudmigrate.ErrInProgress), err)
	srv.Clock().Advance(time.Hour)
	if _, err := op.Wait(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println("done; migration requests received:", srv.Calls(ecstest.OpColdMigrate))
	// Output:
	// true cloudmigrate: a move of server 7a9e1c2b-3d4f-4a5b-8c6d-7e8f9a0b1c2d is already in progress (status RESIZE, task_state resize_migrating); adopted it instead of starting another
	// done; migration requests received: 1
}

// A program saves the handle's token, stops, and a later run (here a new
// client) follows the migration to its end from the token.
func ExampleClient_ResumeColdMigration() {
	srv := ecstest.NewServer()
	defer srv.Close()
	srv.AddHost(hostID)
	srv.AddServer(ecstest.ServerInfo{ID: serverID, HostID: "deh-a"})
	ctx := context.Background()

	first, err := ecs.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	op, err := first.ColdMigrate(ctx, serverID, &ecs.ColdMigrateOptions{DedicatedHostID: hostID})
	if err != nil {
		log.Fatal(err)
	}
	token, err := op.ResumeToken() // save it, in a file or a database
	if err != nil {
		log.Fatal(err)
	}

	srv.Clock().Advance(time.Hour)
	later, err := ecs.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	resumed, err := later.ResumeColdMigration(token)
	if err != nil {
		log.Fatal(err)
	}
	job, err := resumed.Wait(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(job.ID == op.ID(), job.Status)

	// A token is refused by a client of another project, sending nothing.
	other, err := ecs.NewClient(srv.URL(), "00112233445566778899aabbccddeeff", srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	_, err = other.ResumeColdMigration(token)
	var ve *cloudmigrate.ValidationError
	fmt.Println(errors.As(err, &ve), ve.Field)
	// Output:
	// true SUCCESS
	// true token
}

func ExampleClient_GetServer() {
	srv := ecstest.NewServer()
	defer srv.Close()
	srv.AddServer(ecstest.ServerInfo{ID: serverID, Name: "web-1", Status: ecstest.StatusActive, HostID: hostID, Flavor: "s6.xlarge.2"})
	c, err := ecs.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	s, err := c.GetServer(context.Background(), serverID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Name, s.Status, s.TaskState == "", s.Flavor.ID, s.Flavor.VCPUs, s.Flavor.RAM, s.AvailabilityZone)
	fmt.Println("dedicated host:", s.DedicatedHostID())
	// Output:
	// web-1 ACTIVE true s6.xlarge.2 4 8192 xx-fake-1a
	// dedicated host: 459a2b9d-804a-4745-ab19-a113bb1b4ddc
}

// List the stopped servers, page by page as the loop asks for them, and
// keep those on one dedicated host.
func ExampleClient_ListServers() {
	srv := ecstest.NewServer()
	defer srv.Close()
	for i, host := range []string{hostID, hostID, "deh-b", hostID} {
		id := fmt.Sprintf("00000000-0000-4000-8000-00000000000%d", i)
		srv.AddServer(ecstest.ServerInfo{ID: id, Name: fmt.Sprintf("web-%d", i), HostID: host})
	}
	c, err := ecs.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	for s, err := range c.ListServers(context.Background(), &ecs.ListServersOptions{Status: ecs.ServerShutoff, Limit: 2}) {
		if err != nil {
			log.Fatal(err)
		}
		if s.DedicatedHostID() == hostID {
			fmt.Println(s.Name, s.Status)
		}
	}
	fmt.Println("pages read:", srv.Calls(ecstest.OpListServers))
	// Output:
	// web-0 SHUTOFF
	// web-1 SHUTOFF
	// web-3 SHUTOFF
	// pages read: 2
}

func ExampleClient_StopServers() {
	srv := ecstest.NewServer()
	defer srv.Close()
	ids := []string{"00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"}
	for _, id := range ids {
		srv.AddServer(ecstest.ServerInfo{ID: id, Status: ecstest.StatusActive, HostID: hostID})
	}
	c, err := ecs.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	op, err := c.StopServers(ctx, ids, &ecs.StopServersOptions{Type: ecs.StopSoft})
	if err != nil {
		log.Fatal(err)
	}
	srv.Clock().Advance(time.Minute)
	job, err := op.Wait(ctx) // SUCCESS, and both servers SHUTOFF
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(job.Status, job.Entities.SubJobsTotal)
	// Output:
	// SUCCESS 2
}

// A start that fails for one server: the failed sub-job's code and
// reason come back in a *jobs.FailedError.
func ExampleClient_StartServers() {
	srv := ecstest.NewServer()
	defer srv.Close()
	srv.AddServer(ecstest.ServerInfo{ID: serverID, Status: ecstest.StatusShutoff, HostID: hostID, Locked: true})
	c, err := ecs.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	op, err := c.StartServers(ctx, []string{serverID})
	if err != nil {
		log.Fatal(err)
	}
	srv.Clock().Advance(time.Minute)
	_, err = op.Wait(ctx)
	var failed *jobs.FailedError
	if errors.As(err, &failed) {
		fmt.Println(failed.Status.Word, failed.Status.Code, failed.Status.Message)
	}
	// Output:
	// FAIL Ecs.0605 Server 7a9e1c2b-3d4f-4a5b-8c6d-7e8f9a0b1c2d is locked.
}

func ExampleClient_ResumeServerAction() {
	srv := ecstest.NewServer()
	defer srv.Close()
	srv.AddServer(ecstest.ServerInfo{ID: serverID, Status: ecstest.StatusActive, HostID: hostID})
	c, err := ecs.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	op, err := c.StopServers(ctx, []string{serverID}, nil)
	if err != nil {
		log.Fatal(err)
	}
	token, err := op.ResumeToken()
	if err != nil {
		log.Fatal(err)
	}

	// Later, perhaps in another process:
	srv.Clock().Advance(time.Minute)
	resumed, err := c.ResumeServerAction(token)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := resumed.Wait(ctx); err != nil {
		log.Fatal(err)
	}
	s, err := c.GetServer(ctx, serverID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Status)
	// Output:
	// SHUTOFF
}

func ExampleClient_GetJob() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"job_id": "ff80808288d41e1b018990260955686a", "job_type": "migrateServer",
			"status": "RUNNING", "begin_time": "2024-06-21T08:15:02.117Z", "end_time": "",
			"error_code": null, "fail_reason": null,
			"entities": {"server_id": "7a9e1c2b-3d4f-4a5b-8c6d-7e8f9a0b1c2d", "sub_jobs_total": 0}}`)
	}))
	defer srv.Close()

	c, err := ecs.NewClient(srv.URL, projectID, auth.StaticToken("example-token"))
	if err != nil {
		log.Fatal(err)
	}
	job, err := c.GetJob(context.Background(), jobID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(job.Status, "since", job.BeginTime.Format(time.Kitchen), "ended:", !job.EndTime.IsZero())
	// Output:
	// RUNNING since 8:15AM ended: false
}

func ExampleClient_WaitForJob() {
	// The stand-in job goes INIT, RUNNING with one of two sub-jobs done,
	// then SUCCESS.
	answers := []string{
		`{"job_id": "ff80808288d41e1b018990260955686a", "status": "INIT", "entities": {}}`,
		`{"job_id": "ff80808288d41e1b018990260955686a", "status": "RUNNING", "entities": {"sub_jobs_total": 2,
			"sub_jobs": [{"status": "SUCCESS"}, {"status": "RUNNING"}]}}`,
		`{"job_id": "ff80808288d41e1b018990260955686a", "status": "SUCCESS", "end_time": "2024-06-21T08:19:47.591Z",
			"entities": {"sub_jobs_total": 2, "sub_jobs": [{"status": "SUCCESS"}, {"status": "SUCCESS"}]}}`,
	}
	var polls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := min(int(polls.Add(1)), len(answers))
		fmt.Fprint(w, answers[n-1])
	}))
	defer srv.Close()

	c, err := ecs.NewClient(srv.URL, projectID, auth.StaticToken("example-token"))
	if err != nil {
		log.Fatal(err)
	}
	job, err := c.WaitForJob(context.Background(), jobID,
		// Poll fast for the stand-in; real migrations take minutes, so keep
		// the default intervals there.
		jobs.WithInterval(time.Millisecond, time.Millisecond),
		jobs.WithProgress(func(s jobs.Status) {
			if s.Progress == jobs.ProgressUnknown {
				fmt.Printf("%s (%s)\n", s.Word, s.State)
				return
			}
			fmt.Printf("%s (%s) %d%%\n", s.Word, s.State, s.Progress)
		}))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("finished at", job.EndTime.Format(time.RFC3339))
	// Output:
	// INIT (pending)
	// RUNNING (running) 50%
	// SUCCESS (succeeded) 100%
	// finished at 2024-06-21T08:19:47Z
}

func ExampleClient_WaitForJob_failed() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"job_id": "ff80808288d41e1b018990260955686a", "status": "FAIL",
			"error_code": null, "fail_reason": null,
			"entities": {"server_id": "7a9e1c2b-3d4f-4a5b-8c6d-7e8f9a0b1c2d", "sub_jobs_total": 1,
				"sub_jobs": [{"status": "FAIL", "error_code": "Ecs.0221",
					"fail_reason": "the server is already on this dedicated host"}]}}`)
	}))
	defer srv.Close()

	c, err := ecs.NewClient(srv.URL, projectID, auth.StaticToken("example-token"))
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.WaitForJob(context.Background(), jobID, jobs.WithInterval(time.Millisecond, time.Millisecond))
	var failed *jobs.FailedError
	if errors.As(err, &failed) {
		job := failed.Job.(*ecs.Job)
		fmt.Println("server:", job.Entities.ServerID)
		fmt.Println("code:", failed.Status.Code)
		fmt.Println("reason:", failed.Status.Message)
		if failed.Status.Code == ecs.CodeSameHost {
			fmt.Println("nothing to do: already there")
		}
	}
	// Output:
	// server: 7a9e1c2b-3d4f-4a5b-8c6d-7e8f9a0b1c2d
	// code: Ecs.0221
	// reason: the server is already on this dedicated host
	// nothing to do: already there
}

// Cold-migrate a stopped server to another dedicated host and wait until
// it is there. The example runs against the fake of package ecstest,
// whose clock the wait moves a minute after every poll; the fake counts
// the requests, so a test can check that the migration was started once.
func Example() {
	srv := ecstest.NewServer()
	defer srv.Close()
	srv.AddHost("deh-a", hostID)
	srv.AddServer(ecstest.ServerInfo{ID: serverID, Status: ecstest.StatusShutoff, HostID: "deh-a"})
	c, err := ecs.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	op, err := c.ColdMigrate(ctx, serverID, &ecs.ColdMigrateOptions{DedicatedHostID: hostID})
	if err != nil && !errors.Is(err, cloudmigrate.ErrInProgress) {
		log.Fatal(err)
	}
	job, err := op.Wait(ctx,
		jobs.WithInterval(time.Millisecond, time.Millisecond),
		jobs.WithProgress(func(jobs.Status) { srv.Clock().Advance(time.Minute) }))
	if err != nil {
		log.Fatal(err)
	}
	info, _ := srv.ServerState(serverID)
	fmt.Println("job", job.Status, "server on", info.HostID)
	fmt.Println("migrations started:", srv.Calls(ecstest.OpColdMigrate))
	// Output:
	// job SUCCESS server on 459a2b9d-804a-4745-ab19-a113bb1b4ddc
	// migrations started: 1
}
