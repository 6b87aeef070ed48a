/* /v1/organisations and their API clients: administration by the
 * préfecture's administrators. */
#ifndef API_ORGS_H
#define API_ORGS_H

#include "api/http.h"

int orgs_create(struct req *req, struct reply *rep, struct err *err);
int orgs_list(struct req *req, struct reply *rep, struct err *err);
int orgs_get(struct req *req, struct reply *rep, struct err *err);
int orgs_update(struct req *req, struct reply *rep, struct err *err);
int orgs_create_client(struct req *req, struct reply *rep, struct err *err);
int orgs_list_clients(struct req *req, struct reply *rep, struct err *err);
int orgs_revoke_client(struct req *req, struct reply *rep, struct err *err);

/* Scopes a client may hold: "read", "write" and, for a prefecture or a
 * departement, "admin".
 * ERR_INVALID or ERR_UNPROCESSABLE naming field otherwise. */
int orgs_check_scopes(const char *scopes, enum org_kind kind, const char *field, struct err *err);

#endif
