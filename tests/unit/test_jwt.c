/* Tokens: a keyring of two ES256 keys and one RSA key in a temporary
 * folder, tokens issued by us, and tokens forged or altered by hand: every
 * one of the forged ones must be refused, for the reason it was forged. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <jwt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "api/jwt.h"

/* Kids sort: "2025-12-rsa" < "2026-01-ec" < "2026-02-ec", the last signs. */
#define KID_RSA "2025-12-rsa"
#define KID_EC_OLD "2026-01-ec"
#define KID_EC_NEW "2026-02-ec"
#define ISS "https://prevex.example/essonne"
#define AUD "prevex-api"
#define NOW ((time_t)1767225600) /* 2026-01-01T00:00:00Z */
#define SKEW 60

static char dir[256];
static struct jwt_keyring *ring;
/* RSA key generation is slow: one key, made in main() before the tests
 * fork, is written into each test's own folder. */
static EVP_PKEY *rsa_key;

/* ---- test helpers: files ---- */

static void write_pem(const char *folder, const char *name, EVP_PKEY *pkey)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", folder, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL), 1);
	ck_assert_int_eq(fclose(f), 0);
}

static void write_text(const char *folder, const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", folder, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void remove_dir(const char *folder)
{
	DIR *d = opendir(folder);
	if (d == NULL)
		return;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", folder, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(folder);
}

static void make_dir(char *out, size_t size)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(out, size, "%s/prevex-jwt-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(out));
}

static EVP_PKEY *load_private(const char *folder, const char *kid)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s.pem", folder, kid);
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	EVP_PKEY *pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	ck_assert_ptr_nonnull(pkey);
	return pkey;
}

/* The public key as a PEM SubjectPublicKeyInfo: what an attacker rebuilds
 * from our JWKS, and the bytes libjwt verifies with. Caller free()s. */
static char *public_pem(EVP_PKEY *pkey, size_t *len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	ck_assert_int_eq(PEM_write_bio_PUBKEY(bio, pkey), 1);
	char *data = NULL;
	long n = BIO_get_mem_data(bio, &data);
	char *copy = malloc((size_t)n + 1);
	memcpy(copy, data, (size_t)n);
	copy[n] = '\0';
	BIO_free(bio);
	*len = (size_t)n;
	return copy;
}

static void setup(void)
{
	struct err err = { 0 };
	make_dir(dir, sizeof(dir));
	ck_assert_int_eq(jwt_keyring_generate_key(dir, KID_EC_OLD, &err), ERR_OK);
	ck_assert_int_eq(jwt_keyring_generate_key(dir, KID_EC_NEW, &err), ERR_OK);
	write_pem(dir, KID_RSA ".pem", rsa_key);
	ck_assert_int_eq(jwt_keyring_load(&ring, dir, &err), ERR_OK);
}

static void teardown(void)
{
	jwt_keyring_free(ring);
	ring = NULL;
	remove_dir(dir);
}

/* ---- test helpers: tokens ---- */

static const struct jwt_verify_opts opts = {
	.now = NOW, .issuer = ISS, .audience = AUD, .max_skew_s = SKEW,
};

static struct jwt_claims std_claims(void)
{
	struct jwt_claims c;
	memset(&c, 0, sizeof(c));
	snprintf(c.iss, sizeof(c.iss), "%s", ISS);
	snprintf(c.aud, sizeof(c.aud), "%s", AUD);
	snprintf(c.sub, sizeof(c.sub), "%s", "client-7");
	snprintf(c.org, sizeof(c.org), "%s", "0f8fad5b-d9cb-469f-a165-70867728950e");
	snprintf(c.kind, sizeof(c.kind), "%s", "bailiff");
	snprintf(c.scope, sizeof(c.scope), "%s", "read write");
	c.iat = NOW - 10;
	c.exp = NOW + 900;
	return c;
}

static char *issue(const struct jwt_claims *c)
{
	struct err err = { 0 };
	char *tok = NULL;
	ck_assert_int_eq(jwt_token_issue(&tok, ring, c, &err), ERR_OK);
	ck_assert_ptr_nonnull(tok);
	return tok;
}

static char *b64url(const void *data, size_t len)
{
	static const char a[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const unsigned char *in = data;
	char *out = malloc(len / 3 * 4 + 5);
	size_t o = 0;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)in[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[o++] = a[v >> 18 & 63];
		out[o++] = a[v >> 12 & 63];
		if (i + 1 < len)
			out[o++] = a[v >> 6 & 63];
		if (i + 2 < len)
			out[o++] = a[v & 63];
	}
	out[o] = '\0';
	return out;
}

static unsigned char *b64url_decode(const char *s, size_t len, size_t *out_len)
{
	unsigned char *out = malloc(len + 1);
	unsigned acc = 0;
	int bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
		const char *p = strchr(a, s[i]);
		ck_assert_ptr_nonnull(p);
		acc = (acc << 6 | (unsigned)(p - a)) & 0xffffu;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	out[o] = '\0';
	*out_len = o;
	return out;
}

/* Flips the lowest of the 6 bits a base64url character carries. */
static void flip_low_bit(char *c)
{
	static const char a[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const char *p = strchr(a, *c);
	ck_assert_ptr_nonnull(p);
	*c = a[(p - a) ^ 1];
}

/* tok's header and payload with another signature segment. Caller free()s. */
static char *with_signature(const char *tok, const char *sig)
{
	const char *dot2 = strrchr(tok, '.');
	ck_assert_ptr_nonnull(dot2);
	size_t head = (size_t)(dot2 - tok) + 1;
	char *out = malloc(head + strlen(sig) + 1);
	memcpy(out, tok, head);
	memcpy(out + head, sig, strlen(sig) + 1);
	return out;
}

/* ---- test helpers: ECDSA's S ---- */

/* The order n of P-256 and n / 2, big-endian. */
static const unsigned char p256_n[32] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};

/* s > n / 2, by BIGNUM arithmetic (independent of the code under test). */
static bool s_is_high(const unsigned char s[32])
{
	BIGNUM *n = BN_bin2bn(p256_n, 32, NULL), *half = BN_new(), *v = BN_bin2bn(s, 32, NULL);
	ck_assert_int_eq(BN_rshift1(half, n), 1);
	bool high = BN_cmp(v, half) > 0;
	BN_free(n);
	BN_free(half);
	BN_free(v);
	return high;
}

/* s = n - s: the other signature, as valid for plain ECDSA, of the same input. */
static void s_negate(unsigned char s[32])
{
	BIGNUM *n = BN_bin2bn(p256_n, 32, NULL), *v = BN_bin2bn(s, 32, NULL), *out = BN_new();
	ck_assert_int_eq(BN_sub(out, n, v), 1);
	ck_assert_int_eq(BN_bn2binpad(out, s, 32), 32);
	BN_free(n);
	BN_free(v);
	BN_free(out);
}

/* The raw r||s of an ES256 token into sig. */
static void token_signature(const char *tok, unsigned char sig[64])
{
	const char *seg = strrchr(tok, '.') + 1;
	size_t len = 0;
	unsigned char *raw = b64url_decode(seg, strlen(seg), &len);
	ck_assert_uint_eq(len, 64);
	memcpy(sig, raw, 64);
	free(raw);
}

enum sign_mode { SIGN_NONE, SIGN_ES256, SIGN_RS256, SIGN_HS256 };

/* Signs "header.payload" as JWS does. ES256 is the raw r||s of RFC 7518
 * §3.4, not OpenSSL's DER. Returns a new string the caller free()s. */
static char *sign_input(const char *input, enum sign_mode mode, EVP_PKEY *pkey,
			const void *secret, size_t secret_len)
{
	unsigned char raw[512];
	size_t raw_len = 0;
	if (mode == SIGN_HS256) {
		unsigned int md_len = 0;
		ck_assert_ptr_nonnull(HMAC(EVP_sha256(), secret, (int)secret_len,
					   (const unsigned char *)input, strlen(input), raw,
					   &md_len));
		raw_len = md_len;
	} else if (mode == SIGN_ES256 || mode == SIGN_RS256) {
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		size_t der_len = 0;
		ck_assert_int_eq(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, pkey), 1);
		ck_assert_int_eq(EVP_DigestSign(ctx, NULL, &der_len, (const unsigned char *)input,
						strlen(input)), 1);
		unsigned char *der = malloc(der_len);
		ck_assert_int_eq(EVP_DigestSign(ctx, der, &der_len, (const unsigned char *)input,
						strlen(input)), 1);
		EVP_MD_CTX_free(ctx);
		if (mode == SIGN_RS256) {
			ck_assert_uint_le(der_len, sizeof(raw));
			memcpy(raw, der, der_len);
			raw_len = der_len;
		} else {
			const unsigned char *p = der;
			ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
			ck_assert_ptr_nonnull(sig);
			const BIGNUM *r = NULL, *s = NULL;
			ECDSA_SIG_get0(sig, &r, &s);
			ck_assert_int_eq(BN_bn2binpad(r, raw, 32), 32);
			ck_assert_int_eq(BN_bn2binpad(s, raw + 32, 32), 32);
			raw_len = 64;
			/* Only the low-S form of a signature verifies. */
			if (s_is_high(raw + 32))
				s_negate(raw + 32);
			ECDSA_SIG_free(sig);
		}
		free(der);
	}
	return b64url(raw, raw_len);
}

/* Builds a token from header and payload JSON texts written by hand. */
static char *forge_text(const char *header, const char *payload, enum sign_mode mode,
			EVP_PKEY *pkey, const void *secret, size_t secret_len)
{
	char *h = b64url(header, strlen(header));
	char *p = b64url(payload, strlen(payload));
	size_t n = strlen(h) + strlen(p) + 2;
	char *input = malloc(n);
	snprintf(input, n, "%s.%s", h, p);
	char *sig = sign_input(input, mode, pkey, secret, secret_len);
	size_t m = n + strlen(sig) + 1;
	char *tok = malloc(m);
	snprintf(tok, m, "%s.%s", input, sig);
	free(h);
	free(p);
	free(input);
	free(sig);
	return tok;
}

/* As forge_text, from jansson objects (stolen). */
static char *forge(json_t *header, json_t *payload, enum sign_mode mode, EVP_PKEY *pkey,
		   const void *secret, size_t secret_len)
{
	char *h = json_dumps(header, JSON_COMPACT);
	char *p = json_dumps(payload, JSON_COMPACT);
	char *tok = forge_text(h, p, mode, pkey, secret, secret_len);
	free(h);
	free(p);
	json_decref(header);
	json_decref(payload);
	return tok;
}

static json_t *std_payload(void)
{
	return json_pack("{ss ss ss ss ss ss ss sI sI sI}", "iss", ISS, "aud", AUD,
			 "sub", "client-7", "org", "0f8fad5b-d9cb-469f-a165-70867728950e",
			 "kind", "bailiff", "scope", "read write",
			 "jti", "8d6f4c3b2a1908f7e6d5c4b3a2918070",
			 "iat", (json_int_t)(NOW - 10), "nbf", (json_int_t)(NOW - 10),
			 "exp", (json_int_t)(NOW + 900));
}

static json_t *header_of(const char *alg, const char *kid)
{
	return kid ? json_pack("{ssssss}", "alg", alg, "typ", "JWT", "kid", kid)
		   : json_pack("{ssss}", "alg", alg, "typ", "JWT");
}

/* A token signed properly with our newest EC key, with this payload. */
static char *forge_ec(json_t *payload)
{
	EVP_PKEY *k = load_private(dir, KID_EC_NEW);
	char *tok = forge(header_of("ES256", KID_EC_NEW), payload, SIGN_ES256, k, NULL, 0);
	EVP_PKEY_free(k);
	return tok;
}

static void expect_ok(const char *tok)
{
	struct jwt_claims c;
	char reason[256] = "";
	int rc = jwt_token_verify(&c, ring, tok, &opts, reason, sizeof(reason));
	ck_assert_msg(rc == 0, "refused: %s", reason);
}

/* Refused, for a reason containing why. */
static void expect_reject(const char *tok, const char *why)
{
	struct jwt_claims c;
	memset(&c, 0x5a, sizeof(c));
	char reason[256] = "";
	ck_assert_int_eq(jwt_token_verify(&c, ring, tok, &opts, reason, sizeof(reason)), -1);
	ck_assert_msg(strstr(reason, why) != NULL, "reason \"%s\", expected \"%s\"", reason, why);
	ck_assert_int_eq(c.sub[0], '\0');
	ck_assert_int_eq(c.org[0], '\0');
	ck_assert_int_eq(c.exp, 0);
	/* The reason goes to the log: never a piece of the token. */
	if (tok != NULL && strlen(tok) > 20) {
		const char *sig = strrchr(tok, '.');
		if (sig != NULL && strlen(sig + 1) >= 16) {
			char piece[17];
			memcpy(piece, sig + 1, 16);
			piece[16] = '\0';
			ck_assert_ptr_null(strstr(reason, piece));
		}
	}
}

/* ---- issuing ---- */

START_TEST(issue_and_verify)
{
	struct jwt_claims in = std_claims();
	char *tok = issue(&in);
	struct jwt_claims out;
	char reason[256];
	ck_assert_int_eq(jwt_token_verify(&out, ring, tok, &opts, reason, sizeof(reason)), 0);
	ck_assert_str_eq(out.iss, ISS);
	ck_assert_str_eq(out.aud, AUD);
	ck_assert_str_eq(out.sub, "client-7");
	ck_assert_str_eq(out.org, "0f8fad5b-d9cb-469f-a165-70867728950e");
	ck_assert_str_eq(out.kind, "bailiff");
	ck_assert_str_eq(out.scope, "read write");
	ck_assert_int_eq(out.iat, NOW - 10);
	ck_assert_int_eq(out.nbf, NOW - 10);
	ck_assert_int_eq(out.exp, NOW + 900);
	ck_assert_uint_eq(strlen(out.jti), 32);
	ck_assert_uint_eq(strspn(out.jti, "0123456789abcdef"), 32);

	/* The header names the signing key, the one whose kid sorts last. */
	ck_assert_str_eq(jwt_keyring_signing_kid(ring), KID_EC_NEW);
	size_t hlen = 0;
	unsigned char *h = b64url_decode(tok, (size_t)(strchr(tok, '.') - tok), &hlen);
	json_t *header = json_loads((const char *)h, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(header, "kid")), KID_EC_NEW);
	ck_assert_str_eq(json_string_value(json_object_get(header, "alg")), "ES256");
	json_decref(header);
	free(h);
	free(tok);
}
END_TEST

START_TEST(issue_with_explicit_rsa_key)
{
	struct err err = { 0 };
	ck_assert_int_eq(jwt_keyring_set_signing_kid(ring, KID_RSA, &err), ERR_OK);
	ck_assert_str_eq(jwt_keyring_signing_kid(ring), KID_RSA);
	ck_assert_int_eq(jwt_keyring_set_signing_kid(ring, "nope", &err), ERR_NOT_FOUND);
	ck_assert_str_eq(jwt_keyring_signing_kid(ring), KID_RSA);
	struct jwt_claims in = std_claims();
	snprintf(in.jti, sizeof(in.jti), "%s", "given-jti");
	in.nbf = NOW - 5;
	char *tok = issue(&in);
	size_t hlen = 0;
	unsigned char *h = b64url_decode(tok, (size_t)(strchr(tok, '.') - tok), &hlen);
	json_t *header = json_loads((const char *)h, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(header, "kid")), KID_RSA);
	ck_assert_str_eq(json_string_value(json_object_get(header, "alg")), "RS256");
	json_decref(header);
	free(h);
	struct jwt_claims out;
	ck_assert_int_eq(jwt_token_verify(&out, ring, tok, &opts, NULL, 0), 0);
	ck_assert_str_eq(out.jti, "given-jti");
	ck_assert_int_eq(out.nbf, NOW - 5);
	free(tok);
}
END_TEST

/* ES256 signatures whose r or s has leading zero bytes must survive the
 * raw r||s encoding: a few hundred tokens meet some. */
START_TEST(many_tokens_verify_and_differ)
{
	struct jwt_claims in = std_claims();
	char first_jti[64] = "";
	for (int i = 0; i < 300; i++) {
		char *tok = issue(&in);
		struct jwt_claims out;
		char reason[256] = "";
		ck_assert_msg(jwt_token_verify(&out, ring, tok, &opts, reason, sizeof(reason)) == 0,
			      "token %d refused: %s", i, reason);
		if (i == 0)
			memcpy(first_jti, out.jti, sizeof(first_jti));
		else
			ck_assert_str_ne(first_jti, out.jti);
		free(tok);
	}
}
END_TEST

START_TEST(issue_refuses_bad_claims)
{
	struct err err = { 0 };
	char *tok = NULL;
	struct jwt_claims c = std_claims();
	c.sub[0] = '\0';
	ck_assert_int_eq(jwt_token_issue(&tok, ring, &c, &err), ERR_INVALID);
	ck_assert_ptr_null(tok);
	c = std_claims();
	c.exp = c.iat;
	ck_assert_int_eq(jwt_token_issue(&tok, ring, &c, &err), ERR_INVALID);
	c = std_claims();
	memset(c.kind, 'x', sizeof(c.kind)); /* not terminated */
	ck_assert_int_eq(jwt_token_issue(&tok, ring, &c, &err), ERR_INVALID);
	c = std_claims();
	ck_assert_int_ne(jwt_token_issue(&tok, NULL, &c, &err), ERR_OK);
	ck_assert_ptr_null(tok);
}
END_TEST

/* The forging helper itself makes tokens we accept: the rejections below
 * are then due to what each test changes, nothing else. */
START_TEST(hand_made_tokens_are_accepted)
{
	char *tok = forge_ec(std_payload());
	expect_ok(tok);
	free(tok);
	EVP_PKEY *rsa = load_private(dir, KID_RSA);
	tok = forge(header_of("RS256", KID_RSA), std_payload(), SIGN_RS256, rsa, NULL, 0);
	expect_ok(tok);
	free(tok);
	EVP_PKEY_free(rsa);
	/* aud as an array holding ours */
	json_t *p = std_payload();
	json_object_set_new(p, "aud", json_pack("[ss]", "other-api", AUD));
	tok = forge_ec(p);
	expect_ok(tok);
	free(tok);
	/* an empty scope is a scope */
	p = std_payload();
	json_object_set_new(p, "scope", json_string(""));
	tok = forge_ec(p);
	expect_ok(tok);
	free(tok);
	/* nbf absent: iat stands for it */
	p = std_payload();
	json_object_del(p, "nbf");
	tok = forge_ec(p);
	expect_ok(tok);
	free(tok);
}
END_TEST

/* ---- shape ---- */

START_TEST(reject_shape)
{
	expect_reject(NULL, "no token");
	expect_reject("", "empty token");
	expect_reject("abc", "three");
	expect_reject("abc.def", "three");
	expect_reject("a.b.c.d", "three");
	expect_reject("..", "empty header or payload");
	expect_reject(".e30.c2ln", "empty header or payload");
	expect_reject("e30..c2ln", "empty header or payload");
	expect_reject("eyJhbGciOiJFUzI1NiJ9.e30=.c2ln", "alphabet");
	expect_reject("eyJhbGciOiJFUzI1NiJ9.e3+0.c2ln", "alphabet");
	expect_reject("eyJhbGciOiJFUzI1NiJ9.e3/0.c2ln", "alphabet");
	expect_reject("eyJhbGciOiJFUzI1NiJ9 .e30.c2ln", "alphabet");
	expect_reject("eyJhbGciOiJFUzI1NiJ9.e30.c2ln\n", "alphabet");
	/* "{]" is not JSON; "[]" is not an object; 5 characters is no base64 */
	expect_reject("e10.e30.c2ln", "header is not");
	expect_reject("W10.e30.c2ln", "header is not");
	expect_reject("eyJhb.e30.c2ln", "header is not");

	char *tok = forge_ec(std_payload());
	expect_ok(tok);
	size_t len = strlen(tok);
	char *cut = strdup(tok);
	/* truncated signature, then no signature, then a cut payload */
	cut[len - 3] = '\0';
	expect_reject(cut, "signature");
	*(strrchr(cut, '.') + 1) = '\0';
	expect_reject(cut, "empty signature");
	*strrchr(cut, '.') = '\0';
	cut[strlen(cut) - 2] = '\0';
	expect_reject(cut, "three");
	free(cut);
	/* a payload that is not JSON, properly signed */
	char *bad = NULL;
	EVP_PKEY *k = load_private(dir, KID_EC_NEW);
	bad = forge_text("{\"alg\":\"ES256\",\"kid\":\"" KID_EC_NEW "\"}", "{\"exp\":", SIGN_ES256,
			 k, NULL, 0);
	expect_reject(bad, "payload is not");
	free(bad);
	EVP_PKEY_free(k);
	free(tok);
}
END_TEST

START_TEST(reject_oversized)
{
	/* A genuine signature over a payload that makes the token 8193+ bytes. */
	json_t *p = std_payload();
	char *big = malloc(7000);
	memset(big, 'a', 6999);
	big[6999] = '\0';
	json_object_set_new(p, "scope", json_string(big));
	free(big);
	char *tok = forge_ec(p);
	ck_assert_uint_gt(strlen(tok), JWT_TOKEN_MAX_LEN);
	expect_reject(tok, "larger than 8192");
	free(tok);
	/* 8 KiB of junk, then 1 MiB: refused before anything is decoded */
	char *junk = malloc(1 << 20);
	memset(junk, 'A', (1 << 20) - 1);
	junk[(1 << 20) - 1] = '\0';
	expect_reject(junk, "larger than 8192");
	junk[JWT_TOKEN_MAX_LEN + 1] = '\0';
	expect_reject(junk, "larger than 8192");
	free(junk);
}
END_TEST

/* ---- algorithm and key ---- */

START_TEST(reject_alg_none)
{
	static const char *const nones[] = { "none", "None", "NONE", "nOnE" };
	for (size_t i = 0; i < 4; i++) {
		char *tok = forge(header_of(nones[i], KID_EC_NEW), std_payload(), SIGN_NONE, NULL,
				  NULL, 0);
		ck_assert_int_eq(tok[strlen(tok) - 1], '.'); /* "h.p." */
		expect_reject(tok, "alg none refused");
		free(tok);
	}
	/* none, with a kid we do not have, or no kid, or a signature appended */
	char *tok = forge(header_of("none", NULL), std_payload(), SIGN_NONE, NULL, NULL, 0);
	expect_reject(tok, "alg none refused");
	free(tok);
	EVP_PKEY *k = load_private(dir, KID_EC_NEW);
	tok = forge(header_of("none", KID_EC_NEW), std_payload(), SIGN_ES256, k, NULL, 0);
	expect_reject(tok, "alg none refused");
	free(tok);
	EVP_PKEY_free(k);
	/* alg missing or not a string */
	tok = forge(json_pack("{ss}", "kid", KID_EC_NEW), std_payload(), SIGN_NONE, NULL, NULL, 0);
	expect_reject(tok, "alg missing");
	free(tok);
	tok = forge(json_pack("{siss}", "alg", 0, "kid", KID_EC_NEW), std_payload(), SIGN_NONE,
		    NULL, NULL, 0);
	expect_reject(tok, "alg missing");
	free(tok);
}
END_TEST

/* The classic confusion: our public key, as PEM, used as the HMAC secret. */
START_TEST(reject_hs256_with_public_key)
{
	static const char *const kids[] = { KID_RSA, KID_EC_NEW };
	for (size_t i = 0; i < 2; i++) {
		EVP_PKEY *k = load_private(dir, kids[i]);
		size_t pem_len = 0;
		char *pem = public_pem(k, &pem_len);
		char *tok = forge(header_of("HS256", kids[i]), std_payload(), SIGN_HS256, NULL,
				  pem, pem_len);
		/* libjwt alone falls for it: jwt_decode with the public key says yes. */
		jwt_t *j = NULL;
		ck_assert_int_eq(jwt_decode(&j, tok, (const unsigned char *)pem, (int)pem_len), 0);
		ck_assert_int_eq(jwt_get_alg(j), JWT_ALG_HS256);
		jwt_free(j);
		expect_reject(tok, "does not match key");
		free(tok);
		/* without the trailing newline, or with HS384/HS512: the same */
		tok = forge(header_of("HS256", kids[i]), std_payload(), SIGN_HS256, NULL, pem,
			    pem_len - 1);
		expect_reject(tok, "does not match key");
		free(tok);
		tok = forge(header_of("HS512", kids[i]), std_payload(), SIGN_HS256, NULL, pem,
			    pem_len);
		expect_reject(tok, "does not match key");
		free(tok);
		free(pem);
		EVP_PKEY_free(k);
	}
}
END_TEST

START_TEST(reject_alg_other_than_the_keys)
{
	EVP_PKEY *ec = load_private(dir, KID_EC_NEW);
	EVP_PKEY *rsa = load_private(dir, KID_RSA);
	/* RS256 under an EC kid, signed by our RSA key */
	char *tok = forge(header_of("RS256", KID_EC_NEW), std_payload(), SIGN_RS256, rsa, NULL, 0);
	expect_reject(tok, "alg RS256 does not match key " KID_EC_NEW);
	free(tok);
	/* ES256 under the RSA kid, signed by our EC key */
	tok = forge(header_of("ES256", KID_RSA), std_payload(), SIGN_ES256, ec, NULL, 0);
	expect_reject(tok, "alg ES256 does not match key " KID_RSA);
	free(tok);
	/* neighbours and spellings */
	static const char *const algs[] = { "ES384", "ES512", "RS512", "PS256", "es256", "ES256 " };
	for (size_t i = 0; i < 6; i++) {
		tok = forge(header_of(algs[i], KID_EC_NEW), std_payload(), SIGN_ES256, ec, NULL, 0);
		expect_reject(tok, "does not match key");
		free(tok);
	}
	EVP_PKEY_free(ec);
	EVP_PKEY_free(rsa);
}
END_TEST

START_TEST(reject_kid)
{
	EVP_PKEY *ec = load_private(dir, KID_EC_NEW);
	char *tok = forge(header_of("ES256", NULL), std_payload(), SIGN_ES256, ec, NULL, 0);
	expect_reject(tok, "kid missing");
	free(tok);
	tok = forge(header_of("ES256", "2027-01-ec"), std_payload(), SIGN_ES256, ec, NULL, 0);
	expect_reject(tok, "unknown kid");
	free(tok);
	tok = forge(header_of("ES256", "../" KID_EC_NEW), std_payload(), SIGN_ES256, ec, NULL, 0);
	expect_reject(tok, "unknown kid");
	free(tok);
	tok = forge(json_pack("{sssi}", "alg", "ES256", "kid", 3), std_payload(), SIGN_ES256, ec,
		    NULL, 0);
	expect_reject(tok, "kid missing");
	free(tok);
	/* a kid with an embedded NUL must not pass for ours (jansson refuses
	 * \u0000 without JSON_ALLOW_NUL) */
	tok = forge_text("{\"alg\":\"ES256\",\"kid\":\"" KID_EC_NEW "\\u0000x\"}",
			 "{\"iss\":\"" ISS "\"}", SIGN_ES256, ec, NULL, 0);
	expect_reject(tok, "header is not");
	free(tok);
	EVP_PKEY_free(ec);
}
END_TEST

/* Keys offered by the token itself are never used. */
START_TEST(reject_embedded_key_headers)
{
	EVP_PKEY *evil = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	BIGNUM *x = NULL, *y = NULL;
	ck_assert_int_eq(EVP_PKEY_get_bn_param(evil, OSSL_PKEY_PARAM_EC_PUB_X, &x), 1);
	ck_assert_int_eq(EVP_PKEY_get_bn_param(evil, OSSL_PKEY_PARAM_EC_PUB_Y, &y), 1);
	unsigned char xb[32], yb[32];
	BN_bn2binpad(x, xb, 32);
	BN_bn2binpad(y, yb, 32);
	char *xs = b64url(xb, 32), *ys = b64url(yb, 32);
	json_t *jwk = json_pack("{ssssssss}", "kty", "EC", "crv", "P-256", "x", xs, "y", ys);

	json_t *h = header_of("ES256", KID_EC_NEW);
	json_object_set(h, "jwk", jwk);
	char *tok = forge(h, std_payload(), SIGN_ES256, evil, NULL, 0);
	expect_reject(tok, "signature check failed");
	free(tok);

	h = header_of("ES256", KID_EC_NEW);
	json_object_set_new(h, "jku", json_string("https://evil.example/jwks.json"));
	json_object_set_new(h, "x5u", json_string("https://evil.example/cert.pem"));
	tok = forge(h, std_payload(), SIGN_ES256, evil, NULL, 0);
	expect_reject(tok, "signature check failed");
	free(tok);

	h = header_of("ES256", NULL);
	json_object_set(h, "jwk", jwk);
	tok = forge(h, std_payload(), SIGN_ES256, evil, NULL, 0);
	expect_reject(tok, "kid missing");
	free(tok);

	/* jku naming a real key of ours does no harm: the kid decides */
	h = header_of("ES256", KID_EC_NEW);
	json_object_set_new(h, "jku", json_string("https://evil.example/jwks.json"));
	EVP_PKEY *ours = load_private(dir, KID_EC_NEW);
	tok = forge(h, std_payload(), SIGN_ES256, ours, NULL, 0);
	expect_ok(tok);
	free(tok);
	EVP_PKEY_free(ours);

	json_decref(jwk);
	free(xs);
	free(ys);
	BN_free(x);
	BN_free(y);
	EVP_PKEY_free(evil);
}
END_TEST

START_TEST(reject_crit)
{
	json_t *h = header_of("ES256", KID_EC_NEW);
	json_object_set_new(h, "crit", json_pack("[s]", "exp"));
	EVP_PKEY *ec = load_private(dir, KID_EC_NEW);
	char *tok = forge(h, std_payload(), SIGN_ES256, ec, NULL, 0);
	expect_reject(tok, "crit header refused");
	free(tok);
	EVP_PKEY_free(ec);
}
END_TEST

/* ---- signature ---- */

START_TEST(reject_bad_signature)
{
	struct jwt_claims in = std_claims();
	char *tok = issue(&in);
	expect_ok(tok);
	/* one bit of the signature changed */
	char *bad = strdup(tok);
	flip_low_bit(strrchr(bad, '.') + 6);
	expect_reject(bad, "signature check failed");
	free(bad);

	/* the signature of another token of ours */
	in.exp += 1;
	char *other = issue(&in);
	bad = with_signature(tok, strrchr(other, '.') + 1);
	expect_reject(bad, "signature check failed");
	free(bad);

	/* signed by our older key, labelled with the newer one's kid */
	EVP_PKEY *old = load_private(dir, KID_EC_OLD);
	bad = forge(header_of("ES256", KID_EC_NEW), std_payload(), SIGN_ES256, old, NULL, 0);
	expect_reject(bad, "signature check failed");
	free(bad);
	EVP_PKEY_free(old);

	/* a signature of the wrong length, and zeros */
	bad = with_signature(tok, "AAAA");
	expect_reject(bad, "signature check failed");
	free(bad);
	unsigned char zeros[64] = { 0 };
	char *z = b64url(zeros, sizeof(zeros));
	bad = with_signature(tok, z);
	expect_reject(bad, "signature check failed");
	free(bad);
	free(z);
	free(other);
	free(tok);
}
END_TEST

/* ECDSA signatures are malleable: (r, n - s) verifies wherever (r, s) does.
 * Only the low-S form is ours, so that a token has one signature only. */
START_TEST(reject_high_s_signature)
{
	struct jwt_claims in = std_claims();
	for (int i = 0; i < 8; i++) {
		char *tok = issue(&in);
		unsigned char sig[64];
		token_signature(tok, sig);
		ck_assert_msg(!s_is_high(sig + 32), "token %d was issued with a high S", i);
		expect_ok(tok);
		s_negate(sig + 32);
		ck_assert(s_is_high(sig + 32));
		char *other = b64url(sig, sizeof(sig));
		char *bad = with_signature(tok, other);
		expect_reject(bad, "high S");
		free(bad);
		free(other);
		free(tok);
	}
	/* Made by hand too (the forging helper signs in the low form). */
	char *tok = forge_ec(std_payload());
	expect_ok(tok);
	unsigned char sig[64];
	token_signature(tok, sig);
	s_negate(sig + 32);
	char *other = b64url(sig, sizeof(sig));
	char *bad = with_signature(tok, other);
	expect_reject(bad, "high S");
	free(bad);
	free(other);
	free(tok);
	/* s = 0 and s = n are no signatures at all. */
	tok = forge_ec(std_payload());
	token_signature(tok, sig);
	memset(sig + 32, 0, 32);
	other = b64url(sig, sizeof(sig));
	bad = with_signature(tok, other);
	expect_reject(bad, "");
	free(bad);
	free(other);
	memcpy(sig + 32, p256_n, 32);
	other = b64url(sig, sizeof(sig));
	bad = with_signature(tok, other);
	expect_reject(bad, "high S");
	free(bad);
	free(other);
	free(tok);
}
END_TEST

/* OpenSSL draws either form; about half of 200 signatures would be high. */
START_TEST(issued_tokens_have_low_s)
{
	struct jwt_claims in = std_claims();
	for (int i = 0; i < 200; i++) {
		char *tok = issue(&in);
		unsigned char sig[64];
		token_signature(tok, sig);
		ck_assert_msg(!s_is_high(sig + 32), "token %d was issued with a high S", i);
		expect_ok(tok);
		free(tok);
	}
}
END_TEST

START_TEST(reject_altered_payload)
{
	struct jwt_claims in = std_claims();
	char *tok = issue(&in);
	const char *dot1 = strchr(tok, '.');
	const char *dot2 = strrchr(tok, '.');
	size_t plen = 0;
	unsigned char *payload = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), &plen);
	/* A bailiff promotes itself to prefecture, keeping the signature. */
	json_t *p = json_loads((const char *)payload, 0, NULL);
	ck_assert_ptr_nonnull(p);
	json_object_set_new(p, "kind", json_string("prefecture"));
	json_object_set_new(p, "scope", json_string("admin"));
	char *text = json_dumps(p, JSON_COMPACT);
	char *enc = b64url(text, strlen(text));
	size_t n = strlen(tok) + strlen(enc) + 4;
	char *bad = malloc(n);
	snprintf(bad, n, "%.*s.%s%s", (int)(dot1 - tok), tok, enc, dot2);
	expect_reject(bad, "signature check failed");
	free(bad);
	free(enc);
	free(text);
	json_decref(p);

	/* one bit of the payload changed: the lowest of its third byte, the
	 * first letter of the first claim name, so that it stays JSON */
	bad = strdup(tok);
	flip_low_bit(bad + (dot1 - tok) + 4);
	expect_reject(bad, "signature check failed");
	free(bad);
	free(payload);
	free(tok);
}
END_TEST

/* Duplicate members, signed: libjwt would keep the last, we refuse both. */
START_TEST(reject_duplicate_members)
{
	EVP_PKEY *ec = load_private(dir, KID_EC_NEW);
	char payload[1024];
	snprintf(payload, sizeof(payload),
		 "{\"iss\":\"%s\",\"aud\":\"%s\",\"sub\":\"c\",\"org\":\"o1\",\"kind\":\"bailiff\","
		 "\"kind\":\"prefecture\",\"scope\":\"\",\"jti\":\"j\",\"iat\":%lld,\"exp\":%lld}",
		 ISS, AUD, (long long)NOW, (long long)NOW + 60);
	char *tok = forge_text("{\"alg\":\"ES256\",\"kid\":\"" KID_EC_NEW "\"}", payload,
			       SIGN_ES256, ec, NULL, 0);
	expect_reject(tok, "payload is not");
	free(tok);
	tok = forge_text("{\"alg\":\"ES256\",\"kid\":\"" KID_EC_NEW "\",\"kid\":\"" KID_RSA "\"}",
			 payload, SIGN_ES256, ec, NULL, 0);
	expect_reject(tok, "header is not");
	free(tok);
	EVP_PKEY_free(ec);
}
END_TEST

/* ---- claims ---- */

START_TEST(reject_exp)
{
	json_t *p = std_payload();
	json_object_del(p, "exp");
	char *tok = forge_ec(p);
	expect_reject(tok, "exp missing");
	free(tok);

	p = std_payload();
	json_object_set_new(p, "exp", json_integer(NOW));
	tok = forge_ec(p);
	expect_reject(tok, "expired");
	free(tok);

	p = std_payload();
	json_object_set_new(p, "exp", json_integer(NOW - 1));
	tok = forge_ec(p);
	expect_reject(tok, "expired");
	free(tok);

	/* no skew is granted on exp */
	p = std_payload();
	json_object_set_new(p, "exp", json_integer(NOW - SKEW / 2));
	tok = forge_ec(p);
	expect_reject(tok, "expired");
	free(tok);

	p = std_payload();
	json_object_set_new(p, "exp", json_string("9999999999"));
	tok = forge_ec(p);
	expect_reject(tok, "exp not an integer");
	free(tok);

	p = std_payload();
	json_object_set_new(p, "exp", json_real(9999999999.0));
	tok = forge_ec(p);
	expect_reject(tok, "exp not an integer");
	free(tok);

	p = std_payload();
	json_object_set_new(p, "exp", json_null());
	tok = forge_ec(p);
	expect_reject(tok, "exp not an integer");
	free(tok);

	p = std_payload();
	json_object_set_new(p, "exp", json_integer(NOW + 1));
	tok = forge_ec(p);
	expect_ok(tok);
	free(tok);
}
END_TEST

START_TEST(reject_nbf_iat_in_future)
{
	json_t *p = std_payload();
	json_object_set_new(p, "nbf", json_integer(NOW + SKEW + 1));
	char *tok = forge_ec(p);
	expect_reject(tok, "not valid before");
	free(tok);

	p = std_payload();
	json_object_set_new(p, "nbf", json_integer(NOW + SKEW));
	tok = forge_ec(p);
	expect_ok(tok);
	free(tok);

	p = std_payload();
	json_object_set_new(p, "nbf", json_string("0"));
	tok = forge_ec(p);
	expect_reject(tok, "nbf not an integer");
	free(tok);

	p = std_payload();
	json_object_set_new(p, "iat", json_integer(NOW + SKEW + 1));
	tok = forge_ec(p);
	expect_reject(tok, "iat");
	free(tok);

	p = std_payload();
	json_object_set_new(p, "iat", json_integer(NOW + SKEW));
	json_object_set_new(p, "nbf", json_integer(NOW + SKEW));
	tok = forge_ec(p);
	expect_ok(tok);
	free(tok);

	p = std_payload();
	json_object_del(p, "iat");
	tok = forge_ec(p);
	expect_reject(tok, "iat missing");
	free(tok);
}
END_TEST

START_TEST(reject_iss_aud)
{
	json_t *p = std_payload();
	json_object_set_new(p, "iss", json_string("https://evil.example"));
	char *tok = forge_ec(p);
	expect_reject(tok, "wrong iss");
	free(tok);

	p = std_payload();
	json_object_set_new(p, "iss", json_string(ISS "/"));
	tok = forge_ec(p);
	expect_reject(tok, "wrong iss");
	free(tok);

	p = std_payload();
	json_object_del(p, "iss");
	tok = forge_ec(p);
	expect_reject(tok, "iss missing");
	free(tok);

	p = std_payload();
	json_object_set_new(p, "aud", json_string("other-api"));
	tok = forge_ec(p);
	expect_reject(tok, "aud");
	free(tok);

	p = std_payload();
	json_object_set_new(p, "aud", json_pack("[ss]", "other-api", AUD "x"));
	tok = forge_ec(p);
	expect_reject(tok, "aud");
	free(tok);

	p = std_payload();
	json_object_set_new(p, "aud", json_array());
	tok = forge_ec(p);
	expect_reject(tok, "aud");
	free(tok);

	p = std_payload();
	json_object_set_new(p, "aud", json_pack("{ss}", "aud", AUD));
	tok = forge_ec(p);
	expect_reject(tok, "aud");
	free(tok);

	p = std_payload();
	json_object_del(p, "aud");
	tok = forge_ec(p);
	expect_reject(tok, "aud");
	free(tok);
}
END_TEST

START_TEST(reject_missing_identity_claims)
{
	static const char *const names[] = { "sub", "org", "kind", "scope", "jti" };
	for (size_t i = 0; i < 5; i++) {
		json_t *p = std_payload();
		json_object_del(p, names[i]);
		char *tok = forge_ec(p);
		expect_reject(tok, names[i]);
		free(tok);
		p = std_payload();
		json_object_set_new(p, names[i], json_integer(1));
		tok = forge_ec(p);
		expect_reject(tok, names[i]);
		free(tok);
	}
	json_t *p = std_payload();
	json_object_set_new(p, "sub", json_string(""));
	char *tok = forge_ec(p);
	expect_reject(tok, "sub empty");
	free(tok);
	/* too long for struct jwt_claims: refused, not truncated */
	char org[200];
	memset(org, 'a', sizeof(org) - 1);
	org[sizeof(org) - 1] = '\0';
	p = std_payload();
	json_object_set_new(p, "org", json_string(org));
	tok = forge_ec(p);
	expect_reject(tok, "org longer than");
	free(tok);
}
END_TEST

START_TEST(reject_misconfigured_verifier)
{
	struct jwt_claims in = std_claims();
	char *tok = issue(&in);
	struct jwt_claims out;
	char reason[128];
	struct jwt_verify_opts o = opts;
	o.issuer = NULL;
	ck_assert_int_eq(jwt_token_verify(&out, ring, tok, &o, reason, sizeof(reason)), -1);
	ck_assert_int_eq(jwt_token_verify(&out, NULL, tok, &opts, reason, sizeof(reason)), -1);
	ck_assert_int_eq(jwt_token_verify(&out, ring, tok, NULL, reason, sizeof(reason)), -1);
	/* a short reason buffer is cut, not overrun */
	char tiny[4] = "xyz";
	ck_assert_int_eq(jwt_token_verify(&out, ring, "x", &opts, tiny, sizeof(tiny)), -1);
	ck_assert_int_eq(tiny[3], '\0');
	free(tok);
}
END_TEST

/* ---- rotation and keyring ---- */

START_TEST(rotation)
{
	char d[256];
	struct err err = { 0 };
	struct jwt_keyring *r1 = NULL, *r2 = NULL, *r3 = NULL;
	make_dir(d, sizeof(d));
	ck_assert_int_eq(jwt_keyring_generate_key(d, "2026-01", &err), ERR_OK);
	ck_assert_int_eq(jwt_keyring_load(&r1, d, &err), ERR_OK);
	struct jwt_claims in = std_claims();
	char *old_tok = NULL;
	ck_assert_int_eq(jwt_token_issue(&old_tok, r1, &in, &err), ERR_OK);

	/* a newer key is added: it signs, the older one still verifies */
	ck_assert_int_eq(jwt_keyring_generate_key(d, "2026-07", &err), ERR_OK);
	ck_assert_int_eq(jwt_keyring_load(&r2, d, &err), ERR_OK);
	ck_assert_uint_eq(jwt_keyring_count(r2), 2);
	ck_assert_str_eq(jwt_keyring_signing_kid(r2), "2026-07");
	struct jwt_claims out;
	char reason[256] = "";
	ck_assert_msg(jwt_token_verify(&out, r2, old_tok, &opts, reason, sizeof(reason)) == 0,
		      "%s", reason);
	char *new_tok = NULL;
	ck_assert_int_eq(jwt_token_issue(&new_tok, r2, &in, &err), ERR_OK);
	ck_assert_int_eq(jwt_token_verify(&out, r2, new_tok, &opts, reason, sizeof(reason)), 0);
	/* the old keyring does not know the new key */
	ck_assert_int_eq(jwt_token_verify(&out, r1, new_tok, &opts, reason, sizeof(reason)), -1);
	ck_assert_ptr_nonnull(strstr(reason, "unknown kid"));

	/* the older key is retired: its tokens stop verifying */
	char path[512];
	snprintf(path, sizeof(path), "%s/2026-01.pem", d);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(jwt_keyring_load(&r3, d, &err), ERR_OK);
	ck_assert_int_eq(jwt_token_verify(&out, r3, old_tok, &opts, reason, sizeof(reason)), -1);
	ck_assert_ptr_nonnull(strstr(reason, "unknown kid"));
	ck_assert_int_eq(jwt_token_verify(&out, r3, new_tok, &opts, reason, sizeof(reason)), 0);

	free(old_tok);
	free(new_tok);
	jwt_keyring_free(r1);
	jwt_keyring_free(r2);
	jwt_keyring_free(r3);
	remove_dir(d);
}
END_TEST

/* Verifies an ES256 token with nothing but the JWK's x and y. */
static void verify_with_jwk(const json_t *jwk, const char *tok)
{
	size_t xl = 0, yl = 0;
	const char *xs = json_string_value(json_object_get(jwk, "x"));
	const char *ys = json_string_value(json_object_get(jwk, "y"));
	unsigned char *x = b64url_decode(xs, strlen(xs), &xl);
	unsigned char *y = b64url_decode(ys, strlen(ys), &yl);
	ck_assert_uint_eq(xl, 32);
	ck_assert_uint_eq(yl, 32);
	unsigned char point[65];
	point[0] = 0x04;
	memcpy(point + 1, x, 32);
	memcpy(point + 33, y, 32);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
	OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point));
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *pub = NULL;
	ck_assert_int_eq(EVP_PKEY_fromdata_init(pctx), 1);
	ck_assert_int_eq(EVP_PKEY_fromdata(pctx, &pub, EVP_PKEY_PUBLIC_KEY, params), 1);

	const char *dot2 = strrchr(tok, '.');
	size_t sl = 0;
	unsigned char *raw = b64url_decode(dot2 + 1, strlen(dot2 + 1), &sl);
	ck_assert_uint_eq(sl, 64);
	ECDSA_SIG *sig = ECDSA_SIG_new();
	ECDSA_SIG_set0(sig, BN_bin2bn(raw, 32, NULL), BN_bin2bn(raw + 32, 32, NULL));
	unsigned char *der = NULL;
	int der_len = i2d_ECDSA_SIG(sig, &der);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	ck_assert_int_eq(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pub), 1);
	ck_assert_int_eq(EVP_DigestVerify(md, der, (size_t)der_len, (const unsigned char *)tok,
					  (size_t)(dot2 - tok)), 1);
	EVP_MD_CTX_free(md);
	OPENSSL_free(der);
	ECDSA_SIG_free(sig);
	free(raw);
	EVP_PKEY_free(pub);
	EVP_PKEY_CTX_free(pctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	free(x);
	free(y);
}

/* A token verified once is remembered: the next verification answers the
 * same without checking the signature again, yet time still counts, and
 * neither another audience nor a changed byte gets the remembered answer. */
START_TEST(verified_tokens_are_remembered)
{
	struct jwt_claims want = std_claims();
	want.nbf = NOW + 30;   /* within the skew at NOW */
	char *tok = issue(&want);
	struct jwt_claims got;
	char reason[256] = "";
	size_t hits = jwt_keyring_verified_hits(ring);

	ck_assert_int_eq(jwt_token_verify(&got, ring, tok, &opts, reason, sizeof(reason)), 0);
	ck_assert_uint_eq(jwt_keyring_verified_hits(ring), hits);
	ck_assert_int_eq(jwt_token_verify(&got, ring, tok, &opts, reason, sizeof(reason)), 0);
	ck_assert_uint_eq(jwt_keyring_verified_hits(ring), hits + 1);
	ck_assert_str_eq(got.sub, want.sub);
	ck_assert_str_eq(got.org, want.org);
	ck_assert_str_eq(got.scope, want.scope);
	ck_assert_int_eq(got.exp, want.exp);

	/* time passes: expired, though remembered */
	struct jwt_verify_opts later = opts;
	later.now = (time_t)want.exp;
	ck_assert_int_eq(jwt_token_verify(&got, ring, tok, &later, reason, sizeof(reason)), -1);
	ck_assert_ptr_nonnull(strstr(reason, "expired"));
	ck_assert_int_eq(got.exp, 0);
	ck_assert_uint_eq(jwt_keyring_verified_hits(ring), hits + 2);

	/* not yet valid when the clock is earlier than nbf beyond the skew */
	struct jwt_verify_opts earlier = opts;
	earlier.now = (time_t)(want.nbf - SKEW - 1);
	ck_assert_int_eq(jwt_token_verify(&got, ring, tok, &earlier, reason, sizeof(reason)), -1);
	ck_assert_ptr_nonnull(strstr(reason, "before"));

	/* another audience is another question */
	struct jwt_verify_opts other = opts;
	other.audience = "https://elsewhere.example";
	ck_assert_int_eq(jwt_token_verify(&got, ring, tok, &other, reason, sizeof(reason)), -1);
	ck_assert_ptr_nonnull(strstr(reason, "aud"));

	/* one byte of the signature changed: checked in full, refused */
	size_t len = strlen(tok);
	tok[len - 2] = tok[len - 2] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(jwt_token_verify(&got, ring, tok, &opts, reason, sizeof(reason)), -1);
	ck_assert_ptr_nonnull(strstr(reason, "signature"));
	free(tok);
}
END_TEST

START_TEST(jwks_public_only)
{
	json_t *jwks = jwt_keyring_jwks(ring);
	ck_assert_ptr_nonnull(jwks);
	ck_assert_uint_eq(json_object_size(jwks), 1);
	json_t *keys = json_object_get(jwks, "keys");
	ck_assert(json_is_array(keys));
	ck_assert_uint_eq(json_array_size(keys), 3);
	static const char *const private_members[] = { "d", "p", "q", "dp", "dq", "qi", "oth", "k" };
	int ec = 0, rsa = 0;
	size_t i;
	json_t *k;
	json_array_foreach(keys, i, k) {
		for (size_t m = 0; m < sizeof(private_members) / sizeof(private_members[0]); m++)
			ck_assert_ptr_null(json_object_get(k, private_members[m]));
		ck_assert_str_eq(json_string_value(json_object_get(k, "use")), "sig");
		const char *kid = json_string_value(json_object_get(k, "kid"));
		const char *kty = json_string_value(json_object_get(k, "kty"));
		ck_assert_ptr_nonnull(kid);
		if (strcmp(kty, "EC") == 0) {
			ec++;
			ck_assert_uint_eq(json_object_size(k), 7);
			ck_assert_str_eq(json_string_value(json_object_get(k, "crv")), "P-256");
			ck_assert_str_eq(json_string_value(json_object_get(k, "alg")), "ES256");
			ck_assert_uint_eq(strlen(json_string_value(json_object_get(k, "x"))), 43);
			ck_assert_uint_eq(strlen(json_string_value(json_object_get(k, "y"))), 43);
			ck_assert(strcmp(kid, KID_EC_OLD) == 0 || strcmp(kid, KID_EC_NEW) == 0);
			if (strcmp(kid, KID_EC_NEW) == 0) {
				struct jwt_claims in = std_claims();
				char *tok = issue(&in);
				verify_with_jwk(k, tok);
				free(tok);
			}
		} else {
			ck_assert_str_eq(kty, "RSA");
			rsa++;
			ck_assert_uint_eq(json_object_size(k), 6);
			ck_assert_str_eq(kid, KID_RSA);
			ck_assert_str_eq(json_string_value(json_object_get(k, "alg")), "RS256");
			ck_assert_str_eq(json_string_value(json_object_get(k, "e")), "AQAB");
			/* 2048 bits: 256 bytes, 342 base64url characters */
			ck_assert_uint_eq(strlen(json_string_value(json_object_get(k, "n"))), 342);
		}
	}
	ck_assert_int_eq(ec, 2);
	ck_assert_int_eq(rsa, 1);
	/* a copy: changing it leaves the keyring alone */
	json_object_set_new(json_array_get(keys, 0), "d", json_string("x"));
	json_decref(jwks);
	jwks = jwt_keyring_jwks(ring);
	ck_assert_ptr_null(json_object_get(json_array_get(json_object_get(jwks, "keys"), 0), "d"));
	json_decref(jwks);
}
END_TEST

START_TEST(generate_key_file)
{
	struct err err = { 0 };
	char path[512];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s.pem", dir, KID_EC_NEW);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	/* never overwrites */
	ck_assert_int_eq(jwt_keyring_generate_key(dir, KID_EC_NEW, &err), ERR_CONFLICT);
	ck_assert_int_eq(jwt_keyring_generate_key(dir, "", &err), ERR_INVALID);
	ck_assert_int_eq(jwt_keyring_generate_key(dir, "../escape", &err), ERR_INVALID);
	ck_assert_int_eq(jwt_keyring_generate_key(dir, "a/b", &err), ERR_INVALID);
	ck_assert_int_eq(jwt_keyring_generate_key(dir, ".hidden", &err), ERR_INVALID);
	ck_assert_int_eq(jwt_keyring_generate_key(dir, "sp ace", &err), ERR_INVALID);
	ck_assert_int_eq(jwt_keyring_generate_key(dir, NULL, &err), ERR_INVALID);
	char long_kid[80];
	memset(long_kid, 'k', sizeof(long_kid) - 1);
	long_kid[sizeof(long_kid) - 1] = '\0';
	ck_assert_int_eq(jwt_keyring_generate_key(dir, long_kid, &err), ERR_INVALID);
	ck_assert_int_ne(jwt_keyring_generate_key("/nonexistent/prevex", "k", &err), ERR_OK);
	/* nothing but the three keys is left behind */
	DIR *d = opendir(dir);
	int files = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			files++;
	closedir(d);
	ck_assert_int_eq(files, 3);
}
END_TEST

START_TEST(load_refuses_bad_folders)
{
	struct err err = { 0 };
	struct jwt_keyring *r = NULL;
	char d[256];
	jwt_keyring_free(NULL);

	ck_assert_int_eq(jwt_keyring_load(&r, "/nonexistent/prevex", &err), ERR_INVALID);
	ck_assert_ptr_null(r);

	make_dir(d, sizeof(d));
	ck_assert_int_eq(jwt_keyring_load(&r, d, &err), ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.message, "no <kid>.pem"));

	/* ignored: not .pem, hidden */
	write_text(d, "README", "keys live here\n");
	write_text(d, ".2026-01.pem.tmp", "partial");
	write_text(d, ".hidden.pem", "junk");
	ck_assert_int_eq(jwt_keyring_load(&r, d, &err), ERR_INVALID);
	ck_assert_int_eq(jwt_keyring_generate_key(d, "k1", &err), ERR_OK);
	ck_assert_int_eq(jwt_keyring_load(&r, d, &err), ERR_OK);
	ck_assert_uint_eq(jwt_keyring_count(r), 1);
	jwt_keyring_free(r);
	r = NULL;

	/* refused loudly: junk, a public key, weak or unsupported keys, a bad name */
	write_text(d, "junk.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
	ck_assert_int_eq(jwt_keyring_load(&r, d, &err), ERR_INVALID);
	ck_assert_ptr_null(r);
	ck_assert_ptr_nonnull(strstr(err.message, "junk.pem"));
	char path[512];
	snprintf(path, sizeof(path), "%s/junk.pem", d);
	unlink(path);

	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	write_pem(d, "p384.pem", k);
	ck_assert_int_eq(jwt_keyring_load(&r, d, &err), ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.message, "P-256"));
	EVP_PKEY_free(k);
	snprintf(path, sizeof(path), "%s/p384.pem", d);
	unlink(path);

	k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	write_pem(d, "rsa1024.pem", k);
	ck_assert_int_eq(jwt_keyring_load(&r, d, &err), ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.message, "2048"));
	EVP_PKEY_free(k);
	snprintf(path, sizeof(path), "%s/rsa1024.pem", d);
	unlink(path);

	k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	write_pem(d, "ed.pem", k);
	ck_assert_int_eq(jwt_keyring_load(&r, d, &err), ERR_INVALID);
	EVP_PKEY_free(k);
	snprintf(path, sizeof(path), "%s/ed.pem", d);
	unlink(path);

	write_text(d, "bad kid.pem", "x");
	ck_assert_int_eq(jwt_keyring_load(&r, d, &err), ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.message, "kid"));
	snprintf(path, sizeof(path), "%s/bad kid.pem", d);
	unlink(path);

	ck_assert_int_eq(jwt_keyring_load(&r, d, &err), ERR_OK);
	jwt_keyring_free(r);
	remove_dir(d);
}
END_TEST

static Suite *jwt_suite(void)
{
	Suite *s = suite_create("jwt");
	TCase *tc = tcase_create("jwt");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, issue_and_verify);
	tcase_add_test(tc, issue_with_explicit_rsa_key);
	tcase_add_test(tc, many_tokens_verify_and_differ);
	tcase_add_test(tc, issue_refuses_bad_claims);
	tcase_add_test(tc, hand_made_tokens_are_accepted);
	tcase_add_test(tc, reject_shape);
	tcase_add_test(tc, reject_oversized);
	tcase_add_test(tc, reject_alg_none);
	tcase_add_test(tc, reject_hs256_with_public_key);
	tcase_add_test(tc, reject_alg_other_than_the_keys);
	tcase_add_test(tc, reject_kid);
	tcase_add_test(tc, reject_embedded_key_headers);
	tcase_add_test(tc, reject_crit);
	tcase_add_test(tc, reject_bad_signature);
	tcase_add_test(tc, reject_high_s_signature);
	tcase_add_test(tc, issued_tokens_have_low_s);
	tcase_add_test(tc, reject_altered_payload);
	tcase_add_test(tc, reject_duplicate_members);
	tcase_add_test(tc, reject_exp);
	tcase_add_test(tc, reject_nbf_iat_in_future);
	tcase_add_test(tc, reject_iss_aud);
	tcase_add_test(tc, reject_missing_identity_claims);
	tcase_add_test(tc, reject_misconfigured_verifier);
	tcase_add_test(tc, rotation);
	tcase_add_test(tc, verified_tokens_are_remembered);
	tcase_add_test(tc, jwks_public_only);
	tcase_add_test(tc, generate_key_file);
	tcase_add_test(tc, load_refuses_bad_folders);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	json_object_seed(0);
	rsa_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	if (rsa_key == NULL)
		return EXIT_FAILURE;
	SRunner *sr = srunner_create(jwt_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	EVP_PKEY_free(rsa_key);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
