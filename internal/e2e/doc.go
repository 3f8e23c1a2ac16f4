// Package e2e holds the hardening tests of the SDK: every service client
// driven end to end against its in-process fake, or against a deliberately
// misbehaving HTTP server, to check what no unit test of a single package
// can.
//
// The tests cover four areas:
//
//   - Faults: throttling storms shorter and longer than the retry budget,
//     server errors while a wait polls, connections dropped after the
//     request was read, answers slower than the per-request timeout, and
//     Keystone tokens expiring in the middle of a wait. Every call that
//     starts, completes, aborts or cancels a migration must reach the
//     service exactly once, which the fakes' call counters prove.
//   - Cancellation: a cancelled context ends a call promptly, whether it
//     is waiting for an answer, for a retry or for the next poll.
//   - Hostile answers: truncated or misplaced JSON, huge bodies, HTML error
//     pages, status words the SDK has never seen and absurd Retry-After
//     values must give clear errors, bounded memory and no panic.
//   - Load: a thousand concurrent waits on one client reuse connections,
//     finish, and leave no goroutine behind; many goroutines sharing one
//     Keystone authorizer renew an expired token once.
//
// The package has no code of its own; everything is in its tests.
package e2e
