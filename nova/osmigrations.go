package nova

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/rest"
)

// ListMigrationsOptions filters and pages GET /os-migrations. The zero value
// lists every migration the caller may see. Filters set to their zero
// value are not sent; a filter that needs a later microversion than the
// one in use is a *cloudmigrate.VersionError and nothing is sent.
type ListMigrationsOptions struct {
	// Host matches migrations whose source or destination compute is Host.
	Host string `url:"host,omitempty"`
	// InstanceUUID matches the migrations of one server.
	InstanceUUID string `url:"instance_uuid,omitempty"`
	// MigrationType matches one kind of migration.
	MigrationType MigrationType `url:"migration_type,omitempty"`
	// SourceCompute matches the source compute host.
	SourceCompute string `url:"source_compute,omitempty"`
	// Status matches one status word.
	Status MigrationStatus `url:"status,omitempty"`
	// ChangesSince keeps migrations updated at or after this time (2.59+).
	// It is sent in RFC 3339.
	ChangesSince time.Time `url:"changes-since,omitempty"`
	// ChangesBefore keeps migrations updated at or before this time
	// (2.66+). It is sent in RFC 3339.
	ChangesBefore time.Time `url:"changes-before,omitempty"`
	// UserID matches migrations started by one user (2.80+).
	UserID string `url:"user_id,omitempty"`
	// ProjectID matches migrations of one project (2.80+). Another
	// project than the caller's needs the all-projects policy.
	ProjectID string `url:"project_id,omitempty"`
	// Limit is the page size (2.59+); nova caps it (1000 by default).
	// Zero leaves the size to nova. The iterator fetches further pages
	// as the caller asks for more items, whatever the limit.
	Limit int `url:"limit,omitempty"`
	// Marker starts the listing after the migration with this UUID
	// (2.59+). Note that it is the UUID, not the integer ID.
	Marker string `url:"marker,omitempty"`
}

type osMigrationsPage struct {
	Migrations []Migration `json:"migrations"`
	Links      []Link      `json:"migrations_links"`
}

func (p *osMigrationsPage) next() string {
	for _, l := range p.Links {
		if l.Rel == "next" && l.Href != "" {
			return l.Href
		}
	}
	return ""
}

// ListMigrations lists migrations of every kind, live and cold, in
// progress or finished: the admin view of nova's migration records. From
// microversion 2.59 nova returns the newest first and pages the list; the
// iterator follows the "next" links of migrations_links, fetching a page
// only when the caller iterates past the previous one, and stops when
// there is no further link. Breaking out of the loop stops it. An error
// (for example a *cloudmigrate.VersionError for a filter the microversion
// lacks) is yielded once and ends the sequence.
//
// Records here name the server InstanceUUID, where the per-server API
// says ServerUUID; both are fields of Migration.
//
// GET /os-migrations, microversion 2.1 or later (filters: ChangesSince,
// Limit and Marker 2.59, ChangesBefore 2.66, UserID and ProjectID 2.80).
func (c *Client) ListMigrations(ctx context.Context, opts *ListMigrationsOptions) iter.Seq2[Migration, error] {
	return func(yield func(Migration, error) bool) {
		var q ListMigrationsOptions
		if opts != nil {
			q = *opts
		}
		v, err := c.checkListOptions(ctx, &q)
		if err != nil {
			yield(Migration{}, err)
			return
		}
		next := ""
		seen := map[string]bool{}
		for {
			var page osMigrationsPage
			req := &rest.Request{Method: http.MethodGet, OK: []int{http.StatusOK}, Out: &page}
			if next != "" {
				req.URL = next
			} else {
				req.Path = "/os-migrations"
				req.Query = &q
			}
			if _, err := c.send(ctx, v, req); err != nil {
				yield(Migration{}, err)
				return
			}
			for i := range page.Migrations {
				if !yield(page.Migrations[i], nil) {
					return
				}
			}
			link := page.next()
			if link == "" || len(page.Migrations) == 0 {
				return
			}
			if seen[link] {
				yield(Migration{}, fmt.Errorf("nova: GET /os-migrations: the next link %q repeats; stopping", link))
				return
			}
			seen[link] = true
			if c.sameEndpoint(link) {
				next = link
				continue
			}
			// The link names another host (a proxy in front of nova, or an
			// internal name): ask our own endpoint for the same page.
			marker := markerOf(link)
			if marker == "" {
				marker = page.Migrations[len(page.Migrations)-1].UUID
			}
			if marker == "" || marker == q.Marker {
				yield(Migration{}, fmt.Errorf("nova: GET /os-migrations: the next link %q is on another host and gives no new marker; stopping", link))
				return
			}
			q.Marker, next = marker, ""
		}
	}
}

// checkListOptions validates q and checks its filters against the
// microversion in use.
func (c *Client) checkListOptions(ctx context.Context, q *ListMigrationsOptions) (auth.Microversion, error) {
	if q.Limit < 0 {
		return auth.Microversion{}, cloudmigrate.Invalid("Limit", "must not be negative, got %d", q.Limit)
	}
	if !q.ChangesSince.IsZero() && !q.ChangesBefore.IsZero() && q.ChangesSince.After(q.ChangesBefore) {
		return auth.Microversion{}, cloudmigrate.Invalid("ChangesSince", "is after ChangesBefore")
	}
	v, err := c.require(ctx, "ListMigrations", anyMin, noMax)
	if err != nil {
		return v, err
	}
	checks := []struct {
		set     bool
		feature string
		min     auth.Microversion
	}{
		{!q.ChangesSince.IsZero(), "ListMigrationsOptions.ChangesSince", mv259},
		{q.Limit != 0, "ListMigrationsOptions.Limit", mv259},
		{q.Marker != "", "ListMigrationsOptions.Marker", mv259},
		{!q.ChangesBefore.IsZero(), "ListMigrationsOptions.ChangesBefore", mv266},
		{q.UserID != "", "ListMigrationsOptions.UserID", mv280},
		{q.ProjectID != "", "ListMigrationsOptions.ProjectID", mv280},
	}
	for _, ch := range checks {
		if ch.set {
			if err := c.need(ctx, v, ch.feature, ch.min, noMax); err != nil {
				return v, err
			}
		}
	}
	return v, nil
}

// sameEndpoint reports whether link can be sent as is: same scheme and
// host as the endpoint, and under its path.
func (c *Client) sameEndpoint(link string) bool {
	l, err := url.Parse(link)
	if err != nil {
		return false
	}
	e, err := url.Parse(c.rc.Endpoint())
	if err != nil {
		return false
	}
	return strings.EqualFold(l.Scheme, e.Scheme) && strings.EqualFold(l.Host, e.Host) &&
		strings.HasPrefix(l.Path, strings.TrimRight(e.Path, "/")+"/")
}

func markerOf(link string) string {
	l, err := url.Parse(link)
	if err != nil {
		return ""
	}
	return l.Query().Get("marker")
}
