package cloudmigrate

// Version is the version of this module. Every request the SDK sends, to
// the services and to Keystone or IAM, carries it in its User-Agent as the
// product token "cloudmigrate-go/" + Version, after the application's own
// (WithUserAgent, auth.WithUserAgent).
const Version = "0.1.0"
