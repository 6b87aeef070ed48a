/* The counts migration 0014 keeps as cases are written, on a real
 * PostgreSQL, one schema per test: every kind of write that names an
 * organisation on a household, or adds an act, keeps case_parties,
 * household_acts and org_acts (with what is pending) equal to what the
 * records say; a refresh leaves nothing pending; and two transactions
 * writing the same household at once, one adding an act and the other
 * handing the household to another landlord, are both counted, whichever
 * order they commit in. */
#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

static char schema[32];
static char url[2048];
static PGconn *conn;

static void schema_setup(void)
{
	conn = support_migrated_schema(schema, sizeof(schema), url, sizeof(url));
}

static void schema_teardown(void)
{
	PQfinish(conn);
	support_drop_schema(schema);
}

/* Runs query with params on c; copies the first value (or "") into out. */
static void run(PGconn *c, const char *query, int n, const char *const *params, char *out, size_t len)
{
	PGresult *res = PQexecParams(c, query, n, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	ck_assert_msg(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK, "%s: %s", query, PQresultErrorMessage(res));
	if (out != NULL)
		snprintf(out, len, "%s", st == PGRES_TUPLES_OK && PQntuples(res) > 0 ? PQgetvalue(res, 0, 0) : "");
	PQclear(res);
}

static long long number(PGconn *c, const char *query, int n, const char *const *params)
{
	char v[64];
	run(c, query, n, params, v, sizeof(v));
	return strtoll(v, NULL, 10);
}

static void org(const char *kind, char id[40])
{
	const char *p[] = { kind };
	run(conn, "INSERT INTO organisations (kind, name) VALUES ($1, $1 || ' ' || gen_random_uuid()) RETURNING id", 1, p,
	    id, 40);
}

/* The rows where a kept count and the records differ, every layer. */
static long long drift(PGconn *c)
{
	return number(c, "SELECT sum(rows) FROM stats_counts_drift()", 0, NULL);
}

/* The organisation's acts of a year and stage, as the figures read them. */
static long long acts(PGconn *c, const char *org_id, const char *year, const char *stage)
{
	const char *p[] = { org_id, year, stage };
	return number(c,
		      "SELECT coalesce(sum(n), 0) FROM org_acts_now WHERE organisation_id = $1::uuid AND year = $2::int"
		      " AND stage = $3",
		      3, p);
}

static void event(PGconn *c, const char *procedure, int seq, const char *kind, const char *date, const char *cfp,
		  const char *by)
{
	char s[16];
	snprintf(s, sizeof(s), "%d", seq);
	const char *p[] = { procedure, s, kind, date, cfp, by };
	run(c,
	    "INSERT INTO procedure_events (procedure_id, seq, kind, event_date, with_cfp, organisation_id)"
	    " VALUES ($1, $2::int, $3, $4::date, $5::boolean, $6)",
	    6, p, NULL, 0);
}

struct world {
	char bailiff[40], first[40], second[40], service[40], household[40], procedure[40];
};

/* A bailiff's household, whose landlord is the first landlord, with one
 * procedure. */
static void world(struct world *w)
{
	org("bailiff", w->bailiff);
	org("social_landlord", w->first);
	org("social_landlord", w->second);
	org("social_service", w->service);
	const char *p[] = { w->bailiff, w->first };
	run(conn,
	    "INSERT INTO households (address_line, postcode, insee, sector, created_by_org, landlord_org_id)"
	    " VALUES ('2 rue Pasteur', '91000', '91228', 'social', $1, $2) RETURNING id",
	    2, p, w->household, sizeof(w->household));
	const char *q[] = { w->household, w->bailiff };
	run(conn, "INSERT INTO procedures (household_id, filed_by_org) VALUES ($1, $2) RETURNING id", 2, q, w->procedure,
	    sizeof(w->procedure));
}

START_TEST(every_write_keeps_the_counts)
{
	struct world w;
	world(&w);
	ck_assert_int_eq(drift(conn), 0);
	event(conn, w.procedure, 1, "payment_order", "2025-03-03", NULL, w.bailiff);
	event(conn, w.procedure, 2, "summons", "2025-06-02", NULL, w.bailiff);
	event(conn, w.procedure, 3, "eviction", "2026-02-02", "true", w.bailiff);
	event(conn, w.procedure, 4, "eviction", "2026-02-03", "false", w.bailiff);
	ck_assert_int_eq(drift(conn), 0);
	/* A correction repeats an act: not counted again. */
	const char *p[] = { w.procedure };
	run(conn,
	    "INSERT INTO procedure_events (procedure_id, seq, kind, event_date, organisation_id, corrects)"
	    " SELECT procedure_id, 5, kind, event_date, organisation_id, id FROM procedure_events"
	    " WHERE procedure_id = $1 AND seq = 1",
	    1, p, NULL, 0);
	ck_assert_int_eq(drift(conn), 0);
	ck_assert_int_eq(acts(conn, w.bailiff, "2025", "payment_order"), 1);
	ck_assert_int_eq(acts(conn, w.first, "2025", "summons"), 1);
	ck_assert_int_eq(acts(conn, w.first, "2026", "eviction_with_cfp"), 1);
	ck_assert_int_eq(acts(conn, w.second, "2025", "payment_order"), 0);
	ck_assert_int_eq(acts(conn, w.service, "2025", "payment_order"), 0);

	/* The household changes landlord: the second counts its acts, the
	 * first no longer does. */
	const char *h2[] = { w.household, w.second };
	run(conn, "UPDATE households SET landlord_org_id = $2 WHERE id = $1", 2, h2, NULL, 0);
	ck_assert_int_eq(drift(conn), 0);
	ck_assert_int_eq(acts(conn, w.second, "2025", "payment_order"), 1);
	ck_assert_int_eq(acts(conn, w.first, "2025", "payment_order"), 0);

	/* A diagnostic assigned to the service, then to nobody; an outreach
	 * case assigned to it, then deleted: the service counts the acts
	 * while one of them names it. */
	const char *hs[] = { w.household, w.procedure, w.service };
	run(conn,
	    "INSERT INTO diagnostics (household_id, procedure_id, assigned_org_id, requested_on)"
	    " VALUES ($1, $2, $3, '2025-06-03')",
	    3, hs, NULL, 0);
	ck_assert_int_eq(acts(conn, w.service, "2025", "summons"), 1);
	const char *h[] = { w.household };
	run(conn, "UPDATE diagnostics SET assigned_org_id = NULL WHERE household_id = $1", 1, h, NULL, 0);
	ck_assert_int_eq(drift(conn), 0);
	ck_assert_int_eq(acts(conn, w.service, "2025", "summons"), 0);
	const char *oc[] = { w.household, w.service, w.bailiff };
	char case_id[40];
	run(conn,
	    "INSERT INTO outreach_cases (household_id, assigned_org_id, opened_on, created_by_org)"
	    " VALUES ($1, $2, '2025-07-01', $3) RETURNING id",
	    3, oc, case_id, sizeof(case_id));
	ck_assert_int_eq(acts(conn, w.service, "2025", "summons"), 1);
	const char *ci[] = { case_id };
	run(conn, "DELETE FROM outreach_cases WHERE id = $1", 1, ci, NULL, 0);
	ck_assert_int_eq(drift(conn), 0);
	ck_assert_int_eq(acts(conn, w.service, "2025", "summons"), 0);
	/* A letter, a referral and a measure the service operates or made. */
	const char *by_service[] = { w.household, w.service };
	run(conn,
	    "INSERT INTO prevention_letters (household_id, operator_org_id, sent_on, channel, created_by_org)"
	    " VALUES ($1, $2, '2025-04-01', 'post', $2)",
	    2, by_service, NULL, 0);
	run(conn,
	    "INSERT INTO referrals (household_id, kind, insee, created_by_org) VALUES ($1, 'signalled', '91228', $2)",
	    2, by_service, NULL, 0);
	run(conn,
	    "INSERT INTO masp_measures (household_id, type, operator_org_id, start_on, planned_end_on, created_by_org)"
	    " VALUES ($1, 1, $2, '2025-05-01', '2026-05-01', $2)",
	    2, by_service, NULL, 0);
	ck_assert_int_eq(drift(conn), 0);
	ck_assert_int_eq(acts(conn, w.service, "2025", "summons"), 1);
	ck_assert_int_eq(number(conn, "SELECT count(*) FROM case_parties WHERE n > 0", 0, NULL), 3);

	/* A refresh moves everything pending into org_acts: same answers. */
	ck_assert_int_eq(number(conn, "SELECT org_acts_refresh()", 0, NULL), 1);
	ck_assert_int_eq(number(conn, "SELECT count(*) FROM org_acts_pending", 0, NULL), 0);
	ck_assert_int_eq(number(conn, "SELECT count(*) FROM org_acts_dirty", 0, NULL), 0);
	ck_assert_int_eq(drift(conn), 0);
	ck_assert_int_eq(acts(conn, w.second, "2025", "payment_order"), 1);
	ck_assert_int_eq(acts(conn, w.bailiff, "2026", "eviction_with_cfp"), 1);
	ck_assert_int_eq(acts(conn, w.first, "2025", "payment_order"), 0);
	ck_assert_int_eq(number(conn, "SELECT n FROM org_acts WHERE organisation_id = every_case()"
				      " AND year = 2025 AND stage = 'payment_order'", 0, NULL), 1);

	/* A procedure keeps its household and is never deleted. */
	PGresult *res = PQexecParams(conn, "DELETE FROM procedures WHERE id = $1", 1, NULL, p, NULL, NULL, 0);
	ck_assert_int_eq(PQresultStatus(res), PGRES_FATAL_ERROR);
	PQclear(res);
}
END_TEST

/* A's act and B's handover of the household to the second landlord, in
 * two transactions at once: committed in either order, with a refresh
 * between them or not, the second landlord counts the act. */
static void concurrent(bool act_commits_first, bool refresh_between)
{
	struct world w;
	world(&w);
	PGconn *a = support_connect(url), *b = support_connect(url);
	run(a, "BEGIN", 0, NULL, NULL, 0);
	run(b, "BEGIN", 0, NULL, NULL, 0);
	event(a, w.procedure, 1, "payment_order", "2025-03-03", NULL, w.bailiff);
	const char *h2[] = { w.household, w.second };
	run(b, "UPDATE households SET landlord_org_id = $2 WHERE id = $1", 2, h2, NULL, 0);
	run(act_commits_first ? a : b, "COMMIT", 0, NULL, NULL, 0);
	if (refresh_between)
		ck_assert_int_eq(number(conn, "SELECT org_acts_refresh()", 0, NULL), 1);
	run(act_commits_first ? b : a, "COMMIT", 0, NULL, NULL, 0);
	ck_assert_int_eq(drift(conn), 0);
	ck_assert_int_eq(acts(conn, w.second, "2025", "payment_order"), 1);
	ck_assert_int_eq(acts(conn, w.first, "2025", "payment_order"), 0);
	number(conn, "SELECT org_acts_refresh()", 0, NULL);
	ck_assert_int_eq(number(conn, "SELECT count(*) FROM org_acts_pending", 0, NULL), 0);
	ck_assert_int_eq(acts(conn, w.second, "2025", "payment_order"), 1);
	ck_assert_int_eq(acts(conn, w.first, "2025", "payment_order"), 0);
	ck_assert_int_eq(drift(conn), 0);
	PQfinish(a);
	PQfinish(b);
}

START_TEST(concurrent_act_and_handover_are_both_counted)
{
	concurrent(true, false);
	concurrent(false, false);
	concurrent(true, true);
	concurrent(false, true);
}
END_TEST

static Suite *stats_counts_suite(void)
{
	Suite *s = suite_create("stats_counts");
	TCase *tc = tcase_create("kept counts");
	tcase_add_checked_fixture(tc, schema_setup, schema_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, every_write_keeps_the_counts);
	tcase_add_test(tc, concurrent_act_and_handover_are_both_counted);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(stats_counts_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
