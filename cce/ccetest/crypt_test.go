package ccetest

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/cloudmigrate/cloudmigrate/cce"
)

// The SHA-512 test vectors published with Ulrich Drepper's "Unix crypt
// using SHA-256 and SHA-512": key and the crypt string it gives.
var cryptVectors = []struct{ key, stored string }{
	{"Hello world!", "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"},
	{"Hello world!", "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v."},
	{"This is just a test", "$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0"},
	{"a very much longer text to encrypt.  This one even stretches over morethan one line.", "$6$rounds=1400$anotherlongsalts$POfYwTEok97VWcjxIiSOjiykti.o/pQs.wPvMxQ6Fm7I6IoYN3CmLs66x9t0oSwbtEW7o7UmJEiDwGqd8p4ur1"},
	{"we have a short salt string but not a short password", "$6$rounds=77777$short$WuQyW2YR.hBNpjjRhpYD/ifIw05xdfeEyQoMxIXbkvr0gge1a1x3yRULJ5CCaUeOxFmtlcGZelFl5CxtgfiAc0"},
	{"the minimum number is still observed", "$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX."},
}

func TestCryptVectors(t *testing.T) {
	for _, v := range cryptVectors {
		if !wellFormedCrypt(v.stored) {
			t.Errorf("%s: not well formed", v.stored)
		}
		if !cryptMatches(v.stored, v.key) {
			t.Errorf("%q does not match %s", v.key, v.stored)
		}
		if cryptMatches(v.stored, v.key+" ") {
			t.Errorf("%q matches %s", v.key+" ", v.stored)
		}
	}
}

// What package cce salts, the fake can check: two independent
// implementations of the scheme agree.
func TestCryptAgreesWithSDK(t *testing.T) {
	for _, plain := range []string{"Migr8-Node!pw", "a", strings.Repeat("Ab1-", 6) + "xy"} {
		salted, err := cce.SaltPassword(plain)
		if err != nil {
			t.Fatal(err)
		}
		dec, err := base64.StdEncoding.DecodeString(salted)
		if err != nil {
			t.Fatal(err)
		}
		if !wellFormedCrypt(string(dec)) || !cryptMatches(string(dec), plain) {
			t.Errorf("SDK's salted %q (%s) not verified", plain, dec)
		}
		if cryptMatches(string(dec), strings.ToUpper(plain)) {
			t.Errorf("%q: a different password matches", plain)
		}
	}
}

func TestCryptMalformed(t *testing.T) {
	good := cryptVectors[0].stored
	hash := good[strings.LastIndexByte(good, '$')+1:]
	for _, s := range []string{
		"",
		"Hello world!",
		"$5$saltstring$" + hash,
		"$6$saltstring",
		"$6$saltstring$" + hash[:85],
		"$6$saltstring$" + hash + "x",
		"$6$saltstring$" + hash[:85] + "!",
		"$6$saltstringsaltstring$" + hash, // salt longer than 16
		"$6$rounds=abc$salt$" + hash,
		"$6$rounds=5000" + hash,
	} {
		if wellFormedCrypt(s) {
			t.Errorf("%q accepted as a crypt string", s)
		}
		if cryptMatches(s, "Hello world!") {
			t.Errorf("%q matches", s)
		}
	}
}
