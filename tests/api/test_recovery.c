/* The service heals by itself when PostgreSQL drops its connections, as it
 * does when it restarts, without restarting prevex: the pool sees that an
 * idle connection was closed and opens a new one before lending it, so no
 * request fails for it. */
#include <check.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/api/harness.h"

static struct harness server;

static void setup(void)
{
	/* No import or webhook worker: they take pooled connections on their
	 * own (the first import worker every few seconds to refresh the act
	 * counts), and one that met a dropped connection first would replace
	 * it before any request could. */
	const char *env[] = { "PREVEX_DB_POOL_SIZE=4", "PREVEX_IMPORT_WORKERS=0", "PREVEX_WEBHOOK_WORKERS=0", NULL };
	/* Serve as the role the test connects with: a role may terminate its
	 * own backends without any further privilege. */
	unsetenv("PREVEX_TEST_APP_DATABASE_URL");
	if (harness_start(&server, env) != 0) {
		fprintf(stderr, "harness: %s\n", server.error);
		abort();
	}
}

static void teardown(void)
{
	harness_stop(&server);
}

/* The first value of sql's one row, as an integer. */
static int service_count(const char *sql)
{
	PGconn *conn = PQconnectdb(getenv("PREVEX_TEST_DATABASE_URL"));
	ck_assert_int_eq(PQstatus(conn), CONNECTION_OK);
	PGresult *res = PQexec(conn, sql);
	ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s", PQerrorMessage(conn));
	int n = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	PQfinish(conn);
	return n;
}

/* Terminates every backend of the service (application_name "prevex");
 * returns how many were terminated. */
static int terminate_service_backends(void)
{
	return service_count("SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity"
			     " WHERE application_name = 'prevex' AND datname = current_database()");
}

static int readyz(struct http_response *resp)
{
	ck_assert_int_eq(harness_get(&server, resp, "/readyz", NULL), 0);
	return resp->status;
}

START_TEST(dropped_connections_heal_without_a_restart)
{
	struct http_response resp = { 0 };
	/* Open the pool's connections. */
	for (int i = 0; i < 8; i++) {
		ck_assert_int_eq(readyz(&resp), 200);
		http_response_free(&resp);
	}
	ck_assert_int_ge(terminate_service_backends(), 1);
	ck_assert_int_eq(service_count("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'prevex'"
				       " AND datname = current_database()"), 0);
	int unavailable = 0, last = 0;
	for (int i = 0; i < 20; i++) {
		last = readyz(&resp);
		if (last == 503) {
			unavailable++;
			ck_assert_str_eq(http_response_header(&resp, "Content-Type"), "application/problem+json");
			ck_assert_ptr_nonnull(http_response_header(&resp, "Retry-After"));
		} else {
			ck_assert_int_eq(last, 200);
		}
		http_response_free(&resp);
	}
	/* The backends had exited (pg_terminate_backend waited for them):
	 * every closed connection was replaced before being lent. */
	ck_assert_int_eq(unavailable, 0);
	ck_assert_int_eq(last, 200);
	ck_assert_int_ge(service_count("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'prevex'"
				       " AND datname = current_database()"), 1);
	ck_assert_int_eq(server.pid > 0, 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("recovery");
	TCase *tc = tcase_create("recovery");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, dropped_connections_heal_without_a_restart);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
