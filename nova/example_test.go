package nova_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/nova"
	"github.com/cloudmigrate/cloudmigrate/nova/novatest"
)

// startNova runs a small stand-in for a nova endpoint so the examples can
// show real output. It returns the endpoint URL, as a service catalog would
// list it, and a function that stops the server.
func startNova() (endpoint string, stop func()) {
	var polls atomic.Int32
	record := func(status string) string {
		return `{"id": 7, "uuid": "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", "server_uuid": "` + exServer + `",
			"instance_uuid": "` + exServer + `", "status": "` + status + `", "migration_type": "live-migration",
			"source_compute": "compute1", "source_node": "node1", "dest_compute": "compute2", "dest_host": "10.0.0.2",
			"dest_node": "node2", "memory_total_bytes": 8589934592, "memory_processed_bytes": 3435973837,
			"memory_remaining_bytes": 5153960755, "disk_total_bytes": 0, "disk_processed_bytes": 0,
			"disk_remaining_bytes": 0, "created_at": "2024-03-01T10:00:00.000000", "updated_at": "2024-03-01T10:00:30.000000"}`
	}
	send := func(w http.ResponseWriter, status int, body string) {
		w.Header().Set("X-Openstack-Request-Id", "req-0a1b2c3d-0000-4000-8000-000000000000")
		if body != "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v2.1/{$}", func(w http.ResponseWriter, _ *http.Request) {
		send(w, 200, `{"version": {"id": "v2.1", "status": "CURRENT", "version": "2.104", "min_version": "2.1"}}`)
	})
	mux.HandleFunc("GET /v2.1/servers/{id}/migrations", func(w http.ResponseWriter, _ *http.Request) {
		send(w, 200, `{"migrations": [`+record("running")+`]}`)
	})
	mux.HandleFunc("GET /v2.1/servers/{id}/migrations/{mid}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("mid") != "7" || polls.Add(1) > 2 {
			send(w, 404, `{"itemNotFound": {"code": 404, "message": "In-progress live migration `+r.PathValue("mid")+` is not found."}}`)
			return
		}
		send(w, 200, `{"migration": `+record("running")+`}`)
	})
	mux.HandleFunc("POST /v2.1/servers/{id}/migrations/{mid}/action", func(w http.ResponseWriter, _ *http.Request) {
		send(w, 202, "")
	})
	mux.HandleFunc("DELETE /v2.1/servers/{id}/migrations/{mid}", func(w http.ResponseWriter, _ *http.Request) {
		send(w, 202, "")
	})
	mux.HandleFunc("POST /v2.1/servers/{id}/action", func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		if _, confirm := body["confirmResize"]; confirm {
			send(w, 204, "")
			return
		}
		send(w, 202, "")
	})
	cold := `{"id": 8, "uuid": "5d6e7f80-1a2b-4c3d-8e9f-a0b1c2d3e4f5", "instance_uuid": "` + exServer + `",
		"status": "finished", "migration_type": "migration", "source_compute": "compute1", "source_node": "node1",
		"dest_compute": "compute3", "dest_host": "10.0.0.3", "dest_node": "node3", "old_instance_type_id": 1,
		"new_instance_type_id": 1, "created_at": "2024-03-01T11:00:00.000000", "updated_at": "2024-03-01T11:02:00.000000"}`
	mux.HandleFunc("GET /v2.1/os-migrations", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("migration_type") == "migration" {
			send(w, 200, `{"migrations": [`+cold+`]}`)
			return
		}
		send(w, 200, `{"migrations": [`+cold+`, `+record("completed")+`]}`)
	})
	mux.HandleFunc("GET /v2.1/servers/detail", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("host") != "compute1" {
			send(w, 200, `{"servers": []}`)
			return
		}
		send(w, 200, `{"servers": [
			{"id": "`+exServer+`", "name": "web-1", "status": "ACTIVE", "tenant_id": "p-1", "user_id": "u-1",
			 "OS-EXT-SRV-ATTR:host": "compute1", "OS-EXT-SRV-ATTR:hypervisor_hostname": "node1",
			 "OS-EXT-STS:task_state": null, "OS-EXT-STS:vm_state": "active", "OS-EXT-STS:power_state": 1,
			 "created": "2024-02-01T09:00:00Z", "updated": "2024-02-01T09:01:00Z"},
			{"id": "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d", "name": "db-1", "status": "SHUTOFF", "tenant_id": "p-2", "user_id": "u-2",
			 "OS-EXT-SRV-ATTR:host": "compute1", "OS-EXT-SRV-ATTR:hypervisor_hostname": "node1",
			 "OS-EXT-STS:task_state": null, "OS-EXT-STS:vm_state": "stopped", "OS-EXT-STS:power_state": 4,
			 "created": "2024-02-02T09:00:00Z", "updated": "2024-02-02T09:05:00Z"}]}`)
	})
	srv := httptest.NewServer(mux)
	return srv.URL + "/v2.1", srv.Close
}

const exServer = "4cfba335-03d8-49b2-8c52-e69043d1e8fe"

// exampleClient connects to the stand-in with a fixed token.
func exampleClient(endpoint string, opts ...cloudmigrate.Option) *nova.Client {
	c, err := nova.NewClient(endpoint, auth.StaticToken("gAAAAAB-example-token"), opts...)
	if err != nil {
		log.Fatal(err)
	}
	return c
}

func ExampleNewClient() {
	endpoint, stop := startNova()
	defer stop()

	c, err := nova.NewClient(endpoint, auth.StaticToken("gAAAAAB-example-token"),
		cloudmigrate.WithRetry(3), cloudmigrate.WithTimeout(30*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	info, err := c.Microversion(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("compute microversion", info.InUse, "of", info.ServerMin, "to", info.ServerMax)
	// Output: compute microversion 2.104 of 2.1 to 2.104
}

func ExampleNewClientFromKeystone() {
	endpoint, stop := startNova()
	defer stop()
	keystone := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Subject-Token", "gAAAAAB-example-token")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"token": {"expires_at": "2099-01-01T00:00:00.000000Z", "catalog": [{"type": "compute",
			"endpoints": [{"interface": "public", "region_id": "RegionOne", "url": "`+endpoint+`"}]}]}}`)
	}))
	defer keystone.Close()

	ks, err := auth.NewKeystone(keystone.URL+"/v3", auth.KeystoneCredentials{
		Username: "admin", UserDomainName: "Default", Password: auth.NewSecret("secret"),
		ProjectName: "admin", ProjectDomainName: "Default",
	})
	if err != nil {
		log.Fatal(err)
	}
	c, err := nova.NewClientFromKeystone(context.Background(), ks, "RegionOne", "public")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Endpoint() == endpoint)
	// Output: true
}

func ExampleClient_WithMicroversion() {
	endpoint, stop := startNova()
	defer stop()
	c := exampleClient(endpoint)

	old, err := c.WithMicroversion("2.22")
	if err != nil {
		log.Fatal(err)
	}
	_, err = old.ListServerMigrations(context.Background(), exServer)
	var ve *cloudmigrate.VersionError
	if errors.As(err, &ve) {
		fmt.Println(ve.Feature, "needs", ve.Min, "but the client uses", ve.InUse)
	}
	// Output: ListServerMigrations needs 2.23 but the client uses 2.22
}

func ExampleClient_ListServerMigrations() {
	endpoint, stop := startNova()
	defer stop()
	c := exampleClient(endpoint)

	migs, err := c.ListServerMigrations(context.Background(), exServer)
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range migs {
		fmt.Printf("migration %d: %s, %s -> %s, memory %d%% copied\n",
			m.ID, m.Status, *m.SourceCompute, *m.DestCompute, m.Progress())
	}
	// Output: migration 7: running, compute1 -> compute2, memory 40% copied
}

func ExampleClient_GetServerMigration() {
	endpoint, stop := startNova()
	defer stop()
	c := exampleClient(endpoint)

	m, err := c.GetServerMigration(context.Background(), exServer, 7)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Status, m.Progress(), m.CreatedAt)

	// Once the migration has ended nova no longer shows it here.
	_, err = c.GetServerMigration(context.Background(), exServer, 6)
	fmt.Println(cloudmigrate.IsNotFound(err))
	// Output:
	// running 40 2024-03-01T10:00:00.000000
	// true
}

func ExampleClient_ForceCompleteMigration() {
	endpoint, stop := startNova()
	defer stop()
	c := exampleClient(endpoint)

	err := c.ForceCompleteMigration(context.Background(), exServer, 7)
	var apiErr *cloudmigrate.Error
	switch {
	case errors.As(err, &apiErr):
		fmt.Println(apiErr.Code, apiErr.Message, apiErr.RequestID)
	case err != nil:
		log.Fatal(err)
	default:
		fmt.Println("nova is completing migration 7")
	}
	// Output: nova is completing migration 7
}

func ExampleClient_AbortMigration() {
	endpoint, stop := startNova()
	defer stop()
	c := exampleClient(endpoint)

	if err := c.AbortMigration(context.Background(), exServer, 7); err != nil {
		log.Fatal(err)
	}
	fmt.Println("abort requested")
	// Output: abort requested
}

func ExampleClient_WaitForMigration() {
	endpoint, stop := startNova()
	defer stop()
	c := exampleClient(endpoint)

	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	m, err := c.WaitForMigration(ctx, exServer, 7,
		jobs.WithInterval(10*time.Millisecond, 20*time.Millisecond), // seconds to a minute for a real cloud
		jobs.WithProgress(func(s jobs.Status) { fmt.Printf("%s %d%%\n", s.Word, s.Progress) }))
	var failed *jobs.FailedError
	switch {
	case errors.As(err, &failed):
		fmt.Println("migration ended", failed.Status.Word)
	case err != nil:
		log.Fatal(err)
	default:
		fmt.Println("done:", m.Status, "on", *m.DestCompute)
	}
	// Output:
	// running 40%
	// running 40%
	// completed 100%
	// done: completed on compute2
}

func ExampleClient_ConfirmMigration() {
	endpoint, stop := startNova()
	defer stop()
	c := exampleClient(endpoint)

	fmt.Println(c.ConfirmMigration(context.Background(), exServer))
	// Output: <nil>
}

func ExampleClient_RevertMigration() {
	endpoint, stop := startNova()
	defer stop()
	c := exampleClient(endpoint)

	// Move the server back to its source host instead of confirming.
	fmt.Println(c.RevertMigration(context.Background(), exServer))
	// Output: <nil>
}

func ExampleClient_ListMigrations() {
	endpoint, stop := startNova()
	defer stop()
	c := exampleClient(endpoint)

	since := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	for m, err := range c.ListMigrations(context.Background(), &nova.ListMigrationsOptions{
		InstanceUUID: exServer,
		ChangesSince: since,
		Limit:        100,
	}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(m.ID, m.MigrationType, m.Status, m.UpdatedAt)
	}
	// Output:
	// 8 migration finished 2024-03-01T11:02:00.000000
	// 7 live-migration completed 2024-03-01T10:00:30.000000
}

func ExampleClient_ListServers() {
	endpoint, stop := startNova()
	defer stop()
	c := exampleClient(endpoint)

	// Find what must leave compute1 before maintenance: the servers of
	// every project on that host (admin credentials).
	for s, err := range c.ListServers(context.Background(), &nova.ListServersOptions{
		AllProjects: true,
		Host:        "compute1",
	}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(s.ID, s.Name, s.Status, s.Host)
	}
	// Output:
	// 4cfba335-03d8-49b2-8c52-e69043d1e8fe web-1 ACTIVE compute1
	// 9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d db-1 SHUTOFF compute1
}

// A failed migration's error names it; Describe gives the same words for
// logs of your own.
func ExampleMigration_Describe() {
	src, dst := "compute1", "compute2"
	m := nova.Migration{
		ID: 7, InstanceUUID: exServer, MigrationType: nova.TypeLiveMigration, Status: nova.StatusFailed,
		SourceCompute: &src, SourceNode: &src, DestCompute: &dst, DestNode: &dst,
	}
	fmt.Println(m.Describe())
	fmt.Println(&jobs.FailedError{Status: m.JobStatus(), Job: &m})
	// Output:
	// live migration 7 of server 4cfba335-03d8-49b2-8c52-e69043d1e8fe from compute1 (node compute1) to compute2 (node compute2)
	// cloudmigrate: job failed (failed): live migration 7 of server 4cfba335-03d8-49b2-8c52-e69043d1e8fe from compute1 (node compute1) to compute2 (node compute2)
}

// Live-migrate a server to another compute host and wait until nova shows
// it there. The example runs against the fake cloud of package novatest
// (Keystone and nova), whose clock the wait moves 15 seconds after every
// poll.
func Example() {
	srv := novatest.NewServer()
	defer srv.Close()
	srv.AddHost("compute1", "compute2")
	srv.AddServer(exServer, "compute1", novatest.StatusActive)

	ctx := context.Background()
	c, err := nova.NewClientFromKeystone(ctx, srv.Authorizer(), "", "")
	if err != nil {
		log.Fatal(err)
	}
	op, err := c.LiveMigrate(ctx, exServer, &nova.LiveMigrateOptions{Host: "compute2"})
	if err != nil {
		log.Fatal(err)
	}
	res, err := op.Wait(ctx,
		jobs.WithInterval(time.Millisecond, time.Millisecond),
		jobs.WithProgress(func(jobs.Status) { srv.Clock().Advance(15 * time.Second) }))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Migration.Status, res.Migration.MigrationType)
	info, _ := srv.ServerState(exServer)
	fmt.Println("server on", info.Host)
	// Output:
	// completed live-migration
	// server on compute2
}
