package auth

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/cloudmigrate/cloudmigrate"
)

// CloudConfigError reports a setting of a clouds.yaml or secure.yaml entry
// that KeystoneFromEnv or KeystoneFromCloud cannot use: it names the file,
// the cloud and the keys, never their values. errors.As also finds in it a
// *cloudmigrate.ValidationError whose Field lists the keys.
type CloudConfigError struct {
	// File is the file that holds the first key, or should hold it.
	File string
	// Line is the first key's line in File; 0 when the key is missing or
	// the line is unknown.
	Line int
	// Cloud is the name of the entry (OS_CLOUD).
	Cloud string
	// Keys are the keys at fault, dotted ("auth.password") and spelt as in
	// the file. A key that came from the environment is the variable's
	// name (OS_CACERT).
	Keys []string
	// Problem says what is wrong and what to do.
	Problem string

	// where says where each key is, when the keys are not all in File.
	where []string
}

// newCloudConfigError builds the error for the settings vs of cloud.
func newCloudConfigError(cloud, problem string, vs []osValue) *CloudConfigError {
	e := &CloudConfigError{Cloud: cloud, Problem: problem}
	spread := false
	for i, v := range vs {
		e.Keys = append(e.Keys, v.src.key)
		if i == 0 {
			e.File, e.Line = v.src.file, v.src.line
		} else if v.src.file != e.File || (v.src.line != e.Line && v.src.line != 0 && e.Line != 0) {
			spread = true
		}
	}
	if spread {
		for _, v := range vs {
			switch {
			case v.src.file == "":
				e.where = append(e.where, "environment")
			case v.src.line > 0:
				e.where = append(e.where, v.src.file+":"+strconv.Itoa(v.src.line))
			default:
				e.where = append(e.where, v.src.file)
			}
		}
	}
	return e
}

// Error names the file (and line), the cloud and the keys, then the
// problem.
func (e *CloudConfigError) Error() string {
	var b strings.Builder
	b.WriteString("auth: ")
	if len(e.where) == 0 && e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(e.Line))
		}
		b.WriteString(": ")
	}
	b.WriteString("cloud ")
	b.WriteString(strconv.Quote(e.Cloud))
	b.WriteString(": ")
	for i, k := range e.Keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k)
		if len(e.where) > 0 {
			b.WriteString(" (" + e.where[i] + ")")
		}
	}
	if len(e.Keys) > 0 {
		b.WriteString(": ")
	}
	b.WriteString(e.Problem)
	return b.String()
}

// Unwrap returns the *cloudmigrate.ValidationError for the keys.
func (e *CloudConfigError) Unwrap() error {
	return &cloudmigrate.ValidationError{Field: strings.Join(e.Keys, ", "), Problem: e.Problem}
}

// KeystoneFromCloud is KeystoneFromEnv for the clouds.yaml entry name, as
// if OS_CLOUD were set to it: for programs that take the cloud's name as a
// flag. The other variables KeystoneFromEnv reads with OS_CLOUD still
// apply.
func KeystoneFromCloud(name string, opts ...KeystoneOption) (*KeystoneEnv, error) {
	if name == "" {
		return nil, cloudmigrate.Invalid("name", "must not be empty")
	}
	return keystoneFromCloud(env(os.LookupEnv), name, opts)
}

func keystoneFromCloud(e env, name string, opts []KeystoneOption) (*KeystoneEnv, error) {
	c, err := cloudConfig(e, name)
	if err != nil {
		return nil, err
	}
	return c.build(opts)
}

// maxCloudsFile bounds the size of a clouds.yaml or secure.yaml.
const maxCloudsFile = 4 << 20

// configDirs returns the directories clouds.yaml and secure.yaml are
// searched in, in order: the working directory,
// $XDG_CONFIG_HOME/openstack, ~/.config/openstack and /etc/openstack.
func configDirs(e env) []string {
	var dirs []string
	if wd, err := os.Getwd(); err == nil {
		dirs = append(dirs, wd)
	}
	if x := e.get(envXDGConfigHome); x != "" {
		dirs = append(dirs, filepath.Join(x, "openstack"))
	}
	home := e.get(envHome)
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	if home != "" {
		dirs = append(dirs, filepath.Join(home, ".config", "openstack"))
	}
	dirs = append(dirs, systemConfigDir)
	return slices.Compact(dirs)
}

// systemConfigDir is the system-wide directory of clouds.yaml; a variable
// so that tests need not write to /etc.
var systemConfigDir = filepath.Join(string(filepath.Separator), "etc", "openstack")

// candidates lists base.yaml and base.yml in each of dirs.
func candidates(base string, dirs ...string) []string {
	var out []string
	for _, d := range dirs {
		out = append(out, filepath.Join(d, base+".yaml"), filepath.Join(d, base+".yml"))
	}
	return out
}

// exists reports whether path names something that is not a directory
// (an unreadable file counts: reading it then says why).
func exists(path string) bool {
	fi, err := os.Stat(path)
	if err != nil {
		return errors.Is(err, fs.ErrPermission)
	}
	return !fi.IsDir()
}

// findFile returns the file the variable override names (which must
// exist), or the first of paths that exists, or "".
func findFile(e env, override string, paths []string) (string, error) {
	if p := e.get(override); p != "" {
		if !exists(p) {
			return "", cloudmigrate.Invalid(override, "%s: no such file", p)
		}
		return p, nil
	}
	for _, p := range paths {
		if exists(p) {
			return p, nil
		}
	}
	return "", nil
}

// cloudsFiles finds clouds.yaml and secure.yaml, searching as the
// OpenStack clients do: OS_CLIENT_CONFIG_FILE (or OS_CLIENT_SECURE_FILE),
// else the first file found in configDirs. secure.yaml is also looked for
// beside the clouds.yaml found, first.
func cloudsFiles(e env, name string) (clouds, secure string, err error) {
	dirs := configDirs(e)
	clouds, err = findFile(e, EnvOSClientConfigFile, candidates("clouds", dirs...))
	if err != nil {
		return "", "", err
	}
	if clouds == "" {
		return "", "", cloudmigrate.Invalid(EnvOSCloud, "cloud %q: no clouds.yaml in %s; put one there or set %s",
			name, strings.Join(dirs, ", "), EnvOSClientConfigFile)
	}
	secure, err = findFile(e, EnvOSClientSecureFile, candidates("secure", slices.Compact(append([]string{filepath.Dir(clouds)}, dirs...))...))
	return clouds, secure, err
}

// yamlLeaf is a value of a cloud entry, with where it is.
type yamlLeaf struct {
	node *yaml.Node
	key  string // dotted, as the file spells it
	file string
}

// cloudEntry is a cloud's settings flattened to dotted keys ("auth.password"),
// with '-' read as '_' as the OpenStack clients do.
type cloudEntry map[string]yamlLeaf

// maxYAMLDepth bounds the nesting (and alias chains) a cloud entry may
// have.
const maxYAMLDepth = 16

// readCloudEntry reads the entry name of the file at path, if it has one.
func readCloudEntry(path, name string, into cloudEntry) (found bool, names []string, err error) {
	fileErr := func(problem string) error {
		return &CloudConfigError{File: path, Cloud: name, Problem: problem}
	}
	fi, err := os.Stat(path)
	if err == nil && fi.Size() > maxCloudsFile {
		return false, nil, fileErr(fmt.Sprintf("the file is over %d bytes", maxCloudsFile))
	}
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return false, nil, fileErr("cannot read the file: " + err.Error())
	}
	return parseCloudEntry(data, path, name, into)
}

// parseCloudEntry is readCloudEntry for the file's content data.
func parseCloudEntry(data []byte, path, name string, into cloudEntry) (found bool, names []string, err error) {
	fileErr := func(problem string) error {
		return &CloudConfigError{File: path, Cloud: name, Problem: problem}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return false, nil, fileErr("not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if len(doc.Content) == 0 {
		return false, nil, nil // empty file
	}
	root := resolve(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		return false, nil, fileErr("the file is not a YAML mapping")
	}
	clouds := mappingValue(root, "clouds")
	if clouds == nil {
		return false, nil, nil
	}
	clouds = resolve(clouds)
	if clouds.Kind != yaml.MappingNode {
		return false, nil, &CloudConfigError{File: path, Line: clouds.Line, Cloud: name, Keys: []string{"clouds"}, Problem: "want a mapping of cloud names to their settings"}
	}
	for i := 0; i+1 < len(clouds.Content); i += 2 {
		k := clouds.Content[i].Value
		names = append(names, k)
		if k != name {
			continue
		}
		v := resolve(clouds.Content[i+1])
		switch {
		case v.Kind == yaml.MappingNode:
			if err := flatten(v, "", "", path, name, into, 0); err != nil {
				return false, nil, err
			}
		case v.Tag == "!!null":
		default:
			return false, nil, &CloudConfigError{File: path, Line: v.Line, Cloud: name, Keys: []string{"clouds." + name}, Problem: "want a mapping of settings"}
		}
		found = true
	}
	return found, names, nil
}

// resolve follows aliases.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < maxYAMLDepth; i++ {
		n = n.Alias
	}
	return n
}

// mappingValue returns the value of key in the mapping m, or nil.
func mappingValue(m *yaml.Node, key string) *yaml.Node {
	var v *yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			v = m.Content[i+1] // the last one wins, as in the OpenStack clients
		}
	}
	return v
}

// flatten adds the leaves of the mapping m to out under prefix; merge keys
// ("<<: *defaults") give way to the mapping's own keys.
func flatten(m *yaml.Node, prefix, written, file, cloud string, out cloudEntry, depth int) error {
	if depth > maxYAMLDepth {
		return &CloudConfigError{File: file, Line: m.Line, Cloud: cloud, Keys: []string{strings.TrimSuffix(written, ".")}, Problem: "nested too deeply"}
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value != "<<" {
			continue
		}
		v := resolve(m.Content[i+1])
		merges := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			merges = v.Content
		}
		for j := len(merges) - 1; j >= 0; j-- { // earlier merges win
			if mm := resolve(merges[j]); mm.Kind == yaml.MappingNode {
				if err := flatten(mm, prefix, written, file, cloud, out, depth+1); err != nil {
					return err
				}
			}
		}
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i].Value
		if k == "<<" {
			continue
		}
		v := resolve(m.Content[i+1])
		key, spelt := prefix+strings.ReplaceAll(k, "-", "_"), written+k
		if v.Kind == yaml.MappingNode {
			if err := flatten(v, key+".", spelt+".", file, cloud, out, depth+1); err != nil {
				return err
			}
			continue
		}
		out[key] = yamlLeaf{node: v, key: spelt, file: file}
	}
	return nil
}

// cloudConfig reads the entry name from clouds.yaml, merges secure.yaml
// over it key by key, and applies the environment variables that take
// precedence over it.
func cloudConfig(e env, name string) (*osConfig, error) {
	cloudsPath, securePath, err := cloudsFiles(e, name)
	if err != nil {
		return nil, err
	}
	entry := cloudEntry{}
	found, names, err := readCloudEntry(cloudsPath, name, entry)
	if err != nil {
		return nil, err
	}
	if securePath != "" {
		foundSecure, _, err := readCloudEntry(securePath, name, entry)
		if err != nil {
			return nil, err
		}
		found = found || foundSecure
	}
	if !found {
		has := "it defines no cloud"
		if len(names) > 0 {
			has = "it defines " + strings.Join(names, ", ")
		}
		return nil, &CloudConfigError{File: cloudsPath, Cloud: name,
			Problem: "no such cloud in the file (" + has + "); check " + EnvOSCloud}
	}
	c, err := entryConfig(name, cloudsPath, entry)
	if err != nil {
		return nil, err
	}

	// As in gophercloud, these variables take precedence over the file.
	ev := func(n string) osValue { return osValue{v: e.get(n), src: osSource{key: n}} }
	for _, o := range []struct {
		to  *osValue
		env string
	}{
		{&c.region, EnvOSRegionName}, {&c.iface, EnvOSInterface},
		{&c.tls.ca, EnvOSCACert}, {&c.tls.cert, EnvOSCert}, {&c.tls.key, EnvOSKey}, {&c.tls.insecure, EnvOSInsecure},
	} {
		if v := ev(o.env); v.isSet() {
			*o.to = v
		}
	}
	return c, nil
}

// entryConfig reads the settings of the cloud name out of its entry,
// read from cloudsPath (and secure.yaml).
func entryConfig(name, cloudsPath string, entry cloudEntry) (*osConfig, error) {
	c := &osConfig{cloud: name, cloudsFile: cloudsPath}
	r := entryReader{c: c, entry: entry}
	c.authType = r.str("auth_type", "auth_plugin")
	c.authURL = r.str("auth.auth_url")
	c.username = r.str("auth.username")
	c.userID = r.str("auth.user_id")
	c.password = r.str("auth.password")
	c.token = r.str("auth.token", "auth.auth_token")
	c.appCredID = r.str("auth.application_credential_id")
	c.appCredName = r.str("auth.application_credential_name")
	c.appCredSecret = r.str("auth.application_credential_secret")
	c.projectID = r.str("auth.project_id", "project_id", "auth.tenant_id", "tenant_id")
	c.projectName = r.str("auth.project_name", "project_name", "auth.tenant_name", "tenant_name")
	c.projectDomainID = r.str("auth.project_domain_id", "project_domain_id")
	c.projectDomainName = r.str("auth.project_domain_name", "project_domain_name")
	c.userDomainID = r.str("auth.user_domain_id", "user_domain_id")
	c.userDomainName = r.str("auth.user_domain_name", "user_domain_name")
	c.domainID = r.str("auth.domain_id", "domain_id")
	c.domainName = r.str("auth.domain_name", "domain_name")
	c.defaultDomainID = r.str("auth.default_domain", "auth.default_domain_id")
	c.defaultDomainName = r.str("auth.default_domain_name")
	c.region = r.str("region_name")
	c.iface = r.str("interface", "endpoint_type")
	c.identityAPIVersion = r.str("identity_api_version")
	c.computeAPIVersion = r.str("compute_api_version")
	c.computeMicroversion = r.str("compute_default_microversion")
	c.shareAPIVersion = r.str("shared_file_system_api_version")
	c.shareMicroversion = r.str("shared_file_system_default_microversion")
	c.tls = tlsSettings{ca: r.str("cacert"), cert: r.str("cert"), key: r.str("key")}
	verify, insecure := r.boolean("verify"), r.boolean("insecure")
	switch {
	case verify.isSet() && insecure.isSet() && verify.v == insecure.v:
		r.fail("contradict each other: set one of them", verify, insecure)
	case verify.isSet():
		c.tls.insecure = verify
		c.tls.insecure.v = strconv.FormatBool(verify.v == "false")
	default:
		c.tls.insecure = insecure
	}
	for key, problem := range map[string]string{
		"auth.passcode":     "TOTP (passcode) authentication is not supported: remove it and use a password alone or an application credential",
		"auth.system_scope": "system-scoped tokens are not supported: remove it and scope to a project or a domain",
		"auth.trust_id":     "trust-scoped tokens are not supported: remove it",
		"profile":           "vendor profiles (clouds-public.yaml) are not read: copy the profile's settings into the cloud",
		"cloud":             "vendor profiles (clouds-public.yaml) are not read: copy the profile's settings into the cloud",
	} {
		c.refuse(r.str(key), problem)
	}
	slices.SortFunc(c.refused, func(a, b refusal) int { return strings.Compare(a.v.src.key, b.v.src.key) })
	if r.err != nil {
		return nil, r.err
	}
	return c, nil
}

// entryReader reads settings out of a cloud entry, keeping the first
// error.
type entryReader struct {
	c     *osConfig
	entry cloudEntry
	err   error
}

func (r *entryReader) fail(problem string, vs ...osValue) {
	if r.err == nil {
		r.err = r.c.invalid(problem, vs...)
	}
}

// str returns the first of keys (aliases, in order of preference) that is
// set; two that are set to different values are an error. An unset result
// is named after keys[0], in clouds.yaml.
func (r *entryReader) str(keys ...string) osValue {
	var got []osValue
	for _, k := range keys {
		leaf, ok := r.entry[k]
		if !ok {
			continue
		}
		v := osValue{src: osSource{key: leaf.key, file: leaf.file, line: leaf.node.Line}}
		switch {
		case leaf.node.Kind != yaml.ScalarNode:
			r.fail("want a single value", v)
			continue
		case leaf.node.Tag == "!!null":
			continue
		}
		v.v = leaf.node.Value
		if v.isSet() {
			got = append(got, v)
		}
	}
	for _, v := range got[min(1, len(got)):] {
		if v.v != got[0].v {
			r.fail("set to two different values: keep one of them", got[0], v)
			break
		}
	}
	if len(got) > 0 {
		return got[0]
	}
	return osValue{src: osSource{key: keys[0], file: r.c.cloudsFile}}
}

// boolean returns a true or false setting as "true" or "false".
func (r *entryReader) boolean(key string) osValue {
	v := r.str(key)
	if !v.isSet() {
		return v
	}
	var b bool
	if leaf := r.entry[key]; leaf.node.Decode(&b) != nil {
		var err error
		if b, err = strconv.ParseBool(strings.TrimSpace(v.v)); err != nil {
			r.fail("want true or false", v)
			return osValue{src: v.src}
		}
	}
	v.v = strconv.FormatBool(b)
	return v
}
