// Benchtable reads the output of go test -bench (any number of packages and
// -count runs) on standard input and prints two markdown tables of medians.
//
// The first pairs each SDK benchmark with its hand-written baseline from
// the same package and run: BenchmarkX with BenchmarkXPlain, and the pairs
// named in specialPairs. Its ratios are SDK / baseline, so 1.00x means the
// SDK adds nothing. The second lists the benchmarks left unpaired and those
// that report figures of their own (peak-MB, ns/poll), with every figure.
//
// Usage: go run ./.ci/benchtable [-module path] < bench.txt
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// specialPairs maps an SDK benchmark to a baseline whose name does not
// follow the XPlain rule.
var specialPairs = map[string]string{
	"AKSKSign":           "BareCrypto",
	"PipelineGet":        "PlainGet",
	"WaitForJobOverhead": "PlainLoop",
}

// bench is one benchmark's samples, by unit ("ns/op", "B/op", ...).
type bench struct {
	pkg, name string
	samples   map[string][]float64
	units     []string // in the order first seen
}

func (b *bench) median(unit string) (float64, bool) {
	v := slices.Clone(b.samples[unit])
	if len(v) == 0 {
		return 0, false
	}
	sort.Float64s(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2], true
	}
	return (v[n/2-1] + v[n/2]) / 2, true
}

var procSuffix = regexp.MustCompile(`-\d+$`)

// parse collects the benchmark lines of r, keyed by package and name.
func parse(r io.Reader, module string) (map[[2]string]*bench, []*bench, int, error) {
	byKey := map[[2]string]*bench{}
	var order []*bench
	runs := 0
	pkg := ""
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 2 && f[0] == "pkg:" {
			pkg = strings.TrimPrefix(strings.TrimPrefix(f[1], module), "/")
			if pkg == "" {
				pkg = "."
			}
			continue
		}
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue
		}
		name := procSuffix.ReplaceAllString(strings.TrimPrefix(f[0], "Benchmark"), "")
		key := [2]string{pkg, name}
		b := byKey[key]
		if b == nil {
			b = &bench{pkg: pkg, name: name, samples: map[string][]float64{}}
			byKey[key] = b
			order = append(order, b)
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, nil, 0, fmt.Errorf("%q: %v", sc.Text(), err)
			}
			unit := f[i+1]
			if _, seen := b.samples[unit]; !seen {
				b.units = append(b.units, unit)
			}
			b.samples[unit] = append(b.samples[unit], v)
			if unit == "ns/op" {
				runs = max(runs, len(b.samples[unit]))
			}
		}
	}
	return byKey, order, runs, sc.Err()
}

func num(b *bench, unit string) string {
	v, ok := b.median(unit)
	switch {
	case !ok:
		return "-"
	case v >= 100 || v == float64(int64(v)):
		return strconv.FormatFloat(v, 'f', 0, 64)
	default:
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
}

func ratio(sdk, base *bench, unit string) string {
	s, ok1 := sdk.median(unit)
	b, ok2 := base.median(unit)
	if !ok1 || !ok2 {
		return "-"
	}
	if b == 0 {
		if s == 0 {
			return "1.00x"
		}
		return "n/a"
	}
	return fmt.Sprintf("%.2fx", s/b)
}

func main() {
	module := flag.String("module", "github.com/cloudmigrate/cloudmigrate", "module path trimmed from package names")
	flag.Parse()
	byKey, order, runs, err := parse(os.Stdin, *module)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
	if len(order) == 0 {
		fmt.Fprintln(os.Stderr, "benchtable: no benchmark results on standard input")
		os.Exit(1)
	}
	baseline := map[*bench]bool{}
	var pairs [][2]*bench
	for _, b := range order {
		name, special := specialPairs[b.name]
		if !special {
			name = b.name + "Plain"
		}
		if base := byKey[[2]string{b.pkg, name}]; base != nil {
			pairs = append(pairs, [2]*bench{b, base})
			baseline[base] = true
		}
	}
	paired := map[*bench]bool{}
	for _, p := range pairs {
		paired[p[0]], paired[p[1]] = true, true
	}

	fmt.Printf("Medians of %d run(s). Ratios are SDK / baseline from the same run; 1.00x means no overhead.\n\n", runs)
	fmt.Println("| benchmark | SDK ns/op | baseline ns/op | time ratio | SDK allocs/op | baseline allocs/op | allocs ratio | SDK B/op |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|")
	for _, p := range pairs {
		s, b := p[0], p[1]
		fmt.Printf("| %s: %s vs %s | %s | %s | %s | %s | %s | %s | %s |\n", s.pkg, s.name, b.name,
			num(s, "ns/op"), num(b, "ns/op"), ratio(s, b, "ns/op"),
			num(s, "allocs/op"), num(b, "allocs/op"), ratio(s, b, "allocs/op"), num(s, "B/op"))
	}

	std := map[string]bool{"ns/op": true, "B/op": true, "allocs/op": true, "MB/s": true}
	var rest []*bench
	for _, b := range order {
		extra := slices.ContainsFunc(b.units, func(u string) bool { return !std[u] })
		if !paired[b] || extra {
			rest = append(rest, b)
		}
	}
	if len(rest) == 0 {
		return
	}
	fmt.Println()
	fmt.Println("| benchmark | paired | ns/op | B/op | allocs/op | other figures |")
	fmt.Println("|---|---|---:|---:|---:|---|")
	for _, b := range rest {
		var other []string
		for _, u := range b.units {
			if !std[u] {
				other = append(other, num(b, u)+" "+u)
			}
		}
		role := "no"
		switch {
		case baseline[b]:
			role = "baseline"
		case paired[b]:
			role = "SDK"
		}
		fmt.Printf("| %s: %s | %s | %s | %s | %s | %s |\n", b.pkg, b.name, role,
			num(b, "ns/op"), num(b, "B/op"), num(b, "allocs/op"), strings.Join(other, ", "))
	}
}
