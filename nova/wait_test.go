package nova_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/nova"
)

// liveRecord is a per-server migration answer with memory counters.
func liveRecord(id int, status string, total, remaining int64) []byte {
	return []byte(fmt.Sprintf(`{"migration": {"id": %d, "server_uuid": %q, "status": %q,
		"uuid": "uuid-%d", "created_at": "2024-03-01T10:00:00.000000", "updated_at": "2024-03-01T10:00:05.000000",
		"source_compute": "c1", "source_node": "n1", "dest_compute": "c2", "dest_host": "10.0.0.2", "dest_node": "n2",
		"memory_total_bytes": %d, "memory_processed_bytes": %d, "memory_remaining_bytes": %d,
		"disk_total_bytes": 0, "disk_processed_bytes": 0, "disk_remaining_bytes": 0,
		"user_id": "u", "project_id": "p"}}`, id, serverID, status, id, total, total-remaining, remaining))
}

// osRecords is a GET /os-migrations answer listing the server's
// migrations with the given id:status pairs.
func osRecords(pairs ...any) []byte { return osRecordsOf("live-migration", pairs...) }

// osRecordsOf is osRecords for migrations of type typ.
func osRecordsOf(typ string, pairs ...any) []byte {
	s := `{"migrations": [`
	for i := 0; i < len(pairs); i += 2 {
		if i > 0 {
			s += ","
		}
		s += fmt.Sprintf(`{"id": %d, "uuid": "uuid-%d", "instance_uuid": %q, "status": %q,
			"migration_type": %q, "created_at": "2024-03-01T10:00:00.000000",
			"updated_at": "2024-03-01T10:09:00.000000", "source_compute": "c1", "source_node": "n1",
			"dest_compute": "c2", "dest_host": "10.0.0.2", "dest_node": "n2",
			"old_instance_type_id": 1, "new_instance_type_id": 1}`, pairs[i], pairs[i], serverID, pairs[i+1], typ)
	}
	return []byte(s + `]}`)
}

// script serves the answers in order, repeating the last one.
func script(answers ...func(w http.ResponseWriter)) func(http.ResponseWriter, *http.Request, []byte) {
	var mu sync.Mutex
	n := 0
	return func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		mu.Lock()
		i := n
		if n < len(answers)-1 {
			n++
		}
		mu.Unlock()
		answers[i](w)
	}
}

func ok(body []byte) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) { writeJSON(w, 200, body) }
}

func gone(id int) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		writeJSON(w, 404, []byte(fmt.Sprintf(`{"itemNotFound": {"code": 404, "message": "In-progress live migration %d is not found for server %s."}}`, id, serverID)))
	}
}

var fast = jobs.WithInterval(0, 0)

func TestWaitForMigrationLiveSuccess(t *testing.T) {
	f := newFake(t)
	f.on("GET", "/v2.1/servers/"+serverID+"/migrations/7", script(
		ok(liveRecord(7, "queued", 0, 0)),
		ok(liveRecord(7, "running", 1000, 900)),
		func(w http.ResponseWriter) {
			writeJSON(w, 503, []byte(`{"serviceUnavailable": {"code": 503, "message": "busy"}}`))
		},
		ok(liveRecord(7, "running", 1000, 400)),
		gone(7),
	))
	f.reply("GET", "/v2.1/os-migrations", 200, osRecords(9, "running", 7, "completed", 3, "error"))
	var seen []jobs.Status
	m, err := f.client("2.80", cloudmigrate.WithRetry(0)).WaitForMigration(context.Background(), serverID, 7, fast,
		jobs.WithProgress(func(s jobs.Status) { seen = append(seen, s) }))
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != 7 || m.Status != nova.StatusCompleted || m.InstanceUUID != serverID || m.UUID != "uuid-7" {
		t.Errorf("final record %+v", m)
	}
	want := []jobs.Status{
		{State: jobs.Pending, Word: "queued", Progress: jobs.ProgressUnknown}, // zero totals: unknown
		{State: jobs.Running, Word: "running", Progress: 10},
		{State: jobs.Running, Word: "running", Progress: 60},
		{State: jobs.Succeeded, Word: "completed", Progress: 100},
	}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("progress %v\nwant     %v", seen, want)
	}
	calls := f.recorded()
	last := calls[len(calls)-1]
	last.check(t, "GET", "/v2.1/os-migrations", "instance_uuid="+serverID, "2.80")
	if n := len(calls); n != 6 {
		t.Errorf("%d requests, want 6: %s", n, describe(calls))
	}
}

func TestWaitForMigrationFailed(t *testing.T) {
	for _, tc := range []struct {
		word  string
		state jobs.State
	}{{"error", jobs.Failed}, {"failed", jobs.Failed}, {"cancelled", jobs.Cancelled}, {"reverted", jobs.Cancelled}} {
		t.Run(tc.word, func(t *testing.T) {
			f := newFake(t)
			f.on("GET", "/v2.1/servers/"+serverID+"/migrations/7", script(ok(liveRecord(7, "running", 100, 50)), gone(7)))
			f.reply("GET", "/v2.1/os-migrations", 200, osRecords(7, tc.word))
			m, err := f.client("2.80").WaitForMigration(context.Background(), serverID, 7, fast)
			var fe *jobs.FailedError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want *jobs.FailedError", err)
			}
			if fe.Status.State != tc.state || fe.Status.Word != tc.word {
				t.Errorf("status %+v", fe.Status)
			}
			job, isMigration := fe.Job.(*nova.Migration)
			if !isMigration || job.ID != 7 || string(job.Status) != tc.word || job != m {
				t.Errorf("Job = %#v, returned %v", fe.Job, m)
			}
			// The error names the migration, its server and both ends,
			// since nova keeps no reason; the error is the FailedError
			// itself, not a wrapper.
			verb := "failed"
			if tc.state == jobs.Cancelled {
				verb = "cancelled"
			}
			want := "cloudmigrate: job " + verb + " (" + tc.word + "): live migration 7 of server " + serverID +
				" from c1 (node n1) to c2 (node n2)"
			if err.Error() != want {
				t.Errorf("error\n%q, want\n%q", err.Error(), want)
			}
			if _, direct := err.(*jobs.FailedError); !direct {
				t.Errorf("err is a %T, want the *jobs.FailedError itself", err)
			}
			if fe.Status.Message != m.Describe() {
				t.Errorf("Message %q, Describe %q", fe.Status.Message, m.Describe())
			}
		})
	}
}

func TestMigrationDescribe(t *testing.T) {
	s := func(v string) *string { return &v }
	for _, tc := range []struct {
		name string
		m    nova.Migration
		want string
	}{
		{"per-server record", nova.Migration{ID: 3, ServerUUID: "srv", SourceCompute: s("c1"), SourceNode: s("n1"), DestCompute: s("c2"), DestNode: s("n2")},
			"migration 3 of server srv from c1 (node n1) to c2 (node n2)"},
		{"cold", nova.Migration{ID: 4, InstanceUUID: "srv", MigrationType: nova.TypeMigration, SourceCompute: s("c1"), DestCompute: s("c2")},
			"cold migration 4 of server srv from c1 to c2"},
		{"pre-checks failed", nova.Migration{ID: 5, InstanceUUID: "srv", MigrationType: nova.TypeLiveMigration, SourceCompute: s("c1"), SourceNode: s("n1"), DestCompute: s("c1")},
			"live migration 5 of server srv from c1 (node n1) to c1"},
		{"no host found", nova.Migration{ID: 6, InstanceUUID: "srv", MigrationType: nova.TypeLiveMigration, SourceCompute: s("c1")},
			"live migration 6 of server srv from c1 to no destination"},
		{"hosts hidden by policy", nova.Migration{ID: 7, InstanceUUID: "srv", MigrationType: nova.TypeResize},
			"resize 7 of server srv to no destination"},
		{"node only", nova.Migration{ID: 8, MigrationType: nova.TypeEvacuation, SourceNode: s("n1"), DestNode: s("n2")},
			"evacuation 8 from node n1 to node n2"},
		{"new type", nova.Migration{ID: 9, MigrationType: "cross-cell", SourceCompute: s("c1"), DestCompute: s("c2")},
			"cross-cell migration 9 from c1 to c2"},
	} {
		if got := tc.m.Describe(); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
		st := tc.m.JobStatus()
		if st.Message != "" {
			t.Errorf("%s: a migration in status %q has Message %q", tc.name, tc.m.Status, st.Message)
		}
	}
}

func TestWaitForColdMigration(t *testing.T) {
	f := newFake(t)
	// A cold migration is never listed under the server.
	f.on("GET", "/v2.1/servers/"+serverID+"/migrations/8", script(gone(8)))
	f.on("GET", "/v2.1/os-migrations", script(
		ok(osRecordsOf("migration", 8, "pre-migrating")),
		ok(osRecordsOf("migration", 8, "migrating")),
		ok(osRecordsOf("migration", 8, "post-migrating")),
		ok(osRecordsOf("migration", 8, "finished")),
	))
	m, err := f.client("2.80").WaitForMigration(context.Background(), serverID, 8, fast)
	if err != nil {
		t.Fatal(err)
	}
	if m.Status != nova.StatusFinished {
		t.Errorf("status %q", m.Status)
	}
	calls := f.recorded()
	if len(calls) != 5 || calls[0].Path != "/v2.1/servers/"+serverID+"/migrations/8" {
		t.Errorf("requests: %s", describe(calls))
	}
	for _, c := range calls[1:] {
		c.check(t, "GET", "/v2.1/os-migrations", "instance_uuid="+serverID, "2.80")
	}
}

func TestWaitForMigrationBackToServerView(t *testing.T) {
	f := newFake(t)
	// "accepted" is not listed under the server; once queued it is.
	f.on("GET", "/v2.1/servers/"+serverID+"/migrations/7", script(
		gone(7),
		ok(liveRecord(7, "running", 1000, 250)),
		gone(7),
	))
	f.on("GET", "/v2.1/os-migrations", script(
		ok(osRecords(7, "accepted")),
		ok(osRecords(7, "queued")),
		ok(osRecords(7, "completed")),
	))
	var words []string
	m, err := f.client("2.80").WaitForMigration(context.Background(), serverID, 7, fast,
		jobs.WithProgress(func(s jobs.Status) { words = append(words, fmt.Sprint(s.Word, " ", s.Progress)) }))
	if err != nil || m.Status != nova.StatusCompleted {
		t.Fatalf("%v %v", m, err)
	}
	if fmt.Sprint(words) != "[accepted -1 queued -1 running 75 completed 100]" {
		t.Errorf("progress %v", words)
	}
	var paths []string
	for _, c := range f.recorded() {
		paths = append(paths, c.Path)
	}
	want := []string{"/servers/" + serverID + "/migrations/7", "/os-migrations", "/os-migrations",
		"/servers/" + serverID + "/migrations/7", "/servers/" + serverID + "/migrations/7", "/os-migrations"}
	for i := range want {
		want[i] = "/v2.1" + want[i]
	}
	if fmt.Sprint(paths) != fmt.Sprint(want) {
		t.Errorf("requests %v\nwant     %v", paths, want)
	}
}

func TestWaitForMigrationBelow223UsesOSMigrations(t *testing.T) {
	f := newFake(t)
	f.reply("GET", "/v2.1/os-migrations", 200, []byte(`{"migrations": [{"id": 8, "instance_uuid": "`+serverID+`",
		"status": "done", "created_at": "2012-10-29T13:42:02.000000", "updated_at": "2012-10-29T13:42:02.000000",
		"source_compute": "c1", "source_node": "n1", "dest_compute": "c2", "dest_host": "1.2.3.4", "dest_node": "n2",
		"old_instance_type_id": 1, "new_instance_type_id": 2}]}`))
	m, err := f.client("2.1").WaitForMigration(context.Background(), serverID, 8, fast)
	if err != nil || m.Status != nova.StatusDone {
		t.Fatalf("%v %v", m, err)
	}
	f.only().check(t, "GET", "/v2.1/os-migrations", "instance_uuid="+serverID, "2.1")
}

func TestWaitForMigrationNowhere(t *testing.T) {
	f := newFake(t)
	f.on("GET", "/v2.1/servers/"+serverID+"/migrations/5", script(gone(5)))
	f.reply("GET", "/v2.1/os-migrations", 200, osRecords(4, "completed"))
	_, err := f.client("2.80").WaitForMigration(context.Background(), serverID, 5, fast)
	var fe *jobs.FailedError
	if err == nil || errors.As(err, &fe) {
		t.Fatalf("err = %v, want a plain error", err)
	}
	if n := len(f.recorded()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestWaitForMigrationPollError(t *testing.T) {
	f := newFake(t)
	f.reply("GET", "/v2.1/servers/"+serverID+"/migrations/5", 403,
		[]byte(`{"forbidden": {"code": 403, "message": "Policy doesn't allow it."}}`))
	_, err := f.client("2.80").WaitForMigration(context.Background(), serverID, 5, fast)
	var apiErr *cloudmigrate.Error
	if !errors.As(err, &apiErr) || apiErr.Code != "forbidden" {
		t.Fatalf("err = %v", err)
	}
	f.only()
}

func TestWaitForMigrationCancelled(t *testing.T) {
	f := newFake(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var polls atomic.Int32
	f.on("GET", "/v2.1/servers/"+serverID+"/migrations/7", func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		if polls.Add(1) == 3 {
			cancel()
		}
		writeJSON(w, 200, liveRecord(7, "running", 100, 90))
	})
	start := time.Now()
	m, err := f.client("2.80").WaitForMigration(ctx, serverID, 7, jobs.WithInterval(time.Millisecond, 5*time.Millisecond))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("took %v to stop", time.Since(start))
	}
	if m != nil && m.Status != nova.StatusRunning {
		t.Errorf("last record %+v", m)
	}

	// A deadline is reported as such.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel2()
	_, err = f.client("2.80").WaitForMigration(ctx2, serverID, 7, jobs.WithInterval(time.Millisecond, 5*time.Millisecond))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
}

func TestJobStatus(t *testing.T) {
	cases := []struct {
		status nova.MigrationStatus
		state  jobs.State
	}{
		{nova.StatusAccepted, jobs.Pending}, {nova.StatusQueued, jobs.Pending},
		{nova.StatusPreparing, jobs.Running}, {nova.StatusRunning, jobs.Running}, {nova.StatusPostMigrating, jobs.Running},
		{nova.StatusPreMigrating, jobs.Running}, {nova.StatusMigrating, jobs.Running}, {nova.StatusConfirming, jobs.Running},
		{nova.StatusReverting, jobs.Running}, {"something-new", jobs.Running},
		{nova.StatusCompleted, jobs.Succeeded}, {nova.StatusFinished, jobs.Succeeded}, {nova.StatusConfirmed, jobs.Succeeded},
		{nova.StatusDone, jobs.Succeeded},
		{nova.StatusFailed, jobs.Failed}, {nova.StatusError, jobs.Failed},
		{nova.StatusCancelled, jobs.Cancelled}, {nova.StatusReverted, jobs.Cancelled},
	}
	for _, tc := range cases {
		m := nova.Migration{Status: tc.status, MemoryTotalBytes: i64(10), MemoryRemainingBytes: i64(5)}
		s := m.JobStatus()
		if s.State != tc.state || s.Word != string(tc.status) {
			t.Errorf("%q: %+v, want state %v", tc.status, s, tc.state)
		}
		wantP := 50
		if tc.state == jobs.Succeeded {
			wantP = 100
		}
		if s.Progress != wantP {
			t.Errorf("%q: progress %d, want %d", tc.status, s.Progress, wantP)
		}
	}
}
