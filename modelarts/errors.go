package modelarts

import (
	"github.com/cloudmigrate/cloudmigrate"
)

// Error codes a caller of this package can meet. A refused call is a
// *cloudmigrate.Error whose Code holds the service's error_code; compare it
// with these:
//
//	var apiErr *cloudmigrate.Error
//	if errors.As(err, &apiErr) && apiErr.Code == modelarts.CodePoolNotFound {
//		// check the pool name: it is the pool's metadata.name
//	}
const (
	// CodePoolNotFound (HTTP 404) means no resource pool in the project has
	// the name given in the path. The batch-migrate documentation lists it
	// as its 404 answer.
	CodePoolNotFound = "ModelArts.50015001"

	// CodeBadSignature (HTTP 401) comes from the API gateway in front of
	// ModelArts: the AK/SK signature did not verify or the access key is
	// unknown. A clock more than 15 minutes off also leads here.
	CodeBadSignature = "APIGW.0301"
	// CodeTokenExpired (HTTP 401) comes from the API gateway: the IAM token
	// has expired (tokens last 24 hours).
	CodeTokenExpired = "APIGW.0307"
	// CodeThrottled (HTTP 429) comes from the API gateway: too many
	// requests. The client resends such requests a few times on its own;
	// cloudmigrate.IsThrottled recognises the error when they run out.
	CodeThrottled = "APIGW.0308"
)

// JobNotFoundError is returned by GetJob (and so ends WaitForJob) when the
// service knows no job with the given ID: the by-ID query answered 404 and
// the pool's job list does not contain the job either.
//
// It unwraps to the 404 answer of the by-ID query, so
// cloudmigrate.IsNotFound(err) holds for it as well:
//
//	var nf *modelarts.JobNotFoundError
//	if errors.As(err, &nf) { log.Printf("job %s not in pool %s", nf.JobID, nf.PoolName) }
type JobNotFoundError struct {
	// PoolName is the pool whose job list was searched.
	PoolName string
	// JobID is the job that was looked for.
	JobID string
	// Listed is how many jobs the pool's list held.
	Listed int
	// Err is the 404 answer of GET /v2/{project_id}/jobs/{job_id}.
	Err *cloudmigrate.Error
}

// Error names the job and the pool that was searched.
func (e *JobNotFoundError) Error() string {
	return "modelarts: job " + e.JobID + " not found: the service has no job by that ID and pool " +
		e.PoolName + " does not list it"
}

// Unwrap returns the by-ID query's 404 answer.
func (e *JobNotFoundError) Unwrap() error {
	if e.Err == nil {
		return nil
	}
	return e.Err
}
