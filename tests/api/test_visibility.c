/* Runs last, after every other test has written to the database through
 * the API (the demo dataset, households handed over, procedures, imports,
 * diagnostics, orientations, recommendations, territories changed): the
 * lists find the visible rows among visible_household_candidates() (0026),
 * an index path, and must find exactly what the relations functions
 * answer over the whole tables. For organisations of every kind, the
 * households each function gives a relation on are all candidates, and
 * the set of visible household ids by the list's path equals the set by
 * the function alone. */
#include <check.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* For each kind, the organisation with the most cases and the two
 * made last (the tests' own, with their territories and orientations). */
#define SAMPLE_ORGS \
	"(SELECT array_agg(id) FROM (SELECT id, row_number() OVER (PARTITION BY kind ORDER BY" \
	"  (SELECT count(*) FROM case_parties c WHERE c.organisation_id = o.id) DESC, id) AS busiest," \
	"  row_number() OVER (PARTITION BY kind ORDER BY created_at DESC, id) AS newest FROM organisations o) x" \
	"  WHERE busiest = 1 OR newest <= 2)"

static PGconn *connect_db(void)
{
	PGconn *conn = PQconnectdb(getenv("PREVEX_TEST_DATABASE_URL"));
	ck_assert_msg(PQstatus(conn) == CONNECTION_OK, "%s", PQerrorMessage(conn));
	return conn;
}

START_TEST(every_relation_is_among_the_candidates)
{
	PGconn *conn = connect_db();
	PGresult *res = PQexec(conn, "SELECT kind, organisation_id, household_id, fn"
				     " FROM visibility_candidates_missing(" SAMPLE_ORGS ") LIMIT 20");
	ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s", PQresultErrorMessage(res));
	for (int r = 0; r < PQntuples(res); r++)
		fprintf(stderr, "not a candidate: %s %s on household %s by %s\n", PQgetvalue(res, r, 0),
			PQgetvalue(res, r, 1), PQgetvalue(res, r, 2), PQgetvalue(res, r, 3));
	ck_assert_msg(PQntuples(res) == 0, "%d pairs with a relation are not candidates", PQntuples(res));
	PQclear(res);
	PQfinish(conn);
}
END_TEST

/* The households list's filter (households_list of storage/households_store.c)
 * with and without the candidates, per organisation of the sample: the
 * same ids. Also that the check is not empty: several kinds see households. */
START_TEST(the_households_list_path_sees_what_the_function_sees)
{
	PGconn *conn = connect_db();
	PGresult *res = PQexec(
		conn,
		"WITH o AS MATERIALIZED (SELECT id, kind FROM organisations WHERE id IN (SELECT unnest(" SAMPLE_ORGS "))),"
		" fn AS MATERIALIZED (SELECT o.id AS org, h.id FROM o CROSS JOIN households h"
		"  WHERE household_relations(h, o.id, o.kind) | orientation_household_relations(h.id, o.id, o.kind) <> 0),"
		" path AS MATERIALIZED (SELECT o.id AS org, h.id FROM o CROSS JOIN LATERAL (SELECT h.id FROM households h"
		"  WHERE h.id IN (SELECT c.household_id FROM visible_household_candidates(o.id, o.kind, 255) c)"
		"   AND household_relations(h, o.id, o.kind) | orientation_household_relations(h.id, o.id, o.kind) <> 0) h)"
		" SELECT o.kind, o.id, (SELECT count(*) FROM fn WHERE fn.org = o.id),"
		"  (SELECT count(*) FROM path WHERE path.org = o.id),"
		"  (SELECT count(*) FROM ((SELECT id FROM fn WHERE org = o.id EXCEPT SELECT id FROM path WHERE org = o.id)"
		"   UNION ALL (SELECT id FROM path WHERE org = o.id EXCEPT SELECT id FROM fn WHERE org = o.id)) d)"
		" FROM o ORDER BY o.kind, o.id");
	ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s", PQresultErrorMessage(res));
	int kinds_seeing = 0;
	const char *last_kind_counted = "";
	for (int r = 0; r < PQntuples(res); r++) {
		const char *kind = PQgetvalue(res, r, 0);
		long long by_fn = atoll(PQgetvalue(res, r, 2));
		fprintf(stderr, "%s %s: %lld visible by the function, %s by the list's path, %s differ\n", kind,
			PQgetvalue(res, r, 1), by_fn, PQgetvalue(res, r, 3), PQgetvalue(res, r, 4));
		ck_assert_msg(atoll(PQgetvalue(res, r, 4)) == 0, "%s %s: the sets differ", kind, PQgetvalue(res, r, 1));
		ck_assert_int_eq(by_fn, atoll(PQgetvalue(res, r, 3)));
		if (by_fn > 0 && strcmp(kind, last_kind_counted) != 0) {
			kinds_seeing++;
			last_kind_counted = kind;
		}
	}
	ck_assert_msg(kinds_seeing >= 5, "only %d kinds see a household: the comparison says little", kinds_seeing);
	PQclear(res);
	PQfinish(conn);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("visibility");
	TCase *tc = tcase_create("after the suite");
	tcase_set_timeout(tc, 280);
	tcase_add_test(tc, every_relation_is_among_the_candidates);
	tcase_add_test(tc, the_households_list_path_sees_what_the_function_sees);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
