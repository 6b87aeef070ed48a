/*
 * Hostile HTTP, end to end: malformed heads and ambiguous framing answered
 * as problem+json by the gate, bodies refused before they are read, slow
 * heads and slow bodies cut, a normal client answered while thousands of
 * slow senders hold connections from several addresses.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tests/api/fixtures.h"
#include "tests/api/harness.h"
#include "tests/api/http_client.h"

enum {
	HEADER_TIMEOUT_S = 2,
	SLOWLORIS = 5000,
	SLOWLORIS_ADDRESSES = 8,
	NORMAL_REQUESTS = 60,
};

static struct harness server;
static struct party admin;

static void setup(void)
{
	const char *env[] = { fixtures_keys_env(), "PREVEX_HEADER_TIMEOUT_S=2", "PREVEX_BODY_BUDGET=1M",
			      "PREVEX_MAX_BODY_SIZE=1M", "PREVEX_MAX_CONNECTIONS_PER_IP=4096", NULL };
	if (harness_start(&server, env) != 0) {
		fprintf(stderr, "harness: %s\n", server.error);
		abort();
	}
}

static void teardown(void)
{
	harness_stop(&server);
}

static void admin_new(void)
{
	fixtures_admin(&server, &admin);
}

static long long clock_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void nofile_ensure(rlim_t wanted)
{
	struct rlimit rl;
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur >= wanted)
		return;
	ck_assert_msg(rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= wanted, "RLIMIT_NOFILE hard limit too low");
	rl.rlim_cur = wanted;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
}

/* A blocking connection to the server from 127.0.0.<from>, or -1. */
static int connect_from(int from)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in src = { .sin_family = AF_INET };
	src.sin_addr.s_addr = htonl(0x7f000000u | (unsigned)from);
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons((uint16_t)server.port) };
	inet_pton(AF_INET, HARNESS_HOST, &dst.sin_addr);
	if (bind(fd, (struct sockaddr *)&src, sizeof(src)) != 0 ||
	    connect(fd, (struct sockaddr *)&dst, sizeof(dst)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The answer must be a problem+json document of that status. */
static void assert_problem_status(const struct http_response *resp, int status, const char *what)
{
	ck_assert_msg(resp->status == status, "%s: status %d, wanted %d: %.200s", what, resp->status, status,
		      resp->body);
	const char *ctype = http_response_header(resp, "Content-Type");
	ck_assert_msg(ctype != NULL && strncmp(ctype, "application/problem+json", 24) == 0,
		      "%s: Content-Type %s", what, ctype ? ctype : "(none)");
	json_t *body = json_loads(resp->body, 0, NULL);
	ck_assert_msg(json_is_object(body), "%s: body is not a JSON object: %.200s", what, resp->body);
	ck_assert_int_eq(json_integer_value(json_object_get(body, "status")), status);
	ck_assert_msg(json_is_string(json_object_get(body, "type")) && json_is_string(json_object_get(body, "title")),
		      "%s: no type or title", what);
	json_decref(body);
}

static void raw_expect(const char *request, size_t len, int status, const char *what)
{
	struct http_response resp;
	long long start = clock_ms();
	int rc = http_request(&resp, HARNESS_HOST, server.port, request, len, 5000);
	ck_assert_msg(rc == HTTP_CLIENT_OK, "%s: %s after %lld ms", what, http_client_strerror(rc),
		      clock_ms() - start);
	assert_problem_status(&resp, status, what);
	http_response_free(&resp);
}

#define RAW(req, status) raw_expect(req, sizeof(req) - 1, status, req)

START_TEST(malformed_heads_get_problem_json)
{
	RAW("POST /v1/token HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400);
	RAW("GET /healthz HTTP/1.1\r\nHost : x\r\n\r\n", 400);
	RAW("GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n", 400);
	RAW("GET /healthz HTTP/1.1\nHost: x\n\n", 400);
	RAW("GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", 400);
	RAW("GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", 505);
	RAW("GET /healthz HTTP/1.1\r\n\r\n", 400);
	RAW("GET /healthz HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400);
	RAW("GET http://example.invalid/healthz HTTP/1.1\r\nHost: x\r\n\r\n", 400);
	RAW("GET /health z HTTP/1.1\r\nHost: x\r\n\r\n", 400);
	RAW("POST /v1/token HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}", 400);
	RAW("POST /v1/token HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400);
	RAW("POST /v1/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 400);
	RAW("\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 400);
	RAW("POST /v1/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "zz\r\n{}\r\n0\r\n\r\n", 400);
	RAW("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost : x\r\n\r\n", 400);
	RAW("GET /healthz?q=%ff HTTP/1.1\r\nHost: x\r\n\r\n", 400);
	RAW("GET /healthz?q=a%00b HTTP/1.1\r\nHost: x\r\n\r\n", 400);
	RAW("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
	    "Content-Length: 39\r\n\r\n--b\r\nContent-Disposition: form-data\r\n\r\n", 405);
	RAW("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
	    "Content-Length: 39\r\n\r\n--b\r\nContent-Disposition: form-data\r\n\r\n", 415);
	RAW("POST /v1/token HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
	    "Content-Length: 9\r\n\r\n--b--\r\n\r\n", 415);
}
END_TEST

START_TEST(oversized_heads_get_problem_json)
{
	size_t big = 20000;
	char *req = malloc(big + 256);
	ck_assert_ptr_nonnull(req);

	/* A target over 8 KiB. */
	int n = sprintf(req, "GET /");
	memset(req + n, 'a', 10000);
	n += 10000;
	n += sprintf(req + n, " HTTP/1.1\r\nHost: x\r\n\r\n");
	raw_expect(req, (size_t)n, 414, "a 10 KB target");

	/* A thousand query parameters, answered at once. */
	n = sprintf(req, "GET /v1/households?");
	for (int i = 0; i < 1000; i++)
		n += sprintf(req + n, "a%d=1&", i);
	n += sprintf(req + n, " HTTP/1.1\r\nHost: x\r\n\r\n");
	long long start = clock_ms();
	raw_expect(req, (size_t)n, 400, "1,000 query parameters");
	ck_assert_msg(clock_ms() - start < 2000, "1,000 query parameters took %lld ms", clock_ms() - start);

	/* 200 header fields. */
	n = sprintf(req, "GET /healthz HTTP/1.1\r\nHost: x\r\n");
	for (int i = 0; i < 200; i++)
		n += sprintf(req + n, "X-F%d: 1\r\n", i);
	n += sprintf(req + n, "\r\n");
	raw_expect(req, (size_t)n, 431, "200 header fields");

	/* One 18 KB header field. */
	n = sprintf(req, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ");
	memset(req + n, 'b', 18000);
	n += 18000;
	n += sprintf(req + n, "\r\n\r\n");
	raw_expect(req, (size_t)n, 431, "an 18 KB header field");
	free(req);
}
END_TEST

/* Sends only the head of a request that announces a body, and expects the
 * answer before any of the body is sent. */
static void head_only_expect(const char *method, const char *path, const char *headers, int status,
			     const char *what)
{
	char req[4096];
	int n = snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: x\r\n%s\r\n", method, path, headers);
	raw_expect(req, (size_t)n, status, what);
}

START_TEST(bodies_are_refused_before_they_are_read)
{
	char headers[3072];
	head_only_expect("POST", "/v1/imports/acts",
			 "Content-Type: application/json\r\nContent-Length: 60000000\r\n", 401,
			 "a tokenless 60 MB import");
	head_only_expect("POST", "/v1/households", "Content-Type: application/json\r\nContent-Length: 60000000\r\n",
			 413, "a tokenless 60 MB body over the route's 1 MB");
	head_only_expect("POST", "/v1/households", "Content-Type: application/json\r\nContent-Length: 900000\r\n",
			 401, "a tokenless 900 KB body");
	snprintf(headers, sizeof(headers), "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
		 "Content-Length: 60000000\r\n", admin.token);
	head_only_expect("POST", "/v1/households", headers, 413, "a 60 MB body over the route's 1 MB");
	snprintf(headers, sizeof(headers), "Authorization: Bearer %s\r\n"
		 "Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 9000\r\n", admin.token);
	head_only_expect("POST", "/v1/households", headers, 415, "a multipart body");
	snprintf(headers, sizeof(headers), "Authorization: Bearer %s.x\r\nContent-Type: application/json\r\n"
		 "Content-Length: 9000\r\n", admin.token);
	head_only_expect("POST", "/v1/households", headers, 401, "a forged token with a body");
}
END_TEST

/* Opens a connection that announces len bytes to POST /v1/households with
 * the admin's token and sends the first `first` of them. */
static int body_start(size_t len, size_t first)
{
	int fd = connect_from(1);
	ck_assert_int_ge(fd, 0);
	char head[3072];
	int n = snprintf(head, sizeof(head), "POST /v1/households HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
		 "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n", admin.token, len);
	ck_assert_int_eq(http_write_all(fd, head, (size_t)n, 2000), 0);
	char *body = malloc(first);
	ck_assert_ptr_nonnull(body);
	memset(body, ' ', first);
	ck_assert_int_eq(http_write_all(fd, body, first, 2000), 0);
	free(body);
	return fd;
}

START_TEST(bodies_held_at_once_are_capped)
{
	/* The budget is 1 MiB: one 700 KB body on its way leaves no room for a
	 * second, which gets 503 with Retry-After before sending a byte. */
	int held = body_start(700000, 1000);
	/* Let the server take the first one in before the second comes. */
	sleep_ms(500);
	char headers[3072];
	snprintf(headers, sizeof(headers), "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
		 "Content-Length: 700000\r\n", admin.token);
	struct http_response resp;
	char req[4096];
	int n = snprintf(req, sizeof(req), "POST /v1/households HTTP/1.1\r\nHost: x\r\n%s\r\n", headers);
	ck_assert_int_eq(http_request(&resp, HARNESS_HOST, server.port, req, (size_t)n, 5000), 0);
	assert_problem_status(&resp, 503, "a second 700 KB body");
	ck_assert_ptr_nonnull(http_response_header(&resp, "Retry-After"));
	http_response_free(&resp);
	/* Once the first goes, its share comes back. */
	close(held);
	int status = 0;
	for (int i = 0; i < 40 && status != 400; i++) {
		sleep_ms(50);
		char *body = malloc(700001);
		ck_assert_ptr_nonnull(body);
		memset(body, ' ', 700000);
		body[0] = '[';
		body[699999] = ']';
		body[700000] = '\0';
		status = fixtures_call(&server, &admin, "POST", "/v1/households", body, NULL, &resp);
		http_response_free(&resp);
		free(body);
	}
	ck_assert_msg(status == 400, "a 700 KB body after the first closed got %d", status);
}
END_TEST

/* Reads what the server sends until it closes, within timeout_ms; returns
 * the bytes read (NUL-terminated in buf). */
static size_t read_until_close(int fd, char *buf, size_t len, int timeout_ms)
{
	size_t got = 0;
	long long end = clock_ms() + timeout_ms;
	while (got + 1 < len && clock_ms() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 100) <= 0)
			continue;
		ssize_t n = recv(fd, buf + got, len - 1 - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	return got;
}

START_TEST(a_slow_head_is_cut_at_its_deadline)
{
	/* One sends half a line and stops; one drips a byte every 300 ms. */
	int idle = connect_from(1), drip = connect_from(1);
	ck_assert_int_ge(idle, 0);
	ck_assert_int_ge(drip, 0);
	long long start = clock_ms();
	ck_assert_int_eq(http_write_all(idle, "GET /heal", 9, 1000), 0);
	ck_assert_int_eq(http_write_all(drip, "GET /healthz HTTP/1.1\r\nX-A: ", 28, 1000), 0);
	char buf[2048];
	bool cut = false;
	while (!cut && clock_ms() - start < (HEADER_TIMEOUT_S + 3) * 1000) {
		(void)send(drip, "a", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		struct pollfd p = { .fd = drip, .events = POLLIN };
		cut = poll(&p, 1, 300) > 0;
	}
	long long elapsed = clock_ms() - start;
	ck_assert_msg(cut, "a dripping head was still open after %lld ms", elapsed);
	read_until_close(drip, buf, sizeof(buf), 2000);
	ck_assert_msg(strncmp(buf, "HTTP/1.1 408 ", 13) == 0, "dripping head: %.100s", buf);
	ck_assert_ptr_nonnull(strstr(buf, "application/problem+json"));
	read_until_close(idle, buf, sizeof(buf), 3000);
	ck_assert_msg(strncmp(buf, "HTTP/1.1 408 ", 13) == 0, "half a line: %.100s", buf);
	ck_assert_msg(elapsed >= HEADER_TIMEOUT_S * 1000 - 100, "cut after %lld ms, before its deadline", elapsed);
	close(idle);
	close(drip);
}
END_TEST

START_TEST(a_slow_body_is_cut)
{
	/* 10 bytes of 1,000, then a byte a second: below 1 KiB/s over a 10 s
	 * window. */
	int fd = body_start(1000, 10);
	long long start = clock_ms();
	char buf[2048];
	bool cut = false;
	while (!cut && clock_ms() - start < 25000) {
		(void)send(fd, " ", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		struct pollfd p = { .fd = fd, .events = POLLIN };
		cut = poll(&p, 1, 1000) > 0;
	}
	ck_assert_msg(cut, "a body at a byte a second was still read after %lld ms", clock_ms() - start);
	read_until_close(fd, buf, sizeof(buf), 2000);
	ck_assert_msg(strncmp(buf, "HTTP/1.1 408 ", 13) == 0, "slow body: %.100s", buf);
	close(fd);
}
END_TEST

struct slow_conn {
	int fd;
	int from;
};

/* Opens a slow sender from 127.0.0.<from>: half a head, to be dripped. */
static int slow_open(int from)
{
	int fd = connect_from(from);
	if (fd >= 0)
		(void)send(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: ", 37, MSG_NOSIGNAL | MSG_DONTWAIT);
	return fd;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

START_TEST(a_normal_client_is_answered_amid_slowloris)
{
	nofile_ensure(SLOWLORIS + 1024);
	struct slow_conn *conns = calloc(SLOWLORIS, sizeof(*conns));
	ck_assert_ptr_nonnull(conns);
	int opened = 0;
	for (int i = 0; i < SLOWLORIS; i++) {
		conns[i].from = 2 + i % SLOWLORIS_ADDRESSES;
		conns[i].fd = slow_open(conns[i].from);
		opened += conns[i].fd >= 0;
	}
	ck_assert_msg(opened == SLOWLORIS, "only %d slow connections opened", opened);
	long long lat[NORMAL_REQUESTS];
	int reopened = 0;
	static const char get[] = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	for (int r = 0; r < NORMAL_REQUESTS; r++) {
		/* Every slow sender drips a byte; those the server cut come back. */
		for (int i = 0; i < SLOWLORIS; i++) {
			if (conns[i].fd >= 0 && send(conns[i].fd, "a", 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1) {
				char b[512];
				ssize_t n = recv(conns[i].fd, b, sizeof(b), MSG_DONTWAIT);
				if (n != 0 && !(n < 0 && errno != EAGAIN))
					continue;
			}
			if (conns[i].fd >= 0)
				close(conns[i].fd);
			conns[i].fd = slow_open(conns[i].from);
			reopened++;
		}
		struct http_response resp;
		long long start = clock_ms();
		int rc = http_request(&resp, HARNESS_HOST, server.port, get, sizeof(get) - 1, 5000);
		lat[r] = clock_ms() - start;
		ck_assert_msg(rc == HTTP_CLIENT_OK && resp.status == 200, "normal request %d: %s, status %d", r,
			      http_client_strerror(rc), resp.status);
		http_response_free(&resp);
		sleep_ms(100);
	}
	qsort(lat, NORMAL_REQUESTS, sizeof(lat[0]), cmp_ll);
	long long p99 = lat[(NORMAL_REQUESTS * 99) / 100 - 1];
	fprintf(stderr, "slowloris %d from %d addresses: normal p50 %lld ms, p99 %lld ms, max %lld ms; %d slow reconnects\n",
		SLOWLORIS, SLOWLORIS_ADDRESSES, lat[NORMAL_REQUESTS / 2], p99, lat[NORMAL_REQUESTS - 1], reopened);
	ck_assert_msg(p99 < 1000, "p99 %lld ms amid %d slow senders", p99, SLOWLORIS);
	/* The deadline held under load: the server cut slow senders. */
	ck_assert_msg(reopened > 0, "no slow sender was cut in %d s", NORMAL_REQUESTS / 10);
	for (int i = 0; i < SLOWLORIS; i++)
		if (conns[i].fd >= 0)
			close(conns[i].fd);
	free(conns);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hostile");
	TCase *tc = tcase_create("hostile");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_checked_fixture(tc, admin_new, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, malformed_heads_get_problem_json);
	tcase_add_test(tc, oversized_heads_get_problem_json);
	tcase_add_test(tc, bodies_are_refused_before_they_are_read);
	tcase_add_test(tc, bodies_held_at_once_are_capped);
	tcase_add_test(tc, a_slow_head_is_cut_at_its_deadline);
	tcase_add_test(tc, a_slow_body_is_cut);
	tcase_add_test(tc, a_normal_client_is_answered_amid_slowloris);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
