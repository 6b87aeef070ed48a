#include "storage/imports_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/parse.h"
#include "storage/pg_err.h"

/* --- helpers ----------------------------------------------------------------------- */

void import_result_reject(struct import_result *r, const struct err *err)
{
	r->status = IMPORT_REJECTED;
	snprintf(r->field, sizeof(r->field), "%s", err->field);
	snprintf(r->reason, sizeof(r->reason), "%s", err->message[0] ? err->message : err_code_name(err->code));
	r->why = err_reason_of(err->code, err->reason);
}

static void reject(struct import_result *r, const char *field, const char *reason)
{
	r->status = IMPORT_REJECTED;
	snprintf(r->field, sizeof(r->field), "%s", field);
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
	r->why = ERR_REASON_UNKNOWN_REFERENCE; /* what a check of the database refuses */
}

/* Statements on staging tables cannot be prepared when a connection opens
 * (the tables do not exist yet): they go through PQexecParams. */
static int exec(PGresult **out, PGconn *conn, const char *sql, int n, const char *const *params, struct err *err)
{
	PGresult *res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
		int rc = pg_err_from_result(res, conn, err);
		PQclear(res);
		if (out != NULL)
			*out = NULL;
		return rc;
	}
	if (out != NULL)
		*out = res;
	else
		PQclear(res);
	return ERR_OK;
}

/* Runs sql while the transaction-local setting (prevex.feed_by_caller,
 * prevex.referral_history_by_caller) is 'on': the trigger of 0011 that
 * reads it stands aside, sql doing its work for the whole batch. */
static int exec_standing_aside(PGconn *conn, const char *setting, const char *sql, int n, const char *const *params,
			       struct err *err)
{
	const char *p[] = { setting };
	int rc = exec(NULL, conn, "SELECT set_config($1, 'on', true)", 1, p, err);
	if (rc == ERR_OK)
		rc = exec(NULL, conn, sql, n, params, err);
	if (rc == ERR_OK)
		rc = exec(NULL, conn, "SELECT set_config($1, 'off', true)", 1, p, err);
	return rc;
}

static bool is_true(const PGresult *res, int row, int col)
{
	return !PQgetisnull(res, row, col) && strcmp(PQgetvalue(res, row, col), "t") == 0;
}

static int64_t int_at(const PGresult *res, int row, int col, int64_t if_null)
{
	int64_t v = if_null;
	if (!PQgetisnull(res, row, col))
		parse_i64(PQgetvalue(res, row, col), INT64_MIN, INT64_MAX, &v);
	return v;
}

/* A growing buffer of COPY text rows, or of an array literal. */
struct buf {
	char *data;
	size_t len, cap;
	bool oom;
};

static void buf_put(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *d = realloc(b->data, cap);
		if (d == NULL) {
			b->oom = true;
			return;
		}
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void buf_str(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

/* One COPY text field (escaped; NULL as \N), then a tab. */
static void copy_field(struct buf *b, const char *s)
{
	if (s == NULL) {
		buf_put(b, "\\N\t", 3);
		return;
	}
	for (const char *p = s; *p != '\0'; p++) {
		const char *esc = NULL;
		switch (*p) {
		case '\\': esc = "\\\\"; break;
		case '\t': esc = "\\t"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		default: break;
		}
		if (esc != NULL) {
			buf_put(b, esc, 2);
		} else {
			size_t run = strcspn(p, "\\\t\n\r");
			buf_put(b, p, run);
			p += run - 1;
		}
	}
	buf_put(b, "\t", 1);
}

/* Written by hand: a batch writes a few numbers per item, and snprintf
 * took a tenth of the service's own time on a batch. */
static void copy_int(struct buf *b, long long v)
{
	char s[24];
	char *p = s + sizeof(s);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	*--p = '\t';
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	buf_put(b, p, (size_t)(s + sizeof(s) - p));
}

static void copy_date(struct buf *b, const struct date *d)
{
	char s[DATE_STR_LEN];
	date_format(s, d);
	copy_field(b, s);
}

/* Ends a row: its last tab becomes the newline. */
static void copy_end(struct buf *b)
{
	if (!b->oom && b->len > 0)
		b->data[b->len - 1] = '\n';
}

/* Runs "COPY table FROM STDIN" with the rows in b. */
static int copy_in(PGconn *conn, const char *table_and_columns, const struct buf *b, struct err *err)
{
	if (b->oom)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	char sql[512];
	snprintf(sql, sizeof(sql), "COPY %s FROM STDIN", table_and_columns);
	PGresult *res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		int rc = pg_err_from_result(res, conn, err);
		PQclear(res);
		return rc;
	}
	PQclear(res);
	int ok = 1;
	for (size_t off = 0; ok == 1 && off < b->len; off += 1 << 20) {
		size_t n = b->len - off < (1u << 20) ? b->len - off : (1u << 20);
		ok = PQputCopyData(conn, b->data + off, (int)n);
	}
	if (PQputCopyEnd(conn, ok == 1 ? NULL : "client failed") != 1)
		ok = 0;
	int rc = ERR_OK;
	while ((res = PQgetResult(conn)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == ERR_OK)
			rc = pg_err_from_result(res, conn, err);
		PQclear(res);
	}
	if (rc == ERR_OK && ok != 1)
		rc = err_set(err, ERR_UNAVAILABLE, "", "COPY failed: %s", PQerrorMessage(conn));
	/* A staging table has no statistics until analysed: without them the
	 * merges below plan nested loops over thousands of rows. A sample of
	 * 3,000 rows (the default reads 30,000) is enough for the planner. */
	if (rc == ERR_OK && strncmp(table_and_columns, "import_", 7) == 0 &&
	    strncmp(table_and_columns, "import_items", 12) != 0) {
		snprintf(sql, sizeof(sql), "SET LOCAL default_statistics_target = 10; ANALYZE %.*s",
			 (int)strcspn(table_and_columns, " ("), table_and_columns);
		res = PQexec(conn, sql);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			rc = pg_err_from_result(res, conn, err);
		PQclear(res);
	}
	return rc;
}

/* A text[] literal: {"a","b"}, each element quoted and escaped. */
static void array_literal(struct buf *b, int n, const char *const *values)
{
	buf_put(b, "{", 1);
	bool first = true;
	for (int i = 0; i < n; i++) {
		if (values[i] == NULL)
			continue;
		buf_str(b, first ? "\"" : ",\"");
		first = false;
		for (const char *p = values[i]; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				buf_put(b, "\\", 1);
			buf_put(b, p, 1);
		}
		buf_put(b, "\"", 1);
	}
	buf_put(b, "}", 1);
}

/* Staging tables: created once per connection, emptied at each commit. */
static int stage_create(PGconn *conn, const char *ddl, struct err *err)
{
	char sql[1024];
	snprintf(sql, sizeof(sql), "CREATE TEMP TABLE IF NOT EXISTS %s ON COMMIT DELETE ROWS", ddl);
	PGresult *res = PQexec(conn, sql);
	int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? ERR_OK : pg_err_from_result(res, conn, err);
	PQclear(res);
	if (rc == ERR_OK) {
		/* Another batch of this transaction (a worker's chunk) left rows. */
		char name[64];
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(ddl, " ("), ddl);
		snprintf(sql, sizeof(sql), "TRUNCATE %s", name);
		res = PQexec(conn, sql);
		rc = PQresultStatus(res) == PGRES_COMMAND_OK ? ERR_OK : pg_err_from_result(res, conn, err);
		PQclear(res);
	}
	return rc;
}

/* --- idempotency keys and jobs ------------------------------------------------ */

void import_claim_clear(struct import_claim *c)
{
	if (c == NULL)
		return;
	free(c->response);
	memset(c, 0, sizeof(*c));
}

int imports_store_claim(PGconn *conn, const char *org_id, const char *key, const char *request_hash,
			struct import_claim *out, struct err *err)
{
	memset(out, 0, sizeof(*out));
	const char *params[] = { org_id, key };
	PGresult *res = NULL;
	/* A transaction lock: released by the commit or by the death of the
	 * request, so that a request cut off never leaves its key stuck. */
	int rc = exec(&res, conn, "SELECT pg_try_advisory_xact_lock(hashtextextended($1::text || '/' || $2, 8008))", 2,
		      params, err);
	if (rc == ERR_OK && !is_true(res, 0, 0))
		rc = err_set_reason(err, ERR_REASON_IDEMPOTENCY_KEY_IN_FLIGHT, "Idempotency-Key",
			     "a request with this Idempotency-Key is still being processed; retry later");
	PQclear(res);
	res = NULL;
	if (rc == ERR_OK)
		rc = exec(&res, conn,
			  "SELECT id, request_hash, http_status, response FROM imports"
			  " WHERE organisation_id = $1 AND idempotency_key = $2", 2, params, err);
	if (rc == ERR_OK && PQntuples(res) == 1) {
		if (strcmp(PQgetvalue(res, 0, 1), request_hash) != 0) {
			err_set_reason(err, ERR_REASON_IDEMPOTENCY_KEY_REUSED, "Idempotency-Key",
				       "this Idempotency-Key was used with another request body");
			rc = err_conflicting(err, PQgetvalue(res, 0, 0)); /* the import the key names */
		} else {
			out->found = true;
			snprintf(out->id, sizeof(out->id), "%s", PQgetvalue(res, 0, 0));
			out->http_status = (int)int_at(res, 0, 2, 200);
			out->response = strdup(PQgetvalue(res, 0, 3));
			if (out->response == NULL)
				rc = err_set(err, ERR_INTERNAL, "", "out of memory");
		}
	}
	PQclear(res);
	return rc;
}

int imports_store_save(PGconn *conn, const struct import_record *r, struct err *err)
{
	char count[16], status[16];
	snprintf(count, sizeof(count), "%d", r->item_count);
	snprintf(status, sizeof(status), "%d", r->http_status);
	const char *params[] = { r->id, r->org_id, r->org_kind, r->client_id, r->key, r->request_hash,
				 import_kind_name(r->kind), count, r->is_job ? "true" : "false",
				 r->is_job ? "queued" : NULL, status, r->response };
	return exec(NULL, conn,
		    "INSERT INTO imports (id, organisation_id, org_kind, client_id, idempotency_key, request_hash, kind,"
		    " item_count, is_job, job_status, http_status, response, finished_at)"
		    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, CASE WHEN $9 THEN NULL ELSE now() END)",
		    12, params, err);
}

int imports_store_stage_items(PGconn *conn, const char *import_id, int n, const char *const *external_ids,
			      const char *const *payloads, const struct import_result *results, struct err *err)
{
	struct buf b = { 0 };
	for (int i = 0; i < n; i++) {
		const struct import_result *r = &results[i];
		bool rejected = r->status == IMPORT_REJECTED;
		copy_field(&b, import_id);
		copy_int(&b, i);
		copy_field(&b, external_ids[i]);
		copy_field(&b, payloads[i]);
		copy_field(&b, import_status_name(r->status));
		copy_field(&b, rejected ? r->field : NULL);
		copy_field(&b, rejected ? r->reason : NULL);
		copy_field(&b, rejected ? err_reason_slug(r->why != ERR_REASON_NONE ? r->why : ERR_REASON_UNPROCESSABLE) : NULL);
		copy_end(&b);
	}
	int rc = copy_in(conn, "import_items (import_id, idx, external_id, payload, status, field, reason, code)", &b,
			 err);
	free(b.data);
	return rc;
}

void import_chunk_clear(struct import_chunk *c)
{
	if (c == NULL)
		return;
	for (int i = 0; i < c->count; i++)
		free(c->payloads[i]);
	free(c->payloads);
	free(c->idx);
	memset(c, 0, sizeof(*c));
}

int imports_store_next_chunk(PGconn *conn, int limit, struct import_chunk *out, struct err *err)
{
	memset(out, 0, sizeof(*out));
	PGresult *res = NULL;
	int rc = exec(&res, conn,
		      "SELECT id, organisation_id, org_kind, coalesce(client_id::text, ''), kind FROM imports"
		      " WHERE job_status IN ('queued', 'running') ORDER BY created_at, id LIMIT 1"
		      " FOR UPDATE SKIP LOCKED", 0, NULL, err);
	if (rc == ERR_OK && PQntuples(res) == 0)
		rc = ERR_NOT_FOUND;
	if (rc == ERR_OK) {
		snprintf(out->id, sizeof(out->id), "%s", PQgetvalue(res, 0, 0));
		snprintf(out->org_id, sizeof(out->org_id), "%s", PQgetvalue(res, 0, 1));
		snprintf(out->org_kind, sizeof(out->org_kind), "%s", PQgetvalue(res, 0, 2));
		snprintf(out->client_id, sizeof(out->client_id), "%s", PQgetvalue(res, 0, 3));
		if (import_parse_kind(PQgetvalue(res, 0, 4), &out->kind) != 0)
			rc = err_set(err, ERR_INTERNAL, "", "import %s has an unknown kind", out->id);
	}
	PQclear(res);
	res = NULL;
	char lim[16];
	snprintf(lim, sizeof(lim), "%d", limit);
	const char *params[] = { out->id, lim };
	if (rc == ERR_OK)
		rc = exec(NULL, conn, "UPDATE imports SET job_status = 'running' WHERE id = $1 AND job_status = 'queued'",
			  1, params, err);
	if (rc == ERR_OK)
		rc = exec(&res, conn,
			  "SELECT idx, payload FROM import_items WHERE import_id = $1 AND status = 'pending'"
			  " ORDER BY idx LIMIT $2::int", 2, params, err);
	int n = rc == ERR_OK ? PQntuples(res) : 0;
	if (rc == ERR_OK) {
		out->idx = calloc((size_t)(n ? n : 1), sizeof(int));
		out->payloads = calloc((size_t)(n ? n : 1), sizeof(char *));
		if (out->idx == NULL || out->payloads == NULL)
			rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	}
	for (int i = 0; rc == ERR_OK && i < n; i++) {
		out->idx[i] = (int)int_at(res, i, 0, 0);
		out->payloads[i] = strdup(PQgetvalue(res, i, 1));
		if (out->payloads[i] == NULL)
			rc = err_set(err, ERR_INTERNAL, "", "out of memory");
		else
			out->count++;
	}
	PQclear(res);
	return rc;
}

int imports_store_record_results(PGconn *conn, const struct import_chunk *chunk,
				 const struct import_result *results, struct err *err)
{
	int rc = stage_create(conn, "import_results_stage (idx integer, status text, field text, reason text,"
				    " code text, match text, resource_id uuid)", err);
	struct buf b = { 0 };
	for (int i = 0; rc == ERR_OK && i < chunk->count; i++) {
		const struct import_result *r = &results[i];
		bool rejected = r->status == IMPORT_REJECTED;
		copy_int(&b, chunk->idx[i]);
		copy_field(&b, import_status_name(r->status));
		copy_field(&b, rejected ? r->field : NULL);
		copy_field(&b, rejected ? r->reason : NULL);
		copy_field(&b, rejected ? err_reason_slug(r->why != ERR_REASON_NONE ? r->why : ERR_REASON_UNPROCESSABLE) : NULL);
		copy_field(&b, r->match != IMPORT_MATCH_NONE ? import_match_name(r->match) : NULL);
		copy_field(&b, r->resource_id[0] ? r->resource_id : NULL);
		copy_end(&b);
	}
	if (rc == ERR_OK && chunk->count > 0)
		rc = copy_in(conn, "import_results_stage", &b, err);
	free(b.data);
	const char *params[] = { chunk->id };
	if (rc == ERR_OK)
		rc = exec(NULL, conn,
			  "UPDATE import_items i SET status = s.status, field = s.field, reason = s.reason, code = s.code,"
			  " match = s.match,"
			  " resource_id = s.resource_id FROM import_results_stage s"
			  " WHERE i.import_id = $1 AND i.idx = s.idx", 1, params, err);
	if (rc == ERR_OK)
		rc = exec(NULL, conn,
			  "UPDATE imports SET job_status = 'done', finished_at = now() WHERE id = $1"
			  " AND NOT EXISTS (SELECT 1 FROM import_items WHERE import_id = $1 AND status = 'pending')",
			  1, params, err);
	return rc;
}

int imports_store_get(PGconn *conn, const char *org_id, const char *id, int results_after, int results_limit,
		      char **json, int *http_status, struct err *err)
{
	*json = NULL;
	char after[16], limit[16];
	snprintf(after, sizeof(after), "%d", results_after);
	snprintf(limit, sizeof(limit), "%d", results_limit);
	const char *params[] = { id, org_id, after, limit };
	PGresult *res = NULL;
	int rc = exec(&res, conn,
		      "SELECT CASE WHEN NOT i.is_job THEN i.response ELSE json_build_object("
		      "  'id', i.id, 'kind', i.kind, 'status', i.job_status, 'item_count', i.item_count,"
		      "  'processed', c.processed, 'counts', json_build_object('created', c.created, 'updated', c.updated,"
		      "   'unchanged', c.unchanged, 'rejected', c.rejected, 'pending', c.pending),"
		      "  'created_at', rfc3339(i.created_at), 'finished_at', rfc3339(i.finished_at),"
		      "  'results', coalesce(p.results, '[]'),"
		      "  'next_results_after', CASE WHEN p.n = $4::int AND EXISTS (SELECT 1 FROM import_items x"
		      "   WHERE x.import_id = i.id AND x.status <> 'pending' AND x.idx > p.last) THEN p.last END)::text END,"
		      " CASE WHEN i.is_job THEN 200 ELSE i.http_status END"
		      " FROM imports i CROSS JOIN LATERAL (SELECT count(*) FILTER (WHERE status <> 'pending') AS processed,"
		      "  count(*) FILTER (WHERE status = 'created') AS created,"
		      "  count(*) FILTER (WHERE status = 'updated') AS updated,"
		      "  count(*) FILTER (WHERE status = 'unchanged') AS unchanged,"
		      "  count(*) FILTER (WHERE status = 'rejected') AS rejected,"
		      "  count(*) FILTER (WHERE status = 'pending') AS pending"
		      "  FROM import_items WHERE import_id = i.id) c"
		      " CROSS JOIN LATERAL (SELECT json_agg(json_strip_nulls(json_build_object("
		      "     'index', t.idx, 'external_id', t.external_id, 'status', t.status, 'id', t.resource_id,"
		      "     'procedure_id', ev.procedure_id, 'household_id', ev.household_id,"
		      "     'match', t.match, 'problem', CASE WHEN t.status = 'rejected'"
		      "      THEN json_build_object('code', coalesce(t.code, 'unprocessable'),"
		      "       'type', '/problems/' || coalesce(t.code, 'unprocessable'),"
		      /* The member as a JSON Pointer into the item, as problem.c writes it. */
		      "       'field', CASE WHEN t.field <> '' THEN '/' || replace(replace(replace(replace(replace("
		      "        t.field, '~', '~0'), '/', '~1'), '.', '/'), '[', '/'), ']', '') ELSE '' END,"
		      "       'reason', t.reason) END))::jsonb"
		      "     || coalesce((SELECT jsonb_build_object('arrears', caf_arrears_json(c)) FROM caf_signals c"
		      "      WHERE i.kind = 'caf-signals' AND t.status <> 'rejected' AND c.id = t.resource_id), '{}')"
		      "     ORDER BY t.idx) AS results,"
		      "   count(*) AS n, max(t.idx) AS last"
		      "  FROM (SELECT * FROM import_items t WHERE t.import_id = i.id AND t.status <> 'pending'"
		      "   AND t.idx > $3::int ORDER BY t.idx LIMIT $4::int) t"
		      /* An act's file and household, one lookup per result. */
		      "  LEFT JOIN LATERAL (SELECT e.procedure_id, p.household_id FROM procedure_events e"
		      "   JOIN procedures p ON p.id = e.procedure_id WHERE i.kind = 'acts' AND t.status <> 'rejected'"
		      "   AND e.id = t.resource_id) ev ON true) p"
		      " WHERE i.id = $1 AND i.organisation_id = $2", 4, params, err);
	if (rc == ERR_OK && PQntuples(res) == 0)
		rc = err_set(err, ERR_NOT_FOUND, "", "no such import");
	if (rc == ERR_OK) {
		*json = strdup(PQgetvalue(res, 0, 0));
		*http_status = (int)int_at(res, 0, 1, 200);
		if (*json == NULL)
			rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	}
	PQclear(res);
	return rc;
}

int imports_store_purge(PGconn *conn, int hours, long long *deleted, struct err *err)
{
	char h[32];
	snprintf(h, sizeof(h), "%d hours", hours);
	const char *params[] = { h };
	PGresult *res = NULL;
	/* One replica at a time: the others skip the round (the lock is the
	 * statement's transaction's). */
	int rc = exec(&res, conn,
		      "SELECT CASE WHEN pg_try_advisory_xact_lock(hashtextextended('imports_purge', 8008))"
		      " THEN imports_purge($1::interval) ELSE 0 END", 1, params, err);
	*deleted = rc == ERR_OK ? (long long)int_at(res, 0, 0, 0) : 0;
	PQclear(res);
	return rc;
}

/* --- CAF signals and ADIL contacts ------------------------------------------------ */

/* Rows of a merge: idx, inserted (t/f/NULL when unchanged), id, and for CAF
 * signals the match and the number of candidates. */
static void merge_results(const PGresult *res, int n, struct import_result *results, bool with_match)
{
	for (int r = 0; r < PQntuples(res); r++) {
		int64_t idx = int_at(res, r, 0, -1);
		if (idx < 0 || idx >= n)
			continue;
		struct import_result *out = &results[idx];
		out->status = PQgetisnull(res, r, 1) ? IMPORT_UNCHANGED : is_true(res, r, 1) ? IMPORT_CREATED
											    : IMPORT_UPDATED;
		snprintf(out->resource_id, sizeof(out->resource_id), "%s", PQgetvalue(res, r, 2));
		if (with_match) {
			int64_t cand = int_at(res, r, 3, 0);
			out->match = cand == 0 ? IMPORT_MATCH_UNMATCHED : cand == 1 ? IMPORT_MATCH_MATCHED
										: IMPORT_MATCH_AMBIGUOUS;
			out->candidates = (int)cand;
		}
	}
}

/* Items of the stage that a check of the database refuses, removed from it. */
static int stage_refuse(PGconn *conn, const char *sql, int nparams, const char *const *params, int n,
			struct import_result *results, const char *field, const char *reason, struct err *err)
{
	PGresult *res = NULL;
	int rc = exec(&res, conn, sql, nparams, params, err);
	for (int r = 0; rc == ERR_OK && r < PQntuples(res); r++) {
		int64_t idx = int_at(res, r, 0, -1);
		if (idx >= 0 && idx < n)
			reject(&results[idx], field, reason);
	}
	PQclear(res);
	return rc;
}

/* The tests a signal met, as a text[] literal. */
static void caf_tests_literal(unsigned tests, char *out, size_t len)
{
	size_t n = (size_t)snprintf(out, len, "{");
	for (int t = 0; t < CAF_TEST__COUNT && n < len; t++)
		if (tests & (1u << t))
			n += (size_t)snprintf(out + n, len - n, "%s%s", n > 1 ? "," : "", caf_arrears_test_name(t));
	if (n < len)
		snprintf(out + n, len - n, "}");
}

static void copy_caf_arrears(struct buf *b, const struct import_caf_signal *s)
{
	const struct caf_arrears *a = &s->arrears;
	char tests[128], version[DATE_STR_LEN];
	caf_tests_literal(a->tests_met, tests, sizeof(tests));
	copy_date(b, &s->date);
	if (s->rent_known)
		copy_int(b, s->rent_cents);
	else
		copy_field(b, NULL);
	if (s->charges_known)
		copy_int(b, s->charges_cents);
	else
		copy_field(b, NULL);
	if (s->first_missed_known)
		copy_date(b, &s->first_missed_on);
	else
		copy_field(b, NULL);
	copy_field(b, a->constituted == CAF_UNKNOWN ? NULL : a->constituted == CAF_CONSTITUTED ? "t" : "f");
	copy_field(b, tests);
	copy_field(b, a->basis != NULL ? CAF_ARREARS_RULE_ID : NULL);
	if (a->basis != NULL && a->version_known) {
		date_format(version, &a->version);
		copy_field(b, version);
	} else {
		copy_field(b, NULL);
	}
	copy_field(b, a->basis);
	copy_field(b, a->opens_benefit_decision ? "t" : "f");
}

int imports_store_merge_caf(PGconn *conn, const struct store_caller *caller, int n,
			    const char *const *external_ids, const struct import_caf_signal *const *items,
			    struct import_result *results, struct err *err)
{
	int rc = stage_create(conn, "import_caf_signal_stage (idx integer, external_id text, caf_number text,"
				    " address_line text, postcode text, insee text, holder_name text, debt_cents bigint,"
				    " months_unpaid integer, benefit_status text, paid_to_landlord boolean,"
				    " signalled_on date, rent_cents bigint, charges_cents bigint, first_missed_on date,"
				    " constituted boolean, tests text[], rule text, rule_version date, rule_basis text,"
				    " opens boolean)", err);
	struct buf b = { 0 };
	int staged = 0;
	for (int i = 0; rc == ERR_OK && i < n; i++) {
		const struct import_caf_signal *s = items[i];
		if (s == NULL)
			continue;
		copy_int(&b, i);
		copy_field(&b, external_ids[i]);
		copy_field(&b, s->caf_number);
		copy_field(&b, s->address_line);
		copy_field(&b, s->postcode);
		copy_field(&b, s->insee);
		copy_field(&b, s->holder_name);
		copy_int(&b, s->debt_cents);
		copy_int(&b, s->months_unpaid);
		copy_field(&b, caf_benefit_status_name(s->benefit_status));
		copy_field(&b, s->paid_to_landlord ? "t" : "f");
		copy_caf_arrears(&b, s);
		copy_end(&b);
		staged++;
	}
	if (rc == ERR_OK && staged > 0)
		rc = copy_in(conn, "import_caf_signal_stage", &b, err);
	free(b.data);
	if (rc != ERR_OK || staged == 0)
		return rc;
	rc = stage_refuse(conn,
			  "DELETE FROM import_caf_signal_stage s"
			  " WHERE NOT EXISTS (SELECT 1 FROM communes c WHERE c.insee = s.insee)"
			  " RETURNING s.idx", 0, NULL, n, results, "address.insee", "address.insee names no known commune",
			  err);
	const char *params[] = { caller->org_id };
	PGresult *res = NULL;
	/* A signal that changed (created or updated) and opens a decision
	 * opens one for its household unless one is open there already: the
	 * partial unique index of 0017 decides, for concurrent requests too.
	 * PostgreSQL runs a data-modifying WITH once whether read or not. */
	if (rc == ERR_OK)
		rc = exec(&res, conn,
			  "WITH m AS (SELECT s.*, x.n, x.household_id FROM import_caf_signal_stage s"
			  "  CROSS JOIN LATERAL import_match_household(s.caf_number, s.insee, s.address_line, s.holder_name) x),"
			  " ins AS (INSERT INTO caf_signals AS t (organisation_id, external_id, household_id, match, caf_number,"
			  "  address_line, postcode, insee, holder_name, debt_cents, months_unpaid, benefit_status,"
			  "  paid_to_landlord, signalled_on, rent_cents, charges_cents, first_missed_on, arrears_constituted,"
			  "  arrears_tests, arrears_rule, arrears_rule_version, arrears_rule_basis)"
			  "  SELECT $1, m.external_id, m.household_id,"
			  "   CASE WHEN m.n = 0 THEN 'unmatched' WHEN m.n = 1 THEN 'matched' ELSE 'ambiguous' END,"
			  "   m.caf_number, m.address_line, m.postcode, m.insee, m.holder_name, m.debt_cents, m.months_unpaid,"
			  "   m.benefit_status, m.paid_to_landlord, m.signalled_on, m.rent_cents, m.charges_cents,"
			  "   m.first_missed_on, m.constituted, m.tests, m.rule, m.rule_version, m.rule_basis FROM m"
			  "  ON CONFLICT (organisation_id, external_id) DO UPDATE SET household_id = EXCLUDED.household_id,"
			  "   match = EXCLUDED.match, caf_number = EXCLUDED.caf_number, address_line = EXCLUDED.address_line,"
			  "   postcode = EXCLUDED.postcode, insee = EXCLUDED.insee, holder_name = EXCLUDED.holder_name,"
			  "   debt_cents = EXCLUDED.debt_cents, months_unpaid = EXCLUDED.months_unpaid,"
			  "   benefit_status = EXCLUDED.benefit_status, paid_to_landlord = EXCLUDED.paid_to_landlord,"
			  "   signalled_on = EXCLUDED.signalled_on, rent_cents = EXCLUDED.rent_cents,"
			  "   charges_cents = EXCLUDED.charges_cents, first_missed_on = EXCLUDED.first_missed_on,"
			  "   arrears_constituted = EXCLUDED.arrears_constituted, arrears_tests = EXCLUDED.arrears_tests,"
			  "   arrears_rule = EXCLUDED.arrears_rule, arrears_rule_version = EXCLUDED.arrears_rule_version,"
			  "   arrears_rule_basis = EXCLUDED.arrears_rule_basis,"
			  "   version = t.version + 1, updated_at = now()"
			  "  WHERE (t.household_id, t.match, t.caf_number, t.address_line, t.postcode, t.insee, t.holder_name,"
			  "   t.debt_cents, t.months_unpaid, t.benefit_status, t.paid_to_landlord, t.signalled_on, t.rent_cents,"
			  "   t.charges_cents, t.first_missed_on, t.arrears_constituted, t.arrears_tests, t.arrears_rule,"
			  "   t.arrears_rule_version, t.arrears_rule_basis)"
			  "   IS DISTINCT FROM (EXCLUDED.household_id, EXCLUDED.match, EXCLUDED.caf_number,"
			  "   EXCLUDED.address_line, EXCLUDED.postcode, EXCLUDED.insee, EXCLUDED.holder_name,"
			  "   EXCLUDED.debt_cents, EXCLUDED.months_unpaid, EXCLUDED.benefit_status, EXCLUDED.paid_to_landlord,"
			  "   EXCLUDED.signalled_on, EXCLUDED.rent_cents, EXCLUDED.charges_cents, EXCLUDED.first_missed_on,"
			  "   EXCLUDED.arrears_constituted, EXCLUDED.arrears_tests, EXCLUDED.arrears_rule,"
			  "   EXCLUDED.arrears_rule_version, EXCLUDED.arrears_rule_basis)"
			  "  RETURNING t.external_id, t.id, (t.xmax = 0) AS inserted, t.household_id, t.signalled_on),"
			  " dec AS (INSERT INTO benefit_decisions (household_id, caf_signal_id, addressee_org_id, signalled_on)"
			  "  SELECT DISTINCT ON (ins.household_id) ins.household_id, ins.id, $1, ins.signalled_on"
			  "  FROM ins JOIN m ON m.external_id = ins.external_id"
			  "  WHERE m.opens AND ins.household_id IS NOT NULL"
			  "  ORDER BY ins.household_id, ins.signalled_on, ins.id"
			  "  ON CONFLICT (household_id) WHERE status IN ('open', 'decided') DO NOTHING RETURNING 1)"
			  " SELECT m.idx, ins.inserted, coalesce(ins.id, old.id), m.n"
			  " FROM m LEFT JOIN ins ON ins.external_id = m.external_id"
			  " LEFT JOIN caf_signals old ON old.organisation_id = $1 AND old.external_id = m.external_id",
			  1, params, err);
	if (rc == ERR_OK)
		merge_results(res, n, results, true);
	PQclear(res);
	return rc;
}

int imports_store_merge_adil(PGconn *conn, const struct store_caller *caller, int n,
			     const char *const *external_ids, const struct import_adil_contact *const *items,
			     struct import_result *results, struct err *err)
{
	int rc = stage_create(conn, "import_adil_stage (idx integer, external_id text, contact_date date, party text,"
				    " household_id uuid, subject text, outcome text)", err);
	struct buf b = { 0 };
	int staged = 0;
	for (int i = 0; rc == ERR_OK && i < n; i++) {
		const struct import_adil_contact *c = items[i];
		if (c == NULL)
			continue;
		copy_int(&b, i);
		copy_field(&b, external_ids[i]);
		copy_date(&b, &c->date);
		copy_field(&b, adil_party_name(c->party));
		copy_field(&b, c->household_id);
		copy_field(&b, c->subject);
		copy_field(&b, adil_outcome_name(c->outcome));
		copy_end(&b);
		staged++;
	}
	if (rc == ERR_OK && staged > 0)
		rc = copy_in(conn, "import_adil_stage", &b, err);
	free(b.data);
	if (rc != ERR_OK || staged == 0)
		return rc;
	const char *p2[] = { caller->org_id, caller->kind };
	/* A household the ADIL may not see does not exist for it. */
	rc = stage_refuse(conn,
			  "DELETE FROM import_adil_stage s WHERE s.household_id IS NOT NULL AND NOT EXISTS ("
			  " SELECT 1 FROM households h WHERE h.id = s.household_id"
			  "  AND household_relations(h, $1::uuid, $2::text) <> 0) RETURNING s.idx",
			  2, p2, n, results, "household_id", "household_id names no household this organisation sees", err);
	PGresult *res = NULL;
	if (rc == ERR_OK)
		rc = exec(&res, conn,
			  "WITH ins AS (INSERT INTO adil_contacts AS t (organisation_id, created_by_org, external_id, contact_on,"
			  "  caller, household_id, subject, outcome)"
			  "  SELECT $1, $1, s.external_id, s.contact_date, s.party, s.household_id, s.subject, s.outcome"
			  "  FROM import_adil_stage s"
			  "  ON CONFLICT (organisation_id, external_id) DO UPDATE SET contact_on = EXCLUDED.contact_on,"
			  "   caller = EXCLUDED.caller, household_id = EXCLUDED.household_id, subject = EXCLUDED.subject,"
			  "   outcome = EXCLUDED.outcome, version = t.version + 1, updated_at = now()"
			  "  WHERE (t.contact_on, t.caller, t.household_id, t.subject, t.outcome) IS DISTINCT FROM"
			  "   (EXCLUDED.contact_on, EXCLUDED.caller, EXCLUDED.household_id, EXCLUDED.subject, EXCLUDED.outcome)"
			  "  RETURNING t.external_id, t.id, (t.xmax = 0) AS inserted)"
			  " SELECT s.idx, ins.inserted, coalesce(ins.id, old.id) FROM import_adil_stage s"
			  " LEFT JOIN ins ON ins.external_id = s.external_id"
			  " LEFT JOIN adil_contacts old ON old.organisation_id = $1 AND old.external_id = s.external_id",
			  1, p2, err);
	if (rc == ERR_OK)
		merge_results(res, n, results, false);
	PQclear(res);
	return rc;
}

/* --- acts ------------------------------------------------------------------------------ */

int imports_store_lock_acts(PGconn *conn, const char *org_id, struct err *err)
{
	const char *params[] = { org_id };
	return exec(NULL, conn, "SELECT pg_advisory_xact_lock(hashtextextended('acts/' || $1::text, 8008))", 1, params,
		    err);
}

int imports_store_find_files(PGconn *conn, const struct store_caller *caller, int n, struct import_file *files,
			     struct date *today, struct err *err)
{
	const char **refs = calloc((size_t)(n ? n : 1), sizeof(char *));
	struct buf arr = { 0 };
	if (refs == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	for (int f = 0; f < n; f++)
		refs[f] = files[f].reference;
	array_literal(&arr, n, refs);
	free(refs);
	if (arr.oom)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	const char *params[] = { caller->org_id, caller->kind, arr.data };
	PGresult *res = NULL;
	int rc = exec(&res, conn,
		      "WITH w AS (SELECT * FROM unnest($3::text[]) WITH ORDINALITY AS u(ref, ord)),"
		      " hit AS (SELECT w.ord, p.id, p.household_id, procedure_relations(p, h, $1::uuid, $2::text) AS rel"
		      "  FROM w JOIN import_refs r ON r.organisation_id = $1 AND r.kind = 'procedure' AND r.external_id = w.ref"
		      "  JOIN procedures p ON p.id = r.resource_id JOIN households h ON h.id = p.household_id"
		      "  UNION ALL"
		      "  SELECT w.ord, p.id, p.household_id, procedure_relations(p, h, $1::uuid, $2::text)"
		      "  FROM w JOIN procedures p ON p.filed_by_org = $1 AND p.reference = w.ref"
		      "  JOIN households h ON h.id = p.household_id"
		      "  WHERE NOT EXISTS (SELECT 1 FROM import_refs r WHERE r.organisation_id = $1 AND r.kind = 'procedure'"
		      "   AND r.external_id = w.ref))"
		      " SELECT ord, id, household_id, rel, count(*) OVER (PARTITION BY ord) FROM hit",
		      3, params, err);
	free(arr.data);
	for (int r = 0; rc == ERR_OK && r < PQntuples(res); r++) {
		int64_t f = int_at(res, r, 0, 0) - 1;
		if (f < 0 || f >= n)
			continue;
		struct import_file *file = &files[f];
		if (int_at(res, r, 4, 1) > 1) {
			err_set_reason(&file->problem, ERR_REASON_IMPORT_AMBIGUOUS_MATCH, "file_reference",
				"several procedures of this organisation carry this file reference");
			continue;
		}
		file->found = true;
		snprintf(file->procedure_id, sizeof(file->procedure_id), "%s", PQgetvalue(res, r, 1));
		snprintf(file->household_id, sizeof(file->household_id), "%s", PQgetvalue(res, r, 2));
		file->relations = (unsigned)int_at(res, r, 3, 0);
	}
	PQclear(res);
	res = NULL;
	/* The procedures' locks, in id order so that two batches never deadlock. */
	struct buf ids = { 0 };
	const char **found = calloc((size_t)(n ? n : 1), sizeof(char *));
	if (rc == ERR_OK && found == NULL)
		rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	for (int f = 0; rc == ERR_OK && f < n; f++)
		found[f] = files[f].found ? files[f].procedure_id : NULL;
	if (rc == ERR_OK)
		array_literal(&ids, n, found);
	free(found);
	const char *p1[] = { ids.data };
	if (rc == ERR_OK)
		rc = ids.oom ? err_set(err, ERR_INTERNAL, "", "out of memory")
			     : exec(&res, conn,
				    "SELECT (now() AT TIME ZONE 'Europe/Paris')::date::text, (SELECT count(*) FROM"
				    " (SELECT 1 FROM procedures WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE) l)",
				    1, p1, err);
	if (rc == ERR_OK)
		rc = date_parse(today, PQgetvalue(res, 0, 0), "today", err);
	PQclear(res);
	free(ids.data);
	return rc;
}

int imports_store_open_files(PGconn *conn, const struct store_caller *caller, int n, struct import_file *files,
			     const struct import_act *const *acts, struct err *err)
{
	int rc = stage_create(conn, "import_file_stage (ord integer, ref text, proc_id uuid, household_id uuid,"
				    " caf text, line text, postcode text, insee text, holder_name text, sector text,"
				    " landlord_org uuid, landlord_name text, rent bigint, has_household boolean,"
				    " lease date)", err);
	struct buf b = { 0 };
	int staged = 0;
	for (int f = 0; rc == ERR_OK && f < n; f++) {
		struct import_file *file = &files[f];
		if (file->found || file->problem.code != ERR_OK)
			continue;
		const struct import_act *a = acts[file->first_item];
		const struct import_household *h = a->has_household ? &a->household : NULL;
		db_new_uuid(file->procedure_id);
		db_new_uuid(file->household_id);
		copy_int(&b, f);
		copy_field(&b, file->reference);
		copy_field(&b, file->procedure_id);
		copy_field(&b, file->household_id);
		copy_field(&b, a->caf_number);
		copy_field(&b, h ? h->address_line : NULL);
		copy_field(&b, h ? h->postcode : NULL);
		copy_field(&b, h ? h->insee : NULL);
		copy_field(&b, a->holder_name);
		copy_field(&b, h ? household_sector_name(h->sector) : NULL);
		copy_field(&b, h ? h->landlord_org_id : NULL);
		copy_field(&b, h ? h->landlord_name : NULL);
		if (h != NULL && h->rent_known)
			copy_int(&b, h->rent_cents);
		else
			copy_field(&b, NULL);
		copy_field(&b, h ? "t" : "f");
		if (h != NULL && h->lease_known)
			copy_date(&b, &h->lease_signed_on);
		else
			copy_field(&b, NULL);
		copy_end(&b);
		staged++;
	}
	if (rc == ERR_OK && staged > 0)
		rc = copy_in(conn, "import_file_stage", &b, err);
	free(b.data);
	if (rc != ERR_OK || staged == 0)
		return rc;
	const char *params[] = { caller->org_id, caller->client_id, caller->kind };
	PGresult *res = NULL;
	/* import_match_household() (0008) over the whole stage at once: two
	 * joins instead of a call per file, each about 50 us. A CAF number is
	 * a key anyone may type: it matches a household the importer cannot
	 * read only when the address (commune and street) or the holder's name
	 * on file confirms it (0015); an unconfirmed or ambiguous match over
	 * such households opens nothing and is reported without their number
	 * or data. An address and a holder's name confirm themselves. */
	rc = exec(&res, conn,
		  "WITH cand AS (SELECT s.ord, h.id, household_relations(h, $1::uuid, $3::text) <> 0 AS readable,"
		  "  coalesce(s.line IS NOT NULL AND h.insee = s.insee"
		  "   AND import_fold(h.address_line) = import_fold(s.line), false)"
		  "  OR coalesce(import_fold_name(h.holder_name) = import_fold_name(s.holder_name), false) AS confirmed"
		  "  FROM import_file_stage s JOIN households h ON h.caf_number = s.caf),"
		  " by_caf AS (SELECT ord, count(*)::integer AS n, bool_and(readable) AS all_readable,"
		  "  count(*) FILTER (WHERE readable OR confirmed)::integer AS n_ok,"
		  "  min(id::text) FILTER (WHERE readable OR confirmed)::uuid AS id FROM cand GROUP BY ord),"
		  " by_address AS (SELECT s.ord, count(*)::integer AS n, min(h.id::text)::uuid AS id,"
		  "  bool_and(household_relations(h, $1::uuid, $3::text) <> 0) AS all_readable"
		  "  FROM import_file_stage s JOIN households h ON h.insee = s.insee"
		  "   AND import_norm(h.address_line) = import_norm(s.line)"
		  "   AND import_norm(h.holder_name) = import_norm(s.holder_name)"
		  "  WHERE s.holder_name IS NOT NULL AND s.line IS NOT NULL GROUP BY s.ord),"
		  " m AS (SELECT s.*,"
		  "  CASE WHEN c.n IS NOT NULL THEN CASE WHEN c.n_ok = 1 THEN 'matched' WHEN c.all_readable THEN 'ambiguous'"
		  "    ELSE 'unconfirmed' END"
		  "   WHEN a.n = 1 THEN 'matched' WHEN a.n > 1 THEN 'ambiguous' END AS found,"
		  /* How many match, told only when the importer reads them all. */
		  "  CASE WHEN c.n IS NOT NULL THEN CASE WHEN c.all_readable THEN c.n ELSE 0 END"
		  "   WHEN a.all_readable THEN a.n ELSE 0 END AS n,"
		  "  CASE WHEN c.n IS NOT NULL THEN c.id ELSE a.id END AS matched,"
		  "  EXISTS (SELECT 1 FROM communes c WHERE c.insee = s.insee) AS commune_ok,"
		  /* A new household is of one of the importer's départements. */
		  "  EXISTS (SELECT 1 FROM organisation_departements od WHERE od.organisation_id = $1::uuid"
		  "   AND od.departement_code = insee_departement(s.insee)) AS departement_ok,"
		  "  (s.landlord_org IS NULL OR EXISTS (SELECT 1 FROM organisations o WHERE o.id = s.landlord_org"
		  "   AND o.kind IN ('social_landlord', 'private_landlord'))) AS landlord_ok"
		  "  FROM import_file_stage s LEFT JOIN by_caf c ON c.ord = s.ord LEFT JOIN by_address a ON a.ord = s.ord),"
		  " d AS (SELECT m.*, CASE WHEN m.found IS NOT NULL THEN m.found"
		  "  WHEN NOT m.has_household THEN 'no_household' WHEN NOT m.commune_ok THEN 'bad_insee'"
		  "  WHEN NOT m.departement_ok THEN 'outside_departements'"
		  "  WHEN NOT m.landlord_ok THEN 'bad_landlord' ELSE 'new' END AS outcome FROM m),"
		  /* Files of this batch that no known household matches are
		   * matched with each other, by the CAF number, then by the
		   * address and the holder's name: each group opens one
		   * household, that of its first new file (lead), and the
		   * others join it. A file without a household joins one by
		   * its number. Window functions and joins on ord: no
		   * correlated scan of the stage. */
		  " g AS (SELECT d.*, CASE WHEN d.outcome IN ('new', 'no_household') AND d.caf IS NOT NULL"
		  "  THEN min(d.ord) FILTER (WHERE d.outcome = 'new') OVER (PARTITION BY d.caf) END AS by_caf FROM d),"
		  " a AS (SELECT g.*, CASE WHEN g.outcome = 'new' AND g.holder_name IS NOT NULL THEN"
		  "  min(coalesce(g.by_caf, CASE WHEN g.outcome = 'new' THEN g.ord END))"
		  "   OVER (PARTITION BY g.insee, import_norm(g.line), import_norm(g.holder_name)) END AS by_addr FROM g),"
		  " l AS (SELECT a.*, coalesce(a.by_addr, a.by_caf, CASE WHEN a.outcome = 'new' THEN a.ord END) AS leader"
		  "  FROM a),"
		  " f AS (SELECT l.*, coalesce(l2.leader, l.leader) AS lead FROM l LEFT JOIN l l2 ON l2.ord = l.leader),"
		  " nh AS (INSERT INTO households (id, address_line, postcode, insee, sector, landlord_org_id, landlord_name,"
		  "  rent_cents, holder_name, created_by_org, created_by_client, lease_signed_on)"
		  "  SELECT l.household_id, l.line, l.postcode, l.insee, l.sector, l.landlord_org, l.landlord_name, l.rent,"
		  "   l.holder_name, $1, $2, l.lease FROM l WHERE l.ord IN (SELECT f.lead FROM f) RETURNING id),"
		  " r AS (SELECT f.ord, f.ref, f.proc_id, f.n, f.matched,"
		  "  CASE WHEN f.lead IS NULL THEN f.outcome WHEN f.lead = f.ord THEN 'new' ELSE 'joined' END AS outcome,"
		  "  lh.household_id AS lead_household FROM f LEFT JOIN l lh ON lh.ord = f.lead),"
		  " nr AS (INSERT INTO import_refs (organisation_id, kind, external_id, resource_id, content_hash)"
		  "  SELECT $1, 'procedure', r.ref, r.proc_id, '' FROM r WHERE r.outcome IN ('matched', 'new', 'joined'))"
		  " SELECT r.ord, r.outcome, r.n, CASE WHEN r.outcome = 'matched' THEN r.matched ELSE r.lead_household END"
		  " FROM r",
		  3, params, err);
	for (int r = 0; rc == ERR_OK && r < PQntuples(res); r++) {
		int64_t f = int_at(res, r, 0, -1);
		if (f < 0 || f >= n)
			continue;
		struct import_file *file = &files[f];
		const char *outcome = PQgetvalue(res, r, 1);
		file->candidates = (int)int_at(res, r, 2, 0);
		if (strcmp(outcome, "matched") == 0 || strcmp(outcome, "new") == 0 || strcmp(outcome, "joined") == 0) {
			file->found = true;
			file->opened = true;
			file->relations = 1u << POLICY_REL_FILER;
			/* A file that joins another of the batch is matched to
			 * the household that one opens. */
			file->match = strcmp(outcome, "new") == 0 ? IMPORT_MATCH_CREATED : IMPORT_MATCH_MATCHED;
			snprintf(file->household_id, sizeof(file->household_id), "%s", PQgetvalue(res, r, 3));
		} else if (strcmp(outcome, "unconfirmed") == 0) {
			file->match = IMPORT_MATCH_UNCONFIRMED;
			err_set_reason(&file->problem, ERR_REASON_IMPORT_UNCONFIRMED_MATCH, "caf_number",
				"unconfirmed: neither the household's address nor the holder's name matches what is on file"
				" for this caf_number; nothing was attached or created: check the caf_number and the address");
		} else if (strcmp(outcome, "ambiguous") == 0) {
			file->match = IMPORT_MATCH_AMBIGUOUS;
			err_set_reason(&file->problem, ERR_REASON_IMPORT_AMBIGUOUS_MATCH, "household",
				"several known households match this act: ambiguous, nothing was attached");
		} else if (strcmp(outcome, "no_household") == 0) {
			err_set_reason(&file->problem, ERR_REASON_IMPORT_HOUSEHOLD_NEEDED, "household",
				"a new file needs its household (no known household matches)");
		} else if (strcmp(outcome, "outside_departements") == 0) {
			err_set_reason(&file->problem, ERR_REASON_COMMUNE_OUTSIDE_DEPARTEMENTS, "household.address.insee",
				"household.address.insee names a commune of a département the importer is not of");
		} else if (strcmp(outcome, "bad_insee") == 0) {
			err_set_reason(&file->problem, ERR_REASON_UNKNOWN_REFERENCE, "household.address.insee",
				"household.address.insee names no known commune");
		} else {
			err_set_reason(&file->problem, ERR_REASON_UNKNOWN_REFERENCE, "household.landlord.organisation_id",
				"household.landlord.organisation_id names no social or private landlord organisation");
		}
	}
	PQclear(res);
	return rc;
}

/* Row r of an events query (from column c0: id, kind, date, corrects, debt,
 * rent, months, hearing, court, notified, outcome, delay, with_cfp) into
 * the history, as storage/procedures_store.c reads a procedure's log. */
void import_history_clear(struct import_history *h)
{
	if (h == NULL)
		return;
	free(h->events);
	free(h->event_ids);
	memset(h, 0, sizeof(*h));
}

static int history_add(struct import_history *h, const PGresult *res, int r, int c0, struct err *err)
{
	if (h->count >= PROCEDURE_MAX_EVENTS)
		return err_set(err, ERR_INTERNAL, "", "a procedure holds more events than the domain replays");
	if (h->count == h->cap) {
		int cap = h->cap ? h->cap * 2 : 4;
		struct event *ev = realloc(h->events, sizeof(*ev) * (size_t)cap);
		if (ev != NULL)
			h->events = ev;
		char(*ids)[40] = realloc(h->event_ids, sizeof(*ids) * (size_t)cap);
		if (ids != NULL)
			h->event_ids = ids;
		if (ev == NULL || ids == NULL)
			return err_set(err, ERR_INTERNAL, "", "out of memory");
		h->cap = cap;
	}
	int i = h->count;
	struct event *ev = &h->events[i];
	memset(ev, 0, sizeof(*ev));
	snprintf(h->event_ids[i], sizeof(h->event_ids[i]), "%s", PQgetvalue(res, r, c0));
	int rc = procedure_parse_kind(&ev->kind, PQgetvalue(res, r, c0 + 1), "kind", err);
	if (rc == ERR_OK)
		rc = date_parse(&ev->date, PQgetvalue(res, r, c0 + 2), "date", err);
	if (rc == ERR_OK && !PQgetisnull(res, r, c0 + 3)) {
		ev->correction = true;
		ev->corrects = -1;
		for (int j = 0; j < i; j++)
			if (strcmp(h->event_ids[j], PQgetvalue(res, r, c0 + 3)) == 0)
				ev->corrects = j;
	}
	if (rc != ERR_OK)
		return rc;
	switch (ev->kind) {
	case EVENT_PAYMENT_ORDER:
		ev->payment_order.debt_cents = int_at(res, r, c0 + 4, 0);
		ev->payment_order.rent_cents = int_at(res, r, c0 + 5, 0);
		ev->payment_order.months_unpaid = (int)int_at(res, r, c0 + 6, -1);
		ev->payment_order.lease_known = !PQgetisnull(res, r, c0 + 13);
		if (ev->payment_order.lease_known)
			rc = date_parse(&ev->payment_order.lease_signed_on, PQgetvalue(res, r, c0 + 13),
					"lease_signed_on", err);
		break;
	case EVENT_SUMMONS:
		rc = date_parse(&ev->summons.hearing_date, PQgetvalue(res, r, c0 + 7), "hearing_on", err);
		snprintf(ev->summons.court, sizeof(ev->summons.court), "%s", PQgetvalue(res, r, c0 + 8));
		ev->summons.prefet_notified = !PQgetisnull(res, r, c0 + 9);
		if (rc == ERR_OK && ev->summons.prefet_notified)
			rc = date_parse(&ev->summons.prefet_notified_on, PQgetvalue(res, r, c0 + 9), "prefet_notified_on",
					err);
		break;
	case EVENT_JUDGMENT:
		rc = procedure_parse_outcome(&ev->judgment.outcome, PQgetvalue(res, r, c0 + 10), "outcome", err);
		ev->judgment.delay_months = (int)int_at(res, r, c0 + 11, 0);
		break;
	case EVENT_ORDER_TO_LEAVE:
		ev->order_to_leave.delay_months = (int)int_at(res, r, c0 + 11, 0);
		ev->order_to_leave.prefet_notified = !PQgetisnull(res, r, c0 + 9);
		if (ev->order_to_leave.prefet_notified)
			rc = date_parse(&ev->order_to_leave.prefet_notified_on, PQgetvalue(res, r, c0 + 9),
					"prefet_notified_on", err);
		break;
	case EVENT_EVICTION:
		ev->eviction.with_cfp = is_true(res, r, c0 + 12);
		break;
	default:
		break;
	}
	if (rc == ERR_OK)
		h->count++;
	return rc;
}

int imports_store_load_histories(PGconn *conn, int n, const struct import_file *files,
				 struct import_history *histories, struct err *err)
{
	const char **ids = calloc((size_t)(n ? n : 1), sizeof(char *));
	int *file_of = calloc((size_t)(n ? n : 1), sizeof(int));
	struct buf arr = { 0 };
	int m = 0, rc = ERR_OK;
	if (ids == NULL || file_of == NULL)
		rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	for (int f = 0; rc == ERR_OK && f < n; f++) {
		memset(&histories[f], 0, sizeof(histories[f]));
		if (files[f].found && !files[f].opened) {
			ids[m] = files[f].procedure_id;
			file_of[m++] = f;
		}
	}
	if (rc == ERR_OK)
		array_literal(&arr, m, ids);
	const char *params[] = { arr.data };
	PGresult *res = NULL;
	if (rc == ERR_OK && m > 0)
		rc = arr.oom ? err_set(err, ERR_INTERNAL, "", "out of memory")
			     : exec(&res, conn,
				    "SELECT u.ord, e.id, e.kind, e.event_date::text, e.corrects, e.debt_cents, e.rent_cents,"
				    " e.months_unpaid, e.hearing_date::text, e.court, e.prefet_notified_on::text, e.outcome,"
				    " e.delay_months, e.with_cfp, e.lease_signed_on::text"
				    " FROM unnest($1::uuid[]) WITH ORDINALITY AS u(id, ord)"
				    " JOIN procedure_events e ON e.procedure_id = u.id ORDER BY u.ord, e.seq",
				    1, params, err);
	for (int r = 0; rc == ERR_OK && res != NULL && r < PQntuples(res); r++) {
		int64_t k = int_at(res, r, 0, 0) - 1;
		if (k >= 0 && k < m)
			rc = history_add(&histories[file_of[k]], res, r, 1, err);
	}
	PQclear(res);
	free(arr.data);
	free(ids);
	free(file_of);
	return rc;
}

int imports_store_act_refs(PGconn *conn, const char *org_id, int n, const char *const *external_ids,
			   struct import_act_ref *out, struct err *err)
{
	const char **ids = calloc((size_t)(n ? n : 1), sizeof(char *));
	int *item_of = calloc((size_t)(n ? n : 1), sizeof(int));
	struct buf arr = { 0 };
	int m = 0, rc = ERR_OK;
	if (ids == NULL || item_of == NULL)
		rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	for (int i = 0; rc == ERR_OK && i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		if (external_ids[i] != NULL) {
			ids[m] = external_ids[i];
			item_of[m++] = i;
		}
	}
	if (rc == ERR_OK)
		array_literal(&arr, m, ids);
	const char *params[] = { org_id, arr.data };
	PGresult *res = NULL;
	if (rc == ERR_OK && m > 0)
		rc = arr.oom ? err_set(err, ERR_INTERNAL, "", "out of memory")
			     : exec(&res, conn,
				    "SELECT u.ord, r.resource_id, e.procedure_id, r.content_hash"
				    " FROM unnest($2::text[]) WITH ORDINALITY AS u(ext, ord)"
				    " JOIN import_refs r ON r.organisation_id = $1 AND r.kind = 'act' AND r.external_id = u.ext"
				    " JOIN procedure_events e ON e.id = r.resource_id", 2, params, err);
	for (int r = 0; rc == ERR_OK && res != NULL && r < PQntuples(res); r++) {
		int64_t k = int_at(res, r, 0, 0) - 1;
		if (k < 0 || k >= m)
			continue;
		struct import_act_ref *ref = &out[item_of[k]];
		snprintf(ref->event_id, sizeof(ref->event_id), "%s", PQgetvalue(res, r, 1));
		snprintf(ref->procedure_id, sizeof(ref->procedure_id), "%s", PQgetvalue(res, r, 2));
		snprintf(ref->hash, sizeof(ref->hash), "%s", PQgetvalue(res, r, 3));
	}
	PQclear(res);
	free(arr.data);
	free(ids);
	free(item_of);
	return rc;
}

static void copy_event(struct buf *b, const struct event *ev)
{
	const char *outcome = NULL;
	bool po = ev->kind == EVENT_PAYMENT_ORDER, su = ev->kind == EVENT_SUMMONS, ju = ev->kind == EVENT_JUDGMENT;
	bool otl = ev->kind == EVENT_ORDER_TO_LEAVE;
	copy_field(b, procedure_kind_name(ev->kind));
	copy_date(b, &ev->date);
	if (po) {
		copy_int(b, ev->payment_order.debt_cents);
		copy_int(b, ev->payment_order.rent_cents);
		if (ev->payment_order.months_unpaid >= 0)
			copy_int(b, ev->payment_order.months_unpaid);
		else
			copy_field(b, NULL);
	} else {
		copy_field(b, NULL);
		copy_field(b, NULL);
		copy_field(b, NULL);
	}
	if (su) {
		copy_date(b, &ev->summons.hearing_date);
		copy_field(b, ev->summons.court);
	} else {
		copy_field(b, NULL);
		copy_field(b, NULL);
	}
	if (su && ev->summons.prefet_notified)
		copy_date(b, &ev->summons.prefet_notified_on);
	else if (otl && ev->order_to_leave.prefet_notified)
		copy_date(b, &ev->order_to_leave.prefet_notified_on);
	else
		copy_field(b, NULL);
	if (ju)
		outcome = procedure_outcome_name(ev->judgment.outcome);
	copy_field(b, outcome);
	if (ju && ev->judgment.outcome == JUDGMENT_PAYMENT_DELAYS)
		copy_int(b, ev->judgment.delay_months);
	else if (otl && ev->order_to_leave.delay_months > 0)
		copy_int(b, ev->order_to_leave.delay_months);
	else
		copy_field(b, NULL);
	copy_field(b, ev->kind == EVENT_EVICTION ? (ev->eviction.with_cfp ? "t" : "f") : NULL);
}

/* The procedures of the opened files, written once with the state their
 * acts leave them in (as many appends would leave them: version 1 plus one
 * per event), so that no stage update, and no per-row feed trigger, follows. */
static int write_opened(PGconn *conn, const struct store_caller *caller, int nfiles, const struct import_file *files,
			struct err *err)
{
	int rc = stage_create(conn, "import_proc_stage (id uuid, household_id uuid, reference text, stage text,"
				    " status text, event_count integer)", err);
	struct buf b = { 0 };
	int staged = 0;
	for (int f = 0; rc == ERR_OK && f < nfiles; f++) {
		const struct import_file *file = &files[f];
		if (!file->opened)
			continue;
		copy_field(&b, file->procedure_id);
		copy_field(&b, file->household_id);
		copy_field(&b, file->reference);
		copy_field(&b, file->stage_after ? file->stage_after : "none");
		copy_field(&b, file->status_after ? file->status_after : "open");
		copy_int(&b, file->event_count);
		copy_end(&b);
		staged++;
	}
	if (rc == ERR_OK && staged > 0)
		rc = copy_in(conn, "import_proc_stage", &b, err);
	free(b.data);
	const char *p1[] = { caller->org_id };
	if (rc == ERR_OK && staged > 0)
		rc = exec(NULL, conn,
			  "INSERT INTO procedures (id, household_id, filed_by_org, reference, stage, status, event_count,"
			  " version)"
			  " SELECT id, household_id, $1, reference, stage, status, event_count, 1 + event_count"
			  " FROM import_proc_stage ORDER BY id", 1, p1, err);
	return rc;
}

/* The change feed of the batch's stage changes: one
 * procedure.stage_changed per event that changes the stage (as the single
 * event endpoint publishes them, one per event), at the point where
 * feed_procedure_stage publishes it: after the events, before their side
 * effects; to the organisations and with the relations that
 * feed_stage_recipients() (0013) gives, as the trigger does, for the whole
 * batch in one statement. tests/api/test_imports.c checks them against
 * procedure_relations(). */
static const char feed_sql[] =
	"WITH ch AS (SELECT procedure_id, household_id, seq, stage_before, stage_after, status_after"
	"  FROM import_act_stage WHERE event_id IS NOT NULL AND stage_before <> stage_after),"
	" ids AS (SELECT array_agg(DISTINCT procedure_id) AS a FROM ch),"
	/* A column as the argument, not a sub-select, so that the function is inlined. */
	" rel AS MATERIALIZED (SELECT r.procedure_id, r.organisation_id AS org, r.relations AS rel"
	"  FROM ids CROSS JOIN LATERAL feed_stage_recipients(ids.a) r),"
	/* One probe of feed_events_resource per procedure: a join would read
	 * every procedure event of the feed, which grows with each batch. */
	" last AS (SELECT d.procedure_id AS resource_id, (SELECT max(f.pos) FROM feed_events f"
	"  WHERE f.resource_type = 'procedure' AND f.resource_id = d.procedure_id) AS pos"
	"  FROM (SELECT DISTINCT procedure_id FROM ch) d)"
	" INSERT INTO feed_events (organisation_id, pos, type, resource_type, resource_id, relations, payload)"
	" SELECT r.org, greatest(pg_current_xact_id(), l.pos), 'procedure.stage_changed', 'procedure', ch.procedure_id,"
	"  r.rel, jsonb_build_object('procedure_id', ch.procedure_id, 'household_id', ch.household_id,"
	"   'stage', ch.stage_after, 'previous_stage', ch.stage_before, 'status', ch.status_after)"
	" FROM ch JOIN rel r ON r.procedure_id = ch.procedure_id"
	" LEFT JOIN last l ON l.resource_id = ch.procedure_id"
	" ORDER BY ch.procedure_id, ch.seq, r.org";

int imports_store_write_acts(PGconn *conn, const struct store_caller *caller, int nfiles,
			     const struct import_file *files, int n, const struct import_act_row *rows,
			     struct import_result *results, struct err *err)
{
	int rc = write_opened(conn, caller, nfiles, files, err);
	if (rc != ERR_OK || n == 0)
		return rc;
	rc = stage_create(conn, "import_act_stage (item integer, event_id uuid, ref_event_id uuid, procedure_id uuid,"
				" household_id uuid, seq integer, kind text, event_date date, debt_cents bigint,"
				" rent_cents bigint, months_unpaid integer, hearing_date date, court text,"
				" prefet_notified_on date, outcome text, delay_months integer, with_cfp boolean,"
				" corrects uuid, external_id text, content_hash text, proc_new boolean, stage_before text,"
				" stage_after text, status_after text, diagnostic boolean, referral boolean, queue_kind text,"
				" queue_due date, queue_open boolean, lease_signed_on date)",
			  err);
	struct buf b = { 0 };
	for (int i = 0; rc == ERR_OK && i < n; i++) {
		const struct import_act_row *r = &rows[i];
		bool ev = r->event_id[0] != '\0';
		copy_int(&b, r->item);
		copy_field(&b, ev ? r->event_id : NULL);
		copy_field(&b, r->ref_event_id);
		copy_field(&b, r->procedure_id);
		copy_field(&b, r->household_id);
		copy_int(&b, r->seq);
		copy_event(&b, r->ev);
		copy_field(&b, r->corrects_id);
		copy_field(&b, r->external_id);
		copy_field(&b, r->hash);
		copy_field(&b, r->proc_new ? "t" : "f");
		copy_field(&b, r->stage_before);
		copy_field(&b, r->stage_after);
		copy_field(&b, r->status_after);
		copy_field(&b, r->diagnostic ? "t" : "f");
		copy_field(&b, r->referral ? "t" : "f");
		copy_field(&b, r->queue_kind);
		if (r->queue_kind != NULL && r->queue_has_due)
			copy_date(&b, &r->queue_due);
		else
			copy_field(&b, NULL);
		copy_field(&b, r->queue_open ? "t" : "f");
		if (r->ev->kind == EVENT_PAYMENT_ORDER && r->ev->payment_order.lease_known)
			copy_date(&b, &r->ev->payment_order.lease_signed_on);
		else
			copy_field(&b, NULL);
		copy_end(&b);
	}
	if (rc == ERR_OK)
		rc = copy_in(conn, "import_act_stage", &b, err);
	free(b.data);
	const char *p2[] = { caller->org_id, caller->client_id };
	const char *p1[] = { caller->org_id };
	/* The events, as procedures_store_append writes them. */
	if (rc == ERR_OK)
		rc = exec(NULL, conn,
			  "INSERT INTO procedure_events (id, procedure_id, seq, kind, event_date, corrects, debt_cents,"
			  " rent_cents, months_unpaid, hearing_date, court, prefet_notified_on, outcome, delay_months, with_cfp,"
			  " organisation_id, client_id, lease_signed_on)"
			  " SELECT event_id, procedure_id, seq, kind, event_date, corrects, debt_cents, rent_cents, months_unpaid,"
			  "  hearing_date, court, prefet_notified_on, outcome, delay_months, with_cfp, $1, $2, lease_signed_on"
			  " FROM import_act_stage WHERE event_id IS NOT NULL ORDER BY procedure_id, seq", 2, p2, err);
	/* The procedures found; their stage changes are published below, and
	 * the trigger stands aside meanwhile (migration 0011). */
	if (rc == ERR_OK)
		rc = exec_standing_aside(conn, "prevex.feed_by_caller",
			  "UPDATE procedures p SET stage = s.stage_after, status = s.status_after,"
			  " event_count = p.event_count + s.n, version = p.version + s.n, updated_at = now()"
			  " FROM (SELECT DISTINCT ON (procedure_id) procedure_id, stage_after, status_after,"
			  "  count(*) OVER (PARTITION BY procedure_id) AS n"
			  "  FROM import_act_stage WHERE event_id IS NOT NULL AND NOT proc_new ORDER BY procedure_id, seq DESC) s"
			  " WHERE p.id = s.procedure_id", 0, NULL, err);
	if (rc == ERR_OK)
		rc = exec(NULL, conn, feed_sql, 0, NULL, err);
	/* The side effects, as api/procedures.c sets them going one event at a time. */
	if (rc == ERR_OK)
		rc = exec(NULL, conn,
			  "INSERT INTO diagnostics (household_id, procedure_id, assigned_org_id, requested_on, hearing_date)"
			  " SELECT h.id, s.procedure_id,"
			  "  (SELECT o.id FROM organisations o"
			  "   WHERE o.kind = 'social_service' AND NOT o.disabled AND territory_covers(o.id, h.insee)"
			  "   ORDER BY EXISTS (SELECT 1 FROM organisation_communes oc"
			  "                    WHERE oc.organisation_id = o.id AND oc.insee = h.insee) DESC, o.created_at, o.id"
			  "   LIMIT 1),"
			  "  s.event_date, s.hearing_date"
			  " FROM import_act_stage s JOIN households h ON h.id = s.household_id WHERE s.diagnostic"
			  " ORDER BY s.procedure_id, s.seq", 0, NULL, err);
	/* The referrals start their history here, set-based, as the trigger
	 * of 0005 starts it row by row; it stands aside meanwhile (0011). A
	 * report on a case the CCAPEX follows joins its open referral (the
	 * trigger of 0018): the first report of the batch on each household
	 * goes first, so that the others on it join after its 'received'. */
	for (int pass = 0; rc == ERR_OK && pass < 2; pass++) {
		const char *pp[] = { caller->org_id, pass == 0 ? "true" : "false" };
		rc = exec_standing_aside(conn, "prevex.referral_history_by_caller",
			  "WITH s AS (SELECT s.household_id, s.procedure_id, s.seq, s.debt_cents, s.months_unpaid,"
			  "  row_number() OVER (PARTITION BY s.household_id ORDER BY s.procedure_id, s.seq) = 1 AS first"
			  "  FROM import_act_stage s WHERE s.referral),"
			  " r AS (INSERT INTO referrals (household_id, procedure_id, kind, debt_cents, months_unpaid, insee,"
			  "  epci_siren, created_by_org)"
			  "  SELECT h.id, s.procedure_id, 'bailiff_report', s.debt_cents, s.months_unpaid, h.insee, c.epci_siren,"
			  "   $1 FROM s JOIN households h ON h.id = s.household_id"
			  "  JOIN communes c ON c.insee = h.insee WHERE s.first = $2::boolean ORDER BY s.procedure_id, s.seq"
			  "  RETURNING id, procedure_id, status, created_by_org, created_at)"
			  " INSERT INTO referral_events (referral_id, step, status, organisation_id, at)"
			  " SELECT id, 'received', status, created_by_org, created_at FROM r ORDER BY procedure_id", 2, pp, err);
	}
	if (rc == ERR_OK)
		rc = exec(NULL, conn,
			  "UPDATE prefecture_queue SET status = 'done', done_at = now() WHERE status = 'open' AND procedure_id IN"
			  " (SELECT procedure_id FROM import_act_stage WHERE event_id IS NOT NULL AND corrects IS NULL)",
			  0, NULL, err);
	if (rc == ERR_OK)
		rc = exec(NULL, conn,
			  "INSERT INTO prefecture_queue (kind, procedure_id, household_id, event_id, event_date, due_on, status,"
			  " done_at)"
			  " SELECT queue_kind, procedure_id, household_id, event_id, event_date, queue_due,"
			  "  CASE WHEN queue_open THEN 'open' ELSE 'done' END, CASE WHEN queue_open THEN NULL ELSE now() END"
			  " FROM import_act_stage WHERE queue_kind IS NOT NULL AND event_id IS NOT NULL"
			  " ORDER BY procedure_id, seq", 0, NULL, err);
	PGresult *res = NULL;
	if (rc == ERR_OK)
		rc = exec(&res, conn,
			  "WITH u AS (INSERT INTO import_refs AS t (organisation_id, kind, external_id, resource_id, content_hash)"
			  "  SELECT $1, 'act', external_id, ref_event_id, content_hash FROM import_act_stage"
			  "  ON CONFLICT (organisation_id, kind, external_id) DO UPDATE SET content_hash = EXCLUDED.content_hash,"
			  "   updated_at = now() WHERE t.content_hash <> EXCLUDED.content_hash"
			  "  RETURNING t.external_id, (t.xmax = 0) AS inserted)"
			  " SELECT s.item, u.inserted, coalesce(s.event_id, s.ref_event_id)"
			  " FROM import_act_stage s LEFT JOIN u ON u.external_id = s.external_id", 1, p1, err);
	if (rc == ERR_OK)
		merge_results(res, INT32_MAX, results, false);
	PQclear(res);
	return rc;
}
