#include "storage/orgs_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct db_stmt orgs_store_statements[] = {
	{ "orgs_insert",
	  "WITH o AS (INSERT INTO organisations (kind, name, siret) VALUES ($1, $2, $3) RETURNING id),"
	  " c AS (INSERT INTO organisation_communes (organisation_id, insee)"
	  "       SELECT o.id, x FROM o, unnest($4::text[]) x),"
	  " e AS (INSERT INTO organisation_epcis (organisation_id, epci_siren)"
	  "       SELECT o.id, x FROM o, unnest($5::text[]) x),"
	  /* Its départements: those given, else its creator's ($7), else the
	   * deployment's (default_departement() of 0024). */
	  " d AS (INSERT INTO organisation_departements (organisation_id, departement_code)"
	  "       SELECT o.id, x FROM o, unnest(CASE WHEN $6::text[] <> '{}' THEN $6::text[] ELSE"
	  "        coalesce(nullif(ARRAY(SELECT c.departement_code FROM organisation_departements c"
	  "         WHERE c.organisation_id = $7::uuid), '{}'), ARRAY[default_departement()]) END) x)"
	  " SELECT id FROM o" },
	{ "orgs_get",
	  "SELECT organisation_json(o), o.version FROM organisations o WHERE o.id = $1" },
	{ "orgs_list",
	  "SELECT organisation_json(o), o.created_at::text, o.id FROM organisations o"
	  " WHERE ($1::text IS NULL OR o.kind = $1)"
	  "   AND ($2::timestamptz IS NULL OR (o.created_at, o.id) > ($2::timestamptz, $3::uuid))"
	  " ORDER BY o.created_at, o.id LIMIT $4" },
	{ "orgs_update",
	  "UPDATE organisations SET name = coalesce($3, name),"
	  " siret = CASE WHEN $4::boolean THEN $5 ELSE siret END,"
	  " disabled = coalesce($6::boolean, disabled),"
	  " version = version + 1, updated_at = now()"
	  " WHERE id = $1 AND ($2::integer = 0 OR version = $2) RETURNING version" },
	{ "orgs_exists", "SELECT 1 FROM organisations WHERE id = $1" },
	{ "orgs_set_territory",
	  "WITH dc AS (DELETE FROM organisation_communes WHERE organisation_id = $1),"
	  " de AS (DELETE FROM organisation_epcis WHERE organisation_id = $1)"
	  " SELECT 1" },
	{ "orgs_add_territory",
	  "WITH c AS (INSERT INTO organisation_communes (organisation_id, insee)"
	  "       SELECT $1, x FROM unnest($2::text[]) x),"
	  " e AS (INSERT INTO organisation_epcis (organisation_id, epci_siren)"
	  "       SELECT $1, x FROM unnest($3::text[]) x)"
	  " SELECT 1" },
	{ "clients_insert",
	  "INSERT INTO api_clients (organisation_id, name, scopes, secret_hash) VALUES ($1, $2, $3, $4)"
	  " RETURNING api_client_json(api_clients)" },
	{ "clients_list",
	  "SELECT api_client_json(c) FROM api_clients c WHERE c.organisation_id = $1"
	  " ORDER BY c.created_at, c.id" },
	{ "clients_revoke",
	  "UPDATE api_clients SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING id" },
	{ "clients_find",
	  "SELECT c.id, o.id, o.kind, c.scopes, c.secret_hash, c.revoked_at IS NULL AND NOT o.disabled"
	  " FROM api_clients c JOIN organisations o ON o.id = c.organisation_id WHERE c.id = $1" },
	{ "orgs_ref", "SELECT org_ref_json($1::uuid)::text WHERE EXISTS (SELECT 1 FROM organisations WHERE id = $1)" },
	{ "clients_active",
	  "SELECT 1 FROM api_clients c JOIN organisations o ON o.id = c.organisation_id"
	  " WHERE c.id = $1 AND o.id = $2 AND c.revoked_at IS NULL AND NOT o.disabled" },
	/* The organisation $2 (or the client $3's), when each of its
	 * départements is one of the administrator $1's. */
	{ "orgs_administered",
	  "SELECT 1 FROM organisations o"
	  " WHERE o.id = coalesce($2::uuid, (SELECT c.organisation_id FROM api_clients c WHERE c.id = $3::uuid))"
	  "  AND NOT EXISTS (SELECT 1 FROM organisation_departements t WHERE t.organisation_id = o.id"
	  "   AND NOT EXISTS (SELECT 1 FROM organisation_departements a WHERE a.organisation_id = $1::uuid"
	  "    AND a.departement_code = t.departement_code))" },
	/* Whether each of the codes $2 is one of the administrator $1's. */
	{ "orgs_departements_held",
	  "SELECT NOT EXISTS (SELECT 1 FROM unnest($2::text[]) x (code) WHERE NOT EXISTS ("
	  "  SELECT 1 FROM organisation_departements a WHERE a.organisation_id = $1::uuid"
	  "  AND a.departement_code = x.code))" },
	{ NULL, NULL },
};

void json_page_free(struct json_page *page)
{
	if (page == NULL)
		return;
	for (int i = 0; i < page->count; i++)
		free(page->items[i]);
	free(page->items);
	page->items = NULL;
	page->count = 0;
}

/* Copies column col of every row into page->items. */
static int page_fill(struct json_page *page, const PGresult *res, int col, struct err *err)
{
	int n = PQntuples(res);
	page->count = 0;
	page->items = calloc((size_t)(n ? n : 1), sizeof(char *));
	if (page->items == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	for (int i = 0; i < n; i++) {
		page->items[i] = strdup(PQgetvalue(res, i, col));
		if (page->items[i] == NULL)
			return err_set(err, ERR_INTERNAL, "", "out of memory");
		page->count++;
	}
	return ERR_OK;
}

static char *dup_value(const PGresult *res, int row, int col, struct err *err)
{
	char *s = strdup(PQgetvalue(res, row, col));
	if (s == NULL)
		err_set(err, ERR_INTERNAL, "", "out of memory");
	return s;
}

/* The JSON in column 0 of statement stmt's one row for id (and the version
 * in column 1 when version is not NULL); ERR_NOT_FOUND without a row. */
static int read_one(PGconn *conn, const char *stmt, const char *id, char **json, int *version, struct err *err)
{
	*json = NULL;
	PGresult *res = NULL;
	const char *params[] = { id };
	int rc = db_exec(&res, conn, stmt, 1, params, err);
	if (rc == ERR_OK && PQntuples(res) == 0)
		rc = err_set(err, ERR_NOT_FOUND, "", "no such organisation");
	if (rc == ERR_OK) {
		*json = dup_value(res, 0, 0, err);
		if (version != NULL)
			*version = atoi(PQgetvalue(res, 0, 1));
		rc = *json ? ERR_OK : ERR_INTERNAL;
	}
	PQclear(res);
	return rc;
}

int orgs_store_get(PGconn *conn, const char *id, char **json, int *version, struct err *err)
{
	return read_one(conn, "orgs_get", id, json, version, err);
}

int orgs_store_ref(PGconn *conn, const char *id, char **json, struct err *err)
{
	return read_one(conn, "orgs_ref", id, json, NULL, err);
}

int orgs_store_create(PGconn *conn, const struct org_input *in, const char *creator_org, char **json,
		      struct err *err)
{
	*json = NULL;
	char *communes = malloc(ORG_MAX_COMMUNES * 7 + 3), *epcis = malloc(ORG_MAX_EPCIS * 11 + 3);
	int rc = ERR_INTERNAL;
	PGresult *res = NULL;
	if (communes == NULL || epcis == NULL) {
		err_set(err, ERR_INTERNAL, "", "out of memory");
		goto done;
	}
	territory_communes_literal(&in->territory, communes, ORG_MAX_COMMUNES * 7 + 3);
	territory_epcis_literal(&in->territory, epcis, ORG_MAX_EPCIS * 11 + 3);
	char departements[ORG_MAX_DEPARTEMENTS * 4 + 3];
	org_departements_literal(in, departements, sizeof(departements));
	const char *params[] = { policy_kind_to_string(in->kind), in->name,
				 in->has_siret ? in->siret : NULL, communes, epcis, departements, creator_org };
	rc = db_exec(&res, conn, "orgs_insert", 7, params, err);
	if (rc != ERR_OK)
		goto done;
	char id[40];
	snprintf(id, sizeof(id), "%s", PQgetvalue(res, 0, 0));
	rc = orgs_store_get(conn, id, json, NULL, err);
done:
	PQclear(res);
	free(communes);
	free(epcis);
	return rc;
}

int orgs_store_list(PGconn *conn, const char *kind, const struct page_cursor *after, int limit,
		    struct json_page *page, struct err *err)
{
	memset(page, 0, sizeof(*page));
	char lim[16];
	snprintf(lim, sizeof(lim), "%d", limit + 1);
	const char *params[] = { kind, after->set ? after->after_time : NULL,
				 after->set ? after->after_id : NULL, lim };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "orgs_list", 4, params, err);
	if (rc != ERR_OK)
		return rc;
	int n = PQntuples(res);
	bool more = n > limit;
	if (more) {
		page->next.set = true;
		snprintf(page->next.after_time, sizeof(page->next.after_time), "%s", PQgetvalue(res, limit - 1, 1));
		snprintf(page->next.after_id, sizeof(page->next.after_id), "%s", PQgetvalue(res, limit - 1, 2));
	}
	rc = page_fill(page, res, 0, err);
	if (rc == ERR_OK && more) {
		free(page->items[limit]);
		page->count = limit;
	}
	PQclear(res);
	return rc;
}

int json_page_keyset(PGconn *conn, const char *stmt, int n, const char *const *params, int limit,
		    struct json_page *page, struct err *err)
{
	memset(page, 0, sizeof(*page));
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, stmt, n, params, err);
	if (rc != ERR_OK)
		return rc;
	int rows = PQntuples(res);
	int keep = rows > limit ? limit : rows;
	if (rows > limit) {
		page->next.set = true;
		snprintf(page->next.after_time, sizeof(page->next.after_time), "%s", PQgetvalue(res, limit - 1, 1));
		snprintf(page->next.after_id, sizeof(page->next.after_id), "%s", PQgetvalue(res, limit - 1, 2));
	}
	page->items = calloc((size_t)(keep ? keep : 1), sizeof(char *));
	if (page->items == NULL)
		rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	for (int i = 0; rc == ERR_OK && i < keep; i++) {
		page->items[i] = dup_value(res, i, 0, err);
		if (page->items[i] == NULL)
			rc = ERR_INTERNAL;
		else
			page->count++;
	}
	PQclear(res);
	return rc;
}

int orgs_store_update(PGconn *conn, const char *id, int version, const struct org_patch *patch,
		      char **json, int *new_version, struct err *err)
{
	*json = NULL;
	char ver[16];
	snprintf(ver, sizeof(ver), "%d", version);
	const char *disabled = patch->disabled < 0 ? NULL : patch->disabled ? "true" : "false";
	const char *params[] = { id, ver, patch->name, patch->set_siret ? "true" : "false",
				 patch->siret, disabled };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "orgs_update", 6, params, err);
	if (rc == ERR_OK && PQntuples(res) == 0) {
		PQclear(res);
		res = NULL;
		const char *p1[] = { id };
		rc = db_exec(&res, conn, "orgs_exists", 1, p1, err);
		if (rc == ERR_OK)
			rc = PQntuples(res) == 0
				? err_set(err, ERR_NOT_FOUND, "", "no such organisation")
				: err_set(err, ERR_PRECONDITION_FAILED, "If-Match",
					  "the organisation has changed since version %d; fetch it again", version);
	}
	PQclear(res);
	if (rc != ERR_OK)
		return rc;
	if (patch->territory != NULL) {
		char *communes = malloc(ORG_MAX_COMMUNES * 7 + 3), *epcis = malloc(ORG_MAX_EPCIS * 11 + 3);
		if (communes == NULL || epcis == NULL) {
			rc = err_set(err, ERR_INTERNAL, "", "out of memory");
		} else {
			territory_communes_literal(patch->territory, communes, ORG_MAX_COMMUNES * 7 + 3);
			territory_epcis_literal(patch->territory, epcis, ORG_MAX_EPCIS * 11 + 3);
			const char *p1[] = { id };
			const char *p3[] = { id, communes, epcis };
			rc = db_exec_discard(conn, "orgs_set_territory", 1, p1, err);
			if (rc == ERR_OK)
				rc = db_exec_discard(conn, "orgs_add_territory", 3, p3, err);
		}
		free(communes);
		free(epcis);
		if (rc != ERR_OK)
			return rc;
	}
	return orgs_store_get(conn, id, json, new_version, err);
}

int clients_store_create(PGconn *conn, const char *org_id, const char *name, const char *scopes,
			 const char *secret_hash, char **json, struct err *err)
{
	*json = NULL;
	const char *params[] = { org_id, name, scopes, secret_hash };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "clients_insert", 4, params, err);
	if (rc == ERR_OK) {
		*json = dup_value(res, 0, 0, err);
		rc = *json ? ERR_OK : ERR_INTERNAL;
	}
	PQclear(res);
	return rc;
}

int clients_store_list(PGconn *conn, const char *org_id, struct json_page *page, struct err *err)
{
	memset(page, 0, sizeof(*page));
	const char *params[] = { org_id };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "clients_list", 1, params, err);
	if (rc == ERR_OK)
		rc = page_fill(page, res, 0, err);
	PQclear(res);
	return rc;
}

int clients_store_revoke(PGconn *conn, const char *client_id, struct err *err)
{
	const char *params[] = { client_id };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "clients_revoke", 1, params, err);
	if (rc == ERR_OK && PQntuples(res) == 0)
		rc = err_set(err, ERR_NOT_FOUND, "", "no such client");
	PQclear(res);
	return rc;
}

int clients_store_find(PGconn *conn, const char *client_id, struct client_credentials *out, struct err *err)
{
	memset(out, 0, sizeof(*out));
	const char *params[] = { client_id };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "clients_find", 1, params, err);
	if (rc == ERR_OK && PQntuples(res) == 0)
		rc = err_set(err, ERR_NOT_FOUND, "", "no such client");
	if (rc == ERR_OK) {
		snprintf(out->client_id, sizeof(out->client_id), "%s", PQgetvalue(res, 0, 0));
		snprintf(out->org_id, sizeof(out->org_id), "%s", PQgetvalue(res, 0, 1));
		snprintf(out->kind, sizeof(out->kind), "%s", PQgetvalue(res, 0, 2));
		snprintf(out->scopes, sizeof(out->scopes), "%s", PQgetvalue(res, 0, 3));
		snprintf(out->secret_hash, sizeof(out->secret_hash), "%s", PQgetvalue(res, 0, 4));
		out->active = strcmp(PQgetvalue(res, 0, 5), "t") == 0;
	}
	PQclear(res);
	return rc;
}

int clients_store_is_active(PGconn *conn, const char *client_id, const char *org_id, bool *active,
			    struct err *err)
{
	*active = false;
	const char *params[] = { client_id, org_id };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "clients_active", 2, params, err);
	if (rc == ERR_OK)
		*active = PQntuples(res) == 1;
	PQclear(res);
	return rc;
}

int orgs_store_administered(PGconn *conn, const char *admin_org, const char *org_id, const char *client_id,
			    struct err *err)
{
	const char *params[] = { admin_org, org_id, client_id };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "orgs_administered", 3, params, err);
	if (rc == ERR_OK && PQntuples(res) == 0)
		rc = err_set(err, ERR_NOT_FOUND, "", client_id != NULL ? "no such client" : "no such organisation");
	PQclear(res);
	return rc;
}

int orgs_store_departements_held(PGconn *conn, const char *admin_org, const struct org_input *in, struct err *err)
{
	char departements[ORG_MAX_DEPARTEMENTS * 4 + 3];
	org_departements_literal(in, departements, sizeof(departements));
	const char *params[] = { admin_org, departements };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "orgs_departements_held", 2, params, err);
	if (rc == ERR_OK && strcmp(PQgetvalue(res, 0, 0), "t") != 0)
		rc = err_set(err, ERR_FORBIDDEN, "departements",
			     "an administrator makes organisations of its own départements only");
	PQclear(res);
	return rc;
}
