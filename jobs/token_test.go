package jobs

import (
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
)

func sampleToken() Token {
	return Token{
		Service:      "nova",
		Kind:         "live-migrate",
		Endpoint:     "https://compute.example.test:8774/v2.1",
		Resources:    []string{"3f2a7c1e-1111-4c4c-9e9e-000000000001"},
		ID:           "42",
		Microversion: "2.93",
		Source:       "compute1",
		Target:       "compute2",
		Started:      time.Date(2026, 12, 4, 3, 4, 5, 0, time.UTC),
		Extra:        map[string]string{"uuid": "8c1e"},
	}
}

func TestTokenRoundTrip(t *testing.T) {
	for _, tok := range []Token{
		sampleToken(),
		{Service: "ecs", Kind: "cold-migrate", Endpoint: "https://ecs.example.test", Project: "p1"},
	} {
		s := tok.Encode()
		if !strings.HasPrefix(s, "cmop1.") {
			t.Fatalf("token %q lacks its version prefix", s)
		}
		for _, r := range s {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
				t.Fatalf("token %q has %q, which is not URL-safe", s, r)
			}
		}
		got, err := ParseToken(s)
		if err != nil {
			t.Fatalf("ParseToken(%q): %v", s, err)
		}
		if !reflect.DeepEqual(got, tok) {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, tok)
		}
		if tok.String() != s {
			t.Errorf("String %q != Encode %q", tok.String(), s)
		}
	}
}

func TestTokenStartedToTheSecond(t *testing.T) {
	tok := sampleToken()
	tok.Started = time.Date(2026, 1, 2, 3, 4, 5, 999, time.FixedZone("x", 3600))
	got, err := ParseToken(tok.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if !got.Started.Equal(tok.Started.Truncate(time.Second)) || got.Started.Location() != time.UTC {
		t.Errorf("Started %v, want %v in UTC", got.Started, tok.Started.Truncate(time.Second))
	}
}

func TestParseTokenRefuses(t *testing.T) {
	good := sampleToken().Encode()
	parts := strings.Split(good, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	tampered := strings.Replace(string(payload), "\x0242", "\x0243", 1)
	if tampered == string(payload) {
		t.Fatal("test payload lacks the ID")
	}
	reenc := func(p string) string { return base64.RawURLEncoding.EncodeToString([]byte(p)) }
	cases := map[string]string{
		"empty":            "",
		"other text":       "hello",
		"prefix only":      "cmop",
		"no payload":       "cmop1.",
		"no checksum":      "cmop1." + parts[1],
		"truncated":        good[:len(good)-3],
		"truncated body":   parts[0] + "." + parts[1][:len(parts[1])-4] + "." + parts[2],
		"tampered payload": parts[0] + "." + reenc(tampered) + "." + parts[2],
		"tampered sum":     parts[0] + "." + parts[1] + "." + reenc("AAAAAAAA"),
		"newer version":    "cmop2." + parts[1] + "." + parts[2],
		"version zero":     "cmop0." + parts[1] + "." + parts[2],
		"leading zero":     "cmop01." + parts[1] + "." + parts[2],
		"signed version":   "cmop+1." + parts[1] + "." + parts[2],
		"padding":          good + "=",
		"too long":         "cmop1." + strings.Repeat("A", MaxTokenLen),
		"no service":       Token{Kind: "k", Endpoint: "https://x"}.Encode(),
		"no kind":          Token{Service: "s", Endpoint: "https://x"}.Encode(),
		"no endpoint":      Token{Service: "s", Kind: "k"}.Encode(),
	}
	for name, s := range cases {
		_, err := ParseToken(s)
		var ve *cloudmigrate.ValidationError
		if !errors.As(err, &ve) || ve.Field != "token" {
			t.Errorf("%s: ParseToken(%.40q) = %v, want a *ValidationError for field token", name, s, err)
		}
	}
	if _, err := ParseToken("cmop2." + parts[1] + "." + parts[2]); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("newer version: %v", err)
	}
	if _, err := ParseToken(parts[0] + "." + reenc(tampered) + "." + parts[2]); err == nil || !strings.Contains(err.Error(), "altered") {
		t.Errorf("tampered: %v", err)
	}
}

func TestTokenCheck(t *testing.T) {
	tok := sampleToken()
	if err := tok.Check("nova", "HTTPS://Compute.Example.test:8774/v2.1/", ""); err != nil {
		t.Errorf("same endpoint in another case: %v", err)
	}
	if err := tok.Check("nova", tok.Endpoint, "", "cold-migrate", "live-migrate"); err != nil {
		t.Errorf("listed kind: %v", err)
	}
	bad := []struct {
		svc, ep, proj string
		kinds         []string
	}{
		{"manila", tok.Endpoint, "", nil},
		{"nova", "https://other.example.test:8774/v2.1", "", nil},
		{"nova", "https://compute.example.test:8774/V2.1", "", nil},
		{"nova", tok.Endpoint, "p2", nil},
		{"nova", tok.Endpoint, "", []string{"evacuate"}},
	}
	for _, b := range bad {
		err := tok.Check(b.svc, b.ep, b.proj, b.kinds...)
		var ve *cloudmigrate.ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("Check(%q, %q, %q, %v) = %v, want a *ValidationError", b.svc, b.ep, b.proj, b.kinds, err)
		}
	}
}

func TestTokenEncodingIsDeterministic(t *testing.T) {
	tok := sampleToken()
	tok.Extra = map[string]string{"b": "2", "a": "1", "c": "", "": "empty key"}
	tok.Resources = []string{"n3", "n1", "n2"}
	first := tok.Encode()
	for range 20 {
		if s := tok.Encode(); s != first {
			t.Fatalf("Encode gave %q then %q", first, s)
		}
	}
	got, err := ParseToken(first)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, tok) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, tok)
	}
}

func FuzzParseToken(f *testing.F) {
	f.Add(sampleToken().Encode())
	f.Add(Token{Service: "ecs", Kind: "k", Endpoint: "https://e"}.Encode())
	f.Add("cmop1..")
	f.Add("cmop9.e30.AAAAAAAAAAA")
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := ParseToken(s)
		if err != nil {
			var ve *cloudmigrate.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error %T %v is not a *ValidationError", err, err)
			}
			return
		}
		if tok.Service == "" || tok.Kind == "" || tok.Endpoint == "" {
			t.Fatalf("accepted a token without service, kind or endpoint: %+v", tok)
		}
		// What parses re-encodes to a token that parses to the same value.
		again, err := ParseToken(tok.Encode())
		if err != nil {
			t.Fatalf("re-encoded token refused: %v", err)
		}
		if !reflect.DeepEqual(again, tok) {
			t.Fatalf("re-encode changed the token:\n%+v\n%+v", again, tok)
		}
	})
}

func BenchmarkTokenEncode(b *testing.B) {
	tok := sampleToken()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = tok.Encode()
	}
}

func BenchmarkTokenParse(b *testing.B) {
	s := sampleToken().Encode()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := ParseToken(s); err != nil {
			b.Fatal(err)
		}
	}
}
