#include "storage/feed_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The page and the feed's last settled position share one statement, hence
 * one snapshot and one horizon. When the page is not full, every event
 * between its last one and that position is one the reader may not read,
 * and the cursor moves past them. */
#define FEED_READ_SQL \
	"WITH hz AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS x)," \
	" page AS (SELECT f.pos, f.seq, feed_event_json(f)::text AS j FROM feed_events f, hz" \
	"   WHERE f.organisation_id = $1 AND (f.pos, f.seq) > ($2::xid8, $3::bigint) AND f.pos < hz.x" \
	"     AND (f.relations & CASE f.resource_type WHEN 'procedure' THEN $4::integer" \
	"          WHEN 'referral' THEN $5::integer WHEN 'opinion' THEN $5::integer" \
	"          WHEN 'recommendation' THEN $6::integer WHEN 'diagnostic' THEN $7::integer" \
	"          WHEN 'benefit_decision' THEN $9::integer WHEN 'household' THEN $10::integer ELSE 0 END) <> 0" \
	"   ORDER BY f.pos, f.seq LIMIT $8)," \
	" tail AS (SELECT f.pos, f.seq FROM feed_events f, hz" \
	"   WHERE f.organisation_id = $1 AND (f.pos, f.seq) > ($2::xid8, $3::bigint) AND f.pos < hz.x" \
	"   ORDER BY f.pos DESC, f.seq DESC LIMIT 1)" \
	" SELECT u.part, u.pos::text, u.seq, u.j FROM (" \
	"   SELECT 1 AS part, pos, seq, j FROM page UNION ALL SELECT 2, pos, seq, NULL FROM tail) u" \
	" ORDER BY u.part, u.pos, u.seq"

const struct db_stmt feed_store_statements[] = {
	{ "feed_publish",
	  "SELECT feed_publish($1, $2::integer, $3, $4, $5, $6::jsonb)" },
	{ "feed_read", FEED_READ_SQL },
	{ "feed_horizon", "SELECT pos::text, seq FROM feed_horizon" },
	{ NULL, NULL },
};

void feed_store_masks_text(char out[FEED_MASKS_COUNT][16], const struct feed_masks *masks)
{
	const unsigned values[FEED_MASKS_COUNT] = { masks->procedure, masks->referral, masks->recommendation,
						    masks->diagnostic, masks->benefit_decision, masks->household };
	for (int i = 0; i < FEED_MASKS_COUNT; i++)
		snprintf(out[i], sizeof(out[i]), "%u", values[i]);
}

void feed_page_free(struct feed_page *page)
{
	if (page != NULL)
		json_page_free(&page->events);
}

int feed_store_publish(PGconn *conn, const char *org_id, unsigned relations, const char *type,
		       const char *resource_type, const char *resource_id, const char *payload_json, int64_t *seq,
		       struct err *err)
{
	char rel[16];
	snprintf(rel, sizeof(rel), "%u", relations);
	const char *params[] = { org_id, rel, type, resource_type, resource_id, payload_json };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "feed_publish", 6, params, err);
	if (rc == ERR_OK && seq != NULL)
		*seq = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return rc;
}

static int parse_position(const PGresult *res, int row, struct feed_cursor *out)
{
	char *end = NULL;
	const char *pos = PQgetvalue(res, row, 1), *seq = PQgetvalue(res, row, 2);
	out->pos = strtoull(pos, &end, 10);
	if (end == pos || *end != '\0')
		return -1;
	out->seq = strtoll(seq, &end, 10);
	return end == seq || *end != '\0' ? -1 : 0;
}

/* ERR_GONE when events after `after` may have been purged: its position
 * lies before the feed's horizon. The start of the feed never does. */
static int check_horizon(PGconn *conn, const struct feed_cursor *after, struct err *err)
{
	if (after->pos == 0 && after->seq == 0)
		return ERR_OK;
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "feed_horizon", 0, NULL, err);
	if (rc == ERR_OK && PQntuples(res) == 1) {
		struct feed_cursor horizon;
		horizon.pos = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
		horizon.seq = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
		if (after->pos < horizon.pos || (after->pos == horizon.pos && after->seq < horizon.seq))
			rc = err_set(err, ERR_GONE, "after",
				     "events after this cursor were purged (the feed keeps them for a limited time):"
				     " read the feed again from its start, without after, and refresh the resources"
				     " it names");
	}
	PQclear(res);
	return rc;
}

int feed_store_read(PGconn *conn, const char *org_id, const struct feed_cursor *after, const struct feed_masks *masks,
		    int limit, struct feed_page *page, struct err *err)
{
	memset(page, 0, sizeof(*page));
	page->next = *after;
	int hrc = check_horizon(conn, after, err);
	if (hrc != ERR_OK)
		return hrc;
	char pos[24], seq[24], m[FEED_MASKS_COUNT][16], lim[16];
	snprintf(pos, sizeof(pos), "%" PRIu64, after->pos);
	snprintf(seq, sizeof(seq), "%" PRId64, after->seq);
	feed_store_masks_text(m, masks);
	snprintf(lim, sizeof(lim), "%d", limit);
	const char *params[] = { org_id, pos, seq, m[0], m[1], m[2], m[3], lim, m[4], m[5] };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "feed_read", 10, params, err);
	if (rc != ERR_OK)
		return rc;
	int n = PQntuples(res);
	page->events.items = calloc((size_t)(n ? n : 1), sizeof(char *));
	if (page->events.items == NULL) {
		rc = err_set(err, ERR_INTERNAL, "", "out of memory");
		goto done;
	}
	for (int i = 0; i < n; i++) {
		bool item = strcmp(PQgetvalue(res, i, 0), "1") == 0;
		/* The tail counts only when the page is not full. */
		if (!item && page->events.count == limit)
			break;
		if (parse_position(res, i, &page->next) != 0) {
			rc = err_set(err, ERR_INTERNAL, "", "feed position out of range");
			goto done;
		}
		if (!item)
			break;
		page->events.items[page->events.count] = strdup(PQgetvalue(res, i, 3));
		if (page->events.items[page->events.count] == NULL) {
			rc = err_set(err, ERR_INTERNAL, "", "out of memory");
			goto done;
		}
		page->events.count++;
	}
done:
	PQclear(res);
	if (rc != ERR_OK)
		feed_page_free(page);
	return rc;
}

/* One statement's single integer, run with PQexecParams (the purge runs on
 * a connection of its own, without prepared statements). */
static int exec_count(PGconn *conn, const char *sql, const char *param, long long *out, struct err *err)
{
	const char *params[] = { param };
	PGresult *res = PQexecParams(conn, sql, 1, NULL, params, NULL, NULL, 0);
	int rc = ERR_OK;
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		rc = err_set(err, ERR_INTERNAL, "", "purge failed: %s", msg ? msg : "unknown error");
	} else {
		*out = atoll(PQgetvalue(res, 0, 0));
	}
	PQclear(res);
	return rc;
}

int feed_store_purge(PGconn *conn, int retention_days, bool dry_run, struct feed_purged *out, struct err *err)
{
	memset(out, 0, sizeof(*out));
	char days[16];
	snprintf(days, sizeof(days), "%d", retention_days);
	int rc = db_begin(conn, err);
	if (rc == ERR_OK)
		rc = exec_count(conn, "SELECT feed_purge(now() - make_interval(days => $1::int))", days, &out->events,
				err);
	if (rc == ERR_OK)
		rc = exec_count(conn, "SELECT webhook_deliveries_purge(now() - make_interval(days => $1::int))", days,
				&out->deliveries, err);
	if (rc == ERR_OK && !dry_run)
		rc = db_commit(conn, err);
	else
		db_rollback(conn);
	return rc;
}
