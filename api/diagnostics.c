#include "api/diagnostics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/audit.h"
#include "api/cursor.h"
#include "api/field_common.h"
#include "api/json_in.h"
#include "api/procedures.h"
#include "api/tx.h"
#include "domain/diagnostic.h"
#include "domain/outreach.h"
#include "domain/parse.h"

#define MAX_CENTS INT64_C(100000000000)   /* a billion euros */
#define REPORT_MAX_ITEMS 12

static const char *const refused[] = { "id", "household_id", "procedure_id", "requested_on", "outreach_case_id",
				       "version", "created_at", "updated_at", "deadlines", "flags", NULL };

/* Assigned to a social service or an association (the operator kinds that
 * the policy lets hold a diagnostic). */
static int check_assignee(PGconn *conn, const char *org_id, struct err *err)
{
	char kind[32];
	int rc = field_store_org_kind(conn, org_id, kind, sizeof(kind), err);
	if (rc == ERR_NOT_FOUND || (rc == ERR_OK && strcmp(kind, "social_service") != 0 &&
				    strcmp(kind, "association") != 0))
		return err_set_reason(err, ERR_REASON_WRONG_ORGANISATION_KIND, "assigned_org_id",
			       "assigned_org_id must name an enabled social service or association");
	return rc;
}

static int read_amounts(const json_t *obj, const char *field, const char *const *keys, const char *required,
			struct err *err)
{
	if (!json_is_object(obj))
		return err_set(err, ERR_INVALID, field, "%s must be an object", field);
	int rc = json_in_keys(obj, keys, NULL, err);
	if (rc != ERR_OK)
		return err_set(err, ERR_INVALID, field, "%s: %s", field, err->message);
	for (const char *const *k = keys; rc == ERR_OK && *k != NULL; k++) {
		int64_t v;
		bool present;
		rc = json_in_int(obj, *k, required != NULL && strcmp(*k, required) == 0, 0, MAX_CENTS, &v, &present,
				 err);
		if (rc != ERR_OK)
			rc = err_set(err, ERR_INVALID, field, "%s.%s", field, err->message);
	}
	return rc;
}

static int read_list(const json_t *obj, const char *field, bool (*known)(const char *), struct err *err)
{
	if (!json_is_array(obj) || json_array_size(obj) == 0 || json_array_size(obj) > REPORT_MAX_ITEMS)
		return err_set(err, ERR_INVALID, field, "%s must be an array of 1 to %d codes", field, REPORT_MAX_ITEMS);
	size_t i;
	json_t *v;
	json_array_foreach(obj, i, v) {
		if (!known(json_string_value(v)))
			return err_set(err, ERR_INVALID, field, "%s holds an unknown code", field);
	}
	return ERR_OK;
}

/* The structured report: budget, debt, causes, proposals, and a comment. */
static int read_report(const json_t *report, struct err *err)
{
	static const char *const keys[] = { "budget", "debt", "causes", "proposals", "comment", NULL };
	static const char *const budget[] = { "income_cents", "housing_benefit_cents", "rent_cents", "expenses_cents",
					      NULL };
	static const char *const debt[] = { "rent_arrears_cents", "other_debts_cents", NULL };
	if (!json_is_object(report))
		return err_set(err, ERR_INVALID, "report", "report must be an object");
	int rc = json_in_keys(report, keys, NULL, err);
	if (rc != ERR_OK)
		return err_set(err, ERR_INVALID, "report", "report: %s", err->message);
	for (const char *const *k = keys; *k != NULL && strcmp(*k, "comment") != 0; k++)
		if (json_object_get(report, *k) == NULL)
			return err_set(err, ERR_INVALID, "report", "report.%s is required", *k);
	rc = read_amounts(json_object_get(report, "budget"), "report.budget", budget, "income_cents", err);
	if (rc == ERR_OK)
		rc = read_amounts(json_object_get(report, "debt"), "report.debt", debt, "rent_arrears_cents", err);
	if (rc == ERR_OK)
		rc = read_list(json_object_get(report, "causes"), "report.causes", diagnostic_cause_is_known, err);
	if (rc == ERR_OK)
		rc = read_list(json_object_get(report, "proposals"), "report.proposals", diagnostic_proposal_is_known,
			       err);
	char comment[FIELD_NOTE_BYTES];
	if (rc == ERR_OK)
		rc = field_in_text(report, "comment", false, TEXT_MULTILINE, 2000, comment, sizeof(comment), NULL, err);
	return rc;
}

/* The state a representation describes. */
static void state_of(const json_t *d, struct diagnostic_state *s)
{
	memset(s, 0, sizeof(*s));
	diagnostic_status_parse(json_string_value(json_object_get(d, "status")), &s->status);
	field_json_date(d, "requested_on", &s->requested_on);
	s->has_hearing = field_json_date(d, "hearing_on", &s->hearing_date);
	s->has_interview = field_json_date(d, "interview_offered_on", &s->interview_offered_on);
	s->has_report = json_is_object(json_object_get(d, "report"));
	s->has_report_sent = field_json_date(d, "report_sent_on", &s->report_sent_on);
	s->has_carence = field_json_date(d, "carence_on", &s->carence_on);
}

/* Adds to the representation o its deadlines and flags as of today. */
static void add_deadlines(json_t *o, const struct date *today)
{
	struct diagnostic_state s;
	struct deadline_list list;
	state_of(o, &s);
	diagnostic_deadlines(&list, &s, today);
	json_t *items = json_array(), *flags = json_array();
	for (int i = 0; i < list.count; i++)
		json_array_append_new(items, procedures_deadline_json(&list.items[i]));
	for (int i = 0; i < list.flag_count; i++)
		json_array_append_new(flags, json_string(list.flags[i]));
	json_object_set_new(o, "deadlines", items);
	json_object_set_new(o, "flags", flags);
}

/* The representation with its computed deadlines and flags: a new
 * reference, or NULL. */
static json_t *with_deadlines(const struct field_row *row)
{
	json_t *o = json_loads(row->json, 0, NULL);
	if (o != NULL)
		add_deadlines(o, &row->today);
	return o;
}

static int reply_diagnostic(struct reply *rep, int status, const struct field_row *row, struct err *err)
{
	json_t *o = with_deadlines(row);
	if (o == NULL)
		return err_set(err, ERR_INTERNAL, "", "field_diagnostic_json() gave no JSON object");
	reply_etag(rep, row->version);
	return reply_json(rep, status, o);
}

struct diag_op {
	const struct req *req;
	struct field_caller caller;
	unsigned mask;
	const char *id;
	int version;
	json_t *input;             /* owned: the checked members */
	struct field_filter filter;
	struct page_cursor after;
	int limit;
	struct json_page page;
	struct field_row row;
};

static void diag_op_clear(struct diag_op *op)
{
	json_decref(op->input);
	json_page_free(&op->page);
	field_row_clear(&op->row);
}

static int list_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct diag_op *op = ctx;
	return field_store_list(conn, FIELD_DIAGNOSTIC, &op->caller, op->mask, &op->filter, &op->after, op->limit,
				&op->page, err);
}

int diagnostics_list(struct req *req, struct reply *rep, struct err *err)
{
	struct diag_op op = { .req = req };
	field_caller_of(req, &op.caller);
	enum diagnostic_status st;
	op.filter.household_id = req_query(req, "household_id");
	op.filter.state = req_query(req, "status");
	op.filter.assigned_org_id = req_query(req, "assigned_org_id");
	int rc = field_require_any(req, POLICY_READ_DIAGNOSTIC, &op.mask, err);
	if (rc == ERR_OK && op.filter.household_id != NULL && !parse_is_uuid(op.filter.household_id))
		rc = err_set(err, ERR_INVALID, "household_id", "household_id must be a UUID");
	if (rc == ERR_OK && op.filter.assigned_org_id != NULL && !parse_is_uuid(op.filter.assigned_org_id))
		rc = err_set(err, ERR_INVALID, "assigned_org_id", "assigned_org_id must be a UUID");
	if (rc == ERR_OK && op.filter.state != NULL && diagnostic_status_parse(op.filter.state, &st) != 0)
		rc = err_set(err, ERR_INVALID, "status", "unknown status");
	if (rc == ERR_OK)
		rc = cursor_from_query(req, &op.after, err);
	if (rc == ERR_OK)
		rc = cursor_limit(req, 50, 500, &op.limit, err);
	if (rc == ERR_OK)
		rc = tx_run(req, list_tx, &op, err);
	if (rc == ERR_OK) {
		/* Each item as GET /v1/diagnostics/{id} gives it. */
		json_t *page = cursor_page_json(&op.page);
		struct date today;
		json_in_today(&today);
		size_t i;
		json_t *item;
		json_array_foreach(json_object_get(page, "items"), i, item)
			add_deadlines(item, &today);
		rc = reply_json(rep, 200, page);
	}
	diag_op_clear(&op);
	return rc;
}

static int get_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct diag_op *op = ctx;
	int rc = field_store_get(conn, FIELD_DIAGNOSTIC, &op->caller, op->mask, op->id, false, &op->row, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, op->req, "read", "diagnostic", op->id, "ok", err);
	return rc;
}

int diagnostics_get(struct req *req, struct reply *rep, struct err *err)
{
	struct diag_op op = { .req = req };
	field_caller_of(req, &op.caller);
	int rc = req_path_uuid(req, "id", &op.id, err);
	if (rc == ERR_OK)
		op.mask = field_mask(req, POLICY_READ_DIAGNOSTIC);
	if (rc == ERR_OK)
		rc = tx_run(req, get_tx, &op, err);
	if (rc == ERR_OK)
		rc = reply_diagnostic(rep, 200, &op.row, err);
	diag_op_clear(&op);
	return rc;
}

static int create_before(PGconn *conn, const struct req *req, const json_t *input, struct err *err)
{
	(void)req;
	const char *assignee = json_string_value(json_object_get(input, "assigned_org_id"));
	return assignee != NULL ? check_assignee(conn, assignee, err) : ERR_OK;
}

static const struct field_create_spec create_spec = {
	.resource = FIELD_DIAGNOSTIC, .read = POLICY_READ_DIAGNOSTIC, .audit_type = "diagnostic",
	.location = "/v1/diagnostics", .before = create_before, .reply = reply_diagnostic,
};

int diagnostics_create(struct req *req, struct reply *rep, struct err *err)
{
	static const char *const allowed[] = { "household_id", "assigned_org_id", "requested_on", "hearing_on",
					       "note", NULL };
	static const char *const refused_create[] = { "id", "procedure_id", "status", "interview_offered_on",
						      "report", "report_sent_on", "carence_on", "outreach_case_id",
						      "version", "created_at", "updated_at", NULL };
	char uuid[37], note[FIELD_NOTE_BYTES];
	struct date d;
	json_t *input = NULL;
	/* A request is the département's act on a household it holds. */
	unsigned mask = field_mask(req, POLICY_WRITE_DIAGNOSTIC) & FIELD_REL(DEPARTEMENT);
	int rc = mask != 0 ? ERR_OK : err_set(err, ERR_FORBIDDEN, "", "this organisation may not request diagnostics");
	if (rc == ERR_OK)
		rc = json_in_keys(req->body, allowed, refused_create, err);
	if (rc == ERR_OK)
		rc = field_in_uuid(req->body, "household_id", true, uuid, NULL, err);
	if (rc == ERR_OK)
		rc = field_in_uuid(req->body, "assigned_org_id", false, uuid, NULL, err);
	if (rc == ERR_OK)
		rc = field_in_date(req->body, "requested_on", false, DATE_KIND_FIELD_WORK, &d, NULL, err);
	if (rc == ERR_OK)
		rc = field_in_date(req->body, "hearing_on", false, DATE_KIND_ACT, &d, NULL, err);
	if (rc == ERR_OK)
		rc = field_in_text(req->body, "note", false, TEXT_MULTILINE, 2000, note, sizeof(note), NULL, err);
	if (rc == ERR_OK && (input = field_copy_members(req->body, allowed)) == NULL)
		rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	return rc == ERR_OK ? field_handle_create(req, rep, &create_spec, mask, input, err) : rc;
}

/* The state after the patch: the current one with the members set. */
static void state_apply(struct diagnostic_state *s, const json_t *patch)
{
	const char *status = json_string_value(json_object_get(patch, "status"));
	if (status != NULL)
		diagnostic_status_parse(status, &s->status);
	if (json_object_get(patch, "hearing_on") != NULL)
		s->has_hearing = field_json_date(patch, "hearing_on", &s->hearing_date);
	if (json_object_get(patch, "interview_offered_on") != NULL)
		s->has_interview = field_json_date(patch, "interview_offered_on", &s->interview_offered_on);
	if (json_object_get(patch, "report") != NULL)
		s->has_report = json_is_object(json_object_get(patch, "report"));
	if (json_object_get(patch, "report_sent_on") != NULL)
		s->has_report_sent = field_json_date(patch, "report_sent_on", &s->report_sent_on);
	if (json_object_get(patch, "carence_on") != NULL)
		s->has_carence = field_json_date(patch, "carence_on", &s->carence_on);
}

static int update_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct diag_op *op = ctx;
	unsigned read_mask = field_mask(op->req, POLICY_READ_DIAGNOSTIC);
	json_t *current = NULL;
	char *patch = NULL;
	int rc = field_store_get(conn, FIELD_DIAGNOSTIC, &op->caller, op->mask, op->id, true, &op->row, err);
	if (rc == ERR_OK && !req_version_matches(op->version, op->row.version))
		rc = err_set(err, ERR_PRECONDITION_FAILED, "If-Match",
			     "the diagnostic has changed since version %d; fetch it again", op->version);
	if (rc == ERR_OK && (current = json_loads(op->row.json, 0, NULL)) == NULL)
		rc = err_set(err, ERR_INTERNAL, "", "field_diagnostic_json() gave no JSON object");
	struct diagnostic_state before, after;
	if (rc == ERR_OK) {
		state_of(current, &before);
		after = before;
		state_apply(&after, op->input);
		rc = diagnostic_check(&before, &after, err);
	}
	const char *assignee = json_string_value(json_object_get(op->input, "assigned_org_id"));
	if (rc == ERR_OK && assignee != NULL)
		rc = check_assignee(conn, assignee, err);
	if (rc == ERR_OK && (patch = json_dumps(op->input, JSON_COMPACT)) == NULL)
		rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	if (rc == ERR_OK)
		rc = field_store_update(conn, FIELD_DIAGNOSTIC, op->id, patch, err);
	if (rc == ERR_OK && after.status == DIAGNOSTIC_CARENCE && before.status != DIAGNOSTIC_CARENCE)
		rc = field_store_offer_mobile_team(conn, &op->caller, op->id, err);
	if (rc == ERR_OK)
		rc = field_store_get(conn, FIELD_DIAGNOSTIC, &op->caller, read_mask | op->mask, op->id, false, &op->row,
				     err);
	if (rc == ERR_OK)
		rc = audit_record(conn, op->req, "update", "diagnostic", op->id, "ok", err);
	json_decref(current);
	free(patch);
	return rc;
}

int diagnostics_update(struct req *req, struct reply *rep, struct err *err)
{
	static const char *const allowed[] = { "status", "assigned_org_id", "hearing_on", "interview_offered_on",
					       "report", "report_sent_on", "carence_on", "note", NULL };
	static const char *const dates[] = { "hearing_on", "interview_offered_on", "report_sent_on", "carence_on",
					     NULL };
	struct diag_op op = { .req = req };
	field_caller_of(req, &op.caller);
	op.mask = field_mask(req, POLICY_WRITE_DIAGNOSTIC);
	char status[32], uuid[37], note[FIELD_NOTE_BYTES];
	bool present;
	struct date d;
	enum diagnostic_status st;
	int rc = req_path_uuid(req, "id", &op.id, err);
	if (rc == ERR_OK)
		rc = req_if_match(req, &op.version, err);
	if (rc == ERR_OK)
		rc = json_in_keys(req->body, allowed, refused, err);
	if (rc == ERR_OK)
		rc = json_in_string(req->body, "status", false, status, sizeof(status), &present, err);
	if (rc == ERR_OK && (present || field_in_is_null(req->body, "status")) &&
	    (!present || diagnostic_status_parse(status, &st) != 0))
		rc = err_set(err, ERR_INVALID, "status", "status must be requested, interview_offered, done or carence");
	for (const char *const *k = dates; rc == ERR_OK && *k != NULL; k++)
		rc = field_in_date(req->body, *k, false, strcmp(*k, "hearing_on") == 0 ? DATE_KIND_ACT : DATE_KIND_FIELD_WORK,
				   &d, NULL, err);
	if (rc == ERR_OK)
		rc = field_in_uuid(req->body, "assigned_org_id", false, uuid, &present, err);
	if (rc == ERR_OK && (present || field_in_is_null(req->body, "assigned_org_id")) &&
	    !policy_kind_is_departement_wide(req->actor.kind))
		rc = err_set(err, ERR_FORBIDDEN, "assigned_org_id", "only the département or the préfecture assigns a diagnostic");
	if (rc == ERR_OK && json_object_get(req->body, "report") != NULL && !field_in_is_null(req->body, "report"))
		rc = read_report(json_object_get(req->body, "report"), err);
	if (rc == ERR_OK)
		rc = field_in_text(req->body, "note", false, TEXT_MULTILINE, 2000, note, sizeof(note), NULL, err);
	if (rc == ERR_OK && (op.input = field_copy_members(req->body, allowed)) == NULL)
		rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	if (rc == ERR_OK)
		rc = tx_run(req, update_tx, &op, err);
	if (rc == ERR_OK)
		rc = reply_diagnostic(rep, 200, &op.row, err);
	diag_op_clear(&op);
	return rc;
}
