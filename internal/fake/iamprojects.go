package fake

import (
	"net/http"

	"github.com/cloudmigrate/cloudmigrate/auth"
)

// OpListProjects is the operation a Huawei Cloud fake's IAM endpoint
// counts GET /v3/projects under.
const OpListProjects = "ListProjects"

// HuaweiDomainID is the ID of the account (domain) that owns the project a
// Huawei Cloud fake's IAM endpoint lists. The value is invented.
const HuaweiDomainID = "0d9c8b7a6f5e4d3c2b1a09f8e7d6c5b4"

// mountProjects serves IAM's project list, GET /v3/projects
// (KeystoneListProjects), as operation OpListProjects: the account's one
// project, named HuaweiRegion, filtered by the name query parameter as IAM
// filters it. The answer has the fields of IAM's ProjectResult (see
// huaweicloud/huaweicloud-sdk-go-v3 services/iam/v3/model/
// model_project_result.go at 1cd70eb6f730ea721771a6ec8d96352bbb801787).
//
// Unless noAuth, a request must be signed with the account's key pair (IAM
// is global, so no X-Project-Id is asked for) or carry a token the fake
// issued; otherwise it gets the AK/SK check's 401 APIGW.0301.
func mountProjects(s *Server, a HuaweiAccount, tokens *Tokens, noAuth bool) {
	signed := &AKSKAuth{Keys: map[string]auth.Secret{a.AccessKey: a.SecretKey}}
	s.HandleOpen(OpListProjects, "GET /v3/projects", func(r *Request) Response {
		if !noAuth {
			if fail := signed.Check(r.Request); fail != nil {
				if tok := r.Header.Get("X-Auth-Token"); tok == "" || !tokens.Valid(tok) {
					return s.Error(fail.Status, fail.Code, fail.Message)
				}
			}
		}
		base := "http://" + r.Host
		projects := []any{}
		if name := r.URL.Query().Get("name"); name == "" || name == HuaweiRegion {
			projects = append(projects, map[string]any{
				"id":          a.ProjectID,
				"name":        HuaweiRegion,
				"domain_id":   HuaweiDomainID,
				"parent_id":   HuaweiDomainID,
				"is_domain":   false,
				"enabled":     true,
				"description": "",
				"links":       map[string]any{"self": base + "/v3/projects/" + a.ProjectID},
			})
		}
		return JSON(http.StatusOK, map[string]any{
			"links":    map[string]any{"self": base + r.URL.RequestURI(), "previous": nil, "next": nil},
			"projects": projects,
		})
	})
}
