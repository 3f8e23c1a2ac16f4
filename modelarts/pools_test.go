package modelarts_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"testing"

	"github.com/cloudmigrate/cloudmigrate/modelarts"
)

func TestGetPoolOfficialExample(t *testing.T) {
	c, mt := newMock(t)
	mt.RegisterResponder(http.MethodGet, base+"/pools/auto-pool-os-86c13962597848eeb29c5861153a391f",
		func(r *http.Request) (*http.Response, error) {
			checkHeaders(t, r)
			return jsonResponder(200, string(readTestdata(t, "pool_show_response.json")), "req-pool")(r)
		})
	p, err := c.GetPool(context.Background(), "auto-pool-os-86c13962597848eeb29c5861153a391f")
	if err != nil {
		t.Fatal(err)
	}
	if p.Name() != "auto-pool-os-86c13962597848eeb29c5861153a391f" || p.DisplayName() != "auto-pool-os" ||
		p.Kind != "Pool" || p.APIVersion != "v2" || p.Metadata.CreationTimestamp != "2022-09-16T03:10:40Z" {
		t.Errorf("metadata = %+v", p.Metadata)
	}
	if p.Metadata.Annotations["os.modelarts/billing.mode"] != "0" || len(p.Metadata.Annotations) != 4 {
		t.Errorf("annotations = %v", p.Metadata.Annotations)
	}
	if p.Spec.Type != modelarts.PoolDedicated || !reflect.DeepEqual(p.Spec.Scope, []modelarts.JobScope{modelarts.ScopeTrain, modelarts.ScopeInfer}) ||
		!reflect.DeepEqual(p.Spec.Resources, []modelarts.PoolResource{{Flavor: "modelarts.vm.cpu.4ud", Count: 2}}) ||
		p.Spec.Network == nil || p.Spec.Network.Name != "network-maos-86c13962597848eeb29c5861153a391f" {
		t.Errorf("spec = %+v", p.Spec)
	}
	st := p.Status
	if st.Phase != modelarts.PoolRunning || st.Root != p.Name() || len(st.Scope) != 2 || st.Scope[1].State != "Enabled" {
		t.Errorf("status = %+v", st)
	}
	want := modelarts.FlavorCounts{{Flavor: "modelarts.vm.cpu.4ud", Count: 2, AZs: []modelarts.AZCount{{AZ: "az-7c", Count: 2}}}}
	if !reflect.DeepEqual(st.Resources.Available, want) || st.Resources.Creating != nil {
		t.Errorf("resources = %+v", st.Resources)
	}
	if n := st.Resources.Available.Count("modelarts.vm.cpu.4ud"); n != 2 {
		t.Errorf("available count = %d", n)
	}
	if n := st.Resources.Available.Count("other"); n != 0 {
		t.Errorf("count of another flavor = %d", n)
	}
}

// TestPoolEveryField decodes a pool with every documented field, in both
// spellings the references use, and checks each lands where it should.
func TestPoolEveryField(t *testing.T) {
	var p modelarts.Pool
	if err := json.Unmarshal(readTestdata(t, "pool_every_field.json"), &p); err != nil {
		t.Fatal(err)
	}
	s := p.Spec
	if s.ContainerNetwork == nil || *s.ContainerNetwork != (modelarts.PoolContainerNetwork{Mode: "overlay_l2", CIDR: "172.16.0.0/16"}) {
		t.Errorf("container network = %+v", s.ContainerNetwork)
	}
	if s.KubernetesSvcIPRange != "10.247.0.0/16" || s.ClusterFlavor != "cce.s2.small" || len(s.Masters) != 1 ||
		!reflect.DeepEqual(s.JobFlavors, []string{"modelarts.pool.visual.8xlarge"}) ||
		*s.Driver != (modelarts.PoolDriver{GPUVersion: "440.33", NPUVersion: "23.0.rc2", UpdateStrategy: "idle"}) {
		t.Errorf("spec = %+v", s)
	}
	if !s.ControlMode.Has(modelarts.ControlPeriodicLocked|modelarts.ControlFrozen) || s.ControlMode.Has(modelarts.ControlResizeLocked) {
		t.Errorf("control mode %d", s.ControlMode)
	}
	r := s.Resources[0]
	if r.Count != 4 || r.MaxCount != 4 || len(r.AZs) != 2 || r.NodePool != "nodePool-1" || r.Taints[0].Effect != modelarts.TaintNoSchedule ||
		r.Labels["team"] != "vision" || r.Tags[0].Key != "cost-center" || r.Network.Subnet != "subnet-0002" ||
		r.ExtendParams.DockerBaseSize != "100" || *r.CreatingStep != (modelarts.CreatingStep{Step: 8, Type: modelarts.CreatingStepHyperInstance}) {
		t.Errorf("resource = %+v", r)
	}
	if r.RootVolume.Size != "150" || r.RootVolume.VolumeType != modelarts.VolumeGPSSD {
		t.Errorf("root volume = %+v", r.RootVolume)
	}
	// A count in a string (the official SDK's type) and as a number.
	if len(r.DataVolumes) != 2 || r.DataVolumes[0].Count != 2 || r.DataVolumes[0].Size != "500" ||
		r.DataVolumes[0].ExtendParams.VolumeGroup != modelarts.VolumeGroupContainer ||
		r.DataVolumes[1].Count != 1 || r.DataVolumes[1].Size != "1000" {
		t.Errorf("data volumes = %+v", r.DataVolumes)
	}
	if r.VolumeGroupConfigs[0].LvmConfig.LvType != modelarts.LvLinear || string(r.OS) == "" {
		t.Errorf("volume groups %+v, os %s", r.VolumeGroupConfigs, r.OS)
	}
	st := p.Status
	// One object for creating (the official SDK's shape), an array for
	// available, an empty array and null.
	if st.Resources.Creating.Count("") != 1 || st.Resources.Creating[0].NodePool != "nodePool-1" ||
		st.Resources.Available.Count("") != 3 || st.Resources.Available[0].CreatingStep.Step != 8 ||
		len(st.Resources.Abnormal) != 0 || st.Resources.Deleting != nil {
		t.Errorf("resources = %+v", st.Resources)
	}
	if st.Scope[0].Plugins[0] != (modelarts.PoolPluginPhase{Name: "volcano", Phase: "Running"}) || st.Scope[1].Message != "quota exceeded" {
		t.Errorf("scope = %+v", st.Scope)
	}
	if st.Driver.NPU.State != "Upgrading" || st.Driver.GPU.Version != "440.33" || len(st.Clusters) == 0 {
		t.Errorf("driver %+v, clusters %s", st.Driver, st.Clusters)
	}
}

func TestListPoolsOfficialExample(t *testing.T) {
	c, mt := newMock(t)
	var query url.Values
	mt.RegisterResponder(http.MethodGet, base+"/pools", func(r *http.Request) (*http.Response, error) {
		checkHeaders(t, r)
		query = r.URL.Query()
		return jsonResponder(200, string(readTestdata(t, "pool_list_response.json")), "")(r)
	})
	pools, err := c.ListPools(context.Background(), &modelarts.ListPoolsOptions{
		WorkspaceID: "ws-1", LabelSelector: "os.modelarts/name=auto-pool-os", Status: modelarts.PoolsCreated, Parent: "p0",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{"workspaceId": {"ws-1"}, "labelSelector": {"os.modelarts/name=auto-pool-os"}, "status": {"created"}, "parent": {"p0"}}
	if !reflect.DeepEqual(query, want) {
		t.Errorf("query = %v, want %v", query, want)
	}
	if len(pools) != 1 || pools[0].Name() != "auto-pool-os-86c13962597848eeb29c5861153a391f" ||
		pools[0].Status.Resources.Available.Count("modelarts.vm.cpu.4ud") != 2 {
		t.Errorf("pools = %+v", pools)
	}

	// No options: no query.
	if _, err := c.ListPools(context.Background(), nil); err != nil || len(query) != 0 {
		t.Errorf("query %v, %v", query, err)
	}
}

func TestListPoolsRefusesUnknownStatus(t *testing.T) {
	c, mt := newMock(t)
	_, err := c.ListPools(context.Background(), &modelarts.ListPoolsOptions{Status: "Running"})
	wantValidation(t, err, "status")
	if n := mt.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestGetPoolNotFound(t *testing.T) {
	c, mt := newMock(t)
	mt.RegisterResponder(http.MethodGet, base+"/pools/pool-x",
		jsonResponder(404, string(readTestdata(t, "error_pool_not_found.json")), "req-404"))
	_, err := c.GetPool(context.Background(), "pool-x")
	wantAPIError(t, err, 404, modelarts.CodePoolNotFound)
}

func TestListPoolsSkipsNullItems(t *testing.T) {
	c, mt := newMock(t)
	mt.RegisterResponder(http.MethodGet, base+"/pools",
		jsonResponder(200, `{"kind":"PoolList","items":[null,{"metadata":{"name":"p1"}},null]}`, ""))
	pools, err := c.ListPools(context.Background(), nil)
	if err != nil || len(pools) != 1 || pools[0].Name() != "p1" {
		t.Errorf("pools = %v, %v", pools, err)
	}
}

func TestPoolReadsAreRetried(t *testing.T) {
	c, mt := newMock(t)
	n := 0
	mt.RegisterResponder(http.MethodGet, base+"/pools/p1", func(r *http.Request) (*http.Response, error) {
		n++
		if n == 1 {
			return jsonResponder(503, `{"error_code":"ModelArts.0001","error_msg":"busy"}`, "")(r)
		}
		return jsonResponder(200, `{"metadata":{"name":"p1"},"status":{"phase":"Running"}}`, "")(r)
	})
	p, err := c.GetPool(context.Background(), "p1")
	if err != nil || p.Status.Phase != modelarts.PoolRunning || n != 2 {
		t.Errorf("pool %+v, %v after %d requests", p, err, n)
	}
}
