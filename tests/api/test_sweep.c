/* Hostile traffic over every operation of openapi/openapi.yaml, read from
 * the JSON form the build makes of it (tests/api/openapi_ops.py): malformed
 * JSON, wrong types for each body member, huge strings, deep nesting,
 * invalid UTF-8, out-of-range numbers and dates, bad path ids, bad query
 * values and cursors, duplicate keys, odd media types. Each request goes
 * with the token of an organisation allowed to call the operation, and a
 * subset without a token. A 5xx, a reply that is not an HTTP response
 * (empty, reset, cut short) or a 4xx that is not a problem+json object with
 * type, title and status fails the test. */
#include <check.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/api/fixtures.h"
#include "tests/api/harness.h"

/*
 * Failures known and accepted for now: a failing request whose label
 * contains one of these is reported as known and does not fail the test.
 * Empty: every answer the sweep provokes must be right.
 */
static const char *const sweep_known_http_layer[] = {
	NULL,
};

#define SWEEP_TIMEOUT_MS 15000
#define SWEEP_SENTINEL "\\u0001sweep\\u0001"
#define SWEEP_DEPTH 10000
#define SWEEP_HUGE 1000000

static struct harness server;

struct sweep {
	struct party admin;      /* a prefecture with the admin scope */
	struct party dept;       /* a departement: diagnostics, MASP */
	struct party bailiff;    /* imports of acts */
	struct party caf;        /* imports of CAF signals */
	struct party adil;       /* imports of ADIL contacts */
	char target_org[40];     /* an organisation the sweep may patch */
	char household[40];
	char procedure[40];
	char commission[40];
	long sent;
	long statuses[600];      /* this operation's answers by status; [0]: none */
	long failed;
	long known;
	double secs[5];          /* in paths, queries, headers, bodies, members */
	int ops;
};

struct op {
	const char *method;
	const char *path;
	const json_t *spec;      /* borrowed from the operations file */
	const json_t *body;      /* of spec's bodies, the one this pass sends, or NULL */
	size_t variant;          /* its index: also that of an enum path parameter's value */
	const struct party *party;
	bool has_body;
	bool once;               /* sends the cases only the HTTP layer sees */
	bool if_match;
	bool idempotency_key;
};

static void setup(void)
{
	const char *env[] = { fixtures_keys_env(), NULL };
	if (harness_start(&server, env) != 0) {
		fprintf(stderr, "harness: %s\n", server.error);
		abort();
	}
}

static void teardown(void)
{
	harness_stop(&server);
}

/* A growing byte buffer; aborts when out of memory (a test process). */
struct sbuf {
	char *data;
	size_t len, cap;
};

static void sbuf_add(struct sbuf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *d = realloc(b->data, cap);
		ck_assert_ptr_nonnull(d);
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void sbuf_str(struct sbuf *b, const char *s)
{
	sbuf_add(b, s, strlen(s));
}

static void sbuf_fmt(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sbuf_fmt(struct sbuf *b, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	sbuf_str(b, tmp);
}

static void sbuf_repeat(struct sbuf *b, const char *s, size_t times)
{
	for (size_t i = 0; i < times; i++)
		sbuf_str(b, s);
}

static void random_uuid(char out[40])
{
	unsigned char r[16];
	for (size_t i = 0; i < sizeof(r); i++)
		r[i] = (unsigned char)(rand() & 0xff);
	snprintf(out, 40, "%02x%02x%02x%02x-%02x%02x-4%01x%02x-8%01x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2],
		 r[3], r[4], r[5], r[6] & 0xf, r[7], r[8] & 0xf, r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static bool is_known(const char *label)
{
	for (size_t i = 0; sweep_known_http_layer[i] != NULL; i++)
		if (strstr(label, sweep_known_http_layer[i]) != NULL)
			return true;
	return false;
}

/* Why resp is not an acceptable answer, or NULL when it is. */
static const char *judge(const struct http_response *resp, char *why, size_t len)
{
	/* 505 is the right answer to another protocol version, not a fault. */
	if (resp->status >= 500 && resp->status != 505) {
		snprintf(why, len, "status %d", resp->status);
		return why;
	}
	if (resp->status < 400)
		return NULL;
	const char *ct = http_response_header(resp, "Content-Type");
	if (ct == NULL || strncmp(ct, "application/problem+json", 24) != 0) {
		snprintf(why, len, "status %d with Content-Type %s", resp->status, ct ? ct : "(none)");
		return why;
	}
	json_t *j = json_loadb(resp->body, resp->body_len, 0, NULL);
	json_t *st = json_object_get(j, "status");
	bool ok = json_is_object(j) && json_is_string(json_object_get(j, "type")) &&
		  json_is_string(json_object_get(j, "title")) && json_is_integer(st) &&
		  json_integer_value(st) == resp->status;
	json_decref(j);
	if (!ok) {
		snprintf(why, len, "status %d with a body that is not a problem: %.120s", resp->status, resp->body);
		return why;
	}
	return NULL;
}

/*
 * Sends one request and judges the answer. path is sent as is; ctype NULL
 * sends no Content-Type; body NULL sends no body (and no Content-Length for
 * a bodiless method). label names the case in a failure.
 */
static void sweep_send(struct sweep *s, const struct op *op, const struct party *party, const char *path,
		       const char *ctype, const char *headers, const char *body, size_t body_len, const char *label)
{
	struct sbuf req = { 0 };
	char key[40];
	sbuf_fmt(&req, "%s ", op->method);
	sbuf_str(&req, path);
	sbuf_fmt(&req, " HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n", HARNESS_HOST, server.port);
	if (party != NULL)
		sbuf_fmt(&req, "Authorization: Bearer %s\r\n", party->token);
	if (ctype != NULL)
		sbuf_fmt(&req, "Content-Type: %s\r\n", ctype);
	if (op->if_match && headers == NULL)
		sbuf_str(&req, "If-Match: \"1\"\r\n");
	if (op->idempotency_key && headers == NULL) {
		random_uuid(key);
		sbuf_fmt(&req, "Idempotency-Key: %s\r\n", key);
	}
	if (headers != NULL)
		sbuf_str(&req, headers);
	if (body != NULL)
		sbuf_fmt(&req, "Content-Length: %zu\r\n", body_len);
	sbuf_str(&req, "\r\n");
	if (body != NULL)
		sbuf_add(&req, body, body_len);

	struct http_response resp = { 0 };
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = http_request(&resp, HARNESS_HOST, server.port, req.data, req.len, SWEEP_TIMEOUT_MS);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	if (ms > 200 && getenv("SWEEP_VERBOSE") != NULL)
		fprintf(stderr, "sweep: slow (%.0f ms, %d): %s %.100s [%s]\n", ms, resp.status, op->method, path, label);
	s->sent++;
	s->statuses[rc == HTTP_CLIENT_OK && resp.status >= 100 && resp.status < 600 ? resp.status : 0]++;
	char why[256];
	const char *bad = NULL;
	if (rc != HTTP_CLIENT_OK) {
		snprintf(why, sizeof(why), "%s", http_client_strerror(rc));
		bad = why;
	} else {
		bad = judge(&resp, why, sizeof(why));
	}
	if (bad != NULL) {
		char full[512];
		snprintf(full, sizeof(full), "%s %.100s%s [%s]%s", op->method, path, strlen(path) > 100 ? "..." : "",
			 label, party ? "" : " (no token)");
		if (is_known(full)) {
			s->known++;
			fprintf(stderr, "sweep: known HTTP-layer failure: %s: %s\n", full, bad);
		} else {
			s->failed++;
			fprintf(stderr, "sweep: FAIL %s: %s\n", full, bad);
		}
	}
	http_response_free(&resp);
	free(req.data);
}

/* --- paths ---------------------------------------------------------------- */

static const json_t *op_param(const struct op *op, const char *in, const char *name)
{
	size_t i;
	const json_t *p;
	json_array_foreach(json_object_get(op->spec, "params"), i, p) {
		if (strcmp(json_string_value(json_object_get(p, "in")), in) == 0 &&
		    strcmp(json_string_value(json_object_get(p, "name")), name) == 0)
			return p;
	}
	return NULL;
}

/* The good value of path parameter name: a fixture's id where the sweep made
 * one, the first value of an enum, else a fresh UUID that names nothing. */
static void path_value(const struct sweep *s, const struct op *op, const char *name, char *out, size_t len)
{
	const json_t *p = op_param(op, "path", name);
	const json_t *values = json_object_get(p, "enum");
	const json_t *e = json_array_get(values, op->variant < json_array_size(values) ? op->variant : 0);
	const char *fixed = NULL;
	if (e != NULL) {
		fixed = json_string_value(e);
	} else if (strcmp(name, "id") == 0) {
		if (strncmp(op->path, "/v1/organisations/", 18) == 0)
			fixed = s->target_org;
		else if (strncmp(op->path, "/v1/households/", 15) == 0)
			fixed = s->household;
		else if (strncmp(op->path, "/v1/procedures/", 15) == 0)
			fixed = s->procedure;
		else if (strncmp(op->path, "/v1/commissions/", 16) == 0)
			fixed = s->commission;
	}
	if (fixed != NULL) {
		snprintf(out, len, "%s", fixed);
		return;
	}
	char u[40];
	random_uuid(u);
	snprintf(out, len, "%s", u);
}

/* op's path with every parameter filled in, except that parameter bad_name
 * (when not NULL) gets bad_value; then query (may be NULL) after a '?'. */
static void build_path(const struct sweep *s, const struct op *op, const char *bad_name, const char *bad_value,
		       const char *query, struct sbuf *out)
{
	const char *t = op->path;
	while (*t != '\0') {
		const char *open = strchr(t, '{');
		if (open == NULL) {
			sbuf_str(out, t);
			break;
		}
		sbuf_add(out, t, (size_t)(open - t));
		const char *close = strchr(open, '}');
		ck_assert_ptr_nonnull(close);
		char name[64];
		snprintf(name, sizeof(name), "%.*s", (int)(close - open - 1), open + 1);
		if (bad_name != NULL && strcmp(name, bad_name) == 0) {
			sbuf_str(out, bad_value);
		} else {
			char v[64];
			path_value(s, op, name, v, sizeof(v));
			sbuf_str(out, v);
		}
		t = close + 1;
	}
	if (query != NULL) {
		sbuf_str(out, "?");
		sbuf_str(out, query);
	}
}

/* --- the cases ---------------------------------------------------------------- */

static void send_path(struct sweep *s, const struct op *op, const struct party *party, const char *bad_name,
		      const char *bad_value, const char *query, const char *label)
{
	struct sbuf path = { 0 };
	build_path(s, op, bad_name, bad_value, query, &path);
	const char *body = op->has_body ? "{}" : NULL;
	sweep_send(s, op, party, path.data, body ? "application/json" : NULL, NULL, body, body ? 2 : 0, label);
	free(path.data);
}

static void sweep_path_ids(struct sweep *s, const struct op *op)
{
	struct sbuf longid = { 0 };
	sbuf_repeat(&longid, "a", 5000);
	const char *bad[] = {
		"not-a-uuid", "%00", "..%2F..%2Fetc%2Fpasswd", "../../etc/passwd", "%ff%fe",
		"00000000-0000-0000-0000-000000000000", "00000000-0000-4000-8000-00000000000g",
		"00000000-0000-4000-8000-000000000000%00", "00000000-0000-4000-8000-000000000000,x", "-1",
		"1e400", "%7Bid%7D", longid.data, NULL,
	};
	size_t i;
	const json_t *p;
	json_array_foreach(json_object_get(op->spec, "params"), i, p) {
		if (strcmp(json_string_value(json_object_get(p, "in")), "path") != 0)
			continue;
		const char *name = json_string_value(json_object_get(p, "name"));
		for (size_t k = 0; bad[k] != NULL; k++) {
			char label[96];
			snprintf(label, sizeof(label), "path %s #%zu", name, k);
			send_path(s, op, op->party, name, bad[k], NULL, label);
			if (k < 4)
				send_path(s, op, NULL, name, bad[k], NULL, label);
		}
	}
	free(longid.data);
}

static void sweep_query(struct sweep *s, const struct op *op)
{
	struct sbuf longv = { 0 };
	sbuf_repeat(&longv, "A", 8000);
	const char *any[] = { "", "%00", "%ff%fe", "-1", "1e400", "9223372036854775808", "1.5", "x%20y%2e%2e%2f",
			      longv.data, NULL };
	const char *date[] = { "2026-02-30", "2026-13-01", "99999-01-01", "2026-03-02T25:00:00Z", NULL };
	const char *cursor[] = { "!!!!", "AAAA", "A", "eyJ4IjoxfQ", "MXx8", "MXx4fHk", NULL };
	size_t i;
	const json_t *p;
	json_array_foreach(json_object_get(op->spec, "params"), i, p) {
		if (strcmp(json_string_value(json_object_get(p, "in")), "query") != 0)
			continue;
		const char *name = json_string_value(json_object_get(p, "name"));
		const char *fmt = json_string_value(json_object_get(p, "format"));
		const char **sets[] = { any, strncmp(fmt, "date", 4) == 0 ? date : NULL,
					strcmp(name, "cursor") == 0 ? cursor : NULL };
		struct sbuf q = { 0 };
		for (size_t j = 0; j < sizeof(sets) / sizeof(sets[0]); j++) {
			for (size_t k = 0; sets[j] != NULL && sets[j][k] != NULL; k++) {
				q.len = 0;
				sbuf_fmt(&q, "%s=", name);
				sbuf_str(&q, sets[j][k]);
				char label[96];
				snprintf(label, sizeof(label), "query %s #%zu.%zu", name, j, k);
				send_path(s, op, op->party, NULL, NULL, q.data, label);
			}
		}
		q.len = 0;
		sbuf_fmt(&q, "%s=1&%s=2", name, name);
		send_path(s, op, op->party, NULL, NULL, q.data, "query duplicate");
		free(q.data);
	}
	send_path(s, op, op->party, NULL, NULL, "%zz=1&=&&x", "query malformed");
	free(longv.data);
}

static void sweep_headers(struct sweep *s, const struct op *op)
{
	struct sbuf long_h = { 0 };
	const char *im[] = { "If-Match: \"x\"\r\n", "If-Match: W/\"1\"\r\n", "If-Match: *\r\n",
			     "If-Match: \"99999999999999999999\"\r\n", "If-Match: \"-1\"\r\n", "If-Match: \"\r\n",
			     NULL };
	struct sbuf path = { 0 };
	build_path(s, op, NULL, NULL, NULL, &path);
	const char *body = op->has_body ? "{}" : NULL;
	const char *accept[] = { "Accept: text/csv\r\n", "Accept: application/xml\r\n", "Accept: */*;q=x\r\n",
				 "Accept-Encoding: gzip;q=9\r\n", NULL };
	for (size_t k = 0; accept[k] != NULL; k++)
		sweep_send(s, op, op->party, path.data, body ? "application/json" : NULL, accept[k], body, body ? 2 : 0,
			   "header Accept");
	if (op->if_match) {
		for (size_t k = 0; im[k] != NULL; k++)
			sweep_send(s, op, op->party, path.data, body ? "application/json" : NULL, im[k], body,
				   body ? 2 : 0, "header If-Match");
		sbuf_str(&long_h, "If-Match: \"");
		sbuf_repeat(&long_h, "1", 4000);
		sbuf_str(&long_h, "\"\r\n");
		sweep_send(s, op, op->party, path.data, body ? "application/json" : NULL, long_h.data, body,
			   body ? 2 : 0, "header If-Match long");
	}
	if (op->idempotency_key) {
		const char *ik[] = { "Idempotency-Key: \r\n", "Idempotency-Key: \x01\x02\r\n", NULL };
		for (size_t k = 0; ik[k] != NULL; k++)
			sweep_send(s, op, op->party, path.data, "application/json", ik[k], "[]", 2,
				   "header Idempotency-Key");
		long_h.len = 0;
		sbuf_str(&long_h, "Idempotency-Key: ");
		sbuf_repeat(&long_h, "k", 4000);
		sbuf_str(&long_h, "\r\n");
		sweep_send(s, op, op->party, path.data, "application/json", long_h.data, "[]", 2,
			   "header Idempotency-Key long");
	}
	free(long_h.data);
	free(path.data);
}

/* The operation's example body with the member at path (a JSON array of
 * names and indexes) replaced by the raw text value (which need not be
 * valid JSON). Returns a new string the caller free()s. */
static char *body_with(const struct op *op, const json_t *path, const char *value)
{
	const json_t *ex = json_object_get(op->body, "example");
	json_t *root = ex ? json_deep_copy(ex) : json_object();
	json_t *cur = root;
	size_t n = json_array_size(path);
	for (size_t i = 0; i < n; i++) {
		const json_t *step = json_array_get(path, i);
		bool last = i + 1 == n;
		if (json_is_integer(step)) {
			if (!json_is_array(cur) || json_array_size(cur) == 0)
				break;
			if (last) {
				json_array_set_new(cur, 0, json_string("\x01sweep\x01"));
				break;
			}
			cur = json_array_get(cur, 0);
			continue;
		}
		const char *key = json_string_value(step);
		if (!json_is_object(cur))
			break;
		if (last) {
			json_object_set_new(cur, key, json_string("\x01sweep\x01"));
			break;
		}
		json_t *next = json_object_get(cur, key);
		if (next == NULL || (!json_is_object(next) && !json_is_array(next))) {
			next = json_object();
			json_object_set_new(cur, key, next);
		}
		cur = next;
	}
	char *text = json_dumps(root, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(root);
	ck_assert_ptr_nonnull(text);
	struct sbuf out = { 0 };
	const char *hit = strstr(text, "\"" SWEEP_SENTINEL "\"");
	if (hit == NULL) {
		sbuf_str(&out, text);
	} else {
		sbuf_add(&out, text, (size_t)(hit - text));
		sbuf_str(&out, value);
		sbuf_str(&out, hit + strlen("\"" SWEEP_SENTINEL "\""));
	}
	free(text);
	return out.data;
}

static void send_body(struct sweep *s, const struct op *op, const struct party *party, const char *ctype,
		      const char *body, size_t len, const char *label)
{
	struct sbuf path = { 0 };
	build_path(s, op, NULL, NULL, NULL, &path);
	sweep_send(s, op, party, path.data, ctype, NULL, body, len, label);
	free(path.data);
}

static void send_member(struct sweep *s, const struct op *op, const json_t *m, const char *value, const char *what)
{
	char *body = body_with(op, json_object_get(m, "path"), value);
	char label[160];
	char *p = json_dumps(json_object_get(m, "path"), JSON_COMPACT);
	snprintf(label, sizeof(label), "member %s %s", p, what);
	free(p);
	send_body(s, op, op->party, "application/json", body, strlen(body), label);
	free(body);
}

/* For each member: null, a scalar and a container of the wrong type, then
 * hostile values of its own type. Bytes that make the whole body invalid
 * (bad UTF-8, lone surrogates) are in sweep_bodies, once per operation. */
static void sweep_members(struct sweep *s, const struct op *op)
{
	struct sbuf big = { 0 };
	sbuf_str(&big, "\"");
	sbuf_repeat(&big, "x", 10000);
	sbuf_str(&big, "\"");
	const char *num[] = { "1e400", "-1", "9223372036854775808", "-9223372036854775809", "1.5", NULL };
	const char *str[] = { "\"a\\u0000b\"", "\"\"", big.data, NULL };
	const char *date[] = { "\"2026-02-30\"", "\"2026-13-01\"", "\"99999-01-01\"", "\"2026-1-1\"",
			       "\"2026-03-02T00:00:00Z\"", NULL };
	const char *dt[] = { "\"2026-13-40T99:99:99Z\"", "\"2026-03-02\"", NULL };
	const char *uuid[] = { "\"not-a-uuid\"", "\"00000000-0000-4000-8000-00000000000g\"", NULL };
	const char *arr[] = { "[42,{},[],null]", NULL };
	bool many_sent = false;

	size_t i;
	const json_t *m;
	json_array_foreach(json_object_get(op->body, "members"), i, m) {
		const char *type = json_string_value(json_object_get(m, "type"));
		const char *fmt = json_string_value(json_object_get(m, "format"));
		bool is_num = strcmp(type, "integer") == 0 || strcmp(type, "number") == 0;
		bool is_str = strcmp(type, "string") == 0;
		bool is_arr = strcmp(type, "array") == 0;
		send_member(s, op, m, "null", "null");
		send_member(s, op, m, is_str ? "42" : "\"1\"", "wrong scalar");
		send_member(s, op, m, is_arr ? "{}" : "[]", "wrong container");
		const char **values = is_num ? num : is_str ? str : is_arr ? arr : NULL;
		for (size_t k = 0; values != NULL && values[k] != NULL; k++) {
			char what[32];
			snprintf(what, sizeof(what), "%s #%zu", type, k);
			send_member(s, op, m, values[k], what);
		}
		const char **extra = !is_str			   ? NULL
				   : strcmp(fmt, "date") == 0	   ? date
				   : strcmp(fmt, "date-time") == 0 ? dt
				   : strcmp(fmt, "uuid") == 0	   ? uuid
								   : NULL;
		for (size_t k = 0; extra != NULL && extra[k] != NULL; k++)
			send_member(s, op, m, extra[k], extra[k]);
		if (is_arr && !many_sent) {
			/* One array per body with 20,000 items. */
			struct sbuf many = { 0 };
			sbuf_str(&many, "[\"x\"");
			sbuf_repeat(&many, ",\"x\"", 19999);
			sbuf_str(&many, "]");
			send_member(s, op, m, many.data, "20000 items");
			free(many.data);
			many_sent = true;
		}
	}
	free(big.data);
}

/* The first string member of the body (its path), or NULL. */
static const json_t *first_string_member(const struct op *op)
{
	size_t i;
	const json_t *m;
	json_array_foreach(json_object_get(op->body, "members"), i, m) {
		if (strcmp(json_string_value(json_object_get(m, "type")), "string") == 0)
			return json_object_get(m, "path");
	}
	return NULL;
}

static void sweep_bodies(struct sweep *s, const struct op *op)
{
	const char *malformed[] = { "", "{", "{\"a\":", "[1,2", "nul", "{}}", "{\"a\":1,}", "{'a':1}",
				    "[]", "\"x\"", "42", "null", "true", "{}", "\xef\xbb\xbf{}", "{\"\xff\":1}",
				    "{\"a\":\"\\ud800\"}", "{\"a\":1}\x00", NULL };
	for (size_t k = 0; malformed[k] != NULL; k++) {
		char label[48];
		snprintf(label, sizeof(label), "malformed #%zu", k);
		size_t len = strlen(malformed[k]) + (k == 17 ? 1 : 0);
		send_body(s, op, op->party, "application/json", malformed[k], len, label);
		if (k < 3)
			send_body(s, op, NULL, "application/json", malformed[k], len, label);
	}

	/* The example, as is and with its first member twice. */
	char *ex = json_dumps(json_object_get(op->body, "example"), JSON_COMPACT | JSON_ENCODE_ANY);
	if (ex == NULL)
		ex = strdup("{}");
	send_body(s, op, op->party, "application/json", ex, strlen(ex), "example");
	send_body(s, op, NULL, "application/json", ex, strlen(ex), "example");
	const char *colon = ex[0] == '{' ? strchr(ex, ':') : NULL;
	if (colon != NULL) {
		const char *end = strchr(colon, ',');
		if (end != NULL) {
			struct sbuf dup = { 0 };
			sbuf_add(&dup, ex, (size_t)(end - ex) + 1);
			sbuf_str(&dup, ex + 1);
			send_body(s, op, op->party, "application/json", dup.data, dup.len, "duplicate key");
			free(dup.data);
		}
	}

	/* Deep nesting, as the body and as a member. */
	struct sbuf deep = { 0 };
	sbuf_repeat(&deep, "[", SWEEP_DEPTH);
	sbuf_repeat(&deep, "]", SWEEP_DEPTH);
	send_body(s, op, op->party, "application/json", deep.data, deep.len, "deep arrays");
	send_body(s, op, NULL, "application/json", deep.data, deep.len, "deep arrays");
	deep.len = 0;
	sbuf_repeat(&deep, "{\"a\":", SWEEP_DEPTH);
	sbuf_str(&deep, "1");
	sbuf_repeat(&deep, "}", SWEEP_DEPTH);
	send_body(s, op, op->party, "application/json", deep.data, deep.len, "deep objects");
	const json_t *sm = first_string_member(op);
	if (sm != NULL) {
		deep.len = 0;
		sbuf_repeat(&deep, "[", SWEEP_DEPTH);
		sbuf_repeat(&deep, "]", SWEEP_DEPTH);
		char *b = body_with(op, sm, deep.data);
		send_body(s, op, op->party, "application/json", b, strlen(b), "deep member");
		free(b);
	}

	/* A 1 MB string (under the default body limit), and a body over it. */
	struct sbuf huge = { 0 };
	sbuf_str(&huge, "\"");
	sbuf_repeat(&huge, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
		    SWEEP_HUGE / 100);
	sbuf_str(&huge, "\"");
	const json_t *key = sm;
	json_t *unknown = NULL;
	if (key == NULL)
		key = unknown = json_pack("[s]", "sweep_unknown");
	char *b = body_with(op, key, huge.data);
	send_body(s, op, op->party, "application/json", b, strlen(b), "1 MB string");
	if (op->once)
		send_body(s, op, NULL, "application/json", b, strlen(b), "1 MB string");
	free(b);
	json_decref(unknown);
	if (op->once) {
		huge.len = 0;
		sbuf_str(&huge, "[\"");
		sbuf_repeat(&huge, "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy",
			    (2 * 1024 * 1024) / 100);
		sbuf_str(&huge, "\"]");
		send_body(s, op, op->party, "application/json", huge.data, huge.len, "2 MiB body");
	}

	/* Other media types. */
	send_body(s, op, op->party, "text/plain", ex, strlen(ex), "content-type text/plain");
	send_body(s, op, op->party, NULL, ex, strlen(ex), "content-type none");
	send_body(s, op, op->party, "application/json; charset=latin1", ex, strlen(ex), "content-type charset");
	send_body(s, op, op->party, "application/x-ndjson", "{\"a\":\n\xff\n[]\n", 11, "content-type ndjson");
	send_body(s, op, op->party, "application/x-www-form-urlencoded", "%zz=%&a=b&a=c&=", 16,
		  "content-type form");
	const char *mp = "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n{}\r\n--x--\r\n";
	send_body(s, op, op->party, "multipart/form-data; boundary=x", mp, strlen(mp),
		  "content-type multipart/form-data");
	send_body(s, op, NULL, "multipart/form-data; boundary=x", mp, strlen(mp),
		  "content-type multipart/form-data");
	free(ex);
	free(deep.data);
	free(huge.data);
}

/* Requests that the HTTP layer itself must refuse cleanly: framing, request
 * line and headers, each sent once as raw bytes; "@TOKEN@" in a text is
 * the admin's token. */
static void sweep_raw(struct sweep *s)
{
	static const struct {
		const char *label, *text;
	} raw[] = {
		{ "raw header without colon", "GET /v1/me HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
					      "Authorization: Bearer @TOKEN@\r\nNoColonHere\r\n\r\n" },
		{ "raw header control bytes", "GET /v1/me HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
					      "Authorization: Bearer @TOKEN@\r\nX-A: \x01\x7f\r\n\r\n" },
		{ "raw Content-Length abc", "POST /v1/households HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
					    "Authorization: Bearer @TOKEN@\r\nContent-Type: application/json\r\n"
					    "Content-Length: abc\r\n\r\n{}" },
		{ "raw Content-Length twice", "POST /v1/households HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
					      "Authorization: Bearer @TOKEN@\r\nContent-Type: application/json\r\n"
					      "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{} " },
		{ "raw Content-Length negative", "POST /v1/households HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
						 "Authorization: Bearer @TOKEN@\r\nContent-Type: application/json\r\n"
						 "Content-Length: -1\r\n\r\n{}" },
		{ "raw chunked and Content-Length",
		  "POST /v1/households HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
		  "Authorization: Bearer @TOKEN@\r\nContent-Type: application/json\r\n"
		  "Transfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n2\r\n{}\r\n0\r\n\r\n" },
		{ "raw chunked", "POST /v1/households HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
				 "Authorization: Bearer @TOKEN@\r\nContent-Type: application/json\r\n"
				 "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n" },
		{ "raw bad chunk size", "POST /v1/households HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
					"Authorization: Bearer @TOKEN@\r\nContent-Type: application/json\r\n"
					"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n" },
		{ "raw HTTP/2.0", "GET /v1/me HTTP/2.0\r\nHost: x\r\nAuthorization: Bearer @TOKEN@\r\n\r\n" },
		{ "raw HTTP/1.1 without Host", "GET /v1/me HTTP/1.1\r\nConnection: close\r\n"
					       "Authorization: Bearer @TOKEN@\r\n\r\n" },
		{ "raw unknown method", "FOO /v1/me HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
					"Authorization: Bearer @TOKEN@\r\n\r\n" },
		{ "raw request line garbage", "GET\r\n\r\n" },
		{ "raw absolute URI", "GET http://127.0.0.1/v1/me HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
				      "Authorization: Bearer @TOKEN@\r\n\r\n" },
		{ "raw asterisk", "OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
				  "Authorization: Bearer @TOKEN@\r\n\r\n" },
		{ "raw URL of 70000 bytes", NULL },
		{ "raw header of 70000 bytes", NULL },
	};
	struct sbuf b = { 0 };
	for (size_t i = 0; i < sizeof(raw) / sizeof(raw[0]); i++) {
		b.len = 0;
		if (raw[i].text != NULL) {
			const char *at = strstr(raw[i].text, "@TOKEN@");
			sbuf_add(&b, raw[i].text, at ? (size_t)(at - raw[i].text) : strlen(raw[i].text));
			if (at != NULL) {
				sbuf_str(&b, s->admin.token);
				sbuf_str(&b, at + strlen("@TOKEN@"));
			}
		} else {
			bool url = strstr(raw[i].label, "URL") != NULL;
			sbuf_str(&b, url ? "GET /v1/me?x=" : "GET /v1/me HTTP/1.1\r\nX-Big: ");
			sbuf_repeat(&b, "a", 70000);
			sbuf_str(&b, url ? " HTTP/1.1\r\n" : "\r\n");
			sbuf_fmt(&b, "Host: x\r\nConnection: close\r\nAuthorization: Bearer %s\r\n\r\n", s->admin.token);
		}
		struct http_response resp = { 0 };
		int rc = http_request(&resp, HARNESS_HOST, server.port, b.data, b.len, SWEEP_TIMEOUT_MS);
		s->sent++;
		char why[256];
		const char *bad = rc != HTTP_CLIENT_OK ? http_client_strerror(rc) : judge(&resp, why, sizeof(why));
		if (bad != NULL) {
			bool known = is_known(raw[i].label);
			if (known)
				s->known++;
			else
				s->failed++;
			fprintf(stderr, "sweep: %s %s: %s\n", known ? "known HTTP-layer failure:" : "FAIL", raw[i].label,
				bad);
		}
		http_response_free(&resp);
	}
	free(b.data);
}

/* --- fixtures ------------------------------------------------------------------ */

static void create_id(const struct party *p, const char *path, const char *body, char *id)
{
	int status = 0;
	json_t *j = fixtures_call_json(&server, p, "POST", path, body, NULL, &status);
	ck_assert_msg(status == 201, "POST %s answered %d: %s", path, status,
		      json_string_value(json_object_get(j, "detail")));
	snprintf(id, 40, "%s", json_string_value(json_object_get(j, "id")));
	json_decref(j);
}

static void sweep_fixtures(struct sweep *s)
{
	fixtures_admin(&server, &s->admin);
	fixtures_party(&server, &s->admin, "departement", NULL, NULL, &s->dept);
	fixtures_party(&server, &s->admin, "bailiff", NULL, NULL, &s->bailiff);
	fixtures_party(&server, &s->admin, "caf", NULL, NULL, &s->caf);
	fixtures_party(&server, &s->admin, "adil", NULL, NULL, &s->adil);
	struct party target;
	fixtures_party(&server, &s->admin, "association", NULL, NULL, &target);
	snprintf(s->target_org, sizeof(s->target_org), "%s", target.org_id);
	create_id(&s->admin, "/v1/households",
		  "{\"address\":{\"line\":\"1 rue de la Paix\",\"postcode\":\"91000\",\"insee\":\"91228\"},"
		  "\"sector\":\"social\",\"occupants\":{\"adults\":1,\"children\":1}}",
		  s->household);
	char path[96];
	snprintf(path, sizeof(path), "/v1/households/%s/procedures", s->household);
	create_id(&s->admin, path, "{\"reference\":\"SWEEP-1\"}", s->procedure);
	create_id(&s->admin, "/v1/commissions", "{\"level\":\"operational\",\"date\":\"2027-06-01\"}",
		  s->commission);
}

static const struct party *party_for(const struct sweep *s, const struct op *op)
{
	if (strncmp(op->path, "/v1/diagnostics", 15) == 0 || strncmp(op->path, "/v1/masp", 8) == 0)
		return &s->dept;
	if (strncmp(op->path, "/v1/imports", 11) == 0) {
		char kind[64];
		path_value(s, op, "id", kind, sizeof(kind));
		return strcmp(kind, "caf-signals") == 0	  ? &s->caf
		       : strcmp(kind, "adil-contacts") == 0 ? &s->adil
							    : &s->bailiff;
	}
	return &s->admin;
}

/* Every hostile request for one operation; once: this operation also
 * carries the cases that only the HTTP layer sees (a body over the limit,
 * a huge body without a token), which cost the same on every route. */
static void sweep_op(struct sweep *s, const json_t *o, bool once)
{
	struct op op = {
		.method = json_string_value(json_object_get(o, "method")),
		.path = json_string_value(json_object_get(o, "path")),
		.spec = o,
		.once = once,
	};
	op.has_body = json_array_size(json_object_get(o, "content_types")) > 0;
	op.if_match = op_param(&op, "header", "If-Match") != NULL;
	op.idempotency_key = op_param(&op, "header", "Idempotency-Key") != NULL;
	op.party = party_for(s, &op);
	s->ops++;
	memset(s->statuses, 0, sizeof(s->statuses));
	double t = now_s();
	send_path(s, &op, op.party, NULL, NULL, NULL, "plain");
	send_path(s, &op, NULL, NULL, NULL, NULL, "plain");
	sweep_path_ids(s, &op);
	s->secs[0] += now_s() - t;
	t = now_s();
	sweep_query(s, &op);
	s->secs[1] += now_s() - t;
	t = now_s();
	sweep_headers(s, &op);
	s->secs[2] += now_s() - t;
	size_t nbodies = json_array_size(json_object_get(o, "bodies"));
	for (op.variant = 0; op.has_body && op.variant < (nbodies ? nbodies : 1); op.variant++) {
		op.body = json_array_get(json_object_get(o, "bodies"), op.variant);
		op.party = party_for(s, &op);
		t = now_s();
		sweep_bodies(s, &op);
		s->secs[3] += now_s() - t;
		t = now_s();
		sweep_members(s, &op);
		s->secs[4] += now_s() - t;
	}
	if (getenv("SWEEP_VERBOSE") != NULL) {
		char line[1024];
		int n = snprintf(line, sizeof(line), "sweep: %s %s:", op.method, op.path);
		for (int st = 0; st < 600 && n > 0 && (size_t)n < sizeof(line); st++)
			if (s->statuses[st] > 0)
				n += snprintf(line + n, sizeof(line) - (size_t)n, " %d×%ld", st, s->statuses[st]);
		fprintf(stderr, "%s\n", line);
	}
}

/* The operations are shared out between SWEEP_THREADS workers (2 unless
 * set), each on its own connections with its own counts. */
struct worker {
	struct sweep s;
	const json_t *ops;
	size_t first, step, once;
	pthread_t thread;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	for (size_t i = w->first; i < json_array_size(w->ops); i += w->step)
		sweep_op(&w->s, json_array_get(w->ops, i), i == w->once);
	return NULL;
}

START_TEST(sweep_every_operation)
{
	const char *file = getenv("SWEEP_OPS");
	ck_assert_msg(file != NULL, "SWEEP_OPS names the operations file");
	json_error_t jerr;
	json_t *ops = json_load_file(file, 0, &jerr);
	ck_assert_msg(json_is_array(ops), "%s: %s", file, jerr.text);
	srand((unsigned)time(NULL));
	int nthreads = getenv("SWEEP_THREADS") ? atoi(getenv("SWEEP_THREADS")) : 2;
	if (nthreads < 1 || nthreads > 16)
		nthreads = 2;

	struct sweep *s = calloc(1, sizeof(*s));
	struct worker *w = calloc((size_t)nthreads, sizeof(*w));
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(w);
	sweep_fixtures(s);
	size_t once = 0;
	while (once < json_array_size(ops) &&
	       json_array_size(json_object_get(json_array_get(ops, once), "content_types")) == 0)
		once++;
	double t0 = now_s();
	for (int k = 0; k < nthreads; k++) {
		w[k].s = *s;
		w[k].ops = ops;
		w[k].first = (size_t)k;
		w[k].step = (size_t)nthreads;
		w[k].once = once;
		ck_assert_int_eq(pthread_create(&w[k].thread, NULL, worker_run, &w[k]), 0);
	}
	for (int k = 0; k < nthreads; k++) {
		pthread_join(w[k].thread, NULL);
		s->ops += w[k].s.ops;
		s->sent += w[k].s.sent;
		s->failed += w[k].s.failed;
		s->known += w[k].s.known;
		for (int c = 0; c < 5; c++)
			s->secs[c] += w[k].s.secs[c];
	}
	sweep_raw(s);
	fprintf(stderr, "sweep: %d operations, %ld requests in %.1f s (%d threads): %ld failed, %ld known HTTP-layer "
		"failures\n", s->ops, s->sent, now_s() - t0, nthreads, s->failed, s->known);
	fprintf(stderr, "sweep: seconds in paths %.1f, queries %.1f, headers %.1f, bodies %.1f, members %.1f\n",
		s->secs[0], s->secs[1], s->secs[2], s->secs[3], s->secs[4]);
	long failed = s->failed;
	free(w);
	free(s);
	json_decref(ops);
	ck_assert_msg(failed == 0, "%ld hostile requests got a 5xx, no answer or a 4xx that is not a problem "
		      "(listed above)", failed);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("sweep");
	TCase *tc = tcase_create("sweep");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 110);
	tcase_add_test(tc, sweep_every_operation);
	suite_add_tcase(su, tc);
	SRunner *sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (failed == 0)
		harness_discard_log(&server);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
