// Package stacke2e is the end-to-end suite of the OpenStack half of the
// SDK: the Keystone authorizer, package nova and package manila driven
// through every operation they have, written once and run against two
// targets.
//
//   - fakes: the in-process fakes, always. One Keystone (auth/authtest) in
//     front of nova/novatest and manila/manilatest on a single address, set
//     up as the real stack is: two compute hosts, two share back ends,
//     compute microversions up to 2.93 and share microversions up to 2.73,
//     the migration clocks running on real time (sped up).
//   - real: a real OpenStack control plane, when its environment is
//     present: OS_AUTH_URL and the other OS_* variables, plus the
//     REALSTACK_* resource IDs that .ci/realstack/up.sh writes to
//     $REALSTACK_DIR/env.sh (flavor, image, share type, share network,
//     share pools). Without them the real target is skipped, saying so
//     once (TestRealStackEnvironment).
//
// Every test runs as one subtest per target, and asserts the same
// behaviour on both: a difference between the fakes and the real services
// is a failing test.
//
// # What the tests create
//
// The tests create what they need and delete it afterwards. On the real
// target they use plain REST calls: servers booted with "networks":
// "none" on a named compute host (compute 2.74), shares on the stack's
// share network (which creates their share servers), an application
// credential under the token's user. On the fakes target the same helpers
// seed the fakes through their Go API (novatest.AddServer and
// RemoveServer, manilatest.AddShareServer and AddShare, an application
// credential configured on authtest): the fakes model the migration APIs,
// not server boot or share creation, which the SDK does not offer.
//
// Run against a real stack with:
//
//	bash .ci/realstack/up.sh
//	. "${REALSTACK_DIR:-$HOME/.local/state/realstack}"/env.sh
//	go test -v ./internal/stacke2e/
//
// The package has no code of its own; everything is in its tests.
package stacke2e
