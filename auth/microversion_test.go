package auth

import (
	"encoding/json"
	"net/http"
	"testing"
)

func TestParseMicroversion(t *testing.T) {
	good := map[string]Microversion{
		"2.80":        {2, 80},
		"2.1":         {2, 1},
		"2.0":         {2, 0},
		"1.0":         {1, 0},
		"2.104":       {2, 104},
		"10.3":        {10, 3},
		"999999999.0": {999999999, 0},
	}
	for s, want := range good {
		got, err := ParseMicroversion(s)
		if err != nil || got != want {
			t.Errorf("ParseMicroversion(%q) = %v, %v; want %v", s, got, err, want)
		}
		if got.String() != s {
			t.Errorf("String() = %q, want %q", got.String(), s)
		}
	}
	for _, bad := range []string{
		"", "2", "2.", ".1", "x.1", "2.x", "-2.1", "2.-1", "+2.1", "2.+1", " 2.1", "2.1 ", "2 .1",
		"2. 1", "latest", "2.1.1", "02.1", "2.01", "0.1", "0.0", "2,1", "2.1a", "１.1", "1234567890.1",
	} {
		if v, err := ParseMicroversion(bad); err == nil {
			t.Errorf("ParseMicroversion(%q) = %v, want an error", bad, v)
		}
	}
}

func TestMustParseMicroversionPanics(t *testing.T) {
	if MustParseMicroversion("2.57") != (Microversion{2, 57}) {
		t.Fatal("wrong value")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	MustParseMicroversion("2")
}

func TestMicroversionCompare(t *testing.T) {
	v := func(s string) Microversion { return MustParseMicroversion(s) }
	cases := []struct {
		a, b Microversion
		want int
	}{
		{v("2.80"), v("2.80"), 0},
		{v("2.9"), v("2.80"), -1}, // numeric, not lexical
		{v("2.80"), v("2.9"), 1},
		{v("2.100"), v("3.0"), -1},
		{v("3.0"), v("2.100"), 1},
		{Microversion{}, v("2.1"), -1},
	}
	for _, c := range cases {
		if got := c.a.Compare(c.b); got != c.want {
			t.Errorf("%v.Compare(%v) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := c.a.Less(c.b); got != (c.want < 0) {
			t.Errorf("%v.Less(%v) = %v", c.a, c.b, got)
		}
		if got := c.a.AtLeast(c.b); got != (c.want >= 0) {
			t.Errorf("%v.AtLeast(%v) = %v", c.a, c.b, got)
		}
	}
	if !(Microversion{}).IsZero() || v("2.0").IsZero() {
		t.Error("IsZero")
	}
	if (Microversion{}).String() != "0.0" {
		t.Error("zero String")
	}
}

func TestMicroversionText(t *testing.T) {
	var x struct {
		V Microversion `json:"v"`
	}
	if err := json.Unmarshal([]byte(`{"v":"2.65"}`), &x); err != nil || x.V != (Microversion{2, 65}) {
		t.Fatalf("%v %v", x.V, err)
	}
	b, _ := json.Marshal(x)
	if string(b) != `{"v":"2.65"}` {
		t.Fatal(string(b))
	}
	if err := json.Unmarshal([]byte(`{"v":"latest"}`), &x); err == nil {
		t.Fatal("latest accepted")
	}
}

func TestComputeHeaders(t *testing.T) {
	h := http.Header{}
	ComputeHeaders(h, MustParseMicroversion("2.80"))
	if got := h.Get("OpenStack-API-Version"); got != "compute 2.80" {
		t.Errorf("OpenStack-API-Version %q", got)
	}
	if got := h.Get("X-OpenStack-Nova-API-Version"); got != "2.80" {
		t.Errorf("X-OpenStack-Nova-API-Version %q", got)
	}
	ComputeHeaders(h, MustParseMicroversion("2.96"))
	if len(h.Values("OpenStack-API-Version")) != 1 || h.Get("X-OpenStack-Nova-API-Version") != "2.96" {
		t.Errorf("not replaced: %v", h)
	}
	if len(h) != 2 {
		t.Errorf("extra headers: %v", h)
	}
	ComputeHeaders(h, Microversion{})
	if len(h) != 0 {
		t.Errorf("zero version left %v", h)
	}
}

func TestShareHeaders(t *testing.T) {
	h := http.Header{}
	ShareHeaders(h, MustParseMicroversion("2.57"), true)
	if h.Get("X-OpenStack-Manila-API-Version") != "2.57" || h.Get("X-OpenStack-Manila-API-Experimental") != "True" {
		t.Errorf("headers %v", h)
	}
	if h.Get("OpenStack-API-Version") != "" || len(h) != 2 {
		t.Errorf("unexpected headers %v", h)
	}
	ShareHeaders(h, MustParseMicroversion("2.60"), false)
	if h.Get("X-OpenStack-Manila-API-Version") != "2.60" || h.Get("X-OpenStack-Manila-API-Experimental") != "" || len(h) != 1 {
		t.Errorf("headers %v", h)
	}
}
