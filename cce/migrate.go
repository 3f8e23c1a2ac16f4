package cce

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
	"github.com/cloudmigrate/cloudmigrate/internal/rest"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// Fixed values of the migrate-nodes document.
const (
	// MigrateAPIVersion is the apiVersion of a migrate-nodes task.
	MigrateAPIVersion = "v3"
	// MigrateKind is the kind of a migrate-nodes task.
	MigrateKind = "MigrateNodesTask"
)

// Limits CCE places on one migrate-nodes call.
const (
	// MaxNodesPerMigration is the largest number of nodes one call may move.
	MaxNodesPerMigration = 200
	// MinMaxPods and MaxMaxPods bound MigrateNodeExtendParam.MaxPods.
	MinMaxPods = 16
	MaxMaxPods = 256
	// MaxInstallScriptsLen bounds the Base64 pre-install and post-install
	// scripts together, in characters.
	MaxInstallScriptsLen = 10240
)

// Container runtimes a migrated node can run (Runtime.Name).
const (
	// RuntimeDocker is Docker: the default in clusters before v1.25, and
	// for EulerOS 2.5 nodes in later ones.
	RuntimeDocker = "docker"
	// RuntimeContainerd is containerd: the default for most operating
	// systems in clusters of v1.25 and later.
	RuntimeContainerd = "containerd"
)

// Disk and logical-volume types allowed in DockerLVMConfig.
const (
	// DiskTypeEVS is an Elastic Volume Service disk.
	DiskTypeEVS = "evs"
	// DiskTypeHDD is a local hard disk.
	DiskTypeHDD = "hdd"
	// DiskTypeSSD is a local solid-state disk.
	DiskTypeSSD = "ssd"
	// LVTypeLinear lays the logical volume out on one disk after another.
	LVTypeLinear = "linear"
	// LVTypeStriped stripes the logical volume across disks.
	LVTypeStriped = "striped"
)

// MigrateNodesSpec says which nodes to move and how CCE sets them up again
// in the target cluster. Moving a node reinstalls its operating system, so
// the spec names the OS and how to log in to the reinstalled node.
type MigrateNodesSpec struct {
	// OS is the operating system the nodes get, with its version, such as
	// "EulerOS 2.5" or "Huawei Cloud EulerOS 2.0". Required. With a custom
	// image (ExtendParam.NodeImageID) it must be that image's OS.
	OS string `json:"os"`
	// ExtendParam holds optional settings for the reinstalled nodes.
	ExtendParam *MigrateNodeExtendParam `json:"extendParam,omitempty"`
	// Login says how to log in to the nodes: a key pair or a password.
	// Required.
	Login *Login `json:"login,omitempty"`
	// Runtime chooses the container runtime; when nil CCE picks the
	// cluster's default.
	Runtime *Runtime `json:"runtime,omitempty"`
	// ServerConfig configures the servers under the nodes, such as the
	// encryption of their system disks; nil leaves them as CCE sets them.
	ServerConfig *MigrateServerConfig `json:"serverConfig,omitempty"`
	// Nodes lists the nodes to move, by ID: 1 to 200 distinct nodes of the
	// source cluster.
	Nodes []NodeItem `json:"nodes"`
}

// MigrateNodeExtendParam holds optional settings applied to the nodes as
// CCE reinstalls them. Empty fields are left out of the request.
type MigrateNodeExtendParam struct {
	// MaxPods caps the pods the node may run, system pods included: 16 to
	// 256. Zero leaves it to CCE. It keeps a node from being overloaded by
	// managing too many pods.
	MaxPods int `json:"maxPods,omitempty"`
	// DockerLVMConfigOverride configures the container data disk as
	// "key=value" pairs separated by ";", for example
	// "dockerThinpool=vgpaas/90%VG;kubernetesLV=vgpaas/10%VG;diskType=evs;lvType=linear".
	// DockerLVMConfig builds it. The diskType must be the one the nodes
	// were created with, and all nodes of one call must share it.
	DockerLVMConfigOverride string `json:"DockerLVMConfigOverride,omitempty"`
	// PreInstall is a script run before CCE installs its software on the
	// node, Base64-encoded (base64.StdEncoding of the script text).
	PreInstall string `json:"alpha.cce/preInstall,omitempty"`
	// PostInstall is a script run after CCE installs its software on the
	// node, Base64-encoded. PreInstall and PostInstall together may be at
	// most 10,240 characters long.
	PostInstall string `json:"alpha.cce/postInstall,omitempty"`
	// NodeImageID is the ID of a custom image to install instead of the
	// public image of OS. Spec.OS must then match the image's OS.
	NodeImageID string `json:"alpha.cce/NodeImageID,omitempty"`
}

// DockerLVMConfig is a typed form of
// MigrateNodeExtendParam.DockerLVMConfigOverride; its String method gives
// the text to put there. Empty fields are left out.
type DockerLVMConfig struct {
	// UserLV is the size of the user space, such as "vgpaas/20%VG".
	UserLV string
	// UserPath is where the user space is mounted, such as "/home/data".
	UserPath string
	// DiskType is the data disk type: DiskTypeEVS, DiskTypeHDD or
	// DiskTypeSSD. It must be the type the nodes were created with.
	DiskType string
	// LVType is the logical-volume layout: LVTypeLinear or LVTypeStriped.
	LVType string
	// DockerThinpool is the size of the container storage, such as
	// "vgpaas/60%VG".
	DockerThinpool string
	// KubernetesLV is the size of the kubelet space, such as
	// "vgpaas/20%VG".
	KubernetesLV string
}

// String returns the configuration in the "key=value;key=value" form CCE
// reads.
func (d DockerLVMConfig) String() string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	add("dockerThinpool", d.DockerThinpool)
	add("kubernetesLV", d.KubernetesLV)
	add("diskType", d.DiskType)
	add("lvType", d.LVType)
	add("userLV", d.UserLV)
	add("userPath", d.UserPath)
	return strings.Join(parts, ";")
}

// Login says how to log in to a migrated node. Set exactly one of SSHKey
// and UserPassword.
type Login struct {
	// SSHKey is the name of the key pair to log in with.
	SSHKey string `json:"sshKey,omitempty"`
	// UserPassword is the account and password to log in with.
	UserPassword *UserPassword `json:"userPassword,omitempty"`
	// RemoveUserPassword asks CCE to remove the password login the nodes
	// had (removeUserPassword). CCE documents it for node-pool updates;
	// when it is true, UserPassword may not be set. False is sent as
	// nothing, CCE's default.
	RemoveUserPassword bool `json:"removeUserPassword,omitempty"`
	// RemoveSSHKey asks CCE to remove the key-pair login the nodes had
	// (removeSSHKey). CCE documents it for node-pool updates; when it is
	// true, SSHKey may not be set. False is sent as nothing, CCE's
	// default.
	RemoveSSHKey bool `json:"removeSSHKey,omitempty"`
}

// UserPassword is a login account and password for a migrated node.
//
// Password may hold either of two forms:
//   - the plain password: MigrateNodes checks it against the CCE rules
//     (see CheckPassword) and sends SaltPassword of it instead, leaving the
//     caller's value untouched;
//   - a value already made by SaltPassword or NewUserPassword, which is
//     sent unchanged.
//
// Password is an auth.Secret: String, GoString, LogValue, MarshalJSON and
// any fmt verb show it as REDACTED (or empty when unset), at any depth of
// a spec; only the request MigrateNodes sends carries its value. In
// answers from the service it is masked.
//
//	login := cce.UserPassword{Username: "root", Password: auth.NewSecret(plain)}
type UserPassword struct {
	// Username is the login account; empty means DefaultUsername ("root").
	Username string `json:"username,omitempty"`
	// Password is the plain password or its salted form (see above).
	Password auth.Secret `json:"password"`

	// wire marks the copy MigrateNodes sends, the one value whose JSON
	// holds the password itself.
	wire bool
}

// wireUserPassword is the JSON form of the userPassword MigrateNodes sends.
type wireUserPassword struct {
	Username string `json:"username,omitempty"`
	Password string `json:"password"`
}

// String describes u without its password.
func (u UserPassword) String() string {
	return "{Username:" + u.Username + " Password:" + u.Password.String() + "}"
}

// GoString describes u without its password, for %#v.
func (u UserPassword) GoString() string {
	return "cce.UserPassword{Username:" + strconv.Quote(u.Username) + ", Password:" + u.Password.GoString() + "}"
}

// LogValue describes u without its password, for log/slog.
func (u UserPassword) LogValue() slog.Value {
	return slog.GroupValue(slog.String("username", u.Username), slog.String("password", u.Password.String()))
}

// MarshalJSON encodes u with its password shown as REDACTED (empty when
// unset), as {"username": ..., "password": ...}.
func (u UserPassword) MarshalJSON() ([]byte, error) {
	pw := u.Password.String()
	if u.wire {
		pw = u.Password.Reveal()
	}
	return json.Marshal(wireUserPassword{Username: u.Username, Password: pw})
}

// Runtime chooses the container runtime of a migrated node.
type Runtime struct {
	// Name is RuntimeDocker or RuntimeContainerd. When empty CCE uses the
	// default: docker in clusters before v1.25; in later ones docker for
	// EulerOS 2.5 and containerd for other operating systems.
	Name string `json:"name,omitempty"`
}

// MigrateServerConfig configures the servers under migrated nodes.
type MigrateServerConfig struct {
	// RootVolume configures the system disk.
	RootVolume *MigrateVolumeSpec `json:"rootVolume,omitempty"`
}

// MigrateVolumeSpec configures a disk of a migrated node.
type MigrateVolumeSpec struct {
	// CMKID is the ID of the customer master key (Data Encryption
	// Workshop, KMS) that encrypts the disk (cmkID). Empty means the disk
	// is not encrypted.
	CMKID string `json:"cmkID,omitempty"`
}

// NodeItem names one node to migrate.
type NodeItem struct {
	// UID is the node's ID in the source cluster.
	UID string `json:"uid"`
}

// Nodes returns one NodeItem per node ID, for MigrateNodesSpec.Nodes.
func Nodes(uids ...string) []NodeItem {
	out := make([]NodeItem, len(uids))
	for i, u := range uids {
		out[i].UID = u
	}
	return out
}

// TaskStatus is the state of an accepted task.
type TaskStatus struct {
	// JobID identifies the job that carries the task out.
	JobID string `json:"jobID,omitempty"`
}

// MigrateNodesTask is the document of the migrate-nodes call: the request
// CCE takes, and its 200 answer, which echoes the accepted spec (passwords
// masked) and names the job to follow. MigrateNodes sends and reads it and
// returns a handle on the job; the type serves code that reads the answer
// itself, such as tests against a fake.
type MigrateNodesTask struct {
	// APIVersion is always "v3".
	APIVersion string `json:"apiVersion,omitempty"`
	// Kind is always "MigrateNodesTask".
	Kind string `json:"kind,omitempty"`
	// Spec is the migration as CCE accepted it.
	Spec MigrateNodesSpec `json:"spec"`
	// Status carries the ID of the migration job.
	Status TaskStatus `json:"status"`
}

// JobID returns the ID of the migration job (Status.JobID).
func (t *MigrateNodesTask) JobID() string {
	if t == nil {
		return ""
	}
	return t.Status.JobID
}

// migrateNodesRequest is the request body.
type migrateNodesRequest struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Spec       *MigrateNodesSpec `json:"spec"`
}

// MigrateNodes moves nodes of cluster clusterID into the default node pool
// of cluster targetClusterID, reinstalling them as spec says, and returns
// a handle on the move (a *jobs.Operation[*Job]: poll it, wait on it, save
// its resume token and resume it with ResumeNodeMigration).
//
//	PUT /api/v3/projects/{project_id}/clusters/{cluster_id}/nodes/operation/migrateto/{target_cluster_id}
//
// Before starting, MigrateNodes lists the nodes of both clusters (two
// GETs, sent together; see ListNodes) to find a move already under way. A
// node of spec that is Installing in the source cluster, or in the target
// cluster, is taken for one; so are the nodes of spec when all of them are
// in the target cluster already. Then MigrateNodes sends no migration: it
// returns a handle on the move it found, over the nodes found moving or
// arrived, together with an *cloudmigrate.InProgressError (errors.Is(err,
// cloudmigrate.ErrInProgress) holds) saying what it saw. The handle
// follows the migration job when every node Installing in the source
// cluster names the same job in status.jobID; otherwise it follows the
// nodes themselves. Nodes of spec that are idle in the source cluster are
// not moved then: start them once the handle has ended. What cannot be
// told before sending: a move that CCE has accepted but whose nodes do not
// show Installing yet, and where a move found under way is going (the
// handle checks that the nodes reach targetClusterID, and fails when they
// land elsewhere). A node Installing for another reason, such as being
// accepted into the source cluster, looks like a move too. Nodes of spec
// that are partly in the target cluster and partly idle in the source
// cluster are sent as they are, and CCE refuses those not in the source.
//
// One Poll of the handle sends at most two requests: GET the job
// (GetJob) while it runs; when it has succeeded, list the target
// cluster's nodes (ListNodes), in the same poll and in later ones until
// every node is Active there. A handle without the job lists the target
// cluster and, while some nodes are not in it yet, the source cluster (in
// the rare answer without a job, a node still Active in the source
// cluster counts as not started for ten minutes). The wait succeeds only
// when the job reported Success and every node is listed Active in the
// target cluster. It fails with a *jobs.FailedError
// when the job fails (its Status.Message names each failed sub-job's node
// and reason, its Job is the final *Job), when a node is missing from the
// target cluster although the job succeeded, when a node is Abnormal,
// Error or Deleting there, or, without the job, when a node stays behind
// in the source cluster in another phase than Installing. CCE offers no
// way to stop a migration: Abort returns jobs.ErrCannotAbort.
//
// Both clusters must be in the same VPC and project and of the same kind:
// no moves between CCE Turbo and CCE Standard clusters, between DeC and
// non-DeC clusters, or between clusters with and without IPv6. Nodes with
// only a system disk, and physical (BMS) nodes of CCE Turbo clusters,
// cannot move. The service enforces these; GetCluster shows the category,
// VPC and IPv6 setting of each cluster.
//
// Before sending anything MigrateNodes checks the spec and returns a
// *cloudmigrate.ValidationError naming the JSON path at fault (such as
// "spec.nodes[3].uid"): OS set; 1 to 200 nodes, each with a distinct ID
// that passes the rule for IDs in URL paths (see "IDs in URL paths" in
// [cloudmigrate]; CCE's node IDs are UUIDs); login set, with exactly one
// of SSHKey and UserPassword, and RemoveSSHKey or RemoveUserPassword not
// set beside the login they remove; a plain password meeting the CCE
// rules; MaxPods 16 to 256 when set; install scripts valid Base64 and
// together at most 10,240 characters; the documented disk, volume and
// runtime names; a root-volume CMKID, when set, not blank and free of
// control characters. A plain password is salted (SaltPassword) into a
// copy of the spec; spec itself is not modified.
//
// The request starts a migration, so it is never repeated after it may
// have reached the service (only on a failed connection attempt or a
// throttling answer such as CodeThrottled or CodeResourceLocked). If the
// answer is lost, call MigrateNodes again: it finds the move by its nodes
// instead of starting another, once CCE shows them Installing.
func (c *Client) MigrateNodes(ctx context.Context, clusterID, targetClusterID string, spec *MigrateNodesSpec) (*jobs.Operation[*Job], error) {
	if err := rest.CheckID("clusterID", clusterID); err != nil {
		return nil, err
	}
	if err := rest.CheckID("targetClusterID", targetClusterID); err != nil {
		return nil, err
	}
	if clusterID == targetClusterID {
		return nil, cloudmigrate.Invalid("targetClusterID", "must differ from clusterID")
	}
	send, err := prepareSpec(spec)
	if err != nil {
		return nil, err
	}
	if ctx == nil {
		return nil, cloudmigrate.Invalid("ctx", "nil context")
	}
	uids := make([]string, len(spec.Nodes))
	for i, n := range spec.Nodes {
		uids[i] = n.UID
	}
	if op, err := c.adoptNodeMigration(ctx, clusterID, targetClusterID, uids); op != nil || err != nil {
		return op, err
	}
	started := time.Now()
	var out MigrateNodesTask
	_, err = c.rc.Do(ctx, &rest.Request{
		Op:      "cce.MigrateNodes",
		Method:  http.MethodPut,
		Path:    "/api/v3/projects/{project_id}/clusters/{cluster_id}/nodes/operation/migrateto/{target_cluster_id}",
		Params:  []string{c.projectID, clusterID, targetClusterID},
		Body:    &migrateNodesRequest{APIVersion: MigrateAPIVersion, Kind: MigrateKind, Spec: send},
		Out:     &out,
		Secrets: loginSecrets(spec, send),
	})
	if err != nil {
		return nil, err
	}
	// An answer without a job ID this package can poll leaves a handle
	// that follows the nodes alone.
	jobID := out.JobID()
	if rest.CheckID("jobID", jobID) != nil {
		jobID = ""
	}
	tok := c.nodeMigrationToken(clusterID, targetClusterID, uids, jobID)
	tok.Started = started.UTC().Truncate(time.Second)
	return jobs.NewOperation[*Job](&nodeMigration{c: c, tok: tok}), nil
}

// prepareSpec validates spec and returns what to send: spec itself, or a
// copy with a plain password replaced by its salted form.
func prepareSpec(spec *MigrateNodesSpec) (*MigrateNodesSpec, error) {
	if spec == nil {
		return nil, cloudmigrate.Invalid("spec", "is required")
	}
	if strings.TrimSpace(spec.OS) == "" {
		return nil, cloudmigrate.Invalid("spec.os", "is required")
	}
	if err := checkNodes(spec.Nodes); err != nil {
		return nil, err
	}
	if err := checkExtendParam(spec.ExtendParam); err != nil {
		return nil, err
	}
	if spec.Runtime != nil {
		switch spec.Runtime.Name {
		case "", RuntimeDocker, RuntimeContainerd:
		default:
			return nil, cloudmigrate.Invalid("spec.runtime.name", "must be %q or %q, not %q", RuntimeDocker, RuntimeContainerd, spec.Runtime.Name)
		}
	}
	if err := checkServerConfig(spec.ServerConfig); err != nil {
		return nil, err
	}
	return prepareLogin(spec)
}

func checkNodes(nodes []NodeItem) error {
	switch {
	case len(nodes) == 0:
		return cloudmigrate.Invalid("spec.nodes", "must list at least one node")
	case len(nodes) > MaxNodesPerMigration:
		return cloudmigrate.Invalid("spec.nodes", "lists %d nodes; at most %d can move in one call", len(nodes), MaxNodesPerMigration)
	}
	seen := make(map[string]int, len(nodes))
	for i, n := range nodes {
		// The rule for IDs in paths also keeps out invalid UTF-8, which
		// JSON would send as U+FFFD, so that two different invalid UIDs
		// could reach the service as the same one.
		if err := rest.CheckID(nodeField(i), n.UID); err != nil {
			return err
		}
		if j, dup := seen[n.UID]; dup {
			return cloudmigrate.Invalid(nodeField(i), "repeats node %q of spec.nodes[%d]", n.UID, j)
		}
		seen[n.UID] = i
	}
	return nil
}

func nodeField(i int) string { return "spec.nodes[" + strconv.Itoa(i) + "].uid" }

const (
	fieldPreInstall  = `spec.extendParam["alpha.cce/preInstall"]`
	fieldPostInstall = `spec.extendParam["alpha.cce/postInstall"]`
)

func checkExtendParam(p *MigrateNodeExtendParam) error {
	if p == nil {
		return nil
	}
	if p.MaxPods != 0 && (p.MaxPods < MinMaxPods || p.MaxPods > MaxMaxPods) {
		return cloudmigrate.Invalid("spec.extendParam.maxPods", "must be %d to %d, not %d", MinMaxPods, MaxMaxPods, p.MaxPods)
	}
	if err := checkLVMConfig(p.DockerLVMConfigOverride); err != nil {
		return err
	}
	if err := checkBase64(fieldPreInstall, p.PreInstall); err != nil {
		return err
	}
	if err := checkBase64(fieldPostInstall, p.PostInstall); err != nil {
		return err
	}
	if n := len(p.PreInstall) + len(p.PostInstall); n > MaxInstallScriptsLen {
		return cloudmigrate.Invalid("spec.extendParam", "alpha.cce/preInstall and alpha.cce/postInstall are %d characters together; at most %d are allowed", n, MaxInstallScriptsLen)
	}
	return nil
}

func checkBase64(field, v string) error {
	if v == "" {
		return nil
	}
	if _, err := base64.StdEncoding.DecodeString(v); err != nil {
		return cloudmigrate.Invalid(field, "must be Base64-encoded (standard alphabet, padded): %v", err)
	}
	return nil
}

const fieldLVM = "spec.extendParam.DockerLVMConfigOverride"

func checkLVMConfig(v string) error {
	if v == "" {
		return nil
	}
	for _, part := range strings.Split(v, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		key, val, ok := strings.Cut(part, "=")
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		if !ok || key == "" {
			return cloudmigrate.Invalid(fieldLVM, "%q is not key=value", part)
		}
		switch key {
		case "diskType":
			if val != DiskTypeEVS && val != DiskTypeHDD && val != DiskTypeSSD {
				return cloudmigrate.Invalid(fieldLVM, "diskType must be %s, %s or %s, not %q", DiskTypeEVS, DiskTypeHDD, DiskTypeSSD, val)
			}
		case "lvType":
			if val != LVTypeLinear && val != LVTypeStriped {
				return cloudmigrate.Invalid(fieldLVM, "lvType must be %s or %s, not %q", LVTypeLinear, LVTypeStriped, val)
			}
		}
	}
	return nil
}

const fieldCMKID = "spec.serverConfig.rootVolume.cmkID"

// checkServerConfig refuses a key ID that could not name a key: blank, not
// UTF-8 (JSON would send U+FFFD instead) or holding control characters.
func checkServerConfig(sc *MigrateServerConfig) error {
	if sc == nil || sc.RootVolume == nil || sc.RootVolume.CMKID == "" {
		return nil
	}
	id := sc.RootVolume.CMKID
	switch {
	case strings.TrimSpace(id) == "":
		return cloudmigrate.Invalid(fieldCMKID, "must name a key or be empty")
	case !utf8.ValidString(id):
		return cloudmigrate.Invalid(fieldCMKID, "is not valid UTF-8")
	case strings.ContainsFunc(id, unicode.IsControl):
		return cloudmigrate.Invalid(fieldCMKID, "must not hold control characters")
	}
	return nil
}

func prepareLogin(spec *MigrateNodesSpec) (*MigrateNodesSpec, error) {
	l := spec.Login
	if l == nil {
		return nil, cloudmigrate.Invalid("spec.login", "is required: set sshKey or userPassword")
	}
	hasKey, hasPass := l.SSHKey != "", l.UserPassword != nil
	switch {
	case hasKey && l.RemoveSSHKey:
		return nil, cloudmigrate.Invalid("spec.login.removeSSHKey", "cannot be true with sshKey set")
	case hasPass && l.RemoveUserPassword:
		return nil, cloudmigrate.Invalid("spec.login.removeUserPassword", "cannot be true with userPassword set")
	case hasKey && hasPass:
		return nil, cloudmigrate.Invalid("spec.login", "set only one of sshKey and userPassword")
	case !hasKey && !hasPass:
		return nil, cloudmigrate.Invalid("spec.login", "set sshKey or userPassword")
	case hasKey:
		if strings.TrimSpace(l.SSHKey) == "" {
			return nil, cloudmigrate.Invalid("spec.login.sshKey", "must name a key pair")
		}
		return spec, nil
	}
	up := l.UserPassword
	if !up.Password.IsSet() {
		return nil, cloudmigrate.Invalid("spec.login.userPassword.password", "is required")
	}
	pw := up.Password.Reveal()
	if !isSalted(pw) {
		if err := checkPassword("spec.login.userPassword.password", up.Username, pw); err != nil {
			return nil, err
		}
		salted, err := SaltPassword(pw)
		if err != nil {
			return nil, fmt.Errorf("cce: salting spec.login.userPassword.password: %w", err)
		}
		pw = salted
	}
	cp, lc := *spec, *l
	lc.UserPassword = &UserPassword{Username: up.Username, Password: auth.NewSecret(pw), wire: true}
	cp.Login = &lc
	return &cp, nil
}

// loginSecrets returns the passwords of specs: the caller's and the salted
// one sent, to be scrubbed from error answers.
func loginSecrets(specs ...*MigrateNodesSpec) []auth.Secret {
	var out []auth.Secret
	for _, s := range specs {
		if s != nil && s.Login != nil && s.Login.UserPassword != nil {
			out = append(out, s.Login.UserPassword.Password)
		}
	}
	return out
}
