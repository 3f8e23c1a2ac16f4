package manila

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
)

func TestGetShareSample(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		reply(w, 200, testdata(t, "shares/share-show-response.json"))
	})
	s, err := newPinned(t, f, "2.54").GetShare(context.Background(), "011d21e2-fbc3-4e4a-9993-9ea223f73264")
	if err != nil {
		t.Fatal(err)
	}
	if s.ID != "011d21e2-fbc3-4e4a-9993-9ea223f73264" || s.Name != "share_London" || s.Status != ShareStatusAvailable ||
		s.Size != 1 || s.ShareProto != "NFS" || s.Host != "manila2@generic1#GENERIC1" ||
		s.ShareServerID != "e268f4aa-d571-43dd-9ab3-f49ad06ffaef" || s.ShareNetworkID != "713df749-aac0-4a54-af52-10f6c991e80c" ||
		s.ShareType != "25747776-08e5-494f-ab40-a64b9d20d8f7" || s.ShareTypeName != "default" || s.VolumeType != "default" ||
		s.TaskState != "" || !s.IsPublic || s.SnapshotSupport == nil || !*s.SnapshotSupport || s.HasReplicas == nil || *s.HasReplicas ||
		s.Progress != "100%" || s.AccessRulesStatus != "active" || s.UserID != "66ffd308757e44b9a8bec381322b0b88" ||
		!s.CreatedAt.Equal(time.Date(2015, 9, 18, 10, 25, 24, 0, time.UTC)) ||
		!reflect.DeepEqual(s.Metadata, map[string]string{"project": "my_app", "aim": "doc"}) ||
		len(s.Links) != 2 || s.Links[0].Rel != "self" || s.ExportLocation != "" || len(s.ExportLocations) != 0 {
		t.Errorf("share %+v", s)
	}
	r := f.requests()[0]
	if r.Method != http.MethodGet || r.Path != "/v2/"+testProject+"/shares/011d21e2-fbc3-4e4a-9993-9ea223f73264" {
		t.Errorf("sent %s %s", r.Method, r.Path)
	}
	checkShareHeaders(t, r, "2.54", false)
}

func TestGetShareWithoutShare(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { reply(w, 200, []byte(`{}`)) })
	if _, err := newPinned(t, f, "2.54").GetShare(context.Background(), testShareID); !errors.Is(err, errNoShare) {
		t.Errorf("err = %v", err)
	}
}

// TestListSharesSample: the detailed list sample, filtered by share
// server, then the empty page that ends the list.
func TestListSharesSample(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		if r.URL.Query().Get("offset") != "" {
			reply(w, 200, []byte(`{"shares": []}`))
			return
		}
		reply(w, 200, testdata(t, "shares/shares-list-detailed-response.json"))
	})
	var got []Share
	for s, err := range newPinned(t, f, "2.80").ListShares(context.Background(), &ListSharesOptions{ShareServerID: "87d8943a-f5da-47a4-b2f2-ddfa6794aa82"}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, s)
	}
	if len(got) != 2 || got[0].ID != "f45cc5b2-d1bb-4a3e-ba5b-5c4125613adc" || got[0].Status != ShareStatusError ||
		got[0].Progress != "" || got[1].ExportLocation != "10.254.0.5:/shares/share-50ad5e7b-f6f1-4b78-a651-0812cef2bb67" ||
		len(got[1].ExportLocations) != 1 || got[1].ShareServerID != "87d8943a-f5da-47a4-b2f2-ddfa6794aa82" {
		t.Errorf("shares %+v", got)
	}
	reqs := f.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	want := url.Values{"share_server_id": {"87d8943a-f5da-47a4-b2f2-ddfa6794aa82"}, "limit": {"1000"}}
	if reqs[0].Path != "/v2/"+testProject+"/shares/detail" || !reflect.DeepEqual(reqs[0].Query, want) {
		t.Errorf("first request %s?%v", reqs[0].Path, reqs[0].Query)
	}
	want.Set("offset", "2")
	if !reflect.DeepEqual(reqs[1].Query, want) {
		t.Errorf("second request ?%v", reqs[1].Query)
	}
}

// pagedShares answers GET .../shares/detail from n shares, at most cap a
// page, honouring limit and offset, shifted by shift shares from the
// second page on (as if shares were created meanwhile).
func pagedShares(t *testing.T, n, pageCap, shift int) *fake {
	return newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		q := r.URL.Query()
		limit, _ := strconv.Atoi(q.Get("limit"))
		offset, _ := strconv.Atoi(q.Get("offset"))
		if offset > 0 {
			offset -= shift
		}
		var items []string
		for i := offset; i < n && len(items) < min(limit, pageCap); i++ {
			items = append(items, fmt.Sprintf(`{"id": "s%d", "status": "available", "size": 1}`, i))
		}
		reply(w, 200, []byte(`{"shares": [`+strings.Join(items, ",")+`]}`))
	})
}

func TestListSharesPaging(t *testing.T) {
	collect := func(f *fake, opts *ListSharesOptions, stopAfter int) ([]string, int) {
		var ids []string
		for s, err := range newPinned(t, f, "2.99").ListShares(context.Background(), opts) {
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, s.ID)
			if len(ids) == stopAfter {
				break
			}
		}
		return ids, f.count()
	}
	for _, tc := range []struct {
		name                string
		n, cap, shift, size int
		stop                int
		ids, requests       int
	}{
		{"full pages, then a short one", 5, 1000, 0, 2, 0, 5, 3},
		{"a multiple of the page size", 4, 1000, 0, 2, 0, 4, 3},
		{"shorter than a page", 3, 1000, 0, 10, 0, 3, 2},
		{"the service's cap below the page size", 5, 2, 0, 10, 0, 5, 3},
		{"a list that shifted", 5, 1000, 1, 2, 0, 5, 4},
		{"a break", 5, 1000, 0, 2, 3, 3, 2},
	} {
		ids, requests := collect(pagedShares(t, tc.n, tc.cap, tc.shift), &ListSharesOptions{PageSize: tc.size}, tc.stop)
		seen := map[string]bool{}
		for _, id := range ids {
			if seen[id] {
				t.Errorf("%s: %s yielded twice", tc.name, id)
			}
			seen[id] = true
		}
		if len(ids) != tc.ids || requests != tc.requests {
			t.Errorf("%s: %v in %d requests, want %d shares in %d", tc.name, ids, requests, tc.ids, tc.requests)
		}
	}
	// A service that ignores the offset answers the same page again: the
	// list ends there.
	same := newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		reply(w, 200, []byte(`{"shares": [{"id": "a"}, {"id": "b"}]}`))
	})
	if ids, requests := collect(same, &ListSharesOptions{PageSize: 2}, 0); len(ids) != 2 || requests != 2 {
		t.Errorf("offset ignored: %v in %d requests", ids, requests)
	}
}

func TestListSharesOptions(t *testing.T) {
	f := pagedShares(t, 0, 1000, 0)
	for range newPinned(t, f, "2.99").ListShares(context.Background(), &ListSharesOptions{
		Host: "h@b#p", Status: ShareStatusAvailable, ShareNetworkID: "n1", AllProjects: true, PageSize: 7,
	}) {
	}
	want := url.Values{"host": {"h@b#p"}, "status": {"available"}, "share_network_id": {"n1"}, "all_tenants": {"1"}, "limit": {"7"}}
	if q := f.requests()[0].Query; !reflect.DeepEqual(q, want) {
		t.Errorf("query %v", q)
	}
	for field, opts := range map[string]*ListSharesOptions{
		"ListSharesOptions.PageSize":      {PageSize: -1},
		"ListSharesOptions.ShareServerID": {ShareServerID: "a b"},
		"ListSharesOptions.Host":          {Host: strings.Repeat("h", 256)},
	} {
		f := pagedShares(t, 0, 1000, 0)
		n := 0
		for _, err := range newNegotiating(t, f).ListShares(context.Background(), opts) {
			n++
			var ve *cloudmigrate.ValidationError
			if !errors.As(err, &ve) || ve.Field != field {
				t.Errorf("%s: %v", field, err)
			}
		}
		if n != 1 || f.count() != 0 {
			t.Errorf("%s: %d yields, %d requests", field, n, f.count())
		}
	}
}

// TestListSharesErrorEndsTheSequence: a refused page is yielded once.
func TestListSharesErrorEndsTheSequence(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		reply(w, 403, []byte(`{"forbidden": {"code": 403, "message": "Policy doesn't allow share:list_by_share_server_id."}}`))
	})
	n := 0
	for _, err := range newPinned(t, f, "2.99").ListShares(context.Background(), &ListSharesOptions{ShareServerID: "x"}) {
		n++
		var apiErr *cloudmigrate.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 403 {
			t.Errorf("err = %v", err)
		}
	}
	if n != 1 || f.count() != 1 {
		t.Errorf("%d yields, %d requests", n, f.count())
	}
}

func TestListShareServersSample(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		reply(w, 200, testdata(t, "share-server/share-servers-list-response.json"))
	})
	got, err := newPinned(t, f, "2.90").ListShareServers(context.Background(), &ListShareServersOptions{
		Host: "manila2@generic1", Status: ShareServerStatusActive, ShareNetwork: "net_my",
		TaskState: TaskStateMigrationSuccess, SourceShareServerID: testServerID,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("%d share servers", len(got))
	}
	s := got[0]
	if s.ID != "ba11930a-bf1a-4aa7-bae4-a8dfbaa3cc73" || s.Host != "manila2@generic1" || s.Status != "active" ||
		s.ShareNetworkName != "net_my" || s.ShareNetworkSubnetID != "f53252f0-c2a9-4d7c-af41-1c6f3cfb3af3" ||
		!reflect.DeepEqual(s.ShareNetworkSubnetIDs, []string{"f53252f0-c2a9-4d7c-af41-1c6f3cfb3af3"}) || s.TaskState != "" ||
		s.SecurityServiceUpdateSupport == nil || !*s.SecurityServiceUpdateSupport ||
		!s.UpdatedAt.Equal(time.Date(2015, 9, 7, 8, 52, 15, 0, time.UTC)) || !s.CreatedAt.IsZero() || s.BackendDetails != nil {
		t.Errorf("share server %+v", s)
	}
	r := f.requests()[0]
	want := url.Values{"host": {"manila2@generic1"}, "status": {"active"}, "share_network": {"net_my"},
		"task_state": {"migration_success"}, "source_share_server_id": {testServerID}}
	if r.Method != http.MethodGet || r.Path != "/v2/"+testProject+"/share-servers" || !reflect.DeepEqual(r.Query, want) {
		t.Errorf("sent %s %s?%v", r.Method, r.Path, r.Query)
	}
	checkShareHeaders(t, r, "2.90", false)
	if _, err := newPinned(t, f, "2.90").ListShareServers(context.Background(), &ListShareServersOptions{Status: "in\nerror"}); err == nil {
		t.Error("a status with a newline was sent")
	}
	if f.count() != 1 {
		t.Errorf("%d requests", f.count())
	}
}

// TestShareRoundTrip: a decoded share encodes with the wire names and
// decodes back to the same value.
func TestShareRoundTrip(t *testing.T) {
	var doc struct {
		Share Share `json:"share"`
	}
	if err := json.Unmarshal(testdata(t, "shares/share-show-response.json"), &doc); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(doc.Share)
	if err != nil {
		t.Fatal(err)
	}
	var again Share
	if err := json.Unmarshal(b, &again); err != nil || !reflect.DeepEqual(doc.Share, again) {
		t.Errorf("round trip: %v\n %+v\n %+v", err, doc.Share, again)
	}
}
