#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "storage/audit_store.h"
#include "storage/migrate.h"
#include "support.h"

static char schema[32];
static char url[2048];

static void schema_setup(void)
{
	PGconn *conn = support_migrated_schema(schema, sizeof(schema), url, sizeof(url));
	/* Let the service role into the schema, so that only the grants on
	 * audit_log decide what it may do there. */
	support_exec(conn, "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'prevex_app') THEN"
			   " EXECUTE format('GRANT USAGE ON SCHEMA %I TO prevex_app', current_schema()); END IF; END $$");
	PQfinish(conn);
}

static void schema_teardown(void)
{
	support_drop_schema(schema);
}

static int count(PGconn *conn, const char *sql)
{
	PGresult *res = PQexec(conn, sql);
	ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s", PQerrorMessage(conn));
	int n = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	return n;
}

START_TEST(purge_removes_old_rows_and_records_itself)
{
	PGconn *conn = support_connect(url);
	support_exec(conn, "INSERT INTO audit_log (at, action, resource_type, resource_id, outcome)"
			   " VALUES (now() - interval '2 years', 'read', 'household', 'old-row', 'ok'),"
			   "        (now() - interval '300 days', 'read', 'household', 'recent-row', 'ok')");
	struct err err;
	long long deleted = -1;
	ck_assert_int_eq(audit_store_purge(conn, 365, false, &deleted, &err), ERR_OK);
	ck_assert_int_ge(deleted, 1);
	ck_assert_int_eq(count(conn, "SELECT count(*) FROM audit_log WHERE resource_id = 'old-row'"), 0);
	ck_assert_int_eq(count(conn, "SELECT count(*) FROM audit_log WHERE resource_id = 'recent-row'"), 1);
	ck_assert_int_eq(count(conn, "SELECT count(*) FROM audit_log WHERE action = 'purge'"), 1);
	PQfinish(conn);
}
END_TEST

START_TEST(rows_cannot_be_changed_even_by_the_owner)
{
	PGconn *conn = support_connect(url);
	support_exec(conn, "INSERT INTO audit_log (action, resource_type, outcome) VALUES ('read', 'x', 'ok')");
	PGresult *res = PQexec(conn, "UPDATE audit_log SET outcome = 'forged'");
	ck_assert_int_eq(PQresultStatus(res), PGRES_FATAL_ERROR);
	PQclear(res);
	res = PQexec(conn, "DELETE FROM audit_log");
	ck_assert_int_eq(PQresultStatus(res), PGRES_FATAL_ERROR);
	PQclear(res);
	/* The purge's announcement alone does not let anyone else delete. */
	res = PQexec(conn, "TRUNCATE audit_log");
	ck_assert_int_eq(PQresultStatus(res), PGRES_FATAL_ERROR);
	PQclear(res);
	ck_assert_int_eq(count(conn, "SELECT count(*) FROM audit_log WHERE outcome = 'forged'"), 0);
	PQfinish(conn);
}
END_TEST

START_TEST(the_service_role_cannot_purge)
{
	const char *app = getenv("PREVEX_TEST_APP_DATABASE_URL");
	if (app == NULL) /* without a separate service role there is nothing to tell apart */
		return;
	char app_url[2048];
	snprintf(app_url, sizeof(app_url), "%s%coptions=-csearch_path%%3D%s", app, strchr(app, '?') ? '&' : '?', schema);
	PGconn *conn = support_connect(app_url);
	struct err err;
	long long deleted = 0;
	/* It may read and add rows... */
	support_exec(conn, "INSERT INTO audit_log (action, resource_type, outcome) VALUES ('read', 'x', 'ok')");
	ck_assert_int_ge(count(conn, "SELECT count(*) FROM audit_log"), 1);
	/* ...but never remove them. */
	ck_assert_int_ne(audit_store_purge(conn, 1, false, &deleted, &err), ERR_OK);
	ck_assert_int_eq(deleted, 0);
	PQfinish(conn);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("audit");
	TCase *tc = tcase_create("audit");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, schema_setup, schema_teardown);
	tcase_add_test(tc, purge_removes_old_rows_and_records_itself);
	tcase_add_test(tc, rows_cannot_be_changed_even_by_the_owner);
	tcase_add_test(tc, the_service_role_cannot_purge);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
