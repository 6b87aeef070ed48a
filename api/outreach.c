#include "api/outreach.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/audit.h"
#include "api/auth.h"
#include "api/cursor.h"
#include "api/field_common.h"
#include "api/json_in.h"
#include "api/tx.h"
#include "domain/outreach.h"
#include "domain/parse.h"

static const char *const case_refused[] = { "id", "household_id", "diagnostic_id", "opened_on", "interventions",
					    "version", "created_at", "updated_at", NULL };

int outreach_check_case_patch(const json_t *data, bool with_assignment, struct err *err)
{
	static const char *const allowed[] = { "outcome", "follow_up", "note", "assigned_org_id", NULL };
	static const char *const follow_up_keys[] = { "landlord_contacted_adil", "debt_settled", NULL };
	char outcome[32], uuid[37], note[FIELD_NOTE_BYTES];
	bool present, b;
	enum outreach_outcome o;
	int rc = json_in_keys(data, allowed, case_refused, err);
	if (rc == ERR_OK)
		rc = json_in_string(data, "outcome", false, outcome, sizeof(outcome), &present, err);
	if (rc == ERR_OK && present && outreach_outcome_parse(outcome, &o) != 0)
		rc = err_set(err, ERR_INVALID, "outcome", "outcome must be no_contact, contact_established or npai");
	if (rc == ERR_OK)
		rc = field_in_text(data, "note", false, TEXT_MULTILINE, 2000, note, sizeof(note), NULL, err);
	if (rc == ERR_OK)
		rc = field_in_uuid(data, "assigned_org_id", false, uuid, &present, err);
	if (rc == ERR_OK && !with_assignment && json_object_get(data, "assigned_org_id") != NULL)
		rc = err_set(err, ERR_FORBIDDEN, "assigned_org_id", "only the département or the préfecture assigns a case");
	const json_t *fu = json_object_get(data, "follow_up");
	if (rc == ERR_OK && fu != NULL && !json_is_object(fu))
		rc = err_set(err, ERR_INVALID, "follow_up", "follow_up must be an object");
	if (rc == ERR_OK && fu != NULL && json_in_keys(fu, follow_up_keys, NULL, err) != ERR_OK)
		rc = err_set(err, ERR_INVALID, "follow_up", "follow_up holds landlord_contacted_adil and debt_settled");
	for (const char *const *k = follow_up_keys; rc == ERR_OK && fu != NULL && *k != NULL; k++)
		if (json_object_get(fu, *k) != NULL && json_in_bool(fu, *k, false, &b, NULL, err) != ERR_OK)
			rc = err_set(err, ERR_INVALID, "follow_up", "follow_up.%s must be true or false", *k);
	return rc;
}

int outreach_check_intervention(const json_t *data, bool creating, struct err *err)
{
	static const char *const allowed[] = { "kind", "date", "agent", "outcome", "note", NULL };
	static const char *const refused[] = { "id", "case_id", "version", "created_at", "updated_at", NULL };
	char kind[32], agent[OUTREACH_AGENT_BYTES], outcome[OUTREACH_OUTCOME_BYTES], note[FIELD_NOTE_BYTES];
	bool present;
	struct date d;
	enum intervention_kind k;
	int rc = json_in_keys(data, allowed, refused, err);
	if (rc == ERR_OK)
		rc = json_in_string(data, "kind", creating, kind, sizeof(kind), &present, err);
	if (rc == ERR_OK && (present || json_object_get(data, "kind") != NULL) &&
	    (!present || intervention_kind_parse(kind, &k) != 0))
		rc = err_set(err, ERR_INVALID, "kind", "kind must be letter, phone_call, home_visit or meeting");
	if (rc == ERR_OK)
		rc = field_in_date(data, "date", creating, DATE_KIND_FIELD_WORK, &d, &present, err);
	if (rc == ERR_OK && !present && json_object_get(data, "date") != NULL)
		rc = err_set(err, ERR_INVALID, "date", "date is required");
	if (rc == ERR_OK)
		rc = field_in_text(data, "agent", creating, TEXT_LINE, 200, agent, sizeof(agent), &present, err);
	if (rc == ERR_OK && !present && json_object_get(data, "agent") != NULL)
		rc = err_set(err, ERR_INVALID, "agent", "agent is required");
	if (rc == ERR_OK)
		rc = field_in_text(data, "outcome", creating, TEXT_LINE, 200, outcome, sizeof(outcome), &present, err);
	if (rc == ERR_OK && !present && json_object_get(data, "outcome") != NULL)
		rc = err_set(err, ERR_INVALID, "outcome", "outcome is required");
	if (rc == ERR_OK)
		rc = field_in_text(data, "note", false, TEXT_MULTILINE, 2000, note, sizeof(note), NULL, err);
	return rc;
}

/* The flat patch the store applies: follow_up's members at the top. */
static json_t *case_patch(const json_t *data)
{
	static const char *const flat[] = { "outcome", "note", "assigned_org_id", NULL };
	json_t *out = field_copy_members(data, flat);
	const json_t *fu = json_object_get(data, "follow_up");
	const char *key;
	json_t *v;
	if (out != NULL && fu != NULL)
		json_object_foreach((json_t *)fu, key, v)
			json_object_set_new(out, key, json_deep_copy(v));
	return out;
}

/* Cases go to an association or the ADIL, who run the mobile team. */
static int check_team(PGconn *conn, const char *org_id, struct err *err)
{
	char kind[32];
	int rc = field_store_org_kind(conn, org_id, kind, sizeof(kind), err);
	if (rc == ERR_NOT_FOUND || (rc == ERR_OK && strcmp(kind, "association") != 0 && strcmp(kind, "adil") != 0))
		return err_set_reason(err, ERR_REASON_WRONG_ORGANISATION_KIND, "assigned_org_id",
			       "assigned_org_id must name an enabled association or ADIL");
	return rc;
}

static int dump(const json_t *j, char **out, struct err *err)
{
	*out = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	return *out != NULL ? ERR_OK : err_set(err, ERR_INTERNAL, "", "out of memory");
}

int outreach_change_case(PGconn *conn, const struct req *req, const char *id, int version, const json_t *data,
			 struct field_row *out, struct err *err)
{
	struct field_caller caller;
	field_caller_of(req, &caller);
	unsigned mask = field_mask(req, POLICY_WRITE_OUTREACH);
	json_t *patch = case_patch(data);
	char *text = NULL;
	int rc = field_store_get(conn, FIELD_OUTREACH_CASE, &caller, mask, id, true, out, err);
	if (rc == ERR_OK && !req_version_matches(version, out->version))
		rc = err_set(err, ERR_PRECONDITION_FAILED, "If-Match",
			     "the case has changed since version %d; fetch it again", version);
	const char *team = json_string_value(json_object_get(data, "assigned_org_id"));
	if (rc == ERR_OK && team != NULL)
		rc = check_team(conn, team, err);
	if (rc == ERR_OK)
		rc = dump(patch, &text, err);
	if (rc == ERR_OK)
		rc = field_store_update(conn, FIELD_OUTREACH_CASE, id, text, err);
	if (rc == ERR_OK)
		rc = field_store_get(conn, FIELD_OUTREACH_CASE, &caller, mask | field_mask(req, POLICY_READ_OUTREACH), id,
				     false, out, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, req, "update", "outreach_case", id, "ok", err);
	json_decref(patch);
	free(text);
	return rc;
}

int outreach_create_intervention(PGconn *conn, const struct req *req, const char *case_id, const char *given_id,
				 const json_t *data, struct field_row *out, struct err *err)
{
	struct field_caller caller;
	field_caller_of(req, &caller);
	struct field_row c = { 0 };
	json_t *input = json_deep_copy(data), *kase = NULL;
	char *text = NULL;
	struct date done_on, opened_on;
	int rc = field_store_get(conn, FIELD_OUTREACH_CASE, &caller, field_mask(req, POLICY_WRITE_OUTREACH), case_id,
				 true, &c, err);
	if (rc == ERR_OK && (kase = json_loads(c.json, 0, NULL)) == NULL)
		rc = err_set(err, ERR_INTERNAL, "", "outreach_case_json() gave no JSON object");
	if (rc == ERR_OK && field_json_date(data, "date", &done_on) && field_json_date(kase, "opened_on", &opened_on))
		rc = intervention_check_date(&done_on, &opened_on, &c.today, err);
	if (rc == ERR_OK && given_id != NULL && input != NULL)
		json_object_set_new(input, "id", json_string(given_id));
	if (rc == ERR_OK)
		rc = dump(input, &text, err);
	if (rc == ERR_OK)
		rc = field_store_intervention_create(conn, &caller, case_id, text, out, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, req, "create", "outreach_intervention", out->id, "ok", err);
	field_row_clear(&c);
	json_decref(kase);
	json_decref(input);
	free(text);
	return rc;
}

int outreach_change_intervention(PGconn *conn, const struct req *req, const char *id, int version,
				 const json_t *data, struct field_row *out, struct err *err)
{
	struct field_caller caller;
	field_caller_of(req, &caller);
	char case_id[40], *text = NULL;
	struct field_row c = { 0 };
	json_t *kase = NULL;
	struct date done_on, opened_on;
	int rc = field_store_intervention_get(conn, &caller, field_mask(req, POLICY_WRITE_OUTREACH), id, true, out,
					      case_id, err);
	if (rc == ERR_OK && !req_version_matches(version, out->version))
		rc = err_set(err, ERR_PRECONDITION_FAILED, "If-Match",
			     "the intervention has changed since version %d; fetch it again", version);
	if (rc == ERR_OK && field_json_date(data, "date", &done_on)) {
		rc = field_store_get(conn, FIELD_OUTREACH_CASE, &caller, field_mask(req, POLICY_WRITE_OUTREACH), case_id,
				     false, &c, err);
		if (rc == ERR_OK && (kase = json_loads(c.json, 0, NULL)) == NULL)
			rc = err_set(err, ERR_INTERNAL, "", "outreach_case_json() gave no JSON object");
		if (rc == ERR_OK && field_json_date(kase, "opened_on", &opened_on))
			rc = intervention_check_date(&done_on, &opened_on, &c.today, err);
	}
	if (rc == ERR_OK)
		rc = dump(data, &text, err);
	if (rc == ERR_OK)
		rc = field_store_intervention_update(conn, id, text, out, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, req, "update", "outreach_intervention", id, "ok", err);
	field_row_clear(&c);
	json_decref(kase);
	free(text);
	return rc;
}

int outreach_remove_intervention(PGconn *conn, const struct req *req, const char *id, int version,
				 struct err *err)
{
	struct field_caller caller;
	field_caller_of(req, &caller);
	struct field_row row = { 0 };
	char case_id[40];
	int rc = field_store_intervention_get(conn, &caller, field_mask(req, POLICY_WRITE_OUTREACH), id, true, &row,
					      case_id, err);
	if (rc == ERR_OK && !req_version_matches(version, row.version))
		rc = err_set(err, ERR_PRECONDITION_FAILED, "If-Match",
			     "the intervention has changed since version %d; fetch it again", version);
	if (rc == ERR_OK)
		rc = field_store_intervention_delete(conn, id, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, req, "delete", "outreach_intervention", id, "ok", err);
	field_row_clear(&row);
	return rc;
}

int outreach_current(PGconn *conn, const struct req *req, bool intervention, const char *id, struct field_row *out,
		     struct err *err)
{
	struct field_caller caller;
	field_caller_of(req, &caller);
	unsigned mask = field_mask(req, POLICY_READ_OUTREACH);
	char case_id[40];
	if (intervention)
		return field_store_intervention_get(conn, &caller, mask, id, false, out, case_id, err);
	return field_store_get(conn, FIELD_OUTREACH_CASE, &caller, mask, id, false, out, err);
}

/* The REST handlers. */

struct case_op {
	const struct req *req;
	struct field_caller caller;
	unsigned mask;
	const char *id;
	int version;
	json_t *input;             /* owned */
	struct json_page page;
	struct field_row row;
};

static void case_op_clear(struct case_op *op)
{
	json_decref(op->input);
	json_page_free(&op->page);
	field_row_clear(&op->row);
}

/* The outcome filter: a case still open, or one of the case outcomes. */
static bool outcome_ok(const char *value)
{
	enum outreach_outcome o;
	return strcmp(value, "open") == 0 || outreach_outcome_parse(value, &o) == 0;
}

int outreach_list_cases(struct req *req, struct reply *rep, struct err *err)
{
	static const struct field_list_spec spec = { FIELD_OUTREACH_CASE, POLICY_READ_OUTREACH, "outcome",
						     outcome_ok, "assigned_org_id" };
	return field_handle_list(req, rep, &spec, err);
}

static int create_before(PGconn *conn, const struct req *req, const json_t *input, struct err *err)
{
	(void)req;
	const char *team = json_string_value(json_object_get(input, "assigned_org_id"));
	return team != NULL ? check_team(conn, team, err) : ERR_OK;
}

static const struct field_create_spec create_spec = {
	.resource = FIELD_OUTREACH_CASE, .read = POLICY_READ_OUTREACH, .audit_type = "outreach_case",
	.location = "/v1/outreach/cases", .before = create_before,
};

int outreach_create_case(struct req *req, struct reply *rep, struct err *err)
{
	static const char *const allowed[] = { "household_id", "assigned_org_id", "opened_on", "note", NULL };
	static const char *const refused[] = { "id", "diagnostic_id", "outcome", "follow_up", "interventions",
					       "version", "created_at", "updated_at", NULL };
	char uuid[37], note[FIELD_NOTE_BYTES];
	struct date d;
	json_t *input = NULL;
	/* Opening a case is the authorities' act on a household they hold. */
	unsigned mask = field_mask(req, POLICY_WRITE_OUTREACH) & FIELD_REL(DEPARTEMENT);
	int rc = mask != 0 ? ERR_OK : err_set(err, ERR_FORBIDDEN, "", "this organisation may not open outreach cases");
	if (rc == ERR_OK)
		rc = json_in_keys(req->body, allowed, refused, err);
	if (rc == ERR_OK)
		rc = field_in_uuid(req->body, "household_id", true, uuid, NULL, err);
	if (rc == ERR_OK)
		rc = field_in_uuid(req->body, "assigned_org_id", false, uuid, NULL, err);
	if (rc == ERR_OK)
		rc = field_in_date(req->body, "opened_on", false, DATE_KIND_FIELD_WORK, &d, NULL, err);
	if (rc == ERR_OK)
		rc = field_in_text(req->body, "note", false, TEXT_MULTILINE, 2000, note, sizeof(note), NULL, err);
	if (rc == ERR_OK && (input = field_copy_members(req->body, allowed)) == NULL)
		rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	return rc == ERR_OK ? field_handle_create(req, rep, &create_spec, mask, input, err) : rc;
}

static int get_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct case_op *op = ctx;
	int rc = field_store_get(conn, FIELD_OUTREACH_CASE, &op->caller, op->mask, op->id, false, &op->row, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, op->req, "read", "outreach_case", op->id, "ok", err);
	return rc;
}

int outreach_get_case(struct req *req, struct reply *rep, struct err *err)
{
	struct case_op op = { .req = req };
	field_caller_of(req, &op.caller);
	op.mask = field_mask(req, POLICY_READ_OUTREACH);
	int rc = req_path_uuid(req, "id", &op.id, err);
	if (rc == ERR_OK)
		rc = tx_run(req, get_tx, &op, err);
	if (rc == ERR_OK)
		rc = field_reply_row(rep, 200, &op.row, err);
	case_op_clear(&op);
	return rc;
}

static int update_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct case_op *op = ctx;
	return outreach_change_case(conn, op->req, op->id, op->version, op->input, &op->row, err);
}

int outreach_update_case(struct req *req, struct reply *rep, struct err *err)
{
	struct case_op op = { .req = req };
	int rc = req_path_uuid(req, "id", &op.id, err);
	if (rc == ERR_OK)
		rc = req_if_match(req, &op.version, err);
	if (rc == ERR_OK)
		rc = outreach_check_case_patch(req->body, policy_kind_is_departement_wide(req->actor.kind), err);
	op.input = req->body; /* borrowed */
	if (rc == ERR_OK)
		rc = tx_run(req, update_tx, &op, err);
	op.input = NULL;
	if (rc == ERR_OK)
		rc = field_reply_row(rep, 200, &op.row, err);
	case_op_clear(&op);
	return rc;
}

static int delete_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct case_op *op = ctx;
	int rc = field_store_get(conn, FIELD_OUTREACH_CASE, &op->caller, op->mask, op->id, true, &op->row, err);
	if (rc == ERR_OK && !req_version_matches(op->version, op->row.version))
		rc = err_set(err, ERR_PRECONDITION_FAILED, "If-Match",
			     "the case has changed since version %d; fetch it again", op->version);
	if (rc == ERR_OK)
		rc = field_store_delete_case(conn, op->id, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, op->req, "delete", "outreach_case", op->id, "ok", err);
	return rc;
}

int outreach_delete_case(struct req *req, struct reply *rep, struct err *err)
{
	struct case_op op = { .req = req };
	field_caller_of(req, &op.caller);
	/* The team works a case; only the authorities withdraw it. */
	op.mask = field_mask(req, POLICY_WRITE_OUTREACH) & FIELD_REL(DEPARTEMENT);
	int rc = req_path_uuid(req, "id", &op.id, err);
	if (rc == ERR_OK)
		rc = req_if_match(req, &op.version, err);
	if (rc == ERR_OK)
		rc = tx_run(req, delete_tx, &op, err);
	if (rc == ERR_OK)
		reply_empty(rep, 204);
	case_op_clear(&op);
	return rc;
}

static int intervention_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct case_op *op = ctx;
	return outreach_create_intervention(conn, op->req, op->id, NULL, op->input, &op->row, err);
}

int outreach_add_intervention(struct req *req, struct reply *rep, struct err *err)
{
	struct case_op op = { .req = req };
	int rc = req_path_uuid(req, "id", &op.id, err);
	if (rc == ERR_OK)
		rc = outreach_check_intervention(req->body, true, err);
	op.input = req->body; /* borrowed */
	if (rc == ERR_OK)
		rc = tx_run(req, intervention_tx, &op, err);
	op.input = NULL;
	if (rc == ERR_OK)
		rc = field_reply_row(rep, 201, &op.row, err);
	case_op_clear(&op);
	return rc;
}

static int teams_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct case_op *op = ctx;
	return field_store_team_list(conn, &op->page, err);
}

int outreach_list_teams(struct req *req, struct reply *rep, struct err *err)
{
	struct case_op op = { .req = req };
	int rc = auth_require(req, POLICY_ADMIN_ORGANISATIONS, err);
	if (rc == ERR_OK)
		rc = tx_run(req, teams_tx, &op, err);
	if (rc == ERR_OK)
		rc = reply_json(rep, 200, cursor_page_json(&op.page));
	case_op_clear(&op);
	return rc;
}

static int flag_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct case_op *op = ctx;
	char kind[32];
	int rc = field_store_org_kind(conn, op->id, kind, sizeof(kind), err);
	if (rc == ERR_OK && strcmp(kind, "association") != 0)
		rc = err_set_reason(err, ERR_REASON_WRONG_ORGANISATION_KIND, "", "only an association runs a mobile team");
	if (rc == ERR_OK)
		rc = field_store_team_add(conn, op->id, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, op->req, "update", "mobile_team", op->id, "ok", err);
	if (rc == ERR_OK)
		rc = field_store_team_list(conn, &op->page, err);
	return rc;
}

int outreach_flag_team(struct req *req, struct reply *rep, struct err *err)
{
	struct case_op op = { .req = req };
	int rc = auth_require(req, POLICY_ADMIN_ORGANISATIONS, err);
	if (rc == ERR_OK)
		rc = req_path_uuid(req, "id", &op.id, err);
	if (rc == ERR_OK)
		rc = tx_run(req, flag_tx, &op, err);
	if (rc == ERR_OK)
		rc = reply_json(rep, 200, cursor_page_json(&op.page));
	case_op_clear(&op);
	return rc;
}

static int unflag_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct case_op *op = ctx;
	int rc = field_store_team_remove(conn, op->id, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, op->req, "delete", "mobile_team", op->id, "ok", err);
	return rc;
}

int outreach_unflag_team(struct req *req, struct reply *rep, struct err *err)
{
	struct case_op op = { .req = req };
	int rc = auth_require(req, POLICY_ADMIN_ORGANISATIONS, err);
	if (rc == ERR_OK)
		rc = req_path_uuid(req, "id", &op.id, err);
	if (rc == ERR_OK)
		rc = tx_run(req, unflag_tx, &op, err);
	if (rc == ERR_OK)
		reply_empty(rep, 204);
	case_op_clear(&op);
	return rc;
}

int outreach_summary(struct req *req, struct reply *rep, struct err *err)
{
	return field_handle_summary(req, rep, FIELD_OUTREACH_CASE, POLICY_READ_OUTREACH, err);
}
