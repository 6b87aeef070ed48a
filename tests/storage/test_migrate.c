#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "storage/migrate.h"
#include "support.h"

struct fixture {
	char schema[32];
	char url[2048];
	PGconn *conn;
};

static void fixture_open(struct fixture *f)
{
	support_schema_name(f->schema, sizeof(f->schema));
	support_create_schema(f->schema);
	support_schema_url(f->url, sizeof(f->url), f->schema);
	f->conn = support_connect(f->url);
}

static void fixture_close(struct fixture *f)
{
	PQfinish(f->conn);
	support_drop_schema(f->schema);
}

static int count_rows(PGconn *conn)
{
	PGresult *res = PQexec(conn, "SELECT count(*) FROM schema_migrations");
	ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
	int n = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	return n;
}

START_TEST(applies_everything_once)
{
	struct fixture f;
	fixture_open(&f);
	struct err err;
	int applied = -1, version = -1;
	ck_assert_int_eq(migrate_check(f.conn, &version, &err), ERR_UNAVAILABLE);
	ck_assert_ptr_nonnull(strstr(err.message, "no schema"));
	ck_assert_int_eq(migrate_run(f.conn, &applied, NULL, &err), ERR_OK);
	ck_assert_int_eq(applied, migration_files_count);
	ck_assert_int_eq(count_rows(f.conn), migration_files_count);
	ck_assert_int_eq(migrate_run(f.conn, &applied, NULL, &err), ERR_OK);
	ck_assert_int_eq(applied, 0);
	ck_assert_int_eq(migrate_check(f.conn, &version, &err), ERR_OK);
	ck_assert_int_eq(version, migration_files_count);
	fixture_close(&f);
}
END_TEST

START_TEST(records_checksums)
{
	struct fixture f;
	fixture_open(&f);
	struct err err;
	int applied;
	ck_assert_int_eq(migrate_run(f.conn, &applied, NULL, &err), ERR_OK);
	PGresult *res = PQexec(f.conn, "SELECT checksum FROM schema_migrations WHERE version = 1");
	ck_assert_int_eq(PQntuples(res), 1);
	ck_assert_str_eq(PQgetvalue(res, 0, 0), migration_files[0].sha256);
	ck_assert_uint_eq(strlen(PQgetvalue(res, 0, 0)), 64);
	PQclear(res);
	fixture_close(&f);
}
END_TEST

START_TEST(refuses_a_changed_file)
{
	struct fixture f;
	fixture_open(&f);
	struct err err;
	int applied, version;
	ck_assert_int_eq(migrate_run(f.conn, &applied, NULL, &err), ERR_OK);
	support_exec(f.conn, "UPDATE schema_migrations SET checksum = repeat('0', 64) WHERE version = 1");
	ck_assert_int_ne(migrate_run(f.conn, &applied, NULL, &err), ERR_OK);
	ck_assert_ptr_nonnull(strstr(err.message, "has changed"));
	ck_assert_int_eq(applied, 0);
	ck_assert_int_ne(migrate_check(f.conn, &version, &err), ERR_OK);
	fixture_close(&f);
}
END_TEST

START_TEST(refuses_a_database_ahead)
{
	struct fixture f;
	fixture_open(&f);
	struct err err;
	int applied, version;
	ck_assert_int_eq(migrate_run(f.conn, &applied, NULL, &err), ERR_OK);
	support_exec(f.conn, "INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, '9999_future.sql', 'x')");
	ck_assert_int_eq(migrate_check(f.conn, &version, &err), ERR_UNAVAILABLE);
	ck_assert_ptr_nonnull(strstr(err.message, "ahead"));
	ck_assert_int_ne(migrate_run(f.conn, &applied, NULL, &err), ERR_OK);
	ck_assert_ptr_nonnull(strstr(err.message, "ahead"));
	fixture_close(&f);
}
END_TEST

START_TEST(reports_a_database_behind)
{
	struct fixture f;
	fixture_open(&f);
	struct err err;
	int version;
	/* A database that knows migrations but has applied none of them. */
	support_exec(f.conn, "CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL,"
			     " checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
	ck_assert_int_eq(migrate_check(f.conn, &version, &err), ERR_UNAVAILABLE);
	ck_assert_ptr_nonnull(strstr(err.message, "behind"));
	ck_assert_int_eq(version, 0);
	fixture_close(&f);
}
END_TEST

struct racer {
	const char *url;
	int rc;
	int applied;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	PGconn *conn = PQconnectdb(r->url);
	struct err err;
	r->rc = PQstatus(conn) == CONNECTION_OK ? migrate_run(conn, &r->applied, NULL, &err) : -1;
	PQfinish(conn);
	return NULL;
}

START_TEST(two_instances_take_turns)
{
	struct fixture f;
	fixture_open(&f);
	struct racer a = { .url = f.url }, b = { .url = f.url };
	pthread_t ta, tb;
	pthread_create(&ta, NULL, race, &a);
	pthread_create(&tb, NULL, race, &b);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	ck_assert_int_eq(a.rc, ERR_OK);
	ck_assert_int_eq(b.rc, ERR_OK);
	ck_assert_int_eq(a.applied + b.applied, migration_files_count);
	ck_assert_int_eq(count_rows(f.conn), migration_files_count);
	fixture_close(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("migrate");
	TCase *tc = tcase_create("migrate");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, applies_everything_once);
	tcase_add_test(tc, records_checksums);
	tcase_add_test(tc, refuses_a_changed_file);
	tcase_add_test(tc, refuses_a_database_ahead);
	tcase_add_test(tc, reports_a_database_behind);
	tcase_add_test(tc, two_instances_take_turns);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
