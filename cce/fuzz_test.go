package cce

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/rest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

func fuzzTestdata(f *testing.F, name string) []byte {
	f.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		f.Fatal(err)
	}
	return b
}

var knownStates = map[jobs.State]bool{
	jobs.Pending: true, jobs.Running: true, jobs.Succeeded: true, jobs.Failed: true, jobs.Cancelled: true,
}

// checkTime checks that a decoded Time encodes to text that decodes to the
// same instant, or, for text it could not read, to the same text.
func checkTime(t *testing.T, what string, v Time) {
	t.Helper()
	if !v.IsZero() && v.Raw() != "" {
		t.Fatalf("%s: %v kept raw text %q", what, v.Time, v.Raw())
	}
	out, err := v.MarshalJSON()
	if err != nil {
		t.Fatalf("%s: MarshalJSON: %v", what, err)
	}
	var back Time
	if err := back.UnmarshalJSON(out); err != nil {
		t.Fatalf("%s: UnmarshalJSON(%s): %v", what, out, err)
	}
	if !back.Equal(v.Time) || back.IsZero() != v.IsZero() {
		t.Fatalf("%s: %v (raw %q) encodes as %s, which decodes to %v (raw %q)", what, v.Time, v.Raw(), out, back.Time, back.Raw())
	}
	// Text JSON cannot carry (invalid UTF-8) comes back replaced.
	if v.IsZero() && back.Raw() != viaJSON(v.String()) {
		t.Fatalf("%s: raw %q encodes as %s, which decodes to raw %q", what, v.Raw(), out, back.Raw())
	}
}

func checkJobTimes(t *testing.T, j *Job, depth int) {
	t.Helper()
	checkTime(t, "creationTimestamp", j.Metadata.CreationTimestamp)
	checkTime(t, "updateTimestamp", j.Metadata.UpdateTimestamp)
	if depth > 20 {
		return
	}
	for i := range j.Spec.SubJobs {
		checkJobTimes(t, &j.Spec.SubJobs[i], depth+1)
	}
}

// FuzzJobDecode decodes arbitrary bytes as a CCE job: no panic, Summary
// gives a known State matching the phase, a progress in range, the
// failure reason for a failed job, and times survive a round trip.
func FuzzJobDecode(f *testing.F) {
	f.Add(fuzzTestdata(f, "job_running.json"))
	f.Add(fuzzTestdata(f, "job_failed.json"))
	f.Add(fuzzTestdata(f, "migrate_response.json"))
	for _, s := range []string{
		`{"status": {"phase": "Success"}, "spec": {"subJobs": [{"status": {"phase": "Running"}}]}}`,
		`{"status": {"phase": "Paused"}, "metadata": {"creationTimestamp": 17, "updateTimestamp": "2020-02-02T16:12:40+08:00"}}`,
		`{"status": {"phase": "Failed"}, "spec": {"subJobs": [{"status": {"phase": "Failed"}, "spec": {"subJobs": [{"status": {"phase": "Failed", "reason": "deep"}}]}}]}}`,
		`null`, `{}`, `[]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var j Job
		if err := json.Unmarshal(data, &j); err != nil {
			return
		}
		st := j.Summary()
		if !knownStates[st.State] {
			t.Fatalf("phase %q gives State %v", j.Status.Phase, st.State)
		}
		if want, ok := phaseStates[string(j.Status.Phase)]; ok && st.State != want || !ok && st.State != jobs.Running {
			t.Fatalf("phase %q gives State %v", j.Status.Phase, st.State)
		}
		if st.Word != string(j.Status.Phase) {
			t.Fatalf("Word = %q, phase %q", st.Word, j.Status.Phase)
		}
		switch {
		case j.Status.Phase == PhaseSuccess:
			if st.Progress != 100 {
				t.Fatalf("successful job at %d%%", st.Progress)
			}
		case len(j.Spec.SubJobs) == 0:
			if st.Progress != jobs.ProgressUnknown {
				t.Fatalf("job without sub-jobs at %d%%", st.Progress)
			}
		default:
			if st.Progress < 0 || st.Progress > 100 {
				t.Fatalf("Progress = %d", st.Progress)
			}
		}
		if st.State == jobs.Failed {
			if st.Message != j.FailureReason() || j.Status.Reason != "" && st.Message != j.Status.Reason {
				t.Fatalf("failed job reports %q; reason %q, FailureReason %q", st.Message, j.Status.Reason, j.FailureReason())
			}
		} else if st.Message != "" {
			t.Fatalf("job in phase %q has message %q", j.Status.Phase, st.Message)
		}
		checkJobTimes(t, &j, 0)

		out, err := json.Marshal(&j)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		var back Job
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("re-decoding %s: %v", out, err)
		}
		if again, _ := json.Marshal(&back); !bytes.Equal(again, out) {
			t.Fatalf("job re-encodes differently:\n%s\n%s", out, again)
		}
	})
}

// FuzzTime checks ParseTime: no panic; an accepted value formats (String,
// MarshalJSON) to text that parses to the same instant; a refused value
// decodes from JSON to the zero Time keeping its text.
func FuzzTime(f *testing.F) {
	for _, s := range []string{
		"2020-02-02 08:12:40.672772389 +0000 UTC", "2020-02-02 08:20:11.5 +0000 UTC",
		"2020-02-02 16:12:40.5 +0800 CST", "2020-02-02 08:12:40.672772389 +0000 UTC m=+3.001",
		"2020-02-02T08:12:40.672Z", "2020-02-02T16:12:40+08:00", "2020-02-02 16:12:40 +0800 +0800",
		"2020-02-02 16:12:40 +0545 GMT+5", "", "  ", "yesterday", "02/02/2020", "0000-01-01T00:00:00-23:59",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseTime(s)
		quoted, _ := json.Marshal(s)
		var dec Time
		if uerr := dec.UnmarshalJSON(quoted); uerr != nil {
			t.Fatalf("UnmarshalJSON(%s): %v", quoted, uerr)
		}
		if err != nil {
			if !v.IsZero() || v.Raw() != "" {
				t.Fatalf("ParseTime(%q) failed but returned %v", s, v)
			}
			var text string
			_ = json.Unmarshal(quoted, &text)
			if !dec.IsZero() || dec.Raw() != text || dec.String() != text {
				t.Fatalf("%s decoded to %v, raw %q", quoted, dec.Time, dec.Raw())
			}
			checkTime(t, "refused", dec)
			return
		}
		if v.Raw() != "" {
			t.Fatalf("ParseTime(%q) kept raw text %q", s, v.Raw())
		}
		if utf8.ValidString(s) && !dec.Equal(v.Time) {
			t.Fatalf("UnmarshalJSON(%s) = %v, ParseTime gives %v", quoted, dec.Time, v.Time)
		}
		text := v.String()
		back, err := ParseTime(text)
		if err != nil || !back.Equal(v.Time) {
			t.Fatalf("ParseTime(%q) = %v, whose String %q parses to %v, %v", s, v.Time, text, back.Time, err)
		}
		checkTime(t, "accepted", v)
	})
}

// rtFunc is an http.RoundTripper made of a function.
type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// specViolations lists the fields a spec breaks, by the rules MigrateNodes
// documents; empty means the spec is valid.
func specViolations(spec *MigrateNodesSpec) []string {
	var bad []string
	if strings.TrimSpace(spec.OS) == "" {
		bad = append(bad, "spec.os")
	}
	if n := len(spec.Nodes); n == 0 || n > MaxNodesPerMigration {
		bad = append(bad, "spec.nodes")
	}
	seen := map[string]bool{}
	for i, n := range spec.Nodes {
		if rest.CheckID("uid", n.UID) != nil || seen[n.UID] {
			bad = append(bad, "spec.nodes["+strconv.Itoa(i)+"].uid")
		}
		seen[n.UID] = true
	}
	if p := spec.ExtendParam; p != nil {
		if p.MaxPods != 0 && (p.MaxPods < 16 || p.MaxPods > 256) {
			bad = append(bad, "spec.extendParam.maxPods")
		}
		for field, s := range map[string]string{fieldPreInstall: p.PreInstall, fieldPostInstall: p.PostInstall} {
			if _, err := base64.StdEncoding.DecodeString(s); err != nil {
				bad = append(bad, field)
			}
		}
		if len(p.PreInstall)+len(p.PostInstall) > 10240 {
			bad = append(bad, "spec.extendParam")
		}
	}
	if r := spec.Runtime; r != nil && r.Name != "" && r.Name != "docker" && r.Name != "containerd" {
		bad = append(bad, "spec.runtime.name")
	}
	switch l := spec.Login; {
	case l == nil || (l.SSHKey == "") == (l.UserPassword == nil):
		bad = append(bad, "spec.login")
	case l.SSHKey != "":
		if strings.TrimSpace(l.SSHKey) == "" {
			bad = append(bad, "spec.login.sshKey")
		}
	case !isSalted(l.UserPassword.Password.Reveal()) && CheckPassword(l.UserPassword.Username, l.UserPassword.Password.Reveal()) != nil:
		bad = append(bad, "spec.login.userPassword.password")
	}
	return bad
}

// viaJSON returns v as it arrives after JSON encoding: JSON carries text
// only, so invalid UTF-8 arrives replaced.
func viaJSON[T any](v T) T {
	var out T
	b, _ := json.Marshal(v)
	_ = json.Unmarshal(b, &out)
	return out
}

// cloneSpec copies spec deeply enough to detect any change MigrateNodes
// might make to it.
func cloneSpec(s *MigrateNodesSpec) *MigrateNodesSpec {
	c := *s
	c.Nodes = slices.Clone(s.Nodes)
	if s.ExtendParam != nil {
		p := *s.ExtendParam
		c.ExtendParam = &p
	}
	if s.Runtime != nil {
		r := *s.Runtime
		c.Runtime = &r
	}
	if s.Login != nil {
		l := *s.Login
		if l.UserPassword != nil {
			u := *l.UserPassword
			l.UserPassword = &u
		}
		c.Login = &l
	}
	return &c
}

// FuzzValidateSpec builds migrate-nodes specs from fuzzed pieces and sends
// them through MigrateNodes to a transport that records what arrives. An
// invalid spec must give a *cloudmigrate.ValidationError naming one of the
// fields at fault, with nothing sent; a valid one must be sent once, with
// the nodes as given, a plain password salted, and the caller's spec left
// alone.
func FuzzValidateSpec(f *testing.F) {
	for _, name := range []string{"migrate_request_sshkey.json", "migrate_request_image.json"} {
		var doc struct{ Spec MigrateNodesSpec }
		if err := json.Unmarshal(fuzzTestdata(f, name), &doc); err != nil {
			f.Fatal(err)
		}
		s := doc.Spec
		uids := make([]string, len(s.Nodes))
		for i, n := range s.Nodes {
			uids[i] = n.UID
		}
		f.Add(s.OS, uint8(len(uids)), strings.Join(uids, ","), 0, "", "", "", s.Login.SSHKey, "", "", uint8(1))
	}
	salted, err := sha512Crypt("Migrate#2024x", "$6$fuzzseedsalt0123")
	if err != nil {
		f.Fatal(err)
	}
	f.Add("EulerOS 2.5", uint8(3), "a,b,c", 64, "ZWNobyBwcmU=", "ZWNobyBwb3N0", "containerd", "", "root", "Migrate#2024x", uint8(2))
	f.Add("EulerOS 2.5", uint8(1), "a", 0, "", "", "", "", "", base64.StdEncoding.EncodeToString([]byte(salted)), uint8(2))
	f.Add("EulerOS 2.5", uint8(200), "", 16, "", "", "docker", "k", "", "", uint8(1))
	f.Add("", uint8(0), "a,a, ", 300, "!!", "=", "runc", " ", "admin", "nimda#Pass1", uint8(3))
	f.Add("EulerOS 2.5", uint8(250), ",", 15, "", "", "", "k", "", "", uint8(0))

	const src, dst = "6951bd5c-45ed-11ea-a3ff-0255ac100b05", "7a02c1d4-45ed-11ea-a3ff-0255ac100b05"
	var sent [][]byte
	// The node lists MigrateNodes reads before it starts are empty: no
	// move is under way, so a valid spec is sent.
	transport := rtFunc(func(r *http.Request) (*http.Response, error) {
		answer := `{"kind":"List","apiVersion":"v3","items":[]}`
		if r.Method != http.MethodGet {
			b, _ := io.ReadAll(r.Body)
			sent = append(sent, b)
			answer = `{"apiVersion":"v3","kind":"MigrateNodesTask","spec":{"nodes":[]},"status":{"jobID":"job-1"}}`
		}
		return &http.Response{
			StatusCode: http.StatusOK,
			Header:     http.Header{"Content-Type": {"application/json"}},
			Body:       io.NopCloser(strings.NewReader(answer)),
			Request:    r,
		}, nil
	})
	client, err := NewClient("https://cce.example.com", "0970dd7a1300f5672ff2c003c60ae115", auth.StaticToken("t"),
		cloudmigrate.WithHTTPClient(&http.Client{Transport: transport}), cloudmigrate.WithRetry(0))
	if err != nil {
		f.Fatal(err)
	}

	f.Fuzz(func(t *testing.T, osName string, count uint8, uids string, maxPods int, pre, post, runtime, sshKey, username, password string, mode uint8) {
		spec := &MigrateNodesSpec{OS: osName}
		parts := strings.Split(uids, ",")
		for i := 0; i < int(count)%251; i++ {
			uid := "node-" + strconv.Itoa(i)
			if i < len(parts) && uids != "" {
				uid = parts[i]
			}
			spec.Nodes = append(spec.Nodes, NodeItem{UID: uid})
		}
		if maxPods != 0 || pre != "" || post != "" || mode&4 != 0 {
			spec.ExtendParam = &MigrateNodeExtendParam{MaxPods: maxPods, PreInstall: pre, PostInstall: post}
		}
		if runtime != "" || mode&8 != 0 {
			spec.Runtime = &Runtime{Name: runtime}
		}
		switch mode & 3 {
		case 1:
			spec.Login = &Login{SSHKey: sshKey}
		case 2:
			spec.Login = &Login{UserPassword: &UserPassword{Username: username, Password: auth.NewSecret(password)}}
		case 3:
			spec.Login = &Login{SSHKey: sshKey, UserPassword: &UserPassword{Username: username, Password: auth.NewSecret(password)}}
		}
		orig := cloneSpec(spec)
		bad := specViolations(spec)

		sent = sent[:0]
		op, err := client.MigrateNodes(context.Background(), src, dst, spec)
		if !reflect.DeepEqual(spec, orig) {
			t.Fatalf("MigrateNodes changed the spec:\n%+v\n%+v", orig, spec)
		}
		if len(bad) > 0 {
			var ve *cloudmigrate.ValidationError
			if !errors.As(err, &ve) || ve.Field == "" {
				t.Fatalf("spec breaking %q: error %v, want a ValidationError", bad, err)
			}
			if !slices.Contains(bad, ve.Field) {
				t.Fatalf("ValidationError names %q; the spec breaks %q", ve.Field, bad)
			}
			if len(sent) != 0 {
				t.Fatalf("an invalid spec was sent: %s", sent[0])
			}
			return
		}
		if err != nil || op.ID() != "job-1" {
			t.Fatalf("valid spec refused: %v", err)
		}
		if len(sent) != 1 {
			t.Fatalf("%d requests sent, want 1", len(sent))
		}
		var body struct {
			APIVersion, Kind string
			Spec             MigrateNodesSpec
		}
		if err := json.Unmarshal(sent[0], &body); err != nil {
			t.Fatalf("sent body %s: %v", sent[0], err)
		}
		if body.APIVersion != MigrateAPIVersion || body.Kind != MigrateKind || !reflect.DeepEqual(body.Spec.Nodes, viaJSON(spec.Nodes)) {
			t.Fatalf("sent %s", sent[0])
		}
		if spec.Login.UserPassword != nil {
			got := body.Spec.Login.UserPassword
			if got == nil || got.Username != viaJSON(username) || !isSalted(got.Password.Reveal()) {
				t.Fatalf("password sent as %+v", got)
			}
			if isSalted(password) != (got.Password.Reveal() == password) {
				t.Fatalf("salted form: sent %q for %q", got.Password.Reveal(), password)
			}
		}
	})
}

// FuzzCheckPassword checks CheckPassword against the rules it documents,
// in both directions, and that a refusal never quotes the password.
func FuzzCheckPassword(f *testing.F) {
	for _, p := range [][2]string{
		{"", "Migrate#2024x"}, {"root", "toor#Migrate1"}, {"admin", "nimdA#12345"}, {"", "short1A"},
		{"", "abcdefgh"}, {"", "ABCdef123"}, {"", "ééééééé1Aa"}, {"", "Aa1" + strings.Repeat("x", 24)},
		{"bob", "xBoBx#1aaaa"}, {"İ", "Aa1i̇xxxxx"}, {"", "\xff\xfeAa1bcdefg"},
	} {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, username, plain string) {
		err := CheckPassword(username, plain)

		n := utf8.RuneCountInString(plain)
		kinds := 0
		for _, class := range []func(rune) bool{
			func(r rune) bool { return 'A' <= r && r <= 'Z' },
			func(r rune) bool { return 'a' <= r && r <= 'z' },
			func(r rune) bool { return '0' <= r && r <= '9' },
			func(r rune) bool { return strings.ContainsRune(PasswordSpecials, r) },
		} {
			if strings.ContainsFunc(plain, class) {
				kinds++
			}
		}
		u := username
		if u == "" {
			u = DefaultUsername
		}
		lp, lu := strings.ToLower(plain), strings.ToLower(u)
		ur := []rune(lu)
		slices.Reverse(ur)
		ok := n >= PasswordMinLen && n <= PasswordMaxLen && kinds >= 3 &&
			!strings.Contains(lp, lu) && !strings.Contains(lp, string(ur))

		if ok != (err == nil) {
			t.Fatalf("CheckPassword(%q, %q) = %v; length %d, %d kinds", username, plain, err, n, kinds)
		}
		if err == nil {
			return
		}
		var ve *cloudmigrate.ValidationError
		if !errors.As(err, &ve) || ve.Field != "password" {
			t.Fatalf("error %v is not a ValidationError for \"password\"", err)
		}
		// The messages are ASCII; a password with other bytes must not
		// show up in them.
		if strings.ContainsFunc(plain, func(r rune) bool { return r >= 0x80 || r < 0x20 }) && strings.Contains(err.Error(), plain) {
			t.Fatalf("error %q quotes the password", err)
		}
	})
}

// TestTimeNamelessZoneRoundTrip: a time read from RFC 3339 with an offset
// has no zone name, so String writes the offset twice; ParseTime and
// UnmarshalJSON must read that back to the same instant.
func TestTimeNamelessZoneRoundTrip(t *testing.T) {
	for _, in := range []string{"2020-02-02T16:12:40+08:00", "2020-02-02T01:00:00.25-05:30", "0000-01-01T00:00:00-23:59"} {
		v, err := ParseTime(in)
		if err != nil {
			t.Fatalf("ParseTime(%q): %v", in, err)
		}
		back, err := ParseTime(v.String())
		if err != nil || !back.Equal(v.Time) {
			t.Errorf("%q -> %q -> %v, %v", in, v.String(), back.Time, err)
		}
		out, _ := json.Marshal(v)
		var dec Time
		if err := json.Unmarshal(out, &dec); err != nil || !dec.Equal(v.Time) || dec.Raw() != "" {
			t.Errorf("%s decodes to %v (raw %q), %v", out, dec.Time, dec.Raw(), err)
		}
	}
	// Two different offsets, a lone offset, or a trailing blank before
	// " m=" are not the nameless form.
	for _, in := range []string{"2020-02-02 16:12:40 +0800 +0900", "2020-02-02 16:12:40 +0800", "0000000000  m=0", "+0800 +0800"} {
		if v, err := ParseTime(in); err == nil {
			t.Errorf("ParseTime(%q) = %v, want an error", in, v)
		}
	}
}

// Two different UIDs that are not UTF-8 would both reach the service as
// U+FFFD: they are refused before anything is sent.
func TestNodeUIDMustBeUTF8(t *testing.T) {
	spec := &MigrateNodesSpec{OS: "EulerOS 2.9", Login: &Login{SSHKey: "k"}, Nodes: Nodes("\xae", "\xaf")}
	if err := checkNodes(spec.Nodes); err == nil || !strings.Contains(err.Error(), "spec.nodes[0].uid") {
		t.Fatalf("err = %v", err)
	}
}
