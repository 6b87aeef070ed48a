#include "storage/webhooks_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SETTLED "pg_snapshot_xmin(pg_current_snapshot())"

const struct db_stmt webhooks_store_statements[] = {
	{ "webhooks_insert",
	  "INSERT INTO webhooks (organisation_id, url, description, secret, cursor_pos, cursor_seq, created_by_client)"
	  " SELECT $1, $2, $3, $4, coalesce(t.pos, '0'::xid8), coalesce(t.seq, 0), $5"
	  " FROM (SELECT 1) one LEFT JOIN LATERAL (SELECT f.pos, f.seq FROM feed_events f"
	  "   WHERE f.organisation_id = $1 AND f.pos < " SETTLED
	  "   ORDER BY f.pos DESC, f.seq DESC LIMIT 1) t ON true"
	  " RETURNING webhook_json(webhooks)" },
	{ "webhooks_get",
	  "SELECT webhook_json(w) FROM webhooks w WHERE w.id = $1 AND w.organisation_id = $2" },
	{ "webhooks_list",
	  "SELECT webhook_json(w), w.created_at::text, w.id FROM webhooks w WHERE w.organisation_id = $1"
	  "   AND ($2::timestamptz IS NULL OR (w.created_at, w.id) > ($2::timestamptz, $3::uuid))"
	  " ORDER BY w.created_at, w.id LIMIT $4" },
	{ "webhooks_delete",
	  "DELETE FROM webhooks WHERE id = $1 AND organisation_id = $2 RETURNING id" },
	{ "webhooks_deliveries",
	  "SELECT webhook_delivery_json(d), d.id FROM webhook_deliveries d"
	  " WHERE d.webhook_id = $1 AND ($2::text IS NULL OR d.status = $2)"
	  "   AND ($3::bigint IS NULL OR d.id < $3::bigint)"
	  " ORDER BY d.id DESC LIMIT $4" },
	{ "webhooks_due_feeds",
	  "SELECT w.id, o.kind FROM webhooks w JOIN organisations o ON o.id = w.organisation_id"
	  " WHERE NOT o.disabled AND EXISTS (SELECT 1 FROM feed_events f WHERE f.organisation_id = w.organisation_id"
	  "   AND (f.pos, f.seq) > (w.cursor_pos, w.cursor_seq) AND f.pos < " SETTLED ")"
	  " LIMIT 100" }, /* WEBHOOKS_DUE_MAX */
	/* One statement, one snapshot: the events enqueued and the cursor
	 * moved past them (and past those the organisation may not read, when
	 * the page is not full) commit together. */
	{ "webhooks_enqueue",
	  "WITH w AS (SELECT id, organisation_id, cursor_pos, cursor_seq FROM webhooks WHERE id = $1"
	  "   FOR UPDATE SKIP LOCKED),"
	  " hz AS (SELECT " SETTLED " AS x),"
	  " page AS (SELECT f.pos, f.seq, f.type, f.resource_type, f.resource_id, feed_event_json(f) AS j"
	  "   FROM feed_events f, w, hz WHERE f.organisation_id = w.organisation_id"
	  "     AND (f.pos, f.seq) > (w.cursor_pos, w.cursor_seq) AND f.pos < hz.x"
	  "     AND (f.relations & CASE f.resource_type WHEN 'procedure' THEN $2::integer"
	  "          WHEN 'referral' THEN $3::integer WHEN 'opinion' THEN $3::integer"
	  "          WHEN 'recommendation' THEN $4::integer WHEN 'diagnostic' THEN $5::integer"
	  "          WHEN 'benefit_decision' THEN $7::integer WHEN 'household' THEN $8::integer ELSE 0 END) <> 0"
	  "   ORDER BY f.pos, f.seq LIMIT $6),"
	  " tail AS (SELECT f.pos, f.seq FROM feed_events f, w, hz WHERE f.organisation_id = w.organisation_id"
	  "   AND (f.pos, f.seq) > (w.cursor_pos, w.cursor_seq) AND f.pos < hz.x"
	  "   ORDER BY f.pos DESC, f.seq DESC LIMIT 1),"
	  " last AS (SELECT c.pos, c.seq FROM ("
	  "     SELECT p.pos, p.seq, 1 AS k FROM page p WHERE (SELECT count(*) FROM page) = $6"
	  "     UNION ALL SELECT t.pos, t.seq, 2 FROM tail t) c"
	  "   ORDER BY c.k, c.pos DESC, c.seq DESC LIMIT 1),"
	  " ins AS (INSERT INTO webhook_deliveries (webhook_id, feed_seq, event_type, resource_type, resource_id, body)"
	  "   SELECT w.id, p.seq, p.type, p.resource_type, p.resource_id,"
	  "          json_build_object('webhook_id', w.id, 'event', p.j)::text"
	  "   FROM page p, w ORDER BY p.pos, p.seq"
	  "   ON CONFLICT (webhook_id, feed_seq) DO NOTHING RETURNING 1),"
	  " upd AS (UPDATE webhooks x SET cursor_pos = l.pos, cursor_seq = l.seq FROM last l, w"
	  "   WHERE x.id = w.id RETURNING 1)"
	  " SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM upd)" },
	{ "webhooks_claim",
	  "WITH c AS (SELECT d.id FROM webhook_deliveries d"
	  "   WHERE d.status = 'pending' AND d.next_attempt_at <= now()"
	  "     AND (d.lease_until IS NULL OR d.lease_until < now())"
	  "     AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.webhook_id = d.webhook_id"
	  "       AND e.resource_type = d.resource_type AND e.resource_id = d.resource_id"
	  "       AND e.status = 'pending' AND e.id < d.id)"
	  "   ORDER BY d.next_attempt_at, d.id LIMIT 1 FOR UPDATE OF d SKIP LOCKED)"
	  " UPDATE webhook_deliveries d SET lease_until = clock_timestamp() + $1::integer * interval '1 millisecond',"
	  "   attempts = d.attempts + 1, first_attempt_at = coalesce(d.first_attempt_at, clock_timestamp())"
	  " FROM c, webhooks w WHERE d.id = c.id AND w.id = d.webhook_id"
	  " RETURNING d.id, d.attempts, w.id, d.event_type, w.url, w.secret, d.body" },
	{ "webhooks_record",
	  "WITH d AS (UPDATE webhook_deliveries d SET lease_until = NULL, last_attempt_at = clock_timestamp(),"
	  "   last_status_code = $4::integer, last_error = $5,"
	  "   status = CASE WHEN $3::boolean THEN 'delivered'"
	  "     WHEN clock_timestamp() >= d.first_attempt_at + $9::bigint * interval '1 second' THEN 'failed'"
	  "     ELSE 'pending' END,"
	  "   delivered_at = CASE WHEN $3::boolean THEN clock_timestamp() END,"
	  "   next_attempt_at = CASE WHEN $3::boolean THEN d.next_attempt_at ELSE clock_timestamp()"
	  "     + least($8::double precision, $7::double precision * power(2::double precision, least(d.attempts - 1, 40)))"
	  "       * interval '1 millisecond' END"
	  "   WHERE d.id = $1::bigint AND d.attempts = $2::integer AND d.status = 'pending' RETURNING d.id)"
	  " INSERT INTO webhook_attempts (delivery_id, status_code, error, duration_ms)"
	  " SELECT d.id, $4::integer, $5, $6::integer FROM d" },
	{ NULL, NULL },
};

static int copy_page(struct json_page *page, const PGresult *res, int limit, struct err *err)
{
	int n = PQntuples(res);
	int keep = n > limit ? limit : n;
	page->items = calloc((size_t)(keep ? keep : 1), sizeof(char *));
	if (page->items == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	for (int i = 0; i < keep; i++) {
		page->items[i] = strdup(PQgetvalue(res, i, 0));
		if (page->items[i] == NULL)
			return err_set(err, ERR_INTERNAL, "", "out of memory");
		page->count++;
	}
	return ERR_OK;
}

static int one_json(PGconn *conn, const char *stmt, int nparams, const char *const *params, char **json,
		    const char *missing, struct err *err)
{
	*json = NULL;
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, stmt, nparams, params, err);
	if (rc == ERR_OK && PQntuples(res) == 0)
		rc = err_set(err, ERR_NOT_FOUND, "", "%s", missing);
	if (rc == ERR_OK) {
		*json = strdup(PQgetvalue(res, 0, 0));
		if (*json == NULL)
			rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	}
	PQclear(res);
	return rc;
}

int webhooks_store_create(PGconn *conn, const char *org_id, const char *client_id, const char *url,
			  const char *description, const char *secret, char **json, struct err *err)
{
	const char *params[] = { org_id, url, description, secret, client_id };
	return one_json(conn, "webhooks_insert", 5, params, json, "no such organisation", err);
}

int webhooks_store_get(PGconn *conn, const char *org_id, const char *id, char **json, struct err *err)
{
	const char *params[] = { id, org_id };
	return one_json(conn, "webhooks_get", 2, params, json, "no such webhook", err);
}

int webhooks_store_list(PGconn *conn, const char *org_id, const struct page_cursor *after, int limit,
			struct json_page *page, struct err *err)
{
	memset(page, 0, sizeof(*page));
	char lim[16];
	snprintf(lim, sizeof(lim), "%d", limit + 1);
	const char *params[] = { org_id, after->set ? after->after_time : NULL, after->set ? after->after_id : NULL,
				 lim };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "webhooks_list", 4, params, err);
	if (rc != ERR_OK)
		return rc;
	int n = PQntuples(res);
	if (n > limit) {
		page->next.set = true;
		snprintf(page->next.after_time, sizeof(page->next.after_time), "%s", PQgetvalue(res, limit - 1, 1));
		snprintf(page->next.after_id, sizeof(page->next.after_id), "%s", PQgetvalue(res, limit - 1, 2));
	}
	rc = copy_page(page, res, limit, err);
	PQclear(res);
	return rc;
}

int webhooks_store_delete(PGconn *conn, const char *org_id, const char *id, struct err *err)
{
	const char *params[] = { id, org_id };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "webhooks_delete", 2, params, err);
	if (rc == ERR_OK && PQntuples(res) == 0)
		rc = err_set(err, ERR_NOT_FOUND, "", "no such webhook");
	PQclear(res);
	return rc;
}

int webhooks_store_deliveries(PGconn *conn, const char *org_id, const char *webhook_id, const char *status,
			      const struct page_cursor *after, int limit, struct json_page *page, struct err *err)
{
	memset(page, 0, sizeof(*page));
	char *webhook = NULL;
	int rc = webhooks_store_get(conn, org_id, webhook_id, &webhook, err);
	free(webhook);
	if (rc != ERR_OK)
		return rc;
	char lim[16];
	snprintf(lim, sizeof(lim), "%d", limit + 1);
	const char *params[] = { webhook_id, status, after->set ? after->after_id : NULL, lim };
	PGresult *res = NULL;
	rc = db_exec(&res, conn, "webhooks_deliveries", 4, params, err);
	if (rc != ERR_OK)
		return rc;
	if (PQntuples(res) > limit) {
		page->next.set = true;
		snprintf(page->next.after_id, sizeof(page->next.after_id), "%s", PQgetvalue(res, limit - 1, 1));
	}
	rc = copy_page(page, res, limit, err);
	PQclear(res);
	return rc;
}

int webhooks_store_due_feeds(PGconn *conn, struct webhook_due *out, struct err *err)
{
	memset(out, 0, sizeof(*out));
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "webhooks_due_feeds", 0, NULL, err);
	if (rc != ERR_OK)
		return rc;
	int n = PQntuples(res);
	for (int i = 0; i < n && i < WEBHOOKS_DUE_MAX; i++) {
		snprintf(out->ids[i], sizeof(out->ids[i]), "%s", PQgetvalue(res, i, 0));
		snprintf(out->kinds[i], sizeof(out->kinds[i]), "%s", PQgetvalue(res, i, 1));
		out->count++;
	}
	PQclear(res);
	return ERR_OK;
}

int webhooks_store_enqueue(PGconn *conn, const char *webhook_id, const struct feed_masks *masks, int limit,
			   int *enqueued, struct err *err)
{
	*enqueued = 0;
	char m[FEED_MASKS_COUNT][16], lim[16];
	feed_store_masks_text(m, masks);
	snprintf(lim, sizeof(lim), "%d", limit);
	const char *params[] = { webhook_id, m[0], m[1], m[2], m[3], lim, m[4], m[5] };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "webhooks_enqueue", 8, params, err);
	if (rc == ERR_OK)
		*enqueued = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

void webhook_claim_clear(struct webhook_claim *c)
{
	if (c == NULL)
		return;
	free(c->body);
	memset(c, 0, sizeof(*c));
}

int webhooks_store_claim(PGconn *conn, int lease_ms, struct webhook_claim *out, bool *found, struct err *err)
{
	memset(out, 0, sizeof(*out));
	*found = false;
	char lease[16];
	snprintf(lease, sizeof(lease), "%d", lease_ms);
	const char *params[] = { lease };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "webhooks_claim", 1, params, err);
	if (rc != ERR_OK || PQntuples(res) == 0) {
		PQclear(res);
		return rc;
	}
	snprintf(out->delivery_id, sizeof(out->delivery_id), "%s", PQgetvalue(res, 0, 0));
	snprintf(out->attempt, sizeof(out->attempt), "%s", PQgetvalue(res, 0, 1));
	snprintf(out->webhook_id, sizeof(out->webhook_id), "%s", PQgetvalue(res, 0, 2));
	snprintf(out->event_type, sizeof(out->event_type), "%s", PQgetvalue(res, 0, 3));
	snprintf(out->url, sizeof(out->url), "%s", PQgetvalue(res, 0, 4));
	snprintf(out->secret, sizeof(out->secret), "%s", PQgetvalue(res, 0, 5));
	out->body = strdup(PQgetvalue(res, 0, 6));
	PQclear(res);
	if (out->body == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	*found = true;
	return ERR_OK;
}

int webhooks_store_record(PGconn *conn, const struct webhook_claim *c, bool delivered, int status_code,
			  const char *error, int duration_ms, const struct webhook_retry *retry, struct err *err)
{
	char code[16], duration[16], base[24], max[24], retry_for[24];
	snprintf(code, sizeof(code), "%d", status_code);
	snprintf(duration, sizeof(duration), "%d", duration_ms);
	snprintf(base, sizeof(base), "%lld", (long long)retry->base_ms);
	snprintf(max, sizeof(max), "%lld", (long long)retry->max_ms);
	snprintf(retry_for, sizeof(retry_for), "%lld", (long long)retry->retry_for_s);
	const char *params[] = { c->delivery_id, c->attempt, delivered ? "true" : "false",
				 status_code > 0 ? code : NULL, error, duration, base, max, retry_for };
	return db_exec_discard(conn, "webhooks_record", 9, params, err);
}
