/* /v1/masp: MASP measures, their renewals, and the yearly figures
 * (effective, started, renewed, ended measures and their average length). */
#ifndef API_MASP_H
#define API_MASP_H

#include "api/http.h"

int masp_list(struct req *req, struct reply *rep, struct err *err);
int masp_create(struct req *req, struct reply *rep, struct err *err);
int masp_get(struct req *req, struct reply *rep, struct err *err);
int masp_update(struct req *req, struct reply *rep, struct err *err);
int masp_renew(struct req *req, struct reply *rep, struct err *err);
int masp_summary(struct req *req, struct reply *rep, struct err *err);

#endif
