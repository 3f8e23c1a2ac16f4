package auth

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"slices"
	"strings"

	"github.com/cloudmigrate/cloudmigrate"
)

// Environment variables read by HuaweiFromEnv, as the Huawei Cloud SDKs
// name them.
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

// KeystoneEnv is what KeystoneFromEnv reads: a token authorizer and where
// to look in its catalog.
type KeystoneEnv struct {
	// Keystone is the token authorizer.
	Keystone *Keystone
	// AuthURL is OS_AUTH_URL.
	AuthURL string
	// Region is OS_REGION_NAME; empty when unset.
	Region string
	// Interface is OS_INTERFACE, normalised ("public" when unset).
	Interface string
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
// environment variables: OS_AUTH_URL; one method out of OS_PASSWORD (with
// OS_USER_ID, or OS_USERNAME and OS_USER_DOMAIN_NAME or _ID), an
// application credential (OS_APPLICATION_CREDENTIAL_SECRET with
// OS_APPLICATION_CREDENTIAL_ID, or with OS_APPLICATION_CREDENTIAL_NAME and
// the user) or OS_TOKEN; and at most one scope out of OS_PROJECT_ID,
// OS_PROJECT_NAME (with OS_PROJECT_DOMAIN_NAME or _ID), or OS_DOMAIN_ID /
// OS_DOMAIN_NAME. OS_REGION_NAME and OS_INTERFACE say where to look in the
// catalog. When both an ID and a name are set, the ID is used. opts are
// passed to NewKeystone.
//
// A missing variable or a conflicting combination (OS_TOKEN with
// OS_PASSWORD, an application credential with a project scope, ...) gives
// a *cloudmigrate.ValidationError whose Field names the variables;
// values never appear in errors. Nothing is sent until first use.
func KeystoneFromEnv(opts ...KeystoneOption) (*KeystoneEnv, error) {
	return keystoneFromEnv(os.LookupEnv, opts...)
}

func keystoneFromEnv(lookup lookupFunc, opts ...KeystoneOption) (*KeystoneEnv, error) {
	e := env(lookup)
	authURL := e.get(EnvOSAuthURL)
	if authURL == "" {
		return nil, envError("not set", EnvOSAuthURL)
	}
	password := e.set(EnvOSPassword)
	appCred := e.set(EnvOSApplicationCredentialID, EnvOSApplicationCredentialName, EnvOSApplicationCredentialSecret)
	token := e.set(EnvOSToken)
	var methods [][]string
	for _, m := range [][]string{password, appCred, token} {
		if len(m) > 0 {
			methods = append(methods, m)
		}
	}
	switch len(methods) {
	case 0:
		return nil, envError("not set: set one of them", EnvOSPassword, EnvOSApplicationCredentialSecret, EnvOSToken)
	case 1:
	default:
		var names []string
		for _, m := range methods {
			names = append(names, m...)
		}
		return nil, envError("conflicting authentication methods: unset all but one", names...)
	}

	userMissing := func() error {
		switch {
		case e.get(EnvOSUserID) != "":
			return nil
		case e.get(EnvOSUsername) == "":
			return envError("not set: set one of them", EnvOSUserID, EnvOSUsername)
		case len(e.set(EnvOSUserDomainID, EnvOSUserDomainName)) == 0:
			return envError("not set: required with "+EnvOSUsername+"; set one of them", EnvOSUserDomainName, EnvOSUserDomainID)
		}
		return nil
	}
	projectScope := e.set(EnvOSProjectID, EnvOSProjectName)
	domainScope := e.set(EnvOSDomainID, EnvOSDomainName)

	switch {
	case len(password) > 0:
		if err := userMissing(); err != nil {
			return nil, err
		}
	case len(appCred) > 0:
		if e.get(EnvOSApplicationCredentialSecret) == "" {
			return nil, envError("not set: required with an application credential", EnvOSApplicationCredentialSecret)
		}
		if len(e.set(EnvOSApplicationCredentialID, EnvOSApplicationCredentialName)) == 0 {
			return nil, envError("not set: set one of them", EnvOSApplicationCredentialID, EnvOSApplicationCredentialName)
		}
		if e.get(EnvOSApplicationCredentialID) == "" {
			if err := userMissing(); err != nil {
				return nil, err
			}
		}
		if scope := slices.Concat(projectScope, domainScope); len(scope) > 0 {
			names := slices.Concat(e.set(EnvOSApplicationCredentialID, EnvOSApplicationCredentialName), scope)
			return nil, envError("an application credential carries its own scope: unset the scope variables", names...)
		}
	}
	if len(projectScope) > 0 && len(domainScope) > 0 {
		return nil, envError("conflicting scopes: set a project or a domain, not both", slices.Concat(projectScope, domainScope)...)
	}
	if e.get(EnvOSProjectID) == "" && e.get(EnvOSProjectName) != "" &&
		len(e.set(EnvOSProjectDomainName, EnvOSProjectDomainID)) == 0 {
		return nil, envError("not set: required with "+EnvOSProjectName+"; set one of them", EnvOSProjectDomainName, EnvOSProjectDomainID)
	}
	iface, verr := normalizeInterface(e.get(EnvOSInterface))
	if verr != nil {
		return nil, envError(verr.Problem, EnvOSInterface)
	}

	cred := KeystoneCredentials{
		Password:                    e.get(EnvOSPassword),
		ApplicationCredentialID:     e.get(EnvOSApplicationCredentialID),
		ApplicationCredentialName:   e.get(EnvOSApplicationCredentialName),
		ApplicationCredentialSecret: e.get(EnvOSApplicationCredentialSecret),
		Token:                       e.get(EnvOSToken),
		ProjectID:                   e.get(EnvOSProjectID),
		ProjectName:                 e.get(EnvOSProjectName),
		ProjectDomainID:             e.get(EnvOSProjectDomainID),
		ProjectDomainName:           e.get(EnvOSProjectDomainName),
		DomainID:                    e.get(EnvOSDomainID),
		DomainName:                  e.get(EnvOSDomainName),
	}
	// The user matters to the password method and to an application
	// credential named by name; elsewhere a leftover OS_USERNAME is ignored.
	if len(password) > 0 || (len(appCred) > 0 && cred.ApplicationCredentialID == "") {
		cred.UserID = e.get(EnvOSUserID)
		cred.Username = e.get(EnvOSUsername)
		cred.UserDomainID = e.get(EnvOSUserDomainID)
		cred.UserDomainName = e.get(EnvOSUserDomainName)
	}
	k, err := NewKeystone(authURL, cred, opts...)
	if err != nil {
		var ve *cloudmigrate.ValidationError
		if errors.As(err, &ve) && ve.Field == "authURL" {
			return nil, envError(ve.Problem, EnvOSAuthURL)
		}
		return nil, err
	}
	return &KeystoneEnv{Keystone: k, AuthURL: authURL, Region: e.get(EnvOSRegionName), Interface: iface}, nil
}

// KeystoneEnvPresent reports whether OS_AUTH_URL is set together with one
// of OS_PASSWORD, OS_APPLICATION_CREDENTIAL_SECRET or OS_TOKEN, so a
// program can choose between a real cloud and a fake. It checks nothing
// else.
func KeystoneEnvPresent() bool { return keystoneEnvPresent(os.LookupEnv) }

func keystoneEnvPresent(lookup lookupFunc) bool {
	e := env(lookup)
	return e.get(EnvOSAuthURL) != "" &&
		len(e.set(EnvOSPassword, EnvOSApplicationCredentialSecret, EnvOSToken)) > 0
}
