package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/ecs"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/nova"
)

// IDs the hostile servers answer about.
const (
	hProject = "0123456789abcdef0123456789abcdef"
	hJob     = "ff80808288d41e1b018990260a7c686a"
	hServer  = "8fe7f1d0-5ea3-4c43-b9b5-8e2f1c2b3a4d"
)

// hostile is a test server whose every answer the test writes by hand. It
// counts the requests it receives.
type hostile struct {
	srv      *httptest.Server
	requests atomic.Int64
}

// newHostile starts a server that answers request n (from 1) with h.
func newHostile(t *testing.T, h func(n int, w http.ResponseWriter, r *http.Request)) *hostile {
	t.Helper()
	hs := &hostile{}
	hs.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		h(int(hs.requests.Add(1)), w, r)
	}))
	t.Cleanup(hs.srv.Close)
	return hs
}

// newHostileECS is newHostile for ColdMigrate: it answers the read of
// hServer that comes before the start with a stopped server on a
// dedicated host, without counting it, and hands every other request to h.
func newHostileECS(t *testing.T, h func(n int, w http.ResponseWriter, r *http.Request)) *hostile {
	t.Helper()
	hs := &hostile{}
	hs.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/cloudservers/"+hServer) {
			answer(w, 200, `{"server":{"id":"`+hServer+`","status":"SHUTOFF","OS-EXT-STS:task_state":null,`+
				`"os:scheduler_hints":{"tenancy":["dedicated"],"dedicated_host_id":["deh-a"]}}}`)
			return
		}
		h(int(hs.requests.Add(1)), w, r)
	}))
	t.Cleanup(hs.srv.Close)
	return hs
}

func (hs *hostile) count() int { return int(hs.requests.Load()) }

// ecs returns an ECS client for the server.
func (hs *hostile) ecs(t *testing.T, opts ...cloudmigrate.Option) *ecs.Client {
	t.Helper()
	c, err := ecs.NewClient(hs.srv.URL, hProject, auth.StaticToken("tok"), clientOpts(opts)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// nova returns a nova client for the server, pinned to a microversion so
// that it asks for no version document.
func (hs *hostile) nova(t *testing.T, opts ...cloudmigrate.Option) *nova.Client {
	t.Helper()
	opts = append([]cloudmigrate.Option{cloudmigrate.WithMicroversion("2.80")}, opts...)
	c, err := nova.NewClient(hs.srv.URL+"/compute/v2.1", auth.StaticToken("tok"), clientOpts(opts)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// answer writes status and body with a JSON content type and a request
// ID.
func answer(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Request-Id", "req-hostile")
	w.Header().Set("X-Openstack-Request-Id", "req-hostile")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// ecsJob is an ECS job body in the given status.
func ecsJob(status string) string {
	return `{"job_id":"` + hJob + `","job_type":"migrateServer","status":"` + status + `","begin_time":"2026-01-02T03:04:05.000Z","end_time":"","error_code":null,"fail_reason":null,"entities":{"server_id":"` + hServer + `"}}`
}

// novaMigration is a per-server nova migration body in the given status.
func novaMigration(status string) string {
	return `{"migration":{"id":7,"server_uuid":"` + hServer + `","status":"` + status + `","source_compute":"compute1","dest_compute":"compute2","created_at":"2026-01-02T03:04:05.000000","updated_at":null}}`
}

// A 200 whose JSON stops half way is a decode error naming the request,
// never a panic or a half-filled success. When the connection itself
// broke before the body's end, a read is sent again; when the answer was
// complete but its JSON short, it is not, and the error is reported as
// io.ErrUnexpectedEOF, which a wait treats as transient and polls again
// within its error budget. A body that is malformed rather than short
// ends a wait at once.
func TestTruncatedJSONIsAClearError(t *testing.T) {
	ctx := context.Background()
	truncated := ecsJob("RUNNING")[:40]

	t.Run("GetJob", func(t *testing.T) {
		hs := newHostile(t, func(_ int, w http.ResponseWriter, _ *http.Request) { answer(w, 200, truncated) })
		job, err := hs.ecs(t).GetJob(ctx, hJob)
		if job != nil || !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), "decoding the 200 answer") ||
			!strings.Contains(err.Error(), "req-hostile") {
			t.Errorf("GetJob = %+v, %v; want a decode error naming the request", job, err)
		}
		notAPIError(t, err)
		if hs.count() != 1 {
			t.Errorf("%d requests, want 1", hs.count())
		}
	})
	t.Run("body cut by the connection", func(t *testing.T) {
		// The connection closes before the declared length: a network
		// failure, which a read is retried on.
		cut := func(upTo int) func(int, http.ResponseWriter, *http.Request) {
			return func(n int, w http.ResponseWriter, _ *http.Request) {
				body := ecsJob("RUNNING")
				w.Header().Set("Content-Length", strconv.Itoa(len(body)))
				w.WriteHeader(200)
				if n <= upTo {
					body = body[:40]
				}
				_, _ = io.WriteString(w, body)
			}
		}
		hs := newHostile(t, cut(1))
		job, err := hs.ecs(t).GetJob(ctx, hJob)
		if err != nil || job.Status != ecs.JobRunning || hs.count() != 2 {
			t.Errorf("GetJob = %+v, %v after %d requests; want the job after 2", job, err, hs.count())
		}
		hs = newHostile(t, cut(100))
		job, err = hs.ecs(t, cloudmigrate.WithRetry(2)).GetJob(ctx, hJob)
		if job != nil || !errors.Is(err, io.ErrUnexpectedEOF) || hs.count() != 3 {
			t.Errorf("GetJob = %+v, %v after %d requests; want io.ErrUnexpectedEOF after 3", job, err, hs.count())
		}
	})
	t.Run("ColdMigrate is not resent", func(t *testing.T) {
		// The answer to a start is lost half way: the migration may well
		// have started, so the call must not be repeated.
		hs := newHostileECS(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
			body := `{"job_id":"` + hJob + `"}`
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.WriteHeader(200)
			_, _ = io.WriteString(w, body[:12])
		})
		res, err := hs.ecs(t).ColdMigrate(ctx, hServer, nil)
		if res != nil || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("ColdMigrate = %+v, %v", res, err)
		}
		if hs.count() != 1 {
			t.Errorf("%d requests, want exactly 1", hs.count())
		}
	})
	t.Run("WaitForJob gives up after its error budget", func(t *testing.T) {
		hs := newHostile(t, func(_ int, w http.ResponseWriter, _ *http.Request) { answer(w, 200, truncated) })
		job, err := hs.ecs(t).WaitForJob(ctx, hJob, jobs.WithInterval(time.Millisecond, 2*time.Millisecond), jobs.WithMaxPollErrors(2))
		if job != nil || !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), "giving up after 3 consecutive errors") {
			t.Errorf("WaitForJob = %+v, %v", job, err)
		}
		if hs.count() != 3 {
			t.Errorf("%d polls, want 3", hs.count())
		}
	})
	t.Run("malformed JSON ends a wait at once", func(t *testing.T) {
		hs := newHostile(t, func(_ int, w http.ResponseWriter, _ *http.Request) { answer(w, 200, `{"job_id": nope}`) })
		_, err := hs.ecs(t).WaitForJob(ctx, hJob, jobs.WithInterval(time.Millisecond, 2*time.Millisecond))
		var syntax *json.SyntaxError
		if !errors.As(err, &syntax) || !strings.HasPrefix(err.Error(), "jobs: poll: ") {
			t.Errorf("WaitForJob: %v, want a *json.SyntaxError", err)
		}
		if hs.count() != 1 {
			t.Errorf("%d polls, want 1", hs.count())
		}
	})
	t.Run("nova GetServerMigration", func(t *testing.T) {
		hs := newHostile(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
			answer(w, 200, novaMigration("running")[:50])
		})
		m, err := hs.nova(t).GetServerMigration(ctx, hServer, 7)
		if m != nil || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("GetServerMigration = %+v, %v", m, err)
		}
	})
}

// A 2xx carrying an error document is decoded into the typed result, as
// every answer in the accepted statuses is. What follows depends on the
// result: a start without its job ID is an error; a job answer with neither
// ID nor status is an error that ends a wait at once; a
// nova answer without its migration object is an error; a 2xx other than
// the documented one is the service's error.
func TestSuccessStatusWithAnErrorBody(t *testing.T) {
	ctx := context.Background()
	ecsErr := `{"error":{"code":"Ecs.0114","message":"Instance could not be found."}}`
	novaErr := `{"itemNotFound":{"code":404,"message":"Instance could not be found."}}`
	errorBody := func(body string) func(int, http.ResponseWriter, *http.Request) {
		return func(_ int, w http.ResponseWriter, _ *http.Request) { answer(w, 200, body) }
	}

	t.Run("ColdMigrate", func(t *testing.T) {
		hs := newHostileECS(t, errorBody(ecsErr))
		res, err := hs.ecs(t).ColdMigrate(ctx, hServer, nil)
		if res != nil || err == nil || !strings.Contains(err.Error(), "no job_id") || !strings.Contains(err.Error(), "req-hostile") {
			t.Errorf("ColdMigrate = %+v, %v; want an error about the missing job_id", res, err)
		}
		if hs.count() != 1 {
			t.Errorf("%d requests, want exactly 1", hs.count())
		}
	})
	t.Run("WaitForJob", func(t *testing.T) {
		hs := newHostile(t, errorBody(ecsErr))
		c := hs.ecs(t)
		job, err := c.GetJob(ctx, hJob)
		if job != nil || err == nil || !strings.Contains(err.Error(), "holds no job") || !strings.Contains(err.Error(), "req-hostile") {
			t.Fatalf("GetJob = %+v, %v; want an error saying the answer holds no job", job, err)
		}
		start := time.Now()
		_, err = c.WaitForJob(ctx, hJob, jobs.WithInterval(5*time.Millisecond, 10*time.Millisecond))
		if err == nil || !strings.Contains(err.Error(), "holds no job") || time.Since(start) > time.Second {
			t.Errorf("WaitForJob = %v after %v; want the same error at once", err, time.Since(start))
		}
		if hs.count() != 2 {
			t.Errorf("%d requests, want one per call", hs.count())
		}
	})
	t.Run("nova GetServerMigration", func(t *testing.T) {
		hs := newHostile(t, errorBody(novaErr))
		c := hs.nova(t)
		m, err := c.GetServerMigration(ctx, hServer, 7)
		if m != nil || err == nil || !strings.Contains(err.Error(), "no migration object") {
			t.Errorf("GetServerMigration = %+v, %v", m, err)
		}
		_, err = c.WaitForMigration(ctx, hServer, 7, jobs.WithInterval(time.Millisecond, 2*time.Millisecond))
		if err == nil || !strings.Contains(err.Error(), "no migration object") {
			t.Errorf("WaitForMigration: %v", err)
		}
		if hs.count() != 2 {
			t.Errorf("%d requests, want 2 (the wait stops at its first poll)", hs.count())
		}
	})
	t.Run("nova Migrate answered 200 instead of 202", func(t *testing.T) {
		// The server and its migration records read as an idle server, as
		// Migrate reads them before it sends the start.
		hs := newHostile(t, func(_ int, w http.ResponseWriter, r *http.Request) {
			switch {
			case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/servers/"+hServer):
				answer(w, 200, `{"server": {"id": "`+hServer+`", "status": "ACTIVE", "OS-EXT-SRV-ATTR:host": "c1", "OS-EXT-STS:task_state": null}}`)
			case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/os-migrations"):
				answer(w, 200, `{"migrations": []}`)
			default:
				answer(w, 200, novaErr)
			}
		})
		_, err := hs.nova(t).Migrate(ctx, hServer, nil)
		var e *cloudmigrate.Error
		if !errors.As(err, &e) || e.StatusCode != 200 || e.Code != "itemNotFound" || e.RequestID != "req-hostile" || e.Attempts != 1 {
			t.Errorf("Migrate: %v (%+v)", err, e)
		}
		if hs.count() != 3 {
			t.Errorf("%d requests, want exactly 3 (two reads, one start)", hs.count())
		}
	})
}

// stream writes about size bytes of filler to w in 32 KiB chunks and
// returns how many were accepted before the client went away.
func stream(w http.ResponseWriter, size int64, filler byte) int64 {
	chunk := []byte(strings.Repeat(string(filler), 32<<10))
	var sent int64
	for sent < size {
		n, err := w.Write(chunk)
		sent += int64(n)
		if err != nil {
			break
		}
	}
	return sent
}

// measure runs f and returns how much it allocated (TotalAlloc, which
// counts every allocation, collected or not) and how long it took.
func measure(f func()) (alloc uint64, took time.Duration) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	begin := time.Now()
	f()
	took = time.Since(begin)
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, took
}

const mib = 1 << 20

// A 200 MiB error body costs the client what it reads of it (64 KiB for
// the error, up to 256 KiB more to try to keep the connection), not 200
// MiB: memory stays flat and the call returns at once, over each retry.
func TestHugeErrorBodyIsReadOnlyInPart(t *testing.T) {
	const size = 200 * mib
	var sent atomic.Int64
	hs := newHostile(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusServiceUnavailable)
		sent.Add(stream(w, size, 'x'))
	})
	c := hs.ecs(t, cloudmigrate.WithRetry(2))
	var err error
	alloc, took := measure(func() { _, err = c.GetJob(context.Background(), hJob) })
	t.Logf("three 200 MiB error answers: %.2f MiB allocated, %v", float64(alloc)/mib, took)
	var e *cloudmigrate.Error
	if !errors.As(err, &e) || e.StatusCode != http.StatusServiceUnavailable || e.Attempts != 3 {
		t.Fatalf("GetJob: %v", err)
	}
	if len(e.Message) == 0 || len(e.Message) > 512 || strings.Trim(e.Message, "x") != "" {
		t.Errorf("message of %d bytes, want the start of the body, at most 512", len(e.Message))
	}
	if alloc > 16*mib {
		t.Errorf("allocated %.1f MiB for the three answers, want less than 16 MiB", float64(alloc)/mib)
	}
	if took > 3*time.Second {
		t.Errorf("took %v", took)
	}
	if !eventually(5*time.Second, func() bool { return hs.count() == 3 }) {
		t.Fatalf("%d requests, want 3", hs.count())
	}
	// The server could push no more than what the sockets buffer before
	// the client hung up: far from the 600 MiB offered.
	hs.srv.Close()
	t.Logf("the server got %.1f MiB of its 600 MiB into the connections", float64(sent.Load())/mib)
	if s := sent.Load(); s > 3*32*mib {
		t.Errorf("the connections took %d MiB of the error bodies", s/mib)
	}
}

// A huge success answer: a valid job followed by 200 MiB of junk is
// decoded from its first value and the rest is left unread, at no cost. A
// single JSON value as large as the answer, however, is read whole: the
// pipeline bounds error bodies (64 KiB) but not successful ones, so
// memory grows with the body. This test documents both behaviours.
func TestHugeSuccessBody(t *testing.T) {
	ctx := context.Background()

	t.Run("junk after the job", func(t *testing.T) {
		hs := newHostile(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(200)
			_, _ = io.WriteString(w, ecsJob("SUCCESS"))
			stream(w, 200*mib, ' ')
		})
		c := hs.ecs(t)
		var job *ecs.Job
		var err error
		alloc, took := measure(func() { job, err = c.GetJob(ctx, hJob) })
		t.Logf("a job followed by 200 MiB: %.2f MiB allocated, %v", float64(alloc)/mib, took)
		if err != nil || job.Status != ecs.JobSuccess || job.ID != hJob {
			t.Fatalf("GetJob = %+v, %v", job, err)
		}
		if alloc > 16*mib || took > 3*time.Second {
			t.Errorf("allocated %.1f MiB in %v, want less than 16 MiB, quickly", float64(alloc)/mib, took)
		}
	})

	t.Run("one huge value", func(t *testing.T) {
		const size = 8 * mib
		hs := newHostile(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(200)
			_, _ = io.WriteString(w, `{"job_id":"`+hJob+`","status":"FAIL","error_code":"Ecs.0319","fail_reason":"`)
			stream(w, size, 'r')
			_, _ = io.WriteString(w, `"}`)
		})
		c := hs.ecs(t)
		var job *ecs.Job
		var err error
		alloc, took := measure(func() { job, err = c.GetJob(ctx, hJob) })
		t.Logf("a job with a %d MiB fail_reason: %.1f MiB allocated (%.1fx the body), %v",
			size/mib, float64(alloc)/mib, float64(alloc)/size, took)
		if err != nil || job.Status != ecs.JobFail || len(job.FailReason) != size {
			t.Fatalf("GetJob: status %q, reason of %d bytes, %v", job.Status, len(job.FailReason), err)
		}
		// Read whole: at least the body's size was allocated.
		if alloc < size {
			t.Errorf("allocated %.1f MiB for a %d MiB value", float64(alloc)/mib, size/mib)
		}
	})
}

// An HTML error page from a proxy (wrong content type, no JSON) becomes a
// *cloudmigrate.Error carrying the page's text; the same page with a 200
// is a decode error that ends a wait at once.
func TestHTMLErrorPage(t *testing.T) {
	ctx := context.Background()
	const page = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
	html := func(status int) func(int, http.ResponseWriter, *http.Request) {
		return func(_ int, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, page)
		}
	}
	check := func(t *testing.T, err error, attempts int) {
		t.Helper()
		var e *cloudmigrate.Error
		if !errors.As(err, &e) {
			t.Fatalf("error %v is not a *cloudmigrate.Error", err)
		}
		if e.StatusCode != http.StatusBadGateway || e.Code != "" || e.Attempts != attempts || !e.Temporary() {
			t.Errorf("error %+v", e)
		}
		if !strings.Contains(e.Message, "<title>502 Bad Gateway</title>") || !strings.Contains(e.Message, "nginx") ||
			strings.ContainsAny(e.Message, "\r\n") {
			t.Errorf("message %q, want the page's text on one line", e.Message)
		}
	}

	t.Run("GetJob", func(t *testing.T) {
		hs := newHostile(t, html(http.StatusBadGateway))
		_, err := hs.ecs(t, cloudmigrate.WithRetry(1)).GetJob(ctx, hJob)
		check(t, err, 2)
		if hs.count() != 2 {
			t.Errorf("%d requests, want 2", hs.count())
		}
	})
	t.Run("ColdMigrate", func(t *testing.T) {
		hs := newHostileECS(t, html(http.StatusBadGateway))
		_, err := hs.ecs(t, cloudmigrate.WithRetry(1)).ColdMigrate(ctx, hServer, nil)
		check(t, err, 1)
		if hs.count() != 1 {
			t.Errorf("%d requests, want exactly 1", hs.count())
		}
	})
	t.Run("nova", func(t *testing.T) {
		hs := newHostile(t, html(http.StatusBadGateway))
		_, err := hs.nova(t, cloudmigrate.WithRetry(1)).GetServerMigration(ctx, hServer, 7)
		check(t, err, 2)
	})
	t.Run("200 page", func(t *testing.T) {
		hs := newHostile(t, html(http.StatusOK))
		_, err := hs.ecs(t).WaitForJob(ctx, hJob, jobs.WithInterval(time.Millisecond, 2*time.Millisecond))
		var syntax *json.SyntaxError
		if !errors.As(err, &syntax) || !strings.Contains(err.Error(), "invalid character '<'") {
			t.Errorf("WaitForJob: %v, want a decode error", err)
		}
		if hs.count() != 1 {
			t.Errorf("%d polls, want 1", hs.count())
		}
	})
}

// A status word the SDK has never seen keeps a wait going as Running, with
// the word reported to the progress callback, until a word it knows ends
// the wait.
func TestUnknownStatusWordKeepsTheWaitGoing(t *testing.T) {
	ctx := context.Background()
	record := func(seen *[]jobs.Status) []jobs.Option {
		return []jobs.Option{
			jobs.WithInterval(time.Millisecond, 2*time.Millisecond),
			jobs.WithProgress(func(st jobs.Status) { *seen = append(*seen, st) }),
		}
	}
	checkWords := func(t *testing.T, seen []jobs.Status, unknown, last string, lastState jobs.State) {
		t.Helper()
		if len(seen) != 4 {
			t.Fatalf("progress %+v, want 4 polls", seen)
		}
		for _, st := range seen[:3] {
			if st.Word != unknown || st.State != jobs.Running {
				t.Errorf("poll %+v, want %q reported as running", st, unknown)
			}
		}
		if seen[3].Word != last || seen[3].State != lastState {
			t.Errorf("last poll %+v, want %q (%v)", seen[3], last, lastState)
		}
	}
	script := func(unknown, last string, body func(string) string) func(int, http.ResponseWriter, *http.Request) {
		return func(n int, w http.ResponseWriter, _ *http.Request) {
			word := unknown
			if n >= 4 {
				word = last
			}
			answer(w, 200, body(word))
		}
	}

	t.Run("ecs success", func(t *testing.T) {
		hs := newHostile(t, script("MIGRATING_DISKS", "SUCCESS", ecsJob))
		var seen []jobs.Status
		job, err := hs.ecs(t).WaitForJob(ctx, hJob, record(&seen)...)
		if err != nil || job.Status != ecs.JobSuccess {
			t.Fatalf("WaitForJob = %+v, %v", job, err)
		}
		checkWords(t, seen, "MIGRATING_DISKS", "SUCCESS", jobs.Succeeded)
	})
	t.Run("ecs failure", func(t *testing.T) {
		hs := newHostile(t, script("ROLLING_BACK", "FAIL", func(word string) string {
			if word != "FAIL" {
				return ecsJob(word)
			}
			return strings.Replace(strings.Replace(ecsJob(word), `"error_code":null`, `"error_code":"Ecs.0319"`, 1),
				`"fail_reason":null`, `"fail_reason":"no capacity"`, 1)
		}))
		var seen []jobs.Status
		_, err := hs.ecs(t).WaitForJob(ctx, hJob, record(&seen)...)
		var failed *jobs.FailedError
		if !errors.As(err, &failed) || failed.Status.Code != "Ecs.0319" || failed.Status.Message != "no capacity" {
			t.Fatalf("WaitForJob: %v", err)
		}
		checkWords(t, seen, "ROLLING_BACK", "FAIL", jobs.Failed)
	})
	t.Run("nova", func(t *testing.T) {
		hs := newHostile(t, script("copying-memory-faster", "completed", novaMigration))
		var seen []jobs.Status
		m, err := hs.nova(t).WaitForMigration(ctx, hServer, 7, record(&seen)...)
		if err != nil || m.Status != nova.StatusCompleted {
			t.Fatalf("WaitForMigration = %+v, %v", m, err)
		}
		checkWords(t, seen, "copying-memory-faster", "completed", jobs.Succeeded)
	})
}

// A service asking to wait a day before retrying is retried after the
// client's WithRetryAfterLimit, in every form it can ask: a Retry-After
// in seconds, as an HTTP date, or nova's retryAfter in the body.
func TestRetryAfterOfADayIsCapped(t *testing.T) {
	ctx := context.Background()
	const limit = 100 * time.Millisecond
	throttleOnce := func(header, body, then string) func(int, http.ResponseWriter, *http.Request) {
		return func(n int, w http.ResponseWriter, _ *http.Request) {
			if n == 1 {
				if header != "" {
					w.Header().Set("Retry-After", header)
				}
				answer(w, http.StatusTooManyRequests, body)
				return
			}
			answer(w, 200, then)
		}
	}
	gateway := `{"error_code":"APIGW.0308","error_msg":"The throttling threshold has been reached"}`
	overLimit := `{"overLimit":{"code":429,"message":"This request was rate-limited.","retryAfter":"86400"}}`
	for _, tc := range []struct {
		name string
		h    func(int, http.ResponseWriter, *http.Request)
		call func(hs *hostile) error
	}{
		{"seconds, GetJob", throttleOnce("86400", gateway, ecsJob("RUNNING")), func(hs *hostile) error {
			_, err := hs.ecs(t, cloudmigrate.WithRetryAfterLimit(limit)).GetJob(ctx, hJob)
			return err
		}},
		{"HTTP date, ColdMigrate", throttleOnce(time.Now().Add(24*time.Hour).UTC().Format(http.TimeFormat), gateway, `{"job_id":"`+hJob+`"}`),
			func(hs *hostile) error {
				_, err := hs.ecs(t, cloudmigrate.WithRetryAfterLimit(limit)).ColdMigrate(ctx, hServer, nil)
				return err
			}},
		{"nova body", throttleOnce("", overLimit, novaMigration("running")), func(hs *hostile) error {
			_, err := hs.nova(t, cloudmigrate.WithRetryAfterLimit(limit)).GetServerMigration(ctx, hServer, 7)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHostileECS(t, tc.h)
			begin := time.Now()
			err := tc.call(hs)
			took := time.Since(begin)
			if err != nil {
				t.Fatal(err)
			}
			if took < limit || took > limit+2*time.Second {
				t.Errorf("took %v, want the limit of %v and little more", took, limit)
			}
			if hs.count() != 2 {
				t.Errorf("%d requests, want 2", hs.count())
			}
		})
	}
}
