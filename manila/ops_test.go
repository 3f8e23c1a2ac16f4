package manila

import (
	"testing"

	"github.com/cloudmigrate/cloudmigrate/internal/rest/optest"
)

// Every request the package builds names its operation, "manila.<Method>",
// for the observer (cloudmigrate.WithObserver).
func TestEveryRequestNamesItsOperation(t *testing.T) {
	sites := optest.Check(t, ".", "manila")
	t.Logf("%d sites: %v", len(sites), optest.Ops(sites))
}
