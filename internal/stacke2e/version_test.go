package stacke2e

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/manila"
	"github.com/cloudmigrate/cloudmigrate/nova"
)

// versionDoc reads the microversion range a service's version document
// states: GET of the endpoint itself, which nova answers with
// {"version": {...}} and manila with {"versions": [...]}.
func versionDoc(t *testing.T, tg *target, endpoint string) (min, max string) {
	t.Helper()
	type version struct {
		ID, Status, Version string
		MinVersion          string `json:"min_version"`
	}
	var doc struct {
		Version  *version  `json:"version"`
		Versions []version `json:"versions"`
	}
	rawFor(t, tg).must(t, http.MethodGet, strings.TrimRight(endpoint, "/")+"/", nil, nil, &doc,
		http.StatusOK, http.StatusMultipleChoices)
	if doc.Version != nil {
		return doc.Version.MinVersion, doc.Version.Version
	}
	for _, v := range doc.Versions {
		if v.Status == "CURRENT" {
			return v.MinVersion, v.Version
		}
	}
	t.Fatalf("no current version in the document of %s: %+v", endpoint, doc)
	return "", ""
}

// TestNegotiation checks that each client settles on the highest version
// the service's document states: Zed's 2.93 and 2.73, below the SDK's own
// maximum.
func TestNegotiation(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		ctx := tg.ctxFor(t)
		nmin, nmax := versionDoc(t, tg, tg.nova.Endpoint())
		nv, err := tg.novaAt(t, "").Microversion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if nv.InUse.String() != nmax || nv.ServerMax.String() != nmax || nv.ServerMin.String() != nmin {
			t.Errorf("compute: %+v, the document says %s to %s", nv, nmin, nmax)
		}
		if nmax != zedComputeMax || !nv.InUse.Less(auth.MustParseMicroversion(nova.MaxMicroversion)) {
			t.Errorf("compute maximum %s, want Zed's %s, below the SDK's %s", nmax, zedComputeMax, nova.MaxMicroversion)
		}

		smin, smax := versionDoc(t, tg, tg.manila.Endpoint())
		sv, err := tg.manilaAt(t, "").Microversion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if sv.InUse.String() != smax || sv.ServerMax.String() != smax || sv.ServerMin.String() != smin {
			t.Errorf("share: %+v, the document says %s to %s", sv, smin, smax)
		}
		if smax != zedShareMax || !sv.InUse.Less(auth.MustParseMicroversion(manila.MaxMicroversion)) {
			t.Errorf("share maximum %s, want Zed's %s, below the SDK's %s", smax, zedShareMax, manila.MaxMicroversion)
		}
	})
}

// wantVersionError checks err is a *cloudmigrate.VersionError raised
// before sending, asking for min (or max) with inUse in use.
func wantVersionError(t *testing.T, what string, err error, min, max, inUse string) {
	t.Helper()
	var ve *cloudmigrate.VersionError
	if !errors.As(err, &ve) {
		t.Errorf("%s: %v, want a *cloudmigrate.VersionError", what, err)
		return
	}
	if ve.Min != min || ve.Max != max || ve.InUse != inUse || ve.Err != nil {
		t.Errorf("%s: %+v, want min %q max %q in use %s, refused before sending", what, ve, min, max, inUse)
	}
}

// TestNovaGates pins the compute client at each microversion where the
// SDK changes what it sends, and checks that what the version allows
// reaches the service and works, and what it lacks is refused before
// anything is sent.
func TestNovaGates(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		ctx := tg.ctxFor(t)
		sid := tg.res.bootServer(t, tg.hosts[0])
		// An idle server: the calls on in-progress migrations get nova's
		// answer for a server that is not migrating.
		for _, v := range []string{"2.1", "2.22", "2.23", "2.24", "2.25", "2.30", "2.56", "2.59", "2.65", "2.66", "2.67", "2.68", "2.80", zedComputeMax} {
			c := tg.novaAt(t, v)
			at := auth.MustParseMicroversion(v)
			since := func(gate string) bool { return !at.Less(auth.MustParseMicroversion(gate)) }

			_, err := c.ListServerMigrations(ctx, sid)
			if since("2.23") {
				if err != nil {
					t.Errorf("%s: ListServerMigrations: %v", v, err)
				}
			} else {
				wantVersionError(t, v+": ListServerMigrations", err, "2.23", "", v)
			}

			err = c.ForceCompleteMigration(ctx, sid, 1)
			if since("2.22") {
				wantStatus(t, v+": ForceCompleteMigration of an idle server", err, http.StatusConflict, "conflictingRequest")
			} else {
				wantVersionError(t, v+": ForceCompleteMigration", err, "2.22", "", v)
			}
			err = c.AbortMigration(ctx, sid, 1)
			if since("2.24") {
				wantStatus(t, v+": AbortMigration of an idle server", err, http.StatusConflict, "conflictingRequest")
			} else {
				wantVersionError(t, v+": AbortMigration", err, "2.24", "", v)
			}
			if !since("2.56") {
				wantVersionError(t, v+": Migrate with a host", coldMigrate(ctx, c, sid, &nova.MigrateOptions{Host: tg.hosts[1]}), "2.56", "", v)
			}
			force := true
			lo := &nova.LiveMigrateOptions{Host: tg.hosts[1], Force: &force}
			if !since("2.30") {
				wantVersionError(t, v+": LiveMigrate with Force", liveMigrate(ctx, c, sid, lo), "2.30", "2.67", v)
			} else if since("2.68") {
				wantVersionError(t, v+": LiveMigrate with Force", liveMigrate(ctx, c, sid, lo), "2.30", "2.67", v)
			}
			if !since("2.25") {
				err := liveMigrate(ctx, c, sid, &nova.LiveMigrateOptions{BlockMigration: nova.BlockMigrationAuto})
				wantVersionError(t, v+": block migration auto", err, "2.25", "", v)
			} else {
				err := liveMigrate(ctx, c, sid, &nova.LiveMigrateOptions{DiskOverCommit: true})
				wantVersionError(t, v+": disk over-commit", err, "", "2.24", v)
			}

			// The filters of /os-migrations the version knows reach the
			// service; the others are refused.
			filters := []struct {
				gate string
				opts nova.ListMigrationsOptions
			}{
				{"2.1", nova.ListMigrationsOptions{InstanceUUID: sid, Host: tg.hosts[0], Status: nova.StatusCompleted,
					SourceCompute: tg.hosts[0], MigrationType: nova.TypeLiveMigration}},
				{"2.59", nova.ListMigrationsOptions{InstanceUUID: sid, Limit: 5, ChangesSince: time.Unix(0, 0)}},
				{"2.66", nova.ListMigrationsOptions{InstanceUUID: sid, ChangesBefore: time.Now().Add(24 * time.Hour)}},
				{"2.80", nova.ListMigrationsOptions{InstanceUUID: sid, UserID: "u", ProjectID: "p"}},
			}
			for _, f := range filters {
				for m, err := range c.ListMigrations(ctx, &f.opts) {
					switch {
					case since(f.gate) && err != nil:
						t.Errorf("%s: ListMigrations %+v: %v", v, f.opts, err)
					case since(f.gate):
						t.Errorf("%s: ListMigrations %+v: an idle server has migration %+v", v, f.opts, m)
					case err == nil:
						t.Errorf("%s: ListMigrations %+v sent", v, f.opts)
					default:
						var ve *cloudmigrate.VersionError
						if !errors.As(err, &ve) || ve.Min != f.gate {
							t.Errorf("%s: ListMigrations %+v: %v, want a VersionError for %s", v, f.opts, err, f.gate)
						}
					}
				}
			}
		}
	})
}

// TestVersionOutOfRange pins a version above the service's maximum: the
// service refuses it with 406 and the SDK reports a VersionError with the
// service's range.
func TestVersionOutOfRange(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		ctx := tg.ctxFor(t)
		_, err := tg.novaAt(t, "2.94").ListServerMigrations(ctx, newUUID())
		var ve *cloudmigrate.VersionError
		if !errors.As(err, &ve) || ve.Err == nil || ve.Err.StatusCode != http.StatusNotAcceptable ||
			ve.InUse != "2.94" || ve.ServerMin != zedComputeMin || ve.ServerMax != zedComputeMax {
			t.Errorf("compute 2.94: %#v, want a refused VersionError stating %s to %s", err, zedComputeMin, zedComputeMax)
		}
		_, err = tg.manilaAt(t, "2.74").GetShareServer(ctx, newUUID())
		if !errors.As(err, &ve) || ve.Err == nil || ve.Err.StatusCode != http.StatusNotAcceptable || ve.InUse != "2.74" {
			t.Fatalf("share 2.74: %#v, want a refused VersionError", err)
		}
		// Manila releases before its commit a65dffc0c ("Fix Manila API
		// error message", 2023) send the message's template, without the
		// range; Debian 12's manila 15.1 is one. The range is then unknown.
		minV, maxV := zedShareMin, zedShareMax
		if strings.Contains(ve.Err.Message, "%(min_ver)s") {
			minV, maxV = "", ""
		}
		if ve.ServerMin != minV || ve.ServerMax != maxV {
			t.Errorf("share 2.74: range %q to %q from %q, want %q to %q", ve.ServerMin, ve.ServerMax, ve.Err.Message, minV, maxV)
		}
	})
}

// TestManilaGates pins the share client at the versions around the
// share-server migration and project-ID-less URL gates, on the catalog's
// endpoint (which has no project ID on both targets).
func TestManilaGates(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		ctx := tg.ctxFor(t)
		if strings.Contains(tg.manila.Endpoint(), "/v2/") {
			t.Fatalf("the catalog's share endpoint %s carries a project ID; the test needs one without", tg.manila.Endpoint())
		}
		id, backend := tg.res.newShareServer(t)
		other := tg.backends[0]
		if other == backend {
			other = tg.backends[1]
		}
		for _, v := range []string{"2.0", "2.49", "2.56", "2.57", "2.59", "2.60", "2.70", zedShareMax} {
			c := tg.manilaAt(t, v)
			at := auth.MustParseMicroversion(v)
			sv, err := c.GetShareServer(ctx, id)
			if err != nil {
				t.Errorf("%s: GetShareServer on %s: %v", v, c.Endpoint(), err)
				continue
			}
			if sv.ID != id || sv.Status != manila.ShareServerStatusActive || sv.Host != backend {
				t.Errorf("%s: share server %+v", v, sv)
			}
			if got := sv.IsAutoDeletable != nil; got != !at.Less(auth.MustParseMicroversion("2.49")) {
				t.Errorf("%s: is_auto_deletable sent: %v", v, got)
			}
			check, err := c.CheckMigration(ctx, id, &manila.CheckMigrationOptions{Host: other})
			if at.Less(auth.MustParseMicroversion(manila.ServerMigrationMicroversion)) {
				wantVersionError(t, v+": CheckMigration", err, manila.ServerMigrationMicroversion, "", v)
				continue
			}
			if err != nil || !check.Compatible {
				t.Errorf("%s: CheckMigration to %s: %+v, %v", v, other, check, err)
			}
		}
	})
}

// wantStatus checks err is a *cloudmigrate.Error with the status, fault
// name and a request ID.
func wantStatus(t *testing.T, what string, err error, status int, code string) *cloudmigrate.Error {
	t.Helper()
	var apiErr *cloudmigrate.Error
	if !errors.As(err, &apiErr) {
		t.Errorf("%s: %v, want a %d %s", what, err, status, code)
		return nil
	}
	if apiErr.StatusCode != status || apiErr.Code != code || !strings.HasPrefix(apiErr.RequestID, "req-") {
		t.Errorf("%s: %d %s %q (request %q), want %d %s with a req- request ID",
			what, apiErr.StatusCode, apiErr.Code, apiErr.Message, apiErr.RequestID, status, code)
	}
	return apiErr
}
