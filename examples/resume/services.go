package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/cce"
	"github.com/cloudmigrate/cloudmigrate/ecs"
	"github.com/cloudmigrate/cloudmigrate/manila"
	"github.com/cloudmigrate/cloudmigrate/modelarts"
	"github.com/cloudmigrate/cloudmigrate/nova"
)

// Each connect function builds one service's client from the flags and the
// environment, and returns how to start the move the flags name (if any)
// and how to resume one from its token.

func connectECS(_ context.Context, c *config) (*service, error) {
	env, err := auth.HuaweiFromEnv()
	if err != nil {
		return nil, err
	}
	endpoint, err := huaweiEndpoint(c.ecsEndpoint, "ecs-endpoint", env.Region, ecs.Endpoint)
	if err != nil {
		return nil, err
	}
	cl, err := ecs.NewClient(endpoint, env.ProjectID, env.AKSK)
	if err != nil {
		return nil, err
	}
	s := &service{resume: func(token string) (handle, error) { return wrap(cl.ResumeColdMigration(token)) }}
	if c.ecsServer != "" {
		s.start = func(ctx context.Context) (handle, error) {
			return wrap(cl.ColdMigrate(ctx, c.ecsServer, &ecs.ColdMigrateOptions{DedicatedHostID: c.ecsHost}))
		}
	}
	return s, nil
}

// huaweiEndpoint returns the endpoint a flag gives, or else the one of
// HUAWEICLOUD_SDK_REGION.
func huaweiEndpoint(flagValue, flagName string, region string, lookup func(string) (string, error)) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	if region == "" {
		return "", fmt.Errorf("set HUAWEICLOUD_SDK_REGION or -%s", flagName)
	}
	return lookup(region)
}

func connectCCE(_ context.Context, c *config) (*service, error) {
	env, err := auth.HuaweiFromEnv()
	if err != nil {
		return nil, err
	}
	endpoint, err := huaweiEndpoint(c.cceEndpoint, "cce-endpoint", env.Region, cce.Endpoint)
	if err != nil {
		return nil, err
	}
	cl, err := cce.NewClient(endpoint, env.ProjectID, env.AKSK)
	if err != nil {
		return nil, err
	}
	s := &service{resume: func(token string) (handle, error) { return wrap(cl.ResumeNodeMigration(token)) }}
	if c.cceCluster != "" {
		s.start = func(ctx context.Context) (handle, error) {
			return wrap(cl.MigrateNodes(ctx, c.cceCluster, c.cceTarget, &cce.MigrateNodesSpec{
				OS:    c.cceOS,
				Login: &cce.Login{SSHKey: c.cceSSHKey},
				Nodes: cce.Nodes(split(c.cceNodes)...),
			}))
		}
	}
	return s, nil
}

func connectModelArts(_ context.Context, c *config) (*service, error) {
	env, err := auth.HuaweiFromEnv()
	if err != nil {
		return nil, err
	}
	endpoint, err := huaweiEndpoint(c.maEndpoint, "modelarts-endpoint", env.Region, modelarts.Endpoint)
	if err != nil {
		return nil, err
	}
	cl, err := modelarts.NewClient(endpoint, env.ProjectID, env.AKSK)
	if err != nil {
		return nil, err
	}
	s := &service{resume: func(token string) (handle, error) { return wrap(cl.ResumeNodeMigration(token)) }}
	if c.maPool != "" {
		// For dedicated resource pools the cluster names are the pool names.
		s.start = func(ctx context.Context) (handle, error) {
			return wrap(cl.BatchMigrateNodes(ctx, c.maPool, &modelarts.BatchMigrateOptions{
				MigrateNodeNames: split(c.maNodes),
				FromClusterName:  c.maPool,
				ToClusterName:    c.maToPool,
				ToPoolName:       c.maToPool,
				ResourceSpec:     &modelarts.MigrateResourceSpec{Flavor: c.maFlavor},
			}))
		}
	}
	return s, nil
}

// split splits a comma-separated list, dropping blanks.
func split(list string) []string {
	var items []string
	for _, s := range strings.Split(list, ",") {
		if s = strings.TrimSpace(s); s != "" {
			items = append(items, s)
		}
	}
	return items
}

func connectNova(ctx context.Context, c *config) (*service, error) {
	env, err := keystone(c.novaCloud)
	if err != nil {
		return nil, err
	}
	cl, err := nova.NewClientFromKeystone(ctx, env.Keystone, env.Region, env.Interface, env.ComputeOptions()...)
	if err != nil {
		return nil, err
	}
	s := &service{resume: func(token string) (handle, error) { return wrap(cl.ResumeMigration(token)) }}
	if c.novaServer != "" {
		s.start = func(ctx context.Context) (handle, error) {
			return wrap(cl.LiveMigrate(ctx, c.novaServer, &nova.LiveMigrateOptions{Host: c.novaHost}))
		}
	}
	return s, nil
}

// The wait of a share-server migration ends with its first phase: the data
// is copied and the shares are still served from the source. Completing
// it, which cuts the shares over, is left to manila.Client.CompleteMigration
// (see examples/manila-two-phase).
func connectManila(ctx context.Context, c *config) (*service, error) {
	env, err := keystone(c.manilaCloud)
	if err != nil {
		return nil, err
	}
	cl, err := manila.NewClientFromKeystone(ctx, env.Keystone, env.Region, env.Interface, env.ShareOptions()...)
	if err != nil {
		return nil, err
	}
	s := &service{resume: func(token string) (handle, error) { return wrap(cl.ResumeMigration(token)) }}
	if c.manilaShareServer != "" {
		s.start = func(ctx context.Context) (handle, error) {
			return wrap(cl.StartMigration(ctx, c.manilaShareServer, &manila.StartMigrationOptions{Host: c.manilaHost}))
		}
	}
	return s, nil
}

// keystone reads the OpenStack configuration: the clouds.yaml entry cloud,
// or else OS_CLOUD or the OS_* variables.
func keystone(cloud string) (*auth.KeystoneEnv, error) {
	if cloud != "" {
		return auth.KeystoneFromCloud(cloud)
	}
	return auth.KeystoneFromEnv()
}
