package ecstest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate/ecs/ecstest"
)

// send makes a request signed for srv, with the given body (nil for none),
// and returns the status, headers and decoded JSON body.
func send(t *testing.T, srv *ecstest.Server, method, path string, body []byte) (int, http.Header, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	}
	req.Header.Set("X-Project-Id", srv.ProjectID())
	if err := srv.Authorizer().Authorize(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("answer %d is not a JSON object: %q", resp.StatusCode, data)
	}
	return resp.StatusCode, resp.Header, out
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func checkKeys(t *testing.T, what string, m map[string]any, want ...string) {
	t.Helper()
	slices.Sort(want)
	if got := keys(m); !slices.Equal(got, want) {
		t.Errorf("%s keys %v, want %v", what, got, want)
	}
}

var wireTime = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

func migratePath(srv *ecstest.Server, server string) string {
	return "/v1/" + srv.ProjectID() + "/cloudservers/" + server + "/migrate"
}

func jobPath(srv *ecstest.Server, job string) string {
	return "/v1/" + srv.ProjectID() + "/jobs/" + job
}

func TestWireDocumentedBodiesAndJobShape(t *testing.T) {
	srv := ecstest.NewServer(ecstest.WithJobDurations(10*time.Second, time.Minute))
	defer srv.Close()
	// The seed's example request targets this host.
	srv.AddServer(ecstest.ServerInfo{ID: serverA})
	srv.AddHost(hostA)
	start := srv.Clock().Now()

	status, hdr, body := send(t, srv, http.MethodPost, migratePath(srv, serverA), readTestdata(t, "migrate_request_dedicated_host.json"))
	if status != http.StatusOK {
		t.Fatalf("status %d %v", status, body)
	}
	checkKeys(t, "migrate answer", body, "job_id")
	jobID, _ := body["job_id"].(string)
	if len(jobID) != 32 || hdr.Get("X-Request-Id") == "" || hdr.Get("Content-Type") != "application/json" {
		t.Errorf("job_id %q, headers %v", jobID, hdr)
	}

	jobKeys := []string{"job_id", "job_type", "status", "begin_time", "end_time", "error_code", "fail_reason", "entities"}

	// INIT: not split into sub-jobs yet.
	status, hdr, job := send(t, srv, http.MethodGet, jobPath(srv, jobID), nil)
	if status != http.StatusOK || hdr.Get("X-Request-Id") == "" {
		t.Fatalf("status %d, headers %v", status, hdr)
	}
	checkKeys(t, "INIT job", job, jobKeys...)
	if job["job_id"] != jobID || job["job_type"] != ecstest.JobTypeMigrate || job["status"] != "INIT" ||
		job["begin_time"] != start.UTC().Format("2006-01-02T15:04:05.000Z") || job["end_time"] != "" ||
		job["error_code"] != nil || job["fail_reason"] != nil {
		t.Errorf("INIT job %v", job)
	}
	if !wireTime.MatchString(job["begin_time"].(string)) {
		t.Errorf("begin_time %q", job["begin_time"])
	}
	ent := job["entities"].(map[string]any)
	checkKeys(t, "INIT entities", ent, "server_id")
	if ent["server_id"] != serverA {
		t.Errorf("entities %v", ent)
	}

	// RUNNING: one sub-job for the server.
	srv.Clock().Advance(10 * time.Second)
	_, _, job = send(t, srv, http.MethodGet, jobPath(srv, jobID), nil)
	checkKeys(t, "RUNNING job", job, jobKeys...)
	if job["status"] != "RUNNING" || job["end_time"] != "" || job["error_code"] != nil {
		t.Errorf("RUNNING job %v", job)
	}
	ent = job["entities"].(map[string]any)
	checkKeys(t, "RUNNING entities", ent, "server_id", "sub_jobs_total", "sub_jobs")
	subs := ent["sub_jobs"].([]any)
	if ent["sub_jobs_total"] != 1.0 || len(subs) != 1 {
		t.Fatalf("entities %v", ent)
	}
	sub := subs[0].(map[string]any)
	checkKeys(t, "sub-job", sub, jobKeys...)
	if sub["status"] != "RUNNING" || sub["job_type"] != ecstest.SubJobTypeMigrate || sub["end_time"] != "" ||
		sub["begin_time"] != start.Add(10*time.Second).UTC().Format("2006-01-02T15:04:05.000Z") ||
		sub["job_id"] == jobID || sub["error_code"] != nil || sub["fail_reason"] != nil {
		t.Errorf("sub-job %v", sub)
	}
	subEnt := sub["entities"].(map[string]any)
	checkKeys(t, "sub-job entities", subEnt, "server_id")

	// SUCCESS: end times set, errors still null.
	srv.Clock().Advance(time.Minute)
	_, _, job = send(t, srv, http.MethodGet, jobPath(srv, jobID), nil)
	end := start.Add(70 * time.Second).UTC().Format("2006-01-02T15:04:05.000Z")
	sub = job["entities"].(map[string]any)["sub_jobs"].([]any)[0].(map[string]any)
	if job["status"] != "SUCCESS" || job["end_time"] != end || job["error_code"] != nil || job["fail_reason"] != nil ||
		sub["status"] != "SUCCESS" || sub["end_time"] != end {
		t.Errorf("SUCCESS job %v", job)
	}

	// The documented public-pool body moves the server back.
	status, _, body = send(t, srv, http.MethodPost, migratePath(srv, serverA), readTestdata(t, "migrate_request_public_pool.json"))
	if status != http.StatusOK {
		t.Fatalf("public pool: %d %v", status, body)
	}
	// A failure asked for once the job exists does not touch it.
	srv.FailNextMigrations(1, "Ecs.0319", "no room")
	srv.Clock().Advance(time.Hour)
	if info := mustState(t, srv, serverA); info.HostID != "" {
		t.Errorf("state %+v", info)
	}
}

func TestWireFailedJob(t *testing.T) {
	srv := ecstest.NewServer()
	defer srv.Close()
	srv.AddServer(ecstest.ServerInfo{ID: serverA, HostID: hostA})
	srv.FailNextMigrations(1, "Ecs.0221", "same host")
	_, _, body := send(t, srv, http.MethodPost, migratePath(srv, serverA), []byte(`{"migrate": null}`))
	srv.Clock().Advance(time.Hour)
	_, _, job := send(t, srv, http.MethodGet, jobPath(srv, body["job_id"].(string)), nil)
	sub := job["entities"].(map[string]any)["sub_jobs"].([]any)[0].(map[string]any)
	if job["status"] != "FAIL" || job["error_code"] != "Ecs.0221" || job["fail_reason"] != "same host" ||
		!wireTime.MatchString(job["end_time"].(string)) {
		t.Errorf("job %v", job)
	}
	checkKeys(t, "failed job", job, "job_id", "job_type", "status", "begin_time", "end_time",
		"error_code", "fail_reason", "code", "message", "entities")
	if job["code"] != ecstest.CodeSubJobFailed || job["message"] != ecstest.SubJobFailedMessage {
		t.Errorf("failed job code %v, message %v", job["code"], job["message"])
	}
	checkKeys(t, "failed sub-job", sub, "job_id", "job_type", "status", "begin_time", "end_time",
		"error_code", "fail_reason", "entities")
	checkKeys(t, "failed sub-job entities", sub["entities"].(map[string]any), "server_id", "errorcode_message")
	if sub["status"] != "FAIL" || sub["error_code"] != "Ecs.0221" || sub["fail_reason"] != "same host" ||
		sub["entities"].(map[string]any)["errorcode_message"] != "same host" {
		t.Errorf("sub-job %v", sub)
	}
}

func TestWireBadBodies(t *testing.T) {
	srv := ecstest.NewServer()
	defer srv.Close()
	srv.AddServer(ecstest.ServerInfo{ID: serverA, HostID: hostA})
	for _, b := range []string{
		`{}`,
		`{"dedicated_host_id": "` + hostB + `"}`,
		`not json`,
		`[]`,
		`null`,
		`{"migrate": "` + hostB + `"}`,
		`{"migrate": {"dedicated_host_id": "` + hostB + `", "host": "x"}}`,
		`{"migrate": {"dedicated_host_id": 5}}`,
	} {
		status, _, body := send(t, srv, http.MethodPost, migratePath(srv, serverA), []byte(b))
		if status != http.StatusBadRequest {
			t.Errorf("%s: status %d", b, status)
			continue
		}
		checkKeys(t, "error body", body, "error")
		e := body["error"].(map[string]any)
		checkKeys(t, "error", e, "code", "message")
		if e["code"] != ecstest.CodeInvalidParameter || e["message"] == "" {
			t.Errorf("%s: error %v", b, e)
		}
	}
	if ids := srv.JobIDs(); len(ids) != 0 {
		t.Errorf("jobs %v", ids)
	}
}

func TestWireErrorShapes(t *testing.T) {
	srv := ecstest.NewServer()
	defer srv.Close()

	// ECS errors: {"error": {"code", "message"}}, real 404 message form.
	status, hdr, body := send(t, srv, http.MethodPost, migratePath(srv, serverB), []byte(`{"migrate": null}`))
	e, _ := body["error"].(map[string]any)
	if status != http.StatusNotFound || e["code"] != "Ecs.0114" || e["message"] != "Instance["+serverB+"] could not be found." || hdr.Get("X-Request-Id") == "" {
		t.Errorf("not found: %d %v", status, body)
	}

	// Project in the path differs from the signed X-Project-Id.
	status, _, body = send(t, srv, http.MethodGet, "/v1/0123456789abcdef0123456789abcdef/jobs/x1", nil)
	if e, _ := body["error"].(map[string]any); status != http.StatusBadRequest || e["code"] != ecstest.CodeProjectMismatch {
		t.Errorf("project mismatch: %d %v", status, body)
	}

	// API gateway errors: {"error_code", "error_msg"}.
	req, _ := http.NewRequest(http.MethodGet, srv.URL()+jobPath(srv, "x1"), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var gw map[string]any
	_ = json.Unmarshal(data, &gw)
	checkKeys(t, "gateway error", gw, "error_code", "error_msg")
	if resp.StatusCode != http.StatusUnauthorized || gw["error_code"] != ecstest.CodeBadSignature {
		t.Errorf("unsigned: %d %s", resp.StatusCode, data)
	}

	srv.Throttle("", 1, 0)
	status, _, body = send(t, srv, http.MethodGet, jobPath(srv, "x1"), nil)
	if status != http.StatusTooManyRequests || body["error_code"] != ecstest.CodeThrottled {
		t.Errorf("throttled: %d %v", status, body)
	}
}
