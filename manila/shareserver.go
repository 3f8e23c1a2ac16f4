package manila

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/cloudmigrate/cloudmigrate/internal/osapi"
)

// The share-server resources, relative to the endpoint.
const (
	shareServerPath  = "/share-servers/{share_server_id}"
	shareServersPath = "/share-servers"
)

// Share-server statuses, as the service writes them in ShareServer.Status.
// The service may report others (for example while a share server is
// managed or unmanaged); Status is a plain string so they come through.
const (
	// ShareServerStatusActive is a share server in service. After a
	// cancelled or failed migration the source is active again; after a
	// successful one the destination is.
	ShareServerStatusActive = "active"
	// ShareServerStatusError is a share server whose set-up or deletion
	// failed, or the destination of a failed migration.
	ShareServerStatusError = "error"
	// ShareServerStatusCreating is a share server being set up.
	ShareServerStatusCreating = "creating"
	// ShareServerStatusDeleting is a share server being deleted.
	ShareServerStatusDeleting = "deleting"
	// ShareServerStatusServerMigrating is the source of a migration under
	// way.
	ShareServerStatusServerMigrating = "server_migrating"
	// ShareServerStatusServerMigratingTo is the destination of a migration
	// under way.
	ShareServerStatusServerMigratingTo = "server_migrating_to"
	// ShareServerStatusInactive is the source after a successful
	// migration, which no longer serves the shares and which the service
	// deletes soon after (status deleting, then gone), and the destination
	// of a cancelled migration, which the service keeps.
	ShareServerStatusInactive = "inactive"
)

// ShareServer is a share server as the service describes it. Which fields
// are sent depends on the microversion; a field the service did not send,
// or sent as null, keeps its zero value (nil for the pointers).
type ShareServer struct {
	// ID is the share server's ID.
	ID string `json:"id"`
	// ProjectID is the project the share server belongs to.
	ProjectID string `json:"project_id"`
	// Status is the share server's status, one of the ShareServerStatus
	// constants or another word the service uses.
	Status string `json:"status"`
	// Host is the back end the share server lives on, "host@backend".
	Host string `json:"host"`
	// ShareNetworkID is the share network the share server serves.
	ShareNetworkID string `json:"share_network_id"`
	// ShareNetworkName is that share network's name, "" when it has none.
	ShareNetworkName string `json:"share_network_name"`
	// CreatedAt is when the share server was created (UTC).
	CreatedAt time.Time `json:"created_at"`
	// UpdatedAt is when it last changed (UTC); zero if it never did.
	UpdatedAt time.Time `json:"updated_at"`
	// BackendDetails holds what the back end's driver recorded about the
	// share server (addresses, instance IDs, ...). Values that are not
	// JSON strings are kept as their JSON text; null becomes "".
	BackendDetails map[string]string `json:"backend_details"`
	// IsAutoDeletable reports whether the service deletes the share
	// server by itself once it holds no share (microversion 2.49 and
	// later; nil before).
	IsAutoDeletable *bool `json:"is_auto_deletable"`
	// Identifier is the back end's own name for the share server
	// (microversion 2.49 and later).
	Identifier string `json:"identifier"`
	// ShareNetworkSubnetID is the share network subnet the share server
	// uses (microversions 2.51 to 2.69; later ones send
	// ShareNetworkSubnetIDs instead).
	ShareNetworkSubnetID string `json:"share_network_subnet_id,omitempty"`
	// ShareNetworkSubnetIDs are the share network subnets the share server
	// uses (microversion 2.70 and later).
	ShareNetworkSubnetIDs []string `json:"share_network_subnet_ids,omitempty"`
	// TaskState is the migration task state (microversion 2.57 and later),
	// "" when the share server was never migrated or the state was
	// cleared. It stays at the end state (migration_success,
	// migration_cancelled, migration_error) after a migration is over.
	TaskState TaskState `json:"task_state"`
	// SourceShareServerID is, on the destination of a migration, the ID
	// of the share server it takes over from (microversion 2.57 and
	// later); "" on any other share server.
	SourceShareServerID string `json:"source_share_server_id"`
	// SecurityServiceUpdateSupport reports whether the share server's
	// security services can be updated in place (microversion 2.63 and
	// later; nil before).
	SecurityServiceUpdateSupport *bool `json:"security_service_update_support"`
	// NetworkAllocationUpdateSupport reports whether network allocations
	// can be added to the share server (microversion 2.70 and later; nil
	// before).
	NetworkAllocationUpdateSupport *bool `json:"network_allocation_update_support"`
	// EncryptionKeyRef is the reference of the share server's encryption
	// key (microversion 2.90 and later), "" when it has none. A share
	// server with one cannot be migrated.
	EncryptionKeyRef string `json:"encryption_key_ref"`
}

// UnmarshalJSON decodes a share server, reading the service's timestamps
// ("2015-09-07T08:37:19.000000", UTC) and back-end details of any JSON
// type.
func (s *ShareServer) UnmarshalJSON(b []byte) error {
	// plain has ShareServer's fields without this method; the fields
	// declared beside it take over their JSON names.
	type plain ShareServer
	var w struct {
		plain
		CreatedAt      json.RawMessage            `json:"created_at"`
		UpdatedAt      json.RawMessage            `json:"updated_at"`
		BackendDetails map[string]json.RawMessage `json:"backend_details"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	out := ShareServer(w.plain)
	var err error
	if out.CreatedAt, err = parseTimestamp("created_at", w.CreatedAt); err != nil {
		return err
	}
	if out.UpdatedAt, err = parseTimestamp("updated_at", w.UpdatedAt); err != nil {
		return err
	}
	if w.BackendDetails != nil {
		out.BackendDetails = make(map[string]string, len(w.BackendDetails))
		for k, raw := range w.BackendDetails {
			out.BackendDetails[k] = detailText(raw)
		}
	}
	*s = out
	return nil
}

// detailText returns a back-end detail as text: a JSON string's value,
// "" for null, the JSON text of anything else.
func detailText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var str string
	if raw[0] == '"' && json.Unmarshal(raw, &str) == nil {
		return str
	}
	return string(raw)
}

// parseTimestamp reads a timestamp as the service writes it: no zone
// (UTC), with or without fractional seconds, "T" or a space between date
// and time; or RFC 3339 with a zone. null and "" give the zero time.
func parseTimestamp(field string, raw json.RawMessage) (time.Time, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, nil
	}
	var str string
	if err := json.Unmarshal(raw, &str); err != nil {
		return time.Time{}, fmt.Errorf("manila: %s: %s is not a string", field, raw)
	}
	if str == "" {
		return time.Time{}, nil
	}
	t, ok := osapi.ParseTime(str)
	if !ok {
		return time.Time{}, fmt.Errorf("manila: %s: cannot read timestamp %q", field, str)
	}
	return t, nil
}

// errNoShareServer is returned when a 200 answer lacks the share_server
// object.
var errNoShareServer = errors.New("the answer has no share_server object")

// GetShareServer returns the share server shareServerID: its status, its
// back end and, from microversion 2.57 on, its migration task state and
// (on a migration's destination) the source's ID.
//
// GET /v2/share-servers/{share_server_id}, any microversion (the fields
// sent depend on it; see ShareServer). The service answers 200 with
// {"share_server": {...}}; an unknown ID gives a 404 *cloudmigrate.Error.
// The call is not experimental: only X-OpenStack-Manila-API-Version is
// sent. Like every GET it is retried on network errors, throttling and
// 502/503/504.
//
// After a migration ends the service no longer reports progress for the
// source (migration_get_progress answers 400), but the share server keeps
// the end state: migration_cancelled or migration_error with Status
// active; migration_success with Status inactive, for a short while only,
// since the service then deletes the source (Status deleting, then 404).
// The waits read it for that reason.
func (c *Client) GetShareServer(ctx context.Context, shareServerID string) (*ShareServer, error) {
	if err := checkServerID(shareServerID); err != nil {
		return nil, err
	}
	var out struct {
		ShareServer *ShareServer `json:"share_server"`
	}
	_, err := c.do(ctx, &call{
		feature: "GetShareServer",
		method:  http.MethodGet,
		path:    shareServerPath,
		id:      shareServerID,
		ok:      []int{http.StatusOK},
		out:     &out,
	})
	if err != nil {
		return nil, err
	}
	if out.ShareServer == nil {
		return nil, fmt.Errorf("manila: GetShareServer %s: %w", shareServerID, errNoShareServer)
	}
	return out.ShareServer, nil
}

// ListShareServersOptions filters ListShareServers. Fields left at their
// zero value are not sent; each one the service matches exactly.
type ListShareServersOptions struct {
	// Host keeps the share servers of one back end, "host@backend": the
	// share servers to move before emptying it.
	Host string
	// Status keeps the share servers in one status, such as
	// ShareServerStatusActive.
	Status string
	// ShareNetwork keeps the share servers of one share network, given by
	// its ID or its name.
	ShareNetwork string
	// TaskState keeps the share servers in one migration task state
	// (microversion 2.57 and later).
	TaskState TaskState
	// SourceShareServerID keeps the destination share servers of the
	// migrations of one share server (microversion 2.57 and later).
	SourceShareServerID string
}

func (o *ListShareServersOptions) query() (url.Values, error) {
	q := url.Values{}
	if o == nil {
		return q, nil
	}
	for _, f := range []struct{ field, key, v string }{
		{"ListShareServersOptions.Host", "host", o.Host},
		{"ListShareServersOptions.Status", "status", o.Status},
		{"ListShareServersOptions.ShareNetwork", "share_network", o.ShareNetwork},
		{"ListShareServersOptions.TaskState", "task_state", string(o.TaskState)},
		{"ListShareServersOptions.SourceShareServerID", "source_share_server_id", o.SourceShareServerID},
	} {
		if f.v == "" {
			continue
		}
		if err := checkFilter(f.field, f.v); err != nil {
			return nil, err
		}
		q.Set(f.key, f.v)
	}
	return q, nil
}

// ListShareServers lists the share servers that opts selects, all of
// them for nil opts. With Host it lists the share servers of one back
// end, which a drain of that back end migrates one by one; ListShares with
// ShareServerID shows the shares each one holds.
//
// GET /v2/share-servers with the filters of opts as query parameters,
// any microversion (the fields of each ShareServer depend on it);
// administrators only. The service answers 200 with
// {"share_servers": [...]} in its summary view: every field of
// GetShareServer's answer but CreatedAt and BackendDetails. The list is
// not paged. Like every GET it is retried on network errors, throttling
// and 502/503/504.
func (c *Client) ListShareServers(ctx context.Context, opts *ListShareServersOptions) ([]ShareServer, error) {
	q, err := opts.query()
	if err != nil {
		return nil, err
	}
	var out struct {
		ShareServers []ShareServer `json:"share_servers"`
	}
	if _, err := c.do(ctx, &call{
		feature: "ListShareServers",
		method:  http.MethodGet,
		path:    shareServersPath,
		query:   q,
		ok:      []int{http.StatusOK},
		out:     &out,
	}); err != nil {
		return nil, err
	}
	return out.ShareServers, nil
}
