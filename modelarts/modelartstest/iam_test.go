package modelartstest_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/fake/faketest"
	"github.com/cloudmigrate/cloudmigrate/modelarts"
	"github.com/cloudmigrate/cloudmigrate/modelarts/modelartstest"
)

func TestIAMCredentials(t *testing.T) {
	srv := modelartstest.NewServer(modelartstest.WithCredentials("AKOTHER", "sk-other", "project-other"))
	defer srv.Close()
	faketest.CheckIAMCredentials(t, srv, "project-other")
}

// A client authorized by an IAM token migrates nodes and waits for the
// move like a signed one.
func TestMigrateWithAnIAMToken(t *testing.T) {
	srv, _ := newEnv(t)
	c := newClient(t, srv, srv.IAMAuthorizer())
	ctx := context.Background()

	op, err := c.BatchMigrateNodes(ctx, srcPool, crossPool("node-1"))
	if err != nil {
		t.Fatal(err)
	}
	job, err := op.Wait(ctx, fast(srv, time.Minute, nil)...)
	if err != nil {
		t.Fatal(err)
	}
	if job.ID != op.ID() || job.Phase != modelarts.JobSuccess {
		t.Errorf("final job %+v", job)
	}
	sameStates(t, "pool-dst", states(srv.PoolNodes(dstPool)), []nodeState{
		{"node-1", bigFlav, "Available", dstPool},
		{"node-x", flavor, "Available", dstPool},
	})
	if n := srv.TokensIssued(); n != 1 {
		t.Errorf("TokensIssued %d, want 1", n)
	}
	if n := srv.Calls(modelartstest.OpBatchMigrateNodes); n != 1 {
		t.Errorf("%d migrations sent, want 1", n)
	}
}

func TestIAMTokenRefusals(t *testing.T) {
	srv, _ := newEnv(t)
	ctx := context.Background()
	tok := faketest.TokenOf(t, srv.IAMAuthorizer())
	migrate := func(project string, authz auth.Authorizer) error {
		c, err := modelarts.NewClient(srv.URL(), project, authz)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.BatchMigrateNodes(ctx, srcPool, crossPool("node-1"))
		return err
	}

	// A token of another fake, or none at all.
	wantAPIError(t, migrate(srv.ProjectID(), auth.StaticToken("gAAAAnotfromthisfake")), http.StatusUnauthorized, modelartstest.CodeBadSignature)
	// The right token for another project: the gateway refuses it before
	// the service sees the path.
	wantAPIError(t, migrate("0123456789abcdef0123456789abcdef", auth.StaticToken(tok)), http.StatusUnauthorized, modelartstest.CodeBadSignature)
	// An expired token, with nothing to renew it.
	srv.ExpireTokens()
	wantAPIError(t, migrate(srv.ProjectID(), auth.StaticToken(tok)), http.StatusUnauthorized, "APIGW.0307")

	unchanged(t, srv)
	// Each call stopped at its first request, the look at the pool's
	// jobs: no start was sent.
	if n := srv.Calls(modelartstest.OpListJobs); n != 3 {
		t.Errorf("%d job-list reads received, want 3", n)
	}
	if n := srv.Calls(modelartstest.OpBatchMigrateNodes); n != 0 {
		t.Errorf("%d migrations received, want none", n)
	}
}

func TestIAMTokenWithoutAuth(t *testing.T) {
	srv, _ := newEnv(t, modelartstest.WithoutAuth())
	c := newClient(t, srv, srv.IAMAuthorizer())
	if _, err := c.BatchMigrateNodes(context.Background(), srcPool, crossPool("node-1")); err != nil {
		t.Fatal(err)
	}
	if n := srv.TokensIssued(); n != 1 {
		t.Errorf("TokensIssued %d, want 1", n)
	}
}
