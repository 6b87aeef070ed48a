#include "api/recommendations.h"

#include <stdlib.h>
#include <string.h>

#include "api/audit.h"
#include "api/cursor.h"
#include "api/json_in.h"
#include "api/referrals.h"
#include "api/tx.h"
#include "domain/commission.h"

struct recommendation_access {
	const struct req *req;
	const char *all_of;       /* the secretariat reads every one of its départements */
	const char *addressee;    /* else its own, when the policy lets it; NULL: none */
	const char *id;
	struct ccapex_recommendation_filter filter;
	struct page_cursor after;
	int limit;
	struct json_page page;
	int version;
	bool reporting;
	enum recommendation_status to;
	char comment[RECOMMENDATION_TEXT_BYTES];
	bool has_comment;
	char *json;
};

/* Read and report go together in the policy: whoever may report on a
 * recommendation may read it. */
static void access_init(struct recommendation_access *a, const struct req *req, enum policy_action action)
{
	memset(a, 0, sizeof(*a));
	a->req = req;
	a->all_of = policy_allows(req->actor.kind, action, POLICY_REL_DEPARTEMENT) ? req->actor.org_id : NULL;
	a->addressee = policy_allows(req->actor.kind, action, POLICY_REL_ADDRESSEE) ? req->actor.org_id : NULL;
}

static int recommendations_list_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct recommendation_access *a = ctx;
	int rc = ccapex_store_recommendation_list(conn, a->all_of, a->addressee, &a->filter, &a->after, a->limit,
						  &a->page, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, a->req, "list", "recommendation", NULL, "ok", err);
	return rc;
}

int recommendations_list(struct req *req, struct reply *rep, struct err *err)
{
	struct recommendation_access a;
	access_init(&a, req, POLICY_READ_RECOMMENDATION);
	enum recommendation_status status;
	a.filter.status = req_query(req, "status");
	int rc = ERR_OK;
	if (a.filter.status != NULL)
		rc = recommendation_parse_status(&status, a.filter.status, "status", err);
	if (rc == ERR_OK)
		rc = ccapex_query_uuid(req, "referral_id", &a.filter.referral_id, err);
	if (rc == ERR_OK)
		rc = ccapex_query_uuid(req, "addressee_org_id", &a.filter.addressee_id, err);
	if (rc == ERR_OK)
		rc = cursor_from_query(req, &a.after, err);
	if (rc == ERR_OK)
		rc = cursor_limit(req, 50, 500, &a.limit, err);
	if (rc == ERR_OK)
		rc = tx_run(req, recommendations_list_tx, &a, err);
	if (rc == ERR_OK)
		rc = reply_json(rep, 200, cursor_page_json(&a.page));
	json_page_free(&a.page);
	return rc;
}

static int recommendations_get_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct recommendation_access *a = ctx;
	int rc = ERR_OK;
	if (a->reporting) {
		char status[CCAPEX_NAME_LEN];
		int version;
		enum recommendation_status from;
		rc = ccapex_store_recommendation_lock(conn, a->id, a->all_of, a->addressee, status, &version, err);
		if (rc != ERR_OK)
			return rc;
		if (!req_version_matches(a->version, version))
			return err_set(err, ERR_PRECONDITION_FAILED, "If-Match",
				       "the recommendation has changed since version %d; fetch it again", a->version);
		if (recommendation_parse_status(&from, status, "status", err) != ERR_OK)
			return err_set(err, ERR_INTERNAL, "", "a stored recommendation status is unknown");
		rc = recommendation_check_report(from, a->to, a->has_comment, err);
		if (rc == ERR_OK)
			rc = ccapex_store_recommendation_report(conn, a->id, recommendation_status_name(a->to),
								a->has_comment ? a->comment : NULL, a->req->actor.org_id,
								err);
	}
	if (rc == ERR_OK)
		rc = audit_record(conn, a->req, a->reporting ? "report" : "read", "recommendation", a->id, "ok", err);
	if (rc == ERR_OK)
		rc = ccapex_store_recommendation_get(conn, a->id, a->all_of, a->addressee, &a->json, &a->version, err);
	return rc;
}

int recommendations_get(struct req *req, struct reply *rep, struct err *err)
{
	struct recommendation_access a;
	access_init(&a, req, POLICY_READ_RECOMMENDATION);
	int rc = req_path_uuid(req, "id", &a.id, err);
	if (rc == ERR_OK)
		rc = tx_run(req, recommendations_get_tx, &a, err);
	if (rc == ERR_OK)
		rc = ccapex_reply_text_json(rep, 200, a.json, a.version, NULL);
	free(a.json);
	return rc;
}

int recommendations_report(struct req *req, struct reply *rep, struct err *err)
{
	static const char *const allowed[] = { "status", "comment", NULL };
	static const char *const refused[] = { "id", "referral_id", "household_id", "commission_id", "addressee_org",
					       "text", "due_on", "reported_at", "reported_by_org", "version",
					       "created_at", "updated_at", NULL };
	struct recommendation_access *a = malloc(sizeof(*a));
	if (a == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	access_init(a, req, POLICY_REPORT_RECOMMENDATION);
	a->reporting = true;
	char status[24];
	bool present;
	int rc = req_path_uuid(req, "id", &a->id, err);
	if (rc == ERR_OK)
		rc = req_if_match(req, &a->version, err);
	if (rc == ERR_OK)
		rc = json_in_keys(req->body, allowed, refused, err);
	if (rc == ERR_OK)
		rc = json_in_string(req->body, "status", true, status, sizeof(status), &present, err);
	if (rc == ERR_OK)
		rc = recommendation_parse_status(&a->to, status, "status", err);
	if (rc == ERR_OK)
		rc = json_in_text(req->body, "comment", false, TEXT_MULTILINE, a->comment, sizeof(a->comment),
				  &a->has_comment, err);
	if (rc == ERR_OK)
		rc = tx_run(req, recommendations_get_tx, a, err);
	if (rc == ERR_OK)
		rc = ccapex_reply_text_json(rep, 200, a->json, a->version, NULL);
	free(a->json);
	free(a);
	return rc;
}
