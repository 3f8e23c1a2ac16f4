package deh

import (
	"encoding/json"
	"testing"
)

// FuzzHostDecode decodes arbitrary bytes as the answers of ListHosts,
// GetHost and ListHostServers. It must not panic; Fits must agree with the
// free capacity and the state; and what the package encodes, it decodes
// to the same value.
func FuzzHostDecode(f *testing.F) {
	for _, name := range []string{"hosts_official_example.json", "host_official_example.json", "host_servers_official_example.json"} {
		f.Add(testdata(f, name))
	}
	for _, s := range []string{
		`{"dedicated_host": {"tags": [{"key": "a", "value": "b"}, {"key": "a"}], "sys_tags": {"x": "y"}}}`,
		`{"dedicated_hosts": [{"available_vcpus": -1, "state": "available"}], "total": -3}`,
		`{"servers": [{"addresses": {"n": [{"version": 6}]}, "created": ""}]}`, `{"dedicated_host": null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var page hostsPage
		if json.Unmarshal(data, &page) == nil {
			for i := range page.Hosts {
				checkHost(t, &page.Hosts[i])
			}
		}
		var one hostAnswer
		if json.Unmarshal(data, &one) == nil && one.Host != nil {
			checkHost(t, one.Host)
		}
		var servers hostServersPage
		if json.Unmarshal(data, &servers) == nil {
			roundTrip(t, &servers)
		}
	})
}

func checkHost(t *testing.T, h *Host) {
	t.Helper()
	fits := h.Fits(h.AvailableVCPUs, h.AvailableMemory)
	if fits != (h.State == StateAvailable) {
		t.Fatalf("Fits(its own free capacity) = %v with state %q", fits, h.State)
	}
	if h.State == StateAvailable && h.Fits(h.AvailableVCPUs+1, 0) {
		t.Fatal("Fits with one vCPU more than free")
	}
	for k := range h.Tags {
		if k == "" {
			t.Fatalf("empty tag key in %v", h.Tags)
		}
	}
	roundTrip(t, h)
}

// roundTrip checks that v encodes to JSON that decodes to a value that
// encodes the same.
func roundTrip[T any](t *testing.T, v *T) {
	t.Helper()
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	var back T
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatalf("re-decoding %s: %v", out, err)
	}
	if again, _ := json.Marshal(&back); string(again) != string(out) {
		t.Fatalf("re-encodes differently:\n%s\n%s", out, again)
	}
}
