package cce

import (
	"encoding/base64"
	"regexp"
	"strings"
	"testing"
)

// The test vectors published with the "Unix crypt using SHA-256 and
// SHA-512" specification (SHA-512 part).
var sha512CryptVectors = []struct{ setting, key, want string }{
	{"$6$saltstring", "Hello world!",
		"$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"},
	{"$6$rounds=10000$saltstringsaltstring", "Hello world!",
		"$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v."},
	{"$6$rounds=5000$toolongsaltstring", "This is just a test",
		"$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0"},
	{"$6$rounds=1400$anotherlongsaltstring", "a very much longer text to encrypt.  This one even stretches over morethan one line.",
		"$6$rounds=1400$anotherlongsalts$POfYwTEok97VWcjxIiSOjiykti.o/pQs.wPvMxQ6Fm7I6IoYN3CmLs66x9t0oSwbtEW7o7UmJEiDwGqd8p4ur1"},
	{"$6$rounds=77777$short", "we have a short salt string but not a short password",
		"$6$rounds=77777$short$WuQyW2YR.hBNpjjRhpYD/ifIw05xdfeEyQoMxIXbkvr0gge1a1x3yRULJ5CCaUeOxFmtlcGZelFl5CxtgfiAc0"},
	{"$6$rounds=123456$asaltof16chars..", "a short string",
		"$6$rounds=123456$asaltof16chars..$BtCwjqMJGx5hrJhZywWvt0RLE8uZ4oPwcelCjmw2kSYu.Ec6ycULevoBK25fs2xXgMNrCzIMVcgEJAstJeonj1"},
	{"$6$rounds=10$roundstoolow", "the minimum number is still observed",
		"$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX."},
}

func TestSHA512CryptVectors(t *testing.T) {
	for _, v := range sha512CryptVectors {
		got, err := sha512Crypt(v.key, v.setting)
		if err != nil {
			t.Fatalf("%s: %v", v.setting, err)
		}
		if got != v.want {
			t.Errorf("crypt(%q, %q)\n got %s\nwant %s", v.key, v.setting, got, v.want)
		}
		// A complete crypt string works as the setting (verification).
		again, err := sha512Crypt(v.key, v.want)
		if err != nil || again != v.want {
			t.Errorf("re-crypt with %s gave %s, %v", v.want, again, err)
		}
	}
}

// Keys and salts of unusual sizes: a key longer than one digest (so the
// repeated-block paths run), an empty key, an empty salt. Expected values
// from the system crypt(3) (libxcrypt).
func TestSHA512CryptEdges(t *testing.T) {
	for _, v := range []struct{ setting, key, want string }{
		{"$6$abcdefghijklmnop", strings.Repeat("x", 130) + "é",
			"$6$abcdefghijklmnop$EwgtRt9qDuvpDrQWO/VeWSBTxTw7DklZlXp/i9RY2hK.WGunzfwCugchVEix.Tl6tCikJKLqjXUffYMxasH/6."},
		{"$6$emptykey", "",
			"$6$emptykey$/dYo15aPLB9xLpHjU.blPQBLUsIyT9VwD5DxvPvqrhe15PktTZIDcEclr9/H5vY6VQ1ChAE4S2Zn9crafSYnz/"},
	} {
		got, err := sha512Crypt(v.key, v.setting)
		if err != nil || got != v.want {
			t.Errorf("crypt(%q)\n got %s (%v)\nwant %s", v.setting, got, err, v.want)
		}
	}
	for _, bad := range []string{"", "$5$salt", "$6$rounds=x$salt", "$6$rounds=5000"} {
		if _, err := sha512Crypt("k", bad); err == nil {
			t.Errorf("setting %q accepted", bad)
		}
	}
}

var cryptFormat = regexp.MustCompile(`^\$6\$([./0-9A-Za-z]{16})\$([./0-9A-Za-z]{86})$`)

func TestSaltPassword(t *testing.T) {
	const plain = "Migrate#2024x"
	a, err := SaltPassword(plain)
	if err != nil {
		t.Fatal(err)
	}
	b, err := SaltPassword(plain)
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Error("two salts were the same")
	}
	for _, enc := range []string{a, b} {
		raw, err := base64.StdEncoding.DecodeString(enc)
		if err != nil {
			t.Fatalf("not standard Base64: %v", err)
		}
		m := cryptFormat.FindStringSubmatch(string(raw))
		if m == nil {
			t.Fatalf("%q is not a $6$ crypt string with a 16-character salt and 5000 rounds", raw)
		}
		check, err := sha512Crypt(plain, "$6$"+m[1])
		if err != nil || check != string(raw) {
			t.Errorf("hash does not verify: %q vs %q", check, raw)
		}
		if !isSalted(enc) {
			t.Error("isSalted does not recognise SaltPassword's output")
		}
	}
}

func TestIsSalted(t *testing.T) {
	vec := base64.StdEncoding.EncodeToString([]byte(sha512CryptVectors[0].want))
	if !isSalted(vec) {
		t.Error("spec vector not recognised")
	}
	for _, v := range []string{
		"",
		"Abcdef1!",
		"not base64 at all, but long enough to pass the length gate",
		base64.StdEncoding.EncodeToString([]byte("$5$saltstring$abcdef")),
		base64.StdEncoding.EncodeToString([]byte("$6$saltstring$tooshort")),
		base64.StdEncoding.EncodeToString([]byte(sha512CryptVectors[0].want))[:40],
	} {
		if isSalted(v) {
			t.Errorf("%q taken as salted", v)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	good := []struct{ user, pass string }{
		{"", "Abcdef1!"},
		{"root", "Abcdefg1"},                   // upper, lower, digit
		{"root", "abcdefg1!"},                  // lower, digit, special
		{"root", "ABCDEFG1!"},                  // upper, digit, special
		{"root", "Abcdefg!"},                   // upper, lower, special
		{"", "a~b#c*D-E_F"},                    // specials at the ends of the set
		{"admin", "Adm1n!xyz"},                 // near the username, not containing it
		{"", strings.Repeat("Ab1!", 6) + "xy"}, // 26
	}
	for _, g := range good {
		if err := CheckPassword(g.user, g.pass); err != nil {
			t.Errorf("(%q, %q) rejected: %v", g.user, g.pass, err)
		}
	}
	bad := []struct{ user, pass string }{
		{"", "Ab1!xyz"},                         // 7
		{"", strings.Repeat("Ab1!", 6) + "xyz"}, // 27
		{"", "abcdefgh"},                        // one kind
		{"", "abcdefg1"},                        // two kinds
		{"", "abcdefg1 &"},                      // space and & are not special
		{"", "ROOTabc1!"},                       // default username
		{"", "xtOOr12!a"},                       // default username reversed
		{"ops", "Xops1234!"},
		{"ops", "Xspo1234!"},
	}
	for _, b := range bad {
		err := CheckPassword(b.user, b.pass)
		wantValidation(t, err, "password")
		if strings.Contains(err.Error(), b.pass) {
			t.Errorf("error shows the password: %v", err)
		}
	}
}

func TestNewUserPassword(t *testing.T) {
	up, err := NewUserPassword("ops", "Migrate#2024x")
	if err != nil {
		t.Fatal(err)
	}
	if up.Username != "ops" || !isSalted(up.Password.Reveal()) {
		t.Fatalf("got %#v / %q", up, up.Password.Reveal())
	}
	raw, _ := base64.StdEncoding.DecodeString(up.Password.Reveal())
	if check, _ := sha512Crypt("Migrate#2024x", string(raw)); check != string(raw) {
		t.Error("salted password does not verify")
	}
	if _, err := NewUserPassword("ops", "short"); err == nil {
		t.Error("short password accepted")
	} else {
		wantValidation(t, err, "password")
	}
}
