package auth

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/cloudmigrate/cloudmigrate"
)

// More environment variables KeystoneFromEnv reads: where clouds.yaml is,
// the TLS settings, and the older names gophercloud also accepts.
const (
	// EnvOSCloud names the clouds.yaml entry to use; when it is set, the
	// settings come from clouds.yaml (and secure.yaml), not from the
	// OS_* authentication variables.
	EnvOSCloud = "OS_CLOUD"
	// EnvOSClientConfigFile is the clouds.yaml to read instead of
	// searching the standard places.
	EnvOSClientConfigFile = "OS_CLIENT_CONFIG_FILE"
	// EnvOSClientSecureFile is the secure.yaml to read instead of
	// searching the standard places.
	EnvOSClientSecureFile = "OS_CLIENT_SECURE_FILE"
	// EnvOSCACert is a PEM file of the certificate authorities to trust
	// instead of the system's.
	EnvOSCACert = "OS_CACERT"
	// EnvOSCert is a PEM file with the client certificate (and its key,
	// when EnvOSKey is not set).
	EnvOSCert = "OS_CERT"
	// EnvOSKey is a PEM file with the client certificate's private key.
	EnvOSKey = "OS_KEY"
	// EnvOSInsecure, when true, turns off TLS certificate verification.
	EnvOSInsecure = "OS_INSECURE"
	// EnvOSTenantID and EnvOSTenantName are the older names of
	// OS_PROJECT_ID and OS_PROJECT_NAME; the newer ones win when both are
	// set.
	EnvOSTenantID   = "OS_TENANT_ID"
	EnvOSTenantName = "OS_TENANT_NAME"
	// EnvOSDefaultDomain is the ID of the domain of the user and of the
	// project when neither names its own.
	EnvOSDefaultDomain = "OS_DEFAULT_DOMAIN"
)

// Variables that are recognised only to be refused or reconciled.
const (
	envOSUserIDCompact = "OS_USERID" // gophercloud's spelling of OS_USER_ID
	envOSPasscode      = "OS_PASSCODE"
	envOSSystemScope   = "OS_SYSTEM_SCOPE"
	envOSTrustID       = "OS_TRUST_ID"
	envHome            = "HOME"
	envXDGConfigHome   = "XDG_CONFIG_HOME"
)

// osSource says where a setting was read: an environment variable, or a
// key of a clouds.yaml or secure.yaml entry.
type osSource struct {
	// key is the variable, or the dotted key as the file spells it
	// ("auth.password").
	key string
	// file is the file holding the key; "" for the environment.
	file string
	// line is the key's line in file; 0 when unknown or missing.
	line int
}

// osValue is one setting with where it came from. The value may be a
// secret: it never goes into an error.
type osValue struct {
	v   string
	src osSource
}

func (v osValue) isSet() bool { return v.v != "" }

// firstOf returns the first of vs that is set, or an unset value named
// like vs[0].
func firstOf(vs ...osValue) osValue {
	for _, v := range vs {
		if v.isSet() {
			return v
		}
	}
	return osValue{src: vs[0].src}
}

// setOnes returns those of vs that are set.
func setOnes(vs ...osValue) []osValue {
	var out []osValue
	for _, v := range vs {
		if v.isSet() {
			out = append(out, v)
		}
	}
	return out
}

// refusal is a setting this package does not support, with what to do.
type refusal struct {
	v       osValue
	problem string
}

// osConfig is everything KeystoneFromEnv resolves, from the environment or
// from a cloud entry, before it is checked.
type osConfig struct {
	// cloud is the clouds.yaml entry's name; "" for the environment.
	cloud string
	// cloudsFile is the clouds.yaml read for cloud.
	cloudsFile string

	authType                               osValue
	authURL                                osValue
	userID, username, password             osValue
	userDomainID, userDomainName           osValue
	projectID, projectName                 osValue
	projectDomainID, projectDomainName     osValue
	domainID, domainName                   osValue
	defaultDomainID, defaultDomainName     osValue
	token                                  osValue
	appCredID, appCredName, appCredSecret  osValue
	region, iface                          osValue
	identityAPIVersion                     osValue
	tls                                    tlsSettings
	computeAPIVersion, computeMicroversion osValue
	shareAPIVersion, shareMicroversion     osValue

	refused []refusal
}

// invalid reports a problem with the settings vs: a
// *cloudmigrate.ValidationError naming the variables when they all come
// from the environment, else a *CloudConfigError naming file, cloud and
// keys.
func (c *osConfig) invalid(problem string, vs ...osValue) error {
	names := make([]string, len(vs))
	fromFile := false
	for i, v := range vs {
		names[i] = v.src.key
		fromFile = fromFile || v.src.file != ""
	}
	if !fromFile {
		return &cloudmigrate.ValidationError{Field: strings.Join(names, ", "), Problem: problem}
	}
	return newCloudConfigError(c.cloud, problem, vs)
}

// envConfig reads the OS_* variables, with the names gophercloud accepts.
func envConfig(e env) (*osConfig, error) {
	ev := func(name string) osValue { return osValue{v: e.get(name), src: osSource{key: name}} }
	c := &osConfig{
		authURL:           ev(EnvOSAuthURL),
		username:          ev(EnvOSUsername),
		password:          ev(EnvOSPassword),
		userDomainID:      ev(EnvOSUserDomainID),
		userDomainName:    ev(EnvOSUserDomainName),
		projectID:         firstOf(ev(EnvOSProjectID), ev(EnvOSTenantID)),
		projectName:       firstOf(ev(EnvOSProjectName), ev(EnvOSTenantName)),
		projectDomainID:   ev(EnvOSProjectDomainID),
		projectDomainName: ev(EnvOSProjectDomainName),
		domainID:          ev(EnvOSDomainID),
		domainName:        ev(EnvOSDomainName),
		defaultDomainID:   ev(EnvOSDefaultDomain),
		token:             ev(EnvOSToken),
		appCredID:         ev(EnvOSApplicationCredentialID),
		appCredName:       ev(EnvOSApplicationCredentialName),
		appCredSecret:     ev(EnvOSApplicationCredentialSecret),
		region:            ev(EnvOSRegionName),
		iface:             ev(EnvOSInterface),
		tls: tlsSettings{
			ca: ev(EnvOSCACert), cert: ev(EnvOSCert), key: ev(EnvOSKey), insecure: ev(EnvOSInsecure),
		},
	}
	// OS_USER_ID is the OpenStack clients' name, OS_USERID gophercloud's.
	c.userID = ev(EnvOSUserID)
	if alt := ev(envOSUserIDCompact); alt.isSet() {
		if c.userID.isSet() && c.userID.v != alt.v {
			return nil, c.invalid("two different user IDs: unset one of them", c.userID, alt)
		}
		c.userID = firstOf(c.userID, alt)
	}
	c.refuse(ev(envOSPasscode), "TOTP (passcode) authentication is not supported: unset it and use OS_PASSWORD alone or an application credential")
	c.refuse(ev(envOSSystemScope), "system-scoped tokens are not supported: unset it and scope to a project or a domain")
	c.refuse(ev(envOSTrustID), "trust-scoped tokens are not supported: unset it")
	return c, nil
}

func (c *osConfig) refuse(v osValue, problem string) {
	if v.isSet() {
		c.refused = append(c.refused, refusal{v, problem})
	}
}

// Authentication methods, as KeystoneCredentials.Method names them.
const (
	methodPassword = "password"
	methodAppCred  = "application_credential"
	methodToken    = "token"
)

// method picks the authentication method: the one auth_type names, or the
// only one whose settings are present.
func (c *osConfig) method() (string, error) {
	if c.authType.isSet() {
		t := strings.ToLower(strings.TrimSpace(c.authType.v))
		switch t {
		case "password", "v3password":
			if !c.password.isSet() {
				return "", c.invalid("not set: required with auth_type "+t, c.password)
			}
			return methodPassword, nil
		case "v3applicationcredential":
			return methodAppCred, nil
		case "token", "v3token":
			if !c.token.isSet() {
				return "", c.invalid("not set: required with auth_type "+t, c.token)
			}
			return methodToken, nil
		case "v2password", "v2token":
			return "", c.invalid(fmt.Sprintf("%q: Keystone v2 is not supported; use v3password or v3token", t), c.authType)
		}
		return "", c.invalid(fmt.Sprintf("%q is not supported; use password, v3password, v3applicationcredential, token or v3token", t), c.authType)
	}
	password := setOnes(c.password)
	appCred := setOnes(c.appCredID, c.appCredName, c.appCredSecret)
	token := setOnes(c.token)
	var found [][]osValue
	var method string
	for _, m := range []struct {
		name string
		vs   []osValue
	}{{methodPassword, password}, {methodAppCred, appCred}, {methodToken, token}} {
		if len(m.vs) > 0 {
			found = append(found, m.vs)
			method = m.name
		}
	}
	switch len(found) {
	case 0:
		return "", c.invalid("not set: set one of them", c.password, c.appCredSecret, c.token)
	case 1:
		return method, nil
	}
	var all []osValue
	for _, f := range found {
		all = append(all, f...)
	}
	return "", c.invalid("conflicting authentication methods: unset all but one", all...)
}

// domainPick is a domain candidate: its value and whether it is an ID.
type domainPick struct {
	v  osValue
	id bool
}

func pickDomain(cands ...domainPick) (id, name string, ok bool) {
	for _, d := range cands {
		if d.v.isSet() {
			if d.id {
				return d.v.v, "", true
			}
			return "", d.v.v, true
		}
	}
	return "", "", false
}

// user resolves the user of the password method or of an application
// credential named by name. As gophercloud and the OpenStack clients do,
// the domain falls back from the user's own to the domain setting and
// then to the default domain.
func (c *osConfig) user(cred *KeystoneCredentials) error {
	if c.userID.isSet() {
		cred.UserID = c.userID.v
		return nil
	}
	if !c.username.isSet() {
		return c.invalid("not set: set one of them", c.userID, c.username)
	}
	id, name, ok := pickDomain(
		domainPick{c.userDomainID, true}, domainPick{c.userDomainName, false},
		domainPick{c.domainID, true}, domainPick{c.domainName, false},
		domainPick{c.defaultDomainID, true}, domainPick{c.defaultDomainName, false})
	if !ok {
		return c.invalid(fmt.Sprintf("not set: required with %s; set one of them (or %s or %s, for the user and the project)",
			c.username.src.key, c.domainName.src.key, c.defaultDomainID.src.key), c.userDomainName, c.userDomainID)
	}
	cred.Username, cred.UserDomainID, cred.UserDomainName = c.username.v, id, name
	return nil
}

// scope resolves the scope of a password or token: a project by ID or by
// name (with its domain, which falls back as the user's does), else a
// domain, else none. A domain setting next to a project is the project's
// and user's domain, not a second scope.
func (c *osConfig) scope(cred *KeystoneCredentials) error {
	switch {
	case c.projectID.isSet():
		cred.ProjectID = c.projectID.v
	case c.projectName.isSet():
		id, name, ok := pickDomain(
			domainPick{c.projectDomainID, true}, domainPick{c.projectDomainName, false},
			domainPick{c.domainID, true}, domainPick{c.domainName, false},
			domainPick{c.defaultDomainID, true}, domainPick{c.defaultDomainName, false})
		if !ok {
			return c.invalid(fmt.Sprintf("not set: required with %s; set one of them (or %s or %s)",
				c.projectName.src.key, c.domainName.src.key, c.defaultDomainID.src.key), c.projectDomainName, c.projectDomainID)
		}
		cred.ProjectName, cred.ProjectDomainID, cred.ProjectDomainName = c.projectName.v, id, name
	case c.domainID.isSet():
		cred.DomainID = c.domainID.v
	case c.domainName.isSet():
		cred.DomainName = c.domainName.v
	}
	return nil
}

// credentials checks the settings and builds the credentials.
func (c *osConfig) credentials() (KeystoneCredentials, error) {
	var cred KeystoneCredentials
	for _, r := range c.refused {
		return cred, c.invalid(r.problem, r.v)
	}
	if v := c.identityAPIVersion; v.isSet() {
		s := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(v.v)), "v")
		switch {
		case s == "3" || strings.HasPrefix(s, "3."):
		case s == "2" || strings.HasPrefix(s, "2."):
			return cred, c.invalid("Keystone v2 is not supported; use 3", v)
		default:
			return cred, c.invalid(fmt.Sprintf("%q is not an identity API version; use 3", v.v), v)
		}
	}
	if !c.authURL.isSet() {
		return cred, c.invalid("not set", c.authURL)
	}
	method, err := c.method()
	if err != nil {
		return cred, err
	}
	switch method {
	case methodPassword:
		if err := c.user(&cred); err != nil {
			return cred, err
		}
		cred.Password = NewSecret(c.password.v)
	case methodAppCred:
		if !c.appCredSecret.isSet() {
			return cred, c.invalid("not set: required with an application credential", c.appCredSecret)
		}
		switch {
		case c.appCredID.isSet():
			cred.ApplicationCredentialID = c.appCredID.v
		case c.appCredName.isSet():
			cred.ApplicationCredentialName = c.appCredName.v
			if err := c.user(&cred); err != nil {
				return cred, err
			}
		default:
			return cred, c.invalid("not set: set one of them", c.appCredID, c.appCredName)
		}
		cred.ApplicationCredentialSecret = NewSecret(c.appCredSecret.v)
		// An application credential carries its own scope: as in
		// gophercloud, project and domain settings are not sent with it.
		return cred, nil
	case methodToken:
		cred.Token = NewSecret(c.token.v)
	}
	return cred, c.scope(&cred)
}

// microversion resolves a service's default microversion from its
// <service>_api_version ("2", "2.latest" or "2.79") and
// <service>_default_microversion settings, as openstacksdk reads them: a
// major version alone or "latest" leaves the client to negotiate.
func (c *osConfig) microversion(apiVersion, micro osValue) (string, error) {
	parse := func(v osValue) (string, error) {
		s := strings.ToLower(strings.TrimSpace(v.v))
		switch {
		case s == "" || s == "2" || s == "latest" || s == "2.latest":
			return "", nil
		}
		mv, err := ParseMicroversion(s)
		if err != nil || mv.Major != 2 {
			return "", c.invalid(fmt.Sprintf("%q: want 2, 2.latest or a 2.x microversion such as 2.79", v.v), v)
		}
		return mv.String(), nil
	}
	a, err := parse(apiVersion)
	if err != nil {
		return "", err
	}
	m, err := parse(micro)
	if err != nil {
		return "", err
	}
	if a != "" && m != "" && a != m {
		return "", c.invalid("two different microversions: set one of them", apiVersion, micro)
	}
	return cmp.Or(m, a), nil
}

// build checks the settings and makes the authorizer and what goes with
// it. opts come after the settings' own options, so a WithHTTPClient among
// them replaces the client of token requests.
func (c *osConfig) build(opts []KeystoneOption) (*KeystoneEnv, error) {
	cred, err := c.credentials()
	if err != nil {
		return nil, err
	}
	iface, verr := normalizeInterface(c.iface.v)
	if verr != nil {
		return nil, c.invalid(verr.Problem, c.iface)
	}
	computeMV, err := c.microversion(c.computeAPIVersion, c.computeMicroversion)
	if err != nil {
		return nil, err
	}
	shareMV, err := c.microversion(c.shareAPIVersion, c.shareMicroversion)
	if err != nil {
		return nil, err
	}
	tlsConfig, err := c.tlsConfig()
	if err != nil {
		return nil, err
	}
	var hc *http.Client
	if tlsConfig != nil {
		tr := tlsTransport(tlsConfig)
		hc = &http.Client{Transport: tr}
		opts = append([]KeystoneOption{WithHTTPClient(&http.Client{Transport: tr, Timeout: defaultTokenTimeout})}, opts...)
	}
	k, err := NewKeystone(c.authURL.v, cred, opts...)
	if err != nil {
		var ve *cloudmigrate.ValidationError
		if errors.As(err, &ve) && ve.Field == "authURL" {
			return nil, c.invalid(ve.Problem, c.authURL)
		}
		return nil, err
	}
	if tlsConfig != nil && tlsConfig.InsecureSkipVerify {
		c.warnInsecure(warningLogger(opts))
	}
	return &KeystoneEnv{
		Keystone:            k,
		Credentials:         cred,
		AuthURL:             c.authURL.v,
		Region:              c.region.v,
		Interface:           iface,
		Cloud:               c.cloud,
		TLSConfig:           tlsConfig,
		HTTPClient:          hc,
		ComputeMicroversion: computeMV,
		ShareMicroversion:   shareMV,
	}, nil
}

// ComputeOptions returns the options a compute (nova) client needs to
// follow the configuration KeystoneFromEnv read: its HTTP client when TLS
// settings were given, and its default microversion when one was set
// (compute_api_version or compute_default_microversion). Pass them to
// nova.NewClientFromKeystone or nova.NewClient, before options of your
// own, which take precedence.
func (k *KeystoneEnv) ComputeOptions() []cloudmigrate.Option {
	return k.clientOptions(k.ComputeMicroversion)
}

// ShareOptions returns the options a shared file systems (manila) client
// needs to follow the configuration KeystoneFromEnv read: its HTTP client
// when TLS settings were given, and its default microversion when one was
// set (shared_file_system_api_version or
// shared_file_system_default_microversion).
func (k *KeystoneEnv) ShareOptions() []cloudmigrate.Option {
	return k.clientOptions(k.ShareMicroversion)
}

func (k *KeystoneEnv) clientOptions(microversion string) []cloudmigrate.Option {
	var opts []cloudmigrate.Option
	if k.HTTPClient != nil {
		opts = append(opts, cloudmigrate.WithHTTPClient(k.HTTPClient))
	}
	if microversion != "" {
		opts = append(opts, cloudmigrate.WithMicroversion(microversion))
	}
	return opts
}

// warningLoggerOption carries the logger of WithWarningLogger.
type warningLoggerOption struct{ l *slog.Logger }

func (warningLoggerOption) applyKeystone(*Keystone) error { return nil }

// WithWarningLogger sends the warnings KeystoneFromEnv and
// KeystoneFromCloud give about the configuration they read (TLS
// certificate verification turned off) to l instead of slog.Default(). A
// nil l discards them. NewKeystone ignores it.
func WithWarningLogger(l *slog.Logger) KeystoneOption { return warningLoggerOption{l} }

// warningLogger returns the logger of the last WithWarningLogger in opts,
// or slog.Default(); nil means discard.
func warningLogger(opts []KeystoneOption) *slog.Logger {
	l := slog.Default()
	for _, o := range opts {
		if w, ok := o.(warningLoggerOption); ok {
			l = w.l
		}
	}
	return l
}
