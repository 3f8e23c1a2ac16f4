package manilatest

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/fake"
)

// The share type every share of the fake has.
const (
	// DefaultShareTypeID is the share type's ID.
	DefaultShareTypeID = "25747776-08e5-494f-ab40-a64b9d20d8f7"
	// DefaultShareTypeName is its name.
	DefaultShareTypeName = "default"
)

// fakeUserID is the user the fake's Keystone issues tokens for, and who
// created every share.
const fakeUserID = "u-1"

// maxLimit is Manila's osapi_max_limit default: the most shares one page
// holds.
const maxLimit = 1000

// Microversions that change the share views.
var (
	snapshotSupportMin   = auth.MustParseMicroversion("2.2")
	shareInstancesMin    = auth.MustParseMicroversion("2.3")
	shareTaskStateMin    = auth.MustParseMicroversion("2.5")
	shareTypeIDMin       = auth.MustParseMicroversion("2.6")
	noExportsMin         = auth.MustParseMicroversion("2.9")
	accessRulesMin       = auth.MustParseMicroversion("2.10")
	replicationMin       = auth.MustParseMicroversion("2.11")
	userIDMin            = auth.MustParseMicroversion("2.16")
	instanceTypeMin      = auth.MustParseMicroversion("2.22")
	fromSnapshotMin      = auth.MustParseMicroversion("2.24")
	revertMin            = auth.MustParseMicroversion("2.27")
	castRulesMin         = auth.MustParseMicroversion("2.30")
	shareGroupMin        = auth.MustParseMicroversion("2.31")
	mountSnapshotMin     = auth.MustParseMicroversion("2.32")
	progressMin          = auth.MustParseMicroversion("2.54")
	recycleBinMin        = auth.MustParseMicroversion("2.69")
	instanceUpdatedAtMin = auth.MustParseMicroversion("2.71")
	sourceBackupMin      = auth.MustParseMicroversion("2.80")
	shareEncryptionMin   = auth.MustParseMicroversion("2.90")
	inheritAccessMin     = auth.MustParseMicroversion("2.99")
	shareInstancesRule   = rule{min: shareInstancesMin}
)

// registerShares serves what the share routes of registerActions'
// dispatchers do not: the instances of a share under a project ID.
func (s *Server) registerShares() {
	s.Handle(OpListShareInstances, "GET "+sharePath+"/v2/{project_id}/shares/{share_id}/instances", s.listShareInstances)
}

// shareLinks are a share's self and bookmark links, as Manila writes them.
func shareLinks(r *fake.Request, projectID, id string) []map[string]string {
	base := "http://" + r.Host + sharePath
	return []map[string]string{
		{"href": base + "/v2/" + projectID + "/shares/" + id, "rel": "self"},
		{"href": base + "/" + projectID + "/shares/" + id, "rel": "bookmark"},
	}
}

// shareView is a share as Manila's detailed view shows it, to an
// administrator, at version v.
func (s *Server) shareView(r *fake.Request, sh *share, info ShareInfo, v auth.Microversion) map[string]any {
	var network any
	if sv := s.servers[info.ShareServerID]; sv != nil {
		network = sv.network
	}
	doc := map[string]any{
		"id":                sh.id,
		"size":              1,
		"availability_zone": DefaultZone,
		"created_at":        timestamp(sh.created),
		"status":            info.Status,
		"name":              nil,
		"description":       nil,
		"project_id":        s.projectID,
		"snapshot_id":       nil,
		"share_network_id":  network,
		"share_proto":       "NFS",
		"export_location":   nil,
		"metadata":          map[string]string{},
		"share_type":        DefaultShareTypeName,
		"volume_type":       DefaultShareTypeName,
		"links":             shareLinks(r, s.projectID, sh.id),
		"is_public":         false,
		"export_locations":  []string{},
		"share_server_id":   nullIfEmpty(info.ShareServerID),
		"host":              info.Host,
	}
	if v.AtLeast(snapshotSupportMin) {
		doc["snapshot_support"] = true
	}
	if v.AtLeast(shareTaskStateMin) {
		doc["task_state"] = nullIfEmpty(info.TaskState)
	}
	if v.AtLeast(shareTypeIDMin) {
		doc["share_type"], doc["share_type_name"] = DefaultShareTypeID, DefaultShareTypeName
	}
	if v.AtLeast(noExportsMin) {
		delete(doc, "export_location")
		delete(doc, "export_locations")
	}
	if v.AtLeast(accessRulesMin) {
		doc["access_rules_status"] = "active"
	}
	if v.AtLeast(replicationMin) {
		doc["replication_type"], doc["has_replicas"] = nil, false
	}
	if v.AtLeast(userIDMin) {
		doc["user_id"] = fakeUserID
	}
	if v.AtLeast(fromSnapshotMin) {
		doc["create_share_from_snapshot_support"] = true
	}
	if v.AtLeast(revertMin) {
		doc["revert_to_snapshot_support"] = false
	}
	if v.AtLeast(shareGroupMin) {
		doc["share_group_id"], doc["source_share_group_snapshot_member_id"] = nil, nil
	}
	if v.AtLeast(mountSnapshotMin) {
		doc["mount_snapshot_support"] = false
	}
	if v.AtLeast(progressMin) {
		doc["progress"] = "100%"
	}
	if v.AtLeast(recycleBinMin) {
		doc["is_soft_deleted"], doc["scheduled_to_be_deleted_at"] = false, nil
	}
	if v.AtLeast(sourceBackupMin) {
		doc["source_backup_id"] = nil
	}
	if v.AtLeast(shareEncryptionMin) {
		doc["encryption_key_ref"] = nil
	}
	if v.AtLeast(inheritAccessMin) {
		doc["snapshot_inherit_share_access_support"] = false
	}
	return doc
}

// shareFilters are the filters of GET .../shares/detail the fake applies,
// each an exact match on the share as it stands.
var shareFilters = map[string]func(ShareInfo, *Server) string{
	"share_server_id":  func(i ShareInfo, _ *Server) string { return i.ShareServerID },
	"host":             func(i ShareInfo, _ *Server) string { return i.Host },
	"status":           func(i ShareInfo, _ *Server) string { return i.Status },
	"share_network_id": func(i ShareInfo, s *Server) string { return s.networkOfLocked(i) },
	"project_id":       func(_ ShareInfo, s *Server) string { return s.projectID },
}

// networkOfLocked returns the share network of a share: its share
// server's. The caller holds s.mu.
func (s *Server) networkOfLocked(info ShareInfo) string {
	if sv := s.servers[info.ShareServerID]; sv != nil {
		return sv.network
	}
	return ""
}

// listShares serves GET .../shares/detail (200, any microversion): the
// shares, newest first (then by ID), filtered by share_server_id, host,
// status, share_network_id and project_id, each an exact match;
// all_tenants, sort and the other filters Manila knows are accepted and
// change nothing here (every share is in the fake's one project). limit
// and offset page it as Manila does (limit capped at 1000; a negative or
// non-integer value is 400), with a "next" link in shares_links when a
// page is as long as the limit asked for.
func (s *Server) listShares(r *fake.Request) fake.Response {
	c, resp, ok := s.admit(r, showRule, "")
	if !ok {
		return resp
	}
	q := r.URL.Query()
	limit, offset := maxLimit, 0
	for _, p := range []struct {
		name string
		dst  *int
	}{{"limit", &limit}, {"offset", &offset}} {
		raw := q.Get(p.name)
		if raw == "" {
			continue
		}
		n, err := strconv.Atoi(raw)
		if err != nil {
			return c.reply(s.Error(http.StatusBadRequest, FaultBadRequest, p.name+" param must be an integer"))
		}
		if n < 0 {
			return c.reply(s.Error(http.StatusBadRequest, FaultBadRequest, p.name+" param must be positive"))
		}
		*p.dst = n
	}
	limit = min(limit, maxLimit)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	type row struct {
		sh   *share
		info ShareInfo
	}
	var rows []row
	for _, id := range s.sortedShareIDsLocked() {
		sh := s.shares[id]
		info := sh.view(now)
		match := true
		for k, get := range shareFilters {
			if v := q.Get(k); v != "" && get(info, s) != v {
				match = false
			}
		}
		if match {
			rows = append(rows, row{sh, info})
		}
	}
	// Newest first, as Manila's default sort (created_at desc) gives.
	for i := 1; i < len(rows); i++ {
		for j := i; j > 0 && rows[j].sh.created.After(rows[j-1].sh.created); j-- {
			rows[j], rows[j-1] = rows[j-1], rows[j]
		}
	}
	rows = rows[min(offset, len(rows)):]
	rows = rows[:min(limit, len(rows))]
	list := make([]map[string]any, 0, len(rows))
	for _, rw := range rows {
		list = append(list, s.shareView(r, rw.sh, rw.info, c.version))
	}
	out := map[string]any{"shares": list}
	if asked, _ := strconv.Atoi(q.Get("limit")); asked > 0 && asked == len(list) {
		next := url.Values{}
		for k, v := range q {
			next[k] = v
		}
		next.Set("marker", rows[len(rows)-1].sh.id)
		out["shares_links"] = []map[string]string{{
			"rel":  "next",
			"href": "http://" + r.Host + sharePath + "/v2/" + s.projectID + "/shares?" + next.Encode(),
		}}
	}
	return c.reply(fake.JSON(http.StatusOK, out))
}

// getShare serves GET .../shares/{id} (200, any microversion), 404 for a
// share the fake does not have.
func (s *Server) getShare(r *fake.Request) fake.Response {
	c, resp, ok := s.admit(r, showRule, "share_id")
	if !ok {
		return resp
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sh := s.shares[c.id]
	if sh == nil {
		return c.reply(s.Error(http.StatusNotFound, FaultNotFound, shareNotFound(c.id)))
	}
	return c.reply(fake.JSON(http.StatusOK, map[string]any{"share": s.shareView(r, sh, sh.view(s.Clock().Now()), c.version)}))
}

// instanceViews are the instances of sh at now: one, where the share is;
// during a per-share migration also the copy on the destination pool
// (status migrating_to) once the driver has started, the source then
// being migrating. After a success the copy is the one instance left;
// after a cancellation or a failure the source is.
func (s *Server) instanceViews(sh *share, info ShareInfo, now time.Time, v auth.Microversion) []map[string]any {
	type inst struct{ id, host, status, server string }
	insts := []inst{{sh.instance, info.Host, info.Status, info.ShareServerID}}
	if sh.mig != nil {
		switch sh.mig.settled(now) {
		case tsSuccess:
			insts = []inst{{sh.destInstance, info.Host, ShareStatusAvailable, ""}}
		case tsCancelled, tsError, tsCopyError:
		default:
			if sh.mig.at(now).destinationExists {
				insts = append(insts, inst{sh.destInstance, sh.dest, "migrating_to", ""})
			}
		}
	}
	out := make([]map[string]any, 0, len(insts))
	for _, in := range insts {
		doc := map[string]any{
			"id":                in.id,
			"share_id":          sh.id,
			"availability_zone": DefaultZone,
			"created_at":        timestamp(sh.created),
			"host":              in.host,
			"status":            in.status,
			"share_network_id":  nullIfEmpty(s.networkOfLocked(info)),
			"share_server_id":   nullIfEmpty(in.server),
			"export_location":   nil,
			"export_locations":  []string{},
		}
		if v.AtLeast(noExportsMin) {
			delete(doc, "export_location")
			delete(doc, "export_locations")
		}
		if v.AtLeast(accessRulesMin) {
			doc["access_rules_status"] = "active"
		}
		if v.AtLeast(replicationMin) {
			doc["replica_state"] = nil
		}
		if v.AtLeast(instanceTypeMin) {
			doc["share_type_id"] = DefaultShareTypeID
		}
		if v.AtLeast(castRulesMin) {
			doc["cast_rules_to_readonly"] = false
		}
		if v.AtLeast(progressMin) {
			doc["progress"] = "100%"
		}
		if v.AtLeast(instanceUpdatedAtMin) {
			doc["updated_at"] = timestamp(now.Truncate(time.Second))
		}
		out = append(out, doc)
	}
	return out
}

// listShareInstances serves GET .../shares/{id}/instances (200, 2.3 and
// later), 404 for a share the fake does not have.
func (s *Server) listShareInstances(r *fake.Request) fake.Response {
	c, resp, ok := s.admit(r, shareInstancesRule, "share_id")
	if !ok {
		return resp
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sh := s.shares[c.id]
	if sh == nil {
		return c.reply(s.Error(http.StatusNotFound, FaultNotFound, shareNotFound(c.id)))
	}
	now := s.Clock().Now()
	return c.reply(fake.JSON(http.StatusOK, map[string]any{"share_instances": s.instanceViews(sh, sh.view(now), now, c.version)}))
}
