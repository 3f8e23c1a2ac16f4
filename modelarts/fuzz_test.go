package modelarts_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/modelarts"
)

func fuzzTestdata(f *testing.F, name string) []byte {
	f.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		f.Fatal(err)
	}
	return b
}

var fuzzJobWords = map[modelarts.JobPhase]jobs.State{
	modelarts.JobRunning: jobs.Running,
	modelarts.JobSuccess: jobs.Succeeded,
	modelarts.JobFailed:  jobs.Failed,
}

// checkMillis checks a decoded Millis against the number text it came
// from: an integer exactly, a fraction truncated toward zero.
func checkMillis(t *testing.T, data []byte, m modelarts.Millis) {
	t.Helper()
	tm := m.Time()
	if m == 0 {
		if !tm.IsZero() {
			t.Fatalf("zero Millis gives %v", tm)
		}
	} else if tm.UnixMilli() != int64(m) {
		t.Fatalf("Millis %d gives %v, %d ms", m, tm, tm.UnixMilli())
	}
	text := string(bytes.TrimSpace(data))
	if s, err := strconv.Unquote(text); err == nil && strings.HasPrefix(text, `"`) {
		text = s
	}
	if text == "" || text == "null" {
		if m != 0 {
			t.Fatalf("%q decoded to %d", data, m)
		}
		return
	}
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		if int64(m) != n {
			t.Fatalf("%q decoded to %d", data, m)
		}
		return
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return // a JSON escape the quick unquote above does not read
	}
	want := math.Trunc(f)
	if got := float64(m); math.Abs(got-want) > math.Abs(want)*1e-15+1 {
		t.Fatalf("%q decoded to %d, want about %g", data, m, want)
	}
}

// jobPage is the list body of GET /v2/{project_id}/jobs.
type jobPage struct {
	Count int              `json:"count"`
	Items []*modelarts.Job `json:"items"`
}

// FuzzJobDecode decodes arbitrary bytes as a job, a job list and a
// timestamp: no panic, a known State matching the phase, Raw holding the
// object, and timestamps that agree with their number text.
func FuzzJobDecode(f *testing.F) {
	f.Add(fuzzTestdata(f, "batch_migrate_response.json"))
	f.Add([]byte(listJobJSON))
	f.Add([]byte(`{"count":2,"items":[{"jobId":"a","phase":"Success"},null,` + listJobJSON + `]}`))
	for _, s := range []string{
		`{"job_id":"other-id","phase":"Failed","message":"boom","startTimestamp":"1718000000123"}`,
		`{"jobId":"j","phase":"Paused","startTimestamp":1.7e12,"endTimestamp":null,"conditions":null}`,
		`1718000000123`, `"1718000000123"`, `1.5e3`, `-2.5`, `""`, `null`, `9.223372036854775807e18`, `-9.3e18`, `"NaN"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var m modelarts.Millis
		if err := m.UnmarshalJSON(data); err == nil {
			checkMillis(t, data, m)
		}

		var page jobPage
		if err := json.Unmarshal(data, &page); err == nil {
			for _, j := range page.Items {
				if j != nil && !json.Valid(j.Raw) {
					t.Fatalf("Raw %q is not JSON", j.Raw)
				}
			}
		}

		var j modelarts.Job
		if err := json.Unmarshal(data, &j); err != nil {
			return
		}
		st := j.Status()
		want, ok := fuzzJobWords[j.Phase]
		if !ok {
			want = jobs.Running
		}
		if st.State != want || st.Word != string(j.Phase) || st.Message != j.Message {
			t.Fatalf("phase %q message %q gives %+v", j.Phase, j.Message, st)
		}
		if st.Progress != jobs.ProgressUnknown {
			t.Fatalf("Progress = %d; ModelArts reports none", st.Progress)
		}
		if j.Raw != nil && !json.Valid(j.Raw) {
			t.Fatalf("Raw %q is not JSON", j.Raw)
		}
		for _, raw := range []json.RawMessage{j.InvolvedObjects, j.Inputs, j.Conditions} {
			if raw != nil && (!json.Valid(raw) || string(raw) == "null") {
				t.Fatalf("kept field %q", raw)
			}
		}
		_ = j.StartTimestamp.Time()
		_ = j.EndTimestamp.Time()

		// What the package encodes, it decodes the same.
		out, err := json.Marshal(&j)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		var back modelarts.Job
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("re-decoding %s: %v", out, err)
		}
		if again, _ := json.Marshal(&back); !bytes.Equal(again, out) {
			t.Fatalf("job re-encodes differently:\n%s\n%s", out, again)
		}
	})
}

// FuzzNodeDecode decodes arbitrary bytes as a node, a node list and a
// quantity: no panic, numbers kept as their text, and a decoded node
// re-encodes stably.
func FuzzNodeDecode(f *testing.F) {
	f.Add([]byte(nodeJSON("os-node-created-zrxm7", "Available")))
	f.Add([]byte(`{"apiVersion":"v2","kind":"NodeList","metadata":{"continue":"tok-2","remainingItemCount":3},"items":[` +
		nodeJSON("n1", "Checking") + `,null]}`))
	for _, s := range []string{`"32Gi"`, `8`, `1.5e3`, `-0`, `null`, `true`, `{"status":{"resources":{"cpu":[1]}}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var q modelarts.Quantity
		if err := q.UnmarshalJSON(data); err == nil {
			text := bytes.TrimSpace(data)
			if len(text) > 0 && (text[0] == '-' || '0' <= text[0] && text[0] <= '9') && string(q) != string(text) {
				t.Fatalf("number %s decoded to %q", text, q)
			}
		}

		var list struct {
			Items []*modelarts.Node `json:"items"`
		}
		_ = json.Unmarshal(data, &list)

		var n modelarts.Node
		if err := json.Unmarshal(data, &n); err != nil {
			return
		}
		if n.Name() != n.Metadata.Name {
			t.Fatalf("Name() = %q, metadata.name %q", n.Name(), n.Metadata.Name)
		}
		out, err := json.Marshal(&n)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		var back modelarts.Node
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("re-decoding %s: %v", out, err)
		}
		again, _ := json.Marshal(&back)
		if !bytes.Equal(again, out) {
			t.Fatalf("node re-encodes differently:\n%s\n%s", out, again)
		}
	})
}

// rtFunc is an http.RoundTripper made of a function.
type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// surelyInvalid reports a rule the request plainly breaks, by the rules
// BatchMigrateRequest documents; "" when none of these checks fires (the
// validator may still refuse it for a rule not checked here).
func surelyInvalid(pool string, r *modelarts.BatchMigrateRequest) string {
	seen := map[string]bool{}
	for _, n := range r.MigrateNodeNames {
		if strings.TrimSpace(n) == "" || seen[n] {
			return "node names"
		}
		seen[n] = true
	}
	switch {
	case len(r.MigrateNodeNames) == 0:
		return "no node names"
	case strings.TrimSpace(r.FromClusterName) == "" || strings.TrimSpace(r.ToClusterName) == "":
		return "cluster names"
	case r.ToPoolName != "" && strings.TrimSpace(r.ToPoolName) == "":
		return "blank toPoolName"
	case r.ResourceSpec == nil:
		if r.ToPoolName != "" && r.ToPoolName != pool {
			return "cross-pool without resourceSpec"
		}
		return ""
	}
	s := r.ResourceSpec
	if strings.TrimSpace(s.Flavor) == "" {
		return "flavor"
	}
	if cs := s.CreatingStep; cs != nil && (cs.Step < 0 || cs.Type != "" && cs.Type != modelarts.CreatingStepHyperInstance) {
		return "creatingStep"
	}
	validType := func(v modelarts.VolumeType) bool {
		return v == modelarts.VolumeSSD || v == modelarts.VolumeGPSSD || v == modelarts.VolumeSAS
	}
	if rv := s.RootVolume; rv != nil && (!validType(rv.VolumeType) || rv.Size <= 0) {
		return "rootVolume"
	}
	for _, dv := range s.DataVolumes {
		if !validType(dv.VolumeType) || dv.Size <= 0 || dv.Count < 0 || dv.ExtendParams.VolumeGroup == "" {
			return "dataVolumes"
		}
	}
	for _, vg := range s.VolumeGroupConfigs {
		if vg.VolumeGroup == "" || vg.DockerThinPool != 0 && (vg.VolumeGroup != modelarts.VolumeGroupContainer || vg.DockerThinPool < 1 || vg.DockerThinPool > 100) {
			return "volumeGroupConfigs"
		}
		if lc := vg.LvmConfig; lc != nil && (lc.LvType != modelarts.LvLinear && lc.LvType != modelarts.LvStriped || lc.Path != "" && !strings.HasPrefix(lc.Path, "/")) {
			return "lvmConfig"
		}
	}
	for k := range s.Labels {
		if strings.TrimSpace(k) == "" {
			return "labels"
		}
	}
	for _, tn := range s.Taints {
		switch {
		case strings.TrimSpace(tn.Key) == "":
			return "taint key"
		case tn.Effect != modelarts.TaintNoSchedule && tn.Effect != modelarts.TaintPreferNoSchedule && tn.Effect != modelarts.TaintNoExecute:
			return "taint effect"
		}
	}
	for _, tg := range s.Tags {
		if strings.TrimSpace(tg.Key) == "" || utf8.RuneCountInString(tg.Key) > 128 || utf8.RuneCountInString(tg.Value) > 255 ||
			strings.HasPrefix(tg.Key, "CCE-") || strings.HasPrefix(tg.Key, "__type_baremetal") {
			return "tags"
		}
	}
	if e := s.ExtendParams; e != nil {
		if e.DockerBaseSize != "" && e.DockerBaseSize != "0" {
			if n, err := strconv.Atoi(e.DockerBaseSize); err != nil || n < 50 || n > 500 {
				return "dockerBaseSize"
			}
		}
		if e.Runtime != "" && e.Runtime != modelarts.RuntimeDocker && e.Runtime != modelarts.RuntimeContainerd {
			return "runtime"
		}
		if name := e.NodePoolName; name != "" && (len(name) < 2 || len(name) > 50 || name[0] < 'a' || name[0] > 'z' ||
			strings.HasSuffix(name, "-") || strings.HasSuffix(name, "-default")) {
			return "nodePoolName"
		}
	}
	return ""
}

// fieldRoots are the JSON names a ValidationError of BatchMigrateNodes may
// start with.
var fieldRoots = []string{"poolName", "req", "migrateNodeNames", "fromClusterName", "toClusterName", "toPoolName", "resourceSpec"}

// FuzzValidate builds batch-migrate requests from fuzzed fields and sends
// them through BatchMigrateNodes to a transport that records them. The
// validator must not panic; a refusal is a *cloudmigrate.ValidationError
// naming a field of the request, with nothing sent; a request that breaks
// a documented rule is refused; and an accepted request is sent as JSON
// that decodes back to the same request.
func FuzzValidate(f *testing.F) {
	var full modelarts.BatchMigrateRequest
	if err := json.Unmarshal(fuzzTestdata(f, "batch_migrate_full_request.json"), &full); err != nil {
		f.Fatal(err)
	}
	s := full.ResourceSpec
	dv, vg, vgUser := s.DataVolumes[0], s.VolumeGroupConfigs[0], s.VolumeGroupConfigs[1]
	f.Add("pool-src", strings.Join(full.MigrateNodeNames, ","), full.FromClusterName, full.ToClusterName, full.ToPoolName,
		s.Flavor, s.CreatingStep.Step, string(s.CreatingStep.Type), string(s.RootVolume.VolumeType), s.RootVolume.Size,
		string(dv.VolumeType), dv.Size, dv.Count, string(dv.ExtendParams.VolumeGroup), vg.DockerThinPool,
		string(vgUser.LvmConfig.LvType), vgUser.LvmConfig.Path, "team", s.Taints[0].Key, string(s.Taints[0].Effect),
		s.Tags[0].Key, s.Tags[0].Value, s.ExtendParams.DockerBaseSize, s.ExtendParams.PostInstall,
		string(s.ExtendParams.Runtime), s.ExtendParams.NodePoolName, uint16(0xffff))
	var simple modelarts.BatchMigrateRequest
	if err := json.Unmarshal(fuzzTestdata(f, "batch_migrate_request.json"), &simple); err != nil {
		f.Fatal(err)
	}
	f.Add("pool-src", simple.MigrateNodeNames[0], simple.FromClusterName, simple.ToClusterName, simple.ToPoolName,
		simple.ResourceSpec.Flavor, 0, "", "", 0, "", 0, 0, "", 0, "", "", "", "", "", "", "", "", "", "", "", uint16(1))
	f.Add("pool-src", "a,b,a", "c1", "c2", "pool-dst", "", -1, "x", "HDD", -5, "SSD", 0, -1, "vguser0", 101,
		"mirror", "data", " ", " ", "Never", "CCE-x", "", "49", "!!", "runc", "np-default", uint16(0xffff))
	f.Add("pool/src", "", "", "", " ", "", 0, "", "", 0, "", 0, 0, "", 0, "", "", "", "", "", "", "", "", "", "", "", uint16(0))

	var sent [][]byte // the starts; the look at the pool's jobs is not recorded
	reads := 0
	transport := rtFunc(func(r *http.Request) (*http.Response, error) {
		answer := `{"job_id":"job-1"}`
		if r.Method == http.MethodGet {
			reads++
			answer = `{"count":0,"items":[]}`
		} else {
			b, _ := io.ReadAll(r.Body)
			sent = append(sent, b)
		}
		return &http.Response{
			StatusCode: http.StatusOK,
			Header:     http.Header{"Content-Type": {"application/json"}},
			Body:       io.NopCloser(strings.NewReader(answer)),
			Request:    r,
		}, nil
	})
	client, err := modelarts.NewClient("https://modelarts.example.com", "0123456789abcdef0123456789abcdef",
		auth.StaticToken("t"), cloudmigrate.WithHTTPClient(&http.Client{Transport: transport}), cloudmigrate.WithRetry(0))
	if err != nil {
		f.Fatal(err)
	}

	f.Fuzz(func(t *testing.T, pool, names, from, to, toPool, flavor string, step int, stepType, rootType string, rootSize int,
		dataType string, dataSize, dataCount int, group string, thin int, lvType, lvPath, labelKey, taintKey, effect,
		tagKey, tagValue, baseSize, postInstall, runtime, nodePoolName string, parts uint16) {
		req := &modelarts.BatchMigrateRequest{FromClusterName: from, ToClusterName: to, ToPoolName: toPool}
		if names != "" {
			req.MigrateNodeNames = strings.Split(names, ",")
		}
		if parts&1 != 0 {
			rs := &modelarts.MigrateResourceSpec{Flavor: flavor}
			if parts&2 != 0 {
				rs.CreatingStep = &modelarts.CreatingStep{Step: step, Type: modelarts.CreatingStepType(stepType)}
			}
			if parts&4 != 0 {
				rs.RootVolume = &modelarts.RootVolume{VolumeType: modelarts.VolumeType(rootType), Size: rootSize}
			}
			if parts&8 != 0 {
				rs.DataVolumes = []modelarts.DataVolumeItem{{VolumeType: modelarts.VolumeType(dataType), Size: dataSize, Count: dataCount,
					ExtendParams: modelarts.VolumeExtendParams{VolumeGroup: modelarts.VolumeGroup(group)}}}
			}
			if parts&16 != 0 {
				c := modelarts.VolumeGroupConfig{VolumeGroup: modelarts.VolumeGroup(group), DockerThinPool: thin}
				if parts&32 != 0 {
					c.LvmConfig = &modelarts.LvmConfig{LvType: modelarts.LvType(lvType), Path: lvPath}
				}
				rs.VolumeGroupConfigs = []modelarts.VolumeGroupConfig{c}
			}
			if parts&64 != 0 {
				rs.Labels = map[string]string{labelKey: "v"}
			}
			if parts&128 != 0 {
				rs.Taints = []modelarts.Taint{{Key: taintKey, Value: "v", Effect: modelarts.TaintEffect(effect)}}
			}
			if parts&256 != 0 {
				rs.Tags = []modelarts.UserTag{{Key: tagKey, Value: tagValue}}
			}
			if parts&512 != 0 {
				rs.Network = &modelarts.NodeNetwork{VPC: "vpc-1", SecurityGroups: []string{labelKey}}
			}
			if parts&1024 != 0 {
				rs.ExtendParams = &modelarts.ResourceExtendParams{DockerBaseSize: baseSize, PostInstall: postInstall,
					Runtime: modelarts.ContainerRuntime(runtime), NodePoolName: nodePoolName}
			}
			req.ResourceSpec = rs
		}
		before, _ := json.Marshal(req)

		sent, reads = sent[:0], 0
		op, err := client.BatchMigrateNodes(context.Background(), pool, req)
		if after, _ := json.Marshal(req); !bytes.Equal(before, after) {
			t.Fatalf("BatchMigrateNodes changed the request:\n%s\n%s", before, after)
		}
		if err != nil {
			var ve *cloudmigrate.ValidationError
			if !errors.As(err, &ve) || ve.Field == "" {
				t.Fatalf("error %v is not a ValidationError with a field", err)
			}
			root := ve.Field
			if i := strings.IndexAny(root, ".["); i >= 0 {
				root = root[:i]
			}
			if !slices.Contains(fieldRoots, root) {
				t.Fatalf("ValidationError names %q, not a field of the request", ve.Field)
			}
			if len(sent) != 0 || reads != 0 {
				t.Fatalf("a refused request was sent: %d reads, %q", reads, sent)
			}
			return
		}
		if why := surelyInvalid(pool, req); why != "" {
			t.Fatalf("request accepted despite %s: %s", why, before)
		}
		if op.ID() != "job-1" || len(sent) != 1 || reads != 1 {
			t.Fatalf("job %q, %d starts and %d reads sent", op.ID(), len(sent), reads)
		}
		var got modelarts.BatchMigrateRequest
		if err := json.Unmarshal(sent[0], &got); err != nil {
			t.Fatalf("sent body %s: %v", sent[0], err)
		}
		want := req
		if bytes.Contains(before, []byte(`\ufffd`)) {
			// JSON carries text only: invalid UTF-8 arrives replaced.
			want = new(modelarts.BatchMigrateRequest)
			_ = json.Unmarshal(before, want)
		}
		if !reflect.DeepEqual(&got, want) {
			t.Fatalf("sent %s, which decodes to %+v; want %+v", sent[0], got, *want)
		}
	})
}

// TestMillisEdgeOfRange: 2^63 milliseconds does not fit an int64 and must
// be refused rather than wrap to a negative time; the values just inside
// the range decode.
func TestMillisEdgeOfRange(t *testing.T) {
	for _, s := range []string{`9.223372036854775807e18`, `9223372036854775808`, `"9.3e18"`, `1e19`} {
		var m modelarts.Millis
		if err := m.UnmarshalJSON([]byte(s)); err == nil {
			t.Errorf("%s decoded to %d, want an error", s, m)
		}
	}
	for s, want := range map[string]modelarts.Millis{
		`9.223372036854775e18`:     9223372036854774784,
		`-9.223372036854775808e18`: math.MinInt64,
		`9223372036854775807`:      math.MaxInt64,
		`-1.9`:                     -1,
	} {
		var m modelarts.Millis
		if err := m.UnmarshalJSON([]byte(s)); err != nil || m != want {
			t.Errorf("%s decoded to %d, %v; want %d", s, m, err, want)
		}
	}
}

// FuzzPoolDecode decodes arbitrary bytes as a pool and a pool list: no
// panic, the accessors agree with the fields, counts add up, and a decoded
// pool re-encodes stably (both spellings of the container network and
// both shapes of the counts end in one form).
func FuzzPoolDecode(f *testing.F) {
	for _, name := range []string{"pool_show_response.json", "pool_list_response.json", "pool_every_field.json"} {
		f.Add(fuzzTestdata(f, name))
	}
	for _, s := range []string{
		`{"status":{"resources":{"available":{"flavor":"f","count":2},"creating":[{"count":1},null]}}}`,
		`{"spec":{"containernetwork":{"mode":"eni"},"containerNetwork":null,"controlMode":"9"}}`,
		`{"spec":{"resources":[{"dataVolumes":[{"count":"x"}]}]}}`, `{"items":[null,{}]}`, `null`, `[]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var list struct {
			Items []*modelarts.Pool `json:"items"`
		}
		_ = json.Unmarshal(data, &list)

		var p modelarts.Pool
		if err := json.Unmarshal(data, &p); err != nil {
			return
		}
		if p.Name() != p.Metadata.Name || p.DisplayName() != p.Metadata.Labels[modelarts.LabelPoolDisplayName] {
			t.Fatalf("accessors disagree with %+v", p.Metadata)
		}
		for _, fc := range []modelarts.FlavorCounts{p.Status.Resources.Available, p.Status.Resources.Creating,
			p.Status.Resources.Abnormal, p.Status.Resources.Deleting} {
			sum := 0
			for _, c := range fc {
				sum += c.Count
				if fc.Count(c.Flavor) < c.Count && c.Count >= 0 && fc.Count(c.Flavor) >= 0 {
					t.Fatalf("Count(%q) = %d is below one entry's %d", c.Flavor, fc.Count(c.Flavor), c.Count)
				}
			}
			if fc.Count("") != sum {
				t.Fatalf("Count(\"\") = %d, entries add up to %d", fc.Count(""), sum)
			}
		}
		out, err := json.Marshal(&p)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		var back modelarts.Pool
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("re-decoding %s: %v", out, err)
		}
		if again, _ := json.Marshal(&back); !bytes.Equal(again, out) {
			t.Fatalf("pool re-encodes differently:\n%s\n%s", out, again)
		}
	})
}

// FuzzNodeBatchResultDecode decodes arbitrary bytes as the answer of a
// node lock or unlock: no panic, Failed lists exactly the nodes whose
// outcome is not a success, and a decoded answer re-encodes stably.
func FuzzNodeBatchResultDecode(f *testing.F) {
	for _, name := range []string{"nodes_lock_response.json", "nodes_update_response.json", "nodes_drain_response.json"} {
		f.Add(fuzzTestdata(f, name))
	}
	for _, s := range []string{`{"nodes":["a","b"]}`, `{"nodes":[{"name":"a","status":"failed"},"b",null]}`,
		`{"nodes":[{"status":"success"}]}`, `{"nodes":[1]}`, `"a"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var one modelarts.NodeResult
		if err := json.Unmarshal(data, &one); err == nil && one.Name != "" && one.Status == "" {
			t.Fatalf("%s: a named node without an outcome", data)
		}
		var res modelarts.NodeBatchResult
		if err := json.Unmarshal(data, &res); err != nil {
			return
		}
		var want []string
		for _, n := range res.Nodes {
			if n.Status != modelarts.NodeResultSuccess {
				want = append(want, n.Name)
			}
		}
		if got := res.Failed(nil); !slices.Equal(got, want) {
			t.Fatalf("Failed = %q, want %q", got, want)
		}
		out, err := json.Marshal(&res)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		var back modelarts.NodeBatchResult
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("re-decoding %s: %v", out, err)
		}
		if !reflect.DeepEqual(back.Nodes, res.Nodes) {
			t.Fatalf("re-decoded %+v, want %+v", back.Nodes, res.Nodes)
		}
	})
}
