#include "storage/audit_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct db_stmt audit_store_statements[] = {
	{ "audit_append",
	  "INSERT INTO audit_log (client_id, organisation_id, action, resource_type, resource_id, request_id, outcome)"
	  " VALUES ($1, $2, $3, $4, $5, $6, $7)" },
	{ "audit_list",
	  "SELECT json_build_object('id', a.id, 'at', rfc3339(a.at), 'client_id', a.client_id,"
	  "   'org', org_ref_json(a.organisation_id), 'action', a.action, 'resource_type', a.resource_type,"
	  "   'resource_id', a.resource_id, 'request_id', a.request_id, 'outcome', a.outcome), a.id"
	  " FROM audit_log a"
	  " WHERE ($1::uuid IS NULL OR a.organisation_id = $1)"
	  "   AND ($2::uuid IS NULL OR a.client_id = $2)"
	  "   AND ($3::text IS NULL OR a.action = $3)"
	  "   AND ($4::text IS NULL OR a.resource_type = $4)"
	  "   AND ($5::text IS NULL OR a.resource_id = $5)"
	  "   AND ($6::timestamptz IS NULL OR a.at >= $6)"
	  "   AND ($7::timestamptz IS NULL OR a.at < $7)"
	  "   AND ($8::bigint IS NULL OR a.id < $8)"
	  /* What the reader $10 reads (NULL: any): an entry about a record
	   * of one of its départements, or about none, by an organisation
	   * that shares one of them (0025). */
	  "   AND ($10::uuid IS NULL OR audit_entry_readable($10::uuid, a.organisation_id, a.resource_type,"
	  "    a.resource_id))"
	  " ORDER BY a.id DESC LIMIT $9" },
	{ "throttle_check",
	  "SELECT failures, greatest(1, ceil(extract(epoch FROM window_start + make_interval(secs => $2) - now())))::int"
	  " FROM token_failures WHERE key = $1 AND window_start > now() - make_interval(secs => $2)" },
	{ "throttle_fail",
	  "INSERT INTO token_failures (key, failures, window_start) VALUES ($1, 1, now())"
	  " ON CONFLICT (key) DO UPDATE SET"
	  "  failures = CASE WHEN token_failures.window_start <= now() - make_interval(secs => $2)"
	  "             THEN 1 ELSE token_failures.failures + 1 END,"
	  "  window_start = CASE WHEN token_failures.window_start <= now() - make_interval(secs => $2)"
	  "             THEN now() ELSE token_failures.window_start END"
	  " RETURNING failures" },
	{ "throttle_clear", "DELETE FROM token_failures WHERE key = $1" },
	{ NULL, NULL },
};

int audit_store_append(PGconn *conn, const struct audit_entry *e, struct err *err)
{
	const char *params[] = { e->client_id, e->org_id, e->action, e->resource_type, e->resource_id,
				 e->request_id, e->outcome };
	return db_exec_discard(conn, "audit_append", 7, params, err);
}

int audit_store_list(PGconn *conn, const struct audit_filter *f, const char *after_id, int limit,
		     struct json_page *page, struct err *err)
{
	memset(page, 0, sizeof(*page));
	char lim[16];
	snprintf(lim, sizeof(lim), "%d", limit + 1);
	const char *params[] = { f->org_id, f->client_id, f->action, f->resource_type, f->resource_id,
				 f->since, f->until, after_id, lim, f->reader_id };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "audit_list", 10, params, err);
	if (rc != ERR_OK)
		return rc;
	int n = PQntuples(res);
	int keep = n > limit ? limit : n;
	page->items = calloc((size_t)(keep ? keep : 1), sizeof(char *));
	if (page->items == NULL) {
		PQclear(res);
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	}
	for (int i = 0; i < keep; i++) {
		page->items[i] = strdup(PQgetvalue(res, i, 0));
		if (page->items[i] == NULL) {
			rc = err_set(err, ERR_INTERNAL, "", "out of memory");
			break;
		}
		page->count++;
	}
	if (rc == ERR_OK && n > limit) {
		page->next.set = true;
		snprintf(page->next.after_id, sizeof(page->next.after_id), "%s", PQgetvalue(res, limit - 1, 1));
	}
	PQclear(res);
	return rc;
}

int audit_store_purge(PGconn *conn, int retention_days, bool dry_run, long long *deleted, struct err *err)
{
	*deleted = 0;
	char days[16];
	snprintf(days, sizeof(days), "%d", retention_days);
	const char *params[] = { days };
	int rc = db_begin(conn, err);
	PGresult *res = NULL;
	if (rc == ERR_OK) {
		res = PQexec(conn, "SELECT set_config('prevex.purge', 'on', true)");
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
			rc = err_set(err, ERR_INTERNAL, "", "cannot announce the purge");
		PQclear(res);
		res = NULL;
	}
	if (rc == ERR_OK) {
		res = PQexecParams(conn, "DELETE FROM audit_log WHERE at < now() - make_interval(days => $1::int)",
				   1, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
			rc = err_set(err, ERR_INTERNAL, "", "purge failed: %s", msg ? msg : "unknown error");
		} else {
			*deleted = atoll(PQcmdTuples(res));
		}
		PQclear(res);
	}
	if (rc == ERR_OK) {
		/* The purge leaves its own trace, which the next purge keeps for
		 * a year like any other row. */
		char count[32];
		snprintf(count, sizeof(count), "%lld", *deleted);
		const char *row[] = { count };
		res = PQexecParams(conn,
			"INSERT INTO audit_log (action, resource_type, resource_id, outcome)"
			" VALUES ('purge', 'audit_log', $1, 'ok')", 1, NULL, row, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			rc = err_set(err, ERR_INTERNAL, "", "cannot record the purge");
		PQclear(res);
	}
	if (rc == ERR_OK && !dry_run)
		rc = db_commit(conn, err);
	else
		db_rollback(conn);
	return rc;
}

int throttle_store_check(PGconn *conn, const char *key, int max, int window_s, int *retry_after_s,
			 struct err *err)
{
	*retry_after_s = 0;
	char win[16];
	snprintf(win, sizeof(win), "%d", window_s);
	const char *params[] = { key, win };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "throttle_check", 2, params, err);
	if (rc == ERR_OK && PQntuples(res) == 1 && atoi(PQgetvalue(res, 0, 0)) >= max) {
		*retry_after_s = atoi(PQgetvalue(res, 0, 1));
		rc = err_set(err, ERR_TOO_MANY, "", "too many failed attempts; retry later");
	}
	PQclear(res);
	return rc;
}

int throttle_store_fail(PGconn *conn, const char *key, int window_s, int *failures, struct err *err)
{
	char win[16];
	snprintf(win, sizeof(win), "%d", window_s);
	const char *params[] = { key, win };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "throttle_fail", 2, params, err);
	if (rc == ERR_OK && failures != NULL)
		*failures = PQntuples(res) == 1 ? atoi(PQgetvalue(res, 0, 0)) : 0;
	PQclear(res);
	return rc;
}

int throttle_store_clear(PGconn *conn, const char *key, struct err *err)
{
	const char *params[] = { key };
	return db_exec_discard(conn, "throttle_clear", 1, params, err);
}
