package authtest

import (
	"testing"

	"github.com/cloudmigrate/cloudmigrate/internal/fake/faketest"
)

// Every method of the fake engine a test can call on Server (Calls,
// Throttle, FailNext, DropNext, SlowNext, Clock, URL ...) is declared in
// this package with its doc, so that go doc shows it.
func TestServerDeclaresEveryEngineMethod(t *testing.T) {
	faketest.CheckEngineMethodsDeclared(t, ".")
}
