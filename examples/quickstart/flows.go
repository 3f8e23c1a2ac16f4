package main

import (
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/cce"
	"github.com/cloudmigrate/cloudmigrate/ecs"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/modelarts"
)

func fakeFlows() []flow {
	return []flow{
		{name: "ecs", run: ecsFake},
		{name: "nova", run: novaFake},
		{name: "modelarts", run: modelartsFake},
		{name: "manila", run: manilaFake},
		{name: "cce", run: cceFake},
	}
}

// realConfig holds the flags that select real-cloud flows.
type realConfig struct {
	ecsServer, ecsHost                          string
	novaServer, novaHost                        string
	manilaServer, manilaHost                    string
	maPool, maToPool, maNodes, maFlavor         string
	cceCluster, cceTarget, cceNodes, cceOS      string
	cceSSHKey                                   string
	ecsEndpoint, cceEndpoint, modelartsEndpoint string
}

func (c *realConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.ecsServer, "ecs-server", "", "real cloud: ECS server ID to cold-migrate (it must be stopped)")
	fs.StringVar(&c.ecsHost, "ecs-host", "", "real cloud: dedicated host for the ECS server (empty: the public pool)")
	fs.StringVar(&c.ecsEndpoint, "ecs-endpoint", "", "real cloud: ECS endpoint (default: the region's, from ecs.Endpoint)")
	fs.StringVar(&c.novaServer, "nova-server", "", "real cloud: server ID to live-migrate")
	fs.StringVar(&c.novaHost, "nova-host", "", "real cloud: target compute host (empty: the scheduler picks)")
	fs.StringVar(&c.manilaServer, "manila-share-server", "", "real cloud: share server ID to migrate")
	fs.StringVar(&c.manilaHost, "manila-host", "", "real cloud: destination host@backend for the share server")
	fs.StringVar(&c.maPool, "modelarts-pool", "", "real cloud: ModelArts pool the nodes leave")
	fs.StringVar(&c.maToPool, "modelarts-to-pool", "", "real cloud: ModelArts pool the nodes join")
	fs.StringVar(&c.maNodes, "modelarts-nodes", "", "real cloud: comma-separated node names to move")
	fs.StringVar(&c.maFlavor, "modelarts-flavor", "", "real cloud: flavor of the nodes in the target pool")
	fs.StringVar(&c.modelartsEndpoint, "modelarts-endpoint", "", "real cloud: ModelArts endpoint (default: the region's, from modelarts.Endpoint)")
	fs.StringVar(&c.cceCluster, "cce-cluster", "", "real cloud: CCE cluster ID the nodes leave")
	fs.StringVar(&c.cceTarget, "cce-target", "", "real cloud: CCE cluster ID the nodes join")
	fs.StringVar(&c.cceNodes, "cce-nodes", "", "real cloud: comma-separated node UIDs to migrate")
	fs.StringVar(&c.cceOS, "cce-os", "EulerOS 2.9", "real cloud: operating system the migrated nodes get")
	fs.StringVar(&c.cceSSHKey, "cce-ssh-key", "", "real cloud: key pair to log in to the migrated nodes")
	fs.StringVar(&c.cceEndpoint, "cce-endpoint", "", "real cloud: CCE endpoint (default: the region's, from cce.Endpoint)")
}

// realFlows returns the flows whose resources the flags name.
func realFlows(cfg *realConfig) []flow {
	var flows []flow
	if cfg.ecsServer != "" {
		flows = append(flows, ecsReal(cfg))
	}
	if cfg.novaServer != "" {
		flows = append(flows, novaReal(cfg))
	}
	if cfg.maPool != "" && cfg.maNodes != "" {
		flows = append(flows, modelartsReal(cfg))
	}
	if cfg.manilaServer != "" && cfg.manilaHost != "" {
		flows = append(flows, manilaReal(cfg))
	}
	if cfg.cceCluster != "" && cfg.cceTarget != "" && cfg.cceNodes != "" {
		flows = append(flows, cceReal(cfg))
	}
	return flows
}

// regionalEndpoint finds each Huawei service's endpoint in a region.
var regionalEndpoint = map[string]func(region string) (string, error){
	"ecs": ecs.Endpoint, "cce": cce.Endpoint, "modelarts": modelarts.Endpoint,
}

// huaweiEndpoint returns override, or the service's regional endpoint.
func huaweiEndpoint(override, service, region string) (string, error) {
	if override != "" {
		return override, nil
	}
	if region == "" {
		return "", fmt.Errorf("set %s or the -%s-endpoint flag", auth.EnvHuaweiRegion, service)
	}
	return regionalEndpoint[service](region)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// fastPolls polls the fakes often, so the demo is quick.
func fastPolls() []jobs.Option {
	return []jobs.Option{jobs.WithInterval(20*time.Millisecond, 100*time.Millisecond)}
}

// withProgress adds the progress bar to the polling options.
func withProgress(out *printer, poll []jobs.Option) []jobs.Option {
	return append([]jobs.Option{jobs.WithProgress(out.progress)}, poll...)
}

// realPolls is the polling of real jobs: the jobs package's defaults.
func realPolls() []jobs.Option { return nil }
