package nova_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/nova"
)

// The compute service of host1 in nova's v2.53 samples.
const sampleServiceUUID = "e81d66a4-ddd3-4aba-8a84-171d1cb4d339"

// The listing samples decode into every field, with the ID and
// forced_down the microversion gives them.
func TestListServicesSamples(t *testing.T) {
	f := false
	cases := []struct {
		mv, file string
		want     nova.Service // the second record: the compute service of host1
	}{
		{"2.1", "os-services/services-list-get-resp.json", nova.Service{
			ID: "2", Binary: "nova-compute", Host: "host1", Zone: "nova", Status: nova.ServiceDisabled,
			State: nova.ServiceUp, DisabledReason: "test2", UpdatedAt: at(t, "2012-10-29T13:42:05")}},
		{"2.11", "os-services/v2.11/services-list-get-resp.json", nova.Service{
			ID: "2", Binary: "nova-compute", Host: "host1", Zone: "nova", Status: nova.ServiceDisabled,
			State: nova.ServiceUp, DisabledReason: "test2", ForcedDown: &f, UpdatedAt: at(t, "2012-10-29T13:42:05")}},
		{"2.53", "os-services/v2.53/services-list-get-resp.json", nova.Service{
			ID: sampleServiceUUID, Binary: "nova-compute", Host: "host1", Zone: "nova", Status: nova.ServiceDisabled,
			State: nova.ServiceUp, DisabledReason: "test2", ForcedDown: &f, UpdatedAt: at(t, "2012-10-29T13:42:05")}},
	}
	for _, tc := range cases {
		fk := newFake(t)
		fk.reply("GET", "/v2.1/os-services", 200, sample(t, tc.file))
		list, err := fk.client(tc.mv).ListServices(context.Background(), nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.mv, err)
		}
		fk.only().check(t, "GET", "/v2.1/os-services", "", tc.mv)
		if len(list) != 4 {
			t.Fatalf("%s: %d services, want 4", tc.mv, len(list))
		}
		sameService(t, tc.mv, &list[1], &tc.want)
		// The scheduler of host2: down, enabled, no reason (null).
		if s := list[2]; s.Binary != "nova-scheduler" || s.State != nova.ServiceDown || s.Status != nova.ServiceEnabled ||
			s.DisabledReason != "" || s.Zone != "internal" {
			t.Errorf("%s: third service %+v", tc.mv, s)
		}
	}

	// From 2.69, a service in a cell nova cannot reach has three fields.
	fk := newFake(t)
	fk.reply("GET", "/v2.1/os-services", 200, sample(t, "os-services/v2.69/services-list-get-resp.json"))
	list, err := fk.client("2.69").ListServices(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := nova.Service{Binary: "nova-compute", Host: "host2", Status: nova.ServiceStatusUnknown}
	if len(list) != 2 {
		t.Fatalf("2.69: %d services", len(list))
	}
	sameService(t, "2.69", &list[1], &want)
}

// sameService compares every field of two services.
func sameService(t *testing.T, what string, got, want *nova.Service) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if !bytes.Equal(g, w) || !got.UpdatedAt.Equal(want.UpdatedAt.Time) {
		t.Errorf("%s: service\n%s\nwant\n%s", what, g, w)
	}
}

func TestListServicesFilters(t *testing.T) {
	fk := newFake(t)
	fk.reply("GET", "/v2.1/os-services", 200, []byte(`{"services": []}`))
	c := fk.client("2.80")
	list, err := c.ListServices(context.Background(), &nova.ListServicesOptions{Host: "compute-1", Binary: nova.BinaryCompute})
	if err != nil || len(list) != 0 {
		t.Fatalf("%v %v", list, err)
	}
	fk.only().check(t, "GET", "/v2.1/os-services", "binary=nova-compute&host=compute-1", "2.80")
}

// serviceAnswer answers with a sample body.
func serviceAnswer(t *testing.T, file string) func(w http.ResponseWriter, r *http.Request, body []byte) {
	b := sample(t, file)
	return func(w http.ResponseWriter, _ *http.Request, _ []byte) { writeJSON(w, 200, b) }
}

// listOneService answers a 2.53 listing with host1's compute service of
// the samples.
const listOneService = `{"services": [{"id": "` + sampleServiceUUID + `", "binary": "nova-compute",
	"disabled_reason": null, "host": "host1", "state": "up", "status": "enabled",
	"updated_at": "2012-10-29T13:42:05.000000", "forced_down": false, "zone": "nova"}]}`

// Each host-based update sends nova's sample request for the microversion
// in use, to the path that version has, and decodes nova's sample answer.
func TestServiceUpdatesSamples(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name, mv, path, req, resp string
		call                      func(*nova.Client) (*nova.Service, error)
		check                     func(*nova.Service) bool
	}{
		{"disable 2.1", "2.1", "disable", "os-services/service-disable-put-req.json", "os-services/service-disable-put-resp.json",
			func(c *nova.Client) (*nova.Service, error) { return c.DisableService(ctx, "host1", "") },
			func(s *nova.Service) bool {
				return s.Status == nova.ServiceDisabled && s.Host == "host1" && s.Binary == "nova-compute" && s.ID == "" && s.ForcedDown == nil
			}},
		{"disable with reason 2.1", "2.1", "disable-log-reason", "os-services/service-disable-log-put-req.json", "os-services/service-disable-log-put-resp.json",
			func(c *nova.Client) (*nova.Service, error) { return c.DisableService(ctx, "host1", "test2") },
			func(s *nova.Service) bool { return s.Status == nova.ServiceDisabled && s.DisabledReason == "test2" }},
		{"enable 2.1", "2.1", "enable", "os-services/service-enable-put-req.json", "os-services/service-enable-put-resp.json",
			func(c *nova.Client) (*nova.Service, error) { return c.EnableService(ctx, "host1") },
			func(s *nova.Service) bool { return s.Status == nova.ServiceEnabled && s.Host == "host1" }},
		{"disable with reason 2.11", "2.11", "disable-log-reason", "os-services/v2.11/service-disable-log-put-req.json", "os-services/v2.11/service-disable-log-put-resp.json",
			func(c *nova.Client) (*nova.Service, error) { return c.DisableService(ctx, "host1", "test2") },
			func(s *nova.Service) bool { return s.DisabledReason == "test2" }},
		{"disable 2.52", "2.52", "disable", "os-services/v2.11/service-disable-put-req.json", "os-services/v2.11/service-disable-put-resp.json",
			func(c *nova.Client) (*nova.Service, error) { return c.DisableService(ctx, "host1", "") },
			func(s *nova.Service) bool { return s.Status == nova.ServiceDisabled }},
		{"enable 2.11", "2.11", "enable", "os-services/v2.11/service-enable-put-req.json", "os-services/v2.11/service-enable-put-resp.json",
			func(c *nova.Client) (*nova.Service, error) { return c.EnableService(ctx, "host1") },
			func(s *nova.Service) bool { return s.Status == nova.ServiceEnabled }},
		{"force down 2.11", "2.11", "force-down", "os-services/v2.11/service-force-down-put-req.json", "os-services/v2.11/service-force-down-put-resp.json",
			func(c *nova.Client) (*nova.Service, error) { return c.ForceDownService(ctx, "host1") },
			func(s *nova.Service) bool { return s.ForcedDown != nil && *s.ForcedDown && s.Status == "" }},
		{"disable 2.53", "2.53", sampleServiceUUID, "os-services/v2.53/service-disable-put-req.json", "os-services/v2.53/service-disable-put-resp.json",
			func(c *nova.Client) (*nova.Service, error) { return c.DisableService(ctx, "host1", "") },
			func(s *nova.Service) bool {
				return s.ID == sampleServiceUUID && s.Status == nova.ServiceDisabled && s.State == nova.ServiceUp && s.Zone == "nova" &&
					s.ForcedDown != nil && !*s.ForcedDown && !s.UpdatedAt.IsZero()
			}},
		{"disable with reason 2.53", "2.53", sampleServiceUUID, "os-services/v2.53/service-disable-log-put-req.json", "os-services/v2.53/service-disable-log-put-resp.json",
			func(c *nova.Client) (*nova.Service, error) { return c.DisableService(ctx, "host1", "maintenance") },
			func(s *nova.Service) bool {
				return s.DisabledReason == "maintenance" && s.Status == nova.ServiceDisabled
			}},
		{"enable 2.80", "2.80", sampleServiceUUID, "os-services/v2.53/service-enable-put-req.json", "os-services/v2.53/service-enable-put-resp.json",
			func(c *nova.Client) (*nova.Service, error) { return c.EnableService(ctx, "host1") },
			func(s *nova.Service) bool { return s.Status == nova.ServiceEnabled && s.DisabledReason == "" }},
		{"force down 2.104", "2.104", sampleServiceUUID, "os-services/v2.53/service-force-down-put-req.json", "os-services/v2.53/service-force-down-put-resp.json",
			func(c *nova.Client) (*nova.Service, error) { return c.ForceDownService(ctx, "host1") },
			func(s *nova.Service) bool { return s.State == nova.ServiceDown && s.ForcedDown != nil && *s.ForcedDown }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fk := newFake(t)
			if tc.path == sampleServiceUUID {
				fk.reply("GET", "/v2.1/os-services", 200, []byte(listOneService))
			}
			fk.on("PUT", "/v2.1/os-services/"+tc.path, serviceAnswer(t, tc.resp))
			s, err := tc.call(fk.client(tc.mv))
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(s) {
				t.Errorf("decoded %+v", s)
			}
			calls := fk.recorded()
			put := calls[len(calls)-1]
			if tc.path == sampleServiceUUID {
				if len(calls) != 2 {
					t.Fatalf("%d requests, want the listing and the update: %s", len(calls), describe(calls))
				}
				calls[0].check(t, "GET", "/v2.1/os-services", "binary=nova-compute&host=host1", tc.mv)
			} else if len(calls) != 1 {
				t.Fatalf("%d requests, want 1: %s", len(calls), describe(calls))
			}
			put.check(t, "PUT", "/v2.1/os-services/"+tc.path, "", tc.mv)
			jsonEqual(t, put.Body, sample(t, tc.req))
		})
	}
}

// ClearForceDown sends forced_down false, at both forms.
func TestClearForceDown(t *testing.T) {
	fk := newFake(t)
	fk.reply("PUT", "/v2.1/os-services/force-down", 200, []byte(`{"service": {"host": "host1", "binary": "nova-compute", "forced_down": false}}`))
	s, err := fk.client("2.11").ClearForceDown(context.Background(), "host1")
	if err != nil || s.ForcedDown == nil || *s.ForcedDown {
		t.Fatalf("%+v %v", s, err)
	}
	jsonEqual(t, fk.only().Body, []byte(`{"host": "host1", "binary": "nova-compute", "forced_down": false}`))

	fk = newFake(t)
	fk.reply("GET", "/v2.1/os-services", 200, []byte(listOneService))
	fk.reply("PUT", "/v2.1/os-services/"+sampleServiceUUID, 200, []byte(`{"service": {"id": "`+sampleServiceUUID+`",
		"binary": "nova-compute", "disabled_reason": null, "host": "host1", "state": "up", "status": "enabled",
		"updated_at": "2012-10-29T13:42:05.000000", "forced_down": false, "zone": "nova"}}`))
	if s, err = fk.client("2.53").ClearForceDown(context.Background(), "host1"); err != nil || s.State != nova.ServiceUp {
		t.Fatalf("%+v %v", s, err)
	}
	calls := fk.recorded()
	jsonEqual(t, calls[len(calls)-1].Body, []byte(`{"forced_down": false}`))
}

// UpdateService sends one request with what was asked, and only that.
func TestUpdateServiceBodies(t *testing.T) {
	yes, no := true, false
	cases := []struct {
		opts nova.UpdateServiceOptions
		want string
	}{
		{nova.UpdateServiceOptions{Status: nova.ServiceDisabled, DisabledReason: "maintenance"}, `{"status": "disabled", "disabled_reason": "maintenance"}`},
		{nova.UpdateServiceOptions{Status: nova.ServiceEnabled}, `{"status": "enabled"}`},
		{nova.UpdateServiceOptions{ForcedDown: &yes}, `{"forced_down": true}`},
		{nova.UpdateServiceOptions{ForcedDown: &no}, `{"forced_down": false}`},
		{nova.UpdateServiceOptions{Status: nova.ServiceDisabled, DisabledReason: "dead", ForcedDown: &yes}, `{"status": "disabled", "disabled_reason": "dead", "forced_down": true}`},
	}
	for _, tc := range cases {
		fk := newFake(t)
		fk.on("PUT", "/v2.1/os-services/"+sampleServiceUUID, serviceAnswer(t, "os-services/v2.53/service-force-down-put-resp.json"))
		s, err := fk.client("2.53").UpdateService(context.Background(), sampleServiceUUID, &tc.opts)
		if err != nil || s.ID != sampleServiceUUID {
			t.Fatalf("%+v: %+v %v", tc.opts, s, err)
		}
		c := fk.only()
		c.check(t, "PUT", "/v2.1/os-services/"+sampleServiceUUID, "", "2.53")
		jsonEqual(t, c.Body, []byte(tc.want))
	}
}

// Bad input is refused before anything is sent, discovery included.
func TestServiceValidation(t *testing.T) {
	ctx := context.Background()
	long := strings.Repeat("é", 256)
	yes := true
	cases := []struct {
		name, field string
		call        func(*nova.Client) error
	}{
		{"empty host", "host", func(c *nova.Client) error { return errOf(c.DisableService(ctx, "", "x")) }},
		{"host with a space", "host", func(c *nova.Client) error { return errOf(c.EnableService(ctx, "host 1")) }},
		{"host with a slash", "host", func(c *nova.Client) error { return errOf(c.ForceDownService(ctx, "a/b")) }},
		{"long host", "host", func(c *nova.Client) error { return errOf(c.ClearForceDown(ctx, strings.Repeat("h", 256))) }},
		{"long reason", "reason", func(c *nova.Client) error { return errOf(c.DisableService(ctx, "host1", long)) }},
		{"reason not UTF-8", "reason", func(c *nova.Client) error { return errOf(c.DisableService(ctx, "host1", "\xff")) }},
		{"nil options", "opts", func(c *nova.Client) error { return errOf(c.UpdateService(ctx, sampleServiceUUID, nil)) }},
		{"nothing to change", "UpdateServiceOptions", func(c *nova.Client) error {
			return errOf(c.UpdateService(ctx, sampleServiceUUID, &nova.UpdateServiceOptions{}))
		}},
		{"reason only", "UpdateServiceOptions", func(c *nova.Client) error {
			return errOf(c.UpdateService(ctx, sampleServiceUUID, &nova.UpdateServiceOptions{DisabledReason: "x"}))
		}},
		{"reason when enabling", "UpdateServiceOptions.DisabledReason", func(c *nova.Client) error {
			return errOf(c.UpdateService(ctx, sampleServiceUUID, &nova.UpdateServiceOptions{Status: nova.ServiceEnabled, DisabledReason: "x"}))
		}},
		{"reason with forced_down alone", "UpdateServiceOptions.DisabledReason", func(c *nova.Client) error {
			return errOf(c.UpdateService(ctx, sampleServiceUUID, &nova.UpdateServiceOptions{ForcedDown: &yes, DisabledReason: "x"}))
		}},
		{"unknown status", "UpdateServiceOptions.Status", func(c *nova.Client) error {
			return errOf(c.UpdateService(ctx, sampleServiceUUID, &nova.UpdateServiceOptions{Status: "UNKNOWN"}))
		}},
		{"long reason in options", "UpdateServiceOptions.DisabledReason", func(c *nova.Client) error {
			return errOf(c.UpdateService(ctx, sampleServiceUUID, &nova.UpdateServiceOptions{Status: nova.ServiceDisabled, DisabledReason: long}))
		}},
		{"integer ID", "service_id", func(c *nova.Client) error {
			return errOf(c.UpdateService(ctx, "7", &nova.UpdateServiceOptions{Status: nova.ServiceEnabled}))
		}},
	}
	for _, tc := range cases {
		fk := newFake(t)
		asValidation(t, tc.call(fk.client("")), tc.field)
		fk.none()
		if n := fk.discoveryCount(); n != 0 {
			t.Errorf("%s: %d discoveries", tc.name, n)
		}
	}
	// 255 characters are fine.
	fk := newFake(t)
	fk.reply("PUT", "/v2.1/os-services/disable-log-reason", 200, []byte(`{"service": {"host": "h", "binary": "nova-compute", "status": "disabled"}}`))
	if _, err := fk.client("2.1").DisableService(ctx, "h", strings.Repeat("é", 255)); err != nil {
		t.Fatal(err)
	}
}

// Each call needs the microversion of its form, and sends nothing below.
func TestServiceMicroversions(t *testing.T) {
	ctx := context.Background()
	for name, call := range map[string]func(*nova.Client) error{
		"ForceDownService": func(c *nova.Client) error { return errOf(c.ForceDownService(ctx, "host1")) },
		"ClearForceDown":   func(c *nova.Client) error { return errOf(c.ClearForceDown(ctx, "host1")) },
		"UpdateService": func(c *nova.Client) error {
			return errOf(c.UpdateService(ctx, sampleServiceUUID, &nova.UpdateServiceOptions{Status: nova.ServiceEnabled}))
		},
	} {
		fk := newFake(t)
		ve := asVersion(t, call(fk.client("2.10")))
		want := "2.11"
		if name == "UpdateService" {
			want = "2.53"
		}
		if ve.Feature != name || ve.Min != want {
			t.Errorf("%s: %+v", name, ve)
		}
		fk.none()
	}
}

// A host without a compute service is ErrServiceNotFound at both forms:
// before 2.53 from nova's 404 (which the error also wraps), from 2.53
// from the listing, with no update sent.
func TestServiceNotFound(t *testing.T) {
	ctx := context.Background()
	fk := newFake(t)
	fk.reply("PUT", "/v2.1/os-services/disable-log-reason", 404, []byte(`{"itemNotFound": {"code": 404, "message": "Host 'nohost' is not mapped to any cell"}}`))
	_, err := fk.client("2.52").DisableService(ctx, "nohost", "maintenance")
	if !errors.Is(err, nova.ErrServiceNotFound) || !cloudmigrate.IsNotFound(err) || !strings.Contains(err.Error(), "not mapped to any cell") {
		t.Errorf("before 2.53: %v", err)
	}

	for _, mv := range []string{"2.53", "2.104"} {
		fk = newFake(t)
		fk.reply("GET", "/v2.1/os-services", 200, []byte(`{"services": []}`))
		_, err = fk.client(mv).EnableService(ctx, "nohost")
		if !errors.Is(err, nova.ErrServiceNotFound) || cloudmigrate.IsNotFound(err) {
			t.Errorf("%s: %v", mv, err)
		}
		if calls := fk.recorded(); len(calls) != 1 || calls[0].Method != "GET" {
			t.Errorf("%s: sent %s", mv, describe(calls))
		}
	}

	// A listing of another host's service (a proxy that ignores the
	// filter) finds nothing either.
	fk = newFake(t)
	fk.reply("GET", "/v2.1/os-services", 200, []byte(strings.Replace(listOneService, `"host1"`, `"host9"`, 1)))
	if _, err = fk.client("2.80").ForceDownService(ctx, "host1"); !errors.Is(err, nova.ErrServiceNotFound) {
		t.Errorf("other host: %v", err)
	}
}

// From 2.53 the call refuses to guess: two compute services on the host,
// or one without an ID (its cell is down), send no update.
func TestServiceLookupAmbiguous(t *testing.T) {
	ctx := context.Background()
	two := `{"services": [` + strings.Trim(listOneService[len(`{"services": [`):], "]}") + `, ` +
		strings.Replace(strings.Trim(listOneService[len(`{"services": [`):], "]}"), sampleServiceUUID, "13aa304e-5340-45a7-a7fb-b6d6e914d272", 1) + `]}`
	for name, body := range map[string]string{
		"two":     two,
		"no ID":   `{"services": [{"binary": "nova-compute", "host": "host1", "status": "UNKNOWN"}]}`,
		"bad ID":  strings.Replace(listOneService, sampleServiceUUID, "a/b", 1),
		"null ID": strings.Replace(listOneService, `"`+sampleServiceUUID+`"`, "null", 1),
	} {
		fk := newFake(t)
		fk.reply("GET", "/v2.1/os-services", 200, []byte(body))
		_, err := fk.client("2.80").DisableService(ctx, "host1", "maintenance")
		if err == nil || errors.Is(err, nova.ErrServiceNotFound) {
			t.Errorf("%s: %v", name, err)
		}
		if calls := fk.recorded(); len(calls) != 1 {
			t.Errorf("%s: sent %s", name, describe(calls))
		}
	}
}

// Updates are sent once, whatever the answer; the listing before a 2.53
// update is a read, retried.
func TestServiceUpdatesSentOnce(t *testing.T) {
	ctx := context.Background()
	for _, mv := range []string{"2.11", "2.53"} {
		for _, status := range []int{500, 502, 503, 504} {
			fk := newFake(t)
			reads := 0
			fk.on("GET", "/v2.1/os-services", func(w http.ResponseWriter, _ *http.Request, _ []byte) {
				if reads++; reads == 1 {
					writeJSON(w, 503, []byte(`{"serviceUnavailable": {"code": 503, "message": "busy"}}`))
					return
				}
				writeJSON(w, 200, []byte(listOneService))
			})
			path := "/v2.1/os-services/force-down"
			if mv == "2.53" {
				path = "/v2.1/os-services/" + sampleServiceUUID
			}
			fk.reply("PUT", path, status, []byte(`{"computeFault": {"code": 500, "message": "boom"}}`))
			_, err := fk.client(mv, cloudmigrate.WithRetry(5)).ForceDownService(ctx, "host1")
			var apiErr *cloudmigrate.Error
			if !errors.As(err, &apiErr) || apiErr.StatusCode != status || apiErr.Attempts != 1 {
				t.Errorf("%s %d: %v", mv, status, err)
			}
			puts := 0
			for _, c := range fk.recorded() {
				if c.Method == "PUT" {
					puts++
				}
			}
			if puts != 1 {
				t.Errorf("%s %d: %d updates sent, want 1", mv, status, puts)
			}
			if mv == "2.53" && reads != 2 {
				t.Errorf("%s %d: listing read %d times, want 2 (one retry)", mv, status, reads)
			}
		}
	}
}

// FuzzServiceDecode decodes arbitrary bytes as a service and as the
// listing and update bodies: no panic, times that round-trip, an ID that
// is what nova sent (a string as is, an integer in decimal), and a stable
// re-encoding.
func FuzzServiceDecode(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join("testdata", "os-services", "*", "*-resp.json"))
	if err != nil {
		f.Fatal(err)
	}
	top, _ := filepath.Glob(filepath.Join("testdata", "os-services", "*-resp.json"))
	for _, p := range append(paths, top...) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`{"id": 9223372036854775807, "forced_down": null, "updated_at": null}`,
		`{"id": -1}`, `{"id": 1.5}`, `{"id": 1e3}`, `{"id": "  "}`, `{"id": null, "status": "UNKNOWN"}`,
		`{"services": [{}, {"id": 0}]}`, `{"service": {"id": "x", "forced_down": true}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		check := func(s *nova.Service) {
			t.Helper()
			checkNovaTime(t, "updated_at", s.UpdatedAt)
			out, err := json.Marshal(s)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			var back nova.Service
			if err := json.Unmarshal(out, &back); err != nil {
				t.Fatalf("re-decoding %s: %v", out, err)
			}
			if again, _ := json.Marshal(&back); !bytes.Equal(again, out) {
				t.Fatalf("service re-encodes differently:\n%s\n%s", out, again)
			}
			if back.ID != s.ID {
				t.Fatalf("ID %q became %q", s.ID, back.ID)
			}
		}
		var s nova.Service
		if err := json.Unmarshal(data, &s); err == nil {
			var raw struct{ ID json.RawMessage }
			if json.Unmarshal(data, &raw) == nil && len(raw.ID) > 0 && raw.ID[0] != '"' && string(raw.ID) != "null" {
				if s.ID != string(raw.ID) || !isDecimal(s.ID) {
					t.Fatalf("integer ID %s decoded as %q", raw.ID, s.ID)
				}
			}
			check(&s)
		}
		var list struct {
			Services []nova.Service `json:"services"`
		}
		if err := json.Unmarshal(data, &list); err == nil {
			for i := range list.Services {
				check(&list.Services[i])
			}
		}
	})
}

// isDecimal reports whether s is an optional minus and decimal digits.
func isDecimal(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// The host-based calls hold the host to nova's schema for it
// (^[a-zA-Z0-9-._]*$, 1 to 255 characters) before sending anything, at
// both forms, and send a host that fits it as given.
func TestServiceHostPattern(t *testing.T) {
	ctx := context.Background()
	ops := map[string]func(c *nova.Client, host string) error{
		"DisableService":   func(c *nova.Client, h string) error { return errOf(c.DisableService(ctx, h, "maintenance")) },
		"EnableService":    func(c *nova.Client, h string) error { return errOf(c.EnableService(ctx, h)) },
		"ForceDownService": func(c *nova.Client, h string) error { return errOf(c.ForceDownService(ctx, h)) },
		"ClearForceDown":   func(c *nova.Client, h string) error { return errOf(c.ClearForceDown(ctx, h)) },
	}
	bad := []string{"", "compute 1", " compute1", "compute1\n", "compute/1", "compute@1", "host:8774", "compute%31",
		"compute#1", "cömpute", "compute\x00", "\xff", strings.Repeat("h", 256)}
	good := []string{"compute-1", "compute-1.example.org", "host_1", "a", strings.Repeat("h", 255)}
	for name, op := range ops {
		for _, mv := range []string{"2.52", "2.53"} {
			fk := newFake(t)
			c := fk.client(mv)
			for _, h := range bad {
				var ve *cloudmigrate.ValidationError
				if err := op(c, h); !errors.As(err, &ve) || ve.Field != "host" {
					t.Errorf("%s at %s with host %.40q: %v, want a ValidationError for host", name, mv, h, err)
				}
			}
			fk.none()
			for _, h := range good {
				before := len(fk.recorded())
				var ve *cloudmigrate.ValidationError
				if err := op(c, h); errors.As(err, &ve) {
					t.Errorf("%s at %s with host %.40q refused: %v", name, mv, h, err)
				}
				calls := fk.recorded()[before:]
				if len(calls) == 0 {
					t.Fatalf("%s at %s with host %.40q sent nothing", name, mv, h)
				}
				// Before 2.53 the host is in the body; from 2.53 in the
				// listing's query.
				if c := calls[0]; !bytes.Contains(c.Body, []byte(`"host":"`+h+`"`)) && !strings.Contains(c.Query, "host="+h) {
					t.Errorf("%s at %s: host %.40q not sent as given: %s %s?%s %s", name, mv, h, c.Method, c.Path, c.Query, c.Body)
				}
			}
		}
	}
}

// The listing's filters go into the query escaped, so nova reads back the
// values given and no parameter of the caller's making.
func TestListServicesQueryEscaped(t *testing.T) {
	hostile := "a&b=c#d?e/f%g h+i;j\u00e9"
	fk := newFake(t)
	fk.reply("GET", "/v2.1/os-services", 200, []byte(`{"services": []}`))
	if _, err := fk.client("2.80").ListServices(context.Background(), &nova.ListServicesOptions{Host: hostile, Binary: hostile}); err != nil {
		t.Fatal(err)
	}
	q, err := url.ParseQuery(fk.only().Query)
	if err != nil || len(q) != 2 || q.Get("host") != hostile || q.Get("binary") != hostile {
		t.Errorf("query %v (%v)", q, err)
	}
}
