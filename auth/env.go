package auth

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"github.com/cloudmigrate/cloudmigrate"
)

// Environment variables read by HuaweiFromEnv. The first four mean what
// they mean to the official Huawei Cloud SDKs; EnvHuaweiRegion is this
// module's own (see HuaweiFromEnv).
const (
	EnvHuaweiAK            = "HUAWEICLOUD_SDK_AK"
	EnvHuaweiSK            = "HUAWEICLOUD_SDK_SK"
	EnvHuaweiSecurityToken = "HUAWEICLOUD_SDK_SECURITY_TOKEN"
	EnvHuaweiProjectID     = "HUAWEICLOUD_SDK_PROJECT_ID"
	EnvHuaweiRegion        = "HUAWEICLOUD_SDK_REGION"
)

// Environment variables read by KeystoneFromEnv, as the OpenStack clients
// name them (an "openrc" file sets them).
const (
	EnvOSAuthURL                     = "OS_AUTH_URL"
	EnvOSUsername                    = "OS_USERNAME"
	EnvOSUserID                      = "OS_USER_ID"
	EnvOSPassword                    = "OS_PASSWORD"
	EnvOSUserDomainName              = "OS_USER_DOMAIN_NAME"
	EnvOSUserDomainID                = "OS_USER_DOMAIN_ID"
	EnvOSProjectName                 = "OS_PROJECT_NAME"
	EnvOSProjectID                   = "OS_PROJECT_ID"
	EnvOSProjectDomainName           = "OS_PROJECT_DOMAIN_NAME"
	EnvOSProjectDomainID             = "OS_PROJECT_DOMAIN_ID"
	EnvOSDomainName                  = "OS_DOMAIN_NAME"
	EnvOSDomainID                    = "OS_DOMAIN_ID"
	EnvOSRegionName                  = "OS_REGION_NAME"
	EnvOSInterface                   = "OS_INTERFACE"
	EnvOSApplicationCredentialID     = "OS_APPLICATION_CREDENTIAL_ID"
	EnvOSApplicationCredentialName   = "OS_APPLICATION_CREDENTIAL_NAME"
	EnvOSApplicationCredentialSecret = "OS_APPLICATION_CREDENTIAL_SECRET"
	EnvOSToken                       = "OS_TOKEN"
)

// lookupFunc reads one environment variable; os.LookupEnv in production.
type lookupFunc func(string) (string, bool)

// env wraps a lookupFunc; an empty value counts as unset.
type env lookupFunc

func (e env) get(name string) string {
	v, ok := e(name)
	if !ok {
		return ""
	}
	return v
}

// set returns the names among names whose variables are set.
func (e env) set(names ...string) []string {
	var out []string
	for _, n := range names {
		if e.get(n) != "" {
			out = append(out, n)
		}
	}
	return out
}

func envError(problem string, names ...string) error {
	return &cloudmigrate.ValidationError{Field: strings.Join(names, ", "), Problem: problem}
}

// HuaweiCredentials is what HuaweiFromEnv reads: a signer and the project
// and region the calls go to.
type HuaweiCredentials struct {
	// AKSK signs the requests.
	AKSK *AKSK
	// ProjectID is the project the calls act in (HUAWEICLOUD_SDK_PROJECT_ID).
	ProjectID string
	// Region is the region ID such as "cn-north-4" (HUAWEICLOUD_SDK_REGION);
	// empty when unset.
	Region string
}

// String shows the project, region and the start of the access key.
func (h HuaweiCredentials) String() string {
	signer := "nil"
	if h.AKSK != nil {
		signer = h.AKSK.String()
	}
	return "auth.HuaweiCredentials{AKSK: " + signer + ", ProjectID: " + h.ProjectID +
		", Region: " + h.Region + "}"
}

// GoString is String, for %#v.
func (h HuaweiCredentials) GoString() string { return h.String() }

// LogValue shows what String shows.
func (h HuaweiCredentials) LogValue() slog.Value {
	signer := slog.StringValue("nil")
	if h.AKSK != nil {
		signer = h.AKSK.LogValue()
	}
	return slog.GroupValue(
		slog.Attr{Key: "aksk", Value: signer},
		slog.String("project_id", h.ProjectID),
		slog.String("region", h.Region),
	)
}

// HuaweiFromEnv reads Huawei Cloud credentials from HUAWEICLOUD_SDK_AK,
// HUAWEICLOUD_SDK_SK and HUAWEICLOUD_SDK_PROJECT_ID (all required),
// HUAWEICLOUD_SDK_SECURITY_TOKEN (for temporary credentials) and
// HUAWEICLOUD_SDK_REGION (optional). opts are passed to NewAKSK. A missing
// variable gives a *cloudmigrate.ValidationError whose Field names every
// missing one; values never appear in errors.
//
// Where this differs from the official SDKs: they have no variable for the
// region ID, so HUAWEICLOUD_SDK_REGION alone is this module's, while
// HUAWEICLOUD_SDK_REGION_<SERVICE>_<REGION> overrides a service's endpoint
// as it does for them (see ecs.Endpoint and IAMEndpoint; their regions
// file, HUAWEICLOUD_SDK_REGIONS_FILE, is not read). They look the project
// ID up when HUAWEICLOUD_SDK_PROJECT_ID is unset, where HuaweiFromEnv
// requires it: LookupProjectID finds it for a region. And
// HUAWEICLOUD_SDK_DOMAIN_ID, which they use for global services, is not
// read: every API of this module is regional.
func HuaweiFromEnv(opts ...AKSKOption) (*HuaweiCredentials, error) {
	return huaweiFromEnv(os.LookupEnv, opts...)
}

func huaweiFromEnv(lookup lookupFunc, opts ...AKSKOption) (*HuaweiCredentials, error) {
	e := env(lookup)
	var missing []string
	for _, n := range []string{EnvHuaweiAK, EnvHuaweiSK, EnvHuaweiProjectID} {
		if e.get(n) == "" {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return nil, envError("not set", missing...)
	}
	if tok := e.get(EnvHuaweiSecurityToken); tok != "" {
		opts = append([]AKSKOption{WithSecurityToken(tok)}, opts...)
	}
	return &HuaweiCredentials{
		AKSK:      NewAKSK(e.get(EnvHuaweiAK), e.get(EnvHuaweiSK), opts...),
		ProjectID: e.get(EnvHuaweiProjectID),
		Region:    e.get(EnvHuaweiRegion),
	}, nil
}

// HuaweiEnvPresent reports whether HUAWEICLOUD_SDK_AK and
// HUAWEICLOUD_SDK_SK are both set, so a program can choose between real
// credentials and a fake. It checks nothing else.
func HuaweiEnvPresent() bool { return huaweiEnvPresent(os.LookupEnv) }

func huaweiEnvPresent(lookup lookupFunc) bool {
	return len(env(lookup).set(EnvHuaweiAK, EnvHuaweiSK)) == 2
}

// KeystoneEnv is what KeystoneFromEnv reads: a token authorizer, where to
// look in its catalog, and the settings the service clients take from the
// same configuration (ComputeOptions, ShareOptions).
type KeystoneEnv struct {
	// Keystone is the token authorizer.
	Keystone *Keystone
	// Credentials are the credentials Keystone authenticates with. Their
	// secrets never show when printed, logged or encoded.
	Credentials KeystoneCredentials
	// AuthURL is OS_AUTH_URL, or the cloud's auth.auth_url.
	AuthURL string
	// Region is OS_REGION_NAME or the cloud's region_name; empty when
	// unset.
	Region string
	// Interface is OS_INTERFACE or the cloud's interface, normalised
	// ("public" when unset).
	Interface string
	// Cloud is the clouds.yaml entry read (OS_CLOUD); empty when the
	// settings came from the OS_* variables.
	Cloud string
	// TLSConfig is the TLS configuration the settings ask for (CA file,
	// client certificate, verification turned off); nil when they set
	// none, and then the system's defaults apply.
	TLSConfig *tls.Config `json:"-"`
	// HTTPClient uses TLSConfig. Keystone sends its token requests through
	// a client that shares its transport; ComputeOptions and ShareOptions
	// pass it to the service clients. Nil when TLSConfig is.
	HTTPClient *http.Client `json:"-"`
	// ComputeMicroversion and ShareMicroversion are the default
	// microversions of compute (nova) and shared file systems (manila)
	// clients, from compute_api_version (or compute_default_microversion)
	// and shared_file_system_api_version (or
	// shared_file_system_default_microversion); empty to negotiate.
	ComputeMicroversion, ShareMicroversion string
}

// String shows the authorizer (without secrets), region and interface.
func (k KeystoneEnv) String() string {
	authz := "nil"
	if k.Keystone != nil {
		authz = k.Keystone.String()
	}
	return "auth.KeystoneEnv{Keystone: " + authz + ", Region: " + k.Region +
		", Interface: " + k.Interface + "}"
}

// GoString is String, for %#v.
func (k KeystoneEnv) GoString() string { return k.String() }

// LogValue shows what String shows.
func (k KeystoneEnv) LogValue() slog.Value {
	authz := slog.StringValue("nil")
	if k.Keystone != nil {
		authz = k.Keystone.LogValue()
	}
	return slog.GroupValue(
		slog.Attr{Key: "keystone", Value: authz},
		slog.String("region", k.Region),
		slog.String("interface", k.Interface),
	)
}

// Endpoint looks serviceType up in the catalog for the region and
// interface read from the environment; see Keystone.Endpoint.
func (k *KeystoneEnv) Endpoint(ctx context.Context, serviceType string) (string, error) {
	return k.Keystone.Endpoint(ctx, serviceType, k.Region, k.Interface)
}

// KeystoneFromEnv builds a Keystone authorizer from the OpenStack
// configuration in the environment, as the OpenStack clients and
// gophercloud read it.
//
// When OS_CLOUD is set, the settings come from that entry of clouds.yaml,
// merged key by key with the same entry of secure.yaml. clouds.yaml is
// OS_CLIENT_CONFIG_FILE, or the first clouds.yaml (or clouds.yml) found in
// the working directory, $XDG_CONFIG_HOME/openstack, ~/.config/openstack
// and /etc/openstack; secure.yaml is OS_CLIENT_SECURE_FILE, or the first
// found beside clouds.yaml and then in the same places. The entry's auth
// (auth_url; password, application credential or token; user and project
// by ID or name; user_domain_*, project_domain_*, domain_*,
// default_domain), auth_type (password, v3password,
// v3applicationcredential, token, v3token), region_name, interface,
// identity_api_version (3), cacert, cert, key, verify, compute_api_version
// and shared_file_system_api_version are read; other keys are left to the
// tools they belong to. OS_REGION_NAME, OS_INTERFACE and the TLS variables
// below override the entry, as in gophercloud; the other OS_* variables
// are ignored.
//
// Otherwise the OS_* variables are read: OS_AUTH_URL; one method out of
// OS_PASSWORD (with OS_USER_ID, or OS_USERNAME and its domain), an
// application credential (OS_APPLICATION_CREDENTIAL_SECRET with
// OS_APPLICATION_CREDENTIAL_ID, or with OS_APPLICATION_CREDENTIAL_NAME and
// the user) or OS_TOKEN; and a scope: OS_PROJECT_ID, or OS_PROJECT_NAME
// with its domain, or else OS_DOMAIN_ID or OS_DOMAIN_NAME. gophercloud's
// names are accepted too: OS_USERID, OS_TENANT_ID and OS_TENANT_NAME.
//
// In both, the user's domain is OS_USER_DOMAIN_ID or _NAME, else
// OS_DOMAIN_ID or _NAME, else OS_DEFAULT_DOMAIN (an ID), and the project's
// domain likewise from OS_PROJECT_DOMAIN_*: so OS_DOMAIN_NAME next to
// OS_PROJECT_ID names the user's domain, as it does for gophercloud, and is
// a domain scope only when no project is set. An application credential
// carries its own scope, so project and domain settings are not sent with
// it. When both an ID and a name are set, the ID is used.
//
// OS_CACERT, OS_CERT, OS_KEY and OS_INSECURE (cacert, cert, key and verify
// in clouds.yaml) make the HTTP client of the token requests and
// KeystoneEnv.HTTPClient, for the service clients. Turning verification
// off logs a warning, once per process for each setting, to slog.Default()
// or the logger of WithWarningLogger.
//
// opts are passed to NewKeystone, after the settings' own. A missing
// variable, a conflicting combination (OS_TOKEN with OS_PASSWORD, ...) or
// one this package does not support (OS_PASSCODE, OS_SYSTEM_SCOPE) gives a
// *cloudmigrate.ValidationError whose Field names the variables to change;
// a problem in clouds.yaml or secure.yaml gives a *CloudConfigError naming
// the file, the cloud and the keys (errors.As finds the ValidationError in
// it too). Values never appear in errors. Nothing is sent until first use.
func KeystoneFromEnv(opts ...KeystoneOption) (*KeystoneEnv, error) {
	return keystoneFromEnv(os.LookupEnv, opts...)
}

func keystoneFromEnv(lookup lookupFunc, opts ...KeystoneOption) (*KeystoneEnv, error) {
	e := env(lookup)
	if name := e.get(EnvOSCloud); name != "" {
		return keystoneFromCloud(e, name, opts)
	}
	c, err := envConfig(e)
	if err != nil {
		return nil, err
	}
	return c.build(opts)
}

// KeystoneEnvPresent reports whether OS_CLOUD is set, or OS_AUTH_URL
// together with one of OS_PASSWORD, OS_APPLICATION_CREDENTIAL_SECRET or
// OS_TOKEN, so a program can choose between a real cloud and a fake. It
// checks nothing else.
func KeystoneEnvPresent() bool { return keystoneEnvPresent(os.LookupEnv) }

func keystoneEnvPresent(lookup lookupFunc) bool {
	e := env(lookup)
	if e.get(EnvOSCloud) != "" {
		return true
	}
	return e.get(EnvOSAuthURL) != "" &&
		len(e.set(EnvOSPassword, EnvOSApplicationCredentialSecret, EnvOSToken)) > 0
}
