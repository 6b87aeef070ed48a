/* Bearer-token authentication of every /v1 request. */
#ifndef API_AUTH_H
#define API_AUTH_H

#include "api/http.h"

/* Verifies the request's bearer token and fills req->actor. Any failure is
 * ERR_UNAUTHORIZED with one fixed message; the reason goes to the log only. */
int auth_authenticate(struct req *req, struct err *err);

#endif
