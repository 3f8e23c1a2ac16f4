package ecstest

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/fake"
)

// Operation names, as counted by Calls and targeted by Throttle,
// FailNext, DropNext and SlowNext.
const (
	// OpColdMigrate is POST /v1/{project_id}/cloudservers/{server_id}/migrate.
	OpColdMigrate = "ColdMigrate"
	// OpGetJob is GET /v1/{project_id}/jobs/{job_id}.
	OpGetJob = "GetJob"
	// OpGetServer is GET /v1/{project_id}/cloudservers/{server_id}.
	OpGetServer = "GetServer"
	// OpListServers is GET /v1/{project_id}/cloudservers/detail.
	OpListServers = "ListServers"
	// OpStopServers is POST /v1/{project_id}/cloudservers/action with
	// os-stop.
	OpStopServers = "StopServers"
	// OpStartServers is POST /v1/{project_id}/cloudservers/action with
	// os-start.
	OpStartServers = "StartServers"
	// OpServerAction counts the requests to
	// POST /v1/{project_id}/cloudservers/action whose body names neither
	// os-stop nor os-start (or both); they are refused.
	OpServerAction = "ServerAction"
	// OpListDedicatedHosts is GET /v1.0/{project_id}/dedicated-hosts, of
	// the DeH API.
	OpListDedicatedHosts = "ListDedicatedHosts"
	// OpGetDedicatedHost is
	// GET /v1.0/{project_id}/dedicated-hosts/{dedicated_host_id}.
	OpGetDedicatedHost = "GetDedicatedHost"
	// OpListHostServers is
	// GET /v1.0/{project_id}/dedicated-hosts/{dedicated_host_id}/servers.
	OpListHostServers = "ListHostServers"
)

// The credentials a Server accepts unless WithCredentials says otherwise.
// They are invented and work nowhere else.
const (
	DefaultAccessKey = "FAKEECSACCESSKEY0001"
	DefaultSecretKey = "FakeEcsSecretKey0000000000000000000000001"
	DefaultProjectID = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
)

// How long a job stays in each state unless WithDurations says
// otherwise, in the fake's clock: every job is INIT
// for DefaultInitDuration, then a cold migration is RUNNING for
// DefaultRunningDuration and a stop or start for DefaultActionDuration.
const (
	DefaultInitDuration    = 5 * time.Second
	DefaultRunningDuration = 2 * time.Minute
	DefaultActionDuration  = 20 * time.Second
)

// Error codes the fake answers with besides those named in package ecs
// (ecs.CodeServerNotFound, ecs.CodeServerNotStopped, ecs.CodeSameHost,
// ecs.CodeServerLocked, ecs.CodeBusy).
const (
	// CodeInvalidParameter (HTTP 400) is the service's "invalid
	// parameters" code. The fake uses it for a body without the "migrate"
	// key or that is not JSON, an unknown dedicated host, a move that
	// involves no dedicated host, and (with HTTP 404) an unknown job.
	CodeInvalidParameter = "Ecs.0005"
	// CodeProjectMismatch (HTTP 400) means the project in the path is not
	// the one the credentials act in.
	CodeProjectMismatch = "Ecs.0023"
	// CodeNoCapacity is the service's "not enough capacity for the flavor"
	// code. Jobs made to fail by FailNextMigrations carry it when no code
	// is given.
	CodeNoCapacity = "Ecs.0319"
	// CodeBadSignature (HTTP 401) is the API gateway's answer to a missing
	// or wrong signature, an unknown access key or a wrong X-Project-Id,
	// and to an IAM token the fake did not issue.
	CodeBadSignature = "APIGW.0301"
	// CodeThrottled (HTTP 429) is the API gateway's throttling code, sent
	// by Throttle.
	CodeThrottled = "APIGW.0308"
	// CodeSubJobFailed is the code ECS's error table gives a job query
	// that meets a failed sub-job, with the message SubJobFailedMessage.
	// A failed job carries both in its code and message fields, beside its
	// own error_code and fail_reason.
	CodeSubJobFailed = "Common.0021"
	// SubJobFailedMessage is the message that goes with CodeSubJobFailed.
	SubJobFailedMessage = "Subjob fails."
	// CodeDedicatedHostNotFound (HTTP 404) is the fake's code for an
	// unknown dedicated host. The DeH reference documents the 404 but no
	// code of its own; the body has ECS's shape.
	CodeDedicatedHostNotFound = "DEH.0404"
)

// Server is an in-process stand-in for the ECS endpoint of one region and
// one project. It serves the cold-migrate and job APIs over HTTP on a
// local address, keeps servers, dedicated hosts and jobs, and runs jobs on
// a clock the test controls.
//
// Like every fake, it counts the calls of each operation (Calls,
// AllCalls, ResetCalls), injects faults on request (Throttle, FailNext,
// DropNext, SlowNext, ClearFaults) and runs on a clock the test moves
// (Clock().Advance, Clock().Run). All methods are safe for concurrent use.
type Server struct {
	*fake.Server

	iam                        *fake.HuaweiServer
	account                    fake.HuaweiAccount
	initFor, runFor, actionFor time.Duration
	settleFor                  time.Duration

	mu          sync.Mutex
	servers     map[string]*server
	serverOrder []string // IDs in the order they were added
	hosts       map[string]*host
	jobs        map[string]*job
	jobOrder    []string
	pending     []*job // jobs not yet settled, oldest first
	failures    fake.Failures[failure]
	strands     fake.Failures[string]
	jobSeq      int
	subSeq      int
}

// Option configures a Server.
type Option func(*settings)

type settings struct {
	fake.HuaweiOptions
	initFor, runFor, actionFor, settleFor time.Duration
}

// WithCredentials replaces the default access key, secret key and project
// ID. None may be empty.
func WithCredentials(accessKey, secretKey, projectID string) Option {
	return func(s *settings) {
		s.Account = fake.HuaweiAccount{AccessKey: accessKey, SecretKey: auth.NewSecret(secretKey), ProjectID: projectID}
	}
}

// WithoutAuth accepts requests whatever their signature, IAM token and
// X-Project-Id; the IAM endpoint still issues tokens.
// The project ID in the path is still checked.
func WithoutAuth() Option {
	return func(s *settings) { s.NoAuth = true }
}

// WithRealTime starts the job clock moving with real time, multiplied by
// speed (60: a minute a second). Without it the clock stands still and
// only Clock().Advance moves it.
func WithRealTime(speed float64) Option {
	return func(s *settings) { s.Speed = speed }
}

// WithJobDurations sets how long a cold-migration job stays INIT and then
// RUNNING before it ends. Neither may be negative.
//
// Deprecated: use WithDurations, the name every fake gives its timing
// option.
func WithJobDurations(init, running time.Duration) Option {
	return func(s *settings) { s.initFor, s.runFor = init, running }
}

// WithActionDuration sets how long a stop or start job stays RUNNING
// (after INIT) before it ends. It may not be negative.
//
// Deprecated: use WithDurations (its Action field).
func WithActionDuration(running time.Duration) Option {
	return func(s *settings) { s.actionFor = running }
}

// WithSettleDelay makes a server whose cold-migration job has reported
// SUCCESS keep showing StatusResize (task state TaskResizeFinish) on its
// old host for d more before it settles on the new one, as ECS has been
// seen to report a job's SUCCESS early. It may not be negative; the
// default is none.
func WithSettleDelay(d time.Duration) Option {
	return func(s *settings) { s.settleFor = d }
}

// NewServer starts a fake ECS endpoint. Close it when done. It panics when
// an option has a bad value, as a test set-up mistake.
func NewServer(opts ...Option) *Server {
	st := settings{
		HuaweiOptions: fake.HuaweiOptions{Account: fake.HuaweiAccount{
			AccessKey: DefaultAccessKey, SecretKey: auth.NewSecret(DefaultSecretKey), ProjectID: DefaultProjectID,
		}},
		initFor: DefaultInitDuration, runFor: DefaultRunningDuration, actionFor: DefaultActionDuration,
	}
	fake.ApplyOptions(&st, opts)
	st.Account.Validate("ecstest")
	if st.initFor < 0 || st.runFor < 0 {
		panic(fmt.Sprintf("ecstest: WithDurations: negative duration (%v, %v)", st.initFor, st.runFor))
	}
	if st.actionFor < 0 {
		panic(fmt.Sprintf("ecstest: WithDurations: negative Action duration %v", st.actionFor))
	}
	if st.settleFor < 0 {
		panic(fmt.Sprintf("ecstest: WithSettleDelay: negative duration %v", st.settleFor))
	}
	hw := st.Start("ecstest", fake.Config{
		Name:         "ecs",
		ErrorBody:    fake.BehindGateway(ecsErrorBody),
		ThrottleCode: CodeThrottled,
	})
	s := &Server{
		Server:  hw.Server,
		iam:     hw,
		account: st.Account,
		initFor: st.initFor, runFor: st.runFor, actionFor: st.actionFor, settleFor: st.settleFor,
		servers: map[string]*server{},
		hosts:   map[string]*host{},
		jobs:    map[string]*job{},
	}
	s.Handle(OpColdMigrate, "POST /v1/{project_id}/cloudservers/{server_id}/migrate", s.coldMigrate)
	s.Handle(OpGetJob, "GET /v1/{project_id}/jobs/{job_id}", s.getJob)
	s.Handle(OpGetServer, "GET /v1/{project_id}/cloudservers/{server_id}", s.getServer)
	s.Handle(OpListServers, "GET /v1/{project_id}/cloudservers/detail", s.listServers)
	s.HandleRoute(OpServerAction, "POST /v1/{project_id}/cloudservers/action", s.routeAction)
	s.Handle(OpListDedicatedHosts, "GET /v1.0/{project_id}/dedicated-hosts", s.listHosts)
	s.Handle(OpGetDedicatedHost, "GET /v1.0/{project_id}/dedicated-hosts/{dedicated_host_id}", s.getHost)
	s.Handle(OpListHostServers, "GET /v1.0/{project_id}/dedicated-hosts/{dedicated_host_id}/servers", s.listHostServers)
	return s
}

// DedicatedHostURL returns the base URL of the fake's Dedicated Host
// (DeH) API, for deh.NewClient. The fake serves it on the same address as
// ECS (the paths differ: /v1.0/... against /v1/...), so it is URL(); on
// Huawei Cloud the two are separate endpoints.
func (s *Server) DedicatedHostURL() string { return s.URL() }

// AccessKey returns the access key the server accepts.
func (s *Server) AccessKey() string { return s.account.AccessKey }

// SecretKey returns the secret key that goes with AccessKey.
func (s *Server) SecretKey() string { return s.account.SecretKey.Reveal() }

// ProjectID returns the project the server serves; pass it to
// ecs.NewClient.
func (s *Server) ProjectID() string { return s.account.ProjectID }

// Authorizer returns an AK/SK signer for the server's key pair, ready for
// ecs.NewClient.
func (s *Server) Authorizer() auth.Authorizer { return s.account.Authorizer() }

// IAMURL returns the URL of the fake's IAM token endpoint
// ("<URL>/v3", serving POST /v3/auth/tokens); pass it to auth.NewKeystone
// with IAMCredentials.
func (s *Server) IAMURL() string { return s.iam.IAMURL() }

// IAMCredentials returns credentials the fake's IAM endpoint accepts: an
// IAM user by name and domain with its password, scoped to ProjectID. The
// values are invented and work nowhere else.
func (s *Server) IAMCredentials() auth.KeystoneCredentials { return s.iam.IAMCredentials() }

// IAMAuthorizer returns a new IAM token authorizer for IAMURL and
// IAMCredentials, ready for ecs.NewClient in place of Authorizer. Each
// call returns one with its own token cache; it fetches its first token on
// first use and renews it once when the fake rejects it. It panics only if
// auth.NewKeystone refused the fake's own settings, which cannot happen.
func (s *Server) IAMAuthorizer() *auth.Keystone { return s.iam.IAMAuthorizer() }

// ExpireTokens makes every IAM token issued so far invalid, as if its
// time had run out: the next requests carrying one get 401 APIGW.0307, and
// an authorizer from IAMAuthorizer renews its token once and replays them.
// Tokens issued afterwards are valid.
func (s *Server) ExpireTokens() { s.iam.ExpireTokens() }

// TokensIssued returns how many tokens the fake's IAM endpoint has issued.
func (s *Server) TokensIssued() int { return s.iam.TokensIssued() }

// ecsError is the body of an ECS error answer.
type ecsError struct {
	Error ecsErrorDetail `json:"error"`
}

type ecsErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ecsErrorBody shapes ECS's own error answers, {"error": {...}}; the API
// gateway's codes keep the gateway's form (fake.BehindGateway).
func ecsErrorBody(_ int, code, message string) any {
	return ecsError{Error: ecsErrorDetail{Code: code, Message: message}}
}

// checkProject answers requests whose path names another project.
func (s *Server) checkProject(r *fake.Request) (fake.Response, bool) {
	if p := r.PathValue("project_id"); p != s.account.ProjectID {
		return s.Error(http.StatusBadRequest, CodeProjectMismatch,
			fmt.Sprintf("project_id %s in the URL does not match the project of the credentials", p)), false
	}
	return fake.Response{}, true
}
