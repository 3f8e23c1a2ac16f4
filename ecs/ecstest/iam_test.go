package ecstest_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/ecs"
	"github.com/cloudmigrate/cloudmigrate/ecs/ecstest"
	"github.com/cloudmigrate/cloudmigrate/internal/fake/faketest"
)

func TestIAMCredentials(t *testing.T) {
	srv := ecstest.NewServer(ecstest.WithCredentials("AKOTHER", "sk-other", "project-other"))
	defer srv.Close()
	faketest.CheckIAMCredentials(t, srv, "project-other")
}

// A client authorized by an IAM token migrates a server and waits for the
// job like a signed one.
func TestMigrateWithAnIAMToken(t *testing.T) {
	srv := ecstest.NewServer()
	defer srv.Close()
	srv.AddHost(hostA, hostB)
	srv.AddServer(ecstest.ServerInfo{ID: serverA, Status: ecstest.StatusShutoff, HostID: hostA})
	c := newClient(t, srv, srv.ProjectID(), srv.IAMAuthorizer())
	ctx := context.Background()

	res, err := c.ColdMigrate(ctx, serverA, &ecs.ColdMigrateOptions{DedicatedHostID: hostB})
	if err != nil {
		t.Fatal(err)
	}
	opts, seen := stepping(srv, time.Minute)
	job, err := res.Wait(ctx, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if job.Status != ecs.JobSuccess || job.ID != res.ID() || len(*seen) < 2 {
		t.Errorf("final job %+v after %d polls", job, len(*seen))
	}
	if info := mustState(t, srv, serverA); info.HostID != hostB || info.MigrationJobID != "" {
		t.Errorf("after the job: %+v", info)
	}
	if n := srv.TokensIssued(); n != 1 {
		t.Errorf("TokensIssued %d, want 1", n)
	}
	if n := srv.Calls(ecstest.OpColdMigrate); n != 1 {
		t.Errorf("%d cold migrations sent, want 1", n)
	}
}

func TestIAMTokenRefusals(t *testing.T) {
	srv := ecstest.NewServer()
	defer srv.Close()
	srv.AddHost(hostA, hostB)
	srv.AddServer(ecstest.ServerInfo{ID: serverA, Status: ecstest.StatusShutoff, HostID: hostA})
	ctx := context.Background()
	tok := faketest.TokenOf(t, srv.IAMAuthorizer())
	migrate := func(project string, authz auth.Authorizer) error {
		_, err := newClient(t, srv, project, authz).ColdMigrate(ctx, serverA, &ecs.ColdMigrateOptions{DedicatedHostID: hostB})
		return err
	}

	// A token of another fake, or none at all.
	apiError(t, migrate(srv.ProjectID(), auth.StaticToken("gAAAAnotfromthisfake")), http.StatusUnauthorized, ecstest.CodeBadSignature)
	// The right token for another project: the gateway refuses it before
	// the service sees the path.
	apiError(t, migrate("0123456789abcdef0123456789abcdef", auth.StaticToken(tok)), http.StatusUnauthorized, ecstest.CodeBadSignature)
	// An expired token, with nothing to renew it.
	srv.ExpireTokens()
	apiError(t, migrate(srv.ProjectID(), auth.StaticToken(tok)), http.StatusUnauthorized, "APIGW.0307")

	if info := mustState(t, srv, serverA); info.MigrationJobID != "" || len(srv.JobIDs()) != 0 {
		t.Errorf("a refused request started something: %+v", info)
	}
	// Each refusal is of the read that comes before the start, so no start
	// is sent.
	if n, m := srv.Calls(ecstest.OpGetServer), srv.Calls(ecstest.OpColdMigrate); n != 3 || m != 0 {
		t.Errorf("%d reads and %d cold migrations received, want 3 and 0", n, m)
	}
}

func TestIAMTokenWithoutAuth(t *testing.T) {
	srv := ecstest.NewServer(ecstest.WithoutAuth())
	defer srv.Close()
	srv.AddHost(hostA, hostB)
	srv.AddServer(ecstest.ServerInfo{ID: serverA, Status: ecstest.StatusShutoff, HostID: hostA})
	c := newClient(t, srv, srv.ProjectID(), srv.IAMAuthorizer())
	if _, err := c.ColdMigrate(context.Background(), serverA, &ecs.ColdMigrateOptions{DedicatedHostID: hostB}); err != nil {
		t.Fatal(err)
	}
	if n := srv.TokensIssued(); n != 1 {
		t.Errorf("TokensIssued %d, want 1", n)
	}
}
