package stacke2e

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/manila"
	"github.com/cloudmigrate/cloudmigrate/nova"
)

// The microversion ranges of OpenStack Zed, the release the real stack
// runs (nova 26, manila 15). The fakes target is set up with the same
// ranges, so that negotiation meets the same versions on both targets.
const (
	zedComputeMin = "2.1"
	zedComputeMax = "2.93"
	zedShareMin   = "2.0"
	zedShareMax   = "2.73"
)

// realEnv lists the variables the real target needs; .ci/realstack/up.sh
// writes them all to $REALSTACK_DIR/env.sh. The REALSTACK_* ones say
// that the cloud is such a stack, which the suite may fill with servers and
// shares: OS_* variables alone (of some other cloud) never enable it.
var realEnv = []string{
	"REALSTACK_IMAGE_ID", "REALSTACK_FLAVOR_ID", "REALSTACK_SHARE_NETWORK_ID",
	"REALSTACK_SHARE_TYPE_ID", "REALSTACK_SHARE_POOLS",
	"OS_AUTH_URL", "OS_USERNAME", "OS_PASSWORD", "OS_PROJECT_NAME",
}

// stackVars is how many entries at the start of realEnv name the stack.
const stackVars = 5

// realMissing returns the variables of realEnv that are not set.
func realMissing() []string {
	var out []string
	for _, k := range realEnv {
		if os.Getenv(k) == "" {
			out = append(out, k)
		}
	}
	return out
}

// TestRealStackEnvironment reports, in one line, whether the real target
// runs, and checks that its environment is whole when it does.
func TestRealStackEnvironment(t *testing.T) {
	missing := realMissing()
	stack := 0
	for _, k := range realEnv[:stackVars] {
		if os.Getenv(k) != "" {
			stack++
		}
	}
	if stack == 0 {
		t.Skip("real target skipped: no real stack environment (run .ci/realstack/up.sh and source $REALSTACK_DIR/env.sh)")
	}
	if len(missing) > 0 {
		t.Fatalf("real stack environment incomplete, missing %s", strings.Join(missing, ", "))
	}
	tg := realTarget(t)
	t.Logf("real target: %s, compute hosts %v, share back ends %v", tg.authURL, tg.hosts, tg.backends)
}

// target is one cloud the suite runs against, with SDK clients for it and
// the helpers that create and inspect what the tests need.
type target struct {
	name string
	// real is true for the real stack.
	real bool
	// authURL, region and iface say where Keystone is and which catalog
	// entries to use; creds are password credentials scoped to a project.
	authURL, region, iface string
	creds                  auth.KeystoneCredentials
	// ks authorizes nova and manila, the clients every test shares
	// (microversions negotiated).
	ks     *auth.Keystone
	nova   *nova.Client
	manila *manila.Client
	// hosts are the two compute hosts; backends the two share back ends
	// (host@backend) and pools one pool of each (host@backend#pool), in
	// the same order.
	hosts, backends, pools [2]string
	// poll paces the SDK's waits, and patience bounds any wait.
	poll     jobs.Option
	patience time.Duration
	res      resources
}

// resources creates, inspects and deletes what the tests need. The real
// target does it with plain REST calls, the fakes target through the
// fakes' Go API.
type resources interface {
	// bootServer returns a new ACTIVE server on host, deleted when the
	// test ends.
	bootServer(t *testing.T, host string) string
	// deleteServer deletes a server now and returns once it is gone.
	deleteServer(t *testing.T, id string)
	// newShareServer returns an active share server holding one share,
	// and its back end (host@backend). Both are deleted when the test
	// ends.
	newShareServer(t *testing.T) (id, backend string)
	// newShare returns an available share and its pool
	// (host@backend#pool), deleted when the test ends.
	newShare(t *testing.T) (id, pool string)
	// share returns the share as it stands now, and false once it is gone.
	share(t *testing.T, id string) (shareView, bool)
	// applicationCredential returns an application credential of the
	// token's user, valid until the test ends.
	applicationCredential(t *testing.T) (id, secret string)
}

// shareView is what the tests read of a share.
type shareView struct {
	Status, Host, TaskState, ShareServerID string
}

// eachTarget runs f as a subtest per target: the fakes always, the real
// stack when its environment is present.
func eachTarget(t *testing.T, f func(t *testing.T, tg *target)) {
	t.Helper()
	t.Run("fakes", func(t *testing.T) { f(t, newFakesTarget(t)) })
	if len(realMissing()) == 0 {
		t.Run("real", func(t *testing.T) { f(t, realTarget(t)) })
	}
}

// ctxFor returns a context bounded by the target's patience and the
// test's deadline.
func (tg *target) ctxFor(t *testing.T) context.Context {
	t.Helper()
	d := 4 * tg.patience
	if dl, ok := t.Deadline(); ok {
		if left := time.Until(dl) - 5*time.Second; left < d {
			d = left
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// newKeystone returns a Keystone authorizer for creds on the target.
func (tg *target) newKeystone(t *testing.T, creds auth.KeystoneCredentials) *auth.Keystone {
	t.Helper()
	ks, err := auth.NewKeystone(tg.authURL, creds)
	if err != nil {
		t.Fatal(err)
	}
	return ks
}

// novaAt returns a compute client pinned to microversion v ("" negotiates)
// with extra options.
func (tg *target) novaAt(t *testing.T, v string, opts ...cloudmigrate.Option) *nova.Client {
	t.Helper()
	if v != "" {
		opts = append(opts, cloudmigrate.WithMicroversion(v))
	}
	c, err := nova.NewClientFromKeystone(tg.ctxFor(t), tg.ks, tg.region, tg.iface, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// manilaAt is novaAt for the share service.
func (tg *target) manilaAt(t *testing.T, v string, opts ...cloudmigrate.Option) *manila.Client {
	t.Helper()
	if v != "" {
		opts = append(opts, cloudmigrate.WithMicroversion(v))
	}
	c, err := manila.NewClientFromKeystone(tg.ctxFor(t), tg.ks, tg.region, tg.iface, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// eventually calls check until it returns "" or the target's patience
// runs out, and fails the test with the last thing check reported.
func (tg *target) eventually(t *testing.T, what string, check func() string) {
	t.Helper()
	deadline := time.Now().Add(tg.patience)
	step := 10 * time.Millisecond
	if tg.real {
		step = 250 * time.Millisecond
	}
	last := ""
	for {
		if last = check(); last == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still %s after %v", what, last, tg.patience)
		}
		time.Sleep(step)
	}
}

// realOnce shares the real target among all tests: it is a cloud, not a
// fake, and setting it up costs a few requests.
var realOnce struct {
	sync.Once
	tg  *target
	err error
}

// realTarget returns the real target, set up from the environment.
func realTarget(t *testing.T) *target {
	t.Helper()
	realOnce.Do(func() { realOnce.tg, realOnce.err = newRealTarget() })
	if realOnce.err != nil {
		t.Fatalf("real target: %v", realOnce.err)
	}
	return realOnce.tg
}

func newRealTarget() (*target, error) {
	env := func(k, def string) string {
		if v := os.Getenv(k); v != "" {
			return v
		}
		return def
	}
	tg := &target{
		name: "real", real: true,
		authURL: os.Getenv("OS_AUTH_URL"), region: os.Getenv("OS_REGION_NAME"),
		iface: env("OS_INTERFACE", auth.InterfacePublic),
		creds: auth.KeystoneCredentials{
			Username: os.Getenv("OS_USERNAME"), Password: auth.NewSecret(os.Getenv("OS_PASSWORD")),
			UserDomainName: env("OS_USER_DOMAIN_NAME", "Default"),
			ProjectName:    os.Getenv("OS_PROJECT_NAME"), ProjectDomainName: env("OS_PROJECT_DOMAIN_NAME", "Default"),
		},
		poll:     jobs.WithInterval(200*time.Millisecond, time.Second),
		patience: 3 * time.Minute,
	}
	ks, err := auth.NewKeystone(tg.authURL, tg.creds)
	if err != nil {
		return nil, err
	}
	tg.ks = ks
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if tg.nova, err = nova.NewClientFromKeystone(ctx, ks, tg.region, tg.iface); err != nil {
		return nil, err
	}
	if tg.manila, err = manila.NewClientFromKeystone(ctx, ks, tg.region, tg.iface); err != nil {
		return nil, err
	}
	api, err := newRawAPI(ctx, tg.authURL, tg.creds, tg.region, tg.iface)
	if err != nil {
		return nil, err
	}
	hosts, err := api.computeHosts(ctx)
	if err != nil {
		return nil, err
	}
	if len(hosts) < 2 {
		return nil, fmt.Errorf("need two compute hosts up, found %v", hosts)
	}
	copy(tg.hosts[:], hosts)
	pools := strings.Fields(os.Getenv("REALSTACK_SHARE_POOLS"))
	sort.Strings(pools)
	if len(pools) < 2 {
		return nil, fmt.Errorf("REALSTACK_SHARE_POOLS names %d pools, need two back ends", len(pools))
	}
	for i := range 2 {
		tg.pools[i] = pools[i]
		tg.backends[i], _, _ = strings.Cut(pools[i], "#")
	}
	tg.res = &realResources{api: api, tg: tg,
		image: os.Getenv("REALSTACK_IMAGE_ID"), flavor: os.Getenv("REALSTACK_FLAVOR_ID"),
		shareNetwork: os.Getenv("REALSTACK_SHARE_NETWORK_ID"), shareType: os.Getenv("REALSTACK_SHARE_TYPE_ID"),
	}
	return tg, nil
}

// newUUID returns a random UUID in the canonical form.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// counter is an http.RoundTripper that counts the requests it sends, by
// method and path, for tests that must know how many requests a call
// made.
type counter struct {
	base http.RoundTripper
	mu   sync.Mutex
	reqs []string
}

func (c *counter) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.reqs = append(c.reqs, r.Method+" "+r.URL.RequestURI())
	c.mu.Unlock()
	return c.base.RoundTrip(r)
}

// requests returns the requests sent so far.
func (c *counter) requests() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.reqs...)
}

// counting returns an option that sends a client's requests through a
// new counter, and the counter.
func counting() (cloudmigrate.Option, *counter) {
	c := &counter{base: http.DefaultTransport}
	return cloudmigrate.WithHTTPClient(&http.Client{Transport: c}), c
}
