#include "api/retention.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/audit.h"
#include "api/auth.h"
#include "api/households.h"
#include "api/json_in.h"
#include "api/problem.h"
#include "api/tx.h"
#include "domain/retention.h"
#include "storage/retention_store.h"

struct erasure_work {
	struct req *req;
	struct store_caller caller;
	const char *id;
	char reason[RETENTION_REASON_BYTES];
	struct retention_result result;
	struct household_row row;
};

static bool may_erase(const struct req *req, unsigned relations)
{
	const char *scope = policy_action_required_scope(POLICY_ERASE_HOUSEHOLD);
	return policy_allows_any(req->actor.kind, POLICY_ERASE_HOUSEHOLD, relations) &&
	       (scope == NULL || policy_scope_has(req->actor.scope, scope));
}

static int erase_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct erasure_work *w = ctx;
	struct household_row seen = { 0 };
	int rc = households_store_get(conn, &w->caller, w->id, &seen, err);
	if (rc == ERR_OK && !may_erase(w->req, seen.relations))
		rc = err_set(err, ERR_FORBIDDEN, "",
			     "only an administrator (admin scope) of a prefecture or departement may erase a household");
	household_row_free(&seen);
	if (rc == ERR_OK)
		rc = retention_store_anonymise(conn, w->id, "erasure", w->reason, &w->result, err);
	if (rc == ERR_OK && w->result.outcome == RETENTION_MISSING)
		rc = err_set(err, ERR_NOT_FOUND, "", "no such household");
	if (rc == ERR_OK && w->result.outcome == RETENTION_OPEN_PROCEDURE)
		rc = err_set_reason(err, ERR_REASON_HOUSEHOLD_STILL_FOLLOWED, "",
				    "procedure %s is not closed: the law obliges to keep the household's record while it runs",
				    w->result.open_procedure);
	if (rc == ERR_CONFLICT)
		err_conflicting(err, w->result.open_procedure);
	if (rc == ERR_OK)
		rc = audit_record(conn, w->req, "erase", "household", w->id,
				  w->result.outcome == RETENTION_ALREADY ? "already" : "ok", err);
	if (rc == ERR_OK)
		rc = households_store_get(conn, &w->caller, w->id, &w->row, err);
	return rc;
}

static int read_reason(const json_t *body, char *out, size_t len, struct err *err)
{
	static const char *const allowed[] = { "reason", NULL };
	bool present = false;
	int rc = json_in_keys(body, allowed, NULL, err);
	if (rc == ERR_OK)
		rc = json_in_text(body, "reason", true, TEXT_MULTILINE, out, len, &present, err);
	if (rc == ERR_OK)
		rc = retention_reason_check(out, err);
	return rc;
}

/* The 409 of an open procedure names it in a member and a link, beside
 * the detail; the reply is then complete. */
static int reply_open_procedure(struct req *req, struct reply *rep, const struct erasure_work *w,
				const struct err *err)
{
	char link[96];
	problem_reply(rep, req, err);
	json_object_set_new(rep->body, "procedure_id", json_string(w->result.open_procedure));
	snprintf(link, sizeof(link), "</v1/procedures/%s>; rel=\"related\"", w->result.open_procedure);
	reply_header(rep, "Link", link);
	return ERR_OK;
}

int retention_erase_household(struct req *req, struct reply *rep, struct err *err)
{
	struct erasure_work *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	w->req = req;
	households_caller(req, &w->caller);
	int rc = req_path_uuid(req, "id", &w->id, err);
	if (rc == ERR_OK)
		rc = read_reason(req->body, w->reason, sizeof(w->reason), err);
	if (rc == ERR_OK)
		rc = tx_run(req, erase_tx, w, err);
	if (rc == ERR_CONFLICT && w->result.outcome == RETENTION_OPEN_PROCEDURE)
		rc = reply_open_procedure(req, rep, w, err);
	else if (rc == ERR_OK)
		rc = households_reply(req, rep, 200, &w->row, err);
	household_row_free(&w->row);
	free(w);
	return rc;
}

/* One rule as JSON: a new reference, or NULL. */
static json_t *rule_json(const struct retention_rule *r)
{
	char term[24];
	retention_duration_format(term, sizeof(term), r);
	return json_pack("{ss ss ss si ss ss ss? ss ss ss?}", "record", r->record, "covers", r->covers, "term", term,
			 "amount", r->amount, "unit", retention_unit_name(r->unit), "starts", r->starts,
			 "kept_while", r->kept_while, "action", retention_action_name(r->action), "basis", r->basis,
			 "setting", r->setting);
}

int retention_list_rules(struct req *req, struct reply *rep, struct err *err)
{
	int rc = auth_require(req, POLICY_READ_RETENTION_RULES, err);
	if (rc != ERR_OK)
		return rc;
	size_t count = 0;
	const struct retention_rule *rules = retention_rules(&count);
	json_t *items = json_array();
	for (size_t i = 0; rc == ERR_OK && i < count; i++)
		if (items == NULL || json_array_append_new(items, rule_json(&rules[i])) != 0)
			rc = err_set(err, ERR_INTERNAL, "", "cannot build the retention rules");
	if (rc == ERR_OK)
		rc = reply_json(rep, 200, json_pack("{sO}", "items", items));
	json_decref(items);
	return rc;
}
