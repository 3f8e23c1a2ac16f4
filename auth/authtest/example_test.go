package authtest_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/auth/authtest"
)

// A service you fake yourself accepts only the tokens the fake Keystone
// issued (Accepts). Expiring them makes the service answer 401, and
// auth.Keystone renews its token once and sends the request again.
func Example() {
	ks := authtest.NewServer()
	defer ks.Close()
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !ks.Accepts(r) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, "ok")
	}))
	defer svc.Close()

	k, err := auth.NewKeystone(ks.AuthURL(), ks.Credentials())
	if err != nil {
		log.Fatal(err)
	}
	call := func() int {
		req, _ := http.NewRequest(http.MethodGet, svc.URL, nil)
		if err := k.Authorize(context.Background(), req); err != nil {
			log.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusUnauthorized {
			// What the SDK's clients do on a 401.
			if err := k.Renew(context.Background(), req); err != nil {
				log.Fatal(err)
			}
		}
		return resp.StatusCode
	}
	fmt.Println(call(), "tokens issued:", ks.TokensIssued())
	ks.ExpireTokens()
	fmt.Println(call(), call(), "tokens issued:", ks.TokensIssued(), "calls:", ks.Calls(authtest.OpIssueToken))
	// Output:
	// 200 tokens issued: 1
	// 401 200 tokens issued: 2 calls: 2
}
