#include "api/benefit_decisions.h"

#include <stdlib.h>
#include <string.h>

#include "api/audit.h"
#include "api/cursor.h"
#include "api/json_in.h"
#include "api/referrals.h"
#include "api/tx.h"
#include "storage/caf_store.h"

enum decision_step { STEP_READ, STEP_DECIDE, STEP_APPLY, STEP_CORRECT };

struct decision_access {
	const struct req *req;
	const char *all_of;       /* the secretariat reads every one of its départements */
	const char *addressee;    /* else its own, when the policy lets it; NULL: none */
	const char *id;
	struct benefit_decision_filter filter;
	struct page_cursor after;
	int limit;
	struct json_page page;
	enum decision_step step;
	int version;              /* If-Match, then the answer's */
	enum benefit_decision_outcome decision;
	char reasons[BENEFIT_DECISION_REASONS_MAX * 4 + 1];
	struct date day;          /* decided_on or applied_on */
	char *json;
};

static void access_init(struct decision_access *a, const struct req *req)
{
	memset(a, 0, sizeof(*a));
	a->req = req;
	a->all_of = policy_allows(req->actor.kind, POLICY_READ_BENEFIT_DECISION, POLICY_REL_DEPARTEMENT)
			    ? req->actor.org_id
			    : NULL;
	a->addressee = policy_allows(req->actor.kind, POLICY_READ_BENEFIT_DECISION, POLICY_REL_ADDRESSEE)
			       ? req->actor.org_id
			       : NULL;
}

static int list_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct decision_access *a = ctx;
	int rc = caf_store_decision_list(conn, a->all_of, a->addressee, &a->filter, &a->after, a->limit, &a->page, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, a->req, "list", "benefit_decision", NULL, "ok", err);
	return rc;
}

int benefit_decisions_list(struct req *req, struct reply *rep, struct err *err)
{
	struct decision_access a;
	access_init(&a, req);
	enum benefit_decision_status status;
	a.filter.status = req_query(req, "status");
	int rc = ERR_OK;
	if (a.filter.status != NULL && benefit_decision_parse_status(a.filter.status, &status) != 0)
		rc = err_set(err, ERR_INVALID, "status", "status must be open, decided or applied");
	if (rc == ERR_OK)
		rc = ccapex_query_uuid(req, "household_id", &a.filter.household_id, err);
	if (rc == ERR_OK)
		rc = ccapex_query_uuid(req, "caf_signal_id", &a.filter.caf_signal_id, err);
	if (rc == ERR_OK)
		rc = cursor_from_query(req, &a.after, err);
	if (rc == ERR_OK)
		rc = cursor_limit(req, 50, 500, &a.limit, err);
	if (rc == ERR_OK)
		rc = tx_run(req, list_tx, &a, err);
	if (rc == ERR_OK)
		rc = reply_json(rep, 200, cursor_page_json(&a.page));
	json_page_free(&a.page);
	return rc;
}

/* Who may take the step, once the decision is known to be visible: the
 * secretariat decides (it manages the commissions), the addressee CAF
 * applies. */
static int step_allowed(const struct decision_access *a, struct err *err)
{
	enum org_kind kind = a->req->actor.kind;
	if (a->step == STEP_DECIDE && !policy_allows(kind, POLICY_MANAGE_COMMISSIONS, POLICY_REL_NONE))
		return err_set(err, ERR_FORBIDDEN, "decision", "only the CCAPEX secretariat decides");
	if (a->step == STEP_CORRECT && !policy_allows(kind, POLICY_MANAGE_COMMISSIONS, POLICY_REL_NONE))
		return err_set(err, ERR_FORBIDDEN, "reasons", "only the CCAPEX secretariat corrects its reasons");
	if (a->step == STEP_APPLY && !policy_allows(kind, POLICY_APPLY_BENEFIT_DECISION, POLICY_REL_ADDRESSEE))
		return err_set(err, ERR_FORBIDDEN, "applied_on", "only the CAF the decision is addressed to applies it");
	return ERR_OK;
}

static int change(PGconn *conn, struct decision_access *a, struct err *err)
{
	struct benefit_decision_state st;
	int rc = caf_store_decision_lock(conn, a->id, a->all_of, a->addressee, &st, err);
	if (rc == ERR_OK)
		rc = step_allowed(a, err);
	if (rc == ERR_OK && !req_version_matches(a->version, st.version))
		rc = err_set(err, ERR_PRECONDITION_FAILED, "If-Match",
			     "the benefit decision has changed since version %d; fetch it again", a->version);
	if (rc == ERR_OK && a->step == STEP_DECIDE)
		rc = benefit_decision_check_decide(st.status, &st.signalled_on, &a->day, err);
	if (rc == ERR_OK && a->step == STEP_DECIDE)
		rc = caf_store_decision_decide(conn, a->id, a->decision, a->reasons, &a->day, a->req->actor.org_id, err);
	if (rc == ERR_OK && a->step == STEP_APPLY)
		rc = benefit_decision_check_apply(st.status, &st.decided_on, &a->day, err);
	if (rc == ERR_OK && a->step == STEP_APPLY)
		rc = caf_store_decision_apply(conn, a->id, &a->day, err);
	if (rc == ERR_OK && a->step == STEP_CORRECT && !st.decided)
		rc = err_set_reason(err, ERR_REASON_INCONSISTENT_WITH_STATUS, "reasons",
				    "an open decision has no reasons yet: decide it");
	if (rc == ERR_OK && a->step == STEP_CORRECT)
		rc = caf_store_decision_correct(conn, a->id, a->reasons, err);
	return rc;
}

static int get_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct decision_access *a = ctx;
	int rc = a->step == STEP_READ ? ERR_OK : change(conn, a, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, a->req,
				  a->step == STEP_DECIDE  ? "decide"
				  : a->step == STEP_APPLY ? "apply"
				  : a->step == STEP_CORRECT ? "correct"
							  : "read",
				  "benefit_decision", a->id, "ok", err);
	if (rc == ERR_OK)
		rc = caf_store_decision_get(conn, a->id, a->all_of, a->addressee, &a->json, &a->version, err);
	return rc;
}

/* The members of a step: decision, reasons and decided_on together, or
 * applied_on alone. */
static int read_step(const json_t *body, struct decision_access *a, struct err *err)
{
	static const char *const allowed[] = { "decision", "reasons", "decided_on", "applied_on", NULL };
	static const char *const refused[] = { "id", "household_id", "caf_signal_id", "addressee_org", "signalled_on",
					       "status", "decided_by_org", "decided_at", "applied_at", "version",
					       "created_at", "updated_at", NULL };
	char decision[24];
	bool present = false, has_applied = json_object_get(body, "applied_on") != NULL;
	int rc = json_in_keys(body, allowed, refused, err);
	if (rc == ERR_OK && has_applied && json_object_size(body) > 1)
		rc = err_set(err, ERR_INVALID, "applied_on", "applied_on comes alone: the CAF reports it applied");
	if (rc == ERR_OK && has_applied) {
		a->step = STEP_APPLY;
		return json_in_date(body, "applied_on", true, DATE_KIND_FIELD_WORK, NULL, &a->day, &present, err);
	}
	/* reasons alone correct those of a decision already taken. */
	bool correcting = json_object_get(body, "reasons") != NULL && json_object_size(body) == 1;
	a->step = correcting ? STEP_CORRECT : STEP_DECIDE;
	if (rc == ERR_OK && !correcting)
		rc = json_in_string(body, "decision", true, decision, sizeof(decision), &present, err);
	if (rc == ERR_OK && !correcting && benefit_decision_parse_outcome(decision, &a->decision) != 0)
		rc = err_set(err, ERR_INVALID, "decision", "decision must be maintained, suspended or paid_to_landlord");
	if (rc == ERR_OK)
		rc = json_in_text(body, "reasons", true, TEXT_MULTILINE, a->reasons, sizeof(a->reasons), &present, err);
	if (rc == ERR_OK && strlen(a->reasons) > BENEFIT_DECISION_REASONS_MAX)
		rc = err_set(err, ERR_INVALID, "reasons", "reasons take at most %d characters",
			     BENEFIT_DECISION_REASONS_MAX);
	if (rc == ERR_OK && !correcting)
		rc = json_in_date(body, "decided_on", true, DATE_KIND_COMMISSION, NULL, &a->day, &present, err);
	return rc;
}

/* GET reads; PATCH takes a step (under If-Match), then reads. */
static int decision_request(struct req *req, struct reply *rep, bool changing, struct err *err)
{
	struct decision_access *a = malloc(sizeof(*a));
	if (a == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	access_init(a, req);
	int rc = req_path_uuid(req, "id", &a->id, err);
	if (rc == ERR_OK && changing)
		rc = req_if_match(req, &a->version, err);
	if (rc == ERR_OK && changing)
		rc = read_step(req->body, a, err);
	if (rc == ERR_OK)
		rc = tx_run(req, get_tx, a, err);
	if (rc == ERR_OK)
		rc = ccapex_reply_text_json(rep, 200, a->json, a->version, NULL);
	free(a->json);
	free(a);
	return rc;
}

int benefit_decisions_get(struct req *req, struct reply *rep, struct err *err)
{
	return decision_request(req, rep, false, err);
}

int benefit_decisions_update(struct req *req, struct reply *rep, struct err *err)
{
	return decision_request(req, rep, true, err);
}
