/* Organisations, their territory and their API clients. Representations
 * come back as JSON text built by PostgreSQL (organisation_json(),
 * api_client_json() in the migrations): the caller free()s it. */
#ifndef STORAGE_ORGS_STORE_H
#define STORAGE_ORGS_STORE_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "domain/err.h"
#include "domain/organisation.h"
#include "storage/db.h"

extern const struct db_stmt orgs_store_statements[];

struct page_cursor {
	bool set;
	char after_time[64];  /* exact created_at of the last row seen */
	char after_id[40];
};

/* One page of a list: rows of JSON text and where the next page starts. */
struct json_page {
	int count;
	char **items;         /* owned: count strings */
	struct page_cursor next; /* next.set is false on the last page */
};
void json_page_free(struct json_page *page);

/* Runs the prepared statement stmt, which was asked for limit + 1 rows of
 * (JSON text, created_at text, id) in keyset order, into page: at most
 * limit items, and the cursor after the last when there are more. */
int json_page_keyset(PGconn *conn, const char *stmt, int n, const char *const *params, int limit,
		     struct json_page *page, struct err *err);
/* The keyset condition of such a statement on table alias t: rows after
 * ($a created_at, $b id), or every row when $a is NULL. */
#define JSON_PAGE_KEYSET(t, a, b)                                                                    \
	" AND ($" #a "::timestamptz IS NULL OR (" t ".created_at, " t ".id) > ($" #a "::timestamptz, $" #b \
	"::uuid))"

/* The organisation as an OrganisationRef {id, name, kind} (org_ref_json()
 * of 0022): *json is a new string the caller free()s. ERR_NOT_FOUND when
 * there is none. */
int orgs_store_ref(PGconn *conn, const char *id, char **json, struct err *err);
/* Creates the organisation, in the départements of in, or else those of
 * creator_org (NULL: none), or else the deployment's default. */
int orgs_store_create(PGconn *conn, const struct org_input *in, const char *creator_org, char **json,
		      struct err *err);
/* ERR_NOT_FOUND when there is no such organisation. */
int orgs_store_get(PGconn *conn, const char *id, char **json, int *version, struct err *err);

/* ERR_NOT_FOUND unless each département of the organisation org_id (or,
 * org_id NULL, of the client client_id's) is one of admin_org's: an
 * administrator administers its own départements' organisations only. */
int orgs_store_administered(PGconn *conn, const char *admin_org, const char *org_id, const char *client_id,
			    struct err *err);

/* ERR_FORBIDDEN (field departements) unless each département of in is one
 * of admin_org's. */
int orgs_store_departements_held(PGconn *conn, const char *admin_org, const struct org_input *in, struct err *err);
int orgs_store_list(PGconn *conn, const char *kind, const struct page_cursor *after, int limit,
		    struct json_page *page, struct err *err);

struct org_patch {
	const char *name;      /* NULL: unchanged */
	bool set_siret;
	const char *siret;     /* NULL with set_siret: removed */
	int disabled;          /* -1 unchanged, 0 or 1 */
	const struct territory *territory; /* NULL: unchanged; else replaces it */
};
/* ERR_PRECONDITION_FAILED when the organisation's version is not version. */
int orgs_store_update(PGconn *conn, const char *id, int version, const struct org_patch *patch,
		      char **json, int *new_version, struct err *err);

int clients_store_create(PGconn *conn, const char *org_id, const char *name, const char *scopes,
			 const char *secret_hash, char **json, struct err *err);
int clients_store_list(PGconn *conn, const char *org_id, struct json_page *page, struct err *err);
/* Revokes at once; ERR_NOT_FOUND when there is no such client. */
int clients_store_revoke(PGconn *conn, const char *client_id, struct err *err);

/* What the token endpoint needs to know of a client. */
struct client_credentials {
	char client_id[40];
	char org_id[40];
	char kind[32];
	char scopes[256];
	char secret_hash[160];
	bool active;          /* not revoked, organisation not disabled */
};
/* ERR_NOT_FOUND when there is no such client. */
int clients_store_find(PGconn *conn, const char *client_id, struct client_credentials *out, struct err *err);

/* True in *active when the client exists, is not revoked and its
 * organisation is not disabled. */
int clients_store_is_active(PGconn *conn, const char *client_id, const char *org_id, bool *active,
			    struct err *err);

#endif
