#include "api/households.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/audit.h"
#include "api/auth.h"
#include "api/cursor.h"
#include "api/field_common.h"
#include "api/households_json.h"
#include "api/tx.h"
#include "domain/parse.h"
#include "domain/procedure.h"
#include "domain/reference.h"
#include "storage/procedures_store.h"

void households_caller(const struct req *req, struct store_caller *out)
{
	out->org_id = req->actor.org_id;
	out->kind = policy_kind_to_string(req->actor.kind);
	out->client_id = req->actor.client_id[0] != '\0' ? req->actor.client_id : NULL;
	out->request_id = req->request_id;
	out->procedure_relations = field_mask(req, POLICY_READ_PROCEDURE);
}

/* The household as the caller may see it: a new reference, or NULL. */
static json_t *masked(const struct req *req, const char *json, unsigned relations)
{
	json_t *o = json_loads(json, 0, NULL);
	if (o != NULL)
		households_json_mask(o, households_json_fields(req->actor.kind, relations));
	return o;
}

int households_reply(struct req *req, struct reply *rep, int status, const struct household_row *row,
		     struct err *err)
{
	json_t *o = masked(req, row->json, row->relations);
	if (o == NULL)
		return err_set(err, ERR_INTERNAL, "", "household_json() gave no JSON object");
	reply_etag(rep, row->version);
	return reply_json(rep, status, o);
}

/* A kind writes only the fields it could read as the record's keeper. */
static int fields_allowed(const struct req *req, const struct household_input *in, unsigned relations,
			  struct err *err)
{
	unsigned fields = households_json_fields(req->actor.kind, relations);
	const char *member = households_json_outside(in->set, fields);
	if (member != NULL)
		return err_set(err, ERR_FORBIDDEN, member, "this organisation may not set %s", member);
	/* Who may write where the household lives may correct who holds its lease. */
	if (in->holder_given && !(fields & POLICY_FIELD_ADDRESS))
		return err_set(err, ERR_FORBIDDEN, "holder_name", "this organisation may not set holder_name");
	return ERR_OK;
}

struct household_work {
	struct req *req;
	struct store_caller caller;
	struct household_input in;
	const char *id;
	int version;
	struct household_row row;
};

static int households_create_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct household_work *w = ctx;
	int rc = households_store_create(conn, &w->caller, &w->in, &w->row, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, w->req, "create", "household", w->row.id, "ok", err);
	return rc;
}

int households_create(struct req *req, struct reply *rep, struct err *err)
{
	struct household_work *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	w->req = req;
	households_caller(req, &w->caller);
	unsigned keeper = 1u << (policy_kind_is_departement_wide(req->actor.kind) ? POLICY_REL_DEPARTEMENT
										   : POLICY_REL_FILER);
	int rc = auth_require(req, POLICY_CREATE_HOUSEHOLD, err);
	if (rc == ERR_OK)
		rc = households_json_read(req->body, true, &w->in, err);
	if (rc == ERR_OK)
		rc = household_check(&w->in, true, err);
	if (rc == ERR_OK)
		rc = fields_allowed(req, &w->in, keeper, err);
	if (rc == ERR_OK)
		rc = tx_run(req, households_create_tx, w, err);
	if (rc == ERR_OK) {
		char location[96];
		snprintf(location, sizeof(location), "/v1/households/%s", w->row.id);
		reply_header(rep, "Location", location);
		rc = households_reply(req, rep, 201, &w->row, err);
	}
	household_row_free(&w->row);
	free(w);
	return rc;
}

static int households_get_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct household_work *w = ctx;
	int rc = households_store_get(conn, &w->caller, w->id, &w->row, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, w->req, "read", "household", w->id, "ok", err);
	return rc;
}

int households_get(struct req *req, struct reply *rep, struct err *err)
{
	struct household_work *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	w->req = req;
	households_caller(req, &w->caller);
	int rc = req_path_uuid(req, "id", &w->id, err);
	if (rc == ERR_OK)
		rc = tx_run(req, households_get_tx, w, err);
	if (rc == ERR_OK)
		rc = households_reply(req, rep, 200, &w->row, err);
	household_row_free(&w->row);
	free(w);
	return rc;
}

static int households_update_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct household_work *w = ctx;
	struct household_row seen = { 0 };
	int rc = households_store_get(conn, &w->caller, w->id, &seen, err);
	if (rc == ERR_OK && !policy_allows_any(w->req->actor.kind, POLICY_UPDATE_HOUSEHOLD, seen.relations))
		rc = err_set(err, ERR_FORBIDDEN, "", "this organisation may not change this household");
	if (rc == ERR_OK && seen.erased)
		rc = err_set_reason(err, ERR_REASON_HOUSEHOLD_ERASED, "",
				    "this household was erased: it takes no personal data any more");
	if (rc == ERR_OK)
		rc = fields_allowed(w->req, &w->in, seen.relations, err);
	household_row_free(&seen);
	if (rc == ERR_OK)
		rc = households_store_update(conn, &w->caller, w->id, w->version, &w->in, &w->row, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, w->req, "update", "household", w->id, "ok", err);
	return rc;
}

int households_update(struct req *req, struct reply *rep, struct err *err)
{
	struct household_work *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	w->req = req;
	households_caller(req, &w->caller);
	int rc = req_path_uuid(req, "id", &w->id, err);
	if (rc == ERR_OK)
		rc = req_if_match(req, &w->version, err);
	if (rc == ERR_OK)
		rc = households_json_read(req->body, false, &w->in, err);
	if (rc == ERR_OK)
		rc = household_check(&w->in, false, err);
	if (rc == ERR_OK)
		rc = tx_run(req, households_update_tx, w, err);
	if (rc == ERR_OK)
		rc = households_reply(req, rep, 200, &w->row, err);
	household_row_free(&w->row);
	free(w);
	return rc;
}

struct household_query {
	struct store_caller caller;
	struct household_filter filter;
	struct page_cursor after;
	int limit;
	struct household_page page;
};

static int households_list_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct household_query *q = ctx;
	return households_store_list(conn, &q->caller, &q->filter, &q->after, q->limit, &q->page, err);
}

static int read_filters(const struct req *req, struct household_filter *f, struct err *err)
{
	enum housing_sector sector;
	f->insee = req_query(req, "commune");
	f->epci_siren = req_query(req, "epci");
	f->sector = req_query(req, "sector");
	f->stage = req_query(req, "stage");
	f->updated_since = req_query(req, "updated_since");
	if (f->insee != NULL && !reference_insee_is_valid(f->insee))
		return err_set(err, ERR_INVALID, "commune", "commune must be an INSEE code like 91174");
	if (f->epci_siren != NULL && !reference_siren_is_valid(f->epci_siren))
		return err_set(err, ERR_INVALID, "epci", "epci must be a SIREN of 9 digits");
	if (f->sector != NULL && household_parse_sector(f->sector, &sector) != 0)
		return err_set(err, ERR_INVALID, "sector", "sector must be social or private");
	enum procedure_stage stage;
	if (f->stage != NULL && procedure_parse_stage(&stage, f->stage, "stage", err) != ERR_OK)
		return ERR_INVALID;
	if (f->updated_since != NULL && !req_is_timestamp(f->updated_since))
		return err_set(err, ERR_INVALID, "updated_since", "updated_since must be an RFC 3339 timestamp");
	return ERR_OK;
}

int households_list(struct req *req, struct reply *rep, struct err *err)
{
	struct household_query q = { 0 };
	households_caller(req, &q.caller);
	int rc = read_filters(req, &q.filter, err);
	if (rc == ERR_OK)
		rc = cursor_from_query_uuid(req, &q.after, err);
	if (rc == ERR_OK)
		rc = cursor_limit(req, 50, 500, &q.limit, err);
	if (rc == ERR_OK)
		rc = tx_run(req, households_list_tx, &q, err);
	json_t *items = rc == ERR_OK ? json_array() : NULL;
	for (int i = 0; rc == ERR_OK && i < q.page.count; i++) {
		json_t *o = masked(req, q.page.items[i], q.page.relations[i]);
		if (o == NULL || json_array_append_new(items, o) != 0)
			rc = err_set(err, ERR_INTERNAL, "", "cannot build the list");
	}
	if (rc == ERR_OK) {
		json_t *next = json_null();
		if (q.page.next.set) {
			char buf[200];
			cursor_encode(&q.page.next, buf, sizeof(buf));
			next = json_string(buf);
		}
		rc = reply_json(rep, 200, json_pack("{sOso}", "items", items, "next_cursor", next));
	}
	json_decref(items);
	household_page_free(&q.page);
	return rc;
}

struct timeline_work {
	struct req *req;
	struct store_caller caller;
	const char *id;
	struct household_row row;
	struct timeline timeline;
};

static int households_timeline_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct timeline_work *w = ctx;
	int rc = households_store_get(conn, &w->caller, w->id, &w->row, err);
	if (rc == ERR_OK)
		rc = procedures_store_timeline(conn, &w->caller, w->id, &w->timeline, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, w->req, "read", "household_timeline", w->id, "ok", err);
	return rc;
}

/* Which action reading a timeline entry of that type needs. */
static enum policy_action timeline_action(const char *type)
{
	if (strcmp(type, "referral") == 0)
		return POLICY_READ_REFERRAL;
	if (strcmp(type, "diagnostic") == 0)
		return POLICY_READ_DIAGNOSTIC;
	return POLICY_READ_PROCEDURE;
}

int households_timeline(struct req *req, struct reply *rep, struct err *err)
{
	struct timeline_work w = { .req = req };
	households_caller(req, &w.caller);
	int rc = req_path_uuid(req, "id", &w.id, err);
	if (rc == ERR_OK)
		rc = tx_run(req, households_timeline_tx, &w, err);
	json_t *items = rc == ERR_OK ? json_array() : NULL;
	for (int i = 0; rc == ERR_OK && i < w.timeline.count; i++) {
		if (!policy_allows_any(req->actor.kind, timeline_action(w.timeline.types[i]), w.timeline.relations[i]))
			continue;
		json_t *o = json_loads(w.timeline.items[i], 0, NULL);
		if (o == NULL || json_array_append_new(items, o) != 0)
			rc = err_set(err, ERR_INTERNAL, "", "cannot build the timeline");
	}
	if (rc == ERR_OK)
		rc = reply_json(rep, 200, json_pack("{sO}", "items", items));
	json_decref(items);
	household_row_free(&w.row);
	timeline_free(&w.timeline);
	return rc;
}
