/* /v1/clils: the registry of local commissions on rent arrears (CLIL).
 * Every partner reads it; the secretariat keeps it. */
#ifndef API_CLILS_H
#define API_CLILS_H

#include "api/http.h"

int clils_create(struct req *req, struct reply *rep, struct err *err);
int clils_list(struct req *req, struct reply *rep, struct err *err);
int clils_get(struct req *req, struct reply *rep, struct err *err);
int clils_update(struct req *req, struct reply *rep, struct err *err);

#endif
