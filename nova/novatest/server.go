package novatest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/fake"
	"github.com/cloudmigrate/cloudmigrate/nova"
)

// Operation names, as counted by Calls and targeted by Throttle, FailNext,
// DropNext and SlowNext.
//
// Nova serves several actions on one URL, POST /servers/{server_id}/action;
// the fake reads the action's name from the body and counts the request
// under OpMigrate, OpLiveMigrate, OpEvacuate, OpConfirmResize or
// OpRevertResize alone, so a fault set on one of those hits only that
// action. A request whose body names no known action is OpServerAction.
const (
	// OpIssueToken is POST /identity/v3/auth/tokens (Keystone).
	OpIssueToken = "IssueToken"
	// OpListVersions is GET /compute/, the list of API versions.
	OpListVersions = "ListVersions"
	// OpShowVersion is GET /compute/v2.1/, the v2.1 version document.
	OpShowVersion = "ShowVersion"
	// OpServerAction is a POST /compute/v2.1/servers/{server_id}/action
	// whose body names none of the actions served (404 itemNotFound) or is
	// not a JSON object with a key (400 badRequest).
	OpServerAction = "ServerAction"
	// OpMigrate is the "migrate" server action (cold migration).
	OpMigrate = "Migrate"
	// OpLiveMigrate is the "os-migrateLive" server action.
	OpLiveMigrate = "LiveMigrate"
	// OpEvacuate is the "evacuate" server action.
	OpEvacuate = "Evacuate"
	// OpConfirmResize is the "confirmResize" server action.
	OpConfirmResize = "ConfirmResize"
	// OpRevertResize is the "revertResize" server action.
	OpRevertResize = "RevertResize"
	// OpListServerMigrations is GET /compute/v2.1/servers/{server_id}/migrations.
	OpListServerMigrations = "ListServerMigrations"
	// OpGetServerMigration is
	// GET /compute/v2.1/servers/{server_id}/migrations/{migration_id}.
	OpGetServerMigration = "GetServerMigration"
	// OpForceComplete is
	// POST /compute/v2.1/servers/{server_id}/migrations/{migration_id}/action.
	OpForceComplete = "ForceComplete"
	// OpAbort is
	// DELETE /compute/v2.1/servers/{server_id}/migrations/{migration_id}.
	OpAbort = "Abort"
	// OpListMigrations is GET /compute/v2.1/os-migrations.
	OpListMigrations = "ListMigrations"
	// OpListServers is GET /compute/v2.1/servers/detail.
	OpListServers = "ListServers"
	// OpGetServer is GET /compute/v2.1/servers/{server_id}.
	OpGetServer = "GetServer"
	// OpListInstanceActions is
	// GET /compute/v2.1/servers/{server_id}/os-instance-actions.
	OpListInstanceActions = "ListInstanceActions"
	// OpGetInstanceAction is
	// GET /compute/v2.1/servers/{server_id}/os-instance-actions/{request_id}.
	OpGetInstanceAction = "GetInstanceAction"
)

// The credentials and project a Server accepts unless WithCredentials says
// otherwise. They are invented and work nowhere else.
const (
	DefaultUsername  = "admin"
	DefaultPassword  = "novatest-password-0001"
	DefaultProjectID = "3b4f1c2d5e6a47b8a9c0d1e2f3a4b5c6"
	// DefaultProjectName is the name of the project tokens are scoped to.
	DefaultProjectName = "admin"
	// Region is the region of every endpoint in the fake's catalog.
	Region = "RegionOne"
)

// userID is the user ID the fake identity service puts in its tokens, and
// so the user_id of every migration.
const userID = "u-1"

// The compute microversion range a Server supports unless WithVersions
// says otherwise: nova's base version and the newest one package nova
// speaks.
const (
	DefaultMinVersion = nova.MinMicroversion
	DefaultMaxVersion = nova.MaxMicroversion
)

// Nova's fault names: the single top-level key of an error body, and the
// Code of the *cloudmigrate.Error the SDK returns.
const (
	FaultBadRequest         = "badRequest"         // 400
	FaultItemNotFound       = "itemNotFound"       // 404
	FaultConflictingRequest = "conflictingRequest" // 409
	FaultOverLimit          = "overLimit"          // 413, 429
	FaultComputeFault       = "computeFault"       // 406 and any status without a name of its own
)

// CodeUnauthorized is the Code of a 401 answer: the token is missing,
// unknown or expired. Such answers come from Keystone's middleware in the
// shape {"error": {"code": 401, "title": "Unauthorized", "message": ...}}.
const CodeUnauthorized = "Unauthorized"

// Server is an in-process stand-in for an OpenStack cloud's Keystone and
// nova endpoints, limited to what server migrations need. It keeps compute
// hosts, servers and migrations, and runs migrations on a clock the test
// controls.
//
// Like every fake, it counts the calls of each operation (Calls,
// AllCalls, ResetCalls), injects faults on request (Throttle, FailNext,
// DropNext, SlowNext, ClearFaults) and runs on a clock the test moves
// (Clock().Advance, Clock().Run). All methods are safe for concurrent use.
type Server struct {
	*fake.Server

	username, projectID string
	password            auth.Secret
	minV, maxV          auth.Microversion
	timings             Durations
	tokens              *fake.Tokens

	// throttleAfter is the Retry-After, in whole seconds, of the latest
	// Throttle call; overLimit bodies repeat it as retryAfter.
	throttleAfter atomic.Int64

	mu         sync.Mutex
	hosts      map[string]*host
	hostOrder  []*host
	servers    map[string]*server
	serverSeq  int
	migrations []*migration // by ID: migrations[i].id == i+1
	failNext   fake.Failures[string]
	// recordDelay hides every migration record for this long after its
	// start (WithRecordDelay); loseNext and strandNext count the
	// migrations still to be lost or stranded.
	recordDelay          time.Duration
	loseNext, strandNext int
	actions              []*action
}

// Option configures a Server.
type Option func(*settings)

type settings struct {
	username, password, project string
	minV, maxV                  string
	noAuth                      bool
	speed                       float64
	timings                     *Durations
	recordDelay                 time.Duration
}

// WithCredentials replaces the default user name, password and project
// ID. None may be empty.
func WithCredentials(username, password, projectID string) Option {
	return func(s *settings) { s.username, s.password, s.project = username, password, projectID }
}

// WithoutAuth serves the compute API without checking X-Auth-Token. The
// identity endpoint still issues tokens.
func WithoutAuth() Option {
	return func(s *settings) { s.noAuth = true }
}

// WithRealTime starts the migration clock moving with real time,
// multiplied by speed (60: a minute a second). Without it the clock
// stands still and only Clock().Advance moves it.
func WithRealTime(speed float64) Option {
	return func(s *settings) { s.speed = speed }
}

// WithVersions sets the compute microversion range the fake supports, as
// its version documents state it and as it enforces it: a request for a
// version outside [min, max] gets 406. Both are "X.Y" strings and min must
// not exceed max. The default is DefaultMinVersion to DefaultMaxVersion.
func WithVersions(min, max string) Option {
	return func(s *settings) { s.minV, s.maxV = min, max }
}

// WithDurations sets how long migrations stay in each status. Start from
// DefaultDurations and change what matters to the test.
func WithDurations(d Durations) Option {
	return func(s *settings) { s.timings = &d }
}

// WithTimings is the former name of WithDurations.
//
// Deprecated: use WithDurations, the name every fake gives its timing
// option.
func WithTimings(t Timings) Option { return WithDurations(t) }

// WithRecordDelay makes the fake write every migration record d after the
// migration starts, as a busy nova conductor does: until then the server
// already shows the move (its task state, MIGRATING or RESIZE) but neither
// GET /os-migrations nor GET /servers/{server_id}/migrations lists the
// record. The migration's statuses are not shifted: a record that appears
// after its migration has moved on shows the status it has reached. d must
// not be negative; LoseNextRecords makes records that never appear.
func WithRecordDelay(d time.Duration) Option {
	return func(s *settings) { s.recordDelay = d }
}

// NewServer starts a fake cloud. Close it when done. It panics when an
// option has a bad value, as a test set-up mistake.
func NewServer(opts ...Option) *Server {
	st := settings{
		username: DefaultUsername, password: DefaultPassword, project: DefaultProjectID,
		minV: DefaultMinVersion, maxV: DefaultMaxVersion,
	}
	for _, o := range opts {
		if o != nil {
			o(&st)
		}
	}
	if st.username == "" || st.password == "" || st.project == "" {
		panic("novatest: WithCredentials: user name, password and project ID must not be empty")
	}
	minV, err1 := auth.ParseMicroversion(st.minV)
	maxV, err2 := auth.ParseMicroversion(st.maxV)
	switch {
	case err1 != nil || err2 != nil:
		panic(fmt.Sprintf("novatest: WithVersions(%q, %q): malformed version", st.minV, st.maxV))
	case minV.Compare(maxV) > 0:
		panic(fmt.Sprintf("novatest: WithVersions(%q, %q): min is above max", st.minV, st.maxV))
	case st.speed < 0:
		panic(fmt.Sprintf("novatest: WithRealTime: negative speed %v", st.speed))
	case st.recordDelay < 0:
		panic(fmt.Sprintf("novatest: WithRecordDelay: negative delay %v", st.recordDelay))
	}
	timings := DefaultDurations
	if st.timings != nil {
		if err := st.timings.check(); err != nil {
			panic("novatest: WithDurations: " + err.Error())
		}
		timings = *st.timings
	}

	s := &Server{
		username: st.username, password: auth.NewSecret(st.password), projectID: st.project,
		minV: minV, maxV: maxV,
		timings: timings,
		tokens:  &fake.Tokens{},
		hosts:   map[string]*host{},
		servers: map[string]*server{},

		recordDelay: st.recordDelay,
	}
	cfg := fake.Config{
		Name:            "nova",
		ErrorBody:       s.errorBody,
		ThrottleCode:    FaultOverLimit,
		RequestIDHeader: "X-Openstack-Request-Id",
	}
	if !st.noAuth {
		// Tokens live on real time, like the SDK's Keystone client that
		// decides when to renew them: moving the migration clock never
		// expires a token. ExpireTokens does.
		cfg.Auth = s.tokens
	}
	s.Server = fake.New(cfg)
	if st.speed > 0 {
		s.Clock().Run(st.speed)
	}
	(&fake.Identity{
		Tokens:      s.tokens,
		Users:       map[string]auth.Secret{s.username: s.password},
		ProjectID:   s.projectID,
		ProjectName: DefaultProjectName,
		Catalog: func(base string) []fake.CatalogEntry {
			return []fake.CatalogEntry{
				{Type: "identity", Name: "keystone", URL: base + identityPrefix + "/v3", Region: Region},
				{Type: auth.ServiceTypeCompute, Name: "nova", URL: base + computePrefix + "/v2.1", Region: Region},
			}
		},
	}).Mount(s.Server, identityPrefix)
	s.routes()
	return s
}

// Paths under the server's URL.
const (
	identityPrefix = "/identity"
	computePrefix  = "/compute"
	apiPrefix      = computePrefix + "/v2.1"
)

func (s *Server) routes() {
	s.HandleOpen(OpListVersions, "GET "+computePrefix+"/{$}", s.listVersions)
	s.HandleOpen(OpShowVersion, "GET "+apiPrefix+"/{$}", s.showVersion)
	s.HandleOpen(OpShowVersion, "GET "+apiPrefix, s.showVersion)

	s.HandleRoute(OpServerAction, "POST "+apiPrefix+"/servers/{server_id}/action", s.routeAction)

	s.Handle(OpListServerMigrations, "GET "+apiPrefix+"/servers/{server_id}/migrations", s.listServerMigrations)
	s.Handle(OpGetServerMigration, "GET "+apiPrefix+"/servers/{server_id}/migrations/{migration_id}", s.getServerMigration)
	s.Handle(OpForceComplete, "POST "+apiPrefix+"/servers/{server_id}/migrations/{migration_id}/action", s.forceComplete)
	s.Handle(OpAbort, "DELETE "+apiPrefix+"/servers/{server_id}/migrations/{migration_id}", s.abort)
	s.Handle(OpListMigrations, "GET "+apiPrefix+"/os-migrations", s.listMigrations)
	s.Handle(OpListServers, "GET "+apiPrefix+"/servers/detail", s.listServers)
	s.Handle(OpGetServer, "GET "+apiPrefix+"/servers/{server_id}", s.getServer)
	s.Handle(OpListInstanceActions, "GET "+apiPrefix+"/servers/{server_id}/os-instance-actions", s.listInstanceActions)
	s.Handle(OpGetInstanceAction, "GET "+apiPrefix+"/servers/{server_id}/os-instance-actions/{request_id}", s.getInstanceAction)
	s.serviceRoutes()
}

// AuthURL returns the Keystone v3 URL of the fake ("<URL>/identity/v3").
func (s *Server) AuthURL() string { return s.URL() + identityPrefix + "/v3" }

// Endpoint returns the compute endpoint, as the catalog lists it
// ("<URL>/compute/v2.1"); pass it to nova.NewClient.
func (s *Server) Endpoint() string { return s.URL() + apiPrefix }

// Username returns the user name the identity service accepts.
func (s *Server) Username() string { return s.username }

// Password returns the password that goes with Username.
func (s *Server) Password() string { return s.password.Reveal() }

// ProjectID returns the project tokens are scoped to.
func (s *Server) ProjectID() string { return s.projectID }

// UserID returns the ID of the user the fake's tokens name; migrations
// record it as their user_id.
func (s *Server) UserID() string { return userID }

// Credentials returns Keystone credentials the fake accepts: Username and
// Password, scoped to ProjectID.
func (s *Server) Credentials() auth.KeystoneCredentials {
	return auth.KeystoneCredentials{
		Username: s.username, UserDomainName: "Default", Password: s.password,
		ProjectID: s.projectID,
	}
}

// Authorizer returns a new Keystone authorizer for the fake, ready for
// nova.NewClientFromKeystone (which finds Endpoint in its catalog) or
// nova.NewClient(srv.Endpoint(), ...). Each call returns one with its own
// token cache; it fetches its first token on first use.
func (s *Server) Authorizer() *auth.Keystone {
	ks, err := auth.NewKeystone(s.AuthURL(), s.Credentials())
	if err != nil {
		panic("novatest: Authorizer: " + err.Error())
	}
	return ks
}

// ExpireTokens makes every token issued so far invalid, as if its time had
// run out on Keystone's side: the next compute requests get 401, and a
// Keystone authorizer renews its token once and replays them.
func (s *Server) ExpireTokens() { s.tokens.ExpireAll() }

// TokensIssued returns how many tokens the identity service has issued.
func (s *Server) TokensIssued() int { return s.tokens.Issued() }

// Throttle makes the next n calls of op ("" for any) answer 429 overLimit.
// A positive retryAfter is sent as the Retry-After header (whole seconds,
// rounded up) and repeated as "retryAfter" in the body, as nova does; the
// body takes the value of the latest Throttle call.
func (s *Server) Throttle(op string, n int, retryAfter time.Duration) {
	secs := int64((retryAfter + time.Second - 1) / time.Second)
	if retryAfter <= 0 {
		secs = 0
	}
	s.throttleAfter.Store(secs)
	s.Server.Throttle(op, n, retryAfter)
}

// faultNames maps HTTP statuses to nova's fault names.
var faultNames = map[int]string{
	400: FaultBadRequest,
	401: "unauthorized",
	403: "forbidden",
	404: FaultItemNotFound,
	405: "badMethod",
	409: FaultConflictingRequest,
	413: FaultOverLimit,
	415: "badMediaType",
	429: FaultOverLimit,
	501: "notImplemented",
	503: "serviceUnavailable",
}

// errorBody shapes error answers: Keystone middleware's body for 401,
// nova's {"<faultName>": {"code", "message"}} for the rest.
func (s *Server) errorBody(status int, code, message string) any {
	if status == http.StatusUnauthorized {
		return map[string]any{"error": map[string]any{"code": status, "title": CodeUnauthorized, "message": message}}
	}
	name, ok := faultNames[status]
	if !ok {
		name = FaultComputeFault
	}
	inner := map[string]any{"code": status, "message": message}
	if code == FaultOverLimit {
		if secs := s.throttleAfter.Load(); secs > 0 {
			inner["retryAfter"] = fmt.Sprint(secs)
		}
	}
	return map[string]any{name: inner}
}

// newUUID returns a random version-4 UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
