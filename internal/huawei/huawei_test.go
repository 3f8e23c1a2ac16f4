package huawei

import (
	"errors"
	"strings"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
)

func TestCheckID(t *testing.T) {
	for _, ok := range []string{"0a1b2c3d4e5f60718293a4b5c6d7e8f9", "pool-9d3f_A", strings.Repeat("f", MaxIDLen)} {
		if err := CheckID("id", ok); err != nil {
			t.Errorf("CheckID(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "a/b", "..", "job id", "é", strings.Repeat("j", MaxIDLen+1)} {
		err := CheckID("jobID", bad)
		var ve *cloudmigrate.ValidationError
		if !errors.As(err, &ve) || ve.Field != "jobID" {
			t.Errorf("CheckID(%q) = %v", bad, err)
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
