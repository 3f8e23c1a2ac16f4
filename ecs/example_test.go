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

// printBody is a stand-in migrate endpoint: it prints the body it receives
// and answers with a job ID.
func printBody(w http.ResponseWriter, r *http.Request) {
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

func ExampleClient_ColdMigrate() {
	srv := httptest.NewServer(http.HandlerFunc(printBody))
	defer srv.Close()

	c, err := ecs.NewClient(srv.URL, projectID, auth.StaticToken("example-token"))
	if err != nil {
		log.Fatal(err)
	}
	// Move the stopped server to a dedicated host.
	res, err := c.ColdMigrate(context.Background(), serverID, &ecs.ColdMigrateOptions{DedicatedHostID: hostID})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("job:", res.JobID)
	// Output:
	// POST /v1/0a1b2c3d4e5f60718293a4b5c6d7e8f9/cloudservers/7a9e1c2b-3d4f-4a5b-8c6d-7e8f9a0b1c2d/migrate
	// {"migrate":{"dedicated_host_id":"459a2b9d-804a-4745-ab19-a113bb1b4ddc"}}
	// job: ff80808288d41e1b018990260955686a
}

func ExampleClient_ColdMigrate_publicPool() {
	srv := httptest.NewServer(http.HandlerFunc(printBody))
	defer srv.Close()

	c, err := ecs.NewClient(srv.URL, projectID, auth.StaticToken("example-token"))
	if err != nil {
		log.Fatal(err)
	}
	// No dedicated host: move the server from its host to the public pool.
	res, err := c.ColdMigrate(context.Background(), serverID, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("job:", res.JobID)
	// Output:
	// POST /v1/0a1b2c3d4e5f60718293a4b5c6d7e8f9/cloudservers/7a9e1c2b-3d4f-4a5b-8c6d-7e8f9a0b1c2d/migrate
	// {"migrate":null}
	// job: ff80808288d41e1b018990260955686a
}

func ExampleClient_ColdMigrate_serverNotStopped() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "b3f1c2d4e5a6")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error": {"code": "Ecs.0100", "message": "The server status does not meet requirements."}}`)
	}))
	defer srv.Close()

	c, err := ecs.NewClient(srv.URL, projectID, auth.StaticToken("example-token"))
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.ColdMigrate(context.Background(), serverID, &ecs.ColdMigrateOptions{DedicatedHostID: hostID})
	var apiErr *cloudmigrate.Error
	if errors.As(err, &apiErr) && apiErr.Code == ecs.CodeServerNotStopped {
		fmt.Println("stop the server first; request", apiErr.RequestID)
	}
	// Output:
	// stop the server first; request b3f1c2d4e5a6
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
