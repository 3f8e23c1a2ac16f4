package modelartstest

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/fake"
	"github.com/cloudmigrate/cloudmigrate/modelarts"
)

// Operation names, as counted by Calls and targeted by Throttle, FailNext,
// DropNext and SlowNext.
const (
	// OpBatchMigrateNodes is
	// POST /v2/{project_id}/pools/{pool_name}/nodes/batch-migrate.
	OpBatchMigrateNodes = "BatchMigrateNodes"
	// OpGetJob is GET /v2/{project_id}/jobs/{job_id}, the by-ID job query
	// (answered with 404 under WithoutJobByID, but still counted).
	OpGetJob = "GetJob"
	// OpListJobs is GET /v2/{project_id}/jobs?resource=pools&name={pool}.
	OpListJobs = "ListJobs"
	// OpListPoolNodes is GET /v2/{project_id}/pools/{pool_name}/nodes.
	OpListPoolNodes = "ListPoolNodes"
	// OpListPools is GET /v2/{project_id}/pools.
	OpListPools = "ListPools"
	// OpGetPool is GET /v2/{project_id}/pools/{pool_name}.
	OpGetPool = "GetPool"
	// OpLockNodes is POST /v2/{project_id}/pools/{pool_name}/nodes/batch-lock.
	OpLockNodes = "LockNodes"
	// OpUnlockNodes is
	// POST /v2/{project_id}/pools/{pool_name}/nodes/batch-unlock.
	OpUnlockNodes = "UnlockNodes"
	// OpDrainNodes is POST /v2/{project_id}/pools/{pool_name}/nodes/batch-drain.
	OpDrainNodes = "DrainNodes"
	// OpUnknownRoute counts requests for paths and methods the fake does
	// not serve; they are answered 404 with CodeRouteNotFound.
	OpUnknownRoute = "UnknownRoute"
)

// The credentials a Server accepts unless WithCredentials says otherwise.
// They are invented and work nowhere else.
const (
	DefaultAccessKey = "FAKEMAACCESSKEY00001"
	DefaultSecretKey = "FakeModelArtsSecretKey000000000000000001"
	DefaultProjectID = "5a4b3c2d1e0f49382716a5b4c3d2e1f0"
)

// How long a migration job stays in each stage unless WithDurations
// says otherwise, in the fake's clock. The job's phase is Running in both.
const (
	// DefaultCheckingDuration is how long the nodes show NodeChecking.
	DefaultCheckingDuration = 30 * time.Second
	// DefaultCreatingDuration is how long they then show NodeCreating.
	DefaultCreatingDuration = 3 * time.Minute
)

// JobTypeMigrate is the type the fake gives batch-migration jobs (the job
// list's "type" field and filter). The service does not document the type
// of these jobs; this one is the fake's choice.
const JobTypeMigrate = "migrate-node"

// DefaultFailureMessage is the message of a job made to fail by
// FailNextMigrations when no message is given.
const DefaultFailureMessage = "failed to migrate nodes: the destination cluster has no free IP addresses"

// Error codes the fake answers with. Besides modelarts.CodePoolNotFound
// ("ModelArts.50015001", HTTP 404, the code the batch-migrate
// documentation gives for an unknown pool) and ModelArts' general
// CodeParameterError, the service documents no code for the cases below;
// the ModelArts.50015xxx values here are the fake's own choice, kept
// distinct so tests can tell the cases apart.
const (
	// CodeParameterError (HTTP 400) is ModelArts' documented "Parameter
	// error." code. The fake uses it for a body that is not JSON or has
	// fields the API does not define, a missing or repeated node name, a
	// missing cluster name, a cross-pool move without resourceSpec.flavor,
	// cluster names that do not fit the pools, a path project other than
	// the server's, and bad list parameters.
	CodeParameterError = "ModelArts.0104"
	// CodeNodeNotFound (HTTP 404) means a name in migrateNodeNames is not a
	// node of the source pool.
	CodeNodeNotFound = "ModelArts.50015002"
	// CodeTooFewNodes (HTTP 400) means the source pool has fewer than two
	// nodes, or the migration would leave it without a node that is not
	// already leaving. The service requires at least two nodes in the
	// pool before a migration.
	CodeTooFewNodes = "ModelArts.50015003"
	// CodeNodeNotMigratable (HTTP 409) means a listed node is not
	// NodeAvailable: it is being migrated by another job, or is Creating,
	// Deleting, Abnormal or Checking.
	CodeNodeNotMigratable = "ModelArts.50015004"
	// CodeJobNotFound (HTTP 404) answers the by-ID job query for a job the
	// fake does not know.
	CodeJobNotFound = "ModelArts.50015005"
	// CodeNodeLocked (HTTP 409) refuses to drain a node whose delete
	// function is locked: the service requires drained nodes to be
	// unlocked.
	CodeNodeLocked = "ModelArts.50015006"
	// CodeNodeNotDrainable (HTTP 409) refuses to drain a node that is not
	// Available or is being migrated.
	CodeNodeNotDrainable = "ModelArts.50015007"
	// CodeBadRequest (HTTP 400) is the code of the service's documented
	// example answer of a drain naming a node outside the pool ("Bad
	// request. node cannot be drained because it is not in pool"); the
	// fake answers it in that case.
	CodeBadRequest = "ModelArts.50004000"
	// CodeRouteNotFound (HTTP 404) is the API gateway's answer for a path
	// it does not publish. The fake sends it for unknown routes, and for
	// the by-ID job query under WithoutJobByID.
	CodeRouteNotFound = "APIGW.0101"
	// CodeBadSignature (HTTP 401) is the API gateway's answer to a missing
	// or wrong signature, an unknown access key, an X-Sdk-Date more than
	// 15 minutes from real time, or a wrong X-Project-Id, and to an IAM
	// token the fake did not issue.
	CodeBadSignature = modelarts.CodeBadSignature
	// CodeThrottled (HTTP 429) is the API gateway's throttling code, sent
	// by Throttle.
	CodeThrottled = modelarts.CodeThrottled
)

// Server is an in-process stand-in for the ModelArts endpoint of one
// region and one project. It serves batch migration, the job queries, the
// pool list and details, the pool node list, and node lock, unlock and
// drain over HTTP on a local address, keeps resource pools, nodes and
// jobs, and runs jobs on a clock the test controls.
//
// Like every fake, it counts the calls of each operation (Calls,
// AllCalls, ResetCalls), injects faults on request (Throttle, FailNext,
// DropNext, SlowNext, ClearFaults) and runs on a clock the test moves
// (Clock().Advance, Clock().Run). All methods are safe for concurrent use.
type Server struct {
	*fake.Server

	iam                 *fake.HuaweiServer
	account             fake.HuaweiAccount
	checkFor, createFor time.Duration
	noJobByID           bool

	noInputs bool

	mu       sync.Mutex
	pools    map[string]*pool
	nodes    map[string]*node
	jobs     map[string]*job
	jobList  []*job // in order of creation
	pending  []*job // jobs whose outcome is not applied yet, oldest first
	failures []string
	ghosts   int // migrations still to end Success without moving their nodes
	nodeSeq  int
}

// Option configures a Server.
type Option func(*settings)

type settings struct {
	fake.HuaweiOptions
	noJobByID           bool
	noInputs            bool
	checkFor, createFor time.Duration
}

// WithCredentials replaces the default access key, secret key and project
// ID. None may be empty; the project ID must be a valid modelarts project
// ID (letters, digits, '-' and '_').
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

// WithJobDurations sets how long a migration job keeps its nodes Checking
// and then Creating before it ends. Neither may be negative.
//
// Deprecated: use WithDurations, the name every fake gives its timing
// option.
func WithJobDurations(checking, creating time.Duration) Option {
	return func(s *settings) { s.checkFor, s.createFor = checking, creating }
}

// WithoutJobByID makes GET /v2/{project_id}/jobs/{job_id} answer 404
// (CodeRouteNotFound) as a service without that undocumented route would,
// so clients have to find jobs in the pool's job list. The requests are
// still counted under OpGetJob.
func WithoutJobByID() Option {
	return func(s *settings) { s.noJobByID = true }
}

// WithoutJobInputs makes migration jobs carry no inputs. By default a
// job's inputs (a JSON string, as the official SDK types the field) hold
// the batch-migrate request's migrateNodeNames, fromClusterName,
// toClusterName and toPoolName; the service documents the field without
// saying what it holds. Without them a client cannot tell from the job
// list which nodes a job moves.
func WithoutJobInputs() Option {
	return func(s *settings) { s.noInputs = true }
}

// NewServer starts a fake ModelArts endpoint with no pools. Close it when
// done. It panics when an option has a bad value, as a test set-up
// mistake.
func NewServer(opts ...Option) *Server {
	st := settings{
		HuaweiOptions: fake.HuaweiOptions{Account: fake.HuaweiAccount{
			AccessKey: DefaultAccessKey, SecretKey: auth.NewSecret(DefaultSecretKey), ProjectID: DefaultProjectID,
		}},
		checkFor: DefaultCheckingDuration, createFor: DefaultCreatingDuration,
	}
	fake.ApplyOptions(&st, opts)
	st.Account.Validate("modelartstest")
	switch {
	case !validName(st.Account.ProjectID):
		panic(fmt.Sprintf("modelartstest: WithCredentials: project ID %q has characters other than letters, digits, '-' and '_'", st.Account.ProjectID))
	case st.checkFor < 0 || st.createFor < 0:
		panic(fmt.Sprintf("modelartstest: WithDurations: negative duration (%v, %v)", st.checkFor, st.createFor))
	}
	// ModelArts answers its own codes in the API gateway's form too.
	hw := st.Start("modelartstest", fake.Config{
		Name:         "modelarts",
		ErrorBody:    fake.GatewayErrorBody,
		ThrottleCode: CodeThrottled,
	})
	s := &Server{
		Server:   hw.Server,
		iam:      hw,
		account:  st.Account,
		checkFor: st.checkFor, createFor: st.createFor,
		noJobByID: st.noJobByID,
		noInputs:  st.noInputs,
		pools:     map[string]*pool{},
		nodes:     map[string]*node{},
		jobs:      map[string]*job{},
	}
	s.Handle(OpBatchMigrateNodes, "POST /v2/{project_id}/pools/{pool_name}/nodes/batch-migrate", s.batchMigrate)
	s.Handle(OpGetJob, "GET /v2/{project_id}/jobs/{job_id}", s.getJob)
	s.Handle(OpListJobs, "GET /v2/{project_id}/jobs", s.listJobs)
	s.Handle(OpListPoolNodes, "GET /v2/{project_id}/pools/{pool_name}/nodes", s.listPoolNodes)
	s.Handle(OpListPools, "GET /v2/{project_id}/pools", s.listPools)
	s.Handle(OpGetPool, "GET /v2/{project_id}/pools/{pool_name}", s.getPool)
	s.Handle(OpLockNodes, "POST /v2/{project_id}/pools/{pool_name}/nodes/batch-lock", s.lockNodes)
	s.Handle(OpUnlockNodes, "POST /v2/{project_id}/pools/{pool_name}/nodes/batch-unlock", s.unlockNodes)
	s.Handle(OpDrainNodes, "POST /v2/{project_id}/pools/{pool_name}/nodes/batch-drain", s.drainNodes)
	// The gateway routes before it authenticates: an unknown path is 404
	// whatever the credentials.
	s.HandleOpen(OpUnknownRoute, "/", func(*fake.Request) fake.Response {
		return s.Error(http.StatusNotFound, CodeRouteNotFound,
			"The API does not exist or has not been published in the environment")
	})
	return s
}

// AccessKey returns the access key the server accepts.
func (s *Server) AccessKey() string { return s.account.AccessKey }

// SecretKey returns the secret key that goes with AccessKey.
func (s *Server) SecretKey() string { return s.account.SecretKey.Reveal() }

// ProjectID returns the project the server serves; pass it to
// modelarts.NewClient.
func (s *Server) ProjectID() string { return s.account.ProjectID }

// Authorizer returns an AK/SK signer for the server's key pair, ready for
// modelarts.NewClient.
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
// IAMCredentials, ready for modelarts.NewClient in place of Authorizer. Each
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

// checkProject answers requests whose path names another project.
func (s *Server) checkProject(r *fake.Request) (fake.Response, bool) {
	if p := r.PathValue("project_id"); p != s.account.ProjectID {
		return s.Error(http.StatusBadRequest, CodeParameterError,
			fmt.Sprintf("project_id %s in the URL does not match the project of the request", p)), false
	}
	return fake.Response{}, true
}

// validName reports whether v is a non-empty run of ASCII letters, digits,
// '-' and '_', the form modelarts accepts for project IDs and pool names.
func validName(v string) bool {
	if v == "" || len(v) > 64 {
		return false
	}
	for _, r := range v {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
		default:
			return false
		}
	}
	return true
}
