package modelarts_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/modelarts"
)

// adoptRequest moves n1 and n2 from pool-src to pool-dst.
func adoptRequest() *modelarts.BatchMigrateRequest {
	return &modelarts.BatchMigrateRequest{
		MigrateNodeNames: []string{"n1", "n2"}, FromClusterName: opSource, ToClusterName: opTarget, ToPoolName: opTarget,
		ResourceSpec: &modelarts.MigrateResourceSpec{Flavor: "f"},
	}
}

func TestStartAdoptsARunningJobThatNamesTheNodes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		inputs string // the job's inputs or involvedObjects, as JSON
		named  []string
		target string
	}{
		// The shape the fake writes: the request in a JSON string.
		{"request in a string", `"inputs":"{\"migrateNodeNames\":[\"n2\"],\"toPoolName\":\"pool-other\",\"toClusterName\":\"pool-other\"}"`,
			[]string{"n2"}, "pool-other"},
		{"object", `"inputs":{"nodes":[{"name":"n1"},{"name":"n2"}]}`, []string{"n1", "n2"}, opTarget},
		{"involved objects", `"involvedObjects":"[\"n1\"]"`, []string{"n1"}, opTarget},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, mt := newMock(t)
			mt.RegisterResponder(http.MethodGet, base+"/jobs", jsonResponder(200, `{"count":2,"items":[
				{"jobId":"done","phase":"Success","inputs":"{\"migrateNodeNames\":[\"n1\"]}"},
				{"jobId":"j-run","phase":"Running","startTimestamp":1718000000000,`+tc.inputs+`}]}`, ""))
			op, err := c.BatchMigrateNodes(context.Background(), opSource, adoptRequest())
			var ipe *cloudmigrate.InProgressError
			if !errors.As(err, &ipe) || !errors.Is(err, cloudmigrate.ErrInProgress) {
				t.Fatalf("err = %v (%T), want an *InProgressError", err, err)
			}
			if want := "node(s) " + strings.Join(tc.named, ", ") + " of pool " + opSource; ipe.Resource != want ||
				ipe.Evidence != "job j-run Running names them" {
				t.Errorf("error = %+v", ipe)
			}
			if op == nil || op.ID() != "j-run" {
				t.Fatalf("handle %v", op)
			}
			tok := op.Token()
			if !reflect.DeepEqual(tok.Resources, tc.named) || tok.Target != tc.target || tok.Source != opSource ||
				!tok.Started.Equal(opStarted) {
				t.Errorf("token = %+v", tok)
			}
			if n := calls(mt, http.MethodPost, migrateURL(opSource)); n != 0 {
				t.Errorf("%d starts sent", n)
			}
			if n := mt.GetTotalCallCount(); n != 1 {
				t.Errorf("%d requests, want 1 (the job list)", n)
			}
		})
	}
}

func TestStartIgnoresJobsThatDoNotMoveTheNodes(t *testing.T) {
	for _, tc := range []struct {
		name      string
		items     string
		nodeReads int
	}{
		{"none", ``, 0},
		{"ended jobs naming them", `{"jobId":"a","phase":"Success","inputs":"[\"n1\"]"},{"jobId":"b","phase":"Failed","inputs":"[\"n2\"]"}`, 0},
		{"running job of other nodes", `{"jobId":"a","phase":"Running","inputs":"{\"migrateNodeNames\":[\"n3\"]}"}`, 0},
		{"running job with an unusable ID", `{"jobId":"a/b","phase":"Running","inputs":"[\"n1\"]"}`, 0},
		{"node repair job", `{"jobId":"a","phase":"Running","type":"reboot-node"}`, 0},
		{"two silent jobs", `{"jobId":"a","phase":"Running"},{"jobId":"b","phase":"Running"}`, 0},
		// One job says nothing: the nodes are read, and none is busy.
		{"silent job, idle nodes", `{"jobId":"a","phase":"Running"}`, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, mt := newMock(t)
			mt.RegisterResponder(http.MethodGet, base+"/jobs", jsonResponder(200, `{"count":1,"items":[`+tc.items+`]}`, ""))
			mt.RegisterResponder(http.MethodGet, base+"/pools/"+opSource+"/nodes", targetNodes(t, nil, []string{"n1:Available", "n2:Available"}))
			mt.RegisterResponder(http.MethodPost, migrateURL(opSource), jsonResponder(200, `{"job_id":"new"}`, ""))
			op, err := c.BatchMigrateNodes(context.Background(), opSource, adoptRequest())
			if err != nil || op.ID() != "new" {
				t.Fatalf("start: %v, id %q", err, op.ID())
			}
			if n := calls(mt, http.MethodGet, base+"/pools/"+opSource+"/nodes"); n != tc.nodeReads {
				t.Errorf("%d node reads, want %d", n, tc.nodeReads)
			}
			if n := calls(mt, http.MethodPost, migrateURL(opSource)); n != 1 {
				t.Errorf("%d starts", n)
			}
		})
	}
}

// A single running job that says nothing, while the nodes are Checking or
// Creating, is the move in flight.
func TestStartAdoptsFromTheNodesPhases(t *testing.T) {
	c, mt := newMock(t)
	mt.RegisterResponder(http.MethodGet, base+"/jobs", jsonResponder(200,
		`{"count":2,"items":[{"jobId":"fix","phase":"Running","type":"replace-node"},{"jobId":"j-silent","phase":"Running","type":"migrate"}]}`, ""))
	mt.RegisterResponder(http.MethodGet, base+"/pools/"+opSource+"/nodes",
		targetNodes(t, nil, []string{"n0:Available", "n1:Creating"}, []string{"n2:Checking", "n3:Checking"}))
	op, err := c.BatchMigrateNodes(context.Background(), opSource, adoptRequest())
	var ipe *cloudmigrate.InProgressError
	if !errors.As(err, &ipe) || ipe.Evidence != "job j-silent Running; n1 Creating, n2 Checking" {
		t.Fatalf("err = %v", err)
	}
	if op.ID() != "j-silent" || !reflect.DeepEqual(op.Token().Resources, []string{"n1", "n2"}) {
		t.Errorf("token = %+v", op.Token())
	}
	if n := calls(mt, http.MethodPost, migrateURL(opSource)); n != 0 {
		t.Errorf("%d starts", n)
	}
}

// If the look before the start fails, nothing is started.
func TestStartStopsWhenTheLookFails(t *testing.T) {
	const forbidden = `{"error_code":"ModelArts.0203","error_msg":"forbidden"}`
	for _, tc := range []struct {
		name        string
		jobs, nodes int // statuses of the two reads
	}{
		{"job list", 403, 200},
		{"node list", 200, 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, mt := newMock(t)
			list := `{"count":1,"items":[{"jobId":"a","phase":"Running"}]}` // one silent job: the nodes are read
			if tc.jobs != 200 {
				list = forbidden
			}
			mt.RegisterResponder(http.MethodGet, base+"/jobs", jsonResponder(tc.jobs, list, ""))
			mt.RegisterResponder(http.MethodGet, base+"/pools/"+opSource+"/nodes", jsonResponder(tc.nodes, forbidden, ""))
			mt.RegisterResponder(http.MethodPost, migrateURL(opSource), jsonResponder(200, `{"job_id":"new"}`, ""))
			op, err := c.BatchMigrateNodes(context.Background(), opSource, adoptRequest())
			wantAPIError(t, err, 403, "ModelArts.0203")
			if op != nil {
				t.Error("got a handle")
			}
			if n := calls(mt, http.MethodPost, migrateURL(opSource)); n != 0 {
				t.Errorf("%d starts", n)
			}
		})
	}
}

// A nil context is refused before anything is sent, look included.
func TestStartWithNilContext(t *testing.T) {
	c, mt := newMock(t)
	//lint:ignore SA1012 the nil context is what is tested
	op, err := c.BatchMigrateNodes(nil, opSource, adoptRequest())
	wantValidation(t, err, "ctx")
	if op != nil || mt.GetTotalCallCount() != 0 {
		t.Errorf("handle %v, %d requests", op, mt.GetTotalCallCount())
	}
}
