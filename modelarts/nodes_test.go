package modelarts_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/cloudmigrate/cloudmigrate/modelarts"
)

var nodesURL = base + "/pools/" + testPool + "/nodes"

// nodeJSON is a listed node with the fields the service documents.
func nodeJSON(name, phase string) string {
	return `{
  "apiVersion": "v2", "kind": "Node",
  "metadata": {
    "name": "` + name + `",
    "creationTimestamp": "2024-07-01T08:00:00Z",
    "labels": {
      "os.modelarts.node/cluster": "lite-cluster-d3a65087-38e4-11ef-a12c-0255ac100b03",
      "os.modelarts.node/nodepool": "np-1",
      "os.modelarts.node/nodepoolname": "train",
      "os.modelarts.node/batch.uid": "b-7",
      "os.modelarts/resource.id": "res-` + name + `"
    },
    "annotations": {"os.modelarts/description": "migrated"}
  },
  "spec": {
    "flavor": "modelarts.vm.2u4g",
    "os": {"name": "EulerOS", "imageId": "img-1"},
    "hostNetwork": {"vpc": "vpc-1", "subnet": "subnet-1", "securityGroups": ["sg-1"]},
    "rootVolume": {"volumeType": "GPSSD", "size": "100"},
    "dataVolumes": [{"volumeType": "SSD", "size": 300, "count": 2}],
    "extendParams": {"dockerBaseSize": "50", "runtime": "containerd"}
  },
  "status": {
    "phase": "` + phase + `",
    "az": "cn-north-4a",
    "privateIp": "192.168.0.12",
    "resources": {"cpu": "2", "memory": "4Gi", "nvidia.com/gpu": 1},
    "availableResources": {"cpu": "1", "memory": null}
  }
}`
}

// nodePages serves three pages chained by continue tokens, and records
// the tokens asked for.
func nodePages(t *testing.T, tokens *[]string) func(*http.Request) (*http.Response, error) {
	pages := map[string]struct {
		names []string
		next  string
	}{
		"":      {[]string{"n1", "n2"}, "tok-2"},
		"tok-2": {[]string{"n3", "n4"}, "tok-3"},
		"tok-3": {[]string{"n5"}, ""},
	}
	return func(r *http.Request) (*http.Response, error) {
		checkHeaders(t, r)
		q := r.URL.Query()
		if q.Get("limit") != "2" {
			t.Errorf("limit = %q, want 2", q.Get("limit"))
		}
		tok := q.Get("continue")
		*tokens = append(*tokens, tok)
		p, ok := pages[tok]
		if !ok {
			return jsonResponder(400, `{"error_code":"ModelArts.0101","error_msg":"bad continue"}`, "")(r)
		}
		var items []string
		for _, n := range p.names {
			items = append(items, nodeJSON(n, "Available"))
		}
		remaining := ""
		if p.next != "" {
			remaining = `,"remainingItemCount":3`
		}
		body := fmt.Sprintf(`{"apiVersion":"v2","kind":"NodeList","metadata":{"continue":%q%s},"items":[%s]}`,
			p.next, remaining, strings.Join(items, ","))
		return jsonResponder(200, body, "")(r)
	}
}

func TestListPoolNodesPaging(t *testing.T) {
	c, mt := newMock(t)
	var tokens []string
	mt.RegisterResponder(http.MethodGet, nodesURL, nodePages(t, &tokens))
	var names []string
	for n, err := range c.ListPoolNodes(context.Background(), testPool, &modelarts.ListPoolNodesOptions{PageSize: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, n.Name())
	}
	if got := strings.Join(names, ","); got != "n1,n2,n3,n4,n5" {
		t.Errorf("names = %s", got)
	}
	if got := strings.Join(tokens, ","); got != ",tok-2,tok-3" {
		t.Errorf("tokens = %q", got)
	}
	if n := mt.GetTotalCallCount(); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
}

func TestListPoolNodesStopsEarly(t *testing.T) {
	for _, tc := range []struct {
		stopAt string
		calls  int
	}{{"n1", 1}, {"n2", 1}, {"n3", 2}, {"n5", 3}} {
		c, mt := newMock(t)
		var tokens []string
		mt.RegisterResponder(http.MethodGet, nodesURL, nodePages(t, &tokens))
		for n, err := range c.ListPoolNodes(context.Background(), testPool, &modelarts.ListPoolNodesOptions{PageSize: 2}) {
			if err != nil {
				t.Fatal(err)
			}
			if n.Name() == tc.stopAt {
				break
			}
		}
		if n := mt.GetTotalCallCount(); n != tc.calls {
			t.Errorf("stop at %s: %d requests, want %d", tc.stopAt, n, tc.calls)
		}
	}
}

func TestListPoolNodesDecodesNode(t *testing.T) {
	c, mt := newMock(t)
	mt.RegisterResponder(http.MethodGet, nodesURL, func(r *http.Request) (*http.Response, error) {
		if r.URL.RawQuery != "" {
			t.Errorf("query = %q, want none", r.URL.RawQuery)
		}
		return jsonResponder(200, `{"apiVersion":"v2","kind":"NodeList","metadata":{},"items":[`+nodeJSON("os-node-created-zrxm7", "Checking")+`]}`, "")(r)
	})
	var got []*modelarts.Node
	for n, err := range c.ListPoolNodes(context.Background(), testPool, nil) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, n)
	}
	if len(got) != 1 {
		t.Fatalf("%d nodes", len(got))
	}
	n := got[0]
	if n.APIVersion != "v2" || n.Kind != "Node" || n.Name() != "os-node-created-zrxm7" ||
		n.Metadata.CreationTimestamp != "2024-07-01T08:00:00Z" {
		t.Errorf("node = %+v", n)
	}
	md := n.Metadata
	if md.Labels[modelarts.LabelCluster] != "lite-cluster-d3a65087-38e4-11ef-a12c-0255ac100b03" ||
		md.Labels[modelarts.LabelNodePool] != "np-1" || md.Labels[modelarts.LabelNodePoolName] != "train" ||
		md.Labels[modelarts.LabelBatchUID] != "b-7" || md.Labels[modelarts.LabelResourceID] != "res-os-node-created-zrxm7" ||
		md.Annotations["os.modelarts/description"] != "migrated" {
		t.Errorf("metadata = %+v", md)
	}
	sp := n.Spec
	if sp.Flavor != "modelarts.vm.2u4g" || string(sp.OS) != `{"name": "EulerOS", "imageId": "img-1"}` {
		t.Errorf("spec = %+v", sp)
	}
	if !reflect.DeepEqual(sp.HostNetwork, &modelarts.NodeNetwork{VPC: "vpc-1", Subnet: "subnet-1", SecurityGroups: []string{"sg-1"}}) {
		t.Errorf("hostNetwork = %+v", sp.HostNetwork)
	}
	if !reflect.DeepEqual(sp.RootVolume, &modelarts.NodeVolume{VolumeType: modelarts.VolumeGPSSD, Size: "100"}) ||
		!reflect.DeepEqual(sp.DataVolumes, []modelarts.NodeVolume{{VolumeType: modelarts.VolumeSSD, Size: "300", Count: 2}}) {
		t.Errorf("volumes = %+v %+v", sp.RootVolume, sp.DataVolumes)
	}
	if sp.ExtendParams == nil || sp.ExtendParams.DockerBaseSize != "50" || sp.ExtendParams.Runtime != modelarts.RuntimeContainerd {
		t.Errorf("extendParams = %+v", sp.ExtendParams)
	}
	st := n.Status
	if st.Phase != modelarts.NodeChecking || st.AZ != "cn-north-4a" || st.PrivateIP != "192.168.0.12" {
		t.Errorf("status = %+v", st)
	}
	if !reflect.DeepEqual(st.Resources, map[string]modelarts.Quantity{"cpu": "2", "memory": "4Gi", "nvidia.com/gpu": "1"}) ||
		!reflect.DeepEqual(st.AvailableResources, map[string]modelarts.Quantity{"cpu": "1", "memory": ""}) {
		t.Errorf("resources = %v / %v", st.Resources, st.AvailableResources)
	}
}

func TestListPoolNodesErrorEndsSequence(t *testing.T) {
	c, mt := newMock(t)
	mt.RegisterResponder(http.MethodGet, nodesURL, func(r *http.Request) (*http.Response, error) {
		if r.URL.Query().Get("continue") == "" {
			return jsonResponder(200, `{"metadata":{"continue":"tok-2"},"items":[`+nodeJSON("n1", "Available")+`]}`, "")(r)
		}
		return jsonResponder(404, string(readTestdata(t, "error_pool_not_found.json")), "req-nodes")(r)
	})
	var names []string
	var errs []error
	for n, err := range c.ListPoolNodes(context.Background(), testPool, nil) {
		if err != nil {
			errs = append(errs, err)
			continue // the sequence must end by itself
		}
		names = append(names, n.Name())
	}
	if len(names) != 1 || len(errs) != 1 {
		t.Fatalf("names %v, errors %v", names, errs)
	}
	apiErr := wantAPIError(t, errs[0], 404, modelarts.CodePoolNotFound)
	if apiErr.Message != "pool not found" || apiErr.RequestID != "req-nodes" {
		t.Errorf("error = %+v", apiErr)
	}
	if n := mt.GetTotalCallCount(); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestListPoolNodesRepeatedToken(t *testing.T) {
	c, mt := newMock(t)
	mt.RegisterResponder(http.MethodGet, nodesURL,
		jsonResponder(200, `{"metadata":{"continue":"same"},"items":[`+nodeJSON("n1", "Available")+`]}`, ""))
	var err error
	for _, e := range c.ListPoolNodes(context.Background(), testPool, nil) {
		if e != nil {
			err = e
		}
	}
	if err == nil || errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want a repeated-token error", err)
	}
	if n := mt.GetTotalCallCount(); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestListPoolNodesValidation(t *testing.T) {
	for _, tc := range []struct {
		name, pool string
		opts       *modelarts.ListPoolNodesOptions
		field      string
	}{
		{"empty pool", "", nil, "poolName"},
		{"pool with slash", "a/b", nil, "poolName"},
		{"negative page", testPool, &modelarts.ListPoolNodesOptions{PageSize: -1}, "limit"},
		{"page too large", testPool, &modelarts.ListPoolNodesOptions{PageSize: 501}, "limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, mt := newMock(t)
			n := 0
			for node, err := range c.ListPoolNodes(context.Background(), tc.pool, tc.opts) {
				n++
				if node != nil {
					t.Error("got a node")
				}
				wantValidation(t, err, tc.field)
			}
			if n != 1 || mt.GetTotalCallCount() != 0 {
				t.Errorf("%d yields, %d requests; want 1 and 0", n, mt.GetTotalCallCount())
			}
		})
	}
}
