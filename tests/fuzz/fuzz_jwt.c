/* libFuzzer: bearer tokens through api/jwt.c's verification: the split into
 * segments, their base64url and JSON decoding, the header checks, then
 * libjwt. The keyring is one key made once in a temporary folder (removed
 * at exit); nothing goes over the network. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/jwt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct jwt_keyring *ring;
static char dir[64];
static char key_path[128];

static void cleanup(void)
{
	jwt_keyring_free(ring);
	unlink(key_path);
	rmdir(dir);
}

static void init(void)
{
	struct err err;
	snprintf(dir, sizeof(dir), "/tmp/prevex-fuzz-jwt-XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(key_path, sizeof(key_path), "%s/fuzz.pem", dir);
	if (jwt_keyring_generate_key(dir, "fuzz", &err) != ERR_OK || jwt_keyring_load(&ring, dir, &err) != ERR_OK) {
		fprintf(stderr, "fuzz_jwt: %s\n", err.message);
		abort();
	}
	atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (ring == NULL)
		init();
	char *token = malloc(size + 1);
	if (token == NULL)
		return 0;
	memcpy(token, data, size);
	token[size] = '\0';
	struct jwt_claims claims;
	struct jwt_verify_opts opts = {
		.now = 1767225600, /* 2026-01-01 */
		.issuer = "prevex",
		.audience = "prevex-api",
		.max_skew_s = 60,
	};
	char reason[256];
	(void)jwt_token_verify(&claims, ring, token, &opts, reason, sizeof(reason));
	free(token);
	return 0;
}
