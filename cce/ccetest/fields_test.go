package ccetest_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate/cce"
	"github.com/cloudmigrate/cloudmigrate/cce/ccetest"
)

const rootKey = "0d0466b0-e727-4d9c-b35d-f84bb474a37f"

// The system-disk key and a login-removal flag sent through the SDK reach
// the fake: the answer echoes them, and the migrated node records the key.
func TestMigrateWithRootVolumeKey(t *testing.T) {
	srv, c := newEnv(t)
	ctx := ctxT(t)
	up, err := cce.NewUserPassword("", "Migr8-Node!pw")
	if err != nil {
		t.Fatal(err)
	}
	// MigrateNodes returns a handle, not the answer; TestMigrateNewFieldsRaw
	// checks the fake's echo of these fields.
	op, err := c.MigrateNodes(ctx, srcID, dstID, &cce.MigrateNodesSpec{
		OS:           "Huawei Cloud EulerOS 2.0",
		Login:        &cce.Login{UserPassword: up, RemoveSSHKey: true},
		ServerConfig: &cce.MigrateServerConfig{RootVolume: &cce.MigrateVolumeSpec{CMKID: rootKey}},
		Nodes:        cce.Nodes(node1),
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := srv.Node(node1); n.RootVolumeCMKID != "" {
		t.Errorf("key recorded before the migration ended: %+v", n)
	}
	if _, err := c.WaitForJob(ctx, op.ID(), stepping(srv, time.Minute, nil)...); err != nil {
		t.Fatal(err)
	}
	if n, _ := srv.Node(node1); n.ClusterID != dstID || n.RootVolumeCMKID != rootKey || n.SSHKey != "" {
		t.Errorf("node after migration %+v", n)
	}

	// A migration without serverConfig leaves the disk unencrypted.
	op, err = c.MigrateNodes(ctx, srcID, dstID, sshSpec(node2))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitForJob(ctx, op.ID(), stepping(srv, time.Minute, nil)...); err != nil {
		t.Fatal(err)
	}
	if n, _ := srv.Node(node2); n.ClusterID != dstID || n.RootVolumeCMKID != "" {
		t.Errorf("node 2 %+v", n)
	}
}

// The fake checks the JSON type of the new fields and the login pairs the
// documentation forbids, and echoes what it accepts as sent.
func TestMigrateNewFieldsRaw(t *testing.T) {
	srv, _ := newEnv(t)
	salted, err := cce.SaltPassword("Good-Pass1")
	if err != nil {
		t.Fatal(err)
	}
	body := func(login, extra string) []byte {
		return []byte(`{"apiVersion":"v3","kind":"MigrateNodesTask","spec":{"os":"EulerOS 2.5",` +
			`"login":` + login + `,` + extra + `"nodes":[{"uid":"` + node1 + `"}]}}`)
	}
	pw := `{"userPassword":{"password":"` + salted + `"}`
	refused := []struct {
		name string
		body []byte
	}{
		{"removeSSHKey a string", body(`{"sshKey":"k","removeSSHKey":"yes"}`, ``)},
		{"removeUserPassword a number", body(`{"sshKey":"k","removeUserPassword":1}`, ``)},
		{"removeSSHKey beside sshKey", body(`{"sshKey":"k","removeSSHKey":true}`, ``)},
		{"removeUserPassword beside userPassword", body(pw+`,"removeUserPassword":true}`, ``)},
		{"only a removal flag", body(`{"removeSSHKey":true}`, ``)},
		{"cmkID a number", body(`{"sshKey":"k"}`, `"serverConfig":{"rootVolume":{"cmkID":5}},`)},
		{"rootVolume a string", body(`{"sshKey":"k"}`, `"serverConfig":{"rootVolume":"`+rootKey+`"},`)},
		{"serverConfig a list", body(`{"sshKey":"k"}`, `"serverConfig":[],`)},
		{"blank cmkID", body(`{"sshKey":"k"}`, `"serverConfig":{"rootVolume":{"cmkID":"  "}},`)},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			status, _, out := send(t, srv, http.MethodPut, migratePath(srv, srcID, dstID), tc.body)
			if code, msg := errorBody(t, out); status != http.StatusBadRequest || code != cce.CodeBadRequest || msg == "" {
				t.Errorf("answer %d %s", status, out)
			}
		})
	}
	if n, _ := srv.Node(node1); n.MigrationJobID != "" {
		t.Fatalf("a refused request started a migration: %+v", n)
	}

	status, _, out := send(t, srv, http.MethodPut, migratePath(srv, srcID, dstID),
		body(pw+`,"removeSSHKey":true,"removeUserPassword":false}`, `"serverConfig":{"rootVolume":{"cmkID":"`+rootKey+`"}},`))
	if status != http.StatusOK {
		t.Fatalf("valid request: %d %s", status, out)
	}
	var echo struct {
		Spec struct {
			Login        map[string]json.RawMessage `json:"login"`
			ServerConfig json.RawMessage            `json:"serverConfig"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(out, &echo); err != nil {
		t.Fatal(err)
	}
	l := echo.Spec.Login
	if string(l["removeSSHKey"]) != "true" || string(l["removeUserPassword"]) != "false" || len(l) != 3 {
		t.Errorf("echoed login %s", out)
	}
	var sc any
	if err := json.Unmarshal(echo.Spec.ServerConfig, &sc); err != nil ||
		!reflect.DeepEqual(sc, map[string]any{"rootVolume": map[string]any{"cmkID": rootKey}}) {
		t.Errorf("echoed serverConfig %s", echo.Spec.ServerConfig)
	}

	srv.Clock().Advance(time.Hour)
	if n, _ := srv.Node(node1); n.ClusterID != dstID || n.Phase != ccetest.PhaseActive || n.RootVolumeCMKID != rootKey {
		t.Errorf("node after the raw migration %+v", n)
	}
}
