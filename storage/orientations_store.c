#include "storage/orientations_store.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/parse.h"

const struct db_stmt orientations_store_statements[] = {
	{ "orientation_target",
	  "SELECT r.kind, r.status, o.status FROM referrals r"
	  " LEFT JOIN referral_orientations o ON o.referral_id = r.id"
	  " WHERE r.id = $1::uuid AND (orientation_referral_relations(r, $2::uuid, $3) & $4::integer) <> 0"
	  " FOR UPDATE OF r" },
	{ "orientation_addressee_kind",
	  "SELECT kind FROM organisations WHERE id = $1::uuid AND NOT disabled" },
	/* The referral is locked: only the addressee's report can change the
	 * row meanwhile, and declined is final, so the guard holds. */
	{ "orientation_upsert",
	  "INSERT INTO referral_orientations (referral_id, household_id, actor, addressee_org_id, note, oriented_on,"
	  " oriented_by_org)"
	  " SELECT r.id, r.household_id, $2, $3::uuid, $4, current_date, $5::uuid FROM referrals r WHERE r.id = $1::uuid"
	  " ON CONFLICT (referral_id) DO UPDATE SET actor = EXCLUDED.actor, addressee_org_id = EXCLUDED.addressee_org_id,"
	  " note = EXCLUDED.note, oriented_on = EXCLUDED.oriented_on, oriented_by_org = EXCLUDED.oriented_by_org,"
	  " status = 'pending', report = NULL, reported_on = NULL, reported_by_org = NULL,"
	  " version = referral_orientations.version + 1, updated_at = now()"
	  " WHERE referral_orientations.status = 'declined'"
	  " RETURNING xmax = 0" },
	{ "orientation_get",
	  "SELECT orientation_json(o), o.version FROM referral_orientations o"
	  " WHERE o.referral_id = $1::uuid AND ($2::boolean OR o.addressee_org_id = $3::uuid)" },
	{ "orientation_lock",
	  "SELECT o.status, o.version, o.oriented_on::text, current_date::text, o.addressee_org_id = $3::uuid"
	  " FROM referral_orientations o"
	  " WHERE o.referral_id = $1::uuid AND ($2::boolean OR o.addressee_org_id = $3::uuid) FOR UPDATE" },
	{ "orientation_report",
	  "UPDATE referral_orientations SET status = $2, report = coalesce($3, report), reported_on = $4::date,"
	  " reported_by_org = $5::uuid, version = version + 1, updated_at = now() WHERE referral_id = $1::uuid" },
	{ NULL, NULL },
};

static void copy_value(char *out, size_t len, const PGresult *res, int row, int col)
{
	snprintf(out, len, "%s", PQgetvalue(res, row, col));
}

/* Runs stmt; no row is ERR_NOT_FOUND saying "no such what". *res is the
 * caller's to PQclear, whatever the answer. */
static int one_row(PGresult **res, PGconn *conn, const char *stmt, int n, const char *const *params,
		   const char *what, struct err *err)
{
	int rc = db_exec(res, conn, stmt, n, params, err);
	if (rc == ERR_OK && PQntuples(*res) == 0)
		rc = err_set(err, ERR_NOT_FOUND, "", "no such %s", what);
	return rc;
}

static int version_of(const PGresult *res, int col)
{
	int64_t v = 0;
	parse_i64(PQgetvalue(res, 0, col), 0, INT32_MAX, &v);
	return (int)v;
}

int orientations_store_target(PGconn *conn, const char *referral_id, const struct ccapex_viewer *v,
			      struct orientation_target *out, struct err *err)
{
	memset(out, 0, sizeof(*out));
	char read[16];
	snprintf(read, sizeof(read), "%u", v->read_mask);
	const char *params[] = { referral_id, v->org_id, v->kind, read };
	PGresult *res = NULL;
	int rc = one_row(&res, conn, "orientation_target", 4, params, "referral", err);
	if (rc == ERR_OK) {
		copy_value(out->kind, sizeof(out->kind), res, 0, 0);
		copy_value(out->status, sizeof(out->status), res, 0, 1);
		out->oriented = !PQgetisnull(res, 0, 2);
		copy_value(out->orientation_status, sizeof(out->orientation_status), res, 0, 2);
	}
	PQclear(res);
	return rc;
}

int orientations_store_addressee_kind(PGconn *conn, const char *org_id, char kind[CCAPEX_NAME_LEN],
				      struct err *err)
{
	kind[0] = '\0';
	const char *params[] = { org_id };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "orientation_addressee_kind", 1, params, err);
	if (rc == ERR_OK && PQntuples(res) == 0)
		rc = err_set_reason(err, ERR_REASON_UNKNOWN_REFERENCE, "addressee_org_id", "no such organisation");
	if (rc == ERR_OK)
		copy_value(kind, CCAPEX_NAME_LEN, res, 0, 0);
	PQclear(res);
	return rc;
}

int orientations_store_orient(PGconn *conn, const char *referral_id, const char *actor, const char *addressee_id,
			      const char *note, const char *org_id, bool *created, struct err *err)
{
	*created = false;
	const char *params[] = { referral_id, actor, addressee_id, note, org_id };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "orientation_upsert", 5, params, err);
	if (rc == ERR_OK && PQntuples(res) == 0)
		rc = err_set_reason(err, ERR_REASON_REPORT_ALREADY_ORIENTED, "orientation", "the report is oriented already");
	if (rc == ERR_OK)
		*created = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return rc;
}

int orientations_store_get(PGconn *conn, const char *referral_id, bool all, const char *org_id, char **json,
			   int *version, struct err *err)
{
	const char *params[] = { referral_id, all ? "true" : "false", org_id };
	return ccapex_store_run_json(conn, "orientation_get", 3, params, json, version, "orientation", err);
}

int orientations_store_lock(PGconn *conn, const char *referral_id, bool all, const char *org_id,
			    struct orientation_lock *out, struct err *err)
{
	memset(out, 0, sizeof(*out));
	const char *params[] = { referral_id, all ? "true" : "false", org_id };
	PGresult *res = NULL;
	int rc = one_row(&res, conn, "orientation_lock", 3, params, "orientation", err);
	if (rc == ERR_OK) {
		copy_value(out->status, sizeof(out->status), res, 0, 0);
		out->version = version_of(res, 1);
		copy_value(out->oriented_on, sizeof(out->oriented_on), res, 0, 2);
		copy_value(out->today, sizeof(out->today), res, 0, 3);
		out->addressee = strcmp(PQgetvalue(res, 0, 4), "t") == 0;
	}
	PQclear(res);
	return rc;
}

int orientations_store_report(PGconn *conn, const char *referral_id, const char *status, const char *report,
			      const char *reported_on, const char *org_id, struct err *err)
{
	const char *params[] = { referral_id, status, report, reported_on, org_id };
	return db_exec_discard(conn, "orientation_report", 5, params, err);
}
