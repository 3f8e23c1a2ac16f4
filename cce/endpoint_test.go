package cce_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/cce"
	"github.com/cloudmigrate/cloudmigrate/cce/ccetest"
	"github.com/cloudmigrate/cloudmigrate/internal/huawei/regions"
)

func TestEndpointEveryRegion(t *testing.T) {
	if len(regions.CCE.Regions()) == 0 {
		t.Fatal("empty table")
	}
	for _, r := range regions.CCE.Regions() {
		got, err := cce.Endpoint(r)
		want, _ := regions.CCE.Endpoint(r)
		if err != nil || got != want || !strings.HasPrefix(got, "https://cce."+r+".myhuaweicloud.") {
			t.Errorf("Endpoint(%q) = %q, %v; want %q", r, got, err, want)
		}
	}
	if got, _ := cce.Endpoint("eu-west-101"); got != "https://cce.eu-west-101.myhuaweicloud.eu" {
		t.Errorf("eu-west-101: %q", got)
	}
	_, err := cce.Endpoint("cn-nowhere-1")
	var ve *cloudmigrate.ValidationError
	if !errors.As(err, &ve) || ve.Field != "region" || !strings.Contains(ve.Problem, "ru-northwest-2") {
		t.Fatalf("got %v", err)
	}
}

func TestNewClientForRegion(t *testing.T) {
	srv := ccetest.NewServer()
	defer srv.Close()
	t.Setenv("HUAWEICLOUD_SDK_REGION_CCE_XX_FAKE_1", srv.URL())

	c, err := cce.NewClientForRegion("xx-fake-1", srv.ProjectID(), srv.Authorizer())
	if err != nil {
		t.Fatal(err)
	}
	if c.Endpoint() != srv.URL() || c.ProjectID() != srv.ProjectID() {
		t.Fatalf("endpoint %q project %q", c.Endpoint(), c.ProjectID())
	}
	// The request reaches the fake, signed for the project: an unknown job
	// is the fake's own 404, not an authentication failure.
	_, err = c.GetJob(context.Background(), "6f4a1c2e-0000-4000-8000-000000000001")
	if !cloudmigrate.IsNotFound(err) {
		t.Fatalf("GetJob: %v", err)
	}
	for _, bad := range []struct{ region, project, field string }{
		{"cn-nowhere-1", srv.ProjectID(), "region"},
		{"CN-NORTH-4", srv.ProjectID(), "region"},
		{"cn-north-4", "", "projectID"},
	} {
		_, err := cce.NewClientForRegion(bad.region, bad.project, nil)
		var ve *cloudmigrate.ValidationError
		if !errors.As(err, &ve) || ve.Field != bad.field {
			t.Errorf("NewClientForRegion(%q, %q): %v, want a ValidationError for %s", bad.region, bad.project, err, bad.field)
		}
	}
}

func ExampleEndpoint() {
	for _, region := range []string{"cn-north-4", "eu-west-101"} {
		endpoint, err := cce.Endpoint(region)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(endpoint)
	}
	// Output:
	// https://cce.cn-north-4.myhuaweicloud.com
	// https://cce.eu-west-101.myhuaweicloud.eu
}

func ExampleNewClientForRegion() {
	authz := auth.NewAKSK("HPUAEXAMPLEAKID00001", "example-secret-key")
	c, err := cce.NewClientForRegion("ap-southeast-3", "0a1b2c3d4e5f60718293a4b5c6d7e8f9", authz)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Endpoint())
	// Output: https://cce.ap-southeast-3.myhuaweicloud.com
}
