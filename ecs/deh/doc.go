// Package deh reads Huawei Cloud's dedicated hosts (DeH): the hosts an
// ECS server can be cold-migrated to, their state and free capacity, and
// the servers on each.
//
// DeH is a service of its own, with its own endpoint
// (https://deh.{region}.myhuaweicloud.com, see Endpoint) and API
// (/v1.0/{project_id}/dedicated-hosts...), so it has a client of its own.
// It lives under package ecs because this SDK uses it for one thing: to
// choose where ecs.Client.ColdMigrate moves a server and to see what a
// host holds before and after. The same AK/SK pair and project ID serve
// both clients.
//
// # Choosing a target
//
// ListHosts with State StateAvailable lists the hosts that can take
// servers, with their free vCPUs and memory (Host.AvailableVCPUs,
// Host.AvailableMemory) and the flavors they place
// (Host.Properties.AvailableInstanceCapacities); Host.Fits says whether a
// flavor of a given size fits. ListHostServers lists the servers on a
// host, the ones to move when the host is drained:
//
//	hosts, _ := deh.NewClient(dehEndpoint, projectID, authz)
//	for h, err := range hosts.ListHosts(ctx, &deh.ListHostsOptions{State: deh.StateAvailable}) {
//		if err != nil { ... }
//		if h.Fits(2, 4096) { ... } // a server with 2 vCPUs and 4 GiB
//	}
//	for s, err := range hosts.ListHostServers(ctx, sourceHostID, nil) {
//		if err != nil { ... }
//		op, err := servers.ColdMigrate(ctx, s.ID, &ecs.ColdMigrateOptions{DedicatedHostID: target})
//		...
//	}
//
// The calls only read: they are retried on network errors, throttling and
// 502, 503 and 504 answers. A bad ID or option is a
// *cloudmigrate.ValidationError before anything is sent; a refusal is a
// *cloudmigrate.Error (404 for an unknown host). The fake in package
// ecs/ecstest serves this API beside ECS's, in step with its servers.
package deh
