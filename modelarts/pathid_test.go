package modelarts_test

import (
	"context"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/rest/pathidtest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/modelarts"
)

const (
	pathPool = "pool-9d3f-6f5da086876d4cd084d36f8bd3346036"
	pathJob  = "66798666-6778-443f-9f8a-56c9ea6d719c"
)

// first returns the error of the first element of seq, if any.
func first[T any](seq func(yield func(T, error) bool)) error {
	for _, err := range seq {
		return err
	}
	return nil
}

// pathOps lists every Client method that takes a pool name or job ID. The
// pool name goes into the path of BatchMigrateNodes, ListPoolNodes,
// GetPool, LockNodes, UnlockNodes and DrainNodes and into the query of
// ListPoolJobs (and of GetJob's fallback and BatchMigrateNodes' look at
// the pool's jobs); it is held to the same rule everywhere.
var pathOps = []pathidtest.Op[*modelarts.Client]{
	{
		Method: "BatchMigrateNodes", Params: []string{"poolName"}, Fields: []string{"poolName"}, Valid: []string{pathPool},
		Call: func(ctx context.Context, c *modelarts.Client, ids []string) error {
			_, err := c.BatchMigrateNodes(ctx, ids[0], &modelarts.BatchMigrateRequest{
				MigrateNodeNames: []string{"os-node-created-zrxm7"},
				FromClusterName:  "lite-cluster-1dc682c4-e04d-11ee-bda6-0255ac1001ba",
				ToClusterName:    "lite-cluster-d3a65087-38e4-11ef-a12c-0255ac100b03",
			})
			return err
		},
	},
	{
		Method: "ListPoolNodes", Params: []string{"poolName"}, Fields: []string{"poolName"}, Valid: []string{pathPool},
		Call: func(ctx context.Context, c *modelarts.Client, ids []string) error {
			return first(c.ListPoolNodes(ctx, ids[0], nil))
		},
	},
	{
		Method: "ListPoolJobs", Params: []string{"poolName"}, Fields: []string{"poolName"}, Valid: []string{pathPool},
		Call: func(ctx context.Context, c *modelarts.Client, ids []string) error {
			return first(c.ListPoolJobs(ctx, ids[0], nil))
		},
	},
	{
		Method: "GetJob", Params: []string{"poolName", "jobID"}, Fields: []string{"poolName", "jobID"}, Valid: []string{pathPool, pathJob},
		Call: func(ctx context.Context, c *modelarts.Client, ids []string) error {
			_, err := c.GetJob(ctx, ids[0], ids[1])
			return err
		},
	},
	{
		Method: "GetPool", Params: []string{"poolName"}, Fields: []string{"poolName"}, Valid: []string{pathPool},
		Call: func(ctx context.Context, c *modelarts.Client, ids []string) error {
			_, err := c.GetPool(ctx, ids[0])
			return err
		},
	},
	{
		Method: "LockNodes", Params: []string{"poolName"}, Fields: []string{"poolName"}, Valid: []string{pathPool},
		Call: func(ctx context.Context, c *modelarts.Client, ids []string) error {
			_, err := c.LockNodes(ctx, ids[0], []string{"os-node-created-zrxm7"})
			return err
		},
	},
	{
		Method: "UnlockNodes", Params: []string{"poolName"}, Fields: []string{"poolName"}, Valid: []string{pathPool},
		Call: func(ctx context.Context, c *modelarts.Client, ids []string) error {
			_, err := c.UnlockNodes(ctx, ids[0], []string{"os-node-created-zrxm7"})
			return err
		},
	},
	{
		Method: "DrainNodes", Params: []string{"poolName"}, Fields: []string{"poolName"}, Valid: []string{pathPool},
		Call: func(ctx context.Context, c *modelarts.Client, ids []string) error {
			return c.DrainNodes(ctx, ids[0], []string{"os-node-created-zrxm7"})
		},
	},
	{
		Method: "WaitForJob", Params: []string{"poolName", "jobID"}, Fields: []string{"poolName", "jobID"}, Valid: []string{pathPool, pathJob},
		Call: func(ctx context.Context, c *modelarts.Client, ids []string) error {
			_, err := c.WaitForJob(ctx, ids[0], ids[1], jobs.WithInitialDelay(0), jobs.WithInterval(time.Millisecond, time.Millisecond))
			return err
		},
	},
}

// Every operation refuses every bad pool name and job ID before sending
// anything.
func TestPathIDsRefusedBeforeSending(t *testing.T) {
	pathidtest.Run(t, "", func(t *testing.T, endpoint string) *modelarts.Client {
		c, err := modelarts.NewClient(endpoint, "0123456789abcdef0123456789abcdef", auth.StaticToken("t"),
			cloudmigrate.WithRetryWait(time.Millisecond, time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}, pathOps)
}

// The table above lists every Client method that takes a string.
func TestPathIDTableComplete(t *testing.T) {
	pathidtest.CheckComplete(t, ".", pathOps, map[string]string{
		"ResumeNodeMigration": "the token is parsed, not sent; the IDs in it are checked like path IDs",
	})
}
