package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
)

// osVars are the variables a test of the OpenStack configuration clears
// first, so that the machine's own settings cannot leak in.
var osVars = []string{
	EnvOSCloud, EnvOSClientConfigFile, EnvOSClientSecureFile, EnvOSAuthURL, EnvOSUsername, EnvOSUserID,
	envOSUserIDCompact, EnvOSPassword, EnvOSUserDomainName, EnvOSUserDomainID, EnvOSProjectName, EnvOSProjectID,
	EnvOSTenantID, EnvOSTenantName, EnvOSProjectDomainName, EnvOSProjectDomainID, EnvOSDomainName, EnvOSDomainID,
	EnvOSDefaultDomain, EnvOSRegionName, EnvOSInterface, EnvOSApplicationCredentialID,
	EnvOSApplicationCredentialName, EnvOSApplicationCredentialSecret, EnvOSToken, EnvOSCACert, EnvOSCert,
	EnvOSKey, EnvOSInsecure, envOSPasscode, envOSSystemScope, envOSTrustID,
}

// place is a test's file system: a working directory, a home, an
// XDG_CONFIG_HOME and a system directory, all empty temporary directories.
type place struct {
	wd, home, xdg, system string
}

// isolate points the working directory, HOME, XDG_CONFIG_HOME and the
// system configuration directory at empty temporary directories and
// clears the OS_* variables, for the rest of the test.
func isolate(t *testing.T) place {
	t.Helper()
	root := t.TempDir()
	p := place{
		wd:     filepath.Join(root, "wd"),
		home:   filepath.Join(root, "home"),
		xdg:    filepath.Join(root, "xdg"),
		system: filepath.Join(root, "etc-openstack"),
	}
	for _, d := range []string{p.wd, p.home, p.xdg} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range osVars {
		t.Setenv(v, "")
	}
	t.Setenv(envHome, p.home)
	t.Setenv(envXDGConfigHome, "")
	chdir(t, p.wd)
	old := systemConfigDir
	systemConfigDir = p.system
	t.Cleanup(func() { systemConfigDir = old })
	return p
}

// chdir changes the working directory for the rest of the test.
func chdir(t *testing.T, dir string) {
	t.Helper()
	old, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.Chdir(old); err != nil {
			t.Fatal(err)
		}
	})
}

// writeFile writes body to dir/name, creating dir, and returns the path.
func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// regionCloud is a clouds.yaml whose cloud "c" says where it was read
// through its region.
func regionCloud(where string) string {
	return `clouds:
  c:
    region_name: ` + where + `
    auth:
      auth_url: https://keystone.example.com/v3
      user_id: u1
      password: pw
`
}

func TestCloudsSearchOrder(t *testing.T) {
	if runtime.GOOS != "windows" && systemConfigDir != "/etc/openstack" {
		t.Fatalf("system directory %q", systemConfigDir)
	}
	p := isolate(t)
	t.Setenv(EnvOSCloud, "c")
	where := func() string {
		t.Helper()
		ke, err := KeystoneFromEnv()
		if err != nil {
			t.Fatal(err)
		}
		if ke.Cloud != "c" {
			t.Fatalf("Cloud = %q", ke.Cloud)
		}
		return ke.Region
	}

	// Nothing anywhere: the error names OS_CLOUD and every place searched.
	_, err := KeystoneFromEnv()
	var ve *cloudmigrate.ValidationError
	if !errors.As(err, &ve) || ve.Field != EnvOSCloud {
		t.Fatalf("no file: %v", err)
	}
	for _, d := range []string{p.wd, filepath.Join(p.home, ".config", "openstack"), p.system, EnvOSClientConfigFile} {
		if !strings.Contains(ve.Problem, d) {
			t.Errorf("problem %q does not name %s", ve.Problem, d)
		}
	}

	// Each place found, then shadowed by the one before it in the order.
	writeFile(t, p.system, "clouds.yaml", regionCloud("system"))
	if got := where(); got != "system" {
		t.Fatalf("/etc/openstack: %s", got)
	}
	writeFile(t, filepath.Join(p.home, ".config", "openstack"), "clouds.yml", regionCloud("home-yml"))
	if got := where(); got != "home-yml" {
		t.Fatalf("~/.config/openstack/clouds.yml: %s", got)
	}
	writeFile(t, filepath.Join(p.home, ".config", "openstack"), "clouds.yaml", regionCloud("home"))
	if got := where(); got != "home" {
		t.Fatalf("~/.config/openstack: %s", got)
	}
	t.Setenv(envXDGConfigHome, p.xdg)
	if got := where(); got != "home" {
		t.Fatalf("empty XDG_CONFIG_HOME/openstack: %s", got)
	}
	writeFile(t, filepath.Join(p.xdg, "openstack"), "clouds.yaml", regionCloud("xdg"))
	if got := where(); got != "xdg" {
		t.Fatalf("XDG_CONFIG_HOME/openstack: %s", got)
	}
	writeFile(t, p.wd, "clouds.yaml", regionCloud("wd"))
	if got := where(); got != "wd" {
		t.Fatalf("working directory: %s", got)
	}
	other := writeFile(t, filepath.Join(p.home, "elsewhere"), "my-clouds.yaml", regionCloud("override"))
	t.Setenv(EnvOSClientConfigFile, other)
	if got := where(); got != "override" {
		t.Fatalf("OS_CLIENT_CONFIG_FILE: %s", got)
	}

	t.Setenv(EnvOSClientConfigFile, filepath.Join(p.home, "missing.yaml"))
	if _, err := KeystoneFromEnv(); !errors.As(err, &ve) || ve.Field != EnvOSClientConfigFile || !strings.Contains(ve.Problem, "missing.yaml") {
		t.Fatalf("missing OS_CLIENT_CONFIG_FILE: %v", err)
	}
}

// passwordless is a clouds.yaml whose cloud "c" needs a password from
// secure.yaml.
const passwordless = `clouds:
  c:
    auth:
      auth_url: https://keystone.example.com/v3
      username: alice
      user_domain_name: Default
      project_name: demo
      project_domain_name: Default
    region_name: RegionOne
`

func secureCloud(password string) string {
	return "clouds:\n  c:\n    auth:\n      password: " + password + "\n"
}

func TestSecureSearch(t *testing.T) {
	p := isolate(t)
	t.Setenv(EnvOSCloud, "c")
	password := func() string {
		t.Helper()
		ke, err := KeystoneFromEnv()
		if err != nil {
			t.Fatal(err)
		}
		return ke.Credentials.Password.Reveal()
	}
	clouds := writeFile(t, filepath.Join(p.home, "conf"), "clouds.yaml", passwordless)
	t.Setenv(EnvOSClientConfigFile, clouds)
	if _, err := KeystoneFromEnv(); err == nil || !strings.Contains(err.Error(), "auth.password") {
		t.Fatalf("no secure.yaml: %v", err)
	}

	// Found in the standard places, then beside clouds.yaml first, then
	// where OS_CLIENT_SECURE_FILE says.
	writeFile(t, p.system, "secure.yaml", secureCloud("from-system"))
	if got := password(); got != "from-system" {
		t.Fatalf("got %q", got)
	}
	writeFile(t, p.wd, "secure.yml", secureCloud("from-wd"))
	if got := password(); got != "from-wd" {
		t.Fatalf("got %q", got)
	}
	writeFile(t, filepath.Dir(clouds), "secure.yaml", secureCloud("beside"))
	if got := password(); got != "beside" {
		t.Fatalf("got %q", got)
	}
	t.Setenv(EnvOSClientSecureFile, writeFile(t, p.home, "s.yaml", secureCloud("override")))
	if got := password(); got != "override" {
		t.Fatalf("got %q", got)
	}
	t.Setenv(EnvOSClientSecureFile, filepath.Join(p.home, "nope.yaml"))
	var ve *cloudmigrate.ValidationError
	if _, err := KeystoneFromEnv(); !errors.As(err, &ve) || ve.Field != EnvOSClientSecureFile {
		t.Fatalf("missing OS_CLIENT_SECURE_FILE: %v", err)
	}
}

func TestSecureMergesKeyByKey(t *testing.T) {
	p := isolate(t)
	writeFile(t, p.wd, "clouds.yaml", `clouds:
  c:
    region_name: RegionOne
    interface: internal
    auth:
      auth_url: https://keystone.example.com/v3
      username: alice
      user_domain_name: Default
      project_name: demo
      project_domain_name: Default
  other:
    auth:
      auth_url: https://other.example.com/v3
`)
	writeFile(t, p.wd, "secure.yaml", `clouds:
  c:
    region_name: RegionTwo
    auth:
      password: from-secure
      project_name: prod
  only-secure:
    auth:
      auth_url: https://secret.example.com/v3
      token: t0
`)
	ke, err := keystoneFromEnv(mapLookup(map[string]string{EnvOSCloud: "c", envHome: p.home}))
	if err != nil {
		t.Fatal(err)
	}
	want := KeystoneCredentials{Username: "alice", UserDomainName: "Default", Password: NewSecret("from-secure"),
		ProjectName: "prod", ProjectDomainName: "Default"}
	if !credsEqual(ke.Credentials, want) || ke.Region != "RegionTwo" || ke.Interface != "internal" ||
		ke.AuthURL != "https://keystone.example.com/v3" {
		t.Fatalf("%+v", ke)
	}
	// A cloud secure.yaml alone defines works too.
	ke, err = keystoneFromEnv(mapLookup(map[string]string{EnvOSCloud: "only-secure", envHome: p.home}))
	if err != nil || ke.Credentials.Token.Reveal() != "t0" {
		t.Fatalf("%v %v", ke, err)
	}
}

// credsEqual compares credentials, secrets included.
func credsEqual(a, b KeystoneCredentials) bool {
	if !a.Password.Equal(b.Password) || !a.Token.Equal(b.Token) || !a.ApplicationCredentialSecret.Equal(b.ApplicationCredentialSecret) {
		return false
	}
	a.Password, a.Token, a.ApplicationCredentialSecret = Secret{}, Secret{}, Secret{}
	b.Password, b.Token, b.ApplicationCredentialSecret = Secret{}, Secret{}, Secret{}
	return reflect.DeepEqual(a, b)
}

func TestCloudsKeys(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	catalog := []CatalogEntry{{Type: "compute", Endpoints: []CatalogEndpoint{
		{Interface: "internal", RegionID: "RegionOne", URL: "http://nova.internal/v2.1"},
		{Interface: "public", RegionID: "RegionOne", URL: "https://nova.example.com/v2.1"},
		{Interface: "public", RegionID: "RegionTwo", URL: "https://nova2.example.com/v2.1"},
	}}}
	f := newFakeKeystone(t, tokenBody(now, now.Add(time.Hour), catalog))
	cases := []struct {
		name string
		yaml string // the cloud's settings, indented under "c:"
		env  map[string]string
		body string // the token request
		url  string // the compute endpoint found
		mv   [2]string
	}{
		{
			name: "auth_type password, user and project by name, with their domains",
			yaml: `
    auth_type: password
    region_name: RegionOne
    interface: internal
    identity_api_version: 3
    auth:
      auth_url: {{URL}}
      username: alice
      user_domain_name: Users
      password: pw
      project_name: demo
      project_domain_id: projects-domain`,
			body: `{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"alice","domain":{"name":"Users"},"password":"pw"}}},"scope":{"project":{"name":"demo","domain":{"id":"projects-domain"}}}}}`,
			url:  "http://nova.internal/v2.1",
		},
		{
			name: "auth_type v3password, user and project by ID",
			yaml: `
    auth_type: v3password
    region_name: RegionTwo
    auth:
      auth_url: {{URL}}/v3
      user_id: u1
      user_domain_id: ignored-with-an-id
      password: pw
      project_id: p1`,
			body: `{"auth":{"identity":{"methods":["password"],"password":{"user":{"id":"u1","password":"pw"}}},"scope":{"project":{"id":"p1"}}}}`,
			url:  "https://nova2.example.com/v2.1",
		},
		{
			name: "domain_name next to project_id is the user's domain",
			yaml: `
    region_name: RegionOne
    auth:
      auth_url: {{URL}}
      username: alice
      password: pw
      project_id: p1
      domain_name: Acme`,
			body: `{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"alice","domain":{"name":"Acme"},"password":"pw"}}},"scope":{"project":{"id":"p1"}}}}`,
			url:  "https://nova.example.com/v2.1",
		},
		{
			name: "domain_id for user and project name; domain_id alone is no scope then",
			yaml: `
    region_name: RegionOne
    auth:
      auth_url: {{URL}}
      username: alice
      password: pw
      project_name: demo
      domain_id: d1`,
			body: `{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"alice","domain":{"id":"d1"},"password":"pw"}}},"scope":{"project":{"name":"demo","domain":{"id":"d1"}}}}}`,
			url:  "https://nova.example.com/v2.1",
		},
		{
			name: "domain scope",
			yaml: `
    region_name: RegionOne
    auth:
      auth_url: {{URL}}
      user_id: u1
      password: pw
      domain_name: Acme`,
			body: `{"auth":{"identity":{"methods":["password"],"password":{"user":{"id":"u1","password":"pw"}}},"scope":{"domain":{"name":"Acme"}}}}`,
			url:  "https://nova.example.com/v2.1",
		},
		{
			name: "default_domain for user and project; the project's own domain wins",
			yaml: `
    region_name: RegionOne
    auth:
      auth_url: {{URL}}
      username: alice
      password: pw
      project_name: demo
      default_domain: default`,
			body: `{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"alice","domain":{"id":"default"},"password":"pw"}}},"scope":{"project":{"name":"demo","domain":{"id":"default"}}}}}`,
			url:  "https://nova.example.com/v2.1",
		},
		{
			name: "default_domain_name, project_domain_name",
			yaml: `
    region_name: RegionOne
    auth:
      auth_url: {{URL}}
      username: alice
      password: pw
      project_name: demo
      project_domain_name: Projects
      default_domain_name: Default`,
			body: `{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"alice","domain":{"name":"Default"},"password":"pw"}}},"scope":{"project":{"name":"demo","domain":{"name":"Projects"}}}}}`,
			url:  "https://nova.example.com/v2.1",
		},
		{
			name: "application credential by ID; project settings are not sent with it",
			yaml: `
    auth_type: v3applicationcredential
    region_name: RegionTwo
    auth:
      auth_url: {{URL}}
      application_credential_id: ac1
      application_credential_secret: s3cret
      project_name: leftover
      username: leftover`,
			body: `{"auth":{"identity":{"methods":["application_credential"],"application_credential":{"id":"ac1","secret":"s3cret"}}}}`,
			url:  "https://nova2.example.com/v2.1",
		},
		{
			name: "application credential by name, found without auth_type",
			yaml: `
    region_name: RegionOne
    auth:
      auth_url: {{URL}}
      application_credential_name: ci
      application_credential_secret: s3cret
      username: alice
      user_domain_id: default`,
			body: `{"auth":{"identity":{"methods":["application_credential"],"application_credential":{"name":"ci","secret":"s3cret","user":{"name":"alice","domain":{"id":"default"}}}}}}`,
			url:  "https://nova.example.com/v2.1",
		},
		{
			name: "auth_type token with a project; the other method's keys are ignored",
			yaml: `
    auth_type: token
    region_name: RegionOne
    auth:
      auth_url: {{URL}}
      token: t0
      password: unused
      project_id: p1`,
			body: `{"auth":{"identity":{"methods":["token"],"token":{"id":"t0"}},"scope":{"project":{"id":"p1"}}}}`,
			url:  "https://nova.example.com/v2.1",
		},
		{
			name: "auth_type v3token, older spellings and placements",
			yaml: `
    auth_type: v3token
    region_name: RegionOne
    endpoint_type: internalURL
    tenant_name: demo
    auth:
      auth_url: {{URL}}
      auth-token: t0
      project-domain-name: Default`,
			body: `{"auth":{"identity":{"methods":["token"],"token":{"id":"t0"}},"scope":{"project":{"name":"demo","domain":{"name":"Default"}}}}}`,
			url:  "http://nova.internal/v2.1",
		},
		{
			name: "microversions: a float that YAML would shorten stays as written",
			yaml: `
    region_name: RegionOne
    compute_api_version: 2.10
    shared_file_system_api_version: "2.57"
    auth:
      auth_url: {{URL}}
      token: t0`,
			body: `{"auth":{"identity":{"methods":["token"],"token":{"id":"t0"}}}}`,
			url:  "https://nova.example.com/v2.1",
			mv:   [2]string{"2.10", "2.57"},
		},
		{
			name: "microversions: default_microversion keys; a major version alone negotiates",
			yaml: `
    region_name: RegionOne
    compute_api_version: 2
    compute_default_microversion: 2.79
    shared_file_system_api_version: 2.latest
    auth:
      auth_url: {{URL}}
      token: t0`,
			body: `{"auth":{"identity":{"methods":["token"],"token":{"id":"t0"}}}}`,
			url:  "https://nova.example.com/v2.1",
			mv:   [2]string{"2.79", ""},
		},
		{
			name: "OS_REGION_NAME and OS_INTERFACE override; other OS_* variables are ignored",
			yaml: `
    region_name: RegionTwo
    auth:
      auth_url: {{URL}}
      token: t0`,
			env:  map[string]string{EnvOSRegionName: "RegionOne", EnvOSInterface: "internal", EnvOSPassword: "ignored", EnvOSAuthURL: "https://ignored.example.com"},
			body: `{"auth":{"identity":{"methods":["token"],"token":{"id":"t0"}}}}`,
			url:  "http://nova.internal/v2.1",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := isolate(t)
			writeFile(t, p.wd, "clouds.yaml", "clouds:\n  c:"+strings.ReplaceAll(c.yaml, "{{URL}}", f.URL)+"\n")
			env := map[string]string{EnvOSCloud: "c", envHome: p.home}
			for k, v := range c.env {
				env[k] = v
			}
			if !keystoneEnvPresent(mapLookup(env)) {
				t.Fatal("not present")
			}
			ke, err := keystoneFromEnv(mapLookup(env), WithClock(func() time.Time { return now }))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(ke.AuthURL, f.URL) || ke.Cloud != "c" {
				t.Fatalf("%+v", ke)
			}
			if ke.ComputeMicroversion != c.mv[0] || ke.ShareMicroversion != c.mv[1] {
				t.Fatalf("microversions %q %q, want %q", ke.ComputeMicroversion, ke.ShareMicroversion, c.mv)
			}
			if ke.TLSConfig != nil || ke.HTTPClient != nil {
				t.Fatal("TLS settings without any being set")
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
}

func TestKeystoneFromCloud(t *testing.T) {
	p := isolate(t)
	writeFile(t, p.wd, "clouds.yaml", regionCloud("flag"))
	ke, err := KeystoneFromCloud("c")
	if err != nil || ke.Region != "flag" || ke.Cloud != "c" {
		t.Fatalf("%v %v", ke, err)
	}
	var ve *cloudmigrate.ValidationError
	if _, err := KeystoneFromCloud(""); !errors.As(err, &ve) || ve.Field != "name" {
		t.Fatalf("empty name: %v", err)
	}
	if !keystoneEnvPresent(mapLookup(map[string]string{EnvOSCloud: "c"})) {
		t.Fatal("OS_CLOUD alone is not present")
	}
}

// cloudErr checks that err is a *CloudConfigError for file, cloud "c" and
// keys, that its ValidationError names the same keys, and that it shows
// none of the secrets.
func cloudErr(t *testing.T, err error, file string, line int, keys ...string) *CloudConfigError {
	t.Helper()
	var ce *CloudConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("got %v (%T), want a *CloudConfigError", err, err)
	}
	if ce.File != file || ce.Cloud != "c" || !reflect.DeepEqual(ce.Keys, keys) || (line >= 0 && ce.Line != line) {
		t.Fatalf("got file %s line %d cloud %q keys %q, want %s %d c %q: %v", ce.File, ce.Line, ce.Cloud, ce.Keys, file, line, keys, err)
	}
	var ve *cloudmigrate.ValidationError
	if !errors.As(err, &ve) || ve.Field != strings.Join(keys, ", ") {
		t.Fatalf("ValidationError %v", ve)
	}
	msg := err.Error()
	if !strings.Contains(msg, `cloud "c"`) || !strings.Contains(msg, filepath.Base(file)) {
		t.Errorf("%q does not name the file and cloud", msg)
	}
	for _, k := range keys {
		if !strings.Contains(msg, k) {
			t.Errorf("%q does not name %s", msg, k)
		}
	}
	for _, s := range []string{"hunter2-secret", "tok-secret", "app-secret"} {
		if strings.Contains(msg, s) {
			t.Errorf("%q shows a secret", msg)
		}
	}
	return ce
}

func TestCloudsErrors(t *testing.T) {
	const head = "clouds:\n  c:\n"
	for _, c := range []struct {
		name   string
		clouds string // after head
		secure string // whole secure.yaml, if any
		line   int    // of the first key; -1: do not check
		keys   []string
	}{
		{"no auth_url", "    auth:\n      user_id: u\n      password: hunter2-secret\n", "", 0, []string{"auth.auth_url"}},
		{"unknown auth_type", "    auth_type: saml2\n    auth:\n      auth_url: https://k\n", "", 3, []string{"auth_type"}},
		{"v2 auth_type", "    auth_type: v2password\n    auth:\n      auth_url: https://k\n", "", 3, []string{"auth_type"}},
		{"identity v2", "    identity_api_version: 2.0\n    auth:\n      auth_url: https://k\n", "", 3, []string{"identity_api_version"}},
		{"password auth_type without a password", "    auth_type: password\n    auth:\n      auth_url: https://k\n      user_id: u\n", "", 0, []string{"auth.password"}},
		{"no method", "    auth:\n      auth_url: https://k\n      username: alice\n", "", 0,
			[]string{"auth.password", "auth.application_credential_secret", "auth.token"}},
		{"two methods, two files", "    auth:\n      auth_url: https://k\n      token: tok-secret\n",
			"clouds:\n  c:\n    auth:\n      password: hunter2-secret\n", -1, []string{"auth.password", "auth.token"}},
		{"user name without domain", "    auth:\n      auth_url: https://k\n      username: alice\n      password: hunter2-secret\n", "", 0,
			[]string{"auth.user_domain_name", "auth.user_domain_id"}},
		{"project name without domain", "    auth:\n      auth_url: https://k\n      user_id: u\n      password: hunter2-secret\n      project_name: demo\n", "", 0,
			[]string{"auth.project_domain_name", "auth.project_domain_id"}},
		{"application credential without secret", "    auth_type: v3applicationcredential\n    auth:\n      auth_url: https://k\n      application_credential_id: a\n", "", 0,
			[]string{"auth.application_credential_secret"}},
		{"application credential without ID or name", "    auth:\n      auth_url: https://k\n      application_credential_secret: app-secret\n", "", 0,
			[]string{"auth.application_credential_id", "auth.application_credential_name"}},
		{"bad interface", "    interface: private\n    auth:\n      auth_url: https://k\n      token: tok-secret\n", "", 3, []string{"interface"}},
		{"bad auth_url", "    auth:\n      auth_url: keystone:5000\n      token: tok-secret\n", "", 4, []string{"auth.auth_url"}},
		{"verify not a bool", "    verify: maybe\n    auth:\n      auth_url: https://k\n      token: tok-secret\n", "", 3, []string{"verify"}},
		{"verify and insecure contradict", "    verify: true\n    insecure: true\n", "", 3, []string{"verify", "insecure"}},
		{"not a single value", "    auth:\n      auth_url: https://k\n      password: [hunter2-secret]\n", "", 5, []string{"auth.password"}},
		{"aliases disagree", "    project_id: p1\n    auth:\n      auth_url: https://k\n      token: tok-secret\n      project_id: p2\n", "", 7,
			[]string{"auth.project_id", "project_id"}},
		{"bad microversion", "    compute_api_version: 3.1\n    auth:\n      auth_url: https://k\n      token: tok-secret\n", "", 3, []string{"compute_api_version"}},
		{"microversions disagree", "    compute_api_version: 2.60\n    compute_default_microversion: 2.79\n    auth:\n      auth_url: https://k\n      token: tok-secret\n", "", 3,
			[]string{"compute_api_version", "compute_default_microversion"}},
		{"passcode", "    auth:\n      auth_url: https://k\n      passcode: \"123456\"\n      password: hunter2-secret\n", "", 5, []string{"auth.passcode"}},
		{"system scope", "    auth:\n      auth_url: https://k\n      system_scope: all\n", "", 5, []string{"auth.system_scope"}},
		{"vendor profile", "    profile: vexxhost\n", "", 3, []string{"profile"}},
		{"cloud not a mapping", "    - a\n", "", 3, []string{"clouds.c"}},
		{"missing cacert", "    cacert: /nonexistent/ca.pem\n    auth:\n      auth_url: https://k\n      token: tok-secret\n", "", 3, []string{"cacert"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := isolate(t)
			file := writeFile(t, p.wd, "clouds.yaml", head+c.clouds)
			if c.secure != "" {
				writeFile(t, p.wd, "secure.yaml", c.secure)
			}
			_, err := keystoneFromEnv(mapLookup(map[string]string{EnvOSCloud: "c", envHome: p.home}))
			ce := cloudErr(t, err, filepath.Join(p.wd, map[bool]string{true: "secure.yaml", false: "clouds.yaml"}[c.secure != ""]), c.line, c.keys...)
			if c.secure != "" {
				// Keys in two files: each is named with its file and line.
				msg := ce.Error()
				if !strings.Contains(msg, filepath.Join(p.wd, "secure.yaml")+":4") || !strings.Contains(msg, file+":5") {
					t.Errorf("%q does not place both keys", msg)
				}
			}
		})
	}
}

func TestCloudsFileErrors(t *testing.T) {
	p := isolate(t)
	lookup := mapLookup(map[string]string{EnvOSCloud: "c", envHome: p.home})
	file := writeFile(t, p.wd, "clouds.yaml", "clouds:\n  a: {}\n  b: {}\n")
	_, err := keystoneFromEnv(lookup)
	ce := cloudErr(t, err, file, 0)
	if !strings.Contains(ce.Problem, "a, b") {
		t.Errorf("problem %q does not list the clouds", ce.Problem)
	}

	writeFile(t, p.wd, "clouds.yaml", "clouds:\n  c:\n    auth: {auth_url: x\n")
	_, err = keystoneFromEnv(lookup)
	if ce := cloudErr(t, err, file, 0); !strings.Contains(ce.Problem, "YAML") {
		t.Errorf("syntax error: %v", ce)
	}

	writeFile(t, p.wd, "clouds.yaml", "- clouds\n")
	_, err = keystoneFromEnv(lookup)
	cloudErr(t, err, file, 0)

	writeFile(t, p.wd, "clouds.yaml", "clouds: [c]\n")
	_, err = keystoneFromEnv(lookup)
	cloudErr(t, err, file, 1, "clouds")
}

func TestCloudsYAMLFeatures(t *testing.T) {
	p := isolate(t)
	// Anchors, aliases and merge keys, as people share settings between
	// clouds; the cloud's own keys win over merged ones.
	writeFile(t, p.wd, "clouds.yaml", `defaults: &defaults
  region_name: RegionOne
  auth: &auth
    auth_url: https://keystone.example.com/v3
    user_domain_name: Default
clouds:
  c:
    <<: *defaults
    region_name: RegionTwo
    auth:
      <<: *auth
      username: alice
      password: pw
      user-domain-name: Users
`)
	ke, err := keystoneFromEnv(mapLookup(map[string]string{EnvOSCloud: "c", envHome: p.home}))
	if err != nil {
		t.Fatal(err)
	}
	want := KeystoneCredentials{Username: "alice", UserDomainName: "Users", Password: NewSecret("pw")}
	if !credsEqual(ke.Credentials, want) || ke.Region != "RegionTwo" || ke.AuthURL != "https://keystone.example.com/v3" {
		t.Fatalf("%+v", ke)
	}
	// Printing or encoding what was read shows no secret.
	for _, s := range []string{fmt.Sprint(ke), fmt.Sprintf("%+v", *ke), fmt.Sprintf("%#v", ke)} {
		if strings.Contains(s, "pw") {
			t.Errorf("shows the password: %s", s)
		}
	}
	b, err := json.Marshal(ke)
	if err != nil || bytes.Contains(b, []byte(`"pw"`)) {
		t.Errorf("JSON %s, %v", b, err)
	}
}

func TestEnvAsGophercloudReadsIt(t *testing.T) {
	const url = "https://keystone.example.com:5000/v3"
	for _, c := range []struct {
		name string
		env  map[string]string
		want KeystoneCredentials
	}{
		{"OS_DOMAIN_NAME with OS_PROJECT_ID is the user's domain",
			map[string]string{EnvOSUsername: "alice", EnvOSPassword: "pw", EnvOSProjectID: "p1", EnvOSDomainName: "Acme"},
			KeystoneCredentials{Username: "alice", UserDomainName: "Acme", Password: NewSecret("pw"), ProjectID: "p1"}},
		{"OS_DOMAIN_ID with OS_PROJECT_NAME: user's and project's domain",
			map[string]string{EnvOSUsername: "alice", EnvOSPassword: "pw", EnvOSProjectName: "demo", EnvOSDomainID: "d1"},
			KeystoneCredentials{Username: "alice", UserDomainID: "d1", Password: NewSecret("pw"), ProjectName: "demo", ProjectDomainID: "d1"}},
		{"OS_DOMAIN_ID alone: user's domain and domain scope",
			map[string]string{EnvOSUsername: "alice", EnvOSPassword: "pw", EnvOSDomainID: "d1"},
			KeystoneCredentials{Username: "alice", UserDomainID: "d1", Password: NewSecret("pw"), DomainID: "d1"}},
		{"user ID with a domain next to the project: the domain is not needed",
			map[string]string{EnvOSUserID: "u1", EnvOSPassword: "pw", EnvOSProjectID: "p1", EnvOSDomainName: "Acme"},
			KeystoneCredentials{UserID: "u1", Password: NewSecret("pw"), ProjectID: "p1"}},
		{"OS_USERID, OS_TENANT_ID",
			map[string]string{envOSUserIDCompact: "u1", EnvOSPassword: "pw", EnvOSTenantID: "t1"},
			KeystoneCredentials{UserID: "u1", Password: NewSecret("pw"), ProjectID: "t1"}},
		{"OS_PROJECT_ID wins over OS_TENANT_ID; same user ID twice",
			map[string]string{EnvOSUserID: "u1", envOSUserIDCompact: "u1", EnvOSPassword: "pw", EnvOSTenantID: "t1", EnvOSProjectID: "p1"},
			KeystoneCredentials{UserID: "u1", Password: NewSecret("pw"), ProjectID: "p1"}},
		{"OS_TENANT_NAME with OS_DOMAIN_NAME",
			map[string]string{EnvOSUsername: "alice", EnvOSPassword: "pw", EnvOSTenantName: "demo", EnvOSDomainName: "Default"},
			KeystoneCredentials{Username: "alice", UserDomainName: "Default", Password: NewSecret("pw"), ProjectName: "demo", ProjectDomainName: "Default"}},
		{"OS_DEFAULT_DOMAIN for user and project",
			map[string]string{EnvOSUsername: "alice", EnvOSPassword: "pw", EnvOSProjectName: "demo", EnvOSDefaultDomain: "default"},
			KeystoneCredentials{Username: "alice", UserDomainID: "default", Password: NewSecret("pw"), ProjectName: "demo", ProjectDomainID: "default"}},
		{"own domains win over OS_DOMAIN_* and OS_DEFAULT_DOMAIN",
			map[string]string{EnvOSUsername: "alice", EnvOSPassword: "pw", EnvOSProjectName: "demo", EnvOSUserDomainName: "U",
				EnvOSProjectDomainName: "P", EnvOSDomainName: "D", EnvOSDefaultDomain: "default"},
			KeystoneCredentials{Username: "alice", UserDomainName: "U", Password: NewSecret("pw"), ProjectName: "demo", ProjectDomainName: "P"}},
		{"application credential with leftover scope variables",
			map[string]string{EnvOSApplicationCredentialID: "ac1", EnvOSApplicationCredentialSecret: "s", EnvOSProjectName: "demo", EnvOSProjectDomainName: "Default", EnvOSDomainID: "d1"},
			KeystoneCredentials{ApplicationCredentialID: "ac1", ApplicationCredentialSecret: NewSecret("s")}},
		{"application credential by name; OS_DOMAIN_NAME is the user's domain",
			map[string]string{EnvOSApplicationCredentialName: "ci", EnvOSApplicationCredentialSecret: "s", EnvOSUsername: "alice", EnvOSDomainName: "Acme"},
			KeystoneCredentials{ApplicationCredentialName: "ci", ApplicationCredentialSecret: NewSecret("s"), Username: "alice", UserDomainName: "Acme"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.env[EnvOSAuthURL] = url
			ke, err := keystoneFromEnv(mapLookup(c.env))
			if err != nil {
				t.Fatal(err)
			}
			if !credsEqual(ke.Credentials, c.want) {
				t.Fatalf("got %v\nwant %v", ke.Credentials, c.want)
			}
			if err := ke.Credentials.Validate(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestEnvRefusals(t *testing.T) {
	const url = "https://keystone.example.com:5000/v3"
	for _, c := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"TOTP", map[string]string{envOSPasscode: "123456", EnvOSUserID: "u", EnvOSPassword: "hunter2-secret"}, envOSPasscode},
		{"system scope", map[string]string{envOSSystemScope: "all", EnvOSUserID: "u", EnvOSPassword: "hunter2-secret"}, envOSSystemScope},
		{"trust", map[string]string{envOSTrustID: "tr", EnvOSUserID: "u", EnvOSPassword: "hunter2-secret"}, envOSTrustID},
		{"two user IDs", map[string]string{EnvOSUserID: "u1", envOSUserIDCompact: "u2", EnvOSPassword: "hunter2-secret"}, "OS_USER_ID, OS_USERID"},
		{"OS_INSECURE not a bool", map[string]string{EnvOSUserID: "u", EnvOSPassword: "hunter2-secret", EnvOSInsecure: "maybe"}, EnvOSInsecure},
		{"OS_KEY without OS_CERT", map[string]string{EnvOSUserID: "u", EnvOSPassword: "hunter2-secret", EnvOSKey: "/k.pem"}, EnvOSCert},
		{"missing OS_CACERT", map[string]string{EnvOSUserID: "u", EnvOSPassword: "hunter2-secret", EnvOSCACert: "/nonexistent/ca.pem"}, EnvOSCACert},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.env[EnvOSAuthURL] = url
			_, err := keystoneFromEnv(mapLookup(c.env))
			var ve *cloudmigrate.ValidationError
			if !errors.As(err, &ve) || ve.Field != c.want {
				t.Fatalf("got %v, want field %q", err, c.want)
			}
			if strings.Contains(err.Error(), "hunter2-secret") {
				t.Fatalf("error shows the password: %v", err)
			}
		})
	}
}

func TestInsecureWarnsOnce(t *testing.T) {
	p := isolate(t)
	insecureWarned.Clear()
	t.Cleanup(insecureWarned.Clear)
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	file := writeFile(t, p.wd, "clouds.yaml", `clouds:
  c:
    verify: false
    auth: {auth_url: "https://keystone.example.com/v3", token: t0}
  safe:
    auth: {auth_url: "https://keystone.example.com/v3", token: t0}
`)
	cloud := mapLookup(map[string]string{EnvOSCloud: "c", envHome: p.home})
	for range 3 {
		ke, err := keystoneFromEnv(cloud, WithWarningLogger(logger))
		if err != nil {
			t.Fatal(err)
		}
		if ke.TLSConfig == nil || !ke.TLSConfig.InsecureSkipVerify || ke.HTTPClient == nil {
			t.Fatalf("verify: false did not turn verification off: %+v", ke.TLSConfig)
		}
	}
	if n := strings.Count(buf.String(), "level=WARN"); n != 1 {
		t.Fatalf("%d warnings, want 1:\n%s", n, &buf)
	}
	for _, s := range []string{"verification is turned off", "setting=verify", "file=" + file, "cloud=c"} {
		if !strings.Contains(buf.String(), s) {
			t.Errorf("warning lacks %q: %s", s, &buf)
		}
	}

	// A cloud that verifies says nothing; OS_INSECURE is a setting of its
	// own, warned about once too.
	buf.Reset()
	if _, err := keystoneFromEnv(mapLookup(map[string]string{EnvOSCloud: "safe", envHome: p.home}), WithWarningLogger(logger)); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 0 {
		t.Fatalf("warned for a cloud that verifies: %s", &buf)
	}
	insecureEnv := mapLookup(map[string]string{EnvOSAuthURL: "https://keystone.example.com/v3", EnvOSToken: "t0", EnvOSInsecure: "1"})
	for range 2 {
		if _, err := keystoneFromEnv(insecureEnv, WithWarningLogger(logger)); err != nil {
			t.Fatal(err)
		}
	}
	if n := strings.Count(buf.String(), "level=WARN"); n != 1 || !strings.Contains(buf.String(), "setting=OS_INSECURE") {
		t.Fatalf("OS_INSECURE: %s", &buf)
	}
	// OS_INSECURE=false verifies, and says nothing.
	buf.Reset()
	ke, err := keystoneFromEnv(mapLookup(map[string]string{EnvOSAuthURL: "https://keystone.example.com/v3", EnvOSToken: "t0", EnvOSInsecure: "false"}), WithWarningLogger(logger))
	if err != nil || ke.TLSConfig.InsecureSkipVerify || buf.Len() != 0 {
		t.Fatalf("OS_INSECURE=false: %v %s", err, &buf)
	}
}

func FuzzCloudsYAML(f *testing.F) {
	for _, s := range []string{
		passwordless,
		regionCloud("r"),
		secureCloud("pw"),
		"clouds:\n  c:\n    auth_type: v3applicationcredential\n    verify: no\n    auth: {auth_url: 'https://k', application_credential_id: a, application_credential_secret: s}\n",
		"d: &d {region_name: x, auth: {auth_url: 'https://k'}}\nclouds:\n  c:\n    <<: [*d]\n    auth: {<<: *d, token: t}\n",
		"clouds:\n  c: &a\n    x: *a\n",
		"clouds: {c: {auth: [1, 2]}}",
		"clouds:\n  c:\n    compute_api_version: 2.10\n    auth: {auth_url: 'https://k', token: t, project-name: p, default_domain: d}\n",
		"- a\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		configError := func(err error) {
			t.Helper()
			var ce *CloudConfigError
			var ve *cloudmigrate.ValidationError
			if !errors.As(err, &ce) && !errors.As(err, &ve) {
				t.Fatalf("error of type %T: %v", err, err)
			}
		}
		entry := cloudEntry{}
		found, _, err := parseCloudEntry(data, "clouds.yaml", "c", entry)
		if err != nil {
			configError(err)
			return
		}
		if !found {
			return
		}
		c, err := entryConfig("c", "clouds.yaml", entry)
		if err != nil {
			configError(err)
			return
		}
		c.tls.ca, c.tls.cert, c.tls.key = osValue{}, osValue{}, osValue{} // no reading of files named by the input
		secrets := []string{c.password.v, c.token.v, c.appCredSecret.v}
		ke, err := c.build(nil)
		if err != nil {
			configError(err)
			for _, s := range secrets {
				if len(s) >= 16 && strings.Contains(err.Error(), s) {
					t.Fatalf("error shows a secret: %v", err)
				}
			}
			return
		}
		if err := ke.Credentials.Validate(); err != nil {
			t.Fatalf("built credentials that do not validate: %v", err)
		}
	})
}
