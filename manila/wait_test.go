package manila

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// step is one answer of a progress sequence: a status other than 200
// sends that status with a fault body.
type step struct {
	status   int
	progress any
	state    any
	dest     any
}

func ok(progress any, state any, dest any) step {
	return step{status: 200, progress: progress, state: state, dest: dest}
}

// progressServer answers migration_get_progress with steps in order,
// repeating the last one.
func progressServer(t *testing.T, steps ...step) *fake {
	t.Helper()
	var mu sync.Mutex
	i := 0
	return newFake(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		if name := actionName(t, body); name != "migration_get_progress" {
			t.Errorf("unexpected action %s", name)
		}
		mu.Lock()
		s := steps[min(i, len(steps)-1)]
		i++
		mu.Unlock()
		if s.status != 200 {
			reply(w, s.status, []byte(fmt.Sprintf(`{"fault": {"code": %d, "message": "step fault"}}`, s.status)))
			return
		}
		b := fmt.Sprintf(`{"total_progress": %s, "task_state": %s, "destination_share_server_id": %s}`,
			js(s.progress), js(s.state), js(s.dest))
		reply(w, 200, []byte(b))
	})
}

// js writes a value as JSON: nil as null, strings quoted.
func js(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("%q", x)
	default:
		return fmt.Sprint(x)
	}
}

var fastPolls = jobs.WithInterval(time.Millisecond, 2*time.Millisecond)

// recorder collects the statuses a wait reports.
type recorder struct {
	mu  sync.Mutex
	got []jobs.Status
}

func (r *recorder) option() jobs.Option {
	return jobs.WithProgress(func(s jobs.Status) {
		r.mu.Lock()
		r.got = append(r.got, s)
		r.mu.Unlock()
	})
}

func (r *recorder) words() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, len(r.got))
	for i, s := range r.got {
		out[i] = fmt.Sprintf("%s/%d/%s", s.Word, s.Progress, s.State)
	}
	return out
}

func sameStrings(t *testing.T, got, want []string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("reported\n  %v\nwant\n  %v", got, want)
	}
}

func TestWaitForMigrationPhase1(t *testing.T) {
	f := progressServer(t,
		ok(0, "", ""),
		ok(0, "migration_starting", ""),
		ok(0, "migration_in_progress", testDestID),
		ok(0, "migration_driver_starting", testDestID),
		ok(20, "migration_driver_in_progress", testDestID),
		ok(50, "migration_driver_in_progress", testDestID),
		ok(100, "migration_driver_phase1_done", testDestID),
		ok(100, "migration_completing", testDestID), // must not be reached
	)
	c := newPinned(t, f, "2.57")
	var rec recorder
	got, err := c.WaitForMigrationPhase1(context.Background(), testServerID, fastPolls, rec.option())
	if err != nil {
		t.Fatal(err)
	}
	want := MigrationProgress{TotalProgress: 100, TaskState: TaskStateMigrationDriverPhase1Done, DestinationShareServerID: testDestID}
	if *got != want {
		t.Errorf("final = %+v, want %+v", *got, want)
	}
	sameStrings(t, rec.words(), []string{
		"/0/pending",
		"migration_starting/0/pending",
		"migration_in_progress/0/running",
		"migration_driver_starting/0/running",
		"migration_driver_in_progress/20/running",
		"migration_driver_in_progress/50/running",
		"migration_driver_phase1_done/100/succeeded",
	})
	posts := f.posts()
	if len(posts) != 7 {
		t.Errorf("%d polls, want 7", len(posts))
	}
	for _, p := range posts {
		checkShareHeaders(t, p, "2.57", true)
		sameJSON(t, p.Body, map[string]any{"migration_get_progress": nil})
	}
}

func TestWaitForMigrationPhase1AlreadyCompleted(t *testing.T) {
	for _, state := range []string{"migration_completing", "migration_success"} {
		f := progressServer(t, ok(100, state, testDestID))
		got, err := newPinned(t, f, "2.57").WaitForMigrationPhase1(context.Background(), testServerID, fastPolls)
		if err != nil || string(got.TaskState) != state {
			t.Errorf("%s: got %+v, %v", state, got, err)
		}
	}
}

func TestWaitForMigrationComplete(t *testing.T) {
	f := progressServer(t,
		ok(100, "migration_driver_phase1_done", testDestID),
		ok(100, "migration_completing", testDestID),
		ok(100, "migration_success", testDestID),
	)
	var rec recorder
	got, err := newPinned(t, f, "2.57").WaitForMigrationComplete(context.Background(), testServerID, fastPolls, rec.option())
	if err != nil {
		t.Fatal(err)
	}
	if got.TaskState != TaskStateMigrationSuccess || got.DestinationShareServerID != testDestID || got.TotalProgress != 100 {
		t.Errorf("final = %+v", got)
	}
	sameStrings(t, rec.words(), []string{
		"migration_driver_phase1_done/100/running",
		"migration_completing/100/running",
		"migration_success/100/succeeded",
	})
}

func TestWaitFailedAndCancelled(t *testing.T) {
	type waitFn func(*Client, context.Context, string, ...jobs.Option) (*MigrationProgress, error)
	waits := map[string]waitFn{
		"phase1":   (*Client).WaitForMigrationPhase1,
		"complete": (*Client).WaitForMigrationComplete,
	}
	ends := []struct {
		steps []step
		state jobs.State
		word  TaskState
	}{
		{[]step{ok(30, "migration_driver_in_progress", testDestID), ok(100, "migration_error", testDestID)},
			jobs.Failed, TaskStateMigrationError},
		{[]step{ok(30, "migration_driver_in_progress", testDestID), ok(30, "migration_cancel_in_progress", testDestID),
			ok(100, "migration_cancelled", testDestID)},
			jobs.Cancelled, TaskStateMigrationCancelled},
	}
	for wname, wait := range waits {
		for _, end := range ends {
			f := progressServer(t, end.steps...)
			got, err := wait(newPinned(t, f, "2.57"), context.Background(), testServerID, fastPolls)
			var fe *jobs.FailedError
			if !errors.As(err, &fe) {
				t.Fatalf("%s %s: err = %v (%T), want *jobs.FailedError", wname, end.word, err, err)
			}
			if fe.Status.State != end.state || fe.Status.Word != string(end.word) || fe.Status.Progress != 100 {
				t.Errorf("%s %s: status = %+v", wname, end.word, fe.Status)
			}
			job, isProgress := fe.Job.(*MigrationProgress)
			if !isProgress || job.TaskState != end.word || job.DestinationShareServerID != testDestID {
				t.Errorf("%s %s: Job = %#v, want the final *MigrationProgress", wname, end.word, fe.Job)
			}
			if got == nil || got.TaskState != end.word {
				t.Errorf("%s %s: returned %+v", wname, end.word, got)
			}
			if f.count() != len(end.steps) {
				t.Errorf("%s %s: %d polls, want %d", wname, end.word, f.count(), len(end.steps))
			}
		}
	}
}

func TestWaitUnknownStateKeepsWaiting(t *testing.T) {
	f := progressServer(t,
		ok(40, "migration_driver_in_progress", testDestID),
		ok(45, "migration_driver_resyncing", testDestID),
		ok(100, "migration_driver_phase1_done", testDestID),
	)
	var rec recorder
	got, err := newPinned(t, f, "2.57").WaitForMigrationPhase1(context.Background(), testServerID, fastPolls, rec.option())
	if err != nil || !got.TaskState.PhaseOneDone() {
		t.Fatalf("got %+v, %v", got, err)
	}
	sameStrings(t, rec.words(), []string{
		"migration_driver_in_progress/40/running",
		"migration_driver_resyncing/45/running",
		"migration_driver_phase1_done/100/succeeded",
	})
}

func TestWaitCompleteKeepsWaitingAtPhase1Done(t *testing.T) {
	f := progressServer(t, ok(100, "migration_driver_phase1_done", testDestID))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	got, err := newPinned(t, f, "2.57").WaitForMigrationComplete(ctx, testServerID, fastPolls)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
	if got == nil || got.TaskState != TaskStateMigrationDriverPhase1Done {
		t.Errorf("returned %+v, want the last progress", got)
	}
	if f.count() < 2 {
		t.Errorf("%d polls, want several", f.count())
	}
}

func TestWaitContextCancel(t *testing.T) {
	f := progressServer(t, ok(10, "migration_driver_in_progress", testDestID))
	ctx, cancel := context.WithCancel(context.Background())
	polls := 0
	stop := jobs.WithProgress(func(jobs.Status) {
		polls++
		if polls == 3 {
			cancel()
		}
	})
	start := time.Now()
	_, err := newPinned(t, f, "2.57").WaitForMigrationPhase1(ctx, testServerID, jobs.WithInterval(time.Millisecond, time.Millisecond), stop)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Error("the wait did not stop promptly")
	}
	if f.count() != 3 {
		t.Errorf("%d polls, want 3", f.count())
	}

	// Already cancelled: nothing is sent.
	f2 := progressServer(t, ok(10, "migration_driver_in_progress", testDestID))
	done, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if _, err := newPinned(t, f2, "2.57").WaitForMigrationComplete(done, testServerID); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
	if f2.count() != 0 {
		t.Errorf("%d polls with a cancelled context", f2.count())
	}
}

func TestWaitPollErrors(t *testing.T) {
	// Transient answers are tolerated (the pipeline retries 503 itself, and
	// the wait retries what is left).
	f := progressServer(t,
		step{status: 500},
		ok(100, "migration_driver_phase1_done", testDestID),
	)
	got, err := newPinned(t, f, "2.57", cloudmigrate.WithRetry(0)).WaitForMigrationPhase1(context.Background(), testServerID, fastPolls)
	if err != nil || got.TaskState != TaskStateMigrationDriverPhase1Done {
		t.Fatalf("got %+v, %v", got, err)
	}

	// A 404 ends the wait at once.
	f = progressServer(t, step{status: 404})
	_, err = newPinned(t, f, "2.57").WaitForMigrationPhase1(context.Background(), testServerID, fastPolls)
	var apiErr *cloudmigrate.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || !cloudmigrate.IsNotFound(err) {
		t.Fatalf("err = %v", err)
	}
	if f.count() != 1 {
		t.Errorf("%d polls after a 404, want 1", f.count())
	}

	// A version too low ends the wait with the VersionError.
	f = discoveryServer(t, testdata(t, "versions/versions-get-version-response.json"))
	_, err = newNegotiating(t, f).WaitForMigrationComplete(context.Background(), testServerID, fastPolls)
	var ve *cloudmigrate.VersionError
	if !errors.As(err, &ve) || ve.Min != "2.57" || ve.InUse != "2.15" {
		t.Fatalf("err = %v", err)
	}
	if len(f.posts()) != 0 {
		t.Error("a poll was sent with a version too low")
	}
}

func TestProgressStatusClamps(t *testing.T) {
	st := progressStatus(phase1Words)(&MigrationProgress{TotalProgress: 140, TaskState: "x"})
	if st.Progress != 100 || st.State != jobs.Running || st.Word != "x" {
		t.Errorf("status = %+v", st)
	}
	st = progressStatus(completeWords)(&MigrationProgress{TotalProgress: -3})
	if st.Progress != 0 || st.State != jobs.Pending {
		t.Errorf("status = %+v", st)
	}
}
