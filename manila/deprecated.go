package manila

// The option structs were named ...Request before every package of the
// module settled on ...Options; the former names still compile.

// CheckMigrationRequest is the former name of CheckMigrationOptions.
//
// Deprecated: use CheckMigrationOptions.
type CheckMigrationRequest = CheckMigrationOptions

// StartMigrationRequest is the former name of StartMigrationOptions.
//
// Deprecated: use StartMigrationOptions.
type StartMigrationRequest = StartMigrationOptions

// StartShareMigrationRequest is the former name of
// StartShareMigrationOptions.
//
// Deprecated: use StartShareMigrationOptions.
type StartShareMigrationRequest = StartShareMigrationOptions
