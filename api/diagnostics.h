/* /v1/diagnostics: social & financial diagnostics, their interview,
 * structured report, carence and deadlines. */
#ifndef API_DIAGNOSTICS_H
#define API_DIAGNOSTICS_H

#include "api/http.h"

int diagnostics_list(struct req *req, struct reply *rep, struct err *err);
int diagnostics_create(struct req *req, struct reply *rep, struct err *err);
int diagnostics_get(struct req *req, struct reply *rep, struct err *err);
int diagnostics_update(struct req *req, struct reply *rep, struct err *err);

#endif
