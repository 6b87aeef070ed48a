/* Operations endpoints: liveness, readiness, metrics. */
#ifndef API_OPS_H
#define API_OPS_H

#include "api/http.h"

int ops_healthz(struct req *req, struct reply *rep, struct err *err);
int ops_readyz(struct req *req, struct reply *rep, struct err *err);
int ops_metrics(struct req *req, struct reply *rep, struct err *err);

#endif
