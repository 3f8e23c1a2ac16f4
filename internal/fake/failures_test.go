package fake

import "testing"

func TestFailuresQueue(t *testing.T) {
	var f Failures[string]
	if _, ok := f.Take(); ok {
		t.Fatal("an empty queue planned a failure")
	}
	f.Add(2, "a")
	f.Add(1, "b")
	f.Add(0, "ignored")
	if _, ok := f.Take(); ok {
		t.Fatal("Add(0) did not cancel the plan")
	}
	f.Add(2, "a")
	f.Add(1, "b")
	var got []string
	for {
		v, ok := f.Take()
		if !ok {
			break
		}
		got = append(got, v)
	}
	if len(got) != 3 || got[0] != "a" || got[1] != "a" || got[2] != "b" {
		t.Errorf("taken %q, want [a a b]", got)
	}
}
