#include "api/commissions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/audit.h"
#include "api/auth.h"
#include "api/cursor.h"
#include "api/json_in.h"
#include "api/orgs.h"
#include "api/referrals.h"
#include "api/tx.h"
#include "domain/commission.h"
#include "domain/organisation.h"
#include "domain/parse.h"
#include "domain/referral.h"

#define LITERAL_LEN(n, w) ((size_t)(n) * ((w) + 1) + 3)

/* "HH:MM", 00:00 to 23:59. */
static int read_time(const json_t *body, char *out, bool *present, struct err *err)
{
	int rc = json_in_string(body, "time", false, out, 6, present, err);
	if (rc != ERR_OK || !*present)
		return rc;
	int64_t h, m;
	char hh[3] = { out[0], out[1], '\0' }, mm[3] = { out[3], out[4], '\0' };
	if (strlen(out) != 5 || out[2] != ':' || parse_i64(hh, 0, 23, &h) != 0 || parse_i64(mm, 0, 59, &m) != 0 ||
	    hh[0] == '+' || hh[0] == '-' || mm[0] == '+' || mm[0] == '-')
		return err_set(err, ERR_INVALID, "time", "time must be HH:MM");
	return ERR_OK;
}

static int read_text(const json_t *body, const char *key, char *out, size_t len, bool *present, struct err *err)
{
	return json_in_text(body, key, false, TEXT_LINE, out, len, present, err);
}

/* A date "YYYY-MM-DD" within the window of kind around today. */
static int read_date(const char *s, enum date_kind kind, const char *field, struct date *out, struct err *err)
{
	struct date today;
	json_in_today(&today);
	return plausible_date_parse(out, s, kind, &today, field, err);
}

/* --- creation --- */

struct commission_write {
	const struct req *req;
	struct ccapex_viewer viewer;
	enum commission_level level;
	char clil_id[CCAPEX_ID_LEN];
	bool has_clil;
	struct date date;
	char date_s[DATE_STR_LEN];
	char time[8], place[COMMISSION_TEXT_BYTES], title[COMMISSION_TEXT_BYTES];
	bool has_time, has_place, has_title;
	struct territory territory;
	char *communes, *epcis, *chairs, *invited;
	char id[CCAPEX_ID_LEN];
	const char *path_id;
	int version;
	bool has_status;
	enum commission_status status;
	char *json;
};

static void commission_write_free(struct commission_write *w)
{
	if (w == NULL)
		return;
	free(w->communes);
	free(w->epcis);
	free(w->chairs);
	free(w->invited);
	free(w->json);
	free(w);
}

static int commissions_create_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct commission_write *w = ctx;
	struct ccapex_commission_new in = {
		.level = commission_level_name(w->level),
		.clil_id = w->has_clil ? w->clil_id : NULL,
		.date = w->date_s,
		.time = w->has_time ? w->time : NULL,
		.place = w->has_place ? w->place : NULL,
		.title = w->has_title ? w->title : NULL,
		.communes = w->communes,
		.epcis = w->epcis,
		.chairs = w->chairs,
		.invited = w->invited,
		.org_id = w->req->actor.org_id,
	};
	int rc = ccapex_store_commission_create(conn, &in, w->id, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, w->req, "create", "commission", w->id, "ok", err);
	if (rc == ERR_OK)
		rc = ccapex_store_commission_get(conn, w->id, true, &w->viewer, &w->json, &w->version, err);
	return rc;
}

int commissions_create(struct req *req, struct reply *rep, struct err *err)
{
	static const char *const allowed[] = { "level", "clil_id", "date", "time", "place", "title", "territory",
					       "chair_org_ids", "invited_org_ids", NULL };
	static const char *const refused[] = { "id", "status", "chair_orgs", "invited_orgs", "agenda", "version",
					       "created_at", "updated_at", NULL };
	struct commission_write *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	w->req = req;
	ccapex_viewer_of(req, &w->viewer);
	char level[24];
	bool present;
	int n;
	int rc = auth_require(req, POLICY_MANAGE_COMMISSIONS, err);
	if (rc == ERR_OK)
		rc = json_in_keys(req->body, allowed, refused, err);
	if (rc == ERR_OK)
		rc = json_in_string(req->body, "level", true, level, sizeof(level), &present, err);
	if (rc == ERR_OK)
		rc = commission_parse_level(&w->level, level, "level", err);
	if (rc == ERR_OK)
		rc = json_in_string(req->body, "clil_id", false, w->clil_id, sizeof(w->clil_id), &w->has_clil, err);
	if (rc == ERR_OK && w->has_clil && !parse_is_uuid(w->clil_id))
		rc = err_set(err, ERR_INVALID, "clil_id", "clil_id must be a UUID");
	if (rc == ERR_OK)
		rc = commission_check_level(w->level, w->has_clil, err);
	if (rc == ERR_OK)
		rc = json_in_string(req->body, "date", true, w->date_s, sizeof(w->date_s), &present, err);
	if (rc == ERR_OK)
		rc = read_date(w->date_s, DATE_KIND_COMMISSION, "date", &w->date, err);
	if (rc == ERR_OK)
		rc = read_time(req->body, w->time, &w->has_time, err);
	if (rc == ERR_OK)
		rc = read_text(req->body, "place", w->place, sizeof(w->place), &w->has_place, err);
	if (rc == ERR_OK)
		rc = read_text(req->body, "title", w->title, sizeof(w->title), &w->has_title, err);
	if (rc == ERR_OK)
		rc = orgs_read_territory(json_object_get(req->body, "territory"), &w->territory, err);
	if (rc == ERR_OK)
		rc = commission_check_territory(w->level, w->territory.ncommunes + w->territory.nepcis > 0, err);
	if (rc == ERR_OK) {
		w->communes = malloc(LITERAL_LEN(ORG_MAX_COMMUNES, 6));
		w->epcis = malloc(LITERAL_LEN(ORG_MAX_EPCIS, 10));
		if (w->communes == NULL || w->epcis == NULL)
			rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	}
	if (rc == ERR_OK) {
		territory_communes_literal(&w->territory, w->communes, LITERAL_LEN(ORG_MAX_COMMUNES, 6));
		territory_epcis_literal(&w->territory, w->epcis, LITERAL_LEN(ORG_MAX_EPCIS, 10));
		rc = ccapex_uuid_array(req->body, "chair_org_ids", COMMISSION_MAX_MEMBERS, &w->chairs, &n, err);
	}
	if (rc == ERR_OK)
		rc = ccapex_uuid_array(req->body, "invited_org_ids", COMMISSION_MAX_MEMBERS, &w->invited, &n, err);
	if (rc == ERR_OK)
		rc = tx_run(req, commissions_create_tx, w, err);
	if (rc == ERR_OK) {
		char location[80];
		snprintf(location, sizeof(location), "/v1/commissions/%s", w->id);
		rc = ccapex_reply_text_json(rep, 201, w->json, w->version, location);
	}
	commission_write_free(w);
	return rc;
}

/* --- reads --- */

struct commission_read {
	const struct req *req;
	struct ccapex_viewer viewer;
	bool wide;
	const char *id;
	struct ccapex_commission_filter filter;
	struct page_cursor after;
	int limit;
	struct json_page page;
	char *json;
	int version;
};

static void commission_read_init(struct commission_read *r, const struct req *req)
{
	memset(r, 0, sizeof(*r));
	r->req = req;
	ccapex_viewer_of(req, &r->viewer);
	r->wide = policy_allows(req->actor.kind, POLICY_MANAGE_COMMISSIONS, POLICY_REL_NONE);
}

static int commissions_get_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct commission_read *r = ctx;
	int rc = ccapex_store_commission_get(conn, r->id, r->wide, &r->viewer, &r->json, &r->version, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, r->req, "read", "commission", r->id, "ok", err);
	return rc;
}

int commissions_get(struct req *req, struct reply *rep, struct err *err)
{
	struct commission_read r;
	commission_read_init(&r, req);
	int rc = req_path_uuid(req, "id", &r.id, err);
	if (rc == ERR_OK)
		rc = tx_run(req, commissions_get_tx, &r, err);
	if (rc == ERR_OK)
		rc = ccapex_reply_text_json(rep, 200, r.json, r.version, NULL);
	free(r.json);
	return rc;
}

static int commissions_list_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct commission_read *r = ctx;
	int rc = ccapex_store_commission_list(conn, r->wide, &r->viewer, &r->filter, &r->after, r->limit, &r->page,
					      err);
	if (rc == ERR_OK)
		rc = audit_record(conn, r->req, "list", "commission", NULL, "ok", err);
	return rc;
}

static int query_date(const struct req *req, const char *name, const char **out, struct err *err)
{
	struct date d;
	*out = req_query(req, name);
	return *out != NULL ? read_date(*out, DATE_KIND_QUERY, name, &d, err) : ERR_OK;
}

int commissions_list(struct req *req, struct reply *rep, struct err *err)
{
	struct commission_read r;
	commission_read_init(&r, req);
	enum commission_level level;
	enum commission_status status;
	r.filter.level = req_query(req, "level");
	r.filter.status = req_query(req, "status");
	int rc = ERR_OK;
	if (r.filter.level != NULL)
		rc = commission_parse_level(&level, r.filter.level, "level", err);
	if (rc == ERR_OK && r.filter.status != NULL)
		rc = commission_parse_status(&status, r.filter.status, "status", err);
	if (rc == ERR_OK)
		rc = ccapex_query_uuid(req, "clil_id", &r.filter.clil_id, err);
	if (rc == ERR_OK)
		rc = query_date(req, "from", &r.filter.from, err);
	if (rc == ERR_OK)
		rc = query_date(req, "to", &r.filter.to, err);
	if (rc == ERR_OK)
		rc = cursor_from_query(req, &r.after, err);
	if (rc == ERR_OK)
		rc = cursor_limit(req, 50, 500, &r.limit, err);
	if (rc == ERR_OK)
		rc = tx_run(req, commissions_list_tx, &r, err);
	if (rc == ERR_OK)
		rc = reply_json(rep, 200, cursor_page_json(&r.page));
	json_page_free(&r.page);
	return rc;
}

/* --- the session --- */

static int commissions_update_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct commission_write *w = ctx;
	struct ccapex_commission_lock lock;
	enum commission_status from;
	int rc = ccapex_store_commission_lock(conn, w->path_id, w->req->actor.org_id, &lock, err);
	if (rc != ERR_OK)
		return rc;
	if (!req_version_matches(w->version, lock.version))
		return err_set(err, ERR_PRECONDITION_FAILED, "If-Match",
			       "the commission has changed since version %d; fetch it again", w->version);
	if (commission_parse_status(&from, lock.status, "status", err) != ERR_OK)
		return err_set(err, ERR_INTERNAL, "", "a stored commission status is unknown");
	if (w->has_status)
		rc = commission_check_status_change(from, w->status, err);
	if (rc != ERR_OK)
		return rc;
	struct ccapex_commission_patch patch = {
		.status = w->has_status ? commission_status_name(w->status) : NULL,
		.set_time = json_object_get(w->req->body, "time") != NULL,
		.time = w->has_time ? w->time : NULL,
		.set_place = json_object_get(w->req->body, "place") != NULL,
		.place = w->has_place ? w->place : NULL,
		.set_title = json_object_get(w->req->body, "title") != NULL,
		.title = w->has_title ? w->title : NULL,
	};
	rc = ccapex_store_commission_update(conn, w->path_id, &patch, err);
	if (rc == ERR_OK && w->has_status && w->status == COMMISSION_CLOSED)
		rc = ccapex_store_commission_close_agenda(conn, w->path_id, w->req->actor.org_id, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, w->req, "update", "commission", w->path_id, "ok", err);
	if (rc == ERR_OK)
		rc = ccapex_store_commission_get(conn, w->path_id, true, &w->viewer, &w->json, &w->version, err);
	return rc;
}

int commissions_update(struct req *req, struct reply *rep, struct err *err)
{
	static const char *const allowed[] = { "status", "time", "place", "title", NULL };
	static const char *const refused[] = { "id", "level", "clil_id", "date", "territory", "chair_orgs",
					       "invited_orgs", "chair_org_ids", "invited_org_ids", "agenda", "version",
					       "created_at", "updated_at", NULL };
	struct commission_write *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	w->req = req;
	ccapex_viewer_of(req, &w->viewer);
	char status[24];
	int rc = auth_require(req, POLICY_MANAGE_COMMISSIONS, err);
	if (rc == ERR_OK)
		rc = req_path_uuid(req, "id", &w->path_id, err);
	if (rc == ERR_OK)
		rc = req_if_match(req, &w->version, err);
	if (rc == ERR_OK)
		rc = json_in_keys(req->body, allowed, refused, err);
	if (rc == ERR_OK)
		rc = json_in_string(req->body, "status", false, status, sizeof(status), &w->has_status, err);
	if (rc == ERR_OK && w->has_status)
		rc = commission_parse_status(&w->status, status, "status", err);
	if (rc == ERR_OK)
		rc = read_time(req->body, w->time, &w->has_time, err);
	if (rc == ERR_OK)
		rc = read_text(req->body, "place", w->place, sizeof(w->place), &w->has_place, err);
	if (rc == ERR_OK)
		rc = read_text(req->body, "title", w->title, sizeof(w->title), &w->has_title, err);
	if (rc == ERR_OK)
		rc = tx_run(req, commissions_update_tx, w, err);
	if (rc == ERR_OK)
		rc = ccapex_reply_text_json(rep, 200, w->json, w->version, NULL);
	commission_write_free(w);
	return rc;
}

/* --- the agenda --- */

struct agenda_change {
	const struct req *req;
	struct ccapex_viewer viewer;
	const char *commission_id;
	const char *referral_id;
	char referral_buf[CCAPEX_ID_LEN];
	bool adding;
	int position;
	int if_match;              /* the session's version the client holds */
	int version;               /* the session's, after the change */
};

/* Locks the session and then the referral, always in that order. */
static int agenda_lock(PGconn *conn, struct agenda_change *a, enum referral_status *status, struct err *err)
{
	struct ccapex_commission_lock lock;
	struct ccapex_referral_lock rlock;
	enum commission_status cs;
	int rc = ccapex_store_commission_lock(conn, a->commission_id, a->req->actor.org_id, &lock, err);
	if (rc == ERR_OK && !req_version_matches(a->if_match, lock.version))
		return err_set(err, ERR_PRECONDITION_FAILED, "If-Match",
			       "the session has changed since version %d; fetch it again", a->if_match);
	a->version = lock.version + 1;
	if (rc == ERR_OK && commission_parse_status(&cs, lock.status, "status", err) != ERR_OK)
		rc = err_set(err, ERR_INTERNAL, "", "a stored commission status is unknown");
	if (rc == ERR_OK)
		rc = commission_check_agenda_change(cs, err);
	if (rc != ERR_OK)
		return rc;
	rc = ccapex_store_referral_lock(conn, a->referral_id, &a->viewer, &rlock, err);
	if (rc == ERR_NOT_FOUND)
		return a->adding ? err_set_reason(err, ERR_REASON_UNKNOWN_REFERENCE, "referral_id", "no such referral")
				 : err_set(err, ERR_NOT_FOUND, "", "the referral is not on this agenda");
	if (rc == ERR_OK && referral_parse_status(status, rlock.status, "status", err) != ERR_OK)
		rc = err_set(err, ERR_INTERNAL, "", "a stored referral status is unknown");
	return rc;
}

static int agenda_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct agenda_change *a = ctx;
	enum referral_status from, to;
	enum referral_step step = a->adding ? REFERRAL_SCHEDULE : REFERRAL_UNSCHEDULE;
	int rc = agenda_lock(conn, a, &from, err);
	if (rc != ERR_OK)
		return rc;
	if (a->adding) {
		rc = referral_step_apply(&to, from, step, false, err);
		if (rc == ERR_CONFLICT)
			return err_set_reason(err, ERR_REASON_REFERRAL_NOT_READY, "referral_id", "the referral is %s: %s",
				       referral_status_name(from),
				       from == REFERRAL_RECEIVED ? "declare it admissible first"
								 : "it cannot go on an agenda");
		if (rc == ERR_OK)
			rc = ccapex_store_agenda_add(conn, a->commission_id, a->referral_id, &a->position, err);
	} else {
		rc = ccapex_store_agenda_remove(conn, a->commission_id, a->referral_id, err);
		if (rc == ERR_OK)
			rc = referral_step_apply(&to, from, step, false, err);
	}
	if (rc != ERR_OK)
		return rc;
	struct ccapex_referral_change change = {
		.status = referral_status_name(to),
		.complex = -1,
		.step = referral_step_name(step),
		.commission_id = a->commission_id,
		.org_id = a->req->actor.org_id,
	};
	rc = ccapex_store_referral_change(conn, a->referral_id, &change, err);
	if (rc == ERR_OK)
		rc = ccapex_store_commission_touch(conn, a->commission_id, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, a->req, a->adding ? "schedule" : "unschedule", "referral", a->referral_id, "ok",
				  err);
	return rc;
}

int commissions_agenda_add(struct req *req, struct reply *rep, struct err *err)
{
	static const char *const allowed[] = { "referral_id", NULL };
	static const char *const refused[] = { "position", "commission_id", "added_at", NULL };
	struct agenda_change a = { .req = req, .adding = true };
	ccapex_viewer_of(req, &a.viewer);
	bool present;
	int rc = auth_require(req, POLICY_MANAGE_COMMISSIONS, err);
	if (rc == ERR_OK)
		rc = req_path_uuid(req, "id", &a.commission_id, err);
	if (rc == ERR_OK)
		rc = req_if_match(req, &a.if_match, err);
	if (rc == ERR_OK)
		rc = json_in_keys(req->body, allowed, refused, err);
	if (rc == ERR_OK)
		rc = json_in_string(req->body, "referral_id", true, a.referral_buf, sizeof(a.referral_buf), &present,
				    err);
	if (rc == ERR_OK && !parse_is_uuid(a.referral_buf))
		rc = err_set(err, ERR_INVALID, "referral_id", "referral_id must be a UUID");
	a.referral_id = a.referral_buf;
	if (rc == ERR_OK)
		rc = tx_run(req, agenda_tx, &a, err);
	if (rc == ERR_OK) {
		reply_etag(rep, a.version);
		rc = reply_json(rep, 201, json_pack("{ss ss si}", "commission_id", a.commission_id, "referral_id",
						    a.referral_id, "position", a.position));
	}
	return rc;
}

int commissions_agenda_remove(struct req *req, struct reply *rep, struct err *err)
{
	struct agenda_change a = { .req = req };
	ccapex_viewer_of(req, &a.viewer);
	int rc = auth_require(req, POLICY_MANAGE_COMMISSIONS, err);
	if (rc == ERR_OK)
		rc = req_path_uuid(req, "id", &a.commission_id, err);
	if (rc == ERR_OK)
		rc = req_path_uuid(req, "referral_id", &a.referral_id, err);
	if (rc == ERR_OK)
		rc = req_if_match(req, &a.if_match, err);
	if (rc == ERR_OK)
		rc = tx_run(req, agenda_tx, &a, err);
	if (rc == ERR_OK) {
		reply_etag(rep, a.version);
		reply_empty(rep, 204);
	}
	return rc;
}

/* --- opinions --- */

struct recommendation_in {
	char id[CCAPEX_ID_LEN];          /* "" when given without one */
	char addressee[CCAPEX_ID_LEN];
	char text[RECOMMENDATION_TEXT_BYTES];
	char due_s[DATE_STR_LEN];
	struct date due;
};

struct opinion_write {
	const struct req *req;
	struct ccapex_viewer viewer;
	const char *commission_id;
	const char *referral_id;
	char summary[OPINION_SUMMARY_BYTES];
	enum opinion_decision decisions[DECISION__COUNT];
	int ndecisions;
	char decisions_lit[DECISION__COUNT * 32 + 3];
	struct recommendation_in recs[OPINION_MAX_RECOMMENDATIONS];
	int nrecs;
	char kinds_lit[ORG_KIND__COUNT * 24 + 3];
	struct ccapex_held held;
	char id[CCAPEX_ID_LEN];
	bool created;
	bool has_if_match;
	int if_match;              /* the opinion's version the client holds */
	int version;               /* the opinion's, after the change */
	char *json;
};

static int read_decisions(struct opinion_write *o, const json_t *list, struct err *err)
{
	if (!json_is_array(list))
		return err_set(err, ERR_INVALID, "decisions", "decisions must be an array of decision codes");
	if (json_array_size(list) > DECISION__COUNT)
		return err_set_reason(err, ERR_REASON_GIVEN_TWICE, "decisions", "a decision is given twice");
	size_t used = 0;
	o->decisions_lit[used++] = '{';
	for (size_t i = 0; i < json_array_size(list); i++) {
		char field[40];
		snprintf(field, sizeof(field), "decisions[%zu]", i);
		const char *s = json_string_value(json_array_get(list, i));
		int rc = opinion_parse_decision(&o->decisions[i], s, field, err);
		if (rc != ERR_OK)
			return rc;
		used += (size_t)snprintf(o->decisions_lit + used, sizeof(o->decisions_lit) - used, "%s%s",
					 i ? "," : "", s);
		o->ndecisions++;
	}
	snprintf(o->decisions_lit + used, sizeof(o->decisions_lit) - used, "}");
	return ERR_OK;
}

static int read_recommendations(struct opinion_write *o, const json_t *list, struct err *err)
{
	static const char *const allowed[] = { "id", "addressee_org_id", "text", "due_on", NULL };
	static const char *const refused[] = { "status", "comment", "referral_id", "commission_id", NULL };
	if (list == NULL || json_is_null(list))
		return ERR_OK;
	if (!json_is_array(list))
		return err_set(err, ERR_INVALID, "recommendations", "recommendations must be an array");
	if (json_array_size(list) > OPINION_MAX_RECOMMENDATIONS)
		return err_set(err, ERR_INVALID, "recommendations", "at most %d recommendations",
			       OPINION_MAX_RECOMMENDATIONS);
	for (size_t i = 0; i < json_array_size(list); i++) {
		const json_t *item = json_array_get(list, i);
		struct recommendation_in *r = &o->recs[i];
		bool present;
		char prefix[40];
		snprintf(prefix, sizeof(prefix), "recommendations[%zu]", i);
		if (!json_is_object(item))
			return err_set(err, ERR_INVALID, prefix, "each recommendation is an object");
		int rc = json_in_keys(item, allowed, refused, err);
		if (rc == ERR_OK)
			rc = json_in_string(item, "id", false, r->id, sizeof(r->id), &present, err);
		if (rc == ERR_OK && present && !parse_is_uuid(r->id))
			rc = err_set(err, ERR_INVALID, "id", "id must be the UUID of a recommendation of this opinion");
		if (rc == ERR_OK)
			rc = json_in_string(item, "addressee_org_id", true, r->addressee, sizeof(r->addressee), &present, err);
		if (rc == ERR_OK && !parse_is_uuid(r->addressee))
			rc = err_set(err, ERR_INVALID, "addressee_org_id", "addressee_org_id must be a UUID");
		if (rc == ERR_OK)
			rc = json_in_text(item, "text", true, TEXT_MULTILINE, r->text, sizeof(r->text), &present, err);
		if (rc == ERR_OK)
			rc = json_in_string(item, "due_on", true, r->due_s, sizeof(r->due_s), &present, err);
		if (rc == ERR_OK)
			rc = read_date(r->due_s, DATE_KIND_PLAN, "due_on", &r->due, err);
		if (rc != ERR_OK) {
			/* Name the member within its recommendation. */
			char field[sizeof(prefix) + sizeof(err->field) + 1];
			snprintf(field, sizeof(field), "%s%s%s", prefix, err->field[0] ? "." : "", err->field);
			size_t n = strnlen(field, sizeof(err->field) - 1);
			memcpy(err->field, field, n);
			err->field[n] = '\0';
			return rc;
		}
		o->nrecs++;
	}
	return ERR_OK;
}

/* The kinds a recommendation may be addressed to: those that can read it. */
static void addressee_kinds(char *out, size_t len)
{
	size_t used = (size_t)snprintf(out, len, "{");
	for (int k = 0; k < ORG_KIND__COUNT; k++) {
		if (!policy_allows((enum org_kind)k, POLICY_READ_RECOMMENDATION, POLICY_REL_ADDRESSEE) &&
		    !policy_allows((enum org_kind)k, POLICY_READ_RECOMMENDATION, POLICY_REL_DEPARTEMENT))
			continue;
		used += (size_t)snprintf(out + used, len - used, "%s%s", used > 1 ? "," : "",
					 policy_kind_to_string((enum org_kind)k));
	}
	snprintf(out + used, len - used, "}");
}

/* The opinion's recommendations as given: those still given keep their
 * ids (and reports), the others are withdrawn, the new ones added. */
static int recommendations_tx(PGconn *conn, struct opinion_write *o, struct err *err)
{
	struct recommendation_held held[2 * OPINION_MAX_RECOMMENDATIONS];
	struct recommendation_given given[OPINION_MAX_RECOMMENDATIONS];
	int match[OPINION_MAX_RECOMMENDATIONS];
	bool kept[2 * OPINION_MAX_RECOMMENDATIONS] = { false };
	int rc = ccapex_store_recommendations_held(conn, o->id, &o->held, err);
	for (int k = 0; rc == ERR_OK && k < o->held.count; k++) {
		const struct ccapex_held_item *it = &o->held.items[k];
		held[k] = (struct recommendation_held){ .id = it->id, .addressee = it->addressee, .text = it->text };
		if (date_parse(&held[k].due, it->due, "due_on", err) != ERR_OK ||
		    recommendation_parse_status(&held[k].status, it->status, "status", err) != ERR_OK)
			rc = err_set(err, ERR_INTERNAL, "", "a stored recommendation is malformed");
	}
	for (int i = 0; i < o->nrecs; i++)
		given[i] = (struct recommendation_given){ .id = o->recs[i].id, .addressee = o->recs[i].addressee,
							  .text = o->recs[i].text, .due = o->recs[i].due };
	if (rc == ERR_OK)
		rc = opinion_match_recommendations(match, held, o->held.count, given, o->nrecs, err);
	for (int i = 0; rc == ERR_OK && i < o->nrecs; i++) {
		if (match[i] >= 0) {
			kept[match[i]] = true;
			rc = ccapex_store_recommendation_keep(conn, held[match[i]].id, o->recs[i].due_s, err);
			continue;
		}
		char field[48];
		snprintf(field, sizeof(field), "recommendations[%d].addressee_org_id", i);
		rc = ccapex_store_recommendation_add(conn, o->id, o->recs[i].addressee, o->recs[i].text,
						     o->recs[i].due_s, o->kinds_lit, field, err);
	}
	char withdrawn[2 * OPINION_MAX_RECOMMENDATIONS * CCAPEX_ID_LEN + 3] = "{";
	size_t used = 1;
	for (int k = 0; k < o->held.count; k++)
		if (!kept[k])
			used += (size_t)snprintf(withdrawn + used, sizeof(withdrawn) - used, "%s%s", used > 1 ? "," : "",
						 held[k].id);
	snprintf(withdrawn + used, sizeof(withdrawn) - used, "}");
	if (rc == ERR_OK && used > 1)
		rc = ccapex_store_recommendations_withdraw(conn, withdrawn, err);
	return rc;
}

static int opinion_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct opinion_write *o = ctx;
	struct ccapex_commission_lock lock;
	struct ccapex_referral_lock rlock;
	enum commission_status cs;
	enum referral_status from, to;
	struct date session;
	int rc = ccapex_store_commission_lock(conn, o->commission_id, o->req->actor.org_id, &lock, err);
	if (rc != ERR_OK)
		return rc;
	if (commission_parse_status(&cs, lock.status, "status", err) != ERR_OK ||
	    date_parse(&session, lock.date, "date", err) != ERR_OK)
		return err_set(err, ERR_INTERNAL, "", "a stored commission is malformed");
	rc = commission_check_opinion(cs, err);
	if (rc == ERR_OK)
		rc = opinion_check_decisions(o->decisions, o->ndecisions, &session, err);
	for (int i = 0; rc == ERR_OK && i < o->nrecs; i++) {
		char field[48];
		snprintf(field, sizeof(field), "recommendations[%d].due_on", i);
		rc = recommendation_check_due(&o->recs[i].due, &session, field, err);
	}
	if (rc == ERR_OK)
		rc = ccapex_store_opinion_put(conn, o->commission_id, o->referral_id, o->summary, o->decisions_lit,
					      o->req->actor.org_id, o->id, &o->created, &o->version, err);
	/* Replacing an opinion needs its ETag, as a PATCH does; giving the
	 * first one needs none (and If-Match names no opinion yet: 412). */
	if (rc == ERR_OK && !o->created && !o->has_if_match)
		rc = err_set(err, ERR_PRECONDITION_REQUIRED, "If-Match",
			     "an opinion is given on this referral: If-Match with its ETag is required to replace it");
	if (rc == ERR_OK && o->has_if_match &&
	    (o->created || !req_version_matches(o->if_match, o->version - 1)))
		rc = err_set(err, ERR_PRECONDITION_FAILED, "If-Match",
			     "If-Match does not match the current opinion's ETag; fetch the referral again");
	if (rc == ERR_OK)
		rc = ccapex_store_referral_lock(conn, o->referral_id, &o->viewer, &rlock, err);
	if (rc == ERR_OK && referral_parse_status(&from, rlock.status, "status", err) != ERR_OK)
		rc = err_set(err, ERR_INTERNAL, "", "a stored referral status is unknown");
	if (rc == ERR_OK)
		rc = referral_step_apply(&to, from, REFERRAL_EXAMINE, false, err);
	if (rc == ERR_OK && o->created) {
		struct ccapex_referral_change change = {
			.status = referral_status_name(to),
			.complex = -1,
			.step = referral_step_name(REFERRAL_EXAMINE),
			.commission_id = o->commission_id,
			.org_id = o->req->actor.org_id,
		};
		rc = ccapex_store_referral_change(conn, o->referral_id, &change, err);
	}
	if (rc == ERR_OK)
		rc = recommendations_tx(conn, o, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, o->req, "opinion", "referral", o->referral_id, "ok", err);
	if (rc == ERR_OK)
		rc = ccapex_store_opinion_get(conn, o->id, &o->json, err);
	return rc;
}

int commissions_put_opinion(struct req *req, struct reply *rep, struct err *err)
{
	static const char *const allowed[] = { "summary", "decisions", "recommendations", NULL };
	static const char *const refused[] = { "id", "commission_id", "referral_id", "level", "session_on",
					       "version", "created_at", "updated_at", NULL };
	struct opinion_write *o = calloc(1, sizeof(*o));
	if (o == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	o->req = req;
	ccapex_viewer_of(req, &o->viewer);
	addressee_kinds(o->kinds_lit, sizeof(o->kinds_lit));
	bool present;
	int rc = auth_require(req, POLICY_MANAGE_COMMISSIONS, err);
	if (rc == ERR_OK)
		rc = req_path_uuid(req, "id", &o->commission_id, err);
	if (rc == ERR_OK && !parse_is_uuid(req_param(req, "referral_id")))
		rc = err_set_reason(err, ERR_REASON_UNKNOWN_REFERENCE, "referral_id", "no such referral on this agenda");
	o->referral_id = req_param(req, "referral_id");
	o->has_if_match = req_header(req, "If-Match") != NULL;
	if (rc == ERR_OK && o->has_if_match)
		rc = req_if_match(req, &o->if_match, err);
	if (rc == ERR_OK)
		rc = json_in_keys(req->body, allowed, refused, err);
	if (rc == ERR_OK)
		rc = json_in_text(req->body, "summary", true, TEXT_MULTILINE, o->summary, sizeof(o->summary), &present,
				  err);
	if (rc == ERR_OK)
		rc = read_decisions(o, json_object_get(req->body, "decisions"), err);
	if (rc == ERR_OK)
		rc = read_recommendations(o, json_object_get(req->body, "recommendations"), err);
	if (rc == ERR_OK)
		rc = tx_run(req, opinion_tx, o, err);
	if (rc == ERR_OK)
		rc = ccapex_reply_text_json(rep, o->created ? 201 : 200, o->json, o->version, NULL);
	free(o->json);
	ccapex_held_free(&o->held);
	free(o);
	return rc;
}
