package manila

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/jarcoal/httpmock"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// notMigrating is Manila's answer to migration_get_progress for a share
// server that is not the source of a migration under way.
const notMigrating = `{"badRequest": {"code": 400, "message": "Invalid share server: Migration progress of share server ` +
	testServerID + ` cannot be obtained. The provided share server is not being migrated."}}`

// canned is one canned answer.
type canned struct {
	status int
	body   string
}

func progressBody(progress int, state, dest string) canned {
	return canned{200, fmt.Sprintf(`{"total_progress": %d, "task_state": %q, "destination_share_server_id": %q}`, progress, state, dest)}
}

// shareServerBody is a GET answer for the source with status and task
// state (null when "").
func shareServerBody(status, state string) canned {
	ts := "null"
	if state != "" {
		ts = fmt.Sprintf("%q", state)
	}
	return canned{200, fmt.Sprintf(`{"share_server": {"id": %q, "project_id": %q, "status": %q, "host": "manila-share-1@netapp1",
		"share_network_id": "1d04b755-649f-46a4-964c-be9f0395af13", "share_network_name": null,
		"created_at": "2025-03-04T10:20:30.000000", "updated_at": "2025-03-04T12:00:00.000000", "backend_details": {},
		"is_auto_deletable": true, "identifier": %q, "task_state": %s, "source_share_server_id": null}}`,
		testServerID, testProject, status, testServerID, ts)}
}

// endMock serves migration_get_progress with progress in order (the last
// one repeated) and GET of the share server with server.
func endMock(t *testing.T, server canned, progress ...canned) (*Client, *seen) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	var s seen
	var mu sync.Mutex
	i := 0
	mt.RegisterResponder(http.MethodPost, mockActionURL(testServerID), func(r *http.Request) (*http.Response, error) {
		s.add(r)
		mu.Lock()
		a := progress[min(i, len(progress)-1)]
		i++
		mu.Unlock()
		return answer(a.status, a.body), nil
	})
	mt.RegisterResponder(http.MethodGet, mockServerURL(testServerID), func(r *http.Request) (*http.Response, error) {
		s.add(r)
		return answer(server.status, server.body), nil
	})
	return mockClient(t, mt, mockEndpoint, "2.57"), &s
}

type waitFunc func(*Client, context.Context, string, ...jobs.Option) (*MigrationProgress, error)

var bothWaits = map[string]waitFunc{
	"phase1":   (*Client).WaitForMigrationPhase1,
	"complete": (*Client).WaitForMigrationComplete,
}

// TestWaitEndsOnShareServerAfter400: the source's progress turns into a 400
// once the migration is over; the wait reads the share server and ends on
// its task state.
func TestWaitEndsOnShareServerAfter400(t *testing.T) {
	ends := []struct {
		name   string
		server canned
		state  jobs.State
		word   TaskState
		status string
	}{
		{"cancelled", shareServerBody("active", "migration_cancelled"), jobs.Cancelled, TaskStateMigrationCancelled, "active"},
		{"error", shareServerBody("active", "migration_error"), jobs.Failed, TaskStateMigrationError, "active"},
		{"error, source in error", shareServerBody("error", "migration_error"), jobs.Failed, TaskStateMigrationError, "error"},
	}
	for wname, wait := range bothWaits {
		for _, end := range ends {
			name := wname + " " + end.name
			c, s := endMock(t, end.server,
				progressBody(30, "migration_driver_in_progress", testDestID),
				progressBody(100, "migration_cancel_in_progress", testDestID),
				canned{400, notMigrating})
			var rec recorder
			got, err := wait(c, context.Background(), testServerID, fastPolls, rec.option())
			var fe *jobs.FailedError
			if !errors.As(err, &fe) {
				t.Fatalf("%s: err = %v (%T), want *jobs.FailedError", name, err, err)
			}
			wantMsg := "share server " + testServerID + " is " + end.status
			if fe.Status.State != end.state || fe.Status.Word != string(end.word) || fe.Status.Progress != 100 ||
				fe.Status.Message != wantMsg {
				t.Errorf("%s: status %+v", name, fe.Status)
			}
			job, ok := fe.Job.(*MigrationProgress)
			if !ok || job != got {
				t.Fatalf("%s: Job %#v, returned %+v", name, fe.Job, got)
			}
			if job.TaskState != end.word || job.TotalProgress != 100 || job.DestinationShareServerID != testDestID ||
				job.ShareServer == nil || job.ShareServer.Status != end.status || job.ShareServer.TaskState != end.word {
				t.Errorf("%s: job %+v (share server %+v)", name, job, job.ShareServer)
			}
			if s.count(http.MethodPost) != 3 || s.count(http.MethodGet) != 1 {
				t.Errorf("%s: %d polls, %d share-server reads; want 3 and 1", name, s.count(http.MethodPost), s.count(http.MethodGet))
			}
			for _, r := range s.all() {
				if r.Method == http.MethodGet {
					checkGet(t, r, testServerID, "2.57")
				}
			}
			if len(rec.got) != 3 || rec.got[2].Word != string(end.word) {
				t.Errorf("%s: reported %v", name, rec.words())
			}
			if want := fmt.Sprintf("cloudmigrate: job %s (%s): %s", map[jobs.State]string{jobs.Failed: "failed", jobs.Cancelled: "cancelled"}[end.state],
				end.word, wantMsg); err.Error() != want {
				t.Errorf("%s: message %q, want %q", name, err.Error(), want)
			}
		}
	}
}

func TestWaitSucceedsOnShareServerAfter400(t *testing.T) {
	for wname, wait := range bothWaits {
		// For the phase-1 wait, the migration was completed elsewhere
		// between two polls.
		before := progressBody(100, "migration_completing", testDestID)
		if wname == "phase1" {
			before = progressBody(60, "migration_driver_in_progress", testDestID)
		}
		c, s := endMock(t, shareServerBody("inactive", "migration_success"), before, canned{400, notMigrating})
		got, err := wait(c, context.Background(), testServerID, fastPolls)
		if err != nil {
			t.Fatalf("%s: %v", wname, err)
		}
		if got.TaskState != TaskStateMigrationSuccess || got.TotalProgress != 100 || got.DestinationShareServerID != testDestID ||
			got.ShareServer == nil || got.ShareServer.Status != ShareServerStatusInactive {
			t.Errorf("%s: final %+v", wname, got)
		}
		if s.count(http.MethodPost) != 2 || s.count(http.MethodGet) != 1 {
			t.Errorf("%s: %d polls, %d reads", wname, s.count(http.MethodPost), s.count(http.MethodGet))
		}
	}

	// A wait started after the end: no earlier poll named the destination.
	c, _ := endMock(t, shareServerBody("inactive", "migration_success"), canned{400, notMigrating})
	got, err := c.WaitForMigrationComplete(context.Background(), testServerID, fastPolls)
	if err != nil || got.TaskState != TaskStateMigrationSuccess || got.DestinationShareServerID != "" {
		t.Errorf("first poll 400: %+v, %v", got, err)
	}
}

// TestWaitKeeps400 covers the 400s the share server cannot explain: the
// wait ends with the progress poll's own error.
func TestWaitKeeps400(t *testing.T) {
	cases := []struct {
		name   string
		server canned
	}{
		{"share server not found", canned{404, `{"itemNotFound": {"code": 404, "message": "Share server x could not be found."}}`}},
		{"share server read fails", canned{500, `{"computeFault": {"code": 500, "message": "boom"}}`}},
		{"share server answer undecodable", canned{200, `{"share_server": {"updated_at": "soon"}}`}},
		{"never migrated", shareServerBody("active", "")},
		{"task state not an end", shareServerBody("active", "migration_driver_in_progress")},
		{"still migrating", shareServerBody("server_migrating", "migration_error")},
		{"phase 1 done but not migrating", shareServerBody("active", "migration_driver_phase1_done")},
	}
	for wname, wait := range bothWaits {
		for _, tc := range cases {
			name := wname + " " + tc.name
			c, s := endMock(t, tc.server, canned{400, notMigrating})
			got, err := wait(c, context.Background(), testServerID, fastPolls)
			var apiErr *cloudmigrate.Error
			if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Code != "badRequest" ||
				apiErr.Method != http.MethodPost || apiErr.RequestID != testRequestID ||
				apiErr.Message != "Invalid share server: Migration progress of share server "+testServerID+
					" cannot be obtained. The provided share server is not being migrated." {
				t.Errorf("%s: err = %v (%T)", name, err, err)
			}
			var fe *jobs.FailedError
			if errors.As(err, &fe) || got != nil {
				t.Errorf("%s: got %+v, %v", name, got, err)
			}
			// A share server that is not found may have been deleted
			// since the poll: the wait asks for the progress once more.
			polls := 1
			if tc.server.status == http.StatusNotFound {
				polls = 2
			}
			if s.count(http.MethodPost) != polls || s.count(http.MethodGet) < 1 {
				t.Errorf("%s: %d polls, %d reads", name, s.count(http.MethodPost), s.count(http.MethodGet))
			}
		}
	}
}

// TestWaitOtherErrorsSkipTheShareServer: only a 400 leads to reading the
// share server.
func TestWaitOtherErrorsSkipTheShareServer(t *testing.T) {
	for _, status := range []int{403, 404, 409} {
		c, s := endMock(t, shareServerBody("active", "migration_cancelled"),
			canned{status, fmt.Sprintf(`{"fault": {"code": %d, "message": "no"}}`, status)})
		_, err := c.WaitForMigrationComplete(context.Background(), testServerID, fastPolls)
		var apiErr *cloudmigrate.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != status {
			t.Errorf("%d: err = %v", status, err)
		}
		if s.count(http.MethodGet) != 0 {
			t.Errorf("%d: the share server was read", status)
		}
	}
}

// TestWaitDeletedSourceAfterSuccess: once the inactive source is deleted,
// its ID answers progress with 100, the destination and no task state.
func TestWaitDeletedSourceAfterSuccess(t *testing.T) {
	for _, state := range []string{`null`, `""`} {
		gone := canned{200, `{"total_progress": 100, "task_state": ` + state + `, "destination_share_server_id": "` + testDestID + `"}`}
		for wname, wait := range bothWaits {
			c, s := endMock(t, canned{404, `{"itemNotFound": {"code": 404, "message": "gone"}}`},
				progressBody(100, "migration_completing", testDestID), gone)
			if wname == "phase1" {
				c, s = endMock(t, canned{404, `{"itemNotFound": {"code": 404, "message": "gone"}}`}, gone)
			}
			var rec recorder
			got, err := wait(c, context.Background(), testServerID, fastPolls, rec.option())
			if err != nil {
				t.Fatalf("%s %s: %v", wname, state, err)
			}
			if got.TaskState != TaskStateMigrationSuccess || got.TotalProgress != 100 || got.DestinationShareServerID != testDestID ||
				got.ShareServer != nil {
				t.Errorf("%s %s: final %+v", wname, state, got)
			}
			if w := rec.words(); w[len(w)-1] != "migration_success/100/succeeded" {
				t.Errorf("%s %s: reported %v", wname, state, w)
			}
			if s.count(http.MethodGet) != 0 {
				t.Errorf("%s %s: the share server was read", wname, state)
			}
		}
	}
	// The early answer, no destination yet, is not mistaken for it.
	if p := settledSource(&MigrationProgress{}); p.TaskState != "" {
		t.Errorf("early progress read as %+v", p)
	}
	if p := settledSource(&MigrationProgress{TotalProgress: 100, DestinationShareServerID: testDestID}); p.TaskState != TaskStateMigrationSuccess {
		t.Errorf("deleted source read as %+v", p)
	}
}
