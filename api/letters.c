#include "api/letters.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/audit.h"
#include "api/field_common.h"
#include "api/json_in.h"
#include "api/tx.h"
#include "domain/outreach.h"

static const char *const members[] = { "household_id", "operator_org_id", "sent_on", "channel", "answered",
				       "answered_on", "outcomes", "note", NULL };
static const char *const refused[] = { "id", "version", "created_at", "updated_at", NULL };
static const char *const refused_update[] = { "household_id", "id", "version", "created_at", "updated_at", NULL };

static bool channel_ok(const char *s)
{
	enum letter_channel c;
	return letter_channel_parse(s, &c) == 0;
}

/* The members of a letter present in body (400 naming the one at fault). */
static int read_letter(const json_t *body, bool creating, struct err *err)
{
	char uuid[37], channel[32], note[FIELD_NOTE_BYTES];
	bool present, b;
	struct date d;
	int rc = json_in_keys(body, creating ? members : members + 1, creating ? refused : refused_update, err);
	if (rc == ERR_OK && creating)
		rc = field_in_uuid(body, "household_id", true, uuid, NULL, err);
	if (rc == ERR_OK)
		rc = field_in_uuid(body, "operator_org_id", false, uuid, NULL, err);
	if (rc == ERR_OK)
		rc = field_in_date(body, "sent_on", creating, DATE_KIND_FIELD_WORK, &d, &present, err);
	if (rc == ERR_OK && !present && json_object_get(body, "sent_on") != NULL)
		rc = err_set(err, ERR_INVALID, "sent_on", "sent_on is required");
	if (rc == ERR_OK)
		rc = json_in_string(body, "channel", creating, channel, sizeof(channel), &present, err);
	if (rc == ERR_OK && (present || json_object_get(body, "channel") != NULL) && (!present || !channel_ok(channel)))
		rc = err_set(err, ERR_INVALID, "channel", "channel must be post, registered_post, email, sms or hand_delivered");
	if (rc == ERR_OK)
		rc = json_in_bool(body, "answered", false, &b, &present, err);
	if (rc == ERR_OK && !present && json_object_get(body, "answered") != NULL)
		rc = err_set(err, ERR_INVALID, "answered", "answered must be true or false");
	if (rc == ERR_OK)
		rc = field_in_date(body, "answered_on", false, DATE_KIND_FIELD_WORK, &d, NULL, err);
	if (rc == ERR_OK)
		rc = field_in_text(body, "note", false, TEXT_MULTILINE, 2000, note, sizeof(note), NULL, err);
	const json_t *outcomes = json_object_get(body, "outcomes");
	if (rc == ERR_OK && outcomes != NULL && !json_is_null(outcomes)) {
		size_t i;
		json_t *v;
		enum letter_outcome o;
		if (!json_is_array(outcomes) || json_array_size(outcomes) > LETTER__OUTCOME_COUNT)
			rc = err_set(err, ERR_INVALID, "outcomes", "outcomes must be an array of outcome codes");
		json_array_foreach(outcomes, i, v) {
			if (rc == ERR_OK && letter_outcome_parse(json_string_value(v), &o) != 0)
				rc = err_set(err, ERR_INVALID, "outcomes",
					     "outcomes holds payment_resumed, debt_settled, meeting_mds, meeting_ccas, "
					     "meeting_association or adil_contact");
		}
	}
	return rc;
}

static void state_of(const json_t *l, struct letter_state *s)
{
	memset(s, 0, sizeof(*s));
	field_json_date(l, "sent_on", &s->sent_on);
	s->answered = json_is_true(json_object_get(l, "answered"));
	s->has_answered_on = field_json_date(l, "answered_on", &s->answered_on);
	size_t i;
	json_t *v;
	enum letter_outcome o;
	json_array_foreach(json_object_get(l, "outcomes"), i, v)
		if (letter_outcome_parse(json_string_value(v), &o) == 0)
			s->outcomes |= 1u << o;
}

/* The letter's operator: the caller itself, or for the authorities the
 * ADIL or another authority. */
static int check_operator(PGconn *conn, const struct req *req, const char *org_id, struct err *err)
{
	if (strcmp(org_id, req->actor.org_id) == 0)
		return ERR_OK;
	if (!policy_kind_is_departement_wide(req->actor.kind))
		return err_set(err, ERR_FORBIDDEN, "operator_org_id", "you may only record your own letters");
	char kind[32];
	int rc = field_store_org_kind(conn, org_id, kind, sizeof(kind), err);
	if (rc == ERR_NOT_FOUND || (rc == ERR_OK && strcmp(kind, "adil") != 0 && strcmp(kind, "departement") != 0 &&
				    strcmp(kind, "prefecture") != 0))
		return err_set_reason(err, ERR_REASON_WRONG_ORGANISATION_KIND, "operator_org_id",
			       "operator_org_id must name an enabled ADIL, département or préfecture");
	return rc;
}

struct letter_op {
	const struct req *req;
	struct field_caller caller;
	unsigned mask;
	const char *id;
	int version;
	json_t *input;         /* owned */
	struct field_row row;
};

static int create_before(PGconn *conn, const struct req *req, const json_t *input, struct err *err)
{
	return check_operator(conn, req, json_string_value(json_object_get(input, "operator_org_id")), err);
}

/* The letter's dates against the database's today. */
static int create_after(const json_t *input, const struct field_row *row, struct err *err)
{
	struct letter_state s;
	state_of(input, &s);
	return letter_check(&s, &row->today, err);
}

static const struct field_create_spec create_spec = {
	.resource = FIELD_LETTER, .read = POLICY_READ_PREVENTION_LETTER, .audit_type = "prevention_letter",
	.location = "/v1/prevention-letters", .before = create_before, .after = create_after,
};

int prevention_letters_create(struct req *req, struct reply *rep, struct err *err)
{
	unsigned mask = 0;
	json_t *input = NULL;
	/* The authorities write on the households they hold; an operator
	 * (the ADIL) records its own letters to a household it may read. */
	if (policy_allows(req->actor.kind, POLICY_WRITE_PREVENTION_LETTER, POLICY_REL_DEPARTEMENT))
		mask = FIELD_REL(DEPARTEMENT);
	else if (policy_allows(req->actor.kind, POLICY_WRITE_PREVENTION_LETTER, POLICY_REL_ASSIGNED))
		mask = field_mask(req, POLICY_READ_HOUSEHOLD);
	int rc = mask != 0 ? ERR_OK : err_set(err, ERR_FORBIDDEN, "", "this organisation may not record prevention letters");
	if (rc == ERR_OK)
		rc = read_letter(req->body, true, err);
	if (rc == ERR_OK && (input = field_copy_members(req->body, members)) == NULL)
		rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	if (rc == ERR_OK && json_string_value(json_object_get(input, "operator_org_id")) == NULL)
		json_object_set_new(input, "operator_org_id", json_string(req->actor.org_id));
	return rc == ERR_OK ? field_handle_create(req, rep, &create_spec, mask, input, err) : rc;
}

static int update_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct letter_op *op = ctx;
	json_t *current = NULL;
	char *text = NULL;
	int rc = field_store_get(conn, FIELD_LETTER, &op->caller, op->mask, op->id, true, &op->row, err);
	if (rc == ERR_OK && !req_version_matches(op->version, op->row.version))
		rc = err_set(err, ERR_PRECONDITION_FAILED, "If-Match",
			     "the letter has changed since version %d; fetch it again", op->version);
	if (rc == ERR_OK && (current = json_loads(op->row.json, 0, NULL)) == NULL)
		rc = err_set(err, ERR_INTERNAL, "", "prevention_letter_json() gave no JSON object");
	if (rc == ERR_OK) {
		const char *key;
		json_t *v;
		json_object_foreach(op->input, key, v)
			json_object_set(current, key, v);
		struct letter_state s;
		state_of(current, &s);
		rc = letter_check(&s, &op->row.today, err);
	}
	const char *operator = json_string_value(json_object_get(op->input, "operator_org_id"));
	if (rc == ERR_OK && operator != NULL)
		rc = check_operator(conn, op->req, operator, err);
	if (rc == ERR_OK && (text = json_dumps(op->input, JSON_COMPACT)) == NULL)
		rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	if (rc == ERR_OK)
		rc = field_store_update(conn, FIELD_LETTER, op->id, text, err);
	if (rc == ERR_OK)
		rc = field_store_get(conn, FIELD_LETTER, &op->caller,
				     op->mask | field_mask(op->req, POLICY_READ_PREVENTION_LETTER), op->id, false,
				     &op->row, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, op->req, "update", "prevention_letter", op->id, "ok", err);
	json_decref(current);
	free(text);
	return rc;
}

int prevention_letters_update(struct req *req, struct reply *rep, struct err *err)
{
	struct letter_op op = { .req = req };
	field_caller_of(req, &op.caller);
	op.mask = field_mask(req, POLICY_WRITE_PREVENTION_LETTER);
	int rc = req_path_uuid(req, "id", &op.id, err);
	if (rc == ERR_OK)
		rc = req_if_match(req, &op.version, err);
	if (rc == ERR_OK)
		rc = read_letter(req->body, false, err);
	if (rc == ERR_OK)
		for (const char *const *k = members; rc == ERR_OK && *k != NULL; k++)
			if (strcmp(*k, "note") != 0 && strcmp(*k, "answered_on") != 0 &&
			    strcmp(*k, "outcomes") != 0 && field_in_is_null(req->body, *k))
				rc = err_set(err, ERR_INVALID, *k, "%s cannot be cleared", *k);
	if (rc == ERR_OK && (op.input = field_copy_members(req->body, members)) == NULL)
		rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	if (rc == ERR_OK)
		rc = tx_run(req, update_tx, &op, err);
	if (rc == ERR_OK)
		rc = field_reply_row(rep, 200, &op.row, err);
	json_decref(op.input);
	field_row_clear(&op.row);
	return rc;
}

int prevention_letters_list(struct req *req, struct reply *rep, struct err *err)
{
	static const struct field_list_spec spec = { FIELD_LETTER, POLICY_READ_PREVENTION_LETTER, "channel",
						     channel_ok, "operator_org_id" };
	return field_handle_list(req, rep, &spec, err);
}

int prevention_letters_get(struct req *req, struct reply *rep, struct err *err)
{
	return field_handle_get(req, rep, FIELD_LETTER, POLICY_READ_PREVENTION_LETTER, "prevention_letter", err);
}

int prevention_letters_summary(struct req *req, struct reply *rep, struct err *err)
{
	return field_handle_summary(req, rep, FIELD_LETTER, POLICY_READ_PREVENTION_LETTER, err);
}
