package main

import (
	"context"
	"fmt"

	"github.com/cloudmigrate/cloudmigrate/cce"
	"github.com/cloudmigrate/cloudmigrate/cce/ccetest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// cceFake moves three nodes from one cluster to another on the CCE fake,
// reinstalling them with a salted login password.
func cceFake(ctx context.Context, out *printer) (string, error) {
	srv := ccetest.NewServer(ccetest.WithRealTime(1200))
	defer srv.Close()
	srv.AddCluster("cluster-old", "legacy")
	srv.AddCluster("cluster-new", "consolidated")
	uids := []string{"node-1", "node-2", "node-3"}
	for i, uid := range uids {
		srv.AddNode("cluster-old", uid, fmt.Sprintf("worker-%d", i+1))
	}
	out.step("fake CCE at %s; cluster-old has %d nodes", srv.URL(), len(uids))

	c, err := cce.NewClient(srv.URL(), srv.ProjectID(), srv.Authorizer())
	if err != nil {
		return "", err
	}
	pw, err := cce.NewUserPassword("root", "Migrate#2026")
	if err != nil {
		return "", err
	}
	spec := &cce.MigrateNodesSpec{
		OS:    "EulerOS 2.9",
		Login: &cce.Login{UserPassword: pw},
		Nodes: cce.Nodes(uids...),
	}
	out.step("migrating %d nodes to cluster-new (password salted client-side)", len(uids))
	task, err := c.MigrateNodes(ctx, "cluster-old", "cluster-new", spec)
	if err != nil {
		return "", err
	}
	out.step("job %s accepted; waiting", task.JobID())
	opts := append([]jobs.Option{jobs.WithProgress(out.progress)}, fastPolls()...)
	job, err := c.WaitForJob(ctx, task.JobID(), opts...)
	if err != nil {
		return "", err
	}
	moved := len(srv.ClusterNodes("cluster-new"))
	return fmt.Sprintf("%d nodes moved cluster-old -> cluster-new: job %s %s", moved, job.Metadata.UID, job.Status.Phase), nil
}
