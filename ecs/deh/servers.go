package deh

import (
	"context"
	"fmt"
	"iter"
	"net/http"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/ecs"
	"github.com/cloudmigrate/cloudmigrate/internal/rest"
)

// HostServer is a server on a dedicated host, as
// GET /v1.0/{project_id}/dedicated-hosts/{dedicated_host_id}/servers
// describes it: fewer details than ecs.Server (ecs.Client.GetServer has
// the rest). Fields the service leaves out keep their zero value.
type HostServer struct {
	// ID is the server's ID: the one ecs.Client.ColdMigrate takes.
	ID string `json:"id"`
	// Name is the server's name.
	Name string `json:"name"`
	// Status is the server's status, as ECS writes it (ACTIVE, SHUTOFF,
	// ...).
	Status ecs.ServerStatus `json:"status"`
	// TaskState names the operation under way on the server, or "".
	TaskState string `json:"task_state"`
	// Flavor is the server's flavor.
	Flavor HostServerFlavor `json:"flavor"`
	// Image is the image the server was created from.
	Image HostServerImage `json:"image"`
	// Metadata holds the server's OS type.
	Metadata HostServerMetadata `json:"metadata"`
	// Addresses are the server's IP addresses by subnet ID.
	Addresses map[string][]HostServerAddress `json:"addresses"`
	// TenantID is the project that owns the server.
	TenantID string `json:"tenant_id"`
	// UserID is the user who created the server.
	UserID string `json:"user_id"`
	// Created is when the server was created.
	Created ecs.Time `json:"created"`
	// Updated is when the server last changed.
	Updated ecs.Time `json:"updated"`
}

// HostServerFlavor is the flavor of a server on a host.
type HostServerFlavor struct {
	// ID is the flavor's ID.
	ID string `json:"id"`
}

// HostServerImage is the image of a server on a host.
type HostServerImage struct {
	// ID is the image's ID.
	ID string `json:"id"`
}

// HostServerMetadata is the metadata of a server on a host.
type HostServerMetadata struct {
	// OSType is the server's OS type, such as "Linux".
	OSType string `json:"os_type"`
}

// HostServerAddress is one IP address of a server on a host.
type HostServerAddress struct {
	// Addr is the address.
	Addr string `json:"addr"`
	// Version is 4 or 6 (a number here, unlike ecs.ServerAddress).
	Version int `json:"version"`
	// Type is how the address was assigned, such as "fixed"
	// (OS-EXT-IPS:type).
	Type string `json:"OS-EXT-IPS:type"`
	// MACAddr is the NIC's MAC address (OS-EXT-IPS-MAC:mac_addr).
	MACAddr string `json:"OS-EXT-IPS-MAC:mac_addr"`
}

// ListHostServersOptions pages
// GET /v1.0/{project_id}/dedicated-hosts/{dedicated_host_id}/servers. The
// zero value lists every server on the host.
type ListHostServersOptions struct {
	// Limit is the page size; zero leaves it to the service. The iterator
	// fetches further pages as the caller asks for more servers, whatever
	// the limit.
	Limit int `url:"limit,omitempty"`
	// Marker starts the list after the server with this ID.
	Marker string `url:"marker,omitempty"`
}

// hostServersPage is the body of the host's server list.
type hostServersPage struct {
	Servers []HostServer `json:"servers"`
}

// ListHostServers lists the servers on the dedicated host hostID: the
// ones to move when the host is drained. It calls
//
//	GET /v1.0/{project_id}/dedicated-hosts/{dedicated_host_id}/servers
//
// The service pages the list by limit and marker (the ID of the last
// server of the previous page) and gives no total. The iterator asks for
// the next page only when the loop goes past the previous one and stops
// at an empty page or one shorter than Limit; without a Limit it asks
// until a page comes back empty, one request more than the pages hold.
// Breaking out of the loop sends nothing more. A marker whose server has
// left the host meanwhile is refused (HTTP 400), so read the list to the
// end before moving the servers on it.
//
// A hostID that cannot go into a path (see "IDs in URL paths" in
// [cloudmigrate]) or a negative Limit is a *cloudmigrate.ValidationError,
// yielded before anything is sent; a refused request is a
// *cloudmigrate.Error (404 for an unknown host). An error is yielded once
// and ends the sequence. Reads are retried as ListHosts' are.
func (c *Client) ListHostServers(ctx context.Context, hostID string, opts *ListHostServersOptions) iter.Seq2[HostServer, error] {
	return func(yield func(HostServer, error) bool) {
		if err := checkID("hostID", hostID); err != nil {
			yield(HostServer{}, err)
			return
		}
		var q ListHostServersOptions
		if opts != nil {
			q = *opts
		}
		if q.Limit < 0 {
			yield(HostServer{}, cloudmigrate.Invalid("ListHostServersOptions.Limit", "must not be negative, got %d", q.Limit))
			return
		}
		for {
			var p hostServersPage
			if _, err := c.rc.Do(ctx, &rest.Request{
				Op:     "deh.ListHostServers",
				Method: http.MethodGet,
				Path:   "/v1.0/{project_id}/dedicated-hosts/{dedicated_host_id}/servers",
				Params: []string{c.projectID, hostID},
				Query:  &q,
				Out:    &p,
			}); err != nil {
				yield(HostServer{}, err)
				return
			}
			for i := range p.Servers {
				if !yield(p.Servers[i], nil) {
					return
				}
			}
			if len(p.Servers) == 0 || q.Limit > 0 && len(p.Servers) < q.Limit {
				return
			}
			next := p.Servers[len(p.Servers)-1].ID
			if next == "" || next == q.Marker {
				yield(HostServer{}, fmt.Errorf("deh: GET /v1.0/%s/dedicated-hosts/%s/servers: the page gives no new marker; stopping", c.projectID, hostID))
				return
			}
			q.Marker = next
		}
	}
}
