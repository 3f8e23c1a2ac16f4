package stacke2e

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/manila"
	"github.com/cloudmigrate/cloudmigrate/nova"
)

// rawFor returns a plain REST client of the target, authenticated with its
// password credentials.
func rawFor(t *testing.T, tg *target) *rawAPI {
	t.Helper()
	a, err := newRawAPI(tg.ctxFor(t), tg.authURL, tg.creds, tg.region, tg.iface)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// usable checks that ks authorizes calls on both services: a compute
// client and a share client made from its catalog answer.
func usable(t *testing.T, tg *target, ks *auth.Keystone) {
	t.Helper()
	ctx := tg.ctxFor(t)
	nc, err := nova.NewClientFromKeystone(ctx, ks, tg.region, tg.iface)
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range nc.ListServers(ctx, &nova.ListServersOptions{AllProjects: true, Limit: 1}) {
		if err != nil {
			t.Fatalf("ListServers: %v", err)
		}
		break
	}
	mc, err := manila.NewClientFromKeystone(ctx, ks, tg.region, tg.iface)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mc.GetShareServer(ctx, newUUID()); !cloudmigrate.IsNotFound(err) {
		t.Fatalf("GetShareServer of an unknown ID: %v, want a 404", err)
	}
}

func TestAuthPassword(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		ctx := tg.ctxFor(t)
		ks := tg.newKeystone(t, tg.creds)
		info, err := ks.TokenInfo(ctx)
		if err != nil {
			t.Fatal(err)
		}
		raw := rawFor(t, tg)
		if !slices.Contains(info.Methods, "password") || info.ProjectID != raw.projectID || info.UserID != raw.userID {
			t.Errorf("token %+v, want methods [password], project %s, user %s", info, raw.projectID, raw.userID)
		}
		usable(t, tg, ks)
	})
}

// TestAuthCatalog checks the catalog lookup against the catalog as
// Keystone sends it.
func TestAuthCatalog(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		ctx := tg.ctxFor(t)
		raw := rawFor(t, tg)
		for _, c := range []struct{ typ, want string }{
			{auth.ServiceTypeCompute, raw.compute},
			{auth.ServiceTypeShare, raw.share},
			{"sharev2", raw.share},
		} {
			got, err := tg.ks.Endpoint(ctx, c.typ, tg.region, tg.iface)
			if err != nil || strings.TrimRight(got, "/") != c.want {
				t.Errorf("Endpoint(%q) = %q, %v; the catalog says %q", c.typ, got, err, c.want)
			}
		}
		if got := tg.nova.Endpoint(); strings.TrimRight(got, "/") != raw.compute {
			t.Errorf("nova endpoint %q, catalog %q", got, raw.compute)
		}
		if got := tg.manila.Endpoint(); strings.TrimRight(got, "/") != raw.share {
			t.Errorf("manila endpoint %q, catalog %q", got, raw.share)
		}
		if _, err := tg.ks.Endpoint(ctx, auth.ServiceTypeCompute, "NoSuchRegion", tg.iface); !errors.Is(err, auth.ErrEndpointNotFound) {
			t.Errorf("unknown region: %v, want ErrEndpointNotFound", err)
		}
		if _, err := tg.ks.Endpoint(ctx, "no-such-service", tg.region, tg.iface); !errors.Is(err, auth.ErrEndpointNotFound) {
			t.Errorf("unknown service type: %v, want ErrEndpointNotFound", err)
		}
	})
}

// TestAuthApplicationCredential authenticates with an application
// credential created for the token's user.
func TestAuthApplicationCredential(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		id, secret := tg.res.applicationCredential(t)
		ks := tg.newKeystone(t, auth.KeystoneCredentials{
			ApplicationCredentialID: id, ApplicationCredentialSecret: auth.NewSecret(secret),
		})
		info, err := ks.TokenInfo(tg.ctxFor(t))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(info.Methods, "application_credential") {
			t.Errorf("token methods %v, want application_credential", info.Methods)
		}
		usable(t, tg, ks)

		bad := tg.newKeystone(t, auth.KeystoneCredentials{
			ApplicationCredentialID: id, ApplicationCredentialSecret: auth.NewSecret("not-" + secret),
		})
		_, err = bad.TokenInfo(tg.ctxFor(t))
		if !cloudmigrate.IsUnauthorized(err) {
			t.Fatalf("wrong secret: %v, want a 401", err)
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("the error shows the secret: %v", err)
		}
	})
}

// TestAuthToken authenticates with a token obtained elsewhere, both
// through Keystone (token method) and as a static token.
func TestAuthToken(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		ctx := tg.ctxFor(t)
		tok, tb, err := issueToken(ctx, http.DefaultClient, tg.authURL, tg.creds)
		if err != nil {
			t.Fatal(err)
		}
		ks := tg.newKeystone(t, auth.KeystoneCredentials{Token: auth.NewSecret(tok), ProjectID: tb.Token.Project.ID})
		info, err := ks.TokenInfo(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(info.Methods, "token") || info.ProjectID != tb.Token.Project.ID {
			t.Errorf("token %+v, want method token in project %s", info, tb.Token.Project.ID)
		}
		usable(t, tg, ks)

		// The same token, used as it is.
		endpoint, err := tg.ks.Endpoint(ctx, auth.ServiceTypeCompute, tg.region, tg.iface)
		if err != nil {
			t.Fatal(err)
		}
		nc, err := nova.NewClient(endpoint, auth.StaticToken(tok))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := nc.ListServerMigrations(ctx, newUUID()); !cloudmigrate.IsNotFound(err) {
			t.Errorf("static token: %v, want a 404 for an unknown server", err)
		}
		bad, err := nova.NewClient(endpoint, auth.StaticToken("not-a-token"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bad.ListServerMigrations(ctx, newUUID()); !cloudmigrate.IsUnauthorized(err) {
			t.Errorf("bad static token: %v, want a 401", err)
		}
	})
}

// TestAuthWrongPassword checks Keystone's refusal.
func TestAuthWrongPassword(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		creds := tg.creds
		const wrong = "stacke2e-wrong-password"
		creds.Password = auth.NewSecret(wrong)
		_, err := tg.newKeystone(t, creds).TokenInfo(tg.ctxFor(t))
		var apiErr *cloudmigrate.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized || apiErr.RequestID == "" {
			t.Fatalf("wrong password: %#v, want a 401 with a request ID", err)
		}
		if strings.Contains(err.Error(), wrong) {
			t.Errorf("the error shows the password: %v", err)
		}
	})
}

// TestAuthFromEnvironment reads the credentials from OS_* variables, as an
// openrc file sets them.
func TestAuthFromEnvironment(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		clearOS(t)
		c := tg.creds
		set := map[string]string{
			"OS_AUTH_URL": tg.authURL, "OS_USERNAME": c.Username, "OS_PASSWORD": c.Password.Reveal(),
			"OS_USER_DOMAIN_NAME": c.UserDomainName, "OS_PROJECT_ID": c.ProjectID,
			"OS_PROJECT_NAME": c.ProjectName, "OS_PROJECT_DOMAIN_NAME": c.ProjectDomainName,
			"OS_REGION_NAME": tg.region, "OS_INTERFACE": tg.iface,
		}
		for k, v := range set {
			if v != "" {
				t.Setenv(k, v)
			}
		}
		env, err := auth.KeystoneFromEnv()
		if err != nil {
			t.Fatal(err)
		}
		got, err := env.Endpoint(tg.ctxFor(t), auth.ServiceTypeCompute)
		if err != nil || strings.TrimRight(got, "/") != strings.TrimRight(tg.nova.Endpoint(), "/") {
			t.Errorf("compute endpoint from the environment %q, %v; want %q", got, err, tg.nova.Endpoint())
		}
		usable(t, tg, env.Keystone)
	})
}

// cloudsYAML returns a clouds.yaml of the target and the name of its
// cloud: on the real stack the one up.sh writes, for the fakes one written
// here the same way.
func cloudsYAML(t *testing.T, tg *target) (path, name string) {
	t.Helper()
	if tg.real {
		return filepath.Join(os.Getenv("REALSTACK_DIR"), "clouds.yaml"), "realstack"
	}
	c := tg.creds
	path = filepath.Join(t.TempDir(), "clouds.yaml")
	body := fmt.Sprintf(`clouds:
  fakestack:
    auth:
      auth_url: %s
      username: %s
      password: %s
      project_id: %s
      user_domain_name: %s
    region_name: %s
    interface: %s
    identity_api_version: 3
`, tg.authURL, c.Username, c.Password.Reveal(), c.ProjectID, c.UserDomainName, tg.region, tg.iface)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, "fakestack"
}

// TestAuthCloudsYAML reads the credentials from the target's clouds.yaml.
func TestAuthCloudsYAML(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		clearOS(t)
		path, name := cloudsYAML(t, tg)
		t.Setenv("OS_CLIENT_CONFIG_FILE", path)
		env, err := auth.KeystoneFromCloud(name)
		if err != nil {
			t.Fatal(err)
		}
		if env.Cloud != name || env.AuthURL != tg.authURL || env.Region != tg.region || env.Interface != tg.iface {
			t.Errorf("settings %+v", env)
		}
		usable(t, tg, env.Keystone)
		t.Setenv("OS_CLOUD", name)
		if env, err = auth.KeystoneFromEnv(); err != nil || env.Cloud != name {
			t.Fatalf("OS_CLOUD=%s: %+v, %v", name, env, err)
		}
		usable(t, tg, env.Keystone)
	})
}

// clearOS unsets every OS_* variable for the rest of the test.
func clearOS(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "OS_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
}
