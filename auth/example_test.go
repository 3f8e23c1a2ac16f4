package auth_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/auth/authtest"
)

// Authenticate to Keystone, here the fake token service of package
// authtest, and find a service in the token's catalog. Credentials are
// auth.Secret values, which no rendering shows.
func Example() {
	ks := authtest.NewServer(authtest.WithCatalog(authtest.Service{Type: "compute", URL: "https://nova.example.com/v2.1"}))
	defer ks.Close()
	creds := ks.Credentials()
	k, err := auth.NewKeystone(ks.AuthURL(), creds)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	info, err := k.TokenInfo(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(info.UserName, info.ProjectName, info.ExpiresAt.After(info.IssuedAt))
	nova, err := k.Endpoint(ctx, auth.ServiceTypeCompute, authtest.DefaultRegion, auth.InterfacePublic)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(nova)
	fmt.Printf("password %v, %+v\n", creds.Password, creds.Password)
	// Output:
	// admin migration-tests true
	// https://nova.example.com/v2.1
	// password REDACTED, REDACTED
}

// Signing a request with a fixed date gives a reproducible signature: this
// is the first of the Huawei signing vectors.
func ExampleNewAKSK() {
	signer := auth.NewAKSK("HPUAEXAMPLEAKID00001", "ExAmPlEsEcReTkEy0000000000000000000000001")

	req, err := http.NewRequest("GET",
		"https://ecs.cn-north-4.myhuaweicloud.com/v1/0a1b2c3d4e5f60718293a4b5c6d7e8f9/cloudservers/detail?limit=10&offset=1", nil)
	if err != nil {
		log.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "huaweicloud-usdk-go/3.0")
	req.Header.Set("X-Project-Id", "0a1b2c3d4e5f60718293a4b5c6d7e8f9")
	req.Header.Set("X-Sdk-Date", "20250315T081530Z") // normally left to the clock

	if err := signer.Authorize(context.Background(), req); err != nil {
		log.Fatal(err)
	}
	fmt.Println(req.Header.Get("Authorization"))
	fmt.Println(signer) // the secret key never shows
	// Output:
	// SDK-HMAC-SHA256 Access=HPUAEXAMPLEAKID00001, SignedHeaders=user-agent;x-project-id;x-sdk-date, Signature=41d9eca341f905f0c8a39a41c2679fe6091feb59c84fae32e45a406e52a6f438
	// auth.AKSK{AK: HPUA****, SK: REDACTED}
}

// Sign shows the canonical request, to compare with the one the gateway
// echoes in an APIGW.0301 answer.
func ExampleAKSK_Sign() {
	signer := auth.NewAKSK("HPUAEXAMPLEAKID00001", "ExAmPlEsEcReTkEy0000000000000000000000001")
	req, _ := http.NewRequest("DELETE", "https://cce.cn-north-4.myhuaweicloud.com/api/v3/projects/p/clusters/c", nil)
	req.Header.Set("X-Project-Id", "p")
	req.Header.Set("X-Sdk-Date", "20250401T010203Z")

	sig, err := signer.Sign(req)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sig.CanonicalRequest.Reveal())
	// Output:
	// DELETE
	// /api/v3/projects/p/clusters/c/
	//
	// x-project-id:p
	// x-sdk-date:20250401T010203Z
	//
	// x-project-id;x-sdk-date
	// e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
}

// A fake Huawei gateway checks signatures with AKSKVerifier.
func ExampleAKSKVerifier() {
	keys := map[string]string{"HPUAEXAMPLEAKID00001": "secret"}
	gateway := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := &auth.AKSKVerifier{SecretKey: func(ak string) (string, bool) { sk, ok := keys[ak]; return sk, ok }}
		if _, err := v.Verify(r); err != nil {
			http.Error(w, "APIGW.0301: "+err.Error(), http.StatusUnauthorized)
			return
		}
		io.WriteString(w, "signature ok")
	}))
	defer gateway.Close()

	for _, sk := range []string{"secret", "wrong"} {
		req, _ := http.NewRequest("POST", gateway.URL+"/v1/p/cloudservers/s/migrate", strings.NewReader(`{"migrate":null}`))
		req.Header.Set("Content-Type", "application/json")
		if err := auth.NewAKSK("HPUAEXAMPLEAKID00001", sk).Authorize(context.Background(), req); err != nil {
			log.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, strings.TrimSpace(string(body)))
	}
	// Output:
	// 200 signature ok
	// 401 APIGW.0301: auth: signature does not match the request: signed headers x-sdk-date
}

// fakeKeystone stands in for a Keystone server in the examples.
func fakeKeystone() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "POST" || r.URL.Path != "/v3/auth/tokens" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("X-Subject-Token", "gAAAAABexampleToken")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"token": {
			"expires_at": "2999-01-01T00:00:00.000000Z",
			"issued_at": "2998-12-31T23:00:00.000000Z",
			"methods": ["password"],
			"project": {"id": "a6944d763bf64ee6a275f1263fae0352", "name": "demo", "domain": {"id": "default"}},
			"catalog": [
				{"type": "compute", "name": "nova", "endpoints": [
					{"interface": "public", "region_id": "RegionOne", "region": "RegionOne", "url": "https://nova.example.com/v2.1"},
					{"interface": "internal", "region_id": "RegionOne", "region": "RegionOne", "url": "http://nova.internal:8774/v2.1"}]},
				{"type": "sharev2", "name": "manilav2", "endpoints": [
					{"interface": "public", "region_id": "RegionOne", "region": "RegionOne", "url": "https://manila.example.com/v2"}]}
			]}}`)
	}))
}

func ExampleNewKeystone() {
	keystone := fakeKeystone()
	defer keystone.Close()

	cred := auth.KeystoneCredentials{
		Username:          "alice",
		UserDomainName:    "Default",
		Password:          auth.NewSecret("correct horse battery staple"),
		ProjectName:       "demo",
		ProjectDomainName: "Default",
	}
	authz, err := auth.NewKeystone(keystone.URL+"/v3", cred)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// Where the services are, from the token's catalog.
	nova, err := authz.Endpoint(ctx, auth.ServiceTypeCompute, "RegionOne", "")
	if err != nil {
		log.Fatal(err)
	}
	manila, err := authz.Endpoint(ctx, auth.ServiceTypeShare, "RegionOne", "public")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(nova)
	fmt.Println(manila)

	// Each request gets the cached token.
	req, _ := http.NewRequest("GET", nova+"/servers", nil)
	if err := authz.Authorize(ctx, req); err != nil {
		log.Fatal(err)
	}
	fmt.Println(req.Header.Get("X-Auth-Token"))
	fmt.Println(cred) // no password
	// Output:
	// https://nova.example.com/v2.1
	// https://manila.example.com/v2
	// gAAAAABexampleToken
	// auth.KeystoneCredentials{Method: password, Username: alice, UserDomainName: Default, Password: REDACTED, ProjectName: demo, ProjectDomainName: Default}
}

func ExampleParseMicroversion() {
	v, err := auth.ParseMicroversion("2.80")
	if err != nil {
		log.Fatal(err)
	}
	abortQueued := auth.MustParseMicroversion("2.65")
	fmt.Println(v, v.AtLeast(abortQueued), v.Less(auth.MustParseMicroversion("2.100")))

	h := http.Header{}
	auth.ComputeHeaders(h, v)
	fmt.Println(h.Get("OpenStack-API-Version"))
	fmt.Println(h.Get("X-OpenStack-Nova-API-Version"))

	_, err = auth.ParseMicroversion("latest")
	fmt.Println(err)
	// Output:
	// 2.80 true true
	// compute 2.80
	// 2.80
	// auth: malformed microversion "latest": want MAJOR.MINOR such as 2.80
}

func ExampleShareHeaders() {
	h := http.Header{}
	auth.ShareHeaders(h, auth.MustParseMicroversion("2.57"), true)
	fmt.Println(h.Get("X-OpenStack-Manila-API-Version"), h.Get("X-OpenStack-Manila-API-Experimental"))
	// Output: 2.57 True
}

func ExampleHuaweiFromEnv() {
	// A real program gets these from its environment; they are set here
	// only to make the example self-contained.
	for k, v := range map[string]string{
		"HUAWEICLOUD_SDK_AK":         "HPUAEXAMPLEAKID00001",
		"HUAWEICLOUD_SDK_SK":         "example-secret-key",
		"HUAWEICLOUD_SDK_PROJECT_ID": "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
		"HUAWEICLOUD_SDK_REGION":     "cn-north-4",
	} {
		os.Setenv(k, v)
		defer os.Unsetenv(k)
	}

	if !auth.HuaweiEnvPresent() {
		fmt.Println("no Huawei credentials: using the fake")
		return
	}
	creds, err := auth.HuaweiFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("https://ecs." + creds.Region + ".myhuaweicloud.com")
	fmt.Println(creds)

	os.Unsetenv("HUAWEICLOUD_SDK_PROJECT_ID")
	_, err = auth.HuaweiFromEnv()
	fmt.Println(err)
	// Output:
	// https://ecs.cn-north-4.myhuaweicloud.com
	// auth.HuaweiCredentials{AKSK: auth.AKSK{AK: HPUA****, SK: REDACTED}, ProjectID: 0a1b2c3d4e5f60718293a4b5c6d7e8f9, Region: cn-north-4}
	// cloudmigrate: invalid HUAWEICLOUD_SDK_PROJECT_ID: not set
}

func ExampleKeystoneFromEnv() {
	keystone := fakeKeystone()
	defer keystone.Close()

	// A real program gets these from an "openrc" file; they are set here
	// only to make the example self-contained.
	for k, v := range map[string]string{
		"OS_AUTH_URL":            keystone.URL + "/v3",
		"OS_USERNAME":            "alice",
		"OS_USER_DOMAIN_NAME":    "Default",
		"OS_PASSWORD":            "correct horse battery staple",
		"OS_PROJECT_NAME":        "demo",
		"OS_PROJECT_DOMAIN_NAME": "Default",
		"OS_REGION_NAME":         "RegionOne",
		"OS_INTERFACE":           "internal",
	} {
		os.Setenv(k, v)
		defer os.Unsetenv(k)
	}

	if !auth.KeystoneEnvPresent() {
		fmt.Println("no OpenStack credentials: using the fake")
		return
	}
	cloud, err := auth.KeystoneFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	nova, err := cloud.Endpoint(context.Background(), auth.ServiceTypeCompute)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(nova)

	os.Setenv("OS_TOKEN", "leftover-token")
	defer os.Unsetenv("OS_TOKEN")
	_, err = auth.KeystoneFromEnv()
	fmt.Println(err)
	// Output:
	// http://nova.internal:8774/v2.1
	// cloudmigrate: invalid OS_PASSWORD, OS_TOKEN: conflicting authentication methods: unset all but one
}
