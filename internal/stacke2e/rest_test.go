package stacke2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudmigrate/cloudmigrate/auth"
)

// rawAPI is a plain REST client of a cloud: net/http and encoding/json,
// none of the SDK. The tests use it to create what they need on the real
// stack, and to read what the SDK must agree with (version documents,
// tokens) on both targets.
type rawAPI struct {
	hc                *http.Client
	authURL           string
	creds             auth.KeystoneCredentials
	region, iface     string
	mu                sync.Mutex
	token             string
	userID, projectID string
	compute, share    string // catalog endpoints, without a trailing slash
}

// newRawAPI authenticates with password credentials and reads the
// endpoints from the token's catalog.
func newRawAPI(ctx context.Context, authURL string, creds auth.KeystoneCredentials, region, iface string) (*rawAPI, error) {
	a := &rawAPI{hc: &http.Client{Timeout: 2 * time.Minute}, authURL: strings.TrimRight(authURL, "/"),
		creds: creds, region: region, iface: iface}
	if err := a.authenticate(ctx); err != nil {
		return nil, err
	}
	return a, nil
}

// tokenBody is the part of Keystone's token answer the tests read.
type tokenBody struct {
	Token struct {
		Methods []string `json:"methods"`
		User    struct {
			ID string `json:"id"`
		} `json:"user"`
		Project struct {
			ID string `json:"id"`
		} `json:"project"`
		Catalog []struct {
			Type      string `json:"type"`
			Endpoints []struct {
				Interface string `json:"interface"`
				Region    string `json:"region"`
				RegionID  string `json:"region_id"`
				URL       string `json:"url"`
			} `json:"endpoints"`
		} `json:"catalog"`
	} `json:"token"`
}

// issueToken posts a password token request as Keystone documents it and
// returns the token and its body.
func issueToken(ctx context.Context, hc *http.Client, authURL string, c auth.KeystoneCredentials) (string, *tokenBody, error) {
	body := map[string]any{"auth": map[string]any{
		"identity": map[string]any{
			"methods": []string{"password"},
			"password": map[string]any{"user": map[string]any{
				"name": c.Username, "domain": map[string]string{"name": c.UserDomainName}, "password": c.Password.Reveal(),
			}},
		},
		"scope": projectScope(c),
	}}
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(authURL, "/")+"/auth/tokens", bytes.NewReader(b))
	if err != nil {
		return "", nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return "", nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return "", nil, fmt.Errorf("POST /auth/tokens: %d %s", resp.StatusCode, raw)
	}
	var tb tokenBody
	if err := json.Unmarshal(raw, &tb); err != nil {
		return "", nil, err
	}
	return resp.Header.Get("X-Subject-Token"), &tb, nil
}

func projectScope(c auth.KeystoneCredentials) map[string]any {
	if c.ProjectID != "" {
		return map[string]any{"project": map[string]string{"id": c.ProjectID}}
	}
	dom := map[string]string{"name": c.ProjectDomainName}
	if c.ProjectDomainID != "" {
		dom = map[string]string{"id": c.ProjectDomainID}
	}
	return map[string]any{"project": map[string]any{"name": c.ProjectName, "domain": dom}}
}

func (a *rawAPI) authenticate(ctx context.Context) error {
	tok, tb, err := issueToken(ctx, a.hc, a.authURL, a.creds)
	if err != nil {
		return err
	}
	find := func(types ...string) string {
		for _, typ := range types {
			for _, s := range tb.Token.Catalog {
				if s.Type != typ {
					continue
				}
				for _, e := range s.Endpoints {
					if e.Interface == a.iface && (a.region == "" || e.RegionID == a.region || e.Region == a.region) {
						return strings.TrimRight(e.URL, "/")
					}
				}
			}
		}
		return ""
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.token, a.userID, a.projectID = tok, tb.Token.User.ID, tb.Token.Project.ID
	a.compute, a.share = find("compute"), find("sharev2", "shared-file-system")
	if a.compute == "" || a.share == "" {
		return fmt.Errorf("catalog lacks compute (%q) or sharev2 (%q)", a.compute, a.share)
	}
	return nil
}

// call sends one request with the token and decodes a JSON answer into
// out (when not nil). It returns the status and the raw body; a 401
// gets one new token and one replay. url is absolute, or relative to
// the compute endpoint ("compute:/servers") or the share endpoint
// ("share:/shares").
func (a *rawAPI) call(ctx context.Context, method, url string, hdr map[string]string, in, out any) (int, []byte, error) {
	for attempt := 0; ; attempt++ {
		a.mu.Lock()
		tok := a.token
		switch {
		case strings.HasPrefix(url, "compute:"):
			url = a.compute + strings.TrimPrefix(url, "compute:")
		case strings.HasPrefix(url, "share:"):
			url = a.share + strings.TrimPrefix(url, "share:")
		case strings.HasPrefix(url, "identity:"):
			url = a.authURL + strings.TrimPrefix(url, "identity:")
		}
		a.mu.Unlock()
		var body io.Reader
		if in != nil {
			b, err := json.Marshal(in)
			if err != nil {
				return 0, nil, err
			}
			body = bytes.NewReader(b)
		}
		req, err := http.NewRequestWithContext(ctx, method, url, body)
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("X-Auth-Token", tok)
		req.Header.Set("Accept", "application/json")
		if in != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := a.hc.Do(req)
		if err != nil {
			return 0, nil, err
		}
		raw, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return resp.StatusCode, nil, err
		}
		if resp.StatusCode == http.StatusUnauthorized && attempt == 0 {
			if err := a.authenticate(ctx); err != nil {
				return 0, nil, err
			}
			continue
		}
		if out != nil && resp.StatusCode/100 == 2 && len(raw) > 0 {
			if err := json.Unmarshal(raw, out); err != nil {
				return resp.StatusCode, raw, fmt.Errorf("%s %s: %v in %s", method, url, err, raw)
			}
		}
		return resp.StatusCode, raw, nil
	}
}

// must is call for requests that must answer one of the ok statuses.
func (a *rawAPI) must(t *testing.T, method, url string, hdr map[string]string, in, out any, ok ...int) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st, raw, err := a.call(ctx, method, url, hdr, in, out)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	for _, s := range ok {
		if st == s {
			return st
		}
	}
	t.Fatalf("%s %s: %d %s", method, url, st, raw)
	return st
}

// computeHosts returns the hosts of the enabled nova-compute services
// that are up, sorted.
func (a *rawAPI) computeHosts(ctx context.Context) ([]string, error) {
	var out struct {
		Services []struct {
			Host, State, Status string
		} `json:"services"`
	}
	st, raw, err := a.call(ctx, http.MethodGet, "compute:/os-services?binary=nova-compute", nil, nil, &out)
	if err != nil {
		return nil, err
	}
	if st != http.StatusOK {
		return nil, fmt.Errorf("GET /os-services: %d %s", st, raw)
	}
	var hosts []string
	for _, s := range out.Services {
		if s.State == "up" && s.Status == "enabled" {
			hosts = append(hosts, s.Host)
		}
	}
	sort.Strings(hosts)
	return hosts, nil
}

// Headers of the plain REST calls: the microversion each one needs.
var (
	computeAt274 = map[string]string{"OpenStack-API-Version": "compute 2.74"}
	shareAt257   = map[string]string{"X-OpenStack-Manila-API-Version": "2.57"}
)

// realResources creates what the tests need on the real stack.
type realResources struct {
	api                                    *rawAPI
	tg                                     *target
	image, flavor, shareNetwork, shareType string
}

// serverBody is the part of a nova server the helpers read.
type serverBody struct {
	Server struct {
		ID        string  `json:"id"`
		Status    string  `json:"status"`
		Host      string  `json:"OS-EXT-SRV-ATTR:host"`
		TaskState *string `json:"OS-EXT-STS:task_state"`
		Fault     any     `json:"fault"`
	} `json:"server"`
}

func (r *realResources) bootServer(t *testing.T, host string) string {
	t.Helper()
	var out serverBody
	r.api.must(t, http.MethodPost, "compute:/servers", computeAt274, map[string]any{"server": map[string]any{
		"name": "stacke2e-" + newUUID()[:8], "imageRef": r.image, "flavorRef": r.flavor,
		"networks": "none", "host": host,
	}}, &out, http.StatusAccepted)
	id := out.Server.ID
	t.Cleanup(func() { r.deleteServer(t, id) })
	r.tg.eventually(t, "server "+id+" ACTIVE on "+host, func() string {
		var s serverBody
		r.api.must(t, http.MethodGet, "compute:/servers/"+id, computeAt274, nil, &s, http.StatusOK)
		if s.Server.Status == "ERROR" {
			t.Fatalf("server %s: ERROR %v", id, s.Server.Fault)
		}
		if s.Server.Status == "ACTIVE" && s.Server.TaskState == nil && s.Server.Host == host {
			return ""
		}
		return fmt.Sprintf("%s on %q", s.Server.Status, s.Server.Host)
	})
	return id
}

func (r *realResources) deleteServer(t *testing.T, id string) {
	t.Helper()
	if r.api.must(t, http.MethodDelete, "compute:/servers/"+id, nil, nil, nil, http.StatusNoContent, http.StatusNotFound) == http.StatusNotFound {
		return
	}
	r.tg.eventually(t, "server "+id+" deleted", func() string {
		st := r.api.must(t, http.MethodGet, "compute:/servers/"+id, nil, nil, nil, http.StatusOK, http.StatusNotFound)
		if st == http.StatusNotFound {
			return ""
		}
		return "present"
	})
}

// shareBody is the part of a manila share the helpers read.
type shareBody struct {
	Share struct {
		ID            string  `json:"id"`
		Status        string  `json:"status"`
		Host          string  `json:"host"`
		TaskState     *string `json:"task_state"`
		ShareServerID *string `json:"share_server_id"`
	} `json:"share"`
}

func (r *realResources) getShare(t *testing.T, id string) (shareView, bool) {
	t.Helper()
	var s shareBody
	if r.api.must(t, http.MethodGet, "share:/shares/"+id, shareAt257, nil, &s, http.StatusOK, http.StatusNotFound) == http.StatusNotFound {
		return shareView{}, false
	}
	v := shareView{Status: s.Share.Status, Host: s.Share.Host}
	if s.Share.TaskState != nil {
		v.TaskState = *s.Share.TaskState
	}
	if s.Share.ShareServerID != nil {
		v.ShareServerID = *s.Share.ShareServerID
	}
	return v, true
}

func (r *realResources) share(t *testing.T, id string) (shareView, bool) { return r.getShare(t, id) }

// createShare creates a 1 GiB NFS share on the stack's share network,
// which gives it a share server, and waits until it is available. When
// the test ends the share is deleted, then the share servers it used.
func (r *realResources) createShare(t *testing.T) (string, shareView) {
	t.Helper()
	var out shareBody
	r.api.must(t, http.MethodPost, "share:/shares", shareAt257, map[string]any{"share": map[string]any{
		"name": "stacke2e-" + newUUID()[:8], "share_proto": "NFS", "size": 1,
		"share_type": r.shareType, "share_network_id": r.shareNetwork,
	}}, &out, http.StatusOK, http.StatusAccepted)
	id := out.Share.ID
	servers := map[string]bool{}
	t.Cleanup(func() { r.deleteShare(t, id, servers) })
	var v shareView
	r.tg.eventually(t, "share "+id+" available", func() string {
		var ok bool
		v, ok = r.getShare(t, id)
		switch {
		case !ok:
			t.Fatalf("share %s vanished", id)
		case v.Status == "error":
			t.Fatalf("share %s: error", id)
		case v.Status == "available" && v.ShareServerID != "":
			return ""
		}
		return v.Status
	})
	servers[v.ShareServerID] = true
	// Manila puts a new share on an active share server of the same share
	// network and back end if there is one; the tests need the share
	// server to themselves.
	var on struct {
		Shares []struct {
			ID string `json:"id"`
		} `json:"shares"`
	}
	r.api.must(t, http.MethodGet, "share:/shares?all_tenants=1&share_server_id="+v.ShareServerID, shareAt257, nil, &on, http.StatusOK)
	if len(on.Shares) != 1 {
		t.Fatalf("share server %s holds %d shares; the tests need share network %s without other shares",
			v.ShareServerID, len(on.Shares), r.shareNetwork)
	}
	return id, v
}

// deleteShare deletes the share, waits until it is gone, then deletes
// the share servers it lived on (the one it was created on, the one it
// ends on) and those migrations made from them (the inactive destination
// of a cancelled migration): manila keeps empty share servers.
func (r *realResources) deleteShare(t *testing.T, id string, servers map[string]bool) {
	if v, ok := r.getShare(t, id); ok {
		if v.ShareServerID != "" {
			servers[v.ShareServerID] = true
		}
		r.api.must(t, http.MethodDelete, "share:/shares/"+id, shareAt257, nil, nil, http.StatusAccepted, http.StatusNotFound)
		r.tg.eventually(t, "share "+id+" deleted", func() string {
			v, ok := r.getShare(t, id)
			if !ok {
				return ""
			}
			if v.Status == "error_deleting" {
				t.Fatalf("share %s: error_deleting", id)
			}
			return v.Status
		})
	}
	var list struct {
		ShareServers []struct {
			ID, Status string
			Source     *string `json:"source_share_server_id"`
		} `json:"share_servers"`
	}
	r.api.must(t, http.MethodGet, "share:/share-servers", shareAt257, nil, &list, http.StatusOK)
	for added := true; added; {
		added = false
		for _, ss := range list.ShareServers {
			if ss.Source != nil && servers[*ss.Source] && !servers[ss.ID] {
				servers[ss.ID], added = true, true
			}
		}
	}
	for _, ss := range list.ShareServers {
		if !servers[ss.ID] {
			continue
		}
		if ss.Status == "inactive" {
			// Manila deletes only active and failed share servers.
			r.api.must(t, http.MethodPost, "share:/share-servers/"+ss.ID+"/action", shareAt257,
				map[string]any{"reset_status": map[string]string{"status": "error"}}, nil, http.StatusAccepted)
		}
		// 404: manila deleted it itself; 409: it is being deleted.
		r.api.must(t, http.MethodDelete, "share:/share-servers/"+ss.ID, shareAt257, nil, nil,
			http.StatusAccepted, http.StatusNotFound, http.StatusConflict)
	}
}

func (r *realResources) newShareServer(t *testing.T) (string, string) {
	t.Helper()
	_, v := r.createShare(t)
	backend, _, _ := strings.Cut(v.Host, "#")
	return v.ShareServerID, backend
}

func (r *realResources) newShare(t *testing.T) (string, string) {
	t.Helper()
	id, v := r.createShare(t)
	return id, v.Host
}

func (r *realResources) applicationCredential(t *testing.T) (string, string) {
	t.Helper()
	var out struct {
		ApplicationCredential struct {
			ID     string `json:"id"`
			Secret string `json:"secret"`
		} `json:"application_credential"`
	}
	r.api.mu.Lock()
	uid := r.api.userID
	r.api.mu.Unlock()
	r.api.must(t, http.MethodPost, "identity:/users/"+uid+"/application_credentials", nil,
		map[string]any{"application_credential": map[string]any{
			"name": "stacke2e-" + newUUID()[:8], "description": "cloudmigrate end-to-end suite",
		}}, &out, http.StatusCreated)
	id := out.ApplicationCredential.ID
	t.Cleanup(func() {
		r.api.must(t, http.MethodDelete, "identity:/users/"+uid+"/application_credentials/"+id, nil, nil, nil,
			http.StatusNoContent, http.StatusNotFound)
	})
	return id, out.ApplicationCredential.Secret
}
