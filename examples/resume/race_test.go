//go:build race

package main

// raceEnabled says that the test runs with the race detector, so the
// program it runs is built with it too.
const raceEnabled = true
