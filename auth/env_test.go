package auth

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
)

func mapLookup(m map[string]string) lookupFunc {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func TestHuaweiFromEnv(t *testing.T) {
	full := map[string]string{
		EnvHuaweiAK:        "HPUAEXAMPLEAKID00001",
		EnvHuaweiSK:        "env-secret-key-value",
		EnvHuaweiProjectID: "0a1b2c3d",
		EnvHuaweiRegion:    "cn-north-4",
	}
	hc, err := huaweiFromEnv(mapLookup(full))
	if err != nil {
		t.Fatal(err)
	}
	if hc.ProjectID != "0a1b2c3d" || hc.Region != "cn-north-4" || hc.AKSK.AccessKey() != "HPUAEXAMPLEAKID00001" {
		t.Fatalf("%v", hc)
	}
	if hc.AKSK.sk.Reveal() != "env-secret-key-value" || hc.AKSK.token.IsSet() {
		t.Fatal("wrong secret or token")
	}
	if !huaweiEnvPresent(mapLookup(full)) {
		t.Fatal("not present")
	}

	withToken := map[string]string{EnvHuaweiSecurityToken: "sts-token-value"}
	for k, v := range full {
		withToken[k] = v
	}
	delete(withToken, EnvHuaweiRegion)
	hc, err = huaweiFromEnv(mapLookup(withToken), WithClock(func() time.Time { return time.Unix(0, 0) }))
	if err != nil || hc.AKSK.token.Reveal() != "sts-token-value" || hc.Region != "" {
		t.Fatalf("%v %v", hc, err)
	}
	if hc.AKSK.now().Unix() != 0 {
		t.Fatal("option not applied")
	}

	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{}, "HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_PROJECT_ID"},
		{map[string]string{EnvHuaweiAK: "a", EnvHuaweiSK: "", EnvHuaweiProjectID: "p"}, "HUAWEICLOUD_SDK_SK"},
		{map[string]string{EnvHuaweiAK: "a", EnvHuaweiSK: "supersecret"}, "HUAWEICLOUD_SDK_PROJECT_ID"},
	} {
		_, err := huaweiFromEnv(mapLookup(c.env))
		var ve *cloudmigrate.ValidationError
		if !errors.As(err, &ve) || ve.Field != c.want {
			t.Errorf("%v: %v, want field %q", c.env, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "supersecret") {
			t.Error("error shows a value")
		}
	}
	if huaweiEnvPresent(mapLookup(map[string]string{EnvHuaweiAK: "a"})) {
		t.Error("present with AK only")
	}
}

func TestKeystoneFromEnvErrors(t *testing.T) {
	const url = "https://keystone.example.com:5000/v3"
	cases := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"no auth url", map[string]string{EnvOSPassword: "pw", EnvOSUserID: "u"}, "OS_AUTH_URL"},
		{"bad auth url", map[string]string{EnvOSAuthURL: "keystone:5000", EnvOSPassword: "pw", EnvOSUserID: "u"}, "OS_AUTH_URL"},
		{"no method", map[string]string{EnvOSAuthURL: url, EnvOSUsername: "u"}, "OS_PASSWORD, OS_APPLICATION_CREDENTIAL_SECRET, OS_TOKEN"},
		{"token and password", map[string]string{EnvOSAuthURL: url, EnvOSToken: "t", EnvOSPassword: "pw", EnvOSUserID: "u"}, "OS_PASSWORD, OS_TOKEN"},
		{"app cred and password", map[string]string{EnvOSAuthURL: url, EnvOSApplicationCredentialID: "a", EnvOSApplicationCredentialSecret: "s", EnvOSPassword: "pw"}, "OS_PASSWORD, OS_APPLICATION_CREDENTIAL_ID, OS_APPLICATION_CREDENTIAL_SECRET"},
		{"app cred and token", map[string]string{EnvOSAuthURL: url, EnvOSApplicationCredentialID: "a", EnvOSToken: "t"}, "OS_APPLICATION_CREDENTIAL_ID, OS_TOKEN"},
		{"password without user", map[string]string{EnvOSAuthURL: url, EnvOSPassword: "pw"}, "OS_USER_ID, OS_USERNAME"},
		{"user name without domain", map[string]string{EnvOSAuthURL: url, EnvOSPassword: "pw", EnvOSUsername: "n"}, "OS_USER_DOMAIN_NAME, OS_USER_DOMAIN_ID"},
		{"project name without domain", map[string]string{EnvOSAuthURL: url, EnvOSPassword: "pw", EnvOSUserID: "u", EnvOSProjectName: "demo"}, "OS_PROJECT_DOMAIN_NAME, OS_PROJECT_DOMAIN_ID"},
		{"app cred without secret", map[string]string{EnvOSAuthURL: url, EnvOSApplicationCredentialID: "a"}, "OS_APPLICATION_CREDENTIAL_SECRET"},
		{"app cred secret only", map[string]string{EnvOSAuthURL: url, EnvOSApplicationCredentialSecret: "s"}, "OS_APPLICATION_CREDENTIAL_ID, OS_APPLICATION_CREDENTIAL_NAME"},
		{"app cred by name without user", map[string]string{EnvOSAuthURL: url, EnvOSApplicationCredentialName: "m", EnvOSApplicationCredentialSecret: "s"}, "OS_USER_ID, OS_USERNAME"},
		{"bad interface", map[string]string{EnvOSAuthURL: url, EnvOSToken: "t", EnvOSInterface: "private"}, "OS_INTERFACE"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := keystoneFromEnv(mapLookup(c.env))
			var ve *cloudmigrate.ValidationError
			if !errors.As(err, &ve) || ve.Field != c.want {
				t.Fatalf("got %v, want field %q", err, c.want)
			}
			for k, v := range c.env {
				if k != EnvOSAuthURL && len(v) > 1 && strings.Contains(err.Error(), v) {
					t.Fatalf("error %q shows the value of %s", err, k)
				}
			}
		})
	}
}

func TestKeystoneFromEnv(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	catalog := []CatalogEntry{{Type: "compute", Endpoints: []CatalogEndpoint{
		{Interface: "internal", RegionID: "RegionOne", Region: "RegionOne", URL: "http://nova.internal/v2.1"},
		{Interface: "public", RegionID: "RegionOne", Region: "RegionOne", URL: "https://nova.example.com/v2.1"},
		{Interface: "public", RegionID: "RegionTwo", Region: "RegionTwo", URL: "https://nova2.example.com/v2.1"},
	}}}
	f := newFakeKeystone(t, tokenBody(now, now.Add(time.Hour), catalog))
	cases := []struct {
		name  string
		env   map[string]string
		body  string
		iface string
		url   string
	}{
		{
			name: "horizon openrc: project ID and name, user name and domain",
			env: map[string]string{
				EnvOSAuthURL: f.URL + "/v3", EnvOSUsername: "alice", EnvOSUserDomainName: "Default", EnvOSPassword: "pw",
				EnvOSProjectID: "p1", EnvOSProjectName: "demo", EnvOSProjectDomainID: "default",
				EnvOSRegionName: "RegionOne", EnvOSInterface: "public",
			},
			body:  `{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"alice","domain":{"name":"Default"},"password":"pw"}}},"scope":{"project":{"id":"p1"}}}}`,
			iface: "public",
			url:   "https://nova.example.com/v2.1",
		},
		{
			name: "project by name, internal interface",
			env: map[string]string{
				EnvOSAuthURL: f.URL, EnvOSUserID: "u1", EnvOSPassword: "pw", EnvOSProjectName: "demo",
				EnvOSProjectDomainName: "Default", EnvOSRegionName: "RegionOne", EnvOSInterface: "internalURL",
			},
			body:  `{"auth":{"identity":{"methods":["password"],"password":{"user":{"id":"u1","password":"pw"}}},"scope":{"project":{"name":"demo","domain":{"name":"Default"}}}}}`,
			iface: "internal",
			url:   "http://nova.internal/v2.1",
		},
		{
			name: "application credential; leftover user name ignored",
			env: map[string]string{
				EnvOSAuthURL: f.URL, EnvOSApplicationCredentialID: "ac1", EnvOSApplicationCredentialSecret: "s",
				EnvOSUsername: "alice", EnvOSRegionName: "RegionTwo",
			},
			body:  `{"auth":{"identity":{"methods":["application_credential"],"application_credential":{"id":"ac1","secret":"s"}}}}`,
			iface: "public",
			url:   "https://nova2.example.com/v2.1",
		},
		{
			name:  "token with domain scope",
			env:   map[string]string{EnvOSAuthURL: f.URL, EnvOSToken: "t0", EnvOSDomainID: "d1", EnvOSRegionName: "RegionOne"},
			body:  `{"auth":{"identity":{"methods":["token"],"token":{"id":"t0"}},"scope":{"domain":{"id":"d1"}}}}`,
			iface: "public",
			url:   "https://nova.example.com/v2.1",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !keystoneEnvPresent(mapLookup(c.env)) {
				t.Fatal("not present")
			}
			ke, err := keystoneFromEnv(mapLookup(c.env), WithClock(func() time.Time { return now }))
			if err != nil {
				t.Fatal(err)
			}
			if ke.Interface != c.iface || ke.Region != c.env[EnvOSRegionName] || ke.AuthURL != c.env[EnvOSAuthURL] {
				t.Fatalf("%v", ke)
			}
			u, err := ke.Endpoint(context.Background(), ServiceTypeCompute)
			if err != nil || u != c.url {
				t.Fatalf("Endpoint = %q, %v; want %q", u, err, c.url)
			}
			if got, want := decodeJSON(t, f.lastBody()), decodeJSON(t, []byte(c.body)); !reflect.DeepEqual(got, want) {
				t.Fatalf("body\n got %s\nwant %s", f.lastBody(), c.body)
			}
		})
	}
	if keystoneEnvPresent(mapLookup(map[string]string{EnvOSAuthURL: "x", EnvOSUsername: "u"})) ||
		keystoneEnvPresent(mapLookup(map[string]string{EnvOSPassword: "x"})) {
		t.Error("present without credentials")
	}
}
