package cce_test

import (
	"context"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/cce"
	"github.com/cloudmigrate/cloudmigrate/internal/rest/pathidtest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

const (
	pathSource = "6951bd5c-45ed-11ea-a3ff-0255ac100b05"
	pathTarget = "7a02c1d4-45ed-11ea-a3ff-0255ac100b05"
	pathJob    = "2ec9b78d-9368-46f3-8f29-d1a95622a568"
	pathNode   = "0b6a3a1c-45ee-11ea-a3ff-0255ac100b05"
	pathPool   = "b8a2f9e6-45ee-11ea-a3ff-0255ac100b05"
)

// pathOps lists every Client method that puts an ID into a URL path.
var pathOps = []pathidtest.Op[*cce.Client]{
	{
		Method: "MigrateNodes", Params: []string{"clusterID", "targetClusterID"},
		Fields: []string{"clusterID", "targetClusterID"}, Valid: []string{pathSource, pathTarget},
		Call: func(ctx context.Context, c *cce.Client, ids []string) error {
			_, err := c.MigrateNodes(ctx, ids[0], ids[1], &cce.MigrateNodesSpec{
				OS:    "EulerOS 2.5",
				Login: &cce.Login{SSHKey: "KeyPair-001"},
				Nodes: cce.Nodes(pathNode),
			})
			return err
		},
	},
	{
		Method: "GetJob", Params: []string{"jobID"}, Fields: []string{"jobID"}, Valid: []string{pathJob},
		Call: func(ctx context.Context, c *cce.Client, ids []string) error {
			_, err := c.GetJob(ctx, ids[0])
			return err
		},
	},
	{
		Method: "WaitForJob", Params: []string{"jobID"}, Fields: []string{"jobID"}, Valid: []string{pathJob},
		Call: func(ctx context.Context, c *cce.Client, ids []string) error {
			_, err := c.WaitForJob(ctx, ids[0], jobs.WithInitialDelay(0), jobs.WithInterval(time.Millisecond, time.Millisecond))
			return err
		},
	},
	{
		Method: "GetCluster", Params: []string{"clusterID"}, Fields: []string{"clusterID"}, Valid: []string{pathSource},
		Call: func(ctx context.Context, c *cce.Client, ids []string) error {
			_, err := c.GetCluster(ctx, ids[0])
			return err
		},
	},
	{
		Method: "ListNodes", Params: []string{"clusterID"}, Fields: []string{"clusterID"}, Valid: []string{pathSource},
		Call: func(ctx context.Context, c *cce.Client, ids []string) error {
			_, err := c.ListNodes(ctx, ids[0])
			return err
		},
	},
	{
		Method: "GetNode", Params: []string{"clusterID", "nodeID"}, Fields: []string{"clusterID", "nodeID"},
		Valid: []string{pathSource, pathNode},
		Call: func(ctx context.Context, c *cce.Client, ids []string) error {
			_, err := c.GetNode(ctx, ids[0], ids[1])
			return err
		},
	},
	{
		Method: "MigrateToNodePool", Params: []string{"clusterID", "nodePoolID"}, Fields: []string{"clusterID", "nodePoolID"},
		Valid: []string{pathTarget, pathPool},
		Call: func(ctx context.Context, c *cce.Client, ids []string) error {
			return c.MigrateToNodePool(ctx, ids[0], ids[1], []string{pathNode})
		},
	},
}

// exempt lists the Client methods whose strings never go into a path.
var exempt = map[string]string{
	"ResumeNodeMigration": "takes a resume token, which it parses; the IDs in it are checked with the path-ID rule (TestResumeRefusesBadTokens)",
}

// Every operation refuses every bad path ID before sending anything.
func TestPathIDsRefusedBeforeSending(t *testing.T) {
	pathidtest.Run(t, "", func(t *testing.T, endpoint string) *cce.Client {
		c, err := cce.NewClient(endpoint, "0970dd7a1300f5672ff2c003c60ae115", auth.StaticToken("t"),
			cloudmigrate.WithRetryWait(time.Millisecond, time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}, pathOps)
}

// The table above lists every Client method that takes a string.
func TestPathIDTableComplete(t *testing.T) {
	pathidtest.CheckComplete(t, ".", pathOps, exempt)
}
