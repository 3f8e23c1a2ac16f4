package auth_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"

	"github.com/cloudmigrate/cloudmigrate/auth"
)

// A Secret never shows its value, however it is printed, logged or
// encoded; Reveal is the one way to read it.
func ExampleSecret() {
	type config struct {
		User     string
		Password auth.Secret
		Token    auth.Secret
	}
	c := config{User: "ops", Password: auth.NewSecret("correct horse battery staple")}

	fmt.Printf("%v\n%+v\n", c, c)
	out, _ := json.Marshal(c)
	fmt.Println(string(out))
	log := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // keep the output stable
			}
			return a
		},
	}))
	log.Info("loaded", "config", c, "password", c.Password)
	fmt.Println(len(c.Password.Reveal()), "characters")
	// Output:
	// {ops REDACTED }
	// {User:ops Password:REDACTED Token:}
	// {"User":"ops","Password":"REDACTED","Token":""}
	// level=INFO msg=loaded config="{User:ops Password:REDACTED Token:}" password=REDACTED
	// 28 characters
}

// Configuration files decode into a Secret from the plain value.
func ExampleSecret_UnmarshalJSON() {
	var cred auth.KeystoneCredentials
	err := json.Unmarshal([]byte(`{"UserID": "u-1", "Password": "s3cret-value", "ProjectID": "p-1"}`), &cred)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cred.Method(), cred.Password.IsSet(), cred.Password)
	fmt.Println(cred)
	// Output:
	// password true REDACTED
	// auth.KeystoneCredentials{Method: password, UserID: u-1, Password: REDACTED, ProjectID: p-1}
}

// StaticToken keeps the token as a Secret too.
func ExampleStaticToken() {
	authz := auth.StaticToken("gAAAAB-a-token-from-elsewhere")
	out, _ := json.Marshal(map[string]any{"auth": authz})
	fmt.Println(authz)
	fmt.Println(string(out))
	// Output:
	// auth.StaticToken(REDACTED)
	// {"auth":"auth.StaticToken(REDACTED)"}
}
