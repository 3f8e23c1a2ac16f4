package nova_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/go-cleanhttp"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/benchkit"
	"github.com/cloudmigrate/cloudmigrate/nova"
)

// The paging benchmarks walk a long GET /os-migrations listing, 1,000
// records a page, with the pages made on request by a loopback server. They
// report B/op, which grows with the record count, and peak-MB, the largest
// live heap seen while the records are consumed, which should not: the
// iterator holds one page at a time. Compare the 1k and 10k figures of
// peak-MB for that, and the 10k SDK run with BenchmarkListMigrations10kPlain
// for the SDK's cost. The server runs in the same process, so B/op and
// peak-MB include what it allocates, the same for both.

const (
	benchPageSize  = 1000
	benchMarkerPre = "42341d4b-346a-40d0-83c6-" // + 12 hex digits: the record's position
	benchListPath  = "/v2.1/os-migrations"
)

// benchRecordParts splits the first record of the 2.80 os-migrations sample
// around its id and uuid values, so that a record with another id and uuid
// is parts[0] + id + parts[1] + uuid + parts[2].
func benchRecordParts(b *testing.B) [3][]byte {
	var doc struct {
		Migrations []map[string]any `json:"migrations"`
	}
	if err := json.Unmarshal(sample(b, "os-migrations/v2.80/migrations-get.json"), &doc); err != nil || len(doc.Migrations) == 0 {
		b.Fatalf("sample: %v", err)
	}
	rec := doc.Migrations[0]
	if _, ok := rec["uuid"]; !ok {
		b.Fatal("the 2.80 sample record has no uuid")
	}
	rec["id"] = 987654321
	rec["uuid"] = "@uuid@"
	tmpl, err := json.Marshal(rec)
	if err != nil {
		b.Fatal(err)
	}
	head, rest, ok1 := bytes.Cut(tmpl, []byte("987654321"))
	mid, tail, ok2 := bytes.Cut(rest, []byte(`@uuid@`))
	if !ok1 || !ok2 || bytes.Contains(head, []byte("@uuid@")) {
		b.Fatalf("unexpected record layout: %s", tmpl)
	}
	return [3][]byte{head, mid, tail}
}

// benchPagingServer serves total records, newest (highest id) first, in
// pages of the requested limit, with a "next" link after every full page,
// as nova does. The record at position k has id total-k and a uuid that
// encodes k, which is how the marker is read back.
func benchPagingServer(b *testing.B, total int) *httptest.Server {
	parts := benchRecordParts(b)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		limit, err := strconv.Atoi(q.Get("limit"))
		if r.Method != http.MethodGet || r.URL.Path != benchListPath || err != nil || limit <= 0 ||
			r.Header.Get("X-Openstack-Nova-Api-Version") != "2.80" {
			http.Error(w, "unexpected request "+r.RequestURI, http.StatusBadRequest)
			return
		}
		start := 0
		if m := q.Get("marker"); m != "" {
			k, err := strconv.ParseUint(strings.TrimPrefix(m, benchMarkerPre), 16, 32)
			if !strings.HasPrefix(m, benchMarkerPre) || err != nil || int(k) >= total {
				http.Error(w, "bad marker "+m, http.StatusBadRequest)
				return
			}
			start = int(k) + 1
		}
		end := min(start+limit, total)
		h := w.Header()
		h["Content-Type"] = []string{"application/json"}
		h["Openstack-Api-Version"] = []string{"compute 2.80"}
		h["X-Openstack-Nova-Api-Version"] = []string{"2.80"}
		h["X-Openstack-Request-Id"] = []string{reqID}
		buf := make([]byte, 0, 1024)
		buf = append(buf, `{"migrations":[`...)
		for k := start; k < end; k++ {
			if k > start {
				buf = append(buf, ',')
			}
			buf = append(buf, parts[0]...)
			buf = strconv.AppendInt(buf, int64(total-k), 10)
			buf = append(buf, parts[1]...)
			buf = benchUUID(buf, k)
			buf = append(buf, parts[2]...)
			if _, err := w.Write(buf); err != nil {
				return
			}
			buf = buf[:0]
		}
		buf = append(buf, ']')
		if end > start && end-start == limit {
			buf = append(buf, `,"migrations_links":[{"href":"http://`...)
			buf = append(buf, r.Host...)
			buf = append(buf, benchListPath+"?limit="...)
			buf = strconv.AppendInt(buf, int64(limit), 10)
			buf = append(buf, "&marker="...)
			buf = benchUUID(buf, end-1)
			buf = append(buf, `","rel":"next"}]`...)
		}
		buf = append(buf, '}')
		_, _ = w.Write(buf)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// benchUUID appends the uuid of the record at position k.
func benchUUID(buf []byte, k int) []byte {
	buf = append(buf, benchMarkerPre...)
	const hex = "0123456789abcdef"
	for shift := 44; shift >= 0; shift -= 4 {
		buf = append(buf, hex[(k>>shift)&0xf])
	}
	return buf
}

// heapPeak tracks the largest live heap seen. runtime/metrics reads it
// without stopping the world, so sampling often costs little.
type heapPeak struct {
	s    []metrics.Sample
	peak uint64
}

func newHeapPeak() *heapPeak {
	return &heapPeak{s: []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}}
}

func (h *heapPeak) sample() {
	metrics.Read(h.s)
	if v := h.s[0].Value.Uint64(); v > h.peak {
		h.peak = v
	}
}

// report adds the peak, in MB, to the benchmark's figures.
func (h *heapPeak) report(b *testing.B) {
	b.ReportMetric(float64(h.peak)/1e6, "peak-MB")
}

// benchConsumer checks each record it is given: positions in order, ids
// counting down from total. It samples the heap every 100 records, which
// includes the moment each page has just been decoded.
type benchConsumer struct {
	total, n int
	heap     *heapPeak
}

func (c *benchConsumer) take(b *testing.B, m *nova.Migration) {
	if m.ID != c.total-c.n || !strings.HasPrefix(m.UUID, benchMarkerPre) {
		b.Fatalf("record %d: id %d uuid %q", c.n, m.ID, m.UUID)
	}
	if c.n%100 == 0 {
		c.heap.sample()
	}
	c.n++
}

func (c *benchConsumer) done(b *testing.B) {
	if c.n != c.total {
		b.Fatalf("%d records, want %d", c.n, c.total)
	}
}

func benchListMigrations(b *testing.B, total int) {
	srv := benchPagingServer(b, total)
	c, err := nova.NewClient(srv.URL+"/v2.1", auth.StaticToken("tok-123"),
		cloudmigrate.WithHTTPClient(cleanhttp.DefaultPooledClient()), cloudmigrate.WithMicroversion("2.80"))
	if err != nil {
		b.Fatal(err)
	}
	opts := &nova.ListMigrationsOptions{Limit: benchPageSize}
	ctx := context.Background()
	heap := newHeapPeak()
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cons := benchConsumer{total: total, heap: heap}
		for m, err := range c.ListMigrations(ctx, opts) {
			if err != nil {
				b.Fatal(err)
			}
			cons.take(b, &m)
		}
		cons.done(b)
	}
	b.StopTimer()
	heap.report(b)
}

// BenchmarkListMigrations10k pages through 10,000 migration records with
// the SDK iterator (ten full pages and the empty one after them).
func BenchmarkListMigrations10k(b *testing.B) { benchListMigrations(b, 10_000) }

// BenchmarkListMigrations1k is BenchmarkListMigrations10k with 1,000
// records: one full page and an empty one. Its peak-MB should be close to
// the 10k figure while its B/op is about a tenth.
func BenchmarkListMigrations1k(b *testing.B) { benchListMigrations(b, 1_000) }

// BenchmarkListMigrations10kPlain pages through the same 10,000 records by
// hand with net/http and encoding/json: each page is decoded into the same
// nova.Migration type, its records are consumed, and it is dropped before
// the next link is followed.
func BenchmarkListMigrations10kPlain(b *testing.B) {
	const total = 10_000
	srv := benchPagingServer(b, total)
	hc := cleanhttp.DefaultPooledClient()
	first := srv.URL + benchListPath + "?limit=" + strconv.Itoa(benchPageSize)
	header := benchkit.Header("", "tok-123", false)
	header["Openstack-Api-Version"] = []string{"compute 2.80"}
	header["X-Openstack-Nova-Api-Version"] = []string{"2.80"}
	heap := newHeapPeak()
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cons := benchConsumer{total: total, heap: heap}
		for url := first; url != ""; {
			var page struct {
				Migrations []nova.Migration `json:"migrations"`
				Links      []struct {
					Href string `json:"href"`
					Rel  string `json:"rel"`
				} `json:"migrations_links"`
			}
			benchkit.Do(b, hc, http.MethodGet, url, header, nil, &page)
			for j := range page.Migrations {
				cons.take(b, &page.Migrations[j])
			}
			url = ""
			for _, l := range page.Links {
				if l.Rel == "next" && len(page.Migrations) > 0 {
					url = l.Href
				}
			}
		}
		cons.done(b)
	}
	b.StopTimer()
	heap.report(b)
}
