package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
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
	return cceMigrate(ctx, out, c, "cluster-old", "cluster-new", uids, "EulerOS 2.9", &cce.Login{UserPassword: pw}, fastPolls())
}

func cceReal(cfg *realConfig) flow {
	return flow{name: "cce", run: func(ctx context.Context, out *printer) (string, error) {
		env, err := auth.HuaweiFromEnv()
		if err != nil {
			return "", err
		}
		endpoint, err := huaweiEndpoint(cfg.cceEndpoint, "cce", env.Region)
		if err != nil {
			return "", err
		}
		c, err := cce.NewClient(endpoint, env.ProjectID, env.AKSK)
		if err != nil {
			return "", err
		}
		login := &cce.Login{SSHKey: cfg.cceSSHKey}
		if cfg.cceSSHKey == "" {
			plain := os.Getenv("CCE_NODE_PASSWORD")
			if plain == "" {
				return "", errors.New("give -cce-ssh-key, or the node password in CCE_NODE_PASSWORD")
			}
			if login.UserPassword, err = cce.NewUserPassword("root", plain); err != nil {
				return "", err
			}
		}
		return cceMigrate(ctx, out, c, cfg.cceCluster, cfg.cceTarget, splitList(cfg.cceNodes), cfg.cceOS, login, realPolls())
	}}
}

// cceMigrate moves nodes to another cluster and waits on the handle until
// they are Active there.
func cceMigrate(ctx context.Context, out *printer, c *cce.Client, from, to string, uids []string, os string, login *cce.Login, poll []jobs.Option) (string, error) {
	spec := &cce.MigrateNodesSpec{OS: os, Login: login, Nodes: cce.Nodes(uids...)}
	how := "key pair " + login.SSHKey
	if login.UserPassword != nil {
		how = "a password salted client-side"
	}
	out.step("migrating %d nodes %s -> %s, reinstalled with %s and %s", len(uids), from, to, os, how)
	op, err := c.MigrateNodes(ctx, from, to, spec)
	switch {
	case errors.Is(err, cloudmigrate.ErrInProgress):
		out.step("already under way, following it: %v", err)
	case err != nil:
		return "", err
	}
	out.step("job %s accepted; waiting until the nodes are Active in %s", op.ID(), to)
	if _, err := op.Wait(ctx, withProgress(out, poll)...); err != nil {
		return "", err
	}
	nodes, err := c.ListNodes(ctx, to)
	if err != nil {
		return "", err
	}
	active := 0
	for _, n := range nodes {
		if slices.Contains(uids, n.Metadata.UID) && n.Status.Phase == cce.NodePhaseActive {
			active++
		}
	}
	return fmt.Sprintf("%d nodes moved %s -> %s by job %s: %d Active there", len(uids), from, to, op.ID(), active), nil
}
