#include "api/orientations.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/audit.h"
#include "api/auth.h"
#include "api/json_in.h"
#include "api/referrals.h"
#include "api/tx.h"
#include "domain/parse.h"
#include "domain/referral.h"
#include "storage/orientations_store.h"

struct orientation_work {
	const struct req *req;
	struct ccapex_viewer viewer;
	bool all;                    /* the secretariat reads every orientation */
	const char *id;              /* the referral's, borrowed from req */
	/* orienting */
	enum orientation_actor actor;
	char addressee_id[CCAPEX_ID_LEN];
	char note[ORIENTATION_TEXT_BYTES];
	bool has_note;
	bool created;
	/* reporting */
	int version;
	enum orientation_status to;
	char report[ORIENTATION_TEXT_BYTES];
	bool has_report;
	struct date reported_on;
	bool has_reported_on;
	/* the answer */
	char *json;
	int new_version;
};

static struct orientation_work *work_new(const struct req *req, struct err *err)
{
	struct orientation_work *w = calloc(1, sizeof(*w));
	if (w == NULL) {
		err_set(err, ERR_INTERNAL, "", "out of memory");
		return NULL;
	}
	w->req = req;
	ccapex_viewer_of(req, &w->viewer);
	w->all = policy_allows(req->actor.kind, POLICY_MANAGE_COMMISSIONS, POLICY_REL_NONE);
	return w;
}

static void work_free(struct orientation_work *w)
{
	if (w == NULL)
		return;
	free(w->json);
	free(w);
}

static int orientations_orient_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct orientation_work *w = ctx;
	struct orientation_target t;
	enum referral_kind kind;
	enum referral_status status;
	enum orientation_status current = ORIENTATION_PENDING;
	enum org_kind addressee_kind;
	char addressee_kind_s[CCAPEX_NAME_LEN];
	int rc = orientations_store_target(conn, w->id, &w->viewer, &t, err);
	if (rc != ERR_OK)
		return rc;
	if (referral_parse_kind(&kind, t.kind, "kind", err) != ERR_OK ||
	    referral_parse_status(&status, t.status, "status", err) != ERR_OK ||
	    (t.oriented && orientation_parse_status(&current, t.orientation_status, "status", err) != ERR_OK))
		return err_set(err, ERR_INTERNAL, "", "a stored referral or orientation is unknown");
	rc = orientation_check_referral(kind, status, t.oriented, current, err);
	if (rc == ERR_OK)
		rc = orientations_store_addressee_kind(conn, w->addressee_id, addressee_kind_s, err);
	if (rc != ERR_OK)
		return rc;
	if (policy_kind_from_string(addressee_kind_s, &addressee_kind) != 0)
		return err_set(err, ERR_INTERNAL, "", "a stored organisation kind is unknown");
	rc = orientation_check_addressee(w->actor, addressee_kind, err);
	if (rc == ERR_OK)
		rc = orientations_store_orient(conn, w->id, orientation_actor_name(w->actor), w->addressee_id,
					       w->has_note ? w->note : NULL, w->req->actor.org_id, &w->created, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, w->req, "orient", "referral", w->id, "ok", err);
	if (rc == ERR_OK)
		rc = orientations_store_get(conn, w->id, true, w->req->actor.org_id, &w->json, &w->new_version, err);
	return rc;
}

int orientations_orient(struct req *req, struct reply *rep, struct err *err)
{
	static const char *const allowed[] = { "actor", "addressee_org_id", "note", NULL };
	static const char *const refused[] = { "referral_id", "household_id", "addressee_org", "oriented_on",
					       "oriented_by_org", "status", "report", "reported_on", "reported_by_org",
					       "version", "created_at", "updated_at", NULL };
	struct orientation_work *w = work_new(req, err);
	if (w == NULL)
		return ERR_INTERNAL;
	char actor[24];
	bool present;
	int rc = auth_require(req, POLICY_MANAGE_COMMISSIONS, err);
	if (rc == ERR_OK)
		rc = req_path_uuid(req, "id", &w->id, err);
	if (rc == ERR_OK)
		rc = json_in_keys(req->body, allowed, refused, err);
	if (rc == ERR_OK)
		rc = json_in_string(req->body, "actor", true, actor, sizeof(actor), &present, err);
	if (rc == ERR_OK)
		rc = orientation_parse_actor(&w->actor, actor, "actor", err);
	if (rc == ERR_OK)
		rc = json_in_string(req->body, "addressee_org_id", true, w->addressee_id, sizeof(w->addressee_id),
				    &present, err);
	if (rc == ERR_OK && !parse_is_uuid(w->addressee_id))
		rc = err_set(err, ERR_INVALID, "addressee_org_id", "addressee_org_id must be an organisation id (UUID)");
	if (rc == ERR_OK)
		rc = json_in_text(req->body, "note", false, TEXT_MULTILINE, w->note, sizeof(w->note), &w->has_note, err);
	if (rc == ERR_OK)
		rc = tx_run(req, orientations_orient_tx, w, err);
	if (rc == ERR_OK) {
		char location[96];
		snprintf(location, sizeof(location), "/v1/referrals/%s/orientation", w->id);
		rc = ccapex_reply_text_json(rep, w->created ? 201 : 200, w->json, w->new_version, location);
	}
	work_free(w);
	return rc;
}

static int orientations_get_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct orientation_work *w = ctx;
	int rc = orientations_store_get(conn, w->id, w->all, w->req->actor.org_id, &w->json, &w->new_version, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, w->req, "read_orientation", "referral", w->id, "ok", err);
	return rc;
}

int orientations_get(struct req *req, struct reply *rep, struct err *err)
{
	struct orientation_work *w = work_new(req, err);
	if (w == NULL)
		return ERR_INTERNAL;
	int rc = req_path_uuid(req, "id", &w->id, err);
	if (rc == ERR_OK)
		rc = tx_run(req, orientations_get_tx, w, err);
	if (rc == ERR_OK)
		rc = ccapex_reply_text_json(rep, 200, w->json, w->new_version, NULL);
	work_free(w);
	return rc;
}

static int orientations_report_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct orientation_work *w = ctx;
	struct orientation_lock lock;
	enum orientation_status from;
	struct date oriented_on, today;
	int rc = orientations_store_lock(conn, w->id, w->all, w->req->actor.org_id, &lock, err);
	if (rc != ERR_OK)
		return rc;
	/* The addressee alone holds a relation to report through. */
	enum policy_relation rel = !lock.addressee ? POLICY_REL_NONE
				   : policy_kind_is_departement_wide(w->req->actor.kind) ? POLICY_REL_DEPARTEMENT
											: POLICY_REL_ADDRESSEE;
	if (!policy_allows(w->req->actor.kind, POLICY_REPORT_ORIENTATION, rel))
		return err_set(err, ERR_FORBIDDEN, "", "only the addressee reports on the orientation");
	if (!req_version_matches(w->version, lock.version))
		return err_set(err, ERR_PRECONDITION_FAILED, "If-Match",
			       "the orientation has changed since version %d; fetch it again", w->version);
	if (orientation_parse_status(&from, lock.status, "status", err) != ERR_OK ||
	    date_parse(&oriented_on, lock.oriented_on, "oriented_on", err) != ERR_OK ||
	    date_parse(&today, lock.today, "reported_on", err) != ERR_OK)
		return err_set(err, ERR_INTERNAL, "", "a stored orientation is unreadable");
	if (!w->has_reported_on)
		w->reported_on = today;
	rc = orientation_check_report(from, w->to, w->has_report, &w->reported_on, &oriented_on, &today, err);
	if (rc != ERR_OK)
		return rc;
	char reported_on[DATE_STR_LEN];
	date_format(reported_on, &w->reported_on);
	rc = orientations_store_report(conn, w->id, orientation_status_name(w->to), w->has_report ? w->report : NULL,
				       reported_on, w->req->actor.org_id, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, w->req, "report_orientation", "referral", w->id, "ok", err);
	if (rc == ERR_OK)
		rc = orientations_store_get(conn, w->id, w->all, w->req->actor.org_id, &w->json, &w->new_version, err);
	return rc;
}

int orientations_report(struct req *req, struct reply *rep, struct err *err)
{
	static const char *const allowed[] = { "status", "report", "reported_on", NULL };
	static const char *const refused[] = { "referral_id", "household_id", "actor", "addressee_org", "note",
					       "oriented_on", "oriented_by_org", "reported_by_org", "version", "created_at",
					       "updated_at", NULL };
	struct orientation_work *w = work_new(req, err);
	if (w == NULL)
		return ERR_INTERNAL;
	char status[24];
	bool present;
	int rc = req_path_uuid(req, "id", &w->id, err);
	if (rc == ERR_OK)
		rc = req_if_match(req, &w->version, err);
	if (rc == ERR_OK)
		rc = json_in_keys(req->body, allowed, refused, err);
	if (rc == ERR_OK)
		rc = json_in_string(req->body, "status", true, status, sizeof(status), &present, err);
	if (rc == ERR_OK)
		rc = orientation_parse_status(&w->to, status, "status", err);
	if (rc == ERR_OK)
		rc = json_in_text(req->body, "report", false, TEXT_MULTILINE, w->report, sizeof(w->report),
				  &w->has_report, err);
	if (rc == ERR_OK)
		rc = json_in_date(req->body, "reported_on", false, DATE_KIND_FIELD_WORK, NULL, &w->reported_on,
				  &w->has_reported_on, err);
	if (rc == ERR_OK)
		rc = tx_run(req, orientations_report_tx, w, err);
	if (rc == ERR_OK)
		rc = ccapex_reply_text_json(rep, 200, w->json, w->new_version, NULL);
	work_free(w);
	return rc;
}
