#include "storage/retention_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The day a term of $2 months before today (in the département's time
 * zone) began, as the instant households' last actions are compared to. */
#define TERM_START(months) \
	"((field_today() - make_interval(months => " months "::int))::timestamp AT TIME ZONE 'Europe/Paris')"

const struct db_stmt retention_store_statements[] = {
	{ "retention_anonymise",
	  "SELECT a.outcome, coalesce(a.open_procedure::text, '') FROM household_anonymise($1::uuid, $2, $3) a" },
	{ "retention_slice",
	  "SELECT id::text FROM households WHERE id > $1::uuid AND erased_at IS NULL ORDER BY id LIMIT $2::int" },
	/* Only the households past their term are locked, and only those no
	 * request holds: the purge never waits on the service, which never
	 * waits on it for a household it keeps. */
	{ "retention_lock",
	  "SELECT id::text FROM households WHERE id = ANY ($1::uuid[]) AND erased_at IS NULL ORDER BY id"
	  " FOR UPDATE SKIP LOCKED" },
	/* Asked again after the lock, in a statement whose snapshot sees every
	 * write committed before the households were locked. */
	{ "retention_past_term",
	  "SELECT h.id::text FROM households h WHERE h.id = ANY ($1::uuid[]) AND h.erased_at IS NULL"
	  " AND household_last_action(h) < " TERM_START("$2") " AND NOT household_followed(h.id) ORDER BY h.id" },
	{ "retention_audit",
	  "INSERT INTO audit_log (action, resource_type, resource_id, request_id, outcome)"
	  " SELECT 'anonymise', 'household', x, 'prevex-purge', 'ok' FROM unnest($1::text[]) x" },
	/* Records of no household: CAF signals that matched none are deleted
	 * (a decision only ever follows a matched one); the ADIL's contacts,
	 * which the key figures count, lose their subject. */
	{ "retention_unattached_signals",
	  "WITH d AS (DELETE FROM caf_signals s WHERE s.household_id IS NULL"
	  "  AND greatest(s.updated_at, s.signalled_on::timestamptz) < " TERM_START("$1")
	  "  AND NOT EXISTS (SELECT 1 FROM benefit_decisions b WHERE b.caf_signal_id = s.id) RETURNING 1)"
	  " SELECT count(*) FROM d" },
	{ "retention_unattached_contacts",
	  "WITH u AS (UPDATE adil_contacts a SET subject = NULL, version = a.version + 1, updated_at = now()"
	  "  WHERE a.household_id IS NULL AND a.subject IS NOT NULL"
	  "  AND greatest(a.updated_at, a.contact_on::timestamptz) < " TERM_START("$1") " RETURNING 1)"
	  " SELECT count(*) FROM u" },
	{ NULL, NULL },
};

static const char *const outcome_names[] = {
	[RETENTION_ANONYMISED] = "anonymised",
	[RETENTION_ALREADY] = "already",
	[RETENTION_MISSING] = "missing",
	[RETENTION_OPEN_PROCEDURE] = "open_procedure",
};

int retention_store_anonymise(PGconn *conn, const char *id, const char *cause, const char *reason,
			      struct retention_result *out, struct err *err)
{
	memset(out, 0, sizeof(*out));
	const char *params[] = { id, cause, reason };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "retention_anonymise", 3, params, err);
	if (rc != ERR_OK)
		return rc;
	rc = err_set(err, ERR_INTERNAL, "", "household_anonymise() gave an unknown outcome");
	for (size_t i = 0; i < sizeof(outcome_names) / sizeof(outcome_names[0]); i++) {
		if (PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), outcome_names[i]) == 0) {
			out->outcome = (enum retention_outcome)i;
			snprintf(out->open_procedure, sizeof(out->open_procedure), "%s", PQgetvalue(res, 0, 1));
			err_clear(err);
			rc = ERR_OK;
		}
	}
	PQclear(res);
	return rc;
}

/* A text array literal of the first column of res: {a,b,...}; malloc'd,
 * the caller free()s it; NULL when out of memory. Ids need no quoting. */
static char *id_array(const PGresult *res)
{
	int n = PQntuples(res);
	size_t cap = 3 + (size_t)n * 41, used = 0;
	char *out = malloc(cap);
	if (out == NULL)
		return NULL;
	out[used++] = '{';
	for (int i = 0; i < n; i++)
		used += (size_t)snprintf(out + used, cap - used, "%s%s", i ? "," : "", PQgetvalue(res, i, 0));
	snprintf(out + used, cap - used, "}");
	return out;
}

/* Anonymises the households past their term (first column of due) and
 * audits each. */
static int purge_due(PGconn *conn, const PGresult *due, struct retention_batch *out, struct err *err)
{
	int rc = ERR_OK;
	for (int i = 0; rc == ERR_OK && i < PQntuples(due); i++) {
		struct retention_result r;
		rc = retention_store_anonymise(conn, PQgetvalue(due, i, 0), "retention", NULL, &r, err);
		if (rc == ERR_OK && r.outcome == RETENTION_ANONYMISED)
			out->anonymised++;
	}
	char *ids = rc == ERR_OK ? id_array(due) : NULL;
	if (rc == ERR_OK && ids == NULL)
		rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	const char *params[] = { ids };
	if (rc == ERR_OK && PQntuples(due) > 0)
		rc = db_exec_discard(conn, "retention_audit", 1, params, err);
	free(ids);
	return rc;
}

/* The households of res (first column) past a term of mon months and no
 * longer followed, into *due. */
static int past_term(PGconn *conn, const PGresult *res, const char *mon, PGresult **due, struct err *err)
{
	char *ids = id_array(res);
	if (ids == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	const char *params[] = { ids, mon };
	int rc = db_exec(due, conn, "retention_past_term", 2, params, err);
	free(ids);
	return rc;
}

int retention_store_purge_batch(PGconn *conn, const char *after_id, int limit, int months, bool dry_run,
				struct retention_batch *out, struct err *err)
{
	memset(out, 0, sizeof(*out));
	char lim[16], mon[16];
	snprintf(lim, sizeof(lim), "%d", limit);
	snprintf(mon, sizeof(mon), "%d", months);
	const char *slice_params[] = { after_id[0] ? after_id : "00000000-0000-0000-0000-000000000000", lim };
	PGresult *slice = NULL, *candidates = NULL, *locked = NULL, *due = NULL;
	char *ids = NULL;
	int rc = db_begin(conn, err);
	if (rc == ERR_OK)
		rc = db_exec(&slice, conn, "retention_slice", 2, slice_params, err);
	if (rc == ERR_OK) {
		out->scanned = PQntuples(slice);
		if (out->scanned == limit)
			snprintf(out->last_id, sizeof(out->last_id), "%s", PQgetvalue(slice, out->scanned - 1, 0));
		rc = past_term(conn, slice, mon, &candidates, err);
	}
	if (rc == ERR_OK)
		out->past_term = PQntuples(candidates);
	if (rc == ERR_OK && !dry_run && out->past_term > 0) {
		ids = id_array(candidates);
		const char *lock_params[] = { ids };
		rc = ids != NULL ? db_exec(&locked, conn, "retention_lock", 1, lock_params, err)
				 : err_set(err, ERR_INTERNAL, "", "out of memory");
		if (rc == ERR_OK)
			rc = past_term(conn, locked, mon, &due, err);
		if (rc == ERR_OK)
			rc = purge_due(conn, due, out, err);
	}
	if (rc == ERR_OK && !dry_run)
		rc = db_commit(conn, err);
	else
		db_rollback(conn);
	free(ids);
	PQclear(due);
	PQclear(locked);
	PQclear(candidates);
	PQclear(slice);
	return rc;
}

/* The count a retention_unattached_* statement answers. */
static int unattached(PGconn *conn, const char *name, const char *months, long long *out, struct err *err)
{
	const char *params[] = { months };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, name, 1, params, err);
	if (rc == ERR_OK)
		*out = atoll(PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

int retention_store_purge_unattached(PGconn *conn, int months, bool dry_run, long long *signals,
				     long long *contacts, struct err *err)
{
	*signals = *contacts = 0;
	char mon[16];
	snprintf(mon, sizeof(mon), "%d", months);
	int rc = db_begin(conn, err);
	if (rc == ERR_OK)
		rc = unattached(conn, "retention_unattached_signals", mon, signals, err);
	if (rc == ERR_OK)
		rc = unattached(conn, "retention_unattached_contacts", mon, contacts, err);
	if (rc == ERR_OK && !dry_run)
		rc = db_commit(conn, err);
	else
		db_rollback(conn);
	return rc;
}
