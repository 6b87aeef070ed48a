#include "api/webhooks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/audit.h"
#include "api/auth.h"
#include "api/cursor.h"
#include "api/json_in.h"
#include "api/secret.h"
#include "api/tx.h"
#include "domain/parse.h"
#include "domain/webhook_url.h"
#include "storage/webhooks_store.h"

#define WEBHOOK_SECRET_MAX (SECRET_LEN + 8)
#define DESCRIPTION_MAX 500

/* "whsec_" and 256 random bits, base64url. */
static int draw_secret(char *out, size_t len)
{
	char raw[SECRET_LEN + 1];
	if (secret_generate(raw, sizeof(raw)) != 0)
		return -1;
	snprintf(out, len, "whsec_%s", raw + strlen("pvx_"));
	memset(raw, 0, sizeof(raw));
	return 0;
}

struct webhook_write {
	const struct req *req;
	const char *id;
	char url[WEBHOOK_URL_MAX + 1];
	char description[DESCRIPTION_MAX * 4 + 1];
	bool has_description;
	char secret[WEBHOOK_SECRET_MAX];
	char *json;
	const char *status;
	struct page_cursor after;
	int limit;
	struct json_page page;
};

static int webhooks_create_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct webhook_write *w = ctx;
	const struct actor *a = &w->req->actor;
	int rc = webhooks_store_create(conn, a->org_id, a->client_id, w->url, w->has_description ? w->description : NULL,
				       w->secret, &w->json, err);
	if (rc == ERR_OK) {
		json_t *o = json_loads(w->json, 0, NULL);
		rc = audit_record(conn, w->req, "create", "webhook", json_string_value(json_object_get(o, "id")), "ok", err);
		json_decref(o);
	}
	return rc;
}

static int read_description(const json_t *body, struct webhook_write *w, struct err *err)
{
	int rc = json_in_text(body, "description", false, TEXT_LINE, w->description, sizeof(w->description),
			      &w->has_description, err);
	if (rc != ERR_OK || !w->has_description)
		return rc;
	size_t chars = 0;
	for (const unsigned char *c = (const unsigned char *)w->description; *c; c++)
		chars += (*c & 0xc0) != 0x80;
	if (chars == 0 || chars > DESCRIPTION_MAX)
		return err_set(err, ERR_INVALID, "description", "description must be 1 to %d characters", DESCRIPTION_MAX);
	return ERR_OK;
}

int webhooks_create(struct req *req, struct reply *rep, struct err *err)
{
	static const char *const allowed[] = { "url", "description", NULL };
	static const char *const refused[] = { "id", "organisation_id", "secret", "created_at", NULL };
	struct webhook_write *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	w->req = req;
	bool present;
	struct webhook_url url;
	int rc = auth_require(req, POLICY_MANAGE_WEBHOOKS, err);
	if (rc == ERR_OK)
		rc = json_in_keys(req->body, allowed, refused, err);
	if (rc == ERR_OK)
		rc = json_in_string(req->body, "url", true, w->url, sizeof(w->url), &present, err);
	if (rc == ERR_OK)
		rc = read_description(req->body, w, err);
	/* No name is resolved here: a slow resolver would hold this thread. The
	 * delivery worker resolves it, and checks the addresses, at each attempt. */
	if (rc == ERR_OK)
		rc = webhook_url_parse(w->url, "url", &url, err);
	if (rc == ERR_OK)
		rc = webhook_url_check_host(&url, req->app->cfg.webhook_allow_loopback != 0, "url", err);
	if (rc == ERR_OK && draw_secret(w->secret, sizeof(w->secret)) != 0)
		rc = err_set(err, ERR_INTERNAL, "", "cannot draw a secret");
	if (rc == ERR_OK)
		rc = tx_run(req, webhooks_create_tx, w, err);
	if (rc == ERR_OK) {
		json_t *o = json_loads(w->json, 0, NULL);
		char location[96];
		snprintf(location, sizeof(location), "/v1/webhooks/%s", json_string_value(json_object_get(o, "id")));
		reply_header(rep, "Location", location);
		/* Shown here once: it is never answered again. */
		json_object_set_new(o, "secret", json_string(w->secret));
		rc = reply_json(rep, 201, o);
	}
	free(w->json);
	memset(w->secret, 0, sizeof(w->secret));
	free(w);
	return rc;
}

static int webhooks_list_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct webhook_write *w = ctx;
	return webhooks_store_list(conn, w->req->actor.org_id, &w->after, w->limit, &w->page, err);
}

int webhooks_list(struct req *req, struct reply *rep, struct err *err)
{
	struct webhook_write *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	w->req = req;
	int rc = auth_require(req, POLICY_MANAGE_WEBHOOKS, err);
	if (rc == ERR_OK)
		rc = cursor_from_query(req, &w->after, err);
	if (rc == ERR_OK)
		rc = cursor_limit(req, 50, 100, &w->limit, err);
	if (rc == ERR_OK)
		rc = tx_run(req, webhooks_list_tx, w, err);
	if (rc == ERR_OK)
		rc = reply_json(rep, 200, cursor_page_json(&w->page));
	json_page_free(&w->page);
	free(w);
	return rc;
}

static int webhooks_get_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct webhook_write *w = ctx;
	return webhooks_store_get(conn, w->req->actor.org_id, w->id, &w->json, err);
}

int webhooks_get(struct req *req, struct reply *rep, struct err *err)
{
	struct webhook_write *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	w->req = req;
	int rc = auth_require(req, POLICY_MANAGE_WEBHOOKS, err);
	if (rc == ERR_OK)
		rc = req_path_uuid(req, "id", &w->id, err);
	if (rc == ERR_OK)
		rc = tx_run(req, webhooks_get_tx, w, err);
	if (rc == ERR_OK)
		rc = reply_json(rep, 200, json_loads(w->json, 0, NULL));
	free(w->json);
	free(w);
	return rc;
}

static int webhooks_delete_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct webhook_write *w = ctx;
	int rc = webhooks_store_delete(conn, w->req->actor.org_id, w->id, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, w->req, "delete", "webhook", w->id, "ok", err);
	return rc;
}

int webhooks_delete(struct req *req, struct reply *rep, struct err *err)
{
	struct webhook_write *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	w->req = req;
	int rc = auth_require(req, POLICY_MANAGE_WEBHOOKS, err);
	if (rc == ERR_OK)
		rc = req_path_uuid(req, "id", &w->id, err);
	if (rc == ERR_OK)
		rc = tx_run(req, webhooks_delete_tx, w, err);
	if (rc == ERR_OK)
		reply_empty(rep, 204);
	free(w);
	return rc;
}

static int webhooks_deliveries_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct webhook_write *w = ctx;
	return webhooks_store_deliveries(conn, w->req->actor.org_id, w->id, w->status, &w->after, w->limit, &w->page,
					 err);
}

int webhooks_list_deliveries(struct req *req, struct reply *rep, struct err *err)
{
	struct webhook_write *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	w->req = req;
	const char *status = req_query(req, "status");
	int rc = auth_require(req, POLICY_MANAGE_WEBHOOKS, err);
	if (rc == ERR_OK)
		rc = req_path_uuid(req, "id", &w->id, err);
	if (rc == ERR_OK && status != NULL && strcmp(status, "pending") != 0 && strcmp(status, "delivered") != 0 &&
	    strcmp(status, "failed") != 0)
		rc = err_set(err, ERR_INVALID, "status", "status must be pending, delivered or failed");
	w->status = status;
	if (rc == ERR_OK)
		rc = cursor_from_query(req, &w->after, err);
	/* Deliveries page on their id alone. */
	if (rc == ERR_OK && w->after.set && (w->after.after_time[0] != '\0' || parse_is_uuid(w->after.after_id)))
		rc = err_set(err, ERR_INVALID, "cursor", "not a cursor of this list");
	if (rc == ERR_OK)
		rc = cursor_limit(req, 50, 200, &w->limit, err);
	if (rc == ERR_OK)
		rc = tx_run(req, webhooks_deliveries_tx, w, err);
	if (rc == ERR_OK)
		rc = reply_json(rep, 200, cursor_page_json(&w->page));
	json_page_free(&w->page);
	free(w);
	return rc;
}
