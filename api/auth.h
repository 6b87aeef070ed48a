/* Bearer-token authentication of every /v1 request. */
#ifndef API_AUTH_H
#define API_AUTH_H

#include "api/http.h"

/* Verifies the request's bearer token and fills req->actor. Any failure is
 * ERR_UNAUTHORIZED with one fixed message; the reason goes to the log only.
 * ERR_UNAVAILABLE when the database cannot confirm the client. */
int auth_authenticate(struct req *req, struct err *err);

/* The first half of auth_authenticate(), with no database: the token's
 * signature and claims, into req->actor (not yet authenticated). */
int auth_verify_token(struct req *req, struct err *err);

/* The second half: the client and its organisation still active; sets
 * req->actor.authenticated. */
int auth_confirm_client(struct req *req, struct err *err);

/* ERR_FORBIDDEN unless the caller's kind and scopes allow a collection
 * action (one that concerns no particular case). */
int auth_require(const struct req *req, enum policy_action action, struct err *err);

#endif
