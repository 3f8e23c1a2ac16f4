package ecs

import (
	"testing"

	"github.com/cloudmigrate/cloudmigrate/internal/rest/optest"
)

// Every request the package builds names its operation, "ecs.<Method>",
// for the observer (cloudmigrate.WithObserver).
func TestEveryRequestNamesItsOperation(t *testing.T) {
	sites := optest.Check(t, ".", "ecs")
	t.Logf("%d sites: %v", len(sites), optest.Ops(sites))
}
