package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate/examples/internal/cli"
	"github.com/cloudmigrate/cloudmigrate/examples/internal/clitest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// program is the example, built once by TestMain.
var program string

func TestMain(m *testing.M) {
	if os.Getenv(fakeCloudEnv) == "1" {
		os.Exit(serveFakeCloud())
	}
	dir, err := os.MkdirTemp("", "resume-example-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	program = filepath.Join(dir, "resume")
	if runtime.GOOS == "windows" {
		program += ".exe"
	}
	args := []string{"build", "-o", program}
	if raceEnabled {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, ".")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	code := 1
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building the example:", err)
	} else {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// cloud is a fake cloud process, seen from the test.
type cloud struct {
	cloudInfo
	dir string // the working directory of the program's runs
}

// startCloud starts a fake cloud process whose next migrations of the
// services in fail fail, and stops it at the end of the test.
func startCloud(t *testing.T, fail ...string) *cloud {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), fakeCloudEnv+"=1", fakeFailEnv+"="+strings.Join(fail, ","))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close() // the fake cloud stops when its input closes
		if err := cmd.Wait(); err != nil {
			t.Errorf("fake cloud: %v", err)
		}
	})
	c := &cloud{dir: t.TempDir()}
	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	if err != nil {
		t.Fatalf("reading the fake cloud's address: %v", err)
	}
	if err := json.Unmarshal(line, &c.cloudInfo); err != nil {
		t.Fatalf("fake cloud said %q: %v", line, err)
	}
	c.writeCloudsYAML(t)
	return c
}

// writeCloudsYAML writes a clouds.yaml with an entry per OpenStack fake,
// each with its own Keystone.
func (c *cloud) writeCloudsYAML(t *testing.T) {
	var b strings.Builder
	b.WriteString("clouds:\n")
	for name, k := range c.Keystones {
		fmt.Fprintf(&b, "  %s:\n    auth:\n      auth_url: %q\n      username: %q\n      password: %q\n"+
			"      project_id: %q\n      user_domain_name: Default\n", name, k.AuthURL, k.Username, k.Password, k.ProjectID)
	}
	if err := os.WriteFile(filepath.Join(c.dir, "clouds.yaml"), []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// statePath is where the runs keep their tokens.
func (c *cloud) statePath() string { return filepath.Join(c.dir, "moves.json") }

// args are the flags of every run: the same command each time.
func (c *cloud) args(extra ...string) []string {
	args := []string{"-state", c.statePath(), "-poll", "10ms", "-timeout", "30s",
		"-ecs-endpoint", c.Endpoints["ecs"], "-ecs-server", "srv-1", "-ecs-host", "deh-b",
		"-cce-endpoint", c.Endpoints["cce"], "-cce-cluster", "cluster-old", "-cce-target", "cluster-new",
		"-cce-nodes", "node-1,node-2", "-cce-os", "EulerOS 2.9", "-cce-ssh-key", "KeyPair-demo",
		"-modelarts-endpoint", c.Endpoints["modelarts"], "-modelarts-pool", "pool-train", "-modelarts-to-pool", "pool-infer",
		"-modelarts-nodes", "node-a,node-b", "-modelarts-flavor", "modelarts.vm.8u32g",
		"-nova-cloud", "nova", "-nova-server", "vm-1", "-nova-host", "compute-2",
		"-manila-cloud", "manila", "-manila-share-server", "ss-1", "-manila-host", "manila-share-2@beta",
	}
	return append(args, extra...)
}

// run runs the program as a process of its own with args, in an
// environment that names only the fake cloud, and returns its output and
// its exit error.
func (c *cloud) run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, program, args...)
	cmd.Dir = c.dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OS_") && !strings.HasPrefix(kv, "HUAWEICLOUD_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "HOME="+c.dir, "XDG_CONFIG_HOME="+c.dir,
		"OS_CLIENT_CONFIG_FILE="+filepath.Join(c.dir, "clouds.yaml"),
		"HUAWEICLOUD_SDK_AK="+c.AccessKey, "HUAWEICLOUD_SDK_SK="+c.SecretKey, "HUAWEICLOUD_SDK_PROJECT_ID="+c.ProjectID)
	out, err := cmd.CombinedOutput()
	t.Logf("run of the program:\n%s", out)
	return string(out), err
}

// state asks the fake cloud how often each move was started and where the
// resources are.
func (c *cloud) state(t *testing.T) fakeState {
	t.Helper()
	resp, err := http.Get(c.Control + "/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st fakeState
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

// startClocks lets time pass in the fake cloud, 600 times faster than real
// time, so that the moves finish.
func (c *cloud) startClocks(t *testing.T) {
	t.Helper()
	resp, err := http.Post(c.Control+"/clock?speed=600", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("POST /clock: %s", resp.Status)
	}
}

// tokens reads the state file and decodes every token in it.
func (c *cloud) tokens(t *testing.T) map[string]jobs.Token {
	t.Helper()
	data, err := os.ReadFile(c.statePath())
	if err != nil {
		t.Fatalf("state file: %v", err)
	}
	var file struct {
		Version int
		Tokens  map[string]string
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatalf("state file %s: %v", data, err)
	}
	if file.Version != 1 {
		t.Errorf("state file version %d", file.Version)
	}
	tokens := map[string]jobs.Token{}
	for name, s := range file.Tokens {
		tok, err := jobs.ParseToken(s)
		if err != nil {
			t.Fatalf("%s token %q: %v", name, s, err)
		}
		tokens[name] = tok
	}
	return tokens
}

// checkTokens checks that the state file holds a token for each move of
// moves, for its service and resources, and none other.
func (c *cloud) checkTokens(t *testing.T, moves []move) map[string]jobs.Token {
	t.Helper()
	tokens := c.tokens(t)
	for _, m := range moves {
		tok, ok := tokens[m.service]
		switch {
		case !ok:
			t.Errorf("no %s token in the state file", m.service)
		case tok.Service != m.service || !slices.Equal(tok.Resources, m.resources):
			t.Errorf("%s token is for %s %v, want %v", m.service, tok.Service, tok.Resources, m.resources)
		}
	}
	if len(tokens) != len(moves) {
		t.Errorf("state file holds %d tokens, want %d", len(tokens), len(moves))
	}
	return tokens
}

// checkCloud checks that each service's move was started once (none for
// the services of notStarted) and that the resources of the services of
// moved are at their targets, the others at their sources.
func (c *cloud) checkCloud(t *testing.T, moved []string, notStarted ...string) {
	t.Helper()
	st := c.state(t)
	checkStarts(t, st, notStarted...)
	for _, m := range plan {
		at := m.from
		if slices.Contains(moved, m.service) {
			at = m.to
		}
		checkWhere(t, st, m, at)
	}
}

// checkStarts checks that each service's move was started once, or never
// for the services of notStarted.
func checkStarts(t *testing.T, st fakeState, notStarted ...string) {
	t.Helper()
	for _, m := range plan {
		want := 1
		if slices.Contains(notStarted, m.service) {
			want = 0
		}
		if st.Starts[m.service] != want {
			t.Errorf("%s: %d starts, want %d", m.service, st.Starts[m.service], want)
		}
	}
}

// checkWhere checks that the resources of m are at at.
func checkWhere(t *testing.T, st fakeState, m move, at string) {
	t.Helper()
	for _, r := range m.resources {
		if st.Where[r] != at {
			t.Errorf("%s: %s is on %q, want %q", m.service, r, st.Where[r], at)
		}
	}
}

// all names every service of the plan.
func all() []string {
	var names []string
	for _, m := range plan {
		names = append(names, m.service)
	}
	return names
}

func checkGone(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("state file after the last run: %v, want it removed", err)
	}
	if tmp, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*.tmp")); len(tmp) > 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
}

// contains checks that out has each of want.
func contains(t *testing.T, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q", w)
		}
	}
}

// The first run starts every move, saves the tokens and exits; the same
// command run again resumes each move from its token, waits until each is
// done and verified, and removes the file, never starting a move twice.
func TestStartThenResume(t *testing.T) {
	t.Parallel()
	c := startCloud(t)
	out, err := c.run(t, c.args()...)
	if err != nil {
		t.Fatalf("first run: %v", err)
	}
	contains(t, out, fmt.Sprintf("Started %d moves", len(plan)), "Run the same command again")
	tokens := c.checkTokens(t, plan)
	if tok := tokens["ecs"]; tok.ID == "" || tok.Target != "deh-b" {
		t.Errorf("ecs token: job %q, target %q", tok.ID, tok.Target)
	}
	c.checkCloud(t, nil)

	c.startClocks(t)
	out, err = c.run(t, c.args()...)
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	for _, m := range plan {
		contains(t, out, m.service+": resumed", m.service+": done (")
	}
	contains(t, out, fmt.Sprintf("All %d moves done", len(plan)))
	if strings.Contains(out, ": started ") {
		t.Error("the second run started a move")
	}
	c.checkCloud(t, all())
	checkGone(t, c.statePath())
}

// A first run killed right after a write of the state file is carried on by
// the next: after the last write, every move is resumed; after the first,
// the moves the killed run never got to are started by the next one.
func TestKilledFirstRun(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		writes int
		saved  []move
	}{
		{len(plan), plan},
		{1, plan[:1]},
	} {
		t.Run(fmt.Sprintf("after write %d", tc.writes), func(t *testing.T) {
			t.Parallel()
			c := startCloud(t)
			args := c.args("-crash-after-save", fmt.Sprint(tc.writes))
			out, err := c.run(t, args...)
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.Exited() {
				t.Fatalf("first run: %v, want it killed by a signal", err)
			}
			if strings.Contains(out, "Started ") {
				t.Error("the killed run got to its end")
			}
			c.checkTokens(t, tc.saved)
			var notStarted []string
			for _, m := range plan[len(tc.saved):] {
				notStarted = append(notStarted, m.service)
			}
			c.checkCloud(t, nil, notStarted...)

			c.startClocks(t)
			out, err = c.run(t, args...)
			if err != nil {
				t.Fatalf("second run: %v", err)
			}
			for _, m := range tc.saved {
				contains(t, out, m.service+": resumed")
			}
			for _, name := range notStarted {
				contains(t, out, name+": started")
			}
			contains(t, out, fmt.Sprintf("All %d moves done", len(plan)))
			c.checkCloud(t, all())
			checkGone(t, c.statePath())
		})
	}
}

// A resuming run that gives up before the moves end keeps their tokens,
// updated with what it learnt (nova's migration ID); the next run finishes
// them.
func TestInterruptedWaitKeepsTokens(t *testing.T) {
	t.Parallel()
	c := startCloud(t)
	if out, err := c.run(t, c.args()...); err != nil {
		t.Fatalf("first run: %v\n%s", err, out)
	}
	before := c.checkTokens(t, plan)

	out, err := c.run(t, c.args("-timeout", "1s")...) // the clocks stand still
	if err == nil {
		t.Fatal("a run whose moves cannot end succeeded")
	}
	contains(t, out, fmt.Sprintf("%d of %[1]d moves not finished", len(plan)))
	after := c.checkTokens(t, plan)
	// Nova records a live migration after answering its start, so the
	// token saved then has no migration ID; the wait finds it and saves it.
	t.Logf("nova migration ID in the token: %q after the start, %q after the wait", before["nova"].ID, after["nova"].ID)
	if after["nova"].ID == "" {
		t.Error("the nova token saved by the wait has no migration ID")
	}
	c.checkCloud(t, nil)

	c.startClocks(t)
	if _, err := c.run(t, c.args()...); err != nil {
		t.Fatalf("third run: %v", err)
	}
	c.checkCloud(t, all())
	checkGone(t, c.statePath())
}

// A move that fails is reported with the service's reason and leaves the
// state file, as do the moves that succeed; the run exits with an error.
func TestFailedMove(t *testing.T) {
	t.Parallel()
	for _, failing := range plan {
		t.Run(failing.service, func(t *testing.T) {
			t.Parallel()
			c := startCloud(t, failing.service)
			if _, err := c.run(t, c.args()...); err != nil {
				t.Fatalf("first run: %v", err)
			}
			c.startClocks(t)
			out, err := c.run(t, c.args()...)
			if err == nil {
				t.Fatal("second run succeeded")
			}
			reason := fakeFailure
			if failing.service == "manila" { // manila's reason is the task state
				reason = "migration_error"
			}
			contains(t, out, failing.service+": FAILED: ", reason,
				fmt.Sprintf("1 of %d moves failed (%s)", len(plan), failing.service))
			st := c.state(t)
			checkStarts(t, st)
			for _, m := range plan {
				if m.service != failing.service {
					contains(t, out, m.service+": done (")
					checkWhere(t, st, m, m.to)
				}
			}
			checkGone(t, c.statePath())
		})
	}
}

// Bad flags and state files are refused before anything is started.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"-state", filepath.Join(dir, "none.json")}, // nothing to do
		{"-poll", "0"},
		{"-cce-cluster", "a", "-cce-target", "b", "-cce-nodes", "n"},
		{"extra"},
	} {
		if _, err := clitest.Run(t, run, args...); !errors.Is(err, cli.ErrUsage) {
			t.Errorf("%q: err = %v, want cli.ErrUsage", args, err)
		}
	}

	t.Setenv("HUAWEICLOUD_SDK_AK", fakeAccessKey)
	t.Setenv("HUAWEICLOUD_SDK_SK", fakeSecretKey)
	t.Setenv("HUAWEICLOUD_SDK_PROJECT_ID", fakeProjectID)
	for content, want := range map[string]string{
		"{":                            "reading ",
		`{"version": 2, "tokens": {}}`: "format version 2",
		`{"version": 1, "tokens": {"dns": "cmop1.x.y"}}`: `names "dns"`,
		`{"version": 1, "tokens": {"ecs": "cmop1.x.y"}}`: "token",
	} {
		path := filepath.Join(dir, "state.json")
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		// No server listens on port 1: nothing can be started there.
		out, err := clitest.Run(t, run, "-state", path, "-ecs-endpoint", "http://127.0.0.1:1", "-ecs-server", "srv-1")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("state file %s: err = %v, want one saying %q", content, err, want)
		}
		if strings.Contains(out, "started") {
			t.Errorf("state file %s: started a move", content)
		}
	}
}
