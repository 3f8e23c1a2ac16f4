package manila

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
)

// Share statuses the migrations in this package meet, as the service
// writes them in Share.Status. The service has more (creating, deleting,
// extending, ...); Status is a plain string so they come through.
const (
	// ShareStatusAvailable is a share in service.
	ShareStatusAvailable = "available"
	// ShareStatusError is a share whose creation or an operation on it
	// failed.
	ShareStatusError = "error"
	// ShareStatusMigrating is a share under a per-share migration
	// (StartShareMigration).
	ShareStatusMigrating = "migrating"
	// ShareStatusServerMigrating is a share whose share server is being
	// migrated (StartMigration).
	ShareStatusServerMigrating = "server_migrating"
)

// The share paths, relative to the endpoint.
const (
	sharesDetailPath   = "/shares/detail"
	shareResourcePath  = "/shares/{share_id}"
	shareInstancesPath = "/shares/{share_id}/instances"
)

var (
	// shareInstancesMin is the first microversion that lists a share's
	// instances.
	shareInstancesMin = auth.MustParseMicroversion("2.3")
)

// Link is a link of the service's answers, to a resource or to the next
// page of a listing.
type Link struct {
	// Href is the URL.
	Href string `json:"href"`
	// Rel says what it is: "self", "bookmark" or "next".
	Rel string `json:"rel"`
}

// Share is a share as the detailed views of the service describe it
// (GET /v2/shares/detail, GET /v2/shares/{share_id}). Which fields are sent
// depends on the microversion, given on each field; a field the service
// did not send, or sent as null, keeps its zero value (nil for the
// pointers).
type Share struct {
	// ID is the share's ID.
	ID string `json:"id"`
	// Name is the share's name, "" when it has none.
	Name string `json:"name"`
	// Description is the share's description, "" when it has none.
	Description string `json:"description"`
	// Status is the share's status, such as ShareStatusAvailable.
	Status string `json:"status"`
	// Size is the share's size in GiB.
	Size int `json:"size"`
	// ShareProto is the share's protocol: "NFS", "CIFS", "CEPHFS", ...
	ShareProto string `json:"share_proto"`
	// ProjectID is the project the share belongs to.
	ProjectID string `json:"project_id"`
	// UserID is the user who created the share (microversion 2.16 and
	// later).
	UserID string `json:"user_id"`
	// AvailabilityZone is the share's availability zone.
	AvailabilityZone string `json:"availability_zone"`
	// Host is where the share lives, "host@backend#pool". The service
	// shows it to administrators only ("" for others). During a per-share
	// migration it stays the source's until the migration completes.
	Host string `json:"host"`
	// ShareServerID is the share server holding the share, "" for a back
	// end that does not handle share servers. Administrators only.
	ShareServerID string `json:"share_server_id"`
	// ShareNetworkID is the share network the share was created in, ""
	// when none.
	ShareNetworkID string `json:"share_network_id"`
	// SnapshotID is the snapshot the share was created from, "" when none.
	SnapshotID string `json:"snapshot_id"`
	// ShareType is the share type: its ID from microversion 2.6 on, its
	// name (or ID when it has no name) before.
	ShareType string `json:"share_type"`
	// ShareTypeName is the share type's name (microversion 2.6 and later).
	ShareTypeName string `json:"share_type_name"`
	// VolumeType repeats the share type's name (or ID when it has no
	// name), at every microversion; it is a leftover of older releases.
	VolumeType string `json:"volume_type"`
	// IsPublic reports whether every project can see the share.
	IsPublic bool `json:"is_public"`
	// Metadata is the share's metadata.
	Metadata map[string]string `json:"metadata"`
	// CreatedAt is when the share was created (UTC).
	CreatedAt time.Time `json:"created_at"`
	// TaskState is the task state of the share's migration (microversion
	// 2.5 and later), "" when the share was never migrated.
	TaskState TaskState `json:"task_state"`
	// ExportLocation is the share's first export path (microversions
	// below 2.9; later ones have a separate API for export locations).
	ExportLocation string `json:"export_location"`
	// ExportLocations are the share's export paths (below 2.9).
	ExportLocations []string `json:"export_locations"`
	// SnapshotSupport reports whether snapshots can be taken of the share
	// (2.2 and later).
	SnapshotSupport *bool `json:"snapshot_support"`
	// AccessRulesStatus is the state of the share's access rules, such as
	// "active" or "error" (2.10 and later).
	AccessRulesStatus string `json:"access_rules_status"`
	// ReplicationType is the share's replication type, "" when it is not
	// replicated (2.11 and later).
	ReplicationType string `json:"replication_type"`
	// HasReplicas reports whether the share has replicas (2.11 and later).
	// A share with replicas cannot be migrated.
	HasReplicas *bool `json:"has_replicas"`
	// CreateShareFromSnapshotSupport reports whether shares can be created
	// from this share's snapshots (2.24 and later).
	CreateShareFromSnapshotSupport *bool `json:"create_share_from_snapshot_support"`
	// RevertToSnapshotSupport reports whether the share can be reverted to
	// a snapshot (2.27 and later).
	RevertToSnapshotSupport *bool `json:"revert_to_snapshot_support"`
	// ShareGroupID is the share group the share belongs to, "" when none
	// (2.31 and later). A share in a group cannot be migrated.
	ShareGroupID string `json:"share_group_id"`
	// SourceShareGroupSnapshotMemberID is the share group snapshot member
	// the share was created from, "" when none (2.31 and later).
	SourceShareGroupSnapshotMemberID string `json:"source_share_group_snapshot_member_id"`
	// MountSnapshotSupport reports whether the share's snapshots can be
	// mounted (2.32 and later).
	MountSnapshotSupport *bool `json:"mount_snapshot_support"`
	// Progress is how far the share's creation has come, such as "100%"
	// (2.54 and later); "" when the service does not say.
	Progress string `json:"progress"`
	// IsSoftDeleted reports whether the share is in the recycle bin (2.69
	// and later).
	IsSoftDeleted *bool `json:"is_soft_deleted"`
	// ScheduledToBeDeletedAt is when a share in the recycle bin will be
	// deleted (2.69 and later); zero otherwise.
	ScheduledToBeDeletedAt time.Time `json:"scheduled_to_be_deleted_at"`
	// SourceBackupID is the backup the share was restored from, "" when
	// none (2.80 and later).
	SourceBackupID string `json:"source_backup_id"`
	// EncryptionKeyRef is the reference of the share's encryption key, ""
	// when none (2.90 and later).
	EncryptionKeyRef string `json:"encryption_key_ref"`
	// SnapshotInheritShareAccessSupport reports whether the share's
	// snapshots inherit its access rules (2.99 and later).
	SnapshotInheritShareAccessSupport *bool `json:"snapshot_inherit_share_access_support"`
	// Links are the share's "self" and "bookmark" links.
	Links []Link `json:"links"`
}

// UnmarshalJSON decodes a share, reading the service's timestamps
// ("2015-09-16T18:19:50.000000", UTC) and metadata values of any JSON
// type (non-strings are kept as their JSON text).
func (s *Share) UnmarshalJSON(b []byte) error {
	// plain has Share's fields without this method; the fields declared
	// beside it take over their JSON names.
	type plain Share
	var w struct {
		plain
		CreatedAt              json.RawMessage            `json:"created_at"`
		ScheduledToBeDeletedAt json.RawMessage            `json:"scheduled_to_be_deleted_at"`
		Metadata               map[string]json.RawMessage `json:"metadata"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	out := Share(w.plain)
	var err error
	if out.CreatedAt, err = parseTimestamp("created_at", w.CreatedAt); err != nil {
		return err
	}
	if out.ScheduledToBeDeletedAt, err = parseTimestamp("scheduled_to_be_deleted_at", w.ScheduledToBeDeletedAt); err != nil {
		return err
	}
	if w.Metadata != nil {
		out.Metadata = make(map[string]string, len(w.Metadata))
		for k, raw := range w.Metadata {
			out.Metadata[k] = detailText(raw)
		}
	}
	*s = out
	return nil
}

// ListSharesOptions filters GET /v2/shares/detail. Fields left at their
// zero value are not sent.
type ListSharesOptions struct {
	// ShareServerID keeps the shares on one share server, of every
	// project (share_server_id; administrators by default policy). It is
	// the filter that shows what a share-server migration moves.
	ShareServerID string
	// Host keeps the shares on one back end or pool, as the service
	// stores it: "host@backend#pool" (host; administrators).
	Host string
	// Status keeps the shares in one status, such as ShareStatusAvailable.
	Status string
	// ShareNetworkID keeps the shares of one share network.
	ShareNetworkID string
	// AllProjects lists the shares of every project (all_tenants=1;
	// administrators); without it the service lists the caller's project
	// only, unless ShareServerID is given.
	AllProjects bool
	// PageSize is how many shares each request asks for (limit); zero
	// means DefaultSharePageSize. The service caps it at its
	// osapi_max_limit (1000 by default).
	PageSize int
}

// DefaultSharePageSize is the page size ListShares asks for unless
// ListSharesOptions.PageSize says otherwise: the service's default cap.
const DefaultSharePageSize = 1000

// query builds the listing's query string and checks the options.
func (o *ListSharesOptions) query() (url.Values, int, error) {
	q := url.Values{}
	size := DefaultSharePageSize
	if o == nil {
		return q, size, nil
	}
	for _, f := range []struct{ field, key, v string }{
		{"ListSharesOptions.ShareServerID", "share_server_id", o.ShareServerID},
		{"ListSharesOptions.Host", "host", o.Host},
		{"ListSharesOptions.Status", "status", o.Status},
		{"ListSharesOptions.ShareNetworkID", "share_network_id", o.ShareNetworkID},
	} {
		if f.v == "" {
			continue
		}
		if err := checkFilter(f.field, f.v); err != nil {
			return nil, 0, err
		}
		q.Set(f.key, f.v)
	}
	if o.AllProjects {
		q.Set("all_tenants", "1")
	}
	switch {
	case o.PageSize < 0:
		return nil, 0, cloudmigrate.Invalid("ListSharesOptions.PageSize", "must not be negative, got %d", o.PageSize)
	case o.PageSize > 0:
		size = o.PageSize
	}
	return q, size, nil
}

// checkFilter validates a filter value: no white space or control
// characters, and no longer than an ID may be.
func checkFilter(field, v string) error {
	if err := checkText(field, v); err != nil {
		return err
	}
	if len(v) > 255 {
		return cloudmigrate.Invalid(field, "is %d bytes long; at most 255 are allowed", len(v))
	}
	return nil
}

// sharesPage is one page of GET /v2/shares/detail.
type sharesPage struct {
	Shares []Share `json:"shares"`
}

// ListShares lists shares with their details. With ShareServerID it lists
// the shares on a share server, which is what a migration of that share
// server moves.
//
// GET /v2/shares/detail with the filters of opts, any microversion (the
// fields of each Share depend on it). Host and ShareServerID are shown,
// and the host and share_server_id filters taken, for administrators only
// by the service's default policy.
//
// The service pages the list by offset: each request asks for PageSize
// shares (limit) from an offset, newest first. The iterator asks for the
// next page only when the loop goes past the previous one, and stops at
// an empty page, at one shorter than the one before (a cloud whose cap
// is below PageSize answers full pages of the cap's size) or at one with
// no share it has not yielded yet; a share seen twice because the list
// shifted between two pages is yielded once. A list shorter than PageSize
// thus costs one more request, which finds the empty page.
// Breaking out of the loop sends nothing more. Bad options are a
// *cloudmigrate.ValidationError, a refused request a *cloudmigrate.Error;
// either is yielded once and ends the sequence. The requests are GETs,
// retried on network errors, throttling and 502/503/504.
func (c *Client) ListShares(ctx context.Context, opts *ListSharesOptions) iter.Seq2[Share, error] {
	return func(yield func(Share, error) bool) {
		q, size, err := opts.query()
		if err == nil && ctx == nil {
			err = cloudmigrate.Invalid("ctx", "nil context")
		}
		if err != nil {
			yield(Share{}, err)
			return
		}
		seen := map[string]bool{}
		offset, prev := 0, -1
		for {
			page := url.Values{}
			for k, v := range q {
				page[k] = v
			}
			page.Set("limit", strconv.Itoa(size))
			if offset > 0 {
				page.Set("offset", strconv.Itoa(offset))
			}
			var out sharesPage
			if _, err := c.do(ctx, &call{
				feature: "ListShares",
				method:  http.MethodGet,
				path:    sharesDetailPath,
				query:   page,
				ok:      []int{http.StatusOK},
				out:     &out,
			}); err != nil {
				yield(Share{}, err)
				return
			}
			n, fresh := len(out.Shares), 0
			for _, s := range out.Shares {
				if s.ID != "" && seen[s.ID] {
					continue
				}
				seen[s.ID] = true
				fresh++
				if !yield(s, nil) {
					return
				}
			}
			// The end: an empty page, one shorter than the one before, or
			// one with nothing new (a service that ignores the offset).
			if n == 0 || fresh == 0 || (prev >= 0 && n < prev) {
				return
			}
			offset += n
			prev = n
		}
	}
}

// errNoShare is returned when a 200 answer lacks the share object.
var errNoShare = errors.New("the answer has no share object")

// GetShare returns the share shareID with its details: its status, its
// host and share server (administrators only) and, from microversion 2.5
// on, its migration task state.
//
// GET /v2/shares/{share_id}, any microversion (the fields sent depend on
// it; see Share). The service answers 200 with {"share": {...}}; an
// unknown ID gives a 404 *cloudmigrate.Error. Like every GET it is retried
// on network errors, throttling and 502/503/504.
func (c *Client) GetShare(ctx context.Context, shareID string) (*Share, error) {
	if err := checkShareID(shareID); err != nil {
		return nil, err
	}
	var out struct {
		Share *Share `json:"share"`
	}
	if _, err := c.do(ctx, &call{
		feature: "GetShare",
		method:  http.MethodGet,
		path:    shareResourcePath,
		id:      shareID,
		ok:      []int{http.StatusOK},
		out:     &out,
	}); err != nil {
		return nil, err
	}
	if out.Share == nil {
		return nil, fmt.Errorf("manila: GetShare %s: %w", shareID, errNoShare)
	}
	return out.Share, nil
}

// shareInstance is the part of a share instance a per-share migration's
// handle reads: where the copy lives and in which status.
type shareInstance struct {
	ID            string `json:"id"`
	ShareID       string `json:"share_id"`
	Host          string `json:"host"`
	Status        string `json:"status"`
	ShareServerID string `json:"share_server_id"`
}

// Share instance statuses of a per-share migration.
const (
	instanceMigrating   = "migrating"
	instanceMigratingTo = "migrating_to"
)

// shareInstances lists the instances of the share shareID for the
// operation feature: GET /v2/shares/{share_id}/instances, microversion 2.3
// or later, administrators only. During a migration the share has two:
// the source (migrating) and the destination (migrating_to).
func (c *Client) shareInstances(ctx context.Context, feature, shareID string) ([]shareInstance, error) {
	var out struct {
		Instances []shareInstance `json:"share_instances"`
	}
	if _, err := c.do(ctx, &call{
		feature: feature,
		method:  http.MethodGet,
		path:    shareInstancesPath,
		id:      shareID,
		min:     shareInstancesMin,
		ok:      []int{http.StatusOK},
		out:     &out,
	}); err != nil {
		return nil, err
	}
	return out.Instances, nil
}
