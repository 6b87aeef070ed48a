#include "api/audit.h"

#include <string.h>

#include "api/auth.h"
#include "api/cursor.h"
#include "api/tx.h"
#include "domain/parse.h"
#include "storage/audit_store.h"

int audit_record(PGconn *conn, const struct req *req, const char *action, const char *resource_type,
		 const char *resource_id, const char *outcome, struct err *err)
{
	const struct actor *a = &req->actor;
	struct audit_entry e = {
		.client_id = a->authenticated ? a->client_id : NULL,
		.org_id = a->authenticated ? a->org_id : NULL,
		.action = action,
		.resource_type = resource_type,
		.resource_id = resource_id,
		.request_id = req->request_id,
		.outcome = outcome,
	};
	return audit_store_append(conn, &e, err);
}

struct audit_query {
	struct audit_filter filter;
	const char *after_id;
	int limit;
	struct json_page page;
};

static int audit_list_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct audit_query *q = ctx;
	return audit_store_list(conn, &q->filter, q->after_id, q->limit, &q->page, err);
}

static int uuid_filter(const struct req *req, const char *name, const char **out, struct err *err)
{
	*out = req_query(req, name);
	if (*out != NULL && !parse_is_uuid(*out))
		return err_set(err, ERR_INVALID, name, "%s must be a UUID", name);
	return ERR_OK;
}

static int time_filter(const struct req *req, const char *name, const char **out, struct err *err)
{
	/* RFC 3339: 2026-01-31T12:00:00Z or with an offset; PostgreSQL parses it. */
	*out = req_query(req, name);
	if (*out == NULL)
		return ERR_OK;
	const char *s = *out;
	size_t n = strlen(s);
	if (n < 20 || n > 35 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':')
		return err_set(err, ERR_INVALID, name, "%s must be an RFC 3339 timestamp", name);
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789-:.TZ+", s[i]))
			return err_set(err, ERR_INVALID, name, "%s must be an RFC 3339 timestamp", name);
	return ERR_OK;
}

int audit_list(struct req *req, struct reply *rep, struct err *err)
{
	struct audit_query q = { 0 };
	struct page_cursor cursor;
	int rc = auth_require(req, POLICY_READ_AUDIT, err);
	if (rc == ERR_OK)
		rc = uuid_filter(req, "organisation_id", &q.filter.org_id, err);
	if (rc == ERR_OK)
		rc = uuid_filter(req, "client_id", &q.filter.client_id, err);
	if (rc == ERR_OK)
		rc = time_filter(req, "since", &q.filter.since, err);
	if (rc == ERR_OK)
		rc = time_filter(req, "until", &q.filter.until, err);
	if (rc == ERR_OK)
		rc = cursor_from_query(req, &cursor, err);
	if (rc == ERR_OK)
		rc = cursor_limit(req, 50, 500, &q.limit, err);
	if (rc != ERR_OK)
		return rc;
	q.filter.action = req_query(req, "action");
	q.filter.resource_type = req_query(req, "resource_type");
	q.filter.resource_id = req_query(req, "resource_id");
	q.filter.reader_id = req->actor.org_id;
	q.after_id = cursor.set ? cursor.after_id : NULL;
	rc = tx_run(req, audit_list_tx, &q, err);
	if (rc == ERR_OK)
		rc = reply_json(rep, 200, cursor_page_json(&q.page));
	json_page_free(&q.page);
	return rc;
}
