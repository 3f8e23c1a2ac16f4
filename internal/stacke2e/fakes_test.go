package stacke2e

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/auth/authtest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
	"github.com/cloudmigrate/cloudmigrate/manila"
	"github.com/cloudmigrate/cloudmigrate/manila/manilatest"
	"github.com/cloudmigrate/cloudmigrate/nova"
	"github.com/cloudmigrate/cloudmigrate/nova/novatest"
)

// fakeSpeed is how much faster than real time the fakes' migration clocks
// run. The timings below are of the order of the real stack's, so the
// fakes target goes through the same states twenty times faster.
const fakeSpeed = 20

// The application credential the fake Keystone accepts.
const (
	fakeAppCredID     = "9d1a6f0e5c3b4e7a8f2d1c0b9a8e7f6d"
	fakeAppCredSecret = "stacke2e-fake-application-credential-secret"
)

// fakeTimings are the fake nova's migration timings: a live migration
// runs for 5 s (the fake virt driver's loop), a cold one takes a few
// seconds.
var fakeTimings = novatest.Durations{
	Preparing: time.Second, Running: 5 * time.Second, PostMigrating: time.Second,
	ForceComplete: time.Second,
	PreMigrating:  time.Second, Migrating: 2 * time.Second, ColdPostMigrating: time.Second,
	Confirming: time.Second, Reverting: 2 * time.Second,
}

// fakeDurations are the fake manila's: phase 1 takes about as long as the
// dummy driver's two periodic continue calls.
var fakeDurations = manilatest.Durations{
	Starting: time.Second, InProgress: time.Second, DriverStarting: time.Second,
	DriverInProgress: 5 * time.Second, Completing: time.Second, Cancelling: time.Second,
}

// fakeCloud is one Keystone, one nova and one manila on a single address,
// as a real cloud presents them: /identity, /compute and /share. The
// compute and share APIs need a token the Keystone issued, except for
// their version documents.
type fakeCloud struct {
	srv    *httptest.Server
	ks     *authtest.Server
	nova   *novatest.Server
	manila *manilatest.Server
}

func newFakeCloud(t *testing.T) *fakeCloud {
	t.Helper()
	fc := &fakeCloud{}
	fc.srv = httptest.NewServer(http.HandlerFunc(fc.serve))
	base := fc.srv.URL
	fc.ks = authtest.NewServer(
		authtest.WithCatalog(
			authtest.Service{Type: "identity", Name: "keystone", URL: base + "/identity/v3"},
			authtest.Service{Type: auth.ServiceTypeCompute, Name: "nova", URL: base + "/compute/v2.1"},
			authtest.Service{Type: "sharev2", Name: "manilav2", URL: base + "/share/v2"},
		),
		authtest.WithApplicationCredential(fakeAppCredID, fakeAppCredSecret),
	)
	fc.nova = novatest.NewServer(novatest.WithoutAuth(),
		novatest.WithCredentials(authtest.DefaultUsername, authtest.DefaultPassword, authtest.DefaultProjectID),
		novatest.WithVersions(zedComputeMin, zedComputeMax),
		novatest.WithDurations(fakeTimings), novatest.WithRealTime(fakeSpeed))
	fc.manila = manilatest.NewServer(manilatest.WithoutAuth(),
		manilatest.WithCredentials(authtest.DefaultUsername, authtest.DefaultPassword, authtest.DefaultProjectID),
		manilatest.WithVersions(zedShareMin, zedShareMax),
		manilatest.WithDurations(fakeDurations), manilatest.WithRealTime(fakeSpeed))
	t.Cleanup(func() {
		fc.srv.Close()
		fc.ks.Close()
		fc.nova.Close()
		fc.manila.Close()
	})
	return fc
}

// serve passes each request on to the fake behind its path, checking the
// token first where the real services' middleware would.
func (fc *fakeCloud) serve(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	var to string
	open := false
	switch {
	case strings.HasPrefix(p, "/identity/"):
		to, open = fc.ks.URL(), true
	case strings.HasPrefix(p, "/compute/"):
		to = fc.nova.URL()
		open = r.Method == http.MethodGet && (p == "/compute/" || p == "/compute/v2.1" || p == "/compute/v2.1/")
	case strings.HasPrefix(p, "/share/"):
		to = fc.manila.URL()
		open = r.Method == http.MethodGet && (p == "/share/" || p == "/share/v2" || p == "/share/v2/")
	default:
		http.NotFound(w, r)
		return
	}
	if !open && !fc.ks.Accepts(r) {
		// keystonemiddleware's answer to a missing or invalid token.
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("WWW-Authenticate", "Keystone uri=\""+fc.srv.URL+"/identity\"")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}`))
		return
	}
	u, _ := url.Parse(to)
	proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(u)
		// The fakes build links from the Host they were asked for.
		pr.Out.Host = pr.In.Host
	}}
	proxy.ServeHTTP(w, r)
}

// newFakesTarget returns the fakes target: a fresh fake cloud per test,
// with two compute hosts and two share back ends.
func newFakesTarget(t *testing.T) *target {
	t.Helper()
	fc := newFakeCloud(t)
	tg := &target{
		name: "fakes", authURL: fc.ks.AuthURL(), region: authtest.DefaultRegion, iface: auth.InterfacePublic,
		creds:    fc.ks.Credentials(),
		hosts:    [2]string{"compute1", "compute2"},
		backends: [2]string{"fakestack@alpha", "fakestack@beta"},
		pools:    [2]string{"fakestack@alpha#pool_alpha", "fakestack@beta#pool_beta"},
		poll:     jobs.WithInterval(5*time.Millisecond, 20*time.Millisecond),
		patience: 20 * time.Second,
		res:      &fakeResources{fc: fc},
	}
	fc.nova.AddHost(tg.hosts[:]...)
	for _, b := range tg.backends {
		fc.manila.AddBackend(b)
	}
	tg.ks = tg.newKeystone(t, tg.creds)
	var err error
	if tg.nova, err = nova.NewClientFromKeystone(tg.ctxFor(t), tg.ks, tg.region, tg.iface); err != nil {
		t.Fatal(err)
	}
	if tg.manila, err = manila.NewClientFromKeystone(tg.ctxFor(t), tg.ks, tg.region, tg.iface); err != nil {
		t.Fatal(err)
	}
	return tg
}

// fakeResources seeds the fakes through their Go API.
type fakeResources struct {
	fc *fakeCloud
}

func (r *fakeResources) bootServer(t *testing.T, host string) string {
	id := newUUID()
	r.fc.nova.AddServer(id, host, novatest.StatusActive)
	t.Cleanup(func() { r.fc.nova.RemoveServer(id) })
	return id
}

func (r *fakeResources) deleteServer(t *testing.T, id string) {
	if !r.fc.nova.RemoveServer(id) {
		t.Fatalf("server %s is not in the fake", id)
	}
}

func (r *fakeResources) newShareServer(t *testing.T) (string, string) {
	id := newUUID()
	backend := "fakestack@alpha"
	r.fc.manila.AddShareServer(id, backend)
	return id, backend
}

func (r *fakeResources) newShare(t *testing.T) (string, string) {
	id := newUUID()
	pool := "fakestack@alpha#pool_alpha"
	r.fc.manila.AddShare(id, pool)
	return id, pool
}

func (r *fakeResources) share(t *testing.T, id string) (shareView, bool) {
	s, ok := r.fc.manila.Share(id)
	if !ok {
		return shareView{}, false
	}
	return shareView{Status: s.Status, Host: s.Host, TaskState: s.TaskState}, true
}

func (r *fakeResources) applicationCredential(t *testing.T) (string, string) {
	return fakeAppCredID, fakeAppCredSecret
}
