// Package cloudmigrate is a Go SDK for the migration APIs of OpenStack and
// Huawei Cloud: moving servers, nodes and storage between hosts, pools and
// clusters without downtime, and following each move to its end.
//
// Each service has its own package, and all of them look alike:
//
//	ecs        Huawei ECS: stop, cold-migrate and start servers between dedicated hosts and the public pool
//	ecs/deh    Huawei DeH: dedicated hosts, their free capacity and servers
//	nova       OpenStack Compute: live and cold migrations, force-complete, abort, wait
//	manila     OpenStack Shared File Systems: two-phase share-server migration
//	modelarts  Huawei ModelArts: batch-migrate nodes between resource pools
//	cce        Huawei CCE: migrate nodes to another cluster
//
// The shared parts are [github.com/cloudmigrate/cloudmigrate/auth]
// (AK/SK signing, Keystone and IAM tokens, microversions, credentials from
// the environment) and [github.com/cloudmigrate/cloudmigrate/jobs] (the one
// waiting loop behind every WaitFor method).
//
// # Clients
//
// Every service package has a NewClient that takes the endpoint, for Huawei
// services the project ID, an [auth.Authorizer], and the options of this
// package:
//
//	authz := auth.NewAKSK(os.Getenv("HUAWEICLOUD_SDK_AK"), os.Getenv("HUAWEICLOUD_SDK_SK"))
//	c, err := ecs.NewClient("https://ecs.cn-north-4.myhuaweicloud.com", projectID, authz,
//		cloudmigrate.WithRetry(5), cloudmigrate.WithLogger(slog.Default()))
//
// A client is immutable and safe for concurrent use. Every operation takes a
// context.Context; required inputs are arguments and optional ones live in
// an options struct that may be nil.
//
// # Retries
//
// Reads are retried on network errors, 429, 502, 503 and 504 with jittered
// exponential back-off, honouring Retry-After. A request that starts,
// completes, aborts or cancels a migration is sent again only when it
// provably never reached the service (the connection could not be made) or
// was refused by throttling: nothing that could start a migration twice is
// ever repeated. A client with a renewable token (Keystone, IAM) renews it
// once on 401 and replays the request once, on top of the retries set by
// [WithRetry]; [Error].Attempts counts every request sent, the replay
// included. While Keystone fails, token requests pause between failures
// and every caller gets the failure meanwhile (see auth.Keystone), so a
// fleet of callers does not flood an identity service that is down.
//
// # IDs in URL paths
//
// Every ID or name an operation puts into a URL path is checked by the same
// rule in every package before anything is sent: non-empty valid UTF-8 of at
// most 255 bytes, with no white space, no control character (C0, DEL, C1),
// no '/', '?', '#' or '%', and neither "." nor "..". Anything else is a
// [*ValidationError] whose Field names the argument; what passes is
// escaped as one path segment.
//
// # Errors
//
// Every answer outside 2xx is an [*Error] carrying the HTTP status, the
// service's code and message, the request ID and the number of attempts.
// Input refused before anything was sent is a [*ValidationError]. An
// OpenStack microversion problem is a [*VersionError]. A job or migration
// that ends failed or cancelled is a *jobs.FailedError with the service's
// reason. All are pointers and work with errors.As; a cancelled context
// comes back wrapped, so errors.Is(err, context.Canceled) holds. When the
// context ends while a call waits to retry a 429 or a 5xx, the error wraps
// that answer too, so errors.As(err, &apiErr) also holds.
//
// Credentials (tokens, passwords, secret keys, security tokens,
// signatures) never appear in logs, error strings, JSON or the output of
// any fmt verb, at any depth: every field that holds one is an
// auth.Secret, and the credentials a request carried are removed from a
// service's error answer (servers and gateways may quote the request)
// before its text enters an *Error.
package cloudmigrate
