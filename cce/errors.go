package cce

// Error codes CCE puts in the Code of a *cloudmigrate.Error. CCE writes its
// error bodies as {"errorCode": ..., "errorMessage": ...}; older gateways
// and front ends use {"error_code": ..., "error_msg": ...} or
// {"code": ..., "message": ...}. All three become a *cloudmigrate.Error with
// the same Code and Message, and RequestID taken from X-Request-Id.
//
// The API gateway in front of CCE has its own codes (APIGW.0301 for a bad
// signature or unknown access key, APIGW.0307 for an expired token,
// APIGW.0308 for gateway throttling).
const (
	// CodeBadRequest (HTTP 400): the request body or a parameter is not
	// acceptable to CCE.
	CodeBadRequest = "CCE.01400001"
	// CodeUnauthorized (HTTP 401): the credentials were not accepted.
	CodeUnauthorized = "CCE.01401001"
	// CodeForbidden (HTTP 403): the caller lacks the permission, for
	// example cce:node:migrate on one of the clusters.
	CodeForbidden = "CCE.01403001"
	// CodeNotFound (HTTP 404): the cluster, node or job does not exist in
	// the project.
	CodeNotFound = "CCE.01404001"
	// CodeAlreadyExists (HTTP 409): the resource to create exists already.
	CodeAlreadyExists = "CCE.01409001"
	// CodeStaleVersion (HTTP 409): the resource changed since it was read;
	// read it again before retrying.
	CodeStaleVersion = "CCE.01409002"
	// CodeResourceLocked (HTTP 429): another request is working on the
	// same resource. Retry after a pause; the request pipeline retries it
	// as a throttling answer.
	CodeResourceLocked = "CCE.01429002"
	// CodeThrottled (HTTP 429): too many requests; retry with back-off.
	// The request pipeline does so by itself (see cloudmigrate.WithRetry).
	CodeThrottled = "CCE.02429001"
)
