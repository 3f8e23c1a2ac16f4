package modelarts_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/cloudmigrate/cloudmigrate/modelarts"
)

const (
	lockURL   = base + "/pools/" + testPool + "/nodes/batch-lock"
	unlockURL = base + "/pools/" + testPool + "/nodes/batch-unlock"
	drainURL  = base + "/pools/" + testPool + "/nodes/batch-drain"
)

// bodyCheck answers status and answer after comparing the request body
// with want.
func bodyCheck(t *testing.T, want []byte, status int, answer string) func(*http.Request) (*http.Response, error) {
	return func(r *http.Request) (*http.Response, error) {
		checkHeaders(t, r)
		body, _ := io.ReadAll(r.Body)
		sameJSON(t, r.URL.Path+" body", body, want)
		return jsonResponder(status, answer, "req-nodes")(r)
	}
}

func TestLockNodesOfficialExample(t *testing.T) {
	for _, tc := range []struct {
		name string
		url  string
		call func(*modelarts.Client) (*modelarts.NodeBatchResult, error)
	}{
		{"lock", lockURL, func(c *modelarts.Client) (*modelarts.NodeBatchResult, error) {
			return c.LockNodes(context.Background(), testPool, []string{"os-node-created-xzz78"})
		}},
		{"unlock", unlockURL, func(c *modelarts.Client) (*modelarts.NodeBatchResult, error) {
			return c.UnlockNodes(context.Background(), testPool, []string{"os-node-created-xzz78"})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, mt := newMock(t)
			mt.RegisterResponder(http.MethodPost, tc.url, bodyCheck(t, readTestdata(t, "nodes_lock_request.json"),
				200, string(readTestdata(t, "nodes_lock_response.json"))))
			res, err := tc.call(c)
			if err != nil {
				t.Fatal(err)
			}
			// The documented example lists the node without a status: a
			// success.
			if !reflect.DeepEqual(res.Nodes, []modelarts.NodeResult{{Name: "os-node-created-xzz78", Status: modelarts.NodeResultSuccess}}) ||
				res.RequestID != "req-nodes" {
				t.Errorf("result = %+v", res)
			}
			if n := mt.GetTotalCallCount(); n != 1 {
				t.Errorf("%d requests", n)
			}
		})
	}
}

func TestNodeResultShapes(t *testing.T) {
	for _, tc := range []struct {
		body string
		want []modelarts.NodeResult
	}{
		{string(readTestdata(t, "nodes_update_response.json")), []modelarts.NodeResult{{"os-node-created-xzz78", "success"}}},
		// The reference's table gives an array of names.
		{`{"nodes":["a","b"]}`, []modelarts.NodeResult{{"a", "success"}, {"b", "success"}}},
		{`{"nodes":[{"name":"a","status":"failed"},"b"]}`, []modelarts.NodeResult{{"a", "failed"}, {"b", "success"}}},
		{`{"nodes":null}`, nil},
	} {
		var res modelarts.NodeBatchResult
		if err := json.Unmarshal([]byte(tc.body), &res); err != nil {
			t.Fatalf("%s: %v", tc.body, err)
		}
		if !reflect.DeepEqual(res.Nodes, tc.want) {
			t.Errorf("%s: nodes %+v, want %+v", tc.body, res.Nodes, tc.want)
		}
	}
	var r modelarts.NodeResult
	if err := json.Unmarshal([]byte(`42`), &r); err == nil {
		t.Error("a number decoded as a node result")
	}
}

func TestLockNodesReportsFailedNodes(t *testing.T) {
	c, mt := newMock(t)
	mt.RegisterResponder(http.MethodPost, lockURL, jsonResponder(200,
		`{"nodes":[{"name":"a","status":"success"},{"name":"b","status":"failed"}]}`, ""))
	res, err := c.LockNodes(context.Background(), testPool, []string{"a", "b", "c"})
	var nf *modelarts.NodesFailedError
	if !errors.As(err, &nf) {
		t.Fatalf("err = %v, want *NodesFailedError", err)
	}
	// b failed; c is not in the answer at all.
	if !reflect.DeepEqual(nf.Nodes, []string{"b", "c"}) || nf.Action != "lock" || nf.PoolName != testPool || res == nil ||
		!strings.Contains(err.Error(), "b, c") {
		t.Errorf("error %+v (%v), result %+v", nf, err, res)
	}
}

func TestNodeCallsValidation(t *testing.T) {
	eleven := make([]string, 11)
	for i := range eleven {
		eleven[i] = fmt.Sprintf("n%d", i)
	}
	for _, tc := range []struct {
		name  string
		call  func(*modelarts.Client) error
		field string
	}{
		{"lock none", func(c *modelarts.Client) error {
			_, err := c.LockNodes(context.Background(), testPool, nil)
			return err
		}, "nodeNames"},
		{"lock empty name", func(c *modelarts.Client) error {
			_, err := c.LockNodes(context.Background(), testPool, []string{"a", " "})
			return err
		}, "nodeNames[1]"},
		{"unlock twice", func(c *modelarts.Client) error {
			_, err := c.UnlockNodes(context.Background(), testPool, []string{"a", "b", "a"})
			return err
		}, "nodeNames[2]"},
		{"unlock bad pool", func(c *modelarts.Client) error {
			_, err := c.UnlockNodes(context.Background(), "a/b", []string{"a"})
			return err
		}, "poolName"},
		{"drain none", func(c *modelarts.Client) error { return c.DrainNodes(context.Background(), testPool, []string{}) }, "nodeNames"},
		{"drain eleven", func(c *modelarts.Client) error { return c.DrainNodes(context.Background(), testPool, eleven) }, "nodeNames"},
		{"drain twice", func(c *modelarts.Client) error {
			return c.DrainNodes(context.Background(), testPool, []string{"a", "a"})
		}, "nodeNames[1]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, mt := newMock(t)
			wantValidation(t, tc.call(c), tc.field)
			if n := mt.GetTotalCallCount(); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}

func TestDrainNodesOfficialExample(t *testing.T) {
	c, mt := newMock(t)
	mt.RegisterResponder(http.MethodPost, drainURL, bodyCheck(t, readTestdata(t, "nodes_drain_request.json"),
		200, string(readTestdata(t, "nodes_drain_response.json"))))
	if err := c.DrainNodes(context.Background(), testPool, []string{"os-node-created-xzz78"}); err != nil {
		t.Fatal(err)
	}
	// Ten nodes is the documented limit, and allowed.
	ten := make([]string, modelarts.MaxDrainNodes)
	for i := range ten {
		ten[i] = fmt.Sprintf("n%d", i)
	}
	mt.RegisterResponder(http.MethodPost, drainURL, jsonResponder(200, `{}`, ""))
	if err := c.DrainNodes(context.Background(), testPool, ten); err != nil {
		t.Fatal(err)
	}
}

func TestDrainNodesRefused(t *testing.T) {
	c, mt := newMock(t)
	mt.RegisterResponder(http.MethodPost, drainURL, jsonResponder(400, string(readTestdata(t, "error_drain_not_in_pool.json")), "req-400"))
	err := c.DrainNodes(context.Background(), testPool, []string{"os-node-created-xzz78"})
	apiErr := wantAPIError(t, err, 400, "ModelArts.50004000")
	if apiErr.Message != "Bad request. node cannot be drained because it is not in pool" || apiErr.RequestID != "req-400" {
		t.Errorf("error = %+v", apiErr)
	}
}

// State changes are sent once: a 5xx answer is returned, not retried.
func TestNodeStateChangesNotRetriedOn5xx(t *testing.T) {
	for name, url := range map[string]string{"lock": lockURL, "unlock": unlockURL, "drain": drainURL} {
		t.Run(name, func(t *testing.T) {
			c, mt := newMock(t)
			mt.RegisterResponder(http.MethodPost, url, jsonResponder(503, `{"error_code":"ModelArts.0001","error_msg":"busy"}`, ""))
			var err error
			switch name {
			case "lock":
				_, err = c.LockNodes(context.Background(), testPool, []string{"a"})
			case "unlock":
				_, err = c.UnlockNodes(context.Background(), testPool, []string{"a"})
			default:
				err = c.DrainNodes(context.Background(), testPool, []string{"a"})
			}
			wantAPIError(t, err, 503, "ModelArts.0001")
			if n := mt.GetTotalCallCount(); n != 1 {
				t.Errorf("sent %d times, want once", n)
			}
		})
	}
}

func TestNodeDrainInfoAndTaints(t *testing.T) {
	var n modelarts.Node
	err := json.Unmarshal([]byte(`{"metadata":{"name":"a","annotations":{"os.modelarts.node/drain":"{\"phase\":\"Drained\"}"}},
		"status":{"phase":"Available","taints":[{"key":"k","value":"v","effect":"NoSchedule","timeAdded":"2025-01-01T00:00:00Z"}]}}`), &n)
	if err != nil {
		t.Fatal(err)
	}
	info, drained := n.DrainInfo()
	if !drained || info != `{"phase":"Drained"}` {
		t.Errorf("DrainInfo = %q, %v", info, drained)
	}
	if want := []modelarts.NodeTaint{{Key: "k", Value: "v", Effect: modelarts.TaintNoSchedule, TimeAdded: "2025-01-01T00:00:00Z"}}; !reflect.DeepEqual(n.Status.Taints, want) {
		t.Errorf("taints = %+v", n.Status.Taints)
	}
	var plain modelarts.Node
	if _, drained := plain.DrainInfo(); drained {
		t.Error("a node without annotations is drained")
	}
}

func TestNodeVolumeCount(t *testing.T) {
	for body, want := range map[string]int{
		`{"volumeType":"SSD","size":"100","count":"3"}`: 3,
		`{"volumeType":"SSD","size":100,"count":3}`:     3,
		`{"volumeType":"SSD","size":"100"}`:             0,
		`{"volumeType":"SSD","count":""}`:               0,
		`{"volumeType":"SSD","count":null}`:             0,
	} {
		var v modelarts.NodeVolume
		if err := json.Unmarshal([]byte(body), &v); err != nil || v.Count != want || v.VolumeType != modelarts.VolumeSSD {
			t.Errorf("%s: %+v, %v", body, v, err)
		}
	}
	for _, body := range []string{`{"count":"two"}`, `{"count":1.5}`, `{"count":true}`} {
		var v modelarts.NodeVolume
		if err := json.Unmarshal([]byte(body), &v); err == nil {
			t.Errorf("%s decoded to %+v", body, v)
		}
	}
}
