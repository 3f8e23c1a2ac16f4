package cce

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

const testCMK = "0d0466b0-e727-4d9c-b35d-f84bb474a37f"

// The request built from the official model's field names is exactly what
// MigrateNodes sends for the same spec, and it decodes back to that spec.
func TestMigrateNodesLoginRemovalAndRootVolumeKeySent(t *testing.T) {
	fixture := readTestdata(t, "migrate_request_new_fields.json")
	spec := &MigrateNodesSpec{
		OS:           "Huawei Cloud EulerOS 2.0",
		Login:        &Login{SSHKey: "KeyPair-001", RemoveUserPassword: true},
		Runtime:      &Runtime{Name: RuntimeContainerd},
		ServerConfig: &MigrateServerConfig{RootVolume: &MigrateVolumeSpec{CMKID: testCMK}},
		Nodes:        Nodes("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"),
	}
	f := newFake(t, replyJSON(200, `{"status":{"jobID":"j"}}`))
	if _, err := f.client().MigrateNodes(context.Background(), srcCluster, dstCluster, spec); err != nil {
		t.Fatal(err)
	}
	sameJSON(t, f.only().Body, fixture)

	var decoded struct {
		Spec MigrateNodesSpec `json:"spec"`
	}
	if err := json.Unmarshal(fixture, &decoded); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&decoded.Spec, spec) {
		t.Errorf("decoded spec %+v, want %+v", decoded.Spec, *spec)
	}
}

// Salting a plain password keeps the other login fields of the spec.
func TestMigrateNodesSaltingKeepsRemoveSSHKey(t *testing.T) {
	up, err := NewUserPassword("", "Migrate#2024x")
	if err != nil {
		t.Fatal(err)
	}
	for name, login := range map[string]*Login{
		"salted":  {UserPassword: up, RemoveSSHKey: true},
		"to salt": {UserPassword: &UserPassword{Password: up.Password}, RemoveSSHKey: true},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFake(t, replyJSON(200, `{"status":{"jobID":"j"}}`))
			_, err := f.client().MigrateNodes(context.Background(), srcCluster, dstCluster, &MigrateNodesSpec{
				OS: "EulerOS 2.5", Login: login, Nodes: Nodes("a"),
			})
			if err != nil {
				t.Fatal(err)
			}
			var body struct {
				Spec struct {
					Login map[string]json.RawMessage `json:"login"`
				} `json:"spec"`
			}
			if err := json.Unmarshal(f.only().Body, &body); err != nil {
				t.Fatal(err)
			}
			if string(body.Spec.Login["removeSSHKey"]) != "true" || len(body.Spec.Login) != 2 || body.Spec.Login["userPassword"] == nil {
				t.Errorf("login sent %s", f.only().Body)
			}
		})
	}
}

// False flags and empty keys are left out; an empty serverConfig or
// rootVolume is sent as the empty object the caller built.
func TestMigrateNodesNewFieldsOmittedWhenUnset(t *testing.T) {
	for _, tc := range []struct {
		sc   *MigrateServerConfig
		want string
	}{
		{nil, ``},
		{&MigrateServerConfig{}, `"serverConfig":{},`},
		{&MigrateServerConfig{RootVolume: &MigrateVolumeSpec{}}, `"serverConfig":{"rootVolume":{}},`},
	} {
		f := newFake(t, replyJSON(200, `{"status":{"jobID":"j"}}`))
		_, err := f.client().MigrateNodes(context.Background(), srcCluster, dstCluster, &MigrateNodesSpec{
			OS: "EulerOS 2.5", Login: &Login{SSHKey: "k", RemoveSSHKey: false, RemoveUserPassword: false},
			ServerConfig: tc.sc, Nodes: Nodes("a"),
		})
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, f.only().Body, []byte(`{"apiVersion":"v3","kind":"MigrateNodesTask",
			"spec":{"os":"EulerOS 2.5","login":{"sshKey":"k"},`+tc.want+`"nodes":[{"uid":"a"}]}}`))
	}
}

// Each new field the documentation constrains is checked before anything
// is sent, with the JSON path of the field.
func TestMigrateNodesNewFieldsValidation(t *testing.T) {
	up, err := NewUserPassword("", "Migrate#2024x")
	if err != nil {
		t.Fatal(err)
	}
	withKey := func(id string) *MigrateNodesSpec {
		s := goodSpec()
		s.ServerConfig = &MigrateServerConfig{RootVolume: &MigrateVolumeSpec{CMKID: id}}
		return s
	}
	cases := []struct {
		name  string
		spec  *MigrateNodesSpec
		field string
	}{
		{"removeSSHKey beside sshKey", &MigrateNodesSpec{OS: "EulerOS 2.5", Login: &Login{SSHKey: "k", RemoveSSHKey: true}, Nodes: Nodes("a")}, "spec.login.removeSSHKey"},
		{"removeUserPassword beside userPassword", &MigrateNodesSpec{OS: "EulerOS 2.5", Login: &Login{UserPassword: up, RemoveUserPassword: true}, Nodes: Nodes("a")}, "spec.login.removeUserPassword"},
		{"only a removal flag", &MigrateNodesSpec{OS: "EulerOS 2.5", Login: &Login{RemoveSSHKey: true}, Nodes: Nodes("a")}, "spec.login"},
		{"blank key", withKey("   "), fieldCMKID},
		{"key with a newline", withKey(testCMK + "\n"), fieldCMKID},
		{"key with NUL", withKey("a\x00b"), fieldCMKID},
		{"key not UTF-8", withKey("\xff" + testCMK), fieldCMKID},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, replyJSON(200, `{"status":{"jobID":"j"}}`))
			_, err := f.client().MigrateNodes(context.Background(), srcCluster, dstCluster, tc.spec)
			wantValidation(t, err, tc.field)
			if f.count() != 0 {
				t.Fatal("a refused spec was sent")
			}
		})
	}

	// The pairs the documentation allows go through.
	for name, login := range map[string]*Login{
		"removeSSHKey with a password":  {UserPassword: up, RemoveSSHKey: true},
		"removeUserPassword with a key": {SSHKey: "k", RemoveUserPassword: true},
	} {
		f := newFake(t, replyJSON(200, `{"status":{"jobID":"j"}}`))
		if _, err := f.client().MigrateNodes(context.Background(), srcCluster, dstCluster,
			&MigrateNodesSpec{OS: "EulerOS 2.5", Login: login, Nodes: Nodes("a")}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// The answer's echo of the new fields decodes, with the password masked.
func TestMigrateNodesNewFieldsResponse(t *testing.T) {
	raw := readTestdata(t, "migrate_response_new_fields.json")
	f := newFake(t, replyJSON(200, string(raw)))
	up, _ := NewUserPassword("", "Migrate#2024x")
	op, err := f.client().MigrateNodes(context.Background(), srcCluster, dstCluster, &MigrateNodesSpec{
		OS: "Huawei Cloud EulerOS 2.0", Login: &Login{UserPassword: up, RemoveSSHKey: true}, Nodes: Nodes("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"),
		ServerConfig: &MigrateServerConfig{RootVolume: &MigrateVolumeSpec{CMKID: testCMK}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var task MigrateNodesTask
	if err := json.Unmarshal(raw, &task); err != nil {
		t.Fatal(err)
	}
	l := task.Spec.Login
	if l == nil || !l.RemoveSSHKey || l.RemoveUserPassword || l.UserPassword == nil || l.UserPassword.Username != "root" {
		t.Fatalf("login %+v", l)
	}
	if sc := task.Spec.ServerConfig; sc == nil || sc.RootVolume == nil || sc.RootVolume.CMKID != testCMK {
		t.Errorf("serverConfig %+v", sc)
	}
	if task.JobID() != testJobID || op.ID() != testJobID {
		t.Errorf("job %q, handle on %q", task.JobID(), op.ID())
	}
	if strings.Contains(string(f.only().Body), "Migrate#2024x") {
		t.Error("plain password sent")
	}
}
