/* API client secrets: drawn at random, shown once, stored as a salted hash. */
#ifndef API_SECRET_H
#define API_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#define SECRET_LEN 48      /* "pvx_" and 43 base64url characters: 256 bits */
#define SECRET_HASH_LEN 160

/* Writes a new secret into out (at least SECRET_LEN + 1 bytes). */
int secret_generate(char *out, size_t len);

/* "sha256$<salt>$<hmac>": HMAC-SHA256 keyed by a random salt. A secret of
 * 256 random bits cannot be guessed, so a slow KDF would add cost, not
 * strength. */
int secret_hash(const char *secret, char *out, size_t len);

/* Constant-time check of secret against a stored hash; a malformed stored
 * hash is checked against a dummy all the same, so that failures take the
 * same time whatever the cause. */
bool secret_verify(const char *secret, const char *stored);

/* base64url without padding of n bytes into out (at least 4 * n / 3 + 4). */
void secret_base64url(const unsigned char *in, size_t n, char *out);

#endif
