package modelarts_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/modelarts"
)

const (
	opSource = "pool-src"
	opTarget = "pool-dst"
	opJob    = "66798666-6778-443f-9f8a-56c9ea6d719c"
)

var opStarted = time.Unix(1718000000, 0).UTC()

// opToken is the token of a move of nodes a and b from pool-src to
// pool-dst by job opJob, for the mock's client.
func opToken(c *modelarts.Client) jobs.Token {
	return jobs.Token{
		Service: "modelarts", Kind: "batch-migrate-nodes", Endpoint: c.Endpoint(), Project: c.ProjectID(),
		Resources: []string{"a", "b"}, ID: opJob, Source: opSource, Target: opTarget, Started: opStarted,
	}
}

func resume(t *testing.T, c *modelarts.Client, tok jobs.Token) *jobs.Operation[*modelarts.Job] {
	t.Helper()
	op, err := c.ResumeNodeMigration(tok.Encode())
	if err != nil {
		t.Fatalf("ResumeNodeMigration: %v", err)
	}
	return op
}

// phaseSeq answers the by-ID job query with the given phases in turn (the
// last one repeated).
func phaseSeq(phases ...string) httpmock.Responder {
	n := 0
	return func(r *http.Request) (*http.Response, error) {
		p := phases[min(n, len(phases)-1)]
		n++
		msg := ""
		if p == "Failed" {
			msg = `,"message":"the destination cluster has no free IP addresses"`
		}
		return jsonResponder(200, fmt.Sprintf(`{"jobId":%q,"phase":%q%s}`, opJob, p, msg), "")(r)
	}
}

// targetNodes answers the target pool's node list: the nodes "name:phase"
// of each page in turn, pages linked by continue tokens "p1", "p2"...
// Every request's continue token is recorded.
func targetNodes(t *testing.T, seen *[]string, pages ...[]string) httpmock.Responder {
	return func(r *http.Request) (*http.Response, error) {
		q := r.URL.Query()
		if q.Get("limit") != "500" {
			t.Errorf("node list limit = %q, want 500", q.Get("limit"))
		}
		tok := q.Get("continue")
		if seen != nil {
			*seen = append(*seen, tok)
		}
		i := 0
		if tok != "" {
			i, _ = strconv.Atoi(strings.TrimPrefix(tok, "p"))
		}
		var items []string
		for _, np := range pages[i] {
			name, phase, _ := strings.Cut(np, ":")
			items = append(items, nodeJSON(name, phase))
		}
		next := ""
		if i+1 < len(pages) {
			next = "p" + strconv.Itoa(i+1)
		}
		return jsonResponder(200, fmt.Sprintf(`{"kind":"NodeList","metadata":{"continue":%q},"items":[%s]}`,
			next, strings.Join(items, ",")), "")(r)
	}
}

// poll polls op once and returns the status, how many requests the poll
// sent and the error.
func poll(t *testing.T, mt *httpmock.MockTransport, op *jobs.Operation[*modelarts.Job]) (jobs.Status, int, error) {
	t.Helper()
	before := mt.GetTotalCallCount()
	st, err := op.Poll(context.Background())
	return st, mt.GetTotalCallCount() - before, err
}

func TestPollByIDThenNodes(t *testing.T) {
	c, mt := newMock(t)
	mt.RegisterResponder(http.MethodGet, base+"/jobs/"+opJob, phaseSeq("Running", "Running", "Success"))
	mt.RegisterResponder(http.MethodGet, base+"/pools/"+opTarget+"/nodes", targetNodes(t, nil, []string{"x:Available", "a:Available", "b:Available"}))
	op := resume(t, c, opToken(c))
	if n := mt.GetTotalCallCount(); n != 0 {
		t.Fatalf("resume sent %d requests", n)
	}
	for i, want := range []struct {
		state jobs.State
		reqs  int
	}{{jobs.Running, 1}, {jobs.Running, 1}, {jobs.Succeeded, 2}} {
		st, reqs, err := poll(t, mt, op)
		if err != nil || st.State != want.state || reqs != want.reqs {
			t.Fatalf("poll %d: %+v %v, %d requests; want %v in %d", i+1, st, err, reqs, want.state, want.reqs)
		}
	}
	job, err := op.Result()
	if err != nil || job.ID != opJob || job.Phase != modelarts.JobSuccess || job.Source != modelarts.JobFromGet {
		t.Errorf("result %+v, %v", job, err)
	}
	// Ended: later polls and waits send nothing.
	if st, reqs, err := poll(t, mt, op); st.State != jobs.Succeeded || err != nil || reqs != 0 {
		t.Errorf("poll after the end: %+v %v %d", st, err, reqs)
	}
	if _, err := op.Wait(context.Background()); err != nil || mt.GetTotalCallCount() != 4 {
		t.Errorf("wait after the end: %v, %d requests", err, mt.GetTotalCallCount())
	}
}

func TestPollFallsBackToJobList(t *testing.T) {
	c, mt := newMock(t)
	mt.RegisterResponder(http.MethodGet, base+"/jobs/"+opJob,
		jsonResponder(404, `{"error_code":"APIGW.0101","error_msg":"The API does not exist"}`, ""))
	var queries []url.Values
	phases := []string{"Running", "Success"}
	mt.RegisterResponder(http.MethodGet, base+"/jobs", func(r *http.Request) (*http.Response, error) {
		queries = append(queries, r.URL.Query())
		p := phases[min(len(queries)-1, len(phases)-1)]
		return jsonResponder(200, fmt.Sprintf(`{"count":2,"items":[{"jobId":"other","phase":"Running"},{"jobId":%q,"phase":%q}]}`, opJob, p), "")(r)
	})
	mt.RegisterResponder(http.MethodGet, base+"/pools/"+opTarget+"/nodes", targetNodes(t, nil, []string{"a:Available", "b:Available"}))
	op := resume(t, c, opToken(c))

	st, reqs, err := poll(t, mt, op)
	if err != nil || st.State != jobs.Running || reqs != 2 {
		t.Fatalf("first poll: %+v %v, %d requests; want running in 2 (by ID, then the list)", st, err, reqs)
	}
	st, reqs, err = poll(t, mt, op)
	if err != nil || st.State != jobs.Succeeded || reqs != 2 {
		t.Fatalf("second poll: %+v %v, %d requests; want succeeded in 2 (list, nodes)", st, err, reqs)
	}
	if n := calls(mt, http.MethodGet, base+"/jobs/"+opJob); n != 1 {
		t.Errorf("by-ID asked %d times, want once", n)
	}
	want := url.Values{"resource": {"pools"}, "name": {opSource}, "limit": {"500"}}
	if !reflect.DeepEqual(queries[0], want) {
		t.Errorf("list query = %v, want %v", queries[0], want)
	}
	if job, _ := op.Result(); job.Source != modelarts.JobFromList {
		t.Errorf("job source = %q", job.Source)
	}
}

func TestPollJobNotFound(t *testing.T) {
	c, mt := newMock(t)
	mt.RegisterResponder(http.MethodGet, base+"/jobs/"+opJob, jsonResponder(404, `{"error_code":"ModelArts.0404","error_msg":"no job"}`, ""))
	mt.RegisterResponder(http.MethodGet, base+"/jobs", jsonResponder(200, `{"count":1,"items":[{"jobId":"other","phase":"Success"}]}`, ""))
	op := resume(t, c, opToken(c))
	_, err := op.Poll(context.Background())
	var nf *modelarts.JobNotFoundError
	if !errors.As(err, &nf) || nf.JobID != opJob || nf.PoolName != opSource || nf.Listed != 1 || !cloudmigrate.IsNotFound(err) {
		t.Fatalf("err = %v", err)
	}
	if op.Done() {
		t.Error("a poll error ended the operation")
	}
}

// A full page of the job list without the job: the next poll reads the
// next page, one request each.
func TestPollPagesTheJobList(t *testing.T) {
	c, mt := newMock(t)
	mt.RegisterResponder(http.MethodGet, base+"/jobs/"+opJob, jsonResponder(404, `{"error_code":"APIGW.0101","error_msg":"x"}`, ""))
	var offsets []string
	mt.RegisterResponder(http.MethodGet, base+"/jobs", func(r *http.Request) (*http.Response, error) {
		off := r.URL.Query().Get("offset")
		offsets = append(offsets, off)
		if off == "" {
			items := make([]string, 500)
			for i := range items {
				items[i] = fmt.Sprintf(`{"jobId":"j%03d","phase":"Success"}`, i)
			}
			return jsonResponder(200, `{"count":501,"items":[`+strings.Join(items, ",")+`]}`, "")(r)
		}
		return jsonResponder(200, fmt.Sprintf(`{"count":501,"items":[{"jobId":%q,"phase":"Running"}]}`, opJob), "")(r)
	})
	op := resume(t, c, opToken(c))
	if st, reqs, err := poll(t, mt, op); err != nil || st.State != jobs.Running || !strings.Contains(st.Message, "looking for job") || reqs != 2 {
		t.Fatalf("first poll: %+v %v %d", st, err, reqs)
	}
	if st, reqs, err := poll(t, mt, op); err != nil || st.State != jobs.Running || st.Word != "Running" || reqs != 1 {
		t.Fatalf("second poll: %+v %v %d", st, err, reqs)
	}
	if !reflect.DeepEqual(offsets, []string{"", "500"}) {
		t.Errorf("offsets = %q", offsets)
	}
}

func TestPollVerifiesPageByPage(t *testing.T) {
	c, mt := newMock(t)
	mt.RegisterResponder(http.MethodGet, base+"/jobs/"+opJob, phaseSeq("Success"))
	var tokens []string
	mt.RegisterResponder(http.MethodGet, base+"/pools/"+opTarget+"/nodes",
		targetNodes(t, &tokens, []string{"x:Available"}, []string{"a:Available"}, []string{"b:Available"}))
	op := resume(t, c, opToken(c))
	st, reqs, err := poll(t, mt, op)
	if err != nil || st.State != jobs.Running || st.Word != "Success" || reqs != 2 {
		t.Fatalf("first poll: %+v %v, %d requests", st, err, reqs)
	}
	st, reqs, err = poll(t, mt, op)
	if err != nil || st.State != jobs.Succeeded || reqs != 2 {
		t.Fatalf("second poll: %+v %v, %d requests", st, err, reqs)
	}
	if !reflect.DeepEqual(tokens, []string{"", "p1", "p2"}) {
		t.Errorf("continue tokens sent = %q", tokens)
	}
	if n := calls(mt, http.MethodGet, base+"/jobs/"+opJob); n != 1 {
		t.Errorf("job asked %d times after its success", n)
	}
}

func TestPollSameContinueToken(t *testing.T) {
	c, mt := newMock(t)
	mt.RegisterResponder(http.MethodGet, base+"/jobs/"+opJob, phaseSeq("Success"))
	mt.RegisterResponder(http.MethodGet, base+"/pools/"+opTarget+"/nodes",
		jsonResponder(200, `{"metadata":{"continue":"same"},"items":[]}`, ""))
	op := resume(t, c, opToken(c))
	if st, err := op.Poll(context.Background()); err != nil || st.State != jobs.Running {
		t.Fatalf("first poll (job, first page): %+v %v", st, err)
	}
	if _, err := op.Poll(context.Background()); err == nil || !strings.Contains(err.Error(), "same continue token") {
		t.Fatalf("err = %v", err)
	}
}

func TestSuccessWithoutTheNodesFails(t *testing.T) {
	c, mt := newMock(t)
	mt.RegisterResponder(http.MethodGet, base+"/jobs/"+opJob, phaseSeq("Success"))
	mt.RegisterResponder(http.MethodGet, base+"/pools/"+opTarget+"/nodes", targetNodes(t, nil, []string{"a:Available", "x:Available"}))
	op := resume(t, c, opToken(c))
	// Two listings miss b and keep waiting (the list may lag); the third
	// ends the operation.
	for i := range 2 {
		if st, err := op.Poll(context.Background()); err != nil || st.State != jobs.Running || !strings.Contains(st.Message, "b not listed") {
			t.Fatalf("poll %d: %+v %v", i+1, st, err)
		}
	}
	st, err := op.Poll(context.Background())
	var fe *jobs.FailedError
	if !errors.As(err, &fe) || st.State != jobs.Failed {
		t.Fatalf("third poll: %+v %v", st, err)
	}
	if want := "job " + opJob + " reported Success, but node(s) b are not in pool " + opTarget; fe.Status.Message != want || fe.Status.Word != "Success" {
		t.Errorf("failure = %+v, want message %q", fe.Status, want)
	}
	if j, ok := fe.Job.(*modelarts.Job); !ok || j.Phase != modelarts.JobSuccess {
		t.Errorf("failure's job = %#v", fe.Job)
	}
	if job, rerr := op.Result(); job == nil || !errors.Is(rerr, err) {
		t.Errorf("Result = %+v, %v", job, rerr)
	}
}

func TestNodesArrivingThenUsable(t *testing.T) {
	c, mt := newMock(t)
	mt.RegisterResponder(http.MethodGet, base+"/jobs/"+opJob, phaseSeq("Success"))
	n := 0
	mt.RegisterResponder(http.MethodGet, base+"/pools/"+opTarget+"/nodes", func(r *http.Request) (*http.Response, error) {
		n++
		phase := "Creating"
		if n > 2 {
			phase = "Available"
		}
		return targetNodes(t, nil, []string{"a:Available", "b:" + phase})(r)
	})
	op := resume(t, c, opToken(c))
	for range 2 {
		if st, err := op.Poll(context.Background()); err != nil || st.State != jobs.Running || !strings.Contains(st.Message, "b in pool pool-dst are not Available yet") {
			t.Fatalf("poll: %+v %v", st, err)
		}
	}
	if st, err := op.Poll(context.Background()); err != nil || st.State != jobs.Succeeded {
		t.Fatalf("last poll: %+v %v", st, err)
	}
}

func TestNodeArrivedAbnormalFails(t *testing.T) {
	c, mt := newMock(t)
	mt.RegisterResponder(http.MethodGet, base+"/jobs/"+opJob, phaseSeq("Success"))
	mt.RegisterResponder(http.MethodGet, base+"/pools/"+opTarget+"/nodes", targetNodes(t, nil, []string{"a:Abnormal", "b:Available"}))
	op := resume(t, c, opToken(c))
	_, err := op.Poll(context.Background())
	var fe *jobs.FailedError
	if !errors.As(err, &fe) || !strings.Contains(fe.Status.Message, "node(s) a (Abnormal) arrived in pool pool-dst unusable") {
		t.Fatalf("err = %v", err)
	}
}

func TestFailedJobCarriesItsMessage(t *testing.T) {
	c, mt := newMock(t)
	mt.RegisterResponder(http.MethodGet, base+"/jobs/"+opJob, phaseSeq("Running", "Failed"))
	op := resume(t, c, opToken(c))
	job, err := op.Wait(context.Background(), jobs.WithInterval(time.Millisecond, time.Millisecond))
	var fe *jobs.FailedError
	if !errors.As(err, &fe) || fe.Status.State != jobs.Failed || fe.Status.Word != "Failed" ||
		fe.Status.Message != "the destination cluster has no free IP addresses" {
		t.Fatalf("err = %v", err)
	}
	if job == nil || job.Phase != modelarts.JobFailed || fe.Job.(*modelarts.Job) != job {
		t.Errorf("job = %+v, failure's job %v", job, fe.Job)
	}
	if n := calls(mt, http.MethodGet, base+"/pools/"+opTarget+"/nodes"); n != 0 {
		t.Errorf("a failed job's nodes were listed %d times", n)
	}
}

func TestPollErrorLeavesTheOperation(t *testing.T) {
	c, mt := newMock(t)
	n := 0
	mt.RegisterResponder(http.MethodGet, base+"/jobs/"+opJob, func(r *http.Request) (*http.Response, error) {
		n++
		if n == 1 {
			return jsonResponder(403, `{"error_code":"ModelArts.0203","error_msg":"forbidden"}`, "")(r)
		}
		return phaseSeq("Running")(r)
	})
	op := resume(t, c, opToken(c))
	if _, err := op.Poll(context.Background()); err == nil || op.Done() {
		t.Fatalf("first poll: %v, done %v", err, op.Done())
	}
	if st, err := op.Poll(context.Background()); err != nil || st.State != jobs.Running {
		t.Fatalf("second poll: %+v %v", st, err)
	}
}

// A move within one pool is confirmed by the nodes' cluster label.
func TestSamePoolMoveChecksTheCluster(t *testing.T) {
	for _, tc := range []struct {
		name    string
		labels  string
		success bool
	}{
		{"new cluster", `{"os.modelarts.node/cluster":"c2"}`, true},
		{"no label", `{}`, true},
		{"old cluster", `{"os.modelarts.node/cluster":"c1"}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, mt := newMock(t)
			mt.RegisterResponder(http.MethodGet, base+"/jobs/"+opJob, phaseSeq("Success"))
			mt.RegisterResponder(http.MethodGet, base+"/pools/"+opSource+"/nodes", jsonResponder(200,
				`{"metadata":{},"items":[{"metadata":{"name":"a","labels":`+tc.labels+`},"status":{"phase":"Available"}}]}`, ""))
			tok := opToken(c)
			tok.Target, tok.Resources, tok.Extra = opSource, []string{"a"}, map[string]string{"toCluster": "c2"}
			op := resume(t, c, tok)
			_, err := op.Wait(context.Background(), jobs.WithInterval(time.Millisecond, time.Millisecond))
			if tc.success != (err == nil) {
				t.Fatalf("err = %v", err)
			}
			if !tc.success && !strings.Contains(err.Error(), "not in pool pool-src (cluster c2)") {
				t.Errorf("err = %v", err)
			}
		})
	}
}

// Without a job ID the handle follows the nodes alone, and waits as long
// as they are not there.
func TestNoJobFollowsTheNodes(t *testing.T) {
	c, mt := newMock(t)
	mt.RegisterResponder(http.MethodPost, migrateURL(opSource), jsonResponder(200, `{}`, ""))
	n := 0
	mt.RegisterResponder(http.MethodGet, base+"/pools/"+opTarget+"/nodes", func(r *http.Request) (*http.Response, error) {
		n++
		if n <= 4 {
			return targetNodes(t, nil, []string{"x:Available"})(r)
		}
		return targetNodes(t, nil, []string{"a:Available"})(r)
	})
	req := &modelarts.BatchMigrateRequest{MigrateNodeNames: []string{"a"}, FromClusterName: opSource, ToClusterName: opTarget,
		ToPoolName: opTarget, ResourceSpec: &modelarts.MigrateResourceSpec{Flavor: "f"}}
	op, err := c.BatchMigrateNodes(context.Background(), opSource, req)
	if err != nil || op.ID() != "" {
		t.Fatalf("start: %v, id %q", err, op.ID())
	}
	for i := range 4 {
		if st, reqs, err := poll(t, mt, op); err != nil || st.State != jobs.Running || reqs != 1 {
			t.Fatalf("poll %d: %+v %v %d", i+1, st, err, reqs)
		}
	}
	if st, err := op.Poll(context.Background()); err != nil || st.State != jobs.Succeeded {
		t.Fatalf("last poll: %+v %v", st, err)
	}
	if n := calls(mt, http.MethodGet, base+"/jobs/"); n != 0 {
		t.Errorf("%d job queries without a job", n)
	}
}

func TestTokenIsACopyAndCannotAbort(t *testing.T) {
	c, _ := newMock(t)
	op := resume(t, c, opToken(c))
	tok := op.Token()
	tok.Resources[0] = "changed"
	if got := op.Token().Resources[0]; got != "a" {
		t.Errorf("the handle's token changed to %q", got)
	}
	if err := op.Abort(context.Background()); !errors.Is(err, jobs.ErrCannotAbort) {
		t.Errorf("Abort = %v", err)
	}
	text, err := op.ResumeToken()
	if err != nil {
		t.Fatal(err)
	}
	back, err := jobs.ParseToken(text)
	if err != nil || !reflect.DeepEqual(back, opToken(c)) {
		t.Errorf("token %+v, %v; want %+v", back, err, opToken(c))
	}
}

func TestResumeRefusesOtherTokens(t *testing.T) {
	c, mt := newMock(t)
	good := opToken(c)
	tamper := func(s string) string {
		i := strings.IndexByte(s, '.') + 3
		b := []byte(s)
		b[i] ^= 1
		return string(b)
	}
	for _, tc := range []struct {
		name  string
		token string
	}{
		{"empty", ""},
		{"truncated", good.Encode()[:20]},
		{"no checksum", good.Encode()[:strings.LastIndexByte(good.Encode(), '.')]},
		{"tampered", tamper(good.Encode())},
		{"newer version", strings.Replace(good.Encode(), "cmop1.", "cmop2.", 1)},
		{"other service", func() string { t := good; t.Service = "cce"; return t.Encode() }()},
		{"other kind", func() string { t := good; t.Kind = "live-migrate"; return t.Encode() }()},
		{"other endpoint", func() string { t := good; t.Endpoint = "https://modelarts.eu-west-101.example.test"; return t.Encode() }()},
		{"other project", func() string { t := good; t.Project = "ffffffffffffffffffffffffffffffff"; return t.Encode() }()},
		{"no source", func() string { t := good; t.Source = ""; return t.Encode() }()},
		{"bad target", func() string { t := good; t.Target = "a/b"; return t.Encode() }()},
		{"no nodes", func() string { t := good; t.Resources = nil; return t.Encode() }()},
		{"blank node", func() string { t := good; t.Resources = []string{"a", " "}; return t.Encode() }()},
		{"bad job", func() string { t := good; t.ID = "../jobs"; return t.Encode() }()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			op, err := c.ResumeNodeMigration(tc.token)
			if op != nil {
				t.Error("got a handle")
			}
			wantValidation(t, err, "token")
		})
	}
	if n := mt.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	// The endpoint is compared without a trailing slash and with the host
	// in any case.
	ok := good
	ok.Endpoint = strings.ToUpper(testEndpoint[:8]) + strings.ToUpper(testEndpoint[8:]) + "/"
	if _, err := c.ResumeNodeMigration(ok.Encode()); err != nil {
		t.Errorf("endpoint %q refused: %v", ok.Endpoint, err)
	}
}
