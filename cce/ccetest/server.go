package ccetest

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/cce"
	"github.com/cloudmigrate/cloudmigrate/internal/fake"
)

// Operation names, as counted by Calls and targeted by Throttle, FailNext,
// DropNext and SlowNext.
const (
	// OpMigrateNodes is
	// PUT /api/v3/projects/{project_id}/clusters/{cluster_id}/nodes/operation/migrateto/{target_cluster_id}.
	OpMigrateNodes = "MigrateNodes"
	// OpGetJob is GET /api/v3/projects/{project_id}/jobs/{job_id}.
	OpGetJob = "GetJob"
	// OpListNodes is GET /api/v3/projects/{project_id}/clusters/{cluster_id}/nodes
	// (cce.Client.ListNodes, and the reads of MigrateNodes and of its
	// handle).
	OpListNodes = "ListNodes"
	// OpGetNode is GET /api/v3/projects/{project_id}/clusters/{cluster_id}/nodes/{node_id}.
	OpGetNode = "GetNode"
	// OpGetCluster is GET /api/v3/projects/{project_id}/clusters/{cluster_id}.
	OpGetCluster = "GetCluster"
	// OpMigrateToNodePool is
	// PUT /api/v3/projects/{project_id}/clusters/{cluster_id}/nodepools/{nodepool_id}/nodes/migrate.
	OpMigrateToNodePool = "MigrateToNodePool"
)

// The credentials a Server accepts unless WithCredentials says otherwise.
// They are invented and work nowhere else.
const (
	DefaultAccessKey = "FAKECCEACCESSKEY0001"
	DefaultSecretKey = "FakeCceSecretKey0000000000000000000000001"
	DefaultProjectID = "0970dd7a1300f5672ff2c003c60ae115"
)

// How long a migration job stays in each phase unless WithDurations
// says otherwise, in the fake's clock.
const (
	// DefaultInitDuration is how long a job stays Initializing.
	DefaultInitDuration = 10 * time.Second
	// DefaultRunningDuration is how long a job stays Running. Its sub-jobs,
	// one per node, end one after another at even intervals over this
	// time, the last one together with the job.
	DefaultRunningDuration = 5 * time.Minute
)

// Error codes of the API gateway in front of CCE. The CCE codes the fake
// answers with are those of package cce: cce.CodeBadRequest (HTTP 400),
// cce.CodeForbidden (403), cce.CodeNotFound (404) and cce.CodeThrottled
// (429, sent by Throttle).
const (
	// CodeBadSignature (HTTP 401) is the gateway's answer to a missing or
	// wrong signature, an unknown access key, an X-Sdk-Date more than 15
	// minutes off, or a wrong X-Project-Id, and to an IAM token the fake
	// did not issue.
	CodeBadSignature = "APIGW.0301"
)

// Server is an in-process stand-in for the CCE endpoint of one region and
// one project. It serves the node-migration, job, node, cluster and
// node-pool migration APIs over HTTP on a local address, keeps clusters,
// node pools, nodes and jobs, and runs jobs on a clock the test controls.
//
// Like every fake, it counts the calls of each operation (Calls,
// AllCalls, ResetCalls), injects faults on request (Throttle, FailNext,
// DropNext, SlowNext, ClearFaults) and runs on a clock the test moves
// (Clock().Advance, Clock().Run). All methods are safe for concurrent use.
type Server struct {
	*fake.Server

	iam             *fake.HuaweiServer
	account         fake.HuaweiAccount
	initFor, runFor time.Duration

	mu       sync.Mutex
	clusters map[string]*cluster
	nodes    map[string]*node
	jobs     map[string]*job
	pending  []*job                // jobs with sub-jobs whose outcome is not yet applied
	failures fake.Failures[string] // reasons
	// misreports counts the migrations still to end Success without
	// moving their nodes.
	misreports int
	jobSeq     int
	nodeSeq    int
	// hideNodeJobs keeps status.jobID off nodes under migration.
	hideNodeJobs bool
}

// Option configures a Server.
type Option func(*settings)

type settings struct {
	fake.HuaweiOptions
	initFor, runFor time.Duration
	hideNodeJobs    bool
}

// WithCredentials replaces the default access key, secret key and project
// ID. None may be empty, and the project ID may not contain "/".
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
// speed (60: a minute a second). Without it the clock stands still and only
// Clock().Advance moves it.
func WithRealTime(speed float64) Option {
	return func(s *settings) { s.Speed = speed }
}

// WithJobDurations sets how long a migration job stays Initializing and
// then Running before it ends. Neither may be negative.
//
// Deprecated: use WithDurations, the name every fake gives its timing
// option.
func WithJobDurations(init, running time.Duration) Option {
	return func(s *settings) { s.initFor, s.runFor = init, running }
}

// WithoutNodeJobIDs leaves status.jobID off the nodes a migration works
// on (the fake shows the migration job there by default). CCE documents
// status.jobID as the job that creates or deletes a node, so this is the
// case of a service that does not show the migration job on its nodes.
func WithoutNodeJobIDs() Option {
	return func(s *settings) { s.hideNodeJobs = true }
}

// NewServer starts a fake CCE endpoint with no clusters. Close it when
// done. It panics when an option has a bad value, as a test set-up
// mistake.
func NewServer(opts ...Option) *Server {
	st := settings{
		HuaweiOptions: fake.HuaweiOptions{Account: fake.HuaweiAccount{
			AccessKey: DefaultAccessKey, SecretKey: auth.NewSecret(DefaultSecretKey), ProjectID: DefaultProjectID,
		}},
		initFor: DefaultInitDuration, runFor: DefaultRunningDuration,
	}
	fake.ApplyOptions(&st, opts)
	st.Account.Validate("ccetest")
	switch {
	case strings.Contains(st.Account.ProjectID, "/"):
		panic(fmt.Sprintf("ccetest: WithCredentials: project ID %q contains '/'", st.Account.ProjectID))
	case st.initFor < 0 || st.runFor < 0:
		panic(fmt.Sprintf("ccetest: WithDurations: negative duration (%v, %v)", st.initFor, st.runFor))
	}
	hw := st.Start("ccetest", fake.Config{
		Name:         "cce",
		ErrorBody:    fake.BehindGateway(cceErrorBody),
		ThrottleCode: cce.CodeThrottled,
	})
	s := &Server{
		Server:  hw.Server,
		iam:     hw,
		account: st.Account,
		initFor: st.initFor, runFor: st.runFor,
		hideNodeJobs: st.hideNodeJobs,
		clusters:     map[string]*cluster{},
		nodes:        map[string]*node{},
		jobs:         map[string]*job{},
	}
	s.Handle(OpMigrateNodes, "PUT /api/v3/projects/{project_id}/clusters/{cluster_id}/nodes/operation/migrateto/{target_cluster_id}", s.migrateNodes)
	s.Handle(OpGetJob, "GET /api/v3/projects/{project_id}/jobs/{job_id}", s.getJob)
	s.Handle(OpListNodes, "GET /api/v3/projects/{project_id}/clusters/{cluster_id}/nodes", s.listNodes)
	s.Handle(OpGetNode, "GET /api/v3/projects/{project_id}/clusters/{cluster_id}/nodes/{node_id}", s.getNode)
	s.Handle(OpGetCluster, "GET /api/v3/projects/{project_id}/clusters/{cluster_id}", s.getCluster)
	s.Handle(OpMigrateToNodePool, "PUT /api/v3/projects/{project_id}/clusters/{cluster_id}/nodepools/{nodepool_id}/nodes/migrate", s.migrateToNodePool)
	return s
}

// AccessKey returns the access key the server accepts.
func (s *Server) AccessKey() string { return s.account.AccessKey }

// SecretKey returns the secret key that goes with AccessKey.
func (s *Server) SecretKey() string { return s.account.SecretKey.Reveal() }

// ProjectID returns the project the server serves; pass it to
// cce.NewClient.
func (s *Server) ProjectID() string { return s.account.ProjectID }

// Authorizer returns an AK/SK signer for the server's key pair, ready for
// cce.NewClient.
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
// IAMCredentials, ready for cce.NewClient in place of Authorizer. Each
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

// cceError is the body of a CCE error answer.
type cceError struct {
	ErrorCode    string `json:"errorCode"`
	ErrorMessage string `json:"errorMessage"`
}

// cceErrorBody shapes CCE's own error answers, {"errorCode",
// "errorMessage"}; the API gateway's codes keep the gateway's form
// (fake.BehindGateway).
func cceErrorBody(_ int, code, message string) any {
	return cceError{ErrorCode: code, ErrorMessage: message}
}

// badRequest answers 400 with cce.CodeBadRequest.
func (s *Server) badRequest(format string, args ...any) fake.Response {
	return s.Error(http.StatusBadRequest, cce.CodeBadRequest, fmt.Sprintf(format, args...))
}

// notFound answers 404 with cce.CodeNotFound.
func (s *Server) notFound(format string, args ...any) fake.Response {
	return s.Error(http.StatusNotFound, cce.CodeNotFound, fmt.Sprintf(format, args...))
}

// checkProject answers requests whose path names another project.
func (s *Server) checkProject(r *fake.Request) (fake.Response, bool) {
	if p := r.PathValue("project_id"); p != s.account.ProjectID {
		return s.Error(http.StatusForbidden, cce.CodeForbidden,
			fmt.Sprintf("project %s in the URL is not the project of the credentials", p)), false
	}
	return fake.Response{}, true
}
