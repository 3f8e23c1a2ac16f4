package modelarts

// BatchMigrateRequest is the former name of BatchMigrateOptions, from
// before every package of the module named its option structs ...Options.
//
// Deprecated: use BatchMigrateOptions.
type BatchMigrateRequest = BatchMigrateOptions
