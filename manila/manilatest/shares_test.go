package manilatest_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate/manila"
	"github.com/cloudmigrate/cloudmigrate/manila/manilatest"
)

const serverShareID = "7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b"

// TestServerSharesFollowTheirShareServer: the shares on a share server
// are server_migrating while it moves, and on the destination afterwards;
// a cancelled migration leaves them where they were.
func TestServerSharesFollowTheirShareServer(t *testing.T) {
	srv, c := newFake(t)
	srv.AddServerShare(serverShareID, srcID, srcHost+"#p1")
	if info, _ := srv.Share(serverShareID); info.ShareServerID != srcID || info.Host != srcHost+"#p1" || info.Status != manilatest.ShareStatusAvailable {
		t.Fatalf("before %+v", info)
	}
	start(t, c, dstHost)
	srv.Clock().Advance(time.Minute)
	if info, _ := srv.Share(serverShareID); info.Status != manilatest.ShareStatusServerMigrating || info.ShareServerID != srcID {
		t.Errorf("during %+v", info)
	}
	srv.Clock().Advance(time.Hour)
	done, err := c.CompleteMigration(ctx, srcID)
	if err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(time.Hour)
	info, _ := srv.Share(serverShareID)
	if info.ShareServerID != done.DestinationShareServerID || info.Host != dstHost+"#p1" || info.Status != manilatest.ShareStatusAvailable {
		t.Errorf("after %+v", info)
	}
	s, err := c.GetShare(ctx, serverShareID)
	if err != nil || s.ShareServerID != info.ShareServerID || s.Host != info.Host || s.ShareNetworkID != manilatest.DefaultShareNetworkID {
		t.Errorf("GetShare %+v, %v", s, err)
	}

	// The destination can move on, and be cancelled: the share stays.
	srv.AddBackend("manila-share-3@netapp3")
	if _, err := c.StartMigration(ctx, done.DestinationShareServerID, &manila.StartMigrationOptions{Host: "manila-share-3@netapp3"}); err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(time.Minute)
	if err := c.CancelMigration(ctx, done.DestinationShareServerID); err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(time.Hour)
	if again, _ := srv.Share(serverShareID); again != info {
		t.Errorf("after a cancelled move %+v, want %+v", again, info)
	}
}

// TestBusyShareBlocksItsShareServer: a share server whose share is under
// a per-share migration cannot be migrated (409), as in Manila.
func TestBusyShareBlocksItsShareServer(t *testing.T) {
	srv, c := newFake(t)
	srv.AddServerShare(serverShareID, srcID, srcHost+"#p1")
	if _, err := c.StartShareMigration(ctx, serverShareID, &manila.StartShareMigrationOptions{Host: dstHost + "#p2"}); err != nil {
		t.Fatal(err)
	}
	_, err := c.StartMigration(ctx, srcID, &manila.StartMigrationOptions{Host: dstHost})
	if e := apiError(t, err, http.StatusConflict, manilatest.FaultConflict); !strings.Contains(e.Message, serverShareID) {
		t.Errorf("message %q", e.Message)
	}
	// Once the share moved away on its own, it no longer holds the share
	// server back: it is on the destination pool, without a share server.
	srv.Clock().Advance(time.Hour)
	if err := c.CompleteShareMigration(ctx, serverShareID); err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(time.Hour)
	if info, _ := srv.Share(serverShareID); info.Host != dstHost+"#p2" || info.ShareServerID != "" {
		t.Errorf("moved share %+v", info)
	}
	if _, err := c.StartMigration(ctx, srcID, &manila.StartMigrationOptions{Host: dstHost}); err != nil {
		t.Errorf("the share server without its share: %v", err)
	}
}

// TestDisabledBackEndTakesNothing: with its share service disabled, a
// back end is no destination; enabled again, it is.
func TestDisabledBackEndTakesNothing(t *testing.T) {
	srv, c := newFake(t)
	srv.AddShare(serverShareID, srcHost+"#p1")
	if _, err := c.DisableService(ctx, dstHost, "", "maintenance"); err != nil {
		t.Fatal(err)
	}
	if info, ok := srv.Service(dstHost, manilatest.BinaryShare); !ok || !info.Disabled || info.DisabledReason != "maintenance" {
		t.Fatalf("service %+v", info)
	}
	_, err := c.CheckMigration(ctx, srcID, &manila.CheckMigrationOptions{Host: dstHost})
	apiError(t, err, http.StatusNotFound, manilatest.FaultNotFound)
	_, err = c.StartMigration(ctx, srcID, &manila.StartMigrationOptions{Host: dstHost})
	apiError(t, err, http.StatusNotFound, manilatest.FaultNotFound)
	_, err = c.StartShareMigration(ctx, serverShareID, &manila.StartShareMigrationOptions{Host: dstHost + "#p2"})
	if e := apiError(t, err, http.StatusNotFound, manilatest.FaultNotFound); !strings.Contains(e.Message, "Service "+dstHost+" could not be found") {
		t.Errorf("message %q", e.Message)
	}
	if info := state(t, srv, srcID); info.Status != manilatest.StatusActive || info.TaskState != "" {
		t.Errorf("refused starts changed the share server %+v", info)
	}
	if _, err := c.EnableService(ctx, dstHost, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.StartMigration(ctx, srcID, &manila.StartMigrationOptions{Host: dstHost}); err != nil {
		t.Errorf("after enabling: %v", err)
	}
	// The scheduler and the data service are listed too.
	all, err := c.ListServices(ctx, nil)
	if err != nil || len(all) != 4 || all[0].Binary != manila.BinaryScheduler || all[1].Binary != manila.BinaryData ||
		all[0].Host != manilatest.ControllerHost || all[0].Zone != manilatest.DefaultZone {
		t.Errorf("services %+v, %v", all, err)
	}
}

// TestFaultsOnTheNewRoutes: Throttle, FailNext, DropNext and SlowNext
// reach every share and service route, each counted under its own
// operation.
func TestFaultsOnTheNewRoutes(t *testing.T) {
	srv, _ := newFake(t)
	srv.AddServerShare(serverShareID, srcID, srcHost+"#p1")
	tok := token(t, srv)
	base := srv.ProjectEndpoint()
	body := `{"host": "` + dstHost + `", "binary": "manila-share"}`
	send := func(method, url, body string) (*http.Response, error) {
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		req.Header.Set("X-Auth-Token", tok)
		req.Header.Set("X-OpenStack-Manila-API-Version", "2.99")
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return resp, err
	}
	for _, r := range []struct{ op, method, url, body string }{
		{manilatest.OpListShares, http.MethodGet, base + "/shares/detail?share_server_id=" + srcID, ""},
		{manilatest.OpGetShare, http.MethodGet, base + "/shares/" + serverShareID, ""},
		{manilatest.OpListShareInstances, http.MethodGet, base + "/shares/" + serverShareID + "/instances", ""},
		{manilatest.OpListServices, http.MethodGet, base + "/services", ""},
		{manilatest.OpDisableService, http.MethodPut, base + "/services/disable", body},
		{manilatest.OpEnableService, http.MethodPut, base + "/services/enable", body},
		{manilatest.OpListShareServers, http.MethodGet, srv.Endpoint() + "/share-servers?host=" + srcHost, ""},
	} {
		srv.ResetCalls()
		srv.FailNext(r.op, 1, http.StatusServiceUnavailable)
		if resp, err := send(r.method, r.url, r.body); err != nil || resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("%s after FailNext: %v %v", r.op, resp, err)
		}
		srv.Throttle(r.op, 1, 3*time.Second)
		if resp, err := send(r.method, r.url, r.body); err != nil || resp.StatusCode != http.StatusTooManyRequests ||
			resp.Header.Get("Retry-After") != "3" {
			t.Errorf("%s after Throttle: %v %v", r.op, resp, err)
		}
		srv.DropNext(r.op, 1)
		if _, err := send(r.method, r.url, r.body); err == nil {
			t.Errorf("%s after DropNext: an answer", r.op)
		}
		srv.SlowNext(r.op, 1, 50*time.Millisecond)
		began := time.Now()
		if resp, err := send(r.method, r.url, r.body); err != nil || resp.StatusCode != http.StatusOK || time.Since(began) < 50*time.Millisecond {
			t.Errorf("%s after SlowNext: %v %v in %v", r.op, resp, err, time.Since(began))
		}
		if n := srv.Calls(r.op); n != 4 {
			t.Errorf("%s counted %d calls, want 4", r.op, n)
		}
	}
}
