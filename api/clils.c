#include "api/clils.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/audit.h"
#include "api/auth.h"
#include "api/cursor.h"
#include "api/json_in.h"
#include "api/referrals.h"
#include "api/tx.h"
#include "domain/commission.h"
#include "domain/organisation.h"

#define CLIL_MAX_LANDLORDS 50
#define COMMUNES_LITERAL_LEN ((size_t)ORG_MAX_COMMUNES * 7 + 3)

struct clil_write {
	const struct req *req;
	const char *id_param;
	int version;
	char name[COMMISSION_TEXT_BYTES];
	bool has_name;
	enum clil_mode mode;
	bool has_mode;
	enum clil_status status;
	bool has_status;
	struct territory territory;
	char *communes;              /* NULL: unchanged */
	char *landlords;             /* NULL: unchanged */
	int nlandlords;
	char id[CCAPEX_ID_LEN];
	char *json;
	const char *status_filter;
	struct page_cursor after;
	int limit;
	struct json_page page;
};

static void clil_write_free(struct clil_write *w)
{
	if (w == NULL)
		return;
	free(w->communes);
	free(w->landlords);
	free(w->json);
	json_page_free(&w->page);
	free(w);
}

static int read_clil_body(struct clil_write *w, const json_t *body, bool creating, struct err *err)
{
	static const char *const allowed[] = { "name", "mode", "status", "communes", "landlords", NULL };
	static const char *const refused[] = { "id", "version", "created_at", "updated_at", NULL };
	char mode[24], status[24];
	int rc = json_in_keys(body, allowed, refused, err);
	if (rc == ERR_OK)
		rc = json_in_text(body, "name", creating, TEXT_LINE, w->name, sizeof(w->name), &w->has_name, err);
	if (rc == ERR_OK)
		rc = json_in_string(body, "mode", creating, mode, sizeof(mode), &w->has_mode, err);
	if (rc == ERR_OK && w->has_mode)
		rc = clil_parse_mode(&w->mode, mode, "mode", err);
	if (rc == ERR_OK)
		rc = json_in_string(body, "status", creating, status, sizeof(status), &w->has_status, err);
	if (rc == ERR_OK && w->has_status)
		rc = clil_parse_status(&w->status, status, "status", err);
	const json_t *communes = json_object_get(body, "communes");
	if (rc == ERR_OK && (creating || communes != NULL)) {
		if (communes != NULL && !json_is_array(communes))
			rc = err_set(err, ERR_INVALID, "communes", "communes must be an array of INSEE codes");
		for (size_t i = 0; rc == ERR_OK && i < json_array_size(communes); i++) {
			const char *code = json_string_value(json_array_get(communes, i));
			rc = code ? territory_add_commune(&w->territory, code, "communes", err)
				  : err_set(err, ERR_INVALID, "communes", "communes must hold strings");
		}
		if (rc == ERR_OK && (w->communes = malloc(COMMUNES_LITERAL_LEN)) == NULL)
			rc = err_set(err, ERR_INTERNAL, "", "out of memory");
		if (rc == ERR_OK)
			territory_communes_literal(&w->territory, w->communes, COMMUNES_LITERAL_LEN);
	}
	if (rc == ERR_OK && (creating || json_object_get(body, "landlords") != NULL))
		rc = ccapex_uuid_array(body, "landlords", CLIL_MAX_LANDLORDS, &w->landlords, &w->nlandlords, err);
	return rc;
}

static int clils_create_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct clil_write *w = ctx;
	int rc = ccapex_store_clil_create(conn, w->name, clil_mode_name(w->mode), clil_status_name(w->status),
					  w->communes, w->req->actor.org_id, w->id, err);
	if (rc == ERR_OK)
		rc = ccapex_store_clil_set_landlords(conn, w->id, w->landlords, w->nlandlords, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, w->req, "create", "clil", w->id, "ok", err);
	if (rc == ERR_OK)
		rc = ccapex_store_clil_get(conn, w->id, &w->json, &w->version, err);
	return rc;
}

int clils_create(struct req *req, struct reply *rep, struct err *err)
{
	struct clil_write *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	w->req = req;
	int rc = auth_require(req, POLICY_MANAGE_COMMISSIONS, err);
	if (rc == ERR_OK)
		rc = read_clil_body(w, req->body, true, err);
	if (rc == ERR_OK)
		rc = clil_check_landlords(w->mode, w->nlandlords, err);
	if (rc == ERR_OK)
		rc = tx_run(req, clils_create_tx, w, err);
	if (rc == ERR_OK) {
		char location[80];
		snprintf(location, sizeof(location), "/v1/clils/%s", w->id);
		rc = ccapex_reply_text_json(rep, 201, w->json, w->version, location);
	}
	clil_write_free(w);
	return rc;
}

static int clils_update_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct clil_write *w = ctx;
	char mode_s[CCAPEX_NAME_LEN];
	int landlords, version;
	enum clil_mode mode;
	int rc = ccapex_store_clil_lock(conn, w->id_param, w->req->actor.org_id, mode_s, &landlords, &version, err);
	if (rc != ERR_OK)
		return rc;
	if (!req_version_matches(w->version, version))
		return err_set(err, ERR_PRECONDITION_FAILED, "If-Match",
			       "the CLIL has changed since version %d; fetch it again", w->version);
	if (clil_parse_mode(&mode, mode_s, "mode", err) != ERR_OK)
		return err_set(err, ERR_INTERNAL, "", "a stored CLIL mode is unknown");
	/* The rule holds on the CLIL as it will be. */
	rc = clil_check_landlords(w->has_mode ? w->mode : mode, w->landlords ? w->nlandlords : landlords, err);
	if (rc == ERR_OK)
		rc = ccapex_store_clil_update(conn, w->id_param, w->has_name ? w->name : NULL,
					      w->has_mode ? clil_mode_name(w->mode) : NULL,
					      w->has_status ? clil_status_name(w->status) : NULL, w->communes, err);
	if (rc == ERR_OK && w->landlords != NULL)
		rc = ccapex_store_clil_set_landlords(conn, w->id_param, w->landlords, w->nlandlords, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, w->req, "update", "clil", w->id_param, "ok", err);
	if (rc == ERR_OK)
		rc = ccapex_store_clil_get(conn, w->id_param, &w->json, &w->version, err);
	return rc;
}

int clils_update(struct req *req, struct reply *rep, struct err *err)
{
	struct clil_write *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	w->req = req;
	int rc = auth_require(req, POLICY_MANAGE_COMMISSIONS, err);
	if (rc == ERR_OK)
		rc = req_path_uuid(req, "id", &w->id_param, err);
	if (rc == ERR_OK)
		rc = req_if_match(req, &w->version, err);
	if (rc == ERR_OK)
		rc = read_clil_body(w, req->body, false, err);
	if (rc == ERR_OK)
		rc = tx_run(req, clils_update_tx, w, err);
	if (rc == ERR_OK)
		rc = ccapex_reply_text_json(rep, 200, w->json, w->version, NULL);
	clil_write_free(w);
	return rc;
}

static int clils_get_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct clil_write *w = ctx;
	return ccapex_store_clil_get(conn, w->id_param, &w->json, &w->version, err);
}

int clils_get(struct req *req, struct reply *rep, struct err *err)
{
	struct clil_write *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	int rc = req_path_uuid(req, "id", &w->id_param, err);
	if (rc == ERR_OK)
		rc = tx_run(req, clils_get_tx, w, err);
	if (rc == ERR_OK)
		rc = ccapex_reply_text_json(rep, 200, w->json, w->version, NULL);
	clil_write_free(w);
	return rc;
}

static int clils_list_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct clil_write *w = ctx;
	return ccapex_store_clil_list(conn, w->status_filter, &w->after, w->limit, &w->page, err);
}

int clils_list(struct req *req, struct reply *rep, struct err *err)
{
	struct clil_write *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	enum clil_status status;
	w->status_filter = req_query(req, "status");
	int rc = ERR_OK;
	if (w->status_filter != NULL)
		rc = clil_parse_status(&status, w->status_filter, "status", err);
	if (rc == ERR_OK)
		rc = cursor_from_query(req, &w->after, err);
	if (rc == ERR_OK)
		rc = cursor_limit(req, 50, 500, &w->limit, err);
	if (rc == ERR_OK)
		rc = tx_run(req, clils_list_tx, w, err);
	if (rc == ERR_OK)
		rc = reply_json(rep, 200, cursor_page_json(&w->page));
	clil_write_free(w);
	return rc;
}
