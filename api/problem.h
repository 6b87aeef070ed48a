/* RFC 9457 problem details: the one place that turns an error code into an
 * HTTP status and a body. */
#ifndef API_PROBLEM_H
#define API_PROBLEM_H

#include "api/http.h"
#include "domain/err.h"

int problem_status(enum err_code code);

/* Fills rep with an application/problem+json body for err. A 500 gets a
 * generic detail; the cause is logged with the request id. */
void problem_reply(struct reply *rep, const struct req *req, const struct err *err);

#endif
