package cce

import (
	"crypto/rand"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"hash"
	"strconv"
	"strings"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
)

// Password rules CCE applies to the login password of a migrated node.
const (
	// PasswordMinLen and PasswordMaxLen bound the length of a plain
	// password, in characters.
	PasswordMinLen = 8
	PasswordMaxLen = 26
	// PasswordSpecials lists the characters that count as special in a
	// plain password.
	PasswordSpecials = "!@$%^-_=+[{}]:,./?~#*"
	// DefaultUsername is the login account CCE uses when UserPassword has
	// no Username.
	DefaultUsername = "root"
)

// CheckPassword reports whether plain is acceptable to CCE as the password
// of username (DefaultUsername when empty). A password must be 8 to 26
// characters long, use at least three of the four kinds upper-case letter,
// lower-case letter, digit and special character (one of PasswordSpecials),
// and must not contain the username or the username reversed (compared
// without regard to case). The error is a *cloudmigrate.ValidationError
// naming the field "password"; the password itself never appears in it.
func CheckPassword(username, plain string) error {
	return checkPassword("password", username, plain)
}

func checkPassword(field, username, plain string) error {
	n := 0
	var upper, lower, digit, special bool
	for _, r := range plain {
		n++
		switch {
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= '0' && r <= '9':
			digit = true
		case r < 0x80 && strings.IndexByte(PasswordSpecials, byte(r)) >= 0:
			special = true
		}
	}
	if n < PasswordMinLen || n > PasswordMaxLen {
		return cloudmigrate.Invalid(field, "must be %d to %d characters long, or a value from SaltPassword (got %d characters)",
			PasswordMinLen, PasswordMaxLen, n)
	}
	kinds := 0
	for _, ok := range [...]bool{upper, lower, digit, special} {
		if ok {
			kinds++
		}
	}
	if kinds < 3 {
		return cloudmigrate.Invalid(field, "must use at least three of: upper-case letters, lower-case letters, digits, special characters (%s)", PasswordSpecials)
	}
	if username == "" {
		username = DefaultUsername
	}
	p := strings.ToLower(plain)
	u := strings.ToLower(username)
	if strings.Contains(p, u) {
		return cloudmigrate.Invalid(field, "must not contain the username")
	}
	if strings.Contains(p, reverse(u)) {
		return cloudmigrate.Invalid(field, "must not contain the username reversed")
	}
	return nil
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

// SaltPassword turns a plain password into the form CCE expects in
// UserPassword.Password: the SHA-512 crypt(3) string of the password
// ("$6$" + a random 16-character salt + "$" + hash, 5000 rounds, as made by
// glibc's crypt and Python's crypt.mksalt(crypt.METHOD_SHA512)), encoded
// with standard Base64. The salt comes from crypto/rand, so two calls give
// different results for the same password.
//
// SaltPassword does not check the password rules; NewUserPassword and
// MigrateNodes do.
func SaltPassword(plain string) (string, error) {
	var raw [saltLen]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", errors.New("cce: reading random salt: " + err.Error())
	}
	salt := make([]byte, saltLen)
	for i, b := range raw {
		salt[i] = cryptAlphabet[b&63]
	}
	hashed, err := sha512Crypt(plain, "$6$"+string(salt))
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString([]byte(hashed)), nil
}

// NewUserPassword checks plain against the CCE password rules (see
// CheckPassword) for username, and returns a UserPassword ready to send:
// Username is username as given (empty means DefaultUsername on the
// service side) and Password is SaltPassword(plain). The plain password is
// not kept.
func NewUserPassword(username, plain string) (*UserPassword, error) {
	if err := CheckPassword(username, plain); err != nil {
		return nil, err
	}
	salted, err := SaltPassword(plain)
	if err != nil {
		return nil, err
	}
	return &UserPassword{Username: username, Password: auth.NewSecret(salted)}, nil
}

// isSalted reports whether v is what SaltPassword makes: standard Base64 of
// a "$6$" crypt string. Such a value is always far longer than the longest
// plain password, so the two forms cannot be confused.
func isSalted(v string) bool {
	if len(v) <= PasswordMaxLen {
		return false
	}
	dec, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return false
	}
	s := string(dec)
	if !strings.HasPrefix(s, "$6$") {
		return false
	}
	i := strings.LastIndexByte(s, '$')
	return i > 3 && len(s)-i-1 == sha512HashChars
}

// The SHA-512 crypt(3) scheme ("$6$"), implemented from Ulrich Drepper's
// public description "Unix crypt using SHA-256 and SHA-512".

const (
	saltLen           = 16
	defaultRounds     = 5000
	minRounds         = 1000
	maxRounds         = 999999999
	sha512HashChars   = 86
	cryptAlphabet     = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	roundsPrefix      = "rounds="
	sha512CryptPrefix = "$6$"
)

// sha512Crypt returns the crypt(3) string for key under setting, which is
// "$6$salt" or "$6$rounds=N$salt", optionally followed by "$..." (ignored,
// so a complete crypt string can be passed to check a key against it).
// The salt is cut to 16 characters; N is clamped to [1000, 999999999].
func sha512Crypt(key, setting string) (string, error) {
	rest, ok := strings.CutPrefix(setting, sha512CryptPrefix)
	if !ok {
		return "", cloudmigrate.Invalid("setting", "must start with %q", sha512CryptPrefix)
	}
	rounds, custom := defaultRounds, false
	if r, ok := strings.CutPrefix(rest, roundsPrefix); ok {
		num, after, found := strings.Cut(r, "$")
		if !found {
			return "", cloudmigrate.Invalid("setting", "rounds must be followed by '$'")
		}
		n, err := strconv.ParseUint(num, 10, 64)
		if err != nil {
			return "", cloudmigrate.Invalid("setting", "rounds %q is not a number", num)
		}
		rounds, custom, rest = int(min(max(n, minRounds), maxRounds)), true, after
	}
	salt := rest
	if i := strings.IndexByte(salt, '$'); i >= 0 {
		salt = salt[:i]
	}
	if len(salt) > saltLen {
		salt = salt[:saltLen]
	}

	sum := sha512CryptSum([]byte(key), []byte(salt), rounds)

	var b strings.Builder
	b.Grow(len(sha512CryptPrefix) + len(roundsPrefix) + 10 + len(salt) + 1 + sha512HashChars)
	b.WriteString(sha512CryptPrefix)
	if custom {
		b.WriteString(roundsPrefix)
		b.WriteString(strconv.Itoa(rounds))
		b.WriteByte('$')
	}
	b.WriteString(salt)
	b.WriteByte('$')
	encodeCrypt64(&b, &sum)
	return b.String(), nil
}

// sha512CryptSum runs the digest steps of the scheme and returns the final
// 64-byte digest.
func sha512CryptSum(key, salt []byte, rounds int) [sha512.Size]byte {
	h := sha512.New()

	// Digest B: key, salt, key.
	h.Write(key)
	h.Write(salt)
	h.Write(key)
	var bSum [sha512.Size]byte
	h.Sum(bSum[:0])

	// Digest A: key, salt, then as many bytes of B as the key is long,
	// then for each bit of the key length (lowest first) either B (bit
	// set) or the key (bit clear).
	h.Reset()
	h.Write(key)
	h.Write(salt)
	writeRepeated(h, bSum[:], len(key))
	for n := len(key); n > 0; n >>= 1 {
		if n&1 == 1 {
			h.Write(bSum[:])
		} else {
			h.Write(key)
		}
	}
	var aSum [sha512.Size]byte
	h.Sum(aSum[:0])

	// Digest DP: the key once per key byte; P is its first len(key) bytes,
	// repeating the digest as needed.
	h.Reset()
	for range key {
		h.Write(key)
	}
	var dp [sha512.Size]byte
	h.Sum(dp[:0])
	p := repeatTo(dp[:], len(key))

	// Digest DS: the salt 16+A[0] times; S is its first len(salt) bytes.
	h.Reset()
	for i := 0; i < 16+int(aSum[0]); i++ {
		h.Write(salt)
	}
	var ds [sha512.Size]byte
	h.Sum(ds[:0])
	s := repeatTo(ds[:], len(salt))

	// The rounds, each mixing the previous digest with P and S.
	c := aSum
	for i := 0; i < rounds; i++ {
		h.Reset()
		if i&1 == 1 {
			h.Write(p)
		} else {
			h.Write(c[:])
		}
		if i%3 != 0 {
			h.Write(s)
		}
		if i%7 != 0 {
			h.Write(p)
		}
		if i&1 == 1 {
			h.Write(c[:])
		} else {
			h.Write(p)
		}
		h.Sum(c[:0])
	}
	return c
}

// writeRepeated writes n bytes taken from block, repeated as often as
// needed.
func writeRepeated(h hash.Hash, block []byte, n int) {
	for ; n > len(block); n -= len(block) {
		h.Write(block)
	}
	h.Write(block[:n])
}

// repeatTo returns n bytes taken from block, repeated as often as needed.
func repeatTo(block []byte, n int) []byte {
	out := make([]byte, 0, n)
	for len(out) < n {
		out = append(out, block[:min(len(block), n-len(out))]...)
	}
	return out
}

// crypt64Order lists, for each group of four output characters, the three
// digest bytes that feed it (most significant first). The final group
// takes only byte 63 and gives two characters.
var crypt64Order = [21][3]byte{
	{0, 21, 42}, {22, 43, 1}, {44, 2, 23}, {3, 24, 45}, {25, 46, 4},
	{47, 5, 26}, {6, 27, 48}, {28, 49, 7}, {50, 8, 29}, {9, 30, 51},
	{31, 52, 10}, {53, 11, 32}, {12, 33, 54}, {34, 55, 13}, {56, 14, 35},
	{15, 36, 57}, {37, 58, 16}, {59, 17, 38}, {18, 39, 60}, {40, 61, 19},
	{62, 20, 41},
}

// encodeCrypt64 writes the digest in crypt's own Base64 variant: its
// alphabet, little-end-first 6-bit groups, and the byte order above.
func encodeCrypt64(b *strings.Builder, sum *[sha512.Size]byte) {
	put := func(w uint32, chars int) {
		for ; chars > 0; chars-- {
			b.WriteByte(cryptAlphabet[w&63])
			w >>= 6
		}
	}
	for _, g := range crypt64Order {
		put(uint32(sum[g[0]])<<16|uint32(sum[g[1]])<<8|uint32(sum[g[2]]), 4)
	}
	put(uint32(sum[63]), 2)
}
