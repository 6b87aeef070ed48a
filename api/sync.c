#include "api/sync.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/audit.h"
#include "api/cursor.h"
#include "api/field_common.h"
#include "api/json_in.h"
#include "api/outreach.h"
#include "api/problem.h"
#include "api/secret.h"
#include "api/tx.h"
#include "domain/parse.h"
#include "storage/sync_store.h"

#define SYNC_MAX_CHANGES 500 /* SYNC_MAX_BODY_BYTES assumes it */
#define SYNC_PAGE_DEFAULT 200
#define SYNC_PAGE_MAX 1000

/* Cursors are base64url of "s1|<xid>|<seq>". */
static void cursor_write(const struct sync_position *pos, char *out)
{
	char plain[64];
	int n = snprintf(plain, sizeof(plain), "s1|%s|%s", pos->xid, pos->seq);
	secret_base64url((const unsigned char *)plain, (size_t)n, out);
}

static int cursor_read(const char *c, struct sync_position *pos, struct err *err)
{
	size_t n = strlen(c);
	char b64[96];
	unsigned char plain[96];
	if (n == 0 || n > 80)
		return err_set(err, ERR_INVALID, "cursor", "not a sync cursor");
	size_t i;
	for (i = 0; i < n; i++) {
		char ch = c[i];
		if (ch == '-')
			ch = '+';
		else if (ch == '_')
			ch = '/';
		else if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')))
			return err_set(err, ERR_INVALID, "cursor", "not a sync cursor");
		b64[i] = ch;
	}
	while (i % 4 != 0)
		b64[i++] = '=';
	b64[i] = '\0';
	int len = EVP_DecodeBlock(plain, (const unsigned char *)b64, (int)i);
	while (len > 0 && plain[len - 1] == '\0')
		len--;
	if (len < 5)
		return err_set(err, ERR_INVALID, "cursor", "not a sync cursor");
	plain[len] = '\0';
	char *text = (char *)plain, *bar = strchr(text + 3, '|');
	if (strncmp(text, "s1|", 3) != 0 || bar == NULL)
		return err_set(err, ERR_INVALID, "cursor", "not a sync cursor");
	*bar = '\0';
	int64_t xid, seq;
	if (parse_i64(text + 3, 0, INT64_MAX, &xid) != 0 || parse_i64(bar + 1, 0, INT64_MAX, &seq) != 0)
		return err_set(err, ERR_INVALID, "cursor", "not a sync cursor");
	snprintf(pos->xid, sizeof(pos->xid), "%lld", (long long)xid);
	snprintf(pos->seq, sizeof(pos->seq), "%lld", (long long)seq);
	return ERR_OK;
}

struct pull_op {
	const struct req *req;
	struct field_caller caller;
	struct sync_position after;
	bool tombstones;
	int limit;
	struct sync_page page;
};

static int pull_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct pull_op *op = ctx;
	return sync_store_read(conn, &op->caller, &op->after, op->tombstones, op->limit, &op->page, err);
}

static json_t *pull_json(const struct sync_page *page)
{
	json_t *changes = json_array();
	for (int i = 0; changes != NULL && i < page->count; i++) {
		const struct sync_entry *e = &page->items[i];
		json_t *record = e->record != NULL ? json_loads(e->record, 0, NULL) : NULL;
		json_t *c = json_pack("{ss ss ss ss so?}", "entity", e->entity, "id", e->id, "case_id", e->case_id, "op",
				      record != NULL ? "upsert" : "tombstone", "record", record);
		if (c == NULL || json_array_append_new(changes, c) != 0) {
			json_decref(changes);
			return NULL;
		}
	}
	char cursor[128];
	cursor_write(&page->next, cursor);
	return json_pack("{so ss sb}", "changes", changes, "next_cursor", cursor, "has_more", page->more);
}

int sync_pull(struct req *req, struct reply *rep, struct err *err)
{
	struct pull_op op = { .req = req };
	field_caller_of(req, &op.caller);
	unsigned mask;
	snprintf(op.after.xid, sizeof(op.after.xid), "0");
	snprintf(op.after.seq, sizeof(op.after.seq), "0");
	const char *cursor = req_query(req, "cursor");
	int rc = field_require_any(req, POLICY_READ_OUTREACH, &mask, err);
	if (rc == ERR_OK && cursor != NULL) {
		rc = cursor_read(cursor, &op.after, err);
		op.tombstones = true;
	}
	if (rc == ERR_OK)
		rc = cursor_limit(req, SYNC_PAGE_DEFAULT, SYNC_PAGE_MAX, &op.limit, err);
	if (rc == ERR_OK)
		rc = tx_run(req, pull_tx, &op, err);
	if (rc == ERR_OK)
		rc = reply_json(rep, 200, pull_json(&op.page));
	sync_page_free(&op.page);
	return rc;
}

/* One change of a batch, as the client sent it. */
struct change {
	const json_t *item;        /* borrowed */
	char change_id[37];
	char entity[32];
	char op[16];
	char id[37];
	char case_id[37];
	int base_version;
	const json_t *data;        /* borrowed */
	bool intervention;
};

static int read_change(struct change *c, struct err *err)
{
	static const char *const allowed[] = { "change_id", "entity", "op", "id", "case_id", "base_version", "data",
					       NULL };
	bool present;
	int64_t v = 0;
	int rc = json_in_keys(c->item, allowed, NULL, err);
	if (rc == ERR_OK)
		rc = json_in_string(c->item, "entity", true, c->entity, sizeof(c->entity), NULL, err);
	if (rc == ERR_OK) {
		c->intervention = strcmp(c->entity, "outreach_intervention") == 0;
		if (!c->intervention && strcmp(c->entity, "outreach_case") != 0)
			rc = err_set(err, ERR_INVALID, "entity", "entity must be outreach_case or outreach_intervention");
	}
	if (rc == ERR_OK)
		rc = json_in_string(c->item, "op", true, c->op, sizeof(c->op), NULL, err);
	bool create = strcmp(c->op, "create") == 0, update = strcmp(c->op, "update") == 0,
	     del = strcmp(c->op, "delete") == 0;
	if (rc == ERR_OK && (c->intervention ? !(create || update || del) : !update))
		rc = err_set(err, ERR_INVALID, "op", c->intervention ? "op must be create, update or delete"
								     : "an outreach case only takes op update");
	if (rc == ERR_OK)
		rc = field_in_uuid(c->item, "id", true, c->id, NULL, err);
	if (rc == ERR_OK)
		rc = field_in_uuid(c->item, "case_id", create, c->case_id, NULL, err);
	if (rc == ERR_OK)
		rc = json_in_int(c->item, "base_version", !create, 1, INT32_MAX, &v, &present, err);
	c->base_version = (int)v;
	c->data = json_object_get(c->item, "data");
	if (rc == ERR_OK && !del && !json_is_object(c->data))
		rc = err_set(err, ERR_INVALID, "data", "data must be an object");
	if (rc == ERR_OK && del && c->data != NULL)
		rc = err_set(err, ERR_INVALID, "data", "a delete carries no data");
	if (rc == ERR_OK && !del)
		rc = c->intervention ? outreach_check_intervention(c->data, create, err)
				     : outreach_check_case_patch(c->data, false, err);
	return rc;
}

static int apply_change(PGconn *conn, const struct req *req, const struct change *c, struct field_row *out,
			struct err *err)
{
	if (!c->intervention)
		return outreach_change_case(conn, req, c->id, c->base_version, c->data, out, err);
	if (strcmp(c->op, "create") == 0)
		return outreach_create_intervention(conn, req, c->case_id, c->id, c->data, out, err);
	if (strcmp(c->op, "update") == 0)
		return outreach_change_intervention(conn, req, c->id, c->base_version, c->data, out, err);
	return outreach_remove_intervention(conn, req, c->id, c->base_version, err);
}

/* {"change_id", "status", "code", "record"?, "problem"?}; steals record. */
static json_t *result_json(const char *change_id, const char *status, int code, json_t *record,
			   const struct err *e)
{
	json_t *r = json_pack("{ss? ss si}", "change_id", change_id, "status", status, "code", code);
	if (r == NULL) {
		json_decref(record);
		return NULL;
	}
	json_object_set_new(r, "record", record != NULL ? record : json_null());
	if (e != NULL)
		json_object_set_new(r, "problem", problem_item_json(e));
	return r;
}

static bool transient(int rc)
{
	return rc == ERR_UNAVAILABLE || rc == ERR_INTERNAL;
}

/* Applies one claimed change inside its savepoint: the result to store. */
static int run_change(PGconn *conn, const struct req *req, struct change *c, json_t **result, struct err *err)
{
	struct err item = { 0 };
	struct field_row row = { 0 };
	int rc = read_change(c, &item);
	if (rc != ERR_OK) {
		*result = result_json(c->change_id, "rejected", problem_status(item.code), NULL, &item);
		return ERR_OK;
	}
	rc = sync_store_savepoint(conn, SYNC_SAVEPOINT_APPLY, err);
	if (rc != ERR_OK)
		return rc;
	int applied = apply_change(conn, req, c, &row, &item);
	/* A conflict is a stale version or an intervention id taken; any other
	 * (a deadlock, a serialization failure) is the database's, not the
	 * change's: the whole batch answers 409 and is replayed safely. */
	bool conflict = applied == ERR_PRECONDITION_FAILED ||
			(applied == ERR_CONFLICT && strcmp(item.field, "id") == 0);
	if (transient(applied) || (applied == ERR_CONFLICT && !conflict)) {
		field_row_clear(&row);
		*err = item;
		return applied;
	}
	if (applied == ERR_OK) {
		rc = sync_store_release(conn, SYNC_SAVEPOINT_APPLY, err);
		json_t *record = strcmp(c->op, "delete") == 0 ? NULL : json_loads(row.json, 0, NULL);
		*result = result_json(c->change_id, "applied", strcmp(c->op, "create") == 0 ? 201 : 200, record, NULL);
		field_row_clear(&row);
		return rc;
	}
	rc = sync_store_rollback_to(conn, SYNC_SAVEPOINT_APPLY, err);
	if (rc == ERR_OK)
		rc = sync_store_release(conn, SYNC_SAVEPOINT_APPLY, err);
	json_t *current = NULL;
	if (rc == ERR_OK && conflict) {
		/* The record as it is now, for the device to merge with. */
		struct err ignored = { 0 };
		field_row_clear(&row);
		int got = outreach_current(conn, req, c->intervention, c->id, &row, &ignored);
		if (transient(got)) {
			*err = ignored;
			rc = got;
		} else if (got == ERR_OK) {
			current = json_loads(row.json, 0, NULL);
		}
	}
	field_row_clear(&row);
	if (rc != ERR_OK) {
		json_decref(current);
		return rc;
	}
	if (conflict) {
		item.code = ERR_CONFLICT;
		item.reason = ERR_REASON_SYNC_CONFLICT;
	}
	*result = result_json(c->change_id, conflict ? "conflict" : "rejected", problem_status(item.code), current,
			      &item);
	return audit_record(conn, req, "sync_change", c->entity, c->id, conflict ? "conflict" : "rejected", err);
}

static int push_one(PGconn *conn, const struct req *req, const json_t *item, json_t **result, struct err *err)
{
	struct change c = { .item = item };
	struct err item_err = { 0 };
	struct field_caller caller;
	field_caller_of(req, &caller);
	*result = NULL;
	if (!json_is_object(item) || field_in_uuid(item, "change_id", true, c.change_id, NULL, &item_err) != ERR_OK) {
		if (item_err.code == ERR_OK)
			err_set(&item_err, ERR_INVALID, "", "each change must be an object");
		*result = result_json(NULL, "rejected", 400, NULL, &item_err);
		return ERR_OK;
	}
	char *text = json_dumps(item, JSON_COMPACT | JSON_SORT_KEYS), *stored = NULL;
	bool claimed = false, same = false;
	int rc = text != NULL ? ERR_OK : err_set(err, ERR_INTERNAL, "", "out of memory");
	if (rc == ERR_OK)
		rc = sync_store_savepoint(conn, SYNC_SAVEPOINT_ITEM, err);
	if (rc == ERR_OK)
		rc = sync_store_claim(conn, &caller, c.change_id, text, &claimed, &stored, &same, err);
	if (rc == ERR_OK && !claimed) {
		if (same && stored != NULL) {
			*result = json_loads(stored, 0, NULL);
		} else {
			err_set_reason(&item_err, ERR_REASON_CHANGE_ID_REUSED, "change_id", "this change_id was already used for another change");
			*result = result_json(c.change_id, "rejected", 409, NULL, &item_err);
		}
	}
	if (rc == ERR_OK && claimed)
		rc = run_change(conn, req, &c, result, err);
	char *out = NULL;
	if (rc == ERR_OK && claimed && (*result == NULL || (out = json_dumps(*result, JSON_COMPACT)) == NULL))
		rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	if (rc == ERR_OK && claimed)
		rc = sync_store_finish(conn, c.change_id, out, err);
	if (rc == ERR_OK)
		rc = sync_store_release(conn, SYNC_SAVEPOINT_ITEM, err);
	if (rc == ERR_OK && *result == NULL)
		rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	free(out);
	free(stored);
	free(text);
	return rc;
}

struct push_op {
	const struct req *req;
	const json_t *changes;     /* borrowed */
	json_t *results;           /* owned */
};

static int push_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct push_op *op = ctx;
	size_t i;
	json_t *item;
	json_array_clear(op->results);
	json_array_foreach(op->changes, i, item) {
		json_t *result = NULL;
		int rc = push_one(conn, op->req, item, &result, err);
		if (rc != ERR_OK) {
			json_decref(result);
			return rc;
		}
		if (json_array_append_new(op->results, result) != 0)
			return err_set(err, ERR_INTERNAL, "", "out of memory");
	}
	return ERR_OK;
}

int sync_push(struct req *req, struct reply *rep, struct err *err)
{
	static const char *const allowed[] = { "changes", NULL };
	struct push_op op = { .req = req, .results = json_array() };
	unsigned mask;
	int rc = op.results != NULL ? ERR_OK : err_set(err, ERR_INTERNAL, "", "out of memory");
	if (rc == ERR_OK)
		rc = field_require_any(req, POLICY_WRITE_OUTREACH, &mask, err);
	if (rc == ERR_OK)
		rc = json_in_keys(req->body, allowed, NULL, err);
	op.changes = json_object_get(req->body, "changes");
	if (rc == ERR_OK && (!json_is_array(op.changes) || json_array_size(op.changes) > SYNC_MAX_CHANGES))
		rc = err_set(err, ERR_INVALID, "changes", "changes must be an array of at most %d changes",
			     SYNC_MAX_CHANGES);
	if (rc == ERR_OK)
		rc = tx_run(req, push_tx, &op, err);
	if (rc == ERR_OK) {
		rc = reply_json(rep, 200, json_pack("{so}", "results", op.results));
		op.results = NULL;
	}
	json_decref(op.results);
	return rc;
}
