package ecs

// ECS error codes a cold migration and the stops and starts around it
// can meet. A refused call is a
// *cloudmigrate.Error whose Code holds such a code; compare it with these:
//
//	var apiErr *cloudmigrate.Error
//	if errors.As(err, &apiErr) && apiErr.Code == ecs.CodeServerNotStopped {
//		// stop the server, then try again
//	}
const (
	// CodeServerNotStopped (HTTP 400) means the server is in a state that
	// does not allow the operation: a cold migration needs a stopped server.
	CodeServerNotStopped = "Ecs.0100"
	// CodeSameHost (HTTP 400) means the server was asked to move to the
	// dedicated host it is already on.
	CodeSameHost = "Ecs.0221"
	// CodeServerNotFound (HTTP 404) means no server has the given ID in the
	// project.
	CodeServerNotFound = "Ecs.0114"
	// CodeServerLocked (HTTP 400) means the server is locked and must be
	// unlocked before it can be migrated.
	CodeServerLocked = "Ecs.0605"
	// CodeBusy (HTTP 501) means other operations on the server are still
	// running. Try again in about a minute. The client already resends a
	// request refused this way a few times, as it does for throttling; the
	// error reaches the caller when those attempts are used up.
	CodeBusy = "Ecs.0603"
	// CodeTooManyServers (HTTP 400) means a batch action names more
	// servers than the service takes at once.
	CodeTooManyServers = "Ecs.0118"
	// CodeStartFailed is the error code of a start job (or sub-job) that
	// failed to start a server.
	CodeStartFailed = "Ecs.0226"
)
