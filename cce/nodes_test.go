package cce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
)

const (
	nodesPath = "/api/v3/projects/" + testProject + "/clusters/" + srcCluster + "/nodes"
	testPool  = "b8a2f9e6-45ee-11ea-a3ff-0255ac100b05"
)

// checkGET fails unless r is a GET of path with the SDK's headers and no
// body.
func checkGET(t *testing.T, r seen, path string) {
	t.Helper()
	if r.Method != http.MethodGet || r.Path != path || r.Query != "" || len(r.Body) != 0 {
		t.Errorf("sent %s %s?%s with %d body bytes, want GET %s", r.Method, r.Path, r.Query, len(r.Body), path)
	}
	if got := r.Header.Get("X-Project-Id"); got != testProject {
		t.Errorf("X-Project-Id = %q", got)
	}
	if got := r.Header.Values("X-Auth-Token"); len(got) != 1 || got[0] != testToken {
		t.Errorf("X-Auth-Token = %q", got)
	}
}

// The API reference's example of a cluster decodes into every field it
// sets.
func TestGetClusterOfficialSample(t *testing.T) {
	f := newRawFake(t, replyJSON(200, string(readTestdata(t, "cluster_show_response.json"))))
	c, err := f.client().GetCluster(context.Background(), srcCluster)
	if err != nil {
		t.Fatal(err)
	}
	checkGET(t, f.only(), "/api/v3/projects/"+testProject+"/clusters/"+srcCluster)
	created, _ := ParseTime("2020-04-22 07:23:50.157883 +0000 UTC")
	updated, _ := ParseTime("2020-05-08 03:10:12.174334 +0000 UTC")
	want := &Cluster{
		Kind: "Cluster", APIVersion: "v3",
		Metadata: ClusterMetadata{Name: "mycluster", UID: "365b5e05-846a-11ea-9fe6-0255ac101107", CreationTimestamp: created, UpdateTimestamp: updated},
		Spec: ClusterSpec{
			Type: "VirtualMachine", Flavor: "cce.s1.small", Version: "v1.17.9-r0", Description: "new description",
			AZ: "eu-de-01", SupportIstio: true,
			HostNetwork: &HostNetwork{
				VPC: "23d3725f-6ffe-400e-8fb6-b4f9a7b3e8c1", Subnet: "c90b3ce5-e1f1-4c87-a006-644d78846438",
				SecurityGroup: "7bf2a95b-f41d-4187-9e72-d0a9a4de8e6d",
			},
			ContainerNetwork:     &ContainerNetwork{Mode: "overlay_l2", CIDR: "172.16.0.0/16"},
			ENINetwork:           &ENINetwork{},
			Authentication:       &ClusterAuthentication{Mode: "rbac"},
			ExtendParam:          &ClusterExtendParam{},
			KubernetesSvcIPRange: "10.247.0.0/16", KubeProxyMode: "iptables",
		},
		Status: ClusterStatus{Phase: ClusterAvailable, Endpoints: []ClusterEndpoint{
			{URL: "https://192.168.0.61:5443", Type: "Internal"},
			{URL: "https://10.185.69.54:5443", Type: "External"},
		}},
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("decoded\n%+v\nwant\n%+v", c, want)
	}
}

// Every field of Cluster has the JSON name of the reference: a document
// setting all of them encodes back to itself.
func TestClusterEveryField(t *testing.T) {
	raw := readTestdata(t, "cluster_full.json")
	var c Cluster
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	again, err := json.Marshal(&c)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, again, raw)
	if c.Spec.Category != CategoryCCE || !c.Spec.IPv6Enable || c.Status.Phase != ClusterUpgrading || c.Spec.ExtendParam.CPUManagerPolicy != "static" {
		t.Errorf("decoded %+v", c)
	}
}

func TestListNodesOfficialSample(t *testing.T) {
	f := newRawFake(t, replyJSON(200, string(readTestdata(t, "node_list_response.json"))))
	nodes, err := f.client().ListNodes(context.Background(), srcCluster)
	if err != nil {
		t.Fatal(err)
	}
	checkGET(t, f.only(), nodesPath)
	if len(nodes) != 1 {
		t.Fatalf("%d nodes", len(nodes))
	}
	n := nodes[0]
	// The example writes the item's apiVersion as "apiversion"; JSON names
	// match without regard to case.
	if n.Kind != "Node" || n.APIVersion != "v3" || n.Metadata.UID != "4d1ecb2c-229a-11e8-9c75-0255ac100ceb" || n.Metadata.Name != "myhost" {
		t.Errorf("metadata %+v", n)
	}
	if n.Spec.Flavor != "s1.medium" || n.Spec.AZ != "eu-de-01" || n.Spec.OS != "EulerOS 2.5" || n.Spec.Login.SSHKey != "KeyPair-demo" {
		t.Errorf("spec %+v", n.Spec)
	}
	if n.Spec.RootVolume == nil || !reflect.DeepEqual(*n.Spec.RootVolume, Volume{Size: 40, VolumeType: "SAS"}) || len(n.Spec.DataVolumes) != 1 || n.Spec.DataVolumes[0].Size != 100 {
		t.Errorf("volumes %+v %+v", n.Spec.RootVolume, n.Spec.DataVolumes)
	}
	if n.Spec.NodeNicSpec == nil || n.Spec.NodeNicSpec.PrimaryNic.SubnetID != "c90b3ce5-e1f1-4c87-a006-644d78846438" || !json.Valid(n.Spec.Storage) {
		t.Errorf("nic %+v, storage %s", n.Spec.NodeNicSpec, n.Spec.Storage)
	}
	if n.Status.Phase != NodePhaseActive || n.Status.ServerID != "456789abc-9368-46f3-8f29-d1a95622a568" ||
		n.Status.PrivateIP != "192.168.1.23" || n.Status.PublicIP != "10.34.56.78" {
		t.Errorf("status %+v", n.Status)
	}
	if got := n.NodePoolID(); got != "eu-de-01#s1.medium#EulerOS 2.5" || !n.InDefaultPool() {
		t.Errorf("node pool %q, in default pool %v", got, n.InDefaultPool())
	}
	if ts := n.Metadata.CreationTimestamp; ts.Raw() != "" || ts.UTC().Format("2006-01-02T15:04:05.000000000") != "2020-02-02T07:37:24.005071325" {
		t.Errorf("creationTimestamp %v (raw %q)", ts, ts.Raw())
	}
}

func TestGetNodeOfficialSample(t *testing.T) {
	const node = "4d1ecb2c-229a-11e8-9c75-0255ac100ceb"
	f := newRawFake(t, replyJSON(200, string(readTestdata(t, "node_show_response.json"))))
	n, err := f.client().GetNode(context.Background(), srcCluster, node)
	if err != nil {
		t.Fatal(err)
	}
	checkGET(t, f.only(), nodesPath+"/"+node)
	if n.Metadata.UID != node || n.Status.Phase != NodePhaseActive || n.Spec.Login.SSHKey != "Keypair-demo" ||
		n.Spec.PublicIP == nil || n.Spec.PublicIP.EIP == nil || n.Spec.PublicIP.EIP.Bandwidth == nil {
		t.Errorf("node %+v", n)
	}
	var storage struct {
		StorageGroups []struct{ Name string } `json:"storageGroups"`
	}
	if err := json.Unmarshal(n.Spec.Storage, &storage); err != nil || len(storage.StorageGroups) != 1 || storage.StorageGroups[0].Name != "vgpaas" {
		t.Errorf("storage %s: %v", n.Spec.Storage, err)
	}
}

// Every field of Node has the JSON name of the reference.
func TestNodeEveryField(t *testing.T) {
	raw := readTestdata(t, "node_full.json")
	var n Node
	if err := json.Unmarshal(raw, &n); err != nil {
		t.Fatal(err)
	}
	again, err := json.Marshal(&n)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, again, raw)
	if n.NodePoolID() != testPool || n.InDefaultPool() || n.Status.ConfigurationUpToDate == nil || *n.Status.ConfigurationUpToDate {
		t.Errorf("pool %q, configurationUpToDate %v", n.NodePoolID(), n.Status.ConfigurationUpToDate)
	}
	if n.Spec.RootVolume.Metadata.SystemCMKID == "" || n.Spec.ExtendParam.MaxPods != 110 || n.Status.DeleteStatus.Deleted != 2 {
		t.Errorf("decoded %+v", n)
	}
}

// A node's password login, as CCE shows it, never prints or encodes.
func TestNodeLoginMasked(t *testing.T) {
	var n Node
	if err := json.Unmarshal([]byte(`{"spec":{"login":{"userPassword":{"username":"root","password":"$6$abc$secret"}}}}`), &n); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(&n)
	for _, s := range []string{string(out), fmtAll(n), fmtAll(&n)} {
		if strings.Contains(s, "secret") {
			t.Errorf("password shown: %s", s)
		}
	}
}

// fmtAll renders v with the fmt verbs a caller might log it with.
func fmtAll(v any) string { return fmt.Sprintf("%v %+v %#v %s", v, v, v, v) }

func TestNodePoolID(t *testing.T) {
	cases := []struct {
		name string
		node *Node
		id   string
		dflt bool
	}{
		{"nil node", nil, "", true},
		{"no annotation", &Node{}, "", true},
		{"DefaultPool", &Node{Metadata: NodeMetadata{Annotations: map[string]string{AnnotationNodePoolID: "DefaultPool"}}}, "DefaultPool", true},
		{"az#flavor#os", &Node{Metadata: NodeMetadata{Annotations: map[string]string{AnnotationNodePoolID: "eu-de-01#s1.medium#EulerOS 2.5"}}}, "eu-de-01#s1.medium#EulerOS 2.5", true},
		{"custom pool annotation", &Node{Metadata: NodeMetadata{Annotations: map[string]string{AnnotationNodePoolID: testPool}}}, testPool, false},
		{"owner reference wins", &Node{Metadata: NodeMetadata{
			Annotations:     map[string]string{AnnotationNodePoolID: "eu-de-01#s1.medium#EulerOS 2.5"},
			OwnerReferences: &NodeOwnerReferences{NodePoolID: testPool, NodePoolName: "web"},
		}}, testPool, false},
		{"empty owner reference", &Node{Metadata: NodeMetadata{OwnerReferences: &NodeOwnerReferences{NodePoolName: "x"}}}, "", true},
	}
	for _, tc := range cases {
		if got := tc.node.NodePoolID(); got != tc.id {
			t.Errorf("%s: NodePoolID %q, want %q", tc.name, got, tc.id)
		}
		if got := tc.node.InDefaultPool(); got != tc.dflt {
			t.Errorf("%s: InDefaultPool %v", tc.name, got)
		}
	}
}

func TestNodeReadsRetriedAndErrors(t *testing.T) {
	n := 0
	f := newRawFake(t, func(w http.ResponseWriter, r *http.Request) {
		n++
		if n == 1 {
			replyJSON(503, `{"errorCode":"CCE.01500001","errorMessage":"busy"}`)(w, r)
			return
		}
		replyJSON(404, `{"errorCode":"CCE.01404001","errorMessage":"node not found"}`)(w, r)
	})
	_, err := f.client().GetNode(context.Background(), srcCluster, "missing")
	var apiErr *cloudmigrate.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || apiErr.Code != CodeNotFound || apiErr.Attempts != 2 || f.count() != 2 {
		t.Fatalf("err = %v after %d requests, want 404 CCE.01404001 after a retried 503", err, f.count())
	}
}

// The request is the documented document, and an empty 200 is success.
func TestMigrateToNodePool(t *testing.T) {
	f := newRawFake(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	err := f.client().MigrateToNodePool(context.Background(), srcCluster, testPool,
		[]string{"4d1ecb2c-229a-11e8-9c75-0255ac100ceb", "5e2fdc3d-229a-11e8-9c75-0255ac100ceb"})
	if err != nil {
		t.Fatal(err)
	}
	r := f.only()
	if want := "/api/v3/projects/" + testProject + "/clusters/" + srcCluster + "/nodepools/" + testPool + "/nodes/migrate"; r.Method != http.MethodPut || r.Path != want {
		t.Errorf("sent %s %s, want PUT %s", r.Method, r.Path, want)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	sameJSON(t, r.Body, readTestdata(t, "migrate_to_nodepool_request.json"))
}

func TestMigrateToNodePoolValidation(t *testing.T) {
	many := make([]string, MaxNodesPerPoolMigration+1)
	for i := range many {
		many[i] = "n" + strings.Repeat("x", i)
	}
	cases := []struct {
		name  string
		ids   []string
		field string
	}{
		{"none", nil, "nodeList"},
		{"too many", many, "nodeList"},
		{"empty", []string{"a", ""}, "nodeList[1].nodeID"},
		{"blank", []string{" "}, "nodeList[0].nodeID"},
		{"not UTF-8", []string{"a\xff"}, "nodeList[0].nodeID"},
		{"repeated", []string{"a", "b", "a"}, "nodeList[2].nodeID"},
	}
	f := newRawFake(t, replyJSON(200, `{}`))
	for _, tc := range cases {
		err := f.client().MigrateToNodePool(context.Background(), srcCluster, testPool, tc.ids)
		wantValidation(t, err, tc.field)
	}
	if f.count() != 0 {
		t.Fatalf("%d requests sent", f.count())
	}
	// Fifty is the limit, not beyond.
	if err := f.client().MigrateToNodePool(context.Background(), srcCluster, testPool, many[:MaxNodesPerPoolMigration]); err != nil {
		t.Errorf("50 nodes: %v", err)
	}
}

// The move changes the cluster: a 5xx is not repeated, a 429 is.
func TestMigrateToNodePoolRetries(t *testing.T) {
	f := newRawFake(t, replyJSON(500, `{"errorCode":"CCE.01500001","errorMessage":"internal error"}`))
	err := f.client(cloudmigrate.WithRetry(4)).MigrateToNodePool(context.Background(), srcCluster, testPool, []string{"a"})
	if err == nil || f.count() != 1 {
		t.Fatalf("err %v after %d requests, want one 500", err, f.count())
	}
	n := 0
	f = newRawFake(t, func(w http.ResponseWriter, r *http.Request) {
		if n++; n == 1 {
			replyJSON(429, `{"errorCode":"CCE.01429002","errorMessage":"locked"}`)(w, r)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	if err := f.client().MigrateToNodePool(context.Background(), srcCluster, testPool, []string{"a"}); err != nil || f.count() != 2 {
		t.Fatalf("err %v after %d requests, want success after a 429", err, f.count())
	}
}
