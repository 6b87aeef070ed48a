/* The gate's judgement of request heads: every prefix of a good head waits
 * for more, every malformed head is refused with its status, as soon as
 * what has arrived cannot start a good one. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/http_head.h"

static const struct http_head_limits limits = {
	.max_head = 16384, .max_target = 8192, .max_fields = 100, .max_params = 64,
};

static int judge(const char *buf, size_t len)
{
	struct http_head_verdict v;
	http_head_check(&v, buf, len, &limits);
	return v.status;
}

static const char *const good[] = {
	"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET /v1/households?limit=5&cursor=abc HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAuthorization: Bearer a.b.c\r\n\r\n",
	"POST /v1/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n",
	"POST /v1/imports/acts HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
	"GET /healthz HTTP/1.0\r\n\r\n",
	"GET / HTTP/1.1\r\nhost:x\r\nX-Empty:\r\nX-Tab: a\tb\r\nX-Latin: \xc3\xa9t\xc3\xa9\r\n\r\n",
};

START_TEST(every_prefix_of_a_good_head_waits)
{
	const char *head = good[_i];
	size_t len = strlen(head);
	for (size_t n = 0; n < len; n++)
		ck_assert_msg(judge(head, n) == HTTP_HEAD_INCOMPLETE, "prefix %zu of %s: %d", n, head, judge(head, n));
	struct http_head_verdict v;
	http_head_check(&v, head, len, &limits);
	ck_assert_int_eq(v.status, 200);
	ck_assert_uint_eq(v.head_len, len);
	/* What follows the head (a body, a pipelined request) is not judged. */
	char *more = malloc(len + 8);
	memcpy(more, head, len);
	memcpy(more + len, "\x01garbag", 7);
	http_head_check(&v, more, len + 7, &limits);
	ck_assert_int_eq(v.status, 200);
	ck_assert_uint_eq(v.head_len, len);
	free(more);
}
END_TEST

struct bad {
	const char *head;
	size_t len; /* 0: strlen */
	int status;
};

static const struct bad bad[] = {
	{ "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n", 0, 400 },
	{ "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\n", 0, 400 },
	{ "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4x\r\n\r\n", 0, 400 },
	{ "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1234567890123456789\r\n\r\n", 0, 400 },
	{ "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n", 0, 400 },
	{ "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1\r\nHost: x\r\nX: a\0b\r\n\r\n", 37, 400 },
	{ "GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1\r\nHost: x\r\nX: a\x7f\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n folded\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1\nHost: x\n\n", 0, 400 },
	{ "GET / HTTP/1.1\r\nHost: x\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 0, 400 },
	{ "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 0, 505 },
	{ "GET / HTTP/0.9\r\n\r\n", 0, 505 },
	{ "GET / FTP/1.1\r\n", 0, 400 },
	{ "GET /\r\n\r\n", 0, 400 },
	{ "GET  / HTTP/1.1\r\n", 0, 400 },
	{ "GET * HTTP/1.1\r\nHost: x\r\n\r\n", 0, 400 },
	{ "GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n", 0, 400 },
	{ "GET /\xc3\xa9 HTTP/1.1\r\n", 0, 400 },
	{ "\r\nGET / HTTP/1.1\r\n", 0, 400 },
	{ " GET / HTTP/1.1\r\n", 0, 400 },
	{ "G\x01T", 0, 400 },
	{ "ABCDEFGHIJKLMNOPQRSTUVWXYZ / HTTP/1.1\r\n", 0, 400 },
	{ "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 0, 400 }, /* a TLS ClientHello */
	{ "GET /a:b HTTP/1.1\r\nHost: x\r\n:novalue\r\n\r\n", 0, 400 },
	{ "GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", 0, 400 },
};

START_TEST(a_bad_head_is_refused_with_its_status)
{
	const struct bad *b = &bad[_i];
	size_t len = b->len ? b->len : strlen(b->head);
	ck_assert_msg(judge(b->head, len) == b->status, "%s: %d, wanted %d", b->head, judge(b->head, len), b->status);
}
END_TEST

START_TEST(limits_are_kept_while_the_head_arrives)
{
	char *buf = malloc(40000);
	/* A long target is 414 before its end arrives. */
	strcpy(buf, "GET /");
	memset(buf + 5, 'a', 9000);
	ck_assert_int_eq(judge(buf, 9005), 414);
	ck_assert_int_eq(judge(buf, 4000), HTTP_HEAD_INCOMPLETE);
	/* A head that keeps growing is 431 at the limit. */
	strcpy(buf, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: ");
	size_t n = strlen(buf);
	memset(buf + n, 'b', 20000);
	ck_assert_int_eq(judge(buf, 10000), HTTP_HEAD_INCOMPLETE);
	ck_assert_int_eq(judge(buf, limits.max_head), 431);
	/* Too many fields. */
	n = (size_t)sprintf(buf, "GET / HTTP/1.1\r\nHost: x\r\n");
	for (int i = 0; i < 100; i++)
		n += (size_t)sprintf(buf + n, "X-%d: 1\r\n", i);
	n += (size_t)sprintf(buf + n, "\r\n");
	ck_assert_int_eq(judge(buf, n), 431);
	/* 64 query parameters pass, 65 do not. */
	n = (size_t)sprintf(buf, "GET /?");
	for (int i = 0; i < 64; i++)
		n += (size_t)sprintf(buf + n, "%sa=1", i ? "&" : "");
	strcpy(buf + n, " HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_int_eq(judge(buf, strlen(buf)), 200);
	n = (size_t)sprintf(buf + n, "&b=2");
	strcat(buf, " HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_int_eq(judge(buf, strlen(buf)), 400);
	free(buf);
}
END_TEST

START_TEST(the_body_is_announced)
{
	struct http_head_verdict v;
	const char *h = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";
	http_head_check(&v, h, strlen(h), &limits);
	ck_assert(!v.has_body);
	h = "POST / HTTP/1.1\r\nHost: x\r\ncontent-length:  12 \r\n\r\n";
	http_head_check(&v, h, strlen(h), &limits);
	ck_assert_int_eq(v.status, 200);
	ck_assert(v.has_body);
	h = "POST / HTTP/1.1\r\nHost: x\r\ntransfer-encoding: Chunked\r\n\r\n";
	http_head_check(&v, h, strlen(h), &limits);
	ck_assert(v.has_body);
}
END_TEST

static int judge_stream(const char *buf)
{
	struct http_head_verdict v;
	http_stream_check(&v, buf, strlen(buf), &limits);
	return v.status;
}

START_TEST(what_follows_the_head_is_judged_as_far_as_it_goes)
{
	const char *chunked = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
	char buf[1024];
	static const struct {
		const char *rest;
		int status;
	} cases[] = {
		{ "", 200 },
		{ "2\r\n{}\r\n0\r\n\r\n", 200 },
		{ "2;ext=1\r\n{}\r\n0\r\nX-T: 1\r\n\r\n", 200 },
		{ "A", 200 },
		{ "2\r\n{", 200 },
		{ "zz\r\n{}\r\n0\r\n\r\n", 400 },
		{ "2\n{}\r\n0\r\n\r\n", 400 },
		{ "2\r\n{}}\r\n0\r\n\r\n", 400 },
		{ "-2\r\n", 400 },
		{ "1234567890abcdef0\r\n", 400 },
		{ "0\r\nX-T: \x01\r\n\r\n", 400 },
		{ "2\r\n{}\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", 200 },
		{ "2\r\n{}\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost : x\r\n\r\n", 400 },
		{ "2\r\n{}\r\n0\r\n\r\nGET / HTTP/3.0\r\n", 505 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(buf, sizeof(buf), "%s%s", chunked, cases[i].rest);
		ck_assert_msg(judge_stream(buf) == cases[i].status, "chunked + \"%s\": %d", cases[i].rest, judge_stream(buf));
	}
	ck_assert_int_eq(judge_stream("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"), 200);
	ck_assert_int_eq(judge_stream("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHo"), 200);
	ck_assert_int_eq(judge_stream("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost : x\r\n\r\n"), 400);
	ck_assert_int_eq(judge_stream("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nab"), 200);
	ck_assert_int_eq(judge_stream("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab\x01XYZ / HTTP/1.1\r\n"), 400);
	ck_assert_int_eq(judge_stream("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nabGET / HTTP/1.1\r\nHost: x\r\n\r\n"), 200);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("http_head");
	TCase *tc = tcase_create("http_head");
	tcase_add_loop_test(tc, every_prefix_of_a_good_head_waits, 0, (int)(sizeof(good) / sizeof(good[0])));
	tcase_add_loop_test(tc, a_bad_head_is_refused_with_its_status, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, limits_are_kept_while_the_head_arrives);
	tcase_add_test(tc, the_body_is_announced);
	tcase_add_test(tc, what_follows_the_head_is_judged_as_far_as_it_goes);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
