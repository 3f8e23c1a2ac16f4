package ccetest_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/cce"
	"github.com/cloudmigrate/cloudmigrate/cce/ccetest"
	"github.com/cloudmigrate/cloudmigrate/internal/fake/faketest"
)

// iamClient is a client of srv for project, authorized by authz.
func iamClient(t *testing.T, srv *ccetest.Server, project string, authz auth.Authorizer) *cce.Client {
	t.Helper()
	c, err := cce.NewClient(srv.URL(), project, authz, cloudmigrate.WithRetryWait(time.Millisecond, 2*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestIAMCredentials(t *testing.T) {
	srv := ccetest.NewServer(ccetest.WithCredentials("AKOTHER", "sk-other", "project-other"))
	defer srv.Close()
	faketest.CheckIAMCredentials(t, srv, "project-other")
}

// A client authorized by an IAM token migrates nodes and waits for the job
// like a signed one.
func TestMigrateWithAnIAMToken(t *testing.T) {
	srv, _ := newEnv(t)
	c := iamClient(t, srv, srv.ProjectID(), srv.IAMAuthorizer())
	ctx := ctxT(t)

	op, err := c.MigrateNodes(ctx, srcID, dstID, sshSpec(node1, node2))
	if err != nil {
		t.Fatal(err)
	}
	job, err := c.WaitForJob(ctx, op.ID(), stepping(srv, time.Minute, nil)...)
	if err != nil {
		t.Fatal(err)
	}
	if job.Status.Phase != cce.PhaseSuccess || job.Metadata.UID != op.ID() {
		t.Errorf("final job %+v", job)
	}
	for _, uid := range []string{node1, node2} {
		if n, _ := srv.Node(uid); n.ClusterID != dstID || n.MigrationJobID != "" {
			t.Errorf("node %s after the job: %+v", uid, n)
		}
	}
	if n := srv.TokensIssued(); n != 1 {
		t.Errorf("TokensIssued %d, want 1", n)
	}
	if n := srv.Calls(ccetest.OpMigrateNodes); n != 1 {
		t.Errorf("%d migrations sent, want 1", n)
	}
}

func TestIAMTokenRefusals(t *testing.T) {
	srv, _ := newEnv(t)
	ctx := ctxT(t)
	tok := faketest.TokenOf(t, srv.IAMAuthorizer())
	migrate := func(project string, authz auth.Authorizer) error {
		_, err := iamClient(t, srv, project, authz).MigrateNodes(ctx, srcID, dstID, sshSpec(node1))
		return err
	}

	// A token of another fake, or none at all.
	apiError(t, migrate(srv.ProjectID(), auth.StaticToken("gAAAAnotfromthisfake")), http.StatusUnauthorized, ccetest.CodeBadSignature)
	// The right token for another project: the gateway refuses it before
	// the service sees the path.
	apiError(t, migrate("0123456789abcdef0123456789abcdef", auth.StaticToken(tok)), http.StatusUnauthorized, ccetest.CodeBadSignature)
	// An expired token, with nothing to renew it.
	srv.ExpireTokens()
	apiError(t, migrate(srv.ProjectID(), auth.StaticToken(tok)), http.StatusUnauthorized, "APIGW.0307")

	if n, _ := srv.Node(node1); n.ClusterID != srcID || n.MigrationJobID != "" {
		t.Errorf("a refused request moved the node: %+v", n)
	}
	// Each attempt was refused at its first request, a read of the
	// clusters' nodes, so no migration was sent.
	if n, reads := srv.Calls(ccetest.OpMigrateNodes), srv.Calls(ccetest.OpListNodes); n != 0 || reads != 6 {
		t.Errorf("%d migrations and %d node-list reads received, want 0 and 6", n, reads)
	}
}

func TestIAMTokenWithoutAuth(t *testing.T) {
	srv, _ := newEnv(t, ccetest.WithoutAuth())
	c := iamClient(t, srv, srv.ProjectID(), srv.IAMAuthorizer())
	if _, err := c.MigrateNodes(ctxT(t), srcID, dstID, sshSpec(node1)); err != nil {
		t.Fatal(err)
	}
	if n := srv.TokensIssued(); n != 1 {
		t.Errorf("TokensIssued %d, want 1", n)
	}
}
