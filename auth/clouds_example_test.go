package auth_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/manila"
	"github.com/cloudmigrate/cloudmigrate/manila/manilatest"
	"github.com/cloudmigrate/cloudmigrate/nova"
	"github.com/cloudmigrate/cloudmigrate/nova/novatest"
)

// writeClouds writes clouds.yaml (and secure.yaml, when secure is not
// empty) into a new temporary directory and returns the clouds.yaml path.
func writeClouds(dir, clouds, secure string) (string, error) {
	path := filepath.Join(dir, "clouds.yaml")
	if err := os.WriteFile(path, []byte(clouds), 0o600); err != nil {
		return "", err
	}
	if secure != "" {
		if err := os.WriteFile(filepath.Join(dir, "secure.yaml"), []byte(secure), 0o600); err != nil {
			return "", err
		}
	}
	return path, nil
}

// countingTransport counts the requests it carries.
type countingTransport struct{ n atomic.Int64 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

func TestClientOptionsReachTheServiceClients(t *testing.T) {
	ctx := context.Background()
	novaSrv := novatest.NewServer()
	defer novaSrv.Close()
	manilaSrv := manilatest.NewServer()
	defer manilaSrv.Close()
	path, err := writeClouds(t.TempDir(), fmt.Sprintf(`clouds:
  compute:
    compute_api_version: "2.79"
    auth:
      auth_url: %s
      username: %s
      user_domain_name: Default
      project_id: %s
  share:
    shared_file_system_api_version: 2.57
    auth:
      auth_url: %s
      username: %s
      password: %s
      user_domain_name: Default
      project_id: %s
`, novaSrv.AuthURL(), novaSrv.Username(), novaSrv.ProjectID(),
		manilaSrv.AuthURL(), manilaSrv.Username(), manilaSrv.Password(), manilaSrv.ProjectID()),
		fmt.Sprintf("clouds:\n  compute:\n    auth:\n      password: %s\n", novaSrv.Password()))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(auth.EnvOSClientConfigFile, path)
	t.Setenv(auth.EnvOSClientSecureFile, "")
	for _, v := range []string{auth.EnvOSRegionName, auth.EnvOSInterface, auth.EnvOSCACert, auth.EnvOSCert, auth.EnvOSKey, auth.EnvOSInsecure} {
		t.Setenv(v, "")
	}

	ke, err := auth.KeystoneFromCloud("compute")
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nova.NewClientFromKeystone(ctx, ke.Keystone, ke.Region, ke.Interface, ke.ComputeOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	v, err := nc.Microversion(ctx)
	if err != nil || v.InUse.String() != "2.79" || !v.ServerMax.IsZero() {
		t.Fatalf("nova: %+v %v; want 2.79 pinned", v, err)
	}

	ke, err = auth.KeystoneFromCloud("share")
	if err != nil {
		t.Fatal(err)
	}
	mc, err := manila.NewClientFromKeystone(ctx, ke.Keystone, ke.Region, ke.Interface, ke.ShareOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	mv, err := mc.Microversion(ctx)
	if err != nil || mv.InUse.String() != "2.57" || !mv.ServerMax.IsZero() {
		t.Fatalf("manila: %+v %v; want 2.57 pinned", mv, err)
	}

	// The HTTP client goes with the options: here one that counts, in
	// place of the TLS client KeystoneFromEnv makes.
	counter := &countingTransport{}
	ke.HTTPClient = &http.Client{Transport: counter}
	ke.ShareMicroversion = ""
	mc, err = manila.NewClientFromKeystone(ctx, ke.Keystone, ke.Region, ke.Interface, ke.ShareOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	if mv, err = mc.Microversion(ctx); err != nil || mv.ServerMax.IsZero() {
		t.Fatalf("manila negotiating: %+v %v", mv, err)
	}
	if counter.n.Load() == 0 {
		t.Fatal("the version request did not go through KeystoneEnv.HTTPClient")
	}
}

func ExampleKeystoneFromCloud() {
	ctx := context.Background()
	cloud := novatest.NewServer()
	defer cloud.Close()

	// A real clouds.yaml sits in ~/.config/openstack/ (or the working
	// directory, or /etc/openstack/); this one is written here only to
	// make the example self-contained. The password may sit in
	// secure.yaml beside it.
	dir, err := os.MkdirTemp("", "clouds")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path, err := writeClouds(dir, fmt.Sprintf(`clouds:
  lab:
    region_name: RegionOne
    interface: public
    compute_api_version: "2.79"
    auth:
      auth_url: %s
      username: %s
      user_domain_name: Default
      project_id: %s
`, cloud.AuthURL(), cloud.Username(), cloud.ProjectID()),
		fmt.Sprintf("clouds:\n  lab:\n    auth:\n      password: %s\n", cloud.Password()))
	if err != nil {
		log.Fatal(err)
	}
	os.Setenv("OS_CLIENT_CONFIG_FILE", path)
	defer os.Unsetenv("OS_CLIENT_CONFIG_FILE")

	// With OS_CLOUD=lab in the environment, auth.KeystoneFromEnv() does
	// the same.
	env, err := auth.KeystoneFromCloud("lab")
	if err != nil {
		log.Fatal(err)
	}
	c, err := nova.NewClientFromKeystone(ctx, env.Keystone, env.Region, env.Interface, env.ComputeOptions()...)
	if err != nil {
		log.Fatal(err)
	}
	v, err := c.Microversion(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(env.Cloud, env.Region, v.InUse)
	// Output: lab RegionOne 2.79
}

func ExampleKeystoneEnv_ShareOptions() {
	ctx := context.Background()
	cloud := manilatest.NewServer()
	defer cloud.Close()

	// An openrc file would set these; OS_CACERT, OS_CERT and OS_KEY would
	// make a TLS client that ShareOptions passes on too.
	for k, v := range map[string]string{
		"OS_AUTH_URL":         cloud.AuthURL(),
		"OS_USERNAME":         cloud.Username(),
		"OS_PASSWORD":         cloud.Password(),
		"OS_USER_DOMAIN_NAME": "Default",
		"OS_PROJECT_ID":       cloud.ProjectID(),
	} {
		os.Setenv(k, v)
		defer os.Unsetenv(k)
	}
	env, err := auth.KeystoneFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	c, err := manila.NewClientFromKeystone(ctx, env.Keystone, env.Region, env.Interface, env.ShareOptions()...)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Endpoint() == cloud.Endpoint())
	// Output: true
}

func ExampleWithWarningLogger() {
	dir, err := os.MkdirTemp("", "clouds")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path, err := writeClouds(dir, `clouds:
  lab:
    verify: false
    auth:
      auth_url: https://keystone.lab.example.com:5000/v3
      application_credential_id: 21dced0fd20347869b93710d2b98aae0
      application_credential_secret: example-secret
`, "")
	if err != nil {
		log.Fatal(err)
	}
	os.Setenv("OS_CLIENT_CONFIG_FILE", path)
	defer os.Unsetenv("OS_CLIENT_CONFIG_FILE")

	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "file" { // keep the output stable
				return slog.Attr{}
			}
			return a
		},
	}))
	for range 2 { // warned about once
		if _, err := auth.KeystoneFromCloud("lab", auth.WithWarningLogger(logger)); err != nil {
			log.Fatal(err)
		}
	}
	// Output:
	// level=WARN msg="auth: TLS certificate verification is turned off: anyone on the network path can read and change the traffic, credentials included" setting=verify cloud=lab
}
