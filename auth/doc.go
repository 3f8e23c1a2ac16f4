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
// When a token request fails, the next one waits (0.5 s, doubling while
// failures continue, at most 30 s) and callers meanwhile get the failure
// without a request, so many callers cause a few token requests per
// outage, not one each.
// Errors from Keystone come back as *cloudmigrate.Error; bad input is
// reported before anything is sent, as *cloudmigrate.ValidationError.
//
// # Credentials from the environment
//
// [HuaweiFromEnv] reads HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK,
// HUAWEICLOUD_SDK_PROJECT_ID, and optionally
// HUAWEICLOUD_SDK_SECURITY_TOKEN and HUAWEICLOUD_SDK_REGION.
// [KeystoneFromEnv] reads the OpenStack configuration as the OpenStack
// clients and gophercloud do: with OS_CLOUD set, that entry of clouds.yaml
// merged with secure.yaml ([KeystoneFromCloud] names the entry itself);
// otherwise the OS_* variables an "openrc" file sets (OS_AUTH_URL,
// OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME, ...). The TLS settings
// (cacert, cert, key, verify; OS_CACERT, OS_CERT, OS_KEY, OS_INSECURE)
// apply to the token requests and, through [KeystoneEnv.ComputeOptions]
// and [KeystoneEnv.ShareOptions], to the service clients, with the default
// microversions the configuration sets. A missing or conflicting variable
// is an error that names the variables, a problem in clouds.yaml a
// [*CloudConfigError] that names the file, the cloud and the keys; never
// their values. [HuaweiEnvPresent] and [KeystoneEnvPresent] tell a program
// whether real credentials are set, so it can fall back to a fake.
//
// # Huawei Cloud regions and projects
//
// [IAMEndpoint] gives the IAM endpoint of a region (ecs.Endpoint,
// cce.Endpoint and modelarts.Endpoint give those of the services), and
// [LookupProjectID] asks IAM for the ID of a region's project, as the
// official SDKs do when no project ID is given.
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
// Every credential of this module (password, secret key, security token,
// application credential secret, token, signature) is held in a [Secret],
// in every package: [KeystoneCredentials], [Signature], cce.UserPassword
// and the account settings of the test fakes alike. A Secret shows REDACTED (empty when
// unset) when printed with fmt (any verb), logged through log/slog (text
// or JSON), or encoded as JSON or text, however deep in a struct, slice or
// map it sits; [Secret.Reveal] is the one way to its value, for the wire.
// JSON decoding takes the plain value, so configuration files load into a
// Secret directly. Build one with [NewSecret]; [NewAKSK], [StaticToken]
// and [WithSecurityToken] take plain strings and keep them as Secrets.
//
// No value of this package shows a credential, and no error it returns
// contains one. The String, GoString and LogValue methods show an access
// key by its first four characters only.
//
// Servers, gateways and proxies may quote the request in an error answer.
// Before any text of such an answer enters an error, the request pipeline
// removes the credentials that request carried: the values of its
// Authorization, X-Auth-Token and X-Security-Token headers (with the
// access key and signature inside Authorization), the credentials of the
// Authorizer (see [SecretHolder]) and the passwords its body carries, as
// sent and in their JSON-, URL- and HTML-escaped forms. [Keystone] does
// the same for its token requests, which carry the password, application
// credential secret or token.
package auth
