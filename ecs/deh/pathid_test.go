package deh_test

import (
	"context"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/ecs/deh"
	"github.com/cloudmigrate/cloudmigrate/internal/rest/pathidtest"
)

const pathHost = "d465d0ae-f859-4a83-a508-8db654c05e7e"

// pathOps lists every Client method that puts an ID into a URL path.
var pathOps = []pathidtest.Op[*deh.Client]{
	{
		Method: "GetHost", Params: []string{"hostID"}, Fields: []string{"hostID"}, Valid: []string{pathHost},
		Call: func(ctx context.Context, c *deh.Client, ids []string) error {
			_, err := c.GetHost(ctx, ids[0])
			return err
		},
	},
	{
		Method: "ListHostServers", Params: []string{"hostID"}, Fields: []string{"hostID"}, Valid: []string{pathHost},
		Call: func(ctx context.Context, c *deh.Client, ids []string) error {
			for _, err := range c.ListHostServers(ctx, ids[0], nil) {
				return err
			}
			return nil
		},
	},
}

// Every operation refuses every bad path ID before sending anything.
func TestPathIDsRefusedBeforeSending(t *testing.T) {
	pathidtest.Run(t, "", func(t *testing.T, endpoint string) *deh.Client {
		c, err := deh.NewClient(endpoint, "9c53a566cb3443ab910cf0daebca90c4", auth.StaticToken("t"),
			cloudmigrate.WithRetryWait(time.Millisecond, time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}, pathOps)
}

// The table above lists every Client method that takes a string.
func TestPathIDTableComplete(t *testing.T) {
	pathidtest.CheckComplete(t, ".", pathOps, nil)
}
