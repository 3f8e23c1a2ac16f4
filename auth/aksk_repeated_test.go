package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// repeatedVector is a case of testdata/aksk-repeated-headers.json. Headers
// are [name, value] pairs, appended in order to req.Header[name] with the
// name exactly as written (not canonicalized), so that keys differing only
// in case can be expressed.
type repeatedVector struct {
	Name             string            `json:"name"`
	Description      string            `json:"description"`
	Method           string            `json:"method"`
	URL              string            `json:"url"`
	Headers          [][2]string       `json:"headers"`
	Body             string            `json:"body"`
	AK               string            `json:"ak"`
	SK               string            `json:"sk"`
	SdkDate          string            `json:"sdk_date"`
	SignedHeaders    string            `json:"signed_headers"`
	Authorization    string            `json:"authorization"`
	AddedHeaders     map[string]string `json:"added_headers"`
	CanonicalRequest string            `json:"canonical_request"`
	StringToSign     string            `json:"string_to_sign"`
}

func loadRepeatedVectors(t testing.TB) []repeatedVector {
	t.Helper()
	raw, err := os.ReadFile("testdata/aksk-repeated-headers.json")
	if err != nil {
		t.Fatal(err)
	}
	var vs []repeatedVector
	if err := json.Unmarshal(raw, &vs); err != nil {
		t.Fatal(err)
	}
	if len(vs) != 13 {
		t.Fatalf("got %d repeated-header vectors, want 13", len(vs))
	}
	return vs
}

func (v repeatedVector) request(t testing.TB, base string) *http.Request {
	t.Helper()
	u := v.URL
	if base != "" {
		pu, err := url.Parse(v.URL)
		if err != nil {
			t.Fatal(err)
		}
		u = base + pu.RequestURI()
	}
	var body io.Reader
	if v.Body != "" {
		body = strings.NewReader(v.Body)
	}
	req, err := http.NewRequest(v.Method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range v.Headers {
		req.Header[p[0]] = append(req.Header[p[0]], p[1])
	}
	return req
}

// TestAKSKRepeatedHeaderVectors checks the signer, Sign and both verifiers
// against vectors of headers sent with several values, and that signing
// leaves the order of the caller's values as it was.
func TestAKSKRepeatedHeaderVectors(t *testing.T) {
	for _, v := range loadRepeatedVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			date := mustParseDate(t, v.SdkDate)
			signer := NewAKSK(v.AK, v.SK, WithClock(func() time.Time { return date }))
			req := v.request(t, "")
			before := req.Header.Clone()
			if err := signer.Authorize(context.Background(), req); err != nil {
				t.Fatal(err)
			}
			if got := req.Header.Get("Authorization"); got != v.Authorization {
				t.Errorf("Authorization\n got %s\nwant %s", got, v.Authorization)
			}
			if !strings.Contains(v.Authorization, "SignedHeaders="+v.SignedHeaders+",") {
				t.Fatalf("vector's signed_headers %q not in its authorization", v.SignedHeaders)
			}
			for k, vs := range before {
				if !slices.Equal(req.Header[k], vs) {
					t.Errorf("header %q reordered or changed: %q -> %q", k, vs, req.Header[k])
				}
			}
			for k, want := range v.AddedHeaders {
				if got := req.Header[k]; len(got) != 1 || got[0] != want {
					t.Errorf("added header %s = %q, want %q", k, got, want)
				}
			}
			for k := range req.Header {
				if _, ok := before[k]; !ok && k != "Authorization" {
					if _, ok := v.AddedHeaders[k]; !ok {
						t.Errorf("unexpected header %s added", k)
					}
				}
			}

			sig, err := signer.Sign(v.request(t, ""))
			if err != nil {
				t.Fatal(err)
			}
			if sig.CanonicalRequest.Reveal() != v.CanonicalRequest {
				t.Errorf("canonical request\n got %q\nwant %q", sig.CanonicalRequest.Reveal(), v.CanonicalRequest)
			}
			if sig.StringToSign != v.StringToSign || sig.SignedHeaders != v.SignedHeaders {
				t.Errorf("string to sign %q, signed headers %q", sig.StringToSign, sig.SignedHeaders)
			}

			verifier := &AKSKVerifier{
				SecretKey: func(ak string) (string, bool) { return v.SK, ak == v.AK },
				Now:       func() time.Time { return date },
			}
			if ak, err := verifier.Verify(req); err != nil || ak != v.AK {
				t.Errorf("Verify = %q, %v", ak, err)
			}
			if err := signer.VerifyRequest(req, date); err != nil {
				t.Errorf("VerifyRequest: %v", err)
			}
		})
	}
}

// TestAKSKRepeatedHeadersOverTheWire sends every vector to a server that
// verifies what it receives, the way a gateway sees it: Go's transport
// writes each value on its own line, trimmed, and the server gathers the
// values of one name in the order received.
func TestAKSKRepeatedHeadersOverTheWire(t *testing.T) {
	vs := loadRepeatedVectors(t)
	type result struct {
		err    error
		values []string
	}
	results := make(chan result, 1)
	var sk, ak string
	var now time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := &AKSKVerifier{
			SecretKey: func(k string) (string, bool) { return sk, k == ak },
			Now:       func() time.Time { return now },
		}
		_, err := v.Verify(r)
		var all []string
		for k, vs := range r.Header {
			for _, x := range vs {
				all = append(all, k+":"+x)
			}
		}
		results <- result{err, all}
	}))
	defer srv.Close()

	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) {
			ak, sk, now = v.AK, v.SK, mustParseDate(t, v.SdkDate)
			signer := NewAKSK(v.AK, v.SK, WithClock(func() time.Time { return now }))
			req := v.request(t, srv.URL)
			if err := signer.Authorize(context.Background(), req); err != nil {
				t.Fatal(err)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			r := <-results
			if v.Name == "sorted_before_trimming" {
				// " b" sorts before "a" for the signer, but it arrives as
				// "b" and sorts after "a": the case NewAKSK warns about.
				if !errors.Is(r.err, ErrSignatureMismatch) {
					t.Fatalf("Verify = %v, want ErrSignatureMismatch (values received %q)", r.err, r.values)
				}
				return
			}
			if r.err != nil {
				t.Fatalf("Verify: %v (values received %q)", r.err, r.values)
			}
		})
	}
}

// TestAKSKRepeatedHeaderTampering checks that the values of a repeated
// header are all signed: dropping, adding or changing one is refused,
// while sending the same values in another order is not a change.
func TestAKSKRepeatedHeaderTampering(t *testing.T) {
	date := time.Date(2025, 3, 15, 8, 15, 30, 0, time.UTC)
	signer := NewAKSK("HPUAEXAMPLEAKID00002", "sk", WithClock(func() time.Time { return date }))
	sign := func() *http.Request {
		req, _ := http.NewRequest("GET", "https://ecs.example.com/v1/p/jobs/j", nil)
		req.Header["X-Tag"] = []string{"b", "a", "c"}
		if err := signer.Authorize(context.Background(), req); err != nil {
			t.Fatal(err)
		}
		return req
	}
	for _, c := range []struct {
		name   string
		values []string
		want   error
	}{
		{"same values", []string{"b", "a", "c"}, nil},
		{"reordered", []string{"c", "b", "a"}, nil},
		{"trailing space", []string{"c ", "b\t", "a "}, nil},
		{"leading space", []string{" c", "b", "a"}, ErrSignatureMismatch}, // " c" sorts first
		{"one dropped", []string{"b", "a"}, ErrSignatureMismatch},
		{"one added", []string{"b", "a", "c", "d"}, ErrSignatureMismatch},
		{"one duplicated", []string{"b", "a", "c", "c"}, ErrSignatureMismatch},
		{"joined", []string{"a,b,c"}, ErrSignatureMismatch},
		{"one changed", []string{"b", "a", "C"}, ErrSignatureMismatch},
		{"all dropped", nil, ErrSignatureMismatch},
	} {
		t.Run(c.name, func(t *testing.T) {
			req := sign()
			if c.values == nil {
				delete(req.Header, "X-Tag")
			} else {
				req.Header["X-Tag"] = c.values
			}
			err := signer.VerifyRequest(req, date)
			if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("VerifyRequest = %v, want %v", err, c.want)
			}
		})
	}
}

// TestAKSKKeyWithoutValuesIsNotSigned checks that a header key with no
// values, which the transport does not send, is left out of the signature,
// so the request verifies where it is received.
func TestAKSKKeyWithoutValuesIsNotSigned(t *testing.T) {
	date := time.Date(2025, 3, 15, 8, 15, 30, 0, time.UTC)
	signer := NewAKSK("HPUAEXAMPLEAKID00002", "sk", WithClock(func() time.Time { return date }))
	var verr error
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := &AKSKVerifier{SecretKey: func(string) (string, bool) { return "sk", true }, Now: func() time.Time { return date }}
		_, verr = v.Verify(r)
	}))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/v1/p/jobs/j", nil)
	req.Header["X-Empty"] = []string{}
	req.Header.Set("X-Project-Id", "p")
	if err := signer.Authorize(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if got := req.Header.Get("Authorization"); !strings.Contains(got, "SignedHeaders=x-project-id;x-sdk-date,") {
		t.Fatalf("Authorization %q", got)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if verr != nil {
		t.Fatalf("Verify on the server: %v", verr)
	}
}

// refCanonicalRequest builds the canonical request of SDK-HMAC-SHA256 the
// plain way, from the algorithm's description and independently of the
// signer's code: header names lower-cased; SignedHeaders one entry per
// signed key, sorted, joined by ";"; one "name:value" line per value of
// every key with that lower-cased name, values sorted as given and then
// trimmed; path segments and query pairs escaped outside A-Z a-z 0-9 - _
// . ~, the path ended in "/", the pairs sorted by key then value.
func refCanonicalRequest(method, path, rawQuery string, header map[string][]string, payload string) (canon, signed string) {
	escape := func(s string) string {
		var b strings.Builder
		for _, c := range []byte(s) {
			if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("-_.~", c) >= 0 {
				b.WriteByte(c)
			} else {
				fmt.Fprintf(&b, "%%%02X", c)
			}
		}
		return b.String()
	}
	segs := strings.Split(path, "/")
	for i := range segs {
		segs[i] = escape(segs[i])
	}
	uri := strings.Join(segs, "/")
	if !strings.HasSuffix(uri, "/") {
		uri += "/"
	}

	q, _ := url.ParseQuery(rawQuery)
	var pairs []string
	var keys []string
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		vals := append([]string(nil), q[k]...)
		sort.Strings(vals)
		for _, v := range vals {
			pairs = append(pairs, escape(k)+"="+escape(v))
		}
	}

	byName := map[string][]string{}
	var names []string
	for k, vs := range header {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "content-type") || strings.Contains(k, "_") || lk == "authorization" || len(vs) == 0 {
			continue
		}
		names = append(names, lk)
	}
	for k, vs := range header {
		byName[strings.ToLower(k)] = append(byName[strings.ToLower(k)], vs...)
	}
	sort.Strings(names)
	var lines []string
	for _, n := range names {
		vals := append([]string(nil), byName[n]...)
		sort.Strings(vals)
		for _, v := range vals {
			lines = append(lines, n+":"+strings.TrimSpace(v))
		}
	}
	signed = strings.Join(names, ";")
	canon = strings.Join([]string{method, uri, strings.Join(pairs, "&"), strings.Join(lines, "\n") + "\n", signed, payload}, "\n")
	return canon, signed
}

// randomHeaderRequest is a random request whose headers repeat: names from
// a small pool (with spellings that differ only in case and names that are
// never signed), values with spaces, tabs, commas, UTF-8 and empty ones.
// With wire set, values carry no surrounding white space (which Go's
// transport would strip) and no internal tab, and User-Agent is left out
// (the transport sends only its first value, and none when that is empty).
func randomHeaderRequest(r *rand.Rand, base string, wire bool) (*http.Request, string) {
	names := []string{
		"X-Trace-Tag", "x-trace-tag", "X-TRACE-TAG", "Accept", "X-Project-Id", "User-Agent",
		"X-A", "X-B-c", "X-Client-Request-Id", "Content-Type", "X_Under", "Content-Type-Extra",
	}
	pieces := []string{"a", "b", "B", "z", "0", "10", "2", " ", "\t", ",", ";", "=", "ü", "zürich", "*/*", "application/json", "-", "_"}
	value := func() string {
		n := r.IntN(5)
		var b strings.Builder
		for range n {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		s := b.String()
		if wire {
			s = strings.TrimSpace(strings.ReplaceAll(s, "\t", " "))
		}
		return s
	}
	if wire {
		names = slices.DeleteFunc(names, func(n string) bool { return n == "User-Agent" })
	}
	methods := []string{"GET", "POST", "PUT", "DELETE", "PATCH"}
	method := methods[r.IntN(len(methods))]
	paths := []string{"/v1/p/jobs/j", "/v1/p/cloudservers/s x/migrate", "/api/v3/projects/p/clusters/c/nodes/", "", "/ü/%"}
	queries := []string{"", "limit=10&offset=1", "a=2&a=1&b=", "name=my%20pool", "k"}
	u := base + (&url.URL{Path: paths[r.IntN(len(paths))]}).EscapedPath()
	if q := queries[r.IntN(len(queries))]; q != "" {
		u += "?" + q
	}
	body := ""
	if method == "POST" || method == "PUT" || method == "PATCH" {
		body = fmt.Sprintf(`{"n":%d}`, r.IntN(1000))
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		panic(err)
	}
	for range 2 + r.IntN(8) {
		n := names[r.IntN(len(names))]
		if n == "Content-Type" {
			// A value the JSON test matches, or one that makes the
			// payload unsigned.
			req.Header[n] = append(req.Header[n], []string{"application/json", "text/plain", "application/json;charset=UTF-8"}[r.IntN(3)])
			continue
		}
		req.Header[n] = append(req.Header[n], value())
	}
	if !wire && r.IntN(8) == 0 {
		req.Header["X-No-Values"] = []string{}
	}
	return req, body
}

// TestAKSKRepeatedHeadersDifferential signs random requests with repeated
// headers and compares the signer with refCanonicalRequest: the canonical
// request, the Authorization value, and the headers the signer adds. Each
// request must also pass the verifier in process, and a share of them,
// sent over HTTP, on a server.
func TestAKSKRepeatedHeadersDifferential(t *testing.T) {
	const (
		ak = "HPUAEXAMPLEAKID00003"
		sk = "differential-secret"
	)
	n := 3000
	if testing.Short() {
		n = 300
	}
	date := time.Date(2025, 3, 15, 8, 15, 30, 0, time.UTC)
	signer := NewAKSK(ak, sk, WithClock(func() time.Time { return date }))
	verifier := &AKSKVerifier{
		SecretKey: func(k string) (string, bool) { return sk, k == ak },
		Now:       func() time.Time { return date },
	}
	r := rand.New(rand.NewPCG(9, 7))
	repeated := 0
	check := func(t *testing.T, i int, req *http.Request, body string) {
		t.Helper()
		header := map[string][]string{}
		for k, vs := range req.Header {
			header[k] = slices.Clone(vs)
		}
		header[HeaderSdkDate] = []string{date.Format(AKSKDateLayout)}
		payload := sha256Hex(body)
		if ct, ok := header["Content-Type"]; ok && !strings.Contains(ct[0], "application/json") && !strings.Contains(ct[0], "application/bson") {
			header[HeaderSdkContentSha256] = []string{UnsignedPayload}
			payload = UnsignedPayload
		}
		wantCanon, wantSigned := refCanonicalRequest(req.Method, req.URL.Path, req.URL.RawQuery, header, payload)
		mac := hmac.New(sha256.New, []byte(sk))
		mac.Write([]byte(AKSKAlgorithm + "\n" + date.Format(AKSKDateLayout) + "\n" + sha256Hex(wantCanon)))
		wantAuth := AKSKAlgorithm + " Access=" + ak + ", SignedHeaders=" + wantSigned + ", Signature=" + hex.EncodeToString(mac.Sum(nil))

		sig, err := signer.Sign(req)
		if err != nil {
			t.Fatalf("request %d: Sign: %v", i, err)
		}
		if sig.CanonicalRequest.Reveal() != wantCanon {
			t.Fatalf("request %d: canonical request\n got %q\nwant %q", i, sig.CanonicalRequest.Reveal(), wantCanon)
		}
		if err := signer.Authorize(context.Background(), req); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if got := req.Header.Get("Authorization"); got != wantAuth {
			t.Fatalf("request %d: Authorization\n got %s\nwant %s", i, got, wantAuth)
		}
		for _, k := range []string{HeaderSdkDate, HeaderSdkContentSha256} {
			if !slices.Equal(req.Header[k], header[k]) {
				t.Fatalf("request %d: %s = %q, want %q", i, k, req.Header[k], header[k])
			}
		}
		perName := map[string]int{}
		for k, vs := range req.Header {
			if signable(k) {
				perName[strings.ToLower(k)] += len(vs)
			}
		}
		for _, c := range perName {
			if c > 1 {
				repeated++
				break
			}
		}
	}

	for i := range n {
		req, body := randomHeaderRequest(r, "https://svc.example.com", false)
		check(t, i, req, body)
		if _, err := verifier.Verify(req); err != nil {
			t.Fatalf("request %d: Verify: %v", i, err)
		}
	}
	if repeated < n/2 {
		t.Fatalf("only %d of %d requests repeat a signed header", repeated, n)
	}
	t.Logf("%d of %d random requests repeat a signed header", repeated, n)

	var verr error
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		_, verr = verifier.Verify(req)
	}))
	defer srv.Close()
	for i := range n / 10 {
		req, body := randomHeaderRequest(r, srv.URL, true)
		check(t, i, req, body)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if verr != nil {
			t.Fatalf("wire request %d: Verify on the server: %v (headers %q)", i, verr, req.Header)
		}
	}
}
