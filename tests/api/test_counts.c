/* Runs last, after every other test has written to the database through
 * the API (households and their handovers, procedures, imports, field
 * work, offline sync with its deletes, the CCAPEX, the demo dataset): the
 * counts migration 0014 keeps as cases are written still equal, layer by
 * layer, what the records say (stats_counts_drift()). */
#include <check.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>

START_TEST(kept_counts_match_the_records_after_the_suite)
{
	PGconn *conn = PQconnectdb(getenv("PREVEX_TEST_DATABASE_URL"));
	ck_assert_msg(PQstatus(conn) == CONNECTION_OK, "%s", PQerrorMessage(conn));
	PGresult *res = PQexec(conn, "SELECT layer, rows, (SELECT count(*) FROM case_parties WHERE n > 0)"
				     " FROM stats_counts_drift()");
	ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 3, "%s",
		      PQresultErrorMessage(res));
	for (int r = 0; r < PQntuples(res); r++) {
		fprintf(stderr, "%s: %s rows differ (%s cases kept)\n", PQgetvalue(res, r, 0), PQgetvalue(res, r, 1),
			PQgetvalue(res, r, 2));
		ck_assert_msg(atoll(PQgetvalue(res, r, 1)) == 0, "%s: %s rows differ from the records",
			      PQgetvalue(res, r, 0), PQgetvalue(res, r, 1));
	}
	PQclear(res);
	PQfinish(conn);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("counts");
	TCase *tc = tcase_create("after the suite");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, kept_counts_match_the_records_after_the_suite);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
