package manila_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/manila"
)

const (
	project  = "9a8b7c6d5e4f4a3b8c7d6e5f4a3b2c1d"
	serverID = "5bd7c5a8-5e83-4f4c-9a0e-5f2d3a1c7b60"
	destID   = "c2f71561-85e2-4ccb-a91a-e44f9ff6f7ef"
	shareID  = "406ea93b-32e9-4907-a117-148b3945749f"
)

// exampleManila is a small stand-in for a Manila service: it reports
// microversion maxVersion and walks one share server through a migration,
// one task state per progress poll. Like Manila, it answers progress only
// while the share server is migrating.
type exampleManila struct {
	mu        sync.Mutex
	state     string   // the task state
	steps     []string // task states still to come, one per poll
	migrating bool     // the share server's status is server_migrating
}

// progress returns the current state and moves on to the next one.
func (m *exampleManila) progress() (int, string) {
	s := m.state
	if len(m.steps) > 0 {
		m.state, m.steps = m.steps[0], m.steps[1:]
	}
	switch m.state {
	case "migration_success", "migration_cancelled", "migration_error":
		m.migrating = false
	}
	switch s {
	case "migration_starting", "migration_in_progress", "migration_driver_starting", "":
		return 0, s
	case "migration_driver_in_progress":
		return 50, s
	}
	return 100, s
}

// status is the share server's status.
func (m *exampleManila) status() string {
	switch {
	case m.migrating:
		return "server_migrating"
	case m.state == "migration_success":
		return "inactive"
	}
	return "active"
}

// startExample starts the stand-in; Close it when done.
func startExample(maxVersion string) *httptest.Server {
	m := &exampleManila{}
	mux := http.NewServeMux()
	fault := func(w http.ResponseWriter, status int, name, message string) {
		w.Header().Set("X-Openstack-Request-Id", "req-0f1e2d3c")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{%q: {"code": %d, "message": %q}}`, name, status, message)
	}
	mux.HandleFunc("GET /v2/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"versions": [{"id": "v2.0", "status": "CURRENT", "min_version": "2.0", "version": %q}]}`, maxVersion)
	})
	mux.HandleFunc("GET /v2/{project}/share-servers/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != serverID {
			fault(w, http.StatusNotFound, "itemNotFound", "Share server "+r.PathValue("id")+" could not be found.")
			return
		}
		m.mu.Lock()
		defer m.mu.Unlock()
		state := "null"
		if m.state != "" {
			state = fmt.Sprintf("%q", m.state)
		}
		fmt.Fprintf(w, `{"share_server": {"id": %q, "project_id": %q, "status": %q, "host": "manila-share-1@netapp1",
			"share_network_id": "1d04b755-649f-46a4-964c-be9f0395af13", "share_network_name": "net1",
			"created_at": "2025-03-04T10:20:30.000000", "updated_at": null, "backend_details": {},
			"is_auto_deletable": true, "identifier": %q, "task_state": %s, "source_share_server_id": null,
			"security_service_update_support": false, "share_network_subnet_ids": ["3c2f4a5b-6d7e-4f80-9a1b-2c3d4e5f6a7b"],
			"network_allocation_update_support": false, "encryption_key_ref": null}}`,
			serverID, project, m.status(), serverID, state)
	})
	mux.HandleFunc("POST /v2/{project}/share-servers/{id}/action", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != serverID {
			fault(w, http.StatusNotFound, "itemNotFound", "Share server "+r.PathValue("id")+" could not be found.")
			return
		}
		var body map[string]json.RawMessage
		_ = json.NewDecoder(r.Body).Decode(&body)
		m.mu.Lock()
		defer m.mu.Unlock()
		switch {
		case body["migration_check"] != nil:
			fmt.Fprint(w, `{"compatible": true,
				"requested_capabilities": {"writable": true, "nondisruptive": false, "preserve_snapshots": true, "share_network_id": null, "host": "manila-share-2@netapp1"},
				"supported_capabilities": {"writable": true, "nondisruptive": false, "preserve_snapshots": true, "share_network_id": "1d04b755-649f-46a4-964c-be9f0395af13", "migration_cancel": true, "migration_get_progress": true}}`)
		case body["migration_start"] != nil:
			m.state, m.migrating = "migration_starting", true
			m.steps = []string{"migration_in_progress", "migration_driver_starting",
				"migration_driver_in_progress", "migration_driver_phase1_done"}
			w.WriteHeader(http.StatusAccepted)
		case body["migration_complete"] != nil:
			m.state, m.steps = "migration_completing", []string{"migration_success"}
			fmt.Fprintf(w, `{"destination_share_server_id": %q}`, destID)
		case body["migration_cancel"] != nil:
			m.state, m.steps = "migration_cancel_in_progress", []string{"migration_cancelled"}
			w.WriteHeader(http.StatusAccepted)
		case body["migration_get_progress"] != nil:
			if !m.migrating {
				fault(w, http.StatusBadRequest, "badRequest", "Invalid share server: Migration progress of share server "+
					serverID+" cannot be obtained. The provided share server is not being migrated.")
				return
			}
			p, s := m.progress()
			dest := destID
			if s == "" {
				dest = ""
			}
			fmt.Fprintf(w, `{"total_progress": %d, "task_state": %q, "destination_share_server_id": %q}`, p, s, dest)
		case body["reset_task_state"] != nil:
			var rs struct {
				TaskState *string `json:"task_state"`
			}
			_ = json.Unmarshal(body["reset_task_state"], &rs)
			m.state, m.steps = "", nil
			if rs.TaskState != nil {
				m.state = *rs.TaskState
			}
			w.WriteHeader(http.StatusAccepted)
		}
	})
	mux.HandleFunc("POST /v2/{project}/shares/{id}/action", func(w http.ResponseWriter, r *http.Request) {
		var body map[string]json.RawMessage
		_ = json.NewDecoder(r.Body).Decode(&body)
		if body["migration_get_progress"] != nil {
			fmt.Fprint(w, `{"total_progress": 100, "task_state": "migration_driver_phase1_done", "details": {}}`)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	})
	// From 2.98 the progress of a share's migration is a GET.
	mux.HandleFunc("GET /v2/{project}/shares/{id}/migration-progress", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"total_progress": 100, "task_state": "migration_driver_phase1_done", "details": {}}`)
	})
	return httptest.NewServer(mux)
}

// newExampleClient returns a client for the stand-in.
func newExampleClient(srv *httptest.Server, opts ...cloudmigrate.Option) *manila.Client {
	c, err := manila.NewClient(srv.URL+"/v2/"+project, auth.StaticToken("token"), opts...)
	if err != nil {
		log.Fatal(err)
	}
	return c
}

// fastPolls makes the waits poll the stand-in without delay; against a
// real service keep the defaults or use intervals of seconds.
var fastPolls = jobs.WithInterval(time.Millisecond, time.Millisecond)

// The whole two-phase flow: check, start, wait for phase 1, complete, wait
// for the end.
func Example() {
	srv := startExample("2.99")
	defer srv.Close()
	ctx := context.Background()
	c := newExampleClient(srv)

	req := &manila.CheckMigrationOptions{Host: "manila-share-2@netapp1", Writable: true, PreserveSnapshots: true}
	check, err := c.CheckMigration(ctx, serverID, req)
	if err != nil {
		log.Fatal(err)
	}
	if !check.Compatible {
		log.Fatal("the destination cannot take this share server")
	}
	if _, err := c.StartMigration(ctx, serverID, (*manila.StartMigrationOptions)(req)); err != nil {
		log.Fatal(err)
	}
	p, err := c.WaitForMigrationPhase1(ctx, serverID, fastPolls)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("phase 1:", p.TaskState, p.TotalProgress)

	if _, err := c.CompleteMigration(ctx, serverID); err != nil {
		log.Fatal(err)
	}
	p, err = c.WaitForMigrationComplete(ctx, serverID, fastPolls)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("done:", p.TaskState, "now served by", p.DestinationShareServerID)
	// Output:
	// phase 1: migration_driver_phase1_done 100
	// done: migration_success now served by c2f71561-85e2-4ccb-a91a-e44f9ff6f7ef
}

func ExampleNewClient() {
	srv := startExample("2.99")
	defer srv.Close()

	// The endpoint is the catalog's sharev2 URL, as listed.
	c, err := manila.NewClient(srv.URL+"/v2/"+project, auth.StaticToken("token"),
		cloudmigrate.WithRetry(3), cloudmigrate.WithTimeout(30*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	v, err := c.Microversion(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("negotiated microversion", v.InUse)
	// Output: negotiated microversion 2.99
}

func ExampleNewClientFromKeystone() {
	srv := startExample("2.99")
	defer srv.Close()
	// A Keystone stand-in whose catalog lists the share service.
	ks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Subject-Token", "token")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"token": {"expires_at": "2099-01-01T00:00:00Z", "catalog": [{"type": "sharev2",
			"endpoints": [{"interface": "public", "region_id": "RegionOne", "url": %q}]}]}}`, srv.URL+"/v2/"+project)
	}))
	defer ks.Close()

	keystone, err := auth.NewKeystone(ks.URL+"/v3", auth.KeystoneCredentials{
		UserID: "admin-user-id", Password: auth.NewSecret("secret"), ProjectID: project,
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	c, err := manila.NewClientFromKeystone(ctx, keystone, "RegionOne", "public")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.TrimPrefix(c.Endpoint(), srv.URL))
	// Output: /v2/9a8b7c6d5e4f4a3b8c7d6e5f4a3b2c1d
}

func ExampleClient_CheckMigration() {
	srv := startExample("2.99")
	defer srv.Close()
	c := newExampleClient(srv)

	check, err := c.CheckMigration(context.Background(), serverID, &manila.CheckMigrationOptions{
		Host:              "manila-share-2@netapp1",
		Writable:          true,
		PreserveSnapshots: true,
	})
	if err != nil {
		log.Fatal(err)
	}
	sc := check.SupportedCapabilities
	fmt.Println("compatible:", check.Compatible)
	fmt.Println("writable:", *sc.Writable, "nondisruptive:", *sc.Nondisruptive, "cancel:", *sc.MigrationCancel)
	// Output:
	// compatible: true
	// writable: true nondisruptive: false cancel: true
}

func ExampleClient_GetMigrationProgress() {
	srv := startExample("2.99")
	defer srv.Close()
	c := newExampleClient(srv)
	ctx := context.Background()

	// The service reports progress only while the share server migrates.
	_, err := c.GetMigrationProgress(ctx, serverID)
	var apiErr *cloudmigrate.Error
	if errors.As(err, &apiErr) {
		fmt.Println("before start:", apiErr.StatusCode, apiErr.Code)
	}
	_, _ = c.StartMigration(ctx, serverID, &manila.StartMigrationOptions{Host: "manila-share-2@netapp1"})
	p, err := c.GetMigrationProgress(ctx, serverID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("after start: %q %d%% in progress=%v\n", p.TaskState, p.TotalProgress, p.TaskState.InProgress())
	// Output:
	// before start: 400 badRequest
	// after start: "migration_starting" 0% in progress=true
}

func ExampleClient_WaitForMigrationPhase1() {
	srv := startExample("2.99")
	defer srv.Close()
	c := newExampleClient(srv)
	ctx := context.Background()
	_, _ = c.StartMigration(ctx, serverID, &manila.StartMigrationOptions{Host: "manila-share-2@netapp1"})

	p, err := c.WaitForMigrationPhase1(ctx, serverID, fastPolls, jobs.WithProgress(func(s jobs.Status) {
		fmt.Printf("%s %d%%\n", s.Word, s.Progress)
	}))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("ready to complete:", p.TaskState.PhaseOneDone())
	// Output:
	// migration_starting 0%
	// migration_in_progress 0%
	// migration_driver_starting 0%
	// migration_driver_in_progress 50%
	// migration_driver_phase1_done 100%
	// ready to complete: true
}

func ExampleClient_CompleteMigration() {
	srv := startExample("2.99")
	defer srv.Close()
	c := newExampleClient(srv)
	ctx := context.Background()
	_, _ = c.StartMigration(ctx, serverID, &manila.StartMigrationOptions{Host: "manila-share-2@netapp1"})
	if _, err := c.WaitForMigrationPhase1(ctx, serverID, fastPolls); err != nil {
		log.Fatal(err)
	}

	done, err := c.CompleteMigration(ctx, serverID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("destination:", done.DestinationShareServerID)
	// Output: destination: c2f71561-85e2-4ccb-a91a-e44f9ff6f7ef
}

func ExampleClient_WaitForMigrationComplete() {
	srv := startExample("2.99")
	defer srv.Close()
	c := newExampleClient(srv)
	ctx := context.Background()
	_, _ = c.StartMigration(ctx, serverID, &manila.StartMigrationOptions{Host: "manila-share-2@netapp1"})
	_, _ = c.WaitForMigrationPhase1(ctx, serverID, fastPolls)
	_, _ = c.CompleteMigration(ctx, serverID)

	// Bound the wait: the switch-over should not take all day.
	ctx, cancel := context.WithTimeout(ctx, time.Hour)
	defer cancel()
	p, err := c.WaitForMigrationComplete(ctx, serverID, fastPolls)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.TaskState, p.TaskState.Terminal(), p.DestinationShareServerID)
	// Output: migration_success true c2f71561-85e2-4ccb-a91a-e44f9ff6f7ef
}

func ExampleClient_CancelMigration() {
	srv := startExample("2.99")
	defer srv.Close()
	c := newExampleClient(srv)
	ctx := context.Background()
	_, _ = c.StartMigration(ctx, serverID, &manila.StartMigrationOptions{Host: "manila-share-2@netapp1"})
	_, _ = c.WaitForMigrationPhase1(ctx, serverID, fastPolls)

	if err := c.CancelMigration(ctx, serverID); err != nil {
		log.Fatal(err)
	}
	// Waiting now ends with a FailedError carrying the cancelled state. The
	// service stops reporting progress once the source is active again, so
	// the wait took the end state from the share server.
	_, err := c.WaitForMigrationComplete(ctx, serverID, fastPolls)
	var failed *jobs.FailedError
	if errors.As(err, &failed) {
		p := failed.Job.(*manila.MigrationProgress)
		fmt.Println(failed.Status.State, p.TaskState, p.TaskState.Failed(), p.ShareServer.Status)
	}
	// Output: cancelled migration_cancelled false active
}

func ExampleClient_ResetTaskState() {
	srv := startExample("2.99")
	defer srv.Close()
	c := newExampleClient(srv)
	ctx := context.Background()

	// Mark a stuck migration as failed, then clear the task state.
	state := manila.TaskStateMigrationError
	if err := c.ResetTaskState(ctx, serverID, &state); err != nil {
		log.Fatal(err)
	}
	s, _ := c.GetShareServer(ctx, serverID)
	fmt.Println(s.TaskState)
	if err := c.ResetTaskState(ctx, serverID, nil); err != nil {
		log.Fatal(err)
	}
	s, _ = c.GetShareServer(ctx, serverID)
	fmt.Printf("%q\n", s.TaskState)
	// Output:
	// migration_error
	// ""
}

func ExampleClient_GetShareServer() {
	srv := startExample("2.99")
	defer srv.Close()
	c := newExampleClient(srv)
	ctx := context.Background()
	_, _ = c.StartMigration(ctx, serverID, &manila.StartMigrationOptions{Host: "manila-share-2@netapp1"})

	s, err := c.GetShareServer(ctx, serverID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Host, s.Status, s.TaskState)
	fmt.Println("created:", s.CreatedAt.Format(time.RFC3339), "never updated:", s.UpdatedAt.IsZero())
	// Output:
	// manila-share-1@netapp1 server_migrating migration_starting
	// created: 2025-03-04T10:20:30Z never updated: true
}

func ExampleClient_WithMicroversion() {
	srv := startExample("2.99")
	defer srv.Close()
	c := newExampleClient(srv)

	pinned, err := c.WithMicroversion("2.57")
	if err != nil {
		log.Fatal(err)
	}
	v, _ := pinned.Microversion(context.Background())
	fmt.Println("pinned:", v.InUse)

	low, _ := c.WithMicroversion("2.50")
	_, err = low.GetMigrationProgress(context.Background(), serverID)
	var ve *cloudmigrate.VersionError
	if errors.As(err, &ve) {
		fmt.Println("needs", ve.Min, "has", ve.InUse)
	}
	// Output:
	// pinned: 2.57
	// needs 2.57 has 2.50
}

// An old service (here one whose maximum is 2.51) cannot migrate share
// servers; the call fails before it is sent.
func Example_versionError() {
	srv := startExample("2.51")
	defer srv.Close()
	c := newExampleClient(srv)

	_, err := c.StartMigration(context.Background(), serverID, &manila.StartMigrationOptions{Host: "manila-share-2@netapp1"})
	var ve *cloudmigrate.VersionError
	if errors.As(err, &ve) {
		fmt.Println(ve.Feature, "needs", ve.Min, "; the service offers up to", ve.ServerMax)
	}
	// Output: StartMigration needs 2.57 ; the service offers up to 2.51
}

// Service errors carry the fault name, message and request ID.
func Example_serviceError() {
	srv := startExample("2.99")
	defer srv.Close()
	c := newExampleClient(srv)

	_, err := c.GetMigrationProgress(context.Background(), "0e8f0a7e-1111-2222-3333-444455556666")
	var apiErr *cloudmigrate.Error
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Code, apiErr.RequestID, cloudmigrate.IsNotFound(err))
	}
	// Output: 404 itemNotFound req-0f1e2d3c true
}

func ExampleTaskState() {
	for _, s := range []manila.TaskState{
		manila.TaskStateMigrationDriverInProgress,
		manila.TaskStateMigrationDriverPhase1Done,
		manila.TaskStateMigrationSuccess,
		manila.TaskStateMigrationError,
	} {
		fmt.Printf("%-29s in progress=%-5v phase 1 done=%-5v terminal=%-5v failed=%v\n",
			s, s.InProgress(), s.PhaseOneDone(), s.Terminal(), s.Failed())
	}
	// Output:
	// migration_driver_in_progress  in progress=true  phase 1 done=false terminal=false failed=false
	// migration_driver_phase1_done  in progress=false phase 1 done=true  terminal=false failed=false
	// migration_success             in progress=false phase 1 done=false terminal=true  failed=false
	// migration_error               in progress=false phase 1 done=false terminal=true  failed=true
}

func ExampleClient_GetShareMigrationProgress() {
	srv := startExample("2.99")
	defer srv.Close()
	c := newExampleClient(srv)

	p, err := c.GetShareMigrationProgress(context.Background(), shareID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.TaskState, p.TotalProgress)
	// Output: migration_driver_phase1_done 100
}

func ExampleClient_CompleteShareMigration() {
	srv := startExample("2.99")
	defer srv.Close()
	c := newExampleClient(srv)

	err := c.CompleteShareMigration(context.Background(), shareID)
	fmt.Println("completing:", err == nil)
	// Output: completing: true
}

func ExampleClient_CancelShareMigration() {
	srv := startExample("2.99")
	defer srv.Close()
	c := newExampleClient(srv)

	err := c.CancelShareMigration(context.Background(), shareID)
	fmt.Println("cancelling:", err == nil)
	// Output: cancelling: true
}
