package secrettest

import (
	"bytes"
	"context"
	"encoding"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/auth/authtest"
	"github.com/cloudmigrate/cloudmigrate/cce"
	"github.com/cloudmigrate/cloudmigrate/internal/fake"
)

// The credentials put into every value; none may show in any rendering.
// The access key is not among them: it is an identifier, sent in clear in
// every signed request, which the auth package's own String methods shorten
// but which a fake's key table or a verbatim dump may show.
const (
	canary       = "CANARYsecret0001xyz"
	canaryAK     = "CANARYACCESSKEY00001"
	canaryToken  = "CANARYtoken0001xyz"
	canarySTS    = "CANARYsts0001xyz"
	canaryAppSec = "CANARYappsecret0001"
)

var allCanaries = []string{canary, canaryToken, canarySTS, canaryAppSec}

var secretType = reflect.TypeFor[auth.Secret]()

// credentialName matches the names of fields that hold a credential. Such
// a field holding plain text (a string, bytes, or a map or slice of them)
// is an error: it must be an auth.Secret.
var credentialName = regexp.MustCompile(`(?i)(password|passwd|secret|token|signature|authorization|canonicalrequest|^sk$)`)

// plainNameOK lists fields whose name matches credentialName although
// they hold no credential, as "package.Type.field".
var plainNameOK = map[string]bool{
	"github.com/cloudmigrate/cloudmigrate/auth.keystoneCore.tokenURL":                   true, // the token endpoint's URL
	"github.com/cloudmigrate/cloudmigrate/internal/fake.Tokens.tokens":                  true, // SHA-256 sums of the tokens, not the tokens
	"github.com/cloudmigrate/cloudmigrate/cce.NodeExtendParam.ServerMetadataHTTPTokens": true, // a policy: "optional" or "required"
}

// candidates are credential-carrying values the walk puts into interface
// fields it can: every authorizer kind of the auth package, a fake's
// credential check, a bare Secret and a struct of credential holders (for
// fields of type any).
func candidates(t *testing.T) []reflect.Value {
	t.Helper()
	ks, err := auth.NewKeystone("https://keystone.example.com/v3", auth.KeystoneCredentials{
		UserID: "u", Password: auth.NewSecret(canary), ProjectID: "p",
	})
	if err != nil {
		t.Fatal(err)
	}
	return []reflect.Value{
		reflect.ValueOf(auth.NewAKSK(canaryAK, canary, auth.WithSecurityToken(canarySTS))),
		reflect.ValueOf(ks),
		reflect.ValueOf(auth.StaticToken(canaryToken)),
		reflect.ValueOf(&fake.AKSKAuth{Keys: map[string]auth.Secret{canaryAK: auth.NewSecret(canary)}}),
		reflect.ValueOf(auth.NewSecret(canary)),
		reflect.ValueOf(struct {
			Cred  auth.KeystoneCredentials
			Login cce.UserPassword
			List  []auth.Secret
		}{
			auth.KeystoneCredentials{Token: auth.NewSecret(canaryToken), ApplicationCredentialSecret: auth.NewSecret(canaryAppSec)},
			cce.UserPassword{Username: "root", Password: auth.NewSecret(canary)},
			[]auth.Secret{auth.NewSecret(canarySTS)},
		}),
	}
}

// walker fills a value's credential fields, at any depth, with canaries.
type walker struct {
	cands    []reflect.Value
	start    int      // the candidate tried first
	filled   []string // where a canary went
	plain    []string // credential fields holding plain text
	visiting map[reflect.Type]int
}

func inModule(t reflect.Type) bool {
	return t.PkgPath() == modulePath || strings.HasPrefix(t.PkgPath(), modulePath+"/")
}

// holdsText reports whether t is plain text or a container of it.
func holdsText(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.String:
		return true
	case reflect.Slice, reflect.Array, reflect.Pointer:
		return t.Elem().Kind() == reflect.Uint8 || holdsText(t.Elem())
	case reflect.Map:
		return holdsText(t.Key()) || holdsText(t.Elem())
	}
	return false
}

// settable returns v's field i, settable even when unexported.
func settable(v reflect.Value, i int) reflect.Value {
	f := v.Field(i)
	if f.CanSet() {
		return f
	}
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
}

// fill puts canaries into v, which must be settable, and reports whether
// it put any.
func (w *walker) fill(v reflect.Value, path string, depth int) bool {
	t := v.Type()
	if t == secretType {
		v.Set(reflect.ValueOf(auth.NewSecret(canary)))
		w.filled = append(w.filled, path)
		return true
	}
	if depth > 8 || w.visiting[t] > 1 {
		return false
	}
	w.visiting[t]++
	defer func() { w.visiting[t]-- }()
	any := false
	switch t.Kind() {
	case reflect.Struct:
		if t.Name() != "" && !inModule(t) {
			return false // the standard library's and dependencies' own state
		}
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			key := path + "." + sf.Name
			if t.Name() != "" {
				key = t.PkgPath() + "." + t.Name() + "." + sf.Name
			}
			if credentialName.MatchString(sf.Name) && holdsText(sf.Type) && !plainNameOK[key] {
				w.plain = append(w.plain, key+" ("+sf.Type.String()+")")
			}
			if w.fill(settable(v, i), path+"."+sf.Name, depth+1) {
				any = true
			}
		}
	case reflect.Pointer:
		if v.IsNil() {
			elem := reflect.New(t.Elem())
			if w.fill(elem.Elem(), "(*"+path+")", depth+1) {
				v.Set(elem)
				any = true
			}
		} else {
			any = w.fill(v.Elem(), "(*"+path+")", depth+1)
		}
	case reflect.Interface:
		if !v.IsNil() {
			return false
		}
		for i := range w.cands {
			c := w.cands[(w.start+i)%len(w.cands)]
			if c.Type().Implements(t) {
				v.Set(c)
				w.filled = append(w.filled, path+" = "+c.Type().String())
				return true
			}
		}
	case reflect.Slice:
		s := reflect.MakeSlice(t, 1, 1)
		if w.fill(s.Index(0), path+"[0]", depth+1) {
			v.Set(s)
			any = true
		}
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if w.fill(v.Index(i), fmt.Sprintf("%s[%d]", path, i), depth+1) {
				any = true
			}
		}
	case reflect.Map:
		key := reflect.New(t.Key()).Elem()
		if t.Key().Kind() == reflect.String {
			key.SetString("key")
		}
		w.fill(key, path+"{key}", depth+1)
		elem := reflect.New(t.Elem()).Elem()
		if w.fill(elem, path+"[key]", depth+1) {
			m := reflect.MakeMap(t)
			m.SetMapIndex(key, elem)
			v.Set(m)
			any = true
		}
	}
	return any
}

// hidden holds a value in an unexported field, where fmt prints it field
// by field without calling its methods.
type hidden struct {
	v any
}

// visible holds a value in an exported field of type any.
type visible struct {
	V any
}

// fmtVerbs are the verbs and flags every value is printed with. %p goes
// through fmt's bad-verb path, which prints a value field by field without
// calling its methods.
var fmtVerbs = []string{
	"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "% x", "%d", "%p", "%t", "%c", "%U",
	"%e", "%o", "%b", "%12v", "%-40s", "%+q", "%#q", "%T",
}

// renderings returns every way x can reach a log, an error or a file.
func renderings(t *testing.T, x any) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, v := range map[string]any{
		"value": x, "in any field": visible{x}, "in unexported field": hidden{x}, "in slice": []any{x}, "in map": map[string]any{"k": x},
	} {
		for _, verb := range fmtVerbs {
			out[name+" "+verb] = fmt.Sprintf(verb, v)
		}
		out[name+" Sprint"] = fmt.Sprint(v)
		out[name+" Sprintln"] = fmt.Sprintln(v)
	}
	for name, v := range map[string]any{"value": x, "in any field": visible{x}, "in slice": []any{x}} {
		b, err := json.Marshal(v)
		out[name+" json"] = string(b)
		if err != nil {
			out[name+" json error"] = err.Error()
		}
		b, err = json.MarshalIndent(v, "", " ")
		out[name+" json indent"] = string(b)
		if err != nil {
			out[name+" json indent error"] = err.Error()
		}
	}
	if m, ok := x.(encoding.TextMarshaler); ok {
		b, err := m.MarshalText()
		out["MarshalText"] = string(b)
		if err != nil {
			out["MarshalText error"] = err.Error()
		}
	}
	if s, ok := x.(fmt.Stringer); ok {
		out["String"] = s.String()
	}
	if s, ok := x.(fmt.GoStringer); ok {
		out["GoString"] = s.GoString()
	}
	if e, ok := x.(error); ok {
		out["Error"] = e.Error()
	}
	if l, ok := x.(slog.LogValuer); ok {
		out["LogValue"] = l.LogValue().Resolve().String()
	}
	for name, newHandler := range map[string]func(*bytes.Buffer) slog.Handler{
		"slog json": func(b *bytes.Buffer) slog.Handler {
			return slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})
		},
		"slog text": func(b *bytes.Buffer) slog.Handler {
			return slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})
		},
	} {
		var buf bytes.Buffer
		log := slog.New(newHandler(&buf))
		log.Info("top", "v", x)
		log.Info("nested", slog.Any("s", visible{x}), slog.Group("g", "v", x))
		log.With("with", x).WithGroup("wg").Debug("with", "v", []any{x})
		out[name] = buf.String()
	}
	return out
}

func checkRenderings(t *testing.T, what string, x any, secrets []string) {
	t.Helper()
	for how, s := range renderings(t, x) {
		for _, c := range secrets {
			if strings.Contains(s, c) {
				t.Errorf("%s, %s, shows %q: %s", what, how, c, s)
			}
		}
	}
}

func TestNoRenderingShowsASecret(t *testing.T) {
	cands := candidates(t)
	holders := 0
	for _, typ := range exportedTypes {
		for start := range cands {
			if checkType(t, typ, cands, start) && start == 0 {
				holders++
			}
		}
	}
	t.Logf("%d of %d exported types can hold a credential", holders, len(exportedTypes))
	// The walk must reach the credential fields this module is known to
	// have; if it reaches fewer, it has stopped looking.
	if holders < 40 {
		t.Errorf("only %d exported types hold a credential: the walk is broken", holders)
	}
}

// checkType fills a value of typ, putting candidate start first into
// interface fields, checks its renderings and reports whether it holds a
// credential at all.
func checkType(t *testing.T, typ reflect.Type, cands []reflect.Value, start int) bool {
	t.Helper()
	w := &walker{cands: cands, start: start, visiting: map[reflect.Type]int{}}
	v := reflect.New(typ).Elem()
	if !w.fill(v, typ.String(), 0) {
		if len(w.plain) > 0 && start == 0 {
			t.Errorf("%s holds credentials as plain text: %s", typ, strings.Join(w.plain, ", "))
		}
		return false
	}
	if start == 0 {
		for _, p := range w.plain {
			t.Errorf("%s holds a credential as plain text: %s; make it an auth.Secret", typ, p)
		}
	}
	if typ.Kind() == reflect.Interface {
		checkRenderings(t, typ.String()+" holding "+v.Elem().Type().String(), v.Interface(), allCanaries)
		return true
	}
	checkRenderings(t, typ.String()+" with "+strings.Join(w.filled, ", "), v.Interface(), allCanaries)
	checkRenderings(t, "*"+typ.String(), v.Addr().Interface(), allCanaries)
	return true
}

// TestWalkFindsPlainCredentials checks the walk itself: it must put a
// canary into Secrets at every depth, name a credential kept as plain
// text however deep, and the renderings must catch what fmt shows of a
// plain string.
func TestWalkFindsPlainCredentials(t *testing.T) {
	type leaf struct {
		Password string
		Token    auth.Secret
	}
	type deep struct {
		Items  []map[string]*leaf
		Opaque any
		Arr    [2]leaf
		inner  struct{ sk []byte }
	}
	w := &walker{cands: candidates(t), visiting: map[reflect.Type]int{}}
	v := reflect.New(reflect.TypeFor[deep]()).Elem()
	if !w.fill(v, "deep", 0) {
		t.Fatal("nothing filled")
	}
	d := v.Interface().(deep)
	if d.Items[0]["key"].Token.Reveal() != canary || d.Arr[1].Token.Reveal() != canary || d.Opaque == nil {
		t.Errorf("walk did not fill every depth: %q", w.filled)
	}
	if d.inner.sk != nil {
		t.Error("the walk wrote into plain bytes")
	}
	plain := strings.Join(w.plain, " ")
	if !strings.Contains(plain, "leaf.Password") || !strings.Contains(plain, ".sk ") {
		t.Errorf("plain credentials found: %q", w.plain)
	}
	type leaky string
	out := renderings(t, leaky(canary))
	if !strings.Contains(out["value %p"], canary) || !strings.Contains(out["in unexported field %v"], canary) {
		t.Errorf("renderings miss what fmt shows of a string: %q %q", out["value %p"], out["in unexported field %v"])
	}
}

// TestLiveAuthorizersShowNoSecret checks authorizers after use: a Keystone
// authorizer holding a token it fetched, an AK/SK signer and the Signature
// it computed, a static token.
func TestLiveAuthorizersShowNoSecret(t *testing.T) {
	ks := authtest.NewServer(authtest.WithUser("ops", canary), authtest.WithApplicationCredential("ac-1", canaryAppSec))
	defer ks.Close()
	ctx := context.Background()
	var secrets []string
	live := map[string]any{}
	for name, cred := range map[string]auth.KeystoneCredentials{
		"password": {Username: "ops", UserDomainName: "Default", Password: auth.NewSecret(canary), ProjectID: authtest.DefaultProjectID},
		"appcred":  {ApplicationCredentialID: "ac-1", ApplicationCredentialSecret: auth.NewSecret(canaryAppSec)},
	} {
		k, err := auth.NewKeystone(ks.AuthURL(), cred)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodGet, "https://nova.example.com/", nil)
		if err := k.Authorize(ctx, req); err != nil {
			t.Fatal(err)
		}
		tok := req.Header.Get("X-Auth-Token")
		if !ks.Valid(tok) {
			t.Fatalf("%s: token %q not issued by the fake", name, tok)
		}
		secrets = append(secrets, tok)
		live["Keystone "+name] = k
		live["Keystone value "+name] = *k
		live["credentials "+name] = cred
	}
	signer := auth.NewAKSK(canaryAK, canary, auth.WithSecurityToken(canarySTS))
	req, _ := http.NewRequest(http.MethodPost, "https://ecs.example.com/v1/p/cloudservers", strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "application/json")
	sig, err := signer.Sign(req)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sig.CanonicalRequest.Reveal(), canarySTS) {
		t.Fatal("test premise: the canonical request holds the security token")
	}
	secrets = append(secrets, sig.Authorization.Reveal()[strings.LastIndex(sig.Authorization.Reveal(), "=")+1:])
	live["signer"] = signer
	live["signature"] = sig
	live["signature value"] = *sig
	live["static token"] = auth.StaticToken(canaryToken)
	secrets = append(secrets, allCanaries...)
	for _, name := range slices.Sorted(maps.Keys(live)) {
		checkRenderings(t, name, live[name], secrets)
	}
}
