package huawei

import (
	"errors"
	"strings"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/internal/rest"
)

// The project ID goes into every path and into X-Project-Id, so
// NewPipeline holds it to the path-ID rule.
func TestNewPipelineChecksProjectID(t *testing.T) {
	for _, ok := range []string{"0a1b2c3d4e5f60718293a4b5c6d7e8f9", "pool-9d3f_A.1", strings.Repeat("f", rest.MaxIDLen)} {
		if _, err := NewPipeline("https://ecs.example.com", ok, nil, nil); err != nil {
			t.Errorf("NewPipeline(project %q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", " ", "a/b", "..", "p id", "p\r\nX-Evil: 1", "p%2F", "p?q", "\xff", strings.Repeat("j", rest.MaxIDLen+1)} {
		_, err := NewPipeline("https://ecs.example.com", bad, nil, nil)
		var ve *cloudmigrate.ValidationError
		if !errors.As(err, &ve) || ve.Field != "projectID" {
			t.Errorf("NewPipeline(project %q) = %v, want a ValidationError for projectID", bad, err)
		}
	}
}

func TestNewPipeline(t *testing.T) {
	if _, err := NewPipeline("https://ecs.example.com", "", nil, nil); err == nil {
		t.Error("empty project accepted")
	}
	if _, err := NewPipeline("not a url", "p1", nil, nil); err == nil {
		t.Error("bad endpoint accepted")
	}
	rc, err := NewPipeline("https://ecs.example.com/", "p1", nil, nil)
	if err != nil || rc.Endpoint() != "https://ecs.example.com" {
		t.Fatalf("%v %v", rc, err)
	}
}
