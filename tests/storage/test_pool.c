#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "storage/db.h"
#include "storage/migrate.h"
#include "storage/ops_store.h"
#include "storage/pg_err.h"
#include "storage/pool.h"
#include "support.h"

static char schema[32];
static char url[2048];

/* The pool prepares statements that read the schema: give it one. */
static void schema_setup(void)
{
	support_schema_name(schema, sizeof(schema));
	support_create_schema(schema);
	support_schema_url(url, sizeof(url), schema);
	PGconn *conn = support_connect(url);
	struct err err;
	int applied;
	ck_assert_int_eq(migrate_run(conn, &applied, NULL, &err), ERR_OK);
	PQfinish(conn);
}

static void schema_teardown(void)
{
	support_drop_schema(schema);
}

static struct pool *pool_open(int size, int acquire_ms, int statement_ms)
{
	struct pool_config cfg = {
		.conninfo = url, .size = size, .acquire_timeout_ms = acquire_ms,
		.statement_timeout_ms = statement_ms, .connect_timeout_s = 5,
	};
	struct pool *pool = NULL;
	struct err err;
	ck_assert_int_eq(pool_new(&pool, &cfg, &err), ERR_OK);
	return pool;
}

static int backend_pid(PGconn *conn)
{
	PGresult *res = PQexec(conn, "SELECT pg_backend_pid()");
	int pid = PQresultStatus(res) == PGRES_TUPLES_OK ? atoi(PQgetvalue(res, 0, 0)) : -1;
	PQclear(res);
	return pid;
}

START_TEST(lends_prepared_connections)
{
	struct pool *pool = pool_open(2, 1000, 5000);
	PGconn *conn = NULL;
	struct err err;
	ck_assert_int_eq(pool_acquire(pool, &conn, &err), ERR_OK);
	int version = 0, count = 0;
	ck_assert_int_eq(ops_store_schema_version(conn, &version, &count, &err), ERR_OK);
	ck_assert_int_eq(version, migration_files_count);
	struct pool_stats st;
	pool_get_stats(pool, &st);
	ck_assert_int_eq(st.size, 2);
	ck_assert_int_eq(st.in_use, 1);
	pool_release(pool, conn);
	pool_get_stats(pool, &st);
	ck_assert_int_eq(st.in_use, 0);
	pool_free(pool);
}
END_TEST

START_TEST(reuses_an_open_connection)
{
	struct pool *pool = pool_open(2, 1000, 5000);
	PGconn *conn = NULL;
	struct err err;
	ck_assert_int_eq(pool_acquire(pool, &conn, &err), ERR_OK);
	int pid = backend_pid(conn);
	pool_release(pool, conn);
	ck_assert_int_eq(pool_acquire(pool, &conn, &err), ERR_OK);
	ck_assert_int_eq(backend_pid(conn), pid);
	pool_release(pool, conn);
	struct pool_stats st;
	pool_get_stats(pool, &st);
	ck_assert_int_eq(st.opened, 1);
	pool_free(pool);
}
END_TEST

START_TEST(a_full_pool_answers_unavailable)
{
	struct pool *pool = pool_open(1, 200, 5000);
	PGconn *first = NULL, *second = NULL;
	struct err err;
	ck_assert_int_eq(pool_acquire(pool, &first, &err), ERR_OK);
	ck_assert_int_eq(pool_acquire(pool, &second, &err), ERR_UNAVAILABLE);
	ck_assert_ptr_null(second);
	ck_assert_ptr_nonnull(strstr(err.message, "no database connection free"));
	pool_release(pool, first);
	ck_assert_int_eq(pool_acquire(pool, &second, &err), ERR_OK);
	pool_release(pool, second);
	pool_free(pool);
}
END_TEST

START_TEST(replaces_a_broken_connection)
{
	struct pool *pool = pool_open(1, 1000, 5000);
	PGconn *conn = NULL;
	struct err err;
	ck_assert_int_eq(pool_acquire(pool, &conn, &err), ERR_OK);
	int pid = backend_pid(conn);
	PGconn *admin = support_connect(support_database_url());
	char sql[64];
	snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(%d)", pid);
	support_exec(admin, sql);
	PQfinish(admin);
	int version, count;
	ck_assert_int_eq(ops_store_schema_version(conn, &version, &count, &err), ERR_UNAVAILABLE);
	pool_release(pool, conn);
	ck_assert_int_eq(pool_acquire(pool, &conn, &err), ERR_OK);
	ck_assert_int_ne(backend_pid(conn), pid);
	ck_assert_int_eq(ops_store_schema_version(conn, &version, &count, &err), ERR_OK);
	pool_release(pool, conn);
	pool_free(pool);
}
END_TEST

START_TEST(applies_the_statement_timeout)
{
	struct pool *pool = pool_open(1, 1000, 100);
	PGconn *conn = NULL;
	struct err err;
	ck_assert_int_eq(pool_acquire(pool, &conn, &err), ERR_OK);
	PGresult *res = PQexec(conn, "SELECT pg_sleep(2)");
	ck_assert_int_eq(PQresultStatus(res), PGRES_FATAL_ERROR);
	ck_assert_str_eq(pg_err_sqlstate(res), "57014");
	ck_assert_int_eq(pg_err_from_result(res, conn, &err), ERR_UNAVAILABLE);
	PQclear(res);
	pool_release(pool, conn);
	pool_free(pool);
}
END_TEST

START_TEST(an_unreachable_database_is_unavailable)
{
	struct pool_config cfg = {
		.conninfo = "postgresql://nobody@/nowhere?host=/nonexistent-prevex-socket-dir",
		.size = 1, .acquire_timeout_ms = 200, .statement_timeout_ms = 1000, .connect_timeout_s = 1,
	};
	struct pool *pool = NULL;
	struct err err;
	ck_assert_int_eq(pool_new(&pool, &cfg, &err), ERR_OK);
	PGconn *conn = NULL;
	ck_assert_int_eq(pool_acquire(pool, &conn, &err), ERR_UNAVAILABLE);
	ck_assert_ptr_null(conn);
	struct pool_stats st;
	pool_get_stats(pool, &st);
	ck_assert_int_eq(st.in_use, 0);
	pool_free(pool);
}
END_TEST

START_TEST(an_open_transaction_is_not_handed_on)
{
	struct pool *pool = pool_open(1, 1000, 5000);
	PGconn *conn = NULL;
	struct err err;
	ck_assert_int_eq(pool_acquire(pool, &conn, &err), ERR_OK);
	ck_assert_int_eq(db_begin(conn, &err), ERR_OK);
	int pid = backend_pid(conn);
	pool_release(pool, conn); /* forgotten transaction: the pool must not lend it again */
	ck_assert_int_eq(pool_acquire(pool, &conn, &err), ERR_OK);
	ck_assert_int_eq(PQtransactionStatus(conn), PQTRANS_IDLE);
	ck_assert_int_ne(backend_pid(conn), pid);
	pool_release(pool, conn);
	pool_free(pool);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pool");
	TCase *tc = tcase_create("pool");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, schema_setup, schema_teardown);
	tcase_add_test(tc, lends_prepared_connections);
	tcase_add_test(tc, reuses_an_open_connection);
	tcase_add_test(tc, a_full_pool_answers_unavailable);
	tcase_add_test(tc, replaces_a_broken_connection);
	tcase_add_test(tc, applies_the_statement_timeout);
	tcase_add_test(tc, an_unreachable_database_is_unavailable);
	tcase_add_test(tc, an_open_transaction_is_not_handed_on);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
