package modelarts_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/huawei/regions"
	"github.com/cloudmigrate/cloudmigrate/modelarts"
	"github.com/cloudmigrate/cloudmigrate/modelarts/modelartstest"
)

func TestEndpointEveryRegion(t *testing.T) {
	if len(regions.ModelArts.Regions()) == 0 {
		t.Fatal("empty table")
	}
	for _, r := range regions.ModelArts.Regions() {
		got, err := modelarts.Endpoint(r)
		want, _ := regions.ModelArts.Endpoint(r)
		if err != nil || got != want || !strings.HasPrefix(got, "https://modelarts."+r+".myhuaweicloud.") {
			t.Errorf("Endpoint(%q) = %q, %v; want %q", r, got, err, want)
		}
	}
	if got, _ := modelarts.Endpoint("ap-southeast-1"); got != "https://modelarts.ap-southeast-1.myhuaweicloud.cn" {
		t.Errorf("ap-southeast-1: %q", got)
	}
	// ECS and CCE serve ru-moscow-1; the official list has no ModelArts there.
	_, err := modelarts.Endpoint("ru-moscow-1")
	var ve *cloudmigrate.ValidationError
	if !errors.As(err, &ve) || ve.Field != "region" || !strings.Contains(ve.Problem, "cn-north-4") {
		t.Fatalf("got %v", err)
	}
}

func TestNewClientForRegion(t *testing.T) {
	srv := modelartstest.NewServer()
	defer srv.Close()
	t.Setenv("HUAWEICLOUD_SDK_REGION_MODELARTS_XX_FAKE_1", srv.URL())

	c, err := modelarts.NewClientForRegion("xx-fake-1", srv.ProjectID(), srv.Authorizer())
	if err != nil {
		t.Fatal(err)
	}
	if c.Endpoint() != srv.URL() || c.ProjectID() != srv.ProjectID() {
		t.Fatalf("endpoint %q project %q", c.Endpoint(), c.ProjectID())
	}
	// The request reaches the fake, signed for the project: an unknown pool
	// is the fake's own "not found", not an authentication failure.
	_, err = c.GetJob(context.Background(), "pool-nowhere", "job-nowhere")
	if !cloudmigrate.IsNotFound(err) {
		t.Fatalf("GetJob: %v", err)
	}
	for _, bad := range []struct{ region, project, field string }{
		{"ru-moscow-1", srv.ProjectID(), "region"},
		{"", srv.ProjectID(), "region"},
		{"cn-north-4", "", "projectID"},
	} {
		_, err := modelarts.NewClientForRegion(bad.region, bad.project, nil)
		var ve *cloudmigrate.ValidationError
		if !errors.As(err, &ve) || ve.Field != bad.field {
			t.Errorf("NewClientForRegion(%q, %q): %v, want a ValidationError for %s", bad.region, bad.project, err, bad.field)
		}
	}
}

func ExampleEndpoint() {
	for _, region := range []string{"cn-north-4", "ap-southeast-1"} {
		endpoint, err := modelarts.Endpoint(region)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(endpoint)
	}
	// Output:
	// https://modelarts.cn-north-4.myhuaweicloud.com
	// https://modelarts.ap-southeast-1.myhuaweicloud.cn
}

func ExampleNewClientForRegion() {
	authz := auth.NewAKSK("HPUAEXAMPLEAKID00001", "example-secret-key")
	c, err := modelarts.NewClientForRegion("cn-east-3", "0a1b2c3d4e5f60718293a4b5c6d7e8f9", authz)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Endpoint())
	// Output: https://modelarts.cn-east-3.myhuaweicloud.com
}
