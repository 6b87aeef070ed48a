#include "api/referrals.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/audit.h"
#include "api/auth.h"
#include "api/cursor.h"
#include "api/json_in.h"
#include "api/tx.h"
#include "domain/organisation.h"
#include "domain/parse.h"
#include "domain/referral.h"

unsigned ccapex_relations_allowing(enum org_kind kind, enum policy_action action)
{
	unsigned mask = 0;
	for (int r = POLICY_REL_NONE + 1; r < POLICY_REL__COUNT; r++)
		if (policy_allows(kind, action, (enum policy_relation)r))
			mask |= 1u << r;
	return mask;
}

void ccapex_viewer_of(const struct req *req, struct ccapex_viewer *out)
{
	enum org_kind kind = req->actor.kind;
	out->org_id = req->actor.org_id;
	out->kind = policy_kind_to_string(kind);
	out->read_mask = ccapex_relations_allowing(kind, POLICY_READ_REFERRAL);
	/* The social details go with the household fields a landlord never
	 * sees: the vulnerability notes. */
	out->social_mask = 0;
	for (int r = POLICY_REL_NONE + 1; r < POLICY_REL__COUNT; r++)
		if (policy_household_fields(kind, (enum policy_relation)r) & POLICY_FIELD_VULNERABILITY)
			out->social_mask |= 1u << r;
	out->all_recommendations = policy_allows(kind, POLICY_READ_RECOMMENDATION, POLICY_REL_DEPARTEMENT);
}

int ccapex_reply_text_json(struct reply *rep, int status, const char *json, int version, const char *location)
{
	json_t *body = json_loads(json, 0, NULL);
	if (version > 0)
		reply_etag(rep, version);
	if (location != NULL)
		reply_header(rep, "Location", location);
	return reply_json(rep, status, body);
}

int ccapex_query_uuid(const struct req *req, const char *name, const char **out, struct err *err)
{
	*out = req_query(req, name);
	if (*out != NULL && !parse_is_uuid(*out))
		return err_set(err, ERR_INVALID, name, "%s must be a UUID", name);
	return ERR_OK;
}

int ccapex_uuid_array(const json_t *body, const char *key, int max, char **out, int *count, struct err *err)
{
	*out = NULL;
	*count = 0;
	const json_t *list = json_object_get(body, key);
	if (list != NULL && !json_is_null(list) && !json_is_array(list))
		return err_set(err, ERR_INVALID, key, "%s must be an array of organisation ids", key);
	size_t n = json_is_array(list) ? json_array_size(list) : 0;
	if (n > (size_t)max)
		return err_set(err, ERR_INVALID, key, "%s holds at most %d ids", key, max);
	char *lit = malloc(n * 37 + 3);
	if (lit == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	size_t used = 0;
	lit[used++] = '{';
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(list, i));
		if (!parse_is_uuid(s)) {
			free(lit);
			return err_set(err, ERR_INVALID, key, "%s must hold organisation ids (UUIDs)", key);
		}
		bool seen = false;
		for (size_t j = 0; j < i; j++)
			seen = seen || strcasecmp(s, json_string_value(json_array_get(list, j))) == 0;
		if (seen)
			continue;
		if (*count > 0)
			lit[used++] = ',';
		memcpy(lit + used, s, 36);
		used += 36;
		(*count)++;
	}
	lit[used++] = '}';
	lit[used] = '\0';
	*out = lit;
	return ERR_OK;
}

/* --- creation --- */

struct referral_write {
	const struct req *req;
	struct ccapex_viewer viewer;
	enum referral_kind kind;
	char household_id[CCAPEX_ID_LEN];
	char procedure_id[CCAPEX_ID_LEN];
	bool has_procedure;
	bool has_debt, has_months, has_reason, complex, legal_entity, has_summons;
	int64_t debt, months;
	char reason[REFERRAL_REASON_BYTES];
	struct date summons_input;
	char id[CCAPEX_ID_LEN];
	char open_id[CCAPEX_ID_LEN];
	char *json;
	int version;
};

static int read_referral_body(struct referral_write *w, const json_t *body, struct err *err)
{
	static const char *const allowed[] = { "kind", "household_id", "procedure_id", "debt_cents", "months_unpaid",
					       "reason", "complex", "legal_entity", "summons_on", NULL };
	static const char *const refused[] = { "id", "status", "created_by_org", "version", "created_at", "updated_at",
					       "commune", "epci", "referred_on", "landlord_notice",
					       "inadmissible_reason", "escalated", "agenda", "opinions", "history",
					       NULL };
	char kind[40];
	bool present;
	int rc = json_in_keys(body, allowed, refused, err);
	if (rc == ERR_OK)
		rc = json_in_string(body, "kind", true, kind, sizeof(kind), &present, err);
	if (rc == ERR_OK)
		rc = referral_parse_kind(&w->kind, kind, "kind", err);
	if (rc == ERR_OK)
		rc = json_in_string(body, "household_id", true, w->household_id, sizeof(w->household_id), &present, err);
	if (rc == ERR_OK && !parse_is_uuid(w->household_id))
		rc = err_set(err, ERR_INVALID, "household_id", "household_id must be a UUID");
	if (rc == ERR_OK)
		rc = json_in_string(body, "procedure_id", false, w->procedure_id, sizeof(w->procedure_id),
				    &w->has_procedure, err);
	if (rc == ERR_OK && w->has_procedure && !parse_is_uuid(w->procedure_id))
		rc = err_set(err, ERR_INVALID, "procedure_id", "procedure_id must be a UUID");
	if (rc == ERR_OK)
		rc = json_in_int(body, "debt_cents", false, 0, INT64_C(100000000000), &w->debt, &w->has_debt, err);
	if (rc == ERR_OK)
		rc = json_in_int(body, "months_unpaid", false, 0, 600, &w->months, &w->has_months, err);
	if (rc == ERR_OK)
		rc = json_in_text(body, "reason", false, TEXT_MULTILINE, w->reason, sizeof(w->reason), &w->has_reason,
				  err);
	if (rc == ERR_OK)
		rc = json_in_bool(body, "complex", false, &w->complex, &present, err);
	if (rc == ERR_OK)
		rc = json_in_bool(body, "legal_entity", false, &w->legal_entity, &present, err);
	/* A social landlord is always a legal entity; others say so. */
	if (rc == ERR_OK && !present)
		w->legal_entity = w->kind == REFERRAL_SOCIAL_LANDLORD;
	if (rc == ERR_OK)
		rc = json_in_date(body, "summons_on", false, DATE_KIND_ACT, NULL, &w->summons_input, &w->has_summons,
				  err);
	return rc;
}

static int referrals_create_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct referral_write *w = ctx;
	const struct actor *a = &w->req->actor;
	struct ccapex_referral_target t;
	int rc = ccapex_store_referral_target(conn, w->household_id, w->has_procedure ? w->procedure_id : NULL,
					      a->org_id, w->viewer.kind, &t, err);
	/* A household the caller may not see does not exist for it. */
	if (rc == ERR_NOT_FOUND || (rc == ERR_OK && !policy_allows_any(a->kind, POLICY_CREATE_REFERRAL, t.relations)))
		return err_set_reason(err, ERR_REASON_UNKNOWN_REFERENCE, "household_id", "no such household");
	if (rc != ERR_OK)
		return rc;
	if (!t.procedure_ok)
		return err_set_reason(err, ERR_REASON_UNKNOWN_REFERENCE, "procedure_id", "no such procedure for this household");
	struct date today, recorded;
	const struct date *summons = NULL;
	if (date_parse(&today, t.today, "referred_on", err) != ERR_OK)
		return err_set(err, ERR_INTERNAL, "", "the database's date is not a date");
	if (t.has_summons) {
		if (date_parse(&recorded, t.summons, "summons_on", err) != ERR_OK)
			return err_set(err, ERR_INTERNAL, "", "a recorded summons date is not a date");
		if (w->has_summons && date_cmp(&recorded, &w->summons_input) != 0)
			return err_set_reason(err, ERR_REASON_CONTRADICTS_PROCEDURE, "summons_on",
				       "the procedure records a summons dated %s", t.summons);
		summons = &recorded;
	} else if (w->has_summons) {
		summons = &w->summons_input;
	}
	struct referral_notice notice;
	rc = referral_check_notice(&notice, w->kind, w->legal_entity, &today, summons, err);
	if (rc != ERR_OK)
		return rc;
	char debt[24], months[16], summons_s[DATE_STR_LEN], latest_s[DATE_STR_LEN];
	snprintf(debt, sizeof(debt), "%lld", (long long)w->debt);
	snprintf(months, sizeof(months), "%lld", (long long)w->months);
	if (notice.summons_known) {
		date_format(summons_s, &notice.summons);
		date_format(latest_s, &notice.latest);
	} else if (summons != NULL) {
		date_format(summons_s, summons);
	}
	struct ccapex_referral_new in = {
		.household_id = w->household_id,
		.procedure_id = w->has_procedure ? w->procedure_id : NULL,
		.kind = referral_kind_name(w->kind),
		.debt_cents = w->has_debt ? debt : NULL,
		.months_unpaid = w->has_months ? months : NULL,
		.reason = w->has_reason ? w->reason : NULL,
		.complex = w->complex,
		.legal_entity = w->legal_entity,
		.referred_on = t.today,
		.notice_applies = notice.applies,
		.summons_date = summons != NULL ? summons_s : NULL,
		.notice_latest = notice.summons_known ? latest_s : NULL,
		.notice_late = notice.late,
		.org_id = a->org_id,
		.client_id = a->client_id,
	};
	rc = ccapex_store_referral_create(conn, &in, w->id, w->open_id, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, w->req, "create", "referral", w->id, "ok", err);
	if (rc == ERR_OK) {
		/* The caller made it: it reads it as its filer. */
		w->viewer.read_mask |= 1u << POLICY_REL_FILER;
		rc = ccapex_store_referral_get(conn, w->id, &w->viewer, &w->json, &w->version, NULL, err);
	}
	return rc;
}

int referrals_create(struct req *req, struct reply *rep, struct err *err)
{
	struct referral_write *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	w->req = req;
	ccapex_viewer_of(req, &w->viewer);
	int rc = read_referral_body(w, req->body, err);
	if (rc == ERR_OK)
		rc = referral_check_origin(req->actor.kind, w->kind, err);
	if (rc == ERR_OK)
		rc = tx_run(req, referrals_create_tx, w, err);
	if (rc == ERR_CONFLICT && w->open_id[0] != '\0') {
		char link[96];
		snprintf(link, sizeof(link), "</v1/referrals/%s>; rel=\"related\"", w->open_id);
		reply_header(rep, "Link", link);
	}
	if (rc == ERR_OK) {
		char location[80];
		snprintf(location, sizeof(location), "/v1/referrals/%s", w->id);
		rc = ccapex_reply_text_json(rep, 201, w->json, w->version, location);
	}
	free(w->json);
	free(w);
	return rc;
}

/* --- reads --- */

struct referral_read {
	const struct req *req;
	struct ccapex_viewer viewer;
	const char *id;
	struct ccapex_referral_filter filter;
	struct page_cursor after;
	int limit;
	struct json_page page;
	char *json;
	int version;
};

static int referrals_get_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct referral_read *r = ctx;
	int rc = ccapex_store_referral_get(conn, r->id, &r->viewer, &r->json, &r->version, NULL, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, r->req, "read", "referral", r->id, "ok", err);
	return rc;
}

int referrals_get(struct req *req, struct reply *rep, struct err *err)
{
	struct referral_read r = { .req = req };
	ccapex_viewer_of(req, &r.viewer);
	int rc = req_path_uuid(req, "id", &r.id, err);
	if (rc == ERR_OK)
		rc = tx_run(req, referrals_get_tx, &r, err);
	if (rc == ERR_OK)
		rc = ccapex_reply_text_json(rep, 200, r.json, r.version, NULL);
	free(r.json);
	return rc;
}

static int referrals_list_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct referral_read *r = ctx;
	int rc = ccapex_store_referral_list(conn, &r->viewer, &r->filter, &r->after, r->limit, &r->page, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, r->req, "list", "referral", NULL, "ok", err);
	return rc;
}

int referrals_list(struct req *req, struct reply *rep, struct err *err)
{
	struct referral_read r = { .req = req };
	ccapex_viewer_of(req, &r.viewer);
	enum referral_kind kind;
	enum referral_status status;
	r.filter.kind = req_query(req, "kind");
	r.filter.status = req_query(req, "status");
	r.filter.epci = req_query(req, "epci");
	int rc = ERR_OK;
	if (r.filter.kind != NULL)
		rc = referral_parse_kind(&kind, r.filter.kind, "kind", err);
	if (rc == ERR_OK && r.filter.status != NULL)
		rc = referral_parse_status(&status, r.filter.status, "status", err);
	if (rc == ERR_OK && r.filter.epci != NULL && !org_siren_is_valid(r.filter.epci))
		rc = err_set(err, ERR_INVALID, "epci", "epci must be an EPCI's SIREN (9 digits)");
	if (rc == ERR_OK)
		rc = ccapex_query_uuid(req, "household_id", &r.filter.household_id, err);
	if (rc == ERR_OK)
		rc = cursor_from_query(req, &r.after, err);
	if (rc == ERR_OK)
		rc = cursor_limit(req, 50, 500, &r.limit, err);
	if (rc == ERR_OK)
		rc = tx_run(req, referrals_list_tx, &r, err);
	if (rc == ERR_OK)
		rc = reply_json(rep, 200, cursor_page_json(&r.page));
	json_page_free(&r.page);
	return rc;
}

/* --- the secretariat's handling --- */

struct referral_change {
	const struct req *req;
	struct ccapex_viewer viewer;
	const char *id;
	int version;                 /* 0: no If-Match (escalation) */
	bool has_step;
	enum referral_step step;
	char reason[REFERRAL_REASON_BYTES];
	bool has_reason;
	char referral_reason[REFERRAL_REASON_BYTES]; /* a correction of the referral's own reason */
	bool has_referral_reason;    /* the member came: a string sets it, null erases it */
	int complex;
	char *json;
	int new_version;
};

static int referrals_change_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct referral_change *c = ctx;
	struct ccapex_referral_lock lock;
	enum referral_status from, to;
	int rc = ccapex_store_referral_lock(conn, c->id, &c->viewer, &lock, err);
	if (rc != ERR_OK)
		return rc;
	if (!req_version_matches(c->version, lock.version))
		return err_set(err, ERR_PRECONDITION_FAILED, "If-Match",
			       "the referral has changed since version %d; fetch it again", c->version);
	if (referral_parse_status(&from, lock.status, "status", err) != ERR_OK)
		return err_set(err, ERR_INTERNAL, "", "a stored referral status is unknown");
	to = from;
	if (c->has_step) {
		rc = referral_step_apply(&to, from, c->step, lock.clil_examined, err);
		if (rc != ERR_OK)
			return rc;
	}
	struct ccapex_referral_change change = {
		.status = c->has_step ? referral_status_name(to) : NULL,
		.inadmissible_reason = c->has_reason ? c->reason : NULL,
		.reason_given = c->has_referral_reason,
		.reason = c->referral_reason[0] != '\0' ? c->referral_reason : NULL,
		.complex = c->complex,
		.escalated = c->has_step && c->step == REFERRAL_ESCALATE,
		.step = c->has_step ? referral_step_name(c->step) : NULL,
		.org_id = c->req->actor.org_id,
	};
	rc = ccapex_store_referral_change(conn, c->id, &change, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, c->req, "update", "referral", c->id, "ok", err);
	if (rc == ERR_OK)
		rc = ccapex_store_referral_get(conn, c->id, &c->viewer, &c->json, &c->new_version, NULL, err);
	return rc;
}

/* PATCH turns a status into the step that reaches it; scheduled and
 * examined belong to the agenda and the opinion. */
static int step_for_status(const char *s, enum referral_step *out, struct err *err)
{
	enum referral_status status;
	int rc = referral_parse_status(&status, s, "status", err);
	if (rc != ERR_OK)
		return rc;
	switch (status) {
	case REFERRAL_ADMISSIBLE:
		*out = REFERRAL_ADMIT;
		return ERR_OK;
	case REFERRAL_INADMISSIBLE:
		*out = REFERRAL_REJECT;
		return ERR_OK;
	case REFERRAL_CLOSED:
		*out = REFERRAL_CLOSE;
		return ERR_OK;
	default:
		return err_set_reason(err, ERR_REASON_STATUS_NOT_SETTABLE, "status",
			       "%s is reached through the agenda, the opinion or the escalation", s);
	}
}

int referrals_update(struct req *req, struct reply *rep, struct err *err)
{
	static const char *const allowed[] = { "status", "inadmissible_reason", "complex", "reason", NULL };
	static const char *const refused[] = { "id", "kind", "household_id", "procedure_id", "created_by_org", "version",
					       "created_at", "updated_at", "commune", "epci", "referred_on",
					       "landlord_notice", "escalated", "agenda", "opinions", "history", NULL };
	struct referral_change *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	c->req = req;
	c->complex = -1;
	ccapex_viewer_of(req, &c->viewer);
	char status[24];
	bool present, complex;
	int rc = auth_require(req, POLICY_MANAGE_COMMISSIONS, err);
	if (rc == ERR_OK)
		rc = req_path_uuid(req, "id", &c->id, err);
	if (rc == ERR_OK)
		rc = req_if_match(req, &c->version, err);
	if (rc == ERR_OK)
		rc = json_in_keys(req->body, allowed, refused, err);
	if (rc == ERR_OK)
		rc = json_in_string(req->body, "status", false, status, sizeof(status), &c->has_step, err);
	if (rc == ERR_OK && c->has_step)
		rc = step_for_status(status, &c->step, err);
	if (rc == ERR_OK)
		rc = json_in_text(req->body, "inadmissible_reason", false, TEXT_MULTILINE, c->reason, sizeof(c->reason),
				  &c->has_reason, err);
	if (rc == ERR_OK && c->has_reason && (!c->has_step || c->step != REFERRAL_REJECT))
		rc = err_set_reason(err, ERR_REASON_REASON_REQUIRED, "inadmissible_reason",
			     "a reason goes with the status inadmissible");
	if (rc == ERR_OK && c->has_step && c->step == REFERRAL_REJECT && (!c->has_reason || c->reason[0] == '\0'))
		rc = err_set_reason(err, ERR_REASON_REASON_REQUIRED, "inadmissible_reason", "say why the referral is inadmissible");
	if (rc == ERR_OK)
		rc = json_in_bool(req->body, "complex", false, &complex, &present, err);
	if (rc == ERR_OK && present)
		c->complex = complex;
	/* The referral's reason may hold personal details: it can be
	 * corrected, or erased with null (GDPR art. 16). */
	c->has_referral_reason = json_object_get(req->body, "reason") != NULL;
	if (rc == ERR_OK && c->has_referral_reason)
		rc = json_in_text(req->body, "reason", false, TEXT_MULTILINE, c->referral_reason,
				  sizeof(c->referral_reason), &present, err);
	if (rc == ERR_OK)
		rc = tx_run(req, referrals_change_tx, c, err);
	if (rc == ERR_OK)
		rc = ccapex_reply_text_json(rep, 200, c->json, c->new_version, NULL);
	free(c->json);
	free(c);
	return rc;
}

int referrals_escalate(struct req *req, struct reply *rep, struct err *err)
{
	struct referral_change *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	c->req = req;
	c->complex = -1;
	c->has_step = true;
	c->step = REFERRAL_ESCALATE;
	ccapex_viewer_of(req, &c->viewer);
	int rc = auth_require(req, POLICY_MANAGE_COMMISSIONS, err);
	if (rc == ERR_OK)
		rc = req_path_uuid(req, "id", &c->id, err);
	if (rc == ERR_OK)
		rc = req_if_match(req, &c->version, err);
	if (rc == ERR_OK)
		rc = tx_run(req, referrals_change_tx, c, err);
	if (rc == ERR_OK)
		rc = ccapex_reply_text_json(rep, 200, c->json, c->new_version, NULL);
	free(c->json);
	free(c);
	return rc;
}
