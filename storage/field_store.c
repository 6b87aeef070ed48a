#include "storage/field_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/parse.h"

/* field_relations() of 0024: DEPARTEMENT on the households of the caller's
 * départements, ASSIGNED to the operator. */
#define REL(assigned) " field_relations(x." assigned ", x.household_id, $2::uuid, $3::text) & $4::int <> 0"

/* The relations a list reads by ($3), as visible_household_candidates()
 * (0026) names them: ASSIGNED on the record itself is 256 there. */
#define FIELD_RELATIONS "($3::int | CASE WHEN $3::int & 16 <> 0 THEN 256 ELSE 0 END)"

#define GET_SQL(json, table, assigned) \
	"SELECT " json "(x), x.version, x.id, field_today()::text FROM " table " x" \
	" WHERE x.id = $1 AND" REL(assigned)

#define LIST_SQL(json, table, assigned, state, type) \
	"WITH" DB_VISIBLE_CTE("$1", "$2", FIELD_RELATIONS) " page AS" \
	DB_VISIBLE_PAGE("x.household_id", "x.departement_code", "$1", "$2", FIELD_RELATIONS, \
	"SELECT x.id, x.created_at, " json "(x) AS j FROM " table " x", \
	"   AND field_relations(x." assigned ", x.household_id, $1::uuid, $2::text) & $3::int <> 0" \
	"   AND ($4::uuid IS NULL OR x.household_id = $4::uuid)" \
	"   AND ($5::text IS NULL OR " state " = $5::text)" \
	"   AND ($6::uuid IS NULL OR x." assigned " = $6::uuid)" \
	"   AND ($7::timestamptz IS NULL OR (x.created_at, x.id) > ($7::timestamptz, $8::uuid))", \
	"x", "$9::int + 1") "," \
	" audit AS (INSERT INTO audit_log (client_id, organisation_id, action, resource_type, resource_id," \
	"  request_id, outcome)" \
	"  SELECT $10::uuid, $1::uuid, 'read', '" type "', s.id::text, $11, 'ok'" \
	"  FROM (SELECT id FROM page ORDER BY created_at, id LIMIT $9::int) s)" \
	" SELECT j, created_at::text, id FROM page ORDER BY page.created_at, page.id"

/* The household a new record hangs on, if the caller may act on it. */
#define ON_HOUSEHOLD \
	" FROM households h WHERE h.id = ($4::jsonb->>'household_id')::uuid" \
	" AND household_relations(h, $1::uuid, $2::text) & $3::int <> 0 RETURNING id"

/* A member of the patch $2: set when present (null clears), else kept. */
#define SET(col, type) \
	" " col " = CASE WHEN $2::jsonb ? '" col "' THEN ($2::jsonb->>'" col "')::" type " ELSE " col " END,"
#define SET_AS(col, key, type) \
	" " col " = CASE WHEN $2::jsonb ? '" key "' THEN ($2::jsonb->>'" key "')::" type " ELSE " col " END,"
#define BUMP " version = version + 1, updated_at = now() WHERE id = $1"

#define YEAR_START "make_date($4::int, 1, 1)"
#define YEAR_END "make_date($4::int, 12, 31)"
/* For the summaries: $1 org, $2 kind, $3 allowed relations, $4 year. */
#define REL_SUM(assigned) " field_relations(x." assigned ", x.household_id, $1::uuid, $2::text) & $3::int <> 0"

const struct db_stmt field_store_statements[] = {
	{ "field_diagnostic_get", GET_SQL("field_diagnostic_json", "diagnostics", "assigned_org_id") },
	{ "field_diagnostic_get_lock", GET_SQL("field_diagnostic_json", "diagnostics", "assigned_org_id") " FOR UPDATE" },
	{ "field_diagnostic_list",
	  LIST_SQL("field_diagnostic_json", "diagnostics", "assigned_org_id", "x.status", "diagnostic") },
	{ "field_diagnostic_insert",
	  "INSERT INTO diagnostics (household_id, assigned_org_id, requested_on, hearing_date, note)"
	  " SELECT h.id, ($4::jsonb->>'assigned_org_id')::uuid, coalesce(($4::jsonb->>'requested_on')::date, field_today()),"
	  " ($4::jsonb->>'hearing_on')::date, $4::jsonb->>'note'" ON_HOUSEHOLD },
	{ "field_diagnostic_update",
	  "UPDATE diagnostics SET" SET("status", "text") SET("assigned_org_id", "uuid")
	  SET_AS("hearing_date", "hearing_on", "date")
	  SET("interview_offered_on", "date") SET("report_sent_on", "date") SET("carence_on", "date")
	  SET("note", "text")
	  " report = CASE WHEN $2::jsonb ? 'report' THEN nullif($2::jsonb->'report', 'null'::jsonb) ELSE report END,"
	  BUMP },

	{ "field_case_get", GET_SQL("outreach_case_full_json", "outreach_cases", "assigned_org_id") },
	{ "field_case_get_lock", GET_SQL("outreach_case_full_json", "outreach_cases", "assigned_org_id") " FOR UPDATE" },
	{ "field_case_list",
	  LIST_SQL("outreach_case_json", "outreach_cases", "assigned_org_id", "coalesce(x.outcome, 'open')",
		   "outreach_case") },
	{ "field_case_insert",
	  "INSERT INTO outreach_cases (household_id, assigned_org_id, opened_on, note, created_by_org)"
	  " SELECT h.id, ($4::jsonb->>'assigned_org_id')::uuid,"
	  " coalesce(($4::jsonb->>'opened_on')::date, field_today()), $4::jsonb->>'note', $1::uuid" ON_HOUSEHOLD },
	{ "field_case_update",
	  "UPDATE outreach_cases SET" SET("assigned_org_id", "uuid") SET("outcome", "text")
	  SET("landlord_contacted_adil", "boolean") SET("debt_settled", "boolean") SET("note", "text") BUMP },
	{ "field_case_delete", "DELETE FROM outreach_cases WHERE id = $1" },

	{ "field_letter_get", GET_SQL("prevention_letter_json", "prevention_letters", "operator_org_id") },
	{ "field_letter_get_lock",
	  GET_SQL("prevention_letter_json", "prevention_letters", "operator_org_id") " FOR UPDATE" },
	{ "field_letter_list",
	  LIST_SQL("prevention_letter_json", "prevention_letters", "operator_org_id", "x.channel",
		   "prevention_letter") },
	{ "field_letter_insert",
	  "INSERT INTO prevention_letters (household_id, operator_org_id, sent_on, channel, answered, answered_on,"
	  " outcomes, note, created_by_org)"
	  " SELECT h.id, ($4::jsonb->>'operator_org_id')::uuid, ($4::jsonb->>'sent_on')::date,"
	  " $4::jsonb->>'channel', coalesce(($4::jsonb->>'answered')::boolean, false),"
	  " ($4::jsonb->>'answered_on')::date,"
	  " ARRAY(SELECT jsonb_array_elements_text(coalesce($4::jsonb->'outcomes', '[]'::jsonb))),"
	  " $4::jsonb->>'note', $1::uuid" ON_HOUSEHOLD },
	{ "field_letter_update",
	  "UPDATE prevention_letters SET" SET("operator_org_id", "uuid") SET("sent_on", "date")
	  SET("channel", "text") SET_AS("answered", "answered", "boolean") SET("answered_on", "date")
	  SET("note", "text")
	  " outcomes = CASE WHEN $2::jsonb ? 'outcomes'"
	  "  THEN ARRAY(SELECT jsonb_array_elements_text(coalesce($2::jsonb->'outcomes', '[]'::jsonb)))"
	  "  ELSE outcomes END," BUMP },

	{ "field_measure_get", GET_SQL("masp_measure_json", "masp_measures", "operator_org_id") },
	{ "field_measure_get_lock", GET_SQL("masp_measure_json", "masp_measures", "operator_org_id") " FOR UPDATE" },
	{ "field_measure_list",
	  LIST_SQL("masp_measure_json", "masp_measures", "operator_org_id", "x.status", "masp_measure") },
	{ "field_measure_insert",
	  "INSERT INTO masp_measures (household_id, type, operator_org_id, start_on, planned_end_on, note,"
	  " created_by_org)"
	  " SELECT h.id, ($4::jsonb->>'type')::smallint, ($4::jsonb->>'operator_org_id')::uuid,"
	  " ($4::jsonb->>'start_on')::date, ($4::jsonb->>'planned_end_on')::date, $4::jsonb->>'note', $1::uuid"
	  ON_HOUSEHOLD },
	{ "field_measure_update",
	  "UPDATE masp_measures SET" SET("operator_org_id", "uuid") SET("status", "text") SET("end_on", "date")
	  SET("note", "text") BUMP },
	{ "field_measure_renew",
	  "WITH r AS (INSERT INTO masp_renewals (measure_id, renewed_on, previous_end_on, until_on, created_by_org)"
	  "  SELECT m.id, $2::date, m.planned_end_on, $3::date, $4::uuid FROM masp_measures m WHERE m.id = $1"
	  "  RETURNING measure_id)"
	  " UPDATE masp_measures m SET planned_end_on = $3::date, version = version + 1, updated_at = now()"
	  " FROM r WHERE m.id = r.measure_id RETURNING m.id" },

	{ "field_org_kind", "SELECT kind FROM organisations WHERE id = $1 AND NOT disabled" },
	/* The stage is that of the diagnostic's procedure, else the
	 * household's latest procedure. */
	{ "field_offer_mobile_team",
	  "INSERT INTO outreach_cases (household_id, diagnostic_id, assigned_org_id, opened_on, created_by_org)"
	  " SELECT d.household_id, d.id, field_mobile_team_for(h.insee), field_today(), $2::uuid"
	  " FROM diagnostics d JOIN households h ON h.id = d.household_id"
	  " WHERE d.id = $1 AND d.status = 'carence' AND h.sector = 'private'"
	  "  AND coalesce((SELECT p.stage FROM procedures p WHERE p.id = d.procedure_id),"
	  "   (SELECT p.stage FROM procedures p WHERE p.household_id = h.id"
	  "    ORDER BY p.created_at DESC, p.id DESC LIMIT 1)) = 'summons'"
	  " ON CONFLICT (diagnostic_id) DO NOTHING" },

	{ "field_intervention_insert",
	  "INSERT INTO outreach_interventions (id, case_id, kind, done_on, agent, outcome, note, created_by_org)"
	  " VALUES (coalesce(($3::jsonb->>'id')::uuid, gen_random_uuid()), $1, $3::jsonb->>'kind',"
	  " ($3::jsonb->>'date')::date, $3::jsonb->>'agent', $3::jsonb->>'outcome', $3::jsonb->>'note', $2::uuid)"
	  " RETURNING outreach_intervention_json(outreach_interventions), version, id, field_today()::text" },
	{ "field_intervention_get",
	  "SELECT outreach_intervention_json(i), i.version, i.id, field_today()::text, i.case_id"
	  " FROM outreach_interventions i JOIN outreach_cases x ON x.id = i.case_id"
	  " WHERE i.id = $1 AND" REL("assigned_org_id") },
	{ "field_intervention_get_lock",
	  "SELECT outreach_intervention_json(i), i.version, i.id, field_today()::text, i.case_id"
	  " FROM outreach_interventions i JOIN outreach_cases x ON x.id = i.case_id"
	  " WHERE i.id = $1 AND" REL("assigned_org_id") " FOR UPDATE OF i" },
	{ "field_intervention_update",
	  "UPDATE outreach_interventions SET" SET("kind", "text") SET_AS("done_on", "date", "date")
	  SET("agent", "text") SET("outcome", "text") SET("note", "text") BUMP
	  " RETURNING outreach_intervention_json(outreach_interventions), version, id, field_today()::text" },
	{ "field_intervention_delete", "DELETE FROM outreach_interventions WHERE id = $1" },

	{ "field_team_add", "INSERT INTO mobile_teams (organisation_id) VALUES ($1) ON CONFLICT DO NOTHING" },
	{ "field_team_remove", "DELETE FROM mobile_teams WHERE organisation_id = $1 RETURNING organisation_id" },
	{ "field_team_list",
	  "SELECT json_build_object('org', json_build_object('id', o.id, 'name', o.name, 'kind', o.kind),"
	  " 'disabled', o.disabled,"
	  " 'territory', organisation_json(o)->'territory', 'flagged_at', rfc3339(t.created_at))"
	  " FROM mobile_teams t JOIN organisations o ON o.id = t.organisation_id"
	  " ORDER BY t.created_at, t.organisation_id" },

	/* Yearly figures over what the caller may read. */
	{ "field_case_summary",
	  "WITH c AS (SELECT x.* FROM outreach_cases x WHERE" REL_SUM("assigned_org_id")
	  "  AND x.opened_on <= " YEAR_END "),"
	  " n AS (SELECT count(*) AS cases,"
	  "  count(*) FILTER (WHERE outcome = 'no_contact') AS no_contact,"
	  "  count(*) FILTER (WHERE outcome = 'contact_established') AS contact_established,"
	  "  count(*) FILTER (WHERE outcome = 'npai') AS npai,"
	  "  count(*) FILTER (WHERE outcome IS NULL) AS open,"
	  "  count(*) FILTER (WHERE debt_settled) AS debts_settled,"
	  "  count(*) FILTER (WHERE landlord_contacted_adil) AS landlords_contacted_adil FROM c)"
	  " SELECT json_build_object('year', $4::int, 'as_of', " YEAR_END ", 'cases', n.cases,"
	  "  'outcomes', json_build_object('no_contact', n.no_contact, 'contact_established', n.contact_established,"
	  "   'npai', n.npai, 'open', n.open),"
	  "  'outcome_percentages', json_build_object("
	  "   'no_contact', round(100.0 * n.no_contact / nullif(n.cases, 0)),"
	  "   'contact_established', round(100.0 * n.contact_established / nullif(n.cases, 0)),"
	  "   'npai', round(100.0 * n.npai / nullif(n.cases, 0))),"
	  "  'home_visits', (SELECT count(*) FROM outreach_interventions i JOIN c ON c.id = i.case_id"
	  "   WHERE i.kind = 'home_visit' AND i.done_on <= " YEAR_END "),"
	  "  'debts_settled', n.debts_settled, 'landlords_contacted_adil', n.landlords_contacted_adil)"
	  " FROM n" },
	{ "field_letter_summary",
	  "SELECT json_build_object('year', $4::int, 'sent', count(*),"
	  " 'answered', count(*) FILTER (WHERE x.answered),"
	  " 'response_rate_percent', round(100.0 * count(*) FILTER (WHERE x.answered) / nullif(count(*), 0), 1),"
	  " 'payment_resumed', count(*) FILTER (WHERE 'payment_resumed' = ANY (x.outcomes)),"
	  " 'debt_settled', count(*) FILTER (WHERE 'debt_settled' = ANY (x.outcomes)),"
	  " 'meetings', count(*) FILTER (WHERE x.outcomes && ARRAY['meeting_mds', 'meeting_ccas',"
	  "   'meeting_association']::text[]),"
	  " 'adil_contacts', count(*) FILTER (WHERE 'adil_contact' = ANY (x.outcomes)))"
	  " FROM prevention_letters x WHERE" REL_SUM("operator_org_id")
	  " AND x.sent_on BETWEEN " YEAR_START " AND " YEAR_END },
	/* Lengths in months of 30.4375 days (365.25 / 12). */
	{ "field_measure_summary",
	  "WITH m AS (SELECT x.* FROM masp_measures x WHERE" REL_SUM("operator_org_id") "),"
	  " e AS (SELECT * FROM m WHERE m.start_on <= " YEAR_END
	  "  AND (m.end_on IS NULL OR m.end_on >= " YEAR_START "))"
	  " SELECT json_build_object('year', $4::int,"
	  "  'effective', (SELECT count(*) FROM e),"
	  "  'effective_by_type', json_build_object('1', (SELECT count(*) FROM e WHERE e.type = 1),"
	  "   '2', (SELECT count(*) FROM e WHERE e.type = 2)),"
	  "  'started', (SELECT count(*) FROM m WHERE m.start_on BETWEEN " YEAR_START " AND " YEAR_END "),"
	  "  'renewed', (SELECT count(DISTINCT r.measure_id) FROM masp_renewals r JOIN m ON m.id = r.measure_id"
	  "   WHERE r.renewed_on BETWEEN " YEAR_START " AND " YEAR_END "),"
	  "  'ended', (SELECT count(*) FROM m WHERE m.end_on BETWEEN " YEAR_START " AND " YEAR_END "),"
	  "  'average_length_months', (SELECT round(avg(m.end_on - m.start_on) / 30.4375, 1) FROM m"
	  "   WHERE m.end_on BETWEEN " YEAR_START " AND " YEAR_END "),"
	  "  'average_running_months', (SELECT round(avg(least(coalesce(e.end_on, " YEAR_END "), " YEAR_END ","
	  "   field_today()) - e.start_on) / 30.4375, 1) FROM e WHERE e.start_on <= field_today()))" },
	{ NULL, NULL },
};

struct resource_stmts {
	const char *get, *get_lock, *list, *insert, *update, *summary, *what;
};

static const struct resource_stmts stmts[FIELD__RESOURCE_COUNT] = {
	[FIELD_DIAGNOSTIC] = { "field_diagnostic_get", "field_diagnostic_get_lock", "field_diagnostic_list",
			       "field_diagnostic_insert", "field_diagnostic_update", NULL, "diagnostic" },
	[FIELD_OUTREACH_CASE] = { "field_case_get", "field_case_get_lock", "field_case_list", "field_case_insert",
				  "field_case_update", "field_case_summary", "outreach case" },
	[FIELD_LETTER] = { "field_letter_get", "field_letter_get_lock", "field_letter_list", "field_letter_insert",
			   "field_letter_update", "field_letter_summary", "prevention letter" },
	[FIELD_MEASURE] = { "field_measure_get", "field_measure_get_lock", "field_measure_list",
			    "field_measure_insert", "field_measure_update", "field_measure_summary", "measure" },
};

void field_row_clear(struct field_row *row)
{
	if (row == NULL)
		return;
	free(row->json);
	memset(row, 0, sizeof(*row));
}

/* Columns: json, version, id, today. */
static int row_from(struct field_row *out, const PGresult *res, struct err *err)
{
	free(out->json);
	out->json = strdup(PQgetvalue(res, 0, 0));
	if (out->json == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	int64_t v = 0;
	parse_i64(PQgetvalue(res, 0, 1), 0, INT32_MAX, &v);
	out->version = (int)v;
	snprintf(out->id, sizeof(out->id), "%s", PQgetvalue(res, 0, 2));
	return date_parse(&out->today, PQgetvalue(res, 0, 3), "today", err);
}

static int one_row(PGconn *conn, const char *stmt, int n, const char *const *params, const char *what,
		   struct field_row *out, struct err *err)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, stmt, n, params, err);
	if (rc == ERR_OK && PQntuples(res) == 0)
		rc = err_set(err, ERR_NOT_FOUND, "", "no such %s", what);
	if (rc == ERR_OK)
		rc = row_from(out, res, err);
	PQclear(res);
	return rc;
}

int field_store_get(PGconn *conn, enum field_resource r, const struct field_caller *caller, unsigned allowed,
		    const char *id, bool lock, struct field_row *out, struct err *err)
{
	char mask[16];
	snprintf(mask, sizeof(mask), "%u", allowed);
	const char *params[] = { id, caller->org_id, caller->kind, mask };
	return one_row(conn, lock ? stmts[r].get_lock : stmts[r].get, 4, params, stmts[r].what, out, err);
}

int field_store_list(PGconn *conn, enum field_resource r, const struct field_caller *caller, unsigned allowed,
		     const struct field_filter *filter, const struct page_cursor *after, int limit,
		     struct json_page *page, struct err *err)
{
	memset(page, 0, sizeof(*page));
	char mask[16], lim[16];
	snprintf(mask, sizeof(mask), "%u", allowed);
	snprintf(lim, sizeof(lim), "%d", limit);
	const char *params[] = { caller->org_id, caller->kind, mask, filter->household_id, filter->state,
				 filter->assigned_org_id, after->set ? after->after_time : NULL,
				 after->set ? after->after_id : NULL, lim, caller->client_id, caller->request_id };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, stmts[r].list, 11, params, err);
	if (rc != ERR_OK)
		return rc;
	int n = PQntuples(res), keep = n > limit ? limit : n;
	page->items = calloc((size_t)(keep ? keep : 1), sizeof(char *));
	if (page->items == NULL)
		rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	for (int i = 0; rc == ERR_OK && i < keep; i++) {
		page->items[i] = strdup(PQgetvalue(res, i, 0));
		if (page->items[i] == NULL)
			rc = err_set(err, ERR_INTERNAL, "", "out of memory");
		else
			page->count++;
	}
	if (rc == ERR_OK && n > limit) {
		page->next.set = true;
		snprintf(page->next.after_time, sizeof(page->next.after_time), "%s", PQgetvalue(res, limit - 1, 1));
		snprintf(page->next.after_id, sizeof(page->next.after_id), "%s", PQgetvalue(res, limit - 1, 2));
	}
	PQclear(res);
	return rc;
}

int field_store_create(PGconn *conn, enum field_resource r, const struct field_caller *caller,
		       unsigned household_allowed, const char *input, char *id, struct err *err)
{
	char mask[16];
	snprintf(mask, sizeof(mask), "%u", household_allowed);
	const char *params[] = { caller->org_id, caller->kind, mask, input };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, stmts[r].insert, 4, params, err);
	if (rc == ERR_OK && PQntuples(res) == 0)
		rc = err_set_reason(err, ERR_REASON_UNKNOWN_REFERENCE, "household_id", "household_id names no household you may act on");
	if (rc == ERR_OK)
		snprintf(id, 40, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

int field_store_create_many(PGconn *conn, enum field_resource r, const struct field_caller *caller,
			    unsigned household_allowed, int count, const char *const *inputs, struct err *err)
{
	char mask[16];
	snprintf(mask, sizeof(mask), "%u", household_allowed);
	const char **params = calloc((size_t)(count > 0 ? count : 1) * 4, sizeof(*params)); /* owned; borrowed */
	PGresult **res = calloc((size_t)(count > 0 ? count : 1), sizeof(*res));         /* owned, with results */
	int rc = params && res ? ERR_OK : err_set(err, ERR_INTERNAL, "", "out of memory");
	for (int i = 0; rc == ERR_OK && i < count; i++) {
		const char *row[] = { caller->org_id, caller->kind, mask, inputs[i] };
		memcpy(&params[4 * i], row, sizeof(row));
	}
	if (rc == ERR_OK)
		rc = db_exec_pipelined(res, conn, stmts[r].insert, count, 4, params, err);
	for (int i = 0; rc == ERR_OK && i < count; i++)
		if (PQntuples(res[i]) == 0)
			rc = err_set_reason(err, ERR_REASON_UNKNOWN_REFERENCE, "household_id", "household_id names no household you may act on");
	db_results_free(res, count);
	free(params);
	return rc;
}

int field_store_update(PGconn *conn, enum field_resource r, const char *id, const char *patch, struct err *err)
{
	const char *params[] = { id, patch };
	return db_exec_discard(conn, stmts[r].update, 2, params, err);
}

int field_store_delete_case(PGconn *conn, const char *id, struct err *err)
{
	const char *params[] = { id };
	return db_exec_discard(conn, "field_case_delete", 1, params, err);
}

int field_store_org_kind(PGconn *conn, const char *org_id, char *kind, size_t len, struct err *err)
{
	const char *params[] = { org_id };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "field_org_kind", 1, params, err);
	if (rc == ERR_OK && PQntuples(res) == 0)
		rc = err_set(err, ERR_NOT_FOUND, "", "no such organisation");
	if (rc == ERR_OK)
		snprintf(kind, len, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

int field_store_offer_mobile_team(PGconn *conn, const struct field_caller *caller, const char *diagnostic_id,
				  struct err *err)
{
	const char *params[] = { diagnostic_id, caller->org_id };
	return db_exec_discard(conn, "field_offer_mobile_team", 2, params, err);
}

int field_store_intervention_create(PGconn *conn, const struct field_caller *caller, const char *case_id,
				    const char *input, struct field_row *out, struct err *err)
{
	const char *params[] = { case_id, caller->org_id, input };
	int rc = one_row(conn, "field_intervention_insert", 3, params, "intervention", out, err);
	if (rc == ERR_CONFLICT)
		rc = err_set_reason(err, ERR_REASON_ALREADY_EXISTS, "id", "an intervention with this id exists");
	return rc;
}

int field_store_intervention_get(PGconn *conn, const struct field_caller *caller, unsigned allowed, const char *id,
				 bool lock, struct field_row *out, char *case_id, struct err *err)
{
	char mask[16];
	snprintf(mask, sizeof(mask), "%u", allowed);
	const char *params[] = { id, caller->org_id, caller->kind, mask };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, lock ? "field_intervention_get_lock" : "field_intervention_get", 4, params, err);
	if (rc == ERR_OK && PQntuples(res) == 0)
		rc = err_set(err, ERR_NOT_FOUND, "", "no such intervention");
	if (rc == ERR_OK)
		rc = row_from(out, res, err);
	if (rc == ERR_OK)
		snprintf(case_id, 40, "%s", PQgetvalue(res, 0, 4));
	PQclear(res);
	return rc;
}

int field_store_intervention_update(PGconn *conn, const char *id, const char *patch, struct field_row *out,
				    struct err *err)
{
	const char *params[] = { id, patch };
	return one_row(conn, "field_intervention_update", 2, params, "intervention", out, err);
}

int field_store_intervention_delete(PGconn *conn, const char *id, struct err *err)
{
	const char *params[] = { id };
	return db_exec_discard(conn, "field_intervention_delete", 1, params, err);
}

int field_store_team_add(PGconn *conn, const char *org_id, struct err *err)
{
	const char *params[] = { org_id };
	return db_exec_discard(conn, "field_team_add", 1, params, err);
}

int field_store_team_remove(PGconn *conn, const char *org_id, struct err *err)
{
	const char *params[] = { org_id };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "field_team_remove", 1, params, err);
	if (rc == ERR_OK && PQntuples(res) == 0)
		rc = err_set(err, ERR_NOT_FOUND, "", "this organisation is not flagged as a mobile team");
	PQclear(res);
	return rc;
}

int field_store_team_list(PGconn *conn, struct json_page *page, struct err *err)
{
	memset(page, 0, sizeof(*page));
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "field_team_list", 0, NULL, err);
	if (rc != ERR_OK)
		return rc;
	int n = PQntuples(res);
	page->items = calloc((size_t)(n ? n : 1), sizeof(char *));
	if (page->items == NULL)
		rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	for (int i = 0; rc == ERR_OK && i < n; i++) {
		page->items[i] = strdup(PQgetvalue(res, i, 0));
		if (page->items[i] == NULL)
			rc = err_set(err, ERR_INTERNAL, "", "out of memory");
		else
			page->count++;
	}
	PQclear(res);
	return rc;
}

int field_store_masp_renew(PGconn *conn, const struct field_caller *caller, const char *id, const char *renewed_on,
			   const char *until, struct err *err)
{
	const char *params[] = { id, renewed_on, until, caller->org_id };
	return db_exec_discard(conn, "field_measure_renew", 4, params, err);
}

int field_store_summary(PGconn *conn, enum field_resource r, const struct field_caller *caller, unsigned allowed,
			int year, char **json, struct err *err)
{
	*json = NULL;
	if (stmts[r].summary == NULL)
		return err_set(err, ERR_INTERNAL, "", "no summary of %s", stmts[r].what);
	char mask[16], y[16];
	snprintf(mask, sizeof(mask), "%u", allowed);
	snprintf(y, sizeof(y), "%d", year);
	const char *params[] = { caller->org_id, caller->kind, mask, y };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, stmts[r].summary, 4, params, err);
	if (rc == ERR_OK) {
		*json = strdup(PQgetvalue(res, 0, 0));
		if (*json == NULL)
			rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	}
	PQclear(res);
	return rc;
}
