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
	// Hidden filters on a migration record's hidden flag, sent as
	// hidden=1 (true) or hidden=0 (false); nil sends nothing. Every
	// microversion accepts it. Nova's API reference documents the flag as
	// always 0, and nova never lists records that have it set, so true
	// lists nothing and false lists what no filter lists.
	Hidden *bool `url:"hidden,int,omitempty"`
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

func (p *osMigrationsPage) next() string { return nextLink(p.Links) }

// nextLink returns the href of the first "next" link, or "".
func nextLink(links []Link) string {
	for _, l := range links {
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
// GET /os-migrations, microversion 2.1 or later (filters: Host,
// InstanceUUID, MigrationType, SourceCompute, Status and Hidden at every
// version; ChangesSince, Limit and Marker 2.59, ChangesBefore 2.66, UserID
// and ProjectID 2.80).
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
		listPages(ctx, c, "nova.ListMigrations", v, "/os-migrations", nil, &q, &q.Marker,
			func() listPage[Migration] { return new(osMigrationsPage) },
			func(m Migration) string { return m.UUID }, yield)
	}
}

// listPage is one decoded answer of a paged nova list.
type listPage[T any] interface {
	// items returns the page's records.
	items() []T
	// next returns the href of the "next" link, or "".
	next() string
}

func (p *osMigrationsPage) items() []Migration { return p.Migrations }

// listPages yields the records of a paged GET list, fetching a page only
// when yield asks for more than the previous one held. The first request
// goes to path (its placeholders filled from params) with query; query's marker field is *marker, so that when a
// next link names another host than the endpoint the same page can be
// asked of our own endpoint by setting the marker (the link's, or else
// markerOf of the page's last record). newPage returns an empty page to
// decode into. A next link seen twice, or an off-host link that gives no
// new marker, ends the sequence with an error rather than looping.
func listPages[T any](ctx context.Context, c *Client, op string, v auth.Microversion, path string, params []string, query any, marker *string,
	newPage func() listPage[T], markerOf func(T) string, yield func(T, error) bool) {
	var zero T
	next := ""
	seen := map[string]bool{}
	for {
		page := newPage()
		req := &rest.Request{Op: op, Method: http.MethodGet, OK: []int{http.StatusOK}, Out: page}
		if next != "" {
			req.URL = next
		} else {
			req.Path, req.Params = path, params
			req.Query = query
		}
		if _, err := c.send(ctx, v, req); err != nil {
			yield(zero, err)
			return
		}
		items := page.items()
		for i := range items {
			if !yield(items[i], nil) {
				return
			}
		}
		link := page.next()
		if link == "" || len(items) == 0 {
			return
		}
		if seen[link] {
			yield(zero, fmt.Errorf("nova: GET %s: the next link %q repeats; stopping", path, link))
			return
		}
		seen[link] = true
		if c.sameEndpoint(link) {
			next = link
			continue
		}
		// The link names another host (a proxy in front of nova, or an
		// internal name): ask our own endpoint for the same page.
		m := linkMarker(link)
		if m == "" {
			m = markerOf(items[len(items)-1])
		}
		if m == "" || m == *marker {
			yield(zero, fmt.Errorf("nova: GET %s: the next link %q is on another host and gives no new marker; stopping", path, link))
			return
		}
		*marker, next = m, ""
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

// linkMarker returns the marker parameter of a next link, or "".
func linkMarker(link string) string {
	l, err := url.Parse(link)
	if err != nil {
		return ""
	}
	return l.Query().Get("marker")
}
