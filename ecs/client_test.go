package ecs

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/jarcoal/httpmock"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
)

func TestNewClientValidation(t *testing.T) {
	cases := []struct {
		name      string
		endpoint  string
		projectID string
		field     string
	}{
		{"empty endpoint", "", testProject, "endpoint"},
		{"relative endpoint", "ecs.cn-north-4.myhuaweicloud.com", testProject, "endpoint"},
		{"ftp endpoint", "ftp://ecs.example.com", testProject, "endpoint"},
		{"endpoint with query", testEndpoint + "?x=1", testProject, "endpoint"},
		{"endpoint with user", "https://user:pw@ecs.example.com", testProject, "endpoint"},
		{"empty project", testEndpoint, "", "projectID"},
		{"project with slash", testEndpoint, "abc/def", "projectID"},
		{"project dot-dot", testEndpoint, "..", "projectID"},
		{"project with space", testEndpoint, "abc def", "projectID"},
		{"project too long", testEndpoint, strings.Repeat("a", maxIDLen+1), "projectID"},
		{"project not UTF-8", testEndpoint, "proj\xe9t", "projectID"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mt := httpmock.NewMockTransport()
			c, err := NewClient(tc.endpoint, tc.projectID, auth.StaticToken("t"),
				cloudmigrate.WithHTTPClient(&http.Client{Transport: mt}))
			var ve *cloudmigrate.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v (%T), want *cloudmigrate.ValidationError", err, err)
			}
			if ve.Field != tc.field {
				t.Errorf("Field = %q, want %q", ve.Field, tc.field)
			}
			if c != nil {
				t.Errorf("client = %v, want nil", c)
			}
			if n := mt.GetTotalCallCount(); n != 0 {
				t.Errorf("%d requests sent, want 0", n)
			}
		})
	}
}

func TestNewClientBadOption(t *testing.T) {
	_, err := NewClient(testEndpoint, testProject, nil, cloudmigrate.WithRetry(-1))
	if err == nil {
		t.Fatal("NewClient accepted WithRetry(-1)")
	}
}

func TestNewClientAccessors(t *testing.T) {
	c, err := NewClient(testEndpoint+"/", testProject, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.ProjectID() != testProject {
		t.Errorf("ProjectID = %q", c.ProjectID())
	}
	if c.Endpoint() != testEndpoint {
		t.Errorf("Endpoint = %q, want %q", c.Endpoint(), testEndpoint)
	}
}

func TestCheckIDAccepts(t *testing.T) {
	for _, v := range []string{testProject, testServer, testJob, "srv_1", "A-Z", strings.Repeat("f", maxIDLen)} {
		if err := checkID("id", v); err != nil {
			t.Errorf("checkID(%q) = %v", v, err)
		}
	}
}

// Every request carries X-Project-Id and the authorizer's credentials.
func TestProjectHeaderOnEveryRequest(t *testing.T) {
	c, mt := newMockClient(t)
	check := func(req *http.Request) {
		if got := req.Header.Get("X-Project-Id"); got != testProject {
			t.Errorf("%s %s: X-Project-Id = %q, want %q", req.Method, req.URL.Path, got, testProject)
		}
		if got := req.Header.Get("X-Auth-Token"); got != "test-token" {
			t.Errorf("%s %s: X-Auth-Token = %q", req.Method, req.URL.Path, got)
		}
	}
	mt.RegisterResponder(http.MethodPost, migrateURL, jsonResponder(200, testdata(t, "migrate_response.json"), "", check))
	mt.RegisterResponder(http.MethodGet, jobURL, jsonResponder(200, testdata(t, "job_success.json"), "", check))
	mt.RegisterResponder(http.MethodGet, serverURL, jsonResponder(200, testdata(t, "server_on_deh.json"), "", check))
	mt.RegisterResponder(http.MethodGet, detailURL, jsonResponder(200, testdata(t, "servers_detail_official_example.json"), "", check))
	mt.RegisterResponder(http.MethodPost, actionURL, jsonResponder(200, testdata(t, "stop_response_official_example.json"), "", check))
	ctx := context.Background()
	if _, err := c.ColdMigrate(ctx, testServer, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetJob(ctx, testJob); err != nil {
		t.Fatal(err)
	}
	for _, err := range c.ListServers(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.StopServers(ctx, []string{testServer}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.StartServers(ctx, []string{testServer}); err != nil {
		t.Fatal(err)
	}
	if n := mt.GetTotalCallCount(); n != 6 {
		t.Errorf("%d requests, want 6", n)
	}
}

// A user-supplied X-Project-Id option cannot redirect the client to
// another project: the client's own value wins.
func TestProjectHeaderNotOverridden(t *testing.T) {
	c, mt := newMockClient(t, cloudmigrate.WithHeader("X-Project-Id", "other"))
	var got []string
	mt.RegisterResponder(http.MethodGet, jobURL, jsonResponder(200, testdata(t, "job_success.json"), "", func(r *http.Request) {
		got = r.Header.Values("X-Project-Id")
	}))
	if _, err := c.GetJob(context.Background(), testJob); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != testProject {
		t.Errorf("X-Project-Id = %q, want [%q]", got, testProject)
	}
}

func TestConcurrentUse(t *testing.T) {
	c, mt := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, jobURL, jsonResponder(200, testdata(t, "job_running.json"), "", nil))
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j, err := c.GetJob(context.Background(), testJob)
			if err != nil || j.Status != JobRunning {
				t.Errorf("GetJob = %+v, %v", j, err)
			}
		}()
	}
	wg.Wait()
	if n := mt.GetTotalCallCount(); n != 8 {
		t.Errorf("%d requests, want 8", n)
	}
}
