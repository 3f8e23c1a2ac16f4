package optest

import (
	"slices"
	"strings"
	"testing"
)

// The walk accepts the right ways to name an operation and reports each
// wrong one, at its line.
func TestInspectFindsEveryProblem(t *testing.T) {
	sites, problems, err := Inspect("testdata/svc", "svc")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range sites {
		got = append(got, s.Func+"="+s.Op)
	}
	want := []string{"Client.Get=svc.Get", "Client.List=svc.List", "Client.Start=svc.Start", "Client.poll=svc.Get",
		"Client.Check=svc.Check", "Client.Cancel=svc.Cancel"}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("accepted sites %q lack %s", got, w)
		}
	}
	wantProblems := []string{
		`svc.go:27: Op "svc.Start" in Client.Stop, want "svc.Stop"`,
		`svc.go:40: rest.Request in Client.Missing does not set Op`,
		`svc.go:45: Op "svc.Get" in Client.Misnamed, want "svc.Misnamed"`,
		`svc.go:50: Op "nova.OtherPackage" does not start with "svc."`,
		`svc.go:55: Op in Client.Computed is neither a string literal, a constant nor a parameter`,
		`svc.go:60: Op "svc.nothing" names no exported function or method of svc`,
		`svc.go:83: Op "svc.Cancel" in Client.Complete, want "svc.Complete"`,
		`svc.go:85: call literal in Client.Reset does not set feature`,
	}
	slices.Sort(problems)
	if strings.Join(problems, "\n") != strings.Join(wantProblems, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(problems, "\n"), strings.Join(wantProblems, "\n"))
	}
}

func TestInspectRefusesAnotherPackage(t *testing.T) {
	if _, _, err := Inspect("testdata/svc", "ecs"); err == nil {
		t.Error("no error for a package of another name")
	}
}
