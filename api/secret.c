#include "api/secret.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

void secret_base64url(const unsigned char *in, size_t n, char *out)
{
	int len = EVP_EncodeBlock((unsigned char *)out, in, (int)n);
	while (len > 0 && out[len - 1] == '=')
		len--;
	out[len] = '\0';
	for (int i = 0; i < len; i++) {
		if (out[i] == '+')
			out[i] = '-';
		else if (out[i] == '/')
			out[i] = '_';
	}
}

int secret_generate(char *out, size_t len)
{
	unsigned char raw[32];
	char b64[64];
	if (len < SECRET_LEN + 1 || RAND_bytes(raw, sizeof(raw)) != 1)
		return -1;
	secret_base64url(raw, sizeof(raw), b64);
	snprintf(out, len, "pvx_%s", b64);
	OPENSSL_cleanse(raw, sizeof(raw));
	return 0;
}

static void hex(const unsigned char *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", in[i]);
}

static int unhex(const char *in, size_t n, unsigned char *out)
{
	for (size_t i = 0; i < n; i++) {
		unsigned int b;
		if (sscanf(in + 2 * i, "%2x", &b) != 1)
			return -1;
		out[i] = (unsigned char)b;
	}
	return 0;
}

static int mac(const unsigned char salt[16], const char *secret, unsigned char out[32])
{
	unsigned int outlen = 0;
	return HMAC(EVP_sha256(), salt, 16, (const unsigned char *)secret, strlen(secret), out, &outlen) &&
			       outlen == 32
		       ? 0
		       : -1;
}

int secret_hash(const char *secret, char *out, size_t len)
{
	unsigned char salt[16], digest[32];
	char salt_hex[33], digest_hex[65];
	if (len < 8 + 32 + 1 + 64 + 1 || RAND_bytes(salt, sizeof(salt)) != 1 || mac(salt, secret, digest) != 0)
		return -1;
	hex(salt, sizeof(salt), salt_hex);
	hex(digest, sizeof(digest), digest_hex);
	snprintf(out, len, "sha256$%s$%s", salt_hex, digest_hex);
	return 0;
}

bool secret_verify(const char *secret, const char *stored)
{
	static const unsigned char dummy_salt[16] = { 0 };
	unsigned char salt[16], expected[32], actual[32];
	bool wellformed = stored != NULL && strlen(stored) == 7 + 32 + 1 + 64 &&
			  strncmp(stored, "sha256$", 7) == 0 && stored[39] == '$' &&
			  unhex(stored + 7, 16, salt) == 0 && unhex(stored + 40, 32, expected) == 0;
	if (!wellformed) {
		memcpy(salt, dummy_salt, sizeof(salt));
		memset(expected, 0xff, sizeof(expected));
	}
	if (mac(salt, secret ? secret : "", actual) != 0)
		return false;
	return CRYPTO_memcmp(expected, actual, sizeof(actual)) == 0 && wellformed;
}
