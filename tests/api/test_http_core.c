/*
 * End-to-end tests of the HTTP core (issue "HTTP core"): the real `prevex
 * serve` over TCP, on a real PostgreSQL. Each test case has its own server
 * (an unchecked fixture); the shutdown test starts and stops its own.
 */
#include <check.h>
#include <ctype.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "tests/api/harness.h"
#include "tests/api/http_client.h"

enum {
	IDLE_CONNECTIONS = 300,
	SLOW_CLIENTS = 16,
	PROMPT_MS = 2000,
	MAX_BODY_SIZE = 4096,
	OVERSIZED_BODY = 8192,
	SHUTDOWN_CLIENTS = 20,
};

/* The server of the running test case: each case's unchecked fixture starts it. */
static struct harness server;

static const char *const http_modes[] = { "pool", "per-connection" };

static void server_start_or_abort(struct harness *h, const char *extra_env[])
{
	if (harness_start(h, extra_env) != 0)
		ck_abort_msg("cannot start prevex: %s", h->error);
}

/* Keeps and prints the log only if the server did not stop cleanly; a failed
 * test's own message says what went wrong on the wire. */
static void server_stop(struct harness *h)
{
	int code = harness_stop(h);

	if (code == 0) {
		harness_discard_log(h);
		return;
	}
	fprintf(stderr, "prevex serve exited with status %d after SIGTERM\n", code);
	harness_print_log(h);
}

static void core_setup(void)
{
	server_start_or_abort(&server, NULL);
}

static void per_connection_setup(void)
{
	const char *env[] = { "PREVEX_HTTP_MODE=per-connection", NULL };

	server_start_or_abort(&server, env);
}

static void limits_setup(void)
{
	const char *env[] = { "PREVEX_MAX_BODY_SIZE=4096", NULL };

	server_start_or_abort(&server, env);
}

static void server_teardown(void)
{
	server_stop(&server);
}

static long long clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int starts_with_ci(const char *s, const char *prefix)
{
	return s != NULL && strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* Does the comma-separated header value list contain token (case-insensitive)? */
static int header_has_token(const char *value, const char *token)
{
	size_t tlen = strlen(token);
	const char *p = value;

	while (p != NULL && *p != '\0') {
		const char *end = strchr(p, ',');
		const char *stop = end ? end : p + strlen(p);

		while (p < stop && isspace((unsigned char)*p))
			p++;
		while (stop > p && isspace((unsigned char)stop[-1]))
			stop--;
		if ((size_t)(stop - p) == tlen && strncasecmp(p, token, tlen) == 0)
			return 1;
		p = end ? end + 1 : NULL;
	}
	return 0;
}

static int is_hex_span(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

/* 32 hex digits, or a UUID (8-4-4-4-12 hex digits). */
static int request_id_is_generated(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	if (n == 32)
		return is_hex_span(id, 32);
	if (n == 36)
		return id[8] == '-' && id[13] == '-' && id[18] == '-' && id[23] == '-' &&
		       is_hex_span(id, 8) && is_hex_span(id + 9, 4) && is_hex_span(id + 14, 4) &&
		       is_hex_span(id + 19, 4) && is_hex_span(id + 24, 12);
	return 0;
}

static void get_or_abort(const struct harness *h, struct http_response *resp, const char *path,
			 const char *headers)
{
	int rc = harness_get(h, resp, path, headers);

	ck_assert_msg(rc == HTTP_CLIENT_OK, "GET %s: %s", path, http_client_strerror(rc));
}

static void post_or_abort(const struct harness *h, struct http_response *resp, const char *path,
			  const char *headers, const char *body, size_t len)
{
	int rc = http_send(resp, HARNESS_HOST, h->port, "POST", path, headers, body, len);

	ck_assert_msg(rc == HTTP_CLIENT_OK, "POST %s: %s", path, http_client_strerror(rc));
}

/*
 * Asserts an RFC 9457 problem with the given status, whose request_id is the
 * X-Request-Id header. Returns a new reference to the body; the caller
 * json_decref()s it.
 */
static json_t *assert_problem(const struct http_response *resp, int status, const char *what)
{
	const char *ctype = http_response_header(resp, "content-type");
	const char *header_id = http_response_header(resp, "x-request-id");
	json_t *body;
	json_t *member;

	ck_assert_msg(resp->status == status, "%s: status %d, expected %d; body: %.300s", what,
		      resp->status, status, resp->body);
	ck_assert_msg(starts_with_ci(ctype, "application/problem+json"),
		      "%s: Content-Type is \"%s\", expected application/problem+json", what,
		      ctype ? ctype : "(none)");
	ck_assert_msg(strcasestr(resp->body, "<html") == NULL, "%s: HTML in a problem: %.300s",
		      what, resp->body);
	body = harness_json(resp);
	ck_assert_msg(json_is_object(body), "%s: body is not a JSON object: %.300s", what,
		      resp->body);
	ck_assert_msg(json_is_string(json_object_get(body, "type")), "%s: no string \"type\": %s",
		      what, resp->body);
	ck_assert_msg(json_is_string(json_object_get(body, "title")),
		      "%s: no string \"title\": %s", what, resp->body);
	ck_assert_msg(json_is_string(json_object_get(body, "detail")),
		      "%s: no string \"detail\": %s", what, resp->body);
	member = json_object_get(body, "status");
	ck_assert_msg(json_is_integer(member) && json_integer_value(member) == status,
		      "%s: \"status\" is not the integer %d: %s", what, status, resp->body);
	member = json_object_get(body, "request_id");
	ck_assert_msg(json_is_string(member) && json_string_length(member) > 0,
		      "%s: no string \"request_id\": %s", what, resp->body);
	ck_assert_msg(header_id != NULL, "%s: no X-Request-Id header", what);
	ck_assert_msg(strcmp(json_string_value(member), header_id) == 0,
		      "%s: request_id \"%s\" differs from X-Request-Id \"%s\"", what,
		      json_string_value(member), header_id);
	return body;
}

static void assert_problem_only(const struct http_response *resp, int status, const char *what)
{
	json_decref(assert_problem(resp, status, what));
}

/*
 * Finds the sample `name` (a metric name with its exact label set, or a bare
 * name whose labels, if any, are ignored) in a Prometheus text body.
 * Returns 1 and *value, or 0.
 */
static int metrics_find(const char *body, const char *name, int exact_labels, double *value)
{
	size_t len = strlen(name);
	const char *line = body;

	while (line != NULL && *line != '\0') {
		const char *next = strchr(line, '\n');
		const char *p = line + len;

		if (line[0] != '#' && strncmp(line, name, len) == 0) {
			if (!exact_labels && *p == '{') {
				p = strchr(p, '}');
				p = p ? p + 1 : NULL;
			}
			if (p != NULL && *p == ' ') {
				char *end = NULL;
				double v = strtod(p + 1, &end);

				if (end != p + 1) {
					*value = v;
					return 1;
				}
			}
		}
		line = next ? next + 1 : NULL;
	}
	return 0;
}

static int metrics_has_line_prefix(const char *body, const char *prefix, const char *also)
{
	const char *line = body;

	while (line != NULL && *line != '\0') {
		const char *next = strchr(line, '\n');
		size_t line_len = next ? (size_t)(next - line) : strlen(line);

		if (strncmp(line, prefix, strlen(prefix)) == 0) {
			char *copy = strndup(line, line_len);
			int found = copy != NULL && (also == NULL || strstr(copy, also) != NULL);

			free(copy);
			if (found)
				return 1;
		}
		line = next ? next + 1 : NULL;
	}
	return 0;
}

static void metrics_get(struct http_response *resp)
{
	const char *ctype;

	get_or_abort(&server, resp, "/metrics", NULL);
	ctype = http_response_header(resp, "content-type");
	ck_assert_msg(resp->status == 200, "GET /metrics: %d: %.300s", resp->status, resp->body);
	ck_assert_msg(starts_with_ci(ctype, "text/plain") && ctype != NULL &&
			      strstr(ctype, "version=0.0.4") != NULL,
		      "GET /metrics: Content-Type \"%s\", expected text/plain; version=0.0.4",
		      ctype ? ctype : "(none)");
}

/* ---- health, readiness, metrics ---- */

START_TEST(test_healthz_ok)
{
	struct http_response resp;
	json_t *body;

	get_or_abort(&server, &resp, "/healthz", NULL);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_msg(starts_with_ci(http_response_header(&resp, "content-type"),
				     "application/json"),
		      "Content-Type \"%s\"", http_response_header(&resp, "content-type"));
	body = harness_json(&resp);
	ck_assert_msg(json_is_object(body) && json_object_size(body) == 1,
		      "body is not {\"status\":\"ok\"}: %s", resp.body);
	ck_assert_str_eq(json_string_value(json_object_get(body, "status")), "ok");
	json_decref(body);
	http_response_free(&resp);
}
END_TEST

START_TEST(test_readyz_ready_with_schema_version)
{
	struct http_response resp;
	json_t *body;
	json_t *version;

	get_or_abort(&server, &resp, "/readyz", NULL);
	ck_assert_msg(resp.status == 200, "GET /readyz: %d: %s", resp.status, resp.body);
	ck_assert_msg(starts_with_ci(http_response_header(&resp, "content-type"),
				     "application/json"),
		      "Content-Type \"%s\"", http_response_header(&resp, "content-type"));
	body = harness_json(&resp);
	ck_assert_msg(json_is_object(body), "not a JSON object: %s", resp.body);
	ck_assert_msg(json_is_string(json_object_get(body, "status")) &&
			      strcmp(json_string_value(json_object_get(body, "status")), "ready") == 0,
		      "status is not \"ready\": %s", resp.body);
	version = json_object_get(body, "schema_version");
	ck_assert_msg(json_is_integer(version) && json_integer_value(version) >= 1,
		      "schema_version is not an integer >= 1: %s", resp.body);
	json_decref(body);
	http_response_free(&resp);
}
END_TEST

START_TEST(test_metrics_count_healthz_requests)
{
	static const char counter[] =
		"prevex_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"}";
	struct http_response resp;
	double before = 0;
	double after = 0;

	metrics_get(&resp);
	metrics_find(resp.body, counter, 1, &before);
	http_response_free(&resp);

	get_or_abort(&server, &resp, "/healthz", NULL);
	ck_assert_int_eq(resp.status, 200);
	http_response_free(&resp);

	metrics_get(&resp);
	ck_assert_msg(metrics_find(resp.body, counter, 1, &after), "no sample %s in:\n%.2000s",
		      counter, resp.body);
	ck_assert_msg(after >= before + 1, "%s went from %g to %g after a GET /healthz", counter,
		      before, after);
	http_response_free(&resp);
}
END_TEST

START_TEST(test_metrics_duration_histogram)
{
	static const char name[] = "prevex_http_request_duration_seconds";
	struct http_response resp;
	char key[128];
	double sum = -1;
	double count = -1;

	get_or_abort(&server, &resp, "/healthz", NULL);
	http_response_free(&resp);
	metrics_get(&resp);
	snprintf(key, sizeof(key), "%s_bucket{", name);
	ck_assert_msg(metrics_has_line_prefix(resp.body, key, "le=\""),
		      "no %s...le=\"...\"} bucket in:\n%.2000s", key, resp.body);
	ck_assert_msg(metrics_has_line_prefix(resp.body, key, "le=\"+Inf\""),
		      "no le=\"+Inf\" bucket in:\n%.2000s", resp.body);
	snprintf(key, sizeof(key), "%s_sum", name);
	ck_assert_msg(metrics_find(resp.body, key, 0, &sum) && sum >= 0, "no %s in:\n%.2000s", key,
		      resp.body);
	snprintf(key, sizeof(key), "%s_count", name);
	ck_assert_msg(metrics_find(resp.body, key, 0, &count) && count >= 1,
		      "no %s >= 1 in:\n%.2000s", key, resp.body);
	http_response_free(&resp);
}
END_TEST

START_TEST(test_metrics_pool_gauges)
{
	struct http_response resp;
	double size = -1;
	double in_use = -1;
	double waiting = -1;

	metrics_get(&resp);
	ck_assert_msg(metrics_find(resp.body, "prevex_db_pool_size", 0, &size),
		      "no prevex_db_pool_size in:\n%.2000s", resp.body);
	ck_assert_msg(metrics_find(resp.body, "prevex_db_pool_in_use", 0, &in_use),
		      "no prevex_db_pool_in_use in:\n%.2000s", resp.body);
	ck_assert_msg(metrics_find(resp.body, "prevex_db_pool_waiting", 0, &waiting),
		      "no prevex_db_pool_waiting in:\n%.2000s", resp.body);
	ck_assert_msg(size >= 1, "prevex_db_pool_size is %g", size);
	ck_assert_msg(in_use >= 0 && in_use <= size, "prevex_db_pool_in_use is %g (size %g)",
		      in_use, size);
	ck_assert_msg(waiting >= 0, "prevex_db_pool_waiting is %g", waiting);
	http_response_free(&resp);
}
END_TEST

/* ---- problem+json errors ---- */

START_TEST(test_unknown_route_404)
{
	struct http_response resp;

	get_or_abort(&server, &resp, "/nope", NULL);
	assert_problem_only(&resp, 404, "GET /nope");
	http_response_free(&resp);
}
END_TEST

START_TEST(test_unknown_v1_route_404)
{
	struct http_response resp;

	get_or_abort(&server, &resp, "/v1/nope", NULL);
	assert_problem_only(&resp, 404, "GET /v1/nope");
	http_response_free(&resp);
}
END_TEST

START_TEST(test_wrong_method_405_with_allow)
{
	struct http_response resp;
	const char *allow;
	int rc = http_send(&resp, HARNESS_HOST, server.port, "DELETE", "/healthz", NULL,
			   NULL, 0);

	ck_assert_msg(rc == HTTP_CLIENT_OK, "DELETE /healthz: %s", http_client_strerror(rc));
	assert_problem_only(&resp, 405, "DELETE /healthz");
	allow = http_response_header(&resp, "allow");
	ck_assert_msg(allow != NULL && header_has_token(allow, "GET"),
		      "405 without Allow: GET (Allow: %s)", allow ? allow : "(none)");
	http_response_free(&resp);
}
END_TEST

/* POST /v1/token with a JSON body that must be refused with 400 naming the position. */
static void token_expect_400_at_position(const char *json)
{
	struct http_response resp;
	json_t *body;
	const char *detail;

	post_or_abort(&server, &resp, "/v1/token", "Content-Type: application/json\r\n", json,
		      strlen(json));
	body = assert_problem(&resp, 400, json);
	detail = json_string_value(json_object_get(body, "detail"));
	ck_assert_msg(strcasestr(detail, "line") != NULL || strcasestr(detail, "position") != NULL,
		      "body %s: detail \"%s\" names no line or position", json, detail);
	json_decref(body);
	http_response_free(&resp);
}

START_TEST(test_token_malformed_json_400)
{
	token_expect_400_at_position("{\"a\":");
}
END_TEST

START_TEST(test_token_duplicate_keys_400)
{
	token_expect_400_at_position("{\"a\":1,\"a\":2}");
}
END_TEST

START_TEST(test_token_bare_scalar_400)
{
	token_expect_400_at_position("42");
}
END_TEST

START_TEST(test_token_array_400)
{
	token_expect_400_at_position("[]");
}
END_TEST

START_TEST(test_token_text_plain_415)
{
	static const char json[] = "{\"client_id\":\"e2e\",\"client_secret\":\"e2e\"}";
	struct http_response resp;

	post_or_abort(&server, &resp, "/v1/token", "Content-Type: text/plain\r\n", json,
		      strlen(json));
	assert_problem_only(&resp, 415, "POST /v1/token as text/plain");
	http_response_free(&resp);
}
END_TEST

/* ---- X-Request-Id ---- */

static void request_id_expect_echo(const char *id)
{
	struct http_response resp;
	char header[256];
	const char *got;

	snprintf(header, sizeof(header), "X-Request-Id: %s\r\n", id);
	get_or_abort(&server, &resp, "/healthz", header);
	ck_assert_int_eq(resp.status, 200);
	got = http_response_header(&resp, "x-request-id");
	ck_assert_msg(got != NULL && strcmp(got, id) == 0, "sent X-Request-Id %s, got %s", id,
		      got ? got : "(none)");
	ck_assert_uint_eq(http_response_header_count(&resp, "x-request-id"), 1);
	http_response_free(&resp);
}

static void request_id_expect_replaced(const char *id)
{
	struct http_response resp;
	char header[256];
	const char *got;

	snprintf(header, sizeof(header), "X-Request-Id: %s\r\n", id);
	get_or_abort(&server, &resp, "/healthz", header);
	ck_assert_int_eq(resp.status, 200);
	got = http_response_header(&resp, "x-request-id");
	ck_assert_msg(got != NULL && strcmp(got, id) != 0,
		      "invalid X-Request-Id \"%s\" was echoed or dropped (got %s)", id,
		      got ? got : "(none)");
	ck_assert_msg(request_id_is_generated(got), "generated id \"%s\" is neither 32 hex "
		      "digits nor a UUID", got);
	http_response_free(&resp);
}

START_TEST(test_request_id_valid_is_echoed)
{
	request_id_expect_echo("abc-123_XYZ");
}
END_TEST

/* len characters drawn from the whole allowed alphabet [A-Za-z0-9._-]. */
static void request_id_of_length(char *out, size_t len)
{
	static const char alphabet[] =
		"0123456789.abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOPQRSTUVWXYZ_";

	for (size_t i = 0; i < len; i++)
		out[i] = alphabet[i % (sizeof(alphabet) - 1)];
	out[len] = '\0';
}

START_TEST(test_request_id_of_64_chars_is_echoed)
{
	char id[65];

	request_id_of_length(id, 64);
	request_id_expect_echo(id);
}
END_TEST

START_TEST(test_request_id_too_long_is_replaced)
{
	char id[66];

	request_id_of_length(id, 65);
	request_id_expect_replaced(id);
}
END_TEST

START_TEST(test_request_id_bad_characters_are_replaced)
{
	request_id_expect_replaced("abc/def;<x>");
}
END_TEST

START_TEST(test_request_id_empty_is_replaced)
{
	request_id_expect_replaced("");
}
END_TEST

START_TEST(test_request_id_generated_when_absent)
{
	struct http_response first;
	struct http_response second;
	const char *a;
	const char *b;

	get_or_abort(&server, &first, "/healthz", NULL);
	get_or_abort(&server, &second, "/healthz", NULL);
	a = http_response_header(&first, "x-request-id");
	b = http_response_header(&second, "x-request-id");
	ck_assert_msg(request_id_is_generated(a), "generated id \"%s\" is neither 32 hex digits "
		      "nor a UUID", a ? a : "(none)");
	ck_assert_msg(request_id_is_generated(b), "generated id \"%s\"", b ? b : "(none)");
	ck_assert_msg(strcmp(a, b) != 0, "two requests got the same id %s", a);
	http_response_free(&first);
	http_response_free(&second);
}
END_TEST

START_TEST(test_request_id_client_value_in_problem)
{
	struct http_response resp;
	json_t *body;

	get_or_abort(&server, &resp, "/nope", "X-Request-Id: e2e-problem.42\r\n");
	body = assert_problem(&resp, 404, "GET /nope with X-Request-Id");
	ck_assert_str_eq(json_string_value(json_object_get(body, "request_id")), "e2e-problem.42");
	json_decref(body);
	http_response_free(&resp);
}
END_TEST

START_TEST(test_request_id_generated_in_problem)
{
	struct http_response resp;
	json_t *body;
	const char *id;

	get_or_abort(&server, &resp, "/v1/nope", NULL);
	body = assert_problem(&resp, 404, "GET /v1/nope");
	id = json_string_value(json_object_get(body, "request_id"));
	ck_assert_msg(request_id_is_generated(id), "problem request_id \"%s\" is neither 32 hex "
		      "digits nor a UUID", id);
	json_decref(body);
	http_response_free(&resp);
}
END_TEST

/* ---- connection handling ---- */

static void nofile_ensure(rlim_t wanted)
{
	struct rlimit rl;

	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur >= wanted)
		return;
	ck_assert_msg(rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= wanted,
		      "RLIMIT_NOFILE hard limit %llu < %llu", (unsigned long long)rl.rlim_max,
		      (unsigned long long)wanted);
	rl.rlim_cur = wanted;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
}

static void healthz_expect_prompt(const char *situation)
{
	static const char request[] =
		"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
	struct http_response resp;
	long long start = clock_ms();
	long long elapsed;
	int rc = http_request(&resp, HARNESS_HOST, server.port, request, sizeof(request) - 1,
			      PROMPT_MS);

	elapsed = clock_ms() - start;
	ck_assert_msg(rc == HTTP_CLIENT_OK, "GET /healthz %s: %s after %lld ms", situation,
		      http_client_strerror(rc), elapsed);
	ck_assert_msg(resp.status == 200, "GET /healthz %s: status %d", situation, resp.status);
	ck_assert_msg(elapsed < PROMPT_MS, "GET /healthz %s took %lld ms", situation, elapsed);
	http_response_free(&resp);
}

START_TEST(test_idle_connections_do_not_starve)
{
	int fds[IDLE_CONNECTIONS];

	nofile_ensure(IDLE_CONNECTIONS + 256);
	for (int i = 0; i < IDLE_CONNECTIONS; i++) {
		fds[i] = http_connect(HARNESS_HOST, server.port, PROMPT_MS);
		ck_assert_msg(fds[i] >= 0, "idle connection %d: %s", i,
			      http_client_strerror(fds[i]));
	}
	/* Let the server accept them all before measuring. */
	sleep_ms(300);
	healthz_expect_prompt("with 300 idle connections open");
	for (int i = 0; i < IDLE_CONNECTIONS; i++)
		close(fds[i]);
}
END_TEST

START_TEST(test_slow_clients_do_not_block)
{
	static const char half_line[] = "GET /heal";
	int fds[SLOW_CLIENTS];

	for (int i = 0; i < SLOW_CLIENTS; i++) {
		int rc;

		fds[i] = http_connect(HARNESS_HOST, server.port, PROMPT_MS);
		ck_assert_msg(fds[i] >= 0, "slow client %d: %s", i, http_client_strerror(fds[i]));
		rc = http_write_all(fds[i], half_line, sizeof(half_line) - 1, PROMPT_MS);
		ck_assert_msg(rc == HTTP_CLIENT_OK, "slow client %d: %s", i,
			      http_client_strerror(rc));
	}
	sleep_ms(300);
	healthz_expect_prompt("while 16 clients sit on half a request line");
	for (int i = 0; i < SLOW_CLIENTS; i++)
		close(fds[i]);
}
END_TEST

/* ---- body size limit (PREVEX_MAX_BODY_SIZE=4096) ---- */

/* A JSON object of exactly len bytes, so that a truncated copy is malformed. */
static char *json_object_of_size(size_t len)
{
	static const char head[] = "{\"client_id\":\"";
	static const char tail[] = "\"}";
	char *s = malloc(len + 1);

	ck_assert_ptr_nonnull(s);
	memcpy(s, head, sizeof(head) - 1);
	memset(s + sizeof(head) - 1, 'a', len - (sizeof(head) - 1) - (sizeof(tail) - 1));
	memcpy(s + len - (sizeof(tail) - 1), tail, sizeof(tail) - 1);
	s[len] = '\0';
	return s;
}

START_TEST(test_body_over_limit_by_content_length_413)
{
	struct http_response resp;
	char *json = json_object_of_size(OVERSIZED_BODY);

	post_or_abort(&server, &resp, "/v1/token", "Content-Type: application/json\r\n",
		      json, OVERSIZED_BODY);
	assert_problem_only(&resp, 413, "8 KiB body with Content-Length, limit 4096");
	http_response_free(&resp);
	free(json);
}
END_TEST

START_TEST(test_body_over_limit_chunked_413)
{
	enum { CHUNK = 1024 };
	struct http_response resp;
	char *json = json_object_of_size(OVERSIZED_BODY);
	char *request = malloc(OVERSIZED_BODY + 4096);
	size_t len;
	int rc;

	ck_assert_ptr_nonnull(request);
	len = (size_t)sprintf(request,
			      "POST /v1/token HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n"
			      "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
			      HARNESS_HOST, server.port);
	for (size_t off = 0; off < OVERSIZED_BODY; off += CHUNK) {
		len += (size_t)sprintf(request + len, "%x\r\n", CHUNK);
		memcpy(request + len, json + off, CHUNK);
		len += CHUNK;
		len += (size_t)sprintf(request + len, "\r\n");
	}
	len += (size_t)sprintf(request + len, "0\r\n\r\n");
	rc = http_request(&resp, HARNESS_HOST, server.port, request, len,
			  HTTP_CLIENT_DEFAULT_TIMEOUT_MS);
	ck_assert_msg(rc == HTTP_CLIENT_OK, "chunked POST: %s", http_client_strerror(rc));
	assert_problem_only(&resp, 413, "8 KiB chunked body, limit 4096");
	http_response_free(&resp);
	free(request);
	free(json);
}
END_TEST

START_TEST(test_body_under_limit_is_not_413)
{
	struct http_response resp;
	char *json = json_object_of_size(MAX_BODY_SIZE - 96);

	post_or_abort(&server, &resp, "/v1/token", "Content-Type: application/json\r\n",
		      json, strlen(json));
	ck_assert_msg(resp.status != 413 && resp.status < 500,
		      "a %d-byte body under the 4096 limit got %d: %.300s", MAX_BODY_SIZE - 96,
		      resp.status, resp.body);
	http_response_free(&resp);
	free(json);
}
END_TEST

/* ---- graceful shutdown ---- */

struct shutdown_client {
	int port;
	pthread_barrier_t *connected;
	pthread_barrier_t *go;
	atomic_int *sent;
	int fd;
	int rc;
	int status;
	char first_bytes[64];
};

static void *shutdown_client_run(void *arg)
{
	static const char request[] =
		"GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
	struct shutdown_client *c = arg;
	struct http_response resp;

	c->fd = http_connect(HARNESS_HOST, c->port, PROMPT_MS);
	pthread_barrier_wait(c->connected);
	pthread_barrier_wait(c->go);
	if (c->fd < 0) {
		c->rc = c->fd;
		atomic_fetch_add(c->sent, 1);
		return NULL;
	}
	/* The request is small: one send puts it all in flight. */
	c->rc = http_write_all(c->fd, request, sizeof(request) - 1, PROMPT_MS);
	atomic_fetch_add(c->sent, 1);
	if (c->rc == HTTP_CLIENT_OK) {
		c->rc = http_exchange(&resp, c->fd, NULL, 0, 15000);
		c->status = resp.status;
		if (c->rc == HTTP_CLIENT_OK)
			snprintf(c->first_bytes, sizeof(c->first_bytes), "%.40s", resp.body);
		http_response_free(&resp);
	}
	close(c->fd);
	return NULL;
}

/* _i selects the HTTP mode: both must drain. */
START_TEST(test_graceful_shutdown_finishes_requests)
{
	char mode_env[64];
	const char *env[] = { mode_env, NULL };
	struct harness h;
	struct shutdown_client clients[SHUTDOWN_CLIENTS];
	pthread_t threads[SHUTDOWN_CLIENTS];
	pthread_barrier_t connected;
	pthread_barrier_t go;
	atomic_int sent = 0;
	long long deadline;
	int unconnected = 0;
	int incomplete = 0;
	int first_failure = 0;
	int code;

	snprintf(mode_env, sizeof(mode_env), "PREVEX_HTTP_MODE=%s", http_modes[_i]);
	if (harness_start(&h, env) != 0)
		ck_abort_msg("cannot start prevex (%s): %s", mode_env, h.error);
	pthread_barrier_init(&connected, NULL, SHUTDOWN_CLIENTS + 1);
	pthread_barrier_init(&go, NULL, SHUTDOWN_CLIENTS + 1);
	for (int i = 0; i < SHUTDOWN_CLIENTS; i++) {
		clients[i] = (struct shutdown_client){ .port = h.port, .connected = &connected,
						       .go = &go, .sent = &sent, .fd = -1 };
		ck_assert_int_eq(pthread_create(&threads[i], NULL, shutdown_client_run, &clients[i]),
				 0);
	}
	pthread_barrier_wait(&connected);
	/* Every connection is accepted by the server before the requests leave. */
	sleep_ms(300);
	pthread_barrier_wait(&go);
	deadline = clock_ms() + PROMPT_MS;
	while (atomic_load(&sent) < SHUTDOWN_CLIENTS && clock_ms() < deadline)
		sleep_ms(1);
	ck_assert_int_eq(harness_signal(&h, SIGTERM), 0);
	for (int i = 0; i < SHUTDOWN_CLIENTS; i++)
		pthread_join(threads[i], NULL);
	code = harness_wait(&h, 15000);
	if (code == -2)
		code = harness_stop(&h);
	pthread_barrier_destroy(&connected);
	pthread_barrier_destroy(&go);

	for (int i = 0; i < SHUTDOWN_CLIENTS; i++) {
		if (clients[i].fd < 0)
			unconnected++;
		else if (clients[i].rc != HTTP_CLIENT_OK || clients[i].status < 200)
			first_failure = incomplete++ == 0 ? i : first_failure;
	}
	if (unconnected != 0 || incomplete != 0 || code != 0)
		harness_print_log(&h);
	else
		harness_discard_log(&h);
	ck_assert_msg(unconnected == 0, "%s: %d of %d clients could not connect before SIGTERM",
		      http_modes[_i], unconnected, SHUTDOWN_CLIENTS);
	ck_assert_msg(incomplete == 0,
		      "%s: %d of %d requests in flight at SIGTERM got no complete response "
		      "(client %d: %s, status %d)", http_modes[_i], incomplete, SHUTDOWN_CLIENTS,
		      first_failure, http_client_strerror(clients[first_failure].rc),
		      clients[first_failure].status);
	ck_assert_msg(code == 0, "%s: prevex serve exited with status %d after SIGTERM",
		      http_modes[_i], code);
}
END_TEST

static Suite *http_core_suite(void)
{
	Suite *s = suite_create("http_core");
	TCase *core = tcase_create("core");
	TCase *per_connection = tcase_create("per_connection");
	TCase *limits = tcase_create("limits");
	TCase *shutdown = tcase_create("shutdown");

	tcase_add_unchecked_fixture(core, core_setup, server_teardown);
	tcase_set_timeout(core, 60);
	tcase_add_test(core, test_healthz_ok);
	tcase_add_test(core, test_readyz_ready_with_schema_version);
	tcase_add_test(core, test_metrics_count_healthz_requests);
	tcase_add_test(core, test_metrics_duration_histogram);
	tcase_add_test(core, test_metrics_pool_gauges);
	tcase_add_test(core, test_unknown_route_404);
	tcase_add_test(core, test_unknown_v1_route_404);
	tcase_add_test(core, test_wrong_method_405_with_allow);
	tcase_add_test(core, test_token_malformed_json_400);
	tcase_add_test(core, test_token_duplicate_keys_400);
	tcase_add_test(core, test_token_bare_scalar_400);
	tcase_add_test(core, test_token_array_400);
	tcase_add_test(core, test_token_text_plain_415);
	tcase_add_test(core, test_request_id_valid_is_echoed);
	tcase_add_test(core, test_request_id_of_64_chars_is_echoed);
	tcase_add_test(core, test_request_id_too_long_is_replaced);
	tcase_add_test(core, test_request_id_bad_characters_are_replaced);
	tcase_add_test(core, test_request_id_empty_is_replaced);
	tcase_add_test(core, test_request_id_generated_when_absent);
	tcase_add_test(core, test_request_id_client_value_in_problem);
	tcase_add_test(core, test_request_id_generated_in_problem);
	tcase_add_test(core, test_idle_connections_do_not_starve);
	tcase_add_test(core, test_slow_clients_do_not_block);
	suite_add_tcase(s, core);

	/* The connection-handling promises hold in the other threading mode too. */
	tcase_add_unchecked_fixture(per_connection, per_connection_setup, server_teardown);
	tcase_set_timeout(per_connection, 60);
	tcase_add_test(per_connection, test_healthz_ok);
	tcase_add_test(per_connection, test_readyz_ready_with_schema_version);
	tcase_add_test(per_connection, test_unknown_route_404);
	tcase_add_test(per_connection, test_idle_connections_do_not_starve);
	tcase_add_test(per_connection, test_slow_clients_do_not_block);
	suite_add_tcase(s, per_connection);

	tcase_add_unchecked_fixture(limits, limits_setup, server_teardown);
	tcase_set_timeout(limits, 60);
	tcase_add_test(limits, test_body_over_limit_by_content_length_413);
	tcase_add_test(limits, test_body_over_limit_chunked_413);
	tcase_add_test(limits, test_body_under_limit_is_not_413);
	suite_add_tcase(s, limits);

	tcase_set_timeout(shutdown, 120);
	tcase_add_loop_test(shutdown, test_graceful_shutdown_finishes_requests, 0,
			    (int)(sizeof(http_modes) / sizeof(http_modes[0])));
	suite_add_tcase(s, shutdown);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(http_core_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
