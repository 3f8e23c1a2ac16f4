package manilatest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/fake"
)

// Operation names, as counted by Calls and targeted by Throttle,
// FailNext, DropNext and SlowNext. Every share-server action is a POST to
// the same URL; the fake tells them apart by the action named in the body,
// so each has its own name and counter.
const (
	// OpCheck is the share-server action migration_check:
	// POST /share/v2[/{project_id}]/share-servers/{id}/action.
	OpCheck = "ShareServerMigrationCheck"
	// OpStart is the share-server action migration_start.
	OpStart = "ShareServerMigrationStart"
	// OpComplete is the share-server action migration_complete.
	OpComplete = "ShareServerMigrationComplete"
	// OpProgress is the share-server action migration_get_progress.
	OpProgress = "ShareServerMigrationGetProgress"
	// OpCancel is the share-server action migration_cancel.
	OpCancel = "ShareServerMigrationCancel"
	// OpResetTaskState is the share-server action reset_task_state.
	OpResetTaskState = "ShareServerResetTaskState"
	// OpGetShareServer is the share-server show:
	// GET /share/v2[/{project_id}]/share-servers/{id}.
	OpGetShareServer = "ShareServerShow"
	// OpListShareServers is the share-server list:
	// GET /share/v2[/{project_id}]/share-servers.
	OpListShareServers = "ShareServerList"

	// OpListShares is the detailed share list:
	// GET /share/v2[/{project_id}]/shares/detail.
	OpListShares = "ShareListDetail"
	// OpGetShare is the share show:
	// GET /share/v2[/{project_id}]/shares/{id}.
	OpGetShare = "ShareShow"
	// OpListShareInstances is the list of a share's instances:
	// GET /share/v2[/{project_id}]/shares/{id}/instances.
	OpListShareInstances = "ShareInstanceListForShare"

	// OpListServices is the service list: GET /share/v2[/{project_id}]/services
	// from microversion 2.7 on, .../os-services up to 2.6.
	OpListServices = "ServiceList"
	// OpDisableService is PUT /share/v2[/{project_id}]/services/disable
	// (.../os-services/disable up to 2.6).
	OpDisableService = "ServiceDisable"
	// OpEnableService is PUT /share/v2[/{project_id}]/services/enable
	// (.../os-services/enable up to 2.6).
	OpEnableService = "ServiceEnable"

	// OpShareStart is the per-share action migration_start:
	// POST /share/v2[/{project_id}]/shares/{id}/action.
	OpShareStart = "ShareMigrationStart"
	// OpShareComplete is the per-share action migration_complete.
	OpShareComplete = "ShareMigrationComplete"
	// OpShareProgress is the per-share action migration_get_progress,
	// routed from microversion 2.22 up to 2.97.
	OpShareProgress = "ShareMigrationGetProgress"
	// OpShareProgressGet is the per-share migration progress from
	// microversion 2.98 on:
	// GET /share/v2[/{project_id}]/shares/{id}/migration-progress.
	OpShareProgressGet = "ShareMigrationProgressShow"
	// OpShareCancel is the per-share action migration_cancel.
	OpShareCancel = "ShareMigrationCancel"

	// OpUnknownAction counts action requests whose body names no action
	// the fake serves, or is not a JSON object with one key. They are
	// answered 400 badRequest.
	OpUnknownAction = "UnknownAction"
	// OpUnknownRoute counts other requests under /share/, answered 404
	// as Manila's router answers a URL it has no route for:
	// {"code": "404 Not Found", "title": "Not Found", "message": "..."}.
	OpUnknownRoute = "UnknownRoute"
	// OpVersions is the version discovery: GET /share/ (300) and
	// GET /share/v2/ (200). It needs no token.
	OpVersions = "ListVersions"
	// OpIssueToken is Keystone's POST /identity/v3/auth/tokens.
	OpIssueToken = "IssueToken"
)

// The credentials and project a Server accepts unless WithCredentials says
// otherwise. They are invented and work nowhere else.
const (
	DefaultUsername    = "admin"
	DefaultPassword    = "fake-manila-password-0001"
	DefaultProjectID   = "7c4a3e2b1d0f4e5a9b8c7d6e5f4a3b21"
	DefaultProjectName = "migration-tests"
	// DefaultRegion is the region of the catalog entries.
	DefaultRegion = "RegionOne"
)

// DefaultShareNetworkID is the share network every share server added by
// AddShareServer belongs to. It is the network of the official
// migration_check sample answer.
const DefaultShareNetworkID = "1d04b755-649f-46a4-964c-be9f0395af13"

// The microversion range the fake reports and accepts unless WithVersions
// says otherwise: that of Manila on master.
const (
	DefaultMinVersion = "2.0"
	DefaultMaxVersion = "2.99"
)

// Fault names of the Shared File Systems API error bodies
// {"<fault>": {"code": ..., "message": ...}}, which the SDK reports as
// cloudmigrate.Error.Code.
const (
	// FaultBadRequest is HTTP 400.
	FaultBadRequest = "badRequest"
	// FaultNotFound is HTTP 404.
	FaultNotFound = "itemNotFound"
	// FaultConflict is HTTP 409.
	FaultConflict = "conflictingRequest"
	// FaultOverLimit is HTTP 413 and 429; Throttle answers with it.
	FaultOverLimit = "overLimit"
	// FaultNotAcceptable is the fault name of HTTP 406 (an unsupported
	// microversion), which has no name of its own.
	FaultNotAcceptable = "computeFault"
)

// requestIDHeader is where Manila puts the request ID.
const requestIDHeader = "X-Openstack-Request-Id"

// Server is an in-process stand-in for an OpenStack cloud with a Shared
// File Systems (Manila) v2 API and the Keystone v3 token endpoint in front
// of it. It keeps share servers, back ends, share networks and shares,
// and walks share-server (and per-share) migrations through Manila's task
// states on a clock the test controls.
//
// Like every fake, it counts the calls of each operation (Calls,
// AllCalls, ResetCalls), injects faults on request (Throttle, FailNext,
// DropNext, SlowNext, ClearFaults) and runs on a clock the test moves
// (Clock().Advance, Clock().Run). All methods are safe for concurrent use.
type Server struct {
	*fake.Server

	front  *httptest.Server // the address users talk to; see route
	fwd    *http.Client
	tokens *fake.Tokens

	username, projectID string
	password            auth.Secret
	minV, maxV          auth.Microversion
	durations           Durations

	mu        sync.Mutex
	servers   map[string]*shareServer
	backends  map[string]BackendCapabilities
	networks  map[string]bool
	shares    map[string]*share
	services  []*service
	failNext  fake.Failures[struct{}]
	serverSeq int
	idSeq     int // share instances
}

// Option configures a Server.
type Option func(*settings)

type settings struct {
	user, password, project string
	noAuth                  bool
	speed                   float64
	minV, maxV              string
	durations               Durations
}

// WithCredentials replaces the default user name, password and project
// ID. None may be empty.
func WithCredentials(username, password, projectID string) Option {
	return func(s *settings) { s.user, s.password, s.project = username, password, projectID }
}

// WithoutAuth accepts Manila requests without a token (or with any). The
// project ID in a URL is still checked.
func WithoutAuth() Option {
	return func(s *settings) { s.noAuth = true }
}

// WithRealTime starts the migration clock moving with real time,
// multiplied by speed (60: a minute a second). Without it the clock stands
// still and only Clock().Advance moves it.
func WithRealTime(speed float64) Option {
	return func(s *settings) { s.speed = speed }
}

// WithVersions sets the microversion range the fake reports in its
// version documents and accepts, such as ("2.0", "2.56") for a cloud too
// old for share-server migration. Both must be valid microversions with
// min <= max.
func WithVersions(min, max string) Option {
	return func(s *settings) { s.minV, s.maxV = min, max }
}

// WithDurations sets how long migrations stay in each task state; zero
// fields keep the default (see Durations).
func WithDurations(d Durations) Option {
	return func(s *settings) { s.durations = d }
}

// NewServer starts a fake Manila cloud. Close it when done. It panics when
// an option has a bad value, as a test set-up mistake.
func NewServer(opts ...Option) *Server {
	st := settings{
		user: DefaultUsername, password: DefaultPassword, project: DefaultProjectID,
		minV: DefaultMinVersion, maxV: DefaultMaxVersion,
	}
	for _, o := range opts {
		if o != nil {
			o(&st)
		}
	}
	if st.user == "" || st.password == "" || st.project == "" {
		panic("manilatest: WithCredentials: user name, password and project ID must not be empty")
	}
	if st.speed < 0 {
		panic(fmt.Sprintf("manilatest: WithRealTime: negative speed %v", st.speed))
	}
	minV, err1 := auth.ParseMicroversion(st.minV)
	maxV, err2 := auth.ParseMicroversion(st.maxV)
	if err1 != nil || err2 != nil || maxV.Less(minV) {
		panic(fmt.Sprintf("manilatest: WithVersions(%q, %q): want two microversions, min <= max", st.minV, st.maxV))
	}
	d, err := st.durations.withDefaults()
	if err != nil {
		panic("manilatest: WithDurations: " + err.Error())
	}

	// The Keystone tokens expire on the real clock (Now nil): the SDK
	// compares expires_at with real time, so moving the migration clock
	// must not age them.
	tokens := &fake.Tokens{}
	cfg := fake.Config{
		Name:            "manila",
		ErrorBody:       errorBody,
		ThrottleCode:    FaultOverLimit,
		RequestIDHeader: requestIDHeader,
	}
	if !st.noAuth {
		cfg.Auth = tokens
	}
	s := &Server{
		Server:    fake.New(cfg),
		fwd:       &http.Client{Transport: &http.Transport{DisableKeepAlives: true}},
		tokens:    tokens,
		username:  st.user,
		password:  auth.NewSecret(st.password),
		projectID: st.project,
		minV:      minV,
		maxV:      maxV,
		durations: d,
		servers:   map[string]*shareServer{},
		backends:  map[string]BackendCapabilities{},
		networks:  map[string]bool{DefaultShareNetworkID: true},
		shares:    map[string]*share{},
	}
	if st.speed > 0 {
		s.Clock().Run(st.speed)
	}
	identity := &fake.Identity{
		Tokens:      tokens,
		Users:       map[string]auth.Secret{st.user: auth.NewSecret(st.password)},
		ProjectID:   st.project,
		ProjectName: DefaultProjectName,
		Catalog: func(base string) []fake.CatalogEntry {
			return []fake.CatalogEntry{
				{Type: "identity", Name: "keystone", URL: base + identityPath + "/v3", Region: DefaultRegion},
				{Type: "sharev2", Name: "manilav2", URL: base + sharePath + "/v2", Region: DefaultRegion},
				{Type: "shared-file-system", Name: "manila", URL: base + sharePath + "/v2", Region: DefaultRegion},
			}
		},
	}
	s.addServiceLocked(ControllerHost, BinaryScheduler)
	s.addServiceLocked(ControllerHost, BinaryData)
	identity.Mount(s.Server, identityPath)
	s.registerVersions()
	s.registerActions()
	s.registerServices()
	s.registerShares()
	s.front = httptest.NewServer(http.HandlerFunc(s.route))
	return s
}

// Paths the fake mounts its APIs under.
const (
	identityPath = "/identity"
	sharePath    = "/share"
)

// URL returns the base URL of the fake cloud, without a trailing slash.
// Keystone lives under /identity and Manila under /share.
func (s *Server) URL() string { return s.front.URL }

// Close shuts the fake down.
func (s *Server) Close() {
	s.front.Close()
	s.Server.Close()
	s.fwd.CloseIdleConnections()
}

// AuthURL returns the Keystone v3 URL ("<URL>/identity/v3") to give
// auth.NewKeystone.
func (s *Server) AuthURL() string { return s.URL() + identityPath + "/v3" }

// Username returns the user name Keystone accepts (in domain "Default").
func (s *Server) Username() string { return s.username }

// Password returns the password that goes with Username.
func (s *Server) Password() string { return s.password.Reveal() }

// ProjectID returns the project tokens are scoped to, the only one whose
// ID the Manila URLs may carry.
func (s *Server) ProjectID() string { return s.projectID }

// Endpoint returns the Shared File Systems v2 URL as the catalog lists it,
// without a project ID ("<URL>/share/v2"); pass it to manila.NewClient.
// Such a URL works at every microversion unless WithVersions sets a
// maximum below 2.60, as Manila releases before 2.60 had no such routes.
func (s *Server) Endpoint() string { return s.URL() + sharePath + "/v2" }

// ProjectEndpoint returns the v2 URL in its older form, with the project
// ID at the end ("<URL>/share/v2/<project_id>"), which works with every
// microversion.
func (s *Server) ProjectEndpoint() string { return s.Endpoint() + "/" + s.projectID }

// Authorizer returns a new Keystone authorizer for the fake's user,
// scoped to ProjectID, ready for manila.NewClient or
// manila.NewClientFromKeystone. It fetches its first token on first use
// and a new one whenever the fake refuses the current token.
func (s *Server) Authorizer() *auth.Keystone {
	ks, err := auth.NewKeystone(s.AuthURL(), auth.KeystoneCredentials{
		Username:       s.username,
		UserDomainName: "Default",
		Password:       s.password,
		ProjectID:      s.projectID,
	})
	if err != nil {
		panic("manilatest: building the Keystone authorizer: " + err.Error())
	}
	return ks
}

// ExpireTokens makes every token issued so far invalid, so the next
// Manila request with one is refused with 401 and the SDK's Keystone
// authorizer fetches a new token.
func (s *Server) ExpireTokens() { s.tokens.ExpireAll() }

// TokensIssued returns how many tokens Keystone has issued.
func (s *Server) TokensIssued() int { return s.tokens.Issued() }

// FailNextMigrations makes the next n migrations the fake accepts (share
// server or per-share, in the order they are started) end in
// migration_error after the driver has been copying for a while, instead
// of reaching phase 1 done. Calls add up; n <= 0 cancels the pending
// failures.
func (s *Server) FailNextMigrations(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext.Add(n, struct{}{})
}

// takeFailureLocked uses up one pending failure. The caller holds s.mu.
func (s *Server) takeFailureLocked() bool {
	_, ok := s.failNext.Take()
	return ok
}

// faultNames maps HTTP statuses to the fault names of Manila error bodies.
var faultNames = map[int]string{
	400: FaultBadRequest,
	401: "unauthorized",
	403: "forbidden",
	404: FaultNotFound,
	405: "badMethod",
	409: FaultConflict,
	413: FaultOverLimit,
	415: "badMediaType",
	429: FaultOverLimit,
	501: "notImplemented",
	503: "serviceUnavailable",
}

// errorBody shapes error answers. A refused token is answered by the
// Keystone middleware in Keystone's shape; everything else in Manila's
// {"<fault>": {"code", "message"}}. Codes that are no fault name (the
// engine's injected failures) are replaced by the status's fault name.
func errorBody(status int, code, message string) any {
	if code == "Unauthorized" {
		return map[string]any{"error": map[string]any{"code": status, "title": code, "message": message}}
	}
	if !isFaultName(code) {
		code = faultNames[status]
		if code == "" {
			code = FaultNotAcceptable
		}
	}
	fault := map[string]any{"code": status, "message": message}
	if status == http.StatusRequestEntityTooLarge {
		// Manila's 413 fault repeats its Retry-After in the body.
		fault["retryAfter"] = "0"
	}
	return map[string]any{code: fault}
}

func isFaultName(code string) bool {
	if code == FaultNotAcceptable {
		return true
	}
	for _, n := range faultNames {
		if n == code {
			return true
		}
	}
	return false
}

// Durations says how long a migration stays in each task state of the
// fake's clock. The states not listed (migration_driver_phase1_done,
// migration_success, migration_cancelled, migration_error) last until
// something else happens.
type Durations struct {
	// Starting is migration_starting (default 5s).
	Starting time.Duration
	// InProgress is migration_in_progress (default 5s).
	InProgress time.Duration
	// DriverStarting is migration_driver_starting, or for a host-assisted
	// share migration data_copying_starting (default 10s).
	DriverStarting time.Duration
	// DriverInProgress is migration_driver_in_progress (or
	// data_copying_in_progress), the data copy, during which
	// total_progress rises from 0 to 100 (default 10m).
	DriverInProgress time.Duration
	// Completing is migration_completing (default 30s).
	Completing time.Duration
	// Cancelling is migration_cancel_in_progress (default 30s).
	Cancelling time.Duration
	// Cleanup is how long the source of a successful share-server
	// migration stays, inactive, before Manila deletes it (default 5s).
	// From then on it is gone: GET answers 404 and
	// migration_get_progress answers from the destination.
	Cleanup time.Duration
}

// DefaultDurations are the durations used unless WithDurations says
// otherwise.
var DefaultDurations = Durations{
	Starting:         5 * time.Second,
	InProgress:       5 * time.Second,
	DriverStarting:   10 * time.Second,
	DriverInProgress: 10 * time.Minute,
	Completing:       30 * time.Second,
	Cancelling:       30 * time.Second,
	Cleanup:          5 * time.Second,
}

func (d Durations) withDefaults() (Durations, error) {
	fields := []struct {
		v   *time.Duration
		def time.Duration
	}{
		{&d.Starting, DefaultDurations.Starting},
		{&d.InProgress, DefaultDurations.InProgress},
		{&d.DriverStarting, DefaultDurations.DriverStarting},
		{&d.DriverInProgress, DefaultDurations.DriverInProgress},
		{&d.Completing, DefaultDurations.Completing},
		{&d.Cancelling, DefaultDurations.Cancelling},
		{&d.Cleanup, DefaultDurations.Cleanup},
	}
	for _, f := range fields {
		switch {
		case *f.v < 0:
			return d, fmt.Errorf("negative duration %v", *f.v)
		case *f.v == 0:
			*f.v = f.def
		}
	}
	return d, nil
}
