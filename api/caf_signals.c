#include "api/caf_signals.h"

#include <stdlib.h>
#include <string.h>

#include "api/audit.h"
#include "api/auth.h"
#include "api/cursor.h"
#include "api/households.h"
#include "api/imports.h"
#include "api/json_in.h"
#include "api/referrals.h"
#include "api/tx.h"
#include "storage/caf_store.h"

struct signal_work {
	struct req *req;
	struct store_caller caller;
	const char *external_id;        /* borrowed from req->body */
	struct import_caf_signal signal;
	struct import_result result;
	const char *owner;              /* NULL: the caller reads every organisation's */
	const char *id;
	struct caf_signal_filter filter;
	struct page_cursor after;
	int limit;
	struct json_page page;
	char *json;
};

/* The secretariat reads every signal; a CAF its own. */
static const char *signal_owner(const struct req *req)
{
	return policy_kind_is_departement_wide(req->actor.kind) ? NULL : req->actor.org_id;
}

/* The secretariat's signals are those of its départements. */
static const char *signal_departements(const struct req *req)
{
	return policy_kind_is_departement_wide(req->actor.kind) ? req->actor.org_id : NULL;
}

static int post_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct signal_work *w = ctx;
	const char *ids[] = { w->external_id };
	const struct import_caf_signal *items[] = { &w->signal };
	w->result.status = IMPORT_PENDING;
	int rc = imports_store_merge_caf(conn, &w->caller, 1, ids, items, &w->result, err);
	if (rc == ERR_OK && w->result.status == IMPORT_REJECTED)
		rc = err_set_reason(err,
				    err_reason_code(w->result.why) == ERR_UNPROCESSABLE ? w->result.why
											: ERR_REASON_UNPROCESSABLE,
				    w->result.field, "%s", w->result.reason);
	if (rc == ERR_OK && w->result.status == IMPORT_PENDING)
		rc = err_set(err, ERR_INTERNAL, "", "the signal was not merged");
	if (rc == ERR_OK && w->result.status != IMPORT_UNCHANGED)
		rc = audit_record(conn, w->req, w->result.status == IMPORT_CREATED ? "create" : "update", "caf_signal",
				  w->result.resource_id, "ok", err);
	if (rc == ERR_OK)
		rc = caf_store_signal_get(conn, w->result.resource_id, NULL, NULL, &w->json, err);
	return rc;
}

int caf_signals_post(struct req *req, struct reply *rep, struct err *err)
{
	struct signal_work *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	w->req = req;
	households_caller(req, &w->caller);
	struct date today;
	json_in_today(&today);
	int rc = auth_require(req, POLICY_IMPORT_CAF_SIGNALS, err);
	if (rc == ERR_OK && !json_is_object(req->body))
		rc = err_set(err, ERR_INVALID, "", "the body is a JSON object: one signal");
	if (rc == ERR_OK) {
		w->external_id = json_string_value(json_object_get(req->body, "external_id"));
		if (w->external_id == NULL)
			rc = err_set(err, ERR_INVALID, "external_id", "external_id is required: a string");
	}
	if (rc == ERR_OK)
		rc = import_check_external_id(w->external_id, err);
	if (rc == ERR_OK)
		rc = imports_read_caf_signal(req->body, &today, &w->signal, err);
	if (rc == ERR_OK)
		rc = tx_run(req, post_tx, w, err);
	if (rc == ERR_OK) {
		char location[64];
		snprintf(location, sizeof(location), "/v1/caf-signals/%s", w->result.resource_id);
		bool created = w->result.status == IMPORT_CREATED;
		rc = ccapex_reply_text_json(rep, created ? 201 : 200, w->json, 0, created ? location : NULL);
	}
	free(w->json);
	free(w);
	return rc;
}

static int list_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct signal_work *w = ctx;
	int rc = caf_store_signal_list(conn, w->owner, signal_departements(w->req), &w->filter, &w->after, w->limit, &w->page, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, w->req, "list", "caf_signal", NULL, "ok", err);
	return rc;
}

int caf_signals_list(struct req *req, struct reply *rep, struct err *err)
{
	struct signal_work w = { .req = req };
	int rc = auth_require(req, POLICY_READ_CAF_SIGNALS, err);
	w.owner = signal_owner(req);
	w.filter.constituted = req_query(req, "constituted");
	if (rc == ERR_OK && w.filter.constituted != NULL && strcmp(w.filter.constituted, "true") != 0 &&
	    strcmp(w.filter.constituted, "false") != 0 && strcmp(w.filter.constituted, "unknown") != 0)
		rc = err_set(err, ERR_INVALID, "constituted", "constituted must be true, false or unknown");
	if (rc == ERR_OK)
		rc = ccapex_query_uuid(req, "household_id", &w.filter.household_id, err);
	if (rc == ERR_OK)
		rc = cursor_from_query(req, &w.after, err);
	if (rc == ERR_OK)
		rc = cursor_limit(req, 50, 500, &w.limit, err);
	if (rc == ERR_OK)
		rc = tx_run(req, list_tx, &w, err);
	if (rc == ERR_OK)
		rc = reply_json(rep, 200, cursor_page_json(&w.page));
	json_page_free(&w.page);
	return rc;
}

static int get_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct signal_work *w = ctx;
	int rc = caf_store_signal_get(conn, w->id, w->owner, signal_departements(w->req), &w->json, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, w->req, "read", "caf_signal", w->id, "ok", err);
	return rc;
}

int caf_signals_get(struct req *req, struct reply *rep, struct err *err)
{
	struct signal_work w = { .req = req };
	int rc = auth_require(req, POLICY_READ_CAF_SIGNALS, err);
	w.owner = signal_owner(req);
	if (rc == ERR_OK)
		rc = req_path_uuid(req, "id", &w.id, err);
	if (rc == ERR_OK)
		rc = tx_run(req, get_tx, &w, err);
	if (rc == ERR_OK)
		rc = ccapex_reply_text_json(rep, 200, w.json, 0, NULL);
	free(w.json);
	return rc;
}
