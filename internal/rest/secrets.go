package rest

import (
	"net/http"

	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/errparse"
)

// requestSecrets lists the credential values sent carried, to be scrubbed
// from the answer before it enters an error: those in its headers (set by
// the Authorizer or by an option), those authz declares as an
// auth.SecretHolder, and those of the body.
func requestSecrets(sent *http.Request, authz auth.Authorizer, body []auth.Secret) []string {
	var out []string
	if sent != nil {
		out = errparse.HeaderSecrets(sent.Header)
	}
	if h, ok := authz.(auth.SecretHolder); ok {
		for _, s := range h.Secrets() {
			out = append(out, s.Reveal())
		}
	}
	for _, s := range body {
		out = append(out, s.Reveal())
	}
	return out
}
