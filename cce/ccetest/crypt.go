package ccetest

import (
	"crypto/sha512"
	"crypto/subtle"
	"strconv"
	"strings"
)

// The SHA-512 flavour of crypt(3) ("$6$"), as described in Ulrich
// Drepper's "Unix crypt using SHA-256 and SHA-512". The fake only needs to
// check a password against a crypt string, so it parses and recomputes.

const (
	cryptChars      = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	cryptHashLen    = 86 // characters of the encoded 64-byte digest
	cryptSaltMax    = 16
	cryptRoundsDef  = 5000
	cryptRoundsMin  = 1000
	cryptRoundsMax  = 999999999
	cryptRoundsText = "rounds="
)

// parsedCrypt is a crypt string split into its parts.
type parsedCrypt struct {
	rounds int
	salt   string
	hash   string
}

// parseCrypt splits "$6$[rounds=N$]salt$hash". It reports false for
// anything else: another scheme, a salt longer than 16 characters or
// containing '$', a rounds value that is not a number, a hash that is not
// 86 characters of the crypt alphabet.
func parseCrypt(s string) (parsedCrypt, bool) {
	rest, ok := strings.CutPrefix(s, "$6$")
	if !ok {
		return parsedCrypt{}, false
	}
	p := parsedCrypt{rounds: cryptRoundsDef}
	if after, ok := strings.CutPrefix(rest, cryptRoundsText); ok {
		num, tail, found := strings.Cut(after, "$")
		n, err := strconv.ParseUint(num, 10, 64)
		if !found || err != nil {
			return parsedCrypt{}, false
		}
		p.rounds = int(min(max(n, cryptRoundsMin), cryptRoundsMax))
		rest = tail
	}
	salt, hash, found := strings.Cut(rest, "$")
	if !found || len(salt) > cryptSaltMax || len(hash) != cryptHashLen {
		return parsedCrypt{}, false
	}
	for i := 0; i < len(hash); i++ {
		if strings.IndexByte(cryptChars, hash[i]) < 0 {
			return parsedCrypt{}, false
		}
	}
	p.salt, p.hash = salt, hash
	return p, true
}

// wellFormedCrypt reports whether s is a complete SHA-512 crypt string.
func wellFormedCrypt(s string) bool {
	_, ok := parseCrypt(s)
	return ok
}

// cryptMatches reports whether plain hashes to the crypt string stored.
func cryptMatches(stored, plain string) bool {
	p, ok := parseCrypt(stored)
	if !ok {
		return false
	}
	got := cryptEncode(cryptDigest([]byte(plain), []byte(p.salt), p.rounds))
	return subtle.ConstantTimeCompare([]byte(got), []byte(p.hash)) == 1
}

// cycle returns n bytes of src repeated.
func cycle(src []byte, n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = src[i%len(src)]
	}
	return out
}

// cryptDigest computes the final 64-byte digest for key, salt and rounds.
func cryptDigest(key, salt []byte, rounds int) []byte {
	sum := func(parts ...[]byte) []byte {
		h := sha512.New()
		for _, p := range parts {
			h.Write(p)
		}
		return h.Sum(nil)
	}

	alt := sum(key, salt, key)

	h := sha512.New()
	h.Write(key)
	h.Write(salt)
	h.Write(cycle(alt, len(key)))
	for bits := len(key); bits > 0; bits >>= 1 {
		if bits&1 != 0 {
			h.Write(alt)
		} else {
			h.Write(key)
		}
	}
	a := h.Sum(nil)

	h.Reset()
	for range len(key) {
		h.Write(key)
	}
	pBytes := cycle(h.Sum(nil), len(key))

	h.Reset()
	for range 16 + int(a[0]) {
		h.Write(salt)
	}
	sBytes := cycle(h.Sum(nil), len(salt))

	c := a
	for i := range rounds {
		h.Reset()
		odd := i%2 == 1
		if odd {
			h.Write(pBytes)
		} else {
			h.Write(c)
		}
		if i%3 != 0 {
			h.Write(sBytes)
		}
		if i%7 != 0 {
			h.Write(pBytes)
		}
		if odd {
			h.Write(c)
		} else {
			h.Write(pBytes)
		}
		c = h.Sum(c[:0])
	}
	return c
}

// cryptEncode writes a 64-byte digest in crypt's Base64: 21 groups of three
// bytes, where group k takes bytes k, k+21 and k+42 rotated by k mod 3,
// then the last byte alone; each group is written low 6 bits first.
func cryptEncode(d []byte) string {
	var b strings.Builder
	b.Grow(cryptHashLen)
	emit := func(v uint32, n int) {
		for range n {
			b.WriteByte(cryptChars[v&0x3f])
			v >>= 6
		}
	}
	for k := range 21 {
		idx := [3]int{k, k + 21, k + 42}
		r := k % 3
		x, y, z := idx[r], idx[(r+1)%3], idx[(r+2)%3]
		emit(uint32(d[x])<<16|uint32(d[y])<<8|uint32(d[z]), 4)
	}
	emit(uint32(d[63]), 2)
	return b.String()
}
