package auth

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"hash"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Names and values of the Huawei Cloud SDK-HMAC-SHA256 signature.
const (
	// AKSKAlgorithm is the algorithm name that starts the Authorization
	// header and the string to sign.
	AKSKAlgorithm = "SDK-HMAC-SHA256"
	// AKSKDateLayout is the time layout of X-Sdk-Date (always UTC).
	AKSKDateLayout = "20060102T150405Z"
	// HeaderSdkDate carries the signing time.
	HeaderSdkDate = "X-Sdk-Date"
	// HeaderSdkContentSha256 replaces the body hash when present; the signer
	// sets it to UnsignedPayload for bodies that are neither JSON nor BSON.
	HeaderSdkContentSha256 = "X-Sdk-Content-Sha256"
	// HeaderSecurityToken carries the session token of temporary
	// credentials. It is signed.
	HeaderSecurityToken = "X-Security-Token"
	// UnsignedPayload is the X-Sdk-Content-Sha256 value that leaves the body
	// out of the signature.
	UnsignedPayload = "UNSIGNED-PAYLOAD"
	// DefaultAKSKMaxSkew is how far X-Sdk-Date may be from the gateway's
	// clock, either way, before it rejects the signature.
	DefaultAKSKMaxSkew = 15 * time.Minute
)

const authorizationHeader = "Authorization"

// emptySHA256 is the hex SHA-256 of no bytes.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// Errors reported by AKSKVerifier.Verify and AKSK.VerifyRequest. The
// returned error wraps one of them; test with errors.Is.
var (
	// ErrNotSigned means the request has no SDK-HMAC-SHA256 Authorization
	// header, or one that cannot be parsed.
	ErrNotSigned = errors.New("auth: request is not signed with " + AKSKAlgorithm)
	// ErrUnknownAccessKey means the access key is not known to the verifier.
	ErrUnknownAccessKey = errors.New("auth: unknown access key")
	// ErrSignatureExpired means X-Sdk-Date is missing, malformed or too far
	// from the verifier's clock.
	ErrSignatureExpired = errors.New("auth: signature date outside the allowed window")
	// ErrSignatureMismatch means the signature does not match the request.
	ErrSignatureMismatch = errors.New("auth: signature does not match the request")
)

// AKSK signs requests for Huawei Cloud with an access key (AK) and secret
// key (SK), using the SDK-HMAC-SHA256 algorithm of the official Huawei
// Cloud SDKs. It is safe for concurrent use, and copies share their state.
// Create it with NewAKSK.
//
// Its String, GoString and LogValue show only the first characters of the
// access key, never the secret key or the security token.
type AKSK struct {
	// The state sits behind a pointer so that even printing a copied
	// value with %v shows an address, not the key.
	*akskCore
}

type akskCore struct {
	ak    string
	sk    Secret
	token Secret
	now   func() time.Time
	macs  sync.Pool // of hash.Hash: HMAC-SHA256 keyed with sk
}

// AKSKOption configures NewAKSK.
type AKSKOption interface {
	applyAKSK(*AKSK)
}

type akskOptionFunc func(*AKSK)

func (f akskOptionFunc) applyAKSK(a *AKSK) { f(a) }

// WithSecurityToken makes the signer send token as X-Security-Token and
// sign it, as temporary (STS) credentials require.
func WithSecurityToken(token string) AKSKOption {
	return akskOptionFunc(func(a *AKSK) { a.token = NewSecret(token) })
}

// ClockOption sets the clock of a signer or token authorizer; nil means
// time.Now. It is accepted by both NewAKSK and NewKeystone.
type ClockOption func() time.Time

// WithClock replaces time.Now, for tests and examples. NewAKSK uses it for
// X-Sdk-Date; NewKeystone uses it to decide when a token needs renewing.
func WithClock(now func() time.Time) ClockOption { return ClockOption(now) }

func (c ClockOption) applyAKSK(a *AKSK) {
	if c != nil {
		a.now = c
	}
}

// NewAKSK returns a signer for the access key ak and secret key sk. It
// does not check them: a wrong pair shows up as the gateway's APIGW.0301
// answer. Use HuaweiFromEnv to read them from the environment.
//
// Signed headers are canonicalized as the official Huawei Cloud Go SDK
// signer does it, and AKSKVerifier applies the same rule:
//
//   - SignedHeaders lists the lower-cased name of every key of req.Header
//     that is signed (see Authorize), sorted byte-wise and joined by ";".
//   - The canonical headers hold one "name:value" line per value: a
//     header sent with several values gives several lines. The values of
//     one name are sorted byte-wise as they are in req.Header, and each is
//     then trimmed of surrounding white space (so " b" sorts before "a").
//   - Keys that differ only in case (possible when req.Header is filled
//     directly rather than with Set or Add) form one header holding the
//     values of all of them; its name is listed, and its lines written,
//     once per key.
//   - A key with no values is not sent, so it is not signed.
//
// Go's transport trims header values as it sends them, and a verifier
// sorts the values it receives; give a header with several values without
// leading white space, so that both sides sort them alike.
func NewAKSK(ak, sk string, opts ...AKSKOption) *AKSK {
	a := &AKSK{&akskCore{ak: ak, sk: NewSecret(sk), now: time.Now}}
	for _, o := range opts {
		if o != nil {
			o.applyAKSK(a)
		}
	}
	key := []byte(sk)
	a.macs.New = func() any { return hmac.New(sha256.New, key) }
	return a
}

// AccessKey returns the access key ID. It is not a secret, but the
// package's own output shows only its start.
func (a *AKSK) AccessKey() string {
	if a == nil || a.akskCore == nil {
		return ""
	}
	return a.ak
}

// Authorize signs req. It sets X-Sdk-Date (keeping a valid one the caller
// already set, unless req carries a signature from an earlier attempt, in
// which case the clock gives a fresh date), X-Security-Token when the
// signer has one, X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD when Content-Type
// is set and names neither application/json nor application/bson, and
// Authorization.
//
// Every header in req.Header is signed except Authorization, names that
// start with "content-type" (any case) and names containing "_". Host is
// signed only when req.Header holds a Host entry; if it does, it must
// match the host the request is sent to. A header with several values is
// signed as one line per value, as NewAKSK describes.
//
// The path is signed in its decoded form (req.URL.Path) and the query as
// decoded from req.URL.RawQuery ("+" counts as a space there, as in form
// encoding; send spaces as %20 to avoid any doubt). The body is read
// through req.GetBody, so req stays intact; when GetBody is nil the body
// is read, put back and GetBody is set.
func (a *AKSK) Authorize(_ context.Context, req *http.Request) error {
	if a == nil || a.akskCore == nil {
		return errors.New("auth: AKSK used without NewAKSK")
	}
	if req == nil || req.URL == nil {
		return errors.New("auth: AKSK.Authorize: request or its URL is nil")
	}
	h := req.Header
	if h == nil {
		h = make(http.Header)
		req.Header = h
	}
	if _, err := a.prepare(req); err != nil {
		return err
	}
	st := getState()
	defer putState(st)
	if err := a.compute(st, req, nil); err != nil {
		return err
	}
	h[authorizationHeader] = []string{string(st.auth)}
	return nil
}

// prepare sets the headers that are signed and sent besides Authorization
// and returns the signing date.
func (a *AKSK) prepare(req *http.Request) (string, error) {
	h := req.Header
	date := ""
	if vs := h[HeaderSdkDate]; len(vs) == 1 && validSdkDate(vs[0]) && !hasOwnSignature(h) {
		date = vs[0]
	} else {
		date = a.now().UTC().Format(AKSKDateLayout)
		h[HeaderSdkDate] = []string{date}
	}
	delete(h, authorizationHeader)
	if a.token.IsSet() {
		h[HeaderSecurityToken] = []string{a.token.Reveal()}
	}
	if vs, ok := h["Content-Type"]; ok && len(vs) > 0 && len(h[HeaderSdkContentSha256]) == 0 {
		ct := vs[0]
		if !strings.Contains(ct, "application/json") && !strings.Contains(ct, "application/bson") {
			h[HeaderSdkContentSha256] = []string{UnsignedPayload}
		}
	}
	return date, nil
}

// hasOwnSignature reports whether h carries an Authorization produced by
// this algorithm, that is, the request was signed before (a retry).
func hasOwnSignature(h http.Header) bool {
	vs := h[authorizationHeader]
	return len(vs) > 0 && strings.HasPrefix(vs[0], AKSKAlgorithm+" ")
}

// validSdkDate reports whether s is a date in AKSKDateLayout, as
// time.Parse would: digits in place, a real day of the month, hours 00-23,
// minutes and seconds 00-59. It runs on every signature, so it reads the
// fixed positions itself instead of calling time.Parse.
func validSdkDate(s string) bool {
	if len(s) != len(AKSKDateLayout) || s[8] != 'T' || s[15] != 'Z' {
		return false
	}
	num := func(i, j int) int {
		n := 0
		for ; i < j; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	year, month, day := num(0, 4), num(4, 6), num(6, 8)
	hour, minute, sec := num(9, 11), num(11, 13), num(13, 15)
	if year < 0 || month < 1 || month > 12 || day < 1 ||
		hour < 0 || hour > 23 || minute < 0 || minute > 59 || sec < 0 || sec > 59 {
		return false
	}
	// Day 0 of the next month is the last day of this one.
	return day <= time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// Signature holds the intermediate strings of one signature, for debugging
// an APIGW.0301 answer: compare CanonicalRequest.Reveal() with the
// canonical request the gateway echoes (in which the SDK's errors show the
// security token as REDACTED). CanonicalRequest holds the values of every
// signed header, the security token among them, and Authorization holds
// the signature, so both are Secrets; the String, GoString, LogValue and
// MarshalJSON methods show only the date, the signed header names and the
// hash of the canonical request.
type Signature struct {
	// Date is the X-Sdk-Date value.
	Date string
	// SignedHeaders is the ";"-separated list of signed header names.
	SignedHeaders string
	// CanonicalRequest is the text whose SHA-256 is signed.
	CanonicalRequest Secret
	// StringToSign is the algorithm, date and canonical request hash.
	StringToSign string
	// Authorization is the Authorization header value.
	Authorization Secret
	// Header holds the headers Authorize adds besides Authorization and
	// X-Security-Token (which it adds, and signs, when the signer has a
	// security token): X-Sdk-Date, and X-Sdk-Content-Sha256 when it
	// applies.
	Header http.Header
}

// String shows the date, the signed header names and the hash of the
// canonical request.
func (s Signature) String() string {
	return "auth.Signature{Date: " + s.Date + ", SignedHeaders: " + s.SignedHeaders +
		", CanonicalRequestSHA256: " + sha256Hex(s.CanonicalRequest.Reveal()) + "}"
}

// GoString is String, for %#v.
func (s Signature) GoString() string { return s.String() }

// LogValue shows what String shows.
func (s Signature) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("date", s.Date),
		slog.String("signed_headers", s.SignedHeaders),
		slog.String("canonical_request_sha256", sha256Hex(s.CanonicalRequest.Reveal())),
	)
}

// MarshalJSON encodes what String shows, so a Signature that ends up in a
// JSON log does not carry signed header values such as the security token.
func (s Signature) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Date                   string
		SignedHeaders          string
		CanonicalRequestSHA256 string
	}{s.Date, s.SignedHeaders, sha256Hex(s.CanonicalRequest.Reveal())})
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// Sign computes the signature Authorize would add to req and returns it
// with its intermediate strings, without changing req's headers. (When
// req.GetBody is nil, the body is read, put back and GetBody is set, as
// Authorize does.)
func (a *AKSK) Sign(req *http.Request) (*Signature, error) {
	if a == nil || a.akskCore == nil {
		return nil, errors.New("auth: AKSK used without NewAKSK")
	}
	if req == nil || req.URL == nil {
		return nil, errors.New("auth: AKSK.Sign: request or its URL is nil")
	}
	if req.GetBody == nil && req.Body != nil && req.Body != http.NoBody {
		if err := bufferBody(req); err != nil {
			return nil, err
		}
	}
	r2 := *req
	r2.Header = req.Header.Clone()
	if r2.Header == nil {
		r2.Header = make(http.Header)
	}
	date, err := a.prepare(&r2)
	if err != nil {
		return nil, err
	}
	st := getState()
	defer putState(st)
	if err := a.compute(st, &r2, nil); err != nil {
		return nil, err
	}
	added := make(http.Header)
	for _, k := range [...]string{HeaderSdkDate, HeaderSdkContentSha256} {
		if v, ok := r2.Header[k]; ok && !slices.Equal(v, req.Header[k]) {
			added[k] = slices.Clone(v)
		}
	}
	return &Signature{
		Date:             date,
		SignedHeaders:    string(st.signed),
		CanonicalRequest: NewSecret(string(st.canon)),
		StringToSign:     AKSKAlgorithm + "\n" + date + "\n" + string(st.canonHex[:]),
		Authorization:    NewSecret(string(st.auth)),
		Header:           added,
	}, nil
}

// Secrets returns the access key, the secret key and the security token,
// for the request pipeline to remove from error messages (see
// SecretHolder).
func (a *AKSK) Secrets() []Secret {
	if a == nil || a.akskCore == nil {
		return nil
	}
	return []Secret{NewSecret(a.ak), a.sk, a.token}
}

// String shows the start of the access key only.
func (a AKSK) String() string {
	if a.akskCore == nil {
		return "auth.AKSK(nil)"
	}
	s := "auth.AKSK{AK: " + maskAK(a.ak) + ", SK: REDACTED"
	if a.token.IsSet() {
		s += ", SecurityToken: REDACTED"
	}
	return s + "}"
}

// GoString is String, for %#v.
func (a AKSK) GoString() string { return a.String() }

// LogValue shows the start of the access key only.
func (a AKSK) LogValue() slog.Value {
	if a.akskCore == nil {
		return slog.StringValue("auth.AKSK(nil)")
	}
	return slog.GroupValue(
		slog.String("ak", maskAK(a.ak)),
		slog.Bool("security_token", a.token.IsSet()),
	)
}

// maskAK keeps the first four characters of a long enough access key.
func maskAK(ak string) string {
	if len(ak) < 8 {
		return "****"
	}
	return ak[:4] + "****"
}

// AKSKVerifier checks SDK-HMAC-SHA256 signatures the way the API gateway
// does: it recomputes the signature over the headers named in
// SignedHeaders and checks the X-Sdk-Date window. The in-process fakes use
// it; it also works on a client request before it is sent.
type AKSKVerifier struct {
	// SecretKey returns the secret key of an access key, and false for an
	// unknown one. Required.
	SecretKey func(ak string) (sk string, ok bool)
	// Now is the verifier's clock; nil means time.Now.
	Now func() time.Time
	// MaxSkew bounds the distance between X-Sdk-Date and Now, either way;
	// zero means DefaultAKSKMaxSkew.
	MaxSkew time.Duration
}

// Verify checks the signature of req and returns the access key that
// signed it. The error wraps ErrNotSigned, ErrUnknownAccessKey,
// ErrSignatureExpired or ErrSignatureMismatch. A body without GetBody (as
// on a server) is read and put back, so a handler can still read it.
//
// On a server, where Go moves Host out of req.Header, a signed "host" is
// taken from req.Host.
func (v *AKSKVerifier) Verify(req *http.Request) (string, error) {
	if req == nil || req.URL == nil {
		return "", ErrNotSigned
	}
	parsed, err := parseAuthorization(req.Header.Get(authorizationHeader))
	if err != nil {
		return "", err
	}
	if v.SecretKey == nil {
		return "", errors.New("auth: AKSKVerifier.SecretKey is nil")
	}
	sk, ok := v.SecretKey(parsed.ak)
	if !ok {
		return "", wrapErr(ErrUnknownAccessKey, "access key "+maskAK(parsed.ak))
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	skew := v.MaxSkew
	if skew <= 0 {
		skew = DefaultAKSKMaxSkew
	}
	if err := verifySignature(req, parsed, []byte(sk), now(), skew); err != nil {
		return "", err
	}
	return parsed.ak, nil
}

// VerifyRequest checks that req carries a valid signature by this key pair
// (and, when the signer has a security token, that the same token was sent
// and signed), with X-Sdk-Date at most DefaultAKSKMaxSkew from now. The
// error wraps ErrNotSigned, ErrUnknownAccessKey, ErrSignatureExpired or
// ErrSignatureMismatch.
func (a *AKSK) VerifyRequest(req *http.Request, now time.Time) error {
	if a == nil || a.akskCore == nil {
		return errors.New("auth: AKSK used without NewAKSK")
	}
	if req == nil || req.URL == nil {
		return ErrNotSigned
	}
	parsed, err := parseAuthorization(req.Header.Get(authorizationHeader))
	if err != nil {
		return err
	}
	if !hmac.Equal([]byte(parsed.ak), []byte(a.ak)) {
		return wrapErr(ErrUnknownAccessKey, "access key "+maskAK(parsed.ak))
	}
	if a.token.IsSet() {
		if !hmac.Equal([]byte(req.Header.Get(HeaderSecurityToken)), []byte(a.token.Reveal())) {
			return wrapErr(ErrSignatureMismatch, "security token differs")
		}
		if !slices.Contains(parsed.signed, "x-security-token") {
			return wrapErr(ErrSignatureMismatch, "x-security-token is not signed")
		}
	}
	return verifySignature(req, parsed, []byte(a.sk.Reveal()), now, DefaultAKSKMaxSkew)
}

type wrappedErr struct {
	sentinel error
	detail   string
}

func (e *wrappedErr) Error() string { return e.sentinel.Error() + ": " + e.detail }
func (e *wrappedErr) Unwrap() error { return e.sentinel }

func wrapErr(sentinel error, detail string) error { return &wrappedErr{sentinel, detail} }

type parsedAuth struct {
	ak        string
	signedRaw string
	signed    []string
	signature string
}

// parseAuthorization reads
// "SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex".
func parseAuthorization(v string) (*parsedAuth, error) {
	rest, ok := strings.CutPrefix(v, AKSKAlgorithm+" ")
	if !ok {
		return nil, ErrNotSigned
	}
	p := &parsedAuth{}
	for _, part := range strings.Split(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, wrapErr(ErrNotSigned, "malformed Authorization header")
		}
		switch k {
		case "Access":
			p.ak = val
		case "SignedHeaders":
			p.signedRaw = val
		case "Signature":
			p.signature = val
		}
	}
	if p.ak == "" || p.signedRaw == "" || p.signature == "" {
		return nil, wrapErr(ErrNotSigned, "Authorization lacks Access, SignedHeaders or Signature")
	}
	p.signed = strings.Split(p.signedRaw, ";")
	return p, nil
}

func verifySignature(req *http.Request, p *parsedAuth, sk []byte, now time.Time, skew time.Duration) error {
	date := req.Header.Get(HeaderSdkDate)
	t, err := time.Parse(AKSKDateLayout, date)
	if err != nil {
		return wrapErr(ErrSignatureExpired, "missing or malformed "+HeaderSdkDate)
	}
	if d := now.Sub(t); d > skew || d < -skew {
		return wrapErr(ErrSignatureExpired, "signed at "+date+", verifier time "+
			now.UTC().Format(AKSKDateLayout))
	}
	if !slices.Contains(p.signed, "x-sdk-date") {
		return wrapErr(ErrSignatureMismatch, "x-sdk-date is not signed")
	}
	if req.GetBody == nil && req.Body != nil && req.Body != http.NoBody {
		if err := bufferBody(req); err != nil {
			return err
		}
	}
	st := getState()
	defer putState(st)
	a := &AKSK{&akskCore{ak: p.ak, sk: NewSecret(string(sk))}}
	if err := a.compute(st, req, p); err != nil {
		return err
	}
	if !hmac.Equal(st.sigHex[:], []byte(p.signature)) {
		return wrapErr(ErrSignatureMismatch, "signed headers "+p.signedRaw)
	}
	return nil
}

// signState holds the buffers of one signature. They are pooled.
type signState struct {
	canon    []byte // canonical request
	signed   []byte // signed header list
	auth     []byte // Authorization value
	hdrs     []hdrEntry
	vals     []string // the values of every signed header, each header's sorted
	query    []queryPair
	sha      hash.Hash
	copyBuf  []byte
	sum      [sha256.Size]byte
	bodyHex  [2 * sha256.Size]byte
	canonHex [2 * sha256.Size]byte
	sigHex   [2 * sha256.Size]byte
}

// hdrEntry is one signed header name and its values, st.vals[lo:hi].
type hdrEntry struct {
	name   string // as found (map key or signed name)
	lo, hi int
}

type queryPair struct{ k, v string }

var statePool = sync.Pool{New: func() any {
	return &signState{
		canon:  make([]byte, 0, 512),
		signed: make([]byte, 0, 64),
		auth:   make([]byte, 0, 192),
		hdrs:   make([]hdrEntry, 0, 8),
		sha:    sha256.New(),
	}
}}

func getState() *signState { return statePool.Get().(*signState) }

func putState(st *signState) {
	if cap(st.canon) > 64<<10 {
		return // let an outsized buffer go
	}
	clear(st.hdrs)
	clear(st.vals)
	clear(st.query)
	st.hdrs, st.vals, st.query = st.hdrs[:0], st.vals[:0], st.query[:0]
	statePool.Put(st)
}

// compute fills st.canon, st.signed, st.canonHex, st.sigHex and st.auth for
// req. With p nil it signs as a client (headers from req.Header per the
// SDK rules); with p it recomputes a received signature over p.signed.
func (a *AKSK) compute(st *signState, req *http.Request, p *parsedAuth) error {
	h := req.Header
	// Signed headers.
	st.signed = st.signed[:0]
	if p == nil {
		for k, vs := range h {
			if !signable(k) || len(vs) == 0 {
				continue // a name without values is not sent
			}
			st.hdrs = append(st.hdrs, hdrEntry{name: k})
		}
		slices.SortFunc(st.hdrs, func(x, y hdrEntry) int { return compareFold(x.name, y.name) })
		// Names differing only in case are adjacent now; each of them
		// stands for the values of all of them.
		for i := 0; i < len(st.hdrs); {
			j := i + 1
			for j < len(st.hdrs) && compareFold(st.hdrs[i].name, st.hdrs[j].name) == 0 {
				j++
			}
			lo := len(st.vals)
			for _, e := range st.hdrs[i:j] {
				st.vals = append(st.vals, h[e.name]...)
			}
			hi := len(st.vals)
			slices.Sort(st.vals[lo:hi])
			for k := i; k < j; k++ {
				st.hdrs[k].lo, st.hdrs[k].hi = lo, hi
			}
			i = j
		}
		for i, e := range st.hdrs {
			if i > 0 {
				st.signed = append(st.signed, ';')
			}
			st.signed = appendLower(st.signed, e.name)
		}
	} else {
		for _, name := range p.signed {
			lo := len(st.vals)
			for k, vs := range h {
				if compareFold(k, name) == 0 {
					st.vals = append(st.vals, vs...)
				}
			}
			if len(st.vals) == lo && name == "host" {
				host := req.Host
				if host == "" {
					host = req.URL.Host
				}
				st.vals = append(st.vals, host)
			}
			if len(st.vals) == lo {
				return wrapErr(ErrSignatureMismatch, "signed header "+name+" is missing")
			}
			slices.Sort(st.vals[lo:])
			st.hdrs = append(st.hdrs, hdrEntry{name, lo, len(st.vals)})
		}
		st.signed = append(st.signed, p.signedRaw...)
	}

	// Payload hash.
	payload := st.bodyHex[:]
	if vs := h[HeaderSdkContentSha256]; len(vs) > 0 {
		payload = []byte(vs[0])
	} else if err := st.hashBody(req); err != nil {
		return err
	}

	// Canonical request.
	b := st.canon[:0]
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	b = append(b, method...)
	b = append(b, '\n')
	b = appendCanonicalURI(b, req.URL.Path)
	b = append(b, '\n')
	var err error
	if b, err = st.appendCanonicalQuery(b, req.URL.RawQuery); err != nil {
		return err
	}
	b = append(b, '\n')
	for _, e := range st.hdrs {
		for _, v := range st.vals[e.lo:e.hi] {
			b = appendLower(b, e.name)
			b = append(b, ':')
			b = append(b, strings.TrimSpace(v)...)
			b = append(b, '\n')
		}
	}
	b = append(b, '\n')
	b = append(b, st.signed...)
	b = append(b, '\n')
	b = append(b, payload...)
	st.canon = b

	// String to sign and signature.
	st.sha.Reset()
	st.sha.Write(b)
	hex.Encode(st.canonHex[:], st.sha.Sum(st.sum[:0]))
	date := h.Get(HeaderSdkDate)
	var mac hash.Hash
	pooled := p == nil
	if pooled {
		mac = a.macs.Get().(hash.Hash)
		mac.Reset()
	} else {
		mac = hmac.New(sha256.New, []byte(a.sk.Reveal()))
	}
	sts := append(st.auth[:0], AKSKAlgorithm+"\n"...)
	sts = append(sts, date...)
	sts = append(sts, '\n')
	sts = append(sts, st.canonHex[:]...)
	mac.Write(sts)
	st.auth = sts[:0]
	hex.Encode(st.sigHex[:], mac.Sum(st.sum[:0]))
	if pooled {
		a.macs.Put(mac)
	}

	out := append(st.auth[:0], AKSKAlgorithm+" Access="...)
	out = append(out, a.ak...)
	out = append(out, ", SignedHeaders="...)
	out = append(out, st.signed...)
	out = append(out, ", Signature="...)
	out = append(out, st.sigHex[:]...)
	st.auth = out
	return nil
}

// signable applies the SDK's exclusions: names starting with
// "content-type", names containing "_", and (ours) Authorization.
func signable(name string) bool {
	if name == "" || strings.IndexByte(name, '_') >= 0 {
		return false
	}
	if len(name) >= len("content-type") && strings.EqualFold(name[:len("content-type")], "content-type") {
		return false
	}
	return !strings.EqualFold(name, authorizationHeader)
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// compareFold compares the ASCII lower-case forms of x and y byte-wise.
func compareFold(x, y string) int {
	n := min(len(x), len(y))
	for i := 0; i < n; i++ {
		cx, cy := lowerASCII(x[i]), lowerASCII(y[i])
		if cx != cy {
			return int(cx) - int(cy)
		}
	}
	return len(x) - len(y)
}

func appendLower(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		b = append(b, lowerASCII(s[i]))
	}
	return b
}

const upperHex = "0123456789ABCDEF"

// unreserved reports the bytes that stay as they are in the canonical
// URI and query: A-Z a-z 0-9 - _ . ~
func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

func appendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return b
}

// appendCanonicalURI escapes each segment of the decoded path and ends the
// result in "/" (step 5).
func appendCanonicalURI(b []byte, path string) []byte {
	for i := 0; i < len(path); i++ {
		c := path[i]
		if c == '/' || unreserved(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	if len(path) == 0 || path[len(path)-1] != '/' {
		b = append(b, '/')
	}
	return b
}

// appendCanonicalQuery decodes raw, sorts the pairs by raw key then raw
// value, and writes them escaped (step 6).
func (st *signState) appendCanonicalQuery(b []byte, raw string) ([]byte, error) {
	if raw == "" {
		return b, nil
	}
	q := st.query[:0]
	for raw != "" {
		var piece string
		piece, raw, _ = strings.Cut(raw, "&")
		if piece == "" {
			continue
		}
		k, v, _ := strings.Cut(piece, "=")
		var err error
		if k, err = url.QueryUnescape(k); err != nil {
			return b, errors.New("auth: AKSK: malformed query: bad escape in a key")
		}
		if v, err = url.QueryUnescape(v); err != nil {
			return b, errors.New("auth: AKSK: malformed query: bad escape in a value")
		}
		q = append(q, queryPair{k, v})
	}
	slices.SortFunc(q, func(x, y queryPair) int {
		if c := strings.Compare(x.k, y.k); c != 0 {
			return c
		}
		return strings.Compare(x.v, y.v)
	})
	for i, p := range q {
		if i > 0 {
			b = append(b, '&')
		}
		b = appendEscaped(b, p.k)
		b = append(b, '=')
		b = appendEscaped(b, p.v)
	}
	st.query = q
	return b, nil
}

// hashBody writes the hex SHA-256 of req's body into st.bodyHex.
func (st *signState) hashBody(req *http.Request) error {
	if req.Body == nil || req.Body == http.NoBody {
		copy(st.bodyHex[:], emptySHA256)
		return nil
	}
	if req.GetBody == nil {
		if err := bufferBody(req); err != nil {
			return err
		}
	}
	rc, err := req.GetBody()
	if err != nil {
		return errors.New("auth: AKSK: GetBody: " + err.Error())
	}
	st.sha.Reset()
	if st.copyBuf == nil {
		st.copyBuf = make([]byte, 4<<10)
	}
	_, err = io.CopyBuffer(hashWriter{st}, rc, st.copyBuf)
	rc.Close()
	if err != nil {
		return errors.New("auth: AKSK: reading the body: " + err.Error())
	}
	hex.Encode(st.bodyHex[:], st.sha.Sum(st.sum[:0]))
	return nil
}

// hashWriter feeds st.sha. Its WriteString copies through st.copyBuf, so
// a strings.Reader body (whose WriteTo calls WriteString) costs no
// allocation.
type hashWriter struct{ st *signState }

func (w hashWriter) Write(p []byte) (int, error) { return w.st.sha.Write(p) }

func (w hashWriter) WriteString(s string) (int, error) {
	n := len(s)
	for len(s) > 0 {
		c := copy(w.st.copyBuf, s)
		w.st.sha.Write(w.st.copyBuf[:c])
		s = s[c:]
	}
	return n, nil
}

// bufferBody reads req.Body, puts it back and sets GetBody.
func bufferBody(req *http.Request) error {
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return errors.New("auth: AKSK: reading the body: " + err.Error())
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	if req.ContentLength <= 0 {
		req.ContentLength = int64(len(body))
	}
	return nil
}
