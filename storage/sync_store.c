#include "storage/sync_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/pg_err.h"

const struct db_stmt sync_store_statements[] = {
	{ "sync_read",
	  "WITH page AS (SELECT l.xid, l.seq, l.entity, l.entity_id, l.case_id,"
	  "  CASE WHEN l.op = 'upsert' AND c.assigned_org_id = l.org_id THEN"
	  "   CASE WHEN l.entity = 'outreach_case' THEN outreach_case_json(c)"
	  "   ELSE (SELECT outreach_intervention_json(i) FROM outreach_interventions i"
	  "         WHERE i.id = l.entity_id AND i.case_id = c.id) END"
	  "  END AS record"
	  "  FROM sync_log l LEFT JOIN outreach_cases c ON c.id = l.case_id"
	  "  WHERE l.org_id = $1::uuid AND (l.xid, l.seq) > ($2::xid8, $3::bigint)"
	  "   AND l.xid < pg_snapshot_xmin(pg_current_snapshot())"
	  "   AND ($4::boolean OR (l.op = 'upsert' AND c.assigned_org_id = l.org_id))"
	  "  ORDER BY l.xid, l.seq LIMIT $5::int + 1),"
	  " audit AS (INSERT INTO audit_log (client_id, organisation_id, action, resource_type, resource_id,"
	  "  request_id, outcome)"
	  "  SELECT $6::uuid, $1::uuid, 'sync_read', 'outreach_case', s.case_id::text, $7, 'ok'"
	  "  FROM (SELECT DISTINCT p.case_id FROM (SELECT case_id, record FROM page ORDER BY xid, seq"
	  "   LIMIT $5::int) p WHERE p.record IS NOT NULL) s)"
	  /* page.xid, not xid: a bare name in ORDER BY means the output
	   * column, here the text, and '100' sorts before '99'. */
	  " SELECT xid::text, seq::text, entity, entity_id, case_id, record FROM page ORDER BY page.xid, page.seq" },
	{ "sync_claim",
	  "INSERT INTO sync_changes (change_id, org_id, client_id, fingerprint)"
	  " VALUES ($1, $2, $3, sync_fingerprint($4)) ON CONFLICT (change_id) DO NOTHING RETURNING change_id" },
	{ "sync_stored",
	  "SELECT org_id = $2::uuid AND fingerprint = sync_fingerprint($3), result::text"
	  " FROM sync_changes WHERE change_id = $1" },
	{ "sync_finish", "UPDATE sync_changes SET result = $2::jsonb WHERE change_id = $1" },
	{ NULL, NULL },
};

void sync_page_free(struct sync_page *page)
{
	if (page == NULL)
		return;
	for (int i = 0; i < page->count; i++)
		free(page->items[i].record);
	free(page->items);
	page->items = NULL;
	page->count = 0;
}

int sync_store_read(PGconn *conn, const struct field_caller *caller, const struct sync_position *after,
		    bool tombstones, int limit, struct sync_page *page, struct err *err)
{
	memset(page, 0, sizeof(*page));
	page->next = *after;
	char lim[16];
	snprintf(lim, sizeof(lim), "%d", limit);
	const char *params[] = { caller->org_id, after->xid, after->seq, tombstones ? "true" : "false", lim,
				 caller->client_id, caller->request_id };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "sync_read", 7, params, err);
	if (rc != ERR_OK)
		return rc;
	int n = PQntuples(res), keep = n > limit ? limit : n;
	page->more = n > limit;
	page->items = calloc((size_t)(keep ? keep : 1), sizeof(*page->items));
	if (page->items == NULL)
		rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	for (int i = 0; rc == ERR_OK && i < keep; i++) {
		struct sync_entry *e = &page->items[i];
		snprintf(e->entity, sizeof(e->entity), "%s", PQgetvalue(res, i, 2));
		snprintf(e->id, sizeof(e->id), "%s", PQgetvalue(res, i, 3));
		snprintf(e->case_id, sizeof(e->case_id), "%s", PQgetvalue(res, i, 4));
		if (!PQgetisnull(res, i, 5) && (e->record = strdup(PQgetvalue(res, i, 5))) == NULL)
			rc = err_set(err, ERR_INTERNAL, "", "out of memory");
		page->count++;
		snprintf(page->next.xid, sizeof(page->next.xid), "%s", PQgetvalue(res, i, 0));
		snprintf(page->next.seq, sizeof(page->next.seq), "%s", PQgetvalue(res, i, 1));
	}
	PQclear(res);
	return rc;
}

static const char *const savepoint_names[] = {
	[SYNC_SAVEPOINT_ITEM] = "sync_item",
	[SYNC_SAVEPOINT_APPLY] = "sync_apply",
};

static int simple(PGconn *conn, const char *verb, enum sync_savepoint sp, struct err *err)
{
	char sql[64];
	snprintf(sql, sizeof(sql), "%s %s", verb, savepoint_names[sp]);
	PGresult *res = PQexec(conn, sql);
	int rc = ERR_OK;
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = pg_err_from_result(res, conn, err);
	PQclear(res);
	return rc;
}

int sync_store_savepoint(PGconn *conn, enum sync_savepoint sp, struct err *err)
{
	return simple(conn, "SAVEPOINT", sp, err);
}

int sync_store_release(PGconn *conn, enum sync_savepoint sp, struct err *err)
{
	return simple(conn, "RELEASE SAVEPOINT", sp, err);
}

int sync_store_rollback_to(PGconn *conn, enum sync_savepoint sp, struct err *err)
{
	return simple(conn, "ROLLBACK TO SAVEPOINT", sp, err);
}

int sync_store_claim(PGconn *conn, const struct field_caller *caller, const char *change_id, const char *change,
		     bool *claimed, char **stored, bool *same, struct err *err)
{
	*claimed = false;
	*stored = NULL;
	*same = false;
	const char *params[] = { change_id, caller->org_id, caller->client_id, change };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "sync_claim", 4, params, err);
	if (rc == ERR_OK)
		*claimed = PQntuples(res) == 1;
	PQclear(res);
	res = NULL;
	if (rc != ERR_OK || *claimed)
		return rc;
	/* A new statement: it sees the row a concurrent claim committed. */
	const char *p2[] = { change_id, caller->org_id, change };
	rc = db_exec(&res, conn, "sync_stored", 3, p2, err);
	if (rc == ERR_OK && PQntuples(res) == 1) {
		*same = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
		if (!PQgetisnull(res, 0, 1) && (*stored = strdup(PQgetvalue(res, 0, 1))) == NULL)
			rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	}
	PQclear(res);
	return rc;
}

int sync_store_finish(PGconn *conn, const char *change_id, const char *result, struct err *err)
{
	const char *params[] = { change_id, result };
	return db_exec_discard(conn, "sync_finish", 2, params, err);
}
