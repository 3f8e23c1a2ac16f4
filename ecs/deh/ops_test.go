package deh

import (
	"testing"

	"github.com/cloudmigrate/cloudmigrate/internal/rest/optest"
)

// Every request the package builds names its operation, "deh.<Method>",
// for the observer (cloudmigrate.WithObserver).
func TestEveryRequestNamesItsOperation(t *testing.T) {
	sites := optest.Check(t, ".", "deh")
	t.Logf("%d sites: %v", len(sites), optest.Ops(sites))
}
