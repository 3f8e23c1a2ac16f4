package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/cloudmigrate/cloudmigrate/cce/ccetest"
	"github.com/cloudmigrate/cloudmigrate/ecs/ecstest"
	"github.com/cloudmigrate/cloudmigrate/manila"
	"github.com/cloudmigrate/cloudmigrate/manila/manilatest"
	"github.com/cloudmigrate/cloudmigrate/modelarts/modelartstest"
	"github.com/cloudmigrate/cloudmigrate/nova/novatest"
)

// The fake cloud runs in a process of its own, as a real cloud would: the
// test binary started again with fakeCloudEnv set. It serves the fakes on
// loopback, prints a cloudInfo as one line of JSON on its standard output,
// and keeps its state until its standard input closes or it gets SIGTERM.
// Its clocks stand still until a POST to /clock on its control endpoint
// starts them.

const (
	// fakeCloudEnv, set to "1", makes the test binary serve the fake cloud.
	fakeCloudEnv = "GO_WANT_FAKE_SERVER"
	// fakeFailEnv lists, comma-separated, the services whose next
	// migration the fake cloud makes fail.
	fakeFailEnv = "GO_FAKE_CLOUD_FAIL"

	fakeAccessKey = "FAKERESUMEACCESSKEY1"
	fakeSecretKey = "fake-resume-secret-key-0123456789"
	fakeProjectID = "5a3b9c2d1e0f4a5b8c7d6e5f4a3b2c1d"
	fakeFailure   = "the destination has no room left"
)

// move is one of the moves the tests ask for: the fake cloud holds the
// resources at from, and the program moves them to to.
type move struct {
	service   string
	resources []string
	from, to  string
}

var plan = []move{
	{"ecs", []string{"srv-1"}, "deh-a", "deh-b"},
	{"cce", []string{"node-1", "node-2"}, "cluster-old", "cluster-new"},
	{"modelarts", []string{"node-a", "node-b"}, "pool-train", "pool-infer"},
	{"nova", []string{"vm-1"}, "compute-1", "compute-2"},
	{"manila", []string{"ss-1"}, "manila-share-1@alpha", "manila-share-2@beta"},
}

// cloudInfo is what the fake cloud prints: where it listens and how to
// sign in.
type cloudInfo struct {
	Control                         string                  `json:"control"`
	Endpoints                       map[string]string       `json:"endpoints"` // ecs, cce, modelarts
	AccessKey, SecretKey, ProjectID string                  // for every Huawei Cloud fake
	Keystones                       map[string]keystoneInfo `json:"keystones"` // nova, manila
}

// keystoneInfo is one OpenStack fake's Keystone and user.
type keystoneInfo struct {
	AuthURL, Username, Password, ProjectID string
}

// fakeState is what the control endpoint's GET /state answers.
type fakeState struct {
	// Starts counts, per service, the requests that start a move.
	Starts map[string]int `json:"starts"`
	// Where says, per resource of the plan, where it is now.
	Where map[string]string `json:"where"`
}

// fakeCloud is the fake cloud's state, in its own process.
type fakeCloud struct {
	ecs    *ecstest.Server
	cce    *ccetest.Server
	ma     *modelartstest.Server
	nova   *novatest.Server
	manila *manilatest.Server
}

// serveFakeCloud is the fake cloud process's main function.
func serveFakeCloud() int {
	f := newFakeCloud(strings.Split(os.Getenv(fakeFailEnv), ","))
	defer f.close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "fake cloud:", err)
		return 1
	}
	go http.Serve(ln, f.control())
	info := f.info("http://" + ln.Addr().String())
	if err := json.NewEncoder(os.Stdout).Encode(info); err != nil {
		fmt.Fprintln(os.Stderr, "fake cloud:", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() { io.Copy(io.Discard, os.Stdin); stop() }()
	<-ctx.Done()
	return 0
}

// newFakeCloud starts the fakes, all with the same Huawei Cloud
// credentials, and puts the plan's resources at their sources. The
// services in fail get their next migration failed.
func newFakeCloud(fail []string) *fakeCloud {
	f := &fakeCloud{
		ecs:    ecstest.NewServer(ecstest.WithCredentials(fakeAccessKey, fakeSecretKey, fakeProjectID)),
		cce:    ccetest.NewServer(ccetest.WithCredentials(fakeAccessKey, fakeSecretKey, fakeProjectID)),
		ma:     modelartstest.NewServer(modelartstest.WithCredentials(fakeAccessKey, fakeSecretKey, fakeProjectID)),
		nova:   novatest.NewServer(),
		manila: manilatest.NewServer(),
	}
	f.ecs.AddHost("deh-a", "deh-b")
	f.ecs.AddServer(ecstest.ServerInfo{ID: "srv-1", Status: ecstest.StatusShutoff, HostID: "deh-a"})
	f.cce.AddCluster("cluster-old", "old")
	f.cce.AddCluster("cluster-new", "new")
	f.cce.AddNode("cluster-old", "node-1", "worker-1")
	f.cce.AddNode("cluster-old", "node-2", "worker-2")
	f.ma.AddPool("pool-train")
	f.ma.AddPool("pool-infer")
	for _, n := range []string{"node-a", "node-b", "node-c"} { // node-c stays: a pool keeps a node
		f.ma.AddNode("pool-train", n, "modelarts.vm.8u32g")
	}
	f.nova.AddHost("compute-1", "compute-2")
	f.nova.AddServer("vm-1", "compute-1", novatest.StatusActive)
	f.manila.AddShareServer("ss-1", "manila-share-1@alpha")
	f.manila.AddBackend("manila-share-2@beta")

	if slices.Contains(fail, "ecs") {
		f.ecs.FailNextMigrations(1, "", fakeFailure)
	}
	if slices.Contains(fail, "cce") {
		f.cce.FailNextMigrations(1, fakeFailure)
	}
	if slices.Contains(fail, "modelarts") {
		f.ma.FailNextMigrations(1, fakeFailure)
	}
	if slices.Contains(fail, "nova") {
		f.nova.FailNextMigrationsWith(1, fakeFailure)
	}
	if slices.Contains(fail, "manila") {
		f.manila.FailNextMigrations(1)
	}
	return f
}

func (f *fakeCloud) close() {
	f.ecs.Close()
	f.cce.Close()
	f.ma.Close()
	f.nova.Close()
	f.manila.Close()
}

func (f *fakeCloud) info(control string) cloudInfo {
	return cloudInfo{
		Control:   control,
		Endpoints: map[string]string{"ecs": f.ecs.URL(), "cce": f.cce.URL(), "modelarts": f.ma.URL()},
		AccessKey: fakeAccessKey, SecretKey: fakeSecretKey, ProjectID: fakeProjectID,
		Keystones: map[string]keystoneInfo{
			"nova":   {f.nova.AuthURL(), f.nova.Username(), f.nova.Password(), f.nova.ProjectID()},
			"manila": {f.manila.AuthURL(), f.manila.Username(), f.manila.Password(), f.manila.ProjectID()},
		},
	}
}

// control serves GET /state and POST /clock?speed=N, which starts every
// fake's clock at N times real time.
func (f *fakeCloud) control() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /state", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(f.state())
	})
	mux.HandleFunc("POST /clock", func(w http.ResponseWriter, r *http.Request) {
		speed, err := strconv.ParseFloat(r.URL.Query().Get("speed"), 64)
		if err != nil || speed <= 0 {
			http.Error(w, "speed must be a positive number", http.StatusBadRequest)
			return
		}
		f.ecs.Clock().Run(speed)
		f.cce.Clock().Run(speed)
		f.ma.Clock().Run(speed)
		f.nova.Clock().Run(speed)
		f.manila.Clock().Run(speed)
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

func (f *fakeCloud) state() fakeState {
	st := fakeState{
		Starts: map[string]int{
			"ecs":       f.ecs.Calls(ecstest.OpColdMigrate),
			"cce":       f.cce.Calls(ccetest.OpMigrateNodes),
			"modelarts": f.ma.Calls(modelartstest.OpBatchMigrateNodes),
			"nova":      f.nova.Calls(novatest.OpLiveMigrate),
			"manila":    f.manila.Calls(manilatest.OpStart),
		},
		Where: map[string]string{},
	}
	if s, ok := f.ecs.ServerState("srv-1"); ok {
		st.Where["srv-1"] = s.HostID
	}
	for _, uid := range []string{"node-1", "node-2"} {
		if n, ok := f.cce.Node(uid); ok {
			st.Where[uid] = n.ClusterID
		}
	}
	for _, pool := range []string{"pool-train", "pool-infer"} {
		for _, n := range f.ma.PoolNodes(pool) {
			st.Where[n.Name()] = pool
		}
	}
	if s, ok := f.nova.ServerState("vm-1"); ok {
		st.Where["vm-1"] = s.Host
	}
	// A share-server migration's first phase moves the data to a new
	// share server on the destination back end.
	if s, ok := f.manila.ShareServer("ss-1"); ok {
		st.Where["ss-1"] = s.Host
		if dest, ok := f.manila.ShareServer(s.DestinationShareServerID); ok &&
			s.TaskState == string(manila.TaskStateMigrationDriverPhase1Done) {
			st.Where["ss-1"] = dest.Host
		}
	}
	return st
}
