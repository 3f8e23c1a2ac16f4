package modelarts_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/modelarts"
)

// seedRequest is the seed's example request written as Go.
func seedRequest() *modelarts.BatchMigrateRequest {
	return &modelarts.BatchMigrateRequest{
		MigrateNodeNames: []string{"os-node-created-zrxm7"},
		FromClusterName:  "lite-cluster-1dc682c4-e04d-11ee-bda6-0255ac1001ba",
		ToClusterName:    "lite-cluster-d3a65087-38e4-11ef-a12c-0255ac100b03",
		ToPoolName:       "pool-9d3f-6f5da086876d4cd084d36f8bd3346036",
		ResourceSpec:     &modelarts.MigrateResourceSpec{Flavor: "modelarts.vm.2u4g"},
	}
}

// fullRequest sets every field of the request tree; it matches
// testdata/batch_migrate_full_request.json.
func fullRequest() *modelarts.BatchMigrateRequest {
	return &modelarts.BatchMigrateRequest{
		MigrateNodeNames: []string{"node-a", "node-b"},
		FromClusterName:  "pool-src-cluster",
		ToClusterName:    "pool-dst-cluster",
		ToPoolName:       "pool-dst",
		ResourceSpec: &modelarts.MigrateResourceSpec{
			Flavor:       "modelarts.bm.npu.arm.8snt9b3.d",
			CreatingStep: &modelarts.CreatingStep{Step: 8, Type: modelarts.CreatingStepHyperInstance},
			NodePool:     "np-train",
			RootVolume:   &modelarts.RootVolume{VolumeType: modelarts.VolumeGPSSD, Size: 150},
			DataVolumes: []modelarts.DataVolumeItem{
				{VolumeType: modelarts.VolumeSSD, Size: 500, Count: 2,
					ExtendParams: modelarts.VolumeExtendParams{VolumeGroup: modelarts.VolumeGroupContainer}},
				{VolumeType: modelarts.VolumeSAS, Size: 1000,
					ExtendParams: modelarts.VolumeExtendParams{VolumeGroup: modelarts.UserVolumeGroup(1)}},
			},
			VolumeGroupConfigs: []modelarts.VolumeGroupConfig{
				{VolumeGroup: modelarts.VolumeGroupContainer, DockerThinPool: 40,
					Types: []modelarts.StorageType{modelarts.StorageVolume}},
				{VolumeGroup: "vguser1",
					LvmConfig: &modelarts.LvmConfig{LvType: modelarts.LvStriped, Path: "/mnt/data_1"},
					Types:     []modelarts.StorageType{modelarts.StorageVolume, modelarts.StorageLocal}},
			},
			Labels: map[string]string{"team": "vision", "tier": "train"},
			Taints: []modelarts.Taint{
				{Key: "dedicated", Value: "training", Effect: modelarts.TaintNoSchedule},
				{Key: "maintenance", Effect: modelarts.TaintNoExecute},
			},
			Tags: []modelarts.UserTag{
				{Key: "cost-center", Value: "cc-42"},
				{Key: "empty", Value: ""},
			},
			Network: &modelarts.NodeNetwork{VPC: "vpc-0001", Subnet: "subnet-0002",
				SecurityGroups: []string{"sg-0003", "sg-0004"}},
			ExtendParams: &modelarts.ResourceExtendParams{
				DockerBaseSize:             "100",
				PostInstall:                "ZWNobyBoZWxsbw==",
				Runtime:                    modelarts.RuntimeContainerd,
				LabelPolicyOnExistingNodes: modelarts.PolicyRefresh,
				TaintPolicyOnExistingNodes: modelarts.PolicyIgnore,
				TagPolicyOnExistingNodes:   modelarts.PolicyRefresh,
				XParameterPlaneSubnet:      "subnet-0005",
				NodePoolName:               "np-train",
			},
		},
	}
}

const migratePath = "/pools/{pool}/nodes/batch-migrate"

func migrateURL(pool string) string {
	return base + strings.Replace(migratePath, "{pool}", pool, 1)
}

func TestBatchMigrateNodesSeedExample(t *testing.T) {
	c, mt := newMock(t)
	want := readTestdata(t, "batch_migrate_request.json")
	mt.RegisterResponder(http.MethodPost, migrateURL(testPool), func(r *http.Request) (*http.Response, error) {
		checkHeaders(t, r)
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q", ct)
		}
		body, _ := io.ReadAll(r.Body)
		sameJSON(t, "request body", body, want)
		return jsonResponder(200, string(readTestdata(t, "batch_migrate_response.json")), "req-migrate-1")(r)
	})
	op, err := c.BatchMigrateNodes(context.Background(), testPool, seedRequest())
	if err != nil {
		t.Fatal(err)
	}
	if op.ID() != "66798666-6778-443f-9f8a-56c9ea6d719c" {
		t.Errorf("job ID = %q", op.ID())
	}
	tok := op.Token()
	if tok.Source != testPool || tok.Target != seedRequest().ToPoolName ||
		!reflect.DeepEqual(tok.Resources, seedRequest().MigrateNodeNames) || tok.Started.IsZero() {
		t.Errorf("token = %+v", tok)
	}
	// One read of the source pool's jobs (nothing running), then the start.
	if n := calls(mt, http.MethodGet, base+"/jobs"); n != 1 {
		t.Errorf("%d job-list reads, want 1", n)
	}
	if n := mt.GetTotalCallCount(); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

// TestSeedRequestBothWays decodes the seed's example into the Go type and
// encodes it again (nothing lost), and encodes the hand-written Go value
// (nothing added).
func TestSeedRequestBothWays(t *testing.T) {
	seed := readTestdata(t, "batch_migrate_request.json")
	var decoded modelarts.BatchMigrateRequest
	if err := json.Unmarshal(seed, &decoded); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&decoded, seedRequest()) {
		t.Errorf("decoded seed = %+v, want %+v", decoded, seedRequest())
	}
	again, err := json.Marshal(&decoded)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "seed re-encoded", again, seed)
	built, err := json.Marshal(seedRequest())
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "Go seed request", built, seed)
}

func TestFullRequestTree(t *testing.T) {
	want := readTestdata(t, "batch_migrate_full_request.json")
	got, err := json.Marshal(fullRequest())
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "full request", got, want)

	var decoded modelarts.BatchMigrateRequest
	if err := json.Unmarshal(want, &decoded); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&decoded, fullRequest()) {
		t.Errorf("decoded full request differs:\n got %+v\nwant %+v", decoded, *fullRequest())
	}

	// The full request passes validation and goes out unchanged.
	c, mt := newMock(t)
	mt.RegisterResponder(http.MethodPost, migrateURL("pool-src"), func(r *http.Request) (*http.Response, error) {
		body, _ := io.ReadAll(r.Body)
		sameJSON(t, "sent body", body, want)
		return jsonResponder(200, `{"job_id":"j-1"}`, "")(r)
	})
	if _, err := c.BatchMigrateNodes(context.Background(), "pool-src", fullRequest()); err != nil {
		t.Fatal(err)
	}
	if n := calls(mt, http.MethodPost, migrateURL("pool-src")); n != 1 {
		t.Errorf("%d starts, want 1", n)
	}
}

func TestRequestOmitsUnsetFields(t *testing.T) {
	for _, tc := range []struct {
		name string
		req  any
		want string
	}{
		{"minimal", &modelarts.BatchMigrateRequest{MigrateNodeNames: []string{"n"}, FromClusterName: "a", ToClusterName: "b"},
			`{"migrateNodeNames":["n"],"fromClusterName":"a","toClusterName":"b"}`},
		{"flavor only", &modelarts.MigrateResourceSpec{Flavor: "f"}, `{"flavor":"f"}`},
		{"empty tag value kept", modelarts.UserTag{Key: "k"}, `{"key":"k","value":""}`},
		{"taint without value", modelarts.Taint{Key: "k", Effect: modelarts.TaintNoSchedule}, `{"key":"k","effect":"NoSchedule"}`},
		{"data volume", modelarts.DataVolumeItem{VolumeType: modelarts.VolumeSSD, Size: 10,
			ExtendParams: modelarts.VolumeExtendParams{VolumeGroup: modelarts.VolumeGroupDefault}},
			`{"volumeType":"SSD","size":"10","extendParams":{"volumeGroup":"default"}}`},
		{"volume group config", modelarts.VolumeGroupConfig{VolumeGroup: "vgpaas"}, `{"volumeGroup":"vgpaas"}`},
		{"creating step", modelarts.CreatingStep{}, `{}`},
		{"network", modelarts.NodeNetwork{}, `{}`},
		{"extend params", modelarts.ResourceExtendParams{}, `{}`},
		{"unlimited docker base size", modelarts.ResourceExtendParams{DockerBaseSize: modelarts.DockerBaseSizeUnlimited},
			`{"dockerBaseSize":"0"}`},
		{"lvm", modelarts.LvmConfig{LvType: modelarts.LvLinear}, `{"lvType":"linear"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := json.Marshal(tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestBatchMigrateNodesSamePool(t *testing.T) {
	// Without toPoolName, or with the source pool as target, the move stays
	// in the pool and needs no resourceSpec.
	for _, to := range []string{"", "pool-src"} {
		c, mt := newMock(t)
		mt.RegisterResponder(http.MethodPost, migrateURL("pool-src"), jsonResponder(200, `{"job_id":"j"}`, ""))
		req := &modelarts.BatchMigrateRequest{MigrateNodeNames: []string{"n1"}, FromClusterName: "c1", ToClusterName: "c2", ToPoolName: to}
		op, err := c.BatchMigrateNodes(context.Background(), "pool-src", req)
		if err != nil {
			t.Fatalf("toPoolName %q: %v", to, err)
		}
		if n := calls(mt, http.MethodPost, migrateURL("pool-src")); n != 1 {
			t.Errorf("toPoolName %q: %d starts, want 1", to, n)
		}
		// A move within one pool is checked by the nodes' cluster label.
		if tok := op.Token(); tok.Target != "pool-src" || tok.Extra["toCluster"] != "c2" {
			t.Errorf("toPoolName %q: token %+v", to, tok)
		}
	}
}

func TestBatchMigrateNodesValidation(t *testing.T) {
	type mod = func(r *modelarts.BatchMigrateRequest)
	spec := func(r *modelarts.BatchMigrateRequest) *modelarts.MigrateResourceSpec { return r.ResourceSpec }
	for _, tc := range []struct {
		name  string
		pool  string
		nilRq bool
		mod   mod
		field string
	}{
		{name: "empty pool", pool: "", field: "poolName"},
		{name: "pool with slash", pool: "a/b", field: "poolName"},
		{name: "pool with space", pool: "pool x", field: "poolName"},
		{name: "nil request", nilRq: true, field: "req"},
		{name: "no node names", mod: func(r *modelarts.BatchMigrateRequest) { r.MigrateNodeNames = nil }, field: "migrateNodeNames"},
		{name: "empty node names", mod: func(r *modelarts.BatchMigrateRequest) { r.MigrateNodeNames = []string{} }, field: "migrateNodeNames"},
		{name: "blank node name", mod: func(r *modelarts.BatchMigrateRequest) { r.MigrateNodeNames = []string{"a", " "} }, field: "migrateNodeNames[1]"},
		{name: "duplicate node name", mod: func(r *modelarts.BatchMigrateRequest) { r.MigrateNodeNames = []string{"a", "b", "a"} }, field: "migrateNodeNames[2]"},
		{name: "no from cluster", mod: func(r *modelarts.BatchMigrateRequest) { r.FromClusterName = "" }, field: "fromClusterName"},
		{name: "no to cluster", mod: func(r *modelarts.BatchMigrateRequest) { r.ToClusterName = "" }, field: "toClusterName"},
		{name: "blank to pool", mod: func(r *modelarts.BatchMigrateRequest) { r.ToPoolName = "  " }, field: "toPoolName"},
		{name: "cross pool without spec", mod: func(r *modelarts.BatchMigrateRequest) { r.ResourceSpec = nil }, field: "resourceSpec"},
		{name: "cross pool without flavor", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).Flavor = "" }, field: "resourceSpec.flavor"},
		{name: "same pool spec without flavor", mod: func(r *modelarts.BatchMigrateRequest) { r.ToPoolName = ""; spec(r).Flavor = "" }, field: "resourceSpec.flavor"},
		{name: "negative step", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).CreatingStep.Step = -1 }, field: "resourceSpec.creatingStep.step"},
		{name: "bad step type", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).CreatingStep.Type = "cabinet" }, field: "resourceSpec.creatingStep.type"},
		{name: "root volume without type", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).RootVolume.VolumeType = "" }, field: "resourceSpec.rootVolume.volumeType"},
		{name: "root volume bad type", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).RootVolume.VolumeType = "ssd" }, field: "resourceSpec.rootVolume.volumeType"},
		{name: "root volume zero size", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).RootVolume.Size = 0 }, field: "resourceSpec.rootVolume.size"},
		{name: "root volume negative size", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).RootVolume.Size = -5 }, field: "resourceSpec.rootVolume.size"},
		{name: "data volume bad type", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).DataVolumes[1].VolumeType = "ESSD9" }, field: "resourceSpec.dataVolumes[1].volumeType"},
		{name: "data volume zero size", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).DataVolumes[0].Size = 0 }, field: "resourceSpec.dataVolumes[0].size"},
		{name: "data volume negative count", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).DataVolumes[0].Count = -1 }, field: "resourceSpec.dataVolumes[0].count"},
		{name: "data volume no group", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).DataVolumes[0].ExtendParams.VolumeGroup = "" }, field: "resourceSpec.dataVolumes[0].extendParams.volumeGroup"},
		{name: "data volume bad group", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).DataVolumes[1].ExtendParams.VolumeGroup = "vguserX" }, field: "resourceSpec.dataVolumes[1].extendParams.volumeGroup"},
		{name: "data volume vguser0", mod: func(r *modelarts.BatchMigrateRequest) {
			spec(r).DataVolumes[1].ExtendParams.VolumeGroup = modelarts.UserVolumeGroup(0)
		}, field: "resourceSpec.dataVolumes[1].extendParams.volumeGroup"},
		{name: "data volume bare vguser", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).DataVolumes[1].ExtendParams.VolumeGroup = "vguser" }, field: "resourceSpec.dataVolumes[1].extendParams.volumeGroup"},
		{name: "group config no group", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).VolumeGroupConfigs[0].VolumeGroup = "" }, field: "resourceSpec.volumeGroupConfigs[0].volumeGroup"},
		{name: "group config bad group", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).VolumeGroupConfigs[1].VolumeGroup = "data" }, field: "resourceSpec.volumeGroupConfigs[1].volumeGroup"},
		{name: "thin pool over 100", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).VolumeGroupConfigs[0].DockerThinPool = 101 }, field: "resourceSpec.volumeGroupConfigs[0].dockerThinPool"},
		{name: "thin pool negative", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).VolumeGroupConfigs[0].DockerThinPool = -1 }, field: "resourceSpec.volumeGroupConfigs[0].dockerThinPool"},
		{name: "thin pool outside vgpaas", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).VolumeGroupConfigs[1].DockerThinPool = 20 }, field: "resourceSpec.volumeGroupConfigs[1].dockerThinPool"},
		{name: "lvm no type", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).VolumeGroupConfigs[1].LvmConfig.LvType = "" }, field: "resourceSpec.volumeGroupConfigs[1].lvmConfig.lvType"},
		{name: "lvm bad type", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).VolumeGroupConfigs[1].LvmConfig.LvType = "mirror" }, field: "resourceSpec.volumeGroupConfigs[1].lvmConfig.lvType"},
		{name: "lvm relative path", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).VolumeGroupConfigs[1].LvmConfig.Path = "mnt/data" }, field: "resourceSpec.volumeGroupConfigs[1].lvmConfig.path"},
		{name: "lvm path bad character", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).VolumeGroupConfigs[1].LvmConfig.Path = "/mnt/da ta" }, field: "resourceSpec.volumeGroupConfigs[1].lvmConfig.path"},
		{name: "bad storage type", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).VolumeGroupConfigs[1].Types[1] = "nfs" }, field: "resourceSpec.volumeGroupConfigs[1].types[1]"},
		{name: "empty label key", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).Labels[""] = "x" }, field: "resourceSpec.labels"},
		{name: "taint no key", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).Taints[1].Key = "" }, field: "resourceSpec.taints[1].key"},
		{name: "taint no effect", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).Taints[0].Effect = "" }, field: "resourceSpec.taints[0].effect"},
		{name: "taint bad effect", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).Taints[0].Effect = "noschedule" }, field: "resourceSpec.taints[0].effect"},
		{name: "tag no key", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).Tags[0].Key = "" }, field: "resourceSpec.tags[0].key"},
		{name: "tag key too long", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).Tags[0].Key = strings.Repeat("k", 129) }, field: "resourceSpec.tags[0].key"},
		{name: "tag key CCE- prefix", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).Tags[1].Key = "CCE-owner" }, field: "resourceSpec.tags[1].key"},
		{name: "tag key baremetal prefix", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).Tags[1].Key = "__type_baremetal_x" }, field: "resourceSpec.tags[1].key"},
		{name: "tag value too long", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).Tags[0].Value = strings.Repeat("é", 256) }, field: "resourceSpec.tags[0].value"},
		{name: "empty security group", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).Network.SecurityGroups[1] = "" }, field: "resourceSpec.network.securityGroups[1]"},
		{name: "docker base size too small", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).ExtendParams.DockerBaseSize = "49" }, field: "resourceSpec.extendParams.dockerBaseSize"},
		{name: "docker base size too large", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).ExtendParams.DockerBaseSize = "501" }, field: "resourceSpec.extendParams.dockerBaseSize"},
		{name: "docker base size not a number", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).ExtendParams.DockerBaseSize = "100G" }, field: "resourceSpec.extendParams.dockerBaseSize"},
		{name: "post install not base64", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).ExtendParams.PostInstall = "echo hello" }, field: "resourceSpec.extendParams.postInstall"},
		{name: "bad runtime", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).ExtendParams.Runtime = "cri-o" }, field: "resourceSpec.extendParams.runtime"},
		{name: "bad label policy", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).ExtendParams.LabelPolicyOnExistingNodes = "update" }, field: "resourceSpec.extendParams.labelPolicyOnExistingNodes"},
		{name: "bad taint policy", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).ExtendParams.TaintPolicyOnExistingNodes = "Refresh" }, field: "resourceSpec.extendParams.taintPolicyOnExistingNodes"},
		{name: "bad tag policy", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).ExtendParams.TagPolicyOnExistingNodes = "skip" }, field: "resourceSpec.extendParams.tagPolicyOnExistingNodes"},
		{name: "node pool name too short", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).ExtendParams.NodePoolName = "a" }, field: "resourceSpec.extendParams.nodePoolName"},
		{name: "node pool name too long", mod: func(r *modelarts.BatchMigrateRequest) {
			spec(r).ExtendParams.NodePoolName = "a" + strings.Repeat("b", 50)
		}, field: "resourceSpec.extendParams.nodePoolName"},
		{name: "node pool name uppercase", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).ExtendParams.NodePoolName = "np-Train" }, field: "resourceSpec.extendParams.nodePoolName"},
		{name: "node pool name starts with digit", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).ExtendParams.NodePoolName = "1np" }, field: "resourceSpec.extendParams.nodePoolName"},
		{name: "node pool name underscore", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).ExtendParams.NodePoolName = "np_train" }, field: "resourceSpec.extendParams.nodePoolName"},
		{name: "node pool name ends with hyphen", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).ExtendParams.NodePoolName = "np-" }, field: "resourceSpec.extendParams.nodePoolName"},
		{name: "node pool name ends with -default", mod: func(r *modelarts.BatchMigrateRequest) { spec(r).ExtendParams.NodePoolName = "np-default" }, field: "resourceSpec.extendParams.nodePoolName"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, mt := newMock(t)
			pool := "pool-src"
			if tc.mod == nil && !tc.nilRq {
				pool = tc.pool
			}
			var req *modelarts.BatchMigrateRequest
			if !tc.nilRq {
				req = fullRequest()
				if tc.mod != nil {
					tc.mod(req)
				}
			}
			op, err := c.BatchMigrateNodes(context.Background(), pool, req)
			if op != nil {
				t.Error("got a handle")
			}
			wantValidation(t, err, tc.field)
			if n := mt.GetTotalCallCount(); n != 0 {
				t.Errorf("%d requests sent, want none", n)
			}
		})
	}
}

// TestValidationBoundaries checks values at the edges of the rules pass.
func TestValidationBoundaries(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(r *modelarts.BatchMigrateRequest)
	}{
		{"docker base size 50", func(r *modelarts.BatchMigrateRequest) { r.ResourceSpec.ExtendParams.DockerBaseSize = "50" }},
		{"docker base size 500", func(r *modelarts.BatchMigrateRequest) { r.ResourceSpec.ExtendParams.DockerBaseSize = "500" }},
		{"docker base size unlimited", func(r *modelarts.BatchMigrateRequest) { r.ResourceSpec.ExtendParams.DockerBaseSize = "0" }},
		{"thin pool 100", func(r *modelarts.BatchMigrateRequest) { r.ResourceSpec.VolumeGroupConfigs[0].DockerThinPool = 100 }},
		{"tag key 128", func(r *modelarts.BatchMigrateRequest) { r.ResourceSpec.Tags[0].Key = strings.Repeat("é", 128) }},
		{"tag value 255", func(r *modelarts.BatchMigrateRequest) { r.ResourceSpec.Tags[0].Value = strings.Repeat("é", 255) }},
		{"node pool name 2", func(r *modelarts.BatchMigrateRequest) { r.ResourceSpec.ExtendParams.NodePoolName = "a1" }},
		{"node pool name 50", func(r *modelarts.BatchMigrateRequest) {
			r.ResourceSpec.ExtendParams.NodePoolName = "a" + strings.Repeat("b", 49)
		}},
		{"vguser12", func(r *modelarts.BatchMigrateRequest) {
			r.ResourceSpec.DataVolumes[1].ExtendParams.VolumeGroup = "vguser12"
		}},
		{"local volume groups", func(r *modelarts.BatchMigrateRequest) {
			r.ResourceSpec.DataVolumes[0].ExtendParams.VolumeGroup = modelarts.VolumeGroupLocalPersistent
			r.ResourceSpec.DataVolumes[1].ExtendParams.VolumeGroup = modelarts.VolumeGroupLocalEphemeral
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, mt := newMock(t)
			mt.RegisterResponder(http.MethodPost, migrateURL("pool-src"), jsonResponder(200, `{"job_id":"j"}`, ""))
			req := fullRequest()
			tc.mod(req)
			if _, err := c.BatchMigrateNodes(context.Background(), "pool-src", req); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestBatchMigrateNodesPoolNotFound(t *testing.T) {
	c, mt := newMock(t)
	mt.RegisterResponder(http.MethodPost, migrateURL(testPool),
		jsonResponder(404, string(readTestdata(t, "error_pool_not_found.json")), "req-404"))
	_, err := c.BatchMigrateNodes(context.Background(), testPool, seedRequest())
	apiErr := wantAPIError(t, err, 404, modelarts.CodePoolNotFound)
	if apiErr.Message != "pool not found" {
		t.Errorf("Message = %q", apiErr.Message)
	}
	if apiErr.RequestID != "req-404" {
		t.Errorf("RequestID = %q", apiErr.RequestID)
	}
	if apiErr.Method != http.MethodPost || !strings.HasSuffix(apiErr.URL, "/nodes/batch-migrate") {
		t.Errorf("Method/URL = %s %s", apiErr.Method, apiErr.URL)
	}
	if !cloudmigrate.IsNotFound(err) {
		t.Error("IsNotFound = false")
	}
	if n := calls(mt, http.MethodPost, migrateURL(testPool)); n != 1 {
		t.Errorf("%d starts, want 1", n)
	}
}

func TestBatchMigrateNodesNotRetriedOn5xx(t *testing.T) {
	for _, status := range []int{500, 502, 503} {
		c, mt := newMock(t)
		mt.RegisterResponder(http.MethodPost, migrateURL(testPool),
			jsonResponder(status, `{"error_code":"ModelArts.0001","error_msg":"internal"}`, "req-5xx"))
		_, err := c.BatchMigrateNodes(context.Background(), testPool, seedRequest())
		apiErr := wantAPIError(t, err, status, "ModelArts.0001")
		if apiErr.Attempts != 1 {
			t.Errorf("%d: Attempts = %d", status, apiErr.Attempts)
		}
		if n := calls(mt, http.MethodPost, migrateURL(testPool)); n != 1 {
			t.Errorf("%d: POST sent %d times, want exactly once", status, n)
		}
	}
}

func TestBatchMigrateNodesRetriedWhenThrottled(t *testing.T) {
	c, mt := newMock(t)
	calls := 0
	mt.RegisterResponder(http.MethodPost, migrateURL(testPool), func(r *http.Request) (*http.Response, error) {
		calls++
		if calls == 1 {
			return jsonResponder(429, `{"error_code":"APIGW.0308","error_msg":"throttled"}`, "")(r)
		}
		return jsonResponder(200, `{"job_id":"j-2"}`, "")(r)
	})
	op, err := c.BatchMigrateNodes(context.Background(), testPool, seedRequest())
	if err != nil {
		t.Fatal(err)
	}
	if op.ID() != "j-2" || calls != 2 {
		t.Errorf("job ID %q after %d calls", op.ID(), calls)
	}
}
