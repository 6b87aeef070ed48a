#include "storage/caf_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/ccapex_store.h"


/* A decision is one of the organisation p's départements' (0024), or p is
 * STORE_EVERY_CASE: true; p NULL: NULL (not on this ground). */
#define ALL_OF_DEC(p) "(" p "::uuid = every_case() OR departement_covers_household(" p "::uuid, d.household_id))"

/* A signal of the départements of the organisation p (0024): its
 * household's, or, matched to none, its CAF's; p NULL: any. */
#define SIGNAL_OF(p) \
	"(" p "::uuid IS NULL OR CASE WHEN s.household_id IS NOT NULL" \
	" THEN departement_covers_household(" p "::uuid, s.household_id)" \
	" ELSE EXISTS (SELECT 1 FROM organisation_departements a JOIN organisation_departements b" \
	"  USING (departement_code) WHERE a.organisation_id = s.organisation_id AND b.organisation_id = " p "::uuid) END)"

const struct db_stmt caf_store_statements[] = {
	{ "caf_signal_list",
	  "SELECT caf_signal_json(s), s.created_at::text, s.id FROM caf_signals s"
	  " WHERE ($1::uuid IS NULL OR s.organisation_id = $1::uuid) AND " SIGNAL_OF("$7")
	  " AND ($2::uuid IS NULL OR s.household_id = $2::uuid)"
	  " AND ($3::text IS NULL OR ($3 = 'unknown' AND s.arrears_constituted IS NULL)"
	  "  OR s.arrears_constituted = ($3 = 'true') AND $3 <> 'unknown')"
	  JSON_PAGE_KEYSET("s", 4, 5) " ORDER BY s.created_at, s.id LIMIT $6::integer" },
	{ "caf_signal_get",
	  "SELECT caf_signal_json(s), s.version FROM caf_signals s"
	  " WHERE s.id = $1::uuid AND ($2::uuid IS NULL OR s.organisation_id = $2::uuid) AND " SIGNAL_OF("$3") },
	{ "caf_decision_list",
	  "SELECT benefit_decision_json(d), d.created_at::text, d.id FROM benefit_decisions d"
	  " WHERE (" ALL_OF_DEC("$1") " OR d.addressee_org_id = $2::uuid) AND ($3::text IS NULL OR d.status = $3)"
	  " AND ($4::uuid IS NULL OR d.household_id = $4::uuid) AND ($5::uuid IS NULL OR d.caf_signal_id = $5::uuid)"
	  JSON_PAGE_KEYSET("d", 6, 7) " ORDER BY d.created_at, d.id LIMIT $8::integer" },
	{ "caf_decision_get",
	  "SELECT benefit_decision_json(d), d.version FROM benefit_decisions d"
	  " WHERE d.id = $1::uuid AND (" ALL_OF_DEC("$2") " OR d.addressee_org_id = $3::uuid)" },
	{ "caf_decision_lock",
	  "SELECT d.status, d.version, d.signalled_on::text, d.decided_on::text FROM benefit_decisions d"
	  " WHERE d.id = $1::uuid AND (" ALL_OF_DEC("$2") " OR d.addressee_org_id = $3::uuid) FOR UPDATE" },
	{ "caf_decision_decide",
	  "UPDATE benefit_decisions SET status = 'decided', decision = $2, reasons = $3, decided_on = $4::date,"
	  " decided_by_org = $5::uuid, decided_at = now(), version = version + 1, updated_at = now()"
	  " WHERE id = $1::uuid" },
	{ "caf_decision_correct",
	  "UPDATE benefit_decisions SET reasons = $2, version = version + 1, updated_at = now()"
	  " WHERE id = $1::uuid" },
	{ "caf_decision_apply",
	  "UPDATE benefit_decisions SET status = 'applied', applied_on = $2::date, applied_at = now(),"
	  " version = version + 1, updated_at = now() WHERE id = $1::uuid" },
	{ NULL, NULL },
};

int caf_store_signal_list(PGconn *conn, const char *org_id, const char *departements_of,
			  const struct caf_signal_filter *f, const struct page_cursor *after, int limit,
			  struct json_page *page, struct err *err)
{
	char lim[16];
	snprintf(lim, sizeof(lim), "%d", limit + 1);
	const char *params[] = { org_id, f->household_id, f->constituted, after->set ? after->after_time : NULL,
				 after->set ? after->after_id : NULL, lim, departements_of };
	return json_page_keyset(conn, "caf_signal_list", 7, params, limit, page, err);
}

int caf_store_signal_get(PGconn *conn, const char *id, const char *org_id, const char *departements_of, char **json,
			 struct err *err)
{
	const char *params[] = { id, org_id, departements_of };
	return ccapex_store_run_json(conn, "caf_signal_get", 3, params, json, NULL, "CAF signal", err);
}

int caf_store_decision_list(PGconn *conn, const char *all_of, const char *addressee,
			    const struct benefit_decision_filter *f, const struct page_cursor *after, int limit,
			    struct json_page *page, struct err *err)
{
	char lim[16];
	snprintf(lim, sizeof(lim), "%d", limit + 1);
	const char *params[] = { all_of, addressee, f->status, f->household_id, f->caf_signal_id,
				 after->set ? after->after_time : NULL, after->set ? after->after_id : NULL, lim };
	return json_page_keyset(conn, "caf_decision_list", 8, params, limit, page, err);
}

int caf_store_decision_get(PGconn *conn, const char *id, const char *all_of, const char *addressee, char **json,
			   int *version, struct err *err)
{
	const char *params[] = { id, all_of, addressee };
	return ccapex_store_run_json(conn, "caf_decision_get", 3, params, json, version, "benefit decision", err);
}

int caf_store_decision_lock(PGconn *conn, const char *id, const char *all_of, const char *addressee,
			    struct benefit_decision_state *out, struct err *err)
{
	memset(out, 0, sizeof(*out));
	const char *params[] = { id, all_of, addressee };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "caf_decision_lock", 3, params, err);
	if (rc == ERR_OK && PQntuples(res) == 0)
		rc = err_set(err, ERR_NOT_FOUND, "", "no such benefit decision");
	if (rc == ERR_OK && (benefit_decision_parse_status(PQgetvalue(res, 0, 0), &out->status) != 0 ||
			     date_parse(&out->signalled_on, PQgetvalue(res, 0, 2), "signalled_on", err) != ERR_OK))
		rc = err_set(err, ERR_INTERNAL, "", "a stored benefit decision is unreadable");
	if (rc == ERR_OK) {
		out->version = atoi(PQgetvalue(res, 0, 1));
		out->decided = !PQgetisnull(res, 0, 3);
		if (out->decided && date_parse(&out->decided_on, PQgetvalue(res, 0, 3), "decided_on", err) != ERR_OK)
			rc = err_set(err, ERR_INTERNAL, "", "a stored benefit decision is unreadable");
	}
	PQclear(res);
	return rc;
}

int caf_store_decision_decide(PGconn *conn, const char *id, enum benefit_decision_outcome decision,
			      const char *reasons, const struct date *decided_on, const char *org_id, struct err *err)
{
	char day[DATE_STR_LEN];
	date_format(day, decided_on);
	const char *params[] = { id, benefit_decision_outcome_name(decision), reasons, day, org_id };
	return db_exec_discard(conn, "caf_decision_decide", 5, params, err);
}

int caf_store_decision_correct(PGconn *conn, const char *id, const char *reasons, struct err *err)
{
	const char *params[] = { id, reasons };
	return db_exec_discard(conn, "caf_decision_correct", 2, params, err);
}

int caf_store_decision_apply(PGconn *conn, const char *id, const struct date *applied_on, struct err *err)
{
	char day[DATE_STR_LEN];
	date_format(day, applied_on);
	const char *params[] = { id, day };
	return db_exec_discard(conn, "caf_decision_apply", 2, params, err);
}
