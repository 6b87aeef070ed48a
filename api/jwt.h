/* Access tokens: the signing keyring, issuing and verifying JWTs. Every
 * libjwt call of the project lives in api/jwt.c; libjwt 1.10 only checks a
 * signature, so the algorithm, the key choice and every claim are checked
 * here. */
#ifndef API_JWT_H
#define API_JWT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "domain/err.h"

/* Larger tokens are refused before any decoding. */
enum { JWT_TOKEN_MAX_LEN = 8192 };

/* A kid is 1 to 63 characters among A-Z a-z 0-9 . _ - and does not start
 * with a dot; the key file is <kid>.pem. */
enum { JWT_KID_MAX_LEN = 63 };

/* The keys of the service, read-only once loaded (safe to share between
 * threads), and the tokens they verified lately. Opaque. */
struct jwt_keyring;

/* Claims of an access token, copied into fixed arrays: nothing to free.
 * A string that does not fit makes verification fail rather than truncate. */
struct jwt_claims {
	char iss[256];
	char aud[256];   /* issue: the audience; verify: the expected one it matched */
	char sub[128];   /* API client id */
	char org[64];    /* organisation uuid */
	char kind[32];   /* organisation kind, as policy_kind_to_string() spells it */
	char scope[512]; /* space-separated scopes, may be empty */
	char jti[64];    /* issue: "" draws a random 128-bit id (32 hex digits) */
	int64_t iat;
	int64_t nbf;     /* issue: 0 means iat */
	int64_t exp;
};

struct jwt_verify_opts {
	time_t now;
	const char *issuer;   /* expected iss, borrowed */
	const char *audience; /* expected aud (string, or one of an array), borrowed */
	int64_t max_skew_s;   /* tolerated for nbf and iat in the future, not for exp */
};

/* Loads every <kid>.pem of dir: a private key, EC P-256 (ES256) or RSA of
 * at least 2048 bits (RS256), unencrypted, PEM (PKCS#8 or traditional).
 * Names starting with a dot and names not ending in .pem are skipped, so
 * that files being written (see jwt_keyring_generate_key) and Kubernetes'
 * ..data links are ignored. Any other unusable file fails the load: a
 * broken key must not go unnoticed. All keys verify; the signing key is the
 * one whose kid sorts last (strcmp), so name kids by date
 * ("2026-03-01"): dropping a new key in the folder and restarting rotates
 * without invalidating tokens signed by the older ones, which are removed
 * once their tokens have expired.
 * On success *out is a new keyring the caller frees with jwt_keyring_free().
 * Returns ERR_OK, or ERR_INVALID (no key, bad key, bad name) or
 * ERR_INTERNAL with err filled. */
int jwt_keyring_load(struct jwt_keyring **out, const char *dir, struct err *err);

void jwt_keyring_free(struct jwt_keyring *ring);

/* Chooses the signing key by kid instead of the last one. Call before the
 * keyring is shared. Returns ERR_OK or ERR_NOT_FOUND. */
int jwt_keyring_set_signing_kid(struct jwt_keyring *ring, const char *kid,
				struct err *err);

/* Borrowed: valid while ring lives. */
const char *jwt_keyring_signing_kid(const struct jwt_keyring *ring);
size_t jwt_keyring_count(const struct jwt_keyring *ring);

/* How many verifications the keyring answered from the tokens it had
 * verified before. */
size_t jwt_keyring_verified_hits(const struct jwt_keyring *ring);

/* Writes a new EC P-256 private key to dir/<kid>.pem, mode 0600, PKCS#8.
 * Never overwrites: an existing file gives ERR_CONFLICT. The key is
 * written to a hidden temporary file first and linked into place, so a
 * running loader never sees half a key. */
int jwt_keyring_generate_key(const char *dir, const char *kid, struct err *err);

/* The public keys as a JWK set {"keys":[{kty, crv, x, y | n, e, kid, alg,
 * use: "sig"}...]}, one entry per key, never a private member.
 * Returns a new reference the caller json_decref()s; NULL when out of
 * memory. */
json_t *jwt_keyring_jwks(const struct jwt_keyring *ring);

/* Signs claims with the signing key; the header carries alg, typ and kid.
 * iss, aud, sub, org and kind must be non-empty, exp after iat.
 * On success *out is a new string the caller free()s. Returns ERR_OK,
 * ERR_INVALID (claims) or ERR_INTERNAL. */
int jwt_token_issue(char **out, const struct jwt_keyring *ring,
		    const struct jwt_claims *claims, struct err *err);

/* Returns 0 and fills *out when token is a token of ours, valid at
 * opts->now; otherwise -1, *out zeroed, and one line in reason saying why
 * (for the log only: never shown to a client, never holding the token).
 * The key is chosen only by the header's kid among ours, and the header's
 * alg must be that key's algorithm; jku, x5u, jwk and x5c are ignored, crit
 * is refused. iss, aud, sub, org, kind, scope, jti, iat and exp are
 * required, exp > now, nbf and iat no later than now + max_skew_s.
 * The keyring remembers the last tokens it verified (1,024 slots, by the
 * SHA-256 of token, issuer and audience) and checks only their times again:
 * parsing the key and checking the signature cost about a millisecond. */
int jwt_token_verify(struct jwt_claims *out, const struct jwt_keyring *ring,
		     const char *token, const struct jwt_verify_opts *opts,
		     char *reason, size_t reason_len);

#endif /* API_JWT_H */
