/* Issue 3 end to end: organisations, clients, tokens, verification on every
 * request, per-organisation access and the audit log. */
#include <check.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "tests/api/fixtures.h"
#include "tests/api/harness.h"

static struct harness server;
static struct party admin;
static const char *keys_env; /* "PREVEX_JWT_KEYS_DIR=..." */

static void setup(void)
{
	keys_env = fixtures_keys_env();
	const char *env[] = { keys_env, NULL };
	if (harness_start(&server, env) != 0) {
		fprintf(stderr, "harness: %s\n", server.error);
		abort();
	}
}

static void teardown(void)
{
	harness_stop(&server);
}

/* Each test gets its own administrator: nothing is shared between tests. */
static void admin_new(void)
{
	fixtures_admin(&server, &admin);
}

static int get_status(const struct party *p, const char *path)
{
	struct http_response resp = { 0 };
	int status = fixtures_call(&server, p, "GET", path, NULL, NULL, &resp);
	http_response_free(&resp);
	return status;
}

/* The members of a 401 that must never vary with the cause. */
static void assert_plain_401(const struct party *p, const char *path, const char *extra_headers,
			     const char *token_override)
{
	struct party forged;
	const struct party *who = p;
	if (token_override != NULL) {
		memset(&forged, 0, sizeof(forged));
		snprintf(forged.token, sizeof(forged.token), "%s", token_override);
		who = &forged;
	}
	struct http_response resp = { 0 };
	int status = fixtures_call(&server, who, "GET", path, NULL, extra_headers, &resp);
	ck_assert_int_eq(status, 401);
	ck_assert_str_eq(http_response_header(&resp, "WWW-Authenticate"), "Bearer error=\"invalid_token\"");
	ck_assert_str_eq(http_response_header(&resp, "Content-Type"), "application/problem+json");
	json_t *j = harness_json(&resp);
	ck_assert_str_eq(json_string_value(json_object_get(j, "detail")), "a valid bearer token is required");
	ck_assert_str_eq(json_string_value(json_object_get(j, "type")), "/problems/unauthorized");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "status")), 401);
	ck_assert_int_eq(json_object_size(j), 7); /* type code title status detail request_id instance */
	ck_assert_str_eq(json_string_value(json_object_get(j, "code")), "unauthorized");
	json_decref(j);
	http_response_free(&resp);
}

static void b64url(const char *in, char *out)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t n = strlen(in), o = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)in[i] << 16;
		if (i + 1 < n)
			v |= (unsigned char)in[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)in[i + 2];
		out[o++] = tbl[(v >> 18) & 63];
		out[o++] = tbl[(v >> 12) & 63];
		if (i + 1 < n)
			out[o++] = tbl[(v >> 6) & 63];
		if (i + 2 < n)
			out[o++] = tbl[v & 63];
	}
	out[o] = '\0';
}

START_TEST(token_by_basic_form_and_json)
{
	admin_new();
	struct party bailiff;
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	char basic_in[160], basic[256], headers[400];
	snprintf(basic_in, sizeof(basic_in), "%s:%s", bailiff.client_id, bailiff.secret);
	/* Basic is plain base64, not base64url: the ids and secrets use no
	 * character where the two differ except - and _, so translate back. */
	b64url(basic_in, basic);
	for (char *c = basic; *c; c++)
		*c = *c == '-' ? '+' : *c == '_' ? '/' : *c;
	while (strlen(basic) % 4)
		strcat(basic, "=");
	snprintf(headers, sizeof(headers), "Authorization: Basic %s\r\nContent-Type: application/x-www-form-urlencoded\r\n",
		 basic);
	struct http_response resp = { 0 };
	const char *form = "grant_type=client_credentials";
	ck_assert_int_eq(http_send(&resp, HARNESS_HOST, server.port, "POST", "/v1/token", headers, form, strlen(form)), 0);
	ck_assert_int_eq(resp.status, 200);
	json_t *j = harness_json(&resp);
	ck_assert_str_eq(json_string_value(json_object_get(j, "token_type")), "Bearer");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "expires_in")), 900);
	ck_assert_str_eq(json_string_value(json_object_get(j, "scope")), "read write");
	ck_assert_str_eq(http_response_header(&resp, "Cache-Control"), "no-store");
	json_decref(j);
	http_response_free(&resp);

	char body[300];
	snprintf(body, sizeof(body), "grant_type=client_credentials&client_id=%s&client_secret=%s", bailiff.client_id,
		 bailiff.secret);
	ck_assert_int_eq(http_send(&resp, HARNESS_HOST, server.port, "POST", "/v1/token",
				   "Content-Type: application/x-www-form-urlencoded\r\n", body, strlen(body)), 0);
	ck_assert_int_eq(resp.status, 200);
	http_response_free(&resp);

	/* JSON, with a narrower scope. */
	snprintf(body, sizeof(body), "{\"grant_type\":\"client_credentials\",\"client_id\":\"%s\",\"client_secret\":\"%s\",\"scope\":\"read\"}",
		 bailiff.client_id, bailiff.secret);
	int status;
	j = fixtures_call_json(&server, NULL, "POST", "/v1/token", body, NULL, &status);
	ck_assert_int_eq(status, 200);
	ck_assert_str_eq(json_string_value(json_object_get(j, "scope")), "read");
	json_decref(j);
}
END_TEST

START_TEST(token_refusals)
{
	admin_new();
	struct party bailiff;
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	char body[300];
	int status;

	snprintf(body, sizeof(body), "{\"grant_type\":\"client_credentials\",\"client_id\":\"%s\",\"client_secret\":\"pvx_wrong\"}",
		 bailiff.client_id);
	json_t *wrong = fixtures_call_json(&server, NULL, "POST", "/v1/token", body, NULL, &status);
	ck_assert_int_eq(status, 401);
	ck_assert_str_eq(json_string_value(json_object_get(wrong, "error")), "invalid_client");

	/* The same answer for a client that does not exist. */
	json_t *unknown = fixtures_call_json(&server, NULL, "POST", "/v1/token",
		"{\"grant_type\":\"client_credentials\",\"client_id\":\"00000000-0000-4000-8000-000000000000\",\"client_secret\":\"pvx_x\"}",
		NULL, &status);
	ck_assert_int_eq(status, 401);
	ck_assert_str_eq(json_string_value(json_object_get(unknown, "detail")),
			 json_string_value(json_object_get(wrong, "detail")));
	ck_assert_str_eq(json_string_value(json_object_get(unknown, "error")), "invalid_client");
	json_decref(wrong);
	json_decref(unknown);

	json_t *j = fixtures_call_json(&server, NULL, "POST", "/v1/token", "{\"grant_type\":\"password\"}", NULL, &status);
	ck_assert_int_eq(status, 400);
	ck_assert_str_eq(json_string_value(json_object_get(j, "error")), "unsupported_grant_type");
	json_decref(j);

	snprintf(body, sizeof(body), "{\"grant_type\":\"client_credentials\",\"client_id\":\"%s\",\"client_secret\":\"%s\",\"scope\":\"admin\"}",
		 bailiff.client_id, bailiff.secret);
	j = fixtures_call_json(&server, NULL, "POST", "/v1/token", body, NULL, &status);
	ck_assert_int_eq(status, 400);
	ck_assert_str_eq(json_string_value(json_object_get(j, "error")), "invalid_scope");
	json_decref(j);
}
END_TEST

START_TEST(repeated_failures_are_throttled)
{
	admin_new();
	struct party caf;
	fixtures_party(&server, &admin, "caf", NULL, NULL, &caf);
	char body[300];
	snprintf(body, sizeof(body), "{\"grant_type\":\"client_credentials\",\"client_id\":\"%s\",\"client_secret\":\"pvx_no\"}",
		 caf.client_id);
	int status = 0;
	for (int i = 0; i < 5; i++) {
		json_decref(fixtures_call_json(&server, NULL, "POST", "/v1/token", body, NULL, &status));
		ck_assert_int_eq(status, 401);
	}
	struct http_response resp = { 0 };
	ck_assert_int_eq(fixtures_call(&server, NULL, "POST", "/v1/token", body, NULL, &resp), 429);
	ck_assert_ptr_nonnull(http_response_header(&resp, "Retry-After"));
	ck_assert_int_gt(atoi(http_response_header(&resp, "Retry-After")), 0);
	http_response_free(&resp);
	/* Even the right secret waits for the window to pass. */
	snprintf(body, sizeof(body), "{\"grant_type\":\"client_credentials\",\"client_id\":\"%s\",\"client_secret\":\"%s\"}",
		 caf.client_id, caf.secret);
	json_decref(fixtures_call_json(&server, NULL, "POST", "/v1/token", body, NULL, &status));
	ck_assert_int_eq(status, 429);
}
END_TEST

/* A loopback address of its own for each test run (127.x.y.z, never
 * 127.0.0.1): the throttling rows of earlier runs never meet this one's. */
static void random_source(char *out, size_t len)
{
	unsigned int r = 0;
	ck_assert_int_eq(getrandom(&r, sizeof(r), 0), (ssize_t)sizeof(r));
	snprintf(out, len, "127.%u.%u.%u", 1 + (r % 254), (r >> 8) & 0xff, 1 + ((r >> 16) % 254));
}

/* POST /v1/token with client_id and secret from the source address (NULL:
 * 127.0.0.1); the status, and Retry-After into retry_after (0 when absent). */
static int token_from(const char *source, const char *client_id, const char *secret, int *retry_after)
{
	char body[400];
	snprintf(body, sizeof(body), "{\"grant_type\":\"client_credentials\",\"client_id\":\"%s\",\"client_secret\":\"%s\"}",
		 client_id, secret);
	struct http_response resp = { 0 };
	int rc = http_send_from(&resp, source, HARNESS_HOST, server.port, "POST", "/v1/token",
				"Content-Type: application/json\r\n", body, strlen(body));
	ck_assert_msg(rc == 0, "POST /v1/token from %s: %s", source ? source : "127.0.0.1", http_client_strerror(rc));
	const char *ra = http_response_header(&resp, "Retry-After");
	if (retry_after != NULL)
		*retry_after = ra ? atoi(ra) : 0;
	if (resp.status == 429)
		ck_assert_str_eq(http_response_header(&resp, "Content-Type"), "application/problem+json");
	int status = resp.status;
	http_response_free(&resp);
	return status;
}

/* Client ids are no secret (tokens and audit rows show them): failures from
 * another address must not refuse the partner its token. */
START_TEST(a_stranger_cannot_lock_a_partner_out)
{
	admin_new();
	struct party caf;
	fixtures_party(&server, &admin, "caf", NULL, NULL, &caf);
	char stranger[32];
	random_source(stranger, sizeof(stranger));
	int retry = 0;
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(token_from(stranger, caf.client_id, "pvx_guess", &retry), 401);
	/* The stranger's budget for this client id is spent, the right secret
	 * included: it must wait. */
	ck_assert_int_eq(token_from(stranger, caf.client_id, "pvx_guess", &retry), 429);
	ck_assert_int_gt(retry, 0);
	ck_assert_int_le(retry, 300);
	ck_assert_int_eq(token_from(stranger, caf.client_id, caf.secret, &retry), 429);
	/* The partner, from its own address, is not concerned. */
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(token_from(NULL, caf.client_id, caf.secret, NULL), 200);
	/* Nor is another address that failed less. */
	char other[32];
	do
		random_source(other, sizeof(other));
	while (strcmp(other, stranger) == 0);
	ck_assert_int_eq(token_from(other, caf.client_id, "pvx_guess", NULL), 401);
	ck_assert_int_eq(token_from(other, caf.client_id, caf.secret, NULL), 200);
}
END_TEST

/* One address guessing across many client ids is stopped as a whole. */
START_TEST(an_address_is_throttled_across_client_ids)
{
	admin_new();
	struct party caf;
	fixtures_party(&server, &admin, "caf", NULL, NULL, &caf);
	char source[32];
	random_source(source, sizeof(source));
	int retry = 0, refused = 0, throttled_at = -1;
	for (int i = 0; i < 40 && throttled_at < 0; i++) {
		char id[64], suffix[16];
		fixtures_suffix(suffix, sizeof(suffix));
		snprintf(id, sizeof(id), "%s-0000-4000-8000-%012d", suffix, i);
		int status = token_from(source, id, "pvx_guess", &retry);
		if (status == 429) {
			throttled_at = i;
		} else {
			ck_assert_int_eq(status, 401);
			refused++;
		}
	}
	ck_assert_int_eq(refused, 30);
	ck_assert_int_eq(throttled_at, 30);
	ck_assert_int_gt(retry, 0);
	/* Everything from that address now waits, a real client's right secret
	 * included; the same client from elsewhere does not. */
	ck_assert_int_eq(token_from(source, caf.client_id, caf.secret, &retry), 429);
	ck_assert_int_gt(retry, 0);
	ck_assert_int_eq(token_from(NULL, caf.client_id, caf.secret, NULL), 200);
}
END_TEST

/* A token signed with the server's own key ("test-key"), as ES256 wants it:
 * r||s, s in its low form. Returns a new string the caller free()s. */
static char *sign_with_server_key(const char *payload)
{
	char path[600], header[128], pb64[1500];
	snprintf(path, sizeof(path), "%s/test-key.pem", keys_env + strlen("PREVEX_JWT_KEYS_DIR="));
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	EVP_PKEY *key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	ck_assert_ptr_nonnull(key);
	b64url("{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"test-key\"}", header);
	b64url(payload, pb64);
	char input[2048];
	snprintf(input, sizeof(input), "%s.%s", header, pb64);

	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char der[128];
	size_t der_len = sizeof(der);
	ck_assert_int_eq(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key), 1);
	ck_assert_int_eq(EVP_DigestSign(ctx, der, &der_len, (const unsigned char *)input, strlen(input)), 1);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(key);
	const unsigned char *p = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	ck_assert_ptr_nonnull(sig);
	const BIGNUM *r = NULL, *sv = NULL;
	ECDSA_SIG_get0(sig, &r, &sv);
	BIGNUM *n = NULL, *half = BN_new(), *low = BN_dup(sv);
	ck_assert_int_gt(BN_hex2bn(&n, "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551"), 0);
	ck_assert_int_eq(BN_rshift1(half, n), 1);
	if (BN_cmp(low, half) > 0)
		ck_assert_int_eq(BN_sub(low, n, sv), 1);
	unsigned char raw[65];
	ck_assert_int_eq(BN_bn2binpad(r, raw, 32), 32);
	ck_assert_int_eq(BN_bn2binpad(low, raw + 32, 32), 32);
	raw[64] = '\0';
	BN_free(n);
	BN_free(half);
	BN_free(low);
	ECDSA_SIG_free(sig);

	/* b64url() reads a C string: encode the 64 bytes by hand. */
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char sb64[96];
	size_t o = 0;
	for (size_t i = 0; i < 64; i += 3) {
		unsigned v = (unsigned)raw[i] << 16;
		if (i + 1 < 64)
			v |= (unsigned)raw[i + 1] << 8;
		if (i + 2 < 64)
			v |= raw[i + 2];
		sb64[o++] = tbl[(v >> 18) & 63];
		sb64[o++] = tbl[(v >> 12) & 63];
		if (i + 1 < 64)
			sb64[o++] = tbl[(v >> 6) & 63];
		if (i + 2 < 64)
			sb64[o++] = tbl[v & 63];
	}
	sb64[o] = '\0';
	size_t len = strlen(input) + strlen(sb64) + 2;
	char *tok = malloc(len);
	snprintf(tok, len, "%s.%s", input, sb64);
	return tok;
}

static char *token_with(const char *sub, const char *org)
{
	char payload[1024];
	snprintf(payload, sizeof(payload),
		 "{\"iss\":\"prevex\",\"aud\":\"prevex-api\",\"sub\":\"%s\",\"org\":\"%s\",\"kind\":\"prefecture\","
		 "\"scope\":\"read write admin\",\"iat\":%lld,\"nbf\":%lld,\"exp\":%lld,\"jti\":\"%s\"}",
		 sub, org, (long long)time(NULL) - 5, (long long)time(NULL) - 5, (long long)time(NULL) + 600,
		 "0123456789abcdef0123456789abcdef");
	return sign_with_server_key(payload);
}

/* Correctly signed, but sub or org is no UUID: 401 like any token we do not
 * accept, never a 400 told by the database's types. */
START_TEST(signed_tokens_with_malformed_identities_get_401)
{
	admin_new();
	/* The forging is sound: with the real identities the server accepts it. */
	char *tok = token_with(admin.client_id, admin.org_id);
	struct party forged;
	memset(&forged, 0, sizeof(forged));
	snprintf(forged.token, sizeof(forged.token), "%s", tok);
	ck_assert_int_eq(get_status(&forged, "/v1/me"), 200);
	free(tok);

	const char *bad[][2] = {
		{ "not-a-uuid", admin.org_id },
		{ admin.client_id, "not-a-uuid" },
		{ "", admin.org_id },
		{ "00000000-0000-4000-8000-00000000000g", admin.org_id },
		{ admin.client_id, "'; SELECT 1; --" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tok = token_with(bad[i][0], bad[i][1]);
		assert_plain_401(NULL, "/v1/me", NULL, tok);
		assert_plain_401(NULL, "/v1/organisations", NULL, tok);
		free(tok);
	}
}
END_TEST

START_TEST(me_and_jwks)
{
	admin_new();
	int status;
	json_t *me = fixtures_call_json(&server, &admin, "GET", "/v1/me", NULL, NULL, &status);
	ck_assert_int_eq(status, 200);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(me, "org"), "id")), admin.org_id);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(me, "org"), "kind")), "prefecture");
	ck_assert_ptr_nonnull(json_string_value(json_object_get(json_object_get(me, "org"), "name")));
	ck_assert_ptr_null(json_object_get(me, "organisation_id"));
	/* An instant (RFC 3339), like every *_at. */
	const char *expires = json_string_value(json_object_get(me, "expires_at"));
	ck_assert_ptr_nonnull(expires);
	ck_assert_msg(strlen(expires) == 20 && expires[10] == 'T' && expires[19] == 'Z', "expires_at %s", expires);
	ck_assert_str_eq(json_string_value(json_object_get(me, "kind")), "prefecture");
	ck_assert_str_eq(json_string_value(json_object_get(me, "client_id")), admin.client_id);
	json_decref(me);
	json_t *jwks = fixtures_call_json(&server, NULL, "GET", "/.well-known/jwks.json", NULL, NULL, &status);
	ck_assert_int_eq(status, 200);
	json_t *keys = json_object_get(jwks, "keys");
	ck_assert_int_ge(json_array_size(keys), 1);
	json_t *k = json_array_get(keys, 0);
	ck_assert_str_eq(json_string_value(json_object_get(k, "kid")), "test-key");
	ck_assert_ptr_null(json_object_get(k, "d"));
	json_decref(jwks);
}
END_TEST

START_TEST(forged_and_broken_tokens_get_401)
{
	admin_new();
	/* Missing, empty, in the URL. */
	assert_plain_401(NULL, "/v1/me", NULL, NULL);
	assert_plain_401(NULL, "/v1/me", "Authorization: Bearer \r\n", NULL);
	char path[2300];
	snprintf(path, sizeof(path), "/v1/me?access_token=%s", admin.token);
	assert_plain_401(NULL, path, NULL, NULL);

	/* Malformed and truncated. */
	assert_plain_401(NULL, "/v1/me", NULL, "not-a-token");
	char truncated[2048];
	snprintf(truncated, sizeof(truncated), "%.*s", (int)strlen(admin.token) - 10, admin.token);
	assert_plain_401(NULL, "/v1/me", NULL, truncated);

	/* alg none, with the payload of a real token. */
	const char *dot1 = strchr(admin.token, '.'), *dot2 = strrchr(admin.token, '.');
	char header[128], none[2048];
	b64url("{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"test-key\"}", header);
	snprintf(none, sizeof(none), "%s.%.*s.", header, (int)(dot2 - dot1 - 1), dot1 + 1);
	assert_plain_401(NULL, "/v1/me", NULL, none);

	/* The payload altered (another organisation), signature kept. */
	char payload[1024], altered[2048];
	snprintf(payload, sizeof(payload),
		 "{\"iss\":\"prevex\",\"aud\":\"prevex-api\",\"sub\":\"%s\",\"org\":\"00000000-0000-4000-8000-000000000001\","
		 "\"kind\":\"prefecture\",\"scope\":\"read write admin\",\"iat\":1,\"nbf\":1,\"exp\":4102444800,\"jti\":\"x\"}",
		 admin.client_id);
	char pb64[1500];
	b64url(payload, pb64);
	snprintf(altered, sizeof(altered), "%.*s.%s%s", (int)(dot1 - admin.token), admin.token, pb64, dot2);
	assert_plain_401(NULL, "/v1/me", NULL, altered);

	/* An unknown kid. */
	char kid_header[128], unknown_kid[2048];
	b64url("{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"someone-else\"}", kid_header);
	snprintf(unknown_kid, sizeof(unknown_kid), "%s%s", kid_header, dot1);
	assert_plain_401(NULL, "/v1/me", NULL, unknown_kid);

	/* Larger than 8 KiB. */
	static char big[9000];
	memset(big, 'a', sizeof(big) - 1);
	assert_plain_401(NULL, "/v1/me", NULL, big);

	/* The genuine token still works. */
	ck_assert_int_eq(get_status(&admin, "/v1/me"), 200);
}
END_TEST

START_TEST(revoked_clients_and_disabled_organisations_are_refused_at_once)
{
	admin_new();
	struct party landlord;
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &landlord);
	ck_assert_int_eq(get_status(&landlord, "/v1/me"), 200);
	char path[128];
	snprintf(path, sizeof(path), "/v1/clients/%s", landlord.client_id);
	struct http_response resp = { 0 };
	ck_assert_int_eq(fixtures_call(&server, &admin, "DELETE", path, NULL, NULL, &resp), 204);
	http_response_free(&resp);
	assert_plain_401(&landlord, "/v1/me", NULL, NULL);

	struct party other;
	fixtures_party(&server, &admin, "private_landlord", NULL, NULL, &other);
	ck_assert_int_eq(get_status(&other, "/v1/me"), 200);
	snprintf(path, sizeof(path), "/v1/organisations/%s", other.org_id);
	int status;
	json_t *org = fixtures_call_json(&server, &admin, "GET", path, NULL, NULL, &status);
	ck_assert_int_eq(status, 200);
	char if_match[64];
	snprintf(if_match, sizeof(if_match), "If-Match: \"%lld\"\r\n",
		 (long long)json_integer_value(json_object_get(org, "version")));
	json_decref(org);
	ck_assert_int_eq(fixtures_call(&server, &admin, "PATCH", path, "{\"disabled\":true}", if_match, &resp), 200);
	http_response_free(&resp);
	assert_plain_401(&other, "/v1/me", NULL, NULL);
}
END_TEST

START_TEST(administration_is_for_prefecture_administrators)
{
	admin_new();
	struct party bailiff, dept;
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	fixtures_party(&server, &admin, "departement", NULL, NULL, &dept);
	struct http_response resp = { 0 };
	ck_assert_int_eq(fixtures_call(&server, &bailiff, "POST", "/v1/organisations",
				       "{\"kind\":\"caf\",\"name\":\"x\"}", NULL, &resp), 403);
	ck_assert_str_eq(http_response_header(&resp, "Content-Type"), "application/problem+json");
	http_response_free(&resp);
	ck_assert_int_eq(get_status(&bailiff, "/v1/organisations"), 403);
	ck_assert_int_eq(get_status(&dept, "/v1/organisations"), 403);
	char path[128];
	snprintf(path, sizeof(path), "/v1/organisations/%s/clients", bailiff.org_id);
	ck_assert_int_eq(fixtures_call(&server, &bailiff, "POST", path, "{\"name\":\"mine\"}", NULL, &resp), 403);
	http_response_free(&resp);

	/* A prefecture client without the admin scope is no administrator. */
	struct party plain_prefecture;
	fixtures_party(&server, &admin, "prefecture", NULL, "read write", &plain_prefecture);
	ck_assert_int_eq(get_status(&plain_prefecture, "/v1/organisations"), 403);
	ck_assert_int_eq(get_status(&plain_prefecture, "/v1/audit"), 403);
	ck_assert_int_eq(get_status(&admin, "/v1/organisations"), 200);

	/* The département's administrators read the audit log, and only that. */
	struct party dept_admin;
	fixtures_party(&server, &admin, "departement", NULL, "read admin", &dept_admin);
	ck_assert_int_eq(get_status(&dept_admin, "/v1/audit"), 200);
	ck_assert_int_eq(get_status(&dept_admin, "/v1/organisations"), 403);
}
END_TEST

START_TEST(organisations_see_themselves_only)
{
	admin_new();
	struct party a, b;
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &a);
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &b);
	char own[128], other[128];
	snprintf(own, sizeof(own), "/v1/organisations/%s", a.org_id);
	snprintf(other, sizeof(other), "/v1/organisations/%s", b.org_id);
	ck_assert_int_eq(get_status(&a, own), 200);
	ck_assert_int_eq(get_status(&a, other), 404);
	struct http_response resp = { 0 };
	ck_assert_int_eq(fixtures_call(&server, &a, "PATCH", other, "{\"name\":\"mine now\"}", "If-Match: \"1\"\r\n", &resp), 403);
	http_response_free(&resp);
	ck_assert_int_eq(get_status(&a, "/v1/organisations/not-a-uuid"), 404);
}
END_TEST

START_TEST(organisation_input_is_validated)
{
	admin_new();
	struct { const char *body; int status; const char *field; } cases[] = {
		{ "{\"kind\":\"landlord\",\"name\":\"x\"}", 400, "kind" },
		{ "{\"name\":\"x\"}", 400, "kind" },
		{ "{\"kind\":\"caf\"}", 400, "name" },
		{ "{\"kind\":\"caf\",\"name\":\"\"}", 400, "name" },
		{ "{\"kind\":\"caf\",\"name\":\"   \"}", 400, "name" },
		{ "{\"kind\":\"caf\",\"name\":\"CAF\\u0001\"}", 400, "name" },
		{ "{\"kind\":\"caf\",\"name\":\"CAF\\u009f\"}", 400, "name" },
		{ "{\"kind\":\"caf\",\"name\":\"x\",\"siret\":\"\"}", 400, "siret" },
		{ "{\"kind\":\"caf\",\"name\":42}", 400, "name" },
		{ "{\"kind\":\"caf\",\"name\":\"x\",\"siret\":\"73282932000075\"}", 400, "siret" },
		{ "{\"kind\":\"caf\",\"name\":\"x\",\"siret\":\"7328293200007\"}", 400, "siret" },
		{ "{\"kind\":\"caf\",\"name\":\"x\",\"id\":\"00000000-0000-4000-8000-000000000000\"}", 400, "id" },
		{ "{\"kind\":\"caf\",\"name\":\"x\",\"colour\":\"red\"}", 400, "colour" },
		{ "{\"kind\":\"caf\",\"name\":\"x\",\"territory\":{\"communes\":[\"9122\"]}}", 400, "territory.communes" },
		{ "{\"kind\":\"caf\",\"name\":\"x\",\"territory\":{\"communes\":[\"99999\"]}}", 422, "territory.communes" },
		{ "{\"kind\":\"caf\",\"name\":\"x\",\"territory\":[]}", 400, "territory" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int status;
		json_t *j = fixtures_call_json(&server, &admin, "POST", "/v1/organisations", cases[i].body, NULL, &status);
		ck_assert_msg(status == cases[i].status, "%s: got %d", cases[i].body, status);
		ck_assert_msg(fixtures_problem_at(j) != NULL &&
			      strcmp(fixtures_problem_at(j), cases[i].field) == 0,
			      "%s: field %s", cases[i].body, fixtures_problem_at(j));
		json_decref(j);
	}
	/* A valid SIRET (La Poste's rule aside, the Luhn check) is accepted. */
	char suffix[16], body[200];
	fixtures_suffix(suffix, sizeof(suffix));
	int status;
	snprintf(body, sizeof(body), "{\"kind\":\"caf\",\"name\":\"CAF %s\",\"siret\":\"73282932000074\"}", suffix);
	json_t *j = fixtures_call_json(&server, &admin, "POST", "/v1/organisations", body, NULL, &status);
	ck_assert_msg(status == 201 || status == 409, "valid SIRET answered %d", status);
	json_decref(j);
}
END_TEST

START_TEST(updates_need_the_current_etag)
{
	admin_new();
	struct party adil;
	fixtures_party(&server, &admin, "adil", NULL, NULL, &adil);
	char path[128];
	snprintf(path, sizeof(path), "/v1/organisations/%s", adil.org_id);
	struct http_response resp = { 0 };
	ck_assert_int_eq(fixtures_call(&server, &admin, "GET", path, NULL, NULL, &resp), 200);
	ck_assert_str_eq(http_response_header(&resp, "ETag"), "\"1\"");
	http_response_free(&resp);
	ck_assert_int_eq(fixtures_call(&server, &admin, "PATCH", path, "{\"name\":\"ADIL renamed\"}", NULL, &resp), 428);
	http_response_free(&resp);
	ck_assert_int_eq(fixtures_call(&server, &admin, "PATCH", path, "{\"name\":\"ADIL renamed\"}", "If-Match: \"7\"\r\n", &resp), 412);
	http_response_free(&resp);
	ck_assert_int_eq(fixtures_call(&server, &admin, "PATCH", path, "{\"name\":\"  ADIL renamed \"}", "If-Match: \"1\"\r\n", &resp), 200);
	ck_assert_str_eq(http_response_header(&resp, "ETag"), "\"2\"");
	json_t *j = harness_json(&resp);
	ck_assert_str_eq(json_string_value(json_object_get(j, "name")), "ADIL renamed");
	json_decref(j);
	http_response_free(&resp);
	/* The old ETag no longer matches: no update is lost. */
	ck_assert_int_eq(fixtures_call(&server, &admin, "PATCH", path, "{\"name\":\"late\"}", "If-Match: \"1\"\r\n", &resp), 412);
	http_response_free(&resp);
	ck_assert_int_eq(fixtures_call(&server, &admin, "PATCH", path, "{\"kind\":\"caf\"}", "If-Match: \"2\"\r\n", &resp), 400);
	http_response_free(&resp);
}
END_TEST

START_TEST(client_scopes_follow_the_organisation_kind)
{
	admin_new();
	struct party caf;
	fixtures_party(&server, &admin, "caf", NULL, NULL, &caf);
	char path[128];
	snprintf(path, sizeof(path), "/v1/organisations/%s/clients", caf.org_id);
	int status;
	json_t *j = fixtures_call_json(&server, &admin, "POST", path, "{\"name\":\"x\",\"scope\":\"read admin\"}", NULL, &status);
	ck_assert_int_eq(status, 422);
	json_decref(j);
	j = fixtures_call_json(&server, &admin, "POST", path, "{\"name\":\"x\",\"scope\":\"read fly\"}", NULL, &status);
	ck_assert_int_eq(status, 400);
	json_decref(j);
	j = fixtures_call_json(&server, &admin, "GET", path, NULL, NULL, &status);
	ck_assert_int_eq(status, 200);
	json_t *items = json_object_get(j, "items");
	ck_assert_int_eq(json_array_size(items), 1);
	ck_assert_ptr_null(json_object_get(json_array_get(items, 0), "client_secret"));
	json_decref(j);
}
END_TEST

START_TEST(audit_rows_are_listed_and_append_only)
{
	admin_new();
	struct party bailiff;
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	char path[200];
	snprintf(path, sizeof(path), "/v1/audit?organisation_id=%s&resource_type=organisation&limit=10", admin.org_id);
	int status;
	json_t *j = fixtures_call_json(&server, &admin, "GET", path, NULL, NULL, &status);
	ck_assert_int_eq(status, 200);
	json_t *items = json_object_get(j, "items");
	ck_assert_int_eq(json_array_size(items), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "action")), "create");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "resource_id")), bailiff.org_id);
	json_decref(j);
	ck_assert_int_eq(get_status(&bailiff, "/v1/audit"), 403);
	ck_assert_int_eq(get_status(&admin, "/v1/audit?since=yesterday"), 400);

	/* The service's role may add rows, never change or remove them. */
	const char *app_url = getenv("PREVEX_TEST_APP_DATABASE_URL");
	const char *url = app_url ? app_url : getenv("PREVEX_TEST_DATABASE_URL");
	PGconn *conn = PQconnectdb(url);
	ck_assert_int_eq(PQstatus(conn), CONNECTION_OK);
	PGresult *res = PQexec(conn, "UPDATE audit_log SET outcome = 'forged'");
	ck_assert_int_eq(PQresultStatus(res), PGRES_FATAL_ERROR);
	PQclear(res);
	res = PQexec(conn, "DELETE FROM audit_log");
	ck_assert_int_eq(PQresultStatus(res), PGRES_FATAL_ERROR);
	PQclear(res);
	res = PQexec(conn, "SELECT count(*) FROM audit_log WHERE outcome = 'forged'");
	ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
	ck_assert_str_eq(PQgetvalue(res, 0, 0), "0");
	PQclear(res);
	PQfinish(conn);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("auth");
	TCase *tc = tcase_create("auth");
	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, token_by_basic_form_and_json);
	tcase_add_test(tc, token_refusals);
	tcase_add_test(tc, repeated_failures_are_throttled);
	tcase_add_test(tc, a_stranger_cannot_lock_a_partner_out);
	tcase_add_test(tc, an_address_is_throttled_across_client_ids);
	tcase_add_test(tc, me_and_jwks);
	tcase_add_test(tc, forged_and_broken_tokens_get_401);
	tcase_add_test(tc, signed_tokens_with_malformed_identities_get_401);
	tcase_add_test(tc, revoked_clients_and_disabled_organisations_are_refused_at_once);
	tcase_add_test(tc, administration_is_for_prefecture_administrators);
	tcase_add_test(tc, organisations_see_themselves_only);
	tcase_add_test(tc, organisation_input_is_validated);
	tcase_add_test(tc, updates_need_the_current_etag);
	tcase_add_test(tc, client_scopes_follow_the_organisation_kind);
	tcase_add_test(tc, audit_rows_are_listed_and_append_only);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
