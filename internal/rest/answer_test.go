package rest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
)

// streamPrefix and streamSuffix frame what streamServer sends.
const streamPrefix, streamSuffix = `{"migrations":[{"id":"m-1","note":"`, `"}]}`

// streamServer answers every request with a 200 of size bytes: a JSON
// prefix, filler, and a suffix that closes the JSON, written in 1 MiB
// pieces from one buffer, so the server holds no more than that whatever
// the size. With declare it sends Content-Length, else the answer is
// chunked. It stops writing as soon as a write fails (the client closed
// the connection) and reports how much it wrote on done.
func streamServer(t *testing.T, size int64, declare bool) (srv *httptest.Server, done <-chan int64) {
	t.Helper()
	prefix, suffix := streamPrefix, streamSuffix
	piece := bytes.Repeat([]byte{'a'}, 1<<20)
	ch := make(chan int64, 1)
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if declare {
			w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		}
		w.WriteHeader(http.StatusOK)
		written := int64(0)
		defer func() { ch <- written }()
		n, err := io.WriteString(w, prefix)
		written += int64(n)
		for fill := size - int64(len(suffix)); err == nil && written < fill; {
			n, err = w.Write(piece[:min(int64(len(piece)), fill-written)])
			written += int64(n)
		}
		if err == nil {
			n, _ = io.WriteString(w, suffix)
			written += int64(n)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, ch
}

// heapPeak samples the live heap every millisecond until stop is called,
// which returns the highest value seen.
func heapPeak() (stop func() uint64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak atomic.Uint64
	quit, finished := make(chan struct{}), make(chan struct{})
	read := func() {
		metrics.Read(sample)
		if v := sample[0].Value.Uint64(); v > peak.Load() {
			peak.Store(v)
		}
	}
	go func() {
		defer close(finished)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			read()
			select {
			case <-quit:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 {
		close(quit)
		<-finished
		read()
		return peak.Load()
	}
}

// Refusing an answer over MaxAnswer, streamed by the server, holds at most
// 1.25 times MaxAnswer on the heap however large the answer, whether its
// length is declared or not; the client closes the connection and the
// server stops writing.
func TestOverLimitAnswerMemoryStaysNearTheLimit(t *testing.T) {
	const bound = MaxAnswer + MaxAnswer/4
	for _, size := range []int64{100 << 20, 1 << 30} {
		for _, declare := range []bool{false, true} {
			name := fmt.Sprintf("%d MiB, chunked", size>>20)
			if declare {
				name = fmt.Sprintf("%d MiB, Content-Length", size>>20)
			}
			t.Run(name, func(t *testing.T) {
				srv, done := streamServer(t, size, declare)
				c, err := New(srv.URL, nil, []cloudmigrate.Option{cloudmigrate.WithHTTPClient(&http.Client{Transport: &http.Transport{}})})
				if err != nil {
					t.Fatal(err)
				}
				defer c.HTTPClient().CloseIdleConnections()
				var out struct {
					Migrations []struct{ ID, Note string }
				}
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				stop := heapPeak()
				start := time.Now()
				_, err = c.Do(context.Background(), &Request{Method: http.MethodGet, Path: "/os-migrations", Out: &out})
				took := time.Since(start)
				peak := stop()
				runtime.ReadMemStats(&after)

				if !errors.Is(err, ErrAnswerTooLarge) {
					t.Fatalf("Do: %v, want ErrAnswerTooLarge", err)
				}
				// TotalAlloc counts every byte allocated meanwhile, by the
				// client and the server: it bounds the heap's growth even
				// between two samples.
				allocated := after.TotalAlloc - before.TotalAlloc
				grew := int64(peak) - int64(before.HeapAlloc)
				t.Logf("%s: refused in %v; allocated %.1f MiB, live heap peak %+.1f MiB (bound %d MiB)",
					name, took.Round(time.Millisecond), float64(allocated)/(1<<20), float64(grew)/(1<<20), bound>>20)
				if allocated > bound {
					t.Errorf("allocated %d MiB while refusing, want at most %d MiB", allocated>>20, bound>>20)
				}
				if grew > bound {
					t.Errorf("the live heap grew by %d MiB, want at most %d MiB", grew>>20, bound>>20)
				}
				select {
				case written := <-done:
					if written >= size {
						t.Errorf("the server wrote the whole %d MiB", size>>20)
					}
				case <-time.After(10 * time.Second):
					t.Fatal("the server is still writing 10 s after the answer was refused")
				}
			})
		}
	}
}

// An answer of exactly MaxAnswer bytes, streamed, decodes, whether its
// length is declared or not.
func TestAnswerAtTheLimitDecodes(t *testing.T) {
	for _, declare := range []bool{false, true} {
		t.Run(fmt.Sprintf("declared %v", declare), func(t *testing.T) {
			srv, done := streamServer(t, MaxAnswer, declare)
			c, err := New(srv.URL, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.HTTPClient().CloseIdleConnections()
			var out struct {
				Migrations []struct{ ID, Note string }
			}
			if _, err := c.Do(context.Background(), &Request{Method: http.MethodGet, Path: "/x", Out: &out}); err != nil {
				t.Fatalf("Do: %v", err)
			}
			if written := <-done; written != MaxAnswer {
				t.Fatalf("the server wrote %d bytes, want %d", written, MaxAnswer)
			}
			if len(out.Migrations) != 1 || out.Migrations[0].ID != "m-1" || len(out.Migrations[0].Note) != MaxAnswer-len(streamPrefix+streamSuffix) {
				t.Fatalf("decoded %d migrations", len(out.Migrations))
			}
		})
	}
}

// readAnswer takes an answer of exactly the limit and refuses one byte
// more, declared or not, however the body arrives; a declared length over
// the limit is refused before anything is read.
func TestReadAnswerLimit(t *testing.T) {
	const limit = 3*answerChunkMin + 123
	for _, size := range []int{limit - 1, limit, limit + 1, 2 * limit} {
		for _, step := range []int{1, 1000, answerChunkMin, limit + 1} {
			for _, declared := range []bool{false, true} {
				body := strings.Repeat("x", size)
				length := int64(-1)
				if declared {
					length = int64(size)
				}
				r := &stepReader{s: body, step: step}
				data, lost, err := readAnswer(r, length, limit)
				name := fmt.Sprintf("%d bytes in steps of %d, declared %v", size, step, declared)
				switch {
				case size <= limit && (err != nil || lost || string(data) != body):
					t.Errorf("%s: %d bytes, lost %v, %v", name, len(data), lost, err)
				case size > limit && (!errors.Is(err, ErrAnswerTooLarge) || lost || data != nil):
					t.Errorf("%s: %d bytes, lost %v, %v; want ErrAnswerTooLarge", name, len(data), lost, err)
				case size > limit && declared && r.read != 0:
					t.Errorf("%s: read %d bytes of an answer declared too large", name, r.read)
				case size > limit && !declared && r.read > limit+step:
					t.Errorf("%s: read %d bytes to refuse it", name, r.read)
				}
			}
		}
	}
}

// A body that arrives in pieces of any size, of known length or not,
// decodes to the same value; white space only leaves the result alone, and
// JSON that stops early is io.ErrUnexpectedEOF.
func TestReadAnswerPieces(t *testing.T) {
	var doc strings.Builder
	doc.WriteString(`{"items":[`)
	for i := range 3000 {
		if i > 0 {
			doc.WriteByte(',')
		}
		fmt.Fprintf(&doc, `{"id":"item-%04d"}`, i)
	}
	doc.WriteString(`]}`)
	whole := doc.String()
	type items struct {
		Items []struct{ ID string }
	}
	for _, step := range []int{1, 7, 4096, 4097, 1 << 20} {
		for _, declared := range []bool{false, true} {
			length := int64(-1)
			if declared {
				length = int64(len(whole))
			}
			data, lost, err := readAnswer(&stepReader{s: whole, step: step}, length, MaxAnswer)
			if err != nil || lost || string(data) != whole {
				t.Fatalf("step %d, declared %v: %d bytes, lost %v, %v", step, declared, len(data), lost, err)
			}
			var got items
			if err := decodeAnswer(data, &got); err != nil || len(got.Items) != 3000 || got.Items[2999].ID != "item-2999" {
				t.Fatalf("step %d: %v, %d items", step, err, len(got.Items))
			}
		}
	}
	// A declared length the body falls short of is a lost answer.
	if _, lost, err := readAnswer(strings.NewReader(whole[:100]), int64(len(whole)), MaxAnswer); !lost || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("short body: lost %v, %v", lost, err)
	}
	// A read failure part way is a lost answer.
	broken := io.MultiReader(strings.NewReader(whole[:5000]), errReader{io.ErrClosedPipe})
	if _, lost, err := readAnswer(broken, -1, MaxAnswer); !lost || !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("broken body: lost %v, %v", lost, err)
	}
	for _, blank := range []string{"", " \n\t\r "} {
		got := items{Items: make([]struct{ ID string }, 1)}
		if err := decodeAnswer([]byte(blank), &got); err != nil || len(got.Items) != 1 {
			t.Errorf("%q: %v, %+v", blank, err, got)
		}
	}
	for _, cut := range []string{`{`, `{"items":[{"id":"a"}`, `{"items":[{"id":"a`} {
		if err := decodeAnswer([]byte(cut), new(items)); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%q: %v, want io.ErrUnexpectedEOF", cut, err)
		}
	}
	if err := decodeAnswer([]byte(`{"items":x`), new(items)); err == nil || errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("bad JSON: %v, want a syntax error", err)
	}
}

// What follows an answer's first JSON value is ignored: a long answer of
// unknown length is read only to the value's end, and a value with
// anything after it decodes. Braces, brackets and escaped quotes within
// strings do not end the value.
func TestAnswerFirstValueOnly(t *testing.T) {
	value := `{"note":"a } ] \\\" [ { \"","items":[{"id":"x"},{"id":"y"}],"more":"` + strings.Repeat("m", 3<<20) + `"}`
	type doc struct {
		Note  string
		Items []struct{ ID string }
		More  string
	}
	check := func(t *testing.T, got doc) {
		t.Helper()
		if got.Note != `a } ] \" [ { "` || len(got.Items) != 2 || got.Items[1].ID != "y" || len(got.More) != 3<<20 {
			t.Fatalf("decoded %q, %d items, more of %d bytes", got.Note, len(got.Items), len(got.More))
		}
	}
	for _, step := range []int{1 << 10, 1 << 20, 4 << 20} {
		r := &stepReader{s: value + strings.Repeat(" ", 20<<20) + "junk", step: step}
		data, lost, err := readAnswer(r, -1, MaxAnswer)
		if err != nil || lost || string(data) != value {
			t.Fatalf("step %d: %d bytes, lost %v, %v", step, len(data), lost, err)
		}
		if r.read > len(value)+step+answerChunkMax {
			t.Errorf("step %d: read %d bytes for a value of %d", step, r.read, len(value))
		}
		var got doc
		if err := decodeAnswer(data, &got); err != nil {
			t.Fatal(err)
		}
		check(t, got)
	}
	for _, tail := range []string{" junk", "\n{\"note\":\"second\"}", "]"} {
		var got doc
		if err := decodeAnswer([]byte(value+tail), &got); err != nil {
			t.Fatalf("tail %q: %v", tail, err)
		}
		check(t, got)
	}
}

// stepReader yields s at most step bytes at a time and counts them.
type stepReader struct {
	s    string
	step int
	read int
}

func (r *stepReader) Read(p []byte) (int, error) {
	if r.s == "" {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), r.step)], r.s)
	r.s = r.s[n:]
	r.read += n
	return n, nil
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
