package auth

import (
	"bytes"
	"context"
	"encoding"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

const secretCanary = "canary-Secret-v4lue"

// verbs are the fmt verbs and flags a Secret must survive, including the
// ones that bypass Format (%p goes through fmt's bad-verb path).
var verbs = []string{
	"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "% x", "%#x", "%d", "%p", "%t", "%c", "%U",
	"%e", "%o", "%b", "%10v", "%-30s", "%+q", "%#q", "%.3s", "%T",
}

func TestSecretRendersRedacted(t *testing.T) {
	s := NewSecret(secretCanary)
	type nested struct {
		Public string
		Pw     Secret
		pw     Secret
		Ptr    *Secret
		List   []Secret
		ByName map[string]Secret
	}
	n := nested{Public: "visible", Pw: s, pw: s, Ptr: &s, List: []Secret{s}, ByName: map[string]Secret{"k": s}}
	for _, v := range []any{s, &s, n, &n, []any{s}, map[string]any{"x": n}} {
		for _, verb := range verbs {
			if out := fmt.Sprintf(verb, v); strings.Contains(out, secretCanary) {
				t.Errorf("%s of %T shows the secret: %s", verb, v, out)
			}
		}
		for _, out := range []string{fmt.Sprint(v), fmt.Sprintln(v)} {
			if strings.Contains(out, secretCanary) {
				t.Errorf("Sprint of %T shows the secret: %s", v, out)
			}
		}
		js, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(js, []byte(secretCanary)) {
			t.Errorf("JSON of %T shows the secret: %s", v, js)
		}
		var buf bytes.Buffer
		for _, h := range []slog.Handler{slog.NewJSONHandler(&buf, nil), slog.NewTextHandler(&buf, nil)} {
			slog.New(h).Info("m", "v", v, slog.Group("g", "v", v), slog.Any("s", struct{ V any }{v}))
		}
		if strings.Contains(buf.String(), secretCanary) {
			t.Errorf("slog of %T shows the secret: %s", v, buf.String())
		}
	}
	if got := fmt.Sprintf("%v|%s|%q|%#v|%8v|%-8v|", s, s, s, s, s, s); got != `REDACTED|REDACTED|"REDACTED"|auth.Secret(REDACTED)|REDACTED|REDACTED|` {
		t.Errorf("formatted %s", got)
	}
	if got := fmt.Sprintf("%12s|%-12s|", s, s); got != "    REDACTED|REDACTED    |" {
		t.Errorf("padded %q", got)
	}
	if js, _ := json.Marshal(n); !bytes.Contains(js, []byte(`"Pw":"REDACTED"`)) || !bytes.Contains(js, []byte(`"visible"`)) {
		t.Errorf("JSON %s", js)
	}
	text, _ := encoding.TextMarshaler(s).MarshalText()
	if string(text) != Redacted || s.String() != Redacted || s.LogValue().String() != Redacted {
		t.Errorf("text %q, String %q, LogValue %q", text, s.String(), s.LogValue())
	}
}

func TestSecretUnset(t *testing.T) {
	for _, s := range []Secret{{}, NewSecret("")} {
		if s.IsSet() || !s.IsZero() || s.Reveal() != "" {
			t.Errorf("unset secret: IsSet %v, IsZero %v, Reveal %q", s.IsSet(), s.IsZero(), s.Reveal())
		}
		if got := fmt.Sprintf("%v|%q|%#v", s, s, s); got != `|""|auth.Secret{}` {
			t.Errorf("unset secret formats as %s", got)
		}
		if js, _ := json.Marshal(s); string(js) != `""` {
			t.Errorf("unset secret encodes as %s", js)
		}
	}
}

func TestSecretDecodesPlainValues(t *testing.T) {
	var cfg struct {
		Password Secret
		Token    Secret
		Key      Secret
	}
	if err := json.Unmarshal([]byte(`{"Password":"pa\"ss","Token":null,"Key":"k\u00e9y"}`), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Password.Reveal() != `pa"ss` || cfg.Token.IsSet() || cfg.Key.Reveal() != "kéy" {
		t.Errorf("decoded %q %q %q", cfg.Password.Reveal(), cfg.Token.Reveal(), cfg.Key.Reveal())
	}
	for _, bad := range []string{`{"Password":12345678}`, `{"Password":{"v":"x"}}`, `{"Password":["x"]}`} {
		err := json.Unmarshal([]byte(bad), &cfg)
		if err == nil {
			t.Errorf("%s decoded", bad)
		} else if strings.Contains(err.Error(), "12345678") {
			t.Errorf("error shows the value: %v", err)
		}
	}
	var s Secret
	if err := s.UnmarshalText([]byte(secretCanary)); err != nil || s.Reveal() != secretCanary {
		t.Errorf("UnmarshalText: %v %q", err, s.Reveal())
	}
}

func TestSecretEqual(t *testing.T) {
	a, b, c := NewSecret("same-value"), NewSecret("same-value"), NewSecret("other-value")
	if !a.Equal(b) || a.Equal(c) || !(Secret{}).Equal(NewSecret("")) || a.Equal(Secret{}) {
		t.Error("Equal compares wrongly")
	}
}

func TestStaticTokenRedacts(t *testing.T) {
	authz := StaticToken(secretCanary)
	for _, verb := range verbs {
		if out := fmt.Sprintf(verb, authz); strings.Contains(out, secretCanary) {
			t.Errorf("%s shows the token: %s", verb, out)
		}
	}
	if js, _ := json.Marshal(struct{ A Authorizer }{authz}); bytes.Contains(js, []byte(secretCanary)) {
		t.Errorf("JSON shows the token: %s", js)
	}
	h, ok := authz.(SecretHolder)
	if !ok || len(h.Secrets()) != 1 || h.Secrets()[0].Reveal() != secretCanary {
		t.Error("StaticToken does not declare its token")
	}
	if _, ok := authz.(Renewer); ok {
		t.Error("StaticToken claims it can renew")
	}
}

func TestKeystoneTokenErrorsScrubTheCredentials(t *testing.T) {
	const (
		password = `pass"word\<&>-0001`
		appSec   = "app+secret/0001="
		token    = "gAAAAold-token-0001"
	)
	for name, cred := range map[string]KeystoneCredentials{
		"password": {UserID: "u", Password: NewSecret(password), ProjectID: "p"},
		"appcred":  {ApplicationCredentialID: "ac", ApplicationCredentialSecret: NewSecret(appSec)},
		"token":    {Token: NewSecret(token), ProjectID: "p"},
	} {
		f := newFakeKeystone(t, nil)
		f.answer = func(_ int64, w http.ResponseWriter) {
			f.mu.Lock()
			body := string(f.bodies[len(f.bodies)-1])
			f.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			msg, _ := json.Marshal("The request you have made requires authentication: " + body)
			fmt.Fprintf(w, `{"error": {"code": 401, "title": "Unauthorized", "message": %s}}`, msg)
		}
		k, err := NewKeystone(f.URL, cred)
		if err != nil {
			t.Fatal(err)
		}
		_, err = k.TokenInfo(context.Background())
		if err == nil {
			t.Fatalf("%s: no error", name)
		}
		js, _ := json.Marshal(err)
		for _, out := range []string{err.Error(), fmt.Sprintf("%+v", err), string(js)} {
			for _, s := range []string{password, `pass\"word\\\u003c\u0026\u003e-0001`, appSec, token} {
				if strings.Contains(out, s) {
					t.Errorf("%s: error shows %q: %s", name, s, out)
				}
			}
		}
		if !strings.Contains(err.Error(), `"secret":"REDACTED"`) && !strings.Contains(err.Error(), `"password":"REDACTED"`) &&
			!strings.Contains(err.Error(), `"id":"REDACTED"`) {
			t.Errorf("%s: the quoted body is not in the error, scrubbed: %v", name, err)
		}
	}

	// A malformed token answer quoting the password.
	f := newFakeKeystone(t, nil)
	f.answer = func(_ int64, w http.ResponseWriter) {
		w.Header().Set("X-Subject-Token", "gAAAAnew")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"token": {"expires_at": %q}}`, "bad "+password)
	}
	k, err := NewKeystone(f.URL, KeystoneCredentials{UserID: "u", Password: NewSecret(password)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.TokenInfo(context.Background()); err == nil || strings.Contains(err.Error(), password) ||
		!strings.Contains(err.Error(), "expires_at") {
		t.Errorf("malformed answer: %v", err)
	}
}

func TestAKSKHoldsItsKeysAsSecrets(t *testing.T) {
	const ak, sk, sts = "HPUAEXAMPLEAKID00001", "example-secret-key-0001", "example-sts-token-0001"
	a := NewAKSK(ak, sk, WithSecurityToken(sts))
	var got []string
	for _, s := range a.Secrets() {
		got = append(got, s.Reveal())
	}
	if strings.Join(got, " ") != ak+" "+sk+" "+sts {
		t.Errorf("Secrets %q", got)
	}
	req, _ := http.NewRequest(http.MethodGet, "https://ecs.example.com/v1/p/jobs/j", nil)
	sig, err := a.Sign(req)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sig.CanonicalRequest.Reveal(), "x-security-token:"+sts) ||
		!strings.HasPrefix(sig.Authorization.Reveal(), AKSKAlgorithm+" Access="+ak) {
		t.Errorf("signature %q / %q", sig.CanonicalRequest.Reveal(), sig.Authorization.Reveal())
	}
	if _, ok := sig.Header[HeaderSecurityToken]; ok || sig.Header.Get(HeaderSdkDate) == "" {
		t.Errorf("added headers %v", sig.Header)
	}
	for _, out := range []string{fmt.Sprintf("%+v %#v %x", *sig, sig, *sig), fmt.Sprint(a, *a)} {
		if strings.Contains(out, sk) || strings.Contains(out, sts) || strings.Contains(out, sig.Authorization.Reveal()[len(sig.Authorization.Reveal())-64:]) {
			t.Errorf("shows a credential: %s", out)
		}
	}
}
