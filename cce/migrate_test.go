package cce

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
)

const migratePath = "/api/v3/projects/" + testProject + "/clusters/" + srcCluster +
	"/nodes/operation/migrateto/" + dstCluster

var seedNodes = Nodes("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy")

// withKindAndVersion adds the fixed apiVersion and kind that MigrateNodes
// always sends (the seed's examples leave them out; its Table 3 gives
// their fixed values) to a seed request example.
func withKindAndVersion(t *testing.T, seed []byte) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(seed, &m); err != nil {
		t.Fatal(err)
	}
	m["apiVersion"] = "v3"
	m["kind"] = "MigrateNodesTask"
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMigrateNodesSeedExamples(t *testing.T) {
	cases := []struct {
		file string
		spec *MigrateNodesSpec
	}{
		{"migrate_request_sshkey.json", &MigrateNodesSpec{
			OS:    "EulerOS 2.5",
			Login: &Login{SSHKey: "KeyPair-001"},
			Nodes: seedNodes,
		}},
		{"migrate_request_image.json", &MigrateNodesSpec{
			OS:          "EulerOS 2.5",
			ExtendParam: &MigrateNodeExtendParam{NodeImageID: "cc697ad7-9563-11e8-8ea7-0255ac106311"},
			Login:       &Login{SSHKey: "KeyPair-001"},
			Nodes:       seedNodes,
		}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			f := newFake(t, replyJSON(200, string(readTestdata(t, "migrate_response.json"))))
			op, err := f.client().MigrateNodes(context.Background(), srcCluster, dstCluster, tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			r := f.only()
			if r.Method != http.MethodPut {
				t.Errorf("method = %s, want PUT", r.Method)
			}
			if r.Path != migratePath {
				t.Errorf("path = %s, want %s", r.Path, migratePath)
			}
			if r.Query != "" {
				t.Errorf("query = %q, want none", r.Query)
			}
			if got := r.Header.Get("X-Project-Id"); got != testProject {
				t.Errorf("X-Project-Id = %q, want %q", got, testProject)
			}
			if got := r.Header.Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q", got)
			}
			if got := r.Header.Values("X-Auth-Token"); len(got) != 1 || got[0] != testToken {
				t.Errorf("X-Auth-Token = %q, want exactly one %q", got, testToken)
			}
			sameJSON(t, r.Body, withKindAndVersion(t, readTestdata(t, tc.file)))
			if op.ID() != testJobID {
				t.Errorf("ID = %q", op.ID())
			}
		})
	}
}

func TestMigrateNodesSeedResponse(t *testing.T) {
	var task MigrateNodesTask
	if err := json.Unmarshal(readTestdata(t, "migrate_response.json"), &task); err != nil {
		t.Fatal(err)
	}
	want := MigrateNodesTask{
		Spec: MigrateNodesSpec{
			OS:      "EulerOS 2.5",
			Login:   &Login{SSHKey: "KeyPair-001"},
			Runtime: &Runtime{Name: "docker"},
			Nodes:   seedNodes,
		},
		Status: TaskStatus{JobID: "2ec9b78d-9368-46f3-8f29-d1a95622a568"},
	}
	if !reflect.DeepEqual(task, want) {
		t.Errorf("decoded\n%+v\nwant\n%+v", task, want)
	}
	if task.JobID() != want.Status.JobID {
		t.Errorf("JobID() = %q", task.JobID())
	}
	var nilTask *MigrateNodesTask
	if nilTask.JobID() != "" {
		t.Error("nil task has a job ID")
	}
}

func TestMigrateNodesFullResponse(t *testing.T) {
	raw := readTestdata(t, "migrate_response_full.json")
	var task MigrateNodesTask
	if err := json.Unmarshal(raw, &task); err != nil {
		t.Fatal(err)
	}
	want := MigrateNodesTask{
		APIVersion: "v3",
		Kind:       "MigrateNodesTask",
		Spec: MigrateNodesSpec{
			OS: "Huawei Cloud EulerOS 2.0",
			ExtendParam: &MigrateNodeExtendParam{
				MaxPods:                 110,
				DockerLVMConfigOverride: "dockerThinpool=vgpaas/90%VG;kubernetesLV=vgpaas/10%VG;diskType=evs;lvType=linear",
				PreInstall:              "ZWNobyBwcmU=",
				PostInstall:             "ZWNobyBwb3N0",
				NodeImageID:             "cc697ad7-9563-11e8-8ea7-0255ac106311",
			},
			Login:   &Login{UserPassword: &UserPassword{Username: "root", Password: auth.NewSecret("******")}},
			Runtime: &Runtime{Name: "containerd"},
			Nodes:   Nodes("0b6a4a5c-2f3e-11ef-9d3a-0255ac100b0a"),
		},
		Status: TaskStatus{JobID: "7f1c7b9e-2f3e-11ef-9d3a-0255ac100b0a"},
	}
	if !reflect.DeepEqual(task, want) {
		t.Errorf("decoded\n%+v\nwant\n%+v", task, want)
	}
	// Every JSON name survives a round trip: encoding the typed value gives
	// the same document back, but for the password, which encodes as
	// REDACTED.
	again, err := json.Marshal(&task)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, again, bytes.Replace(raw, []byte(`"password": "******"`), []byte(`"password": "REDACTED"`), 1))
}

func TestMigrateNodesOmitsUnsetFields(t *testing.T) {
	f := newFake(t, replyJSON(200, `{"status":{"jobID":"j"}}`))
	_, err := f.client().MigrateNodes(context.Background(), srcCluster, dstCluster, &MigrateNodesSpec{
		OS:          "EulerOS 2.5",
		ExtendParam: &MigrateNodeExtendParam{},
		Login:       &Login{SSHKey: "k"},
		Runtime:     &Runtime{},
		Nodes:       Nodes("a"),
	})
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, f.only().Body, []byte(`{"apiVersion":"v3","kind":"MigrateNodesTask",
		"spec":{"os":"EulerOS 2.5","extendParam":{},"login":{"sshKey":"k"},"runtime":{},"nodes":[{"uid":"a"}]}}`))
}

func TestMigrateNodesAllFieldsSent(t *testing.T) {
	f := newFake(t, replyJSON(200, `{"status":{"jobID":"j"}}`))
	lvm := DockerLVMConfig{DockerThinpool: "vgpaas/60%VG", KubernetesLV: "vgpaas/20%VG", DiskType: DiskTypeSSD,
		LVType: LVTypeStriped, UserLV: "vgpaas/20%VG", UserPath: "/home/data"}
	_, err := f.client().MigrateNodes(context.Background(), srcCluster, dstCluster, &MigrateNodesSpec{
		OS: "EulerOS 2.9",
		ExtendParam: &MigrateNodeExtendParam{
			MaxPods:                 64,
			DockerLVMConfigOverride: lvm.String(),
			PreInstall:              base64.StdEncoding.EncodeToString([]byte("echo pre")),
			PostInstall:             base64.StdEncoding.EncodeToString([]byte("echo post")),
			NodeImageID:             "img-1",
		},
		Login:   &Login{SSHKey: "kp"},
		Runtime: &Runtime{Name: RuntimeContainerd},
		Nodes:   Nodes("a", "b"),
	})
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, f.only().Body, []byte(`{"apiVersion":"v3","kind":"MigrateNodesTask","spec":{
		"os":"EulerOS 2.9",
		"extendParam":{"maxPods":64,
			"DockerLVMConfigOverride":"dockerThinpool=vgpaas/60%VG;kubernetesLV=vgpaas/20%VG;diskType=ssd;lvType=striped;userLV=vgpaas/20%VG;userPath=/home/data",
			"alpha.cce/preInstall":"ZWNobyBwcmU=","alpha.cce/postInstall":"ZWNobyBwb3N0","alpha.cce/NodeImageID":"img-1"},
		"login":{"sshKey":"kp"},"runtime":{"name":"containerd"},"nodes":[{"uid":"a"},{"uid":"b"}]}}`))
}

func TestMigrateNodesSaltsPlainPassword(t *testing.T) {
	f := newFake(t, replyJSON(200, `{"status":{"jobID":"j"}}`))
	const plain = "Migrate#2024x"
	spec := &MigrateNodesSpec{
		OS:    "EulerOS 2.5",
		Login: &Login{UserPassword: &UserPassword{Username: "ops", Password: auth.NewSecret(plain)}},
		Nodes: Nodes("a"),
	}
	if _, err := f.client().MigrateNodes(context.Background(), srcCluster, dstCluster, spec); err != nil {
		t.Fatal(err)
	}
	if spec.Login.UserPassword.Password.Reveal() != plain || spec.Login.UserPassword.Username != "ops" {
		t.Fatalf("caller's spec was modified: %v", *spec.Login.UserPassword)
	}
	var body struct {
		Spec struct {
			Login map[string]map[string]string `json:"login"`
		} `json:"spec"`
	}
	r := f.only()
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatal(err)
	}
	up := body.Spec.Login["userPassword"]
	if len(body.Spec.Login) != 1 || up["username"] != "ops" || len(up) != 2 {
		t.Fatalf("login sent = %s", r.Body)
	}
	if strings.Contains(string(r.Body), plain) {
		t.Fatal("the plain password was sent")
	}
	dec, err := base64.StdEncoding.DecodeString(up["password"])
	if err != nil {
		t.Fatalf("password is not Base64: %v", err)
	}
	again, err := sha512Crypt(plain, string(dec))
	if err != nil || again != string(dec) {
		t.Fatalf("sent %q does not verify against the plain password (%q, %v)", dec, again, err)
	}
}

func TestMigrateNodesKeepsSaltedPassword(t *testing.T) {
	f := newFake(t, replyJSON(200, `{"status":{"jobID":"j"}}`))
	up, err := NewUserPassword("", "Migrate#2024x")
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.client().MigrateNodes(context.Background(), srcCluster, dstCluster, &MigrateNodesSpec{
		OS: "EulerOS 2.5", Login: &Login{UserPassword: up}, Nodes: Nodes("a"),
	})
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, f.only().Body, []byte(`{"apiVersion":"v3","kind":"MigrateNodesTask","spec":{"os":"EulerOS 2.5",
		"login":{"userPassword":{"password":"`+up.Password.Reveal()+`"}},"nodes":[{"uid":"a"}]}}`))
}

func goodSpec() *MigrateNodesSpec {
	return &MigrateNodesSpec{OS: "EulerOS 2.5", Login: &Login{SSHKey: "KeyPair-001"}, Nodes: Nodes("n0", "n1", "n2", "n3")}
}

func b64(n int) string { return base64.StdEncoding.EncodeToString(make([]byte, n)) }

func manyNodes(n int) []NodeItem {
	out := make([]NodeItem, n)
	for i := range out {
		out[i].UID = fmt.Sprintf("node-%03d", i)
	}
	return out
}

func TestMigrateNodesValidation(t *testing.T) {
	cases := []struct {
		name    string
		src     string
		dst     string
		edit    func(s *MigrateNodesSpec) *MigrateNodesSpec
		field   string
		problem string
	}{
		{name: "nil spec", edit: func(*MigrateNodesSpec) *MigrateNodesSpec { return nil }, field: "spec"},
		{name: "empty cluster", src: "-", field: "clusterID"},
		{name: "slash in cluster", src: "a/b", field: "clusterID"},
		{name: "dot-dot cluster", src: "..", field: "clusterID"},
		{name: "empty target", dst: "-", field: "targetClusterID"},
		{name: "same cluster", dst: srcCluster, field: "targetClusterID"},
		{name: "no os", edit: func(s *MigrateNodesSpec) *MigrateNodesSpec { s.OS = ""; return s }, field: "spec.os"},
		{name: "blank os", edit: func(s *MigrateNodesSpec) *MigrateNodesSpec { s.OS = "  "; return s }, field: "spec.os"},
		{name: "no nodes", edit: func(s *MigrateNodesSpec) *MigrateNodesSpec { s.Nodes = nil; return s }, field: "spec.nodes"},
		{name: "201 nodes", edit: func(s *MigrateNodesSpec) *MigrateNodesSpec { s.Nodes = manyNodes(201); return s }, field: "spec.nodes"},
		{name: "empty uid", edit: func(s *MigrateNodesSpec) *MigrateNodesSpec { s.Nodes[3].UID = ""; return s }, field: "spec.nodes[3].uid"},
		{name: "duplicate uid", edit: func(s *MigrateNodesSpec) *MigrateNodesSpec { s.Nodes[2].UID = "n0"; return s }, field: "spec.nodes[2].uid", problem: "spec.nodes[0]"},
		{name: "maxPods 15", edit: func(s *MigrateNodesSpec) *MigrateNodesSpec {
			s.ExtendParam = &MigrateNodeExtendParam{MaxPods: 15}
			return s
		}, field: "spec.extendParam.maxPods"},
		{name: "maxPods 257", edit: func(s *MigrateNodesSpec) *MigrateNodesSpec {
			s.ExtendParam = &MigrateNodeExtendParam{MaxPods: 257}
			return s
		}, field: "spec.extendParam.maxPods"},
		{name: "maxPods negative", edit: func(s *MigrateNodesSpec) *MigrateNodesSpec {
			s.ExtendParam = &MigrateNodeExtendParam{MaxPods: -1}
			return s
		}, field: "spec.extendParam.maxPods"},
		{name: "lvm diskType", edit: func(s *MigrateNodesSpec) *MigrateNodesSpec {
			s.ExtendParam = &MigrateNodeExtendParam{DockerLVMConfigOverride: "dockerThinpool=vgpaas/90%VG;diskType=nvme"}
			return s
		}, field: "spec.extendParam.DockerLVMConfigOverride", problem: "diskType"},
		{name: "lvm lvType", edit: func(s *MigrateNodesSpec) *MigrateNodesSpec {
			s.ExtendParam = &MigrateNodeExtendParam{DockerLVMConfigOverride: "diskType=evs;lvType=mirror"}
			return s
		}, field: "spec.extendParam.DockerLVMConfigOverride", problem: "lvType"},
		{name: "lvm not key=value", edit: func(s *MigrateNodesSpec) *MigrateNodesSpec {
			s.ExtendParam = &MigrateNodeExtendParam{DockerLVMConfigOverride: "diskType=evs;striped"}
			return s
		}, field: "spec.extendParam.DockerLVMConfigOverride"},
		{name: "preInstall not base64", edit: func(s *MigrateNodesSpec) *MigrateNodesSpec {
			s.ExtendParam = &MigrateNodeExtendParam{PreInstall: "echo hello"}
			return s
		}, field: `spec.extendParam["alpha.cce/preInstall"]`},
		{name: "postInstall not base64", edit: func(s *MigrateNodesSpec) *MigrateNodesSpec {
			s.ExtendParam = &MigrateNodeExtendParam{PostInstall: "ZWNobw"}
			return s
		}, field: `spec.extendParam["alpha.cce/postInstall"]`},
		{name: "scripts too long", edit: func(s *MigrateNodesSpec) *MigrateNodesSpec {
			s.ExtendParam = &MigrateNodeExtendParam{PreInstall: b64(3843), PostInstall: b64(3840)} // 5124 + 5120
			return s
		}, field: "spec.extendParam", problem: "10244"},
		{name: "runtime", edit: func(s *MigrateNodesSpec) *MigrateNodesSpec { s.Runtime = &Runtime{Name: "cri-o"}; return s }, field: "spec.runtime.name"},
		{name: "no login", edit: func(s *MigrateNodesSpec) *MigrateNodesSpec { s.Login = nil; return s }, field: "spec.login"},
		{name: "empty login", edit: func(s *MigrateNodesSpec) *MigrateNodesSpec { s.Login = &Login{}; return s }, field: "spec.login"},
		{name: "both logins", edit: func(s *MigrateNodesSpec) *MigrateNodesSpec {
			s.Login.UserPassword = &UserPassword{Password: auth.NewSecret("Abcdefg1!")}
			return s
		}, field: "spec.login"},
		{name: "blank sshKey", edit: func(s *MigrateNodesSpec) *MigrateNodesSpec { s.Login.SSHKey = " "; return s }, field: "spec.login.sshKey"},
	}
	pw := func(user, pass string) func(s *MigrateNodesSpec) *MigrateNodesSpec {
		return func(s *MigrateNodesSpec) *MigrateNodesSpec {
			s.Login = &Login{UserPassword: &UserPassword{Username: user, Password: auth.NewSecret(pass)}}
			return s
		}
	}
	const pwField = "spec.login.userPassword.password"
	for _, p := range []struct{ name, user, pass, problem string }{
		{"no password", "", "", "required"},
		{"7 chars", "", "Ab1!xyz", "8 to 26"},
		{"27 chars", "", "Ab1!" + strings.Repeat("x", 23), "8 to 26"},
		{"two kinds", "", "abcdefgh12", "three"},
		{"specials outside set", "", "abcdefgh12&&", "three"},
		{"contains username", "admin", "xxADMINyy1!", "username"},
		{"contains reversed username", "admin", "Xnimda12!", "reversed"},
		{"contains default root", "", "myRoot123!", "username"},
		{"contains reversed root", "", "Toor1234!x", "reversed"},
		{"not really salted", "", base64.StdEncoding.EncodeToString([]byte("$5$salt$hash-that-is-long-enough")), "8 to 26"},
	} {
		cases = append(cases, struct {
			name    string
			src     string
			dst     string
			edit    func(s *MigrateNodesSpec) *MigrateNodesSpec
			field   string
			problem string
		}{name: "password " + p.name, edit: pw(p.user, p.pass), field: pwField, problem: p.problem})
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, replyJSON(200, `{"status":{"jobID":"j"}}`))
			spec := goodSpec()
			if tc.edit != nil {
				spec = tc.edit(spec)
			}
			src, dst := srcCluster, dstCluster
			if tc.src != "" {
				src = strings.TrimPrefix(tc.src, "-")
			}
			if tc.dst != "" {
				dst = strings.TrimPrefix(tc.dst, "-")
			}
			task, err := f.client().MigrateNodes(context.Background(), src, dst, spec)
			wantValidation(t, err, tc.field)
			if task != nil {
				t.Error("a task came back with the error")
			}
			if tc.problem != "" && !strings.Contains(err.Error(), tc.problem) {
				t.Errorf("error %q does not mention %q", err, tc.problem)
			}
			if n := f.count(); n != 0 {
				t.Fatalf("%d request(s) sent despite invalid input", n)
			}
		})
	}
}

func TestMigrateNodesValidationBoundariesPass(t *testing.T) {
	cases := map[string]func(s *MigrateNodesSpec){
		"200 nodes":   func(s *MigrateNodesSpec) { s.Nodes = manyNodes(200) },
		"1 node":      func(s *MigrateNodesSpec) { s.Nodes = Nodes("only") },
		"maxPods 16":  func(s *MigrateNodesSpec) { s.ExtendParam = &MigrateNodeExtendParam{MaxPods: 16} },
		"maxPods 256": func(s *MigrateNodesSpec) { s.ExtendParam = &MigrateNodeExtendParam{MaxPods: 256} },
		"scripts 10240": func(s *MigrateNodesSpec) {
			s.ExtendParam = &MigrateNodeExtendParam{PreInstall: b64(3840), PostInstall: b64(3840)}
		},
		"lvm default": func(s *MigrateNodesSpec) {
			s.ExtendParam = &MigrateNodeExtendParam{DockerLVMConfigOverride: "dockerThinpool=vgpaas/90%VG;kubernetesLV=vgpaas/10%VG;diskType=evs;lvType=linear"}
		},
		"runtime docker": func(s *MigrateNodesSpec) { s.Runtime = &Runtime{Name: RuntimeDocker} },
		"password 8": func(s *MigrateNodesSpec) {
			s.Login = &Login{UserPassword: &UserPassword{Password: auth.NewSecret("Abcdef1!")}}
		},
		"password 26": func(s *MigrateNodesSpec) {
			s.Login = &Login{UserPassword: &UserPassword{Password: auth.NewSecret("Abcdef1!" + strings.Repeat("x", 18))}}
		},
		"password upper lower special": func(s *MigrateNodesSpec) {
			s.Login = &Login{UserPassword: &UserPassword{Password: auth.NewSecret("Abc~def#*x")}}
		},
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			f := newFake(t, replyJSON(200, `{"status":{"jobID":"j"}}`))
			s := goodSpec()
			edit(s)
			if _, err := f.client().MigrateNodes(context.Background(), srcCluster, dstCluster, s); err != nil {
				t.Fatal(err)
			}
			if f.count() != 1 {
				t.Fatalf("sent %d requests", f.count())
			}
		})
	}
}

func TestMigrateNodesNotRetried(t *testing.T) {
	t.Run("500", func(t *testing.T) {
		f := newFake(t, replyJSON(500, `{"errorCode":"CCE.01500001","errorMessage":"internal error"}`))
		_, err := f.client(cloudmigrate.WithRetry(4)).MigrateNodes(context.Background(), srcCluster, dstCluster, goodSpec())
		var apiErr *cloudmigrate.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 500 || apiErr.Attempts != 1 {
			t.Fatalf("err = %v", err)
		}
		if n := f.count(); n != 1 {
			t.Fatalf("sent %d times, want 1", n)
		}
	})
	t.Run("503", func(t *testing.T) {
		f := newFake(t, replyJSON(503, `{"errorCode":"CCE.01500001","errorMessage":"unavailable"}`))
		_, err := f.client(cloudmigrate.WithRetry(4)).MigrateNodes(context.Background(), srcCluster, dstCluster, goodSpec())
		if err == nil {
			t.Fatal("no error")
		}
		if n := f.count(); n != 1 {
			t.Fatalf("sent %d times, want 1", n)
		}
	})
	t.Run("connection reset", func(t *testing.T) {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // close with RST
			}
			_ = conn.Close()
		})
		_, err := f.client(cloudmigrate.WithRetry(4)).MigrateNodes(context.Background(), srcCluster, dstCluster, goodSpec())
		if err == nil {
			t.Fatal("no error")
		}
		if n := f.count(); n != 1 {
			t.Fatalf("sent %d times, want 1", n)
		}
	})
}

func TestMigrateNodesRetriedWhenThrottled(t *testing.T) {
	for _, code := range []string{CodeThrottled, CodeResourceLocked} {
		t.Run(code, func(t *testing.T) {
			n := 0
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
				n++
				if n == 1 {
					replyJSON(429, `{"errorCode":"`+code+`","errorMessage":"slow down"}`)(w, r)
					return
				}
				replyJSON(200, `{"status":{"jobID":"j2"}}`)(w, r)
			})
			op, err := f.client().MigrateNodes(context.Background(), srcCluster, dstCluster, goodSpec())
			if err != nil {
				t.Fatal(err)
			}
			if op.ID() != "j2" || f.count() != 2 {
				t.Fatalf("job %q after %d requests", op.ID(), f.count())
			}
			reqs := f.requests()
			if string(reqs[0].Body) != string(reqs[1].Body) {
				t.Error("the retry sent a different body")
			}
		})
	}
}

func TestErrorShapes(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		code   string
		msg    string
	}{
		{"camelCase", 404, `{"errorCode":"CCE.01404001","errorMessage":"cluster not found"}`, CodeNotFound, "cluster not found"},
		{"snake_case", 400, `{"error_code":"CCE.01400001","error_msg":"invalid nodes"}`, CodeBadRequest, "invalid nodes"},
		{"code/message", 409, `{"code":"CCE.01409002","message":"version is stale"}`, CodeStaleVersion, "version is stale"},
	}
	for _, tc := range cases {
		for _, op := range []string{"MigrateNodes", "GetJob"} {
			t.Run(tc.name+"/"+op, func(t *testing.T) {
				f := newFake(t, replyJSON(tc.status, tc.body))
				c := f.client()
				var err error
				wantID := "req-PUT"
				if op == "MigrateNodes" {
					_, err = c.MigrateNodes(context.Background(), srcCluster, dstCluster, goodSpec())
				} else {
					_, err = c.GetJob(context.Background(), testJobID)
					wantID = "req-GET"
				}
				var apiErr *cloudmigrate.Error
				if !errors.As(err, &apiErr) {
					t.Fatalf("err = %v (%T)", err, err)
				}
				if apiErr.StatusCode != tc.status || apiErr.Code != tc.code || apiErr.Message != tc.msg || apiErr.RequestID != wantID {
					t.Errorf("got status %d code %q message %q request %q", apiErr.StatusCode, apiErr.Code, apiErr.Message, apiErr.RequestID)
				}
				if f.count() != 1 {
					t.Errorf("sent %d times", f.count())
				}
			})
		}
	}
}

func TestNewClientValidation(t *testing.T) {
	for _, tc := range []struct{ endpoint, project, field string }{
		{"https://cce.cn-north-4.myhuaweicloud.com", "", "projectID"},
		{"https://cce.cn-north-4.myhuaweicloud.com", "a/b", "projectID"},
		{"cce.cn-north-4.myhuaweicloud.com", "p", "endpoint"},
		{"ftp://cce.example", "p", "endpoint"},
	} {
		_, err := NewClient(tc.endpoint, tc.project, nil)
		wantValidation(t, err, tc.field)
	}
	c, err := NewClient("https://cce.cn-north-4.myhuaweicloud.com/", "p1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.ProjectID() != "p1" || c.Endpoint() != "https://cce.cn-north-4.myhuaweicloud.com" {
		t.Errorf("ProjectID %q Endpoint %q", c.ProjectID(), c.Endpoint())
	}
}

func TestDockerLVMConfigString(t *testing.T) {
	if got := (DockerLVMConfig{}).String(); got != "" {
		t.Errorf("empty = %q", got)
	}
	got := DockerLVMConfig{DockerThinpool: "vgpaas/90%VG", KubernetesLV: "vgpaas/10%VG", DiskType: DiskTypeEVS, LVType: LVTypeLinear}.String()
	if want := "dockerThinpool=vgpaas/90%VG;kubernetesLV=vgpaas/10%VG;diskType=evs;lvType=linear"; got != want {
		t.Errorf("got %q want %q", got, want)
	}
	if err := checkLVMConfig(got); err != nil {
		t.Errorf("own output rejected: %v", err)
	}
}

func TestUserPasswordNeverPrinted(t *testing.T) {
	up := UserPassword{Username: "root", Password: auth.NewSecret("Secret#123x")}
	for _, s := range []string{
		fmt.Sprint(up), fmt.Sprintf("%v %+v %s %#v", up, up, up, up), fmt.Sprintf("%v", &up),
	} {
		if strings.Contains(s, "Secret#123x") {
			t.Errorf("password printed: %s", s)
		}
		if !strings.Contains(s, "root") {
			t.Errorf("username missing: %s", s)
		}
	}
	if v := up.LogValue().String(); strings.Contains(v, "Secret#123x") {
		t.Errorf("password logged: %s", v)
	}
}
