package cce

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/jobs"
)

// reencodes fails unless v encodes to JSON that decodes into a value
// encoding to the same bytes again.
func reencodes[T any](t *testing.T, v *T) []byte {
	t.Helper()
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	var back T
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatalf("re-decoding %s: %v", out, err)
	}
	if again, _ := json.Marshal(&back); !bytes.Equal(again, out) {
		t.Fatalf("re-encodes differently:\n%s\n%s", out, again)
	}
	return out
}

func checkNode(t *testing.T, n *Node) {
	t.Helper()
	checkTime(t, "creationTimestamp", n.Metadata.CreationTimestamp)
	checkTime(t, "updateTimestamp", n.Metadata.UpdateTimestamp)
	checkTime(t, "lastProbeTime", n.Status.LastProbeTime)
	id := n.NodePoolID()
	if o := n.Metadata.OwnerReferences; o != nil && o.NodePoolID != "" && id != o.NodePoolID {
		t.Fatalf("NodePoolID %q, ownerReferences name %q", id, o.NodePoolID)
	}
	if want := id == "" || id == DefaultNodePoolID || strings.Contains(id, "#"); n.InDefaultPool() != want {
		t.Fatalf("InDefaultPool %v for pool %q", n.InDefaultPool(), id)
	}
	if l := n.Spec.Login; l != nil && l.UserPassword != nil && l.UserPassword.Password.IsSet() {
		out, _ := json.Marshal(n)
		var shown struct {
			Spec struct {
				Login struct {
					UserPassword struct{ Password string } `json:"userPassword"`
				} `json:"login"`
			} `json:"spec"`
		}
		if err := json.Unmarshal(out, &shown); err != nil || shown.Spec.Login.UserPassword.Password != "REDACTED" {
			t.Fatalf("the node's password encodes as %q (%v)", shown.Spec.Login.UserPassword.Password, err)
		}
	}
}

// FuzzNodeDecode decodes arbitrary bytes as a node: no panic, a node pool
// that agrees with InDefaultPool, times that survive a round trip, a
// password that never encodes, and a stable encoding.
func FuzzNodeDecode(f *testing.F) {
	for _, name := range []string{"node_show_response.json", "node_full.json", "cluster_full.json"} {
		f.Add(fuzzTestdata(f, name))
	}
	for _, s := range []string{
		`{"metadata":{"annotations":{"kubernetes.io/node-pool.id":"DefaultPool"}},"status":{"phase":"Installing","jobID":"j"}}`,
		`{"metadata":{"ownerReferences":{"nodepoolID":"p"},"annotations":{"kubernetes.io/node-pool.id":"a#b#c"}}}`,
		`{"spec":{"login":{"userPassword":{"username":"root","password":"Secret#Pass1"}}},"status":{"lastProbeTime":7}}`,
		`{"spec":{"storage":[1,2],"rootVolume":{"extendParam":{"a":[null]}}}}`, `null`, `{}`, `[]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var n Node
		if err := json.Unmarshal(data, &n); err != nil {
			return
		}
		checkNode(t, &n)
		reencodes(t, &n)
	})
}

// FuzzNodeListDecode decodes arbitrary bytes as a node list and judges a
// move of some of its nodes from it, as a poll does: every node of the
// move is counted exactly once (Active, on its way or failed), unless the
// source cluster is needed, and the step's status matches the counts.
func FuzzNodeListDecode(f *testing.F) {
	f.Add(fuzzTestdata(f, "node_list_response.json"), "4d1ecb2c-229a-11e8-9c75-0255ac100ceb", true)
	for _, s := range []string{
		`{"items":[{"metadata":{"uid":"a"},"status":{"phase":"Active"}},{"metadata":{"uid":"b"},"status":{"phase":"Installing"}}]}`,
		`{"items":[{"metadata":{"uid":"a"},"status":{"phase":"Abnormal"}},{"metadata":{"uid":"a"},"status":{"phase":"Active"}}]}`,
		`{"items":[{"metadata":{"uid":""},"status":{}}]}`, `{"items":null}`, `{"items":[null]}`,
	} {
		f.Add([]byte(s), "a,b", false)
		f.Add([]byte(s), "a", true)
	}
	f.Fuzz(func(t *testing.T, data []byte, uids string, jobDone bool) {
		var l NodeList
		if err := json.Unmarshal(data, &l); err != nil {
			return
		}
		for i := range l.Items {
			checkNode(t, &l.Items[i])
		}
		reencodes(t, &l)

		m := &nodeMigration{tok: jobs.Token{Resources: strings.Split(uids, ","), Source: "s", Target: "t"}}
		if jobDone {
			m.job = &Job{Status: JobStatus{Phase: PhaseSuccess}, Metadata: JobMetadata{UID: "j"}}
		}
		for _, source := range []map[string]*nodeState{nil, indexNodes(l.Items)} {
			a := m.assess(indexNodes(l.Items), source)
			if a.needSource && (jobDone || source != nil) {
				t.Fatalf("needs the source cluster with job %v, source read %v", jobDone, source != nil)
			}
			if n := a.active + len(a.waiting) + len(a.failed); !a.needSource && n != len(m.tok.Resources) {
				t.Fatalf("%d nodes judged of %d: %+v", n, len(m.tok.Resources), a)
			}
			s := m.step(a)
			switch {
			case len(a.waiting) > 0 || a.needSource:
				if s.Status.State != jobs.Running || s.Err != nil || s.Status.Progress > 99 {
					t.Fatalf("nodes on their way, step %+v", s)
				}
			case len(a.failed) > 0:
				var fe *jobs.FailedError
				if s.Status.State != jobs.Failed || !errors.As(s.Err, &fe) || fe.Status.Message == "" {
					t.Fatalf("nodes failed, step %+v", s)
				}
			default:
				if s.Status.State != jobs.Succeeded || s.Err != nil || s.Status.Progress != 100 {
					t.Fatalf("every node Active, step %+v", s)
				}
			}
			if s.Status.Progress < 0 || s.Status.Progress > 100 {
				t.Fatalf("progress %d", s.Status.Progress)
			}
		}
	})
}

// FuzzClusterDecode decodes arbitrary bytes as a cluster: no panic, times
// that survive a round trip, and a stable encoding.
func FuzzClusterDecode(f *testing.F) {
	for _, name := range []string{"cluster_show_response.json", "cluster_full.json", "node_full.json"} {
		f.Add(fuzzTestdata(f, name))
	}
	for _, s := range []string{
		`{"spec":{"hostNetwork":{"vpc":1}}}`, `{"status":{"deleteOption":"x","endpoints":[{"Internal":"https://a"}]}}`,
		`{"spec":{"configurationsOverride":null,"clusterOps":{}}}`, `null`, `{}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var c Cluster
		if err := json.Unmarshal(data, &c); err != nil {
			return
		}
		checkTime(t, "creationTimestamp", c.Metadata.CreationTimestamp)
		checkTime(t, "updateTimestamp", c.Metadata.UpdateTimestamp)
		reencodes(t, &c)
	})
}

// FuzzResumeNodeMigration feeds arbitrary text to ResumeNodeMigration: it
// never panics, refuses with a *cloudmigrate.ValidationError for the
// token, or returns a handle whose own token resumes to the same fields.
func FuzzResumeNodeMigration(f *testing.F) {
	c, err := NewClient("https://cce.cn-north-4.myhuaweicloud.com", testProject, nil)
	if err != nil {
		f.Fatal(err)
	}
	good := c.nodeMigrationToken(srcCluster, dstCluster, []string{"a", "b"}, testJobID)
	f.Add(good.Encode())
	good.ID = ""
	f.Add(good.Encode())
	f.Add("cmop1.AAAA.AAAAAAAAAAA")
	f.Add("")
	f.Fuzz(func(t *testing.T, token string) {
		op, err := c.ResumeNodeMigration(token)
		if err != nil {
			var ve *cloudmigrate.ValidationError
			if op != nil || !errors.As(err, &ve) || ve.Field != "token" {
				t.Fatalf("refusal %v (%T) with handle %v", err, err, op)
			}
			return
		}
		again, err := op.ResumeToken()
		if err != nil {
			t.Fatal(err)
		}
		back, err := c.ResumeNodeMigration(again)
		if err != nil {
			t.Fatalf("the handle's own token %q is refused: %v", again, err)
		}
		if a, b := op.Token(), back.Token(); a.ID != b.ID || strings.Join(a.Resources, "\x00") != strings.Join(b.Resources, "\x00") || a.Source != b.Source || a.Target != b.Target {
			t.Fatalf("tokens differ: %+v, %+v", a, b)
		}
	})
}
