#include "api/masp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/audit.h"
#include "api/field_common.h"
#include "api/json_in.h"
#include "api/tx.h"
#include "domain/masp.h"
#include "domain/outreach.h"

static const char *const create_members[] = { "household_id", "type", "operator_org_id", "start_on",
					      "planned_end_on", "note", NULL };
static const char *const update_members[] = { "operator_org_id", "status", "end_on", "note", NULL };
static const char *const refused[] = { "id", "renewals", "version", "created_at", "updated_at", NULL };
static const char *const refused_update[] = { "id", "household_id", "type", "start_on", "planned_end_on",
					      "renewals", "version", "created_at", "updated_at", NULL };

static bool status_ok(const char *s)
{
	enum masp_status st;
	return masp_status_parse(s, &st) == 0;
}

static void state_of(const json_t *m, struct masp_state *s)
{
	memset(s, 0, sizeof(*s));
	masp_status_parse(json_string_value(json_object_get(m, "status")), &s->status);
	field_json_date(m, "start_on", &s->start_on);
	field_json_date(m, "planned_end_on", &s->planned_end_on);
	s->has_end = field_json_date(m, "end_on", &s->end_on);
	s->renewals = (int)json_array_size(json_object_get(m, "renewals"));
}

/* The département runs MASP 2 itself; associations and social services
 * operate the others. */
static int check_operator(PGconn *conn, const char *org_id, struct err *err)
{
	char kind[32];
	int rc = field_store_org_kind(conn, org_id, kind, sizeof(kind), err);
	if (rc == ERR_NOT_FOUND || (rc == ERR_OK && strcmp(kind, "departement") != 0 &&
				    strcmp(kind, "social_service") != 0 && strcmp(kind, "association") != 0))
		return err_set_reason(err, ERR_REASON_WRONG_ORGANISATION_KIND, "operator_org_id",
			       "operator_org_id must name an enabled département, social service or association");
	return rc;
}

struct masp_op {
	const struct req *req;
	struct field_caller caller;
	unsigned mask;
	const char *id;
	int version;
	json_t *input;          /* owned */
	struct field_row row;
	char renewed_on[DATE_STR_LEN], until[DATE_STR_LEN];
};

static void masp_op_clear(struct masp_op *op)
{
	json_decref(op->input);
	field_row_clear(&op->row);
}

static int create_before(PGconn *conn, const struct req *req, const json_t *input, struct err *err)
{
	(void)req;
	return check_operator(conn, json_string_value(json_object_get(input, "operator_org_id")), err);
}

static const struct field_create_spec create_spec = {
	.resource = FIELD_MEASURE, .read = POLICY_READ_MEASURE, .audit_type = "masp_measure",
	.location = "/v1/masp", .before = create_before,
};

int masp_create(struct req *req, struct reply *rep, struct err *err)
{
	unsigned mask = field_mask(req, POLICY_WRITE_MEASURE) & FIELD_REL(DEPARTEMENT);
	json_t *input = NULL;
	char uuid[37], note[FIELD_NOTE_BYTES];
	int64_t type;
	struct masp_state s = { .status = MASP_ACTIVE };
	int rc = mask != 0 ? ERR_OK : err_set(err, ERR_FORBIDDEN, "", "this organisation may not open MASP measures");
	if (rc == ERR_OK)
		rc = json_in_keys(req->body, create_members, refused, err);
	if (rc == ERR_OK)
		rc = field_in_uuid(req->body, "household_id", true, uuid, NULL, err);
	if (rc == ERR_OK)
		rc = json_in_int(req->body, "type", true, 1, 2, &type, NULL, err);
	if (rc == ERR_OK)
		rc = field_in_uuid(req->body, "operator_org_id", true, uuid, NULL, err);
	if (rc == ERR_OK)
		rc = field_in_date(req->body, "start_on", true, DATE_KIND_FIELD_WORK, &s.start_on, NULL, err);
	if (rc == ERR_OK)
		rc = field_in_date(req->body, "planned_end_on", true, DATE_KIND_PLAN, &s.planned_end_on, NULL, err);
	if (rc == ERR_OK)
		rc = field_in_text(req->body, "note", false, TEXT_MULTILINE, 2000, note, sizeof(note), NULL, err);
	if (rc == ERR_OK)
		rc = masp_check_new(&s, err);
	if (rc == ERR_OK && (input = field_copy_members(req->body, create_members)) == NULL)
		rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	return rc == ERR_OK ? field_handle_create(req, rep, &create_spec, mask, input, err) : rc;
}

/* Reads the measure for a change, checks If-Match, and gives its state. */
static int load_for_change(PGconn *conn, struct masp_op *op, struct masp_state *s, struct err *err)
{
	int rc = field_store_get(conn, FIELD_MEASURE, &op->caller, op->mask, op->id, true, &op->row, err);
	if (rc == ERR_OK && !req_version_matches(op->version, op->row.version))
		rc = err_set(err, ERR_PRECONDITION_FAILED, "If-Match",
			     "the measure has changed since version %d; fetch it again", op->version);
	json_t *current = rc == ERR_OK ? json_loads(op->row.json, 0, NULL) : NULL;
	if (rc == ERR_OK && current == NULL)
		rc = err_set(err, ERR_INTERNAL, "", "masp_measure_json() gave no JSON object");
	if (rc == ERR_OK)
		state_of(current, s);
	json_decref(current);
	return rc;
}

static int reread(PGconn *conn, struct masp_op *op, const char *action, struct err *err)
{
	int rc = field_store_get(conn, FIELD_MEASURE, &op->caller, op->mask | field_mask(op->req, POLICY_READ_MEASURE),
				 op->id, false, &op->row, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, op->req, action, "masp_measure", op->id, "ok", err);
	return rc;
}

static int update_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct masp_op *op = ctx;
	struct masp_state before, after;
	char *text = NULL;
	int rc = load_for_change(conn, op, &before, err);
	if (rc == ERR_OK) {
		after = before;
		const char *status = json_string_value(json_object_get(op->input, "status"));
		if (status != NULL)
			masp_status_parse(status, &after.status);
		if (json_object_get(op->input, "end_on") != NULL)
			after.has_end = field_json_date(op->input, "end_on", &after.end_on);
		rc = masp_check_change(&before, &after, err);
	}
	const char *operator = json_string_value(json_object_get(op->input, "operator_org_id"));
	if (rc == ERR_OK && operator != NULL)
		rc = check_operator(conn, operator, err);
	if (rc == ERR_OK && (text = json_dumps(op->input, JSON_COMPACT)) == NULL)
		rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	if (rc == ERR_OK)
		rc = field_store_update(conn, FIELD_MEASURE, op->id, text, err);
	if (rc == ERR_OK)
		rc = reread(conn, op, "update", err);
	free(text);
	return rc;
}

int masp_update(struct req *req, struct reply *rep, struct err *err)
{
	struct masp_op op = { .req = req };
	field_caller_of(req, &op.caller);
	op.mask = field_mask(req, POLICY_WRITE_MEASURE);
	char status[32], uuid[37], note[FIELD_NOTE_BYTES];
	bool present;
	struct date d;
	int rc = req_path_uuid(req, "id", &op.id, err);
	if (rc == ERR_OK)
		rc = req_if_match(req, &op.version, err);
	if (rc == ERR_OK)
		rc = json_in_keys(req->body, update_members, refused_update, err);
	if (rc == ERR_OK)
		rc = json_in_string(req->body, "status", false, status, sizeof(status), &present, err);
	if (rc == ERR_OK && (present || json_object_get(req->body, "status") != NULL) && (!present || !status_ok(status)))
		rc = err_set(err, ERR_INVALID, "status", "status must be active, completed or interrupted");
	if (rc == ERR_OK)
		rc = field_in_date(req->body, "end_on", false, DATE_KIND_FIELD_WORK, &d, NULL, err);
	if (rc == ERR_OK)
		rc = field_in_uuid(req->body, "operator_org_id", false, uuid, &present, err);
	if (rc == ERR_OK && json_object_get(req->body, "operator_org_id") != NULL &&
	    !policy_kind_is_departement_wide(req->actor.kind))
		rc = err_set(err, ERR_FORBIDDEN, "operator_org_id", "only the département changes a measure's operator");
	if (rc == ERR_OK && !present && json_object_get(req->body, "operator_org_id") != NULL)
		rc = err_set(err, ERR_INVALID, "operator_org_id", "operator_org_id cannot be cleared");
	if (rc == ERR_OK)
		rc = field_in_text(req->body, "note", false, TEXT_MULTILINE, 2000, note, sizeof(note), NULL, err);
	if (rc == ERR_OK && (op.input = field_copy_members(req->body, update_members)) == NULL)
		rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	if (rc == ERR_OK)
		rc = tx_run(req, update_tx, &op, err);
	if (rc == ERR_OK)
		rc = field_reply_row(rep, 200, &op.row, err);
	masp_op_clear(&op);
	return rc;
}

static int renew_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct masp_op *op = ctx;
	struct masp_state s;
	struct date renewed_on, until;
	int rc = load_for_change(conn, op, &s, err);
	if (rc == ERR_OK) {
		date_parse(&renewed_on, op->renewed_on, "renewed_on", NULL);
		date_parse(&until, op->until, "until_on", NULL);
		rc = masp_check_renewal(&s, &renewed_on, &until, err);
	}
	if (rc == ERR_OK)
		rc = field_store_masp_renew(conn, &op->caller, op->id, op->renewed_on, op->until, err);
	if (rc == ERR_OK)
		rc = reread(conn, op, "renew", err);
	return rc;
}

int masp_renew(struct req *req, struct reply *rep, struct err *err)
{
	static const char *const allowed[] = { "renewed_on", "until_on", NULL };
	struct masp_op op = { .req = req };
	field_caller_of(req, &op.caller);
	op.mask = field_mask(req, POLICY_WRITE_MEASURE);
	struct date d;
	int rc = req_path_uuid(req, "id", &op.id, err);
	if (rc == ERR_OK)
		rc = req_if_match(req, &op.version, err);
	if (rc == ERR_OK)
		rc = json_in_keys(req->body, allowed, NULL, err);
	if (rc == ERR_OK)
		rc = field_in_date(req->body, "renewed_on", true, DATE_KIND_FIELD_WORK, &d, NULL, err);
	if (rc == ERR_OK)
		date_format(op.renewed_on, &d);
	if (rc == ERR_OK)
		rc = field_in_date(req->body, "until_on", true, DATE_KIND_PLAN, &d, NULL, err);
	if (rc == ERR_OK)
		date_format(op.until, &d);
	if (rc == ERR_OK)
		rc = tx_run(req, renew_tx, &op, err);
	if (rc == ERR_OK)
		rc = field_reply_row(rep, 201, &op.row, err);
	masp_op_clear(&op);
	return rc;
}

int masp_list(struct req *req, struct reply *rep, struct err *err)
{
	static const struct field_list_spec spec = { FIELD_MEASURE, POLICY_READ_MEASURE, "status", status_ok,
						     "operator_org_id" };
	return field_handle_list(req, rep, &spec, err);
}

int masp_get(struct req *req, struct reply *rep, struct err *err)
{
	return field_handle_get(req, rep, FIELD_MEASURE, POLICY_READ_MEASURE, "masp_measure", err);
}

int masp_summary(struct req *req, struct reply *rep, struct err *err)
{
	return field_handle_summary(req, rep, FIELD_MEASURE, POLICY_READ_MEASURE, err);
}
