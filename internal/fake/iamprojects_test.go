package fake

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/cloudmigrate/cloudmigrate/auth"
)

// listProjects sends GET /v3/projects?{query} to h, signed by signer (nil:
// unsigned), with token as X-Auth-Token when not empty.
func listProjects(t *testing.T, h *HuaweiServer, query string, signer auth.Authorizer, token string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, h.URL()+"/v3/projects?"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	if signer != nil {
		if err := signer.Authorize(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

func TestIAMListProjects(t *testing.T) {
	h := HuaweiOptions{Account: testAccount}.Start("xtest", Config{Name: "x", ErrorBody: GatewayErrorBody})
	defer h.Close()
	signer := testAccount.Authorizer()

	status, body := listProjects(t, h, "name="+HuaweiRegion, signer, "")
	projects, _ := body["projects"].([]any)
	if status != http.StatusOK || len(projects) != 1 {
		t.Fatalf("%d %v", status, body)
	}
	p := projects[0].(map[string]any)
	if p["id"] != testAccount.ProjectID || p["name"] != HuaweiRegion || p["domain_id"] != HuaweiDomainID || p["enabled"] != true {
		t.Errorf("project %v", p)
	}
	if status, body = listProjects(t, h, "name=cn-north-4", signer, ""); status != http.StatusOK || len(body["projects"].([]any)) != 0 {
		t.Errorf("other name: %d %v", status, body)
	}
	if status, body = listProjects(t, h, "", signer, ""); status != http.StatusOK || len(body["projects"].([]any)) != 1 {
		t.Errorf("no filter: %d %v", status, body)
	}

	// Unsigned, wrongly signed or with an unknown token: the gateway's 401.
	for name, c := range map[string]struct {
		signer auth.Authorizer
		token  string
	}{
		"unsigned":      {nil, ""},
		"wrong key":     {auth.NewAKSK(testAccount.AccessKey, "wrong"), ""},
		"unknown token": {nil, "gAAAAnot-issued"},
	} {
		if status, body := listProjects(t, h, "name="+HuaweiRegion, c.signer, c.token); status != http.StatusUnauthorized || body["error_code"] != "APIGW.0301" {
			t.Errorf("%s: %d %v", name, status, body)
		}
	}
	tok, _ := h.Tokens().Issue()
	if status, _ := listProjects(t, h, "name="+HuaweiRegion, nil, tok); status != http.StatusOK {
		t.Errorf("issued token: %d", status)
	}
	if n := h.Calls(OpListProjects); n != 7 {
		t.Errorf("%d calls counted, want 7", n)
	}

	open := HuaweiOptions{Account: testAccount, NoAuth: true}.Start("xtest", Config{Name: "x"})
	defer open.Close()
	if status, _ := listProjects(t, open, "name="+HuaweiRegion, nil, ""); status != http.StatusOK {
		t.Errorf("NoAuth: %d", status)
	}
}
