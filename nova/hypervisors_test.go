package nova_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/nova"
)

// cpuInfoSample is the cpu_info of nova's hypervisor samples, as the
// object nova sends from 2.28 (and as a string before).
const cpuInfoSample = `{"arch": "x86_64", "model": "Nehalem", "vendor": "Intel", "features": ["pge", "clflush"], "topology": {"cores": 1, "threads": 1, "sockets": 4}}`

// sampleFigures are the figures of every hypervisor sample before 2.88.
func sampleFigures() *nova.HypervisorResources {
	return &nova.HypervisorResources{
		VCPUs: 2, VCPUsUsed: 0, MemoryMB: 8192, MemoryMBUsed: 512, LocalGB: 1028, LocalGBUsed: 0,
		FreeRAMMB: num(7680), FreeDiskGB: num(1028), DiskAvailableLeast: num(0), CurrentWorkload: num(0), RunningVMs: num(0),
		CPUInfo: json.RawMessage(cpuInfoSample),
	}
}

// sameHypervisor compares two hypervisors field by field, cpu_info by
// value.
func sameHypervisor(t *testing.T, what string, got, want *nova.Hypervisor) {
	t.Helper()
	g, w := *got, *want
	if (g.Resources == nil) != (w.Resources == nil) {
		t.Fatalf("%s: Resources %+v, want %+v", what, g.Resources, w.Resources)
	}
	if g.Resources != nil {
		gr, wr := *g.Resources, *w.Resources
		var gc, wc any
		if json.Unmarshal(gr.CPUInfo, &gc) != nil || json.Unmarshal(wr.CPUInfo, &wc) != nil || !jsonSame(gc, wc) {
			t.Errorf("%s: cpu_info %s, want %s", what, gr.CPUInfo, wr.CPUInfo)
		}
		gr.CPUInfo, wr.CPUInfo = nil, nil
		g.Resources, w.Resources = &gr, &wr
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if !bytes.Equal(gb, wb) {
		t.Errorf("%s: hypervisor\n%s\nwant\n%s", what, gb, wb)
	}
}

func jsonSame(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// Nova's samples decode at each microversion: integer IDs before 2.53,
// UUIDs from 2.53, cpu_info unwrapped from its string before 2.28, the
// servers when asked for, and no figures from 2.88.
func TestHypervisorSamples(t *testing.T) {
	servers := []nova.HypervisorServer{
		{Name: "test_server1", UUID: "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"},
		{Name: "test_server2", UUID: "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb"},
	}
	base := func(id, host, svcID string) nova.Hypervisor {
		return nova.Hypervisor{
			ID: id, HypervisorHostname: "fake-mini", State: nova.ServiceUp, Status: nova.ServiceEnabled,
			HypervisorType: "fake", HypervisorVersion: 1000, HostIP: "1.1.1.1",
			Service: nova.HypervisorService{ID: svcID, Host: host}, Resources: sampleFigures(),
		}
	}
	v253 := base("b1e43b5f-eec1-44e0-9f10-7b4945c0226d", "host1", "5d343e1d-938e-4284-b98b-6a2b5406ba76")
	v253.Servers = servers
	v288 := nova.Hypervisor{
		ID: "a68a56ab-9c42-47c0-9309-879e4a6dbe86", HypervisorHostname: "fake-mini", State: nova.ServiceUp,
		Status: nova.ServiceEnabled, HypervisorType: "fake", HypervisorVersion: 1000, HostIP: "192.168.1.135",
		Service: nova.HypervisorService{ID: "8495059a-a079-4ab4-ad6f-cf45b81c877d", Host: "compute"}, Servers: servers,
	}
	show := []struct {
		mv, file string
		want     nova.Hypervisor
	}{
		{"2.1", "hypervisors-show-resp.json", base("1", "043b3cacf6f34c90a7245151fc8ebcda", "2")},
		{"2.28", "v2.28/hypervisors-show-resp.json", base("1", "043b3cacf6f34c90a7245151fc8ebcda", "2")},
		{"2.53", "v2.53/hypervisors-show-with-servers-resp.json", func() nova.Hypervisor {
			h := v253
			h.Service.Host = "043b3cacf6f34c90a7245151fc8ebcda"
			return h
		}()},
		{"2.88", "v2.88/hypervisors-show-with-servers-resp.json", v288},
	}
	for _, tc := range show {
		fk := newFake(t)
		path := "/v2.1/os-hypervisors/" + tc.want.ID
		fk.reply("GET", path, 200, sample(t, "os-hypervisors/"+tc.file))
		var opts *nova.GetHypervisorOptions
		query := ""
		if tc.want.Servers != nil {
			opts, query = &nova.GetHypervisorOptions{WithServers: true}, "with_servers=true"
		}
		h, err := fk.client(tc.mv).GetHypervisor(context.Background(), tc.want.ID, opts)
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		fk.only().check(t, "GET", path, query, tc.mv)
		sameHypervisor(t, tc.file, h, &tc.want)
	}

	detail := []struct {
		mv, file string
		want     nova.Hypervisor
	}{
		{"2.1", "hypervisors-detail-resp.json", base("1", "e6a37ee802d74863ab8b91ade8f12a67", "2")},
		{"2.53", "v2.53/hypervisors-detail-with-servers-resp.json", v253},
		{"2.88", "v2.88/hypervisors-detail-with-servers-resp.json", func() nova.Hypervisor {
			h := v288
			h.ID, h.Service = "28b0e607-d58a-4602-a511-efe18024f4d5", nova.HypervisorService{ID: "40e769a5-7489-4cf3-be46-f6bd3e4e3c25", Host: "compute"}
			return h
		}()},
	}
	for _, tc := range detail {
		fk := newFake(t)
		fk.reply("GET", "/v2.1/os-hypervisors/detail", 200, sample(t, "os-hypervisors/"+tc.file))
		var got []nova.Hypervisor
		for h, err := range fk.client(tc.mv).ListHypervisors(context.Background(), &nova.ListHypervisorsOptions{WithServers: tc.want.Servers != nil}) {
			if err != nil {
				t.Fatalf("%s: %v", tc.file, err)
			}
			got = append(got, h)
		}
		if len(got) != 1 {
			t.Fatalf("%s: %d hypervisors", tc.file, len(got))
		}
		sameHypervisor(t, tc.file, &got[0], &tc.want)
	}
}

// The listing follows hypervisors_links, page by page as the loop asks,
// by the link's marker.
func TestListHypervisorsPages(t *testing.T) {
	for _, mv := range []string{"2.33", "2.88"} {
		fk := newFake(t)
		pages := map[string]string{
			"":  "os-hypervisors/v2.33/hypervisors-detail-resp.json",
			"2": "",
		}
		if mv == "2.88" {
			pages = map[string]string{"": "os-hypervisors/v2.88/hypervisors-detail-resp.json", "f6d28711-9c10-470e-8b31-c03f498b0032": ""}
		}
		fk.on("GET", "/v2.1/os-hypervisors/detail", func(w http.ResponseWriter, r *http.Request, _ []byte) {
			file, ok := pages[r.URL.Query().Get("marker")]
			switch {
			case !ok:
				writeJSON(w, 400, []byte(`{"badRequest": {"code": 400, "message": "marker not found"}}`))
			case file == "":
				writeJSON(w, 200, []byte(`{"hypervisors": []}`))
			default:
				// The samples' links name openstack.example.com; ask the
				// same page of this endpoint.
				writeJSON(w, 200, bytes.ReplaceAll(sample(t, file), []byte("http://openstack.example.com/v2.1/6f70656e737461636b20342065766572"), []byte(fk.endpoint())))
			}
		})
		n := 0
		for h, err := range fk.client(mv).ListHypervisors(context.Background(), &nova.ListHypervisorsOptions{Limit: 1}) {
			if err != nil {
				t.Fatalf("%s: %v", mv, err)
			}
			n++
			if (mv == "2.88") != (h.Resources == nil) || h.HypervisorHostname == "" {
				t.Errorf("%s: %+v", mv, h)
			}
			if len(fk.recorded()) != 1 {
				t.Errorf("%s: the second page was asked before the loop needed it", mv)
			}
		}
		calls := fk.recorded()
		if n != 1 || len(calls) != 2 {
			t.Fatalf("%s: %d hypervisors, requests %s", mv, n, describe(calls))
		}
		calls[0].check(t, "GET", "/v2.1/os-hypervisors/detail", "limit=1", mv)
		marker := "2"
		if mv == "2.88" {
			marker = "f6d28711-9c10-470e-8b31-c03f498b0032"
		}
		calls[1].check(t, "GET", "/v2.1/os-hypervisors/detail", "limit=1&marker="+marker, mv)
	}
}

// A search by hostname sends the pattern and no paging; nothing found
// (nova's 404) is an empty listing. Without a pattern a 404 is an error.
func TestListHypervisorsPattern(t *testing.T) {
	fk := newFake(t)
	fk.on("GET", "/v2.1/os-hypervisors/detail", func(w http.ResponseWriter, r *http.Request, _ []byte) {
		if r.URL.Query().Get("hypervisor_hostname_pattern") == "fake" {
			writeJSON(w, 200, sample(t, "os-hypervisors/v2.53/hypervisors-detail-with-servers-resp.json"))
			return
		}
		writeJSON(w, 404, []byte(`{"itemNotFound": {"code": 404, "message": "No hypervisor matching 'nothing' could be found."}}`))
	})
	c := fk.client("2.53")
	var names []string
	for h, err := range c.ListHypervisors(context.Background(), &nova.ListHypervisorsOptions{HostnamePattern: "fake", WithServers: true}) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.HypervisorHostname)
	}
	if len(names) != 1 || names[0] != "fake-mini" {
		t.Errorf("names %v", names)
	}
	fk.recorded()[0].check(t, "GET", "/v2.1/os-hypervisors/detail", "hypervisor_hostname_pattern=fake&with_servers=true", "2.53")
	for h, err := range c.ListHypervisors(context.Background(), &nova.ListHypervisorsOptions{HostnamePattern: "nothing"}) {
		t.Errorf("no match yielded %+v, %v", h, err)
	}
	fk2 := newFake(t)
	fk2.reply("GET", "/v2.1/os-hypervisors/detail", 404, []byte(`{"itemNotFound": {"code": 404, "message": "The resource could not be found."}}`))
	errs := 0
	for _, err := range fk2.client("2.53").ListHypervisors(context.Background(), nil) {
		if err != nil {
			errs++
		}
	}
	if errs != 1 {
		t.Errorf("a 404 without a pattern gave %d errors, want 1", errs)
	}
}

// Options outside their microversion, and bad options, send nothing.
func TestListHypervisorsOptions(t *testing.T) {
	ctx := context.Background()
	first := func(c *nova.Client, o *nova.ListHypervisorsOptions) error {
		for _, err := range c.ListHypervisors(ctx, o) {
			return err
		}
		return nil
	}
	for _, tc := range []struct {
		mv   string
		opts nova.ListHypervisorsOptions
		min  string
	}{
		{"2.32", nova.ListHypervisorsOptions{Limit: 5}, "2.33"},
		{"2.32", nova.ListHypervisorsOptions{Marker: "1"}, "2.33"},
		{"2.52", nova.ListHypervisorsOptions{HostnamePattern: "compute"}, "2.53"},
		{"2.52", nova.ListHypervisorsOptions{WithServers: true}, "2.53"},
	} {
		fk := newFake(t)
		ve := asVersion(t, first(fk.client(tc.mv), &tc.opts))
		if ve.Min != tc.min {
			t.Errorf("%+v: %+v", tc.opts, ve)
		}
		fk.none()
	}
	for _, tc := range []struct {
		opts  nova.ListHypervisorsOptions
		field string
	}{
		{nova.ListHypervisorsOptions{Limit: -1}, "ListHypervisorsOptions.Limit"},
		{nova.ListHypervisorsOptions{HostnamePattern: "compute%"}, "ListHypervisorsOptions.HostnamePattern"},
		{nova.ListHypervisorsOptions{HostnamePattern: "a b"}, "ListHypervisorsOptions.HostnamePattern"},
		{nova.ListHypervisorsOptions{HostnamePattern: "compute", Limit: 1}, "ListHypervisorsOptions.HostnamePattern"},
		{nova.ListHypervisorsOptions{HostnamePattern: "compute", Marker: "x"}, "ListHypervisorsOptions.HostnamePattern"},
	} {
		fk := newFake(t)
		asValidation(t, first(fk.client(""), &tc.opts), tc.field)
		fk.none()
		if fk.discoveryCount() != 0 {
			t.Errorf("%+v: discovery sent", tc.opts)
		}
	}
}

// GetHypervisor takes the kind of ID its microversion names hypervisors
// by, and WithServers from 2.53.
func TestGetHypervisorIDs(t *testing.T) {
	ctx := context.Background()
	fk := newFake(t)
	asValidation(t, errOf(fk.client("2.53").GetHypervisor(ctx, "1", nil)), "hypervisor_id")
	asValidation(t, errOf(fk.client("2.52").GetHypervisor(ctx, "b1e43b5f-eec1-44e0-9f10-7b4945c0226d", nil)), "hypervisor_id")
	asVersion(t, errOf(fk.client("2.52").GetHypervisor(ctx, "1", &nova.GetHypervisorOptions{WithServers: true})))
	fk.none()

	fk.reply("GET", "/v2.1/os-hypervisors/9", 404, []byte(`{"itemNotFound": {"code": 404, "message": "Hypervisor with ID '9' could not be found."}}`))
	_, err := fk.client("2.1").GetHypervisor(ctx, "9", nil)
	if !cloudmigrate.IsNotFound(err) || !strings.Contains(err.Error(), "could not be found") {
		t.Errorf("unknown hypervisor: %v", err)
	}
}

// A hypervisor encodes back to nova's shape, the figures at the top level,
// and decodes to itself.
func TestHypervisorJSONRoundTrip(t *testing.T) {
	for _, file := range []string{"hypervisors-show-resp.json", "v2.28/hypervisors-show-resp.json", "v2.88/hypervisors-show-resp.json"} {
		var body struct{ Hypervisor nova.Hypervisor }
		if err := json.Unmarshal(sample(t, "os-hypervisors/"+file), &body); err != nil {
			t.Fatal(err)
		}
		out, err := json.Marshal(body.Hypervisor)
		if err != nil {
			t.Fatal(err)
		}
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(out, &keys); err != nil {
			t.Fatal(err)
		}
		_, hasVCPUs := keys["vcpus"]
		_, nested := keys["resources"]
		if hasVCPUs == strings.HasPrefix(file, "v2.88") || nested {
			t.Errorf("%s encodes as %s", file, out)
		}
		var back nova.Hypervisor
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatal(err)
		}
		sameHypervisor(t, file, &back, &body.Hypervisor)
	}
}

// cpu_info in every shape: an object, a string holding one, a string
// holding none, null.
func TestHypervisorCPUInfoShapes(t *testing.T) {
	for in, want := range map[string]string{
		`{"vcpus": 1, "cpu_info": {"arch": "x86_64"}}`:           `{"arch": "x86_64"}`,
		`{"vcpus": 1, "cpu_info": "{\"arch\": \"x86_64\"}"}`:     `{"arch": "x86_64"}`,
		`{"vcpus": 1, "cpu_info": "not json"}`:                   `"not json"`,
		`{"vcpus": 1, "cpu_info": null}`:                         ``,
		`{"vcpus": 1, "hypervisor_version": "7"}`:                ``,
		`{"vcpus": 1, "hypervisor_version": "qemu-8.2"}`:         ``,
		`{"vcpus": 1, "cpu_info": " {\"a\": [1]} ", "id": 3}`:    `{"a": [1]}`,
		`{"vcpus": 1, "cpu_info": "{broken", "id": "x"}`:         `"{broken"`,
		`{"vcpus": 1, "cpu_info": {"topology": {"cores": 2}}}`:   `{"topology": {"cores": 2}}`,
		`{"vcpus": 1, "cpu_info": {}, "hypervisor_version": 12}`: `{}`,
	} {
		var h nova.Hypervisor
		if err := json.Unmarshal([]byte(in), &h); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if h.Resources == nil || string(h.Resources.CPUInfo) != want {
			t.Errorf("%s: cpu_info %q, want %q", in, h.Resources.CPUInfo, want)
		}
		switch {
		case strings.Contains(in, `"hypervisor_version": "7"`) && h.HypervisorVersion != 7,
			strings.Contains(in, "qemu-8.2") && h.HypervisorVersion != 0,
			strings.Contains(in, `"hypervisor_version": 12`) && h.HypervisorVersion != 12:
			t.Errorf("%s: version %d", in, h.HypervisorVersion)
		}
	}
}

// FuzzHypervisorDecode decodes arbitrary bytes as a hypervisor and as the
// listing and show bodies: no panic, Resources present exactly when a
// figure is, and a re-encoding that decodes to the same hypervisor and is
// stable.
func FuzzHypervisorDecode(f *testing.F) {
	var files []string
	for _, pat := range []string{"*.json", "*/*.json"} {
		m, err := filepath.Glob(filepath.Join("testdata", "os-hypervisors", pat))
		if err != nil {
			f.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		f.Fatal("no hypervisor samples")
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`{"id": 1, "hypervisor_version": "1000", "cpu_info": "{\"a\": 1}", "free_ram_mb": null}`,
		`{"id": "u", "uptime": null, "servers": []}`, `{"cpu_info": "{\"x\": 1"}`, `{"resources": {"vcpus": 1}}`,
		`{"hypervisors": [{}, {"disk_available_least": -5}], "hypervisors_links": []}`, `{"hypervisor": null}`,
		`{"service": {"id": 7, "disabled_reason": null}}`, `{"hypervisor_version": 1e400}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		check := func(h *nova.Hypervisor) {
			t.Helper()
			out, err := json.Marshal(h)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			var back nova.Hypervisor
			if err := json.Unmarshal(out, &back); err != nil {
				t.Fatalf("re-decoding %s: %v", out, err)
			}
			again, err := json.Marshal(&back)
			if err != nil || !bytes.Equal(again, out) {
				t.Fatalf("hypervisor re-encodes differently:\n%s\n%s (%v)", out, again, err)
			}
			if (back.Resources == nil) != (h.Resources == nil) || back.ID != h.ID || back.Service.ID != h.Service.ID {
				t.Fatalf("round trip changed the hypervisor: %+v, %+v", h, back)
			}
			if r := back.Resources; r != nil && len(r.CPUInfo) > 0 && !json.Valid(r.CPUInfo) {
				t.Fatalf("cpu_info %q is not JSON", r.CPUInfo)
			}
		}
		var h nova.Hypervisor
		if err := json.Unmarshal(data, &h); err == nil {
			check(&h)
		}
		var list struct {
			Hypervisors []nova.Hypervisor `json:"hypervisors"`
			Links       []nova.Link       `json:"hypervisors_links"`
		}
		if err := json.Unmarshal(data, &list); err == nil {
			for i := range list.Hypervisors {
				check(&list.Hypervisors[i])
			}
		}
		var show struct {
			Hypervisor *nova.Hypervisor `json:"hypervisor"`
		}
		if err := json.Unmarshal(data, &show); err == nil && show.Hypervisor != nil {
			check(show.Hypervisor)
		}
	})
}
