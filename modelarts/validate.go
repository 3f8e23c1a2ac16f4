package modelarts

import (
	"encoding/base64"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cloudmigrate/cloudmigrate"
)

// validate checks r against the documented rules before it is sent.
// poolName is the source pool from the path: a ToPoolName naming another
// pool makes the move a cross-pool migration.
func (r *BatchMigrateRequest) validate(poolName string) error {
	if len(r.MigrateNodeNames) == 0 {
		return cloudmigrate.Invalid("migrateNodeNames", "at least one node name is required")
	}
	seen := make(map[string]int, len(r.MigrateNodeNames))
	for i, n := range r.MigrateNodeNames {
		f := index("migrateNodeNames", i)
		if strings.TrimSpace(n) == "" {
			return cloudmigrate.Invalid(f, "must not be empty")
		}
		if j, dup := seen[n]; dup {
			return cloudmigrate.Invalid(f, "%q is already listed at index %d", n, j)
		}
		seen[n] = i
	}
	if strings.TrimSpace(r.FromClusterName) == "" {
		return cloudmigrate.Invalid("fromClusterName", "is required")
	}
	if strings.TrimSpace(r.ToClusterName) == "" {
		return cloudmigrate.Invalid("toClusterName", "is required")
	}
	if r.ToPoolName != "" && strings.TrimSpace(r.ToPoolName) == "" {
		return cloudmigrate.Invalid("toPoolName", "must not be blank")
	}
	crossPool := r.ToPoolName != "" && r.ToPoolName != poolName
	if r.ResourceSpec == nil {
		if crossPool {
			return cloudmigrate.Invalid("resourceSpec", "is required to move nodes from pool %q to pool %q (it carries the flavor)", poolName, r.ToPoolName)
		}
		return nil
	}
	return r.ResourceSpec.validate("resourceSpec")
}

func (s *MigrateResourceSpec) validate(p string) error {
	if strings.TrimSpace(s.Flavor) == "" {
		return cloudmigrate.Invalid(p+".flavor", "is required")
	}
	if cs := s.CreatingStep; cs != nil {
		if cs.Step < 0 {
			return cloudmigrate.Invalid(p+".creatingStep.step", "must not be negative, got %d", cs.Step)
		}
		if cs.Type != "" && cs.Type != CreatingStepHyperInstance {
			return cloudmigrate.Invalid(p+".creatingStep.type", "%q is not %q", cs.Type, CreatingStepHyperInstance)
		}
	}
	if rv := s.RootVolume; rv != nil {
		if err := checkVolume(p+".rootVolume", rv.VolumeType, rv.Size); err != nil {
			return err
		}
	}
	for i, dv := range s.DataVolumes {
		q := index(p+".dataVolumes", i)
		if err := checkVolume(q, dv.VolumeType, dv.Size); err != nil {
			return err
		}
		if dv.Count < 0 {
			return cloudmigrate.Invalid(q+".count", "must not be negative, got %d", dv.Count)
		}
		if err := checkVolumeGroup(q+".extendParams.volumeGroup", dv.ExtendParams.VolumeGroup); err != nil {
			return err
		}
	}
	for i, vg := range s.VolumeGroupConfigs {
		if err := vg.validate(index(p+".volumeGroupConfigs", i)); err != nil {
			return err
		}
	}
	for k := range s.Labels {
		if strings.TrimSpace(k) == "" {
			return cloudmigrate.Invalid(p+".labels", "a label key must not be empty")
		}
	}
	for i, t := range s.Taints {
		q := index(p+".taints", i)
		if strings.TrimSpace(t.Key) == "" {
			return cloudmigrate.Invalid(q+".key", "is required")
		}
		switch t.Effect {
		case TaintNoSchedule, TaintPreferNoSchedule, TaintNoExecute:
		case "":
			return cloudmigrate.Invalid(q+".effect", "is required")
		default:
			return cloudmigrate.Invalid(q+".effect", "%q is not one of NoSchedule, PreferNoSchedule, NoExecute", t.Effect)
		}
	}
	for i, t := range s.Tags {
		if err := t.validate(index(p+".tags", i)); err != nil {
			return err
		}
	}
	if n := s.Network; n != nil {
		for i, sg := range n.SecurityGroups {
			if strings.TrimSpace(sg) == "" {
				return cloudmigrate.Invalid(index(p+".network.securityGroups", i), "must not be empty")
			}
		}
	}
	if e := s.ExtendParams; e != nil {
		if err := e.validate(p + ".extendParams"); err != nil {
			return err
		}
	}
	return nil
}

func checkVolume(p string, t VolumeType, size int) error {
	switch t {
	case VolumeSSD, VolumeGPSSD, VolumeSAS:
	case "":
		return cloudmigrate.Invalid(p+".volumeType", "is required")
	default:
		return cloudmigrate.Invalid(p+".volumeType", "%q is not one of SSD, GPSSD, SAS", t)
	}
	if size <= 0 {
		return cloudmigrate.Invalid(p+".size", "must be a positive number of GiB, got %d", size)
	}
	return nil
}

func checkVolumeGroup(f string, g VolumeGroup) error {
	switch g {
	case VolumeGroupContainer, VolumeGroupDefault, VolumeGroupLocalPersistent, VolumeGroupLocalEphemeral:
		return nil
	case "":
		return cloudmigrate.Invalid(f, "is required")
	}
	if isUserGroup(g) {
		return nil
	}
	return cloudmigrate.Invalid(f, "%q is not vgpaas, default, vguser<N>, %s or %s", g,
		VolumeGroupLocalPersistent, VolumeGroupLocalEphemeral)
}

// isUserGroup reports whether g is "vguser" followed by a positive number.
func isUserGroup(g VolumeGroup) bool {
	n, ok := strings.CutPrefix(string(g), "vguser")
	if !ok || n == "" || n[0] == '0' {
		return false
	}
	for _, r := range n {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func (vg *VolumeGroupConfig) validate(p string) error {
	if err := checkVolumeGroup(p+".volumeGroup", vg.VolumeGroup); err != nil {
		return err
	}
	if vg.DockerThinPool != 0 {
		if vg.VolumeGroup != VolumeGroupContainer {
			return cloudmigrate.Invalid(p+".dockerThinPool", "is only allowed for the volume group %q", VolumeGroupContainer)
		}
		if vg.DockerThinPool < 1 || vg.DockerThinPool > 100 {
			return cloudmigrate.Invalid(p+".dockerThinPool", "is a percentage from 1 to 100, got %d", vg.DockerThinPool)
		}
	}
	if lc := vg.LvmConfig; lc != nil {
		switch lc.LvType {
		case LvLinear, LvStriped:
		case "":
			return cloudmigrate.Invalid(p+".lvmConfig.lvType", "is required")
		default:
			return cloudmigrate.Invalid(p+".lvmConfig.lvType", "%q is not linear or striped", lc.LvType)
		}
		if lc.Path != "" {
			if err := checkMountPath(p+".lvmConfig.path", lc.Path); err != nil {
				return err
			}
		}
	}
	for i, t := range vg.Types {
		switch t {
		case StorageVolume, StorageLocal:
		default:
			return cloudmigrate.Invalid(index(p+".types", i), "%q is not volume or local", t)
		}
	}
	return nil
}

func checkMountPath(f, path string) error {
	if !strings.HasPrefix(path, "/") {
		return cloudmigrate.Invalid(f, "%q is not an absolute path", path)
	}
	for _, r := range path {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9',
			r == '.', r == '-', r == '_', r == '/':
		default:
			return cloudmigrate.Invalid(f, "%q has the character %q; only letters, digits, '.', '-', '_' and '/' are allowed", path, r)
		}
	}
	return nil
}

func (t *UserTag) validate(p string) error {
	n := utf8.RuneCountInString(t.Key)
	switch {
	case strings.TrimSpace(t.Key) == "":
		return cloudmigrate.Invalid(p+".key", "is required")
	case n > maxTagKeyLen:
		return cloudmigrate.Invalid(p+".key", "is %d characters long; at most %d are allowed", n, maxTagKeyLen)
	case strings.HasPrefix(t.Key, "CCE-"), strings.HasPrefix(t.Key, "__type_baremetal"):
		return cloudmigrate.Invalid(p+".key", "%q starts with a reserved prefix (CCE- or __type_baremetal)", t.Key)
	}
	if n := utf8.RuneCountInString(t.Value); n > maxTagValueLen {
		return cloudmigrate.Invalid(p+".value", "is %d characters long; at most %d are allowed", n, maxTagValueLen)
	}
	return nil
}

func (e *ResourceExtendParams) validate(p string) error {
	if s := e.DockerBaseSize; s != "" && s != DockerBaseSizeUnlimited {
		n, err := strconv.Atoi(s)
		if err != nil || n < 50 || n > 500 {
			return cloudmigrate.Invalid(p+".dockerBaseSize", "%q is neither \"0\" (unlimited) nor a number from 50 to 500", s)
		}
	}
	if s := e.PostInstall; s != "" {
		if _, err := base64.StdEncoding.DecodeString(s); err != nil {
			return cloudmigrate.Invalid(p+".postInstall", "is not Base64 encoded: %v", err)
		}
	}
	switch e.Runtime {
	case "", RuntimeDocker, RuntimeContainerd:
	default:
		return cloudmigrate.Invalid(p+".runtime", "%q is not docker or containerd", e.Runtime)
	}
	for _, pol := range [...]struct {
		name string
		v    ExistingNodesPolicy
	}{
		{"labelPolicyOnExistingNodes", e.LabelPolicyOnExistingNodes},
		{"taintPolicyOnExistingNodes", e.TaintPolicyOnExistingNodes},
		{"tagPolicyOnExistingNodes", e.TagPolicyOnExistingNodes},
	} {
		switch pol.v {
		case "", PolicyRefresh, PolicyIgnore:
		default:
			return cloudmigrate.Invalid(p+"."+pol.name, "%q is not refresh or ignore", pol.v)
		}
	}
	if e.NodePoolName != "" {
		if err := checkNodePoolName(p+".nodePoolName", e.NodePoolName); err != nil {
			return err
		}
	}
	return nil
}

// checkNodePoolName applies the documented rule: 2 to 50 lowercase letters,
// digits and '-', starting with a letter, not ending with '-' or "-default".
func checkNodePoolName(f, name string) error {
	if len(name) < 2 || len(name) > 50 {
		return cloudmigrate.Invalid(f, "%q is %d characters long; 2 to 50 are allowed", name, len(name))
	}
	if name[0] < 'a' || name[0] > 'z' {
		return cloudmigrate.Invalid(f, "%q must start with a lowercase letter", name)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return cloudmigrate.Invalid(f, "%q has the character %q; only lowercase letters, digits and '-' are allowed", name, r)
		}
	}
	if strings.HasSuffix(name, "-") || strings.HasSuffix(name, "-default") {
		return cloudmigrate.Invalid(f, "%q must not end with '-' or \"-default\"", name)
	}
	return nil
}

func index(field string, i int) string {
	return field + "[" + strconv.Itoa(i) + "]"
}
