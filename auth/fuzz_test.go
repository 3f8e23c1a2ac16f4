package auth

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// fuzzMethods are the methods a fuzzed method string falls back to when it
// holds no token character.
var fuzzMethods = []string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"}

// isTokenChar reports whether c may appear in an HTTP token (RFC 9110
// section 5.6.2), such as a method or a header name.
func isTokenChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// tokenOnly keeps the token characters of s.
func tokenOnly(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if isTokenChar(s[i]) {
			b = append(b, s[i])
		}
	}
	return string(b)
}

// fieldValue drops the control characters a header value may not hold
// (everything below space except tab, and DEL).
func fieldValue(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\t' || c >= 0x20 && c != 0x7f {
			b = append(b, c)
		}
	}
	return string(b)
}

// queryMalformed reports whether a key or value of raw has an escape that
// does not decode, the one thing that makes signing refuse a request.
func queryMalformed(raw string) bool {
	for _, piece := range strings.Split(raw, "&") {
		k, v, _ := strings.Cut(piece, "=")
		if _, err := url.QueryUnescape(k); err != nil {
			return true
		}
		if _, err := url.QueryUnescape(v); err != nil {
			return true
		}
	}
	return false
}

// signerAdds are the headers Authorize may add or replace.
var signerAdds = []string{HeaderSdkDate, authorizationHeader, HeaderSdkContentSha256}

// FuzzAKSKSign signs fuzzed requests. Signing must not panic, must fail
// only on a query with a bad escape, must be deterministic for a fixed
// date, must leave the request as it was apart from the headers it adds,
// and what it signs must pass AKSKVerifier.
func FuzzAKSKSign(f *testing.F) {
	for _, v := range loadVectors(f) {
		u, err := url.Parse(v.URL)
		if err != nil {
			f.Fatal(err)
		}
		names := make([]string, 0, len(v.Headers))
		for k := range v.Headers {
			names = append(names, k)
		}
		slices.Sort(names)
		var h [6]string
		for i := 0; i < len(names) && i < 3; i++ {
			h[2*i], h[2*i+1] = names[i], v.Headers[names[i]]
		}
		f.Add(v.Method, u.Path, u.RawQuery, h[0], h[1], h[2], h[3], h[4], h[5], []byte(v.Body), uint8(0))
	}
	f.Add("get", "/a b/%zz/", "a=%zz", "Authorization", "SDK-HMAC-SHA256 old", "X-Sdk-Date", "bad", "", "", []byte("x"), uint8(1))
	f.Add("POST", "", "k=v&k=&=v&&", "Content-Type", "text/plain", "X-Sdk-Content-Sha256", "abc", "Host", "h.example", []byte{}, uint8(3))

	const (
		ak   = "HPUAFUZZAKID00000001"
		sk   = "fuzz-secret-key"
		date = "20250315T081530Z"
	)
	now, _ := time.Parse(AKSKDateLayout, date)
	clock := func() time.Time { return now }
	signer := NewAKSK(ak, sk, WithClock(clock))
	verifier := &AKSKVerifier{
		SecretKey: func(k string) (string, bool) { return sk, k == ak },
		Now:       clock,
	}

	f.Fuzz(func(t *testing.T, method, path, rawQuery, n1, v1, n2, v2, n3, v3 string, body []byte, flags uint8) {
		if m := tokenOnly(method); m != "" {
			method = m
		} else {
			method = fuzzMethods[len(method)%len(fuzzMethods)]
		}
		withGetBody := flags&1 != 0
		nilBody := flags&2 != 0 && len(body) == 0

		build := func() *http.Request {
			req := &http.Request{
				Method: method,
				URL:    &url.URL{Scheme: "https", Host: "svc.example.com", Path: path, RawQuery: rawQuery},
				Host:   "svc.example.com",
				Header: make(http.Header),
			}
			req.Header.Set(HeaderSdkDate, date)
			for _, p := range [...][2]string{{n1, v1}, {n2, v2}, {n3, v3}} {
				if name := tokenOnly(p[0]); name != "" {
					req.Header.Add(name, fieldValue(p[1]))
				}
			}
			if !nilBody {
				b := bytes.Clone(body)
				req.Body = io.NopCloser(bytes.NewReader(b))
				req.ContentLength = int64(len(b))
				if withGetBody {
					req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
				}
			}
			return req
		}

		req := build()
		before := req.Header.Clone()
		urlBefore := *req.URL
		err := signer.Authorize(context.Background(), req)
		if queryMalformed(rawQuery) {
			if err == nil {
				t.Fatalf("query %q with a bad escape was signed", rawQuery)
			}
			return
		}
		if err != nil {
			t.Fatalf("Authorize: %v", err)
		}

		// Only the signer's own headers change.
		if !reflect.DeepEqual(*req.URL, urlBefore) {
			t.Fatalf("URL changed: %#v -> %#v", urlBefore, *req.URL)
		}
		if req.Method != method || req.Host != "svc.example.com" {
			t.Fatalf("method or host changed: %q %q", req.Method, req.Host)
		}
		for k, vs := range before {
			if slices.Contains(signerAdds, k) {
				continue
			}
			if !slices.Equal(req.Header[k], vs) {
				t.Fatalf("header %q changed: %q -> %q", k, vs, req.Header[k])
			}
		}
		for k := range req.Header {
			if _, ok := before[k]; !ok && !slices.Contains(signerAdds, k) {
				t.Fatalf("unexpected header %q added", k)
			}
		}
		if vs := before[HeaderSdkContentSha256]; len(vs) > 0 && !slices.Equal(req.Header[HeaderSdkContentSha256], vs) {
			t.Fatalf("caller's %s replaced", HeaderSdkContentSha256)
		}
		if got := req.Header.Get(HeaderSdkDate); got != date {
			t.Fatalf("X-Sdk-Date = %q, want %q", got, date)
		}
		authz := req.Header.Get(authorizationHeader)
		if !strings.HasPrefix(authz, AKSKAlgorithm+" Access="+ak+", SignedHeaders=") {
			t.Fatalf("Authorization = %q", authz)
		}

		// Deterministic: a fresh copy, Sign, and signing again (a retry)
		// all give the same Authorization.
		again := build()
		if err := signer.Authorize(context.Background(), again); err != nil {
			t.Fatalf("second Authorize: %v", err)
		}
		if got := again.Header.Get(authorizationHeader); got != authz {
			t.Fatalf("not deterministic:\n%s\n%s", authz, got)
		}
		sig, err := signer.Sign(build())
		if err != nil {
			t.Fatalf("Sign: %v", err)
		}
		if sig.Authorization.Reveal() != authz {
			t.Fatalf("Sign gives %q, Authorize %q", sig.Authorization.Reveal(), authz)
		}
		retry := build()
		_ = signer.Authorize(context.Background(), retry)
		if err := signer.Authorize(context.Background(), retry); err != nil || retry.Header.Get(authorizationHeader) != authz {
			t.Fatalf("re-signing gives %q, %v; want %q", retry.Header.Get(authorizationHeader), err, authz)
		}

		// Round trip through the verifier.
		if got, err := verifier.Verify(req); err != nil || got != ak {
			t.Fatalf("Verify = %q, %v (Authorization %q)", got, err, authz)
		}
		// A changed body must not verify, unless the payload is unsigned.
		if !nilBody && len(req.Header[HeaderSdkContentSha256]) == 0 {
			tampered := build()
			_ = signer.Authorize(context.Background(), tampered)
			nb := append(bytes.Clone(body), '!')
			tampered.Body = io.NopCloser(bytes.NewReader(nb))
			tampered.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(nb)), nil }
			if _, err := verifier.Verify(tampered); !errors.Is(err, ErrSignatureMismatch) {
				t.Fatalf("tampered body: Verify error %v, want ErrSignatureMismatch", err)
			}
		}

		// The body is still there in full, through GetBody and Body.
		if nilBody {
			if req.Body != nil || req.GetBody != nil {
				t.Fatal("a request without a body got one")
			}
			return
		}
		if req.GetBody == nil {
			t.Fatal("GetBody is nil after signing")
		}
		rc, err := req.GetBody()
		if err != nil {
			t.Fatalf("GetBody: %v", err)
		}
		got, _ := io.ReadAll(rc)
		if !bytes.Equal(got, body) {
			t.Fatalf("GetBody gives %q, want %q", got, body)
		}
		got, _ = io.ReadAll(req.Body)
		if !bytes.Equal(got, body) {
			t.Fatalf("Body gives %q, want %q", got, body)
		}
		if req.ContentLength != int64(len(body)) {
			t.Fatalf("ContentLength = %d, want %d", req.ContentLength, len(body))
		}
	})
}

// FuzzParseMicroversion checks that ParseMicroversion accepts exactly the
// canonical "X.Y" text, that String parses back to the same value, and that
// Compare is a consistent ordering.
func FuzzParseMicroversion(f *testing.F) {
	for _, p := range [][2]string{
		{"2.80", "2.79"}, {"2.1", "2.10"}, {"1.0", "1.0"}, {"2.57", "3.0"},
		{"0.5", "2.080"}, {"latest", " 2.1"}, {"999999999.999999999", "1000000000.1"},
		{"2.", ".1"}, {"+2.1", "2.-1"}, {"2.1.3", ""},
	} {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		v, errV := ParseMicroversion(a)
		w, errW := ParseMicroversion(b)
		for _, c := range []struct {
			in  string
			v   Microversion
			err error
		}{{a, v, errV}, {b, w, errW}} {
			if c.err != nil {
				if !c.v.IsZero() {
					t.Fatalf("ParseMicroversion(%q) failed but returned %v", c.in, c.v)
				}
				continue
			}
			if c.v.Major <= 0 || c.v.Minor < 0 {
				t.Fatalf("ParseMicroversion(%q) = %+v", c.in, c.v)
			}
			if s := c.v.String(); s != c.in {
				t.Fatalf("ParseMicroversion(%q).String() = %q", c.in, s)
			}
			back, err := ParseMicroversion(c.v.String())
			if err != nil || back != c.v {
				t.Fatalf("%v does not parse back: %v, %v", c.v, back, err)
			}
			var u Microversion
			text, _ := c.v.MarshalText()
			if err := u.UnmarshalText(text); err != nil || u != c.v {
				t.Fatalf("text round trip of %v: %v, %v", c.v, u, err)
			}
		}
		cmp, rev := v.Compare(w), w.Compare(v)
		if cmp != -rev || cmp < -1 || cmp > 1 {
			t.Fatalf("%v.Compare(%v) = %d but the reverse is %d", v, w, cmp, rev)
		}
		if (cmp == 0) != (v == w) {
			t.Fatalf("%v.Compare(%v) = 0 is %v, equality is %v", v, w, cmp == 0, v == w)
		}
		if v.Compare(v) != 0 || w.Compare(w) != 0 {
			t.Fatal("a version does not compare equal to itself")
		}
		if v.Less(w) != (cmp < 0) || v.AtLeast(w) != (cmp >= 0) {
			t.Fatalf("Less/AtLeast disagree with Compare for %v, %v", v, w)
		}
		if errV == nil && errW == nil {
			// Numeric order of the canonical texts.
			want := 0
			switch {
			case v.Major != w.Major && v.Major < w.Major, v.Major == w.Major && v.Minor < w.Minor:
				want = -1
			case v != w:
				want = 1
			}
			if cmp != want {
				t.Fatalf("%v.Compare(%v) = %d, want %d", v, w, cmp, want)
			}
		}
	})
}
