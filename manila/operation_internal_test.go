package manila

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// serverJSON is GET share-servers/{id}'s answer with the given fields.
func serverJSON(id, host, status, task, source string) []byte {
	null := func(s string) string {
		if s == "" {
			return "null"
		}
		return `"` + s + `"`
	}
	return []byte(`{"share_server": {"id": "` + id + `", "project_id": "` + testProject + `", "status": "` + status + `",
		"host": "` + host + `", "share_network_id": "n1", "share_network_name": "n1", "created_at": null, "updated_at": null,
		"backend_details": {}, "task_state": ` + null(task) + `, "source_share_server_id": ` + null(source) + `}}`)
}

const progressPhase1 = `{"total_progress": 100, "task_state": "migration_driver_phase1_done", "destination_share_server_id": "` + testDestID + `"}`

// resumeServer returns the handle of a migration of testServerID to
// target, resumed from its token.
func resumeServer(t *testing.T, c *Client, target, dest string) *jobs.Operation[*ShareServer] {
	t.Helper()
	op, err := c.ResumeMigration(c.serverToken(testServerID, "manila-share-1@backend1", target, dest, auth.Microversion{}).Encode())
	if err != nil {
		t.Fatal(err)
	}
	return op
}

// TestServerVerificationFailures: a migration that reports phase 1 done
// fails unless its destination share server exists, names the source, is
// usable and is on the back end asked for.
func TestServerVerificationFailures(t *testing.T) {
	for _, tc := range []struct {
		name string
		dest func(w http.ResponseWriter)
		want string
	}{
		{"other back end", func(w http.ResponseWriter) {
			reply(w, 200, serverJSON(testDestID, "manila-share-3@other", "server_migrating_to", "migration_driver_phase1_done", testServerID))
		}, "is on manila-share-3@other, not manila-share-2@backend2"},
		{"gone", func(w http.ResponseWriter) {
			reply(w, 404, []byte(`{"itemNotFound": {"code": 404, "message": "Share server could not be found."}}`))
		}, "does not exist"},
		{"in error", func(w http.ResponseWriter) {
			reply(w, 200, serverJSON(testDestID, "manila-share-2@backend2", "error", "migration_driver_phase1_done", testServerID))
		}, "is error"},
		{"of another source", func(w http.ResponseWriter) {
			reply(w, 200, serverJSON(testDestID, "manila-share-2@backend2", "server_migrating_to", "migration_driver_phase1_done", testDestID))
		}, "is the destination of " + testDestID},
	} {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
			if r.Method == http.MethodPost {
				reply(w, 200, []byte(progressPhase1))
				return
			}
			tc.dest(w)
		})
		op := resumeServer(t, newPinned(t, f, "2.57"), "manila-share-2@backend2", "")
		st, err := op.Poll(context.Background())
		var fe *jobs.FailedError
		if !errors.As(err, &fe) || st.State != jobs.Failed || !strings.Contains(fe.Status.Message, tc.want) {
			t.Errorf("%s: %+v, %v", tc.name, st, err)
		}
		if n := f.count(); n != 2 {
			t.Errorf("%s: %d requests", tc.name, n)
		}
	}
}

// TestServerPollErrorLeavesTheOperation: a failed poll is returned as is
// and the next poll goes on.
func TestServerPollErrorLeavesTheOperation(t *testing.T) {
	var polls int
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		switch {
		case r.Method == http.MethodPost && polls == 0:
			polls++
			reply(w, 403, []byte(`{"forbidden": {"code": 403, "message": "Policy doesn't allow it."}}`))
		case r.Method == http.MethodPost:
			reply(w, 200, []byte(progressPhase1))
		default:
			reply(w, 200, serverJSON(testDestID, "manila-share-2@backend2", "server_migrating_to", "migration_driver_phase1_done", testServerID))
		}
	})
	op := resumeServer(t, newPinned(t, f, "2.57"), "manila-share-2@backend2", "")
	var apiErr *cloudmigrate.Error
	if _, err := op.Poll(context.Background()); !errors.As(err, &apiErr) || apiErr.StatusCode != 403 || op.Done() {
		t.Fatalf("first poll: %v, done %v", err, op.Done())
	}
	if st, err := op.Poll(context.Background()); err != nil || st.State != jobs.Succeeded {
		t.Fatalf("second poll: %+v, %v", st, err)
	}
}

// TestServerSourceGoneTwice: a source that answers progress 400 and is
// not found on two polls in a row ends the handle's polling with the 400.
func TestServerSourceGoneTwice(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		if r.Method == http.MethodPost {
			reply(w, 400, []byte(`{"badRequest": {"code": 400, "message": "Invalid share server: A destination share server wasn't found for source share server x."}}`))
			return
		}
		reply(w, 404, []byte(`{"itemNotFound": {"code": 404, "message": "Share server could not be found."}}`))
	})
	op := resumeServer(t, newPinned(t, f, "2.57"), "manila-share-2@backend2", "")
	st, err := op.Poll(context.Background())
	if err != nil || st.State.Terminal() || !strings.Contains(st.Message, "does not exist") {
		t.Fatalf("first poll: %+v, %v", st, err)
	}
	var apiErr *cloudmigrate.Error
	if _, err := op.Poll(context.Background()); !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || op.Done() {
		t.Errorf("second poll: %v", err)
	}
}

// shareJSON is GET shares/{id}'s answer.
func shareJSON(host, status, task string) []byte {
	return []byte(`{"share": {"id": "` + testShareID + `", "status": "` + status + `", "host": "` + host + `", "task_state": "` + task + `", "size": 1}}`)
}

// TestShareVerificationFailures: a share migration that reports phase 1
// done fails without a copy on the pool asked for, and one that reports
// success fails unless the share is there.
func TestShareVerificationFailures(t *testing.T) {
	instances := `{"share_instances": [{"id": "i1", "share_id": "` + testShareID + `", "host": "h@b#p1", "status": "migrating"},
		{"id": "i2", "share_id": "` + testShareID + `", "host": "h@other#p9", "status": "migrating_to"}]}`
	for _, tc := range []struct {
		name, share string
		want        string
		requests    int
	}{
		{"copy elsewhere", string(shareJSON("h@b#p1", "migrating", "migration_driver_phase1_done")), "none of its instances is a copy on h@b2#p2", 2},
		{"success elsewhere", string(shareJSON("h@other#p9", "available", "migration_success")), "is on h@other#p9, not h@b2#p2", 1},
		{"no host shown", string(shareJSON("", "available", "migration_success")), "administrator credentials", 1},
	} {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
			if strings.HasSuffix(r.URL.Path, "/instances") {
				reply(w, 200, []byte(instances))
				return
			}
			reply(w, 200, []byte(tc.share))
		})
		c := newPinned(t, f, "2.29")
		op, err := c.ResumeShareMigration(c.shareToken(testShareID, "h@b#p1", "h@b2#p2", auth.Microversion{}).Encode())
		if err != nil {
			t.Fatal(err)
		}
		st, err := op.Poll(context.Background())
		var fe *jobs.FailedError
		if !errors.As(err, &fe) || st.State != jobs.Failed || !strings.Contains(fe.Status.Message, tc.want) {
			t.Errorf("%s: %+v, %v", tc.name, st, err)
		}
		if n := f.count(); n != tc.requests {
			t.Errorf("%s: %d requests, want %d", tc.name, n, tc.requests)
		}
	}
}

// TestShareInstancesSample: the official sample of a share's instances
// decodes into what the share handle reads.
func TestShareInstancesSample(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		reply(w, 200, testdata(t, "shares/share-instances-list-response.json"))
	})
	insts, err := newPinned(t, f, "2.54").shareInstances(context.Background(), "StartShareMigration", testShareID)
	if err != nil || len(insts) != 3 {
		t.Fatalf("%+v, %v", insts, err)
	}
	if in := insts[0]; in.ID != "081f7030-c54f-42f5-98ee-93a37393e0f2" || in.Host != "manila2@generic1#GENERIC1" ||
		in.Status != "error" || in.ShareServerID != "ba11930a-bf1a-4aa7-bae4-a8dfbaa3cc73" {
		t.Errorf("first instance %+v", in)
	}
	if r := f.requests()[0]; r.Path != "/v2/"+testProject+"/shares/"+testShareID+"/instances" {
		t.Errorf("path %s", r.Path)
	}
}
