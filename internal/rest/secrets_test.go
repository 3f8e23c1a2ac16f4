package rest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
)

// headerAuth sets a custom credential header and declares a value it
// never sends.
type headerAuth struct{}

func (headerAuth) Authorize(_ context.Context, req *http.Request) error {
	req.Header.Set("X-Auth-Token", "header-token-0001")
	return nil
}

func (headerAuth) Secrets() []auth.Secret {
	return []auth.Secret{auth.NewSecret("declared-secret-0001")}
}

func TestRequestSecrets(t *testing.T) {
	req, _ := http.NewRequest(http.MethodGet, "https://x.example.com/", nil)
	req.Header.Set("X-Auth-Token", "header-token-0001")
	req.Header.Set("Authorization", "SDK-HMAC-SHA256 Access=AKEXAMPLE0001, SignedHeaders=host;x-sdk-date, Signature=abcdef0123456789")
	got := requestSecrets(req, headerAuth{}, []auth.Secret{auth.NewSecret("body-password-0001")})
	for _, want := range []string{"header-token-0001", "AKEXAMPLE0001", "abcdef0123456789", "declared-secret-0001", "body-password-0001"} {
		if !slices.Contains(got, want) {
			t.Errorf("requestSecrets lacks %q: %q", want, got)
		}
	}
	if got := requestSecrets(nil, nil, nil); len(got) != 0 {
		t.Errorf("nothing to scrub, got %q", got)
	}
}

// TestErrorsScrubTheRequestsCredentials sends a request whose answer
// quotes every credential it carried: the header the Authorizer set, the
// value it declares, and the password of the body.
func TestErrorsScrubTheRequestsCredentials(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		msg, _ := json.Marshal("rejected " + r.Header.Get("X-Auth-Token") + " declared-secret-0001 " + string(body))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"badRequest": {"code": 400, "message": `+string(msg)+`}}`)
	}))
	defer srv.Close()
	c, err := New(srv.URL, headerAuth{}, []cloudmigrate.Option{cloudmigrate.WithRetry(0)})
	if err != nil {
		t.Fatal(err)
	}
	const password = `body"password/0001`
	_, err = c.Do(context.Background(), &Request{
		Method:  http.MethodPost,
		Path:    "/login",
		Body:    map[string]string{"password": password},
		Secrets: []auth.Secret{auth.NewSecret(password)},
	})
	var apiErr *cloudmigrate.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("err %v", err)
	}
	for _, s := range []string{"header-token-0001", "declared-secret-0001", password, `body\"password/0001`} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error shows %q: %v", s, err)
		}
	}
	if want := `rejected REDACTED REDACTED {"password":"REDACTED"}`; apiErr.Message != want {
		t.Errorf("message %q, want %q", apiErr.Message, want)
	}
}
