package cce

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/cloudmigrate/cloudmigrate"
	"github.com/cloudmigrate/cloudmigrate/auth"
)

const secretPlain = "Plain#Pass2024x"

func passwordSpec(pw string) *MigrateNodesSpec {
	return &MigrateNodesSpec{
		OS:    "EulerOS 2.5",
		Login: &Login{UserPassword: &UserPassword{Username: "ops", Password: auth.NewSecret(pw)}},
		Nodes: Nodes("a"),
	}
}

// TestSpecEncodingsHideThePassword checks what a caller's own logging
// and dumping of a spec shows: the password as REDACTED, at every depth.
func TestSpecEncodingsHideThePassword(t *testing.T) {
	salted, err := SaltPassword(secretPlain)
	if err != nil {
		t.Fatal(err)
	}
	for _, pw := range []string{secretPlain, salted} {
		spec := passwordSpec(pw)
		task := MigrateNodesTask{Spec: *spec}
		var buf bytes.Buffer
		for _, h := range []slog.Handler{slog.NewJSONHandler(&buf, nil), slog.NewTextHandler(&buf, nil)} {
			slog.New(h).Info("migrate", "spec", spec, "login", spec.Login, "task", task)
		}
		js, _ := json.Marshal(map[string]any{"spec": spec, "task": task, "up": *spec.Login.UserPassword})
		for how, out := range map[string]string{
			"JSON": string(js), "slog": buf.String(),
			"fmt": fmt.Sprintf("%v %+v %#v %v %x", spec, *spec, spec.Login, task, spec.Login.UserPassword),
		} {
			if strings.Contains(out, pw) {
				t.Errorf("%s shows the password: %s", how, out)
			}
		}
		if !bytes.Contains(js, []byte(`"userPassword":{"username":"ops","password":"REDACTED"}`)) {
			t.Errorf("JSON %s", js)
		}
	}
}

// TestMigrateNodesErrorScrubsThePasswords checks that a service answer
// quoting the request body names neither the plain password nor the
// salted one sent.
func TestMigrateNodesErrorScrubsThePasswords(t *testing.T) {
	var f *fake
	f = newFake(t, func(w http.ResponseWriter, r *http.Request) {
		body := f.only().Body // the fake has read it already
		msg, _ := json.Marshal("bad request " + string(body) + " (password " + secretPlain + ")")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"errorCode": "CCE.01400001", "errorMessage": %s}`, msg)
	})
	_, err := f.client(cloudmigrate.WithRetry(0)).MigrateNodes(context.Background(), srcCluster, dstCluster, passwordSpec(secretPlain))
	if err == nil {
		t.Fatal("no error")
	}
	var sent struct {
		Spec struct {
			Login struct {
				UserPassword struct{ Password string } `json:"userPassword"`
			} `json:"login"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(f.only().Body, &sent); err != nil || !isSalted(sent.Spec.Login.UserPassword.Password) {
		t.Fatalf("sent %s (%v)", f.only().Body, err)
	}
	for _, s := range []string{secretPlain, sent.Spec.Login.UserPassword.Password} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error shows %q: %v", s, err)
		}
	}
	if !strings.Contains(err.Error(), `"password":"REDACTED"`) || !strings.Contains(err.Error(), "(password REDACTED)") {
		t.Errorf("error %v", err)
	}
}
