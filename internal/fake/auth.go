package fake

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/cloudmigrate/cloudmigrate/auth"
)

// AKSKAuth accepts requests signed (SDK-HMAC-SHA256) by one of its key
// pairs, with X-Sdk-Date within 15 minutes of Now, and — when Project is
// set — carrying that X-Project-Id.
type AKSKAuth struct {
	Keys    map[string]auth.Secret // AK -> SK
	Project string
	Now     func() time.Time // nil: time.Now
}

// Check implements Authenticator with the API gateway's codes.
func (a *AKSKAuth) Check(r *http.Request) *Failure {
	v := &auth.AKSKVerifier{
		SecretKey: func(ak string) (string, bool) { sk, ok := a.Keys[ak]; return sk.Reveal(), ok },
		Now:       a.Now,
	}
	if _, err := v.Verify(r); err != nil {
		msg := "Incorrect IAM authentication information: verify aksk signature fail"
		switch {
		case errors.Is(err, auth.ErrUnknownAccessKey):
			msg = "Incorrect IAM authentication information: ak not exist"
		case errors.Is(err, auth.ErrSignatureExpired):
			msg = "Incorrect IAM authentication information: signature expired"
		}
		return &Failure{Status: http.StatusUnauthorized, Code: "APIGW.0301", Message: msg}
	}
	if a.Project != "" && r.Header.Get("X-Project-Id") != a.Project {
		return &Failure{Status: http.StatusUnauthorized, Code: "APIGW.0301", Message: "Incorrect IAM authentication information: project id mismatch"}
	}
	return nil
}

// Tokens issues and checks tokens the way Keystone and Huawei IAM do. It is
// safe for concurrent use.
type Tokens struct {
	// TTL is how long a token lives (default 24h).
	TTL time.Duration
	// Now is the token clock; nil: time.Now.
	Now func() time.Time

	mu     sync.Mutex
	tokens map[[sha256.Size]byte]time.Time // SHA-256 of the token -> expiry
	issued int
}

func (t *Tokens) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

// Issue returns a new token and its expiry.
func (t *Tokens) Issue() (string, time.Time) {
	var b [16]byte
	_, _ = rand.Read(b[:])
	tok := "gAAAA" + hex.EncodeToString(b[:])
	ttl := t.TTL
	if ttl <= 0 {
		ttl = 24 * time.Hour
	}
	exp := t.now().Add(ttl)
	t.mu.Lock()
	if t.tokens == nil {
		t.tokens = map[[sha256.Size]byte]time.Time{}
	}
	t.tokens[sha256.Sum256([]byte(tok))] = exp
	t.issued++
	t.mu.Unlock()
	return tok, exp
}

// Issued returns how many tokens have been issued.
func (t *Tokens) Issued() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.issued
}

// ExpireAll makes every token issued so far invalid, as if its time had
// run out on the service's side.
func (t *Tokens) ExpireAll() {
	t.mu.Lock()
	for k := range t.tokens {
		t.tokens[k] = time.Time{}
	}
	t.mu.Unlock()
}

// Valid reports whether tok was issued here and has not expired.
func (t *Tokens) Valid(tok string) bool {
	t.mu.Lock()
	exp, ok := t.tokens[sha256.Sum256([]byte(tok))]
	t.mu.Unlock()
	return ok && t.now().Before(exp)
}

// Check implements Authenticator: X-Auth-Token must be a valid token.
func (t *Tokens) Check(r *http.Request) *Failure {
	tok := r.Header.Get("X-Auth-Token")
	if tok == "" {
		return &Failure{Status: http.StatusUnauthorized, Code: "Unauthorized", Message: "The request you have made requires authentication."}
	}
	if !t.Valid(tok) {
		return &Failure{Status: http.StatusUnauthorized, Code: "Unauthorized", Message: "The token has expired or is not valid."}
	}
	return nil
}

// Identity is a Keystone v3 token endpoint backed by Tokens.
type Identity struct {
	// Tokens issues the tokens and checks them on the services.
	Tokens *Tokens
	// Users maps user name (or ID) to password.
	Users map[string]auth.Secret
	// AppCreds maps application credential ID to secret.
	AppCreds map[string]auth.Secret
	// ProjectID and ProjectName describe the project tokens are scoped to.
	ProjectID, ProjectName string
	// Catalog lists the services; base is the server's URL.
	Catalog func(base string) []CatalogEntry
}

// CatalogEntry is one service of the catalog.
type CatalogEntry struct {
	// Type, Name, URL and Region describe the service and its one
	// public endpoint.
	Type, Name, URL, Region string
}

type tokenRequest struct {
	Auth struct {
		Identity struct {
			Methods  []string `json:"methods"`
			Password *struct {
				User struct {
					ID       string `json:"id"`
					Name     string `json:"name"`
					Password string `json:"password"`
				} `json:"user"`
			} `json:"password"`
			Token *struct {
				ID string `json:"id"`
			} `json:"token"`
			AppCred *struct {
				ID     string `json:"id"`
				Secret string `json:"secret"`
			} `json:"application_credential"`
		} `json:"identity"`
	} `json:"auth"`
}

// Mount serves POST {prefix}/v3/auth/tokens on s as operation "IssueToken".
func (id *Identity) Mount(s *Server, prefix string) {
	s.HandleOpen("IssueToken", "POST "+prefix+"/v3/auth/tokens", func(r *Request) Response {
		var req tokenRequest
		if err := r.Decode(&req); err != nil {
			return JSON(http.StatusBadRequest, keystoneError(400, "Bad Request", "malformed JSON"))
		}
		in := req.Auth.Identity
		ok := false
		switch {
		case in.Password != nil:
			u := in.Password.User
			name := u.Name
			if name == "" {
				name = u.ID
			}
			pw, known := id.Users[name]
			ok = known && pw.Equal(auth.NewSecret(u.Password))
		case in.AppCred != nil:
			sec, known := id.AppCreds[in.AppCred.ID]
			ok = known && sec.Equal(auth.NewSecret(in.AppCred.Secret))
		case in.Token != nil:
			ok = id.Tokens.Valid(in.Token.ID)
		}
		if !ok {
			return JSON(http.StatusUnauthorized, keystoneError(401, "Unauthorized", "The request you have made requires authentication."))
		}
		tok, exp := id.Tokens.Issue()
		base := "http://" + r.Host
		var catalog []map[string]any
		if id.Catalog != nil {
			for _, e := range id.Catalog(base) {
				region := e.Region
				if region == "" {
					region = "RegionOne"
				}
				catalog = append(catalog, map[string]any{
					"type": e.Type, "name": e.Name, "id": e.Name + "-id",
					"endpoints": []map[string]any{{"id": e.Name + "-public", "interface": "public", "region": region, "region_id": region, "url": e.URL}},
				})
			}
		}
		body := map[string]any{"token": map[string]any{
			"methods":    in.Methods,
			"expires_at": exp.UTC().Format("2006-01-02T15:04:05.000000Z"),
			"issued_at":  id.Tokens.now().UTC().Format("2006-01-02T15:04:05.000000Z"),
			"project":    map[string]any{"id": id.ProjectID, "name": id.ProjectName, "domain": map[string]string{"id": "default", "name": "Default"}},
			"user":       map[string]any{"id": "u-1", "name": "admin", "domain": map[string]string{"id": "default", "name": "Default"}},
			"catalog":    catalog,
		}}
		return Response{Status: http.StatusCreated, Body: body, Header: http.Header{"X-Subject-Token": {tok}}}
	})
}

func keystoneError(code int, title, msg string) any {
	return map[string]any{"error": map[string]any{"code": code, "title": title, "message": msg}}
}
