package regions

import (
	"bufio"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
)

var services = map[string]*Service{"ECS": ECS, "CCE": CCE, "MODELARTS": ModelArts, "IAM": IAM, "DEH": DeH}

func noEnv(string) (string, bool) { return "", false }

// official reads testdata/official.txt: service -> region -> endpoint.
func official(t *testing.T) map[string]map[string]string {
	t.Helper()
	f, err := os.Open("testdata/official.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		fields := strings.Fields(sc.Text())
		if len(fields) != 3 {
			t.Fatalf("official.txt:%d: want SERVICE REGION ENDPOINT, got %q", n, sc.Text())
		}
		if out[fields[0]] == nil {
			out[fields[0]] = map[string]string{}
		}
		out[fields[0]][fields[1]] = fields[2]
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestEveryOfficialRegionResolves(t *testing.T) {
	want := official(t)
	if len(want) != len(services) {
		t.Fatalf("official list has services %v; the table %d", want, len(services))
	}
	for name, regions := range want {
		s := services[name]
		if s == nil {
			t.Fatalf("service %s of the official list has no table", name)
		}
		for region, endpoint := range regions {
			got, err := s.endpoint(region, noEnv)
			if err != nil || got != endpoint {
				t.Errorf("%s %s = %q, %v; want %q", name, region, got, err, endpoint)
			}
		}
		// And nothing the official SDK does not list.
		if got := s.Regions(); len(got) != len(regions) {
			t.Errorf("%s: table has %d regions, official list %d", name, len(got), len(regions))
		}
		for _, region := range s.Regions() {
			if _, ok := regions[region]; !ok {
				t.Errorf("%s: table lists %s, the official SDK does not", name, region)
			}
		}
		if !slices.IsSorted(s.Regions()) {
			t.Errorf("%s: Regions not sorted", name)
		}
	}
}

func TestDomainsOtherThanCom(t *testing.T) {
	for _, c := range []struct {
		s      *Service
		region string
		want   string
	}{
		{CCE, "eu-west-101", "https://cce.eu-west-101.myhuaweicloud.eu"},
		{IAM, "eu-west-101", "https://iam.eu-west-101.myhuaweicloud.eu"},
		{ModelArts, "ap-southeast-1", "https://modelarts.ap-southeast-1.myhuaweicloud.cn"},
		{ECS, "eu-west-101", "https://ecs.eu-west-101.myhuaweicloud.com"},
		{ECS, "ap-southeast-1", "https://ecs.ap-southeast-1.myhuaweicloud.com"},
	} {
		if got, err := c.s.endpoint(c.region, noEnv); err != nil || got != c.want {
			t.Errorf("%s %s = %q, %v; want %q", c.s.Name, c.region, got, err, c.want)
		}
	}
}

func TestUnknownRegion(t *testing.T) {
	_, err := DeH.endpoint("ae-ad-1", noEnv) // ECS has it, DeH does not
	var ve *cloudmigrate.ValidationError
	if !errors.As(err, &ve) || ve.Field != "region" {
		t.Fatalf("got %v", err)
	}
	for _, r := range DeH.Regions() {
		if !strings.Contains(ve.Problem, r) {
			t.Errorf("problem %q does not list %s", ve.Problem, r)
		}
	}
	for _, s := range []string{`"ae-ad-1"`, "Dedicated Host", "HUAWEICLOUD_SDK_REGION_DEH_AE_AD_1"} {
		if !strings.Contains(ve.Problem, s) {
			t.Errorf("problem %q lacks %s", ve.Problem, s)
		}
	}
}

func TestMalformedRegion(t *testing.T) {
	for _, r := range []string{"", "CN-NORTH-4", "cn-north-4/", "cn_north_4", "-cn", "cn-", "4cn", "cn north", strings.Repeat("a", 65)} {
		_, err := ECS.endpoint(r, func(string) (string, bool) { return "https://override.example.com", true })
		var ve *cloudmigrate.ValidationError
		if !errors.As(err, &ve) || ve.Field != "region" {
			t.Errorf("%q: got %v", r, err)
		}
	}
}

func TestOverride(t *testing.T) {
	env := map[string]string{
		"HUAWEICLOUD_SDK_REGION_ECS_CN_NORTH_4":      "ecs.internal.example.com:8443, ecs-backup.example.com",
		"HUAWEICLOUD_SDK_REGION_ECS_XX_PRIVATE_1":    "http://10.0.0.5/",
		"HUAWEICLOUD_SDK_REGION_CCE_CN_NORTH_4":      "https://cce.example.com/?x=1",
		"HUAWEICLOUD_SDK_REGION_IAM_CN_NORTH_4":      "   ",
		"HUAWEICLOUD_SDK_REGION_MODELARTS_CN_EAST_3": "ftp://modelarts.example.com",
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	for _, c := range []struct {
		s      *Service
		region string
		want   string
	}{
		{ECS, "cn-north-4", "https://ecs.internal.example.com:8443"},
		{ECS, "xx-private-1", "http://10.0.0.5"},
		{IAM, "cn-north-4", "https://iam.cn-north-4.myhuaweicloud.com"}, // blank: not set
		{CCE, "cn-east-3", "https://cce.cn-east-3.myhuaweicloud.com"},
	} {
		if got, err := c.s.endpoint(c.region, lookup); err != nil || got != c.want {
			t.Errorf("%s %s = %q, %v; want %q", c.s.Name, c.region, got, err, c.want)
		}
	}
	for _, c := range []struct {
		s      *Service
		region string
	}{{CCE, "cn-north-4"}, {ModelArts, "cn-east-3"}} {
		_, err := c.s.endpoint(c.region, lookup)
		var ve *cloudmigrate.ValidationError
		if !errors.As(err, &ve) || ve.Field != c.s.EnvVar(c.region) {
			t.Errorf("%s %s: got %v, want an error naming %s", c.s.Name, c.region, err, c.s.EnvVar(c.region))
		}
	}
}

func TestEndpointReadsTheEnvironment(t *testing.T) {
	t.Setenv("HUAWEICLOUD_SDK_REGION_DEH_CN_NORTH_4", "deh.example.com")
	if got, err := DeH.Endpoint("cn-north-4"); err != nil || got != "https://deh.example.com" {
		t.Fatalf("got %q, %v", got, err)
	}
	if got, err := DeH.Endpoint("cn-north-1"); err != nil || got != "https://deh.cn-north-1.myhuaweicloud.com" {
		t.Fatalf("got %q, %v", got, err)
	}
}
