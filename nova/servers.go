package nova

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/rest"
)

// ServerStatus is the status nova shows for a server: a summary of its VM
// and task states, written in capitals.
type ServerStatus string

// Server statuses met in migration flows. Nova knows more (BUILD, REBOOT,
// SUSPENDED, ...); they arrive in Server.Status as nova writes them.
const (
	// ServerActive is a running server, and the state a live migration
	// starts from and ends in.
	ServerActive ServerStatus = "ACTIVE"
	// ServerShutoff is a stopped server. It can be cold-migrated but not
	// live-migrated.
	ServerShutoff ServerStatus = "SHUTOFF"
	// ServerPaused is a server whose guest is paused in memory. Nova can
	// live-migrate it.
	ServerPaused ServerStatus = "PAUSED"
	// ServerMigrating is a server under live migration.
	ServerMigrating ServerStatus = "MIGRATING"
	// ServerResize is a server under cold migration (or resize) that has
	// not finished copying yet.
	ServerResize ServerStatus = "RESIZE"
	// ServerVerifyResize is a server whose cold migration has finished
	// and waits for ConfirmMigration or RevertMigration. It already runs
	// on the destination host.
	ServerVerifyResize ServerStatus = "VERIFY_RESIZE"
	// ServerError is a server an operation left broken. An operator has
	// to look at it (and usually reset its state) before moving it.
	ServerError ServerStatus = "ERROR"
)

// PowerState is the hypervisor's view of a server's guest, as nova
// records it in OS-EXT-STS:power_state.
type PowerState int

// Power states nova reports. The values are nova's; 2 and 5 are not used.
const (
	// PowerNoState means nova does not know (or the field was null).
	PowerNoState PowerState = 0
	// PowerRunning is a guest that runs.
	PowerRunning PowerState = 1
	// PowerPaused is a guest paused in memory.
	PowerPaused PowerState = 3
	// PowerShutdown is a guest that is powered off.
	PowerShutdown PowerState = 4
	// PowerCrashed is a guest the hypervisor reports as crashed.
	PowerCrashed PowerState = 6
	// PowerSuspended is a guest saved to disk by a suspend.
	PowerSuspended PowerState = 7
)

// Server is a server as GET /servers/detail and GET /servers/{server_id}
// describe it, limited to what moving it needs. Fields nova sends as null, or leaves out (the
// OS-EXT-SRV-ATTR fields unless the caller is an admin), are left at
// their zero value.
type Server struct {
	// ID is the server's UUID, the ID every migration call takes.
	ID string `json:"id"`
	// Name is the name the owner gave the server; names need not be
	// unique.
	Name string `json:"name"`
	// Status summarises the server's state (see the ServerStatus
	// constants).
	Status ServerStatus `json:"status"`
	// TenantID is the project that owns the server.
	TenantID string `json:"tenant_id"`
	// UserID is the user who created the server.
	UserID string `json:"user_id"`
	// Created is when the server was created.
	Created Time `json:"created"`
	// Updated is when the server's record last changed.
	Updated Time `json:"updated"`
	// Host is the compute service host the server runs on: the name to
	// compare with a migration's source or destination compute. Nova
	// shows it to admins only; it is "" for others and for a server not
	// yet scheduled.
	Host string `json:"OS-EXT-SRV-ATTR:host"`
	// HypervisorHostname is the hypervisor node the server runs on
	// (admins only, like Host).
	HypervisorHostname string `json:"OS-EXT-SRV-ATTR:hypervisor_hostname"`
	// InstanceName is the guest's name on the hypervisor, such as
	// "instance-0000002a" in libvirt (admins only).
	InstanceName string `json:"OS-EXT-SRV-ATTR:instance_name"`
	// TaskState names the operation under way on the server
	// ("migrating", "resize_migrating", ...), or "" when none is.
	TaskState string `json:"OS-EXT-STS:task_state"`
	// VMState is the server's VM state in nova's lower-case words
	// ("active", "stopped", "resized", "error", ...).
	VMState string `json:"OS-EXT-STS:vm_state"`
	// PowerState is the guest's power state as the hypervisor last
	// reported it.
	PowerState PowerState `json:"OS-EXT-STS:power_state"`
	// AvailabilityZone is the availability zone the server is in.
	AvailabilityZone string `json:"OS-EXT-AZ:availability_zone"`
	// Locked tells whether the server is locked against changes by
	// non-admins (microversion 2.9+); nil when nova does not say, as
	// before 2.9.
	Locked *bool `json:"locked"`
	// Fault is the last fault nova recorded on the server, such as the
	// reason a failed evacuation left it in ERROR; nil when nova shows
	// none (it shows one only for servers in ERROR or DELETED).
	Fault *ServerFault `json:"fault,omitempty"`
}

// ServerFault is the fault nova shows on a server in ERROR: the error
// that put it there.
type ServerFault struct {
	// Code is the HTTP status nova gives the error, 500 for an
	// unexpected one.
	Code int `json:"code"`
	// Message is the error's message, such as "No valid host was found.
	// There are not enough hosts available."
	Message string `json:"message"`
	// Details is the error's traceback, which nova shows to admins only;
	// "" otherwise.
	Details string `json:"details"`
	// Created is when nova recorded the fault.
	Created Time `json:"created"`
}

// ListServersOptions filters and pages GET /servers/detail. The zero
// value lists the servers of the caller's own project. Fields left at
// their zero value are not sent.
//
// Host, Node and AllProjects are admin filters: by default nova ignores
// them for other callers, who always see only their own project's
// servers (whatever ProjectID says).
type ListServersOptions struct {
	// AllProjects lists the servers of every project, not only the
	// caller's (all_tenants=1; admin).
	AllProjects bool `url:"all_tenants,int,omitempty"`
	// Host keeps the servers on this compute service host (admin). It is
	// the filter that finds the servers to move off a host before
	// maintenance; combine it with AllProjects.
	Host string `url:"host,omitempty"`
	// Node keeps the servers on this hypervisor node, by its hypervisor
	// hostname (admin).
	Node string `url:"node,omitempty"`
	// Status keeps the servers in one status, such as ServerActive.
	Status ServerStatus `url:"status,omitempty"`
	// Name keeps the servers whose name matches this regular expression;
	// nova evaluates it, so a plain name also matches longer names that
	// contain it.
	Name string `url:"name,omitempty"`
	// ProjectID keeps the servers of one project. It takes effect for
	// admins together with AllProjects; nova accepts it alone but a
	// non-admin only ever sees their own project.
	ProjectID string `url:"project_id,omitempty"`
	// ChangesSince keeps the servers changed at or after this time,
	// deleted ones included. It is sent in RFC 3339.
	ChangesSince time.Time `url:"changes-since,omitempty"`
	// Limit is the page size; nova caps it (1000 by default) and zero
	// leaves it to nova. The iterator fetches further pages as the
	// caller asks for more servers, whatever the limit.
	Limit int `url:"limit,omitempty"`
	// Marker starts the listing after the server with this ID.
	Marker string `url:"marker,omitempty"`
}

type serversPage struct {
	Servers []Server `json:"servers"`
	Links   []Link   `json:"servers_links"`
}

func (p *serversPage) items() []Server { return p.Servers }

func (p *serversPage) next() string { return nextLink(p.Links) }

// ListServers lists servers with their details: GET /servers/detail,
// microversion 2.1 or later.
//
// Without options it lists the caller's own project. An admin finds the
// servers to drain from a compute host with AllProjects and Host: the
// servers nova places on that host, of every project. Host, Node and
// AllProjects are admin filters; nova ignores them for other callers by
// default.
//
// Nova pages the list (newest first, at most 1000 servers a page unless
// its max_limit says otherwise). The iterator follows the "next" links of
// servers_links, fetching a page only when the loop goes past the
// previous one, and stops when there is no further link; breaking out of
// the loop sends nothing more. A next link on another host than the
// endpoint is not followed: the same page is asked of the endpoint by its
// marker. An error (a *cloudmigrate.ValidationError for a negative Limit,
// a *cloudmigrate.Error for a refused request) is yielded once and ends
// the sequence.
func (c *Client) ListServers(ctx context.Context, opts *ListServersOptions) iter.Seq2[Server, error] {
	return func(yield func(Server, error) bool) {
		var q ListServersOptions
		if opts != nil {
			q = *opts
		}
		if q.Limit < 0 {
			yield(Server{}, cloudmigrate.Invalid("ListServersOptions.Limit", "must not be negative, got %d", q.Limit))
			return
		}
		v, err := c.require(ctx, "ListServers", anyMin, noMax)
		if err != nil {
			yield(Server{}, err)
			return
		}
		listPages(ctx, c, "nova.ListServers", v, "/servers/detail", nil, &q, &q.Marker,
			func() listPage[Server] { return new(serversPage) },
			func(s Server) string { return s.ID }, yield)
	}
}

var errNoServer = errors.New("nova: the answer holds no server object")

type serverBody struct {
	Server *Server `json:"server"`
}

// GetServer returns one server with its details, the same fields
// ListServers gives: its status, task state, host (admins only) and, for
// a server in ERROR, its fault. A server nova does not know (or one
// deleted) is a 404: cloudmigrate.IsNotFound(err) holds.
//
// GET /servers/{server_id}, microversion 2.1 or later.
func (c *Client) GetServer(ctx context.Context, serverID string) (*Server, error) {
	if err := checkServer(serverID); err != nil {
		return nil, err
	}
	v, err := c.require(ctx, "GetServer", anyMin, noMax)
	if err != nil {
		return nil, err
	}
	s, _, err := c.getServer(ctx, v, serverID)
	return s, err
}

// getServer reads one server and returns nova's answer too, for its Date.
func (c *Client) getServer(ctx context.Context, v auth.Microversion, serverID string) (*Server, *rest.Response, error) {
	var out serverBody
	resp, err := c.send(ctx, v, &rest.Request{
		Op:     "nova.GetServer",
		Method: http.MethodGet,
		Path:   "/servers/{server_id}",
		Params: []string{serverID},
		OK:     []int{http.StatusOK},
		Out:    &out,
	})
	if err != nil {
		return nil, resp, err
	}
	if out.Server == nil {
		return nil, resp, errNoServer
	}
	return out.Server, resp, nil
}
