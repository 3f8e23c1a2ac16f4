package manila

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
)

// servicesFake answers GET .../services and .../os-services with the
// api-ref list sample and PUT .../{enable,disable} with the update
// samples (or the answer of a release before 2024.1 when old is set).
func servicesFake(t *testing.T, old bool) *fake {
	return newFake(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		switch {
		case r.Method == http.MethodGet:
			reply(w, 200, testdata(t, "services/services-list-response.json"))
		case old:
			reply(w, 200, testdata(t, "services/service-disable-response-zed.json"))
		case strings.HasSuffix(r.URL.Path, "/disable"):
			reply(w, 200, testdata(t, "services/service-disable-response.json"))
		default:
			reply(w, 200, testdata(t, "services/service-enable-response.json"))
		}
	})
}

func TestListServicesSample(t *testing.T) {
	f := servicesFake(t, false)
	got, err := newPinned(t, f, "2.99").ListServices(context.Background(), &ListServicesOptions{
		Host: "manila2@generic1", Binary: BinaryShare, Zone: "nova", Status: ServiceEnabled, State: ServiceUp,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []Service{
		{ID: 1, Binary: "manila-share", Host: "manila2@generic1", Zone: "nova", Status: ServiceEnabled, State: ServiceUp,
			UpdatedAt: time.Date(2015, 9, 7, 13, 3, 57, 0, time.UTC)},
		{ID: 2, Binary: "manila-scheduler", Host: "manila2", Zone: "nova", Status: ServiceEnabled, State: ServiceUp,
			UpdatedAt: time.Date(2015, 9, 7, 13, 3, 57, 0, time.UTC)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("services\n %+v\nwant\n %+v", got, want)
	}
	r := f.requests()[0]
	wantQuery := url.Values{"host": {"manila2@generic1"}, "binary": {"manila-share"}, "zone": {"nova"}, "status": {"enabled"}, "state": {"up"}}
	if r.Method != http.MethodGet || r.Path != "/v2/"+testProject+"/services" || !reflect.DeepEqual(r.Query, wantQuery) {
		t.Errorf("sent %s %s?%v", r.Method, r.Path, r.Query)
	}
	checkShareHeaders(t, r, "2.99", false)
}

// Below 2.7 the services API is /os-services.
func TestServicesLegacyPaths(t *testing.T) {
	f := servicesFake(t, false)
	c := newPinned(t, f, "2.6")
	if _, err := c.ListServices(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DisableService(context.Background(), "manila2@generic1", "", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.EnableService(context.Background(), "manila2@generic1", BinaryShare); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range f.requests() {
		got = append(got, r.Method+" "+strings.TrimPrefix(r.Path, "/v2/"+testProject))
	}
	want := []string{"GET /os-services", "PUT /os-services/disable", "PUT /os-services/enable"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sent %q, want %q", got, want)
	}
}

func TestDisableServiceSample(t *testing.T) {
	f := servicesFake(t, false)
	s, err := newPinned(t, f, "2.83").DisableService(context.Background(), "openstackhost@generic#pool_0", "",
		"Service taken down for maintenance until May")
	if err != nil {
		t.Fatal(err)
	}
	want := &Service{Binary: "manila-share", Host: "openstackhost@generic#pool_0", Status: ServiceDisabled,
		DisabledReason: "Service taken down for maintenance until May"}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("answer %+v", s)
	}
	r := f.requests()[0]
	if r.Method != http.MethodPut || r.Path != "/v2/"+testProject+"/services/disable" || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("sent %s %s", r.Method, r.Path)
	}
	checkShareHeaders(t, r, "2.83", false)
	sameJSON(t, r.Body, decodeAny(t, testdata(t, "services/service-disable-request.json")))
}

func TestEnableServiceSample(t *testing.T) {
	f := servicesFake(t, false)
	s, err := newPinned(t, f, "2.99").EnableService(context.Background(), "openstackhost@generic#pool_0", "")
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != ServiceEnabled || s.Host != "openstackhost@generic#pool_0" || s.DisabledReason != "" {
		t.Errorf("answer %+v", s)
	}
	r := f.requests()[0]
	if r.Method != http.MethodPut || r.Path != "/v2/"+testProject+"/services/enable" {
		t.Errorf("sent %s %s", r.Method, r.Path)
	}
	sameJSON(t, r.Body, decodeAny(t, testdata(t, "services/service-enable-request.json")))
}

// Releases before 2024.1 answer an update with "disabled" instead of the
// status.
func TestServiceUpdateAnswerOfOlderReleases(t *testing.T) {
	f := servicesFake(t, true)
	s, err := newPinned(t, f, "2.73").DisableService(context.Background(), "manila2@generic1", "", "")
	if err != nil || s.Status != ServiceDisabled || s.Host != "manila2@generic1" || s.Binary != BinaryShare {
		t.Errorf("%+v, %v", s, err)
	}
	var enabled Service
	if err := json.Unmarshal([]byte(`{"host": "h@b", "binary": "manila-share", "disabled": false}`), &enabled); err != nil ||
		enabled.Status != ServiceEnabled {
		t.Errorf("%+v, %v", enabled, err)
	}
}

// A reason needs 2.83: below it the call fails before anything is sent;
// without a reason any version works and the body has no reason.
func TestDisableServiceReasonNeedsItsVersion(t *testing.T) {
	f := servicesFake(t, false)
	c := newPinned(t, f, "2.82")
	_, err := c.DisableService(context.Background(), "h@b", "", "maintenance")
	var ve *cloudmigrate.VersionError
	if !errors.As(err, &ve) || ve.Min != DisabledReasonMicroversion || ve.InUse != "2.82" || !strings.Contains(ve.Feature, "reason") {
		t.Fatalf("err = %v", err)
	}
	if f.count() != 0 {
		t.Fatalf("%d requests sent", f.count())
	}
	if _, err := c.DisableService(context.Background(), "h@b", BinaryData, ""); err != nil {
		t.Fatal(err)
	}
	sameJSON(t, f.requests()[0].Body, map[string]any{"host": "h@b", "binary": "manila-data"})
}

func TestServicesValidation(t *testing.T) {
	ctx := context.Background()
	long := strings.Repeat("é", maxReasonLen+1)
	for _, tc := range []struct {
		field string
		run   func(*Client) error
	}{
		{"host", func(c *Client) error { _, err := c.DisableService(ctx, "", "", ""); return err }},
		{"host", func(c *Client) error { _, err := c.EnableService(ctx, "h @b", ""); return err }},
		{"host", func(c *Client) error { _, err := c.EnableService(ctx, strings.Repeat("h", 256), ""); return err }},
		{"binary", func(c *Client) error { _, err := c.EnableService(ctx, "h@b", "manila share"); return err }},
		{"reason", func(c *Client) error { _, err := c.DisableService(ctx, "h@b", "", "   "); return err }},
		{"reason", func(c *Client) error { _, err := c.DisableService(ctx, "h@b", "", long); return err }},
		{"reason", func(c *Client) error { _, err := c.DisableService(ctx, "h@b", "", "two\nlines"); return err }},
		{"reason", func(c *Client) error { _, err := c.DisableService(ctx, "h@b", "", "bad \xff"); return err }},
		{"ListServicesOptions.Status", func(c *Client) error {
			_, err := c.ListServices(ctx, &ListServicesOptions{Status: "up"})
			return err
		}},
		{"ListServicesOptions.Host", func(c *Client) error {
			_, err := c.ListServices(ctx, &ListServicesOptions{Host: "a\tb"})
			return err
		}},
		{"ctx", func(c *Client) error {
			//lint:ignore SA1012 testing the nil check
			_, err := c.ListServices(nil, nil) //nolint:staticcheck
			return err
		}},
	} {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { reply(w, 500, nil) })
		err := tc.run(newNegotiating(t, f))
		var ve *cloudmigrate.ValidationError
		if !errors.As(err, &ve) || ve.Field != tc.field {
			t.Errorf("%s: err = %v", tc.field, err)
		}
		if f.count() != 0 {
			t.Errorf("%s: %d requests sent", tc.field, f.count())
		}
	}
	// A reason of exactly 255 characters, surrounded by spaces, is fine.
	f := servicesFake(t, false)
	if _, err := newPinned(t, f, "2.83").DisableService(ctx, "h@b", "", " "+strings.Repeat("é", maxReasonLen)+" "); err != nil {
		t.Errorf("255 characters: %v", err)
	}
}

// Enabling and disabling change state: they are never repeated after a
// 5xx or a lost connection. Listing is retried.
func TestServiceUpdatesSentOnce(t *testing.T) {
	for _, mode := range []string{"503", "reset"} {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
			if mode == "reset" {
				resetConn(w)
				return
			}
			reply(w, 503, []byte(`{"serviceUnavailable": {"code": 503, "message": "down"}}`))
		})
		c := newPinned(t, f, "2.99", cloudmigrate.WithRetry(3))
		if _, err := c.DisableService(context.Background(), "h@b", "", ""); err == nil {
			t.Errorf("%s: no error", mode)
		}
		if _, err := c.EnableService(context.Background(), "h@b", ""); err == nil {
			t.Errorf("%s: no error", mode)
		}
		if n := f.count(); n != 2 {
			t.Errorf("%s: %d requests, want one each", mode, n)
		}
		if _, err := c.ListServices(context.Background(), nil); err == nil {
			t.Errorf("%s: list: no error", mode)
		}
		if n := f.count(); n != 2+4 {
			t.Errorf("%s: the list was sent %d times, want 4", mode, n-2)
		}
	}
}
