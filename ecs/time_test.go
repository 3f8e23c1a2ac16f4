package ecs

import (
	"encoding/json"
	"testing"
	"time"
)

func TestTimeUnmarshal(t *testing.T) {
	ms := time.Date(2016, 4, 25, 20, 4, 47, 591e6, time.UTC)
	cases := []struct {
		in   string
		want time.Time
	}{
		{`"2016-04-25T20:04:47.591Z"`, ms},
		{`"2016-04-25T20:04:47Z"`, ms.Truncate(time.Second)},
		{`"2016-04-25T20:04:47.591"`, ms},
		{`"2016-04-26T04:04:47.591+08:00"`, ms},
		{`"2016-04-26T04:04:47.591+0800"`, ms},
		{`"2016-04-25 20:04:47.591"`, ms},
		{`"2016-04-25 20:04:47.591Z"`, ms},
		{`""`, time.Time{}},
		{`null`, time.Time{}},
		{`"not a time"`, time.Time{}},
		{`1461614687591`, time.Time{}},
		{`{"x":1}`, time.Time{}},
	}
	for _, tc := range cases {
		var v Time
		v.Time = time.Now() // must be reset by the decoder
		if err := v.UnmarshalJSON([]byte(tc.in)); err != nil {
			t.Errorf("UnmarshalJSON(%s): %v", tc.in, err)
			continue
		}
		if !v.Equal(tc.want) || v.IsZero() != tc.want.IsZero() {
			t.Errorf("UnmarshalJSON(%s) = %v, want %v", tc.in, v.Time, tc.want)
		}
	}
}

func TestTimeInStruct(t *testing.T) {
	var s struct {
		A Time `json:"a"`
		B Time `json:"b"`
		C Time `json:"c"`
	}
	if err := json.Unmarshal([]byte(`{"a":"2016-04-25T20:04:47.591Z","b":"","c":null}`), &s); err != nil {
		t.Fatal(err)
	}
	if s.A.Year() != 2016 || s.A.Nanosecond() != 591e6 || !s.B.IsZero() || !s.C.IsZero() {
		t.Errorf("decoded %+v", s)
	}
}

func TestTimeMarshal(t *testing.T) {
	cases := []struct {
		in   Time
		want string
	}{
		{Time{time.Date(2016, 4, 25, 20, 4, 47, 591e6, time.UTC)}, `"2016-04-25T20:04:47.591Z"`},
		{Time{time.Date(2016, 4, 26, 4, 4, 47, 0, time.FixedZone("CST", 8*3600))}, `"2016-04-25T20:04:47.000Z"`},
		{Time{}, `""`},
	}
	for _, tc := range cases {
		b, err := json.Marshal(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tc.want {
			t.Errorf("Marshal(%v) = %s, want %s", tc.in.Time, b, tc.want)
		}
	}
}
