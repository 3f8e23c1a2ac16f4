package ccetest

import (
	"encoding/base64"
	"encoding/json"
	"mime"
	"net/http"
	"strings"

	"github.com/cloudmigrate/cloudmigrate/cce"
	"github.com/cloudmigrate/cloudmigrate/internal/fake"
)

// maskedPassword is what CCE shows instead of a password in its answers.
const maskedPassword = "******"

// defaultUsername is the login account when userPassword gives none.
const defaultUsername = "root"

// The request and answer of OpMigrateNodes, with the field names of the
// CCE API reference. They are the fake's own, so that a mistake in the
// SDK's JSON tags shows up as a refused request.
type migrateTask struct {
	APIVersion *string      `json:"apiVersion,omitempty"`
	Kind       *string      `json:"kind,omitempty"`
	Spec       *migrateSpec `json:"spec"`
	Status     *taskStatus  `json:"status,omitempty"`
}

type migrateSpec struct {
	OS           string            `json:"os"`
	ExtendParam  *extendParam      `json:"extendParam,omitempty"`
	Login        *loginSpec        `json:"login,omitempty"`
	Runtime      *runtimeSpec      `json:"runtime,omitempty"`
	ServerConfig *serverConfigSpec `json:"serverConfig,omitempty"`
	Nodes        []nodeItemSpec    `json:"nodes"`
}

type extendParam struct {
	MaxPods                 *int   `json:"maxPods,omitempty"`
	DockerLVMConfigOverride string `json:"DockerLVMConfigOverride,omitempty"`
	PreInstall              string `json:"alpha.cce/preInstall,omitempty"`
	PostInstall             string `json:"alpha.cce/postInstall,omitempty"`
	NodeImageID             string `json:"alpha.cce/NodeImageID,omitempty"`
}

// loginSpec keeps removeUserPassword and removeSSHKey as pointers, so that
// the answer echoes an explicit false.
type loginSpec struct {
	SSHKey             string            `json:"sshKey,omitempty"`
	UserPassword       *userPasswordSpec `json:"userPassword,omitempty"`
	RemoveUserPassword *bool             `json:"removeUserPassword,omitempty"`
	RemoveSSHKey       *bool             `json:"removeSSHKey,omitempty"`
}

type userPasswordSpec struct {
	Username string `json:"username,omitempty"`
	Password string `json:"password"`
}

type runtimeSpec struct {
	Name string `json:"name,omitempty"`
}

type serverConfigSpec struct {
	RootVolume *volumeSpec `json:"rootVolume,omitempty"`
}

type volumeSpec struct {
	CMKID *string `json:"cmkID,omitempty"`
}

// cmkID is the key the spec encrypts the system disks with, or "".
func (sp *migrateSpec) cmkID() string {
	if sc := sp.ServerConfig; sc != nil && sc.RootVolume != nil && sc.RootVolume.CMKID != nil {
		return *sc.RootVolume.CMKID
	}
	return ""
}

type nodeItemSpec struct {
	UID string `json:"uid"`
}

type taskStatus struct {
	JobID string `json:"jobID,omitempty"`
}

// migrateNodes serves OpMigrateNodes.
func (s *Server) migrateNodes(r *fake.Request) fake.Response {
	if resp, ok := s.checkProject(r); !ok {
		return resp
	}
	srcID, dstID := r.PathValue("cluster_id"), r.PathValue("target_cluster_id")
	if ct := r.Header.Get("Content-Type"); !isJSON(ct) {
		return s.badRequest("Content-Type must be application/json, not %q", ct)
	}
	var task migrateTask
	if err := json.Unmarshal(r.Body, &task); err != nil {
		return s.badRequest("request body is not a valid MigrateNodesTask: %v", err)
	}
	if resp, ok := s.checkSpec(&task); !ok {
		return resp
	}
	spec := task.Spec
	login, resp, ok := s.checkLogin(spec.Login)
	if !ok {
		return resp
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock().Now()
	s.settleLocked(now)
	src, dst := s.clusters[srcID], s.clusters[dstID]
	switch {
	case src == nil:
		return s.notFound("cluster %s not found", srcID)
	case dst == nil:
		return s.notFound("target cluster %s not found", dstID)
	case srcID == dstID:
		return s.badRequest("the target cluster must differ from the source cluster %s", srcID)
	case src.cfg.Category != dst.cfg.Category:
		return s.badRequest("nodes cannot be migrated from a %s cluster to a %s cluster", src.cfg.Category, dst.cfg.Category)
	case src.cfg.VPC != dst.cfg.VPC:
		return s.badRequest("clusters %s and %s are not in the same VPC", srcID, dstID)
	case src.cfg.IPv6 != dst.cfg.IPv6:
		return s.badRequest("nodes cannot be migrated between clusters with and without IPv6")
	}
	nodes := make([]*node, len(spec.Nodes))
	for i, item := range spec.Nodes {
		n := s.nodes[item.UID]
		if n == nil || n.clusterID != srcID {
			return s.notFound("node %s not found in cluster %s", item.UID, srcID)
		}
		if n.active != nil {
			return s.badRequest("node %s is being migrated by job %s", item.UID, n.active.id)
		}
		nodes[i] = n
	}
	j := s.newJobLocked(src, dst, nodes, login, now)
	j.cmkID = spec.cmkID()

	// The answer echoes the task with the runtime CCE chose and the
	// password masked.
	v3, kind := cce.MigrateAPIVersion, cce.MigrateKind
	out := migrateTask{APIVersion: &v3, Kind: &kind, Spec: spec, Status: &taskStatus{JobID: j.id}}
	if spec.Runtime == nil || spec.Runtime.Name == "" {
		spec.Runtime = &runtimeSpec{Name: defaultRuntime(spec.OS)}
	}
	j.os, j.runtime = spec.OS, spec.Runtime.Name
	if up := spec.Login.UserPassword; up != nil {
		up.Password = maskedPassword
	}
	return fake.JSON(http.StatusOK, out)
}

func isTrue(b *bool) bool { return b != nil && *b }

// isJSON reports whether a Content-Type names JSON, with or without
// parameters such as charset.
func isJSON(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/json"
}

// defaultRuntime is the runtime CCE picks when the request names none, in a
// cluster of v1.25 or later: docker for EulerOS 2.5, containerd for other
// operating systems.
func defaultRuntime(os string) string {
	if os == "EulerOS 2.5" {
		return cce.RuntimeDocker
	}
	return cce.RuntimeContainerd
}

// checkSpec applies the documented rules of the request body that need no
// state.
func (s *Server) checkSpec(task *migrateTask) (fake.Response, bool) {
	if v := task.APIVersion; v != nil && *v != cce.MigrateAPIVersion {
		return s.badRequest("apiVersion must be %q, not %q", cce.MigrateAPIVersion, *v), false
	}
	if k := task.Kind; k != nil && *k != cce.MigrateKind {
		return s.badRequest("kind must be %q, not %q", cce.MigrateKind, *k), false
	}
	spec := task.Spec
	if spec == nil {
		return s.badRequest("spec is required"), false
	}
	if strings.TrimSpace(spec.OS) == "" {
		return s.badRequest("spec.os is required"), false
	}
	switch n := len(spec.Nodes); {
	case n == 0:
		return s.badRequest("spec.nodes must list at least one node"), false
	case n > cce.MaxNodesPerMigration:
		return s.badRequest("spec.nodes lists %d nodes; at most %d nodes can be migrated at a time", n, cce.MaxNodesPerMigration), false
	}
	seen := make(map[string]bool, len(spec.Nodes))
	for _, item := range spec.Nodes {
		switch {
		case item.UID == "":
			return s.badRequest("spec.nodes has a node without uid"), false
		case seen[item.UID]:
			return s.badRequest("spec.nodes lists node %s twice", item.UID), false
		}
		seen[item.UID] = true
	}
	if p := spec.ExtendParam; p != nil {
		if resp, ok := s.checkExtendParam(p); !ok {
			return resp, false
		}
	}
	if rt := spec.Runtime; rt != nil {
		switch rt.Name {
		case "", cce.RuntimeDocker, cce.RuntimeContainerd:
		default:
			return s.badRequest("spec.runtime.name must be %q or %q, not %q", cce.RuntimeDocker, cce.RuntimeContainerd, rt.Name), false
		}
	}
	if id := spec.cmkID(); id != "" && strings.TrimSpace(id) == "" {
		return s.badRequest("spec.serverConfig.rootVolume.cmkID %q names no key", id), false
	}
	return fake.Response{}, true
}

func (s *Server) checkExtendParam(p *extendParam) (fake.Response, bool) {
	if m := p.MaxPods; m != nil && (*m < cce.MinMaxPods || *m > cce.MaxMaxPods) {
		return s.badRequest("maxPods must be %d to %d, not %d", cce.MinMaxPods, cce.MaxMaxPods, *m), false
	}
	for _, sc := range [...]struct{ name, v string }{
		{"alpha.cce/preInstall", p.PreInstall}, {"alpha.cce/postInstall", p.PostInstall},
	} {
		if _, err := base64.StdEncoding.DecodeString(sc.v); err != nil {
			return s.badRequest("%s must be Base64-encoded", sc.name), false
		}
	}
	if n := len(p.PreInstall) + len(p.PostInstall); n > cce.MaxInstallScriptsLen {
		return s.badRequest("alpha.cce/preInstall and alpha.cce/postInstall are %d characters together; at most %d are allowed", n, cce.MaxInstallScriptsLen), false
	}
	for _, part := range strings.Split(p.DockerLVMConfigOverride, ";") {
		key, val, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch key, val = strings.TrimSpace(key), strings.TrimSpace(val); key {
		case "diskType":
			if val != cce.DiskTypeEVS && val != cce.DiskTypeHDD && val != cce.DiskTypeSSD {
				return s.badRequest("DockerLVMConfigOverride: diskType must be evs, hdd or ssd, not %q", val), false
			}
		case "lvType":
			if val != cce.LVTypeLinear && val != cce.LVTypeStriped {
				return s.badRequest("DockerLVMConfigOverride: lvType must be linear or striped, not %q", val), false
			}
		}
	}
	return fake.Response{}, true
}

// checkLogin applies the login rules and returns the login to install.
// A password must be what CCE asks for: standard Base64 of a SHA-512
// crypt(3) string.
func (s *Server) checkLogin(l *loginSpec) (nodeLogin, fake.Response, bool) {
	if l == nil {
		return nodeLogin{}, s.badRequest("spec.login is required: set sshKey or userPassword"), false
	}
	hasKey, hasPass := l.SSHKey != "", l.UserPassword != nil
	switch {
	case hasKey && isTrue(l.RemoveSSHKey):
		return nodeLogin{}, s.badRequest("spec.login.removeSSHKey cannot be true when sshKey is set"), false
	case hasPass && isTrue(l.RemoveUserPassword):
		return nodeLogin{}, s.badRequest("spec.login.removeUserPassword cannot be true when userPassword is set"), false
	case hasKey && hasPass:
		return nodeLogin{}, s.badRequest("spec.login: set only one of sshKey and userPassword"), false
	case !hasKey && !hasPass:
		return nodeLogin{}, s.badRequest("spec.login: set sshKey or userPassword"), false
	case hasKey:
		return nodeLogin{sshKey: l.SSHKey}, fake.Response{}, true
	}
	up := l.UserPassword
	if up.Password == "" {
		return nodeLogin{}, s.badRequest("spec.login.userPassword.password is required"), false
	}
	dec, err := base64.StdEncoding.DecodeString(up.Password)
	if err != nil || !wellFormedCrypt(string(dec)) {
		return nodeLogin{}, s.badRequest("spec.login.userPassword.password must be salted: the Base64 encoding of a SHA-512 crypt string ($6$...)"), false
	}
	user := up.Username
	if user == "" {
		user = defaultUsername
	}
	return nodeLogin{username: user, crypt: string(dec)}, fake.Response{}, true
}
