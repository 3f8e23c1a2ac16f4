package manila

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"

	"github.com/jarcoal/httpmock"
)

// destinationNotFound is the service's answer to migration_get_progress
// while the source is migrating but the destination share server does
// not exist yet (and for a share server it does not know).
var destinationNotFound = canned{400, `{"badRequest": {"code": 400, "message": "Invalid share server: A destination share server wasn't found for source share server ` +
	testServerID + `."}}`}

// seqMock serves migration_get_progress with progress and GET of the
// share server with servers, each in order (the last one repeated).
func seqMock(t *testing.T, progress, servers []canned) (*Client, *seen) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	var s seen
	var mu sync.Mutex
	next := func(list []canned, i *int) canned {
		mu.Lock()
		defer mu.Unlock()
		a := list[min(*i, len(list)-1)]
		*i++
		return a
	}
	var pi, si int
	mt.RegisterResponder(http.MethodPost, mockActionURL(testServerID), func(r *http.Request) (*http.Response, error) {
		s.add(r)
		a := next(progress, &pi)
		return answer(a.status, a.body), nil
	})
	mt.RegisterResponder(http.MethodGet, mockServerURL(testServerID), func(r *http.Request) (*http.Response, error) {
		s.add(r)
		a := next(servers, &si)
		return answer(a.status, a.body), nil
	})
	return mockClient(t, mt, mockEndpoint, "2.57"), &s
}

// TestWaitThroughTheStart: right after StartMigration the service
// answers progress with 400 until the destination share server exists,
// while the source is server_migrating. Both waits keep waiting, report
// the source's task state, and end as the progress says.
func TestWaitThroughTheStart(t *testing.T) {
	for wname, wait := range bothWaits {
		end := progressBody(100, "migration_driver_phase1_done", testDestID)
		if wname == "complete" {
			end = progressBody(100, "migration_success", testDestID)
		}
		c, s := seqMock(t,
			[]canned{destinationNotFound, destinationNotFound, progressBody(50, "migration_driver_in_progress", testDestID), end},
			[]canned{shareServerBody("server_migrating", "migration_starting"), shareServerBody("server_migrating", "migration_in_progress")})
		var rec recorder
		got, err := wait(c, context.Background(), testServerID, fastPolls, rec.option())
		if err != nil {
			t.Fatalf("%s: %v", wname, err)
		}
		if got.DestinationShareServerID != testDestID || got.TotalProgress != 100 || got.ShareServer != nil {
			t.Errorf("%s: final %+v", wname, got)
		}
		want := []string{"migration_starting/0/pending", "migration_in_progress/0/running",
			"migration_driver_in_progress/50/running", string(got.TaskState) + "/100/succeeded"}
		if words := rec.words(); !slices.Equal(words, want) {
			t.Errorf("%s: reported %v, want %v", wname, words, want)
		}
		if s.count(http.MethodPost) != 4 || s.count(http.MethodGet) != 2 {
			t.Errorf("%s: %d polls, %d reads", wname, s.count(http.MethodPost), s.count(http.MethodGet))
		}
	}
}

// TestWaitStopsOn400OfAnEndedStart: a 400 whose share server is migrating
// with an end task state, or not migrating at all, is not a start in
// progress: the wait ends with the 400.
func TestWaitStopsOn400OfAnEndedStart(t *testing.T) {
	for _, server := range []canned{
		shareServerBody("server_migrating", "migration_error"),
		shareServerBody("active", "migration_starting"),
		shareServerBody("error", ""),
	} {
		c, s := seqMock(t, []canned{destinationNotFound}, []canned{server})
		_, err := c.WaitForMigrationPhase1(context.Background(), testServerID, fastPolls)
		var apiErr *cloudmigrate.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest || apiErr.Code != "badRequest" {
			t.Errorf("%s: %v, want the 400", server.body, err)
		}
		if s.count(http.MethodPost) != 1 || s.count(http.MethodGet) != 1 {
			t.Errorf("%d polls, %d reads", s.count(http.MethodPost), s.count(http.MethodGet))
		}
	}
}

// TestWaitSourceDeletedBetweenCalls: the poll meets the source deleting
// (400), the read finds it gone (404), and the progress asked again
// answers from the destination: the wait succeeds.
func TestWaitSourceDeletedBetweenCalls(t *testing.T) {
	gone := canned{404, `{"itemNotFound": {"code": 404, "message": "Share server ` + testServerID + ` could not be found."}}`}
	c, s := seqMock(t,
		[]canned{progressBody(100, "migration_driver_phase1_done", testDestID), {400, notMigrating}, progressBody(100, "migration_success", testDestID)},
		[]canned{gone})
	got, err := c.WaitForMigrationComplete(context.Background(), testServerID, fastPolls)
	if err != nil || got.TaskState != TaskStateMigrationSuccess || got.DestinationShareServerID != testDestID {
		t.Fatalf("got %+v, %v", got, err)
	}
	if s.count(http.MethodPost) != 3 || s.count(http.MethodGet) != 1 {
		t.Errorf("%d polls, %d reads", s.count(http.MethodPost), s.count(http.MethodGet))
	}
}
