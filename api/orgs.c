#include "api/orgs.h"

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
#include "domain/siret.h"
#include "storage/orgs_store.h"

/* Members of an organisation the client may not set. */
static const char *const org_refused[] = { "id", "version", "created_at", "updated_at", NULL };

static int read_codes(const json_t *list, const char *field, bool communes, struct territory *t,
		      struct err *err)
{
	if (!json_is_array(list))
		return err_set(err, ERR_INVALID, field, "%s must be an array of codes", field);
	size_t i;
	json_t *code;
	json_array_foreach(list, i, code) {
		if (!json_is_string(code))
			return err_set(err, ERR_INVALID, field, "%s must hold strings", field);
		int rc = communes ? territory_add_commune(t, json_string_value(code), field, err)
				  : territory_add_epci(t, json_string_value(code), field, err);
		if (rc != ERR_OK)
			return rc;
	}
	return ERR_OK;
}

int orgs_read_territory(const json_t *obj, struct territory *t, struct err *err)
{
	static const char *const allowed[] = { "communes", "epcis", NULL };
	memset(t, 0, sizeof(*t));
	if (obj == NULL || json_is_null(obj))
		return ERR_OK;
	if (!json_is_object(obj))
		return err_set(err, ERR_INVALID, "territory", "territory must be an object {communes, epcis}");
	int rc = json_in_keys(obj, allowed, NULL, err);
	const json_t *communes = json_object_get(obj, "communes"), *epcis = json_object_get(obj, "epcis");
	if (rc == ERR_OK && communes != NULL)
		rc = read_codes(communes, "territory.communes", true, t, err);
	if (rc == ERR_OK && epcis != NULL)
		rc = read_codes(epcis, "territory.epcis", false, t, err);
	return rc;
}

static int read_siret(const json_t *body, bool *present, char *out, struct err *err)
{
	int rc = json_in_string(body, "siret", false, out, 15, present, err);
	if (rc == ERR_OK && *present && !siret_is_valid(out))
		rc = err_set(err, ERR_INVALID, "siret", "siret must be 14 digits with a valid check digit");
	return rc;
}

static int read_name(const json_t *body, bool required, char *out, size_t len, bool *present, struct err *err)
{
	int rc = json_in_text(body, "name", required, TEXT_LINE, out, len, present, err);
	if (rc == ERR_OK && *present && !org_name_is_valid(out))
		rc = err_set(err, ERR_INVALID, "name", "name must be 1 to 200 characters, without control characters");
	return rc;
}

/* Turns a foreign-key failure on the territory into the field at fault. */
static int territory_fk(int rc, struct err *err)
{
	if (rc == ERR_UNPROCESSABLE && strstr(err->field, "communes") != NULL)
		return err_set_reason(err, ERR_REASON_UNKNOWN_REFERENCE, "territory.communes", "a commune code is unknown");
	if (rc == ERR_UNPROCESSABLE && strstr(err->field, "epcis") != NULL)
		return err_set_reason(err, ERR_REASON_UNKNOWN_REFERENCE, "territory.epcis", "an EPCI is unknown");
	if (rc == ERR_CONFLICT && strstr(err->field, "siret") != NULL)
		return err_set_reason(err, ERR_REASON_ALREADY_EXISTS, "siret", "another organisation has this SIRET");
	return rc;
}

/* "departements": a non-empty array of codes. */
static int read_departements(const json_t *list, struct org_input *in, struct err *err)
{
	if (!json_is_array(list) || json_array_size(list) == 0)
		return err_set(err, ERR_INVALID, "departements", "departements must be a non-empty array of codes");
	size_t i;
	json_t *code;
	json_array_foreach(list, i, code) {
		if (!json_is_string(code))
			return err_set(err, ERR_INVALID, "departements", "departements must hold strings");
		int rc = org_add_departement(in, json_string_value(code), "departements", err);
		if (rc != ERR_OK)
			return rc;
	}
	return ERR_OK;
}

struct org_write {
	const struct req *req;
	struct org_input in;
	const char *id;
	int version;
	struct org_patch patch;
	char *json;
	int new_version;
};

static int orgs_create_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct org_write *w = ctx;
	int rc = w->in.ndepartements > 0 ? orgs_store_departements_held(conn, w->req->actor.org_id, &w->in, err) : ERR_OK;
	if (rc == ERR_OK)
		rc = territory_fk(orgs_store_create(conn, &w->in, w->req->actor.org_id, &w->json, err), err);
	if (rc == ERR_OK) {
		json_t *o = json_loads(w->json, 0, NULL);
		const char *id = json_string_value(json_object_get(o, "id"));
		rc = audit_record(conn, w->req, "create", "organisation", id, "ok", err);
		json_decref(o);
	}
	return rc;
}

int orgs_create(struct req *req, struct reply *rep, struct err *err)
{
	static const char *const allowed[] = { "kind", "name", "siret", "territory", "departements", NULL };
	struct org_write *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	w->req = req;
	char kind[32];
	bool present;
	int rc = auth_require(req, POLICY_ADMIN_ORGANISATIONS, err);
	if (rc == ERR_OK)
		rc = json_in_keys(req->body, allowed, org_refused, err);
	if (rc == ERR_OK)
		rc = json_in_string(req->body, "kind", true, kind, sizeof(kind), &present, err);
	if (rc == ERR_OK && policy_kind_from_string(kind, &w->in.kind) != 0)
		rc = err_set(err, ERR_INVALID, "kind", "unknown kind \"%s\"", kind);
	if (rc == ERR_OK)
		rc = read_name(req->body, true, w->in.name, sizeof(w->in.name), &present, err);
	if (rc == ERR_OK)
		rc = read_siret(req->body, &w->in.has_siret, w->in.siret, err);
	if (rc == ERR_OK && json_object_get(req->body, "territory") != NULL)
		rc = orgs_read_territory(json_object_get(req->body, "territory"), &w->in.territory, err);
	if (rc == ERR_OK && json_object_get(req->body, "departements") != NULL)
		rc = read_departements(json_object_get(req->body, "departements"), &w->in, err);
	if (rc == ERR_OK)
		rc = tx_run(req, orgs_create_tx, w, err);
	if (rc == ERR_OK) {
		json_t *o = json_loads(w->json, 0, NULL);
		char location[96];
		snprintf(location, sizeof(location), "/v1/organisations/%s", json_string_value(json_object_get(o, "id")));
		reply_header(rep, "Location", location);
		reply_etag(rep, (int)json_integer_value(json_object_get(o, "version")));
		rc = reply_json(rep, 201, o);
	}
	free(w->json);
	free(w);
	return rc;
}

struct org_read {
	const char *id;
	const char *admin;      /* reading another organisation: its administrator */
	const char *kind;
	struct page_cursor after;
	int limit;
	char *json;
	int version;
	struct json_page page;
};

static int orgs_list_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct org_read *r = ctx;
	return orgs_store_list(conn, r->kind, &r->after, r->limit, &r->page, err);
}

int orgs_list(struct req *req, struct reply *rep, struct err *err)
{
	struct org_read r = { .kind = req_query(req, "kind") };
	enum org_kind kind;
	int rc = auth_require(req, POLICY_ADMIN_ORGANISATIONS, err);
	if (rc == ERR_OK && r.kind != NULL && policy_kind_from_string(r.kind, &kind) != 0)
		rc = err_set(err, ERR_INVALID, "kind", "unknown kind");
	if (rc == ERR_OK)
		rc = cursor_from_query(req, &r.after, err);
	if (rc == ERR_OK)
		rc = cursor_limit(req, 50, 500, &r.limit, err);
	if (rc == ERR_OK)
		rc = tx_run(req, orgs_list_tx, &r, err);
	if (rc == ERR_OK)
		rc = reply_json(rep, 200, cursor_page_json(&r.page));
	json_page_free(&r.page);
	return rc;
}

static int orgs_get_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct org_read *r = ctx;
	int rc = r->admin != NULL ? orgs_store_administered(conn, r->admin, r->id, NULL, err) : ERR_OK;
	if (rc == ERR_OK)
		rc = orgs_store_get(conn, r->id, &r->json, &r->version, err);
	return rc;
}

int orgs_get(struct req *req, struct reply *rep, struct err *err)
{
	struct org_read r = { 0 };
	int rc = req_path_uuid(req, "id", &r.id, err);
	/* An organisation sees itself; administrators see every one. */
	if (rc == ERR_OK && strcmp(r.id, req->actor.org_id) != 0) {
		if (auth_require(req, POLICY_ADMIN_ORGANISATIONS, err) != ERR_OK)
			rc = err_set(err, ERR_NOT_FOUND, "", "no such organisation");
		r.admin = req->actor.org_id;
	}
	if (rc == ERR_OK)
		rc = tx_run(req, orgs_get_tx, &r, err);
	if (rc == ERR_OK) {
		reply_etag(rep, r.version);
		rc = reply_json(rep, 200, json_loads(r.json, 0, NULL));
	}
	free(r.json);
	return rc;
}

static int orgs_update_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct org_write *w = ctx;
	int rc = orgs_store_administered(conn, w->req->actor.org_id, w->id, NULL, err);
	if (rc == ERR_OK)
		rc = territory_fk(orgs_store_update(conn, w->id, w->version, &w->patch, &w->json, &w->new_version, err),
			      err);
	if (rc == ERR_OK)
		rc = audit_record(conn, w->req, "update", "organisation", w->id, "ok", err);
	return rc;
}

int orgs_update(struct req *req, struct reply *rep, struct err *err)
{
	static const char *const allowed[] = { "name", "siret", "disabled", "territory", NULL };
	static const char *const refused[] = { "id", "kind", "version", "created_at", "updated_at", NULL };
	struct org_write *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	w->req = req;
	w->patch.disabled = -1;
	bool present, disabled;
	int rc = auth_require(req, POLICY_ADMIN_ORGANISATIONS, err);
	if (rc == ERR_OK)
		rc = req_path_uuid(req, "id", &w->id, err);
	if (rc == ERR_OK)
		rc = req_if_match(req, &w->version, err);
	if (rc == ERR_OK)
		rc = json_in_keys(req->body, allowed, refused, err);
	if (rc == ERR_OK)
		rc = read_name(req->body, false, w->in.name, sizeof(w->in.name), &present, err);
	if (rc == ERR_OK && present)
		w->patch.name = w->in.name;
	if (rc == ERR_OK && json_object_get(req->body, "siret") != NULL) {
		w->patch.set_siret = true;
		rc = read_siret(req->body, &w->in.has_siret, w->in.siret, err);
		w->patch.siret = w->in.has_siret ? w->in.siret : NULL;
	}
	if (rc == ERR_OK)
		rc = json_in_bool(req->body, "disabled", false, &disabled, &present, err);
	if (rc == ERR_OK && present)
		w->patch.disabled = disabled;
	if (rc == ERR_OK && json_object_get(req->body, "territory") != NULL) {
		rc = orgs_read_territory(json_object_get(req->body, "territory"), &w->in.territory, err);
		w->patch.territory = &w->in.territory;
	}
	if (rc == ERR_OK)
		rc = tx_run(req, orgs_update_tx, w, err);
	if (rc == ERR_OK) {
		reply_etag(rep, w->new_version);
		rc = reply_json(rep, 200, json_loads(w->json, 0, NULL));
	}
	free(w->json);
	free(w);
	return rc;
}

int orgs_check_scopes(const char *scopes, enum org_kind kind, const char *field, struct err *err)
{
	static const char *const known[] = { "read", "write", "admin" };
	if (scopes[0] == '\0' || scopes[0] == ' ' || scopes[strlen(scopes) - 1] == ' ' || strstr(scopes, "  "))
		return err_set(err, ERR_INVALID, field, "scope is a space-separated list of read, write and admin");
	char copy[256];
	snprintf(copy, sizeof(copy), "%s", scopes);
	char *save = NULL;
	for (char *w = strtok_r(copy, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save)) {
		bool ok = false;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			ok = ok || strcmp(w, known[i]) == 0;
		if (!ok)
			return err_set(err, ERR_INVALID, field, "unknown scope \"%.32s\"", w);
	}
	/* Administration is the préfecture's; the département's administrators
	 * read the audit log. */
	if (policy_scope_has(scopes, "admin") && !policy_kind_is_departement_wide(kind))
		return err_set_reason(err, ERR_REASON_WRONG_ORGANISATION_KIND, field,
			       "only prefecture and departement clients may hold the admin scope");
	return ERR_OK;
}

struct client_write {
	const struct req *req;
	const char *org_id;
	const char *client_id;
	char name[ORG_NAME_MAX * 4 + 1];
	char scopes[256];
	char secret[SECRET_LEN + 1];
	char hash[SECRET_HASH_LEN];
	char *json;
	struct json_page page;
};

static int orgs_create_client_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct client_write *w = ctx;
	char *org = NULL;
	int rc = orgs_store_administered(conn, w->req->actor.org_id, w->org_id, NULL, err);
	if (rc == ERR_OK)
		rc = orgs_store_get(conn, w->org_id, &org, NULL, err);
	if (rc == ERR_OK) {
		json_t *o = json_loads(org, 0, NULL);
		enum org_kind kind = ORG_KIND__COUNT;
		policy_kind_from_string(json_string_value(json_object_get(o, "kind")), &kind);
		json_decref(o);
		rc = orgs_check_scopes(w->scopes, kind, "scope", err);
	}
	free(org);
	if (rc == ERR_OK)
		rc = clients_store_create(conn, w->org_id, w->name, w->scopes, w->hash, &w->json, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, w->req, "create", "api_client", w->org_id, "ok", err);
	return rc;
}

int orgs_create_client(struct req *req, struct reply *rep, struct err *err)
{
	static const char *const allowed[] = { "name", "scope", NULL };
	static const char *const refused[] = { "client_id", "client_secret", "organisation_id", "created_at",
					       "revoked_at", NULL };
	struct client_write w = { .req = req };
	bool present;
	int rc = auth_require(req, POLICY_ADMIN_CLIENTS, err);
	if (rc == ERR_OK)
		rc = req_path_uuid(req, "id", &w.org_id, err);
	if (rc == ERR_OK)
		rc = json_in_keys(req->body, allowed, refused, err);
	if (rc == ERR_OK)
		rc = read_name(req->body, true, w.name, sizeof(w.name), &present, err);
	if (rc == ERR_OK)
		rc = json_in_string(req->body, "scope", false, w.scopes, sizeof(w.scopes), &present, err);
	if (rc == ERR_OK && !present)
		snprintf(w.scopes, sizeof(w.scopes), "read write");
	if (rc == ERR_OK && (secret_generate(w.secret, sizeof(w.secret)) != 0 ||
			     secret_hash(w.secret, w.hash, sizeof(w.hash)) != 0))
		rc = err_set(err, ERR_INTERNAL, "", "cannot draw a secret");
	if (rc == ERR_OK)
		rc = tx_run(req, orgs_create_client_tx, &w, err);
	if (rc == ERR_OK) {
		json_t *c = json_loads(w.json, 0, NULL);
		json_object_set_new(c, "client_secret", json_string(w.secret));
		rc = reply_json(rep, 201, c);
	}
	free(w.json);
	return rc;
}

static int orgs_list_clients_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct client_write *w = ctx;
	char *org = NULL;
	int rc = orgs_store_administered(conn, w->req->actor.org_id, w->org_id, NULL, err);
	if (rc == ERR_OK)
		rc = orgs_store_get(conn, w->org_id, &org, NULL, err);
	free(org);
	if (rc == ERR_OK)
		rc = clients_store_list(conn, w->org_id, &w->page, err);
	return rc;
}

int orgs_list_clients(struct req *req, struct reply *rep, struct err *err)
{
	struct client_write w = { .req = req };
	int rc = auth_require(req, POLICY_ADMIN_CLIENTS, err);
	if (rc == ERR_OK)
		rc = req_path_uuid(req, "id", &w.org_id, err);
	if (rc == ERR_OK)
		rc = tx_run(req, orgs_list_clients_tx, &w, err);
	if (rc == ERR_OK)
		rc = reply_json(rep, 200, cursor_page_json(&w.page));
	json_page_free(&w.page);
	return rc;
}

static int orgs_revoke_client_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct client_write *w = ctx;
	int rc = orgs_store_administered(conn, w->req->actor.org_id, NULL, w->client_id, err);
	if (rc == ERR_OK)
		rc = clients_store_revoke(conn, w->client_id, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, w->req, "revoke", "api_client", w->client_id, "ok", err);
	return rc;
}

int orgs_revoke_client(struct req *req, struct reply *rep, struct err *err)
{
	struct client_write w = { .req = req };
	int rc = auth_require(req, POLICY_ADMIN_CLIENTS, err);
	if (rc == ERR_OK)
		rc = req_path_uuid(req, "id", &w.client_id, err);
	if (rc == ERR_OK)
		rc = tx_run(req, orgs_revoke_client_tx, &w, err);
	if (rc == ERR_OK)
		reply_empty(rep, 204);
	return rc;
}
