/* Bearer-token authentication of every /v1 request. */
#ifndef API_AUTH_H
#define API_AUTH_H

#include "api/http.h"

/* Authentication is in two halves, with the organisation's budget of
 * requests in flight between them (api/router.c). Any failure is
 * ERR_UNAUTHORIZED with one fixed message; the reason goes to the log only. */

/* The first half, with no database: the bearer token's signature and
 * claims, into req->actor (not yet authenticated). */
int auth_verify_token(struct req *req, struct err *err);

/* The second half: the client and its organisation still active; sets
 * req->actor.authenticated. ERR_UNAVAILABLE when the database cannot
 * confirm the client. */
int auth_confirm_client(struct req *req, struct err *err);

/* ERR_FORBIDDEN unless the caller's kind and scopes allow a collection
 * action (one that concerns no particular case). */
int auth_require(const struct req *req, enum policy_action action, struct err *err);

#endif
