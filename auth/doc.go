// Package auth supplies the credentials of every cloudmigrate client: it
// signs Huawei Cloud requests with an access key, obtains and renews
// Keystone tokens for OpenStack (and Huawei Cloud IAM), reads credentials
// from the conventional environment variables, and handles OpenStack
// microversions.
//
// # Choosing an authorizer
//
// Every client takes an [Authorizer], which adds credentials to each
// request attempt after the request is final:
//
//   - Huawei Cloud (ECS, CCE, ModelArts): [NewAKSK] with an access key and
//     secret key. This is what the official Huawei SDKs do, and it needs
//     no extra round trip.
//   - OpenStack (Nova, Manila): [NewKeystone] with a password, an
//     application credential or an existing token. It also finds the
//     service endpoints in the token's catalog ([Keystone.Endpoint]).
//   - Huawei Cloud with an IAM token instead of AK/SK: [NewKeystone]
//     pointed at https://iam.myhuaweicloud.com/v3 (or a regional IAM
//     endpoint), with the IAM user name, the account name as
//     UserDomainName and the region ID as ProjectName.
//   - A token obtained elsewhere that never needs renewing: [StaticToken].
//
// # AK/SK signing
//
// [AKSK] implements the SDK-HMAC-SHA256 algorithm of the official Huawei
// Cloud SDKs byte for byte (it passes the 24 signing vectors produced with
// huaweicloud-sdk-go-v3 v0.1.207). It sets X-Sdk-Date, Authorization and,
// for bodies that are neither JSON nor BSON, X-Sdk-Content-Sha256:
// UNSIGNED-PAYLOAD. All headers present on the request are signed, except
// Content-Type and names containing "_"; set X-Project-Id before signing
// for project-scoped calls. Temporary credentials add a security token
// ([WithSecurityToken]). The gateway refuses a signature whose date is
// more than 15 minutes off, so keep the clock in sync.
//
// When the gateway answers APIGW.0301, [AKSK.Sign] shows the canonical
// request to compare with the one the gateway echoes. [AKSKVerifier] and
// [AKSK.VerifyRequest] check signatures the way the gateway does; the
// in-process fakes use them.
//
// # Keystone and IAM tokens
//
// [Keystone] posts to /v3/auth/tokens on first use, caches the token from
// X-Subject-Token and replaces it a few minutes before expires_at
// ([WithRenewMargin]). It also implements [Renewer]: when a service
// rejects a token, the request pipeline calls Renew once, and concurrent
// reports of the same rejected token lead to a single new token request.
// Errors from Keystone come back as *cloudmigrate.Error; bad input is
// reported before anything is sent, as *cloudmigrate.ValidationError.
//
// # Credentials from the environment
//
// [HuaweiFromEnv] reads HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK,
// HUAWEICLOUD_SDK_PROJECT_ID, and optionally
// HUAWEICLOUD_SDK_SECURITY_TOKEN and HUAWEICLOUD_SDK_REGION.
// [KeystoneFromEnv] reads the OS_* variables an OpenStack "openrc" file
// sets (OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME, ...). A
// missing or conflicting variable is an error that names the variables,
// never their values. [HuaweiEnvPresent] and [KeystoneEnvPresent] tell a
// program whether real credentials are set, so it can fall back to a fake.
//
// # Microversions
//
// [Microversion] parses ("2.80"), compares and prints OpenStack
// microversions. [ComputeHeaders] sets both headers Nova reads;
// [ShareHeaders] sets Manila's header and, for share-server migration, the
// experimental flag.
//
// # Secrets
//
// No value of this package shows a secret key, password, application
// credential secret or token when printed with fmt (any verb), logged
// through log/slog or encoded as JSON, and no error it returns contains
// one. Access keys are shown by their first four characters only.
package auth
