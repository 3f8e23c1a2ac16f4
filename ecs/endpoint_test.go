package ecs_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/ecs"
	"github.com/cloudmigrate/cloudmigrate/ecs/ecstest"
	"github.com/cloudmigrate/cloudmigrate/internal/huawei/regions"
)

func TestEndpointEveryRegion(t *testing.T) {
	for _, c := range []struct {
		name   string
		f      func(string) (string, error)
		table  *regions.Service
		prefix string
	}{
		{"Endpoint", ecs.Endpoint, regions.ECS, "https://ecs."},
		{"DedicatedHostEndpoint", ecs.DedicatedHostEndpoint, regions.DeH, "https://deh."},
	} {
		if len(c.table.Regions()) == 0 {
			t.Fatalf("%s: empty table", c.name)
		}
		for _, r := range c.table.Regions() {
			got, err := c.f(r)
			want, _ := c.table.Endpoint(r)
			if err != nil || got != want || !strings.HasPrefix(got, c.prefix+r+".") {
				t.Errorf("%s(%q) = %q, %v; want %q", c.name, r, got, err, want)
			}
		}
	}
	// ECS has regions the dedicated host service does not.
	if _, err := ecs.Endpoint("tr-west-1"); err != nil {
		t.Fatal(err)
	}
	_, err := ecs.DedicatedHostEndpoint("tr-west-1")
	var ve *cloudmigrate.ValidationError
	if !errors.As(err, &ve) || ve.Field != "region" || !strings.Contains(ve.Problem, "cn-north-4") {
		t.Fatalf("got %v", err)
	}
}

func TestNewClientForRegion(t *testing.T) {
	srv := ecstest.NewServer()
	defer srv.Close()
	t.Setenv("HUAWEICLOUD_SDK_REGION_ECS_XX_FAKE_1", srv.URL())

	c, err := ecs.NewClientForRegion("xx-fake-1", srv.ProjectID(), srv.Authorizer())
	if err != nil {
		t.Fatal(err)
	}
	if c.Endpoint() != srv.URL() || c.ProjectID() != srv.ProjectID() {
		t.Fatalf("endpoint %q project %q", c.Endpoint(), c.ProjectID())
	}
	// The request reaches the fake, signed for the project: an unknown job
	// is the fake's own 404, not an authentication failure.
	_, err = c.GetJob(context.Background(), "ff80808288d41e1b018a4d2e1f4c0001")
	var apiErr *cloudmigrate.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || !strings.HasPrefix(apiErr.RequestID, "req-") {
		t.Fatalf("GetJob: %v", err)
	}

	c, err = ecs.NewClientForRegion("cn-north-4", srv.ProjectID(), nil)
	if err != nil || c.Endpoint() != "https://ecs.cn-north-4.myhuaweicloud.com" {
		t.Fatalf("%v %v", c, err)
	}
	for _, bad := range []struct{ region, project, field string }{
		{"cn-nowhere-1", srv.ProjectID(), "region"},
		{"", srv.ProjectID(), "region"},
		{"cn-north-4", "", "projectID"},
	} {
		_, err := ecs.NewClientForRegion(bad.region, bad.project, nil)
		var ve *cloudmigrate.ValidationError
		if !errors.As(err, &ve) || ve.Field != bad.field {
			t.Errorf("NewClientForRegion(%q, %q): %v, want a ValidationError for %s", bad.region, bad.project, err, bad.field)
		}
	}
}

func ExampleEndpoint() {
	for _, region := range []string{"cn-north-4", "eu-west-101"} {
		endpoint, err := ecs.Endpoint(region)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(endpoint)
	}
	_, err := ecs.Endpoint("cn-nowhere-1")
	var ve *cloudmigrate.ValidationError
	fmt.Println(errors.As(err, &ve), ve.Field)
	// Output:
	// https://ecs.cn-north-4.myhuaweicloud.com
	// https://ecs.eu-west-101.myhuaweicloud.com
	// true region
}

func ExampleDedicatedHostEndpoint() {
	endpoint, err := ecs.DedicatedHostEndpoint("ap-southeast-3")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(endpoint)
	// Output: https://deh.ap-southeast-3.myhuaweicloud.com
}

func ExampleNewClientForRegion() {
	authz := auth.NewAKSK("HPUAEXAMPLEAKID00001", "example-secret-key")
	c, err := ecs.NewClientForRegion("cn-north-4", "0a1b2c3d4e5f60718293a4b5c6d7e8f9", authz)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Endpoint(), c.ProjectID())
	// Output: https://ecs.cn-north-4.myhuaweicloud.com 0a1b2c3d4e5f60718293a4b5c6d7e8f9
}
