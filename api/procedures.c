#include "api/procedures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/audit.h"
#include "api/auth.h"
#include "api/cursor.h"
#include "api/households.h"
#include "api/households_json.h"
#include "api/json_in.h"
#include "api/referrals.h"
#include "api/field_common.h"
#include "api/tx.h"
#include "domain/deadlines.h"
#include "domain/parse.h"
#include "domain/procedure.h"
#include "domain/rules.h"
#include "storage/households_store.h"
#include "storage/procedures_store.h"

struct procedure_work {
	struct req *req;
	struct store_caller caller;
	const char *id;                 /* the procedure, or the household on create */
	char reference[JSON_IN_TEXT_BYTES(100)];
	bool has_reference;
	struct event ev;
	const char *corrects;           /* borrowed from the body */
	struct procedure_record rec;
	struct procedure p;             /* the replayed procedure */
	char *json;                     /* owned: the created resource */
	char created_id[40];
};

static struct procedure_work *work_new(struct req *req)
{
	struct procedure_work *w = calloc(1, sizeof(*w));
	if (w != NULL) {
		w->req = req;
		households_caller(req, &w->caller);
	}
	return w;
}

static void work_free(struct procedure_work *w)
{
	if (w == NULL)
		return;
	procedure_record_clear(&w->rec);
	free(w->json);
	free(w);
}

/* The stored events through the state machine. They were accepted when
 * recorded, so a refusal now is a bug or a rule changed under them. */
static int replay(struct procedure_work *w, struct err *err)
{
	struct err why;
	err_clear(&why);
	if (procedure_replay(&w->p, w->rec.events, w->rec.count, &why) != ERR_OK)
		return err_set(err, ERR_INTERNAL, "", "procedure %s does not replay: %s", w->rec.id, why.message);
	return ERR_OK;
}

json_t *procedures_deadline_json(const struct deadline *d)
{
	char due[DATE_STR_LEN], done[DATE_STR_LEN], version[DATE_STR_LEN];
	date_format(due, &d->due);
	date_format(version, &d->rule.version);
	json_t *o = json_pack("{ss ss ss s{ss ss ss}}", "name", d->name, "due_on", due, "status",
			      deadlines_status_name(d->status), "rule", "id", rules_id_name(d->rule.id), "version",
			      version, "basis", d->rule.basis);
	/* done_on is absent, not null, when the act has not happened. */
	if (o != NULL && d->done) {
		date_format(done, &d->done_on);
		if (json_object_set_new(o, "done_on", json_string(done)) != 0) {
			json_decref(o);
			o = NULL;
		}
	}
	return o;
}

/* The procedure's representation: its record, events, deadlines and flags.
 * Returns a new reference, or NULL. */
static json_t *procedure_view(const struct procedure_work *w, struct err *err)
{
	struct deadline_list dl;
	const struct date *lease = w->rec.household_lease_known ? &w->rec.household_lease : NULL;
	if (deadlines_compute(&dl, &w->p, &w->rec.today, lease, NULL, err) != ERR_OK)
		return NULL;
	json_t *o = json_loads(w->rec.json, 0, NULL), *events = json_array(), *deadlines = json_array();
	json_t *flags = json_array();
	bool ok = o != NULL && events != NULL && deadlines != NULL && flags != NULL;
	for (int i = 0; ok && i < w->rec.count; i++)
		ok = json_array_append_new(events, json_loads(w->rec.event_json[i], 0, NULL)) == 0;
	for (int i = 0; ok && i < dl.count; i++)
		ok = json_array_append_new(deadlines, procedures_deadline_json(&dl.items[i])) == 0;
	for (int i = 0; ok && i < dl.flag_count; i++)
		ok = json_array_append_new(flags, json_string(dl.flags[i])) == 0;
	if (ok) {
		char day[DATE_STR_LEN];
		json_object_set(o, "events", events);
		json_object_set(o, "deadlines", deadlines);
		json_object_set(o, "flags", flags);
		date_format(day, &dl.earliest_cfp_request);
		json_object_set_new(o, "earliest_cfp_request_on", dl.has_earliest_cfp_request ? json_string(day) : json_null());
		date_format(day, &dl.earliest_eviction);
		json_object_set_new(o, "earliest_eviction_on", dl.has_earliest_eviction ? json_string(day) : json_null());
	}
	json_decref(events);
	json_decref(deadlines);
	json_decref(flags);
	if (!ok) {
		json_decref(o);
		err_set(err, ERR_INTERNAL, "", "cannot build procedure %s", w->rec.id);
		return NULL;
	}
	return o;
}

static int procedures_create_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct procedure_work *w = ctx;
	struct household_row h = { 0 };
	int rc = households_store_get(conn, &w->caller, w->id, &h, err);
	household_row_free(&h);
	if (rc == ERR_OK)
		rc = procedures_store_create(conn, &w->caller, w->id, w->has_reference ? w->reference : NULL, &w->json,
					     w->created_id, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, w->req, "create", "procedure", w->created_id, "ok", err);
	if (rc == ERR_OK)
		rc = procedures_store_load(conn, &w->caller, w->created_id, false, &w->rec, err);
	return rc;
}

int procedures_create(struct req *req, struct reply *rep, struct err *err)
{
	static const char *const allowed[] = { "reference", NULL };
	static const char *const refused[] = { "id", "household_id", "filed_by_org", "stage", "status", "events",
					       "version", "created_at", "updated_at", NULL };
	struct procedure_work *w = work_new(req);
	if (w == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	int rc = auth_require(req, POLICY_FILE_PROCEDURE, err);
	if (rc == ERR_OK)
		rc = req_path_uuid(req, "id", &w->id, err);
	if (rc == ERR_OK)
		rc = json_in_keys(req->body, allowed, refused, err);
	if (rc == ERR_OK)
		rc = json_in_text(req->body, "reference", false, TEXT_LINE, w->reference, sizeof(w->reference),
				  &w->has_reference, err);
	if (rc == ERR_OK)
		rc = tx_run(req, procedures_create_tx, w, err);
	if (rc == ERR_OK)
		rc = replay(w, err);
	json_t *o = rc == ERR_OK ? procedure_view(w, err) : NULL;
	if (rc == ERR_OK && o == NULL)
		rc = err->code;
	if (rc == ERR_OK) {
		char location[96];
		snprintf(location, sizeof(location), "/v1/procedures/%s", w->created_id);
		reply_header(rep, "Location", location);
		reply_etag(rep, w->rec.version);
		rc = reply_json(rep, 201, o);
	}
	work_free(w);
	return rc;
}

/* 200 with the procedure w loaded, replayed, and its ETag. */
static int reply_procedure(struct reply *rep, struct procedure_work *w, struct err *err)
{
	int rc = replay(w, err);
	json_t *o = rc == ERR_OK ? procedure_view(w, err) : NULL;
	if (rc == ERR_OK && o == NULL)
		rc = err->code;
	if (rc == ERR_OK) {
		reply_etag(rep, w->rec.version);
		rc = reply_json(rep, 200, o);
	}
	return rc;
}

/* --- correcting the reference --- */

struct procedure_fix {
	struct procedure_work *w;
	int version;
};

static int procedures_update_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct procedure_fix *f = ctx;
	struct procedure_work *w = f->w;
	int rc = procedures_store_load(conn, &w->caller, w->id, true, &w->rec, err);
	/* Who records the bailiff's acts on it corrects its reference. */
	if (rc == ERR_OK && !policy_allows_any(w->req->actor.kind, POLICY_ADD_BAILIFF_ACT, w->rec.relations))
		rc = err_set(err, ERR_FORBIDDEN, "reference", "this organisation may not change this procedure");
	if (rc == ERR_OK && !req_version_matches(f->version, w->rec.version))
		rc = err_set(err, ERR_PRECONDITION_FAILED, "If-Match",
			     "the procedure has changed since version %d; fetch it again", f->version);
	if (rc == ERR_OK)
		rc = procedures_store_set_reference(conn, w->id, w->reference[0] ? w->reference : NULL, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, w->req, "update", "procedure", w->id, "ok", err);
	procedure_record_clear(&w->rec);
	memset(&w->rec, 0, sizeof(w->rec));
	if (rc == ERR_OK)
		rc = procedures_store_load(conn, &w->caller, w->id, false, &w->rec, err);
	return rc;
}

int procedures_update(struct req *req, struct reply *rep, struct err *err)
{
	static const char *const allowed[] = { "reference", NULL };
	static const char *const refused[] = { "id", "household_id", "filed_by_org", "stage", "status", "events",
					       "deadlines", "flags", "version", "created_at", "updated_at", NULL };
	struct procedure_fix f = { .w = work_new(req) };
	struct procedure_work *w = f.w;
	if (w == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	int rc = req_path_uuid(req, "id", &w->id, err);
	if (rc == ERR_OK)
		rc = req_if_match(req, &f.version, err);
	if (rc == ERR_OK)
		rc = json_in_keys(req->body, allowed, refused, err);
	if (rc == ERR_OK && json_object_get(req->body, "reference") == NULL)
		rc = err_set(err, ERR_INVALID, "reference", "reference is required (null erases it)");
	if (rc == ERR_OK)
		rc = json_in_text(req->body, "reference", false, TEXT_LINE, w->reference, sizeof(w->reference),
				  &w->has_reference, err);
	if (rc == ERR_OK)
		rc = tx_run(req, procedures_update_tx, &f, err);
	if (rc == ERR_OK)
		rc = reply_procedure(rep, w, err);
	work_free(w);
	return rc;
}

static int procedures_read_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct procedure_work *w = ctx;
	int rc = procedures_store_load(conn, &w->caller, w->id, false, &w->rec, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, w->req, "read", "procedure", w->id, "ok", err);
	return rc;
}

int procedures_get(struct req *req, struct reply *rep, struct err *err)
{
	struct procedure_work *w = work_new(req);
	if (w == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	int rc = req_path_uuid(req, "id", &w->id, err);
	if (rc == ERR_OK)
		rc = tx_run(req, procedures_read_tx, w, err);
	if (rc == ERR_OK)
		rc = reply_procedure(rep, w, err);
	work_free(w);
	return rc;
}

struct procedure_list {
	struct store_caller caller;
	unsigned relations;
	struct procedure_filter filter;
	struct page_cursor after;
	int limit;
	struct json_page page;
};

static int list_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct procedure_list *q = ctx;
	return procedures_store_list(conn, &q->caller, q->relations, &q->filter, &q->after, q->limit, &q->page,
				     err);
}

/* GET /v1/procedures: the procedures the caller reads, filtered; the way
 * back from a bailiff's file reference or a household to its procedures. */
int procedures_list(struct req *req, struct reply *rep, struct err *err)
{
	struct procedure_list q = { 0 };
	households_caller(req, &q.caller);
	struct procedure_filter *f = &q.filter;
	f->reference = req_query(req, "reference");
	f->stage = req_query(req, "stage");
	f->status = req_query(req, "status");
	f->updated_since = req_query(req, "updated_since");
	enum procedure_stage stage;
	enum procedure_status status;
	int rc = field_require_any(req, POLICY_READ_PROCEDURE, &q.relations, err);
	if (rc == ERR_OK && f->reference != NULL && (f->reference[0] == '\0' || strlen(f->reference) > 100))
		rc = err_set(err, ERR_INVALID, "reference", "reference must be 1 to 100 characters");
	if (rc == ERR_OK)
		rc = ccapex_query_uuid(req, "household_id", &f->household_id, err);
	if (rc == ERR_OK && f->stage != NULL)
		rc = procedure_parse_stage(&stage, f->stage, "stage", err);
	if (rc == ERR_OK && f->status != NULL)
		rc = procedure_parse_status(&status, f->status, "status", err);
	if (rc == ERR_OK && f->updated_since != NULL && !req_is_timestamp(f->updated_since))
		rc = err_set(err, ERR_INVALID, "updated_since", "updated_since must be an RFC 3339 timestamp");
	if (rc == ERR_OK)
		rc = cursor_from_query_uuid(req, &q.after, err);
	if (rc == ERR_OK)
		rc = cursor_limit(req, 50, 500, &q.limit, err);
	if (rc == ERR_OK)
		rc = tx_run(req, list_tx, &q, err);
	if (rc == ERR_OK)
		rc = reply_json(rep, 200, cursor_page_json(&q.page));
	json_page_free(&q.page);
	return rc;
}

int procedures_list_events(struct req *req, struct reply *rep, struct err *err)
{
	struct procedure_work *w = work_new(req);
	if (w == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	int rc = req_path_uuid(req, "id", &w->id, err);
	if (rc == ERR_OK)
		rc = tx_run(req, procedures_read_tx, w, err);
	json_t *items = rc == ERR_OK ? json_array() : NULL;
	for (int i = 0; rc == ERR_OK && i < w->rec.count; i++)
		if (json_array_append_new(items, json_loads(w->rec.event_json[i], 0, NULL)) != 0)
			rc = err_set(err, ERR_INTERNAL, "", "cannot build the events");
	if (rc == ERR_OK)
		rc = reply_json(rep, 200, json_pack("{sOsn}", "items", items, "next_cursor"));
	json_decref(items);
	work_free(w);
	return rc;
}

enum policy_action procedures_event_action(enum event_kind kind)
{
	switch (kind) {
	case EVENT_CFP_GRANTED:
	case EVENT_CFP_REFUSED:
		return POLICY_ADD_PREFECT_DECISION;
	case EVENT_EVICTION:
		return POLICY_ADD_EVICTION;
	case EVENT_DEBT_SETTLED:
	case EVENT_PLAN_RESPECTED:
	case EVENT_WITHDRAWN:
	case EVENT_HOUSEHOLD_LEFT:
	case EVENT_OVER_INDEBTEDNESS:
		return POLICY_ADD_EARLY_ENDING;
	default:
		return POLICY_ADD_BAILIFF_ACT;
	}
}

/* The log position of the event a correction names. */
static int corrected_position(const struct procedure_work *w, struct err *err)
{
	for (int i = 0; i < w->rec.count; i++)
		if (strcasecmp(w->rec.event_ids[i], w->corrects) == 0)
			return i;
	err_set_reason(err, ERR_REASON_UNKNOWN_REFERENCE, "corrects", "corrects names no event of this procedure");
	return -1;
}

/* What an event sets going, in its transaction: a diagnostic request after
 * a summons, a CCAPEX referral after a payment order over the threshold, the
 * préfecture's queue after an order to leave or a CFP request. p is the
 * procedure with ev applied. */
static int side_effects(PGconn *conn, const struct store_caller *caller, const char *procedure_id,
			const char *household_id, const struct date *today, const struct procedure *p,
			const struct event *ev, const char *event_id, struct err *err)
{
	int rc = ERR_OK;
	if (ev->correction)
		return ERR_OK;
	if (ev->kind == EVENT_SUMMONS)
		rc = procedures_store_request_diagnostic(conn, household_id, procedure_id, &ev->date,
							 &ev->summons.hearing_date, err);
	if (rc == ERR_OK && ev->kind == EVENT_PAYMENT_ORDER && procedure_ccapex_report_required(ev))
		rc = procedures_store_open_referral(conn, caller, household_id, procedure_id, ev, err);
	if (rc != ERR_OK)
		return rc;
	const char *queue_kind = NULL;
	const struct date *due = NULL;
	struct deadline_list dl;
	if (ev->kind == EVENT_CFP_REQUEST) {
		queue_kind = "cfp_request";
		due = &p->state.cfp_answer_due;
	} else if (ev->kind == EVENT_ORDER_TO_LEAVE) {
		queue_kind = "order_to_leave";
		/* Only earliest_cfp_request is read: no lease date needed. */
		rc = deadlines_compute(&dl, p, today, NULL, NULL, err);
		if (rc == ERR_OK && dl.has_earliest_cfp_request)
			due = &dl.earliest_cfp_request;
	}
	if (rc == ERR_OK && queue_kind != NULL)
		rc = procedures_store_queue(conn, procedure_id, household_id, event_id, queue_kind, &ev->date, due, err);
	return rc;
}

int procedures_record_event(PGconn *conn, const struct store_caller *caller, const char *procedure_id,
			    const char *household_id, int seq, const struct date *today, struct procedure *p,
			    const struct event *ev, const char *corrects_id, char **json, char *id, struct err *err)
{
	*json = NULL;
	int rc = procedure_apply_event(p, ev, err);
	if (rc == ERR_OK)
		rc = procedures_store_append(conn, caller, procedure_id, seq, ev, corrects_id,
					     procedure_stage_name(p->state.stage), procedure_status_name(p->state.status),
					     json, id, err);
	if (rc == ERR_OK)
		rc = side_effects(conn, caller, procedure_id, household_id, today, p, ev, id, err);
	return rc;
}

static int procedures_add_event_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct procedure_work *w = ctx;
	const char *corrects_id = NULL;
	int rc = procedures_store_load(conn, &w->caller, w->id, true, &w->rec, err);
	if (rc == ERR_OK && !policy_allows_any(w->req->actor.kind, procedures_event_action(w->ev.kind), w->rec.relations))
		rc = err_set(err, ERR_FORBIDDEN, "kind", "this organisation may not record a %s here",
			     procedure_kind_name(w->ev.kind));
	if (rc == ERR_OK)
		rc = replay(w, err);
	if (rc == ERR_OK && w->ev.correction) {
		w->ev.corrects = corrected_position(w, err);
		if (w->ev.corrects < 0)
			rc = ERR_UNPROCESSABLE;
		else
			corrects_id = w->rec.event_ids[w->ev.corrects];
	}
	if (rc == ERR_OK)
		rc = procedures_record_event(conn, &w->caller, w->rec.id, w->rec.household_id, w->rec.count,
					     &w->rec.today, &w->p, &w->ev, corrects_id, &w->json, w->created_id, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, w->req, "create", "procedure_event", w->created_id, "ok", err);
	return rc;
}

int procedures_add_event(struct req *req, struct reply *rep, struct err *err)
{
	struct procedure_work *w = work_new(req);
	if (w == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	int rc = req_path_uuid(req, "id", &w->id, err);
	if (rc == ERR_OK)
		rc = households_json_read_event(req->body, &w->ev, &w->corrects, err);
	if (rc == ERR_OK)
		rc = tx_run(req, procedures_add_event_tx, w, err);
	if (rc == ERR_OK) {
		char location[96];
		snprintf(location, sizeof(location), "/v1/procedures/%s/events", w->id);
		reply_header(rep, "Location", location);
		json_t *o = json_loads(w->json, 0, NULL);
		if (o != NULL) {
			json_object_set_new(o, "procedure_stage", json_string(procedure_stage_name(w->p.state.stage)));
			json_object_set_new(o, "procedure_status", json_string(procedure_status_name(w->p.state.status)));
		}
		rc = o != NULL ? reply_json(rep, 201, o) : err_set(err, ERR_INTERNAL, "", "bad event JSON");
	}
	work_free(w);
	return rc;
}

struct queue_query {
	struct req *req;
	const char *after_id;
	int limit;
	struct json_page page;
};

static int procedures_queue_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct queue_query *q = ctx;
	int rc = procedures_store_queue_list(conn, q->req->actor.org_id, q->after_id, q->limit, &q->page, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, q->req, "list", "prefecture_queue", NULL, "ok", err);
	return rc;
}

int procedures_queue(struct req *req, struct reply *rep, struct err *err)
{
	struct queue_query q = { .req = req };
	struct page_cursor after;
	int rc = ERR_OK;
	/* The queue is the work of whoever decides CFP requests. */
	if (!policy_allows(req->actor.kind, POLICY_ADD_PREFECT_DECISION, POLICY_REL_DEPARTEMENT))
		rc = err_set(err, ERR_FORBIDDEN, "", "only the préfecture works this queue");
	if (rc == ERR_OK)
		rc = cursor_from_query(req, &after, err);
	if (rc == ERR_OK && after.set && (after.after_time[0] != '\0' || strchr(after.after_id, '-') != NULL))
		rc = err_set(err, ERR_INVALID, "cursor", "not a cursor of this list");
	if (rc == ERR_OK)
		rc = cursor_limit(req, 50, 500, &q.limit, err);
	q.after_id = rc == ERR_OK && after.set ? after.after_id : NULL;
	if (rc == ERR_OK)
		rc = tx_run(req, procedures_queue_tx, &q, err);
	if (rc == ERR_OK)
		rc = reply_json(rep, 200, cursor_page_json(&q.page));
	json_page_free(&q.page);
	return rc;
}
