/* /v1/organisations and their API clients: administration by the
 * préfecture's administrators. */
#ifndef API_ORGS_H
#define API_ORGS_H

#include "api/http.h"
#include "domain/organisation.h"

int orgs_create(struct req *req, struct reply *rep, struct err *err);
int orgs_list(struct req *req, struct reply *rep, struct err *err);
int orgs_get(struct req *req, struct reply *rep, struct err *err);
int orgs_update(struct req *req, struct reply *rep, struct err *err);
int orgs_create_client(struct req *req, struct reply *rep, struct err *err);
int orgs_list_clients(struct req *req, struct reply *rep, struct err *err);
int orgs_revoke_client(struct req *req, struct reply *rep, struct err *err);

/* Reads {"communes": [...], "epcis": [...]} into t (zeroed first); absent or
 * null is an empty territory. ERR_INVALID naming territory.communes or
 * territory.epcis at a malformed or repeated code. */
int orgs_read_territory(const json_t *obj, struct territory *t, struct err *err);

/* Scopes a client may hold: "read", "write" and, for a prefecture or a
 * departement, "admin".
 * ERR_INVALID or ERR_UNPROCESSABLE naming field otherwise. */
int orgs_check_scopes(const char *scopes, enum org_kind kind, const char *field, struct err *err);

#endif
