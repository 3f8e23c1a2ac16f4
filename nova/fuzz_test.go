package nova_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/nova"
)

// fuzzSamples are the nova samples FuzzMigrationDecode starts from.
var fuzzSamples = []string{
	"server-migrations/v2.23/migrations-get.json",
	"server-migrations/v2.23/migrations-index.json",
	"server-migrations/v2.59/migrations-get.json",
	"server-migrations/v2.80/migrations-index.json",
	"os-migrations/migrations-get.json",
	"os-migrations/v2.23/migrations-get.json",
	"os-migrations/v2.59/migrations-get-with-marker.json",
	"os-migrations/v2.80/migrations-get-with-user-or-project-id.json",
}

// checkNovaTime checks that a decoded Time encodes to text that decodes to
// the same instant, cut to the microsecond nova's form keeps.
func checkNovaTime(t *testing.T, what string, v nova.Time) {
	t.Helper()
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%s: Marshal(%v): %v", what, v.Time, err)
	}
	var back nova.Time
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatalf("%s: %v encodes as %s, which does not decode: %v", what, v.Time, out, err)
	}
	if v.IsZero() {
		if string(out) != "null" || !back.IsZero() {
			t.Fatalf("%s: zero Time encodes as %s, decodes to %v", what, out, back.Time)
		}
		return
	}
	if d := v.Sub(back.Time); back.IsZero() || d < 0 || d >= time.Microsecond {
		t.Fatalf("%s: %v encodes as %s, which decodes to %v", what, v.Time, out, back.Time)
	}
	if back.Location() != time.UTC {
		t.Fatalf("%s: decoded time in %v", what, back.Location())
	}
	if again, _ := json.Marshal(back); !bytes.Equal(again, out) {
		t.Fatalf("%s: %s re-encodes as %s", what, out, again)
	}
	if s := back.String(); `"`+s+`"` != string(out) {
		t.Fatalf("%s: String %q, JSON %s", what, s, out)
	}
}

// checkMigration checks the derived views of one decoded migration.
func checkMigration(t *testing.T, m *nova.Migration) {
	t.Helper()
	p := m.Progress()
	if p < -1 || p > 100 {
		t.Fatalf("Progress = %d", p)
	}
	if (m.MemoryTotalBytes == nil || *m.MemoryTotalBytes <= 0) && (m.DiskTotalBytes == nil || *m.DiskTotalBytes <= 0) && p != -1 {
		t.Fatalf("Progress = %d without a positive total", p)
	}
	st := m.JobStatus()
	switch st.State {
	case jobs.Pending, jobs.Running, jobs.Succeeded, jobs.Failed, jobs.Cancelled:
	default:
		t.Fatalf("status %q gives State %v", m.Status, st.State)
	}
	if st.Word != string(m.Status) {
		t.Fatalf("Word %q for status %q", st.Word, m.Status)
	}
	if st.Progress < -1 || st.Progress > 100 || st.State == jobs.Succeeded && st.Progress != 100 {
		t.Fatalf("status %q: Progress %d", m.Status, st.Progress)
	}
	s := m.Status
	if s.Failed() && st.State != jobs.Failed || s.Terminal() && !st.State.Terminal() ||
		s.InProgress() && st.State != jobs.Pending && st.State != jobs.Running || s.InProgress() && s.Terminal() {
		t.Fatalf("status %q (terminal %v, failed %v, in progress %v) gives State %v",
			s, s.Terminal(), s.Failed(), s.InProgress(), st.State)
	}
	checkNovaTime(t, "created_at", m.CreatedAt)
	checkNovaTime(t, "updated_at", m.UpdatedAt)
}

// FuzzMigrationDecode decodes arbitrary bytes as a migration and as the
// list, show and os-migrations bodies: no panic, Progress in -1..100, a
// JobStatus consistent with the status helpers, times that round-trip,
// and a stable re-encoding.
func FuzzMigrationDecode(f *testing.F) {
	for _, name := range fuzzSamples {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`{"id": 1, "status": "running", "memory_total_bytes": 100, "memory_remaining_bytes": -50}`,
		`{"status": "finished", "disk_total_bytes": 9223372036854775807, "disk_remaining_bytes": -9223372036854775808}`,
		`{"status": "queued", "memory_total_bytes": 1, "memory_processed_bytes": 9223372036854775807}`,
		`{"status": "reverted", "created_at": "2016-01-29 13:42:02", "updated_at": null}`,
		`{"migration": null}`, `{"migrations": [{}, {"status": "new-word"}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var m nova.Migration
		if err := json.Unmarshal(data, &m); err == nil {
			checkMigration(t, &m)
			out, err := json.Marshal(&m)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			var back nova.Migration
			if err := json.Unmarshal(out, &back); err != nil {
				t.Fatalf("re-decoding %s: %v", out, err)
			}
			if again, _ := json.Marshal(&back); !bytes.Equal(again, out) {
				t.Fatalf("migration re-encodes differently:\n%s\n%s", out, again)
			}
			if back.Progress() != m.Progress() || back.JobStatus() != m.JobStatus() {
				t.Fatalf("status changed across a round trip: %+v, %+v", m.JobStatus(), back.JobStatus())
			}
		}
		var show struct {
			Migration *nova.Migration `json:"migration"`
		}
		if err := json.Unmarshal(data, &show); err == nil && show.Migration != nil {
			checkMigration(t, show.Migration)
		}
		var list struct {
			Migrations []nova.Migration `json:"migrations"`
			Links      []nova.Link      `json:"migrations_links"`
		}
		if err := json.Unmarshal(data, &list); err == nil {
			for i := range list.Migrations {
				checkMigration(t, &list.Migrations[i])
			}
		}
	})
}

// FuzzTime checks ParseTime: no panic; an accepted value is in UTC, has
// no digits beyond the microsecond and survives the JSON round trip of
// Time exactly; the JSON decoder agrees with ParseTime.
func FuzzTime(f *testing.F) {
	for _, s := range []string{
		"2016-01-29T13:42:02.000000", "2016-01-29 13:42:02", "2016-01-29T13:42:02Z",
		"2016-01-29T13:42:02.123456789+05:30", "2016-01-29T13:42:02-", "", "yesterday",
		"9999-12-31T23:59:59-01:00", "0000-01-01T00:00:00+00:01", "2016-01-29T13:42:02.5 Z",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := nova.ParseTime(s)
		var dec nova.Time
		derr := json.Unmarshal([]byte(strconv.Quote(s)), &dec)
		if err != nil {
			if !v.IsZero() {
				t.Fatalf("ParseTime(%q) failed but returned %v", s, v)
			}
			if derr == nil && strconv.Quote(s) == `"`+s+`"` {
				t.Fatalf("JSON decoded %q, which ParseTime refuses", s)
			}
			return
		}
		if v.Location() != time.UTC {
			t.Fatalf("ParseTime(%q) in %v", s, v.Location())
		}
		if v.Nanosecond()%1000 != 0 {
			t.Fatalf("ParseTime(%q) = %v keeps digits beyond the microsecond", s, v)
		}
		if strconv.Quote(s) == `"`+s+`"` && (derr != nil || !dec.Equal(v)) {
			t.Fatalf("JSON decodes %q to %v, %v; ParseTime gives %v", s, dec.Time, derr, v)
		}
		checkNovaTime(t, "ParseTime", nova.Time{Time: v})
		if !v.IsZero() {
			back, err := nova.ParseTime(nova.Time{Time: v}.String())
			if err != nil || !back.Equal(v) {
				t.Fatalf("%q -> %v -> %q -> %v, %v", s, v, nova.Time{Time: v}.String(), back, err)
			}
		}
	})
}

// TestParseTimeYearOutOfRange: a zone offset that moves the instant out of
// the years 0000 to 9999 in UTC would encode to text nova's form cannot
// hold, so ParseTime and the JSON decoder refuse it; the same times with an
// offset the other way are fine.
func TestParseTimeYearOutOfRange(t *testing.T) {
	for _, s := range []string{"9999-12-31T23:59:59-01:00", "0000-01-01T00:00:00+00:01"} {
		if v, err := nova.ParseTime(s); err == nil {
			t.Errorf("ParseTime(%q) = %v, want an error", s, v)
		}
		var v nova.Time
		if err := json.Unmarshal([]byte(`"`+s+`"`), &v); err == nil {
			t.Errorf("JSON %q decoded to %v, want an error", s, v.Time)
		}
	}
	for s, want := range map[string]string{
		"9999-12-31T23:59:59+01:00": `"9999-12-31T22:59:59.000000"`,
		"0000-01-01T00:00:00-00:01": `"0000-01-01T00:01:00.000000"`,
	} {
		v, err := nova.ParseTime(s)
		if err != nil {
			t.Fatalf("ParseTime(%q): %v", s, err)
		}
		if out, err := json.Marshal(nova.Time{Time: v}); err != nil || string(out) != want {
			t.Errorf("%q encodes as %s, %v; want %s", s, out, err, want)
		}
	}
}

// FuzzServerDecode decodes arbitrary bytes as a server and as a
// GET /servers/detail page: no panic, times that round-trip, and a
// stable re-encoding.
func FuzzServerDecode(f *testing.F) {
	for _, name := range []string{"servers/servers-detail-page1.json", "servers/servers-detail-page2.json", "servers/servers-detail-nulls.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`{"id": "a", "OS-EXT-STS:power_state": null, "OS-EXT-STS:task_state": null, "locked": null}`,
		`{"id": "b", "locked": false, "created": "2017-02-14T19:23:59Z", "updated": "2017-02-14 19:24:00"}`,
		`{"servers": [{}, {"status": "NEW-WORD"}], "servers_links": [{"rel": "next", "href": ""}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		check := func(s *nova.Server) {
			t.Helper()
			checkNovaTime(t, "created", s.Created)
			checkNovaTime(t, "updated", s.Updated)
			out, err := json.Marshal(s)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			var back nova.Server
			if err := json.Unmarshal(out, &back); err != nil {
				t.Fatalf("re-decoding %s: %v", out, err)
			}
			if again, _ := json.Marshal(&back); !bytes.Equal(again, out) {
				t.Fatalf("server re-encodes differently:\n%s\n%s", out, again)
			}
		}
		var s nova.Server
		if err := json.Unmarshal(data, &s); err == nil {
			check(&s)
		}
		var page struct {
			Servers []nova.Server `json:"servers"`
			Links   []nova.Link   `json:"servers_links"`
		}
		if err := json.Unmarshal(data, &page); err == nil {
			for i := range page.Servers {
				check(&page.Servers[i])
			}
		}
	})
}
