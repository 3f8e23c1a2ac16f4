// Package secrettest holds the module-wide checks that no credential
// leaks: one over every exported type of every package, filled with
// credentials at any depth and rendered every way Go renders values (fmt
// verbs, JSON, text, log/slog), and one over every service client and the
// Keystone/IAM authorizer against a server that echoes the request's
// credentials in each error shape the services use. It has no API; its
// tests are the point.
package secrettest
