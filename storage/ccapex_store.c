#include "storage/ccapex_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPEN_STATUSES "('received', 'admissible', 'scheduled', 'examined')"

/* The session k is of one of the organisation p's départements (0024). */
#define COMMISSION_OF(p) \
	"k.departement_code IN (SELECT d.departement_code FROM organisation_departements d" \
	" WHERE d.organisation_id = " p "::uuid)"

/* A recommendation is one of the organisation p's départements' (0024), or
 * p is STORE_EVERY_CASE: true; p NULL: NULL (not on this ground). */
#define ALL_OF_REC(p) \
	"(" p "::uuid = every_case() OR departement_covers_household(" p "::uuid," \
	" (SELECT r.household_id FROM referrals r WHERE r.id = m.referral_id)))"

const struct db_stmt ccapex_store_statements[] = {
	{ "ccapex_referral_target",
	  "SELECT ccapex_household_relations(h, $3::uuid, $4), current_date::text,"
	  " ($2::uuid IS NULL OR EXISTS (SELECT 1 FROM procedures p WHERE p.id = $2::uuid AND p.household_id = h.id)),"
	  " (SELECT e.event_date::text FROM procedures p JOIN procedure_events e ON e.procedure_id = p.id"
	  "   WHERE p.id = $2::uuid AND p.household_id = h.id AND e.kind = 'summons' ORDER BY e.seq DESC LIMIT 1)"
	  " FROM households h WHERE h.id = $1::uuid" },
	{ "ccapex_referral_insert",
	  "INSERT INTO referrals (household_id, procedure_id, kind, debt_cents, months_unpaid, insee, epci_siren,"
	  " complex, created_by_org, created_by_client, reason, legal_entity, referred_on, notice_applies,"
	  " summons_date, notice_latest, notice_late)"
	  " SELECT h.id, $2::uuid, $3, $4::bigint, $5::integer, h.insee, c.epci_siren, $6::boolean, $7::uuid,"
	  " $8::uuid, $9, $10::boolean, $11::date, $12::boolean, $13::date, $14::date, $15::boolean"
	  " FROM households h JOIN communes c ON c.insee = h.insee WHERE h.id = $1::uuid"
	  " ON CONFLICT (household_id) WHERE status IN " OPEN_STATUSES " DO NOTHING RETURNING id" },
	{ "ccapex_referral_open",
	  "SELECT id FROM referrals WHERE household_id = $1::uuid AND status IN " OPEN_STATUSES },
	/* Reads and lists: the addressee of a bailiff's report's orientation
	 * reads the referral too (0018); it handles nothing else of it. */
	{ "ccapex_referral_get",
	  "SELECT ccapex_referral_json(r, $2::uuid, (x.rels & $4::integer) <> 0, $5::boolean), r.version, x.rels"
	  " FROM referrals r CROSS JOIN LATERAL (SELECT orientation_referral_relations(r, $2::uuid, $3) AS rels) x"
	  " WHERE r.id = $1::uuid AND (x.rels & $6::integer) <> 0" },
	{ "ccapex_referral_list",
	  "WITH" DB_VISIBLE_CTE("$1", "$2", "$5") " page AS" DB_VISIBLE_PAGE("r.household_id", "r.departement_code", "$1", "$2", "$5",
	  "SELECT ccapex_referral_json(r, $1::uuid, (x.rels & $3::integer) <> 0, $4::boolean) AS j, r.created_at, r.id"
	  " FROM referrals r CROSS JOIN LATERAL (SELECT orientation_referral_relations(r, $1::uuid, $2::text) AS rels) x",
	  " AND (x.rels & $5::integer) <> 0 AND ($6::text IS NULL OR r.status = $6)"
	  " AND ($7::text IS NULL OR r.kind = $7) AND ($8::uuid IS NULL OR r.household_id = $8::uuid)"
	  " AND ($9::text IS NULL OR r.epci_siren = $9)" JSON_PAGE_KEYSET("r", 10, 11), "r", "$12::integer")
	  " SELECT j, created_at::text, id FROM page ORDER BY page.created_at, page.id" },
	{ "ccapex_referral_lock",
	  "SELECT r.status, r.version, coalesce((SELECT k.level = 'clil' FROM opinions o"
	  "   JOIN commissions k ON k.id = o.commission_id WHERE o.referral_id = r.id"
	  "   ORDER BY k.session_date DESC, o.created_at DESC LIMIT 1), false)"
	  " FROM referrals r WHERE r.id = $1::uuid AND (ccapex_referral_relations(r, $2::uuid, $3) & $4::integer) <> 0"
	  " FOR UPDATE OF r" },
	{ "ccapex_referral_change",
	  "WITH u AS (UPDATE referrals SET status = coalesce($2::text, status),"
	  "   inadmissible_reason = CASE WHEN $2::text = 'inadmissible' THEN $3 ELSE inadmissible_reason END,"
	  "   complex = coalesce($4::boolean, complex), escalated = escalated OR $5::boolean,"
	  "   reason = CASE WHEN $9::boolean THEN $10 ELSE reason END,"
	  "   version = version + 1, updated_at = now() WHERE id = $1::uuid RETURNING id, status),"
	  " ev AS (INSERT INTO referral_events (referral_id, step, status, commission_id, organisation_id)"
	  "   SELECT u.id, $6::text, u.status, $7::uuid, $8::uuid FROM u WHERE $6::text IS NOT NULL)"
	  " SELECT count(*) FROM u" },
	{ "ccapex_letter_data",
	  "SELECT ccapex_letter_json(r), x.rels"
	  " FROM referrals r CROSS JOIN LATERAL (SELECT ccapex_referral_relations(r, $2::uuid, $3) AS rels) x"
	  " WHERE r.id = $1::uuid AND (x.rels & $4::integer) <> 0" },

	{ "ccapex_clil_insert",
	  /* The CLIL is of its creator's (first) département (0024). */
	  "WITH l AS (INSERT INTO clils (name, mode, status, created_by_org, departement_code) VALUES ($1, $2, $3,"
	  "   $5::uuid, coalesce((SELECT min(d.departement_code) FROM organisation_departements d"
	  "   WHERE d.organisation_id = $5::uuid), default_departement())) RETURNING id),"
	  " c AS (INSERT INTO clil_communes (clil_id, insee)"
	  "   SELECT l.id, u.x FROM l, (SELECT DISTINCT unnest($4::text[]) AS x) u)"
	  " SELECT id FROM l" },
	{ "ccapex_clil_landlords_clear", "DELETE FROM clil_landlords WHERE clil_id = $1::uuid" },
	{ "ccapex_clil_landlords_add",
	  "WITH i AS (INSERT INTO clil_landlords (clil_id, organisation_id)"
	  "   SELECT $1::uuid, o.id FROM organisations o WHERE o.id = ANY($2::uuid[])"
	  "   AND o.kind IN ('social_landlord', 'private_landlord') RETURNING 1)"
	  " SELECT count(*) FROM i" },
	{ "ccapex_clil_communes_clear", "DELETE FROM clil_communes WHERE clil_id = $1::uuid" },
	{ "ccapex_clil_communes_add",
	  "INSERT INTO clil_communes (clil_id, insee) SELECT $1::uuid, u.x FROM (SELECT DISTINCT unnest($2::text[]) AS x) u" },
	{ "ccapex_clil_get", "SELECT ccapex_clil_json(l), l.version FROM clils l WHERE l.id = $1::uuid" },
	{ "ccapex_clil_list",
	  "SELECT ccapex_clil_json(l), l.created_at::text, l.id FROM clils l"
	  " WHERE ($1::text IS NULL OR l.status = $1)" JSON_PAGE_KEYSET("l", 2, 3)
	  " ORDER BY l.created_at, l.id LIMIT $4::integer" },
	{ "ccapex_clil_lock",
	  "SELECT l.mode, (SELECT count(*) FROM clil_landlords x WHERE x.clil_id = l.id), l.version"
	  " FROM clils l WHERE l.id = $1::uuid AND l.departement_code IN (SELECT d.departement_code"
	  "  FROM organisation_departements d WHERE d.organisation_id = $2::uuid) FOR UPDATE" },
	{ "ccapex_clil_update",
	  "UPDATE clils SET name = coalesce($2, name), mode = coalesce($3, mode), status = coalesce($4, status),"
	  " version = version + 1, updated_at = now() WHERE id = $1::uuid" },

	{ "ccapex_commission_insert",
	  /* The session is of its creator's (first) département (0024). */
	  "WITH k AS (INSERT INTO commissions (level, clil_id, session_date, session_time, place, title, created_by_org,"
	  "   departement_code)"
	  "   VALUES ($1, $2::uuid, $3::date, $4::time, $5, $6, $9::uuid, coalesce((SELECT min(d.departement_code)"
	  "    FROM organisation_departements d WHERE d.organisation_id = $9::uuid), default_departement()))"
	  "   RETURNING id),"
	  " c AS (INSERT INTO commission_communes (commission_id, insee)"
	  "   SELECT k.id, u.x FROM k, (SELECT DISTINCT unnest($7::text[]) AS x) u),"
	  " e AS (INSERT INTO commission_epcis (commission_id, epci_siren)"
	  "   SELECT k.id, u.x FROM k, (SELECT DISTINCT unnest($8::text[]) AS x) u)"
	  " SELECT id FROM k" },
	{ "ccapex_commission_members",
	  "INSERT INTO commission_members (commission_id, organisation_id, role)"
	  " SELECT $1::uuid, u.x, $3 FROM (SELECT DISTINCT unnest($2::uuid[]) AS x) u" },
	{ "ccapex_commission_get",
	  "SELECT ccapex_commission_json(k, $3::uuid, $4, $5::integer), k.version FROM commissions k"
	  " WHERE k.id = $1::uuid AND ($2::boolean AND " COMMISSION_OF("$3") " OR EXISTS (SELECT 1"
	  "   FROM commission_members m WHERE m.commission_id = k.id AND m.organisation_id = $3::uuid))" },
	{ "ccapex_commission_list",
	  "SELECT ccapex_commission_json(k, $2::uuid, $3, $4::integer), k.created_at::text, k.id FROM commissions k"
	  " WHERE ($1::boolean AND " COMMISSION_OF("$2") " OR EXISTS (SELECT 1 FROM commission_members m"
	  "   WHERE m.commission_id = k.id AND m.organisation_id = $2::uuid))"
	  " AND ($5::text IS NULL OR k.level = $5) AND ($6::text IS NULL OR k.status = $6)"
	  " AND ($7::uuid IS NULL OR k.clil_id = $7::uuid) AND ($8::date IS NULL OR k.session_date >= $8::date)"
	  " AND ($9::date IS NULL OR k.session_date <= $9::date)" JSON_PAGE_KEYSET("k", 10, 11)
	  " ORDER BY k.created_at, k.id LIMIT $12::integer" },
	{ "ccapex_commission_lock",
	  "SELECT status, level, session_date::text, version FROM commissions k WHERE id = $1::uuid"
	  " AND " COMMISSION_OF("$2") " FOR UPDATE" },
	{ "ccapex_commission_update",
	  "UPDATE commissions SET status = coalesce($2, status),"
	  " session_time = CASE WHEN $3::boolean THEN $4::time ELSE session_time END,"
	  " place = CASE WHEN $5::boolean THEN $6 ELSE place END,"
	  " title = CASE WHEN $7::boolean THEN $8 ELSE title END,"
	  " version = version + 1, updated_at = now() WHERE id = $1::uuid" },
	{ "ccapex_commission_close_agenda",
	  "WITH closed AS (UPDATE agenda_items SET open = false WHERE commission_id = $1::uuid AND open"
	  "   RETURNING referral_id),"
	  " back AS (UPDATE referrals r SET status = 'admissible', version = r.version + 1, updated_at = now()"
	  "   FROM closed c WHERE r.id = c.referral_id AND r.status = 'scheduled' RETURNING r.id)"
	  " INSERT INTO referral_events (referral_id, step, status, commission_id, organisation_id)"
	  " SELECT id, 'unscheduled', 'admissible', $1::uuid, $2::uuid FROM back" },
	{ "ccapex_agenda_insert",
	  "INSERT INTO agenda_items (commission_id, referral_id, position)"
	  " SELECT $1::uuid, $2::uuid, coalesce(max(a.position), 0) + 1 FROM agenda_items a"
	  " WHERE a.commission_id = $1::uuid RETURNING position" },
	{ "ccapex_agenda_delete",
	  "DELETE FROM agenda_items WHERE commission_id = $1::uuid AND referral_id = $2::uuid AND open RETURNING 1" },
	{ "ccapex_opinion_upsert",
	  "INSERT INTO opinions (commission_id, referral_id, summary, decisions, created_by_org)"
	  " VALUES ($1::uuid, $2::uuid, $3, $4::text[], $5::uuid)"
	  " ON CONFLICT (commission_id, referral_id) DO UPDATE SET summary = EXCLUDED.summary,"
	  " decisions = EXCLUDED.decisions, version = opinions.version + 1, updated_at = now()"
	  " RETURNING id, xmax = 0, version" },
	{ "ccapex_commission_touch",
	  "UPDATE commissions SET version = version + 1, updated_at = now() WHERE id = $1::uuid" },
	{ "ccapex_recommendations_held",
	  "SELECT id, addressee_org_id, body, due_on::text, status FROM recommendations"
	  " WHERE opinion_id = $1::uuid AND status <> 'withdrawn' ORDER BY created_at, id FOR UPDATE" },
	{ "ccapex_recommendation_keep",
	  "UPDATE recommendations SET due_on = $2::date, version = version + 1, updated_at = now()"
	  " WHERE id = $1::uuid AND due_on <> $2::date" },
	{ "ccapex_recommendation_withdraw",
	  "UPDATE recommendations SET status = 'withdrawn', withdrawn_at = now(), version = version + 1,"
	  " updated_at = now() WHERE id = ANY($1::uuid[]) AND status = 'pending'" },
	{ "ccapex_recommendation_insert",
	  "INSERT INTO recommendations (opinion_id, referral_id, commission_id, addressee_org_id, body, due_on)"
	  " SELECT o.id, o.referral_id, o.commission_id, g.id, $3, $4::date FROM opinions o, organisations g"
	  " WHERE o.id = $1::uuid AND g.id = $2::uuid AND g.kind = ANY($5::text[]) AND NOT g.disabled RETURNING id" },
	{ "ccapex_opinion_get",
	  "SELECT ccapex_opinion_json(o, o.created_by_org, true, true) FROM opinions o WHERE o.id = $1::uuid" },

	{ "ccapex_recommendation_list",
	  "SELECT ccapex_recommendation_json(m), m.created_at::text, m.id FROM recommendations m"
	  /* ALL_OF_REC by the referrals' départements (0029): one set for the
	   * page rather than a lookup per recommendation. */
	  " WHERE ($1::uuid = every_case() OR m.referral_id IN (SELECT r.id FROM referrals r"
	  "  JOIN organisation_departements od ON od.departement_code = r.departement_code"
	  "  WHERE od.organisation_id = $1::uuid) OR m.addressee_org_id = $2::uuid)"
	  " AND ($3::text IS NULL OR m.status = $3)"
	  " AND ($4::uuid IS NULL OR m.referral_id = $4::uuid) AND ($5::uuid IS NULL OR m.addressee_org_id = $5::uuid)"
	  JSON_PAGE_KEYSET("m", 6, 7) " ORDER BY m.created_at, m.id LIMIT $8::integer" },
	{ "ccapex_recommendation_get",
	  "SELECT ccapex_recommendation_json(m), m.version FROM recommendations m"
	  " WHERE m.id = $1::uuid AND (" ALL_OF_REC("$2") " OR m.addressee_org_id = $3::uuid)" },
	{ "ccapex_recommendation_lock",
	  "SELECT m.status, m.version FROM recommendations m"
	  " WHERE m.id = $1::uuid AND (" ALL_OF_REC("$2") " OR m.addressee_org_id = $3::uuid) FOR UPDATE" },
	{ "ccapex_recommendation_report",
	  "UPDATE recommendations SET status = $2, comment = coalesce($3, comment), reported_at = now(),"
	  " reported_by_org = $4::uuid, version = version + 1, updated_at = now() WHERE id = $1::uuid" },
	{ NULL, NULL },
};

static char *dup_value(const PGresult *res, int row, int col, struct err *err)
{
	char *s = strdup(PQgetvalue(res, row, col));
	if (s == NULL)
		err_set(err, ERR_INTERNAL, "", "out of memory");
	return s;
}

static void copy_value(char *out, size_t len, const PGresult *res, int row, int col)
{
	snprintf(out, len, "%s", PQgetvalue(res, row, col));
}

static bool value_true(const PGresult *res, int row, int col)
{
	return strcmp(PQgetvalue(res, row, col), "t") == 0;
}

/* Runs a statement whose first row holds the JSON text in column 0 and,
 * when version is not NULL, the version in column 1. */
static int one_json(PGconn *conn, const char *stmt, int n, const char *const *params, char **json, int *version,
		    const char *what, struct err *err)
{
	*json = NULL;
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, stmt, n, params, err);
	if (rc == ERR_OK && PQntuples(res) == 0)
		rc = err_set(err, ERR_NOT_FOUND, "", "no such %s", what);
	if (rc == ERR_OK) {
		*json = dup_value(res, 0, 0, err);
		if (*json == NULL)
			rc = ERR_INTERNAL;
		else if (version != NULL)
			*version = atoi(PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	return rc;
}

static void fmt_int(char *out, size_t len, long long v)
{
	snprintf(out, len, "%lld", v);
}

int ccapex_store_referral_target(PGconn *conn, const char *household_id, const char *procedure_id,
				 const char *org_id, const char *kind, struct ccapex_referral_target *out,
				 struct err *err)
{
	memset(out, 0, sizeof(*out));
	const char *params[] = { household_id, procedure_id, org_id, kind };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "ccapex_referral_target", 4, params, err);
	if (rc == ERR_OK && PQntuples(res) == 0)
		rc = err_set(err, ERR_NOT_FOUND, "household_id", "no such household");
	if (rc == ERR_OK) {
		out->relations = (unsigned)atoi(PQgetvalue(res, 0, 0));
		copy_value(out->today, sizeof(out->today), res, 0, 1);
		out->procedure_ok = value_true(res, 0, 2);
		out->has_summons = !PQgetisnull(res, 0, 3);
		if (out->has_summons)
			copy_value(out->summons, sizeof(out->summons), res, 0, 3);
	}
	PQclear(res);
	return rc;
}

int ccapex_store_referral_create(PGconn *conn, const struct ccapex_referral_new *in, char id[CCAPEX_ID_LEN],
				 char open_id[CCAPEX_ID_LEN], struct err *err)
{
	id[0] = open_id[0] = '\0';
	const char *params[] = {
		in->household_id, in->procedure_id, in->kind, in->debt_cents, in->months_unpaid,
		in->complex ? "true" : "false", in->org_id, in->client_id, in->reason,
		in->legal_entity ? "true" : "false", in->referred_on, in->notice_applies ? "true" : "false",
		in->summons_date, in->notice_latest, in->notice_late ? "true" : "false",
	};
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "ccapex_referral_insert", 15, params, err);
	if (rc == ERR_OK && PQntuples(res) == 1) {
		copy_value(id, CCAPEX_ID_LEN, res, 0, 0);
		PQclear(res);
		return ERR_OK;
	}
	PQclear(res);
	res = NULL;
	if (rc != ERR_OK)
		return rc;
	/* The index refused it: name the open referral. It may have closed
	 * since; the answer is a conflict all the same, and a retry succeeds. */
	const char *p1[] = { in->household_id };
	rc = db_exec(&res, conn, "ccapex_referral_open", 1, p1, err);
	if (rc == ERR_OK && PQntuples(res) == 1)
		copy_value(open_id, CCAPEX_ID_LEN, res, 0, 0);
	PQclear(res);
	if (rc != ERR_OK)
		return rc;
	err_set_reason(err, ERR_REASON_REFERRAL_ALREADY_OPEN, "household_id",
		       "the household already has an open referral%s%s", open_id[0] ? ": /v1/referrals/" : "", open_id);
	return err_conflicting(err, open_id);
}

int ccapex_store_referral_get(PGconn *conn, const char *id, const struct ccapex_viewer *v, char **json,
			      int *version, unsigned *relations, struct err *err)
{
	char social[16], read[16];
	fmt_int(social, sizeof(social), v->social_mask);
	fmt_int(read, sizeof(read), v->read_mask);
	const char *params[] = { id, v->org_id, v->kind, social, v->all_recommendations ? "true" : "false", read };
	*json = NULL;
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "ccapex_referral_get", 6, params, err);
	if (rc == ERR_OK && PQntuples(res) == 0)
		rc = err_set(err, ERR_NOT_FOUND, "", "no such referral");
	if (rc == ERR_OK) {
		*json = dup_value(res, 0, 0, err);
		rc = *json ? ERR_OK : ERR_INTERNAL;
		if (version != NULL)
			*version = atoi(PQgetvalue(res, 0, 1));
		if (relations != NULL)
			*relations = (unsigned)atoi(PQgetvalue(res, 0, 2));
	}
	PQclear(res);
	return rc;
}

int ccapex_store_referral_list(PGconn *conn, const struct ccapex_viewer *v, const struct ccapex_referral_filter *f,
			       const struct page_cursor *after, int limit, struct json_page *page, struct err *err)
{
	char social[16], read[16], lim[16];
	fmt_int(social, sizeof(social), v->social_mask);
	fmt_int(read, sizeof(read), v->read_mask);
	fmt_int(lim, sizeof(lim), limit + 1);
	const char *params[] = { v->org_id, v->kind, social, v->all_recommendations ? "true" : "false", read,
				 f->status, f->kind, f->household_id, f->epci,
				 after->set ? after->after_time : NULL, after->set ? after->after_id : NULL, lim };
	return json_page_keyset(conn, "ccapex_referral_list", 12, params, limit, page, err);
}

int ccapex_store_referral_lock(PGconn *conn, const char *id, const struct ccapex_viewer *v,
			       struct ccapex_referral_lock *out, struct err *err)
{
	memset(out, 0, sizeof(*out));
	char read[16];
	fmt_int(read, sizeof(read), v->read_mask);
	const char *params[] = { id, v->org_id, v->kind, read };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "ccapex_referral_lock", 4, params, err);
	if (rc == ERR_OK && PQntuples(res) == 0)
		rc = err_set(err, ERR_NOT_FOUND, "", "no such referral");
	if (rc == ERR_OK) {
		copy_value(out->status, sizeof(out->status), res, 0, 0);
		out->version = atoi(PQgetvalue(res, 0, 1));
		out->clil_examined = value_true(res, 0, 2);
	}
	PQclear(res);
	return rc;
}

int ccapex_store_referral_change(PGconn *conn, const char *id, const struct ccapex_referral_change *c,
				 struct err *err)
{
	const char *complex = c->complex < 0 ? NULL : c->complex ? "true" : "false";
	const char *params[] = { id, c->status, c->inadmissible_reason, complex, c->escalated ? "true" : "false",
				 c->step, c->commission_id, c->org_id, c->reason_given ? "true" : "false", c->reason };
	return db_exec_discard(conn, "ccapex_referral_change", 10, params, err);
}

int ccapex_store_letter_data(PGconn *conn, const char *referral_id, const struct ccapex_viewer *v, char **json,
			     unsigned *relations, struct err *err)
{
	char read[16];
	fmt_int(read, sizeof(read), v->read_mask);
	const char *params[] = { referral_id, v->org_id, v->kind, read };
	*json = NULL;
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "ccapex_letter_data", 4, params, err);
	if (rc == ERR_OK && PQntuples(res) == 0)
		rc = err_set(err, ERR_NOT_FOUND, "", "no such referral");
	if (rc == ERR_OK) {
		*json = dup_value(res, 0, 0, err);
		rc = *json ? ERR_OK : ERR_INTERNAL;
		*relations = (unsigned)atoi(PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	return rc;
}

/* A foreign key or unique failure on a reference list, turned into the
 * input field at fault. */
static int name_reference(int rc, struct err *err, const char *constraint_part, const char *field,
			  const char *message)
{
	if ((rc == ERR_UNPROCESSABLE || rc == ERR_CONFLICT) && strstr(err->field, constraint_part) != NULL)
		return err_set(err, rc, field, "%s", message);
	return rc;
}

int ccapex_store_clil_create(PGconn *conn, const char *name, const char *mode, const char *status,
			     const char *communes, const char *org_id, char id[CCAPEX_ID_LEN], struct err *err)
{
	id[0] = '\0';
	const char *params[] = { name, mode, status, communes, org_id };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "ccapex_clil_insert", 5, params, err);
	if (rc == ERR_OK)
		copy_value(id, CCAPEX_ID_LEN, res, 0, 0);
	PQclear(res);
	rc = name_reference(rc, err, "clils_name", "name", "another CLIL of this département has this name");
	return name_reference(rc, err, "clil_communes", "communes", "a commune code is unknown");
}

int ccapex_store_clil_set_landlords(PGconn *conn, const char *id, const char *landlords, int count,
				    struct err *err)
{
	const char *p1[] = { id };
	int rc = db_exec_discard(conn, "ccapex_clil_landlords_clear", 1, p1, err);
	if (rc != ERR_OK)
		return rc;
	const char *params[] = { id, landlords };
	PGresult *res = NULL;
	rc = db_exec(&res, conn, "ccapex_clil_landlords_add", 2, params, err);
	if (rc == ERR_OK && atoi(PQgetvalue(res, 0, 0)) != count)
		rc = err_set_reason(err, ERR_REASON_UNKNOWN_REFERENCE, "landlords", "a landlord is not a known landlord organisation");
	PQclear(res);
	return rc;
}

int ccapex_store_clil_get(PGconn *conn, const char *id, char **json, int *version, struct err *err)
{
	const char *params[] = { id };
	return one_json(conn, "ccapex_clil_get", 1, params, json, version, "CLIL", err);
}

int ccapex_store_clil_list(PGconn *conn, const char *status, const struct page_cursor *after, int limit,
			   struct json_page *page, struct err *err)
{
	char lim[16];
	fmt_int(lim, sizeof(lim), limit + 1);
	const char *params[] = { status, after->set ? after->after_time : NULL, after->set ? after->after_id : NULL,
				 lim };
	return json_page_keyset(conn, "ccapex_clil_list", 4, params, limit, page, err);
}

int ccapex_store_clil_lock(PGconn *conn, const char *id, const char *org_id, char mode[CCAPEX_NAME_LEN],
			   int *landlords, int *version, struct err *err)
{
	const char *params[] = { id, org_id };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "ccapex_clil_lock", 2, params, err);
	if (rc == ERR_OK && PQntuples(res) == 0)
		rc = err_set(err, ERR_NOT_FOUND, "", "no such CLIL");
	if (rc == ERR_OK) {
		copy_value(mode, CCAPEX_NAME_LEN, res, 0, 0);
		*landlords = atoi(PQgetvalue(res, 0, 1));
		*version = atoi(PQgetvalue(res, 0, 2));
	}
	PQclear(res);
	return rc;
}

int ccapex_store_clil_update(PGconn *conn, const char *id, const char *name, const char *mode, const char *status,
			     const char *communes, struct err *err)
{
	const char *params[] = { id, name, mode, status };
	int rc = name_reference(db_exec_discard(conn, "ccapex_clil_update", 4, params, err), err, "clils_name",
				"name", "another CLIL of this département has this name");
	if (rc != ERR_OK || communes == NULL)
		return rc;
	const char *p1[] = { id };
	const char *p2[] = { id, communes };
	rc = db_exec_discard(conn, "ccapex_clil_communes_clear", 1, p1, err);
	if (rc == ERR_OK)
		rc = db_exec_discard(conn, "ccapex_clil_communes_add", 2, p2, err);
	return name_reference(rc, err, "clil_communes", "communes", "a commune code is unknown");
}

int ccapex_store_commission_create(PGconn *conn, const struct ccapex_commission_new *in, char id[CCAPEX_ID_LEN],
				   struct err *err)
{
	id[0] = '\0';
	const char *params[] = { in->level, in->clil_id, in->date, in->time, in->place, in->title,
				 in->communes, in->epcis, in->org_id };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "ccapex_commission_insert", 9, params, err);
	if (rc == ERR_OK)
		copy_value(id, CCAPEX_ID_LEN, res, 0, 0);
	PQclear(res);
	rc = name_reference(rc, err, "clil_id", "clil_id", "no such CLIL");
	rc = name_reference(rc, err, "commission_communes", "territory.communes", "a commune code is unknown");
	rc = name_reference(rc, err, "commission_epcis", "territory.epcis", "an EPCI is unknown");
	if (rc != ERR_OK)
		return rc;
	const char *chairs[] = { id, in->chairs, "chair" };
	rc = db_exec_discard(conn, "ccapex_commission_members", 3, chairs, err);
	rc = name_reference(rc, err, "organisation", "chair_org_ids", "a chair is not a known organisation");
	if (rc != ERR_OK)
		return rc;
	const char *invited[] = { id, in->invited, "invited" };
	rc = db_exec_discard(conn, "ccapex_commission_members", 3, invited, err);
	return name_reference(rc, err, "organisation", "invited_org_ids", "an invited organisation is not known");
}

int ccapex_store_commission_get(PGconn *conn, const char *id, bool wide, const struct ccapex_viewer *v,
				char **json, int *version, struct err *err)
{
	char read[16];
	fmt_int(read, sizeof(read), v->read_mask);
	const char *params[] = { id, wide ? "true" : "false", v->org_id, v->kind, read };
	return one_json(conn, "ccapex_commission_get", 5, params, json, version, "commission", err);
}

int ccapex_store_commission_list(PGconn *conn, bool wide, const struct ccapex_viewer *v,
				 const struct ccapex_commission_filter *f, const struct page_cursor *after, int limit,
				 struct json_page *page, struct err *err)
{
	char read[16], lim[16];
	fmt_int(read, sizeof(read), v->read_mask);
	fmt_int(lim, sizeof(lim), limit + 1);
	const char *params[] = { wide ? "true" : "false", v->org_id, v->kind, read, f->level, f->status, f->clil_id,
				 f->from, f->to, after->set ? after->after_time : NULL,
				 after->set ? after->after_id : NULL, lim };
	return json_page_keyset(conn, "ccapex_commission_list", 12, params, limit, page, err);
}

int ccapex_store_commission_lock(PGconn *conn, const char *id, const char *org_id, struct ccapex_commission_lock *out,
				 struct err *err)
{
	memset(out, 0, sizeof(*out));
	const char *params[] = { id, org_id };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "ccapex_commission_lock", 2, params, err);
	if (rc == ERR_OK && PQntuples(res) == 0)
		rc = err_set(err, ERR_NOT_FOUND, "", "no such commission");
	if (rc == ERR_OK) {
		copy_value(out->status, sizeof(out->status), res, 0, 0);
		copy_value(out->level, sizeof(out->level), res, 0, 1);
		copy_value(out->date, sizeof(out->date), res, 0, 2);
		out->version = atoi(PQgetvalue(res, 0, 3));
	}
	PQclear(res);
	return rc;
}

int ccapex_store_commission_update(PGconn *conn, const char *id, const struct ccapex_commission_patch *p,
				   struct err *err)
{
	const char *params[] = { id, p->status, p->set_time ? "true" : "false", p->time,
				 p->set_place ? "true" : "false", p->place, p->set_title ? "true" : "false", p->title };
	return db_exec_discard(conn, "ccapex_commission_update", 8, params, err);
}

int ccapex_store_commission_close_agenda(PGconn *conn, const char *id, const char *org_id, struct err *err)
{
	const char *params[] = { id, org_id };
	return db_exec_discard(conn, "ccapex_commission_close_agenda", 2, params, err);
}

int ccapex_store_agenda_add(PGconn *conn, const char *commission_id, const char *referral_id, int *position,
			    struct err *err)
{
	const char *params[] = { commission_id, referral_id };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "ccapex_agenda_insert", 2, params, err);
	if (rc == ERR_OK)
		*position = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	return name_reference(rc, err, "agenda_items", "referral_id", "the referral is on another open agenda");
}

int ccapex_store_agenda_remove(PGconn *conn, const char *commission_id, const char *referral_id, struct err *err)
{
	const char *params[] = { commission_id, referral_id };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "ccapex_agenda_delete", 2, params, err);
	if (rc == ERR_OK && PQntuples(res) == 0)
		rc = err_set(err, ERR_NOT_FOUND, "", "the referral is not on this agenda");
	PQclear(res);
	return rc;
}

int ccapex_store_commission_touch(PGconn *conn, const char *commission_id, struct err *err)
{
	const char *params[] = { commission_id };
	return db_exec_discard(conn, "ccapex_commission_touch", 1, params, err);
}

int ccapex_store_opinion_put(PGconn *conn, const char *commission_id, const char *referral_id, const char *summary,
			     const char *decisions, const char *org_id, char id[CCAPEX_ID_LEN], bool *created,
			     int *version, struct err *err)
{
	id[0] = '\0';
	const char *params[] = { commission_id, referral_id, summary, decisions, org_id };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "ccapex_opinion_upsert", 5, params, err);
	if (rc == ERR_OK) {
		copy_value(id, CCAPEX_ID_LEN, res, 0, 0);
		*created = value_true(res, 0, 1);
		*version = atoi(PQgetvalue(res, 0, 2));
	}
	PQclear(res);
	return name_reference(rc, err, "opinions_on_agenda", "referral_id",
			      "the referral is not on this commission's agenda");
}

void ccapex_held_free(struct ccapex_held *held)
{
	if (held == NULL)
		return;
	for (int i = 0; i < held->count; i++)
		free(held->items[i].text);
	held->count = 0;
}

int ccapex_store_recommendations_held(PGconn *conn, const char *opinion_id, struct ccapex_held *out,
				      struct err *err)
{
	const char *params[] = { opinion_id };
	PGresult *res = NULL;
	ccapex_held_free(out);
	int rc = db_exec(&res, conn, "ccapex_recommendations_held", 1, params, err);
	int n = rc == ERR_OK ? PQntuples(res) : 0;
	if (n > (int)(sizeof(out->items) / sizeof(out->items[0])))
		rc = err_set(err, ERR_INTERNAL, "", "an opinion holds more recommendations than it can give");
	for (int i = 0; rc == ERR_OK && i < n; i++) {
		struct ccapex_held_item *it = &out->items[i];
		snprintf(it->id, sizeof(it->id), "%s", PQgetvalue(res, i, 0));
		snprintf(it->addressee, sizeof(it->addressee), "%s", PQgetvalue(res, i, 1));
		snprintf(it->due, sizeof(it->due), "%s", PQgetvalue(res, i, 3));
		snprintf(it->status, sizeof(it->status), "%s", PQgetvalue(res, i, 4));
		if ((it->text = strdup(PQgetvalue(res, i, 2))) == NULL)
			rc = err_set(err, ERR_INTERNAL, "", "out of memory");
		else
			out->count++;
	}
	PQclear(res);
	if (rc != ERR_OK)
		ccapex_held_free(out);
	return rc;
}

int ccapex_store_recommendation_keep(PGconn *conn, const char *id, const char *due_date, struct err *err)
{
	const char *params[] = { id, due_date };
	return db_exec_discard(conn, "ccapex_recommendation_keep", 2, params, err);
}

int ccapex_store_recommendations_withdraw(PGconn *conn, const char *ids, struct err *err)
{
	const char *params[] = { ids };
	return db_exec_discard(conn, "ccapex_recommendation_withdraw", 1, params, err);
}

int ccapex_store_recommendation_add(PGconn *conn, const char *opinion_id, const char *addressee_id,
				    const char *text, const char *due_date, const char *addressee_kinds,
				    const char *field, struct err *err)
{
	const char *params[] = { opinion_id, addressee_id, text, due_date, addressee_kinds };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "ccapex_recommendation_insert", 5, params, err);
	if (rc == ERR_OK && PQntuples(res) == 0)
		rc = err_set_reason(err, ERR_REASON_UNKNOWN_REFERENCE, field,
			     "no such organisation, or one that cannot receive recommendations");
	PQclear(res);
	return rc;
}

int ccapex_store_opinion_get(PGconn *conn, const char *opinion_id, char **json, struct err *err)
{
	const char *params[] = { opinion_id };
	return one_json(conn, "ccapex_opinion_get", 1, params, json, NULL, "opinion", err);
}

int ccapex_store_recommendation_list(PGconn *conn, const char *all_of, const char *addressee,
				     const struct ccapex_recommendation_filter *f, const struct page_cursor *after,
				     int limit, struct json_page *page, struct err *err)
{
	char lim[16];
	fmt_int(lim, sizeof(lim), limit + 1);
	const char *params[] = { all_of, addressee, f->status, f->referral_id, f->addressee_id,
				 after->set ? after->after_time : NULL, after->set ? after->after_id : NULL, lim };
	return json_page_keyset(conn, "ccapex_recommendation_list", 8, params, limit, page, err);
}

int ccapex_store_recommendation_get(PGconn *conn, const char *id, const char *all_of, const char *addressee,
				    char **json, int *version, struct err *err)
{
	const char *params[] = { id, all_of, addressee };
	return one_json(conn, "ccapex_recommendation_get", 3, params, json, version, "recommendation", err);
}

int ccapex_store_recommendation_lock(PGconn *conn, const char *id, const char *all_of, const char *addressee,
				     char status[CCAPEX_NAME_LEN], int *version, struct err *err)
{
	const char *params[] = { id, all_of, addressee };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "ccapex_recommendation_lock", 3, params, err);
	if (rc == ERR_OK && PQntuples(res) == 0)
		rc = err_set(err, ERR_NOT_FOUND, "", "no such recommendation");
	if (rc == ERR_OK) {
		copy_value(status, CCAPEX_NAME_LEN, res, 0, 0);
		*version = atoi(PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	return rc;
}

int ccapex_store_recommendation_report(PGconn *conn, const char *id, const char *status, const char *comment,
				       const char *org_id, struct err *err)
{
	const char *params[] = { id, status, comment, org_id };
	return db_exec_discard(conn, "ccapex_recommendation_report", 4, params, err);
}

int ccapex_store_run_json(PGconn *conn, const char *stmt, int n, const char *const *params, char **json,
			  int *version, const char *what, struct err *err)
{
	return one_json(conn, stmt, n, params, json, version, what, err);
}
