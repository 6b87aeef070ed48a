#include "storage/stats_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/pg_err.h"

/* $1 is the year. Each family's SQL is written once, as a macro of a
 * variant v: ALL counts every case (the préfecture's and the département's
 * figures, one prepared statement per family); OWN counts the cases of the
 * organisation $2 (every family in one statement, below). Its own cases
 * are the households case_parties (0014) counts it on; each family looks
 * its rows' households up there, and the acts come from household_acts,
 * already counted by household, year and stage. */
#define Y0 "make_date($1::int, 1, 1)"
#define Y1 "make_date($1::int + 1, 1, 1)"
#define PREV0 "make_date($1::int - 1, 1, 1)"
/* Whether the household in col is one of the organisation's cases: one
 * probe of case_parties' key per row. Written as a scalar sub-select, which
 * PostgreSQL runs per row, rather than EXISTS, which it may turn into a
 * hash of every case of the organisation: 236,000 rows for a bailiff at
 * --scale 100, to filter the 9,000 letters of two years. */
#define IS_OWN(col) \
	"coalesce((SELECT cp.n FROM case_parties cp WHERE cp.organisation_id = $2::uuid" \
	" AND cp.household_id = " col "), 0) > 0"
/* The départements of the organisation p (0024), and their households. */
#define DEPS_OF(p) "(SELECT d.departement_code FROM organisation_departements d WHERE d.organisation_id = " p ")"
#define DEP_HH(p) "(SELECT h.id FROM households h WHERE insee_departement(h.insee) IN " DEPS_OF(p) ")"
/* Whether the row t (its household_id, and departement_code, which is its
 * household's: 0029) counts: every row, the organisation's own cases, or
 * those of its départements, read by the row's département. */
#define OWN_ALL(t) ""
#define OWN_DEP(t) " AND " t ".departement_code IN " DEPS_OF("$2::uuid")
#define OWN_OWN(t) " AND " IS_OWN(t ".household_id")
#define OWN(v, t) OWN_##v(t)
/* Integer percent rounded half away from zero, and the ratio beside it. */
#define PCT(n, d) "round(100.0 * (" n ") / nullif(" d ", 0))"
#define RATIO(n, d) "round((" n ")::numeric / nullif(" d ", 0), 6)"
#define CHANGE(cur, prev) PCT("(" cur ") - (" prev ")", prev)

/* A meeting with the MDS, a CCAS or an association. */
#define MEETINGS "ARRAY['meeting_mds', 'meeting_ccas', 'meeting_association']"
#define ACT_KINDS "('payment_order', 'summons', 'order_to_leave', 'cfp_request', 'cfp_granted', 'eviction')"
/* The stages in their order (act_stage() of 0014 names them). */
#define STAGES \
	" unnest(ARRAY['payment_order', 'summons', 'order_to_leave', 'cfp_request', 'cfp_granted'," \
	"  'eviction_with_cfp']) WITH ORDINALITY AS k(stage, ord)"

/* Acts of a period grouped by period start; the filtered form joins the
 * household for the EPCI, the sector and the caller's own cases. */
#define ACTS_SQL(from_where) \
	"WITH p AS (SELECT generate_series(date_trunc($3, $1::date), date_trunc($3, $2::date)," \
	"   ('1 ' || $3)::interval)::date AS start)," \
	" a AS (SELECT date_trunc($3, e.event_date)::date AS start, e.kind, coalesce(e.with_cfp, false) AS cfp" \
	from_where \
	"  e.corrects IS NULL AND e.event_date BETWEEN $1::date AND $2::date AND e.kind IN " ACT_KINDS ")," \
	" g AS (SELECT start, count(*) FILTER (WHERE kind = 'payment_order') AS po," \
	"  count(*) FILTER (WHERE kind = 'summons') AS su," \
	"  count(*) FILTER (WHERE kind = 'order_to_leave') AS ol," \
	"  count(*) FILTER (WHERE kind = 'cfp_request') AS cr," \
	"  count(*) FILTER (WHERE kind = 'cfp_granted') AS cg," \
	"  count(*) FILTER (WHERE kind = 'eviction' AND cfp) AS ev FROM a GROUP BY start)" \
	" SELECT coalesce(json_agg(json_build_object(" \
	"  'period', to_char(p.start, CASE $3 WHEN 'month' THEN 'YYYY-MM' ELSE 'YYYY' END)," \
	"  'payment_order', coalesce(g.po, 0), 'summons', coalesce(g.su, 0)," \
	"  'order_to_leave', coalesce(g.ol, 0), 'cfp_request', coalesce(g.cr, 0)," \
	"  'cfp_granted', coalesce(g.cg, 0), 'eviction_with_cfp', coalesce(g.ev, 0)) ORDER BY p.start), '[]')" \
	" FROM p LEFT JOIN g USING (start)"

/* Every session held, or those that examined one of the organisation's
 * cases. */
#define HELD_ALL "(SELECT count(*) FROM k)"
#define HELD_OWN "(SELECT count(DISTINCT commission_id) FROM o)"
#define HELD_DEP HELD_OWN
#define FAMILY_COMMISSIONS(v) \
	"WITH k AS (SELECT k.id FROM commissions k WHERE k.level = 'operational' AND k.status <> 'planned'" \
	"  AND k.session_date >= " Y0 " AND k.session_date < " Y1 ")," \
	" o AS (SELECT o.commission_id FROM opinions o JOIN k ON k.id = o.commission_id" \
	"  JOIN referrals r ON r.id = o.referral_id WHERE true" OWN(v, "r") ")" \
	" SELECT json_build_object(" \
	"  'commissions_held', " HELD_##v "," \
	"  'situations_examined', (SELECT count(*) FROM o))"

#define FAMILY_REFERRALS(v) \
	"WITH r AS (SELECT r.kind, r.epci_siren, r.complex, r.referred_on >= " Y0 " AS cur FROM referrals r" \
	"  WHERE r.referred_on >= " PREV0 " AND r.referred_on < " Y1 OWN(v, "r") ")," \
	" e AS (SELECT r.epci_siren, count(*) FILTER (WHERE r.cur) AS n, count(*) FILTER (WHERE NOT r.cur) AS prev," \
	"  count(*) FILTER (WHERE r.cur AND r.complex) AS complex FROM r WHERE r.epci_siren IS NOT NULL" \
	"  GROUP BY r.epci_siren)," \
	" k AS (SELECT k.kind, k.ord, (SELECT count(*) FROM r WHERE r.cur AND r.kind = k.kind) AS n" \
	"  FROM unnest(ARRAY['social_landlord', 'private_landlord', 'signalled', 'bailiff_report'])" \
	"  WITH ORDINALITY AS k(kind, ord))" \
	" SELECT json_build_object(" \
	"  'referrals_total', (SELECT count(*) FROM r WHERE r.cur)," \
	"  'referrals_by_kind', (SELECT json_object_agg(k.kind, k.n ORDER BY k.ord) FROM k)," \
	"  'referrals_by_epci', coalesce((SELECT json_agg(json_build_object(" \
	"    'epci', json_build_object('siren', e.epci_siren, 'name', x.name)," \
	"    'count', e.n, 'previous_year', e.prev, 'change_percent', " CHANGE("e.n", "e.prev") "," \
	"    'change_ratio', " RATIO("e.n - e.prev", "e.prev") ") ORDER BY e.n DESC, e.epci_siren)" \
	"   FROM e JOIN epcis x ON x.siren = e.epci_siren), '[]')," \
	"  'complex_referrals_by_epci', coalesce((SELECT json_agg(json_build_object(" \
	"    'epci', json_build_object('siren', e.epci_siren, 'name', x.name), 'count', e.complex)" \
	"    ORDER BY e.complex DESC, e.epci_siren)" \
	"   FROM e JOIN epcis x ON x.siren = e.epci_siren WHERE e.complex > 0), '[]'))"

/* The acts of the year and the one before by stage, from org_acts_now
 * (0014), of every case or of the organisation's. */
#define ACTS_ALL " org_acts_now x WHERE x.organisation_id = every_case()"
#define ACTS_OWN " org_acts_now x WHERE x.organisation_id = $2::uuid"
/* The départements' acts, counted from the acts of the two years there as
 * household_acts (0014) counts them (household_acts_recorded). */
#define ACTS_DEP \
	" (SELECT act_stage(e.kind, e.with_cfp, e.corrects) AS stage, extract(year FROM e.event_date)::integer AS year," \
	"  count(*) AS n FROM procedure_events e WHERE e.departement_code IN " DEPS_OF("$2::uuid") \
	"  AND e.event_date >= " PREV0 " AND e.event_date < " Y1 " GROUP BY 1, 2) x WHERE x.stage IS NOT NULL"
#define FAMILY_ACTS_YEAR(v) \
	"WITH g AS (SELECT x.stage, x.year = $1::int AS cur, x.n FROM" ACTS_##v \
	"  AND x.year IN ($1::int - 1, $1::int))," \
	" s AS (SELECT k.stage, k.ord, coalesce(sum(g.n) FILTER (WHERE g.cur), 0) AS n," \
	"  coalesce(sum(g.n) FILTER (WHERE NOT g.cur), 0) AS prev" \
	"  FROM" STAGES " LEFT JOIN g ON g.stage = k.stage GROUP BY k.stage, k.ord)" \
	" SELECT json_build_object(" \
	"  'acts_by_stage', json_object_agg(s.stage, s.n ORDER BY s.ord)," \
	"  'acts_previous_year', json_object_agg(s.stage, s.prev ORDER BY s.ord)," \
	"  'acts_change_percent', json_object_agg(s.stage, " CHANGE("s.n", "s.prev") " ORDER BY s.ord))" \
	" FROM s"

/* The ADIL's contacts: every one, or those the organisation made or that
 * concern one of its cases. */
#define ADIL_ALL ""
#define ADIL_OWN " AND (c.organisation_id = $2::uuid OR " IS_OWN("c.household_id") ")"
/* Those on a household of the départements, or on none by an ADIL of one. */
#define ADIL_DEP \
	" AND (c.household_id IN " DEP_HH("$2::uuid") " OR c.household_id IS NULL AND EXISTS (SELECT 1" \
	"  FROM organisation_departements a JOIN organisation_departements b USING (departement_code)" \
	"  WHERE a.organisation_id = c.organisation_id AND b.organisation_id = $2::uuid))"
#define FAMILY_LETTERS(v) \
	"WITH l AS (SELECT l.sent_on >= " Y0 " AS cur, l.answered, l.outcomes FROM prevention_letters l" \
	"  WHERE l.sent_on >= " PREV0 " AND l.sent_on < " Y1 OWN(v, "l") ")," \
	" y AS (SELECT count(*) FILTER (WHERE l.cur) AS sent," \
	"  count(*) FILTER (WHERE l.cur AND l.answered) AS answered," \
	"  count(*) FILTER (WHERE l.cur AND 'payment_resumed' = ANY (l.outcomes)) AS resumed," \
	"  count(*) FILTER (WHERE l.cur AND 'debt_settled' = ANY (l.outcomes)) AS settled," \
	"  count(*) FILTER (WHERE l.cur AND l.outcomes && " MEETINGS ") AS meetings," \
	"  count(*) FILTER (WHERE NOT l.cur) AS p_sent," \
	"  count(*) FILTER (WHERE NOT l.cur AND l.answered) AS p_answered," \
	"  count(*) FILTER (WHERE NOT l.cur AND 'payment_resumed' = ANY (l.outcomes)) AS p_resumed," \
	"  count(*) FILTER (WHERE NOT l.cur AND 'debt_settled' = ANY (l.outcomes)) AS p_settled," \
	"  count(*) FILTER (WHERE NOT l.cur AND l.outcomes && " MEETINGS ") AS p_meetings FROM l)," \
	" c AS (SELECT count(*) FILTER (WHERE c.contact_on >= " Y0 ") AS n," \
	"  count(*) FILTER (WHERE c.contact_on < " Y0 ") AS prev FROM adil_contacts c" \
	"  WHERE c.contact_on >= " PREV0 " AND c.contact_on < " Y1 \
	ADIL_##v ")" \
	" SELECT json_build_object('sent', y.sent, 'answered', y.answered," \
	"  'response_rate', " PCT("y.answered", "y.sent") "," \
	"  'response_rate_ratio', " RATIO("y.answered", "y.sent") "," \
	"  'payment_resumed', y.resumed, 'debts_settled', y.settled, 'meetings', y.meetings," \
	"  'adil_contacts', c.n," \
	"  'previous_year', json_build_object('sent', y.p_sent, 'answered', y.p_answered," \
	"   'response_rate', " PCT("y.p_answered", "y.p_sent") ", 'payment_resumed', y.p_resumed," \
	"   'debts_settled', y.p_settled, 'meetings', y.p_meetings, 'adil_contacts', c.prev)," \
	"  'change_percent', json_build_object('sent', " CHANGE("y.sent", "y.p_sent") "," \
	"   'payment_resumed', " CHANGE("y.resumed", "y.p_resumed") "," \
	"   'debts_settled', " CHANGE("y.settled", "y.p_settled") "," \
	"   'meetings', " CHANGE("y.meetings", "y.p_meetings") "," \
	"   'adil_contacts', " CHANGE("c.n", "c.prev") "))" \
	" FROM y, c"

#define FAMILY_MOBILE_TEAM(v) \
	"WITH c AS (SELECT c.id, c.outcome, c.debt_settled, c.landlord_contacted_adil FROM outreach_cases c" \
	"  WHERE c.opened_on >= " Y0 " AND c.opened_on < " Y1 OWN(v, "c") ")," \
	" n AS (SELECT count(*) AS cases, count(*) FILTER (WHERE c.outcome = 'no_contact') AS nc," \
	"  count(*) FILTER (WHERE c.outcome = 'contact_established') AS ce," \
	"  count(*) FILTER (WHERE c.outcome = 'npai') AS np, count(*) FILTER (WHERE c.outcome IS NULL) AS open," \
	"  count(*) FILTER (WHERE c.debt_settled) AS ds, count(*) FILTER (WHERE c.landlord_contacted_adil) AS la" \
	"  FROM c)" \
	" SELECT json_build_object('as_of', (" Y1 " - 1), 'cases', n.cases," \
	"  'no_contact', json_build_object('count', n.nc, 'percent', " PCT("n.nc", "n.cases") "," \
	"   'ratio', " RATIO("n.nc", "n.cases") ")," \
	"  'contact_established', json_build_object('count', n.ce, 'percent', " PCT("n.ce", "n.cases") "," \
	"   'ratio', " RATIO("n.ce", "n.cases") ")," \
	"  'npai', json_build_object('count', n.np, 'percent', " PCT("n.np", "n.cases") "," \
	"   'ratio', " RATIO("n.np", "n.cases") ")," \
	"  'open', n.open," \
	"  'home_visits', (SELECT count(*) FROM outreach_interventions i JOIN c ON c.id = i.case_id" \
	"   WHERE i.kind = 'home_visit' AND i.done_on < " Y1 ")," \
	"  'debts_settled', n.ds, 'landlords_contacting_adil', n.la)" \
	" FROM n"

#define FAMILY_MASP(v) \
	"WITH m AS (SELECT m.id, m.start_on, coalesce(m.end_on, m.planned_end_on) - m.start_on AS days" \
	"  FROM masp_measures m WHERE m.start_on < " Y1 " AND (m.end_on IS NULL OR m.end_on >= " Y0 ")" \
	OWN(v, "m") ")," \
	" n AS (SELECT count(*) AS effective, count(*) FILTER (WHERE m.start_on >= " Y0 ") AS started," \
	"  sum(m.days) AS days FROM m)" \
	" SELECT json_build_object('effective', n.effective, 'started', n.started," \
	"  'renewed', (SELECT count(DISTINCT r.measure_id) FROM masp_renewals r JOIN m ON m.id = r.measure_id" \
	"   WHERE r.renewed_on >= " Y0 " AND r.renewed_on < " Y1 ")," \
	"  'average_months', round(n.days / 30.4375 / nullif(n.effective, 0))," \
	"  'average_months_exact', round(n.days / 30.4375 / nullif(n.effective, 0), 3))" \
	" FROM n"

const struct db_stmt stats_store_statements[] = {
	/* Operational sessions held (in session or closed) in the year, and
	 * the opinions they gave; an organisation counts the sessions that
	 * examined one of its cases. */
	{ "stats_commissions",
	  FAMILY_COMMISSIONS(ALL) },
	/* Referrals by the day they were made, this year and the one before. */
	{ "stats_referrals",
	  FAMILY_REFERRALS(ALL) },
	/* Acts by event date, this year and the one before. */
	{ "stats_acts_year",
	  FAMILY_ACTS_YEAR(ALL) },
	/* Letters by the day they were sent; the ADIL's contacts by their day. */
	{ "stats_letters",
	  FAMILY_LETTERS(ALL) },
	/* The mobile team's cases opened in the year, as they stand at its
	 * end: outcomes, home visits made by then, follow-up. */
	{ "stats_mobile_team",
	  FAMILY_MOBILE_TEAM(ALL) },
	/* Measures effective in the year (begun by its end, not ended before
	 * it); their length runs from the start to the end, or to the planned
	 * end as renewals moved it, in months of 30.4375 days. */
	{ "stats_masp",
	  FAMILY_MASP(ALL) },
	{ "stats_acts_series", ACTS_SQL(" FROM procedure_events e WHERE") },
	{ "stats_acts_series_filtered",
	  ACTS_SQL(" FROM procedure_events e JOIN procedures pr ON pr.id = e.procedure_id"
		   "  JOIN households h ON h.id = pr.household_id JOIN communes c ON c.insee = h.insee"
		   "  WHERE ($4::text IS NULL OR c.epci_siren = $4::text) AND ($5::text IS NULL OR h.sector = $5::text)"
		   "  AND ($6::uuid IS NULL OR h.id IN (SELECT o.household_id FROM stats_own_households($6::uuid) o))"
		   "  AND ($7::uuid IS NULL OR e.departement_code IN " DEPS_OF("$7::uuid") ")"
		   "  AND") },
	{ NULL, NULL },
};

/* An organisation's figures, every family in one statement. It is not
 * prepared: planned for the organisation at hand, the number of its own
 * households is known (a few hundred for a CAF, 65,000 for a landlord, every
 * household for the bailiff), and the planner looks each row's household up
 * or hashes the organisation's households accordingly; a generic plan, which
 * a prepared statement may settle on after five runs, guesses it. */
static const char key_figures_own_sql[] =
	  "SELECT (" FAMILY_COMMISSIONS(OWN) "), (" FAMILY_REFERRALS(OWN) "),"
	  "  (" FAMILY_ACTS_YEAR(OWN) "), (" FAMILY_LETTERS(OWN) "),"
	  "  (" FAMILY_MOBILE_TEAM(OWN) "), (" FAMILY_MASP(OWN) ")";

/* The figures of the départements of the organisation $2 (the préfecture's
 * and the Conseil départemental's), in one statement likewise. */
static const char key_figures_dep_sql[] =
	  "SELECT (" FAMILY_COMMISSIONS(DEP) "), (" FAMILY_REFERRALS(DEP) "),"
	  "  (" FAMILY_ACTS_YEAR(DEP) "), (" FAMILY_LETTERS(DEP) "),"
	  "  (" FAMILY_MOBILE_TEAM(DEP) "), (" FAMILY_MASP(DEP) ")";

static const char *const family_statements[STATS__FAMILY_COUNT] = {
	[STATS_COMMISSIONS] = "stats_commissions",
	[STATS_REFERRALS] = "stats_referrals",
	[STATS_ACTS] = "stats_acts_year",
	[STATS_LETTERS] = "stats_letters",
	[STATS_MOBILE_TEAM] = "stats_mobile_team",
	[STATS_MASP] = "stats_masp",
};

static int one_json(PGconn *conn, const char *stmt, int n, const char *const *params, char **json, struct err *err)
{
	*json = NULL;
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, stmt, n, params, err);
	if (rc == ERR_OK && PQntuples(res) != 1)
		rc = err_set(err, ERR_INTERNAL, "", "%s answered %d rows", stmt, PQntuples(res));
	if (rc == ERR_OK) {
		*json = strdup(PQgetvalue(res, 0, 0));
		if (*json == NULL)
			rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	}
	PQclear(res);
	return rc;
}

int stats_store_key_figures(PGconn *conn, int year, enum stats_scope scope, const char *org_id,
			    char *json[STATS__FAMILY_COUNT], struct err *err)
{
	memset(json, 0, STATS__FAMILY_COUNT * sizeof(json[0]));
	char y[16];
	snprintf(y, sizeof(y), "%d", year);
	const char *params[] = { y, org_id };
	int rc = ERR_OK;
	if (scope == STATS_SCOPE_ALL) {
		for (int f = 0; rc == ERR_OK && f < STATS__FAMILY_COUNT; f++)
			rc = one_json(conn, family_statements[f], 1, params, &json[f], err);
	} else {
		const char *sql = scope == STATS_SCOPE_OWN ? key_figures_own_sql : key_figures_dep_sql;
		PGresult *res = PQexecParams(conn, sql, 2, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
			rc = pg_err_from_result(res, conn, err);
		else if (PQntuples(res) != 1 || PQnfields(res) != STATS__FAMILY_COUNT)
			rc = err_set(err, ERR_INTERNAL, "", "own figures: %d rows", PQntuples(res));
		for (int f = 0; rc == ERR_OK && f < STATS__FAMILY_COUNT; f++) {
			json[f] = strdup(PQgetvalue(res, 0, f));
			if (json[f] == NULL)
				rc = err_set(err, ERR_INTERNAL, "", "out of memory");
		}
		PQclear(res);
	}
	if (rc != ERR_OK)
		stats_store_figures_clear(json);
	return rc;
}

void stats_store_figures_clear(char *json[STATS__FAMILY_COUNT])
{
	for (int f = 0; f < STATS__FAMILY_COUNT; f++) {
		free(json[f]);
		json[f] = NULL;
	}
}

int stats_store_acts(PGconn *conn, const struct stats_acts_query *q, char **json, struct err *err)
{
	if (q->epci == NULL && q->sector == NULL && q->org_id == NULL) {
		const char *params[] = { q->from, q->to, q->by };
		return one_json(conn, "stats_acts_series", 3, params, json, err);
	}
	const char *own = q->scope == STATS_SCOPE_OWN ? q->org_id : NULL;
	const char *dep = q->scope == STATS_SCOPE_DEPARTEMENTS ? q->org_id : NULL;
	const char *params[] = { q->from, q->to, q->by, q->epci, q->sector, own, dep };
	return one_json(conn, "stats_acts_series_filtered", 7, params, json, err);
}

/* One transaction: the lock org_acts_refresh() tries (0014), waited for,
 * then the refresh, which then holds it already. */
#define REFRESH_ALL_SQL \
	"BEGIN; SELECT pg_advisory_xact_lock(hashtextextended('org_acts_refresh', 8008));" \
	" SELECT org_acts_refresh(); COMMIT"

int stats_store_refresh_all(PGconn *conn, long long *households, struct err *err)
{
	*households = 0;
	int rc = ERR_OK;
	if (!PQsendQuery(conn, REFRESH_ALL_SQL))
		return err_set(err, ERR_UNAVAILABLE, "", "the database is unavailable");
	/* The answers of BEGIN, the lock, the refresh and COMMIT, in order. */
	PGresult *res;
	while ((res = PQgetResult(conn)) != NULL) {
		ExecStatusType st = PQresultStatus(res);
		if (rc == ERR_OK && st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
			rc = pg_err_from_result(res, conn, err);
		else if (st == PGRES_TUPLES_OK && PQnfields(res) == 1 &&
			 strcmp(PQfname(res, 0), "org_acts_refresh") == 0)
			*households = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		PQclear(res);
	}
	/* A failure leaves the block open and aborted: close it. */
	if (PQtransactionStatus(conn) != PQTRANS_IDLE)
		PQclear(PQexec(conn, "ROLLBACK"));
	return rc;
}

int stats_store_refresh(PGconn *conn, long long *households, struct err *err)
{
	*households = 0;
	PGresult *res = PQexecParams(conn, "SELECT org_acts_refresh()", 0, NULL, NULL, NULL, NULL, 0);
	int rc = ERR_OK;
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = pg_err_from_result(res, conn, err);
	else
		*households = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return rc;
}
