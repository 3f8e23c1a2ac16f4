package modelarts_test

import (
	"strings"
	"testing"

	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/modelarts"
)

func TestNewClient(t *testing.T) {
	c, err := modelarts.NewClient(testEndpoint+"/", testProject, auth.StaticToken("x"))
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

func TestNewClientRejects(t *testing.T) {
	for _, tc := range []struct {
		name, endpoint, project, field string
	}{
		{"empty project", testEndpoint, "", "projectID"},
		{"slash in project", testEndpoint, "abc/def", "projectID"},
		{"dot project", testEndpoint, "..", "projectID"},
		{"long project", testEndpoint, strings.Repeat("a", 256), "projectID"},
		{"relative endpoint", "modelarts.example.test", testProject, "endpoint"},
		{"endpoint with query", testEndpoint + "?x=1", testProject, "endpoint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := modelarts.NewClient(tc.endpoint, tc.project, auth.StaticToken("x"))
			if c != nil {
				t.Error("got a client")
			}
			wantValidation(t, err, tc.field)
		})
	}
}
