package auth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The secrets used below; none may appear in any formatted output.
const (
	secretSK        = "SECRETsk0123456789abcdef"
	secretSTS       = "STStoken0123456789abcdef"
	secretPassword  = "PASSWORDvalue0123456789"
	secretAppSecret = "APPSECRETvalue012345678"
	secretOSToken   = "OSTOKENvalue0123456789a"
	secretSubject   = "SUBJECTtokenvalue012345"
	fullAK          = "HPUAEXAMPLEAKID00001"
)

var allSecrets = []string{secretSK, secretSTS, secretPassword, secretAppSecret, secretOSToken, secretSubject, fullAK}

// credentialValues builds every credential-bearing value of the package,
// after use (the Keystone authorizers hold a fetched token).
func credentialValues(t *testing.T) map[string]any {
	t.Helper()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	f := newFakeKeystone(t, tokenBody(now, now.Add(time.Hour), nil))
	f.prefix = secretSubject
	clock := WithClock(func() time.Time { return now })

	aksk := NewAKSK(fullAK, secretSK, WithSecurityToken(secretSTS), clock)
	req, _ := http.NewRequest("POST", "https://ecs.example.com/v1/p/x", strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "application/json")
	if err := aksk.Authorize(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	sig, err := aksk.Sign(req)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sig.CanonicalRequest.Reveal(), secretSTS) {
		t.Fatal("test premise: the canonical request holds the security token")
	}

	pwCred := KeystoneCredentials{Username: "alice", UserDomainName: "Default", Password: NewSecret(secretPassword), ProjectName: "demo", ProjectDomainName: "Default"}
	acCred := KeystoneCredentials{ApplicationCredentialID: "ac-id", ApplicationCredentialSecret: NewSecret(secretAppSecret)}
	tokCred := KeystoneCredentials{Token: NewSecret(secretOSToken), ProjectID: "p1"}
	ks := map[string]*Keystone{}
	for name, c := range map[string]KeystoneCredentials{"password": pwCred, "appcred": acCred, "token": tokCred} {
		k, err := NewKeystone(f.URL, c, clock)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := k.TokenInfo(context.Background()); err != nil {
			t.Fatal(err)
		}
		ks[name] = k
	}
	hw, err := huaweiFromEnv(mapLookup(map[string]string{
		EnvHuaweiAK: fullAK, EnvHuaweiSK: secretSK, EnvHuaweiSecurityToken: secretSTS, EnvHuaweiProjectID: "p",
	}))
	if err != nil {
		t.Fatal(err)
	}
	ke, err := keystoneFromEnv(mapLookup(map[string]string{
		EnvOSAuthURL: f.URL, EnvOSUserID: "u", EnvOSPassword: secretPassword, EnvOSProjectID: "p1",
	}), clock)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ke.Keystone.TokenInfo(context.Background()); err != nil {
		t.Fatal(err)
	}
	type userConfig struct { // a caller's own struct holding ours
		Name   string
		Cred   KeystoneCredentials
		Signer *AKSK
		Auth   *Keystone
		Sig    Signature
	}
	return map[string]any{
		"*AKSK":                     aksk,
		"AKSK":                      *aksk,
		"KeystoneCredentials pw":    pwCred,
		"*KeystoneCredentials pw":   &pwCred,
		"KeystoneCredentials ac":    acCred,
		"KeystoneCredentials token": tokCred,
		"*Keystone password":        ks["password"],
		"Keystone password":         *ks["password"],
		"*Keystone appcred":         ks["appcred"],
		"*Keystone token":           ks["token"],
		"*HuaweiCredentials":        hw,
		"HuaweiCredentials":         *hw,
		"*KeystoneEnv":              ke,
		"KeystoneEnv":               *ke,
		"*Signature":                sig,
		"Signature":                 *sig,
		"StaticToken":               StaticToken(secretOSToken),
		"Authorizer":                Authorizer(ks["password"]),
		"userConfig":                userConfig{"x", pwCred, aksk, ks["token"], *sig},
		"*userConfig":               &userConfig{"x", acCred, aksk, ks["appcred"], *sig},
		"[]any":                     []any{aksk, pwCred, ks["password"], hw, sig},
		"map":                       map[string]any{"c": tokCred, "k": ks["token"]},
	}
}

func assertNoSecret(t *testing.T, what, out string) {
	t.Helper()
	for _, s := range allSecrets {
		if strings.Contains(out, s) {
			t.Errorf("%s shows %q: %s", what, s, out)
		}
	}
}

func TestRedactionFormatting(t *testing.T) {
	for name, v := range credentialValues(t) {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			assertNoSecret(t, name+" "+verb, fmt.Sprintf(verb, v))
		}
		assertNoSecret(t, name+" Sprint", fmt.Sprint(v))
		assertNoSecret(t, name+" Sprintln", fmt.Sprintln(v))
	}
}

func TestRedactionSlog(t *testing.T) {
	var buf bytes.Buffer
	for _, h := range []slog.Handler{
		slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}),
		slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}),
	} {
		log := slog.New(h)
		for name, v := range credentialValues(t) {
			buf.Reset()
			log.Info("creds", "value", v)
			log.Info("group", slog.Group("g", "value", v))
			log.With("with", v).Debug("with")
			out := buf.String()
			assertNoSecret(t, name+" via slog", out)
			if out == "" {
				t.Fatal("nothing logged")
			}
		}
	}
}

func TestRedactionShowsUsefulParts(t *testing.T) {
	a := NewAKSK(fullAK, secretSK, WithSecurityToken(secretSTS))
	if s := a.String(); !strings.Contains(s, "HPUA") || !strings.Contains(s, "SecurityToken: REDACTED") {
		t.Errorf("AKSK.String() = %s", s)
	}
	if s := NewAKSK("short", secretSK).String(); strings.Contains(s, "short") {
		t.Errorf("short AK shown: %s", s)
	}
	c := KeystoneCredentials{Username: "alice", UserDomainName: "Default", Password: NewSecret(secretPassword), ProjectID: "p1"}
	s := fmt.Sprint(c)
	for _, want := range []string{"alice", "Default", "p1", "Password: REDACTED", "Method: password"} {
		if !strings.Contains(s, want) {
			t.Errorf("%s lacks %q", s, want)
		}
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "cred", c)
	if !strings.Contains(buf.String(), `"username":"alice"`) {
		t.Errorf("slog: %s", buf.String())
	}
	var zero AKSK
	if zero.String() == "" || (&Keystone{}).String() == "" {
		t.Error("zero values")
	}
	if err := zero.Authorize(context.Background(), &http.Request{}); err == nil {
		t.Error("zero AKSK signs")
	}
	if err := (&Keystone{}).Authorize(context.Background(), &http.Request{}); err == nil {
		t.Error("zero Keystone authorizes")
	}
}

func TestErrorsCarryNoSecrets(t *testing.T) {
	// Environment errors name variables, never values.
	_, err := keystoneFromEnv(mapLookup(map[string]string{
		EnvOSAuthURL: "https://k.example.com", EnvOSToken: secretOSToken, EnvOSPassword: secretPassword,
		EnvOSApplicationCredentialSecret: secretAppSecret, EnvOSApplicationCredentialID: "x",
	}))
	if err == nil {
		t.Fatal("no error")
	}
	assertNoSecret(t, "env error", err.Error())
	// Validation errors name fields.
	_, err = NewKeystone("https://k.example.com", KeystoneCredentials{Password: NewSecret(secretPassword), Token: NewSecret(secretOSToken)})
	if err == nil {
		t.Fatal("no error")
	}
	assertNoSecret(t, "validation error", err.Error())
	// Verification errors show at most the start of the access key.
	signer := NewAKSK(fullAK, secretSK, WithSecurityToken(secretSTS))
	req, _ := http.NewRequest("GET", "https://h/x", nil)
	if err := signer.Authorize(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	other := NewAKSK("OTHERAKOTHERAK", secretSK)
	v := &AKSKVerifier{SecretKey: func(string) (string, bool) { return "", false }}
	for _, err := range []error{
		other.VerifyRequest(req, time.Now()),
		NewAKSK(fullAK, "wrong", WithSecurityToken(secretSTS)).VerifyRequest(req, time.Now()),
		NewAKSK(fullAK, secretSK, WithSecurityToken("other")).VerifyRequest(req, time.Now()),
		signer.VerifyRequest(req, time.Now().Add(time.Hour)),
		func() error { _, err := v.Verify(req); return err }(),
	} {
		if err == nil {
			t.Fatal("no error")
		}
		assertNoSecret(t, "verify error", err.Error())
		if !errors.Is(err, ErrSignatureMismatch) && !errors.Is(err, ErrUnknownAccessKey) && !errors.Is(err, ErrSignatureExpired) {
			t.Errorf("unexpected error %v", err)
		}
	}
}
