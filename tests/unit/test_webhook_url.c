/* Webhook callback URLs: syntax, and the addresses the service refuses. */
#include <arpa/inet.h>
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/webhook_url.h"

static enum webhook_addr_class classify(const char *text)
{
	unsigned char a[16];
	if (strchr(text, ':') != NULL) {
		ck_assert_int_eq(inet_pton(AF_INET6, text, a), 1);
		return webhook_addr_classify(a, 16);
	}
	ck_assert_int_eq(inet_pton(AF_INET, text, a), 1);
	return webhook_addr_classify(a, 4);
}

static bool allowed(const char *text, bool loopback)
{
	unsigned char a[16];
	bool v6 = strchr(text, ':') != NULL;
	ck_assert_int_eq(inet_pton(v6 ? AF_INET6 : AF_INET, text, a), 1);
	return webhook_addr_allowed(a, v6 ? 16 : 4, loopback);
}

START_TEST(ipv4_classes)
{
	ck_assert_int_eq(classify("93.184.216.34"), WEBHOOK_ADDR_PUBLIC);
	ck_assert_int_eq(classify("8.8.8.8"), WEBHOOK_ADDR_PUBLIC);
	ck_assert_int_eq(classify("127.0.0.1"), WEBHOOK_ADDR_LOOPBACK);
	ck_assert_int_eq(classify("127.255.0.9"), WEBHOOK_ADDR_LOOPBACK);
	ck_assert_int_eq(classify("10.1.2.3"), WEBHOOK_ADDR_PRIVATE);
	ck_assert_int_eq(classify("172.16.0.1"), WEBHOOK_ADDR_PRIVATE);
	ck_assert_int_eq(classify("172.31.255.255"), WEBHOOK_ADDR_PRIVATE);
	ck_assert_int_eq(classify("172.32.0.1"), WEBHOOK_ADDR_PUBLIC);
	ck_assert_int_eq(classify("172.15.255.255"), WEBHOOK_ADDR_PUBLIC);
	ck_assert_int_eq(classify("192.168.1.1"), WEBHOOK_ADDR_PRIVATE);
	ck_assert_int_eq(classify("169.254.169.254"), WEBHOOK_ADDR_LINK_LOCAL);
	ck_assert_int_eq(classify("100.64.0.1"), WEBHOOK_ADDR_CGNAT);
	ck_assert_int_eq(classify("100.127.255.255"), WEBHOOK_ADDR_CGNAT);
	ck_assert_int_eq(classify("100.128.0.1"), WEBHOOK_ADDR_PUBLIC);
	ck_assert_int_eq(classify("224.0.0.1"), WEBHOOK_ADDR_MULTICAST);
	ck_assert_int_eq(classify("239.255.255.250"), WEBHOOK_ADDR_MULTICAST);
	ck_assert_int_eq(classify("255.255.255.255"), WEBHOOK_ADDR_MULTICAST);
	ck_assert_int_eq(classify("0.0.0.0"), WEBHOOK_ADDR_UNSPECIFIED);
	ck_assert_int_eq(classify("0.1.2.3"), WEBHOOK_ADDR_UNSPECIFIED);
	ck_assert_int_eq(classify("192.0.2.10"), WEBHOOK_ADDR_RESERVED);
	ck_assert_int_eq(classify("198.18.0.1"), WEBHOOK_ADDR_RESERVED);
	ck_assert_int_eq(classify("198.19.255.1"), WEBHOOK_ADDR_RESERVED);
	ck_assert_int_eq(classify("240.0.0.1"), WEBHOOK_ADDR_RESERVED);
}
END_TEST

START_TEST(ipv6_classes)
{
	ck_assert_int_eq(classify("2606:4700::1111"), WEBHOOK_ADDR_PUBLIC);
	ck_assert_int_eq(classify("::1"), WEBHOOK_ADDR_LOOPBACK);
	ck_assert_int_eq(classify("::"), WEBHOOK_ADDR_UNSPECIFIED);
	ck_assert_int_eq(classify("fe80::1"), WEBHOOK_ADDR_LINK_LOCAL);
	ck_assert_int_eq(classify("fc00::1"), WEBHOOK_ADDR_PRIVATE);
	ck_assert_int_eq(classify("fd12:3456::1"), WEBHOOK_ADDR_PRIVATE);
	ck_assert_int_eq(classify("fec0::1"), WEBHOOK_ADDR_PRIVATE);
	ck_assert_int_eq(classify("ff02::1"), WEBHOOK_ADDR_MULTICAST);
	ck_assert_int_eq(classify("2001:db8::1"), WEBHOOK_ADDR_RESERVED);
	ck_assert_int_eq(classify("2001:0::1"), WEBHOOK_ADDR_RESERVED);   /* Teredo */
	ck_assert_int_eq(classify("100::1"), WEBHOOK_ADDR_RESERVED);
	ck_assert_int_eq(classify("4000::1"), WEBHOOK_ADDR_RESERVED);
}
END_TEST

/* IPv6 forms that carry an IPv4 address are judged by that address. */
START_TEST(ipv6_carrying_ipv4)
{
	ck_assert_int_eq(classify("::ffff:127.0.0.1"), WEBHOOK_ADDR_LOOPBACK);
	ck_assert_int_eq(classify("::ffff:10.0.0.1"), WEBHOOK_ADDR_PRIVATE);
	ck_assert_int_eq(classify("::ffff:169.254.169.254"), WEBHOOK_ADDR_LINK_LOCAL);
	ck_assert_int_eq(classify("::ffff:8.8.8.8"), WEBHOOK_ADDR_PUBLIC);
	ck_assert_int_eq(classify("::127.0.0.1"), WEBHOOK_ADDR_LOOPBACK);
	ck_assert_int_eq(classify("64:ff9b::192.168.0.1"), WEBHOOK_ADDR_PRIVATE);
	ck_assert_int_eq(classify("2002:7f00:1::"), WEBHOOK_ADDR_LOOPBACK);      /* 6to4 of 127.0.0.1 */
	ck_assert_int_eq(classify("2002:0808:0808::1"), WEBHOOK_ADDR_PUBLIC);
	ck_assert_int_eq(webhook_addr_classify((const unsigned char *)"abc", 3), WEBHOOK_ADDR_RESERVED);
}
END_TEST

START_TEST(loopback_only_by_the_test_setting)
{
	ck_assert(allowed("8.8.8.8", false));
	ck_assert(!allowed("127.0.0.1", false));
	ck_assert(allowed("127.0.0.1", true));
	/* Only 127.0.0.1 itself, never the rest of the network. */
	ck_assert(!allowed("127.0.0.2", true));
	ck_assert(!allowed("::1", true));
	ck_assert(!allowed("::ffff:127.0.0.1", true));
	ck_assert(!allowed("10.0.0.1", true));
}
END_TEST

START_TEST(urls_parsed)
{
	struct webhook_url u;
	struct err err;
	ck_assert_int_eq(webhook_url_parse("https://Hooks.Example.org/prevex?x=1", "url", &u, &err), ERR_OK);
	ck_assert(u.https);
	ck_assert_str_eq(u.host, "hooks.example.org");
	ck_assert_int_eq(u.port, 443);
	ck_assert_int_eq(webhook_url_parse("HTTPS://example.org:8443", "url", &u, &err), ERR_OK);
	ck_assert_int_eq(u.port, 8443);
	ck_assert_int_eq(webhook_url_parse("http://127.0.0.1:9000/hook", "url", &u, &err), ERR_OK);
	ck_assert(!u.https);
	ck_assert_str_eq(u.host, "127.0.0.1");
	ck_assert_int_eq(u.port, 9000);
	ck_assert_int_eq(webhook_url_parse("https://[2606:4700::1111]:444/x", "url", &u, &err), ERR_OK);
	ck_assert_str_eq(u.host, "2606:4700::1111");
	ck_assert_int_eq(u.port, 444);
	ck_assert_int_eq(webhook_url_parse("https://[::1]/", "url", &u, &err), ERR_OK);
	ck_assert_str_eq(u.host, "::1");
}
END_TEST

START_TEST(bad_urls_refused)
{
	static const char *const bad[] = {
		"", "example.org/hook", "ftp://example.org/", "file:///etc/passwd", "gopher://example.org",
		"https://", "https:///path", "https://user:pw@example.org/", "https://example.org@10.0.0.1/",
		"https://example.org/#frag", "https://exa mple.org/", "https://example.org\\@10.0.0.1/",
		"https://example.org:0/", "https://example.org:65536/", "https://example.org:/", "https://example.org:8a/",
		"https://[::1/", "https://[::1]x/", "https://[fe80::1%25eth0]/", "https://ex_ample.org/",
		"https://example.org/\x01", "https://\xc3\xa9t\xc3\xa9.fr/",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct webhook_url u;
		struct err err;
		err_clear(&err);
		ck_assert_msg(webhook_url_parse(bad[i], "url", &u, &err) == ERR_INVALID, "accepted %s", bad[i]);
		ck_assert_str_eq(err.field, "url");
	}
	char long_url[WEBHOOK_URL_MAX + 10];
	memset(long_url, 'a', sizeof(long_url) - 1);
	memcpy(long_url, "https://x/", 10);
	long_url[sizeof(long_url) - 1] = '\0';
	struct webhook_url u;
	ck_assert_int_eq(webhook_url_parse(long_url, "url", &u, NULL), ERR_INVALID);
}
END_TEST

static int check_host(const char *url, bool loopback, struct err *err)
{
	struct webhook_url u;
	err_clear(err);
	ck_assert_msg(webhook_url_parse(url, "url", &u, err) == ERR_OK, "%s: %s", url, err->message);
	return webhook_url_check_host(&u, loopback, "url", err);
}

/* What a request thread may decide without resolving anything. */
START_TEST(hosts_checked_without_resolution)
{
	static const char *const names[] = {
		"https://hooks.example.org/x", "https://hooks.example.org./x", "https://localhost/x",
		"https://a-b.c0.example:8443/", "https://1.2.3.4.example.org/", "https://x.0x1g/",
		"https://93.184.216.34/", "https://[2606:4700::1111]/",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct err err;
		ck_assert_msg(check_host(names[i], false, &err) == ERR_OK, "%s refused: %s", names[i], err.message);
	}
	static const struct { const char *url; bool loopback; int code; const char *says; } bad[] = {
		{ "http://hooks.example.org/", false, ERR_INVALID, "https" },
		{ "http://hooks.example.org/", true, ERR_INVALID, "https" },
		{ "http://127.0.0.2/", true, ERR_INVALID, "https" },
		{ "https://127.0.0.1/", false, ERR_UNPROCESSABLE, "loopback" },
		{ "https://10.0.0.1/", true, ERR_UNPROCESSABLE, "private" },
		{ "https://[::ffff:169.254.169.254]/", false, ERR_UNPROCESSABLE, "link-local" },
		{ "https://[::1]/", true, ERR_UNPROCESSABLE, "loopback" },
		{ "https://[1:2:3]/", false, ERR_INVALID, "IPv6" },
		/* Numeric forms that resolvers read as IPv4 addresses. */
		{ "https://2130706433/", false, ERR_INVALID, "dotted-quad" },
		{ "https://127.1/", false, ERR_INVALID, "dotted-quad" },
		{ "https://0x7f.0.0.1/", false, ERR_INVALID, "dotted-quad" },
		{ "https://0x7f000001/", false, ERR_INVALID, "dotted-quad" },
		{ "https://0177.0.0.1/", false, ERR_INVALID, "dotted-quad" },
		{ "https://127.0.0.1./", false, ERR_INVALID, "dotted-quad" },
		{ "https://example.0x/", false, ERR_INVALID, "dotted-quad" },
		{ "https://1.2.3.4.5/", false, ERR_INVALID, "dotted-quad" },
		{ "https://a..b/", false, ERR_INVALID, "host" },
		{ "https://.a/", false, ERR_INVALID, "host" },
		{ "https://a../", false, ERR_INVALID, "host" },
		{ "https://hooks.invalid/", false, ERR_UNPROCESSABLE, "resolve" },
		{ "https://x.invalid./", false, ERR_UNPROCESSABLE, "resolve" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct err err;
		int rc = check_host(bad[i].url, bad[i].loopback, &err);
		ck_assert_msg(rc == bad[i].code, "%s: %d (%s)", bad[i].url, rc, err.message);
		ck_assert_str_eq(err.field, "url");
		ck_assert_msg(strstr(err.message, bad[i].says) != NULL, "%s: %s", bad[i].url, err.message);
	}
	char label[80], url[120];
	memset(label, 'a', 64);
	label[64] = '\0';
	snprintf(url, sizeof(url), "https://%s.example/", label);
	struct err err;
	ck_assert_int_eq(check_host(url, false, &err), ERR_INVALID);
	label[63] = '\0';
	snprintf(url, sizeof(url), "https://%s.example/", label);
	ck_assert_int_eq(check_host(url, false, &err), ERR_OK);
	/* The loopback test setting lets http reach exactly 127.0.0.1. */
	ck_assert_int_eq(check_host("http://127.0.0.1:9000/", true, &err), ERR_OK);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("webhook_url");
	TCase *tc = tcase_create("webhook_url");
	tcase_add_test(tc, ipv4_classes);
	tcase_add_test(tc, ipv6_classes);
	tcase_add_test(tc, ipv6_carrying_ipv4);
	tcase_add_test(tc, loopback_only_by_the_test_setting);
	tcase_add_test(tc, urls_parsed);
	tcase_add_test(tc, bad_urls_refused);
	tcase_add_test(tc, hosts_checked_without_resolution);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
